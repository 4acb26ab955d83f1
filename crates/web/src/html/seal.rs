//! A year's seal as the notice pages and the honour roll show it: the short
//! form people read aloud or compare, and the seal itself in a QR code
//! (without its checkpoints, see `Seal::compact`) that anyone can scan, save
//! and check with `starledger ledger verify --against`.

use crate::error::WebResult;
use crate::qr::qr_svg;
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
