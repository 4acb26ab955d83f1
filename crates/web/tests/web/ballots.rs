//! The branch review (民主评议党员, /ballots): one secret ballot per branch
//! and year, opened by the branch's secretary or the committee. Every member
//! of the branch votes once, grading every full member but themselves;
//! probationary members vote but are not graded. Nobody sees a tally before
//! the close; then the branch committee proposes each grade beside the tally,
//! within the cap on 优秀 and never against the ballot about the proposer,
//! and the grades enter the ledger as the branch ballot's. A ballot closes
//! only at the rulebook's turnout (two thirds of the branch, three papers at
//! least), and the grades follow the tally unless a second branch-committee
//! member co-signs an exception with its reason. Every refusal writes
//! nothing.

use super::helpers::*;
use reqwest::{Client, Response, StatusCode};
use starledger_domain::org::{AccountId, BranchId, MemberId, Role};

/// Branch 1 for a ballot: 梁小改, 胡国强 (its secretary), 王德福 (who signs
/// in as the committee's 赵春明 and does not vote here) and three more full
/// members with accounts, six graded in all (one place for 优秀 at 33%),
/// and a probationary member who votes: seven voting members, so a ballot
/// closes at five papers.
struct Branch {
    /// The full members, in id order (the order of `ballot_graded`).
    graded: Vec<MemberId>,
    /// (login, member) of everyone in the branch with an account.
    voters: Vec<(&'static str, MemberId)>,
    probationary: MemberId,
}

async fn branch_with_voters(app: &TestApp) -> Branch {
    let f = &app.fixture;
    let mut voters = vec![(MEMBER, f.liang), (BRANCH_SECRETARY, f.hu)];
    let mut graded = vec![f.liang, f.hu, f.wang];
    for (name, login) in [("甲某", "jia"), ("乙某", "yi"), ("丙某", "bing")] {
        let (member, _) = app.add_member_account(f.branch1, name, login).await;
        voters.push((login, member));
        graded.push(member);
    }
    let probationary =
        app.add_member(NewPerson { probationary: true, ..NewPerson::in_branch(f.branch1, "丁某（预备）") }).await;
    app.add_account("ding", Role::Member, Some(probationary), None).await;
    voters.push(("ding", probationary));
    graded.sort_unstable();
    Branch { graded, voters, probationary }
}

async fn open_ballot(app: &TestApp, client: &Client, branch: BranchId) -> Response {
    open_ballot_in(app, client, branch, app.fixture.year.get()).await
}

async fn open_ballot_in(app: &TestApp, client: &Client, branch: BranchId, year: i16) -> Response {
    let csrf = app.csrf(client).await;
    let (branch, year) = (branch.to_string(), year.to_string());
    app.post(client, "/ballots", &[("csrf", csrf.as_str()), ("branch", &branch), ("year", &year)]).await
}

/// Opens a ballot that must be accepted; its id.
async fn opened(app: &TestApp, client: &Client, branch: BranchId) -> i64 {
    opened_in(app, client, branch, app.fixture.year.get()).await
}

/// Opens a ballot of `year` that must be accepted; its id.
async fn opened_in(app: &TestApp, client: &Client, branch: BranchId, year: i16) -> i64 {
    let response = open_ballot_in(app, client, branch, year).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "the ballot opens");
    let to = location(&response);
    to.strip_prefix("/ballots/").and_then(|id| id.parse().ok()).unwrap_or_else(|| panic!("redirected to {to}"))
}

/// Posts `g{member}=grade` pairs with the client's token to `/ballots/{id}/{action}`.
async fn post_grades(app: &TestApp, client: &Client, id: i64, action: &str, grades: &[(MemberId, &str)]) -> Response {
    let csrf = app.csrf(client).await;
    let names: Vec<String> = grades.iter().map(|(member, _)| format!("g{member}")).collect();
    let mut fields = vec![("csrf", csrf.as_str())];
    fields.extend(names.iter().zip(grades).map(|(name, (_, grade))| (name.as_str(), *grade)));
    app.post(client, &format!("/ballots/{id}/{action}"), &fields).await
}

/// A full paper for `voter`: `grade_of` each graded member but the voter.
fn paper<'a>(branch: &Branch, voter: MemberId, grade_of: impl Fn(MemberId) -> &'a str) -> Vec<(MemberId, &'a str)> {
    branch.graded.iter().filter(|m| **m != voter).map(|m| (*m, grade_of(*m))).collect()
}

