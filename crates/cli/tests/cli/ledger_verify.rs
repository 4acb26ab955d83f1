//! The ledger is append-only in the database itself, and `ledger verify`
//! finds an entry changed behind the triggers' back.

use super::helpers::{BRANCH_SECRETARY, Community, HU_GUOJIE, LIANG_XIAOGAI, SECRETARY};

/// A community with three entries in its ledger.
fn with_entries() -> Community {
    let community = Community::new();
    community.record(LIANG_XIAOGAI, "meeting.group", "2025-03-02", BRANCH_SECRETARY, "").succeeded();
    community.record(HU_GUOJIE, "volunteer.straw_patrol", "2025-06-10", SECRETARY, "秸秆禁烧-6月").succeeded();
    community.record(LIANG_XIAOGAI, "meeting.late", "2025-04-02", BRANCH_SECRETARY, "").succeeded();
    community
}

#[test]
fn an_intact_ledger_verifies() {
    let community = with_entries();
    let run = community.ok(&["ledger", "verify"]);
    assert!(run.stdout.contains("intact"), "{run:#?}");
    assert!(run.stdout.contains("3 entries"), "{run:#?}");
    assert!(run.stderr.is_empty(), "{run:#?}");
}

#[test]
fn an_empty_ledger_verifies() {
    let community = Community::new();
    let run = community.ok(&["ledger", "verify"]);
    assert!(run.stdout.contains("intact"), "{run:#?}");
}

#[test]
fn the_database_refuses_to_update_or_delete_entries() {
    let community = with_entries();
    let before = community.snapshot();
    for statement in [
        "UPDATE ledger_entries SET points_tenths = 99 WHERE id = 2",
        "UPDATE ledger_entries SET reason = '改过了'",
        "DELETE FROM ledger_entries WHERE id = 3",
        "DELETE FROM ledger_entries",
    ] {
        let error = community.execute(&[statement]).expect_err(statement);
        assert!(error.contains("append-only"), "{statement}: {error}");
    }
    assert_eq!(community.snapshot(), before, "the refused statements changed nothing");
    community.ok(&["ledger", "verify"]);
}

#[test]
fn a_changed_entry_is_found_and_named() {
    let community = with_entries();
    community.ok(&["ledger", "verify"]);
    community
        .execute(&[
            "DROP TRIGGER ledger_entries_no_update",
            "UPDATE ledger_entries SET points_tenths = 99 WHERE id = 2",
        ])
        .expect("tamper with entry 2");
    let line = community.run(&["ledger", "verify"]).failed(1, &["ledger verify FAILED", "entry 2"]);
    assert!(line.contains("1 entries before it are intact"), "{line}");
}

#[test]
fn a_changed_total_is_found() {
    let community = with_entries();
    community
        .execute(&[&format!(
            "UPDATE member_category_totals SET points_tenths = points_tenths + 100 \
             WHERE member_id = {HU_GUOJIE} AND category = 'volunteer'"
        )])
        .expect("tamper with a total");
    community
        .run(&["ledger", "verify"])
        .failed(1, &["ledger verify FAILED", &format!("member {HU_GUOJIE}"), "volunteer", "12", "ledger gives 2"]);
}
