//! A member's own data, to download from their page (PIPL's right of
//! access): what the roll keeps about them, their accounts, every ledger
//! entry about them, their claims with the files they uploaded, the
//! household ratings they received (per window, as their record shows them:
//! counts only from three ratings on, never a household or a comment), and
//! what their own accounts did, from the audit log.

use crate::AppResult;
use crate::clock;
use starledger_domain::ledger::{Actor, Entry};
use starledger_domain::linking::RatingWindow;
use starledger_domain::org::{Account, CommunityId, Member, MemberId, Year};
use starledger_domain::points::Points;
use starledger_domain::rating::MIN_RATINGS_SHOWN;
use starledger_domain::rulebook::RuleSource;
use starledger_store::{ClaimQueries, LedgerQueries, OrgQueries};
use std::collections::BTreeMap;

/// One claim with its file, if it had one.
pub struct ClaimData {
    pub claim: starledger_store::Claim,
    /// (content type, bytes).
    pub file: Option<(String, Vec<u8>)>,
}

/// Ratings received in one window, as the member's record shows them.
pub struct WindowData {
    pub year: i16,
    pub window: String,
    /// (satisfied, basically satisfied, not satisfied), or none while fewer
    /// than three: one or two would tell how a known household rated.
    pub counts: Option<(i64, i64, i64)>,
    /// The window's points, or none while it runs with fewer than three.
    pub points: Option<Points>,
}

pub struct PersonalData {
    pub member: Member,
    pub accounts: Vec<Account>,
    /// Every entry about the member except household ratings, all years.
    pub entries: Vec<Entry>,
    pub ratings: Vec<WindowData>,
    pub claims: Vec<ClaimData>,
    /// (account login, when, action, detail) for what their accounts did.
    pub audit: Vec<(String, String, String, String)>,
}

/// Everything kept about `member`, for the member themself.
pub async fn export<Q>(q: &mut Q, community: CommunityId, member: MemberId) -> AppResult<PersonalData>
where
    Q: OrgQueries + LedgerQueries + ClaimQueries,
{
    let person = q.member(community, member).await?;
    let accounts: Vec<Account> =
        q.accounts(community).await?.into_iter().filter(|a| a.member_id == Some(member)).collect();
    let mut entries = Vec::new();
    let mut ratings = Vec::new();
    let today = clock::today();
    for year in q.period_years(community).await? {
        let Some(period) = q.period(community, year).await? else { continue };
        let rulebook = &period.rulebook;
        let mut windows: BTreeMap<String, (i64, i64, i64, Points)> = BTreeMap::new();
        for entry in q.member_entries(community, member, year).await? {
            let draft = &entry.draft;
            if rulebook.rule(&draft.rule_key).is_none_or(|r| r.source != RuleSource::Household) {
                entries.push(entry);
                continue;
            }
            let window = RatingWindow::containing(draft.occurred_on, &rulebook.linking).key();
            let row = windows.entry(window).or_default();
            let one = if draft.reverses.is_some() { -1 } else { 1 };
            match draft.rule_key.as_str() {
                key if key == rulebook.linking.satisfied_rule => row.0 += one,
                key if key == rulebook.linking.basically_satisfied_rule => row.1 += one,
                _ => row.2 += one,
            }
            row.3 += draft.points;
        }
        let running = (Year::of(today) == year).then(|| RatingWindow::containing(today, &rulebook.linking).key());
        for (window, (satisfied, basically, not, points)) in windows {
            let shown = satisfied + basically + not >= MIN_RATINGS_SHOWN;
            ratings.push(WindowData {
                year: year.get(),
                points: (shown || running.as_ref() != Some(&window)).then_some(points),
                counts: shown.then_some((satisfied, basically, not)),
                window,
            });
        }
    }
    let mut claims = Vec::new();
    for claim in q.member_claims(community, member).await? {
        let file = match claim.upload_id {
            Some(id) => {
                let upload = q.upload(community, id).await?;
                Some((upload.content_type, upload.bytes))
            }
            None => None,
        };
        claims.push(ClaimData { claim, file });
    }
    let mut audit = Vec::new();
    for account in &accounts {
        let (label, formerly) = (crate::ledger::actor_label(account), Actor::Account(account.id).to_string());
        for (at, action, detail) in q.audit_rows_by(community, &label, &formerly).await? {
            audit.push((account.login.clone(), at, action, detail));
        }
    }
    Ok(PersonalData { member: person, accounts, entries, ratings, claims, audit })
}
