//! Meetings (三会一课, 主题党日): the branch secretary schedules them, keeps
//! the sheet and closes them into the ledger through the rulebook. Nobody
//! records their own attendance; what the closer cannot record waits for
//! someone else; closing again records nothing twice.

use super::helpers::*;
use reqwest::StatusCode;
use starledger_domain::org::{AccountId, BranchId, MemberId};

/// branch, party group, rule, title, place, starts_at, created_by, closed_at.
type MeetingRow = (BranchId, Option<i64>, String, String, String, i64, AccountId, Option<i64>);

/// (member, rule, points in tenths, recorded_by), sorted.
fn sorted(mut entries: Vec<(MemberId, String, i64, String)>) -> Vec<(MemberId, String, i64, String)> {
    entries.sort();
    entries
}

fn by(account: AccountId) -> String {
    format!("account:{account}")
}

#[tokio::test]
async fn the_branch_secretary_schedules_a_meeting_for_their_branch() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let page = text(app.get(&secretary, "/meetings").await, StatusCode::OK).await;
    assert!(page.contains("action=\"/meetings\""), "the secretary is offered the form");
    assert!(page.contains(&format!("<option value=\"{}\">", f.branch1)), "{page}");
    assert!(!page.contains(&format!("<option value=\"{}\">", f.branch2)), "only their own branch is offered");

    let form = MeetingForm::general(f.branch1, 90);
    let id = app.meeting(&secretary, &form).await;
    let rows: Vec<MeetingRow> = app
        .rows(
            "SELECT branch_id, party_group_id, rule_key, title, place, unix_seconds(starts_at), created_by, \
             unix_seconds(closed_at) FROM meetings",
        )
        .await;
    assert_eq!(
        rows,
        [(
            f.branch1,
            None,
            "meeting.branch_general".into(),
            "支部党员大会".into(),
            "社区党群服务中心".into(),
            seconds_of(&form.starts_at),
            f.accounts[BRANCH_SECRETARY],
            None
        )]
    );
    assert_eq!(app.checkin_token(id).await.len(), 64, "a check-in token of 32 random bytes");
    assert_eq!(app.work(BRANCH_SECRETARY).await, ["meeting.add"]);

    let list = text(app.get(&secretary, "/meetings").await, StatusCode::OK).await;
    assert!(list.contains(&format!("data-meeting=\"{id}\"")), "{list}");
    // The sheet lists the branch's members, the secretary's own row locked.
    let sheet = text(app.get(&secretary, &format!("/meetings/{id}")).await, StatusCode::OK).await;
    assert!(sheet.contains("<svg"), "the QR to scan");
    for member in [f.liang, f.hu, f.wang] {
        assert!(sheet.contains(&format!("data-member=\"{member}\"")), "member {member}:\n{sheet}");
    }
    for member in [f.peng, f.zeng] {
        assert!(!sheet.contains(&format!("data-member=\"{member}\"")), "member {member} is of branch 2");
    }
    assert!(sheet.contains(&format!("name=\"m{}\"", f.liang)));
    assert!(!sheet.contains(&format!("name=\"m{}\"", f.hu)), "nobody marks their own attendance");

    // The committee schedules for any branch.
    let committee = app.login(COMMITTEE_2, PASSWORD).await;
    app.meeting(&committee, &MeetingForm::general(f.branch2, 90)).await;
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM meetings WHERE branch_id = {}", f.branch2)).await, 1);
}

