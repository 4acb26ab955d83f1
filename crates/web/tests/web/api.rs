//! The JSON API (/api/v1, docs/api.md): personal tokens made and revoked on
//! /me/tokens, scopes, the same duty checks as the pages, cursor pages,
//! idempotent writes (concurrent retries included), problems in both
//! languages, and an OpenAPI document that matches the routes served.

use super::helpers::*;
use reqwest::{Client, Method, Response, StatusCode};
use serde_json::{Value, json};
use starledger_domain::org::MemberId;
use std::collections::BTreeSet;

/// Makes a token on `login`'s tokens page, as its owner does; its secret.
pub(super) async fn token(app: &TestApp, login: &str, scope: &str) -> String {
    let client = app.login(login, PASSWORD).await;
    let csrf = app.csrf(&client).await;
    let response =
        app.post(&client, "/me/tokens", &[("csrf", &csrf), ("name", "考勤机"), ("scope", scope), ("days", "30")]).await;
    secret_of(&text(response, StatusCode::CREATED).await)
}

fn secret_of(html: &str) -> String {
    let marker = "<code data-token>";
    let start = html.find(marker).unwrap_or_else(|| panic!("no token shown in:\n{html}")) + marker.len();
    let end = html[start..].find('<').expect("the token ends");
    html[start..start + end].to_string()
}

pub(super) fn api() -> Client {
    Client::builder().no_proxy().build().expect("a client")
}

pub(super) async fn get(app: &TestApp, secret: &str, path: &str) -> Response {
    api().get(app.url(path)).bearer_auth(secret).send().await.expect("answered")
}

pub(super) async fn post(app: &TestApp, secret: &str, path: &str, key: Option<&str>, body: &Value) -> Response {
    let request =
        api().post(app.url(path)).bearer_auth(secret).header("content-type", "application/json").body(body.to_string());
    let request = match key {
        Some(key) => request.header("Idempotency-Key", key),
        None => request,
    };
    request.send().await.expect("answered")
}

/// The status and JSON body of an answer.
pub(super) async fn answer(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    let body = response.text().await.expect("a body");
    let value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"));
    (status, value)
}

/// Asserts a problem: its status, content type and code; its body.
pub(super) async fn problem(response: Response, status: StatusCode, code: &str) -> Value {
    let kind = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let (got, body) = answer(response).await;
    assert_eq!((got, body["code"].as_str()), (status, Some(code)), "{body}");
    assert_eq!(kind, "application/problem+json");
    assert_eq!(body["status"], json!(status.as_u16()));
    for field in ["type", "title", "detail_zh", "detail_en"] {
        assert!(body[field].as_str().is_some_and(|s| !s.is_empty()), "{field} in {body}");
    }
    body
}

fn lecture(member: MemberId) -> Value {
    json!({ "member_id": member, "rule": "meeting.lecture", "on": today().to_string(), "reference": "签到表 第3页" })
}

