//! `starledger export` of a year (breakdown, ledger, attendance, volunteer
//! hours) in .xlsx and CSV, who may export what, and the round trips of
//! issue 12: the roll into a fresh community gives the same roll, and a
//! year's standings imported as opening balances give the same stars.

use super::helpers::*;
use starledger_exchange::read::Sheet;
use std::collections::BTreeMap;
use tempfile::TempDir;

fn read(path: &std::path::Path) -> Vec<Sheet> {
    starledger_exchange::read_file(path).expect("our export reads back")
}

fn texts(sheet: &Sheet, row: usize) -> Vec<String> {
    sheet.rows[row].1.iter().map(|c| c.text().unwrap_or_default()).collect()
}

/// A new community with the fixture's two branches and no year opened.
fn fresh() -> Community {
    let dir = TempDir::new().expect("a temporary folder");
    let db = dir.path().join("fresh.db");
    let rulebook = dir.path().join("rules.toml");
    let postgres = on_postgres().then(PgDatabase::create);
    let c = Community { dir, db, rulebook, postgres };
    c.ok(&["init", "--community", "新社区", "--login", SECRETARY, "--name", "梁雍宏"]);
    c.ok(&["branch", "add", "第一党支部", "--by", SECRETARY]);
    c.ok(&["branch", "add", "第二党支部", "--by", SECRETARY]);
    c
}

/// name -> (branch, probationary, joined, excuse, masked phone) as `member list --json` shows the roll.
fn roll(c: &Community) -> BTreeMap<String, String> {
    let members: serde_json::Value = serde_json::from_str(&c.ok(&["member", "list", "--json"]).stdout).unwrap();
    members
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let fields = ["branch", "probationary", "joined_on", "linking_excuse", "phone"].map(|f| m[f].to_string());
            (m["name"].as_str().unwrap().to_string(), fields.join("|"))
        })
        .collect()
}

/// 梁小改 gets a phone and 彭雅丽 becomes probationary, through an import.
fn set_roll(c: &Community) {
    let file = c.path("set.csv");
    std::fs::write(&file, "姓名,所属支部,手机,预备党员\n梁小改,第一党支部,13800000001,否\n彭雅丽,第一党支部,,是\n")
        .unwrap();
    c.ok(&["import", "members", file.to_str().unwrap(), "--by", SECRETARY, "--commit"]);
}

