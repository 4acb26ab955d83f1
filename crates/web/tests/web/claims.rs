//! A member's claims (/claims): a visit to a linked household, with an
//! optional photo, and a declared week of 学习强国 study, with its screenshot.
//! A claim waits for someone else; the member can withdraw it only while it
//! waits; every refusal writes nothing.

use super::helpers::*;
use jiff::civil::Date;
use reqwest::StatusCode;
use starledger_domain::org::{AccountId, HouseholdId, MemberId};

/// id, member, kind, occurred_on, household, note, status, upload, decided_by, entry.
type ClaimRow =
    (i64, MemberId, String, String, Option<HouseholdId>, String, String, Option<i64>, Option<i64>, Option<i64>);

fn tomorrow() -> Date {
    today().tomorrow().expect("a tomorrow")
}

/// The Monday that names the week of `date`.
fn monday_of(date: Date) -> Date {
    date - jiff::Span::new().days(i64::from(date.weekday().to_monday_zero_offset()))
}

#[tokio::test]
async fn a_member_logs_a_visit_with_a_photo_and_it_waits_for_review() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let member = app.login(MEMBER, PASSWORD).await;
    let page = text(app.get(&member, "/claims").await, StatusCode::OK).await;
    // The form offers the member's own households, and no one else's.
    for household in f.liang_households {
        assert!(page.contains(&format!("<option value=\"{household}\">")), "household {household}:\n{page}");
    }
    for other in [f.peng_household, f.unlinked_household] {
        assert!(!page.contains(&format!("<option value=\"{other}\">")), "household {other} is not offered");
    }
    let csrf = csrf_of(&page);
    let ledger = app.ledger_rows().await;

    let response = app.log_visit(&member, &csrf, f.liang_households[1], today(), "帮助整理院子", Some(PNG)).await;
    assert_eq!(submitted_claim(&response), app.last_claim().await);

    let claims: Vec<ClaimRow> = app
        .rows(
            "SELECT id, member_id, kind, CAST(occurred_on AS TEXT) AS occurred_on, household_id, note, status, upload_id, \
             decided_by, entry_id \
             FROM claims",
        )
        .await;
    let [(id, member_id, kind, on, household, note, status, upload, decided_by, entry)] = &claims[..] else {
        panic!("one claim: {claims:?}")
    };
    assert_eq!((*member_id, kind.as_str(), on.as_str()), (f.liang, "visit", today().to_string().as_str()));
    assert_eq!((*household, note.as_str(), status.as_str()), (Some(f.liang_households[1]), "帮助整理院子", "pending"));
    assert_eq!((*decided_by, *entry), (None, None), "nobody decided it yet");

    // The photo is kept as it came, typed by its bytes, with its hash.
    let uploads: Vec<(i64, String, Vec<u8>, String, AccountId)> =
        app.rows("SELECT id, content_type, bytes, sha256, uploaded_by FROM uploads").await;
    let [(upload_id, content_type, bytes, sha256, by)] = &uploads[..] else { panic!("one upload: {uploads:?}") };
    assert_eq!(Some(*upload_id), *upload);
    assert_eq!((content_type.as_str(), bytes.as_slice(), *by), ("image/png", PNG, f.accounts[MEMBER]));
    use sha2::Digest;
    assert_eq!(*sha256, hex::encode(sha2::Sha256::digest(PNG)));

    assert_eq!(app.ledger_rows().await, ledger, "a claim is not points");
    assert_eq!(app.work(MEMBER).await, ["claim.add"]);

    let page = text(app.get(&member, "/claims").await, StatusCode::OK).await;
    let row = row_containing(&page, &format!("data-claim=\"{id}\"")).expect("the claim is listed");
    assert!(row.contains("data-status=\"pending\"") && row.contains("待审核"), "{row}");
    assert!(row.contains(&format!("action=\"/claims/{id}/cancel\"")), "a pending claim can be withdrawn: {row}");
}

