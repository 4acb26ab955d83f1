//! `starledger import` and `starledger export`: the roll in from a
//! spreadsheet and out to one. Reading and writing cells is
//! `starledger-exchange`'s, what a file may change is the domain's and the
//! application's; this only translates and prints.

use super::{Context, year};
use crate::args::{ExportCommand, ImportArgs, ImportCommand};
use crate::failure::{Failure, Outcome};
use starledger_app::exports::{self, ExportKind};
use starledger_app::standings::Audience;
use starledger_app::{attendance_import, opening, roll_import, study_import};
use starledger_domain::duty;
use starledger_exchange::Kind;
use starledger_exchange::read::{display_name, read_file};
use starledger_exchange::write;

pub async fn import(context: &Context, command: ImportCommand) -> Outcome {
    let (kind, args) = match command {
        ImportCommand::Template { kind, out } => return template(&kind, &out),
        ImportCommand::Members(args) => (Kind::Members, args),
        ImportCommand::Households(args) => (Kind::Households, args),
        ImportCommand::Links(args) => (Kind::Links, args),
        ImportCommand::Opening { import, year: y } => return import_opening(context, import, y).await,
        ImportCommand::Study(args) => return import_study(context, args).await,
        ImportCommand::Attendance { import, meeting } => return import_attendance(context, import, meeting).await,
    };
    import_file(context, kind, args).await
}

async fn import_opening(context: &Context, args: ImportArgs, given_year: Option<i64>) -> Outcome {
    let store = context.open().await?;
    let (_, actor) = context.actor(&store, &args.by).await?;
    duty::may_administer(&actor, "import opening balances")?;
    let given_year = given_year.map(year).transpose()?;
    let sheets = read_file(&args.file).map_err(Failure::bad_input)?;
    let file = display_name(&args.file);
    let (records, problems, rows) = starledger_exchange::opening::parse(&file, &sheets);
    let mut tx = store.write().await?;
    let preview = opening::import(&mut tx, &actor, records, problems, given_year, args.commit).await?;
    report(tx, &file, rows, preview).await
}

fn template(kind: &str, out: &std::path::Path) -> Outcome {
    let table = write::template_table(kind)
        .ok_or_else(|| Failure::bad_input(format!("template \"{kind}\": use {}", write::TEMPLATE_KINDS.join(", "))))?;
    let sheet = table.sheet.clone();
    write::write(out, &[table]).map_err(Failure::failed)?;
    println!("wrote the {sheet} template to {}", out.display());
    Ok(())
}

async fn import_file(context: &Context, kind: Kind, args: ImportArgs) -> Outcome {
    let store = context.open().await?;
    let (_, actor) = context.actor(&store, &args.by).await?;
    duty::may_administer(&actor, "import the roll")?;
    let sheets = read_file(&args.file).map_err(Failure::bad_input)?;
    let file = display_name(&args.file);
    let (records, problems, rows) = starledger_exchange::roll::parse(kind, &file, &sheets);
    let mut tx = store.write().await?;
    let preview = roll_import::import(&mut tx, &actor, records, problems, args.commit).await?;
    report(tx, &file, rows, preview).await
}

async fn import_study(context: &Context, args: ImportArgs) -> Outcome {
    let store = context.open().await?;
    let (_, actor) = context.actor(&store, &args.by).await?;
    let sheets = read_file(&args.file).map_err(Failure::bad_input)?;
    let file = display_name(&args.file);
    let (records, problems, rows) = starledger_exchange::study::parse(&file, &sheets);
    let mut tx = store.write().await?;
    let preview = study_import::import(&mut tx, &actor, records, problems, args.commit).await?;
    report(tx, &file, rows, preview).await
}

async fn import_attendance(context: &Context, args: ImportArgs, meeting: Option<i64>) -> Outcome {
    let store = context.open().await?;
    let (_, actor) = context.actor(&store, &args.by).await?;
    let sheets = read_file(&args.file).map_err(Failure::bad_input)?;
    let file = display_name(&args.file);
    let (records, problems, rows) = starledger_exchange::attendance::parse(&file, &sheets);
    let mut tx = store.write().await?;
    let preview = attendance_import::import(&mut tx, &actor, records, problems, meeting, args.commit).await?;
    report(tx, &file, rows, preview).await
}

