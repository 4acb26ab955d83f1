//! The server's log: every answer carries its request's id, and a
//! household's link or a check-in code never reaches the log.

use super::browser::http_get;
use super::helpers::{Community, Served, runtime};

// A plain test, not `#[tokio::test]`: on PostgreSQL the fixture community
// creates its database on a runtime of its own, which cannot start inside
// another one; so the community is built first and the server driven after.
#[test]
fn the_log_names_each_request_by_id_and_never_a_secret_in_its_path() {
    let community = Community::new();
    runtime().block_on(the_log_of(&community));
}

async fn the_log_of(community: &Community) {
    let Served { server, port, log } = community.serve(&[("STARLEDGER_LOG", "debug,sqlx=warn")], &[]).await;

    let household = "5ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2e7aaaa";
    let code = "c0dec0dec0dec0dec0dec0dec0dec0dec0dec0dec0dec0dec0dec0dec0de0000";
    let mut ids = Vec::new();
    for path in [format!("/r/{household}"), format!("/r/{household}/notice"), format!("/checkin/{code}"), "/".into()] {
        let (_, response) = http_get(port, &path).await.expect("an answer");
        let id = response
            .lines()
            .find_map(|line| line.strip_prefix("x-request-id: "))
            .unwrap_or_else(|| panic!("{path} answers with its request id:\n{response}"))
            .trim()
            .to_string();
        assert_eq!(id.len(), 16, "{id}");
        ids.push(id);
    }
    drop(server);
    let written = std::fs::read_to_string(&log).expect("the server's log");
    for id in &ids {
        assert!(written.contains(id.as_str()), "request {id} is in the log:\n{written}");
    }
    assert!(written.contains("/r/…/notice") && written.contains("/checkin/…"), "{written}");
    assert!(!written.contains(household) && !written.contains(code), "no secret in the log:\n{written}");
    // Not on a terminal, the log is one JSON object a line, for a collector
    // (the file holds standard output too: the notice saying where it serves).
    let events: Vec<&str> = written.lines().filter(|l| !l.trim().is_empty() && !l.starts_with("serving ")).collect();
    assert!(events.len() > ids.len(), "{written}");
    for line in events {
        let event: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(event["timestamp"].is_string() && event["level"].is_string(), "{line}");
    }
}

// ---- a run of traffic through every path that carries personal data ---------

/// One request on a fresh connection: the status, the headers (lower-cased
/// names) and the body. The server closes the connection when asked.
pub(super) async fn http(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Answer {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let attempt = async {
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.expect("the server listens");
        let mut request = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        if !body.is_empty() && !headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("content-type")) {
            request.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
        }
        request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
        stream.write_all(request.as_bytes()).await.expect("the request is sent");
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await.expect("the answer is read");
        String::from_utf8_lossy(&response).into_owned()
    };
    // Bounded: signing in hashes a password, slow in a debug build.
    let text = tokio::time::timeout(std::time::Duration::from_secs(60), attempt)
        .await
        .unwrap_or_else(|_| panic!("{method} {path} was not answered"));
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let headers = head
        .lines()
        .skip(1)
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_string()))
        .collect();
    Answer { status, headers, body: body.to_string() }
}

pub(super) struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// The `name=value` pairs of its cookies.
    pub fn cookies(&self) -> Vec<String> {
        self.headers
            .iter()
            .filter(|(n, _)| n == "set-cookie")
            .filter_map(|(_, v)| v.split(';').next())
            .map(str::to_string)
            .collect()
    }

    /// A hidden form field's value.
    pub fn field(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self.body.find(&marker).unwrap_or_else(|| panic!("no {name} in:\n{}", self.body)) + marker.len();
        let end = self.body[start..].find('"').expect("the value ends");
        self.body[start..start + end].to_string()
    }
}

pub(super) fn form(pairs: &[(&str, &str)]) -> String {
    fn encode(text: &str) -> String {
        text.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
                b => format!("%{b:02X}"),
            })
            .collect()
    }
    pairs.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect::<Vec<_>>().join("&")
}

/// What the demo's database holds that must never reach a log.
async fn secrets_of(db: &std::path::Path) -> (Vec<String>, Vec<String>) {
    use sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display())).await.unwrap();
    let phones: Vec<String> = sqlx::query_scalar(
        "SELECT phone FROM members WHERE phone IS NOT NULL AND phone <> '' \
         UNION SELECT phone FROM households WHERE phone IS NOT NULL AND phone <> ''",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let tokens: Vec<String> =
        sqlx::query_scalar("SELECT token FROM household_tokens").fetch_all(&mut conn).await.unwrap();
    conn.close().await.unwrap();
    (phones, tokens)
}

