//! The committee's group robots and the outbox's visible status: what was
//! posted, what waits for a retry, what failed, and what is uncertain
//! because starledger stopped while posting it (check the group, then
//! resend or mark it sent). The page parses and renders; who may set up
//! robots, which URLs they may post to, and the audit are `app::robots`.

use crate::calendar::local;
use crate::error::Why;
use crate::error::{WebError, WebResult, render};
use crate::page::Page;
use crate::proof::CheckedForm;
use crate::robots::{Platform, shown_error};
use crate::session::{SignedIn, now};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use starledger_app::robots;
use starledger_domain::org::Role;
use starledger_store::OutboxQueries;
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
    let draft = robots::Draft { platform: &form.platform, name: &form.name, url: &form.url, secret: &form.secret };
    let mut tx = viewer.write(&state).await?;
    robots::add(&mut tx, &viewer.account, draft, state.config().allow_loopback_robots, now()).await?;
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
    let mut tx = viewer.write(&state).await?;
    robots::set_enabled(&mut tx, &viewer.account, id, form.enabled == "1").await?;
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
    let resend = match form.action.as_str() {
        "resend" => true,
        "mark_sent" => false,
        other => {
            return Err(WebError::BadRequest(Why::new(format!("操作“{other}”无效。"), format!("action: \"{other}\""))));
        }
    };
    let mut tx = viewer.write(&state).await?;
    robots::settle(&mut tx, &viewer.account, id, resend, now()).await?;
    tx.commit().await?;
    Ok(Redirect::to("/robots").into_response())
}
