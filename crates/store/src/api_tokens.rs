//! Personal API tokens, known by the SHA-256 of their secret, and the first
//! answers to idempotent API writes (`Idempotency-Key`).

use crate::error::Classify;
use crate::rows::AccountRow;
use crate::{Queries, Result, StoreError, WriteTx};
use starledger_domain::org::{Account, AccountId};

/// A token as its owner's page lists it (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ApiToken {
    pub id: i64,
    pub account_id: AccountId,
    pub name: String,
    /// `read`, or `read record`.
    pub scopes: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

/// A live token and the account it acts for.
#[derive(Debug, Clone)]
pub struct ApiTokenHolder {
    pub token: ApiToken,
    pub account: Account,
}

/// The first answer to a write sent with an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptAnswer {
    pub request_sha256: String,
    pub status: u16,
    pub body: String,
}

#[derive(sqlx::FromRow)]
struct HolderRow {
    #[sqlx(flatten)]
    account: AccountRow,
    token_id: i64,
    token_name: String,
    scopes: String,
    created_at: i64,
    expires_at: i64,
    revoked_at: Option<i64>,
    last_used_at: Option<i64>,
}

const TOKEN_COLUMNS: &str = "id, account_id, name, scopes, unix_seconds(created_at) AS created_at, \
     unix_seconds(expires_at) AS expires_at, unix_seconds(revoked_at) AS revoked_at, \
     unix_seconds(last_used_at) AS last_used_at";

#[allow(async_fn_in_trait)]
pub trait ApiTokenQueries: Queries {
    /// The owner's tokens, newest first.
    async fn api_tokens_of(&mut self, account: AccountId) -> Result<Vec<ApiToken>> {
        let (conn, location) = self.parts();
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE account_id = $1 ORDER BY id DESC");
        sqlx::query_as(&location.sql(&sql)).bind(account).fetch_all(conn).await.at(location)
    }

    /// The token whose secret hashes to `secret_sha256`, if it is live at
    /// `now` (not revoked, not expired) and its account is not disabled.
    async fn live_api_token(&mut self, secret_sha256: &str, now: i64) -> Result<Option<ApiTokenHolder>> {
        let (conn, location) = self.parts();
        let sql = "SELECT a.id, a.community_id, a.region_id, a.login, a.name, a.role, a.member_id, a.branch_id, \
                   t.id AS token_id, t.name AS token_name, t.scopes, unix_seconds(t.created_at) AS created_at, \
                   unix_seconds(t.expires_at) AS expires_at, unix_seconds(t.revoked_at) AS revoked_at, \
                   unix_seconds(t.last_used_at) AS last_used_at \
                   FROM api_tokens t JOIN accounts a ON a.id = t.account_id \
                   WHERE t.secret_sha256 = $1 AND t.revoked_at IS NULL AND t.expires_at > to_timestamp($2) \
                   AND a.disabled_at IS NULL";
        let row: Option<HolderRow> =
            sqlx::query_as(&location.sql(sql)).bind(secret_sha256).bind(now).fetch_optional(conn).await.at(location)?;
        let Some(row) = row else { return Ok(None) };
        let account = row.account.into_account()?;
        let token = ApiToken {
            id: row.token_id,
            account_id: account.id,
            name: row.token_name,
            scopes: row.scopes,
            created_at: row.created_at,
            expires_at: row.expires_at,
            revoked_at: row.revoked_at,
            last_used_at: row.last_used_at,
        };
        Ok(Some(ApiTokenHolder { token, account }))
    }

    /// The answer kept for `key` of `account`, if a write was made with it.
    async fn kept_answer(&mut self, account: AccountId, key: &str) -> Result<Option<KeptAnswer>> {
        let (conn, location) = self.parts();
        let row: Option<(String, i64, String)> = sqlx::query_as(
            "SELECT request_sha256, status, body FROM api_idempotency WHERE account_id = $1 AND idempotency_key = $2",
        )
        .bind(account)
        .bind(key)
        .fetch_optional(conn)
        .await
        .at(location)?;
        row.map(|(request_sha256, status, body)| {
            let status = u16::try_from(status)
                .map_err(|_| StoreError::Corrupt(format!("idempotency key {key}: status {status}")))?;
            Ok(KeptAnswer { request_sha256, status, body })
        })
        .transpose()
    }
}

impl<T: Queries> ApiTokenQueries for T {}

impl WriteTx {
    /// Adds a token; its id.
    pub async fn add_api_token(
        &mut self,
        account: AccountId,
        name: &str,
        scopes: &str,
        secret_sha256: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<i64> {
        sqlx::query_scalar(&self.location.sql(
            "INSERT INTO api_tokens (account_id, name, scopes, secret_sha256, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, to_timestamp($5), to_timestamp($6)) RETURNING id",
        ))
        .bind(account)
        .bind(name)
        .bind(scopes)
        .bind(secret_sha256)
        .bind(now)
        .bind(expires_at)
        .fetch_one(&mut *self.tx)
        .await
        .at(&self.location)
    }

    /// Revokes the owner's live token `id`; whether it was live.
    pub async fn revoke_api_token(&mut self, account: AccountId, id: i64, now: i64) -> Result<bool> {
        let changed = sqlx::query(&self.location.sql(
            "UPDATE api_tokens SET revoked_at = to_timestamp($1) WHERE id = $2 AND account_id = $3 AND revoked_at IS NULL",
        ))
        .bind(now)
        .bind(id)
        .bind(account)
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?
        .rows_affected();
        Ok(changed == 1)
    }

    /// Notes that a token was used at `now`.
    pub async fn touch_api_token(&mut self, id: i64, now: i64) -> Result<()> {
        sqlx::query(&self.location.sql("UPDATE api_tokens SET last_used_at = to_timestamp($1) WHERE id = $2"))
            .bind(now)
            .bind(id)
            .execute(&mut *self.tx)
            .await
            .at(&self.location)?;
        Ok(())
    }

    /// Keeps the first answer to a write made with `key`. The key is the
    /// table's primary key with the account: a second answer for it fails.
    pub async fn keep_answer(
        &mut self,
        account: AccountId,
        key: &str,
        token: Option<i64>,
        answer: &KeptAnswer,
        now: i64,
    ) -> Result<()> {
        sqlx::query(&self.location.sql(
            "INSERT INTO api_idempotency (account_id, idempotency_key, token_id, request_sha256, status, body, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, to_timestamp($7))",
        ))
        .bind(account)
        .bind(key)
        .bind(token)
        .bind(&answer.request_sha256)
        .bind(i64::from(answer.status))
        .bind(&answer.body)
        .bind(now)
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?;
        Ok(())
    }
}
