//! Personal data past its retention period (docs/privacy.md): pseudonymizing
//! a member who left (`member pseudonymize`), and removing old claim files
//! and audit rows (`retention apply`), through `app::privacy` as the web
//! does.

use super::Context;
use crate::args::{RetentionArgs, RetentionCommand};
use crate::failure::Outcome;
use starledger_app::privacy::{self, Due};
use starledger_domain::org::MemberId;
use starledger_store::{OrgQueries, Store};

/// `member pseudonymize --member ID --by LOGIN [--yes]`: without `--yes`,
/// says what would be done and writes nothing.
pub async fn pseudonymize(
    context: &Context,
    store: &Store,
    member: MemberId,
    by: &str,
    yes: bool,
    retention: &RetentionArgs,
) -> Outcome {
    let (community, actor) = context.actor(store, by).await?;
    let periods = retention.periods();
    let plan = privacy::plan(&mut store.read().await?, &actor, member, &periods).await?;
    let accounts = if plan.accounts.is_empty() { "-".to_string() } else { plan.accounts.join(", ") };
    println!(
        "member {member} ({}) left the roll on {}: name becomes {}; phone, roll note and exemption reason removed; \
         {} claim files and the relatives' links removed; accounts disabled: {accounts}",
        plan.member.name, plan.left_on, plan.alias, plan.files
    );
    if !yes {
        println!("nothing written: run again with --yes to pseudonymize (it cannot be undone)");
        return Ok(());
    }
    let mut tx = store.write_in(community.id).await?;
    let alias = privacy::pseudonymize(&mut tx, &actor, member, &periods).await?;
    tx.commit().await?;
    println!("pseudonymized member {member} as {alias}; the ledger, seals and past results are unchanged");
    Ok(())
}

fn report(due: &Due, community: &str, dry_run: bool) {
    let verb = if dry_run { "would remove" } else { "removed" };
    println!(
        "{community}: {verb} {} files ({} bytes) of claims withdrawn or rejected before {}{}",
        due.files.len(),
        due.file_bytes(),
        due.files_before,
        if due.files.is_empty() {
            String::new()
        } else {
            format!(" (claims {})", due.files.iter().map(|f| f.claim_id.to_string()).collect::<Vec<_>>().join(", "))
        }
    );
    println!("{community}: {verb} {} audit rows written before {}", due.audit_rows, due.audit_before);
}

pub async fn retention(context: &Context, command: RetentionCommand) -> Outcome {
    let RetentionCommand::Apply { dry_run, retention } = command;
    let store = context.open().await?;
    let periods = retention.periods();
    let communities = match &context.community {
        Some(_) => vec![context.community(&mut store.read().await?).await?],
        None => store.read().await?.communities().await?,
    };
    for community in communities {
        let due = if dry_run {
            privacy::due(&mut store.read().await?, community.id, &periods).await?
        } else {
            let mut tx = store.write_in(community.id).await?;
            let due = privacy::apply(&mut tx, community.id, &periods, privacy::SYSTEM_ACTOR).await?;
            tx.commit().await?;
            due
        };
        report(&due, &community.name, dry_run);
    }
    if dry_run {
        println!("dry run: nothing written");
    }
    Ok(())
}