#[tokio::test]
async fn scheduling_is_refused_outside_ones_branch_and_role() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let other_group = app.add_party_group(f.branch2, "第二党支部第一党小组").await;
    let before = app.written().await;

    // Another branch's meeting.
    text(app.schedule(&secretary, &MeetingForm::general(f.branch2, 90)).await, StatusCode::FORBIDDEN).await;
    // Members and auditors schedule nothing.
    for login in [MEMBER, AUDITOR] {
        let client = app.login(login, PASSWORD).await;
        let page = text(app.get(&client, "/meetings").await, StatusCode::OK).await;
        assert!(!page.contains("action=\"/meetings\""), "{login} is not offered the form");
        text(app.schedule(&client, &MeetingForm::general(f.branch1, 90)).await, StatusCode::FORBIDDEN).await;
    }
    // A kind that is no meeting, a time that is no time, a group of another branch.
    for rule in ["meeting.late", "meeting.absent", "volunteer.cleanup", "meeting.nonsense"] {
        let form = MeetingForm { rule, ..MeetingForm::general(f.branch1, 90) };
        text(app.schedule(&secretary, &form).await, StatusCode::BAD_REQUEST).await;
    }
    let form = MeetingForm { starts_at: "tomorrow at eight".into(), ..MeetingForm::general(f.branch1, 90) };
    text(app.schedule(&secretary, &form).await, StatusCode::BAD_REQUEST).await;
    let form = MeetingForm { rule: "meeting.group", group: Some(other_group), ..MeetingForm::general(f.branch1, 90) };
    text(app.schedule(&secretary, &form).await, StatusCode::BAD_REQUEST).await;
    // And the form's token.
    let fields = [
        ("csrf", "wrong"),
        ("rule", "meeting.branch_general"),
        ("branch", &f.branch1.to_string()),
        ("group", ""),
        ("title", "会"),
        ("place", "室"),
        ("starts_at", &starts_in(90)),
    ];
    text(app.post(&secretary, "/meetings", &fields).await, StatusCode::FORBIDDEN).await;
    assert_eq!(app.written().await, before, "no meeting is written");
}

#[tokio::test]
async fn the_sheet_is_kept_by_the_secretary_and_never_about_themselves() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let id = app.meeting(&secretary, &MeetingForm::general(f.branch1, -30)).await;

    assert_redirect(
        &app.mark(&secretary, id, &[(f.liang, "present"), (f.wang, "late")]).await,
        &format!("/meetings/{id}"),
    );
    let hu = f.accounts[BRANCH_SECRETARY];
    assert_eq!(
        app.attendance_of(id).await,
        [
            (f.liang, "present".into(), "secretary".into(), hu, false),
            (f.wang, "late".into(), "secretary".into(), hu, false)
        ]
    );
    let before = app.written().await;

    // The secretary's own row, even among others, refuses the whole sheet.
    let own = app.mark(&secretary, id, &[(f.liang, "absent"), (f.hu, "present")]).await;
    text(own, StatusCode::FORBIDDEN).await;
    // A status that is none.
    text(app.mark(&secretary, id, &[(f.liang, "asleep")]).await, StatusCode::BAD_REQUEST).await;
    // Members, auditors and another branch's secretary keep no sheet.
    app.add_branch_secretary(f.branch2, "曹书记", "cao").await;
    for login in [MEMBER, AUDITOR, "cao"] {
        let client = app.login(login, PASSWORD).await;
        text(app.mark(&client, id, &[(f.wang, "absent")]).await, StatusCode::FORBIDDEN).await;
        text(app.close_meeting(&client, id).await, StatusCode::FORBIDDEN).await;
    }
    // Without the form's token.
    let path = format!("/meetings/{id}/attendance");
    let field = format!("m{}", f.wang);
    text(app.post(&secretary, &path, &[("csrf", "x"), (field.as_str(), "absent")]).await, StatusCode::FORBIDDEN).await;
    assert_eq!(app.written().await, before, "refused sheets change nothing");
}

#[tokio::test]
async fn a_meeting_is_closed_only_after_it_starts() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let id = app.meeting(&secretary, &MeetingForm::general(f.branch1, 120)).await;
    assert_redirect(&app.mark(&secretary, id, &[(f.liang, "present")]).await, &format!("/meetings/{id}"));
    let before = app.written().await;

    text(app.close_meeting(&secretary, id).await, StatusCode::CONFLICT).await;
    assert_eq!(app.written().await, before, "not closed, nobody marked absent, nothing in the ledger");
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM meetings WHERE id = {id} AND closed_at IS NULL")).await, 1);
}

