//! Claims (走访与学习申报): a member files a visit to a linked household or
//! a week of 学习强国 study, with a photo; someone else reviews it. Filing,
//! withdrawing and deciding are written here once, for the pages and the
//! API: the claimant is the person behind the account, a claim is decided
//! by someone with the right to record its rule about the claimant — never
//! the claimant, never a relative (回避) — and an approval writes its entry
//! in the same transaction as the decision.

use crate::clock;
use crate::error::{AppError, AppResult, Reason, invalid, refused};
use crate::recording::{self, Event};
use jiff::civil::Date;
use starledger_domain::claims::{self, ClaimKind, ClaimRefusal, ClaimStatus, must_be_pending};
use starledger_domain::org::{Account, AccountId, BranchId, HouseholdId, MemberId, Role, Year};
use starledger_store::{Claim, ClaimDecision, ClaimQueries, NewClaim, OrgQueries, PeriodStatus, WriteTx};

/// A photo or screenshot, its type already read from its first bytes.
pub struct Photo {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// How much one account may upload: `bytes` in `days`. Files stay stored
/// when a claim is withdrawn, so withdrawing does not give the room back.
#[derive(Clone, Copy, Debug)]
pub struct Quota {
    pub bytes: i64,
    pub days: i64,
}

/// A claim as it is filed.
pub struct Filing {
    pub kind: ClaimKind,
    /// A visit's household; a study week has none.
    pub household: Option<HouseholdId>,
    pub on: Date,
    pub note: String,
    pub photo: Option<Photo>,
}

/// A claim refusal with its kind: deciding a decided claim is refused by
/// the rules, anything else is not the account's to do.
fn refusal(error: ClaimRefusal) -> AppError {
    match error {
        ClaimRefusal::AlreadyDecided(_) => refused(error.zh(), error.to_string()),
        _ => AppError::Forbidden(Reason::new(error.zh(), error.to_string())),
    }
}

/// The member a claim may be filed for: the person behind the account.
pub fn claimant(actor: &Account) -> AppResult<MemberId> {
    claims::may_claim(actor).map_err(|_| {
        AppError::Forbidden(Reason::new(
            "只有党员本人才能申报自己的走访和学习。",
            "only a member files claims, about their own work",
        ))
    })
}

fn day_of(now: i64) -> Date {
    clock::day_of(now).unwrap_or_else(clock::today)
}

/// Files a claim for the member behind `actor`; its id.
pub async fn file(tx: &mut WriteTx, actor: &Account, filing: Filing, quota: Quota, now: i64) -> AppResult<i64> {
    let member = claimant(actor)?;
    let community = actor.community_id;
    let date = filing.on;
    if date > day_of(now) {
        return Err(refused(
            format!("{date} 是将来的日期，请在完成后再申报。"),
            format!("{date} is in the future; claim work after it is done"),
        ));
    }
    let (occurred_on, household) = match filing.kind {
        ClaimKind::Visit => {
            let household = filing.household.ok_or_else(|| invalid("农户：未选择。", "household: missing"))?;
            let linked = tx.household(community, household).await?;
            if linked.member_id != Some(member) {
                return Err(AppError::Forbidden(Reason::new(
                    "只能申报走访自己所联系的农户。",
                    "one claims visits to one's own linked households",
                )));
            }
            if filing.note.is_empty() {
                return Err(invalid("说明：请写明做了什么。", "note: say what was done"));
            }
            (date, Some(household))
        }
        ClaimKind::StudyWeek => {
            if filing.photo.is_none() {
                return Err(invalid("照片：学习周须附截图。", "photo: a study week needs its screenshot"));
            }
            // A week is named by its Monday.
            (date - jiff::Span::new().days(i64::from(date.weekday().to_monday_zero_offset())), None)
        }
    };
    // A week counts in the year of its Monday; that year must be open, or
    // the claim could never be approved.
    match tx.period(community, Year::of(occurred_on)).await? {
        Some(period) if period.status == PeriodStatus::Open => {}
        _ => {
            return Err(refused(
                format!("{} 年度未开放。", occurred_on.year()),
                format!("{} is not an open year", occurred_on.year()),
            ));
        }
    }
    recording::refuse_if_final(tx, community, Year::of(occurred_on)).await?;
    let upload_id = match &filing.photo {
        Some(photo) => Some(add_photo(tx, actor, photo, quota, now).await?),
        None => None,
    };
    let id = tx
        .add_claim(&NewClaim {
            community_id: community,
            member_id: member,
            kind: filing.kind,
            occurred_on,
            household_id: household,
            note: filing.note,
            upload_id,
            claimed_at: now,
        })
        .await?;
    let detail = format!("claim {id} {}", filing.kind.as_str());
    tx.audit(Some(community), &crate::ledger::actor_label(actor), "claim.add", &detail).await?;
    Ok(id)
}

/// Keeps a photo (a claim's, an integrity record's evidence) within the
/// account's quota; its upload id.
pub async fn add_photo(tx: &mut WriteTx, actor: &Account, photo: &Photo, quota: Quota, now: i64) -> AppResult<i64> {
    within_quota(tx, actor.id, photo.bytes.len(), quota, now).await?;
    let sha256 = {
        use sha2::{Digest, Sha256};
        hex::encode(Sha256::digest(&photo.bytes))
    };
    Ok(tx.add_upload(actor.community_id, &photo.content_type, &photo.bytes, &sha256, actor.id, now).await?)
}

/// Refuses an upload past the account's quota.
async fn within_quota(tx: &mut WriteTx, by: AccountId, adding: usize, quota: Quota, now: i64) -> AppResult<()> {
    let used = tx.uploaded_bytes_since(by, now - quota.days * 86_400).await?;
    if used + adding as i64 > quota.bytes {
        let (limit, used, days) = (quota.bytes / (1024 * 1024), used / (1024 * 1024), quota.days);
        return Err(refused(
            format!("照片：{days} 天内最多上传 {limit} MB，已用 {used} MB。"),
            format!("photo: at most {limit} MB of files in {days} days; {used} MB are used"),
        ));
    }
    Ok(())
}

/// The claimant withdraws a pending claim.
pub async fn cancel(tx: &mut WriteTx, actor: &Account, id: i64, now: i64) -> AppResult<()> {
    let community = actor.community_id;
    let claim = tx.claim(community, id).await?;
    claims::may_cancel(actor, claim.member_id, claim.status).map_err(refusal)?;
    let decision = ClaimDecision {
        status: ClaimStatus::Cancelled,
        by: Some(actor.id),
        at: now,
        note: String::new(),
        entry_id: None,
    };
    if !tx.decide_claim(community, id, &decision).await? {
        return Err(refused("该申报已由他人处理。", "the claim was decided meanwhile"));
    }
    tx.audit(Some(community), &crate::ledger::actor_label(actor), "claim.cancel", &format!("claim {id}")).await?;
    Ok(())
}

/// A reviewer's decision on a claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Approve,
    Reject,
}

