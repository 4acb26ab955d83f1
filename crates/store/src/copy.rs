//! Moving a whole installation between stores (`starledger store copy`):
//! every row of every table, parents before children, into a new database
//! of either backend, in one transaction on the target. Values are read by
//! the target's column types, so a SQLite file and a PostgreSQL database
//! exchange the same rows, ids included; the ledger's hashes cover the
//! ids, so a copied chain verifies as the original did.

use crate::error::Classify;
use crate::rows::Flag;
use crate::{Backend, Result, Store, StoreError};
use futures_util::TryStreamExt;
use sqlx::any::{AnyRow, AnyTypeInfoKind};
use sqlx::{AnyConnection, Row, ValueRef};

/// Every table, parents before any table that refers to them (the order the
/// migrations created them, except that the regions come before the
/// communities placed in them). A test checks that it lists exactly the
/// tables of both schemas, so a new table cannot be forgotten here.
pub const TABLES: &[&str] = &[
    "meta",
    "regions",
    "communities",
    "branches",
    "party_groups",
    "members",
    "accounts",
    "households",
    "household_links",
    "periods",
    "ledger_entries",
    "member_rule_totals",
    "honours",
    "opening_balances",
    "audit_log",
    "sessions",
    "api_tokens",
    "api_idempotency",
    "household_tokens",
    "household_ratings",
    "household_link_state",
    "household_bindings",
    "rating_origins",
    "sign_in_origins",
    "paper_forms",
    "uploads",
    "claims",
    "meetings",
    "meeting_attendance",
    "leave_requests",
    "activities",
    "activity_signups",
    "relatives",
    "integrity_records",
    "integrity_votes",
    "ballots",
    "ballot_graded",
    "ballot_voters",
    "ballot_marks",
    "ballot_grades",
    "ballot_exceptions",
    "adjustments",
    "rating_rounds",
    "objections",
    "final_stars",
    "final_roll",
    "pseudonymized_members",
    "seals",
    "rating_motions",
    "robots",
    "outbox",
    "community_year_stats",
    "branch_year_stats",
];

/// Tables that are a cache, not data: their rows are written by triggers as
/// the data is copied, so copying them too would clash. A test checks that
/// every table is either copied or listed here.
pub const NOT_COPIED: &[&str] = &["community_revisions"];

/// What a column holds, the same on both backends except for days, flags
/// and times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ColumnKind {
    Integer,
    Text,
    Blob,
    Real,
    /// A day: `DATE` on PostgreSQL. SQLite has no date type; its dates are
    /// ISO text and read as `Text`.
    Date,
    /// A flag: `BOOLEAN` on PostgreSQL. SQLite's flags are the integers 1
    /// and 0 and read as `Integer`.
    Flag,
    /// A time: `TIMESTAMPTZ` on PostgreSQL, Unix seconds on SQLite (read
    /// there as `Integer`).
    Time,
    /// A time: `TIMESTAMPTZ` on PostgreSQL, RFC 3339 text on SQLite (read
    /// there as `Text`); the columns listed in `times::TEXT_TIMES`.
    Stamp,
}

impl ColumnKind {
    /// The function PostgreSQL converts a bound value of this kind with
    /// (`times.rs`); none for a value bound as the column keeps it.
    pub(crate) fn conversion(self) -> Option<&'static str> {
        match self {
            ColumnKind::Date => Some("date"),
            ColumnKind::Time => Some("to_timestamp"),
            ColumnKind::Stamp => Some("timestamptz"),
            ColumnKind::Integer | ColumnKind::Text | ColumnKind::Blob | ColumnKind::Real | ColumnKind::Flag => None,
        }
    }

    /// Column `name` of this kind as a `SELECT` reads it into what `Any`
    /// decodes: text and days as text (a PostgreSQL date is no type `Any`
    /// decodes), times as seconds or RFC 3339 text (`times.rs`).
    fn read(self, name: &str) -> String {
        match self {
            ColumnKind::Text | ColumnKind::Date => format!("CAST({name} AS TEXT)"),
            ColumnKind::Time => format!("unix_seconds({name})"),
            ColumnKind::Stamp => format!("rfc3339({name})"),
            ColumnKind::Integer | ColumnKind::Blob | ColumnKind::Real | ColumnKind::Flag => name.to_string(),
        }
    }

    fn of(declared: &str) -> Option<ColumnKind> {
        let declared = declared.to_ascii_lowercase();
        if declared == "date" {
            Some(ColumnKind::Date)
        } else if declared == "timestamp with time zone" {
            Some(ColumnKind::Time)
        } else if declared == "boolean" {
            Some(ColumnKind::Flag)
        } else if declared.contains("int") {
            Some(ColumnKind::Integer)
        } else if declared.contains("text") || declared.contains("char") {
            Some(ColumnKind::Text)
        } else if declared.contains("blob") || declared.contains("bytea") {
            Some(ColumnKind::Blob)
        } else if declared.contains("real") || declared.contains("double") || declared.contains("float") {
            Some(ColumnKind::Real)
        } else {
            None
        }
    }
}

