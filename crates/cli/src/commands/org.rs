//! Keeping the roll: the community, its branches, members, accounts,
//! households and household links. Only the committee writes here.

use super::{Context, actor_label};
use crate::args::{AccountCommand, BranchCommand, HouseholdCommand, InitArgs, MemberAddArgs, MemberCommand};
use crate::failure::{Failure, Outcome};
use crate::output;
use starledger_app::{accounts, roll};
use starledger_domain::duty;
use starledger_domain::linking::{LinkStatus, Satisfaction, link_status, may_link_one_more};
use starledger_domain::org::{BranchId, CommunityId, PersonName, Phone, Role};
use starledger_domain::rulebook::Rulebook;
use starledger_store::{NewAccount, NewHousehold, NewMember, OrgQueries, Store};

pub async fn init(context: &Context, args: InitArgs) -> Outcome {
    let community = context
        .community
        .as_deref()
        .ok_or_else(|| Failure::bad_input("init: name the community with --community, e.g. --community 十里社区"))?;
    let community = PersonName::parse(community).map_err(|e| Failure::bad_input(format!("--community: {e}")))?;
    let name = PersonName::parse(&args.name).map_err(|e| Failure::bad_input(format!("--name: {e}")))?;
    check_login(&args.login)?;
    let store = context.create().await?;
    let mut tx = store.write().await?;
    let community_id = tx.create_community(community.as_str()).await?;
    let account = NewAccount {
        community_id,
        login: args.login.clone(),
        name: name.to_string(),
        role: Role::Committee,
        member_id: None,
        branch_id: None,
    };
    let account_id = tx.add_account(&account).await?;
    tx.audit(Some(community_id), &format!("account:{account_id} ({})", args.login), "init", community.as_str()).await?;
    tx.commit().await?;
    println!("created {} for {community}; committee account: {}", context.target.display().display(), args.login);
    println!("next: `starledger branch add NAME --by {}`", args.login);
    Ok(())
}

pub(super) fn check_login(login: &str) -> Result<(), Failure> {
    Ok(accounts::check_login(login)?)
}

pub async fn branch(context: &Context, command: BranchCommand) -> Outcome {
    let store = context.open().await?;
    match command {
        BranchCommand::Add { name, by } => {
            let (_, actor) = context.actor(&store, &by).await?;
            let mut tx = store.write().await?;
            let id = roll::add_branch(&mut tx, &actor, &name).await?;
            tx.commit().await?;
            println!("added branch {id}: {}", name.trim());
        }
        BranchCommand::AddGroup { branch, name, by } => {
            let (_, actor) = context.actor(&store, &by).await?;
            let mut tx = store.write().await?;
            let id = roll::add_party_group(&mut tx, &actor, branch, &name).await?;
            tx.commit().await?;
            println!("added party group {id}: {}", name.trim());
        }
        BranchCommand::Rename { branch, name, by } => {
            let (_, actor) = context.actor(&store, &by).await?;
            let mut tx = store.write().await?;
            roll::rename_branch(&mut tx, &actor, branch, &name).await?;
            tx.commit().await?;
            println!("branch {branch} is now named {}", name.trim());
        }
        BranchCommand::List => {
            let mut reader = store.read().await?;
            let community = context.community(&mut reader).await?;
            for (id, name) in reader.branches(community.id).await? {
                println!("{id}\t{name}");
            }
        }
    }
    Ok(())
}

async fn require_branch(store: &Store, community: CommunityId, branch: BranchId) -> Result<(), Failure> {
    if store.read().await?.has_branch(community, branch).await? {
        Ok(())
    } else {
        Err(Failure::bad_input(format!("no branch with id {branch}; see `starledger branch list`")))
    }
}

fn phone(raw: Option<&str>) -> Result<Option<Phone>, Failure> {
    raw.map(Phone::parse).transpose().map_err(|e| Failure::bad_input(format!("--phone: {e}")))
}

pub async fn member(context: &Context, command: MemberCommand) -> Outcome {
    let store = context.open().await?;
    match command {
        MemberCommand::Add(args) => add_member(context, &store, args).await,
        MemberCommand::List { branch, json } => list_members(context, &store, branch, json).await,
        MemberCommand::Pseudonymize { member, by, yes, retention } => {
            super::retention::pseudonymize(context, &store, member, &by, yes, &retention).await
        }
    }
}

