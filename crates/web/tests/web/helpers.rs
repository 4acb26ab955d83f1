//! What every test shares: `spawn_app()` builds the real application on port 0
//! over a fresh SQLite file holding a small fixture community written through
//! the store, and gives clients that behave like a browser (cookies kept,
//! redirects not followed, so each test sees every 303).

use jiff::civil::Date;
use reqwest::redirect::Policy;
use reqwest::{Client, Response, StatusCode, header};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Connection, FromRow};
use starledger_app::clock::{self, Clock};
use starledger_domain::ledger::{Actor, Entry, EntryDraft};
use starledger_domain::linking::RatingWindow;
use starledger_domain::org::{
    AccountId, BranchId, CommunityId, HouseholdId, MemberId, PartyGroupId, PersonName, Phone, Role, Year,
};
use starledger_domain::regions::RegionPath;
use starledger_domain::rulebook::{DEFAULT_RULEBOOK, Rulebook};
use starledger_store::{
    AccessQueries, Appended, Credentials, LedgerQueries, NewAccount, NewHousehold, NewMember, OpenMode, RatingQueries,
    Store, Target, WriteTx,
};
use starledger_web::{AppState, Config, router};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;
use tempfile::TempDir;
use tokio::net::TcpListener;

// ---- who is in the fixture community (十里社区) ---------------------------------

/// Every fixture account's password.
pub const PASSWORD: &str = "correct horse battery";
/// The bearer token every test app's `/metrics` asks for.
pub const METRICS_TOKEN: &str = "metrics-token-for-tests";
/// A committee account that is also member 彭雅丽 (branch 2).
pub const COMMITTEE: &str = "peng";
/// A second committee account, 赵春明, not a member on the roll.
pub const COMMITTEE_2: &str = "zhao";
/// A third committee account, 孙丽华, not a member on the roll: with 彭雅丽
/// and 赵春明 the committee reaches the default rulebook's decision quorum (3).
pub const COMMITTEE_3: &str = "sunli";
/// The secretary of branch 1, who is also member 胡国强 of branch 1.
pub const BRANCH_SECRETARY: &str = "hu";
/// A plain member account: member 梁小改 (branch 1).
pub const MEMBER: &str = "liang";
/// An auditor, not a member: reads everything, writes nothing.
pub const AUDITOR: &str = "shenji";
/// Member 曾文静 (branch 2), who must change the password at first sign-in.
pub const MUST_CHANGE: &str = "zeng";
/// The committee of the neighbouring community (五里社区), when there is one.
pub const NEIGHBOUR_COMMITTEE: &str = "wuli";
/// A committee login with nobody of the roll behind it: it keeps the roll
/// and publishes notices, and acts on no points.
pub const OFF_ROLL: &str = "kong";

// ---- the organization tree, when the setup asks for it (`Setup::regions`) -------

/// Where 十里社区 sits: county 甲区 of 许昌市.
pub const SHILI_STREET: &str = "许昌市/甲区/甲街道";
/// Where 五里社区 sits: county 乙区 of the same city.
pub const WULI_STREET: &str = "许昌市/乙区/乙街道";
/// The overseer of 许昌市, above both communities.
pub const CITY_OVERSEER: &str = "xuchang";
/// The overseer of 许昌市/甲区, above 十里社区 only.
pub const COUNTY_OVERSEER: &str = "jiaqu";
/// The overseer of another city, 淄博市, with no community below it.
pub const OTHER_CITY_OVERSEER: &str = "zibo";

/// The households 梁小改 serves, in order.
pub const LIANG_ADDRESSES: [&str; 4] = ["东街1号", "东街2号", "东街3号", "东街4号"];
/// 彭雅丽's phone, whole; pages show it masked.
pub const PENG_PHONE: &str = "13700002222";
pub const PENG_PHONE_MASKED: &str = "137****2222";

/// The fixture's ids, as the store gave them.
pub struct Fixture {
    pub community: CommunityId,
    pub year: Year,
    /// 第一党支部
    pub branch1: BranchId,
    /// 第二党支部
    pub branch2: BranchId,
    /// 梁小改, branch 1, linked to four households; account [`MEMBER`].
    pub liang: MemberId,
    /// 胡国强, branch 1, holds a post; account [`BRANCH_SECRETARY`].
    pub hu: MemberId,
    /// 彭雅丽, branch 2, linked to two households; account [`COMMITTEE`].
    pub peng: MemberId,
    /// 曾文静, branch 2; account [`MUST_CHANGE`].
    pub zeng: MemberId,
    /// 王德福, branch 1, excused from linking (年老体弱).
    pub wang: MemberId,
    /// 东街1号..4号, linked to 梁小改, each with a live link.
    pub liang_households: [HouseholdId; 4],
    /// 西街5号, linked to 彭雅丽, with a live link.
    pub peng_household: HouseholdId,
    /// 西街6号, linked to 彭雅丽, with no link yet.
    pub peng_household_unissued: HouseholdId,
    /// 北街7号, linked to no one.
    pub unlinked_household: HouseholdId,
    /// Each household's live link.
    pub tokens: HashMap<HouseholdId, String>,
    /// 梁小改's ledger entries (all typed by accounts, none by households).
    pub liang_entries: Vec<i64>,
    pub accounts: HashMap<&'static str, AccountId>,
}

impl Fixture {
    /// The year before [`Fixture::year`], which the fixture opens too: the
    /// latest year that is over, so the one whose results can be published.
    pub fn last_year(&self) -> Year {
        Year::new(i64::from(self.year.get()) - 1).expect("last year")
    }
}

/// A second community in the same database (the CLI cannot make one, the
/// store can): its data must stay out of reach of the first one's accounts.
pub struct Neighbour {
    pub community: CommunityId,
    pub branch: BranchId,
    pub member: MemberId,
    /// The member its committee account signs in for.
    pub secretary: MemberId,
    pub household: HouseholdId,
    pub token: String,
}

pub struct TestApp {
    /// `http://127.0.0.1:PORT`
    pub address: String,
    pub store: Store,
    /// Where the store is: a SQLite file, or (with
    /// `STARLEDGER_TEST_BACKEND=postgres`) a PostgreSQL database of its own.
    pub db: TestDb,
    pub fixture: Fixture,
    pub neighbour: Option<Neighbour>,
    /// The clock the server runs on.
    pub clock: Clock,
    _dir: TempDir,
}

impl TestApp {
    /// Runs `work` on this app's clock, so that the test's `today()` and
    /// the server's agree when the test stated its own day.
    pub async fn on_its_day<F: std::future::Future>(&self, work: F) -> F::Output {
        clock::scope(self.clock, work).await
    }
}

/// How to build the app, for the few tests that need something unusual.
#[derive(Default)]
pub struct Setup {
    pub neighbour: bool,
    pub secure_cookies: bool,
    /// Places both communities in a tree (implies `neighbour`), adds the
    /// overseers above them and computes the figures the regions read.
    pub regions: bool,
    /// The moment this app's clock starts at, for a test about a date
    /// boundary (`2026-12-31T23:30:00+08:00`; a trailing `!` stops it);
    /// otherwise the suite's. Run the test's body in [`TestApp::on_its_day`].
    pub now: Option<&'static str>,
    /// Retention periods other than the defaults (docs/privacy.md).
    pub retention: Option<starledger_app::privacy::Retention>,
    /// The operator's settings (rate limits, upload sizes); the defaults otherwise.
    pub settings: Option<starledger_web::Settings>,
}

