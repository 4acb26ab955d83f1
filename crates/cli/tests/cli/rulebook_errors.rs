//! A malformed rulebook is refused before the database is touched, with the
//! file, the line and the field at fault; `rulebook check` says the same.

use super::helpers::{Community, SECRETARY, line_containing};

struct Bad {
    file: &'static str,
    from: &'static str,
    to: &'static str,
    /// Text on the line the error must point at.
    at: &'static str,
    /// Words the message must contain besides the file and line.
    words: &'static [&'static str],
}

const UNKNOWN_CATEGORY: Bad = Bad {
    file: "unknown-category.toml",
    from: "category = \"volunteer\"\npoints = 2",
    to: "category = \"volunter\"\npoints = 2",
    at: "\"volunter\"",
    words: &["field `rule.category`", "unknown category", "\"volunter\""],
};

const MISSPELLED_FIELD: Bad = Bad {
    file: "misspelled-field.toml",
    from: "cap_per_year = 8\n",
    to: "cap_per_yaer = 8\n",
    at: "cap_per_yaer",
    words: &["field `cap_per_yaer`", "unknown field"],
};

const POINTS_IN_HUNDREDTHS: Bad = Bad {
    file: "hundredths.toml",
    from: "points = 0.2\n",
    to: "points = 0.25\n",
    at: "points = 0.25",
    words: &["field `rule.points`", "0.25", "one decimal"],
};

const SYNTAX_ERROR: Bad = Bad {
    file: "syntax.toml",
    from: "households_min = 5",
    to: "households_min = = 5",
    at: "= = 5",
    // The field reported for a syntax error is toml's token (`=`), not the
    // key; see the ignored test below.
    words: &["field `", "extra `=`"],
};

/// Writes the bad rulebook, runs `period open 2026` and `rulebook check` on
/// it, and checks both messages and that the database did not change.
fn refused(bad: &Bad) {
    let community = Community::new();
    let text = community.rulebook_with(bad.from, bad.to);
    let path = community.path(bad.file);
    std::fs::write(&path, &text).expect("write the bad rulebook");
    let path_text = path.to_str().expect("a UTF-8 path");
    let line = format!("line {}", line_containing(&text, bad.at));
    let mut words = vec![path_text, "rulebook", line.as_str()];
    words.extend_from_slice(bad.words);

    let before = community.snapshot();
    let open = community.run(&["period", "open", "2026", "--rulebook", path_text, "--by", SECRETARY]).failed(2, &words);
    let after = community.snapshot();
    assert_eq!(after, before, "a refused rulebook leaves the database as it was");
    assert_eq!(after.rows("periods"), 1, "only 2025 is open");

    let check = community.run(&["rulebook", "check", path_text]).failed(2, &words);
    assert_eq!(check, open, "`rulebook check` and `period open` report the same error");
}

#[test]
fn a_rule_naming_an_unknown_category() {
    refused(&UNKNOWN_CATEGORY);
}

#[test]
fn a_misspelled_field() {
    refused(&MISSPELLED_FIELD);
}

#[test]
fn points_with_two_decimals() {
    refused(&POINTS_IN_HUNDREDTHS);
}

#[test]
fn a_toml_syntax_error() {
    refused(&SYNTAX_ERROR);
}

/// What a committee member needs from a syntax error is the key on that line.
#[test]
fn a_toml_syntax_error_names_the_key() {
    let community = Community::new();
    let path = community.path(SYNTAX_ERROR.file);
    std::fs::write(&path, community.rulebook_with(SYNTAX_ERROR.from, SYNTAX_ERROR.to)).expect("write");
    community.run(&["rulebook", "check", path.to_str().expect("UTF-8")]).failed(2, &["households_min"]);
}

#[test]
fn a_missing_rulebook_file_is_named() {
    let community = Community::new();
    let path = community.path("no-such-rules.toml");
    let path_text = path.to_str().expect("a UTF-8 path");
    let before = community.snapshot();
    community
        .run(&["period", "open", "2026", "--rulebook", path_text, "--by", SECRETARY])
        .failed(2, &["cannot read rulebook", path_text]);
    assert_eq!(community.snapshot(), before);
    assert!(!path.exists());
}

#[test]
fn the_default_rulebook_checks_clean() {
    let community = Community::new();
    let run = community.ok(&["rulebook", "check", community.rulebook.to_str().expect("a UTF-8 path")]);
    assert!(run.stdout.contains("version 2026.1"), "{run:#?}");
}
