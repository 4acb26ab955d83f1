//! A region's overseer (组织部, /region): 十里社区 sits in 许昌市/甲区/甲街道
//! and 五里社区 in 许昌市/乙区/乙街道. The city's overseer compares both, the
//! county's sees 十里社区 alone, another city's sees nothing; each reads
//! aggregates only (no member, phone, household or link), figures over fewer
//! than three people are withheld, and every community page and write is
//! refused to an overseer, as /region is to a community's account.

use super::helpers::*;
use super::scoping::{
    adjustment_form, assert_unchanged, everything, file_record, id_pages, id_writes, members_post, our_objects, pairs,
    post_with_csrf,
};
use jiff::ToSpan;
use reqwest::{Client, StatusCode};
use starledger_domain::org::CommunityId;
use starledger_domain::points::Points;
use std::cmp::Reverse;
use std::collections::BTreeMap;

// ---- reading the region's page ------------------------------------------------------

/// The texts of a row's cells (`<td>` and `<th>`), tags stripped, spaces collapsed.
fn cells(row: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = row;
    while let Some(at) = rest.find("<t") {
        let kind = rest[at + 2..].chars().next().unwrap_or(' ');
        if kind != 'd' && kind != 'h' {
            rest = &rest[at + 2..];
            continue;
        }
        let open = at + rest[at..].find('>').expect("the tag ends") + 1;
        let close = format!("</t{kind}>");
        let end = open + rest[open..].find(&close).expect("the cell ends");
        out.push(strip_tags(&rest[open..end]));
        rest = &rest[end + close.len()..];
    }
    out
}

fn strip_tags(html: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The part of a page from `data-testid="{id}"` to the end of its table.
fn table<'a>(html: &'a str, id: &str) -> &'a str {
    let marker = format!("data-testid=\"{id}\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no table {id} in:\n{html}"));
    let end = start + html[start..].find("</table>").expect("the table ends");
    &html[start..end]
}

/// Each `<tr {attribute}="…">` of a table: the attribute's value and the cells.
fn rows_by(html: &str, attribute: &str) -> Vec<(String, Vec<String>)> {
    let marker = format!("<tr {attribute}=\"");
    html.split(&marker)
        .skip(1)
        .map(|rest| {
            let key = rest[..rest.find('"').expect("the value ends")].to_string();
            let row = &rest[..rest.find("</tr>").expect("the row ends")];
            (key, cells(&format!("<tr {row}")))
        })
        .collect()
}

/// The communities table: community name -> cells.
fn community_rows(page: &str) -> BTreeMap<String, Vec<String>> {
    rows_by(table(page, "communities"), "data-community").into_iter().collect()
}

/// The branches table, in page order: "community/branch" and cells.
fn branch_rows(page: &str) -> Vec<(String, Vec<String>)> {
    rows_by(table(page, "branches"), "data-branch")
}

fn total_row(page: &str) -> Vec<String> {
    let communities = table(page, "communities");
    let start = communities.find("data-testid=\"region-total\"").expect("a total row");
    let row = &communities[start..start + communities[start..].find("</tr>").expect("the row ends")];
    cells(&format!("<tr {row}"))
}

async fn region_page(app: &TestApp, client: &Client, query: &str) -> String {
    text(app.get(client, &format!("/region{query}")).await, StatusCode::OK).await
}

/// Recomputes both communities' figures, as the server does every ten minutes.
pub(super) async fn refresh(app: &TestApp) {
    let n = app.neighbour.as_ref().expect("the neighbour community");
    let mut tx = app.store.write().await.expect("a write transaction");
    for community in [app.fixture.community, n.community] {
        tx.refresh_stats(community, super::helpers::now()).await.expect("the figures");
    }
    tx.commit().await.expect("the figures are written");
}

// ---- what the figures must be, from the communities' own rows and pages ---------------

/// A share as the page prints it, or a dash over fewer than three.
fn share(part: usize, whole: usize) -> String {
    if whole < 3 {
        return "—".into();
    }
    let per_mille = part * 1000 / whole;
    format!("{}.{}%", per_mille / 10, per_mille % 10)
}

/// One member as the community's own standings page shows them.
struct Ranked {
    branch: String,
    eligible: bool,
    stars: usize,
    total: Points,
}

/// The expected figures of a group of members (a community or a branch).
#[derive(Default)]
struct Expected {
    members: usize,
    serving: usize,
    ratings: [usize; 3],
    ranked: Vec<(bool, usize, i64)>,
}

