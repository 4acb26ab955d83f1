//! `starledger bench writes`: writes through the web path (the
//! application served in-process on 127.0.0.1) by N clients, against
//! one-row write transactions through the same store and the same number
//! of clients, in the same run on the same database. Two kinds:
//!
//! - **household ratings** (`--what ratings`, `POST /r/TOKEN`): a
//!   household's rating is one per household per window, so each client
//!   takes the next household not yet rated in the window containing today
//!   (the clock: `STARLEDGER_NOW`), until the duration ends or the
//!   households run out. The bench binds each household's link to a device
//!   first (a binding row, as the phone's last four digits would make it),
//!   then posts the rating form with the cookies a phone would send.
//! - **meeting closes** (`--what meetings`, `POST /meetings/ID/close`): the
//!   bench schedules theme-day meetings (主题党日) of every branch, started
//!   just before today, and a session of the committee account the reads
//!   bench reads as; each client closes the next meeting with `unmarked =
//!   absent` and `confirm = yes`, so every invited member but the closer
//!   and their relatives gets one attendance entry (absence has no cap, so
//!   every close writes a whole branch: the most a close writes).
//!
//! The entries it writes are real ledger entries: the command asks for
//! `--on-a-copy`, and BENCHMARKS.md runs it on a fresh demo.
//!
//! The baseline: each client writes one row in its own write transaction
//! (the store's, holding the same lock a write holds) into a scratch table
//! that is dropped at the end. The ratio says how much of a bare write the
//! rule checks, ledger chain, projection, audit and page cost.

use super::reads::{Client, SESSION_COOKIE, bench_app};
use super::{driven_community, p50_p99_ms, reproduce, within};
use crate::args::{BenchWritesArgs, WriteKind};
use crate::commands::Context;
use crate::failure::{Failure, Outcome};
use starledger_app::household_links::secret_hash;
use starledger_app::secrets::{random_token, sha256_hex};
use starledger_domain::org::Role;
use starledger_store::{BaselineQueries, Community, NewMeeting, OrgQueries, RatingQueries, Store};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Meetings scheduled per second of `--duration-secs`: more than 16
/// clients close on this machine, so the run ends by the clock.
const MEETINGS_PER_SECOND: u64 = 400;

/// One side of the comparison.
struct Measured {
    what: &'static str,
    written: usize,
    refused: usize,
    server_errors: usize,
    seconds: f64,
    p50_ms: f64,
    p99_ms: f64,
}

impl Measured {
    fn per_second(&self) -> f64 {
        self.written as f64 / self.seconds.max(1e-9)
    }
}

/// The requests the clients send, one per write, each whole (headers,
/// cookies and form), and the status that means it was written.
struct Work {
    what: &'static str,
    /// What each request writes, for the header line ("household links").
    items: &'static str,
    requests: Vec<String>,
    written: u16,
    /// The session the bench made, deleted at the end.
    session: Option<String>,
}

