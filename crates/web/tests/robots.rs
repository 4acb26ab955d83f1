//! The group-robot outbox against a real HTTP receiver on loopback: each
//! platform's message format, DingTalk's and Feishu's signatures checked
//! independently, retries after the receiver fails, the rate limit, and no
//! duplicate after a restart in the middle of a post.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, Uri};
use axum::routing::post;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use starledger_domain::org::{AccountId, CommunityId, Role};
use starledger_store::{NewAccount, NewRobot, OpenMode, OutboxQueries, Store};
use starledger_web::robots::{Sender, SenderConfig};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Notify;

/// What the receiver got, and how it answers.
#[derive(Default)]
struct Receiver {
    requests: Mutex<Vec<(String, String, Value)>>,
    /// Answer HTTP 500 to this many requests first.
    fail_first: Mutex<usize>,
    /// Hold every request open (never answer) once it is recorded.
    hang: Mutex<bool>,
    arrived: Notify,
}

impl Receiver {
    fn requests(&self) -> Vec<(String, String, Value)> {
        self.requests.lock().unwrap().clone()
    }
}

async fn receive(
    State(receiver): State<Arc<Receiver>>,
    uri: Uri,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> (StatusCode, String) {
    let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    receiver.requests.lock().unwrap().push((uri.path().to_string(), query.unwrap_or_default(), json));
    receiver.arrived.notify_one();
    if *receiver.hang.lock().unwrap() {
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    {
        let mut fail = receiver.fail_first.lock().unwrap();
        if *fail > 0 {
            *fail -= 1;
            return (StatusCode::INTERNAL_SERVER_ERROR, "busy".into());
        }
    }
    let ok = if uri.path() == "/feishu" { r#"{"code":0,"msg":"success"}"# } else { r#"{"errcode":0,"errmsg":"ok"}"# };
    (StatusCode::OK, ok.into())
}

async fn start_receiver() -> (String, Arc<Receiver>) {
    let receiver = Arc::new(Receiver::default());
    let app = Router::new().route("/{platform}", post(receive)).with_state(receiver.clone());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (address, receiver)
}

struct Setup {
    store: Store,
    path: std::path::PathBuf,
    community: CommunityId,
    _dir: tempfile::TempDir,
}

async fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("robots.db");
    let store = Store::open(&path, OpenMode::CreateNew, Duration::from_secs(2)).await.unwrap();
    let mut tx = store.write().await.unwrap();
    let community = tx.create_community("十里社区").await.unwrap();
    let account = NewAccount {
        community_id: community,
        login: "peng".into(),
        name: "彭书记".into(),
        role: Role::Committee,
        member_id: None,
        branch_id: None,
    };
    tx.add_account(&account).await.unwrap();
    tx.commit().await.unwrap();
    Setup { store, path, community, _dir: dir }
}

async fn add_robot(setup: &Setup, platform: &str, url: String, secret: Option<&str>) -> i64 {
    let mut tx = setup.store.write().await.unwrap();
    let id = tx
        .add_robot(&NewRobot {
            community_id: setup.community,
            platform: platform.into(),
            name: format!("{platform} 工作群"),
            url,
            secret: secret.map(String::from),
            created_by: AccountId::new(1),
            created_at: 0,
        })
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

async fn enqueue(store: &Store, community: CommunityId, subject: &str, text: &str) -> u64 {
    let mut tx = store.write().await.unwrap();
    let queued = tx.enqueue_for_robots(community, subject, text, jiff::Timestamp::now().as_second()).await.unwrap();
    tx.commit().await.unwrap();
    queued
}

fn config() -> SenderConfig {
    SenderConfig {
        poll: Duration::from_millis(20),
        per_minute: 20,
        max_attempts: 3,
        first_retry: Duration::ZERO,
        timeout: Duration::from_secs(5),
        // A stopped sender's claim runs out at once, as if the restart came later.
        lease: Duration::ZERO,
        // The receiver runs on this machine; a served application never allows it.
        allow_loopback: true,
    }
}

/// Sends until nothing is due.
async fn drain(sender: &Sender) -> usize {
    let mut sent = 0;
    while sender.send_one().await.unwrap() {
        sent += 1;
    }
    sent
}

async fn statuses(store: &Store, community: CommunityId) -> Vec<(String, String, i64)> {
    let mut reader = store.read().await.unwrap();
    let mut rows: Vec<(String, String, i64)> =
        reader.outbox(community, None).await.unwrap().into_iter().map(|m| (m.subject, m.status, m.attempts)).collect();
    rows.sort();
    rows
}

fn base64_hmac(key: &[u8], message: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(message);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

#[tokio::test]
async fn each_platform_gets_its_own_format_and_signature() {
    let (address, receiver) = start_receiver().await;
    let setup = setup().await;
    add_robot(&setup, "wecom", format!("{address}/wecom?key=abc"), None).await;
    add_robot(&setup, "dingtalk", format!("{address}/dingtalk?access_token=tok"), Some("SECdemo")).await;
    add_robot(&setup, "feishu", format!("{address}/feishu"), Some("feishu-secret")).await;
    assert_eq!(enqueue(&setup.store, setup.community, "activity:1", "【志愿服务通知】秸秆禁烧巡查").await, 3);
    // The same subject is never queued twice.
    assert_eq!(enqueue(&setup.store, setup.community, "activity:1", "again").await, 0);

    let sender = Sender::start(setup.store.clone(), config()).await.unwrap();
    assert_eq!(drain(&sender).await, 3);
    let requests = receiver.requests();
    assert_eq!(requests.len(), 3, "{requests:?}");

    let wecom = requests.iter().find(|r| r.0 == "/wecom").expect("WeCom was posted to");
    assert_eq!(wecom.1, "key=abc");
    assert_eq!(wecom.2["msgtype"], "text");
    assert_eq!(wecom.2["text"]["content"], "【志愿服务通知】秸秆禁烧巡查");

    let ding = requests.iter().find(|r| r.0 == "/dingtalk").expect("DingTalk was posted to");
    let query: Vec<(String, String)> = url_pairs(&ding.1);
    let get = |k: &str| query.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone()).unwrap_or_default();
    assert_eq!(get("access_token"), "tok");
    let timestamp = get("timestamp");
    let ms: i64 = timestamp.parse().expect("timestamp in milliseconds");
    assert!((jiff::Timestamp::now().as_millisecond() - ms).abs() < 60_000, "a current timestamp");
    assert_eq!(get("sign"), base64_hmac(b"SECdemo", format!("{timestamp}\nSECdemo").as_bytes()));
    assert_eq!(ding.2["msgtype"], "text");
    assert_eq!(ding.2["text"]["content"], "【志愿服务通知】秸秆禁烧巡查");

    let feishu = requests.iter().find(|r| r.0 == "/feishu").expect("Feishu was posted to");
    assert_eq!(feishu.2["msg_type"], "text");
    assert_eq!(feishu.2["content"]["text"], "【志愿服务通知】秸秆禁烧巡查");
    let seconds = feishu.2["timestamp"].as_str().expect("timestamp as text");
    assert_eq!(feishu.2["sign"], base64_hmac(format!("{seconds}\nfeishu-secret").as_bytes(), b""));

    assert!(
        statuses(&setup.store, setup.community)
            .await
            .iter()
            .all(|(_, status, attempts)| status == "sent" && *attempts == 1)
    );
}

fn url_pairs(query: &str) -> Vec<(String, String)> {
    reqwest::Url::parse(&format!("http://x/?{query}"))
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into(), v.into()))
        .collect()
}

#[tokio::test]
async fn a_failed_post_is_retried_and_given_up_at_last() {
    let (address, receiver) = start_receiver().await;
    let setup = setup().await;
    add_robot(&setup, "wecom", format!("{address}/wecom?key=k"), None).await;
    *receiver.fail_first.lock().unwrap() = 1;
    enqueue(&setup.store, setup.community, "activity:7", "通知").await;
    let sender = Sender::start(setup.store.clone(), config()).await.unwrap();
    assert!(sender.send_one().await.unwrap());
    assert_eq!(statuses(&setup.store, setup.community).await, [("activity:7".into(), "pending".into(), 1)]);
    drain(&sender).await;
    assert_eq!(statuses(&setup.store, setup.community).await, [("activity:7".into(), "sent".into(), 2)]);
    assert_eq!(receiver.requests().len(), 2, "one failure, one success");

    // A receiver that keeps failing: three attempts, then failed, visibly.
    *receiver.fail_first.lock().unwrap() = 100;
    enqueue(&setup.store, setup.community, "activity:8", "通知").await;
    drain(&sender).await;
    let rows = statuses(&setup.store, setup.community).await;
    assert_eq!(rows[1], ("activity:8".into(), "failed".into(), 3));
    let mut reader = setup.store.read().await.unwrap();
    let failed = reader.outbox(setup.community, Some("activity:8")).await.unwrap();
    assert!(failed[0].last_error.as_deref().unwrap_or_default().contains("500"), "{failed:?}");
}

#[tokio::test]
async fn a_refusal_in_the_answer_counts_as_a_failure() {
    let setup = setup().await;
    // A receiver that answers 200 with an error code, as DingTalk does.
    let app = Router::new().route("/dingtalk", post(|| async { r#"{"errcode":310000,"errmsg":"sign not match"}"# }));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    add_robot(&setup, "dingtalk", format!("{address}/dingtalk?access_token=t"), Some("SEC")).await;
    enqueue(&setup.store, setup.community, "activity:9", "通知").await;
    let sender = Sender::start(setup.store.clone(), config()).await.unwrap();
    assert!(sender.send_one().await.unwrap());
    let mut reader = setup.store.read().await.unwrap();
    let row = &reader.outbox(setup.community, None).await.unwrap()[0];
    assert_eq!(row.status, "pending");
    assert!(row.last_error.as_deref().unwrap_or_default().contains("sign not match"));
}

#[tokio::test]
async fn each_robot_posts_at_most_its_rate() {
    let (address, receiver) = start_receiver().await;
    let setup = setup().await;
    add_robot(&setup, "wecom", format!("{address}/wecom?key=k"), None).await;
    for n in 0..5 {
        enqueue(&setup.store, setup.community, &format!("activity:{n}"), "通知").await;
    }
    let sender = Sender::start(setup.store.clone(), SenderConfig { per_minute: 3, ..config() }).await.unwrap();
    assert_eq!(drain(&sender).await, 3, "three this minute");
    assert_eq!(receiver.requests().len(), 3);
    let waiting = statuses(&setup.store, setup.community).await.into_iter().filter(|(_, s, _)| s == "pending").count();
    assert_eq!(waiting, 2, "the rest wait for the next minute");
}

/// The process stops while a post is in flight: after the restart the
/// message is not posted again (it is marked uncertain for a person to
/// settle), while a message that was only queued is posted exactly once.
#[tokio::test]
async fn a_restart_mid_post_posts_nothing_twice() {
    let (address, receiver) = start_receiver().await;
    let setup = setup().await;
    add_robot(&setup, "wecom", format!("{address}/wecom?key=k"), None).await;
    enqueue(&setup.store, setup.community, "activity:1", "第一条").await;
    *receiver.hang.lock().unwrap() = true;

    let sender = Sender::start(setup.store.clone(), config()).await.unwrap();
    let arrived = receiver.arrived.notified();
    let in_flight = tokio::spawn(async move { sender.send_one().await });
    arrived.await;
    // The process dies mid-post: its task ends, its database connections close.
    in_flight.abort();
    let _ = in_flight.await;
    enqueue(&setup.store, setup.community, "activity:2", "第二条").await;
    setup.store.clone().close().await;
    *receiver.hang.lock().unwrap() = false;

    // A new process opens the same file.
    let store = Store::open(&setup.path, OpenMode::Existing, Duration::from_secs(2)).await.unwrap();
    let sender = Sender::start(store.clone(), config()).await.unwrap();
    assert_eq!(drain(&sender).await, 1, "only the queued message is posted");
    let texts: Vec<String> =
        receiver.requests().iter().map(|r| r.2["text"]["content"].as_str().unwrap().to_string()).collect();
    assert_eq!(texts, ["第一条", "第二条"], "each message reached the group once");
    assert_eq!(
        statuses(&store, setup.community).await,
        [("activity:1".into(), "uncertain".into(), 1), ("activity:2".into(), "sent".into(), 1)]
    );
    // Restarting again changes nothing.
    let sender = Sender::start(store.clone(), config()).await.unwrap();
    assert_eq!(drain(&sender).await, 0);
    assert_eq!(receiver.requests().len(), 2);

    // A person who finds it missing from the group sends it again, once.
    let mut tx = store.write().await.unwrap();
    let id = tx.outbox(setup.community, Some("activity:1")).await.unwrap()[0].id;
    assert!(tx.settle_message(setup.community, id, true, 0).await.unwrap());
    tx.commit().await.unwrap();
    assert_eq!(drain(&sender).await, 1);
    assert_eq!(receiver.requests().len(), 3);
}

/// Two servers on one database: a second sender starting (or idling) while
/// the first has a post in flight leaves that post alone; only once the
/// first's claim has run out is it shown as uncertain.
#[tokio::test]
async fn a_second_server_leaves_a_post_in_flight_alone() {
    let (address, receiver) = start_receiver().await;
    let setup = setup().await;
    add_robot(&setup, "wecom", format!("{address}/wecom?key=k"), None).await;
    enqueue(&setup.store, setup.community, "activity:1", "第一条").await;
    *receiver.hang.lock().unwrap() = true;
    let leased = SenderConfig { lease: Duration::from_secs(600), ..config() };
    let first = Sender::start(setup.store.clone(), leased.clone()).await.unwrap();
    let arrived = receiver.arrived.notified();
    let in_flight = tokio::spawn(async move { first.send_one().await });
    arrived.await;

    let second = Sender::start(setup.store.clone(), leased).await.unwrap();
    assert_eq!(second.settle_interrupted().await.unwrap(), 0);
    assert_eq!(drain(&second).await, 0, "nothing else is due");
    assert_eq!(statuses(&setup.store, setup.community).await, [("activity:1".into(), "sending".into(), 1)]);

    // The first server dies; once its claim has run out, the post is uncertain.
    in_flight.abort();
    let _ = in_flight.await;
    // Time passes beyond the claim, seen from outside the store.
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}", setup.path.display());
    let mut raw = <sqlx::AnyConnection as sqlx::Connection>::connect(&url).await.unwrap();
    sqlx::query("UPDATE outbox SET lease_until = 0 WHERE status = 'sending'").execute(&mut raw).await.unwrap();
    drop(raw);
    assert_eq!(second.settle_interrupted().await.unwrap(), 1);
    assert_eq!(statuses(&setup.store, setup.community).await, [("activity:1".into(), "uncertain".into(), 1)]);
    assert_eq!(receiver.requests().len(), 1, "posted once");
}

/// Issue 17, item 1: a robot's URL aimed at a service inside the server's
/// network. The served sender (no loopback allowed) posts nothing there,
/// even for a robot written into the database before URLs were checked.
#[tokio::test]
async fn a_robot_aimed_inside_the_network_posts_nothing() {
    let (address, receiver) = start_receiver().await;
    let setup = setup().await;
    add_robot(&setup, "wecom", format!("{address}/wecom?key=k"), None).await;
    enqueue(&setup.store, setup.community, "activity:1", "通知").await;
    let served = SenderConfig { allow_loopback: false, ..config() };
    let sender = Sender::start(setup.store.clone(), served).await.unwrap();
    drain(&sender).await;
    assert!(receiver.requests().is_empty(), "nothing reached the internal service");
    let mut reader = setup.store.read().await.unwrap();
    let row = &reader.outbox(setup.community, None).await.unwrap()[0];
    assert_eq!(row.status, "failed");
    let error = row.last_error.clone().unwrap_or_default();
    assert!(error.contains("https://qyapi.weixin.qq.com/"), "the error names where robots may post: {error}");
}

/// An internal page that answers with a redirect and a body full of
/// secrets: the sender follows no redirect and keeps no body.
#[tokio::test]
async fn the_sender_follows_no_redirect_and_keeps_no_body() {
    let setup = setup().await;
    let hits = Arc::new(Mutex::new(Vec::<String>::new()));
    let seen = hits.clone();
    let internal = hits.clone();
    let app = Router::new()
        .route(
            "/wecom",
            post(move || async move {
                seen.lock().unwrap().push("/wecom".into());
                (StatusCode::FOUND, [(axum::http::header::LOCATION, "/admin")], "moved")
            }),
        )
        .route(
            "/admin",
            axum::routing::any(move || async move {
                internal.lock().unwrap().push("/admin".into());
                "root-password=hunter2"
            }),
        )
        .route("/secret", post(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL-SECRET-DATA") }))
        .route("/json", post(|| async { "<html>INTERNAL-ADMIN-PAGE</html>" }));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    add_robot(&setup, "wecom", format!("{address}/wecom?key=KEY-1"), None).await;
    add_robot(&setup, "wecom", format!("{address}/secret?key=KEY-2"), None).await;
    add_robot(&setup, "wecom", format!("{address}/json?key=KEY-3"), None).await;
    enqueue(&setup.store, setup.community, "activity:1", "通知").await;
    let sender = Sender::start(setup.store.clone(), SenderConfig { max_attempts: 1, ..config() }).await.unwrap();
    drain(&sender).await;
    assert_eq!(*hits.lock().unwrap(), ["/wecom"], "the redirect was not followed");
    let mut reader = setup.store.read().await.unwrap();
    let errors: Vec<String> = reader
        .outbox(setup.community, None)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.last_error.unwrap_or_default())
        .collect();
    assert_eq!(errors.len(), 3);
    assert!(errors.contains(&"HTTP 302".to_string()), "{errors:?}");
    assert!(errors.contains(&"HTTP 500".to_string()), "{errors:?}");
    for error in &errors {
        for secret in ["moved", "hunter2", "INTERNAL", "KEY-", "127.0.0.1"] {
            assert!(!error.contains(secret), "{error:?} echoes {secret}");
        }
    }
}
