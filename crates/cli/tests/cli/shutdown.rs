//! `starledger serve` stops cleanly on SIGTERM (what systemd and
//! `docker stop` send): it exits 0 and says in its log that it stopped,
//! after saying why.

use super::browser::http_get;
use super::helpers::{Community, Served, runtime};

// A plain test, not `#[tokio::test]`: on PostgreSQL the fixture community
// creates its database on a runtime of its own (see serve_log.rs).
#[test]
fn sigterm_stops_the_server_cleanly() {
    let community = Community::new();
    runtime().block_on(stop_with_sigterm(&community));
}

async fn stop_with_sigterm(community: &Community) {
    let Served { mut server, port, log } = community.serve(&[], &[]).await;
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
