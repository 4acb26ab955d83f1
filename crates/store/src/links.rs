//! What guards a household's link: the devices bound to it, the wrong
//! proofs counted against it, when its card was printed, a committee's
//! visit code; and where ratings and officials' sign-ins came from, as
//! keyed hashes. The rules are the application's (`app::household_links`,
//! `app::household_origins`); this module only reads and writes the rows.

use crate::error::Classify;
use crate::{Queries, Result, WriteTx};
use starledger_domain::org::{AccountId, CommunityId, HouseholdId};

/// A link as its guard sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkGuard {
    pub community_id: CommunityId,
    pub household_id: HouseholdId,
    pub revoked: bool,
    /// Why it was revoked, when the revocation said so (`replaced`, `reprinted`).
    pub revoked_reason: Option<String>,
    pub failed_tries: i64,
    pub locked: bool,
    pub printed_at: Option<i64>,
    pub visit_code_sha256: Option<String>,
    pub visit_code_by: Option<AccountId>,
    pub visit_code_expires: Option<i64>,
}

/// A live link on the committee's overview of cards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveLink {
    pub household_id: HouseholdId,
    pub token: String,
    pub printed_at: Option<i64>,
    pub locked: bool,
    pub devices: i64,
}

/// Where one household rating came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatingOrigin {
    pub entry_id: i64,
    pub household_id: HouseholdId,
    pub device_hash: Option<String>,
    pub address_hash: String,
}

/// Where one sign-in of a committee or branch secretary's account came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInOrigin {
    pub account_id: AccountId,
    pub login: String,
    pub role: String,
    pub device_hash: Option<String>,
    pub address_hash: String,
}

type GuardRow = (
    CommunityId,
    HouseholdId,
    Option<i64>,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<AccountId>,
    Option<i64>,
);

/// household, token, printed at, locked at, devices
type LiveRow = (HouseholdId, String, Option<i64>, Option<i64>, i64);

#[allow(async_fn_in_trait)]
pub trait LinkQueries: Queries {
    /// The link `token` names and its guard; none for no such link.
    async fn link_guard(&mut self, token: &str) -> Result<Option<LinkGuard>> {
        let (conn, location) = self.parts();
        let row: Option<GuardRow> = sqlx::query_as(&location.sql(
            "SELECT t.community_id, t.household_id, unix_seconds(t.revoked_at), s.revoked_reason, s.failed_tries, \
             unix_seconds(s.locked_at), unix_seconds(s.printed_at), s.visit_code_sha256, s.visit_code_by, \
             unix_seconds(s.visit_code_expires) \
             FROM household_tokens t LEFT JOIN household_link_state s ON s.token = t.token WHERE t.token = $1",
        ))
        .bind(token)
        .fetch_optional(conn)
        .await
        .at(location)?;
        Ok(row.map(|r| LinkGuard {
            community_id: r.0,
            household_id: r.1,
            revoked: r.2.is_some(),
            revoked_reason: r.3,
            failed_tries: r.4.unwrap_or(0),
            locked: r.5.is_some(),
            printed_at: r.6,
            visit_code_sha256: r.7,
            visit_code_by: r.8,
            visit_code_expires: r.9,
        }))
    }

    /// Whether a device holding the secret hashed as `secret_sha256` is bound to `token`.
    async fn is_bound(&mut self, token: &str, secret_sha256: &str) -> Result<bool> {
        let (conn, location) = self.parts();
        let found: Option<i64> =
            sqlx::query_scalar("SELECT id FROM household_bindings WHERE token = $1 AND secret_sha256 = $2")
                .bind(token)
                .bind(secret_sha256)
                .fetch_optional(conn)
                .await
                .at(location)?;
        Ok(found.is_some())
    }

    /// Every live link of the community with its card and devices.
    async fn live_links(&mut self, community: CommunityId) -> Result<Vec<LiveLink>> {
        let (conn, location) = self.parts();
        let rows: Vec<LiveRow> = sqlx::query_as(&location.sql(
            "SELECT t.household_id, t.token, unix_seconds(s.printed_at), unix_seconds(s.locked_at), \
             CAST((SELECT COUNT(*) FROM household_bindings b WHERE b.token = t.token) AS BIGINT) \
             FROM household_tokens t LEFT JOIN household_link_state s ON s.token = t.token \
             WHERE t.community_id = $1 AND t.revoked_at IS NULL ORDER BY t.household_id",
        ))
        .bind(community)
        .fetch_all(conn)
        .await
        .at(location)?;
        Ok(rows
            .into_iter()
            .map(|(household_id, token, printed_at, locked_at, devices)| LiveLink {
                household_id,
                token,
                printed_at,
                locked: locked_at.is_some(),
                devices,
            })
            .collect())
    }

