//! Integration tests of the `starledger` binary, one module per concern.

mod audit_origin;
mod backup;
mod bench;
mod browser;
mod closed_pipe;
mod database_errors;
mod demo;
mod e2e;
mod e2e_phone;
mod e2e_region;
mod e2e_service;
mod exchange;
mod fairness;
mod helpers;
mod ledger_verify;
mod opening;
mod print;
mod rating_json;
mod record_refusals;
mod regions;
mod reverse;
mod rulebook_errors;
mod seals;
mod serve_log;
mod store_copy;
mod unknown_ids;
