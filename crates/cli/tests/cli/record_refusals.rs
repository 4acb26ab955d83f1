//! `record`: what may be recorded, by whom, about whom; every refusal is one
//! line, an exit code, and a database exactly as it was.

use super::helpers::{
    AUDITOR, BRANCH_SECRETARY, COMMITTEE_MEMBER, Community, HU_GUOJIE, HU_GUOQIANG, LIANG_XIAOGAI, MEMBER_ACCOUNT,
    PENG_YALI, SECRETARY,
};

/// Runs a record that must be refused with `code` and `words`, and checks
/// that nothing in the database changed.
#[track_caller]
fn refused(
    community: &Community,
    (member, rule, on, by): (i64, &str, &str, &str),
    code: i32,
    words: &[&str],
) -> String {
    let before = community.snapshot();
    let line = community.record(member, rule, on, by, "").failed(code, words);
    assert_eq!(community.snapshot(), before, "a refused record leaves the database as it was: {line}");
    line
}

#[test]
fn a_recorded_entry_is_reported_and_a_repeat_records_nothing() {
    let community = Community::new();
    let before = community.snapshot();
    let run = community
        .record(LIANG_XIAOGAI, "meeting.theme_day", "2025-03-05", BRANCH_SECRETARY, "主题党日-3月")
        .succeeded();
    assert!(run.stdout.contains("recorded entry 1"), "{run:#?}");
    assert!(run.stdout.contains("梁小改"), "{run:#?}");
    let after = community.snapshot();
    assert_eq!(after.rows("ledger_entries"), before.rows("ledger_entries") + 1);
    assert_eq!(after.rows("audit_log"), before.rows("audit_log") + 1);

    // The same command again (a retry) succeeds and writes nothing.
    let again = community
        .record(LIANG_XIAOGAI, "meeting.theme_day", "2025-03-05", BRANCH_SECRETARY, "主题党日-3月")
        .succeeded();
    assert!(again.stdout.contains("already recorded"), "{again:#?}");
    assert!(again.stdout.contains("entry 1"), "{again:#?}");
    assert_eq!(community.snapshot(), after, "a repeated record adds no row");
}

#[test]
fn a_committee_member_cannot_record_about_himself() {
    let community = Community::new();
    refused(
        &community,
        (HU_GUOJIE, "moral.praise", "2025-03-05", COMMITTEE_MEMBER),
        1,
        &["refused", COMMITTEE_MEMBER, "member concerned", "themselves", "nothing was written"],
    );
}

#[test]
fn a_branch_secretary_cannot_record_about_herself() {
    let community = Community::new();
    refused(
        &community,
        (PENG_YALI, "meeting.group", "2025-03-05", BRANCH_SECRETARY),
        1,
        &["refused", BRANCH_SECRETARY, "member concerned", "themselves"],
    );
}

#[test]
fn an_unknown_rule_is_bad_input() {
    let community = Community::new();
    refused(
        &community,
        (LIANG_XIAOGAI, "meeting.nonexistent", "2025-03-05", SECRETARY),
        2,
        &["rule \"meeting.nonexistent\"", "not in rulebook 2026.1", "rulebook show 2025"],
    );
}

#[test]
fn a_date_outside_an_open_year_is_refused() {
    let community = Community::new();
    refused(
        &community,
        (LIANG_XIAOGAI, "meeting.group", "2024-06-01", SECRETARY),
        1,
        &["refused", "2024-06-01", "not in an open year", "period open 2024"],
    );
}

#[test]
fn a_second_theme_day_in_one_month_passes_the_cap() {
    let community = Community::new();
    community.record(LIANG_XIAOGAI, "meeting.theme_day", "2025-03-05", BRANCH_SECRETARY, "3月主题党日").succeeded();
    let before = community.snapshot();
    let line = community
        .record(LIANG_XIAOGAI, "meeting.theme_day", "2025-03-25", BRANCH_SECRETARY, "3月补充主题党日")
        .failed(1, &["refused", "meeting.theme_day", "per month", "capped at 1", "nothing was written"]);
    assert_eq!(community.snapshot(), before, "{line}");
    // The next month has its own cap.
    community.record(LIANG_XIAOGAI, "meeting.theme_day", "2025-04-05", BRANCH_SECRETARY, "4月主题党日").succeeded();
}

#[test]
fn a_branch_secretary_may_not_decide_a_moral_review() {
    let community = Community::new();
    refused(
        &community,
        (LIANG_XIAOGAI, "moral.deduction", "2025-03-05", BRANCH_SECRETARY),
        1,
        &["refused", "branch_secretary may not record rule moral.deduction", "allowed: committee"],
    );
}

/// A decision of the committee is taken by its vote, with recusal; no one
/// account types it, not even a committee member.
#[test]
fn no_account_alone_records_an_integrity_decision() {
    let community = Community::new();
    refused(
        &community,
        (PENG_YALI, "integrity.commendation", "2025-05-01", SECRETARY),
        1,
        &["refused", "integrity.commendation", "comes from decision", "integrity record", "recused"],
    );
}

#[test]
fn a_member_account_records_nothing() {
    let community = Community::new();
    for rule in ["meeting.group", "volunteer.cleanup", "moral.praise"] {
        refused(
            &community,
            (HU_GUOQIANG, rule, "2025-03-05", MEMBER_ACCOUNT),
            1,
            &["refused", "a member may not record", rule],
        );
    }
}

#[test]
fn an_auditor_records_nothing() {
    let community = Community::new();
    for rule in ["meeting.group", "volunteer.cleanup", "moral.praise"] {
        refused(
            &community,
            (HU_GUOQIANG, rule, "2025-03-05", AUDITOR),
            1,
            &["refused", AUDITOR, "auditor", "write nothing"],
        );
    }
}

#[test]
fn a_branch_secretary_records_only_for_her_own_branch() {
    let community = Community::new();
    refused(
        &community,
        (HU_GUOJIE, "meeting.group", "2025-03-05", BRANCH_SECRETARY),
        1,
        &["refused", BRANCH_SECRETARY, "another branch", "own branch"],
    );
    // Her own branch is fine.
    community.record(LIANG_XIAOGAI, "meeting.group", "2025-03-05", BRANCH_SECRETARY, "").succeeded();
}

#[test]
fn no_one_types_a_satisfaction_score_or_a_review_grade() {
    let community = Community::new();
    for by in [SECRETARY, COMMITTEE_MEMBER, BRANCH_SECRETARY] {
        refused(
            &community,
            (LIANG_XIAOGAI, "household.satisfied", "2025-03-05", by),
            1,
            &["refused", "household.satisfied", "comes from household", "no account can type it"],
        );
        refused(
            &community,
            (LIANG_XIAOGAI, "review.excellent", "2025-03-05", by),
            1,
            &["refused", "review.excellent", "comes from ballot", "no account can type it"],
        );
    }
}

/// An explicit `--key` already used for a different entry is a conflict, not
/// a retry.
#[test]
fn a_reused_key_for_a_different_entry_is_not_a_retry() {
    let community = Community::new();
    let first = ["record", "--member", "1", "--rule", "volunteer.cleanup", "--on", "2025-03-06", "--by", SECRETARY];
    community.ok(&[&first[..], &["--key", "activity-17"]].concat());
    let before = community.snapshot();
    let second = ["record", "--member", "2", "--rule", "volunteer.civility", "--on", "2025-04-01", "--by", SECRETARY];
    community.run(&[&second[..], &["--key", "activity-17"]].concat()).failed(1, &["activity-17"]);
    assert_eq!(community.snapshot(), before);
}
