//! The bulk path: many rows per statement and per transaction, for building
//! a synthetic city to measure on (`starledger bench city`). Ordinary writes
//! go through `append_entry` one event at a time, reading the chain's tail
//! and the caps from the database; here the caller has already decided
//! every entry (in date order, within the caps), so the chain is sealed in
//! memory and written in multi-row `INSERT`s, which is what makes millions
//! of entries take minutes rather than hours.
//!
//! Every bulk write needs the database-wide write lock ([`crate::Store::write`]):
//! ids are assigned here, the highest plus one, and on PostgreSQL each
//! table's identity sequence is moved past them in the same transaction, so
//! ordinary writes afterwards continue from there.
//!
//! What an entry's append keeps beside the ledger must be kept here too:
//! today that is `member_rule_totals` (see `insert_entry` in ledger.rs),
//! summed by the same function `ledger verify` rebuilds it with. A new
//! projection of the ledger needs its line in [`WriteTx::bulk_append`].

use crate::copy::ColumnKind;
use crate::error::Classify;
use crate::{Backend, Held, Result, StoreError, WriteTx, now_text};
use jiff::civil::Date;
use starledger_domain::ledger::{Entry, EntryDraft, seal};
use starledger_domain::org::{BranchId, CommunityId, HouseholdId, MemberId, PartyGroupId};

/// Parameters per statement: far below SQLite's (32,766) and PostgreSQL's
/// (65,535) limits, and large enough that the round trips stop mattering.
const PARAMETERS_PER_STATEMENT: usize = 4_000;

/// A member as the bulk path writes it.
#[derive(Clone, Debug)]
pub struct BulkMember {
    pub branch_id: BranchId,
    pub party_group_id: Option<PartyGroupId>,
    pub name: String,
    pub probationary: bool,
    pub post: Option<String>,
    pub linking_exempt_reason: Option<String>,
    pub joined_on: Option<Date>,
}

/// A household, the member it is linked to (if any) and its private link.
#[derive(Clone, Debug)]
pub struct BulkHousehold {
    pub address: String,
    pub head_name: String,
    pub linked_to: Option<MemberId>,
    pub token: Option<String>,
}

/// A reversal to append: the entry it cancels and why.
#[derive(Clone, Debug)]
pub struct BulkReversal {
    pub original: Entry,
    pub reason: String,
    pub recorded_by: starledger_domain::ledger::Actor,
    pub recorded_at: i64,
}

/// One value of a row; `Any` binds only a few types: integers, text, flags,
/// and days and times told apart for their placeholder.
enum Cell {
    Int(Option<i64>),
    Text(Option<String>),
    /// A day, as ISO text: a `DATE` on PostgreSQL, text on SQLite.
    Date(Option<Date>),
    /// A flag: a `BOOLEAN` on PostgreSQL, 1 or 0 on SQLite.
    Flag(bool),
    /// A time in Unix seconds: a `TIMESTAMPTZ` on PostgreSQL.
    Time(Option<i64>),
    /// A time as RFC 3339 text: a `TIMESTAMPTZ` on PostgreSQL.
    Stamp(Option<String>),
}

impl Cell {
    fn kind(&self) -> ColumnKind {
        match self {
            Cell::Int(_) => ColumnKind::Integer,
            Cell::Text(_) => ColumnKind::Text,
            Cell::Date(_) => ColumnKind::Date,
            Cell::Flag(_) => ColumnKind::Flag,
            Cell::Time(_) => ColumnKind::Time,
            Cell::Stamp(_) => ColumnKind::Stamp,
        }
    }
}

impl WriteTx {
    fn require_everything(&self) -> Result<()> {
        match self.held {
            Held::Everything => Ok(()),
            Held::Communities(_) => Err(StoreError::Conflict(
                "bulk writes assign ids themselves and need the database-wide write lock".into(),
            )),
        }
    }

