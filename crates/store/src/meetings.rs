//! Meetings (三会一课, 主题党日), their attendance and leave requests.

use crate::error::Classify;
use crate::{Queries, Result, StoreError, WriteTx};
use starledger_domain::claims::ClaimStatus;
use starledger_domain::meetings::Attendance;
use starledger_domain::org::{AccountId, BranchId, CommunityId, MemberId, PartyGroupId};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Meeting {
    pub id: i64,
    pub community_id: CommunityId,
    pub branch_id: BranchId,
    pub branch: String,
    pub party_group_id: Option<PartyGroupId>,
    pub rule_key: String,
    pub title: String,
    pub place: String,
    pub starts_at: i64,
    pub checkin_token: String,
    pub created_by: AccountId,
    pub closed_at: Option<i64>,
}

const MEETING_SELECT: &str = "SELECT g.id, g.community_id, g.branch_id, b.name AS branch, g.party_group_id, g.rule_key, g.title, g.place, \
     unix_seconds(g.starts_at) AS starts_at, g.checkin_token, g.created_by, unix_seconds(g.closed_at) AS closed_at \
     FROM meetings g JOIN branches b ON b.id = g.branch_id";

#[derive(Debug, Clone)]
pub struct AttendanceRow {
    pub member_id: MemberId,
    pub status: Attendance,
    pub via: String,
    pub ledgered: bool,
}

#[derive(Debug, Clone)]
pub struct LeaveRequest {
    pub id: i64,
    pub meeting_id: i64,
    pub member_id: MemberId,
    pub member_name: String,
    pub reason: String,
    pub status: ClaimStatus,
    /// The decision's note, if the decider gave one.
    pub decision_note: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewMeeting {
    pub community_id: CommunityId,
    pub branch_id: BranchId,
    pub party_group_id: Option<PartyGroupId>,
    pub rule_key: String,
    pub title: String,
    pub place: String,
    pub starts_at: i64,
    pub checkin_token: String,
    pub created_by: AccountId,
    pub created_at: i64,
}

#[allow(async_fn_in_trait)]
pub trait MeetingQueries: Queries {
    async fn meeting(&mut self, community: CommunityId, id: i64) -> Result<Meeting> {
        let (conn, location) = self.parts();
        let sql = format!("{MEETING_SELECT} WHERE g.community_id = $1 AND g.id = $2");
        let row: Option<Meeting> =
            sqlx::query_as(&location.sql(&sql)).bind(community).bind(id).fetch_optional(conn).await.at(location)?;
        row.ok_or_else(|| StoreError::not_found("meeting", id))
    }

    async fn meeting_by_token(&mut self, token: &str) -> Result<Option<Meeting>> {
        let (conn, location) = self.parts();
        let sql = format!("{MEETING_SELECT} WHERE g.checkin_token = $1");
        sqlx::query_as(&location.sql(&sql)).bind(token).fetch_optional(conn).await.at(location)
    }

    /// Meetings newest first; for one branch when given.
    async fn meetings(&mut self, community: CommunityId, branch: Option<BranchId>) -> Result<Vec<Meeting>> {
        let (conn, location) = self.parts();
        let sql = format!(
            "{MEETING_SELECT} WHERE g.community_id = $1 AND ($2 IS NULL OR g.branch_id = $2) ORDER BY g.starts_at DESC LIMIT 100"
        );
        sqlx::query_as(&location.sql(&sql)).bind(community).bind(branch).fetch_all(conn).await.at(location)
    }

    async fn attendance(&mut self, meeting: i64) -> Result<Vec<AttendanceRow>> {
        let (conn, location) = self.parts();
        let rows: Vec<(MemberId, String, String, crate::rows::Flag)> =
            sqlx::query_as("SELECT member_id, status, via, ledgered FROM meeting_attendance WHERE meeting_id = $1")
                .bind(meeting)
                .fetch_all(conn)
                .await
                .at(location)?;
        rows.into_iter()
            .map(|(member_id, status, via, ledgered)| {
                Ok(AttendanceRow {
                    member_id,
                    status: status.parse().map_err(StoreError::Corrupt)?,
                    via,
                    ledgered: ledgered.0,
                })
            })
            .collect()
    }

    async fn leave_requests(
        &mut self,
        community: CommunityId,
        meeting: Option<i64>,
        pending_only: bool,
    ) -> Result<Vec<LeaveRequest>> {
        let (conn, location) = self.parts();
        // id, meeting, member, name, reason, status, decision note
        type Row = (i64, i64, MemberId, String, String, String, Option<String>);
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT l.id, l.meeting_id, l.member_id, m.name, l.reason, l.status, l.decision_note FROM leave_requests l \
             JOIN members m ON m.id = l.member_id WHERE l.community_id = $1 AND ($2 IS NULL OR l.meeting_id = $2) \
             AND ($3 = 0 OR l.status = 'pending') ORDER BY l.requested_at",
        )
        .bind(community)
        .bind(meeting)
        // A number, not a flag: PostgreSQL compares no boolean with 0.
        .bind(i64::from(pending_only))
        .fetch_all(conn)
        .await
        .at(location)?;
        rows.into_iter()
            .map(|(id, meeting_id, member_id, member_name, reason, status, decision_note)| {
                Ok(LeaveRequest {
                    id,
                    meeting_id,
                    member_id,
                    member_name,
                    reason,
                    status: status.parse().map_err(StoreError::Corrupt)?,
                    decision_note,
                })
            })
            .collect()
    }
}

