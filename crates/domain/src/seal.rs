//! A year's seal: what was published, in a form that a copy kept outside
//! the database can be checked against.
//!
//! The hash chain proves that entries were not changed *one at a time*;
//! someone who can write the database file can still rewrite the chain from
//! one entry onward and recompute every hash after it, and `ledger verify`
//! will pass. A seal taken when a year is published (公示) and again when it
//! is finalized, and kept by the street or the city, makes that visible: it
//! holds the Merkle root of the year's entries, the chain's head, the
//! rulebook's digest, the rating's digest, and the chain's hash at every
//! [`CHECKPOINT_EVERY`]th entry of the year, so a check against it names the
//! stretch of entries where a rewrite began.
//!
//! The Merkle tree follows RFC 6962 (Certificate Transparency): a leaf is
//! `SHA-256(0x00 ‖ entry hash)`, a node `SHA-256(0x01 ‖ left ‖ right)`, and
//! a tree of n leaves splits at the largest power of two below n. An empty
//! year's root is `SHA-256("")`. `docs/ledger-format.md` states it in full.

use crate::ledger::EntryHash;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A checkpoint every this many entries of the year: a seal of a busy year
/// (some 20,000 entries) stays a few kilobytes, and a rewrite is located to
/// within this many entries.
pub const CHECKPOINT_EVERY: usize = 256;

/// When a seal was taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// At publication for public notice.
    Published,
    /// At finalization.
    Finalized,
}

impl Stage {
    pub fn key(self) -> &'static str {
        match self {
            Stage::Published => "published",
            Stage::Finalized => "finalized",
        }
    }

    pub fn parse(text: &str) -> Option<Stage> {
        match text {
            "published" => Some(Stage::Published),
            "finalized" => Some(Stage::Finalized),
            _ => None,
        }
    }
}

/// One entry of the year as the seal sees it: its id and its chain hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    pub id: i64,
    /// The entry's chain hash, hex.
    #[serde(with = "hex_hash")]
    pub hash: EntryHash,
}

/// A year's seal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seal {
    /// Format version of this document.
    pub format: u32,
    pub community: String,
    pub year: i16,
    pub round: i64,
    pub stage: Stage,
    /// The year's entries (reversals included), in chain order.
    pub entries: usize,
    /// Merkle root over the year's entry hashes, hex.
    pub merkle_root: String,
    /// The community's chain head when the seal was taken (its last entry
    /// of any year), or none if the chain was empty.
    pub chain_head: Option<Sealed>,
    /// The rulebook's SHA-256, as frozen into the year.
    pub rulebook_sha256: String,
    /// The rating's digest (as on the published or finalized round).
    pub rating_sha256: String,
    /// Every [`CHECKPOINT_EVERY`]th entry of the year, and its last.
    pub checkpoints: Vec<Sealed>,
}

/// What a year's entries and results are, for sealing.
pub struct SealInput<'a> {
    pub community: &'a str,
    pub year: i16,
    pub round: i64,
    pub stage: Stage,
    /// The year's entries in chain order.
    pub year_entries: &'a [Sealed],
    pub chain_head: Option<Sealed>,
    pub rulebook_sha256: &'a str,
    pub rating_sha256: &'a str,
}

impl Seal {
    pub const FORMAT: u32 = 1;

    pub fn take(input: SealInput<'_>) -> Seal {
        let hashes: Vec<EntryHash> = input.year_entries.iter().map(|e| e.hash).collect();
        Seal {
            format: Seal::FORMAT,
            community: input.community.to_string(),
            year: input.year,
            round: input.round,
            stage: input.stage,
            entries: input.year_entries.len(),
            merkle_root: hex::encode(merkle_root(&hashes)),
            chain_head: input.chain_head,
            rulebook_sha256: input.rulebook_sha256.to_string(),
            rating_sha256: input.rating_sha256.to_string(),
            checkpoints: checkpoints(input.year_entries),
        }
    }