async fn close(app: &TestApp, client: &Client, id: i64) -> Response {
    let csrf = app.csrf(client).await;
    app.post(client, &format!("/ballots/{id}/close"), &[("csrf", &csrf), ("confirm", "yes")]).await
}

async fn marks(app: &TestApp) -> (i64, i64) {
    (app.rows_in("ballot_voters").await, app.rows_in("ballot_marks").await)
}

async fn columns(app: &TestApp, table: &str) -> Vec<String> {
    let sql = if app.db.on_postgres() {
        format!(
            "SELECT column_name::text FROM information_schema.columns WHERE table_schema = current_schema() \
             AND table_name = '{table}' ORDER BY ordinal_position"
        )
    } else {
        format!("SELECT name FROM pragma_table_info('{table}') ORDER BY cid")
    };
    app.rows::<(String,)>(&sql).await.into_iter().map(|(name,)| name).collect()
}

#[tokio::test]
async fn a_ballot_is_opened_by_the_branch_s_own_secretary_or_the_committee() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let branch = branch_with_voters(&app).await;
    let (second_secretary, _) = app.add_branch_secretary(f.branch2, "吴书记", "wu").await;

    for login in ["wu", MEMBER, AUDITOR] {
        let client = app.login(login, PASSWORD).await;
        text(open_ballot(&app, &client, f.branch1).await, StatusCode::FORBIDDEN).await;
    }
    assert_eq!((app.rows_in("ballots").await, app.rows_in("ballot_graded").await), (0, 0));

    // The secretary of branch 1 is offered their own branch only.
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let list = text(app.get(&secretary, "/ballots").await, StatusCode::OK).await;
    assert!(list.contains(&format!("<option value=\"{}\">", f.branch1)), "{list}");
    assert!(!list.contains(&format!("<option value=\"{}\">", f.branch2)), "{list}");

    let id = opened(&app, &secretary, f.branch1).await;
    let graded: Vec<(MemberId,)> =
        app.rows(&format!("SELECT member_id FROM ballot_graded WHERE ballot_id = {id} ORDER BY member_id")).await;
    let graded: Vec<MemberId> = graded.into_iter().map(|(m,)| m).collect();
    assert_eq!(graded, branch.graded, "the full members of branch 1");
    assert!(!graded.contains(&branch.probationary), "a probationary member is not graded");
    assert!(app.work(BRANCH_SECRETARY).await.contains(&"ballot.open".to_string()));

    // One ballot per branch and year.
    text(open_ballot(&app, &secretary, f.branch1).await, StatusCode::CONFLICT).await;
    assert_eq!(app.rows_in("ballots").await, 1);

    // The committee opens branch 2's.
    let committee = app.login(COMMITTEE_2, PASSWORD).await;
    let second = opened(&app, &committee, f.branch2).await;
    let sql = format!("SELECT COUNT(*) FROM ballot_graded WHERE ballot_id = {second}");
    assert_eq!(app.count(&sql).await, 3, "彭雅丽, 曾文静 and the new secretary");
    let sql =
        format!("SELECT COUNT(*) FROM ballot_graded WHERE ballot_id = {second} AND member_id = {second_secretary}");
    assert_eq!(app.count(&sql).await, 1);
}

