//! The rulebook (积分规则): a TOML file a committee secretary can read and
//! edit, parsed into checked types. Every point in the ledger is priced by one
//! rule of one rulebook version, and a year keeps the rulebook it opened with.

use crate::org::Role;
use crate::points::Points;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use toml::Spanned;

/// The rulebook starledger ships: the method with example values.
pub const DEFAULT_RULEBOOK: &str = include_str!("../rulebooks/default.toml");

/// Where an event priced by a rule comes from; it decides who may enter it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RuleSource {
    /// 会议考勤: the organizer confirms attendance.
    Attendance,
    /// 学习申报: a member declares, a reviewer approves.
    Study,
    /// 入户走访: a visit, confirmed by the branch.
    Visit,
    /// 农户评议: only a household through its private link.
    Household,
    /// 志愿服务: the organizer confirms who served.
    Activity,
    /// 党委决定: a committee decision (integrity record, moral review).
    Decision,
    /// 支部评议: only the branch's secret ballot.
    Ballot,
    /// 人工调整: a correction made by one committee member and checked by
    /// another; `points` is the most one adjustment may add or take.
    Adjustment,
}

impl RuleSource {
    const ALL: [RuleSource; 8] = [
        RuleSource::Attendance,
        RuleSource::Study,
        RuleSource::Visit,
        RuleSource::Household,
        RuleSource::Activity,
        RuleSource::Decision,
        RuleSource::Ballot,
        RuleSource::Adjustment,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RuleSource::Attendance => "attendance",
            RuleSource::Study => "study",
            RuleSource::Visit => "visit",
            RuleSource::Household => "household",
            RuleSource::Activity => "activity",
            RuleSource::Decision => "decision",
            RuleSource::Ballot => "ballot",
            RuleSource::Adjustment => "adjustment",
        }
    }

    /// Inputs no account may type: a satisfaction score or a vote.
    pub fn is_typed_by_no_one(self) -> bool {
        matches!(self, RuleSource::Household | RuleSource::Ballot)
    }

    /// Inputs no single account may enter: a committee decision (with the
    /// subject and relatives recused, at quorum) or a maker-checker
    /// adjustment. The roles in `recorded_by` take part; none decides alone.
    pub fn needs_several(self) -> bool {
        matches!(self, RuleSource::Decision | RuleSource::Adjustment)
    }
}

impl fmt::Display for RuleSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Category {
    pub key: String,
    pub name: String,
    pub cap_per_year: Option<Points>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub key: String,
    pub name: String,
    pub category: String,
    pub points: Points,
    pub source: RuleSource,
    pub recorded_by: BTreeSet<Role>,
    pub cap_per_month: Option<Points>,
    pub cap_per_year: Option<Points>,
    /// Points are per hour served, from check-in to check-out (volunteer
    /// service that is counted by time).
    pub per_hour: bool,
}

/// What a member has already gained from a rule and its category, net of
/// reversals, for checking caps before a new entry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GainedSoFar {
    pub rule_in_month: Points,
    pub rule_in_year: Points,
    pub category_in_year: Points,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} is capped at {cap} points; {gained} already counted, so {adding} more would pass the cap")]
pub struct CapExceeded {
    pub what: String,
    /// `what` in Chinese, for the pages.
    pub what_zh: String,
    pub cap: Points,
    pub gained: Points,
    pub adding: Points,
}

impl CapExceeded {
    /// The refusal in Chinese, for the pages.
    pub fn zh(&self) -> String {
        format!("{}最多计 {} 分；已计 {} 分，再加 {} 分将超过上限。", self.what_zh, self.cap, self.gained, self.adding)
    }
}