    /// The id the next row of `table` gets: the highest plus one.
    async fn next_id(&mut self, table: &'static str) -> Result<i64> {
        let max: Option<i64> = sqlx::query_scalar(&format!("SELECT MAX(id) FROM {table}"))
            .fetch_one(&mut *self.tx)
            .await
            .at(&self.location)?;
        Ok(max.unwrap_or(0) + 1)
    }

    /// On PostgreSQL, moves `table`'s identity past `last`, so that rows
    /// inserted later without an id do not collide with ours.
    async fn advance_identity(&mut self, table: &'static str, last: i64) -> Result<()> {
        if self.location.backend != Backend::Postgres {
            return Ok(());
        }
        sqlx::query(&format!("SELECT setval(pg_get_serial_sequence('{table}', 'id'), $1)"))
            .bind(last)
            .execute(&mut *self.tx)
            .await
            .at(&self.location)?;
        Ok(())
    }

    /// Inserts `rows` in as few statements as the parameter limit allows.
    /// The full-size statement is the same text every time, so each
    /// connection prepares it once.
    ///
    /// On SQLite the parameters are anonymous (`?`), not numbered (`$1`):
    /// the driver asks SQLite for each parameter's name before binding it,
    /// and SQLite finds a name by walking the list of all of them, so
    /// numbered parameters cost time quadratic in their count (4,000 per
    /// statement: about 8 million steps each). `perf` put that walk
    /// (`sqlite3VListNumToName`) at the top of `bench city`'s profile.
    async fn insert_rows(&mut self, head: &str, columns: usize, tail: &str, rows: Vec<Vec<Cell>>) -> Result<()> {
        let per_statement = (PARAMETERS_PER_STATEMENT / columns).max(1);
        let numbered = self.location.backend == Backend::Postgres;
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<Vec<Cell>> = rows.by_ref().take(per_statement).collect();
            let mut sql = String::with_capacity(head.len() + chunk.len() * columns * 6 + tail.len());
            sql.push_str(head);
            sql.push_str(" VALUES ");
            // A day's or a time's value is converted on PostgreSQL; on
            // SQLite, where they stay text or seconds, it would only repeat it.
            let casts: Vec<Option<&str>> =
                chunk[0].iter().map(|cell| cell.kind().conversion().filter(|_| numbered)).collect();
            let mut parameter = 0;
            for (index, _) in chunk.iter().enumerate() {
                sql.push_str(if index == 0 { "(" } else { ", (" });
                for (column, cast) in casts.iter().enumerate() {
                    parameter += 1;
                    if column > 0 {
                        sql.push_str(", ");
                    }
                    if let Some(cast) = cast {
                        sql.push_str(cast);
                        sql.push_str("($");
                        sql.push_str(&parameter.to_string());
                        sql.push(')');
                    } else if numbered {
                        sql.push('$');
                        sql.push_str(&parameter.to_string());
                    } else {
                        sql.push('?');
                    }
                }
                sql.push(')');
            }
            sql.push(' ');
            sql.push_str(tail);
            let mut query = sqlx::query(&sql);
            for row in chunk {
                debug_assert_eq!(row.len(), columns);
                for cell in row {
                    query = match cell {
                        Cell::Int(value) | Cell::Time(value) => query.bind(value),
                        Cell::Text(value) | Cell::Stamp(value) => query.bind(value),
                        Cell::Date(value) => query.bind(value.map(|day| day.to_string())),
                        Cell::Flag(value) => query.bind(value),
                    };
                }
            }
            query.execute(&mut *self.tx).await.at(&self.location)?;
        }
        Ok(())
    }

    /// Adds members to a community's roll; their ids, in order.
    pub async fn bulk_add_members(&mut self, community: CommunityId, members: &[BulkMember]) -> Result<Vec<MemberId>> {
        self.require_everything()?;
        let first = self.next_id("members").await?;
        let created = now_text();
        let ids: Vec<MemberId> = (first..first + members.len() as i64).map(MemberId::new).collect();
        let rows = members
            .iter()
            .zip(&ids)
            .map(|(m, id)| {
                vec![
                    Cell::Int(Some(id.get())),
                    Cell::Int(Some(community.get())),
                    Cell::Int(Some(m.branch_id.get())),
                    Cell::Int(m.party_group_id.map(i64::from)),
                    Cell::Text(Some(m.name.clone())),
                    Cell::Flag(m.probationary),
                    Cell::Text(m.post.clone()),
                    Cell::Text(m.linking_exempt_reason.clone()),
                    Cell::Date(m.joined_on),
                    Cell::Stamp(Some(created.clone())),
                ]
            })
            .collect();
        self.insert_rows(
            "INSERT INTO members (id, community_id, branch_id, party_group_id, name, probationary, post, \
             linking_exempt_reason, joined_on, created_at)",
            10,
            "",
            rows,
        )
        .await?;
        if let Some(last) = ids.last() {
            self.advance_identity("members", last.get()).await?;
        }
        Ok(ids)
    }

    /// Adds households with their links (linked on `linked_on` by `linked_by`)
    /// and their private links; their ids, in order.
    pub async fn bulk_add_households(
        &mut self,
        community: CommunityId,
        households: &[BulkHousehold],
        linked_on: Date,
        linked_by: &str,
        token_created_at: i64,
    ) -> Result<Vec<HouseholdId>> {
        self.require_everything()?;
        let first = self.next_id("households").await?;
        let created = now_text();
        let ids: Vec<HouseholdId> = (first..first + households.len() as i64).map(HouseholdId::new).collect();
        let rows = households
            .iter()
            .zip(&ids)
            .map(|(h, id)| {
                vec![
                    Cell::Int(Some(id.get())),
                    Cell::Int(Some(community.get())),
                    Cell::Text(Some(h.address.clone())),
                    Cell::Text(Some(h.head_name.clone())),
                    Cell::Stamp(Some(created.clone())),
                ]
            })
            .collect();
        self.insert_rows("INSERT INTO households (id, community_id, address, head_name, created_at)", 5, "", rows)
            .await?;
        if let Some(last) = ids.last() {
            self.advance_identity("households", last.get()).await?;
        }
        let links = households
            .iter()
            .zip(&ids)
            .filter_map(|(h, id)| {
                let member = h.linked_to?;
                Some(vec![
                    Cell::Int(Some(id.get())),
                    Cell::Int(Some(community.get())),
                    Cell::Int(Some(member.get())),
                    Cell::Date(Some(linked_on)),
                    Cell::Text(Some(linked_by.to_string())),
                ])
            })
            .collect();
        self.insert_rows(
            "INSERT INTO household_links (household_id, community_id, member_id, linked_on, linked_by)",
            5,
            "",
            links,
        )
        .await?;
        let tokens = households
            .iter()
            .zip(&ids)
            .filter_map(|(h, id)| {
                Some(vec![
                    Cell::Text(Some(h.token.clone()?)),
                    Cell::Int(Some(community.get())),
                    Cell::Int(Some(id.get())),
                    Cell::Time(Some(token_created_at)),
                ])
            })
            .collect();
        self.insert_rows("INSERT INTO household_tokens (token, community_id, household_id, created_at)", 4, "", tokens)
            .await?;
        Ok(ids)
    }

    /// Appends entries of one community, in the order given, at the end of
    /// its chain, with ids and hashes computed here; the entries as sealed.
    /// The caller has checked duty, caps and idempotency keys: a key used
    /// twice fails the whole transaction (the table's unique constraint).
    pub async fn bulk_append(&mut self, community: CommunityId, drafts: Vec<EntryDraft>) -> Result<Vec<Entry>> {
        self.require_everything()?;
        if drafts.is_empty() {
            return Ok(Vec::new());
        }
        if let Some(stray) = drafts.iter().find(|d| d.community_id != community) {
            return Err(StoreError::Conflict(format!(
                "bulk append for community {community} got an entry of community {}",
                stray.community_id
            )));
        }
        let mut prev = self.chain_tail(community).await?;
        let mut id = match self.next_entry_id {
            Some(id) => id,
            None => self.next_id("ledger_entries").await?,
        };
        let mut entries = Vec::with_capacity(drafts.len());
        for draft in drafts {
            let entry = seal(id, draft, prev);
            prev = entry.hash;
            id += 1;
            entries.push(entry);
        }
        let totals = starledger_domain::ledger::totals(entries.iter().map(|entry| &entry.draft));
        let rows = entries
            .iter()
            .map(|entry| {
                let d = &entry.draft;
                vec![
                    Cell::Int(Some(entry.id)),
                    Cell::Int(Some(d.community_id.get())),
                    Cell::Int(Some(i64::from(d.year))),
                    Cell::Int(Some(d.member_id.get())),
                    Cell::Text(Some(d.category.clone())),
                    Cell::Text(Some(d.rule_key.clone())),
                    Cell::Text(Some(d.rulebook_version.clone())),
                    Cell::Int(Some(d.points.tenths())),
                    Cell::Text(Some(d.reason.clone())),
                    Cell::Text(Some(d.source_kind.clone())),
                    Cell::Text(Some(d.source_ref.clone())),
                    Cell::Text(Some(d.recorded_by.to_string())),
                    Cell::Time(Some(d.recorded_at)),
                    Cell::Date(Some(d.occurred_on)),
                    Cell::Text(Some(d.idempotency_key.clone())),
                    Cell::Int(d.reverses),
                    Cell::Text(Some(entry.prev_hash.to_hex())),
                    Cell::Text(Some(entry.hash.to_hex())),
                ]
            })
            .collect();
        self.insert_rows(
            "INSERT INTO ledger_entries (id, community_id, year, member_id, category, rule_key, rulebook_version, \
             points_tenths, reason, source_kind, source_ref, recorded_by, recorded_at, occurred_on, idempotency_key, \
             reverses_entry_id, prev_hash, hash)",
            18,
            "",
            rows,
        )
        .await?;
        // The projection, one row per member, year, category and rule, added
        // to what earlier batches left there, as `insert_entry` does per entry.
        let totals = totals
            .into_iter()
            .map(|((member, year, category, rule_key), tally)| {
                vec![
                    Cell::Int(Some(community.get())),
                    Cell::Int(Some(i64::from(year))),
                    Cell::Int(Some(member.get())),
                    Cell::Text(Some(category)),
                    Cell::Text(Some(rule_key)),
                    Cell::Int(Some(tally.points.tenths())),
                    Cell::Int(Some(tally.entries)),
                    Cell::Int(Some(tally.net_entries)),
                ]
            })
            .collect();
        self.insert_rows(
            "INSERT INTO member_rule_totals \
             (community_id, year, member_id, category, rule_key, points_tenths, entries, net_entries)",
            8,
            "ON CONFLICT (community_id, year, member_id, category, rule_key) DO UPDATE SET \
             points_tenths = member_rule_totals.points_tenths + excluded.points_tenths, \
             entries = member_rule_totals.entries + excluded.entries, \
             net_entries = member_rule_totals.net_entries + excluded.net_entries",
            totals,
        )
        .await?;
        let last = id - 1;
        self.advance_identity("ledger_entries", last).await?;
        self.chain_tails.insert(community, prev);
        self.next_entry_id = Some(id);
        Ok(entries)
    }

    /// Appends the reversals of entries this or an earlier batch wrote.
    pub async fn bulk_reverse(&mut self, community: CommunityId, reversals: Vec<BulkReversal>) -> Result<Vec<Entry>> {
        let drafts = reversals
            .into_iter()
            .map(|r| {
                let on = r.original.draft.occurred_on;
                EntryDraft::reversal_of(&r.original, r.reason, r.recorded_by, r.recorded_at, on)
            })
            .collect();
        self.bulk_append(community, drafts).await
    }
}
