//! Scheduled backups taken by the server itself (`serve --backup-dir DIR
//! --backup-every 24h --backup-keep 14`): the same consistent, verified
//! snapshot with its manifest as `starledger backup`, written into DIR as
//! `starledger-YYYYMMDDTHHMMSSZ.db` (UTC, so names sort by time), and the
//! oldest beyond `keep` removed once a new one is in place.
//!
//! It runs beside the requests: a SQLite snapshot is one read transaction
//! (writers go on in WAL mode), a PostgreSQL one a repeatable-read snapshot.
//! A failure is logged and counted in `/metrics` and tried again at the
//! next turn; it never stops the server.

use crate::metrics::Metrics;
use crate::shutdown::Stop;
use jiff::Timestamp;
use starledger_store::{Store, manifest_path};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

const PREFIX: &str = "starledger-";
const SUFFIX: &str = ".db";
const STAMP: &str = "%Y%m%dT%H%M%SZ";

#[derive(Clone, Debug)]
pub struct Schedule {
    pub dir: PathBuf,
    pub every: Duration,
    /// How many backups to keep in `dir`, the new one included (at least 1).
    pub keep: usize,
    pub busy_timeout: Duration,
}

/// Takes a backup whenever the newest in the directory is `every` old (at
/// once if there is none, so a server restarted more often than `every`
/// still backs up), until `stop`. A backup under way when the stop comes is
/// finished: a half-written one would only be thrown away.
pub async fn run(store: Store, schedule: Schedule, metrics: Arc<Metrics>, mut stop: Stop) {
    metrics.backups_are_scheduled();
    loop {
        let wait = match newest(&schedule.dir) {
            Some(taken) => {
                let due = taken.as_second().saturating_add(schedule.every.as_secs() as i64);
                Duration::from_secs(due.saturating_sub(Timestamp::now().as_second()).max(0) as u64)
            }
            None => Duration::ZERO,
        };
        if stop.sleep(wait).await {
            return;
        }
        match take(&store, &schedule).await {
            Ok(file) => {
                metrics.backed_up(true);
                tracing::info!(file = %file.display(), "scheduled backup written and verified");
                prune(&schedule.dir, schedule.keep);
            }
            Err(error) => {
                metrics.backed_up(false);
                tracing::error!(%error, "scheduled backup failed; trying again in {}s", schedule.every.as_secs());
                // Not again at once: wait a whole interval.
                if stop.sleep(schedule.every).await {
                    return;
                }
            }
        }
    }
}

/// One backup into the directory, named by the time it was taken.
pub async fn take(store: &Store, schedule: &Schedule) -> Result<PathBuf, String> {
    std::fs::create_dir_all(&schedule.dir)
        .map_err(|e| format!("cannot create the backup folder {}: {e}", schedule.dir.display()))?;
    let file = schedule.dir.join(name_at(Timestamp::now()));
    // Driven on a blocking thread of its own: the store's copy of a
    // PostgreSQL snapshot is a future the compiler cannot prove `Send`
    // (a known limit with streams borrowed across awaits), and a long
    // backup then holds no worker the requests need.
    let (store, target, busy) = (store.clone(), file.clone(), schedule.busy_timeout);
    let runtime = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || runtime.block_on(store.backup_to(&target, busy)))
        .await
        .map_err(|e| format!("the backup stopped: {e}"))?
        .map_err(|e| e.to_string())?;
    Ok(file)
}

fn name_at(time: Timestamp) -> String {
    format!("{PREFIX}{}{SUFFIX}", time.strftime(STAMP))
}

/// When the backup named `name` was taken, if the name is one of ours.
fn taken_at(name: &str) -> Option<Timestamp> {
    let stamp = name.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
    let civil = jiff::civil::DateTime::strptime(STAMP, stamp).ok()?;
    civil.to_zoned(jiff::tz::TimeZone::UTC).ok().map(|zoned| zoned.timestamp())
}

/// The scheduled backups in `dir`, oldest first. Files of any other name
/// (an operator's own copies) are never counted or removed.
pub fn list(dir: &Path) -> Vec<(Timestamp, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut found: Vec<(Timestamp, PathBuf)> = entries
        .filter_map(|entry| entry.ok())
        .filter_map(|entry| Some((taken_at(entry.file_name().to_str()?)?, entry.path())))
        .collect();
    found.sort();
    found
}

fn newest(dir: &Path) -> Option<Timestamp> {
    list(dir).last().map(|(taken, _)| *taken)
}

/// Removes the oldest backups (and their manifests) beyond `keep`.
fn prune(dir: &Path, keep: usize) {
    let found = list(dir);
    let excess = found.len().saturating_sub(keep.max(1));
    for (_, file) in &found[..excess] {
        for path in [file.clone(), manifest_path(file)] {
            if let Err(error) = std::fs::remove_file(&path) {
                tracing::warn!(%error, file = %path.display(), "cannot remove an old backup");
            }
        }
        tracing::info!(file = %file.display(), "old backup removed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sort_by_time_and_only_ours_are_read() {
        let time: Timestamp = "2026-06-10T02:03:04Z".parse().unwrap();
        let name = name_at(time);
        assert_eq!(name, "starledger-20260610T020304Z.db");
        assert_eq!(taken_at(&name), Some(time));
        assert_eq!(taken_at("starledger-20260610T020304Z.db.manifest.json"), None);
        assert_eq!(taken_at("starledger-before-upgrade.db"), None);
        assert_eq!(taken_at("other-20260610T020304Z.db"), None);
    }

    #[test]
    fn pruning_keeps_the_newest_and_leaves_other_files() {
        let dir = tempfile::tempdir().unwrap();
        let names =
            ["starledger-20260101T000000Z.db", "starledger-20260102T000000Z.db", "starledger-20260103T000000Z.db"];
        for name in names {
            std::fs::write(dir.path().join(name), b"x").unwrap();
            std::fs::write(manifest_path(&dir.path().join(name)), b"{}").unwrap();
        }
        std::fs::write(dir.path().join("mine.db"), b"x").unwrap();
        prune(dir.path(), 2);
        let mut left: Vec<String> =
            std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        left.sort();
        assert_eq!(
            left,
            [
                "mine.db",
                "starledger-20260102T000000Z.db",
                "starledger-20260102T000000Z.db.manifest.json",
                "starledger-20260103T000000Z.db",
                "starledger-20260103T000000Z.db.manifest.json",
            ]
        );
    }
}
