//! The roll kept by hand (issue 12): the committee adds a member, edits one
//! (name, phone, branch, party group, probationary → full, an exemption
//! from linking with its reason), transfers one out (转出), and adds or
//! edits a household. One function per change; each checks the duty (the
//! committee only: the roll decides who is rated and who serves whom, so a
//! branch secretary proposes changes to the committee rather than making
//! them), writes in the caller's transaction and leaves an audit row with
//! the values before and after. Phones are written into the audit row
//! masked.
//!
//! A finalized year's rating never moves: it is rated from the roll as it
//! stood when it was finalized (`final_roll`, read by
//! `store::NoticeQueries::year_roll`), so a member on a finalized year's
//! roll can still become a full member, be exempted or move branch. Only a
//! transfer out dated inside a finalized year is refused: the roll would
//! then contradict the year's record.

use crate::clock;
use crate::error::{AppResult, invalid, refused};
use crate::ledger::actor_label;
use jiff::civil::Date;
use starledger_domain::duty;
use starledger_domain::linking::may_link_one_more;
use starledger_domain::org::{
    Account, BranchId, CommunityId, HouseholdId, Member, MemberId, PartyGroupId, PersonName, Phone,
};
use starledger_domain::rulebook::LinkingRules;
use starledger_store::{HouseholdRow, NewHousehold, NewMember, NoticeQueries, OrgQueries, WriteTx};
use std::collections::{HashMap, HashSet};

/// A member's roll fields as a form gives them.
#[derive(Clone, Debug)]
pub struct MemberFields {
    pub name: PersonName,
    /// `None` keeps the phone on the roll (an edit form never shows it whole).
    pub phone: PhoneChange,
    pub branch_id: BranchId,
    pub party_group_id: Option<PartyGroupId>,
    pub probationary: bool,
    /// 免于联户 and why; empty means the member links households.
    pub exempt_reason: Option<String>,
    pub joined_on: Option<Date>,
}

/// What a form says about a phone: kept as it is, replaced, or removed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PhoneChange {
    Keep,
    Set(Phone),
    Remove,
}

impl PhoneChange {
    fn apply(&self, current: Option<Phone>) -> Option<Phone> {
        match self {
            PhoneChange::Keep => current,
            PhoneChange::Set(phone) => Some(phone.clone()),
            PhoneChange::Remove => None,
        }
    }
}

/// A household's fields as a form gives them.
#[derive(Clone, Debug)]
pub struct HouseholdFields {
    pub address: String,
    pub head: Option<String>,
    pub phone: PhoneChange,
}

/// The longest address and head's name kept.
/// Who reads the roll's lists (the page and the API): the committee, and
/// the auditor who reads everything.
pub const READERS: [starledger_domain::org::Role; 2] =
    [starledger_domain::org::Role::Committee, starledger_domain::org::Role::Auditor];

pub const ADDRESS_CHARS: usize = 100;
pub const REASON_CHARS: usize = 100;

fn masked(phone: Option<&Phone>) -> String {
    phone.map(Phone::masked).unwrap_or_else(|| "-".into())
}

/// A member's roll fields in one line, for the audit row.
fn describe(member: &NewMember, branch: &str) -> String {
    format!(
        "name={}; phone={}; branch={} ({branch}); group={}; probationary={}; post={}; exempt={}; joined={}",
        member.name,
        masked(member.phone.as_ref()),
        member.branch_id,
        member.party_group_id.map(|g| g.to_string()).unwrap_or_else(|| "-".into()),
        member.probationary,
        member.post.as_deref().unwrap_or("-"),
        member.linking_exempt_reason.as_deref().unwrap_or("-"),
        member.joined_on.map(|d| d.to_string()).unwrap_or_else(|| "-".into()),
    )
}

