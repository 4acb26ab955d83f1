//! Manual adjustments (人工调整, /adjustments), maker-checker: one committee
//! member makes an adjustment with a reason, within the rule's magnitude; a
//! different committee member checks it; neither may be the member
//! concerned; both names stay on the entry. Every refusal writes nothing.

use super::helpers::*;
use reqwest::{Client, Response, StatusCode};
use starledger_domain::org::{AccountId, MemberId};

const ETHICS: &str = "adjustment.ethics";

async fn make(app: &TestApp, client: &Client, member: MemberId, rule: &str, points: &str) -> Response {
    let csrf = app.csrf(client).await;
    let member = member.to_string();
    let form = [
        ("csrf", csrf.as_str()),
        ("member", &member),
        ("rule", rule),
        ("points", points),
        ("reason", "补记去年漏记的见义勇为表彰"),
    ];
    app.post(client, "/adjustments", &form).await
}

/// Makes an adjustment that must be accepted; its id.
async fn made(app: &TestApp, client: &Client, member: MemberId, points: &str) -> i64 {
    assert_redirect(&make(app, client, member, ETHICS, points).await, "/adjustments");
    app.count("SELECT MAX(id) FROM adjustments").await
}

async fn check(app: &TestApp, client: &Client, id: i64, decision: &str) -> Response {
    let csrf = app.csrf(client).await;
    let form = [("csrf", csrf.as_str()), ("decision", decision), ("note", "经核实属实")];
    app.post(client, &format!("/adjustments/{id}/check"), &form).await
}

/// (status, checked_by, entry_id) of an adjustment.
async fn state_of(app: &TestApp, id: i64) -> (String, Option<AccountId>, Option<i64>) {
    app.rows(&format!("SELECT status, checked_by, entry_id FROM adjustments WHERE id = {id}"))
        .await
        .pop()
        .unwrap_or_else(|| panic!("adjustment {id} exists"))
}

/// (ledger rows, adjustment rows, audited work).
async fn counts(app: &TestApp) -> (i64, i64, i64) {
    let written = app.written().await;
    (written.ledger_entries, app.rows_in("adjustments").await, written.audit_log)
}

#[tokio::test]
async fn a_maker_makes_and_only_a_different_committee_member_checks() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let zhao = app.login(COMMITTEE_2, PASSWORD).await;
    let ledger = app.ledger_rows().await;

    let id = made(&app, &zhao, f.liang, "2.5").await;
    let rows: Vec<(MemberId, String, i64, AccountId, String)> =
        app.rows("SELECT member_id, rule_key, points_tenths, made_by, status FROM adjustments").await;
    assert_eq!(rows, [(f.liang, ETHICS.to_string(), 25, f.accounts[COMMITTEE_2], "pending".to_string())]);
    assert_eq!(app.ledger_rows().await, ledger, "making is not checking: no points");
    assert_eq!(app.work(COMMITTEE_2).await, ["adjustment.make"]);

    // The maker may not check their own adjustment, either way, and is not offered to.
    let page = text(app.get(&zhao, "/adjustments").await, StatusCode::OK).await;
    let row = row_containing(&page, &format!("data-adjustment=\"{id}\"")).expect("the adjustment is listed");
    assert!(row.contains("待复核") && !row.contains("/check\""), "{row}");
    let before = counts(&app).await;
    for decision in ["approve", "reject"] {
        let body = text(check(&app, &zhao, id, decision).await, StatusCode::FORBIDDEN).await;
        assert!(body.contains("须由另一名党委委员复核"), "{body}");
    }
    assert_eq!((counts(&app).await, state_of(&app, id).await), (before, ("pending".into(), None, None)));

    // A different committee member approves: one entry, with both names.
    let sun = app.login(COMMITTEE_3, PASSWORD).await;
    let page = text(app.get(&sun, "/adjustments").await, StatusCode::OK).await;
    let row = row_containing(&page, &format!("data-adjustment=\"{id}\"")).expect("the adjustment is listed");
    assert!(row.contains(&format!("action=\"/adjustments/{id}/check\"")), "{row}");
    assert_redirect(&check(&app, &sun, id, "approve").await, "/adjustments");
    assert_eq!(app.ledger_rows().await, ledger + 1, "exactly one entry");
    let sql = format!(
        "SELECT id, member_id, rule_key, points_tenths, recorded_by, reason FROM ledger_entries \
         WHERE source_ref = 'adjustment:{id}'"
    );
    let entries: Vec<(i64, MemberId, String, i64, String, String)> = app.rows(&sql).await;
    let [(entry, member, rule, tenths, recorded_by, reason)] = entries.as_slice() else {
        panic!("one entry for the adjustment: {entries:?}");
    };
    assert_eq!((*member, rule.as_str(), *tenths), (f.liang, ETHICS, 25));
    assert_eq!(recorded_by, &format!("account:{}", f.accounts[COMMITTEE_3]));
    assert!(reason.contains("赵春明") && reason.contains("孙丽华"), "both names stay on the entry: {reason}");
    assert!(reason.contains("补记去年漏记的见义勇为表彰"), "{reason}");
    assert_eq!(state_of(&app, id).await, ("approved".into(), Some(f.accounts[COMMITTEE_3]), Some(*entry)));
    assert_eq!(app.work(COMMITTEE_3).await, ["adjustment.check"]);

    // Checked once.
    let before = counts(&app).await;
    let peng = app.login(COMMITTEE, PASSWORD).await;
    text(check(&app, &peng, id, "reject").await, StatusCode::CONFLICT).await;
    assert_eq!(counts(&app).await, before);
}

