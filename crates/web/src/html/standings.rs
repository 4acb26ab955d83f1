//! Standings (积分排行): the year's rating so far, for the community or one
//! branch, sorted by rank or by name in pinyin order, searchable by name or
//! by pinyin initials.

use crate::calendar::{chosen_year, is_running};
use crate::error::{WebError, WebResult, render};
use crate::names;
use crate::page::{Page, star_text};
use crate::session::SignedIn;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use starledger_app::standings::Audience;
use starledger_domain::org::MemberId;
use starledger_domain::points::Points;
use starledger_domain::rating::MemberRating;
use starledger_store::OrgQueries;

struct Row {
    member_id: MemberId,
    rank: Option<u32>,
    name: String,
    branch: String,
    total: Points,
    stars: String,
    note: String,
}

#[derive(Template)]
#[template(path = "standings.html")]
struct StandingsPage {
    page: Page,
    year: i16,
    q: String,
    sort: String,
    /// (id, name, selected)
    branches: Vec<(starledger_domain::org::BranchId, String, bool)>,
    rows: Vec<Row>,
    /// The years with a period, for the picker.
    years: Vec<i16>,
    year_base: &'static str,
    /// The year is still running: the page says so.
    running: bool,
    /// Someone has points: until then nobody is ranked.
    ranked: bool,
    page_number: usize,
    pages: usize,
    /// The query string of this view, up to the page number.
    page_link: String,
}

#[derive(Deserialize)]
pub struct StandingsQuery {
    year: Option<i64>,
    #[serde(default)]
    q: String,
    #[serde(default)]
    sort: String,
    branch: Option<String>,
    page: Option<usize>,
}

/// Rows per page: a phone scrolls through this many comfortably, and a
/// community of 20,000 members is not one 4 MB page.
pub const PER_PAGE: usize = 50;

pub async fn show(
    State(state): State<AppState>,
    viewer: SignedIn,
    Query(query): Query<StandingsQuery>,
) -> WebResult<Response> {
    let community = viewer.account.community_id;
    let store = state.store();
    let mut reader = store.read().await?;
    let years = reader.period_years(community).await?;
    let year = chosen_year(&years, query.year).ok_or(WebError::NotFound)?;
    let audience = Audience::of(viewer.account.role);
    let kept = state.ratings().get(&mut reader, community, year, audience).await?.ok_or(WebError::NotFound)?;
    let rating = &kept.rating;
    // A year with no points yet ranks nobody (not everyone 1st to 210th at 0).
    let ranked = rating.members.iter().any(|m| m.total != Points::ZERO);
    let branch = query.branch.as_deref().and_then(|b| b.parse::<starledger_domain::org::BranchId>().ok());
    let mut matching: Vec<&MemberRating> = rating
        .members
        .iter()
        .filter(|m| branch.is_none_or(|b| kept.branch_of(m.member_id) == Some(b)))
        .filter(|m| query.q.is_empty() || names::matches(&m.name, &query.q))
        .collect();
    let sort = if query.sort == "name" { "name" } else { "rank" };
    if sort == "name" {
        matching.sort_by_cached_key(|m| names::sort_key(&m.name));
    }
    let pages = matching.len().div_ceil(PER_PAGE).max(1);
    let page_number = query.page.unwrap_or(1).clamp(1, pages);
    let rows = matching
        .into_iter()
        .skip((page_number - 1) * PER_PAGE)
        .take(PER_PAGE)
        .map(|m| Row {
            member_id: m.member_id,
            rank: m.rank.filter(|_| ranked),
            name: m.name.clone(),
            branch: m.branch.clone(),
            total: m.total,
            stars: if ranked { star_text(m.stars) } else { String::new() },
            note: crate::page::reasons_text(viewer.t, &m.reasons),
        })
        .collect();
    let page_link = page_link(year, &query.q, sort, branch);
    let page = StandingsPage {
        page: Page::signed_in(&viewer, "standings"),
        year: year.get(),
        q: query.q.clone(),
        sort: sort.to_string(),
        // The year's branches, kept with its rating (not read per visit).
        branches: kept.branches().iter().map(|(id, name)| (*id, name.clone(), Some(*id) == branch)).collect(),
        rows,
        years: years.iter().map(|y| y.get()).collect(),
        year_base: "/standings",
        running: is_running(year),
        ranked,
        page_number,
        pages,
        page_link,
    };
    Ok(render(page)?.into_response())
}

/// This view's address up to its page number, for the pager's links.
fn page_link(
    year: starledger_domain::org::Year,
    q: &str,
    sort: &str,
    branch: Option<starledger_domain::org::BranchId>,
) -> String {
    let mut link = form_urlencoded::Serializer::new(String::new());
    link.append_pair("year", &year.get().to_string()).append_pair("q", q).append_pair("sort", sort);
    if let Some(branch) = branch {
        link.append_pair("branch", &branch.to_string());
    }
    format!("/standings?{}&page=", link.finish())
}
