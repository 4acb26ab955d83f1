//! Entries typed by hand (the command line's `record`) and reversals: the
//! same duty as every other path, checked on the person behind the account.

use crate::clock;
use crate::error::{AppResult, bad_year, invalid, refused, year_closed};
use crate::recording::{self, Event, subject};
use jiff::civil::Date;
use starledger_domain::duty;
use starledger_domain::ledger::{Actor, Entry, EntryDraft};
use starledger_domain::org::{Account, AccountId, BranchId, CommunityId, Member, MemberId, Role, Year};
use starledger_domain::rulebook::RuleSource;
use starledger_store::{Appended, IntegrityQueries, LedgerQueries, NoticeQueries, OrgQueries, PeriodStatus, WriteTx};
use std::collections::HashMap;

/// An entry typed by hand: an event that happened outside the system's own
/// flows (a paper sign-in sheet, a service done before the system).
pub struct HandEntry<'a> {
    pub member: MemberId,
    pub rule_key: &'a str,
    pub on: Date,
    pub reference: &'a str,
    pub reason: Option<String>,
    pub idempotency_key: Option<String>,
}

/// What a hand entry did: a new entry, or the same event found already.
pub enum Recorded {
    New { entry: Box<Entry>, member: Member },
    Already { id: i64 },
}

/// Records one entry typed by `actor`, priced by the year's rulebook.
pub async fn record_by_hand(tx: &mut WriteTx, actor: &Account, hand: HandEntry<'_>) -> AppResult<Recorded> {
    let community = actor.community_id;
    let year = Year::of(hand.on);
    let member = tx.member(community, hand.member).await?;
    let period = match tx.period(community, year).await? {
        Some(period) if period.status == PeriodStatus::Open => period,
        Some(_) => return Err(year_closed(year)),
        None => {
            return Err(refused(
                format!("{} 不在已开放的年度内：请先开放 {year} 年度。", hand.on),
                format!(
                    "{} is not in an open year; open {year} first with `starledger period open {year} --rulebook FILE`",
                    hand.on
                ),
            ));
        }
    };
    if hand.on > clock::today() {
        return Err(refused(
            format!("{} 是将来的日期：事情发生后再记录。", hand.on),
            format!("{} is in the future; record events after they happen", hand.on),
        ));
    }
    let rule = period.rulebook.rule(hand.rule_key).ok_or_else(|| {
        invalid(
            format!("规则“{}”不在 {year} 年度的规则 {} 中。", hand.rule_key, period.rulebook.version),
            format!(
                "rule \"{}\" is not in rulebook {} of {year}; see `starledger rulebook show {year}`",
                hand.rule_key, period.rulebook.version
            ),
        )
    })?;
    recording::may_record(tx, actor, rule, &member).await?;
    // Volunteer service has its own flow: the committee posts the activity
    // and its organizer confirms who served. A branch secretary confirms
    // there; only the committee types service by hand (a paper record).
    if rule.source == RuleSource::Activity && actor.role != Role::Committee {
        return Err(refused(
            format!("规则 {} 属于志愿服务：由活动组织者在活动页面确认；只有社区党委可手工记录服务。", rule.key),
            format!(
                "rule {} is volunteer service: its organizer confirms it on the activity's page; \
             only the committee records service by hand",
                rule.key
            ),
        ));
    }
    if member.days_on_roll(year) == 0
        || member.joined_on.is_some_and(|j| j > hand.on)
        || member.left_on.is_some_and(|l| l < hand.on)
    {
        return Err(refused(
            format!("{} 在 {} 不在党员名册上。", member.name, hand.on),
            format!("{} was not on the roll on {}", member.name, hand.on),
        ));
    }
    let key = hand
        .idempotency_key
        .unwrap_or_else(|| format!("cli:{}:{}:{}:{}", member.id, rule.key, hand.on, hand.reference));
    let event = Event {
        rule_key: &rule.key,
        on: hand.on,
        source_ref: hand.reference.to_string(),
        reason: hand.reason,
        idempotency_key: key,
    };
    let points = rule.points;
    let rule_key = rule.key.clone();
    match recording::append(tx, Actor::Account(actor.id), &member, &period, event, points, clock::now()).await? {
        Appended::Duplicate(id) => {
            // A reversed event is not silently revived by repeating it.
            if let Some(reversal) = tx.reversal_of(community, id).await? {
                return Err(refused(
                    format!("同一事项已记为第 {id} 条并由第 {reversal} 条冲销；如需重新记录，请使用新的编号。"),
                    format!(
                        "the same event was recorded as entry {id} and reversed by entry {reversal}; to record it \
                     again, give it a new --ref (or --key)"
                    ),
                ));
            }
            Ok(Recorded::Already { id })
        }
        Appended::New(entry) => {
            let detail = format!("entry {} member {} rule {rule_key} {}", entry.id, member.id, points);
            tx.audit(Some(community), &actor_label(actor), "ledger.record", &detail).await?;
            Ok(Recorded::New { entry, member })
        }
    }
}

