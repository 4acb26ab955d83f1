//! `starledger import` and `export`: files written by LibreOffice (committed
//! under tests/fixtures, made from the `*-source.csv` beside them with
//! `soffice --headless --convert-to xlsx`), a GBK CSV, a bad file whose
//! every problem is named, and round trips that change nothing.

use super::helpers::*;
use std::path::PathBuf;

fn fixture(name: &str) -> String {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "fixtures", name].iter().collect();
    assert!(path.exists(), "fixture {name} is committed");
    path.to_str().expect("a UTF-8 path").to_string()
}

/// Imports the three fixture files of 十里社区 into the fixture community.
fn import_fixtures(c: &Community) {
    let roll = c.ok(&["import", "members", &fixture("roll.xlsx"), "--by", SECRETARY, "--commit"]);
    // 梁小改 is on the roll already (no phone): matched by name and branch, her phone added.
    assert!(roll.stdout.contains("added 4:"), "{roll:#?}");
    assert!(roll.stdout.contains("changed 1:") && roll.stdout.contains("梁小改"), "{roll:#?}");
    let households = c.ok(&["import", "households", &fixture("households.xlsx"), "--by", SECRETARY, "--commit"]);
    assert!(households.stdout.contains("added 12:"), "{households:#?}");
    let links = c.ok(&["import", "links", &fixture("links.xlsx"), "--by", SECRETARY, "--commit"]);
    assert!(links.stdout.contains("added 11:"), "{links:#?}");
}

#[test]
fn libreoffice_files_import_once_and_again_change_nothing() {
    let c = Community::new();
    let before = c.snapshot();
    let dry = c.ok(&["import", "members", &fixture("roll.xlsx"), "--by", SECRETARY]);
    assert!(dry.stdout.contains("would add 4:") && dry.stdout.contains("nothing was written"), "{dry:#?}");
    assert_eq!(c.snapshot(), before, "a dry run writes nothing");

    import_fixtures(&c);
    let members = c.ok(&["member", "list", "--json"]).stdout;
    let members: serde_json::Value = serde_json::from_str(&members).expect("JSON");
    let find = |name: &str| members.as_array().unwrap().iter().find(|m| m["name"] == name).cloned().unwrap();
    // A title row above the headers, a name with a trailing space, dates as typed.
    assert_eq!(find("张红梅")["probationary"], true);
    assert_eq!(find("王德明")["joined_on"], "1985-07-01");
    assert_eq!(find("王德明")["linking_excuse"], "免于联户：年老体弱");
    assert_eq!(find("李长松")["joined_on"], "2012-10-15");
    assert_eq!(find("李长松")["households"], 5);
    assert_eq!(find("梁小改")["households"], 6);
    assert_eq!(find("梁小改")["phone"], "138****0001");

    let after = c.snapshot();
    for (kind, file) in [
        ("members", "roll.xlsx"),
        ("members", "roll.xls"),
        ("members", "roll-gbk.csv"),
        ("households", "households.xlsx"),
        ("links", "links.xlsx"),
    ] {
        let again = c.ok(&["import", kind, &fixture(file), "--by", SECRETARY, "--commit"]);
        assert!(again.stdout.contains("added 0:") && again.stdout.contains("changed 0:"), "{file}: {again:#?}");
    }
    assert_eq!(c.snapshot(), after, "importing the same files again changes nothing");
}

