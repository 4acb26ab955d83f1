//! Step 3, the integrity record (诚信档案) and the reviews: the committee's
//! moral review (道德评议) and each branch's annual democratic review of its
//! members (民主评议党员), graded 优秀 / 合格 / 基本合格 / 不合格.

use crate::rulebook::ReviewRules;

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
}
