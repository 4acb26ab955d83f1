//! The organization tree above the community, the accounts that oversee a
//! region, and the pre-aggregated figures those accounts read. A region's
//! queries read `community_year_stats` and `branch_year_stats` only: the
//! figures are computed from one community's own rows at a time, so that no
//! query joins the rows of different communities (and a sharded deployment
//! never needs a cross-shard join for them).

use crate::error::Classify;
use crate::ledger::LedgerQueries;
use crate::notices::NoticeQueries;
use crate::org::{Community, OrgQueries, unique_to_conflict};
use crate::rows::OVERSEER_ROLE;
use crate::{Queries, Result, StoreError, WriteTx, now_text};
use starledger_domain::org::{AccountId, BranchId, CommunityId, MemberId, Year};
use starledger_domain::oversight::{RuleCount, Summary, YearSummary, summarize};
use starledger_domain::rating::rate;
use starledger_domain::regions::{Overseer, Region, RegionId, RegionLevel, RegionPath, RegionTree};
use std::collections::HashMap;

/// A community with where it stands in the tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlacedCommunity {
    pub id: CommunityId,
    pub name: String,
    pub region_id: Option<RegionId>,
}

/// One community's figures for a year, as a region reads them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommunityStats {
    pub community_id: CommunityId,
    pub community: String,
    /// The region the community sits in directly (its street or town).
    pub region_id: RegionId,
    pub summary: Summary,
    /// The stars are those finalized after public notice.
    pub is_final: bool,
    pub computed_at: i64,
}

/// One branch's figures for a year, as a region reads them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BranchStats {
    pub community_id: CommunityId,
    pub community: String,
    pub branch_id: BranchId,
    pub branch: String,
    pub summary: Summary,
    pub is_final: bool,
}

const SUMMARY_COLUMNS: &str = "s.members, s.eligible, s.serving, s.satisfied, s.basically_satisfied, \
     s.not_satisfied, s.five_star, s.four_star, s.three_star, s.below_three, s.points_p10, s.points_p50, \
     s.points_p90, s.final";

#[derive(sqlx::FromRow)]
struct SummaryRow {
    members: i64,
    eligible: i64,
    serving: i64,
    satisfied: i64,
    basically_satisfied: i64,
    not_satisfied: i64,
    five_star: i64,
    four_star: i64,
    three_star: i64,
    below_three: i64,
    points_p10: Option<i64>,
    points_p50: Option<i64>,
    points_p90: Option<i64>,
    #[sqlx(try_from = "crate::rows::Flag")]
    r#final: bool,
}

impl SummaryRow {
    fn summary(&self) -> Summary {
        let count = |value: i64| u32::try_from(value).unwrap_or(0);
        Summary {
            members: count(self.members),
            eligible: count(self.eligible),
            serving: count(self.serving),
            satisfied: count(self.satisfied),
            basically_satisfied: count(self.basically_satisfied),
            not_satisfied: count(self.not_satisfied),
            five_star: count(self.five_star),
            four_star: count(self.four_star),
            three_star: count(self.three_star),
            below_three: count(self.below_three),
            points_p10: self.points_p10,
            points_p50: self.points_p50,
            points_p90: self.points_p90,
        }
    }
}

#[derive(sqlx::FromRow)]
struct CommunityStatsRow {
    community_id: CommunityId,
    community: String,
    region_id: RegionId,
    computed_at: i64,
    #[sqlx(flatten)]
    summary: SummaryRow,
}

#[derive(sqlx::FromRow)]
struct BranchStatsRow {
    community_id: CommunityId,
    community: String,
    branch_id: BranchId,
    branch: String,
    #[sqlx(flatten)]
    summary: SummaryRow,
}

fn level(text: &str) -> Result<RegionLevel> {
    text.parse().map_err(|e| StoreError::Corrupt(format!("region level: {e}")))
}

#[allow(async_fn_in_trait)]
pub trait RegionQueries: Queries {
    /// The whole tree.
    async fn regions(&mut self) -> Result<RegionTree> {
        let (conn, location) = self.parts();
        let rows: Vec<(RegionId, Option<RegionId>, String, String)> =
            sqlx::query_as("SELECT id, parent_id, level, name FROM regions ORDER BY id")
                .fetch_all(conn)
                .await
                .at(location)?;
        let regions = rows
            .into_iter()
            .map(|(id, parent_id, lvl, name)| Ok(Region { id, parent_id, level: level(&lvl)?, name }))
            .collect::<Result<Vec<_>>>()?;
        Ok(RegionTree::new(regions))
    }

