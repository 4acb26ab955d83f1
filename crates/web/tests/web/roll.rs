//! The roll on the web (issue 12): the committee lists members 50 a page,
//! finds them by name, pinyin initials or a phone's last four digits,
//! filters them, adds, edits and transfers them out, and adds and edits
//! households, which it finds by head, address or phone digits. Each change
//! is the committee's only, needs the form's token, leaves an audit row
//! with the values before and after, and never alters a finalized year's
//! rating.

use super::helpers::*;
use super::notice::finalize_last_year;
use reqwest::{Client, StatusCode};
use starledger_store::OrgQueries;

async fn post(app: &TestApp, client: &Client, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    let csrf = app.csrf(client).await;
    let mut fields = vec![("csrf", csrf.as_str())];
    fields.extend_from_slice(form);
    app.post(client, path, &fields).await
}

fn member_form<'a>(name: &'a str, branch: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![("name", name), ("branch", branch), ("phone", "13900001234"), ("joined_on", "2020-07-01")]
}

/// The digest of a year's rating as the rating page's standings give it,
/// read through the store: ranks, totals and stars of every member.
async fn rating_of(app: &TestApp, year: starledger_domain::org::Year) -> String {
    let mut reader = app.store.read().await.unwrap();
    let rated = app
        .on_its_day(starledger_app::standings::compute(
            &mut reader,
            app.fixture.community,
            year,
            starledger_app::standings::Audience::Whole,
        ))
        .await
        .unwrap()
        .unwrap();
    format!("{} {:?}", rated.rating.digest(), rated.finalized.as_ref().map(|r| r.digest()))
}

#[tokio::test]
async fn the_committee_adds_and_edits_a_member_with_an_audit_row_of_before_and_after() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let committee = app.login(COMMITTEE, PASSWORD).await;
    let branch = f.branch1.to_string();
    let response = post(&app, &committee, "/members/new", &member_form("新党员甲", &branch)).await;
    assert_redirect(&response, "/members?done=added");
    let id = app.count("SELECT id FROM members WHERE name = '新党员甲'").await;
    let added = app.audit_log().await.into_iter().find(|(_, action, _)| action == "member.add").expect("audited");
    assert!(added.2.contains("before (none)") && added.2.contains("139****1234"), "{added:?}");
    assert!(!added.2.contains("13900001234"), "the audit row keeps the phone masked: {added:?}");

    // Edit: another branch, probationary, an exemption; the phone left empty is kept.
    let branch2 = f.branch2.to_string();
    let form = [
        ("name", "新党员乙"),
        ("branch", branch2.as_str()),
        ("probationary", "yes"),
        ("exempt_reason", "年老体弱"),
        ("joined_on", "2020-07-01"),
    ];
    assert_redirect(&post(&app, &committee, &format!("/members/{id}/edit"), &form).await, "/members?done=saved");
    let row = app
        .count(&format!(
            "SELECT COUNT(*) FROM members WHERE id = {id} AND name = '新党员乙' AND branch_id = {} \
             AND probationary = TRUE AND linking_exempt_reason = '年老体弱' AND phone = '13900001234'",
            f.branch2
        ))
        .await;
    assert_eq!(row, 1, "every field edited, the phone kept");
    let edit = app.audit_log().await.into_iter().find(|(_, action, _)| action == "member.edit").expect("audited");
    assert!(edit.2.contains("before name=新党员甲") && edit.2.contains("after name=新党员乙"), "{edit:?}");
    assert!(edit.2.contains("probationary=false") && edit.2.contains("probationary=true"), "{edit:?}");

    // The edit form never shows the phone whole.
    let html = text(app.get(&committee, &format!("/members/{id}/edit")).await, StatusCode::OK).await;
    assert!(html.contains("139****1234") && !html.contains("13900001234"), "{html}");

    // A member who serves households cannot be exempted until relinked.
    let form = [("name", "梁小改"), ("branch", &branch), ("exempt_reason", "年老体弱")];
    let response = post(&app, &committee, &format!("/members/{}/edit", f.liang), &form).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn only_the_committee_with_its_token_changes_the_roll() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let branch = f.branch1.to_string();
    let members = app.rows_in("members").await;
    let roll_audit = "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'member.%' OR action LIKE 'household.%'";
    let audit = app.count(roll_audit).await;
    for who in [MEMBER, BRANCH_SECRETARY, AUDITOR] {
        let client = app.login(who, PASSWORD).await;
        let response = post(&app, &client, "/members/new", &member_form("新党员甲", &branch)).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{who} adds no member");
        let form = [("name", "改名"), ("branch", branch.as_str())];
        let response = post(&app, &client, &format!("/members/{}/edit", f.wang), &form).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{who} edits no member");
        let today = today().to_string();
        let form = [("on", today.as_str()), ("confirm", "yes")];
        let response = post(&app, &client, &format!("/members/{}/transfer", f.wang), &form).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{who} transfers no one out");
        let response = post(&app, &client, "/households/new", &[("address", "南街9号")]).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{who} adds no household");
        let form = [("address", "南街9号")];
        let response = post(&app, &client, &format!("/households/{}/edit", f.unlinked_household), &form).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{who} edits no household");
        if who != AUDITOR {
            assert_eq!(app.get(&client, "/members").await.status(), StatusCode::FORBIDDEN, "{who} lists no roll");
        }
    }
    // The committee without the form's token.
    let committee = app.login(COMMITTEE, PASSWORD).await;
    let mut form = vec![("csrf", "wrong")];
    form.extend(member_form("新党员甲", &branch));
    assert_eq!(app.post(&committee, "/members/new", &form).await.status(), StatusCode::FORBIDDEN);
    let today = today().to_string();
    let form = [("csrf", "wrong"), ("on", today.as_str()), ("confirm", "yes")];
    let response = app.post(&committee, &format!("/members/{}/transfer", f.wang), &form).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let form = [("csrf", "wrong"), ("address", "南街9号")];
    assert_eq!(app.post(&committee, "/households/new", &form).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.rows_in("members").await, members);
    assert_eq!(app.count("SELECT COUNT(*) FROM members WHERE left_on IS NOT NULL").await, 0);
    assert_eq!(app.count(roll_audit).await, audit, "nothing written");
}

