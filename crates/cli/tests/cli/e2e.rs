//! End to end, in a real browser: the demo community served by the real
//! binary, driven through headless Chromium by WebDriver. A household rates
//! its member from its QR link on a phone; the member logs a visit and a
//! study week; the branch secretary holds a 主题党日 and closes it; the
//! committee approves the claims; and the member's record shows it all.
//! Every step checks the page and, where it writes, the database; each step
//! leaves a screenshot in `target/e2e-artifacts/`.
//!
//! Needs /usr/bin/chromium and /usr/bin/chromedriver; without them the test
//! prints `SKIPPED` and passes, unless `STARLEDGER_E2E=require` is set.

use super::browser::{
    PASSWORD, Process, browser_available, click_and_wait_for_navigation, count, demo_database, find, free_port,
    http_get, open_session, page_text, points_text, screenshot, set_value, start_chromedriver, tiny_png,
    today_in_china, wait_until,
};
use fantoccini::{Client, Locator};
use serde_json::json;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, SqliteConnection};
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;
use tempfile::TempDir;

const MEMBER: &str = "liangxiaogai";
const BRANCH_SECRETARY: &str = "branch1";
const COMMITTEE: &str = "liangyonghong";
const MEMBER_NAME: &str = "梁小改";
const VISIT_NOTE: &str = "帮助清理庭院";
const MEETING_TITLE: &str = "主题党日：学习身边榜样";
const MEETING_PLACE: &str = "十里社区党群服务中心";

/// What every step needs: the browser, the server's address and its database.
struct Journey {
    client: Client,
    base: String,
    db: PathBuf,
    /// The PNG the member uploads as a study screenshot.
    png: PathBuf,
}

/// What the steps learn and later steps check.
#[derive(Default)]
struct Facts {
    member_id: i64,
    visit_claim: i64,
    study_claim: i64,
    theme_day_entry: i64,
    visit_entry: i64,
    study_entry: i64,
}

/// A claim as stored.
#[derive(Debug, sqlx::FromRow)]
struct Claim {
    id: i64,
    kind: String,
    status: String,
    household_id: Option<i64>,
    note: String,
    upload_id: Option<i64>,
    occurred_on: String,
}

impl Journey {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A connection to the served database, as another program would open it.
    async fn db(&self) -> SqliteConnection {
        let options = SqliteConnectOptions::new().filename(&self.db);
        SqliteConnection::connect_with(&options).await.expect("open the served database")
    }

    async fn goto(&self, path: &str) {
        let url = self.url(path);
        self.client.goto(&url).await.unwrap_or_else(|e| panic!("open {url}: {e}"));
    }

    async fn sign_in(&self, login: &str) {
        self.goto("/login").await;
        find(&self.client, "input[name=login]").await.send_keys(login).await.expect("type the login");
        find(&self.client, "input[name=password]").await.send_keys(PASSWORD).await.expect("type the password");
        let button = find(&self.client, "form[action='/login'] button[type=submit]").await;
        click_and_wait_for_navigation(&self.client, &button).await;
        let url = self.client.current_url().await.expect("the current URL");
        assert_ne!(url.path(), "/login", "{login} could not sign in; the page is {}", page_text(&self.client).await);
        let name = super::browser::account_name(&self.client).await;
        assert!(!name.is_empty(), "the header's menu names the signed-in account");
    }

    async fn sign_out(&self) {
        super::browser::open_menu(&self.client).await;
        let button = find(&self.client, "form[action='/logout'] button").await;
        click_and_wait_for_navigation(&self.client, &button).await;
        let url = self.client.current_url().await.expect("the current URL");
        assert_eq!(url.path(), "/login", "signing out leads to the sign-in page");
    }

