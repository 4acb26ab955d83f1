//! The branch review (民主评议党员): each year each branch runs one secret
//! ballot. Every member of the branch with an account votes once, grading
//! every graded member but themselves; probationary members vote but are
//! not graded. While the ballot is open only the number of papers is shown;
//! after the close, the branch committee proposes each grade beside the
//! tally, within the cap on 优秀, and the grades enter the ledger as the
//! branch ballot's — no account types a grade.

use crate::calendar::today;
use crate::error::{WebError, WebResult, Why, render};
use crate::html::confirm::{Choice, ConfirmForm, ConfirmPage, confirmed};
use crate::page::Page;
use crate::proof::CheckedForm;
use crate::security::random_token;
use crate::session::{CsrfForm, SignedIn, now};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use starledger_app::ballots::{self as app_ballots, Proposed};
use starledger_app::recording;
use starledger_domain::ballot::{self, Tally};
use starledger_domain::integrity::{ReviewGrade, excellent_places};
use starledger_domain::org::{AccountId, BranchId, Member, MemberId, Role, Year};
use starledger_store::{BallotQueries, BallotRow, BallotStatus, OrgQueries, PeriodStatus, grade_key, parse_grade};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Who runs a branch's ballot: its secretary, or the committee.
fn may_run(viewer: &SignedIn, branch: BranchId) -> bool {
    app_ballots::may_run(&viewer.account, branch)
}

fn may_run_or_refuse(viewer: &SignedIn, branch: BranchId) -> WebResult<()> {
    if may_run(viewer, branch) {
        Ok(())
    } else {
        Err(WebError::Forbidden(Why::new(
            "只有本支部书记或社区党委可以组织本支部的投票。",
            "only the branch's secretary or the committee runs its ballot",
        )))
    }
}

/// The viewer's member record, if they vote in this branch.
fn voter<'m>(viewer: &SignedIn, members: &'m [Member], branch: BranchId) -> Option<&'m Member> {
    let me = viewer.account.member_id?;
    members.iter().find(|m| m.id == me && m.branch_id == branch && m.left_on.is_none())
}

fn year_of(row: &BallotRow) -> WebResult<Year> {
    Year::new(row.year).map_err(|e| WebError::Internal(e.to_string()))
}

#[derive(Template)]
#[template(path = "ballots.html")]
struct BallotsPage {
    page: Page,
    year: i16,
    branches: Vec<(BranchId, String)>,
    ballots: Vec<(i64, i64, String, &'static str)>,
}

fn status_label(status: &BallotStatus) -> &'static str {
    match status {
        BallotStatus::Open => "投票中",
        BallotStatus::Closed => "已截止，待支委会提出等次",
        BallotStatus::Decided => "已确定等次",
    }
}

pub async fn list(State(state): State<AppState>, viewer: SignedIn) -> WebResult<Response> {
    let community = viewer.account.community_id;
    let mut reader = state.store().read().await?;
    let branch_names: HashMap<BranchId, String> = reader.branches(community).await?.into_iter().collect();
    let ballots = reader
        .ballots(community)
        .await?
        .into_iter()
        .map(|b| (b.id, b.year, branch_names.get(&b.branch_id).cloned().unwrap_or_default(), status_label(&b.status())))
        .collect();
    let mut branches: Vec<(BranchId, String)> =
        branch_names.iter().filter(|(id, _)| may_run(&viewer, **id)).map(|(id, n)| (*id, n.clone())).collect();
    branches.sort();
    let page = BallotsPage { page: Page::signed_in(&viewer, "ballots"), year: today().year(), branches, ballots };
    Ok(render(page)?.into_response())
}

#[derive(Deserialize)]
pub struct OpenForm {
    branch: BranchId,
    year: i64,
}

