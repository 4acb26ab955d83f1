//! The fixtures every test shares: running the real binary, a small community
//! built through the command line, and a snapshot of the whole database.

use assert_cmd::Command;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AnyConnection, Connection, SqliteConnection};
use starledger_app::clock::{self, Clock};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use tempfile::TempDir;

// ---- who is in the fixture community ----------------------------------------

/// The committee's secretary (梁雍宏), created by `init`; not a member on the roll.
pub const SECRETARY: &str = "secretary";
/// A committee account that is also member [`HU_GUOJIE`] (branch 2).
pub const COMMITTEE_MEMBER: &str = "weiyuan";
/// The secretary of branch 1, who is also member [`PENG_YALI`] of branch 1.
pub const BRANCH_SECRETARY: &str = "zhishu1";
/// An auditor: reads everything, writes nothing.
pub const AUDITOR: &str = "shenji";
/// A plain member account: member [`LIANG_XIAOGAI`].
pub const MEMBER_ACCOUNT: &str = "dangyuan";

/// Branch 1, the member behind [`MEMBER_ACCOUNT`].
pub const LIANG_XIAOGAI: i64 = 1;
/// Branch 2, the member behind [`COMMITTEE_MEMBER`].
pub const HU_GUOJIE: i64 = 2;
/// Branch 1, excused from household linking (年老体弱).
pub const HU_GUOQIANG: i64 = 3;
/// Branch 1, the member behind [`BRANCH_SECRETARY`].
pub const PENG_YALI: i64 = 4;

// ---- the day the suite runs on ---------------------------------------------------

/// The moment every test of this suite starts on, whatever the machine's
/// date, so the suite passes on December 31 at 23:30 and on January 2 as on
/// any day. `STARLEDGER_NOW` in the tests' environment states another
/// moment for the whole run, to explore (CI runs the suite on this day
/// only; see the web suite's `SUITE_DAY` for what other days show).
pub const SUITE_DAY: &str = "2026-06-10T10:00:00+08:00";

/// The suite's clock, running from `STARLEDGER_NOW` or [`SUITE_DAY`],
/// installed as this process's so that the tests and every binary they
/// start reckon the same day.
pub fn suite_clock() -> Clock {
    static CLOCK: OnceLock<Clock> = OnceLock::new();
    *CLOCK.get_or_init(|| {
        let stated = std::env::var("STARLEDGER_NOW").ok().filter(|text| !text.trim().is_empty());
        let clock = Clock::parse(stated.as_deref().unwrap_or(SUITE_DAY)).expect("STARLEDGER_NOW is a moment");
        clock::install(clock);
        clock
    })
}

/// Now on the suite's clock, as `STARLEDGER_NOW` tells a binary started now:
/// each binary's clock runs on from where the suite's is.
pub fn stated_now() -> String {
    suite_clock().now().to_string()
}

/// Now on the suite's clock, in China.
pub fn now_in_china() -> jiff::Zoned {
    suite_clock().now().to_zoned(clock::china())
}

/// Today on the suite's clock, in China.
pub fn today_in_china() -> jiff::civil::Date {
    now_in_china().date()
}

// ---- running the binary -------------------------------------------------------

/// The binary under test, with no database, community or lock settings
/// from the environment.
pub fn starledger() -> Command {
    let mut command = Command::cargo_bin("starledger").expect("the starledger binary is built");
    command
        .env_remove("STARLEDGER_DB")
        .env_remove("STARLEDGER_DATABASE_URL")
        .env_remove("STARLEDGER_COMMUNITY")
        .env_remove("STARLEDGER_BUSY_TIMEOUT_MS")
        .env_remove("STARLEDGER_CONFIG")
        .env("STARLEDGER_NOW", stated_now());
    command
}

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<std::process::Output> for Run {
    fn from(output: std::process::Output) -> Run {
        Run {
            code: output.status.code().expect("starledger exited by itself, not by a signal"),
            stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
        }
    }
}

