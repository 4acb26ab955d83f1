//! `audit anomalies`: the year's anomaly flags as words and as JSON, on the
//! fixture community (and on PostgreSQL when the suite runs there); a year
//! without a period is refused in words.

use super::helpers::{BRANCH_SECRETARY, Community, LIANG_XIAOGAI};
use serde_json::Value;

#[test]
fn anomalies_of_a_year_print_as_words_and_as_json() {
    let community = Community::new();
    // Typed today (June 2026) about days of March 2025: long after the day.
    for on in ["2025-03-02", "2025-03-09", "2025-03-16"] {
        community.record(LIANG_XIAOGAI, "study.theory", on, BRANCH_SECRETARY, "").succeeded();
    }

    let words = community.ok(&["audit", "anomalies", "--year", "2025"]);
    assert!(words.stdout.contains("2025 年度异常提示"), "{}", words.stdout);
    assert!(words.stdout.contains("不是处分") && words.stdout.contains("never penalties"), "{}", words.stdout);
    assert!(words.stdout.contains("[late_entries]"), "{}", words.stdout);

    let run = community.ok(&["audit", "anomalies", "--year", "2025", "--json"]);
    let json: Value = serde_json::from_str(&run.stdout).expect("audit anomalies --json prints JSON");
    assert_eq!(json["year"], 2025);
    assert_eq!(json["entries_read"], 3);
    let flags = json["flags"].as_array().expect("flags is an array");
    assert_eq!(flags.len(), 1, "{flags:?}");
    let flag = &flags[0];
    assert_eq!(flag["kind"], "late_entries");
    assert_eq!(flag["figures"]["late_entries"], "3");
    assert_eq!(flag["entries"].as_array().map(Vec::len), Some(3), "{flag}");
    for field in ["title_zh", "title_en", "seen_zh", "seen_en"] {
        assert!(flag[field].as_str().is_some_and(|s| !s.is_empty()), "{field}: {flag}");
    }
}

#[test]
fn a_year_without_a_period_is_refused_in_words() {
    let community = Community::new();
    let run = community.run(&["audit", "anomalies", "--year", "2031"]);
    run.failed(2, &["no year 2031", "period list"]);
    let run = community.run(&["audit", "anomalies", "--year", "2031", "--json"]);
    run.failed(2, &["no year 2031"]);
}
