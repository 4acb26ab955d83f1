//! The household rating page (农户满意度评议), opened from the QR code on a
//! household's card, without an account. The first time a link is opened
//! on a device, the household proves itself (the last four digits of its
//! phone on the roll, or a visit code from the committee) and the device is
//! bound to the link by a cookie; only a bound device rates, and downloads
//! the household's receipts once a year is sealed. One rating per household
//! per window; the rating lands in the ledger as the household's own input,
//! and the member never learns which household said what. The rules are
//! `starledger_app::household_links` and `households`; this page translates.

use crate::calendar::today;
use crate::error::Why;
use crate::error::{WebError, WebResult, render};
use crate::page::Page;
use crate::proof::CheckedForm;
use crate::session::{FORM_COOKIE, Visitor, cookie, device_cookie, form_token, set_cookie};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use starledger_app::household_links::{
    self, BINDING_SECONDS, Link, MAX_WRONG_PROOFS, OpenLink, Proof, Proved, VISIT_CODE_DIGITS,
};
use starledger_app::household_origins::Origin;
use starledger_app::households::{self, HouseholdRating, Rated};
use starledger_domain::linking::{RatingWindow, Satisfaction};
use starledger_domain::org::{HouseholdId, Member, Year};
use starledger_store::{LinkQueries, OrgQueries, PeriodStatus, RatingQueries, Reader, SealQueries};

/// The cookie that binds a device to one link; its path is the link's.
pub const BIND_COOKIE: &str = "sl_bind";

struct RateForm {
    form_token: String,
    member_name: String,
    member_phone: Option<String>,
    address: String,
    window_starts: String,
    window_ends: String,
}

/// The household proves itself on this device.
struct ProofForm {
    form_token: String,
    token: String,
    /// By the phone's last four digits; otherwise by a visit code.
    digits: bool,
    /// A visit code is waiting to be typed.
    visit_ready: bool,
    tries: String,
}

struct ReceiptLink {
    href: String,
    label: String,
}

#[derive(Template)]
#[template(path = "household_rate.html")]
struct RatePage {
    page: Page,
    message: Option<String>,
    form: Option<RateForm>,
    proof: Option<ProofForm>,
    /// The household's way to the year's public notice (公示) while it takes
    /// objections: the card's QR leads here, and from here to the notice.
    notice_link: Option<String>,
    /// The household's own ratings in sealed years, each with its receipt.
    receipts: Vec<ReceiptLink>,
}

impl RatePage {
    fn new(visitor: &Visitor) -> RatePage {
        RatePage {
            page: Page::public(visitor.t, "rate_title"),
            message: None,
            form: None,
            proof: None,
            notice_link: None,
            receipts: Vec::new(),
        }
    }
}

