//! QR check-in (/checkin/{token}): an invited member scans the meeting's code
//! within 20 minutes of its start and is present; outside the window, from
//! another branch, with an unknown code or without the form's token nothing
//! is written. A check-in is not points: those come when the meeting closes.

use super::helpers::*;
use reqwest::StatusCode;

const CHECKED_IN: &str = "签到成功";
const CLOSED: &str = "不在签到时间内";

#[tokio::test]
async fn an_invited_member_checks_in_within_twenty_minutes_of_the_start() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let id = app.meeting(&secretary, &MeetingForm::general(f.branch1, 0)).await;
    let path = format!("/checkin/{}", app.checkin_token(id).await);
    let member = app.login(MEMBER, PASSWORD).await;
    let ledger = app.ledger_rows().await;

    let page = text(app.get(&member, &path).await, StatusCode::OK).await;
    assert!(page.contains(">签到</button>") && !page.contains(CLOSED), "{page}");
    let csrf = csrf_of(&page);
    let done = text(app.post(&member, &path, &[("csrf", &csrf)]).await, StatusCode::OK).await;
    assert!(done.contains(CHECKED_IN), "{done}");

    assert_eq!(app.attendance_of(id).await, [(f.liang, "present".into(), "qr".into(), f.accounts[MEMBER], false)]);
    assert_eq!(app.ledger_rows().await, ledger, "points come when the meeting closes");
    assert_eq!(app.work(MEMBER).await, ["meeting.checkin"]);
    // The sheet shows how the member came to be present.
    let sheet = text(app.get(&secretary, &format!("/meetings/{id}")).await, StatusCode::OK).await;
    assert!(row_containing(&sheet, &format!("data-member=\"{}\"", f.liang)).expect("a row").contains("扫码签到"));

    // Nineteen minutes before or after the start (to the minute, as the
    // form takes it) the twenty-minute window is still open.
    for minutes in [-19, 19] {
        let other = app.meeting(&secretary, &MeetingForm::general(f.branch1, minutes)).await;
        let path = format!("/checkin/{}", app.checkin_token(other).await);
        text(app.post(&member, &path, &[("csrf", &csrf)]).await, StatusCode::OK).await;
        assert_eq!(app.attendance_of(other).await.len(), 1, "checked in {minutes} minutes from the start");
    }
}

#[tokio::test]
async fn check_in_outside_the_window_is_refused() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let member = app.login(MEMBER, PASSWORD).await;
    let csrf = app.csrf(&member).await;
    // Twenty-one minutes either side of the start is just outside the
    // twenty-minute window; an hour is far outside it.
    let mut meetings = Vec::new();
    for minutes in [21, -21, 60, -60] {
        meetings.push(app.meeting(&secretary, &MeetingForm::general(f.branch1, minutes)).await);
    }
    let before = app.written().await;

    for id in meetings {
        let path = format!("/checkin/{}", app.checkin_token(id).await);
        let page = text(app.get(&member, &path).await, StatusCode::OK).await;
        assert!(page.contains(CLOSED) && !page.contains("Check in"), "no button outside the window: {page}");
        let refused = text(app.post(&member, &path, &[("csrf", &csrf)]).await, StatusCode::CONFLICT).await;
        assert!(refused.contains(CLOSED), "{refused}");
    }
    assert_eq!(app.written().await, before);
}

#[tokio::test]
async fn check_in_to_a_closed_meeting_is_refused() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let id = app.meeting(&secretary, &MeetingForm::general(f.branch1, 0)).await;
    assert_redirect(&app.close_meeting(&secretary, id).await, &format!("/meetings/{id}"));
    let before = app.written().await;

    let member = app.login(MEMBER, PASSWORD).await;
    let csrf = app.csrf(&member).await;
    let path = format!("/checkin/{}", app.checkin_token(id).await);
    text(app.post(&member, &path, &[("csrf", &csrf)]).await, StatusCode::CONFLICT).await;
    assert_eq!(app.written().await, before, "the absence recorded at closing stands");
}

#[tokio::test]
async fn a_member_of_another_branch_does_not_check_in() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let id = app.meeting(&secretary, &MeetingForm::general(f.branch1, 0)).await;
    app.add_member_account(f.branch2, "孙二", "sun").await;
    let before = app.written().await;

    let path = format!("/checkin/{}", app.checkin_token(id).await);
    for login in ["sun", COMMITTEE] {
        let client = app.login(login, PASSWORD).await;
        let csrf = app.csrf(&client).await;
        let refused = text(app.post(&client, &path, &[("csrf", &csrf)]).await, StatusCode::FORBIDDEN).await;
        assert!(refused.contains("这不是您所在支部的会议"), "{refused}");
    }
    // An account that is no member checks in nowhere.
    let auditor = app.login(AUDITOR, PASSWORD).await;
    let csrf = app.csrf(&auditor).await;
    text(app.post(&auditor, &path, &[("csrf", &csrf)]).await, StatusCode::FORBIDDEN).await;
    assert_eq!(app.written().await, before);
}

