//! Leave (请假): an invited member asks before the meeting starts, once; the
//! branch secretary or the committee decides, never the requester; an
//! approved leave makes the attendance excused, so closing costs nothing.

use super::helpers::*;
use reqwest::{Client, Response, StatusCode};
use starledger_domain::org::{AccountId, CommunityId, MemberId};

async fn ask(app: &TestApp, client: &Client, meeting: i64, reason: &str) -> Response {
    let csrf = app.csrf(client).await;
    app.post(client, &format!("/meetings/{meeting}/leave"), &[("csrf", &csrf), ("reason", reason)]).await
}

async fn decide(app: &TestApp, client: &Client, request: i64, decision: &str) -> Response {
    let csrf = app.csrf(client).await;
    app.post(client, &format!("/leave/{request}/decide"), &[("csrf", &csrf), ("decision", decision)]).await
}

/// (status, decided_by) of a leave request.
async fn request_state(app: &TestApp, request: i64) -> (String, Option<AccountId>) {
    app.rows(&format!("SELECT status, decided_by FROM leave_requests WHERE id = {request}"))
        .await
        .pop()
        .unwrap_or_else(|| panic!("leave request {request} exists"))
}

async fn last_request(app: &TestApp) -> i64 {
    app.count("SELECT MAX(id) FROM leave_requests").await
}

#[tokio::test]
async fn an_invited_member_asks_for_leave_before_the_start() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let id = app.meeting(&secretary, &MeetingForm::general(f.branch1, 120)).await;
    let member = app.login(MEMBER, PASSWORD).await;

    assert_redirect(&ask(&app, &member, id, "  外出务工  ").await, &format!("/meetings/{id}"));
    let rows: Vec<(i64, MemberId, CommunityId, String, String, Option<i64>)> =
        app.rows("SELECT meeting_id, member_id, community_id, reason, status, decided_by FROM leave_requests").await;
    assert_eq!(rows, [(id, f.liang, f.community, "外出务工".into(), "pending".into(), None)]);
    assert_eq!(app.work(MEMBER).await, ["leave.ask"]);
    assert_eq!(app.rows_in("meeting_attendance").await, 0, "asking is not yet excused");

    // The secretary's queue shows it with a decision form.
    let request = last_request(&app).await;
    let queue = text(app.get(&secretary, "/reviews").await, StatusCode::OK).await;
    assert!(queue.contains(&format!("data-leave=\"{request}\"")) && queue.contains("外出务工"), "{queue}");
    assert!(queue.contains(&format!("action=\"/leave/{request}/decide\"")));
}

#[tokio::test]
async fn leave_is_asked_once_before_the_start_by_an_invited_member_with_a_reason() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let started = app.meeting(&secretary, &MeetingForm::general(f.branch1, -5)).await;
    let coming = app.meeting(&secretary, &MeetingForm::general(f.branch1, 120)).await;
    let member = app.login(MEMBER, PASSWORD).await;
    let before = app.written().await;

    // After the start: too late.
    text(ask(&app, &member, started, "生病").await, StatusCode::CONFLICT).await;
    let page = text(app.get(&member, &format!("/meetings/{started}")).await, StatusCode::OK).await;
    assert!(!page.contains("/leave\""), "no leave form once started: {page}");
    // Without a reason, or without the form's token.
    text(ask(&app, &member, coming, "   ").await, StatusCode::BAD_REQUEST).await;
    let path = format!("/meetings/{coming}/leave");
    text(app.post(&member, &path, &[("csrf", "x"), ("reason", "生病")]).await, StatusCode::FORBIDDEN).await;
    // From another branch, or with no member behind the account.
    app.add_member_account(f.branch2, "孙二", "sun").await;
    for login in ["sun", AUDITOR, OFF_ROLL] {
        let client = app.login(login, PASSWORD).await;
        text(ask(&app, &client, coming, "生病").await, StatusCode::FORBIDDEN).await;
    }
    assert_eq!(app.written().await, before, "refusals write nothing");

    // Once is enough.
    assert_redirect(&ask(&app, &member, coming, "生病").await, &format!("/meetings/{coming}"));
    let once = app.written().await;
    text(ask(&app, &member, coming, "还是生病").await, StatusCode::CONFLICT).await;
    assert_eq!(app.written().await, once);
    assert_eq!(app.text_of("SELECT reason FROM leave_requests").await, "生病");
}

