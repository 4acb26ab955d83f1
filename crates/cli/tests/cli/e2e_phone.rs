//! End to end, in a real browser the size of a phone (360×740): a household
//! objects to the year's results from its phone, through the link on its
//! card. The rating page its QR opens leads to the public notice (公示),
//! and the objection posted from there is stored as the household's, with
//! the referrer policy and the origin check agreeing (a `no-referrer` page
//! made Chromium post `Origin: null`, which the check refused).
//!
//! Needs /usr/bin/chromium and /usr/bin/chromedriver; without them the test
//! prints `SKIPPED` and passes, unless `STARLEDGER_E2E=require` is set.

use super::browser::{Session, Site, browser_available, find, page_text, today_in_china};
use super::e2e_service::agree_as_second;
use sqlx::Connection;
use std::sync::Arc;

/// 梁雍宏, the committee's secretary.
const COMMITTEE: &str = "liangyonghong";
/// 梁小改, whose households rate her.
const MEMBER_NAME: &str = "梁小改";
const PHONE: (u32, u32) = (360, 740);
const DESKTOP: (u32, u32) = (1280, 900);
const REOPEN_REASON: &str = "公示前复核：重新公示上一年度结果";
const OBJECTION_TEXT: &str = "梁小改今年来我家走访过三次，结果里的走访次数好像少了，请核实。";

#[tokio::test]
async fn a_household_objects_from_its_phone_through_the_link_on_its_card() {
    if !browser_available() {
        return;
    }
    Site::demo().await.run(household_objects).await;
}

/// Issue 10, item 7, the real path on a phone: the card's link asks for
/// the last four digits of the household's phone on the roll, a wrong try
/// is refused and counted, the right digits open the rating form, and the
/// rating is the household's.
#[tokio::test]
async fn a_household_proves_its_phone_with_four_digits_then_rates() {
    if !browser_available() {
        return;
    }
    Site::demo().await.run(household_binds_and_rates).await;
}

async fn household_binds_and_rates(site: Arc<Site>) {
    let mut db = site.db().await;
    let year = i64::from(today_in_china().year());
    let (token, household, phone): (String, i64, String) = sqlx::query_as(
        "SELECT t.token, t.household_id, h.phone FROM household_tokens t \
         JOIN household_links l ON l.household_id = t.household_id \
         JOIN households h ON h.id = t.household_id \
         JOIN members m ON m.id = l.member_id \
         WHERE m.name = $1 AND t.revoked_at IS NULL AND h.phone IS NOT NULL AND NOT EXISTS \
         (SELECT 1 FROM household_ratings r JOIN ledger_entries e ON e.id = r.entry_id \
          WHERE r.household_id = t.household_id AND e.year = $2) ORDER BY t.household_id LIMIT 1",
    )
    .bind(MEMBER_NAME)
    .bind(year)
    .fetch_one(&mut db)
    .await
    .expect("a live link of one of her households, with a phone, not rated this year");
    let digits = &phone[phone.len() - 4..];
    let wrong: String = digits.chars().map(|c| if c == '9' { '0' } else { char::from(c as u8 + 1) }).collect();

    let session = site.session(PHONE.0, PHONE.1).await;
    session.goto(&format!("/r/{token}")).await;
    assert_eq!(session.count("input[name=level]").await, 0, "no rating form before the proof");
    assert!(session.text("[data-testid=tries]").await.contains("最多可输错5次"));
    session.screenshot("phone-04-household-proof").await;
    session.type_into("input[name=code]", &wrong).await;
    session.click("form[action$='/bind'] button[type=submit]").await;
    assert!(session.text("main p.notice[role=status]").await.contains("号码不正确"));
    let failed: i64 = sqlx::query_scalar("SELECT failed_tries FROM household_link_state WHERE token = $1")
        .bind(&token)
        .fetch_one(&mut db)
        .await
        .expect("the wrong try is counted");
    assert_eq!(failed, 1);

    session.type_into("input[name=code]", digits).await;
    session.click("form[action$='/bind'] button[type=submit]").await;
    assert_eq!(session.path().await, format!("/r/{token}"));
    assert_eq!(session.text("main .card strong").await, MEMBER_NAME, "the member, once proved");
    session.screenshot("phone-05-household-rate").await;
    find(&session.client, "input[type=radio][name=level][value=satisfied]").await.click().await.expect("choose 满意");
    session.click("main form button[type=submit]").await;
    assert!(
        session.text("main p.notice[role=status]").await.contains("感谢您的评议"),
        "{}",
        page_text(&session.client).await
    );
    let recorded: Vec<(String,)> = sqlx::query_as(
        "SELECT e.recorded_by FROM household_ratings r JOIN ledger_entries e ON e.id = r.entry_id \
         WHERE r.household_id = $1 AND e.year = $2",
    )
    .bind(household)
    .bind(year)
    .fetch_all(&mut db)
    .await
    .unwrap();
    assert_eq!(recorded, [(format!("household:{household}"),)]);
    let width: i64 = session
        .client
        .execute("return document.documentElement.scrollWidth", vec![])
        .await
        .ok()
        .and_then(|v| v.as_i64())
        .unwrap_or(0);
    assert!(width <= i64::from(PHONE.0), "the page fits the phone: {width}px");
}

