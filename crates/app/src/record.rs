//! A member's record of a year (我的积分): every entry about them by
//! category, with household ratings shown only as the member may see them.
//! The "my record" page and the printed record are both made from
//! [`categories`], so that the paper and the page cannot disagree.
//!
//! Household ratings are counted per rating window; a window with fewer
//! than [`MIN_RATINGS_SHOWN`] ratings shows neither its counts nor its
//! points (one or two ratings would tell their levels), and while such a
//! window is still running its points do not count in the category's sum
//! for a viewer who sees what members see.

use crate::AppError;
use crate::error::{AppResult, bad_year, invalid};
use crate::print::chinese_date;
use crate::standings::{Audience, YearRating};
use jiff::civil::Date;
use starledger_domain::duty::Refusal;
use starledger_domain::ledger::{Actor, Entry};
use starledger_domain::linking::RatingWindow;
use starledger_domain::org::{Account, Member, MemberId, Role, Year};
use starledger_domain::points::Points;
use starledger_domain::rulebook::{RuleSource, Rulebook};
use starledger_print::{MemberRecord, PrintFont};
use starledger_store::{LedgerQueries, NoticeQueries, OrgQueries};
use std::collections::{BTreeMap, HashMap};

/// Below this many ratings in a window, the counts are withheld.
pub use starledger_domain::rating::MIN_RATINGS_SHOWN;

/// One entry of the record (household ratings are in [`RecordWindow`]s).
#[derive(Clone, Debug)]
pub struct RecordEntry {
    pub id: i64,
    pub date: Date,
    /// The rule's name in the year's rulebook (its key if it has none).
    pub rule: String,
    pub reason: String,
    pub points: Points,
    pub source_kind: String,
    pub recorded_by: Actor,
    pub recorded_at: i64,
    /// `冲销 #id` for a reversal, `已被 #id 冲销` for a reversed entry.
    pub marks: String,
}

/// The household ratings of one rating window.
#[derive(Clone, Debug, Default)]
pub struct RecordWindow {
    pub starts_on: Option<Date>,
    pub ends_on: Option<Date>,
    /// Three ratings or more: counts and points may be shown. Otherwise the
    /// counts are zero here and the points must not be shown.
    pub shown: bool,
    pub satisfied: i64,
    pub basically: i64,
    pub not: i64,
    pub points: Points,
}

impl RecordWindow {
    pub fn label(&self) -> String {
        match (self.starts_on, self.ends_on) {
            (Some(from), Some(until)) => format!("{from} — {until}"),
            _ => String::new(),
        }
    }
}

/// One category of the rulebook with the member's points in it.
#[derive(Clone, Debug)]
pub struct RecordCategory {
    pub name: String,
    pub points: Points,
    pub entries: Vec<RecordEntry>,
    pub windows: Vec<RecordWindow>,
}

/// The member's entries of a year by the rulebook's categories.
/// `sees_counts`: the viewer sees every rating as it comes (the committee,
/// the auditor); `today` decides which window is running.
pub fn categories(rulebook: &Rulebook, entries: &[Entry], sees_counts: bool, today: Date) -> Vec<RecordCategory> {
    let reversed_by: HashMap<i64, i64> =
        entries.iter().filter_map(|e| e.draft.reverses.map(|original| (original, e.id))).collect();
    let mut categories: Vec<RecordCategory> = rulebook
        .categories
        .iter()
        .map(|c| RecordCategory {
            name: c.name.clone(),
            points: Points::ZERO,
            entries: Vec::new(),
            windows: Vec::new(),
        })
        .collect();
    let mut windows: BTreeMap<(usize, String), RecordWindow> = BTreeMap::new();
    for entry in entries {
        let draft = &entry.draft;
        let Some(index) = rulebook.categories.iter().position(|c| c.key == draft.category) else { continue };
        categories[index].points += draft.points;
        let rule = rulebook.rule(&draft.rule_key);
        if rule.is_some_and(|r| r.source == RuleSource::Household) {
            let window = RatingWindow::containing(draft.occurred_on, &rulebook.linking);
            let row = windows.entry((index, window.key())).or_insert_with(|| RecordWindow {
                starts_on: Some(window.starts_on),
                ends_on: Some(window.ends_on),
                ..Default::default()
            });
            row.points += draft.points;
            // A reversal cancels one rating of its level.
            let one = if draft.reverses.is_some() { -1 } else { 1 };
            match draft.rule_key.as_str() {
                key if key == rulebook.linking.satisfied_rule => row.satisfied += one,
                key if key == rulebook.linking.basically_satisfied_rule => row.basically += one,
                _ => row.not += one,
            }
            continue;
        }
        let marks = match (draft.reverses, reversed_by.get(&entry.id)) {
            (Some(original), _) => format!("冲销 #{original}"),
            (None, Some(reversal)) => format!("已被 #{reversal} 冲销"),
            _ => String::new(),
        };
        categories[index].entries.push(RecordEntry {
            id: entry.id,
            date: draft.occurred_on,
            rule: rule.map_or(draft.rule_key.clone(), |r| r.name.clone()),
            reason: draft.reason.clone(),
            points: draft.points,
            source_kind: draft.source_kind.clone(),
            recorded_by: draft.recorded_by,
            recorded_at: draft.recorded_at,
            marks,
        });
    }
    let running = RatingWindow::containing(today, &rulebook.linking).key();
    for ((index, key), mut row) in windows {
        row.shown = row.satisfied + row.basically + row.not >= MIN_RATINGS_SHOWN;
        // The running window's points count in what the member sees only
        // from three ratings on (as in the standings): one or two would
        // tell their levels through the category's total.
        if !row.shown && key == running && !sees_counts {
            categories[index].points = categories[index].points - row.points;
        }
        // A withheld window hides its counts (and the page its points).
        if !row.shown {
            (row.satisfied, row.basically, row.not) = (0, 0, 0);
        }
        categories[index].windows.push(row);
    }
    categories
}

