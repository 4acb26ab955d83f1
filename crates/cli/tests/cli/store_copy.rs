//! `store copy`: a whole installation moved into a new database, verified
//! at both ends; on PostgreSQL runs the source is in PostgreSQL.

use super::helpers::{BRANCH_SECRETARY, Community, HU_GUOJIE, LIANG_XIAOGAI, SECRETARY, run_at, starledger};

#[test]
fn a_copy_moves_everything_and_verifies_at_both_ends() {
    let community = Community::new();
    community.record(LIANG_XIAOGAI, "meeting.group", "2025-03-02", BRANCH_SECRETARY, "").succeeded();
    community.record(HU_GUOJIE, "volunteer.straw_patrol", "2025-06-10", SECRETARY, "秸秆禁烧-6月").succeeded();
    community.ok(&["reverse", "1", "--reason", "录入错误", "--by", SECRETARY]);
    let copy = community.path("copy.db");
    let to = format!("sqlite://{}", copy.display());
    let run: super::helpers::Run =
        starledger().args(["store", "copy", "--from", &community.url(), "--to", &to]).output().unwrap().into();
    let run = run.succeeded();
    assert!(run.stdout.contains("3 ledger entries"), "{run:#?}");
    assert!(run.stdout.contains("ledger intact at both ends, every year's standings identical"), "{run:#?}");

    run_at(&copy, &["ledger", "verify"]).succeeded();
    let original = community.ok(&["rating", "--year", "2025", "--json"]).stdout;
    assert_eq!(run_at(&copy, &["rating", "--year", "2025", "--json"]).succeeded().stdout, original);
    let members = community.ok(&["member", "list"]).stdout;
    assert_eq!(run_at(&copy, &["member", "list"]).succeeded().stdout, members);

    // The copy is a working installation: it takes new entries.
    run_at(&copy, &["record", "--member", "1", "--rule", "meeting.lecture", "--on", "2025-07-01", "--by", SECRETARY])
        .succeeded();
    run_at(&copy, &["ledger", "verify"]).succeeded();

    // A target that already holds starledger is refused, and left alone.
    let before = std::fs::read(&copy).unwrap();
    let again: super::helpers::Run =
        starledger().args(["store", "copy", "--from", &community.url(), "--to", &to]).output().unwrap().into();
    again.failed(2, &["already exists"]);
    assert_eq!(std::fs::read(&copy).unwrap(), before);
}

#[test]
fn a_source_that_does_not_verify_is_refused_before_anything_is_written() {
    let community = Community::new();
    community.record(HU_GUOJIE, "volunteer.straw_patrol", "2025-06-10", SECRETARY, "秸秆禁烧-6月").succeeded();
    community
        .execute(&[&format!(
            "UPDATE member_rule_totals SET points_tenths = points_tenths + 100 WHERE member_id = {HU_GUOJIE}"
        )])
        .expect("tamper with a total");
    let copy = community.path("copy.db");
    let to = format!("sqlite://{}", copy.display());
    let run: super::helpers::Run =
        starledger().args(["store", "copy", "--from", &community.url(), "--to", &to]).output().unwrap().into();
    let line =
        run.failed(1, &["ledger verify FAILED on the source", &format!("member {HU_GUOJIE}"), "nothing was copied"]);
    assert!(!line.contains("VerifyReport"), "said in words, not a debug dump: {line}");
    assert!(!copy.exists(), "no target was created");

    // An existing target is left exactly as it was.
    let other = Community::sqlite();
    let before = other.snapshot();
    let into_existing = format!("sqlite://{}", other.path("starledger.db").display());
    let _ = starledger().args(["store", "copy", "--from", &community.url(), "--to", &into_existing]).output().unwrap();
    assert_eq!(other.snapshot(), before);
}