impl Expected {
    fn eligible(&self) -> usize {
        self.ranked.iter().filter(|(eligible, ..)| *eligible).count()
    }

    fn stars(&self, stars: usize) -> usize {
        self.ranked.iter().filter(|(eligible, s, _)| *eligible && *s == stars).count()
    }

    fn below_three(&self) -> usize {
        self.ranked.iter().filter(|(eligible, s, _)| *eligible && *s < 3).count()
    }

    fn participation(&self) -> String {
        share(self.serving, self.members)
    }

    fn satisfaction(&self) -> String {
        let all: usize = self.ratings.iter().sum();
        share(self.ratings[0] + self.ratings[1], all)
    }

    /// Where a branch ranks: by five-star share, then by participation, both
    /// falling; a withheld share last.
    fn rank_key(&self) -> (bool, Reverse<Option<usize>>, Reverse<Option<usize>>) {
        let five = (self.eligible() >= 3).then(|| self.stars(5) * 1000 / self.eligible());
        let part = (self.members >= 3).then(|| self.serving * 1000 / self.members);
        (five.is_none(), Reverse(five), Reverse(part))
    }

    fn five_star_share(&self) -> String {
        share(self.stars(5), self.eligible())
    }

    /// Nearest rank over eligible members' totals; a dash below three.
    fn percentile(&self, p: usize) -> String {
        let mut totals: Vec<i64> = self.ranked.iter().filter(|(e, ..)| *e).map(|(_, _, t)| *t).collect();
        if totals.len() < 3 {
            return "—".into();
        }
        totals.sort_unstable();
        let rank = (p * totals.len()).div_ceil(100).max(1);
        Points::from_tenths(totals[rank - 1]).to_string()
    }

    /// The communities table's row: name, street, members, participation,
    /// satisfaction (ratings), ★5, ★4, ★3, <3, P10, P50, P90, state.
    fn community_row(&self, name: &str, street: &str, state: &str) -> Vec<String> {
        let ratings: usize = self.ratings.iter().sum();
        vec![
            name.to_string(),
            street.to_string(),
            self.members.to_string(),
            self.participation(),
            format!("{} ({ratings})", self.satisfaction()),
            self.stars(5).to_string(),
            self.stars(4).to_string(),
            self.stars(3).to_string(),
            self.below_three().to_string(),
            self.percentile(10),
            self.percentile(50),
            self.percentile(90),
            state.to_string(),
        ]
    }

    /// The branches table's row after its place: branch, community, rated,
    /// ★5, five-star share, participation, satisfaction, state.
    fn branch_row(&self, community: &str, branch: &str, state: &str) -> Vec<String> {
        vec![
            branch.to_string(),
            community.to_string(),
            self.eligible().to_string(),
            self.stars(5).to_string(),
            self.five_star_share(),
            self.participation(),
            self.satisfaction(),
            state.to_string(),
        ]
    }
}

/// Each member of the community's standings for `year`, read by `login`.
async fn standings(app: &TestApp, login: &str, year: i16) -> Vec<Ranked> {
    let client = app.login(login, PASSWORD).await;
    let page = text(app.get(&client, &format!("/standings?year={year}")).await, StatusCode::OK).await;
    rows_by(&page, "data-member")
        .into_iter()
        .map(|(_, cells)| Ranked {
            eligible: cells[0] != "–",
            branch: cells[2].clone(),
            total: cells[3].parse().unwrap_or_else(|_| panic!("a total: {cells:?}")),
            stars: cells[4].chars().filter(|c| *c == '★').count(),
        })
        .collect()
}

