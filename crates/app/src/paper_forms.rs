//! Paper rating forms (纸质评议表) for households without a smartphone
//! (issue 13). The committee prints a numbered, single-use form for each
//! linked household of a branch or of the whole community, for the rating
//! window running today, naming the member the household is linked to;
//! the household ticks one of three levels and hands the paper back.
//! Someone other than that member, their relatives and their branch
//! secretary then types the form in by its number, once:
//!
//! - **One live form per household per window.** Printing again for the
//!   same window replaces an unentered form (the old number is refused from
//!   then on) and says how many it replaced; a household that has already
//!   rated in the window, by link or by paper, gets no form. Every print is
//!   audited.
//! - **Entering** is refused for a number that is malformed or unknown, a
//!   form already entered or replaced, a form whose window is over, a
//!   household already rated in the window (through its link), a household
//!   now linked to another member, and for the member rated, their relatives
//!   and their branch's secretary ([`duty::may_enter_paper_form`]).
//! - **The rating counts as the household's own**: it is written by
//!   [`crate::households`]' one path for ratings (same rule, points,
//!   category, idempotency key; recorded as the household's), its source
//!   naming the form and the account that typed it in; the form row keeps
//!   who entered it, when, the level and the entry, in the same transaction
//!   as the audit row. The household's receipt names the form.

use crate::clock;
use crate::error::{AppResult, invalid, refused};
use crate::households::{self, Channel, Rated};
use crate::print::chinese_date;
use rand::TryRngCore;
use rand::rngs::OsRng;
use starledger_domain::duty::{self, Subject};
use starledger_domain::linking::{RatingWindow, Satisfaction};
use starledger_domain::org::{Account, BranchId, HouseholdId, MemberId, Role, Year};
use starledger_domain::paper_form::{FormNumber, FormNumberError};
use starledger_print::{PrintFont, RatingForm};
use starledger_store::{
    IntegrityQueries, NewPaperForm, OrgQueries, PaperFormQueries, PeriodStatus, RatingQueries, WriteTx,
};

/// What a print of paper forms held.
#[derive(Debug)]
pub struct PrintedForms {
    pub pdf: Vec<u8>,
    pub forms: usize,
    /// Unentered forms of the same window this print replaced.
    pub replaced: usize,
    /// Households already rated in the window: no form for them.
    pub already_rated: usize,
    /// The window the forms are good for.
    pub window: RatingWindow,
}

/// The window the forms are good for, as printed.
fn window_text(window: &RatingWindow) -> String {
    format!("{}至{}", chinese_date(window.starts_on), chinese_date(window.ends_on))
}

/// A new number no form has had.
async fn new_number(tx: &mut WriteTx) -> AppResult<FormNumber> {
    loop {
        let mut bytes = [0u8; 8];
        OsRng.try_fill_bytes(&mut bytes).expect("the operating system provides randomness");
        let number = FormNumber::from_random(u64::from_le_bytes(bytes));
        if !tx.paper_form_number_taken(number.as_str()).await? {
            return Ok(number);
        }
    }
}

