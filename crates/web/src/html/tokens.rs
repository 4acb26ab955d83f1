//! My API tokens (/me/tokens): an account makes personal tokens for the
//! API (docs/api.md), each with a scope and an end, sees the secret once,
//! and revokes them. What a token may be given is the application layer's
//! rule ([`api_tokens::scopes_for`]).

use crate::calendar::local;
use crate::error::{WebError, WebResult, render};
use crate::page::Page;
use crate::proof::CheckedForm;
use crate::security::{random_token, sha256_hex};
use crate::session::{CsrfForm, SignedIn, now};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use starledger_app::api_tokens::{self, NewToken, Scope};
use starledger_store::ApiTokenQueries;

struct TokenRow {
    id: i64,
    name: String,
    scope: &'static str,
    expires: String,
    last_used: String,
    live: bool,
    state: &'static str,
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    page: Page,
    scopes: Vec<(&'static str, &'static str)>,
    tokens: Vec<TokenRow>,
    /// The secret of the token just made: shown this once.
    secret: Option<String>,
}

async fn page(state: &AppState, viewer: &SignedIn, secret: Option<String>) -> WebResult<TokensPage> {
    let t = viewer.t;
    let now = now();
    let tokens = state.store().read().await?.api_tokens_of(viewer.account.id).await?;
    let label = |scope: Scope| t.get(if scope == Scope::Record { "scope_record" } else { "scope_read" });
    let rows = tokens
        .into_iter()
        .map(|tk| {
            let (live, state) = match (tk.revoked_at, tk.expires_at > now) {
                (Some(_), _) => (false, t.get("token_revoked")),
                (None, false) => (false, t.get("token_expired")),
                (None, true) => (true, ""),
            };
            TokenRow {
                id: tk.id,
                name: tk.name,
                scope: label(Scope::of_stored(&tk.scopes)),
                expires: local(tk.expires_at),
                last_used: tk.last_used_at.map(local).unwrap_or_else(|| t.get("token_never_used").to_string()),
                live,
                state,
            }
        })
        .collect();
    let scopes = api_tokens::scopes_for(viewer.account.role).iter().map(|s| (s.key(), label(*s))).collect();
    Ok(TokensPage { page: Page::signed_in(viewer, "tokens_title"), scopes, tokens: rows, secret })
}

/// `GET /me/tokens`
pub async fn show(State(state): State<AppState>, viewer: SignedIn) -> WebResult<Response> {
    Ok(render(page(&state, &viewer, None).await?)?.into_response())
}

#[derive(Deserialize)]
pub struct TokenForm {
    name: String,
    scope: String,
    days: String,
}

/// `POST /me/tokens`: makes a token and shows its secret, once.
pub async fn create(
    State(state): State<AppState>,
    viewer: SignedIn,
    CheckedForm(form): CheckedForm<TokenForm>,
) -> WebResult<Response> {
    crate::fields::at_most("name", &form.name, api_tokens::MAX_NAME_CHARS)?;
    let scope = Scope::parse(form.scope.trim())?;
    let days: i64 = form.days.trim().parse().map_err(|_| {
        WebError::BadRequest(crate::error::Why::new(
            format!("有效天数须是 1 到 {} 的整数。", api_tokens::MAX_DAYS),
            format!("days must be a whole number from 1 to {}", api_tokens::MAX_DAYS),
        ))
    })?;
    let secret = format!("{}{}", api_tokens::SECRET_PREFIX, random_token());
    let hash = sha256_hex(&secret);
    let mut tx = viewer.write(&state).await?;
    let new = NewToken { name: &form.name, scope, days, secret_sha256: &hash };
    api_tokens::create(&mut tx, &viewer.account, new, now()).await?;
    tx.commit().await?;
    // Shown in the answer to the form, never stored nor put in a link.
    let shown = page(&state, &viewer, Some(secret)).await?;
    Ok((StatusCode::CREATED, render(shown)?).into_response())
}

/// `POST /me/tokens/{id}/revoke`
pub async fn revoke(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<i64>,
    CheckedForm(_): CheckedForm<CsrfForm>,
) -> WebResult<Response> {
    let mut tx = viewer.write(&state).await?;
    api_tokens::revoke(&mut tx, &viewer.account, id, now()).await?;
    tx.commit().await?;
    Ok(Redirect::to("/me/tokens").into_response())
}
