//! Anomaly flags for the auditor (纪检/审计): patterns in a year's ledger
//! worth a person's look. A flag is a prompt for people, never a penalty:
//! nothing here changes a point, a rank or a star, and a flag says only
//! what was seen, with its numbers, and which entries are behind it.
//!
//! Every source reads what one scan has already loaded for the year (the
//! entries' facts in one query, the roll, the accounts, the rating), so a
//! scan costs a few queries per community and year, never one per member.
//! A new source is one function returning `Vec<Flag>`, called in [`scan`];
//! the thresholds are the named constants below, each explained in
//! docs/auditing.md.

use crate::AppResult;
use jiff::civil::Date;
use starledger_domain::ledger::{Actor, Entry};
use starledger_domain::org::{Account, AccountId, BranchId, CommunityId, MemberId, Role, Year};
use starledger_domain::points::Points;
use starledger_domain::rating::{Rating, rate};
use starledger_domain::rulebook::Rulebook;
use starledger_store::{EntryFact, LedgerQueries, LinkQueries, NoticeQueries, OrgQueries};
use std::collections::{BTreeMap, HashMap};

/// One recorder's share of a branch's entries above which the branch is
/// flagged (percent of the entries typed by accounts about its members).
pub const RECORDER_SHARE_PERCENT: usize = 60;
/// A branch needs at least this many entries typed by accounts in the year
/// before a share means anything.
pub const RECORDER_MIN_BRANCH_ENTRIES: usize = 30;

/// An entry recorded more than this many days after the day it describes
/// is late.
pub const LATE_AFTER_DAYS: i64 = 30;
/// A recorder is flagged with at least this many late entries in the year.
pub const LATE_MIN_ENTRIES: usize = 3;

/// The width of the windows compared on either side of a cap or a star
/// line, in points.
pub const NEAR_LINE_POINTS: Points = Points::whole(2);
/// At least this many members in the window just below a cap (or just above
/// a star line) before it is flagged.
pub const NEAR_LINE_MIN_MEMBERS: usize = 5;
/// ... and at least this many times as many as in the window of the same
/// width on the other side.
pub const NEAR_LINE_RATIO: usize = 3;

/// A member is flagged with at least this many reversals of their entries
/// in the year ...
pub const REVERSALS_MIN_PER_MEMBER: usize = 3;
/// ... that are more than this share (percent) of all the year's reversals.
pub const REVERSALS_SHARE_PERCENT: usize = 25;

/// What kind of pattern a flag reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FlagKind {
    /// One recorder entered most of a branch's entries.
    RecorderShare,
    /// Entries recorded long after the day they describe, by one recorder.
    LateEntries,
    /// Members' category totals clustered just below the category's cap.
    NearCap,
    /// Members' totals clustered just above a star line or the five-star cut.
    AboveStarLine,
    /// The year's reversals concentrated on one member.
    ConcentratedReversals,
    /// Household ratings from an official's device or address, or many
    /// households from one ([`crate::household_origins`]).
    HouseholdOrigin,
}

impl FlagKind {
    pub const ALL: [FlagKind; 6] = [
        FlagKind::RecorderShare,
        FlagKind::LateEntries,
        FlagKind::NearCap,
        FlagKind::AboveStarLine,
        FlagKind::ConcentratedReversals,
        FlagKind::HouseholdOrigin,
    ];

    /// The key in JSON and in documents.
    pub fn key(self) -> &'static str {
        match self {
            FlagKind::RecorderShare => "recorder_share",
            FlagKind::LateEntries => "late_entries",
            FlagKind::NearCap => "near_cap",
            FlagKind::AboveStarLine => "above_star_line",
            FlagKind::ConcentratedReversals => "concentrated_reversals",
            FlagKind::HouseholdOrigin => "household_origin",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            FlagKind::RecorderShare => "一人记录了支部大部分积分",
            FlagKind::LateEntries => "事后很久才记录",
            FlagKind::NearCap => "积分集中在上限之下",
            FlagKind::AboveStarLine => "总分集中在星级线之上",
            FlagKind::ConcentratedReversals => "冲销集中在个别党员",
            FlagKind::HouseholdOrigin => "联系户评议的来源可疑",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            FlagKind::RecorderShare => "One recorder entered most of a branch's points",
            FlagKind::LateEntries => "Entries recorded long after the day they describe",
            FlagKind::NearCap => "Points clustered just below a cap",
            FlagKind::AboveStarLine => "Totals clustered just above a star line",
            FlagKind::ConcentratedReversals => "Reversals concentrated on one member",
            FlagKind::HouseholdOrigin => "Household ratings from a telling device or address",
        }
    }
}

