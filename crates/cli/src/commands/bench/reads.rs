//! `starledger bench reads`: the web application served in-process on
//! 127.0.0.1 (a port the system picks) over the given database, read by N
//! keep-alive HTTP/1.1 connections per path, with a static file served by
//! the same server as the baseline in the same run.
//!
//! How it signs in: a session row for a committee account is written
//! directly (as sign-in writes it), its cookie used by every connection,
//! and the row deleted at the end; the bench runs where the database is,
//! and whoever can write the database can do that anyway. No password is
//! needed, so it works on any database.
//!
//! Household links (`/r/TOKEN`): requests take the community's live tokens
//! in turn, and this server's limiters (kept in the path, so their cost is
//! measured) are set so high that they never refuse: what is measured is
//! the page, not the rate limit. A served application keeps its limits.
//!
//! Requests ask for gzip, as every browser does, so the server compresses
//! as in production. The clients run in the same process and on the same
//! two cores as the server, as `wrk` on the same machine would.

use super::{driven_community, p50_p99_ms, reproduce, within};
use crate::args::BenchReadsArgs;
use crate::commands::Context;
use crate::failure::{Failure, Outcome};
use starledger_domain::org::Role;
use starledger_store::{BaselineQueries, OrgQueries, RatingQueries};
use starledger_web::limits::RateLimiter;
use starledger_web::{AppState, Config, Limits};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// The static file every run is compared with.
const STATIC_PATH: &str = "/static/app.css";
/// Stands for the households' private links in `--paths`.
const TOKEN_PATH: &str = "/r/TOKEN";
/// The session cookie's name, as the web application sets it.
pub(super) const SESSION_COOKIE: &str = "sl_session";
/// Household tokens taken in turn.
const MAX_TOKENS: usize = 5_000;

/// What one path gave.
struct Measured {
    path: String,
    requests: usize,
    seconds: f64,
    p50_ms: f64,
    p99_ms: f64,
    /// Answers that were neither 2xx nor 3xx.
    failed: usize,
    server_errors: usize,
    /// Connections that broke (reset, closed mid-answer).
    broken: usize,
}

impl Measured {
    fn per_second(&self) -> f64 {
        self.requests as f64 / self.seconds.max(1e-9)
    }
}

