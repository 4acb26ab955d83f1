//! Manual adjustments (人工调整), maker-checker: one committee member makes
//! an adjustment with a reason, a different committee member checks it,
//! neither being the member concerned; both names stay on the entry.

use crate::calendar::today;
use crate::error::Why;
use crate::error::{WebError, WebResult, render};
use crate::page::Page;
use crate::proof::CheckedForm;
use crate::session::{SignedIn, now};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use starledger_app::recording::{self, Event};
use starledger_domain::Points;
use starledger_domain::duty::{self, Subject};
use starledger_domain::ledger::Actor;
use starledger_domain::org::{AccountId, MemberId, Role, Year};
use starledger_domain::rulebook::RuleSource;
use starledger_store::{AccessQueries, IntegrityQueries, NewAdjustment, OrgQueries, PeriodStatus};
use std::collections::HashMap;

struct AdjustmentRow {
    id: i64,
    member: String,
    rule: String,
    points: Points,
    reason: String,
    made_by: String,
    status: &'static str,
    checked_by: String,
    note: String,
    can_check: bool,
}

#[derive(Template)]
#[template(path = "adjustments.html")]
struct AdjustmentsPage {
    page: Page,
    can_make: bool,
    members: Vec<(MemberId, String)>,
    rules: Vec<(String, String)>,
    rows: Vec<AdjustmentRow>,
}

pub async fn show(State(state): State<AppState>, viewer: SignedIn) -> WebResult<Response> {
    viewer.require(&[Role::Committee, Role::Auditor])?;
    let community = viewer.account.community_id;
    let mut reader = state.store().read().await?;
    let members = reader.members(community).await?;
    let names: HashMap<MemberId, String> = members.iter().map(|m| (m.id, m.name.to_string())).collect();
    let accounts: HashMap<AccountId, String> =
        reader.accounts(community).await?.into_iter().map(|a| (a.id, a.name)).collect();
    let period = reader.period(community, Year::of(today())).await?;
    let rules = period
        .as_ref()
        .map(|p| {
            p.rulebook
                .rules
                .values()
                .filter(|r| r.source == RuleSource::Adjustment)
                .map(|r| (r.key.clone(), format!("{}（±{}分以内）", r.name, r.points)))
                .collect()
        })
        .unwrap_or_default();
    let rows = reader
        .adjustments(community)
        .await?
        .into_iter()
        .map(|a| AdjustmentRow {
            id: a.id,
            member: names.get(&a.member_id).cloned().unwrap_or_default(),
            rule: a.rule_key.clone(),
            points: Points::from_tenths(a.points_tenths),
            reason: a.reason.clone(),
            made_by: accounts.get(&a.made_by).cloned().unwrap_or_default(),
            status: match a.status.as_str() {
                "pending" => "待复核",
                "approved" => "已复核，记入积分",
                _ => "复核未通过",
            },
            checked_by: a.checked_by.and_then(|id| accounts.get(&id).cloned()).unwrap_or_default(),
            note: a.check_note.clone().unwrap_or_default(),
            can_check: a.status == "pending"
                && viewer.is(Role::Committee)
                && a.made_by != viewer.account.id
                && viewer.account.member_id != Some(a.member_id),
        })
        .collect();
    let page = AdjustmentsPage {
        page: Page::signed_in(&viewer, "adjustments"),
        can_make: viewer.is(Role::Committee) && period.is_some_and(|p| p.status == PeriodStatus::Open),
        members: members
            .iter()
            .filter(|m| m.left_on.is_none() && viewer.account.member_id != Some(m.id))
            .map(|m| (m.id, m.name.to_string()))
            .collect(),
        rules,
        rows,
    };
    Ok(render(page)?.into_response())
}

#[derive(Deserialize)]
pub struct MakeForm {
    member: MemberId,
    rule: String,
    points: String,
    reason: String,
    year: Option<i64>,
}