#[tokio::test]
async fn each_voter_hands_in_one_complete_paper_that_never_grades_themselves() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let branch = branch_with_voters(&app).await;
    let id = opened(&app, &app.login(BRANCH_SECRETARY, PASSWORD).await, f.branch1).await;
    let everyone = |_| "qualified";

    // The probationary member votes, on every full member.
    let ding = app.login("ding", PASSWORD).await;
    let page = text(app.get(&ding, &format!("/ballots/{id}")).await, StatusCode::OK).await;
    assert!(page.contains("data-testid=\"paper\""), "a paper is offered:\n{page}");
    let response = post_grades(&app, &ding, id, "vote", &paper(&branch, branch.probationary, everyone)).await;
    assert_redirect(&response, &format!("/ballots/{id}"));
    assert_eq!(marks(&app).await, (1, 6));

    let liang = app.login(MEMBER, PASSWORD).await;
    let page = text(app.get(&liang, &format!("/ballots/{id}")).await, StatusCode::OK).await;
    assert!(!page.contains(&format!("name=\"g{}\"", f.liang)), "her paper leaves her out:\n{page}");
    let full = paper(&branch, f.liang, everyone);
    // A paper that leaves someone out, grades the voter, or names an unknown grade.
    let mut incomplete = full.clone();
    incomplete.pop();
    let mut with_self = full.clone();
    with_self.push((f.liang, "excellent"));
    let mut unknown = full.clone();
    unknown[0].1 = "perfect";
    for bad in [incomplete, with_self, unknown, Vec::new()] {
        text(post_grades(&app, &liang, id, "vote", &bad).await, StatusCode::BAD_REQUEST).await;
    }
    assert_eq!(marks(&app).await, (1, 6), "a refused paper leaves no mark");

    assert_redirect(&post_grades(&app, &liang, id, "vote", &full).await, &format!("/ballots/{id}"));
    assert_eq!(marks(&app).await, (2, 11));
    // A second paper, even a different one, is refused.
    let again = paper(&branch, f.liang, |_| "excellent");
    text(post_grades(&app, &liang, id, "vote", &again).await, StatusCode::CONFLICT).await;
    assert_eq!(marks(&app).await, (2, 11), "the first paper stands, alone");
    let page = text(app.get(&liang, &format!("/ballots/{id}")).await, StatusCode::OK).await;
    assert!(page.contains("data-testid=\"voted\"") && !page.contains("data-testid=\"paper\""), "{page}");

    // Nobody outside branch 1 votes in its ballot, however senior.
    app.add_member_account(f.branch2, "路人甲", "luren").await;
    for login in [COMMITTEE, COMMITTEE_3, AUDITOR, "luren"] {
        let client = app.login(login, PASSWORD).await;
        text(
            post_grades(&app, &client, id, "vote", &paper(&branch, MemberId::new(0), everyone)).await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    assert_eq!(marks(&app).await, (2, 11));

    // The audit log says that someone voted, never how.
    let details: Vec<(String,)> = app.rows("SELECT detail FROM audit_log WHERE action = 'ballot.vote'").await;
    assert_eq!(details, [(format!("ballot {id}"),), (format!("ballot {id}"),)]);
}

#[tokio::test]
async fn nobody_sees_a_tally_while_the_ballot_is_open() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let branch = branch_with_voters(&app).await;
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let id = opened(&app, &secretary, f.branch1).await;
    for (login, member) in &branch.voters[..3] {
        let client = app.login(login, PASSWORD).await;
        let grades = paper(&branch, *member, |m| if m == f.liang { "excellent" } else { "qualified" });
        assert_redirect(&post_grades(&app, &client, id, "vote", &grades).await, &format!("/ballots/{id}"));
    }

    for login in [BRANCH_SECRETARY, COMMITTEE_2, MEMBER, AUDITOR] {
        let client = app.login(login, PASSWORD).await;
        text(app.get(&client, &format!("/ballots/{id}/tally")).await, StatusCode::CONFLICT).await;
        let page = text(app.get(&client, &format!("/ballots/{id}")).await, StatusCode::OK).await;
        assert!(page.contains("data-testid=\"papers\">3<"), "the number of papers is shown:\n{page}");
        assert!(!page.contains("计票结果"), "{login} sees no tally:\n{page}");
        assert!(!page.contains("class=\"num\""), "{login} sees no count per member:\n{page}");
        assert!(!page.contains("data-testid=\"proposed\""), "{login}:\n{page}");
    }
    // Another branch's member does not see the ballot at all.
    app.add_member_account(f.branch2, "路人甲", "luren").await;
    let stranger = app.login("luren", PASSWORD).await;
    text(app.get(&stranger, &format!("/ballots/{id}")).await, StatusCode::FORBIDDEN).await;
    text(app.get(&stranger, &format!("/ballots/{id}/tally")).await, StatusCode::FORBIDDEN).await;

    // Who voted and what the papers say share no column: no voter, no time, no order.
    assert_eq!(columns(&app, "ballot_voters").await, ["ballot_id", "member_id"]);
    assert_eq!(columns(&app, "ballot_marks").await, ["ballot_id", "paper", "member_id", "grade"]);
    let error = app.try_execute("SELECT rowid FROM ballot_marks").await.expect_err("papers have no insertion order");
    assert!(error.to_string().contains("rowid"), "{error}");

    // Three papers of seven voting members: below the turnout, no close.
    text(close(&app, &secretary, id).await, StatusCode::CONFLICT).await;
    assert_eq!(app.text_of(&format!("SELECT status FROM ballots WHERE id = {id}")).await, "open");
    for (login, member) in &branch.voters[3..5] {
        let client = app.login(login, PASSWORD).await;
        let grades = paper(&branch, *member, |m| if m == f.liang { "excellent" } else { "qualified" });
        assert_redirect(&post_grades(&app, &client, id, "vote", &grades).await, &format!("/ballots/{id}"));
    }

    // After the close (five papers of seven), the tally is there.
    assert_redirect(&close(&app, &secretary, id).await, &format!("/ballots/{id}"));
    assert_redirect(&app.get(&secretary, &format!("/ballots/{id}/tally")).await, &format!("/ballots/{id}"));
    let page = text(app.get(&secretary, &format!("/ballots/{id}")).await, StatusCode::OK).await;
    let row = row_containing(&page, &format!("data-member=\"{}\"", f.liang)).expect("梁小改's tally");
    assert!(row.contains("<td class=\"num\">4</td><td class=\"num\">0</td>"), "four papers graded her 优秀:\n{row}");
    assert!(row.contains("<option value=\"excellent\" selected>"), "the proposal starts from the plurality:\n{row}");
    let row = row_containing(&page, &format!("data-member=\"{}\"", f.wang)).expect("王德福's tally");
    assert!(row.contains("<td class=\"num\">0</td><td class=\"num\">5</td>"), "five papers graded him 合格:\n{row}");
}

