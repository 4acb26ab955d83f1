//! Publishing a year's results for public notice, and undoing that: a
//! reopening, and the publication that follows it, change what was settled
//! in public, so one committee member proposes them and a different one —
//! another person, not a second login — agrees. Both names stay on the
//! round, the motion and the audit row.

use crate::error::{AppError, AppResult, bad_year, invalid, refused};
use jiff::civil::Date;
use starledger_domain::duty;
use starledger_domain::notice::NoticePeriod;
use starledger_domain::org::{Account, CommunityId, Year};
use starledger_domain::rating::{Rating, rate};
use starledger_domain::seal::Stage;
use starledger_store::{
    AccessQueries, FinalStars, Finalization, LedgerQueries, NewRound, NoticeQueries, OrgQueries, Period, RatingMotion,
    RatingRound, StoreError, WriteTx,
};

/// What a motion asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Motion {
    /// End the live round (finalized or in notice) so the year can change.
    Reopen,
    /// Publish a year again after a reopening.
    Publish,
}

impl Motion {
    pub fn as_str(self) -> &'static str {
        match self {
            Motion::Reopen => "reopen",
            Motion::Publish => "publish",
        }
    }

    pub fn parse(text: &str) -> Option<Motion> {
        [Motion::Reopen, Motion::Publish].into_iter().find(|m| m.as_str() == text)
    }
}

/// What publishing did: a round in notice now, or a motion awaiting agreement.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Done,
    Proposed { motion: i64 },
}

async fn period(tx: &mut WriteTx, community: CommunityId, year: i64) -> AppResult<Period> {
    let year = Year::new(year).map_err(bad_year)?;
    tx.period(community, year)
        .await?
        .ok_or_else(|| invalid(format!("{year} 年度没有评定年度。"), format!("{year} has no period")))
}

/// The year's rating as the ledger gives it now: the year's roll, its
/// points, the period's rulebook.
pub async fn rating_now<Q: LedgerQueries + OrgQueries>(
    q: &mut Q,
    period: &Period,
    community: CommunityId,
) -> AppResult<Rating> {
    let members = q.year_roll(community, period.year).await?;
    let scored = q.year_scored(community, period.year).await?;
    Ok(rate(period.year, &period.rulebook, &members, &scored))
}

async fn pending(tx: &mut WriteTx, community: CommunityId, year: i64) -> AppResult<Option<RatingMotion>> {
    Ok(tx.rating_motions(community, year).await?.into_iter().find(RatingMotion::is_pending))
}

/// Why the year cannot be published now, if it cannot.
async fn may_publish(tx: &mut WriteTx, community: CommunityId, year: i64, today: Date) -> AppResult<Period> {
    let period = period(tx, community, year).await?;
    // Results are published once the year is over: publishing locks the
    // year at finalization, and a running year still has points to come.
    if today.year() <= period.year.get() {
        return Err(refused(
            format!("{year} 年度尚未结束；结果在年度结束后公示。"),
            format!("{year} is not over yet; its results are published after it ends"),
        ));
    }
    if let Some(live) = tx.live_round(community, year).await? {
        return Err(if live.is_final() {
            refused(format!("{year} 年度已确认：请先重新开启。"), format!("{year} is finalized; reopen it first"))
        } else {
            refused(format!("{year} 年度已在公示中。"), format!("{year} is already in public notice"))
        });
    }
    Ok(period)
}

/// Publishes the year's provisional results for public notice. The first
/// publication is one committee member's; publishing again after a
/// reopening is proposed here and done when a second member agrees.
pub async fn publish(tx: &mut WriteTx, actor: &Account, year: i64, today: Date, now: i64) -> AppResult<Outcome> {
    duty::may_administer(actor, "publish the rating")?;
    let community = actor.community_id;
    may_publish(tx, community, year, today).await?;
    if tx.rating_rounds(community, year).await?.is_empty() {
        publish_round(tx, actor, None, year, today, now).await?;
        return Ok(Outcome::Done);
    }
    let motion = propose(tx, actor, year, Motion::Publish, "再次公示", now).await?;
    Ok(Outcome::Proposed { motion })
}

