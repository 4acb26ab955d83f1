//! `starledger rating`: the year's star rating, recomputed from the ledger by
//! the year's frozen rulebook, as a table or as JSON.

use super::{Context, year};
use crate::args::RatingArgs;
use crate::failure::{Failure, Outcome};
use crate::output;
use serde::Serialize;
use starledger_domain::org::{CommunityId, Year};
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
    member_id: i64,
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
    let store = context.open().await?;
    let community = context.community(&mut store.read().await?).await?;
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
