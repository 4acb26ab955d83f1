//! A page speaks one language. Every page, for every kind of account, read
//! in Chinese shows no English word, and read in English shows no Chinese
//! in its own wording; error pages and a refused write included.
//!
//! What is checked is the text a person reads: tags and their attributes,
//! `<script>`, `<style>`, `<code>` (commands and keys shown on purpose), a
//! `<textarea>`'s text (data being edited) and
//! the language switch (which names the other language) are taken out first.
//! What may remain in the other script is data, not wording: names,
//! addresses, rule names and notes the committee wrote (in Chinese on an
//! English page), and codes — anything with a digit, a dot, a hyphen, an
//! underscore or a slash in it (`default-2026`, `review.unqualified`,
//! `.xlsx`), and the short list in [`ALLOWED`].

use super::helpers::*;
use super::permission_table::{WHO, every_page};
use reqwest::{Client, StatusCode};

/// Words a Chinese page uses as they are, as Chinese text does.
/// (`URL` and `Webhook` as the group platforms' own settings name them.)
const ALLOWED: &[&str] = &["QR", "PDF", "Excel", "ID", "MB", "URL", "Webhook"];

/// The text a person reads on `html`.
fn visible_text(html: &str) -> String {
    let mut text = html.to_string();
    for (open, close) in [
        ("<script", "</script>"),
        ("<style", "</style>"),
        ("<code", "</code>"),
        // What a form holds for editing (a rulebook's TOML) is data.
        ("<textarea", "</textarea>"),
        ("<!--", "-->"),
        ("<a class=\"lang\"", "</a>"),
    ] {
        while let Some(start) = text.find(open) {
            let end = text[start..].find(close).map_or(text.len(), |e| start + e + close.len());
            text.replace_range(start..end, " ");
        }
    }
    let mut out = String::new();
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

/// The English words of a Chinese page: runs of two or more ASCII letters
/// that are not part of a code and not allowed.
fn english_words(text: &str) -> Vec<String> {
    let is_code_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '/' | ':' | '@' | '#');
    let mut words = Vec::new();
    for token in text.split(|c: char| !is_code_char(c)) {
        // A trailing full stop or colon ends a sentence, not a code.
        let token = token.trim_end_matches(['.', ':']);
        let letters = token.chars().filter(char::is_ascii_alphabetic).count();
        if letters < 2 || !token.chars().all(|c| c.is_ascii_alphabetic()) {
            continue;
        }
        if !ALLOWED.contains(&token) {
            words.push(token.to_string());
        }
    }
    words
}

fn is_chinese(c: char) -> bool {
    matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3000}'..='\u{303f}' | '\u{ff00}'..='\u{ffef}')
}

/// Chinese on an English page, less what the page's data says in Chinese
/// (names, addresses, branches, rule names and notes the community wrote).
fn chinese_outside(text: &str, data: &[String]) -> Vec<String> {
    let mut text = text.to_string();
    // The longest first, so that a name inside a longer value goes with it.
    let mut data: Vec<&String> = data.iter().collect();
    data.sort_by_key(|d| std::cmp::Reverse(d.chars().count()));
    for value in data {
        text = text.replace(value.as_str(), " ");
    }
    let mut runs = Vec::new();
    let mut run = String::new();
    for c in text.chars() {
        if is_chinese(c) {
            run.push(c);
        } else if !run.is_empty() {
            runs.push(std::mem::take(&mut run));
        }
    }
    if !run.is_empty() {
        runs.push(run);
    }
    runs
}

#[test]
fn the_checks_find_what_they_look_for() {
    let page = "<html><head><style>body{color:red}</style><script src=\"/static/app.js\"></script></head>\
                <body><a class=\"lang\" href=\"/lang/en\">English</a><h1 title=\"Title\">积分 Points</h1>\
                <p>规则 default-2026 · review.unqualified · .xlsx · 2 · QR · <code>starledger stats refresh</code></p>\
                <p>党员 may not open this page</p></body></html>";
    let text = visible_text(page);
    assert_eq!(english_words(&text), ["Points", "may", "not", "open", "this", "page"]);
    assert_eq!(chinese_outside("Rank 梁小改 · 东街1号 · 名次", &["梁小改".into(), "东街1号".into()]), ["名次"]);
}