pub async fn spawn_app() -> TestApp {
    spawn(Setup::default()).await
}

/// The app with a second community, 五里社区, in the same database.
pub async fn spawn_app_with_neighbour() -> TestApp {
    spawn(Setup { neighbour: true, ..Setup::default() }).await
}

/// Both communities placed in the tree, with the overseers above them and
/// their figures computed.
pub async fn spawn_app_with_regions() -> TestApp {
    spawn(Setup { regions: true, ..Setup::default() }).await
}

pub async fn spawn(setup: Setup) -> TestApp {
    let clock = match setup.now {
        Some(moment) => Clock::parse(moment).expect("Setup::now is a moment"),
        None => suite_clock(),
    };
    clock::scope(clock, build(setup, clock)).await
}

async fn build(setup: Setup, clock: Clock) -> TestApp {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let db = TestDb::create(&dir).await;
    let store =
        Store::connect(&db.target(), OpenMode::CreateNew, Duration::from_millis(2000)).await.expect("a new database");

    let mut tx = store.write().await.expect("a write transaction");
    let mut fixture = build_fixture(&mut tx).await;
    let with_neighbour = setup.neighbour || setup.regions;
    let neighbour = if with_neighbour { Some(build_neighbour(&mut tx, fixture.year).await) } else { None };
    if setup.regions {
        let neighbour = neighbour.as_ref().expect("the neighbour is built with the regions");
        build_regions(&mut tx, &mut fixture, neighbour).await;
    }
    tx.commit().await.expect("the fixture is written");

    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    let address = format!("http://{}", listener.local_addr().expect("the bound address"));
    let config = Config {
        public_url: address.clone(),
        secure_cookies: setup.secure_cookies,
        allow_loopback_robots: false,
        metrics_token: Some(METRICS_TOKEN.into()),
        retention: setup.retention.unwrap_or_default(),
    };
    let app = router(AppState::configured(store.clone(), config, setup.settings.unwrap_or_default()).with_clock(clock));
    tokio::spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await.expect("the server runs");
    });
    TestApp { address, store, db, fixture, neighbour, clock, _dir: dir }
}

// ---- the store under test -----------------------------------------------------------

/// The database a test's app runs on. The suite runs on SQLite files; with
/// `STARLEDGER_TEST_BACKEND=postgres` (and `STARLEDGER_TEST_POSTGRES`
/// naming the server's maintenance database) every test gets a PostgreSQL
/// database of its own, dropped when the test ends, as `.ci/run` does.
pub enum TestDb {
    Sqlite(PathBuf),
    Postgres { admin: String, name: String, url: String },
}

impl TestDb {
    async fn create(dir: &TempDir) -> TestDb {
        sqlx::any::install_default_drivers();
        if std::env::var("STARLEDGER_TEST_BACKEND").as_deref() != Ok("postgres") {
            return TestDb::Sqlite(dir.path().join("web.db"));
        }
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let admin = std::env::var("STARLEDGER_TEST_POSTGRES")
            .expect("STARLEDGER_TEST_BACKEND=postgres needs STARLEDGER_TEST_POSTGRES=postgres://USER@HOST/postgres");
        let name = format!("sl_web_{}_{}", std::process::id(), NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
        let mut conn = AnyConnection::connect(&admin).await.expect("the PostgreSQL server is reachable");
        for sql in [format!("DROP DATABASE IF EXISTS {name}"), format!("CREATE DATABASE {name}")] {
            sqlx::query(&sql).execute(&mut conn).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
        conn.close().await.expect("close");
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(base, _)| base);
        let url = format!("{base}/{name}");
        TestDb::Postgres { admin, name, url }
    }

    /// SQL as this database runs it: a test names times as the store
    /// does, in PostgreSQL's spelling (`to_timestamp($n)`, `unix_seconds(col)`).
    pub fn sql<'a>(&self, text: &'a str) -> std::borrow::Cow<'a, str> {
        self.target().backend().sql(text)
    }

    pub fn target(&self) -> Target {
        match self {
            TestDb::Sqlite(path) => Target::Sqlite(path.clone()),
            TestDb::Postgres { url, .. } => Target::Postgres(url.clone()),
        }
    }

    /// A URL to reach the rows behind the store's back.
    fn url(&self, read_only: bool) -> String {
        match self {
            TestDb::Sqlite(path) => format!("sqlite://{}?mode={}", path.display(), if read_only { "ro" } else { "rw" }),
            TestDb::Postgres { url, .. } => url.clone(),
        }
    }

    pub fn on_postgres(&self) -> bool {
        matches!(self, TestDb::Postgres { .. })
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let TestDb::Postgres { admin, name, .. } = self else { return };
        let (admin, sql) = (admin.clone(), format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        // Dropped inside the test's runtime, which cannot block on itself.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
            runtime.block_on(async {
                let mut conn = AnyConnection::connect(&admin).await.expect("the PostgreSQL server is reachable");
                sqlx::query(&sql).execute(&mut conn).await.map(|_| ())
            })
        });
        if let Ok(Err(error)) = dropped.join() {
            eprintln!("could not drop a test database: {error}");
        }
    }
}

// ---- the fixture ----------------------------------------------------------------

// ---- the day the suite runs on ---------------------------------------------------

/// The moment every test of this suite starts on, whatever the machine's
/// date, so the suite passes on December 31 at 23:30 and on January 2 as on
/// any day; a test about a date boundary states its own moment with
/// [`Setup::now`]. `STARLEDGER_NOW` states another moment for the whole
/// run, to explore: the fixture opens only that moment's year, so tests
/// that schedule a meeting or an activity hours ahead fail on the last
/// evening of a year (60 of them at `2026-12-31T23:30:00+08:00`). CI runs
/// the suite on this day only.
pub const SUITE_DAY: &str = "2026-06-10T10:00:00+08:00";

/// The suite's clock: a running clock started at `STARLEDGER_NOW` or
/// [`SUITE_DAY`], installed as the process's once, so that the servers and
/// the tests reckon the same day.
pub fn suite_clock() -> Clock {
    static CLOCK: OnceLock<Clock> = OnceLock::new();
    *CLOCK.get_or_init(|| {
        let stated = std::env::var("STARLEDGER_NOW").ok().filter(|text| !text.trim().is_empty());
        let clock = Clock::parse(stated.as_deref().unwrap_or(SUITE_DAY)).expect("STARLEDGER_NOW is a moment");
        clock::install(clock);
        clock
    })
}

/// Today in China on the clock in force (the suite's, or a test's own).
pub fn today() -> Date {
    suite_clock();
    clock::today()
}

/// Now on the clock in force, in Unix seconds.
pub fn now() -> i64 {
    suite_clock();
    clock::now()
}

/// A fixture household's phone on the roll, made from its address.
pub fn fixture_phone(address: &str) -> Phone {
    let n: u32 = address.chars().map(u32::from).sum::<u32>() % 10_000;
    Phone::parse(&format!("1390000{n:04}")).expect("a valid phone")
}

/// The rating window households rate in today.
pub fn current_window() -> RatingWindow {
    RatingWindow::containing(today(), &Rulebook::default_rulebook().linking)
}

