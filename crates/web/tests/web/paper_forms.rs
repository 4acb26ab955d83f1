//! Paper rating forms (纸质评议表, issue 13): the committee prints numbered
//! forms (read back with `pdftotext`, rendered with `pdftoppm`); a form is
//! entered once, after a confirmation that writes nothing; a second entry
//! of its number, an entry after its window, a form replaced by a reprint,
//! a household already rated through its link, and an entry by the rated
//! member, a relative or their branch secretary are refused; and a paper
//! rating counts exactly like one given through the link.

use super::helpers::*;
use super::print::{can_print, pages};
use reqwest::{Client, StatusCode};
use starledger_app::clock::{self, Clock};
use starledger_app::paper_forms::{self, FormRefusal};
use starledger_domain::linking::Satisfaction;
use starledger_domain::org::{Account, HouseholdId};
use starledger_domain::paper_form::FormNumber;
use starledger_store::OrgQueries;

async fn print_forms(app: &TestApp, client: &Client, branch: &str) -> reqwest::Response {
    let csrf = app.csrf(client).await;
    app.post(client, "/households/forms/print", &[("csrf", &csrf), ("branch", branch)]).await
}

/// The household's live form of the window, by number.
async fn number_of(app: &TestApp, household: HouseholdId) -> String {
    let sql = format!("SELECT number FROM paper_forms WHERE household_id = {household} AND replaced_at IS NULL");
    let rows: Vec<(String,)> = app.rows(&sql).await;
    rows.first().expect("the household has a live form").0.clone()
}

async fn enter(app: &TestApp, client: &Client, number: &str, level: &str, confirm: bool) -> reqwest::Response {
    let csrf = app.csrf(client).await;
    let mut form = vec![("csrf", csrf.as_str()), ("number", number), ("level", level)];
    if confirm {
        form.push(("confirm", "yes"));
    }
    app.post(client, "/households/forms/enter", &form).await
}

async fn account(app: &TestApp, login: &str) -> Account {
    app.store.read().await.unwrap().account_by_login(login).await.unwrap()
}

/// Prints branch 1's forms (梁小改's four households) as the committee.
async fn printed(app: &TestApp) -> Client {
    let committee = app.login(COMMITTEE, PASSWORD).await;
    let response = print_forms(app, &committee, &app.fixture.branch1.to_string()).await;
    assert_eq!(response.status(), StatusCode::OK, "{}", response.text().await.unwrap());
    committee
}

