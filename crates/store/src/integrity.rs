//! Step 3: integrity records decided by the committee with recusal, the
//! relatives that recusal follows, and maker-checker adjustments.

use crate::error::Classify;
use crate::{Queries, Result, StoreError, WriteTx};
use starledger_domain::org::{AccountId, CommunityId, MemberId};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IntegrityRecord {
    pub id: i64,
    pub community_id: CommunityId,
    pub year: i64,
    pub member_id: MemberId,
    pub rule_key: String,
    pub happened_on: String,
    pub description: String,
    pub evidence_id: Option<i64>,
    pub filed_by: AccountId,
    pub filed_at: i64,
    pub status: String,
    pub entry_id: Option<i64>,
    /// The overseer who decided it, when the committee could not.
    pub decided_by: Option<AccountId>,
    pub decision_note: Option<String>,
}

const RECORD_SELECT: &str = "SELECT id, community_id, year, member_id, rule_key, CAST(happened_on AS TEXT) AS happened_on, \
     description, evidence_id, filed_by, unix_seconds(filed_at) AS filed_at, status, entry_id, decided_by, decision_note FROM integrity_records";

#[derive(Debug, Clone)]
pub struct NewIntegrityRecord {
    pub community_id: CommunityId,
    pub year: i64,
    pub member_id: MemberId,
    pub rule_key: String,
    pub happened_on: String,
    pub description: String,
    pub evidence_id: Option<i64>,
    pub filed_by: AccountId,
    pub filed_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct IntegrityVote {
    pub account_id: AccountId,
    #[sqlx(try_from = "crate::rows::Flag")]
    pub approve: bool,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Adjustment {
    pub id: i64,
    pub community_id: CommunityId,
    pub year: i64,
    pub member_id: MemberId,
    pub rule_key: String,
    pub points_tenths: i64,
    pub reason: String,
    pub made_by: AccountId,
    pub made_at: i64,
    pub status: String,
    pub checked_by: Option<AccountId>,
    pub check_note: Option<String>,
    pub entry_id: Option<i64>,
}

const ADJUSTMENT_SELECT: &str = "SELECT id, community_id, year, member_id, rule_key, points_tenths, reason, made_by, \
     unix_seconds(made_at) AS made_at, status, checked_by, check_note, entry_id FROM adjustments";

#[derive(Debug, Clone)]
pub struct NewAdjustment {
    pub community_id: CommunityId,
    pub year: i64,
    pub member_id: MemberId,
    pub rule_key: String,
    pub points_tenths: i64,
    pub reason: String,
    pub made_by: AccountId,
    pub made_at: i64,
}

#[allow(async_fn_in_trait)]
pub trait IntegrityQueries: Queries {
    /// Everyone marked as a relative of `member`.
    async fn relatives_of(&mut self, member: MemberId) -> Result<Vec<(MemberId, String)>> {
        let (conn, location) = self.parts();
        sqlx::query_as("SELECT relative_id, relation FROM relatives WHERE member_id = $1 ORDER BY relative_id")
            .bind(member)
            .fetch_all(conn)
            .await
            .at(location)
    }

    /// The ids of everyone marked as a relative of `member`, for recusal.
    async fn relative_ids(&mut self, member: MemberId) -> Result<Vec<MemberId>> {
        Ok(self.relatives_of(member).await?.into_iter().map(|(id, _)| id).collect())
    }

    async fn integrity_record(&mut self, community: CommunityId, id: i64) -> Result<IntegrityRecord> {
        let (conn, location) = self.parts();
        let sql = format!("{RECORD_SELECT} WHERE community_id = $1 AND id = $2");
        let row: Option<IntegrityRecord> =
            sqlx::query_as(&location.sql(&sql)).bind(community).bind(id).fetch_optional(conn).await.at(location)?;
        row.ok_or_else(|| StoreError::not_found("integrity record", id))
    }

    /// Every record of the community in the order they were filed (the
    /// API's lists, a page at a time by id).
    async fn integrity_records_by_id(&mut self, community: CommunityId) -> Result<Vec<IntegrityRecord>> {
        let (conn, location) = self.parts();
        let sql = format!("{RECORD_SELECT} WHERE community_id = $1 ORDER BY id");
        sqlx::query_as(&location.sql(&sql)).bind(community).fetch_all(conn).await.at(location)
    }

    /// Pending records first, then the latest decided.
    async fn integrity_records(&mut self, community: CommunityId) -> Result<Vec<IntegrityRecord>> {
        let (conn, location) = self.parts();
        let sql = format!(
            "{RECORD_SELECT} WHERE community_id = $1 \
             ORDER BY CASE status WHEN 'pending' THEN 0 ELSE 1 END, id DESC LIMIT 200"
        );
        sqlx::query_as(&location.sql(&sql)).bind(community).fetch_all(conn).await.at(location)
    }

    /// The committee as persons: the members behind the community's active
    /// committee accounts (an account with nobody behind it votes on nothing).
    async fn committee_persons(&mut self, community: CommunityId) -> Result<std::collections::BTreeSet<MemberId>> {
        let (conn, location) = self.parts();
        let rows: Vec<MemberId> = sqlx::query_scalar(
            "SELECT DISTINCT member_id FROM accounts WHERE community_id = $1 AND role = 'committee' \
             AND member_id IS NOT NULL AND disabled_at IS NULL",
        )
        .bind(community)
        .fetch_all(conn)
        .await
        .at(location)?;
        Ok(rows.into_iter().collect())
    }

    async fn integrity_votes(&mut self, record: i64) -> Result<Vec<IntegrityVote>> {
        let (conn, location) = self.parts();
        sqlx::query_as("SELECT account_id, approve FROM integrity_votes WHERE record_id = $1 ORDER BY account_id")
            .bind(record)
            .fetch_all(conn)
            .await
            .at(location)
    }

    async fn adjustment(&mut self, community: CommunityId, id: i64) -> Result<Adjustment> {
        let (conn, location) = self.parts();
        let sql = format!("{ADJUSTMENT_SELECT} WHERE community_id = $1 AND id = $2");
        let row: Option<Adjustment> =
            sqlx::query_as(&location.sql(&sql)).bind(community).bind(id).fetch_optional(conn).await.at(location)?;
        row.ok_or_else(|| StoreError::not_found("adjustment", id))
    }

    async fn adjustments(&mut self, community: CommunityId) -> Result<Vec<Adjustment>> {
        let (conn, location) = self.parts();
        let sql = format!(
            "{ADJUSTMENT_SELECT} WHERE community_id = $1 \
             ORDER BY CASE status WHEN 'pending' THEN 0 ELSE 1 END, id DESC LIMIT 200"
        );
        sqlx::query_as(&location.sql(&sql)).bind(community).fetch_all(conn).await.at(location)
    }
}

impl<T: Queries> IntegrityQueries for T {}

impl WriteTx {
    /// Marks two members as relatives, in both directions.
    pub async fn mark_relatives(
        &mut self,
        community: CommunityId,
        a: MemberId,
        b: MemberId,
        relation: &str,
        by: AccountId,
        at: i64,
    ) -> Result<()> {
        for (member, relative) in [(a, b), (b, a)] {
            sqlx::query(&self.location.sql(
                "INSERT INTO relatives (community_id, member_id, relative_id, relation, marked_by, marked_at) \
                 VALUES ($1, $2, $3, $4, $5, to_timestamp($6)) ON CONFLICT (member_id, relative_id) DO UPDATE SET \
                 relation = excluded.relation, marked_by = excluded.marked_by, marked_at = excluded.marked_at",
            ))
            .bind(community)
            .bind(member)
            .bind(relative)
            .bind(relation)
            .bind(by)
            .bind(at)
            .execute(&mut *self.tx)
            .await
            .at(&self.location)?;
        }
        Ok(())
    }

    pub async fn file_integrity_record(&mut self, record: &NewIntegrityRecord) -> Result<i64> {
        sqlx::query_scalar(&self.location.sql(
            "INSERT INTO integrity_records (community_id, year, member_id, rule_key, happened_on, description, \
             evidence_id, filed_by, filed_at) VALUES ($1, $2, $3, $4, date($5), $6, $7, $8, to_timestamp($9)) RETURNING id",
        ))
        .bind(record.community_id)
        .bind(record.year)
        .bind(record.member_id)
        .bind(&record.rule_key)
        .bind(&record.happened_on)
        .bind(&record.description)
        .bind(record.evidence_id)
        .bind(record.filed_by)
        .bind(record.filed_at)
        .fetch_one(&mut *self.tx)
        .await
        .at(&self.location)
    }

    /// One vote per committee member and record; false if they had voted.
    pub async fn vote_on_integrity(&mut self, record: i64, account: AccountId, approve: bool, at: i64) -> Result<bool> {
        let result = sqlx::query(&self.location.sql(
            "INSERT INTO integrity_votes (record_id, account_id, approve, voted_at) VALUES ($1, $2, $3, to_timestamp($4)) \
             ON CONFLICT (record_id, account_id) DO NOTHING",
        ))
        .bind(record)
        .bind(account)
        .bind(approve)
        .bind(at)
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?;
        Ok(result.rows_affected() == 1)
    }

    pub async fn decide_integrity_record(
        &mut self,
        record: i64,
        approved: bool,
        entry: Option<i64>,
        at: i64,
    ) -> Result<()> {
        sqlx::query(&self.location.sql(
            "UPDATE integrity_records SET status = $1, entry_id = $2, decided_at = to_timestamp($3) \
             WHERE id = $4 AND status = 'pending'",
        ))
        .bind(if approved { "approved" } else { "rejected" })
        .bind(entry)
        .bind(at)
        .bind(record)
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?;
        Ok(())
    }

    /// Names the overseer who decided a record the committee could not, and
    /// their words.
    pub async fn note_integrity_decider(&mut self, record: i64, by: AccountId, note: &str) -> Result<()> {
        sqlx::query("UPDATE integrity_records SET decided_by = $1, decision_note = $2 WHERE id = $3")
            .bind(by)
            .bind(note)
            .bind(record)
            .execute(&mut *self.tx)
            .await
            .at(&self.location)?;
        Ok(())
    }

    pub async fn make_adjustment(&mut self, adjustment: &NewAdjustment) -> Result<i64> {
        sqlx::query_scalar(&self.location.sql(
            "INSERT INTO adjustments (community_id, year, member_id, rule_key, points_tenths, reason, made_by, \
             made_at) VALUES ($1, $2, $3, $4, $5, $6, $7, to_timestamp($8)) RETURNING id",
        ))
        .bind(adjustment.community_id)
        .bind(adjustment.year)
        .bind(adjustment.member_id)
        .bind(&adjustment.rule_key)
        .bind(adjustment.points_tenths)
        .bind(&adjustment.reason)
        .bind(adjustment.made_by)
        .bind(adjustment.made_at)
        .fetch_one(&mut *self.tx)
        .await
        .at(&self.location)
    }

    /// Records the checker's answer; false if someone had already answered.
    pub async fn check_adjustment(
        &mut self,
        id: i64,
        checker: AccountId,
        approved: bool,
        note: &str,
        entry: Option<i64>,
        at: i64,
    ) -> Result<bool> {
        let result = sqlx::query(&self.location.sql(
            "UPDATE adjustments SET status = $1, checked_by = $2, check_note = $3, entry_id = $4, checked_at = to_timestamp($5) \
             WHERE id = $6 AND status = 'pending'",
        ))
        .bind(if approved { "approved" } else { "rejected" })
        .bind(checker)
        .bind(note)
        .bind(entry)
        .bind(at)
        .bind(id)
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?;
        Ok(result.rows_affected() == 1)
    }
}
