//! Step 2, volunteer service (志愿服务): for each piece of work the committee
//! posts a notice in the party-building work group and members answer it.
//! Each kind of activity is priced by its own rule in the rulebook.

use crate::points::Points;
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

/// Minutes before the start from which a QR check-in counts; it stays open
/// until the activity ends.
pub const CHECK_IN_EARLY_MINUTES: i64 = 30;

/// The rule of the default rulebook for signing up and not coming.
pub const NO_SHOW_RULE: &str = "volunteer.no_show";

/// When an activity happens, in Unix seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Schedule {
    pub starts_at: i64,
    pub ends_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActivityRefusal {
    #[error("an activity ends after it starts")]
    EndsBeforeStart,
    #[error("sign-up closes when the activity starts")]
    SignUpClosed,
    #[error("all {0} places are taken")]
    Full(u32),
    #[error("check-in is open from {CHECK_IN_EARLY_MINUTES} minutes before the start until the end")]
    CheckInClosed,
    #[error("the activity is closed; its points are in the ledger")]
    Closed,
}

impl ActivityRefusal {
    /// The refusal in Chinese, for the pages.
    pub fn zh(&self) -> String {
        match self {
            ActivityRefusal::EndsBeforeStart => "活动的结束时间须晚于开始时间。".to_string(),
            ActivityRefusal::SignUpClosed => "活动开始后报名即截止。".to_string(),
            ActivityRefusal::Full(slots) => format!("{slots} 个名额已满。"),
            ActivityRefusal::CheckInClosed => {
                format!("签到时间为活动开始前 {CHECK_IN_EARLY_MINUTES} 分钟至活动结束。")
            }
            ActivityRefusal::Closed => "活动已结束，积分已记入台账。".to_string(),
        }
    }
}

impl Schedule {
    pub fn new(starts_at: i64, ends_at: i64) -> Result<Schedule, ActivityRefusal> {
        if ends_at <= starts_at {
            return Err(ActivityRefusal::EndsBeforeStart);
        }
        Ok(Schedule { starts_at, ends_at })
    }

    /// A member answers the notice before the activity starts, while places remain.
    pub fn may_sign_up(&self, now: i64, taken: u32, slots: u32) -> Result<(), ActivityRefusal> {
        if now >= self.starts_at {
            return Err(ActivityRefusal::SignUpClosed);
        }
        if taken >= slots {
            return Err(ActivityRefusal::Full(slots));
        }
        Ok(())
    }

    /// Cancelling is answering too: possible until the start.
    pub fn may_cancel(&self, now: i64) -> Result<(), ActivityRefusal> {
        if now >= self.starts_at { Err(ActivityRefusal::SignUpClosed) } else { Ok(()) }
    }

    pub fn is_over(&self, now: i64) -> bool {
        now > self.ends_at
    }

    pub fn check_in_open(&self, now: i64) -> bool {
        now >= self.starts_at - CHECK_IN_EARLY_MINUTES * 60 && now <= self.ends_at
    }

    /// Check-out is the second scan of the venue QR, until an hour after the end.
    pub fn check_out_open(&self, now: i64) -> bool {
        now >= self.starts_at && now <= self.ends_at + 3600
    }

    /// Time served between check-in and check-out, counted only within the
    /// activity's hours and in whole half hours, so that arriving early or
    /// leaving the QR scan for later adds nothing.
    pub fn half_hours_served(&self, checked_in_at: i64, checked_out_at: i64) -> i64 {
        let from = checked_in_at.max(self.starts_at);
        let to = checked_out_at.min(self.ends_at);
        ((to - from).max(0)) / 1800
    }
}

/// Points for service counted by the hour: `per_hour` for each hour served.
pub fn hourly_points(per_hour: Points, half_hours: i64) -> Points {
    per_hour.scale(half_hours, 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_count_within_the_activity_in_half_hours() {
        let schedule = Schedule::new(10_000, 10_000 + 3 * 3600).unwrap();
        assert_eq!(schedule.half_hours_served(10_000 - 900, 10_000 + 3600 + 1799), 2);
        assert_eq!(schedule.half_hours_served(10_000 + 3600, 10_000 + 9 * 3600), 4);
        assert_eq!(schedule.half_hours_served(10_000 + 3600, 10_000), 0);
        assert_eq!(hourly_points(Points::from_tenths(5), 5), Points::from_tenths(13));
    }

    #[test]
    fn every_named_kind_is_priced_by_the_default_rulebook() {
        let rulebook = Rulebook::default_rulebook();
        for kind in ActivityKind::NAMED {
            let rule = kind.rule(&rulebook).unwrap_or_else(|| panic!("{} has no rule", kind.label_zh()));
            assert!(rule.name.contains(kind.label_zh()), "{} is priced by {}", kind.label_zh(), rule.name);
        }
        assert!(ActivityKind::Custom("meeting.group".into()).rule(&rulebook).is_none());
    }

    #[test]
    fn sign_up_and_check_in_windows() {
        let start = 1_800_000_000;
        let schedule = Schedule::new(start, start + 7200).unwrap();
        assert!(Schedule::new(start, start).is_err());
        assert!(schedule.may_sign_up(start - 1, 4, 5).is_ok());
        assert_eq!(schedule.may_sign_up(start - 1, 5, 5), Err(ActivityRefusal::Full(5)));
        assert_eq!(schedule.may_sign_up(start, 0, 5), Err(ActivityRefusal::SignUpClosed));
        assert!(schedule.check_in_open(start - 30 * 60));
        assert!(!schedule.check_in_open(start - 30 * 60 - 1));
        assert!(schedule.check_in_open(start + 7200));
        assert!(!schedule.check_in_open(start + 7201));
    }
}
