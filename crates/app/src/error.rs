//! One error type for the use cases. A refusal keeps its kind up to the page
//! or the command line: who may not do it (`Duty`), what the method's rules
//! forbid now (`Refused`: a cap, a closed year), input that is wrong
//! (`Invalid`), and the store's own errors.

use starledger_domain::duty::Refusal;
use starledger_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The person may not do this (duty, recusal, role).
    #[error(transparent)]
    Duty(#[from] Refusal),
    /// The method's rules refuse it now: a cap, a closed or finalized year,
    /// an event that did not happen.
    #[error("{0}")]
    Refused(String),
    /// The request names something wrong or missing.
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Paper could not be laid out: no font, nothing to print.
    #[error(transparent)]
    Print(#[from] starledger_print::PrintError),
}

pub type AppResult<T> = Result<T, AppError>;

pub(crate) fn refused(message: impl Into<String>) -> AppError {
    AppError::Refused(message.into())
}