    /// The page may not be wider than the phone it is shown on.
    async fn assert_fits_the_phone(&self, width: u64) {
        let sizes = self
            .client
            .execute(
                "return [window.innerWidth, document.documentElement.scrollWidth, document.body.scrollWidth]",
                vec![],
            )
            .await
            .expect("measure the page");
        let sizes: Vec<u64> = sizes.as_array().expect("three numbers").iter().filter_map(|v| v.as_u64()).collect();
        assert_eq!(sizes.len(), 3, "{sizes:?}");
        assert_eq!(sizes[0], width, "the viewport is the phone's width");
        assert!(sizes[1] <= width, "the page scrolls sideways on a {width}px phone: scrollWidth {}", sizes[1]);
        assert!(sizes[2] <= width, "the body scrolls sideways on a {width}px phone: scrollWidth {}", sizes[2]);
    }

    async fn text(&self, css: &str) -> String {
        find(&self.client, css).await.text().await.unwrap_or_else(|e| panic!("read the text of {css}: {e}"))
    }
}

#[tokio::test]
async fn a_household_a_member_a_secretary_and_the_committee_work_through_the_browser() {
    if !browser_available() {
        return;
    }
    let started = Instant::now();
    let dir = TempDir::new().expect("a temporary folder");
    let db = dir.path().join("demo.db");
    demo_database(&db);
    let png = dir.path().join("study-week.png");
    std::fs::write(&png, tiny_png(24)).expect("write the screenshot to upload");

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut serve = Command::new(assert_cmd::cargo::cargo_bin("starledger"));
    serve
        .env_remove("STARLEDGER_DB")
        .env_remove("STARLEDGER_BUSY_TIMEOUT_MS")
        .env("STARLEDGER_NOW", super::helpers::stated_now());
    serve.arg("--db").arg(&db).args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--public-url", &base]);
    let mut server = Process::start("starledger serve", serve, dir.path().join("serve.log"));
    server
        .wait_until_ready(
            "answering GET /login",
            || async move { matches!(http_get(port, "/login").await, Some((200, _))) },
        )
        .await;
    let ready = started.elapsed();

    let profile = TempDir::new().expect("a Chromium profile folder");
    let (_driver, driver_port) = start_chromedriver(dir.path()).await;
    let client = open_session(driver_port, profile.path()).await;
    let journey = Journey { client: client.clone(), base, db, png };
    // The steps run as their own task so that the browser is shut down
    // cleanly even when one of them fails.
    let outcome = tokio::spawn(walk_through(journey)).await;
    let _ = client.close().await;
    // chromedriver and the server are killed when dropped, after a failing
    // step's panic resumes here, so that their output is printed with it.
    match outcome {
        Ok(()) => {}
        Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        Err(error) => panic!("the browser steps did not finish: {error}"),
    }
    eprintln!("e2e: demo built and served in {ready:?}; whole test {:?}", started.elapsed());
}

async fn walk_through(journey: Journey) {
    let mut facts = Facts::default();
    household_rates_on_a_phone(&journey, &mut facts).await;
    journey.client.set_window_size(1280, 900).await.expect("a desktop-sized window");
    member_claims_a_visit_and_a_study_week(&journey, &mut facts).await;
    branch_secretary_holds_a_theme_day(&journey, &mut facts).await;
    committee_approves_the_claims(&journey, &mut facts).await;
    member_sees_the_new_points(&journey, &facts).await;
}

