//! Points are counted in tenths and kept as integers: a ledger must add up
//! exactly, and `0.1 + 0.2` in floating point does not.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Neg, Sub};
use std::str::FromStr;

/// A number of points with one decimal, stored as an integer count of tenths.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Points(i64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{0}\" is not a number of points with at most one decimal (for example 2, 1.5 or -3)")]
pub struct PointsError(pub String);

impl Points {
    pub const ZERO: Points = Points(0);

    pub const fn from_tenths(tenths: i64) -> Self {
        Points(tenths)
    }

    pub const fn whole(points: i64) -> Self {
        Points(points * 10)
    }

    pub const fn tenths(self) -> i64 {
        self.0
    }

    pub const fn is_positive(self) -> bool {
        self.0 > 0
    }

    /// Converts a decimal read from a TOML file. Only values that are exact
    /// in tenths are accepted, so a rulebook cannot smuggle in `0.25`.
    pub fn from_decimal(value: f64) -> Result<Self, PointsError> {
        let scaled = value * 10.0;
        let rounded = scaled.round();
        if !value.is_finite() || (scaled - rounded).abs() > 1e-6 || rounded.abs() > 1e12 {
            return Err(PointsError(value.to_string()));
        }
        Ok(Points(rounded as i64))
    }

    /// For JSON output: a tenths count is exact as an f64 at any size a
    /// community can reach.
    pub fn as_f64(self) -> f64 {
        self.0 as f64 / 10.0
    }

    /// Scales by a ratio, rounding half away from zero, in integers.
    pub fn scale(self, numerator: i64, denominator: i64) -> Self {
        assert!(denominator > 0, "scale by a positive denominator");
        let product = i128::from(self.0) * i128::from(numerator);
        let denominator = i128::from(denominator);
        let half = denominator / 2;
        let rounded = if product >= 0 { (product + half) / denominator } else { (product - half) / denominator };
        Points(rounded as i64)
    }
}

impl FromStr for Points {
    type Err = PointsError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || PointsError(text.to_string());
        let trimmed = text.trim();
        let (negative, digits) = match trimmed.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, trimmed.strip_prefix('+').unwrap_or(trimmed)),
        };
        let (whole, fraction) = match digits.split_once('.') {
            Some((whole, fraction)) => (whole, fraction),
            None => (digits, ""),
        };
        let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !digits_only(whole) || !digits_only(fraction) || fraction.len() > 1 {
            return Err(bad());
        }
        let whole: i64 = whole.parse().map_err(|_| bad())?;
        let tenth: i64 = if fraction.is_empty() { 0 } else { fraction.parse().map_err(|_| bad())? };
        let tenths = whole.checked_mul(10).and_then(|w| w.checked_add(tenth)).ok_or_else(bad)?;
        Ok(Points(if negative { -tenths } else { tenths }))
    }
}

impl fmt::Display for Points {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let magnitude = self.0.unsigned_abs();
        match magnitude % 10 {
            0 => write!(f, "{sign}{}", magnitude / 10),
            tenth => write!(f, "{sign}{}.{tenth}", magnitude / 10),
        }
    }
}

impl Add for Points {
    type Output = Points;
    fn add(self, other: Points) -> Points {
        Points(self.0 + other.0)
    }
}

impl AddAssign for Points {
    fn add_assign(&mut self, other: Points) {
        self.0 += other.0;
    }
}

impl Sub for Points {
    type Output = Points;
    fn sub(self, other: Points) -> Points {
        Points(self.0 - other.0)
    }
}

impl Neg for Points {
    type Output = Points;
    fn neg(self) -> Points {
        Points(-self.0)
    }
}

impl Sum for Points {
    fn sum<I: Iterator<Item = Points>>(iter: I) -> Points {
        iter.fold(Points::ZERO, Add::add)
    }
}

impl<'a> Sum<&'a Points> for Points {
    fn sum<I: Iterator<Item = &'a Points>>(iter: I) -> Points {
        iter.copied().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_and_prints_tenths() {
        assert_eq!("1.5".parse::<Points>(), Ok(Points::from_tenths(15)));
        assert_eq!("-2".parse::<Points>(), Ok(Points::from_tenths(-20)));
        assert_eq!(Points::from_tenths(-5).to_string(), "-0.5");
        assert_eq!(Points::from_tenths(120).to_string(), "12");
        assert!("1.25".parse::<Points>().is_err());
        assert!("abc".parse::<Points>().is_err());
        assert!(".5".parse::<Points>().is_err());
    }

    #[test]
    fn decimals_must_be_exact_tenths() {
        assert_eq!(Points::from_decimal(0.1), Ok(Points::from_tenths(1)));
        assert_eq!(Points::from_decimal(-3.0), Ok(Points::from_tenths(-30)));
        assert!(Points::from_decimal(0.25).is_err());
        assert!(Points::from_decimal(f64::NAN).is_err());
    }

    #[test]
    fn scaling_rounds_half_away_from_zero() {
        assert_eq!(Points::from_tenths(15).scale(1, 2), Points::from_tenths(8));
        assert_eq!(Points::from_tenths(-15).scale(1, 2), Points::from_tenths(-8));
        assert_eq!(Points::from_tenths(100).scale(365, 365), Points::from_tenths(100));
    }

    proptest! {
        #[test]
        fn display_round_trips(tenths in -1_000_000i64..1_000_000) {
            let points = Points::from_tenths(tenths);
            prop_assert_eq!(points.to_string().parse::<Points>(), Ok(points));
        }
    }
}