fn as_new(member: &Member) -> NewMember {
    let (post, exempt) = match &member.linking {
        starledger_domain::org::LinkingDuty::Linked => (None, None),
        starledger_domain::org::LinkingDuty::HoldsPost(post) => (Some(post.clone()), None),
        starledger_domain::org::LinkingDuty::Exempt(reason) => (None, Some(reason.clone())),
    };
    NewMember {
        community_id: member.community_id,
        branch_id: member.branch_id,
        party_group_id: member.party_group_id,
        name: member.name.clone(),
        phone: member.phone.clone(),
        probationary: member.probationary,
        post,
        linking_exempt_reason: exempt,
        joined_on: member.joined_on,
        left_on: member.left_on,
        note: None,
    }
}

/// The branch exists in the actor's community and the group, if any, is one
/// of that branch's; the branch's name.
async fn check_branch(tx: &mut WriteTx, community: CommunityId, fields: &MemberFields) -> AppResult<String> {
    let branches = tx.branches(community).await?;
    let Some((_, name)) = branches.iter().find(|(id, _)| *id == fields.branch_id) else {
        return Err(invalid(
            format!("编号为 {} 的支部不属于本社区。", fields.branch_id),
            format!("branch {} is not one of this community's", fields.branch_id),
        ));
    };
    if let Some(group) = fields.party_group_id {
        let groups = tx.party_groups(community).await?;
        if !groups.iter().any(|(id, branch, _)| *id == group && *branch == fields.branch_id) {
            return Err(invalid(
                format!("编号为 {group} 的党小组不属于{name}。"),
                format!("party group {group} is not one of {name}'s"),
            ));
        }
    }
    Ok(name.clone())
}

/// No two members on the roll share a phone: it is how a spreadsheet's row
/// finds its member on the next import.
async fn check_phone(
    tx: &mut WriteTx,
    community: CommunityId,
    phone: Option<&Phone>,
    except: Option<MemberId>,
) -> AppResult<()> {
    let Some(phone) = phone else { return Ok(()) };
    let members = tx.members(community).await?;
    if let Some(other) = members.iter().find(|m| Some(m.id) != except && m.phone.as_ref() == Some(phone)) {
        return Err(refused(
            format!("{} 已是名册上{}的手机号。", phone.masked(), other.name),
            format!("{} is already {}'s phone on the roll", phone.masked(), other.name),
        ));
    }
    Ok(())
}

fn clean_reason(reason: Option<&str>) -> AppResult<Option<String>> {
    let Some(reason) = reason.map(str::trim).filter(|r| !r.is_empty()) else { return Ok(None) };
    if reason.chars().count() > REASON_CHARS || reason.chars().any(char::is_control) {
        return Err(invalid(
            format!("免于联户的理由：最多 {REASON_CHARS} 个字。"),
            format!("the exemption's reason: at most {REASON_CHARS} characters"),
        ));
    }
    Ok(Some(reason.to_string()))
}

/// Adds a member to the roll; their id.
pub async fn add_member(tx: &mut WriteTx, actor: &Account, fields: MemberFields) -> AppResult<MemberId> {
    duty::may_administer(actor, "add a member to the roll")?;
    insert_member(tx, actor, fields, None, "member.add").await
}

/// Transfers a member in (转入) from another organization: they join this
/// roll on `fields.joined_on` (required: the day counts for the rating's
/// days on the roll), and the roll notes where they came from.
pub async fn transfer_in(tx: &mut WriteTx, actor: &Account, fields: MemberFields, from: &str) -> AppResult<MemberId> {
    duty::may_administer(actor, "transfer a member in")?;
    let from = from.trim();
    if from.is_empty() || from.chars().count() > REASON_CHARS || from.chars().any(char::is_control) {
        return Err(invalid(
            format!("转出单位：1 至 {REASON_CHARS} 个字。"),
            format!("from: the organization they come from, 1 to {REASON_CHARS} characters"),
        ));
    }
    let Some(on) = fields.joined_on else {
        return Err(invalid("日期：请填写转入本社区名册的日期。", "on: the day they join this roll"));
    };
    if on > clock::today().saturating_add(jiff::Span::new().years(1)) {
        return Err(invalid(format!("{on} 距今超过一年。"), format!("{on} is more than a year ahead")));
    }
    insert_member(tx, actor, fields, Some(format!("转入自 {from}")), "member.transfer_in").await
}

