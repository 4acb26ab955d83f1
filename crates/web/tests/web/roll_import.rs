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
    assert!(
        html.contains("roll.csv roll row 3, 所属支部: &#34;第九党支部&#34;")
            || html.contains("roll.csv roll row 3, 所属支部: &quot;第九党支部&quot;"),
        "{html}"
    );
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
        assert_eq!(app.get(&client, "/import").await.status(), StatusCode::FORBIDDEN, "{who}");
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