/// Hashing is slow on purpose: every account of every test shares one hash.
fn password_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| starledger_web::security::hash_password(PASSWORD).expect("the password hashes"))
}

fn now_seconds() -> i64 {
    now()
}

struct Roll<'a> {
    tx: &'a mut WriteTx,
    community: CommunityId,
}

impl Roll<'_> {
    async fn member(
        &mut self,
        branch: BranchId,
        name: &str,
        phone: Option<&str>,
        post: Option<&str>,
        exempt: Option<&str>,
        joined: Date,
    ) -> MemberId {
        self.tx
            .add_member(&NewMember {
                community_id: self.community,
                branch_id: branch,
                party_group_id: None,
                name: PersonName::parse(name).expect("a valid name"),
                phone: phone.map(|p| Phone::parse(p).expect("a valid phone")),
                probationary: false,
                post: post.map(str::to_string),
                linking_exempt_reason: exempt.map(str::to_string),
                joined_on: Some(joined),
                left_on: None,
                note: None,
            })
            .await
            .expect("the member is added")
    }

    async fn account(
        &mut self,
        login: &str,
        name: &str,
        role: Role,
        member: Option<MemberId>,
        branch: Option<BranchId>,
        must_change: bool,
    ) -> AccountId {
        let id = self
            .tx
            .add_account(&NewAccount {
                community_id: self.community,
                login: login.into(),
                name: name.into(),
                role,
                member_id: member,
                branch_id: branch,
            })
            .await
            .expect("the account is added");
        self.tx.set_password(id, password_hash(), must_change).await.expect("the password is set");
        id
    }

    /// A household, linked to `member` if given, with a live link if `token`.
    async fn household(
        &mut self,
        address: &str,
        member: Option<MemberId>,
        token: bool,
    ) -> (HouseholdId, Option<String>) {
        // Households with a member have a phone on the roll (their link is
        // bound with its last four digits, see [`TestApp::bind`]), except
        // 西街6号, which shows the path without one (a visit code).
        let phone = (member.is_some() && address != "西街6号").then(|| fixture_phone(address));
        let id = self
            .tx
            .add_household(&NewHousehold {
                community_id: self.community,
                address: address.into(),
                head_name: None,
                phone,
            })
            .await
            .expect("the household is added");
        if let Some(member) = member {
            self.tx.link_household(self.community, id, member, today(), "fixture").await.expect("the link");
        }
        if !token {
            return (id, None);
        }
        let token = starledger_web::security::random_token();
        self.tx.issue_household_token(self.community, id, &token, now_seconds()).await.expect("the household's link");
        (id, Some(token))
    }

    /// An entry typed by an account, priced by a rule of the default rulebook.
    async fn entry(&mut self, year: Year, member: MemberId, rule_key: &str, by: AccountId, key: &str) -> i64 {
        let rulebook = Rulebook::default_rulebook();
        let rule = rulebook.rule(rule_key).expect("a rule of the default rulebook");
        let draft = EntryDraft {
            community_id: self.community,
            year: year.get(),
            member_id: member,
            category: rule.category.clone(),
            rule_key: rule.key.clone(),
            rulebook_version: rulebook.version.clone(),
            points: rule.points,
            reason: format!("{}（测试）", rule.name),
            source_kind: rule.source.as_str().to_string(),
            source_ref: format!("fixture:{key}"),
            recorded_by: Actor::Account(by),
            recorded_at: now_seconds(),
            occurred_on: Date::new(year.get(), 1, 15).expect("15 January"),
            idempotency_key: key.into(),
            reverses: None,
        };
        match self.tx.append_entry(draft).await.expect("the entry is appended") {
            Appended::New(entry) => entry.id,
            Appended::Duplicate(id) => panic!("fixture key {key} was used twice (entry {id})"),
        }
    }
}

/// Opens this year, and last year too: in the first days of January this
/// week's Monday, or a meeting an hour ago, still falls in last year.
async fn open_this_year(tx: &mut WriteTx, community: CommunityId) -> Year {
    let year = Year::of(today());
    let rulebook = Rulebook::parse(DEFAULT_RULEBOOK).expect("the default rulebook parses");
    let last = Year::new(i64::from(year.get()) - 1).expect("last year");
    tx.open_period(community, last, DEFAULT_RULEBOOK, &rulebook, "fixture").await.expect("last year opens");
    tx.open_period(community, year, DEFAULT_RULEBOOK, &rulebook, "fixture").await.expect("the year opens");
    year
}

async fn build_fixture(tx: &mut WriteTx) -> Fixture {
    let community = tx.create_community("十里社区").await.expect("the community");
    let branch1 = tx.add_branch(community, "第一党支部").await.expect("branch 1");
    let branch2 = tx.add_branch(community, "第二党支部").await.expect("branch 2");
    let year = open_this_year(tx, community).await;
    let mut roll = Roll { tx, community };
    let joined = |y| Date::new(y, 7, 1).expect("1 July");

    let liang = roll.member(branch1, "梁小改", Some("13812345678"), None, None, joined(2010)).await;
    let hu = roll.member(branch1, "胡国强", Some("13900001111"), Some("支部书记"), None, joined(2005)).await;
    let peng = roll.member(branch2, "彭雅丽", Some(PENG_PHONE), None, None, joined(2012)).await;
    let zeng = roll.member(branch2, "曾文静", None, None, None, joined(2015)).await;
    let wang = roll.member(branch1, "王德福", None, None, Some("年老体弱"), joined(1980)).await;

    let mut accounts = HashMap::new();
    accounts.insert(COMMITTEE, roll.account(COMMITTEE, "彭雅丽", Role::Committee, Some(peng), None, false).await);
    // Every account that acts on points is a person on the roll, and one
    // person has one account: the second and third committee members sign
    // in for 王德福 and 曾文静 (their accounts keep the names the tests
    // read); the account that must change its password acts on no points.
    accounts.insert(COMMITTEE_2, roll.account(COMMITTEE_2, "赵春明", Role::Committee, Some(wang), None, false).await);
    accounts.insert(COMMITTEE_3, roll.account(COMMITTEE_3, "孙丽华", Role::Committee, Some(zeng), None, false).await);
    accounts.insert(
        BRANCH_SECRETARY,
        roll.account(BRANCH_SECRETARY, "胡国强", Role::BranchSecretary, Some(hu), Some(branch1), false).await,
    );
    accounts.insert(MEMBER, roll.account(MEMBER, "梁小改", Role::Member, Some(liang), None, false).await);
    accounts.insert(AUDITOR, roll.account(AUDITOR, "审计员", Role::Auditor, None, None, false).await);
    accounts.insert(MUST_CHANGE, roll.account(MUST_CHANGE, "曾文静", Role::Member, None, None, true).await);
    accounts.insert(OFF_ROLL, roll.account(OFF_ROLL, "孔办事员", Role::Committee, None, None, false).await);

    let mut tokens = HashMap::new();
    let mut liang_households = [HouseholdId::new(0); 4];
    for (slot, address) in liang_households.iter_mut().zip(LIANG_ADDRESSES) {
        let (id, token) = roll.household(address, Some(liang), true).await;
        *slot = id;
        tokens.insert(id, token.expect("issued"));
    }
    let (peng_household, token) = roll.household("西街5号", Some(peng), true).await;
    tokens.insert(peng_household, token.expect("issued"));
    let (peng_household_unissued, _) = roll.household("西街6号", Some(peng), false).await;
    let (unlinked_household, _) = roll.household("北街7号", None, false).await;

    // Totals: 彭雅丽 3, 梁小改 2.5, 胡国强 2, 曾文静 1, 王德福 0.
    let (by_committee, by_secretary, by_committee_2) =
        (accounts[COMMITTEE], accounts[BRANCH_SECRETARY], accounts[COMMITTEE_2]);
    let liang_entries = vec![
        roll.entry(year, liang, "meeting.group", by_committee, "liang-group").await,
        roll.entry(year, liang, "volunteer.cleanup", by_secretary, "liang-cleanup").await,
        roll.entry(year, liang, "meeting.late", by_secretary, "liang-late").await,
    ];
    roll.entry(year, hu, "meeting.lecture", by_committee, "hu-lecture").await;
    roll.entry(year, peng, "integrity.commendation", by_committee_2, "peng-commendation").await;
    roll.entry(year, zeng, "meeting.group", by_committee, "zeng-group").await;

    Fixture {
        community,
        year,
        branch1,
        branch2,
        liang,
        hu,
        peng,
        zeng,
        wang,
        liang_households,
        peng_household,
        peng_household_unissued,
        unlinked_household,
        tokens,
        liang_entries,
        accounts,
    }
}