async fn insert_member(
    tx: &mut WriteTx,
    actor: &Account,
    fields: MemberFields,
    note: Option<String>,
    action: &str,
) -> AppResult<MemberId> {
    let community = actor.community_id;
    let branch = check_branch(tx, community, &fields).await?;
    let phone = fields.phone.apply(None);
    check_phone(tx, community, phone.as_ref(), None).await?;
    let member = NewMember {
        community_id: community,
        branch_id: fields.branch_id,
        party_group_id: fields.party_group_id,
        name: fields.name,
        phone,
        probationary: fields.probationary,
        post: None,
        linking_exempt_reason: clean_reason(fields.exempt_reason.as_deref())?,
        joined_on: fields.joined_on,
        left_on: None,
        note: note.clone(),
    };
    let id = tx.add_member(&member).await?;
    let note = note.map(|n| format!("; note={n}")).unwrap_or_default();
    let detail = format!("member {id}: before (none); after {}{note}", describe(&member, &branch));
    tx.audit(Some(community), &actor_label(actor), action, &detail).await?;
    Ok(id)
}

/// Adds a branch (党支部); its id.
pub async fn add_branch(tx: &mut WriteTx, actor: &Account, name: &str) -> AppResult<BranchId> {
    duty::may_administer(actor, "add branches")?;
    let name =
        PersonName::parse(name).map_err(|e| invalid(format!("支部名称：{}", e.zh()), format!("branch name: {e}")))?;
    let community = actor.community_id;
    let id = tx.add_branch(community, name.as_str()).await?;
    let detail = format!("branch {id}: before (none); after name={name}");
    tx.audit(Some(community), &actor_label(actor), "branch.add", &detail).await?;
    Ok(id)
}

/// Adds a party group (党小组) to a branch; its id.
pub async fn add_party_group(
    tx: &mut WriteTx,
    actor: &Account,
    branch: BranchId,
    name: &str,
) -> AppResult<PartyGroupId> {
    duty::may_administer(actor, "add party groups")?;
    let name =
        PersonName::parse(name).map_err(|e| invalid(format!("党小组名称：{}", e.zh()), format!("group name: {e}")))?;
    let community = actor.community_id;
    if !tx.has_branch(community, branch).await? {
        return Err(invalid(
            format!("编号为 {branch} 的支部不属于本社区。"),
            format!("branch {branch} is not one of this community's"),
        ));
    }
    let id = tx.add_party_group(community, branch, name.as_str()).await?;
    let detail = format!("group {id}: before (none); after name={name}, branch={branch}");
    tx.audit(Some(community), &actor_label(actor), "group.add", &detail).await?;
    Ok(id)
}

/// Renames a branch (党支部). Another branch of the community by that name
/// refuses it; the audit row keeps the name before and after. The same
/// name again changes nothing.
pub async fn rename_branch(tx: &mut WriteTx, actor: &Account, branch: BranchId, name: &str) -> AppResult<()> {
    duty::may_administer(actor, "rename branches")?;
    let name =
        PersonName::parse(name).map_err(|e| invalid(format!("支部名称：{}", e.zh()), format!("branch name: {e}")))?;
    let community = actor.community_id;
    let branches = tx.branches(community).await?;
    let Some((_, before)) = branches.iter().find(|(id, _)| *id == branch) else {
        return Err(invalid(
            format!("编号为 {branch} 的支部不属于本社区。"),
            format!("branch {branch} is not one of this community's"),
        ));
    };
    if before == name.as_str() {
        return Ok(());
    }
    if branches.iter().any(|(id, other)| *id != branch && other == name.as_str()) {
        return Err(refused(
            format!("本社区已有名为“{name}”的支部，请换一个名称。"),
            format!("branch name: this community already has a branch \"{name}\""),
        ));
    }
    let detail = format!("branch {branch}: before name={before}; after name={name}");
    tx.rename_branch(community, branch, name.as_str()).await?;
    tx.audit(Some(community), &actor_label(actor), "branch.rename", &detail).await?;
    Ok(())
}

