//! Step 4, the star rating (星级评定): a pure function from the year's ledger
//! entries, the roll and the frozen rulebook to ranks and stars. Stars are
//! never edited; anyone with the data and the rulebook recomputes the same.
//! `docs/rating.md` states every rule with a worked example; the tests
//! named there check each example against this code.
//!
//! The order of work:
//! 1. sum each member's entries per category (net of reversals);
//! 2. hold each category to its yearly cap: a sum above the cap is cut back
//!    to it, whatever the order of entries and reversals;
//! 3. decide who is rated (probationary members, too few days on the roll)
//!    and who is ranked (rated, and no veto), each refusal with a reason the
//!    member can read;
//! 4. credit members who do not link households with the median household
//!    points of ranked linked members, so an exemption never costs them;
//! 5. scale a rated member's partial year up to a full one when the
//!    rulebook says so;
//! 6. rank the ranked members by total, breaking ties by the rulebook's
//!    criteria (a category's figure: counted points plus any credit in it) and
//!    finally by member number;
//! 7. the top places (N, or fewer where the share cap binds) are five-star
//!    for members who also reach the highest threshold (the four-star
//!    line); the rest get one to four stars by threshold. A vetoed member
//!    gets the stars of their total, at most the veto's; a member who is
//!    not rated gets none.

use crate::org::{Member, MemberId, Year};
use crate::points::Points;
use crate::rulebook::{ExemptCredit, Rulebook, TieBreak};
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};

/// What the rating needs from one ledger entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scored {
    pub member_id: MemberId,
    pub category: String,
    pub rule_key: String,
    pub points: Points,
}

/// Points the rulebook adds on top of the counted categories, with the
/// reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credit {
    pub kind: CreditKind,
    /// The category the credit counts in (and in its tie-break), if any.
    pub category: Option<String>,
    pub points: Points,
    pub reason: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CreditKind {
    /// An exempt member's household category, raised to the linked median.
    ExemptLinking,
    /// A partial year scaled to a full one.
    PartialYear,
}

impl CreditKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CreditKind::ExemptLinking => "exempt_linking",
            CreditKind::PartialYear => "partial_year",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberRating {
    pub member_id: MemberId,
    pub name: String,
    pub branch: String,
    /// Counted points per category: the ledger's sum net of reversals, held
    /// to the category's yearly cap (every category of the rulebook present).
    pub categories: BTreeMap<String, Points>,
    /// What the ledger gave above a category's cap and does not count, by
    /// category (only categories that were cut): ledger sum = counted + cut.
    pub over_cap: BTreeMap<String, Points>,
    /// The exemption credit, then part-year scaling.
    pub credits: Vec<Credit>,
    /// Categories plus credits: the figure that is ranked.
    pub total: Points,
    /// Place among ranked members, 1 first; none for the others.
    pub rank: Option<u32>,
    pub stars: u8,
    /// Ranked: rated (not probationary, enough days on the roll) and not
    /// vetoed.
    pub eligible: bool,
    /// Rated: not probationary and enough days on the roll. A member who is
    /// not rated gets no stars; a rated member with a veto is not ranked
    /// but keeps the stars of their total, at most the veto's.
    pub rated: bool,
    /// Why the member is not eligible; `Display` gives the words they read
    /// (Chinese, with English), as the command line prints them.
    pub reasons: Vec<Ineligible>,
}

/// Why a member is not rated or not ranked. A value, not a sentence, so a
/// page can say it in its own language ([`Ineligible::zh`],
/// [`Ineligible::en`]) and the rule stays free of page wording.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ineligible {
    /// 预备党员: takes part in everything, is not rated.
    Probationary,
    /// Fewer days on the year's roll than the rulebook asks.
    FewDaysOnRoll { days: i64, min: u32 },
    /// A veto rule has points this year: `name` is the rule's name in the
    /// rulebook (the committee's words), `rule` its key.
    Veto { name: String, rule: String },
}

impl Ineligible {
    pub fn zh(&self) -> String {
        match self {
            Ineligible::Probationary => "预备党员：参加各项活动，不参评星级".into(),
            Ineligible::FewDaysOnRoll { days, min } => format!("当年在册{days}天，不足{min}天"),
            Ineligible::Veto { name, .. } => format!("一票否决：{name}"),
        }
    }

    pub fn en(&self) -> String {
        match self {
            Ineligible::Probationary => "probationary member: takes part, is not rated".into(),
            Ineligible::FewDaysOnRoll { days, min } => format!("on the roll {days} days, fewer than {min}"),
            Ineligible::Veto { rule, .. } => format!("veto: {rule}"),
        }
    }
}

impl std::fmt::Display for Ineligible {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Ineligible::Probationary => f.write_str("预备党员：参加各项活动，不参评星级 (probationary member)"),
            Ineligible::FewDaysOnRoll { days, min } => {
                write!(f, "当年在册{days}天，不足{min}天 (on the roll {days} days, fewer than {min})")
            }
            Ineligible::Veto { name, rule } => write!(f, "一票否决：{name} (veto: {rule})"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rating {
    pub year: Year,
    pub rulebook_version: String,
    pub rulebook_sha256: String,
    pub eligible_count: usize,
    /// Five-star places offered (N, or fewer where the share cap binds);
    /// fewer are taken when fewer members reach the four-star line.
    pub five_star_places: usize,
    /// Eligible members by rank, then the others by total.
    pub members: Vec<MemberRating>,
}

/// One term of a member's total, as `explain` shows it: the terms, added
/// up, give the total exactly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Term {
    pub kind: TermKind,
    pub category: Option<String>,
    pub points: Points,
    pub reason: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TermKind {
    /// The ledger's entries in one category, net of reversals.
    Ledger,
    /// What a category's entries gave above its yearly cap (negative).
    OverCap,
    /// A credit of the rulebook (see [`CreditKind`]).
    Credit(CreditKind),
}

impl TermKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TermKind::Ledger => "ledger",
            TermKind::OverCap => "over_cap",
            TermKind::Credit(kind) => kind.as_str(),
        }
    }
}

impl MemberRating {
    /// Every term of the total, in the order they are applied: each
    /// category's ledger sum and any cut to its cap, then the credits.
    pub fn terms(&self) -> Vec<Term> {
        let mut terms = Vec::new();
        for (key, counted) in &self.categories {
            let cut = self.over_cap.get(key).copied().unwrap_or_default();
            terms.push(Term {
                kind: TermKind::Ledger,
                category: Some(key.clone()),
                points: *counted + cut,
                reason: "账本条目合计 (entries, net of reversals)".into(),
            });
            if cut != Points::ZERO {
                terms.push(Term {
                    kind: TermKind::OverCap,
                    category: Some(key.clone()),
                    points: -cut,
                    reason: format!("全年上限{counted}分，超出{cut}分不计 (above the yearly cap of {counted})"),
                });
            }
        }
        for credit in &self.credits {
            terms.push(Term {
                kind: TermKind::Credit(credit.kind),
                category: credit.category.clone(),
                points: credit.points,
                reason: credit.reason.clone(),
            });
        }
        terms
    }

