//! The pages, one file per page or action, named noun first.

pub mod dashboard;
pub mod household_cards;
pub mod household_rate;
pub mod lang;
pub mod login;
pub mod logout;
pub mod password_change;
pub mod record_mine;
pub mod standings;
