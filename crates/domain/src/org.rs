//! The organization the method runs in: a community committee (社区党委) with
//! branches (党支部) and party groups (党小组), its members (党员), the
//! households (农户/住户) they serve, and the accounts that act in the system.

use jiff::civil::Date;
use std::fmt;
use std::str::FromStr;

crate::id::id_type! {
    /// A member (党员) on the roll.
    MemberId
}

crate::id::id_type! {
    /// A community (社区/村), the unit the method runs in.
    CommunityId
}

crate::id::id_type! {
    /// A branch (党支部) of a community.
    BranchId
}

crate::id::id_type! {
    /// A party group (党小组) of a branch.
    PartyGroupId
}

crate::id::id_type! {
    /// An account that signs in and acts (one person, one account).
    AccountId
}

crate::id::id_type! {
    /// A household (农户/住户) on the roll.
    HouseholdId
}

/// A person's name as written on the roll: non-empty, printable, short.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PersonName(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("a name cannot be empty")]
    Empty,
    #[error("a name has at most {max} characters; \"{name}\" has {count}", max = PersonName::MAX_CHARS)]
    TooLong { name: String, count: usize },
    #[error("a name cannot contain control characters")]
    Control,
    /// An invisible format character (Unicode category Cf): U+202E turns
    /// the text after it right to left, zero-width characters make two
    /// names that look alike differ; neither belongs in a name on a roll.
    #[error("a name cannot contain invisible formatting characters (here U+{code:04X}): type the name again")]
    Format { code: u32 },
}

impl NameError {
    /// The refusal in Chinese, for the pages.
    pub fn zh(&self) -> String {
        match self {
            NameError::Empty => "姓名不能为空。".to_string(),
            NameError::TooLong { count, .. } => {
                format!("姓名最多 {} 个字，这个有 {count} 个字。", PersonName::MAX_CHARS)
            }
            NameError::Control => "姓名不能包含控制字符。".to_string(),
            NameError::Format { code } => {
                format!("姓名不能包含不可见的格式字符（此处有 U+{code:04X}，如文字方向控制符或零宽字符）：请重新输入。")
            }
        }
    }
}

impl PersonName {
    pub const MAX_CHARS: usize = 40;

