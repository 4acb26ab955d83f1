//! The integrity record (诚信档案, /integrity): the committee or a branch
//! secretary files a commendation or a fault with its evidence; it becomes
//! points only by a committee decision, with the member concerned and their
//! relatives recused (回避), once the quorum (3 in the default rulebook) has
//! voted, by a majority of the votes cast. The entry names the decision,
//! never one voter. Every refusal writes nothing.

use super::helpers::*;
use jiff::civil::Date;
use reqwest::{Client, Response, StatusCode};
use starledger_domain::org::{AccountId, MemberId, Role};

const COMMENDATION: &str = "integrity.commendation";
const FAULT: &str = "integrity.fault";

/// Posts the filing form as a browser does (multipart, an empty file field
/// when no evidence was chosen), with the given session token.
async fn file_with(
    app: &TestApp,
    client: &Client,
    csrf: Option<&str>,
    member: MemberId,
    rule: &str,
    date: Date,
    evidence: Option<&[u8]>,
) -> Response {
    let (member, date) = (member.to_string(), date.to_string());
    let mut parts = Vec::new();
    if let Some(csrf) = csrf {
        parts.push(Part::Text("csrf", csrf));
    }
    parts.extend([
        Part::Text("member", &member),
        Part::Text("rule", rule),
        Part::Text("date", &date),
        Part::Text("description", "帮助邻居修缮房屋，群众来信表扬"),
    ]);
    parts.push(Part::File(
        "evidence",
        if evidence.is_some() { "letter.png" } else { "" },
        "image/png",
        evidence.unwrap_or(b""),
    ));
    app.post_multipart(client, "/integrity", &parts).await
}

/// Files a record dated today with the client's own token.
async fn file(app: &TestApp, client: &Client, member: MemberId, rule: &str, evidence: Option<&[u8]>) -> Response {
    let csrf = app.csrf(client).await;
    file_with(app, client, Some(&csrf), member, rule, today(), evidence).await
}

/// Files a record that must be accepted; its id.
async fn filed(app: &TestApp, client: &Client, member: MemberId, rule: &str) -> i64 {
    assert_redirect(&file(app, client, member, rule, None).await, "/integrity");
    app.count("SELECT MAX(id) FROM integrity_records").await
}

/// Votes `approve` or `reject` on a record.
async fn vote(app: &TestApp, client: &Client, record: i64, choice: &str) -> Response {
    let csrf = app.csrf(client).await;
    app.post(client, &format!("/integrity/{record}/vote"), &[("csrf", &csrf), ("vote", choice)]).await
}

/// A vote that must be accepted.
async fn voted(app: &TestApp, client: &Client, record: i64, choice: &str) {
    assert_redirect(&vote(app, client, record, choice).await, "/integrity");
}

/// (status, entry_id) of a record.
async fn state_of(app: &TestApp, record: i64) -> (String, Option<i64>) {
    app.rows(&format!("SELECT status, entry_id FROM integrity_records WHERE id = {record}"))
        .await
        .pop()
        .unwrap_or_else(|| panic!("record {record} exists"))
}

async fn votes_on(app: &TestApp, record: i64) -> i64 {
    app.count(&format!("SELECT COUNT(*) FROM integrity_votes WHERE record_id = {record}")).await
}

/// id, member, rule, points in tenths, source_kind, recorded_by, reason of
/// the entries a record's decision wrote.
type DecisionEntry = (i64, MemberId, String, i64, String, String, String);

async fn entries_of_record(app: &TestApp, record: i64) -> Vec<DecisionEntry> {
    let sql = format!(
        "SELECT id, member_id, rule_key, points_tenths, source_kind, recorded_by, reason FROM ledger_entries \
         WHERE source_ref = 'integrity:{record}' ORDER BY id"
    );
    app.rows(&sql).await
}

/// Marks two members as relatives, as the committee does.
async fn mark_relatives(app: &TestApp, client: &Client, member: MemberId, relative: MemberId) -> Response {
    let csrf = app.csrf(client).await;
    let (member, relative) = (member.to_string(), relative.to_string());
    let form = [("csrf", csrf.as_str()), ("member", &member), ("relative", &relative), ("relation", "姐妹")];
    app.post(client, "/integrity/relatives", &form).await
}

