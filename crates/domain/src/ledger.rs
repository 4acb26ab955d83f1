//! The points ledger (积分台账): append-only entries, each priced by a rule,
//! traced to its source and recorder, and chained by hash so that any change
//! to a stored entry is found. A correction is a new entry that reverses an
//! old one; nothing is ever edited or deleted.

use crate::org::{AccountId, BranchId, CommunityId, HouseholdId, MemberId};
use crate::points::Points;
use jiff::civil::Date;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// Who put an entry into the ledger.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Actor {
    Account(AccountId),
    /// A household rating through its private link.
    Household(HouseholdId),
    /// The tally of a branch's secret ballot (支部评议).
    BranchBallot(BranchId),
    /// A committee decision on an integrity record, taken by the votes of
    /// committee members who were not recused (the record's id).
    Decision(i64),
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Actor::Account(id) => write!(f, "account:{id}"),
            Actor::Household(id) => write!(f, "household:{id}"),
            Actor::BranchBallot(id) => write!(f, "ballot:{id}"),
            Actor::Decision(id) => write!(f, "decision:{id}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{0}\" is not an actor (account:N, household:N or ballot:N)")]
pub struct ActorError(pub String);

impl FromStr for Actor {
    type Err = ActorError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || ActorError(text.to_string());
        let (kind, id) = text.split_once(':').ok_or_else(bad)?;
        let id: i64 = id.parse().map_err(|_| bad())?;
        match kind {
            "account" => Ok(Actor::Account(id.into())),
            "household" => Ok(Actor::Household(id.into())),
            "ballot" => Ok(Actor::BranchBallot(id.into())),
            "decision" => Ok(Actor::Decision(id)),
            _ => Err(bad()),
        }
    }
}

/// An actor read back from where it is stored as text (`account:N`).
impl TryFrom<String> for Actor {
    type Error = ActorError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

/// A hash in the chain: SHA-256, shown as hex.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EntryHash(pub [u8; 32]);

impl EntryHash {
    /// The hash before a community's first entry.
    pub const GENESIS: EntryHash = EntryHash([0; 32]);

    pub fn to_hex(self) -> String {
        hex::encode(self.0)
    }

    pub fn from_hex(text: &str) -> Option<EntryHash> {
        let bytes = hex::decode(text).ok()?;
        Some(EntryHash(bytes.try_into().ok()?))
    }
}

impl fmt::Display for EntryHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// Everything an entry says, before the store gives it an id and a place in
/// the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryDraft {
    pub community_id: CommunityId,
    pub year: i16,
    pub member_id: MemberId,
    pub category: String,
    pub rule_key: String,
    pub rulebook_version: String,
    pub points: Points,
    /// Why, in words the member can read.
    pub reason: String,
    /// What produced it: `meeting`, `visit`, `household_rating`, `activity`,
    /// `review`, `reversal`, `cli` ...
    pub source_kind: String,
    /// Which one: a meeting id, an activity id, free text from the recorder.
    pub source_ref: String,
    pub recorded_by: Actor,
    /// Whole seconds since the Unix epoch, UTC.
    pub recorded_at: i64,
    pub occurred_on: Date,
    /// Unique per community, so that a retried write never counts twice.
    pub idempotency_key: String,
    /// For a reversal, the entry it cancels.
    pub reverses: Option<i64>,
}

/// An entry as stored: its id, the hash before it, and its own hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub id: i64,
    pub draft: EntryDraft,
    pub prev_hash: EntryHash,
    pub hash: EntryHash,
}

impl EntryDraft {
    /// The reversal of `original`: the same member, rule and category, the
    /// opposite points, pointing back at it.
    pub fn reversal_of(original: &Entry, reason: String, by: Actor, at: i64, on: Date) -> EntryDraft {
        let draft = &original.draft;
        EntryDraft {
            community_id: draft.community_id,
            year: draft.year,
            member_id: draft.member_id,
            category: draft.category.clone(),
            rule_key: draft.rule_key.clone(),
            rulebook_version: draft.rulebook_version.clone(),
            points: -draft.points,
            reason,
            source_kind: "reversal".into(),
            source_ref: format!("entry:{}", original.id),
            recorded_by: by,
            recorded_at: at,
            occurred_on: on,
            idempotency_key: format!("reverse:{}", original.id),
            reverses: Some(original.id),
        }
    }
}

impl EntryDraft {
    /// Whether a retried write describes the same event as the entry already
    /// stored under its idempotency key. Times of recording may differ.
    pub fn same_event(&self, other: &EntryDraft) -> bool {
        self.community_id == other.community_id
            && self.member_id == other.member_id
            && self.rule_key == other.rule_key
            && self.points == other.points
            && self.occurred_on == other.occurred_on
            && self.source_ref == other.source_ref
            && self.reverses == other.reverses
    }
}

