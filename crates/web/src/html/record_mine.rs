//! "My record" (我的积分): every point of the member's own total with its
//! reason, source, recorder, rule and time, by category, with the running
//! total and rank. Household ratings are shown as counts per window, and a
//! window with fewer than three ratings shows only its points, so that no
//! member can tell which household said what.

use crate::calendar::{chosen_year, is_running};
use crate::error::{WebError, WebResult, Why, render};
use crate::i18n::Tr;
use crate::page::{Page, reasons_text, star_text};
use crate::session::SignedIn;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use starledger_app::standings::Audience;
use starledger_domain::ledger::{Actor, Entry};
use starledger_domain::org::{Account, AccountId, BranchId, MemberId};
use starledger_domain::points::Points;
use starledger_domain::rating::{CreditKind, Gap, TermKind};
use starledger_domain::rulebook::Rulebook;
use starledger_store::{LedgerQueries, OrgQueries, SealQueries};
use std::collections::HashMap;

/// Where an entry came from, as the page's language names it.
pub(crate) fn source_label(t: Tr, source_kind: &str) -> String {
    let key = match source_kind {
        "attendance" => "source_attendance",
        "study" => "source_study",
        "visit" => "source_visit",
        "household" => "source_household",
        "activity" => "source_activity",
        "decision" => "source_decision",
        "ballot" => "source_ballot",
        "adjustment" => "source_adjustment",
        "reversal" => "source_reversal",
        // A source a later rulebook adds shows its key until it is named here.
        other => return other.to_string(),
    };
    t.get(key).to_string()
}

struct EntryRow {
    id: i64,
    date: String,
    rule: String,
    reason: String,
    points: String,
    source: String,
    recorder: String,
    recorded_at: String,
    marks: String,
}

#[derive(Default)]
pub(crate) struct WindowRow {
    pub(crate) label: String,
    pub(crate) shown: bool,
    pub(crate) satisfied: i64,
    pub(crate) basically: i64,
    pub(crate) not: i64,
    pub(crate) points: Points,
}

pub(crate) struct CategoryRow {
    pub(crate) name: String,
    pub(crate) points: Points,
    entries: Vec<EntryRow>,
    pub(crate) windows: Vec<WindowRow>,
}

struct Summary {
    year: i16,
    total: Points,
    stars: String,
    rank: Option<u32>,
    eligible: usize,
    reasons: Vec<String>,
    /// Every term of the total (each category's entries, any cut to its
    /// cap, the credits): they add up to `total`.
    terms: Vec<TermRow>,
    rulebook_version: String,
}

struct TermRow {
    kind: &'static str,
    label: String,
    reason: String,
    points: Points,
}

#[derive(Template)]
#[template(path = "record_mine.html")]
struct RecordPage {
    page: Page,
    /// The year is sealed: each entry offers its receipt.
    sealed: bool,
    /// The member's id, for the link to their stars by year.
    member_id: MemberId,
    name: String,
    branch: String,
    summary: Option<Summary>,
    categories: Vec<CategoryRow>,
    /// The years with a period, for the picker, and the one shown.
    years: Vec<i16>,
    year: i16,
    year_base: &'static str,
    /// The year is still running: the page says so.
    running: bool,
    /// Someone in the community has points: until then nobody is ranked.
    ranked: bool,
    /// While the year runs: how far the next star level is, and where
    /// points can still grow.
    gap: Option<GapView>,
    /// The member's points by category and by month against the branch's
    /// median: each chart with its table.
    charts: Vec<String>,
}

struct GapView {
    headline: String,
    /// Each category with what it can still gain, in words.
    room: Vec<String>,
}

/// The gap to the next star level in the page's language.
fn gap_view(t: Tr, rulebook: &Rulebook, total: Points, gap: Gap) -> GapView {
    let headline = match gap.five_star_cut {
        Some(cut) => t.fill("gap_five", &[("points", &gap.points), ("cut", &cut)]),
        None => t.fill("gap_next", &[("points", &gap.points), ("stars", &gap.next), ("line", &(total + gap.points))]),
    };
    let room = gap
        .room
        .iter()
        .map(|(key, room)| {
            let name = rulebook.category(key).map_or(key.as_str(), |c| c.name.as_str());
            match room {
                None => format!("{name} {}", t.get("gap_no_cap")),
                Some(room) if *room == Points::ZERO => format!("{name} {}", t.get("gap_full")),
                Some(room) => format!("{name} +{room}"),
            }
        })
        .collect();
    GapView { headline, room }
}

