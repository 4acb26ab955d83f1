//! A city's installation: several communities in one database, the
//! organization tree above them, its overseers, and the figures they read.
//! Every community keeps its own roll, rulebook and ledger; commands that name
//! no acting account must say which community they mean; every refusal
//! leaves the database as it was.

use super::browser::demo_database;
use super::helpers::{
    BRANCH_SECRETARY, Community, HU_GUOJIE, HU_GUOQIANG, LIANG_XIAOGAI, PENG_YALI, Run, SECRETARY, run_at, runtime,
    starledger,
};
use serde_json::Value;
use sqlx::{AnyConnection, Connection, Row};
use starledger_store::Target;

/// The fixture community, created by `init`.
const A: &str = "十里社区";
/// The second community, added by `community add`.
const B: &str = "五里社区";
/// B's first committee account.
const B_SECRETARY: &str = "wuli";
const CITY: &str = "许昌市";
const STREET_A: &str = "许昌市/甲区/甲街道";
const STREET_B: &str = "许昌市/乙区/乙街道";
/// The city's overseer (市委组织部).
const OVERSEER: &str = "city";

// ---- the installation ------------------------------------------------------------

/// The fixture community A with a second community B beside it: B added with
/// its own committee account straight into its street, A placed into its
/// street afterwards, and an overseer for the whole city.
fn city() -> Community {
    let c = Community::new();
    c.ok(&["region", "add", STREET_A]);
    c.ok(&["region", "add", STREET_B]);
    let added =
        c.ok(&["--community", B, "community", "add", "--login", B_SECRETARY, "--name", "王五里", "--region", STREET_B]);
    assert!(added.stdout.contains(&format!("added community 2: {B}; committee account {B_SECRETARY}")), "{added:#?}");
    assert!(added.stdout.contains("one-time password: "), "{added:#?}");
    let placed = c.ok(&["--community", A, "community", "place", "--region", STREET_A]);
    assert!(placed.stdout.contains(&format!("{A} is now in {STREET_A}")), "{placed:#?}");
    let overseer = c.ok(&["region", "overseer", "--region", CITY, "--login", OVERSEER, "--name", "市委组织部"]);
    assert!(overseer.stdout.contains(&format!("added overseer {OVERSEER} for {CITY}")), "{overseer:#?}");
    c
}

/// B's first branch and member, added by B's own secretary: branch 3 (A has
/// 1 and 2) and member 5 (A has 1 to 4).
const B_BRANCH: i64 = 3;
const B_MEMBER: i64 = 5;

fn with_b_roll(c: &Community) {
    let branch = c.ok(&["branch", "add", "五里第一党支部", "--by", B_SECRETARY]);
    assert!(branch.stdout.contains(&format!("added branch {B_BRANCH}")), "{branch:#?}");
    let member = c.ok(&["member", "add", "--name", "张五", "--branch", &B_BRANCH.to_string(), "--by", B_SECRETARY]);
    assert!(member.stdout.contains(&format!("added member {B_MEMBER}: 张五")), "{member:#?}");
}

/// B's secretary acts on points as a person of B's roll (member 6): one
/// person, one account.
fn b_secretary_on_the_roll(c: &Community) {
    let member = c.ok(&["member", "add", "--name", "王五里", "--branch", &B_BRANCH.to_string(), "--by", B_SECRETARY]);
    assert!(member.stdout.contains("added member 6: 王五里"), "{member:#?}");
    c.ok(&["account", "link", B_SECRETARY, "--member", "6", "--by", B_SECRETARY]);
}

/// B's rulebook for 2025: its own version, and a group meeting worth 2 instead
/// of 1 (and capped at 2 a month).
fn b_rulebook(c: &Community) -> String {
    let from = "key = \"meeting.group\"\nname = \"参加党小组会\"\ncategory = \"study\"\npoints = 1\n\
                source = \"attendance\"\nrecorded_by = [\"branch_secretary\", \"committee\"]\ncap_per_month = 1\n";
    let to = from.replace("points = 1", "points = 2").replace("cap_per_month = 1", "cap_per_month = 2");
    let text = c.rulebook_with("version = \"2026.1\"", "version = \"2026.1-wuli\"");
    assert!(text.contains(from), "the group meeting's rule is in the default rulebook");
    let text = text.replacen(from, &to, 1);
    let path = c.path("wuli.toml");
    std::fs::write(&path, text).expect("write B's rulebook");
    path.to_str().expect("a UTF-8 path").to_string()
}

