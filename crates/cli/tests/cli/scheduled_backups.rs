//! `serve --backup-dir DIR --backup-every SPAN --backup-keep N`: the server
//! takes verified backups with their manifests while it serves, and keeps
//! only the newest N of its own (an operator's other files are left alone).

use super::helpers::{Community, Served, run_at, runtime};

#[test]
fn the_server_backs_up_on_schedule_and_keeps_the_newest() {
    let community = Community::new();
    runtime().block_on(back_up_while_serving(&community));
}

async fn back_up_while_serving(community: &Community) {
    let dir = community.path("backups");
    std::fs::create_dir_all(&dir).unwrap();
    // An operator's own copy in the same folder: never counted, never removed.
    std::fs::write(dir.join("before-upgrade.db"), b"mine").unwrap();
    let options = ["--backup-dir", dir.to_str().unwrap(), "--backup-every", "1s", "--backup-keep", "2"];
    let Served { mut server, log, .. } = community.serve(&[], &options).await;
    // Three backups at least, so that one was pruned (a bounded wait, not a timing).
    let log_for_wait = log.clone();
    server
        .wait_until_ready("removing an old backup", move || {
            let log = log_for_wait.clone();
            async move { std::fs::read_to_string(&log).unwrap_or_default().contains("old backup removed") }
        })
        .await;
    let kill = std::process::Command::new("kill").args(["-TERM", &server.id().to_string()]).status().unwrap();
    assert!(kill.success());
    assert!(server.wait_for_exit("SIGTERM").await.success());

    let mut names: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    let backups: Vec<&String> = names.iter().filter(|n| n.starts_with("starledger-") && n.ends_with(".db")).collect();
    assert_eq!(backups.len(), 2, "the newest two are kept: {names:?}");
    assert!(names.contains(&"before-upgrade.db".to_string()), "{names:?}");
    assert!(!names.iter().any(|n| n.ends_with(".partial")), "{names:?}");
    for backup in backups {
        assert!(names.contains(&format!("{backup}.manifest.json")), "{backup} has its manifest: {names:?}");
        let file = dir.join(backup);
        run_at(&file, &["ledger", "verify"]).succeeded();
        // A scheduled backup restores like any other.
        let restored = community.path(&format!("restored-{backup}"));
        let run: super::helpers::Run = super::helpers::starledger()
            .args(["restore", "--from", file.to_str().unwrap(), "--to", restored.to_str().unwrap()])
            .output()
            .unwrap()
            .into();
        run.succeeded();
    }
    let written = std::fs::read_to_string(&log).unwrap();
    assert!(written.contains("scheduled backup written and verified"), "{written}");
}