/// 1. A household opens its QR link on a phone and rates 梁小改 满意.
async fn household_rates_on_a_phone(journey: &Journey, facts: &mut Facts) {
    let client = &journey.client;
    let mut db = journey.db().await;
    let (member_id, name): (i64, String) =
        sqlx::query_as("SELECT m.id, m.name FROM accounts a JOIN members m ON m.id = a.member_id WHERE a.login = $1")
            .bind(MEMBER)
            .fetch_one(&mut db)
            .await
            .expect("the member's account");
    assert_eq!(name, MEMBER_NAME);
    facts.member_id = member_id;
    // A household with a phone on the roll: its last four digits bind the phone.
    let (token, household, phone): (String, i64, String) = sqlx::query_as(
        "SELECT t.token, t.household_id, h.phone FROM household_tokens t \
         JOIN household_links l ON l.household_id = t.household_id \
         JOIN households h ON h.id = t.household_id \
         JOIN members m ON m.id = l.member_id \
         WHERE m.id = $1 AND t.revoked_at IS NULL AND h.phone IS NOT NULL ORDER BY t.household_id LIMIT 1",
    )
    .bind(member_id)
    .fetch_one(&mut db)
    .await
    .expect("a live rating link of one of her households");
    let ratings_before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM household_ratings WHERE household_id = $1")
        .bind(household)
        .fetch_one(&mut db)
        .await
        .unwrap();
    let last_entry: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM ledger_entries").fetch_one(&mut db).await.unwrap();

    client.set_window_size(390, 844).await.expect("a phone-sized window");
    journey.goto(&format!("/r/{token}")).await;
    // The first time on this phone: the last four digits of the phone on the roll.
    assert_eq!(count(client, "input[name=level]").await.unwrap(), 0, "no rating before the proof");
    let digits = find(client, "input[name=code]").await;
    digits.send_keys(&phone[phone.len() - 4..]).await.expect("type the four digits");
    let confirm = find(client, "main form button[type=submit]").await;
    click_and_wait_for_navigation(client, &confirm).await;
    let satisfied = find(client, "input[type=radio][name=level][value=satisfied]").await;
    assert_eq!(journey.text("main .card strong").await, MEMBER_NAME, "the page names the household's member");
    assert!(journey.text("main h1").await.contains("满意度评议"));
    journey.assert_fits_the_phone(390).await;
    screenshot(client, "01-household-rate").await;

    satisfied.click().await.expect("choose 满意");
    assert!(satisfied.is_selected().await.unwrap(), "满意 is chosen");
    let submit = find(client, "main form button[type=submit]").await;
    click_and_wait_for_navigation(client, &submit).await;
    let notice = journey.text("main p.notice[role=status]").await;
    assert!(notice.contains("感谢您的评议"), "the household is thanked: {notice}");
    assert_eq!(count(client, "input[name=level]").await.unwrap(), 0, "the form is gone once rated");
    journey.assert_fits_the_phone(390).await;
    screenshot(client, "02-household-rate-thanks").await;

    let rows: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT member_id, level, entry_id FROM household_ratings WHERE household_id = $1 AND entry_id > $2",
    )
    .bind(household)
    .bind(last_entry)
    .fetch_all(&mut db)
    .await
    .unwrap();
    assert_eq!(rows.len(), 1, "one new rating row: {rows:?}");
    let (rated_member, level, entry) = rows[0].clone();
    assert_eq!((rated_member, level.as_str()), (member_id, "satisfied"));
    let ratings_after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM household_ratings WHERE household_id = $1")
        .bind(household)
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_eq!(ratings_after, ratings_before + 1);
    let (entry_member, rule, recorded_by): (i64, String, String) =
        sqlx::query_as("SELECT member_id, rule_key, recorded_by FROM ledger_entries WHERE id = $1")
            .bind(entry)
            .fetch_one(&mut db)
            .await
            .expect("the rating's ledger entry");
    assert_eq!((entry_member, rule.as_str()), (member_id, "household.satisfied"));
    assert_eq!(recorded_by, format!("household:{household}"), "the household itself is the recorder");
    db.close().await.unwrap();
}

