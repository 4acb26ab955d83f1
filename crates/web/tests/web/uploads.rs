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
    assert!(page.contains("照片") && page.contains("24 MB"), "{page}");
    assert_eq!(app.written().await, before, "nothing was written");
    // The control: another member uploads as before.
    let committee = app.login(COMMITTEE, PASSWORD).await;
    app.study_claim(&committee, PNG).await;
}

/// Issue 14, item 2: a photo straight from a phone (12 MB here, past the
/// 8 MB kept) sent by a browser that did not shrink it. The form comes back
/// with why, in Chinese, and with what was typed (the household, the date,
/// the note); nothing is written. A photo within the limit is taken.
#[tokio::test]
async fn a_photo_past_the_limit_brings_the_form_back_with_what_was_typed() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let member = app.login(MEMBER, PASSWORD).await;
    let mut phone_photo = PNG.to_vec();
    phone_photo.resize(12 * 1024 * 1024, 0x5A);
    let household = f.liang_households[2];
    let date = today() - jiff::Span::new().days(2);
    let note = "给王大爷送了降压药，并帮他预约了社区医生。";
    let before = app.written().await;
    let csrf = app.csrf(&member).await;
    let response = app.log_visit(&member, &csrf, household, date, note, Some(&phone_photo)).await;
    let page = text(response, StatusCode::PAYLOAD_TOO_LARGE).await;
    assert_eq!(app.written().await, before, "nothing was written");
    assert!(page.contains("data-testid=\"photo-too-large\""), "{page}");
    assert!(page.contains("照片超过 8 MB") && page.contains("已保留"), "said in Chinese: {page}");
    assert!(!page.contains("Bad request") && !page.contains("Error parsing"), "no parser's English: {page}");
    assert!(page.contains(&format!(">{note}</textarea>")), "the note is kept: {page}");
    assert!(page.contains(&format!("<option value=\"{household}\" selected>")), "the household is kept: {page}");
    assert!(page.contains(&format!("value=\"{date}\"")), "the date is kept: {page}");
    assert!(page.contains("照片最大 8 MB"), "the forms state the limit: {page}");

    // The same form with a photo the browser shrank is taken.
    let mut shrunk = PNG.to_vec();
    shrunk.resize(900 * 1024, 0x5A);
    let csrf = app.csrf(&member).await;
    let response = app.log_visit(&member, &csrf, household, date, note, Some(&shrunk)).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "a shrunk photo is taken");
    let claim = app.last_claim().await;
    assert_eq!(app.text_of(&format!("SELECT note FROM claims WHERE id = {claim}")).await, note);
}
