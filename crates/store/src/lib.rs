//! The one store of starledger, over either backend through one code path:
//! embedded SQLite by default (one file, WAL, foreign keys on), PostgreSQL
//! for a city-wide deployment. Queries use `$1` placeholders and SQL both
//! accept; each backend has its own append-only migrations folder, kept
//! equivalent (a test compares them). Every write is one transaction that
//! holds the database's single write lock: `BEGIN IMMEDIATE` in SQLite, a
//! transaction-scoped advisory lock in PostgreSQL — so a cap check, the
//! chain's tail and the next entry id are read and written with no other
//! writer in between, even with several servers on one database.

mod access;
mod activities;
mod api_tokens;
mod backup;
mod ballots;
mod baseline;
mod bulk;
mod claims;
mod copy;
mod counters;
mod error;
mod exports;
mod figures;
mod integrity;
mod ledger;
mod links;
mod meetings;
mod notices;
mod org;
mod outbox;
mod paper_forms;
mod privacy;
mod ratings;
mod regions;
mod rows;
mod seals;
mod times;
pub use times::TEXT_TIMES;

pub use access::{AccessQueries, Credentials, Session};
pub use activities::{Activity, ActivityQueries, NewActivity, Signup};
pub use api_tokens::{ApiToken, ApiTokenHolder, ApiTokenQueries, KeptAnswer};
pub use backup::{CommunityHead, Manifest, manifest_path};
pub use ballots::{BallotQueries, BallotRow, BallotStatus, ExceptionRow, GradeRow, grade_key, parse_grade};
pub use baseline::{BaselineQueries, Census};
pub use bulk::{BulkHousehold, BulkMember, BulkReversal};
pub use claims::{Claim, ClaimDecision, ClaimQueries, NewClaim, Upload};
pub use copy::{ColumnKind, CopyReport, NOT_COPIED, TABLES, schema};
pub use counters::Counters;
pub use error::StoreError;
pub use exports::{ExportQueries, OPENING_TOTAL, OpeningBalance};
pub use figures::{FigureQueries, LeaveOut, MonthTakingPart};
pub use integrity::{Adjustment, IntegrityQueries, IntegrityRecord, IntegrityVote, NewAdjustment, NewIntegrityRecord};
pub use ledger::LedgerQueries;
pub use ledger::{Appended, EntryFact, ProjectionMismatch, VerifyReport};
pub use links::{LinkGuard, LinkQueries, LiveLink, RatingOrigin, SignInOrigin};
pub use meetings::{AttendanceRow, LeaveRequest, Meeting, MeetingQueries, NewMeeting};
pub use notices::{
    FinalStars, Finalization, NewObjection, NewRound, NoticeQueries, Objection, RatingMotion, RatingRound,
};
pub use org::OrgQueries;
pub use org::{Community, HouseholdRow, NewAccount, NewHousehold, NewMember, Period, PeriodStatus};
pub use outbox::{NewRobot, OutboxMessage, OutboxQueries, Robot};
pub use paper_forms::{NewPaperForm, PaperForm, PaperFormQueries};
pub use privacy::{ExpiredFile, PrivacyQueries, Pseudonymized};
pub use ratings::{NewRating, RatingGuard, RatingQueries, TokenHolder};
pub use regions::{BranchStats, CommunityFigures, CommunityStats, PlacedCommunity, RegionQueries};
pub use seals::SealQueries;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, Connection, Executor, Transaction};
use starledger_domain::ledger::EntryHash;
use starledger_domain::org::CommunityId;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

pub type Result<T> = std::result::Result<T, StoreError>;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The key of PostgreSQL's installation-wide advisory lock. A write that
/// may touch anything holds it exclusively; a write within one community
/// holds it shared, beside that community's own lock, so communities write
/// in parallel and an installation-wide write still excludes them all.
const WRITE_LOCK_KEY: i64 = 0x5354_4152; // "STAR"

/// The first half of a community's two-part advisory lock key (PostgreSQL
/// keeps two-part keys apart from single ones); the second is the
/// community's id, folded into 32 bits: two communities that fold alike
/// merely share a lock.
const COMMUNITY_LOCK_SPACE: i32 = 0x5354; // "ST"

