//! Who is asking. A session cookie (HttpOnly, SameSite=Lax, Secure behind
//! HTTPS) names a session row by its hash; every form carries the session's
//! CSRF token, and requests that change things must come from our origin.

use crate::error::{WebError, Why};
use crate::i18n::{Lang, Tr};
use crate::security::{random_token, sha256_hex};
use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use starledger_domain::org::{Account, CommunityId, Role};
use starledger_domain::regions::{Overseer, Principal};
use starledger_store::AccessQueries;
use std::net::SocketAddr;

pub const SESSION_COOKIE: &str = "sl_session";
pub const FORM_COOKIE: &str = "sl_form";
pub const LANG_COOKIE: &str = "sl_lang";
/// A random id of the browser, set on the sign-in page and on a household's
/// link: only its keyed hash is stored, with officials' sign-ins and with
/// household ratings, so that the auditor sees a rating cast from an
/// official's device (`app::household_origins`).
pub const DEVICE_COOKIE: &str = "sl_device";
/// About 400 days, the longest a browser keeps a cookie.
pub const DEVICE_SECONDS: i64 = 400 * 24 * 3600;
pub const SESSION_SECONDS: i64 = 12 * 3600;

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_string())
}

pub fn set_cookie(name: &str, value: &str, max_age: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}")
}

pub use starledger_app::clock::now;

/// How an account of a community or an overseer is named in the audit log:
/// `app::ledger::account_label`'s `account:N (login)`, as everywhere else.
pub fn actor_label(principal: &Principal) -> String {
    starledger_app::ledger::account_label(principal.id(), principal.login())
}

/// Anyone: their language, address and, if signed in, their session.
pub struct Visitor {
    pub t: Tr,
    pub ip: String,
    pub headers: HeaderMap,
    pub holder: Option<Holder>,
}

/// Whoever holds a session: an account of a community or a region's
/// overseer. Only signing out and changing a password take any holder;
/// every other page takes [`SignedIn`] (a community's account) or
/// [`Overseeing`] (a region's), never both.
#[derive(Clone)]
pub struct Holder {
    pub principal: Principal,
    pub ip: String,
    pub csrf_token: String,
    pub must_change_password: bool,
    pub session_hash: String,
    pub t: Tr,
}

impl Holder {
    /// How this account is named in the audit log.
    pub fn actor(&self) -> String {
        actor_label(&self.principal)
    }

    /// The community whose audit log records this account's acts.
    pub fn community(&self) -> Option<CommunityId> {
        self.principal.community_id()
    }

    /// A write transaction for the account's own rows (its password, its
    /// sessions), whose audit rows name this client's address.
    pub async fn write(&self, state: &AppState) -> Result<starledger_store::WriteTx, WebError> {
        let mut tx = state.store().write_shared().await?;
        tx.set_origin(&self.ip);
        Ok(tx)
    }

    fn into_signed_in(self) -> Result<SignedIn, Overseer> {
        match self.principal {
            Principal::Community(account) => Ok(SignedIn {
                account,
                ip: self.ip,
                csrf_token: self.csrf_token,
                must_change_password: self.must_change_password,
                t: self.t,
            }),
            Principal::Overseer(overseer) => Err(overseer),
        }
    }
}

/// A signed-in account of one community, with what its forms need.
#[derive(Clone)]
pub struct SignedIn {
    pub account: Account,
    /// The client's address, for the audit log.
    pub ip: String,
    pub csrf_token: String,
    pub must_change_password: bool,
    pub t: Tr,
}

/// The form of an action whose only field is the CSRF token, which
/// [`crate::proof::CheckedForm`] checks before the handler runs.
#[derive(serde::Deserialize)]
pub struct CsrfForm {}

impl SignedIn {
    /// How this account is named in the audit log.
    pub fn actor(&self) -> String {
        starledger_app::ledger::actor_label(&self.account)
    }
    /// A write transaction in the account's community, holding its lock
    /// from the first statement; its audit rows name this client's address.
    pub async fn write(&self, state: &AppState) -> Result<starledger_store::WriteTx, WebError> {
        let mut tx = state.store().write_in(self.account.community_id).await?;
        tx.set_origin(&self.ip);
        Ok(tx)
    }

    pub fn is(&self, role: Role) -> bool {
        self.account.role == role
    }

