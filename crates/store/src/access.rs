//! Signing in: password hashes, failed attempts and lockout, and sessions
//! kept in the database so that "sign out everywhere" is one statement.

use crate::error::Classify;
use crate::rows::AccountRow;
use crate::{Queries, Result, StoreError, WriteTx};
use starledger_domain::org::{Account, AccountId};
use starledger_domain::regions::Principal;

/// What sign-in needs to know about an account.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub principal: Principal,
    pub password_hash: Option<String>,
    pub must_change_password: bool,
    pub failed_logins: i64,
    /// Unix seconds until which sign-in is refused.
    pub locked_until: Option<i64>,
}

/// A live session, found by the hash of its cookie.
#[derive(Debug, Clone)]
pub struct Session {
    pub principal: Principal,
    pub csrf_token: String,
    pub must_change_password: bool,
    pub expires_at: i64,
}

#[derive(sqlx::FromRow)]
struct CredentialRow {
    #[sqlx(flatten)]
    account: AccountRow,
    password_hash: Option<String>,
    #[sqlx(try_from = "crate::rows::Flag")]
    must_change_password: bool,
    failed_logins: i64,
    locked_until: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    #[sqlx(flatten)]
    account: AccountRow,
    csrf_token: String,
    #[sqlx(try_from = "crate::rows::Flag")]
    must_change_password: bool,
    expires_at: i64,
}

const ACCOUNT_COLUMNS: &str = "a.id, a.community_id, a.region_id, a.login, a.name, a.role, a.member_id, a.branch_id";

#[allow(async_fn_in_trait)]
pub trait AccessQueries: Queries {
    async fn credentials(&mut self, login: &str) -> Result<Option<Credentials>> {
        let (conn, location) = self.parts();
        let sql = format!(
            "SELECT {ACCOUNT_COLUMNS}, a.password_hash, a.must_change_password, a.failed_logins, \
             unix_seconds(a.locked_until) AS locked_until \
             FROM accounts a WHERE a.login = $1 AND a.disabled_at IS NULL"
        );
        let row: Option<CredentialRow> =
            sqlx::query_as(&location.sql(&sql)).bind(login).fetch_optional(conn).await.at(location)?;
        row.map(|row| {
            Ok(Credentials {
                principal: row.account.into_principal()?,
                password_hash: row.password_hash,
                must_change_password: row.must_change_password,
                failed_logins: row.failed_logins,
                locked_until: row.locked_until,
            })
        })
        .transpose()
    }

    async fn account(&mut self, id: AccountId) -> Result<Account> {
        let (conn, location) = self.parts();
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.id = $1");
        let row: Option<AccountRow> = sqlx::query_as(&sql).bind(id).fetch_optional(conn).await.at(location)?;
        row.ok_or_else(|| StoreError::not_found("account", id))?.into_account()
    }

    /// The session with this cookie hash, if it has not expired at `now`.
    async fn session(&mut self, id_sha256: &str, now: i64) -> Result<Option<Session>> {
        let (conn, location) = self.parts();
        let sql = format!(
            "SELECT {ACCOUNT_COLUMNS}, s.csrf_token, a.must_change_password, unix_seconds(s.expires_at) AS expires_at \
             FROM sessions s JOIN accounts a ON a.id = s.account_id \
             WHERE s.id_sha256 = $1 AND s.expires_at > to_timestamp($2) AND a.disabled_at IS NULL"
        );
        let row: Option<SessionRow> =
            sqlx::query_as(&location.sql(&sql)).bind(id_sha256).bind(now).fetch_optional(conn).await.at(location)?;
        row.map(|row| {
            Ok(Session {
                principal: row.account.into_principal()?,
                csrf_token: row.csrf_token,
                must_change_password: row.must_change_password,
                expires_at: row.expires_at,
            })
        })
        .transpose()
    }
}

impl<T: Queries> AccessQueries for T {}

impl WriteTx {
    pub async fn set_password(&mut self, account: AccountId, hash: &str, must_change: bool) -> Result<()> {
        sqlx::query(
            "UPDATE accounts SET password_hash = $1, must_change_password = $2, failed_logins = 0, locked_until = NULL \
             WHERE id = $3",
        )
        .bind(hash)
        .bind(must_change)
        .bind(account)
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?;
        Ok(())
    }

    /// Counts one wrong password, atomically inside this transaction; at
    /// `max_failures` the account locks until `locked_until` and the count
    /// starts again. Returns whether the account is now locked.
    pub async fn record_failed_login(
        &mut self,
        account: AccountId,
        max_failures: i64,
        locked_until: i64,
    ) -> Result<bool> {
        let failed: i64 = sqlx::query_scalar(
            "UPDATE accounts SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING failed_logins",
        )
        .bind(account)
        .fetch_one(&mut *self.tx)
        .await
        .at(&self.location)?;
        if failed < max_failures {
            return Ok(false);
        }
        sqlx::query(
            &self.location.sql("UPDATE accounts SET failed_logins = 0, locked_until = to_timestamp($1) WHERE id = $2"),
        )
        .bind(locked_until)
        .bind(account)
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?;
        Ok(true)
    }

    pub async fn create_session(
        &mut self,
        id_sha256: &str,
        account: AccountId,
        csrf_token: &str,
        now: i64,
        expires_at: i64,
        ip: &str,
    ) -> Result<()> {
        sqlx::query("UPDATE accounts SET failed_logins = 0, locked_until = NULL WHERE id = $1")
            .bind(account)
            .execute(&mut *self.tx)
            .await
            .at(&self.location)?;
        sqlx::query(&self.location.sql(
            "INSERT INTO sessions (id_sha256, account_id, csrf_token, created_at, expires_at, ip) \
             VALUES ($1, $2, $3, to_timestamp($4), to_timestamp($5), $6)",
        ))
        .bind(id_sha256)
        .bind(account)
        .bind(csrf_token)
        .bind(now)
        .bind(expires_at)
        .bind(ip)
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?;
        Ok(())
    }

    pub async fn delete_session(&mut self, id_sha256: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE id_sha256 = $1")
            .bind(id_sha256)
            .execute(&mut *self.tx)
            .await
            .at(&self.location)?;
        Ok(())
    }

    /// Signs an account out everywhere; returns how many sessions ended.
    pub async fn delete_sessions_of(&mut self, account: AccountId) -> Result<u64> {
        let result = sqlx::query("DELETE FROM sessions WHERE account_id = $1")
            .bind(account)
            .execute(&mut *self.tx)
            .await
            .at(&self.location)?;
        Ok(result.rows_affected())
    }
}
