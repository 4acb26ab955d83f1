//! The auditor's pages: a year's anomaly flags (异常提示), each linking to
//! the entries behind it, and a read-only list of ledger entries chosen by
//! such a link. The flags and the choosing are `app::anomalies`'s; these
//! pages only parse and render. A household's rating shows that a household
//! rated, never which one (docs/privacy.md).

use crate::calendar::chosen_year;
use crate::error::{WebError, WebResult, Why, render};
use crate::html::record_mine::source_label;
use crate::i18n::{Lang, Tr};
use crate::page::Page;
use crate::session::SignedIn;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use starledger_app::anomalies::{self, Selection, days_late};
use starledger_domain::ledger::Actor;
use starledger_domain::org::{AccountId, BranchId, CommunityId, MemberId, Year};
use starledger_store::{EntryFact, OrgQueries};
use std::collections::HashMap;

struct FlagRow {
    kind: &'static str,
    title: &'static str,
    seen: String,
    count: usize,
    link: String,
}

#[derive(Template)]
#[template(path = "anomalies.html")]
struct AnomaliesPage {
    page: Page,
    years: Vec<i16>,
    year: i16,
    flags: Vec<FlagRow>,
    entries_read: usize,
}

#[derive(Deserialize)]
pub struct YearQuery {
    year: Option<i64>,
}

/// The years with a period, and the one asked for (404 for a year without one).
async fn year_of(
    reader: &mut impl OrgQueries,
    community: CommunityId,
    asked: Option<i64>,
) -> WebResult<(Vec<i16>, Option<Year>)> {
    let years = reader.period_years(community).await?;
    let year = chosen_year(&years, asked);
    if asked.is_some() && year.is_none() {
        return Err(WebError::NotFound);
    }
    Ok((years.iter().map(|y| y.get()).collect(), year))
}

/// `/audit/anomalies?year=Y`: the year's flags, for the committee and the auditor.
pub async fn anomalies(
    State(state): State<AppState>,
    viewer: SignedIn,
    Query(query): Query<YearQuery>,
) -> WebResult<Response> {
    viewer.require(&anomalies::READERS)?;
    let community = viewer.account.community_id;
    let mut reader = state.store().read().await?;
    let (years, year) = year_of(&mut reader, community, query.year).await?;
    let found = match year {
        Some(year) => anomalies::scan(&mut reader, community, year).await?,
        None => None,
    };
    let english = viewer.t.0 == Lang::En;
    let (year, flags, entries_read) = match found {
        None => (0, Vec::new(), 0),
        Some(found) => {
            let year = found.year;
            let flags = found
                .flags
                .into_iter()
                .map(|flag| FlagRow {
                    kind: flag.kind.key(),
                    title: if english { flag.kind.en() } else { flag.kind.zh() },
                    count: flag.entries.len(),
                    link: entries_link(year, &flag.selection),
                    seen: if english { flag.en } else { flag.zh },
                })
                .collect();
            (year.get(), flags, found.entries_read)
        }
    };
    let page = AnomaliesPage { page: Page::signed_in(&viewer, "anomalies"), years, year, flags, entries_read };
    Ok(render(page)?.into_response())
}

/// Ids as an address lists them: `3,5,8`.
fn comma_list<Id: std::fmt::Display>(ids: &[Id]) -> String {
    ids.iter().map(ToString::to_string).collect::<Vec<_>>().join(",")
}

/// The address of the entries a selection gives in a year.
fn entries_link(year: Year, selection: &Selection) -> String {
    let mut link = form_urlencoded::Serializer::new(String::new());
    link.append_pair("year", &year.get().to_string());
    if !selection.ids.is_empty() {
        link.append_pair("ids", &comma_list(&selection.ids));
    }
    if !selection.members.is_empty() {
        link.append_pair("members", &comma_list(&selection.members));
    }
    if let Some(branch) = selection.branch {
        link.append_pair("branch", &branch.to_string());
    }
    if let Some(recorder) = selection.recorder {
        link.append_pair("recorder", &recorder.to_string());
    }
    if let Some(category) = &selection.category {
        link.append_pair("category", category);
    }
    if let Some(days) = selection.late_after_days {
        link.append_pair("late", &days.to_string());
    }
    format!("/audit/entries?{}", link.finish())
}

/// How many entries one page of the list shows.
const ENTRIES_PER_PAGE: usize = 200;
/// The most ids or members one address may list.
const MOST_LISTED: usize = 2000;

#[derive(Deserialize)]
pub struct EntriesQuery {
    year: Option<i64>,
    ids: Option<String>,
    members: Option<String>,
    branch: Option<String>,
    recorder: Option<String>,
    category: Option<String>,
    late: Option<String>,
    page: Option<usize>,
}

fn bad(zh: &str, en: &str) -> WebError {
    WebError::BadRequest(Why::new(zh, en))
}

/// A comma-separated list of ids.
fn id_list<Id: std::str::FromStr>(text: Option<&str>) -> WebResult<Vec<Id>> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else { return Ok(Vec::new()) };
    let ids: Vec<Id> = text
        .split(',')
        .map(|part| part.trim().parse::<Id>())
        .collect::<Result<_, _>>()
        .map_err(|_| bad("编号列表应为以逗号分隔的数字。", "a list of ids is numbers separated by commas"))?;
    if ids.len() > MOST_LISTED {
        return Err(bad("一次列出的编号太多。", "too many ids in one address"));
    }
    Ok(ids)
}

