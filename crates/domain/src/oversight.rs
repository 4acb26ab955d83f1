//! What a region sees of its communities (组织部的汇总): for each community
//! and each branch, how many members took part, how satisfied the households
//! were, how the stars fell and how points spread. Computed from one
//! community's own rows and stored, so that a region's views read these
//! figures and never a member, a household or a rater.

use crate::org::{BranchId, Member, MemberId, Year};
use crate::rating::Rating;
use crate::rulebook::{RuleSource, Rulebook};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Figures over fewer people than this are withheld (shown as "—"), as a
/// member's own satisfaction page withholds fewer than three ratings.
pub const MIN_GROUP: u32 = 3;

/// Entries of one rule for one member in a year, net of reversals.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleCount {
    pub member_id: MemberId,
    pub rule_key: String,
    pub count: i64,
}

/// The figures of one community or one branch in one year.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Members on the roll at any day of the year, probationary included.
    pub members: u32,
    /// Members the rating ranks.
    pub eligible: u32,
    /// Members credited with at least one volunteer service (志愿服务).
    pub serving: u32,
    pub satisfied: u32,
    pub basically_satisfied: u32,
    pub not_satisfied: u32,
    pub five_star: u32,
    pub four_star: u32,
    pub three_star: u32,
    /// Eligible members with fewer than three stars.
    pub below_three: u32,
    /// Points (in tenths) of eligible members at the 10th, 50th and 90th
    /// percentile; none for fewer than [`MIN_GROUP`] members.
    pub points_p10: Option<i64>,
    pub points_p50: Option<i64>,
    pub points_p90: Option<i64>,
}

impl Summary {
    /// Households that rated, at any level.
    pub fn ratings(&self) -> u32 {
        self.satisfied + self.basically_satisfied + self.not_satisfied
    }

    /// 满意率: satisfied and basically satisfied, in per mille of all ratings;
    /// none below [`MIN_GROUP`] ratings.
    pub fn satisfaction_per_mille(&self) -> Option<u32> {
        let ratings = self.ratings();
        (ratings >= MIN_GROUP).then(|| (self.satisfied + self.basically_satisfied) * 1000 / ratings)
    }

    /// Share of members in volunteer service, in per mille.
    pub fn participation_per_mille(&self) -> Option<u32> {
        (self.members >= MIN_GROUP).then(|| self.serving * 1000 / self.members)
    }

    /// Share of eligible members who are five-star, in per mille: how a
    /// branch stands in the 五星支部 campaign.
    pub fn five_star_per_mille(&self) -> Option<u32> {
        (self.eligible >= MIN_GROUP).then(|| self.five_star * 1000 / self.eligible)
    }
}

/// A community's year: the whole, and each branch with any member that year.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YearSummary {
    pub year: Year,
    pub community: Summary,
    pub branches: BTreeMap<BranchId, Summary>,
}

/// Summarizes a rated year. `final_stars`, once the year is finalized, gives
/// the stars that stand instead of those computed now.
pub fn summarize(
    rating: &Rating,
    rulebook: &Rulebook,
    members: &[Member],
    counts: &[RuleCount],
    final_stars: Option<&HashMap<MemberId, u8>>,
) -> YearSummary {
    let year = rating.year;
    let linking = &rulebook.linking;
    let rating_rules = [&linking.satisfied_rule, &linking.basically_satisfied_rule, &linking.not_satisfied_rule];
    // Service is what earns points from an activity; a no-show's deduction
    // comes from an activity too, but is the opposite of taking part.
    let service_rules: HashSet<&str> = rulebook
        .rules
        .values()
        .filter(|rule| rule.source == RuleSource::Activity && rule.points.is_positive())
        .map(|r| r.key.as_str())
        .collect();
    let mut serving: HashSet<MemberId> = HashSet::new();
    let mut levels: HashMap<MemberId, [i64; 3]> = HashMap::new();
    for count in counts {
        if service_rules.contains(count.rule_key.as_str()) && count.count > 0 {
            serving.insert(count.member_id);
        }
        let level = rating_rules.iter().position(|key| **key == count.rule_key);
        if let Some(level) = level {
            levels.entry(count.member_id).or_default()[level] += count.count.max(0);
        }
    }

    let mut community = Tally::default();
    let mut branches: BTreeMap<BranchId, Tally> = BTreeMap::new();
    for member in members.iter().filter(|m| m.days_on_roll(year) > 0) {
        let rated = rating.member(member.id);
        let eligible = rated.is_some_and(|r| r.eligible);
        let stars = final_stars
            .and_then(|stars| stars.get(&member.id).copied())
            .or_else(|| rated.map(|r| r.stars))
            .unwrap_or(0);
        let one = One {
            eligible,
            serving: serving.contains(&member.id),
            levels: levels.get(&member.id).copied().unwrap_or_default(),
            stars,
            points: rated.map(|r| r.total.tenths()).unwrap_or(0),
        };
        community.add(&one);
        branches.entry(member.branch_id).or_default().add(&one);
    }
    YearSummary {
        year,
        community: community.finish(),
        branches: branches.into_iter().map(|(id, tally)| (id, tally.finish())).collect(),
    }
}

struct One {
    eligible: bool,
    serving: bool,
    levels: [i64; 3],
    stars: u8,
    points: i64,
}

#[derive(Default)]
struct Tally {
    summary: Summary,
    points: Vec<i64>,
}

impl Tally {
    fn add(&mut self, one: &One) {
        let s = &mut self.summary;
        s.members += 1;
        s.serving += u32::from(one.serving);
        s.satisfied += one.levels[0] as u32;
        s.basically_satisfied += one.levels[1] as u32;
        s.not_satisfied += one.levels[2] as u32;
        if !one.eligible {
            return;
        }
        s.eligible += 1;
        match one.stars {
            5 => s.five_star += 1,
            4 => s.four_star += 1,
            3 => s.three_star += 1,
            _ => s.below_three += 1,
        }
        self.points.push(one.points);
    }

