//! The two backends side by side: the same schema, a whole installation
//! copied from one to the other and back without loss, and several writers
//! (as several servers would be) on one PostgreSQL database, in one
//! community and in several at once.

mod support;

use jiff::civil::date;
use starledger_domain::ledger::{Actor, EntryDraft};
use starledger_domain::org::{AccountId, BranchId, CommunityId, MemberId, Role};
use starledger_domain::org::{PersonName, Year};
use starledger_domain::points::Points;
use starledger_domain::rating::rate;
use starledger_domain::rulebook::{DEFAULT_RULEBOOK, Rulebook};
use starledger_store::{
    Appended, ClaimQueries, LedgerQueries, NOT_COPIED, NewAccount, NewMember, OrgQueries, Store, TABLES, schema,
};
use support::Backing;

fn draft(community: CommunityId, member: MemberId, n: i64, key: &str) -> EntryDraft {
    EntryDraft {
        community_id: community,
        year: 2025,
        member_id: member,
        category: "volunteer".into(),
        rule_key: "volunteer.cleanup".into(),
        rulebook_version: "2026.1".into(),
        points: Points::from_tenths(20),
        reason: format!("环境整治 {n}"),
        source_kind: "activity".into(),
        source_ref: format!("activity:{n}"),
        recorded_by: Actor::Account(AccountId::new(1)),
        recorded_at: 1_740_000_000 + n,
        occurred_on: date(2025, 5, 1),
        idempotency_key: key.into(),
        reverses: None,
    }
}

/// A community with `members` members and an open 2025.
async fn community(store: &Store, members: usize) -> (CommunityId, Vec<MemberId>) {
    named_community(store, "十里社区", members).await
}

async fn named_community(store: &Store, name: &str, members: usize) -> (CommunityId, Vec<MemberId>) {
    let mut tx = store.write().await.unwrap();
    let community = tx.create_community(name).await.unwrap();
    let branch = tx.add_branch(community, "第一党支部").await.unwrap();
    let mut ids = Vec::new();
    for n in 0..members {
        let member = NewMember {
            community_id: community,
            branch_id: branch,
            party_group_id: None,
            name: PersonName::parse(&format!("党员{n}")).unwrap(),
            phone: None,
            probationary: n % 7 == 3,
            post: None,
            linking_exempt_reason: None,
            joined_on: Some(date(2010, 1, 1)),
            left_on: None,
            note: None,
        };
        ids.push(tx.add_member(&member).await.unwrap());
    }
    let rulebook = Rulebook::default_rulebook();
    tx.open_period(community, Year::new(2025).unwrap(), DEFAULT_RULEBOOK, &rulebook, "test").await.unwrap();
    tx.commit().await.unwrap();
    (community, ids)
}

#[tokio::test]
async fn both_schemas_have_the_same_tables_and_columns() {
    let Some(postgres) = Backing::postgres("both_schemas_have_the_same_tables_and_columns").await else { return };
    let sqlite = Backing::sqlite();
    let (a, b) = (sqlite.create().await, postgres.create().await);
    let (left, right) = (schema(&a).await.unwrap(), schema(&b).await.unwrap());
    assert_eq!(left, right, "the SQLite and PostgreSQL migrations describe the same schema");
    let mut listed: Vec<String> = TABLES.iter().chain(NOT_COPIED).map(|t| t.to_string()).collect();
    listed.sort();
    let tables: Vec<String> = left.iter().map(|(t, _)| t.clone()).collect();
    assert_eq!(tables, listed, "store copy lists every table");
}

async fn standings(store: &Store, community: CommunityId) -> Vec<(MemberId, Points, u8)> {
    let mut reader = store.read().await.unwrap();
    let members = reader.members(community).await.unwrap();
    let period = reader.period(community, Year::new(2025).unwrap()).await.unwrap().unwrap();
    let scored = reader.year_scored(community, period.year).await.unwrap();
    rate(period.year, &period.rulebook, &members, &scored)
        .members
        .iter()
        .map(|m| (m.member_id, m.total, m.stars))
        .collect()
}