// ---- the database, read directly ---------------------------------------------------

/// Every row of a query whose columns are all integers or flags.
fn ints(c: &Community, sql: &str) -> Vec<Vec<i64>> {
    ints_at(&c.url(), sql)
}

/// The same, on the database at a URL.
fn ints_at(url: &str, sql: &str) -> Vec<Vec<i64>> {
    runtime().block_on(async {
        sqlx::any::install_default_drivers();
        let mut conn = AnyConnection::connect(url).await.expect("open the database to read it");
        let backend = Target::parse(url).expect("a database URL").backend();
        let rows = sqlx::query(&backend.sql(sql)).fetch_all(&mut conn).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
        let values = rows
            .iter()
            .map(|row| {
                // A flag (a boolean on PostgreSQL) reads as 1 or 0.
                (0..row.len())
                    .map(|i| {
                        row.try_get::<i64, _>(i)
                            .or_else(|_| row.try_get::<bool, _>(i).map(i64::from))
                            .unwrap_or_else(|e| panic!("{sql}: {e}"))
                    })
                    .collect()
            })
            .collect();
        conn.close().await.expect("close the database");
        values
    })
}

/// The one integer a query gives.
fn int(c: &Community, sql: &str) -> i64 {
    int_at(&c.url(), sql)
}

fn int_at(url: &str, sql: &str) -> i64 {
    let rows = ints_at(url, sql);
    assert_eq!(rows.len(), 1, "{sql} gives one row: {rows:?}");
    assert_eq!(rows[0].len(), 1, "{sql} gives one column: {rows:?}");
    rows[0][0]
}

fn count(c: &Community, table: &str) -> i64 {
    int(c, &format!("SELECT COUNT(*) FROM {table}"))
}

/// The ids of the members `member list --json` shows for a community.
fn member_ids(c: &Community, community: &str) -> Vec<i64> {
    let run = c.ok(&["--community", community, "member", "list", "--json"]);
    let json: Value = serde_json::from_str(&run.stdout).expect("member list --json prints JSON");
    json.as_array().expect("an array").iter().map(|m| m["member_id"].as_i64().expect("member_id")).collect()
}

fn rating(c: &Community, community: &str) -> Value {
    let run = c.ok(&["--community", community, "rating", "--year", "2025", "--json"]);
    serde_json::from_str(&run.stdout).expect("rating --json prints JSON")
}

/// Runs a command that must fail with `code` and `words`, and checks that
/// the database is exactly as it was.
#[track_caller]
fn refused(c: &Community, args: &[&str], code: i32, words: &[&str]) -> String {
    let before = c.snapshot();
    let line = c.run(args).failed(code, words);
    assert_eq!(c.snapshot(), before, "a refused command leaves the database as it was: {line}");
    line
}

// ---- the tree ------------------------------------------------------------------------

#[test]
fn a_city_lists_its_tree_with_communities_and_overseer() {
    let c = city();
    let run = c.ok(&["region", "list"]);
    let expected = [
        "许昌市 (市)",
        "  overseer: city (市委组织部)",
        "  甲区 (县/区)",
        "    甲街道 (街道/乡镇)",
        "      community 1: 十里社区",
        "  乙区 (县/区)",
        "    乙街道 (街道/乡镇)",
        "      community 2: 五里社区",
    ];
    assert_eq!(run.stdout.lines().collect::<Vec<_>>(), expected, "{run:#?}");

    // In the database: five regions, each community in its street, the
    // overseer tied to the city and to no community.
    assert_eq!(count(&c, "regions"), 5);
    let streets = ints(
        &c,
        "SELECT c.id, r.id FROM communities c JOIN regions r ON r.id = c.region_id \
         WHERE r.level = 'street' ORDER BY c.id",
    );
    assert_eq!(streets.len(), 2, "both communities sit in a street: {streets:?}");
    assert_ne!(streets[0][1], streets[1][1], "in different streets");
    let overseer = ints(
        &c,
        "SELECT CASE WHEN a.community_id IS NULL THEN 1 ELSE 0 END, CASE WHEN r.parent_id IS NULL THEN 1 ELSE 0 END, \
         CASE WHEN a.member_id IS NULL AND a.branch_id IS NULL THEN 1 ELSE 0 END, a.must_change_password \
         FROM accounts a JOIN regions r ON r.id = a.region_id WHERE a.login = 'city' AND a.role = 'overseer'",
    );
    assert_eq!(overseer, [[1, 1, 1, 1]], "no community, the city itself, no member or branch, a one-time password");
}

