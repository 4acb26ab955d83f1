//! The branch review's secret ballot. Who voted and what the papers say are
//! kept in separate tables with nothing to join them; the tally is read only
//! once the ballot is closed (the web layer asks `ballot_tallies` only then).

use crate::error::Classify;
use crate::{Queries, Result, StoreError, WriteTx};
use starledger_domain::ballot::Tally;
use starledger_domain::integrity::ReviewGrade;
use starledger_domain::org::{AccountId, BranchId, CommunityId, MemberId};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BallotStatus {
    Open,
    Closed,
    Decided,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BallotRow {
    pub id: i64,
    pub community_id: CommunityId,
    pub branch_id: BranchId,
    pub year: i64,
    pub status: String,
    pub opened_by: AccountId,
    pub opened_at: i64,
    pub closed_at: Option<i64>,
    /// The branch's voting members when the ballot closed.
    pub eligible_voters: Option<i64>,
}

impl BallotRow {
    pub fn status(&self) -> BallotStatus {
        match self.status.as_str() {
            "open" => BallotStatus::Open,
            "closed" => BallotStatus::Closed,
            _ => BallotStatus::Decided,
        }
    }
}

const BALLOT_SELECT: &str = "SELECT id, community_id, branch_id, year, status, opened_by, unix_seconds(opened_at) AS opened_at, \
     unix_seconds(closed_at) AS closed_at, eligible_voters FROM ballots";

/// A grade proposed against the tally, waiting for (or given) its co-sign.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExceptionRow {
    pub member_id: MemberId,
    pub grade: String,
    pub reason: String,
    pub proposed_by: AccountId,
    pub proposed_at: i64,
    pub cosigned_by: Option<AccountId>,
    pub cosigned_at: Option<i64>,
}

/// A proposed grade beside the tally it weighed.
#[derive(Debug, Clone)]
pub struct GradeRow {
    pub member_id: MemberId,
    pub tally: Tally,
    pub proposed: ReviewGrade,
    pub entry_id: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct GradeRecord {
    member_id: MemberId,
    excellent: i64,
    qualified: i64,
    basically: i64,
    unqualified: i64,
    proposed_grade: String,
    entry_id: Option<i64>,
}

pub fn grade_key(grade: ReviewGrade) -> &'static str {
    match grade {
        ReviewGrade::Excellent => "excellent",
        ReviewGrade::Qualified => "qualified",
        ReviewGrade::BasicallyQualified => "basically_qualified",
        ReviewGrade::Unqualified => "unqualified",
    }
}

pub fn parse_grade(text: &str) -> Option<ReviewGrade> {
    ReviewGrade::ALL.into_iter().find(|g| grade_key(*g) == text)
}

#[allow(async_fn_in_trait)]
pub trait BallotQueries: Queries {
    async fn ballot(&mut self, community: CommunityId, id: i64) -> Result<BallotRow> {
        let (conn, location) = self.parts();
        let sql = format!("{BALLOT_SELECT} WHERE community_id = $1 AND id = $2");
        let row: Option<BallotRow> =
            sqlx::query_as(&location.sql(&sql)).bind(community).bind(id).fetch_optional(conn).await.at(location)?;
        row.ok_or_else(|| StoreError::not_found("ballot", id))
    }

    async fn ballots(&mut self, community: CommunityId) -> Result<Vec<BallotRow>> {
        let (conn, location) = self.parts();
        let sql = format!("{BALLOT_SELECT} WHERE community_id = $1 ORDER BY year DESC, branch_id");
        sqlx::query_as(&location.sql(&sql)).bind(community).fetch_all(conn).await.at(location)
    }

    async fn ballot_graded(&mut self, ballot: i64) -> Result<BTreeSet<MemberId>> {
        let (conn, location) = self.parts();
        let rows: Vec<MemberId> = sqlx::query_scalar("SELECT member_id FROM ballot_graded WHERE ballot_id = $1")
            .bind(ballot)
            .fetch_all(conn)
            .await
            .at(location)?;
        Ok(rows.into_iter().collect())
    }

    async fn ballot_voters(&mut self, ballot: i64) -> Result<BTreeSet<MemberId>> {
        let (conn, location) = self.parts();
        let rows: Vec<MemberId> = sqlx::query_scalar("SELECT member_id FROM ballot_voters WHERE ballot_id = $1")
            .bind(ballot)
            .fetch_all(conn)
            .await
            .at(location)?;
        Ok(rows.into_iter().collect())
    }