/// The advisory lock the group-robot senders take among themselves: claims
/// on the outbox are serialized without holding up any community's writes.
const OUTBOX_LOCK_KEY: i64 = 0x5354_4f42; // "STOB"

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Where a database lives: a SQLite file, or a PostgreSQL URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Target {
    /// `sqlite://PATH` (or a bare path) or `postgres://…`.
    pub fn parse(text: &str) -> std::result::Result<Target, StoreError> {
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            return Ok(Target::Postgres(text.to_string()));
        }
        if let Some(path) = text.strip_prefix("sqlite://") {
            return Ok(Target::Sqlite(PathBuf::from(path)));
        }
        if text.contains("://") {
            return Err(StoreError::CannotOpen {
                path: PathBuf::from(redact(text)),
                reason: "use sqlite://PATH or postgres://USER@HOST/DATABASE".into(),
            });
        }
        Ok(Target::Sqlite(PathBuf::from(text)))
    }

    pub fn backend(&self) -> Backend {
        match self {
            Target::Sqlite(_) => Backend::Sqlite,
            Target::Postgres(_) => Backend::Postgres,
        }
    }

    /// How the target is named in messages: a path, or a URL without its password.
    pub fn display(&self) -> PathBuf {
        match self {
            Target::Sqlite(path) => path.clone(),
            Target::Postgres(url) => PathBuf::from(redact(url)),
        }
    }
}

/// A URL with any password replaced, for messages and logs.
fn redact(url: &str) -> String {
    match sqlx::any::AnyConnectOptions::from_str(url).ok().map(|o| o.database_url) {
        Some(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}

/// Where the database lives and how long a writer waits for a lock; kept to
/// turn low-level errors into messages that name it.
#[derive(Debug, Clone)]
pub struct Location {
    pub path: PathBuf,
    pub backend: Backend,
    pub busy_timeout: Duration,
}

impl Backend {
    /// A query's text as this backend runs it: times are named in
    /// PostgreSQL's spelling, which SQLite goes without (`times.rs`).
    /// Public for tools and tests that write SQL of their own.
    pub fn sql(self, text: &str) -> std::borrow::Cow<'_, str> {
        match self {
            Backend::Postgres => std::borrow::Cow::Borrowed(text),
            Backend::Sqlite => times::without_wrappers(text),
        }
    }
}

impl Location {
    pub(crate) fn sql<'a>(&self, text: &'a str) -> std::borrow::Cow<'a, str> {
        self.backend.sql(text)
    }
}

/// Whether opening may create a new database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    CreateNew,
    Existing,
}

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    location: Arc<Location>,
    /// What the audit rows of this store's writes name as their origin
    /// unless a write says otherwise ([`WriteTx::set_origin`]).
    origin: Arc<str>,
    /// What this store's transactions wrote, shared by its clones.
    counters: Arc<Counters>,
    /// SQLite's writers of this process (this store and its clones) take
    /// turns here, in the order they asked, before they take a connection
    /// and `BEGIN IMMEDIATE`: SQLite itself makes a second writer sleep and
    /// retry (1, 2, 5, 10 … ms) while the first holds the lock, which left
    /// the lock idle between short writes (BENCHMARKS.md, "Writes").
    /// Other processes still meet SQLite's own lock and its busy timeout.
    writers: Arc<tokio::sync::Mutex<()>>,
}

/// A SQLite path as a URL: `sqlx` percent-decodes the path part.
fn sqlite_url(path: &Path, mode: OpenMode) -> String {
    const KEEP: &percent_encoding::AsciiSet =
        &percent_encoding::NON_ALPHANUMERIC.remove(b'/').remove(b'.').remove(b'-').remove(b'_').remove(b'~');
    let encoded = percent_encoding::utf8_percent_encode(&path.to_string_lossy(), KEEP).to_string();
    let mode = if mode == OpenMode::CreateNew { "rwc" } else { "rw" };
    format!("sqlite://{encoded}?mode={mode}")
}

/// How long opening waits for a database server that does not answer.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Connections kept to a SQLite file by default: readers beside the one
/// writer (writes take the file's lock one at a time anyway).
pub const DEFAULT_POOL_SIZE_SQLITE: u32 = 4;
/// Connections kept to a PostgreSQL server by default.
pub const DEFAULT_POOL_SIZE_POSTGRES: u32 = 8;