#[test]
fn a_community_outside_the_tree_is_listed_last() {
    let c = Community::new();
    c.ok(&["region", "add", STREET_A]);
    let run = c.ok(&["region", "list"]);
    assert_eq!(
        run.stdout.lines().collect::<Vec<_>>(),
        ["许昌市 (市)", "  甲区 (县/区)", "    甲街道 (街道/乡镇)", "community 1: 十里社区 (not in the tree)"],
        "{run:#?}"
    );
}

#[test]
fn adding_a_region_adds_only_the_missing_levels() {
    let c = Community::new();
    let first = c.ok(&["region", "add", STREET_A]);
    assert!(first.stdout.contains(&format!("{STREET_A} (街道/乡镇)")), "{first:#?}");
    assert_eq!(count(&c, "regions"), 3, "city, district and street");
    let street_id = int(&c, "SELECT id FROM regions WHERE name = '甲街道'");

    // Again: the same region, nothing new in the tree.
    let again = c.ok(&["region", "add", STREET_A]);
    assert!(again.stdout.contains(&format!("region {street_id}: {STREET_A}")), "{again:#?}");
    assert_eq!(count(&c, "regions"), 3);

    // A sibling street adds one row; a street of the same name in another
    // district is another region; spaces around the names do not matter.
    c.ok(&["region", "add", "许昌市/甲区/乙街道"]);
    assert_eq!(count(&c, "regions"), 4);
    c.ok(&["region", "add", " 许昌市 / 乙区 / 甲街道 "]);
    assert_eq!(count(&c, "regions"), 6);
    assert_eq!(int(&c, "SELECT COUNT(*) FROM regions WHERE name = '甲街道'"), 2);
    let levels = ints(
        &c,
        "SELECT SUM(CASE WHEN level = 'city' THEN 1 ELSE 0 END), SUM(CASE WHEN level = 'county' THEN 1 ELSE 0 END), \
         SUM(CASE WHEN level = 'street' THEN 1 ELSE 0 END) FROM regions",
    );
    assert_eq!(levels, [[1, 2, 3]]);
}

#[test]
fn a_bad_region_path_is_refused_and_writes_nothing() {
    let c = Community::new();
    c.ok(&["region", "add", STREET_A]);
    let cases: [(&str, &[&str]); 5] = [
        ("许昌市/甲区/甲街道/一社区", &["at most three levels", "许昌市/甲区/甲街道/一社区"]),
        ("", &["names at least the city"]),
        ("   ", &["names at least the city"]),
        ("许昌市//甲街道", &["empty or over-long name", "许昌市//甲街道"]),
        ("许昌市/甲区/", &["empty or over-long name"]),
    ];
    for (path, words) in cases {
        refused(&c, &["region", "add", path], 2, words);
    }
    let long = format!("许昌市/{}", "长".repeat(41));
    refused(&c, &["region", "add", &long], 2, &["empty or over-long name"]);
    assert_eq!(count(&c, "regions"), 3);
}

