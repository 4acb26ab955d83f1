//! The database file itself: missing, read-only, locked by another program.
//! Each gives one clear line and leaves the data as it was.

use super::helpers::{
    Community, LIANG_XIAOGAI, Run, SECRETARY, execute, run_at, running_as_root, runtime, snapshot, starledger,
};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, SqliteConnection};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use tempfile::TempDir;

#[test]
fn a_missing_database_points_to_init_and_is_not_created() {
    let dir = TempDir::new().expect("a temporary folder");
    let db = dir.path().join("nowhere.db");
    let db_text = db.to_str().expect("a UTF-8 path");
    run_at(&db, &["member", "list"]).failed(2, &["no database at", db_text, "starledger init"]);
    assert!(!db.exists(), "reading a missing database does not create it");
    run_at(&db, &["record", "--member", "1", "--rule", "meeting.group", "--on", "2025-03-05", "--by", SECRETARY])
        .failed(2, &["no database at", "starledger init"]);
    assert!(!db.exists(), "writing to a missing database does not create it");
    assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 0, "nothing at all is created");
}

#[test]
fn init_refuses_an_existing_database() {
    let community = Community::sqlite();
    let before = community.snapshot();
    community
        .run(&["init", "--community", "另一个社区", "--login", "other", "--name", "某某"])
        .failed(2, &["already exists"]);
    assert_eq!(community.snapshot(), before);
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// Runs the binary unable to write `db` or its folder. Root ignores file
/// permissions, so as root the binary runs as `nobody` through setpriv.
fn run_read_only(dir: &Path, db: &Path, args: &[&str]) -> Run {
    if running_as_root() {
        set_mode(dir, 0o755);
        set_mode(db, 0o444);
        let output = std::process::Command::new("setpriv")
            .env("STARLEDGER_NOW", super::helpers::stated_now())
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(assert_cmd::cargo::cargo_bin("starledger"))
            .arg("--db")
            .arg(db)
            .args(args)
            .env_remove("STARLEDGER_DB")
            .env_remove("STARLEDGER_BUSY_TIMEOUT_MS")
            .output()
            .expect("setpriv runs (util-linux)");
        output.into()
    } else {
        set_mode(db, 0o444);
        set_mode(dir, 0o555);
        let run = run_at(db, args);
        set_mode(dir, 0o755);
        set_mode(db, 0o644);
        run
    }
}

#[test]
fn a_read_only_database_says_so() {
    let community = Community::sqlite();
    let before = community.snapshot();
    // A fresh folder holding only a copy of the database file. The binary
    // may leave committed data in the `-wal` file, so fold it in first.
    execute(&community.db, &["PRAGMA wal_checkpoint(TRUNCATE)"]).expect("checkpoint");
    let dir = TempDir::new().expect("a temporary folder");
    let db = dir.path().join("readonly.db");
    std::fs::copy(&community.db, &db).expect("copy the database");
    let db_text = db.to_str().expect("a UTF-8 path");

    let member = LIANG_XIAOGAI.to_string();
    let record = ["record", "--member", &member, "--rule", "meeting.group", "--on", "2025-03-05", "--by", SECRETARY];
    let run = run_read_only(dir.path(), &db, &record);
    run.failed(1, &["database", db_text, "read-only", "write access"]);

    assert_eq!(snapshot(&db), before, "the read-only copy holds exactly what it held");
}

#[test]
fn a_locked_database_gives_up_and_says_locked() {
    let community = Community::sqlite();
    let before = community.snapshot();
    let runtime = runtime();
    let mut holder = runtime.block_on(async {
        let options = SqliteConnectOptions::new().filename(&community.db);
        let mut conn = SqliteConnection::connect_with(&options).await.expect("open the database");
        sqlx::query("BEGIN EXCLUSIVE").execute(&mut conn).await.expect("take the write lock");
        conn
    });

    let run: Run = starledger()
        .arg("--db")
        .arg(&community.db)
        .args(["record", "--member", "1", "--rule", "meeting.group", "--on", "2025-03-05", "--by", SECRETARY])
        .env("STARLEDGER_BUSY_TIMEOUT_MS", "200")
        .output()
        .expect("starledger runs")
        .into();

    runtime.block_on(async {
        sqlx::query("ROLLBACK").execute(&mut holder).await.expect("release the lock");
        holder.close().await.expect("close");
    });
    let db_text = community.db.to_str().expect("a UTF-8 path");
    run.failed(1, &["database", db_text, "locked", "200 ms", "try again"]);
    assert_eq!(community.snapshot(), before, "a write that found the database locked wrote nothing");

    // Once the lock is gone the same command goes through.
    community.record(LIANG_XIAOGAI, "meeting.group", "2025-03-05", SECRETARY, "").succeeded();
}