async fn add_member(context: &Context, store: &Store, args: MemberAddArgs) -> Outcome {
    let (community, actor) = context.actor(store, &args.by).await?;
    duty::may_administer(&actor, "add members")?;
    let name = PersonName::parse(&args.name).map_err(|e| Failure::bad_input(format!("--name: {e}")))?;
    require_branch(store, community.id, args.branch).await?;
    if let (Some(joined), Some(left)) = (args.joined, args.left)
        && left < joined
    {
        return Err(Failure::bad_input(format!("--left {left} is before --joined {joined}")));
    }
    let member = NewMember {
        community_id: community.id,
        branch_id: args.branch,
        party_group_id: args.group,
        name: name.clone(),
        phone: phone(args.phone.as_deref())?,
        probationary: args.probationary,
        post: args.post,
        linking_exempt_reason: args.exempt,
        joined_on: args.joined,
        left_on: args.left,
        note: None,
    };
    let mut tx = store.write().await?;
    let id = tx.add_member(&member).await?;
    tx.audit(Some(community.id), &actor_label(&actor), "member.add", &format!("member {id} {name}")).await?;
    tx.commit().await?;
    println!("added member {id}: {name}");
    Ok(())
}

async fn list_members(context: &Context, store: &Store, branch: Option<BranchId>, json: bool) -> Outcome {
    let mut reader = store.read().await?;
    let community = context.community(&mut reader).await?;
    let members = reader.members(community.id).await?;
    let counts = reader.link_counts(community.id).await?;
    let members: Vec<_> = members.into_iter().filter(|m| branch.is_none_or(|b| m.branch_id == b)).collect();
    if json {
        let rows: Vec<serde_json::Value> = members
            .iter()
            .map(|m| {
                serde_json::json!({
                    "member_id": m.id,
                    "name": m.name.as_str(),
                    "branch": m.branch,
                    "phone": m.phone.as_ref().map(|p| p.masked()),
                    "probationary": m.probationary,
                    "linking_excuse": m.linking.excuse(),
                    "households": counts.get(&m.id).copied().unwrap_or(0),
                    "joined_on": m.joined_on.map(|d| d.to_string()),
                    "left_on": m.left_on.map(|d| d.to_string()),
                })
            })
            .collect();
        return output::json(&rows);
    }
    println!("{:>5}  {:<8}  {:<14}  {:>4}  note", "id", "name", "branch", "户");
    for m in &members {
        let mut notes = Vec::new();
        if m.probationary {
            notes.push("预备党员".to_string());
        }
        if let Some(excuse) = m.linking.excuse() {
            notes.push(excuse);
        }
        if let Some(left) = m.left_on {
            notes.push(format!("{left} 离开"));
        }
        println!(
            "{:>5}  {}  {}  {:>4}  {}",
            m.id,
            output::pad(m.name.as_str(), 8),
            output::pad(&m.branch, 14),
            counts.get(&m.id).copied().unwrap_or(0),
            notes.join("；")
        );
    }
    Ok(())
}

pub async fn account(context: &Context, command: AccountCommand) -> Outcome {
    let store = context.open().await?;
    match command {
        AccountCommand::Add { login, name, role, member, branch, by } => {
            let (_, actor) = context.actor(&store, &by).await?;
            let role: Role = role.parse().map_err(|e| Failure::bad_input(format!("--role: {e}")))?;
            let name = PersonName::parse(&name).map_err(|e| Failure::bad_input(format!("--name: {e}")))?;
            let new = accounts::NewLogin { login: login.clone(), role, member, name: Some(name), branch };
            let (password, hash) = one_time_password().await?;
            let mut tx = store.write().await?;
            accounts::create(&mut tx, &actor, new, &hash).await?;
            tx.commit().await?;
            println!("added account {login} ({role}); one-time password: {password} (to be changed at first sign-in)");
        }
        AccountCommand::ResetPassword { login, by } => {
            let (community, actor) = context.actor(&store, &by).await?;
            if login == actor.login {
                return Err(Failure::refused("change your own password on the web page (/password)"));
            }
            let target = account_in(&store, community.id, &login).await?;
            let (password, hash) = one_time_password().await?;
            let mut tx = store.write().await?;
            accounts::reset_password(&mut tx, &actor, target.id, &hash).await?;
            tx.commit().await?;
            println!("new one-time password for {login}: {password} (to be changed at first sign-in)");
        }
        AccountCommand::Link { login, member, by } => {
            let (community, actor) = context.actor(&store, &by).await?;
            let target = account_in(&store, community.id, &login).await?;
            let mut tx = store.write().await?;
            let name = accounts::link(&mut tx, &actor, target.id, member).await?;
            tx.commit().await?;
            println!("account {login} now acts as {name} (member {member})");
        }
        AccountCommand::Disable { login, by } => {
            let (community, actor) = context.actor(&store, &by).await?;
            if login == actor.login {
                return Err(Failure::refused("an account does not disable itself; ask another committee member"));
            }
            let target = account_in(&store, community.id, &login).await?;
            let mut tx = store.write().await?;
            accounts::disable(&mut tx, &actor, target.id).await?;
            tx.commit().await?;
            println!("account {login} is disabled; its sessions ended");
        }
        AccountCommand::List => {
            let mut reader = store.read().await?;
            let community = context.community(&mut reader).await?;
            for account in reader.accounts(community.id).await? {
                let member = account.member_id.map(|m| format!("member {m}")).unwrap_or_default();
                println!("{}\t{}\t{}\t{}", account.login, account.name, account.role.label_zh(), member);
            }
        }
    }
    Ok(())
}

