//! Charts (issue 13): each page's SVG parses, names its axes in the page's
//! language, and shows exactly the numbers of the table beside it; the
//! figures page is the committee's and the auditor's; a member's chart
//! withholds what their record withholds.

use super::helpers::*;
use reqwest::{Client, StatusCode};

/// One chart of a page: the values its SVG draws, the values of its
/// table (both in order of reading), and the SVG itself.
struct Drawn {
    id: String,
    svg: String,
    drawn: Vec<String>,
    table: Vec<String>,
    /// The table's rows: label, then each series' value.
    rows: Vec<Vec<String>>,
}

fn values(html: &str) -> Vec<String> {
    html.split("data-value=\"").skip(1).map(|rest| rest[..rest.find('"').expect("quoted")].to_string()).collect()
}

fn charts(page: &str) -> Vec<Drawn> {
    page.split("<figure class=\"chart\" data-chart=\"")
        .skip(1)
        .map(|rest| {
            let figure = &rest[..rest.find("</figure>").expect("the figure ends")];
            let id = figure[..figure.find('"').unwrap()].to_string();
            let svg = &figure[figure.find("<svg").expect("an SVG")..figure.find("</svg>").expect("it ends") + 6];
            let table = &figure[figure.find("<table").expect("a table")..];
            let rows = table
                .split("<tr>")
                .skip(2)
                .map(|row| {
                    row.split("<td")
                        .skip(1)
                        .map(|cell| {
                            let body = &cell[cell.find('>').unwrap() + 1..cell.find("</td>").unwrap()];
                            body.to_string()
                        })
                        .collect()
                })
                .collect();
            Drawn { id, svg: svg.to_string(), drawn: values(svg), table: values(table), rows }
        })
        .collect()
}

/// The SVG is well formed: every element opened is closed, in order.
fn assert_well_formed(svg: &str) {
    let mut open: Vec<String> = Vec::new();
    let mut rest = svg;
    while let Some(at) = rest.find('<') {
        let end = at + rest[at..].find('>').expect("the tag ends");
        let tag = &rest[at + 1..end];
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(open.pop().as_deref(), Some(name), "tags balance in {svg}");
        } else if !tag.ends_with('/') {
            open.push(tag.split_whitespace().next().unwrap_or_default().to_string());
        }
        rest = &rest[end + 1..];
    }
    assert!(open.is_empty(), "unclosed {open:?} in {svg}");
    assert!(!svg.contains("&&") && !svg.contains("<<"), "text is escaped");
}

/// Every chart of the page draws its table's numbers, in the same order
/// (by label, then by series: the table reads row by row, the SVG draws
/// bars row by row and a line series by series, so compare as sets of
/// equal counts).
fn assert_charts_match_tables(page: &str, expected: &[&str]) -> Vec<Drawn> {
    let found = charts(page);
    let ids: Vec<&str> = found.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, expected, "the page's charts");
    for chart in &found {
        assert_well_formed(&chart.svg);
        assert!(!chart.table.is_empty(), "{}: the table has numbers", chart.id);
        let (mut drawn, mut table) = (chart.drawn.clone(), chart.table.clone());
        drawn.sort();
        table.sort();
        assert_eq!(drawn, table, "{}: the chart shows the table's numbers", chart.id);
        assert!(chart.svg.contains("viewBox=\"0 0 340 ") && chart.svg.contains("<title id="), "{}", chart.id);
    }
    found
}

fn axis<'a>(chart: &'a Drawn, which: &str) -> &'a str {
    let key = format!("data-axis=\"{which}\"");
    let at = chart.svg.find(&key).unwrap_or_else(|| panic!("{}: the {which} axis is named", chart.id));
    let text = &chart.svg[at..];
    &text[text.find('>').unwrap() + 1..text.find("</text>").unwrap()]
}

async fn english(app: &TestApp, client: &Client) {
    client.get(app.url("/lang/en")).send().await.expect("answered");
}

#[tokio::test]
async fn the_figures_page_draws_each_chart_from_its_table_with_axes_named_in_chinese() {
    let app = spawn_app().await;
    let committee = app.login(COMMITTEE, PASSWORD).await;
    let page = text(app.get(&committee, "/figures").await, StatusCode::OK).await;
    let found = assert_charts_match_tables(&page, &["branch-points", "branch-shares", "taking-part", "windows"]);
    assert!(page.len() < 100 * 1024, "under 100 KB: {}", page.len());
    assert!(
        page.contains("aria-current=\"page\" href=\"/figures\"")
            || page.contains("href=\"/figures\" aria-current=\"page\""),
        "the menu marks it"
    );

    let shares = &found[1];
    assert_eq!((axis(shares, "labels"), axis(shares, "values")), ("支部", "比例（%）"));
    assert_eq!(axis(&found[2], "labels"), "月份");
    // 第一党支部: 梁小改 (group meeting) and 胡国强 (lecture) attended, 王德福 not:
    // two of three. Its volunteer service: 梁小改 alone, one of three.
    let first = shares.rows.iter().find(|r| r[0].contains("第一党支部")).expect("the first branch's row");
    assert_eq!(first[1..3], ["66.6%".to_string(), "33.3%".to_string()], "{first:?}");
    // 第二党支部 has two members: its shares are withheld.
    let second = shares.rows.iter().find(|r| r[0].contains("第二党支部")).expect("the second branch's row");
    assert!(second[1..].iter().all(|v| v == "未公开"), "{second:?}");
    // January: both who attended in 第一党支部 and 曾文静; one served.
    let taking_part = &found[2];
    assert_eq!(taking_part.rows[0], ["1月", "3", "1"], "{:?}", taking_part.rows);
    assert_eq!(taking_part.rows.len(), 6, "January to June, the suite's month");

    english(&app, &committee).await;
    let page = text(app.get(&committee, "/figures").await, StatusCode::OK).await;
    let found = assert_charts_match_tables(&page, &["branch-points", "branch-shares", "taking-part", "windows"]);
    assert_eq!((axis(&found[1], "labels"), axis(&found[1], "values")), ("Branch", "Share (%)"));
}

