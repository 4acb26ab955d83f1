//! `/metrics` in Prometheus's text format, written by hand: a handful of
//! counters and one histogram do not justify a metrics crate and its
//! dependencies in every build.
//!
//! Requests are counted by the route's *pattern* (`/r/{token}`), never the
//! path: a household's link and a check-in code are secrets, and patterns
//! keep the number of series bounded. Nothing here names a person.
//!
//! Who may read it: only a scraper holding the metrics token
//! (`--metrics-token` / `STARLEDGER_METRICS_TOKEN`), sent as
//! `Authorization: Bearer TOKEN`. Without a token configured `/metrics`
//! answers 404, so a server behind a reverse proxy shows nothing by default
//! (every request through a proxy comes from the proxy's address, so the
//! client address could not tell an insider from the internet).

use crate::AppState;
use crate::security::same_secret;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use starledger_store::OutboxQueries;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Upper bounds (seconds) of the latency histogram's buckets.
const BUCKETS: [f64; 11] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// The label of a request that matched no route (a 404).
const UNMATCHED: &str = "unmatched";

/// Everything counted since the server started; shared by the router and
/// the background jobs.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<RequestKey, u64>>,
    latency: Mutex<BTreeMap<String, Histogram>>,
    sign_in_refusals: Mutex<BTreeMap<&'static str, u64>>,
    outbox_sent: AtomicU64,
    outbox_failures: AtomicU64,
    refresh_rounds: AtomicU64,
    refresh_failures: AtomicU64,
    /// The last round's duration, in microseconds.
    refresh_last_micros: AtomicU64,
    refresh_total_micros: AtomicU64,
    /// Set when the server takes scheduled backups.
    backups_scheduled: std::sync::atomic::AtomicBool,
    backups_taken: AtomicU64,
    backup_failures: AtomicU64,
    /// Unix seconds of the last verified scheduled backup, 0 before one.
    backup_last_success: AtomicU64,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct RequestKey {
    route: String,
    method: String,
    class: &'static str,
}

#[derive(Debug, Default)]
struct Histogram {
    /// Per bucket of [`BUCKETS`], not cumulative; the last one is +Inf.
    counts: [u64; BUCKETS.len() + 1],
    sum: f64,
}

impl Metrics {
    fn request(&self, route: &str, method: &str, status: StatusCode, took: Duration) {
        let class = match status.as_u16() {
            100..=199 => "1xx",
            200..=299 => "2xx",
            300..=399 => "3xx",
            400..=499 => "4xx",
            _ => "5xx",
        };
        let key = RequestKey { route: route.to_string(), method: method.to_string(), class };
        *lock(&self.requests).entry(key).or_default() += 1;
        let seconds = took.as_secs_f64();
        let mut latency = lock(&self.latency);
        let histogram = latency.entry(route.to_string()).or_default();
        let bucket = BUCKETS.iter().position(|&bound| seconds <= bound).unwrap_or(BUCKETS.len());
        histogram.counts[bucket] += 1;
        histogram.sum += seconds;
    }

    /// A sign-in refused, by why: `wrong` (unknown login or wrong
    /// password), `locked`, `throttled`.
    pub fn sign_in_refused(&self, reason: &'static str) {
        *lock(&self.sign_in_refusals).entry(reason).or_default() += 1;
    }

