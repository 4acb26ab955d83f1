//! Sign-in: a password checked with argon2id, at most five wrong tries per
//! account and address before that pair is locked for 15 minutes (the owner
//! elsewhere still signs in), a per-address rate limit, an account-wide
//! lock only after many failures from many addresses, and a fresh session
//! (with its own CSRF token) on success. Every attempt is audited, except
//! that throttled ones are counted: the first of a window is recorded.

use crate::error::{WebResult, render};
use crate::limits::Verdict;
use crate::page::Page;
use crate::proof::CheckedForm;
use crate::security::{dummy_hash, random_token, sha256_hex, verify_password_blocking};
use crate::session::{
    FORM_COOKIE, SESSION_COOKIE, SESSION_SECONDS, Visitor, actor_label, device_cookie, form_token, now, safe_next,
    set_cookie,
};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use starledger_app::household_origins::Origin;
use starledger_domain::regions::Principal;
use starledger_store::AccessQueries;

/// Wrong passwords per account and address before that pair is locked.
pub const MAX_FAILURES: i64 = 5;
pub const LOCKOUT_SECONDS: i64 = 15 * 60;
/// Wrong passwords from anywhere before the account itself is locked: a
/// guesser needs twenty addresses to reach it (each gets five), and the
/// owner is then helped by the committee's password reset.
pub const ACCOUNT_MAX_FAILURES: i64 = 100;
/// The longest login name taken (logins are short pinyin names); a longer
/// one is refused before any lookup, and never stored whole.
pub const MAX_LOGIN_CHARS: usize = 64;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    page: Page,
    form_token: String,
    login: String,
    message: Option<&'static str>,
    /// Where to go after signing in (a checked local path), if anywhere.
    next: Option<String>,
}

fn login_page(
    visitor: &Visitor,
    login: String,
    message: Option<&'static str>,
    status: StatusCode,
    secure: bool,
    next: Option<String>,
) -> WebResult<Response> {
    let (token, new_cookie) = form_token(visitor);
    let page = Page::public(visitor.t, "login");
    let body = render(LoginPage { page, form_token: token, login, message, next })?;
    let mut response = (status, body).into_response();
    if let Some(value) = new_cookie
        && let Ok(header) = set_cookie(FORM_COOKIE, &value, 3600, secure).parse()
    {
        response.headers_mut().append(header::SET_COOKIE, header);
    }
    if let (_, Some(header)) = device_cookie(visitor, secure) {
        response.headers_mut().append(header::SET_COOKIE, header);
    }
    Ok(response)
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(query): Query<NextQuery>,
) -> WebResult<Response> {
    let next = query.next.as_deref().and_then(safe_next);
    if visitor.holder.is_some() {
        return Ok(Redirect::to(next.as_deref().unwrap_or("/")).into_response());
    }
    login_page(&visitor, String::new(), None, StatusCode::OK, state.config().secure_cookies, next)
}

#[derive(Deserialize)]
pub struct LoginForm {
    login: String,
    password: String,
    #[serde(default)]
    next: Option<String>,
}

