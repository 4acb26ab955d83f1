//! The header's menu (issue 14, item 8): one `<details>` menu that works
//! without script, listing only what the account may open, the page shown
//! (or the section it belongs to) marked `aria-current="page"`, exactly once.

use super::helpers::*;
use reqwest::StatusCode;

/// The header's HTML, up to its end.
fn header(page: &str) -> &str {
    let start = page.find("<header").expect("the page has a header");
    let end = page[start..].find("</header>").expect("the header ends") + start;
    &page[start..end]
}

#[tokio::test]
async fn the_menu_marks_the_page_shown_and_lists_what_the_account_may_open() {
    let app = spawn_app().await;
    let committee = app.login(COMMITTEE, PASSWORD).await;
    for (path, entry) in [
        ("/meetings", "/meetings"),
        ("/standings", "/standings"),
        ("/households", "/households"),
        ("/rating/what-if", "/rating"),
        ("/", "/"),
    ] {
        let page = text(app.get(&committee, path).await, StatusCode::OK).await;
        let header = header(&page);
        assert!(header.contains("<details class=\"menu\" data-menu>"), "{path}: a menu without script: {header}");
        assert_eq!(header.matches("aria-current=\"page\"").count(), 1, "{path}: one entry marked: {header}");
        assert!(
            header.contains(&format!("<a href=\"{entry}\" aria-current=\"page\">")),
            "{path} is marked under {entry}: {header}"
        );
    }

    let member = app.login(MEMBER, PASSWORD).await;
    let page = text(app.get(&member, "/me").await, StatusCode::OK).await;
    let header = header(&page);
    assert!(header.contains("<a href=\"/me\" aria-current=\"page\">"), "{header}");
    assert!(header.contains("href=\"/claims\""), "a member claims: {header}");
    for not_hers in ["/households", "/adjustments", "/import", "/households/cards", "/audit/anomalies"] {
        assert!(!header.contains(&format!("href=\"{not_hers}\"")), "a member's menu has no {not_hers}: {header}");
    }
    assert!(header.contains("action=\"/logout\""), "signing out is in the menu: {header}");

    // Signed out, the header has no menu.
    let page = text(app.get(&app.client(), "/login").await, StatusCode::OK).await;
    assert!(!header_of_login_has_menu(&page), "no menu before signing in");
}

fn header_of_login_has_menu(page: &str) -> bool {
    header(page).contains("data-menu")
}