    /// A category's figure: its counted points and any credit that counts
    /// in it (the exemption credit in the household category). The
    /// tie-break compares this figure.
    pub fn category_points(&self, key: &str) -> Points {
        let ledger = self.categories.get(key).copied().unwrap_or_default();
        ledger + self.credits.iter().filter(|c| c.category.as_deref() == Some(key)).map(|c| c.points).sum()
    }
}

impl Rating {
    pub fn five_star(&self) -> impl Iterator<Item = &MemberRating> {
        self.members.iter().filter(|m| m.stars == 5)
    }

    pub fn member(&self, id: MemberId) -> Option<&MemberRating> {
        self.members.iter().find(|m| m.member_id == id)
    }

    /// A fingerprint of the result: the rulebook that computed it and every
    /// member's rank, total and stars, so that what was published and what
    /// was finalized can be compared and recomputed by anyone.
    pub fn digest(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut hasher = Sha256::new();
        hasher.update(format!("{} {}\n", self.year, self.rulebook_sha256));
        for m in &self.members {
            hasher.update(format!("{} {} {} {}\n", m.member_id, m.rank.unwrap_or(0), m.total.tenths(), m.stars));
        }
        hex::encode(hasher.finalize())
    }
}

/// How far a member is from their next star level in a year's rating as it
/// stands, and where their points can still grow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Gap {
    /// The stars the member would reach next (1 to 5).
    pub next: u8,
    /// Points of total still needed for it (at least 0.1). For five stars,
    /// what passes the last five-star place's total; a tie there is settled
    /// by the tie-break, so equal points may or may not be enough.
    pub points: Points,
    /// For five stars: the total of the last five-star place now.
    pub five_star_cut: Option<Points>,
    /// Per category (rulebook order): the points it can still gain before its
    /// yearly cap, or `None` where the category has no cap.
    pub room: Vec<(String, Option<Points>)>,
}

impl Rating {
    /// The gap from `member` to their next star level, or `None` if there is
    /// no next level to reach: five stars already, not ranked (probationary,
    /// too few days, a veto), or five stars out of reach because the year
    /// offers no five-star place.
    pub fn gap(&self, rulebook: &Rulebook, member: MemberId) -> Option<Gap> {
        let rated = self.member(member)?;
        if !rated.eligible || rated.stars >= 5 {
            return None;
        }
        let stars = &rulebook.stars;
        let four_star_line = stars.thresholds.first().map(|t| t.min_points);
        let next = rated.stars + 1;
        let (points, five_star_cut) = if next == 5 {
            // The last place that is five-star now; with none taken yet (a
            // thin year), the line a five-star place must reach.
            let last = self.members.iter().rfind(|m| m.stars == 5).map(|m| m.total);
            let cut = match (self.five_star_places, last) {
                (0, _) => return None,
                (places, Some(cut)) if self.five_star().count() >= places => cut + Points::from_tenths(1),
                _ => four_star_line.unwrap_or(Points::ZERO),
            };
            (cut, last)
        } else {
            (stars.thresholds.iter().find(|t| t.stars == next)?.min_points, None)
        };
        let needed = if points > rated.total { points - rated.total } else { Points::from_tenths(1) };
        let room = rulebook
            .categories
            .iter()
            .map(|c| {
                let room = c.cap_per_year.map(|cap| {
                    let counted = rated.categories.get(&c.key).copied().unwrap_or_default();
                    if cap > counted { cap - counted } else { Points::ZERO }
                });
                (c.key.clone(), room)
            })
            .collect();
        Some(Gap { next, points: needed, five_star_cut, room })
    }
}

struct Working<'a> {
    member: &'a Member,
    rating: MemberRating,
    veto_cap: Option<u8>,
}

/// Rates one year. Members with no day on the roll that year are left out.
pub fn rate(year: Year, rulebook: &Rulebook, members: &[Member], entries: &[Scored]) -> Rating {
    let stars = &rulebook.stars;
    let mut by_member: HashMap<MemberId, Working> = HashMap::new();
    for member in members.iter().filter(|m| m.days_on_roll(year) > 0) {
        let categories = rulebook.categories.iter().map(|c| (c.key.clone(), Points::ZERO)).collect();
        let rating = MemberRating {
            member_id: member.id,
            name: member.name.to_string(),
            branch: member.branch.clone(),
            categories,
            over_cap: BTreeMap::new(),
            credits: Vec::new(),
            total: Points::ZERO,
            rank: None,
            stars: 0,
            eligible: true,
            rated: true,
            reasons: Vec::new(),
        };
        by_member.insert(member.id, Working { member, rating, veto_cap: None });
    }

    // 1. Sum the ledger; net points per veto rule tell whether a veto stands.
    let mut veto_points: HashMap<(MemberId, &str), Points> = HashMap::new();
    for entry in entries {
        let Some(working) = by_member.get_mut(&entry.member_id) else { continue };
        // Look up before inserting: a category string is cloned only once.
        match working.rating.categories.get_mut(&entry.category) {
            Some(points) => *points += entry.points,
            None => {
                working.rating.categories.insert(entry.category.clone(), entry.points);
            }
        }
        if stars.vetoes.iter().any(|v| v.rule == entry.rule_key) {
            *veto_points.entry((entry.member_id, entry.rule_key.as_str())).or_default() += entry.points;
        }
    }

    // 2. Caps on the net sum: recording checks each entry against the cap,
    //    but a later reversal of a deduction can lift a category past it.
    for working in by_member.values_mut() {
        for category in &rulebook.categories {
            let Some(cap) = category.cap_per_year else { continue };
            if let Some(sum) = working.rating.categories.get_mut(&category.key)
                && *sum > cap
            {
                working.rating.over_cap.insert(category.key.clone(), *sum - cap);
                *sum = cap;
            }
        }
    }

    // 3. Who is rated, and who is ranked.
    for working in by_member.values_mut() {
        let member = working.member;
        let days = member.days_on_roll(year);
        if member.probationary && !stars.probationary_eligible {
            working.rating.reasons.push(Ineligible::Probationary);
        }
        if days < i64::from(stars.min_days_on_roll) {
            working.rating.reasons.push(Ineligible::FewDaysOnRoll { days, min: stars.min_days_on_roll });
        }
        working.rating.rated = working.rating.reasons.is_empty();
        for veto in &stars.vetoes {
            if veto_points.get(&(member.id, veto.rule.as_str())).is_some_and(|p| *p != Points::ZERO) {
                let name = rulebook.rule(&veto.rule).map_or(veto.rule.as_str(), |r| r.name.as_str());
                working.rating.reasons.push(Ineligible::Veto { name: name.to_string(), rule: veto.rule.clone() });
                working.veto_cap = Some(working.veto_cap.map_or(veto.max_stars, |cap| cap.min(veto.max_stars)));
            }
        }
        working.rating.eligible = working.rating.reasons.is_empty();
    }

    // 4. Members who do not link households are credited the linked median,
    //    in the household category.
    if rulebook.linking.exempt_credit == ExemptCredit::Median {
        let median = median(
            by_member
                .values()
                .filter(|w| w.rating.eligible && w.member.linking.is_linked())
                .map(|w| w.rating.category_points(HOUSEHOLD))
                .collect(),
        );
        for working in by_member.values_mut().filter(|w| !w.member.linking.is_linked()) {
            let own = working.rating.category_points(HOUSEHOLD);
            if let Some(median) = median
                && median > own
            {
                let excuse = working.member.linking.excuse().unwrap_or_default();
                working.rating.credits.push(Credit {
                    kind: CreditKind::ExemptLinking,
                    category: Some(HOUSEHOLD.into()),
                    points: median - own,
                    reason: format!("{excuse}；联户服务按联户党员中位数 {median} 分计"),
                });
            }
        }
    }

    // 5. A rated member's partial year, scaled to a full one.
    let year_days = year.days();
    for working in by_member.values_mut() {
        let days = working.member.days_on_roll(year);
        let so_far = subtotal(&working.rating);
        if stars.prorate_partial_year && working.rating.rated && days < year_days {
            let scaled = so_far.scale(year_days, days);
            working.rating.credits.push(Credit {
                kind: CreditKind::PartialYear,
                category: None,
                points: scaled - so_far,
                reason: format!("当年在册{days}天，积分{so_far}按全年{year_days}天折算为{scaled}"),
            });
        }
        working.rating.total = subtotal(&working.rating);
    }

    // 6. Rank the ranked; 7. stars.
    let mut eligible: Vec<Working> = Vec::new();
    let mut others: Vec<Working> = Vec::new();
    for working in by_member.into_values() {
        if working.rating.eligible { eligible.push(working) } else { others.push(working) }
    }
    eligible.sort_by(|a, b| compare_for_rank(&rulebook.stars.tie_break, a, b));
    let places = stars.five_star_places(eligible.len());
    // A five-star place is earned, not only ranked: below the highest
    // threshold (the four-star line) no rank makes a member five-star, so a
    // thin year never honours members with hardly any points.
    let line = stars.thresholds.first().map(|t| t.min_points);
    for (index, working) in eligible.iter_mut().enumerate() {
        working.rating.rank = Some(index as u32 + 1);
        let earned = line.is_none_or(|line| working.rating.total >= line);
        working.rating.stars = if index < places && earned { 5 } else { stars.stars_for(working.rating.total) };
    }
    for working in &mut others {
        // Not rated: no stars, whatever a veto would allow. Rated but
        // vetoed: the stars of the total, at most the veto's.
        working.rating.stars = match working.veto_cap {
            Some(cap) if working.rating.rated => stars.stars_for(working.rating.total).min(cap),
            _ => 0,
        };
    }
    others.sort_by(|a, b| b.rating.total.cmp(&a.rating.total).then(a.member.id.cmp(&b.member.id)));

    Rating {
        year,
        rulebook_version: rulebook.version.clone(),
        rulebook_sha256: rulebook.sha256.clone(),
        eligible_count: eligible.len(),
        five_star_places: places,
        members: eligible.into_iter().chain(others).map(|w| w.rating).collect(),
    }
}

