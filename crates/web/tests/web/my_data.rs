//! "Download my data": a member gets everything kept about them as one JSON
//! file; household ratings as their record shows them; nobody else's data.

use super::helpers::*;
use base64::Engine;
use reqwest::StatusCode;

#[tokio::test]
async fn a_member_downloads_everything_kept_about_them_and_nothing_about_others() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let by = f.accounts[COMMITTEE_2];
    // Two household ratings in one window (fewer than three: counts withheld)
    // and a claim with a photo.
    app.add_entries_in(f.last_year(), f.liang, "household.satisfied", by, "my-data-rating", 2).await;
    let client = app.login(MEMBER, PASSWORD).await;
    let csrf = app.csrf(&client).await;
    let claim =
        submitted_claim(&app.log_visit(&client, &csrf, f.liang_households[0], today(), "送去春联", Some(PNG)).await);
    app.add_entry(f.peng, "volunteer.cleanup", by, "someone-elses").await;

    let page = text(app.get(&client, "/me").await, StatusCode::OK).await;
    assert!(page.contains("href=\"/me/data\""), "my record offers the download");
    let response = app.get(&client, "/me/data").await;
    assert_eq!(response.status(), StatusCode::OK);
    let disposition = response.headers()["content-disposition"].to_str().unwrap().to_string();
    assert!(disposition.starts_with("attachment") && disposition.contains("starledger-my-data-"), "{disposition}");
    let data: serde_json::Value = serde_json::from_str(&response.text().await.unwrap()).expect("JSON");

    assert_eq!(data["member"]["name"], "梁小改");
    let accounts = data["accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 1);
    assert_eq!(accounts[0]["login"], MEMBER);
    // Every entry about her, apart from household ratings, and only hers.
    let mut ids: Vec<i64> = data["entries"].as_array().unwrap().iter().map(|e| e["id"].as_i64().unwrap()).collect();
    ids.sort_unstable();
    let mut expected = f.liang_entries.clone();
    expected.sort_unstable();
    assert_eq!(ids, expected, "her entries, nobody else's");
    // The ratings as her record shows them: two in a window, counts withheld.
    let windows = data["household_ratings"].as_array().unwrap();
    assert_eq!(windows.len(), 1, "{windows:?}");
    assert!(windows[0]["satisfied"].is_null(), "fewer than three: no counts");
    assert!(!data.to_string().contains("my-data-rating"), "no rating entry's details");
    // The claim, with its photo inside.
    let claims = data["claims"].as_array().unwrap();
    let found = claims.iter().find(|c| c["id"] == claim).expect("her claim");
    assert_eq!(found["note"], "送去春联");
    let photo = base64::engine::general_purpose::STANDARD.decode(found["file"]["base64"].as_str().unwrap()).unwrap();
    assert_eq!(photo, PNG);
    // What her account did, from the audit log (the claim at least).
    assert!(data["audit"].as_array().unwrap().iter().any(|a| a["login"] == MEMBER), "{}", data["audit"]);

    // An account with no member behind it has no such file.
    let auditor = app.login(AUDITOR, PASSWORD).await;
    assert_eq!(app.get(&auditor, "/me/data").await.status(), StatusCode::FORBIDDEN);
    assert!(location(&app.get(&app.client(), "/me/data").await).starts_with("/login"));
}