#[tokio::test]
async fn a_token_is_shown_once_kept_as_a_hash_and_works_until_revoked() {
    let app = spawn_app().await;
    let client = app.login(COMMITTEE, PASSWORD).await;
    let csrf = app.csrf(&client).await;

    // Without the form's token nothing is made.
    let forged =
        app.post(&client, "/me/tokens", &[("csrf", "x"), ("name", "a"), ("scope", "read"), ("days", "9")]).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    // A year at most.
    let long =
        app.post(&client, "/me/tokens", &[("csrf", &csrf), ("name", "a"), ("scope", "read"), ("days", "366")]).await;
    assert_eq!(long.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.count("SELECT COUNT(*) FROM api_tokens").await, 0);

    let made = app
        .post(&client, "/me/tokens", &[("csrf", &csrf), ("name", "考勤机"), ("scope", "read"), ("days", "30")])
        .await;
    let secret = secret_of(&text(made, StatusCode::CREATED).await);
    assert!(secret.starts_with("slt_") && secret.len() > 60, "{secret}");
    // Only the hash is kept, and the page does not show the secret again.
    let hash = starledger_web::security::sha256_hex(&secret);
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM api_tokens WHERE secret_sha256 = '{hash}'")).await, 1);
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM api_tokens WHERE secret_sha256 = '{secret}'")).await, 0);
    let listed = text(app.get(&client, "/me/tokens").await, StatusCode::OK).await;
    assert!(listed.contains("考勤机") && !listed.contains(&secret));
    let actor = format!("account:{} ", app.fixture.accounts[COMMITTEE]);
    assert!(app.audit_log().await.iter().any(|(a, action, _)| a.starts_with(&actor) && action == "api_token.create"));

    let (status, _) = answer(get(&app, &secret, "/api/v1/members").await).await;
    assert_eq!(status, StatusCode::OK);
    assert!(app.count("SELECT COUNT(*) FROM api_tokens WHERE last_used_at IS NOT NULL").await == 1);
    // The scheme's name is case-insensitive.
    let lower = api().get(app.url("/api/v1/members")).header("authorization", format!("bearer {secret}"));
    assert_eq!(lower.send().await.expect("answered").status(), StatusCode::OK);

    // No token, a wrong one, and a session cookie are all not a token.
    let none = api().get(app.url("/api/v1/members")).send().await.expect("answered");
    assert_eq!(none.headers().get("www-authenticate").and_then(|v| v.to_str().ok()), Some("Bearer"));
    problem(none, StatusCode::UNAUTHORIZED, "auth.missing_token").await;
    problem(get(&app, "slt_0000", "/api/v1/members").await, StatusCode::UNAUTHORIZED, "auth.invalid_token").await;
    problem(app.get(&client, "/api/v1/members").await, StatusCode::UNAUTHORIZED, "auth.missing_token").await;

    // Another account cannot revoke it; its owner can, and then it is dead.
    let id = app.count("SELECT MAX(id) FROM api_tokens").await;
    let other = app.login(COMMITTEE_2, PASSWORD).await;
    let other_csrf = app.csrf(&other).await;
    let refused = app.post(&other, &format!("/me/tokens/{id}/revoke"), &[("csrf", &other_csrf)]).await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    assert_eq!(answer(get(&app, &secret, "/api/v1/members").await).await.0, StatusCode::OK);
    assert_redirect(&app.post(&client, &format!("/me/tokens/{id}/revoke"), &[("csrf", &csrf)]).await, "/me/tokens");
    problem(get(&app, &secret, "/api/v1/members").await, StatusCode::UNAUTHORIZED, "auth.invalid_token").await;
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    let app = spawn_app().await;
    let secret = "slt_expired-token-of-the-test";
    let hash = starledger_web::security::sha256_hex(secret);
    let mut tx = app.store.write().await.expect("a write");
    let account = app.fixture.accounts[COMMITTEE];
    tx.add_api_token(account, "old", "read", &hash, now() - 31 * 86_400, now() - 1).await.expect("a token");
    tx.commit().await.expect("committed");
    problem(get(&app, secret, "/api/v1/members").await, StatusCode::UNAUTHORIZED, "auth.invalid_token").await;
}

#[tokio::test]
async fn an_auditor_gets_read_tokens_only_and_a_read_token_cannot_record() {
    let app = spawn_app().await;
    let client = app.login(AUDITOR, PASSWORD).await;
    let csrf = app.csrf(&client).await;
    let page = text(app.get(&client, "/me/tokens").await, StatusCode::OK).await;
    assert!(!page.contains("value=\"record\""), "an auditor is not offered the record scope");
    let asked =
        app.post(&client, "/me/tokens", &[("csrf", &csrf), ("name", "x"), ("scope", "record"), ("days", "9")]).await;
    assert_eq!(asked.status(), StatusCode::CONFLICT);
    assert_eq!(app.count("SELECT COUNT(*) FROM api_tokens").await, 0);

    let ledger = app.ledger_rows().await;
    let read = token(&app, COMMITTEE, "read").await;
    let refused = post(&app, &read, "/api/v1/entries", Some("k1"), &lecture(app.fixture.liang)).await;
    problem(refused, StatusCode::FORBIDDEN, "scope.insufficient").await;
    assert_eq!(app.ledger_rows().await, ledger);
}

