//! The handlers of `/api/v1`: each parses, asks the application layer (the
//! same use cases and the same read rules as the pages), and answers JSON.

use super::auth::Caller;
use super::idempotency::{self, Keyed};
use super::problem::{ApiResult, Problem};
use crate::calendar::chosen_year;
use crate::error::Why;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};
use starledger_app::ledger::{self, EntryFilter, HandEntry, Recorded};
use starledger_app::standings::Audience;
use starledger_app::{anomalies, roll};
use starledger_domain::ledger::Entry;
use starledger_domain::org::{BranchId, MemberId, Year};
use starledger_store::{LedgerQueries, OrgQueries, SealQueries};

/// The most items one page of a list holds.
pub const MAX_LIMIT: usize = 200;
/// Items per page when the request does not say.
pub const DEFAULT_LIMIT: usize = 50;

/// A list's page: `cursor` is the `next_cursor` of the page before.
#[derive(Deserialize, Default)]
pub struct PageQuery {
    pub(super) cursor: Option<String>,
    pub(super) limit: Option<usize>,
    pub(super) year: Option<i64>,
    pub(super) branch: Option<BranchId>,
    pub(super) category: Option<String>,
    pub(super) member: Option<MemberId>,
    /// Households: only those linked to no member.
    #[serde(default)]
    pub(super) unlinked: bool,
}

pub(super) fn query(query: Result<Query<PageQuery>, QueryRejection>) -> ApiResult<PageQuery> {
    query.map(|Query(q)| q).map_err(|e| Problem::new("invalid", Why::new("查询参数无效。", e.body_text())))
}

impl PageQuery {
    pub(super) fn limit(&self) -> ApiResult<usize> {
        match self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(limit) if (1..=MAX_LIMIT).contains(&limit) => Ok(limit),
            Some(limit) => Err(Problem::new(
                "invalid",
                Why::new(
                    format!("limit 须在 1 到 {MAX_LIMIT} 之间，收到 {limit}。"),
                    format!("limit must be 1 to {MAX_LIMIT}, not {limit}"),
                ),
            )),
        }
    }

    /// The last id of the page before. The cursor is opaque to clients:
    /// they pass back what `next_cursor` gave.
    pub(super) fn after(&self) -> ApiResult<Option<i64>> {
        let Some(cursor) = self.cursor.as_deref().filter(|c| !c.is_empty()) else { return Ok(None) };
        cursor.strip_prefix('c').and_then(|id| id.parse::<i64>().ok()).map(Some).ok_or_else(|| {
            Problem::new(
                "invalid",
                Why::new("cursor 无效：请使用上一页返回的 next_cursor。", "cursor is not one this API gave"),
            )
        })
    }

    pub(super) async fn year(&self, state: &AppState, caller: &Caller) -> ApiResult<Year> {
        let years = state.store().read().await?.period_years(caller.account.community_id).await?;
        chosen_year(&years, self.year)
            .ok_or_else(|| Problem::new("not_found", Why::new("社区没有这个年度。", "the community has no such year")))
    }
}

pub(super) fn cursor_after(id: i64) -> String {
    format!("c{id}")
}

/// One page of a list in an order of its own (a rating's rank order): the
/// items after the one whose id is `after`, at most `limit`, and the cursor
/// of the next page. An id no longer in the list (the roll changed) is a
/// cursor this list did not give.
pub(super) fn page_in_order<T>(
    items: impl Iterator<Item = T>,
    id: impl Fn(&T) -> i64,
    after: Option<i64>,
    limit: usize,
) -> ApiResult<(Vec<T>, Option<String>)> {
    let mut items = items.peekable();
    if let Some(after) = after
        && !items.any(|item| id(&item) == after)
    {
        return Err(Problem::new(
            "invalid",
            Why::new("cursor 无效：请使用上一页返回的 next_cursor。", "cursor is not one this list gave"),
        ));
    }
    let page: Vec<T> = items.by_ref().take(limit).collect();
    let more = items.peek().is_some();
    let next = page.last().filter(|_| more).map(|item| cursor_after(id(item)));
    Ok((page, next))
}

