//! The public notice (公示, /rating) and the finalization of a year: once the
//! year is over, the committee publishes its provisional results (the tests
//! work on last year, which the fixture opens too); for five days (the default
//! rulebook) accounts and households, through their link, may object; the
//! committee answers every objection on the record, never its own nor one
//! about itself; after the period, with nothing unanswered, the year is
//! finalized and the database refuses every new entry into it until a
//! reopening, which names who and why: one committee member proposes it and
//! a different person on the committee agrees, and so for publishing the
//! year again. Every refusal writes nothing.

use super::helpers::*;
use jiff::ToSpan;
use reqwest::{Client, Response, StatusCode};
use starledger_domain::org::{AccountId, MemberId, Role};

/// The year whose results are published: last year, the latest that is
/// over (the fixture opens it beside the running year), as the path carries it.
fn year_of(app: &TestApp) -> i16 {
    app.fixture.last_year().get()
}

async fn publish(app: &TestApp, client: &Client) -> Response {
    let csrf = app.csrf(client).await;
    app.post(client, &format!("/rating/{}/publish", year_of(app)), &[("csrf", &csrf), ("confirm", "yes")]).await
}

async fn finalize(app: &TestApp, client: &Client) -> Response {
    let csrf = app.csrf(client).await;
    app.post(client, &format!("/rating/{}/finalize", year_of(app)), &[("csrf", &csrf), ("confirm", "yes")]).await
}

async fn reopen(app: &TestApp, client: &Client, reason: &str) -> Response {
    let csrf = app.csrf(client).await;
    app.post(client, &format!("/rating/{}/reopen", year_of(app)), &[("csrf", &csrf), ("reason", reason)]).await
}

/// A committee member agrees to the year's newest motion.
async fn agree(app: &TestApp, client: &Client) -> Response {
    let csrf = app.csrf(client).await;
    let motion = app.count("SELECT MAX(id) FROM rating_motions").await;
    app.post(client, &format!("/rating/{}/motions/{motion}/agree", year_of(app)), &[("csrf", &csrf)]).await
}

/// `proposer` proposes reopening last year and `second` agrees: both must be accepted.
async fn reopened(app: &TestApp, proposer: &Client, second: &Client, reason: &str) {
    assert_redirect(&reopen(app, proposer, reason).await, &format!("/rating?year={}", year_of(app)));
    assert_redirect(&agree(app, second).await, &format!("/rating?year={}", year_of(app)));
}

async fn object(app: &TestApp, client: &Client, about: Option<MemberId>, text: &str) -> Response {
    let csrf = app.csrf(client).await;
    let member = about.map(|m| m.to_string()).unwrap_or_default();
    let form = [("csrf", csrf.as_str()), ("member", &member), ("text", text)];
    app.post(client, &format!("/rating/{}/objections", year_of(app)), &form).await
}

/// Files an objection that must be accepted; its id.
async fn objected(app: &TestApp, client: &Client, about: Option<MemberId>) -> i64 {
    let response = object(app, client, about, "走访次数与实际不符，请核实").await;
    assert_redirect(&response, &format!("/rating?year={}", year_of(app)));
    app.count("SELECT MAX(id) FROM objections").await
}

async fn answer(app: &TestApp, client: &Client, objection: i64, outcome: &str) -> Response {
    let csrf = app.csrf(client).await;
    let form = [("csrf", csrf.as_str()), ("answer", "经党委核实，积分记录无误"), ("outcome", outcome)];
    app.post(client, &format!("/rating/objections/{objection}/answer"), &form).await
}

/// Opens the household's notice page (for its form cookie and token), then
/// posts an objection through the link.
async fn household_object(app: &TestApp, client: &Client, token: &str, about: MemberId) -> Response {
    let path = format!("/r/{token}/notice");
    let csrf = csrf_of(&text(app.get(client, &path).await, StatusCode::OK).await);
    let member = about.to_string();
    app.post(client, &path, &[("csrf", csrf.as_str()), ("member", &member), ("text", "她很少来我家走访")]).await
}

/// Moves the live round's notice into the past, as the passing of days would.
async fn end_notice(app: &TestApp) {
    let (from, until) = (today() - 10.days(), today() - 6.days());
    app.execute(&format!(
        "UPDATE rating_rounds SET notice_from = '{from}', notice_until = '{until}' \
         WHERE year = {} AND reopened_at IS NULL",
        year_of(app)
    ))
    .await;
}

async fn rating_page(app: &TestApp, client: &Client) -> String {
    text(app.get(client, &format!("/rating?year={}", year_of(app))).await, StatusCode::OK).await
}

async fn roll_state(app: &TestApp, client: &Client) -> String {
    let page = text(app.get(client, &format!("/honours?year={}", year_of(app))).await, StatusCode::OK).await;
    let marker = "data-testid=\"roll-state\">";
    let start = page.find(marker).unwrap_or_else(|| panic!("no roll state in:\n{page}")) + marker.len();
    page[start..start + page[start..].find('<').expect("the state ends")].to_string()
}

async fn objections(app: &TestApp) -> i64 {
    app.rows_in("objections").await
}

#[tokio::test]
async fn only_the_committee_publishes_finalizes_and_reopens() {
    let app = spawn_app().await;
    let committee = app.login(COMMITTEE_2, PASSWORD).await;
    let others = [
        app.login(MEMBER, PASSWORD).await,
        app.login(BRANCH_SECRETARY, PASSWORD).await,
        app.login(AUDITOR, PASSWORD).await,
    ];
    let page = rating_page(&app, &others[0]).await;
    assert!(!page.contains("/publish\""), "a member is offered no publishing:\n{page}");
    let before = app.written().await;
    for client in &others {
        text(publish(&app, client).await, StatusCode::FORBIDDEN).await;
    }
    assert_eq!((app.rows_in("rating_rounds").await, app.written().await), (0, before));

    let page = rating_page(&app, &committee).await;
    assert!(page.contains("未公示（暂定结果）") && page.contains("/publish\""), "{page}");
    assert_redirect(&publish(&app, &committee).await, &format!("/rating?year={}", year_of(&app)));
    let rounds: Vec<(i64, String, String, AccountId)> = app
        .rows("SELECT round, CAST(notice_from AS TEXT), CAST(notice_until AS TEXT), published_by FROM rating_rounds")
        .await;
    let until = today() + 4.days();
    assert_eq!(rounds, [(1, today().to_string(), until.to_string(), app.fixture.accounts[COMMITTEE_2])]);
    assert_eq!(app.work(COMMITTEE_2).await, ["rating.publish"]);
    let page = rating_page(&app, &others[0]).await;
    assert!(page.contains("公示中") && page.contains(&format!("{} — {until}", today())), "{page}");
    // Published once: a second publication waits for a reopening.
    text(publish(&app, &committee).await, StatusCode::CONFLICT).await;
    assert_eq!(app.rows_in("rating_rounds").await, 1);

    let objection = objected(&app, &others[0], Some(app.fixture.hu)).await;
    end_notice(&app).await;
    let before = app.written().await;
    for client in &others {
        text(finalize(&app, client).await, StatusCode::FORBIDDEN).await;
        text(reopen(&app, client, "结果有误，需要重新核实").await, StatusCode::FORBIDDEN).await;
        text(answer(&app, client, objection, "dismissed").await, StatusCode::FORBIDDEN).await;
    }
    assert_eq!(app.written().await, before);
    let unchanged = "SELECT COUNT(*) FROM rating_rounds WHERE finalized_at IS NULL AND reopened_at IS NULL";
    assert_eq!((app.count(unchanged).await, app.rows_in("final_stars").await), (1, 0));
    assert_eq!(app.count("SELECT COUNT(*) FROM objections WHERE answered_at IS NULL").await, 1);
}

