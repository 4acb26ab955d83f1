//! My record (/me): every point a member's total is made of, traceable, with
//! the total and rank; household ratings only as counts per window, withheld
//! below three, so that no member learns which household said what.

use super::helpers::*;
use reqwest::StatusCode;
use starledger_domain::ledger::Actor;

const WITHHELD: &str = "本期评议不足3条，不公开明细";

#[tokio::test]
async fn the_record_shows_every_entry_with_total_and_rank() {
    let app = spawn_app().await;
    let member = app.login(MEMBER, PASSWORD).await;
    let page = text(app.get(&member, "/me").await, StatusCode::OK).await;

    assert!(page.contains("梁小改") && page.contains("第一党支部"));
    for id in &app.fixture.liang_entries {
        assert!(page.contains(&format!("data-entry=\"{id}\"")), "entry {id} is shown:\n{page}");
    }
    assert_eq!(page.matches("data-entry=").count(), app.fixture.liang_entries.len(), "and no one else's");
    // 1 (group meeting) + 2 (cleanup) - 0.5 (late); behind 彭雅丽's 3, of five eligible members.
    assert!(page.contains("<strong data-testid=\"total\">2.5</strong>"), "{page}");
    assert!(page.contains("<span data-testid=\"rank\">2</span> / 5"), "{page}");
    // Each entry names its rule, its recorder and its reason.
    assert!(page.contains("参加党小组会") && page.contains("彭雅丽（党委）") && page.contains("胡国强（支部书记）"));
    assert!(page.contains("-0.5") && page.contains("+2"));
}

#[tokio::test]
async fn household_ratings_show_as_counts_per_window_and_below_three_not_at_all() {
    let app = spawn_app().await;
    let f = &app.fixture;
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
    let member = app.login(MEMBER, PASSWORD).await;
    let window = current_window();
    let label = format!("{} — {}", window.starts_on, window.ends_on);

    // Two ratings: the window shows neither counts nor its points (with one
    // or two ratings, the points alone would tell their levels).
    rate(0, "satisfied").await;
    rate(1, "not_satisfied").await;
    let page = text(app.get(&member, "/me").await, StatusCode::OK).await;
    let row = row_containing(&page, &label).unwrap_or_else(|| panic!("the window's row:\n{page}"));
    assert!(row.contains(WITHHELD), "{row}");
    assert_eq!(numbers(row), ["未公开"], "no counts and no points: {row}");
    assert_no_household_detail(&app, &page).await;

    // The third rating: the counts appear.
    rate(2, "satisfied").await;
    let page = text(app.get(&member, "/me").await, StatusCode::OK).await;
    let row = row_containing(&page, &label).expect("the window's row");
    assert!(!row.contains(WITHHELD), "{row}");
    assert_eq!(numbers(row), ["2", "0", "1", "1"], "satisfied 2, basically 0, not 1, points 1: {row}");
    assert_no_household_detail(&app, &page).await;
    // The ratings count in the total: 2.5 + 1 = 3.5, now ahead of 彭雅丽's 3.
    assert!(page.contains("<strong data-testid=\"total\">3.5</strong>"), "{page}");
    assert!(page.contains("<span data-testid=\"rank\">1</span> / 5"), "{page}");
    // Entries typed by accounts are all still listed one by one, and only they.
    assert_eq!(page.matches("data-entry=").count(), f.liang_entries.len());
}

/// The contents of a table row's number cells, in order.
fn numbers(row: &str) -> Vec<&str> {
    row.split("<td class=\"num\">").skip(1).map(|cell| &cell[..cell.find("</td>").expect("the cell ends")]).collect()
}

/// The member's page names no household: no address, no household id, no
/// entry that a household wrote.
async fn assert_no_household_detail(app: &TestApp, page: &str) {
    for address in LIANG_ADDRESSES {
        assert!(!page.contains(address), "the page shows {address}");
    }
    assert!(!page.contains("household:"), "the page shows a household id");
    for entry in app.entries_of(app.fixture.liang).await {
        if let Actor::Household(_) = entry.draft.recorded_by {
            assert!(!page.contains(&format!("data-entry=\"{}\"", entry.id)), "household entry {} is listed", entry.id);
        }
    }
}

#[tokio::test]
async fn an_account_without_a_member_has_no_record() {
    let app = spawn_app().await;
    for login in [AUDITOR, OFF_ROLL] {
        let client = app.login(login, PASSWORD).await;
        text(app.get(&client, "/me").await, StatusCode::FORBIDDEN).await;
    }
}

/// The points of every `data-points` cell of the terms table, in order.
fn term_points(page: &str) -> Vec<(String, f64)> {
    let table = page.split("data-testid=\"terms\"").nth(1).expect("the terms table").split("</table>").next().unwrap();
    table
        .split("<tr data-term=\"")
        .skip(1)
        .map(|row| {
            let kind = row.split('"').next().unwrap().to_string();
            let points = row.split("data-points=\"").nth(1).unwrap().split('"').next().unwrap();
            (kind, points.parse().unwrap())
        })
        .collect()
}

