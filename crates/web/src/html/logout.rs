//! Signing out of this device, or of every device at once.

use crate::error::WebResult;
use crate::proof::CheckedForm;
use crate::session::{CsrfForm, Holder, SESSION_COOKIE, set_cookie};
use crate::state::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};

fn signed_out(state: &AppState) -> Response {
    let cookie = set_cookie(SESSION_COOKIE, "", 0, state.config().secure_cookies);
    ([(header::SET_COOKIE, cookie)], Redirect::to("/login")).into_response()
}

pub async fn here(
    State(state): State<AppState>,
    viewer: Holder,
    CheckedForm(_): CheckedForm<CsrfForm>,
) -> WebResult<Response> {
    let mut tx = viewer.write(&state).await?;
    tx.delete_session(&viewer.session_hash).await?;
    tx.audit(viewer.community(), &viewer.actor(), "logout", "").await?;
    tx.commit().await?;
    Ok(signed_out(&state))
}

pub async fn everywhere(
    State(state): State<AppState>,
    viewer: Holder,
    CheckedForm(_): CheckedForm<CsrfForm>,
) -> WebResult<Response> {
    let mut tx = viewer.write(&state).await?;
    let ended = tx.delete_sessions_of(viewer.principal.id()).await?;
    let detail = format!("{ended} sessions ended");
    tx.audit(viewer.community(), &viewer.actor(), "logout.everywhere", &detail).await?;
    tx.commit().await?;
    Ok(signed_out(&state))
}