#[tokio::test]
async fn a_filed_record_waits_for_the_committee_and_writes_no_points() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let (ledger, uploads) = (app.ledger_rows().await, app.rows_in("uploads").await);

    // The secretary of branch 1 files a commendation of 梁小改 with a photo of the letter.
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    assert_redirect(&file(&app, &secretary, f.liang, COMMENDATION, Some(PNG)).await, "/integrity");
    let rows: Vec<(MemberId, String, String, Option<i64>, AccountId, i64)> = app
        .rows(
            "SELECT member_id, rule_key, status, entry_id, filed_by, \
             CASE WHEN evidence_id IS NULL THEN 0 ELSE 1 END FROM integrity_records",
        )
        .await;
    let hu = f.accounts[BRANCH_SECRETARY];
    assert_eq!(rows, [(f.liang, COMMENDATION.to_string(), "pending".to_string(), None, hu, 1)]);
    assert_eq!(app.rows_in("uploads").await, uploads + 1, "the evidence is kept");
    assert_eq!(app.ledger_rows().await, ledger, "filing is not deciding: no points");
    assert_eq!(app.work(BRANCH_SECRETARY).await, ["integrity.file"]);

    // The committee sees it waiting for its vote, with nobody's vote yet.
    let committee = app.login(COMMITTEE_2, PASSWORD).await;
    let page = text(app.get(&committee, "/integrity").await, StatusCode::OK).await;
    let record = app.count("SELECT MAX(id) FROM integrity_records").await;
    let row = row_containing(&page, &format!("data-record=\"{record}\"")).expect("the record is listed");
    assert!(row.contains("待党委会表决") && row.contains("0:0 / 3"), "{row}");
    assert!(row.contains(&format!("action=\"/integrity/{record}/vote\"")), "the committee may vote:\n{row}");
    // On a phone the row is read top to bottom (issue 14, item 10): what
    // happened and its evidence come before the vote, and nothing hides them.
    let facts = row.find("data-testid=\"facts\"").expect("the facts are in the row");
    let vote = row.find("/vote\"").expect("the vote is in the row");
    assert!(facts < vote, "the facts come before the vote:\n{row}");
    assert!(!row.contains("hide-narrow"), "nothing of the record is hidden on a phone:\n{row}");
    // The committee sees the evidence it decides on; the member concerned does not.
    let evidence = app.count(&format!("SELECT evidence_id FROM integrity_records WHERE id = {record}")).await;
    assert!(row.contains(&format!("href=\"/uploads/{evidence}\"")), "{row}");
    let response = app.get(&committee, &format!("/uploads/{evidence}")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.bytes().await.expect("the photo").as_ref(), PNG);
    let liang = app.login(MEMBER, PASSWORD).await;
    text(app.get(&liang, &format!("/uploads/{evidence}")).await, StatusCode::FORBIDDEN).await;
    // The secretary who filed it is not offered a vote.
    let page = text(app.get(&secretary, "/integrity").await, StatusCode::OK).await;
    assert!(!page.contains(&format!("action=\"/integrity/{record}/vote\"")), "{page}");

    // A record without evidence is filed too (the browser sends an empty file field).
    let record = filed(&app, &committee, f.hu, COMMENDATION).await;
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM integrity_records WHERE id = {record} AND evidence_id IS NULL")).await,
        1
    );
    assert_eq!(app.rows_in("uploads").await, uploads + 1);
    assert_eq!(app.ledger_rows().await, ledger);
}