#[tokio::test]
async fn the_committee_prints_numbered_forms_three_to_a_sheet() {
    if !can_print() {
        return;
    }
    let app = spawn_app().await;
    let committee = app.login(COMMITTEE, PASSWORD).await;
    let page = text(app.get(&committee, "/households/forms").await, StatusCode::OK).await;
    assert!(page.contains("/households/forms/print") && page.contains("/households/forms/enter"), "{page}");

    let response = print_forms(&app, &committee, &app.fixture.branch1.to_string()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    let pdf = response.bytes().await.unwrap();
    let sheets = pages(&pdf);
    let counts: Vec<usize> = sheets.iter().map(|p| p.matches("党员联户服务满意度评议表").count()).collect();
    assert_eq!(counts, [3, 1], "four households of branch 1, three forms a sheet:\n{sheets:#?}");
    let all = sheets.join("\n");
    for address in LIANG_ADDRESSES {
        assert!(all.contains(address), "{address} missing:\n{all}");
    }
    for needle in ["梁小改", "十里社区", "满意", "基本满意", "不满意", "2026年1月1日至2026年7月1日"]
    {
        assert!(all.contains(needle), "{needle} missing:\n{all}");
    }
    for household in app.fixture.liang_households {
        let number = number_of(&app, household).await;
        assert!(FormNumber::parse(&number).is_ok(), "{number} checks itself");
        assert!(all.contains(&format!("编号 {number}")), "the number as text: {number}\n{all}");
    }
    // The sheets render (what a printer gets).
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("forms.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let out = std::process::Command::new("pdftoppm")
        .args(["-r", "30", "-png"])
        .arg(&path)
        .arg(dir.path().join("sheet"))
        .output();
    let out = out.expect("pdftoppm runs (poppler-utils)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let images = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "png"))
        .count();
    assert_eq!(images, 2, "one image per sheet");

    // Printing again replaces the unentered forms, and says so in the audit.
    let first = number_of(&app, app.fixture.liang_households[0]).await;
    assert_eq!(print_forms(&app, &committee, &app.fixture.branch1.to_string()).await.status(), StatusCode::OK);
    assert_ne!(number_of(&app, app.fixture.liang_households[0]).await, first);
    assert_eq!(app.count("SELECT COUNT(*) FROM paper_forms WHERE replaced_at IS NOT NULL").await, 4);
    let audited = app.audit_log().await;
    let prints: Vec<&(String, String, String)> =
        audited.iter().filter(|(_, action, _)| action == "print.paper_forms").collect();
    assert_eq!(prints.len(), 2, "{audited:?}");
    assert!(
        prints.iter().any(|(_, _, detail)| detail.contains("4 unentered forms of the window replaced")),
        "{prints:?}"
    );
    let other = app.login(COMMITTEE_2, PASSWORD).await;
    let replaced = text(enter(&app, &other, &first, "satisfied", false).await, StatusCode::CONFLICT).await;
    assert!(replaced.contains("已被重新打印的表替换"), "{replaced}");
}

#[tokio::test]
async fn only_the_committee_prints_forms() {
    let app = spawn_app().await;
    for login in [BRANCH_SECRETARY, MEMBER, AUDITOR] {
        let client = app.login(login, PASSWORD).await;
        let response = print_forms(&app, &client, "all").await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{login}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM paper_forms").await, 0);
    let member = app.login(MEMBER, PASSWORD).await;
    assert_eq!(app.get(&member, "/households/forms").await.status(), StatusCode::FORBIDDEN);
    // The secretary opens the page to enter forms, without the print.
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let page = text(app.get(&secretary, "/households/forms").await, StatusCode::OK).await;
    assert!(!page.contains("/households/forms/print") && page.contains("/households/forms/enter"), "{page}");
}

#[tokio::test]
async fn a_form_is_entered_once_after_a_confirmation_by_someone_unconcerned() {
    if !can_print() {
        return;
    }
    let app = spawn_app().await;
    let f = &app.fixture;
    let committee = printed(&app).await;
    let number = number_of(&app, f.liang_households[0]).await;
    let (ledger, ratings) = (app.ledger_rows().await, app.rating_rows().await);

    // The rated member, her branch's secretary, and a relative are refused.
    let liang = app.login(MEMBER, PASSWORD).await;
    assert_eq!(enter(&app, &liang, &number, "satisfied", true).await.status(), StatusCode::FORBIDDEN);
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let refused = text(enter(&app, &secretary, &number, "satisfied", true).await, StatusCode::FORBIDDEN).await;
    assert!(refused.contains("支部的书记"), "{refused}");
    let zhao = account(&app, COMMITTEE_2).await.member_id.expect("zhao is on the roll");
    let csrf = app.csrf(&committee).await;
    let (member, relative) = (f.liang.to_string(), zhao.to_string());
    let form = [("csrf", csrf.as_str()), ("member", &member), ("relative", &relative), ("relation", "配偶")];
    assert_redirect(&app.post(&committee, "/integrity/relatives", &form).await, "/integrity");
    let relative = app.login(COMMITTEE_2, PASSWORD).await;
    let refused = text(enter(&app, &relative, &number, "satisfied", true).await, StatusCode::FORBIDDEN).await;
    assert!(refused.contains("回避"), "{refused}");
    assert_eq!((app.ledger_rows().await, app.rating_rows().await), (ledger, ratings), "nothing written");

    // Control: another committee member. The first post only shows what will be written.
    let sunli = app.login(COMMITTEE_3, PASSWORD).await;
    let confirm = text(enter(&app, &sunli, &number, "basically_satisfied", false).await, StatusCode::OK).await;
    for needle in [LIANG_ADDRESSES[0], "梁小改", "基本满意", "确认录入"] {
        assert!(confirm.contains(needle), "{needle}:\n{confirm}");
    }
    assert_eq!(app.rating_rows().await, ratings, "the confirmation writes nothing");
    let response = enter(&app, &sunli, &number, "basically_satisfied", true).await;
    assert_redirect(&response, &format!("/households/forms?entered={number}"));
    assert_eq!(app.rating_rows().await, ratings + 1);
    let page = text(app.get(&sunli, &format!("/households/forms?entered={number}")).await, StatusCode::OK).await;
    assert!(page.contains(&format!("评议表 {number} 已录入")), "{page}");
    let sunli_id = f.accounts[COMMITTEE_3];
    let sql = format!(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM paper_forms p JOIN ledger_entries e ON e.id = p.entry_id \
         WHERE p.number = '{number}' AND p.entered_by = {sunli_id} AND p.level = 'basically_satisfied' \
         AND e.recorded_by = 'household:{}' AND e.source_ref LIKE '%paper:{number}:account:{sunli_id}'",
        f.liang_households[0]
    );
    assert_eq!(app.count(&sql).await, 1, "the entry names the form and who typed it; the form, its entry");
    assert!(
        app.audit_log()
            .await
            .iter()
            .any(|(_, action, detail)| action == "household.paper_form.enter" && detail.contains(&number))
    );

    // The same number again: refused, nothing written.
    let again = text(enter(&app, &sunli, &number, "satisfied", true).await, StatusCode::CONFLICT).await;
    assert!(again.contains("已经录入过"), "{again}");
    assert_eq!(app.rating_rows().await, ratings + 1);

    // A typo is caught by the check digit; a well-formed unknown number is not found.
    let mut typo: Vec<char> = number.chars().collect();
    typo[3] = if typo[3] == '1' { '2' } else { '1' };
    let typo: String = typo.into_iter().collect();
    assert_eq!(enter(&app, &sunli, &typo, "satisfied", false).await.status(), StatusCode::BAD_REQUEST);
    let unknown = FormNumber::from_random(123_456_789).to_string();
    let page = text(enter(&app, &sunli, &unknown, "satisfied", false).await, StatusCode::CONFLICT).await;
    assert!(page.contains("没有表号为"), "{page}");

    // The rated member herself at a committee login is refused too: 彭雅丽's household.
    let csrf = app.csrf(&committee).await;
    assert_eq!(
        app.post(&committee, "/households/forms/print", &[("csrf", &csrf), ("branch", &f.branch2.to_string())])
            .await
            .status(),
        StatusCode::OK
    );
    let peng_form = number_of(&app, f.peng_household).await;
    let refused = text(enter(&app, &committee, &peng_form, "satisfied", false).await, StatusCode::FORBIDDEN).await;
    assert!(refused.contains("回避"), "{refused}");
}

#[tokio::test]
async fn a_household_rated_through_its_link_and_a_window_that_is_over_are_refused() {
    if !can_print() {
        return;
    }
    let app = spawn_app().await;
    let f = &app.fixture;
    printed(&app).await;
    let household = f.liang_households[1];
    let number = number_of(&app, household).await;
    // The household rates through its link after the form was printed.
    let phone = app.client();
    let token = &f.tokens[&household];
    app.bind(&phone, token).await;
    let path = format!("/r/{token}");
    let csrf = csrf_of(&text(app.get(&phone, &path).await, StatusCode::OK).await);
    let rated = app.post(&phone, &path, &[("csrf", &csrf), ("level", "satisfied")]).await;
    assert_eq!(rated.status(), StatusCode::OK, "rated through the link");
    let sunli = app.login(COMMITTEE_3, PASSWORD).await;
    let refused = text(enter(&app, &sunli, &number, "not_satisfied", true).await, StatusCode::CONFLICT).await;
    assert!(refused.contains("本评议期已经评议过"), "{refused}");

    // After its window's end, the form is refused (the use case on a later day).
    let other = number_of(&app, f.liang_households[2]).await;
    let actor = account(&app, COMMITTEE_3).await;
    let later = Clock::parse("2026-07-02T09:00:00+08:00!").unwrap();
    let answer = clock::scope(later, async {
        let mut tx = app.store.write().await.unwrap();
        paper_forms::enter(&mut tx, &actor, &other, Satisfaction::Satisfied).await.unwrap()
    })
    .await;
    assert!(matches!(&answer, Err(FormRefusal::WindowOver { ends, .. }) if ends == "2026-07-01"), "{answer:?}");
    // Control: on the window's last day it is entered.
    let last_day = Clock::parse("2026-07-01T22:00:00+08:00!").unwrap();
    let answer = clock::scope(last_day, async {
        let mut tx = app.store.write().await.unwrap();
        let answer = paper_forms::enter(&mut tx, &actor, &other, Satisfaction::Satisfied).await.unwrap();
        tx.commit().await.unwrap();
        answer
    })
    .await;
    assert!(answer.is_ok(), "{answer:?}");
}

#[tokio::test]
async fn a_paper_rating_counts_exactly_like_one_through_the_link() {
    if !can_print() {
        return;
    }
    let app = spawn_app().await;
    let f = &app.fixture;
    printed(&app).await;
    let (by_link, by_paper) = (f.liang_households[0], f.liang_households[1]);
    let phone = app.client();
    let token = &f.tokens[&by_link];
    app.bind(&phone, token).await;
    let path = format!("/r/{token}");
    let csrf = csrf_of(&text(app.get(&phone, &path).await, StatusCode::OK).await);
    let rated = app.post(&phone, &path, &[("csrf", &csrf), ("level", "basically_satisfied")]).await;
    assert_eq!(rated.status(), StatusCode::OK, "rated through the link");
    let sunli = app.login(COMMITTEE_3, PASSWORD).await;
    let number = number_of(&app, by_paper).await;
    let response = enter(&app, &sunli, &number, "basically_satisfied", true).await;
    assert_redirect(&response, &format!("/households/forms?entered={number}"));

    let household_entries: Vec<_> =
        app.entries_of(f.liang).await.into_iter().filter(|e| e.draft.category == "household").collect();
    assert_eq!(household_entries.len(), 2, "{household_entries:#?}");
    let (link, paper) = (&household_entries[0].draft, &household_entries[1].draft);
    assert_eq!(
        (
            &link.category,
            &link.rule_key,
            link.points,
            &link.reason,
            &link.source_kind,
            &link.rulebook_version,
            link.year
        ),
        (
            &paper.category,
            &paper.rule_key,
            paper.points,
            &paper.reason,
            &paper.source_kind,
            &paper.rulebook_version,
            paper.year
        ),
        "the same rule, points, category and reason"
    );
    let window = current_window().key();
    assert_eq!(link.idempotency_key, format!("rating:{by_link}:{window}"));
    assert_eq!(
        paper.idempotency_key,
        format!("rating:{by_paper}:{window}"),
        "one per household per window, either way"
    );
    assert_eq!(paper.recorded_by, starledger_domain::ledger::Actor::Household(by_paper), "the household's own rating");
    // The category's total counts both alike, and both count as ratings of the window.
    let total: i64 = app
        .count(&format!(
            "SELECT CAST(SUM(points_tenths) AS BIGINT) FROM ledger_entries WHERE member_id = {} AND category = 'household'",
            f.liang
        ))
        .await;
    assert_eq!(total, 2 * link.points.tenths());
    let levels: Vec<(String,)> =
        app.rows(&format!("SELECT level FROM household_ratings WHERE member_id = {} ORDER BY entry_id", f.liang)).await;
    assert_eq!(levels, [("basically_satisfied".to_string(),), ("basically_satisfied".to_string(),)]);
    // The link, opened on the paper household's phone, says it has rated.
    let phone2 = app.client_from(3);
    let token2 = &f.tokens[&by_paper];
    app.bind(&phone2, token2).await;
    let path2 = format!("/r/{token2}");
    let page = text(app.get(&phone2, &path2).await, StatusCode::CONFLICT).await;
    assert!(page.contains("本户本期已经评议过了"), "one rating per household per window, paper or link:\n{page}");
}

#[tokio::test]
async fn the_households_receipt_names_its_paper_form() {
    if !can_print() {
        return;
    }
    let app = spawn_app().await;
    let f = &app.fixture;
    let last = f.last_year();
    let household = f.liang_households[0];
    let (committee, sunli) = (account(&app, COMMITTEE).await, account(&app, COMMITTEE_3).await);
    // Printed and entered in last year's first window.
    let day = Clock::parse(&format!("{}-03-15T10:00:00+08:00!", last.get())).unwrap();
    let font = starledger_print::PrintFont::load(None).unwrap();
    let (number, entry) = clock::scope(day, async {
        let mut tx = app.store.write().await.unwrap();
        paper_forms::print(&mut tx, &committee, Some(f.branch1), &font).await.unwrap();
        tx.commit().await.unwrap();
        let number = number_of(&app, household).await;
        let mut tx = app.store.write().await.unwrap();
        let entered = paper_forms::enter(&mut tx, &sunli, &number, Satisfaction::Satisfied).await.unwrap().unwrap();
        tx.commit().await.unwrap();
        (number, entered.entry)
    })
    .await;
    let client = app.login(COMMITTEE, PASSWORD).await;
    let csrf = app.csrf(&client).await;
    let publish = format!("/rating/{}/publish", last.get());
    assert_redirect(
        &app.post(&client, &publish, &[("csrf", csrf.as_str()), ("confirm", "yes")]).await,
        &format!("/rating?year={}", last.get()),
    );
    let phone = app.client();
    let token = &f.tokens[&household];
    app.bind(&phone, token).await;
    let response = app.get(&phone, &format!("/r/{token}/receipts/{entry}")).await;
    let receipt: starledger_domain::seal::Receipt =
        serde_json::from_str(&text(response, StatusCode::OK).await).expect("a receipt");
    assert!(receipt.about.contains(&format!("paper form {number}")), "{}", receipt.about);
    receipt.check(None).expect("the receipt checks against the seal");
}