/// Which of a year's entries are meant: every condition given must hold.
/// A flag carries the selection that gives its entries, so that a page can
/// list them and the list is the flag's own.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    /// These entries only.
    pub ids: Vec<i64>,
    /// About these members only.
    pub members: Vec<MemberId>,
    /// About members of this branch (on the year's roll).
    pub branch: Option<BranchId>,
    pub recorder: Option<Actor>,
    pub category: Option<String>,
    /// Entries (not reversals: a reversal keeps the day of what it cancels)
    /// recorded more than this many days after the day they describe.
    pub late_after_days: Option<i64>,
}

impl Selection {
    fn matches(&self, fact: &EntryFact, branch_of: &HashMap<MemberId, BranchId>) -> bool {
        (self.ids.is_empty() || self.ids.contains(&fact.id))
            && (self.members.is_empty() || self.members.contains(&fact.member_id))
            && self.branch.is_none_or(|b| branch_of.get(&fact.member_id) == Some(&b))
            && self.recorder.is_none_or(|r| fact.recorded_by == r)
            && self.category.as_ref().is_none_or(|c| *c == fact.category)
            && self.late_after_days.is_none_or(|days| fact.reverses.is_none() && days_late(fact) > days)
    }
}

/// One pattern seen: its kind, what was seen in words (with the numbers),
/// the figures themselves, and the entries behind it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flag {
    pub kind: FlagKind,
    /// What was seen, in Chinese and in English, numbers included.
    pub zh: String,
    pub en: String,
    /// The numbers the sentence gives, by name (for JSON).
    pub figures: Vec<(&'static str, String)>,
    /// The members concerned, if the flag is about members.
    pub members: Vec<MemberId>,
    /// The selection that lists the entries behind the flag ...
    pub selection: Selection,
    /// ... and those entries, in chain order.
    pub entries: Vec<i64>,
}

/// What a scan of one year found.
#[derive(Clone, Debug)]
pub struct Anomalies {
    pub year: Year,
    /// Entries read (the year's, reversals included).
    pub entries_read: usize,
    pub flags: Vec<Flag>,
}

/// Who may read the flags and the entries behind them: the committee and
/// the auditor.
pub const READERS: [Role; 2] = [Role::Committee, Role::Auditor];

/// Everything the sources read about a year, loaded once.
pub struct YearData {
    pub year: Year,
    pub rulebook: Rulebook,
    pub facts: Vec<EntryFact>,
    pub rating: Rating,
    /// Member names and branches on the year's roll.
    pub names: HashMap<MemberId, String>,
    pub branch_of: HashMap<MemberId, BranchId>,
    pub branches: BTreeMap<BranchId, String>,
    pub accounts: HashMap<AccountId, Account>,
}

impl YearData {
    /// Loads a year: `None` if the community has no period for it.
    pub async fn load<Q>(q: &mut Q, community: CommunityId, year: Year) -> AppResult<Option<YearData>>
    where
        Q: LedgerQueries + OrgQueries + NoticeQueries + Sized,
    {
        let Some(period) = q.period(community, year).await? else { return Ok(None) };
        let roll = q.year_roll(community, year).await?;
        let scored = q.year_scored(community, year).await?;
        let rating = rate(year, &period.rulebook, &roll, &scored);
        let facts = q.year_entry_facts(community, year).await?;
        let branches = q.branches(community).await?.into_iter().collect();
        let accounts = q.accounts(community).await?.into_iter().map(|a| (a.id, a)).collect();
        Ok(Some(YearData {
            year,
            rulebook: period.rulebook,
            facts,
            rating,
            names: roll.iter().map(|m| (m.id, m.name.to_string())).collect(),
            branch_of: roll.iter().map(|m| (m.id, m.branch_id)).collect(),
            branches,
            accounts,
        }))
    }