#[tokio::test]
async fn grades_are_decided_after_the_close_within_the_cap_and_never_by_the_proposer_about_themselves() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let branch = branch_with_voters(&app).await;
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let id = opened(&app, &secretary, f.branch1).await;
    // Everyone is graded 合格, except that the four voters other than 梁小改
    // and 胡国强 grade 梁小改 优秀: her tally is 4 优秀 : 1 合格.
    for (login, member) in &branch.voters {
        let client = app.login(login, PASSWORD).await;
        let admires = *member != f.hu;
        let grades = paper(&branch, *member, |m| if m == f.liang && admires { "excellent" } else { "qualified" });
        assert_redirect(&post_grades(&app, &client, id, "vote", &grades).await, &format!("/ballots/{id}"));
    }
    let proposal = |excellent: &[MemberId]| -> Vec<(MemberId, &'static str)> {
        branch.graded.iter().map(|m| (*m, if excellent.contains(m) { "excellent" } else { "qualified" })).collect()
    };
    let ledger = app.ledger_rows().await;

    // Not while the ballot is open; closing is the secretary's or the committee's.
    text(post_grades(&app, &secretary, id, "decide", &proposal(&[f.liang])).await, StatusCode::CONFLICT).await;
    app.add_branch_secretary(f.branch2, "吴书记", "wu").await;
    let other_secretary = app.login("wu", PASSWORD).await;
    for client in [&app.login(MEMBER, PASSWORD).await, &other_secretary] {
        text(close(&app, client, id).await, StatusCode::FORBIDDEN).await;
    }
    assert_eq!(app.text_of(&format!("SELECT status FROM ballots WHERE id = {id}")).await, "open");
    assert_redirect(&close(&app, &secretary, id).await, &format!("/ballots/{id}"));
    assert!(app.work(BRANCH_SECRETARY).await.contains(&"ballot.close".to_string()));

    let nothing_written = || async {
        assert_eq!(app.ledger_rows().await, ledger, "no entry");
        assert_eq!(app.rows_in("ballot_grades").await, 0, "no grade");
        assert_eq!(app.text_of(&format!("SELECT status FROM ballots WHERE id = {id}")).await, "closed");
    };
    // Two 优秀 of six graded: over the 33% cap (one place).
    let body =
        text(post_grades(&app, &secretary, id, "decide", &proposal(&[f.liang, f.wang])).await, StatusCode::CONFLICT)
            .await;
    assert!(body.contains("至多 1 人"), "{body}");
    nothing_written().await;
    // 胡国强 proposes, and the ballot made him 合格: he may not lift himself.
    let body = text(post_grades(&app, &secretary, id, "decide", &proposal(&[f.hu])).await, StatusCode::CONFLICT).await;
    assert!(body.contains("提议人本人"), "{body}");
    nothing_written().await;
    // Neither a member nor another branch's secretary proposes.
    for client in [&app.login(MEMBER, PASSWORD).await, &other_secretary] {
        text(post_grades(&app, client, id, "decide", &proposal(&[f.liang])).await, StatusCode::FORBIDDEN).await;
    }
    // A proposal that leaves someone out is refused.
    let mut incomplete = proposal(&[f.liang]);
    incomplete.pop();
    text(post_grades(&app, &secretary, id, "decide", &incomplete).await, StatusCode::CONFLICT).await;
    nothing_written().await;

    // A valid proposal: one entry per graded member, as the branch ballot's.
    let response = post_grades(&app, &secretary, id, "decide", &proposal(&[f.liang])).await;
    assert_redirect(&response, &format!("/ballots/{id}"));
    assert_eq!(app.ledger_rows().await, ledger + 6);
    let sql = format!(
        "SELECT member_id, rule_key, points_tenths, source_kind, recorded_by FROM ledger_entries \
         WHERE source_ref = 'ballot:{id}' ORDER BY member_id"
    );
    let entries: Vec<(MemberId, String, i64, String, String)> = app.rows(&sql).await;
    let ballot_actor = format!("ballot:{}", f.branch1);
    let expected: Vec<(MemberId, String, i64, String, String)> = branch
        .graded
        .iter()
        .map(|m| {
            let (rule, tenths) = if *m == f.liang { ("review.excellent", 60) } else { ("review.qualified", 40) };
            (*m, rule.to_string(), tenths, "ballot".to_string(), ballot_actor.clone())
        })
        .collect();
    assert_eq!(entries, expected, "no account typed a grade");

    // The tally and the proposed grade are kept side by side.
    let sql = format!(
        "SELECT g.member_id, g.excellent, g.qualified, g.basically, g.unqualified, g.proposed_grade \
         FROM ballot_grades g JOIN ledger_entries e ON e.id = g.entry_id \
         WHERE g.ballot_id = {id} AND e.member_id = g.member_id ORDER BY g.member_id"
    );
    let grades: Vec<(MemberId, i64, i64, i64, i64, String)> = app.rows(&sql).await;
    let expected: Vec<(MemberId, i64, i64, i64, i64, String)> = branch
        .graded
        .iter()
        .map(|m| {
            // Six voters; each member's own paper leaves them out.
            let papers = if branch.voters.iter().any(|(_, v)| v == m) { 5 } else { 6 };
            if *m == f.liang { (*m, 4, 1, 0, 0, "excellent".into()) } else { (*m, 0, papers, 0, 0, "qualified".into()) }
        })
        .collect();
    assert_eq!(grades, expected);
    assert_eq!(app.text_of(&format!("SELECT status FROM ballots WHERE id = {id}")).await, "decided");
    assert!(app.work(BRANCH_SECRETARY).await.contains(&"ballot.decide".to_string()));

    // Once.
    text(post_grades(&app, &secretary, id, "decide", &proposal(&[f.liang])).await, StatusCode::CONFLICT).await;
    let committee = app.login(COMMITTEE_2, PASSWORD).await;
    text(post_grades(&app, &committee, id, "decide", &proposal(&[])).await, StatusCode::CONFLICT).await;
    assert_eq!((app.ledger_rows().await, app.rows_in("ballot_grades").await), (ledger + 6, 6));
    let page = text(app.get(&app.login(MEMBER, PASSWORD).await, &format!("/ballots/{id}")).await, StatusCode::OK).await;
    let row = row_containing(&page, &format!("data-member=\"{}\"", f.liang)).expect("梁小改's grade");
    assert!(row.contains("优秀"), "{row}");
}

