//! Spreadsheets out (/exports): the committee and the auditor download the
//! roll, the households, the linking sheet and a year's standings,
//! breakdown, ledger, attendance and volunteer hours as `.xlsx` or CSV; a
//! branch secretary downloads their branch's. Who may export what and what
//! the tables hold are `app::exports`'s; this page only lists and sends.

use crate::calendar::chosen_year;
use crate::download::download;
use crate::error::{WebError, WebResult, render};
use crate::page::Page;
use crate::session::SignedIn;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use starledger_app::exports::{self, ExportKind, Request};
use starledger_app::standings::Audience;
use starledger_store::OrgQueries;

struct Link {
    title: &'static str,
    xlsx: String,
    csv: String,
}

#[derive(Template)]
#[template(path = "exports.html")]
struct ExportsPage {
    page: Page,
    year: i16,
    years: Vec<i16>,
    links: Vec<Link>,
    branch_only: bool,
}

#[derive(Deserialize)]
pub struct ExportQuery {
    year: Option<i64>,
    #[serde(default)]
    format: String,
}

pub async fn show(
    State(state): State<AppState>,
    viewer: SignedIn,
    Query(query): Query<ExportQuery>,
) -> WebResult<Response> {
    // Anyone who may export anything sees the page; the standings are the
    // kind every exporter may have.
    let branch = exports::scope(&viewer.account, ExportKind::Standings)?;
    let mut reader = state.store().read().await?;
    let period_years = reader.period_years(viewer.account.community_id).await?;
    let year = chosen_year(&period_years, query.year);
    let links = ExportKind::ALL
        .into_iter()
        .filter(|kind| exports::scope(&viewer.account, *kind).is_ok())
        .filter(|kind| !kind.needs_year() || year.is_some())
        .map(|kind| {
            let year = year.filter(|_| kind.needs_year()).map(|y| format!("year={}&", y.get())).unwrap_or_default();
            Link {
                title: if viewer.t.lang() == "en" { kind.title_en() } else { kind.title_zh() },
                xlsx: format!("/exports/{}?{year}format=xlsx", kind.key()),
                csv: format!("/exports/{}?{year}format=csv", kind.key()),
            }
        })
        .collect();
    let page = ExportsPage {
        page: Page::signed_in(&viewer, "exports"),
        year: year.map_or(0, |y| y.get()),
        years: period_years.iter().map(|y| y.get()).collect(),
        links,
        branch_only: branch.is_some(),
    };
    Ok(render(page)?.into_response())
}

/// One export as a file: `.xlsx`, or CSV in UTF-8 with a BOM.
pub async fn file(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(kind): Path<String>,
    Query(query): Query<ExportQuery>,
) -> WebResult<Response> {
    let kind = ExportKind::parse(&kind).ok_or(WebError::NotFound)?;
    let mut request = Request::new(kind);
    request.branch = exports::scope(&viewer.account, kind)?;
    request.audience = Audience::of(viewer.account.role);
    let mut reader = state.store().read().await?;
    if let Some(asked) = query.year {
        let years = reader.period_years(viewer.account.community_id).await?;
        request.year = Some(chosen_year(&years, Some(asked)).ok_or(WebError::NotFound)?);
    }
    let table = exports::table(&mut reader, viewer.account.community_id, &request).await?;
    if query.format == "csv" {
        let name = exports::file_name(&request, "csv");
        return Ok(download("text/csv; charset=utf-8", &name, starledger_exchange::write::csv_bytes(&table)));
    }
    let name = exports::file_name(&request, "xlsx");
    let bytes =
        starledger_exchange::write::xlsx_bytes(&name, &[table]).map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(download("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", &name, bytes))
}
