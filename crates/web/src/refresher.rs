//! Keeps the regions' figures current: every few minutes, each community
//! whose ledger has moved on since its figures were computed has them
//! computed again, one community per transaction, so that a region's page
//! never waits on (or joins) a community's rows.

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
        let mut tx = store.write_in(community).await?;
        tx.refresh_stats(community, now).await?;
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