/// Every voter of `branch` but those in `skip` hands in a paper grading
/// everyone `qualified`, except `liang` whom the others grade `excellent`.
async fn everyone_votes(app: &TestApp, branch: &Branch, id: i64, skip: &[MemberId]) {
    let f = &app.fixture;
    for (login, member) in branch.voters.iter().filter(|(_, m)| !skip.contains(m)) {
        let client = app.login(login, PASSWORD).await;
        let grades = paper(branch, *member, |m| if m == f.liang { "excellent" } else { "qualified" });
        assert_redirect(&post_grades(app, &client, id, "vote", &grades).await, &format!("/ballots/{id}"));
    }
}

#[tokio::test]
async fn a_ballot_closes_only_at_the_turnout_and_no_tally_exists_below_it() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let branch = branch_with_voters(&app).await;
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;

    // The hole: one secretary hands in the only paper and closes, and the
    // tally then shows that paper whole. Refused: 1 of 7, the rule needs 5.
    let lone = opened(&app, &secretary, f.branch1).await;
    let grades = paper(&branch, f.hu, |_| "qualified");
    assert_redirect(&post_grades(&app, &secretary, lone, "vote", &grades).await, &format!("/ballots/{lone}"));
    let page = text(app.get(&secretary, &format!("/ballots/{lone}")).await, StatusCode::OK).await;
    assert!(page.contains("data-testid=\"papers-needed\">5<"), "the page says how many papers are needed:\n{page}");
    let body = text(close(&app, &secretary, lone).await, StatusCode::CONFLICT).await;
    assert!(body.contains("7 名有表决权的党员中已交 1 张") && body.contains("须达 5 张"), "{body}");
    // Nor does the committee close it, nor a ballot nobody voted in.
    let committee = app.login(COMMITTEE_2, PASSWORD).await;
    text(close(&app, &committee, lone).await, StatusCode::CONFLICT).await;
    let silent = opened_in(&app, &secretary, f.branch1, f.last_year().get()).await;
    text(close(&app, &secretary, silent).await, StatusCode::CONFLICT).await;
    for id in [lone, silent] {
        assert_eq!(app.text_of(&format!("SELECT status FROM ballots WHERE id = {id}")).await, "open");
        text(app.get(&secretary, &format!("/ballots/{id}/tally")).await, StatusCode::CONFLICT).await;
    }
    assert!(!app.work(BRANCH_SECRETARY).await.contains(&"ballot.close".to_string()), "nothing audited");

    // A ballot closed on one paper before the rule (a released database):
    // its tally is withheld, and no grade is written from it.
    app.execute(&format!("UPDATE ballots SET status = 'closed' WHERE id = {silent}")).await;
    let page = text(app.get(&secretary, &format!("/ballots/{silent}")).await, StatusCode::OK).await;
    assert!(page.contains("data-testid=\"tally-withheld\""), "{page}");
    assert!(!page.contains("class=\"num\""), "no count per member:\n{page}");
    let everyone: Vec<(MemberId, &str)> = branch.graded.iter().map(|m| (*m, "qualified")).collect();
    let ledger = app.ledger_rows().await;
    text(post_grades(&app, &secretary, silent, "decide", &everyone).await, StatusCode::CONFLICT).await;
    assert_eq!(app.ledger_rows().await, ledger);

    // Control: four more papers, five of seven, and the ballot closes.
    everyone_votes(&app, &branch, lone, &[f.hu, branch.voters[5].1]).await;
    assert_eq!(app.rows_in("ballot_voters").await, 5);
    assert_redirect(&close(&app, &secretary, lone).await, &format!("/ballots/{lone}"));
    let detail: Vec<(String,)> = app.rows("SELECT detail FROM audit_log WHERE action = 'ballot.close'").await;
    assert_eq!(detail, [(format!("ballot {lone}: 5 papers of 7 voting members"),)]);
    let page = text(app.get(&secretary, &format!("/ballots/{lone}")).await, StatusCode::OK).await;
    assert!(!page.contains("tally-withheld") && page.contains("class=\"num\""), "the tally is there:\n{page}");
}