/// The columns of `table` in their order, with what each holds.
pub(crate) async fn columns(
    conn: &mut AnyConnection,
    backend: Backend,
    location: &crate::Location,
    table: &str,
) -> Result<Vec<(String, ColumnKind)>> {
    let rows: Vec<(String, String)> = match backend {
        Backend::Sqlite => sqlx::query_as("SELECT name, type FROM pragma_table_info($1) ORDER BY cid"),
        Backend::Postgres => sqlx::query_as(
            "SELECT CAST(column_name AS TEXT), CAST(data_type AS TEXT) FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
        ),
    }
    .bind(table)
    .fetch_all(&mut *conn)
    .await
    .at(location)?;
    rows.into_iter()
        .map(|(name, declared)| {
            let kind = match ColumnKind::of(&declared) {
                Some(ColumnKind::Time) if crate::times::TEXT_TIMES.contains(&(table, name.as_str())) => {
                    ColumnKind::Stamp
                }
                Some(kind) => kind,
                None => {
                    return Err(StoreError::Corrupt(format!("{table}.{name}: unknown column type {declared}")));
                }
            };
            Ok((name, kind))
        })
        .collect()
}

/// Tables of the schema, for comparing the two backends' migrations.
pub async fn schema(store: &Store) -> Result<Vec<(String, Vec<(String, ColumnKind)>)>> {
    let mut reader = store.read().await?;
    let names: Vec<String> = match store.backend() {
        Backend::Sqlite => sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_sqlx%' ESCAPE '\\' \
             AND name NOT LIKE 'sqlite%' ORDER BY name",
        ),
        Backend::Postgres => sqlx::query_scalar(
            "SELECT CAST(table_name AS TEXT) FROM information_schema.tables WHERE table_schema = current_schema() \
             AND table_type = 'BASE TABLE' AND table_name NOT LIKE '\\_sqlx%' ORDER BY table_name",
        ),
    }
    .fetch_all(&mut *reader.conn)
    .await
    .at(&reader.location)?;
    let mut tables = Vec::new();
    for name in names {
        let mut cols = columns(&mut reader.conn, store.backend(), &reader.location, &name).await?;
        cols.sort();
        tables.push((name, cols));
    }
    Ok(tables)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyReport {
    /// Rows copied per table, in copy order.
    pub tables: Vec<(&'static str, u64)>,
}

/// Rows per INSERT statement: few enough for either backend's limit on
/// bound values, many enough to save round trips.
const BATCH: usize = 200;

impl Store {
    /// Copies every row into `target`, a new, empty database (open it with
    /// `OpenMode::CreateNew`). All or nothing: one transaction on the target.
    pub async fn copy_into(&self, target: &Store) -> Result<CopyReport> {
        // One snapshot of the source: a live database's rows all as of one moment.
        let mut source = self.snapshot().await?;
        let mut tx = target.write().await?;
        tx.set_origin("store copy");
        let mut report = Vec::new();
        for &table in TABLES {
            let target_columns = columns(&mut tx.tx, target.backend(), &target.location, table).await?;
            // Each column is read as the PostgreSQL side has it, if either
            // is PostgreSQL: SQLite's columns say only seconds or text where
            // PostgreSQL's say a time.
            let source_columns = match self.backend() {
                Backend::Postgres => Some(columns(&mut source.tx, self.backend(), &self.location, table).await?),
                Backend::Sqlite => None,
            };
            let read_as = source_columns.as_deref().unwrap_or(&target_columns);
            let read: Vec<String> = target_columns
                .iter()
                .map(|(name, kind)| {
                    let kind = read_as.iter().find(|(n, _)| n == name).map_or(*kind, |(_, k)| *k);
                    kind.read(name)
                })
                .collect();
            let select = format!("SELECT {} FROM {table} ORDER BY 1", read.join(", "));
            let select = source.location.sql(&select).into_owned();
            let mut rows = sqlx::query(&select).fetch(&mut *source.tx);
            let mut batch: Vec<AnyRow> = Vec::with_capacity(BATCH);
            let mut copied = 0u64;
            while let Some(row) = rows.try_next().await.at(&source.location)? {
                batch.push(row);
                if batch.len() == BATCH {
                    copied += insert(&mut tx, table, &target_columns, &batch).await?;
                    batch.clear();
                }
            }
            copied += insert(&mut tx, table, &target_columns, &batch).await?;
            drop(rows);
            report.push((table, copied));
        }
        if target.backend() == Backend::Postgres {
            // Identity columns continue after the copied ids.
            for &table in TABLES {
                let sql = format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false) \
                     WHERE pg_get_serial_sequence('{table}', 'id') IS NOT NULL"
                );
                if columns(&mut tx.tx, target.backend(), &target.location, table).await?.iter().any(|(n, _)| n == "id")
                {
                    sqlx::query(&sql).execute(&mut *tx.tx).await.at(&target.location)?;
                }
            }
        }
        let detail: Vec<String> = report.iter().map(|(t, n)| format!("{t} {n}")).collect();
        tx.audit(None, "cli", "store.copy", &format!("from {}: {}", self.location.path.display(), detail.join(", ")))
            .await?;
        tx.commit().await?;
        Ok(CopyReport { tables: report })
    }
}

