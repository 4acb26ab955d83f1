//! Claims awaiting review (visits, study weeks) and the evidence uploaded
//! with them.

use crate::error::Classify;
use crate::{Queries, Result, StoreError, WriteTx};
use jiff::civil::Date;
use starledger_domain::claims::{ClaimKind, ClaimStatus};
use starledger_domain::org::{AccountId, BranchId, CommunityId, HouseholdId, MemberId};

#[derive(Debug, Clone)]
pub struct Claim {
    pub id: i64,
    pub community_id: CommunityId,
    pub member_id: MemberId,
    pub member_name: String,
    pub branch_id: BranchId,
    pub kind: ClaimKind,
    pub occurred_on: Date,
    pub household_id: Option<HouseholdId>,
    pub household_address: Option<String>,
    pub note: String,
    pub upload_id: Option<i64>,
    pub status: ClaimStatus,
    pub claimed_at: i64,
    pub decided_by: Option<AccountId>,
    pub decision_note: String,
    pub entry_id: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct ClaimRow {
    id: i64,
    community_id: CommunityId,
    member_id: MemberId,
    member_name: String,
    branch_id: BranchId,
    kind: String,
    occurred_on: String,
    household_id: Option<HouseholdId>,
    household_address: Option<String>,
    note: String,
    upload_id: Option<i64>,
    status: String,
    claimed_at: i64,
    decided_by: Option<AccountId>,
    decision_note: String,
    entry_id: Option<i64>,
}

impl ClaimRow {
    fn into_claim(self) -> Result<Claim> {
        let corrupt = |e: String| StoreError::Corrupt(format!("claim {}: {e}", self.id));
        Ok(Claim {
            id: self.id,
            community_id: self.community_id,
            member_id: self.member_id,
            member_name: self.member_name,
            branch_id: self.branch_id,
            kind: self.kind.parse().map_err(corrupt)?,
            occurred_on: crate::rows::date(&self.occurred_on, "claim date")?,
            household_id: self.household_id,
            household_address: self.household_address,
            note: self.note,
            upload_id: self.upload_id,
            status: self.status.parse().map_err(|e: String| StoreError::Corrupt(e))?,
            claimed_at: self.claimed_at,
            decided_by: self.decided_by,
            decision_note: self.decision_note,
            entry_id: self.entry_id,
        })
    }
}

const CLAIM_SELECT: &str = "SELECT c.id, c.community_id, c.member_id, m.name AS member_name, m.branch_id, c.kind, \
     CAST(c.occurred_on AS TEXT) AS occurred_on, c.household_id, h.address AS household_address, c.note, c.upload_id, \
     c.status, unix_seconds(c.claimed_at) AS claimed_at, c.decided_by, c.decision_note, c.entry_id \
     FROM claims c JOIN members m ON m.id = c.member_id LEFT JOIN households h ON h.id = c.household_id";

#[derive(Debug, Clone)]
pub struct NewClaim {
    pub community_id: CommunityId,
    pub member_id: MemberId,
    pub kind: ClaimKind,
    pub occurred_on: Date,
    pub household_id: Option<HouseholdId>,
    pub note: String,
    pub upload_id: Option<i64>,
    pub claimed_at: i64,
}

/// How a pending claim was decided, by whom and when.
#[derive(Debug, Clone)]
pub struct ClaimDecision {
    pub status: ClaimStatus,
    pub by: Option<AccountId>,
    pub at: i64,
    pub note: String,
    /// The ledger entry an approval wrote.
    pub entry_id: Option<i64>,
}

/// An uploaded file.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Upload {
    pub id: i64,
    pub community_id: CommunityId,
    pub content_type: String,
    pub bytes: Vec<u8>,
    pub uploaded_by: AccountId,
}

#[allow(async_fn_in_trait)]
pub trait ClaimQueries: Queries {
    async fn claim(&mut self, community: CommunityId, id: i64) -> Result<Claim> {
        let (conn, location) = self.parts();
        let sql = format!("{CLAIM_SELECT} WHERE c.community_id = $1 AND c.id = $2");
        let row: Option<ClaimRow> =
            sqlx::query_as(&location.sql(&sql)).bind(community).bind(id).fetch_optional(conn).await.at(location)?;
        row.ok_or_else(|| StoreError::not_found("claim", id))?.into_claim()
    }

    /// Pending claims, oldest first; for one branch when given.
    async fn pending_claims(&mut self, community: CommunityId, branch: Option<BranchId>) -> Result<Vec<Claim>> {
        let (conn, location) = self.parts();
        let sql = format!(
            "{CLAIM_SELECT} WHERE c.community_id = $1 AND c.status = 'pending' AND ($2 IS NULL OR m.branch_id = $2) \
             ORDER BY c.claimed_at, c.id"
        );
        let rows: Vec<ClaimRow> =
            sqlx::query_as(&location.sql(&sql)).bind(community).bind(branch).fetch_all(conn).await.at(location)?;
        rows.into_iter().map(ClaimRow::into_claim).collect()
    }

    /// A member's own claims, newest first.
    async fn member_claims(&mut self, community: CommunityId, member: MemberId) -> Result<Vec<Claim>> {
        let (conn, location) = self.parts();
        let sql = format!(
            "{CLAIM_SELECT} WHERE c.community_id = $1 AND c.member_id = $2 ORDER BY c.claimed_at DESC, c.id DESC"
        );
        let rows: Vec<ClaimRow> =
            sqlx::query_as(&location.sql(&sql)).bind(community).bind(member).fetch_all(conn).await.at(location)?;
        rows.into_iter().map(ClaimRow::into_claim).collect()
    }

