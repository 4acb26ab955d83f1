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
}

pub struct Page {
    pub t: Tr,
    pub title: String,
    pub nav: Option<Nav>,
    pub csrf: String,
}

impl Page {
    pub fn public(t: Tr, title_key: &str) -> Page {
        Page { t, title: t.get(title_key).to_string(), nav: None, csrf: String::new() }
    }

    pub fn signed_in(viewer: &SignedIn, title_key: &str) -> Page {
        let nav = (!viewer.must_change_password).then(|| community_nav(&viewer.account));
        Page { t: viewer.t, title: viewer.t.get(title_key).to_string(), nav, csrf: viewer.csrf_token.clone() }
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
            },
        });
        Page { t: holder.t, title: holder.t.get(title_key).to_string(), nav, csrf: holder.csrf_token.clone() }
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
        roll_import: role == Role::Committee,
        roll: matches!(role, Role::Committee | Role::Auditor),
        region: false,
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
