//! The API's household writes (issue 16): adding and editing a household
//! and linking it to a member, through the use cases of the roll and
//! households pages: the committee only, the head's phone answered masked,
//! the linking rules of the rulebook.

use super::api::{answer, api, post, problem, token};
use super::api_resources::{keys, schema_fields};
use super::helpers::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use starledger_domain::org::MemberId;

async fn patch(app: &TestApp, secret: &str, path: &str, body: &Value) -> reqwest::Response {
    api()
        .patch(app.url(path))
        .bearer_auth(secret)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .expect("answered")
}

/// The committee's audited household work.
async fn households_work(app: &TestApp) -> Vec<String> {
    let peng = format!("account:{} ", app.fixture.accounts[COMMITTEE]);
    let audit = app.audit_log().await.into_iter();
    audit
        .filter(|(actor, action, _)| actor.starts_with(&peng) && action.starts_with("household."))
        .map(|row| row.1)
        .collect()
}

#[tokio::test]
async fn the_committee_adds_and_edits_a_household_and_its_phone_stays_masked() {
    let app = spawn_app().await;
    let peng = token(&app, COMMITTEE, "record").await;
    let new = json!({ "address": "南街9号", "head_name": "李四", "phone": "13800001111" });
    let response = post(&app, &peng, "/api/v1/households", None, &new).await;
    let (status, added) = answer(response).await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    assert_eq!(keys(&added), schema_fields(&app, "Household").await);
    assert_eq!(
        (added["address"].as_str(), added["head_name"].as_str(), added["head_phone_masked"].as_str()),
        (Some("南街9号"), Some("李四"), Some("138****1111"))
    );
    assert!(!added.to_string().contains("13800001111"), "never the whole phone: {added}");
    let id = added["id"].as_i64().expect("an id");
    assert_eq!(app.text_of(&format!("SELECT phone FROM households WHERE id = {id}")).await, "13800001111");

    // A field left out stays; null removes the phone; the head is renamed.
    let path = format!("/api/v1/households/{id}");
    let (status, edited) = answer(patch(&app, &peng, &path, &json!({ "head_name": "李五" })).await).await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(
        (edited["address"].as_str(), edited["head_phone_masked"].as_str()),
        (Some("南街9号"), Some("138****1111"))
    );
    assert_eq!(edited["head_name"], "李五");
    let (_, edited) = answer(patch(&app, &peng, &path, &json!({ "phone": null })).await).await;
    assert_eq!(edited["head_phone_masked"], Value::Null, "{edited}");
    assert_eq!(households_work(&app).await, ["household.add", "household.edit", "household.edit"]);

    // Bad bodies name their field; an address already on the roll is refused.
    let before = app.written().await;
    for (body, field) in [
        (json!({ "address": "" }), "address"),
        (json!({ "head_name": "李四" }), "address"),
        (json!({ "address": "南街10号", "phone": "12345" }), "phone"),
        (json!({ "address": "南街10号", "mobile": "13800001111" }), "mobile"),
    ] {
        let refused =
            problem(post(&app, &peng, "/api/v1/households", None, &body).await, StatusCode::BAD_REQUEST, "invalid")
                .await;
        assert!(refused["detail_en"].as_str().is_some_and(|en| en.contains(field)), "{field}: {refused}");
    }
    let body =
        problem(patch(&app, &peng, &path, &json!({ "address": "东街1号" })).await, StatusCode::CONFLICT, "refused")
            .await;
    assert!(body["detail_zh"].as_str().is_some_and(|zh| zh.contains("东街1号")), "{body}");
    assert_eq!(app.written().await, before, "refusals write nothing");
}