    pub fn outbox_posted(&self, ok: bool) {
        let counter = if ok { &self.outbox_sent } else { &self.outbox_failures };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub fn refreshed(&self, ok: bool, took: Duration) {
        self.refresh_rounds.fetch_add(1, Ordering::Relaxed);
        if !ok {
            self.refresh_failures.fetch_add(1, Ordering::Relaxed);
        }
        let micros = took.as_micros() as u64;
        self.refresh_last_micros.store(micros, Ordering::Relaxed);
        self.refresh_total_micros.fetch_add(micros, Ordering::Relaxed);
    }

    pub fn backups_are_scheduled(&self) {
        self.backups_scheduled.store(true, Ordering::Relaxed);
    }

    pub fn backed_up(&self, ok: bool) {
        if ok {
            self.backups_taken.fetch_add(1, Ordering::Relaxed);
            self.backup_last_success.store(unix_now(), Ordering::Relaxed);
        } else {
            self.backup_failures.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The text exposition of everything counted, with what the store adds.
    fn render(&self, ledger_entries_written: u64, outbox_backlog: Option<&[(String, i64)]>) -> String {
        let mut out = String::new();
        let o = &mut out;
        head(
            o,
            "starledger_http_requests_total",
            "counter",
            "Requests answered, by route pattern, method and status class.",
        );
        for (key, n) in lock(&self.requests).iter() {
            let _ = writeln!(
                o,
                "starledger_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{}\"}} {n}",
                escape(&key.route),
                escape(&key.method),
                key.class
            );
        }
        head(o, "starledger_http_request_duration_seconds", "histogram", "Time to answer a request, by route pattern.");
        for (route, histogram) in lock(&self.latency).iter() {
            let route = escape(route);
            let mut cumulative = 0;
            for (i, count) in histogram.counts.iter().enumerate() {
                cumulative += count;
                let le = BUCKETS.get(i).map_or("+Inf".to_string(), |b| b.to_string());
                let _ = writeln!(
                    o,
                    "starledger_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{le}\"}} {cumulative}"
                );
            }
            let _ = writeln!(o, "starledger_http_request_duration_seconds_sum{{route=\"{route}\"}} {}", histogram.sum);
            let _ = writeln!(o, "starledger_http_request_duration_seconds_count{{route=\"{route}\"}} {cumulative}");
        }
        head(o, "starledger_sign_in_failures_total", "counter", "Refused sign-ins, by reason.");
        let refusals = lock(&self.sign_in_refusals);
        for reason in ["wrong", "locked", "throttled"] {
            let n = refusals.get(reason).copied().unwrap_or(0);
            let _ = writeln!(o, "starledger_sign_in_failures_total{{reason=\"{reason}\"}} {n}");
        }
        drop(refusals);
        counter(
            o,
            "starledger_ledger_entries_written_total",
            "Ledger entries written by this server.",
            ledger_entries_written,
        );
        if let Some(backlog) = outbox_backlog {
            head(o, "starledger_outbox_messages", "gauge", "Group-robot messages not yet sent, by status.");
            for status in ["pending", "sending", "failed", "uncertain"] {
                let n = backlog.iter().find(|(s, _)| s == status).map_or(0, |(_, n)| *n);
                let _ = writeln!(o, "starledger_outbox_messages{{status=\"{status}\"}} {n}");
            }
        }
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        counter(o, "starledger_outbox_posts_total", "Group-robot messages posted.", load(&self.outbox_sent));
        counter(
            o,
            "starledger_outbox_post_failures_total",
            "Group-robot posts that failed.",
            load(&self.outbox_failures),
        );
        counter(
            o,
            "starledger_refresh_rounds_total",
            "Rounds of refreshing the regions' figures.",
            load(&self.refresh_rounds),
        );
        counter(o, "starledger_refresh_failures_total", "Refresh rounds that failed.", load(&self.refresh_failures));
        head(o, "starledger_refresh_duration_seconds", "gauge", "How long the last refresh round took.");
        let _ = writeln!(o, "starledger_refresh_duration_seconds {}", micros(load(&self.refresh_last_micros)));
        head(o, "starledger_refresh_duration_seconds_total", "counter", "Time spent refreshing, all rounds.");
        let _ = writeln!(o, "starledger_refresh_duration_seconds_total {}", micros(load(&self.refresh_total_micros)));
        if self.backups_scheduled.load(Ordering::Relaxed) {
            counter(
                o,
                "starledger_backups_total",
                "Scheduled backups written and verified.",
                load(&self.backups_taken),
            );
            counter(
                o,
                "starledger_backup_failures_total",
                "Scheduled backups that failed.",
                load(&self.backup_failures),
            );
            let last = load(&self.backup_last_success);
            head(
                o,
                "starledger_backup_last_success_timestamp_seconds",
                "gauge",
                "When the last verified backup was taken (0: none yet).",
            );
            let _ = writeln!(o, "starledger_backup_last_success_timestamp_seconds {last}");
            if last > 0 {
                head(o, "starledger_backup_age_seconds", "gauge", "Seconds since the last verified backup.");
                let _ = writeln!(o, "starledger_backup_age_seconds {}", unix_now().saturating_sub(last));
            }
        }
        out
    }
}

fn head(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

fn counter(out: &mut String, name: &str, help: &str, value: u64) {
    head(out, name, "counter", help);
    let _ = writeln!(out, "{name} {value}");
}

fn micros(value: u64) -> f64 {
    value as f64 / 1e6
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// A label value as the text format wants it.
fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// A poisoned lock only means a panic elsewhere mid-count: keep counting.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Counts every request by its matched route's pattern and times it.
pub async fn count_requests(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map_or(UNMATCHED.to_string(), |m| m.as_str().to_string());
    let method = request.method().as_str().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    state.metrics().request(&route, &method, response.status(), started.elapsed());
    response
}

/// `GET /metrics`: for a scraper holding the metrics token only.
pub async fn scrape(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(token) = state.config().metrics_token.as_deref() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let offered = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !same_secret(offered, token) {
        return (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Bearer")], "a metrics token is needed\n")
            .into_response();
    }
    // The backlog is read at each scrape; a database that does not answer
    // leaves it out rather than failing the scrape (/readyz says why).
    let backlog = match state.store().read().await {
        Ok(mut reader) => reader.outbox_backlog().await.ok(),
        Err(_) => None,
    };
    let written = state.store().counters().ledger_entries_written();
    let body = state.metrics().render(written, backlog.as_deref());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_format_holds_counters_and_a_cumulative_histogram() {
        let metrics = Metrics::default();
        metrics.request("/r/{token}", "GET", StatusCode::OK, Duration::from_millis(3));
        metrics.request("/r/{token}", "GET", StatusCode::OK, Duration::from_millis(300));
        metrics.request("/r/{token}", "POST", StatusCode::FORBIDDEN, Duration::from_secs(20));
        metrics.sign_in_refused("wrong");
        let text = metrics.render(7, Some(&[("pending".into(), 2)]));
        assert!(text.contains("starledger_http_requests_total{route=\"/r/{token}\",method=\"GET\",status=\"2xx\"} 2"));
        assert!(text.contains("starledger_http_requests_total{route=\"/r/{token}\",method=\"POST\",status=\"4xx\"} 1"));
        assert!(text.contains("starledger_http_request_duration_seconds_bucket{route=\"/r/{token}\",le=\"0.005\"} 1"));
        assert!(text.contains("starledger_http_request_duration_seconds_bucket{route=\"/r/{token}\",le=\"0.5\"} 2"));
        assert!(text.contains("starledger_http_request_duration_seconds_bucket{route=\"/r/{token}\",le=\"+Inf\"} 3"));
        assert!(text.contains("starledger_http_request_duration_seconds_count{route=\"/r/{token}\"} 3"));
        assert!(text.contains("starledger_sign_in_failures_total{reason=\"wrong\"} 1"));
        assert!(text.contains("starledger_ledger_entries_written_total 7"));
        assert!(text.contains("starledger_outbox_messages{status=\"pending\"} 2"));
        assert!(text.contains("starledger_outbox_messages{status=\"failed\"} 0"));
        assert!(!text.contains("starledger_backup"), "no backup series unless backups are scheduled");
        metrics.backups_are_scheduled();
        metrics.backed_up(true);
        assert!(metrics.render(0, None).contains("starledger_backups_total 1"));
    }

    #[test]
    fn only_the_token_opens_it() {
        assert!(same_secret("s3cret", "s3cret"));
        assert!(!same_secret("s3cre", "s3cret"));
        assert!(!same_secret("", "s3cret"));
        assert!(!same_secret("", ""), "an empty token opens nothing");
    }
}