    /// The entries a selection gives, in chain order.
    pub fn select(&self, selection: &Selection) -> Vec<i64> {
        self.facts.iter().filter(|f| selection.matches(f, &self.branch_of)).map(|f| f.id).collect()
    }

    fn member_name(&self, id: MemberId) -> String {
        self.names.get(&id).cloned().unwrap_or_else(|| format!("#{id}"))
    }

    fn branch_name(&self, id: BranchId) -> String {
        self.branches.get(&id).cloned().unwrap_or_else(|| format!("#{id}"))
    }

    /// A recorder as people know them: name and role, in each language.
    fn recorder(&self, actor: Actor) -> (String, String) {
        match actor {
            Actor::Account(id) => match self.accounts.get(&id) {
                Some(a) => {
                    (format!("{}（{}）", a.name, a.role.label_zh()), format!("{} ({})", a.name, role_en(a.role)))
                }
                None => (format!("账号 {id}"), format!("account {id}")),
            },
            other => (other.to_string(), other.to_string()),
        }
    }

    /// A flag over the entries a selection gives.
    fn flag(
        &self,
        kind: FlagKind,
        said: (String, String),
        figures: Vec<(&'static str, String)>,
        members: Vec<MemberId>,
        selection: Selection,
    ) -> Flag {
        let entries = self.select(&selection);
        Flag { kind, zh: said.0, en: said.1, figures, members, selection, entries }
    }
}

/// 一 to 五, as a star level is said.
fn star_zh(stars: u8) -> &'static str {
    ["零", "一", "二", "三", "四", "五"].get(stars as usize).copied().unwrap_or("多")
}

fn role_en(role: Role) -> &'static str {
    match role {
        Role::Committee => "committee",
        Role::BranchSecretary => "branch secretary",
        Role::Member => "member",
        Role::Auditor => "auditor",
    }
}

/// How many days after the day it describes an entry was recorded (China time).
pub fn days_late(fact: &EntryFact) -> i64 {
    let recorded = jiff::Timestamp::from_second(fact.recorded_at).map(|t| t.to_zoned(crate::clock::china()).date());
    match recorded {
        Ok(day) => day_number(day) - day_number(fact.occurred_on),
        Err(_) => 0,
    }
}

fn day_number(day: Date) -> i64 {
    day.since(Date::constant(2000, 1, 1)).map(|span| i64::from(span.get_days())).unwrap_or(0)
}

fn percent(part: usize, whole: usize) -> usize {
    (part * 100 + whole / 2).checked_div(whole).unwrap_or(0)
}

/// Scans one year of a community: every flag source, in turn. `None` if the
/// community has no period for the year.
pub async fn scan<Q>(q: &mut Q, community: CommunityId, year: Year) -> AppResult<Option<Anomalies>>
where
    Q: LedgerQueries + OrgQueries + NoticeQueries + LinkQueries + Sized,
{
    let Some(data) = YearData::load(q, community, year).await? else { return Ok(None) };
    let mut flags = Vec::new();
    flags.extend(recorder_share(&data));
    flags.extend(late_entries(&data));
    flags.extend(near_caps(&data));
    flags.extend(above_star_lines(&data));
    flags.extend(concentrated_reversals(&data));
    flags.extend(household_origins(q, community, year).await?);
    // Another source: one more line here, returning `Vec<Flag>`.
    Ok(Some(Anomalies { year, entries_read: data.facts.len(), flags }))
}

/// Flag 6: where household ratings came from, as
/// [`crate::household_origins::flags`] finds it, as flags of this page.
async fn household_origins<Q: LinkQueries + OrgQueries>(
    q: &mut Q,
    community: CommunityId,
    year: Year,
) -> AppResult<Vec<Flag>> {
    Ok(crate::household_origins::flags(q, community, year)
        .await?
        .into_iter()
        .map(|found| Flag {
            kind: FlagKind::HouseholdOrigin,
            figures: vec![("origin", found.kind.as_str().to_string()), ("ratings", found.entries.len().to_string())],
            zh: found.zh,
            en: found.en,
            members: Vec::new(),
            selection: Selection { ids: found.entries.clone(), ..Selection::default() },
            entries: found.entries,
        })
        .collect())
}