/// The expected figures of a community and of each of its branches (by
/// name), from its members, ledger and household ratings, and from its own
/// standings page (eligibility, stars and totals), read by `login`.
async fn expected(
    app: &TestApp,
    community: CommunityId,
    login: &str,
    year: i16,
) -> (Expected, BTreeMap<String, Expected>) {
    let mut whole = Expected::default();
    let mut branches: BTreeMap<String, Expected> = BTreeMap::new();
    let roll: Vec<(String,)> = app
        .rows(&format!(
            "SELECT b.name FROM members m JOIN branches b ON b.id = m.branch_id WHERE m.community_id = {community} \
             AND (m.joined_on IS NULL OR m.joined_on <= '{year}-12-31') \
             AND (m.left_on IS NULL OR m.left_on >= '{year}-01-01')"
        ))
        .await;
    for (branch,) in roll {
        whole.members += 1;
        branches.entry(branch).or_default().members += 1;
    }
    // Serving: credited with volunteer service, net of reversals and penalties.
    let serving: Vec<(String,)> = app
        .rows(&format!(
            "SELECT b.name FROM ledger_entries e JOIN members m ON m.id = e.member_id \
             JOIN branches b ON b.id = m.branch_id \
             WHERE e.community_id = {community} AND e.year = {year} AND e.rule_key LIKE 'volunteer.%' \
             GROUP BY e.member_id, b.name HAVING SUM(e.points_tenths) > 0"
        ))
        .await;
    for (branch,) in serving {
        whole.serving += 1;
        branches.entry(branch).or_default().serving += 1;
    }
    let ratings: Vec<(String, String)> = app
        .rows(&format!(
            "SELECT b.name, r.level FROM household_ratings r JOIN ledger_entries e ON e.id = r.entry_id \
             JOIN members m ON m.id = r.member_id JOIN branches b ON b.id = m.branch_id \
             WHERE r.community_id = {community} AND e.year = {year}"
        ))
        .await;
    for (branch, level) in ratings {
        let at = ["satisfied", "basically_satisfied", "not_satisfied"].iter().position(|l| *l == level).unwrap();
        whole.ratings[at] += 1;
        branches.entry(branch).or_default().ratings[at] += 1;
    }
    for ranked in standings(app, login, year).await {
        let one = (ranked.eligible, ranked.stars, ranked.total.tenths());
        whole.ranked.push(one);
        branches.entry(ranked.branch).or_default().ranked.push(one);
    }
    (whole, branches)
}

/// Opens the household's link and rates its member.
async fn rate(app: &TestApp, token: &str, level: &str) {
    let client = app.client();
    app.bind(&client, token).await;
    let path = format!("/r/{token}");
    let csrf = csrf_of(&text(app.get(&client, &path).await, StatusCode::OK).await);
    let response = app.post(&client, &path, &[("csrf", &csrf), ("level", level)]).await;
    text(response, StatusCode::OK).await;
}

// ---- the tests ----------------------------------------------------------------------

#[tokio::test]
async fn the_city_s_overseer_lands_on_the_region_and_compares_both_communities() {
    let app = spawn_app_with_regions().await;
    let f = &app.fixture;
    let n = app.neighbour.as_ref().expect("the neighbour community");
    // Households rate, so that satisfaction has figures: 梁小改's four, 彭雅丽's one.
    let levels = ["satisfied", "satisfied", "satisfied", "not_satisfied"];
    for (household, level) in f.liang_households.iter().zip(levels) {
        rate(&app, &f.tokens[household], level).await;
    }
    rate(&app, &f.tokens[&f.peng_household], "basically_satisfied").await;
    rate(&app, &n.token, "satisfied").await;
    // Commendations, so that the stars differ: 梁小改 92.5 (★5, the one
    // five-star place of five), 彭雅丽 84 (★4), 胡国强 65 (★3).
    let by = f.accounts[COMMITTEE_2];
    for (member, count) in [(f.liang, 30), (f.peng, 27), (f.hu, 21)] {
        app.add_entries_in(f.year, member, "integrity.commendation", by, &format!("praise-{member}"), count).await;
    }
    refresh(&app).await;

    let client = app.client();
    assert_redirect(&app.sign_in(&client, CITY_OVERSEER, PASSWORD).await, "/region");
    assert_redirect(&app.get(&client, "/").await, "/region");
    let year = f.year.get();
    let page = region_page(&app, &client, "").await;
    assert!(
        page.contains("<h1>许昌市</h1>") && page.contains(&format!("<h2>{year} ·")),
        "this year by default:\n{page}"
    );
    assert!(page.contains(&format!("href=\"/region?year={}\"", f.last_year().get())), "last year is offered");

    let (shili, shili_branches) = expected(&app, f.community, COMMITTEE, year).await;
    let (wuli, wuli_branches) = expected(&app, n.community, NEIGHBOUR_COMMITTEE, year).await;
    assert_eq!((shili.members, shili.serving, shili.ratings), (5, 1, [3, 1, 1]), "the fixture as written");
    assert_eq!([5, 4, 3].map(|stars| shili.stars(stars)), [1, 1, 1], "the stars as written");
    assert_eq!((wuli.members, wuli.ratings), (2, [1, 0, 0]));
    let rows = community_rows(&page);
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows["十里社区"], shili.community_row("十里社区", "甲街道", "预计"));
    assert_eq!(rows["五里社区"], wuli.community_row("五里社区", "乙街道", "预计"));
    let sum = |f: fn(&Expected) -> usize| (f(&shili) + f(&wuli)).to_string();
    let total = total_row(&page);
    assert_eq!(total[2..4], [sum(|e| e.members), share(shili.serving + wuli.serving, shili.members + wuli.members)]);
    assert_eq!(
        total[5..9],
        [sum(|e| e.stars(5)), sum(|e| e.stars(4)), sum(|e| e.stars(3)), sum(Expected::below_three)]
    );

    // Every branch, ranked by five-star share, then participation; withheld last.
    let mut lines: Vec<(String, &Expected, Vec<String>)> = Vec::new();
    for (community, branches) in [("十里社区", &shili_branches), ("五里社区", &wuli_branches)] {
        for (branch, e) in branches {
            lines.push((format!("{community}/{branch}"), e, e.branch_row(community, branch, "预计")));
        }
    }
    // The store lists them by community and branch name; the ranking is stable.
    lines.sort_by(|a, b| a.0.cmp(&b.0));
    lines.sort_by_key(|(_, e, _)| e.rank_key());
    let branches = branch_rows(&page);
    let keys: Vec<&str> = branches.iter().map(|(key, _)| key.as_str()).collect();
    assert_eq!(keys, lines.iter().map(|l| l.0.as_str()).collect::<Vec<_>>(), "the ranking");
    assert_eq!(keys[0], "十里社区/第一党支部", "the only branch with a five-star share comes first");
    for (place, ((key, cells), (.., row))) in branches.iter().zip(&lines).enumerate() {
        assert_eq!(cells[0], (place + 1).to_string(), "{key}'s place");
        assert_eq!(&cells[1..], row.as_slice(), "{key}");
    }
}