/// The hash of an entry: SHA-256 over the previous hash and every field, each
/// length-prefixed so that no two different entries encode alike.
/// `docs/ledger-format.md` gives the exact bytes, with a worked example; a
/// change here is a new format (a new domain tag), never an edit.
pub fn entry_hash(id: i64, draft: &EntryDraft, prev: EntryHash) -> EntryHash {
    let mut hasher = Sha256::new();
    let mut field = |bytes: &[u8]| {
        hasher.update((bytes.len() as u64).to_be_bytes());
        hasher.update(bytes);
    };
    field(b"starledger-entry-v1");
    field(&prev.0);
    field(&id.to_be_bytes());
    field(&draft.community_id.get().to_be_bytes());
    field(&draft.year.to_be_bytes());
    field(&draft.member_id.get().to_be_bytes());
    field(draft.category.as_bytes());
    field(draft.rule_key.as_bytes());
    field(draft.rulebook_version.as_bytes());
    field(&draft.points.tenths().to_be_bytes());
    field(draft.reason.as_bytes());
    field(draft.source_kind.as_bytes());
    field(draft.source_ref.as_bytes());
    field(draft.recorded_by.to_string().as_bytes());
    field(&draft.recorded_at.to_be_bytes());
    field(draft.occurred_on.to_string().as_bytes());
    field(draft.idempotency_key.as_bytes());
    field(&draft.reverses.unwrap_or(0).to_be_bytes());
    EntryHash(hasher.finalize().into())
}

/// Places a draft after `prev` in the chain.
pub fn seal(id: i64, draft: EntryDraft, prev: EntryHash) -> Entry {
    let hash = entry_hash(id, &draft, prev);
    Entry { id, draft, prev_hash: prev, hash }
}

/// The first place where a chain does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("entry {id}: its recorded previous hash does not match the entry before it")]
    Link { id: i64 },
    #[error("entry {id}: its contents do not match its hash (the entry was changed)")]
    Content { id: i64 },
    #[error("entry {id}: entries are out of order")]
    Order { id: i64 },
}

impl ChainBreak {
    pub fn entry_id(&self) -> i64 {
        match self {
            ChainBreak::Link { id } | ChainBreak::Content { id } | ChainBreak::Order { id } => *id,
        }
    }
}

/// Walks one community's entries in id order and checks every link.
pub fn verify_chain<'a>(entries: impl IntoIterator<Item = &'a Entry>) -> Result<usize, ChainBreak> {
    let mut verifier = ChainVerifier::default();
    for entry in entries {
        verifier.push(entry)?;
    }
    Ok(verifier.checked)
}

/// Checks a chain one entry at a time, so a store can stream it.
#[derive(Debug)]
pub struct ChainVerifier {
    prev: EntryHash,
    last_id: i64,
    pub checked: usize,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        ChainVerifier { prev: EntryHash::GENESIS, last_id: i64::MIN, checked: 0 }
    }
}

impl ChainVerifier {
    pub fn push(&mut self, entry: &Entry) -> Result<(), ChainBreak> {
        if entry.id <= self.last_id {
            return Err(ChainBreak::Order { id: entry.id });
        }
        if entry.prev_hash != self.prev {
            return Err(ChainBreak::Link { id: entry.id });
        }
        if entry_hash(entry.id, &entry.draft, entry.prev_hash) != entry.hash {
            return Err(ChainBreak::Content { id: entry.id });
        }
        self.prev = entry.hash;
        self.last_id = entry.id;
        self.checked += 1;
        Ok(())
    }
}

/// A derived total: one member's points under one rule in one year.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub points: Points,
    pub entries: i64,
    /// Entries net of reversals: a reversal counts -1.
    pub net_entries: i64,
}

impl Tally {
    /// Counts one entry in.
    pub fn add(&mut self, draft: &EntryDraft) {
        self.points += draft.points;
        self.entries += 1;
        self.net_entries += if draft.reverses.is_some() { -1 } else { 1 };
    }
}

/// Member, year, category, rule: the level the rating reads (caps and vetoes
/// are per rule).
pub type TotalsKey = (MemberId, i16, String, String);

