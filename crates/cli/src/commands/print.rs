//! `starledger print`: certificates, the honour-roll poster, household
//! cards, sign-in sheets, paper rating forms and members' records as PDF files. The use cases (`starledger_app::print`) decide what
//! may be printed; this writes the file whole or not at all.

use super::Context;
use crate::args::{FontArgs, PrintCommand};
use crate::failure::{Failure, Outcome};
use starledger_app::print::{self, Asker};
use starledger_print::{Paper, PrintFont};
use std::path::Path;

fn font(args: &FontArgs) -> Result<PrintFont, Failure> {
    PrintFont::load(args.font.as_deref()).map_err(|e| match &args.font {
        Some(_) => Failure::bad_input(format!("--font: {e}")),
        None => Failure::failed(e),
    })
}

/// Writes beside the target and renames, so that a failure leaves no
/// half-written PDF behind.
fn write(out: &Path, pdf: &[u8]) -> Result<(), Failure> {
    let mut partial = out.as_os_str().to_owned();
    partial.push(".partial");
    let partial = std::path::PathBuf::from(partial);
    std::fs::write(&partial, pdf)
        .and_then(|()| std::fs::rename(&partial, out))
        .map_err(|e| Failure::failed(format!("--out {}: {e}", out.display())))
}

pub async fn print(context: &Context, command: PrintCommand) -> Outcome {
    let store = context.open().await?;
    match command {
        PrintCommand::Certificates { year, out, font: font_args } => {
            let font = font(&font_args)?;
            let mut reader = store.read().await?;
            let community = context.community(&mut reader).await?;
            let pdf = print::certificates_pdf(&mut reader, Asker::Operator(community.id), year, &font).await?;
            write(&out, &pdf)?;
            println!("wrote {}: {year} five-star certificates of {}", out.display(), community.name);
        }
        PrintCommand::HonourRoll { year, paper, out, font: font_args } => {
            let paper = Paper::parse(&paper)
                .ok_or_else(|| Failure::bad_input(format!("--paper: \"{paper}\" is not A4 or A3")))?;
            let font = font(&font_args)?;
            let mut reader = store.read().await?;
            let community = context.community(&mut reader).await?;
            let pdf = print::honour_roll_pdf(&mut reader, Asker::Operator(community.id), year, paper, &font).await?;
            write(&out, &pdf)?;
            println!("wrote {}: the {year} honour roll of {}", out.display(), community.name);
        }
        PrintCommand::Record { member, year, by, out, font: font_args } => {
            let (_, actor) = context.actor(&store, &by).await?;
            let font = font(&font_args)?;
            let mut reader = store.read().await?;
            let pdf = starledger_app::record::record_pdf(&mut reader, &actor, member, year, &font).await?;
            write(&out, &pdf)?;
            println!("wrote {}: the {year} record of member {member}", out.display());
        }
        PrintCommand::SignIn { meeting, by, public_url, out, font: font_args } => {
            let (_, actor) = context.actor(&store, &by).await?;
            let font = font(&font_args)?;
            let mut reader = store.read().await?;
            let public_url = public_url.trim_end_matches('/');
            let pdf = starledger_app::meetings::sign_in_pdf(&mut reader, &actor, meeting, public_url, &font).await?;
            write(&out, &pdf)?;
            println!("wrote {}: the sign-in sheet of meeting {meeting}", out.display());
        }
        PrintCommand::Forms { branch, by, out, font: font_args } => {
            let (_, actor) = context.actor(&store, &by).await?;
            let font = font(&font_args)?;
            let mut tx = store.write().await?;
            let printed = starledger_app::paper_forms::print(&mut tx, &actor, branch, &font).await?;
            // The file first: an audit row for forms nobody holds would mislead.
            write(&out, &printed.pdf)?;
            tx.commit().await?;
            let window = &printed.window;
            println!(
                "wrote {}: {} paper rating forms for {} to {}",
                out.display(),
                printed.forms,
                window.starts_on,
                window.ends_on
            );
            if printed.replaced > 0 {
                println!(
                    "{} of them replace forms printed before for this window: the old forms can no longer be entered",
                    printed.replaced
                );
            }
            if printed.already_rated > 0 {
                println!("{} households have already rated in this window and get no form", printed.already_rated);
            }
        }
        PrintCommand::Cards { branch, by, public_url, out, font: font_args } => {
            let (_, actor) = context.actor(&store, &by).await?;
            let font = font(&font_args)?;
            let mut tx = store.write().await?;
            let printed = print::cards_pdf(&mut tx, &actor, branch, &public_url, &font).await?;
            // The file first: an audit row for cards nobody holds would mislead.
            write(&out, &printed.pdf)?;
            tx.commit().await?;
            println!("wrote {}: {} household cards", out.display(), printed.cards);
            if printed.replaced > 0 {
                println!(
                    "{} of them were printed before: they have new links, and the old cards no longer work",
                    printed.replaced
                );
            }
            if printed.without_link > 0 {
                println!(
                    "{} linked households have no live link and no card: issue their links first",
                    printed.without_link
                );
            }
        }
    }
    Ok(())
}
