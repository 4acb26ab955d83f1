//! The roll brought in from a spreadsheet (党员花名册, 农户台账, 联户名单): what
//! a file's rows would add or change on the roll, and every problem with the
//! place it was found. Pure: the reader turns cells into the records below,
//! the application layer loads the roll, asks [`plan_members`] and friends,
//! and writes the plan in one transaction only when it has no problem.
//!
//! Each row has a stable identity, so importing the same file twice changes
//! nothing the second time: a member is the same person when the phone
//! agrees, or else the same name in the same branch; a household is its
//! address; a link is the household's.

use crate::linking::LinkStatus;
use crate::linking::link_status;
use crate::org::{BranchId, HouseholdId, LinkingDuty, Member, MemberId, PartyGroupId, PersonName, Phone};
use crate::rulebook::LinkingRules;
use jiff::civil::Date;
use std::collections::{BTreeMap, HashMap};
use std::fmt;

/// Where a row came from: file, sheet and 1-based row number as the office
/// software shows them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    pub file: String,
    pub sheet: String,
    pub row: u32,
}

/// One thing wrong with a row: where, which column, the value, what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub place: Place,
    pub column: Option<String>,
    pub value: Option<String>,
    /// What is wrong and what to do, in Chinese (for a Chinese page).
    pub zh: String,
    /// The same in English (the command line, an English page, the logs).
    pub en: String,
}

impl Problem {
    /// A problem is written once, in both languages, where it is found.
    pub fn new(
        place: &Place,
        column: Option<&str>,
        value: Option<&str>,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) -> Problem {
        Problem {
            place: place.clone(),
            column: column.map(str::to_string),
            value: value.map(str::to_string),
            zh: zh.into(),
            en: en.into(),
        }
    }

    /// The problem as a Chinese page shows it: file, sheet, row, column, value, what is wrong.
    pub fn to_zh(&self) -> String {
        let Place { file, sheet, row } = &self.place;
        let mut text = format!("{file} {sheet} 第 {row} 行");
        if let Some(column) = &self.column {
            text.push_str(&format!("，{column}"));
        }
        text.push('：');
        if let Some(value) = &self.value {
            text.push_str(&format!("“{value}” "));
        }
        text.push_str(&self.zh);
        text
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Place { file, sheet, row } = &self.place;
        write!(f, "{file} {sheet} row {row}")?;
        if let Some(column) = &self.column {
            write!(f, ", {column}")?;
        }
        f.write_str(": ")?;
        if let Some(value) = &self.value {
            write!(f, "\"{value}\" ")?;
        }
        f.write_str(&self.en)
    }
}

/// A member as a row of the roll states them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberRecord {
    pub place: Place,
    pub name: PersonName,
    pub branch: String,
    pub party_group: Option<String>,
    pub phone: Option<Phone>,
    pub post: Option<String>,
    pub exempt_reason: Option<String>,
    pub joined_on: Option<Date>,
    pub probationary: bool,
}

/// A household as a row of the household sheet states it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HouseholdRecord {
    pub place: Place,
    pub address: String,
    pub head: Option<String>,
    pub phone: Option<Phone>,
}

/// One row of the linking sheet: this household is served by this member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkRecord {
    pub place: Place,
    pub address: String,
    pub member: PersonName,
    /// Needed only where two members share the name.
    pub branch: Option<String>,
}

/// What a file holds, parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Records {
    Members(Vec<MemberRecord>),
    Households(Vec<HouseholdRecord>),
    Links(Vec<LinkRecord>),
}

/// A member as it would be written: ids resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberValues {
    pub branch_id: BranchId,
    pub party_group_id: Option<PartyGroupId>,
    pub name: PersonName,
    pub phone: Option<Phone>,
    pub post: Option<String>,
    pub exempt_reason: Option<String>,
    pub joined_on: Option<Date>,
    pub probationary: bool,
}

/// What importing a file would do. Empty `problems` is the only way to
/// write it; `notes` are shown and do not block.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan<A> {
    pub actions: Vec<A>,
    pub unchanged: usize,
    pub problems: Vec<Problem>,
    pub notes: Vec<String>,
}