impl Verdict {
    /// `approve` or `reject`, as the forms and the API send it.
    pub fn parse(text: &str) -> AppResult<Verdict> {
        match text {
            "approve" => Ok(Verdict::Approve),
            "reject" => Ok(Verdict::Reject),
            other => Err(invalid(format!("决定“{other}”无效。"), format!("unknown decision \"{other}\""))),
        }
    }
}

/// What a decision wrote: the claim's new status and, if approved, its entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decided {
    pub status: ClaimStatus,
    pub entry_id: Option<i64>,
}

/// Approves or rejects a pending claim. Rejecting needs the same right as
/// approving: recording the claim's rule about the claimant, which the
/// claimant and their relatives never have (`duty::may_record`). An
/// approval writes the claim's entry, within the rulebook's caps, in the
/// same transaction; an approval retried finds its entry by its key.
pub async fn decide(
    tx: &mut WriteTx,
    actor: &Account,
    id: i64,
    verdict: Verdict,
    note: &str,
    now: i64,
) -> AppResult<Decided> {
    let community = actor.community_id;
    let note: String = note.trim().chars().take(200).collect();
    let claim = tx.claim(community, id).await?;
    must_be_pending(claim.status).map_err(refusal)?;
    let member = tx.member(community, claim.member_id).await?;
    let period = tx.period(community, Year::of(claim.occurred_on)).await?.ok_or_else(|| {
        refused(
            format!("{} 年度未开放。", claim.occurred_on.year()),
            format!("{} has no open year", claim.occurred_on.year()),
        )
    })?;
    let rule = period
        .rulebook
        .rule(claim.kind.rule_key())
        .ok_or_else(|| refused("本年度规则中没有对应此申报的计分规则。", "no rule prices this claim"))?;
    recording::may_record(tx, actor, rule, &member).await?;
    let (status, entry_id) = match verdict {
        Verdict::Approve => {
            let reason = match claim.kind {
                ClaimKind::Visit => {
                    format!("入户走访 {}：{}", claim.household_address.clone().unwrap_or_default(), claim.note)
                }
                ClaimKind::StudyWeek => format!("学习强国：{} 当周学习满5天（截图已审核）", claim.occurred_on),
            };
            // A week is recorded once: one imported from a sheet is not approved again.
            if claim.kind == ClaimKind::StudyWeek
                && let Some(entry) =
                    crate::study_import::imported_week(tx, community, member.id, claim.occurred_on).await?
            {
                return Err(refused(
                    format!(
                        "{} 当周的学习已由表格导入记分（账本条目 #{entry}），不能重复记录：请驳回此申报。",
                        claim.occurred_on
                    ),
                    format!(
                        "the week of {} is already recorded by an import (entry {entry}): reject this claim",
                        claim.occurred_on
                    ),
                ));
            }
            let event = Event {
                rule_key: claim.kind.rule_key(),
                on: claim.occurred_on,
                source_ref: format!("claim:{id}"),
                reason: Some(reason),
                idempotency_key: format!("claim:{id}"),
            };
            let appended = recording::record(tx, actor, &member, &period, event, now).await?;
            (ClaimStatus::Approved, Some(recording::entry_id(&appended)))
        }
        Verdict::Reject => (ClaimStatus::Rejected, None),
    };
    let decision = ClaimDecision { status, by: Some(actor.id), at: now, note, entry_id };
    if !tx.decide_claim(community, id, &decision).await? {
        return Err(refused("该申报已由他人处理。", "the claim was decided meanwhile"));
    }
    let detail = format!("claim {id} {} entry {entry_id:?}", status.as_str());
    tx.audit(Some(community), &crate::ledger::actor_label(actor), "claim.decide", &detail).await?;
    Ok(Decided { status, entry_id })
}