#[tokio::test]
async fn below_the_quorum_nothing_is_written_and_at_the_quorum_the_majority_decides() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let ledger = app.ledger_rows().await;
    let (peng, zhao, sun) = (
        app.login(COMMITTEE, PASSWORD).await,
        app.login(COMMITTEE_2, PASSWORD).await,
        app.login(COMMITTEE_3, PASSWORD).await,
    );
    let record = filed(&app, &zhao, f.liang, COMMENDATION).await;

    voted(&app, &peng, record, "approve").await;
    assert_eq!((votes_on(&app, record).await, state_of(&app, record).await), (1, ("pending".into(), None)));
    assert_eq!(app.ledger_rows().await, ledger, "one vote decides nothing");

    // Each committee member votes once: a second vote, either way, is refused.
    for choice in ["reject", "approve"] {
        text(vote(&app, &peng, record, choice).await, StatusCode::CONFLICT).await;
    }
    let sql = format!("SELECT COUNT(*) FROM integrity_votes WHERE record_id = {record} AND approve = TRUE");
    assert_eq!((votes_on(&app, record).await, app.count(&sql).await), (1, 1), "the first vote stands");

    voted(&app, &zhao, record, "reject").await;
    assert_eq!((votes_on(&app, record).await, state_of(&app, record).await), (2, ("pending".into(), None)));
    assert_eq!(app.ledger_rows().await, ledger, "two votes are below the quorum of three");
    assert!(entries_of_record(&app, record).await.is_empty());

    // The third vote reaches the quorum; two of three approve.
    voted(&app, &sun, record, "approve").await;
    assert_eq!(app.ledger_rows().await, ledger + 1, "exactly one entry");
    let entries = entries_of_record(&app, record).await;
    let [(entry, member, rule, tenths, source_kind, recorded_by, reason)] = entries.as_slice() else {
        panic!("one entry for the decision: {entries:?}");
    };
    assert_eq!(
        (*member, rule.as_str(), *tenths, source_kind.as_str(), recorded_by.as_str()),
        (f.liang, COMMENDATION, 30, "decision", format!("decision:{record}").as_str()),
        "the entry names the decision, not any voter"
    );
    assert!(reason.contains("2/3"), "the reason carries the count: {reason}");
    assert_eq!(state_of(&app, record).await, ("approved".into(), Some(*entry)));
    for login in [COMMITTEE, COMMITTEE_2, COMMITTEE_3] {
        assert_eq!(app.work(login).await.iter().filter(|a| *a == "integrity.vote").count(), 1, "{login}");
    }

    // A decided record takes no more votes, even from a committee member who has not voted.
    let qian = app.add_member(NewPerson::in_branch(app.fixture.branch2, "钱委员")).await;
    app.add_account("qian", Role::Committee, Some(qian), None).await;
    let late = app.login("qian", PASSWORD).await;
    text(vote(&app, &late, record, "reject").await, StatusCode::CONFLICT).await;
    assert_eq!((votes_on(&app, record).await, app.ledger_rows().await), (3, ledger + 1));

    let page = text(app.get(&zhao, "/integrity").await, StatusCode::OK).await;
    let row = row_containing(&page, &format!("data-record=\"{record}\"")).expect("the record is listed");
    assert!(row.contains("已通过，记入积分") && row.contains("2:1 / 3"), "{row}");
}

#[tokio::test]
async fn a_majority_against_rejects_the_record_and_writes_nothing() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let ledger = app.ledger_rows().await;
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let record = filed(&app, &secretary, f.liang, FAULT).await;
    let choices = [(COMMITTEE, "approve"), (COMMITTEE_2, "reject"), (COMMITTEE_3, "reject")];
    for (login, choice) in choices {
        voted(&app, &app.login(login, PASSWORD).await, record, choice).await;
    }
    assert_eq!(state_of(&app, record).await, ("rejected".into(), None));
    assert_eq!(app.ledger_rows().await, ledger, "a rejected record writes no points");
    assert!(entries_of_record(&app, record).await.is_empty());
}

#[tokio::test]
async fn the_member_concerned_is_recused_and_files_nothing_about_themselves() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let ledger = app.ledger_rows().await;
    // 彭雅丽 is on the committee; a record about her is decided without her.
    let peng = app.login(COMMITTEE, PASSWORD).await;
    let zhao = app.login(COMMITTEE_2, PASSWORD).await;
    let record = filed(&app, &zhao, f.peng, "moral.praise").await;

    let body = text(vote(&app, &peng, record, "approve").await, StatusCode::FORBIDDEN).await;
    assert!(body.contains("您须回避"), "{body}");
    assert_eq!(votes_on(&app, record).await, 0);
    let page = text(app.get(&peng, "/integrity").await, StatusCode::OK).await;
    let row = row_containing(&page, &format!("data-record=\"{record}\"")).expect("the record is listed");
    assert!(row.contains("您须回避") && !row.contains("/vote\""), "no vote is offered to the recused:\n{row}");

    // Nor does she file about herself.
    let records = app.rows_in("integrity_records").await;
    text(file(&app, &peng, f.peng, COMMENDATION, Some(PNG)).await, StatusCode::FORBIDDEN).await;
    assert_eq!(app.rows_in("integrity_records").await, records);

    // Without her two committee members may vote: the quorum counts only
    // them (the rulebook's quorum is three, its floor two), so the record
    // does not wait forever for a third who cannot come.
    let page = text(app.get(&zhao, "/integrity").await, StatusCode::OK).await;
    let row = row_containing(&page, &format!("data-record=\"{record}\"")).expect("the record is listed");
    assert!(row.contains("0:0 / 2"), "the quorum is two:\n{row}");
    voted(&app, &zhao, record, "approve").await;
    assert_eq!((state_of(&app, record).await, app.ledger_rows().await), (("pending".into(), None), ledger));
    voted(&app, &app.login(COMMITTEE_3, PASSWORD).await, record, "approve").await;
    assert_eq!(state_of(&app, record).await.0, "approved");
    assert_eq!(app.ledger_rows().await, ledger + 1);
}