/// Renders the page with the cookies a household's page keeps: the form
/// token and the device's cookie.
fn respond(state: &AppState, visitor: &Visitor, status: StatusCode, mut page: RatePage) -> WebResult<Response> {
    let (form_token, new_form) = form_token(visitor);
    if let Some(form) = page.form.as_mut() {
        form.form_token = form_token.clone();
    }
    if let Some(proof) = page.proof.as_mut() {
        proof.form_token = form_token;
    }
    let mut response = (status, render(page)?).into_response();
    let secure = state.config().secure_cookies;
    if let Some(value) = new_form
        && let Ok(cookie) = set_cookie(FORM_COOKIE, &value, 3600, secure).parse()
    {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    if let (_, Some(header)) = device_cookie(visitor, secure) {
        response.headers_mut().append(header::SET_COOKIE, header);
    }
    Ok(response)
}

fn message_page(
    state: &AppState,
    visitor: &Visitor,
    status: StatusCode,
    key: &'static str,
    notice_link: Option<String>,
) -> WebResult<Response> {
    let mut page = RatePage::new(visitor);
    page.message = Some(visitor.t.get(key).to_string());
    page.notice_link = notice_link;
    respond(state, visitor, status, page)
}

/// The page a link that leads nowhere shows: unknown, replaced, locked.
fn gone_page(state: &AppState, visitor: &Visitor, link: &Link) -> WebResult<Response> {
    match link {
        Link::Replaced => message_page(state, visitor, StatusCode::GONE, "link_replaced", None),
        Link::Locked => message_page(state, visitor, StatusCode::LOCKED, "link_locked", None),
        _ => message_page(state, visitor, StatusCode::NOT_FOUND, "link_unknown", None),
    }
}

fn binding(visitor: &Visitor) -> Option<String> {
    cookie(&visitor.headers, BIND_COOKIE).filter(|value| crate::security::is_token(value))
}

/// The proof form for a device not yet bound, with `message` above it.
fn proof_page(
    state: &AppState,
    visitor: &Visitor,
    status: StatusCode,
    token: &str,
    link: &OpenLink,
    message: Option<String>,
    notice_link: Option<String>,
) -> WebResult<Response> {
    let t = visitor.t;
    let (digits, visit_ready) = match link.proof {
        Proof::PhoneDigits => (true, false),
        Proof::VisitCode { issued } => (false, issued),
    };
    let tries = t.fill("bind_tries", &[("max", &MAX_WRONG_PROOFS), ("left", &link.tries_left)]);
    let mut page = RatePage::new(visitor);
    page.message = message;
    page.notice_link = notice_link;
    page.proof = Some(ProofForm { form_token: String::new(), token: token.to_string(), digits, visit_ready, tries });
    respond(state, visitor, status, page)
}

/// Checks a token's form and the rate limits; a page if refused.
fn admitted(state: &AppState, visitor: &Visitor, token: &str) -> WebResult<Option<Response>> {
    // A malformed token is no link: refused before it is counted or looked up.
    if !crate::security::is_token(token) {
        return Ok(Some(message_page(state, visitor, StatusCode::NOT_FOUND, "link_unknown", None)?));
    }
    let limits = state.limits();
    if !limits.rating_by_token.allow(token) || !limits.rating_by_ip.allow(&visitor.ip) {
        return Ok(Some(message_page(state, visitor, StatusCode::TOO_MANY_REQUESTS, "too_many", None)?));
    }
    Ok(None)
}

/// Everything a bound link leads to.
struct Rating {
    household_id: HouseholdId,
    address: String,
    member: Member,
    window: RatingWindow,
    notice_link: Option<String>,
}

/// The household's ratings in sealed years, with their receipts' links.
async fn receipts(reader: &mut Reader, link: &OpenLink, token: &str) -> WebResult<Vec<ReceiptLink>> {
    let mut out = Vec::new();
    for (entry, year, window) in households::own_ratings(reader, link.household).await? {
        let Ok(sealed) = Year::new(year) else { continue };
        if reader.seals(link.community, sealed).await?.is_empty() {
            continue;
        }
        out.push(ReceiptLink { href: format!("/r/{token}/receipts/{entry}"), label: format!("{year} · {window}") });
    }
    Ok(out)
}

/// Follows a bound link to its member, open year and window; or says, as a
/// page, why it cannot be rated now.
async fn resolve(
    state: &AppState,
    visitor: &Visitor,
    reader: &mut Reader,
    link: &OpenLink,
    token: &str,
) -> WebResult<Result<Rating, Response>> {
    let notice_link =
        crate::html::notice::open_notice(reader, link.community).await?.then(|| format!("/r/{token}/notice"));
    let said = |key: &'static str, status: StatusCode, receipts: Vec<ReceiptLink>| {
        let mut page = RatePage::new(visitor);
        page.message = Some(visitor.t.get(key).to_string());
        page.notice_link = notice_link.clone();
        page.receipts = receipts;
        respond(state, visitor, status, page)
    };
    let household = reader.household(link.community, link.household).await?;
    let Some(member_id) = household.member_id else {
        return Ok(Err(said("rate_no_member", StatusCode::CONFLICT, receipts(reader, link, token).await?)?));
    };
    let member = reader.member(link.community, member_id).await?;
    let today = today();
    let period = match reader.period(link.community, Year::of(today)).await? {
        Some(period) if period.status == PeriodStatus::Open => period,
        _ => return Ok(Err(said("rate_not_open", StatusCode::CONFLICT, receipts(reader, link, token).await?)?)),
    };
    let window = RatingWindow::containing(today, &period.rulebook.linking);
    if reader.has_rated(household.id, &window.key()).await? {
        return Ok(Err(said("rate_done_already", StatusCode::CONFLICT, receipts(reader, link, token).await?)?));
    }
    Ok(Ok(Rating { household_id: household.id, address: household.address, member, window, notice_link }))
}

