//! Upgrading a database of the released schema (migrations 0001-0010) to
//! regions (0011), which rebuilds SQLite's `accounts` table: every row and
//! every reference survives, foreign keys are enforced again afterwards, and
//! the new constraints on accounts hold.

mod support;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sqlx::{Connection, PgConnection, SqliteConnection};
use starledger_domain::org::{Account, AccountId, BranchId, CommunityId, MemberId, PersonName, Role};
use starledger_domain::regions::{Principal, RegionId, RegionPath};
use starledger_store::{
    AccessQueries, NewAccount, NewMember, OpenMode, OrgQueries, Queries, RegionQueries, Store, StoreError,
};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;
use support::Backing;

const TIMEOUT: Duration = Duration::from_millis(2000);
/// The last migration of the release before regions.
const RELEASED: i64 = 10;
/// Released tables a later migration replaced: they held a projection of
/// the ledger, rebuilt in their replacement (`member_rule_totals`).
const RETIRED: &[&str] = &["member_category_totals"];
/// A moment inside every session's lifetime below.
const NOW: i64 = 1_750_000_000;

/// Every migration this build carries, in order: an upgrade runs them all.
fn every_version(migrator: &sqlx::migrate::Migrator) -> Vec<i64> {
    migrator.migrations.iter().map(|m| m.version).collect()
}

/// A SQLite file with the released schema only, as the released program left
/// it: foreign keys enforced, write-ahead log.
async fn released_database(path: &Path) -> SqliteConnection {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .foreign_keys(true)
        .journal_mode(SqliteJournalMode::Wal);
    let mut conn = SqliteConnection::connect_with(&options).await.unwrap();
    let mut migrator = sqlx::migrate!("./migrations/sqlite");
    migrator.migrations =
        migrator.migrations.iter().filter(|m| m.version <= RELEASED).cloned().collect::<Vec<_>>().into();
    assert_eq!(migrator.migrations.len(), RELEASED as usize, "migrations 1 to {RELEASED}");
    migrator.run(&mut conn).await.unwrap();
    conn
}

/// Two communities with their roll, accounts of every role (ids with gaps,
/// as deleted test accounts leave them), sessions, and rows of other tables
/// that refer to accounts.
const RELEASED_ROWS: &[&str] = &[
    "INSERT INTO meta (key, value) VALUES ('installed_by', 'upgrade test')",
    "INSERT INTO communities (id, name, created_at) VALUES (1, '十里社区', '2025-01-02T08:00:00Z'), \
     (2, '五里社区', '2025-02-03T08:00:00Z')",
    "INSERT INTO branches (id, community_id, name) VALUES (1, 1, '第一党支部'), (2, 1, '第二党支部'), \
     (3, 2, '五里第一党支部')",
    "INSERT INTO members (id, community_id, branch_id, name, phone, probationary, created_at) VALUES \
     (1, 1, 1, '梁小改', '13800000001', 0, '2025-01-02T08:10:00Z'), \
     (2, 1, 2, '胡国杰', NULL, 0, '2025-01-02T08:11:00Z'), \
     (3, 1, 1, '彭雅丽', NULL, 1, '2025-01-02T08:12:00Z'), \
     (4, 2, 3, '张五', NULL, 0, '2025-02-03T08:10:00Z')",
    "INSERT INTO accounts (id, community_id, login, name, role, member_id, branch_id, password_hash, created_at, \
     must_change_password, failed_logins, locked_until) VALUES \
     (1, 1, 'secretary', '梁雍宏', 'committee', NULL, NULL, '$argon2id$v=19$m=19456,t=2,p=1$c2FsdDE$aGFzaDE', \
      '2025-01-02T08:00:00Z', 0, 2, NULL), \
     (2, 1, 'weiyuan', '胡国杰', 'committee', 2, NULL, '$argon2id$v=19$m=19456,t=2,p=1$c2FsdDI$aGFzaDI', \
      '2025-01-02T08:20:00Z', 1, 0, NULL), \
     (4, 1, 'zhishu1', '彭雅丽', 'branch_secretary', 3, 1, '$argon2id$v=19$m=19456,t=2,p=1$c2FsdDQ$aGFzaDQ', \
      '2025-01-02T08:21:00Z', 0, 0, NULL), \
     (7, 1, 'dangyuan', '梁小改', 'member', 1, NULL, NULL, '2025-01-02T08:22:00Z', 1, 0, NULL), \
     (8, 1, 'shenji', '审计员', 'auditor', NULL, NULL, '$argon2id$v=19$m=19456,t=2,p=1$c2FsdDg$aGFzaDg', \
      '2025-01-02T08:23:00Z', 0, 5, 1767225600), \
     (11, 2, 'wuli', '王五里', 'committee', NULL, NULL, '$argon2id$v=19$m=19456,t=2,p=1$c2FsdDEx$aGFzaDEx', \
      '2025-02-03T08:00:00Z', 1, 0, NULL)",
    "INSERT INTO sessions (id_sha256, account_id, csrf_token, created_at, expires_at, ip) VALUES \
     ('session-of-secretary', 1, 'csrf-1', 1749990000, 1750086400, '127.0.0.1'), \
     ('session-of-zhishu1', 4, 'csrf-4', 1749990000, 1750086400, '10.0.0.4'), \
     ('session-of-wuli', 11, 'csrf-11', 1749990000, 1750086400, '10.0.0.11')",
    "INSERT INTO robots (id, community_id, platform, name, url, secret, enabled, created_by, created_at) VALUES \
     (1, 1, 'wecom', '党员群', 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k', NULL, 1, 1, 1749000000)",
    "INSERT INTO activities (id, community_id, rule_key, title, place, starts_at, ends_at, slots, checkin_token, \
     created_by, created_at) VALUES (1, 1, 'volunteer.straw_patrol', '秸秆禁烧巡查', '东三街', 1749800000, \
     1749810000, 10, 'checkin-1', 4, 1749000000)",
    "INSERT INTO audit_log (id, community_id, at, actor, action, detail) VALUES \
     (1, 1, '2025-01-02T08:00:00Z', 'cli', 'community.init', '十里社区; committee account secretary'), \
     (2, 1, '2025-01-02T08:21:00Z', 'account 1 secretary', 'account.add', 'account 4 zhishu1 as branch_secretary'), \
     (3, NULL, '2025-02-03T08:00:00Z', 'cli', 'community.add', '五里社区')",
];