#[test]
fn a_bad_file_names_every_problem_and_commits_nothing() {
    let c = Community::new();
    let before = c.snapshot();
    let run = c.run(&["import", "members", &fixture("roll-bad.xlsx"), "--by", SECRETARY, "--commit"]);
    assert_eq!(run.code, 1, "{run:#?}");
    let problems: Vec<&str> = run.stderr.lines().filter(|l| l.starts_with("problem: ")).collect();
    let expected = [
        "problem: roll-bad.xlsx 党员 row 2, 入党时间: \"2023/13/01\" is not a date",
        "problem: roll-bad.xlsx 党员 row 3, 所属支部: \"第九党支部\" is not a branch of this community",
        "problem: roll-bad.xlsx 党员 row 5, 姓名: \"吴志刚\" is already in 第二党支部 of this file (row 4)",
        "problem: roll-bad.xlsx 党员 row 6, 姓名: is empty",
    ];
    assert_eq!(problems.len(), expected.len(), "{run:#?}");
    for (line, start) in problems.iter().zip(expected) {
        assert!(line.starts_with(start), "{line} should start with {start}");
    }
    assert!(run.stderr.lines().last().unwrap().contains("nothing was written"), "{run:#?}");
    // Row 4 (吴志刚) was good, and the file still wrote nothing: all or nothing.
    assert_eq!(c.snapshot(), before);

    // Control: the good rows alone import.
    let good = c.path("good.csv");
    std::fs::write(&good, "姓名,所属支部,入党时间\n吴志刚,第二党支部,2018/3/1\n").unwrap();
    let run = c.ok(&["import", "members", good.to_str().unwrap(), "--by", SECRETARY, "--commit"]);
    assert!(run.stdout.contains("added 1:"), "{run:#?}");
}

#[test]
fn only_the_committee_imports_and_the_rules_hold() {
    let c = Community::new();
    let before = c.snapshot();
    let run = c.run(&["import", "members", &fixture("roll.xlsx"), "--by", MEMBER_ACCOUNT, "--commit"]);
    assert_eq!(run.code, 1, "{run:#?}");
    assert!(run.stderr.contains("refused"), "{run:#?}");
    // 胡国强 is excused from linking: a links row for him is refused.
    c.ok(&["import", "households", &fixture("households.xlsx"), "--by", SECRETARY, "--commit"]);
    let after_households = c.snapshot();
    let links = c.path("links.csv");
    std::fs::write(&links, "地址,党员姓名\n十里社区东街1号,胡国强\n十里社区东街2号,梁小改\n").unwrap();
    let run = c.run(&["import", "links", links.to_str().unwrap(), "--by", SECRETARY, "--commit"]);
    assert_eq!(run.code, 1, "{run:#?}");
    assert!(run.stderr.contains("links row 2, 党员姓名: \"胡国强\" does not link households"), "{run:#?}");
    assert_eq!(c.snapshot(), after_households);
    assert_ne!(after_households, before);
    // A joined date in the future is refused.
    let future = c.path("future.csv");
    std::fs::write(&future, "姓名,所属支部,入党时间\n新党员,第一党支部,2099-01-01\n").unwrap();
    let run = c.run(&["import", "members", future.to_str().unwrap(), "--by", SECRETARY, "--commit"]);
    assert_eq!(run.code, 1, "{run:#?}");
    assert!(run.stderr.contains("row 2, 入党时间: \"2099-01-01\" is in the future"), "{run:#?}");
}