pub async fn open(
    State(state): State<AppState>,
    viewer: SignedIn,
    CheckedForm(form): CheckedForm<OpenForm>,
) -> WebResult<Response> {
    may_run_or_refuse(&viewer, form.branch)?;
    let community = viewer.account.community_id;
    let year = Year::new(form.year).map_err(|e| WebError::BadRequest(Why::new(e.zh(), format!("year: {e}"))))?;
    let mut tx = viewer.write(&state).await?;
    if !tx.has_branch(community, form.branch).await? {
        return Err(WebError::NotFound);
    }
    match tx.period(community, year).await? {
        Some(period) if period.status == PeriodStatus::Open => {}
        _ => {
            return Err(WebError::Refused(Why::new(
                format!("{year} 年度未开放。"),
                format!("{year} is not an open year"),
            )));
        }
    }
    recording::refuse_if_final(&mut tx, community, year).await?;
    // Graded: the branch's members on the roll who are full members.
    let graded: BTreeSet<MemberId> = tx
        .members(community)
        .await?
        .iter()
        .filter(|m| m.branch_id == form.branch && m.left_on.is_none() && !m.probationary)
        .map(|m| m.id)
        .collect();
    if graded.is_empty() {
        return Err(WebError::Refused(Why::new(
            "本支部没有可评议的正式党员。",
            "this branch has no full members to grade",
        )));
    }
    let id = tx.open_ballot(community, form.branch, form.year, &graded, viewer.account.id, now()).await?;
    let detail = format!("ballot {id}: branch {} year {}, {} graded", form.branch, form.year, graded.len());
    tx.audit(Some(community), &viewer.actor(), "ballot.open", &detail).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/ballots/{id}")).into_response())
}

struct ResultRow {
    member_id: MemberId,
    name: String,
    tally: Tally,
    /// The grade the votes give (the plurality within the cap).
    plurality: &'static str,
    proposed: &'static str,
}

#[derive(Template)]
#[template(path = "ballot.html")]
struct BallotPage {
    page: Page,
    id: i64,
    branch: String,
    year: i64,
    status: &'static str,
    open: bool,
    closed: bool,
    decided: bool,
    can_run: bool,
    can_vote: bool,
    has_voted: bool,
    papers: usize,
    eligible_voters: usize,
    /// The graded members on the viewer's paper (everyone but themselves).
    paper: Vec<(MemberId, String, bool)>,
    results: Vec<ResultRow>,
    excellent_places: usize,
    grades: Vec<(&'static str, &'static str)>,
    /// Papers needed before the close (the rulebook's turnout).
    papers_needed: usize,
    /// Closed below the turnout (before the rule): no tally is shown.
    tally_withheld: bool,
    /// Grades against the tally: (member, name, tally grade, grade, reason,
    /// proposed by, co-signed by).
    exceptions: Vec<ExceptionLine>,
    /// Exceptions wait for a co-sign.
    awaiting_cosign: bool,
}

struct ExceptionLine {
    name: String,
    grade: &'static str,
    reason: String,
    proposed_by: String,
    cosigned_by: String,
}

