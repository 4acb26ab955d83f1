//! Errors of the store, each saying what is wrong in words a user can act on.

use crate::{Backend, Location};
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no database at {0}; create one with `starledger init` (or try `starledger demo`)")]
    Missing(PathBuf),
    #[error("{0} already exists; choose another path or remove it first")]
    AlreadyExists(PathBuf),
    #[error("{path} is not a starledger database: {reason}")]
    NotOurs { path: PathBuf, reason: String },
    #[error("backup {path}: {reason}; nothing was written")]
    Backup { path: PathBuf, reason: String },
    #[error("database {0} is read-only: starledger needs write access to the file and its folder")]
    ReadOnly(PathBuf),
    #[error("database {path} is locked by another program (waited {waited_ms} ms); try again when it has finished")]
    Locked { path: PathBuf, waited_ms: u128 },
    #[error("cannot open database {path}: {reason}")]
    CannotOpen { path: PathBuf, reason: String },
    #[error("{what} {key} does not exist")]
    NotFound { what: &'static str, key: String },
    #[error("{0}")]
    Conflict(String),
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    #[error("cannot bring the database schema up to date: {0}")]
    Migrate(String),
    #[error("database error: {0}")]
    Database(sqlx::Error),
}

impl StoreError {
    /// Turns the backend's error codes into errors that name the database.
    pub(crate) fn classify(error: sqlx::Error, location: &Location) -> StoreError {
        let path = location.path.clone();
        if let sqlx::Error::Database(db) = &error {
            let code = db.code().map(|c| c.to_string()).unwrap_or_default();
            let message = db.message().to_string();
            if message.contains("append-only") || message.contains("opened with") || message.contains("is finalized") {
                return StoreError::Conflict(message);
            }
            match location.backend {
                Backend::Sqlite => {
                    let primary = code.parse::<i32>().map(|c| c & 0xff).unwrap_or(-1);
                    match primary {
                        // SQLITE_BUSY, SQLITE_LOCKED
                        5 | 6 => return StoreError::Locked { path, waited_ms: location.busy_timeout.as_millis() },
                        // SQLITE_READONLY
                        8 => return StoreError::ReadOnly(path),
                        // SQLITE_CANTOPEN
                        14 => return StoreError::CannotOpen { path, reason: message },
                        // SQLITE_NOTADB
                        26 => {
                            return StoreError::CannotOpen {
                                path,
                                reason: "the file is not a starledger database".into(),
                            };
                        }
                        _ => {}
                    }
                    if message.contains("readonly") {
                        return StoreError::ReadOnly(path);
                    }
                }
                Backend::Postgres => match code.as_str() {
                    // lock_not_available, query_canceled (a lock timeout)
                    "55P03" | "57014" => {
                        return StoreError::Locked { path, waited_ms: location.busy_timeout.as_millis() };
                    }
                    // read_only_sql_transaction, insufficient_privilege
                    "25006" | "42501" => return StoreError::ReadOnly(path),
                    // invalid_catalog_name (no such database), invalid_authorization_specification
                    "3D000" | "28000" | "28P01" => return StoreError::CannotOpen { path, reason: message },
                    _ => {}
                },
            }
        }
        if let sqlx::Error::Io(io) = &error {
            return StoreError::CannotOpen { path, reason: io.to_string() };
        }
        if matches!(error, sqlx::Error::PoolTimedOut) {
            return StoreError::Locked { path, waited_ms: location.busy_timeout.as_millis() };
        }
        StoreError::Database(error)
    }

    pub fn not_found(what: &'static str, key: impl ToString) -> StoreError {
        StoreError::NotFound { what, key: key.to_string() }
    }
}

pub(crate) trait Classify<T> {
    fn at(self, location: &Location) -> Result<T, StoreError>;
}

impl<T> Classify<T> for Result<T, sqlx::Error> {
    fn at(self, location: &Location) -> Result<T, StoreError> {
        self.map_err(|e| StoreError::classify(e, location))
    }
}