#[tokio::test]
async fn a_member_marked_as_a_relative_is_recused() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let ledger = app.ledger_rows().await;
    let peng = app.login(COMMITTEE, PASSWORD).await;
    let zhao = app.login(COMMITTEE_2, PASSWORD).await;

    // Only the committee marks relatives, and a member is not their own relative.
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    text(mark_relatives(&app, &secretary, f.peng, f.liang).await, StatusCode::FORBIDDEN).await;
    text(mark_relatives(&app, &zhao, f.liang, f.liang).await, StatusCode::BAD_REQUEST).await;
    assert_eq!(app.rows_in("relatives").await, 0);

    // Marked one way round, recusal holds both ways.
    assert_redirect(&mark_relatives(&app, &zhao, f.peng, f.liang).await, "/integrity");
    assert_eq!(app.rows_in("relatives").await, 2);
    assert!(app.work(COMMITTEE_2).await.contains(&"relatives.mark".to_string()));

    let record = filed(&app, &secretary, f.liang, COMMENDATION).await;
    let body = text(vote(&app, &peng, record, "approve").await, StatusCode::FORBIDDEN).await;
    assert!(body.contains("您须回避"), "{body}");
    assert_eq!((votes_on(&app, record).await, app.ledger_rows().await), (0, ledger));
    let page = text(app.get(&peng, "/integrity").await, StatusCode::OK).await;
    let row = row_containing(&page, &format!("data-record=\"{record}\"")).expect("the record is listed");
    assert!(row.contains("您须回避"), "{row}");
}

#[tokio::test]
async fn only_the_committee_votes_and_members_and_auditors_file_nothing() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let zhao = app.login(COMMITTEE_2, PASSWORD).await;
    let record = filed(&app, &zhao, f.hu, COMMENDATION).await;
    let (before, records) = (app.written().await, app.rows_in("integrity_records").await);

    app.add_member_account(f.branch2, "路人甲", "luren").await;
    for login in [BRANCH_SECRETARY, MEMBER, AUDITOR, "luren"] {
        let client = app.login(login, PASSWORD).await;
        text(vote(&app, &client, record, "approve").await, StatusCode::FORBIDDEN).await;
    }
    assert_eq!(votes_on(&app, record).await, 0);
    for login in [MEMBER, AUDITOR, "luren"] {
        let client = app.login(login, PASSWORD).await;
        text(file(&app, &client, f.hu, COMMENDATION, Some(PNG)).await, StatusCode::FORBIDDEN).await;
    }
    assert_eq!(app.rows_in("integrity_records").await, records);
    assert_eq!(app.written().await, before, "no entry, no upload, no audit row");
    // Members do not even see the page; the auditor reads it.
    text(app.get(&app.login(MEMBER, PASSWORD).await, "/integrity").await, StatusCode::FORBIDDEN).await;
    let page = text(app.get(&app.login(AUDITOR, PASSWORD).await, "/integrity").await, StatusCode::OK).await;
    assert!(!page.contains("/vote\""), "the auditor votes on nothing:\n{page}");
}

#[tokio::test]
async fn a_branch_secretary_files_only_about_their_own_branch() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let before = app.written().await;
    let records = app.rows_in("integrity_records").await;

    let body = text(file(&app, &secretary, f.peng, FAULT, Some(PNG)).await, StatusCode::FORBIDDEN).await;
    assert!(body.contains("本支部党员"), "{body}");
    text(file(&app, &secretary, f.hu, COMMENDATION, None).await, StatusCode::FORBIDDEN).await;
    // Points no committee decides, and a day that has not come, are refused too.
    text(file(&app, &secretary, f.liang, "meeting.group", None).await, StatusCode::BAD_REQUEST).await;
    let csrf = app.csrf(&secretary).await;
    let tomorrow = today().tomorrow().expect("tomorrow");
    let response = file_with(&app, &secretary, Some(&csrf), f.liang, COMMENDATION, tomorrow, None).await;
    text(response, StatusCode::CONFLICT).await;
    assert_eq!(app.rows_in("integrity_records").await, records);
    assert_eq!(app.written().await, before, "no upload was kept for a refused record");

    // About a member of branch 1 the secretary files.
    assert_redirect(&file(&app, &secretary, f.wang, FAULT, None).await, "/integrity");
    assert_eq!(app.rows_in("integrity_records").await, records + 1);
}

