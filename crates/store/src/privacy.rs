//! Personal data after its time (issue 17, PIPL): a member who left is
//! pseudonymized in place, and old files and audit rows are removed. The
//! ledger, the seals and the finalized years' ratings are not touched: none
//! of them holds a name (docs/ledger-format.md, "What a pseudonym changes").

use crate::error::Classify;
use crate::{Queries, Result, WriteTx, now_text};
use starledger_domain::org::{AccountId, CommunityId, MemberId};

/// What pseudonymizing a member removed, counted for the audit row.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pseudonymized {
    pub files: u64,
    pub relatives: u64,
    pub accounts: u64,
    pub audit_rows: u64,
}

/// A file of a withdrawn or rejected claim, due for removal.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ExpiredFile {
    pub claim_id: i64,
    pub upload_id: i64,
    pub bytes: i64,
    /// When the claim was withdrawn or rejected (seconds since 1970).
    pub decided_at: i64,
}

#[allow(async_fn_in_trait)]
pub trait PrivacyQueries: Queries {
    /// The alias and the day, if the member was pseudonymized.
    async fn pseudonymized(&mut self, community: CommunityId, member: MemberId) -> Result<Option<(String, String)>> {
        let (conn, location) = self.parts();
        sqlx::query_as(
            "SELECT alias, CAST(on_day AS TEXT) FROM pseudonymized_members WHERE community_id = $1 AND member_id = $2",
        )
        .bind(community)
        .bind(member)
        .fetch_optional(conn)
        .await
        .at(location)
    }

    /// Files of claims withdrawn or rejected before `before` (seconds).
    async fn expired_claim_files(&mut self, community: CommunityId, before: i64) -> Result<Vec<ExpiredFile>> {
        let (conn, location) = self.parts();
        sqlx::query_as(&location.sql(
            "SELECT c.id AS claim_id, u.id AS upload_id, CAST(LENGTH(u.bytes) AS BIGINT) AS bytes, \
             unix_seconds(c.decided_at) AS decided_at FROM claims c JOIN uploads u ON u.id = c.upload_id \
             WHERE c.community_id = $1 AND c.status IN ('rejected', 'cancelled') AND c.decided_at < to_timestamp($2) ORDER BY c.id",
        ))
        .bind(community)
        .bind(before)
        .fetch_all(conn)
        .await
        .at(location)
    }

    /// How many of the community's audit rows are older than `before`
    /// (an RFC 3339 time in UTC, as the rows keep theirs).
    async fn audit_rows_before(&mut self, community: CommunityId, before: &str) -> Result<i64> {
        let (conn, location) = self.parts();
        sqlx::query_scalar(
            &location.sql("SELECT COUNT(*) FROM audit_log WHERE community_id = $1 AND at < timestamptz($2)"),
        )
        .bind(community)
        .bind(before)
        .fetch_one(conn)
        .await
        .at(location)
    }
}

impl<T: Queries> PrivacyQueries for T {}

