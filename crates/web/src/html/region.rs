//! What a region's organization department (组织部) sees: each community
//! below it compared (participation, household satisfaction, stars, the
//! spread of points) and every branch ranked by its share of five-star
//! members, the input to the 五星支部 campaign. Everything here is read from
//! the pre-aggregated figures; no member, household or rater is named, and
//! any figure over fewer than three people is withheld.

use crate::error::{WebError, WebResult, render};
use crate::page::Page;
use crate::session::Overseeing;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use starledger_domain::oversight::Summary;
use starledger_domain::points::Points;
use starledger_store::{BranchStats, CommunityStats, RegionQueries};

#[derive(Deserialize)]
pub struct YearQuery {
    year: Option<i64>,
}

struct Figures {
    members: u32,
    eligible: u32,
    participation: String,
    ratings: u32,
    satisfaction: String,
    five_star: u32,
    four_star: u32,
    three_star: u32,
    below_three: u32,
    five_star_share: String,
    p10: String,
    p50: String,
    p90: String,
}

impl Figures {
    fn of(s: &Summary) -> Figures {
        let points = |tenths: Option<i64>| tenths.map_or("—".into(), |t| Points::from_tenths(t).to_string());
        Figures {
            members: s.members,
            eligible: s.eligible,
            participation: per_mille(s.participation_per_mille()),
            ratings: s.ratings(),
            satisfaction: per_mille(s.satisfaction_per_mille()),
            five_star: s.five_star,
            four_star: s.four_star,
            three_star: s.three_star,
            below_three: s.below_three,
            five_star_share: per_mille(s.five_star_per_mille()),
            p10: points(s.points_p10),
            p50: points(s.points_p50),
            p90: points(s.points_p90),
        }
    }
}

/// A share as a percentage with one decimal, or a dash when withheld.
fn per_mille(value: Option<u32>) -> String {
    value.map_or("—".into(), |v| format!("{}.{}%", v / 10, v % 10))
}

struct CommunityLine {
    name: String,
    street: String,
    is_final: bool,
    figures: Figures,
}

struct BranchLine {
    place: usize,
    community: String,
    branch: String,
    is_final: bool,
    figures: Figures,
}

#[derive(Template)]
#[template(path = "region.html")]
struct RegionPage {
    page: Page,
    path: String,
    level: String,
    year: Option<i64>,
    years: Vec<i64>,
    communities: Vec<CommunityLine>,
    total: Option<Figures>,
    branches: Vec<BranchLine>,
    /// The communities compared in a chart, its table beside it.
    chart: Option<String>,
}

/// The sums over communities; percentiles do not add up, so the total
/// leaves them out.
fn total(stats: &[CommunityStats]) -> Summary {
    let mut sum = Summary::default();
    for s in stats.iter().map(|c| &c.summary) {
        sum.members += s.members;
        sum.eligible += s.eligible;
        sum.serving += s.serving;
        sum.satisfied += s.satisfied;
        sum.basically_satisfied += s.basically_satisfied;
        sum.not_satisfied += s.not_satisfied;
        sum.five_star += s.five_star;
        sum.four_star += s.four_star;
        sum.three_star += s.three_star;
        sum.below_three += s.below_three;
    }
    sum
}

/// Branches by five-star share, then by participation; withheld shares last.
fn ranked(mut branches: Vec<BranchStats>) -> Vec<BranchLine> {
    let key = |b: &BranchStats| {
        (std::cmp::Reverse(b.summary.five_star_per_mille()), std::cmp::Reverse(b.summary.participation_per_mille()))
    };
    branches.sort_by_key(|b| (key(b).0.0.is_none(), key(b)));
    branches
        .into_iter()
        .enumerate()
        .map(|(index, b)| BranchLine {
            place: index + 1,
            community: b.community,
            branch: b.branch,
            is_final: b.is_final,
            figures: Figures::of(&b.summary),
        })
        .collect()
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Overseeing,
    Query(query): Query<YearQuery>,
) -> WebResult<Response> {
    let region = viewer.overseer.region_id;
    let mut reader = state.store().read().await?;
    let tree = reader.regions().await?;
    let here = tree.get(region).ok_or(WebError::NotFound)?;
    let below = tree.subtree(region);
    let years = reader.stats_years(&below).await?;
    // Unless asked, the latest year with final stars: a year in progress
    // says little until its rating is through public notice.
    let latest_final = years.iter().find(|(_, any_final)| *any_final).or(years.first()).map(|(y, _)| *y);
    let year = query.year.filter(|y| years.iter().any(|(known, _)| known == y)).or(latest_final);
    let years: Vec<i64> = years.into_iter().map(|(y, _)| y).collect();
    let (communities, branches) = match year {
        Some(year) => (reader.community_stats(&below, year).await?, reader.branch_stats(&below, year).await?),
        None => (Vec::new(), Vec::new()),
    };
    let compared: Vec<(String, &Summary)> = communities.iter().map(|c| (c.community.clone(), &c.summary)).collect();
    let chart = (!compared.is_empty()).then(|| crate::html::figures::region_chart(viewer.holder.t, &compared));
    let page = RegionPage {
        chart,
        page: Page::held(&viewer.holder, "region"),
        path: tree.path(region),
        level: here.level.label_zh().to_string(),
        year,
        years,
        total: (!communities.is_empty()).then(|| Figures::of(&total(&communities))),
        communities: communities
            .iter()
            .map(|c| CommunityLine {
                name: c.community.clone(),
                street: tree.get(c.region_id).map(|r| r.name.clone()).unwrap_or_default(),
                is_final: c.is_final,
                figures: Figures::of(&c.summary),
            })
            .collect(),
        branches: ranked(branches),
    };
    Ok(render(page)?.into_response())
}
