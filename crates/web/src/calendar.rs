//! Today's date in China, and the rating year that is current.
//!
//! The helpers take the caller's connection rather than the store: a handler
//! that held one connection while asking the pool for another could starve
//! the pool under load.

use jiff::civil::Date;
use starledger_domain::org::{CommunityId, Year};
use starledger_store::{OrgQueries, Period, StoreError};

pub use starledger_app::clock::{china, today};

pub use starledger_app::clock::local;

/// The day a moment (Unix seconds) falls on, in China.
pub fn day_of(seconds: i64) -> Result<Date, crate::error::WebError> {
    starledger_app::clock::day_of(seconds)
        .ok_or_else(|| crate::error::WebError::Internal(format!("time {seconds} is outside the calendar")))
}

/// Whether `year` is still running (this year or later): its points are
/// still coming, so its ranks and stars are only where things stand.
pub fn is_running(year: Year) -> bool {
    year >= Year::of(today())
}

/// This year's period if it was opened, otherwise the latest one.
pub async fn current_period(
    reader: &mut impl OrgQueries,
    community: CommunityId,
) -> Result<Option<Period>, StoreError> {
    let this_year = Year::of(today());
    if let Some(period) = reader.period(community, this_year).await? {
        return Ok(Some(period));
    }
    match reader.period_years(community).await?.last() {
        Some(year) => reader.period(community, *year).await,
        None => Ok(None),
    }
}

/// The year a page about results shows: the one asked for, if it has a
/// period, else the latest year that is over (the one whose results can be
/// published), else the latest.
pub fn chosen_past_year(years: &[Year], asked: Option<i64>) -> Option<Year> {
    match asked {
        Some(asked) => Year::new(asked).ok().filter(|y| years.contains(y)),
        None => years.iter().rev().find(|y| **y < Year::of(today())).or(years.last()).copied(),
    }
}

/// The year asked for in a query string if it has a period, or else (none
/// asked) this year's if it was opened, otherwise the latest; from the
/// community's period years, so no rulebook is read to choose.
pub fn chosen_year(years: &[Year], asked: Option<i64>) -> Option<Year> {
    match asked {
        Some(asked) => Year::new(asked).ok().filter(|y| years.contains(y)),
        None => {
            let this_year = Year::of(today());
            years.contains(&this_year).then_some(this_year).or_else(|| years.last().copied())
        }
    }
}
