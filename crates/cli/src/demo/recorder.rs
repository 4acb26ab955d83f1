//! Writes the demo's events into the ledger through the same rules as every
//! other write: the domain's duty checks decide who may record, the
//! rulebook's caps are applied in the order events happened, and households
//! and ballots enter only their own kinds of input.

use crate::failure::Failure;
use jiff::civil::Date;
use starledger_app::recording::{Book, Event, draft};
use starledger_domain::duty::{self, Subject};
use starledger_domain::integrity::ReviewGrade;
use starledger_domain::ledger::Actor;
use starledger_domain::linking::{RatingWindow, Satisfaction};
use starledger_domain::org::{Account, CommunityId, HouseholdId, Member, MemberId, Year};
use starledger_domain::points::Points;
use starledger_domain::rulebook::{GainedSoFar, Rule, Rulebook};
use starledger_store::{Appended, NewIntegrityRecord, WriteTx};
use std::collections::HashMap;

pub struct Recorder<'a> {
    tx: &'a mut WriteTx,
    rulebook: &'a Rulebook,
    community: CommunityId,
    year: Year,
    rule_in_month: HashMap<(MemberId, String, i8), Points>,
    rule_in_year: HashMap<(MemberId, String), Points>,
    category_in_year: HashMap<(MemberId, String), Points>,
    sequence: i64,
    pub written: usize,
    pub capped: usize,
    /// Decisions the committee could not take: too few members not recused.
    pub undecided: usize,
}

fn subject(member: &Member) -> Subject {
    Subject { member_id: member.id, branch_id: member.branch_id }
}

impl<'a> Recorder<'a> {
    pub fn new(tx: &'a mut WriteTx, rulebook: &'a Rulebook, community: CommunityId, year: Year) -> Self {
        Recorder {
            tx,
            rulebook,
            community,
            year,
            rule_in_month: HashMap::new(),
            rule_in_year: HashMap::new(),
            category_in_year: HashMap::new(),
            sequence: 0,
            written: 0,
            capped: 0,
            undecided: 0,
        }
    }

