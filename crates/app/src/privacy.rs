//! Personal data after its time (issue 17, PIPL; docs/privacy.md):
//!
//! - a member who left the roll (transferred out, deceased) is
//!   pseudonymized once the community's retention period after their
//!   leaving has passed: the committee confirms it, and in one transaction
//!   their name becomes an alias (已匿名党员 and a short code), their phone,
//!   their claims' files and notes and their relatives' links go, and their
//!   accounts are disabled. The ledger, the seals, the finalized years'
//!   ratings and the honour rolls still verify: none of them holds a name
//!   (docs/ledger-format.md, "What a pseudonym changes");
//! - files of withdrawn or rejected claims are removed after the review
//!   period, and audit rows after theirs, by the server and by
//!   `starledger retention apply`.
//!
//! The periods are the installation's settings ([`Retention`]); every day is
//! the injected clock's.

use crate::clock;
use crate::error::{AppResult, refused};
use crate::ledger::actor_label;
use jiff::civil::Date;
use jiff::{Span, Timestamp, Zoned};
use sha2::{Digest, Sha256};
use starledger_domain::duty;
use starledger_domain::org::{Account, CommunityId, Member, MemberId};
use starledger_store::{ClaimQueries, ExpiredFile, OrgQueries, PrivacyQueries, WriteTx};

/// How long personal data is kept, set by the installation
/// (`retention_left_years`, `retention_upload_days`, `retention_audit_years`;
/// docs/operations.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retention {
    /// Years after a member left the roll before they may be pseudonymized.
    pub left_years: u16,
    /// Days after a claim was withdrawn or rejected before its file goes.
    pub upload_days: u32,
    /// Years an audit row is kept.
    pub audit_years: u16,
}

impl Default for Retention {
    fn default() -> Self {
        Retention { left_years: 5, upload_days: 90, audit_years: 5 }
    }
}

/// The actor of the server's own removals in the audit log.
pub const SYSTEM_ACTOR: &str = "system:retention";

/// A member's alias: 已匿名党员 and six characters of a hash of the
/// community and the member's number, the same every time (so two reports
/// of one member agree) and different for two members in practice.
pub fn alias(community: CommunityId, member: MemberId) -> String {
    let digest = Sha256::digest(format!("starledger-alias-v1 {community} {member}"));
    format!("已匿名党员{}", hex::encode_upper(&digest[..3]))
}

/// The first day a member who left on `left_on` may be pseudonymized.
pub fn pseudonymizable_from(left_on: Date, retention: &Retention) -> Date {
    left_on.saturating_add(Span::new().years(i64::from(retention.left_years)))
}

/// What pseudonymizing a member will do, for the confirmation.
#[derive(Clone, Debug)]
pub struct Plan {
    pub member: Member,
    pub alias: String,
    pub left_on: Date,
    /// Files of their claims that will be removed.
    pub files: usize,
    /// Logins of their accounts, to be disabled.
    pub accounts: Vec<String>,
}

/// Checks that `member` may be pseudonymized now by `actor` and says what
/// it will do; writes nothing. Refused for anyone but the committee, for a
/// member still on the roll, within the retention period, or done already.
pub async fn plan<Q>(q: &mut Q, actor: &Account, member: MemberId, retention: &Retention) -> AppResult<Plan>
where
    Q: OrgQueries + ClaimQueries + PrivacyQueries,
{
    duty::may_administer(actor, "pseudonymize a member")?;
    let community = actor.community_id;
    let person = q.member(community, member).await?;
    if let Some((alias, on)) = q.pseudonymized(community, member).await? {
        return Err(refused(
            format!("该党员已于 {on} 匿名化为“{alias}”。"),
            format!("this member was pseudonymized on {on} as \"{alias}\""),
        ));
    }
    let today = clock::today();
    let Some(left_on) = person.left_on.filter(|left| *left <= today) else {
        return Err(refused(
            format!("{} 仍在名册上：只有已转出或去世、离开名册的党员才能匿名化。", person.name),
            format!(
                "{} is still on the roll: only a member who left (transferred out, deceased) is pseudonymized",
                person.name
            ),
        ));
    };
    let from = pseudonymizable_from(left_on, retention);
    if today < from {
        return Err(refused(
            format!(
                "{} 于 {left_on} 离开名册，本社区保留个人信息 {} 年：{from} 起才能匿名化。",
                person.name, retention.left_years
            ),
            format!(
                "{} left the roll on {left_on} and personal data is kept {} years after leaving: pseudonymizing is \
                 possible from {from}",
                person.name, retention.left_years
            ),
        ));
    }
    let files = q.member_claims(community, member).await?.iter().filter(|c| c.upload_id.is_some()).count();
    let accounts =
        q.accounts(community).await?.into_iter().filter(|a| a.member_id == Some(member)).map(|a| a.login).collect();
    Ok(Plan { member: person, alias: alias(community, member), left_on, files, accounts })
}

