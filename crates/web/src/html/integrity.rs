//! Step 3, the integrity record (诚信档案) and moral review (道德评议): the
//! committee or a branch secretary files a commendation or a fault with its
//! evidence; it becomes points only by a committee decision in which the
//! member concerned and anyone marked as their relative are recused (回避),
//! once at least the rulebook's quorum has voted. A majority of the votes
//! cast decides; the entry names the decision, not any one voter.

use crate::calendar::today;
use crate::error::Why;
use crate::error::{WebError, WebResult, render};
use crate::html::claims::{FileField, read_file, too_large_why};
use crate::page::Page;
use crate::proof::{CheckedForm, CheckedMultipart};
use crate::session::{SignedIn, now};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::civil::Date;
use serde::Deserialize;
use starledger_app::integrity as app_integrity;
use starledger_domain::duty::{self, Subject};
use starledger_domain::integrity::Deciders;
use starledger_domain::org::{Member, MemberId, Role, Year};
use starledger_domain::rulebook::RuleSource;
use starledger_store::{IntegrityQueries, OrgQueries, Period, PeriodStatus};
use std::collections::HashMap;

fn subject(member: &Member) -> Subject {
    Subject { member_id: member.id, branch_id: member.branch_id }
}

struct RecordRow {
    id: i64,
    member: String,
    rule: String,
    happened_on: String,
    description: String,
    evidence_id: Option<i64>,
    status: &'static str,
    /// The overseer's words, when the region decided.
    decision_note: String,
    approvals: usize,
    rejections: usize,
    quorum: u32,
    can_vote: bool,
    my_vote: &'static str,
    recused: bool,
}

#[derive(Template)]
#[template(path = "integrity.html")]
struct IntegrityPage {
    page: Page,
    can_file: bool,
    is_committee: bool,
    today: String,
    members: Vec<(MemberId, String)>,
    rules: Vec<(String, String)>,
    records: Vec<RecordRow>,
    relatives: Vec<(String, String, String)>,
    page_number: usize,
    pages: usize,
    page_link: &'static str,
    kept: Kept,
}

/// A record's form as it was typed, brought back when its photo was too
/// large (nothing is written; the secretary picks a smaller photo and sends
/// the rest again instead of typing it twice). Empty on a plain visit.
#[derive(Default)]
struct Kept {
    member: Option<MemberId>,
    rule: String,
    date: String,
    description: String,
    why: String,
}

/// Records on one page: a year of a large community's records stays well
/// under 100 KB a page.
pub const RECORDS_PER_PAGE: usize = 40;

#[derive(serde::Deserialize)]
pub struct IntegrityQuery {
    page: Option<usize>,
}

pub async fn show(
    State(state): State<AppState>,
    viewer: SignedIn,
    axum::extract::Query(query): axum::extract::Query<IntegrityQuery>,
) -> WebResult<Response> {
    integrity_page(&state, &viewer, query.page, Kept::default()).await
}