async fn insert(
    tx: &mut crate::WriteTx,
    table: &str,
    columns: &[(String, ColumnKind)],
    rows: &[AnyRow],
) -> Result<u64> {
    if rows.is_empty() {
        return Ok(0);
    }
    let names: Vec<&str> = columns.iter().map(|(n, _)| n.as_str()).collect();
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", names.join(", "));
    let mut n = 0;
    for (r, _) in rows.iter().enumerate() {
        if r > 0 {
            sql.push_str(", ");
        }
        let marks: Vec<String> = columns
            .iter()
            .map(|(_, kind)| {
                n += 1;
                match kind.conversion() {
                    Some(conversion) => format!("{conversion}(${n})"),
                    None => format!("${n}"),
                }
            })
            .collect();
        sql.push('(');
        sql.push_str(&marks.join(", "));
        sql.push(')');
    }
    let mut query = sqlx::query(&sql);
    for row in rows {
        for (index, (name, kind)) in columns.iter().enumerate() {
            let bad = |e: sqlx::Error| StoreError::Corrupt(format!("{table}.{name}: {e}"));
            query = match kind {
                // A flag from either backend, into either: read by `Flag`,
                // bound as a bool (which SQLite stores as 1 or 0).
                ColumnKind::Flag => query.bind(row.try_get::<Flag, _>(index).map_err(bad)?.0),
                ColumnKind::Integer if is_flag(row, index) => {
                    query.bind(i64::from(row.try_get::<Flag, _>(index).map_err(bad)?.0))
                }
                ColumnKind::Integer | ColumnKind::Time => {
                    query.bind(row.try_get::<Option<i64>, _>(index).map_err(bad)?)
                }
                ColumnKind::Text | ColumnKind::Date | ColumnKind::Stamp => {
                    query.bind(row.try_get::<Option<String>, _>(index).map_err(bad)?)
                }
                ColumnKind::Blob => query.bind(row.try_get::<Option<Vec<u8>>, _>(index).map_err(bad)?),
                ColumnKind::Real => query.bind(row.try_get::<Option<f64>, _>(index).map_err(bad)?),
            };
        }
    }
    let result = query.execute(&mut *tx.tx).await.at(&tx.location)?;
    Ok(result.rows_affected())
}

/// Whether a value read from the source is a boolean (a PostgreSQL flag
/// copied into SQLite's integer column).
fn is_flag(row: &AnyRow, index: usize) -> bool {
    row.try_get_raw(index).is_ok_and(|value| value.type_info().kind() == AnyTypeInfoKind::Bool)
}
