//! The branch review's ballot, from the close to the grades in the ledger.
//! Collective means collective: a ballot closes only at the rulebook's
//! turnout, the grades follow the tally, and a grade against the tally is
//! an exception with a reason that a second branch-committee member —
//! another person, neither the graded member nor their relative — co-signs
//! before anything is written.

use crate::error::{AppError, AppResult, bad_year, invalid, refused};
use crate::recording::{self, Event};
use jiff::civil::Date;
use starledger_domain::ballot::{self, BallotError, Tally};
use starledger_domain::duty::{self, Refusal};
use starledger_domain::integrity::ReviewGrade;
use starledger_domain::ledger::Actor;
use starledger_domain::org::{Account, BranchId, Member, MemberId, Role, Year};
use starledger_store::{
    AccessQueries, BallotQueries, BallotRow, BallotStatus, GradeRow, IntegrityQueries, OrgQueries, Period, WriteTx,
    parse_grade,
};
use std::collections::{BTreeMap, BTreeSet};

/// Who runs a branch's ballot (and sits on its branch committee for the
/// grades): its secretary, or the community committee.
pub fn may_run(actor: &Account, branch: BranchId) -> bool {
    actor.role == Role::Committee || (actor.role == Role::BranchSecretary && actor.branch_id == Some(branch))
}

fn may_run_or_refuse(actor: &Account, branch: BranchId) -> AppResult<MemberId> {
    if !may_run(actor, branch) {
        return Err(refused_duty(actor, "run this branch's ballot"));
    }
    Ok(duty::acting_person(actor)?)
}

fn refused_duty(actor: &Account, action: &str) -> AppError {
    AppError::Duty(Refusal::CommitteeOnly {
        login: actor.login.clone(),
        role: actor.role,
        action: format!("{action} (the branch's secretary or the committee)"),
    })
}

/// The branch's voting members: everyone of the branch on the roll,
/// probationary members included. The turnout is reckoned against them.
pub fn voting_members(members: &[Member], branch: BranchId) -> usize {
    members.iter().filter(|m| m.branch_id == branch && m.left_on.is_none()).count()
}

/// Whether the tally of a closed ballot may be shown: its turnout was
/// reached, against the voting members it closed with (for a ballot closed
/// before they were kept, the branch's voting members now).
pub fn tally_visible(row: &BallotRow, papers: usize, voting_now: usize, period: &Period) -> bool {
    let eligible = row.eligible_voters.map_or(voting_now, |e| e as usize);
    row.status() != BallotStatus::Open && ballot::check_turnout(papers, eligible, &period.rulebook.review).is_ok()
}

/// The method refuses it as proposed (a missing grade, the cap, the tally).
fn ballot_refusal(error: BallotError) -> AppError {
    AppError::Refused(crate::Reason::new(error.zh(), error.to_string()))
}

async fn period_of(tx: &mut WriteTx, row: &BallotRow) -> AppResult<Period> {
    let year = Year::new(row.year).map_err(bad_year)?;
    tx.period(row.community_id, year)
        .await?
        .ok_or_else(|| refused(format!("{year} 年度未开放。"), format!("{year} is not open")))
}

/// Closes an open ballot once the turnout is reached; the number of papers.
pub async fn close(tx: &mut WriteTx, actor: &Account, id: i64, now: i64) -> AppResult<usize> {
    let community = actor.community_id;
    let row = tx.ballot(community, id).await?;
    may_run_or_refuse(actor, row.branch_id)?;
    if row.status() != BallotStatus::Open {
        return Err(refused("投票未在进行中。", "the ballot is not open"));
    }
    let period = period_of(tx, &row).await?;
    let eligible = voting_members(&tx.members(community).await?, row.branch_id);
    let papers = tx.ballot_voters(id).await?.len();
    ballot::check_turnout(papers, eligible, &period.rulebook.review).map_err(ballot_refusal)?;
    if !tx.advance_ballot(id, "open", "closed", actor.id, now).await? {
        return Err(refused("投票未在进行中。", "the ballot is not open"));
    }
    tx.set_ballot_turnout(id, eligible as i64).await?;
    let detail = format!("ballot {id}: {papers} papers of {eligible} voting members");
    tx.audit(Some(community), &crate::ledger::actor_label(actor), "ballot.close", &detail).await?;
    Ok(papers)
}

/// What a proposal did.
#[derive(Debug, PartialEq, Eq)]
pub enum Proposed {
    /// Every grade follows the tally: the grades are in the ledger.
    Decided { graded: usize },
    /// Some grades depart from the tally: they wait for a co-sign.
    AwaitingCosign { exceptions: usize },
}