pub async fn run(context: &Context, args: BenchReadsArgs) -> Outcome {
    within("--connections", u64::from(args.connections), 4096)?;
    within("--duration-secs", args.duration_secs, 3600)?;
    let store = context.open().await?;
    let mut reader = store.read().await?;
    // A city's database: its first community, unless --community names one.
    let community = driven_community(context, &mut reader).await?;
    let accounts = reader.accounts(community.id).await?;
    let account = match &args.login {
        Some(login) => reader.account_by_login(login).await?,
        None => accounts
            .iter()
            .filter(|a| a.role == Role::Committee)
            .min_by_key(|a| (a.member_id.is_none(), a.id))
            .cloned()
            .ok_or_else(|| Failure::refused(format!("{} has no committee account to read as", community.name)))?,
    };
    if account.community_id != community.id {
        return Err(Failure::bad_input(format!("account {} is not of {}", account.login, community.name)));
    }
    let mut tokens: Vec<String> = reader.live_tokens(community.id).await?.into_values().collect();
    tokens.sort();
    tokens.truncate(MAX_TOKENS);
    let latest = reader.years_with_entries().await?.last().copied();
    let members = reader.members(community.id).await?.len();
    drop(reader);

    let mut paths: Vec<String> = if args.paths.is_empty() {
        let mut paths = vec!["/standings".to_string()];
        if let Some(year) = latest {
            paths.push(format!("/standings?year={year}"));
        }
        paths.extend(["/me", "/honours", TOKEN_PATH].map(str::to_string));
        paths
    } else {
        args.paths.iter().map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect()
    };
    if let Some(bad) = paths.iter().find(|p| !p.starts_with('/')) {
        return Err(Failure::bad_input(format!("--paths: \"{bad}\" is not a path (start it with /)")));
    }
    if paths.iter().any(|p| p == TOKEN_PATH) && tokens.is_empty() {
        return Err(Failure::bad_input(format!(
            "{} has no live household links to read {TOKEN_PATH} with; leave it out of --paths",
            community.name
        )));
    }
    paths.retain(|p| p != STATIC_PATH);
    paths.insert(0, STATIC_PATH.to_string());

    // The session, as sign-in writes it, for this run only.
    let cookie = starledger_app::secrets::random_token();
    let cookie_hash = starledger_app::secrets::sha256_hex(&cookie);
    let now = starledger_app::clock::now();
    let mut tx = store.write().await?;
    let csrf = starledger_app::secrets::random_token();
    tx.create_session(&cookie_hash, account.id, &csrf, now, now + 6 * 3600, "127.0.0.1").await?;
    tx.commit().await?;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| Failure::failed(format!("cannot listen on 127.0.0.1: {e}")))?;
    let address = listener.local_addr().map_err(|e| Failure::failed(format!("no local address: {e}")))?;
    let app = bench_app(&store, address);
    let server =
        tokio::spawn(
            async move { axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await },
        );

    let outcome = drive_all(address, &cookie, &paths, Arc::new(tokens), &args).await;
    server.abort();
    let mut tx = store.write().await?;
    tx.delete_session(&cookie_hash).await?;
    tx.commit().await?;
    let (measured, first_answers) = outcome?;

    println!(
        "bench reads: {} ({members} members), signed in as {} ({}), {} connections × {} s per path, \
         server in-process on {address}",
        community.name,
        account.login,
        account.role.as_str(),
        args.connections,
        args.duration_secs
    );
    for (path, status) in &first_answers {
        if !(200..400).contains(status) {
            println!("  note: the first answer to {path} was {status}");
        } else if (300..400).contains(status) {
            println!("  note: {path} answers {status} (a redirect): its figures measure the redirect");
        }
    }
    let base = measured.first().map(Measured::per_second).unwrap_or(f64::NAN);
    println!(
        "  {:<28} {:>9} {:>10} {:>9} {:>9} {:>7} {:>5} {:>6} {:>10}",
        "path", "requests", "req/s", "p50 ms", "p99 ms", "failed", "5xx", "broken", "vs static"
    );
    for m in &measured {
        let label = if m.path == STATIC_PATH { format!("{} (baseline)", m.path) } else { m.path.clone() };
        println!(
            "  {:<28} {:>9} {:>10.1} {:>9.2} {:>9.2} {:>7} {:>5} {:>6} {:>10.4}",
            label,
            m.requests,
            m.per_second(),
            m.p50_ms,
            m.p99_ms,
            m.failed,
            m.server_errors,
            m.broken,
            m.per_second() / base
        );
    }
    for m in &measured {
        println!(
            "result: path={} rps={:.1} p50_ms={:.3} p99_ms={:.3} failed={} server_errors={} broken={} ratio={:.4}",
            m.path,
            m.per_second(),
            m.p50_ms,
            m.p99_ms,
            m.failed,
            m.server_errors,
            m.broken,
            m.per_second() / base
        );
    }
    let community_option =
        if context.community.is_some() { format!("--community {} ", community.name) } else { String::new() };
    let shown: Vec<&str> = paths.iter().skip(1).map(String::as_str).collect();
    println!(
        "reproduce: {}",
        reproduce(
            context,
            &format!(
                "{community_option}bench reads --connections {} --duration-secs {} --paths '{}'",
                args.connections,
                args.duration_secs,
                shown.join(",")
            )
        )
    );
    Ok(())
}