#[tokio::test]
async fn closing_records_attendance_through_the_rulebook() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let present = app.add_member(NewPerson::in_branch(f.branch1, "邓一")).await;
    let late = app.add_member(NewPerson::in_branch(f.branch1, "邓二")).await;
    let absent = app.add_member(NewPerson::in_branch(f.branch1, "邓三")).await;
    let excused = app.add_member(NewPerson::in_branch(f.branch1, "邓四")).await;
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let id = app.meeting(&secretary, &MeetingForm::general(f.branch1, -60)).await;
    let marks = [(f.liang, "present"), (present, "present"), (late, "late"), (absent, "absent"), (excused, "excused")];
    assert_redirect(&app.mark(&secretary, id, &marks).await, &format!("/meetings/{id}"));
    let ledger = app.ledger_rows().await;

    assert_redirect(&app.close_meeting(&secretary, id).await, &format!("/meetings/{id}"));

    let hu = f.accounts[BRANCH_SECRETARY];
    let general = "meeting.branch_general".to_string();
    assert_eq!(
        sorted(app.meeting_entries(id).await),
        sorted(vec![
            (f.liang, general.clone(), 20, by(hu)),
            (present, general.clone(), 20, by(hu)),
            (late, general.clone(), 20, by(hu)),
            (late, "meeting.late".into(), -5, by(hu)),
            (absent, "meeting.absent".into(), -20, by(hu)),
            // 王德福 was not marked: absent.
            (f.wang, "meeting.absent".into(), -20, by(hu)),
        ]),
        "excused costs nothing; the secretary's own attendance is not theirs to record"
    );
    assert_eq!(app.ledger_rows().await, ledger + 6);
    // Each entry is dated the meeting's day and keyed to meeting, member and rule.
    let keys: Vec<(String, String)> = app
        .rows(&format!(
            "SELECT idempotency_key, CAST(occurred_on AS TEXT) FROM ledger_entries WHERE source_ref = 'meeting:{id}'"
        ))
        .await;
    for (key, on) in &keys {
        assert!(key.starts_with(&format!("meeting:{id}:")), "{key}");
        assert_eq!(on, &day_of_start(-60));
    }
    let attendance = app.attendance_of(id).await;
    let expected = [
        (f.liang, "present"),
        (f.wang, "absent"),
        (present, "present"),
        (late, "late"),
        (absent, "absent"),
        (excused, "excused"),
    ];
    assert_eq!(
        attendance.iter().map(|(m, s, _, _, l)| (*m, s.as_str(), *l)).collect::<Vec<_>>(),
        expected.iter().map(|(m, s)| (*m, *s, true)).collect::<Vec<_>>(),
        "every row is ledgered, and the secretary has none"
    );
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM meetings WHERE id = {id} AND closed_at IS NOT NULL")).await, 1);
    assert_eq!(app.work(BRANCH_SECRETARY).await, ["meeting.add", "meeting.attendance", "meeting.close"]);

    // The sheet says what waits for another recorder: the secretary's own.
    let sheet = text(app.get(&secretary, &format!("/meetings/{id}")).await, StatusCode::OK).await;
    assert!(sheet.contains("尚待他人记入积分的考勤：1"), "{sheet}");
    assert!(sheet.contains("记入剩余考勤"));
}

/// The day in China of a time `minutes` from now.
fn day_of_start(minutes: i64) -> String {
    starts_in(minutes)[..10].to_string()
}

