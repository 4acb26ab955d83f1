//! One synthetic year of one community: planned compactly for every member
//! (meetings and attendance, 学习强国 weeks, visits, household ratings,
//! volunteer service, integrity records and the moral review, the branch
//! review), then written in date order through the bulk path, within the
//! rulebook's caps, each entry recorded by someone the duty rules allow,
//! with a few reversals by the committee.
//!
//! The shares follow the demo's (about 95 entries per member-year); the
//! plan is 16 bytes an event, so a 20,000-member community's year fits in
//! memory, and entries are written in batches of [`BATCH`].

use super::city::{Person, Roll};
use crate::failure::Failure;
use jiff::civil::{Date, date};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use starledger_app::recording::{Book, Event, draft};
use starledger_domain::duty::{self, Subject};
use starledger_domain::integrity::{ReviewGrade, excellent_places};
use starledger_domain::ledger::{Actor, Entry, EntryDraft};
use starledger_domain::linking::{RatingWindow, Satisfaction};
use starledger_domain::org::{Account, HouseholdId, Year};
use starledger_domain::points::Points;
use starledger_domain::rulebook::{GainedSoFar, Rule, RuleSource, Rulebook};
use starledger_store::{BulkReversal, NewIntegrityRecord, Store, WriteTx};
use std::collections::HashMap;

/// Entries sealed and written per bulk call.
const BATCH: usize = 20_000;
/// Entries per transaction: big enough to amortize the commit, small
/// enough that SQLite's WAL stays a few hundred megabytes at most.
const PER_TRANSACTION: usize = 200_000;
/// The share of entries typed by one account that a secretary later finds
/// wrong and the committee reverses.
const REVERSED_SHARE: f64 = 0.002;

/// Who types an entry: the member's branch secretary, or the committee.
#[derive(Clone, Copy)]
enum Who {
    Branch,
    Committee,
}

#[derive(Clone, Copy)]
enum What {
    Account(Who, &'static str),
    /// A committee decision on an integrity record.
    Decision(&'static str),
    Household(HouseholdId, Satisfaction),
    Ballot(ReviewGrade),
}

struct Planned {
    on: Date,
    person: u32,
    what: What,
}

pub struct YearPlan {
    events: Vec<Planned>,
}

pub struct Written {
    pub entries: usize,
    pub capped: usize,
}

fn on_roll(person: &Person, on: Date) -> bool {
    person.joined_on <= on
}

impl YearPlan {
    pub fn new(roll: &Roll, rulebook: &Rulebook, year: Year, index: usize, rng: &mut ChaCha8Rng) -> YearPlan {
        let mut planner = Planner { roll, year: year.get(), rng, events: Vec::new() };
        planner.meetings();
        planner.study_app();
        planner.visits();
        planner.household_ratings(rulebook);
        planner.volunteering(index);
        planner.integrity();
        planner.reviews(rulebook);
        let mut events = planner.events;
        // Stable: events of one day keep the order they were planned in.
        events.sort_by_key(|e| e.on);
        YearPlan { events }
    }
}

struct Planner<'a> {
    roll: &'a Roll,
    year: i16,
    rng: &'a mut ChaCha8Rng,
    events: Vec<Planned>,
}

impl Planner<'_> {
    fn day(&self, month: i8, day: i8) -> Date {
        date(self.year, month, day)
    }

    fn day_in(&mut self, month: i8) -> Date {
        let day = self.rng.random_range(1..=28);
        self.day(month, day)
    }

    fn push(&mut self, on: Date, person: usize, what: What) {
        if on_roll(&self.roll.people[person], on) {
            self.events.push(Planned { on, person: person as u32, what });
        }
    }

