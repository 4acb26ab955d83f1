//! Issue 17, personal data and the last open doors: a form that is not
//! UTF-8 is refused as such, a member who left is pseudonymized after the
//! retention period while the ledger and the seals still verify, and old
//! files and audit rows are removed by the server.

use super::helpers::*;
use jiff::ToSpan;
use reqwest::{StatusCode, header};
use starledger_domain::org::MemberId;
use starledger_store::{LedgerQueries, SealQueries};

/// Posts a raw URL-encoded body.
async fn post_body(app: &TestApp, client: &reqwest::Client, path: &str, body: String) -> reqwest::Response {
    client
        .post(app.url(path))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("the request is answered")
}

#[tokio::test]
async fn a_form_that_is_not_utf8_is_refused_as_such_not_as_an_expired_form() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let committee = app.login(COMMITTEE, PASSWORD).await;
    let csrf = app.csrf(&committee).await;
    let members = app.count("SELECT COUNT(*) FROM members").await;
    // A name whose bytes are not UTF-8: it used to be kept as U+FFFD.
    let body = format!("csrf={csrf}&name=%E6%A2%81%FF&branch={}", f.branch1);
    let page = text(post_body(&app, &committee, "/members/new", body).await, StatusCode::BAD_REQUEST).await;
    assert!(page.contains("UTF-8") && page.contains("无法读取表单"), "{page}");
    // A mangled CSRF field: it used to answer "the form expired" (403).
    let body = format!("csrf=%C3{}&name=%E6%A2%81&branch={}", &csrf[1..], f.branch1);
    let response = post_body(&app, &committee, "/members/new", body).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.count("SELECT COUNT(*) FROM members").await, members, "a 400 writes nothing");
    // In English for a visitor who chose it; and for a household's link too.
    app.get(&committee, "/lang/en").await;
    let body = format!("csrf={csrf}&name=%FF&branch={}", f.branch1);
    let page = text(post_body(&app, &committee, "/members/new", body).await, StatusCode::BAD_REQUEST).await;
    assert!(page.contains("could not be read") && page.contains("UTF-8"), "{page}");
    let household = app.client();
    let token = &f.tokens[&f.liang_households[0]];
    let page =
        text(post_body(&app, &household, &format!("/r/{token}"), "level=%FE".into()).await, StatusCode::BAD_REQUEST)
            .await;
    assert!(page.contains("UTF-8"), "{page}");
    // The same form in UTF-8 is read as before.
    let body = format!("csrf={csrf}&name=%E6%A2%81%E5%B0%8F%E6%9C%88&branch={}", f.branch1);
    let response = post_body(&app, &committee, "/members/new", body).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("SELECT COUNT(*) FROM members").await, members + 1);
}

const DU: &str = "杜秋菊";
const DU_PHONE: &str = "13911112222";

/// 杜秋菊 of branch 1, with an account (`duqj`), a phone, a study claim
/// with its screenshot, a relative (梁小改) and a lecture last year; she
/// left the roll on 1 March last year. Her id.
async fn member_who_left(app: &TestApp) -> MemberId {
    let f = &app.fixture;
    let (du, _) = app.add_member_account(f.branch1, DU, "duqj").await;
    app.execute(&format!("UPDATE members SET phone = '{DU_PHONE}', note = '转入自 某街道' WHERE id = {du}")).await;
    let client = app.login("duqj", PASSWORD).await;
    app.study_claim(&client, PNG).await;
    let committee = f.accounts[COMMITTEE];
    for (a, b) in [(du, f.liang), (f.liang, du)] {
        app.execute(&format!(
            "INSERT INTO relatives (community_id, member_id, relative_id, relation, marked_by, marked_at) \
             VALUES ({}, {a}, {b}, '姐妹', {committee}, to_timestamp(0))",
            f.community
        ))
        .await;
    }
    app.add_entry_in(f.last_year(), du, "meeting.lecture", committee, "du-lecture").await;
    let left = jiff::civil::date(f.last_year().get(), 3, 1);
    app.execute(&format!("UPDATE members SET left_on = '{left}' WHERE id = {du}")).await;
    // A roll change names her in the audit log, phone masked.
    app.execute(&format!(
        "INSERT INTO audit_log (community_id, at, actor, action, detail, origin) VALUES ({}, '2026-01-01T00:00:00Z', \
         'account:{committee} (peng)', 'member.edit', 'member {du}: before name={DU}; phone=139****2222', '')",
        f.community
    ))
    .await;
    du
}

