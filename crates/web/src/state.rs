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

/// The operational limits an operator sets: `starledger.toml`, the
/// environment or the command line (docs/operations.md lists each key with
/// its default). Rules of the method (objections per year, caps) are not
/// here: they belong to the rulebook and the domain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Sign-in attempts per client address per minute.
    pub sign_in_per_minute: u32,
    /// Requests to one household link per ten minutes.
    pub household_link_per_link: u32,
    /// Requests to household links from one client address per ten minutes.
    pub household_link_per_address: u32,
    /// API requests per personal token per minute.
    pub api_per_token_per_minute: u32,
    /// Failed API token authentications per client address per minute;
    /// past it the address is refused until its minute ends.
    pub api_failures_per_address_per_minute: u32,
    /// The largest photo (claim, integrity evidence) kept, in bytes.
    pub photo_max_bytes: usize,
    /// The largest roll file imported on the web, in bytes.
    pub import_max_bytes: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            sign_in_per_minute: 20,
            household_link_per_link: 20,
            household_link_per_address: 120,
            api_per_token_per_minute: 300,
            api_failures_per_address_per_minute: 20,
            photo_max_bytes: 8 * 1024 * 1024,
            import_max_bytes: 2 * 1024 * 1024,
        }
    }
}

impl Settings {
    /// The most a photo form's body may carry: a phone's unshrunk photo is
    /// read to its end (and dropped) so that the answer can keep what was
    /// typed; a body past this is cut off.
    pub fn photo_body_max_bytes(&self) -> usize {
        self.photo_max_bytes.saturating_mul(4)
    }

    /// The most an import form's body may carry: the file, and again as
    /// base64 on the confirm button.
    pub fn import_body_max_bytes(&self) -> usize {
        self.import_max_bytes.saturating_mul(2).saturating_add(64 * 1024)
    }
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
    /// API requests per personal token, keyed by the token's id (never
    /// its secret).
    pub api_by_token: RateLimiter,
    /// Failed API token authentications per client address: keyed by the
    /// address only, so guessed tokens cost no memory each.
    pub api_failures_by_ip: RateLimiter,
}

impl Limits {
    pub fn from_settings(settings: &Settings) -> Self {
        const MINUTE: Duration = Duration::from_secs(60);
        const TEN_MINUTES: Duration = Duration::from_secs(600);
        Limits {
            login_by_ip: RateLimiter::new(settings.sign_in_per_minute, MINUTE),
            login_failures: RateLimiter::new(
                crate::html::login::MAX_FAILURES as u32,
                Duration::from_secs(crate::html::login::LOCKOUT_SECONDS as u64),
            ),
            rating_by_token: RateLimiter::new(settings.household_link_per_link, TEN_MINUTES),
            rating_by_ip: RateLimiter::new(settings.household_link_per_address, TEN_MINUTES),
            api_by_token: RateLimiter::new(settings.api_per_token_per_minute, MINUTE),
            api_failures_by_ip: RateLimiter::new(settings.api_failures_per_address_per_minute, MINUTE),
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::from_settings(&Settings::default())
    }
}

pub struct Inner {
    pub store: Store,
    pub config: Config,
    pub limits: Limits,
    pub settings: Settings,
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
        AppState::with_limits(store, config, Settings::default(), limits)
    }

    /// The application with an operator's settings, its rate limits built
    /// from them.
    pub fn configured(store: Store, config: Config, settings: Settings) -> Self {
        let limits = Limits::from_settings(&settings);
        AppState::with_limits(store, config, settings, limits)
    }

    fn with_limits(store: Store, config: Config, settings: Settings, limits: Limits) -> Self {
        AppState(Arc::new(Inner {
            store,
            config,
            limits,
            settings,
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

    pub fn settings(&self) -> &Settings {
        &self.0.settings
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
