//! The points ledger in the database: appending in chain order inside a
//! write transaction, the projection kept beside it, and verification that
//! recomputes both from the entries.

use crate::error::Classify;
use crate::rows::{ENTRY_COLUMNS, EntryRow};
use crate::{Backend, Queries, Result, StoreError, WriteTx};
use jiff::civil::Date;
use starledger_domain::ledger::{
    Actor, ChainBreak, ChainVerifier, Entry, EntryDraft, EntryHash, Tally, TotalsKey, seal,
};
use starledger_domain::org::{CommunityId, MemberId, Year};
use starledger_domain::points::Points;
use starledger_domain::rating::Scored;
use starledger_domain::rulebook::{CapExceeded, GainedSoFar, Rule, Rulebook};
use starledger_domain::what_if::RuleMonth;
use std::collections::BTreeMap;

/// The outcome of an append: a new entry, or the one a retry already wrote.
#[derive(Debug, Clone)]
pub enum Appended {
    New(Box<Entry>),
    /// The same event was already written under this key: a retry.
    Duplicate(i64),
}

/// One entry without its words or hashes: who recorded what about whom,
/// when, and for which day. What the auditor's flags read, a year at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryFact {
    pub id: i64,
    pub member_id: MemberId,
    pub category: String,
    pub rule_key: String,
    pub points: Points,
    pub recorded_by: Actor,
    /// Unix seconds.
    pub recorded_at: i64,
    pub occurred_on: Date,
    pub reverses: Option<i64>,
}

/// A stored total that differs from what the ledger gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectionMismatch {
    pub member_id: MemberId,
    pub year: i16,
    pub category: String,
    pub rule_key: String,
    pub stored: Option<Points>,
    pub recomputed: Option<Points>,
}

/// What `ledger verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    pub entries_checked: usize,
    /// The first break in the hash chain.
    pub chain_break: Option<ChainBreak>,
    /// Projection rows that differ from the ledger.
    pub projection_mismatches: Vec<ProjectionMismatch>,
}

impl VerifyReport {
    pub fn is_intact(&self) -> bool {
        self.chain_break.is_none() && self.projection_mismatches.is_empty()
    }
}

#[allow(async_fn_in_trait)]
pub trait LedgerQueries: Queries {
    /// The community's revision: it changes with every change to what a
    /// rating is computed from (entries, roll, branches, periods, rounds,
    /// final stars; triggers keep it). Equal revisions mean an equal rating,
    /// so a rating computed at one revision can be served while it holds.
    /// Read it before the data it labels: data read after it is at least as
    /// new, so a stale rating is never kept under a newer revision.
    async fn revision(&mut self, community: CommunityId) -> Result<i64> {
        let (conn, location) = self.parts();
        let revision: Option<i64> =
            sqlx::query_scalar("SELECT revision FROM community_revisions WHERE community_id = $1")
                .bind(community)
                .fetch_optional(conn)
                .await
                .at(location)?;
        Ok(revision.unwrap_or(0))
    }

    async fn entry(&mut self, community: CommunityId, id: i64) -> Result<Entry> {
        let (conn, location) = self.parts();
        let sql = format!("SELECT {ENTRY_COLUMNS} FROM ledger_entries WHERE community_id = $1 AND id = $2");
        let row: Option<EntryRow> =
            sqlx::query_as(&location.sql(&sql)).bind(community).bind(id).fetch_optional(conn).await.at(location)?;
        row.ok_or_else(|| StoreError::not_found("ledger entry", id))?.into_entry()
    }

    /// The entry written under an idempotency key, if any.
    async fn entry_id_by_key(&mut self, community: CommunityId, key: &str) -> Result<Option<i64>> {
        let (conn, location) = self.parts();
        sqlx::query_scalar("SELECT id FROM ledger_entries WHERE community_id = $1 AND idempotency_key = $2")
            .bind(community)
            .bind(key)
            .fetch_optional(conn)
            .await
            .at(location)
    }

    /// The entry that reverses `id`, if any.
    async fn reversal_of(&mut self, community: CommunityId, id: i64) -> Result<Option<i64>> {
        let (conn, location) = self.parts();
        sqlx::query_scalar("SELECT id FROM ledger_entries WHERE community_id = $1 AND reverses_entry_id = $2")
            .bind(community)
            .bind(id)
            .fetch_optional(conn)
            .await
            .at(location)
    }