#[tokio::test]
async fn satisfaction_per_window_is_shown_from_three_ratings() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let committee = app.login(COMMITTEE, PASSWORD).await;
    for (i, level) in ["satisfied", "not_satisfied", "satisfied"].into_iter().enumerate() {
        rate(&app, &f.tokens[&f.liang_households[i]], level).await;
        let page = text(app.get(&committee, "/figures").await, StatusCode::OK).await;
        let found = assert_charts_match_tables(&page, &["branch-points", "branch-shares", "taking-part", "windows"]);
        let window = found[3].rows.last().expect("the running window's row").clone();
        let expected = if i < 2 { "未公开" } else { "66.6%" };
        assert_eq!(window[1..], [expected.to_string()], "after {} ratings", i + 1);
        assert!(window[0].ends_with(&format!("，{}条", i + 1)), "the label counts the ratings: {window:?}");
    }
}

async fn rate(app: &TestApp, token: &str, level: &str) {
    let client = app.client();
    app.bind(&client, token).await;
    let path = format!("/r/{token}");
    let csrf = csrf_of(&text(app.get(&client, &path).await, StatusCode::OK).await);
    text(app.post(&client, &path, &[("csrf", &csrf), ("level", level)]).await, StatusCode::OK).await;
}

#[tokio::test]
async fn only_the_committee_and_the_auditor_open_the_figures() {
    let app = spawn_app().await;
    for (login, status) in [
        (COMMITTEE, StatusCode::OK),
        (AUDITOR, StatusCode::OK),
        (BRANCH_SECRETARY, StatusCode::FORBIDDEN),
        (MEMBER, StatusCode::FORBIDDEN),
    ] {
        let client = app.login(login, PASSWORD).await;
        let response = app.get(&client, "/figures").await;
        assert_eq!(response.status(), status, "{login}");
        let home = text(app.get(&client, if login == MEMBER { "/me" } else { "/" }).await, StatusCode::OK).await;
        assert_eq!(home.contains("href=\"/figures\""), status == StatusCode::OK, "{login}'s menu");
    }
}

#[tokio::test]
async fn my_record_charts_my_points_against_my_branch_s_median() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let member = app.login(MEMBER, PASSWORD).await;
    let page = text(app.get(&member, "/me").await, StatusCode::OK).await;
    let found = assert_charts_match_tables(&page, &["my-categories", "my-months"]);
    assert_eq!((axis(&found[0], "labels"), axis(&found[0], "values")), ("类别", "积分"));
    assert_eq!((axis(&found[1], "labels"), axis(&found[1], "values")), ("月份", "积分"));
    // All of 梁小改's 2.5 points fell on 15 January; 第一党支部 has three
    // members, so its median is shown.
    let months = &found[1].rows;
    assert_eq!(months.len(), 6, "January to June: {months:?}");
    assert_eq!(months[0][..2], ["1月".to_string(), "2.5".to_string()], "{months:?}");
    assert!(months[0][2] != "未公开", "{months:?}");
    let total: f64 = found[0].rows.iter().map(|r| r[1].parse::<f64>().expect("a number")).sum();
    assert_eq!(total, 2.5, "the categories add up to the total: {:?}", found[0].rows);

    // A household's rating in the running window stays out of the months
    // (and so out of the chart) until the window closes.
    for i in 0..3 {
        rate(&app, &f.tokens[&f.liang_households[i]], "satisfied").await;
    }
    let page = text(app.get(&member, "/me").await, StatusCode::OK).await;
    let found = assert_charts_match_tables(&page, &["my-categories", "my-months"]);
    assert_eq!(found[1].rows[5][1], "0", "June leaves the running window out: {:?}", found[1].rows);

    english(&app, &member).await;
    let page = text(app.get(&member, "/me").await, StatusCode::OK).await;
    let found = assert_charts_match_tables(&page, &["my-categories", "my-months"]);
    assert_eq!((axis(&found[1], "labels"), axis(&found[1], "values")), ("Month", "Points"));
}

#[tokio::test]
async fn the_region_s_chart_shows_the_communities_table_s_numbers() {
    let app = spawn_app_with_regions().await;
    super::region::refresh(&app).await;
    let client = app.client();
    app.sign_in(&client, CITY_OVERSEER, PASSWORD).await;
    let page = text(app.get(&client, "/region").await, StatusCode::OK).await;
    let found = assert_charts_match_tables(&page, &["communities"]);
    assert_eq!(axis(&found[0], "labels"), "社区（村）");
    // The chart's service share is the communities table's participation.
    let participation: Vec<String> = page
        .split("data-testid=\"participation\">")
        .skip(1)
        .map(|rest| rest[..rest.find('<').unwrap()].to_string())
        .collect();
    let drawn: Vec<String> = found[0].rows.iter().map(|r| r[1].clone()).collect();
    let drawn: Vec<String> = drawn.into_iter().map(|v| if v == "未公开" { "—".into() } else { v }).collect();
    assert_eq!(drawn, participation);
}
