//! What naming times in PostgreSQL's spelling costs SQLite: every query
//! that binds or reads a time has its four wrappers dropped before it is
//! prepared (`store/src/times.rs`). Measured on the ledger's insert (one
//! time among eighteen columns) and the longest read (four times), beside
//! two baselines in the same run: the text as written (what PostgreSQL
//! gets: borrowed, no work) and a plain copy of it (one allocation).
//!
//! `cargo bench -p starledger-store --bench times`

use criterion::{Criterion, criterion_group, criterion_main};
use starledger_store::Backend;
use std::hint::black_box;

const INSERT_ENTRY: &str = "INSERT INTO ledger_entries (id, community_id, year, member_id, category, rule_key, \
     rulebook_version, points_tenths, reason, source_kind, source_ref, recorded_by, recorded_at, occurred_on, \
     idempotency_key, reverses_entry_id, prev_hash, hash) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, to_timestamp($13), date($14), $15, $16, $17, $18) \
     ON CONFLICT (community_id, idempotency_key) DO NOTHING";

const READ_TOKENS: &str = "SELECT a.id, a.community_id, a.region_id, a.login, a.name, a.role, a.member_id, \
     a.branch_id, t.id AS token_id, t.name AS token_name, t.scopes, unix_seconds(t.created_at) AS created_at, \
     unix_seconds(t.expires_at) AS expires_at, unix_seconds(t.revoked_at) AS revoked_at, \
     unix_seconds(t.last_used_at) AS last_used_at \
     FROM api_tokens t JOIN accounts a ON a.id = t.account_id \
     WHERE t.secret_sha256 = $1 AND t.revoked_at IS NULL AND t.expires_at > to_timestamp($2) \
     AND a.disabled_at IS NULL";

fn query_text(c: &mut Criterion) {
    for (name, text) in [("insert an entry", INSERT_ENTRY), ("read a token", READ_TOKENS)] {
        let mut group = c.benchmark_group(format!("query text: {name}"));
        group.bench_function("as written (PostgreSQL)", |b| {
            b.iter(|| black_box(Backend::Postgres.sql(black_box(text))))
        });
        group.bench_function("copied (baseline)", |b| b.iter(|| black_box(black_box(text).to_owned())));
        group.bench_function("wrappers dropped (SQLite)", |b| {
            b.iter(|| black_box(Backend::Sqlite.sql(black_box(text))))
        });
        group.finish();
    }
}

criterion_group!(benches, query_text);
criterion_main!(benches);
