//! End to end, in a real browser, the three steps of the method that need
//! more than one person: volunteer service (the committee publishes, a
//! member signs up and checks in at the venue, an organizer confirms), the
//! branch review's secret ballot (the secretary opens it, members vote in
//! their own browsers, the tally appears only after the close, the branch
//! proposes the grades) and last year's rating (reopened if the demo has
//! finalized it, published for public notice, objected to, answered,
//! finalized, and then locked against writes). Each test serves its own
//! copy of the demo community; each person has their own browser; every
//! step checks the page and, where it writes, the database, and leaves a
//! screenshot in `target/e2e-artifacts/`.
//!
//! Needs /usr/bin/chromium and /usr/bin/chromedriver; without them each test
//! prints `SKIPPED` and passes, unless `STARLEDGER_E2E=require` is set.

use super::browser::{
    Session, Site, browser_available, china, find, now_in_china, page_text, points_text, set_value, today_in_china,
};
use fantoccini::Locator;
use sqlx::{Connection, SqliteConnection};
use std::sync::Arc;

/// 梁雍宏, the committee's secretary; also a member of 第一党支部.
const COMMITTEE: &str = "liangyonghong";
/// 胡卫东, a second committee member (第二党支部).
const SECOND_COMMITTEE: &str = "huweidong";
/// 赵振华, secretary of 第一党支部.
const BRANCH_SECRETARY: &str = "branch1";
/// 第一党支部, the branch of the secretary above and the members below.
const BRANCH: i64 = 1;
/// 梁小改, a member of 第一党支部.
const MEMBER: &str = "liangxiaogai";
const MEMBER_NAME: &str = "梁小改";
/// 胡国强, a member of 第一党支部.
const SECOND_MEMBER: &str = "huguoqiang";

const DESKTOP: (u32, u32) = (1280, 900);
const PHONE: (u32, u32) = (390, 844);
/// The narrowest phone the pages are made for.
const NARROW_PHONE: (u32, u32) = (360, 740);

/// The refusal page's heading: the method's rules (or the database) said no.
const REFUSED: &str = "无法完成此操作。";

/// An account's id and the member it belongs to, if any.
async fn account(db: &mut SqliteConnection, login: &str) -> (i64, Option<i64>) {
    sqlx::query_as("SELECT id, member_id FROM accounts WHERE login = $1")
        .bind(login)
        .fetch_one(db)
        .await
        .unwrap_or_else(|e| panic!("the demo account {login}: {e}"))
}

async fn member_of(db: &mut SqliteConnection, login: &str) -> i64 {
    account(db, login).await.1.unwrap_or_else(|| panic!("{login} is a member's account"))
}

/// The page shown is the refusal page (409), and its detail says each of `words`.
async fn assert_refused(session: &Session, words: &[&str]) {
    let heading = session.text("main.message h1").await;
    assert_eq!(heading, REFUSED, "a refusal, not {}", page_text(&session.client).await);
    let detail = session.text("main.message p.detail").await;
    for word in words {
        assert!(detail.contains(word), "the refusal says {word:?}: {detail}");
    }
}

/// The id at the end of the page's path, which must start with `prefix`.
async fn id_in_path(session: &Session, prefix: &str) -> i64 {
    let path = session.path().await;
    match path.strip_prefix(prefix).and_then(|id| id.parse().ok()) {
        Some(id) => id,
        None => panic!("expected a page under {prefix}, got {}", page_text(&session.client).await),
    }
}

// ---- 1. volunteer service -----------------------------------------------------------

const ACTIVITY_TITLE: &str = "东街背街小巷清扫";
const ACTIVITY_PLACE: &str = "东街口小广场";
/// The rule that prices the activity, its name, and its points in tenths.
const ACTIVITY_RULE: &str = "volunteer.cleanup";
const ACTIVITY_RULE_NAME: &str = "环境整治";
const ACTIVITY_TENTHS: i64 = 20;

#[tokio::test]
async fn volunteer_service_from_the_notice_to_the_members_points() {
    if !browser_available() {
        return;
    }
    Site::demo().await.run(volunteer_service).await;
}

