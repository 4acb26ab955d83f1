//! A year's seal kept outside the database catches what `ledger verify`
//! cannot: a chain rewritten from some entry on and re-hashed to the end,
//! which is internally consistent again.

use super::browser::demo_database;
use super::helpers::{runtime, starledger};
use sqlx::{Connection, SqliteConnection};
use starledger_domain::ledger::{EntryHash, seal};
use starledger_domain::org::CommunityId;
use starledger_store::{LedgerQueries, OpenMode, Store};
use std::path::Path;
use std::time::Duration;

fn run(db: &Path, args: &[&str]) -> std::process::Output {
    starledger().arg("--db").arg(db).args(args).output().expect("the binary runs")
}

#[test]
fn a_chain_rewritten_from_the_middle_passes_verify_and_fails_against_the_seal() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    demo_database(&db);

    // The finalized seal of 2025, kept outside the database.
    let exported = run(&db, &["ledger", "seal", "--year", "2025", "--stage", "finalized"]);
    assert!(exported.status.success(), "{}", String::from_utf8_lossy(&exported.stderr));
    let kept = dir.path().join("seal-2025.json");
    std::fs::write(&kept, &exported.stdout).unwrap();
    let against = ["ledger", "verify", "--against", kept.to_str().unwrap()];
    let holds = run(&db, &against);
    let said = String::from_utf8_lossy(&holds.stdout);
    assert!(
        holds.status.success() && said.contains("finalized seal of 十里社区 2025") && said.contains("holds"),
        "{said}"
    );

    // The compact form the notice's QR code holds is a seal document too.
    let compact = run(&db, &["ledger", "seal", "--year", "2025", "--stage", "finalized", "--compact"]);
    assert!(compact.stdout.len() < 700 && compact.stdout.len() * 5 < exported.stdout.len(), "small enough for a QR");
    let scanned = dir.path().join("scanned.json");
    std::fs::write(&scanned, &compact.stdout).unwrap();
    let short: serde_json::Value = serde_json::from_slice(&compact.stdout).unwrap();
    assert!(said.contains(short["short"].as_str().unwrap()), "the scan carries the short form verify prints: {said}");
    let against_scan = ["ledger", "verify", "--against", scanned.to_str().unwrap()];
    assert!(run(&db, &against_scan).status.success());

    // Someone with the file changes one entry's reason 300 entries before
    // the end of 2025 and re-hashes every entry after it.
    let rewritten = runtime().block_on(rewrite_from_the_end_of(&db, 2025, 300));
    let caught_by_scan = run(&db, &against_scan);
    assert_eq!(caught_by_scan.status.code(), Some(1), "the scanned seal catches the rewrite too");

    let verify = run(&db, &["ledger", "verify"]);
    assert!(verify.status.success(), "the rewritten chain is consistent: {}", String::from_utf8_lossy(&verify.stderr));
    let caught = run(&db, &against);
    let error = String::from_utf8_lossy(&caught.stderr);
    assert_eq!(caught.status.code(), Some(1), "{error}");
    assert!(error.contains("FAILED against the finalized seal of 十里社区 2025"), "{error}");
    // The seal names the stretch of at most 256 entries the rewrite began in.
    let (after, by) = stretch(&error);
    assert!(after < rewritten && rewritten <= by && by - after <= 256, "{rewritten} in ({after}, {by}]: {error}");

    // A seal file that is not one is refused by name.
    std::fs::write(&kept, "{\"format\":1}").unwrap();
    let refused = run(&db, &against);
    assert_eq!(refused.status.code(), Some(2), "{}", String::from_utf8_lossy(&refused.stderr));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("not a starledger seal"));
}

#[test]
fn a_year_not_yet_published_has_no_seal() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    demo_database(&db);
    let output = run(&db, &["ledger", "seal", "--year", "2026"]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("has no seal"), "{output:?}");
}

/// "after entry A up to entry B" in the error.
fn stretch(error: &str) -> (i64, i64) {
    let rest = error.split("after entry ").nth(1).expect("after entry");
    let after: i64 = rest.split(' ').next().unwrap().parse().unwrap();
    let by: i64 = rest.split("up to entry ").nth(1).unwrap().split(':').next().unwrap().parse().unwrap();
    (after, by)
}

