//! Today's date in China, and the rating year that is current.
//!
//! The helpers take the caller's connection rather than the store: a handler
//! that held one connection while asking the pool for another could starve
//! the pool under load.

use jiff::civil::Date;
use jiff::tz::{Offset, TimeZone};
use starledger_domain::org::{CommunityId, Year};
use starledger_store::{OrgQueries, Period, StoreError};

/// China Standard Time has no daylight saving; a fixed +08:00 is exact.
pub fn today() -> Date {
    jiff::Timestamp::now().to_zoned(TimeZone::fixed(Offset::constant(8))).date()
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

/// The year asked for in a query string, or the current one.
pub async fn chosen_period(
    reader: &mut impl OrgQueries,
    community: CommunityId,
    year: Option<i64>,
) -> Result<Option<Period>, StoreError> {
    match year.and_then(|y| Year::new(y).ok()) {
        Some(year) => reader.period(community, year).await,
        None => current_period(reader, community).await,
    }
}