#[tokio::test]
async fn the_secretary_approves_leave_and_the_absence_is_excused() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let id = app.meeting(&secretary, &MeetingForm::general(f.branch1, 120)).await;
    let member = app.login(MEMBER, PASSWORD).await;
    assert_redirect(&ask(&app, &member, id, "照顾老人").await, &format!("/meetings/{id}"));
    let request = last_request(&app).await;
    let ledger = app.ledger_rows().await;

    assert_redirect(&decide(&app, &secretary, request, "approve").await, "/reviews");
    let hu = f.accounts[BRANCH_SECRETARY];
    assert_eq!(request_state(&app, request).await, ("approved".into(), Some(hu)));
    assert_eq!(app.attendance_of(id).await, [(f.liang, "excused".into(), "leave".into(), hu, false)]);
    assert_eq!(app.ledger_rows().await, ledger, "deciding leave is not points");
    assert_eq!(app.work(BRANCH_SECRETARY).await, ["meeting.add", "leave.decide"]);
    let queue = text(app.get(&secretary, "/reviews").await, StatusCode::OK).await;
    assert!(!queue.contains(&format!("data-leave=\"{request}\"")), "decided leave leaves the queue");
    let page = text(app.get(&member, &format!("/meetings/{id}")).await, StatusCode::OK).await;
    assert!(page.contains("考勤：请假"), "the member sees the leave: {page}");

    // Time passes; the meeting is closed: no absence for the excused member.
    app.move_start(id, -60).await;
    assert_redirect(&app.close_meeting(&secretary, id).await, &format!("/meetings/{id}"));
    let entries = app.meeting_entries(id).await;
    assert!(!entries.iter().any(|(member, ..)| *member == f.liang), "excused costs nothing: {entries:?}");
    assert_eq!(entries, [(f.wang, "meeting.absent".into(), -20, format!("account:{hu}"))]);
    let liang_row = app.attendance_of(id).await.into_iter().find(|row| row.0 == f.liang).expect("a row");
    assert_eq!((liang_row.1.as_str(), liang_row.4), ("excused", true));
}

#[tokio::test]
async fn a_rejected_leave_leaves_the_member_expected() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let id = app.meeting(&secretary, &MeetingForm::general(f.branch1, 120)).await;
    let member = app.login(MEMBER, PASSWORD).await;
    assert_redirect(&ask(&app, &member, id, "不想去").await, &format!("/meetings/{id}"));
    let request = last_request(&app).await;

    let csrf = app.csrf(&secretary).await;
    let form = [("csrf", csrf.as_str()), ("decision", "reject"), ("note", "  支部会议须本人参加  ")];
    assert_redirect(&app.post(&secretary, &format!("/leave/{request}/decide"), &form).await, "/reviews");
    assert_eq!(request_state(&app, request).await, ("rejected".into(), Some(f.accounts[BRANCH_SECRETARY])));
    assert_eq!(app.rows_in("meeting_attendance").await, 0);
    let note: Vec<(Option<String>,)> =
        app.rows(&format!("SELECT decision_note FROM leave_requests WHERE id = {request}")).await;
    assert_eq!(note, [(Some("支部会议须本人参加".to_string()),)], "the decision's note is kept, trimmed");

    // Decided is decided; a decision is approve or reject.
    let before = app.written().await;
    text(decide(&app, &secretary, request, "approve").await, StatusCode::CONFLICT).await;
    let committee = app.login(COMMITTEE_2, PASSWORD).await;
    text(decide(&app, &committee, request, "approve").await, StatusCode::CONFLICT).await;
    text(decide(&app, &committee, request, "perhaps").await, StatusCode::BAD_REQUEST).await;
    assert_eq!(app.written().await, before);
}