/// `GET /api/v1/members`: the roll, phones masked (the roll's readers).
pub async fn members(
    State(state): State<AppState>,
    caller: Caller,
    asked: Result<Query<PageQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let asked = query(asked)?;
    caller.require_role(&roll::READERS)?;
    let (limit, after) = (asked.limit()?, asked.after()?);
    let mut members = state.store().read().await?.members(caller.account.community_id).await?;
    members.sort_by_key(|m| m.id);
    let mut matching = members
        .into_iter()
        .filter(|m| after.is_none_or(|after| m.id.get() > after))
        .filter(|m| asked.branch.is_none_or(|b| m.branch_id == b));
    let page: Vec<_> = matching.by_ref().take(limit).collect();
    let more = matching.next().is_some();
    let next = page.last().filter(|_| more).map(|m| cursor_after(m.id.get()));
    let items: Vec<Value> = page
        .iter()
        .map(|m| {
            json!({
                "id": m.id,
                "name": m.name.to_string(),
                "branch_id": m.branch_id,
                "branch": m.branch,
                "phone_masked": m.phone.as_ref().map(|p| p.masked()),
                "probationary": m.probationary,
                "joined_on": m.joined_on.map(|d| d.to_string()),
                "left_on": m.left_on.map(|d| d.to_string()),
            })
        })
        .collect();
    Ok(super::json(StatusCode::OK, &json!({ "items": items, "next_cursor": next })))
}

/// `GET /api/v1/standings`: a year's rating as the account's pages show
/// it, in rank order, a page at a time (the cursor names the last member
/// of the page before).
pub async fn standings(
    State(state): State<AppState>,
    caller: Caller,
    asked: Result<Query<PageQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let asked = query(asked)?;
    let (limit, after) = (asked.limit()?, asked.after()?);
    let year = asked.year(&state, &caller).await?;
    let community = caller.account.community_id;
    let mut reader = state.store().read().await?;
    let audience = Audience::of(caller.account.role);
    let kept =
        state.ratings().get(&mut reader, community, year, audience).await?.ok_or_else(|| {
            Problem::new("not_found", Why::new("社区没有这个年度。", "the community has no such year"))
        })?;
    let branch_of: std::collections::HashMap<MemberId, BranchId> =
        kept.roll.iter().map(|m| (m.id, m.branch_id)).collect();
    let matching =
        kept.standing().members.iter().filter(|m| asked.branch.is_none_or(|b| branch_of.get(&m.member_id) == Some(&b)));
    let (page, next) = page_in_order(matching, |m| m.member_id.get(), after, limit)?;
    let items: Vec<Value> = page
        .into_iter()
        .map(|m| {
            json!({
                "member_id": m.member_id,
                "name": m.name,
                "branch_id": branch_of.get(&m.member_id),
                "branch": m.branch,
                "total": m.total.to_string(),
                "rank": m.rank,
                "stars": m.stars,
                "eligible": m.eligible,
            })
        })
        .collect();
    Ok(super::json(
        StatusCode::OK,
        &json!({ "year": year.get(), "final": kept.finalized.is_some(), "items": items, "next_cursor": next }),
    ))
}

/// An entry as the API shows it.
pub fn entry_json(entry: &Entry) -> Value {
    let d = &entry.draft;
    json!({
        "id": entry.id,
        "year": d.year,
        "member_id": d.member_id,
        "category": d.category,
        "rule": d.rule_key,
        "points": d.points.to_string(),
        "reason": d.reason,
        "source": d.source_kind,
        "source_ref": d.source_ref,
        "occurred_on": d.occurred_on.to_string(),
        "recorded_by": d.recorded_by.to_string(),
        "recorded_at": d.recorded_at,
        "reverses": d.reverses,
    })
}