#[tokio::test]
async fn only_the_committee_writes_households_and_links_keep_the_rules() {
    let app = spawn_app_with_neighbour().await;
    let f = &app.fixture;
    let new = json!({ "address": "南街9号" });
    let path = format!("/api/v1/households/{}", f.unlinked_household);
    let link = |member: MemberId| json!({ "links": [{ "household_id": f.unlinked_household, "member_id": member }] });
    let reader = token(&app, COMMITTEE, "read").await;
    let others = [token(&app, BRANCH_SECRETARY, "record").await, token(&app, MEMBER, "record").await];
    let wuli = token(&app, NEIGHBOUR_COMMITTEE, "record").await;
    let peng = token(&app, COMMITTEE, "record").await;
    let before = app.written().await;

    // A read token, a branch secretary, a member; another community's committee finds nothing.
    problem(post(&app, &reader, "/api/v1/households", None, &new).await, StatusCode::FORBIDDEN, "scope.insufficient")
        .await;
    for secret in &others {
        problem(post(&app, secret, "/api/v1/households", None, &new).await, StatusCode::FORBIDDEN, "duty.refused")
            .await;
        problem(patch(&app, secret, &path, &new).await, StatusCode::FORBIDDEN, "duty.refused").await;
        let linked = post(&app, secret, "/api/v1/households/links", None, &link(f.liang)).await;
        problem(linked, StatusCode::FORBIDDEN, "duty.refused").await;
    }
    problem(patch(&app, &wuli, &path, &new).await, StatusCode::NOT_FOUND, "not_found").await;
    problem(
        post(&app, &wuli, "/api/v1/households/links", None, &link(f.liang)).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_eq!(app.written().await, before, "refusals write nothing");

    // The committee links the unlinked household to 梁小改; 王德福 links none.
    let refused = problem(
        post(&app, &peng, "/api/v1/households/links", None, &link(f.wang)).await,
        StatusCode::CONFLICT,
        "refused",
    )
    .await;
    assert!(refused["detail_zh"].as_str().is_some_and(|zh| zh.contains("王德福")), "{refused}");
    let body = json!({ "links": [{ "household_id": f.unlinked_household }] });
    let refused =
        problem(post(&app, &peng, "/api/v1/households/links", None, &body).await, StatusCode::BAD_REQUEST, "invalid")
            .await;
    assert!(refused["detail_en"].as_str().is_some_and(|en| en.contains("member_id")), "{refused}");
    assert_eq!(app.written().await, before);
    let (status, linked) = answer(post(&app, &peng, "/api/v1/households/links", None, &link(f.liang)).await).await;
    assert_eq!(status, StatusCode::OK, "{linked}");
    assert_eq!(keys(&linked), schema_fields(&app, "HouseholdsLinked").await);
    assert_eq!(
        (linked["changed"].as_i64(), linked["items"][0]["member_id"].as_i64().map(MemberId::new)),
        (Some(1), Some(f.liang))
    );
    assert_eq!(linked["items"][0]["branch_id"].as_i64(), Some(f.branch1.get()));
    // Relinked to 彭雅丽; the same link again changes nothing.
    let (_, relinked) = answer(post(&app, &peng, "/api/v1/households/links", None, &link(f.peng)).await).await;
    assert_eq!(
        (relinked["changed"].as_i64(), relinked["items"][0]["member_id"].as_i64().map(MemberId::new)),
        (Some(1), Some(f.peng))
    );
    let (_, same) = answer(post(&app, &peng, "/api/v1/households/links", None, &link(f.peng)).await).await;
    assert_eq!(same["changed"], 0);
    assert_eq!(households_work(&app).await, ["household.link", "household.link"]);
}

#[tokio::test]
async fn a_household_added_again_with_its_key_is_added_once() {
    let app = spawn_app().await;
    let peng = token(&app, COMMITTEE, "record").await;
    let households = app.rows_in("households").await;
    let new = json!({ "address": "西街3号", "head_name": "王五" });
    let (status, added) = answer(post(&app, &peng, "/api/v1/households", Some("add-xijie-3"), &new).await).await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    let again = post(&app, &peng, "/api/v1/households", Some("add-xijie-3"), &new).await;
    assert_eq!(again.headers().get("idempotent-replayed").and_then(|v| v.to_str().ok()), Some("true"));
    assert_eq!(answer(again).await, (StatusCode::CREATED, added));
    assert_eq!(app.rows_in("households").await, households + 1, "added once");
    // A header that is there must be a key.
    let long = "k".repeat(201);
    problem(
        post(&app, &peng, "/api/v1/households", Some(&long), &new).await,
        StatusCode::BAD_REQUEST,
        "idempotency.key_missing",
    )
    .await;
    assert_eq!(app.rows_in("households").await, households + 1);
}
