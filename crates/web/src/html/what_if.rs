//! The committee's "what if": the year's ledger replayed under a proposed
//! rulebook, to see who a rule change would move between star levels before
//! the rulebook is adopted for a coming year. The page reads only; the
//! replay is `starledger_app::what_if`.

use crate::calendar::chosen_past_year;
use crate::error::{WebError, WebResult, Why, render};
use crate::i18n::{Lang, Tr};
use crate::page::{Page, star_text};
use crate::proof::CheckedForm;
use crate::session::SignedIn;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use starledger_app::what_if::{WhatIf, what_if};
use starledger_domain::org::Role;
use starledger_domain::rulebook::Rulebook;
use starledger_domain::what_if::RuleChange;
use starledger_store::OrgQueries;

/// A rulebook is a few hundred lines; this is ten times the shipped one.
const MAX_RULEBOOK_CHARS: usize = 200_000;

/// Who may try a rulebook: the committee, and the auditor who checks it.
const MAY_TRY: &[Role] = &[Role::Committee, Role::Auditor];

struct MoverRow {
    name: String,
    branch: String,
    stars_before: String,
    stars_after: String,
    total_before: String,
    total_after: String,
    why: String,
    categories: String,
}

/// What the replay found, as the page shows it.
struct Outcome {
    proposed_version: String,
    changes: Vec<String>,
    /// Rules the proposal lacks, in words.
    dropped: Vec<String>,
    /// (stars, members now, members proposed), five stars first.
    levels: Vec<(String, usize, usize)>,
    places: (usize, usize),
    movers: Vec<MoverRow>,
}

#[derive(Template)]
#[template(path = "what_if.html")]
struct WhatIfPage {
    page: Page,
    year: i16,
    years: Vec<i16>,
    current_version: String,
    rulebook: String,
    error: String,
    outcome: Option<Outcome>,
}

fn words(t: Tr, change: &RuleChange) -> String {
    if t.0 == Lang::Zh { change.zh.clone() } else { change.en.clone() }
}

fn category_name(rulebook: &Rulebook, key: &str) -> String {
    rulebook.category(key).map_or_else(|| key.to_string(), |c| c.name.clone())
}

fn outcome(t: Tr, replay: &WhatIf) -> Outcome {
    let c = &replay.comparison;
    Outcome {
        proposed_version: replay.proposed.version.clone(),
        changes: replay.changes.iter().map(|change| words(t, change)).collect(),
        dropped: replay
            .dropped
            .iter()
            .map(|(rule, entries)| t.fill("what_if_dropped", &[("rule", rule), ("entries", entries)]))
            .collect(),
        levels: (0..=5usize).rev().map(|n| (star_text(n as u8), c.stars_before[n], c.stars_after[n])).collect(),
        places: (c.five_star_places_before, c.five_star_places_after),
        movers: c
            .movers
            .iter()
            .map(|m| MoverRow {
                name: m.name.clone(),
                branch: m.branch.clone(),
                stars_before: star_text(m.before.stars),
                stars_after: star_text(m.after.stars),
                total_before: m.before.total.to_string(),
                total_after: m.after.total.to_string(),
                why: words(t, &m.why),
                categories: m
                    .categories
                    .iter()
                    .map(|k| {
                        let name = category_name(&replay.proposed, &k.category);
                        format!("{name} {} → {}", k.before, k.after)
                    })
                    .collect::<Vec<_>>()
                    .join("；"),
            })
            .collect(),
    }
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
    viewer.require(MAY_TRY)?;
    let community = viewer.account.community_id;
    let mut reader = state.store().read().await?;
    let years = reader.period_years(community).await?;
    let year = chosen_past_year(&years, query.year).ok_or(WebError::NotFound)?;
    let period = reader.period(community, year).await?.ok_or(WebError::NotFound)?;
    let text = reader.period_rulebook_text(community, year).await?.unwrap_or_default();
    let page = WhatIfPage {
        page: Page::signed_in(&viewer, "what_if"),
        year: year.get(),
        years: years.iter().map(|y| y.get()).collect(),
        current_version: period.rulebook.version.clone(),
        rulebook: text,
        error: String::new(),
        outcome: None,
    };
    Ok(render(page)?.into_response())
}

#[derive(Deserialize)]
pub struct TryForm {
    year: i64,
    rulebook: String,
}

pub async fn replay(
    State(state): State<AppState>,
    viewer: SignedIn,
    CheckedForm(form): CheckedForm<TryForm>,
) -> WebResult<Response> {
    viewer.require(MAY_TRY)?;
    let length = form.rulebook.chars().count();
    if length > MAX_RULEBOOK_CHARS {
        return Err(WebError::BadRequest(Why::new(
            format!("规则文件最多 {MAX_RULEBOOK_CHARS} 个字符（此文件 {length} 个）。"),
            format!("rulebook: at most {MAX_RULEBOOK_CHARS} characters (this one has {length})"),
        )));
    }
    let community = viewer.account.community_id;
    let mut reader = state.store().read().await?;
    let years = reader.period_years(community).await?;
    let year = chosen_past_year(&years, Some(form.year)).ok_or(WebError::NotFound)?;
    let period = reader.period(community, year).await?.ok_or(WebError::NotFound)?;
    let (outcome, error) = match Rulebook::parse(&form.rulebook) {
        Ok(proposed) => (Some(self::outcome(viewer.t, &what_if(&mut reader, community, year, proposed).await?)), None),
        // The text stays in the form with the line and field at fault, so
        // the edit is not lost.
        Err(e) => (None, Some(e)),
    };
    let page = WhatIfPage {
        page: Page::signed_in(&viewer, "what_if"),
        year: year.get(),
        years: years.iter().map(|y| y.get()).collect(),
        current_version: period.rulebook.version.clone(),
        rulebook: form.rulebook,
        error: error
            .as_ref()
            .map(|e| {
                viewer
                    .t
                    .fill("what_if_bad_rulebook", &[("line", &e.line), ("field", &e.field), ("message", &e.message)])
            })
            .unwrap_or_default(),
        outcome,
    };
    let status = if error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    Ok((status, render(page)?).into_response())
}
