//! Objections to a year's results in public notice (公示异议): filed by a
//! person through their account or by a household through its private
//! link, while the notice runs, a few a year each; answered on the record
//! by a committee member who is neither the person who filed it nor the
//! member it is about, nor a relative of theirs (回避).
//!
//! The pages only translate: a signed-in account or a household's link
//! becomes a [`Filer`], a form becomes a [`Filing`] or an answer.

use crate::error::{AppError, AppResult, Reason, invalid, refused};
use jiff::civil::Date;
use starledger_domain::duty::{self, Subject};
use starledger_domain::ledger::Actor;
use starledger_domain::notice::{NoticeError, NoticePeriod};
use starledger_domain::org::{Account, CommunityId, HouseholdId, MemberId, Role};
use starledger_store::{
    AccessQueries, IntegrityQueries, NewObjection, NoticeQueries, Objection, OrgQueries, RatingRound, StoreError,
    WriteTx,
};

/// Objections one account or one household link files in a year: each must
/// be answered before the year is finalized, so they are bounded.
pub const MAX_PER_YEAR: usize = 3;

/// An objection's text, in characters: enough to say what is wrong.
const TEXT_CHARS: std::ops::RangeInclusive<usize> = 4..=1000;

/// Who files an objection.
#[derive(Clone, Copy, Debug)]
pub enum Filer<'a> {
    /// A signed-in account: the person behind it.
    Account(&'a Account),
    /// A household, through its private link (already checked by the page).
    Household(HouseholdId),
}

impl Filer<'_> {
    /// How the objection names who filed it.
    pub fn actor(&self) -> Actor {
        match self {
            Filer::Account(account) => Actor::Account(account.id),
            Filer::Household(household) => Actor::Household(*household),
        }
    }

    /// How the audit log names who filed it.
    fn audit_label(&self) -> String {
        match self {
            Filer::Account(account) => crate::ledger::actor_label(account),
            Filer::Household(household) => Actor::Household(*household).to_string(),
        }
    }
}

/// What an objection says: about a member of the roll, or about the
/// results as a whole.
#[derive(Clone, Debug)]
pub struct Filing<'a> {
    pub year: i64,
    pub member: Option<MemberId>,
    pub text: &'a str,
}

/// The notice period of a published round.
pub fn notice_of(round: &RatingRound) -> AppResult<NoticePeriod> {
    let parse = |text: &str| {
        text.parse::<Date>().map_err(|_| {
            AppError::Store(StoreError::Corrupt(format!("rating round {}: notice date \"{text}\"", round.round)))
        })
    };
    Ok(NoticePeriod { from: parse(&round.notice_from)?, until: parse(&round.notice_until)? })
}

/// A public notice's refusal, in both languages.
pub fn notice_refusal(error: &NoticeError) -> Reason {
    let zh = match error {
        NoticeError::Closed { until } => format!("公示期已于 {until} 结束，不再受理异议。"),
        NoticeError::StillRunning { until } => format!("公示期到 {until} 为止，期满后才能确认本年度结果。"),
        NoticeError::Unanswered(count) => format!("还有 {count} 条异议等待党委答复。"),
    };
    Reason::new(zh, error.to_string())
}

/// Files an objection to the results in notice; its id. Refused to an
/// auditor, outside the notice period, once the year is finalized, and past
/// [`MAX_PER_YEAR`] from the same account or link.
pub async fn file(
    tx: &mut WriteTx,
    community: CommunityId,
    filer: Filer<'_>,
    filing: &Filing<'_>,
    today: Date,
    now: i64,
) -> AppResult<i64> {
    if let Filer::Account(account) = filer
        && account.role == Role::Auditor
    {
        return Err(AppError::Forbidden(Reason::new(
            "审计人员只能查看，不能提交。",
            "auditors read and write nothing",
        )));
    }
    let text = filing.text.trim();
    if !TEXT_CHARS.contains(&text.chars().count()) {
        return Err(invalid(
            "内容：请写明哪里有误（4 至 1000 个字）。",
            "text: say what is wrong (4 to 1000 characters)",
        ));
    }
    let member = match filing.member {
        Some(id) => Some(tx.member(community, id).await?.id),
        None => None,
    };
    let year = filing.year;
    let live = tx.live_round(community, year).await?.ok_or_else(|| {
        refused(format!("{year} 年度结果不在公示期。"), format!("{year}'s results are not in public notice"))
    })?;
    if live.is_final() {
        return Err(refused(
            format!("{year} 年度已确认锁定，不再受理异议。"),
            format!("{year} is finalized; objections are no longer taken"),
        ));
    }
    notice_of(&live)?.may_object(today).map_err(|e| AppError::Refused(notice_refusal(&e)))?;
    // Counted under the community's write lock this transaction holds, so
    // objections filed at once cannot pass the limit together.
    let actor = filer.actor();
    let filed = tx.objections(community, year).await?.iter().filter(|o| o.filed_by == actor).count();
    if filed >= MAX_PER_YEAR {
        return Err(refused(
            format!("每个账号或联系户链接每年最多提出 {MAX_PER_YEAR} 条异议；{year} 年度已提出 {filed} 条。"),
            format!(
                "at most {MAX_PER_YEAR} objections a year from one account or household link; {filed} are filed for {year}"
            ),
        ));
    }
    let objection = NewObjection {
        community_id: community,
        year,
        round: live.round,
        filed_by: actor,
        member_id: member,
        text,
        filed_at: now,
    };
    let id = tx.file_objection(&objection).await?;
    tx.audit(Some(community), &filer.audit_label(), "rating.object", &format!("{year}: objection {id}")).await?;
    Ok(id)
}

