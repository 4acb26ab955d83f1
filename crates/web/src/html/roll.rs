//! The roll on the web (issue 12): the committee's members list (/members,
//! 50 a page, searchable by name, pinyin initials or a phone's last four
//! digits, filtered by branch, probationary members, members outside the
//! linking range, members who left), its forms to add and edit a member and
//! to transfer one out, the household forms, and the member picker's search
//! (/members/pick) that the households page's script asks as one types.
//! Every change is `app::roll`'s; this module parses and renders. Phones
//! are shown masked; an edit form never shows one whole (empty keeps it).

use crate::calendar::{current_period, today};
use crate::error::{WebError, WebResult, Why, render};
use crate::html::confirm::confirmed;
use crate::names;
use crate::page::Page;
use crate::proof::CheckedForm;
use crate::session::SignedIn;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use starledger_app::roll::{self, HouseholdFields, MemberFields, PhoneChange, Relink};
use starledger_domain::org::{BranchId, HouseholdId, Member, MemberId, PartyGroupId, PersonName, Phone, Role};
use starledger_domain::rulebook::Rulebook;
use starledger_store::OrgQueries;

/// Rows per page, as on the standings.
pub const PER_PAGE: usize = 50;
/// Members a picker offers at once: type more to narrow.
pub const PICK_LIMIT: usize = 30;

/// Who reads the roll's lists: the committee, and the auditor who reads everything.
const READERS: &[Role] = &starledger_app::roll::READERS;

/// Does `q` find a member: name, pinyin, or the phone's last four digits?
pub fn member_matches(member: &Member, q: &str) -> bool {
    let q = q.trim();
    if q.len() == 4 && q.bytes().all(|b| b.is_ascii_digit()) {
        return member.phone.as_ref().is_some_and(|p| p.as_str().ends_with(q));
    }
    names::matches(member.name.as_str(), q)
}

/// Whether a member is on the roll today (not left, or leaving later).
pub fn on_roll(member: &Member) -> bool {
    member.left_on.is_none_or(|left| left >= today())
}

pub struct MemberRow {
    pub id: MemberId,
    pub name: String,
    pub branch: String,
    pub group: String,
    pub phone: String,
    pub probationary: bool,
    pub linked: u32,
    /// Linked members outside the rulebook's range.
    pub outside: bool,
    pub excuse: String,
    pub left_on: String,
}

#[derive(Template)]
#[template(path = "members.html")]
struct MembersPage {
    page: Page,
    message: Option<String>,
    q: String,
    filter: String,
    branches: Vec<(BranchId, String, bool)>,
    rows: Vec<MemberRow>,
    found: usize,
    range: (u32, u32),
    may_edit: bool,
    /// The year whose records the rows link to (the current period's).
    record_year: Option<i16>,
    page_number: usize,
    pages: usize,
    page_link: String,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    filter: String,
    branch: Option<String>,
    page: Option<usize>,
    #[serde(default)]
    done: String,
}

