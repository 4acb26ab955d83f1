//! The API's volunteer-service writes: a member signs up or cancels for
//! themselves, and the organizer confirms who served, through the use
//! cases the activity pages call (`app::activities`): nobody confirms
//! themselves or a relative, a secretary only their branch's members.

use super::auth::Caller;
use super::idempotency::{self, Keyed};
use super::problem::{ApiResult, Problem};
use crate::error::Why;
use crate::session::now;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;
use starledger_app::activities::{self, Answer};
use starledger_app::api_tokens::Scope;
use starledger_domain::org::MemberId;
use starledger_store::ActivityQueries;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerBody {
    answer: String,
}

/// `POST /api/v1/activities/{id}/answer`: the caller, a member, signs up
/// or cancels for themselves, as on the activity's page. It writes no
/// points, and answering the same twice leaves the same sign-up, so it
/// takes no `Idempotency-Key`.
pub async fn answer(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    body: Bytes,
) -> ApiResult<Response> {
    caller.require_scope(Scope::Record)?;
    let input: AnswerBody = super::parse_json(&body)?;
    let answer = Answer::parse(&input.answer)?;
    let mut tx = caller.write(&state).await?;
    activities::answer(&mut tx, &caller.account, id, answer, now()).await?;
    let member = caller.account.member_id;
    let signups = tx.signups(id).await?;
    let signed_up = signups.iter().any(|s| Some(s.member_id) == member && s.is_signed_up());
    let count = signups.iter().filter(|s| s.is_signed_up()).count();
    tx.commit().await?;
    let body = json!({ "activity_id": id, "member_id": member, "signed_up": signed_up, "signed_up_count": count });
    Ok(super::json(StatusCode::OK, &body))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfirmBody {
    member_ids: Vec<MemberId>,
}

/// `POST /api/v1/activities/{id}/confirmation`: the organizer confirms the
/// service of members who signed up, through `app::activities::confirm`
/// as the page's confirmed form; each writes its points, so it takes an
/// `Idempotency-Key`. A member already confirmed is skipped.
pub async fn confirm(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let Keyed { key, request, input } = idempotency::keyed::<ConfirmBody>(
        &caller,
        &headers,
        &format!("POST /api/v1/activities/{id}/confirmation"),
        &body,
    )?;
    if input.member_ids.is_empty() || input.member_ids.len() > 1000 {
        return Err(Problem::new(
            "invalid",
            Why::new("member_ids：应有 1 到 1000 个党员编号。", "member_ids: 1 to 1000 member ids are taken"),
        ));
    }
    let mut tx = caller.write(&state).await?;
    if let Some(replayed) = idempotency::replay(&mut tx, &caller, &key, &request).await? {
        return Ok(replayed);
    }
    let credited = activities::confirm(&mut tx, &caller.account, id, &input.member_ids, now()).await?;
    let items: Vec<_> = credited
        .iter()
        .map(|c| json!({ "member_id": c.member_id, "name": c.name, "points": c.points.to_string(), "entry_id": c.entry_id }))
        .collect();
    let answer = json!({ "activity_id": id, "items": items });
    idempotency::keep_and_commit(tx, &caller, &key, request, StatusCode::OK, answer).await
}
