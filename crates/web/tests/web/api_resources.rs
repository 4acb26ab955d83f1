//! The API's read resources beyond the ledger (issue 16): households,
//! meetings and attendance, activities, the published rating and the
//! caller's own record. Each answers whom its page answers, and refuses
//! whom its page refuses; lists come in cursor pages; nothing the page
//! withholds (a whole phone, a household's link, a check-in token, the
//! counts of a window under three ratings) is in an answer.

use super::api::{answer, get, problem, token};
use super::helpers::*;
use reqwest::StatusCode;
use serde_json::Value;
use starledger_domain::org::MemberId;
use std::collections::BTreeSet;

/// Every item of a list, following `next_cursor` with pages of `limit`;
/// the number of pages too.
pub(super) async fn every_item(app: &TestApp, secret: &str, path: &str, limit: usize) -> (Vec<Value>, usize) {
    let joiner = if path.contains('?') { '&' } else { '?' };
    let (mut items, mut pages) = (Vec::new(), 0);
    let mut next = format!("{path}{joiner}limit={limit}");
    loop {
        let (status, page) = answer(get(app, secret, &next).await).await;
        assert_eq!(status, StatusCode::OK, "{next}: {page}");
        let got = page["items"].as_array().expect("items");
        assert!(got.len() <= limit, "{page}");
        items.extend(got.iter().cloned());
        pages += 1;
        match page["next_cursor"].as_str() {
            Some(cursor) => next = format!("{path}{joiner}limit={limit}&cursor={cursor}"),
            None => break,
        }
    }
    (items, pages)
}

pub(super) fn ids(items: &[Value], field: &str) -> Vec<i64> {
    items.iter().map(|i| i[field].as_i64().unwrap_or_else(|| panic!("{field} in {i}"))).collect()
}

/// The fields a schema of the OpenAPI document requires.
pub(super) async fn schema_fields(app: &TestApp, schema: &str) -> BTreeSet<String> {
    let document: Value =
        serde_json::from_str(&text(app.get(&app.client(), "/api/openapi.json").await, StatusCode::OK).await)
            .expect("the document is JSON");
    document["components"]["schemas"][schema]["required"]
        .as_array()
        .unwrap_or_else(|| panic!("schema {schema}"))
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

pub(super) fn keys(value: &Value) -> BTreeSet<String> {
    value.as_object().unwrap_or_else(|| panic!("an object: {value}")).keys().cloned().collect()
}

#[tokio::test]
async fn households_are_the_committee_s_and_auditor_s_in_pages_with_phones_masked_and_no_links() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let committee = token(&app, COMMITTEE, "read").await;

    let every: Vec<i64> = app
        .rows::<(i64,)>(&format!("SELECT id FROM households WHERE community_id = {} ORDER BY id", f.community))
        .await
        .into_iter()
        .map(|r| r.0)
        .collect();
    let (items, pages) = every_item(&app, &committee, "/api/v1/households", 2).await;
    assert!(pages > 1, "more than one page");
    assert_eq!(ids(&items, "id"), every, "every household once, in id order");
    assert_eq!(keys(&items[0]), schema_fields(&app, "Household").await);

    // Privacy: phones masked, never a household's link.
    let all = serde_json::to_string(&items).unwrap();
    for address in LIANG_ADDRESSES {
        let phone = fixture_phone(address);
        assert!(!all.contains(phone.as_str()), "{address}'s phone is whole in {all}");
        assert!(all.contains(&phone.masked()), "{address}'s phone masked in {all}");
    }
    for secret in f.tokens.values() {
        assert!(!all.contains(secret.as_str()), "a household's link in {all}");
    }

    // The page's filters: unlinked, and the linked member's branch.
    let (unlinked, _) = every_item(&app, &committee, "/api/v1/households?unlinked=true", 50).await;
    assert_eq!(ids(&unlinked, "id"), [f.unlinked_household.get()]);
    let (branch2, _) = every_item(&app, &committee, &format!("/api/v1/households?branch={}", f.branch2), 50).await;
    let mut peng = vec![f.peng_household.get(), f.peng_household_unissued.get()];
    peng.sort_unstable();
    assert_eq!(ids(&branch2, "id"), peng);

    // The auditor reads it as on /households; a secretary and a member do not.
    let auditor = token(&app, AUDITOR, "read").await;
    assert_eq!(answer(get(&app, &auditor, "/api/v1/households").await).await.0, StatusCode::OK);
    for login in [BRANCH_SECRETARY, MEMBER] {
        let secret = token(&app, login, "read").await;
        problem(get(&app, &secret, "/api/v1/households").await, StatusCode::FORBIDDEN, "role.forbidden").await;
    }
}