#[tokio::test]
async fn the_api_refuses_what_the_pages_refuse_with_the_same_reason() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let ledger = app.ledger_rows().await;
    // 彭雅丽 cannot record about herself.
    let peng = token(&app, COMMITTEE, "record").await;
    let body = problem(
        post(&app, &peng, "/api/v1/entries", Some("self"), &lecture(f.peng)).await,
        StatusCode::FORBIDDEN,
        "duty.refused",
    )
    .await;
    assert_eq!(body["detail_zh"], "您是本人，不能为自己记入、冲销或审核积分。", "{body}");
    // The secretary of branch 1 cannot record about branch 2.
    let hu = token(&app, BRANCH_SECRETARY, "record").await;
    let body = problem(
        post(&app, &hu, "/api/v1/entries", Some("other"), &lecture(f.zeng)).await,
        StatusCode::FORBIDDEN,
        "duty.refused",
    )
    .await;
    assert_eq!(body["detail_zh"], "您是其他支部的书记，只能处理本支部党员的事项。", "{body}");
    // A member records nothing, and reads no roll.
    let liang = token(&app, MEMBER, "record").await;
    problem(
        post(&app, &liang, "/api/v1/entries", Some("m"), &lecture(f.hu)).await,
        StatusCode::FORBIDDEN,
        "duty.refused",
    )
    .await;
    problem(get(&app, &liang, "/api/v1/members").await, StatusCode::FORBIDDEN, "role.forbidden").await;
    problem(get(&app, &liang, "/api/v1/entries").await, StatusCode::FORBIDDEN, "role.forbidden").await;
    // A refusal of the rules: a day in the future.
    let future = json!({ "member_id": f.liang, "rule": "meeting.lecture", "on": today().tomorrow().unwrap().to_string(), "reference": "x" });
    problem(post(&app, &peng, "/api/v1/entries", Some("f"), &future).await, StatusCode::CONFLICT, "refused").await;
    problem(
        post(&app, &peng, "/api/v1/entries", Some("b"), &json!({ "member": 1 })).await,
        StatusCode::BAD_REQUEST,
        "invalid",
    )
    .await;
    assert_eq!(app.ledger_rows().await, ledger, "no refusal wrote anything");
}

