//! `starledger bench city`: a deterministic synthetic city to measure on.
//! A region tree (city, districts, streets), C communities each with its
//! branches, party groups, committee and branch secretaries, M members
//! (some probationary, some excused from linking, a few who joined in the
//! last year), 5 to 10 households per member without a post, each with its
//! private link, and a year of events per rated year written into every
//! community's hash chain through the store's bulk path.
//!
//! The same arguments build the same city, down to the last hash; only the
//! households' link tokens (secrets, from the operating system) and the
//! `created_at` columns (the machine's clock) differ between builds.

use super::year::{self, YearPlan};
use crate::args::BenchCityArgs;
use crate::commands::Context;
use crate::demo::names::NameBook;
use crate::failure::{Failure, Outcome};
use jiff::civil::{Date, date};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use starledger_domain::org::{Account, BranchId, CommunityId, HouseholdId, MemberId, PartyGroupId, Role, Year};
use starledger_domain::regions::RegionPath;
use starledger_domain::rulebook::{DEFAULT_RULEBOOK, Rulebook};
use starledger_store::{BulkHousehold, BulkMember, NewAccount, Store, Target, WriteTx};
use std::time::Instant;

/// Every bench account's password (committee, branch secretaries, the
/// city's overseer): a bench database is for measuring, not for people.
pub const BENCH_PASSWORD: &str = "starledger-bench";

/// The city's overseer account.
pub const CITY_LOGIN: &str = "bench-city";

/// Communities per street and streets per district in the region tree.
const COMMUNITIES_PER_STREET: usize = 10;
const STREETS_PER_DISTRICT: usize = 5;

/// Members per branch, about as in the demo (216 members, 6 branches).
const MEMBERS_PER_BRANCH: u32 = 36;
/// Members per party group.
const MEMBERS_PER_GROUP: usize = 12;

/// One person on a synthetic roll, with what drives their events.
pub struct Person {
    pub id: MemberId,
    pub branch: usize,
    pub group: Option<PartyGroupId>,
    pub probationary: bool,
    /// Holds a post in their branch (支部书记, 支部委员): attends its committee.
    pub branch_committee: bool,
    pub linked: bool,
    pub joined_on: Date,
    /// 0.25 to 1: how reliably they turn up, study, visit and serve.
    pub diligence: f64,
    /// How eagerly they answer volunteer notices.
    pub affinity: f64,
    pub households: Vec<HouseholdId>,
}

pub struct Branch {
    pub id: BranchId,
    pub secretary: Account,
    pub groups: Vec<PartyGroupId>,
}

/// One community as the year planner needs it.
pub struct Roll {
    pub community: CommunityId,
    pub branches: Vec<Branch>,
    pub committee: Vec<Account>,
    pub people: Vec<Person>,
}

/// What was built, for the summary line.
#[derive(Default)]
struct Built {
    members: usize,
    households: usize,
    entries: usize,
    capped: usize,
}

/// The rated years: the `years` before the clock's, as in the demo; the
/// clock's own year is opened empty, so households can rate today.
fn history(years: u32) -> Vec<i16> {
    let this_year = crate::output::today().year();
    (1..=years as i16).rev().map(|back| this_year - back).collect()
}

