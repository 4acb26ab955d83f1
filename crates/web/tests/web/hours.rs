//! Service counted by the hour (助老陪护, `volunteer.elder_care`, 0.5 points
//! an hour): the first scan of the venue QR checks in, the second checks
//! out; the organizer's confirmation prices the time served within the
//! activity's hours, in whole half hours. A member who did not check out is
//! not confirmed, and a refused confirmation writes nothing at all.

use super::helpers::*;
use reqwest::StatusCode;
use starledger_domain::org::MemberId;

const ELDER_CARE: &str = "volunteer.elder_care";

/// (member, checked_in_at, checked_out_at, entry_id) per sign-up.
type Attendance = (MemberId, Option<i64>, Option<i64>, Option<i64>);

async fn attendance(app: &TestApp, id: i64) -> Vec<Attendance> {
    let sql = format!(
        "SELECT member_id, unix_seconds(checked_in_at), unix_seconds(checked_out_at), entry_id FROM activity_signups \
         WHERE activity_id = {id} ORDER BY member_id"
    );
    app.rows(&sql).await
}

/// Sets when a member checked in and out, in minutes from the activity's start.
async fn served(app: &TestApp, id: i64, member: MemberId, from: i64, to: i64) {
    let sql = format!(
        "UPDATE activity_signups SET \
         checked_in_at = to_timestamp(unix_seconds((SELECT starts_at FROM activities WHERE id = {id})) + {from} * 60), \
         checked_out_at = to_timestamp(unix_seconds((SELECT starts_at FROM activities WHERE id = {id})) + {to} * 60) \
         WHERE activity_id = {id} AND member_id = {member}"
    );
    app.execute(&sql).await;
}

/// (member, rule, points in tenths, reason) of an activity's entries.
async fn entries(app: &TestApp, id: i64) -> Vec<(MemberId, String, i64, String)> {
    let sql = format!(
        "SELECT member_id, rule_key, points_tenths, reason FROM ledger_entries \
         WHERE source_ref = 'activity:{id}' ORDER BY member_id"
    );
    app.rows(&sql).await
}

#[tokio::test]
async fn the_second_scan_checks_out_and_the_hours_served_are_priced_per_half_hour() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let committee = app.login(COMMITTEE_2, PASSWORD).await;
    let liang = app.login(MEMBER, PASSWORD).await;
    let (jia, _) = app.add_member_account(f.branch1, "甲某", "jia").await;
    let jia_client = app.login("jia", PASSWORD).await;

    // Three hours of elder care, starting in two hours; both sign up.
    let id = app.publish_service(&committee, ELDER_CARE, 120, 180).await;
    app.join_service(&liang, id).await;
    app.join_service(&jia_client, id).await;
    app.reschedule_service(id, -10, 170).await;

    // First scan: in. Second scan: out. A third: refused.
    assert_redirect(&app.scan_service_qr(&liang, id).await, &format!("/activities/{id}"));
    let row = attendance(&app, id).await.into_iter().find(|r| r.0 == f.liang).expect("her sign-up");
    assert!(row.1.is_some() && row.2.is_none(), "checked in, not out: {row:?}");
    assert_redirect(&app.scan_service_qr(&liang, id).await, &format!("/activities/{id}"));
    let row = attendance(&app, id).await.into_iter().find(|r| r.0 == f.liang).expect("her sign-up");
    assert!(row.1.is_some() && row.2.is_some(), "checked in and out: {row:?}");
    let before = attendance(&app, id).await;
    text(app.scan_service_qr(&liang, id).await, StatusCode::CONFLICT).await;
    assert_eq!(attendance(&app, id).await, before, "a third scan changes nothing");
    assert_eq!(app.work(MEMBER).await, ["activity.answer", "activity.checkin", "activity.checkout"]);
    assert_redirect(&app.scan_service_qr(&jia_client, id).await, &format!("/activities/{id}"));
    assert_redirect(&app.scan_service_qr(&jia_client, id).await, &format!("/activities/{id}"));

    // The activity is over. 梁小改 came 15 minutes early and scanned out 2 h 50
    // min after the start: the early minutes do not count, and 2 h 50 min is
    // five whole half hours, 2.5 hours, 0.5 × 2.5 = 1.25 points, which the
    // ledger's tenths round to 1.3. 甲某 served from 0:10 to 1:10: one hour, 0.5.
    app.reschedule_service(id, -200, -20).await;
    served(&app, id, f.liang, -15, 170).await;
    served(&app, id, jia, 10, 70).await;
    let ledger = app.ledger_rows().await;
    assert_redirect(&app.confirm_served(&committee, id, &[f.liang, jia]).await, &format!("/activities/{id}"));
    assert_eq!(app.ledger_rows().await, ledger + 2);
    let written = entries(&app, id).await;
    let summary: Vec<(MemberId, &str, i64)> = written.iter().map(|(m, r, p, _)| (*m, r.as_str(), *p)).collect();
    assert_eq!(summary, [(f.liang, ELDER_CARE, 13), (jia, ELDER_CARE, 5)]);
    assert!(written[0].3.contains("2.5 小时"), "the reason gives the hours: {}", written[0].3);
    assert!(written[1].3.contains("1 小时"), "{}", written[1].3);
    assert!(attendance(&app, id).await.iter().all(|row| row.3.is_some()), "both sign-ups point at their entries");
}