#[tokio::test]
async fn the_county_s_overseer_sees_its_county_only_and_another_city_s_sees_nothing() {
    let app = spawn_app_with_regions().await;
    let county = app.login(COUNTY_OVERSEER, PASSWORD).await;
    for query in [String::new(), format!("?year={}", app.fixture.last_year().get())] {
        let page = region_page(&app, &county, &query).await;
        assert!(page.contains("<h1>许昌市/甲区</h1>"), "{page}");
        assert_eq!(community_rows(&page).keys().collect::<Vec<_>>(), ["十里社区"], "{query}");
        let branches: Vec<String> = branch_rows(&page).into_iter().map(|(key, _)| key).collect();
        assert_eq!(branches.len(), 2, "{branches:?}");
        assert!(branches.iter().all(|b| b.starts_with("十里社区/")), "{branches:?}");
        assert!(!page.contains("五里") && !page.contains("乙区") && !page.contains("乙街道"), "{query}:\n{page}");
        let sql = format!("SELECT COUNT(*) FROM members WHERE community_id = {}", app.fixture.community);
        assert_eq!(total_row(&page)[2], app.count(&sql).await.to_string(), "the total is the county's");
    }

    let elsewhere = app.login(OTHER_CITY_OVERSEER, PASSWORD).await;
    let page = region_page(&app, &elsewhere, "").await;
    assert!(page.contains("<h1>淄博市</h1>") && page.contains("data-testid=\"no-figures\""), "{page}");
    assert!(!page.contains("data-testid=\"communities\"") && !page.contains("data-testid=\"branches\""));
    for name in ["十里", "五里", "许昌市", "党支部"] {
        assert!(!page.contains(name), "another city's overseer reads {name}:\n{page}");
    }
    // Asking for a year by number changes nothing.
    let page = region_page(&app, &elsewhere, &format!("?year={}", app.fixture.year.get())).await;
    assert!(page.contains("data-testid=\"no-figures\"") && !page.contains("十里"), "{page}");
}