/// Flag 1: within a branch, one account recorded more than
/// [`RECORDER_SHARE_PERCENT`] of the entries typed by accounts about the
/// branch's members (households' ratings, ballots and committee decisions
/// are nobody's typing and are left out), in a branch with at least
/// [`RECORDER_MIN_BRANCH_ENTRIES`] such entries.
pub fn recorder_share(data: &YearData) -> Vec<Flag> {
    let mut typed: BTreeMap<BranchId, BTreeMap<AccountId, usize>> = BTreeMap::new();
    for fact in &data.facts {
        let (Actor::Account(account), Some(branch)) = (fact.recorded_by, data.branch_of.get(&fact.member_id)) else {
            continue;
        };
        *typed.entry(*branch).or_default().entry(account).or_default() += 1;
    }
    let mut flags = Vec::new();
    for (branch, by) in typed {
        let all: usize = by.values().sum();
        if all < RECORDER_MIN_BRANCH_ENTRIES {
            continue;
        }
        for (account, count) in by {
            if count * 100 <= all * RECORDER_SHARE_PERCENT {
                continue;
            }
            let (who_zh, who_en) = data.recorder(Actor::Account(account));
            let name = data.branch_name(branch);
            let share = percent(count, all);
            let said = (
                format!(
                    "{who_zh}记录了{name}党员本年度由账号录入的 {all} 条积分中的 {count} 条（{share}%），超过 {RECORDER_SHARE_PERCENT}%。"
                ),
                format!(
                    "{who_en} recorded {count} of the {all} entries typed by accounts about {name}'s members this year ({share}%), more than {RECORDER_SHARE_PERCENT}%."
                ),
            );
            let figures = vec![
                ("branch", name.clone()),
                ("recorder", Actor::Account(account).to_string()),
                ("entries_by_recorder", count.to_string()),
                ("entries_typed", all.to_string()),
                ("share_percent", share.to_string()),
            ];
            let selection =
                Selection { branch: Some(branch), recorder: Some(Actor::Account(account)), ..Selection::default() };
            flags.push(data.flag(FlagKind::RecorderShare, said, figures, Vec::new(), selection));
        }
    }
    flags
}

/// Flag 2: an account recorded at least [`LATE_MIN_ENTRIES`] entries more than
/// [`LATE_AFTER_DAYS`] days after the day they describe (reversals left
/// out: they keep the day of the entry they cancel).
pub fn late_entries(data: &YearData) -> Vec<Flag> {
    let mut late: BTreeMap<AccountId, Vec<i64>> = BTreeMap::new();
    for fact in &data.facts {
        let Actor::Account(account) = fact.recorded_by else { continue };
        if fact.reverses.is_none() {
            let days = days_late(fact);
            if days > LATE_AFTER_DAYS {
                late.entry(account).or_default().push(days);
            }
        }
    }
    let mut flags = Vec::new();
    for (account, mut days) in late {
        if days.len() < LATE_MIN_ENTRIES {
            continue;
        }
        days.sort_unstable();
        let (count, longest, median) = (days.len(), days[days.len() - 1], days[days.len() / 2]);
        let (who_zh, who_en) = data.recorder(Actor::Account(account));
        let said = (
            format!(
                "{who_zh}本年度有 {count} 条积分在所记事项发生 {LATE_AFTER_DAYS} 天以后才记录，中位数 {median} 天，最长 {longest} 天。"
            ),
            format!(
                "{who_en} recorded {count} entries more than {LATE_AFTER_DAYS} days after the day they describe this year: {median} days later at the median, {longest} at the most."
            ),
        );
        let figures = vec![
            ("recorder", Actor::Account(account).to_string()),
            ("late_entries", count.to_string()),
            ("median_days", median.to_string()),
            ("longest_days", longest.to_string()),
        ];
        let selection = Selection {
            recorder: Some(Actor::Account(account)),
            late_after_days: Some(LATE_AFTER_DAYS),
            ..Selection::default()
        };
        flags.push(data.flag(FlagKind::LateEntries, said, figures, Vec::new(), selection));
    }
    flags
}

