//! The aggregates the charts are drawn from: a year's points per member and
//! month, how many members took part each month, and the households'
//! ratings per day. Each query reads one community's year, grouped in SQL
//! (rows per member and month, not per entry); the application keeps what
//! they answer under the community's revision, so a page does not repeat
//! them while nothing changed.

use crate::error::Classify;
use crate::{Queries, Result};
use starledger_domain::org::{CommunityId, MemberId, Year};
use starledger_domain::points::Points;

/// Household ratings of one running window, left out of the monthly sums
/// (a member's page must not show them before the window has three).
#[derive(Clone, Debug)]
pub struct LeaveOut<'a> {
    pub rules: &'a [String],
    pub from: String,
    pub until: String,
}

/// Members who took part in a month, by how.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MonthTakingPart {
    pub month: u8,
    /// Members with an attendance entry that earned points and stands.
    pub attending: u32,
    /// Members with a volunteer-service entry that earned points and stands.
    pub serving: u32,
}

/// An entry that earned points and was not reversed (a reversal points at it).
const STANDS: &str = "e.points_tenths > 0 AND e.reverses_entry_id IS NULL AND NOT EXISTS \
     (SELECT 1 FROM ledger_entries r WHERE r.community_id = e.community_id AND r.reverses_entry_id = e.id)";

fn month_of(text: &str) -> u8 {
    text.parse().unwrap_or(0)
}

#[allow(async_fn_in_trait)]
pub trait FigureQueries: Queries {
    /// Each member's points per month of the year (1 to 12), net of
    /// reversals, without the household ratings of `leave_out`.
    async fn member_months(
        &mut self,
        community: CommunityId,
        year: Year,
        leave_out: Option<LeaveOut<'_>>,
    ) -> Result<Vec<(MemberId, u8, Points)>> {
        let (conn, location) = self.parts();
        let leave_out = leave_out.filter(|l| !l.rules.is_empty());
        let clause = match &leave_out {
            Some(l) => {
                let placeholders: Vec<String> = (0..l.rules.len()).map(|i| format!("${}", i + 5)).collect();
                format!(
                    "AND NOT (e.occurred_on >= date($3) AND e.occurred_on <= date($4) AND e.rule_key IN ({}))",
                    placeholders.join(", ")
                )
            }
            None => String::new(),
        };
        let sql = format!(
            "SELECT e.member_id, substr(CAST(e.occurred_on AS TEXT), 6, 2) AS month, CAST(SUM(e.points_tenths) AS BIGINT) \
             FROM ledger_entries e WHERE e.community_id = $1 AND e.year = $2 {clause} \
             GROUP BY e.member_id, substr(CAST(e.occurred_on AS TEXT), 6, 2) ORDER BY e.member_id, month"
        );
        let mut query = sqlx::query_as::<_, (MemberId, String, i64)>(&sql).bind(community).bind(i64::from(year.get()));
        if let Some(l) = &leave_out {
            query = query.bind(l.from.clone()).bind(l.until.clone());
            for rule in l.rules {
                query = query.bind(rule.clone());
            }
        }
        let rows = query.fetch_all(conn).await.at(location)?;
        Ok(rows
            .into_iter()
            .map(|(member, month, tenths)| (member, month_of(&month), Points::from_tenths(tenths)))
            .collect())
    }

    /// How many members attended a meeting and how many served, per month.
    async fn taking_part(&mut self, community: CommunityId, year: Year) -> Result<Vec<MonthTakingPart>> {
        let (conn, location) = self.parts();
        let sql = format!(
            "SELECT substr(CAST(e.occurred_on AS TEXT), 6, 2) AS month, e.source_kind, CAST(COUNT(DISTINCT e.member_id) AS BIGINT) \
             FROM ledger_entries e WHERE e.community_id = $1 AND e.year = $2 \
             AND e.source_kind IN ('attendance', 'activity') AND {STANDS} \
             GROUP BY substr(CAST(e.occurred_on AS TEXT), 6, 2), e.source_kind ORDER BY month"
        );
        let rows: Vec<(String, String, i64)> =
            sqlx::query_as(&sql).bind(community).bind(i64::from(year.get())).fetch_all(conn).await.at(location)?;
        let mut months: Vec<MonthTakingPart> = Vec::new();
        for (month, kind, members) in rows {
            let month = month_of(&month);
            if months.last().is_none_or(|m| m.month != month) {
                months.push(MonthTakingPart { month, ..Default::default() });
            }
            let last = months.last_mut().expect("pushed");
            let members = u32::try_from(members).unwrap_or(0);
            if kind == "attendance" {
                last.attending = members;
            } else {
                last.serving = members;
            }
        }
        Ok(months)
    }

    /// Household ratings per day and rule, net of reversals.
    async fn ratings_by_day(
        &mut self,
        community: CommunityId,
        year: Year,
        rules: &[String],
    ) -> Result<Vec<(String, String, i64)>> {
        if rules.is_empty() {
            return Ok(Vec::new());
        }
        let (conn, location) = self.parts();
        let placeholders: Vec<String> = (0..rules.len()).map(|i| format!("${}", i + 3)).collect();
        let sql = format!(
            "SELECT CAST(occurred_on AS TEXT), rule_key, CAST(SUM(CASE WHEN reverses_entry_id IS NULL THEN 1 ELSE -1 END) AS BIGINT) \
             FROM ledger_entries WHERE community_id = $1 AND year = $2 AND rule_key IN ({}) \
             GROUP BY occurred_on, rule_key ORDER BY occurred_on, rule_key",
            placeholders.join(", ")
        );
        let mut query = sqlx::query_as::<_, (String, String, i64)>(&sql).bind(community).bind(i64::from(year.get()));
        for rule in rules {
            query = query.bind(rule.clone());
        }
        query.fetch_all(conn).await.at(location)
    }
}

impl<T: Queries> FigureQueries for T {}