/// The accounts above, as a community account reads them.
fn released_accounts() -> Vec<Account> {
    let account = |id, community_id, login: &str, name: &str, role, member_id: Option<i64>, branch_id| Account {
        id,
        community_id,
        login: login.into(),
        name: name.into(),
        role,
        member_id: member_id.map(MemberId::new),
        branch_id,
    };
    vec![
        account(AccountId::new(1), CommunityId::new(1), "secretary", "梁雍宏", Role::Committee, None, None),
        account(AccountId::new(2), CommunityId::new(1), "weiyuan", "胡国杰", Role::Committee, Some(2), None),
        account(
            AccountId::new(4),
            CommunityId::new(1),
            "zhishu1",
            "彭雅丽",
            Role::BranchSecretary,
            Some(3),
            Some(BranchId::new(1)),
        ),
        account(AccountId::new(7), CommunityId::new(1), "dangyuan", "梁小改", Role::Member, Some(1), None),
        account(AccountId::new(8), CommunityId::new(1), "shenji", "审计员", Role::Auditor, None, None),
        account(AccountId::new(11), CommunityId::new(2), "wuli", "王五里", Role::Committee, None, None),
    ]
}

/// Every row of every table of the released schema, each as SQL literals,
/// `accounts` with its released columns only; and every table, index and
/// trigger other than `accounts` itself, as its SQL.
async fn contents(conn: &mut SqliteConnection) -> (BTreeMap<String, Vec<String>>, Vec<String>) {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_sqlx%' ESCAPE '\\' \
         AND name NOT IN ('regions', 'community_year_stats', 'branch_year_stats') ORDER BY name",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let released_account_columns = [
        "id",
        "community_id",
        "login",
        "name",
        "role",
        "member_id",
        "branch_id",
        "password_hash",
        "created_at",
        "must_change_password",
        "failed_logins",
        "locked_until",
    ];
    let mut rows = BTreeMap::new();
    for table in tables {
        let columns: Vec<String> = if table == "accounts" {
            released_account_columns.iter().map(|c| c.to_string()).collect()
        } else {
            sqlx::query_scalar("SELECT name FROM pragma_table_info($1) WHERE name <> 'region_id' ORDER BY cid")
                .bind(&table)
                .fetch_all(&mut *conn)
                .await
                .unwrap()
        };
        let quoted: Vec<String> = columns.iter().map(|c| format!("quote(\"{c}\")")).collect();
        let sql = format!("SELECT {} FROM \"{table}\" ORDER BY 1", quoted.join(" || ',' || "));
        let values: Vec<String> = sqlx::query_scalar(&sql).fetch_all(&mut *conn).await.unwrap();
        rows.insert(table, values);
    }
    let schema: Vec<String> = sqlx::query_scalar(
        "SELECT type || ' ' || name || ': ' || COALESCE(sql, '') FROM sqlite_master \
         WHERE tbl_name NOT IN ('accounts', 'communities') AND name NOT LIKE '\\_sqlx%' ESCAPE '\\' ORDER BY name",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    (rows, schema)
}