    /// Every claim, of one branch when given, in the order they were made
    /// (the API's lists, a page at a time by id).
    async fn claims_in(&mut self, community: CommunityId, branch: Option<BranchId>) -> Result<Vec<Claim>> {
        let (conn, location) = self.parts();
        let sql =
            format!("{CLAIM_SELECT} WHERE c.community_id = $1 AND ($2 IS NULL OR m.branch_id = $2) ORDER BY c.id");
        let rows: Vec<ClaimRow> =
            sqlx::query_as(&location.sql(&sql)).bind(community).bind(branch).fetch_all(conn).await.at(location)?;
        rows.into_iter().map(ClaimRow::into_claim).collect()
    }

    async fn upload(&mut self, community: CommunityId, id: i64) -> Result<Upload> {
        let (conn, location) = self.parts();
        let row: Option<Upload> = sqlx::query_as(
            "SELECT id, community_id, content_type, bytes, uploaded_by FROM uploads WHERE community_id = $1 AND id = $2",
        )
        .bind(community)
        .bind(id)
        .fetch_optional(conn)
        .await
        .at(location)?;
        row.ok_or_else(|| StoreError::not_found("upload", id))
    }

    /// The claim an upload belongs to, for deciding who may see it.
    async fn claim_of_upload(&mut self, community: CommunityId, upload: i64) -> Result<Option<Claim>> {
        let (conn, location) = self.parts();
        let sql = format!("{CLAIM_SELECT} WHERE c.community_id = $1 AND c.upload_id = $2");
        let row: Option<ClaimRow> =
            sqlx::query_as(&location.sql(&sql)).bind(community).bind(upload).fetch_optional(conn).await.at(location)?;
        row.map(ClaimRow::into_claim).transpose()
    }
}

impl<T: Queries> ClaimQueries for T {}

impl WriteTx {
    /// The bytes `by` has uploaded since `since` (Unix seconds), withdrawn
    /// and rejected claims' files included: they are stored all the same.
    pub async fn uploaded_bytes_since(&mut self, by: AccountId, since: i64) -> Result<i64> {
        let total: i64 = sqlx::query_scalar(&self.location.sql(
            "SELECT CAST(COALESCE(SUM(LENGTH(bytes)), 0) AS BIGINT) FROM uploads \
             WHERE uploaded_by = $1 AND uploaded_at >= to_timestamp($2)",
        ))
        .bind(by)
        .bind(since)
        .fetch_one(&mut *self.tx)
        .await
        .at(&self.location)?;
        Ok(total)
    }

    pub async fn add_upload(
        &mut self,
        community: CommunityId,
        content_type: &str,
        bytes: &[u8],
        sha256: &str,
        by: AccountId,
        at: i64,
    ) -> Result<i64> {
        let id: i64 = sqlx::query_scalar(&self.location.sql(
            "INSERT INTO uploads (community_id, sha256, content_type, bytes, uploaded_by, uploaded_at) \
             VALUES ($1, $2, $3, $4, $5, to_timestamp($6)) RETURNING id",
        ))
        .bind(community)
        .bind(sha256)
        .bind(content_type)
        .bind(bytes)
        .bind(by)
        .bind(at)
        .fetch_one(&mut *self.tx)
        .await
        .at(&self.location)?;
        Ok(id)
    }

    pub async fn add_claim(&mut self, claim: &NewClaim) -> Result<i64> {
        self.savepoint().await?;
        let attempt = sqlx::query_scalar(&self.location.sql(
            "INSERT INTO claims (community_id, member_id, kind, occurred_on, household_id, note, upload_id, status, claimed_at) \
             VALUES ($1, $2, $3, date($4), $5, $6, $7, 'pending', to_timestamp($8)) RETURNING id",
        ))
        .bind(claim.community_id)
        .bind(claim.member_id)
        .bind(claim.kind.as_str())
        .bind(claim.occurred_on.to_string())
        .bind(claim.household_id)
        .bind(&claim.note)
        .bind(claim.upload_id)
        .bind(claim.claimed_at)
        .fetch_one(&mut *self.tx)
        .await;
        let attempt = self.end_savepoint(attempt).await?;
        let id: i64 = attempt.map_err(|e| {
            crate::org::unique_to_conflict(e, &self.location, "this week has already been declared".into())
        })?;
        Ok(id)
    }

    /// Moves a pending claim to its decision; false if it was not pending
    /// any more (someone else decided first).
    pub async fn decide_claim(&mut self, community: CommunityId, id: i64, decision: &ClaimDecision) -> Result<bool> {
        let result = sqlx::query(&self.location.sql(
            "UPDATE claims SET status = $1, decided_by = $2, decided_at = to_timestamp($3), decision_note = $4, entry_id = $5 \
             WHERE community_id = $6 AND id = $7 AND status = 'pending'",
        ))
        .bind(decision.status.as_str())
        .bind(decision.by)
        .bind(decision.at)
        .bind(&decision.note)
        .bind(decision.entry_id)
        .bind(community)
        .bind(id)
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?;
        Ok(result.rows_affected() == 1)
    }
}
