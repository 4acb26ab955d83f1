//! Writing a priced entry from the web: the year must be open and contain
//! the date, the actor must be allowed to record the rule about the member,
//! and the rulebook's caps must hold — all checked inside the transaction
//! that writes the entry.

use crate::error::{WebError, WebResult};
use jiff::civil::Date;
use starledger_domain::duty::{self, Subject};
use starledger_domain::ledger::{Actor, EntryDraft};
use starledger_domain::org::{Account, Member, Year};
use starledger_store::{Appended, Period, PeriodStatus, WriteTx};

/// What is being recorded, apart from who and about whom.
pub struct Event<'a> {
    pub rule_key: &'a str,
    pub on: Date,
    pub source_ref: String,
    pub reason: Option<String>,
    pub idempotency_key: String,
}

pub async fn record(
    tx: &mut WriteTx,
    actor: &Account,
    member: &Member,
    period: &Period,
    event: Event<'_>,
    now: i64,
) -> WebResult<Appended> {
    if period.status != PeriodStatus::Open {
        return Err(WebError::Refused(format!("{} is closed; its points can no longer change", period.year)));
    }
    if Year::of(event.on) != period.year {
        return Err(WebError::Refused(format!("{} is not in {}", event.on, period.year)));
    }
    let rulebook = &period.rulebook;
    let rule = rulebook
        .rule(event.rule_key)
        .ok_or_else(|| WebError::Refused(format!("rule {} is not in rulebook {}", event.rule_key, rulebook.version)))?;
    duty::may_record(actor, rule, Subject { member_id: member.id, branch_id: member.branch_id })?;
    let draft = EntryDraft {
        community_id: member.community_id,
        year: period.year.get(),
        member_id: member.id,
        category: rule.category.clone(),
        rule_key: rule.key.clone(),
        rulebook_version: rulebook.version.clone(),
        points: rule.points,
        reason: event.reason.unwrap_or_else(|| rule.name.clone()),
        source_kind: rule.source.as_str().to_string(),
        source_ref: event.source_ref,
        recorded_by: Actor::Account(actor.id),
        recorded_at: now,
        occurred_on: event.on,
        idempotency_key: event.idempotency_key,
        reverses: None,
    };
    tx.append_within_caps(draft, rulebook, rule).await?.map_err(|cap| WebError::Refused(cap.to_string()))
}