impl Run {
    /// Asserts success and returns the run.
    #[track_caller]
    pub fn succeeded(self) -> Run {
        assert_eq!(self.code, 0, "expected success, got {self:#?}");
        self
    }

    /// Asserts the exit code, that stdout is empty, and that stderr is one
    /// line saying `starledger: ...` with every one of `words`; returns that line.
    #[track_caller]
    pub fn failed(&self, code: i32, words: &[&str]) -> String {
        assert_eq!(self.code, code, "expected exit code {code}, got {self:#?}");
        assert!(self.stdout.is_empty(), "a failure prints nothing on stdout: {self:#?}");
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "a failure is one line on stderr: {self:#?}");
        let line = lines[0];
        assert!(line.starts_with("starledger: "), "stderr line names the program: {line}");
        for word in words {
            assert!(line.contains(word), "stderr should contain {word:?}: {line}");
        }
        line.to_string()
    }
}

/// Runs `starledger --db DB ARGS...`.
pub fn run_at(db: &Path, args: &[&str]) -> Run {
    starledger().arg("--db").arg(db).args(args).output().expect("starledger runs").into()
}

// ---- the community ------------------------------------------------------------

/// A small community built through the real binary, in its own folder:
/// 十里社区 with two branches, four members, an account for every role, and
/// 2025 opened with the default rulebook.
pub struct Community {
    pub dir: TempDir,
    /// The SQLite file; unused when the community lives in PostgreSQL.
    pub db: PathBuf,
    /// The default rulebook as printed by `rulebook default`.
    pub rulebook: PathBuf,
    /// Set when the tests run on PostgreSQL (`STARLEDGER_TEST_BACKEND=postgres`).
    pub postgres: Option<PgDatabase>,
}

/// A database of its own on the PostgreSQL server named by
/// `STARLEDGER_TEST_POSTGRES`, dropped when the test ends.
pub struct PgDatabase {
    admin: String,
    name: String,
    pub url: String,
}

impl PgDatabase {
    pub fn create() -> PgDatabase {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let admin = std::env::var("STARLEDGER_TEST_POSTGRES")
            .expect("STARLEDGER_TEST_BACKEND=postgres needs STARLEDGER_TEST_POSTGRES=postgres://USER@HOST/postgres");
        let name = format!("sl_cli_{}_{}", std::process::id(), NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
        admin_execute(&admin, &[&format!("DROP DATABASE IF EXISTS {name}"), &format!("CREATE DATABASE {name}")]);
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(base, _)| base);
        let url = format!("{base}/{name}");
        PgDatabase { admin, name, url }
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        admin_execute(&self.admin, &[&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)]);
    }
}

fn admin_execute(admin: &str, statements: &[&str]) {
    runtime().block_on(async {
        sqlx::any::install_default_drivers();
        let mut conn = AnyConnection::connect(admin).await.expect("the PostgreSQL server is reachable");
        for statement in statements {
            sqlx::query(statement).execute(&mut conn).await.unwrap_or_else(|e| panic!("{statement}: {e}"));
        }
        conn.close().await.expect("close");
    });
}

/// Whether this run of the tests puts communities in PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var("STARLEDGER_TEST_BACKEND").is_ok_and(|b| b == "postgres")
}

impl Community {
    /// The fixture community, on the backend this test run uses.
    pub fn new() -> Community {
        Community::build(on_postgres())
    }

    /// The fixture community in a SQLite file, for tests about the file itself.
    pub fn sqlite() -> Community {
        Community::build(false)
    }

