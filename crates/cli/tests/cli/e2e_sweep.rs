//! A sweep of every page, for every role, on a phone (360×740) with the
//! demo community (issue 14, items 8, 9 and 14): from each role's home page
//! and menu it follows every link it can reach (one page of each kind: the
//! ids and years in an address are not new pages), and fails on
//!
//! - a page that scrolls sideways (`scrollWidth` wider than the window),
//! - a visible link, button, field or menu entry less than 44 px tall (a
//!   radio button or check box counts by its label, which is what a thumb
//!   taps),
//! - a page of more than 100 KB before compression,
//! - a header taller than a sixth of the screen, or a menu that does not
//!   mark the page shown.
//!
//! Every page's screenshot is kept in `target/e2e-artifacts/sweep-*.png`.
//! The household's pages (its card's link and the public notice) and the
//! sign-in page are swept signed out. The English words on a Chinese page
//! are the web suite's `one_language` test, which reads every page.
//!
//! Needs /usr/bin/chromium and /usr/bin/chromedriver; without them the test
//! prints `SKIPPED` and passes, unless `STARLEDGER_E2E=require` is set.

use super::browser::{Session, Site, browser_available, find, open_menu};
use serde_json::{Value, json};
use std::collections::{BTreeSet, VecDeque};
use std::sync::Arc;

const PHONE: (u32, u32) = (360, 740);
/// The smallest height of anything tapped.
const TAP: f64 = 44.0;
/// The most one page may weigh before compression.
const MAX_PAGE_BYTES: u64 = 100 * 1024;
/// The header's most: well under a third of the screen.
const MAX_HEADER: f64 = PHONE.1 as f64 / 6.0;
/// A bound on the pages of one role's sweep (each kind of page once).
const MAX_PAGES: usize = 80;

/// Who is swept: (name in the screenshots, demo login).
const ROLES: [(&str, &str); 5] = [
    ("member", "liangxiaogai"),
    ("secretary", "branch1"),
    ("committee", "liangyonghong"),
    ("auditor", "auditor"),
    ("city", "city"),
];

/// Links not followed: files (photos, receipts, PDFs, seals), the language
/// switch, and what is not a page.
const NOT_PAGES: [&str; 10] =
    ["/uploads/", "/receipts/", "/seals/", "/print/", ".pdf", "/lang/", "/static/", "/healthz", "/readyz", "/metrics"];

#[tokio::test]
async fn every_page_for_every_role_fits_a_phone() {
    if !browser_available() {
        return;
    }
    Site::demo().await.run(sweep_everyone).await;
}

/// What one page showed that it should not have.
#[derive(Default)]
struct Findings(Vec<String>);

impl Findings {
    fn add(&mut self, who: &str, path: &str, what: String) {
        self.0.push(format!("{who} {path}: {what}"));
    }
}