/// Refuses a SQLite file that is not a starledger database: an empty file
/// (only `init` makes one), or one holding tables without our migration
/// history (another program's database).
async fn check_ours(conn: &mut AnyConnection, path: &Path) -> Result<()> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' ORDER BY name",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(StoreError::Database)?;
    if names.is_empty() {
        return Err(StoreError::NotOurs {
            path: path.to_path_buf(),
            reason: "it is empty; create a database with `starledger init` at a new path".into(),
        });
    }
    if !names.iter().any(|n| n == "_sqlx_migrations") || !names.iter().any(|n| n == "meta") {
        let shown: Vec<&str> = names.iter().take(3).map(String::as_str).collect();
        return Err(StoreError::NotOurs {
            path: path.to_path_buf(),
            reason: format!(
                "it holds another program's tables ({}{}) and no starledger history; it was left untouched",
                shown.join(", "),
                if names.len() > 3 { ", …" } else { "" }
            ),
        });
    }
    Ok(())
}

/// Each SQLite connection: wait for locks, enforce foreign keys, WAL.
async fn configure_sqlite(conn: &mut AnyConnection, busy_ms: u128) -> std::result::Result<(), sqlx::Error> {
    let pragmas = format!(
        "PRAGMA busy_timeout = {busy_ms}; PRAGMA foreign_keys = ON; \
         PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
    );
    conn.execute(pragmas.as_str()).await?;
    Ok(())
}

impl Store {
    /// Opens (or creates) a SQLite database file and brings its schema up to date.
    pub async fn open(path: &Path, mode: OpenMode, busy_timeout: Duration) -> Result<Store> {
        Store::connect(&Target::Sqlite(path.to_path_buf()), mode, busy_timeout).await
    }

    /// Opens a database of either backend and brings its schema up to date.
    /// `CreateNew` refuses a database that already holds starledger's
    /// tables; `Existing` refuses one that does not.
    pub async fn connect(target: &Target, mode: OpenMode, busy_timeout: Duration) -> Result<Store> {
        Store::connect_within(target, mode, busy_timeout, DEFAULT_CONNECT_TIMEOUT).await
    }

    /// [`Store::connect`], giving up on a server that has not answered
    /// within `connect_timeout` (a PostgreSQL port that accepts and then
    /// says nothing would otherwise hold the command for minutes).
    pub async fn connect_within(
        target: &Target,
        mode: OpenMode,
        busy_timeout: Duration,
        connect_timeout: Duration,
    ) -> Result<Store> {
        Store::connect_pooled(target, mode, busy_timeout, connect_timeout, None).await
    }

