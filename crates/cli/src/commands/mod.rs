//! One module per command. Each handler is short and linear: load who is
//! asking, parse the input, ask the domain, write in one transaction, report.

mod audit;
mod bench;
mod exchange;
mod explain;
mod ledger;
mod org;
mod period;
mod print;
pub mod rating;
mod record;
mod regions;
mod retention;
pub mod serve;
mod store;

use crate::args::{Cli, Command};
use crate::failure::{Failure, Outcome};
use starledger_domain::org::{Account, Year};
use starledger_store::{Community, OpenMode, OrgQueries, RegionQueries, Store, Target};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

/// What every command gets: where the database is and how to open it.
pub struct Context {
    pub target: Target,
    /// `--community`: the community a command acts in, by name.
    pub community: Option<String>,
    pub busy_timeout: Duration,
    /// How long to wait for a database server to answer (`--connect-timeout-secs`).
    pub connect_timeout: Duration,
    /// How many connections a store keeps (`--pool-size`); `None`: the store's default.
    pub pool_size: Option<u32>,
    /// Stores opened by the command, closed when it ends: closing the last
    /// connection checkpoints SQLite's WAL into the database file, so the
    /// file alone holds everything (a copy of it is a whole backup).
    opened: Mutex<Vec<Store>>,
}

impl Context {
    pub async fn open(&self) -> Result<Store, Failure> {
        self.keep(
            Store::connect_pooled(
                &self.target,
                OpenMode::Existing,
                self.busy_timeout,
                self.connect_timeout,
                self.pool_size,
            )
            .await?,
        )
    }

    pub async fn create(&self) -> Result<Store, Failure> {
        self.keep(
            Store::connect_pooled(
                &self.target,
                OpenMode::CreateNew,
                self.busy_timeout,
                self.connect_timeout,
                self.pool_size,
            )
            .await?,
        )
    }

    /// How the database is named on the command line, for hints to the user.
    pub fn option(&self) -> String {
        match &self.target {
            Target::Sqlite(path) => format!("--db {}", path.display()),
            Target::Postgres(_) => format!("--database-url {}", self.target.display().display()),
        }
    }

    /// The community a command without an acting account acts in: the one
    /// `--community` names, or the database's only one.
    pub async fn community<Q: OrgQueries + RegionQueries>(&self, reader: &mut Q) -> Result<Community, Failure> {
        match &self.community {
            Some(name) => reader.community_named(name).await?.ok_or_else(|| {
                Failure::bad_input(format!("--community: no community named \"{name}\"; see `starledger region list`"))
            }),
            None => {
                let mut communities = reader.communities().await?;
                match communities.len() {
                    0 => Err(Failure::refused("the database has no community yet; run `starledger init`")),
                    1 => Ok(communities.remove(0)),
                    n => {
                        let names: Vec<String> = communities.into_iter().take(3).map(|c| c.name).collect();
                        let more = if n > 3 { format!(" and {} more", n - 3) } else { String::new() };
                        Err(Failure::bad_input(format!(
                            "the database holds {n} communities ({}{more}): name one with --community \
                             (see `starledger region list`)",
                            names.join(", ")
                        )))
                    }
                }
            }
        }
    }

    /// The acting account (`--by`) and the community it acts in: an account
    /// acts only in its own community, so naming it names the community; a
    /// `--community` naming another one is refused rather than ignored.
    pub async fn actor(&self, store: &Store, login: &str) -> Result<(Community, Account), Failure> {
        let mut reader = store.read().await?;
        let actor = reader.account_by_login(login).await?;
        let community = reader.community(actor.community_id).await?;
        match &self.community {
            Some(named) if *named != community.name => Err(Failure::refused(format!(
                "account {login} acts in {}, not in {named} (--community)",
                community.name
            ))),
            _ => Ok((community, actor)),
        }
    }

    fn keep(&self, store: Store) -> Result<Store, Failure> {
        // `--by` is a claim, not a credential: whoever can write the database
        // acts as any account. Every write's audit row also names who ran
        // the command, as the operating system says.
        let store = store.with_origin(&cli_origin());
        self.opened.lock().map_err(|_| Failure::failed("internal error: store list poisoned"))?.push(store.clone());
        Ok(store)
    }

