//! A fresh database for a test, on either backend. PostgreSQL tests need
//! `STARLEDGER_TEST_POSTGRES` (a URL of the server's maintenance database,
//! e.g. `postgres://postgres@127.0.0.1/postgres`): each test gets its own
//! database, dropped at the end. Without the variable they print SKIPPED,
//! unless `STARLEDGER_POSTGRES=require` (which `.ci/run` sets, with the
//! URL) makes a missing server a failure.

#![allow(dead_code)]

use sqlx::{AnyConnection, Connection};
use starledger_domain::org::{CommunityId, Role};
use starledger_store::{NewAccount, OpenMode, Store, Target};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

pub const TIMEOUT: Duration = Duration::from_millis(2000);

pub enum Backing {
    Sqlite { _dir: tempfile::TempDir, path: PathBuf },
    Postgres { admin: String, name: String, url: String },
}

static NEXT: AtomicU32 = AtomicU32::new(0);

impl Backing {
    pub fn sqlite() -> Backing {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.db");
        Backing::Sqlite { _dir: dir, path }
    }

    /// A new, empty PostgreSQL database, or None (said loudly) without a server.
    pub async fn postgres(test: &str) -> Option<Backing> {
        let Ok(admin) = std::env::var("STARLEDGER_TEST_POSTGRES") else {
            // CI states that PostgreSQL must be there: a missing server
            // fails the run instead of passing it quietly.
            if std::env::var("STARLEDGER_POSTGRES").as_deref() == Ok("require") {
                panic!("{test}: STARLEDGER_POSTGRES=require but STARLEDGER_TEST_POSTGRES is not set");
            }
            eprintln!("SKIPPED {test} on PostgreSQL: set STARLEDGER_TEST_POSTGRES=postgres://USER@HOST/postgres");
            return None;
        };
        sqlx::any::install_default_drivers();
        let name = format!("sl_store_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        let mut conn = AnyConnection::connect(&admin).await.expect("STARLEDGER_TEST_POSTGRES is reachable");
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name}")).execute(&mut conn).await.unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.unwrap();
        conn.close().await.unwrap();
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(base, _)| base).to_string();
        let url = format!("{base}/{name}");
        Some(Backing::Postgres { admin, name, url })
    }

    pub fn target(&self) -> Target {
        match self {
            Backing::Sqlite { path, .. } => Target::Sqlite(path.clone()),
            Backing::Postgres { url, .. } => Target::Postgres(url.clone()),
        }
    }

    pub async fn create(&self) -> Store {
        Store::connect(&self.target(), OpenMode::CreateNew, TIMEOUT).await.unwrap()
    }

    pub async fn open(&self) -> Store {
        Store::connect(&self.target(), OpenMode::Existing, TIMEOUT).await.unwrap()
    }

    /// A connection behind the store's back.
    pub async fn raw(&self) -> AnyConnection {
        sqlx::any::install_default_drivers();
        let url = match self {
            Backing::Sqlite { path, .. } => format!("sqlite://{}", path.display()),
            Backing::Postgres { url, .. } => url.clone(),
        };
        AnyConnection::connect(&url).await.unwrap()
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Backing::Postgres { .. })
    }

    /// Drops a trigger, as someone with full access to the database could.
    pub fn drop_trigger(&self, trigger: &str, table: &str) -> String {
        match self {
            Backing::Sqlite { .. } => format!("DROP TRIGGER {trigger}"),
            Backing::Postgres { .. } => format!("DROP TRIGGER {trigger} ON {table}"),
        }
    }
}

impl Drop for Backing {
    fn drop(&mut self) {
        if let Backing::Postgres { admin, name, .. } = self {
            let (admin, name) = (admin.clone(), name.clone());
            // A runtime of its own: the test's may be shutting down.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                runtime.block_on(async {
                    if let Ok(mut conn) = AnyConnection::connect(&admin).await {
                        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                            .execute(&mut conn)
                            .await;
                    }
                });
            })
            .join();
        }
    }
}

/// Runs an async test body on SQLite, and on PostgreSQL when available.
#[macro_export]
macro_rules! on_both {
    ($body:ident, $sqlite:ident, $postgres:ident) => {
        #[tokio::test]
        async fn $sqlite() {
            $body(support::Backing::sqlite()).await;
        }

        #[tokio::test]
        async fn $postgres() {
            if let Some(backing) = support::Backing::postgres(stringify!($postgres)).await {
                $body(backing).await;
            }
        }
    };
}

/// The community's secretary: a committee account with nobody behind it.
pub fn secretary(community: CommunityId) -> NewAccount {
    NewAccount {
        community_id: community,
        login: "secretary".into(),
        name: "梁雍宏".into(),
        role: Role::Committee,
        member_id: None,
        branch_id: None,
    }
}

/// A column of `table` as a `SELECT` reads it to compare rows across the
/// upgrades to native types, given its PostgreSQL `data_type`: a flag as 1
/// or 0 whether it is still an integer or already a boolean (migration
/// 0025), a time as the seconds or the RFC 3339 text it was before it was
/// a `TIMESTAMPTZ` (0026), anything else as it is.
pub fn comparable(table: &str, column: &str, data_type: &str) -> String {
    match data_type {
        "boolean" => format!("CASE WHEN \"{column}\" THEN 1 ELSE 0 END"),
        "timestamp with time zone" if starledger_store::TEXT_TIMES.contains(&(table, column)) => {
            format!("rfc3339(\"{column}\")")
        }
        "timestamp with time zone" => format!("unix_seconds(\"{column}\")"),
        _ => format!("\"{column}\""),
    }
}
