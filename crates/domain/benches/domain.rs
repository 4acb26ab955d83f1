//! Benchmarks of the two computations that grow with a community's ledger,
//! each beside a baseline measured in the same run:
//!
//! - the star rating of a demo-sized year (216 members, ~20,000 entries)
//!   beside the least any rating must do: summing points per member;
//! - verifying a hash chain of 41,000 entries beside hashing the same
//!   number of same-sized buffers with SHA-256 alone.
//!
//! Run: `cargo bench -p starledger-domain --bench domain`

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::civil::date;
use sha2::{Digest, Sha256};
use starledger_domain::ledger::{Actor, Entry, EntryDraft, EntryHash, seal, verify_chain};
use starledger_domain::org::{AccountId, BranchId, CommunityId, LinkingDuty, Member, MemberId, PersonName, Year};
use starledger_domain::points::Points;
use starledger_domain::rating::{Scored, rate};
use starledger_domain::rulebook::Rulebook;
use std::collections::HashMap;
use std::hint::black_box;

const CATEGORIES: [&str; 5] = ["study", "household", "volunteer", "ethics", "review"];

/// A small deterministic generator, so every run measures the same data.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn members(count: i64, rng: &mut SplitMix) -> Vec<Member> {
    (1..=count)
        .map(|id| Member {
            id: MemberId::new(id),
            community_id: CommunityId::new(1),
            branch_id: BranchId::new(1 + id % 6),
            branch: format!("第{}党支部", 1 + id % 6),
            party_group_id: None,
            name: PersonName::parse(&format!("党员{id}")).unwrap(),
            phone: None,
            probationary: rng.below(40) == 0,
            linking: if rng.below(10) == 0 { LinkingDuty::Exempt("年老体弱".into()) } else { LinkingDuty::Linked },
            joined_on: Some(date(1990 + rng.below(30) as i16, 1, 1)),
            left_on: None,
        })
        .collect()
}

fn scored(members: i64, entries: usize, rng: &mut SplitMix) -> Vec<Scored> {
    (0..entries)
        .map(|_| {
            let category = CATEGORIES[rng.below(5) as usize];
            Scored {
                member_id: MemberId::new(1 + rng.below(members as u64) as i64),
                category: category.into(),
                rule_key: format!("{category}.rule"),
                points: Points::from_tenths(rng.below(30) as i64 - 5),
            }
        })
        .collect()
}

fn bench_rating(c: &mut Criterion) {
    let mut rng = SplitMix(2015);
    let rulebook = Rulebook::default_rulebook();
    let members = members(216, &mut rng);
    let entries = scored(216, 20_500, &mut rng);
    let year = Year::new(2025).unwrap();
    let mut group = c.benchmark_group("rating_216_members_20500_entries");
    group.bench_function("baseline_sum_per_member", |b| {
        b.iter(|| {
            let mut totals: HashMap<MemberId, Points> = HashMap::new();
            for entry in black_box(&entries) {
                *totals.entry(entry.member_id).or_default() += entry.points;
            }
            totals
        })
    });
    group.bench_function("rate", |b| b.iter(|| rate(year, &rulebook, black_box(&members), black_box(&entries))));
    group.finish();
}

fn chain(count: usize) -> Vec<Entry> {
    let mut prev = EntryHash::GENESIS;
    (0..count)
        .map(|n| {
            let draft = EntryDraft {
                community_id: CommunityId::new(1),
                year: 2025,
                member_id: MemberId::new((n % 216) as i64),
                category: "study".into(),
                rule_key: "meeting.theme_day".into(),
                rulebook_version: "2025.1".into(),
                points: Points::whole(1),
                reason: "参加主题党日".into(),
                source_kind: "attendance".into(),
                source_ref: format!("meeting:1:theme:{n}"),
                recorded_by: Actor::Account(AccountId::new(3)),
                recorded_at: 1_740_000_000 + n as i64,
                occurred_on: date(2025, 3, 8),
                idempotency_key: format!("demo:2025:{n}"),
                reverses: None,
            };
            let entry = seal(n as i64 + 1, draft, prev);
            prev = entry.hash;
            entry
        })
        .collect()
}

fn bench_chain(c: &mut Criterion) {
    let entries = chain(41_000);
    // The same amount of hashing, without the chain's field encoding.
    let buffers: Vec<Vec<u8>> = (0..entries.len()).map(|n| vec![n as u8; 260]).collect();
    let mut group = c.benchmark_group("verify_41000_entries");
    group.sample_size(20);
    group.bench_function("baseline_sha256_of_same_size_buffers", |b| {
        b.iter(|| buffers.iter().map(|buffer| Sha256::digest(black_box(buffer))[0]).fold(0u8, u8::wrapping_add))
    });
    group.bench_function("verify_chain", |b| b.iter(|| verify_chain(black_box(&entries)).unwrap()));
    group.finish();
}

criterion_group!(benches, bench_rating, bench_chain);
criterion_main!(benches);
