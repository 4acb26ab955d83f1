//! Household linking (联户定岗) for the committee: select households and
//! link them to a member, or unlink them, in one go. A member with a post or
//! an exemption does not link households, and no member goes past the
//! rulebook's maximum; a refused batch writes nothing.

use crate::calendar::{current_period, today};
use crate::error::Why;
use crate::error::english;
use crate::error::{WebError, WebResult, render};
use crate::page::Page;
use crate::session::SignedIn;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use starledger_domain::linking::may_link_one_more;
use starledger_domain::org::Role;
use starledger_domain::rulebook::Rulebook;
use starledger_store::OrgQueries;

#[derive(Template)]
#[template(path = "households.html")]
struct HouseholdsPage {
    page: Page,
    message: Option<String>,
    members: Vec<(i64, String)>,
    households: Vec<(i64, String, String)>,
    page_number: usize,
    pages: usize,
    page_link: &'static str,
}

/// Households on one page: a community of a thousand and more households
/// is read a page at a time (each page well under 100 KB).
pub const HOUSEHOLDS_PER_PAGE: usize = 200;

#[derive(serde::Deserialize)]
pub struct HouseholdsQuery {
    page: Option<usize>,
}

async fn page(state: &AppState, viewer: &SignedIn, message: Option<String>, wanted: usize) -> WebResult<Response> {
    let community = viewer.account.community_id;
    let mut reader = state.store().read().await?;
    let counts = reader.link_counts(community).await?;
    let mut members: Vec<(String, i64, String)> = reader
        .members(community)
        .await?
        .into_iter()
        .filter(|m| m.linking.is_linked() && m.left_on.is_none())
        .map(|m| {
            let label = format!("{}（{}，{}户）", m.name, m.branch, counts.get(&m.id).copied().unwrap_or(0));
            (crate::names::sort_key(m.name.as_str()), m.id, label)
        })
        .collect();
    members.sort();
    let all = reader.households(community).await?;
    let pages = all.len().div_ceil(HOUSEHOLDS_PER_PAGE).max(1);
    let page_number = wanted.clamp(1, pages);
    let households = all
        .into_iter()
        .skip((page_number - 1) * HOUSEHOLDS_PER_PAGE)
        .take(HOUSEHOLDS_PER_PAGE)
        .map(|h| (h.id, h.address, h.member_name.unwrap_or_else(|| "（未联户）".into())))
        .collect();
    let page = HouseholdsPage {
        page: Page::signed_in(viewer, "link_households"),
        message,
        members: members.into_iter().map(|(_, id, label)| (id, label)).collect(),
        households,
        page_number,
        pages,
        page_link: "/households?page=",
    };
    Ok(render(page)?.into_response())
}

pub async fn show(
    State(state): State<AppState>,
    viewer: SignedIn,
    axum::extract::Query(query): axum::extract::Query<HouseholdsQuery>,
) -> WebResult<Response> {
    viewer.require(&[Role::Committee, Role::Auditor])?;
    page(&state, &viewer, None, query.page.unwrap_or(1)).await
}

/// The form posts `h` once per selected household, so it is read as pairs.
pub async fn change(
    State(state): State<AppState>,
    viewer: SignedIn,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> WebResult<Response> {
    let field = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("");
    viewer.check_csrf(field("csrf"))?;
    starledger_domain::duty::may_administer(&viewer.account, "link households")?;
    // The form's page comes back after the change.
    let on_page = field("page").parse().unwrap_or(1);
    let selected: Vec<i64> = pairs.iter().filter(|(k, _)| k == "h").filter_map(|(_, v)| v.parse().ok()).collect();
    if selected.is_empty() {
        return page(&state, &viewer, Some("请先选择农户 / select households first".into()), on_page).await;
    }
    let community = viewer.account.community_id;
    let actor = viewer.actor();
    let mut tx = viewer.write(&state).await?;
    let rulebook = current_period(&mut tx, community).await?.map_or_else(Rulebook::default_rulebook, |p| p.rulebook);
    let message = match field("action") {
        "link" => {
            let member_id: i64 =
                field("member").parse().map_err(|_| WebError::BadRequest("member: not a number".into()))?;
            let member = tx.member(community, member_id).await?;
            if member.left_on.is_some_and(|left| left < today()) {
                return Err(WebError::Refused(Why::new(
                    format!("{}已不在党员名册中。", member.name),
                    format!("{} has left the roll", member.name),
                )));
            }
            if let Some(excuse) = member.linking.excuse() {
                return Err(WebError::Refused(Why::new(
                    format!("{}不承担联户任务（{excuse}）。", member.name),
                    format!("{} does not link households ({excuse})", member.name),
                )));
            }
            let mut linked = tx.link_counts(community).await?.get(&member_id).copied().unwrap_or(0);
            for household in &selected {
                let current = tx.household(community, *household).await?;
                if current.member_id == Some(member_id) {
                    continue;
                }
                may_link_one_more(member_id, linked, &rulebook.linking)
                    .map_err(|e| WebError::Refused(e.to_string().into()))?;
                tx.link_household(community, *household, member_id, today(), &actor).await?;
                tx.audit(
                    Some(community),
                    &actor,
                    "household.link",
                    &format!("household {household} -> member {member_id}"),
                )
                .await?;
                linked += 1;
            }
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
        other => return Err(WebError::BadRequest(english!("unknown action \"{other}\""))),
    };
    tx.commit().await?;
    page(&state, &viewer, Some(message), on_page).await
}
