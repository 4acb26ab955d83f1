//! Keeps the regions' figures current: every few minutes, each community
//! whose ledger has moved on since its figures were computed has them
//! computed again, so that a region's page never waits on (or joins) a
//! community's rows. Each community's figures are computed on a read-only
//! snapshot and only written under its lock, so sign-ins and ratings are
//! never held up by the computing.

use crate::metrics::Metrics;
use crate::shutdown::Stop;
use starledger_store::{RegionQueries, Store, StoreError};
use std::sync::Arc;
use std::time::{Duration, Instant};

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

/// Runs until `stop` is requested. A failed round is reported and tried
/// again next time. A round under way when the stop comes is dropped: its
/// open transaction rolls back, nothing half-written is kept, and the next
/// start finds those communities still stale and computes them again.
pub async fn run(store: Store, every: Duration, metrics: Arc<Metrics>, mut stop: Stop) {
    loop {
        let started = Instant::now();
        let round = tokio::select! {
            _ = stop.requested() => return,
            round = refresh_stale(&store) => round,
        };
        metrics.refreshed(round.is_ok(), started.elapsed());
        if let Err(error) = round {
            tracing::error!(%error, "refreshing the regions' figures failed, trying again in {}s", every.as_secs());
        }
        if stop.sleep(every).await {
            return;
        }
    }
}