#[tokio::test]
async fn a_rejected_adjustment_writes_no_points() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let ledger = app.ledger_rows().await;
    let id = made(&app, &app.login(COMMITTEE_2, PASSWORD).await, f.liang, "-3").await;
    let sun = app.login(COMMITTEE_3, PASSWORD).await;
    assert_redirect(&check(&app, &sun, id, "reject").await, "/adjustments");
    assert_eq!(state_of(&app, id).await, ("rejected".into(), Some(f.accounts[COMMITTEE_3]), None));
    assert_eq!(app.ledger_rows().await, ledger);
    // A rejected adjustment is not approved afterwards.
    text(check(&app, &app.login(COMMITTEE, PASSWORD).await, id, "approve").await, StatusCode::CONFLICT).await;
    assert_eq!(app.ledger_rows().await, ledger);
}

#[tokio::test]
async fn the_member_concerned_neither_makes_nor_checks() {
    let app = spawn_app().await;
    let f = &app.fixture;
    // 彭雅丽 is on the committee and a member.
    let peng = app.login(COMMITTEE, PASSWORD).await;
    let before = counts(&app).await;
    let body = text(make(&app, &peng, f.peng, ETHICS, "3").await, StatusCode::FORBIDDEN).await;
    assert!(body.contains("您是本人"), "{body}");
    assert_eq!(counts(&app).await, before);
    let page = text(app.get(&peng, "/adjustments").await, StatusCode::OK).await;
    assert!(!page.contains(&format!("<option value=\"{}\">", f.peng)), "she is not offered herself:\n{page}");

    let id = made(&app, &app.login(COMMITTEE_2, PASSWORD).await, f.peng, "3").await;
    let before = counts(&app).await;
    for decision in ["approve", "reject"] {
        let body = text(check(&app, &peng, id, decision).await, StatusCode::FORBIDDEN).await;
        assert!(body.contains("您是本人"), "{body}");
    }
    assert_eq!((counts(&app).await, state_of(&app, id).await), (before, ("pending".into(), None, None)));
    let page = text(app.get(&peng, "/adjustments").await, StatusCode::OK).await;
    let row = row_containing(&page, &format!("data-adjustment=\"{id}\"")).expect("the adjustment is listed");
    assert!(!row.contains("/check\""), "{row}");
}

#[tokio::test]
async fn points_beyond_the_rule_s_magnitude_are_refused() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let zhao = app.login(COMMITTEE_2, PASSWORD).await;
    let before = counts(&app).await;
    // adjustment.ethics adjusts by at most 5 either way, and never by nothing.
    for points in ["5.5", "-6", "0", "100", "two", ""] {
        text(make(&app, &zhao, f.liang, ETHICS, points).await, StatusCode::BAD_REQUEST).await;
    }
    // Only rules meant for adjustments are adjusted by hand.
    for rule in ["meeting.group", "integrity.commendation", "review.excellent"] {
        text(make(&app, &zhao, f.liang, rule, "1").await, StatusCode::FORBIDDEN).await;
    }
    text(make(&app, &zhao, f.liang, "no.such_rule", "1").await, StatusCode::BAD_REQUEST).await;
    assert_eq!(counts(&app).await, before);
    // The bounds themselves are allowed.
    made(&app, &zhao, f.liang, "5").await;
    made(&app, &zhao, f.liang, "-5").await;
    assert_eq!(app.rows_in("adjustments").await, 2);
}

#[tokio::test]
async fn only_the_committee_makes_and_checks() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let id = made(&app, &app.login(COMMITTEE_2, PASSWORD).await, f.liang, "1").await;
    let before = counts(&app).await;
    for login in [MEMBER, BRANCH_SECRETARY, AUDITOR] {
        let client = app.login(login, PASSWORD).await;
        text(make(&app, &client, f.liang, ETHICS, "1").await, StatusCode::FORBIDDEN).await;
        text(check(&app, &client, id, "approve").await, StatusCode::FORBIDDEN).await;
    }
    assert_eq!((counts(&app).await, state_of(&app, id).await), (before, ("pending".into(), None, None)));
    for login in [MEMBER, BRANCH_SECRETARY] {
        text(app.get(&app.login(login, PASSWORD).await, "/adjustments").await, StatusCode::FORBIDDEN).await;
    }
    let page = text(app.get(&app.login(AUDITOR, PASSWORD).await, "/adjustments").await, StatusCode::OK).await;
    assert!(!page.contains("action=\"/adjustments\"") && !page.contains("/check\""), "the auditor only reads:\n{page}");
    // Without the session's token, not even the committee.
    let sun = app.login(COMMITTEE_3, PASSWORD).await;
    let form = [("csrf", ""), ("decision", "approve"), ("note", "经核实属实")];
    text(app.post(&sun, &format!("/adjustments/{id}/check"), &form).await, StatusCode::FORBIDDEN).await;
    assert_eq!(counts(&app).await, before);
}