/// The closed ballot with its tally, once its turnout is known to be reached.
async fn closed_with_tally(
    tx: &mut WriteTx,
    actor: &Account,
    id: i64,
) -> AppResult<(BallotRow, Period, BTreeSet<MemberId>, BTreeMap<MemberId, Tally>, MemberId)> {
    let row = tx.ballot(actor.community_id, id).await?;
    let person = may_run_or_refuse(actor, row.branch_id)?;
    if row.status() != BallotStatus::Closed {
        return Err(refused(
            "投票结束后方可提议等次，且只提议一次。",
            "grades are proposed once the ballot is closed, and once",
        ));
    }
    let period = period_of(tx, &row).await?;
    let papers = tx.ballot_voters(id).await?.len();
    let voting_now = voting_members(&tx.members(actor.community_id).await?, row.branch_id);
    if !tally_visible(&row, papers, voting_now, &period) {
        return Err(refused(
            "本次投票结束时未达到规则要求的投票人数，没有可据以评定等次的计票结果。",
            "this ballot closed below the rulebook's turnout; it has no tally to grade by",
        ));
    }
    let graded = tx.ballot_graded(id).await?;
    let tallies = tx.ballot_tallies(id).await?;
    Ok((row, period, graded, tallies, person))
}

/// The branch committee's proposal: a grade for every graded member, and a
/// reason beside each grade that departs from the tally. Grades that follow
/// the tally are written at once; otherwise the exceptions wait for a
/// second branch-committee member's co-sign.
pub async fn propose(
    tx: &mut WriteTx,
    actor: &Account,
    id: i64,
    proposal: &BTreeMap<MemberId, ReviewGrade>,
    reasons: &BTreeMap<MemberId, String>,
    today: Date,
    now: i64,
) -> AppResult<Proposed> {
    let (row, period, graded, tallies, person) = closed_with_tally(tx, actor, id).await?;
    if !tx.ballot_exceptions(id).await?.is_empty() {
        return Err(refused(
            "已有例外等次等待会签：由支委会另一名委员会签，或先撤回。",
            "exceptions already wait for a co-sign: a second branch-committee member co-signs them, or they are \
             withdrawn first",
        ));
    }
    let relatives = tx.relative_ids(person).await?;
    let exceptions =
        ballot::check_proposal(proposal, reasons, &tallies, &graded, Some(person), &relatives, &period.rulebook.review)
            .map_err(ballot_refusal)?;
    let community = actor.community_id;
    if exceptions.is_empty() {
        write_grades(tx, &row, &period, proposal, &tallies, today, now).await?;
        if !tx.advance_ballot(id, "closed", "decided", actor.id, now).await? {
            return Err(refused("该投票已由他人处理。", "the ballot was decided meanwhile"));
        }
        let detail = format!("ballot {id}: {} graded, as the tally gives", proposal.len());
        tx.audit(Some(community), &crate::ledger::actor_label(actor), "ballot.decide", &detail).await?;
        return Ok(Proposed::Decided { graded: proposal.len() });
    }
    let rows: Vec<(MemberId, ReviewGrade, String)> =
        exceptions.iter().map(|(m, e)| (*m, e.grade, e.reason.clone())).collect();
    tx.propose_exceptions(id, &rows, actor.id, now).await?;
    let listed: Vec<String> = exceptions
        .iter()
        .map(|(m, e)| format!("member {m} {}→{}: {}", e.tally.label_zh(), e.grade.label_zh(), e.reason))
        .collect();
    let detail = format!("ballot {id}: {} against the tally, awaiting a co-sign; {}", rows.len(), listed.join("; "));
    tx.audit(Some(community), &crate::ledger::actor_label(actor), "ballot.propose_exception", &detail).await?;
    Ok(Proposed::AwaitingCosign { exceptions: rows.len() })
}