/// Opens the link: the proof form on a device not yet bound, the rating
/// form on a bound one.
async fn opened(
    state: &AppState,
    visitor: &Visitor,
    reader: &mut Reader,
    token: &str,
) -> WebResult<Result<OpenLink, Response>> {
    let link = household_links::open(reader, token, binding(visitor).as_deref()).await?;
    match link {
        Link::Open(link) => Ok(Ok(link)),
        gone => Ok(Err(gone_page(state, visitor, &gone)?)),
    }
}

async fn notice_of(reader: &mut Reader, link: &OpenLink, token: &str) -> WebResult<Option<String>> {
    Ok(crate::html::notice::open_notice(reader, link.community).await?.then(|| format!("/r/{token}/notice")))
}

pub async fn show(State(state): State<AppState>, visitor: Visitor, Path(token): Path<String>) -> WebResult<Response> {
    if let Some(refused) = admitted(&state, &visitor, &token)? {
        return Ok(refused);
    }
    let mut reader = state.store().read().await?;
    let link = match opened(&state, &visitor, &mut reader, &token).await? {
        Ok(link) => link,
        Err(response) => return Ok(response),
    };
    if !link.bound {
        let notice = notice_of(&mut reader, &link, &token).await?;
        return proof_page(&state, &visitor, StatusCode::OK, &token, &link, None, notice);
    }
    let rating = match resolve(&state, &visitor, &mut reader, &link, &token).await? {
        Ok(rating) => rating,
        Err(response) => return Ok(response),
    };
    let mut page = RatePage::new(&visitor);
    page.form = Some(RateForm {
        form_token: String::new(),
        member_name: rating.member.name.to_string(),
        member_phone: rating.member.phone.as_ref().map(|p| p.masked()),
        address: rating.address,
        window_starts: rating.window.starts_on.to_string(),
        window_ends: rating.window.ends_on.to_string(),
    });
    page.notice_link = rating.notice_link;
    page.receipts = receipts(&mut reader, &link, &token).await?;
    respond(&state, &visitor, StatusCode::OK, page)
}

#[derive(Deserialize)]
pub struct ProofFormData {
    #[serde(default)]
    code: String,
}

/// The household's proof: right, the device is bound (a cookie for this
/// link) and the rating form follows; wrong, counted, and said how many
/// tries are left.
pub async fn bind(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(token): Path<String>,
    CheckedForm(form): CheckedForm<ProofFormData>,
) -> WebResult<Response> {
    crate::fields::at_most("code", &form.code, 32)?;
    if let Some(refused) = admitted(&state, &visitor, &token)? {
        return Ok(refused);
    }
    let mut reader = state.store().read().await?;
    let link = match household_links::open(&mut reader, &token, binding(&visitor).as_deref()).await? {
        Link::Open(link) => Some(link),
        // A proof on a locked link is still counted (by `prove`).
        Link::Locked => None,
        gone => return gone_page(&state, &visitor, &gone),
    };
    let community = match &link {
        Some(link) => link.community,
        None => reader.link_guard(&token).await?.ok_or(WebError::NotFound)?.community_id,
    };
    let notice = match &link {
        Some(link) => notice_of(&mut reader, link, &token).await?,
        None => None,
    };
    drop(reader);
    let secret = household_links::new_secret();
    let mut tx = visitor.write_in(&state, community).await?;
    let proved = household_links::prove(&mut tx, &token, &form.code, &secret).await?;
    tx.commit().await?;
    let t = visitor.t;
    let Some(link) = link else { return gone_page(&state, &visitor, &Link::Locked) };
    let again = |message: String, status: StatusCode, tries_left: i64| {
        let link = OpenLink { tries_left, ..link.clone() };
        proof_page(&state, &visitor, status, &token, &link, Some(message), notice.clone())
    };
    match proved {
        Proved::Bound => {
            let secure = if state.config().secure_cookies { "; Secure" } else { "" };
            let cookie = format!(
                "{BIND_COOKIE}={secret}; Path=/r/{token}; Max-Age={BINDING_SECONDS}; HttpOnly; SameSite=Lax{secure}"
            );
            let value = HeaderValue::from_str(&cookie).map_err(|_| WebError::Internal("cookie".into()))?;
            Ok(([(header::SET_COOKIE, value)], Redirect::to(&format!("/r/{token}"))).into_response())
        }
        Proved::Wrong { tries_left } => again(t.get("bind_wrong").to_string(), StatusCode::FORBIDDEN, tries_left),
        Proved::Malformed => {
            let key = if matches!(link.proof, Proof::PhoneDigits) { "bind_malformed" } else { "bind_malformed_visit" };
            again(t.fill_one(key, "n", VISIT_CODE_DIGITS), StatusCode::BAD_REQUEST, link.tries_left)
        }
        Proved::NeedsVisit => again(t.get("bind_visit_none").to_string(), StatusCode::CONFLICT, link.tries_left),
        Proved::Gone(gone) => gone_page(&state, &visitor, &gone),
    }
}

