//! "自己说了不算、书记说了不算" on the command line, tried as an adversary
//! would: one account undoing what several decided, a secretary recording
//! about his relative, and one person with two accounts. Each is refused
//! and writes nothing; the legitimate path beside it still works.

use super::helpers::{BRANCH_SECRETARY, Community, LIANG_XIAOGAI, PENG_YALI, SECRETARY, runtime};
use starledger_domain::ledger::{Actor, EntryDraft};
use starledger_domain::org::MemberId;
use starledger_domain::rulebook::Rulebook;
use starledger_store::{Appended, OpenMode, Store, Target};
use std::time::Duration;

/// Appends an entry as its rightful source would (a household's link, a
/// committee vote, a branch ballot, a checked adjustment): the command line
/// cannot write these itself.
fn decided_entry(community: &Community, rule_key: &str, by: Actor, key: &str) -> i64 {
    let url = community.url();
    runtime().block_on(async {
        let target = Target::parse(&url).expect("a database URL");
        let store = Store::connect(&target, OpenMode::Existing, Duration::from_secs(5)).await.expect("the store opens");
        let rulebook = Rulebook::default_rulebook();
        let rule = rulebook.rule(rule_key).expect("a rule of the default rulebook");
        let draft = EntryDraft {
            community_id: 1.into(),
            year: 2025,
            member_id: MemberId::new(LIANG_XIAOGAI),
            category: rule.category.clone(),
            rule_key: rule.key.clone(),
            rulebook_version: rulebook.version.clone(),
            points: rule.points,
            reason: rule.name.clone(),
            source_kind: rule.source.as_str().to_string(),
            source_ref: key.to_string(),
            recorded_by: by,
            recorded_at: 1_741_000_000,
            occurred_on: jiff::civil::date(2025, 3, 10),
            idempotency_key: key.to_string(),
            reverses: None,
        };
        let mut tx = store.write().await.expect("a write transaction");
        let Appended::New(entry) = tx.append_entry(draft).await.expect("appended") else { panic!("a new entry") };
        tx.commit().await.expect("committed");
        store.close().await;
        entry.id
    })
}

#[test]
fn one_account_cannot_undo_what_several_decided() {
    let community = Community::new();
    let decided = [
        ("household.satisfied", Actor::Household(1.into()), "a household's rating"),
        ("integrity.commendation", Actor::Decision(1), "a committee decision"),
        ("review.qualified", Actor::BranchBallot(1.into()), "the branch's secret ballot"),
        ("adjustment.ethics", Actor::Account(2.into()), "a maker and a checker"),
    ];
    for (rule, by, origin) in decided {
        let id = decided_entry(&community, rule, by, &format!("decided:{rule}")).to_string();
        let before = community.snapshot();
        for account in [BRANCH_SECRETARY, SECRETARY] {
            let line = community
                .run(&["reverse", &id, "--by", account, "--reason", "录入错误"])
                .failed(1, &["refused", "one account cannot undo it", origin]);
            assert!(line.contains("integrity page") || line.contains("adjustments page"), "names the path: {line}");
        }
        assert_eq!(community.snapshot(), before, "{rule}: a refused reversal writes nothing");
    }
    // Control: what one account typed, the committee may reverse.
    let typed = community.record(LIANG_XIAOGAI, "meeting.group", "2025-03-05", BRANCH_SECRETARY, "").succeeded();
    assert!(typed.stdout.contains("recorded entry 5"), "{typed:#?}");
    community.ok(&["reverse", "5", "--by", SECRETARY, "--reason", "当天未到场"]);
}

#[test]
fn a_secretary_records_nothing_about_his_relative() {
    let community = Community::new();
    // 彭雅丽, the branch secretary, and 梁小改 are marked as relatives.
    let mark = format!(
        "INSERT INTO relatives (community_id, member_id, relative_id, relation, marked_by, marked_at) VALUES \
         (1, {PENG_YALI}, {LIANG_XIAOGAI}, '姐妹', 1, to_timestamp(0)), (1, {LIANG_XIAOGAI}, {PENG_YALI}, '姐妹', 1, to_timestamp(0))"
    );
    community.execute(&[&mark]).expect("the relatives are marked");
    let before = community.snapshot();
    for (rule, reference) in [("meeting.group", "补记三月党小组会"), ("meeting.theme_day", "主题党日")] {
        community
            .record(LIANG_XIAOGAI, rule, "2025-03-05", BRANCH_SECRETARY, reference)
            .failed(1, &["refused", "recused", "nothing was written"]);
    }
    assert_eq!(community.snapshot(), before, "refused records write nothing");
    // Control: the committee records it.
    community.record(LIANG_XIAOGAI, "meeting.group", "2025-03-05", SECRETARY, "补记三月党小组会").succeeded();
}

#[test]
fn volunteer_service_by_hand_is_the_committee_s_alone() {
    let community = Community::new();
    let before = community.snapshot();
    for reference in ["一", "二", "三"] {
        community
            .record(LIANG_XIAOGAI, "volunteer.straw_patrol", "2025-06-10", BRANCH_SECRETARY, reference)
            .failed(1, &["refused", "activity's page"]);
    }
    assert_eq!(community.snapshot(), before);
    community.record(LIANG_XIAOGAI, "volunteer.straw_patrol", "2025-06-10", SECRETARY, "纸质记录").succeeded();
}

#[test]
fn one_person_has_one_account() {
    let community = Community::new();
    let liang = LIANG_XIAOGAI.to_string();
    let before = community.snapshot();
    // 梁小改 already signs in as herself: no second account, of any role.
    community
        .run(&[
            "account",
            "add",
            "--login",
            "liang2",
            "--name",
            "梁小改",
            "--role",
            "committee",
            "--member",
            &liang,
            "--by",
            SECRETARY,
        ])
        .failed(1, &["refused", "one person has one account"]);
    assert_eq!(community.snapshot(), before);

    // A committee login with nobody of the roll behind it acts on no points.
    community.ok(&["account", "add", "--login", "shadow", "--name", "影子", "--role", "committee", "--by", SECRETARY]);
    community
        .record(LIANG_XIAOGAI, "meeting.group", "2025-03-05", "shadow", "")
        .failed(1, &["refused", "belongs to no member", "account link"]);
}
