//! The API's read resources beyond the ledger: households, meetings and
//! their attendance, activities, the published rating and the caller's own
//! record. Each reads through the same readers and audience rules as its
//! page: what a page does not show its reader, the API does not answer.

use super::auth::Caller;
use super::problem::{ApiResult, Problem};
use super::v1::{PageQuery, cursor_after, query};
use crate::calendar::day_of;
use crate::error::Why;
use crate::html::record_mine;
use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};
use starledger_app::standings::Audience;
use starledger_app::{households, meetings};
use starledger_domain::org::{BranchId, CommunityId, MemberId, Year};
use starledger_store::{ActivityQueries, LedgerQueries, MeetingQueries, NoticeQueries, OrgQueries, SealQueries};
use std::collections::HashMap;

/// One page of `items` (sorted by id) after the cursor: the page and the
/// next cursor.
pub(super) fn paged<T>(
    items: Vec<T>,
    id: impl Fn(&T) -> i64,
    asked: &PageQuery,
) -> ApiResult<(Vec<T>, Option<String>)> {
    let (limit, after) = (asked.limit()?, asked.after()?);
    let mut matching = items.into_iter().filter(|item| after.is_none_or(|after| id(item) > after));
    let page: Vec<T> = matching.by_ref().take(limit).collect();
    let more = matching.next().is_some();
    let next = page.last().filter(|_| more).map(|item| cursor_after(id(item)));
    Ok((page, next))
}

fn year_of(seconds: i64) -> ApiResult<Year> {
    day_of(seconds)
        .map(Year::of)
        .map_err(|_| Problem::new("server_error", Why::new("时间无法读取。", format!("time {seconds}"))))
}

/// `GET /api/v1/households`: the households and who they are linked to,
/// for the readers of the households page; the head's phone masked.
pub async fn list_households(
    State(state): State<AppState>,
    caller: Caller,
    asked: Result<Query<PageQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let asked = query(asked)?;
    caller.require_role(&households::LIST_READERS)?;
    let community = caller.account.community_id;
    let mut reader = state.store().read().await?;
    let branch_of: HashMap<MemberId, BranchId> =
        reader.members(community).await?.into_iter().map(|m| (m.id, m.branch_id)).collect();
    let mut found: Vec<_> = reader
        .households(community)
        .await?
        .into_iter()
        .filter(|h| !asked.unlinked || h.member_id.is_none())
        .filter(|h| asked.branch.is_none_or(|b| h.member_id.and_then(|m| branch_of.get(&m)) == Some(&b)))
        .collect();
    found.sort_by_key(|h| h.id);
    let (page, next) = paged(found, |h| h.id.get(), &asked)?;
    let items: Vec<Value> = page
        .iter()
        .map(|h| {
            json!({
                "id": h.id,
                "address": h.address,
                "head_name": h.head_name,
                "head_phone_masked": h.phone_masked(),
                "member_id": h.member_id,
                "member_name": h.member_name,
                "branch_id": h.member_id.and_then(|m| branch_of.get(&m)),
            })
        })
        .collect();
    Ok(super::json(StatusCode::OK, &json!({ "items": items, "next_cursor": next })))
}

/// `GET /api/v1/meetings`: a year's meetings the caller sees on the
/// meetings page (a member: those they are invited to).
pub async fn list_meetings(
    State(state): State<AppState>,
    caller: Caller,
    asked: Result<Query<PageQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let asked = query(asked)?;
    let year = asked.year(&state, &caller).await?;
    let mut reader = state.store().read().await?;
    let visible = meetings::visible(&mut reader, &caller.account).await?.ok_or_else(|| {
        Problem::new("role.forbidden", Why::new("此账号不属于任何支部。", "this account belongs to no branch"))
    })?;
    let mut found = Vec::new();
    for meeting in visible.meetings {
        if year_of(meeting.starts_at)? == year && asked.branch.is_none_or(|b| meeting.branch_id == b) {
            found.push(meeting);
        }
    }
    found.sort_by_key(|m| m.id);
    let (page, next) = paged(found, |m| m.id, &asked)?;
    // Never the check-in token: it lets whoever holds it check in.
    let items: Vec<Value> = page
        .iter()
        .map(|m| {
            json!({
                "id": m.id,
                "title": m.title,
                "rule": m.rule_key,
                "branch_id": m.branch_id,
                "branch": m.branch,
                "party_group_id": m.party_group_id,
                "place": m.place,
                "starts_at": m.starts_at,
                "closed": m.closed_at.is_some(),
            })
        })
        .collect();
    Ok(super::json(StatusCode::OK, &json!({ "year": year.get(), "items": items, "next_cursor": next })))
}

