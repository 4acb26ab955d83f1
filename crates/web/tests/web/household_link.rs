//! Issue 10, item 7: a printed or photographed card alone cannot rate. A
//! link binds to a device with the last four digits of the household's
//! phone on the roll (a bounded number of tries, counted in the database);
//! only the committee prints cards, every print is audited and a reprinted
//! card gets a new link; ratings from an official's device or address are
//! flagged for the auditor; a household downloads receipts of its own
//! ratings once the year is sealed.

use super::helpers::*;
use jiff::civil::Date;
use reqwest::{Client, StatusCode};
use starledger_domain::ledger::{Actor, EntryDraft};
use starledger_domain::org::{HouseholdId, MemberId, Year};
use starledger_domain::rulebook::Rulebook;
use starledger_domain::seal::Receipt;
use starledger_store::{Appended, NewRating};

/// Posts a rating with the page's form token, without binding first.
async fn post_rating(app: &TestApp, client: &Client, token: &str) -> reqwest::Response {
    let path = format!("/r/{token}");
    let csrf = csrf_of(&text(app.get(client, &path).await, StatusCode::OK).await);
    app.post(client, &path, &[("csrf", csrf.as_str()), ("level", "satisfied")]).await
}

/// Posts `code` as the household's proof.
async fn prove(app: &TestApp, client: &Client, token: &str, code: &str) -> reqwest::Response {
    let path = format!("/r/{token}");
    let csrf = csrf_of(&text(app.get(client, &path).await, StatusCode::OK).await);
    app.post(client, &format!("{path}/bind"), &[("csrf", csrf.as_str()), ("code", code)]).await
}

async fn guard(app: &TestApp, token: &str) -> (i64, i64, bool) {
    let rows: Vec<(i64, i64, Option<i64>)> = app
        .rows(&format!(
            "SELECT failed_tries, refused_tries, unix_seconds(locked_at) FROM household_link_state WHERE token = '{token}'"
        ))
        .await;
    rows.first().map_or((0, 0, false), |r| (r.0, r.1, r.2.is_some()))
}

fn wrong_digits(right: &str) -> String {
    right.chars().map(|c| if c == '9' { '0' } else { char::from(c as u8 + 1) }).collect()
}

