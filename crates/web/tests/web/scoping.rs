//! Two communities in one database: every route that names an object by id
//! in its path, and every form that names a member, household or branch, is
//! tried by the committee of 十里社区 against the objects of 五里社区. Each
//! is refused as not found (or forbidden), and nothing anywhere in the
//! database changes; the neighbour's own accounts reach the same objects, so
//! the ids tried are real ones.

use super::helpers::*;
use reqwest::{Client, Response, StatusCode};
use starledger_domain::org::{AccountId, BranchId, CommunityId, HouseholdId, MemberId, Role};
use starledger_store::NewRobot;

/// One object of each kind a route names by id, all of one community.
pub struct Objects {
    pub member: MemberId,
    pub household: HouseholdId,
    /// A branch general meeting two hours from now, with a leave request.
    pub meeting: i64,
    pub meeting_token: String,
    pub leave: i64,
    /// A volunteer activity an hour from now, the member signed up.
    pub activity: i64,
    pub activity_token: String,
    /// The member's pending visit claim, and its photo.
    pub claim: i64,
    pub upload: i64,
    /// A pending integrity record (commendation) about the member.
    pub record: i64,
    /// An open ballot of the branch.
    pub ballot: i64,
    /// A pending adjustment about the member.
    pub adjustment: i64,
    /// An unanswered objection to last year's results, in public notice.
    pub objection: i64,
    /// A group robot and a failed message of its, waiting for a person.
    pub robot: i64,
    pub message: i64,
}

/// Who makes the objects: a committee account that is not a member, and
/// the account of `member`, who belongs to `branch` and serves `household`.
pub struct Makers<'a> {
    pub community: CommunityId,
    pub committee: &'a Client,
    pub committee_id: AccountId,
    pub member: &'a Client,
    pub member_id: MemberId,
    pub branch: BranchId,
    pub household: HouseholdId,
}

/// Makes one object of each kind, through the web as the community's own
/// accounts would, and the robot through the store (its URL is checked
/// against real webhook hosts).
pub async fn make_objects(app: &TestApp, by: &Makers<'_>) -> Objects {
    let (committee, member) = (by.committee, by.member);

    let meeting = app.meeting(committee, &MeetingForm::general(by.branch, 120)).await;
    let meeting_token = app.checkin_token(meeting).await;
    let csrf = app.csrf(member).await;
    let response =
        app.post(member, &format!("/meetings/{meeting}/leave"), &[("csrf", &csrf), ("reason", "外出务工")]).await;
    assert_redirect(&response, &format!("/meetings/{meeting}"));
    let leave = app.count("SELECT MAX(id) FROM leave_requests").await;

    let activity = app.publish_service(committee, "volunteer.cleanup", 60, 120).await;
    app.join_service(member, activity).await;
    let activity_token = app.text_of(&format!("SELECT checkin_token FROM activities WHERE id = {activity}")).await;

    let claim = app.visit_claim(member, by.household, Some(PNG)).await;
    let upload = app.count(&format!("SELECT upload_id FROM claims WHERE id = {claim}")).await;

    let csrf = app.csrf(committee).await;
    assert_redirect(&file_record(app, committee, &csrf, by.member_id).await, "/integrity");
    let record = app.count("SELECT MAX(id) FROM integrity_records").await;

    let year = app.fixture.year.get().to_string();
    let response =
        app.post(committee, "/ballots", &[("csrf", &csrf), ("branch", &by.branch.to_string()), ("year", &year)]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "the ballot opens");
    let ballot = app.count("SELECT MAX(id) FROM ballots").await;
    assert_redirect(&response, &format!("/ballots/{ballot}"));

    let response = post_with_csrf(app, committee, &csrf, "/adjustments", &adjustment_form(by.member_id)).await;
    assert_redirect(&response, "/adjustments");
    let adjustment = app.count("SELECT MAX(id) FROM adjustments").await;

    let last = app.fixture.last_year().get();
    let response =
        app.post(committee, &format!("/rating/{last}/publish"), &[("csrf", &csrf), ("confirm", "yes")]).await;
    assert_redirect(&response, &format!("/rating?year={last}"));
    let form = [("csrf", csrf.as_str()), ("member", &by.member_id.to_string()), ("text", "走访次数与实际不符，请核实")];
    let response = app.post(committee, &format!("/rating/{last}/objections"), &form).await;
    assert_redirect(&response, &format!("/rating?year={last}"));
    let objection = app.count("SELECT MAX(id) FROM objections").await;

    let mut tx = app.store.write().await.expect("a write transaction");
    let robot = tx
        .add_robot(&NewRobot {
            community_id: by.community,
            platform: "wecom".into(),
            name: "党建工作群".into(),
            url: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=scoping".into(),
            secret: None,
            created_by: by.committee_id,
            created_at: 0,
        })
        .await
        .expect("the robot");
    let now = super::helpers::now();
    let queued = tx.enqueue_for_robots(by.community, &format!("scoping:{robot}"), "活动通知", now).await;
    assert_eq!(queued.expect("the message is queued"), 1);
    tx.commit().await.expect("the robot is written");
    let message = app.count(&format!("SELECT MAX(id) FROM outbox WHERE robot_id = {robot}")).await;
    // Failed: a person settles it by hand (resend or mark sent).
    app.execute(&format!("UPDATE outbox SET status = 'failed' WHERE id = {message}")).await;

    Objects {
        member: by.member_id,
        household: by.household,
        meeting,
        meeting_token,
        leave,
        activity,
        activity_token,
        claim,
        upload,
        record,
        ballot,
        adjustment,
        objection,
        robot,
        message,
    }
}

