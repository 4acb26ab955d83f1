//! The figures the charts draw (issue 13): a member's points by category and
//! by month against their branch's median; branches compared; the year's
//! taking part by month; household satisfaction per rating window. Plain
//! structs: a page draws its chart and the table beside it from the same
//! one, so the two cannot disagree.
//!
//! What they are computed from: the year's rating as [`RatingCache`] keeps
//! it, the rating projection (`member_rule_totals`, through `rule_counts`),
//! and three grouped queries of one community's year (`FigureQueries`).
//! They are kept under the community's revision as the rating is, so a page
//! opened again while nothing changed costs one lookup.
//!
//! Privacy: a median or share over fewer than [`MIN_GROUP`] people is
//! withheld, as is a window with fewer than three ratings; what a member's
//! page reads leaves out the running window's household ratings (their
//! months are counted once the window closes), as the standings do.

use crate::AppResult;
use crate::clock::today;
use crate::standings::{Audience, RatingCache, YearRating};
use jiff::civil::Date;
use starledger_domain::linking::RatingWindow;
use starledger_domain::org::{BranchId, CommunityId, MemberId, Role, Year};
use starledger_domain::oversight::{MIN_GROUP, summarize};
use starledger_domain::points::Points;
use starledger_domain::rating::median;
use starledger_domain::rulebook::RuleSource;
use starledger_store::{FigureQueries, LeaveOut, LedgerQueries, NoticeQueries, OrgQueries, RegionQueries};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// Who reads the community's figures page: the committee, and the auditor
/// who checks it. A member reads their own chart on their record.
pub const READERS: [Role; 2] = [Role::Committee, Role::Auditor];

/// One branch's figures for the year.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BranchFigures {
    pub branch_id: BranchId,
    pub name: String,
    /// Members on the roll at any day of the year.
    pub members: u32,
    /// The mean total of the branch's members (none below [`MIN_GROUP`]).
    pub points_per_member: Option<Points>,
    /// Members with a meeting attended, in per mille of members.
    pub meetings_per_mille: Option<u32>,
    /// Members in volunteer service, in per mille of members.
    pub service_per_mille: Option<u32>,
    /// Satisfied and basically satisfied, in per mille of the ratings.
    pub satisfaction_per_mille: Option<u32>,
    pub ratings: u32,
    /// Five-star members, in per mille of those ranked.
    pub five_star_per_mille: Option<u32>,
}

/// How many took part in one month.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MonthFigures {
    pub month: u8,
    pub attending: u32,
    pub serving: u32,
}

/// The households' ratings of one window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WindowFigures {
    pub starts_on: Date,
    pub ends_on: Date,
    pub ratings: u32,
    /// None below three ratings: the window is withheld.
    pub satisfaction_per_mille: Option<u32>,
}

/// A community's year in figures, as the audience may see it.
#[derive(Debug)]
pub struct YearFigures {
    pub year: Year,
    /// The months shown: January to the current month while the year runs.
    pub months: Vec<u8>,
    /// Each member's points per month (as many as `months`).
    member_months: HashMap<MemberId, Vec<Points>>,
    /// Each member's branch.
    branch_of: HashMap<MemberId, BranchId>,
    /// Each branch's members (built once, so a member's chart reads their
    /// branch, not the whole community).
    members_of: HashMap<BranchId, Vec<MemberId>>,
    /// The committee's view only (empty for members).
    pub branches: Vec<BranchFigures>,
    pub taking_part: Vec<MonthFigures>,
    /// Members on the roll this year, to read `taking_part` against.
    pub members: u32,
    pub windows: Vec<WindowFigures>,
}

/// A figure of the member's set beside their branch's median.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Compared {
    /// A category's name, or a month's number.
    pub label: String,
    pub mine: Points,
    pub median: Option<Points>,
}

/// A member's chart: by category and by month, against the branch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberFigures {
    pub categories: Vec<Compared>,
    pub months: Vec<Compared>,
}

/// A median over at least [`MIN_GROUP`] values.
fn group_median(values: Vec<Points>) -> Option<Points> {
    (values.len() >= MIN_GROUP as usize).then(|| median(values)).flatten()
}

fn per_mille(part: u32, whole: u32) -> Option<u32> {
    (whole >= MIN_GROUP).then(|| part * 1000 / whole)
}