#[tokio::test]
async fn accounts_and_households_object_during_the_notice_and_not_after_it() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let liang = app.login(MEMBER, PASSWORD).await;
    let household = app.fixture.liang_households[0];
    let token = &f.tokens[&household];

    // Nothing is in public notice yet.
    text(object(&app, &liang, Some(f.hu), "走访次数与实际不符").await, StatusCode::CONFLICT).await;
    text(app.get(&app.client(), &format!("/r/{token}/notice")).await, StatusCode::CONFLICT).await;
    assert_eq!(objections(&app).await, 0);

    assert_redirect(
        &publish(&app, &app.login(COMMITTEE_2, PASSWORD).await).await,
        &format!("/rating?year={}", year_of(&app)),
    );

    // A member objects about another member.
    let id = objected(&app, &liang, Some(f.hu)).await;
    let rows: Vec<(String, Option<MemberId>, i64, Option<String>)> =
        app.rows(&format!("SELECT filed_by, member_id, round, answer FROM objections WHERE id = {id}")).await;
    assert_eq!(rows, [(format!("account:{}", f.accounts[MEMBER]), Some(f.hu), 1, None)]);
    assert!(app.work(MEMBER).await.contains(&"rating.object".to_string()));
    // Who objected is for the committee and the objector, not for other members.
    let row = |page: &str| row_containing(page, &format!("data-objection=\"{id}\"")).map(str::to_string);
    let committee = app.login(COMMITTEE_2, PASSWORD).await;
    assert!(row(&rating_page(&app, &committee).await).expect("listed").contains("梁小改"));
    let other = row(&rating_page(&app, &app.login(BRANCH_SECRETARY, PASSWORD).await).await).expect("listed");
    assert!(!other.contains("梁小改") && other.contains("—"), "{other}");

    // An objection needs words; an auditor files none.
    let before = objections(&app).await;
    text(object(&app, &liang, None, "错").await, StatusCode::BAD_REQUEST).await;
    text(object(&app, &app.login(AUDITOR, PASSWORD).await, None, "结果有误请核实").await, StatusCode::FORBIDDEN).await;
    assert_eq!(objections(&app).await, before);

    // A household objects through its link, with the form cookie echoed (double submit).
    let browser = app.client();
    let response = app.get(&browser, &format!("/r/{token}/notice")).await;
    let cookie = set_cookie(&response, "sl_form").expect("a form cookie");
    let page = text(response, StatusCode::OK).await;
    assert_eq!(csrf_of(&page), cookie.value, "the form echoes the cookie");
    assert!(page.contains(&format!("{} — {}", today(), today() + 4.days())), "{page}");
    let response = household_object(&app, &browser, token, f.liang).await;
    assert_redirect(&response, &format!("/r/{token}/notice?filed=1"));
    let sql =
        format!("SELECT COUNT(*) FROM objections WHERE filed_by = 'household:{household}' AND member_id = {}", f.liang);
    assert_eq!(app.count(&sql).await, 1);
    // Without the cookie (another site, a forged form), refused.
    let stranger = app.client();
    let form = [("csrf", cookie.value.as_str()), ("member", ""), ("text", "她很少来我家走访")];
    text(app.post(&stranger, &format!("/r/{token}/notice"), &form).await, StatusCode::FORBIDDEN).await;
    text(app.get(&stranger, "/r/no-such-token/notice").await, StatusCode::NOT_FOUND).await;
    assert_eq!(objections(&app).await, before + 1);

    // The notice is over: no more objections, from anyone.
    end_notice(&app).await;
    let before = app.written().await;
    let count = objections(&app).await;
    let body = text(object(&app, &liang, Some(f.hu), "走访次数与实际不符").await, StatusCode::CONFLICT).await;
    assert!(body.contains("不再受理异议"), "{body}");
    let page = text(app.get(&browser, &format!("/r/{token}/notice")).await, StatusCode::OK).await;
    assert!(!page.contains("method=\"post\""), "no form once the notice is over:\n{page}");
    let form = [("csrf", cookie.value.as_str()), ("member", ""), ("text", "她很少来我家走访")];
    text(app.post(&browser, &format!("/r/{token}/notice"), &form).await, StatusCode::CONFLICT).await;
    assert!(!rating_page(&app, &liang).await.contains("/objections\""), "no objection form");
    assert_eq!((objections(&app).await, app.written().await), (count, before));
}

