//! `rating --json`: the shape other programs read.

use super::helpers::{BRANCH_SECRETARY, Community, HU_GUOJIE, HU_GUOQIANG, LIANG_XIAOGAI, PENG_YALI, SECRETARY};
use serde_json::Value;

/// At most one decimal, as the number is written in the JSON text.
#[track_caller]
fn assert_tenths(value: &Value, what: &str) {
    let number = value.as_number().unwrap_or_else(|| panic!("{what} is a number: {value}"));
    let text = number.to_string();
    let decimals = text.split_once('.').map_or(0, |(_, fraction)| fraction.len());
    assert!(decimals <= 1, "{what} has at most one decimal: {text}");
}

#[test]
fn the_rating_as_json() {
    let community = Community::new();
    community.record(LIANG_XIAOGAI, "meeting.group", "2025-03-02", BRANCH_SECRETARY, "").succeeded();
    community.record(LIANG_XIAOGAI, "meeting.late", "2025-04-06", BRANCH_SECRETARY, "").succeeded();
    community.record(LIANG_XIAOGAI, "study.app_week", "2025-04-13", BRANCH_SECRETARY, "第15周").succeeded();
    community.record(LIANG_XIAOGAI, "household.visit", "2025-04-20", BRANCH_SECRETARY, "东三街2号").succeeded();
    community.record(HU_GUOJIE, "volunteer.straw_patrol", "2025-06-10", SECRETARY, "秸秆禁烧-6月").succeeded();
    community.record(PENG_YALI, "volunteer.civility", "2025-05-01", SECRETARY, "文明创建2025-05").succeeded();

    let run = community.ok(&["rating", "--year", "2025", "--json"]);
    let json: Value = serde_json::from_str(&run.stdout).expect("rating --json prints JSON");
    assert_eq!(json["year"], 2025);
    assert_eq!(json["rulebook_version"], "2026.1");
    let members = json["members"].as_array().expect("members is an array");
    assert_eq!(members.len(), 4, "every member on the roll is rated");

    let mut ids: Vec<i64> = Vec::new();
    for m in members {
        let object = m.as_object().expect("a member is an object");
        for field in ["member_id", "name", "branch", "categories", "total", "rank", "stars", "eligible", "reasons"] {
            assert!(object.contains_key(field), "member has `{field}`: {m}");
        }
        ids.push(m["member_id"].as_i64().expect("member_id is an integer"));
        assert!(m["name"].is_string() && m["branch"].is_string(), "{m}");
        assert!(m["rank"].is_null() || m["rank"].is_u64(), "{m}");
        assert!(m["stars"].as_u64().is_some_and(|s| s <= 5), "{m}");
        assert!(m["eligible"].is_boolean(), "{m}");
        assert!(m["reasons"].as_array().is_some_and(|r| r.iter().all(Value::is_string)), "{m}");
        assert_tenths(&m["total"], "total");
        let categories = m["categories"].as_object().expect("categories is an object");
        for key in ["study", "household", "volunteer", "ethics", "review"] {
            assert_tenths(&categories[key], key);
        }
    }
    ids.sort_unstable();
    assert_eq!(ids, [LIANG_XIAOGAI, HU_GUOJIE, HU_GUOQIANG, PENG_YALI]);

    let liang = members.iter().find(|m| m["member_id"] == LIANG_XIAOGAI).expect("梁小改 is rated");
    assert_eq!(liang["name"], "梁小改");
    assert_eq!(liang["branch"], "第一党支部");
    // 1 - 0.5 + 0.2 in study, 0.5 in households.
    assert_eq!(liang["categories"]["study"], 0.7);
    assert_eq!(liang["categories"]["household"], 0.5);
    let hu = members.iter().find(|m| m["member_id"] == HU_GUOJIE).expect("胡国杰 is rated");
    assert_eq!(hu["categories"]["volunteer"], 2.0);
    assert_eq!(hu["branch"], "第二党支部");
}