#[test]
fn placing_needs_a_region_that_exists() {
    let c = Community::new();
    c.ok(&["region", "add", STREET_A]);
    // A typo must not grow the tree: the message says how to add the region.
    let line = refused(
        &c,
        &["--community", A, "community", "place", "--region", "许昌市/甲区/乙街道"],
        2,
        &["no region 许昌市/甲区/乙街道", "region add 许昌市/甲区/乙街道"],
    );
    assert!(line.contains("--region"), "{line}");
    refused(
        &c,
        &["--community", "无名社区", "community", "place", "--region", STREET_A],
        2,
        &["no community named 无名社区"],
    );
    refused(&c, &["community", "place", "--region", STREET_A], 2, &["--community"]);
    refused(
        &c,
        &["--community", A, "community", "place", "--region", "许昌市/甲区/甲街道/x"],
        2,
        &["at most three levels"],
    );
    // Nor does adding a community or an overseer create a region.
    refused(
        &c,
        &["--community", B, "community", "add", "--login", B_SECRETARY, "--name", "王五里", "--region", STREET_B],
        2,
        &["no region 许昌市/乙区/乙街道", "region add"],
    );
    refused(
        &c,
        &["region", "overseer", "--region", "许昌市/乙区", "--login", OVERSEER, "--name", "区委组织部"],
        2,
        &["no region 许昌市/乙区", "region add"],
    );
    // A community sits in a street or town, never directly in a city or county.
    c.ok(&["region", "add", "许昌市/甲区"]);
    for (region, level) in [("许昌市", "city"), ("许昌市/甲区", "county")] {
        refused(
            &c,
            &["--community", A, "community", "place", "--region", region],
            2,
            &[&format!("{region} is a {level}"), "street or town"],
        );
    }
    assert_eq!(int(&c, "SELECT COUNT(*) FROM communities WHERE region_id IS NOT NULL"), 0);
    c.ok(&["--community", A, "community", "place", "--region", STREET_A]);
    assert_eq!(
        int(&c, "SELECT COUNT(*) FROM communities c JOIN regions r ON r.id = c.region_id WHERE r.name = '甲街道'"),
        1
    );
}

// ---- adding communities and overseers ---------------------------------------------------

#[test]
fn a_refused_community_leaves_no_half_of_itself() {
    let c = Community::new();
    // The login belongs to A's secretary: the community is refused with it.
    refused(
        &c,
        &["--community", B, "community", "add", "--login", SECRETARY, "--name", "王五里"],
        1,
        &["refused", &format!("login \"{SECRETARY}\" is taken"), "nothing was written"],
    );
    refused(
        &c,
        &["--community", A, "community", "add", "--login", B_SECRETARY, "--name", "王五里"],
        1,
        &["refused", "a community named 十里社区 exists already"],
    );
    refused(
        &c,
        &["--community", B, "community", "add", "--login", "Wu Li", "--name", "王五里"],
        2,
        &["login \"Wu Li\""],
    );
    refused(&c, &["--community", B, "community", "add", "--login", B_SECRETARY, "--name", ""], 2, &["--name"]);
    refused(&c, &["community", "add", "--login", B_SECRETARY, "--name", "王五里"], 2, &["--community"]);
    assert_eq!(count(&c, "communities"), 1);

    // The refused login is free to use once corrected; then every community
    // has its committee account, and B's account acts in B.
    c.ok(&["--community", B, "community", "add", "--login", B_SECRETARY, "--name", "王五里"]);
    assert_eq!(count(&c, "communities"), 2);
    let without_committee = "SELECT COUNT(*) FROM communities c WHERE NOT EXISTS \
         (SELECT 1 FROM accounts a WHERE a.community_id = c.id AND a.role = 'committee')";
    assert_eq!(int(&c, without_committee), 0);
    let account = ints(
        &c,
        "SELECT CASE WHEN c.name = '五里社区' THEN 1 ELSE 0 END, a.must_change_password, \
         CASE WHEN a.password_hash IS NULL THEN 0 ELSE 1 END \
         FROM accounts a JOIN communities c ON c.id = a.community_id WHERE a.login = 'wuli'",
    );
    // (The id itself may differ: PostgreSQL does not give back the id the
    // refused attempts took.)
    assert_eq!(account, [[1, 1, 1]], "B's secretary, in B, with a one-time password");
    // A second community of the same name is still refused.
    refused(
        &c,
        &["--community", B, "community", "add", "--login", "wuli2", "--name", "王五里"],
        1,
        &["a community named 五里社区 exists already"],
    );
}