/// The integrity filing form (multipart), a commendation about `member` today.
pub async fn file_record(app: &TestApp, client: &Client, csrf: &str, member: MemberId) -> Response {
    let (member, date) = (member.to_string(), today().to_string());
    let parts = [
        Part::Text("csrf", csrf),
        Part::Text("member", &member),
        Part::Text("rule", "integrity.commendation"),
        Part::Text("date", &date),
        Part::Text("description", "帮助邻居修缮房屋，群众来信表扬"),
        Part::File("evidence", "", "image/png", b""),
    ];
    app.post_multipart(client, "/integrity", &parts).await
}

pub fn adjustment_form(member: MemberId) -> Vec<(String, String)> {
    pairs(&[
        ("member", &member.to_string()),
        ("rule", "adjustment.ethics"),
        ("points", "1"),
        ("reason", "补记去年漏记的见义勇为表彰"),
    ])
}

pub fn pairs(fields: &[(&str, &str)]) -> Vec<(String, String)> {
    fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// Objects of 十里社区 for the routes that name one by id.
pub async fn our_objects(app: &TestApp) -> Objects {
    let f = &app.fixture;
    let committee = app.login(COMMITTEE_2, PASSWORD).await;
    let member = app.login(MEMBER, PASSWORD).await;
    let makers = Makers {
        community: f.community,
        committee: &committee,
        committee_id: f.accounts[COMMITTEE_2],
        member: &member,
        member_id: f.liang,
        branch: f.branch1,
        household: f.liang_households[0],
    };
    make_objects(app, &makers).await
}

/// The neighbour's objects, made by its committee and by a new account of
/// its member 邻居甲.
pub async fn neighbour_objects(app: &TestApp) -> Objects {
    let n = app.neighbour.as_ref().expect("the neighbour community");
    let committee = app.login(NEIGHBOUR_COMMITTEE, PASSWORD).await;
    app.add_account_in(n.community, NEIGHBOUR_MEMBER, Role::Member, Some(n.member), None).await;
    let member = app.login(NEIGHBOUR_MEMBER, PASSWORD).await;
    let committee_id =
        app.count(&format!("SELECT id FROM accounts WHERE login = '{NEIGHBOUR_COMMITTEE}'")).await.into();
    let makers = Makers {
        community: n.community,
        committee: &committee,
        committee_id,
        member: &member,
        member_id: n.member,
        branch: n.branch,
        household: n.household,
    };
    make_objects(app, &makers).await
}

/// The account of the neighbour's member 邻居甲, made by [`neighbour_objects`].
pub const NEIGHBOUR_MEMBER: &str = "linju";

/// The GET routes that name an object by id (or by its check-in token).
pub fn id_pages(o: &Objects) -> Vec<String> {
    vec![
        format!("/meetings/{}", o.meeting),
        format!("/checkin/{}", o.meeting_token),
        format!("/activities/{}", o.activity),
        format!("/activities/checkin/{}", o.activity_token),
        format!("/uploads/{}", o.upload),
        format!("/ballots/{}", o.ballot),
        format!("/ballots/{}/tally", o.ballot),
        format!("/members/{}/stars", o.member),
    ]
}

/// The POST routes that name an object by id, each with a form that would
/// be accepted from an account of the object's own community (the CSRF
/// token is added when sending).
pub fn id_writes(o: &Objects) -> Vec<(String, Vec<(String, String)>)> {
    let member = o.member.to_string();
    let grade = format!("g{member}");
    vec![
        (format!("/meetings/{}/attendance", o.meeting), pairs(&[(&format!("m{member}"), "present")])),
        (format!("/meetings/{}/close", o.meeting), pairs(&[("unmarked", "absent"), ("confirm", "yes")])),
        (format!("/meetings/{}/leave", o.meeting), pairs(&[("reason", "外出务工")])),
        (format!("/checkin/{}", o.meeting_token), vec![]),
        (format!("/activities/{}/answer", o.activity), pairs(&[("answer", "sign_up")])),
        (format!("/activities/{}/confirm", o.activity), pairs(&[("m", &member), ("confirm", "yes")])),
        (format!("/activities/{}/no_shows", o.activity), vec![]),
        (format!("/activities/checkin/{}", o.activity_token), vec![]),
        (format!("/claims/{}/cancel", o.claim), vec![]),
        (format!("/claims/{}/decide", o.claim), pairs(&[("decision", "approve"), ("note", "已核实")])),
        (format!("/leave/{}/decide", o.leave), pairs(&[("decision", "approve"), ("note", "")])),
        (format!("/integrity/{}/vote", o.record), pairs(&[("vote", "approve")])),
        (format!("/ballots/{}/vote", o.ballot), pairs(&[(&grade, "qualified")])),
        (format!("/ballots/{}/close", o.ballot), pairs(&[("confirm", "yes")])),
        (format!("/ballots/{}/decide", o.ballot), pairs(&[(&grade, "qualified")])),
        (format!("/ballots/{}/cosign", o.ballot), vec![]),
        (format!("/ballots/{}/withdraw", o.ballot), vec![]),
        (format!("/adjustments/{}/check", o.adjustment), pairs(&[("decision", "approve"), ("note", "经核实属实")])),
        (
            format!("/rating/objections/{}/answer", o.objection),
            pairs(&[("answer", "经党委核实，积分记录无误"), ("outcome", "dismissed")]),
        ),
        (format!("/robots/{}/enabled", o.robot), pairs(&[("enabled", "0")])),
        (format!("/robots/outbox/{}", o.message), pairs(&[("action", "mark_sent")])),
        (format!("/households/{}/revoke", o.household), vec![]),
        (format!("/members/{}/pseudonymize", o.member), pairs(&[("confirm", "yes")])),
    ]
}

/// Posts a form with the client's CSRF token first.
pub async fn post_with_csrf(
    app: &TestApp,
    client: &Client,
    csrf: &str,
    path: &str,
    form: &[(String, String)],
) -> Response {
    let mut fields: Vec<(&str, &str)> = vec![("csrf", csrf)];
    fields.extend(form.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    app.post(client, path, &fields).await
}

// ---- the whole database, to prove a refusal wrote nothing ---------------------------

/// Every row of every table, sorted, by table; sessions and the audit of
/// signing in and out left out (they change as accounts sign in).
pub async fn everything(app: &TestApp) -> Vec<(String, Vec<String>)> {
    let (tables_sql, columns_sql) = if app.db.on_postgres() {
        (
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() \
             AND table_name NOT IN ('sessions', 'audit_log', '_sqlx_migrations') ORDER BY table_name",
            "SELECT column_name::text FROM information_schema.columns WHERE table_schema = current_schema() \
             AND table_name = '{table}' ORDER BY ordinal_position",
        )
    } else {
        (
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             AND name NOT IN ('sessions', 'audit_log', '_sqlx_migrations') ORDER BY name",
            "SELECT name FROM pragma_table_info('{table}')",
        )
    };
    let tables: Vec<(String,)> = app.rows(tables_sql).await;
    let mut all = Vec::new();
    for (table,) in tables {
        let columns: Vec<(String,)> = app.rows(&columns_sql.replace("{table}", &table)).await;
        // Each value as text, NULL spelled out, so a row reads the same on
        // both stores; an upload's bytes are stood for by their SHA-256.
        let row = columns
            .iter()
            .filter(|(c,)| !(table == "uploads" && c == "bytes"))
            .map(|(c,)| format!("COALESCE(CAST(\"{c}\" AS TEXT), 'NULL')"))
            .collect::<Vec<_>>()
            .join(" || ',' || ");
        let mut rows: Vec<String> =
            app.rows::<(String,)>(&format!("SELECT {row} FROM \"{table}\"")).await.into_iter().map(|(r,)| r).collect();
        rows.sort();
        all.push((table, rows));
    }
    let audit = "SELECT actor || ' ' || action || ' ' || detail FROM audit_log \
                 WHERE action NOT LIKE 'login%' AND action NOT LIKE 'logout%' AND action NOT LIKE 'password%'";
    let rows: Vec<String> = app.rows::<(String,)>(audit).await.into_iter().map(|(r,)| r).collect();
    all.push(("audit_log (work)".into(), rows));
    all
}

/// Panics naming each table whose rows differ, with the rows that came or went.
#[track_caller]
pub fn assert_unchanged(before: &[(String, Vec<String>)], after: &[(String, Vec<String>)], what: &str) {
    let mut changed = Vec::new();
    for ((table, old), (_, new)) in before.iter().zip(after) {
        if old != new {
            let gone: Vec<&String> = old.iter().filter(|r| !new.contains(r)).take(5).collect();
            let came: Vec<&String> = new.iter().filter(|r| !old.contains(r)).take(5).collect();
            changed.push(format!("{table}: -{gone:?} +{came:?}"));
        }
    }
    assert_eq!(before.len(), after.len(), "{what}: the tables themselves changed");
    assert!(changed.is_empty(), "{what} wrote:\n{}", changed.join("\n"));
}

/// Refused because the object is not found in (or not allowed to) the
/// viewer's community: never a page, a redirect after a write, or a
/// validation error that would mean the request got further.
#[track_caller]
fn assert_refused(status: StatusCode, what: &str) {
    assert!(
        status == StatusCode::NOT_FOUND || status == StatusCode::FORBIDDEN,
        "{what} answered {status}, not 404 or 403"
    );
}

/// Not found in the viewer's community: the answer an id of another
/// community gets, exactly as an id that does not exist.
#[track_caller]
fn assert_not_found(status: StatusCode, what: &str) {
    assert_eq!(status, StatusCode::NOT_FOUND, "{what}");
}

// ---- the tests ----------------------------------------------------------------------

#[tokio::test]
async fn no_route_with_an_id_reaches_the_neighbour_s_objects() {
    let app = spawn_app_with_neighbour().await;
    let theirs = neighbour_objects(&app).await;
    let committee = app.login(COMMITTEE, PASSWORD).await;
    let csrf = app.csrf(&committee).await;
    let before = everything(&app).await;
    let ledger = app.ledger_rows().await;

    for path in id_pages(&theirs) {
        let response = app.get(&committee, &path).await;
        let status = response.status();
        let body = response.text().await.expect("a body");
        assert_not_found(status, &format!("GET {path}"));
        for secret in
            ["邻居甲", "五里南街9号", "13600003333", "136****3333", &theirs.meeting_token, &theirs.activity_token]
        {
            assert!(!body.contains(secret), "GET {path} shows {secret}:\n{body}");
        }
    }
    for (path, form) in id_writes(&theirs) {
        let status = post_with_csrf(&app, &committee, &csrf, &path, &form).await.status();
        assert_not_found(status, &format!("POST {path}"));
    }
    assert_unchanged(&before, &everything(&app).await, "the committee of 十里社区 on 五里社区's objects");
    assert_eq!(app.ledger_rows().await, ledger);
    assert_eq!(app.work(COMMITTEE).await, Vec::<String>::new(), "nothing audited as done");

    // The same ids are real: the neighbour's own accounts reach them.
    let n = app.neighbour.as_ref().expect("the neighbour community");
    let second = app.add_member_in(n.community, NewPerson::in_branch(n.branch, "五里委员")).await;
    app.add_account_in(n.community, "wuli2", Role::Committee, Some(second), None).await;
    let neighbour = app.login("wuli2", PASSWORD).await;
    let member = app.login(NEIGHBOUR_MEMBER, PASSWORD).await;
    for path in id_pages(&theirs) {
        let client = if path.starts_with("/checkin/") { &member } else { &neighbour };
        let status = app.get(client, &path).await.status();
        // The tally of an open ballot is refused as too early, not as not found.
        let expected = if path.ends_with("/tally") { StatusCode::CONFLICT } else { StatusCode::OK };
        assert_eq!(status, expected, "the neighbour opens {path}");
    }
    // And every write finds its object there (a state may still refuse one:
    // nobody closes a meeting before it starts), where ours got "not found".
    let (committee_csrf, member_csrf) = (app.csrf(&neighbour).await, app.csrf(&member).await);
    for (path, form) in id_writes(&theirs) {
        let (client, csrf) = if members_post(&path) { (&member, &member_csrf) } else { (&neighbour, &committee_csrf) };
        let status = post_with_csrf(&app, client, csrf, &path, &form).await.status();
        assert_ne!(status, StatusCode::NOT_FOUND, "the neighbour's own POST {path}");
    }
    let states = [
        format!("SELECT status FROM leave_requests WHERE id = {}", theirs.leave),
        format!("SELECT status FROM claims WHERE id = {}", theirs.claim),
        format!("SELECT status FROM adjustments WHERE id = {}", theirs.adjustment),
        format!(
            "SELECT CASE WHEN answered_at IS NULL THEN '0' ELSE '1' END FROM objections WHERE id = {}",
            theirs.objection
        ),
        format!("SELECT CASE WHEN enabled THEN '1' ELSE '0' END FROM robots WHERE id = {}", theirs.robot),
        format!("SELECT status FROM outbox WHERE id = {}", theirs.message),
        format!("SELECT CAST(COUNT(*) AS TEXT) FROM integrity_votes WHERE record_id = {}", theirs.record),
    ];
    let mut got = Vec::new();
    for sql in &states {
        got.push(app.text_of(sql).await);
    }
    assert_eq!(got, ["approved", "cancelled", "approved", "1", "0", "sent", "1"], "the neighbour's own writes");
}

/// The writes of [`id_writes`] a member makes, not the committee.
pub fn members_post(path: &str) -> bool {
    path.ends_with("/leave")
        || path.starts_with("/checkin/")
        || path.starts_with("/activities/checkin/")
        || (path.starts_with("/activities/") && path.ends_with("/answer"))
        || path.ends_with("/cancel")
        || (path.starts_with("/ballots/") && path.ends_with("/vote"))
}

#[tokio::test]
async fn the_neighbour_s_committee_reaches_no_object_of_ours_either() {
    let app = spawn_app_with_neighbour().await;
    let ours = our_objects(&app).await;
    let neighbour = app.login(NEIGHBOUR_COMMITTEE, PASSWORD).await;
    let csrf = app.csrf(&neighbour).await;
    let before = everything(&app).await;

    for path in id_pages(&ours) {
        let response = app.get(&neighbour, &path).await;
        let status = response.status();
        let body = response.text().await.expect("a body");
        assert_refused(status, &format!("GET {path}"));
        for secret in ["梁小改", "东街1号", "13812345678", "138****5678"] {
            assert!(!body.contains(secret), "GET {path} shows {secret}:\n{body}");
        }
    }
    for (path, form) in id_writes(&ours) {
        let status = post_with_csrf(&app, &neighbour, &csrf, &path, &form).await.status();
        assert_refused(status, &format!("POST {path}"));
    }
    assert_unchanged(&before, &everything(&app).await, "the committee of 五里社区 on 十里社区's objects");
}

#[tokio::test]
async fn no_form_names_the_neighbour_s_member_household_or_branch() {
    let app = spawn_app_with_neighbour().await;
    let f = &app.fixture;
    let n = app.neighbour.as_ref().expect("the neighbour community");
    let committee = app.login(COMMITTEE, PASSWORD).await;
    let csrf = app.csrf(&committee).await;
    let (their_member, their_household, their_branch) =
        (n.member.to_string(), n.household.to_string(), n.branch.to_string());
    let (liang, our_household, year) =
        (f.liang.to_string(), f.unlinked_household.to_string(), f.year.get().to_string());
    // Last year's results in public notice, so that objections are taken.
    let last = f.last_year().get();
    let publisher = app.login(COMMITTEE_2, PASSWORD).await;
    let publisher_csrf = app.csrf(&publisher).await;
    let response = app
        .post(&publisher, &format!("/rating/{last}/publish"), &[("csrf", &publisher_csrf), ("confirm", "yes")])
        .await;
    assert_redirect(&response, &format!("/rating?year={last}"));
    let household = app.client();
    let notice = format!("/r/{}/notice", f.tokens[&f.liang_households[0]]);
    let form_token = csrf_of(&text(app.get(&household, &notice).await, StatusCode::OK).await);
    let before = everything(&app).await;

    let objections = format!("/rating/{last}/objections");
    let adjustment = adjustment_form(n.member);
    let forms: [(&str, Vec<(String, String)>); 8] = [
        // Linking our household to their member, their household to ours, unlinking theirs.
        ("/households/link", pairs(&[("action", "link"), ("member", &their_member), ("h", &our_household)])),
        ("/households/link", pairs(&[("action", "link"), ("member", &liang), ("h", &their_household)])),
        ("/households/link", pairs(&[("action", "unlink"), ("h", &their_household)])),
        // Marking relatives across communities, either way round.
        ("/integrity/relatives", pairs(&[("member", &liang), ("relative", &their_member), ("relation", "兄妹")])),
        ("/integrity/relatives", pairs(&[("member", &their_member), ("relative", &liang), ("relation", "兄妹")])),
        // An adjustment, an objection and a ballot about their member or branch.
        ("/adjustments", adjustment),
        (&objections, pairs(&[("member", &their_member), ("text", "走访次数与实际不符，请核实")])),
        ("/ballots", pairs(&[("branch", &their_branch), ("year", &year)])),
    ];
    for (path, form) in &forms {
        let status = post_with_csrf(&app, &committee, &csrf, path, form).await.status();
        assert_not_found(status, &format!("POST {path} {form:?}"));
    }

    // Multipart forms: an integrity record about their member, a visit to their household.
    let response = file_record(&app, &committee, &csrf, n.member).await;
    assert_not_found(response.status(), "filing an integrity record about the neighbour's member");
    let date = today().to_string();
    let parts = [
        Part::Text("csrf", &csrf),
        Part::Text("household", &their_household),
        Part::Text("date", &date),
        Part::Text("note", "走访了解情况"),
        Part::File("photo", "", "image/png", b""),
    ];
    let response = app.post_multipart(&committee, "/claims/visit", &parts).await;
    assert_not_found(response.status(), "claiming a visit to the neighbour's household");

    // A household of ours objecting, through its link, about their member.
    let form = [("csrf", form_token.as_str()), ("member", &their_member), ("text", "她很少来我家走访")];
    assert_not_found(app.post(&household, &notice, &form).await.status(), "a household's objection");

    // Their branch's cards are not ours to print.
    let status = app.get(&committee, &format!("/households/cards?branch={}", n.branch)).await.status();
    assert_eq!(status, StatusCode::FORBIDDEN, "the neighbour's household cards");

    assert_unchanged(&before, &everything(&app).await, "forms naming the neighbour's member, household or branch");
    let sql = format!("SELECT member_id FROM household_links WHERE household_id = {}", n.household);
    assert_eq!(app.count(&sql).await, n.member.get(), "the neighbour's household stays linked to its member");
}

#[tokio::test]
async fn an_attendance_sheet_of_ours_records_nothing_about_the_neighbour_s_member() {
    let app = spawn_app_with_neighbour().await;
    let f = &app.fixture;
    let n = app.neighbour.as_ref().expect("the neighbour community");
    let committee = app.login(COMMITTEE_2, PASSWORD).await;
    let meeting = app.meeting(&committee, &MeetingForm::general(f.branch1, -30)).await;

    // The sheet lists the invited only; a field for anyone else is ignored.
    let response = app.mark(&committee, meeting, &[(n.member, "present")]).await;
    assert_redirect(&response, &format!("/meetings/{meeting}"));
    assert_redirect(&app.close_meeting(&committee, meeting).await, &format!("/meetings/{meeting}"));
    let sql = format!("SELECT COUNT(*) FROM meeting_attendance WHERE member_id = {}", n.member);
    assert_eq!(app.count(&sql).await, 0, "no attendance for the neighbour's member");
    let sql = format!(
        "SELECT COUNT(*) FROM ledger_entries WHERE member_id = {} AND community_id = {}",
        n.member, f.community
    );
    assert_eq!(app.count(&sql).await, 0);
    let sql = format!("SELECT COUNT(*) FROM ledger_entries WHERE member_id = {}", n.member);
    assert_eq!(app.count(&sql).await, 1, "only the neighbour's own entry");
}

/// A committee schedules meetings of its own branches only: the neighbour's
/// branch id must be refused, or a meeting of 十里社区 names 五里社区's branch.
#[tokio::test]
async fn scheduling_a_meeting_for_the_neighbour_s_branch_is_refused() {
    let app = spawn_app_with_neighbour().await;
    let n = app.neighbour.as_ref().expect("the neighbour community");
    let committee = app.login(COMMITTEE, PASSWORD).await;
    let before = everything(&app).await;

    let response = app.schedule(&committee, &MeetingForm::general(n.branch, 60)).await;
    let (status, to) = (response.status(), location(&response));
    if let Some(id) = to.strip_prefix("/meetings/") {
        let page = text(app.get(&committee, &format!("/meetings/{id}")).await, StatusCode::OK).await;
        let names_it = page.contains("五里第一党支部");
        assert!(
            !names_it,
            "meeting {id} of 十里社区 was scheduled for, and names, the neighbour's branch 五里第一党支部"
        );
    }
    assert_refused(status, "scheduling a meeting of the neighbour's branch");
    assert_unchanged(&before, &everything(&app).await, "scheduling a meeting of the neighbour's branch");
}
