//! The review queue (/reviews): the secretary of the claimant's branch or the
//! committee approves a claim into the ledger, or rejects it; nobody decides
//! their own, a decided claim stays decided, and the rulebook's caps hold.

use super::helpers::*;
use reqwest::StatusCode;
use starledger_domain::org::MemberId;

/// (member, rule, points in tenths, recorded_by, source_ref, idempotency_key, occurred_on) of an entry.
type EntryRow = (MemberId, String, i64, String, String, String, String);

async fn entry(app: &TestApp, id: i64) -> EntryRow {
    let sql = format!(
        "SELECT member_id, rule_key, points_tenths, recorded_by, source_ref, idempotency_key, \
         CAST(occurred_on AS TEXT) \
         FROM ledger_entries WHERE id = {id}"
    );
    app.rows(&sql).await.pop().unwrap_or_else(|| panic!("entry {id} exists"))
}

#[tokio::test]
async fn the_branch_secretary_approves_a_visit_into_the_ledger() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let member = app.login(MEMBER, PASSWORD).await;
    let id = app.visit_claim(&member, f.liang_households[2], Some(PNG)).await;
    let upload = app.count(&format!("SELECT upload_id FROM claims WHERE id = {id}")).await;

    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let queue = text(app.get(&secretary, "/reviews").await, StatusCode::OK).await;
    assert!(queue.contains(&format!("data-claim=\"{id}\"")), "{queue}");
    assert!(queue.contains(&format!("action=\"/claims/{id}/decide\"")), "the secretary may decide it");
    assert!(queue.contains(&format!("src=\"/uploads/{upload}\"")), "with its photo");
    assert!(queue.contains("梁小改") && queue.contains(LIANG_ADDRESSES[2]));
    let ledger = app.ledger_rows().await;

    assert_redirect(&app.decide(&secretary, id, "approve").await, "/reviews");

    let (status, decided_by, entry_id) = app.claim_state(id).await;
    assert_eq!((status.as_str(), decided_by), ("approved", Some(f.accounts[BRANCH_SECRETARY])));
    let entry_id = entry_id.expect("the approval names its entry");
    assert_eq!(app.ledger_rows().await, ledger + 1);
    let source = format!("claim:{id}");
    assert_eq!(
        entry(&app, entry_id).await,
        (
            f.liang,
            "household.visit".into(),
            5,
            format!("account:{}", f.accounts[BRANCH_SECRETARY]),
            source.clone(),
            source,
            today().to_string()
        )
    );
    let note: String = app.text_of(&format!("SELECT decision_note FROM claims WHERE id = {id}")).await;
    assert_eq!(note, "已核实");
    assert_eq!(app.work(BRANCH_SECRETARY).await, ["claim.decide"]);
    assert!(app.entries_of(f.liang).await.iter().any(|e| e.id == entry_id), "the member's record holds it");

    let queue = text(app.get(&secretary, "/reviews").await, StatusCode::OK).await;
    assert!(!queue.contains(&format!("data-claim=\"{id}\"")), "a decided claim leaves the queue");
    let mine = text(app.get(&member, "/claims").await, StatusCode::OK).await;
    let row = row_containing(&mine, &format!("data-claim=\"{id}\"")).expect("listed");
    assert!(row.contains("data-status=\"approved\"") && row.contains("已通过") && row.contains("已核实"), "{row}");
}

#[tokio::test]
async fn the_branch_secretary_approves_a_study_week() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let member = app.login(MEMBER, PASSWORD).await;
    let id = app.study_claim(&member, JPEG).await;
    let week: String = app.text_of(&format!("SELECT CAST(occurred_on AS TEXT) FROM claims WHERE id = {id}")).await;

    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    assert_redirect(&app.decide(&secretary, id, "approve").await, "/reviews");
    let (status, _, entry_id) = app.claim_state(id).await;
    assert_eq!(status, "approved");
    let source = format!("claim:{id}");
    assert_eq!(
        entry(&app, entry_id.expect("an entry")).await,
        (
            f.liang,
            "study.app_week".into(),
            2,
            format!("account:{}", f.accounts[BRANCH_SECRETARY]),
            source.clone(),
            source,
            week
        )
    );
}

