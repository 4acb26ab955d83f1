//! Opening a database: a file that is not ours is refused and left as it
//! was, a read-only copy can still be read and checked, and a database
//! server that never answers is given up on within a bounded time.

use super::helpers::{Community, execute, run_at, running_as_root, snapshot, starledger};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// The tables in a SQLite file, read without changing it.
fn tables(db: &Path) -> Vec<String> {
    let output = std::process::Command::new("python3")
        .args([
            "-c",
            "import sqlite3,sys; c=sqlite3.connect('file:'+sys.argv[1]+'?mode=ro', uri=True); \
             print('\\n'.join(r[0] for r in c.execute(\"select name from sqlite_master where type='table'\")))",
        ])
        .arg(db)
        .output()
        .expect("python3 reads the file");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).lines().map(str::to_string).filter(|l| !l.is_empty()).collect()
}

#[test]
fn an_empty_file_is_not_taken_over() {
    let dir = TempDir::new().expect("a temporary folder");
    let db = dir.path().join("z.db");
    std::fs::write(&db, b"").expect("touch z.db");
    let db_text = db.to_str().expect("a UTF-8 path");
    run_at(&db, &["ledger", "verify"]).failed(2, &[db_text, "not a starledger database", "empty"]);
    assert_eq!(std::fs::metadata(&db).expect("still there").len(), 0, "nothing was written to the file");
    assert!(tables(&db).is_empty());
    run_at(&db, &["member", "list"]).failed(2, &[db_text, "not a starledger database"]);
    assert_eq!(std::fs::metadata(&db).expect("still there").len(), 0);
}

#[test]
fn another_programs_database_is_left_untouched() {
    let dir = TempDir::new().expect("a temporary folder");
    let db = dir.path().join("theirs.db");
    let made = std::process::Command::new("python3")
        .args([
            "-c",
            "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); \
             c.execute('CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount INTEGER)'); \
             c.execute('INSERT INTO invoices VALUES (1, 42)'); c.commit()",
        ])
        .arg(&db)
        .status()
        .expect("python3 writes another program's database");
    assert!(made.success());
    let before = std::fs::read(&db).expect("read");
    let db_text = db.to_str().expect("a UTF-8 path");
    run_at(&db, &["ledger", "verify"]).failed(2, &[db_text, "not a starledger database", "invoices"]);
    assert_eq!(tables(&db), vec!["invoices".to_string()], "no table of ours was added");
    assert_eq!(std::fs::read(&db).expect("read"), before, "the file is byte for byte as it was");

    // Control: a starledger database opens as before.
    let community = Community::sqlite();
    community.ok(&["ledger", "verify"]);
}

#[test]
fn a_read_only_copy_can_be_checked() {
    if !running_as_root() {
        eprintln!("skipped: needs root to run as another user");
        return;
    }
    let community = Community::sqlite();
    execute(&community.db, &["PRAGMA wal_checkpoint(TRUNCATE)"]).expect("checkpoint");
    let dir = TempDir::new().expect("a temporary folder");
    let db = dir.path().join("copy.db");
    let before = snapshot(&community.db);
    std::fs::copy(&community.db, &db).expect("copy");
    // As on a read-only mount: the file alone, no -wal or -shm beside it.
    assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 1);
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o444)).expect("chmod");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    for args in [&["ledger", "verify"][..], &["rating", "--year", "2025"][..]] {
        let output = std::process::Command::new("setpriv")
            .env("STARLEDGER_NOW", super::helpers::stated_now())
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(assert_cmd::cargo::cargo_bin("starledger"))
            .arg("--db")
            .arg(&db)
            .args(args)
            .env_remove("STARLEDGER_DB")
            .output()
            .expect("setpriv runs");
        assert!(output.status.success(), "{args:?} on a read-only copy: {}", String::from_utf8_lossy(&output.stderr));
    }
    assert_eq!(snapshot(&db), before, "reading a read-only copy changes nothing");
}

#[test]
fn a_server_that_never_answers_is_given_up_on() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a local port");
    let port = listener.local_addr().expect("its address").port();
    // Accept connections and hold them open without a word.
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    let started = Instant::now();
    let output = starledger()
        .arg("--database-url")
        .arg(format!("postgres://starledger@127.0.0.1:{port}/silent"))
        .args(["--connect-timeout-secs", "2", "ledger", "verify"])
        .env_remove("STARLEDGER_DB")
        .output()
        .expect("starledger runs");
    let took = started.elapsed();
    assert!(took < Duration::from_secs(10), "gave up after {took:?}");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("did not answer within 2 s"), "{stderr}");
    assert!(stderr.contains(&format!("127.0.0.1:{port}")), "names the server: {stderr}");
}