#[test]
fn exports_import_back_unchanged_and_phones_leave_only_on_the_record() {
    let c = Community::new();
    import_fixtures(&c);
    let after = c.snapshot();
    for (kind, import_kind) in [("roll", "members"), ("households", "households"), ("links", "links")] {
        let out = c.path(&format!("{kind}.xlsx"));
        let out = out.to_str().unwrap();
        c.ok(&["export", kind, "--out", out]);
        let again = c.ok(&["import", import_kind, out, "--by", SECRETARY, "--commit"]);
        assert!(again.stdout.contains("added 0:") && again.stdout.contains("changed 0:"), "{kind}: {again:#?}");
    }
    assert_eq!(c.snapshot(), after, "export then import changes nothing");

    // Masked by default; whole numbers only for the committee, audited.
    let roll = c.path("roll.xlsx");
    let sheets = starledger_exchange::read_file(&roll).expect("our export reads back");
    let text = format!("{:?}", sheets[0].rows);
    assert!(text.contains("138****0011") && !text.contains("13800000011"), "{text}");
    let out = c.path("phones.xlsx");
    let out = out.to_str().unwrap();
    c.run(&["export", "roll", "--out", out, "--with-phones"]).failed(2, &["--by"]);
    c.run(&["export", "roll", "--out", out, "--with-phones", "--by", MEMBER_ACCOUNT]).failed(1, &["refused"]);
    let audit_before = c.snapshot().rows("audit_log");
    c.ok(&["export", "roll", "--out", out, "--with-phones", "--by", SECRETARY]);
    assert_eq!(c.snapshot().rows("audit_log"), audit_before + 1);
    let text = format!("{:?}", starledger_exchange::read_file(std::path::Path::new(out)).unwrap()[0].rows);
    assert!(text.contains("13800000011"), "{text}");

    // Standings: a header with every category, total and stars.
    c.record(LIANG_XIAOGAI, "meeting.theme_day", "2025-03-08", BRANCH_SECRETARY, "theme-day-1").succeeded();
    let standings = c.path("standings.xlsx");
    c.ok(&["export", "standings", "--year", "2025", "--out", standings.to_str().unwrap()]);
    let sheets = starledger_exchange::read_file(&standings).unwrap();
    let header: Vec<String> = sheets[0].rows[0].1.iter().filter_map(|c| c.text()).collect();
    assert_eq!(&header[..3], ["名次", "姓名", "所属支部"]);
    assert_eq!(&header[header.len() - 2..], ["总分", "星级"]);
    let rows = &sheets[0].rows;
    assert_eq!(rows.len(), 1 + 8, "every member of 2025's roll: {rows:?}");
    let first: Vec<Option<String>> = rows[1].1.iter().map(|c| c.text()).collect();
    assert_eq!(first[0].as_deref(), Some("1"));
    assert_eq!(first[1].as_deref(), Some("梁小改"), "the one member with points ranks first: {rows:?}");
    assert_ne!(first[first.len() - 2].as_deref(), Some("0"), "her total is there: {rows:?}");
    c.run(&["export", "standings", "--out", standings.to_str().unwrap()]).failed(2, &["--year"]);
}

#[test]
fn templates_have_the_chinese_headers() {
    let dir = tempfile::TempDir::new().unwrap();
    for (kind, first) in [("members", "姓名"), ("households", "地址"), ("links", "地址")] {
        let out = dir.path().join(format!("{kind}.xlsx"));
        starledger().args(["import", "template", kind, "--out", out.to_str().unwrap()]).assert().success();
        let sheets = starledger_exchange::read_file(&out).unwrap();
        assert_eq!(sheets[0].rows[0].1[0].text().as_deref(), Some(first));
    }
}

#[test]
fn an_awkward_sheet_reads_as_meant() {
    // Written by LibreOffice from roll-awkward-source.fods: a merged title
    // above the headers, header variants (党员姓名, 支部, 联系电话, 入党日期),
    // an empty row, a trailing space, a phone stored as a number, full-width
    // digits, a formula for the branch, and dates as a date cell, as text
    // (2010年9月1日) and as a bare day number (45170).
    let c = Community::new();
    let run = c.ok(&["import", "members", &fixture("roll-awkward.xlsx"), "--by", SECRETARY, "--commit"]);
    assert!(run.stdout.contains("3 rows read") && run.stdout.contains("added 1:"), "{run:#?}");
    assert!(run.stdout.contains("changed 2:"), "梁小改 and 胡国杰 are matched by name and branch: {run:#?}");
    let members: serde_json::Value = serde_json::from_str(&c.ok(&["member", "list", "--json"]).stdout).unwrap();
    let find = |name: &str| members.as_array().unwrap().iter().find(|m| m["name"] == name).cloned().unwrap();
    assert_eq!(find("梁小改")["joined_on"], "2001-07-01");
    assert_eq!(find("梁小改")["phone"], "138****0001");
    assert_eq!(find("胡国杰")["joined_on"], "2010-09-01");
    assert_eq!(find("胡国杰")["phone"], "138****0002");
    assert_eq!(find("李长松")["branch"], "第二党支部");
    assert_eq!(find("李长松")["joined_on"], "2023-09-01");
    let again = c.ok(&["import", "members", &fixture("roll-awkward.xlsx"), "--by", SECRETARY, "--commit"]);
    assert!(again.stdout.contains("unchanged: 3"), "{again:#?}");
}

