//! One error type for the use cases. A refusal keeps its kind up to the page
//! or the command line: who may not do it (`Duty`, `Forbidden`), what the method's rules
//! forbid now (`Refused`: a cap, a closed year), input that is wrong
//! (`Invalid`), and the store's own errors.
//!
//! A refusal is written once, in Chinese for the pages and in English for the
//! command line and the logs ([`Reason`]), so no front-end translates by
//! matching message text.

use starledger_domain::duty::Refusal;
use starledger_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The person may not do this (duty, recusal, role).
    #[error(transparent)]
    Duty(#[from] Refusal),
    /// The person may not do this, in the use case's own words: a claim
    /// that is another's, a leave request of another branch.
    #[error("{0}")]
    Forbidden(Reason),
    /// The method's rules refuse it now: a cap, a closed or finalized year,
    /// an event that did not happen.
    #[error("{0}")]
    Refused(Reason),
    /// The request names something wrong or missing.
    #[error("{0}")]
    Invalid(Reason),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Paper could not be laid out: no font, nothing to print.
    #[error(transparent)]
    Print(#[from] starledger_print::PrintError),
    /// A password could not be hashed (the machine's fault, not the user's).
    #[error(transparent)]
    Secret(#[from] crate::secrets::HashError),
}

pub type AppResult<T> = Result<T, AppError>;

/// Why a use case refused, in both languages. `Display` gives the English,
/// which the command line prints and the logs keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    pub zh: String,
    pub en: String,
}

impl Reason {
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Reason {
        Reason { zh: zh.into(), en: en.into() }
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.en)
    }
}

/// The method's rules refuse it now (see [`AppError::Refused`]).
pub(crate) fn refused(zh: impl Into<String>, en: impl Into<String>) -> AppError {
    AppError::Refused(Reason::new(zh, en))
}

/// The request is wrong (see [`AppError::Invalid`]).
pub(crate) fn invalid(zh: impl Into<String>, en: impl Into<String>) -> AppError {
    AppError::Invalid(Reason::new(zh, en))
}

/// A year outside the years starledger rates.
pub(crate) fn bad_year(error: starledger_domain::org::YearError) -> AppError {
    invalid(error.zh(), error.to_string())
}

/// A closed year's points can no longer change.
pub(crate) fn year_closed(year: starledger_domain::org::Year) -> AppError {
    refused(
        format!("{year} 年度已关闭，积分不能再变动。"),
        format!("{year} is closed; its points can no longer change"),
    )
}