pub async fn members(
    State(state): State<AppState>,
    viewer: SignedIn,
    Query(query): Query<ListQuery>,
) -> WebResult<Response> {
    viewer.require(READERS)?;
    let community = viewer.account.community_id;
    let mut reader = state.store().read().await?;
    let period = current_period(&mut reader, community).await?;
    let record_year = period.as_ref().map(|p| p.year.get());
    let rulebook = period.map_or_else(Rulebook::default_rulebook, |p| p.rulebook);
    let (min, max) = (rulebook.linking.households_min, rulebook.linking.households_max);
    let counts = reader.link_counts(community).await?;
    let groups = reader.party_groups(community).await?;
    let branch = query.branch.as_deref().and_then(|b| b.parse::<BranchId>().ok());
    let filter = match query.filter.as_str() {
        f @ ("probationary" | "outside" | "left") => f,
        _ => "",
    };
    let mut found: Vec<(String, MemberRow)> = reader
        .members(community)
        .await?
        .into_iter()
        .filter(|m| branch.is_none_or(|b| m.branch_id == b))
        .filter(|m| member_matches(m, &query.q))
        .filter_map(|m| {
            let linked = counts.get(&m.id).copied().unwrap_or(0);
            let outside = on_roll(&m) && m.linking.is_linked() && !(min..=max).contains(&linked);
            let keep = match filter {
                "probationary" => on_roll(&m) && m.probationary,
                "outside" => outside,
                "left" => !on_roll(&m),
                _ => on_roll(&m),
            };
            keep.then(|| {
                let row = MemberRow {
                    id: m.id,
                    name: m.name.to_string(),
                    branch: m.branch.clone(),
                    group: m
                        .party_group_id
                        .and_then(|g| groups.iter().find(|(id, _, _)| *id == g))
                        .map(|(_, _, n)| n.clone())
                        .unwrap_or_default(),
                    phone: m.phone.as_ref().map(Phone::masked).unwrap_or_default(),
                    probationary: m.probationary,
                    linked,
                    outside,
                    excuse: m.linking.excuse().unwrap_or_default(),
                    left_on: m.left_on.map(|d| d.to_string()).unwrap_or_default(),
                };
                (names::sort_key(m.name.as_str()), row)
            })
        })
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    let total = found.len();
    let pages = total.div_ceil(PER_PAGE).max(1);
    let page_number = query.page.unwrap_or(1).clamp(1, pages);
    let rows = found.into_iter().skip((page_number - 1) * PER_PAGE).take(PER_PAGE).map(|(_, r)| r).collect();
    let link = {
        let mut link = form_urlencoded::Serializer::new(String::new());
        link.append_pair("q", &query.q).append_pair("filter", filter);
        if let Some(branch) = branch {
            link.append_pair("branch", &branch.to_string());
        }
        link.finish()
    };
    let message = match query.done.as_str() {
        "added" => Some(viewer.t.get("member_added").to_string()),
        "saved" => Some(viewer.t.get("saved").to_string()),
        "left" => Some(viewer.t.get("member_transferred").to_string()),
        "transferred_in" => Some(viewer.t.get("member_transferred_in").to_string()),
        "pseudonymized" => Some(viewer.t.get("member_pseudonymized").to_string()),
        _ => None,
    };
    let page = MembersPage {
        page: Page::signed_in(&viewer, "roll"),
        message,
        q: query.q.clone(),
        filter: filter.to_string(),
        branches: reader.branches(community).await?.into_iter().map(|(id, n)| (id, n, Some(id) == branch)).collect(),
        rows,
        found: total,
        range: (min, max),
        may_edit: viewer.account.role == Role::Committee,
        record_year,
        page_number,
        pages,
        page_link: format!("/members?{link}&page="),
    };
    Ok(render(page)?.into_response())
}

#[derive(Template)]
#[template(path = "member_form.html")]
struct MemberForm {
    page: Page,
    /// None: a new member.
    id: Option<MemberId>,
    name: String,
    phone_masked: String,
    branch_id: BranchId,
    group_id: Option<PartyGroupId>,
    probationary: bool,
    exempt_reason: String,
    joined_on: String,
    post: String,
    branches: Vec<(BranchId, String)>,
    /// (id, branch, name)
    groups: Vec<(PartyGroupId, BranchId, String)>,
    today: String,
    /// A member transferred in (转入): where from, and the day is required.
    transfer_in: bool,
}

async fn member_form(
    state: &AppState,
    viewer: &SignedIn,
    id: Option<MemberId>,
    transfer_in: bool,
) -> WebResult<Response> {
    viewer.require(&[Role::Committee])?;
    let community = viewer.account.community_id;
    let mut reader = state.store().read().await?;
    let branches = reader.branches(community).await?;
    let groups = reader.party_groups(community).await?;
    let member = match id {
        Some(id) => Some(reader.member(community, id).await.map_err(|_| WebError::NotFound)?),
        None => None,
    };
    let (title, post) = match &member {
        Some(m) => (
            "edit_member",
            match &m.linking {
                starledger_domain::org::LinkingDuty::HoldsPost(post) => post.clone(),
                _ => String::new(),
            },
        ),
        None if transfer_in => ("transfer_in", String::new()),
        None => ("add_member", String::new()),
    };
    let form = MemberForm {
        page: Page::signed_in(viewer, title),
        id,
        name: member.as_ref().map(|m| m.name.to_string()).unwrap_or_default(),
        phone_masked: member.as_ref().and_then(|m| m.phone.as_ref()).map(Phone::masked).unwrap_or_default(),
        branch_id: member.as_ref().map_or_else(|| branches.first().map_or(BranchId::new(0), |b| b.0), |m| m.branch_id),
        group_id: member.as_ref().and_then(|m| m.party_group_id),
        probationary: member.as_ref().is_some_and(|m| m.probationary),
        exempt_reason: match member.as_ref().map(|m| &m.linking) {
            Some(starledger_domain::org::LinkingDuty::Exempt(reason)) => reason.clone(),
            _ => String::new(),
        },
        joined_on: member.as_ref().and_then(|m| m.joined_on).map(|d| d.to_string()).unwrap_or_default(),
        post,
        branches,
        groups,
        today: today().to_string(),
        transfer_in,
    };
    Ok(render(form)?.into_response())
}