#[tokio::test]
async fn a_year_is_finalized_after_the_notice_with_every_objection_answered() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let (peng, zhao) = (app.login(COMMITTEE, PASSWORD).await, app.login(COMMITTEE_2, PASSWORD).await);
    let liang = app.login(MEMBER, PASSWORD).await;
    assert_redirect(&publish(&app, &zhao).await, &format!("/rating?year={}", year_of(&app)));
    assert!(roll_state(&app, &liang).await.contains("暂定"), "provisional while in notice");

    let about_hu = objected(&app, &liang, Some(f.hu)).await;
    let by_peng = objected(&app, &peng, Some(f.liang)).await;
    let token = &f.tokens[&f.peng_household];
    assert_redirect(&household_object(&app, &app.client(), token, f.peng).await, &format!("/r/{token}/notice?filed=1"));
    let about_peng = app.count("SELECT MAX(id) FROM objections").await;

    // Not during the notice.
    let body = text(finalize(&app, &zhao).await, StatusCode::CONFLICT).await;
    assert!(body.contains("期满后才能确认"), "{body}");
    end_notice(&app).await;
    // Not with objections unanswered.
    let body = text(finalize(&app, &zhao).await, StatusCode::CONFLICT).await;
    assert!(body.contains("还有 3 条异议"), "{body}");
    assert_eq!(app.rows_in("final_stars").await, 0);

    // Nobody answers their own objection, nor one about themselves.
    let before = app.written().await;
    let body = text(answer(&app, &peng, by_peng, "dismissed").await, StatusCode::FORBIDDEN).await;
    assert!(body.contains("自己提出的异议"), "{body}");
    let body = text(answer(&app, &peng, about_peng, "dismissed").await, StatusCode::FORBIDDEN).await;
    assert!(body.contains("关于自己或亲属"), "{body}");
    assert_eq!(app.written().await, before);
    let page = rating_page(&app, &peng).await;
    for id in [by_peng, about_peng] {
        let row = row_containing(&page, &format!("data-objection=\"{id}\"")).expect("listed");
        assert!(!row.contains("/answer\""), "not offered to her:\n{row}");
    }

    assert_redirect(&answer(&app, &peng, about_hu, "dismissed").await, &format!("/rating?year={}", year_of(&app)));
    assert_redirect(&answer(&app, &zhao, by_peng, "upheld").await, &format!("/rating?year={}", year_of(&app)));
    // Once answered, on the record.
    text(answer(&app, &zhao, about_hu, "upheld").await, StatusCode::CONFLICT).await;
    let body = text(finalize(&app, &zhao).await, StatusCode::CONFLICT).await;
    assert!(body.contains("还有 1 条异议"), "{body}");
    assert_redirect(&answer(&app, &zhao, about_peng, "dismissed").await, &format!("/rating?year={}", year_of(&app)));
    let answered: Vec<(i64, String, AccountId)> =
        app.rows("SELECT id, outcome, answered_by FROM objections ORDER BY id").await;
    let (peng_id, zhao_id) = (f.accounts[COMMITTEE], f.accounts[COMMITTEE_2]);
    assert_eq!(
        answered,
        [
            (about_hu, "dismissed".into(), peng_id),
            (by_peng, "upheld".into(), zhao_id),
            (about_peng, "dismissed".into(), zhao_id)
        ]
    );

    // Now the year is finalized: the stars are written, the roll says so.
    let members = app.count(&format!("SELECT COUNT(*) FROM members WHERE community_id = {}", f.community)).await;
    assert_redirect(&finalize(&app, &zhao).await, &format!("/honours?year={}", year_of(&app)));
    assert_eq!(app.rows_in("final_stars").await, members, "one row per member rated");
    let sql = format!("SELECT COUNT(*) FROM rating_rounds WHERE finalized_by = {zhao_id} AND final_sha256 IS NOT NULL");
    assert_eq!(app.count(&sql).await, 1);
    assert!(app.work(COMMITTEE_2).await.contains(&"rating.finalize".to_string()));
    assert_eq!(roll_state(&app, &liang).await, "已经公示确认");
    let page = rating_page(&app, &liang).await;
    assert!(page.contains("已确认，年度已锁定") && !page.contains("/objections\""), "{page}");

    // Finalized once; objections are closed for good; households see no notice.
    text(finalize(&app, &zhao).await, StatusCode::CONFLICT).await;
    text(object(&app, &liang, None, "结果有误请核实").await, StatusCode::CONFLICT).await;
    text(app.get(&app.client(), &format!("/r/{token}/notice")).await, StatusCode::CONFLICT).await;
    assert_eq!(app.rows_in("final_stars").await, members);
}

/// Entries, claims, adjustments, integrity votes and activity sign-ups, to
/// compare before and after a refused write.
async fn state(app: &TestApp) -> (Written, i64, String) {
    let integrity = app.rows_in("integrity_votes").await;
    let adjustments = app.table_text("adjustments", &["id", "status"]).await;
    (app.written().await, integrity, adjustments)
}

/// Publishes last year, lets the notice pass and finalizes it.
pub(super) async fn finalize_last_year(app: &TestApp, committee: &Client) {
    assert_redirect(&publish(app, committee).await, &format!("/rating?year={}", year_of(app)));
    end_notice(app).await;
    assert_redirect(&finalize(app, committee).await, &format!("/honours?year={}", year_of(app)));
}

/// A `datetime-local` value on 20 December of last year.
fn last_december(app: &TestApp, time: &str) -> String {
    format!("{}-12-20T{time}", year_of(app))
}