/// SQLite → PostgreSQL → SQLite: every row arrives, the chain verifies at
/// each end, and the standings are the same.
#[tokio::test]
async fn a_copy_round_trip_loses_nothing() {
    let Some(postgres) = Backing::postgres("a_copy_round_trip_loses_nothing").await else { return };
    let (first, last) = (Backing::sqlite(), Backing::sqlite());
    let source = first.create().await;
    let (community, members) = community(&source, 30).await;
    let mut tx = source.write().await.unwrap();
    for n in 0..600 {
        let member = members[(n * 7 % members.len() as i64) as usize];
        tx.append_entry(draft(community, member, n, &format!("k{n}"))).await.unwrap();
    }
    // A photo: bytes that are not text survive the trip too.
    let account = NewAccount {
        community_id: community,
        login: "secretary".into(),
        name: "梁雍宏".into(),
        role: Role::Committee,
        member_id: None,
        branch_id: None,
    };
    let account = tx.add_account(&account).await.unwrap();
    let photo: Vec<u8> = (0..=255u8).chain([0, 0xFF, 0xD8]).collect();
    tx.add_upload(community, "image/jpeg", &photo, "sha", account, 1).await.unwrap();
    tx.commit().await.unwrap();

    let middle = postgres.create().await;
    let report = source.copy_into(&middle).await.unwrap();
    assert!(report.tables.contains(&("ledger_entries", 600)), "{report:?}");
    let end = last.create().await;
    let back = middle.copy_into(&end).await.unwrap();
    // The same rows both ways; the audit log also holds the first copy's own row.
    let without_audit = |r: &starledger_store::CopyReport| {
        r.tables.iter().filter(|(t, _)| *t != "audit_log").copied().collect::<Vec<_>>()
    };
    assert_eq!(without_audit(&report), without_audit(&back));
    let audit = |r: &starledger_store::CopyReport| r.tables.iter().find(|(t, _)| *t == "audit_log").unwrap().1;
    assert_eq!(audit(&back), audit(&report) + 1, "the copy is itself audited");

    for store in [&source, &middle, &end] {
        let verified = store.read().await.unwrap().verify(community).await.unwrap();
        assert!(verified.is_intact(), "{verified:?}");
        assert_eq!(verified.entries_checked, 600);
    }
    let expected = standings(&source, community).await;
    assert_eq!(standings(&middle, community).await, expected);
    assert_eq!(standings(&end, community).await, expected);

    let photo_back = end.read().await.unwrap().upload(community, 1).await.unwrap();
    assert_eq!(photo_back.bytes, photo);

    // New rows continue after the copied ids on PostgreSQL.
    let mut tx = middle.write().await.unwrap();
    let branch = tx.add_branch(community, "第二党支部").await.unwrap();
    assert_eq!(branch, BranchId::new(2));
    match tx.append_entry(draft(community, members[0], 600, "after-copy")).await.unwrap() {
        Appended::New(entry) => assert_eq!(entry.id, 601),
        Appended::Duplicate(_) => panic!("a new key"),
    }
    tx.commit().await.unwrap();
    assert!(middle.read().await.unwrap().verify(community).await.unwrap().is_intact());
}

/// Two servers on one PostgreSQL database, each with several writers at
/// once: the chain stays whole, and an event confirmed by both (the same
/// idempotency key) is written once.
#[tokio::test]
async fn concurrent_writers_on_postgres_keep_one_chain() {
    let Some(postgres) = Backing::postgres("concurrent_writers_on_postgres_keep_one_chain").await else { return };
    let first = postgres.create().await;
    let (community, members) = community(&first, 10).await;
    let second = postgres.open().await;
    let mut tasks = Vec::new();
    for writer in 0..8i64 {
        let store = if writer % 2 == 0 { first.clone() } else { second.clone() };
        let members = members.clone();
        tasks.push(tokio::spawn(async move {
            let mut new = 0;
            for n in 0..25i64 {
                // Every writer confirms the same shared events too.
                let key = if n % 5 == 0 { format!("shared-{n}") } else { format!("w{writer}-{n}") };
                let member = members[(n % members.len() as i64) as usize];
                let mut tx = store.write().await.unwrap();
                let drafted = draft(community, member, n, &key);
                if let Appended::New(_) = tx.append_entry(drafted).await.unwrap() {
                    new += 1;
                }
                tx.commit().await.unwrap();
            }
            new
        }));
    }
    let mut written = 0;
    for task in tasks {
        written += task.await.unwrap();
    }
    // 8 writers × 20 own events, plus 5 shared events once each.
    assert_eq!(written, 8 * 20 + 5);
    let report = first.read().await.unwrap().verify(community).await.unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.entries_checked, 165);
}

