//! The rest of the roll on the web (issue 12): branches and party groups
//! (/branches: add and rename), accounts (/accounts: create one for a member with a
//! one-time password, reset a password, disable an account after a
//! confirmation), and transferring a member in (/members/transfer-in).
//! Every change is `app::roll`'s or `app::accounts`'s, the committee's
//! only; this module parses and renders. A one-time password is shown
//! once, on the page that answers the change, and is never stored whole.

use crate::error::{WebError, WebResult, Why, render};
use crate::html::confirm::{Choice, ConfirmForm, ConfirmPage, confirmed};
use crate::html::roll::on_roll;
use crate::page::Page;
use crate::proof::CheckedForm;
use crate::session::SignedIn;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use starledger_app::accounts::{self, NewLogin};
use starledger_app::roll;
use starledger_domain::org::{Account, AccountId, BranchId, MemberId, PartyGroupId, Role};
use starledger_store::OrgQueries;
use std::collections::HashSet;

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
}

fn bad(what: Why) -> WebError {
    WebError::BadRequest(what)
}

// ---- branches and party groups ---------------------------------------------

pub struct BranchRow {
    pub id: BranchId,
    pub name: String,
    /// (id, name, members on the roll)
    pub groups: Vec<(PartyGroupId, String, usize)>,
    pub members: usize,
}

#[derive(Template)]
#[template(path = "branches.html")]
struct BranchesPage {
    page: Page,
    message: Option<String>,
    rows: Vec<BranchRow>,
}

/// The branches with their party groups and how many members each has.
pub async fn branches(
    State(state): State<AppState>,
    viewer: SignedIn,
    Query(query): Query<DoneQuery>,
) -> WebResult<Response> {
    viewer.require(&[Role::Committee])?;
    let community = viewer.account.community_id;
    let mut reader = state.store().read().await?;
    let members: Vec<_> = reader.members(community).await?.into_iter().filter(on_roll).collect();
    let groups = reader.party_groups(community).await?;
    let rows = reader
        .branches(community)
        .await?
        .into_iter()
        .map(|(id, name)| BranchRow {
            id,
            name,
            members: members.iter().filter(|m| m.branch_id == id).count(),
            groups: groups
                .iter()
                .filter(|(_, branch, _)| *branch == id)
                .map(|(g, _, n)| (*g, n.clone(), members.iter().filter(|m| m.party_group_id == Some(*g)).count()))
                .collect(),
        })
        .collect();
    let message = (query.done == "saved").then(|| viewer.t.get("saved").to_string());
    Ok(render(BranchesPage { page: Page::signed_in(&viewer, "branches"), message, rows })?.into_response())
}

#[derive(Deserialize)]
pub struct NamePost {
    #[serde(default)]
    name: String,
}

pub async fn add_branch(
    State(state): State<AppState>,
    viewer: SignedIn,
    CheckedForm(form): CheckedForm<NamePost>,
) -> WebResult<Response> {
    let mut tx = viewer.write(&state).await?;
    roll::add_branch(&mut tx, &viewer.account, &form.name).await?;
    tx.commit().await?;
    Ok(Redirect::to("/branches?done=saved").into_response())
}

pub async fn add_group(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(branch): Path<BranchId>,
    CheckedForm(form): CheckedForm<NamePost>,
) -> WebResult<Response> {
    let mut tx = viewer.write(&state).await?;
    roll::add_party_group(&mut tx, &viewer.account, branch, &form.name).await?;
    tx.commit().await?;
    Ok(Redirect::to("/branches?done=saved").into_response())
}

/// Renames a branch (the committee's; a duplicate name is refused).
pub async fn rename_branch(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(branch): Path<BranchId>,
    CheckedForm(form): CheckedForm<NamePost>,
) -> WebResult<Response> {
    let mut tx = viewer.write(&state).await?;
    roll::rename_branch(&mut tx, &viewer.account, branch, &form.name).await?;
    tx.commit().await?;
    Ok(Redirect::to("/branches?done=saved").into_response())
}

