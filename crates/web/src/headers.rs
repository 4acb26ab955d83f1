//! The headers every answer carries, against what a browser could be made
//! to do with our pages:
//!
//! - `Content-Security-Policy`: scripts only from this site (`/static/app.js`;
//!   no inline script or handler), nothing from other sites, no framing
//!   (`frame-ancestors 'none'`), forms post only here. Styles may be inline
//!   (a few `style=` attributes); they cannot run code.
//! - `X-Frame-Options: DENY` for browsers older than `frame-ancestors`.
//! - `X-Content-Type-Options: nosniff`: an uploaded file is never read as a
//!   script or a page.
//! - `Cache-Control: no-store` on every page that is not a static file: a
//!   signed-in page or a household's link is not kept by the phone's or
//!   WeChat's cache for the next person holding the phone.
//!
//! A handler's own `Cache-Control` (the stylesheet's, the script's) stands.

use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    response
}

/// The pages' script: the few behaviours bound by `data-` attributes.
pub async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../static/app.js"),
    )
        .into_response()
}