#[test]
fn an_overseer_needs_a_free_login() {
    let c = city();
    for login in [SECRETARY, B_SECRETARY, OVERSEER] {
        refused(
            &c,
            &["region", "overseer", "--region", STREET_A, "--login", login, "--name", "街道组织部"],
            1,
            &["refused", &format!("login \"{login}\" is taken")],
        );
    }
    refused(
        &c,
        &["region", "overseer", "--region", STREET_A, "--login", "Jie Dao", "--name", "街道组织部"],
        2,
        &["login"],
    );
    // Nor may a community take the overseer's login.
    refused(
        &c,
        &["account", "add", "--login", OVERSEER, "--name", "某人", "--role", "auditor", "--by", SECRETARY],
        1,
        &[&format!("login \"{OVERSEER}\" is taken")],
    );
    c.ok(&["region", "overseer", "--region", STREET_A, "--login", "jiedao", "--name", "街道组织部"]);
    assert_eq!(int(&c, "SELECT COUNT(*) FROM accounts WHERE role = 'overseer'"), 2);
}

#[test]
fn an_overseer_who_lost_the_password_gets_a_new_one_time_one() {
    let c = city();
    // A live session, and a password the overseer has already changed.
    c.execute(&[
        &format!(
            "INSERT INTO sessions (id_sha256, account_id, csrf_token, created_at, expires_at, ip) \
         SELECT 'a-live-session', id, 'csrf', to_timestamp(0), to_timestamp(4102444800), '127.0.0.1' FROM accounts WHERE login = '{OVERSEER}'"
        ),
        &format!("UPDATE accounts SET must_change_password = FALSE, password_hash = 'old' WHERE login = '{OVERSEER}'"),
    ])
    .expect("a session of the overseer");
    let run = c.ok(&["region", "reset-password", "--login", OVERSEER]);
    assert!(run.stdout.contains(&format!("new one-time password for {OVERSEER}: ")), "{run:#?}");
    let changed = format!("SELECT COUNT(*) FROM accounts WHERE login = '{OVERSEER}' AND password_hash <> 'old'");
    assert_eq!(int(&c, &changed), 1, "the password changed");
    assert_eq!(int(&c, &format!("SELECT must_change_password FROM accounts WHERE login = '{OVERSEER}'")), 1);
    assert_eq!(int(&c, "SELECT COUNT(*) FROM audit_log WHERE action = 'overseer.reset_password'"), 1);
    assert_eq!(int(&c, "SELECT COUNT(*) FROM sessions"), 0, "the old password's sessions ended");
    // A community's account is not an overseer's to reset here.
    refused(&c, &["region", "reset-password", "--login", SECRETARY], 2, &["no overseer", "account reset-password"]);
}

#[test]
fn an_overseer_acts_in_no_community() {
    let c = city();
    let member = LIANG_XIAOGAI.to_string();
    let commands: [&[&str]; 6] = [
        &["branch", "add", "第三党支部", "--by", OVERSEER],
        &["member", "add", "--name", "某人", "--branch", "1", "--by", OVERSEER],
        &["account", "add", "--login", "someone", "--name", "某人", "--role", "auditor", "--by", OVERSEER],
        &["record", "--member", &member, "--rule", "meeting.group", "--on", "2025-03-02", "--by", OVERSEER],
        &["period", "open", "2026", "--rulebook", c.rulebook.to_str().unwrap(), "--by", OVERSEER],
        &["account", "reset-password", SECRETARY, "--by", OVERSEER],
    ];
    for args in commands {
        refused(&c, args, 1, &["refused", "account city oversees a region and acts in no community"]);
    }
    // A community's committee cannot take over the overseer's account either.
    refused(&c, &["account", "reset-password", OVERSEER, "--by", SECRETARY], 1, &["refused", "oversees a region"]);
}

// ---- each community its own ------------------------------------------------------------

