//! `starledger bench rating`: every community's year rating computed as
//! `starledger rating` computes it (the year's roll, the sums per member,
//! category and rule, the domain's rules: caps, credits, part-year scaling,
//! vetoes, tie-breaks, stars), against the plain-SQL baseline on the same
//! database in the same run: each member's points summed and ranked within
//! the community by one statement. The runs alternate, so both sides see
//! the same noise; the medians and their ratio are printed.
//!
//! Pages do not compute afresh: they read the rating the server keeps per
//! community and year until its revision changes (`RatingCache`). The
//! third side times that path, as a page between two writes takes it: one
//! read of the community's revision and a lookup, for every community
//! (the cache is filled once before the runs).

use super::{median, reproduce};
use crate::args::BenchRatingArgs;
use crate::commands::{Context, rating, year};
use crate::failure::{Failure, Outcome};
use starledger_store::{BaselineQueries, OrgQueries};
use std::time::Instant;

pub async fn run(context: &Context, args: BenchRatingArgs) -> Outcome {
    if args.runs == 0 || args.runs > 1000 {
        return Err(Failure::bad_input("--runs must be between 1 and 1000"));
    }
    let store = context.open().await?;
    let mut reader = store.read().await?;
    let raw_year = match args.year {
        Some(year) => year,
        None => *reader.years_with_entries().await?.last().ok_or_else(|| {
            Failure::refused("the database has no ledger entries to rate; build some with `starledger bench city`")
        })?,
    };
    let year = year(raw_year)?;
    let mut communities = Vec::new();
    for community in reader.communities().await? {
        if reader.period(community.id, year).await?.is_some() {
            communities.push(community);
        }
    }
    if communities.is_empty() {
        return Err(Failure::bad_input(format!("no community has a period for {year}; see `starledger period list`")));
    }
    let census = reader.census().await?;
    drop(reader);

    let kept_ratings = starledger_app::standings::RatingCache::new();
    let audience = starledger_app::standings::Audience::Whole;
    {
        let mut reader = store.read().await?;
        for community in &communities {
            kept_ratings.get(&mut reader, community.id, year, audience).await?;
        }
    }
    let (mut product, mut baseline, mut kept) = (Vec::new(), Vec::new(), Vec::new());
    let (mut rated, mut ranked) = (0, 0);
    for _ in 0..args.runs {
        let started = Instant::now();
        rated = 0;
        for community in &communities {
            rated += rating::compute(&store, community.id, year).await?.members.len();
        }
        product.push(started.elapsed().as_secs_f64());

        let started = Instant::now();
        ranked = store.read().await?.plain_ranking(raw_year).await?.len();
        baseline.push(started.elapsed().as_secs_f64());

        let started = Instant::now();
        let mut reader = store.read().await?;
        for community in &communities {
            kept_ratings.get(&mut reader, community.id, year, audience).await?;
        }
        drop(reader);
        kept.push(started.elapsed().as_secs_f64());
    }
    let (product_median, baseline_median) = (median(product.clone()), median(baseline.clone()));
    let kept_median = median(kept.clone());
    let ratio = product_median / baseline_median.max(1e-9);
    let kept_ratio = kept_median / baseline_median.max(1e-9);
    let runs = |times: &[f64]| times.iter().map(|t| format!("{t:.6}")).collect::<Vec<_>>().join(", ");
    println!(
        "bench rating: year {year}, {} communities, {rated} members rated ({ranked} with entries); database: {} \
         communities, {} members, {} entries in all",
        communities.len(),
        census.communities,
        census.members,
        census.entries
    );
    println!("  starledger rating, every community   median {product_median:.3} s   runs {}", runs(&product));
    println!("  plain SQL SUM … GROUP BY + RANK()     median {baseline_median:.3} s   runs {}", runs(&baseline));
    let words = if ratio >= 1.0 { format!("{ratio:.1}× slower") } else { format!("{:.1}× faster", 1.0 / ratio) };
    println!("  kept rating, as pages read it         median {kept_median:.6} s   runs {}", runs(&kept));
    println!("  ratio starledger / baseline: {ratio:.2} ({words} than the baseline)");
    println!("  ratio kept / baseline: {kept_ratio:.4} ({:.0}× faster than the baseline)", 1.0 / kept_ratio.max(1e-9));
    println!(
        "result: year={year} product_s={product_median:.6} baseline_s={baseline_median:.6} ratio={ratio:.4} \
         kept_s={kept_median:.6} kept_ratio={kept_ratio:.6}"
    );
    println!("reproduce: {}", reproduce(context, &format!("bench rating --year {year} --runs {}", args.runs)));
    Ok(())
}
