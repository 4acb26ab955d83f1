//! `starledger bench`: a tiny synthetic city builds into a new database with
//! valid chains, the same arguments build the same ledger, and the rating
//! and reads benchmarks run on it, print parseable figures and meet no 5xx.
//! No figure is held to a time: the machine is shared.

use super::helpers::{PgDatabase, Run, on_postgres, runtime, starledger};
use sqlx::{AnyConnection, Connection};
use std::collections::BTreeMap;

/// The database options: a SQLite file in `dir`, or a fresh PostgreSQL
/// database when the suite runs on PostgreSQL.
fn database(dir: &tempfile::TempDir, name: &str, pg: &Option<PgDatabase>) -> Vec<String> {
    match pg {
        Some(pg) => vec!["--database-url".into(), pg.url.clone()],
        None => vec!["--db".into(), dir.path().join(name).display().to_string()],
    }
}

fn run(database: &[String], args: &[&str]) -> Run {
    starledger().args(database).args(args).output().expect("starledger runs").into()
}

/// The number before `word` in `text` ("24 members" -> 24).
fn count_before(text: &str, word: &str) -> u64 {
    let words: Vec<&str> = text.split([' ', ',', '(']).filter(|w| !w.is_empty()).collect();
    let at = words.iter().position(|w| *w == word).unwrap_or_else(|| panic!("no \"{word}\" in {text}"));
    words[at - 1].parse().unwrap_or_else(|_| panic!("no number before \"{word}\" in {text}"))
}