async fn build_neighbour(tx: &mut WriteTx, year: Year) -> Neighbour {
    let community = tx.create_community("五里社区").await.expect("the second community");
    let branch = tx.add_branch(community, "五里第一党支部").await.expect("its branch");
    let opened = open_this_year(tx, community).await;
    assert_eq!(opened, year);
    let mut roll = Roll { tx, community };
    let member = roll.member(branch, "邻居甲", Some("13600003333"), None, None, Date::new(2011, 3, 1).unwrap()).await;
    let secretary = roll.member(branch, "五里书记", None, Some("党委书记"), None, Date::new(2001, 5, 1).unwrap()).await;
    let committee = roll.account(NEIGHBOUR_COMMITTEE, "五里书记", Role::Committee, Some(secretary), None, false).await;
    let (household, token) = roll.household("五里南街9号", Some(member), true).await;
    roll.entry(year, member, "meeting.group", committee, "neighbour-group").await;
    Neighbour { community, branch, member, secretary, household, token: token.expect("issued") }
}

/// Places 十里社区 and 五里社区 in the tree, adds the overseers (their ids go
/// into `fixture.accounts`) and computes both communities' figures.
async fn build_regions(tx: &mut WriteTx, fixture: &mut Fixture, neighbour: &Neighbour) {
    let path = |text: &str| RegionPath::parse(text).expect("a valid region path");
    for (community, street) in [(fixture.community, SHILI_STREET), (neighbour.community, WULI_STREET)] {
        let region = tx.ensure_region(&path(street)).await.expect("the street");
        tx.place_community(community, region).await.expect("the community is placed");
    }
    for (login, region, name) in [
        (CITY_OVERSEER, "许昌市", "许昌市委组织部"),
        (COUNTY_OVERSEER, "许昌市/甲区", "甲区委组织部"),
        (OTHER_CITY_OVERSEER, "淄博市", "淄博市委组织部"),
    ] {
        let region = tx.ensure_region(&path(region)).await.expect("the region");
        let id = tx.add_overseer(region, login, name).await.expect("the overseer");
        tx.set_password(id, password_hash(), false).await.expect("the password is set");
        fixture.accounts.insert(login, id);
    }
    for community in [fixture.community, neighbour.community] {
        tx.refresh_stats(community, now_seconds()).await.expect("the figures are computed");
    }
}

// ---- talking to the app ---------------------------------------------------------

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// A browser: keeps cookies, does not follow redirects.
    pub fn client(&self) -> Client {
        Client::builder().cookie_store(true).redirect(Policy::none()).no_proxy().build().expect("a client")
    }

    /// A client whose requests come from `127.0.0.N`: another address of
    /// this machine, as the server sees it.
    pub fn client_from(&self, n: u8) -> Client {
        Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .no_proxy()
            .local_address(std::net::IpAddr::from([127, 0, 0, n]))
            .build()
            .expect("a client")
    }

    /// The last four digits of the phone on the roll of the household
    /// whose link `token` is: what the household types to bind a device.
    pub async fn digits(&self, token: &str) -> String {
        let sql = format!(
            "SELECT h.phone FROM households h JOIN household_tokens t ON t.household_id = h.id WHERE t.token = '{token}'"
        );
        let phones: Vec<(Option<String>,)> = self.rows(&sql).await;
        let phone = phones.first().and_then(|p| p.0.clone()).expect("the household has a phone on the roll");
        phone[phone.len() - 4..].to_string()
    }

    /// Opens a household's link on `client` (a device) and proves it with
    /// the phone's last four digits, as the household does the first time:
    /// the device is then bound to the link and may rate.
    pub async fn bind(&self, client: &Client, token: &str) {
        let path = format!("/r/{token}");
        let csrf = csrf_of(&text(self.get(client, &path).await, StatusCode::OK).await);
        let code = self.digits(token).await;
        let response =
            self.post(client, &format!("{path}/bind"), &[("csrf", csrf.as_str()), ("code", code.as_str())]).await;
        assert_redirect(&response, &path);
    }

    /// A client whose requests come from another address of this machine
    /// (`127.0.0.2`): someone elsewhere, as the server sees it.
    pub fn client_from_elsewhere(&self) -> Client {
        let elsewhere = std::net::IpAddr::from([127, 0, 0, 2]);
        Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .no_proxy()
            .local_address(elsewhere)
            .build()
            .expect("a client")
    }

    pub async fn get(&self, client: &Client, path: &str) -> Response {
        client.get(self.url(path)).send().await.expect("the request is answered")
    }

    pub async fn post(&self, client: &Client, path: &str, form: &[(&str, &str)]) -> Response {
        client.post(self.url(path)).form(form).send().await.expect("the request is answered")
    }

    /// Opens the sign-in page for its form token, then posts the form.
    pub async fn sign_in(&self, client: &Client, login: &str, password: &str) -> Response {
        let page = text(self.get(client, "/login").await, StatusCode::OK).await;
        let csrf = csrf_of(&page);
        self.post(client, "/login", &[("csrf", &csrf), ("login", login), ("password", password)]).await
    }

    /// A client signed in as `login`, and its session cookie's value.
    pub async fn login_with_cookie(&self, login: &str, password: &str) -> (Client, String) {
        let client = self.client();
        let response = self.sign_in(&client, login, password).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{login} signs in");
        let cookie = set_cookie(&response, "sl_session").expect("a session cookie");
        (client, cookie.value)
    }

    pub async fn login(&self, login: &str, password: &str) -> Client {
        self.login_with_cookie(login, password).await.0
    }

    /// The CSRF token of a signed-in client's session, from a page's form
    /// (the password page works for every account, even one that must change).
    pub async fn csrf(&self, client: &Client) -> String {
        csrf_of(&text(self.get(client, "/password").await, StatusCode::OK).await)
    }

    // ---- looking into the database ----

    /// One number from SQL run on the database file, behind the store's back.
    pub async fn count(&self, sql: &str) -> i64 {
        let mut conn = self.connect(true).await;
        sqlx::query_scalar(&self.db.sql(sql)).fetch_one(&mut conn).await.unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// The audit log as (actor, action, detail), oldest first.
    pub async fn audit_log(&self) -> Vec<(String, String, String)> {
        let mut conn = self.connect(true).await;
        sqlx::query_as("SELECT actor, action, detail FROM audit_log ORDER BY id")
            .fetch_all(&mut conn)
            .await
            .expect("the audit log reads")
    }

    /// The actions the audit log holds for one account, oldest first. The
    /// audit log names an account `account:N (login)`, whoever wrote the row.
    pub async fn audited_actions(&self, login: &str) -> Vec<String> {
        let actor = format!("account:{} ({login})", self.fixture.accounts[login]);
        self.audit_log().await.into_iter().filter(|(a, ..)| *a == actor).map(|(_, action, _)| action).collect()
    }

    pub async fn credentials(&self, login: &str) -> Credentials {
        let mut reader = self.store.read().await.expect("a reader");
        reader.credentials(login).await.expect("credentials read").expect("the account exists")
    }

    /// Whether the session behind this cookie value is live.
    pub async fn session_is_live(&self, cookie: &str) -> bool {
        let hash = starledger_web::security::sha256_hex(cookie);
        let mut reader = self.store.read().await.expect("a reader");
        reader.session(&hash, now_seconds()).await.expect("the session reads").is_some()
    }

    pub async fn entries_of(&self, member: MemberId) -> Vec<Entry> {
        let mut reader = self.store.read().await.expect("a reader");
        reader.member_entries(self.fixture.community, member, self.fixture.year).await.expect("entries read")
    }

    /// The household's live link, read from the store.
    pub async fn live_token(&self, community: CommunityId, household: HouseholdId) -> Option<String> {
        let mut reader = self.store.read().await.expect("a reader");
        reader.live_tokens(community).await.expect("tokens read").remove(&household)
    }

    pub async fn ledger_rows(&self) -> i64 {
        self.count("SELECT COUNT(*) FROM ledger_entries").await
    }

    pub async fn rating_rows(&self) -> i64 {
        self.count("SELECT COUNT(*) FROM household_ratings").await
    }
}

