//! Volunteer service (志愿服务, /activities): the committee publishes a notice
//! with a ready-to-paste text and two QR codes; members sign up or cancel
//! until the start; at the venue they check in by the activity's QR from 30
//! minutes before the start until the end; the organizer confirms who served,
//! never themselves, and each confirmation is a ledger entry priced by the
//! activity's rule, within the caps. Every refusal writes nothing.

use super::helpers::*;
use reqwest::{Client, Response, StatusCode};
use starledger_domain::org::{AccountId, CommunityId, MemberId};

const CLEANUP: &str = "volunteer.cleanup";
const DONATION: &str = "volunteer.donation";

/// The publishing form's fields.
struct ActivityForm<'a> {
    rule: &'a str,
    title: &'a str,
    place: &'a str,
    starts_at: String,
    ends_at: String,
    slots: &'a str,
}

impl ActivityForm<'_> {
    /// A cleanup (环境整治, 2 points) `minutes` from now, two hours long, 20 places.
    fn cleanup(minutes: i64) -> Self {
        ActivityForm {
            rule: CLEANUP,
            title: "清理东街垃圾",
            place: "东街口",
            starts_at: starts_in(minutes),
            ends_at: starts_in(minutes + 120),
            slots: "20",
        }
    }
}

/// rule, title, place, starts_at, ends_at, slots, created_by, community.
type ActivityRow = (String, String, String, i64, i64, i64, AccountId, CommunityId);

/// member, status, checked_in_at, entry_id.
type SignupRow = (MemberId, String, Option<i64>, Option<i64>);

/// id, member, rule, category, points in tenths, recorded_by, source_ref, idempotency key, occurred_on.
type EntryRow = (i64, MemberId, String, String, i64, String, String, String, String);

fn by(account: AccountId) -> String {
    format!("account:{account}")
}

fn now() -> i64 {
    super::helpers::now()
}

/// The text of the notice to paste into the work group.
fn notice_of(page: &str) -> &str {
    let marker = "data-testid=\"notice\">";
    let start = page.find(marker).unwrap_or_else(|| panic!("no notice in:\n{page}")) + marker.len();
    &page[start..start + page[start..].find("</textarea>").expect("the notice ends")]
}

/// The member's own answer, as the page shows it.
fn my_answer(page: &str) -> &str {
    let marker = "data-testid=\"my-answer\">";
    let start = page.find(marker).unwrap_or_else(|| panic!("no answer in:\n{page}")) + marker.len();
    &page[start..start + page[start..].find('<').expect("the answer ends")]
}

/// The list of members who have not answered.
fn not_answered(page: &str) -> &str {
    let start = page.find("<details>").unwrap_or_else(|| panic!("no list of who has not answered:\n{page}"));
    &page[start..start + page[start..].find("</details>").expect("the list ends")]
}

/// Whether the page offers a checkbox to confirm `member`, and whether it is ticked.
fn checkbox(page: &str, member: MemberId) -> Option<bool> {
    let row = row_containing(page, &format!("data-member=\"{member}\""))?;
    row.contains(&format!("name=\"m\" value=\"{member}\"")).then(|| row.contains(" checked>"))
}

impl TestApp {
    async fn publish_activity(&self, client: &Client, form: &ActivityForm<'_>) -> Response {
        let csrf = self.csrf(client).await;
        let fields = [
            ("csrf", csrf.as_str()),
            ("rule", form.rule),
            ("title", form.title),
            ("place", form.place),
            ("starts_at", &form.starts_at),
            ("ends_at", &form.ends_at),
            ("slots", form.slots),
        ];
        self.post(client, "/activities", &fields).await
    }

    /// Publishes an activity that must be accepted; its id.
    async fn new_activity(&self, client: &Client, form: &ActivityForm<'_>) -> i64 {
        let response = self.publish_activity(client, form).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "the activity is published");
        let to = location(&response);
        to.strip_prefix("/activities/").and_then(|id| id.parse().ok()).unwrap_or_else(|| panic!("redirected to {to}"))
    }

    /// Answers the notice: `sign_up` or `cancel`.
    async fn answer_activity(&self, client: &Client, id: i64, answer: &str) -> Response {
        let csrf = self.csrf(client).await;
        self.post(client, &format!("/activities/{id}/answer"), &[("csrf", &csrf), ("answer", answer)]).await
    }

    /// Signs up, which must be accepted.
    async fn sign_up(&self, client: &Client, id: i64) {
        assert_redirect(&self.answer_activity(client, id, "sign_up").await, &format!("/activities/{id}"));
    }

    /// Scans the venue's QR and presses the button.
    async fn check_in_activity(&self, client: &Client, token: &str) -> Response {
        let csrf = self.csrf(client).await;
        self.post(client, &format!("/activities/checkin/{token}"), &[("csrf", &csrf)]).await
    }

    /// Confirms the service of `members` (one `m` each).
    async fn confirm_service(&self, client: &Client, id: i64, members: &[MemberId]) -> Response {
        let csrf = self.csrf(client).await;
        let values: Vec<String> = members.iter().map(MemberId::to_string).collect();
        let mut fields = vec![("csrf", csrf.as_str()), ("confirm", "yes")];
        fields.extend(values.iter().map(|m| ("m", m.as_str())));
        self.post(client, &format!("/activities/{id}/confirm"), &fields).await
    }

    async fn activity_token(&self, id: i64) -> String {
        self.text_of(&format!("SELECT checkin_token FROM activities WHERE id = {id}")).await
    }

    async fn signups(&self, id: i64) -> Vec<SignupRow> {
        let sql = format!(
            "SELECT member_id, status, unix_seconds(checked_in_at), entry_id FROM activity_signups \
             WHERE activity_id = {id} ORDER BY member_id"
        );
        self.rows(&sql).await
    }

    async fn activity_entries(&self, id: i64) -> Vec<EntryRow> {
        let sql = format!(
            "SELECT id, member_id, rule_key, category, points_tenths, recorded_by, source_ref, idempotency_key, \
             CAST(occurred_on AS TEXT) FROM ledger_entries WHERE source_ref = 'activity:{id}' ORDER BY member_id"
        );
        self.rows(&sql).await
    }

    /// Moves an activity in time, as the passing of time would.
    async fn move_activity(&self, id: i64, starts_in_minutes: i64, ends_in_minutes: i64) {
        let (starts, ends) = (now() + starts_in_minutes * 60, now() + ends_in_minutes * 60);
        self.execute(&format!(
            "UPDATE activities SET starts_at = to_timestamp({starts}), ends_at = to_timestamp({ends}) WHERE id = {id}"
        ))
        .await;
    }

    /// The committee (赵春明) publishes a cleanup; `members` sign up; it is moved
    /// to have started ten minutes ago; `checked` check in. Its id.
    async fn started_activity(&self, rule: &str, members: &[&Client], checked: &[&Client]) -> i64 {
        let committee = self.login(COMMITTEE_2, PASSWORD).await;
        let id = self.new_activity(&committee, &ActivityForm { rule, ..ActivityForm::cleanup(120) }).await;
        for client in members {
            self.sign_up(client, id).await;
        }
        self.move_activity(id, -10, 110).await;
        let token = self.activity_token(id).await;
        for client in checked {
            assert_redirect(&self.check_in_activity(client, &token).await, &format!("/activities/{id}"));
        }
        id
    }
}

