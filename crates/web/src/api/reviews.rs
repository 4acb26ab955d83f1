//! The API's claims and integrity records: the same readers and the same
//! use cases as /claims, /reviews and /integrity. A decision on a claim and
//! a vote on a record may write points, so each takes an `Idempotency-Key`
//! and runs through the use case the page calls: recusal holds as there.

use super::auth::Caller;
use super::idempotency::{self, Keyed};
use super::problem::{ApiResult, Problem};
use super::resources::paged;
use super::v1::PageQuery;
use crate::error::Why;
use crate::session::now;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};
use starledger_app::claims::{self, ClaimFilter, Verdict};
use starledger_app::integrity;
use starledger_domain::claims::ClaimStatus;
use starledger_domain::integrity::Deciders;
use starledger_domain::org::{Account, BranchId, MemberId, Year};
use starledger_store::{Claim, ClaimQueries, IntegrityQueries, IntegrityRecord, OrgQueries};
use std::collections::HashMap;

/// The query of the claims and integrity lists: a page, and filters.
#[derive(Deserialize, Default)]
pub struct ReviewQuery {
    cursor: Option<String>,
    limit: Option<usize>,
    status: Option<String>,
    branch: Option<BranchId>,
    /// Claims: only the caller's own.
    #[serde(default)]
    mine: bool,
}

impl ReviewQuery {
    fn page(&self) -> PageQuery {
        PageQuery { cursor: self.cursor.clone(), limit: self.limit, ..PageQuery::default() }
    }
}

fn review_query(asked: Result<Query<ReviewQuery>, QueryRejection>) -> ApiResult<ReviewQuery> {
    asked.map(|Query(q)| q).map_err(|e| Problem::new("invalid", Why::new("查询参数无效。", e.body_text())))
}

/// A claim as the API shows it; its photo is opened on /uploads/{id} with a
/// session, and only said to be there.
pub fn claim_json(claim: &Claim) -> Value {
    json!({
        "id": claim.id,
        "member_id": claim.member_id,
        "member_name": claim.member_name,
        "branch_id": claim.branch_id,
        "kind": claim.kind.as_str(),
        "occurred_on": claim.occurred_on.to_string(),
        "household_id": claim.household_id,
        "household_address": claim.household_address,
        "note": claim.note,
        "photo": claim.upload_id.is_some(),
        "status": claim.status.as_str(),
        "claimed_at": claim.claimed_at,
        "decided_by": claim.decided_by,
        "decision_note": claim.decision_note,
        "entry_id": claim.entry_id,
    })
}

/// `GET /api/v1/claims`: the claims the caller may read (a member their
/// own; a branch secretary their branch's; the committee and the auditor
/// everyone's), filtered by status, branch, or `mine`.
pub async fn list_claims(
    State(state): State<AppState>,
    caller: Caller,
    asked: Result<Query<ReviewQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let asked = review_query(asked)?;
    let status = match asked.status.as_deref() {
        None | Some("") => None,
        Some(text) => Some(text.parse::<ClaimStatus>().map_err(|_| {
            Problem::new(
                "invalid",
                Why::new(
                    format!("status 应为 pending、approved、rejected 或 cancelled，收到 {text}。"),
                    format!("status must be pending, approved, rejected or cancelled, not {text}"),
                ),
            )
        })?),
    };
    let filter = ClaimFilter { status, mine: asked.mine, branch: asked.branch };
    let found = claims::visible(&mut state.store().read().await?, &caller.account, &filter).await?;
    let (page, next) = paged(found, |c| c.id, &asked.page())?;
    let items: Vec<Value> = page.iter().map(claim_json).collect();
    Ok(super::json(StatusCode::OK, &json!({ "items": items, "next_cursor": next })))
}

