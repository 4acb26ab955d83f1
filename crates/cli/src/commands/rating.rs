//! `starledger rating`: the year's star rating, recomputed from the ledger by
//! the year's frozen rulebook, as a table or as JSON.

use super::{Context, year};
use crate::args::RatingArgs;
use crate::failure::{Failure, Outcome};
use crate::output;
use serde::Serialize;
use starledger_app::what_if::WhatIf;
use starledger_domain::org::{CommunityId, MemberId, Year};
use starledger_domain::rating::{Rating, rate};
use starledger_store::{LedgerQueries, NoticeQueries, OrgQueries, Store};
use std::collections::BTreeMap;

pub async fn compute(store: &Store, community: CommunityId, year: Year) -> Result<Rating, Failure> {
    let mut reader = store.read().await?;
    let period = reader
        .period(community, year)
        .await?
        .ok_or_else(|| Failure::bad_input(format!("{year} has no period; see `starledger period list`")))?;
    let members = reader.year_roll(community, year).await?;
    let entries = reader.year_scored(community, year).await?;
    Ok(rate(year, &period.rulebook, &members, &entries))
}

#[derive(Serialize)]
struct RatingJson<'a> {
    year: i16,
    rulebook_version: &'a str,
    rulebook_sha256: &'a str,
    eligible_count: usize,
    five_star_places: usize,
    members: Vec<MemberJson<'a>>,
}

#[derive(Serialize)]
struct MemberJson<'a> {
    member_id: MemberId,
    name: &'a str,
    branch: &'a str,
    categories: BTreeMap<&'a str, f64>,
    over_cap: BTreeMap<&'a str, f64>,
    credits: Vec<CreditJson<'a>>,
    total: f64,
    rank: Option<u32>,
    stars: u8,
    eligible: bool,
    rated: bool,
    /// As the words the table prints (Chinese, with English).
    reasons: Vec<String>,
}

#[derive(Serialize)]
struct CreditJson<'a> {
    kind: &'static str,
    category: Option<&'a str>,
    points: f64,
    reason: &'a str,
}

fn to_json(rating: &Rating) -> RatingJson<'_> {
    RatingJson {
        year: rating.year.get(),
        rulebook_version: &rating.rulebook_version,
        rulebook_sha256: &rating.rulebook_sha256,
        eligible_count: rating.eligible_count,
        five_star_places: rating.five_star_places,
        members: rating
            .members
            .iter()
            .map(|m| MemberJson {
                member_id: m.member_id,
                name: &m.name,
                branch: &m.branch,
                categories: m.categories.iter().map(|(k, v)| (k.as_str(), v.as_f64())).collect(),
                over_cap: m.over_cap.iter().map(|(k, v)| (k.as_str(), v.as_f64())).collect(),
                credits: m
                    .credits
                    .iter()
                    .map(|c| CreditJson {
                        kind: c.kind.as_str(),
                        category: c.category.as_deref(),
                        points: c.points.as_f64(),
                        reason: &c.reason,
                    })
                    .collect(),
                total: m.total.as_f64(),
                rank: m.rank,
                stars: m.stars,
                eligible: m.eligible,
                rated: m.rated,
                reasons: m.reasons.iter().map(ToString::to_string).collect(),
            })
            .collect(),
    }
}

pub async fn rating(context: &Context, args: RatingArgs) -> Outcome {
    let year = year(args.year)?;
    // A proposed rulebook is checked before the database is touched.
    let proposed = args.rulebook.as_deref().map(super::period::read_rulebook).transpose()?;
    let store = context.open().await?;
    let mut reader = store.read().await?;
    let community = context.community(&mut reader).await?;
    if let Some((_, proposed)) = proposed {
        let what_if = starledger_app::what_if::what_if(&mut reader, community.id, year, proposed).await?;
        if args.json {
            return output::json(&what_if_json(&what_if));
        }
        print_what_if(&community.name, &what_if);
        return Ok(());
    }
    drop(reader);
    let rating = compute(&store, community.id, year).await?;
    if args.json {
        return output::json(&to_json(&rating));
    }
    print_honour_roll(&community.name, &rating);
    println!();
    print_table(&rating);
    Ok(())
}

/// The five-star members, as read out at the ceremony.
pub fn print_honour_roll(community: &str, rating: &Rating) {
    println!("{community} {} 年度五星级党员光荣榜 (honour roll, rulebook {})", rating.year, rating.rulebook_version);
    for m in rating.five_star() {
        println!(
            "  {:>2}. {} {}  {:>6} 分",
            m.rank.unwrap_or(0),
            output::pad(&m.name, 8),
            output::pad(&m.branch, 22),
            m.total.to_string()
        );
    }
    let mut by_stars = [0usize; 6];
    for m in &rating.members {
        by_stars[m.stars as usize] += 1;
    }
    println!(
        "  五星 {} 名 · 四星 {} · 三星 {} · 二星 {} · 一星 {} · 未评星 {}（参评 {} 名，共 {} 名）",
        by_stars[5],
        by_stars[4],
        by_stars[3],
        by_stars[2],
        by_stars[1],
        by_stars[0],
        rating.eligible_count,
        rating.members.len()
    );
}