#[tokio::test]
async fn the_region_s_page_names_no_member_phone_household_or_link() {
    let app = spawn_app_with_regions().await;
    let f = &app.fixture;
    let n = app.neighbour.as_ref().expect("the neighbour community");
    let city = app.login(CITY_OVERSEER, PASSWORD).await;
    let names: Vec<(String,)> = app.rows("SELECT name FROM members UNION SELECT name FROM accounts").await;
    let phones: Vec<(String,)> = app.rows("SELECT phone FROM members WHERE phone IS NOT NULL").await;
    let addresses: Vec<(String,)> = app.rows("SELECT address FROM households").await;
    let tokens: Vec<(String,)> = app.rows("SELECT token FROM household_tokens").await;
    let logins: Vec<(String,)> = app.rows("SELECT login FROM accounts WHERE community_id IS NOT NULL").await;
    assert!(names.iter().any(|(name,)| name == "邻居甲") && tokens.iter().any(|(t,)| *t == n.token));
    let mut secrets: Vec<String> =
        vec![PENG_PHONE.into(), PENG_PHONE_MASKED.into(), "邻居甲".into(), "五里南街9号".into()];
    secrets.extend(LIANG_ADDRESSES.iter().map(|a| a.to_string()));
    secrets.extend(f.tokens.values().cloned());
    for (phone,) in &phones {
        secrets.push(phone.clone());
        secrets.push(format!("{}****{}", &phone[..3], &phone[phone.len() - 4..]));
    }
    secrets.extend(addresses.into_iter().chain(tokens).map(|(s,)| s));
    // The overseer's own name is on its page; the communities' people are not.
    secrets.extend(names.into_iter().map(|(s,)| s).filter(|name| !name.ends_with("组织部")));
    let logins: Vec<String> = logins.into_iter().map(|(s,)| s).collect();

    for query in [String::new(), format!("?year={}", f.last_year().get()), format!("?year={}", f.year.get())] {
        let page = region_page(&app, &city, &query).await;
        assert!(page.contains("十里社区") && page.contains("五里社区"), "{page}");
        for secret in &secrets {
            assert!(!page.contains(secret.as_str()), "/region{query} shows {secret}:\n{page}");
        }
        for login in &logins {
            // Logins are short latin words: look for them as attribute values or cell texts only.
            for shape in [format!("\"{login}\""), format!(">{login}<")] {
                assert!(!page.contains(&shape), "/region{query} shows the login {login}");
            }
        }
        assert!(!page.contains("data-member=") && !page.contains("data-household="), "{page}");
    }
}

#[tokio::test]
async fn figures_over_fewer_than_three_people_are_withheld() {
    let app = spawn_app_with_regions().await;
    let n = app.neighbour.as_ref().expect("the neighbour community");
    let city = app.login(CITY_OVERSEER, PASSWORD).await;
    let page = region_page(&app, &city, "").await;

    // 五里社区 has two members: every share and percentile is a dash.
    let wuli = &community_rows(&page)["五里社区"];
    assert_eq!(wuli[2], "2");
    assert_eq!([&wuli[3], &wuli[9], &wuli[10], &wuli[11]], ["—"; 4], "{wuli:?}");
    assert!(wuli[4].starts_with("— ("), "{wuli:?}");
    let branches: BTreeMap<String, Vec<String>> = branch_rows(&page).into_iter().collect();
    // 五里第一党支部 (1 member) and 十里社区's 第二党支部 (2 members) are withheld...
    for key in ["五里社区/五里第一党支部", "十里社区/第二党支部"] {
        assert_eq!([&branches[key][5], &branches[key][6]], ["—"; 2], "{key}: {:?}", branches[key]);
    }
    // ... 第一党支部 (3 members) is not.
    let first = &branches["十里社区/第一党支部"];
    assert!(first[6].ends_with('%'), "{first:?}");
    assert!(community_rows(&page)["十里社区"][3].ends_with('%'));

    // One more member makes three: the neighbour's shares appear.
    for name in ["邻居乙"] {
        app.add_member_in(n.community, NewPerson::in_branch(n.branch, name)).await;
    }
    refresh(&app).await;
    let page = region_page(&app, &city, "").await;
    let wuli = &community_rows(&page)["五里社区"];
    assert_eq!((wuli[2].as_str(), wuli[3].as_str()), ("3", "0.0%"), "{wuli:?}");
    let branch =
        &branch_rows(&page).into_iter().find(|(key, _)| key == "五里社区/五里第一党支部").expect("the branch").1;
    assert_eq!(branch[6], "0.0%", "{branch:?}");
    assert!(!page.contains("邻居乙") && !page.contains("邻居丙"));
}

