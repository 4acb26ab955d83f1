//! One journey through the whole store: the roll, a period with its frozen
//! rulebook, entries appended in chain order, a retried write, a reversal,
//! the caps' view of what was gained, and verification that catches a
//! change made behind the store's back.

mod support;

use jiff::civil::date;
use sqlx::Connection;
use starledger_domain::ledger::{Actor, EntryDraft};
use starledger_domain::org::{AccountId, BranchId, CommunityId, MemberId, PersonName, Year};
use starledger_domain::points::Points;
use starledger_domain::rulebook::{DEFAULT_RULEBOOK, Rulebook};
use starledger_store::{Appended, LedgerQueries, NewHousehold, NewMember, OpenMode, OrgQueries, Store, StoreError};
use std::time::Duration;
use support::Backing;

fn draft(
    community: CommunityId,
    member: MemberId,
    rule: &str,
    tenths: i64,
    key: &str,
    on: jiff::civil::Date,
) -> EntryDraft {
    EntryDraft {
        community_id: community,
        year: 2025,
        member_id: member,
        category: "study".into(),
        rule_key: rule.into(),
        rulebook_version: "2025.1".into(),
        points: Points::from_tenths(tenths),
        reason: "参加党小组会".into(),
        source_kind: "attendance".into(),
        source_ref: "meeting:1".into(),
        recorded_by: Actor::Account(AccountId::new(1)),
        recorded_at: 1_740_000_000,
        occurred_on: on,
        idempotency_key: key.into(),
        reverses: None,
    }
}

/// A member of `branch` without a post, on the roll with no dates.
fn member_of(community: CommunityId, branch: BranchId, name: &str) -> NewMember {
    NewMember {
        community_id: community,
        branch_id: branch,
        party_group_id: None,
        name: PersonName::parse(name).unwrap(),
        phone: None,
        probationary: false,
        post: None,
        linking_exempt_reason: None,
        joined_on: None,
        left_on: None,
        note: None,
    }
}

on_both!(a_year_in_the_store, a_year_in_sqlite, a_year_in_postgres);