    fn build(postgres: bool) -> Community {
        let dir = TempDir::new().expect("a temporary folder");
        let db = dir.path().join("starledger.db");
        let rulebook = dir.path().join("rules.toml");
        let postgres = postgres.then(PgDatabase::create);
        let community = Community { dir, db, rulebook, postgres };
        let c = &community;
        c.ok(&["init", "--community", "十里社区", "--login", SECRETARY, "--name", "梁雍宏"]);
        assert!(c.ok(&["branch", "add", "第一党支部", "--by", SECRETARY]).stdout.contains("added branch 1"));
        assert!(c.ok(&["branch", "add", "第二党支部", "--by", SECRETARY]).stdout.contains("added branch 2"));
        let members: [(i64, &str, &str, &[&str]); 4] = [
            (LIANG_XIAOGAI, "梁小改", "1", &[]),
            (HU_GUOJIE, "胡国杰", "2", &[]),
            (HU_GUOQIANG, "胡国强", "1", &["--exempt", "年老体弱"]),
            (PENG_YALI, "彭雅丽", "1", &[]),
        ];
        for (id, name, branch, extra) in members {
            let mut args = vec!["member", "add", "--name", name, "--branch", branch, "--by", SECRETARY];
            args.extend_from_slice(extra);
            let run = c.ok(&args);
            assert!(run.stdout.contains(&format!("added member {id}: {name}")), "{run:#?}");
        }
        // The committee's first account acts on points as a person on the
        // roll, like every other: one person, one account.
        let hu_guoqiang = HU_GUOQIANG.to_string();
        c.ok(&["account", "link", SECRETARY, "--member", &hu_guoqiang, "--by", SECRETARY]);
        let (hu_guojie, peng_yali, liang_xiaogai) =
            (HU_GUOJIE.to_string(), PENG_YALI.to_string(), LIANG_XIAOGAI.to_string());
        let accounts: [&[&str]; 4] = [
            &["--login", COMMITTEE_MEMBER, "--name", "胡国杰", "--role", "committee", "--member", &hu_guojie],
            &[
                "--login",
                BRANCH_SECRETARY,
                "--name",
                "彭雅丽",
                "--role",
                "branch_secretary",
                "--branch",
                "1",
                "--member",
                &peng_yali,
            ],
            &["--login", AUDITOR, "--name", "审计员", "--role", "auditor"],
            &["--login", MEMBER_ACCOUNT, "--name", "梁小改", "--role", "member", "--member", &liang_xiaogai],
        ];
        for account in accounts {
            let mut args = vec!["account", "add"];
            args.extend_from_slice(account);
            args.extend_from_slice(&["--by", SECRETARY]);
            c.ok(&args);
        }
        let text = c.ok(&["rulebook", "default"]).stdout;
        std::fs::write(&c.rulebook, text).expect("write the rulebook");
        let rulebook = c.rulebook.to_str().expect("a UTF-8 path").to_string();
        c.ok(&["period", "open", "2025", "--rulebook", &rulebook, "--by", SECRETARY]);
        community
    }

    /// Runs the binary on this community's database.
    pub fn run(&self, args: &[&str]) -> Run {
        match &self.postgres {
            Some(pg) => {
                starledger().arg("--database-url").arg(&pg.url).args(args).output().expect("starledger runs").into()
            }
            None => run_at(&self.db, args),
        }
    }

    /// The database as `--database-url` takes it.
    pub fn url(&self) -> String {
        match &self.postgres {
            Some(pg) => pg.url.clone(),
            None => format!("sqlite://{}", self.db.display()),
        }
    }

    /// Runs statements on the database directly, as a program other than
    /// starledger would; returns the first error's message. `DROP TRIGGER
    /// name` works on both backends.
    pub fn execute(&self, statements: &[&str]) -> Result<(), String> {
        let Some(pg) = &self.postgres else { return execute(&self.db, statements) };
        runtime().block_on(async {
            sqlx::any::install_default_drivers();
            let mut conn = AnyConnection::connect(&pg.url).await.expect("open the database to write it");
            let mut outcome = Ok(());
            for statement in statements {
                let mut statement = statement.to_string();
                if let Some(trigger) = statement.strip_prefix("DROP TRIGGER ").map(str::to_string) {
                    let table: String = sqlx::query_scalar(
                        "SELECT CAST(CAST(tgrelid AS regclass) AS TEXT) FROM pg_trigger WHERE tgname = $1",
                    )
                    .bind(&trigger)
                    .fetch_one(&mut conn)
                    .await
                    .expect("the trigger exists");
                    statement = format!("DROP TRIGGER {trigger} ON {table}");
                }
                if let Err(error) = sqlx::query(&statement).execute(&mut conn).await {
                    outcome = Err(error.to_string());
                    break;
                }
            }
            conn.close().await.expect("close the database");
            outcome
        })
    }

