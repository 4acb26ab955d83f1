//! The committee's import page (/import): upload, a preview that names every
//! problem and writes nothing, a confirm that writes all or nothing, CSRF
//! and a size limit; nobody else may use it.

use super::helpers::*;
use reqwest::StatusCode;

fn hidden_data(html: &str) -> String {
    let start = html.find("name=\"data\" value=\"").expect("the confirm form carries the file") + 19;
    html[start..].split('"').next().unwrap().to_string()
}

async fn upload(app: &TestApp, client: &reqwest::Client, csrf: &str, name: &str, bytes: &[u8]) -> reqwest::Response {
    let parts = [Part::Text("csrf", csrf), Part::Text("kind", "members"), Part::File("file", name, "text/csv", bytes)];
    app.post_multipart(client, "/import", &parts).await
}

#[tokio::test]
async fn the_committee_previews_then_confirms_and_a_bad_row_writes_nothing() {
    let app = spawn_app().await;
    let committee = app.login(COMMITTEE, PASSWORD).await;
    let page = app.get(&committee, "/import").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("name=\"file\""));
    let csrf = app.csrf(&committee).await;
    let members_before = app.rows_in("members").await;
    let audit_before = app.rows_in("audit_log").await;

    // One bad row (an unknown branch): every problem is named and nothing is written.
    let bad = "姓名,所属支部,入党时间\n新党员甲,第一党支部,2020-01-01\n新党员乙,第九党支部,2021-01-01\n";
    let response = upload(&app, &committee, &csrf, "roll.csv", bad.as_bytes()).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    // In the page's language (Chinese by default), naming the row and the column.
    assert!(html.contains("roll.csv roll 第 3 行，所属支部：“第九党支部” 不是本社区的支部"), "{html}");
    assert!(!html.contains("is not a branch"), "no English on a Chinese page: {html}");
    assert!(!html.contains("name=\"data\""), "no confirm button for a file with problems");
    assert_eq!(app.rows_in("members").await, members_before);

    // A good file in GBK, as Excel on Chinese Windows saves it: preview writes nothing.
    let good = "姓名,所属支部,入党时间\n新党员甲,第一党支部,2020-01-01\n新党员乙,第二党支部,2021/3/1\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(good);
    let response = upload(&app, &committee, &csrf, "roll.csv", &gbk).await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(html.contains("新党员乙"), "{html}");
    assert_eq!(app.rows_in("members").await, members_before, "a preview writes nothing");
    assert_eq!(app.rows_in("audit_log").await, audit_before);

    // The confirm button sends the same file back and writes it.
    let data = hidden_data(&html);
    let parts = [
        Part::Text("csrf", &csrf),
        Part::Text("kind", "members"),
        Part::Text("data_name", "roll.csv"),
        Part::Text("data", &data),
        Part::Text("confirm", "yes"),
    ];
    let response = app.post_multipart(&committee, "/import", &parts).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(app.rows_in("members").await, members_before + 2);
    let committee_id = app.fixture.accounts[COMMITTEE];
    let sql = format!(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'import.member.add' AND actor LIKE 'account:{committee_id} %'"
    );
    assert_eq!(app.count(&sql).await, 2, "one audit row per member added, naming who imported");
    // Confirming again changes nothing: each row has a stable identity.
    app.post_multipart(&committee, "/import", &parts).await;
    assert_eq!(app.rows_in("members").await, members_before + 2);
}

#[tokio::test]
async fn only_the_committee_with_its_form_token_imports_and_files_are_limited() {
    let app = spawn_app().await;
    let good = "姓名,所属支部\n新党员甲,第一党支部\n";
    let members_before = app.rows_in("members").await;
    for who in [MEMBER, BRANCH_SECRETARY, AUDITOR] {
        let client = app.login(who, PASSWORD).await;
        // A branch secretary opens the page for study weeks and attendance
        // sheets, never for the roll.
        let page = if who == BRANCH_SECRETARY { StatusCode::OK } else { StatusCode::FORBIDDEN };
        assert_eq!(app.get(&client, "/import").await.status(), page, "{who}");
        let csrf = app.csrf(&client).await;
        let parts = [
            Part::Text("csrf", &csrf),
            Part::Text("kind", "members"),
            Part::Text("confirm", "yes"),
            Part::File("file", "roll.csv", "text/csv", good.as_bytes()),
        ];
        let status = app.post_multipart(&client, "/import", &parts).await.status();
        assert_eq!(status, StatusCode::FORBIDDEN, "{who}");
    }
    let committee = app.login(COMMITTEE, PASSWORD).await;
    let parts = [
        Part::Text("csrf", "not-the-token"),
        Part::Text("kind", "members"),
        Part::Text("confirm", "yes"),
        Part::File("file", "roll.csv", "text/csv", good.as_bytes()),
    ];
    assert!(app.post_multipart(&committee, "/import", &parts).await.status().is_client_error());
    let csrf = app.csrf(&committee).await;
    let huge = vec![b'a'; 2 * 1024 * 1024 + 1];
    assert!(upload(&app, &committee, &csrf, "roll.csv", &huge).await.status().is_client_error());
    assert_eq!(app.rows_in("members").await, members_before);
}

