//! The language switch: a cookie, then back to the page the visitor was on.

use crate::session::{LANG_COOKIE, set_cookie};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};

pub async fn switch(State(state): State<AppState>, Path(code): Path<String>, headers: HeaderMap) -> Response {
    let value = if code == "en" { "en" } else { "zh" };
    // Only a path on this site is followed back, never another host.
    let back = headers
        .get(header::REFERER)
        .and_then(|r| r.to_str().ok())
        .and_then(|r| r.split_once("://").map(|(_, rest)| rest))
        .and_then(|rest| rest.find('/').map(|i| rest[i..].to_string()))
        .filter(|path| is_local_path(path))
        .unwrap_or_else(|| "/".into());
    let cookie = set_cookie(LANG_COOKIE, value, 365 * 24 * 3600, state.config().secure_cookies);
    ([(header::SET_COOKIE, cookie)], Redirect::to(&back)).into_response()
}

/// A path on this site: one leading slash, and nothing a browser could read
/// as the start of another host (`//`, a backslash, control characters).
fn is_local_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && !path.contains('\\')
        && !path.chars().any(|c| c.is_control() || c.is_whitespace())
}

pub async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../static/app.css"),
    )
        .into_response()
}
