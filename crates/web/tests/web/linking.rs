//! Household linking (/households, 联户定岗): the committee links several
//! households to a member at once, or unlinks them. Members with a post or
//! an exemption link none, nobody goes past the rulebook's maximum (10), and
//! a refused batch writes nothing at all.

use super::helpers::*;
use reqwest::{Client, Response, StatusCode};
use starledger_domain::org::{HouseholdId, MemberId};

async fn change(
    app: &TestApp,
    client: &Client,
    action: &str,
    member: MemberId,
    households: &[HouseholdId],
) -> Response {
    let csrf = app.csrf(client).await;
    let member = member.to_string();
    let ids: Vec<String> = households.iter().map(ToString::to_string).collect();
    let mut fields = vec![("csrf", csrf.as_str()), ("member", member.as_str()), ("action", action)];
    fields.extend(ids.iter().map(|id| ("h", id.as_str())));
    app.post(client, "/households/link", &fields).await
}

/// The member each household is linked to, by household.
async fn links(app: &TestApp) -> Vec<(HouseholdId, MemberId, String)> {
    app.rows("SELECT household_id, member_id, linked_by FROM household_links ORDER BY household_id").await
}

async fn linked_to(app: &TestApp, member: MemberId) -> i64 {
    app.count(&format!("SELECT COUNT(*) FROM household_links WHERE member_id = {member}")).await
}

#[tokio::test]
async fn the_committee_links_several_households_at_once() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let committee = app.login(COMMITTEE, PASSWORD).await;
    let html = text(app.get(&committee, "/households").await, StatusCode::OK).await;
    // The member picker's options (the branch filter has options too).
    let page = &html[html.find("id=\"member-pick\"").expect("the picker")..];
    let page = &page[..page.find("</select>").expect("the picker ends")];
    assert!(page.contains(&format!("<option value=\"{}\">", f.liang)), "{page}");
    for excused in [f.wang, f.hu] {
        assert!(!page.contains(&format!("<option value=\"{excused}\">")), "member {excused} links no households");
    }
    let south = app.add_household("南街8号", None).await;
    let chosen = [f.unlinked_household, south, f.peng_household_unissued];

    let page = text(change(&app, &committee, "link", f.liang, &chosen).await, StatusCode::OK).await;
    assert!(page.contains("梁小改 现联系 7 户"), "{page}");
    // Named as every other link is (the CLI's, a transfer's, an import's).
    let actor = format!("account:{} ({COMMITTEE})", f.accounts[COMMITTEE]);
    let now: Vec<_> = links(&app).await.into_iter().filter(|(h, ..)| chosen.contains(h)).collect();
    let mut expected: Vec<_> = chosen.iter().map(|h| (*h, f.liang, actor.clone())).collect();
    expected.sort();
    assert_eq!(now, expected);
    assert_eq!(linked_to(&app, f.liang).await, 7);
    assert_eq!(linked_to(&app, f.peng).await, 1, "西街6号 moved from 彭雅丽");
    assert_eq!(links_by(&app, &actor).await, 3, "one audit row per link, by the committee");

    // Linking again what is already linked changes nothing.
    let page = text(change(&app, &committee, "link", f.liang, &chosen).await, StatusCode::OK).await;
    assert!(page.contains("梁小改 现联系 7 户"), "{page}");
    assert_eq!(links_by(&app, &actor).await, 3);
}

/// How many household links the audit log holds by `actor`.
async fn links_by(app: &TestApp, actor: &str) -> usize {
    app.audit_log().await.into_iter().filter(|(by, a, _)| by == actor && a == "household.link").count()
}

#[tokio::test]
async fn a_member_with_a_post_or_an_exemption_links_no_households() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let committee = app.login(COMMITTEE, PASSWORD).await;
    let before = app.written().await;
    for member in [f.wang, f.hu] {
        let response = change(&app, &committee, "link", member, &[f.unlinked_household]).await;
        text(response, StatusCode::CONFLICT).await;
    }
    assert_eq!(app.written().await, before);
    assert_eq!((linked_to(&app, f.wang).await, linked_to(&app, f.hu).await), (0, 0));
}

