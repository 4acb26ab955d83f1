//! Rate limits kept in memory: a fixed window per key. Enough for one
//! server; what they protect (sign-in, household links) is also guarded in
//! the database (one rating per window).
//!
//! Memory is bounded: a key is at most [`MAX_KEY_BYTES`] long (longer ones
//! are cut), and a limiter holds at most `max_keys` keys. When it is full of
//! keys whose windows are still running, a new key is refused rather than an
//! old one forgotten: forgetting would let a flood of new keys wipe the
//! counts (and the sign-in lockouts) of the keys under attack.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The longest key kept; callers pass addresses, account ids and household
/// tokens checked for their format, all far shorter.
pub const MAX_KEY_BYTES: usize = 128;

/// The most keys one limiter keeps by default (some megabytes at most).
pub const DEFAULT_MAX_KEYS: usize = 50_000;

/// What one request counts for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// The first request past the limit in this window: worth one audit row.
    FirstRefusal,
    /// Every later one: counted, not recorded one by one.
    Refused,
}

pub struct RateLimiter {
    limit: u32,
    window: Duration,
    max_keys: usize,
    counts: Mutex<HashMap<String, (Instant, u32)>>,
}

impl RateLimiter {
    pub fn new(limit: u32, window: Duration) -> Self {
        Self::bounded(limit, window, DEFAULT_MAX_KEYS)
    }

    pub fn bounded(limit: u32, window: Duration, max_keys: usize) -> Self {
        RateLimiter { limit, window, max_keys: max_keys.max(1), counts: Mutex::new(HashMap::new()) }
    }

    /// Counts one request for `key`; false once the key is past its limit.
    pub fn allow(&self, key: &str) -> bool {
        self.check(key) == Verdict::Allowed
    }

    /// Counts one request for `key` and says whether it may go on.
    pub fn check(&self, key: &str) -> Verdict {
        self.check_at(key, Instant::now())
    }

    /// How many requests `key` made in its running window, without counting one.
    pub fn count(&self, key: &str) -> u32 {
        let now = Instant::now();
        let Ok(counts) = self.counts.lock() else { return u32::MAX };
        counts.get(bounded_key(key)).filter(|(start, _)| now.duration_since(*start) < self.window).map_or(0, |s| s.1)
    }

    /// The requests a key may make in one window.
    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// How long until `key`'s window ends and it may ask again, in whole
    /// seconds rounded up (at least one): an answer's `Retry-After`.
    pub fn retry_after_secs(&self, key: &str) -> u64 {
        let now = Instant::now();
        let left = self.counts.lock().ok().and_then(|counts| {
            counts.get(bounded_key(key)).map(|(start, _)| self.window.saturating_sub(now.duration_since(*start)))
        });
        let left = left.unwrap_or(self.window);
        (left.as_millis().div_ceil(1000) as u64).max(1)
    }

    /// Forgets `key` (a successful sign-in clears its failures).
    pub fn clear(&self, key: &str) {
        if let Ok(mut counts) = self.counts.lock() {
            counts.remove(bounded_key(key));
        }
    }

    /// How many keys are kept now.
    pub fn len(&self) -> usize {
        self.counts.lock().map_or(0, |counts| counts.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn check_at(&self, key: &str, now: Instant) -> Verdict {
        let Ok(mut counts) = self.counts.lock() else { return Verdict::Refused };
        let key = bounded_key(key);
        if !counts.contains_key(key) && counts.len() >= self.max_keys {
            counts.retain(|_, (start, _)| now.duration_since(*start) < self.window);
            if counts.len() >= self.max_keys {
                return Verdict::Refused;
            }
        }
        let slot = counts.entry(key.to_string()).or_insert((now, 0));
        if now.duration_since(slot.0) >= self.window {
            *slot = (now, 0);
        }
        slot.1 = slot.1.saturating_add(1);
        match slot.1 {
            n if n <= self.limit => Verdict::Allowed,
            n if n == self.limit + 1 => Verdict::FirstRefusal,
            _ => Verdict::Refused,
        }
    }
}

fn bounded_key(key: &str) -> &str {
    if key.len() <= MAX_KEY_BYTES {
        return key;
    }
    let mut end = MAX_KEY_BYTES;
    while !key.is_char_boundary(end) {
        end -= 1;
    }
    &key[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_limited_within_its_window_only() {
        let limiter = RateLimiter::new(3, Duration::from_secs(60));
        let start = Instant::now();
        assert!((0..3).all(|_| limiter.check_at("a", start) == Verdict::Allowed));
        assert_eq!(limiter.check_at("a", start), Verdict::FirstRefusal);
        assert_eq!(limiter.check_at("a", start), Verdict::Refused);
        assert_eq!(limiter.check_at("b", start), Verdict::Allowed, "keys are counted apart");
        assert_eq!(limiter.check_at("a", start + Duration::from_secs(61)), Verdict::Allowed, "a new window");
    }

    #[test]
    fn retry_after_is_what_is_left_of_the_keys_window_rounded_up() {
        let limiter = RateLimiter::new(1, Duration::from_secs(60));
        assert_eq!(limiter.retry_after_secs("unseen"), 60, "a key not counted waits a whole window at most");
        limiter.check("a");
        let left = limiter.retry_after_secs("a");
        assert!((59..=60).contains(&left), "{left}");
        assert_eq!(limiter.limit(), 1);
    }

    /// Issue 17, item 4: a flood of distinct (and long) keys keeps at most
    /// `max_keys` short keys; the keys already counted keep their counts.
    #[test]
    fn memory_is_bounded_and_a_flood_wipes_no_count() {
        let limiter = RateLimiter::bounded(2, Duration::from_secs(60), 100);
        let start = Instant::now();
        for _ in 0..3 {
            limiter.check_at("victim", start);
        }
        for i in 0..10_000 {
            let key = format!("{i}-{}", "x".repeat(60_000));
            limiter.check_at(&key, start);
        }
        let kept = limiter.counts.lock().unwrap();
        assert!(kept.len() <= 100, "{} keys kept", kept.len());
        assert!(kept.keys().all(|k| k.len() <= MAX_KEY_BYTES), "no long key is kept");
        drop(kept);
        assert_eq!(limiter.check_at("victim", start), Verdict::Refused, "the victim's count survived the flood");
        assert_eq!(limiter.check_at("new", start), Verdict::Refused, "a full limiter refuses new keys");
        let later = start + Duration::from_secs(61);
        assert_eq!(limiter.check_at("new", later), Verdict::Allowed, "ended windows make room");
    }
}
