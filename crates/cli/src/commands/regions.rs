//! A city's or county's installation: more communities in one database, the
//! organization tree above them, its overseers, and the figures they read.
//! These commands belong to whoever runs the installation (as `init` does):
//! they name no acting account, and each is audited as the operator's.

use super::Context;
use super::org::{check_login, one_time_password};
use crate::args::{CommunityCommand, InitArgs, RegionCommand, StatsCommand};
use crate::failure::{Failure, Outcome};
use starledger_domain::org::{PersonName, Role};
use starledger_domain::regions::{Region, RegionId, RegionLevel, RegionPath, RegionTree};
use starledger_store::{NewAccount, OrgQueries, RegionQueries, Store, WriteTx};

/// How the installation's operator is named in the audit log.
const OPERATOR: &str = "cli operator";

/// A region's path as given on the command line; `what` names the argument.
fn path(text: &str, what: &str) -> Result<RegionPath, Failure> {
    RegionPath::parse(text).map_err(|e| Failure::bad_input(format!("{what}: {e}")))
}

/// The region a path names, which must exist already: a typo must not
/// create a new branch of the tree.
async fn existing_region(store: &Store, text: &str) -> Result<Region, Failure> {
    let path = path(text, "--region")?;
    let tree = store.read().await?.regions().await?;
    tree.find(&path).cloned().ok_or_else(|| {
        Failure::bad_input(format!("--region: no region {path}; add it with `starledger region add {path}`"))
    })
}

/// The street or town a community is placed in: communities sit at the
/// bottom of the tree, so that every region's figures add up.
async fn existing_street(store: &Store, text: &str) -> Result<RegionId, Failure> {
    let region = existing_region(store, text).await?;
    if region.level != RegionLevel::Street {
        return Err(Failure::bad_input(format!(
            "--region: {text} is a {} ({}); a community sits in a street or town (街道/乡镇), e.g. {text}/某街道",
            region.level,
            region.level.label_zh()
        )));
    }
    Ok(region.id)
}

fn named_community(context: &Context) -> Result<PersonName, Failure> {
    let name = context.community.as_deref().ok_or_else(|| Failure::bad_input("name the community with --community"))?;
    PersonName::parse(name).map_err(|e| Failure::bad_input(format!("--community: {e}")))
}

pub async fn community(context: &Context, command: CommunityCommand) -> Outcome {
    let store = context.open().await?;
    match command {
        CommunityCommand::Add { secretary: InitArgs { login, name }, region } => {
            let community = named_community(context)?;
            let name = PersonName::parse(&name).map_err(|e| Failure::bad_input(format!("--name: {e}")))?;
            check_login(&login)?;
            let region = match region {
                Some(text) => Some(existing_street(&store, &text).await?),
                None => None,
            };
            if store.read().await?.community_named(community.as_str()).await?.is_some() {
                return Err(Failure::refused(format!("a community named {community} exists already")));
            }
            let (password, hash) = one_time_password().await?;
            let mut tx = store.write().await?;
            let id = tx.create_community(community.as_str()).await?;
            if let Some(region) = region {
                tx.place_community(id, region).await?;
            }
            let account = NewAccount {
                community_id: id,
                login: login.clone(),
                name: name.to_string(),
                role: Role::Committee,
                member_id: None,
                branch_id: None,
            };
            let account_id = tx.add_account(&account).await?;
            tx.set_password(account_id, &hash, true).await?;
            tx.audit(Some(id), OPERATOR, "community.add", &format!("{community}; committee account {login}")).await?;
            tx.commit().await?;
            println!("added community {id}: {community}; committee account {login}, one-time password: {password}");
        }
        CommunityCommand::Place { region } => {
            let community = named_community(context)?;
            let found = store.read().await?.community_named(community.as_str()).await?;
            let found =
                found.ok_or_else(|| Failure::bad_input(format!("--community: no community named {community}")))?;
            let region_id = existing_street(&store, &region).await?;
            let mut tx = store.write().await?;
            tx.place_community(found.id, region_id).await?;
            tx.audit(Some(found.id), OPERATOR, "community.place", &region).await?;
            tx.commit().await?;
            println!("{community} is now in {region}");
        }
    }
    Ok(())
}