/// How members who do not link households (a post, or excused) are scored in
/// the household category, so that an exemption never costs them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExemptCredit {
    /// The median household-category points of linked, eligible members.
    Median,
    /// Nothing is credited.
    None,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkingRules {
    pub households_min: u32,
    pub households_max: u32,
    pub rating_window_days: u32,
    pub exempt_credit: ExemptCredit,
    pub satisfied_rule: String,
    pub basically_satisfied_rule: String,
    pub not_satisfied_rule: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewRules {
    pub excellent_max_share_percent: u32,
    /// Papers needed before a ballot closes, as a share of the branch's
    /// voting members (rounded up): below it no tally exists for anyone.
    pub ballot_turnout_percent: u32,
    /// And never fewer papers than this: a tally of one or two papers would
    /// tell each voter how the other voted.
    pub ballot_min_papers: u32,
    pub excellent_rule: String,
    pub qualified_rule: String,
    pub basically_qualified_rule: String,
    pub unqualified_rule: String,
}

/// Integrity records (诚信档案) and moral review become points only by a
/// committee decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IntegrityRules {
    /// Votes needed, from committee members who are neither the subject nor
    /// their relative, before a decision counts.
    pub decision_quorum: u32,
    /// The fewest committee members, once the recused are left out, who
    /// may decide a record; below it the record goes up to the overseer of
    /// the region above the community.
    pub decision_floor: u32,
}

impl IntegrityRules {
    /// Rulebooks written before the `[integrity]` section decide with three.
    pub const DEFAULT_QUORUM: u32 = 3;
    /// Rulebooks written before `decision_floor` need two deciders.
    pub const DEFAULT_FLOOR: u32 = 2;
}

impl ReviewRules {
    /// Rulebooks written before the turnout keys need two thirds, and three papers.
    pub const DEFAULT_TURNOUT_PERCENT: u32 = 67;
    pub const DEFAULT_MIN_PAPERS: u32 = 3;
}