/// Renames a party group (党小组). Another group of the same branch by that
/// name refuses it; the audit row keeps the name before and after. The
/// same name again changes nothing.
pub async fn rename_party_group(tx: &mut WriteTx, actor: &Account, group: PartyGroupId, name: &str) -> AppResult<()> {
    duty::may_administer(actor, "rename party groups")?;
    let name =
        PersonName::parse(name).map_err(|e| invalid(format!("党小组名称：{}", e.zh()), format!("group name: {e}")))?;
    let community = actor.community_id;
    let groups = tx.party_groups(community).await?;
    let Some((_, branch, before)) = groups.iter().find(|(id, _, _)| *id == group) else {
        return Err(invalid(
            format!("编号为 {group} 的党小组不属于本社区。"),
            format!("party group {group} is not one of this community's"),
        ));
    };
    if before == name.as_str() {
        return Ok(());
    }
    if groups.iter().any(|(id, b, other)| *id != group && b == branch && other == name.as_str()) {
        return Err(refused(
            format!("本支部已有名为“{name}”的党小组，请换一个名称。"),
            format!("group name: this branch already has a party group \"{name}\""),
        ));
    }
    let detail = format!("group {group}: before name={before}; after name={name}, branch={branch}");
    tx.rename_party_group(community, group, name.as_str()).await?;
    tx.audit(Some(community), &actor_label(actor), "group.rename", &detail).await?;
    Ok(())
}

/// Edits a member's roll fields. A member who still serves households
/// cannot be exempted (relink them first); a member who left is not edited.
pub async fn edit_member(tx: &mut WriteTx, actor: &Account, id: MemberId, fields: MemberFields) -> AppResult<()> {
    duty::may_administer(actor, "edit the roll")?;
    let community = actor.community_id;
    let current = tx.member(community, id).await?;
    if current.left_on.is_some() {
        return Err(refused(
            format!("{} 已离开名册；离开的党员保持原样。", current.name),
            format!("{} has left the roll; a member who left is kept as they were", current.name),
        ));
    }
    let branch = check_branch(tx, community, &fields).await?;
    let before = as_new(&current);
    let phone = fields.phone.apply(current.phone.clone());
    check_phone(tx, community, phone.as_ref(), Some(id)).await?;
    let exempt = clean_reason(fields.exempt_reason.as_deref())?;
    if exempt.is_some() && current.linking.is_linked() {
        let linked = tx.link_counts(community).await?.get(&id).copied().unwrap_or(0);
        if linked > 0 {
            return Err(refused(
                format!(
                    "{} 仍联系 {linked} 户；免于联户的党员不联系农户：请先为这些农户重新指定联系人。",
                    current.name
                ),
                format!(
                    "{} still serves {linked} households; an exempted member links none: relink them first",
                    current.name
                ),
            ));
        }
    }
    let after = NewMember {
        branch_id: fields.branch_id,
        party_group_id: fields.party_group_id,
        name: fields.name,
        phone,
        probationary: fields.probationary,
        // A post is the import's to set; an exemption given here replaces
        // neither a post nor is replaced by it.
        post: before.post.clone(),
        linking_exempt_reason: exempt,
        joined_on: fields.joined_on,
        ..before.clone()
    };
    let fields_of = |m: &NewMember| {
        (
            m.name.clone(),
            m.phone.clone(),
            m.branch_id,
            m.party_group_id,
            m.probationary,
            m.linking_exempt_reason.clone(),
            m.joined_on,
        )
    };
    if fields_of(&before) == fields_of(&after) {
        return Ok(());
    }
    let before_line = describe(&before, &current.branch);
    let after_line = describe(&after, &branch);
    tx.update_member(id, &after).await?;
    let detail = format!("member {id}: before {before_line}; after {after_line}");
    tx.audit(Some(community), &actor_label(actor), "member.edit", &detail).await?;
    Ok(())
}