/// Clicks the submit button of the form posting to `action` (an
/// irreversible action), and confirms on the page that follows.
async fn submit_and_confirm(session: &Session, action: &str) {
    session.click(&format!("form[action='{action}'] button[type=submit]")).await;
    session.confirm().await;
}

/// Puts last year into public notice as a committee does: reopened if the
/// demo finalized it, then published.
async fn last_year_in_notice(site: &Site, year: i64) {
    let desk = site.session(DESKTOP.0, DESKTOP.1).await;
    desk.sign_in(COMMITTEE).await;
    let rating = format!("/rating?year={year}");
    desk.goto(&rating).await;
    let reopen = format!("form[action='/rating/{year}/reopen']");
    if desk.count(&reopen).await > 0 {
        find(&desk.client, "details.no-print > summary").await.click().await.expect("unfold the reopening");
        desk.type_into(&format!("{reopen} textarea[name=reason]"), REOPEN_REASON).await;
        desk.click(&format!("{reopen} button[type=submit]")).await;
        // Reopening, and then publishing again, take a second committee member.
        agree_as_second(&desk, &rating).await;
        submit_and_confirm(&desk, &format!("/rating/{year}/publish")).await;
        agree_as_second(&desk, &rating).await;
    } else {
        submit_and_confirm(&desk, &format!("/rating/{year}/publish")).await;
    }
    desk.goto(&rating).await;
    assert_eq!(desk.text("[data-testid=rating-state]").await, "公示中", "{}", page_text(&desk.client).await);
}

async fn household_objects(site: Arc<Site>) {
    let mut db = site.db().await;
    let year = i64::from(today_in_china().year()) - 1;
    last_year_in_notice(&site, year).await;
    let (member, token, household): (i64, String, i64) = sqlx::query_as(
        "SELECT m.id, t.token, t.household_id FROM household_tokens t \
         JOIN household_links l ON l.household_id = t.household_id \
         JOIN members m ON m.id = l.member_id \
         WHERE m.name = $1 AND t.revoked_at IS NULL ORDER BY t.household_id LIMIT 1",
    )
    .bind(MEMBER_NAME)
    .fetch_one(&mut db)
    .await
    .expect("a live link of one of her households");

    // The household scans its card: the rating page leads to the notice.
    let phone = site.session(PHONE.0, PHONE.1).await;
    phone.goto(&format!("/r/{token}")).await;
    phone.screenshot("phone-01-household-link").await;
    phone.click("[data-testid=notice-link] a").await;
    assert_eq!(phone.path().await, format!("/r/{token}/notice"));
    assert!(phone.text("main h1").await.contains(&year.to_string()), "the notice of {year}");
    phone.screenshot("phone-02-household-notice").await;

    // It objects about its member, from the phone.
    let form = format!("form[action='/r/{token}/notice']");
    phone.choose(&format!("{form} select[name=member]"), &member.to_string()).await;
    phone.type_into(&format!("{form} textarea[name=text]"), OBJECTION_TEXT).await;
    phone.click(&format!("{form} button[type=submit]")).await;
    assert_eq!(
        phone.path().await,
        format!("/r/{token}/notice?filed=1"),
        "the objection is taken: {}",
        page_text(&phone.client).await
    );
    assert!(phone.text("[data-testid=objection-filed]").await.contains("异议"), "the household is told");
    phone.screenshot("phone-03-household-objected").await;

    let stored: Vec<(i64, String, Option<i64>, i64)> =
        sqlx::query_as("SELECT id, filed_by, member_id, year FROM objections WHERE text = $1")
            .bind(OBJECTION_TEXT)
            .fetch_all(&mut db)
            .await
            .unwrap();
    let [(id, filed_by, about, filed_in)] = &stored[..] else { panic!("stored once: {stored:?}") };
    assert_eq!(
        (filed_by, *about, *filed_in),
        (&format!("household:{household}"), Some(member), year),
        "as the household's"
    );
    let audited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE actor = $1 AND action = 'rating.object' AND detail = $2",
    )
    .bind(format!("household:{household}"))
    .bind(format!("{year}: objection {id}"))
    .fetch_one(&mut db)
    .await
    .unwrap();
    assert_eq!(audited, 1, "the objection is in the audit log");
    db.close().await.unwrap();
}

