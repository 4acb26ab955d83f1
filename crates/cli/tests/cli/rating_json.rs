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

/// The id in "recorded entry N".
fn entry_id(run: &super::helpers::Run) -> String {
    let rest = run.stdout.split("recorded entry ").nth(1).unwrap_or_else(|| panic!("an entry id: {run:#?}"));
    rest.split(|c: char| !c.is_ascii_digit()).next().unwrap().to_string()
}

/// Issue 11, fix 1, as the issue tells it: two no-shows, 21 clean-ups on
/// consecutive days (each let in by the recording check), then both
/// no-shows reversed. The rating counts the volunteer category at its cap
/// of 40, shows the 2 it cut, and explain's terms add up to the total.
#[test]
fn a_category_cap_holds_in_the_rating_after_reversals() {
    let community = Community::new();
    let mut no_shows = Vec::new();
    for day in ["2025-02-01", "2025-02-02"] {
        no_shows.push(entry_id(&community.record(PENG_YALI, "volunteer.no_show", day, SECRETARY, "未到").succeeded()));
    }
    for day in 1..=21 {
        let on = format!("2025-03-{day:02}");
        community.record(PENG_YALI, "volunteer.cleanup", &on, SECRETARY, "环境整治").succeeded();
    }
    // Control: the recording check still refuses a 22nd.
    community.record(PENG_YALI, "volunteer.cleanup", "2025-03-22", SECRETARY, "环境整治").failed(1, &["cap"]);
    for id in &no_shows {
        community.ok(&["reverse", id, "--by", SECRETARY, "--reason", "当天请过假，记录有误"]);
    }
    community.ok(&["ledger", "verify"]);

    let run = community.ok(&["rating", "--year", "2025", "--json"]);
    let json: Value = serde_json::from_str(&run.stdout).expect("JSON");
    let peng = json["members"].as_array().unwrap().iter().find(|m| m["member_id"] == PENG_YALI).unwrap().clone();
    assert_eq!(peng["categories"]["volunteer"], 40.0, "{peng}");
    assert_eq!(peng["over_cap"]["volunteer"], 2.0, "{peng}");
    assert_eq!(peng["total"], 40.0, "{peng}");

    let explained = community.ok(&["explain", "--member", &PENG_YALI.to_string(), "--year", "2025", "--json"]);
    let explained: Value = serde_json::from_str(&explained.stdout).expect("JSON");
    assert_eq!(explained["ledger_total"], 42.0, "the ledger's own sum");
    let terms = explained["terms"].as_array().unwrap();
    let sum: f64 = terms.iter().map(|t| t["points"].as_f64().unwrap()).sum();
    assert_eq!((sum, explained["total"].as_f64().unwrap()), (40.0, 40.0), "{terms:?}");
    assert!(terms.iter().any(|t| t["kind"] == "over_cap" && t["points"] == -2.0), "{terms:?}");
}

/// Issue 11, fix 3, control: a roll change reaches a year that is not
/// finalized. (That a finalized year keeps its roll is tested on the
/// demo's finalized years in `demo::finalized_years_keep_their_roll_and_explain_adds_up`.)
#[test]
fn a_member_added_later_enters_a_year_that_is_not_finalized() {
    let community = Community::new();
    community.ok(&["member", "add", "--name", "晚到者", "--branch", "1", "--joined", "2024-05-01", "--by", SECRETARY]);
    let run = community.ok(&["rating", "--year", "2025", "--json"]);
    let json: Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert!(json["members"].as_array().unwrap().iter().any(|m| m["name"] == "晚到者"), "{json}");
}