/// A year with no points yet ranks nobody (not everyone 1st at 0).
pub(crate) fn ranks_anyone(rating: &starledger_domain::rating::Rating) -> bool {
    rating.members.iter().any(|m| m.total != Points::ZERO)
}

/// A member's entries of a year by category, as their record shows them
/// (the page, and `GET /api/v1/me`): household ratings as counts per
/// window, withheld below three ratings; the running window's
/// points left out of what the member sees until then.
pub(crate) async fn categories<Q: OrgQueries>(
    reader: &mut Q,
    account: &Account,
    t: Tr,
    rulebook: &Rulebook,
    entries: &[Entry],
) -> WebResult<Vec<CategoryRow>> {
    let community = account.community_id;
    // Who recorded the entries: accounts, and branches by their ballots.
    let (mut recorders, mut ballots) = (Vec::new(), Vec::new());
    for entry in entries {
        match entry.draft.recorded_by {
            Actor::Account(id) => recorders.push(id),
            Actor::BranchBallot(id) => ballots.push(id),
            _ => {}
        }
    }
    recorders.sort_unstable();
    recorders.dedup();
    ballots.sort_unstable();
    ballots.dedup();
    let accounts: HashMap<AccountId, String> = reader
        .accounts_among(community, &recorders)
        .await?
        .into_iter()
        .map(|a| (a.id, format!("{}（{}）", a.name, a.role.label_zh())))
        .collect();
    let branches: HashMap<BranchId, String> = reader.branches_among(community, &ballots).await?.into_iter().collect();
    // The categories as the printed record has them (one computation).
    let sees_counts = starledger_app::record::sees_counts(account.role);
    Ok(starledger_app::record::categories(rulebook, entries, sees_counts, crate::calendar::today())
        .into_iter()
        .map(|c| CategoryRow {
            name: c.name,
            points: c.points,
            windows: c
                .windows
                .iter()
                .map(|w| WindowRow {
                    label: w.label(),
                    shown: w.shown,
                    satisfied: w.satisfied,
                    basically: w.basically,
                    not: w.not,
                    points: w.points,
                })
                .collect(),
            entries: c
                .entries
                .into_iter()
                .map(|e| EntryRow {
                    id: e.id,
                    date: e.date.to_string(),
                    rule: e.rule,
                    reason: e.reason,
                    points: starledger_app::record::signed(e.points),
                    source: source_label(t, &e.source_kind),
                    recorder: match e.recorded_by {
                        Actor::Account(id) => accounts.get(&id).cloned().unwrap_or_else(|| format!("#{id}")),
                        Actor::BranchBallot(id) => {
                            format!("{} 民主评议票决", branches.get(&id).cloned().unwrap_or_default())
                        }
                        Actor::Household(_) => "联系户".to_string(),
                        Actor::Decision(id) => format!("党委会决定（诚信档案 #{id}）"),
                    },
                    recorded_at: crate::calendar::local(e.recorded_at),
                    marks: e.marks,
                })
                .collect(),
        })
        .collect())
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
    let member_id = viewer.account.member_id.ok_or_else(|| {
        WebError::Forbidden(Why::new("此账号不是党员本人的账号，没有个人积分。", "this account is not a member's"))
    })?;
    let community = viewer.account.community_id;
    let store = state.store();
    let mut reader = store.read().await?;
    let member = reader.member(community, member_id).await?;
    let period_years = reader.period_years(community).await?;
    let years: Vec<i16> = period_years.iter().map(|y| y.get()).collect();
    let kept = match chosen_year(&period_years, query.year) {
        Some(year) => {
            let audience = Audience::of(viewer.account.role);
            state.figures().get(&mut reader, state.ratings(), community, year, audience).await?
        }
        None => None,
    };
    let Some((kept, figures)) = kept else {
        let page = RecordPage {
            sealed: false,
            page: Page::signed_in(&viewer, "my_record"),
            member_id,
            name: member.name.to_string(),
            branch: member.branch,
            summary: None,
            categories: Vec::new(),
            years,
            year: 0,
            year_base: "/me",
            running: false,
            ranked: true,
            gap: None,
            charts: Vec::new(),
        };
        return Ok(render(page)?.into_response());
    };
    let year = kept.period.year;
    let rulebook = &kept.period.rulebook;
    let entries = reader.member_entries(community, member_id, year).await?;
    let rating = &kept.rating;
    let ranked = ranks_anyone(rating);
    let categories = categories(&mut reader, &viewer.account, viewer.t, rulebook, &entries).await?;
    let rated = kept.member(member_id);
    let summary = Summary {
        year: year.get(),
        total: rated.map_or(Points::ZERO, |m| m.total),
        stars: if ranked { star_text(rated.map_or(0, |m| m.stars)) } else { String::new() },
        rank: rated.and_then(|m| m.rank).filter(|_| ranked),
        eligible: rating.eligible_count,
        reasons: rated
            .map(|m| m.reasons.iter().map(|r| reasons_text(viewer.t, std::slice::from_ref(r))).collect())
            .unwrap_or_default(),
        terms: rated
            .map(|m| {
                m.terms()
                    .into_iter()
                    .map(|t| {
                        let category = t
                            .category
                            .as_deref()
                            .map(|key| rulebook.category(key).map_or(key.to_string(), |c| c.name.clone()));
                        let label = match t.kind {
                            TermKind::Ledger => category.unwrap_or_default(),
                            TermKind::OverCap => {
                                viewer.t.fill_one("term_over_cap_label", "category", category.unwrap_or_default())
                            }
                            TermKind::Credit(CreditKind::ExemptLinking) => {
                                viewer.t.fill_one("term_exempt_label", "category", category.unwrap_or_default())
                            }
                            TermKind::Credit(CreditKind::PartialYear) => viewer.t.get("term_partial_year").to_string(),
                        };
                        // The ledger's and the cap's terms are said by the
                        // page in its language; a credit's reason is the
                        // rulebook's own Chinese text (an excuse, a scale).
                        let reason = match t.kind {
                            TermKind::Ledger => viewer.t.get("term_ledger").to_string(),
                            TermKind::OverCap => viewer.t.fill(
                                "term_over_cap",
                                &[
                                    (
                                        "cap",
                                        &t.category
                                            .as_deref()
                                            .and_then(|key| m.categories.get(key))
                                            .copied()
                                            .unwrap_or_default(),
                                    ),
                                    ("cut", &-t.points),
                                ],
                            ),
                            TermKind::Credit(_) => t.reason,
                        };
                        TermRow { kind: t.kind.as_str(), label, reason, points: t.points }
                    })
                    .collect()
            })
            .unwrap_or_default(),
        rulebook_version: rating.rulebook_version.clone(),
    };
    let gap = if is_running(year) {
        rating.gap(rulebook, member_id).map(|gap| gap_view(viewer.t, rulebook, summary.total, gap))
    } else {
        None
    };
    let page = RecordPage {
        sealed: reader.is_sealed(community, year).await?,
        page: Page::signed_in(&viewer, "my_record"),
        member_id,
        name: member.name.to_string(),
        branch: member.branch,
        summary: Some(summary),
        categories,
        years,
        year: year.get(),
        year_base: "/me",
        running: is_running(year),
        ranked,
        gap,
        charts: figures
            .member(&kept, member_id)
            .map(|f| crate::html::figures::member_charts(viewer.t, &f))
            .unwrap_or_default(),
    };
    Ok(render(page)?.into_response())
}

/// A receipt for one of the member's own entries: its place in the year's
/// seal, to check with `starledger receipt check` against the seal a
/// street or city keeps. Another member's entry is not found.
pub async fn receipt(
    State(state): State<AppState>,
    viewer: SignedIn,
    axum::extract::Path(entry): axum::extract::Path<i64>,
) -> WebResult<Response> {
    let member_id = viewer
        .account
        .member_id
        .ok_or_else(|| WebError::Forbidden(Why::new("此账号不属于任何党员。", "this account is not a member's")))?;
    let community = viewer.account.community_id;
    let mut reader = state.store().read().await?;
    let receipt = starledger_app::seals::receipt(&mut reader, community, entry, Some(member_id)).await?;
    let body = serde_json::to_string(&receipt).map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(crate::download::download("application/json", &format!("receipt-{entry}.json"), body))
}