fn print_table(rating: &Rating) {
    let categories: Vec<&String> = rating.members.first().map(|m| m.categories.keys().collect()).unwrap_or_default();
    let header: Vec<String> = categories.iter().map(|c| format!("{c:>9}")).collect();
    println!(
        "{:>4}  {:>5}  {}  {}  {:>7}  {:>7}  stars  note",
        "rank",
        "id",
        output::pad("name", 8),
        header.join(""),
        "credit",
        "total"
    );
    for m in &rating.members {
        let cells: Vec<String> = m.categories.values().map(|p| format!("{:>9}", p.to_string())).collect();
        let credit: starledger_domain::Points = m.credits.iter().map(|c| c.points).sum();
        println!(
            "{:>4}  {:>5}  {}  {}  {:>7}  {:>7}  {}  {}",
            m.rank.map(|r| r.to_string()).unwrap_or_else(|| "-".into()),
            m.member_id,
            output::pad(&m.name, 8),
            cells.join(""),
            credit.to_string(),
            m.total.to_string(),
            "★".repeat(m.stars as usize) + &"☆".repeat(5 - m.stars as usize),
            m.reasons.iter().map(ToString::to_string).collect::<Vec<_>>().join("；")
        );
    }
}

#[derive(Serialize)]
struct WhatIfJson<'a> {
    year: i16,
    rulebook_version: &'a str,
    rulebook_sha256: &'a str,
    proposed_version: &'a str,
    proposed_sha256: &'a str,
    changes: Vec<&'a str>,
    dropped_rules: &'a BTreeMap<String, i64>,
    stars_before: [usize; 6],
    stars_after: [usize; 6],
    five_star_places_before: usize,
    five_star_places_after: usize,
    movers: Vec<MoverJson<'a>>,
    /// The whole rating under the proposed rulebook, as `rating --json`.
    proposed: RatingJson<'a>,
}

#[derive(Serialize)]
struct MoverJson<'a> {
    member_id: MemberId,
    name: &'a str,
    branch: &'a str,
    stars_before: u8,
    stars_after: u8,
    rank_before: Option<u32>,
    rank_after: Option<u32>,
    total_before: f64,
    total_after: f64,
    /// Category → [before, after], for the categories that differ.
    categories: BTreeMap<&'a str, [f64; 2]>,
    why: &'a str,
}

fn what_if_json(what_if: &WhatIf) -> WhatIfJson<'_> {
    let c = &what_if.comparison;
    WhatIfJson {
        year: what_if.year.get(),
        rulebook_version: &what_if.current.version,
        rulebook_sha256: &what_if.current.sha256,
        proposed_version: &what_if.proposed.version,
        proposed_sha256: &what_if.proposed.sha256,
        changes: what_if.changes.iter().map(|change| change.en.as_str()).collect(),
        dropped_rules: &what_if.dropped,
        stars_before: c.stars_before,
        stars_after: c.stars_after,
        five_star_places_before: c.five_star_places_before,
        five_star_places_after: c.five_star_places_after,
        movers: c
            .movers
            .iter()
            .map(|m| MoverJson {
                member_id: m.member_id,
                name: &m.name,
                branch: &m.branch,
                stars_before: m.before.stars,
                stars_after: m.after.stars,
                rank_before: m.before.rank,
                rank_after: m.after.rank,
                total_before: m.before.total.as_f64(),
                total_after: m.after.total.as_f64(),
                categories: m
                    .categories
                    .iter()
                    .map(|k| (k.category.as_str(), [k.before.as_f64(), k.after.as_f64()]))
                    .collect(),
                why: &m.why.en,
            })
            .collect(),
        proposed: to_json(&what_if.after),
    }
}

fn stars(n: u8) -> String {
    "★".repeat(usize::from(n)) + &"☆".repeat(5 - usize::from(n.min(5)))
}

fn print_what_if(community: &str, what_if: &WhatIf) {
    let c = &what_if.comparison;
    println!(
        "{community} {} 年度：按拟用规则 {} 重算（当年规则 {}）；只读，不写入任何数据 (what if; nothing is written)",
        what_if.year, what_if.proposed.version, what_if.current.version
    );
    if what_if.changes.is_empty() {
        println!("  两份规则对积分与星级的计算相同 (the rulebooks rate alike)");
    }
    for change in &what_if.changes {
        println!("  · {}", change.zh);
    }
    for (rule, entries) in &what_if.dropped {
        println!("  · 拟用规则没有 {rule}：当年 {entries} 条记录不再计分");
    }
    println!(
        "  五星名额 {} → {}；各星级人数（五星到未评星）{:?} → {:?}",
        c.five_star_places_before,
        c.five_star_places_after,
        c.stars_before.iter().rev().collect::<Vec<_>>(),
        c.stars_after.iter().rev().collect::<Vec<_>>()
    );
    println!("  星级变化 {} 人 (members whose stars change):", c.movers.len());
    for m in &c.movers {
        let why: Vec<String> =
            m.categories.iter().map(|k| format!("{} {}→{}", k.category, k.before, k.after)).collect();
        println!(
            "  {:>5}  {}  {}  {} → {}  {:>6} → {:>6} 分  {}  {}",
            m.member_id,
            output::pad(&m.name, 8),
            output::pad(&m.branch, 22),
            stars(m.before.stars),
            stars(m.after.stars),
            m.before.total.to_string(),
            m.after.total.to_string(),
            m.why.zh,
            why.join("，")
        );
    }
}
