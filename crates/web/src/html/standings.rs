//! Standings (积分排行): the year's rating so far, for the community or one
//! branch, sorted by rank or by name in pinyin order, searchable by name or
//! by pinyin initials.

use crate::calendar::{chosen_period, is_running};
use crate::error::{WebError, WebResult, render};
use crate::names;
use crate::page::{Page, star_text};
use crate::session::SignedIn;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use starledger_domain::points::Points;
use starledger_domain::rating::rate;
use starledger_store::{NoticeQueries, OrgQueries};

struct Row {
    member_id: i64,
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
    branches: Vec<(i64, String, bool)>,
    rows: Vec<Row>,
    /// The years with a period, for the picker.
    years: Vec<i16>,
    year_base: &'static str,
    /// The year is still running: the page says so.
    running: bool,
    /// Someone has points: until then nobody is ranked.
    ranked: bool,
}

#[derive(Deserialize)]
pub struct StandingsQuery {
    year: Option<i64>,
    #[serde(default)]
    q: String,
    #[serde(default)]
    sort: String,
    branch: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    viewer: SignedIn,
    Query(query): Query<StandingsQuery>,
) -> WebResult<Response> {
    let community = viewer.account.community_id;
    let store = state.store();
    let mut reader = store.read().await?;
    let period = chosen_period(&mut reader, community, query.year).await?.ok_or(WebError::NotFound)?;
    let members = reader.year_roll(community, period.year).await?;
    let scored = crate::calendar::visible_scored(&mut reader, &viewer, &period).await?;
    let rating = rate(period.year, &period.rulebook, &members, &scored);
    // A year with no points yet ranks nobody (not everyone 1st to 210th at 0).
    let ranked = rating.members.iter().any(|m| m.total != Points::ZERO);
    let branch = query.branch.as_deref().and_then(|b| b.parse::<i64>().ok());
    let branch_ids: std::collections::HashMap<i64, i64> = members.iter().map(|m| (m.id, m.branch_id)).collect();
    let mut rows: Vec<Row> = rating
        .members
        .iter()
        .filter(|m| branch.is_none_or(|b| branch_ids.get(&m.member_id) == Some(&b)))
        .filter(|m| names::matches(&m.name, &query.q))
        .map(|m| Row {
            member_id: m.member_id,
            rank: m.rank.filter(|_| ranked),
            name: m.name.clone(),
            branch: m.branch.clone(),
            total: m.total,
            stars: if ranked { star_text(m.stars) } else { String::new() },
            note: m.reasons.join("；"),
        })
        .collect();
    let sort = if query.sort == "name" { "name" } else { "rank" };
    if sort == "name" {
        rows.sort_by_cached_key(|row| names::sort_key(&row.name));
    }
    let page = StandingsPage {
        page: Page::signed_in(&viewer, "standings"),
        year: period.year.get(),
        q: query.q.clone(),
        sort: sort.to_string(),
        branches: reader
            .branches(community)
            .await?
            .into_iter()
            .map(|(id, name)| (id, name, Some(id) == branch))
            .collect(),
        rows,
        years: reader.period_years(community).await?.iter().map(|y| y.get()).collect(),
        year_base: "/standings",
        running: is_running(period.year),
        ranked,
    };
    Ok(render(page)?.into_response())
}
