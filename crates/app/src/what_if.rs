//! "What if": a year's ledger replayed under a proposed rulebook, beside the
//! year's own result, so a committee sees who a rule change would move
//! between star levels, and why, before it adopts the rulebook for a coming
//! year. It only reads; the rules of the replay are in
//! [`starledger_domain::what_if`] and `docs/rating.md`.

use crate::AppResult;
use starledger_domain::org::{CommunityId, Year};
use starledger_domain::rating::{Rating, rate};
use starledger_domain::rulebook::Rulebook;
use starledger_domain::what_if::{Comparison, RuleChange, changes, compare, reprice};
use starledger_store::{LedgerQueries, NoticeQueries, OrgQueries};
use std::collections::BTreeMap;

/// The year under its own rulebook and under the proposed one.
#[derive(Debug)]
pub struct WhatIf {
    pub year: Year,
    pub current: Rulebook,
    pub proposed: Rulebook,
    /// What the proposed rulebook changes in what a rating counts.
    pub changes: Vec<RuleChange>,
    /// Rules the proposed rulebook lacks, with their entries (net of
    /// reversals) in the year: those points count nowhere.
    pub dropped: BTreeMap<String, i64>,
    /// The year's rating as the ledger gives it today (not the finalized
    /// round: the comparison is between two rulebooks over the same ledger).
    pub before: Rating,
    pub after: Rating,
    pub comparison: Comparison,
}

/// Replays `year` under `proposed`. Writes nothing.
pub async fn what_if<Q>(q: &mut Q, community: CommunityId, year: Year, proposed: Rulebook) -> AppResult<WhatIf>
where
    Q: LedgerQueries + OrgQueries + NoticeQueries,
{
    let period = q.period(community, year).await?.ok_or_else(|| {
        crate::error::invalid(
            format!("{year} 没有评定年度。"),
            format!("{year} has no rating year; see `starledger period list`"),
        )
    })?;
    let roll = q.year_roll(community, year).await?;
    let before = rate(year, &period.rulebook, &roll, &q.year_scored(community, year).await?);
    let months = q.year_rule_months(community, year).await?;
    let replay = reprice(&period.rulebook, &proposed, &months);
    let after = rate(year, &proposed, &roll, &replay.scored);
    let comparison = compare(&before, &after);
    Ok(WhatIf {
        year,
        changes: changes(&period.rulebook, &proposed),
        dropped: replay.dropped,
        current: period.rulebook,
        proposed,
        before,
        after,
        comparison,
    })
}