#[tokio::test]
async fn a_rejected_claim_stays_rejected_with_no_entry() {
    let app = spawn_app().await;
    let member = app.login(MEMBER, PASSWORD).await;
    let id = app.visit_claim(&member, app.fixture.liang_households[0], None).await;
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let ledger = app.ledger_rows().await;

    assert_redirect(&app.decide(&secretary, id, "reject").await, "/reviews");
    assert_eq!(app.claim_state(id).await, ("rejected".into(), Some(app.fixture.accounts[BRANCH_SECRETARY]), None));
    assert_eq!(app.ledger_rows().await, ledger);
    let mine = text(app.get(&member, "/claims").await, StatusCode::OK).await;
    let row = row_containing(&mine, &format!("data-claim=\"{id}\"")).expect("listed");
    assert!(row.contains("data-status=\"rejected\"") && row.contains("未通过"), "{row}");

    // A decision is approve or reject, nothing else.
    let other = app.visit_claim(&member, app.fixture.liang_households[1], None).await;
    let before = app.written().await;
    let csrf = app.csrf(&secretary).await;
    let path = format!("/claims/{other}/decide");
    text(app.post(&secretary, &path, &[("csrf", &csrf), ("decision", "maybe")]).await, StatusCode::BAD_REQUEST).await;
    text(app.post(&secretary, &path, &[("csrf", "x"), ("decision", "approve")]).await, StatusCode::FORBIDDEN).await;
    assert_eq!(app.written().await, before);
}

#[tokio::test]
async fn members_and_auditors_do_not_review() {
    let app = spawn_app().await;
    let member = app.login(MEMBER, PASSWORD).await;
    let id = app.visit_claim(&member, app.fixture.liang_households[0], None).await;
    // Another member of the branch, who is not the claimant.
    app.add_member_account(app.fixture.branch1, "邓小平", "deng").await;
    let before = app.written().await;

    for login in [MEMBER, "deng", AUDITOR] {
        let client = app.login(login, PASSWORD).await;
        text(app.get(&client, "/reviews").await, StatusCode::FORBIDDEN).await;
        for decision in ["approve", "reject"] {
            let response = app.decide(&client, id, decision).await;
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{login} {decision}s");
        }
    }
    assert_eq!(app.claim_state(id).await, ("pending".into(), None, None));
    assert_eq!(app.written().await, before);
}

#[tokio::test]
async fn a_secretary_of_another_branch_decides_nothing() {
    let app = spawn_app().await;
    let f = &app.fixture;
    // 彭雅丽 (branch 2) visits her household; 胡国强 is branch 1's secretary.
    let peng = app.login(COMMITTEE, PASSWORD).await;
    let id = app.visit_claim(&peng, f.peng_household, None).await;
    let member = app.login(MEMBER, PASSWORD).await;
    let own_branch = app.visit_claim(&member, f.liang_households[0], None).await;

    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let queue = text(app.get(&secretary, "/reviews").await, StatusCode::OK).await;
    assert!(queue.contains(&format!("data-claim=\"{own_branch}\"")), "{queue}");
    assert!(!queue.contains(&format!("data-claim=\"{id}\"")), "another branch's claim is not queued: {queue}");

    // Branch 2's secretary may not decide branch 1's claim either.
    app.add_branch_secretary(f.branch2, "曹书记", "cao").await;
    let other_secretary = app.login("cao", PASSWORD).await;
    let before = app.written().await;
    for decision in ["approve", "reject"] {
        text(app.decide(&secretary, id, decision).await, StatusCode::FORBIDDEN).await;
        text(app.decide(&other_secretary, own_branch, decision).await, StatusCode::FORBIDDEN).await;
    }
    assert_eq!(app.claim_state(id).await.0, "pending");
    assert_eq!(app.claim_state(own_branch).await.0, "pending");
    assert_eq!(app.written().await, before);

    // The claimant's own branch secretary decides it.
    assert_redirect(&app.decide(&other_secretary, id, "approve").await, "/reviews");
    assert_eq!(app.claim_state(id).await.0, "approved");
}

#[tokio::test]
async fn nobody_decides_their_own_claim() {
    let app = spawn_app().await;
    let f = &app.fixture;
    // The branch secretary, a member of branch 1, declares a study week.
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let secretarys = app.study_claim(&secretary, PNG).await;
    // A committee member who is member 彭雅丽 logs a visit.
    let committee = app.login(COMMITTEE, PASSWORD).await;
    let committees = app.visit_claim(&committee, f.peng_household, None).await;

    let queue = text(app.get(&secretary, "/reviews").await, StatusCode::OK).await;
    let card = &queue[queue.find(&format!("data-claim=\"{secretarys}\"")).expect("queued")..];
    assert!(card.contains("须由他人审核"), "the own claim is marked: {card}");
    assert!(!queue.contains(&format!("/claims/{secretarys}/decide")), "no decision form for one's own claim");

    let before = app.written().await;
    for decision in ["approve", "reject"] {
        text(app.decide(&secretary, secretarys, decision).await, StatusCode::FORBIDDEN).await;
        text(app.decide(&committee, committees, decision).await, StatusCode::FORBIDDEN).await;
    }
    assert_eq!(app.claim_state(secretarys).await, ("pending".into(), None, None));
    assert_eq!(app.claim_state(committees).await, ("pending".into(), None, None));
    assert_eq!(app.written().await, before);

    // Someone else decides each: the committee the secretary's, the second
    // committee member the first one's.
    assert_redirect(&app.decide(&committee, secretarys, "approve").await, "/reviews");
    let other = app.login(COMMITTEE_2, PASSWORD).await;
    assert_redirect(&app.decide(&other, committees, "approve").await, "/reviews");
    let recorders: Vec<(MemberId, String)> = app
        .rows(&format!(
            "SELECT member_id, recorded_by FROM ledger_entries WHERE source_ref IN ('claim:{secretarys}', 'claim:{committees}') ORDER BY id"
        ))
        .await;
    assert_eq!(
        recorders,
        [
            (f.hu, format!("account:{}", f.accounts[COMMITTEE])),
            (f.peng, format!("account:{}", f.accounts[COMMITTEE_2]))
        ]
    );
}

