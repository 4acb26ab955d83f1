//! What one write costs on each backend: one ledger entry per transaction
//! (the write lock, the chain's tail, the entry, its projection, the
//! commit), as the web application writes; SQLite is the baseline in the
//! same run. PostgreSQL is measured when `STARLEDGER_BENCH_POSTGRES` names
//! an empty database, e.g. `postgres://postgres@127.0.0.1/sl_bench`.
//!
//! A second group (PostgreSQL only) has 8 writers append at once, each in
//! its own community: under the database-wide lock (the baseline) and under
//! each community's own lock, in the same run.
//!
//! `cargo bench -p starledger-store --bench append`

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::civil::date;
use starledger_domain::ledger::{Actor, EntryDraft};
use starledger_domain::org::{AccountId, CommunityId, MemberId, PersonName, Year};
use starledger_domain::points::Points;
use starledger_domain::rulebook::{DEFAULT_RULEBOOK, Rulebook};
use starledger_store::{NewMember, OpenMode, Store, Target};
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

static KEY: AtomicI64 = AtomicI64::new(0);

async fn prepared(target: &Target) -> (Store, CommunityId, MemberId) {
    let store = Store::connect(target, OpenMode::CreateNew, Duration::from_secs(5)).await.expect("a new database");
    let (community, member) = add_community(&store, "十里社区").await;
    (store, community, member)
}

/// A community with one member and an open 2025.
async fn add_community(store: &Store, name: &str) -> (CommunityId, MemberId) {
    let mut tx = store.write().await.unwrap();
    let community = tx.create_community(name).await.unwrap();
    let branch = tx.add_branch(community, "第一党支部").await.unwrap();
    let member = tx
        .add_member(&NewMember {
            community_id: community,
            branch_id: branch,
            party_group_id: None,
            name: PersonName::parse("梁小改").unwrap(),
            phone: None,
            probationary: false,
            post: None,
            linking_exempt_reason: None,
            joined_on: None,
            left_on: None,
            note: None,
        })
        .await
        .unwrap();
    let rulebook = Rulebook::default_rulebook();
    tx.open_period(community, Year::new(2025).unwrap(), DEFAULT_RULEBOOK, &rulebook, "bench").await.unwrap();
    tx.commit().await.unwrap();
    (community, member)
}

#[derive(Clone, Copy)]
enum Lock {
    DatabaseWide,
    Community,
}

async fn append_one(store: &Store, community: CommunityId, member: MemberId) {
    append_under(store, community, member, Lock::DatabaseWide).await
}

async fn append_under(store: &Store, community: CommunityId, member: MemberId, lock: Lock) {
    let n = KEY.fetch_add(1, Ordering::Relaxed);
    let mut tx = match lock {
        Lock::DatabaseWide => store.write().await.unwrap(),
        Lock::Community => store.write_in(community).await.unwrap(),
    };
    tx.append_entry(EntryDraft {
        community_id: community,
        year: 2025,
        member_id: member,
        category: "volunteer".into(),
        rule_key: "volunteer.cleanup".into(),
        rulebook_version: "2026.1".into(),
        points: Points::from_tenths(20),
        reason: "环境整治".into(),
        source_kind: "activity".into(),
        source_ref: format!("activity:{n}"),
        recorded_by: Actor::Account(AccountId::new(1)),
        recorded_at: 1_740_000_000 + n,
        occurred_on: date(2025, 5, 1),
        idempotency_key: format!("bench:{n}"),
        reverses: None,
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

fn append(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut targets = vec![("sqlite", Target::Sqlite(dir.path().join("bench.db")))];
    if let Ok(url) = std::env::var("STARLEDGER_BENCH_POSTGRES") {
        targets.push(("postgres", Target::Postgres(url)));
    } else {
        eprintln!("postgres not measured: set STARLEDGER_BENCH_POSTGRES to an empty database's URL");
    }
    let mut group = c.benchmark_group("one entry per transaction");
    for (name, target) in &targets {
        let (store, community, member) = runtime.block_on(prepared(target));
        group.bench_function(*name, |b| b.to_async(&runtime).iter(|| append_one(&store, community, member)));
    }
    group.finish();

    let Some((_, postgres)) = targets.iter().find(|(name, _)| *name == "postgres") else { return };
    let store = runtime.block_on(async {
        // The first group's database already holds 十里社区: add eight more.
        let store = Store::connect(postgres, OpenMode::Existing, Duration::from_secs(30)).await.unwrap();
        let mut communities = Vec::new();
        for n in 0..8 {
            communities.push(add_community(&store, &format!("并发社区{n}")).await);
        }
        (store, communities)
    });
    let (store, communities) = &store;
    let mut group = c.benchmark_group("8 writers in 8 communities at once (postgres)");
    for (name, lock) in [("database-wide lock", Lock::DatabaseWide), ("community lock", Lock::Community)] {
        group.bench_function(name, |b| {
            b.to_async(&runtime).iter(|| async {
                let writers = communities.iter().map(|&(community, member)| {
                    let store = store.clone();
                    tokio::spawn(async move { append_under(&store, community, member, lock).await })
                });
                for writer in writers.collect::<Vec<_>>() {
                    writer.await.unwrap();
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, append);
criterion_main!(benches);
