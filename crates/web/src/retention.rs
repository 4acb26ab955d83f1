//! Retention enforced by the server (issue 17, docs/privacy.md): at start
//! and then every few hours, each community's files of claims withdrawn or
//! rejected before the review period, and its audit rows older than their
//! period, are removed, with one audit row saying what went
//! (`app::privacy::apply`). `starledger retention apply` does the same by
//! hand, with a dry run.

use crate::shutdown::Stop;
use starledger_app::privacy::{self, Due, Retention};
use starledger_app::{AppError, clock::Clock};
use starledger_store::{OrgQueries, Store};
use std::time::Duration;

/// How often the server applies the retention periods.
pub const EVERY: Duration = Duration::from_secs(6 * 3600);

/// Applies the periods to every community, each in its own transaction,
/// on `clock`; what was removed, per community where something was.
pub async fn apply_all(store: &Store, retention: &Retention, clock: Clock) -> Result<Vec<Due>, AppError> {
    starledger_app::clock::scope(clock, async {
        let communities = store.read().await?.communities().await?;
        let mut removed = Vec::new();
        for community in communities {
            let mut tx = store.write_in(community.id).await?;
            let due = privacy::apply(&mut tx, community.id, retention, privacy::SYSTEM_ACTOR).await?;
            tx.commit().await?;
            if !due.is_empty() {
                removed.push(due);
            }
        }
        Ok(removed)
    })
    .await
}

/// Runs until `stop` is requested; a failed round is logged and tried again
/// at the next.
pub async fn run(store: Store, retention: Retention, clock: Clock, every: Duration, mut stop: Stop) {
    loop {
        let round = tokio::select! {
            _ = stop.requested() => return,
            round = apply_all(&store, &retention, clock) => round,
        };
        match round {
            Ok(removed) => {
                for due in removed {
                    tracing::info!(
                        community = due.community.get(),
                        files = due.files.len(),
                        audit_rows = due.audit_rows,
                        "retention: removed files of withdrawn or rejected claims and old audit rows"
                    );
                }
            }
            Err(error) => tracing::error!(%error, "applying the retention periods failed, trying again later"),
        }
        if stop.sleep(every).await {
            return;
        }
    }
}
