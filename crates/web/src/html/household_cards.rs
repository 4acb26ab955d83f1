//! Household cards (联系卡), the committee's only: an overview of each
//! household's link (printed or not, phones opened, locked) without the
//! links themselves, and the print, a PDF of the branch's or the whole
//! community's cards with each household's link as a QR code. Printing is
//! `starledger_app::print::cards_pdf` (audited; a card printed before gets
//! a new link). The committee also issues missing links, replaces a lost
//! card's link and makes a visit code for a household with no phone.

use crate::error::{WebError, WebResult, Why, render};
use crate::page::Page;
use crate::proof::CheckedForm;
use crate::session::{CsrfForm, SignedIn};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use starledger_app::household_links::{self, VISIT_CODE_DAYS};
use starledger_domain::org::{BranchId, HouseholdId, Role};
use starledger_store::{LinkQueries, OrgQueries};
use std::collections::HashMap;

struct Card {
    household_id: HouseholdId,
    address: String,
    member_name: String,
    /// 未打印 / 已打印 / 无链接 …, in the viewer's language.
    status: String,
    devices: i64,
    has_link: bool,
    no_phone: bool,
}

#[derive(Template)]
#[template(path = "household_cards.html")]
struct CardsPage {
    page: Page,
    branches: Vec<(BranchId, String)>,
    branch_id: BranchId,
    cards: Vec<Card>,
    missing: usize,
    /// A visit code just made, shown once.
    visit_code: Option<String>,
    page_number: usize,
    pages: usize,
    page_link: String,
}

/// Cards on one page: a branch of several hundred households is read a
/// page at a time (each page well under 100 KB).
pub const CARDS_PER_PAGE: usize = 100;

#[derive(Deserialize)]
pub struct CardsQuery {
    branch: Option<BranchId>,
    page: Option<usize>,
}

async fn overview(
    state: &AppState,
    viewer: &SignedIn,
    branch: Option<BranchId>,
    visit_code: Option<String>,
    wanted: usize,
) -> WebResult<Response> {
    viewer.require(&[Role::Committee])?;
    let community = viewer.account.community_id;
    let t = viewer.t;
    let mut reader = state.store().read().await?;
    let branches = reader.branches(community).await?;
    let branch_id = match branch {
        Some(id) if branches.iter().any(|(b, _)| *b == id) => id,
        Some(_) => return Err(WebError::Forbidden(Why::new("这是其他社区的支部。", "another community's branch"))),
        None => branches.first().map(|(id, _)| *id).ok_or(WebError::NotFound)?,
    };
    let members = reader.members(community).await?;
    let links: HashMap<HouseholdId, _> =
        reader.live_links(community).await?.into_iter().map(|link| (link.household_id, link)).collect();
    let mut cards = Vec::new();
    let mut missing = 0;
    for household in reader.households(community).await? {
        let Some(member) = household.member_id.and_then(|id| members.iter().find(|m| m.id == id)) else { continue };
        if member.branch_id != branch_id {
            continue;
        }
        let link = links.get(&household.id);
        if link.is_none() {
            missing += 1;
        }
        let status = match link {
            None => t.get("card_no_link"),
            Some(link) if link.locked => t.get("card_locked"),
            Some(link) if link.printed_at.is_some() => t.get("card_printed"),
            Some(_) => t.get("card_not_printed"),
        };
        cards.push(Card {
            household_id: household.id,
            address: household.address,
            member_name: member.name.to_string(),
            status: status.to_string(),
            devices: link.map_or(0, |l| l.devices),
            has_link: link.is_some(),
            no_phone: household.phone.is_none(),
        });
    }
    let pages = cards.len().div_ceil(CARDS_PER_PAGE).max(1);
    let page_number = wanted.clamp(1, pages);
    let cards = cards.into_iter().skip((page_number - 1) * CARDS_PER_PAGE).take(CARDS_PER_PAGE).collect();
    let page = CardsPage {
        page: Page::signed_in(viewer, "cards"),
        branches,
        branch_id,
        cards,
        missing,
        visit_code,
        page_number,
        pages,
        page_link: format!("/households/cards?branch={branch_id}&page="),
    };
    Ok(render(page)?.into_response())
}

pub async fn show(
    State(state): State<AppState>,
    viewer: SignedIn,
    Query(query): Query<CardsQuery>,
) -> WebResult<Response> {
    overview(&state, &viewer, query.branch, None, query.page.unwrap_or(1)).await
}

#[derive(Deserialize)]
pub struct PrintForm {
    /// A branch's id, or `all`.
    branch: String,
}

/// Prints the cards of a branch or of the whole community as a PDF (the
/// committee's only; audited; cards printed before get new links).
pub async fn print(
    State(state): State<AppState>,
    viewer: SignedIn,
    CheckedForm(form): CheckedForm<PrintForm>,
) -> WebResult<Response> {
    let branch = crate::html::print::branch_choice(&form.branch)?;
    let font = crate::html::print::font()?;
    let mut tx = viewer.write(&state).await?;
    let printed =
        starledger_app::print::cards_pdf(&mut tx, &viewer.account, branch, &state.config().public_url, font).await?;
    tx.commit().await?;
    let name = match branch {
        Some(id) => format!("cards-branch-{id}-联系卡.pdf"),
        None => "cards-联系卡.pdf".to_string(),
    };
    Ok(crate::download::download("application/pdf", &name, printed.pdf))
}

/// Gives every linked household without a live link a new one.
pub async fn issue_missing(
    State(state): State<AppState>,
    viewer: SignedIn,
    CheckedForm(_): CheckedForm<CsrfForm>,
) -> WebResult<Response> {
    let mut tx = viewer.write(&state).await?;
    household_links::issue_missing(&mut tx, &viewer.account).await?;
    tx.commit().await?;
    Ok(Redirect::to("/households/cards").into_response())
}

/// Ends a household's link for good (a lost card, a locked link) and gives it a new one.
pub async fn revoke(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(household): Path<HouseholdId>,
    CheckedForm(_): CheckedForm<CsrfForm>,
) -> WebResult<Response> {
    let mut tx = viewer.write(&state).await?;
    household_links::replace(&mut tx, &viewer.account, household).await?;
    tx.commit().await?;
    Ok(Redirect::to("/households/cards").into_response())
}

/// Makes a one-time visit code for a household's link and shows it once.
pub async fn visit_code(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(household): Path<HouseholdId>,
    CheckedForm(_): CheckedForm<CsrfForm>,
) -> WebResult<Response> {
    let mut tx = viewer.write(&state).await?;
    let code = household_links::issue_visit_code(&mut tx, &viewer.account, household).await?;
    tx.commit().await?;
    let branch = {
        let mut reader = state.store().read().await?;
        let row = reader.household(viewer.account.community_id, household).await?;
        match row.member_id {
            Some(member) => Some(reader.member(viewer.account.community_id, member).await?.branch_id),
            None => None,
        }
    };
    let shown = viewer.t.fill("visit_code_shown", &[("code", &code), ("days", &VISIT_CODE_DAYS)]);
    overview(&state, &viewer, branch, Some(shown), 1).await
}
