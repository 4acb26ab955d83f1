//! Step 3, the integrity record (诚信档案) and the reviews: the committee's
//! moral review (道德评议) and each branch's annual democratic review of its
//! members (民主评议党员), graded 优秀 / 合格 / 基本合格 / 不合格.

use crate::org::MemberId;
use crate::rulebook::{IntegrityRules, ReviewRules};
use std::collections::BTreeSet;

/// A grade from the branch review.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ReviewGrade {
    Excellent,
    Qualified,
    BasicallyQualified,
    Unqualified,
}

impl ReviewGrade {
    pub const ALL: [ReviewGrade; 4] =
        [ReviewGrade::Excellent, ReviewGrade::Qualified, ReviewGrade::BasicallyQualified, ReviewGrade::Unqualified];

    pub fn label_zh(self) -> &'static str {
        match self {
            ReviewGrade::Excellent => "优秀",
            ReviewGrade::Qualified => "合格",
            ReviewGrade::BasicallyQualified => "基本合格",
            ReviewGrade::Unqualified => "不合格",
        }
    }

    pub fn rule_key(self, rules: &ReviewRules) -> &str {
        match self {
            ReviewGrade::Excellent => &rules.excellent_rule,
            ReviewGrade::Qualified => &rules.qualified_rule,
            ReviewGrade::BasicallyQualified => &rules.basically_qualified_rule,
            ReviewGrade::Unqualified => &rules.unqualified_rule,
        }
    }
}

/// How many of `graded` members may be proposed 优秀 (commonly one third).
pub fn excellent_places(graded: usize, rules: &ReviewRules) -> usize {
    graded * rules.excellent_max_share_percent as usize / 100
}

/// Who decides an integrity record, once the recused are left out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Deciders {
    /// The committee, with `quorum` votes needed: the rulebook's quorum, or
    /// every member who may vote when fewer remain.
    Committee { quorum: u32, eligible: u32 },
    /// Fewer than the rulebook's floor may vote: the overseer of the region
    /// above the community decides, rather than the record stalling.
    Overseer { eligible: u32 },
}

/// The committee members (as persons) who may vote on a record about
/// `subject`: every committee person but the subject and their relatives.
pub fn eligible_voters(committee: &BTreeSet<MemberId>, subject: MemberId, relatives: &[MemberId]) -> u32 {
    committee.iter().filter(|m| **m != subject && !relatives.contains(m)).count() as u32
}

/// Who decides, given how many committee members may vote.
pub fn deciders(eligible: u32, rules: &IntegrityRules) -> Deciders {
    if eligible < rules.decision_floor.max(1) {
        Deciders::Overseer { eligible }
    } else {
        Deciders::Committee { quorum: rules.decision_quorum.min(eligible), eligible }
    }
}

/// The committee's decision once `votes` have been cast, `approvals` of them
/// for: None until the quorum is reached, then whether a majority approved.
pub fn committee_outcome(votes: u32, approvals: u32, quorum: u32) -> Option<bool> {
    (votes >= quorum).then_some(approvals * 2 > votes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rulebook::Rulebook;

    #[test]
    fn at_most_a_third_are_excellent() {
        let rules = Rulebook::default_rulebook().review;
        assert_eq!(excellent_places(30, &rules), 9);
        assert_eq!(excellent_places(2, &rules), 0);
        assert_eq!(ReviewGrade::Unqualified.rule_key(&rules), "review.unqualified");
    }

    #[test]
    fn the_quorum_counts_only_those_not_recused_and_goes_up_below_the_floor() {
        let rules = Rulebook::default_rulebook().integrity;
        let committee: BTreeSet<MemberId> = [1, 2, 3].map(MemberId::new).into();
        // Three committee members, a record about one of them: two may vote,
        // and the two decide (the floor is two), rather than waiting forever.
        let eligible = eligible_voters(&committee, MemberId::new(3), &[]);
        assert_eq!(eligible, 2);
        assert_eq!(deciders(eligible, &rules), Deciders::Committee { quorum: 2, eligible: 2 });
        assert_eq!(committee_outcome(1, 1, 2), None);
        assert_eq!(committee_outcome(2, 2, 2), Some(true));
        assert_eq!(committee_outcome(2, 1, 2), Some(false), "a tie does not approve");
        // One more recused (a relative): below the floor, the overseer decides.
        let eligible = eligible_voters(&committee, MemberId::new(3), &[MemberId::new(2)]);
        assert_eq!(deciders(eligible, &rules), Deciders::Overseer { eligible: 1 });
        // A record about someone outside the committee: the full quorum.
        assert_eq!(
            deciders(eligible_voters(&committee, MemberId::new(9), &[]), &rules),
            Deciders::Committee { quorum: 3, eligible: 3 }
        );
    }
}
