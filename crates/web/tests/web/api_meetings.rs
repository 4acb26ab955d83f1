//! The API's meeting writes (issue 16): marks on the sheet, closing (which
//! records the attendance), and deciding leave, through the use cases the
//! meeting and review pages call: only the meeting's keeper, never about
//! oneself or a relative; a close carries an `Idempotency-Key` and records
//! once however often it is retried at once.

use super::api::{answer, get, post, problem, token};
use super::api_resources::{keys, schema_fields};
use super::api_reviews::{at_once, relatives};
use super::helpers::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use starledger_domain::org::MemberId;

fn marks(pairs: &[(MemberId, &str)]) -> Value {
    json!({ "marks": pairs.iter().map(|(m, s)| json!({ "member_id": m, "status": s })).collect::<Vec<_>>() })
}

/// (member, status, via) of the sheet as the API answers it.
fn rows(sheet: &Value) -> Vec<(MemberId, Option<String>, Option<String>)> {
    sheet["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| {
            let text = |f: &str| r[f].as_str().map(str::to_string);
            (r["member_id"].as_i64().map(MemberId::new).expect("member_id"), text("status"), text("via"))
        })
        .collect()
}

#[tokio::test]
async fn the_keeper_marks_the_sheet_and_closes_it_once_however_often_it_is_retried() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let id = app.meeting(&secretary, &MeetingForm::general(f.branch1, -60)).await;
    let hu = token(&app, BRANCH_SECRETARY, "record").await;
    let sheet_path = format!("/api/v1/meetings/{id}/attendance");

    // A sign-in machine with the secretary's token marks 梁小改 present.
    let (status, sheet) = answer(post(&app, &hu, &sheet_path, None, &marks(&[(f.liang, "present")])).await).await;
    assert_eq!(status, StatusCode::OK, "{sheet}");
    assert_eq!(keys(&sheet), schema_fields(&app, "AttendanceSheet").await);
    assert!(rows(&sheet).contains(&(f.liang, Some("present".into()), Some("api".into()))), "{sheet}");
    let (_, read) = answer(get(&app, &hu, &sheet_path).await).await;
    assert_eq!(read, sheet, "the sheet read back is the sheet answered");
    assert!(app.meeting_entries(id).await.is_empty(), "a mark records no points");

    // Closing with 王德福 unmarked is refused, naming him, until the closer says what he was.
    let close = format!("/api/v1/meetings/{id}/close");
    let refused = problem(post(&app, &hu, &close, Some("c0"), &json!({})).await, StatusCode::CONFLICT, "refused").await;
    assert!(refused["detail_zh"].as_str().is_some_and(|zh| zh.contains("王德福")), "{refused}");
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM meetings WHERE id = {id} AND closed_at IS NULL")).await, 1);

    // Eight retries at once: one close, one set of entries, one answer.
    let ledger = app.ledger_rows().await;
    let answers = at_once(&app, &hu, &close, "close-1", &json!({ "unmarked": "absent" }), 8).await;
    assert!(answers.iter().all(|a| *a == answers[0]), "{answers:?}");
    let (status, closed) = &answers[0];
    assert_eq!(*status, StatusCode::OK, "{closed}");
    assert_eq!(keys(closed), schema_fields(&app, "Closed").await);
    assert_eq!((closed["entries"].as_i64(), closed["waiting"].clone()), (Some(2), json!([f.hu])), "{closed}");
    assert_eq!(app.ledger_rows().await, ledger + 2, "eight retries recorded once");
    let hu_account = format!("account:{}", f.accounts[BRANCH_SECRETARY]);
    let entries = app.meeting_entries(id).await;
    assert_eq!(
        entries,
        [
            (f.liang, "meeting.branch_general".into(), 20, hu_account.clone()),
            (f.wang, "meeting.absent".into(), -20, hu_account.clone())
        ]
    );
    let closes = app
        .audit_log()
        .await
        .into_iter()
        .filter(|(a, action, _)| a.starts_with(&format!("{hu_account} (")) && action == "meeting.close");
    assert_eq!(closes.count(), 1, "one audit row");

    // The secretary's own attendance waits for the committee, which records it with its own key.
    let zhao = token(&app, COMMITTEE_2, "record").await;
    let (status, _) = answer(post(&app, &zhao, &sheet_path, None, &marks(&[(f.hu, "late")])).await).await;
    assert_eq!(status, StatusCode::OK);
    let (status, closed) = answer(post(&app, &zhao, &close, Some("close-2"), &json!({})).await).await;
    assert_eq!((status, closed["entries"].as_i64()), (StatusCode::OK, Some(2)), "{closed}");
    assert_eq!(app.meeting_entries(id).await.len(), 4, "attendance and lateness of 胡国强");
    let (_, again) = answer(post(&app, &hu, &close, Some("close-3"), &json!({})).await).await;
    assert_eq!(again["entries"], 0, "nothing twice: {again}");
}