/// What a transfer out did.
#[derive(Debug, PartialEq, Eq)]
pub struct TransferredOut {
    /// The households the member served, now unlinked, to be relinked.
    pub unlinked: Vec<HouseholdId>,
}

/// Transfers a member out (转出) from `on`: they leave the roll that day;
/// their entries, ratings and stars stay and still verify. The households
/// they served are unlinked in the same transaction, each audited, and
/// named in the answer for relinking. `on` is neither before the member
/// joined nor inside a finalized year (nor more than a year ahead).
pub async fn transfer_out(tx: &mut WriteTx, actor: &Account, id: MemberId, on: Date) -> AppResult<TransferredOut> {
    duty::may_administer(actor, "transfer a member out")?;
    let community = actor.community_id;
    let member = tx.member(community, id).await?;
    if let Some(left) = member.left_on {
        return Err(refused(
            format!("{} 已于 {left} 离开名册。", member.name),
            format!("{} already left the roll on {left}", member.name),
        ));
    }
    if member.joined_on.is_some_and(|joined| on < joined) {
        return Err(invalid(
            format!("{on} 早于{}入党的日期。", member.name),
            format!("{on} is before {} joined", member.name),
        ));
    }
    if on > clock::today().saturating_add(jiff::Span::new().years(1)) {
        return Err(invalid(format!("{on} 距今超过一年。"), format!("{on} is more than a year ahead")));
    }
    for year in tx.period_years(community).await? {
        if year.contains(on) && tx.final_stars(community, i64::from(year.get())).await?.is_some() {
            return Err(refused(
                format!(
                    "{year} 年度已确认且{}在其名册上：转出日期须在该年度之后（请先重新开启 {year} 年度）。",
                    member.name
                ),
                format!(
                    "{year} is finalized with {} on its roll: a transfer out falls after it (reopen {year} first)",
                    member.name
                ),
            ));
        }
    }
    tx.set_member_left(community, id, on).await?;
    let label = actor_label(actor);
    let served: Vec<HouseholdId> =
        tx.households(community).await?.into_iter().filter(|h| h.member_id == Some(id)).map(|h| h.id).collect();
    for household in &served {
        tx.unlink_household(community, *household).await?;
        let detail = format!("household {household}: before member {id}; after (none): member transferred out");
        tx.audit(Some(community), &label, "household.unlink", &detail).await?;
    }
    let detail =
        format!("member {id} ({}): before left=-; after left={on}; unlinked {} households", member.name, served.len());
    tx.audit(Some(community), &label, "member.transfer_out", &detail).await?;
    Ok(TransferredOut { unlinked: served })
}

fn clean_household(fields: &HouseholdFields) -> AppResult<(String, Option<String>)> {
    let address = fields.address.trim();
    if address.is_empty() || address.chars().count() > ADDRESS_CHARS || address.chars().any(char::is_control) {
        return Err(invalid(
            format!("地址：1 至 {ADDRESS_CHARS} 个字。"),
            format!("address: 1 to {ADDRESS_CHARS} characters"),
        ));
    }
    let head = match fields.head.as_deref().map(str::trim).filter(|h| !h.is_empty()) {
        None => None,
        Some(head) => Some(
            PersonName::parse(head)
                .map_err(|e| invalid(format!("户主：{}", e.zh()), format!("head of household: {e}")))?,
        ),
    };
    Ok((address.to_string(), head.map(|h| h.as_str().to_string())))
}

fn describe_household(h: &NewHousehold) -> String {
    format!("address={}; head={}; phone={}", h.address, h.head_name.as_deref().unwrap_or("-"), masked(h.phone.as_ref()))
}