/// The `key=value` pairs of each `result:` line.
fn results(stdout: &str) -> Vec<BTreeMap<String, String>> {
    stdout
        .lines()
        .filter_map(|line| line.strip_prefix("result: "))
        .map(|line| {
            line.split_whitespace()
                .filter_map(|pair| pair.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn number(result: &BTreeMap<String, String>, key: &str) -> f64 {
    let text = result.get(key).unwrap_or_else(|| panic!("no {key} in {result:?}"));
    text.parse().unwrap_or_else(|_| panic!("{key}={text} is not a number"))
}

/// How many ledger tables of the PostgreSQL database at `url` a `VACUUM`
/// (not autovacuum) has passed over.
fn vacuumed_ledgers(url: &str) -> i64 {
    runtime().block_on(async {
        sqlx::any::install_default_drivers();
        let mut conn = AnyConnection::connect(url).await.expect("open the database to read it");
        let sql =
            "SELECT COUNT(*) FROM pg_stat_user_tables WHERE relname = 'ledger_entries' AND last_vacuum IS NOT NULL";
        let count = sqlx::query_scalar(sql).fetch_one(&mut conn).await.expect("read the vacuum statistics");
        conn.close().await.expect("close the database");
        count
    })
}

const CITY: [&str; 8] = ["bench", "city", "--communities", "2", "--members-per-community", "12", "--years", "2"];

#[test]
fn a_tiny_city_builds_verifies_and_is_measured() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let pg = on_postgres().then(PgDatabase::create);
    let db = database(&dir, "city.db", &pg);

    let built = run(&db, &CITY).succeeded();
    let summary = built.stdout.lines().next().expect("a summary line");
    assert_eq!(count_before(summary, "communities"), 2, "{summary}");
    assert_eq!(count_before(summary, "members"), 24, "{summary}");
    // Members without a post link 5 to 10 households each.
    let households = count_before(summary, "households");
    assert!((5..=240).contains(&households), "{summary}");
    let entries = count_before(summary, "ledger");
    assert!(entries > 24 * 20, "a member-year brings dozens of entries: {summary}");
    assert!(built.stdout.contains("reproduce: starledger"), "{}", built.stdout);
    // On PostgreSQL the city is vacuumed and analyzed before it is measured.
    assert_eq!(built.stdout.contains("then VACUUM ANALYZE in"), pg.is_some(), "{}", built.stdout);
    if let Some(pg) = &pg {
        assert_eq!(vacuumed_ledgers(&pg.url), 1, "the ledger was vacuumed");
    }

    let verified = run(&db, &["ledger", "verify"]).succeeded();
    assert!(verified.stdout.contains(&format!("ledger intact: {entries} entries")), "{}", verified.stdout);

    // Ordinary writes continue after the bulk path: ids (and PostgreSQL's
    // identity) were moved past the bulk rows, and the chain goes on.
    let today = super::helpers::today_in_china().to_string();
    run(&db, &["record", "--member", "8", "--rule", "meeting.group", "--on", &today, "--by", "bench001-committee1"])
        .succeeded();
    let verified = run(&db, &["ledger", "verify"]).succeeded();
    assert!(verified.stdout.contains(&format!("ledger intact: {} entries", entries + 1)), "{}", verified.stdout);

    // Each community is rated by the product's own command, every member on its roll.
    let year = (super::helpers::today_in_china().year() - 1).to_string();
    let rated = run(&db, &["--community", "合成001社区", "rating", "--year", &year, "--json"]).succeeded();
    let rating: serde_json::Value = serde_json::from_str(&rated.stdout).expect("rating --json prints JSON");
    assert_eq!(rating["members"].as_array().map(Vec::len), Some(12));
    let categories = ["study", "household", "volunteer", "ethics", "review"];
    for category in categories {
        let total: f64 = rating["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["categories"][category].as_f64().unwrap_or(0.0).abs())
            .sum();
        assert!(total > 0.0, "some member has points in {category}");
    }

    // A database that is not new is refused, and left as it was.
    let again = run(&db, &CITY);
    assert_ne!(again.code, 0, "{again:#?}");
    assert!(again.stderr.contains("already"), "{again:#?}");

    let measured = run(&db, &["bench", "rating", "--year", &year, "--runs", "1"]).succeeded();
    let rating = results(&measured.stdout);
    assert_eq!(rating.len(), 1, "{}", measured.stdout);
    assert_eq!(rating[0]["year"], year);
    for key in ["product_s", "baseline_s", "ratio", "kept_s", "kept_ratio"] {
        let value = number(&rating[0], key);
        assert!(value.is_finite() && value > 0.0, "{key}={value}: {}", measured.stdout);
    }
    assert!(measured.stdout.contains("reproduce: starledger"), "{}", measured.stdout);

    let reads = run(&db, &["bench", "reads", "--connections", "2", "--duration-secs", "1"]).succeeded();
    let paths = results(&reads.stdout);
    let names: Vec<&str> = paths.iter().map(|r| r["path"].as_str()).collect();
    assert_eq!(names[0], "/static/app.css", "the baseline comes first: {}", reads.stdout);
    for path in ["/standings", "/me", "/honours", "/r/TOKEN"] {
        assert!(names.contains(&path), "{path} is measured: {}", reads.stdout);
    }
    for result in &paths {
        assert!(number(result, "rps") > 0.0, "{result:?}");
        assert_eq!(number(result, "server_errors"), 0.0, "no 5xx: {}", reads.stdout);
        assert_eq!(number(result, "failed"), 0.0, "every answer 2xx or 3xx: {}", reads.stdout);
    }
    assert!(!reads.stdout.contains("note:"), "every page answered at once: {}", reads.stdout);

    // Writes record real ratings: refused unless the database is said to be a copy.
    let unsaid = run(&db, &["bench", "writes", "--clients", "2", "--duration-secs", "1"]);
    assert_ne!(unsaid.code, 0, "{unsaid:#?}");
    assert!(unsaid.stderr.contains("--on-a-copy"), "{unsaid:#?}");
    let writes = run(&db, &["bench", "writes", "--on-a-copy", "--clients", "2", "--duration-secs", "1"]).succeeded();
    let sides = results(&writes.stdout);
    let names: Vec<&str> = sides.iter().map(|r| r["what"].as_str()).collect();
    assert_eq!(names, ["baseline", "household"], "{}", writes.stdout);
    for side in &sides {
        assert!(number(side, "writes_per_s") > 0.0, "{side:?}");
        assert_eq!(number(side, "server_errors"), 0.0, "no 5xx: {}", writes.stdout);
    }
    assert!(writes.stdout.contains("reproduce: starledger"), "{}", writes.stdout);
    // Each rating it counted is one more entry in a chain that still verifies.
    let written = number(&sides[1], "written") as u64;
    assert!(written > 0, "{}", writes.stdout);
    assert_eq!(number(&sides[1], "ledger_entries") as u64, written, "one entry per rating: {}", writes.stdout);
    let verified = run(&db, &["ledger", "verify"]).succeeded();
    let intact = format!("ledger intact: {} entries", entries + 1 + written);
    assert!(verified.stdout.contains(&intact), "{intact}: {}", verified.stdout);

    // Meeting closes: each close the committee made put a branch's
    // attendance in the ledger, and the chain still verifies.
    let closes =
        run(&db, &["bench", "writes", "--on-a-copy", "--what", "meetings", "--clients", "2", "--duration-secs", "1"])
            .succeeded();
    let sides = results(&closes.stdout);
    let names: Vec<&str> = sides.iter().map(|r| r["what"].as_str()).collect();
    assert_eq!(names, ["baseline", "meeting"], "{}", closes.stdout);
    for side in &sides {
        assert!(number(side, "writes_per_s") > 0.0, "{side:?}");
        assert_eq!(number(side, "server_errors"), 0.0, "no 5xx: {}", closes.stdout);
        assert_eq!(number(side, "refused"), 0.0, "no close refused: {}", closes.stdout);
    }
    let closed = number(&sides[1], "written") as u64;
    let recorded = number(&sides[1], "ledger_entries") as u64;
    assert!(closed > 0 && recorded >= closed, "every close records attendance: {}", closes.stdout);
    assert!(closes.stdout.contains("bench writes --on-a-copy --what meetings"), "{}", closes.stdout);
    let verified = run(&db, &["ledger", "verify"]).succeeded();
    let intact = format!("ledger intact: {} entries", entries + 1 + written + recorded);
    assert!(verified.stdout.contains(&intact), "{intact}: {}", verified.stdout);
    drop(pg);
}

/// The same arguments build the same ledger, to the last hash (SQLite:
/// two files side by side).
#[test]
fn the_same_arguments_build_the_same_chain() {
    if on_postgres() {
        return;
    }
    let dir = tempfile::tempdir().expect("a temporary folder");
    let heads: Vec<String> = ["a.db", "b.db"]
        .iter()
        .map(|name| {
            let db = database(&dir, name, &None);
            run(&db, &CITY).succeeded();
            let path = dir.path().join(name);
            let last: Vec<String> = super::helpers::snapshot(&path).0["ledger_entries"].clone();
            last.last().cloned().expect("entries were written")
        })
        .collect();
    assert_eq!(heads[0], heads[1]);
}
