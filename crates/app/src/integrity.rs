//! Step 3: deciding an integrity record. The committee decides it, the
//! member concerned and their relatives recused (回避); the quorum counts
//! only those who may vote, and when fewer than the rulebook's floor remain
//! the record goes up to the overseer of the region above the community,
//! who decides it, recorded as such — a record never stalls.

use crate::claims::{Photo, Quota};
use crate::error::{AppError, AppResult, Reason, bad_year, invalid, refused};
use crate::recording::{self, Event, subject};
use jiff::civil::Date;
use starledger_domain::duty;
use starledger_domain::integrity::{self, Deciders};
use starledger_domain::ledger::Actor;
use starledger_domain::org::{Account, CommunityId, Member, MemberId, Role, Year};
use starledger_domain::regions::Overseer;
use starledger_domain::rulebook::RuleSource;
use starledger_store::{
    IntegrityQueries, IntegrityRecord, NewIntegrityRecord, OrgQueries, Period, PeriodStatus, RegionQueries, WriteTx,
};

/// Who reads the integrity records: the /integrity page's and the API's
/// audience. A record is about a person's conduct; members do not read
/// each other's.
pub const READERS: [Role; 3] = [Role::Committee, Role::BranchSecretary, Role::Auditor];

/// Refuses an account that may not read the integrity records.
pub fn may_read(actor: &Account) -> AppResult<()> {
    if READERS.contains(&actor.role) {
        return Ok(());
    }
    Err(AppError::Forbidden(crate::Reason::new(
        format!("{}账号不能查看诚信档案。", actor.role.label_zh()),
        format!("a {} account may not read the integrity records", actor.role.as_str().replace('_', " ")),
    )))
}

/// The records an account may read, in the order they were filed.
pub async fn visible<Q: IntegrityQueries>(q: &mut Q, actor: &Account) -> AppResult<Vec<IntegrityRecord>> {
    may_read(actor)?;
    Ok(q.integrity_records_by_id(actor.community_id).await?)
}

/// Whether `actor`, a committee member, is recused from `record` (the
/// member concerned or a relative), as their vote would find. Who does not
/// vote is not recused.
pub async fn recused<Q: IntegrityQueries + OrgQueries>(
    q: &mut Q,
    actor: &Account,
    record: &IntegrityRecord,
) -> AppResult<bool> {
    if actor.role != Role::Committee {
        return Ok(false);
    }
    let member = q.member(record.community_id, record.member_id).await?;
    let relatives = q.relative_ids(member.id).await?;
    Ok(duty::may_vote_on_decision(actor, subject(&member), &relatives).is_err())
}

/// Who decides `record` now, by the rulebook of its year.
pub async fn deciders<Q: IntegrityQueries>(
    q: &mut Q,
    record: &IntegrityRecord,
    period: &Period,
) -> AppResult<Deciders> {
    let committee = q.committee_persons(record.community_id).await?;
    let relatives = q.relative_ids(record.member_id).await?;
    let eligible = integrity::eligible_voters(&committee, record.member_id, &relatives);
    Ok(integrity::deciders(eligible, &period.rulebook.integrity))
}

async fn period_of(tx: &mut WriteTx, record: &IntegrityRecord) -> AppResult<Period> {
    let year = Year::new(record.year).map_err(bad_year)?;
    tx.period(record.community_id, year)
        .await?
        .ok_or_else(|| refused(format!("{year} 年度未开放。"), format!("{year} has no open year")))
}

/// The committee marks two members as relatives (亲属), for recusal: from
/// then on neither records, checks, votes or answers about the other. A
/// mark is kept both ways; marking a pair again changes its relation.
pub async fn mark_relatives(
    tx: &mut WriteTx,
    actor: &Account,
    member: MemberId,
    relative: MemberId,
    relation: &str,
    now: i64,
) -> AppResult<()> {
    duty::may_administer(actor, "mark relatives")?;
    let relation = relation.trim();
    if relation.is_empty() || member == relative {
        return Err(invalid(
            "请选择两名不同的党员，并写明亲属关系。",
            "choose two different members and say how they are related",
        ));
    }
    let community = actor.community_id;
    tx.member(community, member).await?;
    tx.member(community, relative).await?;
    tx.mark_relatives(community, member, relative, relation, actor.id, now).await?;
    let detail = format!("members {member} and {relative}: {relation}");
    tx.audit(Some(community), &crate::ledger::actor_label(actor), "relatives.mark", &detail).await?;
    Ok(())
}

