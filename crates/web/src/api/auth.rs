//! Who calls the API: a personal token in `Authorization: Bearer …`, and
//! nothing else. Cookies are not read here, so a page in another tab (or
//! another site) cannot make the browser act through the API; that is why
//! the API needs no CSRF token (docs/security.md).

use super::problem::{ApiResult, Problem};
use crate::error::Why;
use crate::limits::Verdict;
use crate::security::sha256_hex;
use crate::session::now;
use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use starledger_app::api_tokens::{self, Scope};
use starledger_domain::org::{Account, Role};
use std::net::SocketAddr;

/// The account a token acts for, and what the token allows.
pub struct Caller {
    pub account: Account,
    pub token_id: i64,
    pub scope: Scope,
    pub ip: String,
}

impl Caller {
    /// Refuses a token whose scope is narrower than `scope`.
    pub fn require_scope(&self, scope: Scope) -> ApiResult<()> {
        if scope == Scope::Record && self.scope != Scope::Record {
            return Err(Problem::new(
                "scope.insufficient",
                Why::new(
                    "此令牌只能读取；记入或冲销积分须使用有记入权限的令牌。",
                    "this token may read only; recording needs a token with the record scope",
                ),
            ));
        }
        Ok(())
    }

    /// Refuses an account whose role may not read this (as the page does).
    pub fn require_role(&self, roles: &[Role]) -> ApiResult<()> {
        if roles.contains(&self.account.role) {
            return Ok(());
        }
        let role = self.account.role;
        Err(Problem::new(
            "role.forbidden",
            Why::new(
                format!("{}账号不能读取此内容。", role.label_zh()),
                format!("a {} account may not read this", role.as_str().replace('_', " ")),
            ),
        ))
    }

    /// A write transaction in the caller's community, its audit rows
    /// naming where the request came from.
    pub async fn write(&self, state: &AppState) -> ApiResult<starledger_store::WriteTx> {
        let mut tx = state.store().write_in(self.account.community_id).await?;
        tx.set_origin(&format!("api {}", self.ip));
        Ok(tx)
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let value = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        // The scheme's name is case-insensitive (RFC 9110).
        let secret = value
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, secret)| secret.trim());
        let Some(secret) = secret else {
            return Err(Problem::new(
                "auth.missing_token",
                Why::new(
                    "请在 Authorization 请求头中提供令牌：Bearer 加令牌。",
                    "send a personal token as Authorization: Bearer TOKEN",
                ),
            ));
        };
        let invalid = || {
            Problem::new(
                "auth.invalid_token",
                Why::new("令牌无效、已过期或已撤销。", "the token is unknown, expired or revoked"),
            )
        };
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0.ip().to_string())
            .unwrap_or_else(|| "unknown".into());
        // An address that sent too many bad tokens is refused before any
        // lookup: guessing costs a minute per few tries. The count is kept
        // by address only, so a flood of distinct tokens stores nothing each.
        let failures = &state.limits().api_failures_by_ip;
        if failures.count(&ip) >= failures.limit() {
            return Err(throttled_address(failures.retry_after_secs(&ip)));
        }
        let now = now();
        let holder = if !secret.starts_with(api_tokens::SECRET_PREFIX) || secret.len() > 200 {
            None
        } else {
            let mut reader = state.store().read().await?;
            api_tokens::authenticate(&mut reader, &sha256_hex(secret), now).await?
        };
        let Some(holder) = holder else {
            state.metrics().sign_in_refused("api_token");
            return Err(match failures.check(&ip) {
                Verdict::Allowed => invalid(),
                _ => throttled_address(failures.retry_after_secs(&ip)),
            });
        };
        // Each token has its own allowance, keyed by its id, never its secret.
        let key = format!("token {}", holder.token.id);
        let per_token = &state.limits().api_by_token;
        if per_token.check(&key) != Verdict::Allowed {
            let (limit, seconds) = (per_token.limit(), per_token.retry_after_secs(&key));
            return Err(Problem::too_many(
                Why::new(
                    format!("此令牌每分钟最多 {limit} 次请求，请在 {seconds} 秒后再试。"),
                    format!("this token may make {limit} requests a minute; retry in {seconds} s"),
                ),
                seconds,
            ));
        }
        if api_tokens::due_for_touch(&holder, now) {
            let mut tx = state.store().write_shared().await?;
            api_tokens::touch(&mut tx, &holder, now).await?;
            tx.commit().await?;
        }
        Ok(Caller {
            scope: Scope::of_stored(&holder.token.scopes),
            token_id: holder.token.id,
            account: holder.account,
            ip,
        })
    }
}

/// The refusal of an address past its failed authentications.
fn throttled_address(seconds: u64) -> Problem {
    Problem::too_many(
        Why::new(
            format!("此地址无效令牌过多，请在 {seconds} 秒后再试。"),
            format!("too many invalid tokens from this address; retry in {seconds} s"),
        ),
        seconds,
    )
}