#[tokio::test]
async fn a_finalized_year_keeps_its_rating_through_edits_and_transfers() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let committee = app.login(COMMITTEE, PASSWORD).await;
    finalize_last_year(&app, &committee).await;
    let last = f.last_year();
    let before = rating_of(&app, last).await;
    let branch = f.branch1.to_string();
    let liang = app.store.read().await.unwrap().member(f.community, f.liang).await.unwrap();
    let joined = liang.joined_on.map(|d| d.to_string()).unwrap_or_default();

    // A member of the finalized year may become probationary (and full
    // again below): the year is rated from the roll as it was finalized.
    let form = [("name", "梁小改"), ("branch", branch.as_str()), ("joined_on", &joined), ("probationary", "yes")];
    let response = post(&app, &committee, &format!("/members/{}/edit", f.liang), &form).await;
    assert_redirect(&response, "/members?done=saved");
    assert_eq!(
        app.count(&format!("SELECT CASE WHEN probationary THEN 1 ELSE 0 END FROM members WHERE id = {}", f.liang))
            .await,
        1
    );
    assert_eq!(rating_of(&app, last).await, before, "the finalized year's rating is unchanged");
    let snapshot = app
        .count(&format!("SELECT COUNT(*) FROM final_roll WHERE member_id = {} AND probationary = FALSE", f.liang))
        .await;
    assert_eq!(snapshot, 1, "the snapshot keeps the flag the year was rated with");

    // Transferring out inside the finalized year: refused.
    let inside = format!("{last}-06-30");
    let form = [("on", inside.as_str()), ("confirm", "yes")];
    let response = post(&app, &committee, &format!("/members/{}/transfer", f.liang), &form).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert_eq!(app.count("SELECT COUNT(*) FROM members WHERE left_on IS NOT NULL").await, 0);

    // Full again, with a rename and a move to another branch, and a
    // transfer out today: the finalized year is as it was.
    let branch2 = f.branch2.to_string();
    let form = [("name", "梁晓改"), ("branch", branch2.as_str()), ("joined_on", &joined)];
    assert_redirect(&post(&app, &committee, &format!("/members/{}/edit", f.liang), &form).await, "/members?done=saved");
    let today = today().to_string();
    let form = [("on", today.as_str())];
    // Without confirm=yes: a summary, nothing written.
    let summary =
        text(post(&app, &committee, &format!("/members/{}/transfer", f.liang), &form).await, StatusCode::OK).await;
    assert!(summary.contains("name=\"confirm\""), "{summary}");
    assert_eq!(app.count("SELECT COUNT(*) FROM members WHERE left_on IS NOT NULL").await, 0);
    let form = [("on", today.as_str()), ("confirm", "yes")];
    let response = post(&app, &committee, &format!("/members/{}/transfer", f.liang), &form).await;
    assert_redirect(&response, "/households?filter=unlinked");
    assert_eq!(rating_of(&app, last).await, before, "the finalized year's rating is unchanged");

    // The member left with their entries kept; their households wait to be relinked.
    let left = app.count(&format!("SELECT COUNT(*) FROM members WHERE id = {} AND left_on = '{today}'", f.liang)).await;
    assert_eq!(left, 1);
    assert_eq!(app.entries_of(f.liang).await.len(), f.liang_entries.len(), "past entries kept");
    let linked = app.count(&format!("SELECT COUNT(*) FROM household_links WHERE member_id = {}", f.liang)).await;
    assert_eq!(linked, 0);
    let audit = app.audit_log().await;
    let transfer = audit.iter().find(|(_, action, _)| action == "member.transfer_out").expect("audited");
    assert!(
        transfer.2.contains("before left=-") && transfer.2.contains(&format!("after left={today}")),
        "{transfer:?}"
    );
    assert_eq!(audit.iter().filter(|(_, action, _)| action == "household.unlink").count(), 4);
    let unlinked = text(app.get(&committee, "/households?filter=unlinked").await, StatusCode::OK).await;
    for address in LIANG_ADDRESSES {
        assert!(unlinked.contains(address), "{address} waits to be relinked");
    }
    // Transferred out twice: refused.
    let response = post(&app, &committee, &format!("/members/{}/transfer", f.liang), &form).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn members_are_found_by_pinyin_and_phone_digits_filtered_and_paged() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let committee = app.login(COMMITTEE, PASSWORD).await;
    let rows = |html: &str| member_rows(html);
    let html = text(app.get(&committee, "/members?q=lxg").await, StatusCode::OK).await;
    assert_eq!(rows(&html), vec![f.liang], "pinyin initials find 梁小改");
    let last_four = &PENG_PHONE[7..];
    let html = text(app.get(&committee, &format!("/members?q={last_four}")).await, StatusCode::OK).await;
    assert_eq!(rows(&html), vec![f.peng], "the phone's last four digits find 彭雅丽");
    assert!(html.contains(PENG_PHONE_MASKED) && !html.contains(PENG_PHONE), "phones masked");
    let html = text(app.get(&committee, &format!("/members?branch={}", f.branch2)).await, StatusCode::OK).await;
    assert!(rows(&html).contains(&f.peng) && !rows(&html).contains(&f.liang), "branch filter");
    // 梁小改 serves 4 households, 彭雅丽 holds... whoever is linked outside 5-10 is listed.
    let html = text(app.get(&committee, "/members?filter=outside").await, StatusCode::OK).await;
    assert!(rows(&html).contains(&f.liang), "4 households is outside 5-10");
    assert!(!rows(&html).contains(&f.wang), "an exempted member is never outside the range");

    // Paging: 60 more members make two pages of 50.
    let mut tx = app.store.write().await.unwrap();
    for n in 0..60 {
        let name = format!("测试{n:02}");
        tx.add_member(&starledger_store::NewMember {
            community_id: f.community,
            branch_id: f.branch1,
            party_group_id: None,
            name: starledger_domain::org::PersonName::parse(&name).unwrap(),
            phone: None,
            probationary: n % 2 == 0,
            post: None,
            linking_exempt_reason: None,
            joined_on: None,
            left_on: None,
            note: None,
        })
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let first = text(app.get(&committee, "/members").await, StatusCode::OK).await;
    assert_eq!(rows(&first).len(), 50);
    assert!(first.contains("rel=\"next\""));
    let second = text(app.get(&committee, "/members?q=&filter=&page=2").await, StatusCode::OK).await;
    assert!(!rows(&second).is_empty() && rows(&second).iter().all(|id| !rows(&first).contains(id)));
    let probationary = text(app.get(&committee, "/members?filter=probationary").await, StatusCode::OK).await;
    assert_eq!(rows(&probationary).len(), 30);
}

