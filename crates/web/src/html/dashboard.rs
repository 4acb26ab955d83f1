//! The committee's dashboard (工作台): members by branch, household coverage
//! (households without a member; members outside the linking range, with
//! excused members apart and their reasons), this year's standings so far,
//! and what awaits action. A branch secretary sees their own branch.

use crate::calendar::{chosen_year, today};
use crate::error::WebResult;
use crate::page::{Page, star_text};
use crate::session::SignedIn;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use starledger_app::standings::Audience;
use starledger_domain::linking::{LinkStatus, link_status};
use starledger_domain::org::{BranchId, MemberId, Role};
use starledger_domain::points::Points;
use starledger_domain::rulebook::Rulebook;
use starledger_store::{ClaimQueries, MeetingQueries, OrgQueries, RatingQueries};

struct BranchRow {
    name: String,
    members: usize,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    page: Page,
    community: String,
    branches: Vec<BranchRow>,
    unlinked: Vec<String>,
    outside: Vec<String>,
    excused: Vec<String>,
    missing_links: usize,
    pending_claims: usize,
    pending_leave: usize,
    open_meetings: usize,
    year: Option<i16>,
    top: Vec<(u32, String, String, Points, String)>,
}

pub async fn show(State(state): State<AppState>, viewer: SignedIn) -> WebResult<Response> {
    if viewer.is(Role::Member) {
        return Ok(Redirect::to("/me").into_response());
    }
    let community = viewer.account.community_id;
    let store = state.store();
    let mut reader = store.read().await?;
    // The current year's rating, kept between writes; its period carries the
    // rulebook, parsed once per change rather than on every visit.
    let years = reader.period_years(community).await?;
    let kept = match chosen_year(&years, None) {
        Some(year) => state.ratings().get(&mut reader, community, year, Audience::of(viewer.account.role)).await?,
        None => None,
    };
    let rulebook = kept.as_ref().map_or_else(Rulebook::default_rulebook, |k| k.period.rulebook.clone());
    let name = reader.community(community).await?.name;
    // A branch secretary's view is their branch.
    let in_view =
        |branch_id: BranchId| !viewer.is(Role::BranchSecretary) || viewer.account.branch_id == Some(branch_id);
    let today = today();
    let members: Vec<_> = reader
        .members(community)
        .await?
        .into_iter()
        .filter(|m| in_view(m.branch_id) && m.left_on.is_none_or(|left| left >= today))
        .collect();
    let counts = reader.link_counts(community).await?;
    let branches = reader
        .branches(community)
        .await?
        .into_iter()
        .filter(|(id, _)| in_view(*id))
        .map(|(id, name)| BranchRow { name, members: members.iter().filter(|m| m.branch_id == id).count() })
        .collect();
    let mut outside = Vec::new();
    let mut excused = Vec::new();
    for member in &members {
        let linked = counts.get(&member.id).copied().unwrap_or(0);
        match link_status(&member.linking, linked, &rulebook.linking) {
            LinkStatus::WithinRange => {}
            LinkStatus::TooFew { linked, min } => outside.push(format!("{}：{linked}户（少于{min}户）", member.name)),
            LinkStatus::TooMany { linked, max } => outside.push(format!("{}：{linked}户（多于{max}户）", member.name)),
            LinkStatus::Excused { excuse, .. } => excused.push(format!("{}：{excuse}", member.name)),
        }
    }
    let households = reader.households(community).await?;
    let tokens = reader.live_tokens(community).await?;
    let member_ids: std::collections::HashSet<MemberId> = members.iter().map(|m| m.id).collect();
    let unlinked = if viewer.is(Role::BranchSecretary) {
        Vec::new()
    } else {
        households.iter().filter(|h| h.member_id.is_none()).map(|h| h.address.clone()).collect()
    };
    let missing_links = households
        .iter()
        .filter(|h| h.member_id.is_some_and(|m| member_ids.contains(&m)) && !tokens.contains_key(&h.id))
        .count();
    let scope = if viewer.is(Role::BranchSecretary) { viewer.account.branch_id } else { None };
    let pending_claims = reader.pending_claims(community, scope).await?.len();
    let meetings = reader.meetings(community, scope).await?;
    let pending_leave = reader
        .leave_requests(community, None, true)
        .await?
        .iter()
        .filter(|l| meetings.iter().any(|m| m.id == l.meeting_id))
        .count();
    let now = crate::session::now();
    let open_meetings = meetings.iter().filter(|m| m.closed_at.is_none() && m.starts_at < now).count();
    let (year, top) = match &kept {
        Some(kept) => {
            let top = kept
                .rating
                .members
                .iter()
                .filter(|m| m.rank.is_some() && member_ids.contains(&m.member_id))
                .take(10)
                .map(|m| (m.rank.unwrap_or(0), m.name.clone(), m.branch.clone(), m.total, star_text(m.stars)))
                .collect();
            (Some(kept.period.year.get()), top)
        }
        None => (None, Vec::new()),
    };
    let page = DashboardPage {
        page: Page::signed_in(&viewer, "dashboard"),
        community: name,
        branches,
        unlinked,
        outside,
        excused,
        missing_links,
        pending_claims,
        pending_leave,
        open_meetings,
        year,
        top,
    };
    Ok(crate::error::render(page)?.into_response())
}