pub async fn new_member(State(state): State<AppState>, viewer: SignedIn) -> WebResult<Response> {
    member_form(&state, &viewer, None, false).await
}

pub async fn transfer_in_form(State(state): State<AppState>, viewer: SignedIn) -> WebResult<Response> {
    member_form(&state, &viewer, None, true).await
}

pub async fn edit_member(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<MemberId>,
) -> WebResult<Response> {
    member_form(&state, &viewer, Some(id), false).await
}

#[derive(Deserialize)]
pub struct MemberPost {
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    remove_phone: Option<String>,
    #[serde(default)]
    branch: String,
    #[serde(default)]
    group: String,
    #[serde(default)]
    probationary: Option<String>,
    #[serde(default)]
    exempt_reason: String,
    #[serde(default)]
    joined_on: String,
    /// Where a member transferred in comes from.
    #[serde(default)]
    from: String,
}

fn bad(what: impl Into<crate::error::Why>) -> WebError {
    WebError::BadRequest(what.into())
}

fn phone_change(raw: &str, remove: bool) -> WebResult<PhoneChange> {
    if remove {
        return Ok(PhoneChange::Remove);
    }
    if raw.trim().is_empty() {
        return Ok(PhoneChange::Keep);
    }
    Phone::parse(raw)
        .map(PhoneChange::Set)
        .map_err(|e| bad(Why::new(format!("手机：{}", e.zh()), format!("phone: {e}"))))
}

fn member_fields(form: &MemberPost) -> WebResult<MemberFields> {
    Ok(MemberFields {
        name: PersonName::parse(&form.name)
            .map_err(|e| bad(Why::new(format!("姓名：{}", e.zh()), format!("name: {e}"))))?,
        phone: phone_change(&form.phone, form.remove_phone.is_some())?,
        branch_id: form.branch.parse().map_err(|_| bad(Why::new("支部：编号无效。", "branch: not a number")))?,
        party_group_id: match form.group.trim() {
            "" => None,
            g => Some(g.parse().map_err(|_| bad(Why::new("党小组：编号无效。", "group: not a number")))?),
        },
        probationary: form.probationary.is_some(),
        exempt_reason: Some(form.exempt_reason.clone()).filter(|r| !r.trim().is_empty()),
        joined_on: match form.joined_on.trim() {
            "" => None,
            d => Some(d.parse().map_err(|_| {
                bad(Why::new(format!("入党日期：“{d}”不是日期。"), format!("joined on: \"{d}\" is not a date")))
            })?),
        },
    })
}

pub async fn add_member(
    State(state): State<AppState>,
    viewer: SignedIn,
    CheckedForm(form): CheckedForm<MemberPost>,
) -> WebResult<Response> {
    let fields = member_fields(&form)?;
    let mut tx = viewer.write(&state).await?;
    roll::add_member(&mut tx, &viewer.account, fields).await?;
    tx.commit().await?;
    Ok(Redirect::to("/members?done=added").into_response())
}

/// Transfers a member in (转入): a new member with where they come from.
pub async fn transfer_in(
    State(state): State<AppState>,
    viewer: SignedIn,
    CheckedForm(form): CheckedForm<MemberPost>,
) -> WebResult<Response> {
    let fields = member_fields(&form)?;
    let mut tx = viewer.write(&state).await?;
    roll::transfer_in(&mut tx, &viewer.account, fields, &form.from).await?;
    tx.commit().await?;
    Ok(Redirect::to("/members?done=transferred_in").into_response())
}