// ---- publishing -------------------------------------------------------------------

#[tokio::test]
async fn the_committee_publishes_a_notice_ready_to_paste_with_two_qr_codes() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let committee = app.login(OFF_ROLL, PASSWORD).await;
    let list = text(app.get(&committee, "/activities").await, StatusCode::OK).await;
    assert!(list.contains("action=\"/activities\""), "the committee is offered the form: {list}");
    assert!(list.contains(&format!("<option value=\"{CLEANUP}\">")), "{list}");
    assert!(!list.contains("<option value=\"meeting.group\">"), "only activity rules are offered");
    assert!(!list.contains("<option value=\"volunteer.no_show\">"), "a penalty is no kind of service");

    let form = ActivityForm::cleanup(24 * 60);
    let id = app.new_activity(&committee, &form).await;
    let rows: Vec<ActivityRow> = app
        .rows(
            "SELECT rule_key, title, place, unix_seconds(starts_at), unix_seconds(ends_at), slots, created_by, \
             community_id FROM activities",
        )
        .await;
    assert_eq!(
        rows,
        [(
            CLEANUP.into(),
            "清理东街垃圾".into(),
            "东街口".into(),
            seconds_of(&form.starts_at),
            seconds_of(&form.ends_at),
            20,
            f.accounts[OFF_ROLL],
            f.community
        )]
    );
    let token = app.activity_token(id).await;
    assert!(
        token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit()),
        "a check-in token of 32 random bytes: {token}"
    );
    assert_eq!(app.work(OFF_ROLL).await, ["activity.publish"]);
    assert!(app.signups(id).await.is_empty());

    let list = text(app.get(&committee, "/activities").await, StatusCode::OK).await;
    assert!(list.contains(&format!("data-activity=\"{id}\"")) && list.contains("清理东街垃圾"), "{list}");

    // The organizer's page: the notice to paste and the two QR codes.
    let page = text(app.get(&committee, &format!("/activities/{id}")).await, StatusCode::OK).await;
    let (starts, ends) = (form.starts_at.replace('T', " "), form.ends_at.replace('T', " "));
    assert_eq!(
        notice_of(&page),
        format!(
            "【志愿服务通知】清理东街垃圾\n时间：{starts} — {ends}\n地点：东街口\n名额：20人，每人2分（环境整治）\n\
             报名：{}/activities/{id}\n——十里社区党委",
            app.address
        )
    );
    assert_eq!(page.matches("<svg").count(), 2, "a QR to sign up and a QR to check in at the venue:\n{page}");
    assert!(!page.contains("data-testid=\"my-answer\""), "孔办事员 is not a member and answers nothing");

    // A member sees the notice's facts and may answer, but gets no organizer tools.
    let member = app.login(MEMBER, PASSWORD).await;
    let page = text(app.get(&member, &format!("/activities/{id}")).await, StatusCode::OK).await;
    assert!(page.contains("清理东街垃圾") && page.contains("东街口") && page.contains(&starts), "{page}");
    assert_eq!(my_answer(&page), "未回复");
    assert!(page.contains("value=\"sign_up\"") && page.contains("value=\"cancel\""), "{page}");
    assert!(!page.contains("data-testid=\"notice\"") && !page.contains("<svg"), "no organizer tools: {page}");
    assert!(!page.contains("<details>"));
    let list = text(app.get(&member, "/activities").await, StatusCode::OK).await;
    assert!(list.contains(&format!("data-activity=\"{id}\"")) && !list.contains("action=\"/activities\""));
}

