//! Evidence (/uploads/{id}): a claim's photo or screenshot is shown to the
//! member who uploaded it, the committee, the auditor and the secretary of
//! the claimant's branch, as what its bytes are and never sniffed; to no one
//! else.

use super::helpers::*;
use reqwest::{Client, StatusCode, header};

async fn upload_of(app: &TestApp, claim: i64) -> i64 {
    app.count(&format!("SELECT upload_id FROM claims WHERE id = {claim}")).await
}

async fn assert_shown(app: &TestApp, client: &Client, upload: i64, content_type: &str, bytes: &[u8], who: &str) {
    let response = app.get(client, &format!("/uploads/{upload}")).await;
    assert_eq!(response.status(), StatusCode::OK, "{who} sees upload {upload}");
    let headers = response.headers().clone();
    assert_eq!(headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()), Some(content_type), "{who}");
    assert_eq!(headers.get(header::X_CONTENT_TYPE_OPTIONS).and_then(|v| v.to_str().ok()), Some("nosniff"), "{who}");
    let cache = headers.get(header::CACHE_CONTROL).and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(cache.starts_with("private"), "evidence is not cached by proxies: {cache}");
    assert_eq!(response.bytes().await.expect("the bytes").as_ref(), bytes, "{who} gets the bytes as uploaded");
}

#[tokio::test]
async fn evidence_is_shown_to_the_uploader_the_reviewers_and_the_auditor() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let member = app.login(MEMBER, PASSWORD).await;
    let photo = upload_of(&app, app.visit_claim(&member, f.liang_households[0], Some(PNG)).await).await;
    let screenshot = upload_of(&app, app.study_claim(&member, JPEG).await).await;

    for who in [MEMBER, COMMITTEE, COMMITTEE_2, AUDITOR, BRANCH_SECRETARY] {
        let client = if who == MEMBER { member.clone() } else { app.login(who, PASSWORD).await };
        assert_shown(&app, &client, photo, "image/png", PNG, who).await;
        assert_shown(&app, &client, screenshot, "image/jpeg", JPEG, who).await;
    }
    // Looking writes nothing.
    assert_eq!(app.rows_in("uploads").await, 2);
}

#[tokio::test]
async fn evidence_is_hidden_from_other_members_and_other_branches() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let member = app.login(MEMBER, PASSWORD).await;
    let photo = upload_of(&app, app.visit_claim(&member, f.liang_households[0], Some(PNG)).await).await;
    // 彭雅丽's screenshot, of branch 2.
    let committee = app.login(COMMITTEE, PASSWORD).await;
    let pengs = upload_of(&app, app.study_claim(&committee, PNG).await).await;

    app.add_member_account(f.branch1, "邓小平", "deng").await;
    app.add_member_account(f.branch2, "孙二", "sun").await;
    app.add_branch_secretary(f.branch2, "曹书记", "cao").await;
    for who in ["deng", "sun", "cao"] {
        let client = app.login(who, PASSWORD).await;
        let response = app.get(&client, &format!("/uploads/{photo}")).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{who} sees 梁小改's photo");
        assert_ne!(response.bytes().await.expect("a body").as_ref(), PNG);
    }
    // Branch 1's secretary does not see branch 2's evidence; its own claimant does not see another's.
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    text(app.get(&secretary, &format!("/uploads/{pengs}")).await, StatusCode::FORBIDDEN).await;
    text(app.get(&member, &format!("/uploads/{pengs}")).await, StatusCode::FORBIDDEN).await;
    // Branch 2's secretary does.
    let other = app.login("cao", PASSWORD).await;
    assert_shown(&app, &other, pengs, "image/png", PNG, "cao").await;

    // Unknown, and signed out.
    text(app.get(&member, "/uploads/999999").await, StatusCode::NOT_FOUND).await;
    assert_redirect(&app.get(&app.client(), &format!("/uploads/{photo}")).await, "/login");
}

#[tokio::test]
async fn evidence_of_another_community_is_not_found() {
    let app = spawn_app_with_neighbour().await;
    let member = app.login(MEMBER, PASSWORD).await;
    let photo = upload_of(&app, app.visit_claim(&member, app.fixture.liang_households[0], Some(PNG)).await).await;
    let neighbour = app.login(NEIGHBOUR_COMMITTEE, PASSWORD).await;
    text(app.get(&neighbour, &format!("/uploads/{photo}")).await, StatusCode::NOT_FOUND).await;
}

/// Issue 17, item 8: one member stored 29 MB in four requests, all
/// withdrawn. Three full-size photos in thirty days, withdrawn ones counted
/// (their files stay): the fourth is refused and nothing is written.
#[tokio::test]
async fn uploads_are_bounded_per_member() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let member = app.login(MEMBER, PASSWORD).await;
    let mut big = PNG.to_vec();
    big.resize(7 * 1024 * 1024 + 512 * 1024, 0);
    for household in &f.liang_households[..3] {
        let claim = app.visit_claim(&member, *household, Some(&big)).await;
        let csrf = app.csrf(&member).await;
        assert_redirect(&app.post(&member, &format!("/claims/{claim}/cancel"), &[("csrf", &csrf)]).await, "/claims");
    }
    let before = app.written().await;
    let csrf = app.csrf(&member).await;
    let response = app.log_visit(&member, &csrf, f.liang_households[3], today(), "走访", Some(&big)).await;
    let page = text(response, StatusCode::CONFLICT).await;
    assert!(page.contains("photo") && page.contains("24 MB"), "{page}");
    assert_eq!(app.written().await, before, "nothing was written");
    // The control: another member uploads as before.
    let committee = app.login(COMMITTEE, PASSWORD).await;
    app.study_claim(&committee, PNG).await;
}
