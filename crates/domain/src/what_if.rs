//! What a year would look like under another rulebook: the year's ledger
//! replayed, priced by a proposed rulebook, and compared with the year's own
//! result. Nothing is written; a committee sees a rule change's effect
//! before it adopts the rulebook for a coming year.
//!
//! The replay works on the year's points per member, rule and month (the
//! month of the day each entry describes), which is what repricing and the
//! rule caps need:
//! 1. a rule the proposed rulebook lacks counts nothing;
//! 2. a rule's points are scaled by its new price over its old one (a rule
//!    counted by the hour keeps its hours); a rule priced at zero before
//!    counts its entries, net of reversals, at the new price;
//! 3. the points count in the category the proposed rulebook gives the rule;
//! 4. a rule's gains in a month count up to its monthly cap, and in the year
//!    up to its yearly cap (deductions are never capped), as recording would
//!    have refused what passed them;
//! 5. the proposed rulebook then rates the year as it always does (category
//!    caps, vetoes, credits, places, thresholds, tie-breaks).
//!
//! Replayed under the year's own rulebook, this gives the year's rating
//! exactly (a test holds it to that).

use crate::org::MemberId;
use crate::points::Points;
use crate::rating::{Rating, Scored};
use crate::rulebook::{ExemptCredit, Rulebook, TieBreak};
use std::collections::BTreeMap;

/// A member's points from one rule in one month of the year.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleMonth {
    pub member_id: MemberId,
    pub rule_key: String,
    /// 1 to 12.
    pub month: u8,
    pub points: Points,
    /// Entries net of reversals (a reversal counts -1).
    pub net_entries: i64,
}

/// The year's points as the proposed rulebook prices them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Replay {
    pub scored: Vec<Scored>,
    /// Rules the proposed rulebook lacks, with their entries net of
    /// reversals: their points count nowhere.
    pub dropped: BTreeMap<String, i64>,
}

/// Prices the year's points by `proposed`; `current` is the rulebook they
/// were recorded under.
pub fn reprice(current: &Rulebook, proposed: &Rulebook, months: &[RuleMonth]) -> Replay {
    let mut replay = Replay::default();
    // (member, rule) → the year's points so far, months already capped.
    let mut yearly: BTreeMap<(MemberId, &str), Points> = BTreeMap::new();
    for row in months {
        let Some(new) = proposed.rule(&row.rule_key) else {
            *replay.dropped.entry(row.rule_key.clone()).or_default() += row.net_entries;
            continue;
        };
        let old_price = current.rule(&row.rule_key).map(|old| old.points);
        let mut points = match old_price {
            // Recorded under a rule the year's rulebook no longer names:
            // there is no price to scale from, so the points stand.
            None => row.points,
            Some(old) if old == Points::ZERO => Points::from_tenths(row.net_entries * new.points.tenths()),
            Some(old) => {
                let (numerator, denominator) = if old.tenths() > 0 {
                    (new.points.tenths(), old.tenths())
                } else {
                    (-new.points.tenths(), -old.tenths())
                };
                row.points.scale(numerator, denominator)
            }
        };
        if let Some(cap) = new.cap_per_month
            && points > cap
        {
            points = cap;
        }
        *yearly.entry((row.member_id, row.rule_key.as_str())).or_default() += points;
    }
    for ((member_id, rule_key), mut points) in yearly {
        let rule = proposed.rule(rule_key).expect("only the proposed rulebook's rules are kept");
        if let Some(cap) = rule.cap_per_year
            && points > cap
        {
            points = cap;
        }
        replay.scored.push(Scored {
            member_id,
            category: rule.category.clone(),
            rule_key: rule_key.to_string(),
            points,
        });
    }
    replay
}

/// Where a member stands in one rating.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Standing {
    pub stars: u8,
    pub rank: Option<u32>,
    pub total: Points,
    pub eligible: bool,
}

/// A category whose points differ between the two ratings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CategoryChange {
    pub category: String,
    pub before: Points,
    pub after: Points,
}

/// A member whose stars would change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mover {
    pub member_id: MemberId,
    pub name: String,
    pub branch: String,
    pub before: Standing,
    pub after: Standing,
    /// Why, in points: the categories that differ (credits included).
    pub categories: Vec<CategoryChange>,
    /// Why, in words.
    pub why: RuleChange,
}

/// The year's result under the proposed rulebook beside its own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comparison {
    /// Members at each number of stars, 0 to 5: now, and proposed.
    pub stars_before: [usize; 6],
    pub stars_after: [usize; 6],
    pub five_star_places_before: usize,
    pub five_star_places_after: usize,
    /// Members whose stars differ, most stars proposed first.
    pub movers: Vec<Mover>,
}