impl WriteTx {
    /// Replaces a member's name by `alias` wherever it is kept outside the
    /// ledger (the roll, the finalized years' snapshots, their accounts'
    /// names, the audit rows' details), removes their phone, the roll's
    /// note, an exemption's reason, their claims' files and notes and their
    /// relatives' links, and disables their accounts.
    pub async fn pseudonymize_member(
        &mut self,
        community: CommunityId,
        member: MemberId,
        alias: &str,
        on_day: &str,
        by: AccountId,
    ) -> Result<Pseudonymized> {
        let (name, phone): (String, Option<String>) =
            sqlx::query_as("SELECT name, phone FROM members WHERE community_id = $1 AND id = $2")
                .bind(community)
                .bind(member)
                .fetch_one(&mut *self.tx)
                .await
                .at(&self.location)?;
        let hidden = "（已匿名）";
        sqlx::query(
            "UPDATE members SET name = $1, phone = NULL, note = NULL, \
             linking_exempt_reason = CASE WHEN linking_exempt_reason IS NULL THEN NULL ELSE $2 END \
             WHERE community_id = $3 AND id = $4",
        )
        .bind(alias)
        .bind(hidden)
        .bind(community)
        .bind(member)
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?;
        sqlx::query(
            "UPDATE final_roll SET name = $1, \
             linking_exempt_reason = CASE WHEN linking_exempt_reason IS NULL THEN NULL ELSE $2 END \
             WHERE community_id = $3 AND member_id = $4",
        )
        .bind(alias)
        .bind(hidden)
        .bind(community)
        .bind(member)
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?;
        let uploads: Vec<i64> = sqlx::query_scalar(
            "SELECT upload_id FROM claims WHERE community_id = $1 AND member_id = $2 AND upload_id IS NOT NULL",
        )
        .bind(community)
        .bind(member)
        .fetch_all(&mut *self.tx)
        .await
        .at(&self.location)?;
        sqlx::query("UPDATE claims SET upload_id = NULL, note = '' WHERE community_id = $1 AND member_id = $2")
            .bind(community)
            .bind(member)
            .execute(&mut *self.tx)
            .await
            .at(&self.location)?;
        for upload in &uploads {
            self.delete_upload(community, *upload).await?;
        }
        let relatives =
            sqlx::query("DELETE FROM relatives WHERE community_id = $1 AND (member_id = $2 OR relative_id = $2)")
                .bind(community)
                .bind(member)
                .execute(&mut *self.tx)
                .await
                .at(&self.location)?
                .rows_affected();
        let accounts: Vec<AccountId> =
            sqlx::query_scalar("SELECT id FROM accounts WHERE community_id = $1 AND member_id = $2")
                .bind(community)
                .bind(member)
                .fetch_all(&mut *self.tx)
                .await
                .at(&self.location)?;
        for account in &accounts {
            sqlx::query(&self.location.sql(
                "UPDATE accounts SET name = $1, disabled_at = COALESCE(disabled_at, timestamptz($2)) WHERE id = $3",
            ))
            .bind(alias)
            .bind(now_text())
            .bind(account)
            .execute(&mut *self.tx)
            .await
            .at(&self.location)?;
            sqlx::query("DELETE FROM sessions WHERE account_id = $1")
                .bind(account)
                .execute(&mut *self.tx)
                .await
                .at(&self.location)?;
        }
        // Audit rows of roll changes name the member and their phone,
        // masked; both give way to the alias. Ids stay, so the log still
        // says what was done to whom.
        let mut audit_rows = sqlx::query(
            "UPDATE audit_log SET detail = REPLACE(detail, $1, $2) WHERE community_id = $3 AND detail LIKE $4 ESCAPE '\\'",
        )
        .bind(&name)
        .bind(alias)
        .bind(community)
        .bind(format!("%{}%", like_escaped(&name)))
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?
        .rows_affected();
        if let Some(phone) = phone.filter(|p| p.len() == 11) {
            let masked = format!("{}****{}", &phone[..3], &phone[7..]);
            audit_rows += sqlx::query(
                "UPDATE audit_log SET detail = REPLACE(REPLACE(detail, $1, '-'), $2, '-') \
                 WHERE community_id = $3 AND (detail LIKE $4 OR detail LIKE $5)",
            )
            .bind(&masked)
            .bind(&phone)
            .bind(community)
            .bind(format!("%{masked}%"))
            .bind(format!("%{phone}%"))
            .execute(&mut *self.tx)
            .await
            .at(&self.location)?
            .rows_affected();
        }
        sqlx::query(
            "INSERT INTO pseudonymized_members (community_id, member_id, alias, on_day, by_account) \
             VALUES ($1, $2, $3, date($4), $5)",
        )
        .bind(community)
        .bind(member)
        .bind(alias)
        .bind(on_day)
        .bind(by)
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?;
        Ok(Pseudonymized { files: uploads.len() as u64, relatives, accounts: accounts.len() as u64, audit_rows })
    }

    /// Removes a claim's file: the claim keeps its decision and its note.
    pub async fn remove_claim_file(&mut self, community: CommunityId, claim: i64, upload: i64) -> Result<()> {
        sqlx::query("UPDATE claims SET upload_id = NULL WHERE community_id = $1 AND id = $2 AND upload_id = $3")
            .bind(community)
            .bind(claim)
            .bind(upload)
            .execute(&mut *self.tx)
            .await
            .at(&self.location)?;
        self.delete_upload(community, upload).await
    }

    /// Deletes an upload no claim or integrity record refers to any more.
    async fn delete_upload(&mut self, community: CommunityId, upload: i64) -> Result<()> {
        sqlx::query(
            "DELETE FROM uploads WHERE community_id = $1 AND id = $2 \
             AND NOT EXISTS (SELECT 1 FROM claims WHERE upload_id = $2) \
             AND NOT EXISTS (SELECT 1 FROM integrity_records WHERE evidence_id = $2)",
        )
        .bind(community)
        .bind(upload)
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?;
        Ok(())
    }

    /// Deletes the community's audit rows older than `before` (RFC 3339,
    /// UTC); how many.
    pub async fn delete_audit_rows_before(&mut self, community: CommunityId, before: &str) -> Result<u64> {
        Ok(sqlx::query(&self.location.sql("DELETE FROM audit_log WHERE community_id = $1 AND at < timestamptz($2)"))
            .bind(community)
            .bind(before)
            .execute(&mut *self.tx)
            .await
            .at(&self.location)?
            .rows_affected())
    }
}

/// `text` inside a LIKE pattern with `ESCAPE '\'`: matched as it is.
fn like_escaped(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}