    async fn member_entries(&mut self, community: CommunityId, member: MemberId, year: Year) -> Result<Vec<Entry>> {
        let (conn, location) = self.parts();
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM ledger_entries WHERE community_id = $1 AND member_id = $2 AND year = $3 ORDER BY id"
        );
        let rows: Vec<EntryRow> = sqlx::query_as(&location.sql(&sql))
            .bind(community)
            .bind(member)
            .bind(i64::from(year.get()))
            .fetch_all(conn)
            .await
            .at(location)?;
        rows.into_iter().map(EntryRow::into_entry).collect()
    }

    /// Every entry of a community's year, in chain order, without its
    /// words or hashes: one query, however many members.
    async fn year_entry_facts(&mut self, community: CommunityId, year: Year) -> Result<Vec<EntryFact>> {
        let (conn, location) = self.parts();
        type Row = (i64, MemberId, String, String, i64, String, i64, String, Option<i64>);
        let rows: Vec<Row> = sqlx::query_as(&location.sql(
            "SELECT id, member_id, category, rule_key, points_tenths, recorded_by, unix_seconds(recorded_at), \
             CAST(occurred_on AS TEXT), reverses_entry_id FROM ledger_entries WHERE community_id = $1 AND year = $2 \
             ORDER BY id",
        ))
        .bind(community)
        .bind(i64::from(year.get()))
        .fetch_all(conn)
        .await
        .at(location)?;
        rows.into_iter()
            .map(|(id, member_id, category, rule_key, tenths, recorded_by, recorded_at, occurred_on, reverses)| {
                let corrupt = |what: &str| StoreError::Corrupt(format!("ledger entry {id}: {what}"));
                Ok(EntryFact {
                    id,
                    member_id,
                    category,
                    rule_key,
                    points: Points::from_tenths(tenths),
                    recorded_by: recorded_by
                        .parse()
                        .map_err(|e: starledger_domain::ledger::ActorError| corrupt(&e.to_string()))?,
                    recorded_at,
                    occurred_on: occurred_on.parse().map_err(|_| corrupt("occurred_on is not a date"))?,
                    reverses,
                })
            })
            .collect()
    }

    /// The entries with these ids, in id order (ids of other communities
    /// are not found).
    async fn entries_among(&mut self, community: CommunityId, ids: &[i64]) -> Result<Vec<Entry>> {
        let (conn, location) = self.parts();
        let mut entries = Vec::with_capacity(ids.len());
        // In chunks, under every backend's limit on bound values.
        for chunk in ids.chunks(500) {
            let placeholders: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
            let sql = format!(
                "SELECT {ENTRY_COLUMNS} FROM ledger_entries WHERE community_id = $1 AND id IN ({}) ORDER BY id",
                placeholders.join(", ")
            );
            let sql = location.sql(&sql);
            let mut query = sqlx::query_as::<_, EntryRow>(&sql).bind(community);
            for id in chunk {
                query = query.bind(*id);
            }
            for row in query.fetch_all(&mut *conn).await.at(location)? {
                entries.push(row.into_entry()?);
            }
        }
        entries.sort_by_key(|e| e.id);
        Ok(entries)
    }

    /// The year's points in the light form the rating needs, summed per
    /// member, category and rule. The rating only adds points up (and checks
    /// a veto rule's net points), so the sums rate exactly as the entries
    /// would, from a few thousand rows instead of tens of thousands.
    async fn year_scored(&mut self, community: CommunityId, year: Year) -> Result<Vec<Scored>> {
        let (conn, location) = self.parts();
        let rows: Vec<(MemberId, String, String, i64)> = sqlx::query_as(
            // The projection, kept with every entry: members × rules rows,
            // however many entries the year holds.
            "SELECT member_id, category, rule_key, points_tenths FROM member_rule_totals \
             WHERE community_id = $1 AND year = $2 ORDER BY member_id, category, rule_key",
        )
        .bind(community)
        .bind(i64::from(year.get()))
        .fetch_all(conn)
        .await
        .at(location)?;
        Ok(rows
            .into_iter()
            .map(|(member_id, category, rule_key, tenths)| Scored {
                member_id,
                category,
                rule_key,
                points: Points::from_tenths(tenths),
            })
            .collect())
    }

    /// The year's points per member, rule and month of the day each entry
    /// describes, with entries net of reversals: what a replay under a
    /// proposed rulebook reprices and caps ([`starledger_domain::what_if`]).
    /// One pass over the year's entries; only the committee's what-if reads it.
    async fn year_rule_months(&mut self, community: CommunityId, year: Year) -> Result<Vec<RuleMonth>> {
        let (conn, location) = self.parts();
        let rows: Vec<(MemberId, String, String, i64, i64)> = sqlx::query_as(
            "SELECT member_id, rule_key, SUBSTR(CAST(occurred_on AS TEXT), 6, 2), CAST(SUM(points_tenths) AS BIGINT), \
               CAST(SUM(CASE WHEN reverses_entry_id IS NULL THEN 1 ELSE -1 END) AS BIGINT) \
             FROM ledger_entries WHERE community_id = $1 AND year = $2 \
             GROUP BY member_id, rule_key, SUBSTR(CAST(occurred_on AS TEXT), 6, 2) ORDER BY 1, 2, 3",
        )
        .bind(community)
        .bind(i64::from(year.get()))
        .fetch_all(conn)
        .await
        .at(location)?;
        rows.into_iter()
            .map(|(member_id, rule_key, month, tenths, net_entries)| {
                let month = month.parse::<u8>().ok().filter(|m| (1..=12).contains(m)).ok_or_else(|| {
                    StoreError::Corrupt(format!("an entry of member {member_id} has no month in its day: {month:?}"))
                })?;
                Ok(RuleMonth { member_id, rule_key, month, points: Points::from_tenths(tenths), net_entries })
            })
            .collect()
    }

    /// The household ratings of one window (entries of `rules` that occurred
    /// from `from` to `until`), per member, category and rule: the net count
    /// of ratings (a reversal cancels one) and their points.
    async fn window_ratings(
        &mut self,
        community: CommunityId,
        year: Year,
        rules: &[String],
        from: &str,
        until: &str,
    ) -> Result<Vec<(Scored, i64)>> {
        if rules.is_empty() {
            return Ok(Vec::new());
        }
        let (conn, location) = self.parts();
        let placeholders: Vec<String> = (0..rules.len()).map(|i| format!("${}", i + 5)).collect();
        let sql = format!(
            "SELECT member_id, category, rule_key, CAST(SUM(points_tenths) AS BIGINT), \
             CAST(SUM(CASE WHEN reverses_entry_id IS NULL THEN 1 ELSE -1 END) AS BIGINT) FROM ledger_entries \
             WHERE community_id = $1 AND year = $2 AND occurred_on >= date($3) AND occurred_on <= date($4) \
             AND rule_key IN ({}) GROUP BY member_id, category, rule_key ORDER BY member_id, category, rule_key",
            placeholders.join(", ")
        );
        let mut query = sqlx::query_as::<_, (MemberId, String, String, i64, i64)>(&sql)
            .bind(community)
            .bind(i64::from(year.get()))
            .bind(from.to_string())
            .bind(until.to_string());
        for rule in rules {
            query = query.bind(rule.clone());
        }
        let rows = query.fetch_all(conn).await.at(location)?;
        Ok(rows
            .into_iter()
            .map(|(member_id, category, rule_key, tenths, count)| {
                (Scored { member_id, category, rule_key, points: Points::from_tenths(tenths) }, count)
            })
            .collect())
    }

    /// What a member has gained so far, for the caps of one rule.
    async fn gained_so_far(
        &mut self,
        community: CommunityId,
        member: MemberId,
        rule_key: &str,
        category: &str,
        on: Date,
    ) -> Result<GainedSoFar> {
        let (conn, location) = self.parts();
        // The month as a half-open range of dates (ISO text that sorts as the
        // dates do on SQLite, dates on PostgreSQL): no pattern match per row.
        let month_starts = format!("{:04}-{:02}-01", on.year(), on.month());
        let next_month = match on.month() {
            12 => format!("{:04}-01-01", i32::from(on.year()) + 1),
            month => format!("{:04}-{:02}-01", on.year(), month + 1),
        };
        let row: (Option<i64>, Option<i64>, Option<i64>) = sqlx::query_as(
            "SELECT \
               CAST(SUM(CASE WHEN rule_key = $3 AND occurred_on >= date($5) AND occurred_on < date($7) \
                             THEN points_tenths ELSE 0 END) AS BIGINT), \
               CAST(SUM(CASE WHEN rule_key = $3 THEN points_tenths ELSE 0 END) AS BIGINT), \
               CAST(SUM(CASE WHEN category = $4 THEN points_tenths ELSE 0 END) AS BIGINT) \
             FROM ledger_entries WHERE community_id = $1 AND member_id = $2 AND year = $6",
        )
        .bind(community)
        .bind(member)
        .bind(rule_key)
        .bind(category)
        .bind(month_starts)
        .bind(i64::from(on.year()))
        .bind(next_month)
        .fetch_one(conn)
        .await
        .at(location)?;
        let points = |v: Option<i64>| Points::from_tenths(v.unwrap_or(0));
        Ok(GainedSoFar { rule_in_month: points(row.0), rule_in_year: points(row.1), category_in_year: points(row.2) })
    }

    /// Recomputes the hash chain and the projection from the entries. The
    /// entries are read a page at a time, in id order, so memory holds one
    /// page and the recomputed totals (members × rules), not a community's
    /// whole ledger; run it inside a [`crate::Snapshot`] so the pages and
    /// the stored totals agree.
    async fn verify(&mut self, community: CommunityId) -> Result<VerifyReport> {
        self.verify_in_pages(community, VERIFY_PAGE).await
    }

    /// [`LedgerQueries::verify`], reading `page` entries at a time (tests
    /// use small pages to cross their edges).
    async fn verify_in_pages(&mut self, community: CommunityId, page: i64) -> Result<VerifyReport> {
        let (conn, location) = self.parts();
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM ledger_entries WHERE community_id = $1 AND id > $2 ORDER BY id LIMIT $3"
        );
        let mut verifier = ChainVerifier::default();
        let mut recomputed: BTreeMap<TotalsKey, Tally> = BTreeMap::new();
        let mut chain_break = None;
        // From the lowest id there can be: a row slipped in below the first
        // entry is read, and breaks the chain, rather than skipped.
        let mut after = i64::MIN;
        'pages: loop {
            let rows: Vec<EntryRow> = sqlx::query_as(&location.sql(&sql))
                .bind(community)
                .bind(after)
                .bind(page)
                .fetch_all(&mut *conn)
                .await
                .at(location)?;
            let full = rows.len() as i64 == page;
            for row in rows {
                let id = row.id;
                after = id;
                // A field altered into something unreadable is a changed entry too.
                let entry = match row.into_entry() {
                    Ok(entry) => entry,
                    Err(_) => {
                        chain_break = Some(ChainBreak::Content { id });
                        break 'pages;
                    }
                };
                if let Err(broken) = verifier.push(&entry) {
                    chain_break = Some(broken);
                    break 'pages;
                }
                let draft = &entry.draft;
                let key = (draft.member_id, draft.year, draft.category.clone(), draft.rule_key.clone());
                recomputed.entry(key).or_default().add(draft);
            }
            if !full {
                break;
            }
        }
        let projection_mismatches = if chain_break.is_some() {
            Vec::new()
        } else {
            compare_projection(conn, location, community, &recomputed).await?
        };
        Ok(VerifyReport { entries_checked: verifier.checked, chain_break, projection_mismatches })
    }
}

