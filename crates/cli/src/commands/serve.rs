//! `starledger serve`: the web application over a database.

use super::Context;
use crate::args::{ServeArgs, WebArgs};
use crate::failure::{Failure, Outcome};
use starledger_store::Store;
use starledger_web::backups::Schedule;
use tokio::net::TcpListener;

pub async fn serve(context: &Context, args: ServeArgs) -> Outcome {
    let store = context.open().await?;
    let listener = bind(&args.web).await?;
    let backups = match (args.backup_dir, args.backup_every) {
        (Some(dir), Some(every)) => {
            Some(Schedule { dir, every, keep: args.backup_keep as usize, busy_timeout: context.busy_timeout })
        }
        _ => None,
    };
    run(store, listener, &args.web, backups).await
}

pub async fn bind(web: &WebArgs) -> Result<TcpListener, Failure> {
    TcpListener::bind(web.listen).await.map_err(|e| Failure::failed(format!("cannot listen on {}: {e}", web.listen)))
}

/// Serves until SIGTERM or Ctrl-C.
pub async fn run(store: Store, listener: TcpListener, web: &WebArgs, backups: Option<Schedule>) -> Outcome {
    let metrics_token = web.metrics_token.clone().filter(|token| !token.is_empty());
    if metrics_token.as_ref().is_some_and(|token| token.chars().count() < 16) {
        return Err(Failure::bad_input("--metrics-token must be at least 16 characters"));
    }
    let address =
        listener.local_addr().map_err(|e| Failure::failed(format!("cannot read the listening address: {e}")))?;
    let public_url = web.public_url.clone().unwrap_or_else(|| format!("http://{address}"));
    let config = starledger_web::Config {
        public_url: public_url.trim_end_matches('/').to_string(),
        // Served behind https, cookies are Secure whether or not
        // --secure-cookies is given.
        secure_cookies: web.secure_cookies || public_url.starts_with("https://"),
        allow_loopback_robots: false,
        metrics_token,
        retention: web.retention.periods(),
    };
    install_log();
    // Said loudly, so that no server runs on a stated day by accident.
    let clock = starledger_app::clock::current();
    if !clock.is_system() {
        tracing::warn!(now = %clock.now(), "the clock is set by STARLEDGER_NOW: it is now {}", clock.now());
    }
    println!("serving http://{address} (household links use {}); stop with Ctrl-C or SIGTERM", config.public_url);
    if let Some(schedule) = &backups {
        println!(
            "backing up into {} every {}s, keeping {}",
            schedule.dir.display(),
            schedule.every.as_secs(),
            schedule.keep
        );
    }
    starledger_web::serve(store, listener, config, web.limits.settings(), backups)
        .await
        .map_err(|e| Failure::failed(format!("the server stopped: {e}")))
}

/// The server's log on stderr: `STARLEDGER_LOG` (e.g. `info` or
/// `warn,starledger_web=debug`) chooses what; by default requests that
/// failed and the server's own notices, and only sqlx's warnings.
/// `STARLEDGER_LOG_FORMAT` chooses `text` or `json`.
fn install_log() {
    use tracing_subscriber::filter::Targets;
    use tracing_subscriber::prelude::*;
    let default = || Targets::new().with_default(tracing::Level::INFO).with_target("sqlx", tracing::Level::WARN);
    let filter = match std::env::var("STARLEDGER_LOG") {
        Ok(text) => text.parse::<Targets>().unwrap_or_else(|error| {
            eprintln!("starledger: STARLEDGER_LOG={text:?} is not a filter ({error}); logging the default");
            default()
        }),
        Err(_) => default(),
    };
    // One JSON object a line for a log collector (journald, a container's
    // log driver) when standard error is not a terminal; text for a person.
    let json = match std::env::var("STARLEDGER_LOG_FORMAT").as_deref() {
        Ok("json") => true,
        Ok("text") => false,
        other => {
            if let Ok(text) = other {
                eprintln!(
                    "starledger: STARLEDGER_LOG_FORMAT={text:?} is neither text nor json; choosing by the terminal"
                );
            }
            !std::io::IsTerminal::is_terminal(&std::io::stderr())
        }
    };
    let text = (!json).then(|| tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_ansi(false));
    let json = json.then(|| tracing_subscriber::fmt::layer().json().with_writer(std::io::stderr));
    // A second server in one process (tests) keeps the first's log.
    let _ = tracing_subscriber::registry().with(text).with(json).with(filter).try_init();
}