pub async fn show(State(state): State<AppState>, viewer: SignedIn, Path(id): Path<i64>) -> WebResult<Response> {
    let community = viewer.account.community_id;
    let mut reader = state.store().read().await?;
    let row = reader.ballot(community, id).await?;
    let members = reader.members(community).await?;
    let names: HashMap<MemberId, String> = members.iter().map(|m| (m.id, m.name.to_string())).collect();
    let graded = reader.ballot_graded(id).await?;
    let voters = reader.ballot_voters(id).await?;
    let me = voter(&viewer, &members, row.branch_id);
    let status = row.status();
    let can_run = may_run(&viewer, row.branch_id);
    if me.is_none() && !can_run && !viewer.is(Role::Auditor) {
        return Err(WebError::Forbidden(Why::new("此次投票属于其他支部。", "this ballot belongs to another branch")));
    }
    let period = reader.period(community, year_of(&row)?).await?.ok_or(WebError::NotFound)?;
    let eligible_voters = app_ballots::voting_members(&members, row.branch_id);
    // The tally exists for nobody until the ballot is closed, and never
    // below the turnout.
    let tally_withheld =
        status != BallotStatus::Open && !app_ballots::tally_visible(&row, voters.len(), eligible_voters, &period);
    let tallies = if status == BallotStatus::Open || tally_withheld {
        BTreeMap::new()
    } else {
        reader.ballot_tallies(id).await?
    };
    let by_tally = ballot::tally_grades(&tallies, &graded, &period.rulebook.review);
    let results = match status {
        _ if tally_withheld => Vec::new(),
        BallotStatus::Open => Vec::new(),
        BallotStatus::Closed => {
            // Every graded member, with the votes the papers gave them (none
            // for a member no paper graded).
            graded
                .iter()
                .map(|member_id| {
                    let tally = tallies.get(member_id).copied().unwrap_or_default();
                    ResultRow {
                        member_id: *member_id,
                        name: names.get(member_id).cloned().unwrap_or_default(),
                        tally,
                        plurality: by_tally.get(member_id).map_or("", |g| grade_key(*g)),
                        proposed: "",
                    }
                })
                .collect()
        }
        BallotStatus::Decided => reader
            .ballot_grades(id)
            .await?
            .into_iter()
            .map(|g| ResultRow {
                member_id: g.member_id,
                name: names.get(&g.member_id).cloned().unwrap_or_default(),
                tally: g.tally,
                plurality: by_tally.get(&g.member_id).map_or("", |g| grade_key(*g)),
                proposed: g.proposed.label_zh(),
            })
            .collect(),
    };
    let accounts: HashMap<AccountId, String> =
        reader.accounts(community).await?.into_iter().map(|a| (a.id, a.name)).collect();
    let exception_rows = reader.ballot_exceptions(id).await?;
    let awaiting_cosign = status == BallotStatus::Closed && !exception_rows.is_empty();
    let exceptions = exception_rows
        .into_iter()
        .map(|e| ExceptionLine {
            name: names.get(&e.member_id).cloned().unwrap_or_default(),
            grade: parse_grade(&e.grade).map_or("", ReviewGrade::label_zh),
            reason: e.reason,
            proposed_by: accounts.get(&e.proposed_by).cloned().unwrap_or_default(),
            cosigned_by: e.cosigned_by.and_then(|a| accounts.get(&a).cloned()).unwrap_or_default(),
        })
        .collect();
    let branch = reader.branches(community).await?.into_iter().find(|(b, _)| *b == row.branch_id).map(|(_, n)| n);
    let page = BallotPage {
        page: Page::signed_in(&viewer, "ballot"),
        id,
        branch: branch.unwrap_or_default(),
        year: row.year,
        status: status_label(&status),
        open: status == BallotStatus::Open,
        closed: status == BallotStatus::Closed,
        decided: status == BallotStatus::Decided,
        can_run,
        can_vote: status == BallotStatus::Open && me.is_some_and(|m| !voters.contains(&m.id)),
        has_voted: me.is_some_and(|m| voters.contains(&m.id)),
        papers: voters.len(),
        eligible_voters,
        paper: graded
            .iter()
            .filter(|m| Some(**m) != me.map(|m| m.id))
            .map(|m| (*m, names.get(m).cloned().unwrap_or_default(), false))
            .collect(),
        results,
        excellent_places: excellent_places(graded.len(), &period.rulebook.review),
        grades: ReviewGrade::ALL.into_iter().map(|g| (grade_key(g), g.label_zh())).collect(),
        papers_needed: ballot::papers_needed(eligible_voters, &period.rulebook.review),
        tally_withheld,
        exceptions,
        awaiting_cosign,
    };
    Ok(render(page)?.into_response())
}

