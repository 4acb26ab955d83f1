//! One year of the demo community's life, planned day by day and then
//! written in date order: meetings and attendance (三会一课, 主题党日),
//! 学习强国 weeks, visits, household ratings, volunteer activities, the
//! integrity record, the moral review and the branch review.

use super::recorder::Recorder;
use super::roll::{DemoMember, Roll, Story};
use crate::failure::Failure;
use jiff::civil::{Date, date};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use starledger_domain::integrity::{ReviewGrade, excellent_places};
use starledger_domain::linking::Satisfaction;
use starledger_domain::org::{Account, BranchId, HouseholdId, Year};
use starledger_domain::rulebook::{RuleSource, Rulebook};
use starledger_domain::volunteering::ActivityKind;
use starledger_store::WriteTx;

/// Whose account records an entry: the member's branch, or the committee.
#[derive(Clone, Copy)]
enum Who {
    Branch,
    Committee,
}

enum Input {
    Account { who: Who, rule: &'static str, source_ref: String, reason: Option<String> },
    Household { household: HouseholdId, level: Satisfaction },
    Ballot(ReviewGrade),
}

struct Planned {
    on: Date,
    member: usize,
    input: Input,
}

struct Planner<'a> {
    roll: &'a Roll,
    year: i16,
    /// 0 for the first demo year, 1 for the latest.
    index: usize,
    rng: &'a mut ChaCha8Rng,
    plan: Vec<Planned>,
}

pub struct YearSummary {
    pub written: usize,
    pub capped: usize,
}

pub async fn simulate(
    tx: &mut WriteTx,
    roll: &Roll,
    rulebook: &Rulebook,
    year: Year,
    index: usize,
    rng: &mut ChaCha8Rng,
) -> Result<YearSummary, Failure> {
    let mut planner = Planner { roll, year: year.get(), index, rng, plan: Vec::new() };
    planner.meetings();
    planner.study_app();
    planner.visits();
    planner.household_ratings(rulebook);
    planner.volunteering();
    planner.integrity();
    planner.reviews(rulebook);
    let mut plan = planner.plan;
    // Stable: events of one day keep the order they were planned in.
    plan.sort_by_key(|p| p.on);

    let mut recorder = Recorder::new(tx, rulebook, roll.community, year);
    for planned in plan {
        let demo = &roll.members[planned.member];
        let member = &demo.member;
        match planned.input {
            Input::Account { who, rule, reason, .. } if recorder.rule(rule).source == RuleSource::Decision => {
                let committee = candidates(roll, who, member.branch_id);
                recorder.decision(&committee, member, rule, planned.on, reason).await?;
            }
            Input::Account { who, rule, source_ref, reason } => {
                let candidates = candidates(roll, who, member.branch_id);
                let Some(by) = recorder.pick(&candidates, rule, member) else {
                    return Err(Failure::failed(format!(
                        "demo generator: nobody may record {rule} for {}",
                        member.name
                    )));
                };
                recorder.by_account(by, member, rule, planned.on, source_ref, reason).await?;
            }
            Input::Household { household, level } => {
                recorder.household_rating(household, member, level, planned.on).await?
            }
            Input::Ballot(grade) => recorder.ballot(member, grade, planned.on).await?,
        }
    }
    Ok(YearSummary { written: recorder.written, capped: recorder.capped })
}

/// The branch secretary first, then the committee in order; the rules pick
/// the first who may act (never the member concerned).
fn candidates(roll: &Roll, who: Who, branch_id: BranchId) -> Vec<&Account> {
    let committee = roll.committee.iter().map(|&i| &roll.accounts[i]);
    match who {
        Who::Committee => committee.collect(),
        Who::Branch => {
            let secretary = roll.branches.iter().find(|b| b.id == branch_id).map(|b| &roll.accounts[b.secretary]);
            secretary.into_iter().chain(committee).collect()
        }
    }
}

fn on_roll(demo: &DemoMember, on: Date) -> bool {
    let member = &demo.member;
    member.joined_on.is_none_or(|joined| joined <= on) && member.left_on.is_none_or(|left| on <= left)
}

