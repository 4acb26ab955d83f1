//! The roll: communities, branches, party groups, members, accounts,
//! households and their links, and the rating periods with their rulebooks.

use crate::error::Classify;
use crate::rows::{AccountRow, MEMBER_COLUMNS, MemberRow};
use crate::{Queries, Result, StoreError, WriteTx, now_text};
use jiff::civil::Date;
use starledger_domain::org::{
    Account, AccountId, BranchId, CommunityId, HouseholdId, Member, MemberId, PartyGroupId, PersonName, Phone, Role,
    Year,
};
use starledger_domain::rulebook::Rulebook;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Community {
    pub id: CommunityId,
    pub name: String,
}

#[derive(Clone, Debug)]
pub struct NewMember {
    pub community_id: CommunityId,
    pub branch_id: BranchId,
    pub party_group_id: Option<PartyGroupId>,
    pub name: PersonName,
    pub phone: Option<Phone>,
    pub probationary: bool,
    pub post: Option<String>,
    pub linking_exempt_reason: Option<String>,
    pub joined_on: Option<Date>,
    pub left_on: Option<Date>,
    pub note: Option<String>,
}

#[derive(Clone, Debug)]
pub struct NewAccount {
    pub community_id: CommunityId,
    pub login: String,
    pub name: String,
    pub role: Role,
    pub member_id: Option<MemberId>,
    pub branch_id: Option<BranchId>,
}

#[derive(Clone, Debug)]
pub struct NewHousehold {
    pub community_id: CommunityId,
    pub address: String,
    pub head_name: Option<String>,
    pub phone: Option<Phone>,
}

/// A household with the member it is linked to, if any.
const HOUSEHOLD_SELECT: &str = "SELECT h.id, h.address, h.head_name, h.phone, l.member_id, m.name AS member_name \
     FROM households h LEFT JOIN household_links l ON l.household_id = h.id LEFT JOIN members m ON m.id = l.member_id";

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct HouseholdRow {
    pub id: HouseholdId,
    pub address: String,
    pub head_name: Option<String>,
    pub phone: Option<String>,
    pub member_id: Option<MemberId>,
    pub member_name: Option<String>,
}