/// Posts a file of `kind` with the extra fields (year, meeting) given.
async fn upload_kind(
    app: &TestApp,
    client: &reqwest::Client,
    kind: &str,
    extra: &[(&'static str, &str)],
    name: &str,
    bytes: &[u8],
) -> reqwest::Response {
    let csrf = app.csrf(client).await;
    let mut parts = vec![Part::Text("csrf", &csrf), Part::Text("kind", kind)];
    parts.extend(extra.iter().map(|(field, value)| Part::Text(field, value)));
    parts.push(Part::File("file", name, "text/csv", bytes));
    app.post_multipart(client, "/import", &parts).await
}

/// The confirm button of a preview, pressed.
async fn confirm(app: &TestApp, client: &reqwest::Client, html: &str) -> reqwest::Response {
    let field = |name: &str| {
        let start = html.find(&format!("name=\"{name}\" value=\"")).expect(name) + name.len() + 15;
        html[start..].split('"').next().unwrap().to_string()
    };
    let csrf = app.csrf(client).await;
    let (kind, year, meeting, data_name, data) =
        (field("kind"), field("year"), field("meeting"), field("data_name"), hidden_data(html));
    let parts = [
        Part::Text("csrf", &csrf),
        Part::Text("kind", &kind),
        Part::Text("year", &year),
        Part::Text("meeting", &meeting),
        Part::Text("data_name", &data_name),
        Part::Text("data", &data),
        Part::Text("confirm", "yes"),
    ];
    app.post_multipart(client, "/import", &parts).await
}

#[tokio::test]
async fn import_problems_are_in_the_pages_language_with_row_and_column() {
    let app = spawn_app().await;
    let committee = app.login(COMMITTEE, PASSWORD).await;
    let bad = "姓名,所属支部,入党时间\n新党员甲,第一党支部,2020-13-01\n";
    let html = text(
        upload_kind(&app, &committee, "members", &[], "roll.csv", bad.as_bytes()).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(html.contains("roll.csv roll 第 2 行，入党时间：“2020-13-01” 不是日期"), "{html}");
    app.get(&committee, "/lang/en").await;
    let html = text(
        upload_kind(&app, &committee, "members", &[], "roll.csv", bad.as_bytes()).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(
        html.contains("roll.csv roll row 2, 入党时间: &#34;2020-13-01&#34; is not a date")
            || html.contains("roll.csv roll row 2, 入党时间: &quot;2020-13-01&quot; is not a date"),
        "{html}"
    );
    assert!(!html.contains("不是日期"), "{html}");
}

#[tokio::test]
async fn opening_balances_upload_previews_then_commits_for_the_committee_only() {
    let app = spawn_app().await;
    let committee = app.login(COMMITTEE, PASSWORD).await;
    // The template is there to download, with the Chinese headers.
    let template = app.get(&committee, "/import/templates/opening").await;
    assert_eq!(template.status(), StatusCode::OK);
    let bytes = template.bytes().await.unwrap();
    let sheets = starledger_exchange::read_bytes("opening.xlsx", &bytes).unwrap();
    assert_eq!(sheets[0].rows[0].1[0].text().as_deref(), Some("姓名"));
    assert_eq!(app.get(&committee, "/import/templates/nothing").await.status(), StatusCode::NOT_FOUND);

    let before = app.written().await;
    let bad = "姓名,所属支部,星级,学习教育\n梁小改,第一党支部,5,30\n无此人,第一党支部,3,1\n";
    let html = text(
        upload_kind(&app, &committee, "opening", &[("year", "2019")], "old.csv", bad.as_bytes()).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(html.contains("old.csv old 第 3 行，姓名：“无此人” 花名册上没有此党员"), "{html}");
    assert_eq!(app.written().await, before, "a file with a problem writes nothing");

    let good = "姓名,所属支部,星级,学习教育\n梁小改,第一党支部,5,30\n";
    let html = text(
        upload_kind(&app, &committee, "opening", &[("year", "2019")], "old.csv", good.as_bytes()).await,
        StatusCode::OK,
    )
    .await;
    assert!(html.contains("梁小改") && html.contains("2019"), "{html}");
    assert_eq!(app.written().await, before, "a preview writes nothing");
    text(confirm(&app, &committee, &html).await, StatusCode::OK).await;
    assert_eq!(app.rows_in("opening_balances").await, 2, "学习教育 and the total");
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'import.opening'").await, 1);

    // Opening balances are the committee's: a branch secretary is refused.
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let status =
        upload_kind(&app, &secretary, "opening", &[("year", "2019")], "old.csv", good.as_bytes()).await.status();
    assert_eq!(status, StatusCode::FORBIDDEN);
    let page = text(app.get(&secretary, "/import").await, StatusCode::OK).await;
    assert!(page.contains("value=\"study\"") && !page.contains("value=\"opening\""), "{page}");
    let member = app.login(MEMBER, PASSWORD).await;
    assert_eq!(app.get(&member, "/import").await.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn study_weeks_upload_by_the_branch_secretary_and_a_claimed_week_is_not_recorded_twice() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let committee = app.login(COMMITTEE, PASSWORD).await;
    let member = app.login(MEMBER, PASSWORD).await;
    let monday = |weeks_back: i64| {
        let day = today() - jiff::Span::new().days(7 * weeks_back);
        day - jiff::Span::new().days(i64::from(day.weekday().to_monday_zero_offset()))
    };
    let (claimed, imported) = (monday(1), monday(2));
    // 梁小改 claims one week, the committee approves it: entry claim:{id}.
    let csrf = app.csrf(&member).await;
    let claim = submitted_claim(&app.declare_study(&member, &csrf, claimed, Some(JPEG)).await);
    assert_redirect(&app.decide(&committee, claim, "approve").await, "/reviews");
    let before = app.written().await;

    // The secretary (胡国强) imports weeks: his own row is refused, and so is the claimed week.
    let sheet = format!("姓名,周开始,天数\n梁小改,{imported},6\n胡国强,{imported},7\n梁小改,{claimed},7\n");
    let html = text(
        upload_kind(&app, &secretary, "study", &[], "学习.csv", sheet.as_bytes()).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(html.contains("第 3 行，姓名：“胡国强” 导入者无权"), "{html}");
    assert!(html.contains(&format!("第 4 行，周开始：“{claimed}” 该周已由学习申报 #{claim} 审核记分")), "{html}");
    assert_eq!(app.written().await, before, "nothing half-written");

    let sheet = format!("姓名,周开始,天数\n梁小改,{imported},6\n");
    let html =
        text(upload_kind(&app, &secretary, "study", &[], "学习.csv", sheet.as_bytes()).await, StatusCode::OK).await;
    assert_eq!(app.written().await, before, "a preview writes nothing");
    text(confirm(&app, &secretary, &html).await, StatusCode::OK).await;
    let key = format!("study-week:{}:{imported}", f.liang);
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM ledger_entries WHERE idempotency_key = '{key}'")).await, 1);

    // A claim for the imported week is refused when it is approved.
    let csrf = app.csrf(&member).await;
    let late = submitted_claim(&app.declare_study(&member, &csrf, imported, Some(JPEG)).await);
    let refused = app.decide(&committee, late, "approve").await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    assert!(text(refused, StatusCode::CONFLICT).await.contains("已由表格导入记分"));
    assert_eq!(app.claim_state(late).await.0, "pending");
}

#[tokio::test]
async fn an_attendance_sheet_marks_the_meeting_through_its_own_use_case_once() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let id = app.meeting(&secretary, &MeetingForm::general(f.branch1, -30)).await;
    let day = today();
    let template = app.get(&secretary, "/import/templates/attendance").await;
    assert_eq!(template.status(), StatusCode::OK);

    // 胡国强 keeps the sheet but not his own row; 曾文静 (branch 2) is not invited.
    let before = app.written().await;
    let sheet = format!(
        "会议日期,会议名称,姓名,出席情况\n{day},支部党员大会,梁小改,√\n{day},支部党员大会,胡国强,出席\n\
         {day},支部党员大会,曾文静,出席\n"
    );
    let html = text(
        upload_kind(&app, &secretary, "attendance", &[], "签到.csv", sheet.as_bytes()).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(html.contains("第 3 行，姓名：“胡国强” 任何人不能记录自己的出席情况"), "{html}");
    assert!(html.contains("第 4 行，姓名：“曾文静” 不在“支部党员大会”的应到名单中"), "{html}");
    assert_eq!(app.written().await, before);

    let sheet =
        format!("会议日期,会议名称,姓名,出席情况\n{day},支部党员大会,梁小改,√\n{day},支部党员大会,王德福,迟到10分钟\n");
    let html =
        text(upload_kind(&app, &secretary, "attendance", &[], "签到.csv", sheet.as_bytes()).await, StatusCode::OK)
            .await;
    assert_eq!(app.written().await, before, "a preview writes nothing");
    text(confirm(&app, &secretary, &html).await, StatusCode::OK).await;
    let hu = f.accounts[BRANCH_SECRETARY];
    assert_eq!(
        app.attendance_of(id).await,
        [(f.liang, "present".into(), "import".into(), hu, false), (f.wang, "late".into(), "import".into(), hu, false)]
    );
    // The same sheet again changes nothing, not even who marked it when.
    let after = app.written().await;
    let html =
        text(upload_kind(&app, &secretary, "attendance", &[], "签到.csv", sheet.as_bytes()).await, StatusCode::OK)
            .await;
    assert!(!html.contains("name=\"data\""), "nothing to confirm: {html}");
    assert_eq!(app.written().await, after);
    // A member keeps no sheet: each row says so, and nothing is written.
    let member = app.login(MEMBER, PASSWORD).await;
    assert_eq!(
        upload_kind(&app, &member, "attendance", &[], "签到.csv", sheet.as_bytes()).await.status(),
        StatusCode::FORBIDDEN
    );
}