pub async fn submit(
    State(state): State<AppState>,
    visitor: Visitor,
    CheckedForm(form): CheckedForm<LoginForm>,
) -> WebResult<Response> {
    let t = visitor.t;
    let secure = state.config().secure_cookies;
    let login = form.login.trim().to_lowercase();
    let now = now();
    let next = form.next.as_deref().and_then(safe_next);
    let typed: String = form.login.chars().take(MAX_LOGIN_CHARS).collect();
    let refuse = |key: &'static str, status| {
        state.metrics().sign_in_refused(match key {
            "too_many" => "throttled",
            "locked" => "locked",
            _ => "wrong",
        });
        login_page(&visitor, typed.clone(), Some(t.get(key)), status, secure, next.clone())
    };
    let shown: String = login.chars().take(MAX_LOGIN_CHARS).collect();
    match state.limits().login_by_ip.check(&visitor.ip) {
        Verdict::Allowed => {}
        verdict => {
            // The first refusal of a window is recorded; the rest are only
            // counted, so a flood cannot grow the audit log.
            if verdict == Verdict::FirstRefusal {
                let detail = format!("{shown} from {}; further attempts this minute are not recorded", visitor.ip);
                audit_attempt(&state, &visitor, None, "login.throttled", &detail).await?;
            }
            return refuse("too_many", StatusCode::TOO_MANY_REQUESTS);
        }
    }
    if login.chars().count() > MAX_LOGIN_CHARS || form.password.chars().count() > crate::fields::PASSWORD {
        audit_attempt(&state, &visitor, None, "login.unknown", &format!("{shown}… (too long) from {}", visitor.ip))
            .await?;
        return refuse("bad_login", StatusCode::UNAUTHORIZED);
    }
    let credentials = state.store().read().await?.credentials(&login).await?;
    let Some(credentials) = credentials else {
        // Spend the same effort as a real check, so timing tells nothing.
        verify_password_blocking(form.password, dummy_hash().to_string()).await;
        audit_attempt(&state, &visitor, None, "login.unknown", &format!("{login} from {}", visitor.ip)).await?;
        return refuse("bad_login", StatusCode::UNAUTHORIZED);
    };
    let account = &credentials.principal;
    // This account from this address: the attempt is counted before the
    // password is checked, so concurrent guesses cannot slip past the limit.
    let pair = format!("{}@{}", account.id(), visitor.ip);
    let failures = &state.limits().login_failures;
    let locked_here = failures.check(&pair) != Verdict::Allowed;
    if locked_here || credentials.locked_until.is_some_and(|until| until > now) {
        audit_attempt(&state, &visitor, Some(account), "login.locked", &format!("from {}", visitor.ip)).await?;
        return refuse("locked", StatusCode::TOO_MANY_REQUESTS);
    }
    // The hash is checked before the write lock is taken: argon2 is slow.
    let stored = credentials.password_hash.clone().unwrap_or_default();
    if !verify_password_blocking(form.password, stored).await {
        let locked = failures.count(&pair) >= MAX_FAILURES as u32;
        let mut tx = visitor.write(&state).await?;
        let everywhere = tx.record_failed_login(account.id(), ACCOUNT_MAX_FAILURES, now + LOCKOUT_SECONDS).await?;
        let detail = format!(
            "wrong password from {}{}",
            visitor.ip,
            if everywhere {
                "; account locked everywhere"
            } else if locked {
                "; locked from this address"
            } else {
                ""
            }
        );
        tx.audit(account.community_id(), &actor_label(account), "login.failed", &detail).await?;
        tx.commit().await?;
        return refuse(if locked || everywhere { "locked" } else { "bad_login" }, StatusCode::UNAUTHORIZED);
    }
    failures.clear(&pair);
    let session = random_token();
    let (device, new_device) = device_cookie(&visitor, secure);
    let mut tx = visitor.write(&state).await?;
    tx.create_session(&sha256_hex(&session), account.id(), &random_token(), now, now + SESSION_SECONDS, &visitor.ip)
        .await?;
    // Where a committee or branch secretary signed in from, as keyed
    // hashes: the auditor's flags compare household ratings with them.
    if let Principal::Community(account) = account {
        let origin = Origin { device: Some(&device), address: &visitor.ip };
        starledger_app::household_origins::record_sign_in(&mut tx, account, origin).await?;
    }
    tx.audit(account.community_id(), &actor_label(account), "login", &format!("from {}", visitor.ip)).await?;
    tx.commit().await?;
    let cookie = set_cookie(SESSION_COOKIE, &session, SESSION_SECONDS, secure);
    // Back to the page that asked for sign-in (a check-in QR), if it named one.
    let target = match account {
        _ if credentials.must_change_password => "/password",
        Principal::Overseer(_) => "/region",
        Principal::Community(_) => next.as_deref().unwrap_or("/"),
    };
    let mut response = ([(header::SET_COOKIE, cookie)], Redirect::to(target)).into_response();
    if let Some(header) = new_device {
        response.headers_mut().append(header::SET_COOKIE, header);
    }
    Ok(response)
}

/// Refused attempts are audited too, under the account when there is one.
async fn audit_attempt(
    state: &AppState,
    visitor: &Visitor,
    account: Option<&Principal>,
    action: &str,
    detail: &str,
) -> WebResult<()> {
    let mut tx = visitor.write(state).await?;
    let (community, actor) = match account {
        Some(account) => (account.community_id(), actor_label(account)),
        None => (None, "anonymous".to_string()),
    };
    tx.audit(community, &actor, action, detail).await?;
    tx.commit().await?;
    Ok(())
}
