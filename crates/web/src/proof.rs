//! The one check that a posted form comes from this site's own page
//! (issue 10). Every HTML handler that changes something takes its form
//! through [`CheckedForm`] or [`CheckedMultipart`], which compare the
//! form's `csrf` field with the token it must carry before the handler
//! runs; `axum::Form` and `Multipart` themselves are disallowed in this
//! crate (`clippy.toml`), so a new handler cannot read a form unchecked.
//! Which token a form must carry:
//!
//! - a handler that acts for a session holder ([`Holder`], [`SignedIn`],
//!   [`Overseeing`]) extracts it before the form, and leaves the session's
//!   token in the request ([`SessionToken`]): the form must carry that;
//! - any other (signing in, a household's link `/r/TOKEN`) has no session:
//!   the form must carry the double-submit token of the `sl_form` cookie,
//!   which another site can neither read nor send (SameSite=Lax).
//!
//! A form without the right token is refused with [`WebError::Csrf`] (403,
//! "the form expired"), before anything else of it is read. The origin of
//! every request that changes something is checked before this, for the
//! whole router, by [`crate::session::same_origin_only`].
//!
//! [`Holder`]: crate::session::Holder
//! [`SignedIn`]: crate::session::SignedIn
//! [`Overseeing`]: crate::session::Overseeing

#![allow(clippy::disallowed_types)]

use crate::error::WebError;
use crate::security::same_secret;
use crate::session::{FORM_COOKIE, cookie};
use crate::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{Form, FromRequest, Multipart, Request};
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

/// The session's form token, left in the request by the extractor of a
/// session holder for the form's check.
#[derive(Clone)]
pub(crate) struct SessionToken(pub(crate) String);

/// Whether `posted` is the token this request's form must carry.
fn proved(parts: &Parts, posted: &str) -> bool {
    match parts.extensions.get::<SessionToken>() {
        Some(SessionToken(token)) => same_secret(token, posted),
        None => cookie(&parts.headers, FORM_COOKIE).is_some_and(|token| same_secret(&token, posted)),
    }
}

fn is_url_encoded(parts: &Parts) -> bool {
    parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"))
}

/// A URL-encoded form whose token was checked; `T` is read from the same
/// body as `axum::Form` would, with its refusals, once the token is right.
/// A form whose only field is the token takes [`crate::session::CsrfForm`].
pub struct CheckedForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for CheckedForm<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Response> {
        let (parts, body) = request.into_parts();
        let bytes = Bytes::from_request(Request::from_parts(parts.clone(), body), state)
            .await
            .map_err(|e| e.into_response())?;
        let posted = if is_url_encoded(&parts) {
            form_urlencoded::parse(&bytes).find(|(name, _)| name == "csrf").map(|(_, value)| value.into_owned())
        } else {
            None
        };
        if !proved(&parts, posted.as_deref().unwrap_or_default()) {
            return Err(WebError::Csrf.into_response());
        }
        let Form(form) = Form::<T>::from_request(Request::from_parts(parts, Body::from(bytes)), state)
            .await
            .map_err(|e| e.into_response())?;
        Ok(CheckedForm(form))
    }
}

/// A multipart form (a photo, a file) whose token was checked: its first
/// field must be `csrf`, as in every such form of ours, so that no file is
/// read before the form is proved. The handler reads the fields after it.
pub struct CheckedMultipart(pub Multipart);

impl FromRequest<AppState> for CheckedMultipart {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Response> {
        let (parts, body) = request.into_parts();
        // Not a multipart body at all: nothing proves it either.
        let Ok(mut multipart) = Multipart::from_request(Request::from_parts(parts.clone(), body), state).await else {
            return Err(WebError::Csrf.into_response());
        };
        let posted = match multipart.next_field().await {
            Ok(Some(field)) if field.name() == Some("csrf") => field.text().await.ok(),
            _ => None,
        };
        match posted {
            Some(posted) if proved(&parts, &posted) => Ok(CheckedMultipart(multipart)),
            _ => Err(WebError::Csrf.into_response()),
        }
    }
}
