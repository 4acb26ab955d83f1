//! Recording and reversing ledger entries by hand: the command parses, the
//! application layer decides and writes, in one transaction.

use super::Context;
use crate::args::{RecordArgs, ReverseArgs};
use crate::failure::Outcome;
use starledger_app::ledger::{self, HandEntry, Recorded};

pub async fn record(context: &Context, args: RecordArgs) -> Outcome {
    let store = context.open().await?;
    let (_, actor) = context.actor(&store, &args.by).await?;
    let mut tx = store.write().await?;
    let hand = HandEntry {
        member: args.member,
        rule_key: &args.rule,
        on: args.on,
        reference: &args.reference,
        reason: args.reason.clone(),
        idempotency_key: args.key.clone(),
    };
    match ledger::record_by_hand(&mut tx, &actor, hand).await? {
        Recorded::Already { id } => {
            println!("already recorded as entry {id} (same member, rule, date and ref); nothing written");
        }
        Recorded::New { entry, member } => {
            tx.commit().await?;
            let draft = &entry.draft;
            println!(
                "recorded entry {}: {} {} {} ({})",
                entry.id,
                member.name,
                signed(draft.points),
                draft.reason,
                draft.occurred_on
            );
        }
    }
    Ok(())
}

fn signed(points: starledger_domain::Points) -> String {
    if points.is_positive() { format!("+{points}") } else { points.to_string() }
}

pub async fn reverse(context: &Context, args: ReverseArgs) -> Outcome {
    if args.reason.trim().is_empty() {
        return Err(crate::failure::Failure::bad_input("--reason cannot be empty: say why the entry is reversed"));
    }
    let store = context.open().await?;
    let (_, actor) = context.actor(&store, &args.by).await?;
    let mut tx = store.write().await?;
    let (entry, member) = ledger::reverse(&mut tx, &actor, args.entry, &args.reason).await?;
    tx.commit().await?;
    println!(
        "recorded entry {}: reverses entry {} ({} {})",
        entry.id,
        entry.draft.reverses.unwrap_or_default(),
        member.name,
        signed(entry.draft.points)
    );
    Ok(())
}