impl HouseholdRow {
    /// The phone as shown in lists: masked.
    pub fn phone_masked(&self) -> Option<String> {
        self.phone.as_deref().and_then(|p| Phone::parse(p).ok()).map(|p| p.masked())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeriodStatus {
    Open,
    Closed,
}

/// How many rulebook texts [`parsed_rulebook`] keeps parsed; a process
/// meets one or two per year it serves, so this is never reached in use.
const PARSED_RULEBOOKS: usize = 64;

/// The rulebook a period's text holds, parsed once per text for the whole
/// process: a year's rulebook is frozen into its period (a trigger refuses
/// to change it), so every write and page of the year reads the same text,
/// and parsing it each time was most of a household rating's own work
/// (BENCHMARKS.md). Keyed by the text itself, not by a version or a hash
/// column, so a new rulebook (a new year, or a database replaced under the
/// process) is simply a new key and nothing has to be invalidated; what is
/// handed out is a clone of the parse, so no caller can change another's.
pub(crate) fn parsed_rulebook(text: &str) -> std::result::Result<Rulebook, String> {
    static PARSED: OnceLock<Mutex<HashMap<Box<str>, Arc<Rulebook>>>> = OnceLock::new();
    let parsed = PARSED.get_or_init(Mutex::default);
    let found = parsed.lock().unwrap_or_else(PoisonError::into_inner).get(text).cloned();
    if let Some(rulebook) = found {
        return Ok(Rulebook::clone(&rulebook));
    }
    // Parsed outside the lock: two first readers may both parse; both agree.
    let rulebook = Rulebook::parse(text).map_err(|e| e.to_string())?;
    let mut kept = parsed.lock().unwrap_or_else(PoisonError::into_inner);
    if kept.len() >= PARSED_RULEBOOKS {
        kept.clear();
    }
    kept.insert(text.into(), Arc::new(rulebook.clone()));
    Ok(rulebook)
}

/// A rating year and the rulebook frozen into it.
#[derive(Clone, Debug)]
pub struct Period {
    pub community_id: CommunityId,
    pub year: Year,
    pub status: PeriodStatus,
    pub rulebook: Rulebook,
}

#[allow(async_fn_in_trait)]
pub trait OrgQueries: Queries {
    /// Every community the database holds.
    async fn communities(&mut self) -> Result<Vec<Community>> {
        let (conn, location) = self.parts();
        let rows: Vec<(CommunityId, String)> =
            sqlx::query_as("SELECT id, name FROM communities ORDER BY id").fetch_all(conn).await.at(location)?;
        Ok(rows.into_iter().map(|(id, name)| Community { id, name }).collect())
    }

    async fn community(&mut self, id: CommunityId) -> Result<Community> {
        let (conn, location) = self.parts();
        let row: Option<(CommunityId, String)> = sqlx::query_as("SELECT id, name FROM communities WHERE id = $1")
            .bind(id)
            .fetch_optional(conn)
            .await
            .at(location)?;
        row.map(|(id, name)| Community { id, name }).ok_or_else(|| StoreError::not_found("community", id))
    }

    async fn meta(&mut self, key: &str) -> Result<Option<String>> {
        let (conn, location) = self.parts();
        sqlx::query_scalar("SELECT value FROM meta WHERE key = $1").bind(key).fetch_optional(conn).await.at(location)
    }

    async fn branches(&mut self, community: CommunityId) -> Result<Vec<(BranchId, String)>> {
        let (conn, location) = self.parts();
        sqlx::query_as("SELECT id, name FROM branches WHERE community_id = $1 ORDER BY id")
            .bind(community)
            .fetch_all(conn)
            .await
            .at(location)
    }

    /// The names of the community's branches among `ids` (a member's
    /// record names the branches whose ballots graded them, not all 600 of
    /// a large community's).
    async fn branches_among(&mut self, community: CommunityId, ids: &[BranchId]) -> Result<Vec<(BranchId, String)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let (conn, location) = self.parts();
        // Ids are numbers from the database: listed inline, as in `accounts_among`.
        let list: Vec<String> = ids.iter().map(|id| id.to_string()).collect();
        sqlx::query_as(&format!(
            "SELECT id, name FROM branches WHERE community_id = $1 AND id IN ({}) ORDER BY id",
            list.join(", ")
        ))
        .bind(community)
        .fetch_all(conn)
        .await
        .at(location)
    }

    /// Whether a branch is one of this community's: every id a form or a
    /// command names is checked against the community it acts in.
    async fn has_branch(&mut self, community: CommunityId, branch: BranchId) -> Result<bool> {
        let (conn, location) = self.parts();
        let found: Option<i64> = sqlx::query_scalar("SELECT id FROM branches WHERE community_id = $1 AND id = $2")
            .bind(community)
            .bind(branch)
            .fetch_optional(conn)
            .await
            .at(location)?;
        Ok(found.is_some())
    }

    /// Party groups of a community: (id, branch id, name).
    async fn party_groups(&mut self, community: CommunityId) -> Result<Vec<(PartyGroupId, BranchId, String)>> {
        let (conn, location) = self.parts();
        sqlx::query_as("SELECT id, branch_id, name FROM party_groups WHERE community_id = $1 ORDER BY branch_id, id")
            .bind(community)
            .fetch_all(conn)
            .await
            .at(location)
    }

    async fn member(&mut self, community: CommunityId, id: MemberId) -> Result<Member> {
        let (conn, location) = self.parts();
        let sql = format!(
            "SELECT {MEMBER_COLUMNS} FROM members m JOIN branches b ON b.id = m.branch_id \
             WHERE m.community_id = $1 AND m.id = $2"
        );
        let row: Option<MemberRow> =
            sqlx::query_as(&sql).bind(community).bind(id).fetch_optional(conn).await.at(location)?;
        row.ok_or_else(|| StoreError::not_found("member", id))?.into_member()
    }

    async fn members(&mut self, community: CommunityId) -> Result<Vec<Member>> {
        let (conn, location) = self.parts();
        let sql = format!(
            "SELECT {MEMBER_COLUMNS} FROM members m JOIN branches b ON b.id = m.branch_id \
             WHERE m.community_id = $1 ORDER BY m.id"
        );
        let rows: Vec<MemberRow> = sqlx::query_as(&sql).bind(community).fetch_all(conn).await.at(location)?;
        rows.into_iter().map(MemberRow::into_member).collect()
    }

    async fn account_by_login(&mut self, login: &str) -> Result<Account> {
        let (conn, location) = self.parts();
        let row: Option<AccountRow> = sqlx::query_as(
            "SELECT id, community_id, region_id, login, name, role, member_id, branch_id FROM accounts \
             WHERE login = $1 AND disabled_at IS NULL",
        )
        .bind(login)
        .fetch_optional(conn)
        .await
        .at(location)?;
        row.ok_or_else(|| StoreError::not_found("account", login))?.into_account()
    }

    async fn accounts(&mut self, community: CommunityId) -> Result<Vec<Account>> {
        let (conn, location) = self.parts();
        let rows: Vec<AccountRow> = sqlx::query_as(
            "SELECT id, community_id, region_id, login, name, role, member_id, branch_id FROM accounts \
             WHERE community_id = $1 ORDER BY id",
        )
        .bind(community)
        .fetch_all(conn)
        .await
        .at(location)?;
        rows.into_iter().map(AccountRow::into_account).collect()
    }

    /// The community's disabled accounts (`accounts` lists them too).
    async fn disabled_accounts(&mut self, community: CommunityId) -> Result<std::collections::HashSet<AccountId>> {
        let (conn, location) = self.parts();
        let ids: Vec<AccountId> =
            sqlx::query_scalar("SELECT id FROM accounts WHERE community_id = $1 AND disabled_at IS NOT NULL")
                .bind(community)
                .fetch_all(conn)
                .await
                .at(location)?;
        Ok(ids.into_iter().collect())
    }

    /// The community's accounts among `ids` (a page naming who recorded a
    /// member's entries needs those few, not every account).
    async fn accounts_among(&mut self, community: CommunityId, ids: &[AccountId]) -> Result<Vec<Account>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let (conn, location) = self.parts();
        // Ids are numbers from the database: listing them inline is safe and
        // keeps one query shape for both backends and any number of ids.
        let list: Vec<String> = ids.iter().map(AccountId::to_string).collect();
        let rows: Vec<AccountRow> = sqlx::query_as(&format!(
            "SELECT id, community_id, region_id, login, name, role, member_id, branch_id FROM accounts \
             WHERE community_id = $1 AND id IN ({}) ORDER BY id",
            list.join(", ")
        ))
        .bind(community)
        .fetch_all(conn)
        .await
        .at(location)?;
        rows.into_iter().map(AccountRow::into_account).collect()
    }

