//! What every page's layout needs: the language, the title, the signed-in
//! account's navigation and the CSRF token its forms carry.

use crate::i18n::Tr;
use crate::session::SignedIn;
use starledger_domain::org::Role;

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
        let role = viewer.account.role;
        let nav = (!viewer.must_change_password).then(|| Nav {
            name: viewer.account.name.clone(),
            dashboard: matches!(role, Role::Committee | Role::Auditor | Role::BranchSecretary),
            me: viewer.account.member_id.is_some(),
            cards: matches!(role, Role::Committee | Role::BranchSecretary),
            reviews: matches!(role, Role::Committee | Role::BranchSecretary),
            linking: matches!(role, Role::Committee | Role::Auditor),
            integrity: matches!(role, Role::Committee | Role::BranchSecretary | Role::Auditor),
            adjustments: matches!(role, Role::Committee | Role::Auditor),
            robots: matches!(role, Role::Committee | Role::Auditor),
        });
        Page { t: viewer.t, title: viewer.t.get(title_key).to_string(), nav, csrf: viewer.csrf_token.clone() }
    }
}

/// Stars as the honour roll prints them.
pub fn star_text(stars: u8) -> String {
    "★".repeat(stars as usize) + &"☆".repeat(5usize.saturating_sub(stars as usize))
}
