//! `rating --year Y --rulebook OTHER.toml`: the year replayed under a
//! proposed rulebook, beside its own result, with nothing written.

use super::helpers::{BRANCH_SECRETARY, Community, HU_GUOJIE, LIANG_XIAOGAI, PENG_YALI, SECRETARY};
use serde_json::Value;

fn with_entries() -> Community {
    let community = Community::new();
    community.record(LIANG_XIAOGAI, "household.visit", "2025-04-20", BRANCH_SECRETARY, "东三街2号").succeeded();
    community.record(LIANG_XIAOGAI, "household.visit", "2025-05-20", BRANCH_SECRETARY, "东三街4号").succeeded();
    community.record(LIANG_XIAOGAI, "meeting.group", "2025-03-02", BRANCH_SECRETARY, "").succeeded();
    community.record(HU_GUOJIE, "volunteer.straw_patrol", "2025-06-10", SECRETARY, "秸秆禁烧-6月").succeeded();
    community.record(PENG_YALI, "volunteer.civility", "2025-05-01", SECRETARY, "文明创建2025-05").succeeded();
    community
}

fn what_if(community: &Community, rulebook: &str) -> Value {
    let path = community.path("proposed.toml");
    std::fs::write(&path, rulebook).expect("write the proposed rulebook");
    let run = community.ok(&["rating", "--year", "2025", "--rulebook", path.to_str().unwrap(), "--json"]);
    serde_json::from_str(&run.stdout).expect("the what-if prints JSON")
}

fn member(rating: &Value, id: i64) -> &Value {
    rating["members"].as_array().unwrap().iter().find(|m| m["member_id"] == id).expect("the member is rated")
}

#[test]
fn the_years_own_rulebook_replays_to_the_years_own_rating() {
    let community = with_entries();
    let rating: Value = serde_json::from_str(&community.ok(&["rating", "--year", "2025", "--json"]).stdout).unwrap();
    let replay = what_if(&community, &community.rulebook_with("", ""));
    assert_eq!(replay["proposed"], rating, "the replay under the same rulebook is the rating itself");
    assert_eq!(replay["movers"], Value::Array(vec![]));
    assert_eq!(replay["changes"], Value::Array(vec![]));
    assert_eq!(replay["stars_before"], replay["stars_after"]);
}

#[test]
fn a_new_price_and_a_lower_star_line_move_members_and_say_why() {
    let community = with_entries();
    let before = community.snapshot();
    // Visits are worth 1 instead of 0.5, and one star needs 1 point, not 30.
    let proposed = community
        .rulebook_with(
            "category = \"household\"\npoints = 0.5\nsource = \"visit\"",
            "category = \"household\"\npoints = 1\nsource = \"visit\"",
        )
        .replacen("stars = 1\nmin_points = 30", "stars = 1\nmin_points = 1", 1);
    let replay = what_if(&community, &proposed);

    let liang = member(&replay["proposed"], LIANG_XIAOGAI);
    assert_eq!(liang["categories"]["household"], 2.0, "two visits at the new price");
    let changes: Vec<&str> = replay["changes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    assert!(changes.contains(&"household.visit: 0.5 → 1 points each"), "{changes:?}");
    assert!(changes.contains(&"1-star line 30 → 1 points"), "{changes:?}");

    let movers = replay["movers"].as_array().unwrap();
    let moved = movers.iter().find(|m| m["member_id"] == LIANG_XIAOGAI).expect("梁小改 moves");
    assert_eq!((moved["stars_before"].as_u64(), moved["stars_after"].as_u64()), (Some(0), Some(1)));
    assert_eq!(moved["categories"]["household"], serde_json::json!([1.0, 2.0]));
    assert_eq!(moved["why"], "total 2 → 3");
    // 胡国杰 has 2 volunteer points, not 1... his total passes the new line too.
    assert!(movers.iter().any(|m| m["member_id"] == HU_GUOJIE && m["why"] == "same total 2; the star lines differ"));
    assert_eq!(
        replay["stars_after"][1].as_u64().unwrap(),
        movers.iter().filter(|m| m["stars_after"] == 1).count() as u64
    );

    // The table in words names the change and the member.
    let path = community.path("proposed.toml");
    let table = community.ok(&["rating", "--year", "2025", "--rulebook", path.to_str().unwrap()]).stdout;
    assert!(table.contains("「入户走访联系户」每次 0.5 分 → 1 分"), "{table}");
    assert!(table.contains("梁小改") && table.contains("只读"), "{table}");
    assert_eq!(community.snapshot(), before, "a what-if writes nothing");
}

#[test]
fn a_broken_proposal_is_refused_before_the_database_is_read() {
    let community = with_entries();
    let path = community.path("broken.toml");
    std::fs::write(
        &path,
        community.rulebook_with("points = 0.5\nsource = \"visit\"", "points = \"many\"\nsource = \"visit\""),
    )
    .unwrap();
    let run = community.run(&["rating", "--year", "2025", "--rulebook", path.to_str().unwrap()]);
    let message = run.failed(2, &["broken.toml", "line", "points"]);
    assert!(!message.contains("panicked"), "{message}");
    let run =
        community.run(&["rating", "--year", "2031", "--rulebook", community.path("broken.toml").to_str().unwrap()]);
    run.failed(2, &["broken.toml"]);
}
