//! Input that names something that does not exist: exit code 2 and a message
//! that names it.

use super::helpers::{Community, SECRETARY};

#[test]
fn record_for_an_unknown_member_names_the_id() {
    let community = Community::new();
    let before = community.snapshot();
    community
        .run(&["record", "--member", "4711", "--rule", "meeting.group", "--on", "2025-03-05", "--by", SECRETARY])
        .failed(2, &["member", "4711", "member list"]);
    assert_eq!(community.snapshot(), before);
}

#[test]
fn explain_for_an_unknown_member_names_the_id() {
    let community = Community::new();
    community.run(&["explain", "--member", "4711", "--year", "2025"]).failed(2, &["member", "4711"]);
    community.run(&["explain", "--member", "4711", "--year", "2025", "--json"]).failed(2, &["member", "4711"]);
}

#[test]
fn reversing_an_unknown_entry_names_the_id() {
    let community = Community::new();
    let before = community.snapshot();
    community.run(&["reverse", "4711", "--by", SECRETARY, "--reason", "不存在"]).failed(2, &["ledger entry", "4711"]);
    assert_eq!(community.snapshot(), before);
}

#[test]
fn an_unknown_account_names_the_login() {
    let community = Community::new();
    let before = community.snapshot();
    community
        .run(&["record", "--member", "1", "--rule", "meeting.group", "--on", "2025-03-05", "--by", "nobody"])
        .failed(2, &["account", "\"nobody\"", "account list"]);
    assert_eq!(community.snapshot(), before);
}