#[derive(Deserialize)]
pub struct RatingForm {
    level: String,
    #[serde(default)]
    comment: String,
}

pub async fn submit(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(token): Path<String>,
    CheckedForm(form): CheckedForm<RatingForm>,
) -> WebResult<Response> {
    crate::fields::at_most("comment", &form.comment, crate::fields::REASON)?;
    let level = match form.level.as_str() {
        "satisfied" => Satisfaction::Satisfied,
        "basically_satisfied" => Satisfaction::BasicallySatisfied,
        "not_satisfied" => Satisfaction::NotSatisfied,
        other => {
            return Err(WebError::BadRequest(Why::new(
                format!("评价等级“{other}”无效。"),
                format!("unknown level \"{other}\""),
            )));
        }
    };
    if let Some(refused) = admitted(&state, &visitor, &token)? {
        return Ok(refused);
    }
    let mut reader = state.store().read().await?;
    let link = match opened(&state, &visitor, &mut reader, &token).await? {
        Ok(link) => link,
        Err(response) => return Ok(response),
    };
    if !link.bound {
        let notice = notice_of(&mut reader, &link, &token).await?;
        let message = Some(visitor.t.get("bind_first").to_string());
        return proof_page(&state, &visitor, StatusCode::FORBIDDEN, &token, &link, message, notice);
    }
    let rating = match resolve(&state, &visitor, &mut reader, &link, &token).await? {
        Ok(rating) => rating,
        Err(response) => return Ok(response),
    };
    let community = rating.member.community_id;
    let secret = binding(&visitor);
    let device = cookie(&visitor.headers, crate::session::DEVICE_COOKIE);
    let household_rating = HouseholdRating {
        token: &token,
        binding: secret.as_deref(),
        community,
        household: rating.household_id,
        member: rating.member.id,
        level,
        comment: &form.comment,
        origin: Origin { device: device.as_deref(), address: &visitor.ip },
    };
    // Read before the write lock; the write checks it again.
    let prepared = households::prepare(&mut reader, &household_rating).await?;
    drop(reader);
    let mut tx = visitor.write_in(&state, community).await?;
    let rated = households::rate(&mut tx, household_rating, prepared).await?;
    match rated {
        Rated::New(_) => {
            tx.commit().await?;
            message_page(&state, &visitor, StatusCode::OK, "rate_thanks", rating.notice_link)
        }
        Rated::Already => message_page(&state, &visitor, StatusCode::CONFLICT, "rate_done_already", rating.notice_link),
        Rated::NotBound => message_page(&state, &visitor, StatusCode::FORBIDDEN, "bind_first", rating.notice_link),
    }
}

/// A receipt for one of the household's own ratings, on a bound device,
/// once its year is sealed; any other entry is not found.
pub async fn receipt(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((token, entry)): Path<(String, i64)>,
) -> WebResult<Response> {
    if let Some(refused) = admitted(&state, &visitor, &token)? {
        return Ok(refused);
    }
    let mut reader = state.store().read().await?;
    let receipt = households::receipt(&mut reader, &token, binding(&visitor).as_deref(), entry).await?;
    let body = serde_json::to_string(&receipt).map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(crate::download::download("application/json", &format!("receipt-{entry}.json"), body))
}