/// The projection the store keeps beside the ledger, rebuilt from entries.
pub fn totals<'a>(entries: impl IntoIterator<Item = &'a EntryDraft>) -> BTreeMap<TotalsKey, Tally> {
    let mut totals: BTreeMap<TotalsKey, Tally> = BTreeMap::new();
    for draft in entries {
        let key = (draft.member_id, draft.year, draft.category.clone(), draft.rule_key.clone());
        totals.entry(key).or_default().add(draft);
    }
    totals
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    pub(crate) fn draft(member: i64, points: i64, n: usize) -> EntryDraft {
        EntryDraft {
            community_id: CommunityId::new(1),
            year: 2025,
            member_id: MemberId::new(member),
            category: "study".into(),
            rule_key: "meeting.group".into(),
            rulebook_version: "2025.1".into(),
            points: Points::from_tenths(points),
            reason: "参加党小组会".into(),
            source_kind: "meeting".into(),
            source_ref: format!("meeting:{n}"),
            recorded_by: Actor::Account(AccountId::new(7)),
            recorded_at: 1_740_000_000 + n as i64,
            occurred_on: jiff::civil::date(2025, 3, 1),
            idempotency_key: format!("key-{n}"),
            reverses: None,
        }
    }

    fn chain(drafts: Vec<EntryDraft>) -> Vec<Entry> {
        let mut prev = EntryHash::GENESIS;
        drafts
            .into_iter()
            .enumerate()
            .map(|(i, draft)| {
                let entry = seal(i as i64 + 1, draft, prev);
                prev = entry.hash;
                entry
            })
            .collect()
    }

    /// docs/ledger-format.md's worked example: the bytes are laid out by
    /// hand here, hashed with SHA-256 directly, and must give the hashes the
    /// document prints, and the same as `entry_hash`.
    #[test]
    fn the_documented_worked_example_hashes_as_printed() {
        fn field(out: &mut Vec<u8>, bytes: &[u8]) {
            out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
            out.extend_from_slice(bytes);
        }
        struct Example<'a> {
            id: i64,
            prev: [u8; 32],
            points_tenths: i64,
            reason: &'a str,
            source_kind: &'a str,
            source_ref: &'a str,
            recorded_by: &'a str,
            recorded_at: i64,
            key: &'a str,
            reverses: i64,
        }
        let bytes = |e: &Example| {
            let mut out = Vec::new();
            field(&mut out, b"starledger-entry-v1");
            field(&mut out, &e.prev);
            field(&mut out, &e.id.to_be_bytes());
            field(&mut out, &1i64.to_be_bytes());
            field(&mut out, &2025i16.to_be_bytes());
            field(&mut out, &5i64.to_be_bytes());
            field(&mut out, "volunteer".as_bytes());
            field(&mut out, "volunteer.cleanup".as_bytes());
            field(&mut out, "2026.1".as_bytes());
            field(&mut out, &e.points_tenths.to_be_bytes());
            field(&mut out, e.reason.as_bytes());
            field(&mut out, e.source_kind.as_bytes());
            field(&mut out, e.source_ref.as_bytes());
            field(&mut out, e.recorded_by.as_bytes());
            field(&mut out, &e.recorded_at.to_be_bytes());
            field(&mut out, "2025-03-08".as_bytes());
            field(&mut out, e.key.as_bytes());
            field(&mut out, &e.reverses.to_be_bytes());
            out
        };
        let first = Example {
            id: 1,
            prev: [0; 32],
            points_tenths: 20,
            reason: "环境整治",
            source_kind: "activity",
            source_ref: "activity:3",
            recorded_by: "account:2",
            recorded_at: 1_741_420_800,
            key: "activity:3:member:5",
            reverses: 0,
        };
        let first_bytes = bytes(&first);
        assert_eq!(first_bytes.len(), 345);
        let first_hash = hex::encode(Sha256::digest(&first_bytes));
        assert_eq!(first_hash, "582388af0d5f7bc8599ef1bc73616b9bef3af5f18fe0cd0f35eb551a06a93668");
        let second = Example {
            id: 2,
            prev: Sha256::digest(&first_bytes).into(),
            points_tenths: -20,
            reason: "当天未到场，记录有误",
            source_kind: "reversal",
            source_ref: "entry:1",
            recorded_by: "account:1",
            recorded_at: 1_741_507_200,
            key: "reverse:1",
            reverses: 1,
        };
        let second_hash = hex::encode(Sha256::digest(bytes(&second)));
        assert_eq!(second_hash, "b9c1f32e58818b47431ae0c65a0ed7aa6c5554b79795ea1e024859ae6261c923");

        // The ledger's own code agrees, and the two form a valid chain.
        let draft = EntryDraft {
            community_id: CommunityId::new(1),
            year: 2025,
            member_id: MemberId::new(5),
            category: "volunteer".into(),
            rule_key: "volunteer.cleanup".into(),
            rulebook_version: "2026.1".into(),
            points: Points::from_tenths(20),
            reason: "环境整治".into(),
            source_kind: "activity".into(),
            source_ref: "activity:3".into(),
            recorded_by: Actor::Account(AccountId::new(2)),
            recorded_at: 1_741_420_800,
            occurred_on: jiff::civil::date(2025, 3, 8),
            idempotency_key: "activity:3:member:5".into(),
            reverses: None,
        };
        let one = seal(1, draft, EntryHash::GENESIS);
        assert_eq!(one.hash.to_hex(), first_hash);
        let reversal = EntryDraft::reversal_of(
            &one,
            "当天未到场，记录有误".into(),
            Actor::Account(AccountId::new(1)),
            1_741_507_200,
            one.draft.occurred_on,
        );
        let two = seal(2, reversal, one.hash);
        assert_eq!(two.hash.to_hex(), second_hash);
        assert_eq!(verify_chain(&[one, two]), Ok(2));
    }

    #[test]
    fn actors_round_trip() {
        for actor in [
            Actor::Account(AccountId::new(3)),
            Actor::Household(44.into()),
            Actor::BranchBallot(BranchId::new(2)),
            Actor::Decision(9),
        ] {
            assert_eq!(actor.to_string().parse::<Actor>(), Ok(actor));
        }
        assert!("root".parse::<Actor>().is_err());
    }

    /// Every field of a draft, each changed in a way that keeps it valid.
    fn tamper(draft: &mut EntryDraft, field: usize) {
        match field {
            0 => draft.member_id = MemberId::new(draft.member_id.get() + 1),
            1 => draft.points += Points::from_tenths(1),
            2 => draft.reason.push('!'),
            3 => draft.rule_key.push('x'),
            4 => draft.category.push('x'),
            5 => draft.recorded_by = Actor::Account(AccountId::new(999)),
            6 => draft.recorded_at += 1,
            7 => draft.occurred_on = draft.occurred_on.tomorrow().unwrap(),
            8 => draft.idempotency_key.push('x'),
            9 => draft.reverses = Some(12345),
            10 => draft.source_ref.push('x'),
            11 => draft.year += 1,
            12 => draft.rulebook_version.push('x'),
            13 => draft.source_kind.push('x'),
            _ => draft.community_id = CommunityId::new(draft.community_id.get() + 1),
        }
    }

    proptest! {
        #[test]
        fn any_change_to_a_stored_entry_is_caught(
            points in proptest::collection::vec(-50i64..50, 1..40),
            victim in any::<proptest::sample::Index>(),
            field in 0usize..15,
        ) {
            let drafts = points.iter().enumerate().map(|(n, p)| draft(n as i64 % 5, *p, n)).collect();
            let mut entries = chain(drafts);
            prop_assert_eq!(verify_chain(&entries), Ok(entries.len()));
            let at = victim.index(entries.len());
            tamper(&mut entries[at].draft, field);
            let id = entries[at].id;
            prop_assert_eq!(verify_chain(&entries), Err(ChainBreak::Content { id }));
        }

        #[test]
        fn a_rewritten_tail_is_caught_at_its_first_link(
            count in 2usize..30,
            cut in any::<proptest::sample::Index>(),
        ) {
            // Someone rehashes an entry after tampering: the next link breaks.
            let mut entries = chain((0..count).map(|n| draft(1, 10, n)).collect());
            let at = cut.index(count - 1);
            entries[at].draft.points = Points::whole(100);
            entries[at].hash = entry_hash(entries[at].id, &entries[at].draft, entries[at].prev_hash);
            let next = entries[at + 1].id;
            prop_assert_eq!(verify_chain(&entries), Err(ChainBreak::Link { id: next }));
        }

        #[test]
        fn a_reversal_nets_to_zero(points in -1000i64..1000, extra in proptest::collection::vec(-50i64..50, 0..10)) {
            let mut drafts: Vec<EntryDraft> = extra.iter().enumerate().map(|(n, p)| draft(1, *p, n + 1)).collect();
            let before: Points = drafts.iter().map(|d| d.points).sum();
            let original = seal(1000, draft(1, points, 0), EntryHash::GENESIS);
            let reversal = EntryDraft::reversal_of(&original, "录入错误".into(), Actor::Account(AccountId::new(2)), 1, original.draft.occurred_on);
            prop_assert_eq!(reversal.reverses, Some(1000));
            drafts.push(original.draft.clone());
            drafts.push(reversal);
            let totals = totals(&drafts);
            let after: Points = totals.values().map(|t| t.points).sum();
            prop_assert_eq!(after, before);
        }

        #[test]
        fn totals_equal_the_sum_of_entries(points in proptest::collection::vec((0i64..6, -50i64..80), 0..200)) {
            let drafts: Vec<EntryDraft> = points.iter().enumerate().map(|(n, (m, p))| draft(*m, *p, n)).collect();
            let totals = totals(&drafts);
            for member in 0..6 {
                let expected: Points = drafts.iter().filter(|d| d.member_id == MemberId::new(member)).map(|d| d.points).sum();
                let counted: Points = totals.iter().filter(|(k, _)| k.0 == MemberId::new(member)).map(|(_, t)| t.points).sum();
                prop_assert_eq!(counted, expected);
            }
        }
    }
}