#[test]
fn branch_rename_from_the_command_line_is_the_committees_and_audited_before_and_after() {
    let c = Community::new();
    let before = c.snapshot();
    // Only the committee: a branch secretary is refused and nothing is written.
    c.run(&["branch", "rename", "1", "东街党支部", "--by", BRANCH_SECRETARY]).failed(1, &["refused"]);
    // Another branch's name is refused too.
    c.run(&["branch", "rename", "1", "第二党支部", "--by", SECRETARY]).failed(1, &["already has a branch"]);
    assert_eq!(c.snapshot(), before);
    let run = c.ok(&["branch", "rename", "1", "东街党支部", "--by", SECRETARY]);
    assert!(run.stdout.contains("branch 1 is now named 东街党支部"), "{run:#?}");
    assert!(c.ok(&["branch", "list"]).stdout.contains("1\t东街党支部"));
    let audit = &c.snapshot().0["audit_log"];
    let renamed: Vec<&String> = audit.iter().filter(|row| row.contains("branch.rename")).collect();
    assert_eq!(renamed.len(), 1, "{audit:#?}");
    assert!(renamed[0].contains("before name=第一党支部; after name=东街党支部"), "{renamed:?}");
    // The same name again changes nothing.
    let after = c.snapshot();
    c.ok(&["branch", "rename", "1", "东街党支部", "--by", SECRETARY]);
    assert_eq!(c.snapshot(), after);
}

/// 三月主题党日 of 第一党支部, 2025-03-08 09:00 in China, as the committee
/// schedules it on /meetings (the command line schedules no meeting).
fn schedule_theme_day(c: &Community) {
    c.execute(&["INSERT INTO meetings (community_id, branch_id, party_group_id, rule_key, title, place, starts_at, \
         checkin_token, created_by, created_at, closed_at) VALUES (1, 1, NULL, 'meeting.theme_day', '三月主题党日', \
         '党群服务中心', to_timestamp(1741395600), 'theme-day-token', 1, to_timestamp(1741300000), NULL)"])
        .expect("the meeting is scheduled");
}

