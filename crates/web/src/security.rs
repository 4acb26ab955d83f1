//! Secrets, as the pages and the API use them: defined once in the
//! application layer ([`starledger_app::secrets`]), where the command
//! line's accounts and demo reach them without the web crate.

pub use starledger_app::secrets::*;