async fn sweep_everyone(site: Arc<Site>) {
    // The screenshots of an earlier sweep would be mistaken for this one's.
    let artifacts = super::browser::artifacts_dir();
    for entry in std::fs::read_dir(&artifacts).expect("list the artifacts").flatten() {
        if entry.file_name().to_string_lossy().starts_with("sweep-") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    let mut findings = Findings::default();
    let mut swept = 0;

    // Signed out: the sign-in page and a household's pages.
    let mut db = site.db().await;
    let token: String =
        sqlx::query_scalar("SELECT token FROM household_tokens WHERE revoked_at IS NULL ORDER BY household_id LIMIT 1")
            .fetch_one(&mut db)
            .await
            .expect("a household's live link");
    let objects = seed_objects(&mut db).await;
    let household = site.session(PHONE.0, PHONE.1).await;
    let start = vec!["/login".to_string(), format!("/r/{token}"), format!("/r/{token}/notice")];
    swept += sweep(&household, "household", start, &mut findings).await;
    site.done("the signed-out pages");

    for (who, login) in ROLES {
        let phone = site.session(PHONE.0, PHONE.1).await;
        phone.sign_in(login).await;
        let home = phone.path().await;
        check_menu(&phone, who, &home, &mut findings).await;
        let mut start = vec![home];
        start.extend(menu_links(&phone).await);
        start.push("/password".into());
        start.extend(objects.iter().cloned());
        let mut kinds = BTreeSet::new();
        start.retain(|path| kinds.insert(kind(path)));
        swept += sweep(&phone, who, start, &mut findings).await;
        site.done(&format!("the {who}'s pages"));
    }
    assert!(swept > 60, "the sweep reached {swept} pages: too few to be every page");
    assert!(findings.0.is_empty(), "{} findings on a phone:\n{}", findings.0.len(), findings.0.join("\n"));
}

/// The demo has no meeting, activity, ballot or claim of the running year:
/// one of each is put in the database, as the pages would write them, so
/// that their pages are swept too. Returns those pages' paths.
async fn seed_objects(db: &mut sqlx::SqliteConnection) -> Vec<String> {
    let (community, branch, member, secretary): (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT m.community_id, m.branch_id, m.id, (SELECT id FROM accounts WHERE login = 'branch1') \
         FROM accounts a JOIN members m ON m.id = a.member_id WHERE a.login = 'liangxiaogai'",
    )
    .fetch_one(&mut *db)
    .await
    .expect("her member row and her branch's secretary");
    let now = super::helpers::now_in_china().timestamp().as_second();
    let year = i64::from(super::helpers::today_in_china().year());
    let meeting_token = format!("{:064x}", u128::from(now.unsigned_abs()) * 7919);
    let meeting: i64 = sqlx::query_scalar(
        "INSERT INTO meetings (community_id, branch_id, rule_key, title, place, starts_at, checkin_token, \
         created_by, created_at) VALUES ($1, $2, 'meeting.theme_day', '主题党日：学习身边榜样', '社区党群服务中心', $3, $4, $5, $3) \
         RETURNING id",
    )
    .bind(community)
    .bind(branch)
    .bind(now)
    .bind(&meeting_token)
    .bind(secretary)
    .fetch_one(&mut *db)
    .await
    .expect("schedule a meeting");
    let activity_token = format!("{:064x}", u128::from(now.unsigned_abs()) * 104_729);
    let activity: i64 = sqlx::query_scalar(
        "INSERT INTO activities (community_id, rule_key, title, place, starts_at, ends_at, slots, checkin_token, \
         created_by, created_at) VALUES ($1, 'volunteer.cleanup', '东街背街小巷清扫', '东街口小广场', $2, $3, 10, $4, $5, $2) \
         RETURNING id",
    )
    .bind(community)
    .bind(now)
    .bind(now + 7200)
    .bind(&activity_token)
    .bind(secretary)
    .fetch_one(&mut *db)
    .await
    .expect("publish an activity");
    let voters: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM members WHERE branch_id = $1 AND left_on IS NULL")
        .bind(branch)
        .fetch_one(&mut *db)
        .await
        .expect("count the branch");
    let ballot: i64 = sqlx::query_scalar(
        "INSERT INTO ballots (community_id, branch_id, year, status, opened_by, opened_at, eligible_voters) \
         VALUES ($1, $2, $3, 'open', $4, $5, $6) RETURNING id",
    )
    .bind(community)
    .bind(branch)
    .bind(year)
    .bind(secretary)
    .bind(now)
    .bind(voters)
    .fetch_one(&mut *db)
    .await
    .expect("open a ballot");
    let household: i64 = sqlx::query_scalar(
        "SELECT household_id FROM household_links WHERE member_id = $1 ORDER BY household_id LIMIT 1",
    )
    .bind(member)
    .fetch_one(&mut *db)
    .await
    .expect("one of her households");
    sqlx::query(
        "INSERT INTO claims (community_id, member_id, kind, occurred_on, household_id, note, status, claimed_at) \
         VALUES ($1, $2, 'visit', $3, $4, '帮助清理庭院', 'pending', $5)",
    )
    .bind(community)
    .bind(member)
    .bind(super::helpers::today_in_china().to_string())
    .bind(household)
    .bind(now)
    .execute(&mut *db)
    .await
    .expect("claim a visit");
    vec![
        format!("/meetings/{meeting}"),
        format!("/meetings/{meeting}/close"),
        format!("/checkin/{meeting_token}"),
        format!("/activities/{activity}"),
        format!("/activities/{activity}/confirm"),
        format!("/activities/checkin/{activity_token}"),
        format!("/ballots/{ballot}"),
        format!("/ballots/{ballot}/close"),
        format!("/ballots/{ballot}/tally"),
        format!("/rating/{}/publish", year - 1),
        format!("/rating/{}/finalize", year - 1),
        "/audit/household-origins".to_string(),
    ]
}

/// The header on the role's home page: one line well under a third of the
/// screen; its menu opens without script, every entry a thumb's height.
async fn check_menu(phone: &Session, who: &str, home: &str, findings: &mut Findings) {
    let header = number(
        &phone.client.execute("return document.querySelector('header').getBoundingClientRect().height", vec![]).await,
    );
    if header > MAX_HEADER {
        findings.add(who, home, format!("the header is {header:.0}px tall (at most {MAX_HEADER:.0})"));
    }
    assert_eq!(phone.count("header details[data-menu][open]").await, 0, "the menu starts closed");
    assert!(phone.count("header nav a[href]").await > 0, "the menu has entries");
    open_menu(&phone.client).await;
    find(&phone.client, "header nav a[href='/password']").await;
    phone.screenshot(&format!("sweep-{who}-00-menu")).await;
    for small in small_targets(phone).await {
        findings.add(who, "(menu open)", small);
    }
    // The menu closes again (app.js: Escape).
    phone
        .client
        .execute("document.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape'}))", vec![])
        .await
        .expect("press Escape");
    assert_eq!(phone.count("header details[data-menu][open]").await, 0, "Escape closes the menu");
}

/// The menu's entries (their paths), as the header lists them.
async fn menu_links(phone: &Session) -> Vec<String> {
    let links = phone
        .client
        .execute(
            "return Array.from(document.querySelectorAll('header nav a[href]')).map(a => a.getAttribute('href'))",
            vec![],
        )
        .await
        .expect("read the menu");
    links.as_array().into_iter().flatten().filter_map(|v| v.as_str().map(str::to_string)).collect()
}

fn number(value: &Result<Value, fantoccini::error::CmdError>) -> f64 {
    value.as_ref().ok().and_then(Value::as_f64).unwrap_or(f64::NAN)
}

/// Visible tap targets less than [`TAP`] tall, described.
async fn small_targets(phone: &Session) -> Vec<String> {
    let script = r#"
        const tap = arguments[0];
        const small = [];
        for (const el of document.querySelectorAll('a[href], button, input, select, textarea, summary')) {
            if (el.type === 'hidden') continue;
            let target = el;
            if ((el.type === 'radio' || el.type === 'checkbox') && el.closest('label')) target = el.closest('label');
            const box = target.getBoundingClientRect();
            if (box.width === 0 || box.height === 0 || getComputedStyle(target).visibility === 'hidden') continue;
            if (box.height < tap - 0.5) {
                const text = (el.textContent || el.value || el.name || el.type || '').trim().slice(0, 30);
                small.push(`<${el.tagName.toLowerCase()}> "${text}" ${Math.round(box.height)}px tall`);
            }
        }
        return small;"#;
    let small = phone.client.execute(script, vec![json!(TAP)]).await.expect("measure the tap targets");
    small.as_array().into_iter().flatten().filter_map(|v| v.as_str().map(str::to_string)).collect()
}

/// The kind of page an address opens: its path with numbers and tokens
/// replaced, and the names (not the values) of its query.
fn kind(path: &str) -> String {
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let segments: Vec<String> = path
        .split('/')
        .map(|s| {
            if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) {
                "N".to_string()
            } else if s.len() >= 16 && s.chars().all(|c| c.is_ascii_hexdigit() || c == '-' || c == '_') {
                "T".to_string()
            } else {
                s.to_string()
            }
        })
        .collect();
    let mut keys: Vec<&str> =
        query.split('&').filter(|p| !p.is_empty()).map(|p| p.split('=').next().unwrap_or("")).collect();
    keys.sort_unstable();
    keys.dedup();
    format!("{}?{}", segments.join("/"), keys.join("&"))
}

