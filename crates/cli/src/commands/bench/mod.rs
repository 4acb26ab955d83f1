//! `starledger bench`: measurements, each printed beside its baseline
//! measured in the same run on the same data, with the command that
//! reproduces it. The machine is shared and noisy: ratios travel, times
//! do not. See BENCHMARKS.md for the figures and how they were taken.

mod city;
mod plot;
mod rating;
mod reads;
mod writes;
mod year;

use crate::args::BenchCommand;
use crate::commands::Context;
use crate::failure::Outcome;

pub async fn bench(context: &Context, command: BenchCommand) -> Outcome {
    match command {
        BenchCommand::City(args) => city::run(context, args).await,
        BenchCommand::Rating(args) => rating::run(context, args).await,
        BenchCommand::Reads(args) => reads::run(context, args).await,
        BenchCommand::Writes(args) => writes::run(context, args).await,
        BenchCommand::Plot(args) => plot::run(args).await,
    }
}

/// The community a bench drives: `--community`, or the database's first
/// (a city's database holds many).
async fn driven_community(
    context: &Context,
    reader: &mut starledger_store::Reader,
) -> Result<starledger_store::Community, crate::failure::Failure> {
    use starledger_store::OrgQueries;
    match &context.community {
        Some(_) => context.community(reader).await,
        None => reader.communities().await?.into_iter().next().ok_or_else(|| {
            crate::failure::Failure::refused(
                "the database has no community; build one with `starledger demo` or `starledger bench city`",
            )
        }),
    }
}

/// A count a bench takes on the command line, within its bounds.
fn within(option: &str, value: u64, most: u64) -> Result<(), crate::failure::Failure> {
    if value == 0 || value > most {
        return Err(crate::failure::Failure::bad_input(format!("{option} must be between 1 and {most}")));
    }
    Ok(())
}

/// The median and the 99th percentile of latencies in microseconds, in
/// milliseconds (NaN when there are none).
pub fn p50_p99_ms(mut latencies_us: Vec<u32>) -> (f64, f64) {
    latencies_us.sort_unstable();
    let p99 = match latencies_us.len() {
        0 => f64::NAN,
        n => f64::from(latencies_us[((n as f64 * 0.99).ceil() as usize).clamp(1, n) - 1]) / 1000.0,
    };
    (median(latencies_us.iter().map(|&l| f64::from(l) / 1000.0).collect()), p99)
}

/// The median of some durations, in seconds.
pub fn median(mut seconds: Vec<f64>) -> f64 {
    seconds.sort_by(f64::total_cmp);
    match seconds.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => seconds[n / 2],
        n => (seconds[n / 2 - 1] + seconds[n / 2]) / 2.0,
    }
}

/// How a command line names this database, for "reproduce:" lines.
pub fn reproduce(context: &Context, rest: &str) -> String {
    format!("starledger {} {rest}", context.option())
}