async fn volunteer_service(site: Arc<Site>) {
    let mut db = site.db().await;
    let (committee_account, _) = account(&mut db, COMMITTEE).await;
    let (organizer_account, _) = account(&mut db, BRANCH_SECRETARY).await;
    let member = member_of(&mut db, MEMBER).await;
    let desk = site.session(DESKTOP.0, DESKTOP.1).await;
    let phone = site.session(PHONE.0, PHONE.1).await;

    // The committee publishes an activity that starts in ten minutes: members
    // may sign up until the start, and check in from 30 minutes before it.
    // (In the last ten minutes of a year it would start in the next year,
    // which is not open yet, and publishing it would be refused.)
    desk.sign_in(COMMITTEE).await;
    desk.goto("/activities").await;
    let form = "form[action='/activities']";
    desk.choose(&format!("{form} select[name=rule]"), ACTIVITY_RULE).await;
    desk.type_into(&format!("{form} input[name=title]"), ACTIVITY_TITLE).await;
    desk.type_into(&format!("{form} input[name=place]"), ACTIVITY_PLACE).await;
    let starts = now_in_china().checked_add(jiff::Span::new().minutes(10)).expect("ten minutes from now");
    let ends = starts.checked_add(jiff::Span::new().hours(2)).expect("two hours later");
    let (starts_text, ends_text) =
        (starts.strftime("%Y-%m-%dT%H:%M").to_string(), ends.strftime("%Y-%m-%dT%H:%M").to_string());
    let starts_input = find(&desk.client, &format!("{form} input[type=datetime-local][name=starts_at]")).await;
    set_value(&desk.client, &starts_input, &starts_text).await;
    let ends_input = find(&desk.client, &format!("{form} input[type=datetime-local][name=ends_at]")).await;
    set_value(&desk.client, &ends_input, &ends_text).await;
    desk.click(&format!("{form} button[type=submit]")).await;
    let activity = id_in_path(&desk, "/activities/").await;
    assert_eq!(desk.text("main h1").await, ACTIVITY_TITLE);
    let notice = find(&desk.client, "textarea[data-testid=notice]").await.prop("value").await.unwrap().unwrap();
    for part in
        [ACTIVITY_TITLE, ACTIVITY_PLACE, ACTIVITY_RULE_NAME, "2分", &format!("{}/activities/{activity}", site.base)]
    {
        assert!(notice.contains(part), "the notice to paste into the work group says {part:?}: {notice}");
    }
    assert!(desk.count("main section svg").await >= 2, "the organizer sees the sign-up QR and the venue QR");
    desk.screenshot("service-01-activity-published").await;

    let seconds = |text: &str| {
        let at: jiff::civil::DateTime = text.parse().expect("a local date and time");
        at.to_zoned(china()).expect("in China").timestamp().as_second()
    };
    let (rule, title, place, starts_at, ends_at, created_by, token): (String, String, String, i64, i64, i64, String) =
        sqlx::query_as(
            "SELECT rule_key, title, place, starts_at, ends_at, created_by, checkin_token FROM activities WHERE id = $1",
        )
        .bind(activity)
        .fetch_one(&mut db)
        .await
        .expect("the published activity");
    assert_eq!((rule.as_str(), title.as_str(), place.as_str()), (ACTIVITY_RULE, ACTIVITY_TITLE, ACTIVITY_PLACE));
    assert_eq!((starts_at, ends_at), (seconds(&starts_text), seconds(&ends_text)), "the times as typed, in China");
    assert_eq!(created_by, committee_account);
    desk.goto("/activities").await;
    assert!(desk.text(&format!("tr[data-activity='{activity}']")).await.contains(ACTIVITY_TITLE), "listed");
    desk.sign_out().await;
    site.done("service: the committee published");

    // 梁小改 answers the notice on her phone.
    phone.sign_in(MEMBER).await;
    phone.goto(&format!("/activities/{activity}")).await;
    assert_eq!(phone.text("[data-testid=my-answer]").await, "未回复");
    assert_eq!(phone.count("textarea[data-testid=notice]").await, 0, "members do not see the organizer's tools");
    phone.click(&format!("form[action='/activities/{activity}/answer'] button[value=sign_up]")).await;
    assert_eq!(phone.text("[data-testid=my-answer]").await, "已报名");
    phone.screenshot("service-02-member-signed-up").await;
    let (status, checked_in_at): (String, Option<i64>) =
        sqlx::query_as("SELECT status, checked_in_at FROM activity_signups WHERE activity_id = $1 AND member_id = $2")
            .bind(activity)
            .bind(member)
            .fetch_one(&mut db)
            .await
            .expect("her sign-up");
    assert_eq!((status.as_str(), checked_in_at), ("signed_up", None));

    // At the venue she scans the QR (its URL carries the activity's token)
    // and presses the one button.
    let before_check_in = now_in_china().timestamp().as_second();
    phone.goto(&format!("/activities/checkin/{token}")).await;
    assert_eq!(phone.text("main h1").await, ACTIVITY_TITLE);
    phone.screenshot("service-03-venue-checkin").await;
    phone.click("main form button[type=submit]").await;
    assert_eq!(phone.path().await, format!("/activities/{activity}"));
    assert_eq!(phone.text("[data-testid=my-answer]").await, "已签到");
    phone.screenshot("service-04-member-checked-in").await;
    let checked_in_at: Option<i64> =
        sqlx::query_scalar("SELECT checked_in_at FROM activity_signups WHERE activity_id = $1 AND member_id = $2")
            .bind(activity)
            .bind(member)
            .fetch_one(&mut db)
            .await
            .unwrap();
    let checked_in_at = checked_in_at.expect("the check-in is stored");
    assert!((before_check_in..=now_in_china().timestamp().as_second()).contains(&checked_in_at), "{checked_in_at}");
    site.done("service: the member signed up and checked in");

    // The branch secretary, another account than the publisher, confirms
    // who served; not before the activity has started.
    desk.sign_in(BRANCH_SECRETARY).await;
    desk.goto(&format!("/activities/{activity}")).await;
    let row = format!("tr[data-member='{member}']");
    let line = desk.text(&row).await;
    assert!(line.contains(MEMBER_NAME) && line.contains("待确认"), "her row before confirming: {line}");
    let tick = find(&desk.client, &format!("{row} input[type=checkbox][name=m][value='{member}']")).await;
    assert!(tick.is_selected().await.unwrap(), "a member who checked in is ticked for confirmation");
    desk.screenshot("service-05-organizer-sees-the-check-in").await;
    let confirm = format!("form[action='/activities/{activity}/confirm'] button[type=submit]");
    desk.click(&confirm).await;
    assert_refused(&desk, &["活动开始后"]).await;

    // Time passes: the activity started a minute ago (but today, so that its
    // points fall on today).
    let now = now_in_china();
    let start_of_day = now.start_of_day().expect("the start of today").timestamp().as_second();
    let started = (now.timestamp().as_second() - 60).max(start_of_day);
    sqlx::query("UPDATE activities SET starts_at = $1 WHERE id = $2")
        .bind(started)
        .bind(activity)
        .execute(&mut db)
        .await
        .expect("move the start into the past");
    desk.goto(&format!("/activities/{activity}")).await;
    desk.click(&confirm).await;
    // Confirming asks first, naming who will be credited.
    assert!(desk.text("[data-testid=credited]").await.contains(MEMBER_NAME), "the summary names her");
    desk.screenshot("service-05b-organizer-confirms").await;
    desk.confirm().await;
    assert_eq!(desk.path().await, format!("/activities/{activity}"));
    let line = desk.text(&row).await;
    assert!(line.contains("已记入积分"), "her row after confirming: {line}");
    assert_eq!(desk.count(&format!("{row} input[type=checkbox]")).await, 0, "confirmed once, then locked");
    desk.screenshot("service-06-organizer-confirmed").await;

    let entry: Option<i64> =
        sqlx::query_scalar("SELECT entry_id FROM activity_signups WHERE activity_id = $1 AND member_id = $2")
            .bind(activity)
            .bind(member)
            .fetch_one(&mut db)
            .await
            .unwrap();
    let entry = entry.expect("the confirmation names its ledger entry");
    let written: (i64, i64, String, i64, String, String, String) = sqlx::query_as(
        "SELECT member_id, year, rule_key, points_tenths, source_ref, recorded_by, occurred_on \
         FROM ledger_entries WHERE id = $1",
    )
    .bind(entry)
    .fetch_one(&mut db)
    .await
    .expect("the ledger entry");
    let today = today_in_china();
    assert_eq!(
        written,
        (
            member,
            i64::from(today.year()),
            ACTIVITY_RULE.into(),
            ACTIVITY_TENTHS,
            format!("activity:{activity}"),
            format!("account:{organizer_account}"),
            today.to_string()
        ),
        "priced by the rulebook, recorded by the organizer"
    );
    desk.sign_out().await;
    site.done("service: the organizer confirmed");

    // Her record shows the service and her total.
    phone.goto(&format!("/activities/{activity}")).await;
    assert_eq!(phone.text("[data-testid=my-answer]").await, "已记入积分");
    phone.goto("/me").await;
    let line = phone.text(&format!("tr[data-entry='{entry}']")).await;
    assert!(line.contains(ACTIVITY_TITLE) && line.contains("+2"), "her record lists the service: {line}");
    let tenths: i64 = sqlx::query_scalar(
        "SELECT COALESCE(SUM(points_tenths), 0) FROM ledger_entries WHERE member_id = $1 AND year = $2",
    )
    .bind(member)
    .bind(i64::from(today.year()))
    .fetch_one(&mut db)
    .await
    .unwrap();
    assert!(tenths >= ACTIVITY_TENTHS, "this year's points include the service: {tenths}");
    assert_eq!(phone.text("[data-testid=total]").await, points_text(tenths), "her total is her ledger's");
    phone.screenshot("service-07-member-record").await;
    db.close().await.unwrap();
}

