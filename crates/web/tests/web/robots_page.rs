//! The group robots page (/robots), on its success paths: the committee adds
//! a robot through the form, turns it off and on, has an activity's notice
//! posted to the work group, and settles a failed or uncertain message by
//! hand. (The sender itself is tested in `tests/robots.rs`; here no sender
//! runs, so what the pages queue stays in the outbox to be looked at.)

use super::helpers::*;
use reqwest::{Client, StatusCode};

const HOOK: &str = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=test-key";

/// (platform, name, url, enabled) of every robot, by id.
async fn robots(app: &TestApp) -> Vec<(String, String, String, i64)> {
    app.rows("SELECT platform, name, url, CASE WHEN enabled THEN 1 ELSE 0 END FROM robots ORDER BY id").await
}

/// (robot, subject, status, attempts) of every queued message, by id.
async fn outbox(app: &TestApp) -> Vec<(i64, String, String, i64)> {
    app.rows("SELECT robot_id, subject, status, attempts FROM outbox ORDER BY id").await
}

async fn add(app: &TestApp, client: &Client, platform: &str, name: &str, url: &str) -> reqwest::Response {
    let csrf = app.csrf(client).await;
    let fields = [("csrf", csrf.as_str()), ("platform", platform), ("name", name), ("url", url), ("secret", "")];
    app.post(client, "/robots", &fields).await
}

async fn switch(app: &TestApp, client: &Client, robot: i64, on: bool) -> reqwest::Response {
    let csrf = app.csrf(client).await;
    let enabled = if on { "1" } else { "0" };
    app.post(client, &format!("/robots/{robot}/enabled"), &[("csrf", csrf.as_str()), ("enabled", enabled)]).await
}

async fn settle(app: &TestApp, client: &Client, message: i64, action: &str) -> reqwest::Response {
    let csrf = app.csrf(client).await;
    app.post(client, &format!("/robots/outbox/{message}"), &[("csrf", csrf.as_str()), ("action", action)]).await
}

/// Publishes a cleanup two hours ahead with "post to the work group" ticked.
async fn publish_to_group(app: &TestApp, client: &Client) -> i64 {
    let csrf = app.csrf(client).await;
    let (starts, ends) = (starts_in(120), starts_in(240));
    let fields = [
        ("csrf", csrf.as_str()),
        ("rule", "volunteer.cleanup"),
        ("title", "清理东街垃圾"),
        ("place", "东街口"),
        ("starts_at", starts.as_str()),
        ("ends_at", ends.as_str()),
        ("slots", "20"),
        ("post_to_robots", "1"),
    ];
    let response = app.post(client, "/activities", &fields).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "the activity is published");
    location(&response).trim_start_matches("/activities/").parse().expect("the activity's id")
}

#[tokio::test]
async fn the_committee_adds_a_robot_and_turns_it_off_and_on() {
    let app = spawn_app().await;
    let committee = app.login(COMMITTEE, PASSWORD).await;
    assert_redirect(&add(&app, &committee, "wecom", "十里社区党员群", HOOK).await, "/robots");
    assert_eq!(robots(&app).await, [("wecom".into(), "十里社区党员群".into(), HOOK.into(), 1)]);
    let page = text(app.get(&committee, "/robots").await, StatusCode::OK).await;
    assert!(page.contains("十里社区党员群"), "the robot is listed:\n{page}");
    assert!(!page.contains("test-key"), "the webhook's key is not shown back:\n{page}");

    let robot = app.count("SELECT MAX(id) FROM robots").await;
    assert_redirect(&switch(&app, &committee, robot, false).await, "/robots");
    assert_eq!(robots(&app).await[0].3, 0, "turned off");
    assert_redirect(&switch(&app, &committee, robot, true).await, "/robots");
    assert_eq!(robots(&app).await[0].3, 1, "turned on again");
    assert_eq!(app.work(COMMITTEE).await, ["robot.add", "robot.enable", "robot.enable"]);
}

#[tokio::test]
async fn an_activity_s_notice_is_queued_for_every_robot_that_is_on() {
    let app = spawn_app().await;
    let committee = app.login(COMMITTEE, PASSWORD).await;
    assert_redirect(&add(&app, &committee, "wecom", "党员群", HOOK).await, "/robots");
    let feishu = "https://open.feishu.cn/open-apis/bot/v2/hook/test";
    assert_redirect(&add(&app, &committee, "feishu", "志愿者群", feishu).await, "/robots");
    let ids: Vec<(i64,)> = app.rows("SELECT id FROM robots ORDER BY id").await;
    let (on, off) = (ids[0].0, ids[1].0);
    assert_redirect(&switch(&app, &committee, off, false).await, "/robots");

    let activity = publish_to_group(&app, &committee).await;
    let subject = format!("activity:{activity}");
    assert_eq!(outbox(&app).await, [(on, subject.clone(), "pending".into(), 0)], "only the robot that is on");
    let text_queued = app.text_of("SELECT text FROM outbox").await;
    assert!(text_queued.contains("清理东街垃圾") && text_queued.contains("东街口"), "{text_queued}");
    let page = text(app.get(&committee, &format!("/activities/{activity}")).await, StatusCode::OK).await;
    assert!(page.contains("党员群"), "the activity shows where its notice goes:\n{page}");
}