/// Renames a party group (the committee's; a duplicate name in its branch is refused).
pub async fn rename_group(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(group): Path<PartyGroupId>,
    CheckedForm(form): CheckedForm<NamePost>,
) -> WebResult<Response> {
    let mut tx = viewer.write(&state).await?;
    roll::rename_party_group(&mut tx, &viewer.account, group, &form.name).await?;
    tx.commit().await?;
    Ok(Redirect::to("/branches?done=saved").into_response())
}

// ---- accounts -------------------------------------------------------------

pub struct AccountRow {
    pub id: AccountId,
    pub login: String,
    pub name: String,
    pub role: &'static str,
    pub member: bool,
    pub disabled: bool,
    /// The viewer's own account: neither reset nor disabled here.
    pub own: bool,
}

#[derive(Template)]
#[template(path = "accounts.html")]
struct AccountsPage {
    page: Page,
    message: Option<String>,
    /// A one-time password just given: (login, password), shown once.
    password: Option<(String, String)>,
    rows: Vec<AccountRow>,
    /// Members on the roll without an active account: (id, label).
    members: Vec<(MemberId, String)>,
    branches: Vec<(BranchId, String)>,
    roles: Vec<(&'static str, &'static str)>,
}

fn role_label(viewer: &SignedIn, role: Role) -> &'static str {
    viewer.t.get(match role {
        Role::Committee => "role_committee",
        Role::BranchSecretary => "role_branch_secretary",
        Role::Member => "role_member",
        Role::Auditor => "role_auditor",
    })
}

async fn accounts_page(
    state: &AppState,
    viewer: &SignedIn,
    message: Option<String>,
    password: Option<(String, String)>,
) -> WebResult<Response> {
    viewer.require(&[Role::Committee])?;
    let community = viewer.account.community_id;
    let mut reader = state.store().read().await?;
    let disabled = reader.disabled_accounts(community).await?;
    let all = reader.accounts(community).await?;
    let with_account: HashSet<MemberId> =
        all.iter().filter(|a| !disabled.contains(&a.id)).filter_map(|a| a.member_id).collect();
    let mut members: Vec<(String, MemberId, String)> = reader
        .members(community)
        .await?
        .into_iter()
        .filter(|m| on_roll(m) && !with_account.contains(&m.id))
        .map(|m| (crate::names::sort_key(m.name.as_str()), m.id, format!("{}（{}）", m.name, m.branch)))
        .collect();
    members.sort();
    let rows = all
        .into_iter()
        .map(|a| AccountRow {
            id: a.id,
            own: a.id == viewer.account.id,
            role: role_label(viewer, a.role),
            member: a.member_id.is_some(),
            disabled: disabled.contains(&a.id),
            login: a.login,
            name: a.name,
        })
        .collect();
    let page = AccountsPage {
        page: Page::signed_in(viewer, "accounts"),
        message,
        password,
        rows,
        members: members.into_iter().map(|(_, id, label)| (id, label)).collect(),
        branches: reader.branches(community).await?,
        roles: [Role::Member, Role::BranchSecretary, Role::Committee]
            .into_iter()
            .map(|r| (r.as_str(), role_label(viewer, r)))
            .collect(),
    };
    Ok(render(page)?.into_response())
}

pub async fn accounts(
    State(state): State<AppState>,
    viewer: SignedIn,
    Query(query): Query<DoneQuery>,
) -> WebResult<Response> {
    let message = (query.done == "disabled").then(|| viewer.t.get("account_disabled").to_string());
    accounts_page(&state, &viewer, message, None).await
}

#[derive(Deserialize)]
pub struct AccountPost {
    #[serde(default)]
    login: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    member: String,
    #[serde(default)]
    branch: String,
}

/// A readable one-time password and its hash.
async fn one_time_password() -> WebResult<(String, String)> {
    let password = crate::security::readable_password();
    let hash = crate::security::hash_password_blocking(password.clone())
        .await
        .map_err(|e| WebError::Internal(e.to_string()))?;
    Ok((password, hash))
}