// ---- reading responses ----------------------------------------------------------

/// Asserts the status and returns the body, which the failure message shows.
pub async fn text(response: Response, status: StatusCode) -> String {
    let got = response.status();
    let url = response.url().to_string();
    let location = location(&response);
    let body = response.text().await.expect("a body");
    assert_eq!(got, status, "{url} (location {location:?}) answered:\n{body}");
    body
}

/// Where a redirect points, or "" if it does not.
pub fn location(response: &Response) -> String {
    // Not `to_str`: a Location may carry a tab, which is what some tests look for.
    response
        .headers()
        .get(header::LOCATION)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_default()
}

/// Asserts a 303 to `target`.
#[track_caller]
pub fn assert_redirect(response: &Response, target: &str) {
    assert_eq!(
        (response.status(), location(response).as_str()),
        (StatusCode::SEE_OTHER, target),
        "{} should redirect to {target}",
        response.url()
    );
}

/// The value of the first hidden `csrf` input of a page.
/// The id of the claim a submission was accepted as: it leads back to the
/// claims page, which shows that claim first.
pub fn submitted_claim(response: &Response) -> i64 {
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "the claim is accepted");
    let to = location(response);
    to.strip_prefix("/claims?submitted=").and_then(|id| id.parse().ok()).unwrap_or_else(|| panic!("redirected to {to}"))
}

pub fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).unwrap_or_else(|| panic!("no csrf field in:\n{html}")) + marker.len();
    let length = html[start..].find('"').expect("the value ends");
    html[start..start + length].to_string()
}

/// One Set-Cookie header, split into its value and attributes.
pub struct SetCookie {
    pub value: String,
    /// Everything after the value, e.g. `Path=/; Max-Age=43200; HttpOnly; SameSite=Lax`.
    pub attributes: Vec<String>,
}

impl SetCookie {
    pub fn has(&self, attribute: &str) -> bool {
        self.attributes.iter().any(|a| a.eq_ignore_ascii_case(attribute))
    }
}

pub fn set_cookie(response: &Response, name: &str) -> Option<SetCookie> {
    response.headers().get_all(header::SET_COOKIE).iter().find_map(|value| {
        let text = value.to_str().ok()?;
        let mut parts = text.split(';').map(str::trim);
        let (key, value) = parts.next()?.split_once('=')?;
        (key == name).then(|| SetCookie { value: value.to_string(), attributes: parts.map(str::to_string).collect() })
    })
}

/// Member ids of the rows of a standings page, in page order.
pub fn member_rows(html: &str) -> Vec<MemberId> {
    html.split("<tr data-member=\"")
        .skip(1)
        .map(|rest| rest[..rest.find('"').expect("the id ends")].parse().expect("a member id"))
        .collect()
}

/// The `<tr>` of a table that contains `needle`.
pub fn row_containing<'a>(html: &'a str, needle: &str) -> Option<&'a str> {
    let at = html.find(needle)?;
    let start = html[..at].rfind("<tr")?;
    let end = at + html[at..].find("</tr>")? + "</tr>".len();
    Some(&html[start..end])
}

// ---- more of the roll, added while the app runs ----------------------------------

/// Who a test adds to the roll: a member of `branch`, in `group` if given.
pub struct NewPerson<'a> {
    pub branch: BranchId,
    pub name: &'a str,
    pub group: Option<PartyGroupId>,
    pub post: Option<&'a str>,
    pub exempt: Option<&'a str>,
    pub left_on: Option<Date>,
    /// A probationary member (预备党员): takes part, votes, is not graded or rated.
    pub probationary: bool,
}

impl<'a> NewPerson<'a> {
    /// A member without a post, on the roll since 2015.
    pub fn in_branch(branch: BranchId, name: &'a str) -> Self {
        NewPerson { branch, name, group: None, post: None, exempt: None, left_on: None, probationary: false }
    }
}

impl TestApp {
    pub async fn add_member(&self, person: NewPerson<'_>) -> MemberId {
        self.add_member_in(self.fixture.community, person).await
    }

    /// As [`TestApp::add_member`], into any community of the database.
    pub async fn add_member_in(&self, community: CommunityId, person: NewPerson<'_>) -> MemberId {
        let mut tx = self.store.write().await.expect("a write transaction");
        let id = tx
            .add_member(&NewMember {
                community_id: community,
                branch_id: person.branch,
                party_group_id: person.group,
                name: PersonName::parse(person.name).expect("a valid name"),
                phone: None,
                probationary: person.probationary,
                post: person.post.map(str::to_string),
                linking_exempt_reason: person.exempt.map(str::to_string),
                joined_on: Some(Date::new(2015, 7, 1).expect("1 July")),
                left_on: person.left_on,
                note: None,
            })
            .await
            .expect("the member is added");
        tx.commit().await.expect("the member is written");
        id
    }

    /// An account with the fixture's password, which need not be changed.
    pub async fn add_account(
        &self,
        login: &str,
        role: Role,
        member: Option<MemberId>,
        branch: Option<BranchId>,
    ) -> AccountId {
        self.add_account_in(self.fixture.community, login, role, member, branch).await
    }

