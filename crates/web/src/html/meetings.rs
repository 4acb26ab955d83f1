//! 三会一课 and 主题党日: a branch secretary (or the committee) schedules a
//! meeting, shows its QR for members to check in within 20 minutes of the
//! start, keeps the attendance sheet, and closes the meeting, which records
//! attendance and absences in the ledger through the rulebook. Nobody
//! records their own attendance; what the closer cannot record waits for
//! someone else. Members ask for leave before a meeting.

use crate::calendar::local;
use crate::error::{WebError, WebResult, Why, render};
use crate::html::confirm::{Choice, ConfirmPage, Group, confirmed};
use crate::page::Page;
use crate::proof::CheckedForm;
use crate::qr::qr_svg;
use crate::security::random_token;
use crate::session::{CsrfForm, SignedIn, now};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use starledger_app::AppError;
use starledger_app::meetings::{self, Closing, MarkedVia, Uninvited, invited};
use starledger_domain::meetings::{Attendance, MEETING_RULES, check_in_open};
use starledger_domain::org::{BranchId, Member, MemberId, PartyGroupId, Role};
use starledger_store::{MeetingQueries, OrgQueries};
use std::collections::HashMap;

/// The committee manages every meeting; a branch secretary their branch's
/// (the rule is the application layer's).
fn may_manage(viewer: &SignedIn, branch_id: BranchId) -> bool {
    starledger_app::meetings::may_manage(&viewer.account, branch_id)
}