/// No two households share an address: it is how an import finds a household.
async fn check_address(
    tx: &mut WriteTx,
    community: CommunityId,
    address: &str,
    except: Option<HouseholdId>,
) -> AppResult<()> {
    if tx.households(community).await?.iter().any(|h| Some(h.id) != except && h.address == address) {
        return Err(refused(
            format!("地址为{address}的农户已在名册上。"),
            format!("a household at {address} is already on the roll"),
        ));
    }
    Ok(())
}

/// Adds a household; its id.
pub async fn add_household(tx: &mut WriteTx, actor: &Account, fields: HouseholdFields) -> AppResult<HouseholdId> {
    duty::may_administer(actor, "add a household")?;
    let community = actor.community_id;
    let (address, head) = clean_household(&fields)?;
    check_address(tx, community, &address, None).await?;
    let household = NewHousehold { community_id: community, address, head_name: head, phone: fields.phone.apply(None) };
    let id = tx.add_household(&household).await?;
    let detail = format!("household {id}: before (none); after {}", describe_household(&household));
    tx.audit(Some(community), &actor_label(actor), "household.add", &detail).await?;
    Ok(id)
}

/// Edits a household's address, head and phone.
pub async fn edit_household(
    tx: &mut WriteTx,
    actor: &Account,
    id: HouseholdId,
    fields: HouseholdFields,
) -> AppResult<()> {
    duty::may_administer(actor, "edit a household")?;
    let community = actor.community_id;
    let current: HouseholdRow = tx.household(community, id).await?;
    let (address, head) = clean_household(&fields)?;
    check_address(tx, community, &address, Some(id)).await?;
    let stored_phone = current.phone.as_deref().and_then(|p| Phone::parse(p).ok());
    let before = NewHousehold {
        community_id: community,
        address: current.address.clone(),
        head_name: current.head_name.clone(),
        phone: stored_phone.clone(),
    };
    let after =
        NewHousehold { community_id: community, address, head_name: head, phone: fields.phone.apply(stored_phone) };
    if before.address == after.address && before.head_name == after.head_name && before.phone == after.phone {
        return Ok(());
    }
    tx.update_household(id, &after).await?;
    let detail =
        format!("household {id}: before {}; after {}", describe_household(&before), describe_household(&after));
    tx.audit(Some(community), &actor_label(actor), "household.edit", &detail).await?;
    Ok(())
}

/// One household of a member who leaves, with whom it is proposed to go to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Relink {
    pub household: HouseholdId,
    pub address: String,
    /// The nearest member with room, if any.
    pub proposed: Option<MemberId>,
    /// Members with room, nearest first (at most [`RELINK_CHOICES`]): the
    /// proposal can be changed to any of them.
    pub candidates: Vec<Candidate>,
}

/// A member who could take a household.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub member: MemberId,
    pub name: String,
    pub branch: String,
    /// Households they serve now.
    pub linked: u32,
}

/// How many members a relinking form offers per household.
pub const RELINK_CHOICES: usize = 12;

/// The street of an address: what comes before its first digit (东街 in
/// 东街12号); the whole address if it has none.
fn street(address: &str) -> &str {
    let end = address.find(|c: char| c.is_ascii_digit()).unwrap_or(address.len());
    address[..end].trim()
}

