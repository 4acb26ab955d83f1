//! A year's rating as the pages show it, computed once per change and kept.
//!
//! Every signed-in page (standings, a member's record, the home page, the
//! honour roll) shows a year's rating. Computing it reads the year's totals
//! and the roll and ranks everyone, so doing that on every request made a
//! page cost grow with the community. Here a computed rating is kept under
//! the community's revision ([`LedgerQueries::revision`]), which triggers
//! change with everything a rating is computed from; a request whose
//! revision matches is served what was kept, at the cost of one lookup.
//!
//! What a viewer may see is part of the key: while a household-rating window
//! runs, members see a window's ratings only once there are three of them
//! ([`visible_scored`]), and that changes with the day, not with a write.

use crate::AppResult;
use crate::clock::today;
use jiff::civil::Date;
use starledger_domain::linking::RatingWindow;
use starledger_domain::org::{BranchId, CommunityId, Member, MemberId, Role, Year};
use starledger_domain::points::Points;
use starledger_domain::rating::{MemberRating, Rating, Scored, rate, withhold_thin_window};
use starledger_domain::rulebook::RuleSource;
use starledger_store::{FinalStars, LedgerQueries, NoticeQueries, OrgQueries, Period};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

/// Whose view of a running year: the committee and the auditor see every
/// rating as it comes; members, branch secretaries and the region see a
/// running window's ratings once there are three.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Audience {
    Whole,
    Members,
}

impl Audience {
    pub fn of(role: Role) -> Audience {
        match role {
            Role::Committee | Role::Auditor => Audience::Whole,
            _ => Audience::Members,
        }
    }
}

/// A year's rating with what it was computed from, and the lookups the
/// pages make in it, built once with it: a page then costs a few lookups,
/// not a pass over a community of 20,000 members per request.
#[derive(Debug)]
pub struct YearRating {
    pub period: Period,
    /// The year's roll (frozen once the year is finalized).
    pub roll: Vec<Member>,
    /// The rating as the ledger gives it now, for this audience.
    pub rating: Rating,
    /// The rating with the finalized round's ranks, totals and stars over
    /// it, once the year is final; the honour roll and certificates show this.
    pub finalized: Option<Rating>,
    /// Each member's place in `rating.members` (and in `finalized`'s,
    /// which lists them in the same order).
    position: HashMap<MemberId, usize>,
    /// Each member's branch on the year's roll.
    branch_of: HashMap<MemberId, BranchId>,
    /// Per branch name, in name order: eligible members and five-star
    /// members of the standing rating (the 五星支部 campaign's input).
    branch_stars: Vec<(String, usize, usize)>,
    /// The branches of the year's roll by id, as the standings filter
    /// lists them (a large community has hundreds).
    branches: Vec<(BranchId, String)>,
}

impl YearRating {
    /// A rating, the finalized round's stars over it (once the year is
    /// final), and its lookups.
    fn new(period: Period, roll: Vec<Member>, rating: Rating, finals: Option<Vec<FinalStars>>) -> YearRating {
        let position: HashMap<MemberId, usize> =
            rating.members.iter().enumerate().map(|(i, m)| (m.member_id, i)).collect();
        // Only a year that is over is published and finalized, and everyone
        // sees a year that is over whole: this rating is it, with the
        // finalized ranks, totals and stars over it (members in the same order).
        let finalized = finals.map(|finals| {
            let mut whole = rating.clone();
            for row in finals {
                if let Some(rated) = position.get(&row.member_id).and_then(|&i| whole.members.get_mut(i)) {
                    rated.stars = row.stars.clamp(0, 5) as u8;
                    rated.rank = row.rank.map(|r| r as u32);
                    rated.total = Points::from_tenths(row.total_tenths);
                }
            }
            whole
        });
        let branch_of = roll.iter().map(|m| (m.id, m.branch_id)).collect();
        let mut branches: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        for rated in finalized.as_ref().unwrap_or(&rating).members.iter().filter(|m| m.eligible) {
            let counts = branches.entry(rated.branch.as_str()).or_default();
            counts.0 += 1;
            counts.1 += usize::from(rated.stars == 5);
        }
        let branch_stars = branches.into_iter().map(|(name, (rated, five))| (name.to_string(), rated, five)).collect();
        let branches: BTreeMap<BranchId, &str> = roll.iter().map(|m| (m.branch_id, m.branch.as_str())).collect();
        let branches = branches.into_iter().map(|(id, name)| (id, name.to_string())).collect();
        YearRating { period, roll, rating, finalized, position, branch_of, branch_stars, branches }
    }

    /// The branches of the year's roll, by id.
    pub fn branches(&self) -> &[(BranchId, String)] {
        &self.branches
    }

    /// The rating as it stands: the finalized one if the year is final.
    pub fn standing(&self) -> &Rating {
        self.finalized.as_ref().unwrap_or(&self.rating)
    }

    /// A member's line in the rating as the ledger gives it now.
    pub fn member(&self, id: MemberId) -> Option<&MemberRating> {
        self.position.get(&id).and_then(|&i| self.rating.members.get(i))
    }