#[tokio::test]
async fn a_decided_claim_is_not_decided_again() {
    let app = spawn_app().await;
    let member = app.login(MEMBER, PASSWORD).await;
    let approved = app.visit_claim(&member, app.fixture.liang_households[0], None).await;
    let rejected = app.visit_claim(&member, app.fixture.liang_households[1], None).await;
    let cancelled = app.visit_claim(&member, app.fixture.liang_households[2], None).await;
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    assert_redirect(&app.decide(&secretary, approved, "approve").await, "/reviews");
    assert_redirect(&app.decide(&secretary, rejected, "reject").await, "/reviews");
    let csrf = app.csrf(&member).await;
    assert_redirect(&app.post(&member, &format!("/claims/{cancelled}/cancel"), &[("csrf", &csrf)]).await, "/claims");

    let states = [app.claim_state(approved).await, app.claim_state(rejected).await, app.claim_state(cancelled).await];
    let before = app.written().await;
    let committee = app.login(COMMITTEE_2, PASSWORD).await;
    for client in [&secretary, &committee] {
        for id in [approved, rejected, cancelled] {
            for decision in ["approve", "reject"] {
                text(app.decide(client, id, decision).await, StatusCode::CONFLICT).await;
            }
        }
    }
    let after = [app.claim_state(approved).await, app.claim_state(rejected).await, app.claim_state(cancelled).await];
    assert_eq!(after, states);
    assert_eq!(app.written().await, before);
}

#[tokio::test]
async fn an_approval_past_a_cap_is_refused_and_writes_nothing() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let member = app.login(MEMBER, PASSWORD).await;
    // Five visits this month: at 0.5 each, the fifth would pass the 2.0 monthly cap.
    let mut claims = Vec::new();
    for household in [0, 1, 2, 3, 0] {
        claims.push(app.visit_claim(&member, f.liang_households[household], None).await);
    }
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    for id in &claims[..4] {
        assert_redirect(&app.decide(&secretary, *id, "approve").await, "/reviews");
    }
    let before = app.written().await;

    let refused = app.decide(&secretary, claims[4], "approve").await;
    let body = text(refused, StatusCode::CONFLICT).await;
    assert!(body.contains("入户走访联系户"), "the refusal names the cap: {body}");
    assert_eq!(app.claim_state(claims[4]).await, ("pending".into(), None, None), "the claim still waits");
    assert_eq!(app.written().await, before, "nothing is written");
    let total = app
        .count(&format!(
            "SELECT CAST(SUM(points_tenths) AS BIGINT) FROM ledger_entries \
             WHERE member_id = {} AND rule_key = 'household.visit'",
            f.liang
        ))
        .await;
    assert_eq!(total, 20, "exactly the cap");
    // The committee is held to the same cap.
    let committee = app.login(COMMITTEE_2, PASSWORD).await;
    text(app.decide(&committee, claims[4], "approve").await, StatusCode::CONFLICT).await;
    assert_eq!(app.written().await, before);

    // It can still be rejected.
    assert_redirect(&app.decide(&secretary, claims[4], "reject").await, "/reviews");
    assert_eq!(app.claim_state(claims[4]).await.0, "rejected");
    assert_eq!(app.ledger_rows().await, before.ledger_entries);
}

#[tokio::test]
async fn nothing_is_approved_into_a_closed_year() {
    let app = spawn_app().await;
    let member = app.login(MEMBER, PASSWORD).await;
    let id = app.visit_claim(&member, app.fixture.liang_households[0], None).await;
    app.execute(&format!("UPDATE periods SET status = 'closed' WHERE year = {}", app.fixture.year)).await;
    let before = app.written().await;

    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    text(app.decide(&secretary, id, "approve").await, StatusCode::CONFLICT).await;
    assert_eq!(app.claim_state(id).await, ("pending".into(), None, None));
    assert_eq!(app.written().await, before);
}