pub async fn save_member(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<MemberId>,
    CheckedForm(form): CheckedForm<MemberPost>,
) -> WebResult<Response> {
    let fields = member_fields(&form)?;
    let mut tx = viewer.write(&state).await?;
    roll::edit_member(&mut tx, &viewer.account, id, fields).await?;
    tx.commit().await?;
    Ok(Redirect::to("/members?done=saved").into_response())
}

#[derive(Template)]
#[template(path = "transfer_out.html")]
struct TransferPage {
    page: Page,
    id: MemberId,
    name: String,
    on: String,
    households: Vec<Relink>,
}

/// Transfers a member out, after a confirmation that says what it does and
/// proposes, for each household they serve, the nearest member with room
/// (`app::roll::relink_proposal`); the committee keeps or changes each
/// proposal, and the transfer and the relinking are one transaction.
/// Fields: `on`, `confirm=yes`, and `to_HOUSEHOLD=MEMBER` (empty: leave
/// the household unlinked, to be linked later on /households).
pub async fn transfer_out(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<MemberId>,
    CheckedForm(pairs): CheckedForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let field = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("");
    let on: jiff::civil::Date = field("on").trim().parse().map_err(|_| {
        bad(Why::new(format!("日期：“{}”不是日期。", field("on")), format!("date: \"{}\" is not a date", field("on"))))
    })?;
    let community = viewer.account.community_id;
    if !confirmed(Some(field("confirm"))) {
        viewer.require(&[Role::Committee])?;
        let mut reader = state.store().read().await?;
        let member = reader.member(community, id).await.map_err(|_| WebError::NotFound)?;
        let rules = current_period(&mut reader, community)
            .await?
            .map_or_else(Rulebook::default_rulebook, |p| p.rulebook)
            .linking;
        let households = roll::relink_proposal(&mut reader, community, id, &rules).await?;
        let page = TransferPage {
            page: Page::signed_in(&viewer, "transfer_out"),
            id,
            name: member.name.to_string(),
            on: on.to_string(),
            households,
        };
        return Ok(render(page)?.into_response());
    }
    let mut relinks = Vec::new();
    for (key, value) in &pairs {
        let Some(household) = key.strip_prefix("to_") else { continue };
        let household: HouseholdId = household
            .parse()
            .map_err(|_| bad(Why::new(format!("{key}：农户编号无效。"), format!("{key}: not a household"))))?;
        if value.trim().is_empty() {
            continue;
        }
        let member: MemberId = value
            .trim()
            .parse()
            .map_err(|_| bad(Why::new(format!("{key}：党员编号无效。"), format!("{key}: not a member"))))?;
        relinks.push((household, member));
    }
    let mut tx = viewer.write(&state).await?;
    let rules =
        current_period(&mut tx, community).await?.map_or_else(Rulebook::default_rulebook, |p| p.rulebook).linking;
    let done = roll::transfer_out(&mut tx, &viewer.account, id, on).await?;
    if let Some((household, _)) = relinks.iter().find(|(h, _)| !done.unlinked.contains(h)) {
        return Err(bad(Why::new(
            format!("to_{household}：不是该党员所联系的农户。"),
            format!("to_{household}: not one of the households this member served"),
        )));
    }
    roll::relink(&mut tx, &viewer.account, &rules, &relinks).await?;
    tx.commit().await?;
    if done.unlinked.len() == relinks.len() {
        return Ok(Redirect::to("/members?done=left").into_response());
    }
    Ok(Redirect::to("/households?filter=unlinked").into_response())
}

#[derive(Deserialize)]
pub struct PickQuery {
    #[serde(default)]
    q: String,
}

