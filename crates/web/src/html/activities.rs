//! Step 2, volunteer service (志愿服务): the committee publishes an activity
//! notice (with a ready-to-paste text and QR for the party-building work
//! group); members sign up or cancel before it starts; at the venue they
//! check in by the activity's QR; the organizer confirms who served, never
//! themselves, and each confirmation writes the points the rulebook gives.

use crate::calendar::{china, current_period, day_of, local};
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
use starledger_app::activities;
use starledger_domain::org::{MemberId, Role, Year};
use starledger_domain::rulebook::RuleSource;
use starledger_store::{ActivityQueries, OrgQueries, OutboxQueries};
use std::collections::{HashMap, HashSet};

fn parse_local(text: &str, field: &str) -> WebResult<i64> {
    let at: jiff::civil::DateTime = text.parse().map_err(|_| {
        WebError::BadRequest(Why::new(
            format!("{}：不是日期和时间。", crate::fields::label_zh(field)),
            format!("{field}: not a date and time"),
        ))
    })?;
    Ok(at
        .to_zoned(china())
        .map_err(|e| WebError::BadRequest(Why::new("时间无效。", e.to_string())))?
        .timestamp()
        .as_second())
}

/// Organizers: the committee, and branch secretaries for their members.
fn may_organize(viewer: &SignedIn) -> bool {
    activities::may_organize(&viewer.account)
}

#[derive(Template)]
#[template(path = "activities.html")]
struct ActivitiesPage {
    page: Page,
    can_publish: bool,
    has_robots: bool,
    kinds: Vec<(String, String)>,
    activities: Vec<(i64, String, String, i64)>,
}

pub async fn list(State(state): State<AppState>, viewer: SignedIn) -> WebResult<Response> {
    let community = viewer.account.community_id;
    let mut reader = state.store().read().await?;
    let kinds = current_period(&mut reader, community)
        .await?
        .map(|p| {
            p.rulebook
                .rules
                .values()
                .filter(|r| r.source == RuleSource::Activity && r.points.is_positive())
                .map(|r| (r.key.clone(), format!("{}（{}分）", r.name, r.points)))
                .collect()
        })
        .unwrap_or_default();
    let activities =
        reader.activities(community).await?.into_iter().map(|a| (a.id, local(a.starts_at), a.title, a.slots)).collect();
    let has_robots = reader.robots(community).await?.iter().any(|r| r.enabled);
    let page = ActivitiesPage {
        page: Page::signed_in(&viewer, "activities"),
        can_publish: viewer.is(Role::Committee),
        has_robots,
        kinds,
        activities,
    };
    Ok(render(page)?.into_response())
}

#[derive(Deserialize)]
pub struct NewActivityForm {
    rule: String,
    title: String,
    place: String,
    starts_at: String,
    ends_at: String,
    slots: i64,
    post_to_robots: Option<String>,
}

pub async fn publish(
    State(state): State<AppState>,
    viewer: SignedIn,
    CheckedForm(form): CheckedForm<NewActivityForm>,
) -> WebResult<Response> {
    crate::fields::at_most("title", &form.title, crate::fields::TITLE)?;
    crate::fields::at_most("place", &form.place, crate::fields::TITLE)?;
    let draft = activities::Draft {
        rule: &form.rule,
        title: &form.title,
        place: &form.place,
        starts_at: parse_local(&form.starts_at, "starts_at")?,
        ends_at: parse_local(&form.ends_at, "ends_at")?,
        slots: form.slots,
    };
    let announce = (form.post_to_robots.as_deref() == Some("1")).then_some(state.config().public_url.as_str());
    let mut tx = viewer.write(&state).await?;
    let id = activities::publish(&mut tx, &viewer.account, &draft, random_token(), announce, now()).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/activities/{id}")).into_response())
}

struct SignupRow {
    member_id: MemberId,
    name: String,
    checked_in: bool,
    checked_in_at: String,
    status: &'static str,
    confirmable: bool,
}