/// Opens `path` and returns its HTML if it is a page (not a redirect, not
/// an image or a PDF).
async fn page_html(app: &TestApp, client: &Client, path: &str) -> Option<(StatusCode, String)> {
    let response = app.get(client, path).await;
    let status = response.status();
    let html = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if status.is_redirection() || !html {
        return None;
    }
    Some((status, response.text().await.expect("a body")))
}

/// Every page for every kind of account (as the permission table lists
/// them), the sign-in page, a page that is not there and a refused write.
async fn sweep(app: &TestApp, english: bool) -> Vec<(String, String, StatusCode, String)> {
    let mut pages = every_page(app).await;
    pages.push(("/login".into(), "/login".into()));
    pages.push(("/meetings/999999".into(), "404".into()));
    let year = app.fixture.last_year().get();
    let mut read = Vec::new();
    for (_, who, login) in WHO {
        let client = app.client();
        if english {
            app.get(&client, "/lang/en").await;
        }
        if let Some(login) = login {
            let response = app.sign_in(&client, login, PASSWORD).await;
            assert_eq!(response.status(), StatusCode::SEE_OTHER, "{login} signs in");
        }
        for (path, _) in &pages {
            if let Some((status, html)) = page_html(app, &client, path).await {
                read.push((who.to_string(), path.clone(), status, html));
            }
        }
        // A refused write: the running year cannot be published yet, and
        // only the committee publishes at all.
        if login.is_some() {
            let csrf = app.csrf(&client).await;
            let path = format!("/rating/{}/publish", year + 1);
            let response = app.post(&client, &path, &[("csrf", &csrf)]).await;
            let status = response.status();
            if status.is_client_error() {
                read.push((who.to_string(), format!("POST {path}"), status, response.text().await.expect("a body")));
            }
            // Refusals from the application layer and from a form's
            // fields: a meeting in a year that is not open, and one whose
            // title is too long.
            let outside =
                MeetingForm { starts_at: "2099-03-01T09:00".into(), ..MeetingForm::general(app.fixture.branch1, 0) };
            let response = app.schedule(&client, &outside).await;
            let status = response.status();
            if status.is_client_error() {
                read.push((
                    who.to_string(),
                    "POST /meetings (2099)".into(),
                    status,
                    response.text().await.expect("a body"),
                ));
            }
            let csrf = app.csrf(&client).await;
            let branch = app.fixture.branch1.to_string();
            let long_title = "会".repeat(300);
            let fields = [
                ("csrf", csrf.as_str()),
                ("rule", "meeting.branch_general"),
                ("branch", &branch),
                ("group", ""),
                ("title", &long_title),
                ("place", "社区党群服务中心"),
                ("starts_at", "2099-03-01T09:00"),
            ];
            let response = app.post(&client, "/meetings", &fields).await;
            let status = response.status();
            if status.is_client_error() {
                read.push((
                    who.to_string(),
                    "POST /meetings (long title)".into(),
                    status,
                    response.text().await.expect("a body"),
                ));
            }
        }
    }
    read
}

#[tokio::test]
async fn chinese_pages_show_no_english_word() {
    let app = spawn_app_with_regions().await;
    let read = sweep(&app, false).await;
    let statuses: Vec<StatusCode> = read.iter().map(|r| r.2).collect();
    for status in [StatusCode::OK, StatusCode::FORBIDDEN, StatusCode::NOT_FOUND, StatusCode::CONFLICT] {
        assert!(statuses.contains(&status), "the sweep reads a {status} page too");
    }
    let said = |path: &str, words: &str| read.iter().any(|r| r.1 == path && visible_text(&r.3).contains(words));
    assert!(said("POST /meetings (2099)", "不在已开放的年度内"), "the application layer's refusal is read in Chinese");
    assert!(said("POST /meetings (long title)", "标题：最多 80 个字"), "a field's limit is read in Chinese");
    let mut found = Vec::new();
    for (who, path, status, html) in &read {
        let text = visible_text(html);
        let words = english_words(&text);
        if !words.is_empty() {
            found.push(format!("{who} · {path} ({status}): {}", words.join(" ")));
        }
    }
    assert!(found.is_empty(), "English on Chinese pages:\n{}", found.join("\n"));
}