#[tokio::test]
async fn publishing_is_refused_to_others_and_for_bad_forms() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let committee = app.login(COMMITTEE_2, PASSWORD).await;
    let before = app.written().await;

    // Only the committee publishes.
    for login in [BRANCH_SECRETARY, MEMBER, AUDITOR] {
        let client = app.login(login, PASSWORD).await;
        let list = text(app.get(&client, "/activities").await, StatusCode::OK).await;
        assert!(!list.contains("action=\"/activities\""), "{login} is not offered the form");
        text(app.publish_activity(&client, &ActivityForm::cleanup(120)).await, StatusCode::FORBIDDEN).await;
    }
    // A rule that is no activity, or no rule at all.
    for rule in ["meeting.group", "integrity.commendation", "household.satisfied", "volunteer.nonsense", ""] {
        let form = ActivityForm { rule, ..ActivityForm::cleanup(120) };
        text(app.publish_activity(&committee, &form).await, StatusCode::BAD_REQUEST).await;
    }
    // Ending before, or when, it starts.
    for ends in [60, 120] {
        let form = ActivityForm { ends_at: starts_in(ends), ..ActivityForm::cleanup(120) };
        text(app.publish_activity(&committee, &form).await, StatusCode::BAD_REQUEST).await;
    }
    // No places, too many, or not a number of places.
    for slots in ["0", "-3", "501"] {
        let form = ActivityForm { slots, ..ActivityForm::cleanup(120) };
        text(app.publish_activity(&committee, &form).await, StatusCode::BAD_REQUEST).await;
    }
    let form = ActivityForm { slots: "many", ..ActivityForm::cleanup(120) };
    assert!(app.publish_activity(&committee, &form).await.status().is_client_error());
    // No title, no place, no time.
    for form in [
        ActivityForm { title: "  ", ..ActivityForm::cleanup(120) },
        ActivityForm { place: "", ..ActivityForm::cleanup(120) },
        ActivityForm { starts_at: "tomorrow at eight".into(), ..ActivityForm::cleanup(120) },
    ] {
        text(app.publish_activity(&committee, &form).await, StatusCode::BAD_REQUEST).await;
    }
    // A year that was never opened, before or after this one.
    // Last year is open in the fixture; the one before it is not.
    for year in [f.year.get() + 1, f.year.get() - 2] {
        let form = ActivityForm {
            starts_at: format!("{year}-03-01T09:00"),
            ends_at: format!("{year}-03-01T11:00"),
            ..ActivityForm::cleanup(120)
        };
        text(app.publish_activity(&committee, &form).await, StatusCode::CONFLICT).await;
    }
    // Without the form's token.
    let form = ActivityForm::cleanup(120);
    let fields = [
        ("csrf", "wrong"),
        ("rule", CLEANUP),
        ("title", form.title),
        ("place", form.place),
        ("starts_at", &form.starts_at),
        ("ends_at", &form.ends_at),
        ("slots", form.slots),
    ];
    text(app.post(&committee, "/activities", &fields).await, StatusCode::FORBIDDEN).await;
    assert_eq!(app.written().await, before, "no activity is written");

    // This year, once closed, takes no more activities.
    app.execute(&format!("UPDATE periods SET status = 'closed' WHERE year = {}", f.year)).await;
    text(app.publish_activity(&committee, &ActivityForm::cleanup(120)).await, StatusCode::CONFLICT).await;
    assert_eq!(app.written().await, before, "no activity is written in a closed year");
}

#[tokio::test]
async fn an_activity_is_never_priced_by_a_penalty() {
    let app = spawn_app().await;
    let committee = app.login(COMMITTEE_2, PASSWORD).await;
    let before = app.written().await;
    let form = ActivityForm { rule: "volunteer.no_show", ..ActivityForm::cleanup(120) };
    text(app.publish_activity(&committee, &form).await, StatusCode::BAD_REQUEST).await;
    assert_eq!(app.written().await, before, "confirming such a 'service' would cost each member a point");
}

// ---- answering ----------------------------------------------------------------------

#[tokio::test]
async fn a_member_signs_up_and_cancels_before_the_start() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let committee = app.login(COMMITTEE_2, PASSWORD).await;
    let id = app.new_activity(&committee, &ActivityForm::cleanup(120)).await;
    let member = app.login(MEMBER, PASSWORD).await;
    let path = format!("/activities/{id}");
    let ledger = app.ledger_rows().await;

    let started = now();
    assert_redirect(&app.answer_activity(&member, id, "sign_up").await, &path);
    assert_eq!(app.signups(id).await, [(f.liang, "signed_up".into(), None, None)]);
    let answered_at =
        app.count(&format!("SELECT unix_seconds(answered_at) FROM activity_signups WHERE activity_id = {id}")).await;
    assert!((started..=now()).contains(&answered_at), "answered now: {answered_at}");
    let page = text(app.get(&member, &path).await, StatusCode::OK).await;
    assert_eq!(my_answer(&page), "已报名");
    assert!(page.contains("1/20"), "one place taken: {page}");

    assert_redirect(&app.answer_activity(&member, id, "cancel").await, &path);
    assert_eq!(app.signups(id).await, [(f.liang, "cancelled".into(), None, None)]);
    let page = text(app.get(&member, &path).await, StatusCode::OK).await;
    assert_eq!(my_answer(&page), "已取消");
    assert!(page.contains("0/20"), "the place is free again: {page}");

    // Changing one's mind again is answering again.
    assert_redirect(&app.answer_activity(&member, id, "sign_up").await, &path);
    assert_eq!(app.signups(id).await, [(f.liang, "signed_up".into(), None, None)]);
    assert_eq!(app.work(MEMBER).await, ["activity.answer", "activity.answer", "activity.answer"]);
    assert_eq!(app.ledger_rows().await, ledger, "answering is not points");
}