    pub fn require(&self, roles: &[Role]) -> Result<(), WebError> {
        if roles.contains(&self.account.role) {
            Ok(())
        } else {
            let role = self.account.role;
            Err(WebError::Forbidden(Why::new(
                format!("{}账号不能打开此页面。", role.label_zh()),
                format!("a {} account may not open this page", role.as_str().replace('_', " ")),
            )))
        }
    }
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let t = Tr(Lang::from_cookie(cookie(&parts.headers, LANG_COOKIE).as_deref()));
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0.ip().to_string())
            .unwrap_or_else(|| "unknown".into());
        let holder = match cookie(&parts.headers, SESSION_COOKIE) {
            Some(value) => {
                let hash = sha256_hex(&value);
                let session = state.store().read().await?.session(&hash, now()).await?;
                session.map(|s| Holder {
                    principal: s.principal,
                    ip: ip.clone(),
                    csrf_token: s.csrf_token,
                    must_change_password: s.must_change_password,
                    session_hash: hash,
                    t,
                })
            }
            None => None,
        };
        Ok(Visitor { t, ip, headers: parts.headers.clone(), holder })
    }
}

impl Visitor {
    /// A write transaction touching no community's rows (a sign-in attempt),
    /// whose audit rows name this client's address.
    pub async fn write(&self, state: &AppState) -> Result<starledger_store::WriteTx, WebError> {
        let mut tx = state.store().write_shared().await?;
        tx.set_origin(&self.ip);
        Ok(tx)
    }

    /// A write transaction in a community a household's link leads to. Its
    /// audit rows name no address: a household's address is kept only as a
    /// keyed hash with its rating (docs/privacy.md).
    pub async fn write_in(
        &self,
        state: &AppState,
        community: CommunityId,
    ) -> Result<starledger_store::WriteTx, WebError> {
        let mut tx = state.store().write_in(community).await?;
        tx.set_origin("household link");
        Ok(tx)
    }
}

/// Pages behind sign-in: a visitor without a session is sent to the sign-in
/// page, and one who must change their password to that page first.
pub enum SignInRequired {
    /// To the sign-in page, and back to this page after it when it is one a
    /// member reaches from a QR code or the work group (see [`return_path`]).
    Login(Option<String>),
    ChangePassword,
    /// An overseer's home is the region's page.
    RegionHome,
    Failed(WebError),
}

impl IntoResponse for SignInRequired {
    fn into_response(self) -> Response {
        match self {
            SignInRequired::Login(None) => Redirect::to("/login").into_response(),
            SignInRequired::Login(Some(next)) => {
                Redirect::to(&format!("/login?next={}", percent_encode(&next))).into_response()
            }
            SignInRequired::ChangePassword => Redirect::to("/password").into_response(),
            SignInRequired::RegionHome => Redirect::to("/region").into_response(),
            SignInRequired::Failed(error) => error.into_response(),
        }
    }
}

impl FromRequestParts<AppState> for Holder {
    type Rejection = SignInRequired;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let visitor = Visitor::from_request_parts(parts, state).await.map_err(SignInRequired::Failed)?;
        let holder = visitor.holder.ok_or_else(|| SignInRequired::Login(return_path(parts)))?;
        let path = parts.uri.path();
        let allowed_before_change = ["/password", "/logout", "/logout/everywhere"];
        if holder.must_change_password && !allowed_before_change.contains(&path) {
            return Err(SignInRequired::ChangePassword);
        }
        // The token this holder's forms must carry, for `proof::CheckedForm`.
        parts.extensions.insert(crate::proof::SessionToken(holder.csrf_token.clone()));
        Ok(holder)
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = SignInRequired;

    /// A community's page: a region's overseer is refused here, whatever
    /// the page, because it may see no community's members, households or
    /// raters; only its home is redirected to the region's page.
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let holder = Holder::from_request_parts(parts, state).await?;
        holder.into_signed_in().map_err(|overseer| {
            if parts.uri.path() == "/" {
                SignInRequired::RegionHome
            } else {
                SignInRequired::Failed(WebError::Forbidden(Why::new(
                    "区域账号只能查看区域汇总数据，不能打开社区的页面。",
                    format!(
                        "{} oversees a region: it sees the region's figures, not a community's pages",
                        overseer.login
                    ),
                )))
            }
        })
    }
}

/// A region's page: only an overseer, and only of its own region's subtree.
pub struct Overseeing {
    pub overseer: Overseer,
    pub holder: Holder,
}

impl FromRequestParts<AppState> for Overseeing {
    type Rejection = SignInRequired;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let holder = Holder::from_request_parts(parts, state).await?;
        match &holder.principal {
            Principal::Overseer(overseer) => Ok(Overseeing { overseer: overseer.clone(), holder }),
            Principal::Community(account) => Err(SignInRequired::Failed(WebError::Forbidden(Why::new(
                "区域汇总数据只供上级组织查看。",
                format!("{} acts in one community; a region's figures are for its overseers", account.login),
            )))),
        }
    }
}

