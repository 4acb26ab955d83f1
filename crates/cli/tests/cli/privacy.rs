//! Personal data past its retention period from the command line (issue
//! 17): `member pseudonymize` and `retention apply`, through the same use
//! cases as the web, on the suite's day (2026-06-10).

use super::helpers::*;

#[test]
fn a_member_who_left_long_enough_ago_is_pseudonymized_and_the_ledger_still_verifies() {
    let c = Community::new();
    let added = c.ok(&[
        "member",
        "add",
        "--name",
        "杜秋菊",
        "--branch",
        "1",
        "--phone",
        "13911112222",
        "--joined",
        "2010-07-01",
        "--left",
        "2020-12-31",
        "--by",
        SECRETARY,
    ]);
    assert!(added.stdout.contains("added member 5: 杜秋菊"), "{added:#?}");
    c.ok(&["member", "add", "--name", "新离开", "--branch", "1", "--left", "2025-12-31", "--by", SECRETARY]);
    c.record(LIANG_XIAOGAI, "meeting.lecture", "2025-03-01", COMMITTEE_MEMBER, "lecture-1").succeeded();

    // Refused: on the roll, within the period, not the committee.
    c.run(&["member", "pseudonymize", "--member", "1", "--by", SECRETARY, "--yes"])
        .failed(1, &["refused", "still on the roll"]);
    c.run(&["member", "pseudonymize", "--member", "6", "--by", SECRETARY, "--yes"])
        .failed(1, &["refused", "possible from 2030-12-31"]);
    c.run(&["member", "pseudonymize", "--member", "5", "--by", MEMBER_ACCOUNT, "--yes"]).failed(1, &["refused"]);
    // A shorter period set by the installation lets the second through.
    let short = c.run(&["member", "pseudonymize", "--member", "6", "--by", SECRETARY, "--retention-left-years", "1"]);
    assert!(short.code != 0, "2025-12-31 plus one year is still ahead: {short:#?}");

    // Without --yes: what it would do, and nothing written.
    let before = c.snapshot();
    let asked = c.ok(&["member", "pseudonymize", "--member", "5", "--by", SECRETARY]);
    assert!(asked.stdout.contains("杜秋菊") && asked.stdout.contains("--yes"), "{asked:#?}");
    assert_eq!(c.snapshot(), before, "nothing written without --yes");

    let done = c.ok(&["member", "pseudonymize", "--member", "5", "--by", SECRETARY, "--yes"]);
    assert!(done.stdout.contains("pseudonymized member 5 as 已匿名党员"), "{done:#?}");
    let listed = c.ok(&["member", "list", "--json"]).stdout;
    assert!(!listed.contains("杜秋菊") && !listed.contains("2222") && listed.contains("已匿名党员"), "{listed}");
    let after = c.snapshot();
    let everything: String = after.0.values().flatten().cloned().collect::<Vec<_>>().join("\n");
    assert!(
        !everything.contains("杜秋菊") && !everything.contains("13911112222"),
        "the name is nowhere in the database"
    );
    assert!(everything.contains("member.pseudonymize"));
    c.ok(&["ledger", "verify"]);
    c.run(&["member", "pseudonymize", "--member", "5", "--by", SECRETARY, "--yes"])
        .failed(1, &["refused", "was pseudonymized on"]);
}

#[test]
fn retention_apply_removes_old_audit_rows_and_a_dry_run_writes_nothing() {
    let c = Community::new();
    c.execute(&["INSERT INTO audit_log (community_id, at, actor, action, detail, origin) \
         VALUES (1, '2019-01-01T00:00:00Z', 'account:1 (secretary)', 'login', 'old', '')"])
        .unwrap();
    let before = c.snapshot();
    let audit = before.rows("audit_log");
    let dry = c.ok(&["retention", "apply", "--dry-run"]);
    assert!(dry.stdout.contains("would remove 1 audit rows written before 2021-06-09T16:00:00Z"), "{dry:#?}");
    assert!(dry.stdout.contains("would remove 0 files") && dry.stdout.contains("nothing written"), "{dry:#?}");
    assert_eq!(c.snapshot(), before, "a dry run writes nothing");
    let applied = c.ok(&["retention", "apply"]);
    assert!(applied.stdout.contains("removed 1 audit rows"), "{applied:#?}");
    let after = c.snapshot();
    assert_eq!(after.rows("audit_log"), audit, "one old row gone, one summary row added");
    assert!(after.0["audit_log"].iter().any(|row| row.contains("retention.apply") && row.contains("system:retention")));
    assert!(!after.0["audit_log"].iter().any(|row| row.contains("2019-01-01T00:00:00Z")));
    // Nothing more is due: a second run writes nothing.
    c.ok(&["retention", "apply"]);
    assert_eq!(c.snapshot(), after);
    // A period given longer keeps more: ten years back reaches 2016.
    let dry = c.ok(&["retention", "apply", "--dry-run", "--retention-audit-years", "10"]);
    assert!(dry.stdout.contains("would remove 0 audit rows written before 2016-06-09T16:00:00Z"), "{dry:#?}");
}
