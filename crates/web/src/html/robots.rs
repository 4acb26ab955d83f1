//! The committee's group robots and the outbox's visible status: what was
//! posted, what waits for a retry, what failed, and what is uncertain
//! because starledger stopped while posting it (check the group, then
//! resend or mark it sent).

use crate::calendar::local;
use crate::error::Why;
use crate::error::{WebError, WebResult, render};
use crate::page::Page;
use crate::proof::CheckedForm;
use crate::robots::{Platform, check_url, shown_error};
use crate::session::{SignedIn, now};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use starledger_domain::duty;
use starledger_domain::org::Role;
use starledger_store::{NewRobot, OutboxQueries};
use std::collections::HashMap;

struct RobotRow {
    id: i64,
    platform: &'static str,
    name: String,
    /// The URL without its query (which carries the access token).
    url: String,
    signed: bool,
    enabled: bool,
}

struct MessageRow {
    id: i64,
    robot: String,
    subject: String,
    status: &'static str,
    status_key: String,
    attempts: i64,
    next: String,
    error: String,
    settle: bool,
}

#[derive(Template)]
#[template(path = "robots.html")]
struct RobotsPage {
    page: Page,
    can_manage: bool,
    platforms: Vec<(&'static str, &'static str)>,
    robots: Vec<RobotRow>,
    messages: Vec<MessageRow>,
}

pub fn status_label(status: &str) -> &'static str {
    match status {
        "pending" => "待发送",
        "sending" => "发送中",
        "sent" => "已发送",
        "failed" => "发送失败",
        _ => "不确定是否送达",
    }
}

pub async fn show(State(state): State<AppState>, viewer: SignedIn) -> WebResult<Response> {
    viewer.require(&[Role::Committee, Role::Auditor])?;
    let community = viewer.account.community_id;
    let mut reader = state.store().read().await?;
    let robots = reader.robots(community).await?;
    let names: HashMap<i64, String> = robots.iter().map(|r| (r.id, r.name.clone())).collect();
    let messages = reader
        .outbox(community, None)
        .await?
        .into_iter()
        .map(|m| MessageRow {
            id: m.id,
            robot: names.get(&m.robot_id).cloned().unwrap_or_default(),
            subject: m.subject.clone(),
            status: status_label(&m.status),
            status_key: m.status.clone(),
            attempts: m.attempts,
            next: if m.status == "pending" {
                local(m.next_attempt_at)
            } else {
                m.sent_at.map(local).unwrap_or_default()
            },
            error: shown_error(m.last_error.as_deref().unwrap_or_default()),
            settle: matches!(m.status.as_str(), "uncertain" | "failed") && viewer.is(Role::Committee),
        })
        .collect();
    let page = RobotsPage {
        page: Page::signed_in(&viewer, "robots"),
        can_manage: viewer.is(Role::Committee),
        platforms: Platform::ALL.iter().map(|p| (p.key(), p.label())).collect(),
        robots: robots
            .iter()
            .map(|r| RobotRow {
                id: r.id,
                platform: Platform::parse(&r.platform).map_or("?", Platform::label),
                name: r.name.clone(),
                url: r.url.split('?').next().unwrap_or_default().to_string(),
                signed: r.secret.as_deref().is_some_and(|s| !s.is_empty()),
                enabled: r.enabled,
            })
            .collect(),
        messages,
    };
    Ok(render(page)?.into_response())
}

#[derive(Deserialize)]
pub struct RobotForm {
    platform: String,
    name: String,
    url: String,
    secret: String,
}

pub async fn add(
    State(state): State<AppState>,
    viewer: SignedIn,
    CheckedForm(form): CheckedForm<RobotForm>,
) -> WebResult<Response> {
    crate::fields::at_most("name", &form.name, crate::fields::NAME)?;
    crate::fields::at_most("url", &form.url, crate::fields::URL)?;
    crate::fields::at_most("secret", &form.secret, crate::fields::SECRET)?;
    duty::may_administer(&viewer.account, "set up group robots")?;
    let platform = Platform::parse(&form.platform).ok_or_else(|| {
        WebError::BadRequest(Why::new(
            format!("平台“{}”无效。", form.platform),
            format!("platform: \"{}\"", form.platform),
        ))
    })?;
    let (name, url, secret) = (form.name.trim(), form.url.trim(), form.secret.trim());
    if name.is_empty() {
        return Err(WebError::BadRequest(Why::new(
            "名称：请写明此机器人发往哪个群。",
            "name: say which group this robot posts to",
        )));
    }
    check_url(platform, url, state.config().allow_loopback_robots)
        .map_err(|e| WebError::BadRequest(Why::new(format!("地址：{e}"), format!("url: {e}"))))?;
    if platform == Platform::WeCom && !secret.is_empty() {
        return Err(WebError::BadRequest(Why::new(
            "密钥：企业微信机器人不使用签名，请留空。",
            "secret: WeCom robots are not signed; leave it empty",
        )));
    }
    let community = viewer.account.community_id;
    let mut tx = viewer.write(&state).await?;
    let id = tx
        .add_robot(&NewRobot {
            community_id: community,
            platform: platform.key().into(),
            name: name.into(),
            url: url.into(),
            secret: (!secret.is_empty()).then(|| secret.to_string()),
            created_by: viewer.account.id,
            created_at: now(),
        })
        .await?;
    tx.audit(Some(community), &viewer.actor(), "robot.add", &format!("robot {id} {} {name}", platform.key())).await?;
    tx.commit().await?;
    Ok(Redirect::to("/robots").into_response())
}

#[derive(Deserialize)]
pub struct ToggleForm {
    enabled: String,
}

pub async fn toggle(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<i64>,
    CheckedForm(form): CheckedForm<ToggleForm>,
) -> WebResult<Response> {
    duty::may_administer(&viewer.account, "set up group robots")?;
    let enabled = form.enabled == "1";
    let community = viewer.account.community_id;
    let mut tx = viewer.write(&state).await?;
    if !tx.set_robot_enabled(community, id, enabled).await? {
        return Err(WebError::NotFound);
    }
    tx.audit(Some(community), &viewer.actor(), "robot.enable", &format!("robot {id}: {enabled}")).await?;
    tx.commit().await?;
    Ok(Redirect::to("/robots").into_response())
}

#[derive(Deserialize)]
pub struct SettleForm {
    action: String,
}

/// A person settles an uncertain or failed message after looking at the group.
pub async fn settle(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<i64>,
    CheckedForm(form): CheckedForm<SettleForm>,
) -> WebResult<Response> {
    duty::may_administer(&viewer.account, "settle robot messages")?;
    let resend = match form.action.as_str() {
        "resend" => true,
        "mark_sent" => false,
        other => {
            return Err(WebError::BadRequest(Why::new(format!("操作“{other}”无效。"), format!("action: \"{other}\""))));
        }
    };
    let community = viewer.account.community_id;
    let mut tx = viewer.write(&state).await?;
    tx.outbox_message(community, id).await?;
    if !tx.settle_message(community, id, resend, now()).await? {
        return Err(WebError::Refused(Why::new(
            "只有状态不明或发送失败的消息可以手工处理。",
            "only an uncertain or failed message is settled by hand",
        )));
    }
    tx.audit(Some(community), &viewer.actor(), "outbox.settle", &format!("message {id}: {}", form.action)).await?;
    tx.commit().await?;
    Ok(Redirect::to("/robots").into_response())
}
