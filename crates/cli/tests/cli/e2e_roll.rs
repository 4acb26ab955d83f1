//! End to end, in a real browser on a phone: the committee transfers a
//! member of the demo out and, on the same confirmation, keeps the
//! system's proposal for each of their households (the nearest member with
//! room under the maximum) but changes one; the transfer and the relinking
//! land together.
//!
//! Needs /usr/bin/chromium and /usr/bin/chromedriver; without them the test
//! prints `SKIPPED` and passes, unless `STARLEDGER_E2E=require` is set.

use super::browser::{Site, browser_available};
use std::sync::Arc;

/// 梁雍宏, the community committee's secretary.
const COMMITTEE: &str = "liangyonghong";
const PHONE: (u32, u32) = (390, 844);

#[tokio::test]
async fn the_committee_transfers_a_member_out_and_relinks_their_households() {
    if !browser_available() {
        return;
    }
    Site::demo().await.run(transfer_and_relink).await;
}

async fn transfer_and_relink(site: Arc<Site>) {
    let mut db = site.db().await;
    // A member who serves at least two households.
    let (member, name): (i64, String) = sqlx::query_as(
        "SELECT m.id, m.name FROM members m JOIN household_links l ON l.member_id = m.id \
         WHERE m.left_on IS NULL GROUP BY m.id, m.name HAVING COUNT(*) >= 2 ORDER BY m.id LIMIT 1",
    )
    .fetch_one(&mut db)
    .await
    .expect("the demo has a member with households");
    let households: Vec<i64> =
        sqlx::query_scalar("SELECT household_id FROM household_links WHERE member_id = $1 ORDER BY household_id")
            .bind(member)
            .fetch_all(&mut db)
            .await
            .unwrap();

    let phone = site.session(PHONE.0, PHONE.1).await;
    phone.sign_in(COMMITTEE).await;
    phone.goto(&format!("/members/{member}/edit")).await;
    phone.click(&format!("form[action='/members/{member}/transfer'] button[type=submit]")).await;
    assert!(phone.text("main h1").await.contains(&name), "the confirmation names {name}");
    assert_eq!(phone.count("select[name^='to_']").await, households.len(), "one proposal per household");

    // Every household has someone proposed; change the first one to
    // another member offered whom no other household is proposed to (so
    // they have room for it).
    let mut chosen = Vec::new();
    for household in &households {
        let css = format!("select[name='to_{household}']");
        let value =
            phone.client.execute(&format!("return document.querySelector(\"{css}\").value"), vec![]).await.unwrap();
        let value = value.as_str().unwrap_or_default().to_string();
        assert!(!value.is_empty(), "household {household} has a proposal");
        chosen.push(value);
    }
    let first = format!("select[name='to_{}']", households[0]);
    let offered = phone
        .client
        .execute(&format!("return Array.from(document.querySelector(\"{first}\").options).map(o => o.value)"), vec![])
        .await
        .unwrap();
    let second: String = offered
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .find(|v| !v.is_empty() && !chosen.iter().any(|c| c == v))
        .expect("another member is offered")
        .to_string();
    phone.choose(&first, &second).await;
    chosen[0] = second;
    let overflow =
        phone.client.execute("return document.documentElement.scrollWidth - window.innerWidth", vec![]).await.unwrap();
    assert!(overflow.as_i64().unwrap_or(1) <= 0, "the confirmation is wider than the phone by {overflow}");
    phone.screenshot("roll-transfer-relink-phone").await;
    phone.confirm().await;
    let landed = phone.path().await;
    let text = super::browser::page_text(&phone.client).await;
    assert_eq!(landed, "/members?done=left", "every household was relinked: {text}");
    site.done("the transfer with its households relinked");

    let left: Option<String> =
        sqlx::query_scalar("SELECT left_on FROM members WHERE id = $1").bind(member).fetch_one(&mut db).await.unwrap();
    assert!(left.is_some(), "{name} left the roll");
    for (household, to) in households.iter().zip(&chosen) {
        let now: i64 = sqlx::query_scalar("SELECT member_id FROM household_links WHERE household_id = $1")
            .bind(household)
            .fetch_one(&mut db)
            .await
            .unwrap();
        assert_eq!(now.to_string(), *to, "household {household} went where the committee confirmed");
    }
}