/// Issue 11, fix 4: the member's own page shows every term of the total,
/// the exemption credit included, and they add up to the total shown.
#[tokio::test]
async fn my_record_shows_every_term_of_the_total_and_they_add_up() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let by = f.accounts[COMMITTEE_2];
    // Linked members earn household points; 胡国强 holds a post and does not
    // link households, so he is credited their median.
    for member in [f.liang, f.peng, f.zeng] {
        app.add_entries_in(f.year, member, "household.visit", by, &format!("visit-{member}"), 4).await;
    }
    app.add_entry(f.hu, "meeting.group", by, "hu-meeting").await;

    let hu = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let page = text(app.get(&hu, "/me").await, StatusCode::OK).await;
    let terms = term_points(&page);
    assert!(terms.iter().any(|(kind, points)| kind == "exempt_linking" && *points == 2.0), "{terms:?}\n{page}");
    let sum: f64 = terms.iter().map(|(_, p)| p).sum();
    let total = page.split("data-testid=\"total\">").nth(1).unwrap().split('<').next().unwrap();
    assert_eq!(format!("{sum}"), total, "the terms add up to the total: {terms:?}");

    // Control: a linked member's terms are her entries only, and add up too.
    let liang = app.login(MEMBER, PASSWORD).await;
    let page = text(app.get(&liang, "/me").await, StatusCode::OK).await;
    let terms = term_points(&page);
    assert!(terms.iter().all(|(kind, _)| kind == "ledger"), "{terms:?}");
    let sum: f64 = terms.iter().map(|(_, p)| p).sum();
    assert_eq!(format!("{sum}"), "4.5", "2.5 as before and 2 for four visits: {terms:?}");
}

/// Issue 17, item 6: with one rating in the running window, the category
/// total moved (0.5 to -0.5) while the page said the counts were withheld.
/// Until the window holds three, its points are out of every total the
/// member sees; at three they count.
#[tokio::test]
async fn a_single_rating_does_not_move_any_total_the_member_sees() {
    let app = spawn_app().await;
    let f = &app.fixture;
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
    let member = app.login(MEMBER, PASSWORD).await;
    let before = text(app.get(&member, "/me").await, StatusCode::OK).await;
    let standings_before = text(app.get(&member, "/standings").await, StatusCode::OK).await;
    assert!(before.contains("<strong data-testid=\"total\">2.5</strong>"), "{before}");

    // One household: without the withholding, 2.5 would become 3 and tell
    // that this household said "satisfied".
    rate(0, "satisfied").await;
    let page = text(app.get(&member, "/me").await, StatusCode::OK).await;
    assert!(page.contains("<strong data-testid=\"total\">2.5</strong>"), "the total does not move:\n{page}");
    let standings = text(app.get(&member, "/standings").await, StatusCode::OK).await;
    assert_eq!(standings, standings_before, "the standings do not move");

    // The control: at three ratings the window counts (2.5 + 1 = 3.5).
    rate(1, "not_satisfied").await;
    rate(2, "satisfied").await;
    let page = text(app.get(&member, "/me").await, StatusCode::OK).await;
    assert!(page.contains("<strong data-testid=\"total\">3.5</strong>"), "{page}");
}

/// The text of the element marked `data-testid="{id}"`, up to its next tag.
fn marked<'a>(page: &'a str, id: &str) -> &'a str {
    let start = page.find(&format!("data-testid=\"{id}\"")).unwrap_or_else(|| panic!("{id} is on the page"));
    let text = &page[start..];
    let text = &text[text.find('>').unwrap() + 1..];
    &text[..text.find('<').unwrap()]
}

#[tokio::test]
async fn while_the_year_runs_my_record_says_how_far_the_next_star_is_and_where_points_can_grow() {
    let app = spawn_app().await;
    let f = &app.fixture;
    // 12 volunteer points this year: under the one-star line (30).
    app.add_entries_in(f.year, f.liang, "volunteer.cleanup", f.accounts[COMMITTEE_2], "gap-cleanup", 6).await;
    let client = app.login(MEMBER, PASSWORD).await;
    let page = text(app.get(&client, "/me").await, StatusCode::OK).await;
    let total: f64 = marked(&page, "total").trim().parse().expect("the total is a number");
    assert!(total < 30.0, "the fixture keeps 梁小改 under the one-star line: {total}");
    let headline = marked(&page, "gap-headline");
    let needed = format!("{}", (300.0 - total * 10.0).round() / 10.0);
    assert_eq!(headline, format!("再得 {needed} 分可达1星（1星线 30 分）。"), "{page}");
    let volunteer: f64 = {
        let entries = app.entries_of(f.liang).await;
        entries
            .iter()
            .filter(|e| e.draft.year == f.year.get() && e.draft.category == "volunteer")
            .map(|e| e.draft.points.as_f64())
            .sum()
    };
    let room = format!("志愿服务 +{}", (40.0 - volunteer));
    assert!(page.contains(&room), "volunteer is capped at 40 a year: expected {room:?} in\n{page}");
    assert!(page.contains("不封顶"), "a category without a cap says so");

    // A year that is over shows its result, not a gap.
    let last = text(app.get(&client, &format!("/me?year={}", f.last_year().get())).await, StatusCode::OK).await;
    assert!(!last.contains("data-testid=\"gap\""), "no gap for a year that is over");
}
