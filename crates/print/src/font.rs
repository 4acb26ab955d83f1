//! The CJK font the paper is set in, found at run time: the TTC files are
//! tens of megabytes, so the project ships none and the PDF embeds only the
//! glyphs it uses.

use crate::{PrintError, PrintResult};
use krilla::text::Font;
use std::path::Path;
use std::sync::Arc;

/// Where Debian's packages put a Chinese font, with the face index of
/// Simplified Chinese in the collection (Noto CJK's index 0 is Japanese).
pub const FONT_CANDIDATES: &[(&str, u32)] = &[
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
];

/// A loaded font: the face for the PDF, and its bytes for measuring text.
#[derive(Clone)]
pub struct PrintFont {
    pub(crate) data: Arc<Vec<u8>>,
    pub(crate) index: u32,
    pub(crate) font: Font,
}

impl PrintFont {
    /// The named font file (a collection's Simplified Chinese face for a
    /// Noto CJK `.ttc`, the first face otherwise), else the file named by
    /// `STARLEDGER_FONT`, else the first of [`FONT_CANDIDATES`] present on
    /// the machine.
    pub fn load(named: Option<&Path>) -> PrintResult<PrintFont> {
        let from_env = std::env::var_os("STARLEDGER_FONT").filter(|v| !v.is_empty()).map(std::path::PathBuf::from);
        if let Some(path) = named.or(from_env.as_deref()) {
            let is_noto_ttc = path.to_string_lossy().contains("CJK") && path.extension().is_some_and(|e| e == "ttc");
            return PrintFont::from_file(path, if is_noto_ttc { 2 } else { 0 });
        }
        for (path, index) in FONT_CANDIDATES {
            let path = Path::new(path);
            if path.exists() {
                return PrintFont::from_file(path, *index);
            }
        }
        let tried = FONT_CANDIDATES.iter().map(|(p, _)| *p).collect::<Vec<_>>().join(", ");
        Err(PrintError::FontMissing { tried })
    }

    pub fn from_file(path: &Path, index: u32) -> PrintResult<PrintFont> {
        let unusable = |reason: String| PrintError::FontUnusable { path: path.display().to_string(), reason };
        let bytes = std::fs::read(path).map_err(|e| unusable(e.to_string()))?;
        PrintFont::from_bytes(bytes, index).map_err(|_| unusable("not a font file this printer can read".into()))
    }

    pub fn from_bytes(bytes: Vec<u8>, index: u32) -> PrintResult<PrintFont> {
        let data = Arc::new(bytes);
        let font = Font::new(data.clone().into(), index)
            .ok_or_else(|| PrintError::FontUnusable { path: "(bytes)".into(), reason: "not a font".into() })?;
        let printable = rustybuzz::Face::from_slice(&data, index)
            .is_some_and(|face| face.glyph_index('党').is_some() && face.glyph_index('A').is_some());
        if !printable {
            return Err(PrintError::FontUnusable {
                path: "(bytes)".into(),
                reason: "the font has no Chinese characters".into(),
            });
        }
        Ok(PrintFont { data, index, font })
    }

    /// The width of a line of text at a size, in points, as it is shaped.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        let Some(face) = rustybuzz::Face::from_slice(&self.data, self.index) else { return 0.0 };
        let mut buffer = rustybuzz::UnicodeBuffer::new();
        buffer.push_str(text);
        let shaped = rustybuzz::shape(&face, &[], buffer);
        let units: i32 = shaped.glyph_positions().iter().map(|p| p.x_advance).sum();
        units as f32 * size / face.units_per_em() as f32
    }
}
