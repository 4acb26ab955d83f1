//! The API's volunteer-service writes (issue 16): a member signs up and
//! cancels for themselves, the organizer confirms who served, through the
//! use cases the activity pages call; nobody confirms themselves or a
//! relative, a secretary only their branch; a confirmation carries an
//! `Idempotency-Key` and records once, concurrent retries included.

use super::api::{answer, post, problem, token};
use super::api_resources::{keys, schema_fields};
use super::api_reviews::{at_once, relatives};
use super::helpers::*;
use reqwest::StatusCode;
use serde_json::json;
use starledger_domain::org::MemberId;

const CLEANUP: &str = "volunteer.cleanup";

#[tokio::test]
async fn members_sign_up_for_themselves_and_the_organizer_confirms_once() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let committee = app.login(COMMITTEE_2, PASSWORD).await;
    let id = app.publish_service(&committee, CLEANUP, 60, 120).await;
    let path = format!("/api/v1/activities/{id}/answer");
    let sign_up = json!({ "answer": "sign_up" });

    // 梁小改 signs up, cancels, and signs up again; 胡国强 and 彭雅丽 sign up.
    let liang = token(&app, MEMBER, "record").await;
    let (status, signed) = answer(post(&app, &liang, &path, None, &sign_up).await).await;
    assert_eq!(status, StatusCode::OK, "{signed}");
    assert_eq!(keys(&signed), schema_fields(&app, "SignUp").await);
    assert_eq!(
        (signed["member_id"].as_i64().map(MemberId::new), signed["signed_up"].as_bool()),
        (Some(f.liang), Some(true))
    );
    let (_, cancelled) = answer(post(&app, &liang, &path, None, &json!({ "answer": "cancel" })).await).await;
    assert_eq!((cancelled["signed_up"].as_bool(), cancelled["signed_up_count"].as_i64()), (Some(false), Some(0)));
    answer(post(&app, &liang, &path, None, &sign_up).await).await;
    let hu = token(&app, BRANCH_SECRETARY, "record").await;
    let peng = token(&app, COMMITTEE, "record").await;
    for secret in [&hu, &peng] {
        assert_eq!(post(&app, secret, &path, None, &sign_up).await.status(), StatusCode::OK);
    }
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM activity_signups WHERE activity_id = {id}")).await, 3);

    // Confirming before the start is refused; then the activity starts.
    let confirm = format!("/api/v1/activities/{id}/confirmation");
    let zhao = token(&app, COMMITTEE_2, "record").await;
    let all = json!({ "member_ids": [f.liang, f.hu, f.peng] });
    problem(post(&app, &zhao, &confirm, Some("early"), &all).await, StatusCode::CONFLICT, "refused").await;
    app.reschedule_service(id, -30, 90).await;
    // Answering after the start is refused.
    problem(post(&app, &liang, &path, None, &json!({ "answer": "cancel" })).await, StatusCode::CONFLICT, "refused")
        .await;

    // Eight retries at once: three entries, one answer.
    let ledger = app.ledger_rows().await;
    let answers = at_once(&app, &zhao, &confirm, "served-1", &all, 8).await;
    assert!(answers.iter().all(|a| *a == answers[0]), "{answers:?}");
    let (status, confirmed) = &answers[0];
    assert_eq!(*status, StatusCode::OK, "{confirmed}");
    assert_eq!(keys(confirmed), schema_fields(&app, "ServiceConfirmed").await);
    let credited: Vec<MemberId> = confirmed["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["member_id"].as_i64().map(MemberId::new).expect("id"))
        .collect();
    assert_eq!(credited, [f.liang, f.hu, f.peng]);
    assert_eq!(confirmed["items"][0]["points"], "2", "{confirmed}");
    assert_eq!(app.ledger_rows().await, ledger + 3, "eight retries recorded once");
    let audit = app.work(COMMITTEE_2).await;
    assert_eq!(audit.iter().filter(|a| *a == "activity.confirm").count(), 1, "{audit:?}");

    // Confirmed is confirmed: a new key credits nobody twice.
    let (status, again) = answer(post(&app, &zhao, &confirm, Some("served-2"), &all).await).await;
    assert_eq!((status, again["items"].clone()), (StatusCode::OK, json!([])), "{again}");
    assert_eq!(app.ledger_rows().await, ledger + 3);
}

#[tokio::test]
async fn answers_and_confirmations_are_refused_to_the_wrong_accounts_and_bad_bodies() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let committee = app.login(COMMITTEE_2, PASSWORD).await;
    let id = app.publish_service(&committee, CLEANUP, 60, 120).await;
    let path = format!("/api/v1/activities/{id}/answer");
    let sign_up = json!({ "answer": "sign_up" });
    for login in [MEMBER, COMMITTEE, BRANCH_SECRETARY] {
        let client = app.login(login, PASSWORD).await;
        app.join_service(&client, id).await;
    }
    let reader = token(&app, MEMBER, "read").await;
    let auditor = token(&app, AUDITOR, "read").await;
    let liang = token(&app, MEMBER, "record").await;
    let hu = token(&app, BRANCH_SECRETARY, "record").await;
    let before = app.written().await;

    // A read token answers nothing (the auditor's can be no other); an answer is sign_up or cancel.
    for secret in [&reader, &auditor] {
        problem(post(&app, secret, &path, None, &sign_up).await, StatusCode::FORBIDDEN, "scope.insufficient").await;
    }
    let body = problem(
        post(&app, &liang, &path, None, &json!({ "answer": "maybe" })).await,
        StatusCode::BAD_REQUEST,
        "invalid",
    )
    .await;
    assert!(body["detail_en"].as_str().is_some_and(|en| en.contains("answer")), "{body}");
    assert_eq!(app.written().await, before);

    app.reschedule_service(id, -30, 90).await;
    let confirm = format!("/api/v1/activities/{id}/confirmation");
    let before = app.written().await;
    // A member confirms nothing; the secretary not himself, nor another branch's member.
    let body = problem(
        post(&app, &liang, &confirm, Some("m"), &json!({ "member_ids": [f.liang] })).await,
        StatusCode::FORBIDDEN,
        "duty.refused",
    )
    .await;
    assert!(body["detail_zh"].as_str().is_some_and(|zh| zh.contains("确认服务")), "{body}");
    for member in [f.hu, f.peng] {
        let body = json!({ "member_ids": [f.liang, member] });
        problem(
            post(&app, &hu, &confirm, Some(&format!("h{member}")), &body).await,
            StatusCode::FORBIDDEN,
            "duty.refused",
        )
        .await;
    }
    // Bad bodies name their field.
    for (body, field) in [(json!({ "member_ids": [] }), "member_ids"), (json!({ "members": [f.liang] }), "members")] {
        let refused =
            problem(post(&app, &hu, &confirm, Some("bad"), &body).await, StatusCode::BAD_REQUEST, "invalid").await;
        assert!(refused["detail_en"].as_str().is_some_and(|en| en.contains(field)), "{refused}");
    }
    assert_eq!(app.written().await, before, "refusals write nothing");

    // A relative is recused, on the API as on the page.
    relatives(&app, f.hu, f.liang).await;
    let ledger = app.ledger_rows().await;
    let body = problem(
        post(&app, &hu, &confirm, Some("rel"), &json!({ "member_ids": [f.liang] })).await,
        StatusCode::FORBIDDEN,
        "duty.refused",
    )
    .await;
    assert!(body["detail_zh"].as_str().is_some_and(|zh| zh.contains("回避")), "{body}");
    assert_eq!(app.ledger_rows().await, ledger);
}