/// Answers an objection on the record, upheld or dismissed; the objection
/// as it was. Only a committee member, never the person who filed it, and
/// never about themselves or a relative: named as the objection's member,
/// or by name in its text.
pub async fn answer(
    tx: &mut WriteTx,
    actor: &Account,
    id: i64,
    answer: &str,
    upheld: bool,
    now: i64,
) -> AppResult<Objection> {
    duty::may_administer(actor, "answer objections")?;
    let answer = answer.trim();
    if answer.chars().count() < 4 {
        return Err(invalid(
            "答复：请至少用几句话作出记录在案的答复。",
            "answer: answer on the record, in a few words at least",
        ));
    }
    let community = actor.community_id;
    let objection = tx.objection(community, id).await?;
    if filed_by_the_same_person(tx, &objection, actor).await? {
        return Err(AppError::Forbidden(Reason::new(
            "任何人不能答复自己提出的异议。",
            "no one answers their own objection",
        )));
    }
    not_about_oneself(tx, &objection, actor).await?;
    if !tx.answer_objection(id, answer, upheld, actor.id, now).await? {
        return Err(refused(format!("第 {id} 条异议已经答复。"), format!("objection {id} has been answered")));
    }
    let outcome = if upheld { "upheld" } else { "dismissed" };
    tx.audit(
        Some(community),
        &crate::ledger::actor_label(actor),
        "rating.answer",
        &format!("objection {id}: {outcome}"),
    )
    .await?;
    Ok(objection)
}

/// Whether the objection was filed by `actor`'s account or by another
/// account of the same person.
async fn filed_by_the_same_person(tx: &mut WriteTx, objection: &Objection, actor: &Account) -> AppResult<bool> {
    let Actor::Account(filer) = objection.filed_by else { return Ok(false) };
    if filer == actor.id {
        return Ok(true);
    }
    let Some(me) = actor.member_id else { return Ok(false) };
    Ok(tx.account(filer).await?.member_id == Some(me))
}

/// Refuses `actor` an objection about themselves or a relative.
async fn not_about_oneself(tx: &mut WriteTx, objection: &Objection, actor: &Account) -> AppResult<()> {
    let community = actor.community_id;
    if let Some(member) = objection.member_id {
        let relatives = tx.relative_ids(member).await?;
        let subject = tx.member(community, member).await?;
        return duty::not_recused(actor, Subject { member_id: member, branch_id: subject.branch_id }, &relatives)
            .map_err(|_| {
                AppError::Forbidden(Reason::new(
                    "任何人不能答复关于自己或亲属的异议。",
                    "no one answers an objection about themselves or a relative",
                ))
            });
    }
    // An objection that names no member but names the one answering (or a
    // relative of theirs) in its text is about them all the same.
    let Some(own) = actor.member_id else { return Ok(()) };
    let mut concerned = vec![own];
    concerned.extend(tx.relative_ids(own).await?);
    for member in concerned {
        let name = tx.member(community, member).await?.name.to_string();
        if !name.is_empty() && objection.text.contains(&name) {
            return Err(AppError::Forbidden(Reason::new(
                format!("该异议涉及{name}：任何人不得答复关于本人或亲属的异议（回避）。"),
                format!("the objection names {name}: no one answers an objection about themselves or a relative"),
            )));
        }
    }
    Ok(())
}