#[tokio::test]
async fn a_visit_without_a_photo_is_accepted_but_not_without_a_note() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let member = app.login(MEMBER, PASSWORD).await;
    let csrf = app.csrf(&member).await;

    let before = app.written().await;
    let response = app.log_visit(&member, &csrf, f.liang_households[0], today(), "  ", None).await;
    text(response, StatusCode::BAD_REQUEST).await;
    assert_eq!(app.written().await, before, "a visit says what was done");

    let id = app.visit_claim(&member, f.liang_households[0], None).await;
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM claims WHERE id = {id} AND upload_id IS NULL")).await, 1);
    assert_eq!(app.rows_in("uploads").await, 0);
}

#[tokio::test]
async fn a_study_week_needs_a_screenshot_that_is_an_image() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let member = app.login(MEMBER, PASSWORD).await;
    let csrf = app.csrf(&member).await;
    let before = app.written().await;

    let missing = app.declare_study(&member, &csrf, today(), None).await;
    text(missing, StatusCode::BAD_REQUEST).await;
    let empty = app.declare_study(&member, &csrf, today(), Some(b"")).await;
    text(empty, StatusCode::BAD_REQUEST).await;
    // The browser's word ("image/jpeg") is not taken; the bytes are looked at.
    let fake = app.declare_study(&member, &csrf, today(), Some(NOT_AN_IMAGE)).await;
    text(fake, StatusCode::BAD_REQUEST).await;
    let fake_photo = app.log_visit(&member, &csrf, f.liang_households[0], today(), "走访", Some(NOT_AN_IMAGE)).await;
    text(fake_photo, StatusCode::BAD_REQUEST).await;
    assert_eq!(app.written().await, before, "refused claims write nothing");

    // A JPEG is accepted, and the week is named by its Monday.
    let response = app.declare_study(&member, &csrf, today(), Some(JPEG)).await;
    assert_eq!(submitted_claim(&response), app.last_claim().await);
    let rows: Vec<(MemberId, String, String, Option<i64>, String)> = app
        .rows(
            "SELECT c.member_id, c.kind, CAST(c.occurred_on AS TEXT), c.household_id, u.content_type \
             FROM claims c JOIN uploads u ON u.id = c.upload_id",
        )
        .await;
    assert_eq!(rows, [(f.liang, "study_week".into(), monday_of(today()).to_string(), None, "image/jpeg".into())]);
}

#[tokio::test]
async fn the_same_study_week_is_declared_once_until_withdrawn() {
    let app = spawn_app().await;
    let member = app.login(MEMBER, PASSWORD).await;
    let csrf = app.csrf(&member).await;
    let first = app.study_claim(&member, PNG).await;

    // Another day of the same week is the same week.
    let before = app.written().await;
    let again = app.declare_study(&member, &csrf, monday_of(today()), Some(PNG)).await;
    text(again, StatusCode::CONFLICT).await;
    assert_eq!(app.written().await, before, "the second declaration and its screenshot are not kept");

    // Once withdrawn, the week can be declared again.
    let withdraw = app.post(&member, &format!("/claims/{first}/cancel"), &[("csrf", &csrf)]).await;
    assert_redirect(&withdraw, "/claims");
    let second = app.declare_study(&member, &csrf, today(), Some(PNG)).await;
    assert_eq!(submitted_claim(&second), app.last_claim().await);
    let statuses: Vec<(String,)> = app.rows("SELECT status FROM claims ORDER BY id").await;
    assert_eq!(statuses, [("cancelled".to_string(),), ("pending".to_string(),)]);
}

#[tokio::test]
async fn work_is_claimed_after_it_is_done() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let member = app.login(MEMBER, PASSWORD).await;
    let csrf = app.csrf(&member).await;
    let before = app.written().await;

    let visit = app.log_visit(&member, &csrf, f.liang_households[0], tomorrow(), "走访", Some(PNG)).await;
    text(visit, StatusCode::CONFLICT).await;
    let study = app.declare_study(&member, &csrf, tomorrow(), Some(PNG)).await;
    text(study, StatusCode::CONFLICT).await;
    assert_eq!(app.written().await, before);
}

