//! Filing and withdrawing claims over the API (issue 16): a member about
//! their own work, as JSON or as a multipart form with a photo held to the
//! page's photo limit; only the claimant withdraws, while it waits.

use super::api::{answer, api, post, problem, token};
use super::api_resources::{keys, schema_fields};
use super::helpers::*;
use reqwest::{Response, StatusCode};
use serde_json::json;
use starledger_domain::org::MemberId;

async fn post_form(app: &TestApp, secret: &str, parts: &[Part<'_>]) -> Response {
    api()
        .post(app.url("/api/v1/claims"))
        .bearer_auth(secret)
        .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(multipart_body(parts))
        .send()
        .await
        .expect("answered")
}

#[tokio::test]
async fn a_member_files_a_claim_as_json_or_with_a_photo_and_withdraws_it() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let liang = token(&app, MEMBER, "record").await;
    let visit = json!({ "kind": "visit", "household_id": f.liang_households[0], "on": today().to_string(), "note": "走访了解情况" });
    let (status, filed) = answer(post(&app, &liang, "/api/v1/claims", None, &visit).await).await;
    assert_eq!(status, StatusCode::CREATED, "{filed}");
    assert_eq!(keys(&filed), schema_fields(&app, "Claim").await);
    assert_eq!(
        (
            filed["member_id"].as_i64().map(MemberId::new),
            filed["kind"].as_str(),
            filed["status"].as_str(),
            filed["photo"].as_bool()
        ),
        (Some(f.liang), Some("visit"), Some("pending"), Some(false))
    );
    let visit_id = filed["id"].as_i64().expect("an id");
    assert_eq!(app.claim_state(visit_id).await.0, "pending");

    // The study week with its screenshot, as a multipart form.
    let on = today().to_string();
    let parts =
        [Part::Text("kind", "study_week"), Part::Text("on", &on), Part::File("photo", "s.png", "image/png", PNG)];
    let (status, study) = answer(post_form(&app, &liang, &parts).await).await;
    assert_eq!(
        (status, study["photo"].as_bool(), study["kind"].as_str()),
        (StatusCode::CREATED, Some(true), Some("study_week")),
        "{study}"
    );
    let uploads = app.rows_in("uploads").await;
    assert_eq!(uploads, 1);

    // Past the page's photo limit (8 MB here): 413, nothing written.
    let before = app.written().await;
    let mut big = PNG.to_vec();
    big.resize(9 * 1024 * 1024, 0x5A);
    let household = f.liang_households[1].to_string();
    let parts = [
        Part::Text("kind", "visit"),
        Part::Text("household_id", &household),
        Part::Text("on", &on),
        Part::File("photo", "big.png", "image/png", &big),
    ];
    let body = problem(post_form(&app, &liang, &parts).await, StatusCode::PAYLOAD_TOO_LARGE, "payload.too_large").await;
    assert!(body["detail_zh"].as_str().is_some_and(|zh| zh.contains("8 MB")), "{body}");
    // Not an image; a bad kind; a bad date; a field unknown.
    let parts = [
        Part::Text("kind", "visit"),
        Part::Text("household_id", &household),
        Part::Text("on", &on),
        Part::File("photo", "x.png", "image/png", NOT_AN_IMAGE),
    ];
    let body = problem(post_form(&app, &liang, &parts).await, StatusCode::BAD_REQUEST, "invalid").await;
    assert!(body["detail_en"].as_str().is_some_and(|en| en.contains("photo")), "{body}");
    for (body, field) in [
        (json!({ "kind": "party", "on": on }), "kind"),
        (json!({ "kind": "study_week", "on": "June 3rd" }), "on"),
        (json!({ "kind": "study_week" }), "on"),
        (json!({ "kind": "study_week", "on": on, "points": 5 }), "points"),
    ] {
        let refused =
            problem(post(&app, &liang, "/api/v1/claims", None, &body).await, StatusCode::BAD_REQUEST, "invalid").await;
        assert!(refused["detail_en"].as_str().is_some_and(|en| en.contains(field)), "{field}: {refused}");
    }
    assert_eq!(app.written().await, before, "refusals write nothing");

    // Withdrawn by the claimant only, once.
    let path = format!("/api/v1/claims/{visit_id}/withdrawal");
    let hu = token(&app, BRANCH_SECRETARY, "record").await;
    problem(post(&app, &hu, &path, None, &json!({})).await, StatusCode::FORBIDDEN, "duty.refused").await;
    let reader = token(&app, AUDITOR, "read").await;
    problem(post(&app, &reader, &path, None, &json!({})).await, StatusCode::FORBIDDEN, "scope.insufficient").await;
    let (status, withdrawn) = answer(post(&app, &liang, &path, None, &json!({})).await).await;
    assert_eq!((status, withdrawn["status"].as_str()), (StatusCode::OK, Some("cancelled")), "{withdrawn}");
    assert_eq!(app.claim_state(visit_id).await.0, "cancelled");
    problem(post(&app, &liang, &path, None, &json!({})).await, StatusCode::CONFLICT, "refused").await;
}

