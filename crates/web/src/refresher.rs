//! Keeps the regions' figures current: every few minutes, each community
//! whose ledger has moved on since its figures were computed has them
//! computed again, so that a region's page never waits on (or joins) a
//! community's rows. Each community's figures are computed on a read-only
//! snapshot and only written under its lock, so sign-ins and ratings are
//! never held up by the computing.

use starledger_store::{RegionQueries, Store, StoreError};
use std::time::Duration;

/// How often the server looks for communities whose figures are stale.
pub const EVERY: Duration = Duration::from_secs(600);

/// Recomputes the figures of every community whose ledger moved on; returns
/// how many communities were refreshed.
pub async fn refresh_stale(store: &Store) -> Result<usize, StoreError> {
    let stale = store.read().await?.stale_communities().await?;
    let now = starledger_app::clock::now();
    for &community in &stale {
        let figures = store.snapshot().await?.community_figures(community).await?;
        let mut tx = store.write_in(community).await?;
        tx.store_figures(&figures, now).await?;
        tx.commit().await?;
    }
    Ok(stale.len())
}

/// Runs until aborted. A failed round is reported and tried again next time.
pub async fn run(store: Store, every: Duration) {
    loop {
        if let Err(error) = refresh_stale(&store).await {
            eprintln!("refreshing the regions' figures failed, trying again in {}s: {error}", every.as_secs());
        }
        tokio::time::sleep(every).await;
    }
}
