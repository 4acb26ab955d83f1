//! The rules of the four-step method (党建四步骤), as pure functions of plain
//! values: no database, no HTTP, no clock. Every decision the system makes —
//! may this be recorded, what is it worth, who is five-star — is made here.

pub mod ballot;
pub mod claims;
pub mod duty;
mod id;
pub mod integrity;
pub mod ledger;
pub mod linking;
pub mod meetings;
pub mod notice;
pub mod org;
pub mod oversight;
pub mod paper_form;
pub mod points;
pub mod rating;
pub mod regions;
pub mod roll_import;
pub mod rulebook;
pub mod seal;
pub mod volunteering;
pub mod what_if;

pub use points::Points;