/// 梁小改's login; 赵振华 (`branch1`) is her branch's secretary.
const MEMBER: &str = "liangxiaogai";
const BRANCH_SECRETARY: &str = "branch1";
const MEETING_TITLE: &str = "主题党日：扫码签到演练";

#[tokio::test]
async fn a_signed_out_scan_of_the_check_in_qr_returns_to_the_check_in_after_sign_in() {
    if !browser_available() {
        return;
    }
    Site::demo().await.run(signed_out_scan).await;
}

async fn signed_out_scan(site: Arc<Site>) {
    let mut db = site.db().await;
    // Her branch's secretary scheduled a theme day that starts now.
    let (member, community, branch): (i64, i64, i64) = sqlx::query_as(
        "SELECT m.id, m.community_id, m.branch_id FROM accounts a JOIN members m ON m.id = a.member_id \
         WHERE a.login = $1",
    )
    .bind(MEMBER)
    .fetch_one(&mut db)
    .await
    .expect("her member row");
    let secretary: i64 = sqlx::query_scalar("SELECT id FROM accounts WHERE login = $1")
        .bind(BRANCH_SECRETARY)
        .fetch_one(&mut db)
        .await
        .expect("the branch secretary");
    // Now on the server's clock (the suite's stated day), not the machine's.
    let now = super::helpers::now_in_china().timestamp().as_second();
    let token = format!("{:064x}", u128::from(now.unsigned_abs()) * 7919);
    let meeting: i64 = sqlx::query_scalar(
        "INSERT INTO meetings (community_id, branch_id, rule_key, title, place, starts_at, checkin_token, \
         created_by, created_at) VALUES ($1, $2, 'meeting.theme_day', $3, '社区党群服务中心', $4, $5, $6, $4) \
         RETURNING id",
    )
    .bind(community)
    .bind(branch)
    .bind(MEETING_TITLE)
    .bind(now)
    .bind(&token)
    .bind(secretary)
    .fetch_one(&mut db)
    .await
    .expect("schedule the meeting");

    // Her phone is signed out: the scan asks her to sign in first ...
    let phone = site.session(PHONE.0, PHONE.1).await;
    let checkin = format!("/checkin/{token}");
    phone.goto(&checkin).await;
    assert!(phone.path().await.starts_with("/login?next="), "the scan leads to sign-in: {}", phone.path().await);
    phone.screenshot("phone-04-scan-signed-out").await;
    phone.type_into("input[name=login]", MEMBER).await;
    phone.type_into("input[name=password]", super::browser::PASSWORD).await;
    phone.click("form[action='/login'] button[type=submit]").await;
    // ... and brings her back to the check-in, not to her record.
    assert_eq!(phone.path().await, checkin, "back at the check-in: {}", page_text(&phone.client).await);
    assert_eq!(phone.text("main h1").await, MEETING_TITLE);
    phone.screenshot("phone-05-back-at-the-check-in").await;
    phone.click("main form button[type=submit]").await;
    assert!(phone.text("main p.notice").await.contains("签到成功"), "{}", page_text(&phone.client).await);
    let rows: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT member_id, status, via FROM meeting_attendance WHERE meeting_id = $1")
            .bind(meeting)
            .fetch_all(&mut db)
            .await
            .unwrap();
    assert_eq!(rows, [(member, "present".to_string(), "qr".to_string())], "her scan is on the sheet");

    // On her record the running year says it is running, and last year is one tap away.
    let year = today_in_china().year();
    phone.goto("/me").await;
    assert!(phone.text("[data-testid=year-running]").await.contains("正在进行中"), "the running year says so");
    phone.click(&format!("[data-testid=years] a[href='/me?year={}']", year - 1)).await;
    assert_eq!(phone.path().await, format!("/me?year={}", year - 1));
    assert_eq!(phone.text("[data-testid=years] [aria-current=page]").await, (year - 1).to_string());
    assert_eq!(phone.count("[data-testid=year-running]").await, 0, "last year is over");
    phone.screenshot("phone-06-my-record-last-year").await;
    db.close().await.unwrap();
}
