//! The one store of starledger. Embedded SQLite is the default: one file,
//! WAL, foreign keys on, and every write in one `BEGIN IMMEDIATE`
//! transaction. Queries use `$1` placeholders and portable SQL so that a
//! PostgreSQL backend can sit behind the same API.

mod access;
mod activities;
mod ballots;
mod claims;
mod error;
mod integrity;
mod ledger;
mod meetings;
mod notices;
mod org;
mod outbox;
mod ratings;
mod rows;

pub use access::{AccessQueries, Credentials, Session};
pub use activities::{Activity, ActivityQueries, NewActivity, Signup};
pub use ballots::{BallotQueries, BallotRow, BallotStatus, GradeRow, grade_key, parse_grade};
pub use claims::{Claim, ClaimDecision, ClaimQueries, NewClaim, Upload};
pub use error::StoreError;
pub use integrity::{Adjustment, IntegrityQueries, IntegrityRecord, IntegrityVote, NewAdjustment, NewIntegrityRecord};
pub use ledger::LedgerQueries;
pub use ledger::{Appended, ProjectionMismatch, VerifyReport};
pub use meetings::{AttendanceRow, LeaveRequest, Meeting, MeetingQueries, NewMeeting};
pub use notices::{FinalStars, Finalization, NewObjection, NewRound, NoticeQueries, Objection, RatingRound};
pub use org::OrgQueries;
pub use org::{Community, HouseholdRow, NewAccount, NewHousehold, NewMember, Period, PeriodStatus};
pub use outbox::{NewRobot, OutboxMessage, OutboxQueries, Robot};
pub use ratings::{NewRating, RatingQueries, TokenHolder};

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{SqliteConnection, SqlitePool, Transaction};
use starledger_domain::ledger::EntryHash;
use starledger_domain::org::CommunityId;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

pub type Result<T> = std::result::Result<T, StoreError>;

static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// Where the database lives and how long a writer waits for a lock; kept to
/// turn low-level errors into messages that name the file.
#[derive(Debug, Clone)]
pub struct Location {
    pub path: PathBuf,
    pub busy_timeout: Duration,
}

/// Whether opening may create a new database file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    CreateNew,
    Existing,
}

#[derive(Clone)]
pub struct Store {
    pool: SqlitePool,
    location: Arc<Location>,
}

impl Store {
    /// Opens (or creates) the database file and brings its schema up to date.
    pub async fn open(path: &Path, mode: OpenMode, busy_timeout: Duration) -> Result<Store> {
        let location = Arc::new(Location { path: path.to_path_buf(), busy_timeout });
        match (mode, path.exists()) {
            (OpenMode::Existing, false) => return Err(StoreError::Missing(path.to_path_buf())),
            (OpenMode::CreateNew, true) => return Err(StoreError::AlreadyExists(path.to_path_buf())),
            _ => {}
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(mode == OpenMode::CreateNew)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(busy_timeout);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|e| StoreError::classify(e, &location))?;
        let store = Store { pool, location };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<()> {
        MIGRATIONS.run(&self.pool).await.map_err(|error| match error {
            sqlx::migrate::MigrateError::Execute(e) => StoreError::classify(e, &self.location),
            other => StoreError::Migrate(other.to_string()),
        })
    }

    pub fn location(&self) -> &Location {
        &self.location
    }

    /// A connection for reading.
    pub async fn read(&self) -> Result<Reader> {
        let conn = self.pool.acquire().await.map_err(|e| StoreError::classify(e, &self.location))?;
        Ok(Reader { conn, location: self.location.clone() })
    }

    /// A write transaction. `BEGIN IMMEDIATE` takes the write lock up front,
    /// so a read-then-write (a cap check, the chain's tail) cannot race.
    pub async fn write(&self) -> Result<WriteTx> {
        let tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(|e| StoreError::classify(e, &self.location))?;
        Ok(WriteTx {
            tx,
            location: self.location.clone(),
            chain_tails: HashMap::new(),
            next_entry_id: None,
            origin: String::from("cli"),
        })
    }

    /// Writes everything in the WAL into the database file, then closes. Not
    /// left to SQLite's last-connection checkpoint: a process may exit before
    /// that has run, and the file alone must hold every confirmed write.
    pub async fn close(self) {
        if let Ok(mut conn) = self.pool.acquire().await {
            // A read-only database has nothing to checkpoint; that is fine.
            let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut *conn).await;
        }
        self.pool.close().await;
    }
}

pub struct Reader {
    conn: sqlx::pool::PoolConnection<sqlx::Sqlite>,
    location: Arc<Location>,
}

/// One transaction; dropped without `commit` it rolls back, writing nothing.
pub struct WriteTx {
    tx: Transaction<'static, sqlx::Sqlite>,
    location: Arc<Location>,
    /// The last hash per community, once read inside this transaction.
    chain_tails: HashMap<CommunityId, EntryHash>,
    next_entry_id: Option<i64>,
    /// Where the writes come from, for the audit log.
    origin: String,
}

impl WriteTx {
    /// Names where this transaction's writes come from (a client address).
    pub fn set_origin(&mut self, origin: &str) {
        self.origin = origin.to_string();
    }

    pub async fn commit(self) -> Result<()> {
        let location = self.location.clone();
        self.tx.commit().await.map_err(|e| StoreError::classify(e, &location))
    }
}

/// The queries both a reader and a write transaction can run.
pub trait Queries {
    fn parts(&mut self) -> (&mut SqliteConnection, &Location);
}

impl Queries for Reader {
    fn parts(&mut self) -> (&mut SqliteConnection, &Location) {
        (&mut self.conn, &self.location)
    }
}

impl Queries for WriteTx {
    fn parts(&mut self) -> (&mut SqliteConnection, &Location) {
        (&mut self.tx, &self.location)
    }
}

/// Now, in whole seconds and as RFC 3339 text, for `created_at` columns.
pub(crate) fn now_text() -> String {
    jiff::Timestamp::now().round(jiff::Unit::Second).unwrap_or_else(|_| jiff::Timestamp::now()).to_string()
}
