//! Changing one's password: required at first sign-in. The current password
//! is checked again; every other session of the account ends.

use crate::error::{WebError, WebResult, render};
use crate::html::login::{LOCKOUT_SECONDS, MAX_FAILURES};
use crate::page::Page;
use crate::proof::CheckedForm;
use crate::security::{hash_password_blocking, random_token, sha256_hex, verify_password_blocking};
use crate::session::{Holder, SESSION_COOKIE, SESSION_SECONDS, set_cookie};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use starledger_store::AccessQueries;

pub const MIN_PASSWORD_CHARS: usize = 10;

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    page: Page,
    must_change: bool,
    message: Option<String>,
}

pub async fn show(viewer: Holder) -> WebResult<Response> {
    let page = PasswordPage {
        page: Page::held(&viewer, "change_password"),
        must_change: viewer.must_change_password,
        message: None,
    };
    Ok(render(page)?.into_response())
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current: String,
    new: String,
    repeat: String,
}

pub async fn submit(
    State(state): State<AppState>,
    viewer: Holder,
    CheckedForm(form): CheckedForm<PasswordForm>,
) -> WebResult<Response> {
    crate::fields::at_most("current", &form.current, crate::fields::PASSWORD)?;
    crate::fields::at_most("new", &form.new, crate::fields::PASSWORD)?;
    crate::fields::at_most("repeat", &form.repeat, crate::fields::PASSWORD)?;
    let refuse = |message: String| -> WebResult<Response> {
        let page = PasswordPage {
            page: Page::held(&viewer, "change_password"),
            must_change: viewer.must_change_password,
            message: Some(message),
        };
        Ok((StatusCode::UNPROCESSABLE_ENTITY, render(page)?).into_response())
    };
    if form.new != form.repeat {
        return refuse("两次输入的新密码不一致 / the new passwords differ".into());
    }
    if form.new.chars().count() < MIN_PASSWORD_CHARS {
        return refuse(format!("新密码至少{MIN_PASSWORD_CHARS}位 / at least {MIN_PASSWORD_CHARS} characters"));
    }
    if form.new == form.current {
        return refuse("新密码不能与原密码相同 / choose a different password".into());
    }
    let credentials = state.store().read().await?.credentials(viewer.principal.login()).await?;
    let stored = credentials.and_then(|c| c.password_hash).unwrap_or_default();
    let actor = viewer.actor();
    let community = viewer.community();
    let account = viewer.principal.id();
    if !verify_password_blocking(form.current, stored).await {
        // Guessing here counts like guessing at sign-in: a stolen session
        // must not become an unlimited password oracle.
        let now = crate::session::now();
        let mut tx = viewer.write(&state).await?;
        let locked = tx.record_failed_login(account, MAX_FAILURES, now + LOCKOUT_SECONDS).await?;
        if locked {
            tx.delete_sessions_of(account).await?;
        }
        tx.audit(community, &actor, "password.change.failed", if locked { "account locked" } else { "" }).await?;
        tx.commit().await?;
        if locked {
            return Ok(Redirect::to("/login").into_response());
        }
        return refuse(viewer.t.get("bad_login").to_string());
    }
    let hash = hash_password_blocking(form.new).await.map_err(|e| WebError::Internal(e.to_string()))?;
    let now = crate::session::now();
    let session = random_token();
    let mut tx = viewer.write(&state).await?;
    tx.set_password(account, &hash, false).await?;
    // Every session ends, this one too: it continues under a new id and a
    // new CSRF token, so nothing learnt before the change still works.
    tx.delete_sessions_of(account).await?;
    tx.create_session(&sha256_hex(&session), account, &random_token(), now, now + SESSION_SECONDS, "password-change")
        .await?;
    tx.audit(community, &actor, "password.change", "").await?;
    tx.commit().await?;
    let cookie = set_cookie(SESSION_COOKIE, &session, SESSION_SECONDS, state.config().secure_cookies);
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/")).into_response())
}
