//! The two backends side by side: the same schema, a whole installation
//! copied from one to the other and back without loss, and several writers
//! (as several servers would be) on one PostgreSQL database, in one
//! community and in several at once.

mod support;

use jiff::civil::date;
use starledger_domain::ledger::{Actor, EntryDraft};
use starledger_domain::org::{AccountId, BranchId, CommunityId, MemberId};
use starledger_domain::org::{PersonName, Year};
use starledger_domain::points::Points;
use starledger_domain::rating::rate;
use starledger_domain::rulebook::{DEFAULT_RULEBOOK, Rulebook};
use starledger_store::{
    AccessQueries, Appended, ClaimQueries, ColumnKind, LedgerQueries, NOT_COPIED, NewMember, OrgQueries, OutboxQueries,
    Queries, Store, TABLES, TEXT_TIMES, schema,
};
use support::{Backing, comparable, secretary};

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
    let (left, mut right) = (schema(&a).await.unwrap(), schema(&b).await.unwrap());
    // PostgreSQL's dates are SQLite's ISO text, its booleans SQLite's
    // integers, its times SQLite's seconds or RFC 3339 text: those, and only
    // those, differ.
    let (mut dates, mut flags, mut times, mut text_times) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (table, columns) in &mut right {
        for (column, kind) in columns.iter_mut() {
            let (list, kept_as) = match kind {
                ColumnKind::Date => (&mut dates, ColumnKind::Text),
                ColumnKind::Flag => (&mut flags, ColumnKind::Integer),
                ColumnKind::Time => (&mut times, ColumnKind::Integer),
                ColumnKind::Stamp => (&mut text_times, ColumnKind::Text),
                _ => continue,
            };
            list.push((table.as_str().to_owned(), column.clone()));
            *kind = kept_as;
        }
        columns.sort();
    }
    assert_eq!(left, right, "the SQLite and PostgreSQL migrations describe the same schema");
    let named =
        |list: Vec<(&str, &str)>| list.into_iter().map(|(t, c)| (t.to_owned(), c.to_owned())).collect::<Vec<_>>();
    assert_eq!(dates, named(DAYS.to_vec()), "every day is a PostgreSQL date");
    assert_eq!(flags, named(FLAGS.iter().map(|(t, c, _)| (*t, *c)).collect()), "every flag is a PostgreSQL boolean");
    assert_eq!(text_times, named(TEXT_TIMES.to_vec()), "the times SQLite keeps as text are those listed");
    // Every column named as a time (`…_at`, `…_until`, `…_expires`; days
    // aside) is a PostgreSQL time: a new one kept as a number would be
    // compared with numbers there.
    let mut all_times = [times, text_times].concat();
    all_times.sort();
    let named_as_times: Vec<(String, String)> = left
        .iter()
        .flat_map(|(table, columns)| columns.iter().map(move |(column, _)| (table.clone(), column.clone())))
        .filter(|(table, column)| {
            let timely = column == "at" || ["_at", "_until", "_expires"].iter().any(|end| column.ends_with(end));
            timely && !DAYS.contains(&(table.as_str(), column.as_str()))
        })
        .collect();
    assert_eq!(all_times, named_as_times, "every time is a PostgreSQL timestamptz");
    assert_eq!(all_times.len(), 72);
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
    let account = tx.add_account(&secretary(community)).await.unwrap();
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

/// The days PostgreSQL keeps as dates (migration 0024), as table and column.
const DAYS: &[(&str, &str)] = &[
    ("claims", "occurred_on"),
    ("final_roll", "joined_on"),
    ("final_roll", "left_on"),
    ("household_links", "linked_on"),
    ("integrity_records", "happened_on"),
    ("ledger_entries", "occurred_on"),
    ("members", "joined_on"),
    ("members", "left_on"),
    ("pseudonymized_members", "on_day"),
    ("rating_rounds", "notice_from"),
    ("rating_rounds", "notice_until"),
];

/// The flags PostgreSQL keeps as booleans (migration 0025), as table and
/// column, with the integer default each had before.
const FLAGS: &[(&str, &str, Option<i64>)] = &[
    ("accounts", "must_change_password", Some(1)),
    ("branch_year_stats", "final", None),
    ("community_year_stats", "final", None),
    ("final_roll", "probationary", None),
    ("integrity_votes", "approve", None),
    ("meeting_attendance", "ledgered", Some(0)),
    ("members", "probationary", Some(0)),
    ("robots", "enabled", Some(1)),
];