#[tokio::test]
async fn a_link_binds_to_a_device_by_the_phone_s_last_four_digits_and_locks_after_five_wrong_tries() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let token = &f.tokens[&f.liang_households[0]];
    let phone = app.client();

    // Opened without binding: the page asks for the digits, says the bound
    // in Chinese, names no member, and a rating is refused, writing nothing.
    let page = text(app.get(&phone, &format!("/r/{token}")).await, StatusCode::OK).await;
    assert!(page.contains("手机号码后四位") && page.contains("最多可输错5次"), "{page}");
    assert!(!page.contains("梁小改") && !page.contains("name=\"level\""), "{page}");
    let refused = text(post_rating(&app, &phone, token).await, StatusCode::FORBIDDEN).await;
    assert!(refused.contains("请先在本手机上确认"), "{refused}");
    assert_eq!((app.ledger_rows().await, app.rating_rows().await), (6, 0));

    // Wrong digits are refused and counted in the database, each audited.
    let right = app.digits(token).await;
    let wrong = wrong_digits(&right);
    let page = text(prove(&app, &phone, token, &wrong).await, StatusCode::FORBIDDEN).await;
    assert!(page.contains("号码不正确") && page.contains("还可尝试4次"), "{page}");
    assert_eq!(guard(&app, token).await, (1, 0, false));
    // Not four digits: not counted.
    text(prove(&app, &phone, token, "12a4").await, StatusCode::BAD_REQUEST).await;
    assert_eq!(guard(&app, token).await, (1, 0, false));

    // A second household: right digits bind, and its rating works (the control).
    let other = &f.tokens[&f.liang_households[1]];
    let response = prove(&app, &phone, other, &app.digits(other).await).await;
    assert_redirect(&response, &format!("/r/{other}"));
    let bind = set_cookie(&response, "sl_bind").expect("the binding cookie");
    assert!(
        bind.has("HttpOnly") && bind.has("SameSite=Lax") && bind.has(&format!("Path=/r/{other}")),
        "{:?}",
        bind.attributes
    );
    assert!(
        bind.attributes.iter().any(|a| a.starts_with("Max-Age=") && a != "Max-Age=0"),
        "long-lived: {:?}",
        bind.attributes
    );
    let stored = app
        .count(&format!("SELECT COUNT(*) FROM household_bindings WHERE secret_sha256 = '{}'", sha256(&bind.value)))
        .await;
    assert_eq!(stored, 1, "only the secret's hash is kept");
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM household_bindings WHERE secret_sha256 = '{}'", bind.value)).await,
        0
    );
    text(post_rating(&app, &phone, other).await, StatusCode::OK).await;
    assert_eq!(app.rating_rows().await, 1);

    // A second device must prove again for the same link.
    let second = app.client();
    text(post_rating(&app, &second, other).await, StatusCode::FORBIDDEN).await;

    // Four more wrong tries lock the first link; the right digits no longer help.
    for left in [3, 2, 1] {
        let page = text(prove(&app, &phone, token, &wrong).await, StatusCode::FORBIDDEN).await;
        assert!(page.contains(&format!("还可尝试{left}次")), "{page}");
    }
    let page = text(prove(&app, &phone, token, &wrong).await, StatusCode::LOCKED).await;
    assert!(page.contains("此链接已锁定"), "{page}");
    assert_eq!(guard(&app, token).await, (5, 0, true));
    let csrf = csrf_of(&text(app.get(&phone, "/login").await, StatusCode::OK).await);
    for _ in 0..3 {
        let response =
            app.post(&phone, &format!("/r/{token}/bind"), &[("csrf", csrf.as_str()), ("code", right.as_str())]).await;
        text(response, StatusCode::LOCKED).await;
    }
    assert_eq!(guard(&app, token).await, (5, 3, true), "tries on a locked link are counted");
    let failed = app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'household.bind.failed'").await;
    assert_eq!(failed, 5, "audited up to the lock, then only counted");
    text(app.get(&app.client(), &format!("/r/{token}")).await, StatusCode::LOCKED).await;
    assert_eq!(app.rating_rows().await, 1);

    // The committee replaces the card: the new link binds with the right digits.
    let committee = app.login(COMMITTEE, PASSWORD).await;
    let csrf = app.csrf(&committee).await;
    let household = f.liang_households[0];
    assert_redirect(
        &app.post(&committee, &format!("/households/{household}/revoke"), &[("csrf", &csrf)]).await,
        "/households/cards",
    );
    let new = app.live_token(f.community, household).await.expect("a new link");
    app.bind(&phone, &new).await;
    text(post_rating(&app, &phone, &new).await, StatusCode::OK).await;
    assert_eq!(app.rating_rows().await, 2);
}

fn sha256(text: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(text.as_bytes()))
}

/// A household with no phone on the roll binds with the committee's visit code.
#[tokio::test]
async fn a_household_without_a_phone_binds_with_a_visit_code_from_the_committee() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let household = f.peng_household_unissued;
    let committee = app.login(COMMITTEE, PASSWORD).await;
    let csrf = app.csrf(&committee).await;
    assert_redirect(&app.post(&committee, "/households/links", &[("csrf", &csrf)]).await, "/households/cards");
    let token = app.live_token(f.community, household).await.expect("its link");
    let phone = app.client();
    let page = text(app.get(&phone, &format!("/r/{token}")).await, StatusCode::OK).await;
    assert!(page.contains("没有登记手机号码") && page.contains("目前没有待用的开通码"), "{page}");

    let page = text(
        app.post(&committee, &format!("/households/{household}/visit-code"), &[("csrf", &csrf)]).await,
        StatusCode::OK,
    )
    .await;
    let code: String = page.split("上门开通码：").nth(1).expect("the code is shown").chars().take(8).collect();
    assert!(code.chars().all(|c| c.is_ascii_digit()), "{code}");
    let response = prove(&app, &phone, &token, &code).await;
    assert_redirect(&response, &format!("/r/{token}"));
    let by = f.accounts[COMMITTEE];
    let sql = format!("SELECT COUNT(*) FROM household_bindings WHERE how = 'visit' AND bound_by = {by}");
    assert_eq!(app.count(&sql).await, 1, "the binding names who made the code");
    text(post_rating(&app, &phone, &token).await, StatusCode::OK).await;
    // The code binds one device only: on another, no code waits any more.
    let another = app.client();
    let page = text(app.get(&another, &format!("/r/{token}")).await, StatusCode::OK).await;
    assert!(page.contains("目前没有待用的开通码") && !page.contains("/bind"), "{page}");
    let csrf = csrf_of(&text(app.get(&another, "/login").await, StatusCode::OK).await);
    let response =
        app.post(&another, &format!("/r/{token}/bind"), &[("csrf", csrf.as_str()), ("code", code.as_str())]).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert_eq!(app.count("SELECT COUNT(*) FROM household_bindings").await, 1);
}