#[tokio::test]
async fn meetings_and_their_attendance_are_read_by_those_who_see_them_on_the_pages() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let committee_client = app.login(COMMITTEE, PASSWORD).await;
    let secretary_client = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let first = app.meeting(&secretary_client, &MeetingForm::general(f.branch1, 60)).await;
    let second = app.meeting(&committee_client, &MeetingForm::general(f.branch2, 90)).await;
    let third = app.meeting(&secretary_client, &MeetingForm::general(f.branch1, 120)).await;
    assert_redirect(&app.mark(&secretary_client, first, &[(f.liang, "present")]).await, &format!("/meetings/{first}"));
    let year = f.year.get();

    // The committee: every branch's, in pages; and filtered by branch.
    let committee = token(&app, COMMITTEE, "read").await;
    let path = format!("/api/v1/meetings?year={year}");
    let (items, pages) = every_item(&app, &committee, &path, 2).await;
    assert_eq!((ids(&items, "id"), pages), (vec![first, second, third], 2));
    assert_eq!(keys(&items[0]), schema_fields(&app, "Meeting").await);
    let (branch2, _) = every_item(&app, &committee, &format!("{path}&branch={}", f.branch2), 50).await;
    assert_eq!(ids(&branch2, "id"), [second]);
    // Never the check-in token.
    let all = serde_json::to_string(&items).unwrap();
    for meeting in [first, second, third] {
        let checkin = app.checkin_token(meeting).await;
        assert!(!all.contains(&checkin), "meeting {meeting}'s check-in token in {all}");
    }
    // A year without meetings lists none.
    let (none, _) = every_item(&app, &committee, &format!("/api/v1/meetings?year={}", f.last_year().get()), 50).await;
    assert!(none.is_empty(), "{none:?}");

    // The branch 1 secretary and a member of branch 1: branch 1's only.
    for login in [BRANCH_SECRETARY, MEMBER] {
        let secret = token(&app, login, "read").await;
        let (items, _) = every_item(&app, &secret, &path, 50).await;
        assert_eq!(ids(&items, "id"), [first, third], "{login}");
    }

    // The sheet: liang is invited and sees it, marked; not branch 2's.
    let liang = token(&app, MEMBER, "read").await;
    let (status, sheet) = answer(get(&app, &liang, &format!("/api/v1/meetings/{first}/attendance")).await).await;
    assert_eq!(status, StatusCode::OK, "{sheet}");
    assert_eq!(keys(&sheet), schema_fields(&app, "AttendanceSheet").await);
    assert_eq!(keys(&sheet["items"][0]), schema_fields(&app, "AttendanceRow").await);
    let rows = sheet["items"].as_array().unwrap();
    let liang_row = rows.iter().find(|r| r["member_id"] == f.liang.get()).expect("liang is invited");
    assert_eq!(liang_row["status"], "present", "{sheet}");
    assert!(rows.iter().all(|r| r["member_id"] != f.peng.get()), "only branch 1 is invited: {sheet}");
    let body = problem(
        get(&app, &liang, &format!("/api/v1/meetings/{second}/attendance")).await,
        StatusCode::FORBIDDEN,
        "role.forbidden",
    )
    .await;
    assert_eq!(body["detail_zh"], "这是其他支部的会议。", "the page's reason: {body}");
    let auditor = token(&app, AUDITOR, "read").await;
    let (status, _) = answer(get(&app, &auditor, &format!("/api/v1/meetings/{second}/attendance")).await).await;
    assert_eq!(status, StatusCode::OK);
    problem(get(&app, &liang, "/api/v1/meetings/999999/attendance").await, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn activities_are_listed_to_every_account_with_their_sign_up_counts() {
    let app = spawn_app().await;
    let committee_client = app.login(COMMITTEE, PASSWORD).await;
    let one = app.publish_service(&committee_client, "volunteer.cleanup", 60, 120).await;
    let two = app.publish_service(&committee_client, "volunteer.cleanup", 240, 60).await;
    let member_client = app.login(MEMBER, PASSWORD).await;
    app.join_service(&member_client, two).await;

    let liang = token(&app, MEMBER, "read").await;
    let path = format!("/api/v1/activities?year={}", app.fixture.year.get());
    let (items, pages) = every_item(&app, &liang, &path, 1).await;
    assert_eq!((ids(&items, "id"), pages), (vec![one, two], 2));
    assert_eq!(ids(&items, "signed_up"), [0, 1]);
    assert_eq!(keys(&items[0]), schema_fields(&app, "Activity").await);
    let all = serde_json::to_string(&items).unwrap();
    for id in [one, two] {
        let checkin = app.text_of(&format!("SELECT checkin_token FROM activities WHERE id = {id}")).await;
        assert!(!all.contains(&checkin), "activity {id}'s check-in token in {all}");
    }
    problem(get(&app, &liang, &format!("{path}&limit=0")).await, StatusCode::BAD_REQUEST, "invalid").await;
    problem(get(&app, &liang, "/api/v1/activities?year=1990").await, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn a_rating_is_read_once_published_with_its_stars_and_the_seal_s_short_form() {
    let app = spawn_app().await;
    let year = app.fixture.last_year().get();
    let liang = token(&app, MEMBER, "read").await;
    let path = format!("/api/v1/ratings/{year}");
    let body = problem(get(&app, &liang, &path).await, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(body["detail_zh"], "这一年度的评定结果尚未公示。", "{body}");

    let committee = app.login(COMMITTEE, PASSWORD).await;
    let csrf = app.csrf(&committee).await;
    let published =
        app.post(&committee, &format!("/rating/{year}/publish"), &[("csrf", &csrf), ("confirm", "yes")]).await;
    assert_redirect(&published, &format!("/rating?year={year}"));

    let (status, rating) = answer(get(&app, &liang, &path).await).await;
    assert_eq!(status, StatusCode::OK, "{rating}");
    assert_eq!(keys(&rating), schema_fields(&app, "PublishedRating").await);
    assert_eq!(keys(&rating["items"][0]), schema_fields(&app, "RatedMember").await);
    assert_eq!((rating["year"].as_i64(), rating["final"].as_bool()), (Some(i64::from(year)), Some(false)));
    // The seal's short form is the one the notice shows.
    let member_page = app.login(MEMBER, PASSWORD).await;
    let notice = text(app.get(&member_page, &format!("/rating?year={year}")).await, StatusCode::OK).await;
    let short = rating["seal"].as_str().expect("publishing seals the year");
    assert!(notice.contains(&format!("<code data-testid=\"seal-short\">{short}</code>")), "{short} on:\n{notice}");
    // The stars are the year's standings'.
    let (_, standings) = answer(get(&app, &liang, &format!("/api/v1/standings?year={year}")).await).await;
    let stars = |v: &Value| -> Vec<(MemberId, i64)> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| (m["member_id"].as_i64().map(MemberId::new).unwrap(), m["stars"].as_i64().unwrap()))
            .collect()
    };
    assert_eq!(stars(&rating), stars(&standings));
    assert!(!rating["items"].as_array().unwrap().is_empty());
    // A page at a time, in the same order.
    let (_, first) = answer(get(&app, &liang, &format!("{path}?limit=1")).await).await;
    let next = first["next_cursor"].as_str().expect("more than one member").to_string();
    let (_, rest) = answer(get(&app, &liang, &format!("{path}?limit=200&cursor={next}")).await).await;
    assert_eq!([stars(&first), stars(&rest)].concat(), stars(&rating));
    assert_eq!(rest["next_cursor"], Value::Null);
}

#[tokio::test]
async fn my_record_is_the_caller_s_own_and_withholds_a_window_under_three_ratings() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let liang = token(&app, MEMBER, "read").await;
    let path = format!("/api/v1/me?year={}", f.year.get());
    let (status, me) = answer(get(&app, &liang, &path).await).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(keys(&me), schema_fields(&app, "MyRecord").await);
    // As /me shows it: 2.5, second of five.
    assert_eq!(
        (me["member_id"].as_i64().map(MemberId::new), me["total"].as_str()),
        (Some(f.liang), Some("2.5")),
        "{me}"
    );
    assert_eq!((me["rank"].as_i64(), me["eligible"].as_i64()), (Some(2), Some(5)), "{me}");

    let rate = |index: usize, level: &'static str| {
        let app = &app;
        async move {
            let client = app.client();
            let token = &f.tokens[&f.liang_households[index]];
            app.bind(&client, token).await;
            let path = format!("/r/{token}");
            let csrf = csrf_of(&text(app.get(&client, &path).await, StatusCode::OK).await);
            text(app.post(&client, &path, &[("csrf", &csrf), ("level", level)]).await, StatusCode::OK).await;
        }
    };
    let window = current_window();
    let label = format!("{} — {}", window.starts_on, window.ends_on);
    let window_of = |me: &Value| -> Value {
        me["categories"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|c| c["windows"].as_array().unwrap().iter())
            .find(|w| w["window"] == label.as_str())
            .cloned()
            .unwrap_or_else(|| panic!("the window {label} in {me}"))
    };

    // Two ratings: nothing of them shows, and the total does not move.
    rate(0, "satisfied").await;
    rate(1, "not_satisfied").await;
    let (_, me) = answer(get(&app, &liang, &path).await).await;
    let shown = window_of(&me);
    assert_eq!(shown["shown"], false, "{shown}");
    for field in ["satisfied", "basically_satisfied", "not_satisfied", "points"] {
        assert_eq!(shown[field], Value::Null, "{field} withheld: {shown}");
    }
    assert_eq!(me["total"], "2.5", "{me}");

    // The third: the counts appear, and count.
    rate(2, "satisfied").await;
    let (_, me) = answer(get(&app, &liang, &path).await).await;
    let shown = window_of(&me);
    let counts = ["satisfied", "basically_satisfied", "not_satisfied"].map(|k| shown[k].as_i64());
    assert_eq!(counts, [Some(2), Some(0), Some(1)], "{shown}");
    assert_eq!(me["total"], "3.5", "{me}");

    // Another member's token reads its own record; an account of no member none.
    let peng = token(&app, COMMITTEE, "read").await;
    let (_, theirs) = answer(get(&app, &peng, &path).await).await;
    assert_eq!(theirs["member_id"].as_i64().map(MemberId::new), Some(f.peng), "{theirs}");
    let auditor = token(&app, AUDITOR, "read").await;
    let body = problem(get(&app, &auditor, &path).await, StatusCode::FORBIDDEN, "role.forbidden").await;
    assert_eq!(body["detail_zh"], "此账号不是党员本人的账号，没有个人积分。", "{body}");
}
