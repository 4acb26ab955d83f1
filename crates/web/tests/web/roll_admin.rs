//! The rest of the roll on the web (issue 12): a transfer out proposes
//! where each household goes and relinks them in the same transaction;
//! members transfer in; branches and party groups are added; accounts are
//! created for a member with a one-time password (one person, one
//! account), reset and disabled after a confirmation. Each is the
//! committee's only, needs the form's token and leaves an audit row with
//! the values before and after.

use super::helpers::*;
use reqwest::{Client, StatusCode};
use starledger_domain::org::MemberId;
use starledger_domain::rulebook::Rulebook;
use starledger_store::OrgQueries;

async fn post(app: &TestApp, client: &Client, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    let csrf = app.csrf(client).await;
    let mut fields = vec![("csrf", csrf.as_str())];
    fields.extend_from_slice(form);
    app.post(client, path, &fields).await
}

/// The one-time password a page shows once.
fn shown_password(html: &str) -> String {
    let start = html.find("data-testid=\"password\">").expect("a one-time password is shown") + 23;
    html[start..].split('<').next().unwrap().to_string()
}

#[tokio::test]
async fn a_transfer_out_relinks_the_households_to_the_proposed_nearest_members_in_one_transaction() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let committee = app.login(COMMITTEE, PASSWORD).await;
    let rules = Rulebook::default_rulebook().linking;
    let proposal = {
        let mut reader = app.store.read().await.unwrap();
        app.on_its_day(starledger_app::roll::relink_proposal(&mut reader, f.community, f.liang, &rules)).await.unwrap()
    };
    assert_eq!(proposal.len(), 4, "each of the four households gets a proposal");
    let members = app.store.read().await.unwrap().members(f.community).await.unwrap();
    for relink in &proposal {
        let to = relink.proposed.expect("someone has room");
        let member = members.iter().find(|m| m.id == to).unwrap();
        assert_ne!(to, f.liang, "not the member who leaves");
        assert!(member.linking.is_linked(), "{} links households", member.name);
        assert!(relink.candidates.iter().all(|c| c.linked < rules.households_max), "only members with room");
    }

    // The confirmation shows each household with its proposal chosen; nothing is written.
    let today = today().to_string();
    let summary = text(
        post(&app, &committee, &format!("/members/{}/transfer", f.liang), &[("on", today.as_str())]).await,
        StatusCode::OK,
    )
    .await;
    for (relink, address) in proposal.iter().zip(LIANG_ADDRESSES) {
        assert!(summary.contains(address), "{address} is listed");
        let chosen = format!("<option value=\"{}\" selected>", relink.proposed.unwrap());
        assert!(summary.contains(&format!("name=\"to_{}\"", relink.household)) && summary.contains(&chosen));
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM members WHERE left_on IS NOT NULL").await, 0);

    // A proposal changed to someone who does not link households: the
    // whole transfer is refused, nothing written.
    let audit = app.rows_in("audit_log").await;
    let to_wang = f.wang.to_string();
    let first = format!("to_{}", proposal[0].household);
    let form = [("on", today.as_str()), ("confirm", "yes"), (first.as_str(), to_wang.as_str())];
    let response = post(&app, &committee, &format!("/members/{}/transfer", f.liang), &form).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert_eq!(app.count("SELECT COUNT(*) FROM members WHERE left_on IS NOT NULL").await, 0);
    let still = app.count(&format!("SELECT COUNT(*) FROM household_links WHERE member_id = {}", f.liang)).await;
    assert_eq!(still, 4, "the households stay with the member");
    assert_eq!(app.rows_in("audit_log").await, audit);

    // Confirmed: three as proposed, the last left unlinked.
    let mut fields: Vec<(String, String)> = vec![("on".into(), today.clone()), ("confirm".into(), "yes".into())];
    for relink in &proposal[..3] {
        fields.push((format!("to_{}", relink.household), relink.proposed.unwrap().to_string()));
    }
    fields.push((format!("to_{}", proposal[3].household), String::new()));
    let form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let response = post(&app, &committee, &format!("/members/{}/transfer", f.liang), &form).await;
    assert_redirect(&response, "/households?filter=unlinked");
    for relink in &proposal[..3] {
        let linked = app
            .count(&format!("SELECT member_id FROM household_links WHERE household_id = {}", relink.household))
            .await;
        assert_eq!(MemberId::new(linked), relink.proposed.unwrap());
    }
    let left = app
        .count(&format!("SELECT COUNT(*) FROM household_links WHERE household_id = {}", proposal[3].household))
        .await;
    assert_eq!(left, 0, "the household left unlinked waits");
    let max = i64::from(rules.households_max);
    let over = app
        .count(&format!(
            "SELECT COUNT(*) FROM (SELECT member_id FROM household_links GROUP BY member_id HAVING COUNT(*) > {max}) x"
        ))
        .await;
    assert_eq!(over, 0, "no one past the maximum");
    let links: Vec<_> = app.audit_log().await.into_iter().filter(|(_, action, _)| action == "household.link").collect();
    assert_eq!(links.len(), 3, "{links:?}");
    assert!(links.iter().all(|(_, _, detail)| detail.contains("before (none); after member")), "{links:?}");
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM members WHERE id = {} AND left_on IS NOT NULL", f.liang)).await,
        1
    );
}

