//! `starledger import` and `starledger export`: the roll in from a
//! spreadsheet and out to one. Reading and writing cells is
//! `starledger-exchange`'s, what a file may change is the domain's and the
//! application's; this only translates and prints.

use super::{Context, actor_label, year};
use crate::args::{ExportCommand, ImportArgs, ImportCommand};
use crate::failure::{Failure, Outcome};
use crate::output;
use starledger_app::roll_import;
use starledger_domain::duty;
use starledger_domain::org::{LinkingDuty, Member, Phone};
use starledger_exchange::Kind;
use starledger_exchange::read::{display_name, read_file};
use starledger_exchange::write::{self, Table, Value};
use starledger_store::{NoticeQueries, OrgQueries};

pub async fn import(context: &Context, command: ImportCommand) -> Outcome {
    let (kind, args) = match command {
        ImportCommand::Template { kind, out } => return template(&kind, &out),
        ImportCommand::Members(args) => (Kind::Members, args),
        ImportCommand::Households(args) => (Kind::Households, args),
        ImportCommand::Links(args) => (Kind::Links, args),
    };
    import_file(context, kind, args).await
}

fn template(kind: &str, out: &std::path::Path) -> Outcome {
    let kind = Kind::parse(kind)
        .ok_or_else(|| Failure::bad_input(format!("template \"{kind}\": use members, households or links")))?;
    write::template(out, kind).map_err(Failure::failed)?;
    println!("wrote the {} template to {}", kind.sheet_name(), out.display());
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
            println!("nothing to change: the roll already holds this file");
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
        ExportCommand::Roll(args) => ("roll", args),
        ExportCommand::Households(args) => ("households", args),
        ExportCommand::Links(args) => ("links", args),
        ExportCommand::Standings(args) => ("standings", args),
    };
    // Whole phone numbers leave the system only for the committee, on the record.
    let (community, actor) = match (&args.by, args.with_phones) {
        (Some(login), _) => {
            let (community, actor) = context.actor(&store, login).await?;
            (community, Some(actor))
        }
        (None, true) => return Err(Failure::bad_input("--with-phones needs --by LOGIN (a committee account)")),
        (None, false) => (context.community(&mut store.read().await?).await?, None),
    };
    if args.with_phones {
        let actor = actor.as_ref().expect("checked above");
        duty::may_administer(actor, "export whole phone numbers")?;
    }
    let phone = |raw: Option<&str>| -> Value {
        let parsed = raw.and_then(|p| Phone::parse(p).ok());
        match parsed {
            Some(p) if args.with_phones => Value::Text(p.as_str().to_string()),
            Some(p) => Value::Text(p.masked()),
            None => Value::Empty,
        }
    };
    let table = match kind {
        "roll" => {
            let mut reader = store.read().await?;
            let members: Vec<Member> = match args.year {
                Some(y) => {
                    let y = year(y)?;
                    reader.year_roll(community.id, y).await?.into_iter().filter(|m| m.days_on_roll(y) > 0).collect()
                }
                None => {
                    let today = output::today();
                    reader
                        .members(community.id)
                        .await?
                        .into_iter()
                        .filter(|m| m.left_on.is_none_or(|l| l >= today))
                        .collect()
                }
            };
            let groups = reader.party_groups(community.id).await?;
            let rows = members
                .iter()
                .map(|m| {
                    let group = m.party_group_id.and_then(|g| groups.iter().find(|(id, _, _)| *id == g));
                    let (post, exempt) = match &m.linking {
                        LinkingDuty::Linked => (None, None),
                        LinkingDuty::HoldsPost(post) => (Some(post.clone()), None),
                        LinkingDuty::Exempt(reason) => (None, Some(reason.clone())),
                    };
                    vec![
                        m.name.as_str().into(),
                        m.branch.as_str().into(),
                        group.map(|(_, _, n)| n.clone()).into(),
                        phone(m.phone.as_ref().map(|p| p.as_str())),
                        post.into(),
                        m.joined_on.map(|d| d.to_string()).into(),
                        (if m.probationary { "是" } else { "否" }).into(),
                        exempt.into(),
                    ]
                })
                .collect();
            Table { sheet: Kind::Members.sheet_name().into(), columns: write::columns(Kind::Members), rows }
        }
        "households" | "links" => {
            let mut reader = store.read().await?;
            let households = reader.households(community.id).await?;
            let members = reader.members(community.id).await?;
            if kind == "households" {
                let rows = households
                    .iter()
                    .map(|h| vec![h.address.as_str().into(), h.head_name.clone().into(), phone(h.phone.as_deref())])
                    .collect();
                Table { sheet: Kind::Households.sheet_name().into(), columns: write::columns(Kind::Households), rows }
            } else {
                let rows = households
                    .iter()
                    .filter_map(|h| {
                        let member = members.iter().find(|m| Some(m.id) == h.member_id)?;
                        Some(vec![
                            h.address.as_str().into(),
                            h.head_name.clone().into(),
                            member.name.as_str().into(),
                            member.branch.as_str().into(),
                        ])
                    })
                    .collect();
                Table { sheet: Kind::Links.sheet_name().into(), columns: write::columns(Kind::Links), rows }
            }
        }
        _ => {
            let y = args.year.ok_or_else(|| Failure::bad_input("export standings needs --year"))?;
            let y = year(y)?;
            let rating = super::rating::compute(&store, community.id, y).await?;
            let period = store.read().await?.period(community.id, y).await?.expect("compute found the period");
            let categories = &period.rulebook.categories;
            let mut columns = vec![("名次".to_string(), 6.0), ("姓名".into(), 10.0), ("所属支部".into(), 16.0)];
            columns.extend(categories.iter().map(|c| (c.name.clone(), 10.0)));
            columns.extend([("总分".to_string(), 8.0), ("星级".to_string(), 6.0)]);
            let rows = rating
                .members
                .iter()
                .map(|m| {
                    let mut row: Vec<Value> = vec![
                        m.rank.map(|r| Value::Number(f64::from(r))).unwrap_or(Value::Empty),
                        m.name.as_str().into(),
                        m.branch.as_str().into(),
                    ];
                    row.extend(
                        categories
                            .iter()
                            .map(|c| Value::Number(m.categories.get(&c.key).map(|p| p.as_f64()).unwrap_or(0.0))),
                    );
                    row.push(Value::Number(m.total.as_f64()));
                    row.push(Value::Number(f64::from(m.stars)));
                    row
                })
                .collect();
            Table { sheet: format!("{y}年星级评定"), columns, rows }
        }
    };
    let count = table.rows.len();
    write::write(&args.out, &[table]).map_err(Failure::failed)?;
    if args.with_phones {
        let actor = actor.as_ref().expect("checked above");
        let mut tx = store.write().await?;
        let detail = format!("export {kind} with whole phone numbers: {count} rows");
        tx.audit(Some(community.id), &actor_label(actor), "export.with_phones", &detail).await?;
        tx.commit().await?;
    }
    let phones = if args.with_phones { "whole phone numbers (audited)" } else { "phones masked" };
    println!("wrote {count} rows of {kind} to {} ({phones})", args.out.display());
    Ok(())
}