#[tokio::test]
async fn a_finalized_year_takes_no_new_points_until_a_documented_reopening() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let last = f.last_year();
    let (zhao, sun) = (app.login(COMMITTEE_2, PASSWORD).await, app.login(COMMITTEE_3, PASSWORD).await);
    let (secretary, liang) = (app.login(BRANCH_SECRETARY, PASSWORD).await, app.login(MEMBER, PASSWORD).await);
    let in_last_year = format!("SELECT COUNT(*) FROM ledger_entries WHERE year = {}", last.get());
    // Last year has points of its own: a lecture 胡国强 gave.
    app.add_entry_in(last, f.hu, "meeting.lecture", f.accounts[COMMITTEE], "last-year-lecture").await;

    // Work of last year waiting to be written when it is finalized: a
    // cleanup 梁小改 served last December, her visit claim of that month, an
    // adjustment to last year and an integrity record of last December one
    // vote short of the quorum.
    let activity = app.publish_service(&zhao, "volunteer.cleanup", 120, 120).await;
    app.join_service(&liang, activity).await;
    app.reschedule_service(activity, -10, 110).await;
    assert_redirect(&app.scan_service_qr(&liang, activity).await, &format!("/activities/{activity}"));
    let (starts, ends) = (seconds_of(&last_december(&app, "09:00")), seconds_of(&last_december(&app, "11:00")));
    app.execute(&format!(
        "UPDATE activities SET starts_at = to_timestamp({starts}), ends_at = to_timestamp({ends}) WHERE id = {activity}"
    ))
    .await;
    let december = jiff::civil::date(last.get(), 12, 15);
    let csrf = app.csrf(&liang).await;
    let response = app.log_visit(&liang, &csrf, f.liang_households[0], december, "走访了解情况", None).await;
    let claim = submitted_claim(&response);
    let csrf = app.csrf(&zhao).await;
    let (wang, year) = (f.liang.to_string(), last.get().to_string());
    let form = [
        ("csrf", csrf.as_str()),
        ("member", &wang),
        ("rule", "adjustment.ethics"),
        ("points", "1"),
        ("reason", "补记邻里调解"),
        ("year", &year),
    ];
    assert_redirect(&app.post(&zhao, "/adjustments", &form).await, "/adjustments");
    let adjustment = app.count("SELECT MAX(id) FROM adjustments").await;
    assert_eq!(
        app.count(&format!("SELECT year FROM adjustments WHERE id = {adjustment}")).await,
        i64::from(last.get())
    );
    let record = {
        let csrf = app.csrf(&zhao).await;
        let wang = f.liang.to_string();
        let date = december.to_string();
        let parts = [
            Part::Text("csrf", &csrf),
            Part::Text("member", &wang),
            Part::Text("rule", "integrity.commendation"),
            Part::Text("date", &date),
            Part::Text("description", "调解邻里纠纷"),
        ];
        assert_redirect(&app.post_multipart(&zhao, "/integrity", &parts).await, "/integrity");
        app.count("SELECT MAX(id) FROM integrity_records").await
    };
    assert_eq!(
        app.count(&format!("SELECT year FROM integrity_records WHERE id = {record}")).await,
        i64::from(last.get())
    );
    let vote = |client: &Client| {
        let client = client.clone();
        let app = &app;
        async move {
            let csrf = app.csrf(&client).await;
            app.post(&client, &format!("/integrity/{record}/vote"), &[("csrf", &csrf), ("vote", "approve")]).await
        }
    };
    for client in [&app.login(COMMITTEE, PASSWORD).await, &zhao] {
        assert_redirect(&vote(client).await, "/integrity");
    }

    finalize_last_year(&app, &zhao).await;

    // Every way into the ledger of the finalized year is refused, and writes nothing.
    let before = state(&app).await;
    let ledger = app.ledger_rows().await;
    let last_year_entries = app.count(&in_last_year).await;
    assert_eq!(last_year_entries, 1, "the lecture alone");
    text(app.confirm_served(&zhao, activity, &[f.liang]).await, StatusCode::CONFLICT).await;
    text(app.decide(&secretary, claim, "approve").await, StatusCode::CONFLICT).await;
    let form = [("csrf", app.csrf(&sun).await), ("decision", "approve".into()), ("note", "经核实属实".into())];
    let response = sun.post(app.url(&format!("/adjustments/{adjustment}/check"))).form(&form).send().await.unwrap();
    text(response, StatusCode::CONFLICT).await;
    text(vote(&sun).await, StatusCode::CONFLICT).await;
    assert_eq!(state(&app).await, before, "no claim, sign-up, adjustment or vote moved");
    assert_eq!(app.ledger_rows().await, ledger);
    assert_eq!(app.claim_state(claim).await.0, "pending");

    // The running year is not locked: a household still rates, into this year.
    let household = f.peng_household;
    let browser = app.client();
    let path = format!("/r/{}", f.tokens[&household]);
    app.bind(&browser, &f.tokens[&household]).await;
    let csrf = csrf_of(&text(app.get(&browser, &path).await, StatusCode::OK).await);
    text(app.post(&browser, &path, &[("csrf", csrf.as_str()), ("level", "satisfied")]).await, StatusCode::OK).await;
    let rated: Vec<(i64, String)> =
        app.rows("SELECT year, recorded_by FROM ledger_entries WHERE id = (SELECT MAX(id) FROM ledger_entries)").await;
    assert_eq!(rated, [(i64::from(f.year.get()), format!("household:{household}"))]);
    assert_eq!((app.ledger_rows().await, app.count(&in_last_year).await), (ledger + 1, last_year_entries));
    let (before, ledger) = (state(&app).await, app.ledger_rows().await);

    // Behind the application's back, the database itself refuses.
    let sneak = format!(
        "INSERT INTO ledger_entries (community_id, year, member_id, category, rule_key, rulebook_version, \
         points_tenths, reason, source_kind, source_ref, recorded_by, recorded_at, occurred_on, idempotency_key, \
         prev_hash, hash) SELECT community_id, year, member_id, category, rule_key, rulebook_version, 100, \
         'behind the app', source_kind, source_ref, recorded_by, recorded_at, occurred_on, 'sneak', hash, 'sneak' \
         FROM ledger_entries WHERE year = {} ORDER BY id DESC LIMIT 1",
        year_of(&app)
    );
    let error = app.try_execute(&sneak).await.expect_err("the trigger aborts the insert");
    assert!(error.to_string().contains("the year is finalized"), "{error}");
    assert_eq!(app.ledger_rows().await, ledger);

    // Reopening is the committee's, with a reason, on the record.
    let reason = "梁小改的走访记录漏记，经党委会研究重新开启";
    for client in [&secretary, &liang, &app.login(AUDITOR, PASSWORD).await] {
        text(reopen(&app, client, reason).await, StatusCode::FORBIDDEN).await;
    }
    text(reopen(&app, &zhao, "有误").await, StatusCode::BAD_REQUEST).await;
    assert_eq!(app.count("SELECT COUNT(*) FROM rating_rounds WHERE reopened_at IS NOT NULL").await, 0);
    assert_eq!(state(&app).await, before);
    // 赵春明 proposes; the year stays locked until another member agrees.
    assert_redirect(&reopen(&app, &zhao, reason).await, &format!("/rating?year={}", year_of(&app)));
    assert_eq!(app.count("SELECT COUNT(*) FROM rating_rounds WHERE reopened_at IS NOT NULL").await, 0);
    assert_redirect(&agree(&app, &sun).await, &format!("/rating?year={}", year_of(&app)));
    let actor = format!("account:{} ({COMMITTEE_3})", f.accounts[COMMITTEE_3]);
    let reopenings: Vec<(String, String, String)> =
        app.audit_log().await.into_iter().filter(|(_, action, _)| action == "rating.reopen").collect();
    let [(by, _, detail)] = reopenings.as_slice() else { panic!("one reopening audited: {reopenings:?}") };
    assert!(by == &actor && detail.contains(reason) && detail.contains("final: true"), "{by} {detail}");
    assert!(detail.contains("赵春明") && detail.contains("孙丽华"), "both names: {detail}");
    let rounds: Vec<(AccountId, String, AccountId)> = app
        .rows("SELECT reopened_by, reopen_reason, reopen_agreed_by FROM rating_rounds WHERE reopened_at IS NOT NULL")
        .await;
    assert_eq!(rounds, [(f.accounts[COMMITTEE_2], reason.to_string(), f.accounts[COMMITTEE_3])]);
    let page = rating_page(&app, &liang).await;
    assert!(page.contains("data-testid=\"reopening\"") && page.contains(reason), "{page}");
    assert!(page.contains("未公示（暂定结果）"), "{page}");
    assert!(roll_state(&app, &liang).await.contains("暂定"), "the roll is provisional again");

    // And the writes go through again, into last year.
    assert_redirect(&app.confirm_served(&zhao, activity, &[f.liang]).await, &format!("/activities/{activity}"));
    assert_redirect(&app.decide(&secretary, claim, "approve").await, "/reviews");
    let form = [("csrf", app.csrf(&sun).await), ("decision", "approve".into()), ("note", "经核实属实".into())];
    let response = sun.post(app.url(&format!("/adjustments/{adjustment}/check"))).form(&form).send().await.unwrap();
    assert_redirect(&response, "/adjustments");
    assert_redirect(&vote(&sun).await, "/integrity");
    assert_eq!((app.ledger_rows().await, app.count(&in_last_year).await), (ledger + 4, last_year_entries + 4));
    app.add_entry_in(last, f.zeng, "meeting.lecture", f.accounts[COMMITTEE_2], "after-reopening").await;
    assert_eq!((app.ledger_rows().await, app.count(&in_last_year).await), (ledger + 5, last_year_entries + 5));
    // The year is published again as a new round, once a second member agrees.
    assert_redirect(&publish(&app, &zhao).await, &format!("/rating?year={}", year_of(&app)));
    assert_eq!(app.count("SELECT MAX(round) FROM rating_rounds").await, 1);
    assert_redirect(&agree(&app, &sun).await, &format!("/rating?year={}", year_of(&app)));
    assert_eq!(app.count("SELECT MAX(round) FROM rating_rounds").await, 2);
}

