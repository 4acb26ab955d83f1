//! "自己说了不算、书记说了不算", tried as an adversary would: a branch
//! secretary whose relative is a member of his branch, and a committee
//! member with a second login. Each hole is tried and refused, and the
//! legitimate path beside it still works.

use super::helpers::*;
use reqwest::StatusCode;
use starledger_domain::org::Role;

/// The committee marks 梁小改 as the branch secretary's relative.
async fn secretary_with_a_relative(app: &TestApp) {
    let committee = app.login(COMMITTEE, PASSWORD).await;
    let csrf = app.csrf(&committee).await;
    let (member, relative) = (app.fixture.hu.to_string(), app.fixture.liang.to_string());
    let form = [("csrf", csrf.as_str()), ("member", &member), ("relative", &relative), ("relation", "配偶")];
    assert_redirect(&app.post(&committee, "/integrity/relatives", &form).await, "/integrity");
}

#[tokio::test]
async fn a_secretary_approves_no_claim_of_his_relative() {
    let app = spawn_app().await;
    secretary_with_a_relative(&app).await;
    let member = app.login(MEMBER, PASSWORD).await;
    let claim = app.study_claim(&member, PNG).await;
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let before = app.written().await;
    for decision in ["approve", "reject"] {
        let page = text(app.decide(&secretary, claim, decision).await, StatusCode::FORBIDDEN).await;
        assert!(page.contains("回避") || page.contains("recused"), "{page}");
    }
    assert_eq!(app.written().await, before, "refused decisions write nothing");
    assert_eq!(app.claim_state(claim).await.0, "pending");

    // Control: a committee member who is not related decides it.
    let committee = app.login(COMMITTEE, PASSWORD).await;
    assert_redirect(&app.decide(&committee, claim, "approve").await, "/reviews");
    assert_eq!(app.claim_state(claim).await.0, "approved");
}

#[tokio::test]
async fn a_secretary_marks_and_records_no_attendance_of_his_relative() {
    let app = spawn_app().await;
    let f = &app.fixture;
    secretary_with_a_relative(&app).await;
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let meeting = app.meeting(&secretary, &MeetingForm::general(f.branch1, -30)).await;

    // Marking her present is refused, even among others.
    text(app.mark(&secretary, meeting, &[(f.wang, "present"), (f.liang, "present")]).await, StatusCode::FORBIDDEN)
        .await;
    assert!(app.attendance_of(meeting).await.is_empty(), "the refused sheet wrote nothing");

    // Closing records the others and leaves her, unmarked, for another account.
    assert_redirect(&app.close_meeting(&secretary, meeting).await, &format!("/meetings/{meeting}"));
    let entries = app.meeting_entries(meeting).await;
    assert!(entries.iter().all(|(member, ..)| *member != f.liang), "nothing about her by him: {entries:?}");
    assert!(entries.iter().any(|(member, ..)| *member == f.wang), "the others are recorded: {entries:?}");

    // Control: the committee marks her and closes again.
    let committee = app.login(COMMITTEE, PASSWORD).await;
    assert_redirect(&app.mark(&committee, meeting, &[(f.liang, "present")]).await, &format!("/meetings/{meeting}"));
    assert_redirect(&app.close_meeting(&committee, meeting).await, &format!("/meetings/{meeting}"));
    let by_committee = format!("account:{}", f.accounts[COMMITTEE]);
    let entries = app.meeting_entries(meeting).await;
    assert!(
        entries
            .iter()
            .any(|(member, rule, _, by)| *member == f.liang && rule == "meeting.branch_general" && *by == by_committee),
        "{entries:?}"
    );
}

#[tokio::test]
async fn a_secretary_confirms_no_service_of_his_relative() {
    let app = spawn_app().await;
    let f = &app.fixture;
    secretary_with_a_relative(&app).await;
    let committee = app.login(COMMITTEE, PASSWORD).await;
    let activity = app.publish_service(&committee, "volunteer.cleanup", 60, 120).await;
    let member = app.login(MEMBER, PASSWORD).await;
    app.join_service(&member, activity).await;
    app.reschedule_service(activity, -60, 60).await;

    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let before = app.written().await;
    text(app.confirm_served(&secretary, activity, &[f.liang]).await, StatusCode::FORBIDDEN).await;
    assert_eq!(app.written().await, before);

    assert_redirect(&app.confirm_served(&committee, activity, &[f.liang]).await, &format!("/activities/{activity}"));
    let confirmed =
        app.count(&format!("SELECT COUNT(*) FROM ledger_entries WHERE source_ref = 'activity:{activity}'")).await;
    assert_eq!(confirmed, 1, "the committee's confirmation is recorded");
}

#[tokio::test]
async fn a_committee_login_without_a_person_decides_nothing() {
    let app = spawn_app().await;
    let f = &app.fixture;
    // A second committee account with no member of the roll behind it.
    app.add_account("shadow", Role::Committee, None, None).await;
    let shadow = app.login("shadow", PASSWORD).await;
    let committee = app.login(COMMITTEE, PASSWORD).await;

    // Its votes on an integrity record count for nothing: it is refused.
    let csrf = app.csrf(&committee).await;
    let (member, date) = (f.liang.to_string(), today().to_string());
    let parts = [
        Part::Text("csrf", &csrf),
        Part::Text("member", &member),
        Part::Text("rule", "integrity.commendation"),
        Part::Text("date", &date),
        Part::Text("description", "拾金不昧"),
    ];
    assert_redirect(&app.post_multipart(&committee, "/integrity", &parts).await, "/integrity");
    let record = app.count("SELECT MAX(id) FROM integrity_records").await;
    let csrf = app.csrf(&shadow).await;
    let path = format!("/integrity/{record}/vote");
    let page =
        text(app.post(&shadow, &path, &[("csrf", &csrf), ("vote", "approve")]).await, StatusCode::FORBIDDEN).await;
    assert!(page.contains("account link") || page.contains("roll"), "{page}");
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM integrity_votes WHERE record_id = {record}")).await, 0);

    // Nor does a second account for a member who already has one exist.
    let second =
        app.try_add_account("liang2", Role::Committee, Some(f.liang)).await.expect_err("one person, one account");
    assert!(second.contains("one person has one account"), "{second}");
}
