//! Who may open which page, for every page of the application and every
//! kind of account: one table, observed on the real
//! server, that is also `docs/permissions.md`. The test fails when the
//! server's answers and the document differ; after a deliberate change,
//! `STARLEDGER_BLESS=1 cargo test -p starledger-web --test main permission_table`
//! writes the document again, to be read and committed with the change.
//!
//! Roles decide who reaches a page or an action; the rules about persons
//! (nobody acts on their own record or a relative's, one person one
//! account, collective decisions) are checked beyond this table, by the
//! application layer, and tested in `fairness.rs`, `collective` tests and
//! the ballot, integrity and notice tests.

use super::helpers::*;
use super::scoping::our_objects;
use reqwest::{Client, Method, StatusCode};
use std::fmt::Write as _;

/// The kinds of account, as columns.
pub(super) const WHO: [(&str, &str, Option<&str>); 6] = [
    ("未登录", "Signed out", None),
    ("党委", "Committee", Some(COMMITTEE)),
    ("支部书记", "Branch secretary", Some(BRANCH_SECRETARY)),
    ("党员", "Member", Some(MEMBER)),
    ("审计", "Auditor", Some(AUDITOR)),
    ("上级（市）", "Overseer (city)", Some(CITY_OVERSEER)),
];

/// What one kind of account gets from one route.
fn answer(method: &Method, status: StatusCode, to: &str) -> &'static str {
    match status {
        StatusCode::FORBIDDEN => "✗",
        StatusCode::NOT_FOUND => "✗ 404",
        StatusCode::SEE_OTHER if to.starts_with("/login") => "→ 登录 sign in",
        StatusCode::SEE_OTHER if to == "/me" && *method == Method::GET => "→ /me",
        StatusCode::SEE_OTHER if to == "/region" && *method == Method::GET => "→ /region",
        status if status.is_server_error() => "5xx",
        // A page that opens, or an action the account may try (its form
        // was incomplete here, or the moment is wrong: 400, 409, 422...).
        _ if *method == Method::GET && status == StatusCode::OK => "✓",
        _ if *method == Method::GET => "✓ *",
        _ => "✓",
    }
}

#[tokio::test]
async fn every_route_answers_each_kind_of_account_as_docs_permissions_md_says() {
    let app = spawn_app_with_regions().await;
    // Every page but signing in, the language switch and the style sheet
    // (open to all). Pages only: an action's answer to a half-filled form
    // says nothing about who may take it (the form is refused before the
    // duty is asked); who may take each action is the application layer's,
    // tested with whole forms in the tests of each step and in scoping.rs.
    let routes: Vec<(Method, String, String)> =
        every_page(&app).await.into_iter().map(|(path, label)| (Method::GET, path, label)).collect();

    let mut clients: Vec<(Client, String)> = Vec::new();
    for (_, _, login) in WHO {
        clients.push(match login {
            None => (app.client(), "x".repeat(64)),
            Some(login) => {
                let client = app.login(login, PASSWORD).await;
                let csrf = app.csrf(&client).await;
                (client, csrf)
            }
        });
    }
    let mut rows = Vec::new();
    for (method, path, label) in &routes {
        let mut cells = Vec::new();
        for (client, csrf) in &clients {
            let request = client.request(method.clone(), app.url(path));
            let request = if *method == Method::POST { request.form(&[("csrf", csrf.as_str())]) } else { request };
            let response = request.send().await.expect("answered");
            cells.push(answer(method, response.status(), &location(&response)));
        }
        assert!(!cells.contains(&"5xx"), "{method} {path} answered a server error to someone: {cells:?}");
        rows.push((format!("{method} {label}"), cells));
    }

    let document = render(&rows);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/permissions.md");
    if std::env::var("STARLEDGER_BLESS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &document).expect("write docs/permissions.md");
    }
    let written = std::fs::read_to_string(&path).unwrap_or_default();
    if written != document {
        let first = written.lines().zip(document.lines()).find(|(a, b)| a != b);
        panic!(
            "docs/permissions.md differs from what the server answers (first difference: {first:?}); \
             if the change is meant, run with STARLEDGER_BLESS=1 and commit the document"
        );
    }
}