/// A line to compare either side of: its names, its points, and the
/// totals of the members it applies to.
type Line<'a> = (String, String, Points, &'a [(MemberId, Points)]);

/// Members in the window `[from, until)`.
fn within(totals: &[(MemberId, Points)], from: Points, until: Points) -> Vec<MemberId> {
    totals.iter().filter(|(_, t)| *t >= from && *t < until).map(|(id, _)| *id).collect()
}

/// Whether `near` members against `far` ones are unusually many.
fn unusual(near: usize, far: usize) -> bool {
    near >= NEAR_LINE_MIN_MEMBERS && near >= NEAR_LINE_RATIO * far
}

/// Flag 3a: for each category with a yearly cap: members whose counted points
/// sit in the [`NEAR_LINE_POINTS`] just below the cap (the cap itself not
/// included: reaching a cap is what a cap is for), compared with the window
/// of the same width below that.
pub fn near_caps(data: &YearData) -> Vec<Flag> {
    let mut flags = Vec::new();
    for category in &data.rulebook.categories {
        let Some(cap) = category.cap_per_year else { continue };
        let totals: Vec<(MemberId, Points)> = data
            .rating
            .members
            .iter()
            .map(|m| (m.member_id, m.categories.get(&category.key).copied().unwrap_or_default()))
            .collect();
        let w = NEAR_LINE_POINTS;
        let near = within(&totals, cap - w, cap);
        let far = within(&totals, cap - w - w, cap - w);
        if !unusual(near.len(), far.len()) {
            continue;
        }
        let (n, f, name) = (near.len(), far.len(), &category.name);
        let (low, lower) = (cap - w, cap - w - w);
        let said = (
            format!(
                "{name}类别全年上限 {cap} 分：{n} 名党员的该类积分在上限以下 {w} 分以内（{low} 至 {cap} 分，不含 {cap} 分），再往下同样宽的区间（{lower} 至 {low} 分）只有 {f} 名。"
            ),
            format!(
                "{name} is capped at {cap} points a year: {n} members have from {low} up to (not including) {cap} in it, against {f} from {lower} up to {low}."
            ),
        );
        let figures = vec![
            ("category", category.key.clone()),
            ("cap", cap.to_string()),
            ("window", w.to_string()),
            ("members_just_below", n.to_string()),
            ("members_below_that", f.to_string()),
        ];
        let selection =
            Selection { members: near.clone(), category: Some(category.key.clone()), ..Selection::default() };
        flags.push(data.flag(FlagKind::NearCap, said, figures, near, selection));
    }
    flags
}

/// Flag 3b: for each star line (the thresholds, and the five-star cut: the
/// lowest total that made five stars), the rated members whose totals sit
/// in the [`NEAR_LINE_POINTS`] from the line up, compared with those in the
/// same width just below it. If the line made no difference to anyone's
/// points, both sides would hold about as many.
pub fn above_star_lines(data: &YearData) -> Vec<Flag> {
    let rating = &data.rating;
    let totals: Vec<(MemberId, Points)> =
        rating.members.iter().filter(|m| m.rated).map(|m| (m.member_id, m.total)).collect();
    let ranked: Vec<(MemberId, Points)> =
        rating.members.iter().filter(|m| m.eligible).map(|m| (m.member_id, m.total)).collect();
    let mut lines: Vec<Line> = data
        .rulebook
        .stars
        .thresholds
        .iter()
        .map(|t| {
            (format!("{}星线", star_zh(t.stars)), format!("the {}-star line", t.stars), t.min_points, totals.as_slice())
        })
        .collect();
    if let Some(cut) = rating.members.iter().filter(|m| m.eligible && m.stars == 5).map(|m| m.total).min() {
        lines.push((
            "五星线（五星中的最低总分）".into(),
            "the five-star cut (the lowest five-star total)".into(),
            cut,
            ranked.as_slice(),
        ));
    }
    let mut flags = Vec::new();
    for (zh, en, line, totals) in lines {
        let w = NEAR_LINE_POINTS;
        let above = within(totals, line, line + w);
        let below = within(totals, line - w, line);
        if !unusual(above.len(), below.len()) {
            continue;
        }
        let (a, b) = (above.len(), below.len());
        let (top, bottom) = (line + w, line - w);
        let said = (
            format!(
                "{zh} {line} 分：{a} 名党员的总分在线上 {w} 分以内（{line} 至 {top} 分，不含 {top} 分），线下同样宽的区间（{bottom} 至 {line} 分）只有 {b} 名。若这条线不影响记分，两侧人数应大致相当。"
            ),
            format!(
                "At {en}, {line} points: {a} members have totals from {line} up to (not including) {top}, against {b} from {bottom} up to {line}. If the line made no difference to anyone's points, both sides would hold about as many."
            ),
        );
        let figures = vec![
            ("line", line.to_string()),
            ("window", w.to_string()),
            ("members_just_above", a.to_string()),
            ("members_just_below", b.to_string()),
        ];
        let selection = Selection { members: above.clone(), ..Selection::default() };
        flags.push(data.flag(FlagKind::AboveStarLine, said, figures, above, selection));
    }
    flags
}

