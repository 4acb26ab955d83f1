//! The auditor's anomaly flags (issue 11): each kind is seen where its
//! pattern was built, with the entries behind it, and not where it was not;
//! the page shows them to the committee and the auditor, in the page's
//! language, and links to those entries.
//!
//! The patterns are built in last year of the fixture (this year holds the
//! fixture's own entries, typed months after their day), with entries
//! written through the store with the days and times each test states.

use super::helpers::*;
use jiff::civil::Date;
use reqwest::StatusCode;
use starledger_app::anomalies::{self, Anomalies, Flag, FlagKind};
use starledger_domain::ledger::{Actor, Entry, EntryDraft};
use starledger_domain::org::{MemberId, Year};
use starledger_domain::points::Points;
use starledger_domain::rulebook::Rulebook;
use starledger_store::Appended;

/// Evening of `on` in China, in Unix seconds.
fn evening(on: Date) -> i64 {
    on.at(20, 0, 0, 0).to_zoned(starledger_app::clock::china()).expect("a moment").timestamp().as_second()
}

fn day(month: i8, day: i8) -> Date {
    Date::new(2025, month, day).expect("a day")
}

/// One entry written as it would be: `points` (the rule's if none) by
/// `by`, about the day `on`, recorded at `recorded_at`.
struct Write<'a> {
    member: MemberId,
    rule: &'a str,
    points: Option<Points>,
    by: Actor,
    on: Date,
    recorded_at: i64,
}

impl<'a> Write<'a> {
    fn new(member: MemberId, rule: &'a str, by: Actor, on: Date) -> Self {
        Write { member, rule, points: None, by, on, recorded_at: evening(on) }
    }
}

static KEY: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

