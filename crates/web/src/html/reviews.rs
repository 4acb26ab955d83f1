//! The review queue (待审核) of a branch secretary or the committee: claims
//! to approve or reject, and leave requests to decide. Nobody decides their
//! own; an approved claim becomes a ledger entry in the same transaction,
//! within the rulebook's caps.

use crate::error::Why;
use crate::error::{WebError, WebResult, render};
use crate::page::Page;
use crate::session::{SignedIn, now};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use starledger_app::recording::{self, Event};
use starledger_domain::claims::{ClaimKind, ClaimStatus, must_be_pending};
use starledger_domain::meetings::{Attendance, may_decide_leave};
use starledger_domain::org::{Role, Year};
use starledger_store::{Appended, ClaimDecision, ClaimQueries, IntegrityQueries, MeetingQueries, OrgQueries};

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

/// A branch secretary reviews their branch; the committee, everyone.
fn branch_scope(viewer: &SignedIn) -> WebResult<Option<i64>> {
    viewer.require(&[Role::Committee, Role::BranchSecretary])?;
    Ok(if viewer.is(Role::BranchSecretary) { viewer.account.branch_id } else { None })
}

pub async fn show(State(state): State<AppState>, viewer: SignedIn) -> WebResult<Response> {
    let scope = branch_scope(&viewer)?;
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
    csrf: String,
    decision: String,
    #[serde(default)]
    note: String,
}

pub async fn decide_claim(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<DecisionForm>,
) -> WebResult<Response> {
    viewer.check_csrf(&form.csrf)?;
    crate::fields::at_most("note", &form.note, crate::fields::REASON)?;
    let community = viewer.account.community_id;
    let note: String = form.note.trim().chars().take(200).collect();
    let mut tx = viewer.write(&state).await?;
    let claim = tx.claim(community, id).await?;
    must_be_pending(claim.status).map_err(|e| WebError::Refused(Why::new(e.zh(), e.to_string())))?;
    let member = tx.member(community, claim.member_id).await?;
    let period = tx.period(community, Year::of(claim.occurred_on)).await?.ok_or_else(|| {
        WebError::Refused(Why::new(
            format!("{} 年度未开放。", claim.occurred_on.year()),
            format!("{} has no open year", claim.occurred_on.year()),
        ))
    })?;
    let rule = period.rulebook.rule(claim.kind.rule_key()).ok_or_else(|| {
        WebError::Refused(Why::new("本年度规则中没有对应此申报的计分规则。", "no rule prices this claim"))
    })?;
    // Rejecting needs the same right as approving.
    recording::may_record(&mut tx, &viewer.account, rule, &member).await?;
    let now = now();
    let (status, entry) = match form.decision.as_str() {
        "approve" => {
            let reason = match claim.kind {
                ClaimKind::Visit => {
                    format!("入户走访 {}：{}", claim.household_address.clone().unwrap_or_default(), claim.note)
                }
                ClaimKind::StudyWeek => format!("学习强国：{} 当周学习满5天（截图已审核）", claim.occurred_on),
            };
            let event = Event {
                rule_key: claim.kind.rule_key(),
                on: claim.occurred_on,
                source_ref: format!("claim:{id}"),
                reason: Some(reason),
                idempotency_key: format!("claim:{id}"),
            };
            let entry = match recording::record(&mut tx, &viewer.account, &member, &period, event, now).await? {
                Appended::New(entry) => entry.id,
                Appended::Duplicate(entry) => entry,
            };
            (ClaimStatus::Approved, Some(entry))
        }
        "reject" => (ClaimStatus::Rejected, None),
        other => {
            return Err(WebError::BadRequest(Why::new(
                format!("决定“{other}”无效。"),
                format!("unknown decision \"{other}\""),
            )));
        }
    };
    let decision = ClaimDecision { status, by: Some(viewer.account.id), at: now, note, entry_id: entry };
    if !tx.decide_claim(community, id, &decision).await? {
        return Err(WebError::Refused(Why::new("该申报已由他人处理。", "the claim was decided meanwhile")));
    }
    let detail = format!("claim {id} {} entry {entry:?}", status.as_str());
    tx.audit(Some(community), &viewer.actor(), "claim.decide", &detail).await?;
    tx.commit().await?;
    Ok(Redirect::to("/reviews").into_response())
}

pub async fn decide_leave(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<DecisionForm>,
) -> WebResult<Response> {
    viewer.check_csrf(&form.csrf)?;
    crate::fields::at_most("note", &form.note, crate::fields::REASON)?;
    let community = viewer.account.community_id;
    let mut tx = viewer.write(&state).await?;
    let request = tx.leave_request(community, id).await?;
    let meeting = tx.meeting(community, request.meeting_id).await?;
    let relatives = tx.relative_ids(request.member_id).await?;
    may_decide_leave(&viewer.account, request.member_id, meeting.branch_id, &relatives)
        .map_err(|e| WebError::Forbidden(Why::new(e.zh(), e.to_string())))?;
    let status = match form.decision.as_str() {
        "approve" => ClaimStatus::Approved,
        "reject" => ClaimStatus::Rejected,
        other => {
            return Err(WebError::BadRequest(Why::new(
                format!("决定“{other}”无效。"),
                format!("unknown decision \"{other}\""),
            )));
        }
    };
    let now = now();
    // Once the attendance is in the ledger an approval would change nothing:
    // the absence stands until it is corrected by a reversal.
    if status == ClaimStatus::Approved
        && tx.attendance(meeting.id).await?.iter().any(|a| a.member_id == request.member_id && a.ledgered)
    {
        return Err(WebError::Refused(Why::new(
            "该党员的出席情况已记入台账；如需更正，请冲销。",
            "this member's attendance is already in the ledger; correct it with a reversal",
        )));
    }
    if !tx.decide_leave(community, id, status, viewer.account.id, now).await? {
        return Err(WebError::Refused(Why::new("该申请已由他人处理。", "the request was decided meanwhile")));
    }
    if status == ClaimStatus::Approved {
        tx.set_attendance(meeting.id, request.member_id, Attendance::Excused, "leave", viewer.account.id, now).await?;
    }
    let detail = format!("leave {id} {}", status.as_str());
    tx.audit(Some(community), &viewer.actor(), "leave.decide", &detail).await?;
    tx.commit().await?;
    Ok(Redirect::to("/reviews").into_response())
}
