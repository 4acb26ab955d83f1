//! What the spreadsheets read out of a year (a period's ledger, meetings and
//! volunteer activities without the pages' limits), and the opening
//! balances a community brings from paper: past years' points per member
//! and category, kept beside the ledger and never in it.

use crate::activities::Activity;
use crate::error::Classify;
use crate::meetings::Meeting;
use crate::rows::{ENTRY_COLUMNS, EntryRow};
use crate::{Queries, Result, WriteTx};
use starledger_domain::ledger::Entry;
use starledger_domain::org::{CommunityId, MemberId, Year};
use starledger_domain::points::Points;

/// One member's points of a past year under one category of the old sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpeningBalance {
    pub member_id: MemberId,
    pub year: i64,
    /// The category as the imported sheet named it; the year's total is `总分`.
    pub category: String,
    pub points: Points,
}

/// The category under which an opening balance keeps the year's total.
pub const OPENING_TOTAL: &str = "总分";

#[allow(async_fn_in_trait)]
pub trait ExportQueries: Queries {
    /// Every entry of a community's year, in chain order, with its words.
    async fn year_entries(&mut self, community: CommunityId, year: Year) -> Result<Vec<Entry>> {
        let (conn, location) = self.parts();
        let sql =
            format!("SELECT {ENTRY_COLUMNS} FROM ledger_entries WHERE community_id = $1 AND year = $2 ORDER BY id");
        let rows: Vec<EntryRow> = sqlx::query_as(&location.sql(&sql))
            .bind(community)
            .bind(i64::from(year.get()))
            .fetch_all(conn)
            .await
            .at(location)?;
        rows.into_iter().map(EntryRow::into_entry).collect()
    }

    /// Meetings starting in `[from, to)` (Unix seconds), oldest first, all of them.
    async fn meetings_between(&mut self, community: CommunityId, from: i64, to: i64) -> Result<Vec<Meeting>> {
        let (conn, location) = self.parts();
        let sql = "SELECT g.id, g.community_id, g.branch_id, b.name AS branch, g.party_group_id, g.rule_key, g.title, \
             g.place, unix_seconds(g.starts_at) AS starts_at, g.checkin_token, g.created_by, \
             unix_seconds(g.closed_at) AS closed_at FROM meetings g \
             JOIN branches b ON b.id = g.branch_id \
             WHERE g.community_id = $1 AND g.starts_at >= to_timestamp($2) AND g.starts_at < to_timestamp($3) ORDER BY g.starts_at, g.id";
        sqlx::query_as(&location.sql(sql)).bind(community).bind(from).bind(to).fetch_all(conn).await.at(location)
    }

    /// Activities starting in `[from, to)`, oldest first, all of them.
    async fn activities_between(&mut self, community: CommunityId, from: i64, to: i64) -> Result<Vec<Activity>> {
        let (conn, location) = self.parts();
        sqlx::query_as(&location.sql(
            "SELECT id, community_id, rule_key, title, place, unix_seconds(starts_at) AS starts_at, \
             unix_seconds(ends_at) AS ends_at, slots, checkin_token, created_by FROM activities \
             WHERE community_id = $1 AND starts_at >= to_timestamp($2) AND starts_at < to_timestamp($3) \
             ORDER BY starts_at, id",
        ))
        .bind(community)
        .bind(from)
        .bind(to)
        .fetch_all(conn)
        .await
        .at(location)
    }

    /// The community's opening balances, by member, year and category.
    async fn opening_balances(&mut self, community: CommunityId) -> Result<Vec<OpeningBalance>> {
        let (conn, location) = self.parts();
        let rows: Vec<(MemberId, i64, String, i64)> = sqlx::query_as(
            "SELECT member_id, year, category, points_tenths FROM opening_balances WHERE community_id = $1 \
             ORDER BY member_id, year, category",
        )
        .bind(community)
        .fetch_all(conn)
        .await
        .at(location)?;
        Ok(rows
            .into_iter()
            .map(|(member_id, year, category, tenths)| OpeningBalance {
                member_id,
                year,
                category,
                points: Points::from_tenths(tenths),
            })
            .collect())
    }

    /// The stars imported for past years: (member, year, stars).
    async fn imported_honours(&mut self, community: CommunityId) -> Result<Vec<(MemberId, i64, i64)>> {
        let (conn, location) = self.parts();
        sqlx::query_as(
            "SELECT member_id, year, stars FROM honours WHERE community_id = $1 AND source = 'imported' \
             ORDER BY member_id, year",
        )
        .bind(community)
        .fetch_all(conn)
        .await
        .at(location)
    }
}

impl<T: Queries> ExportQueries for T {}

impl WriteTx {
    /// Sets one opening balance (a second import of the same row writes the same value).
    pub async fn set_opening_balance(
        &mut self,
        community: CommunityId,
        balance: &OpeningBalance,
        source: &str,
        at: i64,
    ) -> Result<()> {
        let location = self.location.clone();
        let updated = sqlx::query(&self.location.sql(
            "UPDATE opening_balances SET points_tenths = $1, source = $2, imported_at = to_timestamp($3) \
             WHERE community_id = $4 AND member_id = $5 AND year = $6 AND category = $7",
        ))
        .bind(balance.points.tenths())
        .bind(source)
        .bind(at)
        .bind(community)
        .bind(balance.member_id)
        .bind(balance.year)
        .bind(&balance.category)
        .execute(&mut *self.tx)
        .await
        .at(&location)?;
        if updated.rows_affected() == 0 {
            sqlx::query(&self.location.sql(
                "INSERT INTO opening_balances (community_id, member_id, year, category, points_tenths, source, \
                 imported_at) VALUES ($1, $2, $3, $4, $5, $6, to_timestamp($7))",
            ))
            .bind(community)
            .bind(balance.member_id)
            .bind(balance.year)
            .bind(&balance.category)
            .bind(balance.points.tenths())
            .bind(source)
            .bind(at)
            .execute(&mut *self.tx)
            .await
            .at(&location)?;
        }
        Ok(())
    }

    /// Sets a past year's imported stars for a member (an imported row is
    /// replaced; a year rated by starledger is never one that is imported).
    pub async fn set_imported_honour(
        &mut self,
        community: CommunityId,
        member: MemberId,
        year: i64,
        stars: u8,
        note: &str,
    ) -> Result<()> {
        let location = self.location.clone();
        sqlx::query("DELETE FROM honours WHERE member_id = $1 AND year = $2 AND source = 'imported'")
            .bind(member)
            .bind(year)
            .execute(&mut *self.tx)
            .await
            .at(&location)?;
        sqlx::query(
            "INSERT INTO honours (community_id, member_id, year, stars, source, note) VALUES ($1, $2, $3, $4, 'imported', $5)",
        )
        .bind(community)
        .bind(member)
        .bind(year)
        .bind(i64::from(stars))
        .bind(note)
        .execute(&mut *self.tx)
        .await
        .at(&location)?;
        Ok(())
    }
}