#[tokio::test]
async fn a_visit_is_claimed_only_for_ones_own_linked_households() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let member = app.login(MEMBER, PASSWORD).await;
    let csrf = app.csrf(&member).await;
    let before = app.written().await;

    // 西街5号 is 彭雅丽's; 北街7号 is no one's.
    for household in [f.peng_household, f.unlinked_household] {
        let response = app.log_visit(&member, &csrf, household, today(), "走访", Some(PNG)).await;
        text(response, StatusCode::FORBIDDEN).await;
    }
    // A household that does not exist is not found.
    let response = app.log_visit(&member, &csrf, 999_999.into(), today(), "走访", None).await;
    text(response, StatusCode::NOT_FOUND).await;
    assert_eq!(app.written().await, before);
}

#[tokio::test]
async fn a_household_of_another_community_is_not_found() {
    let app = spawn_app_with_neighbour().await;
    let neighbour = app.neighbour.as_ref().expect("the neighbour");
    let member = app.login(MEMBER, PASSWORD).await;
    let csrf = app.csrf(&member).await;
    let before = app.written().await;
    let response = app.log_visit(&member, &csrf, neighbour.household, today(), "走访", None).await;
    text(response, StatusCode::NOT_FOUND).await;
    assert_eq!(app.written().await, before);
}

#[tokio::test]
async fn nothing_is_claimed_in_a_year_that_is_not_open() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let member = app.login(MEMBER, PASSWORD).await;
    let csrf = app.csrf(&member).await;
    let before = app.written().await;

    // Last year was never opened.
    // Two years back: last year is open (see the fixture), the one before is not.
    let last_year = Date::new(today().year() - 2, 6, 10).expect("a date");
    let visit = app.log_visit(&member, &csrf, f.liang_households[0], last_year, "走访", None).await;
    text(visit, StatusCode::CONFLICT).await;
    let study = app.declare_study(&member, &csrf, last_year, Some(PNG)).await;
    text(study, StatusCode::CONFLICT).await;

    // This year, once closed, takes no more claims.
    app.execute(&format!("UPDATE periods SET status = 'closed' WHERE year = {}", f.year)).await;
    let visit = app.log_visit(&member, &csrf, f.liang_households[0], today(), "走访", Some(PNG)).await;
    text(visit, StatusCode::CONFLICT).await;
    let study = app.declare_study(&member, &csrf, today(), Some(PNG)).await;
    text(study, StatusCode::CONFLICT).await;
    assert_eq!(app.written().await, before);
}

#[tokio::test]
async fn a_claim_needs_the_session_token_and_a_member() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let member = app.login(MEMBER, PASSWORD).await;
    let before = app.written().await;

    let wrong = "0".repeat(64);
    let visit = app.log_visit(&member, &wrong, f.liang_households[0], today(), "走访", Some(PNG)).await;
    text(visit, StatusCode::FORBIDDEN).await;
    let study = app.declare_study(&member, "", today(), Some(PNG)).await;
    text(study, StatusCode::FORBIDDEN).await;
    // Another session's token is not this session's.
    let other = app.login(MEMBER, PASSWORD).await;
    let others_csrf = app.csrf(&other).await;
    let study = app.declare_study(&member, &others_csrf, today(), Some(PNG)).await;
    text(study, StatusCode::FORBIDDEN).await;

    // An auditor is no member and claims nothing.
    let auditor = app.login(AUDITOR, PASSWORD).await;
    let csrf = app.csrf(&auditor).await;
    text(app.get(&auditor, "/claims").await, StatusCode::FORBIDDEN).await;
    text(app.declare_study(&auditor, &csrf, today(), Some(PNG)).await, StatusCode::FORBIDDEN).await;
    assert_eq!(app.written().await, before);
}