pub async fn run(context: &Context, args: BenchWritesArgs) -> Outcome {
    if !args.on_a_copy {
        return Err(Failure::bad_input(
            "bench writes records real ledger entries in this database: run it on a copy \
             (`starledger --db copy.db demo --no-serve`, or `store copy`) and say so with --on-a-copy",
        ));
    }
    within("--clients", u64::from(args.clients), 1024)?;
    within("--duration-secs", args.duration_secs, 3600)?;
    let store = context.open().await?;
    let mut reader = store.read().await?;
    let community = driven_community(context, &mut reader).await?;
    let entries_before = reader.census().await?.entries;
    drop(reader);

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| Failure::failed(format!("cannot listen on 127.0.0.1: {e}")))?;
    let address = listener.local_addr().map_err(|e| Failure::failed(format!("no local address: {e}")))?;
    let work = match args.what {
        WriteKind::Ratings => household_ratings(&store, &community, address).await?,
        WriteKind::Meetings => meeting_closes(&store, &community, address, args.duration_secs).await?,
    };
    let app = bench_app(&store, address);
    let server =
        tokio::spawn(
            async move { axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await },
        );
    let items = work.requests.len();
    let driven = drive(address, Arc::new(work.requests), work.written, work.what, &args).await;
    server.abort();
    if let Some(session) = &work.session {
        let mut tx = store.write().await?;
        tx.delete_session(session).await?;
        tx.commit().await?;
    }
    let driven = driven?;
    let entries = store.read().await?.census().await?.entries - entries_before;
    let baseline = drive_baseline(&store, &args).await?;

    println!(
        "bench writes: {} ({items} {}), {} clients × up to {} s, server in-process on {address}",
        community.name, work.items, args.clients, args.duration_secs
    );
    if driven.written == 0 {
        return Err(Failure::refused(format!(
            "nothing could be written: {} answers refused (every household had rated in this window, \
             or no year is open today; set STARLEDGER_NOW to a day in an open year's window)",
            driven.refused
        )));
    }
    println!(
        "  {:<34} {:>8} {:>8} {:>5} {:>10} {:>9} {:>9} {:>12}",
        "what", "written", "refused", "5xx", "writes/s", "p50 ms", "p99 ms", "vs baseline"
    );
    let base = baseline.per_second();
    for m in [&baseline, &driven] {
        println!(
            "  {:<34} {:>8} {:>8} {:>5} {:>10.1} {:>9.2} {:>9.2} {:>12.4}",
            m.what,
            m.written,
            m.refused,
            m.server_errors,
            m.per_second(),
            m.p50_ms,
            m.p99_ms,
            m.per_second() / base
        );
    }
    println!(
        "  ledger entries written: {entries} ({:.1} per write, {:.1} entries/s)",
        entries as f64 / driven.written as f64,
        entries as f64 / driven.seconds.max(1e-9)
    );
    for (m, entries) in [(&baseline, 0), (&driven, entries)] {
        println!(
            "result: what={} written={} writes_per_s={:.1} p50_ms={:.3} p99_ms={:.3} refused={} server_errors={} ratio={:.4} ledger_entries={entries}",
            m.what.split_whitespace().next().unwrap_or(m.what),
            m.written,
            m.per_second(),
            m.p50_ms,
            m.p99_ms,
            m.refused,
            m.server_errors,
            m.per_second() / base
        );
    }
    let community_option =
        if context.community.is_some() { format!("--community {} ", community.name) } else { String::new() };
    let what = match args.what {
        WriteKind::Ratings => "",
        WriteKind::Meetings => "--what meetings ",
    };
    println!(
        "reproduce: {}",
        reproduce(
            context,
            &format!(
                "{community_option}bench writes --on-a-copy {what}--clients {} --duration-secs {}",
                args.clients, args.duration_secs
            )
        )
    );
    Ok(())
}

/// Every live household link of the community, bound to a phone, and the
/// rating form that phone posts.
async fn household_ratings(store: &Store, community: &Community, address: SocketAddr) -> Result<Work, Failure> {
    let mut reader = store.read().await?;
    let mut tokens: Vec<String> = reader.live_tokens(community.id).await?.into_values().collect();
    tokens.sort();
    drop(reader);
    if tokens.is_empty() {
        return Err(Failure::refused(format!("{} has no live household links to rate through", community.name)));
    }
    // Each household's phone, bound as the last four digits would bind it.
    let now = starledger_app::clock::now();
    let mut tx = store.write_in(community.id).await?;
    let mut requests = Vec::with_capacity(tokens.len());
    for token in tokens {
        let binding = random_token();
        tx.bind_device(&token, &secret_hash(&binding), "digits", None, now).await?;
        let (device, form) = (random_token(), random_token());
        requests.push(form_post(
            address,
            &format!("/r/{token}"),
            &format!("sl_form={form}; sl_bind={binding}; sl_device={device}"),
            &format!("csrf={form}&level=satisfied&comment="),
        ));
    }
    tx.commit().await?;
    Ok(Work {
        what: "household ratings (POST /r/TOKEN)",
        items: "household links",
        requests,
        written: 200,
        session: None,
    })
}

/// Theme-day meetings of every branch, started a minute or more before
/// today's clock, and the close form the committee posts for each.
async fn meeting_closes(
    store: &Store,
    community: &Community,
    address: SocketAddr,
    duration_secs: u64,
) -> Result<Work, Failure> {
    let mut reader = store.read().await?;
    let branches = reader.branches(community.id).await?;
    let account = reader
        .accounts(community.id)
        .await?
        .into_iter()
        .filter(|a| a.role == Role::Committee && a.member_id.is_some())
        .min_by_key(|a| a.id)
        .ok_or_else(|| {
            Failure::refused(format!("{} has no committee member's account to close with", community.name))
        })?;
    drop(reader);
    if branches.is_empty() {
        return Err(Failure::refused(format!("{} has no branch to hold meetings in", community.name)));
    }
    let now = starledger_app::clock::now();
    let (cookie, csrf) = (random_token(), random_token());
    let session = sha256_hex(&cookie);
    let count = (duration_secs * MEETINGS_PER_SECOND) as i64;
    let mut tx = store.write_in(community.id).await?;
    tx.create_session(&session, account.id, &csrf, now, now + 6 * 3600, "127.0.0.1").await?;
    let mut requests = Vec::with_capacity(count as usize);
    for n in 0..count {
        let (branch, _) = &branches[n as usize % branches.len()];
        let id = tx
            .add_meeting(&NewMeeting {
                community_id: community.id,
                branch_id: *branch,
                party_group_id: None,
                rule_key: "meeting.theme_day".to_string(),
                title: format!("主题党日（测速 {n}）"),
                place: "党群服务中心".to_string(),
                starts_at: now - 60 - n,
                checkin_token: random_token(),
                created_by: account.id,
                created_at: now,
            })
            .await?;
        requests.push(form_post(
            address,
            &format!("/meetings/{id}/close"),
            &format!("{SESSION_COOKIE}={cookie}"),
            &format!("csrf={csrf}&unmarked=absent&confirm=yes"),
        ));
    }
    tx.commit().await?;
    Ok(Work {
        what: "meeting closes (POST /meetings/ID/close)",
        items: "meetings",
        requests,
        written: 303,
        session: Some(session),
    })
}

