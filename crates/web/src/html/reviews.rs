//! The review queue (待审核) of a branch secretary or the committee: claims
//! to approve or reject, and leave requests to decide. Nobody decides their
//! own; an approved claim becomes a ledger entry in the same transaction,
//! within the rulebook's caps.

use crate::error::{WebResult, render};
use crate::page::Page;
use crate::proof::CheckedForm;
use crate::session::{SignedIn, now};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use starledger_app::claims::{self, Verdict};
use starledger_app::meetings;
use starledger_domain::org::Role;
use starledger_store::{ClaimQueries, MeetingQueries};

struct ClaimCard {
    id: i64,
    member: String,
    what: String,
    date: String,
    note: String,
    upload: Option<i64>,
    own: bool,
}

struct LeaveCard {
    id: i64,
    member: String,
    meeting: String,
    reason: String,
    own: bool,
}

#[derive(Template)]
#[template(path = "reviews.html")]
struct ReviewsPage {
    page: Page,
    claims: Vec<ClaimCard>,
    leaves: Vec<LeaveCard>,
}

pub async fn show(State(state): State<AppState>, viewer: SignedIn) -> WebResult<Response> {
    // A branch secretary reviews their branch; the committee, everyone.
    viewer.require(&[Role::Committee, Role::BranchSecretary])?;
    let scope = claims::review_scope(&viewer.account)?;
    let community = viewer.account.community_id;
    let own = viewer.account.member_id;
    let mut reader = state.store().read().await?;
    let claims = reader
        .pending_claims(community, scope)
        .await?
        .into_iter()
        .map(|c| ClaimCard {
            id: c.id,
            own: Some(c.member_id) == own,
            member: c.member_name,
            what: match c.household_address {
                Some(address) => format!("{}：{address}", c.kind.label_zh()),
                None => c.kind.label_zh().to_string(),
            },
            date: c.occurred_on.to_string(),
            note: c.note,
            upload: c.upload_id,
        })
        .collect();
    let mut leaves = Vec::new();
    for request in reader.leave_requests(community, None, true).await? {
        let meeting = reader.meeting(community, request.meeting_id).await?;
        if scope.is_some_and(|branch| branch != meeting.branch_id) {
            continue;
        }
        leaves.push(LeaveCard {
            id: request.id,
            own: Some(request.member_id) == own,
            member: request.member_name,
            meeting: meeting.title,
            reason: request.reason,
        });
    }
    Ok(render(ReviewsPage { page: Page::signed_in(&viewer, "reviews"), claims, leaves })?.into_response())
}

#[derive(Deserialize)]
pub struct DecisionForm {
    decision: String,
    #[serde(default)]
    note: String,
}

pub async fn decide_claim(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<i64>,
    CheckedForm(form): CheckedForm<DecisionForm>,
) -> WebResult<Response> {
    crate::fields::at_most("note", &form.note, crate::fields::REASON)?;
    let verdict = Verdict::parse(&form.decision)?;
    let mut tx = viewer.write(&state).await?;
    claims::decide(&mut tx, &viewer.account, id, verdict, &form.note, now()).await?;
    tx.commit().await?;
    Ok(Redirect::to("/reviews").into_response())
}

pub async fn decide_leave(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<i64>,
    CheckedForm(form): CheckedForm<DecisionForm>,
) -> WebResult<Response> {
    crate::fields::at_most("note", &form.note, crate::fields::REASON)?;
    let verdict = Verdict::parse(&form.decision)?;
    let mut tx = viewer.write(&state).await?;
    meetings::decide_leave(&mut tx, &viewer.account, id, verdict, &form.note, now()).await?;
    tx.commit().await?;
    Ok(Redirect::to("/reviews").into_response())
}