// ---- 2. the branch review's secret ballot -------------------------------------------

#[tokio::test]
async fn a_branch_votes_in_secret_and_the_secretary_proposes_the_grades() {
    if !browser_available() {
        return;
    }
    Site::demo().await.run(branch_ballot).await;
}

/// Whether nothing of a tally is on the page: no counts, no grades.
async fn assert_no_tally(session: &Session) {
    assert_eq!(session.count("[data-testid=proposed]").await, 0, "no tally while the ballot is open");
    assert_eq!(session.count("form[action$='/decide']").await, 0, "no proposal while the ballot is open");
}

async fn branch_ballot(site: Arc<Site>) {
    let mut db = site.db().await;
    let year = i64::from(today_in_china().year());
    let (secretary_account, secretary) = account(&mut db, BRANCH_SECRETARY).await;
    let secretary = secretary.expect("the secretary is a member of the branch");
    let graded: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM members WHERE branch_id = $1 AND left_on IS NULL AND probationary = 0 ORDER BY id",
    )
    .bind(BRANCH)
    .fetch_all(&mut db)
    .await
    .unwrap();
    let on_roll: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM members WHERE branch_id = $1 AND left_on IS NULL")
        .bind(BRANCH)
        .fetch_one(&mut db)
        .await
        .unwrap();
    let (xiaogai, guoqiang, yonghong) = (
        member_of(&mut db, MEMBER).await,
        member_of(&mut db, SECOND_MEMBER).await,
        member_of(&mut db, COMMITTEE).await,
    );
    for voter in [xiaogai, guoqiang, yonghong, secretary] {
        assert!(graded.contains(&voter), "member {voter} is graded in 第一党支部");
    }

    // The secretary opens this year's ballot of his branch.
    let desk = site.session(DESKTOP.0, DESKTOP.1).await;
    desk.sign_in(BRANCH_SECRETARY).await;
    desk.goto("/ballots").await;
    let form = "form[action='/ballots']";
    assert_eq!(desk.count(&format!("{form} select[name=branch] option")).await, 1, "only his own branch");
    desk.choose(&format!("{form} select[name=branch]"), &BRANCH.to_string()).await;
    let year_input = find(&desk.client, &format!("{form} input[name=year]")).await;
    assert_eq!(year_input.prop("value").await.unwrap(), Some(year.to_string()), "this year by default");
    desk.click(&format!("{form} button[type=submit]")).await;
    let ballot = id_in_path(&desk, "/ballots/").await;
    assert_eq!(desk.text("[data-testid=ballot-status]").await, "投票中");
    assert_eq!(desk.text("[data-testid=papers]").await, "0");
    assert!(desk.text("main p").await.contains(&format!("/ {on_roll}")), "papers out of the branch's members");
    assert_no_tally(&desk).await;
    desk.screenshot("ballot-01-opened").await;
    let opened: (i64, i64, String, i64) =
        sqlx::query_as("SELECT branch_id, year, status, opened_by FROM ballots WHERE id = $1")
            .bind(ballot)
            .fetch_one(&mut db)
            .await
            .expect("the ballot");
    assert_eq!(opened, (BRANCH, year, "open".into(), secretary_account));
    let on_paper: Vec<i64> =
        sqlx::query_scalar("SELECT member_id FROM ballot_graded WHERE ballot_id = $1 ORDER BY member_id")
            .bind(ballot)
            .fetch_all(&mut db)
            .await
            .unwrap();
    assert_eq!(on_paper, graded, "every full member of the branch is graded; probationary members are not");
    site.done("ballot: opened");

    // Three members vote, each in their own browser, leaving every grade
    // at 合格 but these: 梁小改 is 优秀 on two papers; 胡国强 is 优秀 on
    // one and 基本合格 on another.
    let papers = [
        (MEMBER, xiaogai, vec![(guoqiang, "excellent")]),
        (SECOND_MEMBER, guoqiang, vec![(xiaogai, "excellent")]),
        (COMMITTEE, yonghong, vec![(xiaogai, "excellent"), (guoqiang, "basically_qualified")]),
    ];
    let mut voters = Vec::new();
    for (cast, (login, me, marks)) in papers.iter().enumerate() {
        let voter = site.session(DESKTOP.0, DESKTOP.1).await;
        voter.sign_in(login).await;
        voter.goto(&format!("/ballots/{ballot}")).await;
        let paper = "form[data-testid=paper]";
        assert_eq!(voter.text("[data-testid=papers]").await, cast.to_string(), "the papers cast so far");
        assert_eq!(voter.count(&format!("{paper} tr[data-member]")).await, graded.len() - 1, "all but the voter");
        assert_eq!(voter.count(&format!("{paper} tr[data-member='{me}']")).await, 0, "no one grades themselves");
        assert_no_tally(&voter).await;
        // A paper starts with nothing chosen: the voter grades every row.
        for radio in voter.client.find_all(Locator::Css(&format!("{paper} input[type=radio]"))).await.unwrap() {
            assert!(!radio.is_selected().await.unwrap(), "no grade is chosen for the voter");
        }
        // The marks first, then one explicit tap grades everyone else 合格.
        for (whom, grade) in marks {
            let radio = find(&voter.client, &format!("{paper} input[type=radio][name=g{whom}][value={grade}]")).await;
            radio.click().await.expect("mark a grade");
            assert!(radio.is_selected().await.unwrap());
        }
        find(&voter.client, "[data-testid=rest-qualified]").await.click().await.expect("grade the rest 合格");
        for (whom, grade) in marks {
            let radio = format!("{paper} input[type=radio][name=g{whom}][value={grade}]");
            assert!(find(&voter.client, &radio).await.is_selected().await.unwrap(), "her own marks stay");
        }
        if cast == 0 {
            voter.screenshot("ballot-02-paper").await;
        }
        voter.click(&format!("{paper} button[type=submit]")).await;
        assert_eq!(voter.path().await, format!("/ballots/{ballot}"));
        find(&voter.client, "[data-testid=voted]").await;
        assert_eq!(voter.count(paper).await, 0, "one paper each");
        assert_eq!(voter.text("[data-testid=papers]").await, (cast + 1).to_string());
        assert_no_tally(&voter).await;
        voters.push(voter);
    }
    site.done("ballot: three papers cast");

    // While the ballot is open the secretary sees how many voted, not how.
    desk.goto(&format!("/ballots/{ballot}")).await;
    assert_eq!(desk.text("[data-testid=papers]").await, "3");
    assert_no_tally(&desk).await;
    desk.screenshot("ballot-03-three-papers-no-tally").await;
    desk.goto(&format!("/ballots/{ballot}/tally")).await;
    assert_refused(&desk, &["计票结果"]).await;
    // Who voted is kept apart from the marks, which name only whom they grade.
    let (voted, marks, excellent): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM ballot_voters WHERE ballot_id = $1), \
                (SELECT COUNT(*) FROM ballot_marks WHERE ballot_id = $1), \
                (SELECT COUNT(*) FROM ballot_marks WHERE ballot_id = $1 AND member_id = $2 AND grade = 'excellent')",
    )
    .bind(ballot)
    .bind(xiaogai)
    .fetch_one(&mut db)
    .await
    .unwrap();
    let graded_count = i64::try_from(graded.len()).unwrap();
    assert_eq!((voted, marks, excellent), (3, 3 * (graded_count - 1), 2), "three papers, each grading all but one");

    // Three papers are below the rulebook's turnout (two thirds of the
    // branch, rounded up): he cannot close it, and no tally exists.
    desk.goto(&format!("/ballots/{ballot}")).await;
    let needed: usize = desk.text("[data-testid=papers-needed]").await.parse().expect("a number of papers");
    assert_eq!(needed, (usize::try_from(on_roll).unwrap() * 67).div_ceil(100).max(3), "two thirds of the branch");
    desk.click(&format!("form[action='/ballots/{ballot}/close'] button[type=submit]")).await;
    assert_refused(&desk, &["须达"]).await;
    site.done("ballot: no close below the turnout");

    // The rest of the branch hands in its papers (here straight into the
    // store, as the browser voters did: the voter apart from the marks).
    // They grade 梁小改 优秀, split 胡国强 between 优秀 and 基本合格 (one 合格
    // if they are odd in number), and everyone else 合格.
    let others: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM members WHERE branch_id = $1 AND left_on IS NULL AND id NOT IN ($2, $3, $4) ORDER BY id",
    )
    .bind(BRANCH)
    .bind(xiaogai)
    .bind(guoqiang)
    .bind(yonghong)
    .fetch_all(&mut db)
    .await
    .unwrap();
    let extra = needed - 3;
    assert!(others.len() >= extra, "enough members to reach the turnout");
    for (index, voter) in others.iter().take(extra).enumerate() {
        sqlx::query("INSERT INTO ballot_voters (ballot_id, member_id) VALUES ($1, $2)")
            .bind(ballot)
            .bind(voter)
            .execute(&mut db)
            .await
            .unwrap();
        for member in graded.iter().filter(|m| *m != voter) {
            let grade = if *member == xiaogai {
                "excellent"
            } else if *member == guoqiang && index + 1 == extra && extra % 2 == 1 {
                "qualified"
            } else if *member == guoqiang {
                if index % 2 == 0 { "excellent" } else { "basically_qualified" }
            } else {
                "qualified"
            };
            sqlx::query("INSERT INTO ballot_marks (ballot_id, paper, member_id, grade) VALUES ($1, $2, $3, $4)")
                .bind(ballot)
                .bind(format!("e2e-{voter}-{member}"))
                .bind(member)
                .bind(grade)
                .execute(&mut db)
                .await
                .unwrap();
        }
    }
    let secretary_voted = others.iter().take(extra).any(|m| *m == secretary);

    // He closes it: now the tally is there, and the proposal beside it.
    desk.goto(&format!("/ballots/{ballot}")).await;
    desk.click(&format!("form[action='/ballots/{ballot}/close'] button[type=submit]")).await;
    let summary = desk.text("[data-testid=confirm-summary]").await;
    assert!(summary.contains(&format!("已投 {needed} 张选票")), "closing says how many: {summary}");
    assert_no_tally(&desk).await;
    desk.confirm().await;
    assert_eq!(desk.text("[data-testid=ballot-status]").await, "已截止，待支委会提出等次");
    assert_eq!(desk.count("tr[data-member] [data-testid=proposed]").await, graded.len(), "a row for each graded");
    let votes = |member: i64| {
        let desk = &desk;
        async move {
            let cells =
                desk.client.find_all(fantoccini::Locator::Css(&format!("tr[data-member='{member}'] td.num"))).await;
            let mut counts = Vec::new();
            for cell in cells.expect("the tally's cells") {
                counts.push(cell.text().await.expect("a count"));
            }
            counts
        }
    };
    let count = |n: usize| n.to_string();
    let split = 1 + extra / 2;
    let guoqiang_tally = [count(split), count(extra % 2), count(split), count(0)];
    assert_eq!(votes(xiaogai).await, [count(2 + extra), count(0), count(0), count(0)], "梁小改: 优秀");
    assert_eq!(votes(guoqiang).await, guoqiang_tally, "胡国强: as many 优秀 as 基本合格");
    assert_eq!(votes(yonghong).await, [count(0), count(2 + extra), count(0), count(0)]);
    let secretary_papers = 3 + extra - usize::from(secretary_voted);
    assert_eq!(votes(secretary).await, [count(0), count(secretary_papers), count(0), count(0)]);
    let proposed = |member: i64| format!("select[name=g{member}]");
    let value = |css: String| {
        let desk = &desk;
        async move { find(&desk.client, &css).await.prop("value").await.unwrap().unwrap_or_default() }
    };
    assert_eq!(value(proposed(xiaogai)).await, "excellent", "the proposal starts from the ballot");
    assert_eq!(value(proposed(guoqiang)).await, "basically_qualified", "a tie goes to the lower grade");
    assert_eq!(value(proposed(secretary)).await, "qualified");
    desk.screenshot("ballot-04-closed-tally").await;
    // On a 360 px phone the tally's grade pickers stay within reach: the
    // page does not scroll sideways, and each picker lies on the screen or
    // inside a table box that scrolls on its own.
    let pocket = site.session(NARROW_PHONE.0, NARROW_PHONE.1).await;
    pocket.sign_in(BRANCH_SECRETARY).await;
    pocket.goto(&format!("/ballots/{ballot}")).await;
    let facts = pocket
        .client
        .execute(
            "const inner = document.documentElement.clientWidth;
             const pickers = [...document.querySelectorAll('select[name^=g]')].map(s => {
               const r = s.getBoundingClientRect();
               let box = s.parentElement;
               while (box && box !== document.body) {
                 const x = getComputedStyle(box).overflowX;
                 if ((x === 'auto' || x === 'scroll') && box.getBoundingClientRect().right <= inner + 1) break;
                 box = box.parentElement;
               }
               return { left: r.left, right: r.right, width: r.width, boxed: !!box && box !== document.body };
             });
             return { inner, page: document.documentElement.scrollWidth, pickers };",
            vec![],
        )
        .await
        .expect("measure the tally on a phone");
    let inner = facts["inner"].as_f64().unwrap_or(0.0);
    assert!(facts["page"].as_f64().unwrap_or(f64::MAX) <= inner, "the tally page scrolls sideways at 360 px: {facts}");
    let pickers = facts["pickers"].as_array().expect("the pickers");
    assert_eq!(pickers.len(), graded.len(), "a grade picker for each graded member: {facts}");
    for picker in pickers {
        let on_screen =
            picker["left"].as_f64().unwrap_or(-1.0) >= 0.0 && picker["right"].as_f64().unwrap_or(f64::MAX) <= inner;
        assert!(on_screen || picker["boxed"] == true, "a picker is cut off at 360 px: {picker}");
        assert!(picker["width"].as_f64().unwrap_or(0.0) >= 60.0, "a picker is too narrow to use: {picker}");
    }
    pocket.screenshot("ballot-05-tally-360").await;
    // A voter sees the tally too, once closed.
    voters[0].goto(&format!("/ballots/{ballot}")).await;
    assert_eq!(voters[0].count("tr[data-member] [data-testid=proposed]").await, graded.len());

    // The branch committee weighs 胡国强's everyday service and proposes 合格:
    // against the tally, so with a reason, and a second member co-signs.
    desk.choose(&proposed(guoqiang), "qualified").await;
    desk.click(&format!("form[action='/ballots/{ballot}/decide'] button[type=submit]")).await;
    assert_refused(&desk, &["会签"]).await;
    desk.goto(&format!("/ballots/{ballot}")).await;
    desk.choose(&proposed(guoqiang), "qualified").await;
    desk.type_into(&format!("input[name=r{guoqiang}]"), "常年参加秸秆禁烧巡查，服务群众表现突出").await;
    desk.click(&format!("form[action='/ballots/{ballot}/decide'] button[type=submit]")).await;
    find(&desk.client, "[data-testid=awaiting-cosign]").await;
    assert_eq!(desk.text("[data-testid=ballot-status]").await, "已截止，待支委会提出等次");
    desk.screenshot("ballot-05a-awaiting-cosign").await;
    let (second_account, _) = account(&mut db, SECOND_COMMITTEE).await;
    let cosigner = site.session(DESKTOP.0, DESKTOP.1).await;
    cosigner.sign_in(SECOND_COMMITTEE).await;
    cosigner.goto(&format!("/ballots/{ballot}")).await;
    cosigner.click(&format!("form[action='/ballots/{ballot}/cosign'] button[type=submit]")).await;
    assert_eq!(cosigner.text("[data-testid=ballot-status]").await, "已确定等次");
    desk.goto(&format!("/ballots/{ballot}")).await;
    assert_eq!(desk.text("[data-testid=ballot-status]").await, "已确定等次");
    let grade = |member: i64| format!("tr[data-member='{member}'] [data-testid=proposed]");
    assert_eq!(desk.text(&grade(xiaogai)).await, "优秀");
    assert_eq!(desk.text(&grade(guoqiang)).await, "合格");
    assert_eq!(desk.text(&grade(secretary)).await, "合格");
    assert_eq!(votes(guoqiang).await, guoqiang_tally, "the tally stays beside the grade");
    desk.screenshot("ballot-05-grades-decided").await;
    site.done("ballot: closed and decided");

    let (status, decided_by): (String, Option<i64>) =
        sqlx::query_as("SELECT status, decided_by FROM ballots WHERE id = $1")
            .bind(ballot)
            .fetch_one(&mut db)
            .await
            .unwrap();
    assert_eq!((status.as_str(), decided_by), ("decided", Some(second_account)), "decided at the co-sign");
    let grades: Vec<(i64, String, Option<i64>)> = sqlx::query_as(
        "SELECT member_id, proposed_grade, entry_id FROM ballot_grades WHERE ballot_id = $1 ORDER BY member_id",
    )
    .bind(ballot)
    .fetch_all(&mut db)
    .await
    .unwrap();
    assert_eq!(grades.iter().map(|g| g.0).collect::<Vec<_>>(), graded, "a grade for every graded member");
    let entries: Vec<(i64, i64, String, i64, String, String)> = sqlx::query_as(
        "SELECT id, member_id, rule_key, points_tenths, recorded_by, occurred_on FROM ledger_entries \
         WHERE source_ref = $1 ORDER BY member_id",
    )
    .bind(format!("ballot:{ballot}"))
    .fetch_all(&mut db)
    .await
    .unwrap();
    assert_eq!(entries.len(), graded.len(), "an entry for every graded member");
    for (member_id, proposed, entry) in &grades {
        let written = entries.iter().find(|e| e.1 == *member_id).expect("the member's entry");
        assert_eq!(*entry, Some(written.0), "member {member_id}'s grade names its entry");
        assert_eq!(written.4, format!("ballot:{BRANCH}"), "the branch's ballot is the recorder, not an account");
        // 优秀 for 梁小改; 合格 for everyone else, 胡国强 included.
        let expected = if *member_id == xiaogai {
            ("excellent", "review.excellent", 60)
        } else {
            ("qualified", "review.qualified", 40)
        };
        assert_eq!((proposed.as_str(), written.2.as_str(), written.3), expected, "member {member_id}");
        assert_eq!(written.5, today_in_china().to_string());
    }

    // 梁小改's record lists her grade.
    let hers = entries.iter().find(|e| e.1 == xiaogai).expect("her entry").0;
    voters[0].goto("/me").await;
    let line = voters[0].text(&format!("tr[data-entry='{hers}']")).await;
    assert!(line.contains("优秀") && line.contains("+6"), "her record lists the grade: {line}");
    voters[0].screenshot("ballot-06-member-record").await;
    db.close().await.unwrap();
}