#[tokio::test]
async fn lists_come_in_cursor_pages_with_filters_and_masked_phones() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let secret = token(&app, AUDITOR, "read").await;
    let year = f.year.get();

    // Every entry of the year, two at a time, in id order, once each.
    let every: Vec<i64> = app
        .rows::<(i64,)>(&format!(
            "SELECT id FROM ledger_entries WHERE community_id = {} AND year = {year} ORDER BY id",
            f.community
        ))
        .await
        .into_iter()
        .map(|r| r.0)
        .collect();
    assert!(every.len() > 2, "more than one page");
    let mut seen = Vec::new();
    let mut path = format!("/api/v1/entries?year={year}&limit=2");
    loop {
        let (status, page) = answer(get(&app, &secret, &path).await).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let items = page["items"].as_array().expect("items");
        assert!(items.len() <= 2);
        seen.extend(items.iter().map(|e| e["id"].as_i64().expect("an id")));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/entries?year={year}&limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, every);

    let ids = |page: &Value| -> Vec<i64> {
        page["items"].as_array().unwrap().iter().map(|e| e["id"].as_i64().unwrap()).collect()
    };
    let (_, mine) = answer(get(&app, &secret, &format!("/api/v1/entries?year={year}&member={}", f.liang)).await).await;
    assert_eq!(ids(&mine), f.liang_entries);
    let (_, branch2) =
        answer(get(&app, &secret, &format!("/api/v1/entries?year={year}&branch={}", f.branch2)).await).await;
    let members: BTreeSet<MemberId> = branch2["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["member_id"].as_i64().map(MemberId::new).unwrap())
        .collect();
    assert_eq!(members, BTreeSet::from([f.peng, f.zeng]));
    let (_, meetings) =
        answer(get(&app, &secret, &format!("/api/v1/entries?year={year}&category=meetings")).await).await;
    assert!(meetings["items"].as_array().unwrap().iter().all(|e| e["category"] == "meetings"));
    problem(get(&app, &secret, "/api/v1/entries?limit=201").await, StatusCode::BAD_REQUEST, "invalid").await;
    problem(get(&app, &secret, "/api/v1/entries?cursor=zz").await, StatusCode::BAD_REQUEST, "invalid").await;

    // The roll in pages of two, phones masked.
    let (status, first) = answer(get(&app, &secret, "/api/v1/members?limit=2").await).await;
    assert_eq!((status, first["items"].as_array().unwrap().len()), (StatusCode::OK, 2));
    let cursor = first["next_cursor"].as_str().expect("more members").to_string();
    let rest = get(&app, &secret, &format!("/api/v1/members?limit=200&cursor={cursor}")).await.text().await.unwrap();
    let all = format!("{first}{rest}");
    assert!(all.contains(PENG_PHONE_MASKED) && !all.contains(PENG_PHONE), "{all}");
    let (_, rest) = answer(get(&app, &secret, &format!("/api/v1/members?limit=200&cursor={cursor}")).await).await;
    assert_eq!(rest["next_cursor"], Value::Null);
    assert_eq!(first["items"].as_array().unwrap().len() + rest["items"].as_array().unwrap().len(), 5);

    // Standings by branch, as the standings page ranks them.
    let (_, standings) =
        answer(get(&app, &secret, &format!("/api/v1/standings?year={year}&branch={}", f.branch1)).await).await;
    let names: BTreeSet<&str> =
        standings["items"].as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap()).collect();
    assert_eq!(names, BTreeSet::from(["梁小改", "胡国强", "王德福"]));
    problem(get(&app, &secret, "/api/v1/seals/1999").await, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn a_retry_gets_the_first_answer_and_records_once_even_concurrently() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let secret = token(&app, COMMITTEE, "record").await;
    let ledger = app.ledger_rows().await;

    problem(
        post(&app, &secret, "/api/v1/entries", None, &lecture(f.liang)).await,
        StatusCode::BAD_REQUEST,
        "idempotency.key_missing",
    )
    .await;
    let first = post(&app, &secret, "/api/v1/entries", Some("sheet-3"), &lecture(f.liang)).await;
    let (status, entry) = answer(first).await;
    assert_eq!(status, StatusCode::CREATED, "{entry}");
    assert_eq!(
        (entry["member_id"].as_i64().map(MemberId::new), entry["rule"].as_str()),
        (Some(f.liang), Some("meeting.lecture"))
    );
    let again = post(&app, &secret, "/api/v1/entries", Some("sheet-3"), &lecture(f.liang)).await;
    assert_eq!(again.headers().get("idempotent-replayed").and_then(|v| v.to_str().ok()), Some("true"));
    assert_eq!(answer(again).await, (StatusCode::CREATED, entry.clone()));
    problem(
        post(&app, &secret, "/api/v1/entries", Some("sheet-3"), &lecture(f.hu)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency.key_reused",
    )
    .await;
    assert_eq!(app.ledger_rows().await, ledger + 1);

    // Eight retries at once, none answered before the others start.
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (url, secret, body) = (app.url("/api/v1/entries"), secret.clone(), lecture(f.hu).to_string());
            tokio::spawn(async move {
                let response = api()
                    .post(url)
                    .bearer_auth(secret)
                    .header("Idempotency-Key", "hu-lecture-once")
                    .body(body)
                    .send()
                    .await
                    .expect("answered");
                answer(response).await
            })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.expect("the task ran"));
    }
    assert!(answers.iter().all(|a| *a == answers[0]), "{answers:?}");
    assert_eq!(answers[0].0, StatusCode::CREATED, "{:?}", answers[0]);
    assert_eq!(app.ledger_rows().await, ledger + 2, "eight retries recorded once");
    assert_eq!(app.count("SELECT COUNT(*) FROM api_idempotency").await, 2);

    // A reversal is a write too: once per key, with the same duty.
    let id = entry["id"].as_i64().unwrap();
    let zhao = token(&app, COMMITTEE_2, "record").await;
    let path = format!("/api/v1/entries/{id}/reverse");
    problem(post(&app, &zhao, &path, Some("r1"), &json!({ "reason": " " })).await, StatusCode::BAD_REQUEST, "invalid")
        .await;
    let (status, reversal) = answer(post(&app, &zhao, &path, Some("r1"), &json!({ "reason": "记错了人" })).await).await;
    assert_eq!((status, reversal["reverses"].as_i64()), (StatusCode::CREATED, Some(id)), "{reversal}");
    assert_eq!(answer(post(&app, &zhao, &path, Some("r1"), &json!({ "reason": "记错了人" })).await).await.1, reversal);
    problem(
        post(&app, &zhao, &path, Some("r2"), &json!({ "reason": "再来一次" })).await,
        StatusCode::FORBIDDEN,
        "duty.refused",
    )
    .await;
    assert_eq!(app.ledger_rows().await, ledger + 3);
}

