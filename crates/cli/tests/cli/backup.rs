//! `backup` and `restore`: a snapshot of a live database that holds every
//! acknowledged write and verifies; a restore that refuses a changed backup
//! and never replaces a database unasked.

use super::helpers::{Community, LIANG_XIAOGAI, PENG_YALI, SECRETARY, execute, snapshot, starledger};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

fn entries_in_manifest(file: &std::path::Path) -> u64 {
    let manifest = std::fs::read_to_string(format!("{}.manifest.json", file.display())).expect("the manifest");
    let json: serde_json::Value = serde_json::from_str(&manifest).expect("JSON");
    json["communities"].as_array().expect("communities").iter().map(|c| c["entries"].as_u64().expect("entries")).sum()
}

#[test]
fn a_backup_of_a_live_database_holds_every_acknowledged_write() {
    let community = Arc::new(Community::new());
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (community, acknowledged, stop) = (community.clone(), acknowledged.clone(), stop.clone());
        std::thread::spawn(move || {
            let start = jiff::civil::date(2025, 1, 1);
            for day in 0..200 {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let on = start.checked_add(jiff::Span::new().days(day)).expect("a day").to_string();
                for member in [LIANG_XIAOGAI, PENG_YALI] {
                    if community.record(member, "meeting.group", &on, SECRETARY, "").code == 0 {
                        acknowledged.fetch_add(1, Ordering::SeqCst);
                    }
                }
            }
        })
    };
    while acknowledged.load(Ordering::SeqCst) < 6 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let file = community.path("backup.db");
    let before = acknowledged.load(Ordering::SeqCst) as u64;
    let run: super::helpers::Run = community.run(&["backup", "--to", file.to_str().expect("UTF-8")]);
    let after = acknowledged.load(Ordering::SeqCst) as u64;
    stop.store(true, Ordering::SeqCst);
    writer.join().expect("the writer");
    let run = run.succeeded();
    assert!(run.stdout.contains("verified"), "{run:#?}");
    let held = entries_in_manifest(&file);
    assert!(held >= before, "the backup holds {held} entries, {before} were acknowledged before it began");
    assert!(held <= after + 1, "the backup holds {held} entries, only {after} were written by its end");
    assert!(held > 0);
    let verified = starledger().arg("--db").arg(&file).args(["ledger", "verify"]).output().expect("runs");
    assert!(verified.status.success(), "{}", String::from_utf8_lossy(&verified.stderr));
    assert!(String::from_utf8_lossy(&verified.stdout).contains(&format!("{held} entries")));

    // It restores into a new file that serves the same ledger.
    let restored = community.path("restored.db");
    let out = starledger()
        .args(["restore", "--from", file.to_str().expect("UTF-8"), "--to", restored.to_str().expect("UTF-8")])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(snapshot(&restored).rows("ledger_entries") as u64, held);
}

#[test]
fn restore_refuses_a_tampered_backup_and_an_existing_database() {
    let community = Community::sqlite();
    community.record(LIANG_XIAOGAI, "meeting.group", "2025-03-05", SECRETARY, "").succeeded();
    community.record(PENG_YALI, "meeting.group", "2025-03-05", SECRETARY, "").succeeded();
    let file = community.path("backup.db");
    let file_text = file.to_str().expect("UTF-8").to_string();
    community.ok(&["backup", "--to", &file_text]);
    // A second backup to the same file is refused, the first left as it was.
    let first = std::fs::read(&file).expect("read");
    community.run(&["backup", "--to", &file_text]).failed(2, &[&file_text, "already exists"]);
    assert_eq!(std::fs::read(&file).expect("read"), first);

    // Without --force an existing database is never replaced.
    let target = community.path("target.db");
    std::fs::copy(&community.db, &target).expect("an existing database");
    let target_text = target.to_str().expect("UTF-8").to_string();
    let before = std::fs::read(&target).expect("read");
    let run: super::helpers::Run =
        starledger().args(["restore", "--from", &file_text, "--to", &target_text]).output().expect("runs").into();
    run.failed(1, &[&target_text, "--force"]);
    assert_eq!(std::fs::read(&target).expect("read"), before);

    // A backup changed afterwards (an entry's points, its guard dropped) is refused.
    let tampered = community.path("tampered.db");
    std::fs::copy(&file, &tampered).expect("copy");
    std::fs::copy(format!("{file_text}.manifest.json"), format!("{}.manifest.json", tampered.display())).expect("copy");
    execute(
        &tampered,
        &[
            "DROP TRIGGER ledger_entries_no_update",
            "UPDATE ledger_entries SET points_tenths = points_tenths + 50 WHERE id = 1",
        ],
    )
    .expect("tamper");
    let tampered_text = tampered.to_str().expect("UTF-8").to_string();
    let run: super::helpers::Run = starledger()
        .args(["restore", "--from", &tampered_text, "--to", &target_text, "--force"])
        .output()
        .expect("runs")
        .into();
    run.failed(1, &[&tampered_text, "does not verify"]);
    assert_eq!(std::fs::read(&target).expect("read"), before, "the target is untouched");
    assert!(!community.path("target.db.partial").exists(), "nothing half-written is left");

    // Control: the genuine backup restores over it with --force.
    let run: super::helpers::Run = starledger()
        .args(["restore", "--from", &file_text, "--to", &target_text, "--force"])
        .output()
        .expect("runs")
        .into();
    let run = run.succeeded();
    assert!(run.stdout.contains("restored"), "{run:#?}");
    assert_eq!(snapshot(&target).rows("ledger_entries"), 2);
}

#[test]
fn restore_refuses_a_backup_whose_manifest_differs_or_is_missing() {
    let community = Community::sqlite();
    community.record(LIANG_XIAOGAI, "meeting.group", "2025-03-05", SECRETARY, "").succeeded();
    let file = community.path("backup.db");
    let file_text = file.to_str().expect("UTF-8").to_string();
    community.ok(&["backup", "--to", &file_text]);
    let manifest = format!("{file_text}.manifest.json");
    let genuine = std::fs::read_to_string(&manifest).expect("the manifest");
    let target = community.path("fresh.db");
    let target_text = target.to_str().expect("UTF-8").to_string();
    let restore = || -> super::helpers::Run {
        starledger().args(["restore", "--from", &file_text, "--to", &target_text]).output().expect("runs").into()
    };

    std::fs::write(&manifest, genuine.replace("\"entries\": 1", "\"entries\": 2")).expect("edit the manifest");
    restore().failed(1, &[&file_text, "does not match its manifest"]);
    assert!(!target.exists(), "nothing was restored");

    std::fs::remove_file(&manifest).expect("lose the manifest");
    restore().failed(1, &[&file_text, "manifest"]);
    assert!(!target.exists());

    // Control: with its own manifest it restores.
    std::fs::write(&manifest, genuine).expect("put the manifest back");
    restore().succeeded();
    assert_eq!(snapshot(&target).rows("ledger_entries"), 1);
}