    /// Every community, with its place in the tree.
    async fn placed_communities(&mut self) -> Result<Vec<PlacedCommunity>> {
        let (conn, location) = self.parts();
        let rows: Vec<(CommunityId, String, Option<RegionId>)> =
            sqlx::query_as("SELECT id, name, region_id FROM communities ORDER BY id")
                .fetch_all(conn)
                .await
                .at(location)?;
        Ok(rows.into_iter().map(|(id, name, region_id)| PlacedCommunity { id, name, region_id }).collect())
    }

    async fn community_named(&mut self, name: &str) -> Result<Option<Community>> {
        let (conn, location) = self.parts();
        let row: Option<(CommunityId, String)> = sqlx::query_as("SELECT id, name FROM communities WHERE name = $1")
            .bind(name)
            .fetch_optional(conn)
            .await
            .at(location)?;
        Ok(row.map(|(id, name)| Community { id, name }))
    }

    /// The overseers of every region.
    async fn overseers(&mut self) -> Result<Vec<Overseer>> {
        let (conn, location) = self.parts();
        let rows: Vec<(AccountId, RegionId, String, String)> = sqlx::query_as(
            "SELECT id, region_id, login, name FROM accounts WHERE role = $1 AND region_id IS NOT NULL ORDER BY id",
        )
        .bind(OVERSEER_ROLE)
        .fetch_all(conn)
        .await
        .at(location)?;
        Ok(rows.into_iter().map(|(id, region_id, login, name)| Overseer { id, region_id, login, name }).collect())
    }

    /// The years with figures for any community in these regions (a
    /// region's subtree), newest first, each with whether any community's
    /// stars in it are final.
    async fn stats_years(&mut self, regions: &[RegionId]) -> Result<Vec<(i64, bool)>> {
        let (conn, location) = self.parts();
        let sql = format!(
            "SELECT s.year, CAST(MAX(CASE WHEN s.final THEN 1 ELSE 0 END) AS BIGINT) FROM community_year_stats s \
             JOIN communities c ON c.id = s.community_id \
             WHERE c.region_id IN ({}) GROUP BY s.year ORDER BY s.year DESC",
            id_list(regions)
        );
        let rows: Vec<(i64, i64)> = sqlx::query_as(&sql).fetch_all(conn).await.at(location)?;
        Ok(rows.into_iter().map(|(year, any_final)| (year, any_final == 1)).collect())
    }

    /// Each community's figures for a year, for every community in these regions.
    async fn community_stats(&mut self, regions: &[RegionId], year: i64) -> Result<Vec<CommunityStats>> {
        let (conn, location) = self.parts();
        let sql = format!(
            "SELECT s.community_id, c.name AS community, c.region_id, unix_seconds(s.computed_at) AS computed_at, {SUMMARY_COLUMNS} \
             FROM community_year_stats s JOIN communities c ON c.id = s.community_id \
             WHERE s.year = $1 AND c.region_id IN ({}) ORDER BY c.name",
            id_list(regions)
        );
        let rows: Vec<CommunityStatsRow> =
            sqlx::query_as(&location.sql(&sql)).bind(year).fetch_all(conn).await.at(location)?;
        Ok(rows
            .into_iter()
            .map(|row| CommunityStats {
                community_id: row.community_id,
                community: row.community,
                region_id: row.region_id,
                summary: row.summary.summary(),
                is_final: row.summary.r#final,
                computed_at: row.computed_at,
            })
            .collect())
    }

    /// Each branch's figures for a year, for every community in these regions.
    async fn branch_stats(&mut self, regions: &[RegionId], year: i64) -> Result<Vec<BranchStats>> {
        let (conn, location) = self.parts();
        let sql = format!(
            "SELECT s.community_id, c.name AS community, s.branch_id, b.name AS branch, {SUMMARY_COLUMNS} \
             FROM branch_year_stats s JOIN communities c ON c.id = s.community_id \
             JOIN branches b ON b.id = s.branch_id \
             WHERE s.year = $1 AND c.region_id IN ({}) ORDER BY c.name, b.name",
            id_list(regions)
        );
        let rows: Vec<BranchStatsRow> = sqlx::query_as(&sql).bind(year).fetch_all(conn).await.at(location)?;
        Ok(rows
            .into_iter()
            .map(|row| BranchStats {
                community_id: row.community_id,
                community: row.community,
                branch_id: row.branch_id,
                branch: row.branch,
                summary: row.summary.summary(),
                is_final: row.summary.r#final,
            })
            .collect())
    }

