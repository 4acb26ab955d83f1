//! Step 4: the public notice (公示) of a year's rating, its objections, the
//! finalized stars, and the audited reopening of a finalized year.

use crate::error::Classify;
use crate::{Queries, Result, StoreError, WriteTx};
use starledger_domain::ledger::Actor;
use starledger_domain::org::{AccountId, CommunityId, Member, MemberId, Year};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RatingRound {
    pub community_id: CommunityId,
    pub year: i64,
    pub round: i64,
    pub published_by: AccountId,
    pub published_at: i64,
    pub notice_from: String,
    pub notice_until: String,
    pub published_sha256: String,
    pub finalized_by: Option<AccountId>,
    pub finalized_at: Option<i64>,
    pub final_sha256: Option<String>,
    pub reopened_by: Option<AccountId>,
    pub reopened_at: Option<i64>,
    pub reopen_reason: Option<String>,
    /// The second committee member who agreed to publishing this round
    /// (every publication after a reopening needs one).
    pub published_agreed_by: Option<AccountId>,
    /// The second committee member who agreed to the reopening.
    pub reopen_agreed_by: Option<AccountId>,
}

impl RatingRound {
    pub fn is_final(&self) -> bool {
        self.finalized_at.is_some() && self.reopened_at.is_none()
    }

    pub fn is_live(&self) -> bool {
        self.reopened_at.is_none()
    }
}

const ROUND_SELECT: &str = "SELECT community_id, year, round, published_by, unix_seconds(published_at) AS published_at, \
     CAST(notice_from AS TEXT) AS notice_from, CAST(notice_until AS TEXT) AS notice_until, published_sha256, \
     finalized_by, unix_seconds(finalized_at) AS finalized_at, final_sha256, reopened_by, \
     unix_seconds(reopened_at) AS reopened_at, reopen_reason, published_agreed_by, reopen_agreed_by FROM rating_rounds";

/// What one committee member proposes and a different one must agree to.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RatingMotion {
    pub id: i64,
    pub community_id: CommunityId,
    pub year: i64,
    /// `reopen` or `publish`.
    pub action: String,
    pub reason: String,
    pub proposed_by: AccountId,
    pub proposed_at: i64,
    pub agreed_by: Option<AccountId>,
    pub agreed_at: Option<i64>,
    pub withdrawn_at: Option<i64>,
}

impl RatingMotion {
    pub fn is_pending(&self) -> bool {
        self.agreed_at.is_none() && self.withdrawn_at.is_none()
    }
}

const MOTION_SELECT: &str = "SELECT id, community_id, year, action, reason, proposed_by, unix_seconds(proposed_at) AS proposed_at, \
     agreed_by, unix_seconds(agreed_at) AS agreed_at, unix_seconds(withdrawn_at) AS withdrawn_at FROM rating_motions";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Objection {
    pub id: i64,
    pub community_id: CommunityId,
    pub year: i64,
    pub round: i64,
    /// An account or a household (its link).
    #[sqlx(try_from = "String")]
    pub filed_by: Actor,
    pub member_id: Option<MemberId>,
    pub text: String,
    pub filed_at: i64,
    pub answer: Option<String>,
    pub outcome: Option<String>,
    pub answered_by: Option<AccountId>,
    pub answered_at: Option<i64>,
}

const OBJECTION_SELECT: &str = "SELECT id, community_id, year, round, filed_by, member_id, text, unix_seconds(filed_at) AS filed_at, \
     answer, outcome, answered_by, unix_seconds(answered_at) AS answered_at FROM objections";

/// One member's finalized result.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FinalStars {
    pub member_id: MemberId,
    pub rank: Option<i64>,
    pub total_tenths: i64,
    pub stars: i64,
}

impl FinalStars {
    /// Every member's result in a rating, as it is finalized.
    pub fn of(rating: &starledger_domain::rating::Rating) -> Vec<FinalStars> {
        rating
            .members
            .iter()
            .map(|m| FinalStars {
                member_id: m.member_id,
                rank: m.rank.map(i64::from),
                total_tenths: m.total.tenths(),
                stars: i64::from(m.stars),
            })
            .collect()
    }
}

