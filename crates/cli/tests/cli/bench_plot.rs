//! `starledger bench plot`: the growth plot committed under docs/ is what
//! the committed figures draw, so the SVG and BENCHMARKS.md's table cannot
//! drift apart; and a malformed CSV is refused with the line that is wrong.

use super::helpers::{Run, starledger};
use std::path::PathBuf;

fn docs() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs")
}

#[test]
fn the_committed_growth_plot_is_drawn_from_the_committed_figures() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let out = dir.path().join("growth.svg");
    let csv = docs().join("growth.csv");
    let drawn: Run = starledger()
        .args(["bench", "plot", "--csv"])
        .arg(&csv)
        .arg("--out")
        .arg(&out)
        .output()
        .expect("starledger runs")
        .into();
    let drawn = drawn.succeeded();
    assert!(drawn.stdout.contains("reproduce: starledger bench plot"), "{}", drawn.stdout);
    let svg = std::fs::read_to_string(&out).expect("the plot was written");
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"), "{svg}");
    let committed = std::fs::read_to_string(docs().join("growth.svg")).expect("docs/growth.svg is committed");
    assert!(
        svg == committed,
        "docs/growth.svg is not what docs/growth.csv draws: run \
         `starledger bench plot --csv docs/growth.csv --out docs/growth.svg` and commit it"
    );
}

#[test]
fn a_malformed_csv_is_refused_with_its_line() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let csv = dir.path().join("bad.csv");
    std::fs::write(&csv, "panel,series,members,value,baseline\nreads,/me,216,fast,\n").expect("written");
    let refused: Run = starledger()
        .args(["bench", "plot", "--csv"])
        .arg(&csv)
        .arg("--out")
        .arg(dir.path().join("bad.svg"))
        .output()
        .expect("starledger runs")
        .into();
    assert_ne!(refused.code, 0, "{refused:#?}");
    assert!(refused.stderr.contains("line 2: value"), "{refused:#?}");
    assert!(!dir.path().join("bad.svg").exists(), "nothing is written");
}