/// Members who may take one more household and whom `q` finds, at most
/// [`PICK_LIMIT`], in pinyin order: (id, label). The picker's one source.
pub async fn pickable(state: &AppState, viewer: &SignedIn, q: &str) -> WebResult<Vec<(MemberId, String)>> {
    let community = viewer.account.community_id;
    let mut reader = state.store().read().await?;
    let rulebook =
        current_period(&mut reader, community).await?.map_or_else(Rulebook::default_rulebook, |p| p.rulebook);
    let counts = reader.link_counts(community).await?;
    let mut found: Vec<(String, MemberId, String)> = reader
        .members(community)
        .await?
        .into_iter()
        .filter(|m| m.linking.is_linked() && m.left_on.is_none() && member_matches(m, q))
        .filter_map(|m| {
            let linked = counts.get(&m.id).copied().unwrap_or(0);
            (linked < rulebook.linking.households_max).then(|| {
                let label = format!("{}（{}，{}户）", m.name, m.branch, linked);
                (names::sort_key(m.name.as_str()), m.id, label)
            })
        })
        .collect();
    found.sort();
    Ok(found.into_iter().take(PICK_LIMIT).map(|(_, id, label)| (id, label)).collect())
}

/// The picker's search as one types: JSON `[{"id":…,"label":…}]`.
pub async fn pick(
    State(state): State<AppState>,
    viewer: SignedIn,
    Query(query): Query<PickQuery>,
) -> WebResult<Response> {
    viewer.require(&[Role::Committee])?;
    let found = pickable(&state, &viewer, &query.q).await?;
    let list: Vec<serde_json::Value> =
        found.into_iter().map(|(id, label)| serde_json::json!({ "id": id, "label": label })).collect();
    let body = serde_json::to_string(&list).map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(([(axum::http::header::CONTENT_TYPE, "application/json")], body).into_response())
}

// ---- households --------------------------------------------------------------

#[derive(Template)]
#[template(path = "household_form.html")]
struct HouseholdForm {
    page: Page,
    id: Option<HouseholdId>,
    address: String,
    head: String,
    has_phone: bool,
}

async fn household_form(state: &AppState, viewer: &SignedIn, id: Option<HouseholdId>) -> WebResult<Response> {
    viewer.require(&[Role::Committee])?;
    let community = viewer.account.community_id;
    let household = match id {
        Some(id) => Some(state.store().read().await?.household(community, id).await.map_err(|_| WebError::NotFound)?),
        None => None,
    };
    let form = HouseholdForm {
        page: Page::signed_in(viewer, if id.is_some() { "edit_household" } else { "add_household" }),
        id,
        address: household.as_ref().map(|h| h.address.clone()).unwrap_or_default(),
        head: household.as_ref().and_then(|h| h.head_name.clone()).unwrap_or_default(),
        has_phone: household.as_ref().is_some_and(|h| h.phone.is_some()),
    };
    Ok(render(form)?.into_response())
}

pub async fn new_household(State(state): State<AppState>, viewer: SignedIn) -> WebResult<Response> {
    household_form(&state, &viewer, None).await
}

pub async fn edit_household(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<HouseholdId>,
) -> WebResult<Response> {
    household_form(&state, &viewer, Some(id)).await
}

#[derive(Deserialize)]
pub struct HouseholdPost {
    #[serde(default)]
    address: String,
    #[serde(default)]
    head: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    remove_phone: Option<String>,
}

fn household_fields(form: &HouseholdPost) -> WebResult<HouseholdFields> {
    Ok(HouseholdFields {
        address: form.address.clone(),
        head: Some(form.head.clone()),
        phone: phone_change(&form.phone, form.remove_phone.is_some())?,
    })
}

pub async fn add_household(
    State(state): State<AppState>,
    viewer: SignedIn,
    CheckedForm(form): CheckedForm<HouseholdPost>,
) -> WebResult<Response> {
    let fields = household_fields(&form)?;
    let mut tx = viewer.write(&state).await?;
    let id = roll::add_household(&mut tx, &viewer.account, fields).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/households?done=saved&highlight={id}")).into_response())
}

pub async fn save_household(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<HouseholdId>,
    CheckedForm(form): CheckedForm<HouseholdPost>,
) -> WebResult<Response> {
    let fields = household_fields(&form)?;
    let mut tx = viewer.write(&state).await?;
    roll::edit_household(&mut tx, &viewer.account, id, fields).await?;
    tx.commit().await?;
    Ok(Redirect::to("/households?done=saved").into_response())
}