#[tokio::test]
async fn the_running_year_is_not_published_before_it_is_over() {
    let app = spawn_app().await;
    let this_year = app.fixture.year.get();
    let committee = app.login(COMMITTEE_2, PASSWORD).await;
    let page = text(app.get(&committee, &format!("/rating?year={this_year}")).await, StatusCode::OK).await;
    assert!(page.contains("未公示（暂定结果）") && !page.contains("/publish\""), "no publishing offered:\n{page}");

    let before = app.written().await;
    let csrf = app.csrf(&committee).await;
    let response =
        app.post(&committee, &format!("/rating/{this_year}/publish"), &[("csrf", &csrf), ("confirm", "yes")]).await;
    let body = text(response, StatusCode::CONFLICT).await;
    assert!(body.contains("尚未结束"), "{body}");
    assert_eq!((app.rows_in("rating_rounds").await, app.written().await), (0, before));
    assert!(app.work(COMMITTEE_2).await.is_empty(), "nothing audited");
    // Nothing is in notice, so nothing can be objected to or finalized.
    let liang = app.login(MEMBER, PASSWORD).await;
    let csrf = app.csrf(&liang).await;
    let form = [("csrf", csrf.as_str()), ("member", ""), ("text", "结果有误请核实")];
    text(app.post(&liang, &format!("/rating/{this_year}/objections"), &form).await, StatusCode::CONFLICT).await;
    let csrf = app.csrf(&committee).await;
    text(
        app.post(&committee, &format!("/rating/{this_year}/finalize"), &[("csrf", &csrf), ("confirm", "yes")]).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!((app.rows_in("rating_rounds").await, objections(&app).await), (0, 0));

    // Last year, which is over, is offered and published.
    let page = rating_page(&app, &committee).await;
    assert!(page.contains("/publish\""), "{page}");
    assert_redirect(&publish(&app, &committee).await, &format!("/rating?year={}", year_of(&app)));
    let years: Vec<(i64,)> = app.rows("SELECT year FROM rating_rounds").await;
    assert_eq!(years, [(i64::from(year_of(&app)),)]);
}

#[tokio::test]
async fn reopening_and_publishing_again_take_a_second_committee_member() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let (zhao, sun, peng) = (
        app.login(COMMITTEE_2, PASSWORD).await,
        app.login(COMMITTEE_3, PASSWORD).await,
        app.login(COMMITTEE, PASSWORD).await,
    );
    finalize_last_year(&app, &zhao).await;
    let finalized = "SELECT COUNT(*) FROM rating_rounds WHERE finalized_at IS NOT NULL AND reopened_at IS NULL";
    let reason = "彭雅丽的联户评议漏记，需要重新核实";

    // The hole: one committee account reopened a finalized year. Now it proposes.
    assert_redirect(&reopen(&app, &zhao, reason).await, &format!("/rating?year={}", year_of(&app)));
    assert_eq!(app.count(finalized).await, 1, "a proposal alone reopens nothing");
    let page = rating_page(&app, &sun).await;
    assert!(page.contains("data-testid=\"motion\"") && page.contains(reason) && page.contains("/agree\""), "{page}");
    let page = rating_page(&app, &zhao).await;
    assert!(!page.contains("/agree\""), "the proposer is offered no agreement:\n{page}");
    // Neither the proposer, nor a second login of his, nor a non-committee
    // account agrees; nor does a second proposal stack on the first.
    let body = text(agree(&app, &zhao).await, StatusCode::FORBIDDEN).await;
    assert!(body.contains("须由另一名党委委员同意"), "{body}");
    app.execute(&format!("UPDATE accounts SET disabled_at = '2026-01-01' WHERE id = {}", f.accounts[COMMITTEE_2]))
        .await;
    app.add_account("zhao2", starledger_domain::org::Role::Committee, Some(f.wang), None).await;
    let second_login = app.login("zhao2", PASSWORD).await;
    text(agree(&app, &second_login).await, StatusCode::FORBIDDEN).await;
    for client in [&app.login(BRANCH_SECRETARY, PASSWORD).await, &app.login(AUDITOR, PASSWORD).await] {
        text(agree(&app, client).await, StatusCode::FORBIDDEN).await;
    }
    text(reopen(&app, &sun, "另一个重新开启的理由").await, StatusCode::CONFLICT).await;
    assert_eq!(app.count(finalized).await, 1, "still final");
    assert_eq!(app.rows_in("rating_motions").await, 1);

    // Control: 孙丽华, another person, agrees, and the year is reopened with both names.
    assert_redirect(&agree(&app, &sun).await, &format!("/rating?year={}", year_of(&app)));
    assert_eq!(app.count(finalized).await, 0);
    let motion: Vec<(AccountId, AccountId)> = app.rows("SELECT proposed_by, agreed_by FROM rating_motions").await;
    assert_eq!(motion, [(f.accounts[COMMITTEE_2], f.accounts[COMMITTEE_3])]);
    let page = rating_page(&app, &peng).await;
    let line = &page[page.find("data-testid=\"reopening\"").expect("the reopening is shown")..];
    assert!(line.contains("赵春明提议") && line.contains("孙丽华同意") && line.contains(reason), "{line}");

    // Publishing again: 孙丽华 proposes, she does not agree herself, 彭雅丽 does.
    let live = "SELECT COUNT(*) FROM rating_rounds WHERE reopened_at IS NULL";
    assert_redirect(&publish(&app, &sun).await, &format!("/rating?year={}", year_of(&app)));
    assert_eq!(app.count(live).await, 0, "not published yet");
    text(agree(&app, &sun).await, StatusCode::FORBIDDEN).await;
    assert_eq!(app.count(live).await, 0);
    assert_redirect(&agree(&app, &peng).await, &format!("/rating?year={}", year_of(&app)));
    let round: Vec<(i64, AccountId, AccountId)> =
        app.rows("SELECT round, published_by, published_agreed_by FROM rating_rounds WHERE reopened_at IS NULL").await;
    assert_eq!(round, [(2, f.accounts[COMMITTEE_3], f.accounts[COMMITTEE])]);
    let published: Vec<(String, String)> = app
        .audit_log()
        .await
        .into_iter()
        .filter(|(_, action, _)| action == "rating.publish")
        .map(|(actor, _, detail)| (actor, detail))
        .collect();
    let (actor, detail) = published.last().expect("the second publication is audited");
    assert_eq!(actor, &format!("account:{} ({COMMITTEE})", f.accounts[COMMITTEE]));
    assert!(detail.contains("孙丽华") && detail.contains("彭雅丽"), "{detail}");
}