#[tokio::test]
async fn households_are_added_edited_searched_and_the_picker_narrows_as_one_types() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let committee = app.login(COMMITTEE, PASSWORD).await;
    let form = [("address", "南街9号"), ("head", "赵大山"), ("phone", "13811119876")];
    let response = post(&app, &committee, "/households/new", &form).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let id = app.count("SELECT id FROM households WHERE address = '南街9号'").await;
    // Found by the head's pinyin initials, the address and the phone's last four digits.
    for q in ["zds", "南街", "9876"] {
        let html = text(app.get(&committee, &format!("/households?q={q}")).await, StatusCode::OK).await;
        assert!(html.contains(&format!("data-household=\"{id}\"")), "{q} finds the household");
        assert!(!html.contains("13811119876") && !html.contains("138****9876"), "its phone is shown nowhere");
        assert!(!html.contains(&format!("data-household=\"{}\"", f.liang_households[0])), "{q} finds only it");
    }
    // Edited, the phone kept; the audit row has before and after.
    let form = [("address", "南街10号"), ("head", "赵大山")];
    assert_eq!(post(&app, &committee, &format!("/households/{id}/edit"), &form).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM households WHERE id = {id} AND phone = '13811119876'")).await,
        1
    );
    let edit = app.audit_log().await.into_iter().find(|(_, action, _)| action == "household.edit").expect("audited");
    assert!(edit.2.contains("before address=南街9号") && edit.2.contains("after address=南街10号"), "{edit:?}");
    // A second household at the same address is refused.
    let response = post(&app, &committee, "/households/new", &[("address", "南街10号")]).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);

    // The unlinked filter.
    let html = text(app.get(&committee, "/households?filter=unlinked").await, StatusCode::OK).await;
    assert!(html.contains(&format!("data-household=\"{}\"", f.unlinked_household)));
    assert!(!html.contains(&format!("data-household=\"{}\"", f.peng_household)));

    // The picker: as one types (JSON), and in the plain form (mq).
    let picked = text(app.get(&committee, "/members/pick?q=lxg").await, StatusCode::OK).await;
    let picked: Vec<serde_json::Value> = serde_json::from_str(&picked).unwrap();
    assert_eq!(picked.len(), 1);
    assert_eq!(picked[0]["id"], f.liang.get());
    let html = text(app.get(&committee, "/households?mq=lxg").await, StatusCode::OK).await;
    let select = &html[html.find("id=\"member-pick\"").unwrap()..];
    let select = &select[..select.find("</select>").unwrap()];
    assert_eq!(select.matches("<option").count(), 1, "{select}");
    assert!(
        !text(app.get(&committee, "/members/pick?q=wdf").await, StatusCode::OK).await.contains("王德福"),
        "an exempted member is not offered"
    );
    let member = app.login(MEMBER, PASSWORD).await;
    assert_eq!(app.get(&member, "/members/pick?q=l").await.status(), StatusCode::FORBIDDEN);
}
