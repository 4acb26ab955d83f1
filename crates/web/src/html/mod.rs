//! The pages, one file per page or action, named noun first.

pub mod activities;
pub mod adjustments;
pub mod ballots;
pub mod claims;
pub mod confirm;
pub mod dashboard;
pub mod honours;
pub mod household_cards;
pub mod household_rate;
pub mod households;
pub mod integrity;
pub mod lang;
pub mod login;
pub mod logout;
pub mod meetings;
pub mod notice;
pub mod password_change;
pub mod print;
pub mod record_mine;
pub mod region;
pub mod region_integrity;
pub mod reviews;
pub mod robots;
pub mod roll_import;
pub mod standings;
pub mod uploads;