/// A whole form post as a phone's browser sends it: same-origin, with its
/// cookies, asking for a page.
fn form_post(address: SocketAddr, path: &str, cookies: &str, body: &str) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nOrigin: http://{address}\r\nCookie: {cookies}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {length}\r\n\
         Accept: text/html\r\nUser-Agent: starledger-bench\r\n\r\n{body}",
        length = body.len(),
    )
}

/// Latencies in microseconds, and what the clients counted.
#[derive(Default)]
struct Tally {
    latencies_us: Vec<u32>,
    written: usize,
    refused: usize,
    server_errors: usize,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.latencies_us.extend(other.latencies_us);
        self.written += other.written;
        self.refused += other.refused;
        self.server_errors += other.server_errors;
    }

    fn measured(self, what: &'static str, seconds: f64) -> Measured {
        let (p50, p99) = p50_p99_ms(self.latencies_us);
        Measured {
            what,
            written: self.written,
            refused: self.refused,
            server_errors: self.server_errors,
            seconds,
            p50_ms: p50,
            p99_ms: p99,
        }
    }
}

fn micros(since: Instant) -> u32 {
    since.elapsed().as_micros().min(u128::from(u32::MAX)) as u32
}

/// Sends each request once, N clients at a time, until the duration ends or
/// the requests run out.
async fn drive(
    address: SocketAddr,
    requests: Arc<Vec<String>>,
    written: u16,
    what: &'static str,
    args: &BenchWritesArgs,
) -> Result<Measured, Failure> {
    let next = Arc::new(AtomicUsize::new(0));
    let deadline = Instant::now() + Duration::from_secs(args.duration_secs);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..args.clients {
        let (requests, next) = (requests.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut tally = Tally::default();
            let mut client: Option<Client> = None;
            while Instant::now() < deadline {
                let turn = next.fetch_add(1, Ordering::Relaxed);
                let Some(request) = requests.get(turn) else { break };
                let connection = match client.as_mut() {
                    Some(connection) => connection,
                    None => match Client::connect(address, "").await {
                        Ok(connection) => client.insert(connection),
                        Err(_) => {
                            tally.server_errors += 1;
                            continue;
                        }
                    },
                };
                let sent = Instant::now();
                match connection.send(request).await {
                    Ok((status, keep_alive)) => {
                        tally.latencies_us.push(micros(sent));
                        match status {
                            status if status == written => tally.written += 1,
                            500.. => tally.server_errors += 1,
                            _ => tally.refused += 1,
                        }
                        if !keep_alive {
                            client = None;
                        }
                    }
                    Err(_) => {
                        tally.server_errors += 1;
                        client = None;
                    }
                }
            }
            tally
        }));
    }
    let mut total = Tally::default();
    for task in tasks {
        total.add(task.await.map_err(|e| Failure::failed(format!("a client task failed: {e}")))?);
    }
    Ok(total.measured(what, started.elapsed().as_secs_f64()))
}

async fn drive_baseline(store: &Store, args: &BenchWritesArgs) -> Result<Measured, Failure> {
    let mut tx = store.write().await?;
    tx.create_scratch().await?;
    tx.commit().await?;
    let deadline = Instant::now() + Duration::from_secs(args.duration_secs);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for client in 0..args.clients {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut tally = Tally::default();
            let mut n = i64::from(client) << 32;
            while Instant::now() < deadline {
                let sent = Instant::now();
                let wrote = async {
                    let mut tx = store.write().await?;
                    tx.insert_scratch(n).await?;
                    tx.commit().await
                };
                match wrote.await {
                    Ok(()) => {
                        tally.latencies_us.push(micros(sent));
                        tally.written += 1;
                    }
                    Err(_) => tally.server_errors += 1,
                }
                n += 1;
            }
            tally
        }));
    }
    let mut total = Tally::default();
    for task in tasks {
        total.add(task.await.map_err(|e| Failure::failed(format!("a baseline task failed: {e}")))?);
    }
    let seconds = started.elapsed().as_secs_f64();
    let mut tx = store.write().await?;
    tx.drop_scratch().await?;
    tx.commit().await?;
    Ok(total.measured("baseline (one-row transactions)", seconds))
}