#[test]
fn a_years_exports_in_xlsx_and_csv_for_whom_they_are_permitted() {
    let c = Community::new();
    set_roll(&c);
    c.record(LIANG_XIAOGAI, "meeting.theme_day", "2025-03-08", BRANCH_SECRETARY, "theme-day-1").succeeded();
    c.record(HU_GUOJIE, "meeting.theme_day", "2025-03-08", BRANCH_SECRETARY, "theme-day-2");
    c.record(HU_GUOJIE, "meeting.theme_day", "2025-03-08", SECRETARY, "theme-day-3").succeeded();

    for kind in ["breakdown", "ledger", "attendance", "volunteer"] {
        let out = c.path(&format!("{kind}.xlsx"));
        let run = c.ok(&["export", kind, "--year", "2025", "--out", out.to_str().unwrap()]);
        assert!(run.stdout.contains(&format!("of {kind} to")), "{run:#?}");
        let sheets = read(&out);
        assert!(sheets[0].name.starts_with("2025年"), "{kind}: {}", sheets[0].name);
        assert_eq!(texts(&sheets[0], 0)[0], if kind == "ledger" { "编号" } else { "姓名" }, "{kind}");
        c.run(&["export", kind, "--out", out.to_str().unwrap()]).failed(2, &["--year"]);
    }
    let ledger = read(&c.path("ledger.xlsx"));
    let rows: Vec<Vec<String>> = (1..ledger[0].rows.len()).map(|r| texts(&ledger[0], r)).collect();
    assert_eq!(rows.len(), 2, "both entries: {rows:?}");
    assert_eq!(&rows[0][1..4], ["2025-03-08", "梁小改", "第一党支部"], "{rows:?}");
    assert!(rows[0][9].contains("zhishu1"), "recorded by the branch secretary: {rows:?}");
    let breakdown = read(&c.path("breakdown.xlsx"));
    let text = format!("{:?}", breakdown[0].rows);
    assert!(text.contains("小计") && text.contains("合计"), "{text}");

    // CSV: UTF-8 with a BOM, the same rows.
    let csv = c.path("ledger.csv");
    c.ok(&["export", "ledger", "--year", "2025", "--format", "csv", "--out", csv.to_str().unwrap()]);
    let bytes = std::fs::read(&csv).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "a BOM for Excel");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert!(text.starts_with("编号,日期,姓名,所属支部"), "{text}");
    assert_eq!(text.lines().count(), 3, "{text}");
    c.run(&["export", "ledger", "--year", "2025", "--format", "pdf", "--out", "x"]).failed(2, &["xlsx or csv"]);
    // A date range within the year.
    let none = c.path("none.csv");
    c.ok(&[
        "export",
        "ledger",
        "--year",
        "2025",
        "--from",
        "2025-04-01",
        "--format",
        "csv",
        "--out",
        none.to_str().unwrap(),
    ]);
    assert_eq!(std::fs::read_to_string(&none).unwrap().lines().count(), 1, "only the header after April");

    // A branch secretary exports their branch; a member exports nothing;
    // households are the committee's and the auditor's.
    let mine = c.path("mine.xlsx");
    c.ok(&["export", "standings", "--year", "2025", "--out", mine.to_str().unwrap(), "--by", BRANCH_SECRETARY]);
    let names = format!("{:?}", read(&mine)[0].rows);
    assert!(names.contains("梁小改") && !names.contains("胡国杰"), "branch 1 only: {names}");
    c.ok(&["export", "standings", "--year", "2025", "--out", mine.to_str().unwrap(), "--by", AUDITOR]);
    assert!(format!("{:?}", read(&mine)[0].rows).contains("胡国杰"), "the auditor sees all");
    c.run(&["export", "ledger", "--year", "2025", "--out", mine.to_str().unwrap(), "--by", MEMBER_ACCOUNT])
        .failed(1, &["refused"]);
    c.run(&["export", "households", "--out", mine.to_str().unwrap(), "--by", BRANCH_SECRETARY]).failed(1, &["refused"]);
    // Phones are masked; whole ones only in the roll and households.
    let roll_csv = c.path("roll.csv");
    c.ok(&["export", "roll", "--format", "csv", "--out", roll_csv.to_str().unwrap()]);
    let text = std::fs::read_to_string(&roll_csv).unwrap();
    assert!(text.contains("138****0001") && !text.contains("13800000001"), "{text}");
    c.run(&["export", "ledger", "--year", "2025", "--out", mine.to_str().unwrap(), "--with-phones", "--by", SECRETARY])
        .failed(2, &["no phone numbers"]);
}