#[tokio::test]
async fn a_community_s_accounts_are_refused_the_region_s_page() {
    let app = spawn_app_with_regions().await;
    for login in [COMMITTEE, COMMITTEE_2, AUDITOR, BRANCH_SECRETARY, MEMBER, NEIGHBOUR_COMMITTEE] {
        let client = app.login(login, PASSWORD).await;
        let page = text(app.get(&client, "/region").await, StatusCode::FORBIDDEN).await;
        assert!(!page.contains("data-testid=\"communities\"") && !page.contains("五里社区"), "{login}:\n{page}");
        // A community's account still lands on its dashboard or record.
        assert_ne!(app.get(&client, "/").await.status(), StatusCode::FORBIDDEN, "{login}");
    }
    assert_redirect(&app.get(&app.client(), "/region").await, "/login");
}

#[tokio::test]
async fn an_overseer_opens_no_community_page_and_writes_nothing() {
    let app = spawn_app_with_regions().await;
    let f = &app.fixture;
    let ours = our_objects(&app).await;
    let city = app.login(CITY_OVERSEER, PASSWORD).await;
    let csrf = app.csrf(&city).await;
    let before = everything(&app).await;
    let (year, last) = (f.year.get(), f.last_year().get());

    assert_redirect(&app.get(&city, "/").await, "/region");
    let mut pages: Vec<String> = [
        "/me",
        "/standings",
        "/households",
        "/households/cards",
        "/claims",
        "/reviews",
        "/meetings",
        "/activities",
        "/integrity",
        "/ballots",
        "/adjustments",
        "/rating",
        "/robots",
        "/honours",
    ]
    .map(String::from)
    .to_vec();
    pages.extend([
        format!("/standings?branch={}", f.branch1),
        format!("/households/cards?branch={}", f.branch1),
        format!("/rating?year={last}"),
        format!("/honours?year={last}"),
        format!("/me?year={year}"),
        format!("/members/{}/stars", f.peng),
    ]);
    pages.extend(id_pages(&ours));
    for path in &pages {
        let page = text(app.get(&city, path).await, StatusCode::FORBIDDEN).await;
        for secret in ["梁小改", "彭雅丽", "东街1号", PENG_PHONE_MASKED, "邻居甲"] {
            assert!(!page.contains(secret), "GET {path} shows {secret} to the overseer:\n{page}");
        }
    }

    let (liang, hu, peng) = (f.liang.to_string(), f.hu.to_string(), f.peng.to_string());
    let (branch1, branch2, household) =
        (f.branch1.to_string(), f.branch2.to_string(), f.unlinked_household.to_string());
    let (starts, ends) = (starts_in(60), starts_in(120));
    let mut writes: Vec<(String, Vec<(String, String)>)> = vec![
        ("/households/links".into(), vec![]),
        ("/households/link".into(), pairs(&[("action", "link"), ("member", &liang), ("h", &household)])),
        (
            "/meetings".into(),
            pairs(&[
                ("rule", "meeting.branch_general"),
                ("branch", &branch1),
                ("group", ""),
                ("title", "支部党员大会"),
                ("place", "社区党群服务中心"),
                ("starts_at", &starts),
            ]),
        ),
        (
            "/activities".into(),
            pairs(&[
                ("rule", "volunteer.cleanup"),
                ("title", "环境整治"),
                ("place", "东街"),
                ("starts_at", &starts),
                ("ends_at", &ends),
                ("slots", "20"),
            ]),
        ),
        ("/ballots".into(), pairs(&[("branch", &branch2), ("year", &year.to_string())])),
        ("/adjustments".into(), adjustment_form(f.hu)),
        ("/integrity/relatives".into(), pairs(&[("member", &liang), ("relative", &hu), ("relation", "兄妹")])),
        (format!("/rating/{last}/publish"), pairs(&[("confirm", "yes")])),
        (format!("/rating/{last}/objections"), pairs(&[("member", &peng), ("text", "走访次数与实际不符，请核实")])),
        (format!("/rating/{last}/finalize"), pairs(&[("confirm", "yes")])),
        (format!("/rating/{last}/reopen"), pairs(&[("reason", "发现漏记的积分，需要更正")])),
        (
            "/robots".into(),
            pairs(&[
                ("platform", "wecom"),
                ("name", "党建工作群"),
                ("url", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x"),
                ("secret", ""),
            ]),
        ),
        (format!("/households/{}/revoke", f.peng_household), vec![]),
    ];
    writes.extend(id_writes(&ours));
    for (path, form) in &writes {
        let response = post_with_csrf(&app, &city, &csrf, path, form).await;
        text(response, StatusCode::FORBIDDEN).await;
    }
    // The multipart forms: an integrity record, a visit and a study week.
    text(file_record(&app, &city, &csrf, f.peng).await, StatusCode::FORBIDDEN).await;
    let date = today().to_string();
    let visit = [
        Part::Text("csrf", &csrf),
        Part::Text("household", &household),
        Part::Text("date", &date),
        Part::Text("note", "走访了解情况"),
        Part::File("photo", "photo.png", "image/png", PNG),
    ];
    text(app.post_multipart(&city, "/claims/visit", &visit).await, StatusCode::FORBIDDEN).await;
    let study =
        [Part::Text("csrf", &csrf), Part::Text("date", &date), Part::File("photo", "s.jpg", "image/jpeg", JPEG)];
    text(app.post_multipart(&city, "/claims/study", &study).await, StatusCode::FORBIDDEN).await;

    assert_unchanged(&before, &everything(&app).await, "an overseer's requests");
    assert_eq!(app.work(CITY_OVERSEER).await, Vec::<String>::new(), "nothing audited as the overseer's work");
    // The overseer still reads its own page.
    region_page(&app, &city, "").await;
}

#[tokio::test]
async fn an_overseer_changes_its_password_and_signs_out_outside_any_community() {
    let app = spawn_app_with_regions().await;
    let client = app.client();
    assert_redirect(&app.sign_in(&client, COUNTY_OVERSEER, PASSWORD).await, "/region");
    let page = region_page(&app, &client, "").await;
    assert!(page.contains("甲区委组织部") && page.contains("href=\"/password\""), "the nav names the overseer");
    let form_page = text(app.get(&client, "/password").await, StatusCode::OK).await;
    assert!(!form_page.contains("十里社区"), "{form_page}");

    let new = "a brand new password";
    let csrf = app.csrf(&client).await;
    let form = [("csrf", csrf.as_str()), ("current", PASSWORD), ("new", new), ("repeat", new)];
    assert_redirect(&app.post(&client, "/password", &form).await, "/");
    assert_redirect(&app.get(&client, "/").await, "/region");
    region_page(&app, &client, "").await;
    let csrf = app.csrf(&client).await;
    assert_redirect(&app.post(&client, "/logout", &[("csrf", &csrf)]).await, "/login");
    assert_redirect(&app.get(&client, "/region").await, "/login");

    let again = app.client();
    assert_eq!(app.sign_in(&again, COUNTY_OVERSEER, PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
    assert_redirect(&app.sign_in(&again, COUNTY_OVERSEER, new).await, "/region");
    let csrf = app.csrf(&again).await;
    assert_redirect(&app.post(&again, "/logout/everywhere", &[("csrf", &csrf)]).await, "/login");
    assert_redirect(&app.get(&again, "/region").await, "/login");

    let id = app.fixture.accounts[COUNTY_OVERSEER];
    let audited: Vec<(String, Option<i64>)> = app
        .rows(&format!(
            "SELECT action, community_id FROM audit_log WHERE actor = 'account:{id} ({COUNTY_OVERSEER})' ORDER BY id"
        ))
        .await;
    let actions: Vec<&str> = audited.iter().map(|(action, _)| action.as_str()).collect();
    assert_eq!(actions, ["login", "password.change", "logout", "login.failed", "login", "logout.everywhere"]);
    assert!(
        audited.iter().all(|(_, community)| community.is_none()),
        "an overseer's acts belong to no community: {audited:?}"
    );
}

#[tokio::test]
async fn a_year_finalized_by_the_committee_shows_as_final() {
    let app = spawn_app_with_regions().await;
    let f = &app.fixture;
    let last = f.last_year().get();
    let city = app.login(CITY_OVERSEER, PASSWORD).await;
    let page = region_page(&app, &city, &format!("?year={last}")).await;
    assert_eq!(community_rows(&page)["十里社区"][12], "预计", "not final before the committee finalizes");

    let committee = app.login(COMMITTEE_2, PASSWORD).await;
    let csrf = app.csrf(&committee).await;
    assert_redirect(
        &app.post(&committee, &format!("/rating/{last}/publish"), &[("csrf", &csrf), ("confirm", "yes")]).await,
        &format!("/rating?year={last}"),
    );
    let (from, until) = (today() - 10.days(), today() - 6.days());
    app.execute(&format!(
        "UPDATE rating_rounds SET notice_from = '{from}', notice_until = '{until}' WHERE community_id = {} AND year = {last}",
        f.community
    ))
    .await;
    assert_redirect(
        &app.post(&committee, &format!("/rating/{last}/finalize"), &[("csrf", &csrf), ("confirm", "yes")]).await,
        &format!("/honours?year={last}"),
    );

    // Without a year asked, the latest year with final stars.
    let page = region_page(&app, &city, "").await;
    assert!(page.contains(&format!("<h2>{last} ·")), "the final year by default:\n{page}");
    let rows = community_rows(&page);
    assert_eq!((rows["十里社区"][12].as_str(), rows["五里社区"][12].as_str()), ("已确认", "预计"));
    for (key, cells) in branch_rows(&page) {
        let state = if key.starts_with("十里社区/") { "已确认" } else { "预计" };
        assert_eq!(cells[8], state, "{key}");
    }
    // The stars shown are the finalized ones.
    let five = app
        .count(&format!(
            "SELECT COUNT(*) FROM final_stars WHERE community_id = {} AND year = {last} AND stars = 5",
            f.community
        ))
        .await;
    assert_eq!(rows["十里社区"][5], five.to_string());
    let page = region_page(&app, &city, &format!("?year={}", f.year.get())).await;
    assert_eq!(community_rows(&page)["十里社区"][12], "预计", "the running year stays provisional");
}

/// A no-show (报名未到, `volunteer.no_show`) is a penalty for not serving: a
/// member whose only volunteer entry is one took no part in volunteer service.
#[tokio::test]
async fn a_no_show_is_not_volunteer_service() {
    let app = spawn_app_with_regions().await;
    let f = &app.fixture;
    let committee = app.login(COMMITTEE, PASSWORD).await;
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let activity = app.publish_service(&committee, "volunteer.cleanup", 60, 120).await;
    app.join_service(&secretary, activity).await;
    app.reschedule_service(activity, -180, -120).await;
    let csrf = app.csrf(&committee).await;
    let response = app.post(&committee, &format!("/activities/{activity}/no_shows"), &[("csrf", &csrf)]).await;
    assert_redirect(&response, &format!("/activities/{activity}"));
    let sql =
        format!("SELECT COUNT(*) FROM ledger_entries WHERE member_id = {} AND rule_key = 'volunteer.no_show'", f.hu);
    assert_eq!(app.count(&sql).await, 1, "胡国强's no-show is recorded");
    refresh(&app).await;

    let city = app.login(CITY_OVERSEER, PASSWORD).await;
    let page = region_page(&app, &city, &format!("?year={}", f.year.get())).await;
    // Only 梁小改 served (环境整治): one of five members, one of branch 1's three.
    let (shili, _) = expected(&app, f.community, COMMITTEE, f.year.get()).await;
    assert_eq!(shili.serving, 1);
    assert_eq!(community_rows(&page)["十里社区"][3], share(1, 5), "participation counts service, not penalties");
    let branch = branch_rows(&page).into_iter().find(|(key, _)| key == "十里社区/第一党支部").expect("branch 1").1;
    assert_eq!(branch[6], share(1, 3), "{branch:?}");
}

/// The objects whose ids the sweep above names exist and open for their own
/// committee, so each refusal is the overseer's, not a missing row's.
#[tokio::test]
async fn the_ids_an_overseer_is_refused_are_real_ones() {
    let app = spawn_app_with_regions().await;
    let ours = our_objects(&app).await;
    let committee = app.login(COMMITTEE_2, PASSWORD).await;
    for path in id_pages(&ours) {
        if path.starts_with("/checkin/") {
            continue; // only an invited member opens a meeting's check-in
        }
        let status = app.get(&committee, &path).await.status();
        // The tally of an open ballot is refused as too early, not as not found.
        let expected = if path.ends_with("/tally") { StatusCode::CONFLICT } else { StatusCode::OK };
        assert_eq!(status, expected, "the committee opens {path}");
    }
    let member = app.login(MEMBER, PASSWORD).await;
    text(app.get(&member, &format!("/checkin/{}", ours.meeting_token)).await, StatusCode::OK).await;

    // The ids the overseer's POSTs used are found by the community's own
    // accounts: whatever their answer, it is not "not found".
    let (committee_csrf, member_csrf) = (app.csrf(&committee).await, app.csrf(&member).await);
    for (path, form) in id_writes(&ours) {
        let (client, csrf) = if members_post(&path) { (&member, &member_csrf) } else { (&committee, &committee_csrf) };
        let status = post_with_csrf(&app, client, csrf, &path, &form).await.status();
        assert_ne!(status, StatusCode::NOT_FOUND, "our own POST {path}");
        assert!(!status.is_server_error(), "our own POST {path}: {status}");
    }
}
