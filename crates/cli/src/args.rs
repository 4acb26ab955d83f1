//! The command line: one clap struct per command, `--db` (or `--database-url`) everywhere.

use clap::{Args, Parser, Subcommand, ValueEnum};
use starledger_domain::org::{BranchId, HouseholdId, MemberId, PartyGroupId};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "starledger",
    version,
    about = "Points and star rating for community party organizations: the four-step method (党建四步骤)",
    long_about = "starledger keeps every member's study, household service, volunteer service and ethics as \
                  points in an append-only, tamper-evident ledger, priced by a readable rulebook, and computes \
                  the annual star rating (五星级党员) from it. Neither the member nor the secretary alone decides \
                  a score."
)]
pub struct Cli {
    /// The database file (SQLite). Default: starledger.db, or starledger-demo.db for `demo`.
    #[arg(long, global = true, env = "STARLEDGER_DB")]
    pub db: Option<PathBuf>,

    /// The database as a URL instead: sqlite://PATH or postgres://USER@HOST/DATABASE.
    #[arg(long, global = true, env = "STARLEDGER_DATABASE_URL", conflicts_with = "db")]
    pub database_url: Option<String>,

    /// The community a command acts in, by name, where the database holds
    /// several (a city's installation). Commands that name an acting account
    /// (`--by`) act in that account's community.
    #[arg(long, global = true, env = "STARLEDGER_COMMUNITY")]
    pub community: Option<String>,

    /// How long a write waits for another program's lock before giving up.
    #[arg(long, global = true, env = "STARLEDGER_BUSY_TIMEOUT_MS", default_value_t = 5000)]
    pub busy_timeout_ms: u64,

    /// How long to wait for a database server (PostgreSQL) to answer when connecting.
    #[arg(long, global = true, env = "STARLEDGER_CONNECT_TIMEOUT_SECS", default_value_t = 5)]
    pub connect_timeout_secs: u64,

    /// Connections kept open to the database (at least 2; default: 4 for
    /// SQLite, 8 for PostgreSQL).
    #[arg(long, global = true, env = "STARLEDGER_POOL_SIZE", value_parser = clap::value_parser!(u32).range(2..))]
    pub pool_size: Option<u32>,