#[tokio::test]
async fn a_grade_against_the_tally_needs_a_reason_and_a_second_person_s_co_sign() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let branch = branch_with_voters(&app).await;
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let id = opened(&app, &secretary, f.branch1).await;
    everyone_votes(&app, &branch, id, &[]).await;
    assert_redirect(&close(&app, &secretary, id).await, &format!("/ballots/{id}"));
    let jia = branch.voters[2].1;
    // The tally: 梁小改 优秀 (5 of 5), everyone else 合格. The secretary
    // would make 甲某, whom no paper graded 优秀, the branch's 优秀 instead.
    let against: Vec<(MemberId, &str)> =
        branch.graded.iter().map(|m| (*m, if *m == jia { "excellent" } else { "qualified" })).collect();
    let ledger = app.ledger_rows().await;
    let nothing_written = || async {
        assert_eq!(app.ledger_rows().await, ledger, "no entry");
        assert_eq!(app.rows_in("ballot_grades").await, 0, "no grade");
        assert_eq!(app.text_of(&format!("SELECT status FROM ballots WHERE id = {id}")).await, "closed");
    };

    // Without a reason: refused.
    let body = text(post_grades(&app, &secretary, id, "decide", &against).await, StatusCode::CONFLICT).await;
    assert!(body.contains("会签"), "{body}");
    nothing_written().await;
    assert_eq!(app.rows_in("ballot_exceptions").await, 0);

    // With a reason: proposed, and nothing is written yet.
    let csrf = app.csrf(&secretary).await;
    let names: Vec<String> = against.iter().map(|(m, _)| format!("g{m}")).collect();
    let mut fields: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
    fields.extend(names.iter().zip(&against).map(|(n, (_, g))| (n.as_str(), *g)));
    let (reason_field, liang_reason) = (format!("r{jia}"), format!("r{}", f.liang));
    fields.push((reason_field.as_str(), "全年带头参加秸秆禁烧巡逻"));
    fields.push((liang_reason.as_str(), "名额让给甲某"));
    let response = app.post(&secretary, &format!("/ballots/{id}/decide"), &fields).await;
    assert_redirect(&response, &format!("/ballots/{id}?awaiting=1"));
    nothing_written().await;
    let waiting: Vec<(MemberId, String, Option<i64>)> =
        app.rows("SELECT member_id, grade, cosigned_by FROM ballot_exceptions ORDER BY member_id").await;
    assert_eq!(waiting, [(f.liang, "qualified".into(), None), (jia, "excellent".into(), None)]);
    let page = text(app.get(&secretary, &format!("/ballots/{id}")).await, StatusCode::OK).await;
    assert!(page.contains("data-testid=\"awaiting-cosign\"") && page.contains("全年带头参加秸秆禁烧巡逻"), "{page}");

    // The proposer does not co-sign, nor does a second login of his.
    text(app.post(&secretary, &format!("/ballots/{id}/cosign"), &[("csrf", &csrf)]).await, StatusCode::FORBIDDEN).await;
    app.execute(&format!("UPDATE accounts SET disabled_at = '2026-01-01' WHERE id = {}", f.accounts[BRANCH_SECRETARY]))
        .await;
    app.add_account("hu2", Role::BranchSecretary, Some(f.hu), Some(f.branch1)).await;
    let second_login = app.login("hu2", PASSWORD).await;
    let csrf2 = app.csrf(&second_login).await;
    let body = text(
        app.post(&second_login, &format!("/ballots/{id}/cosign"), &[("csrf", &csrf2)]).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert!(body.contains("另一名党委委员"), "{body}");
    // Nor a relative of a member an exception is about: 赵春明 (王德福) is 甲某's.
    let committee = app.login(COMMITTEE, PASSWORD).await;
    let c = app.csrf(&committee).await;
    let (w, j) = (f.wang.to_string(), jia.to_string());
    let fields = [("csrf", c.as_str()), ("member", w.as_str()), ("relative", j.as_str()), ("relation", "父子")];
    assert_redirect(&app.post(&committee, "/integrity/relatives", &fields).await, "/integrity");
    let relative = app.login(COMMITTEE_2, PASSWORD).await;
    let c2 = app.csrf(&relative).await;
    text(app.post(&relative, &format!("/ballots/{id}/cosign"), &[("csrf", &c2)]).await, StatusCode::FORBIDDEN).await;
    // Nor a member of the branch without a seat on its committee.
    let member = app.login(MEMBER, PASSWORD).await;
    let c3 = app.csrf(&member).await;
    text(app.post(&member, &format!("/ballots/{id}/cosign"), &[("csrf", &c3)]).await, StatusCode::FORBIDDEN).await;
    nothing_written().await;
    // And while exceptions wait, no other proposal replaces them.
    let follows: Vec<(MemberId, &str)> =
        branch.graded.iter().map(|m| (*m, if *m == f.liang { "excellent" } else { "qualified" })).collect();
    text(post_grades(&app, &relative, id, "decide", &follows).await, StatusCode::CONFLICT).await;
    nothing_written().await;

    // Control: 彭雅丽, another committee member and no relative, co-signs.
    assert_redirect(
        &app.post(&committee, &format!("/ballots/{id}/cosign"), &[("csrf", &c)]).await,
        &format!("/ballots/{id}"),
    );
    assert_eq!(app.ledger_rows().await, ledger + 6);
    let sql =
        format!("SELECT member_id, rule_key FROM ledger_entries WHERE source_ref = 'ballot:{id}' ORDER BY member_id");
    let entries: Vec<(MemberId, String)> = app.rows(&sql).await;
    for (member, rule) in entries {
        let expected = if member == jia { "review.excellent" } else { "review.qualified" };
        assert_eq!(rule, expected, "member {member}");
    }
    let cosigned: Vec<(Option<AccountId>,)> = app.rows("SELECT DISTINCT cosigned_by FROM ballot_exceptions").await;
    assert_eq!(cosigned, [(Some(f.accounts[COMMITTEE]),)]);
    let detail: Vec<(String,)> = app.rows("SELECT detail FROM audit_log WHERE action = 'ballot.cosign'").await;
    assert!(detail[0].0.contains("胡国强") && detail[0].0.contains("彭雅丽"), "both names: {detail:?}");
    let page = text(app.get(&committee, &format!("/ballots/{id}")).await, StatusCode::OK).await;
    let table = &page[page.find("data-testid=\"exceptions\"").expect("the exceptions are shown")..];
    assert!(table.contains("胡国强") && table.contains("彭雅丽") && table.contains("名额让给甲某"), "{table}");
}