async fn write(app: &TestApp, year: Year, writes: &[Write<'_>]) -> Vec<Entry> {
    let rulebook = Rulebook::default_rulebook();
    let mut tx = app.store.write().await.expect("a write transaction");
    let mut written = Vec::new();
    for w in writes {
        let rule = rulebook.rule(w.rule).expect("a rule of the default rulebook");
        let key = KEY.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let draft = EntryDraft {
            community_id: app.fixture.community,
            year: year.get(),
            member_id: w.member,
            category: rule.category.clone(),
            rule_key: rule.key.clone(),
            rulebook_version: rulebook.version.clone(),
            points: w.points.unwrap_or(rule.points),
            reason: rule.name.clone(),
            source_kind: rule.source.as_str().to_string(),
            source_ref: format!("anomalies:{key}"),
            recorded_by: w.by,
            recorded_at: w.recorded_at,
            occurred_on: w.on,
            idempotency_key: format!("anomalies-{key}"),
            reverses: None,
        };
        match tx.append_entry(draft).await.expect("the entry is appended") {
            Appended::New(entry) => written.push(*entry),
            Appended::Duplicate(id) => panic!("key reused (entry {id})"),
        }
    }
    tx.commit().await.expect("the entries are written");
    written
}

/// Reverses `originals` as `by`, on the day after each.
async fn reverse(app: &TestApp, originals: &[Entry], by: Actor) -> Vec<Entry> {
    let mut tx = app.store.write().await.expect("a write transaction");
    let mut written = Vec::new();
    for original in originals {
        let on = original.draft.occurred_on;
        let draft = EntryDraft::reversal_of(original, "记错了".into(), by, evening(on) + 86_400, on);
        match tx.append_entry(draft).await.expect("the reversal is appended") {
            Appended::New(entry) => written.push(*entry),
            Appended::Duplicate(id) => panic!("reversed twice (entry {id})"),
        }
    }
    tx.commit().await.expect("the reversals are written");
    written
}

async fn scan(app: &TestApp, year: Year) -> Anomalies {
    let mut reader = app.store.read().await.expect("a reader");
    anomalies::scan(&mut reader, app.fixture.community, year).await.expect("the scan").expect("the year has a period")
}

fn of_kind(found: &Anomalies, kind: FlagKind) -> Vec<&Flag> {
    found.flags.iter().filter(|f| f.kind == kind).collect()
}

fn ids(entries: &[Entry]) -> Vec<i64> {
    let mut ids: Vec<i64> = entries.iter().map(|e| e.id).collect();
    ids.sort_unstable();
    ids
}

fn account(app: &TestApp, login: &str) -> Actor {
    Actor::Account(app.fixture.accounts[login])
}

/// The entries a flag's selection lists, as the entries page reads them.
async fn selected(app: &TestApp, year: Year, flag: &Flag) -> Vec<i64> {
    let mut reader = app.store.read().await.expect("a reader");
    let (total, entries) =
        anomalies::selected_entries(&mut reader, app.fixture.community, year, &flag.selection, 0, 10_000)
            .await
            .expect("the selection")
            .expect("the year has a period");
    assert_eq!(total, entries.len());
    entries.iter().map(|e| e.id).collect()
}

/// Writes `by_secretary` entries of branch 1 by its secretary and
/// `by_committee` by the committee, all on their day.
async fn branch_one_entries(app: &TestApp, by_secretary: usize, by_committee: usize) -> (Vec<Entry>, Vec<Entry>) {
    let f = &app.fixture;
    let year = f.last_year();
    let secretary: Vec<Write> = (0..by_secretary)
        .map(|n| {
            let member = if n % 2 == 0 { f.liang } else { f.wang };
            Write::new(member, "meeting.group", account(app, BRANCH_SECRETARY), day(1 + (n % 12) as i8, 10))
        })
        .collect();
    let committee: Vec<Write> = (0..by_committee)
        .map(|n| Write::new(f.hu, "meeting.group", account(app, COMMITTEE), day(1 + (n % 12) as i8, 11)))
        .collect();
    (write(app, year, &secretary).await, write(app, year, &committee).await)
}

#[tokio::test]
async fn one_recorder_with_most_of_a_branchs_entries_is_flagged_with_those_entries() {
    let app = spawn_app().await;
    let year = app.fixture.last_year();
    // 32 of branch 1's 40 entries by its secretary: 80%.
    let (secretary, _) = branch_one_entries(&app, 32, 8).await;
    let found = scan(&app, year).await;
    let flags = of_kind(&found, FlagKind::RecorderShare);
    assert_eq!(flags.len(), 1, "{flags:?}");
    let flag = flags[0];
    assert_eq!(flag.entries, ids(&secretary), "the secretary's entries are behind it");
    assert_eq!(flag.selection.recorder, Some(account(&app, BRANCH_SECRETARY)));
    assert!(flag.zh.contains("40 条积分中的 32 条（80%）"), "{}", flag.zh);
    assert!(flag.en.contains("32 of the 40 entries"), "{}", flag.en);
    assert_eq!(selected(&app, year, flag).await, flag.entries, "the page lists the same entries");
}

#[tokio::test]
async fn a_branch_whose_entries_are_shared_raises_no_recorder_flag() {
    let app = spawn_app().await;
    // Half and half; and a branch with too few entries for a share to mean anything.
    branch_one_entries(&app, 20, 20).await;
    let f = &app.fixture;
    let few: Vec<Write> =
        (0..10).map(|n| Write::new(f.zeng, "meeting.group", account(&app, COMMITTEE), day(1 + n, 12))).collect();
    write(&app, f.last_year(), &few).await;
    let found = scan(&app, f.last_year()).await;
    assert!(of_kind(&found, FlagKind::RecorderShare).is_empty(), "{:?}", found.flags);
}

#[tokio::test]
async fn entries_recorded_long_after_their_day_are_flagged_by_recorder() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let year = f.last_year();
    let by = account(&app, COMMITTEE_2);
    // Three entries about early March typed on 1 May (61 days later), two on time.
    let late: Vec<Write> = (1..=3)
        .map(|n| Write { recorded_at: evening(day(5, 1)), ..Write::new(f.liang, "study.theory", by, day(3, n)) })
        .collect();
    let late = write(&app, year, &late).await;
    write(
        &app,
        year,
        &[Write::new(f.hu, "study.theory", by, day(4, 1)), Write::new(f.zeng, "study.theory", by, day(4, 2))],
    )
    .await;
    let found = scan(&app, year).await;
    let flags = of_kind(&found, FlagKind::LateEntries);
    assert_eq!(flags.len(), 1, "{flags:?}");
    assert_eq!(flags[0].entries, ids(&late), "only the late entries are behind it");
    assert_eq!(flags[0].selection.recorder, Some(by));
    assert!(flags[0].zh.contains("3 条积分") && flags[0].zh.contains("最长 61 天"), "{}", flags[0].zh);
    assert_eq!(selected(&app, year, flags[0]).await, flags[0].entries);
}