    /// The seal as JSON, fields in declaration order and no spaces: what is
    /// kept outside the database, and what its digest covers.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a seal is plain data")
    }

    /// Reads a seal kept outside the database.
    pub fn from_json(text: &str) -> Result<Seal, String> {
        serde_json::from_str(text).map_err(|e| format!("not a starledger seal: {e}"))
    }

    /// The seal's own digest: SHA-256 of its JSON.
    pub fn digest(&self) -> String {
        hex::encode(Sha256::digest(self.to_json().as_bytes()))
    }

    /// The short form people read aloud or compare on a notice board: the
    /// first 16 hex digits of the digest, in groups of four.
    pub fn short(&self) -> String {
        let digest = self.digest();
        digest.as_bytes()[..16].chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join("-")
    }

    /// The seal without its checkpoints, small enough for a QR code on a
    /// notice board (a few hundred bytes against kilobytes). It is still a
    /// seal document: `ledger verify --against` reads it and tells whether
    /// the year holds; only the full form also says where a rewrite starts.
    /// Its short form is the full seal's, so a scan can be compared with
    /// the short form printed beside it.
    pub fn compact(&self) -> CompactSeal {
        CompactSeal { short: self.short(), seal: Seal { checkpoints: Vec::new(), ..self.clone() } }
    }

    /// Where `now` (recomputed from the database) differs from this seal,
    /// most telling first; empty if it holds.
    pub fn differences(&self, now: &Seal) -> Vec<Difference> {
        let mut found = Vec::new();
        if let Some(difference) = first_rewritten(&self.checkpoints, &now.checkpoints) {
            found.push(difference);
        }
        if self.entries != now.entries {
            found.push(Difference::Count { sealed: self.entries, now: now.entries });
        }
        if self.merkle_root != now.merkle_root && found.is_empty() {
            found.push(Difference::Entries);
        }
        if self.rulebook_sha256 != now.rulebook_sha256 {
            found.push(Difference::Rulebook);
        }
        if self.rating_sha256 != now.rating_sha256 {
            found.push(Difference::Rating);
        }
        found
    }
}

/// A seal for a QR code: the seal without checkpoints, and the full
/// seal's short form. Serialized flat, so the JSON reads as a seal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompactSeal {
    #[serde(flatten)]
    pub seal: Seal,
    /// The full seal's short form, as printed beside the code.
    pub short: String,
}

impl CompactSeal {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a seal is plain data")
    }
}

/// One way the database no longer matches a seal.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Difference {
    /// The chain differs from the sealed one from some entry after `after`
    /// (the last checkpoint that still matches; none: from the year's start)
    /// up to `by` (the first checkpoint that differs).
    #[error("the year's entries differ from the seal from after entry {} up to entry {by}: the chain was rewritten there", .after.map_or("(the year's start)".to_string(), |a| a.to_string()))]
    Rewritten { after: Option<i64>, by: i64 },
    #[error("the year held {sealed} entries when sealed and holds {now} now")]
    Count { sealed: usize, now: usize },
    #[error("the year's entries differ from the seal (its Merkle root)")]
    Entries,
    #[error("the year's rulebook differs from the sealed one")]
    Rulebook,
    #[error("the year's rating differs from the sealed one")]
    Rating,
}

fn checkpoints(entries: &[Sealed]) -> Vec<Sealed> {
    let mut points: Vec<Sealed> =
        entries.iter().skip(CHECKPOINT_EVERY - 1).step_by(CHECKPOINT_EVERY).copied().collect();
    if let Some(last) = entries.last()
        && points.last() != Some(last)
    {
        points.push(*last);
    }
    points
}

/// The first checkpoint of the seal that the database no longer has as it
/// was (same id, same chain hash). Each chain hash covers every entry
/// before it, so the rewrite began after the last checkpoint that matches.
fn first_rewritten(sealed: &[Sealed], now: &[Sealed]) -> Option<Difference> {
    let mut after = None;
    for point in sealed {
        if !now.contains(point) {
            return Some(Difference::Rewritten { after, by: point.id });
        }
        after = Some(point.id);
    }
    None
}

/// The Merkle root of entry hashes (RFC 6962).
pub fn merkle_root(hashes: &[EntryHash]) -> [u8; 32] {
    match hashes {
        [] => Sha256::digest([]).into(),
        [one] => leaf(one),
        _ => {
            let split = largest_power_of_two_below(hashes.len());
            node(&merkle_root(&hashes[..split]), &merkle_root(&hashes[split..]))
        }
    }
}

fn leaf(hash: &EntryHash) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update([0u8]);
    hasher.update(hash.0);
    hasher.finalize().into()
}