#[derive(Template)]
#[template(path = "activity.html")]
struct ActivityPage {
    page: Page,
    id: i64,
    title: String,
    kind: String,
    starts: String,
    ends: String,
    place: String,
    slots: i64,
    taken: usize,
    my_answer: Option<&'static str>,
    can_answer: bool,
    can_organize: bool,
    notice: String,
    signup_qr: String,
    checkin_qr: String,
    rows: Vec<SignupRow>,
    not_answered: Vec<String>,
    /// Signed up, never came, not yet recorded; shown once the activity is over.
    no_shows: usize,
    /// Each group robot's posting of the notice: robot, status.
    posted: Vec<(String, &'static str)>,
}

pub async fn show(State(state): State<AppState>, viewer: SignedIn, Path(id): Path<i64>) -> WebResult<Response> {
    let community = viewer.account.community_id;
    let mut reader = state.store().read().await?;
    let activity = reader.activity(community, id).await?;
    let signups = reader.signups(id).await?;
    let members = reader.members(community).await?;
    // The activity is priced by the rulebook of its own year.
    let year = Year::of(day_of(activity.starts_at)?);
    let period = reader.period(community, year).await?;
    let rule = period.as_ref().and_then(|p| p.rulebook.rule(&activity.rule_key).cloned());
    let community_name = reader.community(community).await?.name;
    let names: HashMap<MemberId, String> = members.iter().map(|m| (m.id, m.name.to_string())).collect();
    let taken = signups.iter().filter(|s| s.is_signed_up()).count();
    let me = viewer.account.member_id;
    let mine = me.and_then(|m| signups.iter().find(|s| s.member_id == m));
    let now = now();
    let url = format!("{}/activities/{id}", state.config().public_url);
    let draft = activities::Draft {
        rule: &activity.rule_key,
        title: &activity.title,
        place: &activity.place,
        starts_at: activity.starts_at,
        ends_at: activity.ends_at,
        slots: activity.slots,
    };
    let notice = activities::notice_text(&draft, rule.as_ref(), &url, &community_name);
    let can_organize = may_organize(&viewer);
    let posted = if can_organize {
        let robots: HashMap<i64, String> =
            reader.robots(community).await?.into_iter().map(|r| (r.id, r.name)).collect();
        reader
            .outbox(community, Some(&format!("activity:{id}")))
            .await?
            .iter()
            .map(|m| (robots.get(&m.robot_id).cloned().unwrap_or_default(), super::robots::status_label(&m.status)))
            .collect()
    } else {
        Vec::new()
    };
    let answered: HashSet<MemberId> = signups.iter().map(|s| s.member_id).collect();
    let rows = if can_organize {
        signups
            .iter()
            .filter(|s| s.is_signed_up())
            .map(|s| SignupRow {
                member_id: s.member_id,
                name: names.get(&s.member_id).cloned().unwrap_or_default(),
                checked_in: s.checked_in_at.is_some(),
                checked_in_at: match (s.checked_in_at, s.checked_out_at) {
                    (Some(from), Some(to)) => format!("{} — {}", local(from), local(to)),
                    (from, _) => from.map(local).unwrap_or_default(),
                },
                status: match (s.entry_id, s.no_show_entry_id) {
                    (Some(_), _) => "已记入积分",
                    (None, Some(_)) => "报名未到（已扣分）",
                    (None, None) => "待确认",
                },
                confirmable: s.entry_id.is_none() && Some(s.member_id) != me,
            })
            .collect()
    } else {
        Vec::new()
    };
    let not_answered = if can_organize {
        members
            .iter()
            .filter(|m| m.left_on.is_none() && !answered.contains(&m.id))
            .map(|m| m.name.to_string())
            .collect()
    } else {
        Vec::new()
    };
    let page = ActivityPage {
        page: Page::signed_in(&viewer, "activities"),
        id,
        title: activity.title.clone(),
        kind: rule.map_or(activity.rule_key.clone(), |r| r.name),
        starts: local(activity.starts_at),
        ends: local(activity.ends_at),
        place: activity.place.clone(),
        slots: activity.slots,
        taken,
        my_answer: me.map(|_| match mine {
            Some(s) if s.entry_id.is_some() => "已记入积分",
            Some(s) if s.checked_in_at.is_some() => "已签到",
            Some(s) if s.is_signed_up() => "已报名",
            Some(_) => "已取消",
            None => "未回复",
        }),
        can_answer: me.is_some() && now < activity.starts_at,
        can_organize,
        notice,
        signup_qr: if can_organize { qr_svg(&url)? } else { String::new() },
        checkin_qr: if can_organize {
            qr_svg(&format!("{}/activities/checkin/{}", state.config().public_url, activity.checkin_token))?
        } else {
            String::new()
        },
        rows,
        not_answered,
        posted,
        no_shows: if activities::schedule(&activity)?.is_over(now) {
            signups.iter().filter(|s| s.is_unrecorded_no_show()).count()
        } else {
            0
        },
    };
    Ok(render(page)?.into_response())
}

#[derive(Deserialize)]
pub struct AnswerForm {
    answer: String,
}

pub async fn answer(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<i64>,
    CheckedForm(form): CheckedForm<AnswerForm>,
) -> WebResult<Response> {
    let answer = activities::Answer::parse(&form.answer)?;
    let mut tx = viewer.write(&state).await?;
    activities::answer(&mut tx, &viewer.account, id, answer, now()).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/activities/{id}")).into_response())
}

/// The venue's QR: a signed-up member checks in within the window.
pub async fn check_in(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(token): Path<String>,
    CheckedForm(_): CheckedForm<CsrfForm>,
) -> WebResult<Response> {
    let mut tx = viewer.write(&state).await?;
    let id = activities::check_in(&mut tx, &viewer.account, &token, now()).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/activities/{id}")).into_response())
}

/// The check-in page the venue QR opens: one button, posted with the token.
pub async fn check_in_page(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(token): Path<String>,
) -> WebResult<Response> {
    let activity = state
        .store()
        .read()
        .await?
        .activity_by_token(&token)
        .await?
        .filter(|a| a.community_id == viewer.account.community_id)
        .ok_or(WebError::NotFound)?;
    let body = format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <link rel=\"stylesheet\" href=\"/static/app.css\"><title>{check_in}</title></head><body><main><h1>{title}</h1>\
         <form method=\"post\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><button type=\"submit\" style=\"width:100%;font-size:1.4rem\">{check_in}</button></form>\
         </main></body></html>",
        lang = viewer.t.lang(),
        check_in = viewer.t.get("check_in"),
        title = askama::filters::escape(&activity.title, askama::filters::Html)
            .map_err(|e| WebError::Internal(e.to_string()))?,
        csrf = viewer.csrf_token
    );
    Ok(axum::response::Html(body).into_response())
}

