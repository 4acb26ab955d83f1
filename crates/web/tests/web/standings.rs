//! Standings: the year so far, searchable by pinyin initials, sortable by
//! name in pinyin order, and filtered by branch.

use super::helpers::*;
use reqwest::StatusCode;

#[tokio::test]
async fn standings_rank_everyone_by_total() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let client = app.login(MEMBER, PASSWORD).await;
    let page = text(app.get(&client, "/standings").await, StatusCode::OK).await;
    // 彭雅丽 3, 梁小改 2.5, 胡国强 2, 曾文静 1, 王德福 0.
    assert_eq!(member_rows(&page), [f.peng, f.liang, f.hu, f.zeng, f.wang]);
    assert!(page.contains(&format!("· {}", f.year)), "the year is named");
}

#[tokio::test]
async fn searching_by_pinyin_initials_finds_the_member() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let client = app.login(AUDITOR, PASSWORD).await;
    let cases = [
        ("lxg", vec![f.liang]),
        ("LXG", vec![f.liang]),
        ("pyl", vec![f.peng]),
        // 曾 as a surname reads zeng, not ceng.
        ("zwj", vec![f.zeng]),
        ("h", vec![f.hu]),
        ("liangxiao", vec![f.liang]),
        ("雅丽", vec![f.peng]),
        ("xyz", vec![]),
    ];
    for (q, expected) in cases {
        let page = text(app.get(&client, &format!("/standings?q={q}")).await, StatusCode::OK).await;
        assert_eq!(member_rows(&page), expected, "q={q}");
        assert!(page.contains(&format!("name=\"q\" value=\"{q}\"")), "the search is kept in the form");
    }
}

#[tokio::test]
async fn sorting_by_name_follows_pinyin() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let client = app.login(COMMITTEE, PASSWORD).await;
    let page = text(app.get(&client, "/standings?sort=name").await, StatusCode::OK).await;
    // hu, liang, peng, wang, zeng: 曾 sorts as zeng (after wang), not as ceng (first).
    assert_eq!(member_rows(&page), [f.hu, f.liang, f.peng, f.wang, f.zeng]);
    assert!(page.contains("<option value=\"name\" selected>"));
    // Anything else sorts by rank.
    let page = text(app.get(&client, "/standings?sort=bogus").await, StatusCode::OK).await;
    assert_eq!(member_rows(&page), [f.peng, f.liang, f.hu, f.zeng, f.wang]);
}

#[tokio::test]
async fn filtering_by_branch_keeps_that_branch_only() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let client = app.login(BRANCH_SECRETARY, PASSWORD).await;

    let page = text(app.get(&client, &format!("/standings?branch={}", f.branch2)).await, StatusCode::OK).await;
    assert_eq!(member_rows(&page), [f.peng, f.zeng]);
    assert!(page.contains(&format!("<option value=\"{}\" selected>第二党支部</option>", f.branch2)), "{page}");

    let path = format!("/standings?branch={}&sort=name", f.branch1);
    let page = text(app.get(&client, &path).await, StatusCode::OK).await;
    assert_eq!(member_rows(&page), [f.hu, f.liang, f.wang]);

    let path = format!("/standings?branch={}&q=lxg", f.branch1);
    assert_eq!(member_rows(&text(app.get(&client, &path).await, StatusCode::OK).await), [f.liang]);
    let path = format!("/standings?branch={}&q=lxg", f.branch2);
    assert_eq!(member_rows(&text(app.get(&client, &path).await, StatusCode::OK).await), Vec::<i64>::new());

    // An empty or unreadable branch means all branches.
    for query in ["branch=", "branch=abc"] {
        let page = text(app.get(&client, &format!("/standings?{query}")).await, StatusCode::OK).await;
        assert_eq!(member_rows(&page).len(), 5, "{query}");
    }
}

/// A year is chosen by a picker, not by typing `?year=`; the running year
/// says that it is running, and a year with no points yet ranks nobody.
#[tokio::test]
async fn the_year_is_picked_and_a_running_or_empty_year_says_what_it_is() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let (year, last) = (f.year.get(), f.last_year().get());
    let client = app.login(MEMBER, PASSWORD).await;
    for (base, path) in [("/standings", "/standings"), ("/me", "/me")] {
        // The running year by default: picked, and said to be running.
        let page = text(app.get(&client, path).await, StatusCode::OK).await;
        assert!(page.contains(&format!("href=\"{base}?year={last}\"")), "{base} offers {last}:\n{page}");
        assert!(page.contains(&format!("<strong aria-current=\"page\">{year}</strong>")), "{year} is marked:\n{page}");
        assert!(page.contains("data-testid=\"year-running\"") && page.contains("正在进行中"), "{base}:\n{page}");
        assert!(!page.contains("data-testid=\"nothing-to-rank\""), "{base}: this year has points");

        // Last year: over, and with no points in the fixture: nobody is ranked.
        let page = text(app.get(&client, &format!("{base}?year={last}")).await, StatusCode::OK).await;
        assert!(page.contains(&format!("href=\"{base}?year={year}\"")), "{base} offers {year}");
        assert!(!page.contains("data-testid=\"year-running\""), "{last} is over:\n{page}");
        assert!(page.contains("data-testid=\"nothing-to-rank\"") && page.contains("暂不排名"), "{page}");
        assert!(!page.contains("data-testid=\"rank\"") && !page.contains('☆'), "no rank, no stars:\n{page}");
    }
    // Standings of an empty year list everyone without a rank.
    let page = text(app.get(&client, &format!("/standings?year={last}")).await, StatusCode::OK).await;
    let row = row_containing(&page, &format!("data-member=\"{}\"", f.liang)).expect("she is listed");
    assert!(row.contains("<td class=\"num\">–</td>"), "no rank: {row}");
    // The filter keeps the year picked.
    assert!(page.contains(&format!("name=\"year\" value=\"{last}\"")), "{page}");

    // The rating page of the running year says why it is not published.
    let committee = app.login(COMMITTEE, PASSWORD).await;
    let page = text(app.get(&committee, &format!("/rating?year={year}")).await, StatusCode::OK).await;
    assert!(page.contains("data-testid=\"not-publishable\"") && page.contains("年终后才能发布公示"), "{page}");
    let page = text(app.get(&committee, &format!("/rating?year={last}")).await, StatusCode::OK).await;
    assert!(!page.contains("data-testid=\"not-publishable\""), "{last} can be published:\n{page}");
}
