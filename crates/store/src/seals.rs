//! A year's seals, as taken and kept (see `starledger_domain::seal`): what
//! sealing reads (the year's entry hashes in chain order, the chain's head)
//! and the append-only table the seals are kept in.

use crate::error::Classify;
use crate::{Queries, Result, StoreError, WriteTx};
use starledger_domain::ledger::EntryHash;
use starledger_domain::org::{CommunityId, Year};
use starledger_domain::seal::{Seal, Sealed};

fn sealed((id, hash): (i64, String)) -> Result<Sealed> {
    let hash = EntryHash::from_hex(&hash)
        .ok_or_else(|| StoreError::Corrupt(format!("ledger entry {id}'s hash is not a hash")))?;
    Ok(Sealed { id, hash })
}

#[allow(async_fn_in_trait)]
pub trait SealQueries: Queries {
    /// The year's entries, id and chain hash, in chain order.
    async fn year_entry_hashes(&mut self, community: CommunityId, year: Year) -> Result<Vec<Sealed>> {
        let (conn, location) = self.parts();
        let rows: Vec<(i64, String)> =
            sqlx::query_as("SELECT id, hash FROM ledger_entries WHERE community_id = $1 AND year = $2 ORDER BY id")
                .bind(community)
                .bind(i64::from(year.get()))
                .fetch_all(conn)
                .await
                .at(location)?;
        rows.into_iter().map(sealed).collect()
    }

    /// The community's last entry of any year.
    async fn chain_head(&mut self, community: CommunityId) -> Result<Option<Sealed>> {
        let (conn, location) = self.parts();
        let row: Option<(i64, String)> =
            sqlx::query_as("SELECT id, hash FROM ledger_entries WHERE community_id = $1 ORDER BY id DESC LIMIT 1")
                .bind(community)
                .fetch_optional(conn)
                .await
                .at(location)?;
        row.map(sealed).transpose()
    }

    /// Whether the year has been sealed (published at least once).
    async fn is_sealed(&mut self, community: CommunityId, year: Year) -> Result<bool> {
        let (conn, location) = self.parts();
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM seals WHERE community_id = $1 AND year = $2")
            .bind(community)
            .bind(i64::from(year.get()))
            .fetch_one(conn)
            .await
            .at(location)?;
        Ok(count > 0)
    }

    /// The year's seals, oldest first.
    async fn seals(&mut self, community: CommunityId, year: Year) -> Result<Vec<Seal>> {
        let (conn, location) = self.parts();
        let bodies: Vec<(String, String)> = sqlx::query_as(
            "SELECT body, sha256 FROM seals WHERE community_id = $1 AND year = $2 ORDER BY round, sealed_at, stage DESC",
        )
        .bind(community)
        .bind(i64::from(year.get()))
        .fetch_all(conn)
        .await
        .at(location)?;
        bodies
            .into_iter()
            .map(|(body, sha256)| {
                let seal = Seal::from_json(&body).map_err(StoreError::Corrupt)?;
                if seal.digest() != sha256 {
                    return Err(StoreError::Corrupt(format!(
                        "the {} seal of {} was changed",
                        seal.stage.key(),
                        seal.year
                    )));
                }
                Ok(seal)
            })
            .collect()
    }
}

impl<T: Queries> SealQueries for T {}

impl WriteTx {
    pub async fn keep_seal(&mut self, community: CommunityId, seal: &Seal, now: i64) -> Result<()> {
        sqlx::query(&self.location.sql(
            "INSERT INTO seals (community_id, year, round, stage, sealed_at, body, sha256) \
             VALUES ($1, $2, $3, $4, to_timestamp($5), $6, $7)",
        ))
        .bind(community)
        .bind(i64::from(seal.year))
        .bind(seal.round)
        .bind(seal.stage.key())
        .bind(now)
        .bind(seal.to_json())
        .bind(seal.digest())
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?;
        Ok(())
    }
}