#[tokio::test]
async fn a_member_who_did_not_check_out_is_not_confirmed_and_nothing_is_written() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let committee = app.login(COMMITTEE_2, PASSWORD).await;
    let liang = app.login(MEMBER, PASSWORD).await;
    let (jia, _) = app.add_member_account(f.branch1, "甲某", "jia").await;
    let jia_client = app.login("jia", PASSWORD).await;
    let (yi, _) = app.add_member_account(f.branch1, "乙某", "yi").await;
    let yi_client = app.login("yi", PASSWORD).await;

    let id = app.publish_service(&committee, ELDER_CARE, 120, 180).await;
    for client in [&liang, &jia_client, &yi_client] {
        app.join_service(client, id).await;
    }
    app.reschedule_service(id, -10, 170).await;
    // 梁小改 checks in and never out; 甲某 checks in and out; 乙某 never comes.
    assert_redirect(&app.scan_service_qr(&liang, id).await, &format!("/activities/{id}"));
    for _ in 0..2 {
        assert_redirect(&app.scan_service_qr(&jia_client, id).await, &format!("/activities/{id}"));
    }
    app.reschedule_service(id, -200, -20).await;
    served(&app, id, jia, 0, 120).await;

    let before = (app.written().await, attendance(&app, id).await);
    for members in [vec![f.liang], vec![jia, f.liang], vec![yi]] {
        let body = text(app.confirm_served(&committee, id, &members).await, StatusCode::CONFLICT).await;
        assert!(body.contains("没有签到和签退"), "{members:?}: {body}");
        assert_eq!((app.written().await, attendance(&app, id).await), before, "{members:?}: nothing is written");
    }
    assert!(entries(&app, id).await.is_empty(), "not even 甲某's, refused with the rest");

    // Check-out closes an hour after the end: 梁小改 is too late now.
    app.reschedule_service(id, -240, -61).await;
    text(app.scan_service_qr(&liang, id).await, StatusCode::CONFLICT).await;
    assert_eq!(attendance(&app, id).await, before.1);

    // Under half an hour served counts nothing, and is refused too.
    served(&app, id, f.liang, 0, 29).await;
    let body = text(app.confirm_served(&committee, id, &[f.liang]).await, StatusCode::CONFLICT).await;
    assert!(body.contains("服务不足半小时"), "{body}");
    assert!(entries(&app, id).await.is_empty());

    // 甲某 alone is confirmed: two hours, one point.
    assert_redirect(&app.confirm_served(&committee, id, &[jia]).await, &format!("/activities/{id}"));
    let summary: Vec<(MemberId, i64)> = entries(&app, id).await.into_iter().map(|(m, _, p, _)| (m, p)).collect();
    assert_eq!(summary, [(jia, 10)]);
}