/// Proposes reopening the year's live round (finalized or in notice), with
/// a reason on the record; a second committee member agrees to it.
pub async fn propose_reopen(tx: &mut WriteTx, actor: &Account, year: i64, reason: &str, now: i64) -> AppResult<i64> {
    duty::may_administer(actor, "reopen a year")?;
    let reason = reason.trim();
    if reason.chars().count() < 6 {
        return Err(invalid("理由：重新开启须留有记录，请写明原因。", "reason: a reopening is documented; say why"));
    }
    if tx.live_round(actor.community_id, year).await?.is_none() {
        return Err(refused(
            format!("{year} 年度尚未公示，无需重新开启。"),
            format!("{year} has not been published; nothing to reopen"),
        ));
    }
    propose(tx, actor, year, Motion::Reopen, reason, now).await
}

async fn propose(
    tx: &mut WriteTx,
    actor: &Account,
    year: i64,
    motion: Motion,
    reason: &str,
    now: i64,
) -> AppResult<i64> {
    duty::may_propose(actor, "propose a committee motion")?;
    let community = actor.community_id;
    if let Some(waiting) = pending(tx, community, year).await? {
        return Err(refused(
            format!("{year} 年度已有一项动议（{}）在等待另一名委员同意。", waiting.action),
            format!("a motion to {} {year} already waits for a second committee member's agreement", waiting.action),
        ));
    }
    let id = tx.propose_motion(community, year, motion.as_str(), reason, actor.id, now).await?;
    let detail = format!("{year} motion {id}: {}, proposed by {}: {reason}", motion.as_str(), actor.name);
    tx.audit(
        Some(community),
        &crate::ledger::actor_label(actor),
        &format!("rating.{}.propose", motion.as_str()),
        &detail,
    )
    .await?;
    Ok(id)
}

/// A second committee member agrees to a pending motion, which is carried
/// out now, with both names on the record.
pub async fn agree(tx: &mut WriteTx, actor: &Account, year: i64, id: i64, today: Date, now: i64) -> AppResult<Motion> {
    let community = actor.community_id;
    let motion = tx
        .rating_motions(community, year)
        .await?
        .into_iter()
        .find(|m| m.id == id)
        .ok_or_else(|| AppError::Store(starledger_store::StoreError::not_found("motion", id)))?;
    if !motion.is_pending() {
        return Err(refused(format!("第 {id} 号动议已有结果。"), format!("motion {id} has been settled")));
    }
    let proposer = tx.account(motion.proposed_by).await?;
    duty::may_second(actor, &proposer)?;
    let kind = Motion::parse(&motion.action)
        .ok_or_else(|| invalid(format!("动议类型“{}”无效。", motion.action), format!("motion {}", motion.action)))?;
    match kind {
        Motion::Reopen => {
            let live = tx.live_round(community, year).await?.ok_or_else(|| {
                refused(
                    format!("{year} 年度尚未公示，无需重新开启。"),
                    format!("{year} has not been published; nothing to reopen"),
                )
            })?;
            tx.reopen_round(community, year, live.round, &motion.reason, proposer.id, Some(actor.id), now).await?;
            let detail = format!(
                "{year} round {} (final: {}): proposed by {} ({}), agreed by {} ({}): {}",
                live.round,
                live.is_final(),
                proposer.name,
                crate::ledger::actor_label(&proposer),
                actor.name,
                crate::ledger::actor_label(actor),
                motion.reason
            );
            tx.audit(Some(community), &crate::ledger::actor_label(actor), "rating.reopen", &detail).await?;
            tx.refresh_stats(community, now).await?;
        }
        Motion::Publish => {
            may_publish(tx, community, year, today).await?;
            publish_round(tx, &proposer, Some(actor), year, today, now).await?;
        }
    }
    if !tx.settle_motion(id, Some(actor.id), now).await? {
        return Err(refused(format!("第 {id} 号动议已由他人处理。"), format!("motion {id} was settled meanwhile")));
    }
    Ok(kind)
}

/// Withdraws a pending motion (the proposer thinks again, or another
/// committee member declines it); it is audited by who withdrew it.
pub async fn withdraw(tx: &mut WriteTx, actor: &Account, year: i64, id: i64, now: i64) -> AppResult<()> {
    duty::may_administer(actor, "withdraw a committee motion")?;
    let community = actor.community_id;
    let known = tx.rating_motions(community, year).await?.into_iter().any(|m| m.id == id);
    if !known {
        return Err(AppError::Store(starledger_store::StoreError::not_found("motion", id)));
    }
    if !tx.settle_motion(id, None, now).await? {
        return Err(refused(format!("第 {id} 号动议已有结果。"), format!("motion {id} has been settled")));
    }
    tx.audit(
        Some(community),
        &crate::ledger::actor_label(actor),
        "rating.motion.withdraw",
        &format!("{year} motion {id}"),
    )
    .await?;
    Ok(())
}

