//! `starledger ledger verify`: recompute the hash chain and the projection;
//! anyone with the database can check that nothing was changed. With
//! `--against SEAL.json`, also against a year's seal kept outside the
//! database. `starledger ledger seal` prints a year's seal.

use super::Context;
use crate::args::{LedgerCommand, ReceiptCommand};
use crate::failure::{Failure, Outcome};
use starledger_domain::org::Year;
use starledger_domain::seal::{Receipt, Seal, Stage};
use starledger_store::{LedgerQueries, OrgQueries, SealQueries, VerifyReport};
use std::path::Path;

pub async fn ledger(context: &Context, command: LedgerCommand) -> Outcome {
    match command {
        LedgerCommand::Verify { against } => {
            verify(context).await?;
            match against {
                Some(path) => verify_against(context, &path).await,
                None => Ok(()),
            }
        }
        LedgerCommand::Seal { year, stage, compact } => seal(context, year, stage.as_deref(), compact).await,
    }
}

async fn verify(context: &Context) -> Outcome {
    let store = context.open().await?;
    // One snapshot for everything verify reads: a server writing meanwhile
    // would otherwise land between the chain and the stored totals and be
    // reported as a mismatch.
    let mut reader = store.snapshot().await?;
    // Each community keeps its own chain; a city's database checks them all
    // unless --community names one.
    let communities = match context.community {
        Some(_) => vec![context.community(&mut reader).await?],
        None => reader.communities().await?,
    };
    let several = communities.len() > 1;
    let mut entries = 0;
    // Printed only once every community has passed: a failure prints its
    // one line and nothing else.
    let mut intact = Vec::new();
    for community in communities {
        let report = reader.verify(community.id).await?;
        let whose = if several { format!(" ({})", community.name) } else { String::new() };
        if let Some(failure) = failure_in_words(&report, &whose) {
            return Err(Failure::failed(failure));
        }
        if several {
            intact.push(format!("{}: {} entries intact", community.name, report.entries_checked));
        }
        entries += report.entries_checked;
    }
    for line in intact {
        println!("{line}");
    }
    println!("ledger intact: {entries} entries, hash chain and totals verified");
    Ok(())
}

/// Recomputes the seal from the database and names where it differs.
async fn verify_against(context: &Context, path: &Path) -> Outcome {
    let text =
        std::fs::read_to_string(path).map_err(|e| Failure::bad_input(format!("--against {}: {e}", path.display())))?;
    let kept = Seal::from_json(&text).map_err(|e| Failure::bad_input(format!("--against {}: {e}", path.display())))?;
    // A compact seal (from a notice's QR code) carries the full seal's short
    // form, which is what people compare; its own digest would differ.
    let short = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v["short"].as_str().map(str::to_string))
        .unwrap_or_else(|| kept.short());
    let store = context.open().await?;
    let mut reader = store.snapshot().await?;
    let (_, now) = starledger_app::seals::recompute(&mut reader, &kept).await?;
    let differences = kept.differences(&now);
    if let Some(first) = differences.first() {
        let rest: Vec<String> = differences[1..].iter().map(ToString::to_string).collect();
        let more = if rest.is_empty() { String::new() } else { format!("; also: {}", rest.join("; ")) };
        return Err(Failure::failed(format!(
            "ledger verify FAILED against the {} seal of {} {} ({}): {first}{more}",
            kept.stage.key(),
            kept.community,
            kept.year,
            short
        )));
    }
    println!(
        "the {} seal of {} {} ({}) holds: {} entries, Merkle root {}",
        kept.stage.key(),
        kept.community,
        kept.year,
        short,
        kept.entries,
        kept.merkle_root
    );
    Ok(())
}

/// Prints a year's kept seal as JSON.
async fn seal(context: &Context, year: i64, stage: Option<&str>, compact: bool) -> Outcome {
    let stage = match stage {
        None => None,
        Some(text) => Some(
            Stage::parse(text)
                .ok_or_else(|| Failure::bad_input(format!("--stage: \"{text}\" is neither published nor finalized")))?,
        ),
    };
    let year = Year::new(year).map_err(|e| Failure::bad_input(format!("--year: {e}")))?;
    let store = context.open().await?;
    let mut reader = store.read().await?;
    let community = context.community(&mut reader).await?;
    let seals = reader.seals(community.id, year).await?;
    let seal = seals.iter().rev().find(|s| stage.is_none_or(|stage| s.stage == stage)).ok_or_else(|| {
        Failure::refused(format!(
            "{} {} has no {}seal: a year is sealed when it is published for public notice and when it is finalized",
            community.name,
            year,
            stage.map(|s| format!("{} ", s.key())).unwrap_or_default()
        ))
    })?;
    println!("{}", if compact { seal.compact().to_json() } else { seal.to_json() });
    Ok(())
}

/// What a failed verification found, in one line (`whose` names the
/// community when there are several); nothing when the ledger is intact.
pub fn failure_in_words(report: &VerifyReport, whose: &str) -> Option<String> {
    if let Some(broken) = &report.chain_break {
        return Some(format!(
            "ledger verify FAILED{whose} at entry {}: {broken} ({} entries before it are intact)",
            broken.entry_id(),
            report.entries_checked
        ));
    }
    let first = report.projection_mismatches.first()?;
    Some(format!(
        "ledger verify FAILED{whose}: stored total for member {}, {}, {} ({}) is {} but the ledger gives {} \
         ({} mismatching totals)",
        first.member_id,
        first.year,
        first.category,
        first.rule_key,
        first.stored.map(|p| p.to_string()).unwrap_or_else(|| "missing".into()),
        first.recomputed.map(|p| p.to_string()).unwrap_or_else(|| "nothing".into()),
        report.projection_mismatches.len()
    ))
}

/// `starledger receipt make | check`.
pub async fn receipt(context: &Context, command: ReceiptCommand) -> Outcome {
    match command {
        ReceiptCommand::Make { entry } => {
            let store = context.open().await?;
            let mut reader = store.snapshot().await?;
            let community = context.community(&mut reader).await?;
            let receipt = starledger_app::seals::receipt(&mut reader, community.id, entry, None).await?;
            println!("{}", serde_json::to_string(&receipt).map_err(Failure::failed)?);
            Ok(())
        }
        ReceiptCommand::Check { file, seal } => {
            let read = |path: &Path, what: &str| {
                std::fs::read_to_string(path).map_err(|e| Failure::bad_input(format!("{what} {}: {e}", path.display())))
            };
            let receipt: Receipt = serde_json::from_str(&read(&file, "receipt")?)
                .map_err(|e| Failure::bad_input(format!("{}: not a starledger receipt: {e}", file.display())))?;
            let seal = match &seal {
                Some(path) => Some(
                    Seal::from_json(&read(path, "--seal")?)
                        .map_err(|e| Failure::bad_input(format!("--seal {}: {e}", path.display())))?,
                ),
                None => None,
            };
            receipt.check(seal.as_ref()).map_err(|why| Failure::failed(format!("receipt check FAILED: {why}")))?;
            let against = match &seal {
                Some(seal) => format!("the {} seal {}", seal.stage.key(), seal.short()),
                None => format!("its root {} (give --seal to compare with the kept seal)", receipt.merkle_root),
            };
            println!(
                "receipt holds: entry {} ({}) is number {} of {} in {} {}, under {against}",
                receipt.entry.id,
                receipt.about,
                receipt.index + 1,
                receipt.tree_size,
                receipt.community,
                receipt.year
            );
            Ok(())
        }
    }
}