#[tokio::test]
async fn a_member_transfers_in_and_branches_and_groups_are_added() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let committee = app.login(COMMITTEE, PASSWORD).await;
    assert_eq!(app.get(&committee, "/members/transfer-in").await.status(), StatusCode::OK);
    let branch = f.branch1.to_string();
    let base = [("name", "转入甲"), ("branch", branch.as_str()), ("joined_on", "2026-05-01")];
    // Where from is required.
    let response = post(&app, &committee, "/members/transfer-in", &base).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let mut form = base.to_vec();
    form.push(("from", "城关镇某社区党委"));
    assert_redirect(&post(&app, &committee, "/members/transfer-in", &form).await, "/members?done=transferred_in");
    let row = app
        .count("SELECT COUNT(*) FROM members WHERE name = '转入甲' AND joined_on = '2026-05-01' AND note LIKE '转入自 城关镇%'")
        .await;
    assert_eq!(row, 1);
    let audit = app.audit_log().await;
    let entry = audit.iter().find(|(_, action, _)| action == "member.transfer_in").expect("audited");
    assert!(entry.2.contains("before (none)") && entry.2.contains("name=转入甲"), "{entry:?}");

    // A branch, then a party group in it.
    assert_redirect(&post(&app, &committee, "/branches", &[("name", "第三党支部")]).await, "/branches?done=saved");
    let id = app.count("SELECT id FROM branches WHERE name = '第三党支部'").await;
    let response = post(&app, &committee, &format!("/branches/{id}/groups"), &[("name", "第一党小组")]).await;
    assert_redirect(&response, "/branches?done=saved");
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM party_groups WHERE branch_id = {id}")).await, 1);
    let page = text(app.get(&committee, "/branches").await, StatusCode::OK).await;
    assert!(page.contains("第三党支部") && page.contains("第一党小组"), "{page}");
    // The same name twice: refused.
    assert_eq!(post(&app, &committee, "/branches", &[("name", "第三党支部")]).await.status(), StatusCode::CONFLICT);
    let audit = app.audit_log().await;
    assert!(audit.iter().any(|(_, a, d)| a == "branch.add" && d.contains("after name=第三党支部")));
    assert!(audit.iter().any(|(_, a, d)| a == "group.add" && d.contains("after name=第一党小组")));

    // Nobody else, and not without the token.
    let branches = app.rows_in("branches").await;
    for who in [MEMBER, BRANCH_SECRETARY, AUDITOR] {
        let client = app.login(who, PASSWORD).await;
        assert_eq!(post(&app, &client, "/branches", &[("name", "第九党支部")]).await.status(), StatusCode::FORBIDDEN);
        assert_eq!(post(&app, &client, "/members/transfer-in", &form).await.status(), StatusCode::FORBIDDEN);
        assert_eq!(app.get(&client, "/branches").await.status(), StatusCode::FORBIDDEN);
    }
    let response = app.post(&committee, "/branches", &[("csrf", "wrong"), ("name", "第九党支部")]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.rows_in("branches").await, branches);
}

