//! `starledger explain`: every term of one member's total — the entries
//! with their source, recorder, rule and time, any cut to a category's cap,
//! the exemption credit and part-year scaling — adding up to the rating's
//! total. Nothing is hidden from the member.

use super::rating::compute;
use super::{Context, year};
use crate::args::ExplainArgs;
use crate::failure::Outcome;
use crate::output;
use serde::Serialize;
use starledger_domain::ledger::Actor;
use starledger_domain::org::{AccountId, BranchId, HouseholdId};
use starledger_domain::points::Points;
use starledger_store::{LedgerQueries, OrgQueries};
use std::collections::{BTreeMap, HashMap};

#[derive(Serialize)]
struct TermJson<'a> {
    kind: &'static str,
    category: Option<&'a str>,
    points: f64,
    reason: &'a str,
}

#[derive(Serialize)]
struct EntryJson {
    entry_id: i64,
    occurred_on: String,
    category: String,
    rule: String,
    rule_name: String,
    rulebook_version: String,
    points: f64,
    reason: String,
    source_kind: String,
    source_ref: String,
    recorded_by: String,
    recorder: String,
    recorded_at: String,
    reverses: Option<i64>,
    reversed_by: Option<i64>,
}

pub async fn explain(context: &Context, args: ExplainArgs) -> Outcome {
    let year = year(args.year)?;
    let store = context.open().await?;
    let mut reader = store.read().await?;
    let community = context.community(&mut reader).await?;
    let member = reader.member(community.id, args.member).await?;
    let entries = reader.member_entries(community.id, member.id, year).await?;
    let rulebook = reader.period(community.id, year).await?.map(|p| p.rulebook);
    let accounts: HashMap<AccountId, String> = reader
        .accounts(community.id)
        .await?
        .into_iter()
        .map(|a| (a.id, format!("{} ({})", a.name, a.role.label_zh())))
        .collect();
    let households: HashMap<HouseholdId, String> =
        reader.households(community.id).await?.into_iter().map(|h| (h.id, h.address)).collect();
    let branches: HashMap<BranchId, String> = reader.branches(community.id).await?.into_iter().collect();
    let recorder = |actor: Actor| match actor {
        Actor::Account(id) => accounts.get(&id).cloned().unwrap_or_else(|| format!("account {id}")),
        Actor::Household(id) => format!("联系户 {}", households.get(&id).cloned().unwrap_or_else(|| id.to_string())),
        Actor::BranchBallot(id) => {
            format!("{} 民主评议票决", branches.get(&id).cloned().unwrap_or_else(|| id.to_string()))
        }
        Actor::Decision(id) => format!("党委会决定（诚信档案 #{id}）"),
    };
    let reversed_by: HashMap<i64, i64> =
        entries.iter().filter_map(|e| e.draft.reverses.map(|original| (original, e.id))).collect();
    let rows: Vec<EntryJson> = entries
        .iter()
        .map(|e| {
            let d = &e.draft;
            EntryJson {
                entry_id: e.id,
                occurred_on: d.occurred_on.to_string(),
                category: d.category.clone(),
                rule: d.rule_key.clone(),
                rule_name: rulebook
                    .as_ref()
                    .and_then(|r| r.rule(&d.rule_key))
                    .map(|r| r.name.clone())
                    .unwrap_or_default(),
                rulebook_version: d.rulebook_version.clone(),
                points: d.points.as_f64(),
                reason: d.reason.clone(),
                source_kind: d.source_kind.clone(),
                source_ref: d.source_ref.clone(),
                recorded_by: d.recorded_by.to_string(),
                recorder: recorder(d.recorded_by),
                recorded_at: output::local_time(d.recorded_at),
                reverses: d.reverses,
                reversed_by: reversed_by.get(&e.id).copied(),
            }
        })
        .collect();
    let mut categories: BTreeMap<&str, Points> = BTreeMap::new();
    for e in &entries {
        *categories.entry(&e.draft.category).or_default() += e.draft.points;
    }
    let total: Points = categories.values().copied().sum();
    drop(reader);
    // The rating's own figures for this member: the terms that are not
    // entries come from the same computation as `rating`.
    let rating = match &rulebook {
        Some(_) => Some(compute(&store, community.id, year).await?),
        None => None,
    };
    let rated = rating.as_ref().and_then(|r| r.member(member.id));
    let terms = rated.map(|m| m.terms()).unwrap_or_default();
    if args.json {
        let categories: BTreeMap<&str, f64> = categories.iter().map(|(k, v)| (*k, v.as_f64())).collect();
        let term_rows: Vec<TermJson> = terms
            .iter()
            .map(|t| TermJson {
                kind: t.kind.as_str(),
                category: t.category.as_deref(),
                points: t.points.as_f64(),
                reason: &t.reason,
            })
            .collect();
        return output::json(&serde_json::json!({
            "member_id": member.id, "name": member.name.as_str(), "branch": member.branch, "year": year.get(),
            "ledger_total": total.as_f64(), "categories": categories, "entries": rows,
            "terms": term_rows,
            "total": rated.map(|m| m.total.as_f64()),
            "rank": rated.and_then(|m| m.rank),
            "stars": rated.map(|m| m.stars),
            "rated": rated.is_some_and(|m| m.rated),
            "reasons": rated.map(|m| m.reasons.iter().map(ToString::to_string).collect::<Vec<_>>()).unwrap_or_default(),
        }));
    }
    println!("{} ({}) · {} · {year}: ledger total {total}", member.name, member.id, member.branch);
    match rated {
        Some(m) => {
            println!("\nrating total {} = the sum of these terms:", m.total);
            for term in &terms {
                let category = term.category.as_deref().map(|c| format!("[{c}] ")).unwrap_or_default();
                println!("  {:>7}  {category}{} · {}", term.points.to_string(), term.kind.as_str(), term.reason);
            }
            let stars = "★".repeat(m.stars as usize) + &"☆".repeat(5 - m.stars as usize);
            let rank = m.rank.map_or_else(|| "not ranked".to_string(), |r| format!("rank {r}"));
            println!(
                "  {stars} · {rank}{}",
                if m.reasons.is_empty() {
                    String::new()
                } else {
                    format!(" · {}", m.reasons.iter().map(ToString::to_string).collect::<Vec<_>>().join("；"))
                }
            );
        }
        None => println!("\nnot on the roll in {year}: no rating total"),
    }
    for (category, points) in &categories {
        println!("\n[{category}] {points}");
        for row in rows.iter().filter(|r| r.category == *category) {
            let marks = match (row.reverses, row.reversed_by) {
                (Some(original), _) => format!("  (reverses #{original})"),
                (None, Some(reversal)) => format!("  (reversed by #{reversal})"),
                _ => String::new(),
            };
            println!(
                "  #{:<6} {}  {:>5}  {}  · {} · {}{} · by {} at {}{marks}",
                row.entry_id,
                row.occurred_on,
                Points::from_tenths((row.points * 10.0).round() as i64).to_string(),
                row.reason,
                row.rule,
                row.source_kind,
                if row.source_ref.is_empty() { String::new() } else { format!(" {}", row.source_ref) },
                row.recorder,
                row.recorded_at,
            );
        }
    }
    Ok(())
}