/// Every row of every table as text, a flag as 1 or 0 whichever its type:
/// for "nothing changed" checks across the migrations.
async fn every_row(conn: &mut sqlx::AnyConnection) -> Vec<(String, Vec<String>)> {
    let mut tables = Vec::new();
    for table in TABLES {
        let columns: Vec<(String, String)> = sqlx::query_as(
            "SELECT CAST(column_name AS TEXT), CAST(data_type AS TEXT) FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
        )
        .bind(table)
        .fetch_all(&mut *conn)
        .await
        .unwrap();
        let values: Vec<String> = columns.iter().map(|(name, kind)| comparable(table, name, kind)).collect();
        let sql = format!("SELECT CAST(ROW({}) AS TEXT) FROM {table} ORDER BY 1", values.join(", "));
        tables.push((table.to_string(), sqlx::query_scalar(&sql).fetch_all(&mut *conn).await.unwrap()));
    }
    tables
}

/// The PostgreSQL type of each day and each flag.
async fn native_types(conn: &mut sqlx::AnyConnection) -> (Vec<String>, Vec<String>) {
    let sql = "SELECT CAST(data_type AS TEXT) FROM information_schema.columns \
               WHERE table_schema = current_schema() AND table_name = $1 AND column_name = $2";
    let mut days = Vec::new();
    for (table, column) in DAYS {
        days.push(sqlx::query_scalar(sql).bind(table).bind(column).fetch_one(&mut *conn).await.unwrap());
    }
    let mut flags = Vec::new();
    for (table, column, _) in FLAGS {
        flags.push(sqlx::query_scalar(sql).bind(table).bind(column).fetch_one(&mut *conn).await.unwrap());
    }
    (days, flags)
}

/// The columns PostgreSQL keeps as times, as table and column.
async fn time_columns(conn: &mut sqlx::AnyConnection) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT) FROM information_schema.columns \
         WHERE table_schema = current_schema() AND data_type = 'timestamp with time zone' \
         AND table_name <> '_sqlx_migrations' \
         ORDER BY table_name, column_name",
    )
    .fetch_all(conn)
    .await
    .unwrap()
}

/// What the program reads of a community's roll, accounts, robots, claims
/// and ledger, as text.
async fn read_back(store: &Store, community: CommunityId, claimant: MemberId) -> String {
    let mut reader = store.read().await.unwrap();
    let members = reader.members(community).await.unwrap();
    let account = reader.credentials("secretary").await.unwrap();
    let robots = reader.robots(community).await.unwrap();
    let claims = reader.member_claims(community, claimant).await.unwrap();
    let entries = reader.year_entry_facts(community, Year::new(2025).unwrap()).await.unwrap();
    // Live at the first moment, expired at the second.
    let sessions = [
        reader.session("cookie-hash", 1_749_599_999).await.unwrap().map(|s| s.expires_at),
        reader.session("cookie-hash", 1_749_600_000).await.unwrap().map(|s| s.expires_at),
    ];
    assert_eq!(sessions, [Some(1_749_600_000), None]);
    format!("{members:?} {account:?} {robots:?} {claims:?} {entries:?} {sessions:?}")
}