#[tokio::test]
async fn going_past_the_maximum_refuses_the_whole_batch() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let mut new = Vec::new();
    for n in 1..=7 {
        new.push(app.add_household(&format!("新村{n}号"), None).await);
    }
    let committee = app.login(COMMITTEE, PASSWORD).await;
    let before = app.written().await;

    // 梁小改 serves 4; seven more would make 11.
    let refused = text(change(&app, &committee, "link", f.liang, &new).await, StatusCode::CONFLICT).await;
    assert!(refused.contains("规则上限"), "{refused}");
    assert_eq!(app.written().await, before, "not even the first six are linked");
    assert_eq!(linked_to(&app, f.liang).await, 4);

    // Six make ten, the maximum; one more is refused.
    text(change(&app, &committee, "link", f.liang, &new[..6]).await, StatusCode::OK).await;
    assert_eq!(linked_to(&app, f.liang).await, 10);
    let full = app.written().await;
    text(change(&app, &committee, "link", f.liang, &new[6..]).await, StatusCode::CONFLICT).await;
    assert_eq!(app.written().await, full);
}

#[tokio::test]
async fn the_committee_unlinks_households() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let committee = app.login(COMMITTEE_2, PASSWORD).await;
    let chosen = [f.liang_households[0], f.liang_households[1], f.unlinked_household];

    let page = text(change(&app, &committee, "unlink", f.liang, &chosen).await, StatusCode::OK).await;
    assert!(page.contains("已解除 3 户的联系"), "{page}");
    let left: Vec<HouseholdId> = links(&app).await.into_iter().map(|(h, ..)| h).collect();
    assert!(!left.contains(&f.liang_households[0]) && !left.contains(&f.liang_households[1]), "{left:?}");
    assert_eq!(linked_to(&app, f.liang).await, 2);
    // Only the two that were linked are audited.
    assert_eq!(app.work(COMMITTEE_2).await, ["household.unlink", "household.unlink"]);
    let page = text(app.get(&committee, "/households").await, StatusCode::OK).await;
    let row = row_containing(&page, &format!("data-household=\"{}\"", f.liang_households[0])).expect("listed");
    assert!(row.contains("（未联户）"), "{row}");

    // An action that is neither.
    let before = app.written().await;
    text(change(&app, &committee, "swap", f.liang, &chosen).await, StatusCode::BAD_REQUEST).await;
    assert_eq!(app.written().await, before);
}

#[tokio::test]
async fn only_the_committee_changes_links() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let before = app.written().await;
    for login in [BRANCH_SECRETARY, MEMBER, AUDITOR] {
        let client = app.login(login, PASSWORD).await;
        for action in ["link", "unlink"] {
            let response = change(&app, &client, action, f.liang, &[f.unlinked_household, f.peng_household]).await;
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{login} {action}s");
        }
    }
    // The committee itself needs the form's token.
    let committee = app.login(COMMITTEE, PASSWORD).await;
    let fields =
        [("csrf", "x"), ("member", &f.liang.to_string()), ("action", "link"), ("h", &f.unlinked_household.to_string())];
    text(app.post(&committee, "/households/link", &fields).await, StatusCode::FORBIDDEN).await;
    assert_eq!(app.written().await, before);

    // The page: the committee and the auditor read it; others do not.
    let auditor = app.login(AUDITOR, PASSWORD).await;
    text(app.get(&auditor, "/households").await, StatusCode::OK).await;
    for login in [BRANCH_SECRETARY, MEMBER] {
        let client = app.login(login, PASSWORD).await;
        text(app.get(&client, "/households").await, StatusCode::FORBIDDEN).await;
    }
}

#[tokio::test]
async fn a_member_who_left_the_roll_links_no_households() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let left_on = today().yesterday().expect("a yesterday");
    let gone =
        app.add_member(NewPerson { left_on: Some(left_on), ..NewPerson::in_branch(f.branch1, "离开的人") }).await;
    let committee = app.login(COMMITTEE, PASSWORD).await;
    let page = text(app.get(&committee, "/households").await, StatusCode::OK).await;
    assert!(!page.contains(&format!("<option value=\"{gone}\">")), "not offered");

    let before = app.written().await;
    let response = change(&app, &committee, "link", gone, &[f.unlinked_household]).await;
    text(response, StatusCode::CONFLICT).await;
    assert_eq!(app.written().await, before);
}

#[tokio::test]
async fn a_household_or_member_of_another_community_is_not_found() {
    let app = spawn_app_with_neighbour().await;
    let f = &app.fixture;
    let neighbour = app.neighbour.as_ref().expect("the neighbour");
    let committee = app.login(COMMITTEE, PASSWORD).await;
    let before = app.written().await;
    text(change(&app, &committee, "link", f.liang, &[neighbour.household]).await, StatusCode::NOT_FOUND).await;
    text(change(&app, &committee, "unlink", f.liang, &[neighbour.household]).await, StatusCode::NOT_FOUND).await;
    text(change(&app, &committee, "link", neighbour.member, &[f.unlinked_household]).await, StatusCode::NOT_FOUND)
        .await;
    assert_eq!(app.written().await, before);
}