    /// Runs the binary and asserts it succeeded.
    #[track_caller]
    pub fn ok(&self, args: &[&str]) -> Run {
        self.run(args).succeeded()
    }

    /// `record --member M --rule R --on DATE --by LOGIN --ref REF`.
    pub fn record(&self, member: i64, rule: &str, on: &str, by: &str, reference: &str) -> Run {
        let member = member.to_string();
        self.run(&["record", "--member", &member, "--rule", rule, "--on", on, "--by", by, "--ref", reference])
    }

    /// A path inside this community's temporary folder.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A copy of the default rulebook text with the first `from` replaced by `to`.
    pub fn rulebook_with(&self, from: &str, to: &str) -> String {
        let text = std::fs::read_to_string(&self.rulebook).expect("read the rulebook");
        assert!(text.contains(from), "fixture text {from:?} is not in the default rulebook");
        text.replacen(from, to, 1)
    }

    pub fn snapshot(&self) -> Snapshot {
        match &self.postgres {
            Some(pg) => pg_snapshot(&pg.url),
            None => snapshot(&self.db),
        }
    }
}

/// The 1-based number of the first line of `text` that contains `needle`.
pub fn line_containing(text: &str, needle: &str) -> usize {
    text.lines().position(|line| line.contains(needle)).expect("needle is in the text") + 1
}

// ---- the database, seen directly -------------------------------------------------

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime")
}

/// Every row of every table, and the schema itself, each table's rows as
/// SQL literals in a fixed order: two snapshots are equal exactly when the
/// database content is.
#[derive(Debug, PartialEq, Eq)]
pub struct Snapshot(pub BTreeMap<String, Vec<String>>);

impl Snapshot {
    /// How many rows a table has.
    pub fn rows(&self, table: &str) -> usize {
        self.0.get(table).unwrap_or_else(|| panic!("no table {table}")).len()
    }
}

pub fn snapshot(db: &Path) -> Snapshot {
    runtime().block_on(async {
        let options = SqliteConnectOptions::new().filename(db).read_only(true);
        let mut conn = SqliteConnection::connect_with(&options).await.expect("open the database to read it");
        let mut tables = BTreeMap::new();
        let schema: Vec<String> = sqlx::query_scalar(
            "SELECT quote(type) || ',' || quote(name) || ',' || quote(tbl_name) || ',' || quote(sql) \
             FROM sqlite_master ORDER BY type, name",
        )
        .fetch_all(&mut conn)
        .await
        .expect("read the schema");
        tables.insert("sqlite_master".to_string(), schema);
        let names: Vec<String> =
            sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
                .fetch_all(&mut conn)
                .await
                .expect("list the tables");
        for name in names {
            let columns: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info($1) ORDER BY cid")
                .bind(&name)
                .fetch_all(&mut conn)
                .await
                .expect("list the columns");
            let quoted: Vec<String> = columns.iter().map(|c| format!("\"{c}\"")).collect();
            let values: Vec<String> = quoted.iter().map(|c| format!("quote({c})")).collect();
            let sql = format!("SELECT {} FROM \"{name}\" ORDER BY {}", values.join(" || ',' || "), quoted.join(", "));
            let rows: Vec<String> =
                sqlx::query_scalar(&sql).fetch_all(&mut conn).await.unwrap_or_else(|e| panic!("read {name}: {e}"));
            tables.insert(name, rows);
        }
        conn.close().await.expect("close the database");
        Snapshot(tables)
    })
}