#[tokio::test]
async fn only_the_committee_prints_cards_and_a_reprint_replaces_the_links() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let csrf = app.csrf(&secretary).await;
    let branch1 = f.branch1.to_string();
    let response =
        app.post(&secretary, "/households/cards/print", &[("csrf", csrf.as_str()), ("branch", branch1.as_str())]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.get(&secretary, "/households/cards").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'print.cards'").await, 0);

    let committee = app.login(COMMITTEE, PASSWORD).await;
    let csrf = app.csrf(&committee).await;
    let household = f.liang_households[0];
    let old = f.tokens[&household].clone();
    let print = |csrf: String| {
        let (app, committee, branch1) = (&app, &committee, branch1.clone());
        async move {
            let response = app
                .post(committee, "/households/cards/print", &[("csrf", csrf.as_str()), ("branch", branch1.as_str())])
                .await;
            assert_eq!(response.status(), StatusCode::OK);
            assert_eq!(response.headers()["content-type"], "application/pdf");
            response.bytes().await.expect("the PDF")
        }
    };
    // The first print keeps the links, which were never printed.
    let pdf = print(csrf.clone()).await;
    assert!(pdf.starts_with(b"%PDF"));
    assert_eq!(
        app.live_token(f.community, household).await.as_deref(),
        Some(old.as_str()),
        "a first print rotates nothing"
    );
    let overview =
        text(app.get(&committee, &format!("/households/cards?branch={}", f.branch1)).await, StatusCode::OK).await;
    assert!(overview.contains("已打印") && !overview.contains(&old), "the overview shows no link:\n{overview}");
    // The household binds on the first card's link.
    let phone = app.client();
    app.bind(&phone, &old).await;

    // The reprint: a new link; the old card says it was replaced, nothing more.
    print(csrf).await;
    let new = app.live_token(f.community, household).await.expect("a new link");
    assert_ne!(new, old);
    let page = text(app.get(&phone, &format!("/r/{old}")).await, StatusCode::GONE).await;
    assert!(page.contains("此联系卡已更换") && !page.contains("梁小改") && !page.contains("东街"), "{page}");
    let csrf = csrf_of(&text(app.get(&phone, "/login").await, StatusCode::OK).await);
    let response = app.post(&phone, &format!("/r/{old}"), &[("csrf", csrf.as_str()), ("level", "satisfied")]).await;
    text(response, StatusCode::GONE).await;
    assert_eq!(app.rating_rows().await, 0);
    app.bind(&phone, &new).await;
    text(post_rating(&app, &phone, &new).await, StatusCode::OK).await;

    let audit: Vec<(String,)> = app.rows("SELECT detail FROM audit_log WHERE action = 'print.cards' ORDER BY id").await;
    assert_eq!(audit.len(), 2, "{audit:?}");
    assert!(audit[0].0.starts_with("4 household cards printed (第一党支部); 0 printed before"), "{audit:?}");
    assert!(
        audit[1].0.starts_with("4 household cards printed (第一党支部); 4 printed before got new links"),
        "{audit:?}"
    );
    let actors: Vec<(String,)> = app.rows("SELECT actor FROM audit_log WHERE action = 'print.cards'").await;
    assert!(actors.iter().all(|(a,)| *a == format!("account:{} ({COMMITTEE})", f.accounts[COMMITTEE])));
}

