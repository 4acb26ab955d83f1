//! End to end, in a real browser on a phone (360×740): the committee brings
//! new members and households in from Excel on `/import` (issue 12). The
//! members file has one row the preview refuses (an unknown branch); the
//! preview names its row and column and writes nothing; the corrected file
//! is previewed and committed, then the households file; then the new,
//! unlinked households are linked on `/households` through its search and
//! the member picker that searches as one types, in a handful of taps.
//!
//! The files are LibreOffice's (`tests/fixtures/roll-e2e*.xlsx`,
//! `households-e2e.xlsx`, see the README there).
//!
//! Needs /usr/bin/chromium and /usr/bin/chromedriver; without them the test
//! prints `SKIPPED` and passes, unless `STARLEDGER_E2E=require` is set.

use super::browser::{Session, Site, browser_available, find, wait_until};
use super::helpers::{run_at, snapshot};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// 梁雍宏, the community committee's secretary.
const COMMITTEE: &str = "liangyonghong";
const PHONE: (u32, u32) = (360, 740);
/// The most taps (a click, a choice, a field typed into, a page opened)
/// linking one household may take.
const TAPS_PER_HOUSEHOLD: usize = 6;
/// Who is linked to which new household, as the files name them.
const LINKS: [(&str, [&str; 2]); 2] =
    [("林晓东", ["十里社区桃园巷1号", "十里社区桃园巷2号"]), ("韩春燕", ["十里社区桃园巷3号", "十里社区桃园巷4号"])];