#[tokio::test]
async fn signing_up_is_refused_when_full_and_answering_after_the_start() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let committee = app.login(COMMITTEE_2, PASSWORD).await;
    let id = app.new_activity(&committee, &ActivityForm { slots: "1", ..ActivityForm::cleanup(120) }).await;
    let member = app.login(MEMBER, PASSWORD).await;
    let (deng, _) = app.add_member_account(f.branch1, "邓一", "deng").await;
    let late_comer = app.login("deng", PASSWORD).await;
    app.sign_up(&member, id).await;
    let before = app.written().await;

    // The one place is taken.
    text(app.answer_activity(&late_comer, id, "sign_up").await, StatusCode::CONFLICT).await;
    assert_eq!(app.written().await, before, "no sign-up past the places");
    let page = text(app.get(&late_comer, &format!("/activities/{id}")).await, StatusCode::OK).await;
    assert_eq!(my_answer(&page), "未回复");

    // Once it is freed, it can be taken.
    assert_redirect(&app.answer_activity(&member, id, "cancel").await, &format!("/activities/{id}"));
    app.sign_up(&late_comer, id).await;
    assert_eq!(
        app.signups(id).await,
        [(f.liang, "cancelled".into(), None, None), (deng, "signed_up".into(), None, None)]
    );
    text(app.answer_activity(&member, id, "sign_up").await, StatusCode::CONFLICT).await;

    // After the start nobody signs up or cancels, and the page offers neither.
    let other = app.new_activity(&committee, &ActivityForm::cleanup(120)).await;
    app.sign_up(&late_comer, other).await;
    app.move_activity(other, -10, 110).await;
    let before = app.written().await;
    text(app.answer_activity(&member, other, "sign_up").await, StatusCode::CONFLICT).await;
    text(app.answer_activity(&late_comer, other, "cancel").await, StatusCode::CONFLICT).await;
    text(app.answer_activity(&member, other, "cancel").await, StatusCode::CONFLICT).await;
    assert_eq!(app.written().await, before, "answers after the start write nothing");
    assert_eq!(app.signups(other).await, [(deng, "signed_up".into(), None, None)]);
    let page = text(app.get(&late_comer, &format!("/activities/{other}")).await, StatusCode::OK).await;
    assert_eq!(my_answer(&page), "已报名");
    assert!(!page.contains("name=\"answer\""), "no answer buttons after the start: {page}");
}

#[tokio::test]
async fn signing_up_again_after_the_start_is_refused_too() {
    let app = spawn_app().await;
    let committee = app.login(COMMITTEE_2, PASSWORD).await;
    let id = app.new_activity(&committee, &ActivityForm::cleanup(120)).await;
    let member = app.login(MEMBER, PASSWORD).await;
    app.sign_up(&member, id).await;
    app.move_activity(id, -10, 110).await;
    let before = app.written().await;

    text(app.answer_activity(&member, id, "sign_up").await, StatusCode::CONFLICT).await;
    assert_eq!(app.written().await, before, "sign-up closed at the start");
}

#[tokio::test]
async fn answering_needs_a_member_a_known_answer_and_the_forms_token() {
    let app = spawn_app().await;
    let committee = app.login(OFF_ROLL, PASSWORD).await;
    let id = app.new_activity(&committee, &ActivityForm::cleanup(120)).await;
    let member = app.login(MEMBER, PASSWORD).await;
    let before = app.written().await;

    // Accounts that are no member: the auditor, and a committee account off the roll.
    let auditor = app.login(AUDITOR, PASSWORD).await;
    for client in [&auditor, &committee] {
        text(app.answer_activity(client, id, "sign_up").await, StatusCode::FORBIDDEN).await;
        let page = text(app.get(client, &format!("/activities/{id}")).await, StatusCode::OK).await;
        assert!(!page.contains("data-testid=\"my-answer\""), "{page}");
    }
    for answer in ["maybe", "", "signed_up"] {
        text(app.answer_activity(&member, id, answer).await, StatusCode::BAD_REQUEST).await;
    }
    let fields = [("csrf", "wrong"), ("answer", "sign_up")];
    text(app.post(&member, &format!("/activities/{id}/answer"), &fields).await, StatusCode::FORBIDDEN).await;
    // An activity that does not exist.
    text(app.answer_activity(&member, id + 100, "sign_up").await, StatusCode::NOT_FOUND).await;
    text(app.get(&member, &format!("/activities/{}", id + 100)).await, StatusCode::NOT_FOUND).await;
    assert_eq!(app.written().await, before, "refused answers write nothing");
}

#[tokio::test]
async fn the_organizer_sees_who_signed_up_and_who_has_not_answered() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let committee = app.login(COMMITTEE_2, PASSWORD).await;
    let id = app.new_activity(&committee, &ActivityForm::cleanup(120)).await;
    let (member, secretary, peng) = (
        app.login(MEMBER, PASSWORD).await,
        app.login(BRANCH_SECRETARY, PASSWORD).await,
        app.login(COMMITTEE, PASSWORD).await,
    );
    app.sign_up(&member, id).await;
    app.sign_up(&peng, id).await;
    app.sign_up(&secretary, id).await;
    assert_redirect(&app.answer_activity(&secretary, id, "cancel").await, &format!("/activities/{id}"));
    let path = format!("/activities/{id}");

    let page = text(app.get(&committee, &path).await, StatusCode::OK).await;
    assert!(page.contains("2/20"), "{page}");
    assert_eq!(page.matches("data-member=").count(), 2, "the signed-up, not the cancelled: {page}");
    for member in [f.liang, f.peng] {
        let row = row_containing(&page, &format!("data-member=\"{member}\"")).expect("a row");
        assert!(row.contains("待确认"), "{row}");
        assert_eq!(checkbox(&page, member), Some(false), "not checked in, so not ticked");
    }
    assert!(row_containing(&page, "data-member=").expect("a row").contains("梁小改"));
    let waiting = not_answered(&page);
    assert!(waiting.contains("(2)") && waiting.contains("曾文静") && waiting.contains("王德福"), "{waiting}");
    for answered in ["梁小改", "彭雅丽", "胡国强"] {
        assert!(!waiting.contains(answered), "{answered} answered: {waiting}");
    }

    // The organizer who signed up sees their own answer, and no box to confirm themselves.
    let own = text(app.get(&peng, &path).await, StatusCode::OK).await;
    assert_eq!(my_answer(&own), "已报名");
    assert_eq!(checkbox(&own, f.liang), Some(false));
    assert_eq!(checkbox(&own, f.peng), None, "nobody confirms themselves: {own}");
    // A branch secretary organizes too; their own cancelled answer shows.
    let page = text(app.get(&secretary, &path).await, StatusCode::OK).await;
    assert_eq!(my_answer(&page), "已取消");
    assert!(page.contains("data-testid=\"notice\"") && not_answered(&page).contains("曾文静"));

    // Members and auditors see neither list.
    let auditor = app.login(AUDITOR, PASSWORD).await;
    for client in [&member, &auditor] {
        let page = text(app.get(client, &path).await, StatusCode::OK).await;
        assert!(!page.contains("data-member=") && !page.contains("<details>") && !page.contains("曾文静"), "{page}");
        assert!(!page.contains(&format!("action=\"/activities/{id}/confirm\"")));
    }
}