    /// One meeting: who came (some late), who stayed away without leave.
    fn meeting(&mut self, on: Date, invited: &[usize], rule: &'static str, optional: bool) {
        for &person in invited {
            let diligence = self.roll.people[person].diligence;
            if self.rng.random_bool((0.55 + 0.45 * diligence).min(1.0)) {
                self.push(on, person, What::Account(Who::Branch, rule));
                if !optional && self.rng.random_bool(0.08 * (1.0 - diligence)) {
                    self.push(on, person, What::Account(Who::Branch, "meeting.late"));
                }
            } else if !optional && self.rng.random_bool(0.35) {
                self.push(on, person, What::Account(Who::Branch, "meeting.absent"));
            }
        }
    }

    fn meetings(&mut self) {
        let roll = self.roll;
        for (b, branch) in roll.branches.iter().enumerate() {
            let all: Vec<usize> = (0..roll.people.len()).filter(|&p| roll.people[p].branch == b).collect();
            let committee: Vec<usize> = all.iter().copied().filter(|&p| roll.people[p].branch_committee).collect();
            for month in 1..=12 {
                self.meeting(self.day(month, 8), &all, "meeting.theme_day", false);
                self.meeting(self.day(month, 5), &committee, "meeting.branch_committee", false);
                for &group in &branch.groups {
                    let members: Vec<usize> =
                        all.iter().copied().filter(|&p| roll.people[p].group == Some(group)).collect();
                    self.meeting(self.day(month, 15), &members, "meeting.group", false);
                }
            }
            for month in [3, 6, 9, 12] {
                self.meeting(self.day(month, 10), &all, "meeting.branch_general", false);
            }
            for month in [4, 7, 10, 12] {
                self.meeting(self.day(month, 20), &all, "meeting.lecture", false);
            }
        }
        let everyone: Vec<usize> = (0..roll.people.len()).collect();
        for month in [2, 4, 5, 8, 10, 11] {
            self.meeting(self.day(month, 18), &everyone, "study.theory", true);
        }
    }

    fn study_app(&mut self) {
        let jan1 = self.day(1, 1);
        let first_sunday = jan1 + jiff::Span::new().days(i64::from((7 - jan1.weekday().to_sunday_zero_offset()) % 7));
        for person in 0..self.roll.people.len() {
            let p = &self.roll.people[person];
            let chance = p.diligence.powf(1.3) * if p.linked { 1.0 } else { 0.8 };
            for week in 0..52 {
                let sunday = first_sunday + jiff::Span::new().days(7 * week);
                if sunday.year() == self.year && self.rng.random_bool(chance) {
                    self.push(sunday, person, What::Account(Who::Branch, "study.app_week"));
                }
            }
        }
    }

    fn visits(&mut self) {
        for person in 0..self.roll.people.len() {
            let p = &self.roll.people[person];
            if p.households.is_empty() {
                continue;
            }
            let diligence = p.diligence;
            for month in 1..=12 {
                for _ in 0..4 {
                    if self.rng.random_bool(diligence * 0.9) {
                        let on = self.day_in(month);
                        self.push(on, person, What::Account(Who::Branch, "household.visit"));
                    }
                }
            }
            let solved = if diligence > 0.85 {
                self.rng.random_range(1..=3)
            } else if diligence > 0.6 {
                self.rng.random_range(0..=1)
            } else {
                0
            };
            for _ in 0..solved {
                let month = self.rng.random_range(1..=12);
                let on = self.day_in(month);
                self.push(on, person, What::Decision("household.problem_solved"));
            }
        }
    }

    /// Each linked household rates its member about twice a year, once per window.
    fn household_ratings(&mut self, rulebook: &Rulebook) {
        let window_days = i64::from(rulebook.linking.rating_window_days);
        for person in 0..self.roll.people.len() {
            let p = &self.roll.people[person];
            let satisfied = 0.3 + 0.65 * p.diligence;
            for &household in &p.households.clone() {
                for window in 0..2 {
                    if !self.rng.random_bool(0.9) {
                        continue;
                    }
                    let offset = window * window_days + self.rng.random_range(20..window_days - 10);
                    let on = self.day(1, 1) + jiff::Span::new().days(offset);
                    let roll = self.rng.random::<f64>();
                    let level = if roll < satisfied {
                        Satisfaction::Satisfied
                    } else if roll < satisfied + (1.0 - satisfied) * 0.8 {
                        Satisfaction::BasicallySatisfied
                    } else {
                        Satisfaction::NotSatisfied
                    };
                    if on.year() == self.year {
                        self.push(on, person, What::Household(household, level));
                    }
                }
            }
        }
    }

