//! The fixtures every test shares: running the real binary, a small community
//! built through the command line, and a snapshot of the whole database.

use assert_cmd::Command;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, SqliteConnection};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
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

// ---- running the binary -------------------------------------------------------

/// The binary under test, with no database or lock settings from the environment.
pub fn starledger() -> Command {
    let mut command = Command::cargo_bin("starledger").expect("the starledger binary is built");
    command.env_remove("STARLEDGER_DB").env_remove("STARLEDGER_BUSY_TIMEOUT_MS");
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
    pub db: PathBuf,
    /// The default rulebook as printed by `rulebook default`.
    pub rulebook: PathBuf,
}

impl Community {
    pub fn new() -> Community {
        let dir = TempDir::new().expect("a temporary folder");
        let db = dir.path().join("starledger.db");
        let rulebook = dir.path().join("rules.toml");
        let community = Community { dir, db, rulebook };
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
        run_at(&self.db, args)
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
        snapshot(&self.db)
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

/// Runs statements on the database directly, as a program other than
/// starledger would; returns the first error's message.
pub fn execute(db: &Path, statements: &[&str]) -> Result<(), String> {
    runtime().block_on(async {
        let options = SqliteConnectOptions::new().filename(db);
        let mut conn = SqliteConnection::connect_with(&options).await.expect("open the database to write it");
        let mut outcome = Ok(());
        for statement in statements {
            if let Err(error) = sqlx::query(statement).execute(&mut conn).await {
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