#[tokio::test]
async fn waiting_exceptions_are_withdrawn_and_the_tally_s_grades_proposed_afresh() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let branch = branch_with_voters(&app).await;
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let id = opened(&app, &secretary, f.branch1).await;
    everyone_votes(&app, &branch, id, &[]).await;
    assert_redirect(&close(&app, &secretary, id).await, &format!("/ballots/{id}"));
    let csrf = app.csrf(&secretary).await;
    let withdraw = |client: &Client, csrf: &str| {
        let path = format!("/ballots/{id}/withdraw");
        let csrf = csrf.to_string();
        let client = client.clone();
        let app = &app;
        async move { app.post(&client, &path, &[("csrf", csrf.as_str())]).await }
    };
    // Nothing waits: nothing to withdraw.
    text(withdraw(&secretary, &csrf).await, StatusCode::CONFLICT).await;
    // 王德福 (the tally's 合格) proposed 基本合格, with a reason.
    let mut fields: Vec<(String, String)> = vec![("csrf".into(), csrf.clone())];
    for m in &branch.graded {
        let grade = if *m == f.liang {
            "excellent"
        } else if *m == f.wang {
            "basically_qualified"
        } else {
            "qualified"
        };
        fields.push((format!("g{m}"), grade.into()));
    }
    fields.push((format!("r{}", f.wang), "全年未参加组织生活".into()));
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let response = app.post(&secretary, &format!("/ballots/{id}/decide"), &pairs).await;
    assert_redirect(&response, &format!("/ballots/{id}?awaiting=1"));
    assert_eq!(app.rows_in("ballot_exceptions").await, 1);
    // A member does not withdraw it; the committee may.
    let member = app.login(MEMBER, PASSWORD).await;
    text(withdraw(&member, &app.csrf(&member).await).await, StatusCode::FORBIDDEN).await;
    let committee = app.login(COMMITTEE, PASSWORD).await;
    assert_redirect(&withdraw(&committee, &app.csrf(&committee).await).await, &format!("/ballots/{id}"));
    assert_eq!(app.rows_in("ballot_exceptions").await, 0);
    assert!(app.work(COMMITTEE).await.contains(&"ballot.withdraw_exception".to_string()));
    // Proposed afresh as the tally gives: written at once.
    let follows: Vec<(MemberId, &str)> =
        branch.graded.iter().map(|m| (*m, if *m == f.liang { "excellent" } else { "qualified" })).collect();
    let ledger = app.ledger_rows().await;
    assert_redirect(&post_grades(&app, &secretary, id, "decide", &follows).await, &format!("/ballots/{id}"));
    assert_eq!(app.ledger_rows().await, ledger + 6);
}

