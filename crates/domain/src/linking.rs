//! Step 1, household linking (联户定岗): each member without a post serves a
//! set of nearby households, visits them, and is rated by them. A member
//! outside the rulebook's range is reported, never silently accepted.

use crate::org::{LinkingDuty, MemberId, Year};
use crate::rulebook::LinkingRules;
use jiff::civil::Date;

/// The three levels a household chooses from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Satisfaction {
    Satisfied,
    BasicallySatisfied,
    NotSatisfied,
}

impl Satisfaction {
    pub const ALL: [Satisfaction; 3] =
        [Satisfaction::Satisfied, Satisfaction::BasicallySatisfied, Satisfaction::NotSatisfied];

    pub fn label_zh(self) -> &'static str {
        match self {
            Satisfaction::Satisfied => "满意",
            Satisfaction::BasicallySatisfied => "基本满意",
            Satisfaction::NotSatisfied => "不满意",
        }
    }

    /// The rule that prices this level.
    pub fn rule_key(self, rules: &LinkingRules) -> &str {
        match self {
            Satisfaction::Satisfied => &rules.satisfied_rule,
            Satisfaction::BasicallySatisfied => &rules.basically_satisfied_rule,
            Satisfaction::NotSatisfied => &rules.not_satisfied_rule,
        }
    }
}

/// A household may rate once per window. Windows start on 1 January and are
/// `rating_window_days` long; the last one runs to 31 December, absorbing the
/// days left over, so a year never ends in a window of one or two days.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RatingWindow {
    pub year: Year,
    pub index: u32,
    pub starts_on: Date,
    pub ends_on: Date,
}

impl RatingWindow {
    pub fn containing(date: Date, rules: &LinkingRules) -> RatingWindow {
        let year = Year::of(date);
        let window_days = rules.rating_window_days as i32;
        let windows = (year.days() as i32 / window_days).max(1);
        let index = ((i32::from(date.day_of_year()) - 1) / window_days).min(windows - 1);
        let starts_on = year.first_day() + jiff::Span::new().days(index * window_days);
        let ends_on =
            if index == windows - 1 { year.last_day() } else { starts_on + jiff::Span::new().days(window_days - 1) };
        RatingWindow { year, index: index as u32, starts_on, ends_on }
    }

    /// The window a [`RatingWindow::key`] names, by the same rules.
    pub fn by_key(key: &str, rules: &LinkingRules) -> Option<RatingWindow> {
        let (year, index) = key.split_once('w')?;
        let year = Year::new(year.parse().ok()?).ok()?;
        let index: i32 = index.parse().ok()?;
        let first = RatingWindow::containing(year.first_day(), rules);
        let starts_on =
            year.first_day().checked_add(jiff::Span::new().days(index * rules.rating_window_days as i32)).ok()?;
        let window = RatingWindow::containing(starts_on, rules);
        (window.year == first.year && window.index as i32 == index).then_some(window)
    }

    /// Part of the idempotency key of a rating: one per household per window.
    pub fn key(&self) -> String {
        format!("{}w{}", self.year, self.index)
    }
}

/// Where a member stands against the linking range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkStatus {
    WithinRange,
    TooFew {
        linked: u32,
        min: u32,
    },
    TooMany {
        linked: u32,
        max: u32,
    },
    /// Not required to link; the excuse is shown, and any links listed.
    Excused {
        excuse: String,
        linked: u32,
    },
}

pub fn link_status(duty: &LinkingDuty, linked: u32, rules: &LinkingRules) -> LinkStatus {
    if let Some(excuse) = duty.excuse() {
        return LinkStatus::Excused { excuse, linked };
    }
    if linked < rules.households_min {
        LinkStatus::TooFew { linked, min: rules.households_min }
    } else if linked > rules.households_max {
        LinkStatus::TooMany { linked, max: rules.households_max }
    } else {
        LinkStatus::WithinRange
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkRefusal {
    #[error("member {member_id} already serves {linked} households, the rulebook's maximum; unlink one first")]
    Full { member_id: MemberId, linked: u32 },
}

impl LinkRefusal {
    /// The refusal in Chinese, for the pages.
    pub fn zh(&self) -> String {
        match self {
            LinkRefusal::Full { member_id, linked } => {
                format!("党员 {member_id} 已联系 {linked} 户，达到规则上限；请先解除一户。")
            }
        }
    }
}

/// Linking one more household must not push a member past the maximum.
pub fn may_link_one_more(member_id: MemberId, linked: u32, rules: &LinkingRules) -> Result<(), LinkRefusal> {
    if linked >= rules.households_max {
        return Err(LinkRefusal::Full { member_id, linked });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rulebook::Rulebook;
    use jiff::civil::date;

    #[test]
    fn windows_split_the_year() {
        let rules = Rulebook::default_rulebook().linking;
        let first = RatingWindow::containing(date(2025, 1, 1), &rules);
        assert_eq!((first.index, first.starts_on, first.ends_on), (0, date(2025, 1, 1), date(2025, 7, 1)));
        let second = RatingWindow::containing(date(2025, 12, 31), &rules);
        // 365 = 2 * 182 + 1: the spare day joins the second window.
        assert_eq!((second.index, second.starts_on, second.ends_on), (1, date(2025, 7, 2), date(2025, 12, 31)));
        assert_eq!(second.key(), "2025w1");
        assert_eq!(RatingWindow::by_key("2025w1", &rules), Some(second));
        assert_eq!(RatingWindow::by_key("2025w0", &rules), Some(first));
        assert_eq!(RatingWindow::by_key("2025w2", &rules), None);
        assert_eq!(RatingWindow::by_key("2025x1", &rules), None);
    }

    #[test]
    fn the_range_is_reported() {
        let rules = Rulebook::default_rulebook().linking;
        assert_eq!(link_status(&LinkingDuty::Linked, 3, &rules), LinkStatus::TooFew { linked: 3, min: 5 });
        assert_eq!(link_status(&LinkingDuty::Linked, 7, &rules), LinkStatus::WithinRange);
        assert_eq!(link_status(&LinkingDuty::Linked, 11, &rules), LinkStatus::TooMany { linked: 11, max: 10 });
        assert!(matches!(link_status(&LinkingDuty::Exempt("年老体弱".into()), 0, &rules), LinkStatus::Excused { .. }));
        assert!(may_link_one_more(MemberId::new(1), 10, &rules).is_err());
        assert!(may_link_one_more(MemberId::new(1), 9, &rules).is_ok());
    }
}