#[tokio::test]
async fn a_rating_from_an_official_s_device_or_address_is_flagged_and_an_ordinary_one_is_not() {
    let app = spawn_app().await;
    let f = &app.fixture;
    // The committee signs in from 127.0.0.5 on its own browser.
    let official = app.client_from(5);
    assert_eq!(app.sign_in(&official, COMMITTEE, PASSWORD).await.status(), StatusCode::SEE_OTHER);
    // A household rated from that very browser (its device cookie)...
    let on_device = &f.tokens[&f.liang_households[0]];
    app.bind(&official, on_device).await;
    text(post_rating(&app, &official, on_device).await, StatusCode::OK).await;
    // ... one from another browser at the committee's address ...
    let same_address = app.client_from(5);
    let at_address = &f.tokens[&f.liang_households[1]];
    app.bind(&same_address, at_address).await;
    text(post_rating(&app, &same_address, at_address).await, StatusCode::OK).await;
    // ... and an ordinary one, from elsewhere.
    let ordinary_phone = app.client_from(9);
    let ordinary = &f.tokens[&f.liang_households[2]];
    app.bind(&ordinary_phone, ordinary).await;
    text(post_rating(&app, &ordinary_phone, ordinary).await, StatusCode::OK).await;
    let entry_of =
        |household: HouseholdId| format!("SELECT entry_id FROM household_ratings WHERE household_id = {household}");
    let device_entry = app.count(&entry_of(f.liang_households[0])).await;
    let address_entry = app.count(&entry_of(f.liang_households[1])).await;
    let ordinary_entry = app.count(&entry_of(f.liang_households[2])).await;

    // No address is stored with a rating, only keyed hashes.
    assert_eq!(app.count("SELECT COUNT(*) FROM rating_origins").await, 3);
    let leaked =
        "SELECT COUNT(*) FROM rating_origins WHERE address_hash LIKE '%127.0.0%' OR device_hash LIKE '%127.0.0%'";
    assert_eq!(app.count(leaked).await, 0);
    let audit = "SELECT COUNT(*) FROM audit_log WHERE action = 'household.rate' AND (detail LIKE '%127.0.0%' OR origin LIKE '%127.0.0%')";
    assert_eq!(app.count(audit).await, 0, "nor in the rating's audit row");

    let auditor = app.login(AUDITOR, PASSWORD).await;
    let page = text(app.get(&auditor, "/audit/household-origins").await, StatusCode::OK).await;
    let flag = |kind: &str| {
        page.split("<li ").find(|li| li.starts_with(&format!("data-flag=\"{kind}\""))).unwrap_or_default().to_string()
    };
    let device = flag("officials_device");
    assert!(device.contains(&format!("data-entry=\"{device_entry}\"")) && device.contains("peng"), "{page}");
    let address = flag("officials_address");
    assert!(address.contains(&format!("data-entry=\"{device_entry}\"")), "{page}");
    assert!(address.contains(&format!("data-entry=\"{address_entry}\"")), "{page}");
    assert!(!device.contains(&format!("data-entry=\"{address_entry}\"")), "another browser is another device");
    assert!(!page.contains(&format!("data-entry=\"{ordinary_entry}\"")), "the ordinary rating is not flagged:\n{page}");
    // The year's anomaly page carries them too, among its other flags.
    let year = f.year.get();
    let anomalies = text(app.get(&auditor, &format!("/audit/anomalies?year={year}")).await, StatusCode::OK).await;
    let origins: Vec<&str> =
        anomalies.split("data-flag=\"").skip(1).filter(|section| section.starts_with("household_origin\"")).collect();
    assert_eq!(origins.len(), 2, "the device flag and the address flag:\n{anomalies}");
    // A member may not see the flags.
    let member = app.login(MEMBER, PASSWORD).await;
    assert_eq!(app.get(&member, "/audit/household-origins").await.status(), StatusCode::FORBIDDEN);
}