    /// The household's own rating entries with their years, oldest first.
    async fn household_rating_entries(&mut self, household: HouseholdId) -> Result<Vec<(i64, i64, String)>> {
        let (conn, location) = self.parts();
        sqlx::query_as(
            "SELECT r.entry_id, e.year, r.window_key FROM household_ratings r \
             JOIN ledger_entries e ON e.id = r.entry_id WHERE r.household_id = $1 ORDER BY r.entry_id",
        )
        .bind(household)
        .fetch_all(conn)
        .await
        .at(location)
    }

    /// Where the year's household ratings came from (ratings since reversed included).
    async fn rating_origins(&mut self, community: CommunityId, year: i64) -> Result<Vec<RatingOrigin>> {
        let (conn, location) = self.parts();
        let rows: Vec<(i64, HouseholdId, Option<String>, String)> = sqlx::query_as(
            "SELECT entry_id, household_id, device_hash, address_hash FROM rating_origins \
             WHERE community_id = $1 AND year = $2 ORDER BY entry_id",
        )
        .bind(community)
        .bind(year)
        .fetch_all(conn)
        .await
        .at(location)?;
        Ok(rows
            .into_iter()
            .map(|(entry_id, household_id, device_hash, address_hash)| RatingOrigin {
                entry_id,
                household_id,
                device_hash,
                address_hash,
            })
            .collect())
    }

    /// Where the community's officials signed in from, between two moments.
    async fn sign_in_origins(&mut self, community: CommunityId, from: i64, until: i64) -> Result<Vec<SignInOrigin>> {
        let (conn, location) = self.parts();
        let rows: Vec<(AccountId, String, String, Option<String>, String)> = sqlx::query_as(&location.sql(
            "SELECT o.account_id, a.login, a.role, o.device_hash, o.address_hash FROM sign_in_origins o \
             JOIN accounts a ON a.id = o.account_id \
             WHERE o.community_id = $1 AND o.signed_in_at >= to_timestamp($2) AND o.signed_in_at < to_timestamp($3) ORDER BY o.id",
        ))
        .bind(community)
        .bind(from)
        .bind(until)
        .fetch_all(conn)
        .await
        .at(location)?;
        Ok(rows
            .into_iter()
            .map(|(account_id, login, role, device_hash, address_hash)| SignInOrigin {
                account_id,
                login,
                role,
                device_hash,
                address_hash,
            })
            .collect())
    }
}

impl<T: Queries> LinkQueries for T {}

