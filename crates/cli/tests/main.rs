//! The one integration-test binary of the `starledger` command line: every
//! test runs the real binary against its own database in a temporary folder.

mod cli;