/// Prints what an import did or would do, and commits it when it was written.
async fn report(tx: starledger_store::WriteTx, file: &str, rows: usize, preview: roll_import::Preview) -> Outcome {
    let (add, change) = if preview.written { ("added", "changed") } else { ("would add", "would change") };
    println!("{file}: {rows} rows read");
    println!("{add} {}:", preview.added.len());
    for line in &preview.added {
        println!("  + {line}");
    }
    println!("{change} {}:", preview.changed.len());
    for line in &preview.changed {
        println!("  ~ {line}");
    }
    println!("unchanged: {}", preview.unchanged);
    for note in &preview.notes {
        println!("note: {note}");
    }
    if !preview.problems.is_empty() {
        for problem in &preview.problems {
            eprintln!("problem: {problem}");
        }
        drop(tx);
        return Err(Failure::refused(format!(
            "{} problems in {file}; correct the rows named above and import again",
            preview.problems.len()
        )));
    }
    if preview.written {
        tx.commit().await?;
        if preview.added.is_empty() && preview.changed.is_empty() {
            println!("nothing to change: the database already holds this file");
        } else {
            println!("written in one transaction");
        }
    } else {
        drop(tx);
        println!("dry run: nothing was written; add --commit to write it");
    }
    Ok(())
}

pub async fn export(context: &Context, command: ExportCommand) -> Outcome {
    let store = context.open().await?;
    let (kind, args) = match command {
        ExportCommand::Roll(args) => (ExportKind::Roll, args),
        ExportCommand::Households(args) => (ExportKind::Households, args),
        ExportCommand::Links(args) => (ExportKind::Links, args),
        ExportCommand::Standings(args) => (ExportKind::Standings, args),
        ExportCommand::Breakdown(args) => (ExportKind::Breakdown, args),
        ExportCommand::Ledger(args) => (ExportKind::Ledger, args),
        ExportCommand::Attendance(args) => (ExportKind::Attendance, args),
        ExportCommand::Volunteer(args) => (ExportKind::Volunteer, args),
    };
    let csv = match args.format.as_str() {
        "xlsx" => false,
        "csv" => true,
        other => return Err(Failure::bad_input(format!("--format {other}: use xlsx or csv"))),
    };
    // The operator (no --by) exports the whole community, as ever; an
    // account exports what the application lets it (a branch secretary,
    // their branch). Whole phone numbers only for the committee, on the record.
    let (community, actor) = match (&args.by, args.with_phones) {
        (Some(login), _) => {
            let (community, actor) = context.actor(&store, login).await?;
            (community, Some(actor))
        }
        (None, true) => return Err(Failure::bad_input("--with-phones needs --by LOGIN (a committee account)")),
        (None, false) => (context.community(&mut store.read().await?).await?, None),
    };
    let mut request = exports::Request::new(kind);
    if let Some(actor) = &actor {
        request.branch = exports::scope(actor, kind)?;
        request.audience = Audience::of(actor.role);
        if args.with_phones {
            exports::may_export_whole_phones(actor, kind)?;
        }
    }
    request.whole_phones = args.with_phones;
    request.year = args.year.map(year).transpose()?;
    request.from = args.from;
    request.until = args.until;
    if kind.needs_year() && request.year.is_none() {
        return Err(Failure::bad_input(format!("export {} needs --year", kind.key())));
    }
    let table = exports::table(&mut store.read().await?, community.id, &request).await?;
    let count = table.rows.len();
    if csv {
        write::write_csv(&args.out, &table).map_err(Failure::failed)?;
    } else {
        write::write(&args.out, &[table]).map_err(Failure::failed)?;
    }
    if args.with_phones {
        let actor = actor.as_ref().expect("checked above");
        let mut tx = store.write().await?;
        exports::audit_whole_phones(&mut tx, actor, kind, count).await?;
        tx.commit().await?;
    }
    let phones = if args.with_phones { "whole phone numbers (audited)" } else { "phones masked" };
    let scope = if request.branch.is_some() { ", your branch only" } else { "" };
    println!("wrote {count} rows of {} to {} ({phones}{scope})", kind.key(), args.out.display());
    Ok(())
}