    /// Communities whose ledger has moved on since their figures were
    /// computed, or that have a year without figures.
    async fn stale_communities(&mut self) -> Result<Vec<CommunityId>> {
        let (conn, location) = self.parts();
        sqlx::query_scalar(
            "SELECT c.id FROM communities c \
             WHERE EXISTS (SELECT 1 FROM periods p WHERE p.community_id = c.id AND NOT EXISTS \
                 (SELECT 1 FROM community_year_stats s WHERE s.community_id = c.id AND s.year = p.year)) \
                OR (SELECT MAX(id) FROM ledger_entries e WHERE e.community_id = c.id) > \
                   (SELECT MIN(through_entry) FROM community_year_stats s WHERE s.community_id = c.id) \
             ORDER BY c.id",
        )
        .fetch_all(conn)
        .await
        .at(location)
    }

    /// A community's figures for every year it has, computed from its own
    /// rows as this reader sees them (a snapshot reads them all at once).
    async fn community_figures(&mut self, community: CommunityId) -> Result<CommunityFigures>
    where
        Self: Sized,
    {
        let (conn, location) = self.parts();
        let through: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM ledger_entries WHERE community_id = $1",
        )
        .bind(community)
        .fetch_one(conn)
        .await
        .at(location)?;
        let mut years = Vec::new();
        for year in self.period_years(community).await? {
            let period = self.period(community, year).await?.ok_or_else(|| StoreError::not_found("period", year))?;
            let scored = self.year_scored(community, year).await?;
            let roll = self.year_roll(community, year).await?;
            let rating = rate(year, &period.rulebook, &roll, &scored);
            let counts = self.rule_counts(community, year).await?;
            let finals: Option<HashMap<MemberId, u8>> = self
                .final_stars(community, i64::from(year.get()))
                .await?
                .map(|stars| stars.into_iter().map(|s| (s.member_id, u8::try_from(s.stars).unwrap_or(0))).collect());
            let summary = summarize(&rating, &period.rulebook, &roll, &counts, finals.as_ref());
            years.push((summary, finals.is_some()));
        }
        Ok(CommunityFigures { community, through, years })
    }

    /// Entries per member and rule in a year, net of reversals.
    async fn rule_counts(&mut self, community: CommunityId, year: Year) -> Result<Vec<RuleCount>> {
        let (conn, location) = self.parts();
        let rows: Vec<(MemberId, String, i64)> = sqlx::query_as(
            // From the projection: members × rules rows, not the year's entries.
            "SELECT member_id, rule_key, CAST(SUM(net_entries) AS BIGINT) \
             FROM member_rule_totals WHERE community_id = $1 AND year = $2 GROUP BY member_id, rule_key",
        )
        .bind(community)
        .bind(i64::from(year.get()))
        .fetch_all(conn)
        .await
        .at(location)?;
        Ok(rows.into_iter().map(|(member_id, rule_key, count)| RuleCount { member_id, rule_key, count }).collect())
    }
}

impl<T: Queries> RegionQueries for T {}

/// One community's figures, computed and not yet stored.
#[derive(Clone, Debug)]
pub struct CommunityFigures {
    pub community: CommunityId,
    /// The last ledger entry they count.
    pub through: i64,
    /// Each year's summary, and whether the year is finalized.
    pub years: Vec<(YearSummary, bool)>,
}

/// Ids are numbers from the database, so listing them inline is safe; it
/// keeps one query shape for both backends.
fn id_list(ids: &[RegionId]) -> String {
    ids.iter().map(RegionId::to_string).collect::<Vec<_>>().join(", ")
}

impl WriteTx {
    /// The region a path names, creating the levels that do not exist yet.
    pub async fn ensure_region(&mut self, path: &RegionPath) -> Result<RegionId> {
        let mut parent: Option<RegionId> = None;
        for (depth, name) in path.names().iter().enumerate() {
            let level = RegionLevel::at_depth(depth).expect("a parsed path has at most three levels");
            let existing: Option<(RegionId, String)> =
                sqlx::query_as("SELECT id, level FROM regions WHERE COALESCE(parent_id, 0) = $1 AND name = $2")
                    .bind(parent.map_or(0, RegionId::get))
                    .bind(name)
                    .fetch_optional(&mut *self.tx)
                    .await
                    .at(&self.location)?;
            let id = match existing {
                Some((id, _)) => id,
                None => sqlx::query_scalar(&self.location.sql(
                    "INSERT INTO regions (parent_id, level, name, created_at) VALUES ($1, $2, $3, timestamptz($4)) \
                     RETURNING id",
                ))
                .bind(parent)
                .bind(level.as_str())
                .bind(name)
                .bind(now_text())
                .fetch_one(&mut *self.tx)
                .await
                .at(&self.location)?,
            };
            parent = Some(id);
        }
        Ok(parent.expect("a parsed path names at least the city"))
    }

