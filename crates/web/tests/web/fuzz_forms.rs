//! Issue 17: arbitrary values posted to the write forms and the JSON API.
//! Whatever a field holds (empty, huge, control characters, bytes that are
//! not UTF-8, numbers out of range, the wrong type) the answer is a success
//! or a 4xx, never a 5xx; and a 4xx writes nothing.
//!
//! The values come from proptest strategies sampled by a deterministic
//! runner (the same cases on every run), a few dozen per form since each is
//! a request. A value that once broke something is kept in `REGRESSIONS`
//! and posted first.

use super::helpers::*;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use reqwest::{Client, Response, StatusCode, header};
use serde_json::{Value, json};
use starledger_web::security::{is_token, random_token};
use std::fmt::Debug;

/// Requests per form: enough to meet every kind of odd value several
/// times, few enough that the file runs in well under a minute.
const CASES: usize = 64;

/// Values that broke a parser once; each form posts them in every field
/// first. A month or day past 255 used to wrap round into range in the
/// import reader's dates (crates/exchange, found by its property tests).
const REGRESSIONS: &[&[u8]] = &[b"1900-1-12545", b"2023-257-01"];

/// `count` values of `strategy`, the same on every run.
fn samples<S: Strategy>(strategy: S, count: usize) -> Vec<S::Value> {
    let mut runner = TestRunner::deterministic();
    (0..count).map(|_| strategy.new_tree(&mut runner).expect("a value").current()).collect()
}

/// What a field may hold instead of the right value.
fn odd_value() -> impl Strategy<Value = Vec<u8>> {
    let fixed: Vec<Vec<u8>> = [
        &b""[..],
        b" ",
        b"\0",
        b"\x07\x1b[31m",
        b"\r\n\r\n",
        "\u{202e}\u{200b}\u{feff}".as_bytes(),
        b"-1",
        b"0",
        b"-0",
        b"2.5",
        b"1e309",
        b"NaN",
        b"inf",
        b"9223372036854775808",
        b"-9223372036854775809",
        b"0x10",
        " ７ ".as_bytes(),
        b"2026-02-30",
        b"0000-00-00",
        b"9999-12-31T23:59",
        b"2026-13-01T00:00",
        b"2026-06-01T24:00",
        b"-2026-01-01",
        b"true",
        b"[]",
        b"{}",
        b"<script>alert(1)</script>",
        b"' OR 1=1 --",
        b"%00",
        b"\xff\xfe",
        b"\xc3",
        b"\xed\xa0\x80",
    ]
    .iter()
    .map(|v| v.to_vec())
    .collect();
    prop_oneof![
        4 => prop::sample::select(fixed),
        2 => ".{0,40}".prop_map(String::into_bytes),
        1 => prop::collection::vec(any::<u8>(), 0..40),
        1 => (1usize..4, prop::sample::select(vec!["假", "a", "\u{7f}"]))
            .prop_map(|(k, c)| c.repeat([600, 5_000, 70_000][k - 1]).into_bytes()),
    ]
}

/// A field: its right value half of the time, else an odd one; now and
/// then left out.
fn field(right: String) -> impl Strategy<Value = Option<Vec<u8>>> {
    prop::option::weighted(0.92, prop_oneof![Just(right.into_bytes()), odd_value()])
}

