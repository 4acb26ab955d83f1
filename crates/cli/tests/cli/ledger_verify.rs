//! The ledger is append-only in the database itself, and `ledger verify`
//! finds an entry changed, deleted, reordered or cut off behind the
//! triggers' back.

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
            "UPDATE member_rule_totals SET points_tenths = points_tenths + 100 \
             WHERE member_id = {HU_GUOJIE} AND category = 'volunteer'"
        )])
        .expect("tamper with a total");
    community
        .run(&["ledger", "verify"])
        .failed(1, &["ledger verify FAILED", &format!("member {HU_GUOJIE}"), "volunteer", "12", "ledger gives 2"]);
}

#[test]
fn an_entry_deleted_behind_the_triggers_back_is_found_and_named() {
    let community = with_entries();
    community
        .execute(&["DROP TRIGGER ledger_entries_no_delete", "DELETE FROM ledger_entries WHERE id = 2"])
        .expect("delete entry 2");
    // Entry 3 now follows entry 1, whose hash is not the one it recorded.
    let line = community.run(&["ledger", "verify"]).failed(1, &["ledger verify FAILED", "entry 3"]);
    assert!(line.contains("1 entries before it are intact"), "{line}");
}

#[test]
fn a_ledger_cut_short_is_found_by_the_totals_it_leaves_behind() {
    let community = with_entries();
    // The last entry (梁小改 late, -0.5 in study) removed: the chain that
    // remains is whole, but the kept totals still count the entry, under
    // its rule, which the ledger no longer has at all.
    community
        .execute(&["DROP TRIGGER ledger_entries_no_delete", "DELETE FROM ledger_entries WHERE id = 3"])
        .expect("cut the ledger short");
    community.run(&["ledger", "verify"]).failed(
        1,
        &[
            "ledger verify FAILED",
            &format!("member {LIANG_XIAOGAI}"),
            "2025, study (meeting.late) is -0.5",
            "ledger gives nothing",
        ],
    );
}

#[test]
fn entries_put_in_another_order_are_found() {
    let community = with_entries();
    // Entries 2 and 3 swap places: each keeps its contents and hashes.
    community
        .execute(&[
            "DROP TRIGGER ledger_entries_no_update",
            "UPDATE ledger_entries SET id = 1000 WHERE id = 2",
            "UPDATE ledger_entries SET id = 2 WHERE id = 3",
            "UPDATE ledger_entries SET id = 3 WHERE id = 1000",
        ])
        .expect("reorder entries 2 and 3");
    let line = community.run(&["ledger", "verify"]).failed(1, &["ledger verify FAILED", "entry 2"]);
    assert!(line.contains("1 entries before it are intact"), "{line}");
}
