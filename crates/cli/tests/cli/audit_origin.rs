//! Issue 17, item 12: `--by` is a claim, not a credential, so every
//! command-line write's audit row also names who ran the command: the
//! operating system's user and host, as `cli USER@HOST`.

use super::helpers::{SECRETARY, snapshot, starledger};

#[test]
fn a_command_line_write_names_the_system_user_and_host() {
    let dir = tempfile::TempDir::new().expect("a temporary folder");
    let db = dir.path().join("starledger.db");
    let run = |user: &str, args: &[&str]| {
        let output = starledger().env("USER", user).arg("--db").arg(&db).args(args).output().expect("starledger runs");
        assert!(output.status.success(), "{output:?}");
    };
    run("opsuser", &["init", "--community", "十里社区", "--login", SECRETARY, "--name", "梁雍宏"]);
    run("someone\u{7}else", &["branch", "add", "第一党支部", "--by", SECRETARY]);

    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").map(|h| h.trim().to_string()).unwrap_or_default();
    let rows = snapshot(&db).0.remove("audit_log").expect("an audit log");
    assert!(!rows.is_empty());
    let init = rows.iter().find(|r| r.contains("'init'")).expect("the init is audited");
    assert!(init.contains(&format!("'cli opsuser@{host}'")), "the origin names the user and host: {init}");
    let branch = rows.iter().find(|r| r.contains("第一党支部")).expect("the branch is audited");
    assert!(branch.contains("'cli someoneelse@"), "control characters are dropped: {branch}");
    assert!(branch.contains("'account:1 (secretary)'"), "beside the account --by names: {branch}");
}