#[tokio::test]
async fn closing_again_records_nothing_twice_and_the_closers_own_waits_for_another() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let id = app.meeting(&secretary, &MeetingForm::general(f.branch1, -60)).await;
    assert_redirect(&app.mark(&secretary, id, &[(f.liang, "present")]).await, &format!("/meetings/{id}"));
    assert_redirect(&app.close_meeting(&secretary, id).await, &format!("/meetings/{id}"));
    let first = app.meeting_entries(id).await;
    assert_eq!(first.len(), 2, "梁小改 present, 王德福 absent: {first:?}");

    // Closing again, or changing a ledgered row, writes nothing new.
    assert_redirect(&app.close_meeting(&secretary, id).await, &format!("/meetings/{id}"));
    assert_redirect(&app.mark(&secretary, id, &[(f.liang, "absent")]).await, &format!("/meetings/{id}"));
    assert_eq!(app.meeting_entries(id).await, first);
    let liang_row = app.attendance_of(id).await.into_iter().find(|row| row.0 == f.liang).expect("a row");
    assert_eq!((liang_row.1.as_str(), liang_row.4), ("present", true), "a ledgered row stays");

    // The committee closing again without a mark for the secretary records nothing either.
    let committee = app.login(COMMITTEE_2, PASSWORD).await;
    assert_redirect(&app.close_meeting(&committee, id).await, &format!("/meetings/{id}"));
    assert_eq!(app.meeting_entries(id).await, first);

    // The committee marks the secretary's attendance, and records the rest.
    let sheet = text(app.get(&committee, &format!("/meetings/{id}")).await, StatusCode::OK).await;
    assert!(sheet.contains(&format!("name=\"m{}\"", f.hu)), "the committee may mark the secretary: {sheet}");
    assert!(sheet.contains("记入剩余考勤"));
    assert_redirect(&app.mark(&committee, id, &[(f.hu, "present")]).await, &format!("/meetings/{id}"));
    assert_redirect(&app.close_meeting(&committee, id).await, &format!("/meetings/{id}"));
    let entries = app.meeting_entries(id).await;
    assert_eq!(entries.len(), 3, "{entries:?}");
    assert_eq!(entries[2], (f.hu, "meeting.branch_general".into(), 20, by(f.accounts[COMMITTEE_2])));
    assert!(app.attendance_of(id).await.iter().all(|row| row.4), "everyone is ledgered");

    // And once more: nothing twice.
    assert_redirect(&app.close_meeting(&committee, id).await, &format!("/meetings/{id}"));
    assert_redirect(&app.close_meeting(&secretary, id).await, &format!("/meetings/{id}"));
    assert_eq!(app.meeting_entries(id).await, entries);
    let distinct = app
        .count(&format!("SELECT COUNT(DISTINCT idempotency_key) FROM ledger_entries WHERE source_ref = 'meeting:{id}'"))
        .await;
    assert_eq!(distinct, 3);
    let sheet = text(app.get(&committee, &format!("/meetings/{id}")).await, StatusCode::OK).await;
    assert!(!sheet.contains("记入剩余考勤"), "nothing remains: {sheet}");
}