/// One year's retention after leaving, so that a member who left last
/// March may be pseudonymized on the suite's day.
fn one_year() -> Setup {
    let retention = starledger_app::privacy::Retention { left_years: 1, ..Default::default() };
    Setup { retention: Some(retention), ..Setup::default() }
}

#[tokio::test]
async fn a_member_who_left_is_pseudonymized_and_the_ledger_seals_and_honour_roll_still_verify() {
    let app = spawn(one_year()).await;
    let f = &app.fixture;
    let last = f.last_year().get();
    let du = member_who_left(&app).await;
    let committee = app.login(COMMITTEE, PASSWORD).await;
    super::notice::finalize_last_year(&app, &committee).await;
    let seals_before = text(app.get(&committee, &format!("/seals/{last}")).await, StatusCode::OK).await;
    let honours_before = text(app.get(&committee, &format!("/honours?year={last}")).await, StatusCode::OK).await;
    let uploads = app.rows_in("uploads").await;
    assert!(
        app.count(&format!("SELECT COUNT(*) FROM final_roll WHERE name = '{DU}'")).await > 0,
        "on last year's roll"
    );

    // Only the committee, only someone who left, only after the period.
    let liang = app.login(MEMBER, PASSWORD).await;
    assert_eq!(app.get(&liang, &format!("/members/{du}/pseudonymize")).await.status(), StatusCode::FORBIDDEN);
    let on_roll =
        text(app.get(&committee, &format!("/members/{}/pseudonymize", f.liang)).await, StatusCode::CONFLICT).await;
    assert!(on_roll.contains("仍在名册上"), "{on_roll}");
    let recent = app
        .add_member(NewPerson { left_on: Some(today() - 30.days()), ..NewPerson::in_branch(f.branch1, "新离开") })
        .await;
    let within =
        text(app.get(&committee, &format!("/members/{recent}/pseudonymize")).await, StatusCode::CONFLICT).await;
    assert!(within.contains("起才能匿名化"), "{within}");

    // The roll offers it for her; the confirmation writes nothing.
    let left = text(app.get(&committee, "/members?filter=left").await, StatusCode::OK).await;
    assert!(left.contains(&format!("/members/{du}/pseudonymize")), "{left}");
    let written = app.written().await;
    let page = text(app.get(&committee, &format!("/members/{du}/pseudonymize")).await, StatusCode::OK).await;
    let alias = starledger_app::privacy::alias(f.community, du);
    assert!(page.contains(DU) && page.contains(&alias) && page.contains("confirm"), "{page}");
    let csrf = app.csrf(&committee).await;
    let unconfirmed = app.post(&committee, &format!("/members/{du}/pseudonymize"), &[("csrf", &csrf)]).await;
    assert_eq!(unconfirmed.status(), StatusCode::OK);
    assert_eq!(app.written().await, written, "the confirmation writes nothing");
    let done =
        app.post(&committee, &format!("/members/{du}/pseudonymize"), &[("csrf", &csrf), ("confirm", "yes")]).await;
    assert_redirect(&done, "/members?filter=left&done=pseudonymized");

    // Her name and phone are nowhere: roll, final roll, accounts, audit log.
    for table in ["members", "final_roll", "accounts"] {
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM {table} WHERE name = '{DU}'")).await, 0, "{table}");
        assert!(app.count(&format!("SELECT COUNT(*) FROM {table} WHERE name = '{alias}'")).await > 0, "{table}");
    }
    let audit = app.audit_log().await;
    assert!(audit.iter().all(|(_, _, d)| !d.contains(DU) && !d.contains("139****2222")), "{audit:?}");
    let row = audit.iter().find(|(_, a, _)| a == "member.pseudonymize").expect("an audit row");
    assert!(row.2.starts_with(&format!("member {du}: pseudonymized as {alias}")), "{row:?}");
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM members WHERE id = {du} AND phone IS NULL AND note IS NULL")).await,
        1
    );
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM relatives WHERE member_id = {du} OR relative_id = {du}")).await,
        0
    );
    assert_eq!(app.rows_in("uploads").await, uploads - 1, "her screenshot is removed");
    let refused = app.sign_in(&app.client(), "duqj", PASSWORD).await;
    assert!(set_cookie(&refused, "sl_session").is_none(), "her account is disabled");
    for path in ["/members?filter=left".to_string(), format!("/honours?year={last}"), format!("/rating?year={last}")] {
        let page = text(app.get(&committee, &path).await, StatusCode::OK).await;
        assert!(!page.contains(DU) && !page.contains(DU_PHONE) && !page.contains("139****2222"), "{path}: {page}");
    }
    let token = super::api::token(&app, COMMITTEE, "read").await;
    let api = app.client().get(app.url("/api/v1/members")).bearer_auth(&token).send().await.unwrap();
    let api = text(api, StatusCode::OK).await;
    assert!(!api.contains(DU) && api.contains(&alias), "{api}");
    // Done once: a second time is refused, and the link is gone.
    let again =
        app.post(&committee, &format!("/members/{du}/pseudonymize"), &[("csrf", &csrf), ("confirm", "yes")]).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);

    // The ledger, the seals and last year's honour roll still verify.
    let mut reader = app.store.read().await.unwrap();
    assert!(reader.verify(f.community).await.unwrap().is_intact());
    assert_eq!(text(app.get(&committee, &format!("/seals/{last}")).await, StatusCode::OK).await, seals_before);
    let kept = reader.seals(f.community, f.last_year()).await.unwrap();
    assert!(!kept.is_empty());
    for seal in kept {
        let (_, recomputed) = app.on_its_day(starledger_app::seals::recompute(&mut reader, &seal)).await.unwrap();
        assert_eq!(recomputed, seal, "the seal of {last} recomputes as it was kept");
    }
    let honours = text(app.get(&committee, &format!("/honours?year={last}")).await, StatusCode::OK).await;
    assert_eq!(honours.matches("data-member").count(), honours_before.matches("data-member").count());
}