#[tokio::test]
async fn entries_recorded_within_the_month_raise_no_late_flag() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let by = account(&app, COMMITTEE_2);
    let prompt: Vec<Write> = (1..=5)
        .map(|n| Write { recorded_at: evening(day(3, 20)), ..Write::new(f.liang, "study.theory", by, day(3, n)) })
        .collect();
    write(&app, f.last_year(), &prompt).await;
    let found = scan(&app, f.last_year()).await;
    assert!(of_kind(&found, FlagKind::LateEntries).is_empty(), "{:?}", found.flags);
}

/// `count` new members of branch 2, each given `points` in one entry of `rule`.
async fn members_with(
    app: &TestApp,
    count: usize,
    rule: &str,
    points: &str,
    prefix: &str,
) -> (Vec<MemberId>, Vec<Entry>) {
    let f = &app.fixture;
    let mut members = Vec::new();
    for n in 0..count {
        let name = format!("{prefix}{}", ["甲", "乙", "丙", "丁", "戊", "己", "庚"][n]);
        members.push(app.add_member(NewPerson::in_branch(f.branch2, &name)).await);
    }
    let points: Points = points.parse().expect("points");
    let writes: Vec<Write> = members
        .iter()
        .map(|m| Write { points: Some(points), ..Write::new(*m, rule, account(app, COMMITTEE), day(6, 1)) })
        .collect();
    (members, write(app, f.last_year(), &writes).await)
}

#[tokio::test]
async fn totals_piled_just_below_a_cap_are_flagged_with_those_members_entries() {
    let app = spawn_app().await;
    let year = app.fixture.last_year();
    // Volunteer service is capped at 40: five members at 39, none at 36 to 38.
    let (members, entries) = members_with(&app, 5, "adjustment.volunteer", "39", "志愿").await;
    let found = scan(&app, year).await;
    let flags = of_kind(&found, FlagKind::NearCap);
    assert_eq!(flags.len(), 1, "{flags:?}");
    let mut flagged = flags[0].members.clone();
    flagged.sort_unstable();
    assert_eq!(flagged, members);
    assert_eq!(flags[0].entries, ids(&entries));
    assert!(flags[0].zh.contains("上限 40 分：5 名党员"), "{}", flags[0].zh);
    assert_eq!(selected(&app, year, flags[0]).await, flags[0].entries);
}

#[tokio::test]
async fn totals_at_the_cap_itself_raise_no_near_cap_flag() {
    let app = spawn_app().await;
    // Reaching a cap is what a cap is for.
    members_with(&app, 5, "adjustment.volunteer", "40", "志愿").await;
    let found = scan(&app, app.fixture.last_year()).await;
    assert!(of_kind(&found, FlagKind::NearCap).is_empty(), "{:?}", found.flags);
}

#[tokio::test]
async fn totals_piled_just_above_a_star_line_are_flagged() {
    let app = spawn_app().await;
    let year = app.fixture.last_year();
    // The one-star line is 30: five members at 30.5, none at 28 to 30.
    let (members, entries) = members_with(&app, 5, "adjustment.ethics", "30.5", "品德").await;
    let found = scan(&app, year).await;
    let flags = of_kind(&found, FlagKind::AboveStarLine);
    assert_eq!(flags.len(), 1, "{flags:?}");
    let mut flagged = flags[0].members.clone();
    flagged.sort_unstable();
    assert_eq!(flagged, members);
    assert_eq!(flags[0].entries, ids(&entries));
    assert!(flags[0].zh.contains("一星线 30 分：5 名党员"), "{}", flags[0].zh);
    assert_eq!(selected(&app, year, flags[0]).await, flags[0].entries);
}

#[tokio::test]
async fn totals_on_both_sides_of_a_star_line_raise_no_flag() {
    let app = spawn_app().await;
    // Five just above and two just below: not three times as many.
    members_with(&app, 5, "adjustment.ethics", "30.5", "品德").await;
    members_with(&app, 2, "adjustment.ethics", "29", "线下").await;
    let found = scan(&app, app.fixture.last_year()).await;
    assert!(of_kind(&found, FlagKind::AboveStarLine).is_empty(), "{:?}", found.flags);
}