fn standing(rated: &crate::rating::MemberRating) -> Standing {
    Standing { stars: rated.stars, rank: rated.rank, total: rated.total, eligible: rated.eligible }
}

/// A member's points per category with credits counted where they count.
fn with_credits(rated: &crate::rating::MemberRating) -> BTreeMap<String, Points> {
    let mut categories = rated.categories.clone();
    for credit in &rated.credits {
        let key = credit.category.clone().unwrap_or_else(|| "(credit)".to_string());
        *categories.entry(key).or_default() += credit.points;
    }
    categories
}

/// Compares the year's rating with the rating under a proposed rulebook.
pub fn compare(before: &Rating, after: &Rating) -> Comparison {
    let mut stars_before = [0; 6];
    let mut stars_after = [0; 6];
    for m in &before.members {
        stars_before[usize::from(m.stars.min(5))] += 1;
    }
    for m in &after.members {
        stars_after[usize::from(m.stars.min(5))] += 1;
    }
    let mut movers: Vec<Mover> = before
        .members
        .iter()
        .filter_map(|was| {
            let will = after.member(was.member_id)?;
            if was.stars == will.stars {
                return None;
            }
            let (old, new) = (with_credits(was), with_credits(will));
            let mut keys: Vec<&String> = old.keys().chain(new.keys()).collect();
            keys.sort();
            keys.dedup();
            let categories = keys
                .into_iter()
                .filter_map(|key| {
                    let before = old.get(key).copied().unwrap_or_default();
                    let after = new.get(key).copied().unwrap_or_default();
                    (before != after).then(|| CategoryChange { category: key.clone(), before, after })
                })
                .collect();
            let (rank, places) = (will.rank.map_or_else(|| "—".to_string(), |r| r.to_string()), after.five_star_places);
            let why = if was.eligible != will.eligible {
                change("参评资格不同".into(), "rated differently".into())
            } else if was.total != will.total {
                change(format!("总分 {} → {}", was.total, will.total), format!("total {} → {}", was.total, will.total))
            } else if was.stars == 5 || will.stars == 5 {
                change(
                    format!("总分未变，名次第 {rank}；五星名额 {} → {places}", before.five_star_places),
                    format!("same total, rank {rank}; five-star places {} → {places}", before.five_star_places),
                )
            } else {
                change(
                    format!("总分 {} 未变，星级线不同", will.total),
                    format!("same total {}; the star lines differ", will.total),
                )
            };
            Some(Mover {
                why,
                member_id: was.member_id,
                name: was.name.clone(),
                branch: was.branch.clone(),
                before: standing(was),
                after: standing(will),
                categories,
            })
        })
        .collect();
    movers.sort_by(|a, b| {
        b.after.stars.cmp(&a.after.stars).then(a.after.rank.cmp(&b.after.rank)).then(a.member_id.cmp(&b.member_id))
    });
    Comparison {
        stars_before,
        stars_after,
        five_star_places_before: before.five_star_places,
        five_star_places_after: after.five_star_places,
        movers,
    }
}

/// One difference between two rulebooks, in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleChange {
    pub zh: String,
    pub en: String,
}

fn change(zh: String, en: String) -> RuleChange {
    RuleChange { zh, en }
}

fn cap(points: Option<Points>) -> String {
    points.map_or_else(|| "—".to_string(), |p| p.to_string())
}