#[tokio::test]
async fn the_server_removes_old_claim_files_and_audit_rows_and_keeps_recent_ones() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let member = app.login(MEMBER, PASSWORD).await;
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let (old, recent) =
        (app.study_claim(&member, PNG).await, app.visit_claim(&member, f.liang_households[1], Some(PNG)).await);
    for claim in [old, recent] {
        assert_eq!(app.decide(&secretary, claim, "reject").await.status(), StatusCode::SEE_OTHER);
    }
    // The first was rejected 91 days ago, the second today.
    app.execute(&format!(
        "UPDATE claims SET decided_at = to_timestamp(unix_seconds(decided_at) - 91 * 86400) WHERE id = {old}"
    ))
    .await;
    let old_audit = "INSERT INTO audit_log (community_id, at, actor, action, detail, origin) VALUES ";
    app.execute(&format!(
        "{old_audit} ({c}, '2019-05-01T00:00:00Z', 'account:1 (peng)', 'login', 'old', ''), \
         ({c}, '2021-06-09T15:59:59Z', 'account:1 (peng)', 'login', 'just older', ''), \
         ({c}, '2021-06-09T16:00:00Z', 'account:1 (peng)', 'login', 'just kept', '')",
        c = f.community
    ))
    .await;
    let uploads = app.rows_in("uploads").await;
    let audit = app.rows_in("audit_log").await;
    let retention = starledger_app::privacy::Retention::default();
    let removed = starledger_web::retention::apply_all(&app.store, &retention, app.clock).await.unwrap();
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0].files.iter().map(|f| f.claim_id).collect::<Vec<_>>(), [old]);
    assert_eq!(removed[0].audit_rows, 2);
    assert_eq!(app.rows_in("uploads").await, uploads - 1);
    assert_eq!(app.claim_state(old).await.0, "rejected", "the claim stays, without its file");
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM claims WHERE id = {old} AND upload_id IS NULL")).await, 1);
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM claims WHERE id = {recent} AND upload_id IS NOT NULL")).await,
        1
    );
    // Two rows gone, one that says so added.
    assert_eq!(app.rows_in("audit_log").await, audit - 2 + 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE detail = 'just kept'").await, 1);
    let summary = app.audit_log().await.into_iter().find(|(_, a, _)| a == "retention.apply").expect("a summary row");
    assert_eq!(summary.0, "system:retention");
    assert!(summary.2.contains(&format!("claims {old}")) && summary.2.contains("removed 2 audit rows"), "{summary:?}");
    // A second round finds nothing and writes nothing.
    let written = app.written().await;
    assert!(starledger_web::retention::apply_all(&app.store, &retention, app.clock).await.unwrap().is_empty());
    assert_eq!(app.written().await, written);
    assert!(app.store.read().await.unwrap().verify(f.community).await.unwrap().is_intact());
}