#[tokio::test]
async fn a_motion_is_withdrawn_and_then_proposed_afresh() {
    let app = spawn_app().await;
    let (zhao, sun) = (app.login(COMMITTEE_2, PASSWORD).await, app.login(COMMITTEE_3, PASSWORD).await);
    finalize_last_year(&app, &zhao).await;
    assert_redirect(&reopen(&app, &zhao, "第一个重新开启的理由").await, &format!("/rating?year={}", year_of(&app)));
    let motion = app.count("SELECT MAX(id) FROM rating_motions").await;
    let path = format!("/rating/{}/motions/{motion}/withdraw", year_of(&app));
    let liang = app.login(MEMBER, PASSWORD).await;
    text(app.post(&liang, &path, &[("csrf", &app.csrf(&liang).await)]).await, StatusCode::FORBIDDEN).await;
    // Another committee member declines it.
    assert_redirect(
        &app.post(&sun, &path, &[("csrf", &app.csrf(&sun).await)]).await,
        &format!("/rating?year={}", year_of(&app)),
    );
    text(agree(&app, &sun).await, StatusCode::CONFLICT).await;
    let still_final = "SELECT COUNT(*) FROM rating_rounds WHERE finalized_at IS NOT NULL AND reopened_at IS NULL";
    assert_eq!(app.count(still_final).await, 1, "a withdrawn motion reopens nothing");
    // A new proposal can then be made, and agreed.
    reopened(&app, &sun, &zhao, "第二个重新开启的理由").await;
    assert_eq!(app.count(still_final).await, 0);
}

async fn open_ballot_for(app: &TestApp, client: &Client, year: i16) -> Response {
    let csrf = app.csrf(client).await;
    let (branch, year) = (app.fixture.branch1.to_string(), year.to_string());
    app.post(client, "/ballots", &[("csrf", csrf.as_str()), ("branch", &branch), ("year", &year)]).await
}

async fn publish_activity_at(app: &TestApp, client: &Client, starts_at: &str, ends_at: &str) -> Response {
    let csrf = app.csrf(client).await;
    let fields = [
        ("csrf", csrf.as_str()),
        ("rule", "volunteer.cleanup"),
        ("title", "年末环境整治"),
        ("place", "十里社区"),
        ("starts_at", starts_at),
        ("ends_at", ends_at),
        ("slots", "20"),
    ];
    app.post(client, "/activities", &fields).await
}

#[tokio::test]
async fn planning_work_in_a_finalized_year_is_refused_until_a_documented_reopening() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let (zhao, secretary) = (app.login(COMMITTEE_2, PASSWORD).await, app.login(BRANCH_SECRETARY, PASSWORD).await);
    finalize_last_year(&app, &zhao).await;
    let meeting = MeetingForm { starts_at: last_december(&app, "09:00"), ..MeetingForm::general(f.branch1, 0) };
    let (starts, ends) = (last_december(&app, "14:00"), last_december(&app, "16:00"));
    let ballots = || async { (app.rows_in("ballots").await, app.rows_in("ballot_graded").await) };

    // A meeting, an activity and a ballot of the finalized year: their
    // points could never be written, so none is planned.
    let before = app.written().await;
    for (what, response) in [
        ("the secretary's meeting", app.schedule(&secretary, &meeting).await),
        ("the committee's meeting", app.schedule(&zhao, &meeting).await),
        ("the activity", publish_activity_at(&app, &zhao, &starts, &ends).await),
        ("the secretary's ballot", open_ballot_for(&app, &secretary, year_of(&app)).await),
        ("the committee's ballot", open_ballot_for(&app, &zhao, year_of(&app)).await),
    ] {
        let body = text(response, StatusCode::CONFLICT).await;
        assert!(body.contains("已确认"), "{what}: {body}");
    }
    assert_eq!((app.written().await, ballots().await), (before, (0, 0)), "no meeting, activity or ballot");

    // The running year is planned as ever.
    let this_year = app.meeting(&secretary, &MeetingForm::general(f.branch1, 60)).await;
    assert_eq!(app.rows_in("meetings").await, 1);
    let response = open_ballot_for(&app, &secretary, f.year.get()).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "this year's ballot opens");
    assert_eq!(ballots().await.0, 1);

    // After a documented reopening, last year takes its planning again.
    let reason = "王德福的年末党课漏记，经党委会研究重新开启";
    reopened(&app, &zhao, &app.login(COMMITTEE_3, PASSWORD).await, reason).await;
    let id = app.meeting(&secretary, &meeting).await;
    assert_ne!(id, this_year);
    let sql = format!("SELECT unix_seconds(starts_at) FROM meetings WHERE id = {id}");
    assert_eq!(app.count(&sql).await, seconds_of(&meeting.starts_at));
    let response = publish_activity_at(&app, &zhao, &starts, &ends).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "the activity is published");
    let sql = "SELECT unix_seconds(starts_at) FROM activities WHERE id = (SELECT MAX(id) FROM activities)";
    assert_eq!(app.count(sql).await, seconds_of(&starts));
    let response = open_ballot_for(&app, &secretary, year_of(&app)).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "last year's ballot opens");
    let years: Vec<(i64,)> = app.rows("SELECT year FROM ballots ORDER BY id").await;
    assert_eq!(years, [(i64::from(f.year.get()),), (i64::from(year_of(&app)),)]);
    let work = app.work(BRANCH_SECRETARY).await;
    assert_eq!(work, ["meeting.add", "ballot.open", "meeting.add", "ballot.open"]);
}

