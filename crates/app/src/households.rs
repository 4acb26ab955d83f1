//! Step 1's household input: a linked household rates its member's service
//! once per rating window, through its private link and without an account.
//! The page only finds the link; what is checked and written is here, in
//! one transaction: the link still leads to this member, the year is open,
//! the household has not rated in this window, and the rating's entry,
//! its row and the audit row are written together.

use crate::clock;
use crate::error::{AppError, AppResult, refused};
use jiff::civil::Date;
use starledger_domain::duty::{self, Subject};
use starledger_domain::ledger::{Actor, EntryDraft};
use starledger_domain::linking::{RatingWindow, Satisfaction};
use starledger_domain::org::{CommunityId, HouseholdId, MemberId, Year};
use starledger_store::{Appended, NewRating, OrgQueries, PeriodStatus, WriteTx};

/// A household's rating as the page took it.
pub struct HouseholdRating<'a> {
    pub community: CommunityId,
    pub household: HouseholdId,
    /// The member the household saw on its page; if the link moved to
    /// another member since, the rating is refused rather than given to
    /// someone the household did not rate.
    pub member: MemberId,
    pub level: Satisfaction,
    /// At most 500 characters are kept.
    pub comment: &'a str,
    /// Where the rating came from (the address), for the audit row.
    pub from: &'a str,
}

/// What rating did.
#[derive(Debug, PartialEq, Eq)]
pub enum Rated {
    /// The new ledger entry's id.
    New(i64),
    /// The household had already rated in this window: nothing written.
    Already,
}

/// The longest comment kept.
pub const COMMENT_CHARS: usize = 500;

/// Records a household's rating of its member for the window containing today.
pub async fn rate(tx: &mut WriteTx, rating: HouseholdRating<'_>) -> AppResult<Rated> {
    let today: Date = clock::today();
    let household = tx.household(rating.community, rating.household).await?;
    if household.member_id != Some(rating.member) {
        return Err(refused("this household's link now leads to another member; open the link again"));
    }
    let member = tx.member(rating.community, rating.member).await?;
    let period = match tx.period(rating.community, Year::of(today)).await? {
        Some(period) if period.status == PeriodStatus::Open => period,
        _ => return Err(refused(format!("{} is not open for ratings", today.year()))),
    };
    let rulebook = &period.rulebook;
    let rule = rulebook
        .rule(rating.level.rule_key(&rulebook.linking))
        .ok_or_else(|| AppError::Invalid("the rulebook lacks a satisfaction rule".into()))?;
    let actor = Actor::Household(household.id);
    let subject = Subject { member_id: member.id, branch_id: member.branch_id };
    if !duty::may_input_directly(actor, rule, subject, household.member_id) {
        return Err(refused("only the linked household rates its member"));
    }
    let window = RatingWindow::containing(today, &rulebook.linking).key();
    let now = clock::now();
    let draft = EntryDraft {
        community_id: member.community_id,
        year: period.year.get(),
        member_id: member.id,
        category: rule.category.clone(),
        rule_key: rule.key.clone(),
        rulebook_version: rulebook.version.clone(),
        points: rule.points,
        reason: format!("联系户评议：{}", rating.level.label_zh()),
        source_kind: rule.source.as_str().to_string(),
        source_ref: format!("rating:{window}"),
        recorded_by: actor,
        recorded_at: now,
        occurred_on: today,
        idempotency_key: format!("rating:{}:{window}", household.id),
        reverses: None,
    };
    let Appended::New(entry) = tx.append_entry(draft).await? else {
        return Ok(Rated::Already);
    };
    let level = match rating.level {
        Satisfaction::Satisfied => "satisfied",
        Satisfaction::BasicallySatisfied => "basically_satisfied",
        Satisfaction::NotSatisfied => "not_satisfied",
    };
    let comment: String = rating.comment.trim().chars().take(COMMENT_CHARS).collect();
    tx.insert_household_rating(&NewRating {
        community_id: member.community_id,
        household_id: household.id,
        member_id: member.id,
        window_key: window,
        level,
        comment,
        rated_at: now,
        entry_id: entry.id,
    })
    .await?;
    let detail = format!("entry {} from {}", entry.id, rating.from);
    tx.audit(Some(member.community_id), &actor.to_string(), "household.rate", &detail).await?;
    Ok(Rated::New(entry.id))
}