/// Proposes where the households `leaving` serves go when they leave: to
/// the nearest members who link households, are on the roll and have room
/// under the rulebook's maximum — the same party group first, then the
/// same branch, then members who already serve a household on the same
/// street, then those with fewest households. Each proposal counts the
/// households proposed before it, so no one is proposed past the maximum.
/// Nothing is written: the committee confirms or changes it ([`relink`]).
pub async fn relink_proposal<Q: OrgQueries>(
    q: &mut Q,
    community: CommunityId,
    leaving: MemberId,
    rules: &LinkingRules,
) -> AppResult<Vec<Relink>> {
    let today = clock::today();
    let leaver = q.member(community, leaving).await?;
    let households = q.households(community).await?;
    let mut counts = q.link_counts(community).await?;
    let mut streets: HashMap<MemberId, HashSet<String>> = HashMap::new();
    for h in &households {
        if let Some(m) = h.member_id {
            streets.entry(m).or_default().insert(street(&h.address).to_string());
        }
    }
    let members: Vec<Member> = q
        .members(community)
        .await?
        .into_iter()
        .filter(|m| m.id != leaving && m.linking.is_linked() && m.left_on.is_none_or(|left| left >= today))
        .collect();
    let mut proposals = Vec::new();
    for household in households.iter().filter(|h| h.member_id == Some(leaving)) {
        let here = street(&household.address);
        let mut ranked: Vec<(u8, u8, u8, u32, &Member)> = members
            .iter()
            .filter_map(|m| {
                let linked = counts.get(&m.id).copied().unwrap_or(0);
                (linked < rules.households_max).then(|| {
                    let group = u8::from(leaver.party_group_id.is_none() || m.party_group_id != leaver.party_group_id);
                    let branch = u8::from(m.branch_id != leaver.branch_id);
                    let near = u8::from(!streets.get(&m.id).is_some_and(|s| s.contains(here)));
                    (group, branch, near, linked, m)
                })
            })
            .collect();
        ranked.sort_by_key(|r| (r.0, r.1, r.2, r.3, r.4.id));
        let proposed = ranked.first().map(|r| r.4.id);
        if let Some(id) = proposed {
            *counts.entry(id).or_default() += 1;
        }
        proposals.push(Relink {
            household: household.id,
            address: household.address.clone(),
            proposed,
            candidates: ranked
                .iter()
                .take(RELINK_CHOICES)
                .map(|(_, _, _, linked, m)| Candidate {
                    member: m.id,
                    name: m.name.to_string(),
                    branch: m.branch.clone(),
                    linked: *linked,
                })
                .collect(),
        });
    }
    Ok(proposals)
}

/// Links each household to its member, in the caller's transaction: the
/// member is on the roll, links households and has room under the
/// rulebook's maximum (counting the households linked before in the same
/// call). Each link is audited with the member before and after. The
/// number of households whose link changed.
pub async fn relink(
    tx: &mut WriteTx,
    actor: &Account,
    rules: &LinkingRules,
    pairs: &[(HouseholdId, MemberId)],
) -> AppResult<usize> {
    duty::may_administer(actor, "link households")?;
    let community = actor.community_id;
    let today = clock::today();
    let label = actor_label(actor);
    let mut counts = tx.link_counts(community).await?;
    let mut changed = 0;
    for (household, member_id) in pairs {
        let current = tx.household(community, *household).await?;
        if current.member_id == Some(*member_id) {
            continue;
        }
        let member = tx.member(community, *member_id).await?;
        if member.left_on.is_some_and(|left| left < today) {
            return Err(refused(format!("{} 已离开名册。", member.name), format!("{} has left the roll", member.name)));
        }
        if let Some(excuse) = member.linking.excuse() {
            return Err(refused(
                format!("{} 不联系农户（{excuse}）。", member.name),
                format!("{} does not link households ({excuse})", member.name),
            ));
        }
        let linked = counts.get(member_id).copied().unwrap_or(0);
        may_link_one_more(*member_id, linked, rules)
            .map_err(|e| refused(format!("{}：{}", member.name, e.zh()), format!("{}: {e}", member.name)))?;
        tx.link_household(community, *household, *member_id, today, &label).await?;
        if let Some(before) = current.member_id {
            *counts.entry(before).or_default() = counts.get(&before).copied().unwrap_or(1).saturating_sub(1);
        }
        *counts.entry(*member_id).or_default() += 1;
        let before = current.member_id.map(|m| format!("member {m}")).unwrap_or_else(|| "(none)".into());
        let detail = format!("household {household}: before {before}; after member {member_id}");
        tx.audit(Some(community), &label, "household.link", &detail).await?;
        changed += 1;
    }
    Ok(changed)
}
