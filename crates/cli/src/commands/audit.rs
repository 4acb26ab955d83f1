//! `starledger audit anomalies`: the year's anomaly flags, as words or as
//! JSON. The flags are `app::anomalies`'s; this only prints them.

use super::{Context, year};
use crate::args::AuditCommand;
use crate::failure::{Failure, Outcome};
use crate::output;
use serde::Serialize;
use starledger_app::anomalies::{self, Anomalies, Flag};
use starledger_domain::org::MemberId;
use std::collections::BTreeMap;

/// Said with every list of flags, in both languages.
const PROMPT_ZH: &str = "以下提示供人工核查，不是处分，也不改变任何积分、名次或星级。";
const PROMPT_EN: &str =
    "These flags are prompts for a person to look, never penalties; they change no point, rank or star.";

pub async fn audit(context: &Context, command: AuditCommand) -> Outcome {
    match command {
        AuditCommand::Anomalies { year: asked, json } => {
            let year = year(asked)?;
            let store = context.open().await?;
            let mut reader = store.read().await?;
            let community = context.community(&mut reader).await?;
            let found = anomalies::scan(&mut reader, community.id, year).await?.ok_or_else(|| {
                Failure::bad_input(format!(
                    "{community} has no year {year}: no period was opened for it; see `starledger period list`",
                    community = community.name
                ))
            })?;
            if json {
                return output::json(&to_json(&community.name, &found));
            }
            print_flags(&community.name, &found);
            Ok(())
        }
    }
}

#[derive(Serialize)]
struct AnomaliesJson<'a> {
    community: &'a str,
    year: i16,
    entries_read: usize,
    note_zh: &'static str,
    note_en: &'static str,
    flags: Vec<FlagJson<'a>>,
}

#[derive(Serialize)]
struct FlagJson<'a> {
    kind: &'static str,
    title_zh: &'static str,
    title_en: &'static str,
    seen_zh: &'a str,
    seen_en: &'a str,
    figures: BTreeMap<&'static str, &'a str>,
    members: &'a [MemberId],
    entries: &'a [i64],
}

fn to_json<'a>(community: &'a str, found: &'a Anomalies) -> AnomaliesJson<'a> {
    AnomaliesJson {
        community,
        year: found.year.get(),
        entries_read: found.entries_read,
        note_zh: PROMPT_ZH,
        note_en: PROMPT_EN,
        flags: found
            .flags
            .iter()
            .map(|f: &Flag| FlagJson {
                kind: f.kind.key(),
                title_zh: f.kind.zh(),
                title_en: f.kind.en(),
                seen_zh: &f.zh,
                seen_en: &f.en,
                figures: f.figures.iter().map(|(k, v)| (*k, v.as_str())).collect(),
                members: &f.members,
                entries: &f.entries,
            })
            .collect(),
    }
}

/// How many entry ids a flag prints before it says how many more there are.
const IDS_SHOWN: usize = 20;

fn print_flags(community: &str, found: &Anomalies) {
    println!(
        "{community} {} 年度异常提示 (anomaly flags): {} 条 (flags) · 读取 {} 条记录 (entries read)",
        found.year,
        found.flags.len(),
        found.entries_read
    );
    println!("{PROMPT_ZH}");
    println!("{PROMPT_EN}");
    if found.flags.is_empty() {
        println!();
        println!("没有发现需要提示的情况。(Nothing to flag.)");
    }
    for (n, flag) in found.flags.iter().enumerate() {
        println!();
        println!("{}. [{}] {} · {}", n + 1, flag.kind.key(), flag.kind.zh(), flag.kind.en());
        println!("   {}", flag.zh);
        println!("   {}", flag.en);
        let shown: Vec<String> = flag.entries.iter().take(IDS_SHOWN).map(ToString::to_string).collect();
        let more = flag.entries.len().saturating_sub(IDS_SHOWN);
        let more = if more > 0 { format!(" … (+{more})") } else { String::new() };
        println!("   条目 entries ({}): {}{more}", flag.entries.len(), shown.join(", "));
    }
}