#[tokio::test]
async fn reversals_concentrated_on_one_member_are_flagged_with_them_and_what_they_cancel() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let year = f.last_year();
    let by = account(&app, COMMITTEE);
    let liang: Vec<Write> = (1..=4).map(|n| Write::new(f.liang, "meeting.group", by, day(n, 5))).collect();
    let liang = write(&app, year, &liang).await;
    let hu = write(&app, year, &[Write::new(f.hu, "meeting.group", by, day(2, 5))]).await;
    let mut behind = reverse(&app, &liang[..3], account(&app, COMMITTEE_2)).await;
    reverse(&app, &hu, account(&app, COMMITTEE_2)).await;
    behind.extend_from_slice(&liang[..3]);
    let found = scan(&app, year).await;
    let flags = of_kind(&found, FlagKind::ConcentratedReversals);
    assert_eq!(flags.len(), 1, "{flags:?}");
    assert_eq!(flags[0].members, vec![f.liang]);
    assert_eq!(flags[0].entries, ids(&behind), "the reversals and the entries they cancel");
    assert!(flags[0].zh.contains("共冲销 4 条积分，其中 3 条（75%）是梁小改的积分"), "{}", flags[0].zh);
    assert_eq!(selected(&app, year, flags[0]).await, flags[0].entries);
}

#[tokio::test]
async fn reversals_spread_over_members_raise_no_flag() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let year = f.last_year();
    let by = account(&app, COMMITTEE);
    let writes: Vec<Write> = [f.liang, f.liang, f.hu, f.hu]
        .iter()
        .enumerate()
        .map(|(n, m)| Write::new(*m, "meeting.group", by, day(n as i8 + 1, 5)))
        .collect();
    let written = write(&app, year, &writes).await;
    reverse(&app, &written, account(&app, COMMITTEE_2)).await;
    let found = scan(&app, year).await;
    assert!(of_kind(&found, FlagKind::ConcentratedReversals).is_empty(), "{:?}", found.flags);
}

#[tokio::test]
async fn the_auditor_reads_the_flags_in_chinese_and_follows_one_to_its_entries() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let year = f.last_year();
    let by = account(&app, COMMITTEE_2);
    let late: Vec<Write> = (1..=3)
        .map(|n| Write { recorded_at: evening(day(9, 1)), ..Write::new(f.liang, "study.theory", by, day(3, n)) })
        .collect();
    let late = write(&app, year, &late).await;

    let auditor = app.login(AUDITOR, PASSWORD).await;
    let home = text(app.get(&auditor, "/").await, StatusCode::OK).await;
    assert!(home.contains("href=\"/audit/anomalies\""), "the auditor's menu links the flags");
    let page = text(app.get(&auditor, &format!("/audit/anomalies?year={year}")).await, StatusCode::OK).await;
    assert!(page.contains("不是处分"), "the page says flags are no penalty");
    assert!(page.contains("data-flag=\"late_entries\""), "the late entries are flagged");
    assert!(page.contains("事后很久才记录") && page.contains("中位数"), "in Chinese");
    let start = page.find("/audit/entries?").expect("a link to the entries");
    let link = &page[start..start + page[start..].find('"').expect("the link ends")];
    let entries = text(app.get(&auditor, &link.replace("&amp;", "&")).await, StatusCode::OK).await;
    let listed: Vec<i64> = entries
        .match_indices("data-entry=\"")
        .map(|(at, m)| entries[at + m.len()..].split('"').next().expect("an id").parse().expect("a number"))
        .collect();
    assert_eq!(listed, ids(&late), "the link lists exactly the entries behind the flag");
    assert!(entries.contains("事后 18"), "each says how late it was typed: {entries}");

    // The committee reads them too, in English when it asks.
    let committee = app.login(COMMITTEE, PASSWORD).await;
    app.get(&committee, "/lang/en").await;
    let english = text(app.get(&committee, &format!("/audit/anomalies?year={year}")).await, StatusCode::OK).await;
    assert!(
        english.contains("never penalties") && english.contains("recorded 3 entries more than 30 days"),
        "{english}"
    );

    // A year without a period is not there.
    assert_eq!(app.get(&auditor, "/audit/anomalies?year=1999").await.status(), StatusCode::NOT_FOUND);
}
