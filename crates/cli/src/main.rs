//! `starledger`: the one binary. Parses the command line, runs the command,
//! and turns a failure into one line on stderr and an exit code.

mod args;
mod commands;
mod demo;
mod failure;
mod output;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
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
