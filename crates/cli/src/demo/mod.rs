//! `starledger demo`: builds a fresh, deterministic demo community modelled
//! on the article's 十里社区 — six branches, about 216 members, some 1,300
//! households, two full years of events — and prints the latest honour roll.
//! The same seed always builds the same ledger, down to its last hash.

pub(crate) mod names;
mod notice;
mod recorder;
mod roll;
mod year;

use crate::args::DemoArgs;
use crate::commands::{Context, rating};
use crate::failure::{Failure, Outcome};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use roll::Story;
use starledger_domain::org::{CommunityId, Year};
use starledger_domain::regions::RegionPath;
use starledger_domain::rulebook::{DEFAULT_RULEBOOK, Rulebook};
use starledger_store::{OpenMode, OrgQueries, RatingQueries, Store, Target, WriteTx};
use std::path::Path;

/// Every demo account's password; printed with the logins.
pub const DEMO_PASSWORD: &str = "starledger-demo";

/// Where the demo community sits in the organization tree: the article's
/// city, with a district and street named as examples.
pub const DEMO_REGION: &str = "许昌市/示例区/示例街道";

/// The city organization department's account, which sees the figures of
/// every community below the city and nothing else.
pub const CITY_LOGIN: &str = "city";

/// The demo's two years of history, the two before the clock's year (on
/// the tests' stated day in 2026, 2024 and 2025); the last is "this year"
/// of the story, finalized with its honour roll.
pub fn history() -> [i64; 2] {
    let this_year = i64::from(crate::output::today().year());
    [this_year - 2, this_year - 1]
}

/// The first year ran on an earlier revision of the rulebook, with a lower
/// volunteer cap; the committee raised it the next year to reward steady
/// service.
fn rulebook_text(year: i64) -> String {
    if year == history()[1] {
        return DEFAULT_RULEBOOK.to_string();
    }
    let version = format!("version = \"{year}.1\"");
    let revised = DEFAULT_RULEBOOK.replacen("version = \"2026.1\"", &version, 1).replacen(
        "name = \"志愿服务\"          # 秸秆禁烧、环境整治、文明创建、爱心捐资、看望慰问\ncap_per_year = 40",
        "name = \"志愿服务\"          # 秸秆禁烧、环境整治、文明创建、爱心捐资、看望慰问\ncap_per_year = 30",
        1,
    );
    assert_ne!(revised, DEFAULT_RULEBOOK, "the first year's revision applies to the default rulebook");
    revised
}

/// Puts the community into the city's tree, gives the city an overseer and
/// computes the figures the city reads.
async fn place_in_city(tx: &mut WriteTx, community: CommunityId, password_hash: &str) -> Result<(), Failure> {
    let street = RegionPath::parse(DEMO_REGION).map_err(Failure::failed)?;
    let street_id = tx.ensure_region(&street).await?;
    tx.place_community(community, street_id).await?;
    let city = RegionPath::parse(&street.names()[0]).map_err(Failure::failed)?;
    let city_id = tx.ensure_region(&city).await?;
    let overseer = tx.add_overseer(city_id, CITY_LOGIN, "市委组织部").await?;
    tx.set_password(overseer, password_hash, false).await?;
    tx.refresh_stats(community, starledger_app::clock::now()).await?;
    Ok(())
}

/// A demo database may be rebuilt; any other file at the path is left alone.
async fn clear_previous(context: &Context) -> Result<(), Failure> {
    // A PostgreSQL database must be empty for the demo; opening it as new checks that.
    let Target::Sqlite(path) = &context.target else { return Ok(()) };
    if !path.exists() {
        return Ok(());
    }
    let store = Store::open(path, OpenMode::Existing, context.busy_timeout).await?;
    let kind = store.read().await?.meta("kind").await?;
    store.close().await;
    if kind.as_deref() != Some("demo") {
        return Err(Failure::refused(format!(
            "{} exists and is not a starledger demo database; choose another path with --db",
            path.display()
        )));
    }
    for suffix in ["", "-wal", "-shm"] {
        let file = format!("{}{suffix}", path.display());
        if Path::new(&file).exists() {
            std::fs::remove_file(&file).map_err(|e| Failure::failed(format!("cannot remove {file}: {e}")))?;
        }
    }
    Ok(())
}