/// Pseudonymizes `member`, confirmed, in the caller's transaction, with an
/// audit row that names the member by number only; the alias.
pub async fn pseudonymize(
    tx: &mut WriteTx,
    actor: &Account,
    member: MemberId,
    retention: &Retention,
) -> AppResult<String> {
    let plan = plan(tx, actor, member, retention).await?;
    let community = actor.community_id;
    let done = tx.pseudonymize_member(community, member, &plan.alias, &clock::today().to_string(), actor.id).await?;
    let detail = format!(
        "member {member}: pseudonymized as {} (left {}); phone removed; {} claim files removed; {} relatives' links \
         removed; {} accounts disabled; {} audit rows reworded",
        plan.alias, plan.left_on, done.files, done.relatives, done.accounts, done.audit_rows
    );
    tx.audit(Some(community), &actor_label(actor), "member.pseudonymize", &detail).await?;
    Ok(plan.alias)
}

/// What retention removes (or, on a dry run, would remove) in a community.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Due {
    pub community: CommunityId,
    /// Files of claims withdrawn or rejected before this time (UTC).
    pub files_before: String,
    pub files: Vec<ExpiredFile>,
    /// Audit rows written before this time (UTC).
    pub audit_before: String,
    pub audit_rows: i64,
}

impl Due {
    pub fn is_empty(&self) -> bool {
        self.files.is_empty() && self.audit_rows == 0
    }

    pub fn file_bytes(&self) -> i64 {
        self.files.iter().map(|f| f.bytes).sum()
    }
}

/// The start of the day `years` years before today, in China's time, as
/// the audit log writes its times (UTC, seconds).
fn audit_cutoff(today: Date, years: u16) -> String {
    let day = today.saturating_sub(Span::new().years(i64::from(years)));
    let start: Timestamp = day.to_zoned(clock::china()).map(|z: Zoned| z.timestamp()).unwrap_or(Timestamp::UNIX_EPOCH);
    start.to_string()
}

/// What is due in `community` now; writes nothing.
pub async fn due<Q: PrivacyQueries>(q: &mut Q, community: CommunityId, retention: &Retention) -> AppResult<Due> {
    let now = clock::now();
    let files_cutoff = now.saturating_sub(i64::from(retention.upload_days) * 86_400);
    let audit_before = audit_cutoff(clock::today(), retention.audit_years);
    Ok(Due {
        community,
        files_before: Timestamp::from_second(files_cutoff).unwrap_or(Timestamp::UNIX_EPOCH).to_string(),
        files: q.expired_claim_files(community, files_cutoff).await?,
        audit_rows: q.audit_rows_before(community, &audit_before).await?,
        audit_before,
    })
}

/// Removes what is due in the community of `tx`: the files, then the audit
/// rows, leaving one audit row that says what went (none if nothing did).
/// No audit row is needed by the ledger's verification, which reads the
/// entries, the seals and the finalized years' tables only.
pub async fn apply(tx: &mut WriteTx, community: CommunityId, retention: &Retention, actor: &str) -> AppResult<Due> {
    let due = due(tx, community, retention).await?;
    if due.is_empty() {
        return Ok(due);
    }
    for file in &due.files {
        tx.remove_claim_file(community, file.claim_id, file.upload_id).await?;
    }
    let removed = tx.delete_audit_rows_before(community, &due.audit_before).await?;
    let claims: Vec<String> = due.files.iter().map(|f| f.claim_id.to_string()).collect();
    let detail = format!(
        "removed {} files ({} bytes) of claims withdrawn or rejected before {} (claims {}); removed {removed} audit \
         rows written before {} (kept {} years)",
        due.files.len(),
        due.file_bytes(),
        due.files_before,
        if claims.is_empty() { "-".to_string() } else { claims.join(", ") },
        due.audit_before,
        retention.audit_years,
    );
    tx.audit(Some(community), actor, "retention.apply", &detail).await?;
    Ok(due)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_alias_is_stable_short_and_tells_members_apart() {
        assert_eq!(alias(CommunityId::new(1), MemberId::new(7)), alias(CommunityId::new(1), MemberId::new(7)));
        assert_ne!(alias(CommunityId::new(1), MemberId::new(7)), alias(CommunityId::new(1), MemberId::new(8)));
        assert_ne!(alias(CommunityId::new(1), MemberId::new(7)), alias(CommunityId::new(2), MemberId::new(7)));
        assert!(
            alias(CommunityId::new(1), MemberId::new(7)).starts_with("已匿名党员")
                && alias(CommunityId::new(1), MemberId::new(7)).chars().count() == 11,
            "{}",
            alias(CommunityId::new(1), MemberId::new(7))
        );
        assert!(starledger_domain::org::PersonName::parse(&alias(CommunityId::new(1), MemberId::new(7))).is_ok());
    }

    #[test]
    fn the_retention_period_counts_from_the_day_of_leaving() {
        let retention = Retention::default();
        assert_eq!(pseudonymizable_from(jiff::civil::date(2020, 2, 29), &retention), jiff::civil::date(2025, 2, 28));
        assert_eq!(pseudonymizable_from(jiff::civil::date(2020, 6, 1), &retention), jiff::civil::date(2025, 6, 1));
    }

    #[test]
    fn audit_rows_are_cut_at_the_start_of_a_china_day_in_utc() {
        assert_eq!(audit_cutoff(jiff::civil::date(2026, 6, 10), 5), "2021-06-09T16:00:00Z");
    }
}