    /// [`Store::connect_within`] with at most `pool_size` connections
    /// (the operator's `pool_size`); `None` keeps the default,
    /// [`DEFAULT_POOL_SIZE_SQLITE`] or [`DEFAULT_POOL_SIZE_POSTGRES`].
    pub async fn connect_pooled(
        target: &Target,
        mode: OpenMode,
        busy_timeout: Duration,
        connect_timeout: Duration,
        pool_size: Option<u32>,
    ) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = target.backend();
        let location = Arc::new(Location { path: target.display(), backend, busy_timeout });
        let url = match target {
            Target::Sqlite(path) => {
                match (mode, path.exists()) {
                    (OpenMode::Existing, false) => return Err(StoreError::Missing(path.to_path_buf())),
                    (OpenMode::CreateNew, true) => return Err(StoreError::AlreadyExists(path.to_path_buf())),
                    _ => {}
                }
                sqlite_url(path, mode)
            }
            Target::Postgres(url) => url.clone(),
        };
        let options = AnyConnectOptions::from_str(&url).map_err(|e| StoreError::classify(e, &location))?;
        let busy_ms = busy_timeout.as_millis();
        // One connection first, by hand: a pool retries a failing connect
        // until its timeout, which would hide why (read-only, no such
        // database, refused) behind "timed out".
        let silent = || StoreError::CannotOpen {
            path: location.path.clone(),
            reason: format!(
                "the server did not answer within {} s (--connect-timeout-secs)",
                connect_timeout.as_secs()
            ),
        };
        let mut first = tokio::time::timeout(connect_timeout, AnyConnection::connect_with(&options))
            .await
            .map_err(|_| silent())?
            .map_err(|e| StoreError::classify(e, &location))?;
        if let Target::Sqlite(path) = target
            && mode == OpenMode::Existing
        {
            // Before anything is written to it (WAL mode, our tables): a
            // file that is not one of ours is left exactly as it was.
            let checked = check_ours(&mut first, path)
                .await
                .map_err(|e| if let StoreError::Database(e) = e { StoreError::classify(e, &location) } else { e });
            if let Err(error) = checked {
                let _ = first.close().await;
                // A WAL file this process may not write cannot even be read
                // through a read-write connection: read it read-only instead.
                if let StoreError::ReadOnly(_) | StoreError::CannotOpen { .. } = error {
                    return Store::open_read_only(path, location, busy_timeout).await;
                }
                return Err(error);
            }
        }
        if backend == Backend::Sqlite
            && let Err(error) = configure_sqlite(&mut first, busy_ms).await
        {
            let error = StoreError::classify(error, &location);
            let _ = first.close().await;
            if let (Target::Sqlite(path), OpenMode::Existing, StoreError::ReadOnly(_) | StoreError::CannotOpen { .. }) =
                (target, mode, &error)
            {
                return Store::open_read_only(path, location, busy_timeout).await;
            }
            return Err(error);
        }
        first.close().await.map_err(|e| StoreError::classify(e, &location))?;
        let pool = AnyPoolOptions::new()
            .max_connections(pool_size.unwrap_or(match backend {
                Backend::Sqlite => DEFAULT_POOL_SIZE_SQLITE,
                Backend::Postgres => DEFAULT_POOL_SIZE_POSTGRES,
            }))
            .acquire_timeout(busy_timeout.max(connect_timeout))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if conn.backend_name() == "SQLite" {
                        configure_sqlite(conn, busy_ms).await?;
                    } else {
                        // Dates are read back as `CAST(col AS TEXT)`, which
                        // follows the session's DateStyle: ISO is the
                        // `YYYY-MM-DD` the program parses, whatever the
                        // server's default.
                        conn.execute("SET DateStyle = 'ISO, YMD'").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(|e| StoreError::classify(e, &location))?;
        let store =
            Store { pool, location, origin: Arc::from("cli"), counters: Arc::default(), writers: Arc::default() };
        if backend == Backend::Postgres {
            store.check_postgres_mode(mode).await?;
        }
        store.migrate().await?;
        Ok(store)
    }

    /// A SQLite file this process may not write (a copy handed to an
    /// auditor, a read-only mount): opened read-only and unchanging, so
    /// reading commands work; any write is refused as read-only. Its schema
    /// must already be current, since it cannot be brought up to date.
    async fn open_read_only(path: &Path, location: Arc<Location>, busy_timeout: Duration) -> Result<Store> {
        let url = format!("{}&immutable=1", sqlite_url(path, OpenMode::Existing).replace("mode=rw", "mode=ro"));
        let options = AnyConnectOptions::from_str(&url).map_err(|e| StoreError::classify(e, &location))?;
        let busy_ms = busy_timeout.as_millis();
        let pool = AnyPoolOptions::new()
            .max_connections(4)
            .acquire_timeout(busy_timeout.max(DEFAULT_CONNECT_TIMEOUT))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    let pragmas = format!("PRAGMA busy_timeout = {busy_ms}; PRAGMA foreign_keys = ON;");
                    conn.execute(pragmas.as_str()).await?;
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(|e| StoreError::classify(e, &location))?;
        let store =
            Store { pool, location, origin: Arc::from("cli"), counters: Arc::default(), writers: Arc::default() };
        let mut conn = store.pool.acquire().await.map_err(|e| StoreError::classify(e, &store.location))?;
        let ours = check_ours(&mut conn, path)
            .await
            .map_err(|e| if let StoreError::Database(e) = e { StoreError::classify(e, &store.location) } else { e });
        drop(conn);
        if let Err(error) = ours {
            store.pool.close().await;
            return Err(error);
        }
        if !store.migrations_current().await? {
            let path = store.location.path.clone();
            store.pool.close().await;
            return Err(StoreError::ReadOnly(path));
        }
        Ok(store)
    }