/// The value of a pragma or a one-value query on a connection of the store.
async fn scalar<Q: Queries>(queries: &mut Q, sql: &str) -> i64 {
    let (conn, _) = queries.parts();
    sqlx::query_scalar(sql).fetch_one(conn).await.unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Runs one statement in a write transaction of its own, never committed;
/// returns the database's error message.
async fn statement(store: &Store, sql: &str) -> Result<(), String> {
    let mut tx = store.write().await.unwrap();
    let (conn, _) = tx.parts();
    sqlx::query(&store.backend().sql(sql)).execute(conn).await.map(|_| ()).map_err(|e| e.to_string())
}

#[tokio::test]
async fn a_released_database_keeps_every_account_through_the_rebuild() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("released.db");
    let mut conn = released_database(&path).await;
    for sql in RELEASED_ROWS {
        sqlx::query(sql).execute(&mut conn).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    let mut before = contents(&mut conn).await;
    for table in RETIRED {
        let rows = before.0.remove(*table).expect("a released table");
        assert!(rows.is_empty(), "{table}'s rows would need rebuilding here: {rows:?}");
    }
    assert_eq!(before.0["accounts"].len(), 6);
    assert_eq!(before.0["sessions"].len(), 3);
    conn.close().await.unwrap();

    let store = Store::open(&path, OpenMode::Existing, TIMEOUT).await.unwrap();

    released_accounts_read_back(&store).await;

    // Row for row and column for column, nothing else changed; every other
    // table still refers to `accounts` by that name, and no index or trigger
    // was lost.
    let raw_options = SqliteConnectOptions::new().filename(&path);
    let mut raw = SqliteConnection::connect_with(&raw_options).await.unwrap();
    let after = contents(&mut raw).await;
    // Tables created by later migrations are new and empty; the released
    // ones keep their rows.
    for table in RETIRED {
        assert!(!after.0.contains_key(*table), "{table} is gone");
    }
    let mut kept = after.0.clone();
    for (table, rows) in &after.0 {
        if !before.0.contains_key(table) {
            assert!(rows.is_empty(), "the new table {table} starts empty");
        }
    }
    kept.retain(|table, _| before.0.contains_key(table));
    assert_eq!(kept, before.0, "the released rows, unchanged");
    // A table a later migration adds a column to (ALTER TABLE) keeps its
    // name; indexes and triggers must come through word for word.
    let name_of = |object: &String| object.split(':').next().unwrap_or_default().to_string();
    let after_names: Vec<String> = after.1.iter().map(name_of).collect();
    let lost: Vec<&String> = before
        .1
        .iter()
        .filter(|object| !RETIRED.iter().any(|table| object.contains(table)))
        .filter(|object| {
            if object.starts_with("table ") {
                !after_names.contains(&name_of(object))
            } else {
                !after.1.contains(object)
            }
        })
        .collect();
    assert!(lost.is_empty(), "tables, indexes or triggers changed or lost: {lost:#?}");
    let added: Vec<&str> = after
        .1
        .iter()
        .filter(|object| !before.1.iter().any(|b| name_of(b) == name_of(object)))
        .map(|object| object.split(':').next().unwrap_or_default())
        .collect();
    assert_eq!(
        added,
        [
            "table api_idempotency",
            "table api_tokens",
            "index api_tokens_by_account",
            "table ballot_exceptions",
            "table branch_year_stats",
            "trigger branches_delete_revision",
            "trigger branches_insert_revision",
            "trigger branches_update_revision",
            "table community_revisions",
            "table community_year_stats",
            "table final_roll",
            "trigger final_roll_no_delete",
            "trigger final_roll_no_update",
            "trigger final_stars_delete_revision",
            "trigger final_stars_insert_revision",
            "table household_bindings",
            "index household_bindings_by_token",
            "table household_link_state",
            "index ledger_entries_by_community",
            "trigger ledger_entries_insert_revision",
            "table member_rule_totals",
            "trigger members_delete_revision",
            "trigger members_insert_revision",
            "trigger members_update_revision",
            "table opening_balances",
            "index opening_balances_by_community",
            "table paper_forms",
            "index paper_forms_by_entry",
            "index paper_forms_one_live",
            "trigger periods_delete_revision",
            "trigger periods_insert_revision",
            "trigger periods_update_revision",
            "table pseudonymized_members",
            "table rating_motions",
            "index rating_motions_by_year",
            "table rating_origins",
            "index rating_origins_by_year",
            "trigger rating_rounds_delete_revision",
            "trigger rating_rounds_insert_revision",
            "trigger rating_rounds_update_revision",
            "table regions",
            "index regions_by_name",
            "table seals",
            "trigger seals_no_delete",
            "trigger seals_no_update",
            "table sign_in_origins",
            "index sign_in_origins_by_community",
            "index sqlite_autoindex_api_idempotency_1",
            "index sqlite_autoindex_api_tokens_1",
            "index sqlite_autoindex_ballot_exceptions_1",
            "index sqlite_autoindex_branch_year_stats_1",
            "index sqlite_autoindex_community_year_stats_1",
            "index sqlite_autoindex_final_roll_1",
            "index sqlite_autoindex_household_bindings_1",
            "index sqlite_autoindex_household_link_state_1",
            "index sqlite_autoindex_member_rule_totals_1",
            "index sqlite_autoindex_opening_balances_1",
            "index sqlite_autoindex_paper_forms_1",
            "index sqlite_autoindex_pseudonymized_members_1",
            "index sqlite_autoindex_seals_1",
        ],
        "only the new tables (and their indexes), the ledger's index by community and the revision's and seals' triggers are new"
    );
    let region_ids: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM accounts WHERE region_id IS NOT NULL")
        .fetch_one(&mut raw)
        .await
        .unwrap();
    assert_eq!(region_ids, 0, "no released account oversees a region");
    let references: Vec<String> = sqlx::query_scalar("SELECT DISTINCT \"table\" FROM pragma_foreign_key_check")
        .fetch_all(&mut raw)
        .await
        .unwrap();
    assert!(references.is_empty(), "rows that refer to nothing: {references:?}");
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&mut raw).await.unwrap();
    assert_eq!(integrity, "ok");
    let versions: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
        .fetch_all(&mut raw)
        .await
        .unwrap();
    assert_eq!(versions, every_version(&sqlx::migrate!("./migrations/sqlite")));
    let columns: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info('accounts') ORDER BY cid")
        .fetch_all(&mut raw)
        .await
        .unwrap();
    assert!(columns.contains(&"region_id".to_string()), "{columns:?}");
    raw.close().await.unwrap();

    // Every connection the store holds enforces foreign keys again, the one
    // that ran the migrations included (all four are held at once).
    let mut readers = Vec::new();
    for _ in 0..4 {
        readers.push(store.read().await.unwrap());
    }
    for reader in &mut readers {
        assert_eq!(scalar(reader, "PRAGMA foreign_keys").await, 1);
    }
    drop(readers);
    takes_the_new_release(&store).await;
    store.close().await;

    // Opened again, nothing is migrated twice and all is as it was.
    let store = Store::open(&path, OpenMode::Existing, TIMEOUT).await.unwrap();
    let mut reader = store.read().await.unwrap();
    assert_eq!(reader.accounts(CommunityId::new(1)).await.unwrap(), released_accounts()[..5]);
    assert_eq!(reader.accounts(CommunityId::new(2)).await.unwrap().len(), 2);
    assert_eq!(scalar(&mut reader, "SELECT COUNT(*) FROM accounts").await, 8);
    drop(reader);
    store.close().await;
}

