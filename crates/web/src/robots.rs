//! Group robots (群机器人): WeCom (企业微信), DingTalk (钉钉) and Feishu (飞书)
//! custom robots only receive messages. Each has its own message format and
//! its own way to prove the sender: WeCom puts a key in the URL; DingTalk
//! and Feishu may require a signature made with the robot's secret.
//!
//! Messages go through the outbox in the database (see the store's
//! `outbox` module); `Sender` posts due messages one at a time, retries
//! failures with growing delays, stays within each robot's rate limit
//! (the platforms allow about 20 a minute), and never posts a message twice:
//! one it was posting when the process stopped is marked uncertain.

use crate::metrics::Metrics;
use crate::shutdown::Stop;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use starledger_store::{OutboxMessage, Robot, Store, StoreError};
use std::sync::Arc;
use std::time::Duration;

pub use starledger_app::robots::{Platform, check_url};

/// What to post: the URL (signed where the platform signs in the URL) and
/// the JSON body.
#[derive(Debug, Clone, PartialEq)]
pub struct Post {
    pub url: String,
    pub body: Value,
}

/// DingTalk: `sign = base64(HMAC-SHA256(key = secret, "{timestamp_ms}\n{secret}"))`.
pub fn dingtalk_sign(secret: &str, timestamp_ms: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(format!("{timestamp_ms}\n{secret}").as_bytes());
    BASE64.encode(mac.finalize().into_bytes())
}

/// Feishu: `sign = base64(HMAC-SHA256(key = "{timestamp_s}\n{secret}", empty message))`.
pub fn feishu_sign(secret: &str, timestamp_s: i64) -> String {
    let key = format!("{timestamp_s}\n{secret}");
    let mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
    BASE64.encode(mac.finalize().into_bytes())
}

/// The request that posts `text` through `robot` at `now_ms` (Unix ms).
pub fn post_for(platform: Platform, robot: &Robot, text: &str, now_ms: i64) -> Result<Post, String> {
    let secret = robot.secret.as_deref().filter(|s| !s.is_empty());
    match platform {
        Platform::WeCom => {
            Ok(Post { url: robot.url.clone(), body: json!({"msgtype": "text", "text": {"content": text}}) })
        }
        Platform::DingTalk => {
            let mut url = reqwest::Url::parse(&robot.url).map_err(|e| format!("robot URL: {e}"))?;
            if let Some(secret) = secret {
                url.query_pairs_mut()
                    .append_pair("timestamp", &now_ms.to_string())
                    .append_pair("sign", &dingtalk_sign(secret, now_ms));
            }
            Ok(Post { url: url.to_string(), body: json!({"msgtype": "text", "text": {"content": text}}) })
        }
        Platform::Feishu => {
            let mut body = json!({"msg_type": "text", "content": {"text": text}});
            if let Some(secret) = secret {
                let seconds = now_ms / 1000;
                body["timestamp"] = json!(seconds.to_string());
                body["sign"] = json!(feishu_sign(secret, seconds));
            }
            Ok(Post { url: robot.url.clone(), body })
        }
    }
}

/// Each platform answers HTTP 200 with its own error code in the body. What
/// is kept of a refusal is the platform's code and its short message, never
/// the body itself: whatever answered may not be the platform.
pub fn accepted(platform: Platform, body: &str) -> Result<(), String> {
    let value: Value =
        serde_json::from_str(body).map_err(|_| "unexpected answer: not the platform's JSON".to_string())?;
    let (code, message) = match platform {
        Platform::WeCom | Platform::DingTalk => (value.get("errcode"), value.get("errmsg")),
        Platform::Feishu => (
            value.get("code").or_else(|| value.get("StatusCode")),
            value.get("msg").or_else(|| value.get("StatusMessage")),
        ),
    };
    match code.and_then(Value::as_i64) {
        Some(0) => Ok(()),
        Some(code) => {
            let message = message.and_then(Value::as_str).map(short_message).unwrap_or_default();
            Err(format!("refused by the robot: error {code} {message}").trim_end().to_string())
        }
        None => Err("unexpected answer: no error code".into()),
    }
}

/// A platform's error message as shown on /robots: one line, at most 80
/// characters, with no URL (a message could quote one, with its key).
fn short_message(message: &str) -> String {
    let line: String = message.chars().filter(|c| !c.is_control()).take(80).collect();
    line.split_whitespace().filter(|word| !word.contains("://") && !word.contains('=')).collect::<Vec<_>>().join(" ")
}