/// Opens every page reachable from `start` by links (one of each kind) and
/// checks each; returns how many pages were opened.
async fn sweep(phone: &Session, who: &str, start: Vec<String>, findings: &mut Findings) -> usize {
    let mut queue: VecDeque<String> = start.into();
    let mut seen: BTreeSet<String> = queue.iter().map(|p| kind(p)).collect();
    let mut opened = 0;
    while let Some(path) = queue.pop_front() {
        if opened == MAX_PAGES {
            findings.add(who, &path, format!("more than {MAX_PAGES} kinds of page: the sweep stopped"));
            break;
        }
        phone.goto(&path).await;
        opened += 1;
        let facts = phone
            .client
            .execute(
                r#"return {
                    type: document.contentType,
                    scroll: document.documentElement.scrollWidth,
                    inner: window.innerWidth,
                    current: (() => {
                        const entry = document.querySelector('header nav a[href="' + location.pathname + '"]');
                        return !entry || entry.getAttribute('aria-current') === 'page';
                    })(),
                    links: Array.from(document.querySelectorAll('a[href]'))
                        .filter(a => a.origin === location.origin)
                        .map(a => a.pathname + a.search),
                }"#,
                vec![],
            )
            .await
            .unwrap_or_else(|e| panic!("read {path}: {e}"));
        if facts["type"] != json!("text/html") {
            continue;
        }
        let (scroll, inner) = (facts["scroll"].as_i64().unwrap_or(0), facts["inner"].as_i64().unwrap_or(0));
        if scroll > inner {
            findings.add(who, &path, format!("scrolls sideways: {scroll}px wide in a {inner}px window"));
        }
        if facts["current"] != json!(true) {
            findings.add(who, &path, "the menu does not mark this page (aria-current)".into());
        }
        for small in small_targets(phone).await {
            findings.add(who, &path, small);
        }
        // The page's weight as the server sends it, before compression.
        let bytes = phone
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1]; \
                 fetch(location.href, {credentials: 'same-origin'}).then(r => r.arrayBuffer()) \
                   .then(b => done(b.byteLength), e => done(-1));",
                vec![],
            )
            .await
            .ok()
            .and_then(|v| v.as_i64())
            .unwrap_or(-1);
        if bytes < 0 || bytes as u64 > MAX_PAGE_BYTES {
            findings.add(who, &path, format!("weighs {} KB before compression (at most 100)", bytes / 1024));
        }
        let slug: String = kind(&path).chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
        phone.screenshot(&format!("sweep-{who}-{opened:02}{slug}")).await;
        for link in facts["links"].as_array().into_iter().flatten().filter_map(Value::as_str) {
            if NOT_PAGES.iter().any(|not| link.contains(not)) {
                continue;
            }
            if seen.insert(kind(link)) {
                queue.push_back(link.to_string());
            }
        }
    }
    eprintln!("e2e: the {who}'s sweep opened {opened} pages");
    opened
}

#[test]
fn kinds_of_page_ignore_ids_and_values() {
    assert_eq!(kind("/meetings/12"), kind("/meetings/7"));
    assert_eq!(kind("/me?year=2025"), kind("/me?year=2024"));
    assert_ne!(kind("/me"), kind("/me?year=2025"));
    assert_eq!(kind("/r/0123456789abcdef0123/notice"), kind("/r/fedcba9876543210fedc/notice"));
    assert_ne!(kind("/meetings/12"), kind("/meetings/12/close"));
}