pub async fn make(
    State(state): State<AppState>,
    viewer: SignedIn,
    CheckedForm(form): CheckedForm<MakeForm>,
) -> WebResult<Response> {
    crate::fields::at_most("reason", &form.reason, crate::fields::REASON)?;
    let points: Points =
        form.points.trim().parse().map_err(|_| {
            WebError::BadRequest(Why::new("分值：应为数字，例如 1.5。", "points: not a number like 1.5"))
        })?;
    let reason = form.reason.trim();
    if reason.chars().count() < 4 {
        return Err(WebError::BadRequest(Why::new("理由：请简要写明原因。", "reason: say why, in a few words")));
    }
    let community = viewer.account.community_id;
    let year = match form.year {
        Some(year) => Year::new(year).map_err(|e| WebError::BadRequest(Why::new(e.zh(), format!("year: {e}"))))?,
        None => Year::of(today()),
    };
    let mut tx = viewer.write(&state).await?;
    let member = tx.member(community, form.member).await?;
    let period = match tx.period(community, year).await? {
        Some(period) if period.status == PeriodStatus::Open => period,
        _ => {
            return Err(WebError::Refused(Why::new(
                format!("{year} 年度未开放。"),
                format!("{year} is not an open year"),
            )));
        }
    };
    recording::refuse_if_final(&mut tx, community, year).await?;
    let rule = period.rulebook.rule(&form.rule).ok_or_else(|| {
        WebError::BadRequest(Why::new(
            format!("规则“{}”不在本年度规则中。", form.rule),
            format!("rule: \"{}\" is not in this year's rulebook", form.rule),
        ))
    })?;
    let relatives = tx.relative_ids(member.id).await?;
    let subject = Subject { member_id: member.id, branch_id: member.branch_id };
    duty::may_make_adjustment(&viewer.account, rule, subject, &relatives)?;
    if points == Points::ZERO || points.tenths().abs() > rule.points.tenths() {
        return Err(WebError::BadRequest(Why::new(
            format!("分值：应在 -{0} 与 {0} 之间，且不为零。", rule.points),
            format!("points: between -{0} and {0}, not zero", rule.points),
        )));
    }
    let id = tx
        .make_adjustment(&NewAdjustment {
            community_id: community,
            year: i64::from(year.get()),
            member_id: member.id,
            rule_key: rule.key.clone(),
            points_tenths: points.tenths(),
            reason: reason.to_string(),
            made_by: viewer.account.id,
            made_at: now(),
        })
        .await?;
    let detail = format!("adjustment {id}: member {} {} {points}", member.id, rule.key);
    tx.audit(Some(community), &viewer.actor(), "adjustment.make", &detail).await?;
    tx.commit().await?;
    Ok(Redirect::to("/adjustments").into_response())
}

#[derive(Deserialize)]
pub struct CheckForm {
    decision: String,
    note: String,
}

pub async fn check(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<i64>,
    CheckedForm(form): CheckedForm<CheckForm>,
) -> WebResult<Response> {
    crate::fields::at_most("note", &form.note, crate::fields::REASON)?;
    let approve = match form.decision.as_str() {
        "approve" => true,
        "reject" => false,
        other => {
            return Err(WebError::BadRequest(Why::new(
                format!("决定“{other}”无效。"),
                format!("decision: \"{other}\""),
            )));
        }
    };
    let note = form.note.trim();
    if note.is_empty() {
        return Err(WebError::BadRequest(Why::new("说明：复核人也须写明理由。", "note: the checker says why too")));
    }
    let community = viewer.account.community_id;
    let mut tx = viewer.write(&state).await?;
    let adjustment = tx.adjustment(community, id).await?;
    let member = tx.member(community, adjustment.member_id).await?;
    let maker = tx.account(adjustment.made_by).await?;
    let relatives = tx.relative_ids(member.id).await?;
    let subject = Subject { member_id: member.id, branch_id: member.branch_id };
    duty::may_check_adjustment(&viewer.account, &maker, subject, &relatives)?;
    if adjustment.status != "pending" {
        return Err(WebError::Refused(Why::new(
            format!("第 {id} 项调整已经复核。"),
            format!("adjustment {id} has been checked"),
        )));
    }
    let now = now();
    let entry = if approve {
        let year = Year::new(adjustment.year).map_err(|e| WebError::Internal(e.to_string()))?;
        let period = tx.period(community, year).await?.ok_or_else(|| {
            WebError::Refused(Why::new(format!("{year} 年度未开放。"), format!("{year} is not open")))
        })?;
        let on =
            today().min(jiff::civil::Date::new(year.get(), 12, 31).map_err(|e| WebError::Internal(e.to_string()))?);
        let event = Event {
            rule_key: &adjustment.rule_key,
            on,
            source_ref: format!("adjustment:{id}"),
            reason: Some(format!(
                "{} · 制单：{} · 复核：{}（{note}）",
                adjustment.reason, maker.name, viewer.account.name
            )),
            idempotency_key: format!("adjustment:{id}"),
        };
        let points = Points::from_tenths(adjustment.points_tenths);
        let appended =
            recording::append(&mut tx, Actor::Account(viewer.account.id), &member, &period, event, points, now).await?;
        Some(recording::entry_id(&appended))
    } else {
        None
    };
    if !tx.check_adjustment(id, viewer.account.id, approve, note, entry, now).await? {
        return Err(WebError::Refused(Why::new(
            format!("第 {id} 项调整已经复核。"),
            format!("adjustment {id} has been checked"),
        )));
    }
    tx.audit(Some(community), &viewer.actor(), "adjustment.check", &format!("adjustment {id}: {}", form.decision))
        .await?;
    tx.commit().await?;
    Ok(Redirect::to("/adjustments").into_response())
}