/// An outbox error as /robots shows it. Errors written by this sender are
/// shown as they are; one of an older form (which could quote an answer's
/// body or the robot's URL with its key) is withheld.
pub fn shown_error(error: &str) -> String {
    let current = error == "unexpected answer: not the platform's JSON"
        || error == "unexpected answer: no error code"
        || error.strip_prefix("HTTP ").is_some_and(|code| code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit()))
        || error
            .strip_prefix("cannot reach the robot: ")
            .is_some_and(|what| ["timed out", "cannot connect", "redirected", "the request failed"].contains(&what))
        || error.strip_prefix("refused by the robot: error ").is_some_and(|rest| !rest.contains(['{', '=']))
        || (error.contains(" robot URL starts with https://") && !error.contains('?'));
    if current || error.is_empty() { error.to_string() } else { "failed (details withheld)".into() }
}

/// Why a post failed, without the URL (which holds the robot's key or
/// signature) and without any answer's body.
fn transport_error(error: &reqwest::Error) -> String {
    let what = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "cannot connect"
    } else if error.is_redirect() {
        "redirected"
    } else {
        "the request failed"
    };
    format!("cannot reach the robot: {what}")
}

#[derive(Clone, Debug)]
pub struct SenderConfig {
    /// How often the outbox is checked when there is nothing to send.
    pub poll: Duration,
    /// Posts per robot per minute.
    pub per_minute: i64,
    /// Attempts before a message is given up (and shown as failed).
    pub max_attempts: i64,
    /// The first retry's delay; each next one doubles, up to an hour.
    pub first_retry: Duration,
    pub timeout: Duration,
    /// How long a claim on a message being posted lasts; longer than any
    /// post can take, so that only a stopped sender's claim runs out.
    pub lease: Duration,
    /// Let robots post to `http://127.0.0.1` (tests' receivers only; never
    /// in a served application).
    pub allow_loopback: bool,
}

impl Default for SenderConfig {
    fn default() -> Self {
        SenderConfig {
            poll: Duration::from_secs(5),
            per_minute: 20,
            max_attempts: 8,
            first_retry: Duration::from_secs(30),
            timeout: Duration::from_secs(10),
            lease: Duration::from_secs(60),
            allow_loopback: false,
        }
    }
}

/// Posts the outbox's due messages.
pub struct Sender {
    store: Store,
    config: SenderConfig,
    client: reqwest::Client,
    metrics: Option<Arc<Metrics>>,
}

impl Sender {
    /// A sender for this process. Messages an earlier process was posting
    /// when it stopped are marked uncertain first.
    pub async fn start(store: Store, config: SenderConfig) -> Result<Sender, StoreError> {
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            // A redirect could lead anywhere, the server's own network too.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| StoreError::Conflict(format!("HTTP client: {e}")))?;
        let sender = Sender { store, config, client, metrics: None };
        sender.settle_interrupted().await?;
        Ok(sender)
    }

    /// Marks messages whose sender stopped mid-post (its claim ran out) as
    /// uncertain: run at start and on every idle turn, so a post cut off on
    /// another server is surfaced too.
    pub async fn settle_interrupted(&self) -> Result<u64, StoreError> {
        let mut tx = self.store.write_outbox().await?;
        tx.set_origin("outbox");
        let interrupted = tx.mark_interrupted_uncertain(jiff::Timestamp::now().as_second()).await?;
        tx.commit().await?;
        if interrupted > 0 {
            tracing::warn!(interrupted, "group-robot messages were cut off while being posted");
        }
        Ok(interrupted)
    }

    /// Counts posts and failures into the server's `/metrics`.
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Sender {
        self.metrics = Some(metrics);
        self
    }

    /// Sends until the task is dropped.
    pub async fn run(self) {
        self.run_until(Stop::never()).await
    }

    /// Sends until `stop` is requested. The stop is looked at only between
    /// messages: a post under way is finished and settled (it is bounded by
    /// the client's timeout), so a stopping server leaves no message
    /// `sending` — which the next start would have to call uncertain — and
    /// every message not yet posted stays queued for the next start.
    pub async fn run_until(self, mut stop: Stop) {
        while !stop.is_requested() {
            match self.send_one().await {
                Ok(true) => continue,
                Ok(false) => {
                    if let Err(error) = self.settle_interrupted().await {
                        tracing::error!(%error, "outbox");
                    }
                }
                Err(error) => tracing::error!(%error, "outbox"),
            }
            if stop.sleep(self.config.poll).await {
                break;
            }
        }
    }

    /// Posts one due message; false when none is due.
    pub async fn send_one(&self) -> Result<bool, StoreError> {
        let now = jiff::Timestamp::now();
        let mut tx = self.store.write_outbox().await?;
        let lease_until = now.as_second() + self.config.lease.as_secs() as i64;
        let claimed = tx.claim_due_message(now.as_second(), self.config.per_minute, lease_until).await?;
        let Some((message, robot)) = claimed else {
            return Ok(false);
        };
        tx.commit().await?;
        let outcome = self.post(&message, &robot, now.as_millisecond()).await;
        let mut tx = self.store.write_outbox().await?;
        let after = jiff::Timestamp::now().as_second();
        if let Some(metrics) = &self.metrics {
            metrics.outbox_posted(outcome.is_ok());
        }
        match outcome {
            Ok(()) => tx.mark_message_sent(message.id, after).await?,
            Err(error) => {
                let retry_at =
                    (message.attempts < self.config.max_attempts).then(|| after + self.delay(message.attempts));
                tx.mark_message_failed(message.id, &error, retry_at).await?;
            }
        }
        tx.commit().await?;
        Ok(true)
    }

