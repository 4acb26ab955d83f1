//! `starledger ledger verify`: recompute the hash chain and the projection;
//! anyone with the database can check that nothing was changed.

use super::Context;
use crate::args::LedgerCommand;
use crate::failure::{Failure, Outcome};
use starledger_store::{LedgerQueries, OrgQueries, VerifyReport};

pub async fn ledger(context: &Context, command: LedgerCommand) -> Outcome {
    let LedgerCommand::Verify = command;
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
