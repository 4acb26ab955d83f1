//! `/metrics`: Prometheus's text format, for a scraper holding the metrics
//! token only; requests counted by route pattern, never by a path that
//! carries a household's link or a check-in code.

use super::helpers::{COMMITTEE, METRICS_TOKEN, TestApp, spawn_app};
use reqwest::StatusCode;

async fn scrape(app: &TestApp, token: Option<&str>) -> (StatusCode, String) {
    let mut request = app.client().get(app.url("/metrics"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("an answer");
    let status = response.status();
    (status, response.text().await.expect("a body"))
}

/// The value of one series, e.g. `starledger_ledger_entries_written_total`.
fn value(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("{series} is in the scrape:\n{text}"))
}

#[tokio::test]
async fn only_the_token_reads_the_metrics() {
    let app = spawn_app().await;
    let (status, body) = scrape(&app, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(!body.contains("starledger_"), "{body}");
    assert_eq!(scrape(&app, Some("not-the-token")).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(scrape(&app, Some(METRICS_TOKEN)).await.0, StatusCode::OK);
}

#[tokio::test]
async fn traffic_moves_the_counters_and_no_secret_path_appears() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let (_, before) = scrape(&app, Some(METRICS_TOKEN)).await;
    let written_before = value(&before, "starledger_ledger_entries_written_total");

    let client = app.client();
    let household = f.tokens[&f.liang_households[0]].clone();
    let code = "c0dec0dec0dec0dec0dec0dec0dec0dec0dec0dec0dec0dec0dec0dec0de0000";
    for path in [format!("/r/{household}"), format!("/checkin/{code}"), "/login".into(), "/no/such/page".into()] {
        app.get(&client, &path).await;
    }
    app.sign_in(&app.client(), COMMITTEE, "not the password").await;
    app.add_entries_in(f.year, f.liang, "meeting.group", f.accounts[COMMITTEE], "metrics", 2).await;

    let (status, text) = scrape(&app, Some(METRICS_TOKEN)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!text.contains(&household) && !text.contains(code), "no secret in the metrics:\n{text}");
    assert!(!text.contains("/no/such/page"), "unmatched paths are not labels:\n{text}");
    let household_page = r#"starledger_http_requests_total{route="/r/{token}",method="GET",status="2xx"}"#;
    assert_eq!(value(&text, household_page), 1.0);
    assert!(text.contains(r#"starledger_http_requests_total{route="/checkin/{token}",method="GET""#), "{text}");
    assert!(text.contains(r#"route="unmatched",method="GET",status="4xx"} 1"#), "{text}");
    assert_eq!(value(&text, r#"starledger_http_request_duration_seconds_count{route="/r/{token}"}"#), 1.0);
    assert_eq!(value(&text, r#"starledger_http_request_duration_seconds_bucket{route="/r/{token}",le="+Inf"}"#), 1.0);
    assert_eq!(value(&text, r#"starledger_sign_in_failures_total{reason="wrong"}"#), 1.0);
    assert_eq!(value(&text, "starledger_ledger_entries_written_total"), written_before + 2.0);
    assert_eq!(value(&text, r#"starledger_outbox_messages{status="pending"}"#), 0.0);
    assert!(text.contains("# TYPE starledger_http_request_duration_seconds histogram"));
}
