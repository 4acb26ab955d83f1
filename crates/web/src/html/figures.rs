//! The community's figures (数据图表), for the committee and the auditor:
//! branches compared (points per member, meetings, volunteer service,
//! household satisfaction, five-star share), the year's taking part month
//! by month, and household satisfaction per rating window — each a chart
//! with its numbers in a table beside it. The charts of a member's record
//! and of a region's page are drawn here too.

use crate::calendar::{chosen_year, is_running};
use crate::chart::{Chart, Kind, Series, Value};
use crate::error::{WebError, WebResult, render};
use crate::i18n::Tr;
use crate::page::Page;
use crate::session::SignedIn;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use starledger_app::figures::{Compared, MemberFigures, READERS, YearFigures};
use starledger_app::standings::Audience;
use starledger_domain::oversight::Summary;
use starledger_domain::points::Points;
use starledger_store::OrgQueries;

/// Points as a chart draws them (tenths) and a table writes them.
pub(crate) fn points(p: Points) -> Value {
    Value { amount: p.tenths(), text: p.to_string() }
}

/// A share in per mille, written as a percentage with one decimal.
pub(crate) fn share(per_mille: u32) -> Value {
    Value { amount: i64::from(per_mille), text: format!("{}.{}%", per_mille / 10, per_mille % 10) }
}

fn count(n: u32) -> Value {
    Value { amount: i64::from(n), text: n.to_string() }
}

fn compared(t: Tr, id: &str, title: &str, label_axis: &str, rows: &[Compared], months: bool) -> Chart {
    Chart {
        id: id.into(),
        title: t.get(title).into(),
        label_axis: t.get(label_axis).into(),
        value_axis: t.get("chart_points").into(),
        labels: rows
            .iter()
            .map(|r| if months { t.fill_one("month_n", "n", &r.label) } else { r.label.clone() })
            .collect(),
        series: vec![
            Series { name: t.get("chart_me").into(), values: rows.iter().map(|r| Some(points(r.mine))).collect() },
            Series {
                name: t.get("chart_branch_median").into(),
                values: rows.iter().map(|r| r.median.map(points)).collect(),
            },
        ],
    }
}

/// A member's two charts, by category and by month, as HTML.
pub(crate) fn member_charts(t: Tr, figures: &MemberFigures) -> Vec<String> {
    let withheld = t.get("withheld");
    vec![
        compared(t, "my-categories", "chart_my_categories", "chart_category", &figures.categories, false)
            .figure(Kind::Bars, withheld),
        compared(t, "my-months", "chart_my_months", "chart_month", &figures.months, true).figure(Kind::Line, withheld),
    ]
}

