//! The household rating page (农户满意度评议), opened from the QR code on a
//! household's card, without an account. One rating per household per
//! window; the rating lands in the ledger as the household's own input, and
//! the member never learns which household said what.

use crate::calendar::today;
use crate::error::english;
use crate::error::{WebError, WebResult, render};
use crate::page::Page;
use crate::session::{FORM_COOKIE, Visitor, check_form_token, form_token, set_cookie};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use starledger_app::households::{self, HouseholdRating, Rated};
use starledger_domain::linking::{RatingWindow, Satisfaction};
use starledger_domain::org::{Member, Year};
use starledger_store::{OrgQueries, PeriodStatus, RatingQueries};

struct RateForm {
    form_token: String,
    member_name: String,
    member_phone: Option<String>,
    address: String,
    window_starts: String,
    window_ends: String,
}

#[derive(Template)]
#[template(path = "household_rate.html")]
struct RatePage {
    page: Page,
    message: Option<&'static str>,
    form: Option<RateForm>,
    /// The household's way to the year's public notice (公示) while it takes
    /// objections: the card's QR leads here, and from here to the notice.
    notice_link: Option<String>,
}

/// Everything a valid link leads to.
struct Rating {
    household_id: i64,
    address: String,
    member: Member,
    window: RatingWindow,
    notice_link: Option<String>,
}

fn message_page(
    visitor: &Visitor,
    status: StatusCode,
    key: &'static str,
    notice_link: Option<String>,
) -> WebResult<Response> {
    let page = RatePage {
        page: Page::public(visitor.t, "rate_title"),
        message: Some(visitor.t.get(key)),
        form: None,
        notice_link,
    };
    Ok((status, render(page)?).into_response())
}

/// Follows a token to its household, member, open year and window; or says,
/// as a page, why it cannot be rated now.
async fn resolve(state: &AppState, visitor: &Visitor, token: &str) -> WebResult<Result<Rating, Response>> {
    // A malformed token is no link: refused before it is counted or looked up.
    if !crate::security::is_token(token) {
        return Ok(Err(message_page(visitor, StatusCode::NOT_FOUND, "link_unknown", None)?));
    }
    let limits = state.limits();
    if !limits.rating_by_token.allow(token) || !limits.rating_by_ip.allow(&visitor.ip) {
        return Ok(Err(message_page(visitor, StatusCode::TOO_MANY_REQUESTS, "too_many", None)?));
    }
    let mut reader = state.store().read().await?;
    let holder = match reader.token_holder(token).await? {
        None => return Ok(Err(message_page(visitor, StatusCode::NOT_FOUND, "link_unknown", None)?)),
        Some(holder) if holder.revoked => {
            return Ok(Err(message_page(visitor, StatusCode::GONE, "link_revoked", None)?));
        }
        Some(holder) => holder,
    };
    let notice_link =
        crate::html::notice::open_notice(&mut reader, holder.community_id).await?.then(|| format!("/r/{token}/notice"));
    let household = reader.household(holder.community_id, holder.household_id).await?;
    let Some(member_id) = household.member_id else {
        return Ok(Err(message_page(visitor, StatusCode::CONFLICT, "rate_no_member", notice_link)?));
    };
    let member = reader.member(holder.community_id, member_id).await?;
    let today = today();
    let period = match reader.period(holder.community_id, Year::of(today)).await? {
        Some(period) if period.status == PeriodStatus::Open => period,
        _ => return Ok(Err(message_page(visitor, StatusCode::CONFLICT, "rate_not_open", notice_link)?)),
    };
    let window = RatingWindow::containing(today, &period.rulebook.linking);
    if reader.has_rated(household.id, &window.key()).await? {
        return Ok(Err(message_page(visitor, StatusCode::CONFLICT, "rate_done_already", notice_link)?));
    }
    Ok(Ok(Rating { household_id: household.id, address: household.address, member, window, notice_link }))
}

pub async fn show(State(state): State<AppState>, visitor: Visitor, Path(token): Path<String>) -> WebResult<Response> {
    let rating = match resolve(&state, &visitor, &token).await? {
        Ok(rating) => rating,
        Err(response) => return Ok(response),
    };
    let (form_token, new_cookie) = form_token(&visitor);
    let form = RateForm {
        form_token,
        member_name: rating.member.name.to_string(),
        member_phone: rating.member.phone.as_ref().map(|p| p.masked()),
        address: rating.address,
        window_starts: rating.window.starts_on.to_string(),
        window_ends: rating.window.ends_on.to_string(),
    };
    let page = RatePage {
        page: Page::public(visitor.t, "rate_title"),
        message: None,
        form: Some(form),
        notice_link: rating.notice_link,
    };
    let mut response = render(page)?.into_response();
    if let Some(value) = new_cookie
        && let Ok(cookie) = set_cookie(FORM_COOKIE, &value, 3600, state.config().secure_cookies).parse()
    {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    Ok(response)
}

#[derive(Deserialize)]
pub struct RatingForm {
    csrf: String,
    level: String,
    #[serde(default)]
    comment: String,
}

pub async fn submit(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(token): Path<String>,
    Form(form): Form<RatingForm>,
) -> WebResult<Response> {
    check_form_token(&visitor, &form.csrf)?;
    crate::fields::at_most("comment", &form.comment, crate::fields::REASON)?;
    let level = match form.level.as_str() {
        "satisfied" => Satisfaction::Satisfied,
        "basically_satisfied" => Satisfaction::BasicallySatisfied,
        "not_satisfied" => Satisfaction::NotSatisfied,
        other => return Err(WebError::BadRequest(english!("unknown level \"{other}\""))),
    };
    let rating = match resolve(&state, &visitor, &token).await? {
        Ok(rating) => rating,
        Err(response) => return Ok(response),
    };
    let community = rating.member.community_id;
    let mut tx = visitor.write_in(&state, community).await?;
    let rated = households::rate(
        &mut tx,
        HouseholdRating {
            community,
            household: rating.household_id,
            member: rating.member.id,
            level,
            comment: &form.comment,
            from: &visitor.ip,
        },
    )
    .await?;
    if rated == Rated::Already {
        return message_page(&visitor, StatusCode::CONFLICT, "rate_done_already", rating.notice_link);
    }
    tx.commit().await?;
    message_page(&visitor, StatusCode::OK, "rate_thanks", rating.notice_link)
}
