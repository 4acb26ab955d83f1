//! Nothing irreversible happens by one tap: publishing the notice,
//! finalizing a year, closing a ballot, confirming service and closing a
//! meeting first answer with what they will do (how many entries, who is
//! affected) — on `GET`, and on a `POST` without `confirm=yes` — and write
//! nothing; the page's own button does it. A meeting's unmarked members
//! block its close until one explicit choice says what they were. Ballot
//! papers start with nothing chosen.

use super::helpers::*;
use super::scoping::{assert_unchanged, everything};
use jiff::ToSpan;
use reqwest::{Client, StatusCode};

/// Every table (but sessions) and the audit log's work rows, to compare.
async fn snapshot(app: &TestApp) -> (Vec<(String, Vec<String>)>, i64) {
    (everything(app).await, app.rows_in("audit_log").await)
}

async fn assert_nothing_written(app: &TestApp, before: &(Vec<(String, Vec<String>)>, i64), what: &str) {
    let after = snapshot(app).await;
    assert_unchanged(&before.0, &after.0, what);
    assert_eq!(after.1, before.1, "{what}: nothing audited");
}

/// Posts `form` with the client's token, without `confirm`: the summary page.
async fn unconfirmed(app: &TestApp, client: &Client, path: &str, form: &[(&str, &str)]) -> String {
    let csrf = app.csrf(client).await;
    let mut fields = vec![("csrf", csrf.as_str())];
    fields.extend_from_slice(form);
    let page = text(app.post(client, path, &fields).await, StatusCode::OK).await;
    assert!(page.contains("data-testid=\"confirm-summary\""), "{path} answers with its summary:\n{page}");
    assert!(
        page.contains(&format!("action=\"{path}\"")) && page.contains("name=\"confirm\" value=\"yes\""),
        "{path}'s summary posts back with confirm=yes:\n{page}"
    );
    page
}

#[tokio::test]
async fn publishing_and_finalizing_a_year_ask_first_and_write_nothing_until_confirmed() {
    let app = spawn_app().await;
    let last = app.fixture.last_year().get();
    let committee = app.login(COMMITTEE_2, PASSWORD).await;
    let publish = format!("/rating/{last}/publish");

    let before = snapshot(&app).await;
    let page = unconfirmed(&app, &committee, &publish, &[]).await;
    let until = today() + 4.days();
    assert!(page.contains(&format!("公示期 {} 至 {until}", today())), "the notice period:\n{page}");
    assert!(page.contains("五星级") && page.contains("名党员"), "how many members and five-star:\n{page}");
    let page = text(app.get(&committee, &publish).await, StatusCode::OK).await;
    assert!(page.contains("data-testid=\"confirm-summary\""), "GET shows the summary too:\n{page}");
    // "confirm" with any other value is not a confirmation.
    let csrf = app.csrf(&committee).await;
    text(app.post(&committee, &publish, &[("csrf", &csrf), ("confirm", "1")]).await, StatusCode::OK).await;
    assert_nothing_written(&app, &before, "an unconfirmed publication").await;
    // Others are refused before any summary.
    let member = app.login(MEMBER, PASSWORD).await;
    text(app.get(&member, &publish).await, StatusCode::FORBIDDEN).await;

    // Confirmed: published.
    let response = app.post(&committee, &publish, &[("csrf", &csrf), ("confirm", "yes")]).await;
    assert_redirect(&response, &format!("/rating?year={last}"));
    assert_eq!(app.rows_in("rating_rounds").await, 1);

    let (from, until) = (today() - 10.days(), today() - 6.days());
    app.execute(&format!("UPDATE rating_rounds SET notice_from = '{from}', notice_until = '{until}'")).await;
    let finalize = format!("/rating/{last}/finalize");
    let before = snapshot(&app).await;
    let page = unconfirmed(&app, &committee, &finalize, &[]).await;
    assert!(page.contains(&format!("锁定后，{last} 年度不能再记入任何积分")), "says it locks the year:\n{page}");
    text(app.get(&committee, &finalize).await, StatusCode::OK).await;
    assert_nothing_written(&app, &before, "an unconfirmed finalization").await;
    assert_eq!(app.rows_in("final_stars").await, 0);
    let response = app.post(&committee, &finalize, &[("csrf", &csrf), ("confirm", "yes")]).await;
    assert_redirect(&response, &format!("/honours?year={last}"));
    assert!(app.rows_in("final_stars").await > 0, "finalized once confirmed");
}