/// The organizer confirms who served (`m` once per member); each becomes a
/// ledger entry priced by the activity's rule, within the caps.
/// `GET /activities/{id}/confirm`: what confirming the members who checked
/// in (the sheet's default ticks) would record, nothing written.
pub async fn confirm_page(State(state): State<AppState>, viewer: SignedIn, Path(id): Path<i64>) -> WebResult<Response> {
    let community = viewer.account.community_id;
    let mut reader = state.store().read().await?;
    reader.activity(community, id).await?;
    let chosen: Vec<MemberId> = reader
        .signups(id)
        .await?
        .iter()
        .filter(|s| s.is_signed_up() && s.checked_in_at.is_some() && s.entry_id.is_none())
        .map(|s| s.member_id)
        .collect();
    drop(reader);
    confirm_step(&state, &viewer, id, chosen, false).await
}

pub async fn confirm(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<i64>,
    CheckedForm(pairs): CheckedForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let field = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let chosen = pairs
        .iter()
        .filter(|(k, _)| k == "m")
        .map(|(_, v)| {
            v.parse::<MemberId>().map_err(|_| {
                WebError::BadRequest(Why::new(format!("“{v}”不是党员编号。"), format!("m: \"{v}\" is not a member id")))
            })
        })
        .collect::<WebResult<Vec<MemberId>>>()?;
    confirm_step(&state, &viewer, id, chosen, confirmed(field("confirm"))).await
}

/// Records the chosen members' service once confirmed. Unconfirmed, the
/// same entries are made in a transaction that is then dropped, so the
/// summary says exactly what confirming will record (and every refusal
/// shows before anything is asked), and nothing is written.
async fn confirm_step(
    state: &AppState,
    viewer: &SignedIn,
    id: i64,
    chosen: Vec<MemberId>,
    confirmed: bool,
) -> WebResult<Response> {
    let mut tx = viewer.write(state).await?;
    let credited = activities::confirm(&mut tx, &viewer.account, id, &chosen, now()).await?;
    let activity = tx.activity(viewer.account.community_id, id).await?;
    let recorded: Vec<(String, starledger_domain::points::Points)> =
        credited.into_iter().map(|c| (c.name, c.points)).collect();
    if !confirmed {
        drop(tx);
        let t = viewer.t;
        let total: starledger_domain::points::Points = recorded.iter().map(|(_, p)| *p).sum();
        let lines = if recorded.is_empty() {
            vec![t.get("confirm_service_none").to_string()]
        } else {
            vec![t.fill(
                "confirm_service_summary",
                &[("count", &recorded.len()), ("entries", &recorded.len()), ("points", &total)],
            )]
        };
        return ConfirmPage {
            page: Page::signed_in(viewer, "activities"),
            heading: t.fill("confirm_service_heading", &[("title", &activity.title)]),
            lines,
            groups: vec![Group {
                heading: t.get("confirm_service_members").to_string(),
                names: recorded.iter().map(|(name, points)| format!("{name}（{points}）")).collect(),
                testid: "credited",
            }],
            action: format!("/activities/{id}/confirm"),
            carried: chosen.iter().map(|m| ("m".to_string(), m.to_string())).collect(),
            choices: if recorded.is_empty() {
                Vec::new()
            } else {
                vec![Choice::plain(t.get("confirm_service_button"))]
            },
            back: format!("/activities/{id}"),
        }
        .respond();
    }
    if !recorded.is_empty() {
        tx.commit().await?;
    }
    Ok(Redirect::to(&format!("/activities/{id}")).into_response())
}

/// After the activity, the organizer records who signed up and never came.
pub async fn record_no_shows(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<i64>,
    CheckedForm(_): CheckedForm<CsrfForm>,
) -> WebResult<Response> {
    let mut tx = viewer.write(&state).await?;
    activities::record_no_shows(&mut tx, &viewer.account, id, now()).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/activities/{id}")).into_response())
}
