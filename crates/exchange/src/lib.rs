//! Spreadsheets in and out, for secretaries whose roll already lives in
//! Excel: reading `.xlsx`/`.xls`/`.ods`/`.csv` into the domain's import
//! records ([`roll`]), with every bad cell a problem naming file, sheet, row
//! and column, and writing templates and exports ([`write`]). No rule of the
//! method is decided here: the domain plans, the application writes.

pub mod attendance;
pub mod opening;
pub mod read;
pub mod roll;
pub mod study;
mod table;
pub mod write;

pub use read::{ReadError, read_bytes, read_file};
pub use roll::Kind;
