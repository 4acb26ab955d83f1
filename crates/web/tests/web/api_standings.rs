//! `GET /api/v1/standings` a page at a time: rank order kept across pages,
//! the branch filter applied before paging, and a cursor the list did not
//! give refused.

use super::api::{answer, get, problem, token};
use super::helpers::*;
use reqwest::StatusCode;
use serde_json::Value;
use starledger_domain::org::MemberId;

#[tokio::test]
async fn the_standings_come_in_pages_in_rank_order_and_by_branch() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let year = f.year.get();
    let secret = token(&app, COMMITTEE, "read").await;
    let ids = |page: &Value| -> Vec<MemberId> {
        page["items"].as_array().unwrap().iter().map(|m| m["member_id"].as_i64().map(MemberId::new).unwrap()).collect()
    };
    let (status, whole) = answer(get(&app, &secret, &format!("/api/v1/standings?year={year}")).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(whole["next_cursor"], Value::Null, "one page holds them all: {whole}");
    let everyone = ids(&whole);
    assert!(everyone.len() >= 4, "{whole}");

    // Pages of two give the same members in the same order.
    let mut paged = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..everyone.len() {
        let path = match &cursor {
            Some(c) => format!("/api/v1/standings?year={year}&limit=2&cursor={c}"),
            None => format!("/api/v1/standings?year={year}&limit=2"),
        };
        let (status, page) = answer(get(&app, &secret, &path).await).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page["items"].as_array().unwrap().len() <= 2, "{page}");
        paged.extend(ids(&page));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    assert_eq!(paged, everyone, "pages of two keep the rank order");

    // The branch filter applies before paging.
    let branch1 = format!("/api/v1/standings?year={year}&branch={}", f.branch1);
    let (_, first) = answer(get(&app, &secret, &format!("{branch1}&limit=1")).await).await;
    assert_eq!(ids(&first).len(), 1);
    let next = first["next_cursor"].as_str().expect("branch 1 has three members").to_string();
    let (_, rest) = answer(get(&app, &secret, &format!("{branch1}&cursor={next}&limit=200")).await).await;
    let mut branch: Vec<MemberId> = [ids(&first), ids(&rest)].concat();
    branch.sort_unstable();
    let mut expected = vec![f.liang, f.hu, f.wang];
    expected.sort_unstable();
    assert_eq!(branch, expected);
    assert_eq!(rest["next_cursor"], Value::Null);

    // A member of branch 2 is no cursor into branch 1's list.
    let foreign = format!("{branch1}&cursor=c{}", f.peng);
    problem(get(&app, &secret, &foreign).await, StatusCode::BAD_REQUEST, "invalid").await;
    problem(
        get(&app, &secret, &format!("/api/v1/standings?year={year}&limit=0")).await,
        StatusCode::BAD_REQUEST,
        "invalid",
    )
    .await;
}