// ---- 3. the year's rating, made final in public -------------------------------------

const REOPEN_REASON: &str = "党委会议决定：按新收到的群众意见重新公示上一年度结果。";
const OBJECTION_TEXT: &str = "胡国强参加的秸秆禁烧巡查是否都已记入积分？请核实。";
const ANSWER_TEXT: &str = "经核对签到表和组织者确认记录，巡查均已记入积分，本异议不成立。";
const LATE_MEETING_TITLE: &str = "支部党员大会：年终总结（补录）";

#[tokio::test]
async fn the_rating_is_published_objected_to_answered_finalized_and_locked() {
    if !browser_available() {
        return;
    }
    Site::demo().await.run(rating_made_final).await;
}

/// The second committee member agrees to the motion on the rating page,
/// and the first signs in again.
pub async fn agree_as_second(desk: &Session, rating: &str) {
    desk.sign_out().await;
    desk.sign_in(SECOND_COMMITTEE).await;
    desk.goto(rating).await;
    desk.click("form[action$='/agree'] button[type=submit]").await;
    assert_eq!(desk.path().await, rating);
    desk.sign_out().await;
    desk.sign_in(COMMITTEE).await;
    desk.goto(rating).await;
}

/// The round of `year` that is neither reopened nor finalized, if any:
/// its number, notice, publisher and digest.
async fn open_round(db: &mut SqliteConnection, year: i64) -> Option<(i64, String, String, i64, String)> {
    sqlx::query_as(
        "SELECT round, notice_from, notice_until, published_by, published_sha256 FROM rating_rounds \
         WHERE year = $1 AND reopened_at IS NULL AND finalized_at IS NULL",
    )
    .bind(year)
    .fetch_optional(db)
    .await
    .unwrap()
}