/// A form's fields, each right or odd.
fn form(fields: Vec<(&'static str, String)>) -> impl Strategy<Value = Vec<(&'static str, Option<Vec<u8>>)>> {
    let names: Vec<&'static str> = fields.iter().map(|(name, _)| *name).collect();
    let values: Vec<_> = fields.into_iter().map(|(_, right)| field(right)).collect();
    values.prop_map(move |values| names.iter().copied().zip(values).collect())
}

/// `application/x-www-form-urlencoded`, every byte but the unreserved
/// ones escaped, so a value may be any bytes at all.
fn encoded(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn body_of(fields: &[(&str, Option<Vec<u8>>)]) -> String {
    let present = fields.iter().filter_map(|(name, value)| value.as_ref().map(|v| (name, v)));
    present.map(|(name, value)| format!("{name}={}", encoded(value))).collect::<Vec<_>>().join("&")
}

/// A value as a short, readable text for a failure message.
fn shown(input: &impl Debug) -> String {
    let text = format!("{input:?}");
    if text.len() > 600 {
        format!("{}… ({} bytes)", &text[..text.floor_char_boundary(600)], text.len())
    } else {
        text
    }
}

/// What the forms write: row counts of every table a form here may add
/// to, and the audit rows about work. One query, the same on both stores.
async fn written(app: &TestApp) -> String {
    let tables = [
        "members",
        "households",
        "household_links",
        "ledger_entries",
        "household_ratings",
        "household_bindings",
        "claims",
        "meetings",
        "meeting_attendance",
        "activities",
        "activity_signups",
        "relatives",
        "integrity_records",
        "adjustments",
        "objections",
        "api_idempotency",
    ];
    let mut parts: Vec<String> =
        tables.iter().map(|t| format!("'{t}=' || CAST((SELECT COUNT(*) FROM {t}) AS TEXT)")).collect();
    parts.push(
        "'audit=' || CAST((SELECT COUNT(*) FROM audit_log WHERE action NOT LIKE 'login%' AND action NOT LIKE \
         'logout%' AND action NOT LIKE 'password%') AS TEXT)"
            .to_string(),
    );
    app.text_of(&format!("SELECT {}", parts.join(" || ' ' || "))).await
}

/// Follows what the requests write: each answer must be a success or a
/// 4xx, and a 4xx must leave every table as it was.
struct Watch<'a> {
    app: &'a TestApp,
    what: &'static str,
    before: String,
    statuses: std::collections::BTreeMap<u16, usize>,
}

impl<'a> Watch<'a> {
    async fn new(app: &'a TestApp, what: &'static str) -> Watch<'a> {
        Watch { app, what, before: written(app).await, statuses: Default::default() }
    }

    async fn check(&mut self, input: &impl Debug, response: Response) {
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        *self.statuses.entry(status.as_u16()).or_default() += 1;
        assert!(
            !status.is_server_error(),
            "{}: {status} for {}\n{}",
            self.what,
            shown(input),
            &body[..body.floor_char_boundary(800)]
        );
        let now = written(self.app).await;
        if status.is_client_error() {
            assert_eq!(now, self.before, "{}: a {status} wrote something, for {}", self.what, shown(input));
        }
        self.before = now;
    }

    /// The odd values must have met the server's checks, not only its
    /// front door: some refusals, and (with the right values) some successes.
    fn saw_refusals_and(&self, success: bool) {
        let refused: usize = self.statuses.iter().filter(|(s, _)| (400..500).contains(*s)).map(|(_, n)| n).sum();
        let done: usize = self.statuses.iter().filter(|(s, _)| (200..400).contains(*s)).map(|(_, n)| n).sum();
        eprintln!("{}: answers by status {:?}", self.what, self.statuses);
        assert!(refused > 0, "{}: nothing was refused: {:?}", self.what, self.statuses);
        if success {
            assert!(done > 0, "{}: nothing was accepted: {:?}", self.what, self.statuses);
        }
    }
}

async fn post_raw(app: &TestApp, client: &Client, path: &str, fields: &[(&str, Option<Vec<u8>>)]) -> Response {
    client
        .post(app.url(path))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(body_of(fields))
        .send()
        .await
        .expect("the request is answered")
}

/// Posts arbitrary variations of a form to `path` as `client`, the
/// regressions first, and checks every answer.
async fn fuzz_form<'a>(
    app: &'a TestApp,
    client: &Client,
    what: &'static str,
    path: &str,
    fields: Vec<(&'static str, String)>,
) -> Watch<'a> {
    let mut watch = Watch::new(app, what).await;
    let names: Vec<&'static str> = fields.iter().map(|(n, _)| *n).collect();
    for odd in REGRESSIONS {
        for name in names.iter().filter(|n| **n != "csrf") {
            let form: Vec<_> = fields
                .iter()
                .map(|(n, right)| (*n, Some(if n == name { odd.to_vec() } else { right.clone().into_bytes() })))
                .collect();
            watch.check(&form, post_raw(app, client, path, &form).await).await;
        }
    }
    // The right values once, so that a success is seen.
    let right: Vec<_> = fields.iter().map(|(n, v)| (*n, Some(v.clone().into_bytes()))).collect();
    watch.check(&right, post_raw(app, client, path, &right).await).await;
    for form in samples(form(fields), CASES) {
        watch.check(&form, post_raw(app, client, path, &form).await).await;
    }
    watch
}