pub async fn region(context: &Context, command: RegionCommand) -> Outcome {
    let store = context.open().await?;
    match command {
        RegionCommand::Add { path: text } => {
            let path = path(&text, "region path")?;
            let mut tx = store.write().await?;
            let id = tx.ensure_region(&path).await?;
            tx.audit(None, OPERATOR, "region.add", &path.to_string()).await?;
            tx.commit().await?;
            println!("region {id}: {path} ({})", path.level().label_zh());
        }
        RegionCommand::List => list(&store).await?,
        RegionCommand::Overseer { region, login, name } => {
            let region_id = existing_region(&store, &region).await?.id;
            check_login(&login)?;
            let name = PersonName::parse(&name).map_err(|e| Failure::bad_input(format!("--name: {e}")))?;
            let (password, hash) = one_time_password().await?;
            let mut tx = store.write().await?;
            let id = tx.add_overseer(region_id, &login, name.as_str()).await?;
            tx.set_password(id, &hash, true).await?;
            tx.audit(None, OPERATOR, "overseer.add", &format!("account {id} {login} for {region}")).await?;
            tx.commit().await?;
            println!(
                "added overseer {login} for {region}; one-time password: {password} (to be changed at first sign-in)"
            );
        }
        RegionCommand::ResetPassword { login } => {
            let overseers = store.read().await?.overseers().await?;
            let overseer = overseers.iter().find(|o| o.login == login).ok_or_else(|| {
                Failure::bad_input(format!(
                    "no overseer {login}; a community's account is reset with `account reset-password`"
                ))
            })?;
            let (password, hash) = one_time_password().await?;
            let mut tx = store.write().await?;
            tx.set_password(overseer.id, &hash, true).await?;
            // The old password's sessions end with it.
            tx.delete_sessions_of(overseer.id).await?;
            tx.audit(None, OPERATOR, "overseer.reset_password", &format!("account {}", overseer.id)).await?;
            tx.commit().await?;
            println!("new one-time password for {login}: {password} (to be changed at first sign-in)");
        }
    }
    Ok(())
}

/// The tree, indented, each region with its overseers and communities;
/// communities outside the tree last.
async fn list(store: &Store) -> Result<(), Failure> {
    let mut reader = store.read().await?;
    let tree = reader.regions().await?;
    let communities = reader.placed_communities().await?;
    let overseers = reader.overseers().await?;
    fn walk(tree: &RegionTree, parent: Option<RegionId>, depth: usize, print: &mut dyn FnMut(&Region, usize)) {
        for region in tree.children(parent) {
            print(region, depth);
            walk(tree, Some(region.id), depth + 1, print);
        }
    }
    walk(&tree, None, 0, &mut |region, depth| {
        let indent = "  ".repeat(depth);
        println!("{indent}{} ({})", region.name, region.level.label_zh());
        for o in overseers.iter().filter(|o| o.region_id == region.id) {
            println!("{indent}  overseer: {} ({})", o.login, o.name);
        }
        for c in communities.iter().filter(|c| c.region_id == Some(region.id)) {
            println!("{indent}  community {}: {}", c.id, c.name);
        }
    });
    for c in communities.iter().filter(|c| c.region_id.is_none()) {
        println!("community {}: {} (not in the tree)", c.id, c.name);
    }
    Ok(())
}

pub async fn stats(context: &Context, command: StatsCommand) -> Outcome {
    let StatsCommand::Refresh = command;
    let store = context.open().await?;
    let communities = store.read().await?.communities().await?;
    let now = starledger_app::clock::now();
    for community in communities {
        let mut tx: WriteTx = store.write().await?;
        let years = tx.refresh_stats(community.id, now).await?;
        tx.commit().await?;
        println!("{}: figures for {} years", community.name, years.len());
    }
    Ok(())
}
