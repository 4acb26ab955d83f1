//! Signing in and out: wrong passwords, the lockout, the session cookie, the
//! password change forced at first sign-in, and the audit of every attempt.

use super::helpers::*;
use reqwest::StatusCode;

const BAD_LOGIN: &str = "账号或密码不正确";
const LOCKED: &str = "尝试次数过多";

#[tokio::test]
async fn a_wrong_password_is_refused_counted_and_audited() {
    let app = spawn_app().await;
    let client = app.client();

    let response = app.sign_in(&client, MEMBER, "not the password").await;
    assert!(set_cookie(&response, "sl_session").is_none(), "no session for a wrong password");
    let page = text(response, StatusCode::UNAUTHORIZED).await;
    assert!(page.contains(BAD_LOGIN), "the page says the login or password is wrong:\n{page}");
    assert!(page.contains("value=\"liang\""), "the login typed is kept in the form");

    let credentials = app.credentials(MEMBER).await;
    assert_eq!((credentials.failed_logins, credentials.locked_until), (1, None));
    assert_eq!(app.audited_actions(MEMBER).await, ["login.failed"]);
    assert_redirect(&app.get(&client, "/me").await, "/login");
}

#[tokio::test]
async fn five_wrong_passwords_lock_that_address_even_against_the_right_one() {
    let app = spawn_app().await;
    let client = app.client();

    for attempt in 1..=5 {
        let page = text(app.sign_in(&client, MEMBER, "guess").await, StatusCode::UNAUTHORIZED).await;
        let expected = if attempt == 5 { LOCKED } else { BAD_LOGIN };
        assert!(page.contains(expected), "attempt {attempt} says {expected:?}:\n{page}");
    }
    let response = app.sign_in(&client, MEMBER, PASSWORD).await;
    assert!(set_cookie(&response, "sl_session").is_none(), "a locked account gets no session");
    let page = text(response, StatusCode::TOO_MANY_REQUESTS).await;
    assert!(page.contains(LOCKED), "the sixth try is told about the lockout:\n{page}");
    assert_redirect(&app.get(&client, "/me").await, "/login");

    let actions = app.audited_actions(MEMBER).await;
    assert_eq!(actions.iter().filter(|a| *a == "login.failed").count(), 5, "{actions:?}");
    assert!(!actions.iter().any(|a| a == "login"), "no successful sign-in was recorded: {actions:?}");
}

#[tokio::test]
async fn a_correct_sign_in_sets_a_safe_cookie_and_goes_home() {
    let app = spawn_app().await;
    let client = app.client();

    let response = app.sign_in(&client, COMMITTEE, PASSWORD).await;
    assert_redirect(&response, "/");
    let cookie = set_cookie(&response, "sl_session").expect("a session cookie");
    assert_eq!(cookie.value.len(), 64, "a 256-bit token");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.has(attribute), "the cookie is {attribute}: {:?}", cookie.attributes);
    }
    assert!(!cookie.has("Secure"), "not Secure when served over plain HTTP");
    assert!(app.session_is_live(&cookie.value).await, "the session is in the database");

    text(app.get(&client, "/").await, StatusCode::OK).await;
    assert_redirect(&app.get(&client, "/login").await, "/");

    let log = app.audit_log().await;
    let actor = format!("account:{} ({COMMITTEE})", app.fixture.accounts[COMMITTEE]);
    assert!(
        log.iter().any(|(a, action, detail)| *a == actor && action == "login" && detail.contains("127.0.0.1")),
        "the sign-in is audited with its address: {log:?}"
    );
    // The login is not case sensitive.
    let other = app.client();
    assert_redirect(&app.sign_in(&other, " PENG ", PASSWORD).await, "/");
}

#[tokio::test]
async fn behind_https_the_session_cookie_is_secure() {
    let app = spawn(Setup { secure_cookies: true, ..Setup::default() }).await;
    let response = app.sign_in(&app.client(), COMMITTEE, PASSWORD).await;
    assert_redirect(&response, "/");
    let cookie = set_cookie(&response, "sl_session").expect("a session cookie");
    assert!(cookie.has("Secure") && cookie.has("HttpOnly"), "{:?}", cookie.attributes);
}