/// The account `login`, which must be of the acting community.
async fn account_in(
    store: &starledger_store::Store,
    community: CommunityId,
    login: &str,
) -> Result<starledger_domain::org::Account, Failure> {
    let target = store.read().await?.account_by_login(login).await?;
    if target.community_id != community {
        return Err(Failure::refused(format!("account {login} belongs to another community")));
    }
    Ok(target)
}

/// A readable one-time password and its argon2id hash.
pub(super) async fn one_time_password() -> Result<(String, String), Failure> {
    let password = starledger_app::secrets::readable_password();
    let hash = starledger_app::secrets::hash_password_blocking(password.clone()).await.map_err(Failure::failed)?;
    Ok((password, hash))
}

pub async fn household(context: &Context, command: HouseholdCommand) -> Outcome {
    let store = context.open().await?;
    match command {
        HouseholdCommand::Add { address, head, phone: raw_phone, by } => {
            let (community, actor) = context.actor(&store, &by).await?;
            duty::may_administer(&actor, "add households")?;
            if address.trim().is_empty() {
                return Err(Failure::bad_input("--address cannot be empty"));
            }
            let household = NewHousehold {
                community_id: community.id,
                address: address.trim().to_string(),
                head_name: head,
                phone: phone(raw_phone.as_deref())?,
            };
            let mut tx = store.write().await?;
            let id = tx.add_household(&household).await?;
            tx.audit(Some(community.id), &actor_label(&actor), "household.add", &format!("household {id}")).await?;
            tx.commit().await?;
            println!("added household {id}: {}", household.address);
        }
        HouseholdCommand::Link { household, member, by } => {
            let (community, actor) = context.actor(&store, &by).await?;
            duty::may_administer(&actor, "link households")?;
            let rulebook = current_rulebook(&store, community.id, None).await?;
            let mut tx = store.write().await?;
            let target = tx.member(community.id, member).await?;
            let current = tx.household(community.id, household).await?;
            if current.member_id == Some(member) {
                println!("household {household} is already linked to {}", target.name);
                return Ok(());
            }
            if target.left_on.is_some_and(|left| left < output::today()) {
                return Err(Failure::refused(format!("{} has left the roll", target.name)));
            }
            if let Some(excuse) = target.linking.excuse() {
                return Err(Failure::refused(format!("{} does not link households ({excuse})", target.name)));
            }
            let linked = tx.link_counts(community.id).await?.get(&member).copied().unwrap_or(0);
            may_link_one_more(member, linked, &rulebook.linking).map_err(Failure::refused)?;
            let today = output::today();
            tx.link_household(community.id, household, member, today, &actor_label(&actor)).await?;
            let detail = format!("household {household} -> member {member} (was {:?})", current.member_id);
            tx.audit(Some(community.id), &actor_label(&actor), "household.link", &detail).await?;
            tx.commit().await?;
            println!("linked household {household} to {} ({} households now)", target.name, linked + 1);
        }
        HouseholdCommand::Unlink { household, by } => {
            let (community, actor) = context.actor(&store, &by).await?;
            duty::may_administer(&actor, "unlink households")?;
            let mut tx = store.write().await?;
            tx.household(community.id, household).await?;
            if !tx.unlink_household(community.id, household).await? {
                return Err(Failure::refused(format!("household {household} is not linked")));
            }
            tx.audit(Some(community.id), &actor_label(&actor), "household.unlink", &format!("household {household}"))
                .await?;
            tx.commit().await?;
            println!("unlinked household {household}");
        }
        HouseholdCommand::List { json } => {
            let mut reader = store.read().await?;
            let community = context.community(&mut reader).await?;
            let households = reader.households(community.id).await?;
            if json {
                let rows: Vec<serde_json::Value> = households
                    .iter()
                    .map(|h| {
                        serde_json::json!({
                            "household_id": h.id, "address": h.address, "head": h.head_name,
                            "phone": h.phone_masked(), "member_id": h.member_id, "member": h.member_name,
                        })
                    })
                    .collect();
                return output::json(&rows);
            }
            for h in &households {
                println!(
                    "{:>5}  {}  {}  {}  {}",
                    h.id,
                    output::pad(&h.address, 24),
                    output::pad(h.head_name.as_deref().unwrap_or("-"), 8),
                    h.phone_masked().unwrap_or_else(|| "-".into()),
                    h.member_name.as_deref().unwrap_or("（未联户）")
                );
            }
        }
        HouseholdCommand::EnterForm { number, level, by } => {
            let level = match level.as_str() {
                "satisfied" => Satisfaction::Satisfied,
                "basic" => Satisfaction::BasicallySatisfied,
                "unsatisfied" => Satisfaction::NotSatisfied,
                other => {
                    return Err(Failure::bad_input(format!(
                        "--level: \"{other}\" is not satisfied, basic or unsatisfied"
                    )));
                }
            };
            let (_, actor) = context.actor(&store, &by).await?;
            let mut tx = store.write().await?;
            match starledger_app::paper_forms::enter(&mut tx, &actor, &number, level).await? {
                Ok(entered) => {
                    tx.commit().await?;
                    println!(
                        "entered form {}: {} rates {} {} (entry {})",
                        entered.form.number,
                        entered.form.address,
                        entered.form.member_name,
                        level.label_zh(),
                        entered.entry
                    );
                }
                Err(
                    refusal @ (starledger_app::paper_forms::FormRefusal::Malformed(_)
                    | starledger_app::paper_forms::FormRefusal::Unknown(_)),
                ) => {
                    return Err(Failure::bad_input(format!("--number: {refusal}")));
                }
                Err(refusal) => return Err(Failure::refused(refusal)),
            }
        }
        HouseholdCommand::Report { year } => report(context, &store, year).await?,
    }
    Ok(())
}

