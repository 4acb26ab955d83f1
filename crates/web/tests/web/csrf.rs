//! Forms cannot be posted from elsewhere: the sign-in form's double-submit
//! token, the session's token on signed-in forms, and the Origin check on
//! every request that changes something.

use super::helpers::*;
use reqwest::StatusCode;

const EVIL: &str = "http://evil.example";

#[tokio::test]
async fn signing_in_without_the_form_cookie_is_refused() {
    let app = spawn_app().await;
    // A client that never opened the sign-in page has no form cookie.
    let client = app.client();
    let token = "a".repeat(64);
    let response = app.post(&client, "/login", &[("csrf", &token), ("login", MEMBER), ("password", PASSWORD)]).await;
    assert!(set_cookie(&response, "sl_session").is_none());
    text(response, StatusCode::FORBIDDEN).await;
    assert!(app.audited_actions(MEMBER).await.is_empty(), "nothing was tried");
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
}

#[tokio::test]
async fn signing_in_with_a_wrong_form_token_is_refused() {
    let app = spawn_app().await;
    let client = app.client();
    let page = text(app.get(&client, "/login").await, StatusCode::OK).await;
    let right = csrf_of(&page);
    let wrong = if right.starts_with('0') { "1".repeat(64) } else { "0".repeat(64) };

    for token in [wrong.as_str(), "", &right[..63]] {
        let response = app.post(&client, "/login", &[("csrf", token), ("login", MEMBER), ("password", PASSWORD)]).await;
        text(response, StatusCode::FORBIDDEN).await;
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
    assert_eq!(app.credentials(MEMBER).await.failed_logins, 0, "refused before the password was looked at");
    // The right token still works.
    let response = app.post(&client, "/login", &[("csrf", &right), ("login", MEMBER), ("password", PASSWORD)]).await;
    assert_redirect(&response, "/");
}

#[tokio::test]
async fn signing_out_with_a_wrong_token_is_refused_and_the_session_survives() {
    let app = spawn_app().await;
    let (client, cookie) = app.login_with_cookie(MEMBER, PASSWORD).await;
    let right = app.csrf(&client).await;
    let wrong = if right.starts_with('0') { "1".repeat(64) } else { "0".repeat(64) };

    for path in ["/logout", "/logout/everywhere"] {
        text(app.post(&client, path, &[("csrf", &wrong)]).await, StatusCode::FORBIDDEN).await;
    }
    assert!(app.session_is_live(&cookie).await);
    text(app.get(&client, "/me").await, StatusCode::OK).await;
    assert!(!app.audited_actions(MEMBER).await.iter().any(|a| a.starts_with("logout")));
}

#[tokio::test]
async fn a_post_from_another_site_is_refused() {
    let app = spawn_app().await;
    let (client, cookie) = app.login_with_cookie(COMMITTEE, PASSWORD).await;
    let csrf = app.csrf(&client).await;

    // Even with the right token, a request the browser says came from elsewhere.
    let response =
        client.post(app.url("/logout")).header("Origin", EVIL).form(&[("csrf", &csrf)]).send().await.expect("answered");
    text(response, StatusCode::FORBIDDEN).await;
    assert!(app.session_is_live(&cookie).await);

    let household = app.fixture.peng_household_unissued;
    let response = client
        .post(app.url(&format!("/households/{household}/revoke")))
        .header("Origin", EVIL)
        .form(&[("csrf", &csrf)])
        .send()
        .await
        .expect("answered");
    text(response, StatusCode::FORBIDDEN).await;
    assert_eq!(app.live_token(app.fixture.community, household).await, None, "no link was issued");

    // Sign-in from another site.
    let stranger = app.client();
    let form_token = csrf_of(&text(app.get(&stranger, "/login").await, StatusCode::OK).await);
    let form = [("csrf", form_token.as_str()), ("login", MEMBER), ("password", PASSWORD)];
    let response = stranger.post(app.url("/login")).header("Origin", EVIL).form(&form).send().await.expect("answered");
    text(response, StatusCode::FORBIDDEN).await;
    assert!(app.audited_actions(MEMBER).await.is_empty());

    // A household rating from another site.
    let token = &app.fixture.tokens[&app.fixture.peng_household];
    let path = format!("/r/{token}");
    let rate_token = csrf_of(&text(app.get(&stranger, &path).await, StatusCode::OK).await);
    let form = [("csrf", rate_token.as_str()), ("level", "satisfied")];
    let response = stranger.post(app.url(&path)).header("Origin", EVIL).form(&form).send().await.expect("answered");
    text(response, StatusCode::FORBIDDEN).await;
    assert_eq!(app.rating_rows().await, 0);

    // The same requests from this site's own pages go through.
    let response =
        stranger.post(app.url("/login")).header("Origin", &app.address).form(&form_login(&form_token)).send().await;
    assert_redirect(&response.expect("answered"), "/");
    let response = client
        .post(app.url("/logout"))
        .header("Origin", &app.address)
        .form(&[("csrf", &csrf)])
        .send()
        .await
        .expect("answered");
    assert_redirect(&response, "/login");
}

fn form_login(token: &str) -> [(&str, &str); 3] {
    [("csrf", token), ("login", MEMBER), ("password", PASSWORD)]
}

#[tokio::test]
async fn behind_https_every_form_cookie_is_secure() {
    let app = spawn(Setup { secure_cookies: true, ..Setup::default() }).await;
    let token = &app.fixture.tokens[&app.fixture.peng_household];
    let response = app.get(&app.client(), &format!("/r/{token}")).await;
    let cookie = set_cookie(&response, "sl_form").expect("the household form's cookie");
    assert!(cookie.has("Secure"), "the household form's cookie: {:?}", cookie.attributes);

    let response = app.get(&app.client(), "/login").await;
    let cookie = set_cookie(&response, "sl_form").expect("the sign-in form's cookie");
    assert!(cookie.has("Secure"), "the sign-in form's cookie: {:?}", cookie.attributes);
}
