//! The honour roll (光荣榜) of a year, the five-star members counted per
//! branch (the input to the 五星支部 campaign), and each member's stars by
//! year with their streak. Years before starledger come from imported
//! records; later years are computed from the ledger by their rulebooks.
//! Until a year is finalized after its public notice, its stars are marked
//! provisional.

use crate::calendar::today;
use crate::error::{WebError, WebResult, render};
use crate::page::{Page, star_text};
use crate::session::SignedIn;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use starledger_app::standings::{Audience, YearRating};
use starledger_domain::org::{CommunityId, MemberId, Role, Year};
use starledger_domain::points::Points;
use starledger_domain::rating::five_star_streak;
use starledger_store::{NoticeQueries, OrgQueries, Reader, SealQueries};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// Every rated year of the community, as the ledger gives it and kept
/// between writes; a finalized year shows the stars it was finalized with,
/// and is listed in the returned set.
async fn ratings(
    state: &AppState,
    reader: &mut Reader,
    community: CommunityId,
) -> WebResult<(BTreeMap<Year, Arc<YearRating>>, BTreeSet<Year>)> {
    let mut ratings = BTreeMap::new();
    let mut finalized = BTreeSet::new();
    for year in reader.period_years(community).await? {
        let Some(kept) = state.ratings().get(reader, community, year, Audience::Whole).await? else { continue };
        if kept.finalized.is_some() {
            finalized.insert(year);
        }
        ratings.insert(year, kept);
    }
    Ok((ratings, finalized))
}

/// A member's stars by year: imported records (`paper`: year and stars)
/// first, computed years over them.
fn history(
    paper: &[(i64, i64)],
    member: MemberId,
    ratings: &BTreeMap<Year, Arc<YearRating>>,
    finalized: &BTreeSet<Year>,
) -> BTreeMap<Year, (u8, &'static str)> {
    let mut years = BTreeMap::new();
    for &(year, stars) in paper {
        if let Ok(year) = Year::new(year) {
            years.insert(year, (stars.clamp(0, 5) as u8, "纸质档案录入"));
        }
    }
    let this_year = Year::of(today());
    for (year, rating) in ratings {
        if let Some(rated) = rating.standing_member(member) {
            let source = if finalized.contains(year) {
                "公示后确认"
            } else if *year >= this_year {
                "本年度进行中（暂定）"
            } else {
                "按积分计算（未经公示确认）"
            };
            years.insert(*year, (rated.stars, source));
        }
    }
    years
}

