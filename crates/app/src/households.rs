//! Step 1's household input: a linked household rates its member's service
//! once per rating window, through its private link and without an account.
//! The page only finds the link; what is checked and written is here, in
//! one transaction: the link is live and this device is bound to it (see
//! [`crate::household_links`]), the link still leads to this member, the
//! year is open, the household has not rated in this window, and the
//! rating's entry, its row, where it came from (keyed hashes, see
//! [`crate::household_origins`]) and the audit row are written together.
//! A household without a smartphone rates on a paper form instead
//! ([`crate::paper_forms`]): its rating is written by the same
//! [`write_rating`], so it counts exactly as one through the link.

use crate::clock;
use crate::error::{AppResult, invalid, refused};
use crate::household_links;
use crate::household_origins::{self, Origin};
use jiff::civil::Date;
use starledger_domain::duty::{self, Subject};
use starledger_domain::ledger::{Actor, EntryDraft};
use starledger_domain::linking::{RatingWindow, Satisfaction};
use starledger_domain::org::{Account, CommunityId, HouseholdId, Member, MemberId, Year};
use starledger_domain::seal::Receipt;
use starledger_store::{
    Appended, HouseholdRow, LedgerQueries, LinkQueries, NewRating, OrgQueries, PaperFormQueries, Period, PeriodStatus,
    RatingQueries, SealQueries, StoreError, WriteTx,
};

/// Who reads the list of households and their links (the households page
/// and `GET /api/v1/households`): the committee, and the auditor.
pub const LIST_READERS: [starledger_domain::org::Role; 2] =
    [starledger_domain::org::Role::Committee, starledger_domain::org::Role::Auditor];

/// A household's rating as the page took it.
pub struct HouseholdRating<'a> {
    /// The link it came through.
    pub token: &'a str,
    /// The secret of the device's binding cookie for this link, if it sent one.
    pub binding: Option<&'a str>,
    pub community: CommunityId,
    pub household: HouseholdId,
    /// The member the household saw on its page; if the link moved to
    /// another member since, the rating is refused rather than given to
    /// someone the household did not rate.
    pub member: MemberId,
    pub level: Satisfaction,
    /// At most 500 characters are kept.
    pub comment: &'a str,
    /// Where the rating came from: only keyed hashes of it are kept.
    pub origin: Origin<'a>,
}

/// What rating did.
#[derive(Debug, PartialEq, Eq)]
pub enum Rated {
    /// The new ledger entry's id.
    New(i64),
    /// The household had already rated in this window: nothing written.
    Already,
    /// This device has not proved itself for the link: nothing written.
    NotBound,
}

/// The longest comment kept.
pub const COMMENT_CHARS: usize = 500;

/// What a household's rating reads before its write transaction, so that
/// the write lock is held for the write itself: the household and its
/// member, the open year and its rulebook, and the installation's origin
/// key. [`rate`] checks the link, the binding, the member and the year again
/// inside the transaction in one statement, and takes none of this on
/// trust: if anything changed in between, it reads everything again there.
pub struct Prepared {
    household: HouseholdRow,
    member: Member,
    period: Period,
    origin_key: Option<String>,
}