/// Changes the reason of the entry `back` entries before the year's last
/// and re-hashes the chain from it to the community's end, behind the
/// database's back (its append-only trigger dropped). Returns its id.
async fn rewrite_from_the_end_of(db: &Path, year: i64, back: usize) -> i64 {
    let mut raw = SqliteConnection::connect(&format!("sqlite://{}", db.display())).await.unwrap();
    let community: CommunityId = sqlx::query_scalar("SELECT id FROM communities").fetch_one(&mut raw).await.unwrap();
    let year_ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM ledger_entries WHERE year = $1 ORDER BY id")
        .bind(year)
        .fetch_all(&mut raw)
        .await
        .unwrap();
    let from = year_ids[year_ids.len() - 1 - back];
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM ledger_entries WHERE id >= $1 ORDER BY id")
        .bind(from)
        .fetch_all(&mut raw)
        .await
        .unwrap();
    let store = Store::open(db, OpenMode::Existing, Duration::from_secs(5)).await.unwrap();
    let mut reader = store.read().await.unwrap();
    let mut prev = reader.entry(community, from).await.unwrap().prev_hash;
    let mut rehashed: Vec<(i64, String, EntryHash, EntryHash)> = Vec::new();
    for id in ids {
        let mut draft = reader.entry(community, id).await.unwrap().draft;
        if id == from {
            draft.reason.push('（');
            draft.reason.push_str("已核实");
            draft.reason.push('）');
        }
        let entry = seal(id, draft, prev);
        rehashed.push((id, entry.draft.reason.clone(), entry.prev_hash, entry.hash));
        prev = entry.hash;
    }
    drop(reader);
    store.close().await;
    sqlx::query("DROP TRIGGER ledger_entries_no_update").execute(&mut raw).await.unwrap();
    for (id, reason, prev_hash, hash) in rehashed {
        sqlx::query("UPDATE ledger_entries SET reason = $1, prev_hash = $2, hash = $3 WHERE id = $4")
            .bind(reason)
            .bind(prev_hash.to_hex())
            .bind(hash.to_hex())
            .bind(id)
            .execute(&mut raw)
            .await
            .unwrap();
    }
    raw.close().await.unwrap();
    from
}

#[test]
fn a_receipt_checks_against_its_seal_without_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    demo_database(&db);
    let save = |name: &str, output: std::process::Output| {
        assert!(output.status.success(), "{name}: {}", String::from_utf8_lossy(&output.stderr));
        let path = dir.path().join(name);
        std::fs::write(&path, output.stdout).unwrap();
        path
    };
    let seal_2025 = save("seal-2025.json", run(&db, &["ledger", "seal", "--year", "2025"]));
    let seal_2024 = save("seal-2024.json", run(&db, &["ledger", "seal", "--year", "2024"]));
    let entry = runtime().block_on(async {
        let mut raw = SqliteConnection::connect(&format!("sqlite://{}", db.display())).await.unwrap();
        let id: i64 = sqlx::query_scalar("SELECT MAX(id) - 1000 FROM ledger_entries WHERE year = 2025")
            .fetch_one(&mut raw)
            .await
            .unwrap();
        raw.close().await.unwrap();
        id
    });
    let receipt = save("receipt.json", run(&db, &["receipt", "make", "--entry", &entry.to_string()]));

    // Checked with the receipt and the kept seal alone: no database.
    let check = |receipt: &Path, seal: &Path| {
        starledger().args(["receipt", "check"]).arg(receipt).arg("--seal").arg(seal).output().unwrap()
    };
    let holds = check(&receipt, &seal_2025);
    let said = String::from_utf8_lossy(&holds.stdout);
    assert!(holds.status.success() && said.contains(&format!("entry {entry}")) && said.contains("2025"), "{said}");
    let wrong_year = check(&receipt, &seal_2024);
    assert_eq!(wrong_year.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&wrong_year.stderr).contains("not that of the finalized seal"));

    // A receipt whose entry was swapped for another hash leads elsewhere.
    let text = std::fs::read_to_string(&receipt).unwrap();
    let receipt_json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let hash = receipt_json["entry"]["hash"].as_str().unwrap();
    let forged = dir.path().join("forged.json");
    std::fs::write(&forged, text.replace(hash, &"0".repeat(64))).unwrap();
    let refused = check(&forged, &seal_2025);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("do not lead to the receipt's root"));
}