/// A second branch-committee member co-signs the waiting exceptions: the
/// grades (the tally's, and the exceptions) enter the ledger, with both
/// names on the exceptions and in the audit log.
pub async fn cosign(tx: &mut WriteTx, actor: &Account, id: i64, today: Date, now: i64) -> AppResult<usize> {
    let (row, period, graded, tallies, person) = closed_with_tally(tx, actor, id).await?;
    let waiting = tx.ballot_exceptions(id).await?;
    let Some(first) = waiting.first() else {
        return Err(refused("没有等待会签的例外等次。", "no grade against the tally waits for a co-sign"));
    };
    let proposer = tx.account(first.proposed_by).await?;
    let excepted: BTreeSet<MemberId> = waiting.iter().map(|e| e.member_id).collect();
    let relatives = tx.relative_ids(person).await?;
    ballot::check_cosign(person, &relatives, proposer.member_id, &excepted).map_err(|e| match e {
        BallotError::SamePerson => AppError::Duty(Refusal::SameProposer { login: proposer.login.clone() }),
        BallotError::CosignerRecused(_) => AppError::Duty(Refusal::Recused { login: actor.login.clone() }),
        other => ballot_refusal(other),
    })?;
    if actor.id == proposer.id {
        return Err(AppError::Duty(Refusal::SameProposer { login: proposer.login.clone() }));
    }
    let mut grades = ballot::tally_grades(&tallies, &graded, &period.rulebook.review);
    for exception in &waiting {
        let grade = parse_grade(&exception.grade).ok_or_else(|| {
            invalid(format!("例外等次“{}”无效。", exception.grade), format!("exception grade \"{}\"", exception.grade))
        })?;
        grades.insert(exception.member_id, grade);
    }
    write_grades(tx, &row, &period, &grades, &tallies, today, now).await?;
    tx.cosign_exceptions(id, actor.id, now).await?;
    if !tx.advance_ballot(id, "closed", "decided", actor.id, now).await? {
        return Err(refused("该投票已由他人处理。", "the ballot was decided meanwhile"));
    }
    let detail = format!(
        "ballot {id}: {} grade(s) against the tally proposed by {} ({}) and co-signed by {} ({})",
        waiting.len(),
        proposer.name,
        crate::ledger::actor_label(&proposer),
        actor.name,
        crate::ledger::actor_label(actor)
    );
    tx.audit(Some(actor.community_id), &crate::ledger::actor_label(actor), "ballot.cosign", &detail).await?;
    Ok(grades.len())
}

/// Withdraws exceptions that wait for a co-sign (the co-signer declines,
/// or the proposer thinks again); the ballot is then proposed afresh.
pub async fn withdraw(tx: &mut WriteTx, actor: &Account, id: i64) -> AppResult<u64> {
    let row = tx.ballot(actor.community_id, id).await?;
    may_run_or_refuse(actor, row.branch_id)?;
    if row.status() != BallotStatus::Closed {
        return Err(refused(
            "只能撤回已结束投票中等待会签的例外等次。",
            "only a closed ballot's waiting exceptions are withdrawn",
        ));
    }
    let withdrawn = tx.withdraw_exceptions(id).await?;
    if withdrawn == 0 {
        return Err(refused("没有等待会签的例外等次。", "no grade against the tally waits for a co-sign"));
    }
    let detail = format!("ballot {id}: {withdrawn} exception(s) withdrawn");
    tx.audit(Some(actor.community_id), &crate::ledger::actor_label(actor), "ballot.withdraw_exception", &detail)
        .await?;
    Ok(withdrawn)
}

/// Writes one entry per graded member as the branch ballot's, and keeps
/// each grade beside its tally.
async fn write_grades(
    tx: &mut WriteTx,
    row: &BallotRow,
    period: &Period,
    grades: &BTreeMap<MemberId, ReviewGrade>,
    tallies: &BTreeMap<MemberId, Tally>,
    today: Date,
    now: i64,
) -> AppResult<()> {
    let id = row.id;
    let year = period.year;
    let on = year.last_day().min(today);
    for (member_id, grade) in grades {
        let member = tx.member(row.community_id, *member_id).await?;
        let tally = tallies.get(member_id).copied().unwrap_or_default();
        let event = Event {
            rule_key: grade.rule_key(&period.rulebook.review),
            on,
            source_ref: format!("ballot:{id}"),
            reason: Some(format!(
                "{}年度民主评议：{}（票数 优秀{} 合格{} 基本合格{} 不合格{}）",
                year,
                grade.label_zh(),
                tally.votes[0],
                tally.votes[1],
                tally.votes[2],
                tally.votes[3]
            )),
            idempotency_key: format!("ballot:{id}:{member_id}"),
        };
        let points = recording::priced_rule(period, &event)?.points;
        let appended =
            recording::append(tx, Actor::BranchBallot(row.branch_id), &member, period, event, points, now).await?;
        let grade_row =
            GradeRow { member_id: *member_id, tally, proposed: *grade, entry_id: Some(recording::entry_id(&appended)) };
        tx.save_grade(id, &grade_row).await?;
    }
    Ok(())
}