/// Reads what [`rate`] needs, outside the write lock; `None` when the
/// rating would not be written as it stands (the link is gone or not bound
/// to this device, the household moved, the year is not open): [`rate`]
/// then finds out why inside its transaction, as it always did.
pub async fn prepare<Q>(q: &mut Q, rating: &HouseholdRating<'_>) -> AppResult<Option<Prepared>>
where
    Q: LinkQueries + OrgQueries + Sized,
{
    let Some(secret) = rating.binding else { return Ok(None) };
    let year = Year::of(clock::today());
    let Some(guard) =
        q.rating_guard(rating.token, &household_links::secret_hash(secret), i64::from(year.get())).await?
    else {
        return Ok(None);
    };
    if !guard.live
        || !guard.bound
        || !guard.year_open
        || (guard.community_id, guard.household_id) != (rating.community, rating.household)
        || guard.member_id != Some(rating.member)
    {
        return Ok(None);
    }
    let household = q.household(rating.community, rating.household).await?;
    let member = q.member(rating.community, rating.member).await?;
    let Some(period) = q.period(rating.community, year).await? else { return Ok(None) };
    let origin_key = q.meta(household_origins::KEY).await?;
    Ok(Some(Prepared { household, member, period, origin_key }))
}

/// Records a household's rating of its member for the window containing
/// today. With what [`prepare`] read, the link, its binding, the household's
/// member and the open year are checked again in one statement; if they are
/// all as read, the rating is written from them, otherwise (or without them)
/// everything is read again here, inside the transaction.
pub async fn rate(tx: &mut WriteTx, rating: HouseholdRating<'_>, prepared: Option<Prepared>) -> AppResult<Rated> {
    if let (Some(prepared), Some(secret)) = (prepared, rating.binding) {
        let today = clock::today();
        let year = Year::of(today);
        let guard = tx.rating_guard(rating.token, &household_links::secret_hash(secret), i64::from(year.get())).await?;
        let unchanged = guard.is_some_and(|guard| {
            guard.live
                && guard.bound
                && guard.year_open
                && (guard.community_id, guard.household_id) == (rating.community, rating.household)
                && guard.member_id == Some(rating.member)
                && prepared.household.member_id == Some(rating.member)
                && prepared.member.id == rating.member
                && prepared.period.year == year
                && guard.rulebook_sha256.as_deref() == Some(prepared.period.rulebook.sha256.as_str())
        });
        if unchanged {
            let Prepared { household, member, period, origin_key } = prepared;
            let channel = Channel::Link(rating.origin, origin_key);
            return write_checked(tx, &household, &member, &period, today, rating.level, rating.comment, channel).await;
        }
    }
    match household_links::bound_household(tx, rating.token, rating.binding).await? {
        Some(found) if found == (rating.community, rating.household) => {}
        Some(_) => return Err(refused("此链接属于另一户。", "this link leads to another household")),
        None => return Ok(Rated::NotBound),
    }
    let household = tx.household(rating.community, rating.household).await?;
    if household.member_id != Some(rating.member) {
        return Err(refused(
            "该户现由另一名党员联系，请重新打开链接。",
            "this household's link now leads to another member; open the link again",
        ));
    }
    let channel = Channel::Link(rating.origin, None);
    write_rating(tx, rating.community, &household, rating.level, rating.comment, channel).await
}

/// How a household's rating reached the server.
pub(crate) enum Channel<'a> {
    /// Through its private link, from a device bound to it; with the
    /// installation's origin key if it was read already.
    Link(Origin<'a>, Option<String>),
    /// On a paper form (纸质评议表) the household ticked and returned, typed
    /// in by `entered_by`, whose duty [`crate::paper_forms::enter`] checked.
    Paper { number: &'a str, entered_by: &'a Account },
}

/// Writes a household's rating of the member it is linked to, for the
/// window containing today, whichever way it came: the year is open, only
/// the linked household rates, one rating per household per window (the
/// idempotency key), and the entry, its row, where it came from and the
/// audit row are written together. A paper rating is the household's as a
/// link rating is (the same rule, points, category and key); its source
/// names the form and who typed it in.
pub(crate) async fn write_rating(
    tx: &mut WriteTx,
    community: CommunityId,
    household: &HouseholdRow,
    level: Satisfaction,
    comment: &str,
    channel: Channel<'_>,
) -> AppResult<Rated> {
    let today: Date = clock::today();
    let member_id =
        household.member_id.ok_or_else(|| refused("该户没有联系党员。", "this household is linked to no member"))?;
    let member = tx.member(community, member_id).await?;
    let period = match tx.period(community, Year::of(today)).await? {
        Some(period) if period.status == PeriodStatus::Open => period,
        _ => {
            return Err(refused(
                format!("{} 年度尚未开放评议。", today.year()),
                format!("{} is not open for ratings", today.year()),
            ));
        }
    };
    write_checked(tx, household, &member, &period, today, level, comment, channel).await
}

/// [`write_rating`] once the member and the open period are known.
#[allow(clippy::too_many_arguments)]
async fn write_checked(
    tx: &mut WriteTx,
    household: &HouseholdRow,
    member: &Member,
    period: &Period,
    today: Date,
    level: Satisfaction,
    comment: &str,
    channel: Channel<'_>,
) -> AppResult<Rated> {
    let rulebook = &period.rulebook;
    let rule = rulebook
        .rule(level.rule_key(&rulebook.linking))
        .ok_or_else(|| invalid("本年度规则中没有联户满意度规则。", "the rulebook lacks a satisfaction rule"))?;
    let actor = Actor::Household(household.id);
    let subject = Subject { member_id: member.id, branch_id: member.branch_id };
    if !duty::may_input_directly(actor, rule, subject, household.member_id) {
        return Err(refused("只有所联系的农户可以评议该党员。", "only the linked household rates its member"));
    }
    let window = RatingWindow::containing(today, &rulebook.linking).key();
    let source_ref = match &channel {
        Channel::Link(..) => format!("rating:{window}"),
        Channel::Paper { number, entered_by } => {
            format!("rating:{window}:paper:{number}:{}", Actor::Account(entered_by.id))
        }
    };
    let now = clock::now();
    let draft = EntryDraft {
        community_id: member.community_id,
        year: period.year.get(),
        member_id: member.id,
        category: rule.category.clone(),
        rule_key: rule.key.clone(),
        rulebook_version: rulebook.version.clone(),
        points: rule.points,
        reason: format!("联系户评议：{}", level.label_zh()),
        source_kind: rule.source.as_str().to_string(),
        source_ref,
        recorded_by: actor,
        recorded_at: now,
        occurred_on: today,
        idempotency_key: format!("rating:{}:{window}", household.id),
        reverses: None,
    };
    let Appended::New(entry) = tx.append_entry(draft).await? else {
        return Ok(Rated::Already);
    };
    let comment: String = comment.trim().chars().take(COMMENT_CHARS).collect();
    tx.insert_household_rating(&NewRating {
        community_id: member.community_id,
        household_id: household.id,
        member_id: member.id,
        window_key: window,
        level: level_key(level),
        comment,
        rated_at: now,
        entry_id: entry.id,
    })
    .await?;
    match channel {
        Channel::Link(origin, key) => {
            household_origins::record_rating(
                tx,
                member.community_id,
                household.id,
                entry.id,
                i64::from(period.year.get()),
                origin,
                key,
            )
            .await?;
            let detail = format!("entry {}", entry.id);
            tx.audit(Some(member.community_id), &actor.to_string(), "household.rate", &detail).await?;
        }
        Channel::Paper { number, entered_by } => {
            let detail = format!("paper form {number} of household {}: entry {}", household.id, entry.id);
            let by = crate::ledger::actor_label(entered_by);
            tx.audit(Some(member.community_id), &by, "household.paper_form.enter", &detail).await?;
        }
    }
    Ok(Rated::New(entry.id))
}

/// A level as the rating rows keep it.
pub fn level_key(level: Satisfaction) -> &'static str {
    match level {
        Satisfaction::Satisfied => "satisfied",
        Satisfaction::BasicallySatisfied => "basically_satisfied",
        Satisfaction::NotSatisfied => "not_satisfied",
    }
}