    /// As [`TestApp::add_account`], in any community of the database.
    pub async fn add_account_in(
        &self,
        community: CommunityId,
        login: &str,
        role: Role,
        member: Option<MemberId>,
        branch: Option<BranchId>,
    ) -> AccountId {
        let mut tx = self.store.write().await.expect("a write transaction");
        let id = tx
            .add_account(&NewAccount {
                community_id: community,
                login: login.into(),
                name: login.into(),
                role,
                member_id: member,
                branch_id: branch,
            })
            .await
            .expect("the account is added");
        tx.set_password(id, password_hash(), false).await.expect("the password is set");
        tx.commit().await.expect("the account is written");
        id
    }

    /// Tries to add an account, as the store's callers do; the refusal's words.
    pub async fn try_add_account(
        &self,
        login: &str,
        role: Role,
        member: Option<MemberId>,
    ) -> Result<AccountId, String> {
        let mut tx = self.store.write().await.expect("a write transaction");
        let account = NewAccount {
            community_id: self.fixture.community,
            login: login.into(),
            name: login.into(),
            role,
            member_id: member,
            branch_id: None,
        };
        let id = tx.add_account(&account).await.map_err(|e| e.to_string())?;
        tx.commit().await.expect("the account is written");
        Ok(id)
    }

    /// A plain member of `branch` with an account `login`.
    pub async fn add_member_account(&self, branch: BranchId, name: &str, login: &str) -> (MemberId, AccountId) {
        let member = self.add_member(NewPerson::in_branch(branch, name)).await;
        (member, self.add_account(login, Role::Member, Some(member), None).await)
    }

    /// A secretary of `branch` who is a member of it and holds the post.
    pub async fn add_branch_secretary(&self, branch: BranchId, name: &str, login: &str) -> (MemberId, AccountId) {
        let person = NewPerson { post: Some("支部书记"), ..NewPerson::in_branch(branch, name) };
        let member = self.add_member(person).await;
        (member, self.add_account(login, Role::BranchSecretary, Some(member), Some(branch)).await)
    }

    /// An entry of this year typed by `by`, priced by a rule of the default
    /// rulebook, written straight into the ledger (no caps checked): for
    /// bringing a member close to a cap.
    pub async fn add_entry(&self, member: MemberId, rule_key: &str, by: AccountId, key: &str) -> i64 {
        self.add_entry_in(self.fixture.year, member, rule_key, by, key).await
    }

    /// As [`TestApp::add_entry`], into `year` (dated 15 January of it).
    pub async fn add_entry_in(&self, year: Year, member: MemberId, rule_key: &str, by: AccountId, key: &str) -> i64 {
        self.add_entries_in(year, member, rule_key, by, key, 1).await[0]
    }

    /// `count` entries of one rule into `year`, keyed `{key}-1`.. (or `key`
    /// alone for one), in one transaction: a year's worth of service.
    pub async fn add_entries_in(
        &self,
        year: Year,
        member: MemberId,
        rule_key: &str,
        by: AccountId,
        key: &str,
        count: usize,
    ) -> Vec<i64> {
        let mut tx = self.store.write().await.expect("a write transaction");
        let mut roll = Roll { tx: &mut tx, community: self.fixture.community };
        let mut ids = Vec::with_capacity(count);
        for n in 1..=count {
            let key = if count == 1 { key.to_string() } else { format!("{key}-{n}") };
            ids.push(roll.entry(year, member, rule_key, by, &key).await);
        }
        tx.commit().await.expect("the entries are written");
        ids
    }

    pub async fn add_party_group(&self, branch: BranchId, name: &str) -> PartyGroupId {
        let mut tx = self.store.write().await.expect("a write transaction");
        let id = tx.add_party_group(self.fixture.community, branch, name).await.expect("the party group");
        tx.commit().await.expect("the party group is written");
        id
    }

    /// A household, linked to `member` if given.
    pub async fn add_household(&self, address: &str, member: Option<MemberId>) -> HouseholdId {
        let mut tx = self.store.write().await.expect("a write transaction");
        let community = self.fixture.community;
        let id = tx
            .add_household(&NewHousehold {
                community_id: community,
                address: address.into(),
                head_name: None,
                phone: None,
            })
            .await
            .expect("the household is added");
        if let Some(member) = member {
            tx.link_household(community, id, member, today(), "fixture").await.expect("the link");
        }
        tx.commit().await.expect("the household is written");
        id
    }

    // ---- reading and changing rows behind the store's back ----

    /// A writable connection behind the store's back, for tests that break things.
    pub async fn connect_for_test(&self) -> AnyConnection {
        self.connect(false).await
    }

    async fn connect(&self, read_only: bool) -> AnyConnection {
        AnyConnection::connect(&self.db.url(read_only)).await.expect("open the database")
    }