async fn integrity_page(state: &AppState, viewer: &SignedIn, page: Option<usize>, kept: Kept) -> WebResult<Response> {
    viewer.require(&app_integrity::READERS)?;
    let community = viewer.account.community_id;
    let mut reader = state.store().read().await?;
    let members = reader.members(community).await?;
    let names: HashMap<MemberId, String> = members.iter().map(|m| (m.id, m.name.to_string())).collect();
    let this_year = Year::of(today());
    let period = reader.period(community, this_year).await?;
    let rules: Vec<(String, String)> = period
        .as_ref()
        .map(|p| {
            p.rulebook
                .rules
                .values()
                .filter(|r| r.source == RuleSource::Decision)
                .map(|r| (r.key.clone(), format!("{}（{}分）", r.name, r.points)))
                .collect()
        })
        .unwrap_or_default();
    let mut records = Vec::new();
    // Each year's rulebook is read (and parsed) once, however many records it prices.
    let mut periods: HashMap<i64, Option<Period>> = HashMap::new();
    let all = reader.integrity_records(community).await?;
    let pages = all.len().div_ceil(RECORDS_PER_PAGE).max(1);
    let page_number = page.unwrap_or(1).clamp(1, pages);
    for record in all.into_iter().skip((page_number - 1) * RECORDS_PER_PAGE).take(RECORDS_PER_PAGE) {
        let votes = reader.integrity_votes(record.id).await?;
        let member = members
            .iter()
            .find(|m| m.id == record.member_id)
            .ok_or_else(|| WebError::Internal(format!("record {} names no member", record.id)))?;
        let relatives = reader.relative_ids(member.id).await?;
        let recused = duty::may_vote_on_decision(&viewer.account, subject(member), &relatives).is_err()
            && viewer.is(Role::Committee);
        let mine = votes.iter().find(|v| v.account_id == viewer.account.id);
        let year_rules = match periods.entry(record.year) {
            std::collections::hash_map::Entry::Occupied(known) => known.into_mut(),
            std::collections::hash_map::Entry::Vacant(slot) => {
                let year = Year::new(record.year).map_err(|e| WebError::Internal(e.to_string()))?;
                slot.insert(reader.period(community, year).await?)
            }
        }
        .as_ref();
        let rule_name = year_rules
            .and_then(|p| p.rulebook.rule(&record.rule_key).map(|r| format!("{}（{}分）", r.name, r.points)))
            .unwrap_or_else(|| record.rule_key.clone());
        let deciders = match year_rules {
            Some(period) => Some(app_integrity::deciders(&mut reader, &record, period).await?),
            None => None,
        };
        let escalated = matches!(deciders, Some(Deciders::Overseer { .. }));
        let quorum = match deciders {
            Some(Deciders::Committee { quorum, .. }) => quorum,
            _ => 0,
        };
        records.push(RecordRow {
            id: record.id,
            member: names.get(&record.member_id).cloned().unwrap_or_default(),
            rule: rule_name,
            happened_on: record.happened_on.clone(),
            description: record.description.clone(),
            evidence_id: record.evidence_id,
            status: match (record.status.as_str(), record.decided_by.is_some()) {
                ("pending", _) if escalated => "回避后可表决的党委委员不足，待上级组织部决定",
                ("pending", _) => "待党委会表决",
                ("approved", true) => "上级组织部决定通过，记入积分",
                ("approved", false) => "已通过，记入积分",
                (_, true) => "上级组织部决定不通过",
                _ => "未通过",
            },
            decision_note: record.decision_note.clone().unwrap_or_default(),
            approvals: votes.iter().filter(|v| v.approve).count(),
            rejections: votes.iter().filter(|v| !v.approve).count(),
            quorum,
            can_vote: record.status == "pending"
                && !escalated
                && viewer.is(Role::Committee)
                && !recused
                && mine.is_none(),
            my_vote: match mine {
                Some(v) if v.approve => "同意",
                Some(_) => "不同意",
                None => "",
            },
            recused,
        });
    }
    let mut relatives = Vec::new();
    for member in &members {
        for (relative, relation) in reader.relatives_of(member.id).await? {
            if member.id < relative {
                relatives.push((member.name.to_string(), names.get(&relative).cloned().unwrap_or_default(), relation));
            }
        }
    }
    let can_file = matches!(viewer.account.role, Role::Committee | Role::BranchSecretary)
        && period.as_ref().is_some_and(|p| p.status == PeriodStatus::Open);
    let page = IntegrityPage {
        page: Page::signed_in(viewer, "integrity"),
        can_file,
        is_committee: viewer.is(Role::Committee),
        today: if kept.date.is_empty() { today().to_string() } else { kept.date.clone() },
        members: members
            .iter()
            .filter(|m| m.left_on.is_none() && app_integrity::may_file(&viewer.account, m).is_ok())
            .map(|m| (m.id, m.name.to_string()))
            .collect(),
        rules,
        records,
        relatives,
        page_number,
        pages,
        page_link: "/integrity?page=",
        kept,
    };
    Ok(render(page)?.into_response())
}

#[derive(Default)]
struct FileForm {
    member: Option<MemberId>,
    rule: String,
    date: Option<Date>,
    description: String,
    evidence: Option<(String, Vec<u8>)>,
    evidence_too_large: bool,
}