/// The household's own rating entries: (entry, year, window).
pub async fn own_ratings<Q: LinkQueries>(q: &mut Q, household: HouseholdId) -> AppResult<Vec<(i64, i64, String)>> {
    Ok(q.household_rating_entries(household).await?)
}

/// A receipt for one of the household's own rating entries, once its year
/// is sealed: only through a live link, on a device bound to it, and only
/// for an entry this household recorded; anyone else's entry is not found.
pub async fn receipt<Q>(q: &mut Q, token: &str, binding: Option<&str>, entry: i64) -> AppResult<Receipt>
where
    Q: LinkQueries + OrgQueries + SealQueries + LedgerQueries + PaperFormQueries + Sized,
{
    let Some((community, household)) = household_links::bound_household(q, token, binding).await? else {
        return Err(StoreError::not_found("ledger entry", entry).into());
    };
    if !q.household_rating_entries(household).await?.iter().any(|(id, _, _)| *id == entry) {
        return Err(StoreError::not_found("ledger entry", entry).into());
    }
    let found = q.entry(community, entry).await?;
    if found.draft.recorded_by != Actor::Household(household) {
        return Err(StoreError::not_found("ledger entry", entry).into());
    }
    let mut receipt = crate::seals::receipt(q, community, entry, None).await?;
    if let Some(form) = q.paper_form_of_entry(entry).await? {
        // A rating from paper names its form, so the household can match
        // the receipt to the sheet it ticked.
        receipt.about = format!("{} 纸质评议表 paper form {}", receipt.about, form.number);
    }
    Ok(receipt)
}