#[tokio::test]
async fn only_the_committee_renames_branches_and_groups_and_never_onto_another_name() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let committee = app.login(COMMITTEE, PASSWORD).await;
    let branch1 = f.branch1;
    let taken = app.count(&format!("SELECT COUNT(*) FROM branches WHERE id <> {branch1}")).await;
    assert!(taken >= 1, "the fixture has another branch to collide with");
    let other: String =
        app.text_of(&format!("SELECT name FROM branches WHERE id <> {branch1} ORDER BY id LIMIT 1")).await;
    let before: String = app.text_of(&format!("SELECT name FROM branches WHERE id = {branch1}")).await;
    let rename = format!("/branches/{branch1}/rename");

    // A secretary (or anyone but the committee) is refused and nothing moves.
    let renames = || async { app.audit_log().await.iter().filter(|(_, a, _)| a.ends_with(".rename")).count() };
    for who in [MEMBER, BRANCH_SECRETARY, AUDITOR] {
        let client = app.login(who, PASSWORD).await;
        assert_eq!(post(&app, &client, &rename, &[("name", "东街党支部")]).await.status(), StatusCode::FORBIDDEN);
    }
    // Another branch's name: refused, in Chinese on a Chinese page.
    let response = post(&app, &committee, &rename, &[("name", other.as_str())]).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let page = response.text().await.unwrap();
    assert!(page.contains("本社区已有名为"), "{page}");
    assert_eq!(app.text_of(&format!("SELECT name FROM branches WHERE id = {branch1}")).await, before);
    assert_eq!(renames().await, 0, "a refused rename writes nothing");

    // The committee renames the branch, then a group in it.
    assert_redirect(&post(&app, &committee, &rename, &[("name", "东街党支部")]).await, "/branches?done=saved");
    assert_eq!(app.text_of(&format!("SELECT name FROM branches WHERE id = {branch1}")).await, "东街党支部");
    let audit = app.audit_log().await;
    let entry = audit.iter().find(|(_, a, _)| a == "branch.rename").expect("audited");
    assert!(
        entry.2.contains(&format!("before name={before}")) && entry.2.contains("after name=东街党支部"),
        "{entry:?}"
    );
    let groups = format!("/branches/{branch1}/groups");
    assert_redirect(&post(&app, &committee, &groups, &[("name", "第一党小组")]).await, "/branches?done=saved");
    assert_redirect(&post(&app, &committee, &groups, &[("name", "第二党小组")]).await, "/branches?done=saved");
    let group = app.count("SELECT id FROM party_groups WHERE name = '第一党小组'").await;
    let rename = format!("/groups/{group}/rename");
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    assert_eq!(post(&app, &secretary, &rename, &[("name", "东一组")]).await.status(), StatusCode::FORBIDDEN);
    let response = post(&app, &committee, &rename, &[("name", "第二党小组")]).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert!(response.text().await.unwrap().contains("本支部已有名为"));
    assert_redirect(&post(&app, &committee, &rename, &[("name", "东一组")]).await, "/branches?done=saved");
    assert_eq!(app.count("SELECT COUNT(*) FROM party_groups WHERE name = '东一组'").await, 1);
    let audit = app.audit_log().await;
    let entry = audit.iter().find(|(_, a, _)| a == "group.rename").expect("audited");
    assert!(entry.2.contains("before name=第一党小组") && entry.2.contains("after name=东一组"), "{entry:?}");
    let page = text(app.get(&committee, "/branches").await, StatusCode::OK).await;
    assert!(page.contains("东街党支部") && page.contains("东一组"), "{page}");
    // Not without the token.
    let response =
        app.post(&committee, &format!("/branches/{branch1}/rename"), &[("csrf", "wrong"), ("name", "x")]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_committee_creates_resets_and_disables_accounts_one_person_one_account() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let committee = app.login(COMMITTEE, PASSWORD).await;
    // Every member of the fixture has an account: one more member, without.
    let branch = f.branch1.to_string();
    let form = [("name", "新党员丙"), ("branch", branch.as_str()), ("joined_on", "2020-07-01")];
    assert_redirect(&post(&app, &committee, "/members/new", &form).await, "/members?done=added");
    let page = text(app.get(&committee, "/accounts").await, StatusCode::OK).await;
    assert!(page.contains("新党员丙") && !page.contains("梁小改（"), "only members without an account are offered");
    let wang = app.count("SELECT id FROM members WHERE name = '新党员丙'").await.to_string();
    let created =
        post(&app, &committee, "/accounts", &[("member", wang.as_str()), ("login", "wangdefu"), ("role", "member")])
            .await;
    let created = text(created, StatusCode::OK).await;
    let password = shown_password(&created);
    assert!(password.len() >= 10, "{password}");
    let stored = app.text_of("SELECT password_hash FROM accounts WHERE login = 'wangdefu'").await;
    assert!(!stored.contains(&password), "only the hash is kept");
    assert_eq!(app.count("SELECT COUNT(*) FROM accounts WHERE login = 'wangdefu' AND name = '新党员丙'").await, 1);
    assert_eq!(app.sign_in(&app.client(), "wangdefu", &password).await.status(), StatusCode::SEE_OTHER);
    let audit = app.audit_log().await;
    let entry = audit.iter().find(|(_, action, _)| action == "account.add").expect("audited");
    assert!(entry.2.contains("before (none)") && !entry.2.contains(&password), "{entry:?}");

    // One person, one account: a second one for 新党员丙 is refused.
    let accounts = app.rows_in("accounts").await;
    let again =
        post(&app, &committee, "/accounts", &[("member", wang.as_str()), ("login", "wang2"), ("role", "member")]).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert_eq!(app.rows_in("accounts").await, accounts);

    // A reset asks first (the old password would stop working at once),
    // then gives a new one-time password; the old one no longer works.
    let id = app.count("SELECT id FROM accounts WHERE login = 'wangdefu'").await;
    let hash = "SELECT password_hash FROM accounts WHERE login = 'wangdefu'";
    let before = app.text_of(hash).await;
    let asked = text(post(&app, &committee, &format!("/accounts/{id}/reset"), &[]).await, StatusCode::OK).await;
    assert!(asked.contains("name=\"confirm\"") && asked.contains("wangdefu"), "{asked}");
    assert_eq!(app.text_of(hash).await, before, "asking changes nothing");
    assert_eq!(app.sign_in(&app.client(), "wangdefu", &password).await.status(), StatusCode::SEE_OTHER);
    let reset = post(&app, &committee, &format!("/accounts/{id}/reset"), &[("confirm", "yes")]).await;
    let reset = text(reset, StatusCode::OK).await;
    let fresh = shown_password(&reset);
    assert_ne!(fresh, password);
    assert_ne!(app.sign_in(&app.client(), "wangdefu", &password).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.sign_in(&app.client(), "wangdefu", &fresh).await.status(), StatusCode::SEE_OTHER);

    // Disabling asks first, then ends the account; the person may have a new one.
    let summary = text(post(&app, &committee, &format!("/accounts/{id}/disable"), &[]).await, StatusCode::OK).await;
    assert!(summary.contains("name=\"confirm\""), "{summary}");
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM accounts WHERE id = {id} AND disabled_at IS NULL")).await, 1);
    let response = post(&app, &committee, &format!("/accounts/{id}/disable"), &[("confirm", "yes")]).await;
    assert_redirect(&response, "/accounts?done=disabled");
    assert_ne!(app.sign_in(&app.client(), "wangdefu", &fresh).await.status(), StatusCode::SEE_OTHER);
    let audit = app.audit_log().await;
    assert!(audit.iter().any(|(_, a, d)| a == "account.disable" && d.contains("before active; after disabled")));
    let replaced =
        post(&app, &committee, "/accounts", &[("member", wang.as_str()), ("login", "wang2"), ("role", "member")]).await;
    assert_eq!(replaced.status(), StatusCode::OK, "a disabled account's person may be given a new one");

    // Nobody disables their own account; nobody but the committee acts here.
    let own = f.accounts[COMMITTEE].to_string();
    let response = post(&app, &committee, &format!("/accounts/{own}/disable"), &[("confirm", "yes")]).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let accounts = app.rows_in("accounts").await;
    let disabled = app.count("SELECT COUNT(*) FROM accounts WHERE disabled_at IS NOT NULL").await;
    let account_audit = "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'account.%'";
    let audit = app.count(account_audit).await;
    let liang = f.liang.to_string();
    let target = f.accounts[MEMBER].to_string();
    for who in [MEMBER, BRANCH_SECRETARY, AUDITOR] {
        let client = app.login(who, PASSWORD).await;
        let form = [("member", liang.as_str()), ("login", "x1"), ("role", "committee")];
        assert_eq!(post(&app, &client, "/accounts", &form).await.status(), StatusCode::FORBIDDEN);
        let path = format!("/accounts/{target}/reset");
        assert_eq!(post(&app, &client, &path, &[]).await.status(), StatusCode::FORBIDDEN);
        let path = format!("/accounts/{target}/disable");
        assert_eq!(post(&app, &client, &path, &[("confirm", "yes")]).await.status(), StatusCode::FORBIDDEN);
        assert_eq!(app.get(&client, "/accounts").await.status(), StatusCode::FORBIDDEN);
    }
    let path = format!("/accounts/{target}/disable");
    let response = app.post(&committee, &path, &[("csrf", "wrong"), ("confirm", "yes")]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.rows_in("accounts").await, accounts);
    assert_eq!(app.count("SELECT COUNT(*) FROM accounts WHERE disabled_at IS NOT NULL").await, disabled);
    assert_eq!(app.count(account_audit).await, audit, "nothing audited: nothing done");
}