/// The web application as the benches serve it on `address`: a served
/// application's defaults, with limiters that never refuse.
pub(super) fn bench_app(store: &starledger_store::Store, address: SocketAddr) -> axum::Router {
    let config = Config {
        public_url: format!("http://{address}"),
        secure_cookies: false,
        allow_loopback_robots: false,
        metrics_token: None,
        retention: Default::default(),
    };
    starledger_web::router(AppState::new(store.clone(), config, limits_that_never_refuse()))
}

/// The limiters stay in the request path, but never refuse (see the module).
fn limits_that_never_refuse() -> Limits {
    let never = |window| RateLimiter::bounded(u32::MAX, Duration::from_secs(window), 10_000_000);
    Limits {
        login_by_ip: never(60),
        login_failures: never(900),
        rating_by_token: never(600),
        rating_by_ip: never(600),
        api_by_token: never(60),
        api_failures_by_ip: never(60),
    }
}

/// Drives each path in turn; the figures per path and the status of the
/// first answer to each.
async fn drive_all(
    address: SocketAddr,
    cookie: &str,
    paths: &[String],
    tokens: Arc<Vec<String>>,
    args: &BenchReadsArgs,
) -> Result<(Vec<Measured>, Vec<(String, u16)>), Failure> {
    let turn = Arc::new(AtomicUsize::new(0));
    let mut first_answers = Vec::new();
    let mut measured = Vec::new();
    for path in paths {
        // One request first: it warms what the server caches and says
        // whether the page answers at all.
        let mut client = Client::connect(address, cookie).await?;
        let target = resolve(path, &tokens, &turn);
        let (status, _) = client.get(&target).await.map_err(|e| Failure::failed(format!("GET {target}: {e}")))?;
        first_answers.push((path.clone(), status));

        let deadline = Instant::now() + Duration::from_secs(args.duration_secs);
        let started = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..args.connections {
            let (path, tokens, turn, cookie) = (path.clone(), tokens.clone(), turn.clone(), cookie.to_string());
            tasks.push(tokio::spawn(async move { drive(address, &cookie, &path, &tokens, &turn, deadline).await }));
        }
        let mut latencies: Vec<u32> = Vec::new();
        let (mut failed, mut server_errors, mut broken) = (0, 0, 0);
        for task in tasks {
            let tally = task.await.map_err(|e| Failure::failed(format!("a client task failed: {e}")))?;
            latencies.extend(tally.latencies_us);
            failed += tally.failed;
            server_errors += tally.server_errors;
            broken += tally.broken;
        }
        let seconds = started.elapsed().as_secs_f64();
        let requests = latencies.len();
        let (p50, p99) = p50_p99_ms(latencies);
        measured.push(Measured {
            path: path.clone(),
            requests,
            seconds,
            p50_ms: p50,
            p99_ms: p99,
            failed,
            server_errors,
            broken,
        });
    }
    Ok((measured, first_answers))
}

/// `/r/TOKEN` becomes the next household's link; other paths stay.
fn resolve(path: &str, tokens: &[String], turn: &AtomicUsize) -> String {
    if path == TOKEN_PATH && !tokens.is_empty() {
        let next = turn.fetch_add(1, Ordering::Relaxed) % tokens.len();
        format!("/r/{}", tokens[next])
    } else {
        path.to_string()
    }
}

#[derive(Default)]
struct Tally {
    latencies_us: Vec<u32>,
    failed: usize,
    server_errors: usize,
    broken: usize,
}

