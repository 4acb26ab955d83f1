//! Paper for the community's notice board and doors: five-star
//! certificates (荣誉证书), the honour-roll poster (光荣榜), household
//! cards (联系卡), meetings' sign-in sheets and households' paper rating
//! forms (纸质评议表) and a member's yearly record (积分记录), laid out as PDF with the Chinese text embedded (a subset
//! of a CJK font found on the machine) and extractable.
//!
//! Layout only: every function takes plain values and returns PDF bytes.
//! Who may print what, and the audit of it, are the application layer's
//! (`starledger_app::print`); this crate reads no database.

mod canvas;
mod font;
mod layouts;

pub use font::{FONT_CANDIDATES, PrintFont};
pub use layouts::{
    Card, Certificate, FORMS_PER_SHEET, HonourBranch, HonourRoll, MemberRecord, Paper, RatingForm, RecordCategory,
    RecordEntry, RecordWindow, SIGN_IN_ROWS_PER_SHEET, SignInSheet, cards, certificates, honour_roll, member_record,
    rating_forms, sign_in_sheet,
};

/// What can go wrong while printing.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    /// No CJK font at any of the usual places, and none named.
    #[error(
        "no Chinese font found (looked for {tried}); install Debian's fonts-noto-cjk \
         (apt-get install fonts-noto-cjk) or fonts-wqy-microhei, or name a font file with --font"
    )]
    FontMissing { tried: String },
    /// A named font that cannot be read or is not a font.
    #[error("font {path}: {reason}")]
    FontUnusable { path: String, reason: String },
    /// Nothing to print: a PDF without pages is refused rather than written.
    #[error("nothing to print: {0}")]
    Empty(String),
    /// The PDF writer failed (a font it cannot embed, a limit).
    #[error("PDF: {0}")]
    Pdf(String),
}

pub type PrintResult<T> = Result<T, PrintError>;
