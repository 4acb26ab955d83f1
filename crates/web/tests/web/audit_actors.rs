//! Issue 10: the audit log names an account one way, whoever writes the
//! row (a web page, the application layer, the command line, an import):
//! `account:N (login)`, the number for the machine and the login for the
//! reader. Rows the web wrote used to say `account:N` alone.

use super::helpers::*;
use reqwest::StatusCode;
use std::collections::HashMap;

#[tokio::test]
async fn every_audit_row_names_its_account_with_its_login() {
    let app = spawn_app_with_regions().await;
    let f = &app.fixture;

    // Acts written by the web itself (signing in, failing to, signing out,
    // changing nothing but the session) and through the application layer.
    let committee = app.login(COMMITTEE, PASSWORD).await;
    let csrf = app.csrf(&committee).await;
    let household = f.peng_household_unissued;
    assert_redirect(&app.post(&committee, "/households/links", &[("csrf", &csrf)]).await, "/households/cards");
    let revoked = app.post(&committee, &format!("/households/{household}/revoke"), &[("csrf", &csrf)]).await;
    assert!(revoked.status().is_redirection(), "the link is revoked: {}", revoked.status());
    text(app.sign_in(&app.client(), MEMBER, "not the password").await, StatusCode::UNAUTHORIZED).await;
    let member = app.login(MEMBER, PASSWORD).await;
    let csrf = app.csrf(&member).await;
    assert_redirect(&app.post(&member, "/logout", &[("csrf", &csrf)]).await, "/login");
    let overseer = app.login(COUNTY_OVERSEER, PASSWORD).await;
    let csrf = app.csrf(&overseer).await;
    assert_redirect(&app.post(&overseer, "/logout/everywhere", &[("csrf", &csrf)]).await, "/login");

    let logins: HashMap<i64, String> =
        app.rows::<(i64, String)>("SELECT id, login FROM accounts").await.into_iter().collect();
    let audit = app.audit_log().await;
    let by_accounts: Vec<&(String, String, String)> =
        audit.iter().filter(|(actor, ..)| actor.starts_with("account:")).collect();
    for (actor, action, _) in &by_accounts {
        let id: i64 = actor["account:".len()..]
            .split(' ')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{action}: the actor {actor:?} names no account number"));
        assert_eq!(*actor, format!("account:{id} ({})", logins[&id]), "{action}: the actor names the account's login");
    }
    // The web's own rows are among them, under the same label.
    let actions_of = |login: &str| -> Vec<&str> {
        let actor = format!("account:{} ({login})", f.accounts[login]);
        by_accounts.iter().filter(|(a, ..)| *a == actor).map(|(_, action, _)| action.as_str()).collect()
    };
    let committees = actions_of(COMMITTEE);
    assert!(committees.contains(&"login") && committees.len() >= 3, "{committees:?}");
    assert_eq!(actions_of(MEMBER), ["login.failed", "login", "logout"]);
    assert_eq!(actions_of(COUNTY_OVERSEER), ["login", "logout.everywhere"]);
}

/// The audit log's time and the roll's `created_at` are stamped by the
/// clock the suite and its server run on (the suite's day, not the
/// machine's): a replay on a stated day, and retention reckoned on it, read
/// the same day.
#[tokio::test]
async fn audit_rows_and_new_rows_are_stamped_on_the_servers_day() {
    let app = spawn_app().await;
    app.login(COMMITTEE, PASSWORD).await;
    let today_utc = jiff::Timestamp::from_second(now()).expect("a moment").to_string()[..10].to_string();
    let stamps: Vec<(String,)> = app
        .rows(
            "SELECT rfc3339(at) FROM audit_log WHERE action = 'login' UNION ALL \
             SELECT rfc3339(created_at) FROM households UNION ALL SELECT rfc3339(created_at) FROM members",
        )
        .await;
    assert!(stamps.len() >= 3, "a login, households and members: {stamps:?}");
    for (stamp,) in &stamps {
        assert!(stamp.starts_with(&today_utc), "{stamp} is on the server's day {today_utc}");
    }
}