/// 2. 梁小改 signs in, logs a visit and declares a study week with a screenshot.
async fn member_claims_a_visit_and_a_study_week(journey: &Journey, facts: &mut Facts) {
    let client = &journey.client;
    let today = today_in_china();
    let mut db = journey.db().await;
    let household: i64 =
        sqlx::query_scalar("SELECT household_id FROM household_links WHERE member_id = $1 ORDER BY household_id DESC")
            .bind(facts.member_id)
            .fetch_one(&mut db)
            .await
            .expect("one of her households");
    let claims_before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM claims WHERE member_id = $1")
        .bind(facts.member_id)
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_eq!(claims_before, 0, "the demo leaves no claims of hers");

    journey.sign_in(MEMBER).await;
    journey.goto("/claims").await;
    let visit = "form[action='/claims/visit']";
    find(client, &format!("{visit} select[name=household]"))
        .await
        .select_by_value(&household.to_string())
        .await
        .expect("choose the household");
    let date = find(client, &format!("{visit} input[name=date]")).await;
    assert_eq!(date.prop("value").await.unwrap().as_deref(), Some(today.to_string().as_str()), "today by default");
    find(client, &format!("{visit} textarea[name=note]")).await.send_keys(VISIT_NOTE).await.expect("type the note");
    let submit = find(client, &format!("{visit} button[type=submit]")).await;
    click_and_wait_for_navigation(client, &submit).await;
    // What she submitted is shown first, waiting for review, so she does not
    // submit it twice.
    let card = journey.text("[data-testid=submitted][data-status=pending]").await;
    assert!(card.contains(VISIT_NOTE) && card.contains("待审核"), "the submitted visit: {card}");
    screenshot(client, "03-member-visit-claimed").await;

    let study = "form[action='/claims/study']";
    let path = journey.png.to_str().expect("a UTF-8 path");
    find(client, &format!("{study} input[type=file][name=photo]")).await.send_keys(path).await.expect("attach the PNG");
    let submit = find(client, &format!("{study} button[type=submit]")).await;
    click_and_wait_for_navigation(client, &submit).await;
    // The study week is now the one shown first; the visit is in the list.
    wait_until(client, "the study week shown first and the visit listed", || async {
        Ok(count(client, "[data-testid=submitted][data-status=pending]").await? == 1
            && count(client, "tr[data-claim][data-status=pending]").await? == 1)
    })
    .await;
    let card = journey.text("[data-testid=submitted]").await;
    assert!(!card.contains(VISIT_NOTE), "the card shows the study week: {card}");
    screenshot(client, "04-member-study-week-claimed").await;

    let claims: Vec<Claim> = sqlx::query_as(
        "SELECT id, kind, status, household_id, note, upload_id, occurred_on FROM claims \
         WHERE member_id = $1 ORDER BY id",
    )
    .bind(facts.member_id)
    .fetch_all(&mut db)
    .await
    .unwrap();
    assert_eq!(claims.len(), 2, "{claims:?}");
    let (visit, study) = (&claims[0], &claims[1]);
    assert_eq!((visit.kind.as_str(), visit.status.as_str()), ("visit", "pending"), "{visit:?}");
    assert_eq!((visit.household_id, visit.note.as_str(), visit.upload_id), (Some(household), VISIT_NOTE, None));
    assert_eq!(visit.occurred_on, today.to_string());
    assert_eq!((study.kind.as_str(), study.status.as_str()), ("study_week", "pending"), "{study:?}");
    let monday = today - jiff::Span::new().days(i64::from(today.weekday().to_monday_zero_offset()));
    assert_eq!(study.occurred_on, monday.to_string(), "a study week is named by its Monday");
    let (content_type, bytes): (String, Vec<u8>) =
        sqlx::query_as("SELECT content_type, bytes FROM uploads WHERE id = $1")
            .bind(study.upload_id.expect("the study week has its screenshot"))
            .fetch_one(&mut db)
            .await
            .unwrap();
    assert_eq!(content_type, "image/png");
    assert_eq!(bytes, std::fs::read(&journey.png).unwrap(), "the uploaded screenshot is stored as sent");
    for id in [visit.id, study.id] {
        // The one just submitted is the card at the top; the other is in the list.
        let status = find(client, &format!("[data-claim='{id}']")).await.attr("data-status").await.unwrap();
        assert_eq!(status.as_deref(), Some("pending"), "claim {id} is listed as pending");
    }
    facts.visit_claim = visit.id;
    facts.study_claim = study.id;
    db.close().await.unwrap();
    journey.sign_out().await;
}