    async fn households(&mut self, community: CommunityId) -> Result<Vec<HouseholdRow>> {
        let (conn, location) = self.parts();
        sqlx::query_as(&format!("{HOUSEHOLD_SELECT} WHERE h.community_id = $1 ORDER BY h.id"))
            .bind(community)
            .fetch_all(conn)
            .await
            .at(location)
    }

    async fn household(&mut self, community: CommunityId, id: HouseholdId) -> Result<HouseholdRow> {
        let (conn, location) = self.parts();
        let row: Option<HouseholdRow> =
            sqlx::query_as(&format!("{HOUSEHOLD_SELECT} WHERE h.community_id = $1 AND h.id = $2"))
                .bind(community)
                .bind(id)
                .fetch_optional(conn)
                .await
                .at(location)?;
        row.ok_or_else(|| StoreError::not_found("household", id))
    }

    /// Linked households per member, for every member with at least one.
    async fn link_counts(&mut self, community: CommunityId) -> Result<HashMap<MemberId, u32>> {
        let (conn, location) = self.parts();
        let rows: Vec<(MemberId, i64)> = sqlx::query_as(
            "SELECT member_id, COUNT(*) FROM household_links WHERE community_id = $1 GROUP BY member_id",
        )
        .bind(community)
        .fetch_all(conn)
        .await
        .at(location)?;
        Ok(rows.into_iter().map(|(member, count)| (member, count as u32)).collect())
    }