#[test]
fn what_an_account_adds_lands_in_its_own_community() {
    let c = city();
    with_b_roll(&c);
    assert_eq!(member_ids(&c, A), [LIANG_XIAOGAI, HU_GUOJIE, HU_GUOQIANG, PENG_YALI]);
    assert_eq!(member_ids(&c, B), [B_MEMBER]);
    let branches = c.ok(&["--community", B, "branch", "list"]);
    assert_eq!(branches.stdout.lines().collect::<Vec<_>>(), ["3\t五里第一党支部"], "{branches:#?}");
    let a_branches = c.ok(&["--community", A, "branch", "list"]);
    assert_eq!(a_branches.stdout.lines().count(), 2, "{a_branches:#?}");
    assert_eq!(ints(&c, "SELECT community_id, id FROM members ORDER BY id"), [[1, 1], [1, 2], [1, 3], [1, 4], [2, 5]]);

    // An account acts in its own community; naming another is refused, not ignored.
    refused(
        &c,
        &["--community", A, "member", "add", "--name", "某人", "--branch", "3", "--by", B_SECRETARY],
        1,
        &[&format!("account {B_SECRETARY} acts in {B}, not in {A}")],
    );

    // Nobody reaches across: not into another community's branch, member or account.
    let b_member = B_MEMBER.to_string();
    refused(
        &c,
        &["member", "add", "--name", "某人", "--branch", "1", "--by", B_SECRETARY],
        2,
        &["no branch with id 1"],
    );
    refused(
        &c,
        &["member", "add", "--name", "某人", "--branch", &B_BRANCH.to_string(), "--by", SECRETARY],
        2,
        &["no branch with id 3"],
    );
    refused(
        &c,
        &[
            "account",
            "add",
            "--login",
            "x1",
            "--name",
            "梁小改",
            "--role",
            "member",
            "--member",
            "1",
            "--by",
            B_SECRETARY,
        ],
        2,
        &["no member with id or login \"1\""],
    );
    refused(
        &c,
        &[
            "account", "add", "--login", "x2", "--name", "某人", "--role", "member", "--member", &b_member, "--by",
            SECRETARY,
        ],
        2,
        &["no member with id or login \"5\""],
    );
    refused(
        &c,
        &["account", "reset-password", B_SECRETARY, "--by", SECRETARY],
        1,
        &["refused", "account wuli belongs to another community"],
    );
    refused(
        &c,
        &["explain", "--member", &b_member, "--year", "2025", "--community", A],
        2,
        &["no member with id or login \"5\""],
    );
}

#[test]
fn a_command_without_an_account_must_name_the_community() {
    let c = city();
    let member = LIANG_XIAOGAI.to_string();
    let commands: [&[&str]; 8] = [
        &["rating", "--year", "2025"],
        &["rating", "--year", "2025", "--json"],
        &["member", "list"],
        &["branch", "list"],
        &["period", "list"],
        &["household", "report"],
        &["household", "list"],
        &["explain", "--member", &member, "--year", "2025"],
    ];
    for args in commands {
        refused(&c, args, 2, &["holds 2 communities (十里社区, 五里社区)", "--community", "region list"]);
    }
    refused(&c, &["--community", "无名社区", "rating", "--year", "2025"], 2, &["no community named \"无名社区\""]);

    // Named, they work; the environment may name it instead.
    let json = rating(&c, A);
    assert_eq!(json["members"].as_array().map(Vec::len), Some(4));
    let run: Run = starledger()
        .arg("--database-url")
        .arg(c.url())
        .args(["rating", "--year", "2025", "--json"])
        .env("STARLEDGER_COMMUNITY", A)
        .output()
        .expect("starledger runs")
        .into();
    assert_eq!(serde_json::from_str::<Value>(&run.succeeded().stdout).unwrap(), json);
    c.ok(&["--community", A, "period", "list"]);
    c.ok(&["--community", A, "household", "report"]);
    c.ok(&["--community", A, "explain", "--member", &member, "--year", "2025"]);
}

#[test]
fn each_community_rates_its_year_by_its_own_rulebook() {
    let c = city();
    with_b_roll(&c);
    let rulebook = b_rulebook(&c);
    let opened = c.ok(&["period", "open", "2025", "--rulebook", &rulebook, "--by", B_SECRETARY]);
    assert!(opened.stdout.contains("opened 2025 with rulebook 2026.1-wuli"), "{opened:#?}");
    c.record(LIANG_XIAOGAI, "meeting.group", "2025-03-02", BRANCH_SECRETARY, "").succeeded();
    b_secretary_on_the_roll(&c);
    c.record(B_MEMBER, "meeting.group", "2025-03-02", B_SECRETARY, "").succeeded();

    let a = rating(&c, A);
    assert_eq!(a["rulebook_version"], "2026.1");
    let a_members = a["members"].as_array().unwrap();
    assert_eq!(a_members.len(), 4, "{a}");
    let liang = a_members.iter().find(|m| m["member_id"] == LIANG_XIAOGAI).expect("梁小改 is rated in A");
    assert_eq!(liang["categories"]["study"], 1.0);

    let b = rating(&c, B);
    assert_eq!(b["rulebook_version"], "2026.1-wuli");
    let b_members = b["members"].as_array().unwrap();
    assert_eq!(b_members.len(), 2, "张五, and 王五里 the secretary: {b}");
    assert_eq!(b_members[0]["member_id"], B_MEMBER);
    assert_eq!(b_members[0]["branch"], "五里第一党支部");
    assert_eq!(b_members[0]["categories"]["study"], 2.0, "B's rulebook gives 2 for a group meeting");

    let periods = c.ok(&["--community", B, "period", "list"]);
    assert!(periods.stdout.contains("2025\topen\trulebook 2026.1-wuli"), "{periods:#?}");
    let periods = c.ok(&["--community", A, "period", "list"]);
    assert!(periods.stdout.contains("2025\topen\trulebook 2026.1\t"), "{periods:#?}");
}