/// Every page of the application (path to open, label in the table), over
/// the objects of an app spawned with regions; `language.rs` reads each of
/// them too.
pub(super) async fn every_page(app: &TestApp) -> Vec<(String, String)> {
    let f = &app.fixture;
    let o = our_objects(app).await;
    let year = f.last_year().get();
    let token = f.tokens[&f.liang_households[0]].clone();
    let get = |path: String, label: &str| (path, label.to_string());
    vec![
        get("/".into(), "/"),
        get("/password".into(), "/password"),
        get("/me".into(), "/me"),
        get("/me/tokens".into(), "/me/tokens"),
        get("/api".into(), "/api"),
        get("/standings".into(), "/standings"),
        get("/exports".into(), "/exports"),
        get(format!("/exports/ledger?year={year}&format=xlsx"), "/exports/{kind} (ledger)"),
        get("/exports/households?format=csv".into(), "/exports/{kind} (households)"),
        get("/figures".into(), "/figures"),
        get("/honours".into(), "/honours"),
        get(format!("/members/{}/stars", o.member), "/members/{id}/stars"),
        get(format!("/members/{}/record.pdf?year={year}", o.member), "/members/{id}/record.pdf"),
        get(format!("/me/record.pdf?year={year}"), "/me/record.pdf"),
        get("/households".into(), "/households"),
        get("/households/cards".into(), "/households/cards"),
        get("/households/forms".into(), "/households/forms"),
        get("/households/new".into(), "/households/new"),
        get(format!("/households/{}/edit", f.unlinked_household), "/households/{id}/edit"),
        get("/members".into(), "/members"),
        get("/members/new".into(), "/members/new"),
        get(format!("/members/{}/edit", o.member), "/members/{id}/edit"),
        get("/members/pick?q=l".into(), "/members/pick"),
        get("/members/transfer-in".into(), "/members/transfer-in"),
        get(format!("/members/{}/pseudonymize", o.member), "/members/{id}/pseudonymize"),
        get("/branches".into(), "/branches"),
        get("/accounts".into(), "/accounts"),
        get("/import".into(), "/import"),
        get("/import/templates/study".into(), "/import/templates/{kind}"),
        get("/audit/household-origins".into(), "/audit/household-origins"),
        get("/claims".into(), "/claims"),
        get("/reviews".into(), "/reviews"),
        get(format!("/uploads/{}", o.upload), "/uploads/{id}"),
        get("/meetings".into(), "/meetings"),
        get(format!("/meetings/{}", o.meeting), "/meetings/{id}"),
        get(format!("/meetings/{}/close", o.meeting), "/meetings/{id}/close"),
        get(format!("/checkin/{}", o.meeting_token), "/checkin/{token}"),
        get("/activities".into(), "/activities"),
        get(format!("/activities/{}", o.activity), "/activities/{id}"),
        get(format!("/activities/{}/confirm", o.activity), "/activities/{id}/confirm"),
        get(format!("/activities/checkin/{}", o.activity_token), "/activities/checkin/{token}"),
        get("/integrity".into(), "/integrity"),
        get("/ballots".into(), "/ballots"),
        get(format!("/ballots/{}", o.ballot), "/ballots/{id}"),
        get(format!("/ballots/{}/close", o.ballot), "/ballots/{id}/close"),
        get(format!("/ballots/{}/tally", o.ballot), "/ballots/{id}/tally"),
        get("/adjustments".into(), "/adjustments"),
        // This year: the fixture's entries were typed months after their day,
        // so the page shows a flag, and the entries page lists them.
        get(format!("/audit/anomalies?year={}", f.year), "/audit/anomalies"),
        get(format!("/audit/entries?year={}&recorder=account:{}", f.year, f.accounts[COMMITTEE]), "/audit/entries"),
        get(format!("/rating?year={year}"), "/rating"),
        get(format!("/rating/what-if?year={year}"), "/rating/what-if"),
        get(format!("/rating/{year}/publish"), "/rating/{year}/publish"),
        get(format!("/rating/{year}/finalize"), "/rating/{year}/finalize"),
        get("/robots".into(), "/robots"),
        get("/region".into(), "/region"),
        get("/region/integrity".into(), "/region/integrity"),
        get(format!("/r/{token}"), "/r/{token}"),
        get(format!("/r/{token}/notice"), "/r/{token}/notice"),
    ]
}

fn render(rows: &[(String, Vec<&str>)]) -> String {
    let mut doc = String::from(
        "# 权限表 · Who may do what\n\n\
         <!-- Written by crates/web/tests/web/permission_table.rs from the server's own answers; \
         do not edit by hand. -->\n\n\
         每一行是一个页面，每一列是一类账号，表中是服务器的实际答复（每次测试都重新核对）。\
         Each row is a page; each column a kind of account; each cell what the server answers, \
         checked by a test on every run. Who may take each action (record, check, vote, decide) \
         is decided by the application layer on the person behind the account.\n\n\
         - ✓ 可以打开 · opens\n\
         - ✓ * 页面可以打开，但此刻另有答复（如投票未达到法定人数）· reaches the page, which answers \
         otherwise at this moment (e.g. a ballot below its turnout)\n\
         - ✗ 无权限 · refused; ✗ 404 看不到该对象 · the object is not there for this account\n\
         - → 登录 · sent to sign in; → /me, → /region · sent to their own page\n\n\
         角色之外，还有针对“人”的规则：任何人不能给自己或亲属记分、审核或投票；一人只有一个账号；\
         集体决定（撤销评议结果、重新公示、支部评议等次、诚信事项）须由不止一人作出。\
         Beyond roles, rules about persons apply everywhere: nobody records, checks or votes on their \
         own record or a relative's; one person has one account; collective decisions (reversing a \
         household's or a body's decision, reopening and publishing again, branch grades, integrity \
         records) are never taken by one account. See [architecture.md](architecture.md).\n\n\
         名册（党员的增改、转入转出及其联系农户的重新分配、支部与党小组、账号的开设、重置与停用）只由党委改动：\
         名册决定谁参评、谁联系哪些农户，支部书记的职责不包括这些，需要时向党委提出。\
         The roll (adding and editing members, transfers in and out with their households relinked, \
         branches and party groups, creating, resetting and disabling accounts) is changed by the \
         committee only: the roll decides who is rated and who serves whom, which no branch \
         secretary's duty covers; a branch secretary asks the committee.\n\n",
    );
    doc.push_str("| 页面 · Page |");
    for (zh, en, _) in WHO {
        let _ = write!(doc, " {zh} · {en} |");
    }
    doc.push_str("\n| --- |");
    for _ in WHO {
        doc.push_str(" --- |");
    }
    doc.push('\n');
    for (label, cells) in rows {
        let _ = write!(doc, "| `{label}` |");
        for cell in cells {
            let _ = write!(doc, " {cell} |");
        }
        doc.push('\n');
    }
    doc
}