    /// The configuration file: every setting with an environment variable,
    /// by its name without `STARLEDGER_` in lower case (default: starledger.toml
    /// in the working folder, if there is one; see `starledger config check`).
    #[arg(long, global = true, env = "STARLEDGER_CONFIG")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Build a fresh demo community modelled on 十里社区, print its latest honour roll, and serve it.
    Demo(DemoArgs),
    /// Run the web application.
    Serve(ServeArgs),
    /// Create a new database with its community (`--community`) and first committee account.
    Init(InitArgs),
    /// Add another community to a city's or county's database, with its first committee account.
    #[command(subcommand)]
    Community(CommunityCommand),
    /// The organization tree above the communities (市/县区/街道乡镇) and its overseers (组织部).
    #[command(subcommand)]
    Region(RegionCommand),
    /// The figures a region reads, computed from each community's own rows.
    #[command(subcommand)]
    Stats(StatsCommand),
    /// Branches (党支部) and their party groups (党小组).
    #[command(subcommand)]
    Branch(BranchCommand),
    /// Members on the roll (党员).
    #[command(subcommand)]
    Member(MemberCommand),
    /// Accounts that act in the system, with their roles.
    #[command(subcommand)]
    Account(AccountCommand),
    /// Households (农户) and their links to members (联户定岗).
    #[command(subcommand)]
    Household(HouseholdCommand),
    /// Rating years and their frozen rulebooks.
    #[command(subcommand)]
    Period(PeriodCommand),
    /// Print or check a rulebook.
    #[command(subcommand)]
    Rulebook(RulebookCommand),
    /// Check the configuration: the file, and every setting with its value and where it comes from.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Record one ledger entry, priced by the year's rulebook.
    Record(RecordArgs),
    /// Reverse a ledger entry: a new entry with the opposite points.
    Reverse(ReverseArgs),
    /// The star rating of a year, computed from the ledger.
    Rating(RatingArgs),
    /// Every entry behind one member's total.
    Explain(ExplainArgs),
    /// Check the ledger.
    #[command(subcommand)]
    Ledger(LedgerCommand),
    /// What the auditor reads: patterns in a year's ledger worth a person's look.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// A receipt for one entry: its place in its year's seal, which its
    /// member or household checks without our database.
    #[command(subcommand)]
    Receipt(ReceiptCommand),
    /// Move a whole installation between stores.
    #[command(subcommand)]
    Store(StoreCommand),
    /// Personal data past its retention period (docs/privacy.md).
    #[command(subcommand)]
    Retention(RetentionCommand),
    /// Bring the roll in from a spreadsheet (.xlsx, .xls, .ods, or .csv in UTF-8 or GBK): a dry run
    /// unless --commit.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Write the roll, the households, the links or a year's standings to .xlsx.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Paper as PDF: certificates, the honour-roll poster, household cards.
    #[command(subcommand)]
    Print(PrintCommand),
    /// Write a consistent, verified snapshot of the database (`--db` or
    /// `--database-url`, while it is in use) into a new SQLite file, with a
    /// manifest beside it (FILE.manifest.json).
    Backup {
        /// The backup file to write; it must not exist yet.
        #[arg(long)]
        to: std::path::PathBuf,
    },
    /// Measurements: a synthetic city to measure on, the rating against plain
    /// SQL, and pages under load against a static file (see BENCHMARKS.md).
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Restore a backup after checking its ledger and its manifest.
    Restore {
        /// The backup file written by `starledger backup`.
        #[arg(long)]
        from: std::path::PathBuf,
        /// Where to restore: a SQLite path (sqlite://PATH) or an empty PostgreSQL database.
        #[arg(long)]
        to: String,
        /// Replace an existing SQLite database at --to (stop any server using it first).
        #[arg(long)]
        force: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// Members (党员花名册): 姓名, 所属支部, 党小组, 手机, 职务, 入党时间, 预备党员, 免于联户原因.
    Members(ImportArgs),
    /// Households (农户台账): 地址, 户主, 电话.
    Households(ImportArgs),
    /// Household links (联户名单): 地址, 户主, 党员姓名, 所属支部.
    Links(ImportArgs),
    /// Opening balances (期初积分) of past years: 姓名, 所属支部, 手机, 年度, each category, 总分, 星级.
    /// Kept as records of those years; a year starledger rates is refused.
    Opening {
        #[command(flatten)]
        import: ImportArgs,
        /// The year of rows without a 年度 column.
        #[arg(long)]
        year: Option<i64>,
    },
    /// 学习强国 study weeks: 姓名, 所属支部, 手机, 周开始 (any day of the week), 天数, 积分.
    /// A week of five days or more is recorded by --by as an approved study claim would be.
    Study(ImportArgs),
    /// Meeting attendance sheets (会议签到表): 会议日期, 会议名称, 姓名, 所属支部, 出席情况
    /// (出席/迟到/请假/缺席). Marked by --by as on the meeting's page: whoever keeps its sheet,
    /// never about themselves or a relative, never in a finalized year.
    Attendance {
        #[command(flatten)]
        import: ImportArgs,
        /// The meeting of every row (its id on /meetings), for a sheet without 会议日期 and 会议名称.
        #[arg(long)]
        meeting: Option<i64>,
    },
    /// Write an empty template with the Chinese headers: members, households, links, opening, study
    /// or attendance.
    Template {
        kind: String,
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// The file: .xlsx, .xls, .ods or .csv.
    pub file: PathBuf,
    /// The account that imports: the committee; for study weeks and attendance, whoever may record them.
    #[arg(long)]
    pub by: String,
    /// Write it (one transaction, all or nothing); without it, only show what would change.
    #[arg(long)]
    pub commit: bool,
}

#[derive(Subcommand, Debug)]
pub enum ExportCommand {
    /// The members on the roll (the whole roll of --year if given).
    Roll(ExportArgs),
    /// The households.
    Households(ExportArgs),
    /// Which member serves which household (联户名单).
    Links(ExportArgs),
    /// A year's standings: rank, name, branch, each category, total, stars (--year required).
    Standings(ExportArgs),
    /// Each member's points of a year by category and rule, with subtotals (--year required).
    Breakdown(ExportArgs),
    /// A year's ledger entries, or those from --from until --until (--year required).
    Ledger(ExportArgs),
    /// A year's meetings × members: present, late, on leave, absent (--year required).
    Attendance(ExportArgs),
    /// A year's volunteer activities × members: hours served and points (--year required).
    Volunteer(ExportArgs),
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    #[arg(long)]
    pub year: Option<i64>,
    /// The file to write.
    #[arg(long)]
    pub out: PathBuf,
    /// xlsx (the default) or csv (UTF-8 with a BOM, which Excel opens as such).
    #[arg(long, default_value = "xlsx")]
    pub format: String,
    /// The ledger from this day (YYYY-MM-DD, within --year).
    #[arg(long)]
    pub from: Option<jiff::civil::Date>,
    /// The ledger until this day, inclusive.
    #[arg(long)]
    pub until: Option<jiff::civil::Date>,
    /// Whole phone numbers instead of masked ones: committee only, needs --by, written to the audit log.
    #[arg(long)]
    pub with_phones: bool,
    /// The account exporting: required with --with-phones; a branch secretary exports their branch only.
    #[arg(long)]
    pub by: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum CommunityCommand {
    /// Add the community named by `--community`, with its first committee account.
    Add {
        #[command(flatten)]
        secretary: InitArgs,
        /// The street or town it belongs to, e.g. 淄博市/张店区/车站街道.
        #[arg(long)]
        region: Option<String>,
    },
    /// Put the community named by `--community` into a street or town of the tree.
    Place {
        #[arg(long)]
        region: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum RegionCommand {
    /// Add a region by its path from the city down, e.g. 淄博市/张店区/车站街道
    /// (a city, a county or district, a street or town); missing levels are added too.
    Add { path: String },
    /// The tree, with each region's communities and overseers.
    List,
    /// An overseer account for a region (组织部): it sees the region's figures
    /// and nothing of a community's members, households or raters.
    Overseer {
        #[arg(long)]
        region: String,
        #[arg(long)]
        login: String,
        #[arg(long)]
        name: String,
    },
    /// A new one-time password for an overseer who lost theirs; their sessions end.
    ResetPassword {
        #[arg(long)]
        login: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum StatsCommand {
    /// Recompute every community's figures now (the server does it every 10 minutes).
    Refresh,
}

#[derive(Subcommand, Debug)]
pub enum StoreCommand {
    /// Copy every row into a new, empty database (SQLite file or PostgreSQL),
    /// then verify the ledger at both ends and compare every year's standings.
    Copy {
        /// The installation to copy: sqlite://PATH, a path, or postgres://...
        #[arg(long)]
        from: String,
        /// A database that does not hold starledger yet (a new file, or an empty PostgreSQL database).
        #[arg(long)]
        to: String,
    },
}

#[derive(Args, Debug, Clone)]
pub struct WebArgs {
    /// Address to listen on.
    #[arg(long, env = "STARLEDGER_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,
    /// The address households reach, printed in their QR codes (default: http://LISTEN).
    #[arg(long, env = "STARLEDGER_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Mark cookies Secure: set when served behind HTTPS.
    #[arg(long, env = "STARLEDGER_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// The bearer token a Prometheus scraper sends to read /metrics (at least
    /// 16 characters; prefer the environment variable to the command line,
    /// which other users of the machine can read). Without it /metrics answers 404.
    #[arg(long, env = "STARLEDGER_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    #[command(flatten)]
    pub retention: RetentionArgs,
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// How long personal data is kept (docs/privacy.md): the server applies
/// these periods every few hours, `retention apply` by hand, and
/// `member pseudonymize` and the roll's page check the first.
#[derive(Args, Debug, Clone)]
pub struct RetentionArgs {
    /// Years after a member left the roll (transfer, death) before their personal data may be pseudonymized.
    #[arg(long, env = "STARLEDGER_RETENTION_LEFT_YEARS", default_value_t = 5, value_parser = clap::value_parser!(u16).range(1..=100))]
    pub retention_left_years: u16,
    /// Days after a claim was withdrawn or rejected before its file (photo, screenshot) is removed.
    #[arg(long, env = "STARLEDGER_RETENTION_UPLOAD_DAYS", default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..=36500))]
    pub retention_upload_days: u32,
    /// Years an audit row is kept; older rows are removed (the ledger's verification needs none of them).
    #[arg(long, env = "STARLEDGER_RETENTION_AUDIT_YEARS", default_value_t = 5, value_parser = clap::value_parser!(u16).range(1..=100))]
    pub retention_audit_years: u16,
}

impl RetentionArgs {
    pub fn periods(&self) -> starledger_app::privacy::Retention {
        starledger_app::privacy::Retention {
            left_years: self.retention_left_years,
            upload_days: self.retention_upload_days,
            audit_years: self.retention_audit_years,
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum RetentionCommand {
    /// Remove what is past its retention period: files of withdrawn or rejected claims and old audit rows.
    Apply {
        /// Say what would be removed; write nothing.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        retention: RetentionArgs,
    },
}

/// The server's operational limits (docs/operations.md): rate limits and
/// upload sizes. The rules of the method (caps, objections per year) are the
/// rulebook's, not these.
#[derive(Args, Debug, Clone)]
pub struct LimitArgs {
    /// Sign-in attempts per client address per minute; past it 429.
    #[arg(long, env = "STARLEDGER_SIGN_IN_PER_MINUTE", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    pub sign_in_per_minute: u32,
    /// Requests to one household link per ten minutes; past it 429.
    #[arg(long, env = "STARLEDGER_HOUSEHOLD_LINK_PER_10_MINUTES", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    pub household_link_per_10_minutes: u32,
    /// Requests to household links from one client address per ten minutes; past it 429.
    #[arg(long, env = "STARLEDGER_HOUSEHOLD_ADDRESS_PER_10_MINUTES", default_value_t = 120, value_parser = clap::value_parser!(u32).range(1..))]
    pub household_address_per_10_minutes: u32,
    /// API requests per personal token per minute; past it 429 with Retry-After.
    #[arg(long, env = "STARLEDGER_API_TOKEN_PER_MINUTE", default_value_t = 300, value_parser = clap::value_parser!(u32).range(1..))]
    pub api_token_per_minute: u32,
    /// Failed API token authentications per client address per minute; past
    /// it the address gets 429 until its minute ends.
    #[arg(long, env = "STARLEDGER_API_FAILURES_PER_MINUTE", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    pub api_failures_per_minute: u32,
    /// The largest photo (claims, integrity evidence) taken, in bytes; past it 413.
    #[arg(long, env = "STARLEDGER_PHOTO_MAX_BYTES", default_value_t = 8 * 1024 * 1024, value_parser = clap::value_parser!(u64).range(1024..=1024 * 1024 * 1024))]
    pub photo_max_bytes: u64,
    /// The largest roll file imported on the web, in bytes; past it 413.
    #[arg(long, env = "STARLEDGER_IMPORT_MAX_BYTES", default_value_t = 2 * 1024 * 1024, value_parser = clap::value_parser!(u64).range(1024..=1024 * 1024 * 1024))]
    pub import_max_bytes: u64,
}

impl LimitArgs {
    /// The web application's settings.
    pub fn settings(&self) -> starledger_web::Settings {
        starledger_web::Settings {
            sign_in_per_minute: self.sign_in_per_minute,
            household_link_per_link: self.household_link_per_10_minutes,
            household_link_per_address: self.household_address_per_10_minutes,
            api_per_token_per_minute: self.api_token_per_minute,
            api_failures_per_address_per_minute: self.api_failures_per_minute,
            photo_max_bytes: self.photo_max_bytes as usize,
            import_max_bytes: self.import_max_bytes as usize,
        }
    }
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    #[command(flatten)]
    pub web: WebArgs,
    /// Take verified backups (with their manifests) into this folder while serving.
    #[arg(long, env = "STARLEDGER_BACKUP_DIR", requires = "backup_every")]
    pub backup_dir: Option<PathBuf>,
    /// How often to back up: hours (`24`) or a span (`12h`, `90m`, `30s`).
    #[arg(long, env = "STARLEDGER_BACKUP_EVERY", value_parser = backup_interval, requires = "backup_dir")]
    pub backup_every: Option<std::time::Duration>,
    /// How many scheduled backups to keep in the folder; older ones are removed.
    #[arg(long, env = "STARLEDGER_BACKUP_KEEP", default_value_t = 14, value_parser = clap::value_parser!(u32).range(1..))]
    pub backup_keep: u32,
}

/// `--backup-every`: a whole number of hours, or a span jiff reads (`12h`,
/// `90m`, `30s`); at least a second, so that backups named by the second
/// never collide.
fn backup_interval(text: &str) -> Result<std::time::Duration, String> {
    let span = match text.trim().parse::<u64>() {
        Ok(hours) => std::time::Duration::from_secs(hours.saturating_mul(3600)),
        Err(_) => {
            let signed: jiff::SignedDuration =
                text.trim().parse().map_err(|e| format!("not hours or a span like 12h or 30m: {e}"))?;
            std::time::Duration::try_from(signed).map_err(|_| "a span forward in time, like 12h".to_string())?
        }
    };
    if span < std::time::Duration::from_secs(1) { Err("at least one second".into()) } else { Ok(span) }
}

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Only build and print; do not serve.
    #[arg(long)]
    pub no_serve: bool,
    #[command(flatten)]
    pub web: WebArgs,
    /// Seed of the generator; the same seed builds the same community.
    #[arg(long, default_value_t = 2015)]
    pub seed: u64,
}

/// A community's first committee account, as `init` and `community add` make it.
#[derive(Args, Debug)]
pub struct InitArgs {
    /// Login of the first committee account (the secretary).
    #[arg(long)]
    pub login: String,
    /// The secretary's name.
    #[arg(long)]
    pub name: String,
}

#[derive(Subcommand, Debug)]
pub enum BranchCommand {
    /// Add a branch.
    Add {
        name: String,
        #[arg(long)]
        by: String,
    },
    /// Add a party group to a branch.
    AddGroup {
        #[arg(long)]
        branch: BranchId,
        name: String,
        #[arg(long)]
        by: String,
    },
    /// Rename a branch (the same as /branches on the web: committee only, audited before and after).
    Rename {
        /// The branch's id (`starledger branch list`).
        branch: BranchId,
        /// Its new name.
        name: String,
        #[arg(long)]
        by: String,
    },
    /// List branches.
    List,
}

#[derive(Subcommand, Debug)]
pub enum MemberCommand {
    /// Add a member to the roll.
    Add(MemberAddArgs),
    /// Replace the personal data of a member who left the roll, after the retention period, by an
    /// alias: name, phone, claim files, relatives' links; their accounts are disabled. The ledger,
    /// seals and past results still verify. Asks for confirmation unless --yes.
    Pseudonymize {
        #[arg(long)]
        member: MemberId,
        #[arg(long)]
        by: String,
        /// Do it without asking.
        #[arg(long)]
        yes: bool,
        #[command(flatten)]
        retention: RetentionArgs,
    },
    /// List members with their household links.
    List {
        #[arg(long)]
        branch: Option<BranchId>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args, Debug)]
pub struct MemberAddArgs {
    #[arg(long)]
    pub name: String,
    #[arg(long)]
    pub branch: BranchId,
    #[arg(long)]
    pub group: Option<PartyGroupId>,
    /// Mobile number; shown masked in lists.
    #[arg(long)]
    pub phone: Option<String>,
    /// 预备党员: takes part, is not graded.
    #[arg(long)]
    pub probationary: bool,
    /// The post the member holds (支部书记, 委员 ...); members with a post do not link households.
    #[arg(long)]
    pub post: Option<String>,
    /// Excuse from household linking, with the reason (e.g. 年老体弱).
    #[arg(long)]
    pub exempt: Option<String>,
    /// Date the member joined the community's roll (YYYY-MM-DD).
    #[arg(long)]
    pub joined: Option<jiff::civil::Date>,
    /// Date the member left the roll.
    #[arg(long)]
    pub left: Option<jiff::civil::Date>,
    #[arg(long)]
    pub by: String,
}

#[derive(Subcommand, Debug)]
pub enum AccountCommand {
    /// Add an account.
    Add {
        #[arg(long)]
        login: String,
        #[arg(long)]
        name: String,
        /// committee, branch_secretary, member or auditor
        #[arg(long)]
        role: String,
        /// The member this account belongs to.
        #[arg(long)]
        member: Option<MemberId>,
        /// For a branch secretary: their branch.
        #[arg(long)]
        branch: Option<BranchId>,
        #[arg(long)]
        by: String,
    },
    /// Give an account a new one-time password (it must be changed at sign-in).
    ResetPassword {
        login: String,
        #[arg(long)]
        by: String,
    },
    /// Tie an account to the member of the roll it belongs to: an account
    /// acts on points only as one person, and a person has one account.
    Link {
        login: String,
        #[arg(long)]
        member: MemberId,
        #[arg(long)]
        by: String,
    },
    /// Disable an account: it signs in no more; its past acts stay on record.
    Disable {
        login: String,
        #[arg(long)]
        by: String,
    },
    /// List accounts.
    List,
}

#[derive(Subcommand, Debug)]
pub enum HouseholdCommand {
    /// Add a household.
    Add {
        #[arg(long)]
        address: String,
        /// Head of the household.
        #[arg(long)]
        head: Option<String>,
        #[arg(long)]
        phone: Option<String>,
        #[arg(long)]
        by: String,
    },
    /// Link a household to a member (联户).
    Link {
        #[arg(long)]
        household: HouseholdId,
        #[arg(long)]
        member: MemberId,
        #[arg(long)]
        by: String,
    },
    /// Remove a household's link.
    Unlink {
        #[arg(long)]
        household: HouseholdId,
        #[arg(long)]
        by: String,
    },
    /// List households (phones masked).
    List {
        #[arg(long)]
        json: bool,
    },
    /// Enter a household's returned paper rating form (纸质评议表) by its
    /// number, once, within its window; refused to the member rated, their
    /// relatives and their branch secretary. The rating counts as the
    /// household's own.
    EnterForm {
        /// The form's number as printed (ten digits; spaces are ignored).
        #[arg(long)]
        number: String,
        /// The level ticked: satisfied (满意), basic (基本满意) or unsatisfied (不满意).
        #[arg(long)]
        level: String,
        /// The committee member or branch secretary typing it in.
        #[arg(long)]
        by: String,
    },
    /// Coverage: unlinked households, members outside the rulebook's range, excused members.
    Report {
        /// The year whose rulebook sets the range; default: the latest open year.
        #[arg(long)]
        year: Option<i64>,
    },
}

#[derive(Subcommand, Debug)]
pub enum PeriodCommand {
    /// Open a rating year with a rulebook file; the rulebook is frozen into it.
    Open {
        year: i64,
        #[arg(long)]
        rulebook: PathBuf,
        #[arg(long)]
        by: String,
    },
    /// List years and their rulebook versions.
    List,
}

#[derive(Subcommand, Debug)]
pub enum RulebookCommand {
    /// Print the default rulebook, to copy and edit.
    Default,
    /// Check a rulebook file and summarize it.
    Check { file: PathBuf },
    /// Print the rulebook frozen into a year.
    Show { year: i64 },
}

#[derive(Args, Debug)]
pub struct RecordArgs {
    #[arg(long)]
    pub member: MemberId,
    /// The rule's key, e.g. meeting.group (see `starledger rulebook show YEAR`).
    #[arg(long)]
    pub rule: String,
    /// The day it happened (YYYY-MM-DD).
    #[arg(long)]
    pub on: jiff::civil::Date,
    /// Login of the account recording it.
    #[arg(long)]
    pub by: String,
    /// Which meeting, activity or decision it comes from.
    #[arg(long = "ref", default_value = "")]
    pub reference: String,
    /// A reason the member reads; default: the rule's name.
    #[arg(long)]
    pub reason: Option<String>,
    /// Idempotency key; default: derived from member, rule, date and ref, so
    /// repeating the same command records once.
    #[arg(long)]
    pub key: Option<String>,
}

#[derive(Args, Debug)]
pub struct ReverseArgs {
    /// The entry to reverse.
    pub entry: i64,
    #[arg(long)]
    pub by: String,
    #[arg(long)]
    pub reason: String,
}

#[derive(Args, Debug)]
pub struct RatingArgs {
    #[arg(long)]
    pub year: i64,
    #[arg(long)]
    pub json: bool,
    /// What if: replay the year's ledger under this proposed rulebook and
    /// show who would move between star levels, and why. Writes nothing.
    #[arg(long, value_name = "RULEBOOK.toml")]
    pub rulebook: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct ExplainArgs {
    #[arg(long)]
    pub member: MemberId,
    #[arg(long)]
    pub year: i64,
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand, Debug)]
pub enum ReceiptCommand {
    /// Print the receipt for a ledger entry as JSON (its year must be sealed).
    Make {
        #[arg(long)]
        entry: i64,
    },
    /// Check a receipt: its entry and path lead to its root, and, with
    /// --seal, that root is the seal's. Needs no database.
    Check {
        /// The receipt's JSON file.
        file: PathBuf,
        /// The year's seal as kept outside the database (`ledger seal`).
        #[arg(long)]
        seal: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Anomaly flags of a year (one recorder entering most of a branch's
    /// points, entries recorded long after the day, totals clustered below a
    /// cap or above a star line, reversals concentrated on one member), each
    /// with the entries behind it. Flags are prompts for people, never
    /// penalties: nothing is written. Thresholds: docs/auditing.md.
    Anomalies {
        #[arg(long)]
        year: i64,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum LedgerCommand {
    /// Recompute the hash chain and the totals; exit 1 at the first mismatch.
    /// With --against, also check the database against a year's seal kept
    /// outside it (`ledger seal`): a chain rewritten and re-hashed from some
    /// entry onward passes the first check and fails this one.
    Verify {
        /// A seal's JSON file, as `ledger seal` wrote it.
        #[arg(long)]
        against: Option<PathBuf>,
    },
    /// Print a year's seal, taken when it was published or finalized, as
    /// JSON: the copy a street or city keeps outside the database.
    Seal {
        #[arg(long)]
        year: i64,
        /// published or finalized (default: the latest seal of the year).
        #[arg(long)]
        stage: Option<String>,
        /// The seal without its checkpoints, as the notice's QR code holds it
        /// (verify --against it says whether the year holds, not where a
        /// rewrite begins).
        #[arg(long)]
        compact: bool,
    },
}

/// What `starledger print` lays out. The Chinese text is set in a CJK font
/// found on the machine (Debian's fonts-noto-cjk), or the one `--font` names.
#[derive(Subcommand, Debug)]
pub enum PrintCommand {
    /// A published year's five-star certificates (荣誉证书), one A4 landscape page each.
    Certificates {
        #[arg(long)]
        year: i64,
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        font: FontArgs,
    },
    /// A published year's honour-roll poster (光荣榜): five-star members by branch.
    HonourRoll {
        #[arg(long)]
        year: i64,
        /// A4 or A3.
        #[arg(long, default_value = "A4")]
        paper: String,
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        font: FontArgs,
    },
    /// Household cards (联系卡) with each household's private link as a QR
    /// code, eight to an A4 sheet; the committee's only, and audited.
    Cards {
        /// Only this branch's households (default: the whole community).
        #[arg(long)]
        branch: Option<BranchId>,
        /// The committee account printing them.
        #[arg(long)]
        by: String,
        /// The address households reach, as in their QR codes.
        #[arg(long, env = "STARLEDGER_PUBLIC_URL")]
        public_url: String,
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        font: FontArgs,
    },
    /// Paper rating forms (纸质评议表) for the rating window running today,
    /// one per linked household not yet rated in it, three to an A4 sheet;
    /// the committee's only, and audited. Printing again replaces the
    /// window's unentered forms.
    Forms {
        /// Only this branch's households (default: the whole community).
        #[arg(long)]
        branch: Option<BranchId>,
        /// The committee account printing them.
        #[arg(long)]
        by: String,
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        font: FontArgs,
    },
    /// A member's record of a year (积分记录): the total, the stars once
    /// published, and every entry by category, as the member's page shows it.
    /// The member themself, the committee or the member's branch secretary.
    Record {
        #[arg(long)]
        member: MemberId,
        #[arg(long)]
        year: i64,
        /// The account printing it.
        #[arg(long)]
        by: String,
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        font: FontArgs,
    },
    /// A meeting's paper sign-in sheet (签到表): the invited members, a line
    /// each to sign, and the check-in QR code while the meeting is open.
    SignIn {
        #[arg(long)]
        meeting: i64,
        /// The committee member or the branch's secretary printing it.
        #[arg(long)]
        by: String,
        /// The address members reach, as in the check-in QR code.
        #[arg(long, env = "STARLEDGER_PUBLIC_URL")]
        public_url: String,
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        font: FontArgs,
    },
}

#[derive(Args, Debug)]
pub struct FontArgs {
    /// A CJK font file (.ttf, .otf, .ttc) to set the text in.
    #[arg(long, env = "STARLEDGER_FONT")]
    pub font: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// Build a deterministic synthetic city in a NEW database (`--db` or
    /// `--database-url`): regions, communities, branches, members,
    /// households and links, and years of ledger entries with valid chains.
    City(BenchCityArgs),
    /// Time every community's year rating as `starledger rating` computes
    /// it, against a plain-SQL sum and rank on the same database.
    Rating(BenchRatingArgs),
    /// Serve the database in-process on 127.0.0.1 and drive keep-alive
    /// connections at pages and at a static file (the baseline).
    Reads(BenchReadsArgs),
    /// Serve the database in-process on 127.0.0.1 and write household
    /// ratings or meeting closes through the web path with N clients,
    /// against one-row write transactions (the baseline). It records real
    /// entries: use a copy.
    Writes(BenchWritesArgs),
    /// Draw the growth figures (a CSV: panel,series,members,value,baseline)
    /// as an SVG, each series beside its baseline; needs no database.
    Plot(BenchPlotArgs),
}

#[derive(Args, Debug)]
pub struct BenchPlotArgs {
    /// The figures, e.g. docs/growth.csv.
    #[arg(long)]
    pub csv: PathBuf,
    /// The SVG to write, e.g. docs/growth.svg.
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Args, Debug)]
pub struct BenchCityArgs {
    #[arg(long)]
    pub communities: u32,
    #[arg(long)]
    pub members_per_community: u32,
    /// Rated years: the ones before the clock's year (which is opened empty).
    #[arg(long, default_value_t = 2)]
    pub years: u32,
    /// Seed of the generator; the same arguments build the same ledger.
    #[arg(long, default_value_t = 2015)]
    pub seed: u64,
}

#[derive(Args, Debug)]
pub struct BenchRatingArgs {
    /// The year to rate; default: the latest year holding entries.
    #[arg(long)]
    pub year: Option<i64>,
    /// Runs of each side; the median is reported.
    #[arg(long, default_value_t = 3)]
    pub runs: u32,
}

#[derive(Args, Debug)]
pub struct BenchReadsArgs {
    /// Keep-alive connections per path.
    #[arg(long, default_value_t = 64)]
    pub connections: u32,
    /// Seconds each path is driven.
    #[arg(long, default_value_t = 10)]
    pub duration_secs: u64,
    /// Comma-separated paths; `/r/TOKEN` stands for the households' links,
    /// taken in turn from many live tokens. Default: /standings,
    /// /standings?year=LATEST, /me, /honours, /r/TOKEN.
    #[arg(long, value_delimiter = ',')]
    pub paths: Vec<String>,
    /// The committee account whose session the pages are read with
    /// (default: the community's first active committee account).
    #[arg(long)]
    pub login: Option<String>,
}

#[derive(Args, Debug)]
pub struct BenchWritesArgs {
    /// Clients writing at once.
    #[arg(long, default_value_t = 16)]
    pub clients: u32,
    /// Seconds each side is driven (the ratings stop earlier when every
    /// household has rated in today's window).
    #[arg(long, default_value_t = 10)]
    pub duration_secs: u64,
    /// Say that this database is a copy: the bench records real ratings.
    #[arg(long)]
    pub on_a_copy: bool,
    /// What the clients write: household ratings (`POST /r/TOKEN`) or
    /// meeting closes (`POST /meetings/ID/close`, as the committee).
    #[arg(long, value_enum, default_value = "ratings")]
    pub what: WriteKind,
}

/// The writes `bench writes` drives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum WriteKind {
    /// A household's satisfaction rating through its private link.
    Ratings,
    /// A branch meeting closed by the committee, every member's attendance
    /// recorded in the ledger.
    Meetings,
}

#[derive(Subcommand, Debug)]
pub enum ConfigCommand {
    /// Read the configuration file (if any), check every key, and print each
    /// setting with its value (secrets masked) and where it comes from.
    Check,
}