/// A committee member's vote. When the votes reach the quorum of those who
/// may vote, a majority decides, in the same transaction as the last vote.
pub async fn vote(tx: &mut WriteTx, actor: &Account, id: i64, approve: bool, now: i64) -> AppResult<()> {
    let community = actor.community_id;
    let record = tx.integrity_record(community, id).await?;
    let member = tx.member(community, record.member_id).await?;
    let relatives = tx.relative_ids(member.id).await?;
    duty::may_vote_on_decision(actor, subject(&member), &relatives)?;
    if record.status != "pending" {
        return Err(refused(format!("第 {id} 号记录已有决定。"), format!("record {id} has been decided")));
    }
    let period = period_of(tx, &record).await?;
    let quorum = match deciders(tx, &record, &period).await? {
        Deciders::Committee { quorum, .. } => quorum,
        Deciders::Overseer { eligible } => {
            return Err(refused(
                format!(
                    "除回避者外只有 {eligible} 名委员可对第 {id} 号记录表决，低于规则规定的最低人数 {}：由上级区域的监督人决定。",
                    period.rulebook.integrity.decision_floor
                ),
                format!(
                    "only {eligible} committee member(s) may vote on record {id} once the recused are left out, below \
                 the rulebook's floor of {}: the overseer of the region above decides it",
                    period.rulebook.integrity.decision_floor
                ),
            ));
        }
    };
    if !tx.vote_on_integrity(id, actor.id, approve, now).await? {
        return Err(refused("每名委员只投一票。", "each committee member votes once"));
    }
    let choice = if approve { "approve" } else { "reject" };
    let actor_label = crate::ledger::actor_label(actor);
    tx.audit(Some(community), &actor_label, "integrity.vote", &format!("record {id}: {choice}")).await?;
    let votes = tx.integrity_votes(id).await?;
    let approvals = votes.iter().filter(|v| v.approve).count() as u32;
    let Some(approved) = integrity::committee_outcome(votes.len() as u32, approvals, quorum) else {
        return Ok(());
    };
    let how = format!("党委会表决 {approvals}/{} 同意", votes.len());
    decide(tx, &record, &member, &period, approved, &how, now).await
}

/// The overseer above the community decides a record its committee cannot
/// (fewer than the floor may vote), with their reasons on the record.
pub async fn overseer_decide(
    tx: &mut WriteTx,
    overseer: &Overseer,
    community: CommunityId,
    id: i64,
    approve: bool,
    note: &str,
    now: i64,
) -> AppResult<()> {
    let note = note.trim();
    if note.chars().count() < 4 {
        return Err(invalid(
            "说明：监督人的决定须留有记录，请写明理由。",
            "note: the overseer's decision is documented; say why",
        ));
    }
    let placed = tx.placed_communities().await?.into_iter().find(|c| c.id == community);
    let region = placed.and_then(|c| c.region_id);
    let overseers = tx.overseers().await?;
    let tree = tx.regions().await?;
    let decider = region.and_then(|r| tree.deciding_overseer(r, &overseers));
    if decider.map(|o| o.id) != Some(overseer.id) {
        return Err(AppError::Duty(duty::Refusal::NotDecidingOverseer { login: overseer.login.clone() }));
    }
    let record = tx.integrity_record(community, id).await?;
    if record.status != "pending" {
        return Err(refused(format!("第 {id} 号记录已有决定。"), format!("record {id} has been decided")));
    }
    let period = period_of(tx, &record).await?;
    if let Deciders::Committee { eligible, .. } = deciders(tx, &record, &period).await? {
        return Err(refused(
            format!("{eligible} 名委员可对第 {id} 号记录表决：由社区党委决定，而非上级区域。"),
            format!("{eligible} committee members may vote on record {id}: the committee decides it, not the region"),
        ));
    }
    let member = tx.member(community, record.member_id).await?;
    let how = format!("回避后党委可表决人数不足，由上级组织部{}决定：{note}", overseer.name);
    decide(tx, &record, &member, &period, approve, &how, now).await?;
    tx.note_integrity_decider(id, overseer.id, note).await?;
    let choice = if approve { "approve" } else { "reject" };
    let detail = format!("record {id}: {choice} by the overseer {} above the community: {note}", overseer.name);
    tx.audit(
        Some(community),
        &crate::ledger::account_label(overseer.id, &overseer.login),
        "integrity.overseer_decide",
        &detail,
    )
    .await?;
    Ok(())
}