/// The rulebook that sets the linking range: the given year's, or the latest.
async fn current_rulebook(store: &Store, community: CommunityId, year: Option<i64>) -> Result<Rulebook, Failure> {
    let mut reader = store.read().await?;
    let year = match year {
        Some(year) => Some(super::year(year)?),
        None => reader.period_years(community).await?.last().copied(),
    };
    let Some(year) = year else { return Ok(Rulebook::default_rulebook()) };
    match reader.period(community, year).await? {
        Some(period) => Ok(period.rulebook),
        None => Err(Failure::bad_input(format!("{year} has no period; see `starledger period list`"))),
    }
}

async fn report(context: &Context, store: &Store, year: Option<i64>) -> Outcome {
    let community = context.community(&mut store.read().await?).await?;
    let rulebook = current_rulebook(store, community.id, year).await?;
    let mut reader = store.read().await?;
    let members = reader.members(community.id).await?;
    let counts = reader.link_counts(community.id).await?;
    let households = reader.households(community.id).await?;
    let unlinked: Vec<_> = households.iter().filter(|h| h.member_id.is_none()).collect();
    let today = output::today();
    let on_roll = |m: &&starledger_domain::org::Member| m.left_on.is_none_or(|left| left >= today);
    println!(
        "联户定岗 coverage (rulebook {}: {}-{} households per member)",
        rulebook.version, rulebook.linking.households_min, rulebook.linking.households_max
    );
    println!("households: {}, unlinked: {}", households.len(), unlinked.len());
    for h in &unlinked {
        println!("  unlinked household {:>5}  {}", h.id, h.address);
    }
    let mut outside = Vec::new();
    let mut excused = Vec::new();
    for member in members.iter().filter(on_roll) {
        match link_status(&member.linking, counts.get(&member.id).copied().unwrap_or(0), &rulebook.linking) {
            LinkStatus::WithinRange => {}
            LinkStatus::TooFew { linked, min } => {
                outside.push(format!("{} ({}): {linked} households, fewer than {min}", member.name, member.id))
            }
            LinkStatus::TooMany { linked, max } => {
                outside.push(format!("{} ({}): {linked} households, more than {max}", member.name, member.id))
            }
            LinkStatus::Excused { excuse, linked } => {
                excused.push(format!("{} ({}): {excuse}; {linked} households", member.name, member.id))
            }
        }
    }
    println!("members outside the range: {}", outside.len());
    for line in &outside {
        println!("  {line}");
    }
    println!("members excused from linking: {}", excused.len());
    for line in &excused {
        println!("  {line}");
    }
    Ok(())
}
