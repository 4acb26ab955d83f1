//! `starledger store copy --from URL --to URL`: moves a whole installation
//! between stores (SQLite to PostgreSQL when a county joins a city-wide
//! deployment, or back). The copy is one transaction on the target; then
//! the ledger is verified at both ends and every year's standings compared.

use super::Context;
use super::ledger::failure_in_words;
use crate::args::StoreCommand;
use crate::failure::{Failure, Outcome};
use starledger_domain::rating::rate;
use starledger_store::{LedgerQueries, NoticeQueries, OpenMode, OrgQueries, Store, Target, manifest_path};

pub async fn store(context: &Context, command: StoreCommand) -> Outcome {
    let StoreCommand::Copy { from, to } = command;
    let (from, to) = (parse(&from)?, parse(&to)?);
    if from == to {
        return Err(Failure::bad_input("--from and --to name the same database"));
    }
    let source =
        Store::connect_within(&from, OpenMode::Existing, context.busy_timeout, context.connect_timeout).await?;
    // A source whose ledger does not verify is refused before the target
    // is even created: a copy of a tampered ledger is no installation.
    if let Err(failure) = refuse_unverified(&source).await {
        source.close().await;
        return Err(failure);
    }
    let target = Store::connect_within(&to, OpenMode::CreateNew, context.busy_timeout, context.connect_timeout).await?;
    let report = source.copy_into(&target).await;
    let outcome = match report {
        Ok(report) => check(&source, &target).await.map(|summary| (report, summary)),
        Err(error) => Err(error.into()),
    };
    source.close().await;
    target.close().await;
    let (report, summary) = outcome?;
    let rows: u64 = report.tables.iter().map(|(_, n)| n).sum();
    let entries = report.tables.iter().find(|(t, _)| *t == "ledger_entries").map_or(0, |(_, n)| *n);
    println!(
        "copied {rows} rows ({entries} ledger entries) from {} to {}",
        from.display().display(),
        to.display().display()
    );
    println!("{summary}");
    Ok(())
}

fn parse(text: &str) -> Result<Target, Failure> {
    Target::parse(text).map_err(|e| Failure::bad_input(e.to_string()))
}

/// Every community's ledger in the source, verified on one snapshot.
async fn refuse_unverified(source: &Store) -> Result<(), Failure> {
    let mut reader = source.snapshot().await?;
    for community in reader.communities().await? {
        let report = reader.verify(community.id).await?;
        if let Some(failure) = failure_in_words(&report, &format!(" on the source ({})", community.name)) {
            return Err(Failure::failed(format!("{failure}; nothing was copied")));
        }
    }
    Ok(())
}

/// Verifies both ledgers and compares the standings of every community's years.
async fn check(source: &Store, target: &Store) -> Result<String, Failure> {
    let mut lines = Vec::new();
    let mut from = source.read().await?;
    let mut to = target.read().await?;
    for community in from.communities().await? {
        for (side, reader) in [("source", &mut from), ("copy", &mut to)] {
            let report = reader.verify(community.id).await?;
            if let Some(failure) = failure_in_words(&report, &format!(" on the {side} ({})", community.name)) {
                return Err(Failure::failed(failure));
            }
        }
        for year in from.period_years(community.id).await? {
            let mut standings = Vec::new();
            for reader in [&mut from, &mut to] {
                let period = reader.period(community.id, year).await?.ok_or_else(|| Failure::failed("period lost"))?;
                let scored = reader.year_scored(community.id, year).await?;
                let roll = reader.year_roll(community.id, year).await?;
                standings.push(rate(year, &period.rulebook, &roll, &scored).digest());
            }
            if standings[0] != standings[1] {
                return Err(Failure::failed(format!("{} {year}: the standings differ after the copy", community.name)));
            }
        }
        lines.push(format!("{}: ledger intact at both ends, every year's standings identical", community.name));
    }
    Ok(lines.join("\n"))
}

/// `starledger backup --to FILE`.
pub async fn backup(context: &Context, file: &std::path::Path) -> Outcome {
    let store = context.open().await?;
    let manifest = store.backup_to(file, context.busy_timeout).await?;
    let entries: u64 = manifest.communities.iter().map(|c| c.entries).sum();
    println!(
        "backed up {} to {} at {}: {} communities, {entries} ledger entries, verified",
        context.target.display().display(),
        file.display(),
        manifest.taken_at,
        manifest.communities.len()
    );
    println!("manifest: {}", manifest_path(file).display());
    Ok(())
}

/// `starledger restore --from FILE --to TARGET [--force]`.
pub async fn restore(context: &Context, from: &std::path::Path, to: &str, force: bool) -> Outcome {
    let to = parse(to)?;
    let manifest = Store::restore(from, &to, force, context.busy_timeout).await?;
    let entries: u64 = manifest.communities.iter().map(|c| c.entries).sum();
    println!(
        "restored {} (taken {}) into {}: {} communities, {entries} ledger entries, verified against its manifest",
        from.display(),
        manifest.taken_at,
        to.display().display(),
        manifest.communities.len()
    );
    Ok(())
}
