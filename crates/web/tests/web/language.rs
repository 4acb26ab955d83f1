//! Chinese by default, English on request; the switch goes back to the page
//! the visitor came from, and never to another site.

use super::helpers::*;
use reqwest::{Client, Response, StatusCode};

async fn switch(app: &TestApp, client: &Client, code: &str, referer: Option<&str>) -> Response {
    let request = client.get(app.url(&format!("/lang/{code}")));
    let request = match referer {
        Some(referer) => request.header("Referer", referer),
        None => request,
    };
    request.send().await.expect("answered")
}

#[tokio::test]
async fn pages_follow_the_language_cookie() {
    let app = spawn_app().await;
    let client = app.client();
    let page = text(app.get(&client, "/login").await, StatusCode::OK).await;
    assert!(page.contains("<html lang=\"zh-CN\">") && page.contains("登录") && !page.contains("Sign in"));

    let response = switch(&app, &client, "en", Some(&app.url("/login"))).await;
    assert_redirect(&response, "/login");
    let cookie = set_cookie(&response, "sl_lang").expect("the language cookie");
    assert_eq!(cookie.value, "en");
    assert!(cookie.has("Path=/"));
    let page = text(app.get(&client, "/login").await, StatusCode::OK).await;
    assert!(page.contains("<html lang=\"en\">") && page.contains("Sign in") && !page.contains("登录"), "{page}");

    // Signed-in pages and the household page too.
    let response = app.sign_in(&client, MEMBER, PASSWORD).await;
    assert_redirect(&response, "/");
    let page = text(app.get(&client, "/me").await, StatusCode::OK).await;
    assert!(page.contains("My record") && page.contains("Sign out"), "{page}");
    let token = &app.fixture.tokens[&app.fixture.peng_household];
    let page = text(app.get(&client, &format!("/r/{token}")).await, StatusCode::OK).await;
    assert!(page.contains("How satisfied are you"), "{page}");

    let response = switch(&app, &client, "zh", Some(&app.url("/me"))).await;
    assert_redirect(&response, "/me");
    assert_eq!(set_cookie(&response, "sl_lang").expect("the cookie").value, "zh");
    let page = text(app.get(&client, "/me").await, StatusCode::OK).await;
    assert!(page.contains("我的积分") && page.contains("退出") && !page.contains("Sign out"), "{page}");
}

#[tokio::test]
async fn an_unknown_language_means_chinese() {
    let app = spawn_app().await;
    let client = app.client();
    let response = switch(&app, &client, "fr", None).await;
    assert_redirect(&response, "/");
    assert_eq!(set_cookie(&response, "sl_lang").expect("the cookie").value, "zh");
}

#[tokio::test]
async fn the_switch_never_sends_the_visitor_to_another_site() {
    let app = spawn_app().await;
    let client = app.client();
    let cases = [
        (None, "/"),
        (Some("http://evil.example//x"), "/"),
        (Some("https://evil.example//evil.example/x"), "/"),
        (Some("http://evil.example"), "/"),
        (Some("evil.example/x"), "/"),
        (Some("//evil.example/x"), "/"),
        // Another site's path is followed only as a path of this site.
        (Some("http://evil.example/standings?q=lxg"), "/standings?q=lxg"),
    ];
    for (referer, expected) in cases {
        let response = switch(&app, &client, "en", referer).await;
        assert_redirect(&response, expected);
    }
}

#[tokio::test]
async fn a_backslash_in_the_referer_does_not_lead_to_another_site() {
    let app = spawn_app().await;
    let client = app.client();
    let mut escapes = Vec::new();
    for referer in ["http://evil.example/\\evil.example/x", "http://evil.example/\t/evil.example/x"] {
        let response = switch(&app, &client, "en", Some(referer)).await;
        let target = location(&response);
        // WHATWG URL parsing treats `\` as `/` and drops tabs in http(s) URLs:
        // `/\evil.example` is `//evil.example`, another host.
        let normalized: String =
            target.replace('\\', "/").chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).collect();
        let stays_here = normalized.starts_with('/') && !normalized.starts_with("//");
        if !stays_here {
            escapes.push(format!("Referer {referer:?} redirects to {target:?}, another site"));
        }
    }
    assert!(escapes.is_empty(), "{}", escapes.join("\n"));
}

/// Pages are compressed for a browser that asks, as every phone's does;
/// one that does not ask gets them plain.
#[tokio::test]
async fn pages_are_compressed_for_browsers_that_ask() {
    let app = spawn_app().await;
    let committee = app.login(COMMITTEE, PASSWORD).await;
    let asked = committee.get(app.url("/households")).header("accept-encoding", "gzip").send().await.expect("answered");
    assert_eq!(asked.status(), StatusCode::OK);
    let encoding = asked.headers().get("content-encoding").and_then(|v| v.to_str().ok()).map(str::to_string);
    assert_eq!(encoding.as_deref(), Some("gzip"));
    let compressed = asked.bytes().await.expect("a body").len();
    let plain = committee.get(app.url("/households")).send().await.expect("answered");
    assert!(plain.headers().get("content-encoding").is_none(), "not asked, not compressed");
    let plain = plain.bytes().await.expect("a body").len();
    assert!(compressed * 2 < plain, "compressed {compressed} bytes against {plain}");
}

/// An address no route serves answers with the not-found page in the
/// visitor's language, as a missing record does, not with an empty 404.
#[tokio::test]
async fn an_unknown_address_gets_the_not_found_page() {
    let app = spawn_app().await;
    let client = app.client();
    let page = text(app.get(&client, "/no-such-page").await, StatusCode::NOT_FOUND).await;
    assert!(page.contains("没有找到该页面。") && page.contains("<html"), "{page}");
    app.get(&client, "/lang/en").await;
    let page = text(app.get(&client, "/no-such-page").await, StatusCode::NOT_FOUND).await;
    assert!(page.contains("Page not found."), "{page}");
}