// ---- check-in -------------------------------------------------------------------------

#[tokio::test]
async fn a_signed_up_member_checks_in_at_the_venue_once() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let committee = app.login(COMMITTEE_2, PASSWORD).await;
    // Twenty minutes before the start, the venue's QR already works.
    let id = app.new_activity(&committee, &ActivityForm::cleanup(20)).await;
    let member = app.login(MEMBER, PASSWORD).await;
    app.sign_up(&member, id).await;
    let path = format!("/activities/checkin/{}", app.activity_token(id).await);
    let ledger = app.ledger_rows().await;

    let page = text(app.get(&member, &path).await, StatusCode::OK).await;
    assert!(page.contains("清理东街垃圾") && page.contains(">签到</button>"), "{page}");
    let csrf = csrf_of(&page);
    let started = now();
    assert_redirect(&app.post(&member, &path, &[("csrf", &csrf)]).await, &format!("/activities/{id}"));
    let signups = app.signups(id).await;
    let checked_at = signups[0].2.expect("checked in");
    assert!((started..=now()).contains(&checked_at), "checked in now: {checked_at}");
    assert_eq!(signups, [(f.liang, "signed_up".into(), Some(checked_at), None)]);
    assert_eq!(app.work(MEMBER).await, ["activity.answer", "activity.checkin"]);
    assert_eq!(app.ledger_rows().await, ledger, "points come with the confirmation");
    let shown = text(app.get(&member, &format!("/activities/{id}")).await, StatusCode::OK).await;
    assert_eq!(my_answer(&shown), "已签到");
    // The organizer sees the check-in, ticked for confirmation.
    let sheet = text(app.get(&committee, &format!("/activities/{id}")).await, StatusCode::OK).await;
    assert_eq!(checkbox(&sheet, f.liang), Some(true), "{sheet}");

    // Once is enough.
    let before = app.written().await;
    text(app.post(&member, &path, &[("csrf", &csrf)]).await, StatusCode::CONFLICT).await;
    assert_eq!(app.written().await, before, "the first check-in stands");

    // Until the end it stays open.
    let later = app.new_activity(&committee, &ActivityForm::cleanup(120)).await;
    app.sign_up(&member, later).await;
    app.move_activity(later, -110, 1).await;
    assert_redirect(
        &app.check_in_activity(&member, &app.activity_token(later).await).await,
        &format!("/activities/{later}"),
    );
    assert!(app.signups(later).await[0].2.is_some());
}

#[tokio::test]
async fn check_in_is_refused_outside_the_window_and_without_a_sign_up() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let committee = app.login(COMMITTEE_2, PASSWORD).await;
    let member = app.login(MEMBER, PASSWORD).await;
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let peng = app.login(COMMITTEE, PASSWORD).await;
    // Too early (an hour and a half before), too late (ended an hour ago), and open now.
    let early = app.new_activity(&committee, &ActivityForm::cleanup(90)).await;
    let late = app.new_activity(&committee, &ActivityForm::cleanup(120)).await;
    let open = app.new_activity(&committee, &ActivityForm::cleanup(10)).await;
    for id in [early, late, open] {
        app.sign_up(&member, id).await;
    }
    app.sign_up(&peng, open).await;
    assert_redirect(&app.answer_activity(&peng, open, "cancel").await, &format!("/activities/{open}"));
    app.move_activity(late, -180, -60).await;
    let before = app.written().await;

    for id in [early, late] {
        let token = app.activity_token(id).await;
        text(app.check_in_activity(&member, &token).await, StatusCode::CONFLICT).await;
    }
    let open_token = app.activity_token(open).await;
    // 胡国强 never signed up; 彭雅丽 cancelled.
    for client in [&secretary, &peng] {
        text(app.check_in_activity(client, &open_token).await, StatusCode::CONFLICT).await;
    }
    // The auditor is no member; a token that is no token; the form's token.
    let auditor = app.login(AUDITOR, PASSWORD).await;
    text(app.check_in_activity(&auditor, &open_token).await, StatusCode::FORBIDDEN).await;
    let unknown = "0".repeat(64);
    text(app.get(&member, &format!("/activities/checkin/{unknown}")).await, StatusCode::NOT_FOUND).await;
    text(app.check_in_activity(&member, &unknown).await, StatusCode::NOT_FOUND).await;
    let path = format!("/activities/checkin/{open_token}");
    text(app.post(&member, &path, &[("csrf", "wrong")]).await, StatusCode::FORBIDDEN).await;
    assert_eq!(app.written().await, before, "refused check-ins write nothing");
    assert!(app.signups(open).await.iter().all(|row| row.2.is_none()));
    assert_eq!(app.signups(early).await, [(f.liang, "signed_up".into(), None, None)]);
}