#[tokio::test]
async fn closing_a_ballot_asks_first_and_papers_start_unselected() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let csrf = app.csrf(&secretary).await;
    let year = f.year.get().to_string();
    let branch = f.branch1.to_string();
    let response = app.post(&secretary, "/ballots", &[("csrf", &csrf), ("branch", &branch), ("year", &year)]).await;
    let ballot = location(&response);

    // A voter's paper has no grade chosen for anyone.
    let liang = app.login(MEMBER, PASSWORD).await;
    let page = text(app.get(&liang, &ballot).await, StatusCode::OK).await;
    assert!(page.contains("data-testid=\"paper\""), "she has a paper:\n{page}");
    assert!(page.contains("type=\"radio\"") && !page.contains(" checked"), "nothing pre-selected:\n{page}");

    let close = format!("{ballot}/close");
    // Below the turnout, closing is refused at once, before any question.
    let before = snapshot(&app).await;
    text(app.post(&secretary, &close, &[("csrf", &csrf)]).await, StatusCode::CONFLICT).await;
    assert_nothing_written(&app, &before, "a close below the turnout").await;

    // The branch hands in its papers (straight into the store: the voters
    // apart from their marks), enough for the turnout.
    let id = ballot.trim_start_matches("/ballots/");
    let on_roll =
        app.count(&format!("SELECT COUNT(*) FROM members WHERE branch_id = {branch} AND left_on IS NULL")).await;
    let needed = ((on_roll * 67 + 99) / 100).max(3);
    app.execute(&format!(
        "INSERT INTO ballot_voters (ballot_id, member_id) SELECT {id}, id FROM members \
         WHERE branch_id = {branch} AND left_on IS NULL ORDER BY id LIMIT {needed}"
    ))
    .await;
    let before = snapshot(&app).await;
    let page = unconfirmed(&app, &secretary, &close, &[]).await;
    assert!(page.contains(&format!("已投 {needed} 张选票")), "how many papers are in:\n{page}");
    text(app.get(&secretary, &close).await, StatusCode::OK).await;
    assert_nothing_written(&app, &before, "an unconfirmed close").await;
    assert_eq!(app.text_of("SELECT status FROM ballots").await, "open");
    let response = app.post(&secretary, &close, &[("csrf", &csrf), ("confirm", "yes")]).await;
    assert_redirect(&response, &ballot);
    assert_eq!(app.text_of("SELECT status FROM ballots").await, "closed");
}

#[tokio::test]
async fn confirming_service_names_who_is_credited_and_writes_nothing_until_confirmed() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let committee = app.login(COMMITTEE, PASSWORD).await;
    let activity = app.publish_service(&committee, "volunteer.cleanup", 60, 120).await;
    app.join_service(&app.login(MEMBER, PASSWORD).await, activity).await;
    app.reschedule_service(activity, -60, 60).await;

    let path = format!("/activities/{activity}/confirm");
    let liang = f.liang.to_string();
    let before = snapshot(&app).await;
    let page = unconfirmed(&app, &committee, &path, &[("m", &liang)]).await;
    assert!(page.contains("将为 1 名党员记入志愿服务积分") && page.contains("梁小改"), "who and how much:\n{page}");
    assert!(page.contains(&format!("name=\"m\" value=\"{liang}\"")), "the choice is carried to the confirmation");
    text(app.get(&committee, &path).await, StatusCode::OK).await;
    assert_nothing_written(&app, &before, "an unconfirmed confirmation of service").await;

    assert_redirect(&app.confirm_served(&committee, activity, &[f.liang]).await, &format!("/activities/{activity}"));
    let sql = format!("SELECT COUNT(*) FROM ledger_entries WHERE source_ref = 'activity:{activity}'");
    assert_eq!(app.count(&sql).await, 1, "recorded once confirmed");
}