#[tokio::test]
async fn an_unknown_code_is_not_found() {
    let app = spawn_app().await;
    let member = app.login(MEMBER, PASSWORD).await;
    let csrf = app.csrf(&member).await;
    let path = format!("/checkin/{}", "ab".repeat(32));
    let before = app.written().await;
    text(app.get(&member, &path).await, StatusCode::NOT_FOUND).await;
    text(app.post(&member, &path, &[("csrf", &csrf)]).await, StatusCode::NOT_FOUND).await;
    assert_eq!(app.written().await, before);
}

#[tokio::test]
async fn check_in_needs_the_session_token() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let id = app.meeting(&secretary, &MeetingForm::general(f.branch1, 0)).await;
    let path = format!("/checkin/{}", app.checkin_token(id).await);
    let member = app.login(MEMBER, PASSWORD).await;
    let before = app.written().await;

    text(app.post(&member, &path, &[("csrf", &"0".repeat(64))]).await, StatusCode::FORBIDDEN).await;
    let missing = app.post(&member, &path, &[]).await;
    assert!(missing.status().is_client_error(), "no token: {}", missing.status());
    // Signed out, the scan leads to the sign-in page (and back after it).
    let anonymous = app.client();
    assert_redirect(&app.get(&anonymous, &path).await, &format!("/login?next={path}"));
    assert_eq!(app.written().await, before);
}

/// The meeting page answers 403 to another branch's member; the check-in
/// page of the same meeting should too, rather than show its title and a
/// button whose post is then refused.
#[tokio::test]
async fn a_member_of_another_branch_is_not_offered_the_check_in() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let id = app.meeting(&secretary, &MeetingForm::general(f.branch1, 0)).await;
    app.add_member_account(f.branch2, "孙二", "sun").await;
    let client = app.login("sun", PASSWORD).await;
    let path = format!("/checkin/{}", app.checkin_token(id).await);
    text(app.get(&client, &path).await, StatusCode::FORBIDDEN).await;
}

/// Signs in through the login form with `next` as the form carries it.
async fn sign_in_with_next(app: &TestApp, client: &reqwest::Client, next: &str) -> reqwest::Response {
    let page = text(app.get(client, "/login").await, StatusCode::OK).await;
    let csrf = csrf_of(&page);
    let form = [("csrf", csrf.as_str()), ("login", MEMBER), ("password", PASSWORD), ("next", next)];
    app.post(client, "/login", &form).await
}

#[tokio::test]
async fn a_signed_out_scan_returns_to_the_check_in_after_sign_in() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let id = app.meeting(&secretary, &MeetingForm::general(f.branch1, 0)).await;
    let token = app.checkin_token(id).await;
    let path = format!("/checkin/{token}");

    // The phone is signed out: the scan leads to sign-in, which names the way back.
    let phone = app.client();
    let response = app.get(&phone, &path).await;
    assert_redirect(&response, &format!("/login?next=/checkin/{token}"));
    let page = text(app.get(&phone, &location(&response)).await, StatusCode::OK).await;
    assert!(page.contains(&format!("name=\"next\" value=\"{path}\"")), "the form carries the way back:\n{page}");
    let csrf = csrf_of(&page);
    let form = [("csrf", csrf.as_str()), ("login", MEMBER), ("password", PASSWORD), ("next", path.as_str())];
    assert_redirect(&app.post(&phone, "/login", &form).await, &path);
    // Back at the check-in, one tap checks her in.
    let page = text(app.get(&phone, &path).await, StatusCode::OK).await;
    text(app.post(&phone, &path, &[("csrf", &csrf_of(&page))]).await, StatusCode::OK).await;
    assert_eq!(app.attendance_of(id).await.len(), 1, "checked in");

    // An activity's venue QR comes back the same way; other pages lead home as before.
    let activity = app.publish_service(&app.login(COMMITTEE, PASSWORD).await, "volunteer.cleanup", 0, 60).await;
    let activity_token = app.text_of(&format!("SELECT checkin_token FROM activities WHERE id = {activity}")).await;
    assert_redirect(
        &app.get(&app.client(), &format!("/activities/checkin/{activity_token}")).await,
        &format!("/login?next=/activities/checkin/{activity_token}"),
    );
    assert_redirect(&app.get(&app.client(), "/me").await, "/login");
}

#[tokio::test]
async fn the_way_back_after_sign_in_never_leads_to_another_site() {
    let app = spawn_app().await;
    for next in [
        "//evil.example/checkin/x",
        "https://evil.example/checkin/x",
        "/\\evil.example",
        "/checkin/x\\..\\",
        "evil.example",
        "/login?next=//evil.example",
        "/checkin/x y",
        "",
    ] {
        let client = app.client();
        let page =
            text(app.get(&client, &format!("/login?next={}", next.replace('&', "%26"))).await, StatusCode::OK).await;
        assert!(!page.contains("name=\"next\""), "{next:?} is not carried:\n{page}");
        assert_redirect(&sign_in_with_next(&app, &client, next).await, "/");
    }
    // A signed-in visitor sent to the sign-in page with a foreign next goes home.
    let signed_in = app.login(MEMBER, PASSWORD).await;
    assert_redirect(&app.get(&signed_in, "/login?next=//evil.example").await, "/");
    // Control: a local path is followed.
    assert_redirect(&app.get(&signed_in, "/login?next=/standings").await, "/standings");
    assert_redirect(&sign_in_with_next(&app, &app.client(), "/activities").await, "/activities");
}
