//! `/audit/household-origins`: for the auditor and the committee, the
//! year's flags about where household ratings came from
//! (`starledger_app::household_origins::flags`), each with the ledger
//! entries behind it. Prompts to look at, never penalties.

use crate::calendar::today;
use crate::error::{WebError, WebResult, Why, render};
use crate::i18n::Lang;
use crate::page::Page;
use crate::session::SignedIn;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use starledger_app::household_origins;
use starledger_domain::org::{Role, Year};

struct FlagRow {
    kind: &'static str,
    text: String,
    entries: Vec<i64>,
}

#[derive(Template)]
#[template(path = "household_origins.html")]
struct OriginsPage {
    page: Page,
    year: i16,
    flags: Vec<FlagRow>,
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
    viewer.require(&[Role::Auditor, Role::Committee])?;
    let year = match query.year {
        Some(year) => Year::new(year).map_err(|e| WebError::BadRequest(Why::new(e.zh(), format!("year: {e}"))))?,
        None => Year::of(today()),
    };
    let mut reader = state.store().read().await?;
    let flags = household_origins::flags(&mut reader, viewer.account.community_id, year).await?;
    let flags = flags
        .into_iter()
        .map(|flag| FlagRow {
            kind: flag.kind.as_str(),
            text: if viewer.t.0 == Lang::En { flag.en } else { flag.zh },
            entries: flag.entries,
        })
        .collect();
    let page = OriginsPage { page: Page::signed_in(&viewer, "origins_title"), year: year.get(), flags };
    Ok(render(page)?.into_response())
}