/// A household on a phone: its rating page leads to the notice while
/// objections are taken, the notice asks browsers for `same-origin`
/// referrers (never `no-referrer`, which makes Chromium post `Origin: null`),
/// and a post from the notice page that says `Origin: null` is taken on the
/// household's link, where its form token proves the page — and nowhere else.
#[tokio::test]
async fn a_household_reaches_the_notice_from_its_link_and_objects_with_origin_null() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let household = f.liang_households[0];
    let token = &f.tokens[&household];
    let browser = app.client();
    let notice_path = format!("/r/{token}/notice");

    // No notice yet: the rating page leads nowhere else.
    let page = text(app.get(&browser, &format!("/r/{token}")).await, StatusCode::OK).await;
    assert!(!page.contains(&notice_path), "no link before the notice:\n{page}");
    publish(&app, &app.login(COMMITTEE_2, PASSWORD).await).await;
    let response = app.get(&browser, &format!("/r/{token}")).await;
    assert_eq!(response.headers()["referrer-policy"], "same-origin", "the link never leaks to another site");
    let page = text(response, StatusCode::OK).await;
    assert!(page.contains(&format!("href=\"{notice_path}\"")), "the rating page leads to the notice:\n{page}");

    let response = app.get(&browser, &notice_path).await;
    assert_eq!(response.headers()["referrer-policy"], "same-origin");
    let csrf = csrf_of(&text(response, StatusCode::OK).await);
    let member = f.liang.to_string();
    let form = [("csrf", csrf.as_str()), ("member", member.as_str()), ("text", "她很少来我家走访")];
    let post = |client: &Client, path: &str, form: &[(&str, &str)]| {
        client.post(app.url(path)).header("Origin", "null").form(form).send()
    };

    // Origin null without the form's own token (a forged form): refused, nothing filed.
    let stranger = app.client();
    text(post(&stranger, &notice_path, &form).await.expect("answered"), StatusCode::FORBIDDEN).await;
    let wrong = [("csrf", "0".repeat(64)), ("member", member.clone()), ("text", "她很少来我家走访".into())];
    let wrong: Vec<(&str, &str)> = wrong.iter().map(|(k, v)| (*k, v.as_str())).collect();
    text(post(&browser, &notice_path, &wrong).await.expect("answered"), StatusCode::FORBIDDEN).await;
    assert_eq!(objections(&app).await, 0);

    // Origin null elsewhere stays refused, even with the session's token.
    let (committee, cookie) = app.login_with_cookie(COMMITTEE, PASSWORD).await;
    let session_csrf = app.csrf(&committee).await;
    text(post(&committee, "/logout", &[("csrf", &session_csrf)]).await.expect("answered"), StatusCode::FORBIDDEN).await;
    assert!(app.session_is_live(&cookie).await);
    let liang = app.login(MEMBER, PASSWORD).await;
    let member_csrf = app.csrf(&liang).await;
    let account_form = [("csrf", member_csrf.as_str()), ("member", ""), ("text", "结果有误，请核实")];
    let path = format!("/rating/{}/objections", year_of(&app));
    text(post(&liang, &path, &account_form).await.expect("answered"), StatusCode::FORBIDDEN).await;
    assert_eq!(objections(&app).await, 0);

    // The household's own page, with its token: taken, as the household's.
    let response = post(&browser, &notice_path, &form).await.expect("answered");
    assert_redirect(&response, &format!("{notice_path}?filed=1"));
    let rows: Vec<(String, Option<MemberId>)> = app.rows("SELECT filed_by, member_id FROM objections").await;
    assert_eq!(rows, [(format!("household:{household}"), Some(f.liang))]);
}

/// Issue 17, item 5: one member filed 25 objections in seconds, and one
/// household link 10; finalization waits for every answer. Three a year
/// from each account and each link, stated on the page; another member and
/// another link still object.
#[tokio::test]
async fn objections_are_bounded_per_account_and_per_link_each_year() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let liang = app.login(MEMBER, PASSWORD).await;
    let committee = app.login(COMMITTEE_2, PASSWORD).await;
    assert_redirect(&publish(&app, &committee).await, &format!("/rating?year={}", year_of(&app)));
    let page = rating_page(&app, &liang).await;
    assert!(page.contains("objection-limit") && page.contains("3"), "the limit is stated:\n{page}");

    for _ in 0..3 {
        objected(&app, &liang, Some(f.hu)).await;
    }
    let page = text(object(&app, &liang, Some(f.hu), "再提一条异议内容").await, StatusCode::CONFLICT).await;
    assert!(page.contains("每年最多提出 3 条异议"), "{page}");
    assert_eq!(objections(&app).await, 3);

    let token = &f.tokens[&f.liang_households[0]];
    let household = app.client();
    for _ in 0..3 {
        assert_redirect(&household_object(&app, &household, token, f.hu).await, &format!("/r/{token}/notice?filed=1"));
    }
    text(household_object(&app, &household, token, f.hu).await, StatusCode::CONFLICT).await;
    assert_eq!(objections(&app).await, 6);

    // The control: another link still objects.
    let other = &f.tokens[&f.liang_households[1]];
    assert_redirect(&household_object(&app, &app.client(), other, f.hu).await, &format!("/r/{other}/notice?filed=1"));
    assert_eq!(objections(&app).await, 7);
}