#[tokio::test]
async fn an_account_that_must_change_its_password_is_held_until_it_does() {
    let app = spawn_app().await;
    let client = app.client();
    assert_redirect(&app.sign_in(&client, MUST_CHANGE, PASSWORD).await, "/password");
    let (other_device, other_cookie) = app.login_with_cookie(MUST_CHANGE, PASSWORD).await;

    for path in ["/", "/me", "/standings", "/standings?sort=name", "/households/cards"] {
        assert_redirect(&app.get(&client, path).await, "/password");
    }
    let page = text(app.get(&client, "/password").await, StatusCode::OK).await;
    assert!(page.contains("首次登录，请先修改密码。"), "the page says why:\n{page}");
    let csrf = csrf_of(&page);

    let new = "a brand new password";
    let refusals = [
        ("wrong current password", "not the password", new, new, BAD_LOGIN),
        ("too short", PASSWORD, "short1234", "short1234", "至少10位"),
        ("repeat differs", PASSWORD, new, "a brand new passw0rd", "不一致"),
    ];
    for (case, current, new, repeat, message) in refusals {
        let form = [("csrf", csrf.as_str()), ("current", current), ("new", new), ("repeat", repeat)];
        let page = text(app.post(&client, "/password", &form).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert!(page.contains(message), "{case}: the page says {message:?}:\n{page}");
        assert!(app.credentials(MUST_CHANGE).await.must_change_password, "{case}: nothing changed");
        assert_redirect(&app.get(&client, "/me").await, "/password");
    }

    let form = [("csrf", csrf.as_str()), ("current", PASSWORD), ("new", new), ("repeat", new)];
    assert_redirect(&app.post(&client, "/password", &form).await, "/");
    assert!(!app.credentials(MUST_CHANGE).await.must_change_password);
    assert!(app.audited_actions(MUST_CHANGE).await.contains(&"password.change".to_string()));

    // The member reaches their pages now; / is the dashboard, which sends members to /me.
    // (This account is on no member of the roll, so its /me says so.)
    assert_redirect(&app.get(&client, "/").await, "/me");
    text(app.get(&client, "/standings").await, StatusCode::OK).await;

    // Other devices must sign in again, with the new password.
    assert!(!app.session_is_live(&other_cookie).await, "the other device's session ended");
    assert_redirect(&app.get(&other_device, "/standings").await, "/login");
    text(app.sign_in(&app.client(), MUST_CHANGE, PASSWORD).await, StatusCode::UNAUTHORIZED).await;
    assert_redirect(&app.sign_in(&app.client(), MUST_CHANGE, new).await, "/");
}

/// A session is no password oracle: guesses at the current password count
/// like guesses at sign-in, and the last one locks the account, ends its
/// sessions and changes nothing.
#[tokio::test]
async fn guessing_the_current_password_locks_the_account_like_signing_in() {
    let app = spawn_app().await;
    let (client, cookie) = app.login_with_cookie(MEMBER, PASSWORD).await;
    let (_, other_cookie) = app.login_with_cookie(MEMBER, PASSWORD).await;
    let csrf = app.csrf(&client).await;
    let password = app.credentials(MEMBER).await.password_hash;
    let new = "a brand new password";
    for guess in 1..=4 {
        let form = [("csrf", csrf.as_str()), ("current", "a wrong guess"), ("new", new), ("repeat", new)];
        let page = text(app.post(&client, "/password", &form).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert!(page.contains(BAD_LOGIN), "guess {guess}: the page says the password is wrong:\n{page}");
        let credentials = app.credentials(MEMBER).await;
        assert_eq!((credentials.failed_logins, credentials.locked_until), (guess, None), "guess {guess}");
    }
    assert!(app.session_is_live(&cookie).await && app.session_is_live(&other_cookie).await, "not locked yet");

    let form = [("csrf", csrf.as_str()), ("current", "a wrong guess"), ("new", new), ("repeat", new)];
    assert_redirect(&app.post(&client, "/password", &form).await, "/login");
    let credentials = app.credentials(MEMBER).await;
    assert!(credentials.locked_until.is_some(), "the fifth guess locks the account: {credentials:?}");
    assert!(!app.session_is_live(&cookie).await && !app.session_is_live(&other_cookie).await, "every session ended");
    assert_eq!(credentials.password_hash, password, "the password is unchanged");
    let failed = app.audit_log().await.into_iter().filter(|(_, action, _)| action == "password.change.failed");
    assert_eq!(failed.map(|(_, _, detail)| detail).collect::<Vec<_>>(), ["", "", "", "", "account locked"]);
    // Locked: not even the right password signs in now.
    let page = text(app.sign_in(&app.client(), MEMBER, PASSWORD).await, StatusCode::TOO_MANY_REQUESTS).await;
    assert!(page.contains(LOCKED), "{page}");
}

#[tokio::test]
async fn the_password_form_needs_the_session_token() {
    let app = spawn_app().await;
    let client = app.login(MEMBER, PASSWORD).await;
    let new = "a brand new password";
    let form = [("csrf", "0".repeat(64)), ("current", PASSWORD.into()), ("new", new.into()), ("repeat", new.into())];
    let response = client.post(app.url("/password")).form(&form).send().await.expect("answered");
    text(response, StatusCode::FORBIDDEN).await;
    text(app.sign_in(&app.client(), MEMBER, PASSWORD).await, StatusCode::SEE_OTHER).await;
}

#[tokio::test]
async fn signing_out_ends_the_session_for_good() {
    let app = spawn_app().await;
    let (client, cookie) = app.login_with_cookie(MEMBER, PASSWORD).await;
    text(app.get(&client, "/me").await, StatusCode::OK).await;
    let csrf = app.csrf(&client).await;

    let response = app.post(&client, "/logout", &[("csrf", &csrf)]).await;
    assert_redirect(&response, "/login");
    let cleared = set_cookie(&response, "sl_session").expect("the cookie is cleared");
    assert!(cleared.value.is_empty() && cleared.has("Max-Age=0"), "{:?}", cleared.attributes);
    assert!(!app.session_is_live(&cookie).await, "the session row is gone");
    assert_redirect(&app.get(&client, "/me").await, "/login");

    // The old cookie, replayed by someone who kept a copy, opens nothing.
    let replay = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).no_proxy().build().unwrap();
    for path in ["/", "/me", "/standings"] {
        let response =
            replay.get(app.url(path)).header("Cookie", format!("sl_session={cookie}")).send().await.expect("answered");
        assert_redirect(&response, "/login");
    }
    assert!(app.audited_actions(MEMBER).await.contains(&"logout".to_string()));
}

#[tokio::test]
async fn signing_out_everywhere_ends_the_other_devices_too() {
    let app = spawn_app().await;
    let (phone, phone_cookie) = app.login_with_cookie(MEMBER, PASSWORD).await;
    let (laptop, laptop_cookie) = app.login_with_cookie(MEMBER, PASSWORD).await;
    let committee = app.login(COMMITTEE, PASSWORD).await;

    let csrf = app.csrf(&phone).await;
    assert_redirect(&app.post(&phone, "/logout/everywhere", &[("csrf", &csrf)]).await, "/login");

    assert!(!app.session_is_live(&phone_cookie).await && !app.session_is_live(&laptop_cookie).await);
    assert_redirect(&app.get(&laptop, "/me").await, "/login");
    assert_redirect(&app.get(&phone, "/me").await, "/login");
    text(app.get(&committee, "/").await, StatusCode::OK).await;

    let log = app.audit_log().await;
    assert!(
        log.iter().any(|(_, action, detail)| action == "logout.everywhere" && detail == "2 sessions ended"),
        "{log:?}"
    );
}

#[tokio::test]
async fn an_account_that_must_change_its_password_can_still_sign_out() {
    let app = spawn_app().await;
    let (client, cookie) = app.login_with_cookie(MUST_CHANGE, PASSWORD).await;
    let csrf = app.csrf(&client).await;
    assert_redirect(&app.post(&client, "/logout", &[("csrf", &csrf)]).await, "/login");
    assert!(!app.session_is_live(&cookie).await);
}

#[tokio::test]
async fn an_account_that_must_change_its_password_can_sign_out_everywhere() {
    let app = spawn_app().await;
    let (client, cookie) = app.login_with_cookie(MUST_CHANGE, PASSWORD).await;
    let (_, other_cookie) = app.login_with_cookie(MUST_CHANGE, PASSWORD).await;
    let page = text(app.get(&client, "/password").await, StatusCode::OK).await;
    assert!(page.contains("action=\"/logout/everywhere\""), "the page offers it");

    let response = app.post(&client, "/logout/everywhere", &[("csrf", &csrf_of(&page))]).await;
    assert_redirect(&response, "/login");
    assert!(!app.session_is_live(&cookie).await && !app.session_is_live(&other_cookie).await);
}

#[tokio::test]
async fn a_sign_in_attempt_on_a_locked_account_is_audited() {
    let app = spawn_app().await;
    let client = app.client();
    for _ in 0..5 {
        text(app.sign_in(&client, MEMBER, "guess").await, StatusCode::UNAUTHORIZED).await;
    }
    let before = app.audited_actions(MEMBER).await.len();
    text(app.sign_in(&client, MEMBER, PASSWORD).await, StatusCode::TOO_MANY_REQUESTS).await;
    let actions = app.audited_actions(MEMBER).await;
    assert_eq!(actions.len(), before + 1, "the attempt on the locked account is audited: {actions:?}");
}

#[tokio::test]
async fn a_sign_in_attempt_on_an_unknown_login_is_audited() {
    let app = spawn_app().await;
    let before = app.audit_log().await.len();
    text(app.sign_in(&app.client(), "nobody", "guess").await, StatusCode::UNAUTHORIZED).await;
    let log = app.audit_log().await;
    assert_eq!(log.len(), before + 1, "the attempt is audited: {log:?}");
    assert!(log.last().is_some_and(|(_, _, detail)| detail.contains("nobody")), "naming the login tried: {log:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_wrong_passwords_still_lock_that_address() {
    let app = spawn_app().await;
    let client = app.client();
    let page = text(app.get(&client, "/login").await, StatusCode::OK).await;
    let csrf = csrf_of(&page);
    let attempts = (0..10).map(|_| {
        let request =
            client.post(app.url("/login")).form(&[("csrf", csrf.as_str()), ("login", MEMBER), ("password", "guess")]);
        async move { request.send().await.expect("answered").status() }
    });
    let statuses: Vec<StatusCode> = all_at_once(attempts).await;
    // Each attempt is counted before its password is checked: five reach
    // the check, the other five are refused at once, however they race.
    let checked = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    let refused = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!((checked, refused), (5, 5), "{statuses:?}");

    let failures = app.audited_actions(MEMBER).await.iter().filter(|a| *a == "login.failed").count();
    assert_eq!(failures, 5, "five wrong passwords were tried");
    text(app.sign_in(&app.client(), MEMBER, PASSWORD).await, StatusCode::TOO_MANY_REQUESTS).await;
}

/// Runs the futures concurrently on this task (no extra crate for `join_all`).
async fn all_at_once<F: std::future::Future<Output = StatusCode> + Send + 'static>(
    futures: impl Iterator<Item = F>,
) -> Vec<StatusCode> {
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for handle in handles {
        out.push(handle.await.expect("the request task"));
    }
    out
}

/// Issue 17, item 2: someone elsewhere types five wrong passwords for a
/// member; they are locked out, she is not.
#[tokio::test]
async fn a_guesser_elsewhere_cannot_lock_the_owner_out() {
    let app = spawn_app().await;
    let attacker = app.client_from_elsewhere();
    for _ in 0..5 {
        text(app.sign_in(&attacker, MEMBER, "guess").await, StatusCode::UNAUTHORIZED).await;
    }
    let page = text(app.sign_in(&attacker, MEMBER, PASSWORD).await, StatusCode::TOO_MANY_REQUESTS).await;
    assert!(page.contains(LOCKED), "the guesser's address is locked, even with the right password:\n{page}");
    let log = app.audit_log().await;
    assert!(log.iter().any(|(_, _, detail)| detail.contains("127.0.0.2")), "the guesser's address is audited");

    // The owner, on her own phone, signs in.
    let owner = app.client();
    assert_redirect(&app.sign_in(&owner, MEMBER, PASSWORD).await, "/");
    assert_eq!(app.credentials(MEMBER).await.locked_until, None, "the account itself is not locked");
}

/// Issue 17, item 3: a huge login name is refused before any lookup and
/// stored only in part; a flood of throttled attempts adds one audit row.
#[tokio::test]
async fn long_login_names_and_throttled_floods_do_not_grow_the_audit_log() {
    let app = spawn_app().await;
    let client = app.client();
    let page = text(app.get(&client, "/login").await, StatusCode::OK).await;
    assert!(page.contains("maxlength=\"64\""), "the form states the limit:\n{page}");
    let csrf = csrf_of(&page);
    let huge = "a".repeat(200_000);
    let before = app.audit_log().await.len();
    let response = app.post(&client, "/login", &[("csrf", &csrf), ("login", &huge), ("password", "x")]).await;
    let page = text(response, StatusCode::UNAUTHORIZED).await;
    assert!(page.len() < 50_000, "the name is not echoed whole ({} bytes)", page.len());
    let log = app.audit_log().await;
    assert_eq!(log.len(), before + 1);
    let stored: usize = log.iter().map(|(a, b, c)| a.len() + b.len() + c.len()).sum();
    assert!(stored < 20_000, "the audit log holds {stored} bytes");

    // Past the per-address limit (20 a minute), attempts are counted, and
    // only the first refused one is recorded.
    for _ in 0..40 {
        app.post(&client, "/login", &[("csrf", &csrf), ("login", "nobody"), ("password", "x")]).await;
    }
    let throttled = app.audit_log().await.iter().filter(|(_, action, _)| action == "login.throttled").count();
    assert_eq!(throttled, 1, "one row for the whole flood");
    assert!(app.audit_log().await.len() <= before + 1 + 20 + 1);
}