    /// The committee's notices, with places scaled to the community's size
    /// (the demo's numbers are for 216 members).
    fn volunteering(&mut self, index: usize) {
        let scale = self.roll.people.len() as f64 / 216.0;
        let mut activities: Vec<(&'static str, Date, usize)> = Vec::new();
        for (month, day) in [(6, 2), (6, 6), (6, 10), (6, 14), (10, 3), (10, 8), (10, 12)] {
            activities.push(("volunteer.straw_patrol", self.day(month, day), 12));
        }
        for month in 1..=12 {
            activities.push(("volunteer.cleanup", self.day(month, 22), 20));
        }
        for (month, day) in [(3, 5), (5, 20), (7, 15), (9, 20), (11, 15)] {
            activities.push(("volunteer.civility", self.day(month, day), 15));
        }
        for (month, day) in [(1, 18), (9, 9)] {
            activities.push(("volunteer.donation", self.day(month, day), 80));
        }
        for (month, day) in [(1, 25), (7, 1), (10, 11)] {
            activities.push(("volunteer.visit_needy", self.day(month, day), 10));
        }
        // Eagerness drifts from year to year.
        let drift: Vec<f64> =
            (0..self.roll.people.len()).map(|_| 0.8 + 0.4 * self.rng.random::<f64>() + 0.05 * index as f64).collect();
        for (rule, on, slots) in activities {
            let slots = ((slots as f64 * scale).round() as usize).max(1);
            // A weighted draw without replacement: key u^(1/weight), the
            // highest keys take the places.
            let mut keyed: Vec<(f64, usize)> = Vec::new();
            for (person, (p, drift)) in self.roll.people.iter().zip(&drift).enumerate() {
                let weight = p.affinity * drift * if p.linked { 1.0 } else { 0.5 };
                let key = self.rng.random::<f64>().powf(1.0 / weight.max(1e-3));
                if on_roll(p, on) && self.rng.random_bool(weight.min(1.0)) {
                    keyed.push((key, person));
                }
            }
            keyed.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            for &(_, person) in keyed.iter().take(slots) {
                let no_show = self.rng.random_bool(0.09 * (1.0 - self.roll.people[person].diligence));
                let rule = if no_show { "volunteer.no_show" } else { rule };
                self.push(on, person, What::Account(Who::Committee, rule));
            }
        }
    }

    fn integrity(&mut self) {
        for person in 0..self.roll.people.len() {
            let diligence = self.roll.people[person].diligence;
            if self.rng.random_bool(0.07 * diligence * diligence) {
                let month = self.rng.random_range(1..=11);
                let on = self.day_in(month);
                self.push(on, person, What::Decision("integrity.commendation"));
            }
            if diligence < 0.45 && self.rng.random_bool(0.1) {
                let month = self.rng.random_range(1..=11);
                let on = self.day_in(month);
                self.push(on, person, What::Decision("integrity.fault"));
            }
            // The moral review (道德评议), in December: praise for some, and
            // now and then a deduction, as for the article's quarrelling brother.
            let review = self.day(12, 20);
            if self.rng.random_bool(0.005) {
                self.push(review, person, What::Decision("moral.deduction"));
            } else if self.rng.random_bool(0.1 * diligence) {
                self.push(review, person, What::Decision("moral.praise"));
            }
        }
    }

    /// Each branch's democratic review: probationary members are not
    /// graded; 优秀 stays within the rulebook's share.
    fn reviews(&mut self, rulebook: &Rulebook) {
        let on = self.day(12, 28);
        for b in 0..self.roll.branches.len() {
            let mut graded: Vec<(f64, usize)> = (0..self.roll.people.len())
                .filter(|&p| {
                    let person = &self.roll.people[p];
                    person.branch == b && !person.probationary && on_roll(person, on)
                })
                .map(|p| (self.roll.people[p].diligence + 0.15 * self.rng.random::<f64>(), p))
                .collect();
            graded.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            let excellent = excellent_places(graded.len(), &rulebook.review);
            let lowest = graded.len().saturating_sub(1);
            for (place, &(score, person)) in graded.iter().enumerate() {
                let grade = if place < excellent {
                    ReviewGrade::Excellent
                } else if place == lowest && score < 0.35 {
                    ReviewGrade::Unqualified
                } else if score < 0.45 {
                    ReviewGrade::BasicallyQualified
                } else {
                    ReviewGrade::Qualified
                };
                self.push(on, person, What::Ballot(grade));
            }
        }
    }
}

/// The rule's points so far per member, for the caps, as a secretary
/// keeps count: nothing is recorded past a cap.
#[derive(Default)]
struct Caps<'r> {
    rule_in_month: HashMap<(u32, &'r str, i8), Points>,
    rule_in_year: HashMap<(u32, &'r str), Points>,
    category_in_year: HashMap<(u32, &'r str), Points>,
}

impl<'r> Caps<'r> {
    fn admit(&mut self, rulebook: &Rulebook, rule: &'r Rule, person: u32, on: Date) -> bool {
        let key = rule.key.as_str();
        let category = rule.category.as_str();
        let gained = GainedSoFar {
            rule_in_month: self.rule_in_month.get(&(person, key, on.month())).copied().unwrap_or_default(),
            rule_in_year: self.rule_in_year.get(&(person, key)).copied().unwrap_or_default(),
            category_in_year: self.category_in_year.get(&(person, category)).copied().unwrap_or_default(),
        };
        if rulebook.check_caps(rule, gained, rule.points).is_err() {
            return false;
        }
        *self.rule_in_month.entry((person, key, on.month())).or_default() += rule.points;
        *self.rule_in_year.entry((person, key)).or_default() += rule.points;
        *self.category_in_year.entry((person, category)).or_default() += rule.points;
        true
    }
}

/// Recorded the evening of the day it happened, China time; fixed so that
/// the same seed builds the same chain.
fn evening(on: Date) -> Result<i64, Failure> {
    Ok(on.at(20, 0, 0, 0).to_zoned(crate::output::china()).map_err(Failure::failed)?.timestamp().as_second())
}

fn satisfaction_rule(level: Satisfaction) -> &'static str {
    match level {
        Satisfaction::Satisfied => "household.satisfied",
        Satisfaction::BasicallySatisfied => "household.basically_satisfied",
        Satisfaction::NotSatisfied => "household.not_satisfied",
    }
}

fn grade_rule(grade: ReviewGrade) -> &'static str {
    match grade {
        ReviewGrade::Excellent => "review.excellent",
        ReviewGrade::Qualified => "review.qualified",
        ReviewGrade::BasicallyQualified => "review.basically_qualified",
        ReviewGrade::Unqualified => "review.unqualified",
    }
}

/// The writer of one year: the open transaction, the caps, and what
/// waits to be sealed.
struct Writer<'a> {
    store: &'a Store,
    roll: &'a Roll,
    rulebook: &'a Rulebook,
    year: Year,
    tx: Option<WriteTx>,
    in_transaction: usize,
    caps: Caps<'a>,
    sequence: i64,
    drafts: Vec<EntryDraft>,
    /// Integrity records filed for drafts of this batch, by draft index.
    records: Vec<(usize, i64, i64)>,
    /// Drafts of this batch to reverse once they have ids, with the reverser.
    to_reverse: Vec<(usize, Account)>,
    /// Reversals waiting for the next batch.
    reversals: Vec<BulkReversal>,
    written: Written,
}