/// Every row of every released table of a PostgreSQL database, each as the
/// text of a row of the released columns only, each as it read when it was
/// released (a flag as 1 or 0, a time as seconds or text: `comparable`).
async fn pg_contents(
    conn: &mut PgConnection,
    columns: &BTreeMap<String, Vec<String>>,
) -> BTreeMap<String, Vec<String>> {
    let mut rows = BTreeMap::new();
    for (table, columns) in columns {
        let types: BTreeMap<String, String> = sqlx::query_as(
            "SELECT CAST(column_name AS TEXT), CAST(data_type AS TEXT) FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1",
        )
        .bind(table)
        .fetch_all(&mut *conn)
        .await
        .unwrap()
        .into_iter()
        .collect();
        let quoted: Vec<String> = columns.iter().map(|c| support::comparable(table, c, &types[c])).collect();
        let sql = format!("SELECT CAST(ROW({}) AS TEXT) FROM \"{table}\" ORDER BY 1", quoted.join(", "));
        rows.insert(table.clone(), sqlx::query_scalar(&sql).fetch_all(&mut *conn).await.unwrap());
    }
    rows
}

#[tokio::test]
async fn a_released_postgres_database_keeps_every_account() {
    let Some(backing) = Backing::postgres("a_released_postgres_database_keeps_every_account").await else { return };
    let Backing::Postgres { url, .. } = &backing else { unreachable!("a PostgreSQL backing") };
    let mut conn = PgConnection::connect(url).await.unwrap();
    let mut migrator = sqlx::migrate!("./migrations/postgres");
    migrator.migrations =
        migrator.migrations.iter().filter(|m| m.version <= RELEASED).cloned().collect::<Vec<_>>().into();
    assert_eq!(migrator.migrations.len(), RELEASED as usize, "migrations 1 to {RELEASED}");
    migrator.run(&mut conn).await.unwrap();
    for sql in RELEASED_ROWS {
        sqlx::query(sql).execute(&mut conn).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    // As a restore does: the next ids follow the rows.
    for table in ["communities", "branches", "members", "accounts", "robots", "activities", "audit_log"] {
        sqlx::query(&format!("SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"))
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let listed: Vec<(String, String)> = sqlx::query_as(
        "SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT) FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations' ORDER BY table_name, ordinal_position",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let mut columns: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (table, column) in listed.into_iter().filter(|(table, _)| !RETIRED.contains(&table.as_str())) {
        columns.entry(table).or_default().push(column);
    }
    let before = pg_contents(&mut conn, &columns).await;
    assert_eq!(before["accounts"].len(), 6);
    conn.close().await.unwrap();

    let store = backing.open().await;
    released_accounts_read_back(&store).await;
    let mut conn = PgConnection::connect(url).await.unwrap();
    assert_eq!(pg_contents(&mut conn, &columns).await, before, "the released rows, unchanged");
    let versions: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    assert_eq!(versions, every_version(&sqlx::migrate!("./migrations/postgres")));
    conn.close().await.unwrap();
    takes_the_new_release(&store).await;
    store.close().await;
}

/// Every released account, session and password as the new release reads them.
async fn released_accounts_read_back(store: &Store) {
    let mut reader = store.read().await.unwrap();
    // Every account, as the program reads it, with its password and state.
    for expected in released_accounts() {
        let login = expected.login.clone();
        assert_eq!(reader.account_by_login(&login).await.unwrap(), expected, "{login}");
        assert_eq!(reader.account(expected.id).await.unwrap(), expected, "{login}");
    }
    let secretary = reader.credentials("secretary").await.unwrap().expect("the secretary can sign in");
    assert_eq!(secretary.principal, Principal::Community(released_accounts()[0].clone()));
    assert_eq!(secretary.password_hash.as_deref(), Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdDE$aGFzaDE"));
    assert!(!secretary.must_change_password);
    assert_eq!((secretary.failed_logins, secretary.locked_until), (2, None));
    let auditor = reader.credentials("shenji").await.unwrap().expect("the auditor");
    assert_eq!((auditor.failed_logins, auditor.locked_until), (5, Some(1_767_225_600)));
    let member = reader.credentials("dangyuan").await.unwrap().expect("the member");
    assert_eq!((member.password_hash, member.must_change_password), (None, true));
    assert!(reader.credentials("wuli").await.unwrap().expect("B's secretary").must_change_password);

    // The sessions still lead to their accounts.
    for (session, account) in [("session-of-secretary", 1), ("session-of-zhishu1", 4), ("session-of-wuli", 11)] {
        let found = reader.session(session, NOW).await.unwrap().unwrap_or_else(|| panic!("{session} lives"));
        assert_eq!(found.principal.id().get(), account, "{session}");
        assert_eq!(found.principal.community_id(), Some(CommunityId::new(if account == 11 { 2 } else { 1 })));
    }
}

/// What the new release writes into the upgraded accounts: foreign keys are
/// enforced, an overseer and another community account are added with the
/// next ids, and the new constraints hold.
async fn takes_the_new_release(store: &Store) {
    let mut tx = store.write().await.unwrap();
    let orphan =
        tx.create_session("session-of-nobody", AccountId::new(999), "csrf", NOW, NOW + 3600, "127.0.0.1").await;
    assert!(orphan.is_err(), "a session for no account is refused: {orphan:?}");
    drop(tx);
    let error = statement(
        store,
        "INSERT INTO robots (community_id, platform, name, url, created_by, created_at) \
         VALUES (1, 'wecom', '群', 'https://example.invalid/', 999, to_timestamp(0))",
    )
    .await
    .unwrap_err();
    assert!(error.to_lowercase().contains("foreign key"), "{error}");

    // The upgraded table takes what the new release writes: an overseer,
    // and community accounts as before.
    let mut tx = store.write().await.unwrap();
    let city = tx.ensure_region(&RegionPath::parse("许昌市").unwrap()).await.unwrap();
    let overseer = tx.add_overseer(city, "city", "市委组织部").await.unwrap();
    assert_eq!(overseer, AccountId::new(12), "the next id after the released accounts");
    tx.set_password(overseer, "$argon2id$v=19$m=19456,t=2,p=1$c2FsdDEy$aGFzaDEy", true).await.unwrap();
    let auditor = NewAccount {
        community_id: CommunityId::new(2),
        login: "shenji2".into(),
        name: "审计员".into(),
        role: Role::Auditor,
        member_id: None,
        branch_id: None,
    };
    assert_eq!(tx.add_account(&auditor).await.unwrap(), AccountId::new(13));
    let taken = NewAccount { login: "secretary".into(), ..auditor };
    assert!(matches!(tx.add_account(&taken).await, Err(StoreError::Conflict(_))), "logins stay unique");
    tx.create_session("session-of-city", overseer, "csrf-12", NOW, NOW + 3600, "10.0.0.12").await.unwrap();
    tx.commit().await.unwrap();
    let mut reader = store.read().await.unwrap();
    let credentials = reader.credentials("city").await.unwrap().expect("the overseer can sign in");
    let Principal::Overseer(found) = credentials.principal else { panic!("city is an overseer") };
    assert_eq!((found.id, found.region_id, found.login.as_str()), (overseer, city, "city"));
    assert_eq!(reader.overseers().await.unwrap(), [found]);
    let session = reader.session("session-of-city", NOW).await.unwrap().expect("the overseer's session");
    assert_eq!(session.principal.community_id(), None);
    drop(reader);

    // The new constraints hold in the rebuilt table.
    constraints_hold(
        store,
        Ids { community: CommunityId::new(1), branch: BranchId::new(1), member: MemberId::new(1), region: city },
    )
    .await;
}

/// The ids a breach refers to; each exists, so that only the constraint at
/// hand can refuse the row.
#[derive(Clone, Copy)]
struct Ids {
    community: CommunityId,
    branch: BranchId,
    member: MemberId,
    region: RegionId,
}

const INSERT_ACCOUNT: &str =
    "INSERT INTO accounts (community_id, region_id, login, name, role, member_id, branch_id, created_at) VALUES";

/// Accounts the schema refuses since regions, each with why; logins are
/// fresh and every reference exists.
fn constraint_breaches(ids: Ids) -> Vec<(&'static str, String)> {
    let Ids { community: c, branch: b, member: m, region: r } = ids;
    let row = |values: String| format!("{INSERT_ACCOUNT} ({values}, 'now')");
    vec![
        ("an overseer in a community", row(format!("{c}, {r}, 'o1', '某', 'overseer', NULL, NULL"))),
        ("an overseer of no region", row("NULL, NULL, 'o2', '某', 'overseer', NULL, NULL".into())),
        ("an overseer who is a member", row(format!("NULL, {r}, 'o3', '某', 'overseer', {m}, NULL"))),
        ("an overseer of a branch", row(format!("NULL, {r}, 'o4', '某', 'overseer', NULL, {b}"))),
        ("a committee account of no community", row("NULL, NULL, 'c1', '某', 'committee', NULL, NULL".into())),
        ("a committee account of a region", row(format!("{c}, {r}, 'c2', '某', 'committee', NULL, NULL"))),
        ("a branch secretary of no branch", row(format!("{c}, NULL, 'b1', '某', 'branch_secretary', {m}, NULL"))),
        ("an unknown role", row(format!("{c}, NULL, 'x1', '某', 'superuser', NULL, NULL"))),
    ]
}

/// Every breach is refused by a CHECK; the same statement for a valid
/// overseer and a valid community account goes through.
async fn constraints_hold(store: &Store, ids: Ids) {
    for (what, sql) in constraint_breaches(ids) {
        let error = statement(store, &sql).await.expect_err(what);
        assert!(error.to_lowercase().contains("check constraint"), "{what}: {error}");
    }
    let Ids { community, region, .. } = ids;
    let overseer = format!("{INSERT_ACCOUNT} (NULL, {region}, 'o9', '某', 'overseer', NULL, NULL, 'now')");
    statement(store, &overseer).await.unwrap();
    let committee = format!("{INSERT_ACCOUNT} ({community}, NULL, 'c9', '某', 'committee', NULL, NULL, 'now')");
    statement(store, &committee).await.unwrap();
}

#[tokio::test]
async fn a_reference_to_nothing_stops_the_upgrade_from_opening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("released.db");
    let mut conn = released_database(&path).await;
    for sql in RELEASED_ROWS {
        sqlx::query(sql).execute(&mut conn).await.unwrap();
    }
    // Written by some other program with foreign keys off: a session of an
    // account that is gone.
    sqlx::query("PRAGMA foreign_keys = OFF").execute(&mut conn).await.unwrap();
    sqlx::query(
        "INSERT INTO sessions (id_sha256, account_id, csrf_token, created_at, expires_at, ip) \
         VALUES ('session-of-a-deleted-account', 99, 'csrf', 0, 1, '127.0.0.1')",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();

    for attempt in ["first", "second"] {
        match Store::open(&path, OpenMode::Existing, TIMEOUT).await {
            Err(StoreError::Corrupt(message)) => {
                assert!(
                    message.contains("rows refer to rows that do not exist (1 in sessions)"),
                    "{attempt}: {message}"
                )
            }
            Err(other) => panic!("{attempt} open: not the dangling reference: {other}"),
            Ok(_) => panic!("{attempt} open: a database with a dangling reference was opened"),
        }
    }
}

on_both!(
    an_overseer_is_no_community_account,
    an_overseer_is_no_community_account_in_sqlite,
    an_overseer_is_no_community_account_in_postgres
);

/// On a new database of either backend: an overseer is refused wherever a
/// community's account is expected, and the schema refuses an account that
/// is neither a community's nor a region's.
async fn an_overseer_is_no_community_account(backing: Backing) {
    let store = backing.create().await;
    let mut tx = store.write().await.unwrap();
    let community = tx.create_community("十里社区").await.unwrap();
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
    let secretary = tx.add_account(&support::secretary(community)).await.unwrap();
    let city = tx.ensure_region(&RegionPath::parse("许昌市").unwrap()).await.unwrap();
    let overseer = tx.add_overseer(city, "city", "市委组织部").await.unwrap();
    assert!(
        matches!(tx.add_overseer(city, "secretary", "某").await, Err(StoreError::Conflict(_))),
        "an overseer's login is unique among all accounts"
    );
    tx.commit().await.unwrap();

    let mut reader = store.read().await.unwrap();
    for refused in [reader.account_by_login("city").await, reader.account(overseer).await] {
        match refused {
            Err(StoreError::Conflict(message)) => {
                assert!(message.contains("city oversees a region and acts in no community"), "{message}")
            }
            other => panic!("an overseer read as a community's account: {other:?}"),
        }
    }
    assert_eq!(reader.account_by_login("secretary").await.unwrap().id, secretary);
    assert_eq!(reader.accounts(community).await.unwrap().len(), 1, "the overseer is none of the community's accounts");
    let credentials = reader.credentials("city").await.unwrap().expect("the overseer signs in");
    assert!(matches!(credentials.principal, Principal::Overseer(ref o) if o.region_id == city && o.id == overseer));
    drop(reader);

    constraints_hold(&store, Ids { community, branch, member, region: city }).await;
    store.close().await;
}

/// Migration 0019 keeps what each finalized year was rated on: a year
/// finalized before it gets its snapshot (`final_roll`) from the roll's
/// values when it runs, and from then on the year is rated from the
/// snapshot, so a later change to the roll does not reach it; a year not
/// finalized still reads today's roll.
#[tokio::test]
async fn finalized_years_get_their_roll_snapshot_on_upgrade() {
    const BEFORE_SNAPSHOT: i64 = 18;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("finalized.db");
    let options = SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true)
        .foreign_keys(true)
        .journal_mode(SqliteJournalMode::Wal);
    let mut conn = SqliteConnection::connect_with(&options).await.unwrap();
    let mut migrator = sqlx::migrate!("./migrations/sqlite");
    migrator.migrations =
        migrator.migrations.iter().filter(|m| m.version <= BEFORE_SNAPSHOT).cloned().collect::<Vec<_>>().into();
    migrator.run(&mut conn).await.unwrap();
    for sql in &RELEASED_ROWS[..4] {
        sqlx::query(sql).execute(&mut conn).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    for sql in [
        "INSERT INTO accounts (id, community_id, login, name, role, created_at) \
         VALUES (1, 1, 'secretary', '梁雍宏', 'committee', '2025-01-02T08:00:00Z')",
        "INSERT INTO periods (community_id, year, status, rulebook_version, rulebook_sha256, rulebook_toml, \
         opened_at, opened_by) VALUES (1, 2025, 'closed', 'v1', 'sha', '', '2025-01-01T00:00:00Z', 'cli'), \
         (1, 2026, 'open', 'v1', 'sha', '', '2026-01-01T00:00:00Z', 'cli')",
        "INSERT INTO rating_rounds (community_id, year, round, published_by, published_at, notice_from, \
         notice_until, published_sha256, finalized_by, finalized_at, final_sha256) \
         VALUES (1, 2025, 1, 1, 1767225600, '2026-01-01', '2026-01-05', 'p', 1, 1767657600, 'f')",
        "INSERT INTO final_stars (community_id, year, round, member_id, rank, total_tenths, stars) \
         VALUES (1, 2025, 1, 1, 1, 100, 5), (1, 2025, 1, 3, NULL, 80, 0)",
    ] {
        sqlx::query(sql).execute(&mut conn).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    conn.close().await.unwrap();

    let store = Store::open(&path, OpenMode::Existing, TIMEOUT).await.unwrap();
    let year = |y| starledger_domain::org::Year::new(y).unwrap();
    let mut reader = store.read().await.unwrap();
    let frozen =
        starledger_store::NoticeQueries::year_roll(&mut reader, CommunityId::new(1), year(2025)).await.unwrap();
    let names: Vec<(MemberId, String, bool)> =
        frozen.iter().map(|m| (m.id, m.name.to_string(), m.probationary)).collect();
    assert_eq!(
        names,
        vec![(MemberId::new(1), "梁小改".into(), false), (MemberId::new(3), "彭雅丽".into(), true)],
        "the finalized year's members, with the flags they had"
    );
    drop(reader);

    // 彭雅丽 becomes a full member and moves branch: 2025 keeps what it was
    // rated on; 2026, not finalized, reads the roll as it is.
    let mut tx = store.write().await.unwrap();
    let (conn, _) = tx.parts();
    sqlx::query("UPDATE members SET probationary = 0, branch_id = 2 WHERE id = 3").execute(conn).await.unwrap();
    tx.commit().await.unwrap();
    let mut reader = store.read().await.unwrap();
    let frozen =
        starledger_store::NoticeQueries::year_roll(&mut reader, CommunityId::new(1), year(2025)).await.unwrap();
    let peng = frozen.iter().find(|m| m.id == MemberId::new(3)).unwrap();
    assert!(peng.probationary && peng.branch_id == BranchId::new(1) && peng.branch == "第一党支部", "{peng:?}");
    let open = starledger_store::NoticeQueries::year_roll(&mut reader, CommunityId::new(1), year(2026)).await.unwrap();
    let peng = open.iter().find(|m| m.id == MemberId::new(3)).unwrap();
    assert!(!peng.probationary && peng.branch_id == BranchId::new(2), "{peng:?}");
    drop(reader);
    // The snapshot is append-only.
    let refused = statement(&store, "UPDATE final_roll SET probationary = 0").await;
    assert!(refused.is_err_and(|e| e.contains("append-only")));
}

/// A server left on the older release, after another upgraded the
/// database, is refused with words an operator can act on, and writes
/// nothing.
#[tokio::test]
async fn an_older_release_refuses_a_database_a_newer_one_upgraded() {
    let sqlite = Backing::sqlite();
    an_older_release_refuses(&sqlite).await;
    let test = "an_older_release_refuses_a_database_a_newer_one_upgraded";
    if let Some(postgres) = Backing::postgres(test).await {
        an_older_release_refuses(&postgres).await;
    }
}

async fn an_older_release_refuses(backing: &Backing) {
    backing.create().await.close().await;
    let newer = every_version(&sqlx::migrate!("./migrations/sqlite")).last().copied().unwrap() + 1;
    let mut raw = backing.raw().await;
    // What a newer release leaves: its migration recorded (and, on SQLite,
    // the file's header marked as checked at it).
    sqlx::query(&format!(
        "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time) \
         SELECT {newer}, 'a later release', installed_on, success, checksum, execution_time \
         FROM _sqlx_migrations WHERE version = 1"
    ))
    .execute(&mut raw)
    .await
    .unwrap();
    if !backing.is_postgres() {
        sqlx::query(&format!("PRAGMA user_version = {newer}")).execute(&mut raw).await.unwrap();
    }
    drop(raw);
    let refused = Store::connect(&backing.target(), OpenMode::Existing, TIMEOUT).await.err().expect("refused");
    let said = refused.to_string();
    assert!(said.contains(&format!("upgraded by a newer starledger (its migration {newer} is not one")), "{said}");
}