#[derive(Template)]
#[template(path = "meetings.html")]
struct MeetingsPage {
    page: Page,
    can_schedule: bool,
    kinds: Vec<(&'static str, String)>,
    branches: Vec<(BranchId, String)>,
    groups: Vec<(PartyGroupId, String)>,
    meetings: Vec<(i64, String, String, String, &'static str)>,
}

/// Where a mark came from, as the sheet shows it: nothing for the page's
/// own marks.
fn via_label(via: &str) -> &'static str {
    match via {
        "qr" => "扫码签到",
        "api" => "接口录入",
        "import" => "签到表导入",
        "leave" => "请假批准",
        _ => "",
    }
}

/// A meeting's kind as a noun (支部党员大会): the rulebook names the rule
/// by what a member does to earn it (参加支部党员大会), which reads wrong as
/// the type of a meeting on a form or a heading.
fn kind_name(rule_name: &str) -> String {
    rule_name.strip_prefix("参加").unwrap_or(rule_name).to_string()
}

pub async fn list(State(state): State<AppState>, viewer: SignedIn) -> WebResult<Response> {
    let community = viewer.account.community_id;
    let mut reader = state.store().read().await?;
    let visible = starledger_app::meetings::visible(&mut reader, &viewer.account)
        .await?
        .ok_or_else(|| WebError::Forbidden(Why::new("此账号不属于任何支部。", "this account belongs to no branch")))?;
    let own_branch = visible.branch;
    let rulebook = crate::calendar::current_period(&mut reader, community).await?.map(|p| p.rulebook);
    let kinds = MEETING_RULES
        .iter()
        .map(|key| (*key, rulebook.as_ref().and_then(|r| r.rule(key)).map_or(key.to_string(), |r| kind_name(&r.name))))
        .collect();
    let mut branches = reader.branches(community).await?;
    branches.retain(|(id, _)| own_branch.is_none_or(|b| b == *id));
    let names: HashMap<BranchId, String> = branches.iter().cloned().collect();
    let groups = reader
        .party_groups(community)
        .await?
        .into_iter()
        .filter(|(_, branch, _)| names.contains_key(branch))
        .map(|(id, branch, name)| (id, format!("{} {name}", names[&branch])))
        .collect();
    let meetings = visible
        .meetings
        .into_iter()
        .map(|m| (m.id, local(m.starts_at), m.title, m.branch, if m.closed_at.is_some() { "已结束" } else { "进行中" }))
        .collect();
    let page = MeetingsPage {
        page: Page::signed_in(&viewer, "meetings"),
        can_schedule: matches!(viewer.account.role, Role::Committee | Role::BranchSecretary),
        kinds,
        branches,
        groups,
        meetings,
    };
    Ok(render(page)?.into_response())
}

#[derive(Deserialize)]
pub struct NewMeetingForm {
    rule: String,
    branch: BranchId,
    #[serde(default)]
    group: String,
    title: String,
    place: String,
    starts_at: String,
}

pub async fn create(
    State(state): State<AppState>,
    viewer: SignedIn,
    CheckedForm(form): CheckedForm<NewMeetingForm>,
) -> WebResult<Response> {
    crate::fields::at_most("title", &form.title, crate::fields::TITLE)?;
    crate::fields::at_most("place", &form.place, crate::fields::TITLE)?;
    let starts = form
        .starts_at
        .parse()
        .map_err(|_| WebError::BadRequest(Why::new("开始时间：不是日期和时间。", "starts_at: not a date and time")))?;
    let draft = meetings::Draft {
        branch: form.branch,
        // The form's "no group" is an empty choice.
        group: form.group.parse::<PartyGroupId>().ok(),
        rule: &form.rule,
        title: &form.title,
        place: &form.place,
        starts,
    };
    let mut tx = viewer.write(&state).await?;
    let id = meetings::schedule(&mut tx, &viewer.account, &draft, random_token(), now()).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/meetings/{id}")).into_response())
}

struct SheetRow {
    member_id: MemberId,
    name: String,
    status: &'static str,
    status_label: &'static str,
    via: String,
    /// In the ledger already, or the viewer's own row.
    locked: bool,
}

#[derive(Template)]
#[template(path = "meeting.html")]
struct MeetingPage {
    page: Page,
    id: i64,
    title: String,
    kind: String,
    branch: String,
    starts: String,
    place: String,
    closed: bool,
    can_manage: bool,
    qr_svg: String,
    rows: Vec<SheetRow>,
    statuses: Vec<(&'static str, &'static str)>,
    unrecorded: usize,
    can_ask_leave: bool,
    my_status: Option<&'static str>,
}

pub async fn show(State(state): State<AppState>, viewer: SignedIn, Path(id): Path<i64>) -> WebResult<Response> {
    let community = viewer.account.community_id;
    let mut reader = state.store().read().await?;
    let meeting = reader.meeting(community, id).await?;
    let members = reader.members(community).await?;
    let invited = invited(&meeting, &members);
    let me = viewer.account.member_id;
    let is_invited = me.is_some_and(|m| invited.iter().any(|i| i.id == m));
    let can_manage = may_manage(&viewer, meeting.branch_id);
    if !starledger_app::meetings::may_read(&viewer.account, &meeting, &invited) {
        return Err(WebError::Forbidden(Why::new("这是其他支部的会议。", "this meeting is another branch's")));
    }
    let attendance: HashMap<MemberId, _> = reader.attendance(id).await?.into_iter().map(|a| (a.member_id, a)).collect();
    let rows = invited
        .iter()
        .map(|m| {
            let row = attendance.get(&m.id);
            SheetRow {
                member_id: m.id,
                name: m.name.to_string(),
                status: row.map_or("", |a| a.status.as_str()),
                status_label: row.map_or("—", |a| a.status.label_zh()),
                via: row.map(|a| via_label(&a.via).to_string()).unwrap_or_default(),
                locked: row.is_some_and(|a| a.ledgered) || Some(m.id) == me,
            }
        })
        .collect();
    let unrecorded = invited.iter().filter(|m| !attendance.get(&m.id).is_some_and(|a| a.ledgered)).count();
    let rule_name = crate::calendar::current_period(&mut reader, community)
        .await?
        .and_then(|p| p.rulebook.rule(&meeting.rule_key).map(|r| kind_name(&r.name)))
        .unwrap_or_else(|| meeting.rule_key.clone());
    let page = MeetingPage {
        page: Page::signed_in(&viewer, "meetings"),
        id,
        title: meeting.title.clone(),
        kind: rule_name,
        branch: meeting.branch.clone(),
        starts: local(meeting.starts_at),
        place: meeting.place.clone(),
        closed: meeting.closed_at.is_some(),
        can_manage,
        qr_svg: if can_manage {
            qr_svg(&format!("{}/checkin/{}", state.config().public_url, meeting.checkin_token))?
        } else {
            String::new()
        },
        rows,
        statuses: Attendance::ALL
            .iter()
            .map(|a| (a.as_str(), viewer.t.get(&format!("attendance_{}", a.as_str()))))
            .collect(),
        unrecorded,
        can_ask_leave: is_invited && meeting.closed_at.is_none() && now() < meeting.starts_at,
        my_status: me.and_then(|m| attendance.get(&m)).map(|a| a.status.label_zh()),
    };
    Ok(render(page)?.into_response())
}

/// Saves the sheet: `m{member}` = present | late | absent | excused, through
/// `app::meetings::mark_attendance` (which the API calls too); marks for
/// members the meeting does not invite are ignored.
pub async fn save_attendance(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<i64>,
    CheckedForm(form): CheckedForm<HashMap<String, String>>,
) -> WebResult<Response> {
    let marks: Vec<(MemberId, String)> =
        form.iter().filter_map(|(name, value)| Some((name.strip_prefix('m')?.parse().ok()?, value.clone()))).collect();
    let mut tx = viewer.write(&state).await?;
    meetings::mark_attendance(&mut tx, &viewer.account, id, &marks, Uninvited::Ignore, MarkedVia::Page, now()).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/meetings/{id}")).into_response())
}

/// `GET /meetings/{id}/close`: what closing will record, nothing written.
pub async fn close_page(State(state): State<AppState>, viewer: SignedIn, Path(id): Path<i64>) -> WebResult<Response> {
    close_step(&state, &viewer, id, None, false).await
}

/// Closes the meeting and records every attendance the viewer may record.
/// Members nobody marked block the close until the closer says, in one
/// explicit choice (`unmarked` = present | absent), what they were: a
/// meeting never marks forty people absent because nobody ticked them. Run
/// again by someone else, it records what remains (the closer's own
/// attendance). Without `confirm=yes` it answers with what it will record.
pub async fn close(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<i64>,
    CheckedForm(form): CheckedForm<HashMap<String, String>>,
) -> WebResult<Response> {
    let unmarked = match form.get("unmarked").map(String::as_str) {
        None | Some("") => None,
        Some("present") => Some(Attendance::Present),
        Some("absent") => Some(Attendance::Absent),
        Some(other) => {
            return Err(WebError::BadRequest(Why::new(
                format!("未标记人员的处理“{other}”无效：应为全部出席或全部缺席。"),
                format!("unmarked: \"{other}\" is neither present nor absent"),
            )));
        }
    };
    close_step(&state, &viewer, id, unmarked, confirmed(form.get("confirm").map(String::as_str))).await
}

async fn close_step(
    state: &AppState,
    viewer: &SignedIn,
    id: i64,
    fill: Option<Attendance>,
    confirmed: bool,
) -> WebResult<Response> {
    let mut tx = viewer.write(state).await?;
    let closing = meetings::close(&mut tx, &viewer.account, id, fill, now()).await?;
    let title = tx.meeting(viewer.account.community_id, id).await?.title;
    let t = viewer.t;
    let confirm_page = |lines: Vec<String>, groups: Vec<Group>, choices: Vec<Choice>, carried| ConfirmPage {
        page: Page::signed_in(viewer, "meetings"),
        heading: t.fill("confirm_meeting_heading", &[("title", &title)]),
        lines,
        groups,
        action: format!("/meetings/{id}/close"),
        carried,
        choices,
        back: format!("/meetings/{id}"),
    };
    let names = |members: &[Member]| members.iter().map(|m| m.name.to_string()).collect::<Vec<_>>();
    let recused_group = |recused: &[Member]| Group {
        heading: t.get("confirm_meeting_recused").to_string(),
        names: names(recused),
        testid: "recused",
    };
    match closing {
        Closing::Unmarked { unmarked, absent, recused } => {
            if confirmed {
                return Err(meetings::unmarked_refusal(&unmarked).into());
            }
            drop(tx);
            let count = unmarked.len();
            let groups = vec![
                Group {
                    heading: t.get("confirm_meeting_unmarked_names").to_string(),
                    names: names(&unmarked),
                    testid: "unmarked",
                },
                Group { heading: t.get("confirm_meeting_absent").to_string(), names: names(&absent), testid: "absent" },
                recused_group(&recused),
            ];
            let choices = vec![
                Choice {
                    field: Some(("unmarked", "present".into())),
                    label: t.fill("confirm_all_present", &[("count", &count)]),
                    secondary: false,
                },
                Choice {
                    field: Some(("unmarked", "absent".into())),
                    label: t.fill("confirm_all_absent", &[("count", &count)]),
                    secondary: true,
                },
            ];
            confirm_page(vec![t.fill("confirm_meeting_unmarked", &[("count", &count)])], groups, choices, Vec::new())
                .respond()
        }
        Closing::Closed { entries, counted, absent, recused } if !confirmed => {
            drop(tx);
            let of = |status| counted.get(&status).copied().unwrap_or_default();
            let line = t.fill(
                "confirm_meeting_summary",
                &[
                    ("count", &counted.values().sum::<usize>()),
                    ("entries", &entries),
                    ("present", &of(Attendance::Present)),
                    ("late", &of(Attendance::Late)),
                    ("absent", &of(Attendance::Absent)),
                    ("excused", &of(Attendance::Excused)),
                ],
            );
            let groups = vec![
                Group { heading: t.get("confirm_meeting_absent").to_string(), names: names(&absent), testid: "absent" },
                recused_group(&recused),
            ];
            let carried = fill.map(|f| ("unmarked".to_string(), f.as_str().to_string())).into_iter().collect();
            confirm_page(vec![line], groups, vec![Choice::plain(t.get("confirm_meeting_button"))], carried).respond()
        }
        Closing::Closed { .. } => {
            tx.commit().await?;
            Ok(Redirect::to(&format!("/meetings/{id}")).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "checkin.html")]
struct CheckInPage {
    page: Page,
    title: String,
    message: Option<&'static str>,
}

pub async fn check_in_page(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(token): Path<String>,
) -> WebResult<Response> {
    let mut reader = state.store().read().await?;
    let meeting = reader.meeting_by_token(&token).await?.ok_or(WebError::NotFound)?;
    if meeting.community_id != viewer.account.community_id {
        return Err(WebError::NotFound);
    }
    let members = reader.members(meeting.community_id).await?;
    if !invited(&meeting, &members).iter().any(|m| Some(m.id) == viewer.account.member_id) {
        return Err(WebError::Forbidden(Why::new(
            "这不是您所在支部的会议，无需签到。",
            "this meeting is not yours to check in to",
        )));
    }
    let message = (!check_in_open(meeting.starts_at, now())).then(|| viewer.t.get("checkin_closed"));
    Ok(render(CheckInPage { page: Page::signed_in(&viewer, "meetings"), title: meeting.title, message })?
        .into_response())
}

pub async fn check_in(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(token): Path<String>,
    CheckedForm(_): CheckedForm<CsrfForm>,
) -> WebResult<Response> {
    let mut tx = viewer.write(&state).await?;
    let meeting = meetings::by_check_in_code(&mut tx, &viewer.account, &token).await?;
    // The page names the meeting, whatever the answer.
    let page = |message| CheckInPage {
        page: Page::signed_in(&viewer, "meetings"),
        title: meeting.title.clone(),
        message: Some(message),
    };
    match meetings::check_in(&mut tx, &viewer.account, &meeting, now()).await {
        Ok(_) => {
            tx.commit().await?;
            Ok(render(page(viewer.t.get("checked_in")))?.into_response())
        }
        Err(AppError::Refused(_)) => {
            Ok((axum::http::StatusCode::CONFLICT, render(page(viewer.t.get("checkin_closed")))?).into_response())
        }
        Err(AppError::Forbidden(_)) if viewer.account.member_id.is_some() => {
            Ok((axum::http::StatusCode::FORBIDDEN, render(page(viewer.t.get("not_your_branch")))?).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Deserialize)]
pub struct LeaveForm {
    reason: String,
}

pub async fn ask_leave(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<i64>,
    CheckedForm(form): CheckedForm<LeaveForm>,
) -> WebResult<Response> {
    crate::fields::at_most("reason", &form.reason, crate::fields::REASON)?;
    let mut tx = viewer.write(&state).await?;
    meetings::ask_leave(&mut tx, &viewer.account, id, &form.reason, now()).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/meetings/{id}")).into_response())
}