#[tokio::test]
async fn the_member_withdraws_a_pending_claim() {
    let app = spawn_app().await;
    let member = app.login(MEMBER, PASSWORD).await;
    let id = app.visit_claim(&member, app.fixture.liang_households[0], Some(PNG)).await;
    let csrf = app.csrf(&member).await;
    let ledger = app.ledger_rows().await;

    assert_redirect(&app.post(&member, &format!("/claims/{id}/cancel"), &[("csrf", &csrf)]).await, "/claims");
    // Withdrawn is its own status: not rejected, not approved, no entry.
    assert_eq!(app.claim_state(id).await, ("cancelled".into(), Some(app.fixture.accounts[MEMBER]), None));
    assert_eq!(app.ledger_rows().await, ledger);
    assert_eq!(app.work(MEMBER).await, ["claim.add", "claim.cancel"]);

    let page = text(app.get(&member, "/claims").await, StatusCode::OK).await;
    let row = row_containing(&page, &format!("data-claim=\"{id}\"")).expect("the claim is still listed");
    assert!(row.contains("data-status=\"cancelled\"") && row.contains("已撤回"), "{row}");
    assert!(!row.contains("未通过") && !row.contains("/cancel"), "{row}");
    // It leaves the review queue.
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let queue = text(app.get(&secretary, "/reviews").await, StatusCode::OK).await;
    assert!(!queue.contains(&format!("data-claim=\"{id}\"")), "{queue}");
}

#[tokio::test]
async fn nobody_withdraws_someone_elses_claim() {
    let app = spawn_app().await;
    let member = app.login(MEMBER, PASSWORD).await;
    let id = app.visit_claim(&member, app.fixture.liang_households[0], None).await;
    let before = app.written().await;

    for login in [BRANCH_SECRETARY, COMMITTEE, COMMITTEE_2, AUDITOR] {
        let client = app.login(login, PASSWORD).await;
        let csrf = app.csrf(&client).await;
        let response = app.post(&client, &format!("/claims/{id}/cancel"), &[("csrf", &csrf)]).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{login} withdraws another's claim");
    }
    assert_eq!(app.claim_state(id).await, ("pending".into(), None, None));
    assert_eq!(app.written().await, before);

    // And the claimant's own withdrawal still needs the session's token.
    let response = app.post(&member, &format!("/claims/{id}/cancel"), &[("csrf", "nope")]).await;
    text(response, StatusCode::FORBIDDEN).await;
    assert_eq!(app.written().await, before);
}

#[tokio::test]
async fn a_decided_claim_is_never_withdrawn() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let member = app.login(MEMBER, PASSWORD).await;
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let approved = app.visit_claim(&member, f.liang_households[0], None).await;
    let rejected = app.visit_claim(&member, f.liang_households[1], None).await;
    let cancelled = app.visit_claim(&member, f.liang_households[2], None).await;
    assert_redirect(&app.decide(&secretary, approved, "approve").await, "/reviews");
    assert_redirect(&app.decide(&secretary, rejected, "reject").await, "/reviews");
    let csrf = app.csrf(&member).await;
    assert_redirect(&app.post(&member, &format!("/claims/{cancelled}/cancel"), &[("csrf", &csrf)]).await, "/claims");

    let states = [app.claim_state(approved).await, app.claim_state(rejected).await, app.claim_state(cancelled).await];
    let before = app.written().await;
    for id in [approved, rejected, cancelled] {
        let response = app.post(&member, &format!("/claims/{id}/cancel"), &[("csrf", &csrf)]).await;
        // The code answers 403 (the refusal is the claimant's right to withdraw);
        // 409 would do as well. What matters: the decision stands.
        assert!(
            matches!(response.status(), StatusCode::FORBIDDEN | StatusCode::CONFLICT),
            "withdrawing decided claim {id}: {}",
            response.status()
        );
    }
    let after = [app.claim_state(approved).await, app.claim_state(rejected).await, app.claim_state(cancelled).await];
    assert_eq!(after, states);
    assert_eq!(states[0].0, "approved");
    assert!(states[0].2.is_some(), "the approval's entry is kept");
    assert_eq!(app.written().await, before);
}

