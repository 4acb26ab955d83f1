//! Small helpers for what commands print.

use crate::failure::{Failure, Outcome};
pub use starledger_app::clock::{china, today};

pub fn json<T: serde::Serialize>(value: &T) -> Outcome {
    let text = serde_json::to_string_pretty(value).map_err(|e| Failure::failed(format!("cannot write JSON: {e}")))?;
    println!("{text}");
    Ok(())
}

/// Pads to a display width, counting a CJK character as two columns.
pub fn pad(text: &str, width: usize) -> String {
    let used: usize = text.chars().map(|c| if (c as u32) >= 0x2E80 { 2 } else { 1 }).sum();
    format!("{text}{}", " ".repeat(width.saturating_sub(used)))
}

/// A timestamp in seconds, shown in China time.
pub fn local_time(seconds: i64) -> String {
    jiff::Timestamp::from_second(seconds)
        .map(|t| t.to_zoned(china()).strftime("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|_| seconds.to_string())
}
