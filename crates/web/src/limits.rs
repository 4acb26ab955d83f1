//! Rate limits kept in memory: a fixed window per key. Enough for one
//! server; what they protect (sign-in, household links) is also guarded in
//! the database (lockout, one rating per window).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct RateLimiter {
    limit: u32,
    window: Duration,
    counts: Mutex<HashMap<String, (Instant, u32)>>,
}

impl RateLimiter {
    pub fn new(limit: u32, window: Duration) -> Self {
        RateLimiter { limit, window, counts: Mutex::new(HashMap::new()) }
    }

    /// Counts one request for `key`; false once the key is past its limit.
    pub fn allow(&self, key: &str) -> bool {
        self.allow_at(key, Instant::now())
    }

    fn allow_at(&self, key: &str, now: Instant) -> bool {
        let Ok(mut counts) = self.counts.lock() else { return false };
        // Forget old windows now and then so the map stays small.
        if counts.len() > 10_000 {
            counts.retain(|_, (start, _)| now.duration_since(*start) < self.window);
        }
        let slot = counts.entry(key.to_string()).or_insert((now, 0));
        if now.duration_since(slot.0) >= self.window {
            *slot = (now, 0);
        }
        slot.1 += 1;
        slot.1 <= self.limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_limited_within_its_window_only() {
        let limiter = RateLimiter::new(3, Duration::from_secs(60));
        let start = Instant::now();
        assert!((0..3).all(|_| limiter.allow_at("a", start)));
        assert!(!limiter.allow_at("a", start));
        assert!(limiter.allow_at("b", start), "keys are counted apart");
        assert!(limiter.allow_at("a", start + Duration::from_secs(61)), "a new window");
    }
}