    fn delay(&self, attempts: i64) -> i64 {
        let doubled = self.config.first_retry.as_secs() as i64 * (1i64 << (attempts - 1).clamp(0, 16));
        doubled.min(3600)
    }

    async fn post(&self, message: &OutboxMessage, robot: &Robot, now_ms: i64) -> Result<(), String> {
        let platform =
            Platform::parse(&robot.platform).ok_or_else(|| format!("unknown platform {}", robot.platform))?;
        // Checked again here: a robot stored before the hosts were checked,
        // or written into the database by hand, posts nowhere else either.
        check_url(platform, &robot.url, self.config.allow_loopback)?;
        let post = post_for(platform, robot, &message.text, now_ms)?;
        let response = self
            .client
            .post(&post.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json; charset=utf-8")
            .body(post.body.to_string())
            .send()
            .await
            .map_err(|e| transport_error(&e))?;
        let status = response.status();
        if !status.is_success() {
            // The body is not read, let alone kept: it is no platform's.
            return Err(format!("HTTP {}", status.as_u16()));
        }
        let body = response.text().await.map_err(|e| transport_error(&e))?;
        accepted(platform, &body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn robot(platform: &str, url: &str, secret: Option<&str>) -> Robot {
        Robot {
            id: 1,
            community_id: 1.into(),
            platform: platform.into(),
            name: "工作群".into(),
            url: url.into(),
            secret: secret.map(String::from),
            enabled: true,
        }
    }

    /// The DingTalk example: the signature of a known secret and time, as
    /// computed independently (openssl dgst -sha256 -hmac ... | base64).
    #[test]
    fn dingtalk_signs_in_the_url() {
        let secret = "SEC000000000000000000000";
        let sign = dingtalk_sign(secret, 1_700_000_000_000);
        assert_eq!(sign.len(), 44, "base64 of 32 bytes");
        let post = post_for(
            Platform::DingTalk,
            &robot("dingtalk", "https://oapi.example/robot/send?access_token=t", Some(secret)),
            "你好",
            1_700_000_000_000,
        )
        .unwrap();
        let url = reqwest::Url::parse(&post.url).unwrap();
        let pairs: Vec<(String, String)> = url.query_pairs().map(|(k, v)| (k.into(), v.into())).collect();
        assert!(pairs.contains(&("access_token".into(), "t".into())));
        assert!(pairs.contains(&("timestamp".into(), "1700000000000".into())));
        assert!(pairs.contains(&("sign".into(), sign)));
        assert_eq!(post.body, json!({"msgtype": "text", "text": {"content": "你好"}}));
    }

    #[test]
    fn feishu_signs_in_the_body_and_wecom_not_at_all() {
        let post = post_for(
            Platform::Feishu,
            &robot("feishu", "https://open.example/hook/x", Some("s")),
            "hi",
            1_700_000_000_123,
        )
        .unwrap();
        assert_eq!(post.body["msg_type"], "text");
        assert_eq!(post.body["content"]["text"], "hi");
        assert_eq!(post.body["timestamp"], "1700000000");
        assert_eq!(post.body["sign"], feishu_sign("s", 1_700_000_000));
        let wecom =
            post_for(Platform::WeCom, &robot("wecom", "https://qyapi.example/send?key=k", None), "hi", 0).unwrap();
        assert_eq!(wecom.url, "https://qyapi.example/send?key=k");
        assert_eq!(wecom.body, json!({"msgtype": "text", "text": {"content": "hi"}}));
    }

    #[test]
    fn answers_and_urls() {
        assert!(accepted(Platform::WeCom, r#"{"errcode":0,"errmsg":"ok"}"#).is_ok());
        assert!(accepted(Platform::DingTalk, r#"{"errcode":310000,"errmsg":"sign not match"}"#).is_err());
        assert!(accepted(Platform::Feishu, r#"{"code":0,"msg":"success"}"#).is_ok());
        assert!(accepted(Platform::Feishu, r#"{"code":19021,"msg":"sign match fail"}"#).is_err());
        let refused =
            accepted(Platform::WeCom, r#"{"errcode":93000,"errmsg":"invalid webhook url https://x/?key=SECRET"}"#);
        assert_eq!(refused.unwrap_err(), "refused by the robot: error 93000 invalid webhook url");
        let not_json = accepted(Platform::WeCom, "<html>internal admin page</html>").unwrap_err();
        assert!(!not_json.contains("internal"), "no body is echoed: {not_json}");
    }
}