/// A documented path with its parameters filled in.
fn concrete(path: &str, year: i16) -> String {
    path.replace("{id}", "999999").replace("{year}", &year.to_string())
}

#[tokio::test]
async fn every_route_is_documented_and_every_documented_route_is_served() {
    let app = spawn_app().await;
    let secret = token(&app, COMMITTEE, "record").await;
    let document: Value =
        serde_json::from_str(&text(app.get(&app.client(), "/api/openapi.json").await, StatusCode::OK).await)
            .expect("the document is JSON");
    assert_eq!(document["openapi"], "3.1.0");
    let paths = document["paths"].as_object().expect("paths");

    // Served: each documented operation answers, with anything but "no such route".
    let mut documented = BTreeSet::new();
    for (path, operations) in paths {
        for (method, operation) in operations.as_object().expect("operations") {
            documented.insert(format!("{} {path}", method.to_uppercase()));
            assert!(operation["summary"].as_str().is_some_and(|s| !s.is_empty()), "{method} {path} has a summary");
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("a method");
            let response = api()
                .request(method.clone(), app.url(&concrete(path, app.fixture.year.get())))
                .bearer_auth(&secret)
                .header("Idempotency-Key", format!("doc-{path}"))
                .body("{}")
                .send()
                .await
                .expect("answered");
            let status = response.status();
            let body = response.text().await.unwrap_or_default();
            assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
            let unknown = status == StatusCode::NOT_FOUND && body.contains("\"code\":\"route.unknown\"");
            assert!(!unknown, "{method} {path} is documented but not served: {body}");
        }
    }
    // An address no route serves says so, so the check above can fail.
    problem(get(&app, &secret, "/api/v1/nothing-here").await, StatusCode::NOT_FOUND, "route.unknown").await;

    // Documented: every route the source gives the router under /api comes
    // from the table the document is written from, and is in the document.
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let lib = std::fs::read_to_string(src.join("lib.rs")).expect("lib.rs");
    assert!(!lib.contains(".route(\"/api"), "API routes are added only from api::routes()");
    let table = std::fs::read_to_string(src.join("api/mod.rs")).expect("api/mod.rs");
    let mut in_table = BTreeSet::new();
    for chunk in table.split("ApiRoute {").skip(2) {
        let method = chunk.split("method: Method::").nth(1).and_then(|s| s.split(',').next()).expect("a method");
        let path = chunk.split("path: \"").nth(1).and_then(|s| s.split('"').next()).expect("a path");
        in_table.insert(format!("{method} {path}"));
    }
    assert_eq!(in_table, documented, "the table and the document list the same routes");

    // The documented fields are the fields answered.
    let fields = |schema: &str| -> BTreeSet<String> {
        document["components"]["schemas"][schema]["required"]
            .as_array()
            .unwrap_or_else(|| panic!("schema {schema}"))
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    let keys = |v: &Value| -> BTreeSet<String> { v.as_object().expect("an object").keys().cloned().collect() };
    let year = app.fixture.year.get();
    for (path, page_schema, item_schema) in [
        ("/api/v1/members".to_string(), "MemberPage", "Member"),
        (format!("/api/v1/entries?year={year}"), "EntryPage", "Entry"),
        (format!("/api/v1/standings?year={year}"), "Standings", "Standing"),
    ] {
        let (_, page) = answer(get(&app, &secret, &path).await).await;
        assert_eq!(keys(&page), fields(page_schema), "{path}");
        assert_eq!(keys(&page["items"][0]), fields(item_schema), "{path}");
    }

    // The readable page lists every documented route.
    let html = text(app.get(&app.client(), "/api").await, StatusCode::OK).await;
    for route in &documented {
        assert!(html.contains(&format!("data-endpoint=\"{route}\"")), "/api lists {route}");
    }
}