/// `GET /api/v1/meetings/{id}/attendance`: the meeting's sheet, for those
/// who may open the meeting's page.
pub async fn meeting_attendance(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let community = caller.account.community_id;
    let mut reader = state.store().read().await?;
    let meeting = reader.meeting(community, id).await?;
    let members = reader.members(community).await?;
    let invited = meetings::invited(&meeting, &members);
    if !meetings::may_read(&caller.account, &meeting, &invited) {
        return Err(Problem::new(
            "role.forbidden",
            Why::new("这是其他支部的会议。", "this meeting is another branch's"),
        ));
    }
    Ok(super::json(StatusCode::OK, &sheet_json(&mut reader, community, id).await?))
}

/// A meeting's attendance sheet as the API shows it: one row per member
/// it invites.
pub(super) async fn sheet_json<Q: MeetingQueries + OrgQueries>(
    q: &mut Q,
    community: CommunityId,
    id: i64,
) -> ApiResult<Value> {
    let meeting = q.meeting(community, id).await?;
    let members = q.members(community).await?;
    let invited = meetings::invited(&meeting, &members);
    let attendance: HashMap<MemberId, _> = q.attendance(id).await?.into_iter().map(|a| (a.member_id, a)).collect();
    let items: Vec<Value> = invited
        .iter()
        .map(|m| {
            let row = attendance.get(&m.id);
            json!({
                "member_id": m.id,
                "name": m.name.to_string(),
                "status": row.map(|a| a.status.as_str()),
                "via": row.map(|a| a.via.as_str()),
                "recorded": row.is_some_and(|a| a.ledgered),
            })
        })
        .collect();
    Ok(json!({ "meeting_id": id, "closed": meeting.closed_at.is_some(), "items": items }))
}

/// `GET /api/v1/activities`: a year's activities, as every signed-in
/// account sees them, with how many have signed up.
pub async fn list_activities(
    State(state): State<AppState>,
    caller: Caller,
    asked: Result<Query<PageQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let asked = query(asked)?;
    let year = asked.year(&state, &caller).await?;
    let mut reader = state.store().read().await?;
    let mut found = Vec::new();
    for activity in reader.activities(caller.account.community_id).await? {
        if year_of(activity.starts_at)? == year {
            found.push(activity);
        }
    }
    found.sort_by_key(|a| a.id);
    let (page, next) = paged(found, |a| a.id, &asked)?;
    let mut items = Vec::new();
    for a in &page {
        let signed_up = reader.signups(a.id).await?.iter().filter(|s| s.is_signed_up()).count();
        items.push(json!({
            "id": a.id,
            "title": a.title,
            "rule": a.rule_key,
            "place": a.place,
            "starts_at": a.starts_at,
            "ends_at": a.ends_at,
            "slots": a.slots,
            "signed_up": signed_up,
        }));
    }
    Ok(super::json(StatusCode::OK, &json!({ "year": year.get(), "items": items, "next_cursor": next })))
}