#[tokio::test]
async fn a_party_group_meeting_invites_only_that_group() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let group = app.add_party_group(f.branch1, "第一党小组").await;
    let first = app.add_member(NewPerson { group: Some(group), ..NewPerson::in_branch(f.branch1, "组员甲") }).await;
    let second = app.add_member(NewPerson { group: Some(group), ..NewPerson::in_branch(f.branch1, "组员乙") }).await;
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let form = MeetingForm { rule: "meeting.group", group: Some(group), ..MeetingForm::general(f.branch1, -60) };
    let id = app.meeting(&secretary, &form).await;
    assert_eq!(app.count(&format!("SELECT party_group_id FROM meetings WHERE id = {id}")).await, group.get());

    let sheet = text(app.get(&secretary, &format!("/meetings/{id}")).await, StatusCode::OK).await;
    assert_eq!(sheet.matches("data-member=").count(), 2, "{sheet}");
    assert!(
        sheet.contains(&format!("data-member=\"{first}\"")) && sheet.contains(&format!("data-member=\"{second}\""))
    );
    // A branch member outside the group is not invited.
    let member = app.login(MEMBER, PASSWORD).await;
    text(app.get(&member, &format!("/meetings/{id}")).await, StatusCode::FORBIDDEN).await;

    // Marks for members outside the group are ignored; closing records the group only.
    assert_redirect(
        &app.mark(&secretary, id, &[(f.liang, "present"), (first, "present")]).await,
        &format!("/meetings/{id}"),
    );
    assert_redirect(&app.close_meeting(&secretary, id).await, &format!("/meetings/{id}"));
    let hu = f.accounts[BRANCH_SECRETARY];
    assert_eq!(
        sorted(app.meeting_entries(id).await),
        sorted(vec![(first, "meeting.group".into(), 10, by(hu)), (second, "meeting.absent".into(), -20, by(hu))])
    );
    let rows: Vec<MemberId> = app.attendance_of(id).await.into_iter().map(|row| row.0).collect();
    assert_eq!(rows, [first, second]);
}

#[tokio::test]
async fn a_meeting_is_seen_by_its_branch_the_committee_and_the_auditor_only() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let id = app.meeting(&secretary, &MeetingForm::general(f.branch1, 90)).await;
    app.add_member_account(f.branch2, "孙二", "sun").await;
    app.add_branch_secretary(f.branch2, "曹书记", "cao").await;
    let path = format!("/meetings/{id}");

    for login in ["sun", "cao"] {
        let client = app.login(login, PASSWORD).await;
        text(app.get(&client, &path).await, StatusCode::FORBIDDEN).await;
        let list = text(app.get(&client, "/meetings").await, StatusCode::OK).await;
        assert!(!list.contains(&format!("data-meeting=\"{id}\"")), "{login} does not see it listed");
    }
    // An invited member sees it, without the sheet or the QR.
    let member = app.login(MEMBER, PASSWORD).await;
    let page = text(app.get(&member, &path).await, StatusCode::OK).await;
    assert!(!page.contains("/attendance\"") && !page.contains("<svg") && !page.contains("/close\""), "{page}");
    assert!(page.contains(&format!("action=\"/meetings/{id}/leave\"")), "but may ask for leave");
    // The auditor reads it; the committee manages it.
    let auditor = app.login(AUDITOR, PASSWORD).await;
    let page = text(app.get(&auditor, &path).await, StatusCode::OK).await;
    assert!(!page.contains("/attendance\""), "{page}");
    let committee = app.login(COMMITTEE, PASSWORD).await;
    let page = text(app.get(&committee, &path).await, StatusCode::OK).await;
    assert!(page.contains("/attendance\"") && page.contains("<svg"));
    // A meeting that does not exist.
    text(app.get(&secretary, "/meetings/999999").await, StatusCode::NOT_FOUND).await;
}

/// Issue 17, item 9: a meeting dated `0001-01-01T00:00`, or in a year not
/// opened, was accepted; its points could never be written. Refused, and
/// nothing is written; the control is every meeting scheduled above.
#[tokio::test]
async fn a_meeting_outside_the_open_years_is_refused() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let before = app.written().await;
    let far = format!("{}-03-01T09:00", today().year() + 5);
    for starts_at in ["0001-01-01T00:00".to_string(), far] {
        let form = MeetingForm { starts_at: starts_at.clone(), ..MeetingForm::general(f.branch1, 0) };
        let page = text(app.schedule(&secretary, &form).await, StatusCode::CONFLICT).await;
        assert!(page.contains("不在已开放的年度内"), "{starts_at}:\n{page}");
    }
    assert_eq!(app.written().await, before, "nothing was written");
    let form = MeetingForm::general(f.branch1, 60);
    assert_eq!(app.schedule(&secretary, &form).await.status(), StatusCode::SEE_OTHER, "an open year's meeting is");
}