#[test]
fn roll_and_standings_round_trip_into_a_fresh_community() {
    let c = Community::new();
    set_roll(&c);
    c.record(LIANG_XIAOGAI, "meeting.theme_day", "2025-03-08", BRANCH_SECRETARY, "t1").succeeded();
    c.record(HU_GUOJIE, "meeting.theme_day", "2025-03-08", SECRETARY, "t2").succeeded();
    let roll_file = c.path("roll.xlsx");
    c.ok(&["export", "roll", "--out", roll_file.to_str().unwrap(), "--with-phones", "--by", SECRETARY]);
    let standings_file = c.path("standings.xlsx");
    c.ok(&["export", "standings", "--year", "2025", "--out", standings_file.to_str().unwrap()]);

    // The roll, into a community that has never seen it: the same roll.
    let f = fresh();
    f.ok(&["import", "members", roll_file.to_str().unwrap(), "--by", SECRETARY, "--commit"]);
    assert_eq!(roll(&f), roll(&c), "the same roll");

    // The standings, as opening balances of 2025: the same stars.
    let dry = f.ok(&["import", "opening", standings_file.to_str().unwrap(), "--year", "2025", "--by", SECRETARY]);
    assert!(dry.stdout.contains("would add 4:") && dry.stdout.contains("nothing was written"), "{dry:#?}");
    let run =
        f.ok(&["import", "opening", standings_file.to_str().unwrap(), "--year", "2025", "--by", SECRETARY, "--commit"]);
    assert!(run.stdout.contains("added 4:"), "{run:#?}");
    let before = f.snapshot();
    let again =
        f.ok(&["import", "opening", standings_file.to_str().unwrap(), "--year", "2025", "--by", SECRETARY, "--commit"]);
    assert!(again.stdout.contains("unchanged: 4") && again.stdout.contains("added 0:"), "{again:#?}");
    assert_eq!(f.snapshot(), before, "the same file again changes nothing");
    let sheet = &read(&standings_file)[0];
    let header = texts(sheet, 0);
    let stars_at = header.iter().position(|h| h == "星级").unwrap();
    let exported: BTreeMap<String, String> =
        (1..sheet.rows.len()).map(|r| texts(sheet, r)).map(|row| (row[1].clone(), row[stars_at].clone())).collect();
    let ids: serde_json::Value = serde_json::from_str(&f.ok(&["member", "list", "--json"]).stdout).unwrap();
    let name_of = |id: &str| {
        ids.as_array()
            .unwrap()
            .iter()
            .find(|m| m["member_id"].as_i64().map(|i| i.to_string()).as_deref() == Some(id))
            .unwrap()["name"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let imported: BTreeMap<String, String> = before.0["honours"]
        .iter()
        .map(|row| row.split(',').map(|v| v.trim_matches('\'').to_string()).collect::<Vec<_>>())
        .filter(|fields| fields[2] == "2025")
        .map(|fields| (name_of(&fields[1]), fields[3].clone()))
        .collect();
    assert_eq!(imported, exported, "the same stars for 2025");
    assert!(before.rows("opening_balances") > 4, "each category and the total are kept");

    // Never into a year starledger rates, nor this year.
    let refused = c.run(&[
        "import",
        "opening",
        standings_file.to_str().unwrap(),
        "--year",
        "2025",
        "--by",
        SECRETARY,
        "--commit",
    ]);
    assert_eq!(refused.code, 1, "{refused:#?}");
    assert!(refused.stderr.contains("2025 is a year starledger rates"), "{refused:#?}");
    let this_year = f.run(&[
        "import",
        "opening",
        standings_file.to_str().unwrap(),
        "--year",
        "2026",
        "--by",
        SECRETARY,
        "--commit",
    ]);
    assert!(this_year.stderr.contains("is not a past year"), "{this_year:#?}");
    c.run(&[
        "import",
        "opening",
        standings_file.to_str().unwrap(),
        "--year",
        "2024",
        "--by",
        MEMBER_ACCOUNT,
        "--commit",
    ])
    .failed(1, &["refused"]);
}

#[test]
fn the_opening_template_imports_back_and_names_bad_rows() {
    let f = fresh();
    let template = f.path("opening.xlsx");
    f.ok(&["import", "template", "opening", "--out", template.to_str().unwrap()]);
    let header = texts(&read(&template)[0], 0);
    assert_eq!(header.first().map(String::as_str), Some("姓名"));
    assert_eq!(header.last().map(String::as_str), Some("星级"));
    f.ok(&["member", "add", "--name", "梁小改", "--branch", "1", "--by", SECRETARY]);
    let bad = f.path("old.csv");
    std::fs::write(
        &bad,
        "姓名,年度,学习教育,星级\n梁小改,2019,12.5,5\n梁小改,2019,3,2\n张三,2020,1,1\n梁小改,2018,x,1\n",
    )
    .unwrap();
    let before = f.snapshot();
    let run = f.run(&["import", "opening", bad.to_str().unwrap(), "--by", SECRETARY, "--commit"]);
    assert_eq!(run.code, 1, "{run:#?}");
    let problems: Vec<&str> = run.stderr.lines().filter(|l| l.starts_with("problem: ")).collect();
    assert_eq!(problems.len(), 3, "{run:#?}");
    assert!(problems[0].contains("old.csv old row 3, 姓名: \"梁小改\" 2019 is already on row 2"), "{problems:?}");
    assert!(problems[1].contains("row 4, 姓名: \"张三\" is not a member on the roll"), "{problems:?}");
    assert!(problems[2].contains("row 5, 学习教育: \"x\" is not points"), "{problems:?}");
    assert_eq!(f.snapshot(), before, "nothing half-written");
}

#[test]
fn a_paper_year_written_by_libreoffice_and_as_gbk_imports_once() {
    let c = Community::new();
    let fixture = |name: &str| format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let run = c.ok(&["import", "opening", &fixture("opening.xlsx"), "--year", "2023", "--by", SECRETARY, "--commit"]);
    assert!(run.stdout.contains("3 rows read") && run.stdout.contains("added 3:"), "{run:#?}");
    assert!(run.stdout.contains("梁小改 (第一党支部) 2023年: 5星，总分 90.5"), "{run:#?}");
    assert!(run.stdout.contains("彭雅丽 (第一党支部) 2023年: 3星"), "★★★ is three stars: {run:#?}");
    let after = c.snapshot();
    assert_eq!(after.rows("opening_balances"), 3 * 4, "three categories and the total for each");
    let again =
        c.ok(&["import", "opening", &fixture("opening-gbk.csv"), "--year", "2023", "--by", SECRETARY, "--commit"]);
    assert!(again.stdout.contains("unchanged: 3") && again.stdout.contains("added 0:"), "{again:#?}");
    assert_eq!(c.snapshot(), after, "the same year from GBK changes nothing");
}

#[test]
fn study_weeks_are_recorded_once_by_whom_the_duty_allows() {
    let c = Community::new();
    let template = c.path("study-template.xlsx");
    c.ok(&["import", "template", "study", "--out", template.to_str().unwrap()]);
    assert_eq!(texts(&read(&template)[0], 0)[..4], ["姓名", "所属支部", "手机", "周开始"]);
    // 彭雅丽 is the secretary of branch 1 (zhishu1): her own week is refused
    // as a row problem, 胡国杰 is of branch 2, 梁小改 studied four days only.
    let file = c.path("学习强国.csv");
    std::fs::write(
        &file,
        "姓名,周开始,天数,积分\n梁小改,2025-03-05,6,130\n彭雅丽,2025-03-03,7,150\n胡国杰,2025-03-03,5,\n\
         梁小改,2025-03-12,4,60\n",
    )
    .unwrap();
    let before = c.snapshot();
    let run = c.run(&["import", "study", file.to_str().unwrap(), "--by", BRANCH_SECRETARY, "--commit"]);
    assert_eq!(run.code, 1, "{run:#?}");
    let problems: Vec<&str> = run.stderr.lines().filter(|l| l.starts_with("problem: ")).collect();
    assert_eq!(problems.len(), 2, "{run:#?}");
    assert!(problems[0].contains("row 3, 姓名: \"彭雅丽\" ") && problems[0].contains("themselves"), "{problems:?}");
    assert!(problems[1].contains("row 4, 姓名: \"胡国杰\"") && problems[1].contains("another branch"), "{problems:?}");
    assert_eq!(c.snapshot(), before, "nothing half-written");

    // The committee imports it (胡国强 is neither of them nor a relative).
    let run = c.ok(&["import", "study", file.to_str().unwrap(), "--by", SECRETARY, "--commit"]);
    assert!(run.stdout.contains("added 3:") && run.stdout.contains("不足 5 天"), "{run:#?}");
    let after = c.snapshot();
    let again = c.ok(&["import", "study", file.to_str().unwrap(), "--by", SECRETARY, "--commit"]);
    assert!(again.stdout.contains("added 0:") && again.stdout.contains("unchanged: 3"), "{again:#?}");
    assert_eq!(c.snapshot(), after, "the same weeks again change nothing");
    let ledger = c.path("ledger.csv");
    c.ok(&["export", "ledger", "--year", "2025", "--format", "csv", "--out", ledger.to_str().unwrap()]);
    let text = std::fs::read_to_string(&ledger).unwrap();
    assert!(
        text.contains("2025-03-03,梁小改") && text.contains("学习强国：2025-03-03 当周学习 6 天，积分 130"),
        "{text}"
    );
}