async fn a_year_in_the_store(backing: Backing) {
    let timeout = Duration::from_millis(500);
    let target = backing.target();
    assert!(matches!(Store::connect(&target, OpenMode::Existing, timeout).await, Err(StoreError::Missing(_))));
    let store = Store::connect(&target, OpenMode::CreateNew, timeout).await.unwrap();

    // The roll.
    let mut tx = store.write().await.unwrap();
    let community = tx.create_community("十里社区").await.unwrap();
    let branch = tx.add_branch(community, "第一党支部").await.unwrap();
    assert!(matches!(tx.add_branch(community, "第一党支部").await, Err(StoreError::Conflict(_))));
    let member = tx
        .add_member(&NewMember { joined_on: Some(date(2010, 7, 1)), ..member_of(community, branch, "梁小改") })
        .await
        .unwrap();
    tx.add_account(&support::secretary(community)).await.unwrap();
    let household = tx
        .add_household(&NewHousehold {
            community_id: community,
            address: "东街1号".into(),
            head_name: None,
            phone: None,
        })
        .await
        .unwrap();
    tx.link_household(community, household, member, date(2025, 1, 2), "account:1").await.unwrap();
    let rulebook = Rulebook::default_rulebook();
    let year = Year::new(2025).unwrap();
    tx.open_period(community, year, DEFAULT_RULEBOOK, &rulebook, "account:1").await.unwrap();
    tx.commit().await.unwrap();

    // A transaction dropped without commit writes nothing.
    {
        let mut tx = store.write().await.unwrap();
        tx.add_branch(community, "第二党支部").await.unwrap();
    }
    let mut reader = store.read().await.unwrap();
    assert_eq!(reader.branches(community).await.unwrap().len(), 1);
    assert_eq!(reader.link_counts(community).await.unwrap().get(&member), Some(&1));
    assert_eq!(reader.period(community, year).await.unwrap().unwrap().rulebook, rulebook);
    drop(reader);

    // Entries, a retry, a reversal.
    let mut tx = store.write().await.unwrap();
    let first =
        match tx.append_entry(draft(community, member, "meeting.group", 10, "k1", date(2025, 3, 15))).await.unwrap() {
            Appended::New(entry) => entry,
            Appended::Duplicate(_) => panic!("first write is new"),
        };
    assert!(matches!(
        tx.append_entry(draft(community, member, "meeting.group", 10, "k1", date(2025, 3, 15))).await.unwrap(),
        Appended::Duplicate(id) if id == first.id
    ));
    let second =
        match tx.append_entry(draft(community, member, "meeting.group", 10, "k2", date(2025, 4, 15))).await.unwrap() {
            Appended::New(entry) => entry.id,
            Appended::Duplicate(_) => panic!("a new key"),
        };
    let reversal = EntryDraft::reversal_of(
        &first,
        "录入错误".into(),
        Actor::Account(AccountId::new(1)),
        1_740_000_100,
        first.draft.occurred_on,
    );
    // On PostgreSQL ids come from a sequence, so the retry above used one up:
    // ids rise, not necessarily by one.
    let reversal_id = match tx.append_entry(reversal.clone()).await.unwrap() {
        Appended::New(entry) => entry.id,
        Appended::Duplicate(_) => panic!("the reversal is new"),
    };
    assert!(reversal_id > first.id);
    tx.commit().await.unwrap();

    let mut reader = store.read().await.unwrap();
    let gained = reader.gained_so_far(community, member, "meeting.group", "study", date(2025, 3, 1)).await.unwrap();
    assert_eq!(gained.rule_in_month, Points::ZERO, "the reversal nets March to zero");
    assert_eq!(gained.rule_in_year, Points::whole(1));
    assert_eq!(reader.reversal_of(community, first.id).await.unwrap(), Some(reversal_id));
    let scored = reader.year_scored(community, year).await.unwrap();
    assert_eq!(scored.iter().map(|s| s.points).sum::<Points>(), Points::whole(1));
    let report = reader.verify(community).await.unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.entries_checked, 3);
    drop(reader);

    // A second reversal of the same entry is refused by the database itself.
    let mut tx = store.write().await.unwrap();
    let mut again = reversal;
    again.idempotency_key = "another-key".into();
    assert!(matches!(tx.append_entry(again).await, Err(StoreError::Conflict(_))));
    // A key reused for a different event is refused, not taken as a retry.
    let reused = draft(community, member, "meeting.lecture", 20, "k2", date(2025, 4, 20));
    assert!(matches!(tx.append_entry(reused).await, Err(StoreError::Conflict(m)) if m.contains("different event")));
    drop(tx);
    store.close().await;

    // Behind the store's back: the ledger refuses edits while its triggers
    // stand, and verification catches an edit made after dropping them.
    let mut raw = backing.raw().await;
    let edit = format!("UPDATE ledger_entries SET points_tenths = 50 WHERE id = {second}");
    let refused = sqlx::query(&edit).execute(&mut raw).await;
    assert!(refused.unwrap_err().to_string().contains("append-only"));
    let delete = format!("DELETE FROM ledger_entries WHERE id = {second}");
    let refused = sqlx::query(&delete).execute(&mut raw).await;
    assert!(refused.unwrap_err().to_string().contains("append-only"));
    let frozen = sqlx::query("UPDATE periods SET rulebook_toml = 'x'").execute(&mut raw).await;
    assert!(frozen.unwrap_err().to_string().contains("opened with"));
    sqlx::query(&backing.drop_trigger("ledger_entries_no_update", "ledger_entries")).execute(&mut raw).await.unwrap();
    sqlx::query(&edit).execute(&mut raw).await.unwrap();
    raw.close().await.unwrap();

    // Reopening runs migrations again, harmlessly, and finds the change.
    let store = Store::connect(&target, OpenMode::Existing, timeout).await.unwrap();
    let report = store.snapshot().await.unwrap().verify(community).await.unwrap();
    assert_eq!(report.chain_break.map(|b| b.entry_id()), Some(second));
    store.close().await;
    assert!(matches!(Store::connect(&target, OpenMode::CreateNew, timeout).await, Err(StoreError::AlreadyExists(_))));
}

on_both!(a_projection_edited_alone_is_caught, projection_in_sqlite, projection_in_postgres);

async fn a_projection_edited_alone_is_caught(backing: Backing) {
    let store = backing.create().await;
    let mut tx = store.write().await.unwrap();
    let (community, member) = one_member_in_2025(&mut tx).await;
    tx.append_entry(draft(community, member, "meeting.group", 10, "k1", date(2025, 3, 15))).await.unwrap();
    tx.commit().await.unwrap();
    store.close().await;

    let mut raw = backing.raw().await;
    sqlx::query("UPDATE member_rule_totals SET points_tenths = 990").execute(&mut raw).await.unwrap();
    raw.close().await.unwrap();

    let store = backing.open().await;
    let report = store.snapshot().await.unwrap().verify(community).await.unwrap();
    assert!(report.chain_break.is_none());
    assert_eq!(report.projection_mismatches.len(), 1);
    assert_eq!(report.projection_mismatches[0].stored, Some(Points::from_tenths(990)));
    assert_eq!(report.projection_mismatches[0].recomputed, Some(Points::whole(1)));
}

on_both!(a_month_cap_counts_its_own_month, month_edges_in_sqlite, month_edges_in_postgres);

