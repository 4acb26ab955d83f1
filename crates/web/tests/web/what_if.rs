//! The committee's "what if" page: the year under a proposed rulebook, read
//! only, with the proposal kept in the form when it does not parse.

use super::helpers::*;
use reqwest::StatusCode;
use starledger_domain::rulebook::DEFAULT_RULEBOOK;

fn proposal(from: &str, to: &str) -> String {
    assert!(DEFAULT_RULEBOOK.contains(from), "fixture text {from:?} not in the default rulebook");
    DEFAULT_RULEBOOK.replacen(from, to, 1)
}

#[tokio::test]
async fn the_committee_sees_who_a_lower_star_line_would_move_and_nothing_is_written() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let last = f.last_year();
    // 梁小改: 10 volunteer points last year, under the one-star line (30).
    app.add_entries_in(last, f.liang, "volunteer.cleanup", f.accounts[COMMITTEE_2], "what-if-cleanup", 5).await;
    let client = app.login(COMMITTEE, PASSWORD).await;
    let year = last.get().to_string();

    let rating = text(app.get(&client, &format!("/rating?year={year}")).await, StatusCode::OK).await;
    assert!(rating.contains(&format!("/rating/what-if?year={year}")), "the rating page leads to the what-if");
    let form = text(app.get(&client, &format!("/rating/what-if?year={year}")).await, StatusCode::OK).await;
    assert!(form.contains("[stars]") && form.contains("只读"), "the year's own rulebook, to edit:\n{form}");

    let (entries, audit) = (app.ledger_rows().await, app.audit_log().await.len());
    let csrf = csrf_of(&form);
    let same =
        app.post(&client, "/rating/what-if", &[("csrf", &csrf), ("year", &year), ("rulebook", DEFAULT_RULEBOOK)]).await;
    let same = text(same, StatusCode::OK).await;
    assert!(same.contains("两份规则对积分与星级的计算相同") && same.contains("没有党员的星级会变"), "{same}");

    let lower = proposal("stars = 1\nmin_points = 30", "stars = 1\nmin_points = 5");
    let moved = app.post(&client, "/rating/what-if", &[("csrf", &csrf), ("year", &year), ("rulebook", &lower)]).await;
    let moved = text(moved, StatusCode::OK).await;
    assert!(moved.contains("1 星线 30 → 5 分"), "{moved}");
    let card = moved.split("data-testid=\"what-if-mover\"").find(|c| c.contains("梁小改")).expect("梁小改 moves");
    assert!(card.contains("☆☆☆☆☆ → ★☆☆☆☆"), "{card}");
    assert!(card.contains("星级线不同"), "{card}");
    assert_eq!((app.ledger_rows().await, app.audit_log().await.len()), (entries, audit), "a what-if writes nothing");
}

#[tokio::test]
async fn a_broken_proposal_comes_back_with_its_line_and_the_text_kept() {
    let app = spawn_app().await;
    let client = app.login(COMMITTEE, PASSWORD).await;
    let year = app.fixture.last_year().get().to_string();
    let csrf = app.csrf(&client).await;
    let broken = proposal("stars = 1\nmin_points = 30", "stars = 1\nmin_points = \"thirty\"");
    let answer = app.post(&client, "/rating/what-if", &[("csrf", &csrf), ("year", &year), ("rulebook", &broken)]).await;
    let page = text(answer, StatusCode::BAD_REQUEST).await;
    assert!(page.contains("拟用规则第") && page.contains("min_points"), "{page}");
    let form = &page[page.find("<textarea").expect("the form comes back")..];
    assert!(form.contains("min_points = &#34;thirty&#34;"), "the edit is kept, escaped:\n{form}");
}

#[tokio::test]
async fn only_the_committee_and_the_auditor_try_rulebooks_and_a_post_needs_its_token() {
    let app = spawn_app().await;
    let year = app.fixture.last_year().get().to_string();
    let path = format!("/rating/what-if?year={year}");
    let auditor = app.login(AUDITOR, PASSWORD).await;
    text(app.get(&auditor, &path).await, StatusCode::OK).await;
    for login in [MEMBER, BRANCH_SECRETARY] {
        let client = app.login(login, PASSWORD).await;
        assert_eq!(app.get(&client, &path).await.status(), StatusCode::FORBIDDEN, "{login}");
        let csrf = app.csrf(&client).await;
        let form = [("csrf", csrf.as_str()), ("year", &year), ("rulebook", DEFAULT_RULEBOOK)];
        assert_eq!(app.post(&client, "/rating/what-if", &form).await.status(), StatusCode::FORBIDDEN, "{login}");
    }
    let committee = app.login(COMMITTEE, PASSWORD).await;
    let forged = [("csrf", "forged"), ("year", &year), ("rulebook", DEFAULT_RULEBOOK)];
    assert_eq!(app.post(&committee, "/rating/what-if", &forged).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.get(&committee, "/rating/what-if?year=1999").await.status(), StatusCode::NOT_FOUND);
}