    async fn period(&mut self, community: CommunityId, year: Year) -> Result<Option<Period>> {
        let (conn, location) = self.parts();
        let row: Option<(String, String)> =
            sqlx::query_as("SELECT status, rulebook_toml FROM periods WHERE community_id = $1 AND year = $2")
                .bind(community)
                .bind(i64::from(year.get()))
                .fetch_optional(conn)
                .await
                .at(location)?;
        let Some((status, text)) = row else { return Ok(None) };
        let rulebook = parsed_rulebook(&text)
            .map_err(|e| StoreError::Corrupt(format!("the rulebook frozen into {year} no longer parses: {e}")))?;
        let status = if status == "open" { PeriodStatus::Open } else { PeriodStatus::Closed };
        Ok(Some(Period { community_id: community, year, status, rulebook }))
    }

    /// The audit rows written by an actor in a community, oldest first:
    /// (when, action, detail). The actor is named by either of two labels,
    /// as the audit log names it now and as it did before (an account's
    /// rows written by the web before its labels were one carry `account:N`).
    async fn audit_rows_by(
        &mut self,
        community: CommunityId,
        actor: &str,
        formerly: &str,
    ) -> Result<Vec<(String, String, String)>> {
        let (conn, location) = self.parts();
        sqlx::query_as(&location.sql(
            "SELECT rfc3339(at), action, detail FROM audit_log WHERE community_id = $1 AND (actor = $2 OR actor = $3) ORDER BY id",
        ))
        .bind(community)
        .bind(actor)
        .bind(formerly)
            .fetch_all(conn)
            .await
            .at(location)
    }

    /// The exact text of the rulebook frozen into a year, as it was opened.
    async fn period_rulebook_text(&mut self, community: CommunityId, year: Year) -> Result<Option<String>> {
        let (conn, location) = self.parts();
        sqlx::query_scalar("SELECT rulebook_toml FROM periods WHERE community_id = $1 AND year = $2")
            .bind(community)
            .bind(i64::from(year.get()))
            .fetch_optional(conn)
            .await
            .at(location)
    }

    async fn period_years(&mut self, community: CommunityId) -> Result<Vec<Year>> {
        let (conn, location) = self.parts();
        let years: Vec<i64> = sqlx::query_scalar("SELECT year FROM periods WHERE community_id = $1 ORDER BY year")
            .bind(community)
            .fetch_all(conn)
            .await
            .at(location)?;
        years.into_iter().map(|y| Year::new(y).map_err(|e| StoreError::Corrupt(e.to_string()))).collect()
    }

    /// Stars by year for one member, oldest first: (year, stars, source, note).
    /// Every member's stars by year from paper records (imported), for a
    /// page that shows many members' histories at once: one query.
    async fn community_honours(&mut self, community: CommunityId) -> Result<Vec<(MemberId, i64, i64)>> {
        let (conn, location) = self.parts();
        sqlx::query_as("SELECT member_id, year, stars FROM honours WHERE community_id = $1 ORDER BY member_id, year")
            .bind(community)
            .fetch_all(conn)
            .await
            .at(location)
    }

    async fn honours(&mut self, member: MemberId) -> Result<Vec<(i64, i64, String, String)>> {
        let (conn, location) = self.parts();
        sqlx::query_as("SELECT year, stars, source, note FROM honours WHERE member_id = $1 ORDER BY year")
            .bind(member)
            .fetch_all(conn)
            .await
            .at(location)
    }
}

impl<T: Queries> OrgQueries for T {}

impl WriteTx {
    pub async fn set_meta(&mut self, key: &str, value: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?;
        Ok(())
    }

    pub async fn create_community(&mut self, name: &str) -> Result<CommunityId> {
        let id: CommunityId = sqlx::query_scalar(
            &self.location.sql("INSERT INTO communities (name, created_at) VALUES ($1, timestamptz($2)) RETURNING id"),
        )
        .bind(name)
        .bind(now_text())
        .fetch_one(&mut *self.tx)
        .await
        .at(&self.location)?;
        Ok(id)
    }

    pub async fn add_branch(&mut self, community: CommunityId, name: &str) -> Result<BranchId> {
        self.savepoint().await?;
        let attempt = sqlx::query_scalar("INSERT INTO branches (community_id, name) VALUES ($1, $2) RETURNING id")
            .bind(community)
            .bind(name)
            .fetch_one(&mut *self.tx)
            .await;
        let attempt = self.end_savepoint(attempt).await?;
        let id: BranchId =
            attempt.map_err(|e| unique_to_conflict(e, &self.location, format!("branch \"{name}\" already exists")))?;
        Ok(id)
    }