/// Entries `verify` reads at a time: a few megabytes.
const VERIFY_PAGE: i64 = 5_000;

impl<T: Queries> LedgerQueries for T {}

async fn compare_projection(
    conn: &mut sqlx::AnyConnection,
    location: &crate::Location,
    community: CommunityId,
    recomputed: &BTreeMap<TotalsKey, Tally>,
) -> Result<Vec<ProjectionMismatch>> {
    let stored: Vec<(MemberId, i64, String, String, i64, i64, i64)> = sqlx::query_as(
        "SELECT member_id, year, category, rule_key, points_tenths, entries, net_entries FROM member_rule_totals \
         WHERE community_id = $1",
    )
    .bind(community)
    .fetch_all(conn)
    .await
    .at(location)?;
    let stored: BTreeMap<TotalsKey, Tally> = stored
        .into_iter()
        .map(|(member, year, category, rule_key, tenths, entries, net_entries)| {
            let tally = Tally { points: Points::from_tenths(tenths), entries, net_entries };
            ((member, year as i16, category, rule_key), tally)
        })
        .collect();
    let mut mismatches = Vec::new();
    for key in stored.keys().chain(recomputed.keys().filter(|k| !stored.contains_key(*k))) {
        let (a, b) = (stored.get(key), recomputed.get(key));
        if a != b {
            mismatches.push(ProjectionMismatch {
                member_id: key.0,
                year: key.1,
                category: key.2.clone(),
                rule_key: key.3.clone(),
                stored: a.map(|t| t.points),
                recomputed: b.map(|t| t.points),
            });
        }
    }
    Ok(mismatches)
}