impl<A> Plan<A> {
    fn new() -> Self {
        Plan { actions: Vec::new(), unchanged: 0, problems: Vec::new(), notes: Vec::new() }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MemberAction {
    Add { values: MemberValues },
    Update { id: MemberId, values: MemberValues, changes: Vec<String> },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HouseholdAction {
    Add { address: String, head: Option<String>, phone: Option<Phone> },
    Update { id: HouseholdId, address: String, head: Option<String>, phone: Option<Phone>, changes: Vec<String> },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkAction {
    pub household: HouseholdId,
    pub address: String,
    pub member: MemberId,
    pub member_name: String,
    pub previous: Option<MemberId>,
}

/// The roll as it stands, for planning.
pub struct Roll<'a> {
    pub branches: &'a [(BranchId, String)],
    pub groups: &'a [(PartyGroupId, BranchId, String)],
    pub members: &'a [Member],
    /// Linked households per member.
    pub link_counts: &'a HashMap<MemberId, u32>,
}

/// A household as it stands: (id, address, head, phone, linked member).
pub struct StoredHousehold {
    pub id: HouseholdId,
    pub address: String,
    pub head: Option<String>,
    pub phone: Option<String>,
    pub member_id: Option<MemberId>,
}

/// Addresses are compared with runs of spaces collapsed.
pub fn address_key(address: &str) -> String {
    address.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A joined date is a day that has happened; else what is wrong, (Chinese, English).
pub fn check_joined_on(date: Date, today: Date) -> Result<(), (String, String)> {
    if date > today {
        Err((format!("是将来的日期（今天是 {today}）"), format!("is in the future (today is {today})")))
    } else {
        Ok(())
    }
}

/// Full-width letters, digits, brackets and spaces as half-width, and
/// Excel's non-breaking space as a space: how sheets are read (a phone typed
/// as １３８… must read as digits).
pub fn fold_width(c: char) -> char {
    match c {
        '\u{3000}' | '\u{a0}' => ' ',
        '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
        other => other,
    }
}

/// Whether a name typed in a sheet names a branch or group of the roll.
/// The reader folds widths ([`fold_width`]) while names on the roll keep
/// what was typed, e.g. 第一党支部（东街）: both sides are folded alike.
pub fn same_label(on_roll: &str, in_sheet: &str) -> bool {
    on_roll.trim().chars().map(fold_width).eq(in_sheet.trim().chars().map(fold_width))
}

fn branch_id(branches: &[(BranchId, String)], name: &str) -> Option<BranchId> {
    branches.iter().find(|(_, n)| same_label(n, name)).map(|(id, _)| *id)
}

/// The branches of the roll, (Chinese, English), for a row that names another.
fn known_branches(branches: &[(BranchId, String)]) -> (String, String) {
    let names: Vec<&str> = branches.iter().map(|(_, n)| n.as_str()).collect();
    if names.is_empty() {
        (
            "尚无支部：请先在“支部”页或用 `starledger branch add` 添加".into(),
            "none yet: add one with `starledger branch add`".into(),
        )
    } else {
        (names.join("、"), names.join("、"))
    }
}

/// What a members file would do to the roll.
pub fn plan_members(records: &[MemberRecord], roll: &Roll<'_>, today: Date) -> Plan<MemberAction> {
    let mut plan = Plan::new();
    let mut seen_key: HashMap<(String, String), &Place> = HashMap::new();
    let mut seen_phone: HashMap<String, &Place> = HashMap::new();
    for record in records {
        let place = &record.place;
        let key = (record.name.as_str().to_string(), record.branch.clone());
        if let Some(first) = seen_key.get(&key) {
            plan.problems.push(Problem::new(
                place,
                Some("姓名"),
                Some(record.name.as_str()),
                format!("已在本文件第 {} 行（{}）：请删去重复的行", first.row, record.branch),
                format!("is already in {} of this file (row {}): remove the duplicate row", record.branch, first.row),
            ));
            continue;
        }
        seen_key.insert(key, place);
        if let Some(phone) = &record.phone {
            if let Some(first) = seen_phone.get(phone.as_str()) {
                plan.problems.push(Problem::new(
                    place,
                    Some("手机"),
                    Some(phone.as_str()),
                    format!("也在第 {} 行：一个手机号只属于一名党员", first.row),
                    format!("is also on row {}: one phone belongs to one member", first.row),
                ));
                continue;
            }
            seen_phone.insert(phone.as_str().to_string(), place);
        }
        let Some(branch) = branch_id(roll.branches, &record.branch) else {
            let (known_zh, known_en) = known_branches(roll.branches);
            plan.problems.push(Problem::new(
                place,
                Some("所属支部"),
                Some(&record.branch),
                format!("不是本社区的支部；现有支部：{known_zh}"),
                format!("is not a branch of this community; branches: {known_en}"),
            ));
            continue;
        };
        let group = match &record.party_group {
            None => None,
            Some(name) => match roll.groups.iter().find(|(_, b, n)| *b == branch && same_label(n, name)) {
                Some((id, _, _)) => Some(*id),
                None => {
                    plan.problems.push(Problem::new(
                        place,
                        Some("党小组"),
                        Some(name),
                        format!("不是{}的党小组：请先在“支部”页添加", record.branch),
                        format!("is not a party group of {}; add it with `starledger branch add-group`", record.branch),
                    ));
                    continue;
                }
            },
        };
        if let Some(joined) = record.joined_on
            && let Err((zh, en)) = check_joined_on(joined, today)
        {
            plan.problems.push(Problem::new(place, Some("入党时间"), Some(&joined.to_string()), zh, en));
            continue;
        }
        let values = MemberValues {
            branch_id: branch,
            party_group_id: group,
            name: record.name.clone(),
            phone: record.phone.clone(),
            post: record.post.clone(),
            exempt_reason: record.exempt_reason.clone(),
            joined_on: record.joined_on,
            probationary: record.probationary,
        };
        // The same person: the phone agrees, or the same name in the same branch.
        let by_phone =
            record.phone.as_ref().and_then(|phone| roll.members.iter().find(|m| m.phone.as_ref() == Some(phone)));
        let by_name = roll.members.iter().find(|m| m.name == record.name && m.branch_id == branch);
        let existing = match (by_phone, by_name) {
            (Some(a), Some(b)) if a.id != b.id => {
                plan.problems.push(Problem::new(
                    place,
                    Some("手机"),
                    record.phone.as_ref().map(|p| p.as_str()),
                    format!(
                        "属于 {}（{}），而{}的 {} 是另一名党员：请更正手机或姓名",
                        a.name, a.branch, record.branch, record.name
                    ),
                    format!(
                        "belongs to {} ({}), but {} of {} is another member: correct the phone or the name",
                        a.name, a.branch, record.name, record.branch
                    ),
                ));
                continue;
            }
            (Some(m), _) => Some(m),
            (None, Some(m)) => {
                if let (Some(_), Some(stored)) = (&record.phone, &m.phone) {
                    // Same name and branch, another phone: a namesake or a new number.
                    plan.problems.push(Problem::new(
                        place,
                        Some("手机"),
                        record.phone.as_ref().map(|p| p.as_str()),
                        format!(
                            "与名册上{}的 {} 的手机（{}）不同：若是同一人，请先在名册上更正；\
                             若是同名的另一人，请用能区分二人的姓名",
                            m.branch,
                            m.name,
                            stored.masked()
                        ),
                        format!(
                            "differs from the phone on the roll for {} of {} ({}): if it is the same person, \
                             correct it on the roll first; a namesake needs a name that tells them apart",
                            m.name,
                            m.branch,
                            stored.masked()
                        ),
                    ));
                    continue;
                }
                Some(m)
            }
            (None, None) => {
                if let Some(other) = roll.members.iter().find(|m| m.name == record.name) {
                    plan.notes.push(format!(
                        "{} row {}: {} is also on the roll in {}; a new member will be added in {} \
                         (give the phone to move the existing one)",
                        place.sheet, place.row, record.name, other.branch, record.branch
                    ));
                }
                None
            }
        };
        let duty = LinkingDuty::from_parts(values.post.as_deref(), values.exempt_reason.as_deref());
        match existing {
            None => plan.actions.push(MemberAction::Add { values }),
            Some(member) => {
                // A cell left empty keeps what the roll holds.
                let values = MemberValues {
                    phone: values.phone.clone().or_else(|| member.phone.clone()),
                    joined_on: values.joined_on.or(member.joined_on),
                    ..values
                };
                let changes = member_changes(member, &values, &duty, roll);
                if changes.is_empty() {
                    plan.unchanged += 1;
                    continue;
                }
                let linked = roll.link_counts.get(&member.id).copied().unwrap_or(0);
                if !duty.is_linked() && linked > 0 {
                    plan.problems.push(Problem::new(
                        place,
                        Some(if values.exempt_reason.is_some() { "免于联户原因" } else { "职务" }),
                        values.exempt_reason.as_deref().or(values.post.as_deref()),
                        format!(
                            "{} 仍联系 {linked} 户；有职务或免于联户的党员不联户：请先把这些农户改联给其他党员",
                            member.name
                        ),
                        format!(
                            "{} still serves {linked} households; a member with a post or an exemption links none: \
                             relink them first",
                            member.name
                        ),
                    ));
                    continue;
                }
                plan.actions.push(MemberAction::Update { id: member.id, values, changes });
            }
        }
    }
    plan
}

fn member_changes(member: &Member, values: &MemberValues, duty: &LinkingDuty, roll: &Roll<'_>) -> Vec<String> {
    let show = |value: Option<String>| value.unwrap_or_else(|| "（空）".into());
    let mut changes = Vec::new();
    if member.name != values.name {
        changes.push(format!("姓名 {} → {}", member.name, values.name));
    }
    if member.branch_id != values.branch_id {
        let to = roll.branches.iter().find(|(id, _)| *id == values.branch_id).map(|(_, n)| n.as_str());
        changes.push(format!("所属支部 {} → {}", member.branch, to.unwrap_or("?")));
    }
    if member.party_group_id != values.party_group_id {
        let name = |id: Option<PartyGroupId>| {
            id.and_then(|id| roll.groups.iter().find(|(g, _, _)| *g == id).map(|(_, _, n)| n.clone()))
        };
        changes.push(format!("党小组 {} → {}", show(name(member.party_group_id)), show(name(values.party_group_id))));
    }
    if values.phone.is_some() && member.phone != values.phone {
        let masked = |p: &Option<Phone>| p.as_ref().map(Phone::masked);
        changes.push(format!("手机 {} → {}", show(masked(&member.phone)), show(masked(&values.phone))));
    }
    if member.probationary != values.probationary {
        let label = |p: bool| if p { "是" } else { "否" };
        changes.push(format!("预备党员 {} → {}", label(member.probationary), label(values.probationary)));
    }
    if &member.linking != duty {
        let label = |d: &LinkingDuty| d.excuse().unwrap_or_else(|| "联户".into());
        changes.push(format!("联户 {} → {}", label(&member.linking), label(duty)));
    }
    if values.joined_on.is_some() && member.joined_on != values.joined_on {
        let date = |d: Option<Date>| d.map(|d| d.to_string());
        changes.push(format!("入党时间 {} → {}", show(date(member.joined_on)), show(date(values.joined_on))));
    }
    changes
}

/// What a households file would do.
pub fn plan_households(records: &[HouseholdRecord], stored: &[StoredHousehold]) -> Plan<HouseholdAction> {
    let mut plan = Plan::new();
    let by_address: HashMap<String, &StoredHousehold> = stored.iter().map(|h| (address_key(&h.address), h)).collect();
    let mut seen: HashMap<String, u32> = HashMap::new();
    for record in records {
        let key = address_key(&record.address);
        if let Some(first) = seen.get(&key) {
            plan.problems.push(Problem::new(
                &record.place,
                Some("地址"),
                Some(&record.address),
                format!("已在第 {first} 行：一个地址只有一户，请删去重复的行"),
                format!("is already on row {first}: one household per address; remove the duplicate row"),
            ));
            continue;
        }
        seen.insert(key.clone(), record.place.row);
        match by_address.get(&key) {
            None => plan.actions.push(HouseholdAction::Add {
                address: key,
                head: record.head.clone(),
                phone: record.phone.clone(),
            }),
            Some(household) => {
                let mut changes = Vec::new();
                if record.head.is_some() && household.head != record.head {
                    changes.push(format!(
                        "户主 {} → {}",
                        household.head.as_deref().unwrap_or("（空）"),
                        record.head.as_deref().unwrap_or("（空）")
                    ));
                }
                let phone = record.phone.as_ref().map(|p| p.as_str());
                if phone.is_some() && household.phone.as_deref() != phone {
                    let masked = |p: Option<&str>| {
                        p.and_then(|p| Phone::parse(p).ok()).map_or_else(|| "（空）".to_string(), |p| p.masked())
                    };
                    changes.push(format!("电话 {} → {}", masked(household.phone.as_deref()), masked(phone)));
                }
                if changes.is_empty() {
                    plan.unchanged += 1;
                } else {
                    plan.actions.push(HouseholdAction::Update {
                        id: household.id,
                        address: household.address.clone(),
                        head: record.head.clone().or_else(|| household.head.clone()),
                        phone: record
                            .phone
                            .clone()
                            .or_else(|| household.phone.as_deref().and_then(|p| Phone::parse(p).ok())),
                        changes,
                    });
                }
            }
        }
    }
    plan
}

/// What a linking file would do: each household to its member, within the
/// rulebook's range once the whole file is applied.
pub fn plan_links(
    records: &[LinkRecord],
    roll: &Roll<'_>,
    stored: &[StoredHousehold],
    rules: &LinkingRules,
    today: Date,
) -> Plan<LinkAction> {
    let mut plan = Plan::new();
    let by_address: HashMap<String, &StoredHousehold> = stored.iter().map(|h| (address_key(&h.address), h)).collect();
    let mut seen: HashMap<String, u32> = HashMap::new();
    let mut counts: HashMap<MemberId, u32> = roll.link_counts.clone();
    let mut rows_of: BTreeMap<MemberId, Vec<&Place>> = BTreeMap::new();
    for record in records {
        let place = &record.place;
        let key = address_key(&record.address);
        if let Some(first) = seen.get(&key) {
            plan.problems.push(Problem::new(
                place,
                Some("地址"),
                Some(&record.address),
                format!("已在第 {first} 行：一户只由一名党员联系"),
                format!("is already on row {first}: a household is linked to one member"),
            ));
            continue;
        }
        seen.insert(key.clone(), place.row);
        let Some(household) = by_address.get(&key) else {
            plan.problems.push(Problem::new(
                place,
                Some("地址"),
                Some(&record.address),
                "不是台账上的农户：请先导入农户",
                "is not a household on the roll: import the households first",
            ));
            continue;
        };
        let named: Vec<&Member> = roll
            .members
            .iter()
            .filter(|m| m.name == record.member)
            .filter(|m| record.branch.as_ref().is_none_or(|b| same_label(&m.branch, b)))
            .filter(|m| m.left_on.is_none_or(|left| left >= today))
            .collect();
        let member = match named.as_slice() {
            [member] => *member,
            [] => {
                let (zh, en) = match &record.branch {
                    Some(branch) => {
                        (format!("不是名册上{branch}的党员"), format!("is not a member of {branch} on the roll"))
                    }
                    None => ("不是名册上的党员".to_string(), "is not a member on the roll".to_string()),
                };
                plan.problems.push(Problem::new(place, Some("党员姓名"), Some(record.member.as_str()), zh, en));
                continue;
            }
            several => {
                let branches: Vec<&str> = several.iter().map(|m| m.branch.as_str()).collect();
                plan.problems.push(Problem::new(
                    place,
                    Some("党员姓名"),
                    Some(record.member.as_str()),
                    format!("与 {} 名党员同名（{}）：请填写所属支部", several.len(), branches.join("、")),
                    format!("matches {} members ({}): fill in 所属支部", several.len(), branches.join("、")),
                ));
                continue;
            }
        };
        if let Some(excuse) = member.linking.excuse() {
            plan.problems.push(Problem::new(
                place,
                Some("党员姓名"),
                Some(record.member.as_str()),
                format!("不联系农户（{excuse}）"),
                format!("does not link households ({excuse})"),
            ));
            continue;
        }
        if household.member_id == Some(member.id) {
            plan.unchanged += 1;
            rows_of.entry(member.id).or_default().push(place);
            continue;
        }
        if let Some(previous) = household.member_id
            && let Some(count) = counts.get_mut(&previous)
        {
            *count = count.saturating_sub(1);
        }
        *counts.entry(member.id).or_insert(0) += 1;
        rows_of.entry(member.id).or_default().push(place);
        plan.actions.push(LinkAction {
            household: household.id,
            address: household.address.clone(),
            member: member.id,
            member_name: member.name.to_string(),
            previous: household.member_id,
        });
    }
    // The range is checked on the roll as it would stand after the file.
    for (member_id, places) in &rows_of {
        let Some(member) = roll.members.iter().find(|m| m.id == *member_id) else { continue };
        let linked = counts.get(member_id).copied().unwrap_or(0);
        match link_status(&member.linking, linked, rules) {
            LinkStatus::TooMany { linked, max } => {
                let last = places.last().expect("a member here has a row");
                plan.problems.push(Problem::new(
                    last,
                    Some("党员姓名"),
                    Some(member.name.as_str()),
                    format!("将联系 {linked} 户，超过 {max} 户：请把其中几户改联给其他党员"),
                    format!("would serve {linked} households, more than {max}: link some to another member"),
                ));
            }
            LinkStatus::TooFew { linked, min } => plan.notes.push(format!(
                "{} serves {linked} households, fewer than {min}: `starledger household report` lists them",
                member.name
            )),
            _ => {}
        }
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::CommunityId;
    use crate::rulebook::Rulebook;

    fn place(row: u32) -> Place {
        Place { file: "roll.xlsx".into(), sheet: "党员".into(), row }
    }

    fn member(raw: i64, name: &str, branch: BranchId, linking: LinkingDuty) -> Member {
        let id = MemberId::new(raw);
        Member {
            id,
            community_id: CommunityId::new(1),
            branch_id: branch,
            branch: format!("第{branch}党支部"),
            party_group_id: None,
            name: PersonName::parse(name).unwrap(),
            phone: None,
            probationary: false,
            linking,
            joined_on: None,
            left_on: None,
        }
    }

    fn record(row: u32, name: &str, branch: &str) -> MemberRecord {
        MemberRecord {
            place: place(row),
            name: PersonName::parse(name).unwrap(),
            branch: branch.into(),
            party_group: None,
            phone: None,
            post: None,
            exempt_reason: None,
            joined_on: None,
            probationary: false,
        }
    }

    #[test]
    fn a_problem_names_file_sheet_row_and_column() {
        let problem = Problem::new(&place(7), Some("入党时间"), Some("2023/13/01"), "不是日期", "is not a date");
        assert_eq!(problem.to_string(), "roll.xlsx 党员 row 7, 入党时间: \"2023/13/01\" is not a date");
        assert_eq!(problem.to_zh(), "roll.xlsx 党员 第 7 行，入党时间：“2023/13/01” 不是日期");
    }

    #[test]
    fn members_are_added_once_and_matched_after() {
        let branches = vec![(BranchId::new(1), "第1党支部".to_string())];
        let counts = HashMap::new();
        let today = jiff::civil::date(2026, 6, 10);
        let empty = Roll { branches: &branches, groups: &[], members: &[], link_counts: &counts };
        let records = vec![record(2, "梁小改", "第1党支部")];
        let plan = plan_members(&records, &empty, today);
        assert_eq!(plan.actions.len(), 1);
        let members = vec![member(1, "梁小改", BranchId::new(1), LinkingDuty::Linked)];
        let full = Roll { members: &members, ..empty };
        let again = plan_members(&records, &full, today);
        assert!(again.actions.is_empty() && again.problems.is_empty());
        assert_eq!(again.unchanged, 1);
        // A finalized year is rated from its own snapshot of the roll
        // (store::year_roll), so the roll itself changes freely.
        let mut probationary = records.clone();
        probationary[0].probationary = true;
        assert_eq!(plan_members(&probationary, &full, today).actions.len(), 1, "probationary is an edit");
    }

    #[test]
    fn unknown_branch_future_date_and_duplicates_are_problems() {
        let branches = vec![(BranchId::new(1), "第1党支部".to_string())];
        let counts = HashMap::new();
        let roll = Roll { branches: &branches, groups: &[], members: &[], link_counts: &counts };
        let mut late = record(3, "胡国强", "第1党支部");
        late.joined_on = Some(jiff::civil::date(2027, 1, 1));
        let records = vec![
            record(2, "梁小改", "第九党支部"),
            late,
            record(4, "彭雅丽", "第1党支部"),
            record(5, "彭雅丽", "第1党支部"),
        ];
        let plan = plan_members(&records, &roll, jiff::civil::date(2026, 6, 10));
        let columns: Vec<_> = plan.problems.iter().map(|p| (p.place.row, p.column.clone().unwrap())).collect();
        assert_eq!(columns, vec![(2, "所属支部".into()), (3, "入党时间".into()), (5, "姓名".into())]);
        assert_eq!(plan.actions.len(), 1, "the good row is planned, and written only when the file has no problem");
    }

    #[test]
    fn links_respect_the_range_and_the_excused() {
        let rules = Rulebook::default_rulebook().linking;
        let branches = vec![(BranchId::new(1), "第1党支部".to_string())];
        let counts = HashMap::new();
        let members = vec![
            member(1, "梁小改", BranchId::new(1), LinkingDuty::Linked),
            member(2, "胡国强", BranchId::new(1), LinkingDuty::Exempt("年老体弱".into())),
        ];
        let roll = Roll { branches: &branches, groups: &[], members: &members, link_counts: &counts };
        let stored: Vec<StoredHousehold> = (1..=12)
            .map(|i| StoredHousehold {
                id: i.into(),
                address: format!("东街{i}号"),
                head: None,
                phone: None,
                member_id: None,
            })
            .collect();
        let link = |row: u32, address: String, name: &str| LinkRecord {
            place: place(row),
            address,
            member: PersonName::parse(name).unwrap(),
            branch: None,
        };
        let mut records: Vec<LinkRecord> = (1..=11).map(|i| link(i + 1, format!("东街{i}号"), "梁小改")).collect();
        records.push(link(13, "东街12号".into(), "胡国强"));
        let plan = plan_links(&records, &roll, &stored, &rules, jiff::civil::date(2026, 6, 10));
        let messages: Vec<String> = plan.problems.iter().map(|p| p.en.clone()).collect();
        assert_eq!(plan.problems.len(), 2, "{messages:?}");
        assert!(messages.iter().any(|m| m.contains("does not link")));
        assert!(messages.iter().any(|m| m.contains("more than")));
        let within: Vec<LinkRecord> = records.into_iter().take(6).collect();
        let plan = plan_links(&within, &roll, &stored, &rules, jiff::civil::date(2026, 6, 10));
        assert!(plan.problems.is_empty());
        assert_eq!(plan.actions.len(), 6);
    }

    #[test]
    fn a_branch_named_with_full_width_brackets_is_found_as_the_reader_gives_it() {
        // The reader folds （东街） to (东街); the roll keeps what was typed.
        assert!(same_label("第一党支部（东街）", "第一党支部(东街)"));
        assert!(same_label("第一党支部（东街）", " 第一党支部（东街） "));
        assert!(!same_label("第一党支部（东街）", "第一党支部(西街)"));
        let branches = vec![(BranchId::new(7), "第一党支部（东街）".to_string())];
        assert_eq!(branch_id(&branches, "第一党支部(东街)"), Some(BranchId::new(7)));
    }
}
