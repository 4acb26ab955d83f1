//! `starledger serve` stops cleanly on SIGTERM (what systemd and
//! `docker stop` send): it exits 0 and says in its log that it stopped,
//! after saying why.

use super::browser::{Process, free_port, http_get};
use super::helpers::{Community, runtime, stated_now};

// A plain test, not `#[tokio::test]`: on PostgreSQL the fixture community
// creates its database on a runtime of its own (see serve_log.rs).
#[test]
fn sigterm_stops_the_server_cleanly() {
    let community = Community::new();
    runtime().block_on(stop_with_sigterm(&community));
}

async fn stop_with_sigterm(community: &Community) {
    let port = free_port();
    let log = community.path("serve.log");
    let mut serve = std::process::Command::new(assert_cmd::cargo::cargo_bin("starledger"));
    serve.env("STARLEDGER_NOW", stated_now()).args([
        "--database-url",
        &community.url(),
        "serve",
        "--listen",
        &format!("127.0.0.1:{port}"),
    ]);
    let mut server = Process::start("starledger serve", serve, log.clone());
    server
        .wait_until_ready("answering GET /healthz", || async move { http_get(port, "/healthz").await.is_some() })
        .await;
    let (status, _) = http_get(port, "/login").await.expect("an answer");
    assert_eq!(status, 200);

    let signalled =
        std::process::Command::new("kill").args(["-TERM", &server.id().to_string()]).status().expect("run kill");
    assert!(signalled.success(), "kill -TERM {}", server.id());
    let exit = server.wait_for_exit("SIGTERM").await;
    let written = std::fs::read_to_string(&log).expect("the server's log");
    assert!(exit.success(), "a stop on SIGTERM is not a failure ({exit}):\n{written}");
    assert!(written.contains("SIGTERM: stopping"), "the log says why it stops:\n{written}");
    assert!(written.contains("stopped: requests finished"), "the log says it stopped:\n{written}");
    assert!(http_get(port, "/healthz").await.is_none(), "nothing answers once it has stopped");
}