#[tokio::test]
async fn another_communitys_activity_is_not_found() {
    let app = spawn_app_with_neighbour().await;
    let neighbour = app.login(NEIGHBOUR_COMMITTEE, PASSWORD).await;
    let id = app.new_activity(&neighbour, &ActivityForm::cleanup(10)).await;
    assert_eq!(
        app.count(&format!("SELECT community_id FROM activities WHERE id = {id}")).await,
        app.neighbour.as_ref().expect("a neighbour").community.get()
    );
    let token = app.activity_token(id).await;
    let member = app.login(MEMBER, PASSWORD).await;
    let committee = app.login(COMMITTEE_2, PASSWORD).await;
    let before = app.written().await;

    let path = format!("/activities/checkin/{token}");
    text(app.get(&member, &path).await, StatusCode::NOT_FOUND).await;
    text(app.check_in_activity(&member, &token).await, StatusCode::NOT_FOUND).await;
    text(app.get(&member, &format!("/activities/{id}")).await, StatusCode::NOT_FOUND).await;
    text(app.answer_activity(&member, id, "sign_up").await, StatusCode::NOT_FOUND).await;
    text(app.get(&committee, &format!("/activities/{id}")).await, StatusCode::NOT_FOUND).await;
    let list = text(app.get(&committee, "/activities").await, StatusCode::OK).await;
    assert!(!list.contains(&format!("data-activity=\"{id}\"")), "{list}");
    assert_eq!(app.written().await, before);
}

// ---- confirmation ----------------------------------------------------------------------

#[tokio::test]
async fn the_committee_confirms_who_served_into_the_ledger_once() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let (member, secretary, peng) = (
        app.login(MEMBER, PASSWORD).await,
        app.login(BRANCH_SECRETARY, PASSWORD).await,
        app.login(COMMITTEE, PASSWORD).await,
    );
    let id = app.started_activity(CLEANUP, &[&member, &secretary, &peng], &[&member, &peng]).await;
    let committee = app.login(COMMITTEE_2, PASSWORD).await;
    let page = text(app.get(&committee, &format!("/activities/{id}")).await, StatusCode::OK).await;
    assert_eq!(checkbox(&page, f.liang), Some(true), "{page}");
    assert_eq!(checkbox(&page, f.peng), Some(true));
    assert_eq!(checkbox(&page, f.hu), Some(false), "胡国强 did not check in");
    let ledger = app.ledger_rows().await;

    assert_redirect(&app.confirm_service(&committee, id, &[f.liang, f.peng]).await, &format!("/activities/{id}"));
    let entries = app.activity_entries(id).await;
    let zhao = by(f.accounts[COMMITTEE_2]);
    let starts_at = app.count(&format!("SELECT unix_seconds(starts_at) FROM activities WHERE id = {id}")).await;
    let day = jiff::Timestamp::from_second(starts_at).expect("a moment").to_zoned(china()).date().to_string();
    let expected = |member: MemberId, entry: i64| {
        (
            entry,
            member,
            CLEANUP.to_string(),
            "volunteer".to_string(),
            20,
            zhao.clone(),
            format!("activity:{id}"),
            format!("activity:{id}:{member}"),
            day.clone(),
        )
    };
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert_eq!(entries, [expected(f.liang, entries[0].0), expected(f.peng, entries[1].0)]);
    assert_eq!(app.ledger_rows().await, ledger + 2);
    let signups = app.signups(id).await;
    let entry_of = |member: MemberId| signups.iter().find(|row| row.0 == member).expect("a sign-up").3;
    assert_eq!(entry_of(f.liang), Some(entries[0].0));
    assert_eq!(entry_of(f.peng), Some(entries[1].0));
    assert_eq!(entry_of(f.hu), None, "not confirmed, not in the ledger");
    assert_eq!(app.work(COMMITTEE_2).await, ["activity.publish", "activity.confirm"]);
    // The member's record and page show the points.
    assert!(
        app.entries_of(f.liang)
            .await
            .iter()
            .any(|e| e.id == entries[0].0 && e.draft.source_ref == format!("activity:{id}"))
    );
    let own = text(app.get(&member, &format!("/activities/{id}")).await, StatusCode::OK).await;
    assert_eq!(my_answer(&own), "已记入积分");
    let page = text(app.get(&committee, &format!("/activities/{id}")).await, StatusCode::OK).await;
    assert!(row_containing(&page, &format!("data-member=\"{}\"", f.liang)).expect("a row").contains("已记入积分"));
    assert_eq!(checkbox(&page, f.liang), None, "nothing left to confirm for 梁小改");

    // Confirming again writes nothing new.
    assert_redirect(&app.confirm_service(&committee, id, &[f.liang, f.peng]).await, &format!("/activities/{id}"));
    assert_redirect(&app.confirm_service(&committee, id, &[f.liang, f.liang]).await, &format!("/activities/{id}"));
    assert_eq!(app.activity_entries(id).await, entries);
    assert_eq!(app.signups(id).await, signups);
    assert_eq!(app.ledger_rows().await, ledger + 2);
}