#[derive(Debug, Clone)]
pub struct NewRound {
    pub community_id: CommunityId,
    pub year: i64,
    pub published_by: AccountId,
    pub published_at: i64,
    pub notice_from: String,
    pub notice_until: String,
    pub published_sha256: String,
    /// The second committee member who agreed, when one had to.
    pub agreed_by: Option<AccountId>,
}

#[derive(Debug, Clone, Copy)]
pub struct NewObjection<'a> {
    pub community_id: CommunityId,
    pub year: i64,
    pub round: i64,
    /// An account or a household (its link).
    pub filed_by: Actor,
    pub member_id: Option<MemberId>,
    pub text: &'a str,
    pub filed_at: i64,
}

#[derive(Debug, Clone, Copy)]
pub struct Finalization<'a> {
    pub community: CommunityId,
    pub year: i64,
    pub round: i64,
    pub final_sha256: &'a str,
    pub by: AccountId,
    pub at: i64,
}

#[allow(async_fn_in_trait)]
pub trait NoticeQueries: Queries {
    /// Every round of a year, the first first.
    async fn rating_rounds(&mut self, community: CommunityId, year: i64) -> Result<Vec<RatingRound>> {
        let (conn, location) = self.parts();
        let sql = format!("{ROUND_SELECT} WHERE community_id = $1 AND year = $2 ORDER BY round");
        sqlx::query_as(&location.sql(&sql)).bind(community).bind(year).fetch_all(conn).await.at(location)
    }

    /// The round that is not reopened, if the year has been published.
    async fn live_round(&mut self, community: CommunityId, year: i64) -> Result<Option<RatingRound>> {
        Ok(self.rating_rounds(community, year).await?.into_iter().rev().find(RatingRound::is_live))
    }

    async fn objections(&mut self, community: CommunityId, year: i64) -> Result<Vec<Objection>> {
        let (conn, location) = self.parts();
        let sql = format!("{OBJECTION_SELECT} WHERE community_id = $1 AND year = $2 ORDER BY id");
        sqlx::query_as(&location.sql(&sql)).bind(community).bind(year).fetch_all(conn).await.at(location)
    }

    async fn objection(&mut self, community: CommunityId, id: i64) -> Result<Objection> {
        let (conn, location) = self.parts();
        let sql = format!("{OBJECTION_SELECT} WHERE community_id = $1 AND id = $2");
        let row: Option<Objection> =
            sqlx::query_as(&location.sql(&sql)).bind(community).bind(id).fetch_optional(conn).await.at(location)?;
        row.ok_or_else(|| StoreError::not_found("objection", id))
    }

    /// Every motion about a year, the first first.
    async fn rating_motions(&mut self, community: CommunityId, year: i64) -> Result<Vec<RatingMotion>> {
        let (conn, location) = self.parts();
        let sql = format!("{MOTION_SELECT} WHERE community_id = $1 AND year = $2 ORDER BY id");
        sqlx::query_as(&location.sql(&sql)).bind(community).bind(year).fetch_all(conn).await.at(location)
    }

    /// The stars of the year's finalized round, if it is final.
    async fn final_stars(&mut self, community: CommunityId, year: i64) -> Result<Option<Vec<FinalStars>>> {
        let Some(round) = self.live_round(community, year).await?.filter(RatingRound::is_final) else {
            return Ok(None);
        };
        let (conn, location) = self.parts();
        let rows = sqlx::query_as(
            "SELECT member_id, rank, total_tenths, stars FROM final_stars \
             WHERE community_id = $1 AND year = $2 AND round = $3 ORDER BY rank IS NULL, rank, member_id",
        )
        .bind(community)
        .bind(year)
        .bind(round.round)
        .fetch_all(conn)
        .await
        .at(location)?;
        Ok(Some(rows))
    }