#[tokio::test]
async fn filing_and_voting_need_the_session_token() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let zhao = app.login(COMMITTEE_2, PASSWORD).await;
    let record = filed(&app, &zhao, f.liang, COMMENDATION).await;
    let (before, records) = (app.written().await, app.rows_in("integrity_records").await);
    let right = app.csrf(&zhao).await;
    let wrong = if right.starts_with('0') { "1".repeat(64) } else { "0".repeat(64) };

    for csrf in [None, Some(""), Some(wrong.as_str())] {
        let response = file_with(&app, &zhao, csrf, f.liang, COMMENDATION, today(), Some(PNG)).await;
        text(response, StatusCode::FORBIDDEN).await;
    }
    assert_eq!(app.rows_in("integrity_records").await, records);
    for csrf in ["", wrong.as_str()] {
        let response =
            app.post(&zhao, &format!("/integrity/{record}/vote"), &[("csrf", csrf), ("vote", "approve")]).await;
        text(response, StatusCode::FORBIDDEN).await;
    }
    assert_eq!(votes_on(&app, record).await, 0);
    let (member, relative) = (f.peng.to_string(), f.liang.to_string());
    let form = [("csrf", wrong.as_str()), ("member", &member), ("relative", &relative), ("relation", "姐妹")];
    text(app.post(&zhao, "/integrity/relatives", &form).await, StatusCode::FORBIDDEN).await;
    assert_eq!(app.rows_in("relatives").await, 0);
    assert_eq!(app.written().await, before);
}

async fn overseer_decides(app: &TestApp, client: &Client, record: i64, decision: &str, note: &str) -> Response {
    let csrf = app.csrf(client).await;
    let path = format!("/region/integrity/{}/{record}/decide", app.fixture.community);
    app.post(client, &path, &[("csrf", csrf.as_str()), ("decision", decision), ("note", note)]).await
}

