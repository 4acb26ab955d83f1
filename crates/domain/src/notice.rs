//! The public notice period (公示) of a year's rating. The committee
//! publishes the provisional results; for `notice_days` days, counted from
//! the day of publication, anyone may object; once the period is over and
//! every objection has been answered on the record, the year is finalized
//! and locked.

use jiff::ToSpan;
use jiff::civil::Date;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NoticePeriod {
    pub from: Date,
    /// The last day on which objections are taken.
    pub until: Date,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoticeError {
    #[error("the public notice ran until {until}; objections are no longer taken")]
    Closed { until: Date },
    #[error("the public notice runs until {until}; the year is finalized after it ends")]
    StillRunning { until: Date },
    #[error("{0} objection(s) still wait for the committee's answer")]
    Unanswered(usize),
}

impl NoticePeriod {
    /// A notice of `days` days published on `on` (the day itself counts).
    pub fn starting(on: Date, days: u32) -> NoticePeriod {
        let last = i64::from(days.max(1)) - 1;
        NoticePeriod { from: on, until: on.checked_add(last.days()).unwrap_or(on) }
    }

    pub fn may_object(&self, today: Date) -> Result<(), NoticeError> {
        if today > self.until {
            return Err(NoticeError::Closed { until: self.until });
        }
        Ok(())
    }

    pub fn may_finalize(&self, today: Date, unanswered: usize) -> Result<(), NoticeError> {
        if today <= self.until {
            return Err(NoticeError::StillRunning { until: self.until });
        }
        if unanswered > 0 {
            return Err(NoticeError::Unanswered(unanswered));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn five_days_counting_the_first() {
        let notice = NoticePeriod::starting(date(2025, 12, 29), 5);
        assert_eq!(notice.until, date(2026, 1, 2));
        assert_eq!(notice.may_object(date(2026, 1, 2)), Ok(()));
        assert_eq!(notice.may_object(date(2026, 1, 3)), Err(NoticeError::Closed { until: date(2026, 1, 2) }));
        assert!(matches!(notice.may_finalize(date(2026, 1, 2), 0), Err(NoticeError::StillRunning { .. })));
        assert_eq!(notice.may_finalize(date(2026, 1, 3), 1), Err(NoticeError::Unanswered(1)));
        assert_eq!(notice.may_finalize(date(2026, 1, 3), 0), Ok(()));
    }
}
