//! Rows as SQLite returns them, and their conversion into checked domain
//! values. Anything that does not convert is reported as corrupt data.

use crate::StoreError;
use jiff::civil::Date;
use starledger_domain::ledger::{Actor, Entry, EntryDraft, EntryHash};
use starledger_domain::org::{
    Account, AccountId, BranchId, CommunityId, LinkingDuty, Member, MemberId, PartyGroupId, PersonName, Phone, Role,
};
use starledger_domain::points::Points;
use starledger_domain::regions::{Overseer, Principal, RegionId};

pub(crate) fn date(text: &str, what: &str) -> Result<Date, StoreError> {
    text.parse().map_err(|_| StoreError::Corrupt(format!("{what}: \"{text}\" is not a date")))
}

pub(crate) fn optional_date(text: Option<&str>, what: &str) -> Result<Option<Date>, StoreError> {
    text.map(|t| date(t, what)).transpose()
}

#[derive(sqlx::FromRow)]
pub(crate) struct MemberRow {
    pub id: MemberId,
    pub community_id: CommunityId,
    pub branch_id: BranchId,
    pub branch: String,
    pub party_group_id: Option<PartyGroupId>,
    pub name: String,
    pub phone: Option<String>,
    #[sqlx(try_from = "crate::rows::Flag")]
    pub probationary: bool,
    pub post: Option<String>,
    pub linking_exempt_reason: Option<String>,
    pub joined_on: Option<String>,
    pub left_on: Option<String>,
}

pub(crate) const MEMBER_COLUMNS: &str = "m.id, m.community_id, m.branch_id, b.name AS branch, m.party_group_id, \
     m.name, m.phone, m.probationary, m.post, m.linking_exempt_reason, CAST(m.joined_on AS TEXT) AS joined_on, \
     CAST(m.left_on AS TEXT) AS left_on";

