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
//! A finalized year's rating never moves: every change to a member is
//! checked against each finalized year's rating, recomputed on the frozen
//! roll before and after the change in the same transaction; a change that
//! would alter one is refused (reopen that year first), and the caller
//! drops the transaction.

use crate::clock;
use crate::error::{AppResult, invalid, refused};
use crate::ledger::actor_label;
use jiff::civil::Date;
use starledger_domain::duty;
use starledger_domain::org::{Account, BranchId, HouseholdId, Member, MemberId, PartyGroupId, PersonName, Phone};
use starledger_domain::rating::rate;
use starledger_store::{HouseholdRow, LedgerQueries, NewHousehold, NewMember, NoticeQueries, OrgQueries, WriteTx};

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
async fn check_branch(tx: &mut WriteTx, community: i64, fields: &MemberFields) -> AppResult<String> {
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
    community: i64,
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

/// Each finalized year's rating fingerprint, computed on its frozen roll.
async fn finalized_digests(tx: &mut WriteTx, community: i64) -> AppResult<Vec<(i16, String)>> {
    let mut digests = Vec::new();
    for year in tx.period_years(community).await? {
        if tx.final_stars(community, i64::from(year.get())).await?.is_none() {
            continue;
        }
        let Some(period) = tx.period(community, year).await? else { continue };
        let roll = tx.year_roll(community, year).await?;
        let scored = tx.year_scored(community, year).await?;
        digests.push((year.get(), rate(year, &period.rulebook, &roll, &scored).digest()));
    }
    Ok(digests)
}

/// Refuses if a finalized year's rating differs from `before`.
async fn finalized_unchanged(tx: &mut WriteTx, community: i64, before: &[(i16, String)], who: &str) -> AppResult<()> {
    let after = finalized_digests(tx, community).await?;
    for ((year, was), (_, now)) in before.iter().zip(&after) {
        if was != now {
            return Err(refused(
                format!(
                    "这将改变 {year} 年度已确认的{who}的评定结果：已确认年度的名册保持原样（请先重新开启 {year} 年度）。"
                ),
                format!(
                    "this would change {year}'s finalized rating of {who}: a finalized year's roll stays as it was \
                 (reopen {year} first)"
                ),
            ));
        }
    }
    Ok(())
}

/// Adds a member to the roll; their id.
pub async fn add_member(tx: &mut WriteTx, actor: &Account, fields: MemberFields) -> AppResult<MemberId> {
    duty::may_administer(actor, "add a member to the roll")?;
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
        note: None,
    };
    let id = tx.add_member(&member).await?;
    let detail = format!("member {id}: before (none); after {}", describe(&member, &branch));
    tx.audit(Some(community), &actor_label(actor), "member.add", &detail).await?;
    Ok(id)
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
    let digests = finalized_digests(tx, community).await?;
    tx.update_member(id, &after).await?;
    finalized_unchanged(tx, community, &digests, current.name.as_str()).await?;
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
    let digests = finalized_digests(tx, community).await?;
    tx.set_member_left(community, id, on).await?;
    finalized_unchanged(tx, community, &digests, member.name.as_str()).await?;
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
async fn check_address(tx: &mut WriteTx, community: i64, address: &str, except: Option<HouseholdId>) -> AppResult<()> {
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