/// Consecutive five-star years ending with the latest year of `history`
/// (years with no record break a streak).
pub fn five_star_streak(history: &[(Year, u8)]) -> u32 {
    let mut years: Vec<(Year, u8)> = history.to_vec();
    years.sort_by_key(|(year, _)| std::cmp::Reverse(*year));
    let mut streak = 0;
    let mut expected: Option<i16> = None;
    for (year, stars) in years {
        if expected.is_some_and(|e| e != year.get()) || stars < 5 {
            break;
        }
        streak += 1;
        expected = Some(year.get() - 1);
    }
    streak
}

/// The category the exemption credit counts in.
const HOUSEHOLD: &str = "household";

fn subtotal(rating: &MemberRating) -> Points {
    rating.categories.values().copied().sum::<Points>() + rating.credits.iter().map(|c| c.points).sum()
}

/// The median, the mean of the middle two for an even count.
pub fn median(mut values: Vec<Points>) -> Option<Points> {
    if values.is_empty() {
        return None;
    }
    values.sort();
    let middle = values.len() / 2;
    Some(if values.len() % 2 == 1 { values[middle] } else { (values[middle - 1] + values[middle]).scale(1, 2) })
}

/// Higher total first; then the rulebook's tie-break; then member number.
fn compare_for_rank(tie_break: &[TieBreak], a: &Working, b: &Working) -> Ordering {
    let mut order = b.rating.total.cmp(&a.rating.total);
    for criterion in tie_break {
        if order != Ordering::Equal {
            return order;
        }
        order = match criterion {
            // The category's figure: ledger, cap cut and credit counted in it.
            TieBreak::Category(key) => b.rating.category_points(key).cmp(&a.rating.category_points(key)),
            // Earlier joining first; an unknown date sorts last.
            TieBreak::JoinedOn => match (a.member.joined_on, b.member.joined_on) {
                (Some(x), Some(y)) => x.cmp(&y),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            },
        };
    }
    order.then(a.member.id.cmp(&b.member.id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::CommunityId;
    use crate::org::{BranchId, LinkingDuty, PersonName};
    use jiff::civil::date;
    use proptest::prelude::*;

    const DEFAULT_RULEBOOK_FOR_TESTS: &str = crate::rulebook::DEFAULT_RULEBOOK;
    const CATEGORIES: [&str; 5] = ["study", "household", "volunteer", "ethics", "review"];

    fn year() -> Year {
        Year::new(2025).unwrap()
    }

    fn member(raw: i64) -> Member {
        let id = MemberId::new(raw);
        Member {
            id,
            community_id: CommunityId::new(1),
            branch_id: BranchId::new(1 + raw % 3),
            branch: format!("第{}党支部", 1 + raw % 3),
            party_group_id: None,
            name: PersonName::parse(&format!("党员{id}")).unwrap(),
            phone: None,
            probationary: false,
            linking: LinkingDuty::Linked,
            joined_on: Some(date(2000, 1, 1)),
            left_on: None,
        }
    }

    fn scored(member: i64, category: &str, tenths: i64) -> Scored {
        let member_id = MemberId::new(member);
        Scored {
            member_id,
            category: category.into(),
            rule_key: format!("{category}.any"),
            points: Points::from_tenths(tenths),
        }
    }

    #[test]
    fn the_gap_is_to_the_next_line_or_past_the_last_five_star_place() {
        let rulebook = Rulebook::default_rulebook();
        // 30 members, 81.0 to 110.0 points in study; 6 five-star places (20% of 31).
        let mut members: Vec<Member> = (1..=30).map(member).collect();
        let mut entries: Vec<Scored> = (1..=30).map(|id| scored(id, "study", 800 + id * 10)).collect();
        // Member 31: 70 points, 20 of them volunteer (capped at 40).
        members.push(member(31));
        entries.push(scored(31, "study", 500));
        entries.push(scored(31, "volunteer", 200));
        let rating = rate(year(), &rulebook, &members, &entries);
        assert_eq!(rating.five_star_places, 6);

        let three = rating.gap(&rulebook, MemberId::new(31)).expect("a three-star member has a next level");
        assert_eq!((three.next, three.points, three.five_star_cut), (4, Points::whole(10), None));
        let room: BTreeMap<String, Option<Points>> = three.room.into_iter().collect();
        assert_eq!(room["volunteer"], Some(Points::whole(20)), "40 cap, 20 counted");
        assert_eq!(room["study"], None, "study has no yearly cap");

        // Member 24 (104.0) is seventh: the sixth place (member 25) holds 105.0.
        let four = rating.gap(&rulebook, MemberId::new(24)).expect("the first four-star member looks to five");
        assert_eq!(rating.member(MemberId::new(24)).unwrap().stars, 4);
        assert_eq!((four.next, four.five_star_cut), (5, Some(Points::whole(105))));
        assert_eq!(four.points, Points::from_tenths(11), "105.0 + 0.1 - 104.0");

        assert_eq!(rating.gap(&rulebook, MemberId::new(30)), None, "five stars: no next level");
        members[0].probationary = true;
        let rating = rate(year(), &rulebook, &members, &entries);
        assert_eq!(rating.gap(&rulebook, MemberId::new(1)), None, "a member who is not ranked has no gap to show");
    }

    #[test]
    fn top_places_are_five_star_and_thresholds_give_the_rest() {
        let rulebook = Rulebook::default_rulebook();
        let members: Vec<Member> = (1..=200).map(member).collect();
        let entries: Vec<Scored> = (1..=200).map(|id| scored(id, "study", id * 5)).collect();
        let rating = rate(year(), &rulebook, &members, &entries);
        assert_eq!(rating.five_star_places, 25);
        let five: Vec<MemberId> = rating.five_star().map(|m| m.member_id).collect();
        assert_eq!(five, (176..=200).rev().map(MemberId::new).collect::<Vec<_>>());
        // Member 170 has 85 points: four stars (threshold 80).
        assert_eq!(rating.member(MemberId::new(170)).unwrap().stars, 4);
        assert_eq!(rating.member(MemberId::new(20)).unwrap().stars, 0);
        assert_eq!(rating.member(MemberId::new(200)).unwrap().rank, Some(1));
    }

    #[test]
    fn no_rank_makes_a_member_five_star_below_the_four_star_line() {
        let rulebook = Rulebook::default_rulebook();
        let members: Vec<Member> = (1..=200).map(member).collect();
        // Early in a year: everyone has a few points.
        let entries: Vec<Scored> = (1..=200).map(|id| scored(id, "study", id)).collect();
        let rating = rate(year(), &rulebook, &members, &entries);
        assert_eq!(rating.five_star().count(), 0);
        assert_eq!(rating.member(MemberId::new(200)).unwrap().rank, Some(1));
    }

    #[test]
    fn a_small_community_does_not_star_most_members() {
        let rulebook = Rulebook::default_rulebook();
        let members: Vec<Member> = (1..=30).map(member).collect();
        let entries: Vec<Scored> = (1..=30).map(|id| scored(id, "study", 900 + id)).collect();
        let rating = rate(year(), &rulebook, &members, &entries);
        assert_eq!(rating.five_star().count(), 6, "20% of 30");
    }

    #[test]
    fn ties_at_the_boundary_are_broken_by_ethics_then_member_number() {
        let rulebook = Rulebook::default_rulebook();
        let members: Vec<Member> = (1..=200).map(member).collect();
        // 30 members share the top total; ethics points split some of them.
        let mut entries: Vec<Scored> =
            (1..=200).map(|id| scored(id, "study", if id <= 30 { 1000 } else { 100 })).collect();
        entries.push(scored(30, "ethics", 10));
        entries.push(scored(30, "study", -10));
        let rating = rate(year(), &rulebook, &members, &entries);
        let five: Vec<MemberId> = rating.five_star().map(|m| m.member_id).collect();
        assert_eq!(five[0], MemberId::new(30), "more ethics points wins the tie");
        assert_eq!(&five[1..], &(1..=24).map(MemberId::new).collect::<Vec<_>>()[..], "then the lower member number");
    }

    #[test]
    fn reasons_explain_ineligibility() {
        let rulebook = Rulebook::default_rulebook();
        let mut probationary = member(1);
        probationary.probationary = true;
        let mut newcomer = member(2);
        newcomer.joined_on = Some(date(2025, 10, 1));
        let vetoed = member(3);
        let entries = vec![
            scored(1, "study", 999),
            scored(2, "study", 999),
            Scored {
                member_id: MemberId::new(3),
                category: "review".into(),
                rule_key: "review.unqualified".into(),
                points: Points::whole(-10),
            },
            scored(3, "study", 2000),
        ];
        let rating = rate(year(), &rulebook, &[probationary, newcomer, vetoed], &entries);
        for id in 1..=3 {
            let m = rating.member(MemberId::new(id)).unwrap();
            assert!(!m.eligible && m.rank.is_none() && m.stars == 0, "{m:?}");
            assert_eq!(m.reasons.len(), 1, "{m:?}");
        }
        assert!(
            matches!(&rating.member(MemberId::new(3)).unwrap().reasons[0], Ineligible::Veto { rule, .. } if rule == "review.unqualified")
        );
        assert!(rating.member(MemberId::new(3)).unwrap().reasons[0].to_string().contains("否决"));
    }

    #[test]
    fn a_reversed_veto_no_longer_applies() {
        let rulebook = Rulebook::default_rulebook();
        let entries = vec![
            Scored {
                member_id: MemberId::new(3),
                category: "review".into(),
                rule_key: "review.unqualified".into(),
                points: Points::whole(-10),
            },
            Scored {
                member_id: MemberId::new(3),
                category: "review".into(),
                rule_key: "review.unqualified".into(),
                points: Points::whole(10),
            },
        ];
        let rating = rate(year(), &rulebook, &[member(3)], &entries);
        assert!(rating.member(MemberId::new(3)).unwrap().eligible);
    }

    #[test]
    fn exempt_members_are_credited_the_linked_median() {
        let rulebook = Rulebook::default_rulebook();
        let mut members: Vec<Member> = (1..=3).map(member).collect();
        let mut old = member(4);
        old.linking = LinkingDuty::Exempt("年老体弱".into());
        members.push(old);
        let entries = vec![
            scored(1, "household", 100),
            scored(2, "household", 200),
            scored(3, "household", 300),
            scored(4, "household", 50),
            scored(4, "study", 400),
        ];
        let rating = rate(year(), &rulebook, &members, &entries);
        let old = rating.member(MemberId::new(4)).unwrap();
        assert_eq!(old.credits.len(), 1);
        assert_eq!(old.credits[0].points, Points::from_tenths(150));
        assert_eq!(old.total, Points::from_tenths(600));
    }

    #[test]
    fn a_partial_year_is_scaled_to_a_full_one() {
        let rulebook = Rulebook::default_rulebook();
        let mut joiner = member(1);
        joiner.joined_on = Some(date(2025, 7, 1)); // 184 days
        let rating = rate(year(), &rulebook, &[joiner], &[scored(1, "study", 184)]);
        assert_eq!(rating.member(MemberId::new(1)).unwrap().total, Points::from_tenths(365));
    }

    fn entry(member_id: MemberId, category: &str, rule_key: &str, tenths: i64) -> Scored {
        Scored { member_id, category: category.into(), rule_key: rule_key.into(), points: Points::from_tenths(tenths) }
    }

    /// Issue 11, fix 1: two no-shows lower the volunteer category, 21
    /// clean-ups fill it to the cap, then the no-shows are reversed. The
    /// recording check let each entry in; the rating holds the cap.
    #[test]
    fn a_category_cap_holds_after_reversals() {
        let rulebook = Rulebook::default_rulebook();
        let mut entries = vec![entry(MemberId::new(11), "volunteer", "volunteer.no_show", -10); 2];
        entries.extend(vec![entry(MemberId::new(11), "volunteer", "volunteer.cleanup", 20); 21]);
        entries.extend(vec![entry(MemberId::new(11), "volunteer", "volunteer.no_show", 10); 2]);
        let rating = rate(year(), &rulebook, &[member(11)], &entries);
        let rated = rating.member(MemberId::new(11)).unwrap();
        assert_eq!(rated.categories["volunteer"], Points::whole(40));
        assert_eq!(rated.over_cap["volunteer"], Points::whole(2), "what was cut stays visible");
        assert_eq!(rated.total, Points::whole(40));
        // Control: at the cap exactly, nothing is cut.
        let at_cap = vec![entry(MemberId::new(11), "volunteer", "volunteer.cleanup", 20); 20];
        let rating = rate(year(), &rulebook, &[member(11)], &at_cap);
        assert!(rating.member(MemberId::new(11)).unwrap().over_cap.is_empty());
        assert_eq!(rating.member(MemberId::new(11)).unwrap().total, Points::whole(40));
    }

    /// Issue 11, fix 2: a veto that allows up to three stars never gives
    /// stars to a member who is not rated at all.
    #[test]
    fn members_who_are_not_rated_get_no_stars_veto_or_not() {
        let text = DEFAULT_RULEBOOK_FOR_TESTS.replace(
            "[[stars.veto]]                       # 一票否决\nrule = \"review.unqualified\"\nmax_stars = 0",
            "[[stars.veto]]\nrule = \"meeting.absent\"\nmax_stars = 3",
        );
        let rulebook = Rulebook::parse(&text).unwrap();
        assert_eq!(rulebook.stars.vetoes[0].max_stars, 3, "the test's rulebook has the 3-star veto");
        let mut probationary = member(1);
        probationary.probationary = true;
        let absent = entry(MemberId::new(1), "study", "meeting.absent", -20);
        let entries = vec![scored(1, "study", 720), absent.clone()];
        let rating = rate(year(), &rulebook, &[probationary.clone()], &entries);
        assert_eq!(rating.member(MemberId::new(1)).unwrap().stars, 0, "not rated, vetoed");
        let rating = rate(year(), &rulebook, &[probationary], &entries[..1]);
        assert_eq!(rating.member(MemberId::new(1)).unwrap().stars, 0, "not rated, no veto");
        // Control: a rated member with the same veto leaves the ranking but
        // keeps the stars of their total, at most three.
        let rating = rate(year(), &rulebook, &[member(1)], &entries);
        let rated = rating.member(MemberId::new(1)).unwrap();
        assert_eq!((rated.rank, rated.stars, rated.total), (None, 3, Points::whole(70)));
    }

    // ---- the worked examples of docs/rating.md, one test each -------------

    /// docs/rating.md, "Who is rated": days on the roll, the 180-day line,
    /// probationary members.
    #[test]
    fn doc_who_is_rated() {
        let rulebook = Rulebook::default_rulebook();
        let joined = |id: i64, on: jiff::civil::Date| Member { joined_on: Some(on), ..member(id) };
        let a = joined(1, date(2025, 7, 5));
        let b = joined(2, date(2025, 7, 6));
        let mut c = member(3);
        c.probationary = true;
        let d = Member { left_on: Some(date(2024, 12, 31)), ..member(4) };
        assert_eq!((a.days_on_roll(year()), b.days_on_roll(year())), (180, 179));
        let rating = rate(year(), &rulebook, &[a, b, c, d], &[]);
        assert!(rating.member(MemberId::new(1)).unwrap().rated);
        assert!(!rating.member(MemberId::new(2)).unwrap().rated);
        assert!(!rating.member(MemberId::new(3)).unwrap().rated);
        assert!(rating.member(MemberId::new(4)).is_none(), "no day on the roll in 2025: not in the rating at all");
    }

    /// docs/rating.md, "Part-year scaling".
    #[test]
    fn doc_part_year_scaling() {
        let rulebook = Rulebook::default_rulebook();
        let joiner = Member { joined_on: Some(date(2025, 7, 1)), ..member(1) };
        assert_eq!(joiner.days_on_roll(year()), 184);
        let rating = rate(year(), &rulebook, std::slice::from_ref(&joiner), &[scored(1, "study", 184)]);
        let rated = rating.member(MemberId::new(1)).unwrap();
        assert_eq!(rated.total, Points::from_tenths(365));
        assert_eq!(rated.credits[0].kind, CreditKind::PartialYear);
        assert_eq!(rated.credits[0].points, Points::from_tenths(181));
        // 10.0 x 365 / 184 = 19.836..., rounded to 19.8.
        let rating = rate(year(), &rulebook, &[joiner], &[scored(1, "study", 100)]);
        assert_eq!(rating.member(MemberId::new(1)).unwrap().total, Points::from_tenths(198));
    }

    /// docs/rating.md, "Exemption credit": an even count's median rounds
    /// half away from zero; ranked linked members only enter it.
    #[test]
    fn doc_exemption_credit() {
        let rulebook = Rulebook::default_rulebook();
        let exempt = Member { linking: LinkingDuty::Exempt("年老体弱".into()), ..member(3) };
        let post = Member { linking: LinkingDuty::HoldsPost("支部委员".into()), ..member(4) };
        let probationary = Member { probationary: true, ..member(5) };
        let members = vec![member(1), member(2), exempt, post, probationary];
        let entries = vec![
            scored(1, "household", 15),
            scored(2, "household", 20),
            scored(3, "household", 5),
            scored(4, "household", 30),
            scored(5, "household", 90), // not ranked: does not enter the median
        ];
        let rating = rate(year(), &rulebook, &members, &entries);
        let credit =
            |id| rating.member(id).unwrap().credits.iter().find(|c| c.kind == CreditKind::ExemptLinking).cloned();
        // Median of 1.5 and 2.0 is 1.75, rounded to 1.8.
        let exempt = credit(MemberId::new(3)).unwrap();
        assert_eq!((exempt.points, exempt.category.as_deref()), (Points::from_tenths(13), Some("household")));
        assert_eq!(rating.member(MemberId::new(3)).unwrap().category_points("household"), Points::from_tenths(18));
        assert!(credit(MemberId::new(4)).is_none(), "3.0 of his own is above the median: no credit");
        assert!(
            credit(MemberId::new(1)).is_none() && credit(MemberId::new(2)).is_none(),
            "linked members are never credited"
        );
    }

    /// docs/rating.md, "Caps".
    #[test]
    fn doc_caps() {
        a_category_cap_holds_after_reversals();
    }

    /// docs/rating.md, "Vetoes".
    #[test]
    fn doc_vetoes() {
        let rulebook = Rulebook::default_rulebook();
        let entries = vec![
            scored(1, "study", 900),
            entry(MemberId::new(1), "review", "review.unqualified", -100),
            scored(2, "study", 900),
        ];
        let rating = rate(year(), &rulebook, &[member(1), member(2)], &entries);
        let vetoed = rating.member(MemberId::new(1)).unwrap();
        assert_eq!((vetoed.rated, vetoed.eligible, vetoed.rank, vetoed.stars), (true, false, None, 0));
        assert_eq!(vetoed.total, Points::whole(80), "the deduction counts; the veto removes rank and stars");
        assert_eq!(rating.eligible_count, 1);
        members_who_are_not_rated_get_no_stars_veto_or_not();
    }

    /// docs/rating.md, "Five-star places and the four-star line".
    #[test]
    fn doc_five_star_places() {
        let stars = &Rulebook::default_rulebook().stars;
        assert_eq!(stars.five_star_places(30), 6);
        assert_eq!(stars.five_star_places(124), 24, "24.8 rounds down");
        assert_eq!(stars.five_star_places(200), 25);
        assert_eq!(stars.five_star_places(4), 0);
        // Ten ranked members: two places; the second is below 80, so one.
        let rulebook = Rulebook::default_rulebook();
        let members: Vec<Member> = (1..=10).map(member).collect();
        let mut entries: Vec<Scored> = (3..=10).map(|id| scored(id, "study", 100)).collect();
        entries.push(scored(1, "study", 850));
        entries.push(scored(2, "study", 790));
        let rating = rate(year(), &rulebook, &members, &entries);
        assert_eq!(rating.five_star_places, 2);
        assert_eq!(
            (rating.member(MemberId::new(1)).unwrap().stars, rating.member(MemberId::new(2)).unwrap().stars),
            (5, 3)
        );
    }

    /// docs/rating.md, "Thresholds".
    #[test]
    fn doc_thresholds() {
        let stars = &Rulebook::default_rulebook().stars;
        let of = |tenths| stars.stars_for(Points::from_tenths(tenths));
        assert_eq!([of(800), of(799), of(650), of(500), of(300), of(299), of(-50)], [4, 3, 3, 2, 1, 0, 0]);
    }

    /// docs/rating.md, "Ranking and ties": the exemption credit counts in
    /// the household category's tie-break, as the rulebook says.
    #[test]
    fn doc_ties_count_the_exemption_credit_in_household() {
        let rulebook = Rulebook::default_rulebook();
        let b = Member { linking: LinkingDuty::Exempt("年老体弱".into()), ..member(2) };
        let members = vec![member(1), b, member(3), member(4)];
        let entries = vec![
            scored(1, "household", 20),
            scored(1, "study", 80),
            scored(2, "study", 70),
            scored(3, "household", 30),
            scored(4, "household", 40),
        ];
        let rating = rate(year(), &rulebook, &members, &entries);
        let (a, b) = (rating.member(MemberId::new(1)).unwrap(), rating.member(MemberId::new(2)).unwrap());
        assert_eq!((a.total, b.total), (Points::whole(10), Points::whole(10)));
        assert_eq!(b.category_points("household"), Points::whole(3), "0 of his own and the median 3.0");
        assert!(b.rank < a.rank, "household 3.0 (with the credit) beats 2.0: {:?} {:?}", b.rank, a.rank);
        // Equal in every category, the earlier joining date, then the number.
        let late = Member { joined_on: Some(date(2010, 1, 1)), ..member(5) };
        let rating = rate(year(), &rulebook, &[late, member(6), member(7)], &[]);
        let order: Vec<MemberId> = rating.members.iter().map(|m| m.member_id).collect();
        assert_eq!(order, [6, 7, 5].map(MemberId::new));
    }

    #[test]
    fn streaks_count_consecutive_five_star_years_up_to_the_latest() {
        let y = |n: i64| Year::new(n).unwrap();
        let nine: Vec<(Year, u8)> = (2017..=2025).map(|n| (y(n), 5)).collect();
        assert_eq!(five_star_streak(&nine), 9);
        assert_eq!(five_star_streak(&[(y(2024), 3), (y(2025), 5)]), 1);
        assert_eq!(five_star_streak(&[(y(2023), 5), (y(2025), 5)]), 1, "a missing year breaks it");
        assert_eq!(five_star_streak(&[(y(2024), 5), (y(2025), 4)]), 0);
        assert_eq!(five_star_streak(&[]), 0);
    }

    /// Up to 300 members (so that the 25 five-star places can bind), some
    /// joining during the year on any day (so that part-year scaling applies
    /// to members who are rated, from 180 days on, and not to the others).
    fn arbitrary_members() -> impl Strategy<Value = Vec<Member>> {
        proptest::collection::vec((any::<bool>(), 0u8..10, 0u8..30, 1u8..=28), 1..300).prop_map(|flags| {
            flags
                .into_iter()
                .enumerate()
                .map(|(i, (probationary, duty, joined_month, joined_day))| {
                    let mut m = member(i as i64 + 1);
                    m.probationary = probationary && duty == 0;
                    m.linking = match duty {
                        1 => LinkingDuty::Exempt("年老体弱".into()),
                        2 => LinkingDuty::HoldsPost("支部委员".into()),
                        _ => LinkingDuty::Linked,
                    };
                    if (1..=12).contains(&joined_month) {
                        m.joined_on = Some(date(2025, joined_month as i8, joined_day as i8));
                    }
                    m
                })
                .collect()
        })
    }

    /// Rule keys as the rulebook names them, vetoed ones included, so that
    /// a veto can fire (not only `{category}.any`).
    const RULES: [(&str, &str); 8] = [
        ("study", "meeting.branch_general"),
        ("study", "meeting.absent"),
        ("household", "household.visit"),
        ("volunteer", "volunteer.cleanup"),
        ("ethics", "integrity.commendation"),
        ("review", "review.excellent"),
        ("review", "review.unqualified"),
        ("study", "study.app_week"),
    ];

    /// Entries over every category with real rule keys; sometimes many per
    /// member, so that totals pass the four-star line and the caps bind.
    fn arbitrary_entries(members: usize) -> impl Strategy<Value = Vec<Scored>> {
        proptest::collection::vec((1..=members as i64, 0usize..RULES.len(), -20i64..120), 0..1500).prop_map(|raw| {
            raw.into_iter()
                .map(|(m, r, p)| {
                    let (category, rule) = RULES[r];
                    // A veto's entry is a deduction, as the rulebook has it.
                    let p = if matches!(rule, "meeting.absent" | "review.unqualified") { -p.abs().max(1) } else { p };
                    entry(MemberId::new(m), category, rule, p)
                })
                .collect()
        })
    }

    /// A community of 150 to 300 members, each with 0 to 40 points in every
    /// category (about 100 in all), so that far more than 25 pass the
    /// four-star line of 80.
    fn large_community() -> impl Strategy<Value = (Vec<Member>, Vec<Scored>)> {
        (150usize..300).prop_flat_map(|count| {
            let members: Vec<Member> = (1..=count as i64).map(member).collect();
            let entries = proptest::collection::vec(proptest::collection::vec(0i64..400, CATEGORIES.len()), count)
                .prop_map(|per_member| {
                    per_member
                        .into_iter()
                        .enumerate()
                        .flat_map(|(i, points)| {
                            points.into_iter().zip(CATEGORIES).map(move |(p, c)| scored(i as i64 + 1, c, p))
                        })
                        .collect::<Vec<_>>()
                });
            (Just(members), entries)
        })
    }

    /// The five-star set: the configured places, within the share of those
    /// ranked, among those on the four-star line.
    fn check_five_star_set(rulebook: &Rulebook, rating: &Rating) -> Result<(), TestCaseError> {
        let line = rulebook.stars.thresholds[0].min_points;
        let above_line = rating.members.iter().filter(|m| m.eligible && m.total >= line).count();
        let share = rulebook.stars.five_star_max_share_percent as usize;
        let expected =
            (rulebook.stars.five_star_count as usize).min(rating.eligible_count * share / 100).min(above_line);
        prop_assert_eq!(rating.five_star().count(), expected);
        prop_assert!(rating.five_star().all(|m| m.total >= line));
        prop_assert!(rating.five_star().all(|m| m.eligible));
        Ok(())
    }

    fn members_and_entries() -> impl Strategy<Value = (Vec<Member>, Vec<Scored>)> {
        arbitrary_members().prop_flat_map(|members| {
            let count = members.len();
            (Just(members), arbitrary_entries(count))
        })
    }

    proptest! {
        #[test]
        fn the_rating_does_not_depend_on_insertion_order(
            (members, entries) in members_and_entries(),
            seed in any::<u64>(),
        ) {
            let rulebook = Rulebook::default_rulebook();
            let rating = rate(year(), &rulebook, &members, &entries);
            let mut shuffled = entries.clone();
            let mut reversed_members = members.clone();
            reversed_members.reverse();
            // A cheap deterministic shuffle driven by the seed.
            let mut state = seed | 1;
            for i in (1..shuffled.len()).rev() {
                state ^= state << 13; state ^= state >> 7; state ^= state << 17;
                shuffled.swap(i, (state % (i as u64 + 1)) as usize);
            }
            prop_assert_eq!(rate(year(), &rulebook, &reversed_members, &shuffled), rating);
        }

        #[test]
        fn the_five_star_set_has_exactly_the_configured_size((members, entries) in members_and_entries()) {
            let rulebook = Rulebook::default_rulebook();
            check_five_star_set(&rulebook, &rate(year(), &rulebook, &members, &entries))?;
        }

        /// In a large community the 25 places bind: exactly 25 are five-star.
        #[test]
        fn the_twenty_five_places_bind_in_a_large_community((members, entries) in large_community()) {
            let rulebook = Rulebook::default_rulebook();
            let rating = rate(year(), &rulebook, &members, &entries);
            check_five_star_set(&rulebook, &rating)?;
            let line = rulebook.stars.thresholds[0].min_points;
            prop_assert!(rating.members.iter().filter(|m| m.eligible && m.total >= line).count() > 25);
            prop_assert_eq!(rating.five_star().count(), 25);
        }

        /// The published digest changes exactly when a member's rank,
        /// total or stars change: splitting an entry in two or reordering
        /// changes nothing; one more entry changes it if and only if it
        /// changes someone's result.
        #[test]
        fn the_digest_follows_each_member_s_result_and_nothing_else(
            (members, entries) in members_and_entries(),
            pick in any::<proptest::sample::Index>(),
            extra in (0usize..RULES.len(), 1i64..60),
        ) {
            let rulebook = Rulebook::default_rulebook();
            let rating = rate(year(), &rulebook, &members, &entries);
            let result = |r: &Rating| -> Vec<(MemberId, Option<u32>, Points, u8)> {
                r.members.iter().map(|m| (m.member_id, m.rank, m.total, m.stars)).collect()
            };
            if !entries.is_empty() {
                let i = pick.index(entries.len());
                let mut split = entries.clone();
                let whole = split.remove(i);
                let half = Points::from_tenths(whole.points.tenths() / 2);
                split.push(Scored { points: half, ..whole.clone() });
                split.push(Scored { points: whole.points - half, ..whole });
                split.reverse();
                let again = rate(year(), &rulebook, &members, &split);
                prop_assert_eq!(result(&again), result(&rating));
                prop_assert_eq!(again.digest(), rating.digest());
            }
            let (rule, points) = extra;
            let (category, key) = RULES[rule];
            let mut more = entries.clone();
            more.push(entry(members[pick.index(members.len())].id, category, key, points));
            let changed = rate(year(), &rulebook, &members, &more);
            prop_assert_eq!(result(&changed) != result(&rating), changed.digest() != rating.digest());
        }

        #[test]
        fn totals_are_the_sum_of_entries_plus_visible_credits((members, entries) in members_and_entries()) {
            let rulebook = Rulebook::default_rulebook();
            let rating = rate(year(), &rulebook, &members, &entries);
            for rated in &rating.members {
                let ledger: Points = entries.iter().filter(|e| e.member_id == rated.member_id).map(|e| e.points).sum();
                let credits: Points = rated.credits.iter().map(|c| c.points).sum();
                let cut: Points = rated.over_cap.values().copied().sum();
                prop_assert_eq!(rated.categories.values().copied().sum::<Points>() + cut, ledger);
                prop_assert_eq!(rated.total, ledger - cut + credits);
                let terms = rated.terms();
                prop_assert_eq!(terms.iter().map(|t| t.points).sum::<Points>(), rated.total);
                let ledger_terms: Points = terms.iter().filter(|t| t.kind == TermKind::Ledger).map(|t| t.points).sum();
                prop_assert_eq!(ledger_terms, ledger, "the ledger terms are the entries' sum");
            }
        }

        /// Stated apart from how the total is computed: one more study entry
        /// of p tenths for a member on the roll all year adds exactly p to
        /// that member's total (study has no cap and feeds no credit) and
        /// changes no one else's.
        #[test]
        fn an_entry_adds_its_points_to_its_member_and_to_no_one_else(
            (members, entries) in members_and_entries(),
            pick in any::<proptest::sample::Index>(),
            tenths in 1i64..200,
        ) {
            let rulebook = Rulebook::default_rulebook();
            let chosen = &members[pick.index(members.len())];
            prop_assume!(chosen.joined_on.is_some_and(|d| d.year() < 2025));
            let before = rate(year(), &rulebook, &members, &entries);
            let mut more = entries.clone();
            more.push(entry(chosen.id, "study", "study.app_week", tenths));
            let after = rate(year(), &rulebook, &members, &more);
            let total = |r: &Rating, id: MemberId| r.member(id).map(|m| m.total);
            for member in &members {
                let expected = total(&before, member.id).map(|t| {
                    if member.id == chosen.id { t + Points::from_tenths(tenths) } else { t }
                });
                prop_assert_eq!(total(&after, member.id), expected, "member {}", member.id);
            }
        }

        /// Issue 11's property: for random ledgers (with vetoed entries and
        /// reversals) and rulebooks within the rulebook's limits, the rating
        /// does not depend on entry order, no counted category passes its
        /// cap, members who are not rated have no stars, and explain's terms
        /// add up to the total.
        #[test]
        fn random_rulebooks_keep_the_rating_s_promises(
            (members, mut entries) in members_and_entries(),
            caps in proptest::collection::vec(proptest::option::of(0i64..400), 5),
            veto_max_stars in 0u8..5,
            vetoed in proptest::collection::vec((1i64..120, any::<bool>()), 0..20),
            probationary_eligible in any::<bool>(),
            prorate in any::<bool>(),
            median in any::<bool>(),
            seed in any::<u64>(),
        ) {
            let mut rulebook = Rulebook::default_rulebook();
            for (category, cap) in rulebook.categories.iter_mut().zip(&caps) {
                category.cap_per_year = cap.map(Points::from_tenths);
            }
            rulebook.stars.vetoes = vec![crate::rulebook::Veto { rule: "meeting.absent".into(), max_stars: veto_max_stars }];
            rulebook.stars.probationary_eligible = probationary_eligible;
            rulebook.stars.prorate_partial_year = prorate;
            rulebook.linking.exempt_credit = if median { ExemptCredit::Median } else { ExemptCredit::None };
            let count = members.len() as i64;
            for (member, reversed) in vetoed {
                let member = 1 + member % count;
                entries.push(entry(MemberId::new(member), "study", "meeting.absent", -20));
                if reversed {
                    entries.push(entry(MemberId::new(member), "study", "meeting.absent", 20));
                }
            }
            let rating = rate(year(), &rulebook, &members, &entries);

            let mut shuffled = entries.clone();
            let mut state = seed | 1;
            for i in (1..shuffled.len()).rev() {
                state ^= state << 13; state ^= state >> 7; state ^= state << 17;
                shuffled.swap(i, (state % (i as u64 + 1)) as usize);
            }
            prop_assert_eq!(&rate(year(), &rulebook, &members, &shuffled), &rating);

            for rated in &rating.members {
                for category in &rulebook.categories {
                    if let Some(cap) = category.cap_per_year {
                        prop_assert!(rated.categories[&category.key] <= cap, "{} over its cap: {:?}", category.key, rated);
                    }
                }
                if !rated.rated {
                    prop_assert_eq!(rated.stars, 0, "not rated, yet stars: {:?}", rated);
                    prop_assert!(rated.rank.is_none());
                }
                if rated.rank.is_none() {
                    prop_assert!(rated.stars <= veto_max_stars.min(4), "{:?}", rated);
                }
                let ledger: Points = entries.iter().filter(|e| e.member_id == rated.member_id).map(|e| e.points).sum();
                let terms = rated.terms();
                prop_assert_eq!(terms.iter().map(|t| t.points).sum::<Points>(), rated.total);
                let ledger_terms: Points = terms.iter().filter(|t| t.kind == TermKind::Ledger).map(|t| t.points).sum();
                prop_assert_eq!(ledger_terms, ledger);
            }
        }

        #[test]
        fn ranks_follow_totals(( members, entries) in members_and_entries()) {
            let rulebook = Rulebook::default_rulebook();
            let rating = rate(year(), &rulebook, &members, &entries);
            let ranked: Vec<&MemberRating> = rating.members.iter().filter(|m| m.rank.is_some()).collect();
            for (i, pair) in ranked.windows(2).enumerate() {
                prop_assert_eq!(pair[0].rank, Some(i as u32 + 1));
                prop_assert!(pair[0].total >= pair[1].total);
                prop_assert!(pair[0].stars >= pair[1].stars);
            }
        }
    }
}

/// Below this many ratings, a household-rating window that is still running
/// is withheld from every total a member can see: with one or two ratings,
/// its points alone would tell what each household said.
pub const MIN_RATINGS_SHOWN: i64 = 3;

/// The year's points as a member may see them while `window` (the running
/// household-rating window's entries per member, category and rule, with
/// their net count of ratings) is open: a member's window with fewer than
/// [`MIN_RATINGS_SHOWN`] ratings is taken out. Once the window closes, or
/// reaches three, its points count as they are (the caller passes nothing).
pub fn withhold_thin_window(scored: &[Scored], window: &[(Scored, i64)]) -> Vec<Scored> {
    let mut counts: std::collections::HashMap<MemberId, i64> = std::collections::HashMap::new();
    for (entry, count) in window {
        *counts.entry(entry.member_id).or_default() += count;
    }
    let mut out: Vec<Scored> = scored.to_vec();
    for (entry, _) in window {
        if counts.get(&entry.member_id).copied().unwrap_or(0) >= MIN_RATINGS_SHOWN {
            continue;
        }
        if let Some(row) = out
            .iter_mut()
            .find(|s| s.member_id == entry.member_id && s.category == entry.category && s.rule_key == entry.rule_key)
        {
            row.points = row.points - entry.points;
        }
    }
    out
}

#[cfg(test)]
mod withholding {
    use super::*;

    fn s(member: MemberId, rule: &str, tenths: i64) -> Scored {
        Scored {
            member_id: member,
            category: "linking".into(),
            rule_key: rule.into(),
            points: Points::from_tenths(tenths),
        }
    }

    #[test]
    fn a_thin_running_window_is_withheld_and_a_full_one_is_not() {
        let year = [s(MemberId::new(1), "sat", 15), s(MemberId::new(1), "not", -5), s(MemberId::new(2), "sat", 15)];
        // Member 1: one "not satisfied" rating in the running window (and
        // three satisfied from earlier windows); member 2: three this window.
        let window = [(s(MemberId::new(1), "not", -5), 1), (s(MemberId::new(2), "sat", 15), 3)];
        let seen = withhold_thin_window(&year, &window);
        assert_eq!(seen[1].points, Points::ZERO, "member 1's single rating is withheld");
        assert_eq!(seen[0].points, Points::from_tenths(15), "earlier windows count");
        assert_eq!(seen[2].points, Points::from_tenths(15), "three ratings count");
    }
}