/// One criterion that separates equal totals.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TieBreak {
    /// More points in this category ranks higher.
    Category(String),
    /// An earlier joining date ranks higher; an unknown date counts as latest.
    JoinedOn,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Threshold {
    pub stars: u8,
    pub min_points: Points,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Veto {
    pub rule: String,
    pub max_stars: u8,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StarRules {
    pub five_star_count: u32,
    pub five_star_max_share_percent: u32,
    pub notice_days: u32,
    pub probationary_eligible: bool,
    pub min_days_on_roll: u32,
    pub prorate_partial_year: bool,
    /// Applied in order; the member number decides last, always.
    pub tie_break: Vec<TieBreak>,
    /// Highest stars first.
    pub thresholds: Vec<Threshold>,
    pub vetoes: Vec<Veto>,
}

impl StarRules {
    /// How many five-star places a year with `eligible` members has.
    pub fn five_star_places(&self, eligible: usize) -> usize {
        let by_share = eligible * self.five_star_max_share_percent as usize / 100;
        (self.five_star_count as usize).min(by_share)
    }

    /// Stars one to four from a total; zero below the lowest threshold.
    pub fn stars_for(&self, total: Points) -> u8 {
        self.thresholds.iter().find(|t| total >= t.min_points).map_or(0, |t| t.stars)
    }
}

/// A parsed and checked rulebook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rulebook {
    pub version: String,
    pub title: String,
    pub categories: Vec<Category>,
    pub rules: BTreeMap<String, Rule>,
    pub linking: LinkingRules,
    pub review: ReviewRules,
    pub integrity: IntegrityRules,
    pub stars: StarRules,
    /// SHA-256 of the exact text, so anyone can tell which file priced a year.
    pub sha256: String,
}

/// A rulebook that cannot be used, with the line and field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("rulebook line {line}, field `{field}`: {message}")]
pub struct RulebookError {
    pub line: usize,
    pub field: String,
    pub message: String,
}

impl Rulebook {
    pub fn parse(text: &str) -> Result<Rulebook, RulebookError> {
        let raw: RawRulebook = toml::from_str(text).map_err(|error| syntax_error(text, &error))?;
        let sha256 = hex::encode(Sha256::digest(text.as_bytes()));
        Checker { text }.check(raw, sha256)
    }

    /// The shipped rulebook, parsed once per process.
    pub fn default_rulebook() -> Rulebook {
        static PARSED: std::sync::OnceLock<Rulebook> = std::sync::OnceLock::new();
        PARSED.get_or_init(|| Rulebook::parse(DEFAULT_RULEBOOK).expect("the shipped rulebook is valid")).clone()
    }

    pub fn rule(&self, key: &str) -> Option<&Rule> {
        self.rules.get(key)
    }

    pub fn category(&self, key: &str) -> Option<&Category> {
        self.categories.iter().find(|category| category.key == key)
    }

    /// Refuses an entry that would lift a member past a cap. Deductions are
    /// never capped: a cap limits what can be gained.
    pub fn check_caps(&self, rule: &Rule, gained: GainedSoFar, adding: Points) -> Result<(), CapExceeded> {
        if !adding.is_positive() {
            return Ok(());
        }
        let category = self.category(&rule.category);
        let category_name = category.map_or(rule.category.as_str(), |c| c.name.as_str());
        let limits = [
            (
                rule.cap_per_month,
                gained.rule_in_month,
                format!("rule {} per month", rule.key),
                format!("“{}”每月", rule.name),
            ),
            (
                rule.cap_per_year,
                gained.rule_in_year,
                format!("rule {} per year", rule.key),
                format!("“{}”每年", rule.name),
            ),
            (
                category.and_then(|c| c.cap_per_year),
                gained.category_in_year,
                format!("category {} per year", rule.category),
                format!("“{category_name}”类每年"),
            ),
        ];
        for (cap, gained, what, what_zh) in limits {
            if let Some(cap) = cap
                && gained + adding > cap
            {
                return Err(CapExceeded { what, what_zh, cap, gained, adding });
            }
        }
        Ok(())
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].bytes().filter(|&b| b == b'\n').count() + 1
}

fn syntax_error(text: &str, error: &toml::de::Error) -> RulebookError {
    let line = error.span().map_or(0, |span| line_of(text, span.start));
    let message = error.message().trim().to_string();
    // serde names an unknown or missing field in backticks; for anything else
    // the key written on the offending line is the field.
    let named = message
        .strip_prefix("unknown field `")
        .or_else(|| message.strip_prefix("missing field `"))
        .and_then(|rest| rest.split('`').next());
    let field = match named {
        Some(field) => field.to_string(),
        None => key_on_line(text, line).unwrap_or_else(|| "(syntax)".to_string()),
    };
    RulebookError { line, field, message }
}

/// The key of a `key = value` line, or the name of a `[table]` line.
fn key_on_line(text: &str, line: usize) -> Option<String> {
    let content = text.lines().nth(line.checked_sub(1)?)?.trim();
    if let Some((key, _)) = content.split_once('=') {
        let key = key.trim();
        return (!key.is_empty()).then(|| key.to_string());
    }
    // A table header; a bare `[` names no table, and then no key is on the line.
    let table = content.strip_prefix('[')?.trim_matches(|c| c == '[' || c == ']').trim();
    (!table.is_empty()).then(|| table.to_string())
}

// ---- the file's shape, before checks ----------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRulebook {
    version: Spanned<String>,
    title: String,
    category: Vec<Spanned<RawCategory>>,
    rule: Vec<Spanned<RawRule>>,
    linking: RawLinking,
    review: RawReview,
    /// Optional so that rulebooks frozen into earlier years still parse.
    integrity: Option<RawIntegrity>,
    stars: RawStars,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIntegrity {
    decision_quorum: Spanned<i64>,
    /// Optional so that rulebooks frozen into earlier years still parse.
    decision_floor: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCategory {
    key: Spanned<String>,
    name: String,
    cap_per_year: Option<Spanned<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    key: Spanned<String>,
    name: String,
    category: Spanned<String>,
    points: Spanned<f64>,
    source: Spanned<String>,
    recorded_by: Spanned<Vec<String>>,
    cap_per_month: Option<Spanned<f64>>,
    cap_per_year: Option<Spanned<f64>>,
    #[serde(default)]
    per_hour: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLinking {
    households_min: Spanned<i64>,
    households_max: Spanned<i64>,
    rating_window_days: Spanned<i64>,
    exempt_credit: Spanned<String>,
    ratings: RawRatings,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRatings {
    satisfied: Spanned<String>,
    basically_satisfied: Spanned<String>,
    not_satisfied: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReview {
    excellent_max_share_percent: Spanned<i64>,
    /// Optional so that rulebooks frozen into earlier years still parse.
    ballot_turnout_percent: Option<Spanned<i64>>,
    ballot_min_papers: Option<Spanned<i64>>,
    grades: RawGrades,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGrades {
    excellent: Spanned<String>,
    qualified: Spanned<String>,
    basically_qualified: Spanned<String>,
    unqualified: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStars {
    five_star_count: Spanned<i64>,
    five_star_max_share_percent: Spanned<i64>,
    notice_days: Spanned<i64>,
    probationary_eligible: bool,
    min_days_on_roll: Spanned<i64>,
    prorate_partial_year: bool,
    tie_break: Vec<Spanned<String>>,
    threshold: Vec<Spanned<RawThreshold>>,
    #[serde(default)]
    veto: Vec<Spanned<RawVeto>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawThreshold {
    stars: Spanned<i64>,
    min_points: Spanned<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVeto {
    rule: Spanned<String>,
    max_stars: Spanned<i64>,
}

// ---- checks: each error points at the line of the value at fault ------------

struct Checker<'a> {
    text: &'a str,
}

type Checked<T> = Result<T, RulebookError>;

impl Checker<'_> {
    fn error<T>(&self, span: std::ops::Range<usize>, field: &str, message: impl Into<String>) -> Checked<T> {
        Err(RulebookError { line: line_of(self.text, span.start), field: field.to_string(), message: message.into() })
    }

    fn points(&self, value: &Spanned<f64>, field: &str) -> Checked<Points> {
        Points::from_decimal(*value.get_ref()).or_else(|e| self.error(value.span(), field, e.to_string()))
    }

    fn cap(&self, value: &Option<Spanned<f64>>, field: &str) -> Checked<Option<Points>> {
        let Some(value) = value else { return Ok(None) };
        let cap = self.points(value, field)?;
        if !cap.is_positive() {
            return self.error(value.span(), field, "a cap must be greater than zero");
        }
        Ok(Some(cap))
    }

    fn count(&self, value: &Spanned<i64>, field: &str, range: std::ops::RangeInclusive<i64>) -> Checked<u32> {
        let number = *value.get_ref();
        if !range.contains(&number) {
            return self.error(
                value.span(),
                field,
                format!("{number} is out of range: use {} to {}", range.start(), range.end()),
            );
        }
        Ok(number as u32)
    }

    fn check(&self, raw: RawRulebook, sha256: String) -> Checked<Rulebook> {
        if raw.version.get_ref().trim().is_empty() {
            return self.error(raw.version.span(), "version", "the version cannot be empty");
        }
        let categories = self.categories(&raw.category)?;
        let rules = self.rules(&raw.rule, &categories)?;
        let linking = self.linking(&raw.linking, &rules)?;
        let review = self.review(&raw.review, &rules)?;
        let integrity = match &raw.integrity {
            Some(raw) => IntegrityRules {
                decision_quorum: self.count(&raw.decision_quorum, "integrity.decision_quorum", 1..=50)?,
                decision_floor: match &raw.decision_floor {
                    Some(floor) => self.count(floor, "integrity.decision_floor", 1..=50)?,
                    None => IntegrityRules::DEFAULT_FLOOR,
                },
            },
            None => IntegrityRules {
                decision_quorum: IntegrityRules::DEFAULT_QUORUM,
                decision_floor: IntegrityRules::DEFAULT_FLOOR,
            },
        };
        let stars = self.stars(&raw.stars, &categories, &rules)?;
        Ok(Rulebook {
            version: raw.version.into_inner().trim().to_string(),
            title: raw.title,
            categories,
            rules,
            linking,
            review,
            integrity,
            stars,
            sha256,
        })
    }

    fn categories(&self, raw: &[Spanned<RawCategory>]) -> Checked<Vec<Category>> {
        let mut categories: Vec<Category> = Vec::new();
        for spanned in raw {
            let category = spanned.get_ref();
            let key = category.key.get_ref();
            if !is_key(key) {
                return self.error(
                    category.key.span(),
                    "category.key",
                    format!("\"{key}\" is not a key: use a-z, 0-9, _ and ."),
                );
            }
            if categories.iter().any(|c| &c.key == key) {
                return self.error(category.key.span(), "category.key", format!("category \"{key}\" is defined twice"));
            }
            categories.push(Category {
                key: key.clone(),
                name: category.name.clone(),
                cap_per_year: self.cap(&category.cap_per_year, "category.cap_per_year")?,
            });
        }
        if categories.is_empty() {
            return self.error(0..0, "category", "a rulebook needs at least one category");
        }
        Ok(categories)
    }

    fn rules(&self, raw: &[Spanned<RawRule>], categories: &[Category]) -> Checked<BTreeMap<String, Rule>> {
        let mut rules = BTreeMap::new();
        for spanned in raw {
            let rule = self.rule(spanned.get_ref(), categories)?;
            if rules.contains_key(&rule.key) {
                return self.error(
                    spanned.get_ref().key.span(),
                    "rule.key",
                    format!("rule \"{}\" is defined twice", rule.key),
                );
            }
            rules.insert(rule.key.clone(), rule);
        }
        Ok(rules)
    }

    fn rule(&self, raw: &RawRule, categories: &[Category]) -> Checked<Rule> {
        let key = raw.key.get_ref();
        if !is_key(key) {
            return self.error(raw.key.span(), "rule.key", format!("\"{key}\" is not a key: use a-z, 0-9, _ and ."));
        }
        let category = raw.category.get_ref();
        if !categories.iter().any(|c| &c.key == category) {
            return self.error(
                raw.category.span(),
                "rule.category",
                format!("rule \"{key}\" names unknown category \"{category}\""),
            );
        }
        let points = self.points(&raw.points, "rule.points")?;
        if points == Points::ZERO {
            return self.error(raw.points.span(), "rule.points", format!("rule \"{key}\" is worth zero points"));
        }
        let source_text = raw.source.get_ref();
        let Some(source) = RuleSource::ALL.into_iter().find(|s| s.as_str() == source_text) else {
            let known: Vec<_> = RuleSource::ALL.iter().map(|s| s.as_str()).collect();
            return self.error(
                raw.source.span(),
                "rule.source",
                format!("unknown source \"{source_text}\": use one of {}", known.join(", ")),
            );
        };
        let mut recorded_by = BTreeSet::new();
        for role in raw.recorded_by.get_ref() {
            let role: Role = role.parse().or_else(|e: crate::org::RoleError| {
                self.error(raw.recorded_by.span(), "rule.recorded_by", e.to_string())
            })?;
            if matches!(role, Role::Auditor | Role::Member) {
                return self.error(
                    raw.recorded_by.span(),
                    "rule.recorded_by",
                    format!("rule \"{key}\": a {role} cannot record points; use committee or branch_secretary"),
                );
            }
            recorded_by.insert(role);
        }
        if source.is_typed_by_no_one() && !recorded_by.is_empty() {
            return self.error(
                raw.recorded_by.span(),
                "rule.recorded_by",
                format!("rule \"{key}\" comes from {source}; no role may type it, so recorded_by must be []"),
            );
        }
        if !source.is_typed_by_no_one() && recorded_by.is_empty() {
            return self.error(
                raw.recorded_by.span(),
                "rule.recorded_by",
                format!("rule \"{key}\" needs at least one role that may record it"),
            );
        }
        if source == RuleSource::Adjustment
            && (!points.is_positive() || recorded_by.iter().any(|r| *r != Role::Committee))
        {
            return self.error(
                raw.points.span(),
                "rule.points",
                format!(
                    "adjustment rule \"{key}\": points is the most one adjustment may move (above zero), \
                     and only the committee makes and checks adjustments"
                ),
            );
        }
        if raw.per_hour && source != RuleSource::Activity {
            return self.error(
                raw.source.span(),
                "rule.per_hour",
                format!("rule \"{key}\": only volunteer service (source activity) is counted by the hour"),
            );
        }
        Ok(Rule {
            key: key.clone(),
            name: raw.name.clone(),
            category: category.clone(),
            points,
            source,
            recorded_by,
            cap_per_month: self.cap(&raw.cap_per_month, "rule.cap_per_month")?,
            cap_per_year: self.cap(&raw.cap_per_year, "rule.cap_per_year")?,
            per_hour: raw.per_hour,
        })
    }

    fn rule_ref(
        &self,
        value: &Spanned<String>,
        field: &str,
        rules: &BTreeMap<String, Rule>,
        source: RuleSource,
    ) -> Checked<String> {
        let key = value.get_ref();
        match rules.get(key) {
            None => self.error(value.span(), field, format!("names unknown rule \"{key}\"")),
            Some(rule) if rule.source != source => {
                self.error(value.span(), field, format!("rule \"{key}\" has source {}, expected {source}", rule.source))
            }
            Some(_) => Ok(key.clone()),
        }
    }

    fn linking(&self, raw: &RawLinking, rules: &BTreeMap<String, Rule>) -> Checked<LinkingRules> {
        let households_min = self.count(&raw.households_min, "linking.households_min", 1..=50)?;
        let households_max = self.count(&raw.households_max, "linking.households_max", 1..=50)?;
        if households_max < households_min {
            return self.error(raw.households_max.span(), "linking.households_max", "must not be below households_min");
        }
        let exempt_credit = match raw.exempt_credit.get_ref().as_str() {
            "median" => ExemptCredit::Median,
            "none" => ExemptCredit::None,
            other => {
                return self.error(
                    raw.exempt_credit.span(),
                    "linking.exempt_credit",
                    format!("unknown policy \"{other}\": use \"median\" or \"none\""),
                );
            }
        };
        let household = RuleSource::Household;
        Ok(LinkingRules {
            households_min,
            households_max,
            rating_window_days: self.count(&raw.rating_window_days, "linking.rating_window_days", 1..=366)?,
            exempt_credit,
            satisfied_rule: self.rule_ref(&raw.ratings.satisfied, "linking.ratings.satisfied", rules, household)?,
            basically_satisfied_rule: self.rule_ref(
                &raw.ratings.basically_satisfied,
                "linking.ratings.basically_satisfied",
                rules,
                household,
            )?,
            not_satisfied_rule: self.rule_ref(
                &raw.ratings.not_satisfied,
                "linking.ratings.not_satisfied",
                rules,
                household,
            )?,
        })
    }

    fn review(&self, raw: &RawReview, rules: &BTreeMap<String, Rule>) -> Checked<ReviewRules> {
        let ballot = RuleSource::Ballot;
        Ok(ReviewRules {
            excellent_max_share_percent: self.count(
                &raw.excellent_max_share_percent,
                "review.excellent_max_share_percent",
                1..=100,
            )?,
            ballot_turnout_percent: match &raw.ballot_turnout_percent {
                Some(value) => self.count(value, "review.ballot_turnout_percent", 1..=100)?,
                None => ReviewRules::DEFAULT_TURNOUT_PERCENT,
            },
            ballot_min_papers: match &raw.ballot_min_papers {
                Some(value) => self.count(value, "review.ballot_min_papers", 1..=1000)?,
                None => ReviewRules::DEFAULT_MIN_PAPERS,
            },
            excellent_rule: self.rule_ref(&raw.grades.excellent, "review.grades.excellent", rules, ballot)?,
            qualified_rule: self.rule_ref(&raw.grades.qualified, "review.grades.qualified", rules, ballot)?,
            basically_qualified_rule: self.rule_ref(
                &raw.grades.basically_qualified,
                "review.grades.basically_qualified",
                rules,
                ballot,
            )?,
            unqualified_rule: self.rule_ref(&raw.grades.unqualified, "review.grades.unqualified", rules, ballot)?,
        })
    }

    fn stars(&self, raw: &RawStars, categories: &[Category], rules: &BTreeMap<String, Rule>) -> Checked<StarRules> {
        let mut tie_break = Vec::new();
        for item in &raw.tie_break {
            let text = item.get_ref();
            let criterion = match text.strip_prefix("category:") {
                Some(key) if categories.iter().any(|c| c.key == key) => TieBreak::Category(key.to_string()),
                Some(key) => return self.error(item.span(), "stars.tie_break", format!("unknown category \"{key}\"")),
                None if text == "joined_on" => TieBreak::JoinedOn,
                None => {
                    return self.error(
                        item.span(),
                        "stars.tie_break",
                        format!("unknown criterion \"{text}\": use \"category:KEY\" or \"joined_on\""),
                    );
                }
            };
            tie_break.push(criterion);
        }
        let mut thresholds = Vec::new();
        for spanned in &raw.threshold {
            let threshold = spanned.get_ref();
            let stars = self.count(&threshold.stars, "stars.threshold.stars", 1..=4)? as u8;
            if thresholds.iter().any(|t: &Threshold| t.stars == stars) {
                return self.error(
                    threshold.stars.span(),
                    "stars.threshold.stars",
                    format!("{stars} stars has two thresholds"),
                );
            }
            thresholds.push(Threshold {
                stars,
                min_points: self.points(&threshold.min_points, "stars.threshold.min_points")?,
            });
        }
        thresholds.sort_by_key(|t| std::cmp::Reverse(t.stars));
        // More stars must never need fewer points.
        for pair in thresholds.windows(2) {
            if pair[0].min_points < pair[1].min_points {
                let span = raw
                    .threshold
                    .iter()
                    .find(|t| *t.get_ref().stars.get_ref() == i64::from(pair[0].stars))
                    .map(|t| t.span())
                    .unwrap_or(0..0);
                return self.error(
                    span,
                    "stars.threshold.min_points",
                    format!("{} stars needs fewer points than {} stars", pair[0].stars, pair[1].stars),
                );
            }
        }
        let mut vetoes = Vec::new();
        for spanned in &raw.veto {
            let veto = spanned.get_ref();
            let key = veto.rule.get_ref();
            if !rules.contains_key(key) {
                return self.error(veto.rule.span(), "stars.veto.rule", format!("names unknown rule \"{key}\""));
            }
            vetoes.push(Veto {
                rule: key.clone(),
                max_stars: self.count(&veto.max_stars, "stars.veto.max_stars", 0..=4)? as u8,
            });
        }
        Ok(StarRules {
            five_star_count: self.count(&raw.five_star_count, "stars.five_star_count", 1..=10_000)?,
            five_star_max_share_percent: self.count(
                &raw.five_star_max_share_percent,
                "stars.five_star_max_share_percent",
                1..=100,
            )?,
            notice_days: self.count(&raw.notice_days, "stars.notice_days", 1..=60)?,
            probationary_eligible: raw.probationary_eligible,
            min_days_on_roll: self.count(&raw.min_days_on_roll, "stars.min_days_on_roll", 0..=366)?,
            prorate_partial_year: raw.prorate_partial_year,
            tie_break,
            thresholds,
            vetoes,
        })
    }
}

fn is_key(key: &str) -> bool {
    !key.is_empty() && key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_rulebook_parses() {
        let rulebook = Rulebook::default_rulebook();
        assert_eq!(rulebook.version, "2026.1");
        assert_eq!(rulebook.stars.five_star_count, 25);
        assert_eq!(rulebook.rule("study.app_week").unwrap().points, Points::from_tenths(2));
        assert!(rulebook.rule("household.satisfied").unwrap().recorded_by.is_empty());
        assert_eq!(rulebook.stars.thresholds[0].stars, 4);
    }

    fn with_replaced(from: &str, to: &str) -> String {
        assert!(DEFAULT_RULEBOOK.contains(from), "fixture text {from:?} not in default rulebook");
        DEFAULT_RULEBOOK.replacen(from, to, 1)
    }

    fn line_containing(text: &str, needle: &str) -> usize {
        text.lines().position(|line| line.contains(needle)).unwrap() + 1
    }

    #[test]
    fn an_unknown_category_names_line_and_field() {
        let text = with_replaced("category = \"volunteer\"\npoints = 2", "category = \"volunter\"\npoints = 2");
        let error = Rulebook::parse(&text).unwrap_err();
        assert_eq!(error.field, "rule.category");
        assert_eq!(error.line, line_containing(&text, "\"volunter\""));
        assert!(error.message.contains("volunter"), "{error}");
    }

    #[test]
    fn a_misspelled_field_names_it() {
        let text = with_replaced("cap_per_year = 8\n", "cap_per_yaer = 8\n");
        let error = Rulebook::parse(&text).unwrap_err();
        assert_eq!(error.field, "cap_per_yaer", "{error}");
        assert_eq!(error.line, line_containing(&text, "cap_per_yaer"));
    }

    #[test]
    fn points_beyond_tenths_are_refused() {
        let text = with_replaced("points = 0.2", "points = 0.25");
        let error = Rulebook::parse(&text).unwrap_err();
        assert_eq!((error.field.as_str(), error.line), ("rule.points", line_containing(&text, "0.25")));
    }

    #[test]
    fn a_satisfaction_rule_cannot_be_typed_by_a_role() {
        let text = with_replaced(
            "source = \"household\"\nrecorded_by = []",
            "source = \"household\"\nrecorded_by = [\"committee\"]",
        );
        let error = Rulebook::parse(&text).unwrap_err();
        assert_eq!(error.field, "rule.recorded_by");
        assert!(error.message.contains("no role may type it"), "{error}");
    }

    #[test]
    fn a_syntax_error_names_its_line() {
        let text = with_replaced("households_min = 5", "households_min = = 5");
        let error = Rulebook::parse(&text).unwrap_err();
        assert_eq!(error.line, line_containing(&text, "= = 5"));
        assert_eq!(error.field, "households_min");
    }

    #[test]
    fn caps_limit_gains_but_not_deductions() {
        let rulebook = Rulebook::default_rulebook();
        let rule = rulebook.rule("meeting.theme_day").unwrap();
        let one = Points::whole(1);
        let fresh = GainedSoFar::default();
        assert!(rulebook.check_caps(rule, fresh, one).is_ok());
        let month_full = GainedSoFar { rule_in_month: one, rule_in_year: one, category_in_year: one };
        let error = rulebook.check_caps(rule, month_full, one).unwrap_err();
        assert!(error.what.contains("per month"), "{error}");
        let absent = rulebook.rule("meeting.absent").unwrap();
        assert!(rulebook.check_caps(absent, month_full, absent.points).is_ok());
    }

    #[test]
    fn five_star_places_respect_the_share_cap() {
        let stars = Rulebook::default_rulebook().stars;
        assert_eq!(stars.five_star_places(200), 25);
        assert_eq!(stars.five_star_places(40), 8);
        assert_eq!(stars.five_star_places(0), 0);
    }
}
