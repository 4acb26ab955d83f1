//! Changing one's password: required at first sign-in. The page parses
//! and renders; the rules (the current password checked again and guesses
//! counted, every session ended) are `app::passwords`.

use crate::error::{WebResult, render};
use crate::html::login::{LOCKOUT_SECONDS, MAX_FAILURES};
use crate::page::Page;
use crate::proof::CheckedForm;
use crate::session::{Holder, SESSION_COOKIE, SESSION_SECONDS, set_cookie};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use starledger_app::AppError;
use starledger_app::passwords::{self, Changed, Continuing, Guessing};

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
    // Typing the new password twice is the form's own check; the rest are
    // the account's rules (app::passwords).
    if form.new != form.repeat {
        return refuse("两次输入的新密码不一致 / the new passwords differ".into());
    }
    let guessing = Guessing { max_failures: MAX_FAILURES, lockout_seconds: LOCKOUT_SECONDS };
    let continuing = Continuing { seconds: SESSION_SECONDS, origin: &viewer.ip };
    let now = crate::session::now();
    let changed =
        passwords::change(state.store(), &viewer.principal, form.current, form.new, now, guessing, continuing);
    match changed.await {
        Ok(Changed::Done { session }) => {
            let cookie = set_cookie(SESSION_COOKIE, &session, SESSION_SECONDS, state.config().secure_cookies);
            Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/")).into_response())
        }
        Ok(Changed::WrongPassword { locked: true }) => Ok(Redirect::to("/login").into_response()),
        Ok(Changed::WrongPassword { locked: false }) => refuse(viewer.t.get("bad_login").to_string()),
        Err(AppError::Invalid(why)) => refuse(format!("{} / {}", why.zh, why.en)),
        Err(error) => Err(error.into()),
    }
}
