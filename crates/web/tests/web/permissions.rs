//! Who may open what: one table of (who, method, path, expected answer),
//! checked on the server whatever the page offers; refused writes write nothing.

use super::helpers::*;
use reqwest::{Client, Method, StatusCode};
use starledger_domain::org::HouseholdId;
use std::collections::HashMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Who {
    Anonymous,
    Committee,
    BranchSecretary,
    Member,
    Auditor,
}

impl Who {
    fn login(self) -> Option<&'static str> {
        match self {
            Who::Anonymous => None,
            Who::Committee => Some(COMMITTEE),
            Who::BranchSecretary => Some(BRANCH_SECRETARY),
            Who::Member => Some(MEMBER),
            Who::Auditor => Some(AUDITOR),
        }
    }
}

/// What a request should get: a status, and for a redirect where it leads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    Ok,
    Redirect(&'static str),
    Forbidden,
}

struct Scenario {
    who: Who,
    method: Method,
    path: String,
    expect: Expect,
}

fn scenario(who: Who, method: Method, path: impl Into<String>, expect: Expect) -> Scenario {
    Scenario { who, method, path: path.into(), expect }
}

/// Signed-in clients for every role, with their CSRF tokens.
async fn clients(app: &TestApp) -> HashMap<Who, (Client, String)> {
    let mut clients = HashMap::new();
    for who in [Who::Anonymous, Who::Committee, Who::BranchSecretary, Who::Member, Who::Auditor] {
        let entry = match who.login() {
            None => (app.client(), "x".repeat(64)),
            Some(login) => {
                let client = app.login(login, PASSWORD).await;
                let csrf = app.csrf(&client).await;
                (client, csrf)
            }
        };
        clients.insert(who, entry);
    }
    clients
}

async fn run(app: &TestApp, scenarios: &[Scenario]) {
    let clients = clients(app).await;
    let mut failures = Vec::new();
    for s in scenarios {
        let (client, csrf) = &clients[&s.who];
        let request = client.request(s.method.clone(), app.url(&s.path));
        let request = if s.method == Method::POST { request.form(&[("csrf", csrf)]) } else { request };
        let response = request.send().await.expect("answered");
        let got = match (response.status(), location(&response)) {
            (StatusCode::OK, _) => Some(Expect::Ok),
            (StatusCode::FORBIDDEN, _) => Some(Expect::Forbidden),
            (StatusCode::SEE_OTHER, to) if to == "/me" => Some(Expect::Redirect("/me")),
            (StatusCode::SEE_OTHER, to) if to == "/login" => Some(Expect::Redirect("/login")),
            (StatusCode::SEE_OTHER, to) if to == "/households/cards" => Some(Expect::Redirect("/households/cards")),
            _ => None,
        };
        if got != Some(s.expect) {
            failures.push(format!(
                "{:?} {} {}: expected {:?}, got {} {}",
                s.who,
                s.method,
                s.path,
                s.expect,
                response.status(),
                location(&response)
            ));
        }
    }
    assert!(failures.is_empty(), "permission scenarios failed:\n{}", failures.join("\n"));
}