#[tokio::test]
async fn unmarked_members_block_a_meeting_s_close_until_one_explicit_choice() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let absent = app.add_member(NewPerson::in_branch(f.branch1, "邓缺席")).await;
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let id = app.meeting(&secretary, &MeetingForm::general(f.branch1, -60)).await;
    assert_redirect(
        &app.mark(&secretary, id, &[(f.liang, "present"), (absent, "absent")]).await,
        &format!("/meetings/{id}"),
    );
    let path = format!("/meetings/{id}/close");

    // 王德福 is unmarked: the summary names him and offers the two choices.
    let before = snapshot(&app).await;
    let page = unconfirmed(&app, &secretary, &path, &[]).await;
    assert!(page.contains("还有 1 人没有标记"), "{page}");
    let unmarked = &page[page.find("data-testid=\"unmarked\"").expect("the unmarked are listed")..];
    let unmarked = &unmarked[..unmarked.find("</section>").expect("the list ends")];
    assert!(unmarked.contains("王德福") && !unmarked.contains("梁小改"), "only the unmarked: {unmarked}");
    assert!(page.contains("王德福") && page.contains("邓缺席"), "names the unmarked and the absent:\n{page}");
    assert!(
        page.contains("name=\"unmarked\" value=\"present\"") && page.contains("name=\"unmarked\" value=\"absent\"")
    );
    assert!(page.contains("胡国强"), "the closer is recused and listed as such:\n{page}");
    text(app.get(&secretary, &path).await, StatusCode::OK).await;
    // Confirmed without the choice: refused, naming who is unmarked.
    let csrf = app.csrf(&secretary).await;
    let body =
        text(app.post(&secretary, &path, &[("csrf", &csrf), ("confirm", "yes")]).await, StatusCode::CONFLICT).await;
    assert!(body.contains("王德福"), "{body}");
    // The choice without confirming: the summary of what will be recorded.
    let page = unconfirmed(&app, &secretary, &path, &[("unmarked", "present")]).await;
    assert!(page.contains("出席 2 人") && page.contains("缺席 1 人"), "{page}");
    assert!(page.contains("name=\"unmarked\" value=\"present\""), "the choice is carried");
    let bad = [("csrf", csrf.as_str()), ("unmarked", "maybe"), ("confirm", "yes")];
    text(app.post(&secretary, &path, &bad).await, StatusCode::BAD_REQUEST).await;
    assert_nothing_written(&app, &before, "an unconfirmed close").await;
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM meetings WHERE id = {id} AND closed_at IS NULL")).await, 1);

    // Confirmed with "all unmarked present": 王德福 is present, not absent.
    let form = [("csrf", csrf.as_str()), ("unmarked", "present"), ("confirm", "yes")];
    assert_redirect(&app.post(&secretary, &path, &form).await, &format!("/meetings/{id}"));
    let rules: Vec<(starledger_domain::org::MemberId, String)> = app
        .rows(&format!(
            "SELECT member_id, rule_key FROM ledger_entries WHERE source_ref = 'meeting:{id}' ORDER BY member_id"
        ))
        .await;
    let mut expected = vec![
        (f.liang, "meeting.branch_general".to_string()),
        (f.wang, "meeting.branch_general".to_string()),
        (absent, "meeting.absent".to_string()),
    ];
    expected.sort();
    assert_eq!(rules, expected);
}

/// The summaries come from the translation table: in English, English.
#[tokio::test]
async fn a_summary_speaks_the_visitor_s_language() {
    let app = spawn_app().await;
    let last = app.fixture.last_year().get();
    let committee = app.login(COMMITTEE_2, PASSWORD).await;
    let response = committee.get(app.url("/lang/en")).send().await.expect("answered");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let page = text(app.get(&committee, &format!("/rating/{last}/publish")).await, StatusCode::OK).await;
    for english in [
        format!("<h1>Publish {last}&#39;s results for public notice?</h1>"),
        "Once confirmed, this cannot be undone.".to_string(),
        "Publish for public notice".to_string(),
        "Go back without changing anything".to_string(),
    ] {
        assert!(page.contains(&english), "{english:?} in:\n{page}");
    }
    assert!(!page.contains("确认发布") && !page.contains("公示期"), "no Chinese sentence left:\n{page}");
}