fn node(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update([1u8]);
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

fn largest_power_of_two_below(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

mod hex_hash {
    use crate::ledger::EntryHash;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(hash: &EntryHash, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&hash.to_hex())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<EntryHash, D::Error> {
        let text = String::deserialize(deserializer)?;
        EntryHash::from_hex(&text).ok_or_else(|| serde::de::Error::custom(format!("not a 64-digit hex hash: {text}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(n: usize, salt: u8) -> Vec<Sealed> {
        (0..n)
            .map(|i| {
                let mut hash = [salt; 32];
                hash[..8].copy_from_slice(&(i as u64).to_be_bytes());
                Sealed { id: i as i64 + 1, hash: EntryHash(hash) }
            })
            .collect()
    }

    fn seal_of(year_entries: &[Sealed]) -> Seal {
        Seal::take(SealInput {
            community: "十里社区",
            year: 2025,
            round: 1,
            stage: Stage::Published,
            year_entries,
            chain_head: year_entries.last().copied(),
            rulebook_sha256: "ab",
            rating_sha256: "cd",
        })
    }

    #[test]
    fn the_merkle_root_follows_rfc_6962() {
        // Leaves and nodes are domain-separated; three leaves split 2 + 1.
        let hashes: Vec<EntryHash> = (1u8..=3).map(|b| EntryHash([b; 32])).collect();
        let (a, b, c) = (leaf(&hashes[0]), leaf(&hashes[1]), leaf(&hashes[2]));
        assert_eq!(merkle_root(&hashes), node(&node(&a, &b), &c));
        assert_eq!(merkle_root(&hashes[..1]), a);
        assert_eq!(hex::encode(merkle_root(&[])), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert_ne!(merkle_root(&hashes[..2]), merkle_root(&[hashes[1], hashes[0]]), "order counts");
    }

    #[test]
    fn a_seal_holds_against_the_same_entries() {
        let year = entries(1000, 7);
        let seal = seal_of(&year);
        assert_eq!(seal.checkpoints.iter().map(|c| c.id).collect::<Vec<_>>(), [256, 512, 768, 1000]);
        assert!(seal.differences(&seal_of(&year)).is_empty());
        assert_eq!(seal.short().len(), 19);
    }

    #[test]
    fn the_compact_form_fits_a_qr_code_and_still_catches_a_rewrite() {
        let year = entries(20_000, 7);
        let sealed = seal_of(&year);
        let compact = sealed.compact();
        let json = compact.to_json();
        assert!(json.len() < 600, "{} bytes: {json}", json.len());
        assert!(sealed.to_json().len() > 5_000, "the full form is many times larger");
        assert_eq!(compact.short, sealed.short(), "the scan carries the printed short form");
        // Read back as a seal (the short form is an extra field), it holds
        // against the same entries and catches a rewritten one.
        let read = Seal::from_json(&json).expect("the compact form is a seal document");
        assert!(read.checkpoints.is_empty());
        assert!(read.differences(&seal_of(&year)).is_empty());
        let mut rewritten = year.clone();
        rewritten[12_345].hash.0[0] ^= 1;
        assert_eq!(read.differences(&seal_of(&rewritten)), [Difference::Entries]);
    }

    #[test]
    fn a_rewrite_from_the_middle_is_located_between_checkpoints() {
        let year = entries(1000, 7);
        let sealed = seal_of(&year);
        // Entry 600 onward rewritten: every hash from there on differs.
        let mut rewritten = year.clone();
        for entry in rewritten.iter_mut().skip(599) {
            entry.hash.0[31] ^= 1;
        }
        let differences = sealed.differences(&seal_of(&rewritten));
        assert_eq!(differences[0], Difference::Rewritten { after: Some(512), by: 768 });
        assert!(differences[0].to_string().contains("after entry 512 up to entry 768"), "{}", differences[0]);
    }

    #[test]
    fn the_json_reads_back_and_names_what_is_wrong() {
        let seal = seal_of(&entries(3, 1));
        let json = seal.to_json();
        assert!(json.starts_with("{\"format\":1,\"community\":\"十里社区\",\"year\":2025"), "{json}");
        assert_eq!(Seal::from_json(&json).unwrap(), seal);
        let broken = json.replace(&seal.checkpoints[0].hash.to_hex(), "xyz");
        assert!(Seal::from_json(&broken).unwrap_err().contains("not a 64-digit hex hash"));
    }
}

/// The audit path of leaf `index` in the Merkle tree of `hashes` (RFC 6962
/// §2.1.1): the sibling subtrees' roots from the leaf up.
pub fn merkle_path(hashes: &[EntryHash], index: usize) -> Vec<[u8; 32]> {
    if hashes.len() <= 1 {
        return Vec::new();
    }
    let split = largest_power_of_two_below(hashes.len());
    let (mut path, sibling) = if index < split {
        (merkle_path(&hashes[..split], index), merkle_root(&hashes[split..]))
    } else {
        (merkle_path(&hashes[split..], index - split), merkle_root(&hashes[..split]))
    };
    path.push(sibling);
    path
}

/// The root a leaf and its audit path lead to in a tree of `size` leaves,
/// or none if the path does not fit the tree.
pub fn root_from_path(index: usize, size: usize, entry: &EntryHash, path: &[[u8; 32]]) -> Option<[u8; 32]> {
    if index >= size {
        return None;
    }
    if size == 1 {
        return path.is_empty().then(|| leaf(entry));
    }
    let split = largest_power_of_two_below(size);
    let (sibling, below) = path.split_last()?;
    if index < split {
        Some(node(&root_from_path(index, split, entry, below)?, sibling))
    } else {
        Some(node(sibling, &root_from_path(index - split, size - split, entry, below)?))
    }
}

/// A receipt: one entry's place in a sealed year, which its member or
/// household can check against the seal without our server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub format: u32,
    pub community: String,
    pub year: i16,
    /// The seal the receipt is for: its stage and short form.
    pub stage: Stage,
    pub seal: String,
    pub merkle_root: String,
    /// The sealed year's entries (the tree's size).
    pub tree_size: usize,
    /// The entry's position among them, from 0.
    pub index: usize,
    pub entry: Sealed,
    /// What the entry says, for the person reading the receipt.
    pub about: String,
    /// The audit path, hex, from the leaf up.
    pub path: Vec<String>,
}

impl Receipt {
    pub const FORMAT: u32 = 1;

    /// The receipt for `entry` of a seal taken over `year_entries` (the
    /// year's entries in chain order as they were sealed); none if the
    /// entry is not among them.
    pub fn for_entry(seal: &Seal, year_entries: &[Sealed], entry: i64, about: String) -> Option<Receipt> {
        let sealed = year_entries.get(..seal.entries)?;
        let index = sealed.iter().position(|e| e.id == entry)?;
        let hashes: Vec<EntryHash> = sealed.iter().map(|e| e.hash).collect();
        Some(Receipt {
            format: Receipt::FORMAT,
            community: seal.community.clone(),
            year: seal.year,
            stage: seal.stage,
            seal: seal.short(),
            merkle_root: seal.merkle_root.clone(),
            tree_size: seal.entries,
            index,
            entry: sealed[index],
            about,
            path: merkle_path(&hashes, index).iter().map(hex::encode).collect(),
        })
    }

    /// Whether the entry and its path lead to the receipt's root; and, if a
    /// seal is given, whether that root and size are the seal's.
    pub fn check(&self, seal: Option<&Seal>) -> Result<(), String> {
        let path: Vec<[u8; 32]> = self
            .path
            .iter()
            .map(|h| hex::decode(h).ok().and_then(|b| <[u8; 32]>::try_from(b).ok()))
            .collect::<Option<_>>()
            .ok_or("the receipt's path holds something that is not a hash")?;
        let root = root_from_path(self.index, self.tree_size, &self.entry.hash, &path)
            .ok_or("the receipt's path does not fit its tree")?;
        if hex::encode(root) != self.merkle_root {
            return Err(format!("entry {} and its path do not lead to the receipt's root", self.entry.id));
        }
        if let Some(seal) = seal
            && (seal.merkle_root != self.merkle_root || seal.entries != self.tree_size)
        {
            return Err(format!(
                "the receipt's root is not that of the {} seal of {} {} ({})",
                seal.stage.key(),
                seal.community,
                seal.year,
                seal.short()
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod receipts {
    use super::*;
    use proptest::prelude::*;

    fn hashes(n: usize) -> Vec<EntryHash> {
        (0..n as u32).map(|i| EntryHash(Sha256::digest(i.to_be_bytes()).into())).collect()
    }

    proptest! {
        /// Every leaf's path leads to the root, for every tree size; the
        /// same path with another leaf, or at another position, does not.
        #[test]
        fn every_path_leads_to_the_root(size in 1usize..70, pick in 0usize..70) {
            let all = hashes(size);
            let index = pick % size;
            let root = merkle_root(&all);
            let path = merkle_path(&all, index);
            prop_assert_eq!(root_from_path(index, size, &all[index], &path), Some(root));
            let other = EntryHash([0xee; 32]);
            prop_assert_ne!(root_from_path(index, size, &other, &path), Some(root));
            if size > 1 {
                let elsewhere = (index + 1) % size;
                prop_assert_ne!(root_from_path(elsewhere, size, &all[index], &path), Some(root));
            }
        }
    }
}
