//! The API's claims and integrity records (issue 16): read by whom their
//! pages show them to, decided and voted through the pages' use cases, so
//! a relative is recused over the API as on /reviews; a decision or a vote
//! carries an `Idempotency-Key` and is written once however often it is
//! retried, concurrently included; another community's ids are not found.

use super::api::{answer, api, get, post, problem, token};
use super::api_resources::{every_item, ids, keys, schema_fields};
use super::helpers::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use starledger_domain::org::MemberId;

/// The committee marks `relative` as `member`'s relative, on /integrity.
pub(super) async fn relatives(app: &TestApp, member: MemberId, relative: MemberId) {
    let committee = app.login(COMMITTEE, PASSWORD).await;
    let csrf = app.csrf(&committee).await;
    let (member, relative) = (member.to_string(), relative.to_string());
    let form = [("csrf", csrf.as_str()), ("member", &member), ("relative", &relative), ("relation", "配偶")];
    assert_redirect(&app.post(&committee, "/integrity/relatives", &form).await, "/integrity");
}

/// The same request sent `times` at once with one key; every answer.
pub(super) async fn at_once(
    app: &TestApp,
    secret: &str,
    path: &str,
    key: &str,
    body: &Value,
    times: usize,
) -> Vec<(StatusCode, Value)> {
    let tasks: Vec<_> = (0..times)
        .map(|_| {
            let (url, secret, body, key) = (app.url(path), secret.to_string(), body.to_string(), key.to_string());
            tokio::spawn(async move {
                let response = api()
                    .post(url)
                    .bearer_auth(secret)
                    .header("Idempotency-Key", key)
                    .header("content-type", "application/json")
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
    answers
}

#[tokio::test]
async fn claims_are_read_by_the_claimant_their_branch_s_secretary_the_committee_and_the_auditor() {
    let app = spawn_app_with_neighbour().await;
    let f = &app.fixture;
    let liang_client = app.login(MEMBER, PASSWORD).await;
    let visit = app.visit_claim(&liang_client, f.liang_households[0], Some(PNG)).await;
    let study = app.study_claim(&liang_client, PNG).await;
    let peng_client = app.login(COMMITTEE, PASSWORD).await;
    let peng_visit = app.visit_claim(&peng_client, f.peng_household, None).await;

    // The member: their own, in pages, as the schema says.
    let liang = token(&app, MEMBER, "read").await;
    let (items, pages) = every_item(&app, &liang, "/api/v1/claims", 1).await;
    assert_eq!((ids(&items, "id"), pages), (vec![visit, study], 2));
    assert_eq!(keys(&items[0]), schema_fields(&app, "Claim").await);
    assert_eq!((items[0]["kind"].as_str(), items[0]["photo"].as_bool()), (Some("visit"), Some(true)), "{items:?}");
    let (status, one) = answer(get(&app, &liang, &format!("/api/v1/claims/{study}")).await).await;
    assert_eq!((status, one["status"].as_str()), (StatusCode::OK, Some("pending")), "{one}");
    let body = problem(
        get(&app, &liang, &format!("/api/v1/claims/{peng_visit}")).await,
        StatusCode::FORBIDDEN,
        "duty.refused",
    )
    .await;
    assert_eq!(body["detail_zh"], "您无权查看此申报。", "{body}");

    // The branch 1 secretary: branch 1's (liang's), not peng's of branch 2;
    // filtered by status, and by mine (he claimed nothing).
    let hu = token(&app, BRANCH_SECRETARY, "read").await;
    let (items, _) = every_item(&app, &hu, "/api/v1/claims?status=pending", 50).await;
    assert_eq!(ids(&items, "id"), [visit, study]);
    let (items, _) = every_item(&app, &hu, "/api/v1/claims?mine=true", 50).await;
    assert!(items.is_empty(), "{items:?}");
    problem(get(&app, &hu, &format!("/api/v1/claims/{peng_visit}")).await, StatusCode::FORBIDDEN, "duty.refused").await;

    // The committee and the auditor: everyone's; a branch filter and a status filter.
    for login in [COMMITTEE_2, AUDITOR] {
        let secret = token(&app, login, "read").await;
        let (items, _) = every_item(&app, &secret, "/api/v1/claims", 2).await;
        assert_eq!(ids(&items, "id"), [visit, study, peng_visit], "{login}");
        let (items, _) = every_item(&app, &secret, &format!("/api/v1/claims?branch={}", f.branch2), 50).await;
        assert_eq!(ids(&items, "id"), [peng_visit], "{login}");
    }
    let committee = token(&app, COMMITTEE_2, "read").await;
    let (none, _) = every_item(&app, &committee, "/api/v1/claims?status=approved", 50).await;
    assert!(none.is_empty(), "{none:?}");
    let body =
        problem(get(&app, &committee, "/api/v1/claims?status=maybe").await, StatusCode::BAD_REQUEST, "invalid").await;
    assert!(body["detail_zh"].as_str().is_some_and(|zh| zh.contains("status")), "{body}");
    problem(get(&app, &committee, "/api/v1/claims?limit=0").await, StatusCode::BAD_REQUEST, "invalid").await;

    // Another community's committee finds none of ours, and lists none.
    let wuli = token(&app, NEIGHBOUR_COMMITTEE, "read").await;
    problem(get(&app, &wuli, &format!("/api/v1/claims/{visit}")).await, StatusCode::NOT_FOUND, "not_found").await;
    let (theirs, _) = every_item(&app, &wuli, "/api/v1/claims", 50).await;
    assert!(theirs.is_empty(), "{theirs:?}");
}

#[tokio::test]
async fn a_claim_is_decided_once_over_the_api_and_a_relative_reviewer_is_recused() {
    let app = spawn_app_with_neighbour().await;
    let f = &app.fixture;
    relatives(&app, f.hu, f.liang).await;
    let liang_client = app.login(MEMBER, PASSWORD).await;
    let claim = app.study_claim(&liang_client, PNG).await;
    let path = format!("/api/v1/claims/{claim}/decision");
    let approve = json!({ "decision": "approve", "note": "截图已核实" });
    let hu = token(&app, BRANCH_SECRETARY, "record").await;
    let liang = token(&app, MEMBER, "record").await;
    let reader = token(&app, COMMITTEE, "read").await;
    let peng = token(&app, COMMITTEE, "record").await;
    let wuli = token(&app, NEIGHBOUR_COMMITTEE, "record").await;
    let before = app.written().await;

    // The secretary is the claimant's relative: refused, in Chinese, as on /reviews.
    problem(post(&app, &hu, &path, None, &approve).await, StatusCode::BAD_REQUEST, "idempotency.key_missing").await;
    for decision in ["approve", "reject"] {
        let body = json!({ "decision": decision });
        let refused =
            problem(post(&app, &hu, &path, Some(decision), &body).await, StatusCode::FORBIDDEN, "duty.refused").await;
        assert!(refused["detail_zh"].as_str().is_some_and(|zh| zh.contains("回避")), "{refused}");
    }
    // The claimant decides nothing; a read token records nothing; a decision is approve or reject.
    problem(post(&app, &liang, &path, Some("own"), &approve).await, StatusCode::FORBIDDEN, "duty.refused").await;
    problem(post(&app, &reader, &path, Some("k"), &approve).await, StatusCode::FORBIDDEN, "scope.insufficient").await;
    let perhaps = json!({ "decision": "perhaps" });
    problem(post(&app, &peng, &path, Some("p"), &perhaps).await, StatusCode::BAD_REQUEST, "invalid").await;
    // Another community's committee does not find it.
    problem(post(&app, &wuli, &path, Some("w"), &approve).await, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(app.written().await, before, "refusals write nothing");
    assert_eq!(app.claim_state(claim).await.0, "pending");

    // A committee member who is no relative approves it: eight retries at
    // once, one decision and one entry, the same answer to each.
    let ledger = app.ledger_rows().await;
    let answers = at_once(&app, &peng, &path, "approve-study", &approve, 8).await;
    assert!(answers.iter().all(|a| *a == answers[0]), "{answers:?}");
    let (status, decided) = &answers[0];
    assert_eq!(*status, StatusCode::OK, "{decided}");
    assert_eq!(keys(decided), schema_fields(&app, "Claim").await);
    assert_eq!(decided["status"], "approved", "{decided}");
    let entry = decided["entry_id"].as_i64().expect("an approval's entry");
    assert_eq!(app.ledger_rows().await, ledger + 1, "eight retries recorded once");
    assert_eq!(app.claim_state(claim).await, ("approved".into(), Some(f.accounts[COMMITTEE]), Some(entry)));
    let actor = format!("account:{}", f.accounts[COMMITTEE]);
    let decisions =
        app.audit_log().await.into_iter().filter(|(a, action, _)| a.starts_with(&actor) && action == "claim.decide");
    assert_eq!(decisions.count(), 1, "one audit row");

    // Decided is decided: a new key is judged again, and refused.
    let again =
        problem(post(&app, &peng, &path, Some("approve-again"), &approve).await, StatusCode::CONFLICT, "refused").await;
    assert!(again["detail_zh"].as_str().is_some_and(|zh| zh.contains("已通过")), "{again}");
    assert_eq!(app.ledger_rows().await, ledger + 1);
}

#[tokio::test]
async fn integrity_records_are_read_as_on_their_page_and_voted_once_with_relatives_recused() {
    let app = spawn_app_with_neighbour().await;
    let f = &app.fixture;
    let committee_client = app.login(COMMITTEE, PASSWORD).await;
    let mut records = Vec::new();
    for member in [f.liang, f.wang] {
        let csrf = app.csrf(&committee_client).await;
        let (member, date) = (member.to_string(), today().to_string());
        let parts = [
            Part::Text("csrf", &csrf),
            Part::Text("member", &member),
            Part::Text("rule", "integrity.commendation"),
            Part::Text("date", &date),
            Part::Text("description", "拾金不昧"),
        ];
        assert_redirect(&app.post_multipart(&committee_client, "/integrity", &parts).await, "/integrity");
        records.push(app.count("SELECT MAX(id) FROM integrity_records").await);
    }
    let record = records[0];

    // The readers of /integrity, in pages; a member is refused.
    for login in [COMMITTEE, BRANCH_SECRETARY, AUDITOR] {
        let secret = token(&app, login, "read").await;
        let (items, pages) = every_item(&app, &secret, "/api/v1/integrity", 1).await;
        assert_eq!((ids(&items, "id"), pages), (records.clone(), 2), "{login}");
        assert_eq!(keys(&items[0]), schema_fields(&app, "IntegrityRecord").await);
    }
    let liang = token(&app, MEMBER, "read").await;
    problem(get(&app, &liang, "/api/v1/integrity").await, StatusCode::FORBIDDEN, "role.forbidden").await;
    let wuli = token(&app, NEIGHBOUR_COMMITTEE, "record").await;
    let (theirs, _) = every_item(&app, &wuli, "/api/v1/integrity", 50).await;
    assert!(theirs.is_empty(), "{theirs:?}");
    let vote_path = format!("/api/v1/integrity/{record}/vote");
    let approve = json!({ "vote": "approve" });
    problem(post(&app, &wuli, &vote_path, Some("w"), &approve).await, StatusCode::NOT_FOUND, "not_found").await;

    // 孙丽华 (COMMITTEE_3) is marked as liang's relative: recused.
    relatives(&app, f.zeng, f.liang).await;
    let sun = token(&app, COMMITTEE_3, "record").await;
    let body =
        problem(post(&app, &sun, &vote_path, Some("s"), &approve).await, StatusCode::FORBIDDEN, "duty.refused").await;
    assert!(body["detail_zh"].as_str().is_some_and(|zh| zh.contains("回避")), "{body}");
    let sun_read = token(&app, COMMITTEE_3, "read").await;
    let (items, _) = every_item(&app, &sun_read, "/api/v1/integrity?status=pending", 50).await;
    assert_eq!(items[0]["recused"], true, "{items:?}");
    assert_eq!(items[0]["quorum"], 2, "the quorum counts only those who may vote: {items:?}");
    problem(post(&app, &sun, &vote_path, None, &approve).await, StatusCode::BAD_REQUEST, "idempotency.key_missing")
        .await;

    // The two others vote; the second vote decides and writes the entry,
    // once, however many times it is sent at once.
    let ledger = app.ledger_rows().await;
    let peng = token(&app, COMMITTEE, "record").await;
    let (status, first) = answer(post(&app, &peng, &vote_path, Some("peng-vote"), &approve).await).await;
    assert_eq!(
        (status, first["approvals"].as_i64(), first["my_vote"].as_str()),
        (StatusCode::OK, Some(1), Some("approve")),
        "{first}"
    );
    let replay = post(&app, &peng, &vote_path, Some("peng-vote"), &approve).await;
    assert_eq!(replay.headers().get("idempotent-replayed").and_then(|v| v.to_str().ok()), Some("true"));
    assert_eq!(answer(replay).await, (StatusCode::OK, first));
    let zhao = token(&app, COMMITTEE_2, "record").await;
    let answers = at_once(&app, &zhao, &vote_path, "zhao-vote", &approve, 6).await;
    assert!(answers.iter().all(|a| *a == answers[0]), "{answers:?}");
    let (status, decided) = &answers[0];
    assert_eq!((*status, decided["status"].as_str()), (StatusCode::OK, Some("approved")), "{decided}");
    assert!(decided["entry_id"].as_i64().is_some(), "{decided}");
    assert_eq!(app.ledger_rows().await, ledger + 1, "one entry");
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM integrity_votes WHERE record_id = {record}")).await, 2);
    let (decided_list, _) = every_item(&app, &sun_read, "/api/v1/integrity?status=approved", 50).await;
    assert_eq!(ids(&decided_list, "id"), [record]);
}
