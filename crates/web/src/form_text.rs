//! A posted form must be text (issue 17). A form's decoder replaces bytes
//! that are not UTF-8 with U+FFFD and carries on, so such a body used to
//! fail later and for the wrong reason: a mangled CSRF field answered "the
//! form expired", a mangled name was kept with a replacement character in
//! it. Here, before any handler, a URL-encoded body whose decoded bytes are
//! not UTF-8 is refused with a 400 that says so, in the visitor's language.

use crate::error::{WebError, Why};
use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The most a URL-encoded form may hold: axum's own default body limit,
/// which every route posting such a form keeps (uploads are multipart and
/// are not read here).
pub const MAX_FORM_BYTES: usize = 2 * 1024 * 1024;

/// Whether a request carries a URL-encoded form.
fn is_url_encoded(request: &Request) -> bool {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"))
}

fn hex(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

/// The body with its `%XX` escapes and `+` decoded: the bytes the fields'
/// values are made of. The separators `&` and `=` are ASCII and stay, so
/// the whole is UTF-8 exactly when every name and value is.
pub fn decoded(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut index = 0;
    while index < body.len() {
        match body[index] {
            b'+' => out.push(b' '),
            b'%' => match (body.get(index + 1).copied().and_then(hex), body.get(index + 2).copied().and_then(hex)) {
                (Some(high), Some(low)) => {
                    out.push(high * 16 + low);
                    index += 2;
                }
                _ => out.push(b'%'),
            },
            byte => out.push(byte),
        }
        index += 1;
    }
    out
}

/// Refuses a URL-encoded form that is not UTF-8; passes everything else on
/// untouched (its body read once and handed on whole).
pub async fn forms_in_utf8(request: Request, next: Next) -> Response {
    if !is_url_encoded(&request) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_FORM_BYTES).await else {
        return (axum::http::StatusCode::PAYLOAD_TOO_LARGE, "表单过大。The form is too large.").into_response();
    };
    if std::str::from_utf8(&decoded(&bytes)).is_err() {
        return WebError::BadRequest(Why::new(
            "无法读取表单：提交的内容不是 UTF-8 编码的文字。请在浏览器中重新打开页面后再提交。",
            "the form could not be read: what was sent is not UTF-8 text. Open the page again in the browser and \
             send it from there.",
        ))
        .into_response();
    }
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes))).await
}

#[cfg(test)]
mod tests {
    use super::decoded;

    #[test]
    fn escapes_and_plus_are_decoded_and_a_stray_percent_kept() {
        assert_eq!(decoded(b"a=%E6%A2%81+x&b=%zz%4"), "a=梁 x&b=%zz%4".as_bytes());
        assert!(std::str::from_utf8(&decoded(b"name=%FF")).is_err());
        assert!(std::str::from_utf8(&decoded(b"a=%C3&b=%A9")).is_err());
        assert!(std::str::from_utf8(&decoded("name=梁小改".as_bytes())).is_ok());
    }
}
