//! What every page's layout needs: the language, the title, the signed-in
//! account's navigation and the CSRF token its forms carry.

use crate::i18n::Tr;
use crate::session::{Holder, SignedIn};
use starledger_domain::org::{Account, Role};
use starledger_domain::regions::Principal;

pub struct Nav {
    pub name: String,
    pub dashboard: bool,
    pub me: bool,
    pub cards: bool,
    pub reviews: bool,
    pub linking: bool,
    pub integrity: bool,
    pub adjustments: bool,
    pub robots: bool,
    /// The auditor's anomaly flags (the committee reads them too).
    pub anomalies: bool,
    /// The committee's import of the roll from Excel.
    pub roll_import: bool,
    /// The roll's members list (the committee edits it, the auditor reads it).
    pub roll: bool,
    /// An overseer's one page: the region's figures.
    pub region: bool,
    /// The community's figures in charts (the committee, the auditor).
    pub figures: bool,
}

pub struct Page {
    pub t: Tr,
    pub title: String,
    /// Which entry of the menu this page belongs to (its href), marked
    /// `aria-current="page"` there.
    pub section: &'static str,
    pub nav: Option<Nav>,
    pub csrf: String,
}

impl Page {
    pub fn public(t: Tr, title_key: &str) -> Page {
        Page { t, title: t.get(title_key).to_string(), section: section(title_key), nav: None, csrf: String::new() }
    }

    pub fn signed_in(viewer: &SignedIn, title_key: &str) -> Page {
        let nav = (!viewer.must_change_password).then(|| community_nav(&viewer.account));
        Page {
            t: viewer.t,
            title: viewer.t.get(title_key).to_string(),
            section: section(title_key),
            nav,
            csrf: viewer.csrf_token.clone(),
        }
    }

    /// A page any signed-in account may open (its password), with the
    /// navigation of its kind.
    pub fn held(holder: &Holder, title_key: &str) -> Page {
        let nav = (!holder.must_change_password).then(|| match &holder.principal {
            Principal::Community(account) => community_nav(account),
            Principal::Overseer(overseer) => Nav {
                name: overseer.name.clone(),
                dashboard: false,
                me: false,
                cards: false,
                reviews: false,
                linking: false,
                integrity: false,
                adjustments: false,
                robots: false,
                anomalies: false,
                roll_import: false,
                roll: false,
                region: true,
                figures: false,
            },
        });
        Page {
            t: holder.t,
            title: holder.t.get(title_key).to_string(),
            section: section(title_key),
            nav,
            csrf: holder.csrf_token.clone(),
        }
    }
}

/// One entry of the menu.
pub struct MenuLink {
    pub href: &'static str,
    pub label: &'static str,
    /// The entry of the page shown.
    pub current: bool,
}

impl Page {
    /// The signed-in account's menu, in the order it is shown, the page's
    /// own entry marked.
    pub fn menu(&self) -> Vec<MenuLink> {
        let Some(nav) = &self.nav else { return Vec::new() };
        let entries: Vec<(&'static str, &'static str)> = if nav.region {
            vec![("/region", "region")]
        } else {
            [
                (nav.dashboard, "/", "dashboard"),
                (nav.me, "/me", "my_record"),
                (nav.me, "/claims", "claims"),
                (true, "/meetings", "meetings"),
                (true, "/activities", "activities"),
                (nav.reviews, "/reviews", "reviews"),
                (nav.integrity, "/integrity", "integrity"),
                (nav.adjustments, "/adjustments", "adjustments"),
                (nav.anomalies, "/audit/anomalies", "anomalies"),
                (nav.robots, "/robots", "robots"),
                (true, "/ballots", "ballots"),
                (true, "/rating", "rating"),
                (nav.linking, "/households", "link_households"),
                (nav.roll, "/members", "roll"),
                (nav.roll_import, "/import", "import_roll"),
                (nav.roll, "/exports", "exports"),
                (true, "/standings", "standings"),
                (nav.figures, "/figures", "figures"),
                (true, "/honours", "honours"),
                (nav.cards, "/households/cards", "cards"),
                (nav.cards, "/households/forms", "paper_forms"),
            ]
            .into_iter()
            .filter(|(shown, _, _)| *shown)
            .map(|(_, href, key)| (href, key))
            .collect()
        };
        entries
            .into_iter()
            .map(|(href, key)| MenuLink { href, label: self.t.get(key), current: href == self.section })
            .collect()
    }
}

/// The menu entry (its href) that a page of title `title_key` belongs to:
/// a meeting's page is under the meetings, a ballot under the ballots.
fn section(title_key: &str) -> &'static str {
    match title_key {
        "dashboard" => "/",
        "my_record" | "star_history" => "/me",
        "claims" => "/claims",
        "meetings" => "/meetings",
        "activities" => "/activities",
        "reviews" => "/reviews",
        "integrity" => "/integrity",
        "adjustments" => "/adjustments",
        "anomalies" | "audit_entries" => "/audit/anomalies",
        "robots" => "/robots",
        "ballots" | "ballot" => "/ballots",
        "rating" | "what_if" => "/rating",
        "link_households" | "origins_title" => "/households",
        "import_roll" => "/import",
        "exports" => "/exports",
        "roll" | "transfer_out" | "transfer_in" | "member_new" | "member_edit" | "branches" | "accounts" => "/members",
        "standings" => "/standings",
        "figures" => "/figures",
        "honours" => "/honours",
        "cards" => "/households/cards",
        "paper_forms" => "/households/forms",
        "region" | "region_cases" => "/region",
        "change_password" => "/password",
        _ => "",
    }
}

fn community_nav(account: &Account) -> Nav {
    let role = account.role;
    Nav {
        name: account.name.clone(),
        dashboard: matches!(role, Role::Committee | Role::Auditor | Role::BranchSecretary),
        me: account.member_id.is_some(),
        cards: matches!(role, Role::Committee | Role::BranchSecretary),
        reviews: matches!(role, Role::Committee | Role::BranchSecretary),
        linking: matches!(role, Role::Committee | Role::Auditor),
        integrity: matches!(role, Role::Committee | Role::BranchSecretary | Role::Auditor),
        adjustments: matches!(role, Role::Committee | Role::Auditor),
        robots: matches!(role, Role::Committee | Role::Auditor),
        anomalies: starledger_app::anomalies::READERS.contains(&role),
        roll_import: matches!(role, Role::Committee | Role::BranchSecretary),
        roll: matches!(role, Role::Committee | Role::Auditor),
        region: false,
        figures: starledger_app::figures::READERS.contains(&role),
    }
}

/// Stars as the honour roll prints them.
pub fn star_text(stars: u8) -> String {
    "★".repeat(stars as usize) + &"☆".repeat(5usize.saturating_sub(stars as usize))
}

/// Why members are not rated or ranked, in the page's language.
pub fn reasons_text(t: Tr, reasons: &[starledger_domain::rating::Ineligible]) -> String {
    let said: Vec<String> = reasons
        .iter()
        .map(|r| match t.0 {
            crate::i18n::Lang::Zh => r.zh(),
            crate::i18n::Lang::En => r.en(),
        })
        .collect();
    said.join(if t.0 == crate::i18n::Lang::Zh { "；" } else { "; " })
}