    pub fn parse(raw: &str) -> Result<Self, NameError> {
        let name = raw.trim();
        if name.is_empty() {
            return Err(NameError::Empty);
        }
        let count = name.chars().count();
        if count > Self::MAX_CHARS {
            return Err(NameError::TooLong { name: name.to_string(), count });
        }
        if name.chars().any(char::is_control) {
            return Err(NameError::Control);
        }
        if let Some(format) = name.chars().find(|c| is_format(*c)) {
            return Err(NameError::Format { code: u32::from(format) });
        }
        Ok(PersonName(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether `c` is an invisible format character: Unicode's general category
/// Cf (Unicode 15.1), listed here rather than pulled from a crate for a
/// few ranges. Used on names, where none of them has a place.
pub fn is_format(c: char) -> bool {
    matches!(
        u32::from(c),
        0x00AD
            | 0x0600..=0x0605
            | 0x061C
            | 0x06DD
            | 0x070F
            | 0x0890..=0x0891
            | 0x08E2
            | 0x180E
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x2064
            | 0x2066..=0x206F
            | 0xFEFF
            | 0xFFF9..=0xFFFB
            | 0x110BD
            | 0x110CD
            | 0x13430..=0x1343F
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0001
            | 0xE0020..=0xE007F
    )
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A mainland mobile number. Kept whole in the store, shown masked
/// (`138****5678`) wherever the full number is not needed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phone(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{0}\" is not a mobile number: expected 11 digits starting with 1")]
pub struct PhoneError(pub String);

impl PhoneError {
    /// The refusal in Chinese, for the pages.
    pub fn zh(&self) -> String {
        format!("“{}”不是手机号：应为以 1 开头的 11 位数字。", self.0)
    }
}

impl Phone {
    pub fn parse(raw: &str) -> Result<Self, PhoneError> {
        let digits: String = raw.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        let valid = digits.len() == 11 && digits.starts_with('1') && digits.bytes().all(|b| b.is_ascii_digit());
        if valid { Ok(Phone(digits)) } else { Err(PhoneError(raw.to_string())) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn masked(&self) -> String {
        format!("{}****{}", &self.0[..3], &self.0[7..])
    }
}

/// A rating year. Periods run from 1 January to 31 December.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Year(i16);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0} is not a year starledger can rate (2000 to 2100)")]
pub struct YearError(pub i64);

impl YearError {
    /// The refusal in Chinese, for the pages.
    pub fn zh(&self) -> String {
        format!("{} 不是可评定的年度（2000 至 2100 年）。", self.0)
    }
}

impl Year {
    pub fn new(year: i64) -> Result<Self, YearError> {
        if (2000..=2100).contains(&year) { Ok(Year(year as i16)) } else { Err(YearError(year)) }
    }

    pub fn get(self) -> i16 {
        self.0
    }

    pub fn first_day(self) -> Date {
        Date::new(self.0, 1, 1).expect("1 January exists in every supported year")
    }

    pub fn last_day(self) -> Date {
        Date::new(self.0, 12, 31).expect("31 December exists in every supported year")
    }

    pub fn contains(self, date: Date) -> bool {
        date.year() == self.0
    }

    pub fn days(self) -> i64 {
        i64::from(self.first_day().days_in_year())
    }

    pub fn of(date: Date) -> Year {
        Year(date.year())
    }
}

impl FromStr for Year {
    type Err = YearError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let value: i64 = text.trim().parse().map_err(|_| YearError(-1))?;
        Year::new(value)
    }
}

impl fmt::Display for Year {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// What an account may do. Households have no account at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// 党委书记、委员: runs the community's rating.
    Committee,
    /// 支部书记: their own branch's members, meetings and attendance.
    BranchSecretary,
    /// 党员: their own record.
    Member,
    /// 纪检/审计: reads everything, writes nothing.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Committee, Role::BranchSecretary, Role::Member, Role::Auditor];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Committee => "committee",
            Role::BranchSecretary => "branch_secretary",
            Role::Member => "member",
            Role::Auditor => "auditor",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Committee => "党委",
            Role::BranchSecretary => "支部书记",
            Role::Member => "党员",
            Role::Auditor => "纪检/审计",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role \"{0}\": use committee, branch_secretary, member or auditor")]
pub struct RoleError(pub String);

impl FromStr for Role {
    type Err = RoleError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Role::ALL.into_iter().find(|role| role.as_str() == text).ok_or_else(|| RoleError(text.to_string()))
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Someone who acts in the system. Every write names one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub id: AccountId,
    pub community_id: CommunityId,
    pub login: String,
    pub name: String,
    pub role: Role,
    /// The member this account belongs to, if the person is a member.
    pub member_id: Option<MemberId>,
    /// For a branch secretary: the branch they answer for.
    pub branch_id: Option<BranchId>,
}

/// Whether a member owes the household-linking duty (联户定岗) this year.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkingDuty {
    /// A member without a post: serves 5-10 households.
    Linked,
    /// Holds a post (支部书记, 委员 ...): the post is their duty.
    HoldsPost(String),
    /// Excused, e.g. old or in poor health (年老体弱), with the reason.
    Exempt(String),
}

impl LinkingDuty {
    pub fn from_parts(post: Option<&str>, exempt_reason: Option<&str>) -> Self {
        match (exempt_reason, post) {
            (Some(reason), _) => LinkingDuty::Exempt(reason.to_string()),
            (None, Some(post)) => LinkingDuty::HoldsPost(post.to_string()),
            (None, None) => LinkingDuty::Linked,
        }
    }

    pub fn is_linked(&self) -> bool {
        matches!(self, LinkingDuty::Linked)
    }

    /// Why the member does not link households, for reports.
    pub fn excuse(&self) -> Option<String> {
        match self {
            LinkingDuty::Linked => None,
            LinkingDuty::HoldsPost(post) => Some(format!("有职务：{post}")),
            LinkingDuty::Exempt(reason) => Some(format!("免于联户：{reason}")),
        }
    }
}

/// A party member on the community's roll.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub id: MemberId,
    pub community_id: CommunityId,
    pub branch_id: BranchId,
    pub branch: String,
    pub party_group_id: Option<PartyGroupId>,
    pub name: PersonName,
    pub phone: Option<Phone>,
    /// 预备党员: takes part in everything, is not graded.
    pub probationary: bool,
    pub linking: LinkingDuty,
    pub joined_on: Option<Date>,
    pub left_on: Option<Date>,
}

impl Member {
    /// Days of `year` during which the person was on the roll.
    pub fn days_on_roll(&self, year: Year) -> i64 {
        let start = match self.joined_on {
            Some(joined) if joined > year.first_day() => joined,
            _ => year.first_day(),
        };
        let end = match self.left_on {
            Some(left) if left < year.last_day() => left,
            _ => year.last_day(),
        };
        if end < start { 0 } else { i64::from((end - start).get_days()) + 1 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_masked() {
        let phone = Phone::parse("138 1234 5678").unwrap();
        assert_eq!(phone.masked(), "138****5678");
        assert!(Phone::parse("12345").is_err());
    }

    #[test]
    fn names_are_checked() {
        assert_eq!(PersonName::parse(" 梁小改 ").unwrap().as_str(), "梁小改");
        assert_eq!(PersonName::parse("  "), Err(NameError::Empty));
    }

    #[test]
    fn names_refuse_invisible_format_characters() {
        for raw in
            ["梁\u{202e}小改", "梁小\u{200b}改", "\u{feff}梁小改x", "梁\u{2066}小改", "梁\u{e0041}小改", "梁\u{ad}小改"]
        {
            let error = PersonName::parse(raw).unwrap_err();
            assert!(matches!(error, NameError::Format { .. }), "{raw:?}: {error:?}");
            assert!(error.zh().contains("U+") && error.to_string().contains("U+"), "{error}");
        }
        assert_eq!(PersonName::parse("梁\u{202e}小改").unwrap_err(), NameError::Format { code: 0x202E });
        // Middle dot of minority names, full-width space inside, CJK
        // extension characters: all visible, all kept.
        for raw in ["阿依古丽·买买提", "欧阳\u{3000}娜娜", "𠀀𠀁"] {
            assert!(PersonName::parse(raw).is_ok(), "{raw:?}");
        }
    }

    #[test]
    fn days_on_roll_counts_partial_years() {
        let member = |joined: Option<Date>, left: Option<Date>| Member {
            id: MemberId::new(1),
            community_id: CommunityId::new(1),
            branch_id: BranchId::new(1),
            branch: "第一党支部".into(),
            party_group_id: None,
            name: PersonName::parse("张三").unwrap(),
            phone: None,
            probationary: false,
            linking: LinkingDuty::Linked,
            joined_on: joined,
            left_on: left,
        };
        let year = Year::new(2025).unwrap();
        assert_eq!(member(None, None).days_on_roll(year), 365);
        assert_eq!(member(Some(jiff::civil::date(2025, 7, 1)), None).days_on_roll(year), 184);
        assert_eq!(member(None, Some(jiff::civil::date(2024, 12, 31))).days_on_roll(year), 0);
        assert_eq!(member(Some(jiff::civil::date(2010, 7, 1)), None).days_on_roll(year), 365);
    }
}