    fn finish(mut self) -> Summary {
        self.points.sort_unstable();
        if self.points.len() >= MIN_GROUP as usize {
            self.summary.points_p10 = Some(percentile(&self.points, 10));
            self.summary.points_p50 = Some(percentile(&self.points, 50));
            self.summary.points_p90 = Some(percentile(&self.points, 90));
        }
        self.summary
    }
}

/// Nearest rank: the smallest value with at least `p` percent at or below it.
fn percentile(sorted: &[i64], p: usize) -> i64 {
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted[rank - 1]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::CommunityId;
    use crate::org::{LinkingDuty, PersonName};
    use crate::rating::{Scored, rate};
    use crate::{Points, rulebook};

    fn member(raw: i64, branch: BranchId) -> Member {
        let id = MemberId::new(raw);
        Member {
            id,
            community_id: CommunityId::new(1),
            branch_id: branch,
            branch: format!("第{branch}支部"),
            party_group_id: None,
            name: PersonName::parse(&format!("党员{id}")).unwrap(),
            phone: None,
            probationary: false,
            linking: LinkingDuty::Linked,
            joined_on: None,
            left_on: None,
        }
    }

    fn count(member_id: MemberId, rule_key: &str, count: i64) -> RuleCount {
        RuleCount { member_id, rule_key: rule_key.into(), count }
    }

    #[test]
    fn counts_service_satisfaction_and_stars_by_branch() {
        let rulebook = rulebook::Rulebook::default_rulebook();
        let year = Year::new(2025).unwrap();
        let members: Vec<Member> =
            (1..=6).map(|id| member(id, if id <= 4 { BranchId::new(10) } else { BranchId::new(20) })).collect();
        let scored: Vec<Scored> = members
            .iter()
            .map(|m| Scored {
                member_id: m.id,
                category: "study".into(),
                rule_key: "study.theory".into(),
                points: Points::whole(m.id.get() * 10),
            })
            .collect();
        let rating = rate(year, &rulebook, &members, &scored);
        let service = rulebook.rules.values().find(|r| r.source == RuleSource::Activity).unwrap().key.clone();
        let counts = vec![
            count(MemberId::new(1), &service, 2),
            count(MemberId::new(5), &service, 1),
            count(MemberId::new(6), &service, 0), // served, then reversed
            count(MemberId::new(1), &rulebook.linking.satisfied_rule, 4),
            count(MemberId::new(2), &rulebook.linking.not_satisfied_rule, 1),
            count(MemberId::new(5), &rulebook.linking.basically_satisfied_rule, 2),
        ];
        let summary = summarize(&rating, &rulebook, &members, &counts, None);

        assert_eq!(summary.community.members, 6);
        assert_eq!(summary.community.serving, 2);
        assert_eq!(summary.community.ratings(), 7);
        assert_eq!(summary.community.satisfaction_per_mille(), Some(857));
        assert_eq!(summary.branches[&BranchId::new(10)].members, 4);
        assert_eq!(summary.branches[&BranchId::new(10)].serving, 1);
        assert_eq!(summary.branches[&BranchId::new(20)].satisfied, 0);
        assert_eq!(summary.branches[&BranchId::new(20)].basically_satisfied, 2);
        // Two members are too few to show a branch's spread of points.
        assert_eq!(summary.branches[&BranchId::new(20)].points_p50, None);
        assert_eq!(summary.branches[&BranchId::new(10)].points_p50, Some(200));
        let stars = &summary.community;
        assert_eq!(stars.five_star + stars.four_star + stars.three_star + stars.below_three, stars.eligible);
    }

    #[test]
    fn a_no_show_is_not_service() {
        let rulebook = rulebook::Rulebook::default_rulebook();
        let no_show = rulebook
            .rules
            .values()
            .find(|r| r.source == RuleSource::Activity && !r.points.is_positive())
            .expect("the default rulebook deducts for a no-show");
        let year = Year::new(2025).unwrap();
        let members: Vec<Member> = (1..=3).map(|id| member(id, BranchId::new(10))).collect();
        let rating = rate(year, &rulebook, &members, &[]);
        let summary = summarize(&rating, &rulebook, &members, &[count(MemberId::new(1), &no_show.key, 1)], None);
        assert_eq!(summary.community.serving, 0);
    }

    #[test]
    fn final_stars_stand_over_computed_ones() {
        let rulebook = rulebook::Rulebook::default_rulebook();
        let year = Year::new(2025).unwrap();
        let members: Vec<Member> = (1..=3).map(|id| member(id, BranchId::new(10))).collect();
        let rating = rate(year, &rulebook, &members, &[]);
        let finals: HashMap<MemberId, u8> =
            [(MemberId::new(1), 5), (MemberId::new(2), 5), (MemberId::new(3), 4)].into();
        let summary = summarize(&rating, &rulebook, &members, &[], Some(&finals));
        assert_eq!(summary.community.five_star, 2);
        assert_eq!(summary.community.four_star, 1);
        assert_eq!(summary.community.five_star_per_mille(), Some(666));
    }

    #[test]
    fn percentiles_by_nearest_rank() {
        let values: Vec<i64> = (1..=10).collect();
        assert_eq!(percentile(&values, 10), 1);
        assert_eq!(percentile(&values, 50), 5);
        assert_eq!(percentile(&values, 90), 9);
        assert_eq!(percentile(&[7], 90), 7);
    }
}
