//! QR codes on pages (a check-in, a sign-up, a year's seal) as inline SVG,
//! drawn by one function.

use crate::error::{WebError, WebResult};
use qrcode::{Color, QrCode};
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex, PoisonError};

/// The smallest a code is drawn, in CSS pixels, when the page does not size
/// it: large enough to scan from a phone held to a screen.
const MIN_PIXELS: usize = 160;

/// A QR code as a small inline SVG: one module per unit, each row's dark
/// runs as one rectangle (a seal's code is about 10 KB this way, against
/// 45 KB drawn module by module), at least [`MIN_PIXELS`] wide unless the
/// page's CSS sizes it.
pub fn qr_svg(text: &str) -> WebResult<String> {
    if let Some(svg) = DRAWN.lock().unwrap_or_else(PoisonError::into_inner).get(text) {
        return Ok(svg.clone());
    }
    let svg = draw(text)?;
    let mut drawn = DRAWN.lock().unwrap_or_else(PoisonError::into_inner);
    if drawn.len() >= MAX_DRAWN {
        drawn.clear();
    }
    drawn.insert(text.to_string(), svg.clone());
    Ok(svg)
}

/// Codes already drawn, by their text. A seal's code or a meeting's
/// check-in link never changes, and choosing a code's mask costs more
/// than all the rest of the honour roll (profiled: four fifths of its
/// CPU went to drawing and compressing the seal's code on every visit).
static DRAWN: LazyLock<Mutex<HashMap<String, String>>> = LazyLock::new(Mutex::default);

/// At most this many codes are kept (a few kilobytes each); past it the
/// cache starts again, so no stream of new texts can grow it.
const MAX_DRAWN: usize = 512;

fn draw(text: &str) -> WebResult<String> {
    let code = QrCode::new(text.as_bytes()).map_err(|e| WebError::Internal(format!("QR code: {e}")))?;
    let width = code.width();
    let quiet = 4;
    let side = width + 2 * quiet;
    let colors = code.to_colors();
    let mut path = String::new();
    for (row, modules) in colors.chunks(width).enumerate() {
        let mut column = 0;
        while column < width {
            if modules[column] != Color::Dark {
                column += 1;
                continue;
            }
            let start = column;
            while column < width && modules[column] == Color::Dark {
                column += 1;
            }
            path.push_str(&format!("M{} {}h{}v1h-{}z", start + quiet, row + quiet, column - start, column - start));
        }
    }
    let pixels = side * MIN_PIXELS.div_ceil(side);
    Ok(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{pixels}\" height=\"{pixels}\" viewBox=\"0 0 {side} {side}\" \
         shape-rendering=\"crispEdges\" role=\"img\"><rect width=\"{side}\" height=\"{side}\" fill=\"#fff\"/>\
         <path fill=\"#000\" d=\"{path}\"/></svg>"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_draws_every_dark_module_once() {
        let text = "{\"format\":1,\"community\":\"十里社区\",\"year\":2025}";
        let svg = qr_svg(text).unwrap();
        let code = QrCode::new(text.as_bytes()).unwrap();
        let dark = code.to_colors().iter().filter(|c| **c == Color::Dark).count();
        let drawn: usize = svg
            .split('M')
            .skip(1)
            .map(|run| run.split('h').nth(1).and_then(|w| w.split('v').next()).unwrap().parse::<usize>().unwrap())
            .sum();
        assert_eq!(drawn, dark);
        assert!(svg.starts_with("<svg") && !svg.contains("<?xml"));
    }

    #[test]
    fn a_kept_code_is_the_code_of_its_own_text() {
        let (a, b) = ("https://example.org/checkin/aaaa", "https://example.org/checkin/bbbb");
        let first = qr_svg(a).unwrap();
        assert_eq!(first, draw(a).unwrap());
        assert_eq!(qr_svg(a).unwrap(), first, "the second visit gets the same code");
        assert_ne!(qr_svg(b).unwrap(), first, "another text, another code");
        assert_eq!(qr_svg(b).unwrap(), draw(b).unwrap());
    }
}