/// Flag 4: a member with at least [`REVERSALS_MIN_PER_MEMBER`] reversals of
/// their entries in the year, which are more than
/// [`REVERSALS_SHARE_PERCENT`] of all the year's reversals. The entries
/// behind it are the reversals and what they cancel.
pub fn concentrated_reversals(data: &YearData) -> Vec<Flag> {
    let reversals: Vec<&EntryFact> = data.facts.iter().filter(|f| f.reverses.is_some()).collect();
    let all = reversals.len();
    let mut by_member: BTreeMap<MemberId, Vec<&EntryFact>> = BTreeMap::new();
    for fact in &reversals {
        by_member.entry(fact.member_id).or_default().push(fact);
    }
    let mut flags = Vec::new();
    for (member, theirs) in by_member {
        let count = theirs.len();
        if count < REVERSALS_MIN_PER_MEMBER || count * 100 <= all * REVERSALS_SHARE_PERCENT {
            continue;
        }
        let name = data.member_name(member);
        let share = percent(count, all);
        let said = (
            format!("本年度共冲销 {all} 条积分，其中 {count} 条（{share}%）是{name}的积分。"),
            format!("{count} of the year's {all} reversals ({share}%) cancel entries of {name}."),
        );
        let figures = vec![
            ("member", member.to_string()),
            ("reversals_of_member", count.to_string()),
            ("reversals_in_year", all.to_string()),
            ("share_percent", share.to_string()),
        ];
        let mut ids: Vec<i64> = theirs.iter().flat_map(|f| [f.id, f.reverses.unwrap_or(f.id)]).collect();
        ids.sort_unstable();
        ids.dedup();
        let selection = Selection { ids, ..Selection::default() };
        flags.push(data.flag(FlagKind::ConcentratedReversals, said, figures, vec![member], selection));
    }
    flags
}

/// A page of the entries a selection gives in a year: how many there are in
/// all, and the entries from `offset`, at most `limit`. `None` if the
/// community has no period for the year.
pub async fn selected_entries<Q>(
    q: &mut Q,
    community: CommunityId,
    year: Year,
    selection: &Selection,
    offset: usize,
    limit: usize,
) -> AppResult<Option<(usize, Vec<Entry>)>>
where
    Q: LedgerQueries + OrgQueries + NoticeQueries + Sized,
{
    if q.period(community, year).await?.is_none() {
        return Ok(None);
    }
    let roll = q.year_roll(community, year).await?;
    let branch_of: HashMap<MemberId, BranchId> = roll.iter().map(|m| (m.id, m.branch_id)).collect();
    let facts = q.year_entry_facts(community, year).await?;
    let ids: Vec<i64> = facts.iter().filter(|f| selection.matches(f, &branch_of)).map(|f| f.id).collect();
    let page: Vec<i64> = ids.iter().skip(offset).take(limit).copied().collect();
    let entries = q.entries_among(community, &page).await?;
    Ok(Some((ids.len(), entries)))
}
