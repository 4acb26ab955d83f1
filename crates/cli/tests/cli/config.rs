//! `starledger.toml`: settings by file, under the environment and the
//! command line; `config check` shows each one and where it comes from.

use super::helpers::{Community, Run, starledger};

fn run_in(dir: &std::path::Path, envs: &[(&str, &str)], args: &[&str]) -> Run {
    let mut command = starledger();
    command.current_dir(dir).args(args);
    for (key, value) in envs {
        command.env(key, value);
    }
    command.output().expect("the binary runs").into()
}

#[test]
fn the_file_in_the_working_folder_is_read_and_the_environment_wins() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("starledger.toml"),
        "listen = \"127.0.0.1:9191\"\nbackup_keep = 30\nmetrics_token = \"a-secret-of-twenty-chars\"\n",
    )
    .unwrap();
    let checked = run_in(dir.path(), &[("STARLEDGER_BACKUP_KEEP", "7")], &["config", "check"]).succeeded();
    let line =
        |key: &str| checked.stdout.lines().find(|l| l.starts_with(&format!("{key} "))).unwrap_or_default().to_string();
    assert!(checked.stdout.contains("configuration file: starledger.toml (3 settings)"), "{}", checked.stdout);
    assert!(line("listen").contains("127.0.0.1:9191") && line("listen").contains("file"), "{}", checked.stdout);
    assert!(
        line("backup_keep").contains(" 7 ") && line("backup_keep").contains("environment"),
        "{}",
        line("backup_keep")
    );
    assert!(line("busy_timeout_ms").contains("5000") && line("busy_timeout_ms").contains("default"));
    assert!(line("metrics_token").contains("(set, not shown)"), "{}", line("metrics_token"));
    assert!(!checked.stdout.contains("a-secret-of-twenty-chars"), "a secret is never printed");
}

#[test]
fn a_named_file_chooses_the_database_and_the_command_line_wins_over_it() {
    let community = Community::new();
    let config = community.path("city.toml");
    std::fs::write(&config, format!("database_url = \"{}\"\n", community.url())).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let rating = run_in(dir.path(), &[], &["--config", config.to_str().unwrap(), "rating", "--year", "2025", "--json"]);
    let json: serde_json::Value = serde_json::from_str(&rating.succeeded().stdout).unwrap();
    assert_eq!(json["year"], 2025, "the database the file names was read");
    // Named in the environment, the same.
    let env = run_in(dir.path(), &[("STARLEDGER_CONFIG", config.to_str().unwrap())], &["period", "list"]);
    assert!(env.succeeded().stdout.contains("2025"));
    // The command line's database wins over the file's.
    let elsewhere = dir.path().join("none.db");
    let run = run_in(
        dir.path(),
        &[],
        &["--config", config.to_str().unwrap(), "--db", elsewhere.to_str().unwrap(), "period", "list"],
    );
    run.failed(2, &["no database at"]);
}

#[test]
fn a_bad_file_is_named_with_its_line_and_nothing_runs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("starledger.toml");
    std::fs::write(&path, "listen = \"127.0.0.1:9191\"\nlisten_port = 80\n").unwrap();
    let run = run_in(dir.path(), &[], &["config", "check"]);
    run.failed(2, &["starledger.toml", "line 2", "unknown key `listen_port`"]);
    let missing = run_in(dir.path(), &[], &["--config", "missing.toml", "config", "check"]);
    missing.failed(2, &["missing.toml", "cannot read it"]);
}
