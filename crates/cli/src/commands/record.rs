//! Recording and reversing ledger entries by hand. Every entry is priced by
//! the year's frozen rulebook; the domain decides whether the actor may
//! record it and whether a cap would be passed; then one transaction writes.

use super::{Context, actor_label};
use crate::args::{RecordArgs, ReverseArgs};
use crate::failure::{Failure, Outcome};
use crate::output;
use starledger_domain::duty::{self, Subject};
use starledger_domain::ledger::{Actor, EntryDraft};
use starledger_domain::org::Year;
use starledger_store::{Appended, LedgerQueries, OrgQueries, PeriodStatus};

pub async fn record(context: &Context, args: RecordArgs) -> Outcome {
    let store = context.open().await?;
    let (community, actor) = context.actor(&store, &args.by).await?;
    let year = Year::of(args.on);
    let mut reader = store.read().await?;
    let member = reader.member(community.id, args.member).await?;
    let period = match reader.period(community.id, year).await? {
        Some(period) if period.status == PeriodStatus::Open => period,
        Some(_) => return Err(Failure::refused(format!("{year} is closed; its points can no longer change"))),
        None => {
            return Err(Failure::refused(format!(
                "{} is not in an open year; open {year} first with `starledger period open {year} --rulebook FILE`",
                args.on
            )));
        }
    };
    drop(reader);
    if args.on > output::today() {
        return Err(Failure::refused(format!("{} is in the future; record events after they happen", args.on)));
    }
    let rulebook = &period.rulebook;
    let rule = rulebook.rule(&args.rule).ok_or_else(|| {
        Failure::bad_input(format!(
            "rule \"{}\" is not in rulebook {} of {year}; see `starledger rulebook show {year}`",
            args.rule, rulebook.version
        ))
    })?;
    duty::may_record(&actor, rule, Subject { member_id: member.id, branch_id: member.branch_id })?;
    if member.days_on_roll(year) == 0
        || member.joined_on.is_some_and(|j| j > args.on)
        || member.left_on.is_some_and(|l| l < args.on)
    {
        return Err(Failure::refused(format!("{} was not on the roll on {}", member.name, args.on)));
    }

    let key =
        args.key.clone().unwrap_or_else(|| format!("cli:{}:{}:{}:{}", member.id, rule.key, args.on, args.reference));
    let draft = EntryDraft {
        community_id: community.id,
        year: year.get(),
        member_id: member.id,
        category: rule.category.clone(),
        rule_key: rule.key.clone(),
        rulebook_version: rulebook.version.clone(),
        points: rule.points,
        reason: args.reason.clone().unwrap_or_else(|| rule.name.clone()),
        source_kind: rule.source.as_str().to_string(),
        source_ref: args.reference.clone(),
        recorded_by: Actor::Account(actor.id),
        recorded_at: output::now_seconds(),
        occurred_on: args.on,
        idempotency_key: key,
        reverses: None,
    };
    let mut tx = store.write().await?;
    // Caps are checked inside the write transaction, against what is there
    // now; the store answers a retry (the same event under the same key) as a
    // duplicate before any cap, so a retry is a success, not a cap breach.
    match tx.append_within_caps(draft, rulebook, rule).await?.map_err(Failure::refused)? {
        Appended::Duplicate(id) => {
            // A reversed event is not silently revived by repeating it.
            if let Some(reversal) = tx.reversal_of(community.id, id).await? {
                return Err(Failure::refused(format!(
                    "the same event was recorded as entry {id} and reversed by entry {reversal}; to record it \
                     again, give it a new --ref (or --key)"
                )));
            }
            println!("already recorded as entry {id} (same member, rule, date and ref); nothing written");
        }
        Appended::New(entry) => {
            let detail = format!("entry {} member {} rule {} {}", entry.id, member.id, rule.key, rule.points);
            tx.audit(Some(community.id), &actor_label(&actor), "ledger.record", &detail).await?;
            tx.commit().await?;
            println!(
                "recorded entry {}: {} {} {} ({})",
                entry.id,
                member.name,
                signed(rule.points),
                rule.name,
                args.on
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
        return Err(Failure::bad_input("--reason cannot be empty: say why the entry is reversed"));
    }
    let store = context.open().await?;
    let (community, actor) = context.actor(&store, &args.by).await?;
    let mut tx = store.write().await?;
    let original = tx.entry(community.id, args.entry).await?;
    let member = tx.member(community.id, original.draft.member_id).await?;
    let year = Year::new(i64::from(original.draft.year)).map_err(Failure::failed)?;
    if !matches!(tx.period(community.id, year).await?, Some(p) if p.status == PeriodStatus::Open) {
        return Err(Failure::refused(format!("{year} is closed; its points can no longer change")));
    }
    let already = tx.reversal_of(community.id, original.id).await?.is_some();
    duty::may_reverse(&actor, &original, Subject { member_id: member.id, branch_id: member.branch_id }, already)?;
    // The reversal keeps the original's date so that month caps net out.
    let draft = EntryDraft::reversal_of(
        &original,
        args.reason.trim().to_string(),
        Actor::Account(actor.id),
        output::now_seconds(),
        original.draft.occurred_on,
    );
    let Appended::New(entry) = tx.append_entry(draft).await? else {
        return Err(Failure::refused(format!("entry {} has already been reversed", original.id)));
    };
    let detail = format!("entry {} reverses {}: {}", entry.id, original.id, args.reason.trim());
    tx.audit(Some(community.id), &actor_label(&actor), "ledger.reverse", &detail).await?;
    tx.commit().await?;
    println!(
        "recorded entry {}: reverses entry {} ({} {})",
        entry.id,
        original.id,
        member.name,
        signed(entry.draft.points)
    );
    Ok(())
}