/// Where an entry came from, in Chinese words (the page's Chinese names).
pub fn source_zh(source_kind: &str) -> String {
    match source_kind {
        "attendance" => "考勤",
        "study" => "学习",
        "visit" => "走访",
        "household" => "联系户评议",
        "activity" => "志愿服务",
        "decision" => "党委会决定",
        "ballot" => "民主评议",
        "adjustment" => "人工调整",
        "reversal" => "冲销",
        other => other,
    }
    .to_string()
}

/// Whether the viewer sees every household rating as it comes.
pub fn sees_counts(role: Role) -> bool {
    matches!(role, Role::Committee | Role::Auditor)
}

/// Points as the record prints them: a sign on gains.
pub fn signed(points: Points) -> String {
    if points.is_positive() { format!("+{points}") } else { points.to_string() }
}

/// Who may print a member's record: the member themself, the committee,
/// and the secretary of the member's branch.
fn may_print(actor: &Account, member: &Member) -> AppResult<()> {
    let own = actor.member_id == Some(member.id);
    let allowed = own
        || actor.role == Role::Committee
        || (actor.role == Role::BranchSecretary && actor.branch_id == Some(member.branch_id));
    if allowed {
        return Ok(());
    }
    let login = actor.login.clone();
    Err(AppError::Duty(match actor.role {
        Role::BranchSecretary => Refusal::OtherBranch { login },
        role => Refusal::CommitteeOnly { login, role, action: "print another member's record".into() },
    }))
}

/// A member's record of a year as PDF, for the member, the committee or the
/// member's branch secretary. It shows what the member's own page shows:
/// the member's view of the household ratings whoever prints it (the paper
/// goes to the member), or the printer's own page when it is their record.
pub async fn record_pdf<Q>(
    q: &mut Q,
    actor: &Account,
    member_id: MemberId,
    year: i64,
    font: &PrintFont,
) -> AppResult<Vec<u8>>
where
    Q: NoticeQueries + LedgerQueries + OrgQueries + Sized,
{
    let community = actor.community_id;
    let member = q.member(community, member_id).await?;
    may_print(actor, &member)?;
    let year = Year::new(year).map_err(bad_year)?;
    let role = if actor.member_id == Some(member_id) { actor.role } else { Role::Member };
    let Some(rated) = crate::standings::compute(q, community, year, Audience::of(role)).await? else {
        return Err(invalid(format!("{year} 年度没有评定年度。"), format!("year: {year} has no period")));
    };
    let entries = q.member_entries(community, member_id, year).await?;
    let today = crate::clock::today();
    let categories = categories(&rated.period.rulebook, &entries, sees_counts(role), today);
    let standing = standing_text(q, &rated, member_id, today).await?;
    let total = rated.member(member_id).map_or(Points::ZERO, |m| m.total);
    let record = MemberRecord {
        community: q.community(community).await?.name,
        member: member.name.to_string(),
        branch: member.branch.clone(),
        year: year.get(),
        total: total.to_string(),
        standing,
        rulebook: rated.rating.rulebook_version.clone(),
        date: chinese_date(today),
        categories: categories
            .into_iter()
            .map(|c| starledger_print::RecordCategory {
                name: c.name,
                points: c.points.to_string(),
                windows: c
                    .windows
                    .iter()
                    .map(|w| starledger_print::RecordWindow {
                        label: w.label(),
                        shown: w.shown.then(|| (w.satisfied, w.basically, w.not, w.points.to_string())),
                    })
                    .collect(),
                entries: c
                    .entries
                    .into_iter()
                    .map(|e| starledger_print::RecordEntry {
                        date: e.date.to_string(),
                        rule: e.rule,
                        reason: e.reason,
                        points: signed(e.points),
                        source: source_zh(&e.source_kind),
                        marks: e.marks,
                    })
                    .collect(),
            })
            .collect(),
    };
    Ok(starledger_print::member_record(font, &record)?)
}

/// The stars and rank once the year is published; before that, that the
/// year is running (or not yet published, once it is over).
async fn standing_text<Q: NoticeQueries>(
    q: &mut Q,
    rated: &YearRating,
    member_id: MemberId,
    today: Date,
) -> AppResult<String> {
    let year = rated.period.year;
    let Some(round) = q.live_round(rated.period.community_id, i64::from(year.get())).await? else {
        return Ok(if year >= Year::of(today) { "年度进行中".into() } else { "评星结果尚未公示".into() });
    };
    let standing = rated.standing();
    let Some(m) = standing.member(member_id) else { return Ok("未参加本年度评星".into()) };
    let stars = "★".repeat(m.stars as usize) + &"☆".repeat(5usize.saturating_sub(m.stars as usize));
    let state = if round.final_sha256.is_some() { "" } else { "（公示中）" };
    Ok(match m.rank {
        Some(rank) => format!("{} 星 {stars} · 第 {rank} 名 / {}{state}", m.stars, standing.eligible_count),
        None => format!("不参加排名{state}"),
    })
}