/// `GET /api/v1/claims/{id}`: one claim the caller may read.
pub async fn get_claim(State(state): State<AppState>, caller: Caller, Path(id): Path<i64>) -> ApiResult<Response> {
    let claim = claims::read(&mut state.store().read().await?, &caller.account, id).await?;
    Ok(super::json(StatusCode::OK, &claim_json(&claim)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimDecisionBody {
    decision: String,
    #[serde(default)]
    note: String,
}

/// `POST /api/v1/claims/{id}/decision`: approves or rejects a claim through
/// the use case /reviews calls: the claimant and their relatives are
/// recused, an approval writes its entry once.
pub async fn decide_claim(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let Keyed { key, request, input } = idempotency::keyed::<ClaimDecisionBody>(
        &caller,
        &headers,
        &format!("POST /api/v1/claims/{id}/decision"),
        &body,
    )?;
    crate::fields::at_most("note", &input.note, crate::fields::REASON)?;
    let verdict = Verdict::parse(&input.decision)?;
    let mut tx = caller.write(&state).await?;
    if let Some(replayed) = idempotency::replay(&mut tx, &caller, &key, &request).await? {
        return Ok(replayed);
    }
    claims::decide(&mut tx, &caller.account, id, verdict, &input.note, now()).await?;
    let claim = tx.claim(caller.account.community_id, id).await?;
    idempotency::keep_and_commit(tx, &caller, &key, request, StatusCode::OK, claim_json(&claim)).await
}

/// An integrity record as the API shows it, with its votes so far and the
/// caller's part in it.
async fn record_json<Q: IntegrityQueries + OrgQueries>(
    q: &mut Q,
    caller: &Account,
    record: &IntegrityRecord,
    names: &HashMap<MemberId, String>,
    periods: &mut HashMap<i64, Option<starledger_store::Period>>,
) -> ApiResult<Value> {
    let votes = q.integrity_votes(record.id).await?;
    // Each year's rulebook is read once, however many records it prices.
    if let std::collections::hash_map::Entry::Vacant(slot) = periods.entry(record.year) {
        slot.insert(match Year::new(record.year) {
            Ok(year) => q.period(caller.community_id, year).await?,
            Err(_) => None,
        });
    }
    let deciders = match periods.get(&record.year).and_then(Option::as_ref) {
        Some(period) => Some(integrity::deciders(q, record, period).await?),
        None => None,
    };
    let mine = votes.iter().find(|v| v.account_id == caller.id).map(|v| if v.approve { "approve" } else { "reject" });
    Ok(json!({
        "id": record.id,
        "member_id": record.member_id,
        "member_name": names.get(&record.member_id),
        "year": record.year,
        "rule": record.rule_key,
        "happened_on": record.happened_on,
        "description": record.description,
        "evidence": record.evidence_id.is_some(),
        "status": record.status,
        "approvals": votes.iter().filter(|v| v.approve).count(),
        "rejections": votes.iter().filter(|v| !v.approve).count(),
        "quorum": match deciders { Some(Deciders::Committee { quorum, .. }) => Some(quorum), _ => None },
        "escalated": matches!(deciders, Some(Deciders::Overseer { .. })),
        "entry_id": record.entry_id,
        "decision_note": record.decision_note,
        "recused": integrity::recused(q, caller, record).await?,
        "my_vote": mine,
    }))
}

async fn member_names<Q: OrgQueries>(q: &mut Q, caller: &Account) -> ApiResult<HashMap<MemberId, String>> {
    Ok(q.members(caller.community_id).await?.into_iter().map(|m| (m.id, m.name.to_string())).collect())
}

/// `GET /api/v1/integrity`: the integrity records, for those who read
/// /integrity (the committee, the branch secretaries, the auditor).
pub async fn list_integrity(
    State(state): State<AppState>,
    caller: Caller,
    asked: Result<Query<ReviewQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let asked = review_query(asked)?;
    caller.require_role(&integrity::READERS)?;
    let mut reader = state.store().read().await?;
    let found: Vec<IntegrityRecord> = integrity::visible(&mut reader, &caller.account)
        .await?
        .into_iter()
        .filter(|r| asked.status.as_deref().is_none_or(|s| s.is_empty() || r.status == s))
        .collect();
    let (page, next) = paged(found, |r| r.id, &asked.page())?;
    let names = member_names(&mut reader, &caller.account).await?;
    let mut periods = HashMap::new();
    let mut items = Vec::new();
    for record in &page {
        items.push(record_json(&mut reader, &caller.account, record, &names, &mut periods).await?);
    }
    Ok(super::json(StatusCode::OK, &json!({ "items": items, "next_cursor": next })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoteBody {
    vote: String,
}

/// `POST /api/v1/integrity/{id}/vote`: a committee member's vote, through
/// `app::integrity::vote` as on /integrity; the vote that reaches the
/// quorum decides and may write the entry, hence the `Idempotency-Key`.
pub async fn vote_integrity(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let Keyed { key, request, input } =
        idempotency::keyed::<VoteBody>(&caller, &headers, &format!("POST /api/v1/integrity/{id}/vote"), &body)?;
    let approve = match input.vote.as_str() {
        "approve" => true,
        "reject" => false,
        other => {
            return Err(Problem::new(
                "invalid",
                Why::new(
                    format!("表决“{other}”无效：应为 approve 或 reject。"),
                    format!("vote: \"{other}\" is neither approve nor reject"),
                ),
            ));
        }
    };
    let mut tx = caller.write(&state).await?;
    if let Some(replayed) = idempotency::replay(&mut tx, &caller, &key, &request).await? {
        return Ok(replayed);
    }
    integrity::vote(&mut tx, &caller.account, id, approve, now()).await?;
    let record = tx.integrity_record(caller.account.community_id, id).await?;
    let names = member_names(&mut tx, &caller.account).await?;
    let answer = record_json(&mut tx, &caller.account, &record, &names, &mut HashMap::new()).await?;
    idempotency::keep_and_commit(tx, &caller, &key, request, StatusCode::OK, answer).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRecordBody {
    member_id: MemberId,
    rule: String,
    on: String,
    description: String,
}

/// `POST /api/v1/integrity`: files an integrity record for the committee
/// to decide, through `app::integrity::file` as /integrity does (the
/// committee about anyone, a branch secretary about their branch, nobody
/// about themselves). Filing writes no points, so it takes no
/// `Idempotency-Key`; evidence is attached on the page.
pub async fn file_integrity(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    caller.require_scope(starledger_app::api_tokens::Scope::Record)?;
    let key = idempotency::optional_key(&headers)?;
    let request = idempotency::request_hash("POST /api/v1/integrity", &body);
    let input: NewRecordBody = super::parse_json(&body)?;
    crate::fields::at_most("description", &input.description, crate::fields::REASON)?;
    let on = input.on.parse().map_err(|_| {
        Problem::new("invalid", Why::new("on（日期）：不是日期（年-月-日）。", "on: not a date (YYYY-MM-DD)"))
    })?;
    let filing = integrity::Filing {
        member_id: input.member_id,
        rule: input.rule,
        on,
        description: input.description.trim().to_string(),
        evidence: None,
    };
    let mut tx = caller.write(&state).await?;
    if let Some(replayed) = idempotency::replay_if_keyed(&mut tx, &caller, key.as_deref(), &request).await? {
        return Ok(replayed);
    }
    let id = integrity::file(&mut tx, &caller.account, filing, crate::html::claims::quota(&state), now()).await?;
    let record = tx.integrity_record(caller.account.community_id, id).await?;
    let names = member_names(&mut tx, &caller.account).await?;
    let answer = record_json(&mut tx, &caller.account, &record, &names, &mut HashMap::new()).await?;
    idempotency::commit_answer(tx, &caller, key, request, StatusCode::CREATED, answer).await
}