#[tokio::test]
async fn confirming_someone_who_did_not_sign_up_or_before_the_start_is_refused() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let (member, secretary) = (app.login(MEMBER, PASSWORD).await, app.login(BRANCH_SECRETARY, PASSWORD).await);
    let committee = app.login(COMMITTEE_2, PASSWORD).await;
    let id = app.new_activity(&committee, &ActivityForm::cleanup(120)).await;
    app.sign_up(&member, id).await;
    app.sign_up(&secretary, id).await;
    assert_redirect(&app.answer_activity(&secretary, id, "cancel").await, &format!("/activities/{id}"));
    let before = app.written().await;

    // Before the start.
    text(app.confirm_service(&committee, id, &[f.liang]).await, StatusCode::CONFLICT).await;
    assert_eq!(app.written().await, before, "nothing confirmed before the start");

    app.move_activity(id, -10, 110).await;
    let before = app.written().await;
    // 王德福 never signed up, 胡国强 cancelled: the whole batch is refused, 梁小改 with it.
    for batch in [[f.liang, f.wang], [f.liang, f.hu]] {
        text(app.confirm_service(&committee, id, &batch).await, StatusCode::CONFLICT).await;
    }
    // An activity that does not exist.
    text(app.confirm_service(&committee, id + 100, &[f.liang]).await, StatusCode::NOT_FOUND).await;
    // Without the form's token.
    let path = format!("/activities/{id}/confirm");
    let liang = f.liang.to_string();
    text(app.post(&committee, &path, &[("csrf", "wrong"), ("m", &liang)]).await, StatusCode::FORBIDDEN).await;
    assert_eq!(app.written().await, before, "refused confirmations write nothing");
    assert!(app.activity_entries(id).await.is_empty());

    // A closed year takes no more points.
    app.execute(&format!("UPDATE periods SET status = 'closed' WHERE year = {}", f.year)).await;
    text(app.confirm_service(&committee, id, &[f.liang]).await, StatusCode::CONFLICT).await;
    assert_eq!(app.written().await, before, "nothing written in a closed year");
}

#[tokio::test]
async fn no_organizer_confirms_themselves_and_a_secretary_only_their_branch() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let (member, secretary, peng) = (
        app.login(MEMBER, PASSWORD).await,
        app.login(BRANCH_SECRETARY, PASSWORD).await,
        app.login(COMMITTEE, PASSWORD).await,
    );
    let id = app.started_activity(CLEANUP, &[&member, &secretary, &peng], &[&member, &secretary, &peng]).await;
    let before = app.written().await;

    // 彭雅丽 (committee) about herself: refused, 梁小改 with her.
    text(app.confirm_service(&peng, id, &[f.liang, f.peng]).await, StatusCode::FORBIDDEN).await;
    // 胡国强 (branch 1 secretary) about himself, or about 彭雅丽 of branch 2.
    text(app.confirm_service(&secretary, id, &[f.liang, f.hu]).await, StatusCode::FORBIDDEN).await;
    text(app.confirm_service(&secretary, id, &[f.liang, f.peng]).await, StatusCode::FORBIDDEN).await;
    assert_eq!(app.written().await, before, "the whole batch is refused");
    assert!(app.activity_entries(id).await.is_empty());

    // Each may confirm the others within their reach.
    assert_redirect(&app.confirm_service(&secretary, id, &[f.liang]).await, &format!("/activities/{id}"));
    assert_redirect(&app.confirm_service(&peng, id, &[f.hu]).await, &format!("/activities/{id}"));
    let committee = app.login(COMMITTEE_2, PASSWORD).await;
    assert_redirect(&app.confirm_service(&committee, id, &[f.peng]).await, &format!("/activities/{id}"));
    let recorded: Vec<(MemberId, String)> =
        app.activity_entries(id).await.into_iter().map(|row| (row.1, row.5)).collect();
    assert_eq!(
        recorded,
        [
            (f.liang, by(f.accounts[BRANCH_SECRETARY])),
            (f.hu, by(f.accounts[COMMITTEE])),
            (f.peng, by(f.accounts[COMMITTEE_2]))
        ]
    );
    assert!(app.signups(id).await.iter().all(|row| row.3.is_some()));
}

#[tokio::test]
async fn members_and_auditors_confirm_nothing() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let member = app.login(MEMBER, PASSWORD).await;
    let (deng, _) = app.add_member_account(f.branch1, "邓一", "deng").await;
    let other = app.login("deng", PASSWORD).await;
    let id = app.started_activity(CLEANUP, &[&member, &other], &[&member, &other]).await;
    let before = app.written().await;

    let auditor = app.login(AUDITOR, PASSWORD).await;
    text(app.confirm_service(&member, id, &[deng]).await, StatusCode::FORBIDDEN).await;
    text(app.confirm_service(&member, id, &[f.liang]).await, StatusCode::FORBIDDEN).await;
    text(app.confirm_service(&auditor, id, &[f.liang, deng]).await, StatusCode::FORBIDDEN).await;
    assert_eq!(app.written().await, before);
}

#[tokio::test]
async fn a_donation_is_confirmed_by_the_committee_only() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let member = app.login(MEMBER, PASSWORD).await;
    let id = app.started_activity(DONATION, &[&member], &[&member]).await;
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let before = app.written().await;

    // 梁小改 is of 胡国强's branch, but 爱心捐资 is the committee's to record.
    text(app.confirm_service(&secretary, id, &[f.liang]).await, StatusCode::FORBIDDEN).await;
    assert_eq!(app.written().await, before);

    let committee = app.login(COMMITTEE_2, PASSWORD).await;
    assert_redirect(&app.confirm_service(&committee, id, &[f.liang]).await, &format!("/activities/{id}"));
    let entries = app.activity_entries(id).await;
    assert_eq!(entries.len(), 1);
    assert_eq!((entries[0].2.as_str(), entries[0].4), (DONATION, 10), "one point for taking part");
}