/// A city's database: writers of three communities at once, through two
/// stores, each writer locking only its community. Every community keeps
/// one whole chain whose ids rise, though the ids interleave between them.
#[tokio::test]
async fn communities_write_in_parallel_and_keep_their_own_chains() {
    let Some(postgres) = Backing::postgres("communities_write_in_parallel").await else { return };
    let first = postgres.create().await;
    let mut communities = Vec::new();
    for name in ["十里社区", "五里社区", "杨庄村"] {
        communities.push(named_community(&first, name, 6).await);
    }
    let second = postgres.open().await;
    let mut tasks = Vec::new();
    for writer in 0..6usize {
        let store = if writer % 2 == 0 { first.clone() } else { second.clone() };
        let (community, members) = communities[writer % 3].clone();
        tasks.push(tokio::spawn(async move {
            for n in 0..20i64 {
                // Half take the lock up front; half let the append take it.
                let mut tx = if n % 2 == 0 {
                    store.write_in(community).await.unwrap()
                } else {
                    store.write_shared().await.unwrap()
                };
                let member = members[n as usize % members.len()];
                let key = format!("w{writer}-{n}");
                assert!(matches!(tx.append_entry(draft(community, member, n, &key)).await.unwrap(), Appended::New(_)));
                tx.commit().await.unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    for (community, _) in &communities {
        let report = first.read().await.unwrap().verify(*community).await.unwrap();
        assert!(report.is_intact(), "community {community}: {report:?}");
        assert_eq!(report.entries_checked, 40, "two writers × 20 entries in community {community}");
    }
}

/// One community's open write does not hold up another community's, while
/// a write that may touch everything waits for both.
#[tokio::test]
async fn a_community_lock_leaves_other_communities_free() {
    let Some(postgres) = Backing::postgres("a_community_lock_leaves_others_free").await else { return };
    let store = postgres.create().await;
    let (east, east_members) = named_community(&store, "十里社区", 2).await;
    let (west, west_members) = named_community(&store, "五里社区", 2).await;

    let mut holding = store.write_in(east).await.unwrap();
    holding.append_entry(draft(east, east_members[0], 1, "east-1")).await.unwrap();

    // Another community commits while the first is still open. (A guard
    // against a hang, not a speed limit: under one database-wide lock this
    // would wait for `holding` forever.)
    let other = async {
        let mut tx = store.write_in(west).await.unwrap();
        tx.append_entry(draft(west, west_members[0], 1, "west-1")).await.unwrap();
        tx.commit().await.unwrap();
    };
    tokio::time::timeout(std::time::Duration::from_secs(60), other)
        .await
        .expect("a second community's write does not wait for the first's");

    // A database-wide write waits until the open one ends.
    let everything = store.clone();
    let acquired = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = acquired.clone();
    let waiting = tokio::spawn(async move {
        let tx = everything.write().await.unwrap();
        flag.store(true, std::sync::atomic::Ordering::SeqCst);
        tx.commit().await.unwrap();
    });
    // Wait until PostgreSQL reports a session blocked on an advisory lock.
    // Bounded: a lock that never blocks is a failure, not a hung suite.
    let mut watcher = postgres.raw().await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        assert!(std::time::Instant::now() < deadline, "no session blocked on the advisory lock within 30 s");
        let blocked: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted \
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        )
        .fetch_one(&mut watcher)
        .await
        .unwrap();
        if blocked > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(!acquired.load(std::sync::atomic::Ordering::SeqCst), "the database-wide write waits");
    holding.commit().await.unwrap();
    waiting.await.unwrap();
    assert!(acquired.load(std::sync::atomic::Ordering::SeqCst));
    for community in [east, west] {
        assert!(store.read().await.unwrap().verify(community).await.unwrap().is_intact());
    }
}
