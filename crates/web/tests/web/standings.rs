//! Standings: the year so far, searchable by pinyin initials, sortable by
//! name in pinyin order, and filtered by branch.

use super::helpers::*;
use reqwest::StatusCode;
use starledger_domain::org::MemberId;

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
    assert_eq!(member_rows(&text(app.get(&client, &path).await, StatusCode::OK).await), Vec::<MemberId>::new());

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

/// The standings are kept between requests; what they are computed from
/// may change through any path (another server, the command line, a bulk
/// load), so the change must show on the next page however it was made.
#[tokio::test]
async fn a_change_made_outside_this_server_shows_on_the_next_page() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let client = app.login(AUDITOR, PASSWORD).await;
    let before = text(app.get(&client, "/standings").await, StatusCode::OK).await;
    assert_eq!(member_rows(&before), [f.peng, f.liang, f.hu, f.zeng, f.wang]);

    // Entries written straight to the store, as the command line would: 王德福 goes first.
    let zhao = f.accounts[COMMITTEE_2];
    for n in 0..4 {
        app.add_entry(f.wang, "volunteer.cleanup", zhao, &format!("outside-{n}")).await;
    }
    let after = text(app.get(&client, "/standings").await, StatusCode::OK).await;
    assert_eq!(member_rows(&after)[0], f.wang, "the new entries count:\n{after}");

    // A branch renamed and a member renamed behind the server's back.
    app.execute(&format!("UPDATE branches SET name = '东风党支部' WHERE id = {}", f.branch1)).await;
    app.execute(&format!("UPDATE members SET name = '王德富' WHERE id = {}", f.wang)).await;
    let renamed = text(app.get(&client, "/standings").await, StatusCode::OK).await;
    let row = row_containing(&renamed, &format!("data-member=\"{}\"", f.wang)).expect("王德富's row");
    assert!(row.contains("王德富") && row.contains("东风党支部"), "{row}");
}

#[tokio::test]
async fn standings_come_in_pages_that_keep_the_search() {
    let app = spawn_app().await;
    let f = &app.fixture;
    // 5 members in the fixture and 60 more: 65 in all, two pages of 50.
    for n in 0..60 {
        app.add_member(NewPerson::in_branch(f.branch2, &format!("李{}", ["一", "二", "三", "四", "五", "六"][n % 6])))
            .await;
    }
    let client = app.login(AUDITOR, PASSWORD).await;
    let first = text(app.get(&client, "/standings").await, StatusCode::OK).await;
    assert_eq!(member_rows(&first).len(), 50, "{first}");
    assert_eq!(member_rows(&first)[..5], [f.peng, f.liang, f.hu, f.zeng, f.wang], "ranked first, on page 1");
    assert!(first.contains("1 / 2"), "{first}");
    // The link as the browser follows it, with the page's escaping of `&` undone.
    let next = first
        .split("href=\"")
        .filter_map(|rest| rest.split('"').next())
        .map(|href| href.replace("&#38;", "&").replace("&amp;", "&"))
        .find(|href| href.contains("page=2"))
        .unwrap_or_else(|| panic!("a link to page 2:\n{first}"));
    assert_eq!(next, format!("/standings?year={}&q=&sort=rank&page=2", f.year));
    let second = text(app.get(&client, &next).await, StatusCode::OK).await;
    assert_eq!(member_rows(&second).len(), 15);
    assert!(member_rows(&second).iter().all(|m| !member_rows(&first).contains(m)), "no one twice");
    // A page past the end shows the last one; a search narrows and its pages keep it.
    let past = text(app.get(&client, "/standings?page=99").await, StatusCode::OK).await;
    assert_eq!(member_rows(&past), member_rows(&second));
    let searched = text(app.get(&client, "/standings?q=ly").await, StatusCode::OK).await;
    assert_eq!(member_rows(&searched).len(), 10, "李一 ×10:\n{searched}");
    assert!(!searched.contains("1 / "), "one page needs no pager");
}
