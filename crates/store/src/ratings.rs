//! Households' private links (the QR on their card) and their satisfaction
//! ratings. Raters stay private: only aggregates leave this module for the
//! member and the branch.

use crate::error::Classify;
use crate::{Queries, Result, WriteTx};
use starledger_domain::org::{CommunityId, HouseholdId, MemberId};
use std::collections::HashMap;

/// The household a token opens, and whether the link was revoked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenHolder {
    pub community_id: CommunityId,
    pub household_id: HouseholdId,
    pub revoked: bool,
}

#[derive(Debug, Clone)]
pub struct NewRating {
    pub community_id: CommunityId,
    pub household_id: HouseholdId,
    pub member_id: MemberId,
    pub window_key: String,
    pub level: &'static str,
    pub comment: String,
    pub rated_at: i64,
    pub entry_id: i64,
}

/// What a household's rating checks again inside its write, read in one
/// statement: the link, this device's binding, the member the household
/// is linked to, and the year's period (see `app::households::rate`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatingGuard {
    pub community_id: CommunityId,
    pub household_id: HouseholdId,
    /// Neither replaced nor locked.
    pub live: bool,
    /// The device holding the binding's secret is bound to the link.
    pub bound: bool,
    pub member_id: Option<MemberId>,
    /// The year's period is open.
    pub year_open: bool,
    /// The SHA-256 of the year's rulebook, if the year has a period.
    pub rulebook_sha256: Option<String>,
}

#[allow(async_fn_in_trait)]
pub trait RatingQueries: Queries {
    /// The link `token` as a rating checks it, for the device whose binding
    /// secret hashes to `secret_sha256`, in `year`; `None` for no such link.
    async fn rating_guard(&mut self, token: &str, secret_sha256: &str, year: i64) -> Result<Option<RatingGuard>> {
        let (conn, location) = self.parts();
        type Row = (CommunityId, HouseholdId, i64, i64, Option<MemberId>, Option<String>, Option<String>);
        let row: Option<Row> = sqlx::query_as(
            "SELECT t.community_id, t.household_id, \
             CAST(CASE WHEN t.revoked_at IS NULL AND s.locked_at IS NULL THEN 1 ELSE 0 END AS BIGINT), \
             CAST((SELECT COUNT(*) FROM household_bindings b WHERE b.token = t.token AND b.secret_sha256 = $2) \
             AS BIGINT), \
             (SELECT l.member_id FROM household_links l WHERE l.household_id = t.household_id), \
             p.status, p.rulebook_sha256 \
             FROM household_tokens t LEFT JOIN household_link_state s ON s.token = t.token \
             LEFT JOIN periods p ON p.community_id = t.community_id AND p.year = $3 \
             WHERE t.token = $1",
        )
        .bind(token)
        .bind(secret_sha256)
        .bind(year)
        .fetch_optional(conn)
        .await
        .at(location)?;
        Ok(row.map(|(community_id, household_id, live, bound, member_id, status, rulebook_sha256)| RatingGuard {
            community_id,
            household_id,
            live: live == 1,
            bound: bound > 0,
            member_id,
            year_open: status.as_deref() == Some("open"),
            rulebook_sha256,
        }))
    }

    async fn token_holder(&mut self, token: &str) -> Result<Option<TokenHolder>> {
        let (conn, location) = self.parts();
        let row: Option<(CommunityId, HouseholdId, Option<i64>)> =
            sqlx::query_as(&location.sql(
                "SELECT community_id, household_id, unix_seconds(revoked_at) FROM household_tokens WHERE token = $1",
            ))
            .bind(token)
            .fetch_optional(conn)
            .await
            .at(location)?;
        Ok(row.map(|(community_id, household_id, revoked_at)| TokenHolder {
            community_id,
            household_id,
            revoked: revoked_at.is_some(),
        }))
    }

    /// Each household's live token, for printing cards.
    async fn live_tokens(&mut self, community: CommunityId) -> Result<HashMap<HouseholdId, String>> {
        let (conn, location) = self.parts();
        let rows: Vec<(HouseholdId, String)> = sqlx::query_as(
            "SELECT household_id, token FROM household_tokens WHERE community_id = $1 AND revoked_at IS NULL",
        )
        .bind(community)
        .fetch_all(conn)
        .await
        .at(location)?;
        Ok(rows.into_iter().collect())
    }

    async fn has_rated(&mut self, household: HouseholdId, window_key: &str) -> Result<bool> {
        let (conn, location) = self.parts();
        let found: Option<i64> =
            sqlx::query_scalar("SELECT id FROM household_ratings WHERE household_id = $1 AND window_key = $2")
                .bind(household)
                .bind(window_key)
                .fetch_optional(conn)
                .await
                .at(location)?;
        Ok(found.is_some())
    }
}

impl<T: Queries> RatingQueries for T {}

impl WriteTx {
    /// Gives a household a new private link, revoking any earlier one.
    pub async fn issue_household_token(
        &mut self,
        community: CommunityId,
        household: HouseholdId,
        token: &str,
        now: i64,
    ) -> Result<()> {
        self.revoke_household_token(community, household, now).await?;
        sqlx::query(&self.location.sql(
            "INSERT INTO household_tokens (token, community_id, household_id, created_at) VALUES ($1, $2, $3, to_timestamp($4))",
        ))
        .bind(token)
        .bind(community)
        .bind(household)
        .bind(now)
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?;
        Ok(())
    }

    pub async fn revoke_household_token(
        &mut self,
        community: CommunityId,
        household: HouseholdId,
        now: i64,
    ) -> Result<bool> {
        let result = sqlx::query(&self.location.sql(
            "UPDATE household_tokens SET revoked_at = to_timestamp($1) \
             WHERE community_id = $2 AND household_id = $3 AND revoked_at IS NULL",
        ))
        .bind(now)
        .bind(community)
        .bind(household)
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?;
        Ok(result.rows_affected() > 0)
    }

    pub async fn insert_household_rating(&mut self, rating: &NewRating) -> Result<()> {
        self.savepoint().await?;
        let attempt = sqlx::query(&self.location.sql(
            "INSERT INTO household_ratings (community_id, household_id, member_id, window_key, level, comment, \
             rated_at, entry_id) VALUES ($1, $2, $3, $4, $5, $6, to_timestamp($7), $8)",
        ))
        .bind(rating.community_id)
        .bind(rating.household_id)
        .bind(rating.member_id)
        .bind(&rating.window_key)
        .bind(rating.level)
        .bind(&rating.comment)
        .bind(rating.rated_at)
        .bind(rating.entry_id)
        .execute(&mut *self.tx)
        .await;
        let attempt = self.end_savepoint(attempt).await?;
        attempt.map_err(|e| {
            crate::org::unique_to_conflict(e, &self.location, "this household has already rated in this window".into())
        })?;
        Ok(())
    }
}