    /// A member's line in the rating as it stands (finalized if final).
    pub fn standing_member(&self, id: MemberId) -> Option<&MemberRating> {
        self.position.get(&id).and_then(|&i| self.standing().members.get(i))
    }

    /// The member's branch on the year's roll.
    pub fn branch_of(&self, id: MemberId) -> Option<BranchId> {
        self.branch_of.get(&id).copied()
    }

    /// Per branch name: eligible members and five-star members, as it stands.
    pub fn branch_stars(&self) -> &[(String, usize, usize)] {
        &self.branch_stars
    }
}

/// The year's points as `audience` may see them on `today`: while a
/// household-rating window is running, a member's ratings in it count in
/// what members see only once there are three; the rating that is
/// published counts them all once the window closes.
pub async fn visible_scored<Q: LedgerQueries>(
    q: &mut Q,
    period: &Period,
    audience: Audience,
    today: Date,
) -> AppResult<Vec<Scored>> {
    let scored = q.year_scored(period.community_id, period.year).await?;
    if Year::of(today) != period.year || audience == Audience::Whole {
        return Ok(scored);
    }
    let rulebook = &period.rulebook;
    let rules: Vec<String> =
        rulebook.rules.values().filter(|r| r.source == RuleSource::Household).map(|r| r.key.clone()).collect();
    let window = RatingWindow::containing(today, &rulebook.linking);
    let (from, until) = (window.starts_on.to_string(), window.ends_on.to_string());
    let running = q.window_ratings(period.community_id, period.year, &rules, &from, &until).await?;
    Ok(withhold_thin_window(&scored, &running))
}

/// Computes a year's rating for an audience, without the cache: `None` if
/// the community has no period for that year.
pub async fn compute<Q>(
    q: &mut Q,
    community: CommunityId,
    year: Year,
    audience: Audience,
) -> AppResult<Option<YearRating>>
where
    Q: LedgerQueries + OrgQueries + NoticeQueries + Sized,
{
    let Some(period) = q.period(community, year).await? else { return Ok(None) };
    let roll = q.year_roll(community, year).await?;
    let scored = visible_scored(q, &period, audience, today()).await?;
    let rating = rate(year, &period.rulebook, &roll, &scored);
    let finals = q.final_stars(community, i64::from(year.get())).await?;
    Ok(Some(YearRating::new(period, roll, rating, finals)))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Key {
    community: CommunityId,
    year: Year,
    audience: Audience,
    /// The day, where what the audience sees depends on it (a running
    /// window for members); otherwise none, so the entry lasts past midnight.
    day: Option<Date>,
}

struct Kept {
    revision: i64,
    rating: Arc<YearRating>,
}

type Slot = Arc<tokio::sync::Mutex<Option<Kept>>>;

/// Ratings kept per community, year and audience, each under the revision
/// it was computed at. One per server; cheap to clone.
#[derive(Clone, Default)]
pub struct RatingCache {
    slots: Arc<Mutex<HashMap<Key, Slot>>>,
}

/// More keys than this (years × audiences × communities served) and the
/// oldest days' entries are dropped; a city's server keeps a few thousand.
const MAX_KEYS: usize = 4096;

impl RatingCache {
    pub fn new() -> RatingCache {
        RatingCache::default()
    }

    /// The year's rating for `audience`, computed only if anything it is
    /// computed from changed since it was last kept. Requests for the same
    /// rating wait for one computation rather than each doing it.
    pub async fn get<Q>(
        &self,
        q: &mut Q,
        community: CommunityId,
        year: Year,
        audience: Audience,
    ) -> AppResult<Option<Arc<YearRating>>>
    where
        Q: LedgerQueries + OrgQueries + NoticeQueries + Sized,
    {
        // The revision first: everything read after it is at least as new,
        // so a rating is never kept under a revision newer than its data.
        let revision = q.revision(community).await?;
        let today = today();
        let day = (audience == Audience::Members && Year::of(today) == year).then_some(today);
        let slot = self.slot(Key { community, year, audience, day });
        let mut kept = slot.lock().await;
        if let Some(kept) = kept.as_ref().filter(|k| k.revision == revision) {
            return Ok(Some(kept.rating.clone()));
        }
        let Some(computed) = compute(q, community, year, audience).await? else {
            *kept = None;
            return Ok(None);
        };
        let rating = Arc::new(computed);
        *kept = Some(Kept { revision, rating: rating.clone() });
        Ok(Some(rating))
    }

    fn slot(&self, key: Key) -> Slot {
        let mut slots = self.slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if slots.len() >= MAX_KEYS && !slots.contains_key(&key) {
            // Past days' views go first; if that is not enough, start over.
            slots.retain(|k, _| k.day.is_none_or(|d| Some(d) >= key.day));
            if slots.len() >= MAX_KEYS {
                slots.clear();
            }
        }
        slots.entry(key).or_default().clone()
    }

    /// How many ratings are kept (for the metrics and the tests).
    pub fn len(&self) -> usize {
        self.slots.lock().map(|s| s.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