pub async fn run(context: &Context, args: BenchCityArgs) -> Outcome {
    if args.communities == 0 || args.communities > 100_000 {
        return Err(Failure::bad_input("--communities must be between 1 and 100000"));
    }
    if args.members_per_community < 10 || args.members_per_community > 100_000 {
        return Err(Failure::bad_input(
            "--members-per-community must be between 10 (a committee and a branch need that many) and 100000",
        ));
    }
    if args.years == 0 || args.years > 10 {
        return Err(Failure::bad_input("--years must be between 1 and 10"));
    }
    remove_empty_file(&context.target)?;
    // A new database only: `create` refuses a SQLite file that exists and a
    // PostgreSQL database that already holds starledger's tables.
    let store = context.create().await?;
    let started = Instant::now();
    let years = history(args.years);
    let password =
        starledger_app::secrets::hash_password_blocking(BENCH_PASSWORD.to_string()).await.map_err(Failure::failed)?;
    let mut tx = store.write().await?;
    tx.set_meta("kind", "bench").await?;
    tx.set_meta(
        "bench_city",
        &format!(
            "communities={} members_per_community={} years={} seed={}",
            args.communities, args.members_per_community, args.years, args.seed
        ),
    )
    .await?;
    let city = tx.ensure_region(&region("合成市")?).await?;
    let overseer = tx.add_overseer(city, CITY_LOGIN, "合成市委组织部").await?;
    tx.set_password(overseer, &password, false).await?;
    tx.commit().await?;

    let mut built = Built::default();
    for ordinal in 1..=args.communities as usize {
        // Each community draws from its own stream, so that a community is
        // the same whatever the number of communities built before it.
        let mut rng = ChaCha8Rng::seed_from_u64(args.seed ^ (ordinal as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let roll = build_roll(&store, ordinal, args.members_per_community, &years, &password, &mut rng).await?;
        built.members += roll.people.len();
        built.households += roll.people.iter().map(|p| p.households.len()).sum::<usize>();
        for (index, &raw_year) in years.iter().enumerate() {
            let year = Year::new(i64::from(raw_year)).map_err(Failure::failed)?;
            let rulebook = Rulebook::default_rulebook();
            let plan = YearPlan::new(&roll, &rulebook, year, index, &mut rng);
            let written = year::write(&store, &roll, &rulebook, year, plan, &mut rng).await?;
            built.entries += written.entries;
            built.capped += written.capped;
        }
        let mut tx = store.write().await?;
        tx.refresh_stats(roll.community, starledger_app::clock::now()).await?;
        tx.commit().await?;
        if ordinal % 10 == 0 || ordinal == args.communities as usize {
            eprintln!(
                "bench city: {ordinal}/{} communities, {} entries, {:.1} s",
                args.communities,
                built.entries,
                started.elapsed().as_secs_f64()
            );
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let vacuum = Instant::now();
    let settled = store.settle_after_bulk_load().await?;
    println!(
        "built {}: {} communities, {} members, {} households, {} ledger entries ({} events past a cap not \
         recorded), years {}, in {seconds:.1} s ({:.0} entries/s)",
        context.target.display().display(),
        args.communities,
        built.members,
        built.households,
        built.entries,
        built.capped,
        years.iter().map(i16::to_string).collect::<Vec<_>>().join(", "),
        built.entries as f64 / seconds.max(1e-9),
    );
    if settled {
        println!("then VACUUM ANALYZE in {:.1} s, as autovacuum would later", vacuum.elapsed().as_secs_f64());
    }
    println!(
        "accounts: bench001-committee1 … (committee), bench001-branch1 … (branch secretaries), {CITY_LOGIN} \
         (the city's overseer); password {BENCH_PASSWORD}"
    );
    println!(
        "reproduce: starledger {} bench city --communities {} --members-per-community {} --years {} --seed {}",
        context.option(),
        args.communities,
        args.members_per_community,
        args.years,
        args.seed
    );
    Ok(())
}

/// An empty file at the path (as `mktemp` leaves) is not a database yet:
/// it is replaced. Anything else at the path is refused by `create`.
fn remove_empty_file(target: &Target) -> Result<(), Failure> {
    if let Target::Sqlite(path) = target
        && std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() == 0)
    {
        std::fs::remove_file(path).map_err(|e| Failure::failed(format!("cannot replace {}: {e}", path.display())))?;
    }
    Ok(())
}

fn region(path: &str) -> Result<RegionPath, Failure> {
    RegionPath::parse(path).map_err(|e| Failure::failed(format!("bench region {path}: {e}")))
}

/// The community's name and the street it belongs to.
fn place(ordinal: usize) -> (String, String) {
    let street = (ordinal - 1) / COMMUNITIES_PER_STREET + 1;
    let district = (street - 1) / STREETS_PER_DISTRICT + 1;
    (format!("合成{ordinal:03}社区"), format!("合成市/合成{district}区/合成{street}街道"))
}

/// The roll of one community, written in one transaction: the community in
/// its street, branches and groups, members, the committee's and branch
/// secretaries' accounts, households with links and tokens, and the years.
async fn build_roll(
    store: &Store,
    ordinal: usize,
    size: u32,
    years: &[i16],
    password: &str,
    rng: &mut ChaCha8Rng,
) -> Result<Roll, Failure> {
    let (name, street) = place(ordinal);
    let mut tx = store.write().await?;
    let community = tx.create_community(&name).await?;
    let street = tx.ensure_region(&region(&street)?).await?;
    tx.place_community(community, street).await?;

    let branch_count = size.div_ceil(MEMBERS_PER_BRANCH).max(1) as usize;
    let mut branch_ids = Vec::with_capacity(branch_count);
    let mut groups: Vec<Vec<PartyGroupId>> = Vec::with_capacity(branch_count);
    for b in 0..branch_count {
        let branch = tx.add_branch(community, &format!("第{}党支部", b + 1)).await?;
        let in_branch = (size as usize).div_ceil(branch_count);
        let mut ids = Vec::new();
        for g in 0..(in_branch / MEMBERS_PER_GROUP).max(1) {
            ids.push(tx.add_party_group(community, branch, &format!("第{}党小组", g + 1)).await?);
        }
        branch_ids.push(branch);
        groups.push(ids);
    }

    // Posts: each branch's secretary, then the community committee, then
    // two branch committee members per branch; the rest hold no post.
    let committee_size = if size >= 20 { 5 } else { 4 };
    let first_year = *years.first().expect("at least one year");
    let last_year = *years.last().expect("at least one year");
    let mut names = NameBook::default();
    let mut members = Vec::with_capacity(size as usize);
    let mut people = Vec::with_capacity(size as usize);
    for i in 0..size as usize {
        let branch = i % branch_count;
        let in_branch = i / branch_count;
        let post = if i < branch_count {
            Some("支部书记")
        } else if i < branch_count + committee_size {
            Some("党委委员")
        } else if i < 3 * branch_count + committee_size {
            Some("支部委员")
        } else {
            None
        };
        let exempt = (post.is_none() && rng.random_bool(0.05)).then_some("年老体弱");
        let probationary = post.is_none() && rng.random_bool(0.04);
        // Most joined years ago; a few joined during the last rated year
        // (their points are scaled to the part of the year on the roll).
        let joined_on = if post.is_none() && rng.random_bool(0.03) {
            date(last_year, rng.random_range(2..=11), rng.random_range(1..=28))
        } else {
            date(first_year - rng.random_range(1..=30), rng.random_range(1..=12), rng.random_range(1..=28))
        };
        let branch_groups = &groups[branch];
        let group = branch_groups[(in_branch / MEMBERS_PER_GROUP) % branch_groups.len()];
        members.push(BulkMember {
            branch_id: branch_ids[branch],
            party_group_id: Some(group),
            name: names.fresh_any(rng),
            probationary,
            post: post.map(str::to_string),
            linking_exempt_reason: exempt.map(str::to_string),
            joined_on: Some(joined_on),
        });
        people.push(Person {
            id: MemberId::new(0), // the roll gives it below
            branch,
            group: Some(group),
            probationary,
            branch_committee: matches!(post, Some("支部书记" | "支部委员")),
            linked: post.is_none() && exempt.is_none(),
            joined_on,
            diligence: 0.25 + 0.75 * rng.random::<f64>().powf(0.6),
            affinity: 0.2 + 1.1 * rng.random::<f64>(),
            households: Vec::new(),
        });
    }
    let ids = tx.bulk_add_members(community, &members).await?;
    for (person, id) in people.iter_mut().zip(&ids) {
        person.id = *id;
    }

    let mut committee = Vec::with_capacity(committee_size);
    for j in 0..committee_size {
        let person = &people[branch_count + j];
        let login = format!("bench{ordinal:03}-committee{}", j + 1);
        committee.push(
            account(&mut tx, community, &login, &members[branch_count + j].name, Role::Committee, person.id, None)
                .await?,
        );
    }
    let mut branches = Vec::with_capacity(branch_count);
    for (b, (&id, branch_groups)) in branch_ids.iter().zip(groups).enumerate() {
        let login = format!("bench{ordinal:03}-branch{}", b + 1);
        let secretary =
            account(&mut tx, community, &login, &members[b].name, Role::BranchSecretary, people[b].id, Some(id))
                .await?;
        branches.push(Branch { id, secretary, groups: branch_groups });
    }
    for account in committee.iter().chain(branches.iter().map(|b| &b.secretary)) {
        tx.set_password(account.id, password, false).await?;
    }

    // 5 to 10 households per member without a post, near where they live.
    let mut households = Vec::new();
    let mut owners = Vec::new();
    for (index, person) in people.iter().enumerate() {
        if !person.linked {
            continue;
        }
        for _ in 0..rng.random_range(5..=10) {
            let number = households.len() + 1;
            households.push(BulkHousehold {
                address: format!("{name}{}巷{}号", number / 40 + 1, number % 40 + 1),
                head_name: names.fresh_any(rng),
                linked_to: Some(person.id),
                token: Some(starledger_app::secrets::random_token()),
            });
            owners.push(index);
        }
    }
    let linked_on = date(first_year, 1, 1);
    let now = starledger_app::clock::now();
    let actor = starledger_app::ledger::actor_label(&committee[0]);
    let household_ids = tx.bulk_add_households(community, &households, linked_on, &actor, now).await?;
    for (owner, id) in owners.into_iter().zip(household_ids) {
        people[owner].households.push(id);
    }

    let rulebook = Rulebook::default_rulebook();
    let this_year = crate::output::today().year();
    for year in years.iter().copied().chain([this_year]) {
        let year = Year::new(i64::from(year)).map_err(Failure::failed)?;
        tx.open_period(community, year, DEFAULT_RULEBOOK, &rulebook, &actor).await?;
    }
    tx.commit().await?;
    Ok(Roll { community, branches, committee, people })
}

async fn account(
    tx: &mut WriteTx,
    community: CommunityId,
    login: &str,
    name: &str,
    role: Role,
    member: MemberId,
    branch: Option<BranchId>,
) -> Result<Account, Failure> {
    let new = NewAccount {
        community_id: community,
        login: login.to_string(),
        name: name.to_string(),
        role,
        member_id: Some(member),
        branch_id: branch,
    };
    let id = tx.add_account(&new).await?;
    Ok(Account {
        id,
        community_id: community,
        login: new.login,
        name: new.name,
        role,
        member_id: Some(member),
        branch_id: branch,
    })
}
