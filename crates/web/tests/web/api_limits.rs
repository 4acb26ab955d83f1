//! The API's rate limits (docs/api.md, "Rate limits"): each token has its
//! own allowance a minute, answered past it with 429, `Retry-After` and a
//! reason in both languages; an address that sends too many invalid tokens
//! is refused for the rest of its minute, counted by address only.

use super::api::{answer, api, get, problem, token};
use super::helpers::*;
use reqwest::StatusCode;

fn small_limits() -> starledger_web::Settings {
    starledger_web::Settings {
        api_per_token_per_minute: 5,
        api_failures_per_address_per_minute: 3,
        ..Default::default()
    }
}

#[tokio::test]
async fn a_burst_past_a_tokens_limit_gets_429_and_another_token_is_not_counted_with_it() {
    let app = spawn(Setup { settings: Some(small_limits()), ..Setup::default() }).await;
    let (busy, other) = (token(&app, COMMITTEE, "read").await, token(&app, COMMITTEE, "read").await);
    for _ in 0..5 {
        assert_eq!(get(&app, &busy, "/api/v1/members").await.status(), StatusCode::OK);
    }
    let refused = get(&app, &busy, "/api/v1/members").await;
    let retry_after: u64 = refused
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("a Retry-After in seconds");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let body = problem(refused, StatusCode::TOO_MANY_REQUESTS, "rate.limited").await;
    assert!(body["detail_zh"].as_str().unwrap().contains("每分钟最多 5 次"), "{body}");
    assert!(body["detail_en"].as_str().unwrap().contains("5 requests a minute"), "{body}");
    // Another token of the same account has its own allowance.
    let (status, _) = answer(get(&app, &other, "/api/v1/members").await).await;
    assert_eq!(status, StatusCode::OK);
    // The pages are not the API's: the account still reads its pages.
    let client = app.login(COMMITTEE, PASSWORD).await;
    assert_eq!(client.get(app.url("/members")).send().await.unwrap().status(), StatusCode::OK);
}

#[tokio::test]
async fn invalid_tokens_are_throttled_by_address_and_no_token_is_kept() {
    let app = spawn(Setup { settings: Some(small_limits()), ..Setup::default() }).await;
    let good = token(&app, COMMITTEE, "read").await;
    // Made-up tokens, each different, of the right form and not.
    let guesses: Vec<String> = (0..3).map(|i| format!("slt_{i:0>40}")).collect();
    for guess in &guesses {
        problem(get(&app, guess, "/api/v1/members").await, StatusCode::UNAUTHORIZED, "auth.invalid_token").await;
    }
    // The fourth, whatever it is, is refused before it is looked up: a
    // valid token from the same address too, until the minute ends.
    for secret in ["slt_a-fourth-guess", "not-even-a-token", good.as_str()] {
        let refused = get(&app, secret, "/api/v1/members").await;
        assert!(refused.headers().contains_key("retry-after"), "{secret}");
        let body = problem(refused, StatusCode::TOO_MANY_REQUESTS, "rate.limited").await;
        assert!(body["detail_en"].as_str().unwrap().contains("invalid tokens from this address"), "{body}");
    }
    // A request without a token is not a guess: it is told what to send.
    let bare = api().get(app.url("/api/v1/members")).send().await.unwrap();
    problem(bare, StatusCode::UNAUTHORIZED, "auth.missing_token").await;
}