impl MemberRow {
    pub fn into_member(self) -> Result<Member, StoreError> {
        let corrupt = |e: &dyn std::fmt::Display| StoreError::Corrupt(format!("member {}: {e}", self.id));
        Ok(Member {
            id: self.id,
            community_id: self.community_id,
            branch_id: self.branch_id,
            branch: self.branch.clone(),
            party_group_id: self.party_group_id,
            name: PersonName::parse(&self.name).map_err(|e| corrupt(&e))?,
            phone: self.phone.as_deref().map(Phone::parse).transpose().map_err(|e| corrupt(&e))?,
            probationary: self.probationary,
            linking: LinkingDuty::from_parts(self.post.as_deref(), self.linking_exempt_reason.as_deref()),
            joined_on: optional_date(self.joined_on.as_deref(), "joined_on")?,
            left_on: optional_date(self.left_on.as_deref(), "left_on")?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct AccountRow {
    pub id: AccountId,
    pub community_id: Option<CommunityId>,
    pub region_id: Option<RegionId>,
    pub login: String,
    pub name: String,
    pub role: String,
    pub member_id: Option<MemberId>,
    pub branch_id: Option<BranchId>,
}

/// The role a region's account has in the database; it is no community role.
pub(crate) const OVERSEER_ROLE: &str = "overseer";

impl AccountRow {
    /// An account of a community or an overseer of a region, whichever the
    /// row is; the schema allows nothing in between.
    pub fn into_principal(self) -> Result<Principal, StoreError> {
        match (self.role.as_str(), self.region_id) {
            (OVERSEER_ROLE, Some(region_id)) => {
                Ok(Principal::Overseer(Overseer { id: self.id, region_id, login: self.login, name: self.name }))
            }
            _ => self.into_account().map(Principal::Community),
        }
    }

    /// A community's account; an overseer's row is refused, since it acts in
    /// no community.
    pub fn into_account(self) -> Result<Account, StoreError> {
        if self.role == OVERSEER_ROLE {
            return Err(StoreError::Conflict(format!(
                "account {} oversees a region and acts in no community",
                self.login
            )));
        }
        let role: Role = self.role.parse().map_err(|e| StoreError::Corrupt(format!("account {}: {e}", self.login)))?;
        let community_id =
            self.community_id.ok_or_else(|| StoreError::Corrupt(format!("account {} has no community", self.login)))?;
        Ok(Account {
            id: self.id,
            community_id,
            login: self.login,
            name: self.name,
            role,
            member_id: self.member_id,
            branch_id: self.branch_id,
        })
    }
}

#[derive(sqlx::FromRow, Clone)]
pub(crate) struct EntryRow {
    pub id: i64,
    pub community_id: CommunityId,
    pub year: i64,
    pub member_id: MemberId,
    pub category: String,
    pub rule_key: String,
    pub rulebook_version: String,
    pub points_tenths: i64,
    pub reason: String,
    pub source_kind: String,
    pub source_ref: String,
    pub recorded_by: String,
    pub recorded_at: i64,
    pub occurred_on: String,
    pub idempotency_key: String,
    pub reverses_entry_id: Option<i64>,
    pub prev_hash: String,
    pub hash: String,
}

pub(crate) const ENTRY_COLUMNS: &str = "id, community_id, year, member_id, category, rule_key, rulebook_version, \
     points_tenths, reason, source_kind, source_ref, recorded_by, unix_seconds(recorded_at) AS recorded_at, \
     CAST(occurred_on AS TEXT) AS occurred_on, idempotency_key, reverses_entry_id, prev_hash, hash";

impl EntryRow {
    pub fn into_entry(self) -> Result<Entry, StoreError> {
        let id = self.id;
        let corrupt = |what: &str| StoreError::Corrupt(format!("ledger entry {id}: {what}"));
        let year = i16::try_from(self.year).map_err(|_| corrupt("year out of range"))?;
        Ok(Entry {
            id,
            draft: EntryDraft {
                community_id: self.community_id,
                year,
                member_id: self.member_id,
                category: self.category,
                rule_key: self.rule_key,
                rulebook_version: self.rulebook_version,
                points: Points::from_tenths(self.points_tenths),
                reason: self.reason,
                source_kind: self.source_kind,
                source_ref: self.source_ref,
                recorded_by: self.recorded_by.parse::<Actor>().map_err(|e| corrupt(&e.to_string()))?,
                recorded_at: self.recorded_at,
                occurred_on: self.occurred_on.parse().map_err(|_| corrupt("occurred_on is not a date"))?,
                idempotency_key: self.idempotency_key,
                reverses: self.reverses_entry_id,
            },
            prev_hash: EntryHash::from_hex(&self.prev_hash).ok_or_else(|| corrupt("prev_hash is not a hash"))?,
            hash: EntryHash::from_hex(&self.hash).ok_or_else(|| corrupt("hash is not a hash"))?,
        })
    }
}

/// A flag, read as a bool from either backend: PostgreSQL's flags are
/// booleans, SQLite's the integers 1 and 0 (`Any` decodes neither as the
/// other), so one query reads them the same way from either. A flag is
/// bound as a `bool`, which SQLite stores as 1 or 0.
pub(crate) struct Flag(pub bool);

impl sqlx::Type<sqlx::Any> for Flag {
    fn type_info() -> sqlx::any::AnyTypeInfo {
        <bool as sqlx::Type<sqlx::Any>>::type_info()
    }

    fn compatible(ty: &sqlx::any::AnyTypeInfo) -> bool {
        <bool as sqlx::Type<sqlx::Any>>::compatible(ty) || <i64 as sqlx::Type<sqlx::Any>>::compatible(ty)
    }
}

impl<'r> sqlx::Decode<'r, sqlx::Any> for Flag {
    fn decode(value: sqlx::any::AnyValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        use sqlx::ValueRef;
        if value.type_info().kind() == sqlx::any::AnyTypeInfoKind::Bool {
            return Ok(Flag(<bool as sqlx::Decode<sqlx::Any>>::decode(value)?));
        }
        Ok(Flag(<i64 as sqlx::Decode<sqlx::Any>>::decode(value)? != 0))
    }
}

impl From<Flag> for bool {
    fn from(flag: Flag) -> bool {
        flag.0
    }
}