    /// The roll a year is rated on: the community's members, or, once the
    /// year is finalized, the roll as it stood when it was finalized
    /// (`final_roll`: those its result holds, with the branch, group, name,
    /// probationary flag, post or exemption and dates they had then; the
    /// phone is today's, as the rating does not read it). Finalizing
    /// freezes the roll, so neither a member added later with an earlier
    /// joining date nor a later change to a member (probationary to full,
    /// an exemption, another branch) changes a finalized year's rating or
    /// pages.
    async fn year_roll(&mut self, community: CommunityId, year: Year) -> Result<Vec<Member>>
    where
        Self: Sized,
    {
        let Some(round) = self.live_round(community, i64::from(year.get())).await?.filter(RatingRound::is_final) else {
            return crate::OrgQueries::members(self, community).await;
        };
        let (conn, location) = self.parts();
        let rows: Vec<crate::rows::MemberRow> = sqlx::query_as(
            "SELECT f.member_id AS id, f.community_id, f.branch_id, f.branch, f.party_group_id, f.name, m.phone, \
             f.probationary, f.post, f.linking_exempt_reason, CAST(f.joined_on AS TEXT) AS joined_on, \
             CAST(f.left_on AS TEXT) AS left_on \
             FROM final_roll f JOIN members m ON m.id = f.member_id \
             WHERE f.community_id = $1 AND f.year = $2 AND f.round = $3 ORDER BY f.member_id",
        )
        .bind(community)
        .bind(i64::from(year.get()))
        .bind(round.round)
        .fetch_all(conn)
        .await
        .at(location)?;
        rows.into_iter().map(crate::rows::MemberRow::into_member).collect()
    }
}

impl<T: Queries> NoticeQueries for T {}

impl WriteTx {
    /// Opens the next round of public notice for a year.
    pub async fn publish_round(&mut self, round: &NewRound) -> Result<i64> {
        sqlx::query_scalar(&self.location.sql(
            "INSERT INTO rating_rounds (community_id, year, round, published_by, published_at, notice_from, \
             notice_until, published_sha256, published_agreed_by) \
             SELECT $1, $2, COALESCE(MAX(round), 0) + 1, $3, to_timestamp($4), date($5), date($6), $7, $8 FROM rating_rounds \
             WHERE community_id = $1 AND year = $2 RETURNING round",
        ))
        .bind(round.community_id)
        .bind(round.year)
        .bind(round.published_by)
        .bind(round.published_at)
        .bind(&round.notice_from)
        .bind(&round.notice_until)
        .bind(&round.published_sha256)
        .bind(round.agreed_by)
        .fetch_one(&mut *self.tx)
        .await
        .at(&self.location)
    }

    pub async fn file_objection(&mut self, objection: &NewObjection<'_>) -> Result<i64> {
        sqlx::query_scalar(&self.location.sql(
            "INSERT INTO objections (community_id, year, round, filed_by, member_id, text, filed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, to_timestamp($7)) RETURNING id",
        ))
        .bind(objection.community_id)
        .bind(objection.year)
        .bind(objection.round)
        .bind(objection.filed_by.to_string())
        .bind(objection.member_id)
        .bind(objection.text)
        .bind(objection.filed_at)
        .fetch_one(&mut *self.tx)
        .await
        .at(&self.location)
    }

    /// False if the objection had already been answered.
    pub async fn answer_objection(
        &mut self,
        id: i64,
        answer: &str,
        upheld: bool,
        by: AccountId,
        at: i64,
    ) -> Result<bool> {
        let result = sqlx::query(&self.location.sql(
            "UPDATE objections SET answer = $1, outcome = $2, answered_by = $3, answered_at = to_timestamp($4) \
             WHERE id = $5 AND answered_at IS NULL",
        ))
        .bind(answer)
        .bind(if upheld { "upheld" } else { "dismissed" })
        .bind(by)
        .bind(at)
        .bind(id)
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?;
        Ok(result.rows_affected() == 1)
    }