#[test]
fn ledger_verify_checks_every_community() {
    let c = city();
    with_b_roll(&c);
    let rulebook = b_rulebook(&c);
    c.ok(&["period", "open", "2025", "--rulebook", &rulebook, "--by", B_SECRETARY]);
    c.record(LIANG_XIAOGAI, "meeting.group", "2025-03-02", BRANCH_SECRETARY, "").succeeded();
    c.record(HU_GUOJIE, "volunteer.straw_patrol", "2025-06-10", SECRETARY, "秸秆禁烧-6月").succeeded();
    b_secretary_on_the_roll(&c);
    c.record(B_MEMBER, "meeting.group", "2025-03-02", B_SECRETARY, "").succeeded();

    let run = c.ok(&["ledger", "verify"]);
    assert_eq!(
        run.stdout.lines().collect::<Vec<_>>(),
        [
            "十里社区: 2 entries intact",
            "五里社区: 1 entries intact",
            "ledger intact: 3 entries, hash chain and totals verified"
        ],
        "{run:#?}"
    );
    let one = c.ok(&["--community", B, "ledger", "verify"]);
    assert!(one.stdout.contains("ledger intact: 1 entries"), "{one:#?}");

    // An entry of B changed behind the triggers' back: found when every
    // community is checked and when B is, not when only A is.
    let b_entry = int(&c, "SELECT id FROM ledger_entries WHERE community_id = 2");
    c.execute(&[
        "DROP TRIGGER ledger_entries_no_update",
        &format!("UPDATE ledger_entries SET points_tenths = 99 WHERE id = {b_entry}"),
    ])
    .expect("tamper with B's entry");
    let entry = format!("entry {b_entry}");
    // Checking every community, the failure is the one line said: A's intact
    // chain is not reported as if the whole check had passed.
    c.run(&["ledger", "verify"]).failed(1, &["ledger verify FAILED (五里社区)", &entry]);
    c.run(&["--community", B, "ledger", "verify"]).failed(1, &["ledger verify FAILED", &entry]);
    c.ok(&["--community", A, "ledger", "verify"]);
}

// ---- the figures a region reads -----------------------------------------------------------

/// The figures of a community's year, as `stats refresh` stored them.
const COMMUNITY_STATS: &str = "SELECT community_id, year, members, eligible, serving, five_star, four_star, \
     three_star, below_three, final, through_entry FROM community_year_stats ORDER BY community_id, year";