    async fn close(&self) {
        let stores = self.opened.lock().map(|mut opened| std::mem::take(&mut *opened)).unwrap_or_default();
        for store in stores {
            store.close().await;
        }
    }
}

/// How an account is named in the audit log and `linked_by` columns.
pub use starledger_app::ledger::actor_label;

pub fn year(value: i64) -> Result<Year, Failure> {
    Year::new(value).map_err(Failure::bad_input)
}

pub async fn run(cli: Cli) -> Outcome {
    let default_db = if matches!(cli.command, Command::Demo(_)) { "starledger-demo.db" } else { "starledger.db" };
    let target = match cli.database_url {
        Some(url) => Target::parse(&url).map_err(|e| Failure::bad_input(e.to_string()))?,
        None => Target::Sqlite(cli.db.unwrap_or_else(|| PathBuf::from(default_db))),
    };
    let context = Context {
        target,
        community: cli.community,
        busy_timeout: Duration::from_millis(cli.busy_timeout_ms),
        connect_timeout: Duration::from_secs(cli.connect_timeout_secs.max(1)),
        pool_size: cli.pool_size,
        opened: Mutex::new(Vec::new()),
    };
    let outcome = dispatch(&context, cli.command).await;
    context.close().await;
    outcome
}

async fn dispatch(context: &Context, command: Command) -> Outcome {
    match command {
        Command::Demo(args) => crate::demo::run(context, args).await,
        Command::Serve(args) => serve::serve(context, args).await,
        Command::Init(args) => org::init(context, args).await,
        Command::Community(command) => regions::community(context, command).await,
        Command::Region(command) => regions::region(context, command).await,
        Command::Stats(command) => regions::stats(context, command).await,
        Command::Branch(command) => org::branch(context, command).await,
        Command::Member(command) => org::member(context, command).await,
        Command::Account(command) => org::account(context, command).await,
        Command::Household(command) => org::household(context, command).await,
        Command::Period(command) => period::period(context, command).await,
        Command::Rulebook(command) => period::rulebook(context, command).await,
        Command::Config(crate::args::ConfigCommand::Check) => {
            crate::config::check(&<crate::args::Cli as clap::CommandFactory>::command())
        }
        Command::Record(args) => record::record(context, args).await,
        Command::Reverse(args) => record::reverse(context, args).await,
        Command::Rating(args) => rating::rating(context, args).await,
        Command::Explain(args) => explain::explain(context, args).await,
        Command::Ledger(command) => ledger::ledger(context, command).await,
        Command::Audit(command) => audit::audit(context, command).await,
        Command::Receipt(command) => ledger::receipt(context, command).await,
        Command::Store(command) => store::store(context, command).await,
        Command::Retention(command) => retention::retention(context, command).await,
        Command::Import(command) => exchange::import(context, command).await,
        Command::Export(command) => exchange::export(context, command).await,
        Command::Print(command) => print::print(context, command).await,
        Command::Bench(command) => bench::bench(context, command).await,
        Command::Backup { to } => store::backup(context, &to).await,
        Command::Restore { from, to, force } => store::restore(context, &from, &to, force).await,
    }
}

/// `cli USER@HOST`: the operating system's user and host running this
/// command, for the audit log (each at most 64 characters).
pub fn cli_origin() -> String {
    let user = std::env::var("USER").or_else(|_| std::env::var("LOGNAME")).or_else(|_| std::env::var("USERNAME"));
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_string())
        .or_else(|_| std::env::var("HOSTNAME").or_else(|_| std::env::var("COMPUTERNAME")));
    let clean = |text: Result<String, _>| -> String {
        let text: String = text.unwrap_or_default().chars().filter(|c| !c.is_control()).take(64).collect();
        if text.is_empty() { "unknown".into() } else { text }
    };
    format!("cli {}@{}", clean(user.map_err(|_| ())), clean(host.map_err(|_| ())))
}