#[tokio::test]
async fn the_volunteer_cap_refuses_a_confirmation_past_forty_points() {
    let app = spawn_app().await;
    let f = &app.fixture;
    // 梁小改 has 2 points of 环境整治 from the fixture: 18 more and a donation make 39.
    let zhao = f.accounts[COMMITTEE_2];
    for n in 0..18 {
        app.add_entry(f.liang, CLEANUP, zhao, &format!("cap-cleanup-{n}")).await;
    }
    app.add_entry(f.liang, DONATION, zhao, "cap-donation").await;
    let volunteer = format!(
        "SELECT CAST(SUM(points_tenths) AS BIGINT) FROM ledger_entries WHERE member_id = {} AND category = 'volunteer'",
        f.liang
    );
    assert_eq!(app.count(&volunteer).await, 390);
    let member = app.login(MEMBER, PASSWORD).await;
    let cleanup = app.started_activity(CLEANUP, &[&member], &[&member]).await;
    let donation = app.started_activity(DONATION, &[&member], &[&member]).await;
    let committee = app.login(COMMITTEE_2, PASSWORD).await;
    let before = app.written().await;

    // 39 + 2 > 40.
    let refused = text(app.confirm_service(&committee, cleanup, &[f.liang]).await, StatusCode::CONFLICT).await;
    assert!(refused.contains("最多计 40 分"), "the cap is named: {refused}");
    assert_eq!(app.written().await, before, "nothing past the cap");
    assert_eq!(app.signups(cleanup).await[0].3, None);

    // 39 + 1 = 40 is within it.
    assert_redirect(&app.confirm_service(&committee, donation, &[f.liang]).await, &format!("/activities/{donation}"));
    assert_eq!(app.count(&volunteer).await, 400);
    assert_eq!(app.activity_entries(donation).await.len(), 1);
}

// ---- no-shows ---------------------------------------------------------------------

#[tokio::test]
async fn no_shows_are_recorded_once_after_the_end_by_an_organizer() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let (member, secretary) = (app.login(MEMBER, PASSWORD).await, app.login(BRANCH_SECRETARY, PASSWORD).await);
    // Both sign up; only 梁小改 comes.
    let id = app.started_activity(CLEANUP, &[&member, &secretary], &[&member]).await;
    let committee = app.login(COMMITTEE_2, PASSWORD).await;
    let csrf = csrf_of(&text(app.get(&committee, &format!("/activities/{id}")).await, StatusCode::OK).await);
    let path = format!("/activities/{id}/no_shows");

    // Not before the end.
    let before = app.written().await;
    let response = app.post(&committee, &path, &[("csrf", &csrf)]).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert_eq!(app.written().await, before);

    app.move_activity(id, -180, -60).await;
    let page = text(app.get(&committee, &format!("/activities/{id}")).await, StatusCode::OK).await;
    assert!(page.contains("data-testid=\"no-shows\">1<"), "one no-show awaits: {page}");

    // A member, and a wrong token, record nothing.
    let member_csrf = csrf_of(&text(app.get(&member, &format!("/activities/{id}")).await, StatusCode::OK).await);
    assert_eq!(app.post(&member, &path, &[("csrf", &member_csrf)]).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.post(&committee, &path, &[("csrf", "wrong")]).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.written().await, before);

    // The committee records 胡国强's no-show: -1 by volunteer.no_show.
    assert_redirect(&app.post(&committee, &path, &[("csrf", &csrf)]).await, &format!("/activities/{id}"));
    let rows: Vec<(String, i64, String)> = app
        .rows(&format!(
            "SELECT rule_key, points_tenths, idempotency_key FROM ledger_entries WHERE member_id = {} AND source_ref = 'activity:{id}'",
            f.hu
        ))
        .await;
    assert_eq!(rows, [("volunteer.no_show".to_string(), -10, format!("activity:{id}:{}:no_show", f.hu))]);
    // Again: nothing new; 梁小改, who came, is untouched.
    let after = app.written().await;
    assert_redirect(&app.post(&committee, &path, &[("csrf", &csrf)]).await, &format!("/activities/{id}"));
    assert_eq!(app.written().await, after);
    let liang: Vec<(String,)> = app
        .rows(&format!(
            "SELECT rule_key FROM ledger_entries WHERE member_id = {} AND source_ref = 'activity:{id}'",
            f.liang
        ))
        .await;
    assert!(liang.is_empty(), "{liang:?}");
}

/// On December 31 at 23:30, a cleanup two hours ahead falls in a year that
/// is not open yet: publishing it is refused and names that year, and once
/// the committee opens the year the same notice is published. The test
/// states its day, so it runs on every day of the year.
#[tokio::test]
async fn an_activity_after_midnight_on_new_year_s_eve_waits_for_the_new_year_to_open() {
    let app = spawn(Setup { now: Some("2026-12-31T23:30:00+08:00"), ..Setup::default() }).await;
    app.on_its_day(async {
        let f = &app.fixture;
        let committee = app.login(COMMITTEE_2, PASSWORD).await;
        let form = ActivityForm::cleanup(120);
        assert!(form.starts_at.starts_with("2027-01-01T01:"), "{}", form.starts_at);
        let before = app.written().await;
        let refused = text(app.publish_activity(&committee, &form).await, StatusCode::CONFLICT).await;
        assert!(refused.contains("2027"), "the refusal names the year: {refused}");
        assert_eq!(app.written().await, before, "nothing is written");

        let rulebook = starledger_domain::rulebook::Rulebook::default_rulebook();
        let mut tx = app.store.write().await.expect("a write transaction");
        let next = starledger_domain::org::Year::new(2027).expect("a year");
        let text = starledger_domain::rulebook::DEFAULT_RULEBOOK;
        tx.open_period(f.community, next, text, &rulebook, "test").await.expect("2027 opens");
        tx.commit().await.expect("committed");
        let id = app.new_activity(&committee, &form).await;
        assert!(id > 0);
    })
    .await;
}