#[tokio::test]
async fn arbitrary_meeting_and_activity_forms_are_refused_cleanly() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let secretary = app.login(BRANCH_SECRETARY, PASSWORD).await;
    let csrf = app.csrf(&secretary).await;
    let fields = vec![
        ("csrf", csrf),
        ("rule", "meeting.branch_general".to_string()),
        ("branch", f.branch1.to_string()),
        ("group", String::new()),
        ("title", "支部党员大会".to_string()),
        ("place", "社区党群服务中心".to_string()),
        ("starts_at", starts_in(120)),
    ];
    fuzz_form(&app, &secretary, "meetings", "/meetings", fields).await.saw_refusals_and(true);

    let committee = app.login(COMMITTEE, PASSWORD).await;
    let csrf = app.csrf(&committee).await;
    let fields = vec![
        ("csrf", csrf),
        ("rule", "volunteer.cleanup".to_string()),
        ("title", "清理东街垃圾".to_string()),
        ("place", "东街口".to_string()),
        ("starts_at", starts_in(120)),
        ("ends_at", starts_in(240)),
        ("slots", "20".to_string()),
    ];
    fuzz_form(&app, &committee, "activities", "/activities", fields).await.saw_refusals_and(true);
}

#[tokio::test]
async fn arbitrary_adjustment_and_relatives_forms_are_refused_cleanly() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let committee = app.login(COMMITTEE_2, PASSWORD).await;
    let csrf = app.csrf(&committee).await;
    let fields = vec![
        ("csrf", csrf.clone()),
        ("member", f.liang.to_string()),
        ("rule", "adjustment.ethics".to_string()),
        ("points", "2".to_string()),
        ("reason", "补记去年漏记的见义勇为表彰".to_string()),
    ];
    fuzz_form(&app, &committee, "adjustments", "/adjustments", fields).await.saw_refusals_and(true);

    let fields = vec![
        ("csrf", csrf),
        ("member", f.liang.to_string()),
        ("relative", f.hu.to_string()),
        ("relation", "姐妹".to_string()),
    ];
    fuzz_form(&app, &committee, "relatives", "/integrity/relatives", fields).await.saw_refusals_and(true);
}

#[tokio::test]
async fn arbitrary_roll_and_objection_forms_are_refused_cleanly() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let committee = app.login(COMMITTEE, PASSWORD).await;
    let csrf = app.csrf(&committee).await;
    let fields = vec![
        ("csrf", csrf),
        ("name", "新党员甲".to_string()),
        ("branch", f.branch1.to_string()),
        ("group", String::new()),
        ("phone", "13900001234".to_string()),
        ("joined_on", "2020-07-01".to_string()),
        ("probationary", "yes".to_string()),
        ("exempt_reason", String::new()),
        ("post", String::new()),
    ];
    fuzz_form(&app, &committee, "members", "/members/new", fields).await.saw_refusals_and(true);

    // An objection is only taken while a rating is on notice; arbitrary
    // values must be refused cleanly either way.
    let member = app.login(MEMBER, PASSWORD).await;
    let csrf = app.csrf(&member).await;
    let fields = vec![("csrf", csrf), ("member", f.hu.to_string()), ("text", "走访次数与实际不符，请核实".to_string())];
    let path = format!("/rating/{}/objections", f.last_year().get());
    fuzz_form(&app, &member, "objections", &path, fields).await.saw_refusals_and(false);
}

#[tokio::test]
async fn arbitrary_household_links_are_refused_cleanly() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let token = f.tokens[&f.peng_household].clone();

    // Any text where the link's token goes: never a 5xx, nothing written.
    let stranger = app.client();
    let mut watch = Watch::new(&app, "household links").await;
    let tokens = samples(
        prop_oneof![
            odd_value(),
            "[0-9a-f]{64}".prop_map(String::into_bytes),
            "[0-9A-Fa-f]{63,65}".prop_map(String::into_bytes),
            (0usize..64, any::<u8>()).prop_map({
                let token = token.clone();
                move |(at, b)| {
                    let mut bytes = token.clone().into_bytes();
                    bytes[at] = b;
                    bytes
                }
            }),
        ],
        CASES,
    );
    for odd in &tokens {
        let path = format!("/r/{}", encoded(odd));
        watch.check(odd, app.get(&stranger, &path).await).await;
        let form = [("csrf", Some(b"a".repeat(64))), ("level", Some(b"satisfied".to_vec()))];
        watch.check(odd, post_raw(&app, &stranger, &path, &form).await).await;
        let form = [("csrf", Some(b"a".repeat(64))), ("code", Some(b"2222".to_vec()))];
        watch.check(odd, post_raw(&app, &stranger, &format!("{path}/bind"), &form).await).await;
    }
    watch.saw_refusals_and(false);
}

#[tokio::test]
async fn arbitrary_household_ratings_are_refused_cleanly() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let token = f.tokens[&f.peng_household].clone();
    // The household's own device, bound with the right proof, rates with
    // arbitrary values.
    let device = app.client();
    let path = format!("/r/{token}");
    app.bind(&device, &token).await;
    let csrf = csrf_of(&text(app.get(&device, &path).await, StatusCode::OK).await);
    let fields = vec![("csrf", csrf), ("level", "satisfied".to_string()), ("comment", "  服务很好  ".to_string())];
    fuzz_form(&app, &device, "household rating", &path, fields).await.saw_refusals_and(true);
}

