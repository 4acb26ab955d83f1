//! End to end, in a real browser the size of a phone (360×740): the pages
//! with charts (issue 13) — a member's record, the committee's figures and
//! the region's page — draw their SVG within the screen, never scroll
//! sideways, and show in each chart the numbers of the table beside it, as
//! the browser reads them. Screenshots go to target/e2e-artifacts/.
//!
//! Needs /usr/bin/chromium and /usr/bin/chromedriver; without them the test
//! prints `SKIPPED` and passes, unless `STARLEDGER_E2E=require` is set.

use super::browser::{Session, Site, browser_available, page_text};
use std::sync::Arc;

const MEMBER: &str = "liangxiaogai";
const COMMITTEE: &str = "liangyonghong";
const CITY: &str = "city";
const PHONE: (u32, u32) = (360, 740);

#[tokio::test]
async fn the_chart_pages_fit_a_phone_and_draw_their_tables_numbers() {
    if !browser_available() {
        return;
    }
    Site::demo().await.run(chart_pages).await;
}

async fn chart_pages(site: Arc<Site>) {
    for (login, path, charts, shot) in [
        (MEMBER, "/me?year=2025", 2, "charts-01-my-record"),
        (COMMITTEE, "/figures?year=2025", 4, "charts-02-figures"),
        (CITY, "/region", 1, "charts-03-region"),
    ] {
        let phone = site.session(PHONE.0, PHONE.1).await;
        phone.sign_in(login).await;
        phone.goto(path).await;
        assert_eq!(phone.count("figure.chart svg").await, charts, "{path}: {}", page_text(&phone.client).await);
        check(&phone, path).await;
        phone.screenshot(shot).await;
        site.done(path);
    }
}

/// No sideways scroll, every chart within the screen, and each chart's
/// values (as the browser parsed the SVG) those of its table.
async fn check(phone: &Session, path: &str) {
    let measured = phone
        .client
        .execute(
            "const figures = [...document.querySelectorAll('figure.chart')];\
             const values = (root, css) => [...root.querySelectorAll(css)].map(e => e.getAttribute('data-value')).sort();\
             return [document.documentElement.scrollWidth,\
               Math.max(...figures.map(f => f.querySelector('svg').getBoundingClientRect().right)),\
               figures.map(f => JSON.stringify(values(f, 'svg [data-value]')) === JSON.stringify(values(f, 'table [data-value]'))),\
               figures.map(f => f.querySelector('svg [data-axis=labels]').textContent)];",
            vec![],
        )
        .await
        .expect("measure the page");
    let width = measured[0].as_f64().unwrap_or(f64::MAX);
    let right = measured[1].as_f64().unwrap_or(f64::MAX);
    assert!(width <= f64::from(PHONE.0), "{path} scrolls sideways: {width}px");
    assert!(right <= f64::from(PHONE.0), "{path}: a chart reaches past the screen: {right}px");
    let same = measured[2].as_array().expect("one answer per chart");
    assert!(
        same.iter().all(|s| s.as_bool() == Some(true)),
        "{path}: a chart's numbers differ from its table's: {same:?}"
    );
    let axes: Vec<&str> = measured[3].as_array().unwrap().iter().filter_map(|a| a.as_str()).collect();
    assert!(
        axes.iter().all(|a| a.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))),
        "{path}: the axes are named in Chinese: {axes:?}"
    );
}
