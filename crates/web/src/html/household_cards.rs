//! Household cards (联系卡): one card per household with its member's name,
//! the member's masked phone and a QR code of the household's private rating
//! link, laid out to print on A4. The committee creates missing links and
//! revokes a lost card's link; a branch secretary prints their branch's.

use crate::error::{WebError, WebResult, render};
use crate::page::Page;
use crate::security::random_token;
use crate::session::{CsrfForm, SignedIn, now};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use qrcode::QrCode;
use qrcode::render::svg;
use serde::Deserialize;
use starledger_domain::org::Role;
use starledger_store::{OrgQueries, RatingQueries};

struct Card {
    household_id: i64,
    address: String,
    member_name: String,
    member_phone: String,
    qr_svg: String,
}

#[derive(Template)]
#[template(path = "household_cards.html")]
struct CardsPage {
    page: Page,
    branches: Vec<(i64, String)>,
    branch_id: i64,
    cards: Vec<Card>,
    missing: usize,
    can_issue: bool,
    page_number: usize,
    pages: usize,
}

#[derive(Deserialize)]
pub struct CardsQuery {
    branch: Option<i64>,
    page: Option<usize>,
}

/// Cards per page: three A4 sheets of eight. A QR code is ~15 KB of SVG, so
/// a whole branch on one page would be megabytes on a phone.
pub const CARDS_PER_PAGE: usize = 24;

/// The QR code of a link, as inline SVG.
pub fn qr_svg(url: &str) -> WebResult<String> {
    let code = QrCode::new(url.as_bytes()).map_err(|e| WebError::Internal(format!("QR code: {e}")))?;
    Ok(code.render::<svg::Color>().min_dimensions(160, 160).quiet_zone(true).build())
}

pub async fn show(
    State(state): State<AppState>,
    viewer: SignedIn,
    Query(query): Query<CardsQuery>,
) -> WebResult<Response> {
    viewer.require(&[Role::Committee, Role::BranchSecretary])?;
    let community = viewer.account.community_id;
    let mut reader = state.store().read().await?;
    let mut branches = reader.branches(community).await?;
    if viewer.is(Role::BranchSecretary) {
        branches.retain(|(id, _)| Some(*id) == viewer.account.branch_id);
    }
    let branch_id = match query.branch {
        Some(id) if branches.iter().any(|(b, _)| *b == id) => id,
        Some(_) => return Err(WebError::Forbidden("another branch's households".into())),
        None => branches.first().map(|(id, _)| *id).ok_or(WebError::NotFound)?,
    };
    let members = reader.members(community).await?;
    let tokens = reader.live_tokens(community).await?;
    let mut linked = Vec::new();
    let mut missing = 0;
    for household in reader.households(community).await? {
        let Some(member) = household.member_id.and_then(|id| members.iter().find(|m| m.id == id)) else { continue };
        if member.branch_id != branch_id {
            continue;
        }
        match tokens.get(&household.id) {
            Some(token) => linked.push((household, member, token)),
            None => missing += 1,
        }
    }
    let pages = linked.len().div_ceil(CARDS_PER_PAGE).max(1);
    let page_number = query.page.unwrap_or(1).clamp(1, pages);
    let mut cards = Vec::new();
    for (household, member, token) in linked.into_iter().skip((page_number - 1) * CARDS_PER_PAGE).take(CARDS_PER_PAGE) {
        cards.push(Card {
            household_id: household.id,
            address: household.address,
            member_name: member.name.to_string(),
            member_phone: member.phone.as_ref().map(|p| p.masked()).unwrap_or_default(),
            qr_svg: qr_svg(&format!("{}/r/{token}", state.config().public_url))?,
        });
    }
    let page = CardsPage {
        page: Page::signed_in(&viewer, "cards"),
        branches,
        branch_id,
        cards,
        missing,
        can_issue: viewer.is(Role::Committee),
        page_number,
        pages,
    };
    Ok(render(page)?.into_response())
}

/// Gives every linked household without a live link a new one.
pub async fn issue_missing(
    State(state): State<AppState>,
    viewer: SignedIn,
    Form(form): Form<CsrfForm>,
) -> WebResult<Response> {
    viewer.check_csrf(&form.csrf)?;
    viewer.require(&[Role::Committee])?;
    let community = viewer.account.community_id;
    let mut tx = viewer.write(&state).await?;
    let tokens = tx.live_tokens(community).await?;
    let households = tx.households(community).await?;
    let now = now();
    let mut issued = 0;
    for household in households.iter().filter(|h| h.member_id.is_some() && !tokens.contains_key(&h.id)) {
        tx.issue_household_token(community, household.id, &random_token(), now).await?;
        issued += 1;
    }
    tx.audit(Some(community), &viewer.actor(), "household.links.issue", &format!("{issued} links")).await?;
    tx.commit().await?;
    Ok(Redirect::to("/households/cards").into_response())
}

/// Ends a household's link for good (a lost card) and gives it a new one.
pub async fn revoke(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(household): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> WebResult<Response> {
    viewer.check_csrf(&form.csrf)?;
    viewer.require(&[Role::Committee])?;
    let community = viewer.account.community_id;
    let mut tx = viewer.write(&state).await?;
    // The household must be this community's: the query is scoped by it.
    tx.household(community, household).await?;
    tx.issue_household_token(community, household, &random_token(), now()).await?;
    tx.audit(Some(community), &viewer.actor(), "household.link.revoke", &format!("household {household}")).await?;
    tx.commit().await?;
    Ok(Redirect::to("/households/cards").into_response())
}