impl YearFigures {
    /// The member's points by category and by month, with their branch's
    /// median of each (the branch's members on the year's rating).
    pub fn member(&self, rating: &YearRating, member: MemberId) -> Option<MemberFigures> {
        let branch = *self.branch_of.get(&member)?;
        let rated = rating.member(member)?;
        let peers = self.members_of.get(&branch).map_or(&[][..], Vec::as_slice);
        let categories = rating
            .period
            .rulebook
            .categories
            .iter()
            .map(|c| Compared {
                label: c.name.clone(),
                mine: rated.category_points(&c.key),
                median: group_median(
                    peers.iter().filter_map(|p| rating.member(*p)).map(|m| m.category_points(&c.key)).collect(),
                ),
            })
            .collect();
        let none = vec![Points::ZERO; self.months.len()];
        let mine = self.member_months.get(&member).unwrap_or(&none);
        let months = self
            .months
            .iter()
            .enumerate()
            .map(|(i, month)| Compared {
                label: month.to_string(),
                mine: mine[i],
                median: group_median(
                    peers.iter().map(|p| self.member_months.get(p).map_or(Points::ZERO, |m| m[i])).collect(),
                ),
            })
            .collect();
        Some(MemberFigures { categories, months })
    }
}

/// Computes a year's figures for an audience from its rating.
pub async fn compute<Q>(q: &mut Q, rating: &YearRating, audience: Audience, today: Date) -> AppResult<YearFigures>
where
    Q: LedgerQueries + OrgQueries + FigureQueries + RegionQueries + Sized,
{
    let period = &rating.period;
    let (community, year) = (period.community_id, period.year);
    let rulebook = &period.rulebook;
    let running = Year::of(today) == year;
    let last_month = if running { today.month() as u8 } else { 12 };
    let months: Vec<u8> = (1..=last_month).collect();
    let on_roll: Vec<_> = rating.roll.iter().filter(|m| m.days_on_roll(year) > 0).collect();
    let branch_of: HashMap<MemberId, BranchId> = on_roll.iter().map(|m| (m.id, m.branch_id)).collect();
    let mut members_of: HashMap<BranchId, Vec<MemberId>> = HashMap::new();
    for (member, branch) in &branch_of {
        members_of.entry(*branch).or_default().push(*member);
    }

    let household_rules: Vec<String> =
        rulebook.rules.values().filter(|r| r.source == RuleSource::Household).map(|r| r.key.clone()).collect();
    // Members see the running window's ratings on their months once it closes.
    let leave_out = (running && audience == Audience::Members).then(|| {
        let window = RatingWindow::containing(today, &rulebook.linking);
        LeaveOut { rules: &household_rules, from: window.starts_on.to_string(), until: window.ends_on.to_string() }
    });
    let mut member_months: HashMap<MemberId, Vec<Points>> = HashMap::new();
    for (member, month, points) in q.member_months(community, year, leave_out).await? {
        if !(1..=last_month).contains(&month) {
            continue;
        }
        member_months.entry(member).or_insert_with(|| vec![Points::ZERO; months.len()])[usize::from(month) - 1] +=
            points;
    }

    let mut figures = YearFigures {
        year,
        months,
        member_months,
        branch_of,
        members_of,
        branches: Vec::new(),
        taking_part: Vec::new(),
        members: on_roll.len() as u32,
        windows: Vec::new(),
    };
    if audience == Audience::Members {
        return Ok(figures);
    }

    // Branches compared: the region's summary of the year, over the projection.
    let counts = q.rule_counts(community, year).await?;
    let finals: Option<HashMap<MemberId, u8>> =
        rating.finalized.as_ref().map(|f| f.members.iter().map(|m| (m.member_id, m.stars)).collect());
    let summary = summarize(&rating.rating, rulebook, &rating.roll, &counts, finals.as_ref());
    let attendance_rules: HashSet<&str> = rulebook
        .rules
        .values()
        .filter(|r| r.source == RuleSource::Attendance && r.points.is_positive())
        .map(|r| r.key.as_str())
        .collect();
    let attending: HashSet<MemberId> = counts
        .iter()
        .filter(|c| c.count > 0 && attendance_rules.contains(c.rule_key.as_str()))
        .map(|c| c.member_id)
        .collect();
    let names: BTreeMap<BranchId, String> = q.branches(community).await?.into_iter().collect();
    let standing = rating.standing();
    for (branch_id, s) in &summary.branches {
        let members: Vec<MemberId> = on_roll.iter().filter(|m| m.branch_id == *branch_id).map(|m| m.id).collect();
        let totals: Vec<Points> = members.iter().filter_map(|m| standing.member(*m)).map(|m| m.total).collect();
        let count = members.len() as u32;
        figures.branches.push(BranchFigures {
            branch_id: *branch_id,
            name: names.get(branch_id).cloned().unwrap_or_default(),
            members: s.members,
            points_per_member: (totals.len() >= MIN_GROUP as usize)
                .then(|| totals.iter().copied().sum::<Points>().scale(1, totals.len() as i64)),
            meetings_per_mille: per_mille(members.iter().filter(|m| attending.contains(m)).count() as u32, count),
            service_per_mille: s.participation_per_mille(),
            satisfaction_per_mille: s.satisfaction_per_mille(),
            ratings: s.ratings(),
            five_star_per_mille: s.five_star_per_mille(),
        });
    }

    figures.taking_part = q
        .taking_part(community, year)
        .await?
        .into_iter()
        .filter(|m| (1..=last_month).contains(&m.month))
        .map(|m| MonthFigures { month: m.month, attending: m.attending, serving: m.serving })
        .collect();
    // Every month shown has a row, a quiet one with zeros.
    for month in &figures.months {
        if !figures.taking_part.iter().any(|m| m.month == *month) {
            figures.taking_part.push(MonthFigures { month: *month, attending: 0, serving: 0 });
        }
    }
    figures.taking_part.sort_by_key(|m| m.month);

    let linking = &rulebook.linking;
    let levels =
        [linking.satisfied_rule.clone(), linking.basically_satisfied_rule.clone(), linking.not_satisfied_rule.clone()];
    // Every window begun by today, a quiet one too.
    let mut windows: BTreeMap<u32, (RatingWindow, [i64; 3])> = BTreeMap::new();
    let mut day = year.first_day();
    while day <= today && Year::of(day) == year {
        let window = RatingWindow::containing(day, linking);
        windows.insert(window.index, (window, [0; 3]));
        day = window.ends_on.tomorrow().unwrap_or(window.ends_on);
        if day == window.ends_on {
            break;
        }
    }
    for (day, rule, count) in q.ratings_by_day(community, year, &levels).await? {
        let Ok(day) = day.parse::<Date>() else { continue };
        let Some(level) = levels.iter().position(|l| *l == rule) else { continue };
        let window = RatingWindow::containing(day, linking);
        if let Some(entry) = windows.get_mut(&window.index) {
            entry.1[level] += count;
        }
    }
    figures.windows = windows
        .into_values()
        .map(|(window, levels)| {
            let ratings = levels.iter().sum::<i64>().max(0) as u32;
            let content = (levels[0] + levels[1]).max(0) as u32;
            WindowFigures {
                starts_on: window.starts_on,
                ends_on: window.ends_on,
                ratings,
                satisfaction_per_mille: (i64::from(ratings) >= starledger_domain::rating::MIN_RATINGS_SHOWN)
                    .then(|| content * 1000 / ratings),
            }
        })
        .collect();
    Ok(figures)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Key {
    community: CommunityId,
    year: Year,
    audience: Audience,
    day: Option<Date>,
}

/// Figures with the revision they were computed at.
type Kept = (i64, Arc<YearFigures>);

/// Figures kept per community, year and audience under the revision they
/// were computed at, as [`RatingCache`] keeps ratings. One per server.
#[derive(Clone, Default)]
pub struct FiguresCache {
    kept: Arc<Mutex<HashMap<Key, Kept>>>,
}

/// More keys than this and the cache starts over.
const MAX_KEYS: usize = 4096;

impl FiguresCache {
    /// The year's rating and figures for `audience`, the figures computed
    /// only if anything changed since they were kept.
    pub async fn get<Q>(
        &self,
        q: &mut Q,
        ratings: &RatingCache,
        community: CommunityId,
        year: Year,
        audience: Audience,
    ) -> AppResult<Option<(Arc<YearRating>, Arc<YearFigures>)>>
    where
        Q: LedgerQueries + OrgQueries + NoticeQueries + FigureQueries + RegionQueries + Sized,
    {
        let revision = q.revision(community).await?;
        let today = today();
        let Some(rating) = ratings.get(q, community, year, audience).await? else { return Ok(None) };
        // A running year's months grow with the day, for every audience.
        let day = (Year::of(today) == year).then_some(today);
        let key = Key { community, year, audience, day };
        let found = {
            let kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
            kept.get(&key).filter(|(r, _)| *r == revision).map(|(_, f)| f.clone())
        };
        if let Some(figures) = found {
            return Ok(Some((rating, figures)));
        }
        let figures = Arc::new(compute(q, &rating, audience, today).await?);
        let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        // Past days' views of a running year are not asked for again.
        kept.retain(|k, _| k.day.is_none_or(|d| d >= today));
        if kept.len() >= MAX_KEYS {
            kept.clear();
        }
        kept.insert(key, (revision, figures.clone()));
        Ok(Some((rating, figures)))
    }
}