async fn publish_round(
    tx: &mut WriteTx,
    by: &Account,
    agreed_by: Option<&Account>,
    year: i64,
    today: Date,
    now: i64,
) -> AppResult<i64> {
    let community = by.community_id;
    let period = period(tx, community, year).await?;
    let rating = rating_now(tx, &period, community).await?;
    let notice = NoticePeriod::starting(today, period.rulebook.stars.notice_days);
    let round = tx
        .publish_round(&NewRound {
            community_id: community,
            year,
            published_by: by.id,
            published_at: now,
            notice_from: notice.from.to_string(),
            notice_until: notice.until.to_string(),
            published_sha256: rating.digest(),
            agreed_by: agreed_by.map(|a| a.id),
        })
        .await?;
    crate::seals::seal_year(tx, community, round, Stage::Published, &rating, now).await?;
    let mut detail = format!("{year} round {round}: notice {} to {}", notice.from, notice.until);
    let actor = match agreed_by {
        Some(second) => {
            detail.push_str(&format!(
                "; proposed by {} ({}), agreed by {} ({})",
                by.name,
                crate::ledger::actor_label(by),
                second.name,
                crate::ledger::actor_label(second)
            ));
            second
        }
        None => by,
    };
    tx.audit(Some(community), &crate::ledger::actor_label(actor), "rating.publish", &detail).await?;
    Ok(round)
}

/// A year that may be finalized now: its round in notice and the rating
/// finalizing it would lock, as the ledger gives it now.
pub struct Finalizing {
    pub round: RatingRound,
    pub rating: Rating,
}

/// Whether `actor` may finalize the year now, and what that would lock;
/// nothing written. The committee finalizes, once the notice period is over
/// and every objection of the round is answered.
pub async fn may_finalize(tx: &mut WriteTx, actor: &Account, year: i64, today: Date) -> AppResult<Finalizing> {
    duty::may_administer(actor, "finalize the rating")?;
    let community = actor.community_id;
    let no_period = || AppError::Store(StoreError::not_found("period", year));
    let period = tx.period(community, Year::new(year).map_err(|_| no_period())?).await?.ok_or_else(no_period)?;
    let round = tx.live_round(community, year).await?.ok_or_else(|| {
        refused(format!("{year} 年度尚未发布公示。"), format!("{year} has not been published for public notice"))
    })?;
    if round.is_final() {
        return Err(refused(format!("{year} 年度已确认锁定。"), format!("{year} is already finalized")));
    }
    let unanswered = tx
        .objections(community, year)
        .await?
        .iter()
        .filter(|o| o.round == round.round && o.answered_at.is_none())
        .count();
    crate::objections::notice_of(&round)?
        .may_finalize(today, unanswered)
        .map_err(|e| AppError::Refused(crate::objections::notice_refusal(&e)))?;
    let rating = rating_now(tx, &period, community).await?;
    Ok(Finalizing { round, rating })
}

/// Finalizes the year (确认): locks the round's stars as the rating gives
/// them, seals them, and records who did it; what was locked.
pub async fn finalize(tx: &mut WriteTx, actor: &Account, year: i64, today: Date, now: i64) -> AppResult<Finalizing> {
    let finalizing = may_finalize(tx, actor, year, today).await?;
    let community = actor.community_id;
    let (round, rating) = (&finalizing.round, &finalizing.rating);
    let sha = rating.digest();
    let finalization = Finalization { community, year, round: round.round, final_sha256: &sha, by: actor.id, at: now };
    tx.finalize_round(&finalization, &FinalStars::of(rating)).await?;
    let seal = crate::seals::seal_year(tx, community, round.round, Stage::Finalized, rating, now).await?;
    let detail = format!(
        "{year} round {}: {} five-star, digest {sha} (published {}), seal {}",
        round.round,
        rating.five_star().count(),
        round.published_sha256,
        seal.short()
    );
    tx.audit(Some(community), &crate::ledger::actor_label(actor), "rating.finalize", &detail).await?;
    // The region sees the final stars as soon as they are final.
    tx.refresh_stats(community, now).await?;
    Ok(finalizing)
}