#[tokio::test]
async fn marks_are_refused_to_other_accounts_about_oneself_and_relatives_and_for_bad_bodies() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let id = app.meeting(&secretary, &MeetingForm::general(f.branch1, -60)).await;
    let committee = app.login(COMMITTEE, PASSWORD).await;
    let other_branch = app.meeting(&committee, &MeetingForm::general(f.branch2, -60)).await;
    let path = format!("/api/v1/meetings/{id}/attendance");
    let hu = token(&app, BRANCH_SECRETARY, "record").await;
    let reader = token(&app, BRANCH_SECRETARY, "read").await;
    let liang = token(&app, MEMBER, "record").await;
    let before = app.written().await;

    // A read token, a member, another branch's meeting, the secretary about himself.
    let one = marks(&[(f.liang, "present")]);
    problem(post(&app, &reader, &path, None, &one).await, StatusCode::FORBIDDEN, "scope.insufficient").await;
    let body = problem(post(&app, &liang, &path, None, &one).await, StatusCode::FORBIDDEN, "duty.refused").await;
    assert!(body["detail_zh"].as_str().is_some_and(|zh| zh.contains("支部书记")), "{body}");
    let peng_mark = marks(&[(f.peng, "present")]);
    let elsewhere = format!("/api/v1/meetings/{other_branch}/attendance");
    problem(post(&app, &hu, &elsewhere, None, &peng_mark).await, StatusCode::FORBIDDEN, "duty.refused").await;
    let own = marks(&[(f.hu, "present")]);
    let body = problem(post(&app, &hu, &path, None, &own).await, StatusCode::FORBIDDEN, "duty.refused").await;
    assert_eq!(body["detail_zh"], "任何人不能记录自己的出席情况。", "{body}");

    // Bad bodies name the field: a status that is none, a member not invited, a field missing.
    let body =
        problem(post(&app, &hu, &path, None, &marks(&[(f.liang, "maybe")])).await, StatusCode::BAD_REQUEST, "invalid")
            .await;
    assert!(body["detail_en"].as_str().is_some_and(|en| en.contains("status")), "{body}");
    let body = problem(post(&app, &hu, &path, None, &peng_mark).await, StatusCode::BAD_REQUEST, "invalid").await;
    assert!(body["detail_en"].as_str().is_some_and(|en| en.contains("member_id")), "{body}");
    let body = problem(
        post(&app, &hu, &path, None, &json!({ "marks": [{ "member_id": f.liang }] })).await,
        StatusCode::BAD_REQUEST,
        "invalid",
    )
    .await;
    assert!(body["detail_en"].as_str().is_some_and(|en| en.contains("status")), "{body}");
    problem(post(&app, &hu, &path, None, &json!({ "marks": [] })).await, StatusCode::BAD_REQUEST, "invalid").await;
    let close = format!("/api/v1/meetings/{id}/close");
    let body = problem(
        post(&app, &hu, &close, Some("x"), &json!({ "unmarked": "late" })).await,
        StatusCode::BAD_REQUEST,
        "invalid",
    )
    .await;
    assert!(body["detail_en"].as_str().is_some_and(|en| en.contains("unmarked")), "{body}");
    problem(post(&app, &hu, &close, None, &json!({})).await, StatusCode::BAD_REQUEST, "idempotency.key_missing").await;
    assert_eq!(app.written().await, before, "refusals write nothing");

    // A relative is recused (回避), on the API as on the page.
    relatives(&app, f.hu, f.liang).await;
    let before = app.written().await;
    let body = problem(post(&app, &hu, &path, None, &one).await, StatusCode::FORBIDDEN, "duty.refused").await;
    assert!(body["detail_zh"].as_str().is_some_and(|zh| zh.contains("回避")), "{body}");
    assert_eq!(app.written().await, before);
}

