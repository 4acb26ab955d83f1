//! `Idempotency-Key`: every API request that writes points carries one. The
//! first answer is kept with the key, in the same transaction as the write,
//! under the community's write lock; a retry with the same key and the same
//! request gets that answer again and writes nothing, even when the retries
//! race each other (they wait for the lock, then find the kept answer). The
//! same key with another request is refused. A refused write keeps nothing:
//! its retry is judged again. Creations that write no points (a claim, a
//! household, an integrity record) take a key when the client sends one
//! ([`optional_key`]), so a phone retrying on a weak network files once.

use super::auth::Caller;
use super::problem::{ApiResult, Problem};
use crate::error::Why;
use crate::security::sha256_hex;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use starledger_store::{ApiTokenQueries, KeptAnswer, WriteTx};

pub const HEADER: &str = "idempotency-key";
/// The header a replayed answer carries.
pub const REPLAYED: &str = "idempotent-replayed";
/// The longest key taken.
pub const MAX_KEY_CHARS: usize = 200;

/// What every write that creates points starts with: the caller may
/// record, the request's key, the hash that tells a retry from another
/// request under the same key, and the JSON body read.
pub struct Keyed<T> {
    pub key: String,
    pub request: String,
    pub input: T,
}

/// Checks the scope and the key and reads the body of `line` (the method
/// and path, e.g. `POST /api/v1/entries`), in that order.
pub fn keyed<T: serde::de::DeserializeOwned>(
    caller: &Caller,
    headers: &HeaderMap,
    line: &str,
    body: &[u8],
) -> ApiResult<Keyed<T>> {
    caller.require_scope(starledger_app::api_tokens::Scope::Record)?;
    let key = key(headers)?;
    let request = request_hash(line, body);
    let input = super::parse_json(body)?;
    Ok(Keyed { key, request, input })
}

/// The request's key: 1 to 200 visible ASCII characters.
pub fn key(headers: &HeaderMap) -> ApiResult<String> {
    let key = headers.get(HEADER).and_then(|v| v.to_str().ok()).map(str::trim).unwrap_or_default();
    if key.is_empty() || key.len() > MAX_KEY_CHARS || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Problem::new(
            "idempotency.key_missing",
            Why::new(
                format!(
                    "记入积分的请求须带 Idempotency-Key 请求头（1 到 {MAX_KEY_CHARS} 个可见 ASCII 字符，如 UUID）。"
                ),
                format!(
                    "a request that writes points needs an Idempotency-Key header (1 to {MAX_KEY_CHARS} visible ASCII characters, e.g. a UUID)"
                ),
            ),
        ));
    }
    Ok(key.to_string())
}

/// The request's key if it carries one: for creations that write no
/// points, where a key is welcome and not required. A header that is there
/// must still be a key.
pub fn optional_key(headers: &HeaderMap) -> ApiResult<Option<String>> {
    if headers.get(HEADER).is_none() {
        return Ok(None);
    }
    key(headers).map(Some)
}

/// The kept answer for an optional key (see [`replay`]); nothing without one.
pub async fn replay_if_keyed(
    tx: &mut WriteTx,
    caller: &Caller,
    key: Option<&str>,
    request: &str,
) -> ApiResult<Option<Response>> {
    match key {
        Some(key) => replay(tx, caller, key, request).await,
        None => Ok(None),
    }
}

/// Commits and answers; with a key, keeps the answer with it in the same
/// transaction (see [`keep_and_commit`]).
pub async fn commit_answer(
    tx: WriteTx,
    caller: &Caller,
    key: Option<String>,
    request: String,
    status: StatusCode,
    body: serde_json::Value,
) -> ApiResult<Response> {
    match key {
        Some(key) => keep_and_commit(tx, caller, &key, request, status, body).await,
        None => {
            tx.commit().await?;
            Ok(super::json(status, &body))
        }
    }
}

/// What identifies a request for its key: its method, path and body.
pub fn request_hash(line: &str, body: &[u8]) -> String {
    let mut text = format!("{line}\n");
    text.push_str(&String::from_utf8_lossy(body));
    sha256_hex(&text)
}

/// The kept answer for this key, replayed, if the key was used for this
/// request; a refusal if it was used for another.
pub async fn replay(tx: &mut WriteTx, caller: &Caller, key: &str, request: &str) -> ApiResult<Option<Response>> {
    let Some(kept) = tx.kept_answer(caller.account.id, key).await? else { return Ok(None) };
    if kept.request_sha256 != request {
        return Err(Problem::new(
            "idempotency.key_reused",
            Why::new(
                "此 Idempotency-Key 已用于另一个请求；新的请求请使用新的 Idempotency-Key。",
                "this Idempotency-Key was used for a different request; use a new key for a new request",
            ),
        ));
    }
    let status = StatusCode::from_u16(kept.status).unwrap_or(StatusCode::OK);
    let mut response = (status, kept.body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response.headers_mut().insert(REPLAYED, HeaderValue::from_static("true"));
    Ok(Some(response))
}

/// Keeps the answer with the key, commits the write and the answer
/// together, and answers.
pub async fn keep_and_commit(
    mut tx: WriteTx,
    caller: &Caller,
    key: &str,
    request: String,
    status: StatusCode,
    body: serde_json::Value,
) -> ApiResult<Response> {
    let answer = KeptAnswer { request_sha256: request, status: status.as_u16(), body: body.to_string() };
    tx.keep_answer(caller.account.id, key, Some(caller.token_id), &answer, crate::session::now()).await?;
    tx.commit().await?;
    Ok(super::json(status, &body))
}