impl EntriesQuery {
    fn selection(&self) -> WebResult<Selection> {
        let number = |text: &Option<String>| -> WebResult<Option<i64>> {
            match text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                None => Ok(None),
                Some(t) => t.parse().map(Some).map_err(|_| bad("参数应为数字。", "a number was expected")),
            }
        };
        let recorder = match self.recorder.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            None => None,
            Some(text) => {
                Some(text.parse::<Actor>().map_err(|_| bad("记录人参数不正确。", "the recorder is not one"))?)
            }
        };
        Ok(Selection {
            ids: id_list(self.ids.as_deref())?,
            members: id_list(self.members.as_deref())?,
            branch: number(&self.branch)?.map(BranchId::new),
            recorder,
            category: self.category.clone().filter(|c| !c.trim().is_empty()),
            late_after_days: number(&self.late)?,
        })
    }
}

struct EntryRow {
    id: i64,
    date: String,
    recorded_at: String,
    member: String,
    branch: String,
    rule: String,
    points: String,
    reason: String,
    source: String,
    recorder: String,
    marks: String,
}

#[derive(Template)]
#[template(path = "audit_entries.html")]
struct EntriesPage {
    page: Page,
    year: i16,
    /// How many entries the link chooses, in words.
    count_text: String,
    rows: Vec<EntryRow>,
    page_number: usize,
    pages: usize,
    page_link: String,
}

/// Who recorded an entry, in the page's language; a household is not named.
fn recorder_label(
    t: Tr,
    actor: Actor,
    accounts: &HashMap<AccountId, String>,
    branches: &HashMap<BranchId, String>,
) -> String {
    match actor {
        Actor::Account(id) => accounts.get(&id).cloned().unwrap_or_else(|| format!("#{id}")),
        Actor::Household(_) => t.get("recorder_household").to_string(),
        Actor::BranchBallot(id) => {
            t.fill_one("recorder_ballot", "branch", branches.get(&id).cloned().unwrap_or_default())
        }
        Actor::Decision(id) => t.fill_one("recorder_decision", "id", id),
    }
}

/// `/audit/entries?year=Y&...`: the year's entries a flag's link chooses,
/// read-only, for the committee and the auditor.
pub async fn entries(
    State(state): State<AppState>,
    viewer: SignedIn,
    Query(query): Query<EntriesQuery>,
) -> WebResult<Response> {
    viewer.require(&anomalies::READERS)?;
    let selection = query.selection()?;
    let community = viewer.account.community_id;
    let mut reader = state.store().read().await?;
    let (_, year) = year_of(&mut reader, community, query.year).await?;
    let year = year.ok_or(WebError::NotFound)?;
    let page_number = query.page.unwrap_or(1).max(1);
    let offset = (page_number - 1).saturating_mul(ENTRIES_PER_PAGE);
    let Some((total, entries)) =
        anomalies::selected_entries(&mut reader, community, year, &selection, offset, ENTRIES_PER_PAGE).await?
    else {
        return Err(WebError::NotFound);
    };
    let period = reader.period(community, year).await?.ok_or(WebError::NotFound)?;
    let members: HashMap<MemberId, (String, BranchId)> =
        reader.members(community).await?.into_iter().map(|m| (m.id, (m.name.to_string(), m.branch_id))).collect();
    let branches: HashMap<BranchId, String> = reader.branches(community).await?.into_iter().collect();
    let mut recorders: Vec<AccountId> = entries
        .iter()
        .filter_map(|e| if let Actor::Account(id) = e.draft.recorded_by { Some(id) } else { None })
        .collect();
    recorders.sort_unstable();
    recorders.dedup();
    let role = |role: starledger_domain::org::Role| viewer.t.get(&format!("role_{}", role.as_str())).to_string();
    let accounts: HashMap<AccountId, String> = reader
        .accounts_among(community, &recorders)
        .await?
        .into_iter()
        .map(|a| (a.id, format!("{}（{}）", a.name, role(a.role))))
        .collect();
    let t = viewer.t;
    let rows = entries
        .iter()
        .map(|entry| {
            let draft = &entry.draft;
            let (member, branch) = members
                .get(&draft.member_id)
                .map(|(name, branch)| (name.clone(), branches.get(branch).cloned().unwrap_or_default()))
                .unwrap_or_else(|| (format!("#{}", draft.member_id), String::new()));
            let fact = EntryFact {
                id: entry.id,
                member_id: draft.member_id,
                category: draft.category.clone(),
                rule_key: draft.rule_key.clone(),
                points: draft.points,
                recorded_by: draft.recorded_by,
                recorded_at: draft.recorded_at,
                occurred_on: draft.occurred_on,
                reverses: draft.reverses,
            };
            let late = days_late(&fact);
            let marks = match draft.reverses {
                Some(original) => t.fill_one("entry_reverses", "id", original),
                None if late > 0 => t.fill_one("entry_days_late", "days", late),
                None => String::new(),
            };
            EntryRow {
                id: entry.id,
                date: draft.occurred_on.to_string(),
                recorded_at: crate::calendar::local(draft.recorded_at),
                member,
                branch,
                rule: period.rulebook.rule(&draft.rule_key).map_or(draft.rule_key.clone(), |r| r.name.clone()),
                points: if draft.points.is_positive() {
                    format!("+{}", draft.points)
                } else {
                    draft.points.to_string()
                },
                reason: draft.reason.clone(),
                source: source_label(t, &draft.source_kind),
                recorder: recorder_label(t, draft.recorded_by, &accounts, &branches),
                marks,
            }
        })
        .collect();
    let pages = total.div_ceil(ENTRIES_PER_PAGE).max(1);
    let page = EntriesPage {
        page: Page::signed_in(&viewer, "audit_entries"),
        year: year.get(),
        count_text: t.fill("audit_entries_count", &[("year", &year.get()), ("count", &total)]),
        rows,
        page_number,
        pages,
        page_link: format!("{}&page=", entries_link(year, &selection)),
    };
    Ok(render(page)?.into_response())
}
