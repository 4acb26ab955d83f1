//! Issue 17, item 7: every free-text field has a limit, stated in its form
//! and enforced on the server; a longer one is refused naming the field,
//! and nothing is written.

use super::helpers::*;
use reqwest::StatusCode;

#[tokio::test]
async fn a_megabyte_leave_reason_or_meeting_title_is_refused_and_writes_nothing() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let meeting = app.meeting(&secretary, &MeetingForm::general(f.branch1, 120)).await;
    let member = app.login(MEMBER, PASSWORD).await;
    let before = app.written().await;

    let huge = "假".repeat(100_000);
    let csrf = app.csrf(&member).await;
    let path = format!("/meetings/{meeting}/leave");
    let page =
        text(app.post(&member, &path, &[("csrf", &csrf), ("reason", &huge)]).await, StatusCode::BAD_REQUEST).await;
    assert!(page.contains("理由") && page.contains("500"), "the field and its limit are named:\n{page:.500}");

    let csrf = app.csrf(&secretary).await;
    let title = "会".repeat(81);
    let fields = [
        ("csrf", csrf.as_str()),
        ("rule", "meeting.branch_general"),
        ("branch", &f.branch1.to_string()),
        ("group", ""),
        ("title", &title),
        ("place", "社区党群服务中心"),
        ("starts_at", &starts_in(90)),
    ];
    let page = text(app.post(&secretary, "/meetings", &fields).await, StatusCode::BAD_REQUEST).await;
    assert!(page.contains("title"), "{page:.500}");
    assert_eq!(app.written().await, before, "nothing was written");

    // The control: a reason at the limit is taken.
    let csrf = app.csrf(&member).await;
    let reason = "外".repeat(500);
    assert_redirect(
        &app.post(&member, &path, &[("csrf", &csrf), ("reason", &reason)]).await,
        &format!("/meetings/{meeting}"),
    );
}

/// Every text box and text area of every template states a `maxlength`.
#[test]
fn every_free_text_field_states_its_limit() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    let fixed = ["hidden", "number", "date", "datetime-local", "file", "checkbox", "radio", "submit", "month"];
    let mut unbounded = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let html = std::fs::read_to_string(&path).unwrap();
        for tag in ["<input", "<textarea"] {
            for (at, _) in html.match_indices(tag) {
                let end = html[at..].find('>').map_or(html.len(), |e| at + e);
                let element = &html[at..end];
                let kind = element.split("type=\"").nth(1).and_then(|t| t.split('"').next()).unwrap_or("text");
                if fixed.contains(&kind) || element.contains(" readonly") {
                    continue;
                }
                if !element.contains("maxlength=") {
                    unbounded.push(format!("{}: {element}", path.file_name().unwrap().to_string_lossy()));
                }
            }
        }
    }
    assert!(unbounded.is_empty(), "fields without a maxlength:\n{}", unbounded.join("\n"));
}