impl WriteTx {
    /// The link's guard row, written the first time it is needed.
    async fn ensure_link_state(&mut self, token: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO household_link_state (token, community_id, household_id) \
             SELECT token, community_id, household_id FROM household_tokens WHERE token = $1 \
             ON CONFLICT (token) DO NOTHING",
        )
        .bind(token)
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?;
        Ok(())
    }

    /// Counts one wrong proof; at `bound` wrong proofs the link is locked.
    /// Answers the wrong proofs so far.
    pub async fn count_failed_proof(&mut self, token: &str, bound: i64, now: i64) -> Result<i64> {
        self.ensure_link_state(token).await?;
        sqlx::query(&self.location.sql(
            "UPDATE household_link_state SET failed_tries = failed_tries + 1, \
             locked_at = CASE WHEN failed_tries + 1 >= $2 THEN COALESCE(locked_at, to_timestamp($3)) ELSE locked_at END \
             WHERE token = $1",
        ))
        .bind(token)
        .bind(bound)
        .bind(now)
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?;
        sqlx::query_scalar("SELECT failed_tries FROM household_link_state WHERE token = $1")
            .bind(token)
            .fetch_one(&mut *self.tx)
            .await
            .at(&self.location)
    }

    /// Counts a proof refused because the link is locked (not stored one by one).
    pub async fn count_refused_proof(&mut self, token: &str) -> Result<()> {
        self.ensure_link_state(token).await?;
        sqlx::query("UPDATE household_link_state SET refused_tries = refused_tries + 1 WHERE token = $1")
            .bind(token)
            .execute(&mut *self.tx)
            .await
            .at(&self.location)?;
        Ok(())
    }

    /// Binds a device (by the hash of its cookie's secret) to a link.
    pub async fn bind_device(
        &mut self,
        token: &str,
        secret_sha256: &str,
        how: &str,
        bound_by: Option<AccountId>,
        now: i64,
    ) -> Result<()> {
        sqlx::query(&self.location.sql(
            "INSERT INTO household_bindings (token, community_id, household_id, secret_sha256, how, bound_by, bound_at) \
             SELECT token, community_id, household_id, $2, $3, $4, to_timestamp($5) FROM household_tokens WHERE token = $1",
        ))
        .bind(token)
        .bind(secret_sha256)
        .bind(how)
        .bind(bound_by)
        .bind(now)
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?;
        Ok(())
    }

    /// Notes that the link's card was printed at `now`.
    pub async fn mark_printed(&mut self, token: &str, now: i64) -> Result<()> {
        self.ensure_link_state(token).await?;
        sqlx::query(
            &self.location.sql("UPDATE household_link_state SET printed_at = to_timestamp($2) WHERE token = $1"),
        )
        .bind(token)
        .bind(now)
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?;
        Ok(())
    }

    /// Says why a (revoked) link was revoked: `replaced` or `reprinted`.
    pub async fn set_revoked_reason(&mut self, token: &str, reason: &str) -> Result<()> {
        self.ensure_link_state(token).await?;
        sqlx::query("UPDATE household_link_state SET revoked_reason = $2 WHERE token = $1")
            .bind(token)
            .bind(reason)
            .execute(&mut *self.tx)
            .await
            .at(&self.location)?;
        Ok(())
    }

    /// Keeps a visit code's hash for the link (or clears it, with `None`).
    pub async fn set_visit_code(&mut self, token: &str, code: Option<(&str, AccountId, i64)>) -> Result<()> {
        self.ensure_link_state(token).await?;
        let (sha, by, expires) = match code {
            Some((sha, by, expires)) => (Some(sha), Some(by), Some(expires)),
            None => (None, None, None),
        };
        sqlx::query(&self.location.sql(
            "UPDATE household_link_state SET visit_code_sha256 = $2, visit_code_by = $3, visit_code_expires = to_timestamp($4) \
             WHERE token = $1",
        ))
        .bind(token)
        .bind(sha)
        .bind(by)
        .bind(expires)
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?;
        Ok(())
    }

    pub async fn record_rating_origin(
        &mut self,
        community: CommunityId,
        origin: &RatingOrigin,
        year: i64,
        now: i64,
    ) -> Result<()> {
        sqlx::query(&self.location.sql(
            "INSERT INTO rating_origins (entry_id, community_id, household_id, year, device_hash, address_hash, \
             rated_at) VALUES ($1, $2, $3, $4, $5, $6, to_timestamp($7))",
        ))
        .bind(origin.entry_id)
        .bind(community)
        .bind(origin.household_id)
        .bind(year)
        .bind(origin.device_hash.as_deref())
        .bind(&origin.address_hash)
        .bind(now)
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?;
        Ok(())
    }

    /// Records where an official signed in from, and forgets such records
    /// older than `forget_before`.
    pub async fn record_sign_in_origin(
        &mut self,
        community: CommunityId,
        account: AccountId,
        device_hash: Option<&str>,
        address_hash: &str,
        now: i64,
        forget_before: i64,
    ) -> Result<()> {
        sqlx::query(
            &self
                .location
                .sql("DELETE FROM sign_in_origins WHERE community_id = $1 AND signed_in_at < to_timestamp($2)"),
        )
        .bind(community)
        .bind(forget_before)
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?;
        sqlx::query(&self.location.sql(
            "INSERT INTO sign_in_origins (community_id, account_id, device_hash, address_hash, signed_in_at) \
             VALUES ($1, $2, $3, $4, to_timestamp($5))",
        ))
        .bind(community)
        .bind(account)
        .bind(device_hash)
        .bind(address_hash)
        .bind(now)
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?;
        Ok(())
    }
}