    pub fn rule(&self, key: &str) -> &'a Rule {
        self.rulebook.rule(key).unwrap_or_else(|| panic!("the demo rulebook has rule {key}"))
    }

    /// The first of `candidates` the rules allow to record `rule` about `member`.
    pub fn pick<'c>(&self, candidates: &[&'c Account], rule_key: &str, member: &Member) -> Option<&'c Account> {
        let rule = self.rule(rule_key);
        candidates.iter().copied().find(|account| duty::may_record(account, rule, subject(member), &[]).is_ok())
    }

    pub async fn by_account(
        &mut self,
        by: &Account,
        member: &Member,
        rule_key: &str,
        on: Date,
        source_ref: String,
        reason: Option<String>,
    ) -> Result<(), Failure> {
        let rule = self.rule(rule_key);
        duty::may_record(by, rule, subject(member), &[])
            .map_err(|e| Failure::failed(format!("demo generator broke a rule: {e}")))?;
        self.append(Actor::Account(by.id), member, rule, on, source_ref, reason, None).await.map(drop)
    }

    /// A committee decision (integrity record, moral review): the record is
    /// filed, the committee members who are not recused vote for it, and at
    /// the rulebook's quorum the entry names the decision. Below the quorum
    /// (the subject sits on a small committee) nothing is written.
    pub async fn decision(
        &mut self,
        committee: &[&Account],
        member: &Member,
        rule_key: &str,
        on: Date,
        reason: Option<String>,
    ) -> Result<(), Failure> {
        let rule = self.rule(rule_key);
        let voters: Vec<&Account> =
            committee.iter().copied().filter(|a| duty::may_vote_on_decision(a, subject(member), &[]).is_ok()).collect();
        if (voters.len() as u32) < self.rulebook.integrity.decision_quorum {
            self.undecided += 1;
            return Ok(());
        }
        let at = evening(on)?;
        let description = reason.unwrap_or_else(|| rule.name.clone());
        let record = self
            .tx
            .file_integrity_record(&NewIntegrityRecord {
                community_id: self.community,
                year: i64::from(self.year.get()),
                member_id: member.id,
                rule_key: rule.key.clone(),
                happened_on: on.to_string(),
                description: description.clone(),
                evidence_id: None,
                filed_by: voters[0].id,
                filed_at: at,
            })
            .await?;
        for voter in &voters {
            self.tx.vote_on_integrity(record, voter.id, true, at).await?;
        }
        let reason = format!("{description}（党委会表决 {0}/{0} 同意）", voters.len());
        let key = format!("integrity:{record}");
        let entry =
            self.append(Actor::Decision(record), member, rule, on, key.clone(), Some(reason), Some(key)).await?;
        self.tx.decide_integrity_record(record, entry.is_some(), entry, at).await?;
        Ok(())
    }

    /// A household rates its member through its link, once per window.
    pub async fn household_rating(
        &mut self,
        household: HouseholdId,
        member: &Member,
        level: Satisfaction,
        on: Date,
    ) -> Result<(), Failure> {
        let rule = self.rule(level.rule_key(&self.rulebook.linking));
        let actor = Actor::Household(household);
        if !duty::may_input_directly(actor, rule, subject(member), Some(member.id)) {
            return Err(Failure::failed("demo generator: a household rated someone it is not linked to"));
        }
        let window = RatingWindow::containing(on, &self.rulebook.linking);
        let key = format!("rating:{household}:{}", window.key());
        let reason = format!("联系户评议：{}", level.label_zh());
        self.append(actor, member, rule, on, format!("household:{household}"), Some(reason), Some(key)).await.map(drop)
    }

    /// The tally of the branch's secret ballot lands one grade per member.
    pub async fn ballot(&mut self, member: &Member, grade: ReviewGrade, on: Date) -> Result<(), Failure> {
        let rule = self.rule(grade.rule_key(&self.rulebook.review));
        let actor = Actor::BranchBallot(member.branch_id);
        if !duty::may_input_directly(actor, rule, subject(member), None) {
            return Err(Failure::failed("demo generator: a ballot graded a member of another branch"));
        }
        let key = format!("review:{}:{}", self.year, member.id);
        let reason = format!("{}年度民主评议党员：{}", self.year, grade.label_zh());
        self.append(actor, member, rule, on, format!("review:{}", self.year), Some(reason), Some(key)).await.map(drop)
    }

    #[allow(clippy::too_many_arguments)]
    async fn append(
        &mut self,
        actor: Actor,
        member: &Member,
        rule: &Rule,
        on: Date,
        source_ref: String,
        reason: Option<String>,
        key: Option<String>,
    ) -> Result<Option<i64>, Failure> {
        let month = (member.id, rule.key.clone(), on.month());
        let year_key = (member.id, rule.key.clone());
        let category = (member.id, rule.category.clone());
        let gained = GainedSoFar {
            rule_in_month: self.rule_in_month.get(&month).copied().unwrap_or_default(),
            rule_in_year: self.rule_in_year.get(&year_key).copied().unwrap_or_default(),
            category_in_year: self.category_in_year.get(&category).copied().unwrap_or_default(),
        };
        // A secretary does not record past a cap; the demo skips it too.
        if self.rulebook.check_caps(rule, gained, rule.points).is_err() {
            self.capped += 1;
            return Ok(None);
        }
        *self.rule_in_month.entry(month).or_default() += rule.points;
        *self.rule_in_year.entry(year_key).or_default() += rule.points;
        *self.category_in_year.entry(category).or_default() += rule.points;
        self.sequence += 1;
        let evening = evening(on)?;
        let book = Book { community: self.community, year: self.year, rulebook_version: &self.rulebook.version };
        let event = Event {
            rule_key: &rule.key,
            on,
            source_ref,
            reason,
            idempotency_key: key.unwrap_or_else(|| format!("demo:{}:{}", self.year, self.sequence)),
        };
        let draft = draft(book, rule, member.id, actor, event, rule.points, evening + self.sequence % 3600);
        let id = match self.tx.append_entry(draft).await? {
            Appended::New(entry) => entry.id,
            Appended::Duplicate(id) => id,
        };
        self.written += 1;
        Ok(Some(id))
    }
}

/// Recorded the evening of the day it happened, China time; fixed so that
/// the same seed builds the same chain.
fn evening(on: Date) -> Result<i64, Failure> {
    Ok(on.at(20, 0, 0, 0).to_zoned(crate::output::china()).map_err(Failure::failed)?.timestamp().as_second())
}