/// A household rating of last year, written as the link writes one.
async fn rating_in(app: &TestApp, year: Year, household: HouseholdId, member: MemberId, key: &str) -> i64 {
    let rulebook = Rulebook::default_rulebook();
    let rule = rulebook.rule("household.satisfied").expect("the rule");
    let mut tx = app.store.write().await.expect("a write transaction");
    let draft = EntryDraft {
        community_id: app.fixture.community,
        year: year.get(),
        member_id: member,
        category: rule.category.clone(),
        rule_key: rule.key.clone(),
        rulebook_version: rulebook.version.clone(),
        points: rule.points,
        reason: "联系户评议：满意".into(),
        source_kind: rule.source.as_str().to_string(),
        source_ref: format!("rating:{key}"),
        recorded_by: Actor::Household(household),
        recorded_at: now(),
        occurred_on: Date::new(year.get(), 3, 15).expect("a day"),
        idempotency_key: format!("rating:{household}:{key}"),
        reverses: None,
    };
    let Appended::New(entry) = tx.append_entry(draft).await.expect("appended") else { panic!("a new entry") };
    let rating = NewRating {
        community_id: app.fixture.community,
        household_id: household,
        member_id: member,
        window_key: key.into(),
        level: "satisfied",
        comment: String::new(),
        rated_at: now(),
        entry_id: entry.id,
    };
    tx.insert_household_rating(&rating).await.expect("the rating");
    tx.commit().await.expect("written");
    entry.id
}

#[tokio::test]
async fn a_household_downloads_a_receipt_of_its_own_rating_once_the_year_is_sealed() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let last = f.last_year();
    let (mine, theirs) = (f.liang_households[0], f.liang_households[1]);
    let own = rating_in(&app, last, mine, f.liang, &format!("{}-H1", last.get())).await;
    let other = rating_in(&app, last, theirs, f.liang, &format!("{}-H1", last.get())).await;
    let token = &f.tokens[&mine];
    let phone = app.client();
    app.bind(&phone, token).await;
    let path = format!("/r/{token}/receipts/{own}");
    assert_eq!(app.get(&phone, &path).await.status(), StatusCode::CONFLICT, "not sealed yet");

    let committee = app.login(COMMITTEE, PASSWORD).await;
    let csrf = app.csrf(&committee).await;
    let publish = format!("/rating/{}/publish", last.get());
    assert_redirect(
        &app.post(&committee, &publish, &[("csrf", csrf.as_str()), ("confirm", "yes")]).await,
        &format!("/rating?year={}", last.get()),
    );

    let page = text(app.get(&phone, &format!("/r/{token}")).await, StatusCode::OK).await;
    assert!(page.contains(&format!("href=\"{path}\"")) && page.contains("评议回执"), "{page}");
    assert!(!page.contains(&format!("/receipts/{other}")), "never another household's");
    let response = app.get(&phone, &path).await;
    assert!(response.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    let receipt: Receipt = serde_json::from_str(&text(response, StatusCode::OK).await).expect("a receipt");
    assert_eq!(receipt.entry.id, own);
    receipt.check(None).expect("the entry and its path lead to the root");
    let seal: serde_json::Value =
        serde_json::from_str(&text(app.get(&committee, &format!("/seals/{}", last.get())).await, StatusCode::OK).await)
            .unwrap();
    assert_eq!(seal["merkle_root"], receipt.merkle_root.as_str());

    // Another household's entry, or any entry without the binding, is not found.
    assert_eq!(app.get(&phone, &format!("/r/{token}/receipts/{other}")).await.status(), StatusCode::NOT_FOUND);
    let member_entry = f.liang_entries[0];
    assert_eq!(app.get(&phone, &format!("/r/{token}/receipts/{member_entry}")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get(&app.client(), &path).await.status(), StatusCode::NOT_FOUND, "an unbound device");
}