#[tokio::test]
async fn below_the_floor_the_overseer_above_decides_rather_than_the_record_stalling() {
    let app = spawn_app_with_regions().await;
    let f = &app.fixture;
    let ledger = app.ledger_rows().await;
    let zhao = app.login(COMMITTEE_2, PASSWORD).await;
    // A record about 彭雅丽, whose relative 曾文静 (孙丽华's person) is marked:
    // of three committee members only 赵春明 may vote, below the floor of two.
    assert_redirect(&mark_relatives(&app, &zhao, f.peng, f.zeng).await, "/integrity");
    let record = filed(&app, &zhao, f.peng, "moral.praise").await;
    let page = text(app.get(&zhao, "/integrity").await, StatusCode::OK).await;
    let row = row_containing(&page, &format!("data-record=\"{record}\"")).expect("the record is listed");
    assert!(row.contains("待上级组织部决定") && !row.contains("/vote\""), "no vote is offered:\n{row}");
    // The one who may vote cannot decide alone.
    let body = text(vote(&app, &zhao, record, "approve").await, StatusCode::CONFLICT).await;
    assert!(body.contains("监督人"), "{body}");
    assert_eq!(votes_on(&app, record).await, 0);

    // Not the committee through the region's route, not an overseer
    // elsewhere, and not the city's while the county's is nearer.
    text(overseer_decides(&app, &zhao, record, "approve", "同意表彰").await, StatusCode::FORBIDDEN).await;
    for login in [OTHER_CITY_OVERSEER, CITY_OVERSEER] {
        let client = app.login(login, PASSWORD).await;
        let page = text(app.get(&client, "/region/integrity").await, StatusCode::OK).await;
        assert!(page.contains("data-testid=\"no-cases\""), "{login} is offered nothing:\n{page}");
        text(overseer_decides(&app, &client, record, "approve", "同意表彰").await, StatusCode::FORBIDDEN).await;
    }
    assert_eq!((state_of(&app, record).await, app.ledger_rows().await), (("pending".into(), None), ledger));

    // Control: the county's department, nearest above 甲街道, decides, with a reason.
    let county = app.login(COUNTY_OVERSEER, PASSWORD).await;
    let page = text(app.get(&county, "/region/integrity").await, StatusCode::OK).await;
    assert!(page.contains(&format!("data-case=\"{}-{record}\"", f.community)), "{page}");
    text(overseer_decides(&app, &county, record, "approve", "").await, StatusCode::BAD_REQUEST).await;
    let note = "经区委组织部核实，事迹属实";
    assert_redirect(&overseer_decides(&app, &county, record, "approve", note).await, "/region/integrity");
    let (status, entry) = state_of(&app, record).await;
    assert_eq!(status, "approved");
    assert!(entry.is_some());
    assert_eq!(app.ledger_rows().await, ledger + 1);
    let decided: Vec<(Option<AccountId>, Option<String>)> =
        app.rows(&format!("SELECT decided_by, decision_note FROM integrity_records WHERE id = {record}")).await;
    assert_eq!(decided, [(Some(f.accounts[COUNTY_OVERSEER]), Some(note.to_string()))]);
    let entries = entries_of_record(&app, record).await;
    assert_eq!(entries.len(), 1);
    let reason: Vec<(String, String)> = app
        .rows(&format!("SELECT reason, recorded_by FROM ledger_entries WHERE source_ref = 'integrity:{record}'"))
        .await;
    assert!(reason[0].0.contains("上级组织部") && reason[0].0.contains(note), "{reason:?}");
    assert_eq!(reason[0].1, format!("decision:{record}"));
    let audit: Vec<(String,)> =
        app.rows("SELECT actor FROM audit_log WHERE action = 'integrity.overseer_decide'").await;
    assert_eq!(audit, [(format!("account:{} ({COUNTY_OVERSEER})", f.accounts[COUNTY_OVERSEER]),)]);
    let page = text(app.get(&zhao, "/integrity").await, StatusCode::OK).await;
    let row = row_containing(&page, &format!("data-record=\"{record}\"")).expect("the record is listed");
    assert!(row.contains("上级组织部决定通过") && row.contains(note), "{row}");
    // Once.
    text(overseer_decides(&app, &county, record, "reject", "再次决定无效").await, StatusCode::CONFLICT).await;
}

/// Issue 14, item 2, for the integrity record: evidence straight from a
/// phone (12 MB, past the 8 MB kept) sent without the browser's shrinking
/// brings the form back as it was typed, with why, in Chinese; nothing is
/// written. The same record with a smaller photo is filed.
#[tokio::test]
async fn evidence_past_the_limit_brings_the_record_back_as_typed() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let committee = app.login(COMMITTEE, PASSWORD).await;
    let mut phone_photo = PNG.to_vec();
    phone_photo.resize(12 * 1024 * 1024, 0x5A);
    let date = today() - jiff::Span::new().days(3);
    let before = (app.written().await, app.rows_in("integrity_records").await);
    let csrf = app.csrf(&committee).await;
    let response = file_with(&app, &committee, Some(&csrf), f.liang, FAULT, date, Some(&phone_photo)).await;
    let page = text(response, StatusCode::PAYLOAD_TOO_LARGE).await;
    assert_eq!((app.written().await, app.rows_in("integrity_records").await), before, "nothing was written");
    assert!(page.contains("data-testid=\"evidence-too-large\""), "{page}");
    assert!(page.contains("照片超过 8 MB"), "said in Chinese: {page}");
    assert!(page.contains(">帮助邻居修缮房屋，群众来信表扬</textarea>"), "the description is kept: {page}");
    assert!(page.contains(&format!("<option value=\"{}\" selected>", f.liang)), "the member is kept: {page}");
    assert!(page.contains(&format!("<option value=\"{FAULT}\" selected>")), "the rule is kept: {page}");
    assert!(page.contains(&format!("value=\"{date}\"")), "the date is kept: {page}");

    let mut smaller = PNG.to_vec();
    smaller.resize(900 * 1024, 0x5A);
    let csrf = app.csrf(&committee).await;
    let response = file_with(&app, &committee, Some(&csrf), f.liang, FAULT, date, Some(&smaller)).await;
    assert_redirect(&response, "/integrity");
    assert_eq!(app.rows_in("integrity_records").await, before.1 + 1, "the record with a smaller photo is filed");
}