/// Creates an account for a member of the roll; the page shows its
/// one-time password once.
pub async fn add_account(
    State(state): State<AppState>,
    viewer: SignedIn,
    CheckedForm(form): CheckedForm<AccountPost>,
) -> WebResult<Response> {
    let role: Role = form.role.parse().map_err(|e| bad(Why::new("角色无效。", format!("role: {e}"))))?;
    let member: MemberId =
        form.member.trim().parse().map_err(|_| {
            bad(Why::new("党员：请选择此账号所属的党员。", "member: choose the member the account is for"))
        })?;
    let branch = match form.branch.trim() {
        "" => None,
        b => Some(b.parse().map_err(|_| bad(Why::new("支部：编号无效。", "branch: not a number")))?),
    };
    let login = form.login.trim().to_string();
    let new = NewLogin { login: login.clone(), role, member: Some(member), name: None, branch };
    let (password, hash) = one_time_password().await?;
    let mut tx = viewer.write(&state).await?;
    accounts::create(&mut tx, &viewer.account, new, &hash).await?;
    tx.commit().await?;
    let message = Some(viewer.t.get("account_added").to_string());
    accounts_page(&state, &viewer, message, Some((login, password))).await
}

/// Gives an account a new one-time password, shown once.
pub async fn reset_password(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<AccountId>,
    CheckedForm(form): CheckedForm<ConfirmForm>,
) -> WebResult<Response> {
    // The old password stops working at once and the person is signed out
    // everywhere: a tap on the wrong row asks first, as disabling does.
    if !confirmed(form.confirm.as_deref()) {
        return ask_first(&state, &viewer, id, "reset", "reset_password", "reset_password_means", |a| {
            format!("{}（{}）", a.name, a.login)
        })
        .await;
    }
    let (password, hash) = one_time_password().await?;
    let mut tx = viewer.write(&state).await?;
    accounts::reset_password(&mut tx, &viewer.account, id, &hash).await?;
    let login = tx.accounts(viewer.account.community_id).await?.into_iter().find(|a| a.id == id).map(|a| a.login);
    tx.commit().await?;
    let message = Some(viewer.t.get("password_was_reset").to_string());
    accounts_page(&state, &viewer, message, login.map(|l| (l, password))).await
}

/// Disables an account, after a confirmation that says what it does.
pub async fn disable_account(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<AccountId>,
    CheckedForm(form): CheckedForm<ConfirmForm>,
) -> WebResult<Response> {
    if !confirmed(form.confirm.as_deref()) {
        return ask_first(&state, &viewer, id, "disable", "disable_account", "disable_account_means", |a| {
            a.name.to_string()
        })
        .await;
    }
    let mut tx = viewer.write(&state).await?;
    accounts::disable(&mut tx, &viewer.account, id).await?;
    tx.commit().await?;
    Ok(Redirect::to("/accounts?done=disabled").into_response())
}

/// The page that asks before an account is changed for good: what is done
/// (`action`, the text key of its button), to whom, and what it means; it
/// posts back to `/accounts/ID/{path}` with `confirm`.
async fn ask_first(
    state: &AppState,
    viewer: &SignedIn,
    id: AccountId,
    path: &str,
    action: &str,
    means: &str,
    whom: impl Fn(&Account) -> String,
) -> WebResult<Response> {
    viewer.require(&[Role::Committee])?;
    let mut reader = state.store().read().await?;
    let account = reader
        .accounts(viewer.account.community_id)
        .await?
        .into_iter()
        .find(|a| a.id == id)
        .ok_or(WebError::NotFound)?;
    let t = viewer.t;
    ConfirmPage {
        page: Page::signed_in(viewer, "accounts"),
        heading: format!("{} · {}", t.get(action), whom(&account)),
        lines: vec![t.get(means).to_string()],
        groups: Vec::new(),
        action: format!("/accounts/{id}/{path}"),
        carried: Vec::new(),
        choices: vec![Choice::plain(t.get(action))],
        back: "/accounts".into(),
    }
    .respond()
}
