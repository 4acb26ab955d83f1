//! End to end, in a real browser the size of a phone (360×740): the
//! committee downloads a published year's certificates from the honour
//! roll's link and a branch's household cards through the cards page's
//! form, and a member downloads their own record from "my record" — each
//! through what the page shows (the link's href, the form's fields), fetched
//! with the browser's own session — and every file is read back with
//! pdftotext.
//!
//! Needs /usr/bin/chromium and /usr/bin/chromedriver; without them the test
//! prints `SKIPPED` and passes, unless `STARLEDGER_E2E=require` is set.
//! Needs pdftotext too: missing, it skips unless `STARLEDGER_PDF=require`.

use super::browser::{Session, Site, browser_available, page_text};
use super::helpers::run_at;
use serde_json::{Value, json};
use sqlx::Row;
use std::sync::Arc;

const MEMBER: &str = "liangxiaogai";
const COMMITTEE: &str = "liangyonghong";
const PHONE: (u32, u32) = (360, 740);
const CARDS_PER_SHEET: usize = 8;

fn pdftotext_available() -> bool {
    let found = std::process::Command::new("pdftotext").arg("-v").output().is_ok();
    if !found {
        assert!(
            !std::env::var("STARLEDGER_PDF").is_ok_and(|v| v == "require"),
            "STARLEDGER_PDF=require but pdftotext is missing"
        );
        eprintln!("\n!!! SKIPPED: pdftotext not found; install poppler-utils\n");
    }
    found
}

#[tokio::test]
async fn e2e_print_the_committee_and_a_member_download_their_paper() {
    if !browser_available() || !pdftotext_available() {
        return;
    }
    Site::demo().await.run(downloads).await;
}

/// Fetches `url` in the page with its session cookie (a POST of `form`'s
/// fields when given); the status, the content type and the body's bytes.
async fn fetch(phone: &Session, url: &str, form: Option<Value>) -> (u16, String, Vec<u8>) {
    // A debug build lays out a branch's cards (QR codes, a font subset)
    // slowly: the script may wait for its answer longer than a page.
    let slow = std::time::Duration::from_secs(300);
    let timeouts = fantoccini::wd::TimeoutConfiguration::new(Some(slow), Some(slow), None);
    phone.client.update_timeouts(timeouts).await.expect("set the script timeout");
    let answer = phone
        .client
        .execute_async(
            "const [url, form] = arguments; const done = arguments[arguments.length - 1]; \
             const init = form ? {method: 'POST', credentials: 'same-origin', body: new URLSearchParams(form)} \
                               : {credentials: 'same-origin'}; \
             fetch(url, init).then(r => r.arrayBuffer().then(b => \
               done([r.status, r.headers.get('content-type') || '', Array.from(new Uint8Array(b))]))) \
               .catch(e => done([0, String(e), []]));",
            vec![json!(url), form.unwrap_or(Value::Null)],
        )
        .await
        .unwrap_or_else(|e| panic!("fetch {url}: {e}"));
    let status = answer[0].as_u64().unwrap_or(0) as u16;
    let kind = answer[1].as_str().unwrap_or_default().to_string();
    let bytes =
        answer[2].as_array().map(|b| b.iter().map(|v| v.as_u64().unwrap_or(0) as u8).collect()).unwrap_or_default();
    (status, kind, bytes)
}

/// A downloaded PDF's text, one string per page.
fn pdf_pages(pdf: &[u8], name: &str) -> Vec<String> {
    assert!(pdf.starts_with(b"%PDF"), "{name} is not a PDF: {}", String::from_utf8_lossy(&pdf[..pdf.len().min(300)]));
    let path = super::browser::artifacts_dir().join(name);
    std::fs::write(&path, pdf).unwrap_or_else(|e| panic!("keep {}: {e}", path.display()));
    let out = std::process::Command::new("pdftotext").arg("-layout").arg(&path).arg("-").output().unwrap();
    assert!(out.status.success(), "pdftotext {name}: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let mut pages: Vec<String> = text.split('\u{c}').map(str::to_owned).collect();
    if pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop();
    }
    pages
}

async fn href(phone: &Session, css: &str) -> String {
    super::browser::find(&phone.client, css)
        .await
        .attr("href")
        .await
        .expect("read the href")
        .unwrap_or_else(|| panic!("{css} has no href"))
}

