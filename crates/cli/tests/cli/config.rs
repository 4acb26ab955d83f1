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

/// Issue 16: the server's limits are settings. `config check` lists each
/// with where its value comes from, and a file's small photo limit makes a
/// larger photo a 413 (the form comes back as typed, nothing is written).
#[test]
fn the_limits_are_settings_and_a_files_photo_limit_is_the_servers() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("starledger.toml");
    std::fs::write(&config, "photo_max_bytes = 2048\napi_token_per_minute = 60\npool_size = 3\n").unwrap();
    let checked =
        run_in(dir.path(), &[("STARLEDGER_SIGN_IN_PER_MINUTE", "7")], &["config", "check"]).succeeded().stdout;
    let line = |key: &str| checked.lines().find(|l| l.starts_with(&format!("{key} "))).unwrap_or_default().to_string();
    for (key, value, source) in [
        ("photo_max_bytes", "2048", "file"),
        ("api_token_per_minute", "60", "file"),
        ("pool_size", "3", "file"),
        ("sign_in_per_minute", "7", "environment"),
        ("import_max_bytes", "2097152", "default"),
        ("api_failures_per_minute", "20", "default"),
        ("household_link_per_10_minutes", "20", "default"),
        ("household_address_per_10_minutes", "120", "default"),
        ("connect_timeout_secs", "5", "default"),
    ] {
        let line = line(key);
        assert!(line.contains(&format!(" {value} ")) && line.contains(source), "{key}: {line}\n{checked}");
    }
    let (db, _) = super::serve_log::demo_in(dir.path());
    super::helpers::runtime().block_on(async {
        use super::serve_log::{http, serve_on, sign_in};
        let args = ["--config", config.to_str().unwrap()];
        let (server, port) = serve_on(&db, dir.path().join("serve.log"), &[], &args).await;
        let session = sign_in(port, "liangxiaogai").await;
        let page = http(port, "GET", "/claims", &[("Cookie", &session)], "").await;
        assert!(page.body.contains("0.002 MB"), "the page states the limit:\n{}", page.body);
        let csrf = page.field("csrf");
        let boundary = "----starledger-limit";
        let field = |name: &str, value: &str| {
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
        };
        let photo = "x".repeat(4096);
        let body = format!(
            "{}{}{}--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"a.jpg\"\r\n\
             Content-Type: image/jpeg\r\n\r\n{photo}\r\n--{boundary}--\r\n",
            field("csrf", &csrf),
            field("date", "2026-06-01"),
            field("note", "走访")
        );
        let kind = format!("multipart/form-data; boundary={boundary}");
        let answer = http(port, "POST", "/claims/study", &[("Cookie", &session), ("Content-Type", &kind)], &body).await;
        assert_eq!(answer.status, 413, "{}", answer.body);
        assert!(answer.body.contains("0.002 MB"), "{}", answer.body);
        // A photo under the limit is not refused for its size.
        let small = body.replace(&photo, &"x".repeat(100));
        let answer =
            http(port, "POST", "/claims/study", &[("Cookie", &session), ("Content-Type", &kind)], &small).await;
        assert_ne!(answer.status, 413, "{}", answer.body);
        drop(server);
    });
}
