//! How a command fails: one line that says what is wrong and what to do, and
//! an exit code: 1 for a refusal or a failure, 2 for input that names
//! something that does not exist or cannot be read.

use starledger_store::StoreError;
use std::fmt;

#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    /// The rules refused it (exit 1).
    pub fn refused(message: impl fmt::Display) -> Failure {
        Failure { code: 1, message: format!("refused: {message}; nothing was written") }
    }

    /// The input is wrong (exit 2).
    pub fn bad_input(message: impl fmt::Display) -> Failure {
        Failure { code: 2, message: message.to_string() }
    }

    /// The command ran and found a problem (exit 1).
    pub fn failed(message: impl fmt::Display) -> Failure {
        Failure { code: 1, message: message.to_string() }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<StoreError> for Failure {
    fn from(error: StoreError) -> Failure {
        match &error {
            StoreError::NotFound { what, key } => {
                let hint = match *what {
                    "member" => "; see `starledger member list`",
                    "account" => "; see `starledger account list`",
                    "household" => "; see `starledger household list`",
                    "ledger entry" => "; see `starledger explain`",
                    _ => "",
                };
                Failure::bad_input(format!("no {what} with id or login \"{key}\"{hint}"))
            }
            StoreError::Missing(_) | StoreError::AlreadyExists(_) | StoreError::NotOurs { .. } => {
                Failure::bad_input(error)
            }
            StoreError::Conflict(message) => Failure::refused(message),
            StoreError::Backup { .. } => Failure::failed(error),
            _ => Failure::failed(error),
        }
    }
}

impl From<starledger_app::AppError> for Failure {
    fn from(error: starledger_app::AppError) -> Failure {
        use starledger_app::AppError;
        match error {
            AppError::Duty(refusal) => Failure::refused(refusal),
            AppError::Forbidden(why) => Failure::refused(why),
            AppError::Refused(why) => Failure::refused(why),
            AppError::Invalid(why) => Failure::bad_input(why),
            AppError::Store(error) => Failure::from(error),
            AppError::Print(starledger_print::PrintError::Empty(why)) => Failure::refused(why),
            AppError::Print(error) => Failure::failed(error),
            AppError::Secret(error) => Failure::failed(error),
        }
    }
}

impl From<starledger_domain::duty::Refusal> for Failure {
    fn from(refusal: starledger_domain::duty::Refusal) -> Failure {
        Failure::refused(refusal)
    }
}

pub type Outcome = Result<(), Failure>;
