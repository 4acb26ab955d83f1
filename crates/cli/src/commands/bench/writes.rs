//! `starledger bench writes`: household ratings written through the web
//! path (`POST /r/TOKEN`, the application served in-process on 127.0.0.1)
//! by N clients, against one-row write transactions through the same store
//! and the same number of clients, in the same run on the same database.
//!
//! What it writes: a household's rating is one per household per window,
//! so each client takes the next household not yet rated in the window
//! containing today (the clock: `STARLEDGER_NOW`), until the duration ends
//! or the households run out. The bench binds each household's link to a
//! device first (a binding row, as the phone's last four digits would
//! make it), then posts the rating form with the cookies a phone would
//! send. The ratings it writes are real ledger entries: the command asks
//! for `--on-a-copy`, and BENCHMARKS.md runs it on a fresh demo.
//!
//! The baseline: each client writes one row in its own write transaction
//! (the store's, holding the same lock a rating holds) into a scratch table
//! that is dropped at the end. The ratio says how much of a bare write the
//! rating's rule checks, ledger chain, projection, audit and page cost.

use super::reads::{Client, bench_app};
use super::{driven_community, p50_p99_ms, reproduce, within};
use crate::args::BenchWritesArgs;
use crate::commands::Context;
use crate::failure::{Failure, Outcome};
use starledger_app::household_links::secret_hash;
use starledger_store::{BaselineQueries, RatingQueries, Store};
use starledger_web::security::random_token;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

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

/// A household ready to rate: its link and the cookies of its bound phone.
struct Household {
    token: String,
    binding: String,
    device: String,
    form: String,
}

pub async fn run(context: &Context, args: BenchWritesArgs) -> Outcome {
    if !args.on_a_copy {
        return Err(Failure::bad_input(
            "bench writes records real household ratings in this database: run it on a copy \
             (`starledger --db copy.db demo --no-serve`, or `store copy`) and say so with --on-a-copy",
        ));
    }
    within("--clients", u64::from(args.clients), 1024)?;
    within("--duration-secs", args.duration_secs, 3600)?;
    let store = context.open().await?;
    let mut reader = store.read().await?;
    let community = driven_community(context, &mut reader).await?;
    let mut tokens: Vec<String> = reader.live_tokens(community.id).await?.into_values().collect();
    tokens.sort();
    drop(reader);
    if tokens.is_empty() {
        return Err(Failure::refused(format!("{} has no live household links to rate through", community.name)));
    }

    // Each household's phone, bound as the last four digits would bind it.
    let now = starledger_app::clock::now();
    let mut tx = store.write_in(community.id).await?;
    let mut households = Vec::with_capacity(tokens.len());
    for token in tokens {
        let binding = random_token();
        tx.bind_device(&token, &secret_hash(&binding), "digits", None, now).await?;
        households.push(Household { token, binding, device: random_token(), form: random_token() });
    }
    tx.commit().await?;
    let households = Arc::new(households);

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| Failure::failed(format!("cannot listen on 127.0.0.1: {e}")))?;
    let address = listener.local_addr().map_err(|e| Failure::failed(format!("no local address: {e}")))?;
    let app = bench_app(&store, address);
    let server =
        tokio::spawn(
            async move { axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await },
        );
    let ratings = drive_ratings(address, households.clone(), &args).await;
    server.abort();
    let ratings = ratings?;
    let baseline = drive_baseline(&store, &args).await?;

    println!(
        "bench writes: {} ({} household links), {} clients × up to {} s, server in-process on {address}",
        community.name,
        households.len(),
        args.clients,
        args.duration_secs
    );
    if ratings.written == 0 {
        return Err(Failure::refused(format!(
            "no rating could be written: {} answers refused (every household had rated in this window, \
             or no year is open today; set STARLEDGER_NOW to a day in an open year's window)",
            ratings.refused
        )));
    }
    println!(
        "  {:<34} {:>8} {:>8} {:>5} {:>10} {:>9} {:>9} {:>12}",
        "what", "written", "refused", "5xx", "writes/s", "p50 ms", "p99 ms", "vs baseline"
    );
    let base = baseline.per_second();
    for m in [&baseline, &ratings] {
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
    for m in [&baseline, &ratings] {
        println!(
            "result: what={} written={} writes_per_s={:.1} p50_ms={:.3} p99_ms={:.3} refused={} server_errors={} ratio={:.4}",
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
    println!(
        "reproduce: {}",
        reproduce(
            context,
            &format!(
                "{community_option}bench writes --on-a-copy --clients {} --duration-secs {}",
                args.clients, args.duration_secs
            )
        )
    );
    Ok(())
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

async fn drive_ratings(
    address: SocketAddr,
    households: Arc<Vec<Household>>,
    args: &BenchWritesArgs,
) -> Result<Measured, Failure> {
    let next = Arc::new(AtomicUsize::new(0));
    let deadline = Instant::now() + Duration::from_secs(args.duration_secs);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..args.clients {
        let (households, next) = (households.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut tally = Tally::default();
            let mut client: Option<Client> = None;
            while Instant::now() < deadline {
                let turn = next.fetch_add(1, Ordering::Relaxed);
                let Some(household) = households.get(turn) else { break };
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
                match rate(connection, household).await {
                    Ok((status, keep_alive)) => {
                        tally.latencies_us.push(micros(sent));
                        match status {
                            200 => tally.written += 1,
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
    Ok(total.measured("household ratings (POST /r/TOKEN)", started.elapsed().as_secs_f64()))
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

/// Posts the household's rating as its bound phone would.
async fn rate(client: &mut Client, household: &Household) -> std::io::Result<(u16, bool)> {
    let body = format!("csrf={}&level=satisfied&comment=", household.form);
    let request = format!(
        "POST /r/{token} HTTP/1.1\r\nHost: {host}\r\nOrigin: http://{host}\r\n\
         Cookie: sl_form={form}; sl_bind={binding}; sl_device={device}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {length}\r\n\
         Accept: text/html\r\nUser-Agent: starledger-bench\r\n\r\n{body}",
        token = household.token,
        host = client.host(),
        form = household.form,
        binding = household.binding,
        device = household.device,
        length = body.len(),
    );
    client.send(&request).await
}