    /// Finalizes a round with its stars; from now on the year is locked.
    pub async fn finalize_round(&mut self, round: &Finalization<'_>, stars: &[FinalStars]) -> Result<()> {
        let Finalization { community, year, round, final_sha256, by, at } = *round;
        for row in stars {
            sqlx::query(
                "INSERT INTO final_stars (community_id, year, round, member_id, rank, total_tenths, stars) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(community)
            .bind(year)
            .bind(round)
            .bind(row.member_id)
            .bind(row.rank)
            .bind(row.total_tenths)
            .bind(row.stars)
            .execute(&mut *self.tx)
            .await
            .at(&self.location)?;
        }
        // The roll the year was rated on, as it stands now: a finalized
        // year is rated from it from now on (see `year_roll`).
        sqlx::query(
            "INSERT INTO final_roll (community_id, year, round, member_id, branch_id, branch, party_group_id, name, \
             probationary, post, linking_exempt_reason, joined_on, left_on) \
             SELECT f.community_id, f.year, f.round, m.id, m.branch_id, b.name, m.party_group_id, m.name, \
             m.probationary, m.post, m.linking_exempt_reason, m.joined_on, m.left_on \
             FROM final_stars f JOIN members m ON m.id = f.member_id JOIN branches b ON b.id = m.branch_id \
             WHERE f.community_id = $1 AND f.year = $2 AND f.round = $3",
        )
        .bind(community)
        .bind(year)
        .bind(round)
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?;
        let result = sqlx::query(&self.location.sql(
            "UPDATE rating_rounds SET finalized_by = $1, finalized_at = to_timestamp($2), final_sha256 = $3 \
             WHERE community_id = $4 AND year = $5 AND round = $6 AND finalized_at IS NULL AND reopened_at IS NULL",
        ))
        .bind(by)
        .bind(at)
        .bind(final_sha256)
        .bind(community)
        .bind(year)
        .bind(round)
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?;
        if result.rows_affected() != 1 {
            return Err(StoreError::Conflict(format!("{year} round {round} is already finalized or reopened")));
        }
        Ok(())
    }

    /// Ends a round (finalized or still in notice) with a documented reason:
    /// `by` proposed it and `agreed_by`, a different committee member, agreed.
    #[allow(clippy::too_many_arguments)]
    pub async fn reopen_round(
        &mut self,
        community: CommunityId,
        year: i64,
        round: i64,
        reason: &str,
        by: AccountId,
        agreed_by: Option<AccountId>,
        at: i64,
    ) -> Result<()> {
        let result = sqlx::query(&self.location.sql(
            "UPDATE rating_rounds SET reopened_by = $1, reopened_at = to_timestamp($2), reopen_reason = $3, reopen_agreed_by = $7 \
             WHERE community_id = $4 AND year = $5 AND round = $6 AND reopened_at IS NULL",
        ))
        .bind(by)
        .bind(at)
        .bind(reason)
        .bind(community)
        .bind(year)
        .bind(round)
        .bind(agreed_by)
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?;
        if result.rows_affected() != 1 {
            return Err(StoreError::Conflict(format!("{year} round {round} was already reopened")));
        }
        Ok(())
    }

    /// Records a motion one committee member proposes; its id.
    pub async fn propose_motion(
        &mut self,
        community: CommunityId,
        year: i64,
        action: &str,
        reason: &str,
        by: AccountId,
        at: i64,
    ) -> Result<i64> {
        sqlx::query_scalar(&self.location.sql(
            "INSERT INTO rating_motions (community_id, year, action, reason, proposed_by, proposed_at) \
             VALUES ($1, $2, $3, $4, $5, to_timestamp($6)) RETURNING id",
        ))
        .bind(community)
        .bind(year)
        .bind(action)
        .bind(reason)
        .bind(by)
        .bind(at)
        .fetch_one(&mut *self.tx)
        .await
        .at(&self.location)
    }

    /// Settles a pending motion: agreed by `agreed_by`, or withdrawn when
    /// None. False if it was no longer pending.
    pub async fn settle_motion(&mut self, id: i64, agreed_by: Option<AccountId>, at: i64) -> Result<bool> {
        let sql = if agreed_by.is_some() {
            "UPDATE rating_motions SET agreed_by = $1, agreed_at = to_timestamp($2) \
             WHERE id = $3 AND agreed_at IS NULL AND withdrawn_at IS NULL"
        } else {
            "UPDATE rating_motions SET agreed_by = $1, withdrawn_at = to_timestamp($2) \
             WHERE id = $3 AND agreed_at IS NULL AND withdrawn_at IS NULL"
        };
        let result = sqlx::query(&self.location.sql(sql))
            .bind(agreed_by)
            .bind(at)
            .bind(id)
            .execute(&mut *self.tx)
            .await
            .at(&self.location)?;
        Ok(result.rows_affected() == 1)
    }
}
