//! The demo community: the article's cases hold, the latest year has exactly
//! 25 five-star members, the ledger verifies, and the same seed builds the
//! same chain.

use assert_cmd::Command;
use serde_json::Value;
use sqlx::Connection;
use std::path::Path;

fn starledger(db: &Path) -> Command {
    let mut command = Command::cargo_bin("starledger").unwrap();
    command.env("STARLEDGER_NOW", super::helpers::stated_now()).arg("--db").arg(db);
    command
}

fn build_demo(db: &Path) -> String {
    let output = starledger(db).args(["demo", "--no-serve"]).output().unwrap();
    assert!(output.status.success(), "demo failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

fn rating(db: &Path, year: i64) -> Value {
    let output = starledger(db).args(["rating", "--year", &year.to_string(), "--json"]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

fn stars_of(rating: &Value, name: &str) -> u64 {
    let member = rating["members"].as_array().unwrap().iter().find(|m| m["name"] == name);
    member.unwrap_or_else(|| panic!("{name} is in the rating"))["stars"].as_u64().unwrap()
}

async fn scalar(db: &Path, sql: &str) -> String {
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display())).await.unwrap();
    let value: String = sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap();
    conn.close().await.unwrap();
    value
}

#[tokio::test]
async fn the_demo_tells_the_articles_story() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let printed = build_demo(&db);
    assert!(printed.contains("2025 年度五星级党员光荣榜"), "{printed}");
    assert!(printed.contains("梁小改"), "{printed}");

    let latest = rating(&db, 2025);
    let earlier = rating(&db, 2024);
    let members = latest["members"].as_array().unwrap();
    assert!((150..=300).contains(&members.len()), "{} members", members.len());
    let five_star = members.iter().filter(|m| m["stars"] == 5).count();
    assert_eq!(five_star, 25, "the latest year honours exactly 25");

    // 梁小改: five-star in every year of the demo, on top of her imported streak.
    assert_eq!((stars_of(&earlier, "梁小改"), stars_of(&latest, "梁小改")), (5, 5));
    let imported = scalar(
        &db,
        "SELECT group_concat(h.year) FROM honours h JOIN members m ON m.id = h.member_id \
         WHERE m.name = '梁小改' AND h.stars = 5",
    )
    .await;
    assert_eq!(imported, "2017,2018,2019,2020,2021,2022,2023");
    // The moral-review case: lost five stars one year, regained them the next.
    assert!(stars_of(&earlier, "李长松") < 5);
    assert_eq!(stars_of(&latest, "李长松"), 5);
    let deduction = scalar(
        &db,
        "SELECT e.reason FROM ledger_entries e JOIN members m ON m.id = e.member_id \
         WHERE m.name = '李长松' AND e.rule_key = 'moral.deduction' AND e.year = 2024",
    )
    .await;
    assert!(deduction.contains("赡养父母"), "{deduction}");
    // Steady volunteer service lifted 胡国强 and 彭雅丽 to five stars this year.
    for name in ["胡国强", "彭雅丽"] {
        assert!(stars_of(&earlier, name) < 5, "{name} was not yet five-star");
        assert_eq!(stars_of(&latest, name), 5, "{name} is five-star");
        let volunteer = |r: &Value| {
            r["members"].as_array().unwrap().iter().find(|m| m["name"] == name).unwrap()["categories"]["volunteer"]
                .as_f64()
                .unwrap()
        };
        assert!(volunteer(&latest) >= volunteer(&earlier) + 20.0, "{name}'s volunteer points rose");
    }
    assert_eq!(stars_of(&latest, "胡国杰"), 5);

    // Members exempt from linking are on the roll and credited, not punished.
    let exempt_credited = members
        .iter()
        .filter(|m| m["credits"].as_array().unwrap().iter().any(|c| c["kind"] == "exempt_linking"))
        .count();
    assert!(exempt_credited >= 10, "{exempt_credited} exempt members credited");
    let exempt: String =
        scalar(&db, "SELECT CAST(COUNT(*) AS TEXT) FROM members WHERE linking_exempt_reason = '年老体弱'").await;
    assert!(exempt.parse::<i64>().unwrap() >= 5);

    // Every kind of input, in both years.
    for year in [2024, 2025] {
        let sources = scalar(
            &db,
            &format!(
                "SELECT group_concat(source_kind) FROM (SELECT DISTINCT source_kind FROM ledger_entries \
                 WHERE year = {year} ORDER BY source_kind)"
            ),
        )
        .await;
        assert_eq!(sources, "activity,attendance,ballot,decision,household,study,visit", "{year}");
    }

    // The auditor's flags: the demo's branch secretaries type nearly all of
    // their branches' entries, each the evening of its day, and nobody
    // reverses anything (docs/auditing.md says what the demo raises).
    let audit = starledger(&db).args(["audit", "anomalies", "--year", "2025"]).output().unwrap();
    assert!(audit.status.success(), "{}", String::from_utf8_lossy(&audit.stderr));
    let words = String::from_utf8(audit.stdout).unwrap();
    assert!(words.contains("[recorder_share]") && words.contains("不是处分"), "{words}");
    let audit = starledger(&db).args(["audit", "anomalies", "--year", "2025", "--json"]).output().unwrap();
    let flags: Value = serde_json::from_slice(&audit.stdout).expect("audit anomalies --json prints JSON");
    let flags = flags["flags"].as_array().unwrap();
    assert!((1..=20).contains(&flags.len()), "a handful of flags, not hundreds: {}", flags.len());
    let kinds: Vec<&str> = flags.iter().map(|f| f["kind"].as_str().unwrap()).collect();
    assert!(!kinds.contains(&"late_entries") && !kinds.contains(&"concentrated_reversals"), "{kinds:?}");
    assert!(flags.iter().all(|f| f["entries"].as_array().is_some_and(|e| !e.is_empty())), "each names its entries");

    starledger(&db).args(["ledger", "verify"]).assert().success();
    let linking = starledger(&db).args(["household", "report"]).output().unwrap();
    let report = String::from_utf8(linking.stdout).unwrap();
    assert!(report.contains("unlinked: 12"), "{report}");
    assert!(report.contains("fewer than 5"), "{report}");

    // Each year replayed under its own frozen rulebook (the what-if path:
    // repriced per month, caps applied again) is that year's rating exactly,
    // on a real ledger with caps, reversals, credits and part years.
    for (year, rating) in [(2024, &earlier), (2025, &latest)] {
        let text = scalar(&db, &format!("SELECT rulebook_toml FROM periods WHERE year = {year}")).await;
        let path = dir.path().join(format!("rules-{year}.toml"));
        std::fs::write(&path, text).unwrap();
        let output = starledger(&db)
            .args(["rating", "--year", &year.to_string(), "--json", "--rulebook"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let replay: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(&replay["proposed"], rating, "{year} replays to itself");
        assert_eq!(replay["movers"], Value::Array(vec![]), "{year}");
    }
}

#[tokio::test]
async fn the_same_seed_builds_the_same_chain_and_other_files_are_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    build_demo(&db);
    let last_hash = "SELECT hash FROM ledger_entries ORDER BY id DESC LIMIT 1";
    let first = scalar(&db, last_hash).await;
    // Running the demo again rebuilds its own database from scratch.
    build_demo(&db);
    assert_eq!(scalar(&db, last_hash).await, first);

    // A database that is not a demo is never overwritten.
    let real = dir.path().join("real.db");
    starledger(&real)
        .args(["init", "--community", "十里社区", "--login", "secretary", "--name", "梁雍宏"])
        .assert()
        .success();
    let before = std::fs::read(&real).unwrap();
    let output = starledger(&real).args(["demo", "--no-serve"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not a starledger demo database"));
    assert_eq!(std::fs::read(&real).unwrap(), before);
}

fn explain(db: &Path, member: i64, year: i64) -> Value {
    let output = starledger(db)
        .args(["explain", "--member", &member.to_string(), "--year", &year.to_string(), "--json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

/// Tenths, so that sums of one-decimal figures compare exactly.
fn tenths(value: &Value) -> i64 {
    (value.as_f64().unwrap() * 10.0).round() as i64
}

/// Issue 11, fixes 3 and 4 on the demo's finalized years: a member added
/// later with a joining date inside them changes neither year's rating,
/// and `explain` lists every term of a total (the exemption credit and
/// part-year scaling included), adding up to the rating's total.
#[tokio::test]
async fn finalized_years_keep_their_roll_and_explain_adds_up() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    build_demo(&db);
    let (earlier, latest) = (rating(&db, 2024), rating(&db, 2025));

    let added = starledger(&db)
        .args(["member", "add", "--name", "晚到者", "--branch", "1", "--joined", "2023-05-01"])
        .args(["--by", "liangyonghong"])
        .output()
        .unwrap();
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    assert_eq!(rating(&db, 2024), earlier, "a finalized year's roll is frozen");
    assert_eq!(rating(&db, 2025), latest, "a finalized year's roll is frozen");
    let listed = starledger(&db).args(["member", "list", "--json"]).output().unwrap();
    assert!(String::from_utf8_lossy(&listed.stdout).contains("晚到者"), "the member is on today's roll");

    let members = earlier["members"].as_array().unwrap();
    let mut checked = 0;
    let mut kinds = std::collections::BTreeSet::new();
    for (index, m) in members.iter().enumerate() {
        let has_terms = !m["credits"].as_array().unwrap().is_empty() || !m["over_cap"].as_object().unwrap().is_empty();
        if !has_terms && index % 40 != 0 {
            continue;
        }
        let id = m["member_id"].as_i64().unwrap();
        let explained = explain(&db, id, 2024);
        let terms = explained["terms"].as_array().unwrap();
        let sum: i64 = terms.iter().map(|t| tenths(&t["points"])).sum();
        assert_eq!(sum, tenths(&m["total"]), "member {id}: explain's terms add up to the rating's total");
        assert_eq!(tenths(&explained["total"]), tenths(&m["total"]), "member {id}");
        let entries: i64 = explained["entries"].as_array().unwrap().iter().map(|e| tenths(&e["points"])).sum();
        let ledger: i64 = terms.iter().filter(|t| t["kind"] == "ledger").map(|t| tenths(&t["points"])).sum();
        assert_eq!(entries, ledger, "member {id}: the ledger terms are the listed entries");
        kinds.extend(terms.iter().map(|t| t["kind"].as_str().unwrap().to_string()));
        checked += 1;
    }
    assert!(checked >= 20, "{checked} members explained");
    assert!(kinds.contains("exempt_linking"), "{kinds:?}");
}