/// Issue 16: a full run of traffic over the demo community, in each log
/// format, leaves no phone number, household link, password, session,
/// CSRF or API token in the server's log, while every answer's request id
/// and the routes are there.
#[test]
fn a_run_of_traffic_over_the_demo_logs_ids_and_routes_and_no_personal_data() {
    let dir = tempfile::tempdir().unwrap();
    let (db, printed) = demo_in(dir.path());
    // The card the demo offers to try: its link and its phone's last digits.
    let link = printed.lines().find_map(|l| l.split_once("): /r/").map(|(_, t)| t.trim().to_string())).expect("a card");
    let digits = printed
        .lines()
        .find_map(|l| l.split_once("phone on the roll: ").map(|(_, d)| d.trim().to_string()))
        .expect("its digits");
    let runtime = runtime();
    let (phones, links) = runtime.block_on(secrets_of(&db));
    assert!(phones.len() > 100 && links.len() > 50, "{} phones, {} links", phones.len(), links.len());
    for format in ["json", "text"] {
        runtime.block_on(traffic(&db, dir.path(), format, &link, &digits, &phones, &links));
    }
}

async fn traffic(
    db: &std::path::Path,
    dir: &std::path::Path,
    format: &str,
    link: &str,
    digits: &str,
    phones: &[String],
    links: &[String],
) {
    let log = dir.join(format!("serve-{format}.log"));
    let env = [("STARLEDGER_LOG", "debug"), ("STARLEDGER_LOG_FORMAT", format)];
    let (server, port) = serve_on(db, log.clone(), &env, &[]).await;

    let mut answers = Vec::new();
    let mut secrets: Vec<String> = vec!["starledger-demo".into(), "wrong-password-42".into()];
    let phone = phones[0].clone();

    // Sign-in: a phone number typed as the login with a wrong password,
    // then the member's own, right one.
    let page = http(port, "GET", "/login", &[], "").await;
    let pre = page.cookies().join("; ");
    let csrf = page.field("csrf");
    let wrong = form(&[("csrf", &csrf), ("login", &phone), ("password", "wrong-password-42")]);
    let refused = http(port, "POST", "/login", &[("Cookie", &pre)], &wrong).await;
    assert_eq!(refused.status, 401, "{}", refused.body);
    let right = form(&[("csrf", &csrf), ("login", "liangxiaogai"), ("password", "starledger-demo")]);
    let signed_in = http(port, "POST", "/login", &[("Cookie", &pre)], &right).await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    let session = signed_in.cookies().join("; ");
    secrets.extend(signed_in.cookies().iter().filter_map(|c| c.split_once('=')).map(|(_, v)| v.to_string()));
    secrets.push(csrf);
    answers.extend([page, refused, signed_in]);

    // An API token made on the tokens page, used, and a made-up one.
    let tokens = http(port, "GET", "/me/tokens", &[("Cookie", &session)], "").await;
    let csrf = tokens.field("csrf");
    secrets.push(csrf.clone());
    let made = form(&[("csrf", &csrf), ("name", "考勤机"), ("scope", "read"), ("days", "30")]);
    let made = http(port, "POST", "/me/tokens", &[("Cookie", &session)], &made).await;
    assert_eq!(made.status, 201, "{}", made.body);
    let start = made.body.find("<code data-token>").expect("the token is shown once") + "<code data-token>".len();
    let secret = made.body[start..start + made.body[start..].find('<').unwrap()].to_string();
    let bearer = format!("Bearer {secret}");
    let me = http(port, "GET", "/api/v1/me", &[("Authorization", &bearer)], "").await;
    assert_eq!(me.status, 200, "{}", me.body);
    let made_up = "slt_0123456789abcdef0123456789abcdef0123456789abcdef";
    let bad = http(port, "GET", "/api/v1/members", &[("Authorization", &format!("Bearer {made_up}"))], "").await;
    assert_eq!(bad.status, 401, "{}", bad.body);
    secrets.extend([secret, made_up.to_string()]);
    answers.extend([tokens, made, me, bad]);

    // A household's link: opened, bound with its phone's last digits, rated.
    let card = http(port, "GET", &format!("/r/{link}"), &[], "").await;
    assert_eq!(card.status, 200, "{}", card.body);
    let device = card.cookies().join("; ");
    let bind = form(&[("csrf", &card.field("csrf")), ("code", digits)]);
    let bound = http(port, "POST", &format!("/r/{link}/bind"), &[("Cookie", &device)], &bind).await;
    assert!([200, 303].contains(&bound.status), "{} {}", bound.status, bound.body);
    let device = [device, bound.cookies().join("; ")].join("; ");
    secrets.extend(bound.cookies().iter().filter_map(|c| c.split_once('=')).map(|(_, v)| v.to_string()));
    let rating_page = http(port, "GET", &format!("/r/{link}"), &[("Cookie", &device)], "").await;
    assert!([200, 409].contains(&rating_page.status), "{} {}", rating_page.status, rating_page.body);
    // The demo's household may have rated this period already: then the
    // page says so, and the rating is posted with the card's form token.
    let csrf = if rating_page.body.contains("name=\"csrf\"") { rating_page.field("csrf") } else { card.field("csrf") };
    let rate = form(&[("csrf", &csrf), ("level", "satisfied"), ("comment", &phone)]);
    let rated = http(port, "POST", &format!("/r/{link}"), &[("Cookie", &device)], &rate).await;
    assert!(rated.status < 500, "{} {}", rated.status, rated.body);
    answers.extend([card, bound, rating_page, rated]);

    // A 404 with a phone in its query, a 400, and a post with a wrong CSRF token.
    let missing = http(port, "GET", &format!("/no-such-page?phone={phone}"), &[("Cookie", &session)], "").await;
    assert_eq!(missing.status, 404);
    let bad_cursor = http(port, "GET", "/api/v1/standings?cursor=zz", &[("Authorization", &bearer)], "").await;
    assert!((400..500).contains(&bad_cursor.status), "{}", bad_cursor.body);
    let forged = http(port, "POST", "/logout", &[("Cookie", &session)], &form(&[("csrf", &phone)])).await;
    assert_eq!(forged.status, 403, "{}", forged.body);
    answers.extend([missing, bad_cursor, forged]);
    drop(server);

    let written = std::fs::read_to_string(&log).expect("the server's log");
    for answer in &answers {
        let id = answer.header("x-request-id").expect("every answer carries its id");
        assert!(written.contains(id), "{format}: request {id} is in the log:\n{written}");
    }
    for route in ["/login", "/me/tokens", "/api/v1/me", "/r/…/bind", "/logout"] {
        assert!(written.contains(route), "{format}: {route} is in the log:\n{written}");
    }
    for secret in secrets.iter().chain(links).filter(|s| s.len() >= 8) {
        assert!(!written.contains(secret.as_str()), "{format}: a secret in the log: {secret}");
    }
    for phone in phones {
        assert!(!written.contains(phone.as_str()), "{format}: a phone number in the log: {phone}");
    }
    if format == "json" {
        let lines = written.lines().filter(|l| l.starts_with('{'));
        assert!(lines.clone().count() > answers.len(), "{written}");
        for line in lines {
            serde_json::from_str::<serde_json::Value>(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        }
    }
}

/// The demo community, built once for the suite, copied into `dir` (a
/// test's own file, so that tests serving it run side by side): its path
/// and what `demo` printed.
pub(super) fn demo_in(dir: &std::path::Path) -> (std::path::PathBuf, String) {
    static BUILT: std::sync::OnceLock<(tempfile::TempDir, String)> = std::sync::OnceLock::new();
    let (built, printed) = BUILT.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("demo.db");
        let run = super::helpers::starledger().arg("--db").arg(&db).args(["demo", "--no-serve"]).output().unwrap();
        assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
        (dir, String::from_utf8_lossy(&run.stdout).into_owned())
    });
    let db = dir.join("demo.db");
    std::fs::copy(built.path().join("demo.db"), &db).expect("a copy of the demo");
    (db, printed.clone())
}