/// The month a monthly cap counts is the calendar month of the entry,
/// edges included: the last day of November is not December's, the first
/// and last of December are, and a December's month ends with its year.
async fn a_month_cap_counts_its_own_month(backing: Backing) {
    let store = backing.create().await;
    let mut tx = store.write().await.unwrap();
    let (community, member) = one_member_in_2025(&mut tx).await;
    for (key, tenths, on) in [
        ("oct", 1, date(2025, 10, 1)),
        ("nov", 10, date(2025, 11, 30)),
        ("dec-first", 100, date(2025, 12, 1)),
        ("dec-last", 1000, date(2025, 12, 31)),
    ] {
        tx.append_entry(draft(community, member, "meeting.group", tenths, key, on)).await.unwrap();
    }
    tx.commit().await.unwrap();
    let mut reader = store.read().await.unwrap();
    for (on, tenths) in
        [(date(2025, 10, 31), 1), (date(2025, 11, 1), 10), (date(2025, 12, 15), 1100), (date(2025, 9, 30), 0)]
    {
        let gained = reader.gained_so_far(community, member, "meeting.group", "study", on).await.unwrap();
        assert_eq!(gained.rule_in_month.tenths(), tenths, "the month of {on}");
    }
}

on_both!(
    verify_reads_one_snapshot_while_a_writer_appends,
    verify_while_writing_in_sqlite,
    verify_while_writing_in_postgres
);

