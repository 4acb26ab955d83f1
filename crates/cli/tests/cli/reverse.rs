//! `reverse`: a reversal is a new entry with the opposite points; it nets the
//! member's total to zero, happens once, and never by the member concerned.

use super::helpers::{BRANCH_SECRETARY, Community, LIANG_XIAOGAI, MEMBER_ACCOUNT, SECRETARY};

fn ledger_total(community: &Community, member: i64) -> serde_json::Value {
    let member = member.to_string();
    let run = community.ok(&["explain", "--member", &member, "--year", "2025", "--json"]);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("explain --json prints JSON");
    json["ledger_total"].clone()
}

#[test]
fn a_reversal_nets_the_total_to_zero_and_happens_once() {
    let community = Community::new();
    community.record(LIANG_XIAOGAI, "volunteer.cleanup", "2025-03-08", SECRETARY, "三月环境整治").succeeded();
    assert_eq!(ledger_total(&community, LIANG_XIAOGAI), serde_json::json!(2.0));

    // The member concerned cannot reverse it.
    let before = community.snapshot();
    community
        .run(&["reverse", "1", "--by", MEMBER_ACCOUNT, "--reason", "我没记错"])
        .failed(1, &["refused", MEMBER_ACCOUNT, "member concerned", "nothing was written"]);
    assert_eq!(community.snapshot(), before, "a refused reversal writes nothing");

    let run = community.ok(&["reverse", "1", "--by", SECRETARY, "--reason", "当天未到场，记录有误"]);
    assert!(run.stdout.contains("recorded entry 2"), "{run:#?}");
    assert!(run.stdout.contains("reverses entry 1"), "{run:#?}");
    assert_eq!(ledger_total(&community, LIANG_XIAOGAI), serde_json::json!(0.0));

    let explained = community.ok(&["explain", "--member", "1", "--year", "2025", "--json"]);
    let json: serde_json::Value = serde_json::from_str(&explained.stdout).expect("JSON");
    let entries = json["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["reversed_by"], 2);
    assert_eq!(entries[1]["reverses"], 1);
    assert_eq!(entries[1]["points"], -2.0);
    assert_eq!(entries[1]["reason"], "当天未到场，记录有误");

    // A second reversal of the same entry is refused.
    let before = community.snapshot();
    community
        .run(&["reverse", "1", "--by", SECRETARY, "--reason", "再撤销一次"])
        .failed(1, &["refused", "entry 1", "already been reversed"]);
    assert_eq!(community.snapshot(), before, "a refused second reversal writes nothing");
    assert_eq!(ledger_total(&community, LIANG_XIAOGAI), serde_json::json!(0.0));
}

#[test]
fn a_reversal_needs_a_reason() {
    let community = Community::new();
    community.record(LIANG_XIAOGAI, "meeting.group", "2025-03-08", BRANCH_SECRETARY, "").succeeded();
    let before = community.snapshot();
    community.run(&["reverse", "1", "--by", SECRETARY, "--reason", "  "]).failed(2, &["--reason", "empty"]);
    assert_eq!(community.snapshot(), before);
}

/// After a reversal, recording the same event again (the refusal of a
/// reversal of a reversal says "record the points again") is not a silent
/// no-op: the same command names the reversal and asks for a new --ref, and
/// with one the points are recorded again.
#[test]
fn recording_a_reversed_event_again_is_not_a_silent_no_op() {
    let community = Community::new();
    community.record(LIANG_XIAOGAI, "meeting.group", "2025-03-05", SECRETARY, "").succeeded();
    community.ok(&["reverse", "1", "--by", SECRETARY, "--reason", "误撤"]);
    community.run(&["reverse", "2", "--by", SECRETARY, "--reason", "撤销误撤"]).failed(1, &["record the points again"]);
    let before = community.snapshot();
    community.record(LIANG_XIAOGAI, "meeting.group", "2025-03-05", SECRETARY, "").failed(1, &["reversed", "--ref"]);
    assert_eq!(community.snapshot(), before);
    community.record(LIANG_XIAOGAI, "meeting.group", "2025-03-05", SECRETARY, "again").succeeded();
    assert_eq!(ledger_total(&community, LIANG_XIAOGAI), serde_json::json!(1.0));
}
