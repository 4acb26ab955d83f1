//! The application's clock. Production reads the system clock; tests and
//! replays state their own day, so nothing depends on when a test is run
//! (December 31 at 23:30 China time is a day like any other).
//!
//! A clock is chosen once per process (`install`, from `STARLEDGER_NOW` on
//! the command line) and may be narrowed per task (`scope`): the web server
//! runs every request inside its application's clock, so many test servers
//! in one process each keep their own day. Code asks [`now`] and [`today`]
//! and never the system directly.

use jiff::tz::{Offset, TimeZone};
use jiff::{SignedDuration, Timestamp};
use std::sync::OnceLock;

/// China Standard Time has no daylight saving; a fixed +08:00 is exact and
/// needs no time-zone database on the machine.
pub fn china() -> TimeZone {
    TimeZone::fixed(Offset::constant(8))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clock {
    /// The machine's clock.
    System,
    /// Time runs as on the machine, shifted so that the clock started at a
    /// chosen moment: a test says "it is 31 December, 23:30" and then
    /// seconds pass as usual.
    Shifted(SignedDuration),
    /// Time stands still at one moment.
    Fixed(Timestamp),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "STARLEDGER_NOW=\"{0}\" is not a moment: write it like 2026-12-31T23:30:00+08:00 \
     (or add \"!\" at the end to stop the clock there)"
)]
pub struct ClockError(pub String);

impl Clock {
    /// A clock that reads `start` now and runs on from there.
    pub fn starting_at(start: Timestamp) -> Clock {
        Clock::Shifted(start.duration_since(Timestamp::now()))
    }

    /// `2026-12-31T23:30:00+08:00` starts a running clock there;
    /// a trailing `!` stops it there.
    pub fn parse(text: &str) -> Result<Clock, ClockError> {
        let bad = || ClockError(text.to_string());
        let (moment, fixed) = match text.trim().strip_suffix('!') {
            Some(moment) => (moment, true),
            None => (text.trim(), false),
        };
        let at: Timestamp = moment.parse().map_err(|_| bad())?;
        Ok(if fixed { Clock::Fixed(at) } else { Clock::starting_at(at) })
    }

    /// The process's clock from `STARLEDGER_NOW`, or the system's.
    pub fn from_env() -> Result<Clock, ClockError> {
        match std::env::var("STARLEDGER_NOW") {
            Ok(text) if !text.trim().is_empty() => Clock::parse(&text),
            _ => Ok(Clock::System),
        }
    }

    pub fn now(self) -> Timestamp {
        match self {
            Clock::System => Timestamp::now(),
            Clock::Shifted(by) => Timestamp::now().saturating_add(by).unwrap_or(Timestamp::MAX),
            Clock::Fixed(at) => at,
        }
    }

    pub fn is_system(self) -> bool {
        self == Clock::System
    }
}

static PROCESS: OnceLock<Clock> = OnceLock::new();

tokio::task_local! {
    static TASK: Clock;
}

/// Sets the process's clock, once, before anything asks the time.
pub fn install(clock: Clock) {
    let _ = PROCESS.set(clock);
    starledger_store::use_clock(stamp);
}

/// The moment on the clock in force, for the store's own stamps.
fn stamp() -> Timestamp {
    current().now()
}

/// The clock in force here: the task's, else the process's, else the system's.
pub fn current() -> Clock {
    TASK.try_with(|clock| *clock).unwrap_or_else(|_| PROCESS.get().copied().unwrap_or(Clock::System))
}

/// Runs `work` with `clock` as the time of everything it asks.
pub async fn scope<F: std::future::Future>(clock: Clock, work: F) -> F::Output {
    starledger_store::use_clock(stamp);
    TASK.scope(clock, work).await
}

/// Whole seconds since the Unix epoch, UTC.
pub fn now() -> i64 {
    current().now().as_second()
}

/// Today's date in China.
pub fn today() -> jiff::civil::Date {
    current().now().to_zoned(china()).date()
}

/// The day a moment (Unix seconds) falls on in China; `None` for a moment
/// outside the calendar's range.
pub fn day_of(seconds: i64) -> Option<jiff::civil::Date> {
    Timestamp::from_second(seconds).ok().map(|t| t.to_zoned(china()).date())
}

/// Unix seconds as people read them here: `2026-03-08 09:30`.
pub fn local(seconds: i64) -> String {
    Timestamp::from_second(seconds)
        .map(|t| t.to_zoned(china()).strftime("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_scoped_clock_is_what_the_task_reads() {
        let eve = Clock::parse("2026-12-31T23:30:00+08:00!").unwrap();
        let day = scope(eve, async { today() }).await;
        assert_eq!(day, jiff::civil::date(2026, 12, 31));
        // 23:30 in China is 15:30 UTC, the same day.
        assert_eq!(scope(eve, async { now() }).await, 1_798_731_000);
        let running = Clock::parse("2028-02-29T15:59:00Z").unwrap();
        let day = scope(running, async { today() }).await;
        assert_eq!(day, jiff::civil::date(2028, 2, 29), "15:59 UTC is 23:59 in China");
    }

    #[test]
    fn bad_moments_are_named() {
        assert!(Clock::parse("tomorrow").unwrap_err().to_string().contains("tomorrow"));
    }
}
