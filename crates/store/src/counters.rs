//! What this process has written, counted as it commits, for the server's
//! `/metrics`: cheaper than asking the database at every scrape, and exact
//! for this process (a scrape adds up every server's counters).

use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Default)]
pub struct Counters {
    ledger_entries_written: AtomicU64,
}

impl Counters {
    /// Ledger entries appended by committed transactions of this store
    /// (retries that found their entry already written are not counted).
    pub fn ledger_entries_written(&self) -> u64 {
        self.ledger_entries_written.load(Ordering::Relaxed)
    }

    pub(crate) fn add_ledger_entries(&self, n: u64) {
        self.ledger_entries_written.fetch_add(n, Ordering::Relaxed);
    }
}