/// Streaks count years that are over: the running year's stars are not yet
/// stars at all.
fn streak_of(history: &BTreeMap<Year, (u8, &'static str)>) -> u32 {
    let this_year = Year::of(today());
    let over: Vec<(Year, u8)> =
        history.iter().filter(|(year, _)| **year < this_year).map(|(year, (stars, _))| (*year, *stars)).collect();
    five_star_streak(&over)
}

struct RollRow {
    member_id: MemberId,
    rank: u32,
    name: String,
    branch: String,
    total: Points,
    streak: u32,
}

#[derive(Template)]
#[template(path = "honours.html")]
struct HonoursPage {
    page: Page,
    community: String,
    year: i16,
    is_final: bool,
    years: Vec<i16>,
    rulebook_version: String,
    roll: Vec<RollRow>,
    branches: Vec<(String, usize, usize)>,
    /// The committee downloads the year's certificates and poster as PDF
    /// once the year is published.
    can_print: bool,
    /// The year's latest seal, once published.
    seal: Option<crate::html::seal::SealView>,
}

#[derive(Deserialize)]
pub struct YearQuery {
    year: Option<i64>,
}

pub async fn roll(
    State(state): State<AppState>,
    viewer: SignedIn,
    Query(query): Query<YearQuery>,
) -> WebResult<Response> {
    let community = viewer.account.community_id;
    let mut reader = state.store().read().await?;
    let (ratings, finalized) = ratings(&state, &mut reader, community).await?;
    // By default the latest year that is over; the current one is still running.
    let this_year = Year::of(today());
    let year = match query.year {
        Some(asked) => Year::new(asked).map_err(|_| WebError::NotFound)?,
        None => ratings
            .keys()
            .rev()
            .find(|y| **y < this_year)
            .or_else(|| ratings.keys().next_back())
            .copied()
            .ok_or(WebError::NotFound)?,
    };
    let kept = ratings.get(&year).ok_or(WebError::NotFound)?;
    let rating = kept.standing();
    let mut roll = Vec::new();
    // Streaks count only up to the year shown.
    let upto: BTreeMap<Year, Arc<YearRating>> =
        ratings.iter().filter(|(y, _)| **y <= year).map(|(y, r)| (*y, r.clone())).collect();
    // Paper records of the whole community in one query, not one a member.
    let mut paper: HashMap<MemberId, Vec<(i64, i64)>> = HashMap::new();
    for (member, year, stars) in reader.community_honours(community).await? {
        paper.entry(member).or_default().push((year, stars));
    }
    for rated in rating.five_star() {
        let records = paper.get(&rated.member_id).map_or(&[][..], Vec::as_slice);
        let mut years = history(records, rated.member_id, &upto, &finalized);
        years.retain(|y, _| *y <= year);
        roll.push(RollRow {
            member_id: rated.member_id,
            rank: rated.rank.unwrap_or(0),
            name: rated.name.clone(),
            branch: rated.branch.clone(),
            total: rated.total,
            streak: streak_of(&years),
        });
    }
    let page = HonoursPage {
        page: Page::signed_in(&viewer, "honours"),
        community: reader.community(community).await?.name,
        year: year.get(),
        is_final: finalized.contains(&year),
        years: ratings.keys().map(|y| y.get()).collect(),
        rulebook_version: rating.rulebook_version.clone(),
        roll,
        branches: kept.branch_stars().to_vec(),
        can_print: viewer.is(Role::Committee) && reader.live_round(community, i64::from(year.get())).await?.is_some(),
        seal: crate::html::seal::latest(&mut reader, community, year).await?,
    };
    Ok(render(page)?.into_response())
}

#[derive(Template)]
#[template(path = "member_stars.html")]
struct StarsPage {
    page: Page,
    name: String,
    branch: String,
    streak: u32,
    history: Vec<(i16, String, &'static str)>,
}

pub async fn member(State(state): State<AppState>, viewer: SignedIn, Path(id): Path<MemberId>) -> WebResult<Response> {
    let community = viewer.account.community_id;
    let mut reader = state.store().read().await?;
    let member = reader.member(community, id).await?;
    let (ratings, finalized) = ratings(&state, &mut reader, community).await?;
    let paper: Vec<(i64, i64)> =
        reader.honours(id).await?.into_iter().map(|(year, stars, _, _)| (year, stars)).collect();
    let years = history(&paper, id, &ratings, &finalized);
    let page = StarsPage {
        page: Page::signed_in(&viewer, "star_history"),
        name: member.name.to_string(),
        branch: member.branch,
        streak: streak_of(&years),
        history: years.iter().rev().map(|(year, (stars, source))| (year.get(), star_text(*stars), *source)).collect(),
    };
    Ok(render(page)?.into_response())
}

/// A year's seals as JSON, for a street or city to keep outside the
/// database and check it against (`starledger ledger verify --against`).
pub async fn seals(State(state): State<AppState>, viewer: SignedIn, Path(year): Path<i64>) -> WebResult<Response> {
    let year = Year::new(year).map_err(|_| WebError::NotFound)?;
    let mut reader = state.store().read().await?;
    let seals = reader.seals(viewer.account.community_id, year).await?;
    let latest = seals.last().ok_or(WebError::NotFound)?;
    let name = format!("seal-{}-{}.json", year.get(), latest.stage.key());
    Ok(crate::download::download("application/json", &name, latest.to_json()))
}