impl WriteTx {
    /// The entry already written for this draft's idempotency key, if it
    /// records the same event (a retry); a different event under a key that
    /// is already used is refused.
    pub async fn earlier_write_of(&mut self, draft: &EntryDraft) -> Result<Option<Entry>> {
        let Some(id) = self.entry_id_by_key(draft.community_id, &draft.idempotency_key).await? else {
            return Ok(None);
        };
        let existing = self.entry(draft.community_id, id).await?;
        if !existing.draft.same_event(draft) {
            return Err(StoreError::Conflict(format!(
                "key \"{}\" was already used by entry {id} for a different event; choose another key",
                draft.idempotency_key
            )));
        }
        Ok(Some(existing))
    }

    /// Appends one entry at the end of its community's chain, and updates the
    /// projection in the same transaction. A retry of the same event is not
    /// written again (see `earlier_write_of`).
    pub async fn append_entry(&mut self, draft: EntryDraft) -> Result<Appended> {
        // The chain's tail is read under the community's lock, whatever the
        // caller took; callers that check something first lock before that.
        self.lock_community(draft.community_id).await?;
        let prev = self.chain_tail(draft.community_id).await?;
        let id = self.next_entry_id().await?;
        let entry = seal(id, draft, prev);
        // The insert itself detects a used key, saving a lookup per entry;
        // only then is the earlier write read to tell a retry from a clash.
        if !self.insert_entry(&entry).await? {
            return match self.earlier_write_of(&entry.draft).await? {
                Some(existing) => Ok(Appended::Duplicate(existing.id)),
                None => Err(StoreError::Conflict(format!(
                    "key {} clashed but no entry holds it",
                    entry.draft.idempotency_key
                ))),
            };
        }
        self.chain_tails.insert(entry.draft.community_id, entry.hash);
        self.next_entry_id = Some(id + 1);
        self.entries_appended += 1;
        Ok(Appended::New(Box::new(entry)))
    }

