//! The API's meeting writes: marks on a meeting's sheet (a sign-in machine
//! or the secretary's own sheet), closing a meeting (which records the
//! attendance in the ledger), and deciding leave. Each calls the use case
//! the meeting and review pages call (`app::meetings`), so the keeper, the
//! recusal of oneself and relatives, and the refusals are the pages'.

use super::auth::Caller;
use super::idempotency::{self, Keyed};
use super::problem::{ApiResult, Problem};
use super::resources::sheet_json;
use crate::error::Why;
use crate::session::now;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};
use starledger_app::api_tokens::Scope;
use starledger_app::claims::Verdict;
use starledger_app::meetings::{self, Closing, Uninvited};
use starledger_domain::meetings::Attendance;
use starledger_domain::org::MemberId;
use starledger_store::{LeaveRequest, MeetingQueries};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mark {
    member_id: MemberId,
    status: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarksBody {
    marks: Vec<Mark>,
}

/// The most marks one request takes (a meeting invites a branch).
const MAX_MARKS: usize = 1000;

/// `POST /api/v1/meetings/{id}/attendance`: marks on the sheet, through
/// `app::meetings::mark_attendance` as the meeting page saves them. A mark
/// writes no points (closing does), and marking the same twice is the same
/// sheet, so it takes no `Idempotency-Key`; a member the meeting does not
/// invite is refused, naming them.
pub async fn mark(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    body: Bytes,
) -> ApiResult<Response> {
    caller.require_scope(Scope::Record)?;
    let input: MarksBody = super::parse_json(&body)?;
    if input.marks.is_empty() || input.marks.len() > MAX_MARKS {
        return Err(Problem::new(
            "invalid",
            Why::new(format!("marks：应有 1 到 {MAX_MARKS} 条。"), format!("marks: 1 to {MAX_MARKS} marks are taken")),
        ));
    }
    let mut marks: Vec<(MemberId, String)> = Vec::new();
    for mark in input.marks {
        meetings::parse_status(&mark.status)?;
        if marks.iter().any(|(m, _)| *m == mark.member_id) {
            return Err(Problem::new(
                "invalid",
                Why::new(
                    format!("marks：member_id {} 出现了两次。", mark.member_id),
                    format!("marks: member_id {} is marked twice", mark.member_id),
                ),
            ));
        }
        marks.push((mark.member_id, mark.status));
    }
    let mut tx = caller.write(&state).await?;
    meetings::mark_attendance(&mut tx, &caller.account, id, &marks, Uninvited::Refuse, meetings::MarkedVia::Api, now())
        .await?;
    let sheet = sheet_json(&mut tx, caller.account.community_id, id).await?;
    tx.commit().await?;
    Ok(super::json(StatusCode::OK, &sheet))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloseBody {
    #[serde(default)]
    unmarked: Option<String>,
}

/// `POST /api/v1/meetings/{id}/close`: closes the meeting and records the
/// attendance the caller may record, through `app::meetings::close` as the
/// page's confirmed close. Members nobody marked are refused (naming them)
/// unless `unmarked` says what they were. It writes points, so it takes an
/// `Idempotency-Key`; run again by another account (with another key) it
/// records what waited for them, and nothing twice.
pub async fn close(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let Keyed { key, request, input } =
        idempotency::keyed::<CloseBody>(&caller, &headers, &format!("POST /api/v1/meetings/{id}/close"), &body)?;
    let fill = match input.unmarked.as_deref() {
        None => None,
        Some("present") => Some(Attendance::Present),
        Some("absent") => Some(Attendance::Absent),
        Some(other) => {
            return Err(Problem::new(
                "invalid",
                Why::new(
                    format!("unmarked：“{other}”无效，应为 present（全部出席）或 absent（全部缺席）。"),
                    format!("unmarked: \"{other}\" is neither present nor absent"),
                ),
            ));
        }
    };
    let mut tx = caller.write(&state).await?;
    if let Some(replayed) = idempotency::replay(&mut tx, &caller, &key, &request).await? {
        return Ok(replayed);
    }
    let (entries, recused) = match meetings::close(&mut tx, &caller.account, id, fill, now()).await? {
        Closing::Unmarked { unmarked, .. } => return Err(meetings::unmarked_refusal(&unmarked).into()),
        Closing::Closed { entries, recused, .. } => (entries, recused),
    };
    let sheet = sheet_json(&mut tx, caller.account.community_id, id).await?;
    let answer = json!({
        "meeting_id": id,
        "entries": entries,
        "waiting": recused.iter().map(|m| m.id).collect::<Vec<_>>(),
        "sheet": sheet,
    });
    idempotency::keep_and_commit(tx, &caller, &key, request, StatusCode::OK, answer).await
}

fn leave_json(request: &LeaveRequest) -> Value {
    json!({
        "id": request.id,
        "meeting_id": request.meeting_id,
        "member_id": request.member_id,
        "member_name": request.member_name,
        "reason": request.reason,
        "status": request.status.as_str(),
        "decision_note": request.decision_note,
    })
}

/// `GET /api/v1/meetings/{id}/leave`: a meeting's leave requests, for who
/// keeps the meeting (its branch's secretary, the committee) and the
/// auditor.
pub async fn list_leave(State(state): State<AppState>, caller: Caller, Path(id): Path<i64>) -> ApiResult<Response> {
    let community = caller.account.community_id;
    let mut reader = state.store().read().await?;
    let meeting = reader.meeting(community, id).await?;
    if !meetings::may_manage(&caller.account, meeting.branch_id)
        && caller.account.role != starledger_domain::org::Role::Auditor
    {
        return Err(Problem::new(
            "role.forbidden",
            Why::new(
                "只有本支部书记、社区党委和审计可以查看本支部会议的请假。",
                "only the branch's secretary, the committee and the auditor read its meetings' leave requests",
            ),
        ));
    }
    let items: Vec<Value> = reader.leave_requests(community, Some(id), false).await?.iter().map(leave_json).collect();
    Ok(super::json(StatusCode::OK, &json!({ "meeting_id": id, "items": items })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeaveDecisionBody {
    decision: String,
    #[serde(default)]
    note: String,
}

/// `POST /api/v1/leave/{id}/decision`: approves or rejects a leave request
/// through `app::meetings::decide_leave`, as /reviews does: the member who
/// asked and their relatives are recused. An approval marks the member
/// excused, which closing then records, so it takes an `Idempotency-Key`.
pub async fn decide_leave(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let Keyed { key, request, input } = idempotency::keyed::<LeaveDecisionBody>(
        &caller,
        &headers,
        &format!("POST /api/v1/leave/{id}/decision"),
        &body,
    )?;
    crate::fields::at_most("note", &input.note, crate::fields::REASON)?;
    let verdict = Verdict::parse(&input.decision)?;
    let mut tx = caller.write(&state).await?;
    if let Some(replayed) = idempotency::replay(&mut tx, &caller, &key, &request).await? {
        return Ok(replayed);
    }
    meetings::decide_leave(&mut tx, &caller.account, id, verdict, &input.note, now()).await?;
    let decided = tx.leave_request(caller.account.community_id, id).await?;
    idempotency::keep_and_commit(tx, &caller, &key, request, StatusCode::OK, leave_json(&decided)).await
}
