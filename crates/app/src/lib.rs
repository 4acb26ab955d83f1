//! The use cases of starledger, written once: who is acting, may they, what
//! is written. Pages and the command line parse their input, call a use case
//! here with the acting account and one write transaction, and render what
//! it answers; they never decide. Every duty and recusal check is about the
//! person behind the account (`duty::acting_person`), not the login.
//!
//! The time comes from [`clock`]: the system's in production, a stated day
//! in tests.

pub mod accounts;
pub mod activities;
pub mod anomalies;
pub mod api_tokens;
pub mod attendance_import;
pub mod ballots;
pub mod claims;
pub mod clock;
pub mod error;
pub mod exports;
pub mod figures;
pub mod household_links;
pub mod household_origins;
pub mod households;
pub mod integrity;
pub mod ledger;
pub mod meetings;
pub mod objections;
pub mod opening;
pub mod paper_forms;
pub mod passwords;
pub mod personal_data;
pub mod print;
pub mod privacy;
pub mod rating;
pub mod record;
pub mod recording;
pub mod robots;
pub mod roll;
pub mod roll_import;
pub mod seals;
pub mod secrets;
pub mod standings;
pub mod study_import;
pub mod what_if;

pub use error::{AppError, AppResult, Reason};