#[tokio::test]
async fn a_failed_message_is_resent_and_an_uncertain_one_marked_sent_by_hand() {
    let app = spawn_app().await;
    let committee = app.login(COMMITTEE, PASSWORD).await;
    assert_redirect(&add(&app, &committee, "wecom", "党员群", HOOK).await, "/robots");
    publish_to_group(&app, &committee).await;
    publish_to_group(&app, &committee).await;
    let ids: Vec<(i64,)> = app.rows("SELECT id FROM outbox ORDER BY id").await;
    let (failed, uncertain) = (ids[0].0, ids[1].0);
    app.execute(&format!("UPDATE outbox SET status = 'failed', attempts = 5 WHERE id = {failed}")).await;
    app.execute(&format!("UPDATE outbox SET status = 'uncertain', attempts = 1 WHERE id = {uncertain}")).await;

    assert_redirect(&settle(&app, &committee, failed, "resend").await, "/robots");
    assert_redirect(&settle(&app, &committee, uncertain, "mark_sent").await, "/robots");
    let states: Vec<(String, i64)> = app.rows("SELECT status, attempts FROM outbox ORDER BY id").await;
    assert_eq!(states, [("pending".into(), 0), ("sent".into(), 1)], "resent from the start; marked sent");
    // A message that is settled is not settled again.
    text(settle(&app, &committee, uncertain, "resend").await, StatusCode::CONFLICT).await;
    assert_eq!(app.work(COMMITTEE).await.iter().filter(|w| *w == "outbox.settle").count(), 2);
}

/// Issue 17, item 1: the form takes only the platforms' own webhook hosts;
/// a URL into the server's network, another host, or one that merely
/// starts like the platform's is refused and nothing is stored.
#[tokio::test]
async fn a_robot_url_must_be_the_platform_s_own_host() {
    let app = spawn_app().await;
    let committee = app.login(COMMITTEE, PASSWORD).await;
    for (platform, url) in [
        ("wecom", "http://127.0.0.1:8080/admin"),
        ("wecom", "https://169.254.169.254/latest/meta-data"),
        ("wecom", "https://qyapi.weixin.qq.com.evil.example/cgi-bin/webhook/send?key=k"),
        ("wecom", "https://oapi.dingtalk.com/robot/send?access_token=t"),
        ("dingtalk", "https://user:pw@oapi.dingtalk.com/robot/send?access_token=t"),
        ("feishu", "https://open.feishu.cn:8443/open-apis/bot/v2/hook/x"),
    ] {
        let page = text(add(&app, &committee, platform, "群", url).await, StatusCode::BAD_REQUEST).await;
        assert!(page.contains("地址"), "{url}: the error names the field:\n{page}");
    }
    assert!(robots(&app).await.is_empty(), "no robot was stored");
    // The control: each platform's own host is taken.
    let dingtalk = "https://oapi.dingtalk.com/robot/send?access_token=t";
    assert_redirect(&add(&app, &committee, "dingtalk", "钉钉群", dingtalk).await, "/robots");
    assert_redirect(&add(&app, &committee, "wecom", "党员群", HOOK).await, "/robots");
    assert_eq!(robots(&app).await.len(), 2);
}

/// An error stored by an older sender quoted the internal answer's body; the
/// page withholds it.
#[tokio::test]
async fn the_robots_page_echoes_no_answer_body() {
    let app = spawn_app().await;
    let committee = app.login(COMMITTEE, PASSWORD).await;
    assert_redirect(&add(&app, &committee, "wecom", "党员群", HOOK).await, "/robots");
    publish_to_group(&app, &committee).await;
    publish_to_group(&app, &committee).await;
    let ids: Vec<(i64,)> = app.rows("SELECT id FROM outbox ORDER BY id").await;
    app.execute(&format!(
        "UPDATE outbox SET status = 'failed', last_error = 'HTTP 200 OK: root-password=hunter2' WHERE id = {}",
        ids[0].0
    ))
    .await;
    app.execute(&format!(
        "UPDATE outbox SET status = 'failed', last_error = 'refused by the robot: error 93000 invalid webhook url' \
         WHERE id = {}",
        ids[1].0
    ))
    .await;
    let page = text(app.get(&committee, "/robots").await, StatusCode::OK).await;
    assert!(!page.contains("hunter2"), "the old body is withheld:\n{page}");
    assert!(page.contains("details withheld"), "{page}");
    assert!(page.contains("error 93000 invalid webhook url"), "the platform's code and message are shown:\n{page}");
}