/// 3. The secretary of 第一党支部 schedules a 主题党日 that began ten minutes
///    ago, keeps its attendance sheet and closes it into the ledger.
async fn branch_secretary_holds_a_theme_day(journey: &Journey, facts: &mut Facts) {
    let client = &journey.client;
    let member = facts.member_id;
    journey.sign_in(BRANCH_SECRETARY).await;
    journey.goto("/meetings").await;
    let form = "form[action='/meetings']";
    let kind = find(client, &format!("{form} select[name=rule]")).await;
    kind.select_by_value("meeting.theme_day").await.expect("choose 主题党日");
    let label = find(client, &format!("{form} select[name=rule] option[value='meeting.theme_day']")).await;
    assert!(label.text().await.unwrap().contains("主题党日"), "the kind is offered by its Chinese name");
    find(client, &format!("{form} select[name=branch]")).await.select_by_value("1").await.expect("choose branch 1");
    find(client, &format!("{form} input[name=title]")).await.send_keys(MEETING_TITLE).await.unwrap();
    find(client, &format!("{form} input[name=place]")).await.send_keys(MEETING_PLACE).await.unwrap();
    // Ten minutes ago in China, but not before today began there, so that
    // the meeting's day is today.
    let now = super::helpers::now_in_china();
    let start_of_day = now.start_of_day().expect("the start of today");
    let ten_minutes_ago = now.checked_sub(jiff::Span::new().minutes(10)).expect("ten minutes ago");
    let starts = if ten_minutes_ago < start_of_day { start_of_day } else { ten_minutes_ago };
    let starts_at = starts.strftime("%Y-%m-%dT%H:%M").to_string();
    let input = find(client, &format!("{form} input[type=datetime-local][name=starts_at]")).await;
    set_value(client, &input, &starts_at).await;
    let submit = find(client, &format!("{form} button[type=submit]")).await;
    click_and_wait_for_navigation(client, &submit).await;

    let url = client.current_url().await.unwrap();
    let Some(meeting) = url.path().strip_prefix("/meetings/").and_then(|id| id.parse::<i64>().ok()) else {
        panic!("scheduling leads to the meeting's page, not {url}: {}", page_text(client).await);
    };
    assert_eq!(journey.text("main h1").await, MEETING_TITLE);
    let line = journey.text("main > p").await;
    assert!(line.contains(MEETING_PLACE) && line.contains(&starts.strftime("%Y-%m-%d %H:%M").to_string()), "{line}");

    // 梁小改 was there; someone else came late; the rest are left for the
    // close to mark absent.
    let present = find(client, &format!("tr[data-member='{member}'] input[type=radio][value=present]")).await;
    present.click().await.expect("mark 梁小改 present");
    let mut late_member = None;
    for row in client.find_all(Locator::Css("tr[data-member]")).await.unwrap() {
        let id: i64 = row.attr("data-member").await.unwrap().unwrap().parse().unwrap();
        if id != member && !row.find_all(Locator::Css("input[value=late]")).await.unwrap().is_empty() {
            row.find(Locator::Css("input[value=late]")).await.unwrap().click().await.expect("mark late");
            late_member = Some(id);
            break;
        }
    }
    let late_member = late_member.expect("someone else on the sheet");
    let save = find(client, &format!("form[action='/meetings/{meeting}/attendance'] button[type=submit]")).await;
    click_and_wait_for_navigation(client, &save).await;
    let present = find(client, &format!("tr[data-member='{member}'] input[type=radio][value=present]")).await;
    assert!(present.is_selected().await.unwrap(), "the saved sheet shows 梁小改 present");
    let mut db = journey.db().await;
    let saved: Vec<(i64, String, String, i64)> = sqlx::query_as(
        "SELECT member_id, status, via, ledgered FROM meeting_attendance WHERE meeting_id = $1 ORDER BY member_id",
    )
    .bind(meeting)
    .fetch_all(&mut db)
    .await
    .unwrap();
    assert!(saved.contains(&(member, "present".into(), "secretary".into(), 0)), "{saved:?}");
    assert!(saved.contains(&(late_member, "late".into(), "secretary".into(), 0)), "{saved:?}");
    screenshot(client, "05-meeting-attendance").await;

    let close = find(client, &format!("form[action='/meetings/{meeting}/close'] button[type=submit]")).await;
    assert!(close.text().await.unwrap().contains("结束会议并记入积分"));
    click_and_wait_for_navigation(client, &close).await;
    // Closing asks first: it names who nobody marked and takes one explicit
    // choice for them; nothing is closed yet.
    let unmarked = journey.text("[data-testid=unmarked]").await;
    assert!(unmarked.contains("尚未标记"), "the unmarked are listed: {unmarked}");
    let still_open: (Option<i64>,) =
        sqlx::query_as("SELECT closed_at FROM meetings WHERE id = $1").bind(meeting).fetch_one(&mut db).await.unwrap();
    assert_eq!(still_open, (None,), "asking closes nothing");
    screenshot(client, "06a-meeting-close-asks").await;
    // The one explicit choice is the confirmation: the rest were absent.
    let all_absent = find(client, "form[data-testid=confirm] input[name=unmarked][value=absent] ~ button").await;
    assert!(all_absent.text().await.unwrap().contains("全部记为缺席"));
    click_and_wait_for_navigation(client, &all_absent).await;
    assert_eq!(journey.text("main > p > strong").await, "已结束", "the meeting shows as closed");
    let her_row = journey.text(&format!("tr[data-member='{member}']")).await;
    assert!(her_row.contains("出席"), "her attendance is in the ledger and shown as 出席: {her_row}");
    assert_eq!(count(client, &format!("tr[data-member='{member}'] input")).await.unwrap(), 0, "and locked");
    screenshot(client, "06-meeting-closed").await;

    let (closed_at,): (Option<i64>,) =
        sqlx::query_as("SELECT closed_at FROM meetings WHERE id = $1").bind(meeting).fetch_one(&mut db).await.unwrap();
    assert!(closed_at.is_some(), "the meeting is closed");
    let rows: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT member_id, status, ledgered FROM meeting_attendance WHERE meeting_id = $1 ORDER BY member_id",
    )
    .bind(meeting)
    .fetch_all(&mut db)
    .await
    .unwrap();
    assert!(rows.len() > 2, "the whole branch is on the sheet: {rows:?}");
    assert!(rows.iter().all(|(_, _, ledgered)| *ledgered == 1), "every row is in the ledger: {rows:?}");
    assert!(rows.contains(&(member, "present".into(), 1)));
    assert!(rows.iter().filter(|(_, status, _)| status == "absent").count() > 0, "the unmarked are absent");
    let secretary: i64 = sqlx::query_scalar("SELECT member_id FROM accounts WHERE login = $1")
        .bind(BRANCH_SECRETARY)
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert!(!rows.iter().any(|(id, ..)| *id == secretary), "nobody records their own attendance");
    let source = format!("meeting:{meeting}");
    let entries = |who: i64| {
        sqlx::query_as::<_, (i64, String, i64)>(
            "SELECT id, rule_key, points_tenths FROM ledger_entries WHERE member_id = $1 AND source_ref = $2 ORDER BY id",
        )
        .bind(who)
        .bind(source.clone())
    };
    let hers = entries(member).fetch_all(&mut db).await.unwrap();
    assert_eq!(hers.len(), 1, "{hers:?}");
    assert_eq!((hers[0].1.as_str(), hers[0].2), ("meeting.theme_day", 10));
    facts.theme_day_entry = hers[0].0;
    let late: Vec<String> = entries(late_member).fetch_all(&mut db).await.unwrap().into_iter().map(|e| e.1).collect();
    assert_eq!(late, ["meeting.theme_day", "meeting.late"]);
    db.close().await.unwrap();
    journey.sign_out().await;
}