async fn read_file_form(CheckedMultipart(mut multipart): CheckedMultipart, max_bytes: usize) -> WebResult<FileForm> {
    let bad = |zh: &str, en: String| WebError::BadRequest(Why::new(zh, en));
    let mut form = FileForm::default();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            // The body was cut off past its limit while the photo was read.
            Err(_) if form.evidence_too_large => break,
            Err(e) => return Err(bad("表单无法读取，请重新提交。", format!("form: {e}"))),
        };
        let name = field.name().unwrap_or_default().to_string();
        if name == "evidence" {
            match read_file(field, "evidence", max_bytes).await? {
                FileField::Empty => {}
                // Read to its end, so the answer reaches the browser.
                FileField::TooLarge => form.evidence_too_large = true,
                FileField::Image(kind, bytes) => form.evidence = Some((kind.to_string(), bytes)),
            }
            continue;
        }
        let text = field.text().await.map_err(|e| bad("表单无法读取，请重新提交。", format!("{name}: {e}")))?;
        match name.as_str() {
            "member" => {
                form.member = Some(text.parse().map_err(|_| bad("党员：编号无效。", "member: not a number".into()))?)
            }
            "rule" => form.rule = text,
            "date" => {
                form.date = Some(
                    text.parse()
                        .map_err(|_| bad("日期：不是日期（年-月-日）。", "date: not a date (YYYY-MM-DD)".into()))?,
                )
            }
            "description" => form.description = text.trim().chars().take(500).collect(),
            _ => {}
        }
    }
    Ok(form)
}

pub async fn file(State(state): State<AppState>, viewer: SignedIn, multipart: CheckedMultipart) -> WebResult<Response> {
    let mut form = read_file_form(multipart, state.settings().photo_max_bytes).await?;
    if form.evidence_too_large {
        let kept = Kept {
            member: form.member,
            rule: form.rule,
            date: form.date.map(|d| d.to_string()).unwrap_or_default(),
            description: form.description,
            why: too_large_why(state.settings().photo_max_bytes).in_lang(viewer.t.0).to_string(),
        };
        let mut answer = integrity_page(&state, &viewer, None, kept).await?;
        *answer.status_mut() = axum::http::StatusCode::PAYLOAD_TOO_LARGE;
        return Ok(answer);
    }
    let member_id = form.member.ok_or_else(|| WebError::BadRequest(Why::new("党员：未选择。", "member: missing")))?;
    let date = form.date.ok_or_else(|| WebError::BadRequest(Why::new("日期：未填写。", "date: missing")))?;
    let filing = app_integrity::Filing {
        member_id,
        rule: form.rule.clone(),
        on: date,
        description: form.description.clone(),
        evidence: form
            .evidence
            .take()
            .map(|(content_type, bytes)| starledger_app::claims::Photo { content_type, bytes }),
    };
    let mut tx = viewer.write(&state).await?;
    app_integrity::file(&mut tx, &viewer.account, filing, crate::html::claims::quota(&state), now()).await?;
    tx.commit().await?;
    Ok(Redirect::to("/integrity").into_response())
}

#[derive(Deserialize)]
pub struct VoteForm {
    vote: String,
}

/// A committee member's vote. When the votes reach the quorum of those who
/// may vote, a majority of them decides, in the same transaction as the last vote.
pub async fn vote(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<i64>,
    CheckedForm(form): CheckedForm<VoteForm>,
) -> WebResult<Response> {
    let approve = match form.vote.as_str() {
        "approve" => true,
        "reject" => false,
        other => {
            return Err(WebError::BadRequest(Why::new(
                format!("表决“{other}”无效：应为同意或不同意。"),
                format!("vote: \"{other}\" is neither approve nor reject"),
            )));
        }
    };
    let mut tx = viewer.write(&state).await?;
    app_integrity::vote(&mut tx, &viewer.account, id, approve, now()).await?;
    tx.commit().await?;
    Ok(Redirect::to("/integrity").into_response())
}

#[derive(Deserialize)]
pub struct RelativesForm {
    member: MemberId,
    relative: MemberId,
    relation: String,
}

/// The committee marks who is whose relative, for recusal.
pub async fn mark_relatives(
    State(state): State<AppState>,
    viewer: SignedIn,
    CheckedForm(form): CheckedForm<RelativesForm>,
) -> WebResult<Response> {
    crate::fields::at_most("relation", &form.relation, crate::fields::NAME)?;
    let mut tx = viewer.write(&state).await?;
    app_integrity::mark_relatives(&mut tx, &viewer.account, form.member, form.relative, &form.relation, now()).await?;
    tx.commit().await?;
    Ok(Redirect::to("/integrity").into_response())
}
