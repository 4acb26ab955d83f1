//! Rating years and their rulebooks. A year is opened with a rulebook file,
//! whose exact text is frozen into it.

use super::{Context, actor_label, year};
use crate::args::{PeriodCommand, RulebookCommand};
use crate::failure::{Failure, Outcome};
use starledger_domain::duty;
use starledger_domain::rulebook::{DEFAULT_RULEBOOK, Rulebook};
use starledger_store::{OrgQueries, PeriodStatus};
use std::path::Path;

/// Reads and checks a rulebook file; errors name the file, line and field.
pub fn read_rulebook(path: &Path) -> Result<(String, Rulebook), Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::bad_input(format!("cannot read rulebook {}: {e}", path.display())))?;
    let rulebook = Rulebook::parse(&text).map_err(|e| Failure::bad_input(format!("{}: {e}", path.display())))?;
    Ok((text, rulebook))
}

pub async fn period(context: &Context, command: PeriodCommand) -> Outcome {
    match command {
        PeriodCommand::Open { year: raw_year, rulebook, by } => {
            let year = year(raw_year)?;
            // The file is checked before the database is touched.
            let (text, parsed) = read_rulebook(&rulebook)?;
            let store = context.open().await?;
            let (community, actor) = context.actor(&store, &by).await?;
            duty::may_administer(&actor, "open a rating year")?;
            let mut tx = store.write().await?;
            tx.open_period(community.id, year, &text, &parsed, &actor_label(&actor)).await?;
            let detail = format!("{year} with rulebook {} sha256 {}", parsed.version, parsed.sha256);
            tx.audit(Some(community.id), &actor_label(&actor), "period.open", &detail).await?;
            tx.commit().await?;
            println!(
                "opened {year} with rulebook {} ({} rules, sha256 {})",
                parsed.version,
                parsed.rules.len(),
                &parsed.sha256[..12]
            );
        }
        PeriodCommand::List => {
            let store = context.open().await?;
            let mut reader = store.read().await?;
            let community = context.community(&mut reader).await?;
            for year in reader.period_years(community.id).await? {
                if let Some(period) = reader.period(community.id, year).await? {
                    let status = match period.status {
                        PeriodStatus::Open => "open",
                        PeriodStatus::Closed => "closed",
                    };
                    println!(
                        "{year}\t{status}\trulebook {}\tsha256 {}",
                        period.rulebook.version,
                        &period.rulebook.sha256[..12]
                    );
                }
            }
        }
    }
    Ok(())
}

pub async fn rulebook(context: &Context, command: RulebookCommand) -> Outcome {
    match command {
        RulebookCommand::Default => print!("{DEFAULT_RULEBOOK}"),
        RulebookCommand::Check { file } => {
            let (_, rulebook) = read_rulebook(&file)?;
            summarize(&rulebook);
        }
        RulebookCommand::Show { year: raw_year } => {
            let year = year(raw_year)?;
            let store = context.open().await?;
            let mut reader = store.read().await?;
            let community = context.community(&mut reader).await?;
            let period = reader
                .period(community.id, year)
                .await?
                .ok_or_else(|| Failure::bad_input(format!("{year} has no period; see `starledger period list`")))?;
            summarize(&period.rulebook);
        }
    }
    Ok(())
}

fn summarize(rulebook: &Rulebook) {
    println!("{} — version {} (sha256 {})", rulebook.title, rulebook.version, rulebook.sha256);
    for category in &rulebook.categories {
        let cap = category.cap_per_year.map(|c| format!(", at most {c} a year")).unwrap_or_default();
        println!("\n[{}] {}{cap}", category.key, category.name);
        for rule in rulebook.rules.values().filter(|r| r.category == category.key) {
            let mut caps = Vec::new();
            if let Some(cap) = rule.cap_per_month {
                caps.push(format!("≤{cap}/month"));
            }
            if let Some(cap) = rule.cap_per_year {
                caps.push(format!("≤{cap}/year"));
            }
            let by: Vec<&str> = rule.recorded_by.iter().map(|r| r.as_str()).collect();
            let by = if by.is_empty() { format!("only {}", rule.source) } else { by.join(", ") };
            println!("  {:<32} {:>6}  {}  [{}] {}", rule.key, rule.points.to_string(), rule.name, by, caps.join(" "));
        }
    }
    let stars = &rulebook.stars;
    println!(
        "\nfive stars: top {} eligible, at most {}% of them; notice {} days",
        stars.five_star_count, stars.five_star_max_share_percent, stars.notice_days
    );
    for threshold in &stars.thresholds {
        println!("{} stars: at least {} points", threshold.stars, threshold.min_points);
    }
}