/// The community's three charts (branches in two), as HTML.
fn community_charts(t: Tr, figures: &YearFigures) -> Vec<String> {
    let withheld = t.get("withheld");
    let branches: Vec<String> = figures.branches.iter().map(|b| b.name.clone()).collect();
    let mut charts = Vec::new();
    charts.push(
        Chart {
            id: "branch-points".into(),
            title: t.get("chart_branch_points").into(),
            label_axis: t.get("branch").into(),
            value_axis: t.get("chart_points").into(),
            labels: branches.clone(),
            series: vec![Series {
                name: t.get("chart_branch_points").into(),
                values: figures.branches.iter().map(|b| b.points_per_member.map(points)).collect(),
            }],
        }
        .figure(Kind::Bars, withheld),
    );
    let shares = |key: &str, pick: &dyn Fn(&starledger_app::figures::BranchFigures) -> Option<u32>| Series {
        name: t.get(key).into(),
        values: figures.branches.iter().map(|b| pick(b).map(share)).collect(),
    };
    charts.push(
        Chart {
            id: "branch-shares".into(),
            title: t.get("chart_branch_shares").into(),
            label_axis: t.get("branch").into(),
            value_axis: t.get("chart_share").into(),
            labels: branches,
            series: vec![
                shares("chart_meetings", &|b| b.meetings_per_mille),
                shares("chart_service", &|b| b.service_per_mille),
                shares("chart_satisfaction", &|b| b.satisfaction_per_mille),
                shares("chart_five_star", &|b| b.five_star_per_mille),
            ],
        }
        .figure(Kind::Bars, withheld),
    );
    charts.push(
        Chart {
            id: "taking-part".into(),
            title: t.fill_one("chart_taking_part_of", "n", figures.members),
            label_axis: t.get("chart_month").into(),
            value_axis: t.get("chart_persons").into(),
            labels: figures.taking_part.iter().map(|m| t.fill_one("month_n", "n", m.month)).collect(),
            series: vec![
                Series {
                    name: t.get("chart_meetings").into(),
                    values: figures.taking_part.iter().map(|m| Some(count(m.attending))).collect(),
                },
                Series {
                    name: t.get("chart_service").into(),
                    values: figures.taking_part.iter().map(|m| Some(count(m.serving))).collect(),
                },
            ],
        }
        .figure(Kind::Line, withheld),
    );
    charts.push(
        Chart {
            id: "windows".into(),
            title: t.get("chart_windows").into(),
            label_axis: t.get("chart_window").into(),
            value_axis: t.get("chart_share").into(),
            // Each window's number of ratings in its label: a count does
            // not share the axis of a share.
            labels: figures
                .windows
                .iter()
                .map(|w| {
                    let from = w.starts_on.strftime("%m-%d").to_string();
                    let until = w.ends_on.strftime("%m-%d").to_string();
                    t.fill("chart_window_label", &[("from", &from), ("until", &until), ("n", &w.ratings)])
                })
                .collect(),
            series: vec![Series {
                name: t.get("chart_satisfaction").into(),
                values: figures.windows.iter().map(|w| w.satisfaction_per_mille.map(share)).collect(),
            }],
        }
        .figure(Kind::Bars, withheld),
    );
    charts
}

/// A region's communities compared on the same shares, from their summaries.
pub(crate) fn region_chart(t: Tr, communities: &[(String, &Summary)]) -> String {
    let series = |key: &str, pick: &dyn Fn(&Summary) -> Option<u32>| Series {
        name: t.get(key).into(),
        values: communities.iter().map(|(_, s)| pick(s).map(share)).collect(),
    };
    Chart {
        id: "communities".into(),
        title: t.get("chart_communities").into(),
        label_axis: t.get("community").into(),
        value_axis: t.get("chart_share").into(),
        labels: communities.iter().map(|(name, _)| name.clone()).collect(),
        series: vec![
            series("chart_service", &|s| s.participation_per_mille()),
            series("chart_satisfaction", &|s| s.satisfaction_per_mille()),
            series("chart_five_star", &|s| s.five_star_per_mille()),
        ],
    }
    .figure(Kind::Bars, t.get("withheld"))
}

#[derive(Template)]
#[template(path = "figures.html")]
struct FiguresPage {
    page: Page,
    years: Vec<i16>,
    year: i16,
    year_base: &'static str,
    running: bool,
    ranked: bool,
    charts: Vec<String>,
}

#[derive(Deserialize)]
pub struct YearQuery {
    year: Option<i64>,
}

pub async fn show(
    State(state): State<AppState>,
    viewer: SignedIn,
    Query(query): Query<YearQuery>,
) -> WebResult<Response> {
    viewer.require(&READERS)?;
    let community = viewer.account.community_id;
    let mut reader = state.store().read().await?;
    let period_years = reader.period_years(community).await?;
    let year = chosen_year(&period_years, query.year).ok_or(WebError::NotFound)?;
    let audience = Audience::of(viewer.account.role);
    let (_, figures) = state
        .figures()
        .get(&mut reader, state.ratings(), community, year, audience)
        .await?
        .ok_or(WebError::NotFound)?;
    let page = FiguresPage {
        page: Page::signed_in(&viewer, "figures"),
        years: period_years.iter().map(|y| y.get()).collect(),
        year: year.get(),
        year_base: "/figures",
        running: is_running(year),
        ranked: true,
        charts: community_charts(viewer.t, &figures),
    };
    Ok(render(page)?.into_response())
}
