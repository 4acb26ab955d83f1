//! Sealing a year when it is published and when it is finalized, and
//! recomputing a seal from the database to check a kept copy against.

use crate::AppResult;
use crate::error::refused;
use starledger_domain::org::{CommunityId, MemberId, Year};
use starledger_domain::rating::Rating;
use starledger_domain::seal::{Receipt, Seal, SealInput, Stage};
use starledger_store::{LedgerQueries, NoticeQueries, OrgQueries, RegionQueries, SealQueries, StoreError, WriteTx};

/// Takes and keeps the year's seal for `round` at `stage`, from the rating
/// just published or finalized, in the same transaction.
pub async fn seal_year(
    tx: &mut WriteTx,
    community: CommunityId,
    round: i64,
    stage: Stage,
    rating: &Rating,
    now: i64,
) -> AppResult<Seal> {
    let seal = take(tx, community, rating.year, round, stage, &rating.rulebook_sha256, &rating.digest()).await?;
    tx.keep_seal(community, &seal, now).await?;
    Ok(seal)
}

async fn take<Q: SealQueries + OrgQueries>(
    q: &mut Q,
    community: CommunityId,
    year: Year,
    round: i64,
    stage: Stage,
    rulebook_sha256: &str,
    rating_sha256: &str,
) -> AppResult<Seal> {
    let name = q.community(community).await?.name;
    let year_entries = q.year_entry_hashes(community, year).await?;
    let chain_head = q.chain_head(community).await?;
    Ok(Seal::take(SealInput {
        community: &name,
        year: year.get(),
        round,
        stage,
        year_entries: &year_entries,
        chain_head,
        rulebook_sha256,
        rating_sha256,
    }))
}

/// The seal `kept` would be if it were taken from the database as it is
/// now: the same year, round and stage, every figure recomputed (the
/// rating from the ledger by the year's rulebook).
pub async fn recompute<Q>(q: &mut Q, kept: &Seal) -> AppResult<(CommunityId, Seal)>
where
    Q: SealQueries + OrgQueries + LedgerQueries + NoticeQueries + RegionQueries + Sized,
{
    let community = q.community_named(&kept.community).await?.ok_or_else(|| {
        refused(
            format!("该封存码属于“{}”，本数据库中没有这个社区。", kept.community),
            format!("the seal is of \"{}\", which this database does not hold", kept.community),
        )
    })?;
    let year = Year::new(i64::from(kept.year))
        .map_err(|e| refused(format!("封存码的年度：{}", e.zh()), format!("the seal's year: {e}")))?;
    let whole = crate::standings::Audience::Whole;
    let computed = crate::standings::compute(q, community.id, year, whole).await?.ok_or_else(|| {
        refused(
            format!("{} 没有 {} 年度。", community.name, kept.year),
            format!("{} has no year {}", community.name, kept.year),
        )
    })?;
    let rating = &computed.rating;
    let seal = take(q, community.id, year, kept.round, kept.stage, &rating.rulebook_sha256, &rating.digest()).await?;
    Ok((community.id, seal))
}

/// A receipt for ledger entry `entry`: its place in the latest seal of its
/// year, for its member or household to check against the seal. With
/// `whose`, only that member's own entry is found (a member's page); the
/// command line, which holds the whole database anyway, passes none.
pub async fn receipt<Q>(q: &mut Q, community: CommunityId, entry: i64, whose: Option<MemberId>) -> AppResult<Receipt>
where
    Q: SealQueries + LedgerQueries + Sized,
{
    let found = q.entry(community, entry).await?;
    if whose.is_some_and(|member| member != found.draft.member_id) {
        return Err(StoreError::not_found("ledger entry", entry).into());
    }
    let draft = &found.draft;
    let year = Year::new(i64::from(draft.year))
        .map_err(|e| refused(format!("第 {entry} 条的年度：{}", e.zh()), format!("entry {entry}'s year: {e}")))?;
    let seal = q.seals(community, year).await?.pop().ok_or_else(|| {
        refused(
            format!("{} 年度尚未封存：年度公示后方可出具回执。", draft.year),
            format!("{} is not sealed yet: receipts are given once a year is published", draft.year),
        )
    })?;
    let about = format!("{} {} {}", draft.occurred_on, draft.rule_key, draft.points);
    let year_entries = q.year_entry_hashes(community, year).await?;
    Receipt::for_entry(&seal, &year_entries, entry, about).ok_or_else(|| {
        refused(
            format!("第 {entry} 条记录于 {} 年度封存之后，将包含在下一次封存中。", draft.year),
            format!("entry {entry} was recorded after {}'s seal; it will be in the next one", draft.year),
        )
    })
}
