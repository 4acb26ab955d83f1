//! Paper rating forms (纸质评议表) for households without a smartphone: the
//! committee prints the forms of a branch or of the whole community for the
//! window running today, and a committee member or branch secretary types
//! a returned form in by its number, after a confirmation showing the
//! household, the member and the level (entering cannot be undone). The
//! use cases (`starledger_app::paper_forms`) decide everything: who may,
//! which number, which window; this parses, asks and renders.

use crate::error::{WebError, WebResult, Why, render};
use crate::html::confirm::{Choice, ConfirmPage, confirmed};
use crate::i18n::Tr;
use crate::page::Page;
use crate::proof::CheckedForm;
use crate::session::SignedIn;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use starledger_app::paper_forms::{self, FormRefusal};
use starledger_domain::linking::Satisfaction;
use starledger_domain::org::{BranchId, Role};
use starledger_store::OrgQueries;

#[derive(Template)]
#[template(path = "paper_forms.html")]
struct FormsPage {
    page: Page,
    /// The committee prints; branch secretaries only enter.
    may_print: bool,
    branches: Vec<(BranchId, String)>,
    /// The form just entered, said once.
    entered: Option<String>,
}

#[derive(Deserialize)]
pub struct FormsQuery {
    entered: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    viewer: SignedIn,
    Query(query): Query<FormsQuery>,
) -> WebResult<Response> {
    viewer.require(&[Role::Committee, Role::BranchSecretary])?;
    let mut reader = state.store().read().await?;
    let branches = reader.branches(viewer.account.community_id).await?;
    let entered = query
        .entered
        .filter(|n| n.len() <= 20 && n.bytes().all(|b| b.is_ascii_digit()))
        .map(|number| viewer.t.fill_one("paper_form_entered", "number", number));
    let page = FormsPage {
        page: Page::signed_in(&viewer, "paper_forms"),
        may_print: viewer.is(Role::Committee),
        branches,
        entered,
    };
    Ok(render(page)?.into_response())
}

#[derive(Deserialize)]
pub struct PrintForm {
    /// A branch's id, or `all`.
    branch: String,
}

/// The forms of a branch or of the whole community as a PDF (the
/// committee's only; audited; the window's unentered forms are replaced).
pub async fn print(
    State(state): State<AppState>,
    viewer: SignedIn,
    CheckedForm(form): CheckedForm<PrintForm>,
) -> WebResult<Response> {
    let branch = crate::html::print::branch_choice(&form.branch)?;
    let font = crate::html::print::font()?;
    let mut tx = viewer.write(&state).await?;
    let printed = paper_forms::print(&mut tx, &viewer.account, branch, font).await?;
    tx.commit().await?;
    let name = match branch {
        Some(id) => format!("forms-{}-branch-{id}-评议表.pdf", printed.window.key()),
        None => format!("forms-{}-评议表.pdf", printed.window.key()),
    };
    Ok(crate::download::download("application/pdf", &name, printed.pdf))
}

#[derive(Deserialize)]
pub struct EnterForm {
    #[serde(default)]
    number: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    confirm: Option<String>,
}

fn level_of(text: &str) -> WebResult<Satisfaction> {
    match text {
        "satisfied" => Ok(Satisfaction::Satisfied),
        "basically_satisfied" => Ok(Satisfaction::BasicallySatisfied),
        "not_satisfied" => Ok(Satisfaction::NotSatisfied),
        "" => Err(WebError::BadRequest(Why::new("请选择评议等级。", "level: choose the level ticked on the form"))),
        other => Err(WebError::BadRequest(Why::new(
            format!("评价等级“{other}”无效。"),
            format!("level: unknown level \"{other}\""),
        ))),
    }
}

fn level_label(t: Tr, level: Satisfaction) -> &'static str {
    t.get(starledger_app::households::level_key(level))
}

/// A form that cannot be entered, said in both languages.
fn refusal(refusal: FormRefusal) -> WebError {
    let en = refusal.to_string();
    let zh = match &refusal {
        FormRefusal::Malformed(_) => {
            return WebError::BadRequest(Why::new("表号应为10位数字，请核对纸上的号码。", format!("number: {en}")));
        }
        FormRefusal::Unknown(number) => format!("没有表号为 {number} 的评议表，请核对纸上的号码。"),
        FormRefusal::Replaced(number) => format!("评议表 {number} 已被重新打印的表替换，请录入新表。"),
        FormRefusal::AlreadyEntered(number) => format!("评议表 {number} 已经录入过，每张表只能录入一次。"),
        FormRefusal::WindowOver { number, starts, ends } => {
            format!("评议表 {number} 的评议期为 {starts} 至 {ends}，已经结束，不能再录入。")
        }
        FormRefusal::AlreadyRated(number) => format!("评议表 {number} 所属住户本评议期已经评议过。"),
        FormRefusal::MemberChanged(number) => {
            format!("评议表 {number} 所属住户现已联系其他党员，请为其重新打印评议表。")
        }
        FormRefusal::YearNotOpen(year) => format!("{year} 年度未开放评议。"),
    };
    WebError::Refused(Why::new(zh, en))
}

/// Enters a returned form: first a confirmation naming the household, the
/// member and the level (nothing written), then, confirmed, the rating.
pub async fn enter(
    State(state): State<AppState>,
    viewer: SignedIn,
    CheckedForm(form): CheckedForm<EnterForm>,
) -> WebResult<Response> {
    let level = level_of(&form.level)?;
    let t = viewer.t;
    if !confirmed(form.confirm.as_deref()) {
        let mut reader = state.store().read().await?;
        let found = paper_forms::check(&mut reader, &viewer.account, &form.number, level).await?.map_err(refusal)?;
        let head = found.head.as_deref().map(|h| format!("{h}　")).unwrap_or_default();
        let window = format!("{} – {}", found.window.starts_on, found.window.ends_on);
        return ConfirmPage {
            page: Page::signed_in(&viewer, "paper_forms"),
            heading: t.fill_one("paper_form_confirm_heading", "number", found.number.grouped()),
            lines: vec![
                t.fill_one("paper_form_household", "household", format!("{head}{}", found.address)),
                t.fill_one("paper_form_member", "member", &found.member_name),
                t.fill_one("paper_form_window", "window", window),
                t.fill_one("paper_form_level", "level", level_label(t, level)),
            ],
            groups: Vec::new(),
            action: "/households/forms/enter".into(),
            carried: vec![("number".to_string(), found.number.to_string()), ("level".to_string(), form.level.clone())],
            choices: vec![Choice::plain(t.get("paper_form_enter_button"))],
            back: "/households/forms".into(),
        }
        .respond();
    }
    let mut tx = viewer.write(&state).await?;
    let entered = paper_forms::enter(&mut tx, &viewer.account, &form.number, level).await?.map_err(refusal)?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/households/forms?entered={}", entered.form.number)).into_response())
}