/// Writes the decision: the entry, named after the decision, if approved.
async fn decide(
    tx: &mut WriteTx,
    record: &IntegrityRecord,
    member: &Member,
    period: &Period,
    approved: bool,
    how: &str,
    now: i64,
) -> AppResult<()> {
    if !approved {
        tx.decide_integrity_record(record.id, false, None, now).await?;
        return Ok(());
    }
    let on: Date = record.happened_on.parse().map_err(|_| invalid("记录的日期无效。", "record date"))?;
    let rule =
        period.rulebook.rule(&record.rule_key).ok_or_else(|| invalid("记录的规则不在本年度规则中。", "record rule"))?;
    if !duty::may_input_directly(Actor::Decision(record.id), rule, subject(member), None) {
        return Err(refused(
            format!("规则 {} 不由党委表决决定。", rule.key),
            format!("rule {} is not decided by the committee", rule.key),
        ));
    }
    let points = rule.points;
    let event = Event {
        rule_key: &record.rule_key,
        on,
        source_ref: format!("integrity:{}", record.id),
        reason: Some(format!("{}（{how}）", record.description)),
        idempotency_key: format!("integrity:{}", record.id),
    };
    let appended = recording::append(tx, Actor::Decision(record.id), member, period, event, points, now).await?;
    tx.decide_integrity_record(record.id, true, Some(recording::entry_id(&appended)), now).await?;
    Ok(())
}

/// Filing is not deciding: the committee files about anyone, a branch
/// secretary about their own branch; nobody about themselves.
pub fn may_file(actor: &Account, member: &Member) -> AppResult<()> {
    let forbidden = |zh: &str, en: &str| Err(AppError::Forbidden(Reason::new(zh, en)));
    if !matches!(actor.role, Role::Committee | Role::BranchSecretary) {
        return forbidden(
            "诚信记录由社区党委或支部书记提交。",
            "the committee or a branch secretary files integrity records",
        );
    }
    if actor.member_id == Some(member.id) {
        return forbidden("任何人不能提交关于自己的记录。", "no one files a record about themselves");
    }
    if actor.role == Role::BranchSecretary && actor.branch_id != Some(member.branch_id) {
        return forbidden(
            "支部书记只能提交本支部党员的记录。",
            "a branch secretary files records about their own branch",
        );
    }
    Ok(())
}

/// An integrity record as it is filed.
pub struct Filing {
    pub member_id: MemberId,
    pub rule: String,
    pub on: Date,
    pub description: String,
    pub evidence: Option<Photo>,
}

/// Files an integrity record for the committee to decide: about a member
/// the actor may file about, on a day of an open year that is not final and
/// not in the future, under a rule the committee decides; its evidence
/// counts against the actor's upload quota. The record's id.
pub async fn file(tx: &mut WriteTx, actor: &Account, filing: Filing, quota: Quota, now: i64) -> AppResult<i64> {
    let community = actor.community_id;
    if filing.description.trim().is_empty() {
        return Err(invalid("情况说明：请写明发生了什么。", "description: say what happened"));
    }
    let date = filing.on;
    if date > crate::clock::today() {
        return Err(refused(format!("{date} 是将来的日期。"), format!("{date} is in the future")));
    }
    let member = tx.member(community, filing.member_id).await?;
    may_file(actor, &member)?;
    let period = match tx.period(community, Year::of(date)).await? {
        Some(period) if period.status == PeriodStatus::Open => period,
        _ => {
            return Err(refused(
                format!("{} 年度未开放。", date.year()),
                format!("{} is not an open year", date.year()),
            ));
        }
    };
    recording::refuse_if_final(tx, community, period.year).await?;
    match period.rulebook.rule(&filing.rule) {
        Some(rule) if rule.source == RuleSource::Decision => {}
        _ => {
            return Err(invalid(
                format!("规则“{}”不由党委表决决定。", filing.rule),
                format!("rule: \"{}\" is not decided by the committee", filing.rule),
            ));
        }
    }
    let evidence_id = match &filing.evidence {
        Some(photo) => Some(crate::claims::add_photo(tx, actor, photo, quota, now).await?),
        None => None,
    };
    let id = tx
        .file_integrity_record(&NewIntegrityRecord {
            community_id: community,
            year: i64::from(period.year.get()),
            member_id: member.id,
            rule_key: filing.rule.clone(),
            happened_on: date.to_string(),
            description: filing.description.clone(),
            evidence_id,
            filed_by: actor.id,
            filed_at: now,
        })
        .await?;
    let detail = format!("record {id} member {} {}", member.id, filing.rule);
    tx.audit(Some(community), &crate::ledger::actor_label(actor), "integrity.file", &detail).await?;
    Ok(id)
}
