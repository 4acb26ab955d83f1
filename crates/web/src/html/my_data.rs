//! "Download my data": everything kept about the member, as one JSON file
//! (files they uploaded inside it, in base64). What is in it and what is
//! left out (other people's data: households' identities and comments) is
//! decided in `starledger_app::personal_data` and docs/privacy.md.

use crate::download::download;
use crate::error::{WebError, WebResult, Why};
use crate::session::SignedIn;
use crate::state::AppState;
use axum::extract::State;
use axum::response::Response;
use base64::Engine;
use serde::Serialize;
use serde_json::{Value, json};
use starledger_app::personal_data::{PersonalData, export};
use starledger_domain::org::LinkingDuty;

pub async fn download_mine(State(state): State<AppState>, viewer: SignedIn) -> WebResult<Response> {
    let member = viewer.account.member_id.ok_or_else(|| {
        WebError::Forbidden(Why::new("此账号不是党员本人的账号，没有个人资料。", "this account is not a member's"))
    })?;
    let mut reader = state.store().read().await?;
    let data = export(&mut reader, viewer.account.community_id, member).await?;
    let today = crate::calendar::today();
    let body = serde_json::to_vec_pretty(&as_json(&data)).map_err(|e| WebError::Internal(format!("my data: {e}")))?;
    Ok(download("application/json", &format!("starledger-my-data-{today}.json"), body))
}

#[derive(Serialize)]
struct Entry<'a> {
    id: i64,
    year: i16,
    occurred_on: String,
    category: &'a str,
    rule: &'a str,
    points: f64,
    reason: &'a str,
    source: &'a str,
    recorded_by: String,
    recorded_at: i64,
    reverses: Option<i64>,
}

fn as_json(data: &PersonalData) -> Value {
    let m = &data.member;
    let base64 = base64::engine::general_purpose::STANDARD;
    json!({
        "format": 1,
        "generated_at": crate::calendar::local(starledger_app::clock::now()),
        "member": {
            "id": m.id,
            "name": m.name.to_string(),
            "branch": m.branch,
            "party_group_id": m.party_group_id,
            "phone": m.phone.as_ref().map(|p| p.as_str().to_string()),
            "probationary": m.probationary,
            "linking": match &m.linking {
                LinkingDuty::Linked => json!({"duty": "linked"}),
                LinkingDuty::HoldsPost(post) => json!({"duty": "holds_post", "post": post}),
                LinkingDuty::Exempt(reason) => json!({"duty": "exempt", "reason": reason}),
            },
            "joined_on": m.joined_on.map(|d| d.to_string()),
            "left_on": m.left_on.map(|d| d.to_string()),
        },
        "accounts": data.accounts.iter().map(|a| json!({"login": a.login, "name": a.name, "role": a.role.as_str()})).collect::<Vec<_>>(),
        "entries": data.entries.iter().map(|e| Entry {
            id: e.id,
            year: e.draft.year,
            occurred_on: e.draft.occurred_on.to_string(),
            category: &e.draft.category,
            rule: &e.draft.rule_key,
            points: e.draft.points.as_f64(),
            reason: &e.draft.reason,
            source: &e.draft.source_kind,
            recorded_by: e.draft.recorded_by.to_string(),
            recorded_at: e.draft.recorded_at,
            reverses: e.draft.reverses,
        }).collect::<Vec<_>>(),
        "household_ratings": data.ratings.iter().map(|w| json!({
            "year": w.year,
            "window": w.window,
            "satisfied": w.counts.map(|c| c.0),
            "basically_satisfied": w.counts.map(|c| c.1),
            "not_satisfied": w.counts.map(|c| c.2),
            "points": w.points.map(|p| p.as_f64()),
        })).collect::<Vec<_>>(),
        "claims": data.claims.iter().map(|c| json!({
            "id": c.claim.id,
            "kind": c.claim.kind.as_str(),
            "occurred_on": c.claim.occurred_on.to_string(),
            "household_address": c.claim.household_address,
            "note": c.claim.note,
            "status": c.claim.status.as_str(),
            "decision_note": c.claim.decision_note,
            "claimed_at": c.claim.claimed_at,
            "entry_id": c.claim.entry_id,
            "file": c.file.as_ref().map(|(content_type, bytes)| json!({
                "content_type": content_type,
                "base64": base64.encode(bytes),
            })),
        })).collect::<Vec<_>>(),
        "audit": data.audit.iter().map(|(login, at, action, detail)| json!({
            "login": login, "at": at, "action": action, "detail": detail,
        })).collect::<Vec<_>>(),
    })
}