    /// Whether the database can serve: it answers, every migration this
    /// build knows has been applied, and the ledger can be read. The reason
    /// when it cannot, in words.
    pub async fn readiness(&self) -> std::result::Result<(), String> {
        match self.migrations_current().await {
            Ok(true) => {}
            Ok(false) => {
                return Err("the database schema is older than this starledger; run any command to upgrade it".into());
            }
            Err(error) => return Err(error.to_string()),
        }
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM (SELECT hash FROM ledger_entries ORDER BY id DESC LIMIT 1) AS head",
        )
        .fetch_one(&self.pool)
        .await
        .map(|_| ())
        .map_err(|e| StoreError::classify(e, &self.location).to_string())
    }

    /// Whether every migration this build knows has been applied.
    pub async fn migrations_current(&self) -> Result<bool> {
        let migrator = match self.location.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success = TRUE")
            .fetch_all(&self.pool)
            .await
            .map_err(|e| StoreError::classify(e, &self.location))?;
        Ok(migrator.iter().filter(|m| m.migration_type.is_up_migration()).all(|m| applied.contains(&m.version)))
    }

    /// A PostgreSQL database is "new" when it has none of starledger's tables.
    async fn check_postgres_mode(&self, mode: OpenMode) -> Result<()> {
        let tables: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() \
             AND table_name = 'meta'",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(|e| StoreError::classify(e, &self.location))?;
        match (mode, tables > 0) {
            (OpenMode::Existing, false) => Err(StoreError::Missing(self.location.path.clone())),
            (OpenMode::CreateNew, true) => Err(StoreError::AlreadyExists(self.location.path.clone())),
            _ => Ok(()),
        }
    }

    async fn migrate(&self) -> Result<()> {
        let failed = |error| match error {
            sqlx::migrate::MigrateError::Execute(e) => StoreError::classify(e, &self.location),
            // An older binary on a database a newer one upgraded (a server
            // left behind in a rolling upgrade): say so, not sqlx's words.
            sqlx::migrate::MigrateError::VersionMissing(version) => StoreError::Migrate(format!(
                "the database was upgraded by a newer starledger (its migration {version} is not one this \
                 release knows): run that release or a later one"
            )),
            other => StoreError::Migrate(other.to_string()),
        };
        if self.location.backend == Backend::Postgres {
            return POSTGRES_MIGRATIONS.run(&self.pool).await.map_err(failed);
        }
        // SQLite changes a column's NOT NULL or a CHECK only by rebuilding the
        // table, which must run with foreign keys off (its documented
        // procedure), and that pragma does nothing inside the transaction
        // each migration runs in. So migrations run on one connection with
        // them off, and the store opens only if every reference still holds.
        let classify = |e| StoreError::classify(e, &self.location);
        let mut conn = self.pool.acquire().await.map_err(classify)?;
        // Every reference is checked after migrations ran, not on every open:
        // the check reads the whole database (seconds for a city's file), and
        // with foreign keys on, nothing else can break a reference. A file
        // whose check passed says so in its header's user_version (the
        // latest migration it was checked at); one that failed is checked
        // again at every open, and refused again.
        let latest = SQLITE_MIGRATIONS.iter().map(|m| m.version).max().unwrap_or(0);
        if self.references_checked(&mut conn, latest).await? {
            return Ok(());
        }
        sqlx::query("PRAGMA foreign_keys = OFF").execute(&mut *conn).await.map_err(classify)?;
        let ran = SQLITE_MIGRATIONS.run(&mut *conn).await.map_err(failed);
        let broken: std::result::Result<Vec<(String, i64)>, _> = sqlx::query_as(
            "SELECT \"table\", COUNT(*) FROM pragma_foreign_key_check GROUP BY \"table\" ORDER BY \"table\"",
        )
        .fetch_all(&mut *conn)
        .await;
        sqlx::query("PRAGMA foreign_keys = ON").execute(&mut *conn).await.map_err(classify)?;
        ran?;
        let broken = broken.map_err(classify)?;
        if broken.is_empty() {
            sqlx::query(&format!("PRAGMA user_version = {latest}")).execute(&mut *conn).await.map_err(classify)?;
            return Ok(());
        }
        let rows: Vec<String> = broken.iter().map(|(table, n)| format!("{n} in {table}")).collect();
        Err(StoreError::Corrupt(format!(
            "rows refer to rows that do not exist ({}); `PRAGMA foreign_key_check` lists them",
            rows.join(", ")
        )))
    }

    /// Whether a SQLite database has every migration of this build and
    /// passed the reference check at the latest of them.
    async fn references_checked(&self, conn: &mut sqlx::AnyConnection, latest: i64) -> Result<bool> {
        let classify = |e| StoreError::classify(e, &self.location);
        let checked_at: i64 =
            sqlx::query_scalar("PRAGMA user_version").fetch_one(&mut *conn).await.map_err(classify)?;
        if checked_at != latest {
            return Ok(false);
        }
        let recorded: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'")
                .fetch_one(&mut *conn)
                .await
                .map_err(classify)?;
        if recorded == 0 {
            return Ok(false);
        }
        let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success = 1")
            .fetch_all(&mut *conn)
            .await
            .map_err(classify)?;
        Ok(SQLITE_MIGRATIONS.iter().all(|m| applied.contains(&m.version)))
    }

    pub fn location(&self) -> &Location {
        &self.location
    }

    pub fn backend(&self) -> Backend {
        self.location.backend
    }

    /// A connection for reading.
    pub async fn read(&self) -> Result<Reader> {
        let conn = self.pool.acquire().await.map_err(|e| StoreError::classify(e, &self.location))?;
        Ok(Reader { conn, location: self.location.clone() })
    }

    /// One consistent view of the database for reads that must agree with
    /// each other (the chain and the stored totals in `ledger verify`): a
    /// read-only transaction, REPEATABLE READ on PostgreSQL, and on SQLite a
    /// deferred transaction whose WAL snapshot is fixed at its first read.
    /// Writers go on meanwhile; this view does not see them.
    pub async fn snapshot(&self) -> Result<Snapshot> {
        let classify = |e| StoreError::classify(e, &self.location);
        let mut tx = self.pool.begin().await.map_err(classify)?;
        if self.location.backend == Backend::Postgres {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(&mut *tx)
                .await
                .map_err(classify)?;
        }
        Ok(Snapshot { tx, location: self.location.clone() })
    }

    /// A write transaction that may touch anything: it holds the whole
    /// database's write lock from its first statement, so that a
    /// read-then-write (a cap check, the chain's tail) cannot race another
    /// writer, in this process or another. The command line and the
    /// installation's own jobs write this way.
    pub async fn write(&self) -> Result<WriteTx> {
        self.begin(Held::Everything).await
    }

    /// A write transaction within one community, holding that community's
    /// lock from its first statement. On PostgreSQL other communities write
    /// at the same time; on SQLite, which has one writer, it is [`Store::write`].
    pub async fn write_in(&self, community: CommunityId) -> Result<WriteTx> {
        let mut tx = self.begin(Held::Communities(Vec::new())).await?;
        tx.lock_community(community).await?;
        Ok(tx)
    }

    /// A write transaction that holds no community yet: for writes that
    /// touch no community's rows (a sign-in, a session), or that learn their
    /// community from what they read first and then lock it
    /// ([`WriteTx::lock_community`]) before checking anything.
    pub async fn write_shared(&self) -> Result<WriteTx> {
        self.begin(Held::Communities(Vec::new())).await
    }

    /// A write transaction for the group-robot outbox: senders (of this and
    /// any other server) claim and settle messages one at a time, while the
    /// communities go on writing.
    pub async fn write_outbox(&self) -> Result<WriteTx> {
        let mut tx = self.begin(Held::Communities(Vec::new())).await?;
        if self.location.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(OUTBOX_LOCK_KEY)
                .execute(&mut *tx.tx)
                .await
                .map_err(|e| StoreError::classify(e, &self.location))?;
        }
        Ok(tx)
    }

    async fn begin(&self, held: Held) -> Result<WriteTx> {
        let classify = |e| StoreError::classify(e, &self.location);
        let mut turn = None;
        let (tx, held) = match self.location.backend {
            // SQLite has one writer at a time: every write holds everything.
            Backend::Sqlite => {
                // Waiting for the turn counts against the same busy timeout
                // as waiting for SQLite's lock, and fails the same way.
                let waited = tokio::time::timeout(self.location.busy_timeout, self.writers.clone().lock_owned());
                turn = Some(waited.await.map_err(|_| StoreError::Locked {
                    path: self.location.path.clone(),
                    waited_ms: self.location.busy_timeout.as_millis(),
                })?);
                (self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(classify)?, Held::Everything)
            }
            Backend::Postgres => {
                let mut tx = self.pool.begin().await.map_err(classify)?;
                let lock = match held {
                    Held::Everything => "SELECT pg_advisory_xact_lock($1)",
                    Held::Communities(_) => "SELECT pg_advisory_xact_lock_shared($1)",
                };
                sqlx::query(lock).bind(WRITE_LOCK_KEY).execute(&mut *tx).await.map_err(classify)?;
                (tx, held)
            }
        };
        Ok(WriteTx {
            tx,
            location: self.location.clone(),
            held,
            chain_tails: HashMap::new(),
            next_entry_id: None,
            origin: self.origin.to_string(),
            counters: self.counters.clone(),
            entries_appended: 0,
            _turn: turn,
        })
    }

    /// What this store (and its clones) have written since it was opened.
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// The same store, whose writes name `origin` in their audit rows
    /// unless they set their own: the command line names the operating
    /// system's user and host there, beside its `--by`.
    pub fn with_origin(mut self, origin: &str) -> Store {
        self.origin = Arc::from(origin);
        self
    }

    /// After a bulk load (`bench city`): on PostgreSQL, `VACUUM ANALYZE`,
    /// which autovacuum would run some time later, so that what is measured
    /// next meets the database as a running installation has it (freshly
    /// written rows read at about half speed until a vacuum has marked
    /// them; `BENCHMARKS.md`). SQLite keeps no such marks and the program
    /// gathers no statistics there: nothing to do. Whether it ran.
    pub async fn settle_after_bulk_load(&self) -> Result<bool> {
        if self.location.backend != Backend::Postgres {
            return Ok(false);
        }
        // Outside any transaction, as VACUUM must be.
        let mut conn = self.pool.acquire().await.map_err(|e| StoreError::classify(e, &self.location))?;
        sqlx::query("VACUUM ANALYZE").execute(&mut *conn).await.map_err(|e| StoreError::classify(e, &self.location))?;
        Ok(true)
    }

    /// Writes everything in SQLite's WAL into the database file, then
    /// closes. Not left to SQLite's last-connection checkpoint: a process
    /// may exit before that has run, and the file alone must hold every
    /// confirmed write.
    pub async fn close(self) {
        if self.location.backend == Backend::Sqlite
            && let Ok(mut conn) = self.pool.acquire().await
        {
            // A read-only database has nothing to checkpoint; that is fine.
            let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut *conn).await;
        }
        self.pool.close().await;
    }
}

