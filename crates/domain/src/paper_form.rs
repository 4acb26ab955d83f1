//! Paper rating forms (纸质评议表) for households without a smartphone
//! (issue 13): each form carries a number, printed large and typed back in
//! when the form returns. The number is ten digits: nine random ones and a
//! check digit (Damm's algorithm, which catches every single wrong digit
//! and every swap of two neighbouring digits), so a slip of the finger is
//! refused as a wrong number rather than landing on another household's
//! form, and a number cannot be guessed by chance (one in a billion).
//!
//! Who may enter a form is [`crate::duty::may_enter_paper_form`].

use std::fmt;

/// Damm's quasigroup of order 10 (totally anti-symmetric).
const DAMM: [[u8; 10]; 10] = [
    [0, 3, 1, 7, 5, 9, 8, 6, 4, 2],
    [7, 0, 9, 2, 1, 5, 4, 8, 6, 3],
    [4, 2, 0, 6, 8, 7, 1, 3, 5, 9],
    [1, 7, 5, 0, 9, 8, 3, 4, 2, 6],
    [6, 1, 2, 3, 0, 4, 5, 9, 7, 8],
    [3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
    [5, 8, 6, 9, 7, 2, 0, 1, 3, 4],
    [8, 9, 4, 5, 3, 6, 2, 0, 1, 7],
    [9, 4, 3, 8, 6, 1, 7, 2, 0, 5],
    [2, 5, 8, 1, 4, 3, 6, 7, 9, 0],
];

fn damm(digits: &[u8]) -> u8 {
    digits.iter().fold(0, |interim, d| DAMM[usize::from(interim)][usize::from(*d)])
}

/// The random digits of a number.
pub const RANDOM_DIGITS: usize = 9;
/// The digits of a number as printed and typed, the check digit included.
pub const DIGITS: usize = RANDOM_DIGITS + 1;

/// A paper form's number: ten digits, the last a check digit.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FormNumber(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormNumberError {
    #[error("a form's number is {DIGITS} digits; \"{0}\" is not")]
    Shape(String),
    #[error("{0} is not a form's number (its check digit does not match): check the digits on the paper")]
    CheckDigit(String),
}

impl FormNumber {
    /// The number made from a random value: its last nine decimal digits
    /// and their check digit.
    pub fn from_random(random: u64) -> FormNumber {
        let body = format!("{:09}", random % 1_000_000_000);
        let digits: Vec<u8> = body.bytes().map(|b| b - b'0').collect();
        FormNumber(format!("{body}{}", damm(&digits)))
    }

    /// A number as typed: spaces and dashes between the digits are ignored.
    pub fn parse(typed: &str) -> Result<FormNumber, FormNumberError> {
        let text: String = typed.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
        if text.len() != DIGITS || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(FormNumberError::Shape(typed.trim().chars().take(40).collect()));
        }
        let digits: Vec<u8> = text.bytes().map(|b| b - b'0').collect();
        if damm(&digits) != 0 {
            return Err(FormNumberError::CheckDigit(text));
        }
        Ok(FormNumber(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// As printed for reading aloud and typing: `1234 5678 90`.
    pub fn grouped(&self) -> String {
        format!("{} {} {}", &self.0[..4], &self.0[4..8], &self.0[8..])
    }
}

impl fmt::Display for FormNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_checks_itself() {
        let number = FormNumber::from_random(572_016_384_123);
        assert_eq!(number.as_str().len(), DIGITS);
        assert_eq!(FormNumber::parse(number.as_str()), Ok(number.clone()));
        assert_eq!(FormNumber::parse(&number.grouped()), Ok(number.clone()), "typed in groups");
        // Damm's own example: 572 gets the check digit 4.
        assert_eq!(damm(&[5, 7, 2]), 4);
        let digits: Vec<char> = number.as_str().chars().collect();
        for i in 0..DIGITS {
            // Every single wrong digit is caught.
            for other in '0'..='9' {
                if other == digits[i] {
                    continue;
                }
                let mut typo = digits.clone();
                typo[i] = other;
                let typo: String = typo.into_iter().collect();
                assert!(matches!(FormNumber::parse(&typo), Err(FormNumberError::CheckDigit(_))), "{typo}");
            }
            // Every swap of neighbours that changes the number is caught.
            if i + 1 < DIGITS && digits[i] != digits[i + 1] {
                let mut swapped = digits.clone();
                swapped.swap(i, i + 1);
                let swapped: String = swapped.into_iter().collect();
                assert!(FormNumber::parse(&swapped).is_err(), "{swapped}");
            }
        }
        assert!(matches!(FormNumber::parse("12345"), Err(FormNumberError::Shape(_))));
        assert!(matches!(FormNumber::parse("12345abcde"), Err(FormNumberError::Shape(_))));
    }
}