#[tokio::test]
async fn every_role_reaches_exactly_its_pages() {
    use Expect::*;
    use Who::*;
    let app = spawn_app().await;
    let f = &app.fixture;
    let get = Method::GET;
    let scenarios = vec![
        // The dashboard: members are sent to their own record.
        scenario(Committee, get.clone(), "/", Ok),
        scenario(Auditor, get.clone(), "/", Ok),
        scenario(BranchSecretary, get.clone(), "/", Ok),
        scenario(Member, get.clone(), "/", Redirect("/me")),
        // Household cards: the committee and branch secretaries only.
        scenario(Committee, get.clone(), "/households/cards", Ok),
        scenario(Committee, get.clone(), format!("/households/cards?branch={}", f.branch2), Ok),
        // Cards carry households' links: only the committee prints them.
        scenario(BranchSecretary, get.clone(), "/households/cards", Forbidden),
        scenario(BranchSecretary, get.clone(), format!("/households/cards?branch={}", f.branch1), Forbidden),
        scenario(BranchSecretary, get.clone(), format!("/households/cards?branch={}", f.branch2), Forbidden),
        scenario(Member, get.clone(), "/households/cards", Forbidden),
        scenario(Auditor, get.clone(), "/households/cards", Forbidden),
        // My record: only accounts that are members.
        scenario(Member, get.clone(), "/me", Ok),
        scenario(BranchSecretary, get.clone(), "/me", Ok),
        scenario(Committee, get.clone(), "/me", Ok),
        scenario(Auditor, get.clone(), "/me", Forbidden),
        // Standings: everyone signed in.
        scenario(Committee, get.clone(), "/standings", Ok),
        scenario(BranchSecretary, get.clone(), "/standings", Ok),
        scenario(Member, get.clone(), "/standings", Ok),
        scenario(Auditor, get.clone(), "/standings", Ok),
        // The auditor's anomaly flags and the entries behind them: the
        // committee and the auditor only.
        scenario(Committee, get.clone(), "/audit/anomalies", Ok),
        scenario(Auditor, get.clone(), "/audit/anomalies", Ok),
        scenario(BranchSecretary, get.clone(), "/audit/anomalies", Forbidden),
        scenario(Member, get.clone(), "/audit/anomalies", Forbidden),
        scenario(Anonymous, get.clone(), "/audit/anomalies", Redirect("/login")),
        scenario(Committee, get.clone(), format!("/audit/entries?year={}", f.year), Ok),
        scenario(Auditor, get.clone(), format!("/audit/entries?year={}", f.year), Ok),
        scenario(BranchSecretary, get.clone(), format!("/audit/entries?year={}", f.year), Forbidden),
        scenario(Member, get.clone(), format!("/audit/entries?year={}", f.year), Forbidden),
        scenario(Anonymous, get.clone(), format!("/audit/entries?year={}", f.year), Redirect("/login")),
        // The password page: everyone signed in.
        scenario(Member, get.clone(), "/password", Ok),
        scenario(Auditor, get.clone(), "/password", Ok),
        // Anonymous visitors are sent to sign in.
        scenario(Anonymous, get.clone(), "/", Redirect("/login")),
        scenario(Anonymous, get.clone(), "/me", Redirect("/login")),
        scenario(Anonymous, get.clone(), "/standings", Redirect("/login")),
        scenario(Anonymous, get.clone(), "/households/cards", Redirect("/login")),
        scenario(Anonymous, get.clone(), "/password", Redirect("/login")),
        // The public pages.
        scenario(Anonymous, get.clone(), "/login", Ok),
        scenario(Anonymous, get.clone(), "/static/app.css", Ok),
        scenario(Anonymous, get, format!("/r/{}", f.tokens[&f.peng_household]), Ok),
    ];
    run(&app, &scenarios).await;
}

#[tokio::test]
async fn only_the_committee_issues_and_revokes_links() {
    use Expect::*;
    use Who::*;
    let app = spawn_app().await;
    let f = &app.fixture;
    let post = Method::POST;
    let own_branch = f.liang_households[0];
    let revoke = |household: HouseholdId| format!("/households/{household}/revoke");
    let mut scenarios = Vec::new();
    for who in [BranchSecretary, Member, Auditor] {
        scenarios.push(scenario(who, post.clone(), "/households/links", Forbidden));
        scenarios.push(scenario(who, post.clone(), revoke(f.peng_household), Forbidden));
        scenarios.push(scenario(who, post.clone(), revoke(own_branch), Forbidden));
    }
    scenarios.push(scenario(Anonymous, post.clone(), "/households/links", Redirect("/login")));
    scenarios.push(scenario(Anonymous, post, revoke(f.peng_household), Redirect("/login")));

    let tokens_before = app.count("SELECT COUNT(*) FROM household_tokens").await;
    run(&app, &scenarios).await;
    assert_eq!(app.count("SELECT COUNT(*) FROM household_tokens").await, tokens_before, "no link was issued");
    assert_eq!(app.count("SELECT COUNT(*) FROM household_tokens WHERE revoked_at IS NOT NULL").await, 0);
    for (household, token) in &f.tokens {
        assert_eq!(app.live_token(f.community, *household).await.as_ref(), Some(token), "household {household}");
    }
    let log = app.audit_log().await;
    assert!(!log.iter().any(|(_, action, _)| action.starts_with("household.")), "{log:?}");
}