async fn ledger_entries_of(db: &mut SqliteConnection, year: i64) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM ledger_entries WHERE year = $1").bind(year).fetch_one(db).await.unwrap()
}

async fn rating_made_final(site: Arc<Site>) {
    let mut db = site.db().await;
    // Last year, the latest that is over: its rating is what a committee
    // publishes, in the new year.
    let today = today_in_china();
    let year = i64::from(today.year()) - 1;
    let rating = format!("/rating?year={year}");
    let (publisher_account, _) = account(&mut db, COMMITTEE).await;
    let (second_account, _) = account(&mut db, SECOND_COMMITTEE).await;
    let (member_account, _) = account(&mut db, MEMBER).await;
    let guoqiang = member_of(&mut db, SECOND_MEMBER).await;
    let desk = site.session(DESKTOP.0, DESKTOP.1).await;
    let phone = site.session(PHONE.0, PHONE.1).await;

    // The demo has published and finalized its past years, as a committee
    // would have: the year is reopened first, with a reason on the record.
    desk.sign_in(COMMITTEE).await;
    desk.goto(&rating).await;
    let finalized: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM rating_rounds WHERE year = $1 AND finalized_at IS NOT NULL AND reopened_at IS NULL",
    )
    .bind(year)
    .fetch_one(&mut db)
    .await
    .unwrap();
    if finalized > 0 {
        assert_eq!(desk.text("[data-testid=rating-state]").await, "已确认，年度已锁定");
        let reopen = format!("form[action='/rating/{year}/reopen']");
        find(&desk.client, "details.no-print > summary").await.click().await.expect("unfold the reopening");
        desk.type_into(&format!("{reopen} textarea[name=reason]"), REOPEN_REASON).await;
        desk.click(&format!("{reopen} button[type=submit]")).await;
        // A proposal: the year stays locked until a second committee member agrees.
        assert!(desk.text("[data-testid=motion]").await.contains(REOPEN_REASON), "the motion is on the page");
        assert_eq!(desk.count("form[action$='/agree']").await, 0, "the proposer does not agree to his own motion");
        agree_as_second(&desk, &rating).await;
        assert!(desk.text("[data-testid=reopening]").await.contains(REOPEN_REASON), "the reopening is on the page");
        desk.screenshot("rating-00-reopened").await;
        let (reopened_by, reason): (Option<i64>, Option<String>) = sqlx::query_as(
            "SELECT reopened_by, reopen_reason FROM rating_rounds WHERE year = $1 AND finalized_at IS NOT NULL",
        )
        .bind(year)
        .fetch_one(&mut db)
        .await
        .unwrap();
        assert_eq!((reopened_by, reason.as_deref()), (Some(publisher_account), Some(REOPEN_REASON)));
    }
    assert_eq!(desk.text("[data-testid=rating-state]").await, "未公示（暂定结果）");
    desk.screenshot("rating-01-provisional").await;

    // The committee publishes the provisional results for public notice
    // (again, after the reopening: then with a second member's agreement).
    desk.click(&format!("form[action='/rating/{year}/publish'] button[type=submit]")).await;
    assert!(open_round(&mut db, year).await.is_none(), "asking publishes nothing");
    desk.screenshot("rating-01b-publish-asks").await;
    desk.confirm().await;
    assert_eq!(desk.path().await, rating);
    if finalized > 0 {
        assert_eq!(desk.text("[data-testid=rating-state]").await, "未公示（暂定结果）");
        agree_as_second(&desk, &rating).await;
    }
    assert_eq!(desk.text("[data-testid=rating-state]").await, "公示中");
    let until = today.checked_add(jiff::Span::new().days(4)).expect("five days counting today");
    assert_eq!(desk.text("[data-testid=notice-period]").await, format!("{today} — {until}"), "five days");
    assert_eq!(desk.count(&format!("form[action='/rating/{year}/finalize']")).await, 0, "not while in notice");
    desk.screenshot("rating-02-published").await;
    let (round, notice_from, notice_until, published_by, published_sha) =
        open_round(&mut db, year).await.expect("the published round");
    assert_eq!((notice_from, notice_until, published_by), (today.to_string(), until.to_string(), publisher_account));
    desk.goto(&format!("/honours?year={year}")).await;
    assert!(desk.text("[data-testid=roll-state]").await.contains("暂定"), "the roll is provisional until final");
    desk.sign_out().await;
    site.done("rating: published");

    // 梁小改 objects on her phone, about a member of her branch.
    phone.sign_in(MEMBER).await;
    phone.goto(&rating).await;
    let objection_form = format!("form[action='/rating/{year}/objections']");
    phone.choose(&format!("{objection_form} select[name=member]"), &guoqiang.to_string()).await;
    phone.type_into(&format!("{objection_form} textarea[name=text]"), OBJECTION_TEXT).await;
    phone.click(&format!("{objection_form} button[type=submit]")).await;
    assert_eq!(phone.path().await, rating);
    let (objection, filed_by, about, filed_in): (i64, String, Option<i64>, i64) =
        sqlx::query_as("SELECT id, filed_by, member_id, round FROM objections WHERE year = $1 AND text = $2")
            .bind(year)
            .bind(OBJECTION_TEXT)
            .fetch_one(&mut db)
            .await
            .expect("the objection");
    assert_eq!((filed_by, about, filed_in), (format!("account:{member_account}"), Some(guoqiang), round));
    let objection_row = format!("tr[data-objection='{objection}']");
    let line = phone.text(&objection_row).await;
    assert!(line.contains(OBJECTION_TEXT) && line.contains("胡国强"), "{line}");
    assert_eq!(phone.text(&format!("{objection_row} [data-testid=objection-outcome]")).await, "待党委答复");
    phone.screenshot("rating-03-objection-filed").await;
    site.done("rating: objection filed");

    // A second committee member answers it on the record.
    desk.sign_in(SECOND_COMMITTEE).await;
    desk.goto(&rating).await;
    let answer = format!("form[action='/rating/objections/{objection}/answer']");
    desk.type_into(&format!("{answer} textarea[name=answer]"), ANSWER_TEXT).await;
    desk.click(&format!("{answer} button[name=outcome][value=dismissed]")).await;
    assert_eq!(desk.path().await, rating);
    assert_eq!(desk.text(&format!("{objection_row} [data-testid=objection-outcome]")).await, "异议不成立");
    let line = desk.text(&objection_row).await;
    assert!(line.contains(ANSWER_TEXT) && line.contains("胡卫东"), "the answer and who gave it: {line}");
    assert_eq!(desk.count(&answer).await, 0, "answered once");
    assert_eq!(desk.count(&format!("form[action='/rating/{year}/finalize']")).await, 0, "still in notice");
    desk.screenshot("rating-04-objection-answered").await;
    let (outcome, answered_by): (Option<String>, Option<i64>) =
        sqlx::query_as("SELECT outcome, answered_by FROM objections WHERE id = $1")
            .bind(objection)
            .fetch_one(&mut db)
            .await
            .unwrap();
    assert_eq!((outcome.as_deref(), answered_by), (Some("dismissed"), Some(second_account)));

    // The notice period runs its five days.
    let days_ago = |days: i64| today.checked_sub(jiff::Span::new().days(days)).expect("a past day").to_string();
    sqlx::query("UPDATE rating_rounds SET notice_from = $1, notice_until = $2 WHERE year = $3 AND round = $4")
        .bind(days_ago(9))
        .bind(days_ago(5))
        .bind(year)
        .bind(round)
        .execute(&mut db)
        .await
        .expect("move the notice period into the past");
    phone.goto(&rating).await;
    assert_eq!(phone.count(&objection_form).await, 0, "objections close with the notice period");

    // The committee finalizes: the honour roll is final.
    desk.goto(&rating).await;
    assert_eq!(desk.count("[data-testid=changed]").await, 0, "the results are as published");
    desk.click(&format!("form[action='/rating/{year}/finalize'] button[type=submit]")).await;
    assert!(desk.text("[data-testid=confirm-summary]").await.contains("锁定后"), "finalizing says it locks the year");
    desk.confirm().await;
    assert_eq!(desk.path().await, format!("/honours?year={year}"));
    assert_eq!(desk.text("[data-testid=roll-state]").await, "已经公示确认");
    let on_roll = desk.count("main table tr[data-member]").await;
    desk.screenshot("rating-05-honour-roll-final").await;
    let (finalized_by, final_sha): (Option<i64>, Option<String>) =
        sqlx::query_as("SELECT finalized_by, final_sha256 FROM rating_rounds WHERE year = $1 AND round = $2")
            .bind(year)
            .bind(round)
            .fetch_one(&mut db)
            .await
            .unwrap();
    assert_eq!(finalized_by, Some(second_account));
    assert_eq!(final_sha, Some(published_sha), "nothing changed between publication and finalization");
    let (rated, five_star): (i64, i64) =
        sqlx::query_as("SELECT COUNT(*), COALESCE(SUM(stars = 5), 0) FROM final_stars WHERE year = $1 AND round = $2")
            .bind(year)
            .bind(round)
            .fetch_one(&mut db)
            .await
            .unwrap();
    assert!(five_star > 0, "the year has five-star members");
    assert_eq!(i64::try_from(on_roll).unwrap(), five_star, "the roll lists the finalized five-star members");
    desk.goto(&rating).await;
    assert_eq!(desk.text("[data-testid=rating-state]").await, "已确认，年度已锁定");
    assert_eq!(i64::try_from(desk.count("main table tr[data-member]").await).unwrap(), rated, "every member's stars");
    assert_eq!(desk.count(&format!("form[action='/rating/{year}/finalize']")).await, 0);
    assert_eq!(desk.count(&format!("form[action='/rating/{year}/publish']")).await, 0);
    desk.screenshot("rating-06-year-locked").await;
    site.done("rating: finalized");

    // A meeting of that year could never be closed into the ledger: the
    // committee cannot even schedule it.
    let entries_before = ledger_entries_of(&mut db, year).await;
    desk.goto("/meetings").await;
    let form = "form[action='/meetings']";
    desk.choose(&format!("{form} select[name=rule]"), "meeting.branch_general").await;
    desk.choose(&format!("{form} select[name=branch]"), &BRANCH.to_string()).await;
    desk.type_into(&format!("{form} input[name=title]"), LATE_MEETING_TITLE).await;
    desk.type_into(&format!("{form} input[name=place]"), "十里社区党群服务中心").await;
    let starts = find(&desk.client, &format!("{form} input[type=datetime-local][name=starts_at]")).await;
    set_value(&desk.client, &starts, &format!("{year}-12-20T09:00")).await;
    desk.click(&format!("{form} button[type=submit]")).await;
    assert_refused(&desk, &["已确认"]).await;
    desk.screenshot("rating-07-write-refused").await;
    let scheduled: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM meetings WHERE title = $1")
        .bind(LATE_MEETING_TITLE)
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_eq!(scheduled, 0, "the refused meeting was not scheduled");
    assert_eq!(ledger_entries_of(&mut db, year).await, entries_before, "nothing was written to {year}");
    desk.goto(&rating).await;
    assert_eq!(desk.text("[data-testid=rating-state]").await, "已确认，年度已锁定", "still locked");
    db.close().await.unwrap();
}