#[test]
fn stats_refresh_computes_each_communitys_figures() {
    let c = city();
    c.record(LIANG_XIAOGAI, "meeting.group", "2025-03-02", BRANCH_SECRETARY, "").succeeded();
    c.record(HU_GUOJIE, "volunteer.straw_patrol", "2025-06-10", SECRETARY, "秸秆禁烧-6月").succeeded();
    c.record(PENG_YALI, "volunteer.civility", "2025-05-01", SECRETARY, "文明创建2025-05").succeeded();
    assert_eq!(count(&c, "community_year_stats"), 0, "nothing is computed until asked");

    let started = super::helpers::now_in_china().timestamp().as_second();
    let run = c.ok(&["stats", "refresh"]);
    assert_eq!(
        run.stdout.lines().collect::<Vec<_>>(),
        ["十里社区: figures for 1 years", "五里社区: figures for 0 years"],
        "{run:#?}"
    );
    // The stars agree with the rating of the same rows.
    let json = rating(&c, A);
    let members = json["members"].as_array().unwrap();
    let eligible: Vec<&Value> = members.iter().filter(|m| m["eligible"] == true).collect();
    let with = |stars: u64| eligible.iter().filter(|m| m["stars"] == stars).count() as i64;
    let below = eligible.iter().filter(|m| m["stars"].as_u64().unwrap() < 3).count() as i64;
    let last_entry = int(&c, "SELECT MAX(id) FROM ledger_entries WHERE community_id = 1");
    assert_eq!(
        ints(&c, COMMUNITY_STATS),
        [[1, 2025, 4, eligible.len() as i64, 2, with(5), with(4), with(3), below, 0, last_entry]],
        "four members, two in volunteer service, not final, through the last entry"
    );
    let computed_at = int(&c, "SELECT unix_seconds(computed_at) FROM community_year_stats");
    assert!((started..=started + 600).contains(&computed_at), "computed now: {computed_at}");
    // Per branch: branch 1 has three members (彭雅丽 serves), branch 2 one (胡国杰 serves).
    assert_eq!(
        ints(&c, "SELECT branch_id, members, serving, final FROM branch_year_stats ORDER BY branch_id"),
        [[1, 3, 1, 0], [2, 1, 1, 0]]
    );

    // Refreshed again after more entries and B's first year: replaced, not added.
    c.record(LIANG_XIAOGAI, "volunteer.cleanup", "2025-07-01", SECRETARY, "环境整治-7月").succeeded();
    with_b_roll(&c);
    c.ok(&["period", "open", "2025", "--rulebook", c.rulebook.to_str().unwrap(), "--by", B_SECRETARY]);
    let run = c.ok(&["stats", "refresh"]);
    assert!(run.stdout.contains("五里社区: figures for 1 years"), "{run:#?}");
    let last_entry = int(&c, "SELECT MAX(id) FROM ledger_entries WHERE community_id = 1");
    assert_eq!(
        ints(
            &c,
            "SELECT community_id, year, members, serving, final, through_entry FROM community_year_stats ORDER BY community_id"
        ),
        [[1, 2025, 4, 3, 0, last_entry], [2, 2025, 1, 0, 0, 0]]
    );
    assert_eq!(
        ints(&c, "SELECT community_id, branch_id, members FROM branch_year_stats ORDER BY community_id, branch_id"),
        [[1, 1, 3], [1, 2, 1], [2, B_BRANCH, 1]]
    );
}

// ---- the demo ---------------------------------------------------------------------------------

/// The demo (the once-built copy the browser tests share) sits in the
/// city's tree with the city's overseer, and its figures are final for both
/// of its finished years.
#[test]
fn the_demo_sits_in_the_city_with_its_figures() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let db = dir.path().join("demo.db");
    demo_database(&db);
    let run = run_at(&db, &["region", "list"]).succeeded();
    assert_eq!(
        run.stdout.lines().collect::<Vec<_>>(),
        [
            "许昌市 (市)",
            "  overseer: city (市委组织部)",
            "  示例区 (县/区)",
            "    示例街道 (街道/乡镇)",
            "      community 1: 十里社区"
        ],
        "{run:#?}"
    );
    let url = format!("sqlite://{}", db.display());
    assert_eq!(
        ints_at(
            &url,
            "SELECT year, five_star, final FROM community_year_stats WHERE community_id = 1 AND year IN (2024, 2025) \
             ORDER BY year"
        ),
        [[2024, 25, 1], [2025, 25, 1]],
        "25 five-star members in each finished year, as finalized"
    );
    assert!(int_at(&url, "SELECT COUNT(*) FROM branch_year_stats WHERE year = 2025 AND final = 1") > 1);
    let members = int_at(&url, "SELECT members FROM community_year_stats WHERE year = 2025");
    assert!((150..=300).contains(&members), "{members} members in 2025");
    // Every year the demo opened has its figures.
    let without = "SELECT COUNT(*) FROM periods p WHERE NOT EXISTS (SELECT 1 FROM community_year_stats s \
         WHERE s.community_id = p.community_id AND s.year = p.year)";
    assert_eq!(int_at(&url, without), 0);
    drop(dir);
}