/// A week that began last year, declared in the first days of January,
/// counts in the year of its Monday: accepted and approvable while that
/// year is open, refused when declared once it is closed (never left
/// pending for good). The test states its day: Saturday 2 January 2027,
/// in the week of Monday 28 December 2026.
#[tokio::test]
async fn a_week_straddling_new_year_counts_in_the_year_of_its_monday() {
    let app = spawn(Setup { now: Some("2027-01-02T09:00:00+08:00"), ..Setup::default() }).await;
    app.on_its_day(async {
        let f = &app.fixture;
        assert_eq!((f.year.get(), f.last_year().get()), (2027, 2026), "the fixture opens both years");
        let member = app.login(MEMBER, PASSWORD).await;
        let csrf = app.csrf(&member).await;
        let response = app.declare_study(&member, &csrf, today(), Some(PNG)).await;
        let id = submitted_claim(&response);
        let stored: Vec<(String,)> =
            app.rows(&format!("SELECT CAST(occurred_on AS TEXT) FROM claims WHERE id = {id}")).await;
        assert_eq!(stored, [("2026-12-28".to_string(),)], "named by its Monday, in 2026");
        let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
        let decision = app.decide(&secretary, id, "approve").await;
        assert_redirect(&decision, "/reviews");
        assert_eq!(app.claim_state(id).await.0, "approved");

        // Once 2026 is closed, the same week is refused when declared.
        app.execute("UPDATE periods SET status = 'closed' WHERE year = 2026").await;
        let before = app.rows_in("claims").await;
        let refused = text(app.declare_study(&member, &csrf, today(), Some(PNG)).await, StatusCode::CONFLICT).await;
        assert!(refused.contains("2026"), "the refusal names the year: {refused}");
        assert_eq!(app.rows_in("claims").await, before, "nothing is written");
    })
    .await;
}

/// After a claim the page shows, first, what was just submitted and that it
/// waits for review, so that nobody submits it twice; only one's own claim.
#[tokio::test]
async fn after_a_claim_the_page_shows_what_was_submitted_first() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let member = app.login(MEMBER, PASSWORD).await;
    let csrf = app.csrf(&member).await;
    let response = app.log_visit(&member, &csrf, f.liang_households[1], today(), "帮助整理院子", None).await;
    let id = submitted_claim(&response);
    let page = text(app.get(&member, &location(&response)).await, StatusCode::OK).await;
    let top = page.find("data-testid=\"submitted\"").expect("the submitted claim is shown");
    let form = page.find("action=\"/claims/visit\"").expect("the visit form");
    assert!(top < form, "shown above the forms:\n{page}");
    let card = &page[top..top + page[top..].find("</section>").expect("the card ends")];
    assert!(card.contains(&format!("data-claim=\"{id}\"")) && card.contains("帮助整理院子"), "{card}");
    assert!(card.contains("待审核") && card.contains("无需再次提交"), "it waits for review: {card}");
    assert_eq!(page.matches("帮助整理院子").count(), 1, "shown once, not again in the list");

    // Another member's claim id shows nothing of it; the plain page shows no card.
    let (_, _) = app.add_member_account(f.branch1, "甲某", "jia").await;
    let other = app.login("jia", PASSWORD).await;
    let page = text(app.get(&other, &format!("/claims?submitted={id}")).await, StatusCode::OK).await;
    assert!(!page.contains("data-testid=\"submitted\"") && !page.contains("帮助整理院子"), "{page}");
    let page = text(app.get(&member, "/claims").await, StatusCode::OK).await;
    assert!(!page.contains("data-testid=\"submitted\"") && page.contains("帮助整理院子"), "listed as before");
}