    /// Votes per member and grade. The caller shows it only after the close.
    async fn ballot_tallies(&mut self, ballot: i64) -> Result<BTreeMap<MemberId, Tally>> {
        let (conn, location) = self.parts();
        let rows: Vec<(MemberId, String, i64)> = sqlx::query_as(
            "SELECT member_id, grade, COUNT(*) FROM ballot_marks WHERE ballot_id = $1 GROUP BY member_id, grade",
        )
        .bind(ballot)
        .fetch_all(conn)
        .await
        .at(location)?;
        let mut tallies: BTreeMap<MemberId, Tally> = BTreeMap::new();
        for (member, grade, count) in rows {
            let grade = parse_grade(&grade).ok_or_else(|| StoreError::Corrupt(format!("ballot grade \"{grade}\"")))?;
            let tally = tallies.entry(member).or_default();
            for _ in 0..count {
                tally.add(grade);
            }
        }
        Ok(tallies)
    }

    async fn ballot_grades(&mut self, ballot: i64) -> Result<Vec<GradeRow>> {
        let (conn, location) = self.parts();
        let rows: Vec<GradeRecord> = sqlx::query_as(
            "SELECT member_id, excellent, qualified, basically, unqualified, proposed_grade, entry_id \
             FROM ballot_grades WHERE ballot_id = $1 ORDER BY member_id",
        )
        .bind(ballot)
        .fetch_all(conn)
        .await
        .at(location)?;
        rows.into_iter()
            .map(|r| {
                let proposed = parse_grade(&r.proposed_grade)
                    .ok_or_else(|| StoreError::Corrupt(format!("proposed grade \"{}\"", r.proposed_grade)))?;
                let votes = [r.excellent, r.qualified, r.basically, r.unqualified].map(|n| n as u32);
                Ok(GradeRow { member_id: r.member_id, tally: Tally { votes }, proposed, entry_id: r.entry_id })
            })
            .collect()
    }

    /// The exceptions proposed for a ballot, co-signed or waiting.
    async fn ballot_exceptions(&mut self, ballot: i64) -> Result<Vec<ExceptionRow>> {
        let (conn, location) = self.parts();
        sqlx::query_as(&location.sql(
            "SELECT member_id, grade, reason, proposed_by, unix_seconds(proposed_at) AS proposed_at, cosigned_by, \
             unix_seconds(cosigned_at) AS cosigned_at \
             FROM ballot_exceptions WHERE ballot_id = $1 ORDER BY member_id",
        ))
        .bind(ballot)
        .fetch_all(conn)
        .await
        .at(location)
    }
}

impl<T: Queries> BallotQueries for T {}

impl WriteTx {
    /// Opens a branch's ballot for a year with the members it grades.
    pub async fn open_ballot(
        &mut self,
        community: CommunityId,
        branch: BranchId,
        year: i64,
        graded: &BTreeSet<MemberId>,
        by: AccountId,
        at: i64,
    ) -> Result<i64> {
        let id: i64 = sqlx::query_scalar(&self.location.sql(
            "INSERT INTO ballots (community_id, branch_id, year, status, opened_by, opened_at) \
             VALUES ($1, $2, $3, 'open', $4, to_timestamp($5)) ON CONFLICT (branch_id, year) DO NOTHING RETURNING id",
        ))
        .bind(community)
        .bind(branch)
        .bind(year)
        .bind(by)
        .bind(at)
        .fetch_optional(&mut *self.tx)
        .await
        .at(&self.location)?
        .ok_or_else(|| StoreError::Conflict(format!("this branch already has a ballot for {year}")))?;
        for member in graded {
            sqlx::query("INSERT INTO ballot_graded (ballot_id, member_id) VALUES ($1, $2)")
                .bind(id)
                .bind(member)
                .execute(&mut *self.tx)
                .await
                .at(&self.location)?;
        }
        Ok(id)
    }