    /// Puts a community into a street or town of the tree.
    pub async fn place_community(&mut self, community: CommunityId, region: RegionId) -> Result<()> {
        sqlx::query("UPDATE communities SET region_id = $1 WHERE id = $2")
            .bind(region)
            .bind(community)
            .execute(&mut *self.tx)
            .await
            .at(&self.location)?;
        Ok(())
    }

    /// An account of a region's organization department.
    pub async fn add_overseer(&mut self, region: RegionId, login: &str, name: &str) -> Result<AccountId> {
        self.savepoint().await?;
        let attempt = sqlx::query_scalar(&self.location.sql(
            "INSERT INTO accounts (community_id, region_id, login, name, role, created_at) \
             VALUES (NULL, $1, $2, $3, $4, timestamptz($5)) RETURNING id",
        ))
        .bind(region)
        .bind(login)
        .bind(name)
        .bind(OVERSEER_ROLE)
        .bind(now_text())
        .fetch_one(&mut *self.tx)
        .await;
        let attempt = self.end_savepoint(attempt).await?;
        attempt.map_err(|e| unique_to_conflict(e, &self.location, format!("login \"{login}\" is taken")))
    }

    /// Recomputes one community's figures for every year it has, from its
    /// own rows only, and replaces what a region reads. Returns the years.
    pub async fn refresh_stats(&mut self, community: CommunityId, now: i64) -> Result<Vec<Year>> {
        let figures = self.community_figures(community).await?;
        self.store_figures(&figures, now).await
    }

    /// Replaces a community's figures with ones computed earlier (outside
    /// this transaction, so the community's lock is held only to write).
    /// Figures older than those stored are not written: another server
    /// computed newer ones meanwhile. Returns the years written.
    pub async fn store_figures(&mut self, figures: &CommunityFigures, now: i64) -> Result<Vec<Year>> {
        let community = figures.community;
        let stored: Option<i64> = sqlx::query_scalar(
            "SELECT CAST(MIN(through_entry) AS BIGINT) FROM community_year_stats WHERE community_id = $1",
        )
        .bind(community)
        .fetch_one(&mut *self.tx)
        .await
        .at(&self.location)?;
        if stored.is_some_and(|stored| stored > figures.through) {
            return Ok(Vec::new());
        }
        for (summary, is_final) in &figures.years {
            self.replace_stats(community, summary, *is_final, figures.through, now).await?;
        }
        Ok(figures.years.iter().map(|(summary, _)| summary.year).collect())
    }

    async fn replace_stats(
        &mut self,
        community: CommunityId,
        year: &YearSummary,
        is_final: bool,
        through: i64,
        now: i64,
    ) -> Result<()> {
        let y = i64::from(year.year.get());
        for table in ["community_year_stats", "branch_year_stats"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE community_id = $1 AND year = $2"))
                .bind(community)
                .bind(y)
                .execute(&mut *self.tx)
                .await
                .at(&self.location)?;
        }
        let columns = "members, eligible, serving, satisfied, basically_satisfied, not_satisfied, five_star, \
                       four_star, three_star, below_three, points_p10, points_p50, points_p90, final";
        let sql = format!(
            "INSERT INTO community_year_stats (community_id, year, through_entry, computed_at, {columns}) \
             VALUES ($1, $2, $3, to_timestamp($4), $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"
        );
        let sql = self.location.sql(&sql);
        let query = sqlx::query(&sql).bind(community).bind(y).bind(through).bind(now);
        bind_summary(query, &year.community, is_final).execute(&mut *self.tx).await.at(&self.location)?;
        let sql = format!(
            "INSERT INTO branch_year_stats (community_id, year, branch_id, {columns}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"
        );
        for (branch, summary) in &year.branches {
            let query = sqlx::query(&sql).bind(community).bind(y).bind(*branch);
            bind_summary(query, summary, is_final).execute(&mut *self.tx).await.at(&self.location)?;
        }
        Ok(())
    }
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

fn bind_summary<'q>(query: AnyQuery<'q>, s: &Summary, is_final: bool) -> AnyQuery<'q> {
    query
        .bind(i64::from(s.members))
        .bind(i64::from(s.eligible))
        .bind(i64::from(s.serving))
        .bind(i64::from(s.satisfied))
        .bind(i64::from(s.basically_satisfied))
        .bind(i64::from(s.not_satisfied))
        .bind(i64::from(s.five_star))
        .bind(i64::from(s.four_star))
        .bind(i64::from(s.three_star))
        .bind(i64::from(s.below_three))
        .bind(s.points_p10)
        .bind(s.points_p50)
        .bind(s.points_p90)
        .bind(is_final)
}
