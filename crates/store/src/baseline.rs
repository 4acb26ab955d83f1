//! Plain-SQL figures for benchmarks: what a database does with no rules at
//! all, measured beside the product on the same data (`starledger bench`).
//! Nothing here serves a page or a decision.

use crate::error::Classify;
use crate::{Queries, Result};

/// How big a database is, in the rows that drive the cost of a rating.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Census {
    pub communities: i64,
    pub members: i64,
    pub households: i64,
    pub entries: i64,
}

#[allow(async_fn_in_trait)]
pub trait BaselineQueries: Queries {
    async fn census(&mut self) -> Result<Census> {
        let (conn, location) = self.parts();
        let row: (i64, i64, i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM communities), (SELECT COUNT(*) FROM members), \
             (SELECT COUNT(*) FROM households), (SELECT COUNT(*) FROM ledger_entries)",
        )
        .fetch_one(conn)
        .await
        .at(location)?;
        Ok(Census { communities: row.0, members: row.1, households: row.2, entries: row.3 })
    }

    /// The baseline of a year's rating: each member's points summed and
    /// ranked within their community, every community in one statement —
    /// no caps, credits, vetoes, eligibility or tie-breaks. Rows read back
    /// (community, member, total in tenths, rank), as a page would.
    async fn plain_ranking(&mut self, year: i64) -> Result<Vec<(i64, i64, i64, i64)>> {
        let (conn, location) = self.parts();
        sqlx::query_as(
            "SELECT community_id, member_id, total, CAST(RANK() OVER (PARTITION BY community_id ORDER BY total DESC) AS BIGINT) \
             FROM (SELECT community_id, member_id, CAST(SUM(points_tenths) AS BIGINT) AS total FROM ledger_entries \
                   WHERE year = $1 GROUP BY community_id, member_id) AS sums \
             ORDER BY community_id, 4",
        )
        .bind(year)
        .fetch_all(conn)
        .await
        .at(location)
    }

    /// A scratch table for the write baseline: one integer column, nothing
    /// refers to it. Dropped by [`BaselineQueries::drop_scratch`] when the
    /// bench ends; `IF NOT EXISTS` lets a bench that was killed run again.
    async fn create_scratch(&mut self) -> Result<()> {
        let (conn, location) = self.parts();
        sqlx::query("CREATE TABLE IF NOT EXISTS bench_scratch (n BIGINT NOT NULL)").execute(conn).await.at(location)?;
        Ok(())
    }

    /// The baseline of a write: one row, as a client of the database would
    /// write it in its own transaction (the caller's).
    async fn insert_scratch(&mut self, n: i64) -> Result<()> {
        let (conn, location) = self.parts();
        sqlx::query("INSERT INTO bench_scratch (n) VALUES ($1)").bind(n).execute(conn).await.at(location)?;
        Ok(())
    }

    async fn drop_scratch(&mut self) -> Result<()> {
        let (conn, location) = self.parts();
        sqlx::query("DROP TABLE IF EXISTS bench_scratch").execute(conn).await.at(location)?;
        Ok(())
    }

    /// The years that hold entries, oldest first.
    async fn years_with_entries(&mut self) -> Result<Vec<i64>> {
        let (conn, location) = self.parts();
        sqlx::query_scalar("SELECT DISTINCT year FROM ledger_entries ORDER BY year").fetch_all(conn).await.at(location)
    }
}

impl<T: Queries> BaselineQueries for T {}