pub async fn run(context: &Context, args: DemoArgs) -> Outcome {
    clear_previous(context).await?;
    let store = context.create().await?;
    let mut rng = ChaCha8Rng::seed_from_u64(args.seed);
    let mut tx = store.write().await?;
    tx.set_meta("kind", "demo").await?;
    tx.set_meta("demo_seed", &args.seed.to_string()).await?;
    let roll = roll::build(&mut tx, &mut rng).await?;
    let (mut written, mut capped) = (0, 0);
    for (index, raw_year) in history().into_iter().enumerate() {
        let year = Year::new(raw_year).map_err(Failure::failed)?;
        let text = rulebook_text(raw_year);
        let rulebook = Rulebook::parse(&text).map_err(Failure::failed)?;
        tx.open_period(roll.community, year, &text, &rulebook, "demo").await?;
        let summary = year::simulate(&mut tx, &roll, &rulebook, year, index, &mut rng).await?;
        written += summary.written;
        capped += summary.capped;
        notice::publish_and_finalize(&mut tx, &roll, &rulebook, year).await?;
    }
    // The demo is for looking around: every account shares one password and
    // need not change it, every linked household has its rating link, and
    // this year is open so households can rate today.
    let hash =
        starledger_app::secrets::hash_password_blocking(DEMO_PASSWORD.to_string()).await.map_err(Failure::failed)?;
    for account in &roll.accounts {
        tx.set_password(account.id, &hash, false).await?;
    }
    let now = starledger_app::clock::now();
    for (household, member) in &roll.households {
        if member.is_some() {
            tx.issue_household_token(roll.community, *household, &starledger_app::secrets::random_token(), now).await?;
        }
    }
    // Every year after the history up to this one is open: in early January
    // this week's Monday, or a meeting an hour ago, still falls in last year.
    let this_year = i64::from(Year::of(crate::output::today()).get());
    let rulebook = Rulebook::default_rulebook();
    for year in (history()[1] + 1)..=this_year {
        let year = Year::new(year).map_err(Failure::failed)?;
        tx.open_period(roll.community, year, DEFAULT_RULEBOOK, &rulebook, "demo").await?;
    }
    place_in_city(&mut tx, roll.community, &hash).await?;
    let detail = format!(
        "seed {}: {} members, {} households, {written} ledger entries; {capped} events past a cap not recorded",
        args.seed,
        roll.members.len(),
        roll.households.len()
    );
    tx.audit(Some(roll.community), "demo", "demo.build", &detail).await?;
    tx.commit().await?;

    println!("built {} — 十里社区 demo ({detail})\n", context.target.display().display());
    let mut ratings = Vec::new();
    for raw_year in history() {
        let year = Year::new(raw_year).map_err(Failure::failed)?;
        ratings.push(rating::compute(&store, roll.community, year).await?);
    }
    let latest = ratings.last().expect("two demo years");
    rating::print_honour_roll("十里社区", latest);
    println!("\nthe article's people in the demo:");
    for demo in roll.members.iter().filter(|m| m.story != Story::Ordinary) {
        let id = demo.member.id;
        let stars: Vec<String> = ratings
            .iter()
            .map(|r| {
                let rated = r.member(id);
                format!(
                    "{} {}★ (rank {})",
                    r.year,
                    rated.map_or(0, |m| m.stars),
                    rated.and_then(|m| m.rank).map_or("-".into(), |r| r.to_string())
                )
            })
            .collect();
        let imported = store.read().await?.honours(id).await?;
        let history = if imported.is_empty() {
            String::new()
        } else {
            format!(
                "; earlier records: {}",
                imported.iter().map(|(y, s, ..)| format!("{y} {s}★")).collect::<Vec<_>>().join(", ")
            )
        };
        println!("  {} (member {id}): {}{history}", demo.member.name, stars.join(", "));
    }
    println!("\ndemo accounts (password for each: {DEMO_PASSWORD}; the CLI takes them as --by):");
    for account in &roll.accounts {
        println!("  {:<14} {} {}", account.login, account.role.label_zh(), account.name);
    }
    println!("  {CITY_LOGIN:<14} 市委组织部 (the city's figures at /region; no member, household or rater)");
    // A household's link binds to a phone with the last four digits of the
    // household's phone on the roll: one to try by hand.
    let mut reader = store.read().await?;
    let tokens = reader.live_tokens(roll.community).await?;
    let example = reader.households(roll.community).await?.into_iter().find_map(|h| {
        let phone = h.phone.filter(|p| p.len() >= 4)?;
        Some((tokens.get(&h.id)?.clone(), phone[phone.len() - 4..].to_string(), h.address))
    });
    drop(reader);
    if let Some((token, digits, address)) = example {
        println!(
            "\na household's card to try ({address}): /r/{token}\n  \
             the first time on a device, type the last four digits of its phone on the roll: {digits}"
        );
    }
    println!("\ntry: starledger {} rating --year {}", context.option(), history()[1]);
    println!(
        "     starledger {} explain --member {} --year {}",
        context.option(),
        roll.named("梁小改").member.id,
        history()[1]
    );
    println!("     starledger {} ledger verify", context.option());
    if args.no_serve {
        return Ok(());
    }
    let listener = crate::commands::serve::bind(&args.web).await?;
    println!();
    crate::commands::serve::run(store, listener, &args.web, None).await
}