impl<T: Queries> MeetingQueries for T {}

impl WriteTx {
    pub async fn add_meeting(&mut self, meeting: &NewMeeting) -> Result<i64> {
        let id: i64 = sqlx::query_scalar(&self.location.sql(
            "INSERT INTO meetings (community_id, branch_id, party_group_id, rule_key, title, place, starts_at, \
             checkin_token, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, to_timestamp($7), $8, $9, to_timestamp($10)) \
             RETURNING id",
        ))
        .bind(meeting.community_id)
        .bind(meeting.branch_id)
        .bind(meeting.party_group_id)
        .bind(&meeting.rule_key)
        .bind(&meeting.title)
        .bind(&meeting.place)
        .bind(meeting.starts_at)
        .bind(&meeting.checkin_token)
        .bind(meeting.created_by)
        .bind(meeting.created_at)
        .fetch_one(&mut *self.tx)
        .await
        .at(&self.location)?;
        Ok(id)
    }

    /// Records or changes a member's attendance, unless it is already in the
    /// ledger (then it stays; a correction is a reversal).
    pub async fn set_attendance(
        &mut self,
        meeting: i64,
        member: MemberId,
        status: Attendance,
        via: &str,
        by: AccountId,
        at: i64,
    ) -> Result<bool> {
        let result = sqlx::query(&self.location.sql(
            "INSERT INTO meeting_attendance (meeting_id, member_id, status, via, recorded_by, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, to_timestamp($6)) ON CONFLICT (meeting_id, member_id) DO UPDATE SET \
             status = excluded.status, via = excluded.via, recorded_by = excluded.recorded_by, \
             recorded_at = excluded.recorded_at WHERE meeting_attendance.ledgered = FALSE",
        ))
        .bind(meeting)
        .bind(member)
        .bind(status.as_str())
        .bind(via)
        .bind(by)
        .bind(at)
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?;
        Ok(result.rows_affected() == 1)
    }

    /// A member's own QR check-in: present, unless the organizer has already
    /// marked them; returns whether it was recorded.
    pub async fn check_in(&mut self, meeting: i64, member: MemberId, by: AccountId, at: i64) -> Result<bool> {
        let result = sqlx::query(&self.location.sql(
            "INSERT INTO meeting_attendance (meeting_id, member_id, status, via, recorded_by, recorded_at) \
             VALUES ($1, $2, 'present', 'qr', $3, to_timestamp($4)) ON CONFLICT (meeting_id, member_id) DO NOTHING",
        ))
        .bind(meeting)
        .bind(member)
        .bind(by)
        .bind(at)
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?;
        Ok(result.rows_affected() == 1)
    }

    pub async fn mark_attendance_ledgered(&mut self, meeting: i64, member: MemberId) -> Result<()> {
        sqlx::query("UPDATE meeting_attendance SET ledgered = TRUE WHERE meeting_id = $1 AND member_id = $2")
            .bind(meeting)
            .bind(member)
            .execute(&mut *self.tx)
            .await
            .at(&self.location)?;
        Ok(())
    }

    pub async fn close_meeting(&mut self, meeting: i64, at: i64) -> Result<()> {
        sqlx::query(
            &self.location.sql("UPDATE meetings SET closed_at = to_timestamp($1) WHERE id = $2 AND closed_at IS NULL"),
        )
        .bind(at)
        .bind(meeting)
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?;
        Ok(())
    }

    pub async fn add_leave_request(
        &mut self,
        community: CommunityId,
        meeting: i64,
        member: MemberId,
        reason: &str,
        at: i64,
    ) -> Result<i64> {
        self.savepoint().await?;
        let attempt = sqlx::query_scalar(&self.location.sql(
            "INSERT INTO leave_requests (community_id, meeting_id, member_id, reason, status, requested_at) \
             VALUES ($1, $2, $3, $4, 'pending', to_timestamp($5)) RETURNING id",
        ))
        .bind(community)
        .bind(meeting)
        .bind(member)
        .bind(reason)
        .bind(at)
        .fetch_one(&mut *self.tx)
        .await;
        let attempt = self.end_savepoint(attempt).await?;
        let id: i64 = attempt.map_err(|e| {
            crate::org::unique_to_conflict(e, &self.location, "leave for this meeting was already requested".into())
        })?;
        Ok(id)
    }

    pub async fn leave_request(&mut self, community: CommunityId, id: i64) -> Result<LeaveRequest> {
        let requests = self.leave_requests(community, None, false).await?;
        requests.into_iter().find(|r| r.id == id).ok_or_else(|| StoreError::not_found("leave request", id))
    }

    pub async fn decide_leave(
        &mut self,
        community: CommunityId,
        id: i64,
        status: ClaimStatus,
        note: Option<&str>,
        by: AccountId,
        at: i64,
    ) -> Result<bool> {
        let result = sqlx::query(&self.location.sql(
            "UPDATE leave_requests SET status = $1, decided_by = $2, decided_at = to_timestamp($3), decision_note = $6 \
             WHERE community_id = $4 AND id = $5 AND status = 'pending'",
        ))
        .bind(status.as_str())
        .bind(by)
        .bind(at)
        .bind(community)
        .bind(id)
        .bind(note)
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?;
        Ok(result.rows_affected() == 1)
    }
}