/// A PostgreSQL database of the release before native types (its days ISO
/// text, its flags integers 0 or 1 with their CHECKs, its times Unix
/// seconds or RFC 3339 text; migrations 0024 to 0026 not applied) is
/// upgraded: every day becomes a `DATE`, every flag a `BOOLEAN` and every
/// time a `TIMESTAMPTZ` holding the same value, every row reads as it did,
/// the chain still verifies, and what the program reads back is unchanged.
/// The earlier release is made from a current database by undoing the
/// three migrations by hand.
#[tokio::test]
async fn days_flags_and_times_of_an_earlier_release_become_native_postgres_types() {
    let test = "days_flags_and_times_of_an_earlier_release_become_native_postgres_types";
    let Some(postgres) = Backing::postgres(test).await else { return };
    let store = postgres.create().await;
    let (community, members) = community(&store, 8).await;
    let mut tx = store.write().await.unwrap();
    for n in 0..40 {
        let mut entry = draft(community, members[(n % 8) as usize], n, &format!("k{n}"));
        entry.occurred_on = date(2025, 1 + (n % 12) as i8, 1 + (n % 28) as i8);
        tx.append_entry(entry).await.unwrap();
    }
    tx.set_member_left(community, members[7], date(2025, 11, 30)).await.unwrap();
    let household = tx
        .add_household(&starledger_store::NewHousehold {
            community_id: community,
            address: "东三街1号".into(),
            head_name: None,
            phone: None,
        })
        .await
        .unwrap();
    tx.link_household(community, household, members[0], date(2025, 3, 1), "cli").await.unwrap();
    tx.add_claim(&starledger_store::NewClaim {
        community_id: community,
        member_id: members[1],
        kind: starledger_domain::claims::ClaimKind::StudyWeek,
        occurred_on: date(2025, 6, 9),
        household_id: None,
        note: String::new(),
        upload_id: None,
        claimed_at: 1_749_500_000,
    })
    .await
    .unwrap();
    let account = tx.add_account(&secretary(community)).await.unwrap();
    for (name, enabled) in [("党员群", true), ("旧群", false)] {
        let robot = tx
            .add_robot(&starledger_store::NewRobot {
                community_id: community,
                platform: "wecom".into(),
                name: name.into(),
                url: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k".into(),
                secret: None,
                created_by: account,
                created_at: 1_749_000_000,
            })
            .await
            .unwrap();
        tx.set_robot_enabled(community, robot, enabled).await.unwrap();
    }
    tx.create_session("cookie-hash", account, "csrf", 1_749_500_000, 1_749_600_000, "127.0.0.1").await.unwrap();
    tx.commit().await.unwrap();
    let current = read_back(&store, community, members[1]).await;
    store.close().await;

    // As the earlier release left it.
    let mut raw = postgres.raw().await;
    let times = time_columns(&mut raw).await;
    assert_eq!(times.len(), 72, "{times:?}");
    let mut undo = vec!["DROP TRIGGER final_roll_no_update ON final_roll".to_string()];
    // A table's times change in one statement: a CHECK may compare two.
    let mut by_table: std::collections::BTreeMap<&str, Vec<String>> = Default::default();
    for (table, column) in &times {
        let (kept_as, read) =
            if TEXT_TIMES.contains(&(table, column)) { ("TEXT", "rfc3339") } else { ("BIGINT", "unix_seconds") };
        by_table.entry(table).or_default().push(format!("ALTER COLUMN {column} TYPE {kept_as} USING {read}({column})"));
    }
    for (table, changes) in by_table {
        undo.push(format!("ALTER TABLE {table} {}", changes.join(", ")));
    }
    undo.push("DROP FUNCTION unix_seconds(TIMESTAMPTZ)".into());
    undo.push("DROP FUNCTION rfc3339(TIMESTAMPTZ)".into());
    for (table, column) in DAYS {
        undo.push(format!("ALTER TABLE {table} ALTER COLUMN {column} TYPE TEXT"));
    }
    for (table, column, default) in FLAGS {
        undo.push(format!("ALTER TABLE {table} ALTER COLUMN {column} DROP DEFAULT"));
        undo.push(format!(
            "ALTER TABLE {table} ALTER COLUMN {column} TYPE BIGINT USING CASE WHEN {column} THEN 1 ELSE 0 END"
        ));
        undo.push(format!("ALTER TABLE {table} ADD CONSTRAINT {table}_{column}_check CHECK ({column} IN (0, 1))"));
        if let Some(default) = default {
            undo.push(format!("ALTER TABLE {table} ALTER COLUMN {column} SET DEFAULT {default}"));
        }
    }
    undo.push(
        "CREATE TRIGGER final_roll_no_update BEFORE UPDATE ON final_roll \
         FOR EACH ROW EXECUTE FUNCTION final_roll_no_change_refuse()"
            .into(),
    );
    undo.push("DELETE FROM _sqlx_migrations WHERE version IN (24, 25, 26)".into());
    for sql in &undo {
        sqlx::query(sql).execute(&mut raw).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    assert_eq!(native_types(&mut raw).await, (vec!["text".into(); DAYS.len()], vec!["bigint".into(); FLAGS.len()]));
    assert_eq!(time_columns(&mut raw).await, vec![], "no time is a timestamptz yet");
    let before = every_row(&mut raw).await;
    let flags_set: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM members WHERE probationary = 1) + (SELECT COUNT(*) FROM robots WHERE enabled = 1)",
    )
    .fetch_one(&mut raw)
    .await
    .unwrap();
    assert_eq!(flags_set, 1 + 1, "one probationary member of eight, one robot of two enabled");

    let upgraded = postgres.open().await;
    assert_eq!(
        native_types(&mut raw).await,
        (vec!["date".into(); DAYS.len()], vec!["boolean".into(); FLAGS.len()]),
        "every day a date, every flag a boolean"
    );
    assert_eq!(time_columns(&mut raw).await, times, "every time a timestamptz");
    assert_eq!(every_row(&mut raw).await, before, "every row holds what it held");
    let verified = upgraded.read().await.unwrap().verify(community).await.unwrap();
    assert!(verified.is_intact() && verified.entries_checked == 40, "{verified:?}");
    assert_eq!(read_back(&upgraded, community, members[1]).await, current, "the program reads what it read before");
    let guard: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pg_trigger WHERE tgname = 'final_roll_no_update'")
        .fetch_one(&mut raw)
        .await
        .unwrap();
    assert_eq!(guard, 1, "the snapshot's update trigger is made again");
    // A new member and account take the flags' defaults as booleans.
    let mut tx = upgraded.write().await.unwrap();
    let (conn, _) = tx.parts();
    sqlx::query("UPDATE accounts SET must_change_password = DEFAULT").execute(conn).await.unwrap();
    tx.commit().await.unwrap();
    assert!(upgraded.read().await.unwrap().credentials("secretary").await.unwrap().unwrap().must_change_password);
    upgraded.close().await;
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
