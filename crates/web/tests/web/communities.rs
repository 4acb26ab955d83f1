//! Two communities in one database (the store allows it, the CLI does not):
//! an account of one sees and touches nothing of the other.

use super::helpers::*;
use reqwest::StatusCode;
use starledger_domain::org::MemberId;

#[tokio::test]
async fn the_committee_of_one_community_cannot_reach_the_other() {
    let app = spawn_app_with_neighbour().await;
    let f = &app.fixture;
    let n = app.neighbour.as_ref().expect("the neighbour community");
    let committee = app.login(COMMITTEE, PASSWORD).await;
    let csrf = app.csrf(&committee).await;

    // Revoking the neighbour's household: it is not ours, so it is not found.
    let response = app.post(&committee, &format!("/households/{}/revoke", n.household), &[("csrf", &csrf)]).await;
    text(response, StatusCode::NOT_FOUND).await;
    assert_eq!(app.live_token(n.community, n.household).await.as_deref(), Some(n.token.as_str()), "the link lives");
    let sql = format!("SELECT COUNT(*) FROM household_tokens WHERE household_id = {}", n.household);
    assert_eq!(app.count(&sql).await, 1, "no token was issued to the neighbour's household");
    let household = app.client();
    app.bind(&household, &n.token).await;
    let page = text(app.get(&household, &format!("/r/{}", n.token)).await, StatusCode::OK).await;
    assert!(page.contains("邻居甲"), "the neighbour's household still rates its member");

    // The neighbour's branch is not ours to print.
    let path = format!("/households/cards?branch={}", n.branch);
    text(app.get(&committee, &path).await, StatusCode::FORBIDDEN).await;
    for branch in [f.branch1, f.branch2] {
        let cards =
            text(app.get(&committee, &format!("/households/cards?branch={branch}")).await, StatusCode::OK).await;
        assert!(!cards.contains("五里南街9号") && !cards.contains(&n.token), "branch {branch}'s cards");
    }

    // Standings and the dashboard list our members only.
    let page = text(app.get(&committee, "/standings").await, StatusCode::OK).await;
    assert_eq!(member_rows(&page).len(), 5);
    assert!(!page.contains("邻居甲") && !page.contains("五里第一党支部"), "{page}");
    let page = text(app.get(&committee, &format!("/standings?branch={}", n.branch)).await, StatusCode::OK).await;
    assert_eq!(member_rows(&page), Vec::<MemberId>::new(), "the neighbour's branch filters to nobody");
    let page = text(app.get(&committee, "/").await, StatusCode::OK).await;
    assert!(!page.contains("邻居甲") && !page.contains("五里"), "{page}");
    let page = text(app.get(&committee, "/me").await, StatusCode::OK).await;
    assert!(page.contains("彭雅丽") && !page.contains("邻居甲"));
    assert!(!app.audited_actions(COMMITTEE).await.iter().any(|a| a.starts_with("household.")));
}

#[tokio::test]
async fn the_neighbour_sees_only_its_own_community() {
    let app = spawn_app_with_neighbour().await;
    let f = &app.fixture;
    let n = app.neighbour.as_ref().expect("the neighbour community");
    let neighbour = app.login(NEIGHBOUR_COMMITTEE, PASSWORD).await;
    let csrf = app.csrf(&neighbour).await;

    let page = text(app.get(&neighbour, "/standings").await, StatusCode::OK).await;
    assert_eq!(member_rows(&page), [n.member, n.secretary]);
    let cards = text(app.get(&neighbour, "/households/cards").await, StatusCode::OK).await;
    assert!(cards.contains(&format!("data-household=\"{}\"", n.household)) && !cards.contains("东街"), "{cards}");
    let path = format!("/households/cards?branch={}", f.branch1);
    text(app.get(&neighbour, &path).await, StatusCode::FORBIDDEN).await;

    let ours = f.liang_households[0];
    let response = app.post(&neighbour, &format!("/households/{ours}/revoke"), &[("csrf", &csrf)]).await;
    text(response, StatusCode::NOT_FOUND).await;
    assert_eq!(app.live_token(f.community, ours).await.as_ref(), Some(&f.tokens[&ours]));

    // Issuing missing links issues the neighbour's only; ours stays missing.
    assert_redirect(&app.post(&neighbour, "/households/links", &[("csrf", &csrf)]).await, "/households/cards");
    assert_eq!(app.live_token(f.community, f.peng_household_unissued).await, None);
}

#[tokio::test]
async fn the_dashboard_names_the_viewer_s_community() {
    let app = spawn_app_with_neighbour().await;
    for (login, name) in [(COMMITTEE, "十里社区"), (NEIGHBOUR_COMMITTEE, "五里社区")] {
        let client = app.login(login, PASSWORD).await;
        let page = text(app.get(&client, "/").await, StatusCode::OK).await;
        assert!(page.contains(&format!("· {name}</h1>")), "{login}'s dashboard names {name}:\n{page}");
    }
}