/// 4. A committee member approves both of 梁小改's claims.
async fn committee_approves_the_claims(journey: &Journey, facts: &mut Facts) {
    let client = &journey.client;
    journey.sign_in(COMMITTEE).await;
    journey.goto("/reviews").await;
    for claim in [facts.visit_claim, facts.study_claim] {
        let card = journey.text(&format!("section[data-claim='{claim}']")).await;
        assert!(card.contains(MEMBER_NAME), "the claim names its member: {card}");
    }
    assert!(journey.text(&format!("section[data-claim='{}']", facts.visit_claim)).await.contains(VISIT_NOTE));
    let evidence = find(client, &format!("section[data-claim='{}'] img", facts.study_claim)).await;
    wait_until(client, "the study screenshot to show", || async {
        let width = client.execute("return arguments[0].naturalWidth", vec![serde_json::to_value(&evidence)?]).await?;
        Ok(width == json!(24))
    })
    .await;
    screenshot(client, "07-reviews-pending").await;

    for claim in [facts.visit_claim, facts.study_claim] {
        let approve =
            find(client, &format!("section[data-claim='{claim}'] button[name=decision][value=approve]")).await;
        click_and_wait_for_navigation(client, &approve).await;
        let selector = format!("section[data-claim='{claim}']");
        wait_until(client, "the approved claim to leave the queue", || async {
            Ok(count(client, &selector).await? == 0)
        })
        .await;
        assert!(journey.text("main h1").await.contains("待审核"), "back on the review queue");
    }
    screenshot(client, "08-reviews-approved").await;

    let mut db = journey.db().await;
    let committee: i64 = sqlx::query_scalar("SELECT id FROM accounts WHERE login = $1")
        .bind(COMMITTEE)
        .fetch_one(&mut db)
        .await
        .unwrap();
    for (claim, rule) in [(facts.visit_claim, "household.visit"), (facts.study_claim, "study.app_week")] {
        let (status, decided_by, entry): (String, Option<i64>, Option<i64>) =
            sqlx::query_as("SELECT status, decided_by, entry_id FROM claims WHERE id = $1")
                .bind(claim)
                .fetch_one(&mut db)
                .await
                .unwrap();
        assert_eq!((status.as_str(), decided_by), ("approved", Some(committee)), "claim {claim}");
        let entry = entry.unwrap_or_else(|| panic!("approved claim {claim} names its ledger entry"));
        let (member, rule_key, source_ref): (i64, String, String) =
            sqlx::query_as("SELECT member_id, rule_key, source_ref FROM ledger_entries WHERE id = $1")
                .bind(entry)
                .fetch_one(&mut db)
                .await
                .unwrap();
        assert_eq!((member, rule_key.as_str(), source_ref), (facts.member_id, rule, format!("claim:{claim}")));
        if rule == "household.visit" {
            facts.visit_entry = entry;
        } else {
            facts.study_entry = entry;
        }
    }
    db.close().await.unwrap();
    journey.sign_out().await;
}

