//! Household linking (联户定岗) for the committee: select households and
//! link them to a member, or unlink them, in one go. A member with a post or
//! an exemption does not link households, and no member goes past the
//! rulebook's maximum (`app::roll::relink`'s rule, the one the transfer
//! out and the import use too); a refused batch writes nothing.

use crate::calendar::current_period;
use crate::error::Why;
use crate::error::{WebError, WebResult, render};
use crate::page::Page;
use crate::proof::CheckedForm;
use crate::session::SignedIn;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use starledger_domain::org::{BranchId, HouseholdId, MemberId, Role};
use starledger_domain::rulebook::Rulebook;
use starledger_store::{HouseholdRow, OrgQueries};

#[derive(Template)]
#[template(path = "households.html")]
struct HouseholdsPage {
    page: Page,
    message: Option<String>,
    /// The picker's members: those `mq` finds with room for one more.
    members: Vec<(MemberId, String)>,
    /// (id, address, head, linked member)
    households: Vec<(HouseholdId, String, String, String)>,
    q: String,
    mq: String,
    filter: String,
    branches: Vec<(BranchId, String, bool)>,
    found: usize,
    may_edit: bool,
    page_number: usize,
    pages: usize,
    page_link: String,
}

/// The list's search and filters, from the address bar.
#[derive(Deserialize, Default, Clone)]
pub struct HouseholdsQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    mq: String,
    #[serde(default)]
    filter: String,
    branch: Option<String>,
    page: Option<usize>,
    #[serde(default)]
    done: String,
}

/// Does `q` find a household: its head (name or pinyin), its address, or
/// its phone's last four digits (never shown, only matched)?
fn household_matches(h: &HouseholdRow, q: &str) -> bool {
    let q = q.trim();
    if q.is_empty() {
        return true;
    }
    if q.len() == 4 && q.bytes().all(|b| b.is_ascii_digit()) {
        return h.phone.as_deref().is_some_and(|p| p.ends_with(q));
    }
    h.address.contains(q) || h.head_name.as_deref().is_some_and(|head| crate::names::matches(head, q))
}

async fn page(
    state: &AppState,
    viewer: &SignedIn,
    query: HouseholdsQuery,
    message: Option<String>,
) -> WebResult<Response> {
    let community = viewer.account.community_id;
    let mut reader = state.store().read().await?;
    let branch = query.branch.as_deref().and_then(|b| b.parse::<BranchId>().ok());
    let branch_of: std::collections::HashMap<MemberId, BranchId> =
        reader.members(community).await?.into_iter().map(|m| (m.id, m.branch_id)).collect();
    let filter = if query.filter == "unlinked" { "unlinked" } else { "" };
    let found: Vec<(HouseholdId, String, String, String)> = reader
        .households(community)
        .await?
        .into_iter()
        .filter(|h| filter != "unlinked" || h.member_id.is_none())
        .filter(|h| branch.is_none_or(|b| h.member_id.and_then(|m| branch_of.get(&m)) == Some(&b)))
        .filter(|h| household_matches(h, &query.q))
        .map(|h| {
            let member = h.member_name.unwrap_or_else(|| "（未联户）".into());
            (h.id, h.address, h.head_name.unwrap_or_default(), member)
        })
        .collect();
    let total = found.len();
    let pages = total.div_ceil(crate::html::roll::PER_PAGE).max(1);
    let page_number = query.page.unwrap_or(1).clamp(1, pages);
    let households = found
        .into_iter()
        .skip((page_number - 1) * crate::html::roll::PER_PAGE)
        .take(crate::html::roll::PER_PAGE)
        .collect();
    let link = {
        let mut link = form_urlencoded::Serializer::new(String::new());
        link.append_pair("q", &query.q).append_pair("filter", filter).append_pair("mq", &query.mq);
        if let Some(branch) = branch {
            link.append_pair("branch", &branch.to_string());
        }
        link.finish()
    };
    let message = message.or_else(|| (query.done == "saved").then(|| viewer.t.get("saved").to_string()));
    let members = if viewer.account.role == Role::Committee {
        crate::html::roll::pickable(state, viewer, &query.mq).await?
    } else {
        Vec::new()
    };
    let page = HouseholdsPage {
        page: Page::signed_in(viewer, "link_households"),
        message,
        members,
        households,
        q: query.q.clone(),
        mq: query.mq.clone(),
        filter: filter.to_string(),
        branches: reader.branches(community).await?.into_iter().map(|(id, n)| (id, n, Some(id) == branch)).collect(),
        found: total,
        may_edit: viewer.account.role == Role::Committee,
        page_number,
        pages,
        page_link: format!("/households?{link}&page="),
    };
    Ok(render(page)?.into_response())
}

pub async fn show(
    State(state): State<AppState>,
    viewer: SignedIn,
    Query(query): Query<HouseholdsQuery>,
) -> WebResult<Response> {
    viewer.require(&starledger_app::households::LIST_READERS)?;
    page(&state, &viewer, query, None).await
}

/// The form posts `h` once per selected household, so it is read as pairs.
pub async fn change(
    State(state): State<AppState>,
    viewer: SignedIn,
    CheckedForm(pairs): CheckedForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let field = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("");
    starledger_domain::duty::may_administer(&viewer.account, "link households")?;
    let selected: Vec<HouseholdId> =
        pairs.iter().filter(|(k, _)| k == "h").filter_map(|(_, v)| v.parse().ok()).collect();
    if selected.is_empty() {
        return page(
            &state,
            &viewer,
            HouseholdsQuery::default(),
            Some(viewer.t.get("select_households_first").to_string()),
        )
        .await;
    }
    let community = viewer.account.community_id;
    let actor = viewer.actor();
    let mut tx = viewer.write(&state).await?;
    let rulebook = current_period(&mut tx, community).await?.map_or_else(Rulebook::default_rulebook, |p| p.rulebook);
    let message = match field("action") {
        "link" => {
            let member_id: MemberId = field("member")
                .parse()
                .map_err(|_| WebError::BadRequest(Why::new("党员：编号无效。", "member: not a number")))?;
            // One rule for linking, the application's: the member is on the
            // roll, links households and has room under the maximum.
            let pairs: Vec<(HouseholdId, MemberId)> =
                selected.iter().map(|household| (*household, member_id)).collect();
            starledger_app::roll::relink(&mut tx, &viewer.account, &rulebook.linking, &pairs).await?;
            let member = tx.member(community, member_id).await?;
            let linked = tx.link_counts(community).await?.get(&member_id).copied().unwrap_or(0);
            format!("{} 现联系 {linked} 户", member.name)
        }
        "unlink" => {
            for household in &selected {
                tx.household(community, *household).await?;
                if tx.unlink_household(community, *household).await? {
                    tx.audit(Some(community), &actor, "household.unlink", &format!("household {household}")).await?;
                }
            }
            format!("已解除 {} 户的联系", selected.len())
        }
        other => {
            return Err(WebError::BadRequest(Why::new(
                format!("操作“{other}”无效。"),
                format!("unknown action \"{other}\""),
            )));
        }
    };
    tx.commit().await?;
    let kept = HouseholdsQuery {
        q: field("q").to_string(),
        mq: field("mq").to_string(),
        filter: field("filter").to_string(),
        ..HouseholdsQuery::default()
    };
    page(&state, &viewer, kept, Some(message)).await
}