    /// Every row SQL returns, as tuples.
    pub async fn rows<T>(&self, sql: &str) -> Vec<T>
    where
        T: for<'r> FromRow<'r, AnyRow> + Send + Unpin,
    {
        let mut conn = self.connect(true).await;
        sqlx::query_as(&self.db.sql(sql)).fetch_all(&mut conn).await.unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// The chosen columns of every row of a table as one text, in a stable
    /// order, the same on both stores: to compare a table before and after.
    pub async fn table_text(&self, table: &str, columns: &[&str]) -> String {
        let row =
            columns.iter().map(|c| format!("COALESCE(CAST({c} AS TEXT), '')")).collect::<Vec<_>>().join(" || ':' || ");
        let rows: Vec<(String,)> = self.rows(&format!("SELECT {row} FROM {table}")).await;
        let mut rows: Vec<String> = rows.into_iter().map(|(row,)| row).collect();
        rows.sort();
        rows.join(",")
    }

    /// One text from SQL.
    pub async fn text_of(&self, sql: &str) -> String {
        let mut conn = self.connect(true).await;
        sqlx::query_scalar(&self.db.sql(sql)).fetch_one(&mut conn).await.unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// Changes the database as time or an administrator would (moving a
    /// meeting's start into the past, closing a year), without the app.
    pub async fn execute(&self, sql: &str) {
        let mut conn = self.connect(false).await;
        sqlx::query(&self.db.sql(sql)).execute(&mut conn).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// Like [`TestApp::execute`], for SQL the database may refuse (a trigger,
    /// a missing column): the error, or how many rows changed.
    pub async fn try_execute(&self, sql: &str) -> Result<u64, sqlx::Error> {
        let mut conn = self.connect(false).await;
        sqlx::query(&self.db.sql(sql)).execute(&mut conn).await.map(|done| done.rows_affected())
    }

    /// The audited work of any account (signing in and out left out), oldest first.
    pub async fn work_of(&self, account: AccountId) -> Vec<String> {
        let sql =
            format!("SELECT action FROM audit_log WHERE actor LIKE 'account:{account} (%' AND {WORK} ORDER BY id");
        self.rows::<(String,)>(&sql).await.into_iter().map(|(action,)| action).collect()
    }

    /// The audited work of a fixture account.
    pub async fn work(&self, login: &str) -> Vec<String> {
        self.work_of(self.fixture.accounts[login]).await
    }

    /// The number of rows of a table, for "nothing was written" checks.
    pub async fn rows_in(&self, table: &str) -> i64 {
        self.count(&format!("SELECT COUNT(*) FROM {table}")).await
    }

    /// Row counts of every table a workflow writes, to compare before and after a refusal.
    pub async fn written(&self) -> Written {
        Written {
            claims: self.rows_in("claims").await,
            uploads: self.rows_in("uploads").await,
            ledger_entries: self.rows_in("ledger_entries").await,
            meetings: self.rows_in("meetings").await,
            meeting_attendance: self.rows_in("meeting_attendance").await,
            leave_requests: self.rows_in("leave_requests").await,
            household_links: self.rows_in("household_links").await,
            activities: self.rows_in("activities").await,
            activity_signups: self.rows_in("activity_signups").await,
            audit_log: self.count(&format!("SELECT COUNT(*) FROM audit_log WHERE {WORK}")).await,
            fingerprint: [
                self.table_text("claims", &["id", "status", "entry_id"]).await,
                self.table_text("meeting_attendance", &["meeting_id", "member_id", "status", "ledgered"]).await,
                self.table_text("leave_requests", &["id", "status"]).await,
                self.table_text("household_links", &["household_id", "member_id"]).await,
                self.table_text("meetings", &["id", "closed_at"]).await,
                self.table_text(
                    "activity_signups",
                    &["activity_id", "member_id", "status", "answered_at", "checked_in_at", "entry_id"],
                )
                .await,
            ]
            .join("|"),
        }
    }
}

/// Audit rows about work, not about sessions (sign-in, sign-out, passwords).
const WORK: &str = "action NOT LIKE 'login%' AND action NOT LIKE 'logout%' AND action NOT LIKE 'password%'";

/// How many rows each table holds, and a fingerprint of their states.
#[derive(Debug, PartialEq, Eq)]
pub struct Written {
    pub claims: i64,
    pub uploads: i64,
    pub ledger_entries: i64,
    pub meetings: i64,
    pub meeting_attendance: i64,
    pub leave_requests: i64,
    pub household_links: i64,
    pub activities: i64,
    pub activity_signups: i64,
    pub audit_log: i64,
    pub fingerprint: String,
}

// ---- multipart forms (claims with a photo) --------------------------------------

/// One field of a multipart form.
pub enum Part<'a> {
    Text(&'a str, &'a str),
    /// name, file name, declared content type, bytes
    File(&'a str, &'a str, &'a str, &'a [u8]),
}

pub const BOUNDARY: &str = "----starledger-test-boundary-5f1c2a";

/// The `Content-Type` of [`multipart_body`]'s bodies.
pub fn multipart_content_type() -> String {
    format!("multipart/form-data; boundary={BOUNDARY}")
}

/// The body a browser sends for a `multipart/form-data` form.
pub fn multipart_body(parts: &[Part<'_>]) -> Vec<u8> {
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match part {
            Part::Text(name, value) => {
                body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes());
                body.extend_from_slice(value.as_bytes());
            }
            Part::File(name, file, content_type, bytes) => {
                body.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\n\
                         Content-Type: {content_type}\r\n\r\n"
                    )
                    .as_bytes(),
                );
                body.extend_from_slice(bytes);
            }
        }
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// A 1×1 PNG.
pub const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0A, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00,
    0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

/// The start of a JPEG (SOI, a JFIF APP0 segment) and its end (EOI).
pub const JPEG: &[u8] = &[
    0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00,
    0x00, 0xFF, 0xD9,
];

/// Text that calls itself an image.
pub const NOT_AN_IMAGE: &[u8] = b"%PDF-1.4 this is not a picture";

impl TestApp {
    pub async fn post_multipart(&self, client: &Client, path: &str, parts: &[Part<'_>]) -> Response {
        client
            .post(self.url(path))
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={BOUNDARY}"))
            .body(multipart_body(parts))
            .send()
            .await
            .expect("the request is answered")
    }

    /// Posts the visit form: household, date, note and, if given, a photo.
    pub async fn log_visit(
        &self,
        client: &Client,
        csrf: &str,
        household: HouseholdId,
        date: Date,
        note: &str,
        photo: Option<&[u8]>,
    ) -> Response {
        let (household, date) = (household.to_string(), date.to_string());
        let mut parts = vec![Part::Text("csrf", csrf), Part::Text("household", &household), Part::Text("date", &date)];
        parts.push(Part::Text("note", note));
        // A browser sends an empty file field when no file was chosen.
        parts.push(Part::File(
            "photo",
            if photo.is_some() { "photo.png" } else { "" },
            "image/png",
            photo.unwrap_or(b""),
        ));
        self.post_multipart(client, "/claims/visit", &parts).await
    }

    /// Posts the study-week form with the given screenshot, if any.
    pub async fn declare_study(&self, client: &Client, csrf: &str, date: Date, screenshot: Option<&[u8]>) -> Response {
        let date = date.to_string();
        let mut parts = vec![Part::Text("csrf", csrf), Part::Text("date", &date)];
        if let Some(bytes) = screenshot {
            parts.push(Part::File("photo", "screenshot.jpg", "image/jpeg", bytes));
        }
        self.post_multipart(client, "/claims/study", &parts).await
    }

    /// The id of the newest claim.
    pub async fn last_claim(&self) -> i64 {
        self.count("SELECT MAX(id) FROM claims").await
    }

    /// Logs a visit that must be accepted; its claim's id.
    pub async fn visit_claim(&self, client: &Client, household: HouseholdId, photo: Option<&[u8]>) -> i64 {
        let csrf = self.csrf(client).await;
        submitted_claim(&self.log_visit(client, &csrf, household, today(), "走访了解情况", photo).await)
    }

    /// Declares this week's study, which must be accepted; its claim's id.
    pub async fn study_claim(&self, client: &Client, screenshot: &[u8]) -> i64 {
        let csrf = self.csrf(client).await;
        submitted_claim(&self.declare_study(client, &csrf, today(), Some(screenshot)).await)
    }

    /// Approves or rejects a claim (`decision` = approve | reject).
    pub async fn decide(&self, client: &Client, claim: i64, decision: &str) -> Response {
        let csrf = self.csrf(client).await;
        let path = format!("/claims/{claim}/decide");
        self.post(client, &path, &[("csrf", &csrf), ("decision", decision), ("note", "已核实")]).await
    }

    /// A claim's (status, decided_by, entry_id).
    pub async fn claim_state(&self, claim: i64) -> (String, Option<AccountId>, Option<i64>) {
        let sql = format!("SELECT status, decided_by, entry_id FROM claims WHERE id = {claim}");
        self.rows(&sql).await.pop().unwrap_or_else(|| panic!("claim {claim} exists"))
    }
}

// ---- meetings -------------------------------------------------------------------

/// China Standard Time.
pub fn china() -> jiff::tz::TimeZone {
    clock::china()
}

/// A `datetime-local` value `minutes` from now in China, to the minute.
pub fn starts_in(minutes: i64) -> String {
    let at = jiff::Timestamp::from_second(now()).expect("a moment") + jiff::SignedDuration::from_mins(minutes);
    at.to_zoned(china()).strftime("%Y-%m-%dT%H:%M").to_string()
}

/// What a `datetime-local` value means, in Unix seconds.
pub fn seconds_of(starts_at: &str) -> i64 {
    let civil: jiff::civil::DateTime = starts_at.parse().expect("a datetime-local value");
    civil.to_zoned(china()).expect("a time in China").timestamp().as_second()
}

/// The meeting form's fields.
pub struct MeetingForm<'a> {
    pub rule: &'a str,
    pub branch: BranchId,
    pub group: Option<PartyGroupId>,
    pub starts_at: String,
}

impl<'a> MeetingForm<'a> {
    /// A branch general meeting (支部党员大会) `minutes` from now.
    pub fn general(branch: BranchId, minutes: i64) -> Self {
        MeetingForm { rule: "meeting.branch_general", branch, group: None, starts_at: starts_in(minutes) }
    }
}

impl TestApp {
    pub async fn schedule(&self, client: &Client, form: &MeetingForm<'_>) -> Response {
        let csrf = self.csrf(client).await;
        let (branch, group) = (form.branch.to_string(), form.group.map(|g| g.to_string()).unwrap_or_default());
        let fields = [
            ("csrf", csrf.as_str()),
            ("rule", form.rule),
            ("branch", &branch),
            ("group", &group),
            ("title", "支部党员大会"),
            ("place", "社区党群服务中心"),
            ("starts_at", &form.starts_at),
        ];
        self.post(client, "/meetings", &fields).await
    }