/// Requests that change state must not come from another site: when the
/// browser says where the request came from, it must be this host.
///
/// A browser says `Origin: null` when the page's referrer policy withholds
/// its origin (WeChat's browser and Chromium do with `no-referrer`). Our
/// pages send `same-origin` (see [`referrer_same_origin`]), so our own forms
/// name their origin; `null` is taken only on a household's link
/// (`/r/TOKEN`, `/r/TOKEN/notice`), whose forms carry the double-submit
/// token of a cookie another site can neither read nor send (SameSite=Lax),
/// so the token, not the header, proves the page. Everywhere else `null`
/// is refused like any other site.
pub async fn same_origin_only(request: Request, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(request).await;
    }
    let headers = request.headers();
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok());
    if origin == Some("null") && is_household_link(request.uri().path()) {
        return next.run(request).await;
    }
    if let (Some(origin), Some(host)) = (origin, host) {
        let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
        if origin_host != host {
            return WebError::Forbidden(Why::new(
                "请求来自其他网站，已拒绝。",
                format!("cross-site request from {origin}"),
            ))
            .into_response();
        }
    }
    next.run(request).await
}

/// `/r/TOKEN`, `/r/TOKEN/bind` or `/r/TOKEN/notice`: the pages a household
/// opens from its card, whose forms are proved by the household form token.
fn is_household_link(path: &str) -> bool {
    let Some(rest) = path.strip_prefix("/r/") else { return false };
    let token = rest.strip_suffix("/notice").or_else(|| rest.strip_suffix("/bind")).unwrap_or(rest);
    !token.is_empty() && !token.contains('/')
}

/// Every page asks the browser to name our origin to our own pages only:
/// a household's private link (`/r/TOKEN`) never leaks to another site in a
/// `Referer`, and our forms still post with their `Origin`, which the check
/// above requires. A page may set a stricter policy of its own.
pub async fn referrer_same_origin(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    response.headers_mut().entry(header::REFERRER_POLICY).or_insert(header::HeaderValue::from_static("same-origin"));
    response
}

/// The page a signed-out visitor comes back to after signing in: a venue's
/// check-in QR (`/checkin/…`, `/activities/checkin/…`) or an activity's
/// sign-up link pasted into the work group (`/activities/…`), opened with
/// `GET`. Other pages lead to the home page after sign-in, as before.
fn return_path(parts: &Parts) -> Option<String> {
    if parts.method != Method::GET {
        return None;
    }
    let path = parts.uri.path();
    let returns = ["/checkin/", "/activities/"].iter().any(|prefix| path.starts_with(prefix));
    let with_query = parts.uri.path_and_query().map_or(path, |p| p.as_str());
    if returns { safe_next(with_query) } else { None }
}

/// `next` if it is a path on this site, and nothing else: it must start
/// with one `/` (not `//host` nor `/\host`, which browsers read as another
/// site), hold no backslash, whitespace or control character, and not lead
/// back to the sign-in page. Anything else is dropped: no open redirect.
pub fn safe_next(next: &str) -> Option<String> {
    let local = next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/\\");
    let clean = !next.chars().any(|c| c == '\\' || c.is_whitespace() || c.is_control());
    let not_login = !(next == "/login" || next.starts_with("/login?") || next.starts_with("/login/"));
    (local && clean && not_login && next.len() <= 512).then(|| next.to_string())
}

/// Percent-encodes everything but unreserved characters and `/`, for a path
/// carried in a query string.
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A token for forms of visitors without a session (households): kept in a
/// cookie and echoed in the form (double submit).
pub fn form_token(visitor: &Visitor) -> (String, Option<String>) {
    match cookie(&visitor.headers, FORM_COOKIE) {
        Some(token) if token.len() == 64 => (token, None),
        _ => {
            let token = random_token();
            (token.clone(), Some(token))
        }
    }
}

/// The browser's device id: the one its cookie holds, or a new one with
/// the `Set-Cookie` header that gives it.
pub fn device_cookie(visitor: &Visitor, secure: bool) -> (String, Option<axum::http::HeaderValue>) {
    match cookie(&visitor.headers, DEVICE_COOKIE) {
        Some(id) if crate::security::is_token(&id) => (id, None),
        _ => {
            let id = random_token();
            let header = set_cookie(DEVICE_COOKIE, &id, DEVICE_SECONDS, secure).parse().ok();
            (id, header)
        }
    }
}