#[tokio::test]
async fn arbitrary_household_proofs_are_refused_cleanly() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let token = f.tokens[&f.peng_household].clone();
    // A fresh device proves the link with arbitrary codes (the rate limit
    // soon answers 429, which is a refusal like any other).
    let device = app.client();
    let path = format!("/r/{token}");
    let csrf = csrf_of(&text(app.get(&device, &path).await, StatusCode::OK).await);
    let fields = vec![("csrf", csrf), ("code", app.digits(&token).await)];
    fuzz_form(&app, &device, "household binding", &format!("{path}/bind"), fields).await.saw_refusals_and(true);
}

/// Any JSON value, nested a little.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|n| serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)),
        any::<u64>().prop_map(Value::from),
        ".{0,30}".prop_map(Value::from),
        prop::sample::select(vec!["meeting.lecture", "2026-02-30", "", "9999-01-01", "household.satisfied"])
            .prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(vec!["member_id", "rule", "on", "reference", "points", "x"])
                    .prop_map(String::from),
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// An API request's body and idempotency key.
#[derive(Debug, Clone)]
enum Body {
    Json(Value),
    Bytes(Vec<u8>),
}

#[tokio::test]
async fn arbitrary_json_to_the_api_is_refused_cleanly() {
    let app = spawn_app().await;
    let f = &app.fixture;
    let client = app.login(COMMITTEE_2, PASSWORD).await;
    let csrf = app.csrf(&client).await;
    let form = [("csrf", csrf.as_str()), ("name", "考勤机"), ("scope", "record"), ("days", "30")];
    let page = text(app.post(&client, "/me/tokens", &form).await, StatusCode::CREATED).await;
    let start = page.find("<code data-token>").expect("the token is shown") + "<code data-token>".len();
    let secret = page[start..].split('<').next().unwrap().to_string();

    let lecture = json!({ "member_id": f.liang, "rule": "meeting.lecture", "on": today().to_string(), "reference": "签到表 第3页" });
    let bodies = samples(
        (
            prop_oneof![
                3 => any_json().prop_map(Body::Json),
                // The right body with one field changed to anything.
                4 => (prop::sample::select(vec!["member_id", "rule", "on", "reference"]), any_json()).prop_map({
                    let lecture = lecture.clone();
                    move |(key, value)| {
                        let mut body = lecture.clone();
                        body[key] = value;
                        Body::Json(body)
                    }
                }),
                1 => odd_value().prop_map(Body::Bytes),
            ],
            prop::option::weighted(0.9, "[ -~]{0,80}"),
        ),
        CASES,
    );
    let mut watch = Watch::new(&app, "api entries").await;
    let right = (Body::Json(lecture), Some("right-1".to_string()));
    for (n, (body, key)) in std::iter::once(right).chain(bodies).enumerate() {
        let bytes = match &body {
            Body::Json(value) => value.to_string().into_bytes(),
            Body::Bytes(bytes) => bytes.clone(),
        };
        let request = reqwest::Client::builder().no_proxy().build().expect("a client").post(app.url("/api/v1/entries"));
        let request = request.bearer_auth(&secret).header(header::CONTENT_TYPE, "application/json").body(bytes);
        // Keys repeat across cases only where they are meant to.
        let request = match &key {
            Some(key) => request.header("Idempotency-Key", format!("{n}-{key}")),
            None => request,
        };
        let response = request.send().await.expect("answered");
        let problem = response.headers().get(header::CONTENT_TYPE).map(|v| v.to_str().unwrap_or("").to_string());
        let status = response.status();
        if status.is_client_error() {
            assert_eq!(problem.as_deref(), Some("application/problem+json"), "{status} for {body:?}");
        }
        watch.check(&(body, key), response).await;
    }
    watch.saw_refusals_and(true);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// A household link's token is checked before anything is looked up:
    /// exactly 64 lowercase hex digits pass, whatever else a path holds.
    #[test]
    fn only_the_shape_of_a_token_passes_as_one(text in prop_oneof![
        ".{0,70}",
        "[0-9a-fA-F]{62,66}",
        "[0-9a-f]{64}",
        Just(random_token()),
    ]) {
        let shaped = text.len() == 64 && text.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c));
        prop_assert_eq!(is_token(&text), shaped, "{:?}", text);
    }
}