/// One connection's loop until the deadline; a broken connection is
/// counted and opened again.
async fn drive(
    address: SocketAddr,
    cookie: &str,
    path: &str,
    tokens: &[String],
    turn: &AtomicUsize,
    deadline: Instant,
) -> Tally {
    let mut tally = Tally::default();
    let mut client = None;
    while Instant::now() < deadline {
        let connection = match client.as_mut() {
            Some(connection) => connection,
            None => match Client::connect(address, cookie).await {
                Ok(connection) => client.insert(connection),
                Err(_) => {
                    tally.broken += 1;
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let target = resolve(path, tokens, turn);
        let sent = Instant::now();
        match connection.get(&target).await {
            Ok((status, keep_alive)) => {
                tally.latencies_us.push(sent.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
                if !(200..400).contains(&status) {
                    tally.failed += 1;
                }
                if status >= 500 {
                    tally.server_errors += 1;
                }
                if !keep_alive {
                    client = None;
                }
            }
            Err(_) => {
                tally.broken += 1;
                client = None;
            }
        }
    }
    tally
}

/// A minimal HTTP/1.1 client over one keep-alive connection: enough to
/// send GETs (and the write bench's posts) and read whole answers (by
/// length or chunked), nothing more.
pub(super) struct Client {
    stream: BufReader<TcpStream>,
    host: String,
    cookie: String,
}

impl Client {
    pub(super) async fn connect(address: SocketAddr, cookie: &str) -> Result<Client, Failure> {
        let stream = TcpStream::connect(address)
            .await
            .map_err(|e| Failure::failed(format!("cannot connect to {address}: {e}")))?;
        let _ = stream.set_nodelay(true);
        Ok(Client { stream: BufReader::new(stream), host: address.to_string(), cookie: cookie.to_string() })
    }

    /// The answer's status, and whether the connection stays open.
    async fn get(&mut self, path: &str) -> std::io::Result<(u16, bool)> {
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\nCookie: {SESSION_COOKIE}={}\r\nAccept: text/html,*/*\r\n\
             Accept-Encoding: gzip\r\nUser-Agent: starledger-bench\r\n\r\n",
            self.host, self.cookie
        );
        self.send(&request).await
    }

    /// Sends one whole request; the answer's status, and whether the
    /// connection stays open.
    pub(super) async fn send(&mut self, request: &str) -> std::io::Result<(u16, bool)> {
        self.stream.get_mut().write_all(request.as_bytes()).await?;
        let mut line = String::new();
        if self.stream.read_line(&mut line).await? == 0 {
            return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "closed before answering"));
        }
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("not an HTTP status line: {line:?}")))?;
        let (mut length, mut chunked, mut keep_alive) = (None, false, true);
        loop {
            line.clear();
            if self.stream.read_line(&mut line).await? == 0 {
                return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "closed in the headers"));
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            let Some((name, value)) = header.split_once(':') else { continue };
            let (name, value) = (name.trim().to_ascii_lowercase(), value.trim().to_ascii_lowercase());
            match name.as_str() {
                "content-length" => length = value.parse::<u64>().ok(),
                "transfer-encoding" => chunked = value.contains("chunked"),
                "connection" => keep_alive = !value.contains("close"),
                _ => {}
            }
        }
        if chunked {
            loop {
                line.clear();
                self.stream.read_line(&mut line).await?;
                let size = u64::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16)
                    .map_err(|_| std::io::Error::other(format!("bad chunk size {line:?}")))?;
                if size == 0 {
                    // Trailers, if any, end with an empty line.
                    loop {
                        line.clear();
                        if self.stream.read_line(&mut line).await? == 0 || line.trim_end().is_empty() {
                            break;
                        }
                    }
                    break;
                }
                self.skip(size + 2).await?;
            }
        } else if let Some(length) = length {
            self.skip(length).await?;
        } else if status != 204 && status != 304 && !(100..200).contains(&status) {
            // No length: the body runs to the end of the connection.
            let mut sink = Vec::new();
            self.stream.read_to_end(&mut sink).await?;
            keep_alive = false;
        }
        Ok((status, keep_alive))
    }

    async fn skip(&mut self, bytes: u64) -> std::io::Result<()> {
        let copied = tokio::io::copy(&mut (&mut self.stream).take(bytes), &mut tokio::io::sink()).await?;
        if copied < bytes {
            return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "closed in the body"));
        }
        Ok(())
    }
}