#[tokio::test]
async fn leave_is_decided_over_the_api_by_the_keeper_never_by_the_member_or_a_relative() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let id = app.meeting(&secretary, &MeetingForm::general(f.branch1, 120)).await;
    let member = app.login(MEMBER, PASSWORD).await;
    let csrf = app.csrf(&member).await;
    let asked = app.post(&member, &format!("/meetings/{id}/leave"), &[("csrf", &csrf), ("reason", "外出务工")]).await;
    assert_redirect(&asked, &format!("/meetings/{id}"));

    // The keeper and the auditor read the meeting's requests; a member does not.
    let hu = token(&app, BRANCH_SECRETARY, "record").await;
    let (status, listed) = answer(get(&app, &hu, &format!("/api/v1/meetings/{id}/leave")).await).await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    assert_eq!(keys(&listed["items"][0]), schema_fields(&app, "LeaveRequest").await);
    assert_eq!(
        (listed["items"][0]["member_id"].as_i64().map(MemberId::new), listed["items"][0]["status"].as_str()),
        (Some(f.liang), Some("pending"))
    );
    let request = listed["items"][0]["id"].as_i64().expect("an id");
    let auditor = token(&app, AUDITOR, "read").await;
    assert_eq!(get(&app, &auditor, &format!("/api/v1/meetings/{id}/leave")).await.status(), StatusCode::OK);
    let liang = token(&app, MEMBER, "record").await;
    problem(get(&app, &liang, &format!("/api/v1/meetings/{id}/leave")).await, StatusCode::FORBIDDEN, "role.forbidden")
        .await;

    // The member decides nothing about their own leave; a relative keeper is recused; a bad decision is named.
    let path = format!("/api/v1/leave/{request}/decision");
    let approve = json!({ "decision": "approve" });
    problem(post(&app, &liang, &path, Some("own"), &approve).await, StatusCode::FORBIDDEN, "duty.refused").await;
    let body = problem(
        post(&app, &hu, &path, Some("b"), &json!({ "decision": "perhaps" })).await,
        StatusCode::BAD_REQUEST,
        "invalid",
    )
    .await;
    assert!(body["detail_en"].as_str().is_some_and(|en| en.contains("decision")), "{body}");
    relatives(&app, f.hu, f.liang).await;
    let body =
        problem(post(&app, &hu, &path, Some("rel"), &approve).await, StatusCode::FORBIDDEN, "duty.refused").await;
    assert!(body["detail_zh"].as_str().is_some_and(|zh| !zh.is_empty()), "{body}");
    assert_eq!(app.rows_in("meeting_attendance").await, 0);

    // The committee approves; the retry gets the same answer; the member is excused.
    let peng = token(&app, COMMITTEE_2, "record").await;
    let approve = json!({ "decision": "approve", "note": "家中有事，同意" });
    let (status, decided) = answer(post(&app, &peng, &path, Some("leave-1"), &approve).await).await;
    assert_eq!((status, decided["status"].as_str()), (StatusCode::OK, Some("approved")), "{decided}");
    assert_eq!(decided["decision_note"].as_str(), Some("家中有事，同意"), "the note is kept: {decided}");
    let replay = post(&app, &peng, &path, Some("leave-1"), &approve).await;
    assert_eq!(replay.headers().get("idempotent-replayed").and_then(|v| v.to_str().ok()), Some("true"));
    assert_eq!(answer(replay).await, (StatusCode::OK, decided));
    let excused = app.attendance_of(id).await;
    assert_eq!(excused.iter().map(|r| (r.0, r.1.as_str())).collect::<Vec<_>>(), [(f.liang, "excused")]);
    problem(post(&app, &peng, &path, Some("leave-2"), &approve).await, StatusCode::CONFLICT, "refused").await;
}