    pub async fn add_party_group(
        &mut self,
        community: CommunityId,
        branch: BranchId,
        name: &str,
    ) -> Result<PartyGroupId> {
        self.savepoint().await?;
        let attempt = sqlx::query_scalar(
            "INSERT INTO party_groups (community_id, branch_id, name) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(community)
        .bind(branch)
        .bind(name)
        .fetch_one(&mut *self.tx)
        .await;
        let attempt = self.end_savepoint(attempt).await?;
        let id: PartyGroupId = attempt
            .map_err(|e| unique_to_conflict(e, &self.location, format!("party group \"{name}\" already exists")))?;
        Ok(id)
    }

    /// Renames one of the community's branches; false when it has no such branch.
    pub async fn rename_branch(&mut self, community: CommunityId, branch: BranchId, name: &str) -> Result<bool> {
        self.savepoint().await?;
        let attempt = sqlx::query("UPDATE branches SET name = $1 WHERE community_id = $2 AND id = $3")
            .bind(name)
            .bind(community)
            .bind(branch)
            .execute(&mut *self.tx)
            .await;
        let attempt = self.end_savepoint(attempt).await?;
        let done =
            attempt.map_err(|e| unique_to_conflict(e, &self.location, format!("branch \"{name}\" already exists")))?;
        Ok(done.rows_affected() == 1)
    }

    /// Renames one of the community's party groups; false when it has no such group.
    pub async fn rename_party_group(
        &mut self,
        community: CommunityId,
        group: PartyGroupId,
        name: &str,
    ) -> Result<bool> {
        self.savepoint().await?;
        let attempt = sqlx::query("UPDATE party_groups SET name = $1 WHERE community_id = $2 AND id = $3")
            .bind(name)
            .bind(community)
            .bind(group)
            .execute(&mut *self.tx)
            .await;
        let attempt = self.end_savepoint(attempt).await?;
        let done = attempt
            .map_err(|e| unique_to_conflict(e, &self.location, format!("party group \"{name}\" already exists")))?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn add_member(&mut self, member: &NewMember) -> Result<MemberId> {
        let id: MemberId = sqlx::query_scalar(&self.location.sql(
            "INSERT INTO members (community_id, branch_id, party_group_id, name, phone, probationary, post, \
             linking_exempt_reason, joined_on, left_on, note, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, date($9), date($10), $11, timestamptz($12)) RETURNING id",
        ))
        .bind(member.community_id)
        .bind(member.branch_id)
        .bind(member.party_group_id)
        .bind(member.name.as_str())
        .bind(member.phone.as_ref().map(|p| p.as_str()))
        .bind(member.probationary)
        .bind(member.post.as_deref())
        .bind(member.linking_exempt_reason.as_deref())
        .bind(member.joined_on.map(|d| d.to_string()))
        .bind(member.left_on.map(|d| d.to_string()))
        .bind(member.note.as_deref())
        .bind(now_text())
        .fetch_one(&mut *self.tx)
        .await
        .at(&self.location)?;
        Ok(id)
    }

    /// Rewrites a member's roll fields (not their dates on or off the roll
    /// other than the joined date): an import that found them changed.
    pub async fn update_member(&mut self, id: MemberId, member: &NewMember) -> Result<()> {
        let changed = sqlx::query(
            "UPDATE members SET branch_id = $1, party_group_id = $2, name = $3, phone = $4, probationary = $5, \
             post = $6, linking_exempt_reason = $7, joined_on = date($8) WHERE id = $9 AND community_id = $10",
        )
        .bind(member.branch_id)
        .bind(member.party_group_id)
        .bind(member.name.as_str())
        .bind(member.phone.as_ref().map(|p| p.as_str()))
        .bind(member.probationary)
        .bind(member.post.as_deref())
        .bind(member.linking_exempt_reason.as_deref())
        .bind(member.joined_on.map(|d| d.to_string()))
        .bind(id)
        .bind(member.community_id)
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?
        .rows_affected();
        if changed == 0 {
            return Err(StoreError::not_found("member", id));
        }
        Ok(())
    }

    /// A member leaves the roll (转出) from a date: the row stays, with its
    /// past entries and stars, and counts only the days before it.
    pub async fn set_member_left(&mut self, community: CommunityId, id: MemberId, on: Date) -> Result<()> {
        let changed = sqlx::query("UPDATE members SET left_on = date($1) WHERE id = $2 AND community_id = $3")
            .bind(on.to_string())
            .bind(id)
            .bind(community)
            .execute(&mut *self.tx)
            .await
            .at(&self.location)?
            .rows_affected();
        if changed == 0 {
            return Err(StoreError::not_found("member", id));
        }
        Ok(())
    }

    pub async fn update_household(&mut self, id: HouseholdId, household: &NewHousehold) -> Result<()> {
        let changed = sqlx::query(
            "UPDATE households SET address = $1, head_name = $2, phone = $3 WHERE id = $4 AND community_id = $5",
        )
        .bind(&household.address)
        .bind(household.head_name.as_deref())
        .bind(household.phone.as_ref().map(|p| p.as_str()))
        .bind(id)
        .bind(household.community_id)
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?
        .rows_affected();
        if changed == 0 {
            return Err(StoreError::not_found("household", id));
        }
        Ok(())
    }

    pub async fn add_account(&mut self, account: &NewAccount) -> Result<AccountId> {
        if let Some(member) = account.member_id {
            self.refuse_second_account(account.community_id, member).await?;
        }
        self.savepoint().await?;
        let attempt = sqlx::query_scalar(&self.location.sql(
            "INSERT INTO accounts (community_id, login, name, role, member_id, branch_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, timestamptz($7)) RETURNING id",
        ))
        .bind(account.community_id)
        .bind(&account.login)
        .bind(&account.name)
        .bind(account.role.as_str())
        .bind(account.member_id)
        .bind(account.branch_id)
        .bind(now_text())
        .fetch_one(&mut *self.tx)
        .await;
        let attempt = self.end_savepoint(attempt).await?;
        let id: AccountId = attempt
            .map_err(|e| unique_to_conflict(e, &self.location, format!("login \"{}\" is taken", account.login)))?;
        Ok(id)
    }

    /// One person acts through one account: a member who already has an
    /// active account in the community gets no second one.
    async fn refuse_second_account(&mut self, community: CommunityId, member: MemberId) -> Result<()> {
        let existing: Option<String> = sqlx::query_scalar(
            "SELECT login FROM accounts WHERE community_id = $1 AND member_id = $2 AND disabled_at IS NULL",
        )
        .bind(community)
        .bind(member)
        .fetch_optional(&mut *self.tx)
        .await
        .at(&self.location)?;
        match existing {
            Some(login) => Err(StoreError::Conflict(format!(
                "member {member} already acts through account \"{login}\": one person has one account \
                 (disable it first to replace it)"
            ))),
            None => Ok(()),
        }
    }

    /// Ties an account to the member of the roll it belongs to.
    pub async fn link_account(&mut self, community: CommunityId, account: AccountId, member: MemberId) -> Result<()> {
        self.refuse_second_account(community, member).await?;
        let changed = sqlx::query("UPDATE accounts SET member_id = $1 WHERE id = $2 AND community_id = $3")
            .bind(member)
            .bind(account)
            .bind(community)
            .execute(&mut *self.tx)
            .await
            .at(&self.location)?
            .rows_affected();
        if changed == 0 {
            return Err(StoreError::not_found("account", account));
        }
        Ok(())
    }

    /// Disables an account: it signs in no more and its sessions end; its
    /// past acts stay on record under its name.
    pub async fn disable_account(&mut self, community: CommunityId, account: AccountId) -> Result<()> {
        let changed = sqlx::query(&self.location.sql(
            "UPDATE accounts SET disabled_at = timestamptz($1) WHERE id = $2 AND community_id = $3 AND disabled_at IS NULL",
        ))
        .bind(now_text())
        .bind(account)
        .bind(community)
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?
        .rows_affected();
        if changed == 0 {
            return Err(StoreError::Conflict(format!("account {account} is not an active account of this community")));
        }
        sqlx::query("DELETE FROM sessions WHERE account_id = $1")
            .bind(account)
            .execute(&mut *self.tx)
            .await
            .at(&self.location)?;
        Ok(())
    }

    pub async fn add_household(&mut self, household: &NewHousehold) -> Result<HouseholdId> {
        let id: HouseholdId = sqlx::query_scalar(&self.location.sql(
            "INSERT INTO households (community_id, address, head_name, phone, created_at) \
             VALUES ($1, $2, $3, $4, timestamptz($5)) RETURNING id",
        ))
        .bind(household.community_id)
        .bind(&household.address)
        .bind(household.head_name.as_deref())
        .bind(household.phone.as_ref().map(|p| p.as_str()))
        .bind(now_text())
        .fetch_one(&mut *self.tx)
        .await
        .at(&self.location)?;
        Ok(id)
    }

    /// Links a household to a member, replacing any earlier link.
    pub async fn link_household(
        &mut self,
        community: CommunityId,
        household: HouseholdId,
        member: MemberId,
        on: Date,
        by: &str,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO household_links (household_id, community_id, member_id, linked_on, linked_by) \
             VALUES ($1, $2, $3, date($4), $5) ON CONFLICT (household_id) DO UPDATE SET \
             member_id = excluded.member_id, linked_on = excluded.linked_on, linked_by = excluded.linked_by",
        )
        .bind(household)
        .bind(community)
        .bind(member)
        .bind(on.to_string())
        .bind(by)
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?;
        Ok(())
    }

    pub async fn unlink_household(&mut self, community: CommunityId, household: HouseholdId) -> Result<bool> {
        let result = sqlx::query("DELETE FROM household_links WHERE community_id = $1 AND household_id = $2")
            .bind(community)
            .bind(household)
            .execute(&mut *self.tx)
            .await
            .at(&self.location)?;
        Ok(result.rows_affected() > 0)
    }

    /// Opens a year with a rulebook; the text is frozen into the period.
    pub async fn open_period(
        &mut self,
        community: CommunityId,
        year: Year,
        rulebook_text: &str,
        rulebook: &Rulebook,
        by: &str,
    ) -> Result<()> {
        self.savepoint().await?;
        let attempt = sqlx::query(&self.location.sql(
            "INSERT INTO periods (community_id, year, status, rulebook_version, rulebook_sha256, rulebook_toml, \
             opened_at, opened_by) VALUES ($1, $2, 'open', $3, $4, $5, timestamptz($6), $7)",
        ))
        .bind(community)
        .bind(i64::from(year.get()))
        .bind(&rulebook.version)
        .bind(&rulebook.sha256)
        .bind(rulebook_text)
        .bind(now_text())
        .bind(by)
        .execute(&mut *self.tx)
        .await;
        let attempt = self.end_savepoint(attempt).await?;
        attempt.map_err(|e| {
            unique_to_conflict(e, &self.location, format!("{year} is already open; a year keeps its rulebook"))
        })?;
        Ok(())
    }

    /// Stars from before starledger, kept so a member's streak shows whole.
    pub async fn import_honour(
        &mut self,
        community: CommunityId,
        member: MemberId,
        year: Year,
        stars: u8,
        note: &str,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO honours (community_id, member_id, year, stars, source, note) VALUES ($1, $2, $3, $4, 'imported', $5)",
        )
        .bind(community)
        .bind(member)
        .bind(i64::from(year.get()))
        .bind(i64::from(stars))
        .bind(note)
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?;
        Ok(())
    }

    /// Every write lands here too: who, what, when, and from where.
    pub async fn audit(
        &mut self,
        community: Option<CommunityId>,
        actor: &str,
        action: &str,
        detail: &str,
    ) -> Result<()> {
        sqlx::query(&self.location.sql(
            "INSERT INTO audit_log (community_id, at, actor, action, detail, origin) \
             VALUES ($1, timestamptz($2), $3, $4, $5, $6)",
        ))
        .bind(community)
        .bind(now_text())
        .bind(actor)
        .bind(action)
        .bind(detail)
        .bind(&self.origin)
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?;
        Ok(())
    }
}

/// A unique-constraint failure becomes a message naming what was duplicated.
pub(crate) fn unique_to_conflict(error: sqlx::Error, location: &crate::Location, message: String) -> StoreError {
    if let sqlx::Error::Database(db) = &error
        && db.is_unique_violation()
    {
        return StoreError::Conflict(message);
    }
    StoreError::classify(error, location)
}
