//! A year's seal as the notice pages and the honour roll show it: the short
//! form people read aloud or compare, and the seal itself in a QR code
//! (without its checkpoints, see `Seal::compact`) that anyone can scan, save
//! and check with `starledger ledger verify --against`.

use crate::error::{WebError, WebResult};
use qrcode::{Color, QrCode};
use starledger_domain::org::{CommunityId, Year};
use starledger_domain::seal::Stage;
use starledger_store::SealQueries;

pub struct SealView {
    pub year: i16,
    /// Sealed at finalization (otherwise at publication).
    pub is_final: bool,
    pub short: String,
    /// The compact seal as inline SVG.
    pub qr: String,
}

/// The year's latest seal, if it has one.
pub async fn latest<Q: SealQueries>(reader: &mut Q, community: CommunityId, year: Year) -> WebResult<Option<SealView>> {
    let Some(seal) = reader.seals(community, year).await?.pop() else { return Ok(None) };
    Ok(Some(SealView {
        year: year.get(),
        is_final: seal.stage == Stage::Finalized,
        short: seal.short(),
        qr: qr_svg(&seal.compact().to_json())?,
    }))
}

/// A QR code as a small inline SVG: one module per unit, each row's dark
/// runs as one rectangle (a seal's code is about 10 KB this way, against
/// 45 KB drawn module by module), sized by the page's CSS.
fn qr_svg(text: &str) -> WebResult<String> {
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
    Ok(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {side} {side}\" shape-rendering=\"crispEdges\" \
         role=\"img\"><rect width=\"{side}\" height=\"{side}\" fill=\"#fff\"/><path fill=\"#000\" d=\"{path}\"/></svg>"
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