async fn downloads(site: Arc<Site>) {
    let committee = site.session(PHONE.0, PHONE.1).await;
    committee.sign_in(COMMITTEE).await;

    // The certificates, from the honour roll's link.
    committee.goto("/honours?year=2025").await;
    let names: Vec<String> = {
        let rows = committee.client.find_all(fantoccini::Locator::Css("tr[data-member] td a")).await.unwrap();
        let mut names = Vec::new();
        for row in rows {
            names.push(row.text().await.unwrap());
        }
        names
    };
    assert!(!names.is_empty(), "the honour roll lists its members: {}", page_text(&committee.client).await);
    let link = href(&committee, "[data-testid=print-certificates]").await;
    assert!(link.contains("year=2025"), "{link}");
    let (status, kind, pdf) = fetch(&committee, &link, None).await;
    assert_eq!((status, kind.as_str()), (200, "application/pdf"), "{link}");
    let pages = pdf_pages(&pdf, "e2e-print-certificates.pdf");
    assert_eq!(pages.len(), names.len(), "one certificate per five-star member");
    let seal = run_at(&site.db, &["ledger", "seal", "--year", "2025"]).succeeded();
    let seal = starledger_domain::seal::Seal::from_json(&seal.stdout).expect("the year's seal");
    let short = format!("封存码 {}", seal.short());
    for name in &names {
        let page =
            pages.iter().find(|p| p.contains(name.as_str())).unwrap_or_else(|| panic!("no certificate for {name}"));
        assert!(page.contains("2025") && page.contains("五星级党员") && page.contains(&short), "{page}");
    }
    site.done("certificates");

    // A branch's household cards, through the cards page's form.
    committee.goto("/households/cards").await;
    let form = committee
        .client
        .execute(
            "const f = document.querySelector(\"form[action='/households/cards/print']\"); \
             const b = f.querySelector('button[name=branch]'); \
             return [f.getAttribute('action'), f.querySelector('input[name=csrf]').value, b.value];",
            vec![],
        )
        .await
        .expect("read the cards form");
    let (action, csrf, branch) = (
        form[0].as_str().unwrap().to_string(),
        form[1].as_str().unwrap().to_string(),
        form[2].as_str().unwrap().to_string(),
    );
    let mut db = site.db().await;
    let linked: i64 = sqlx::query(
        "SELECT COUNT(*) FROM household_links l JOIN members m ON m.id = l.member_id \
         JOIN household_tokens t ON t.household_id = l.household_id AND t.revoked_at IS NULL WHERE m.branch_id = $1",
    )
    .bind(branch.parse::<i64>().expect("a branch id"))
    .fetch_one(&mut db)
    .await
    .unwrap()
    .get(0);
    // Closed before the print writes: an open reader here would hold it up.
    sqlx::Connection::close(db).await.expect("close the database");
    let (status, kind, pdf) = fetch(&committee, &action, Some(json!({"csrf": csrf, "branch": branch}))).await;
    assert_eq!((status, kind.as_str()), (200, "application/pdf"), "{}", String::from_utf8_lossy(&pdf));
    let sheets = pdf_pages(&pdf, "e2e-print-cards.pdf");
    let counts: Vec<usize> = sheets.iter().map(|p| p.matches("党员联户联系卡").count()).collect();
    assert_eq!(counts.iter().sum::<usize>() as i64, linked, "one card per linked household: {counts:?}");
    let (last, full) = counts.split_last().expect("a sheet");
    assert!(full.iter().all(|&n| n == CARDS_PER_SHEET) && (1..=CARDS_PER_SHEET).contains(last), "{counts:?}");
    site.done("cards");

    // The member's own record, from "my record".
    let member = site.session(PHONE.0, PHONE.1).await;
    member.sign_in(MEMBER).await;
    member.goto("/me?year=2025").await;
    let link = href(&member, "[data-testid=record-pdf]").await;
    let total = member.text("[data-testid=total]").await;
    let (status, kind, pdf) = fetch(&member, &link, None).await;
    assert_eq!((status, kind.as_str()), (200, "application/pdf"), "{link}");
    let text = pdf_pages(&pdf, "e2e-print-record.pdf").join("\n");
    assert!(text.contains("梁小改") && text.contains("2025年度党员积分记录"), "{text}");
    assert!(text.contains(&format!("总积分 {total}")), "the page's total {total}:\n{text}");
    // Another member's record is not hers to download.
    let (status, _, _) = fetch(&member, &link.replace("/me/", "/members/1/"), None).await;
    assert_eq!(status, 403);
    site.done("my record");
}