#[tokio::test]
async fn the_committee_issues_missing_links_and_revokes_lost_ones() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let committee = app.login(COMMITTEE, PASSWORD).await;
    let csrf = app.csrf(&committee).await;

    // 西街6号 is linked to 彭雅丽 but has no link yet; 北街7号 is linked to no one.
    let cards =
        text(app.get(&committee, &format!("/households/cards?branch={}", f.branch2)).await, StatusCode::OK).await;
    assert!(cards.contains("action=\"/households/links\""), "the committee is offered to issue the missing link");
    assert_redirect(&app.post(&committee, "/households/links", &[("csrf", &csrf)]).await, "/households/cards");
    assert!(app.live_token(f.community, f.peng_household_unissued).await.is_some(), "the missing link is issued");
    assert_eq!(app.live_token(f.community, f.unlinked_household).await, None, "no link for a household with no member");
    for (household, token) in &f.tokens {
        assert_eq!(app.live_token(f.community, *household).await.as_ref(), Some(token), "existing links are kept");
    }
    let cards =
        text(app.get(&committee, &format!("/households/cards?branch={}", f.branch2)).await, StatusCode::OK).await;
    assert!(cards.contains(&format!("data-household=\"{}\"", f.peng_household_unissued)));
    assert!(app.audited_actions(COMMITTEE).await.contains(&"household.links.issue".to_string()));

    // The second committee member revokes a lost card.
    let other = app.login(COMMITTEE_2, PASSWORD).await;
    let other_csrf = app.csrf(&other).await;
    let lost = f.liang_households[2];
    let path = format!("/households/{lost}/revoke");
    assert_redirect(&app.post(&other, &path, &[("csrf", &other_csrf)]).await, "/households/cards");
    let replacement = app.live_token(f.community, lost).await.expect("a replacement link");
    assert_ne!(replacement, f.tokens[&lost]);
    let sql = format!("SELECT COUNT(*) FROM household_tokens WHERE household_id = {lost} AND revoked_at IS NOT NULL");
    assert_eq!(app.count(&sql).await, 1);
    // A household that does not exist.
    text(app.post(&other, "/households/999999/revoke", &[("csrf", &other_csrf)]).await, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn a_branch_secretary_sees_the_dashboard_of_their_branch_only_and_no_cards() {
    let app = spawn_app().await;
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;

    // Cards carry households' private links: the committee prints them
    // (issue 10, item 7), not a branch secretary, whose branch's cards
    // could otherwise rate as its households.
    let cards = text(app.get(&secretary, "/households/cards").await, StatusCode::FORBIDDEN).await;
    assert!(!cards.contains("data-household=") && !cards.contains("/r/"), "{cards}");

    let dashboard = text(app.get(&secretary, "/").await, StatusCode::OK).await;
    assert!(dashboard.contains("第一党支部") && !dashboard.contains("第二党支部"), "{dashboard}");
    assert!(!dashboard.contains("北街7号"), "the community's unlinked households are the committee's business");
    let committee = app.login(COMMITTEE, PASSWORD).await;
    let dashboard = text(app.get(&committee, "/").await, StatusCode::OK).await;
    assert!(dashboard.contains("十里社区") && dashboard.contains("第二党支部") && dashboard.contains("北街7号"));
}