/// Prints the paper forms of a branch's linked households, or of the whole
/// community's, for the window running today: the committee's only,
/// audited, in the caller's transaction (commit it once the file is kept).
pub async fn print(
    tx: &mut WriteTx,
    actor: &Account,
    branch: Option<BranchId>,
    font: &PrintFont,
) -> AppResult<PrintedForms> {
    duty::may_administer(actor, "print paper rating forms")?;
    let community = actor.community_id;
    let today = clock::today();
    let period = match tx.period(community, Year::of(today)).await? {
        Some(period) if period.status == PeriodStatus::Open => period,
        _ => {
            return Err(refused(
                format!("{} 年度尚未开放评议，没有可打印的评议表。", today.year()),
                format!("{} is not open for ratings: no form to print", today.year()),
            ));
        }
    };
    let window = RatingWindow::containing(today, &period.rulebook.linking);
    let key = window.key();
    let branches = tx.branches(community).await?;
    let branch_name = crate::print::chosen_branch(&branches, branch)?;
    let community_name = tx.community(community).await?.name;
    let members = tx.members(community).await?;
    let live = tx.live_paper_forms(community, &key).await?;
    let now = clock::now();
    let (mut forms, mut replaced, mut already_rated) = (Vec::new(), 0, 0);
    for household in tx.households(community).await? {
        let Some(member) = household.member_id.and_then(|id| members.iter().find(|m| m.id == id)) else { continue };
        if branch.is_some_and(|b| member.branch_id != b) {
            continue;
        }
        if tx.has_rated(household.id, &key).await? {
            already_rated += 1;
            continue;
        }
        if let Some(old) = live.iter().find(|f| f.household_id == household.id)
            && tx.replace_paper_form(&old.number, now).await?
        {
            replaced += 1;
        }
        let number = new_number(tx).await?;
        tx.insert_paper_form(&NewPaperForm {
            number: number.as_str(),
            community_id: community,
            household_id: household.id,
            member_id: member.id,
            year: i64::from(window.year.get()),
            window_key: &key,
            printed_by: actor.id,
            printed_at: now,
        })
        .await?;
        let head = household.head_name.as_deref().map(|h| format!("{h}户　")).unwrap_or_default();
        forms.push(RatingForm {
            community: community_name.clone(),
            number: number.to_string(),
            number_grouped: number.grouped(),
            household: format!("{head}{}", household.address),
            member_name: member.name.to_string(),
            window: window_text(&window),
        });
    }
    if forms.is_empty() {
        return Err(refused(
            format!(
                "{}本评议期内没有需要纸质评议表的联系户（{already_rated} 户已评议）。",
                branch_name.as_deref().unwrap_or_default()
            ),
            format!(
                "no linked household {}needs a paper form in this window ({already_rated} already rated)",
                branch_name.as_deref().map(|b| format!("of {b} ")).unwrap_or_default()
            ),
        ));
    }
    let pdf = starledger_print::rating_forms(font, &forms)?;
    let detail = format!(
        "{} paper rating forms for {key} ({}); {replaced} unentered forms of the window replaced; \
         {already_rated} households already rated",
        forms.len(),
        branch_name.as_deref().unwrap_or("whole community")
    );
    tx.audit(Some(community), &crate::ledger::actor_label(actor), "print.paper_forms", &detail).await?;
    Ok(PrintedForms { pdf, forms: forms.len(), replaced, already_rated, window })
}

/// Why a returned form cannot be entered (a duty refusal is an
/// [`AppError::Duty`] instead).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormRefusal {
    #[error("{0}")]
    Malformed(FormNumberError),
    #[error("no paper form has the number {0}: check the digits on the paper")]
    Unknown(String),
    #[error("form {0} was replaced by a newer print: enter the newer form")]
    Replaced(String),
    #[error("form {0} has already been entered; a form counts once")]
    AlreadyEntered(String),
    #[error("form {number} was good for {starts} to {ends}; that window is over")]
    WindowOver { number: String, starts: String, ends: String },
    #[error("the household of form {0} has already rated in this window")]
    AlreadyRated(String),
    #[error("the household of form {0} is now linked to another member: print it a new form")]
    MemberChanged(String),
    #[error("{0} is not open for ratings")]
    YearNotOpen(i16),
}

/// A returned form, checked and ready to be entered: what the confirmation
/// shows before anything is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormToEnter {
    pub number: FormNumber,
    pub household_id: HouseholdId,
    pub address: String,
    pub head: Option<String>,
    pub member_name: String,
    pub window: RatingWindow,
    pub level: Satisfaction,
}