#[test]
fn an_attendance_sheet_from_libreoffice_imports_once_by_whoever_keeps_the_meeting() {
    // Written by LibreOffice from attendance-source.csv: a title row, header
    // variants (日期, 党员姓名, 支部, 考勤), a trailing space, an empty row,
    // a date cell and a date as text, and 出席情况 as √, 迟到10分钟 and 病假.
    let c = Community::new();
    schedule_theme_day(&c);
    let file = fixture("attendance.xlsx");
    let before = c.snapshot();
    // 彭雅丽 (zhishu1) keeps her branch's sheet, but never her own row.
    let run = c.run(&["import", "attendance", &file, "--by", BRANCH_SECRETARY, "--commit"]);
    assert_eq!(run.code, 1, "{run:#?}");
    let problems: Vec<&str> = run.stderr.lines().filter(|l| l.starts_with("problem: ")).collect();
    assert_eq!(
        problems,
        ["problem: attendance.xlsx 会议签到表 row 6, 姓名: \"彭雅丽\" nobody records their own attendance"],
        "{run:#?}"
    );
    // A member keeps no meeting's sheet.
    let run = c.run(&["import", "attendance", &file, "--by", MEMBER_ACCOUNT, "--commit"]);
    assert!(run.code == 1 && run.stderr.contains("keeps its meetings"), "{run:#?}");
    assert_eq!(c.snapshot(), before, "nothing half-written");

    // 胡国杰 of the committee (another branch, no relative of theirs) may.
    let dry = c.ok(&["import", "attendance", &file, "--by", COMMITTEE_MEMBER]);
    assert!(dry.stdout.contains("3 rows read") && dry.stdout.contains("would add 3:"), "{dry:#?}");
    assert!(
        dry.stdout.contains("梁小改 (第一党支部)：出席") && dry.stdout.contains("胡国强 (第一党支部)：迟到"),
        "{dry:#?}"
    );
    assert!(dry.stdout.contains("彭雅丽 (第一党支部)：请假"), "{dry:#?}");
    assert_eq!(c.snapshot(), before, "a dry run writes nothing");
    let run = c.ok(&["import", "attendance", &file, "--by", COMMITTEE_MEMBER, "--commit"]);
    assert!(run.stdout.contains("added 3:"), "{run:#?}");
    let after = c.snapshot();
    assert_eq!(after.rows("meeting_attendance"), 3);
    let again = c.ok(&["import", "attendance", &file, "--by", COMMITTEE_MEMBER, "--commit"]);
    assert!(again.stdout.contains("added 0:") && again.stdout.contains("unchanged: 3"), "{again:#?}");
    assert_eq!(c.snapshot(), after, "the same sheet again changes nothing");

    // A sheet without the meeting's columns, the meeting chosen: a corrected mark is a change.
    let sheet = c.path("补登.csv");
    std::fs::write(&sheet, "姓名,出席情况\n梁小改,缺席\n").unwrap();
    let run = c.ok(&[
        "import",
        "attendance",
        sheet.to_str().unwrap(),
        "--meeting",
        "1",
        "--by",
        COMMITTEE_MEMBER,
        "--commit",
    ]);
    assert!(run.stdout.contains("changed 1:") && run.stdout.contains("原为出席"), "{run:#?}");
    // A day with no meeting, and a status that is none, are named.
    std::fs::write(&sheet, "会议日期,姓名,出席情况\n2025-03-09,梁小改,出席\n2025-03-08,胡国强,睡觉\n").unwrap();
    let run = c.run(&["import", "attendance", sheet.to_str().unwrap(), "--by", COMMITTEE_MEMBER, "--commit"]);
    assert_eq!(run.code, 1, "{run:#?}");
    assert!(run.stderr.contains("row 2, 会议日期: \"2025-03-09\" no meeting on that day"), "{run:#?}");
    assert!(run.stderr.contains("row 3, 出席情况: \"睡觉\" is not an attendance"), "{run:#?}");

    // A finalized year takes no marks: the meetings page's own refusal.
    c.execute(&["INSERT INTO rating_rounds (community_id, year, round, published_by, published_at, notice_from, \
         notice_until, published_sha256, finalized_by, finalized_at, final_sha256) \
         VALUES (1, 2025, 1, 1, to_timestamp(1), '2026-01-01', '2026-01-06', 'published', 1, to_timestamp(2), 'final')"])
        .expect("2025 is finalized");
    std::fs::write(&sheet, "会议日期,姓名,出席情况\n2025-03-08,梁小改,出席\n").unwrap();
    let finalized = c.snapshot();
    let run = c.run(&["import", "attendance", sheet.to_str().unwrap(), "--by", COMMITTEE_MEMBER, "--commit"]);
    assert_eq!(run.code, 1, "{run:#?}");
    assert!(run.stderr.contains("row 2, 会议名称: \"2025-03-08 三月主题党日\" 2025 is finalized"), "{run:#?}");
    assert_eq!(c.snapshot(), finalized);

    let template = c.path("签到模板.xlsx");
    c.ok(&["import", "template", "attendance", "--out", template.to_str().unwrap()]);
    let sheets = starledger_exchange::read_file(&template).unwrap();
    assert_eq!(sheets[0].rows[0].1[0].text().as_deref(), Some("会议日期"));
}