/// Reads `g{member}=grade` pairs into a map, refusing unknown grades.
fn read_grades(pairs: &[(String, String)]) -> WebResult<BTreeMap<MemberId, ReviewGrade>> {
    let mut grades = BTreeMap::new();
    for (key, value) in pairs {
        let Some(member) = key.strip_prefix('g') else { continue };
        let member: MemberId = member.parse().map_err(|_| {
            WebError::BadRequest(Why::new(format!("{key}：不是党员的等次。"), format!("{key}: not a member's grade")))
        })?;
        let grade = parse_grade(value).ok_or_else(|| {
            WebError::BadRequest(Why::new(
                format!("{key}：等次“{value}”无效。"),
                format!("{key}: unknown grade \"{value}\""),
            ))
        })?;
        if grades.insert(member, grade).is_some() {
            return Err(WebError::BadRequest(Why::new(format!("{key}：重复评定。"), format!("{key}: graded twice"))));
        }
    }
    Ok(grades)
}

pub async fn vote(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<i64>,
    CheckedForm(pairs): CheckedForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let paper = read_grades(&pairs)?;
    let community = viewer.account.community_id;
    let mut tx = viewer.write(&state).await?;
    let row = tx.ballot(community, id).await?;
    let members = tx.members(community).await?;
    let me = voter(&viewer, &members, row.branch_id).ok_or_else(|| {
        WebError::Forbidden(Why::new(
            "只有本支部党员可以参加本支部的投票。",
            "only members of this branch vote in its ballot",
        ))
    })?;
    if row.status() != BallotStatus::Open {
        return Err(WebError::Refused(Why::new("投票已结束。", "the ballot is closed")));
    }
    let graded = tx.ballot_graded(id).await?;
    ballot::check_paper(&paper, &graded, me.id).map_err(|e| WebError::BadRequest(Why::new(e.zh(), e.to_string())))?;
    if !tx.cast_ballot(id, me.id, &paper, random_token).await? {
        return Err(WebError::Refused(Why::new(
            "每名党员在一次投票中只投一票。",
            "each member votes once in a ballot",
        )));
    }
    // The audit log says that someone voted, never how.
    tx.audit(Some(community), &viewer.actor(), "ballot.vote", &format!("ballot {id}")).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/ballots/{id}")).into_response())
}

/// `GET /ballots/{id}/close`: what closing will do, nothing written.
pub async fn close_page(State(state): State<AppState>, viewer: SignedIn, Path(id): Path<i64>) -> WebResult<Response> {
    close_step(&state, &viewer, id, false).await
}

pub async fn close(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<i64>,
    CheckedForm(form): CheckedForm<ConfirmForm>,
) -> WebResult<Response> {
    close_step(&state, &viewer, id, confirmed(form.confirm.as_deref())).await
}

/// Closes the ballot once confirmed; before that, how many have voted.
async fn close_step(state: &AppState, viewer: &SignedIn, id: i64, confirmed: bool) -> WebResult<Response> {
    let community = viewer.account.community_id;
    let mut tx = viewer.write(state).await?;
    // The turnout, the duty and the audit row are the application layer's,
    // checked before asking too: a close that would be refused is refused
    // at once, not after a confirmation.
    let papers = app_ballots::close(&mut tx, &viewer.account, id, now()).await?;
    if !confirmed {
        let row = tx.ballot(community, id).await?;
        let voters = app_ballots::voting_members(&tx.members(community).await?, row.branch_id);
        let graded = tx.ballot_graded(id).await?.len();
        let branch = tx.branches(community).await?.into_iter().find(|(b, _)| *b == row.branch_id).map(|(_, n)| n);
        // Not committed: asking writes nothing.
        drop(tx);
        let t = viewer.t;
        return ConfirmPage {
            page: Page::signed_in(viewer, "ballot"),
            heading: t.get("confirm_ballot_heading").to_string(),
            lines: vec![
                t.fill(
                    "confirm_ballot_summary",
                    &[
                        ("branch", &branch.unwrap_or_default()),
                        ("year", &row.year),
                        ("papers", &papers),
                        ("voters", &voters),
                        ("missing", &voters.saturating_sub(papers)),
                    ],
                ),
                t.fill("confirm_ballot_after", &[("graded", &graded)]),
            ],
            groups: Vec::new(),
            action: format!("/ballots/{id}/close"),
            carried: Vec::new(),
            choices: vec![Choice::plain(t.get("confirm_ballot_button"))],
            back: format!("/ballots/{id}"),
        }
        .respond();
    }
    tx.commit().await?;
    Ok(Redirect::to(&format!("/ballots/{id}")).into_response())
}

