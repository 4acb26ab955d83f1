//! The outbox of group-robot messages. A message is queued inside the
//! transaction that makes it true (an activity published), so it is never
//! lost and never queued twice (one per robot and subject). A sender claims
//! a due message in its own short transaction before posting it; a sender
//! that stops mid-post leaves the message `sending`, and the next start
//! marks it `uncertain` rather than posting it again.

use crate::error::Classify;
use crate::{Queries, Result, StoreError, WriteTx};
use starledger_domain::org::{AccountId, CommunityId};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Robot {
    pub id: i64,
    pub community_id: CommunityId,
    pub platform: String,
    pub name: String,
    pub url: String,
    pub secret: Option<String>,
    #[sqlx(try_from = "crate::rows::Flag")]
    pub enabled: bool,
}

const ROBOT_SELECT: &str = "SELECT id, community_id, platform, name, url, secret, enabled FROM robots";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxMessage {
    pub id: i64,
    pub community_id: CommunityId,
    pub robot_id: i64,
    pub subject: String,
    pub text: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

const OUTBOX_SELECT: &str = "SELECT id, community_id, robot_id, subject, text, status, attempts, \
     unix_seconds(next_attempt_at) AS next_attempt_at, last_error, unix_seconds(created_at) AS created_at, \
     unix_seconds(sent_at) AS sent_at FROM outbox";

#[derive(Debug, Clone)]
pub struct NewRobot {
    pub community_id: CommunityId,
    pub platform: String,
    pub name: String,
    pub url: String,
    pub secret: Option<String>,
    pub created_by: AccountId,
    pub created_at: i64,
}

#[allow(async_fn_in_trait)]
pub trait OutboxQueries: Queries {
    async fn robots(&mut self, community: CommunityId) -> Result<Vec<Robot>> {
        let (conn, location) = self.parts();
        let sql = format!("{ROBOT_SELECT} WHERE community_id = $1 ORDER BY id");
        sqlx::query_as(&sql).bind(community).fetch_all(conn).await.at(location)
    }

    async fn robot(&mut self, id: i64) -> Result<Robot> {
        let (conn, location) = self.parts();
        let sql = format!("{ROBOT_SELECT} WHERE id = $1");
        let row: Option<Robot> = sqlx::query_as(&sql).bind(id).fetch_optional(conn).await.at(location)?;
        row.ok_or_else(|| StoreError::not_found("robot", id))
    }

    /// The latest messages of a community, or of one subject.
    async fn outbox(&mut self, community: CommunityId, subject: Option<&str>) -> Result<Vec<OutboxMessage>> {
        let (conn, location) = self.parts();
        let sql = format!(
            "{OUTBOX_SELECT} WHERE community_id = $1 AND ($2 IS NULL OR subject = $2) ORDER BY id DESC LIMIT 100"
        );
        sqlx::query_as(&location.sql(&sql)).bind(community).bind(subject).fetch_all(conn).await.at(location)
    }

    async fn outbox_message(&mut self, community: CommunityId, id: i64) -> Result<OutboxMessage> {
        let (conn, location) = self.parts();
        let sql = format!("{OUTBOX_SELECT} WHERE community_id = $1 AND id = $2");
        let row: Option<OutboxMessage> =
            sqlx::query_as(&location.sql(&sql)).bind(community).bind(id).fetch_optional(conn).await.at(location)?;
        row.ok_or_else(|| StoreError::not_found("outbox message", id))
    }

    /// How many messages of every community are in each status other than
    /// `sent`: the backlog `/metrics` shows.
    async fn outbox_backlog(&mut self) -> Result<Vec<(String, i64)>> {
        let (conn, location) = self.parts();
        sqlx::query_as(
            "SELECT status, CAST(COUNT(*) AS BIGINT) FROM outbox WHERE status <> 'sent' GROUP BY status ORDER BY status",
        )
        .fetch_all(conn)
        .await
        .at(location)
    }
}

impl<T: Queries> OutboxQueries for T {}

impl WriteTx {
    pub async fn add_robot(&mut self, robot: &NewRobot) -> Result<i64> {
        sqlx::query_scalar(&self.location.sql(
            "INSERT INTO robots (community_id, platform, name, url, secret, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, to_timestamp($7)) RETURNING id",
        ))
        .bind(robot.community_id)
        .bind(&robot.platform)
        .bind(&robot.name)
        .bind(&robot.url)
        .bind(&robot.secret)
        .bind(robot.created_by)
        .bind(robot.created_at)
        .fetch_one(&mut *self.tx)
        .await
        .at(&self.location)
    }

    pub async fn set_robot_enabled(&mut self, community: CommunityId, id: i64, enabled: bool) -> Result<bool> {
        let result = sqlx::query("UPDATE robots SET enabled = $1 WHERE community_id = $2 AND id = $3")
            .bind(enabled)
            .bind(community)
            .bind(id)
            .execute(&mut *self.tx)
            .await
            .at(&self.location)?;
        Ok(result.rows_affected() == 1)
    }

    /// Queues `text` for every enabled robot of the community; a subject
    /// already queued for a robot is not queued again. Returns how many.
    pub async fn enqueue_for_robots(
        &mut self,
        community: CommunityId,
        subject: &str,
        text: &str,
        now: i64,
    ) -> Result<u64> {
        let result = sqlx::query(&self.location.sql(
            "INSERT INTO outbox (community_id, robot_id, subject, text, next_attempt_at, created_at) \
             SELECT community_id, id, $1, $2, to_timestamp($3), to_timestamp($3) FROM robots WHERE community_id = $4 AND enabled = TRUE \
             ON CONFLICT (robot_id, subject) DO NOTHING",
        ))
        .bind(subject)
        .bind(text)
        .bind(now)
        .bind(community)
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?;
        Ok(result.rows_affected())
    }

    /// Messages left `sending` by a sender whose claim has run out (it
    /// stopped mid-post) may or may not have reached the group; they wait
    /// for a person. A claim still running belongs to a live sender, in
    /// this process or another server's, and is left alone.
    pub async fn mark_interrupted_uncertain(&mut self, now: i64) -> Result<u64> {
        let result = sqlx::query(&self.location.sql(
            "UPDATE outbox SET status = 'uncertain', last_error = 'the sender stopped while posting; \
             check the group, then resend or mark it sent' \
             WHERE status = 'sending' AND (lease_until IS NULL OR lease_until <= to_timestamp($1))",
        ))
        .bind(now)
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?;
        Ok(result.rows_affected())
    }

    /// Claims the oldest due message whose robot has posted fewer than
    /// `per_minute` times in the last minute, marking it `sending`.
    pub async fn claim_due_message(
        &mut self,
        now: i64,
        per_minute: i64,
        lease_until: i64,
    ) -> Result<Option<(OutboxMessage, Robot)>> {
        let sql = format!(
            "{OUTBOX_SELECT} o WHERE o.status = 'pending' AND o.next_attempt_at <= to_timestamp($1) \
             AND (SELECT COUNT(*) FROM outbox r WHERE r.robot_id = o.robot_id AND r.last_attempt_at > to_timestamp($2)) < $3 \
             AND EXISTS (SELECT 1 FROM robots b WHERE b.id = o.robot_id AND b.enabled = TRUE) \
             ORDER BY o.next_attempt_at, o.id LIMIT 1"
        );
        let message: Option<OutboxMessage> = sqlx::query_as(&self.location.sql(&sql))
            .bind(now)
            .bind(now - 60)
            .bind(per_minute)
            .fetch_optional(&mut *self.tx)
            .await
            .at(&self.location)?;
        let Some(mut message) = message else { return Ok(None) };
        sqlx::query(&self.location.sql(
            "UPDATE outbox SET status = 'sending', attempts = attempts + 1, last_attempt_at = to_timestamp($1), lease_until = to_timestamp($3) \
             WHERE id = $2 AND status = 'pending'",
        ))
        .bind(now)
        .bind(message.id)
        .bind(lease_until)
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?;
        message.attempts += 1;
        let robot = self.robot(message.robot_id).await?;
        Ok(Some((message, robot)))
    }

    pub async fn mark_message_sent(&mut self, id: i64, at: i64) -> Result<()> {
        sqlx::query(
            &self
                .location
                .sql("UPDATE outbox SET status = 'sent', sent_at = to_timestamp($1), last_error = NULL WHERE id = $2"),
        )
        .bind(at)
        .bind(id)
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?;
        Ok(())
    }

    /// A failed post: tried again at `retry_at`, or given up when none.
    pub async fn mark_message_failed(&mut self, id: i64, error: &str, retry_at: Option<i64>) -> Result<()> {
        sqlx::query(&self.location.sql(
            "UPDATE outbox SET status = $1, next_attempt_at = COALESCE(to_timestamp($2), next_attempt_at), last_error = $3 \
             WHERE id = $4",
        ))
        .bind(if retry_at.is_some() { "pending" } else { "failed" })
        .bind(retry_at)
        .bind(error)
        .bind(id)
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?;
        Ok(())
    }

    /// A person's answer to an uncertain or failed message: post it again,
    /// or record that the group has it.
    pub async fn settle_message(&mut self, community: CommunityId, id: i64, resend: bool, now: i64) -> Result<bool> {
        let sql = if resend {
            "UPDATE outbox SET status = 'pending', next_attempt_at = to_timestamp($1), attempts = 0 \
             WHERE community_id = $2 AND id = $3 AND status IN ('uncertain', 'failed')"
        } else {
            "UPDATE outbox SET status = 'sent', sent_at = to_timestamp($1) \
             WHERE community_id = $2 AND id = $3 AND status IN ('uncertain', 'failed')"
        };
        let result = sqlx::query(&self.location.sql(sql))
            .bind(now)
            .bind(community)
            .bind(id)
            .execute(&mut *self.tx)
            .await
            .at(&self.location)?;
        Ok(result.rows_affected() == 1)
    }
}