#[tokio::test]
async fn claims_are_filed_only_by_a_member_about_their_own_work() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let on = today().to_string();
    let peng = token(&app, COMMITTEE, "record").await;
    let reader = token(&app, MEMBER, "read").await;
    let auditor = token(&app, AUDITOR, "read").await;
    let liang = token(&app, MEMBER, "record").await;
    let before = app.written().await;
    // Someone else's household; a read token; the auditor, who is no member; a day to come.
    let theirs = json!({ "kind": "visit", "household_id": f.liang_households[0], "on": on });
    problem(post(&app, &peng, "/api/v1/claims", None, &theirs).await, StatusCode::FORBIDDEN, "duty.refused").await;
    problem(post(&app, &reader, "/api/v1/claims", None, &theirs).await, StatusCode::FORBIDDEN, "scope.insufficient")
        .await;
    problem(post(&app, &auditor, "/api/v1/claims", None, &theirs).await, StatusCode::FORBIDDEN, "scope.insufficient")
        .await;
    let tomorrow = (today() + jiff::Span::new().days(1)).to_string();
    let later = json!({ "kind": "visit", "household_id": f.liang_households[0], "on": tomorrow });
    let body = problem(post(&app, &liang, "/api/v1/claims", None, &later).await, StatusCode::CONFLICT, "refused").await;
    assert!(body["detail_zh"].as_str().is_some_and(|zh| zh.contains("将来")), "{body}");
    assert_eq!(app.written().await, before, "refusals write nothing");
    // A member's own household is theirs to claim.
    let own = json!({ "kind": "visit", "household_id": f.peng_household, "on": on, "note": "送去了慰问品" });
    let (status, filed) = answer(post(&app, &peng, "/api/v1/claims", None, &own).await).await;
    assert_eq!(
        (status, filed["member_id"].as_i64().map(MemberId::new)),
        (StatusCode::CREATED, Some(f.peng)),
        "{filed}"
    );
}

#[tokio::test]
async fn a_claim_retried_with_its_key_is_filed_once_and_a_key_is_not_required() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let liang = token(&app, MEMBER, "record").await;
    let visit = json!({ "kind": "visit", "household_id": f.liang_households[0], "on": today().to_string(), "note": "入户走访" });

    // A phone on a weak network sends the same claim twice with its key: one claim.
    let first = post(&app, &liang, "/api/v1/claims", Some("visit-1"), &visit).await;
    let (status, filed) = answer(first).await;
    assert_eq!(status, StatusCode::CREATED, "{filed}");
    let again = post(&app, &liang, "/api/v1/claims", Some("visit-1"), &visit).await;
    assert_eq!(again.headers().get("idempotent-replayed").and_then(|v| v.to_str().ok()), Some("true"));
    assert_eq!(answer(again).await, (StatusCode::CREATED, filed.clone()));
    assert_eq!(app.rows_in("claims").await, 1, "filed once");

    // The same key for another claim is refused, and files nothing.
    let other =
        json!({ "kind": "visit", "household_id": f.liang_households[0], "on": today().to_string(), "note": "另一次" });
    problem(
        post(&app, &liang, "/api/v1/claims", Some("visit-1"), &other).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency.key_reused",
    )
    .await;
    assert_eq!(app.rows_in("claims").await, 1);

    // A form with a photo: the same content under the same key is the same claim.
    let on = today().to_string();
    let parts =
        [Part::Text("kind", "study_week"), Part::Text("on", &on), Part::File("photo", "s.png", "image/png", PNG)];
    let send = || {
        api()
            .post(app.url("/api/v1/claims"))
            .bearer_auth(&liang)
            .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
            .header("Idempotency-Key", "week-1")
            .body(multipart_body(&parts))
            .send()
    };
    let (status, study) = answer(send().await.expect("answered")).await;
    assert_eq!(status, StatusCode::CREATED, "{study}");
    assert_eq!(answer(send().await.expect("answered")).await, (StatusCode::CREATED, study));
    assert_eq!((app.rows_in("claims").await, app.rows_in("uploads").await), (2, 1));

    // Without a key, as before: each request files (here a second visit).
    let (status, _) = answer(post(&app, &liang, "/api/v1/claims", None, &other).await).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(app.rows_in("claims").await, 3);
}