impl Planner<'_> {
    fn day(&self, month: i8, day: i8) -> Date {
        date(self.year, month, day)
    }

    /// A random day (1st to 28th) of a month.
    fn day_in(&mut self, month: i8) -> Date {
        let day = self.rng.random_range(1..=28);
        self.day(month, day)
    }

    /// A random day in a range of months.
    fn random_day(&mut self, months: std::ops::RangeInclusive<i8>) -> Date {
        let month = self.rng.random_range(months);
        self.day_in(month)
    }

    fn push(&mut self, on: Date, member: usize, input: Input) {
        if on_roll(&self.roll.members[member], on) {
            self.plan.push(Planned { on, member, input });
        }
    }

    fn account(who: Who, rule: &'static str, source_ref: String, reason: Option<String>) -> Input {
        Input::Account { who, rule, source_ref, reason }
    }

    /// One meeting: each invited member attends, asks for leave, or is absent.
    fn meeting(&mut self, on: Date, invited: Vec<usize>, rule: &'static str, source_ref: String, optional: bool) {
        for member in invited {
            let diligence = self.roll.members[member].diligence;
            if self.rng.random_bool((0.45 + 0.55 * diligence).min(1.0)) {
                self.push(on, member, Self::account(Who::Branch, rule, source_ref.clone(), None));
                if self.rng.random_bool(0.05 * (1.0 - diligence)) {
                    self.push(on, member, Self::account(Who::Branch, "meeting.late", source_ref.clone(), None));
                }
            } else if !optional && self.rng.random_bool(0.35) {
                // The rest asked for leave (请假), which costs nothing.
                self.push(on, member, Self::account(Who::Branch, "meeting.absent", source_ref.clone(), None));
            }
        }
    }

    fn meetings(&mut self) {
        let roll = self.roll;
        for branch in &roll.branches {
            let all: Vec<usize> =
                (0..roll.members.len()).filter(|&m| roll.members[m].member.branch_id == branch.id).collect();
            let committee: Vec<usize> = all.iter().copied().filter(|&m| roll.members[m].committee_of_branch).collect();
            for month in 1..=12 {
                let theme = self.day(month, 8);
                self.meeting(
                    theme,
                    all.clone(),
                    "meeting.theme_day",
                    format!("meeting:{}:theme:{theme}", branch.id),
                    false,
                );
                let on = self.day(month, 5);
                self.meeting(
                    on,
                    committee.clone(),
                    "meeting.branch_committee",
                    format!("meeting:{}:committee:{on}", branch.id),
                    false,
                );
                for &group in &branch.groups {
                    let members: Vec<usize> =
                        all.iter().copied().filter(|&m| roll.members[m].member.party_group_id == Some(group)).collect();
                    let on = self.day(month, 15);
                    self.meeting(
                        on,
                        members,
                        "meeting.group",
                        format!("meeting:{}:group{group}:{on}", branch.id),
                        false,
                    );
                }
            }
            for month in [3, 6, 9, 12] {
                let on = self.day(month, 10);
                self.meeting(
                    on,
                    all.clone(),
                    "meeting.branch_general",
                    format!("meeting:{}:general:{on}", branch.id),
                    false,
                );
            }
            for month in [4, 7, 10, 12] {
                let on = self.day(month, 20);
                self.meeting(on, all.clone(), "meeting.lecture", format!("meeting:{}:lecture:{on}", branch.id), false);
            }
        }
        let everyone: Vec<usize> = (0..roll.members.len()).collect();
        for month in [2, 4, 5, 8, 10, 11] {
            let on = self.day(month, 18);
            self.meeting(on, everyone.clone(), "study.theory", format!("study:theory:{on}"), true);
        }
    }

    /// Weeks declared on 学习强国 with a screenshot, approved by the branch.
    fn study_app(&mut self) {
        let first_sunday = {
            let jan1 = self.day(1, 1);
            jan1 + jiff::Span::new().days(i64::from((7 - jan1.weekday().to_sunday_zero_offset()) % 7))
        };
        for member in 0..self.roll.members.len() {
            let demo = &self.roll.members[member];
            let exempt_factor = if demo.member.linking.is_linked() { 1.0 } else { 0.8 };
            let chance = demo.diligence.powf(1.3) * exempt_factor;
            for week in 0..52 {
                let sunday = first_sunday + jiff::Span::new().days(7 * week);
                if sunday.year() == self.year && self.rng.random_bool(chance) {
                    let reason = format!("学习强国：第{}周学习满5天（截图已审核）", week + 1);
                    self.push(
                        sunday,
                        member,
                        Self::account(Who::Branch, "study.app_week", format!("study:week{}", week + 1), Some(reason)),
                    );
                }
            }
        }
    }

    fn visits(&mut self) {
        const PROBLEMS: [&str; 5] = [
            "帮助联系户办理医保报销",
            "协调解决联系户饮水管道漏水",
            "帮助联系户申请危房改造",
            "为联系户老人代购药品",
            "调解联系户邻里纠纷",
        ];
        for member in 0..self.roll.members.len() {
            let demo = &self.roll.members[member];
            if demo.households.is_empty() {
                continue;
            }
            let households = demo.households.clone();
            let diligence = demo.diligence;
            for month in 1..=12 {
                for _ in 0..4 {
                    if self.rng.random_bool(diligence * 0.9) {
                        let household = households[self.rng.random_range(0..households.len())];
                        let on = self.day_in(month);
                        self.push(
                            on,
                            member,
                            Self::account(Who::Branch, "household.visit", format!("household:{household}"), None),
                        );
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
                let on = self.random_day(1..=12);
                let reason = PROBLEMS[self.rng.random_range(0..PROBLEMS.len())].to_string();
                self.push(
                    on,
                    member,
                    Self::account(
                        Who::Committee,
                        "household.problem_solved",
                        "decision:committee".into(),
                        Some(reason),
                    ),
                );
            }
        }
    }

    /// Each household rates its member about twice a year, once per window.
    fn household_ratings(&mut self, rulebook: &Rulebook) {
        let window_days = i64::from(rulebook.linking.rating_window_days);
        for &(household, member) in &self.roll.households {
            let Some(member) = member else { continue };
            let demo = &self.roll.members[member];
            for window in 0..2 {
                if !self.rng.random_bool(0.9) {
                    continue;
                }
                let offset = window * window_days + self.rng.random_range(20..window_days - 10);
                let on = self.day(1, 1) + jiff::Span::new().days(offset);
                let satisfied = 0.3 + 0.65 * demo.diligence;
                let roll = self.rng.random::<f64>();
                let level = if demo.story == Story::LiangXiaogai || roll < satisfied {
                    Satisfaction::Satisfied
                } else if roll < satisfied + (1.0 - satisfied) * 0.8 {
                    Satisfaction::BasicallySatisfied
                } else {
                    Satisfaction::NotSatisfied
                };
                self.push(on, member, Input::Household { household, level });
            }
        }
    }

    /// The committee posts activity notices; members answer them.
    fn volunteering(&mut self) {
        let mut activities: Vec<(ActivityKind, Date, usize)> = Vec::new();
        for (month, day) in [(6, 2), (6, 6), (6, 10), (6, 14), (10, 3), (10, 8), (10, 12)] {
            activities.push((ActivityKind::StrawPatrol, self.day(month, day), 12));
        }
        for month in 1..=12 {
            activities.push((ActivityKind::Cleanup, self.day(month, 22), 20));
        }
        for (month, day) in [(3, 5), (5, 20), (7, 15), (9, 20), (11, 15)] {
            activities.push((ActivityKind::Civility, self.day(month, day), 15));
        }
        for (month, day) in [(1, 18), (9, 9)] {
            activities.push((ActivityKind::Donation, self.day(month, day), 80));
        }
        for (month, day) in [(1, 25), (7, 1), (10, 11)] {
            activities.push((ActivityKind::VisitNeedy, self.day(month, day), 10));
        }
        for (number, (kind, on, slots)) in activities.into_iter().enumerate() {
            let source_ref = format!("activity:{}-{:02}", self.year, number + 1);
            for member in self.volunteers(&kind, on, slots) {
                let diligence = self.roll.members[member].diligence;
                let rule: &'static str = match kind {
                    ActivityKind::StrawPatrol => "volunteer.straw_patrol",
                    ActivityKind::Cleanup => "volunteer.cleanup",
                    ActivityKind::Civility => "volunteer.civility",
                    ActivityKind::Donation => "volunteer.donation",
                    ActivityKind::VisitNeedy => "volunteer.visit_needy",
                    ActivityKind::Custom(_) => continue,
                };
                let no_show = self.rng.random_bool(0.09 * (1.0 - diligence));
                let (rule, reason) = if no_show {
                    ("volunteer.no_show", format!("报名{}后无故未到", kind.label_zh()))
                } else {
                    (rule, format!("{}（{on}）", kind.label_zh()))
                };
                self.push(on, member, Self::account(Who::Committee, rule, source_ref.clone(), Some(reason)));
            }
        }
    }

    /// Who answers a notice: a weighted draw without replacement (each
    /// member's key is u^(1/weight), the highest keys take the slots), so
    /// eager volunteers get a place most of the time, as in life.
    fn volunteers(&mut self, kind: &ActivityKind, on: Date, slots: usize) -> Vec<usize> {
        let mut keyed: Vec<(f64, usize)> = Vec::new();
        for member in 0..self.roll.members.len() {
            let demo = &self.roll.members[member];
            let elderly = if demo.member.linking.excuse().is_some_and(|e| e.contains("年老")) { 0.3 } else { 1.0 };
            let eager = if *kind == ActivityKind::Donation { 1.5 } else { 1.0 };
            let weight = demo.affinity[self.index] * elderly * eager;
            let key = self.rng.random::<f64>().powf(1.0 / weight.max(1e-3));
            // Only those who would answer at all are in the draw.
            if on_roll(demo, on) && self.rng.random_bool(weight.min(1.0)) {
                keyed.push((key, member));
            }
        }
        keyed.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        keyed.into_iter().take(slots).map(|(_, member)| member).collect()
    }

    fn integrity(&mut self) {
        const GOOD: [&str; 4] =
            ["拾金不昧，主动归还失主", "冒雨疏通村组排水沟", "获评镇级优秀志愿者", "照顾邻居孤寡老人"];
        const FAULTS: [&str; 3] = ["无故拖欠党费三个月", "违规操办酒席被通报", "占道经营屡劝不改"];
        for member in 0..self.roll.members.len() {
            let demo = &self.roll.members[member];
            let (story, diligence) = (demo.story, demo.diligence);
            if story == Story::LiangXiaogai {
                let reason = "带动联系户整治庭院，户户干净整洁".to_string();
                self.push(
                    self.day(5, 12),
                    member,
                    Self::account(Who::Committee, "integrity.commendation", "record:integrity".into(), Some(reason)),
                );
            } else if self.rng.random_bool(0.07 * diligence * diligence) {
                let on = self.random_day(1..=11);
                let reason = GOOD[self.rng.random_range(0..GOOD.len())].to_string();
                self.push(
                    on,
                    member,
                    Self::account(Who::Committee, "integrity.commendation", "record:integrity".into(), Some(reason)),
                );
            }
            if diligence < 0.45 && self.rng.random_bool(0.1) {
                let on = self.random_day(1..=11);
                let reason = FAULTS[self.rng.random_range(0..FAULTS.len())].to_string();
                self.push(
                    on,
                    member,
                    Self::account(Who::Committee, "integrity.fault", "record:integrity".into(), Some(reason)),
                );
            }
            // The committee's moral review (道德评议), in December.
            let review_day = self.day(12, 20);
            let source = format!("review:moral:{}", self.year);
            match (story, self.index) {
                (Story::MoralSetback, 0) => {
                    let reason = "与兄弟因赡养父母问题发生争执，影响家庭和睦".to_string();
                    self.push(
                        review_day,
                        member,
                        Self::account(Who::Committee, "moral.deduction", source, Some(reason)),
                    );
                }
                (Story::MoralSetback, _) | (Story::LiangXiaogai, _) => {
                    let reason = if story == Story::MoralSetback {
                        "主动修复兄弟关系，共同赡养父母"
                    } else {
                        "孝老爱亲，邻里和睦"
                    };
                    self.push(
                        review_day,
                        member,
                        Self::account(Who::Committee, "moral.praise", source, Some(reason.into())),
                    );
                }
                _ if self.rng.random_bool(0.1 * diligence) => {
                    self.push(
                        review_day,
                        member,
                        Self::account(Who::Committee, "moral.praise", source, Some("孝老爱亲，邻里和睦".into())),
                    );
                }
                _ => {}
            }
        }
    }

    /// Each branch's democratic review: probationary members take part but
    /// are not graded; 优秀 stays within the rulebook's share.
    fn reviews(&mut self, rulebook: &Rulebook) {
        let on = self.day(12, 28);
        for branch in &self.roll.branches {
            let mut graded: Vec<(f64, usize)> = (0..self.roll.members.len())
                .filter(|&m| {
                    let demo = &self.roll.members[m];
                    demo.member.branch_id == branch.id && !demo.member.probationary && on_roll(demo, on)
                })
                .map(|m| {
                    let demo = &self.roll.members[m];
                    let mut score = demo.diligence + 0.15 * self.rng.random::<f64>();
                    // The year of the quarrel, the branch graded him 基本合格.
                    if demo.story == Story::MoralSetback && self.index == 0 {
                        score = 0.44;
                    }
                    (score, m)
                })
                .collect();
            graded.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            let excellent = excellent_places(graded.len(), &rulebook.review);
            let lowest = graded.len().saturating_sub(1);
            for (place, &(score, member)) in graded.iter().enumerate() {
                let grade = if place < excellent {
                    ReviewGrade::Excellent
                } else if place == lowest && score < 0.42 && self.index == 0 {
                    ReviewGrade::Unqualified
                } else if score < 0.45 {
                    ReviewGrade::BasicallyQualified
                } else {
                    ReviewGrade::Qualified
                };
                self.push(on, member, Input::Ballot(grade));
            }
        }
    }
}
