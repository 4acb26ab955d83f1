//! Issue 17, personal data and the last open doors: a form that is not
//! UTF-8 is refused as such, a member who left is pseudonymized after the
//! retention period while the ledger and the seals still verify, and old
//! files and audit rows are removed by the server.

use super::helpers::*;
use reqwest::{StatusCode, header};

/// Posts a raw URL-encoded body.
async fn post_body(app: &TestApp, client: &reqwest::Client, path: &str, body: String) -> reqwest::Response {
    client
        .post(app.url(path))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("the request is answered")
}

#[tokio::test]
async fn a_form_that_is_not_utf8_is_refused_as_such_not_as_an_expired_form() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let committee = app.login(COMMITTEE, PASSWORD).await;
    let csrf = app.csrf(&committee).await;
    let members = app.count("SELECT COUNT(*) FROM members").await;
    // A name whose bytes are not UTF-8: it used to be kept as U+FFFD.
    let body = format!("csrf={csrf}&name=%E6%A2%81%FF&branch={}", f.branch1);
    let page = text(post_body(&app, &committee, "/members/new", body).await, StatusCode::BAD_REQUEST).await;
    assert!(page.contains("UTF-8") && page.contains("无法读取表单"), "{page}");
    // A mangled CSRF field: it used to answer "the form expired" (403).
    let body = format!("csrf=%C3{}&name=%E6%A2%81&branch={}", &csrf[1..], f.branch1);
    let response = post_body(&app, &committee, "/members/new", body).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.count("SELECT COUNT(*) FROM members").await, members, "a 400 writes nothing");
    // In English for a visitor who chose it; and for a household's link too.
    app.get(&committee, "/lang/en").await;
    let body = format!("csrf={csrf}&name=%FF&branch={}", f.branch1);
    let page = text(post_body(&app, &committee, "/members/new", body).await, StatusCode::BAD_REQUEST).await;
    assert!(page.contains("could not be read") && page.contains("UTF-8"), "{page}");
    let household = app.client();
    let token = &f.tokens[&f.liang_households[0]];
    let page =
        text(post_body(&app, &household, &format!("/r/{token}"), "level=%FE".into()).await, StatusCode::BAD_REQUEST)
            .await;
    assert!(page.contains("UTF-8"), "{page}");
    // The same form in UTF-8 is read as before.
    let body = format!("csrf={csrf}&name=%E6%A2%81%E5%B0%8F%E6%9C%88&branch={}", f.branch1);
    let response = post_body(&app, &committee, "/members/new", body).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("SELECT COUNT(*) FROM members").await, members + 1);
}
