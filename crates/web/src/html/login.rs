//! Sign-in: a password checked with argon2id, at most five wrong tries
//! before a 15-minute lockout, a per-address rate limit, and a fresh
//! session (with its own CSRF token) on success. Every attempt is audited.

use crate::error::{WebResult, render};
use crate::page::Page;
use crate::security::{random_token, sha256_hex, verify_password_blocking};
use crate::session::{
    FORM_COOKIE, SESSION_COOKIE, SESSION_SECONDS, Visitor, check_form_token, form_token, now, set_cookie,
};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use starledger_store::AccessQueries;

const MAX_FAILURES: i64 = 5;
const LOCKOUT_SECONDS: i64 = 15 * 60;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    page: Page,
    form_token: String,
    login: String,
    message: Option<&'static str>,
}

fn login_page(
    visitor: &Visitor,
    login: String,
    message: Option<&'static str>,
    status: StatusCode,
) -> WebResult<Response> {
    let (token, new_cookie) = form_token(visitor);
    let body = render(LoginPage { page: Page::public(visitor.t, "login"), form_token: token, login, message })?;
    let mut response = (status, body).into_response();
    if let Some(value) = new_cookie
        && let Ok(header) = set_cookie(FORM_COOKIE, &value, 3600, false).parse()
    {
        response.headers_mut().append(header::SET_COOKIE, header);
    }
    Ok(response)
}

pub async fn show(visitor: Visitor) -> WebResult<Response> {
    if visitor.signed_in.is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    login_page(&visitor, String::new(), None, StatusCode::OK)
}

#[derive(Deserialize)]
pub struct LoginForm {
    csrf: String,
    login: String,
    password: String,
}

pub async fn submit(
    State(state): State<AppState>,
    visitor: Visitor,
    Form(form): Form<LoginForm>,
) -> WebResult<Response> {
    check_form_token(&visitor, &form.csrf)?;
    let t = visitor.t;
    if !state.limits().login_by_ip.allow(&visitor.ip) {
        return login_page(&visitor, form.login, Some(t.get("too_many")), StatusCode::TOO_MANY_REQUESTS);
    }
    let login = form.login.trim().to_lowercase();
    let now = now();
    let credentials = state.store().read().await?.credentials(&login).await?;
    let Some(credentials) = credentials else {
        // Spend the same effort as a real check, so timing tells nothing.
        verify_password_blocking(form.password, crate::security::dummy_hash().to_string()).await;
        return login_page(&visitor, form.login, Some(t.get("bad_login")), StatusCode::UNAUTHORIZED);
    };
    let account = &credentials.account;
    if credentials.locked_until.is_some_and(|until| until > now) {
        return login_page(&visitor, form.login, Some(t.get("locked")), StatusCode::TOO_MANY_REQUESTS);
    }
    let stored = credentials.password_hash.clone().unwrap_or_default();
    let mut tx = state.store().write().await?;
    if !verify_password_blocking(form.password, stored).await {
        let failed = credentials.failed_logins + 1;
        let locked_until = (failed >= MAX_FAILURES).then_some(now + LOCKOUT_SECONDS);
        tx.record_failed_login(account.id, if locked_until.is_some() { 0 } else { failed }, locked_until).await?;
        let detail = format!("failed sign-in {failed} from {}", visitor.ip);
        tx.audit(Some(account.community_id), &format!("account:{}", account.id), "login.failed", &detail).await?;
        tx.commit().await?;
        let message = if locked_until.is_some() { t.get("locked") } else { t.get("bad_login") };
        return login_page(&visitor, form.login, Some(message), StatusCode::UNAUTHORIZED);
    }
    let session = random_token();
    tx.create_session(&sha256_hex(&session), account.id, &random_token(), now, now + SESSION_SECONDS, &visitor.ip)
        .await?;
    tx.audit(Some(account.community_id), &format!("account:{}", account.id), "login", &format!("from {}", visitor.ip))
        .await?;
    tx.commit().await?;
    let cookie = set_cookie(SESSION_COOKIE, &session, SESSION_SECONDS, state.config().secure_cookies);
    let target = if credentials.must_change_password { "/password" } else { "/" };
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to(target)).into_response())
}