    /// Schedules a meeting that must be accepted; its id.
    pub async fn meeting(&self, client: &Client, form: &MeetingForm<'_>) -> i64 {
        let response = self.schedule(client, form).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "the meeting is scheduled");
        let to = location(&response);
        to.strip_prefix("/meetings/").and_then(|id| id.parse().ok()).unwrap_or_else(|| panic!("redirected to {to}"))
    }

    /// Saves the attendance sheet: (member, present | late | absent | excused).
    pub async fn mark(&self, client: &Client, meeting: i64, marks: &[(MemberId, &str)]) -> Response {
        let csrf = self.csrf(client).await;
        let names: Vec<String> = marks.iter().map(|(member, _)| format!("m{member}")).collect();
        let mut fields = vec![("csrf", csrf.as_str())];
        fields.extend(names.iter().zip(marks).map(|(name, (_, status))| (name.as_str(), *status)));
        self.post(client, &format!("/meetings/{meeting}/attendance"), &fields).await
    }

    /// Closes a meeting, confirmed, recording whoever is still unmarked as
    /// absent (the explicit choice the close asks for).
    pub async fn close_meeting(&self, client: &Client, meeting: i64) -> Response {
        let csrf = self.csrf(client).await;
        let form = [("csrf", csrf.as_str()), ("unmarked", "absent"), ("confirm", "yes")];
        self.post(client, &format!("/meetings/{meeting}/close"), &form).await
    }

    pub async fn checkin_token(&self, meeting: i64) -> String {
        self.text_of(&format!("SELECT checkin_token FROM meetings WHERE id = {meeting}")).await
    }

    /// (member, status, via, recorded_by, ledgered) for each attendance row, by member.
    pub async fn attendance_of(&self, meeting: i64) -> Vec<(MemberId, String, String, AccountId, bool)> {
        let sql = format!(
            "SELECT member_id, status, via, recorded_by, CASE WHEN ledgered THEN 1 ELSE 0 END \
             FROM meeting_attendance WHERE meeting_id = {meeting} ORDER BY member_id"
        );
        // A flag is a boolean on PostgreSQL and 1 or 0 on SQLite: read as a number.
        let rows: Vec<(MemberId, String, String, AccountId, i64)> = self.rows(&sql).await;
        rows.into_iter().map(|(member, status, via, by, ledgered)| (member, status, via, by, ledgered != 0)).collect()
    }

    /// (member, rule, points in tenths, recorded_by) of a meeting's entries, by id.
    pub async fn meeting_entries(&self, meeting: i64) -> Vec<(MemberId, String, i64, String)> {
        let sql = format!(
            "SELECT member_id, rule_key, points_tenths, recorded_by FROM ledger_entries \
             WHERE source_ref = 'meeting:{meeting}' ORDER BY id"
        );
        self.rows(&sql).await
    }

    /// Moves a meeting's start, as the passing of time would.
    pub async fn move_start(&self, meeting: i64, minutes_from_now: i64) {
        let at = self.clock.now().as_second() + minutes_from_now * 60;
        self.execute(&format!("UPDATE meetings SET starts_at = to_timestamp({at}) WHERE id = {meeting}")).await;
    }
}

// ---- volunteer service ----------------------------------------------------------

impl TestApp {
    /// Publishes an activity priced by `rule`, `starts_in_minutes` from now and
    /// `minutes` long, with 20 places, which must be accepted; its id.
    pub async fn publish_service(&self, client: &Client, rule: &str, starts_in_minutes: i64, minutes: i64) -> i64 {
        let csrf = self.csrf(client).await;
        let (starts_at, ends_at) = (starts_in(starts_in_minutes), starts_in(starts_in_minutes + minutes));
        let fields = [
            ("csrf", csrf.as_str()),
            ("rule", rule),
            ("title", "敬老院陪护"),
            ("place", "社区敬老院"),
            ("starts_at", &starts_at),
            ("ends_at", &ends_at),
            ("slots", "20"),
        ];
        let response = self.post(client, "/activities", &fields).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "the activity is published");
        let to = location(&response);
        to.strip_prefix("/activities/").and_then(|id| id.parse().ok()).unwrap_or_else(|| panic!("redirected to {to}"))
    }

    /// Signs a member up for an activity, which must be accepted.
    pub async fn join_service(&self, client: &Client, id: i64) {
        let csrf = self.csrf(client).await;
        let response =
            self.post(client, &format!("/activities/{id}/answer"), &[("csrf", &csrf), ("answer", "sign_up")]).await;
        assert_redirect(&response, &format!("/activities/{id}"));
    }

    /// Scans the activity's venue QR and presses the button: a check-in, or
    /// for service counted by the hour, the second time, a check-out.
    pub async fn scan_service_qr(&self, client: &Client, id: i64) -> Response {
        let token = self.text_of(&format!("SELECT checkin_token FROM activities WHERE id = {id}")).await;
        let csrf = self.csrf(client).await;
        self.post(client, &format!("/activities/checkin/{token}"), &[("csrf", &csrf)]).await
    }

    /// The organizer confirms the service of `members`.
    pub async fn confirm_served(&self, client: &Client, id: i64, members: &[MemberId]) -> Response {
        let csrf = self.csrf(client).await;
        let values: Vec<String> = members.iter().map(MemberId::to_string).collect();
        let mut fields = vec![("csrf", csrf.as_str()), ("confirm", "yes")];
        fields.extend(values.iter().map(|m| ("m", m.as_str())));
        self.post(client, &format!("/activities/{id}/confirm"), &fields).await
    }

    /// Moves an activity in time, as the passing of time would.
    pub async fn reschedule_service(&self, id: i64, starts_in_minutes: i64, ends_in_minutes: i64) {
        let now = now_seconds();
        let (starts, ends) = (now + starts_in_minutes * 60, now + ends_in_minutes * 60);
        self.execute(&format!(
            "UPDATE activities SET starts_at = to_timestamp({starts}), ends_at = to_timestamp({ends}) WHERE id = {id}"
        ))
        .await;
    }
}
