//! Integrity records a community's committee cannot decide: once the member
//! concerned and their relatives are recused, fewer committee members than
//! the rulebook's floor remain, so the record goes up to the overseer
//! nearest above the community (its street or town's, else the county's or
//! the city's), who decides it here, with a reason, rather than letting it
//! stall. The overseer sees only these records, nothing else of the
//! community.

use crate::error::Why;
use crate::error::{WebError, WebResult, render};
use crate::page::Page;
use crate::proof::CheckedForm;
use crate::session::{Overseeing, now};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use starledger_app::integrity as app_integrity;
use starledger_domain::integrity::Deciders;
use starledger_domain::org::{CommunityId, Year};
use starledger_store::{IntegrityQueries, OrgQueries, RegionQueries};

struct Case {
    community_id: CommunityId,
    community: String,
    id: i64,
    member: String,
    rule: String,
    happened_on: String,
    description: String,
    eligible: u32,
    floor: u32,
}

#[derive(Template)]
#[template(path = "region_integrity.html")]
struct CasesPage {
    page: Page,
    cases: Vec<Case>,
}

pub async fn show(State(state): State<AppState>, viewer: Overseeing) -> WebResult<Response> {
    let mut reader = state.store().read().await?;
    let tree = reader.regions().await?;
    let overseers = reader.overseers().await?;
    let mut cases = Vec::new();
    for community in reader.placed_communities().await? {
        let Some(region) = community.region_id else { continue };
        if tree.deciding_overseer(region, &overseers).map(|o| o.id) != Some(viewer.overseer.id) {
            continue;
        }
        for record in reader.integrity_records(community.id).await? {
            if record.status != "pending" {
                continue;
            }
            let year = Year::new(record.year).map_err(|e| WebError::Internal(e.to_string()))?;
            let Some(period) = reader.period(community.id, year).await? else { continue };
            let Deciders::Overseer { eligible } = app_integrity::deciders(&mut reader, &record, &period).await? else {
                continue;
            };
            let member = reader.member(community.id, record.member_id).await?;
            cases.push(Case {
                community_id: community.id,
                community: community.name.clone(),
                id: record.id,
                member: member.name.to_string(),
                rule: period.rulebook.rule(&record.rule_key).map_or(record.rule_key.clone(), |r| r.name.clone()),
                happened_on: record.happened_on.clone(),
                description: record.description.clone(),
                eligible,
                floor: period.rulebook.integrity.decision_floor,
            });
        }
    }
    let page = CasesPage { page: Page::held(&viewer.holder, "region_cases"), cases };
    Ok(render(page)?.into_response())
}

#[derive(Deserialize)]
pub struct DecideForm {
    decision: String,
    note: String,
}

pub async fn decide(
    State(state): State<AppState>,
    viewer: Overseeing,
    Path((community, id)): Path<(CommunityId, i64)>,
    CheckedForm(form): CheckedForm<DecideForm>,
) -> WebResult<Response> {
    crate::fields::at_most("note", &form.note, crate::fields::REASON)?;
    let approve = match form.decision.as_str() {
        "approve" => true,
        "reject" => false,
        other => {
            return Err(WebError::BadRequest(Why::new(
                format!("决定“{other}”无效：应为同意或不同意。"),
                format!("decision: \"{other}\" is neither approve nor reject"),
            )));
        }
    };
    let mut tx = state.store().write_in(community).await?;
    tx.set_origin(&viewer.holder.ip);
    app_integrity::overseer_decide(&mut tx, &viewer.overseer, community, id, approve, &form.note, now()).await?;
    tx.commit().await?;
    Ok(Redirect::to("/region/integrity").into_response())
}
