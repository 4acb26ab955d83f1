//! Idempotency as a property: whatever sequence of writes arrives, with
//! events repeated under their key (a double tap, a retried request, two
//! organizers confirming the same service), in one transaction or in many,
//! each key is written once and the chain stays whole; a key reused for a
//! different event is refused and writes nothing.

mod support;

use jiff::civil::date;
use proptest::prelude::*;
use starledger_domain::ledger::{Actor, EntryDraft};
use starledger_domain::org::{AccountId, CommunityId, MemberId, PersonName, Year};
use starledger_domain::points::Points;
use starledger_domain::rulebook::{DEFAULT_RULEBOOK, Rulebook};
use starledger_store::{Appended, LedgerQueries, NewMember};
use std::collections::BTreeMap;
use support::Backing;

/// One write: which of six events, whether it reuses the event's key for
/// something else (different points), and whether the transaction commits
/// after it.
type Write = (u8, bool, bool);

fn draft(community: CommunityId, member: MemberId, key: u8, tenths: i64, n: usize) -> EntryDraft {
    EntryDraft {
        community_id: community,
        year: 2025,
        member_id: member,
        category: "volunteer".into(),
        rule_key: "volunteer.cleanup".into(),
        rulebook_version: "2026.1".into(),
        points: Points::from_tenths(tenths),
        reason: format!("write {n}"),
        source_kind: "activity".into(),
        source_ref: format!("activity:{key}"),
        recorded_by: Actor::Account(AccountId::new(1)),
        recorded_at: 1_740_000_000 + n as i64,
        occurred_on: date(2025, 5, 1),
        idempotency_key: format!("key-{key}"),
        reverses: None,
    }
}

async fn run(writes: Vec<Write>) -> Result<(), TestCaseError> {
    let backing = Backing::sqlite();
    let store = backing.create().await;
    let mut tx = store.write().await.unwrap();
    let community = tx.create_community("十里社区").await.unwrap();
    let branch = tx.add_branch(community, "第一党支部").await.unwrap();
    let mut members = Vec::new();
    for n in 0..3 {
        members.push(
            tx.add_member(&NewMember {
                community_id: community,
                branch_id: branch,
                party_group_id: None,
                name: PersonName::parse(&format!("党员{n}")).unwrap(),
                phone: None,
                probationary: false,
                post: None,
                linking_exempt_reason: None,
                joined_on: Some(date(2010, 1, 1)),
                left_on: None,
                note: None,
            })
            .await
            .unwrap(),
        );
    }
    let rulebook = Rulebook::default_rulebook();
    tx.open_period(community, Year::new(2025).unwrap(), DEFAULT_RULEBOOK, &rulebook, "test").await.unwrap();
    tx.commit().await.unwrap();

    // Event k is member k % 3's, worth 5 + k tenths, under key k.
    let event = |k: u8| (members[usize::from(k) % 3], 5 + i64::from(k));
    let mut written: BTreeMap<String, (MemberId, i64)> = BTreeMap::new();
    let mut tx = store.write().await.unwrap();
    for (n, (k, reuse, commit)) in writes.into_iter().enumerate() {
        let (member, tenths) = event(k);
        let key = format!("key-{k}");
        if reuse && written.contains_key(&key) {
            // The same key for another event, alone in its transaction,
            // which the refusal leaves to be rolled back.
            tx.commit().await.unwrap();
            let mut alone = store.write().await.unwrap();
            let refused = alone.append_entry(draft(community, member, k, tenths + 1, n)).await;
            prop_assert!(refused.is_err(), "a key reused for another event is refused: {:?}", refused.is_ok());
            drop(alone);
            tx = store.write().await.unwrap();
            continue;
        }
        let appended = tx.append_entry(draft(community, member, k, tenths, n)).await.unwrap();
        match (&appended, written.contains_key(&key)) {
            (Appended::New(_), false) => {
                written.insert(key, (member, tenths));
            }
            (Appended::Duplicate(_), true) => {}
            (Appended::New(_), true) => prop_assert!(false, "{key} written twice"),
            (Appended::Duplicate(_), false) => prop_assert!(false, "{key} refused as a duplicate at its first write"),
        }
        if commit {
            tx.commit().await.unwrap();
            tx = store.write().await.unwrap();
        }
    }
    tx.commit().await.unwrap();

    let mut reader = store.read().await.unwrap();
    let mut kept: BTreeMap<String, (MemberId, i64)> = BTreeMap::new();
    for member in &members {
        for entry in reader.member_entries(community, *member, Year::new(2025).unwrap()).await.unwrap() {
            let draft = &entry.draft;
            let previous = kept.insert(draft.idempotency_key.clone(), (draft.member_id, draft.points.tenths()));
            prop_assert!(previous.is_none(), "{} kept twice", draft.idempotency_key);
        }
    }
    prop_assert_eq!(kept, written, "each key once, as its event says");
    let report = reader.verify(community).await.unwrap();
    prop_assert!(report.is_intact(), "{:?}", report);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]
    #[test]
    fn each_key_is_written_once_whatever_the_sequence(
        writes in proptest::collection::vec((0u8..6, proptest::bool::weighted(0.2), any::<bool>()), 1..40),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(run(writes))?;
    }
}
