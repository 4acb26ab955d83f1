//! `starledger`: the one binary. Parses the command line, runs the command,
//! and turns a failure into one line on stderr and an exit code.

mod args;
mod commands;
mod config;
mod demo;
mod failure;
mod output;

use clap::{CommandFactory, FromArgMatches};
use std::process::ExitCode;

/// Exit status of a program stopped because its reader went away, as a
/// shell reports a SIGPIPE death (128 + 13).
const CLOSED_PIPE: i32 = 141;

/// `starledger rating | head` closes the pipe early; printing then fails.
/// That is not a crash: stop quietly, as other command-line tools do.
fn stop_quietly_on_a_closed_pipe() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(CLOSED_PIPE);
        }
        default_hook(info);
    }));
}

fn main() -> ExitCode {
    stop_quietly_on_a_closed_pipe();
    let cli = match parse() {
        Ok(cli) => cli,
        Err(error) => {
            eprintln!("starledger: {error}");
            return ExitCode::from(2);
        }
    };
    // Tests and replays state their day (`STARLEDGER_NOW`); otherwise the
    // system's clock. A server says so when it starts (see `serve::run`).
    match starledger_app::clock::Clock::from_env() {
        Ok(clock) => starledger_app::clock::install(clock),
        Err(error) => {
            eprintln!("starledger: {error}");
            return ExitCode::from(2);
        }
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("starledger: cannot start: {error}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("starledger: {failure}");
            ExitCode::from(failure.code)
        }
    }
}

/// The command line, with the configuration file's settings as defaults (the
/// environment and the command line win over them; see `config.rs`).
fn parse() -> Result<args::Cli, config::ConfigError> {
    let command = args::Cli::command();
    let keys = config::keys(&command);
    let args: Vec<String> = std::env::args().collect();
    let settings = match config::chosen_file(&args) {
        Some((path, named)) if named || path.exists() => config::read(&path, &keys)?,
        _ => config::FileSettings::default(),
    };
    let matches = config::with_defaults(command, &settings).get_matches();
    let mut cli = args::Cli::from_arg_matches(&matches).unwrap_or_else(|error| error.exit());
    // `--db` and `--database-url` name one database: a file's URL gives way
    // to a file path from the command line or the environment.
    let given = |id: &str| matches.value_source(id).is_some_and(|s| s != clap::parser::ValueSource::DefaultValue);
    if given("db") && !given("database_url") {
        cli.database_url = None;
    }
    Ok(cli)
}