    /// Casts one paper: the voter is marked as having voted, and each mark
    /// is stored on its own under a random id (`mark_ids`, one per mark),
    /// with nothing that names the voter. Marks are not grouped into
    /// papers: a paper grades everyone but its voter, so the one member a
    /// group of marks leaves out would name who cast it. False if the voter
    /// had already voted (nothing is written then).
    pub async fn cast_ballot(
        &mut self,
        ballot: i64,
        voter: MemberId,
        paper: &BTreeMap<MemberId, ReviewGrade>,
        mut mark_id: impl FnMut() -> String,
    ) -> Result<bool> {
        let first = sqlx::query(
            "INSERT INTO ballot_voters (ballot_id, member_id) VALUES ($1, $2) \
             ON CONFLICT (ballot_id, member_id) DO NOTHING",
        )
        .bind(ballot)
        .bind(voter)
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?;
        if first.rows_affected() == 0 {
            return Ok(false);
        }
        for (member, grade) in paper {
            sqlx::query("INSERT INTO ballot_marks (ballot_id, paper, member_id, grade) VALUES ($1, $2, $3, $4)")
                .bind(ballot)
                .bind(mark_id())
                .bind(member)
                .bind(grade_key(*grade))
                .execute(&mut *self.tx)
                .await
                .at(&self.location)?;
        }
        Ok(true)
    }

    /// Moves a ballot on from `from`; false if it was not in that state.
    pub async fn advance_ballot(&mut self, ballot: i64, from: &str, to: &str, by: AccountId, at: i64) -> Result<bool> {
        let column = if to == "closed" { "closed" } else { "decided" };
        let sql = format!(
            "UPDATE ballots SET status = $1, {column}_by = $2, {column}_at = to_timestamp($3) WHERE id = $4 AND status = $5"
        );
        let result = sqlx::query(&self.location.sql(&sql))
            .bind(to)
            .bind(by)
            .bind(at)
            .bind(ballot)
            .bind(from)
            .execute(&mut *self.tx)
            .await
            .at(&self.location)?;
        Ok(result.rows_affected() == 1)
    }

    /// Keeps how many voting members the branch had when its ballot closed.
    pub async fn set_ballot_turnout(&mut self, ballot: i64, eligible: i64) -> Result<()> {
        sqlx::query("UPDATE ballots SET eligible_voters = $1 WHERE id = $2")
            .bind(eligible)
            .bind(ballot)
            .execute(&mut *self.tx)
            .await
            .at(&self.location)?;
        Ok(())
    }

    /// Proposes grades against the tally, each with its reason.
    pub async fn propose_exceptions(
        &mut self,
        ballot: i64,
        exceptions: &[(MemberId, ReviewGrade, String)],
        by: AccountId,
        at: i64,
    ) -> Result<()> {
        for (member, grade, reason) in exceptions {
            sqlx::query(&self.location.sql(
                "INSERT INTO ballot_exceptions (ballot_id, member_id, grade, reason, proposed_by, proposed_at) \
                 VALUES ($1, $2, $3, $4, $5, to_timestamp($6))",
            ))
            .bind(ballot)
            .bind(member)
            .bind(grade_key(*grade))
            .bind(reason)
            .bind(by)
            .bind(at)
            .execute(&mut *self.tx)
            .await
            .at(&self.location)?;
        }
        Ok(())
    }

    /// Withdraws exceptions that wait for a co-sign; how many there were.
    pub async fn withdraw_exceptions(&mut self, ballot: i64) -> Result<u64> {
        let result = sqlx::query("DELETE FROM ballot_exceptions WHERE ballot_id = $1 AND cosigned_by IS NULL")
            .bind(ballot)
            .execute(&mut *self.tx)
            .await
            .at(&self.location)?;
        Ok(result.rows_affected())
    }

    /// Co-signs every waiting exception of a ballot.
    pub async fn cosign_exceptions(&mut self, ballot: i64, by: AccountId, at: i64) -> Result<()> {
        sqlx::query(&self.location.sql(
            "UPDATE ballot_exceptions SET cosigned_by = $1, cosigned_at = to_timestamp($2) \
             WHERE ballot_id = $3 AND cosigned_by IS NULL",
        ))
        .bind(by)
        .bind(at)
        .bind(ballot)
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?;
        Ok(())
    }

    pub async fn save_grade(&mut self, ballot: i64, row: &GradeRow) -> Result<()> {
        let v = row.tally.votes;
        sqlx::query(
            "INSERT INTO ballot_grades (ballot_id, member_id, excellent, qualified, basically, unqualified, \
             proposed_grade, entry_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(ballot)
        .bind(row.member_id)
        .bind(i64::from(v[0]))
        .bind(i64::from(v[1]))
        .bind(i64::from(v[2]))
        .bind(i64::from(v[3]))
        .bind(grade_key(row.proposed))
        .bind(row.entry_id)
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?;
        Ok(())
    }
}