#[tokio::test]
async fn nobody_decides_their_own_leave_and_members_decide_none() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let id = app.meeting(&secretary, &MeetingForm::general(f.branch1, 120)).await;
    // The secretary is a member of the branch, invited like anyone.
    assert_redirect(&ask(&app, &secretary, id, "到镇上开会").await, &format!("/meetings/{id}"));
    let own = last_request(&app).await;
    let member = app.login(MEMBER, PASSWORD).await;
    assert_redirect(&ask(&app, &member, id, "外出").await, &format!("/meetings/{id}"));
    let members = last_request(&app).await;

    let queue = text(app.get(&secretary, "/reviews").await, StatusCode::OK).await;
    let card = &queue[queue.find(&format!("data-leave=\"{own}\"")).expect("queued")..];
    assert!(card.contains("须由他人审核"), "{card}");
    assert!(!queue.contains(&format!("/leave/{own}/decide")), "no decision form for one's own leave");

    app.add_branch_secretary(f.branch2, "曹书记", "cao").await;
    let before = app.written().await;
    for decision in ["approve", "reject"] {
        text(decide(&app, &secretary, own, decision).await, StatusCode::FORBIDDEN).await;
        text(decide(&app, &member, members, decision).await, StatusCode::FORBIDDEN).await;
        text(decide(&app, &member, own, decision).await, StatusCode::FORBIDDEN).await;
        for login in [AUDITOR, "cao"] {
            let client = app.login(login, PASSWORD).await;
            text(decide(&app, &client, members, decision).await, StatusCode::FORBIDDEN).await;
        }
    }
    text(app.get(&member, "/reviews").await, StatusCode::FORBIDDEN).await;
    let cao = app.login("cao", PASSWORD).await;
    let queue = text(app.get(&cao, "/reviews").await, StatusCode::OK).await;
    assert!(!queue.contains("data-leave="), "another branch's leave is not queued: {queue}");
    assert_eq!(request_state(&app, own).await, ("pending".into(), None));
    assert_eq!(request_state(&app, members).await, ("pending".into(), None));
    assert_eq!(app.written().await, before);

    // The committee decides the secretary's.
    let committee = app.login(COMMITTEE_2, PASSWORD).await;
    assert_redirect(&decide(&app, &committee, own, "approve").await, "/reviews");
    assert_eq!(request_state(&app, own).await, ("approved".into(), Some(f.accounts[COMMITTEE_2])));
    let excused: Vec<(MemberId, String, String)> =
        app.rows(&format!("SELECT member_id, status, via FROM meeting_attendance WHERE meeting_id = {id}")).await;
    assert_eq!(excused, [(f.hu, "excused".into(), "leave".into())]);
}

/// "An approved leave costs nothing" (crates/domain/src/meetings.rs): a leave
/// still pending when the meeting closes must not end up approved while its
/// absence stays in the ledger. Either the late approval is refused, or it
/// takes the absence away.
#[tokio::test]
async fn a_leave_approved_after_closing_leaves_no_absence_standing() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let id = app.meeting(&secretary, &MeetingForm::general(f.branch1, 120)).await;
    let member = app.login(MEMBER, PASSWORD).await;
    assert_redirect(&ask(&app, &member, id, "住院").await, &format!("/meetings/{id}"));
    let request = last_request(&app).await;
    app.move_start(id, -60).await;
    assert_redirect(&app.close_meeting(&secretary, id).await, &format!("/meetings/{id}"));
    let before = app.written().await;

    let response = decide(&app, &secretary, request, "approve").await;
    let status = response.status();
    let (state, _) = request_state(&app, request).await;
    let points = app
        .count(&format!(
            "SELECT CAST(COALESCE(SUM(points_tenths), 0) AS BIGINT) FROM ledger_entries WHERE source_ref = 'meeting:{id}' AND member_id = {}",
            f.liang
        ))
        .await;
    if status == StatusCode::CONFLICT {
        assert_eq!(state, "pending");
        assert_eq!(app.written().await, before);
    } else {
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert!(!(state == "approved" && points < 0), "leave {state}, yet {points} tenths for the meeting");
    }
}

/// Recusal is about the person: a committee login of no member of the roll
/// cannot be checked against the requester's relatives, so it decides no
/// leave (`app::meetings::decide_leave`); a member's relative decides none either.
#[tokio::test]
async fn leave_is_decided_by_a_person_who_is_no_relative() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let id = app.meeting(&secretary, &MeetingForm::general(f.branch1, 120)).await;
    let member = app.login(MEMBER, PASSWORD).await;
    assert_redirect(&ask(&app, &member, id, "外出务工").await, &format!("/meetings/{id}"));
    let request = last_request(&app).await;
    let committee = app.login(COMMITTEE, PASSWORD).await;
    let csrf = app.csrf(&committee).await;
    let (hu, liang) = (f.hu.to_string(), f.liang.to_string());
    let form = [("csrf", csrf.as_str()), ("member", &hu), ("relative", &liang), ("relation", "配偶")];
    assert_redirect(&app.post(&committee, "/integrity/relatives", &form).await, "/integrity");

    let before = app.written().await;
    let off_roll = app.login(OFF_ROLL, PASSWORD).await;
    text(decide(&app, &off_roll, request, "approve").await, StatusCode::FORBIDDEN).await;
    let page = text(decide(&app, &secretary, request, "approve").await, StatusCode::FORBIDDEN).await;
    assert!(page.contains("回避"), "{page}");
    assert_eq!(app.written().await, before);
    assert_eq!(request_state(&app, request).await, ("pending".into(), None));

    // Control: a committee member of the roll, no relative, decides it.
    assert_redirect(&decide(&app, &committee, request, "approve").await, "/reviews");
    assert_eq!(request_state(&app, request).await, ("approved".into(), Some(f.accounts[COMMITTEE])));
}
