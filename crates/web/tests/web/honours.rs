//! The honour roll and each member's stars by year: imported records and
//! years computed from the ledger join into one history; a streak counts
//! consecutive five-star years that are over, never the running year.

use super::helpers::*;
use reqwest::StatusCode;
use starledger_domain::ledger::{Actor, EntryDraft};
use starledger_domain::org::Year;
use starledger_domain::points::Points;

#[tokio::test]
async fn a_streak_joins_imported_years_and_stops_before_the_running_year() {
    let app = spawn_app().await;
    let fixture = &app.fixture;
    let this_year = fixture.year.get();
    // 梁小改 was five-star on paper two and three years ago; last year is
    // rated from the ledger (the fixture opens it), where a year of steady
    // volunteer service (40 points, the category's cap), party lectures (38)
    // and a commendation make her the first of its few five-star places,
    // above the four-star line (80) that a five-star place needs.
    let last_year = this_year - 1;
    let (last, by) = (fixture.last_year(), fixture.accounts[COMMITTEE_2]);
    app.add_entries_in(last, fixture.liang, "volunteer.cleanup", by, "honours-cleanup", 20).await;
    app.add_entries_in(last, fixture.liang, "meeting.lecture", by, "honours-lecture", 19).await;
    let mut tx = app.store.write().await.unwrap();
    for back in 2..=3 {
        let year = Year::new(i64::from(this_year - back)).unwrap();
        tx.import_honour(fixture.community, fixture.liang, year, 5, "纸质档案录入").await.unwrap();
    }
    tx.append_entry(EntryDraft {
        community_id: fixture.community,
        year: last_year,
        member_id: fixture.liang,
        category: "ethics".into(),
        rule_key: "integrity.commendation".into(),
        rulebook_version: "2025.1".into(),
        points: Points::whole(3),
        reason: "带动联系户整治庭院".into(),
        source_kind: "decision".into(),
        source_ref: "record:integrity".into(),
        recorded_by: Actor::Account(fixture.accounts[COMMITTEE_2]),
        recorded_at: 1_700_000_000,
        occurred_on: jiff::civil::date(last_year, 6, 1),
        idempotency_key: "honours-test".into(),
        reverses: None,
    })
    .await
    .unwrap();
    // 彭雅丽's record breaks: five stars three years ago, three stars last year.
    tx.import_honour(fixture.community, fixture.peng, Year::new(i64::from(this_year - 3)).unwrap(), 5, "")
        .await
        .unwrap();
    tx.import_honour(fixture.community, fixture.peng, Year::new(i64::from(this_year - 1)).unwrap(), 3, "")
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let client = app.login(MEMBER, PASSWORD).await;
    let page = text(app.get(&client, &format!("/members/{}/stars", fixture.liang)).await, StatusCode::OK).await;
    assert!(page.contains("连续 3 年五星"), "three past years, the running one not counted:\n{page}");
    for back in 0..=3 {
        assert!(page.contains(&format!("data-year=\"{}\"", this_year - back)), "year {} listed", this_year - back);
    }
    assert!(page.contains("本年度进行中"), "the running year is marked provisional");

    let page = text(app.get(&client, &format!("/members/{}/stars", fixture.peng)).await, StatusCode::OK).await;
    assert!(!page.contains("年五星</strong>"), "a broken record has no streak:\n{page}");
}

#[tokio::test]
async fn a_year_short_of_the_four_star_line_streaks_no_one() {
    let app = spawn_app().await;
    let fixture = &app.fixture;
    let this_year = fixture.year.get();
    // The same paper record, but last year 梁小改 led with a commendation
    // alone: first of five, and far below the four-star line.
    let mut tx = app.store.write().await.unwrap();
    for back in 2..=3 {
        let year = Year::new(i64::from(this_year - back)).unwrap();
        tx.import_honour(fixture.community, fixture.liang, year, 5, "纸质档案录入").await.unwrap();
    }
    tx.commit().await.unwrap();
    let (last, by) = (fixture.last_year(), fixture.accounts[COMMITTEE_2]);
    app.add_entry_in(last, fixture.liang, "integrity.commendation", by, "liang-commendation").await;

    let client = app.login(MEMBER, PASSWORD).await;
    let page = text(app.get(&client, &format!("/members/{}/stars", fixture.liang)).await, StatusCode::OK).await;
    let row = row_containing(&page, &format!("data-year=\"{}\"", this_year - 1)).expect("last year's row");
    assert!(!row.contains("★"), "3 points earn no star, whatever the rank:\n{row}");
    assert!(!page.contains("年五星</strong>"), "the streak broke last year:\n{page}");
    let page = text(app.get(&client, &format!("/honours?year={}", this_year - 1)).await, StatusCode::OK).await;
    assert_eq!(page.matches("data-member=").count(), 0, "nobody on last year's roll:\n{page}");
}

#[tokio::test]
async fn the_honour_roll_lists_five_star_members_and_counts_them_per_branch() {
    let app = spawn_app_with_neighbour().await;
    let f = &app.fixture;
    // Last year (the roll's default, the latest year that is over) 彭雅丽
    // served and studied all year: 80 points (volunteer service at its cap
    // of 40, and 40 from lectures), the four-star line, and first place.
    app.add_entries_in(f.last_year(), f.peng, "volunteer.civility", f.accounts[COMMITTEE_2], "peng-civility", 20).await;
    app.add_entries_in(f.last_year(), f.peng, "meeting.lecture", f.accounts[COMMITTEE_2], "peng-lecture", 20).await;
    let client = app.login(AUDITOR, PASSWORD).await;
    let page = text(app.get(&client, "/honours").await, StatusCode::OK).await;
    assert!(page.contains(&format!("{} 年度五星级党员光荣榜", f.last_year())), "{page}");
    assert!(page.contains("公示确认前为暂定结果"), "provisional until finalized");
    // Every five-star member on the roll is counted in their branch's row.
    let on_roll = page.matches("data-member=").count();
    let per_branch: usize = page
        .split("data-testid=\"branch-five\">")
        .skip(1)
        .map(|cell| cell[..cell.find('<').unwrap()].parse::<usize>().unwrap())
        .sum();
    assert_eq!((on_roll, per_branch), (1, 1), "{page}");
    assert!(page.contains(&format!("data-member=\"{}\"", f.peng)), "{page}");
    // This year's leader has 3 points: ranked first, and not five-star.
    let page = text(app.get(&client, &format!("/honours?year={}", f.year)).await, StatusCode::OK).await;
    assert_eq!(page.matches("data-member=").count(), 0, "{page}");
    // An unknown year, an unknown member and another community's member
    // are not found (never a server error).
    assert_eq!(app.get(&client, "/honours?year=1999").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get(&client, "/members/999999/stars").await.status(), StatusCode::NOT_FOUND);
    let theirs = app.neighbour.as_ref().expect("the neighbour").member;
    let response = app.get(&client, &format!("/members/{theirs}/stars")).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND, "another community's member");
}

#[tokio::test]
async fn signed_out_visitors_see_no_honours() {
    let app = spawn_app().await;
    for path in ["/honours".to_string(), format!("/members/{}/stars", app.fixture.liang)] {
        let response = app.get(&app.client(), &path).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
        assert!(location(&response).starts_with("/login"), "{path} sends to sign in: {}", location(&response));
        let body = response.text().await.expect("a body");
        assert!(!body.contains("梁小改"), "{path} names nobody before sign-in: {body}");
    }
}