    /// Appends an entry priced by `rule` unless it would lift the member past
    /// one of the rulebook's caps, counted inside this transaction. A retry
    /// of an entry already written is not a cap breach.
    pub async fn append_within_caps(
        &mut self,
        draft: EntryDraft,
        rulebook: &Rulebook,
        rule: &Rule,
    ) -> Result<std::result::Result<Appended, CapExceeded>> {
        if let Some(earlier) = self.earlier_write_of(&draft).await? {
            return Ok(Ok(Appended::Duplicate(earlier.id)));
        }
        let gained = self
            .gained_so_far(draft.community_id, draft.member_id, &rule.key, &rule.category, draft.occurred_on)
            .await?;
        if let Err(exceeded) = rulebook.check_caps(rule, gained, draft.points) {
            return Ok(Err(exceeded));
        }
        Ok(Ok(self.append_entry(draft).await?))
    }

    pub(crate) async fn chain_tail(&mut self, community: CommunityId) -> Result<EntryHash> {
        if let Some(hash) = self.chain_tails.get(&community) {
            return Ok(*hash);
        }
        let last: Option<String> =
            sqlx::query_scalar("SELECT hash FROM ledger_entries WHERE community_id = $1 ORDER BY id DESC LIMIT 1")
                .bind(community)
                .fetch_optional(&mut *self.tx)
                .await
                .at(&self.location)?;
        let hash = match last {
            None => EntryHash::GENESIS,
            Some(text) => EntryHash::from_hex(&text)
                .ok_or_else(|| StoreError::Corrupt("the last ledger entry's hash is not a hash".into()))?,
        };
        self.chain_tails.insert(community, hash);
        Ok(hash)
    }

