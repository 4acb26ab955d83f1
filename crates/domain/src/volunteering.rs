//! Step 2, volunteer service (志愿服务): for each piece of work the committee
//! posts a notice in the party-building work group and members answer it.
//! Each kind of activity is priced by its own rule in the rulebook.

use crate::rulebook::{Rule, RuleSource, Rulebook};

/// The kinds of service the article names, and custom ones.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActivityKind {
    /// 秸秆禁烧巡查
    StrawPatrol,
    /// 环境整治
    Cleanup,
    /// 文明创建
    Civility,
    /// 爱心捐资
    Donation,
    /// 看望慰问
    VisitNeedy,
    /// Anything else the committee prices with a rule of source `activity`.
    Custom(String),
}

impl ActivityKind {
    pub const NAMED: [ActivityKind; 5] = [
        ActivityKind::StrawPatrol,
        ActivityKind::Cleanup,
        ActivityKind::Civility,
        ActivityKind::Donation,
        ActivityKind::VisitNeedy,
    ];

    pub fn label_zh(&self) -> &str {
        match self {
            ActivityKind::StrawPatrol => "秸秆禁烧巡查",
            ActivityKind::Cleanup => "环境整治",
            ActivityKind::Civility => "文明创建",
            ActivityKind::Donation => "爱心捐资",
            ActivityKind::VisitNeedy => "看望慰问",
            ActivityKind::Custom(rule) => rule,
        }
    }

    /// The rule of the default rulebook that prices this kind.
    pub fn rule_key(&self) -> &str {
        match self {
            ActivityKind::StrawPatrol => "volunteer.straw_patrol",
            ActivityKind::Cleanup => "volunteer.cleanup",
            ActivityKind::Civility => "volunteer.civility",
            ActivityKind::Donation => "volunteer.donation",
            ActivityKind::VisitNeedy => "volunteer.visit_needy",
            ActivityKind::Custom(rule) => rule,
        }
    }

    /// The rule that prices this kind in `rulebook`, if it is an activity rule.
    pub fn rule<'a>(&self, rulebook: &'a Rulebook) -> Option<&'a Rule> {
        rulebook.rule(self.rule_key()).filter(|rule| rule.source == RuleSource::Activity)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_named_kind_is_priced_by_the_default_rulebook() {
        let rulebook = Rulebook::default_rulebook();
        for kind in ActivityKind::NAMED {
            let rule = kind.rule(&rulebook).unwrap_or_else(|| panic!("{} has no rule", kind.label_zh()));
            assert!(rule.name.contains(kind.label_zh()), "{} is priced by {}", kind.label_zh(), rule.name);
        }
        assert!(ActivityKind::Custom("meeting.group".into()).rule(&rulebook).is_none());
    }
}