/// What the proposed rulebook changes in what a rating counts: prices,
/// categories, caps, stars and who is rated. (Wording and the rules for
/// meetings, reviews and integrity votes do not change a past year's points
/// and are not listed.)
pub fn changes(current: &Rulebook, proposed: &Rulebook) -> Vec<RuleChange> {
    let mut out = Vec::new();
    for (key, old) in &current.rules {
        let Some(new) = proposed.rule(key) else {
            out.push(change(
                format!("删去规则「{}」（{key}）", old.name),
                format!("rule {key} ({}) removed", old.name),
            ));
            continue;
        };
        if old.points != new.points {
            let unit_zh = if new.per_hour { "每小时" } else { "每次" };
            let unit_en = if new.per_hour { "per hour" } else { "each" };
            out.push(change(
                format!("「{}」{unit_zh} {} 分 → {} 分", old.name, old.points, new.points),
                format!("{key}: {} → {} points {unit_en}", old.points, new.points),
            ));
        }
        if old.category != new.category {
            out.push(change(
                format!("「{}」改计入 {}（原 {}）", old.name, new.category, old.category),
                format!("{key} counts in {} (was {})", new.category, old.category),
            ));
        }
        if old.cap_per_month != new.cap_per_month {
            out.push(change(
                format!("「{}」每月上限 {} → {}", old.name, cap(old.cap_per_month), cap(new.cap_per_month)),
                format!("{key} monthly cap {} → {}", cap(old.cap_per_month), cap(new.cap_per_month)),
            ));
        }
        if old.cap_per_year != new.cap_per_year {
            out.push(change(
                format!("「{}」全年上限 {} → {}", old.name, cap(old.cap_per_year), cap(new.cap_per_year)),
                format!("{key} yearly cap {} → {}", cap(old.cap_per_year), cap(new.cap_per_year)),
            ));
        }
    }
    for (key, new) in proposed.rules.iter().filter(|(key, _)| current.rule(key).is_none()) {
        out.push(change(
            format!("新增规则「{}」（{key}），{} 分；往年无此记录", new.name, new.points),
            format!("new rule {key} ({}), {} points; the year has no entries of it", new.name, new.points),
        ));
    }
    for category in &proposed.categories {
        let old = current.category(&category.key).and_then(|c| c.cap_per_year);
        if old != category.cap_per_year {
            out.push(change(
                format!("{}全年上限 {} → {}", category.name, cap(old), cap(category.cap_per_year)),
                format!("category {} yearly cap {} → {}", category.key, cap(old), cap(category.cap_per_year)),
            ));
        }
    }
    let (old, new) = (&current.stars, &proposed.stars);
    if old.five_star_count != new.five_star_count || old.five_star_max_share_percent != new.five_star_max_share_percent
    {
        out.push(change(
            format!(
                "五星名额 {} 名（不超过 {}%）→ {} 名（不超过 {}%）",
                old.five_star_count,
                old.five_star_max_share_percent,
                new.five_star_count,
                new.five_star_max_share_percent
            ),
            format!(
                "five-star places {} (at most {}%) → {} (at most {}%)",
                old.five_star_count,
                old.five_star_max_share_percent,
                new.five_star_count,
                new.five_star_max_share_percent
            ),
        ));
    }
    for stars in 1..=4u8 {
        let line = |rules: &crate::rulebook::StarRules| {
            rules.thresholds.iter().find(|t| t.stars == stars).map(|t| t.min_points)
        };
        let (was, will) = (line(old), line(new));
        if was != will {
            out.push(change(
                format!("{stars} 星线 {} → {} 分", cap(was), cap(will)),
                format!("{stars}-star line {} → {} points", cap(was), cap(will)),
            ));
        }
    }
    if old.vetoes != new.vetoes {
        let list = |rules: &crate::rulebook::StarRules| {
            rules.vetoes.iter().map(|v| format!("{}≤{}★", v.rule, v.max_stars)).collect::<Vec<_>>().join("、")
        };
        out.push(change(
            format!("一票否决 {} → {}", list(old), list(new)),
            format!("vetoes {} → {}", list(old), list(new)),
        ));
    }
    if old.probationary_eligible != new.probationary_eligible {
        let zh = if new.probationary_eligible { "预备党员参加排名" } else { "预备党员不参加排名" };
        let en =
            if new.probationary_eligible { "probationary members ranked" } else { "probationary members not ranked" };
        out.push(change(zh.into(), en.into()));
    }
    if old.min_days_on_roll != new.min_days_on_roll {
        out.push(change(
            format!("在册天数下限 {} → {} 天", old.min_days_on_roll, new.min_days_on_roll),
            format!("days on the roll needed {} → {}", old.min_days_on_roll, new.min_days_on_roll),
        ));
    }
    if old.prorate_partial_year != new.prorate_partial_year {
        let zh = if new.prorate_partial_year { "不满一年按全年折算" } else { "不满一年不再折算" };
        let en =
            if new.prorate_partial_year { "part years scaled to a full year" } else { "part years no longer scaled" };
        out.push(change(zh.into(), en.into()));
    }
    if old.tie_break != new.tie_break {
        let list = |rules: &crate::rulebook::StarRules| {
            rules
                .tie_break
                .iter()
                .map(|t| match t {
                    TieBreak::Category(key) => format!("category:{key}"),
                    TieBreak::JoinedOn => "joined_on".to_string(),
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        out.push(change(
            format!("同分排序 {} → {}", list(old), list(new)),
            format!("tie-break {} → {}", list(old), list(new)),
        ));
    }
    if current.linking.exempt_credit != proposed.linking.exempt_credit {
        let zh = match proposed.linking.exempt_credit {
            ExemptCredit::Median => "免联户党员按中位数计联户分",
            ExemptCredit::None => "免联户党员不再计中位数",
        };
        let en = match proposed.linking.exempt_credit {
            ExemptCredit::Median => "exempt members credited the linked median",
            ExemptCredit::None => "exempt members no longer credited",
        };
        out.push(change(zh.into(), en.into()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rulebook::DEFAULT_RULEBOOK;

    fn edited(from: &str, to: &str) -> Rulebook {
        assert!(DEFAULT_RULEBOOK.contains(from), "fixture text {from:?} not in the default rulebook");
        Rulebook::parse(&DEFAULT_RULEBOOK.replacen(from, to, 1)).expect("edited rulebook parses")
    }

    fn month(member_id: MemberId, rule_key: &str, month: u8, tenths: i64, net_entries: i64) -> RuleMonth {
        RuleMonth { member_id, rule_key: rule_key.into(), month, points: Points::from_tenths(tenths), net_entries }
    }

    fn points_of(replay: &Replay, member: MemberId, rule: &str) -> Option<Points> {
        replay.scored.iter().find(|s| s.member_id == member && s.rule_key == rule).map(|s| s.points)
    }

    #[test]
    fn the_same_rulebook_gives_the_same_points() {
        let rulebook = Rulebook::default_rulebook();
        let rows = [
            month(MemberId::new(1), "meeting.group", 1, 10, 1),
            month(MemberId::new(1), "meeting.group", 2, 10, 1),
            month(MemberId::new(2), "meeting.lecture", 3, 40, 2),
        ];
        let replay = reprice(&rulebook, &rulebook, &rows);
        assert_eq!(points_of(&replay, MemberId::new(1), "meeting.group"), Some(Points::whole(2)));
        assert_eq!(points_of(&replay, MemberId::new(2), "meeting.lecture"), Some(Points::whole(4)));
        assert!(replay.dropped.is_empty());
        assert!(changes(&rulebook, &rulebook).is_empty());
    }

    #[test]
    fn a_new_price_scales_the_points_and_the_caps_still_hold() {
        let current = Rulebook::default_rulebook();
        // The lecture is worth 3 instead of 2, still capped at 8 a year.
        let proposed = edited(
            "key = \"meeting.lecture\"\nname = \"参加党课\"\ncategory = \"study\"\npoints = 2",
            "key = \"meeting.lecture\"\nname = \"参加党课\"\ncategory = \"study\"\npoints = 3",
        );
        let rows = [
            month(MemberId::new(1), "meeting.lecture", 3, 20, 1),
            month(MemberId::new(2), "meeting.lecture", 3, 80, 4),
        ];
        let replay = reprice(&current, &proposed, &rows);
        assert_eq!(points_of(&replay, MemberId::new(1), "meeting.lecture"), Some(Points::whole(3)));
        assert_eq!(
            points_of(&replay, MemberId::new(2), "meeting.lecture"),
            Some(Points::whole(8)),
            "12 capped at the yearly 8"
        );
        let words = changes(&current, &proposed);
        assert_eq!(words.len(), 1, "{words:?}");
        assert!(words[0].zh.contains("2 分 → 3 分"), "{}", words[0].zh);
    }

    #[test]
    fn a_monthly_cap_applies_per_month_and_deductions_are_never_capped() {
        let current = Rulebook::default_rulebook();
        // meeting.group: cap 1 a month; two in one month would have been
        // refused, so a proposed price of 2 counts at most 1 in that month.
        let proposed = edited(
            "key = \"meeting.group\"\nname = \"参加党小组会\"\ncategory = \"study\"\npoints = 1",
            "key = \"meeting.group\"\nname = \"参加党小组会\"\ncategory = \"study\"\npoints = 2",
        );
        let rows = [
            month(MemberId::new(1), "meeting.group", 1, 10, 1),
            month(MemberId::new(1), "meeting.group", 2, 10, 1),
            month(MemberId::new(3), "meeting.absent", 5, -40, 2),
        ];
        let replay = reprice(&current, &proposed, &rows);
        assert_eq!(
            points_of(&replay, MemberId::new(1), "meeting.group"),
            Some(Points::whole(2)),
            "1 + 1: each month at its cap"
        );
        assert_eq!(points_of(&replay, MemberId::new(3), "meeting.absent"), Some(Points::whole(-4)));
    }

    #[test]
    fn a_rule_the_proposal_drops_counts_nothing_and_is_named() {
        let current = Rulebook::default_rulebook();
        let rows =
            [month(MemberId::new(1), "meeting.lecture", 3, 20, 1), month(MemberId::new(1), "no.such.rule", 3, 20, 1)];
        let replay = reprice(&current, &current, &rows);
        assert_eq!(replay.dropped.get("no.such.rule"), Some(&1));
        assert_eq!(replay.scored.len(), 1);
    }

    #[test]
    fn a_moved_star_line_is_listed() {
        let current = Rulebook::default_rulebook();
        let proposed = edited("stars = 4\nmin_points = 80", "stars = 4\nmin_points = 85");
        let words = changes(&current, &proposed);
        assert_eq!(words.len(), 1, "{words:?}");
        assert_eq!(words[0].en, "4-star line 80 → 85 points");
    }
}