pub async fn tally(State(state): State<AppState>, viewer: SignedIn, Path(id): Path<i64>) -> WebResult<Response> {
    let community = viewer.account.community_id;
    let mut reader = state.store().read().await?;
    let row = reader.ballot(community, id).await?;
    let members = reader.members(community).await?;
    if voter(&viewer, &members, row.branch_id).is_none()
        && !may_run(&viewer, row.branch_id)
        && !viewer.is(Role::Auditor)
    {
        return Err(WebError::Forbidden(Why::new("此次投票属于其他支部。", "this ballot belongs to another branch")));
    }
    if row.status() == BallotStatus::Open {
        return Err(WebError::Refused(Why::new(
            "投票结束前任何人都看不到计票结果。",
            "no one sees a tally before the ballot closes",
        )));
    }
    Ok(Redirect::to(&format!("/ballots/{id}")).into_response())
}

/// Reads `r{member}=reason` pairs: the reasons beside grades against the tally.
fn read_reasons(pairs: &[(String, String)]) -> WebResult<BTreeMap<MemberId, String>> {
    let mut reasons = BTreeMap::new();
    for (key, value) in pairs {
        let Some(member) = key.strip_prefix('r') else { continue };
        let member: MemberId = member.parse().map_err(|_| {
            WebError::BadRequest(Why::new(format!("{key}：不是党员的理由。"), format!("{key}: not a member's reason")))
        })?;
        let reason: String = value.trim().chars().take(500).collect();
        if !reason.is_empty() {
            reasons.insert(member, reason);
        }
    }
    Ok(reasons)
}

/// The branch committee's proposal: a grade for every graded member. Grades
/// that follow the tally enter the ledger as the branch ballot's entries; a
/// grade against it, with its reason, waits for a second member's co-sign.
pub async fn decide(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<i64>,
    CheckedForm(pairs): CheckedForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let proposal = read_grades(&pairs)?;
    let reasons = read_reasons(&pairs)?;
    let mut tx = viewer.write(&state).await?;
    let done = app_ballots::propose(&mut tx, &viewer.account, id, &proposal, &reasons, today(), now()).await?;
    tx.commit().await?;
    let to = match done {
        Proposed::Decided { .. } => format!("/ballots/{id}"),
        Proposed::AwaitingCosign { .. } => format!("/ballots/{id}?awaiting=1"),
    };
    Ok(Redirect::to(&to).into_response())
}

/// A second branch-committee member co-signs the grades against the tally.
pub async fn cosign(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<i64>,
    CheckedForm(_): CheckedForm<CsrfForm>,
) -> WebResult<Response> {
    let mut tx = viewer.write(&state).await?;
    app_ballots::cosign(&mut tx, &viewer.account, id, today(), now()).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/ballots/{id}")).into_response())
}

/// Withdraws grades against the tally that wait for a co-sign.
pub async fn withdraw(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<i64>,
    CheckedForm(_): CheckedForm<CsrfForm>,
) -> WebResult<Response> {
    let mut tx = viewer.write(&state).await?;
    app_ballots::withdraw(&mut tx, &viewer.account, id).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/ballots/{id}")).into_response())
}
