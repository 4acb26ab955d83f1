//! Today's date in China, and the rating year that is current.
//!
//! The helpers take the caller's connection rather than the store: a handler
//! that held one connection while asking the pool for another could starve
//! the pool under load.

use jiff::civil::Date;
use starledger_domain::org::{CommunityId, Year};
use starledger_store::{OrgQueries, Period, StoreError};

pub use starledger_app::clock::{china, today};

/// Unix seconds as people read them here: `2026-03-08 09:30`.
pub fn local(seconds: i64) -> String {
    jiff::Timestamp::from_second(seconds)
        .map(|t| t.to_zoned(china()).strftime("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// The day a moment (Unix seconds) falls on, in China.
pub fn day_of(seconds: i64) -> Result<Date, crate::error::WebError> {
    jiff::Timestamp::from_second(seconds)
        .map(|t| t.to_zoned(china()).date())
        .map_err(|e| crate::error::WebError::Internal(format!("time {seconds}: {e}")))
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

/// The year's points as members may see them: while a household-rating
/// window is running, a member's ratings in it count in what a member sees
/// (standings, their record, the home page) only once there are three; the
/// rating that is published counts them all once the window closes. The
/// committee and the auditor, who see the ratings' counts anyway, see the
/// totals whole.
pub async fn visible_scored<Q: starledger_store::LedgerQueries>(
    reader: &mut Q,
    viewer: &crate::session::SignedIn,
    period: &Period,
) -> Result<Vec<starledger_domain::rating::Scored>, StoreError> {
    use starledger_domain::org::Role;
    let community = viewer.account.community_id;
    use starledger_domain::linking::RatingWindow;
    use starledger_domain::rulebook::RuleSource;
    let scored = reader.year_scored(community, period.year).await?;
    let today = today();
    if Year::of(today) != period.year || matches!(viewer.account.role, Role::Committee | Role::Auditor) {
        return Ok(scored);
    }
    let rulebook = &period.rulebook;
    let rules: Vec<String> =
        rulebook.rules.values().filter(|r| r.source == RuleSource::Household).map(|r| r.key.clone()).collect();
    let window = RatingWindow::containing(today, &rulebook.linking);
    let running = reader
        .window_ratings(community, period.year, &rules, &window.starts_on.to_string(), &window.ends_on.to_string())
        .await?;
    Ok(starledger_domain::rating::withhold_thin_window(&scored, &running))
}