pub struct Reader {
    conn: sqlx::pool::PoolConnection<sqlx::Any>,
    location: Arc<Location>,
}

/// A read-only transaction: every query sees the database as it was at the
/// snapshot's first read. Dropping it ends it; nothing is written.
pub struct Snapshot {
    tx: Transaction<'static, sqlx::Any>,
    location: Arc<Location>,
}

/// Which write locks a transaction holds.
#[derive(Debug)]
enum Held {
    /// The whole database's: nothing else writes meanwhile.
    Everything,
    /// These communities', each taken before its first read-then-write.
    Communities(Vec<CommunityId>),
}

/// One transaction; dropped without `commit` it rolls back, writing nothing.
pub struct WriteTx {
    tx: Transaction<'static, sqlx::Any>,
    location: Arc<Location>,
    held: Held,
    /// The last hash per community, once read inside this transaction.
    chain_tails: HashMap<CommunityId, EntryHash>,
    next_entry_id: Option<i64>,
    /// Where the writes come from, for the audit log.
    origin: String,
    counters: Arc<Counters>,
    /// New ledger entries in this transaction, counted once it commits.
    entries_appended: u64,
    /// SQLite: this process's turn to write ([`Store`]'s `writers`), given
    /// back when the transaction ends (after `tx`, declared first, drops).
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl WriteTx {
    /// Takes a community's write lock, unless this transaction holds it (or
    /// everything) already. Everything this transaction then reads of the
    /// community stays as read until it commits. A transaction that locks
    /// several communities must take them in ascending order.
    pub async fn lock_community(&mut self, community: CommunityId) -> Result<()> {
        let Held::Communities(held) = &mut self.held else { return Ok(()) };
        if held.contains(&community) {
            return Ok(());
        }
        let folded = (community.get().rem_euclid(i64::from(i32::MAX))) as i32;
        sqlx::query("SELECT pg_advisory_xact_lock($1, $2)")
            .bind(COMMUNITY_LOCK_SPACE)
            .bind(folded)
            .execute(&mut *self.tx)
            .await
            .map_err(|e| StoreError::classify(e, &self.location))?;
        held.push(community);
        Ok(())
    }

    /// Names where this transaction's writes come from (a client address).
    pub fn set_origin(&mut self, origin: &str) {
        self.origin = origin.to_string();
    }

    /// Marks a point to return to if the next statement fails as expected
    /// (a unique key taken): PostgreSQL aborts the whole transaction at its
    /// first error otherwise, while SQLite would carry on.
    pub(crate) async fn savepoint(&mut self) -> Result<()> {
        sqlx::query("SAVEPOINT expected_refusal")
            .execute(&mut *self.tx)
            .await
            .map_err(|e| StoreError::classify(e, &self.location))?;
        Ok(())
    }

    /// Returns to the savepoint after a failure, or lets it go after a success.
    pub(crate) async fn end_savepoint<T>(
        &mut self,
        attempt: std::result::Result<T, sqlx::Error>,
    ) -> Result<std::result::Result<T, sqlx::Error>> {
        let sql = if attempt.is_ok() {
            "RELEASE SAVEPOINT expected_refusal"
        } else {
            "ROLLBACK TO SAVEPOINT expected_refusal"
        };
        sqlx::query(sql).execute(&mut *self.tx).await.map_err(|e| StoreError::classify(e, &self.location))?;
        Ok(attempt)
    }

    pub async fn commit(self) -> Result<()> {
        let location = self.location.clone();
        self.tx.commit().await.map_err(|e| StoreError::classify(e, &location))?;
        self.counters.add_ledger_entries(self.entries_appended);
        Ok(())
    }
}

/// The queries both a reader and a write transaction can run.
pub trait Queries {
    fn parts(&mut self) -> (&mut AnyConnection, &Location);
}

impl Queries for Reader {
    fn parts(&mut self) -> (&mut AnyConnection, &Location) {
        (&mut self.conn, &self.location)
    }
}

impl Queries for Snapshot {
    fn parts(&mut self) -> (&mut AnyConnection, &Location) {
        (&mut self.tx, &self.location)
    }
}

impl Queries for WriteTx {
    fn parts(&mut self) -> (&mut AnyConnection, &Location) {
        (&mut self.tx, &self.location)
    }
}

/// Where the store's own stamps read the time, once the application says.
static CLOCK: std::sync::OnceLock<fn() -> jiff::Timestamp> = std::sync::OnceLock::new();

/// Has the store's own stamps (the `created_at` of organization rows, a
/// disabling, the audit log's `at`, a backup's manifest) read the time from
/// `now`: the application's clock, so that a run on a stated day
/// (`STARLEDGER_NOW`, a test's own day) stamps that day, as its other
/// times do. The first call wins; until one, the system's clock.
pub fn use_clock(now: fn() -> jiff::Timestamp) {
    let _ = CLOCK.set(now);
}

/// Now, in whole seconds and as RFC 3339 text, for `created_at` columns.
pub(crate) fn now_text() -> String {
    let now = CLOCK.get().map_or_else(jiff::Timestamp::now, |now| now());
    now.round(jiff::Unit::Second).unwrap_or(now).to_string()
}