/// 5. 梁小改's record lists the new entries, and her total is her ledger's.
async fn member_sees_the_new_points(journey: &Journey, facts: &Facts) {
    let client = &journey.client;
    journey.sign_in(MEMBER).await;
    journey.goto("/me").await;
    assert!(journey.text("main h1").await.contains(MEMBER_NAME));
    for entry in [facts.theme_day_entry, facts.visit_entry, facts.study_entry] {
        find(client, &format!("tr[data-entry='{entry}']")).await;
    }
    let visit_row = journey.text(&format!("tr[data-entry='{}']", facts.visit_entry)).await;
    assert!(visit_row.contains(VISIT_NOTE), "the visit's entry tells what was done: {visit_row}");
    let theme_row = journey.text(&format!("tr[data-entry='{}']", facts.theme_day_entry)).await;
    assert!(theme_row.contains(MEETING_TITLE) && theme_row.contains("+1"), "{theme_row}");

    let year = i64::from(today_in_china().year());
    let mut db = journey.db().await;
    // Household ratings in the running window count in what she sees only
    // from three on (issue 17): the journey's one rating is withheld.
    let tenths: i64 = sqlx::query_scalar(
        "SELECT COALESCE(SUM(points_tenths), 0) FROM ledger_entries WHERE member_id = $1 AND year = $2 \
         AND (recorded_by NOT LIKE 'household:%' \
              OR (SELECT COUNT(*) FROM ledger_entries h WHERE h.member_id = $1 AND h.year = $2 \
                  AND h.recorded_by LIKE 'household:%') >= 3)",
    )
    .bind(facts.member_id)
    .bind(year)
    .fetch_one(&mut db)
    .await
    .unwrap();
    db.close().await.unwrap();
    assert!(tenths > 0, "her points this year");
    let total = journey.text("[data-testid=total]").await;
    assert_eq!(total, points_text(tenths), "her total is the sum of her {year} ledger");
    assert!(journey.text("main .card").await.contains(&year.to_string()), "the record is of this year");
    screenshot(client, "09-member-record").await;
}
