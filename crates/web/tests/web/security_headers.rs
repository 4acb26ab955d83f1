//! Issue 17, item 10: the headers that keep a browser from being turned
//! against our pages (a script from elsewhere, a frame on another site, a
//! file read as a page), and the cache that keeps a signed-in page or a
//! household's link from the next person holding the phone.

use super::helpers::*;
use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, HeaderMap};

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
}

fn assert_guarded(headers: &HeaderMap, what: &str) {
    let csp = header(headers, "content-security-policy");
    let scripts = csp.split(';').map(str::trim).find(|d| d.starts_with("script-src")).unwrap_or_default();
    assert_eq!(scripts, "script-src 'self'", "{what}: scripts from this site only, none inline: {csp:?}");
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: no framing: {csp:?}");
    assert!(csp.contains("object-src 'none'") && csp.contains("base-uri 'none'"), "{what}: {csp:?}");
    assert_eq!(header(headers, "x-frame-options"), "DENY", "{what}");
    assert_eq!(header(headers, "x-content-type-options"), "nosniff", "{what}");
    assert_eq!(header(headers, "referrer-policy"), "same-origin", "{what}");
}

#[tokio::test]
async fn signed_in_pages_and_household_links_are_guarded_and_not_stored() {
    let app = spawn_app().await;
    let member = app.login(MEMBER, PASSWORD).await;
    for path in ["/me", "/standings", "/claims"] {
        let response = app.get(&member, path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_guarded(response.headers(), path);
        assert_eq!(header(response.headers(), "cache-control"), "no-store", "{path} is not kept in a cache");
    }
    let token = &app.fixture.tokens[&app.fixture.liang_households[0]];
    let response = app.get(&app.client(), &format!("/r/{token}")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_guarded(response.headers(), "a household's link");
    assert_eq!(header(response.headers(), "cache-control"), "no-store", "a household's link is not kept");
    // Errors and the sign-in page too.
    let login = app.get(&app.client(), "/login").await;
    assert_guarded(login.headers(), "/login");
    let missing = app.get(&member, "/no/such/page").await;
    assert_eq!(header(missing.headers(), "x-content-type-options"), "nosniff");
}

/// The control: the stylesheet and the script are cached as before, and
/// the script is served as a script.
#[tokio::test]
async fn static_files_keep_their_cache_and_the_script_is_a_script() {
    let app = spawn_app().await;
    let client = app.client();
    let css = app.get(&client, "/static/app.css").await;
    assert_eq!(css.headers().get(CACHE_CONTROL).unwrap(), "public, max-age=3600");
    let js = app.get(&client, "/static/app.js").await;
    assert_eq!(js.status(), StatusCode::OK);
    assert!(header(js.headers(), "content-type").starts_with("text/javascript"));
    let body = js.text().await.unwrap();
    for hook in ["data-print", "data-fill-rest", "data-autosubmit"] {
        assert!(body.contains(hook), "the script binds {hook}");
    }
}

/// No template holds an inline script or an inline event handler, which
/// the policy would block (and a page would silently lose).
#[test]
fn no_template_has_inline_script() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let html = std::fs::read_to_string(&path).unwrap().to_lowercase();
        for (at, _) in html.match_indices("<script") {
            let tag = &html[at..html[at..].find('>').map_or(html.len(), |end| at + end)];
            assert!(tag.contains(" src="), "{}: an inline <script>", path.display());
        }
        assert!(!html.contains("javascript:"), "{}: a javascript: URL", path.display());
        let handler = html.split(|c: char| c.is_whitespace()).any(|word| {
            word.strip_prefix("on")
                .and_then(|rest| rest.split_once('='))
                .is_some_and(|(name, _)| !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase()))
        });
        assert!(!handler, "{}: an inline on...= handler", path.display());
    }
}

/// Behind HTTPS the language cookie is Secure too, as the session's is.
#[tokio::test]
async fn behind_https_the_language_cookie_is_secure() {
    let app = spawn(Setup { secure_cookies: true, ..Setup::default() }).await;
    let response = app.get(&app.client(), "/lang/en").await;
    let cookie = set_cookie(&response, "sl_lang").expect("a language cookie");
    assert!(cookie.has("Secure"), "{:?}", cookie.attributes);
    let plain = spawn_app().await;
    let response = plain.get(&plain.client(), "/lang/en").await;
    assert!(!set_cookie(&response, "sl_lang").expect("a language cookie").has("Secure"));
}