/// `GET /api/v1/ratings/{year}`: the published rating (on notice, or
/// final) as the notice and the honour roll show it, with the seal's short
/// form; before publication there is none.
pub async fn published_rating(
    State(state): State<AppState>,
    caller: Caller,
    Path(year): Path<i64>,
    asked: Result<Query<PageQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let asked = query(asked)?;
    let (limit, after) = (asked.limit()?, asked.after()?);
    let none =
        || Problem::new("not_found", Why::new("这一年度的评定结果尚未公示。", "the year's rating is not published"));
    let year = Year::new(year).map_err(|_| none())?;
    let community = caller.account.community_id;
    let mut reader = state.store().read().await?;
    let rounds = reader.rating_rounds(community, i64::from(year.get())).await?;
    let live = rounds.iter().rev().find(|r| r.is_live()).cloned().ok_or_else(none)?;
    let audience = Audience::of(caller.account.role);
    let kept = state.ratings().get(&mut reader, community, year, audience).await?.ok_or_else(none)?;
    let seal = reader.seals(community, year).await?.pop().map(|s| s.short());
    let (page, next) = super::v1::page_in_order(kept.standing().members.iter(), |m| m.member_id.get(), after, limit)?;
    let items: Vec<Value> = page
        .into_iter()
        .map(|m| {
            json!({
                "member_id": m.member_id,
                "name": m.name,
                "branch": m.branch,
                "total": m.total.to_string(),
                "rank": m.rank,
                "stars": m.stars,
            })
        })
        .collect();
    Ok(super::json(
        StatusCode::OK,
        &json!({
            "year": year.get(),
            "round": live.round,
            "final": live.is_final(),
            "notice_from": live.notice_from,
            "notice_until": live.notice_until,
            "seal": seal,
            "items": items,
            "next_cursor": next,
        }),
    ))
}

/// `GET /api/v1/me`: the caller's own record as /me sums it up: total,
/// rank and stars, and points by category with household ratings as
/// counts per window (withheld, counts and points, below three ratings).
pub async fn me(
    State(state): State<AppState>,
    caller: Caller,
    asked: Result<Query<PageQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let asked = query(asked)?;
    let member_id = caller.account.member_id.ok_or_else(|| {
        Problem::new(
            "role.forbidden",
            Why::new("此账号不是党员本人的账号，没有个人积分。", "this account is not a member's"),
        )
    })?;
    let year = asked.year(&state, &caller).await?;
    let community = caller.account.community_id;
    let mut reader = state.store().read().await?;
    let member = reader.member(community, member_id).await?;
    let audience = Audience::of(caller.account.role);
    let kept =
        state.ratings().get(&mut reader, community, year, audience).await?.ok_or_else(|| {
            Problem::new("not_found", Why::new("社区没有这个年度。", "the community has no such year"))
        })?;
    let entries = reader.member_entries(community, member_id, year).await?;
    let categories =
        record_mine::categories(&mut reader, &caller.account, Tr(Lang::Zh), &kept.period.rulebook, &entries).await?;
    let rating = &kept.rating;
    let ranked = record_mine::ranks_anyone(rating);
    let rated = kept.member(member_id);
    let categories: Vec<Value> = categories
        .iter()
        .map(|c| {
            let windows: Vec<Value> = c
                .windows
                .iter()
                .map(|w| {
                    let shown = |n: i64| if w.shown { json!(n) } else { Value::Null };
                    json!({
                        "window": w.label,
                        "shown": w.shown,
                        "satisfied": shown(w.satisfied),
                        "basically_satisfied": shown(w.basically),
                        "not_satisfied": shown(w.not),
                        "points": if w.shown { json!(w.points.to_string()) } else { Value::Null },
                    })
                })
                .collect();
            json!({ "name": c.name, "points": c.points.to_string(), "windows": windows })
        })
        .collect();
    Ok(super::json(
        StatusCode::OK,
        &json!({
            "member_id": member_id,
            "name": member.name.to_string(),
            "branch": member.branch,
            "year": year.get(),
            "total": rated.map(|m| m.total).unwrap_or_default().to_string(),
            "rank": rated.and_then(|m| m.rank).filter(|_| ranked),
            "stars": if ranked { Some(rated.map_or(0, |m| m.stars)) } else { None },
            "eligible": rating.eligible_count,
            "categories": categories,
        }),
    ))
}
