//! Forms cannot be posted from elsewhere: the sign-in form's double-submit
//! token, the session's token on signed-in forms, and the Origin check on
//! every request that changes something.

use super::helpers::*;
use reqwest::{Client, Method, StatusCode};

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

// ---- every route that changes something -----------------------------------------

/// The answer of a form refused for its token: 403, "the form expired".
async fn refused_for_its_token(response: reqwest::Response) -> (StatusCode, String, bool) {
    let (status, to) = (response.status(), location(&response));
    let body = response.text().await.expect("a body");
    let csrf = status == StatusCode::FORBIDDEN && (body.contains("表单已过期") || body.contains("The form expired"));
    (status, to, csrf)
}

/// The route's path with its parameters filled with objects of the fixture.
fn filled(app: &TestApp, path: &str) -> String {
    let f = &app.fixture;
    let token = &f.tokens[&f.liang_households[0]];
    path.replace("{token}", token)
        .replace("{year}", &f.last_year().get().to_string())
        .replace("{community}", &f.community.to_string())
        .replace("{id}", "999999")
}

/// Row counts of every table: a refused form writes nothing, not even an
/// audit row or a session.
async fn every_count(app: &TestApp) -> String {
    let parts: Vec<String> = starledger_store::TABLES
        .iter()
        .map(|t| format!("'{t}=' || CAST((SELECT COUNT(*) FROM {t}) AS TEXT)"))
        .collect();
    app.text_of(&format!("SELECT {}", parts.join(" || ' ' || "))).await
}

/// Posts `csrf` (if any) to `path`, URL-encoded or as the first field of a
/// multipart form.
async fn post_token(
    app: &TestApp,
    client: &Client,
    method: &Method,
    path: &str,
    csrf: Option<&str>,
    multipart: bool,
) -> reqwest::Response {
    let request = client.request(method.clone(), app.url(path));
    let fields: Vec<(&str, &str)> = csrf.map(|c| ("csrf", c)).into_iter().collect();
    let request = if multipart {
        let parts: Vec<Part<'_>> = fields.iter().map(|(k, v)| Part::Text(k, v)).collect();
        request.header(reqwest::header::CONTENT_TYPE, multipart_content_type()).body(multipart_body(&parts))
    } else {
        request.form(&fields)
    };
    request.send().await.expect("answered")
}

#[tokio::test]
async fn every_route_that_changes_something_refuses_a_form_without_its_token() {
    let app = spawn_app_with_regions().await;
    // From the router's own table, not a list kept here.
    let routes = starledger_web::state_changing_routes();
    for form in
        ["/login", "/logout", "/r/{token}", "/import", "/claims/visit", "/region/integrity/{community}/{id}/decide"]
    {
        assert!(routes.iter().any(|(_, path)| *path == form), "the table lists {form}: {routes:?}");
    }
    assert!(routes.iter().all(|(method, _)| *method == Method::POST), "only POST changes something: {routes:?}");

    // Each kind of account, and a visitor without a session who opened the
    // sign-in page (its form cookie proves the sign-in and household forms).
    let visitor = app.client();
    let form_token = csrf_of(&text(app.get(&visitor, "/login").await, StatusCode::OK).await);
    let mut clients: Vec<(&str, Option<&str>, Client, String)> = vec![("signed out", None, visitor, form_token)];
    for (_, who, login) in super::permission_table::WHO {
        if let Some(login) = login {
            let client = app.login(login, PASSWORD).await;
            let csrf = app.csrf(&client).await;
            clients.push((who, Some(login), client, csrf));
        }
    }
    let wrong = "0".repeat(64);

    // Without the token, or with a wrong one, in either kind of body: no
    // account gets through and nothing is written; and someone (whoever
    // reaches the form) is refused for the token itself.
    let mut controls = Vec::new();
    for (method, route) in &routes {
        let path = filled(&app, route);
        let before = every_count(&app).await;
        let mut refused_by_token = None;
        for (index, (who, _, client, _)) in clients.iter().enumerate() {
            for (csrf, multipart) in [(None, false), (Some(wrong.as_str()), false), (Some(wrong.as_str()), true)] {
                let response = post_token(&app, client, method, &path, csrf, multipart).await;
                let (status, to, csrf_refused) = refused_for_its_token(response).await;
                let signed_out = status == StatusCode::SEE_OTHER && (to.starts_with("/login") || to == "/password");
                assert!(
                    status == StatusCode::FORBIDDEN || signed_out,
                    "{method} {route} as {who} without its token ({csrf:?}, multipart {multipart}): {status} {to}"
                );
                if csrf_refused && refused_by_token.is_none() {
                    refused_by_token = Some(index);
                }
            }
        }
        assert_eq!(every_count(&app).await, before, "{method} {route}: a form without its token wrote something");
        let index = refused_by_token.unwrap_or_else(|| panic!("{method} {route}: nobody was refused for the token"));
        controls.push((method, *route, path, index));
    }

    // The same requests with the token are not refused for it (they may be
    // for their missing fields). Signing out comes last.
    controls.sort_by_key(|(_, route, _, _)| route.starts_with("/logout"));
    for (method, route, path, index) in controls {
        let (who, login, client, csrf) = &clients[index];
        // Signing out ends the session: each of those signs in afresh.
        let fresh = match login {
            Some(login) if route.starts_with("/logout") => {
                let client = app.login(login, PASSWORD).await;
                let csrf = app.csrf(&client).await;
                Some((client, csrf))
            }
            _ => None,
        };
        let (client, csrf) = fresh.as_ref().map_or((client, csrf), |(c, t)| (c, t));
        // URL-encoded, and if that is not the form's kind, multipart.
        let mut answers = Vec::new();
        for multipart in [false, true] {
            let response = post_token(&app, client, method, &path, Some(csrf), multipart).await;
            let (status, to, csrf_refused) = refused_for_its_token(response).await;
            answers.push((status, to, csrf_refused));
            if !csrf_refused {
                break;
            }
        }
        let (status, to, csrf_refused) = answers.last().expect("an answer");
        // Sent to sign in would mean the session was not there; signing out
        // itself answers with the sign-in page.
        let sent_to_sign_in = *status == StatusCode::SEE_OTHER && to.starts_with("/login");
        assert!(
            !csrf_refused && (!sent_to_sign_in || route.starts_with("/logout")),
            "{method} {route} as {who} with its token: {answers:?}"
        );
    }
}