/// Writes a planned year: returns how many entries went in and how many
/// events a cap kept out.
pub async fn write(
    store: &Store,
    roll: &Roll,
    rulebook: &Rulebook,
    year: Year,
    plan: YearPlan,
    rng: &mut ChaCha8Rng,
) -> Result<Written, Failure> {
    let mut writer = Writer {
        store,
        roll,
        rulebook,
        year,
        tx: None,
        in_transaction: 0,
        caps: Caps::default(),
        sequence: 0,
        drafts: Vec::with_capacity(BATCH),
        records: Vec::new(),
        to_reverse: Vec::new(),
        reversals: Vec::new(),
        written: Written { entries: 0, capped: 0 },
    };
    for planned in plan.events {
        writer.add(planned, rng).await?;
        if writer.drafts.len() >= BATCH {
            writer.flush().await?;
        }
    }
    writer.flush().await?;
    // The last batch's reversals, and then none are left.
    writer.flush().await?;
    if let Some(tx) = writer.tx.take() {
        tx.commit().await?;
    }
    Ok(writer.written)
}

impl<'a> Writer<'a> {
    fn rule(&self, key: &str) -> Result<&'a Rule, Failure> {
        self.rulebook.rule(key).ok_or_else(|| Failure::failed(format!("bench city: the rulebook has no rule {key}")))
    }

    async fn tx(&mut self) -> Result<&mut WriteTx, Failure> {
        if self.tx.is_none() {
            self.tx = Some(self.store.write().await?);
        }
        Ok(self.tx.as_mut().expect("just opened"))
    }

    /// The first of the branch secretary and the committee whom the duty
    /// rules allow to type `rule` about the person.
    fn recorder(&self, who: Who, rule: &Rule, person: &Person) -> Option<Account> {
        let branch = &self.roll.branches[person.branch];
        let subject = Subject { member_id: person.id, branch_id: branch.id };
        let secretary = matches!(who, Who::Branch).then_some(&branch.secretary);
        secretary
            .into_iter()
            .chain(&self.roll.committee)
            .find(|account| duty::may_record(account, rule, subject, &[]).is_ok())
            .cloned()
    }

    async fn add(&mut self, planned: Planned, rng: &mut ChaCha8Rng) -> Result<(), Failure> {
        let roll = self.roll;
        let person = &roll.people[planned.person as usize];
        let branch = &roll.branches[person.branch];
        let (key, actor, source_ref, idempotency_key, typed_by) = match planned.what {
            What::Account(who, key) => {
                let rule = self.rule(key)?;
                let by = self.recorder(who, rule, person).ok_or_else(|| {
                    Failure::failed(format!("bench city: nobody may record {key} for member {}", person.id))
                })?;
                self.sequence += 1;
                let reference = format!("{}:{}", rule.source.as_str(), planned.on);
                (key, Actor::Account(by.id), reference, format!("bench:{}:{}", self.year, self.sequence), Some(by))
            }
            What::Household(household, level) => {
                let key = satisfaction_rule(level);
                let window = RatingWindow::containing(planned.on, &self.rulebook.linking);
                let idempotency = format!("rating:{household}:{}", window.key());
                (key, Actor::Household(household), format!("household:{household}"), idempotency, None)
            }
            What::Ballot(grade) => {
                let key = grade_rule(grade);
                let idempotency = format!("review:{}:{}", self.year, person.id);
                (key, Actor::BranchBallot(branch.id), format!("review:{}", self.year), idempotency, None)
            }
            What::Decision(key) => (key, Actor::Decision(0), String::new(), String::new(), None),
        };
        let rule = self.rule(key)?;
        let subject = Subject { member_id: person.id, branch_id: branch.id };
        // A decision needs its quorum of committee members not recused;
        // below it (the subject sits on a small committee) nothing is written.
        let voters: Vec<Account> = if rule.source == RuleSource::Decision {
            self.roll
                .committee
                .iter()
                .filter(|a| duty::may_vote_on_decision(a, subject, &[]).is_ok())
                .cloned()
                .collect()
        } else {
            Vec::new()
        };
        if rule.source == RuleSource::Decision && (voters.len() as u32) < self.rulebook.integrity.decision_quorum {
            return Ok(());
        }
        if !self.caps.admit(self.rulebook, rule, planned.person, planned.on) {
            self.written.capped += 1;
            return Ok(());
        }
        let at = evening(planned.on)? + (self.drafts.len() as i64 % 3600);
        let book = Book { community: self.roll.community, year: self.year, rulebook_version: &self.rulebook.version };
        let event = Event { rule_key: &rule.key, on: planned.on, source_ref, reason: None, idempotency_key };
        let mut draft = draft(book, rule, person.id, actor, event, rule.points, at);
        if rule.source == RuleSource::Decision {
            // The committee decides: a record filed, every member not
            // recused votes for it, and the entry names the decision.
            let community = self.roll.community;
            let year = i64::from(self.year.get());
            let tx = self.tx().await?;
            let record = tx
                .file_integrity_record(&NewIntegrityRecord {
                    community_id: community,
                    year,
                    member_id: person.id,
                    rule_key: rule.key.clone(),
                    happened_on: planned.on.to_string(),
                    description: rule.name.clone(),
                    evidence_id: None,
                    filed_by: voters[0].id,
                    filed_at: at,
                })
                .await?;
            for voter in &voters {
                tx.vote_on_integrity(record, voter.id, true, at).await?;
            }
            let key = format!("integrity:{record}");
            draft.recorded_by = Actor::Decision(record);
            draft.reason = format!("{}（党委会表决 {1}/{1} 同意）", rule.name, voters.len());
            draft.source_ref = key.clone();
            draft.idempotency_key = key;
            self.records.push((self.drafts.len(), record, at));
        }
        if let Some(by) = typed_by
            && rng.random_bool(REVERSED_SHARE)
        {
            // Undoing is deciding: whoever reverses must be allowed to
            // record it, and is never the one who typed it.
            let reverser = self
                .roll
                .committee
                .iter()
                .find(|a| a.id != by.id && duty::may_record(a, rule, subject, &[]).is_ok())
                .cloned();
            if let Some(reverser) = reverser {
                self.to_reverse.push((self.drafts.len(), reverser));
            }
        }
        self.drafts.push(draft);
        Ok(())
    }

    /// Seals and writes what is waiting: the reversals of the previous
    /// batch first, then this batch; closes its integrity records and
    /// queues its reversals for the next.
    async fn flush(&mut self) -> Result<(), Failure> {
        let community = self.roll.community;
        let reversals = std::mem::take(&mut self.reversals);
        let drafts = std::mem::take(&mut self.drafts);
        let records = std::mem::take(&mut self.records);
        let to_reverse = std::mem::take(&mut self.to_reverse);
        if reversals.is_empty() && drafts.is_empty() {
            return Ok(());
        }
        let count = reversals.len() + drafts.len();
        let tx = self.tx().await?;
        let reversed = tx.bulk_reverse(community, reversals).await?;
        let entries: Vec<Entry> = tx.bulk_append(community, drafts).await?;
        for (index, record, at) in records {
            tx.decide_integrity_record(record, true, Some(entries[index].id), at).await?;
        }
        for (index, by) in to_reverse {
            let original = entries[index].clone();
            let at = original.draft.recorded_at + 3 * 86_400;
            self.reversals.push(BulkReversal {
                original,
                reason: "记录有误，予以冲销".into(),
                recorded_by: Actor::Account(by.id),
                recorded_at: at,
            });
        }
        self.written.entries += reversed.len() + entries.len();
        self.in_transaction += count;
        if self.in_transaction >= PER_TRANSACTION
            && let Some(tx) = self.tx.take()
        {
            tx.commit().await?;
            self.in_transaction = 0;
        }
        Ok(())
    }
}