/// What every page says in its own words, whatever its data: the title,
/// the header and its menu, table headings, labels and buttons; and the
/// whole of an error page. The rest of an English page (the states of
/// things, notes, generated sentences) is not checked yet: see the issue.
fn chrome_text(html: &str, status: StatusCode) -> String {
    if status.is_client_error() || status.is_server_error() {
        return visible_text(html);
    }
    let mut chrome = String::new();
    for (open, close) in [
        ("<title", "</title>"),
        ("<header", "</header>"),
        ("<th", "</th>"),
        ("<label", "</label>"),
        ("<button", "</button>"),
    ] {
        let mut rest = html;
        while let Some(start) = rest.find(open) {
            // `<th` is not `<thead`, `<label` may hold a select: its options
            // are data (branches, members).
            let after = &rest[start + open.len()..];
            if !after.starts_with(['>', ' ']) {
                rest = after;
                continue;
            }
            let end = after.find(close).map_or(after.len(), |e| e);
            let element = &after[..end];
            let element = match element.find("<select") {
                Some(select) => &element[..select],
                None => element,
            };
            chrome.push_str(&visible_text(&format!("<x{element}")));
            chrome.push(' ');
            rest = &after[end..];
        }
    }
    chrome
}

/// Chinese a community's data brings to an English page: names, addresses,
/// branches, communities and regions, households, the rulebook's rule and
/// category names, and what people wrote (titles, places, notes).
async fn community_data(app: &TestApp) -> Vec<String> {
    let queries = [
        "SELECT name FROM members",
        "SELECT name FROM branches",
        "SELECT name FROM communities",
        "SELECT name FROM accounts",
        "SELECT name FROM regions",
        "SELECT name FROM party_groups",
        "SELECT address FROM households",
        "SELECT COALESCE(head_name, '') FROM households",
        "SELECT title FROM meetings",
        "SELECT place FROM meetings",
        "SELECT title FROM activities",
        "SELECT place FROM activities",
        "SELECT reason FROM ledger_entries",
        "SELECT note FROM claims",
        "SELECT decision_note FROM claims",
        "SELECT description FROM integrity_records",
        "SELECT reason FROM adjustments",
        "SELECT text FROM objections",
        "SELECT COALESCE(answer, '') FROM objections",
    ];
    let mut data = Vec::new();
    for sql in queries {
        let rows: Vec<(String,)> = app.rows(sql).await;
        data.extend(rows.into_iter().map(|(value,)| value).filter(|v| !v.is_empty()));
    }
    data
}

#[tokio::test]
async fn english_chrome_shows_no_chinese() {
    let app = spawn_app_with_regions().await;
    let mut data = community_data(&app).await;
    // The rulebook's own words (rule and category names, excuses, the
    // committee's notes) are the community's data in Chinese.
    let rulebook = starledger_domain::rulebook::Rulebook::default_rulebook();
    data.extend(rulebook.categories.iter().map(|c| c.name.clone()));
    data.extend(rulebook.rules.values().map(|r| r.name.clone()));
    // A meeting's kind is its rule's name as a noun.
    data.extend(rulebook.rules.values().filter_map(|r| r.name.strip_prefix("参加").map(str::to_string)));
    // The branch review's grades are the party's terms, kept as they are.
    data.extend(["优秀", "合格", "基本合格", "不合格"].map(String::from));
    let read = sweep(&app, true).await;
    let mut found = Vec::new();
    for (who, path, status, html) in &read {
        let runs = chinese_outside(&chrome_text(html, *status), &data);
        if !runs.is_empty() {
            found.push(format!("{who} · {path} ({status}): {}", runs.join(" ")));
        }
    }
    assert!(found.is_empty(), "Chinese on English pages:\n{}", found.join("\n"));
}