    /// Ids are assigned here, not by the database's default, because the
    /// hash covers the id. SQLite has one writer, so the next id is the
    /// highest plus one. PostgreSQL's communities append in parallel, so ids
    /// come from the table's sequence: they rise within every community's
    /// chain (its lock orders its appends) and may skip numbers (a retried
    /// key, a transaction rolled back), which the chain does not mind.
    async fn next_entry_id(&mut self) -> Result<i64> {
        if self.location.backend == Backend::Postgres {
            return sqlx::query_scalar("SELECT nextval(pg_get_serial_sequence('ledger_entries', 'id'))")
                .fetch_one(&mut *self.tx)
                .await
                .at(&self.location);
        }
        if let Some(id) = self.next_entry_id {
            return Ok(id);
        }
        let max: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM ledger_entries")
            .fetch_one(&mut *self.tx)
            .await
            .at(&self.location)?;
        Ok(max.unwrap_or(0) + 1)
    }

    /// Inserts the entry and adds it to the projection; false, writing
    /// nothing, when its idempotency key is already in the ledger.
    async fn insert_entry(&mut self, entry: &Entry) -> Result<bool> {
        let draft = &entry.draft;
        // Only a reversal expects a refusal here (the entry was reversed
        // already); ordinary entries skip the savepoint's round trips.
        let guarded = draft.reverses.is_some();
        if guarded {
            self.savepoint().await?;
        }
        let attempt = sqlx::query(&self.location.sql(
            "INSERT INTO ledger_entries (id, community_id, year, member_id, category, rule_key, rulebook_version, \
             points_tenths, reason, source_kind, source_ref, recorded_by, recorded_at, occurred_on, idempotency_key, \
             reverses_entry_id, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, to_timestamp($13), date($14), $15, $16, $17, $18) \
             ON CONFLICT (community_id, idempotency_key) DO NOTHING",
        ))
        .bind(entry.id)
        .bind(draft.community_id)
        .bind(i64::from(draft.year))
        .bind(draft.member_id)
        .bind(&draft.category)
        .bind(&draft.rule_key)
        .bind(&draft.rulebook_version)
        .bind(draft.points.tenths())
        .bind(&draft.reason)
        .bind(&draft.source_kind)
        .bind(&draft.source_ref)
        .bind(draft.recorded_by.to_string())
        .bind(draft.recorded_at)
        .bind(draft.occurred_on.to_string())
        .bind(&draft.idempotency_key)
        .bind(draft.reverses)
        .bind(entry.prev_hash.to_hex())
        .bind(entry.hash.to_hex())
        .execute(&mut *self.tx)
        .await;
        let attempt = if guarded { self.end_savepoint(attempt).await? } else { attempt };
        let inserted = attempt.map_err(|e| {
            let message = match draft.reverses {
                Some(original) => format!("entry {original} has already been reversed"),
                None => format!("entry {} clashes with an existing entry", entry.id),
            };
            crate::org::unique_to_conflict(e, &self.location, message)
        })?;
        if inserted.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO member_rule_totals \
             (community_id, year, member_id, category, rule_key, points_tenths, entries, net_entries) \
             VALUES ($1, $2, $3, $4, $5, $6, 1, $7) ON CONFLICT (community_id, year, member_id, category, rule_key) \
             DO UPDATE SET points_tenths = member_rule_totals.points_tenths + excluded.points_tenths, \
             entries = member_rule_totals.entries + 1, \
             net_entries = member_rule_totals.net_entries + excluded.net_entries",
        )
        .bind(draft.community_id)
        .bind(i64::from(draft.year))
        .bind(draft.member_id)
        .bind(&draft.category)
        .bind(&draft.rule_key)
        .bind(draft.points.tenths())
        .bind(if draft.reverses.is_some() { -1i64 } else { 1 })
        .execute(&mut *self.tx)
        .await
        .at(&self.location)?;
        Ok(true)
    }
}
