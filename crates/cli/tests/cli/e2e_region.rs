//! End to end, in a real browser: the city's organization department (组织部)
//! signs in on a phone and sees the figures of the communities below it —
//! the demo's 十里社区 under 许昌市 — and the branches ranked by five-star
//! share; it names no member, and every community page refuses it. A
//! community's committee, in turn, cannot open the city's page.
//!
//! Needs /usr/bin/chromium and /usr/bin/chromedriver; without them the test
//! prints `SKIPPED` and passes, unless `STARLEDGER_E2E=require` is set.

use super::browser::{Site, browser_available, page_text};
use std::sync::Arc;

/// The demo's overseer of 许昌市.
const CITY: &str = "city";
/// 梁雍宏, the community committee's secretary.
const COMMITTEE: &str = "liangyonghong";
const PHONE: (u32, u32) = (390, 844);
/// The heading of the page a refused request shows.
const FORBIDDEN: &str = "您没有权限进行此操作。";

#[tokio::test]
async fn the_city_sees_its_communities_figures_and_nothing_personal() {
    if !browser_available() {
        return;
    }
    Site::demo().await.run(city_view).await;
}

async fn city_view(site: Arc<Site>) {
    let mut db = site.db().await;
    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM members").fetch_all(&mut db).await.unwrap();
    let (members, five_star): (i64, i64) = sqlx::query_as(
        "SELECT s.members, s.five_star FROM community_year_stats s JOIN communities c ON c.id = s.community_id \
         WHERE c.name = '十里社区' AND s.year = 2025",
    )
    .fetch_one(&mut db)
    .await
    .expect("the demo computed 2025's figures for the city");
    let branches: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM branches").fetch_one(&mut db).await.unwrap();

    let phone = site.session(PHONE.0, PHONE.1).await;
    phone.sign_in(CITY).await;
    assert_eq!(phone.path().await, "/region", "an overseer lands on the region's page");
    assert_eq!(phone.text("main h1").await, "许昌市");
    // The latest year with final stars is shown: 2025, through public notice.
    let row = "tr[data-community='十里社区']";
    assert_eq!(phone.text(&format!("{row} td:nth-child(3)")).await, members.to_string());
    assert_eq!(phone.text(&format!("{row} [data-testid=five-star]")).await, five_star.to_string());
    assert_eq!(five_star, 25, "the demo finalizes 25 five-star members in 2025");
    assert_eq!(phone.count("[data-testid=branches] tr[data-branch]").await as i64, branches);
    let shares: Vec<String> = {
        let mut shares = Vec::new();
        for cell in phone.client.find_all(fantoccini::Locator::Css("[data-testid=five-star-share]")).await.unwrap() {
            shares.push(cell.text().await.unwrap());
        }
        shares
    };
    let parsed: Vec<f64> = shares.iter().filter_map(|s| s.trim_end_matches('%').parse().ok()).collect();
    assert_eq!(parsed.len(), shares.len(), "every branch has enough members for a share: {shares:?}");
    assert!(parsed.windows(2).all(|w| w[0] >= w[1]), "branches ranked by five-star share: {shares:?}");

    // Nothing personal: no member of the community is named on the page.
    let text = page_text(&phone.client).await;
    for name in &names {
        assert!(!text.contains(name.as_str()), "the city's page names {name}");
    }
    // The page fits the phone: wide tables scroll inside their own box.
    let overflow =
        phone.client.execute("return document.documentElement.scrollWidth - window.innerWidth", vec![]).await.unwrap();
    assert!(overflow.as_i64().unwrap_or(1) <= 0, "the page is wider than the phone by {overflow}");
    phone.screenshot("region-city-phone").await;

    // Every community page refuses the city's account.
    for path in ["/standings", "/households", "/honours", "/rating", "/meetings"] {
        phone.goto(path).await;
        assert_eq!(phone.text("main.message h1").await, FORBIDDEN, "{path} refuses the city");
    }
    phone.goto("/").await;
    assert_eq!(phone.path().await, "/region", "the city's home is its region's page");
    super::browser::open_menu(&phone.client).await;
    phone.click("form[action='/logout'] button").await;
    assert_eq!(phone.path().await, "/login");
    site.done("the city's view");

    // And a community's committee cannot open the city's page.
    let desk = site.session(1280, 900).await;
    desk.sign_in(COMMITTEE).await;
    desk.goto("/region").await;
    assert_eq!(desk.text("main.message h1").await, FORBIDDEN);
    site.done("the committee refused the city's page");
}