/// The branch whose claims an account reviews: `None` for the committee
/// (every branch); a branch secretary their branch. Others review none.
pub fn review_scope(actor: &Account) -> AppResult<Option<BranchId>> {
    match actor.role {
        Role::Committee => Ok(None),
        Role::BranchSecretary if actor.branch_id.is_some() => Ok(actor.branch_id),
        role => Err(AppError::Forbidden(Reason::new(
            format!("{}不审核申报。", role.label_zh()),
            format!("a {} reviews no claims", role.as_str().replace('_', " ")),
        ))),
    }
}

/// Who may read a claim, as who may see its photo: the claimant, the
/// committee and the auditor, and the secretary of the claimant's branch.
pub fn may_read(actor: &Account, claim: &Claim) -> bool {
    actor.member_id == Some(claim.member_id)
        || match actor.role {
            Role::Committee | Role::Auditor => true,
            Role::BranchSecretary => actor.branch_id == Some(claim.branch_id),
            Role::Member => false,
        }
}

/// Which claims a list holds.
#[derive(Clone, Debug, Default)]
pub struct ClaimFilter {
    pub status: Option<ClaimStatus>,
    /// Only the caller's own claims, whatever their role.
    pub mine: bool,
    pub branch: Option<BranchId>,
}

/// The claims an account may read, by id: a member their own; a branch
/// secretary their branch's; the committee and the auditor everyone's.
pub async fn visible<Q: ClaimQueries>(q: &mut Q, actor: &Account, filter: &ClaimFilter) -> AppResult<Vec<Claim>> {
    let community = actor.community_id;
    let mut found = match (actor.role, filter.mine) {
        (Role::Member, _) | (_, true) => match actor.member_id {
            Some(member) => q.member_claims(community, member).await?,
            None => Vec::new(),
        },
        (Role::BranchSecretary, false) => match actor.branch_id {
            Some(branch) => q.claims_in(community, Some(branch)).await?,
            None => Vec::new(),
        },
        (Role::Committee | Role::Auditor, false) => q.claims_in(community, None).await?,
    };
    found.retain(|c| may_read(actor, c));
    found.retain(|c| filter.status.is_none_or(|s| c.status == s) && filter.branch.is_none_or(|b| c.branch_id == b));
    found.sort_by_key(|c| c.id);
    Ok(found)
}

/// A claim the account may read; another's is refused as not theirs.
pub async fn read<Q: ClaimQueries>(q: &mut Q, actor: &Account, id: i64) -> AppResult<Claim> {
    let claim = q.claim(actor.community_id, id).await?;
    if !may_read(actor, &claim) {
        return Err(AppError::Forbidden(Reason::new("您无权查看此申报。", "this claim is not yours to see")));
    }
    Ok(claim)
}