/// `GET /api/v1/entries`: a year's ledger entries, filtered, a page at a
/// time (the readers of the entries page).
pub async fn entries(
    State(state): State<AppState>,
    caller: Caller,
    asked: Result<Query<PageQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let asked = query(asked)?;
    caller.require_role(&anomalies::READERS)?;
    let (limit, after) = (asked.limit()?, asked.after()?);
    let year = asked.year(&state, &caller).await?;
    let filter = EntryFilter { category: asked.category.clone(), member: asked.member, branch: asked.branch };
    let mut reader = state.store().read().await?;
    let (page, more) = ledger::entries_after(&mut reader, caller.account.community_id, year, &filter, after, limit)
        .await?
        .ok_or_else(|| Problem::new("not_found", Why::new("社区没有这个年度。", "the community has no such year")))?;
    let next = page.last().filter(|_| more).map(|e| cursor_after(e.id));
    let items: Vec<Value> = page.iter().map(entry_json).collect();
    Ok(super::json(StatusCode::OK, &json!({ "year": year.get(), "items": items, "next_cursor": next })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewEntry {
    member_id: MemberId,
    rule: String,
    on: String,
    reference: String,
    #[serde(default)]
    reason: Option<String>,
}

/// `POST /api/v1/entries`: records an entry typed by hand, through the use
/// case the command line's `record` uses: the same duty and recusal checks.
pub async fn record(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let Keyed { key, request, input } =
        idempotency::keyed::<NewEntry>(&caller, &headers, "POST /api/v1/entries", &body)?;
    let on = input.on.parse().map_err(|_| {
        Problem::new(
            "invalid",
            Why::new(
                format!("on 须是日期（如 2026-06-01），收到 {}。", input.on),
                format!("on must be a date like 2026-06-01, not {}", input.on),
            ),
        )
    })?;
    let mut tx = caller.write(&state).await?;
    if let Some(replayed) = idempotency::replay(&mut tx, &caller, &key, &request).await? {
        return Ok(replayed);
    }
    let hand = HandEntry {
        member: input.member_id,
        rule_key: &input.rule,
        on,
        reference: &input.reference,
        reason: input.reason,
        idempotency_key: Some(format!("api:{}:{key}", caller.account.id)),
    };
    let (status, body) = match ledger::record_by_hand(&mut tx, &caller.account, hand).await? {
        Recorded::New { entry, .. } => (StatusCode::CREATED, entry_json(&entry)),
        Recorded::Already { id } => (StatusCode::OK, entry_json(&tx.entry(caller.account.community_id, id).await?)),
    };
    idempotency::keep_and_commit(tx, &caller, &key, request, status, body).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reversal {
    reason: String,
}

/// `POST /api/v1/entries/{id}/reverse`: reverses an entry through the
/// reversal use case: the same duty as the entry it cancels.
pub async fn reverse(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let Keyed { key, request, input } =
        idempotency::keyed::<Reversal>(&caller, &headers, &format!("POST /api/v1/entries/{id}/reverse"), &body)?;
    let mut tx = caller.write(&state).await?;
    if let Some(replayed) = idempotency::replay(&mut tx, &caller, &key, &request).await? {
        return Ok(replayed);
    }
    let (entry, _) = ledger::reverse(&mut tx, &caller.account, id, &input.reason).await?;
    idempotency::keep_and_commit(tx, &caller, &key, request, StatusCode::CREATED, entry_json(&entry)).await
}

/// `GET /api/v1/seals/{year}`: the year's latest seal, as `seal verify` reads it.
pub async fn seal(State(state): State<AppState>, caller: Caller, Path(year): Path<i64>) -> ApiResult<Response> {
    let none = || Problem::new("not_found", Why::new("这一年度还没有封存。", "the year has no seal"));
    let year = Year::new(year).map_err(|_| none())?;
    let seals = state.store().read().await?.seals(caller.account.community_id, year).await?;
    let latest = seals.last().ok_or_else(none)?;
    let document: Value = serde_json::from_str(&latest.to_json())
        .map_err(|e| Problem::new("server_error", Why::new("封存文件无法读取。", format!("seal: {e}"))))?;
    Ok(super::json(StatusCode::OK, &document))
}
