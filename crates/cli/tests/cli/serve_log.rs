//! The server's log: every answer carries its request's id, and a
//! household's link or a check-in code never reaches the log.

use super::browser::http_get;
use super::helpers::{Community, Served, runtime};

// A plain test, not `#[tokio::test]`: on PostgreSQL the fixture community
// creates its database on a runtime of its own, which cannot start inside
// another one; so the community is built first and the server driven after.
#[test]
fn the_log_names_each_request_by_id_and_never_a_secret_in_its_path() {
    let community = Community::new();
    runtime().block_on(the_log_of(&community));
}

async fn the_log_of(community: &Community) {
    let Served { server, port, log } = community.serve(&[("STARLEDGER_LOG", "debug,sqlx=warn")], &[]).await;

    let household = "5ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2e7aaaa";
    let code = "c0dec0dec0dec0dec0dec0dec0dec0dec0dec0dec0dec0dec0dec0dec0de0000";
    let mut ids = Vec::new();
    for path in [format!("/r/{household}"), format!("/r/{household}/notice"), format!("/checkin/{code}"), "/".into()] {
        let (_, response) = http_get(port, &path).await.expect("an answer");
        let id = response
            .lines()
            .find_map(|line| line.strip_prefix("x-request-id: "))
            .unwrap_or_else(|| panic!("{path} answers with its request id:\n{response}"))
            .trim()
            .to_string();
        assert_eq!(id.len(), 16, "{id}");
        ids.push(id);
    }
    drop(server);
    let written = std::fs::read_to_string(&log).expect("the server's log");
    for id in &ids {
        assert!(written.contains(id.as_str()), "request {id} is in the log:\n{written}");
    }
    assert!(written.contains("/r/…/notice") && written.contains("/checkin/…"), "{written}");
    assert!(!written.contains(household) && !written.contains(code), "no secret in the log:\n{written}");
    // Not on a terminal, the log is one JSON object a line, for a collector
    // (the file holds standard output too: the notice saying where it serves).
    let events: Vec<&str> = written.lines().filter(|l| !l.trim().is_empty() && !l.starts_with("serving ")).collect();
    assert!(events.len() > ids.len(), "{written}");
    for line in events {
        let event: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(event["timestamp"].is_string() && event["level"].is_string(), "{line}");
    }
}