#[tokio::test]
async fn no_stored_paper_can_be_traced_to_its_voter() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let branch = branch_with_voters(&app).await;
    let id = opened(&app, &app.login(BRANCH_SECRETARY, PASSWORD).await, f.branch1).await;
    for (login, member) in &branch.voters {
        let client = app.login(login, PASSWORD).await;
        let grades = paper(&branch, *member, |_| "qualified");
        assert_redirect(&post_grades(&app, &client, id, "vote", &grades).await, &format!("/ballots/{id}"));
    }
    // Whoever reads the database (a backup, an export) must not learn how
    // anyone voted. A paper grades everyone but its voter, so marks kept
    // together under one id would name their voter by the one graded member
    // they leave out: every mark stands alone, under its own random id.
    let (marks, ids): (i64, i64) =
        app.rows(&format!("SELECT COUNT(*), COUNT(DISTINCT paper) FROM ballot_marks WHERE ballot_id = {id}")).await[0];
    let expected: usize =
        branch.voters.iter().map(|(_, voter)| branch.graded.len() - usize::from(branch.graded.contains(voter))).sum();
    assert_eq!(marks, expected as i64, "every voter graded every full member but themselves");
    assert_eq!(ids, marks, "no two marks share an id, so no group of marks exists to trace");
}
