//! Volunteer activities (志愿服务): notices, sign-ups, check-ins and the
//! entries their confirmation wrote.

use crate::error::Classify;
use crate::{Queries, Result, StoreError, WriteTx};
use starledger_domain::org::{AccountId, CommunityId, MemberId};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Activity {
    pub id: i64,
    pub community_id: CommunityId,
    pub rule_key: String,
    pub title: String,
    pub place: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub slots: i64,
    pub checkin_token: String,
    pub created_by: AccountId,
}

const ACTIVITY_SELECT: &str = "SELECT id, community_id, rule_key, title, place, unix_seconds(starts_at) AS starts_at, \
     unix_seconds(ends_at) AS ends_at, slots, checkin_token, created_by FROM activities";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Signup {
    pub member_id: MemberId,
    pub status: String,
    pub answered_at: i64,
    pub checked_in_at: Option<i64>,
    pub checked_out_at: Option<i64>,
    pub entry_id: Option<i64>,
    pub no_show_entry_id: Option<i64>,
}

impl Signup {
    pub fn is_signed_up(&self) -> bool {
        self.status == "signed_up"
    }

    /// Signed up, never checked in, not confirmed, and not yet recorded absent.
    pub fn is_unrecorded_no_show(&self) -> bool {
        self.is_signed_up()
            && self.checked_in_at.is_none()
            && self.entry_id.is_none()
            && self.no_show_entry_id.is_none()
    }
}

#[derive(Debug, Clone)]
pub struct NewActivity {
    pub community_id: CommunityId,
    pub rule_key: String,
    pub title: String,
    pub place: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub slots: i64,
    pub checkin_token: String,
    pub created_by: AccountId,
    pub created_at: i64,
}

#[allow(async_fn_in_trait)]
pub trait ActivityQueries: Queries {
    async fn activity(&mut self, community: CommunityId, id: i64) -> Result<Activity> {
        let (conn, location) = self.parts();
        let sql = format!("{ACTIVITY_SELECT} WHERE community_id = $1 AND id = $2");
        let row: Option<Activity> =
            sqlx::query_as(&location.sql(&sql)).bind(community).bind(id).fetch_optional(conn).await.at(location)?;
        row.ok_or_else(|| StoreError::not_found("activity", id))
    }

    async fn activity_by_token(&mut self, token: &str) -> Result<Option<Activity>> {
        let (conn, location) = self.parts();
        let sql = format!("{ACTIVITY_SELECT} WHERE checkin_token = $1");
        sqlx::query_as(&location.sql(&sql)).bind(token).fetch_optional(conn).await.at(location)
    }

    /// The latest activities first.
    async fn activities(&mut self, community: CommunityId) -> Result<Vec<Activity>> {
        let (conn, location) = self.parts();
        let sql = format!("{ACTIVITY_SELECT} WHERE community_id = $1 ORDER BY starts_at DESC LIMIT 100");
        sqlx::query_as(&location.sql(&sql)).bind(community).fetch_all(conn).await.at(location)
    }

    async fn signups(&mut self, activity: i64) -> Result<Vec<Signup>> {
        let (conn, location) = self.parts();
        sqlx::query_as(&location.sql(
            "SELECT member_id, status, unix_seconds(answered_at) AS answered_at, \
             unix_seconds(checked_in_at) AS checked_in_at, unix_seconds(checked_out_at) AS checked_out_at, \
             entry_id, no_show_entry_id \
             FROM activity_signups \
             WHERE activity_id = $1 ORDER BY answered_at",
        ))
        .bind(activity)
        .fetch_all(conn)
        .await
        .at(location)
    }
}

impl<T: Queries> ActivityQueries for T {}

impl WriteTx {
    pub async fn add_activity(&mut self, activity: &NewActivity) -> Result<i64> {
        let id: i64 = sqlx::query_scalar(&self.location.sql(
            "INSERT INTO activities (community_id, rule_key, title, place, starts_at, ends_at, slots, checkin_token, \
             created_by, created_at) VALUES ($1, $2, $3, $4, to_timestamp($5), to_timestamp($6), $7, $8, $9, to_timestamp($10)) RETURNING id",
        ))
        .bind(activity.community_id)
        .bind(&activity.rule_key)
        .bind(&activity.title)
        .bind(&activity.place)
        .bind(activity.starts_at)
        .bind(activity.ends_at)
        .bind(activity.slots)
        .bind(&activity.checkin_token)
        .bind(activity.created_by)
        .bind(activity.created_at)
        .fetch_one(&mut *self.tx)
        .await
        .at(&self.location)?;
        Ok(id)
    }

    /// Signs up, or cancels, a member's answer to a notice.
    pub async fn answer_activity(&mut self, activity: i64, member: MemberId, signed_up: bool, at: i64) -> Result<()> {
        sqlx::query(&self.location.sql(
            "INSERT INTO activity_signups (activity_id, member_id, status, answered_at) VALUES ($1, $2, $3, to_timestamp($4)) \
             ON CONFLICT (activity_id, member_id) DO UPDATE SET status = excluded.status, \
             answered_at = excluded.answered_at WHERE activity_signups.entry_id IS NULL",
        ))
        .bind(activity)
        .bind(member)
        .bind(if signed_up { "signed_up" } else { "cancelled" })
        .bind(at)
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?;
        Ok(())
    }

    /// A signed-up member's own check-in at the venue; false if they had not
    /// signed up (or had cancelled).
    pub async fn check_in_activity(&mut self, activity: i64, member: MemberId, at: i64) -> Result<bool> {
        let result = sqlx::query(&self.location.sql(
            "UPDATE activity_signups SET checked_in_at = to_timestamp($1) WHERE activity_id = $2 AND member_id = $3 \
             AND status = 'signed_up' AND checked_in_at IS NULL",
        ))
        .bind(at)
        .bind(activity)
        .bind(member)
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?;
        Ok(result.rows_affected() == 1)
    }

    /// The second scan of the venue QR: false unless checked in and not yet out.
    pub async fn check_out_activity(&mut self, activity: i64, member: MemberId, at: i64) -> Result<bool> {
        let result = sqlx::query(&self.location.sql(
            "UPDATE activity_signups SET checked_out_at = to_timestamp($1) WHERE activity_id = $2 AND member_id = $3 \
             AND checked_in_at IS NOT NULL AND checked_out_at IS NULL AND entry_id IS NULL",
        ))
        .bind(at)
        .bind(activity)
        .bind(member)
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?;
        Ok(result.rows_affected() == 1)
    }

    pub async fn mark_activity_no_show(&mut self, activity: i64, member: MemberId, entry: i64) -> Result<()> {
        sqlx::query("UPDATE activity_signups SET no_show_entry_id = $1 WHERE activity_id = $2 AND member_id = $3")
            .bind(entry)
            .bind(activity)
            .bind(member)
            .execute(&mut *self.tx)
            .await
            .at(&self.location)?;
        Ok(())
    }

    pub async fn mark_activity_confirmed(&mut self, activity: i64, member: MemberId, entry: i64) -> Result<()> {
        sqlx::query("UPDATE activity_signups SET entry_id = $1 WHERE activity_id = $2 AND member_id = $3")
            .bind(entry)
            .bind(activity)
            .bind(member)
            .execute(&mut *self.tx)
            .await
            .at(&self.location)?;
        Ok(())
    }
}