/// Reverses entry `id`: undoing is deciding, so the reversal passes the
/// same duty as the entry it cancels, and its reason is required.
pub async fn reverse(tx: &mut WriteTx, actor: &Account, id: i64, reason: &str) -> AppResult<(Box<Entry>, Member)> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(invalid(
            "理由不能为空：请写明冲销原因。",
            "the reason cannot be empty: say why the entry is reversed",
        ));
    }
    let community = actor.community_id;
    let original = tx.entry(community, id).await?;
    let member = tx.member(community, original.draft.member_id).await?;
    let year = Year::new(i64::from(original.draft.year)).map_err(bad_year)?;
    if !matches!(tx.period(community, year).await?, Some(p) if p.status == PeriodStatus::Open) {
        return Err(year_closed(year));
    }
    let already = tx.reversal_of(community, original.id).await?.is_some();
    let relatives = tx.relative_ids(member.id).await?;
    duty::may_reverse(actor, &original, subject(&member), &relatives, already)?;
    // The reversal keeps the original's date so that month caps net out.
    let draft = EntryDraft::reversal_of(
        &original,
        reason.to_string(),
        Actor::Account(actor.id),
        clock::now(),
        original.draft.occurred_on,
    );
    let Appended::New(entry) = tx.append_entry(draft).await? else {
        return Err(refused(
            format!("第 {} 条已被冲销。", original.id),
            format!("entry {} has already been reversed", original.id),
        ));
    };
    let detail = format!("entry {} reverses {}: {reason}", entry.id, original.id);
    tx.audit(Some(community), &actor_label(actor), "ledger.reverse", &detail).await?;
    Ok((entry, member))
}

/// How an account is named in the audit log, whoever writes the row (the
/// web, the API, the command line, an import): `account:N (login)`, the
/// number for the machine and the login for the reader. The one place this
/// label is made; [`actor_label`] names an account of a community with it.
pub fn account_label(id: AccountId, login: &str) -> String {
    format!("account:{id} ({login})")
}

/// How an account of a community is named in the audit log ([`account_label`]).
pub fn actor_label(account: &Account) -> String {
    account_label(account.id, &account.login)
}

/// Which of a year's entries a list asks for; `None` asks for any.
#[derive(Clone, Debug, Default)]
pub struct EntryFilter {
    pub category: Option<String>,
    pub member: Option<MemberId>,
    /// The member's branch in that year's roll.
    pub branch: Option<BranchId>,
}

/// A page of a year's entries, in chain (id) order: those matching `filter`
/// with ids above `after`, at most `limit`, and whether more follow. `None`
/// if the community has no such year.
pub async fn entries_after<Q>(
    q: &mut Q,
    community: CommunityId,
    year: Year,
    filter: &EntryFilter,
    after: Option<i64>,
    limit: usize,
) -> AppResult<Option<(Vec<Entry>, bool)>>
where
    Q: LedgerQueries + OrgQueries + NoticeQueries + Sized,
{
    if q.period(community, year).await?.is_none() {
        return Ok(None);
    }
    let branch_of: HashMap<MemberId, BranchId> = match filter.branch {
        Some(_) => q.year_roll(community, year).await?.iter().map(|m| (m.id, m.branch_id)).collect(),
        None => HashMap::new(),
    };
    let facts = q.year_entry_facts(community, year).await?;
    let mut ids = facts
        .iter()
        .filter(|f| after.is_none_or(|after| f.id > after))
        .filter(|f| filter.category.as_ref().is_none_or(|c| *c == f.category))
        .filter(|f| filter.member.is_none_or(|m| m == f.member_id))
        .filter(|f| filter.branch.is_none_or(|b| branch_of.get(&f.member_id) == Some(&b)))
        .map(|f| f.id);
    let page: Vec<i64> = ids.by_ref().take(limit).collect();
    let more = ids.next().is_some();
    Ok(Some((q.entries_among(community, &page).await?, more)))
}
