//! QR codes on pages (a check-in, a sign-up, a year's seal) as inline SVG,
//! drawn by one function.

use crate::error::{WebError, WebResult};
use qrcode::{Color, QrCode};

/// The smallest a code is drawn, in CSS pixels, when the page does not size
/// it: large enough to scan from a phone held to a screen.
const MIN_PIXELS: usize = 160;

/// A QR code as a small inline SVG: one module per unit, each row's dark
/// runs as one rectangle (a seal's code is about 10 KB this way, against
/// 45 KB drawn module by module), at least [`MIN_PIXELS`] wide unless the
/// page's CSS sizes it.
pub fn qr_svg(text: &str) -> WebResult<String> {
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
}
