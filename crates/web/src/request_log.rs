//! Every request carries an id: in the span its handling (and any error it
//! logs) runs in, and back to the browser as `X-Request-Id`, so a person who
//! reports "服务器出错" can be matched with the log line. A server error is
//! logged with its id, method and path. A household's link and a check-in
//! code are secrets that open a page without an account: paths never carry
//! them into the log.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

pub const HEADER: &str = "x-request-id";

pub async fn with_request_id(request: Request, next: Next) -> Response {
    let id = crate::security::random_token()[..16].to_string();
    let span =
        tracing::info_span!("request", id = %id, method = %request.method(), path = %redacted(request.uri().path()));
    let mut response = next.run(request).instrument(span.clone()).await;
    let status = response.status();
    span.in_scope(|| {
        if status.is_server_error() {
            tracing::error!(%status, "answered with a server error");
        } else {
            tracing::debug!(%status, "answered");
        }
    });
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(HEADER, value);
    }
    response
}

/// The path with any secret segment (a household's link token, a meeting's
/// or an activity's check-in code) replaced by `…`.
pub fn redacted(path: &str) -> String {
    let mut parts: Vec<&str> = path.split('/').collect();
    for i in 1..parts.len() {
        let secret_follows = matches!(parts[i - 1], "r" | "checkin") && (i == 2 || parts[i - 1] == "checkin");
        if secret_follows && !parts[i].is_empty() {
            parts[i] = "…";
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::redacted;

    #[test]
    fn secrets_in_paths_are_not_logged() {
        assert_eq!(redacted("/r/abcdef0123/notice"), "/r/…/notice");
        assert_eq!(redacted("/r/abcdef0123"), "/r/…");
        assert_eq!(redacted("/checkin/00ff"), "/checkin/…");
        assert_eq!(redacted("/activities/checkin/00ff"), "/activities/checkin/…");
        assert_eq!(redacted("/claims/7/decide"), "/claims/7/decide");
        assert_eq!(redacted("/rating/2025/publish"), "/rating/2025/publish");
        assert_eq!(redacted("/"), "/");
    }
}