/// Checks a returned form without writing anything: every refusal
/// [`enter`] would give, in its order.
pub async fn check<Q>(
    q: &mut Q,
    actor: &Account,
    typed: &str,
    level: Satisfaction,
) -> AppResult<Result<FormToEnter, FormRefusal>>
where
    Q: PaperFormQueries + OrgQueries + IntegrityQueries + RatingQueries + Sized,
{
    duty::paper_form_enterer(actor)?;
    let community = actor.community_id;
    let number = match FormNumber::parse(typed) {
        Ok(number) => number,
        Err(e) => return Ok(Err(FormRefusal::Malformed(e))),
    };
    let Some(form) = q.paper_form(community, number.as_str()).await? else {
        return Ok(Err(FormRefusal::Unknown(number.to_string())));
    };
    let member = q.member(community, form.member_id).await?;
    let relatives = q.relative_ids(member.id).await?;
    let secretaries: Vec<MemberId> = q
        .accounts(community)
        .await?
        .into_iter()
        .filter(|a| a.role == Role::BranchSecretary && a.branch_id == Some(member.branch_id))
        .filter_map(|a| a.member_id)
        .collect();
    let subject = Subject { member_id: member.id, branch_id: member.branch_id };
    duty::may_enter_paper_form(actor, subject, &relatives, &secretaries)?;
    if form.entered_at.is_some() {
        return Ok(Err(FormRefusal::AlreadyEntered(form.number)));
    }
    if form.replaced_at.is_some() {
        return Ok(Err(FormRefusal::Replaced(form.number)));
    }
    let today = clock::today();
    let period = match q.period(community, Year::of(today)).await? {
        Some(period) if period.status == PeriodStatus::Open => period,
        _ => return Ok(Err(FormRefusal::YearNotOpen(Year::of(today).get()))),
    };
    let rules = &period.rulebook.linking;
    let window = match q.period(community, Year::new(form.year).map_err(crate::error::bad_year)?).await? {
        Some(printed) => RatingWindow::by_key(&form.window_key, &printed.rulebook.linking),
        None => None,
    }
    .ok_or_else(|| {
        invalid(
            format!("评议表 {}：评议期 {} 无效。", form.number, form.window_key),
            format!("form {}: its window {} is unknown", form.number, form.window_key),
        )
    })?;
    if RatingWindow::containing(today, rules).key() != form.window_key {
        return Ok(Err(FormRefusal::WindowOver {
            number: form.number,
            starts: window.starts_on.to_string(),
            ends: window.ends_on.to_string(),
        }));
    }
    let household = q.household(community, form.household_id).await?;
    if household.member_id != Some(form.member_id) {
        return Ok(Err(FormRefusal::MemberChanged(form.number)));
    }
    if q.has_rated(household.id, &form.window_key).await? {
        return Ok(Err(FormRefusal::AlreadyRated(form.number)));
    }
    Ok(Ok(FormToEnter {
        number,
        household_id: household.id,
        address: household.address,
        head: household.head_name,
        member_name: member.name.to_string(),
        window,
        level,
    }))
}

/// What entering a form did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entered {
    pub entry: i64,
    pub form: FormToEnter,
}

/// Enters a returned form: checked as [`check`] does, then the rating is
/// written as the household's, the form marked entered by `actor`, and the
/// audit row added, all in the caller's transaction.
pub async fn enter(
    tx: &mut WriteTx,
    actor: &Account,
    typed: &str,
    level: Satisfaction,
) -> AppResult<Result<Entered, FormRefusal>> {
    let form = match check(tx, actor, typed, level).await? {
        Ok(form) => form,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let household = tx.household(actor.community_id, form.household_id).await?;
    let channel = Channel::Paper { number: form.number.as_str(), entered_by: actor };
    let entry = match households::write_rating(tx, actor.community_id, &household, level, "", channel).await? {
        Rated::New(entry) => entry,
        Rated::Already | Rated::NotBound => return Ok(Err(FormRefusal::AlreadyRated(form.number.to_string()))),
    };
    let now = clock::now();
    if !tx.mark_paper_form_entered(form.number.as_str(), actor.id, now, households::level_key(level), entry).await? {
        return Err(refused(
            format!("评议表 {} 已由他人录入或已被替换。", form.number),
            format!("form {} was entered or replaced meanwhile", form.number),
        ));
    }
    Ok(Ok(Entered { entry, form }))
}