/// A PostgreSQL database's every row and its schema, as `snapshot` does for SQLite.
pub fn pg_snapshot(url: &str) -> Snapshot {
    runtime().block_on(async {
        sqlx::any::install_default_drivers();
        let mut conn = AnyConnection::connect(url).await.expect("open the database to read it");
        let mut tables = BTreeMap::new();
        let schema: Vec<String> = sqlx::query_scalar(
            "SELECT CAST(table_name AS TEXT) || '.' || CAST(column_name AS TEXT) || ' ' || CAST(data_type AS TEXT) \
             FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY 1",
        )
        .fetch_all(&mut conn)
        .await
        .expect("read the schema");
        tables.insert("information_schema".to_string(), schema);
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT CAST(table_name AS TEXT) FROM information_schema.tables WHERE table_schema = current_schema() \
             AND table_type = 'BASE TABLE' ORDER BY 1",
        )
        .fetch_all(&mut conn)
        .await
        .expect("list the tables");
        for name in names {
            let columns: Vec<String> = sqlx::query_scalar(
                "SELECT CAST(column_name AS TEXT) FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
            )
            .bind(&name)
            .fetch_all(&mut conn)
            .await
            .expect("list the columns");
            let values: Vec<String> =
                columns.iter().map(|c| format!("COALESCE(quote_literal(\"{c}\"), 'NULL')")).collect();
            let order: Vec<String> = columns.iter().map(|c| format!("\"{c}\"")).collect();
            let sql = format!("SELECT {} FROM \"{name}\" ORDER BY {}", values.join(" || ',' || "), order.join(", "));
            let rows: Vec<String> =
                sqlx::query_scalar(&sql).fetch_all(&mut conn).await.unwrap_or_else(|e| panic!("read {name}: {e}"));
            tables.insert(name, rows);
        }
        conn.close().await.expect("close the database");
        Snapshot(tables)
    })
}

/// Runs statements on the database directly, as a program other than
/// starledger would; returns the first error's message.
pub fn execute(db: &Path, statements: &[&str]) -> Result<(), String> {
    runtime().block_on(async {
        let options = SqliteConnectOptions::new().filename(db);
        let mut conn = SqliteConnection::connect_with(&options).await.expect("open the database to write it");
        let mut outcome = Ok(());
        for statement in statements {
            let statement = starledger_store::Backend::Sqlite.sql(statement);
            if let Err(error) = sqlx::query(&statement).execute(&mut conn).await {
                outcome = Err(error.to_string());
                break;
            }
        }
        conn.close().await.expect("close the database");
        outcome
    })
}

/// Whether the tests run with effective uid 0 (root ignores file permissions).
pub fn running_as_root() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(1).map(|effective| effective == "0"))
        .unwrap_or(false)
}

/// `starledger serve` running over a fixture community's database.
pub struct Served {
    pub server: super::browser::Process,
    pub port: u16,
    /// Where its stdout and stderr go.
    pub log: PathBuf,
}

impl Community {
    /// Starts `starledger serve` on a free loopback port over this
    /// community's database, with `env` set and `options` after `serve`,
    /// its output in `serve.log` beside the database; returns once it
    /// answers `/healthz` (a bounded wait).
    pub async fn serve(&self, env: &[(&str, &str)], options: &[&str]) -> Served {
        use super::browser::{Process, free_port, http_get};
        let port = free_port();
        let log = self.path("serve.log");
        let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("starledger"));
        command.env("STARLEDGER_NOW", stated_now()).envs(env.iter().copied());
        let listen = format!("127.0.0.1:{port}");
        command.args(["--database-url", &self.url(), "serve", "--listen", &listen]).args(options);
        let mut server = Process::start("starledger serve", command, log.clone());
        server
            .wait_until_ready("answering GET /healthz", || async move { http_get(port, "/healthz").await.is_some() })
            .await;
        Served { server, port, log }
    }
}
