//! What every handler shares: the store, the settings, and the rate limits.

use crate::limits::RateLimiter;
use crate::metrics::Metrics;
use starledger_app::clock::Clock;
use starledger_store::Store;
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct Config {
    /// The address households reach, printed in their QR codes,
    /// e.g. `https://dj.example.org`; no trailing slash.
    pub public_url: String,
    /// Mark cookies `Secure`: set when served behind HTTPS.
    pub secure_cookies: bool,
    /// Let a robot's URL be `http://127.0.0.1:PORT` (tests set it; a served
    /// application never does: robots post to their platforms' hosts only).
    pub allow_loopback_robots: bool,
    /// The bearer token a scraper must send to read `/metrics`; without
    /// one `/metrics` is not served (see `metrics.rs` and docs/security.md).
    pub metrics_token: Option<String>,
    /// How long personal data is kept: when a member who left may be
    /// pseudonymized, and what the server's retention job removes.
    pub retention: starledger_app::privacy::Retention,
}

pub struct Limits {
    /// Sign-in attempts per client address.
    pub login_by_ip: RateLimiter,
    /// Wrong passwords per account *and* address: five lock that pair for
    /// fifteen minutes, so the owner on their own phone still signs in
    /// while someone elsewhere guesses.
    pub login_failures: RateLimiter,
    /// Requests to one household link.
    pub rating_by_token: RateLimiter,
    /// Requests to household links from one client address.
    pub rating_by_ip: RateLimiter,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            login_by_ip: RateLimiter::new(20, Duration::from_secs(60)),
            login_failures: RateLimiter::new(
                crate::html::login::MAX_FAILURES as u32,
                Duration::from_secs(crate::html::login::LOCKOUT_SECONDS as u64),
            ),
            rating_by_token: RateLimiter::new(20, Duration::from_secs(600)),
            rating_by_ip: RateLimiter::new(120, Duration::from_secs(600)),
        }
    }
}

pub struct Inner {
    pub store: Store,
    pub config: Config,
    pub limits: Limits,
    pub clock: Clock,
    /// Years' ratings as the pages show them, kept per revision.
    pub ratings: starledger_app::standings::RatingCache,
    /// Years' figures for the charts, kept per revision beside the ratings.
    pub figures: starledger_app::figures::FiguresCache,
    /// What `/metrics` shows; the server's background jobs count into it too.
    pub metrics: Arc<Metrics>,
}

#[derive(Clone)]
pub struct AppState(pub Arc<Inner>);

impl AppState {
    pub fn new(store: Store, config: Config, limits: Limits) -> Self {
        AppState(Arc::new(Inner {
            store,
            config,
            limits,
            clock: starledger_app::clock::current(),
            ratings: Default::default(),
            figures: Default::default(),
            metrics: Default::default(),
        }))
    }

    /// The same application on another clock: tests state the day they run on.
    pub fn with_clock(self, clock: Clock) -> Self {
        let inner = Arc::try_unwrap(self.0).unwrap_or_else(|_| panic!("set the clock before sharing the state"));
        AppState(Arc::new(Inner { clock, ..inner }))
    }

    pub fn clock(&self) -> Clock {
        self.0.clock
    }

    pub fn store(&self) -> &Store {
        &self.0.store
    }

    pub fn config(&self) -> &Config {
        &self.0.config
    }

    pub fn limits(&self) -> &Limits {
        &self.0.limits
    }

    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.0.metrics
    }

    pub fn ratings(&self) -> &starledger_app::standings::RatingCache {
        &self.0.ratings
    }

    pub fn figures(&self) -> &starledger_app::figures::FiguresCache {
        &self.0.figures
    }
}
