//! Importing the roll from a spreadsheet: the committee's use case. The
//! records come parsed (by `starledger-exchange`); here the roll is loaded
//! in the same transaction that would write, the domain plans what the file
//! adds or changes, and only a plan with no problem is written, each change
//! with its audit row. The caller commits, or drops the transaction for a
//! dry run: all or nothing.

use crate::clock;
use crate::error::AppResult;
use crate::ledger::actor_label;
use starledger_domain::duty;
use starledger_domain::org::{Account, BranchId, CommunityId};
use starledger_domain::roll_import::{self, HouseholdAction, MemberAction, Problem, Roll, StoredHousehold};
use starledger_domain::rulebook::Rulebook;
use starledger_store::{NewHousehold, NewMember, OrgQueries, WriteTx};

pub use starledger_domain::roll_import::Records;

/// What the import does (or, in a dry run, would do).
#[derive(Debug, Default)]
pub struct Preview {
    pub added: Vec<String>,
    pub changed: Vec<String>,
    pub unchanged: usize,
    /// Problems of the cells and of the plan: any one means nothing is written.
    pub problems: Vec<Problem>,
    /// Worth knowing, not blocking (a member below the linking range).
    pub notes: Vec<String>,
    /// Whether the plan was written into the transaction.
    pub written: bool,
}

/// Plans `records` against the roll, and writes them when `write` is set
/// and nothing (neither `parse_problems` nor the plan) is wrong.
pub async fn import(
    tx: &mut WriteTx,
    actor: &Account,
    records: Records,
    parse_problems: Vec<Problem>,
    write: bool,
) -> AppResult<Preview> {
    duty::may_administer(actor, "import the roll")?;
    let community = actor.community_id;
    let today = clock::today();
    let branches = tx.branches(community).await?;
    let groups = tx.party_groups(community).await?;
    let members = tx.members(community).await?;
    let link_counts = tx.link_counts(community).await?;
    let roll = Roll { branches: &branches, groups: &groups, members: &members, link_counts: &link_counts };
    let stored: Vec<StoredHousehold> = tx
        .households(community)
        .await?
        .into_iter()
        .map(|h| StoredHousehold {
            id: h.id,
            address: h.address,
            head: h.head_name,
            phone: h.phone,
            member_id: h.member_id,
        })
        .collect();
    let mut preview = Preview { problems: parse_problems, ..Preview::default() };
    let label = actor_label(actor);
    match records {
        Records::Members(records) => {
            let plan = roll_import::plan_members(&records, &roll, today);
            preview.unchanged = plan.unchanged;
            preview.problems.extend(plan.problems);
            preview.notes.extend(plan.notes);
            let write = write && preview.problems.is_empty();
            for action in plan.actions {
                match action {
                    MemberAction::Add { values } => {
                        let branch = branch_name(&branches, values.branch_id);
                        let line = format!("党员 {} ({branch})", values.name);
                        if write {
                            let id = tx.add_member(&new_member(community, values)).await?;
                            tx.audit(Some(community), &label, "import.member.add", &format!("member {id}: {line}"))
                                .await?;
                        }
                        preview.added.push(line);
                    }
                    MemberAction::Update { id, values, changes } => {
                        let line = format!("党员 {} (member {id}): {}", values.name, changes.join("；"));
                        if write {
                            tx.update_member(id, &new_member(community, values)).await?;
                            tx.audit(Some(community), &label, "import.member.update", &line).await?;
                        }
                        preview.changed.push(line);
                    }
                }
            }
            preview.written = write;
        }
        Records::Households(records) => {
            let plan = roll_import::plan_households(&records, &stored);
            preview.unchanged = plan.unchanged;
            preview.problems.extend(plan.problems);
            preview.notes.extend(plan.notes);
            let write = write && preview.problems.is_empty();
            for action in plan.actions {
                match action {
                    HouseholdAction::Add { address, head, phone } => {
                        let line = format!("农户 {address} ({})", head.as_deref().unwrap_or("-"));
                        if write {
                            let household = NewHousehold { community_id: community, address, head_name: head, phone };
                            let id = tx.add_household(&household).await?;
                            tx.audit(Some(community), &label, "import.household.add", &format!("household {id}"))
                                .await?;
                        }
                        preview.added.push(line);
                    }
                    HouseholdAction::Update { id, address, head, phone, changes } => {
                        let line = format!("农户 {address} (household {id}): {}", changes.join("；"));
                        if write {
                            let household = NewHousehold { community_id: community, address, head_name: head, phone };
                            tx.update_household(id, &household).await?;
                            tx.audit(Some(community), &label, "import.household.update", &line).await?;
                        }
                        preview.changed.push(line);
                    }
                }
            }
            preview.written = write;
        }
        Records::Links(records) => {
            let rulebook = current_rulebook(tx, community).await?;
            let plan = roll_import::plan_links(&records, &roll, &stored, &rulebook.linking, today);
            preview.unchanged = plan.unchanged;
            preview.problems.extend(plan.problems);
            preview.notes.extend(plan.notes);
            let write = write && preview.problems.is_empty();
            for action in plan.actions {
                let line = format!("联户 {} → {}", action.address, action.member_name);
                if write {
                    tx.link_household(community, action.household, action.member, today, &label).await?;
                    let detail = format!(
                        "household {} -> member {} (was {:?})",
                        action.household, action.member, action.previous
                    );
                    tx.audit(Some(community), &label, "import.household.link", &detail).await?;
                }
                if action.previous.is_some() { preview.changed.push(line) } else { preview.added.push(line) }
            }
            preview.written = write;
        }
    }
    // In the order of the file, whichever check found them.
    preview.problems.sort_by_key(|p| (p.place.sheet.clone(), p.place.row));
    Ok(preview)
}

fn branch_name(branches: &[(BranchId, String)], id: BranchId) -> String {
    branches.iter().find(|(b, _)| *b == id).map(|(_, n)| n.clone()).unwrap_or_default()
}

fn new_member(community: CommunityId, values: roll_import::MemberValues) -> NewMember {
    NewMember {
        community_id: community,
        branch_id: values.branch_id,
        party_group_id: values.party_group_id,
        name: values.name,
        phone: values.phone,
        probationary: values.probationary,
        post: values.post,
        linking_exempt_reason: values.exempt_reason,
        joined_on: values.joined_on,
        left_on: None,
        note: None,
    }
}

/// The linking range of the latest year opened, or the default rulebook's.
async fn current_rulebook(tx: &mut WriteTx, community: CommunityId) -> AppResult<Rulebook> {
    let Some(year) = tx.period_years(community).await?.last().copied() else {
        return Ok(Rulebook::default_rulebook());
    };
    Ok(tx.period(community, year).await?.map(|p| p.rulebook).unwrap_or_else(Rulebook::default_rulebook))
}

/// The members of the roll a sheet's row names: by the phone when it gives
/// one, else by the name and, when given, the branch (folded as the reader
/// folds it). A phone that is another member's is found too: the caller
/// says so rather than taking the namesake.
pub fn named_members<'a>(
    members: &'a [starledger_domain::org::Member],
    phone: Option<&starledger_domain::org::Phone>,
    name: &starledger_domain::org::PersonName,
    branch: Option<&String>,
) -> Vec<&'a starledger_domain::org::Member> {
    match phone {
        Some(phone) => members.iter().filter(|m| m.phone.as_ref() == Some(phone)).collect(),
        None => members
            .iter()
            .filter(|m| &m.name == name)
            .filter(|m| branch.is_none_or(|b| starledger_domain::roll_import::same_label(&m.branch, b)))
            .collect(),
    }
}
