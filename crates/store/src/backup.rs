//! Backups an operator can trust (`starledger backup` / `restore`): a
//! consistent snapshot of the live database written to a new SQLite file,
//! verified once written, with a manifest beside it naming what it holds
//! (entries and chain head per community). A restore checks the file
//! against its ledger and its manifest before it writes anything, and
//! never replaces a database it was not told to replace.

use crate::error::Classify;
use crate::{Backend, LedgerQueries, OpenMode, OrgQueries, Result, Store, StoreError, Target};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What a backup holds, written beside it as `FILE.manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// When the snapshot was taken (RFC 3339).
    pub taken_at: String,
    pub communities: Vec<CommunityHead>,
}

/// One community's ledger in a backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommunityHead {
    pub id: starledger_domain::org::CommunityId,
    pub name: String,
    pub entries: u64,
    /// The hash of the community's last entry, empty when it has none.
    pub head: String,
}

/// The manifest's path: `FILE.manifest.json`.
pub fn manifest_path(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".manifest.json");
    PathBuf::from(name)
}

/// A file beside `file` to write into before renaming it into place.
fn partial_path(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

fn remove_with_journal(file: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = file.as_os_str().to_owned();
        name.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
}

fn backup_error(path: &Path, reason: impl ToString) -> StoreError {
    StoreError::Backup { path: path.to_path_buf(), reason: reason.to_string() }
}

impl Store {
    /// Writes a consistent snapshot of this database into `file`, a new
    /// SQLite file, verifies it and writes its manifest. Writers go on
    /// meanwhile; the snapshot holds everything committed before it began.
    /// On any failure nothing is left at `file`.
    pub async fn backup_to(&self, file: &Path, busy_timeout: Duration) -> Result<Manifest> {
        if file.exists() {
            return Err(StoreError::AlreadyExists(file.to_path_buf()));
        }
        let partial = partial_path(file);
        remove_with_journal(&partial);
        let taken_at = crate::now_text();
        let written = self.snapshot_into(&partial, busy_timeout).await;
        let checked = match written {
            Ok(()) => check_file(&partial, busy_timeout).await,
            Err(error) => Err(error),
        };
        let communities = match checked {
            Ok(communities) => communities,
            Err(error) => {
                remove_with_journal(&partial);
                return Err(error);
            }
        };
        let manifest = Manifest { taken_at, communities };
        let text = serde_json::to_string_pretty(&manifest).map_err(|e| backup_error(file, e))?;
        let placed = std::fs::write(manifest_path(file), text + "\n").and_then(|()| std::fs::rename(&partial, file));
        if let Err(error) = placed {
            remove_with_journal(&partial);
            let _ = std::fs::remove_file(manifest_path(file));
            return Err(backup_error(file, error));
        }
        Ok(manifest)
    }

    /// Everything committed before this call, into a new SQLite file.
    async fn snapshot_into(&self, file: &Path, busy_timeout: Duration) -> Result<()> {
        match self.backend() {
            Backend::Sqlite => {
                let mut reader = self.read().await?;
                let text = file.to_str().ok_or_else(|| backup_error(file, "the path is not valid UTF-8"))?;
                sqlx::query("VACUUM INTO $1").bind(text).execute(&mut *reader.conn).await.at(&reader.location)?;
                Ok(())
            }
            Backend::Postgres => {
                let target =
                    Store::connect(&Target::Sqlite(file.to_path_buf()), OpenMode::CreateNew, busy_timeout).await?;
                let copied = self.copy_into(&target).await;
                target.close().await;
                copied.map(|_| ())
            }
        }
    }

    /// Restores the backup `from` into `to` after checking its ledger and
    /// its manifest. An existing SQLite target is replaced only with
    /// `force`, by renaming a fully written file over it; a PostgreSQL
    /// target must be an empty database.
    pub async fn restore(from: &Path, to: &Target, force: bool, busy_timeout: Duration) -> Result<Manifest> {
        let manifest_file = manifest_path(from);
        let text = std::fs::read_to_string(&manifest_file)
            .map_err(|e| backup_error(from, format!("cannot read its manifest {}: {e}", manifest_file.display())))?;
        let manifest: Manifest = serde_json::from_str(&text)
            .map_err(|e| backup_error(from, format!("its manifest {} is not valid: {e}", manifest_file.display())))?;
        if let Target::Sqlite(path) = to {
            if path.exists() && !force {
                return Err(backup_error(
                    path,
                    "a database is already there; restore over it only with --force (stop any server using it first)",
                ));
            }
            if path == from {
                return Err(backup_error(from, "the backup and the target are the same file"));
            }
        }
        // Checked on a private copy, so opening it changes nothing in the backup.
        let staged = match to {
            Target::Sqlite(path) => partial_path(path),
            Target::Postgres(_) => partial_path(from),
        };
        remove_with_journal(&staged);
        std::fs::copy(from, &staged).map_err(|e| backup_error(from, format!("cannot read it: {e}")))?;
        let outcome = restore_staged(from, &staged, &manifest, to, busy_timeout).await;
        if outcome.is_err() || matches!(to, Target::Postgres(_)) {
            remove_with_journal(&staged);
        }
        outcome.map(|()| manifest)
    }
}

async fn restore_staged(
    from: &Path,
    staged: &Path,
    manifest: &Manifest,
    to: &Target,
    busy_timeout: Duration,
) -> Result<()> {
    let found = check_file(staged, busy_timeout).await.map_err(|e| match e {
        StoreError::Backup { reason, .. } => backup_error(from, reason),
        other => other,
    })?;
    if found != manifest.communities {
        return Err(backup_error(
            from,
            "it does not match its manifest (entries or chain heads differ); it was changed after it was taken",
        ));
    }
    match to {
        Target::Sqlite(path) => {
            // The replaced database's journal must not be applied to the new file.
            for suffix in ["-wal", "-shm"] {
                let mut name = path.as_os_str().to_owned();
                name.push(suffix);
                let _ = std::fs::remove_file(PathBuf::from(name));
            }
            std::fs::rename(staged, path).map_err(|e| backup_error(path, e))
        }
        Target::Postgres(_) => {
            let source =
                Store::connect(&Target::Sqlite(staged.to_path_buf()), OpenMode::Existing, busy_timeout).await?;
            let target = Store::connect(to, OpenMode::CreateNew, busy_timeout).await;
            let copied = match target {
                Ok(target) => {
                    let copied = source.copy_into(&target).await.map(|_| ());
                    target.close().await;
                    copied
                }
                Err(error) => Err(error),
            };
            source.close().await;
            copied
        }
    }
}

/// Opens a backup file, verifies every community's ledger and reads what
/// the manifest records of it. Closes it checkpointed, so the file alone
/// holds everything.
async fn check_file(file: &Path, busy_timeout: Duration) -> Result<Vec<CommunityHead>> {
    let store = Store::open(file, OpenMode::Existing, busy_timeout).await?;
    let checked = heads(&store, file).await;
    store.close().await;
    checked
}

async fn heads(store: &Store, file: &Path) -> Result<Vec<CommunityHead>> {
    let mut snapshot = store.snapshot().await?;
    let mut heads = Vec::new();
    for community in snapshot.communities().await? {
        let report = snapshot.verify(community.id).await?;
        if !report.is_intact() {
            let what = match &report.chain_break {
                Some(broken) => broken.to_string(),
                None => format!("{} stored totals differ from the entries", report.projection_mismatches.len()),
            };
            return Err(backup_error(file, format!("its ledger of {} does not verify ({what})", community.name)));
        }
        let head: Option<String> =
            sqlx::query_scalar("SELECT hash FROM ledger_entries WHERE community_id = $1 ORDER BY id DESC LIMIT 1")
                .bind(community.id)
                .fetch_optional(&mut *snapshot.tx)
                .await
                .at(&snapshot.location)?;
        heads.push(CommunityHead {
            id: community.id,
            name: community.name,
            entries: report.entries_checked as u64,
            head: head.unwrap_or_default(),
        });
    }
    Ok(heads)
}
