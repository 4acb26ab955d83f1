//! Filing and withdrawing claims over the API, through the use cases
//! /claims calls (`app::claims::file`, `cancel`): only a member, about
//! their own work (a visit to their own linked household, a study week in
//! an open year, not in the future), within the same upload quota. A claim
//! is sent as JSON without a photo, or as `multipart/form-data` with one,
//! read with the same photo limit as the page (`photo_max_bytes`).
//!
//! The API takes no form token: a call is authenticated by its bearer
//! token, which a browser never sends on its own, so the multipart body is
//! read directly rather than through `proof::CheckedMultipart`.
#![allow(clippy::disallowed_types)]

use super::auth::Caller;
use super::idempotency;
use super::problem::{ApiResult, Problem};
use super::reviews::claim_json;
use crate::error::Why;
use crate::html::claims::{FileField, quota, read_file, too_large_why};
use crate::session::now;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use jiff::civil::Date;
use serde::Deserialize;
use starledger_app::api_tokens::Scope;
use starledger_app::claims::{self, Filing, Photo};
use starledger_domain::claims::ClaimKind;
use starledger_domain::org::HouseholdId;
use starledger_store::ClaimQueries;

/// The longest note kept, as on the page.
const NOTE_CHARS: usize = 300;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimBody {
    kind: String,
    #[serde(default)]
    household_id: Option<HouseholdId>,
    on: String,
    #[serde(default)]
    note: String,
}

fn bad(zh: impl Into<String>, en: impl Into<String>) -> Problem {
    Problem::new("invalid", Why::new(zh, en))
}

fn kind_of(text: &str) -> ApiResult<ClaimKind> {
    text.parse().map_err(|_| {
        bad(
            format!("kind（申报类型）“{text}”无效：应为 visit 或 study_week。"),
            format!("kind: \"{text}\" is neither visit nor study_week"),
        )
    })
}

fn date_of(text: &str) -> ApiResult<Date> {
    text.parse().map_err(|_| bad("on（日期）：不是日期（年-月-日）。", "on: not a date (YYYY-MM-DD)"))
}

fn note_of(text: &str) -> ApiResult<String> {
    let note = text.trim();
    if note.chars().count() > NOTE_CHARS {
        return Err(bad(
            format!("note（说明）：最多 {NOTE_CHARS} 个字。"),
            format!("note: at most {NOTE_CHARS} characters"),
        ));
    }
    Ok(note.to_string())
}

/// A multipart claim: the same fields as the JSON, and `photo`.
async fn from_multipart(state: &AppState, mut multipart: Multipart) -> ApiResult<(ClaimBody, Option<Photo>)> {
    let max = state.settings().photo_max_bytes;
    let unreadable = |e: String| bad("表单无法读取，请重新提交。", format!("form: {e}"));
    let (mut kind, mut household, mut on, mut note, mut photo) = (None, None, None, String::new(), None);
    let mut too_large = false;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            // The body was cut off past its limit while a photo was read.
            Err(_) if too_large => break,
            Err(e) => return Err(unreadable(e.to_string())),
        };
        let name = field.name().unwrap_or_default().to_string();
        if name == "photo" {
            match read_file(field, "photo", max).await? {
                FileField::Empty => {}
                FileField::TooLarge => too_large = true,
                FileField::Image(content_type, bytes) => {
                    photo = Some(Photo { content_type: content_type.to_string(), bytes });
                }
            }
            continue;
        }
        let text = field.text().await.map_err(|e| unreadable(format!("{name}: {e}")))?;
        match name.as_str() {
            "kind" => kind = Some(text),
            "household_id" if !text.trim().is_empty() => {
                household = Some(
                    text.trim()
                        .parse()
                        .map_err(|_| bad("household_id（农户编号）：不是数字。", "household_id: not a number"))?,
                );
            }
            "household_id" => {}
            "on" => on = Some(text),
            "note" => note = text,
            other => {
                return Err(bad(format!("表单中没有“{other}”这一项。"), format!("{other}: no such field")));
            }
        }
    }
    if too_large {
        return Err(Problem::new("payload.too_large", too_large_why(max)));
    }
    let kind = kind.ok_or_else(|| bad("kind（申报类型）：未填写。", "kind: missing"))?;
    let on = on.ok_or_else(|| bad("on（日期）：未填写。", "on: missing"))?;
    Ok((ClaimBody { kind, household_id: household, on, note }, photo))
}

/// What tells a retried claim from another under the same key: what it
/// claims, photo included, however it was sent (JSON or a form, whose
/// boundaries differ from one send to the next).
fn same_claim(filing: &Filing) -> String {
    let photo = filing.photo.as_ref().map(|p| crate::security::sha256_hex(&p.bytes)).unwrap_or_default();
    let household = filing.household.map(|h| h.to_string()).unwrap_or_default();
    let line = format!("{}\n{household}\n{}\n{}\n{photo}", filing.kind.as_str(), filing.on, filing.note);
    idempotency::request_hash("POST /api/v1/claims", line.as_bytes())
}

/// `POST /api/v1/claims`: the caller, a member, files a claim about their
/// own work, as on /claims; it waits for a reviewer (no points yet).
pub async fn file(State(state): State<AppState>, caller: Caller, request: Request) -> ApiResult<Response> {
    caller.require_scope(Scope::Record)?;
    let key = idempotency::optional_key(request.headers())?;
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    let (body, photo) = if multipart {
        let form = Multipart::from_request(request, &state)
            .await
            .map_err(|e| bad("表单无法读取，请重新提交。", format!("form: {}", e.body_text())))?;
        from_multipart(&state, form).await?
    } else {
        let bytes = Bytes::from_request(request, &state)
            .await
            .map_err(|e| bad("请求体无法读取。", format!("body: {}", e.body_text())))?;
        (super::parse_json::<ClaimBody>(&bytes)?, None)
    };
    let filing = Filing {
        kind: kind_of(&body.kind)?,
        household: body.household_id,
        on: date_of(&body.on)?,
        note: note_of(&body.note)?,
        photo,
    };
    let request = same_claim(&filing);
    let mut tx = caller.write(&state).await?;
    if let Some(replayed) = idempotency::replay_if_keyed(&mut tx, &caller, key.as_deref(), &request).await? {
        return Ok(replayed);
    }
    let id = claims::file(&mut tx, &caller.account, filing, quota(&state), now()).await?;
    let claim = tx.claim(caller.account.community_id, id).await?;
    idempotency::commit_answer(tx, &caller, key, request, StatusCode::CREATED, claim_json(&claim)).await
}

/// `POST /api/v1/claims/{id}/withdrawal`: the claimant withdraws their own
/// pending claim, as on /claims.
pub async fn withdraw(State(state): State<AppState>, caller: Caller, Path(id): Path<i64>) -> ApiResult<Response> {
    caller.require_scope(Scope::Record)?;
    let mut tx = caller.write(&state).await?;
    claims::cancel(&mut tx, &caller.account, id, now()).await?;
    let claim = tx.claim(caller.account.community_id, id).await?;
    tx.commit().await?;
    Ok(super::json(StatusCode::OK, &claim_json(&claim)))
}