/// `starledger serve` over `db` with `env` and `args` after `serve`, its
/// output in `log`; returns once it answers `/healthz`.
pub(super) async fn serve_on(
    db: &std::path::Path,
    log: std::path::PathBuf,
    env: &[(&str, &str)],
    args: &[&str],
) -> (super::browser::Process, u16) {
    use super::browser::{Process, free_port, http_get};
    let port = free_port();
    let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("starledger"));
    command
        .env("STARLEDGER_NOW", super::helpers::stated_now())
        .env_remove("STARLEDGER_CONFIG")
        .envs(env.iter().copied())
        .arg("--db")
        .arg(db)
        .args(args)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")]);
    let mut server = Process::start("starledger serve", command, log);
    server
        .wait_until_ready("answering GET /healthz", || async move { http_get(port, "/healthz").await.is_some() })
        .await;
    (server, port)
}

/// Signs in on the demo (every account's password is the demo's): the
/// session's cookies.
pub(super) async fn sign_in(port: u16, login: &str) -> String {
    let page = http(port, "GET", "/login", &[], "").await;
    let body = form(&[("csrf", &page.field("csrf")), ("login", login), ("password", "starledger-demo")]);
    let signed_in = http(port, "POST", "/login", &[("Cookie", &page.cookies().join("; "))], &body).await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    signed_in.cookies().join("; ")
}
