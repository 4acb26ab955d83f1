//! A file the browser saves rather than shows (a PDF, a seal, a receipt).

use axum::body::Body;
use axum::http::header;
use axum::response::{IntoResponse, Response};

/// `body` as an attachment named `filename`: an ASCII name for old
/// browsers and the full (Chinese) one by RFC 6266; never cached, since
/// what is downloaded is the signed-in person's.
pub fn download(content_type: &'static str, filename: &str, body: impl Into<Body>) -> Response {
    let ascii: String = filename.chars().filter(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c)).collect();
    let encoded: String = filename
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }
        })
        .collect();
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        body.into(),
    )
        .into_response()
}