/// Issue 17, item 11: an objection that names a committee member only in
/// its text ("彭雅丽 …", no member chosen) could be answered by her. It is
/// about her all the same: she is recused; another committee member answers.
#[tokio::test]
async fn an_objection_naming_a_committee_member_in_its_text_is_not_hers_to_answer() {
    let app = spawn_app().await;
    let liang = app.login(MEMBER, PASSWORD).await;
    let peng = app.login(COMMITTEE, PASSWORD).await;
    let zhao = app.login(COMMITTEE_2, PASSWORD).await;
    assert_redirect(&publish(&app, &zhao).await, &format!("/rating?year={}", year_of(&app)));
    let response = object(&app, &liang, None, "彭雅丽的走访积分与实际不符，请核实").await;
    assert_redirect(&response, &format!("/rating?year={}", year_of(&app)));
    let id = app.count("SELECT MAX(id) FROM objections").await;

    let page = text(answer(&app, &peng, id, "dismissed").await, StatusCode::FORBIDDEN).await;
    assert!(page.contains("彭雅丽"), "{page}");
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM objections WHERE id = {id} AND answer IS NULL")).await, 1);
    assert_redirect(&answer(&app, &zhao, id, "dismissed").await, &format!("/rating?year={}", year_of(&app)));
}

/// The page shows a seal's QR code (an inline SVG in its box).
fn qr(page: &str) -> bool {
    page.split("data-testid=\"seal-qr\">").nth(1).is_some_and(|rest| rest.trim_start().starts_with("<svg"))
}

/// Publishing and finalizing each seal the year; the honour roll shows the
/// latest seal's short form and offers the seal to download, and the seals
/// are append-only in the database as the ledger is.
#[tokio::test]
async fn publishing_and_finalizing_seal_the_year() {
    let app = spawn_app().await;
    let committee = app.login(COMMITTEE, PASSWORD).await;
    let member = app.login(MEMBER, PASSWORD).await;
    let year = year_of(&app);
    assert_eq!(app.get(&member, &format!("/seals/{year}")).await.status(), StatusCode::NOT_FOUND, "not sealed yet");
    let f = &app.fixture;
    let zhao = f.accounts[COMMITTEE_2];
    let own = app.add_entry_in(f.last_year(), f.liang, "volunteer.cleanup", zhao, "sealed-own").await;
    let others = app.add_entry_in(f.last_year(), f.peng, "volunteer.cleanup", zhao, "sealed-other").await;
    assert_eq!(app.get(&member, &format!("/me/receipts/{own}")).await.status(), StatusCode::CONFLICT, "no seal yet");
    assert_redirect(&publish(&app, &committee).await, &format!("/rating?year={year}"));
    assert_eq!(app.count("SELECT COUNT(*) FROM seals WHERE stage = 'published'").await, 1);
    // A household sees the published seal on the notice its link leads to.
    let token = &f.tokens[&f.liang_households[0]];
    let household = text(app.get(&app.client(), &format!("/r/{token}/notice")).await, StatusCode::OK).await;
    assert!(household.contains("data-testid=\"seal-short\"") && qr(&household), "{household}");
    assert!(!household.contains("/seals/"), "no link a household could not open");
    end_notice(&app).await;
    assert_redirect(&finalize(&app, &committee).await, &format!("/honours?year={year}"));

    let download = app.get(&member, &format!("/seals/{year}")).await;
    assert_eq!(download.status(), StatusCode::OK);
    let seal: serde_json::Value = serde_json::from_str(&download.text().await.unwrap()).expect("a seal as JSON");
    assert_eq!(seal["stage"], "finalized");
    assert_eq!(seal["year"], year);
    let entries = app.count(&format!("SELECT COUNT(*) FROM ledger_entries WHERE year = {year}")).await;
    assert_eq!(seal["entries"], entries);
    let (digest,): (String,) = app.rows("SELECT sha256 FROM seals WHERE stage = 'finalized'").await.remove(0);
    let short: Vec<&str> = digest.as_bytes()[..16].chunks(4).map(|c| std::str::from_utf8(c).unwrap()).collect();
    let honours = text(app.get(&member, &format!("/honours?year={year}")).await, StatusCode::OK).await;
    assert!(honours.contains(&short.join("-")), "the seal's short form on the honour roll:\n{honours}");
    // Beside it, the seal itself as a QR code; and on the notice pages too:
    // the committee's and the one a household reaches from its link.
    assert!(qr(&honours), "the seal's QR code on the honour roll");
    let rating = text(app.get(&committee, &format!("/rating?year={year}")).await, StatusCode::OK).await;
    assert!(rating.contains(&short.join("-")) && qr(&rating), "the seal on the rating page:\n{rating}");

    // The member's record offers a receipt for each entry of the sealed
    // year; it names the entry and the seal's root; another's is not found.
    let record = text(app.get(&member, &format!("/me?year={year}")).await, StatusCode::OK).await;
    assert!(record.contains(&format!("href=\"/me/receipts/{own}\"")), "{record}");
    let receipt = text(app.get(&member, &format!("/me/receipts/{own}")).await, StatusCode::OK).await;
    let receipt: serde_json::Value = serde_json::from_str(&receipt).expect("a receipt as JSON");
    assert_eq!(receipt["entry"]["id"], own);
    assert_eq!(receipt["merkle_root"], seal["merkle_root"]);
    assert_eq!(app.get(&member, &format!("/me/receipts/{others}")).await.status(), StatusCode::NOT_FOUND);

    for sql in ["UPDATE seals SET body = '{}'", "DELETE FROM seals"] {
        assert!(app.try_execute(sql).await.is_err(), "{sql} is refused");
    }
}

#[tokio::test]
async fn an_objection_is_not_answered_by_the_person_who_filed_it_through_a_later_account() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let (peng, zhao) = (app.login(COMMITTEE, PASSWORD).await, app.login(COMMITTEE_2, PASSWORD).await);
    assert_redirect(&publish(&app, &zhao).await, &format!("/rating?year={}", year_of(&app)));
    let by_peng = objected(&app, &peng, Some(f.liang)).await;

    // Her account is disabled and she is given another: still her objection.
    app.execute(&format!(
        "UPDATE accounts SET disabled_at = '2026-01-01T00:00:00Z' WHERE id = {}",
        f.accounts[COMMITTEE]
    ))
    .await;
    app.add_account("peng2", Role::Committee, Some(f.peng), None).await;
    let peng2 = app.login("peng2", PASSWORD).await;
    let before = app.written().await;
    let body = text(answer(&app, &peng2, by_peng, "dismissed").await, StatusCode::FORBIDDEN).await;
    assert!(body.contains("自己提出的异议"), "{body}");
    assert_eq!(app.written().await, before, "nothing written");

    // Another committee member answers it, on the record.
    assert_redirect(&answer(&app, &zhao, by_peng, "upheld").await, &format!("/rating?year={}", year_of(&app)));
    let answered: Vec<(String, AccountId)> =
        app.rows(&format!("SELECT outcome, answered_by FROM objections WHERE id = {by_peng}")).await;
    assert_eq!(answered, [("upheld".to_string(), f.accounts[COMMITTEE_2])]);
}