#[tokio::test]
async fn the_committee_imports_members_and_households_and_links_them_in_a_few_taps() {
    if !browser_available() {
        return;
    }
    Site::demo().await.run(import_and_link).await;
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// Chooses the kind and the file on `/import`'s upload form and asks for the preview.
async fn preview(phone: &Session, kind: &str, file: &str) {
    phone.choose("form[action='/import']:has(input[type=file]) select[name=kind]", kind).await;
    let path = fixture(file);
    find(&phone.client, "input[type=file][name=file]")
        .await
        .send_keys(path.to_str().expect("a UTF-8 path"))
        .await
        .unwrap_or_else(|e| panic!("choose {}: {e}", path.display()));
    phone.click("form[action='/import']:has(input[type=file]) button[type=submit]").await;
    let heading = phone.text("main section h2").await;
    assert!(heading.contains(file), "the preview names the file {file}: {heading}");
}

/// The confirm button a problem-free preview shows.
const CONFIRM: &str = "form[action='/import']:has(input[name=confirm][value=yes]) button[type=submit]";

/// The database's every row, as another program reads it, apart from the
/// sign-in sessions (which a page read may touch).
async fn rows(site: &Site) -> super::helpers::Snapshot {
    let db = site.db.clone();
    let mut all = tokio::task::spawn_blocking(move || snapshot(&db)).await.expect("read the database");
    all.0.retain(|table, _| !table.contains("session"));
    all
}

async fn import_and_link(site: Arc<Site>) {
    let phone = site.session(PHONE.0, PHONE.1).await;
    phone.sign_in(COMMITTEE).await;
    phone.goto("/import").await;

    // The members file with an unknown branch on its fourth row (郭振宇).
    let before = rows(&site).await;
    preview(&phone, "members", "roll-e2e-bad.xlsx").await;
    let refused = phone.text("main section [role=alert]").await;
    assert!(!refused.is_empty(), "the preview says the file is refused");
    let problems = phone.text("ul.problems").await;
    let lines: Vec<&str> = problems.lines().collect();
    assert_eq!(lines.len(), 1, "one row is refused: {problems}");
    assert!(lines[0].contains("第 4 行"), "the problem names row 4, in the page's language: {problems}");
    assert!(lines[0].contains("所属支部"), "the problem names the branch column: {problems}");
    assert!(lines[0].contains("第九党支部"), "the problem quotes the value: {problems}");
    assert_eq!(phone.count(CONFIRM).await, 0, "a refused file cannot be committed");
    phone.screenshot("import-refused-phone").await;
    assert!(rows(&site).await == before, "the refused preview wrote nothing");
    let listed = run_at(&site.db, &["member", "list"]).succeeded().stdout;
    for name in ["林晓东", "韩春燕", "郭振宇"] {
        assert!(!listed.contains(name), "{name} is not on the roll after the refused preview: {listed}");
    }

    // The corrected file: three members to add, then committed.
    preview(&phone, "members", "roll-e2e.xlsx").await;
    assert_eq!(phone.count("ul.problems li").await, 0, "the corrected file has no problem");
    let added = phone.text("main section").await;
    for name in ["林晓东", "韩春燕", "郭振宇"] {
        assert!(added.contains(name), "the preview adds {name}: {added}");
    }
    assert!(rows(&site).await == before, "a preview writes nothing");
    phone.click(CONFIRM).await;
    find(&phone.client, "main section p.notice[role=status]").await;
    let listed = run_at(&site.db, &["member", "list"]).succeeded().stdout;
    for name in ["林晓东", "韩春燕", "郭振宇"] {
        assert!(listed.contains(name), "{name} is on the roll once committed: {listed}");
    }
    site.done("the members' import");

    // The households file, committed as it is.
    preview(&phone, "households", "households-e2e.xlsx").await;
    assert_eq!(phone.count("ul.problems li").await, 0, "the households file has no problem");
    phone.click(CONFIRM).await;
    find(&phone.client, "main section p.notice[role=status]").await;
    site.done("the households' import");

    // Linking, each tap counted: open the page, search the new street's
    // unlinked households, then per member tick their households, find
    // the member by typing, and link.
    let mut taps = 0;
    phone.goto("/households").await;
    taps += 1;
    phone.type_into("#household-search input[name=q]", "桃园巷").await;
    taps += 1;
    phone.choose("#household-search select[name=filter]", "unlinked").await;
    taps += 1;
    phone.click("#household-search button[type=submit]").await;
    taps += 1;
    assert_eq!(phone.count("tr[data-household]").await, 4, "the search finds the four new households");
    for (member, households) in LINKS {
        for address in households {
            find(&phone.client, &format!("input[name=h][aria-label='{address}']"))
                .await
                .click()
                .await
                .unwrap_or_else(|e| panic!("tick {address}: {e}"));
            taps += 1;
        }
        let field = find(&phone.client, "#household-search input[name=mq]").await;
        field.clear().await.expect("clear the member search");
        field.send_keys(member).await.expect("type the member's name");
        taps += 1;
        let client = phone.client.clone();
        wait_until(&phone.client, &format!("the picker to offer {member} alone"), || {
            let client = client.clone();
            async move {
                let offered = client
                    .execute(
                        "return Array.from(document.querySelectorAll('#member-pick option')).map(o => o.textContent)",
                        vec![],
                    )
                    .await?;
                let offered = offered.as_array().cloned().unwrap_or_default();
                Ok(offered.len() == 1 && offered[0].as_str().is_some_and(|o| o.starts_with(member)))
            }
        })
        .await;
        phone.click("button[name=action][value=link]").await;
        taps += 1;
        let notice = phone.text("main [role=status]").await;
        assert!(notice.contains(member) && notice.contains("2"), "the page says {member} now serves 2: {notice}");
    }
    let linked = LINKS.iter().map(|(_, h)| h.len()).sum::<usize>();
    eprintln!("e2e: {linked} households linked in {taps} taps");
    assert!(taps <= TAPS_PER_HOUSEHOLD * linked, "{taps} taps for {linked} households");
    assert_eq!(phone.count("tr[data-household]").await, 0, "no new household is left unlinked");
    phone.screenshot("import-linked-phone").await;
    site.done("the linking");

    // On the page: every new household names its member.
    phone.goto(&format!("/households?q={}", "桃园巷")).await;
    for (member, households) in LINKS {
        for address in households {
            let row = phone.text(&format!("tr[data-household]:has(input[aria-label='{address}'])")).await;
            assert!(row.contains(member), "{address} is linked to {member} on the page: {row}");
        }
    }
    let overflow =
        phone.client.execute("return document.documentElement.scrollWidth - window.innerWidth", vec![]).await.unwrap();
    assert!(overflow.as_i64().unwrap_or(1) <= 0, "the list is wider than the phone by {overflow}");
    // And in the database.
    let mut db = site.db().await;
    for (member, households) in LINKS {
        for address in households {
            let name: String = sqlx::query_scalar(
                "SELECT m.name FROM household_links l JOIN households h ON h.id = l.household_id \
                 JOIN members m ON m.id = l.member_id WHERE h.address = $1",
            )
            .bind(address)
            .fetch_one(&mut db)
            .await
            .unwrap_or_else(|e| panic!("{address} is linked: {e}"));
            assert_eq!(name, member, "{address} is linked to {member}");
        }
    }
}