/// `ledger verify` on a live database: a writer appends entries (each with
/// its projection row, in one transaction) while verification runs again and
/// again. Entries and stored totals read in separate statements would
/// disagree whenever a write lands between them; one snapshot never does.
async fn verify_reads_one_snapshot_while_a_writer_appends(backing: Backing) {
    let store = backing.create().await;
    let mut tx = store.write().await.unwrap();
    let community = tx.create_community("十里社区").await.unwrap();
    let branch = tx.add_branch(community, "第一党支部").await.unwrap();
    let mut members = Vec::new();
    for n in 0..40 {
        members.push(tx.add_member(&member_of(community, branch, &format!("党员{n}"))).await.unwrap());
    }
    tx.open_period(community, Year::new(2025).unwrap(), DEFAULT_RULEBOOK, &Rulebook::default_rulebook(), "t")
        .await
        .unwrap();
    for n in 0..200 {
        let member = members[n % members.len()];
        tx.append_entry(draft(community, member, "meeting.group", 10, &format!("seed{n}"), date(2025, 3, 15)))
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();

    let writer_store = store.clone();
    let writer = tokio::spawn(async move {
        for n in 0..150usize {
            let mut tx = writer_store.write().await.unwrap();
            let member = members[n % members.len()];
            let on = date(2025, 4, 1 + (n % 28) as i8);
            tx.append_entry(draft(community, member, "study.theory", 10, &format!("live{n}"), on)).await.unwrap();
            tx.commit().await.unwrap();
            tokio::task::yield_now().await;
        }
    });
    let mut failures = Vec::new();
    let mut runs = 0;
    while !writer.is_finished() {
        let report = store.snapshot().await.unwrap().verify(community).await.unwrap();
        runs += 1;
        if !report.is_intact() {
            failures.push(report);
        }
    }
    writer.await.unwrap();
    assert!(runs > 0);
    assert!(failures.is_empty(), "{} of {runs} runs reported a false failure: {:?}", failures.len(), failures.first());
    let last = store.snapshot().await.unwrap().verify(community).await.unwrap();
    assert!(last.is_intact() && last.entries_checked == 350, "{last:?}");
}

on_both!(the_revision_follows_what_a_rating_reads, revision_in_sqlite, revision_in_postgres);

/// Pages keep a computed rating while the community's revision holds, so
/// the revision must move with every change to what a rating is computed
/// from, in that community only; and the year's totals it is computed from
/// must be the ledger's sums, reversals included.
async fn the_revision_follows_what_a_rating_reads(backing: Backing) {
    let store = backing.create().await;
    let revision = |community: CommunityId| {
        let store = store.clone();
        async move { store.read().await.unwrap().revision(community).await.unwrap() }
    };
    let mut tx = store.write().await.unwrap();
    let community = tx.create_community("十里社区").await.unwrap();
    let neighbour = tx.create_community("五里社区").await.unwrap();
    let branch = tx.add_branch(community, "第一党支部").await.unwrap();
    let member = tx.add_member(&member_of(community, branch, "胡国强")).await.unwrap();
    let year = Year::new(2025).unwrap();
    tx.open_period(community, year, DEFAULT_RULEBOOK, &Rulebook::default_rulebook(), "t").await.unwrap();
    tx.commit().await.unwrap();

    let mut seen = vec![revision(community).await];
    let neighbours = revision(neighbour).await;
    let changed = |label: &str, now: i64, seen: &mut Vec<i64>| {
        assert!(!seen.contains(&now), "{label} moves the revision ({seen:?}, now {now})");
        seen.push(now);
    };

    let mut tx = store.write().await.unwrap();
    let first = match tx.append_entry(draft(community, member, "meeting.group", 10, "k1", date(2025, 3, 15))).await {
        Ok(Appended::New(entry)) => entry.id,
        other => panic!("{other:?}"),
    };
    tx.commit().await.unwrap();
    changed("an entry", revision(community).await, &mut seen);

    let mut tx = store.write().await.unwrap();
    let mut reversal = draft(community, member, "meeting.group", -10, "k1-reversed", date(2025, 3, 16));
    reversal.reverses = Some(first);
    tx.append_entry(reversal).await.unwrap();
    tx.append_entry(draft(community, member, "meeting.party_class", 20, "k2", date(2025, 4, 1))).await.unwrap();
    tx.commit().await.unwrap();
    changed("a reversal", revision(community).await, &mut seen);

    let mut tx = store.write().await.unwrap();
    tx.update_member(member, &member_of(community, branch, "胡国杰")).await.unwrap();
    tx.commit().await.unwrap();
    changed("a member's change", revision(community).await, &mut seen);

    let mut raw = backing.raw().await;
    sqlx::query("UPDATE branches SET name = '东风党支部'").execute(&mut raw).await.unwrap();
    raw.close().await.unwrap();
    changed("a branch renamed behind the store's back", revision(community).await, &mut seen);

    // Households are not what a rating reads; the neighbour saw none of it.
    let unchanged = revision(community).await;
    let mut tx = store.write().await.unwrap();
    tx.add_household(&NewHousehold {
        community_id: community,
        address: "东街1号".into(),
        head_name: None,
        phone: None,
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(revision(community).await, unchanged, "a household does not move the revision");
    assert_eq!(revision(neighbour).await, neighbours, "another community's revision stays");

    let scored = store.read().await.unwrap().year_scored(community, year).await.unwrap();
    let sums: Vec<(&str, Points)> = scored.iter().map(|s| (s.rule_key.as_str(), s.points)).collect();
    assert_eq!(sums, [("meeting.group", Points::ZERO), ("meeting.party_class", Points::whole(2))]);
}

on_both!(verify_reads_the_ledger_a_page_at_a_time, paged_verify_in_sqlite, paged_verify_in_postgres);

/// `ledger verify` reads a community's entries a page at a time; the chain
/// carries over each page's edge, and an edit past the first page is found.
async fn verify_reads_the_ledger_a_page_at_a_time(backing: Backing) {
    let store = backing.create().await;
    let mut tx = store.write().await.unwrap();
    let (community, member) = one_member_in_2025(&mut tx).await;
    let mut ids = Vec::new();
    for n in 1..=7 {
        let on = date(2025, 3, n);
        match tx.append_entry(draft(community, member, "meeting.group", 10, &format!("k{n}"), on)).await.unwrap() {
            Appended::New(entry) => ids.push(entry.id),
            Appended::Duplicate(_) => panic!("a new key"),
        }
    }
    tx.commit().await.unwrap();
    for page in [1, 3, 7, 100] {
        let report = store.snapshot().await.unwrap().verify_in_pages(community, page).await.unwrap();
        assert!(report.is_intact(), "pages of {page}: {report:?}");
        assert_eq!(report.entries_checked, 7, "pages of {page}");
    }
    store.close().await;

    // The fifth entry, on the second page of three, edited behind the store's back.
    let mut raw = backing.raw().await;
    sqlx::query(&backing.drop_trigger("ledger_entries_no_update", "ledger_entries")).execute(&mut raw).await.unwrap();
    sqlx::query(&format!("UPDATE ledger_entries SET points_tenths = 20 WHERE id = {}", ids[4]))
        .execute(&mut raw)
        .await
        .unwrap();
    raw.close().await.unwrap();
    let store = backing.open().await;
    let report = store.snapshot().await.unwrap().verify_in_pages(community, 3).await.unwrap();
    assert_eq!(report.chain_break.map(|b| b.entry_id()), Some(ids[4]));
    assert_eq!(report.entries_checked, 4, "the four entries before it are intact");
}

/// A community with one member, 胡国强, and 2025 open.
async fn one_member_in_2025(tx: &mut starledger_store::WriteTx) -> (CommunityId, MemberId) {
    let community = tx.create_community("十里社区").await.unwrap();
    let branch = tx.add_branch(community, "第一党支部").await.unwrap();
    let member = tx.add_member(&member_of(community, branch, "胡国强")).await.unwrap();
    tx.open_period(community, Year::new(2025).unwrap(), DEFAULT_RULEBOOK, &Rulebook::default_rulebook(), "t")
        .await
        .unwrap();
    (community, member)
}
