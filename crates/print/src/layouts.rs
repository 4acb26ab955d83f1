//! The three papers: a certificate per five-star member (A4 landscape), the
//! honour-roll poster (A4 or A3 portrait, continued on more sheets when a
//! community is large), and household cards (eight to an A4 sheet with
//! dashed cut lines).

use crate::canvas::{Align, Canvas, GOLD, GREY, INK, MM, RED};
use crate::font::PrintFont;
use crate::{PrintError, PrintResult};
use krilla::Document;
use krilla::metadata::Metadata;
use krilla::page::PageSettings;

const A4: (f32, f32) = (210.0 * MM, 297.0 * MM);
const A3: (f32, f32) = (297.0 * MM, 420.0 * MM);

/// One five-star member's certificate.
#[derive(Clone, Debug)]
pub struct Certificate {
    pub name: String,
    pub branch: String,
    pub year: i16,
    /// The community (and its committee) awarding it.
    pub community: String,
    /// The date printed under the committee's name, e.g. 2026年7月1日.
    pub date: String,
    /// Small print naming the result it rests on (rulebook, round, digest).
    pub seal: String,
}

/// One branch's five-star members on the poster: names with their streak
/// of consecutive five-star years.
#[derive(Clone, Debug)]
pub struct HonourBranch {
    pub name: String,
    pub members: Vec<(String, u32)>,
}

#[derive(Clone, Debug)]
pub struct HonourRoll {
    pub community: String,
    pub year: i16,
    /// False while the year is in public notice: the poster says so.
    pub is_final: bool,
    pub date: String,
    pub seal: String,
    /// The year's seal (compact JSON) for a QR code on the first sheet, so
    /// that anyone at the notice board can keep it and check the ledger.
    pub seal_qr: Option<String>,
    pub branches: Vec<HonourBranch>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Paper {
    A4,
    A3,
}

impl Paper {
    pub fn parse(text: &str) -> Option<Paper> {
        match text.to_ascii_uppercase().as_str() {
            "A4" => Some(Paper::A4),
            "A3" => Some(Paper::A3),
            _ => None,
        }
    }

    fn size(self) -> (f32, f32) {
        match self {
            Paper::A4 => A4,
            Paper::A3 => A3,
        }
    }
}

/// One household's card.
#[derive(Clone, Debug)]
pub struct Card {
    pub community: String,
    pub address: String,
    pub member_name: String,
    /// In full: the card exists to call the member.
    pub member_phone: String,
    /// The household's private rating link, printed as a QR code and
    /// in small print for typing when the QR cannot be scanned.
    pub url: String,
}

fn document(title: String) -> Document {
    let mut document = Document::new();
    document.set_metadata(Metadata::new().title(title).language("zh-CN".into()).creator("starledger".into()));
    document
}

fn finish(document: Document) -> PrintResult<Vec<u8>> {
    document.finish().map_err(|e| PrintError::Pdf(format!("{e:?}")))
}

fn page_settings((w, h): (f32, f32)) -> PrintResult<PageSettings> {
    PageSettings::from_wh(w, h).ok_or_else(|| PrintError::Pdf("page size".into()))
}

/// A whole year's certificates in one file, one A4 landscape page each.
pub fn certificates(font: &PrintFont, certificates: &[Certificate]) -> PrintResult<Vec<u8>> {
    let first = certificates.first().ok_or_else(|| PrintError::Empty("no five-star member this year".into()))?;
    let mut document = document(format!("{} {}年度五星级党员荣誉证书", first.community, first.year));
    let (w, h) = (A4.1, A4.0);
    for certificate in certificates {
        let mut page = document.start_page_with(page_settings((w, h))?);
        let mut surface = page.surface();
        let mut c = Canvas { surface: &mut surface, font };
        c.frame(12.0 * MM, 12.0 * MM, w - 24.0 * MM, h - 24.0 * MM, 4.0, RED);
        c.frame(16.0 * MM, 16.0 * MM, w - 32.0 * MM, h - 32.0 * MM, 1.2, GOLD);
        c.text(w / 2.0, 48.0 * MM, 44.0, RED, Align::Centre, "荣誉证书");
        let left = 40.0 * MM;
        let name = format!("{} 同志：", certificate.name);
        let size = c.fitting(&name, 26.0, w - 2.0 * left);
        c.text(left, 76.0 * MM, size, INK, Align::Left, &name);
        let body = format!("在{}年度党员积分评星工作中表现突出，被评为", certificate.year);
        c.text(left + 14.0 * MM, 94.0 * MM, 18.0, INK, Align::Left, &body);
        for i in 0..5 {
            c.star(w / 2.0 + (i as f32 - 2.0) * 12.0 * MM, 106.0 * MM, 4.5 * MM, GOLD);
        }
        c.text(w / 2.0, 128.0 * MM, 40.0, RED, Align::Centre, "五星级党员");
        c.text(left + 14.0 * MM, 146.0 * MM, 18.0, INK, Align::Left, "特发此证，以资鼓励。");
        let branch = format!("所在支部：{}", certificate.branch);
        let size = c.fitting(&branch, 14.0, w / 2.0 - left);
        c.text(left, 170.0 * MM, size, INK, Align::Left, &branch);
        let right = w - left;
        let size = c.fitting(&certificate.community, 18.0, w / 2.0 - left);
        c.text(right, 165.0 * MM, size, INK, Align::Right, &certificate.community);
        c.text(right, 175.0 * MM, 14.0, INK, Align::Right, &certificate.date);
        let size = c.fitting(&certificate.seal, 7.0, w - 2.0 * left);
        c.text(w / 2.0, h - 20.0 * MM, size, GREY, Align::Centre, &certificate.seal);
    }
    finish(document)
}

/// The honour-roll poster: the year's five-star members by branch, with
/// each branch's count; a long roll continues on further sheets.
pub fn honour_roll(font: &PrintFont, roll: &HonourRoll, paper: Paper) -> PrintResult<Vec<u8>> {
    let (w, h) = paper.size();
    // Sizes scale with the sheet: A3 is A4 enlarged by √2.
    let k = w / A4.0;
    let title = format!("{}年度五星级党员光荣榜", roll.year);
    let mut document = document(format!("{} {title}", roll.community));
    let margin = 18.0 * MM * k;
    let columns = 4;
    let column_width = (w - 2.0 * margin) / columns as f32;
    let line = 11.0 * MM * k;
    let total: usize = roll.branches.iter().map(|b| b.members.len()).sum();

    let mut branches = roll.branches.iter().peekable();
    let mut sheet = 0;
    let mut pending: Option<(&HonourBranch, usize)> = None;
    loop {
        let next = pending.take().or_else(|| branches.next().map(|b| (b, 0)));
        if next.is_none() && sheet > 0 {
            break;
        }
        sheet += 1;
        let mut page = document.start_page_with(page_settings((w, h))?);
        let mut surface = page.surface();
        let mut c = Canvas { surface: &mut surface, font };
        c.block(0.0, 0.0, w, 10.0 * MM * k, RED);
        let size = c.fitting(&roll.community, 20.0 * k, w - 2.0 * margin);
        c.text(w / 2.0, 26.0 * MM * k, size, INK, Align::Centre, &roll.community);
        c.text(w / 2.0, 44.0 * MM * k, 34.0 * k, RED, Align::Centre, &title);
        let summary = if roll.is_final {
            format!("共 {total} 名五星级党员")
        } else {
            format!("共 {total} 名（公示中，结果以公示期满后确认为准）")
        };
        c.text(w / 2.0, 54.0 * MM * k, 12.0 * k, INK, Align::Centre, &summary);
        // The first sheet keeps a band at the foot for the seal's QR code.
        let qr_side = 30.0 * MM * k;
        let with_qr = sheet == 1 && roll.seal_qr.is_some();
        let bottom = h - 24.0 * MM * k - if with_qr { qr_side + 4.0 * MM * k } else { 0.0 };
        let mut y = 68.0 * MM * k;
        let mut current = next;
        while let Some((branch, from)) = current {
            // A branch header needs room for itself and one line of names.
            if y + 2.0 * line > bottom {
                pending = Some((branch, from));
                break;
            }
            let header = if from == 0 {
                format!("{}（{}人）", branch.name, branch.members.len())
            } else {
                format!("{}（续）", branch.name)
            };
            c.block(margin, y - 6.5 * MM * k, 3.0 * k, 8.0 * MM * k, RED);
            let size = c.fitting(&header, 15.0 * k, w - 2.0 * margin - 4.0 * MM);
            c.text(margin + 4.0 * MM * k, y, size, RED, Align::Left, &header);
            c.line((margin, y + 3.0 * MM * k), (w - margin, y + 3.0 * MM * k), 0.5, GOLD, false);
            y += line;
            let mut index = from;
            while index < branch.members.len() {
                if y > bottom {
                    break;
                }
                for column in 0..columns {
                    let Some((name, streak)) = branch.members.get(index) else { break };
                    let x = margin + column as f32 * column_width + 2.0 * MM * k;
                    c.star(x + 2.0 * MM * k, y - 1.8 * MM * k, 2.0 * MM * k, GOLD);
                    let size = c.fitting(name, 14.0 * k, column_width - 18.0 * MM * k);
                    c.text(x + 6.0 * MM * k, y, size, INK, Align::Left, name);
                    if *streak > 1 {
                        let label = format!("连续{streak}年");
                        c.text(x + column_width - 4.0 * MM * k, y, 8.0 * k, GREY, Align::Right, &label);
                    }
                    index += 1;
                }
                y += line * 0.8;
            }
            if index < branch.members.len() {
                pending = Some((branch, index));
                break;
            }
            y += line * 0.4;
            current = branches.next().map(|b| (b, 0));
        }
        if total == 0 && sheet == 1 {
            c.text(w / 2.0, 90.0 * MM * k, 14.0 * k, GREY, Align::Centre, "本年度没有五星级党员");
        }
        let footer = format!("{}　{}", roll.community, roll.date);
        c.text(w - margin, h - 14.0 * MM * k, 11.0 * k, INK, Align::Right, &footer);
        let size = c.fitting(&roll.seal, 7.0 * k, w / 2.0);
        c.text(margin, h - 14.0 * MM * k, size, GREY, Align::Left, &roll.seal);
        if let Some(seal) = roll.seal_qr.as_deref().filter(|_| with_qr) {
            let top = h - 14.0 * MM * k - 5.0 * MM * k - qr_side;
            c.qr(margin, top, qr_side, seal)?;
            let note = "扫码保存本年度结果封存信息，可核对账本未被改动";
            c.text(margin + qr_side + 3.0 * MM * k, top + qr_side / 2.0, 8.0 * k, GREY, Align::Left, note);
        }
        if pending.is_none() {
            break;
        }
    }
    finish(document)
}

/// Cards on one A4 sheet: two columns of four.
pub const CARDS_PER_SHEET: usize = 8;

/// Household cards, eight to an A4 sheet, with dashed cut lines.
pub fn cards(font: &PrintFont, cards: &[Card]) -> PrintResult<Vec<u8>> {
    let first = cards.first().ok_or_else(|| PrintError::Empty("no household has a live link".into()))?;
    let mut document = document(format!("{} 党员联户联系卡", first.community));
    let (w, h) = A4;
    let (cw, ch) = (w / 2.0, h / 4.0);
    for sheet in cards.chunks(CARDS_PER_SHEET) {
        let mut page = document.start_page_with(page_settings((w, h))?);
        let mut surface = page.surface();
        let mut c = Canvas { surface: &mut surface, font };
        // Cut lines along the sheet's inner edges.
        c.line((cw, 0.0), (cw, h), 0.5, GREY, true);
        for row in 1..4 {
            c.line((0.0, ch * row as f32), (w, ch * row as f32), 0.5, GREY, true);
        }
        for (i, card) in sheet.iter().enumerate() {
            let (x, y) = ((i % 2) as f32 * cw, (i / 2) as f32 * ch);
            let pad = 7.0 * MM;
            let qr_side = 36.0 * MM;
            let text_width = cw - 2.0 * pad - qr_side - 2.0 * MM;
            c.block(x + pad, y + pad, 2.0, 12.0 * MM, RED);
            let size = c.fitting(&card.community, 9.0, text_width);
            c.text(x + pad + 3.0 * MM, y + pad + 3.5 * MM, size, GREY, Align::Left, &card.community);
            c.text(x + pad + 3.0 * MM, y + pad + 11.0 * MM, 15.0, RED, Align::Left, "党员联户联系卡");
            let mut line_y = y + pad + 23.0 * MM;
            for (label, value) in
                [("联系党员", &card.member_name), ("联系电话", &card.member_phone), ("住户地址", &card.address)]
            {
                let text = format!("{label}：{value}");
                let size = c.fitting(&text, 11.0, text_width);
                c.text(x + pad, line_y, size, INK, Align::Left, &text);
                line_y += 8.0 * MM;
            }
            let qr_x = x + cw - pad - qr_side;
            c.qr(qr_x, y + pad, qr_side, &card.url)?;
            c.text(qr_x + qr_side / 2.0, y + pad + qr_side + 4.0 * MM, 9.0, INK, Align::Centre, "扫码评价");
            let note = "请扫码为联系党员的服务评价，本卡链接仅供本户使用";
            let size = c.fitting(note, 8.0, cw - 2.0 * pad);
            c.text(x + pad, y + ch - pad - 5.0 * MM, size, GREY, Align::Left, note);
            let size = c.fitting(&card.url, 6.0, cw - 2.0 * pad);
            c.text(x + cw - pad, y + ch - pad, size, GREY, Align::Right, &card.url);
        }
    }
    finish(document)
}

/// A meeting's paper sign-in sheet (签到表): who is invited, a line each to
/// sign, and the meeting's check-in QR code for those with a phone.
#[derive(Clone, Debug)]
pub struct SignInSheet {
    pub community: String,
    pub title: String,
    pub branch: String,
    /// When and where, as people read it: `2026年6月10日 19:30 · 党群服务中心`.
    pub when_where: String,
    /// The invited members' names, in the roll's order.
    pub members: Vec<String>,
    /// The check-in link, for a QR code on the first sheet.
    pub check_in_url: Option<String>,
}

/// Rows on one A4 sheet of the sign-in table.
pub const SIGN_IN_ROWS_PER_SHEET: usize = 20;

/// A meeting's sign-in sheet, A4, 20 names a sheet, the header repeated on
/// every sheet and the totals line on the last.
pub fn sign_in_sheet(font: &PrintFont, sheet: &SignInSheet) -> PrintResult<Vec<u8>> {
    if sheet.members.is_empty() {
        return Err(PrintError::Empty("the meeting invites nobody".into()));
    }
    let mut document = document(format!("{} {} 签到表", sheet.community, sheet.title));
    let (w, h) = A4;
    let margin = 18.0 * MM;
    let row = 10.5 * MM;
    let columns = [
        (margin, "序号"),
        (margin + 16.0 * MM, "姓名"),
        (margin + 56.0 * MM, "本人签名"),
        (w - margin - 40.0 * MM, "备注"),
    ];
    let chunks: Vec<&[String]> = sheet.members.chunks(SIGN_IN_ROWS_PER_SHEET).collect();
    for (index, names) in chunks.iter().enumerate() {
        let mut page = document.start_page_with(page_settings((w, h))?);
        let mut surface = page.surface();
        let mut c = Canvas { surface: &mut surface, font };
        let size = c.fitting(&sheet.community, 11.0, w - 2.0 * margin - 40.0 * MM);
        c.text(margin, 20.0 * MM, size, GREY, Align::Left, &sheet.community);
        let heading = if index == 0 {
            format!("{} 签到表", sheet.title)
        } else {
            format!("{} 签到表（续）", sheet.title)
        };
        let size = c.fitting(&heading, 20.0, w - 2.0 * margin - 40.0 * MM);
        c.text(margin, 32.0 * MM, size, RED, Align::Left, &heading);
        let line = format!("{} · {}", sheet.branch, sheet.when_where);
        let size = c.fitting(&line, 11.0, w - 2.0 * margin - 40.0 * MM);
        c.text(margin, 41.0 * MM, size, INK, Align::Left, &line);
        if let (0, Some(url)) = (index, &sheet.check_in_url) {
            let side = 32.0 * MM;
            c.qr(w - margin - side, 12.0 * MM, side, url)?;
            c.text(w - margin - side / 2.0, 12.0 * MM + side + 3.5 * MM, 8.0, GREY, Align::Centre, "有手机的扫码签到");
        }
        let top = 54.0 * MM;
        c.line((margin, top - 6.5 * MM), (w - margin, top - 6.5 * MM), 0.8, INK, false);
        for (x, label) in columns {
            c.text(x + 1.5 * MM, top, 11.0, INK, Align::Left, label);
        }
        let mut y = top + 3.5 * MM;
        c.line((margin, y), (w - margin, y), 0.8, INK, false);
        for (i, name) in names.iter().enumerate() {
            let number = index * SIGN_IN_ROWS_PER_SHEET + i + 1;
            let baseline = y + row - 3.5 * MM;
            c.text(columns[0].0 + 1.5 * MM, baseline, 11.0, INK, Align::Left, &number.to_string());
            let size = c.fitting(name, 12.0, columns[2].0 - columns[1].0 - 3.0 * MM);
            c.text(columns[1].0 + 1.5 * MM, baseline, size, INK, Align::Left, name);
            y += row;
            c.line((margin, y), (w - margin, y), 0.4, GREY, false);
        }
        for (x, _) in columns.iter().skip(1) {
            c.line((*x, top - 6.5 * MM), (*x, y), 0.4, GREY, false);
        }
        if index + 1 == chunks.len() {
            let totals = format!("应到 {} 人　　实到 ____ 人　　请假 ____ 人　　记录人：________", sheet.members.len());
            c.text(margin, y + 12.0 * MM, 11.0, INK, Align::Left, &totals);
        }
        let footer = format!("第 {} 页，共 {} 页", index + 1, chunks.len());
        c.text(w / 2.0, h - 12.0 * MM, 8.0, GREY, Align::Centre, &footer);
    }
    finish(document)
}

/// One household's paper rating form (纸质评议表), for a household without
/// a smartphone: single use, numbered, good for one rating window.
#[derive(Clone, Debug)]
pub struct RatingForm {
    pub community: String,
    /// Ten digits, the last a check digit.
    pub number: String,
    /// The same, grouped for reading: `1234 5678 90`.
    pub number_grouped: String,
    /// 户主 and address, as the roll has them.
    pub household: String,
    pub member_name: String,
    /// The window the form is good for, as people read it:
    /// `2026年1月1日至2026年7月1日`.
    pub window: String,
}

/// Forms on one A4 sheet, one above the other with cut lines between.
pub const FORMS_PER_SHEET: usize = 3;

/// The three levels a household ticks, as printed.
const LEVELS: [&str; 3] = ["满意", "基本满意", "不满意"];

/// Paper rating forms, three to an A4 sheet with dashed cut lines: the
/// community, the title, the form's number (large, and as plain text for
/// typing), the household, the member, the window's dates, three boxes to
/// tick and a short instruction.
pub fn rating_forms(font: &PrintFont, forms: &[RatingForm]) -> PrintResult<Vec<u8>> {
    let first = forms.first().ok_or_else(|| PrintError::Empty("no household needs a paper form".into()))?;
    let mut document = document(format!("{} 党员联户服务满意度评议表", first.community));
    let (w, h) = A4;
    let fh = h / FORMS_PER_SHEET as f32;
    for sheet in forms.chunks(FORMS_PER_SHEET) {
        let mut page = document.start_page_with(page_settings((w, h))?);
        let mut surface = page.surface();
        let mut c = Canvas { surface: &mut surface, font };
        for row in 1..FORMS_PER_SHEET {
            c.line((0.0, fh * row as f32), (w, fh * row as f32), 0.5, GREY, true);
        }
        for (i, form) in sheet.iter().enumerate() {
            let y = i as f32 * fh;
            let pad = 12.0 * MM;
            let inner = w - 2.0 * pad;
            let size = c.fitting(&form.community, 10.0, inner / 2.0);
            c.text(pad, y + pad, size, GREY, Align::Left, &form.community);
            c.text(pad, y + pad + 10.0 * MM, 17.0, RED, Align::Left, "党员联户服务满意度评议表");
            // The number, large, at the top right; and as plain text under it.
            c.text(w - pad, y + pad + 10.0 * MM, 20.0, INK, Align::Right, &form.number_grouped);
            let plain = format!("编号 {}", form.number);
            c.text(w - pad, y + pad + 15.5 * MM, 8.0, GREY, Align::Right, &plain);
            let mut line_y = y + pad + 25.0 * MM;
            for (label, value) in [("住户", &form.household), ("联系党员", &form.member_name), ("评议期", &form.window)]
            {
                let text = format!("{label}：{value}");
                let size = c.fitting(&text, 12.0, inner);
                c.text(pad, line_y, size, INK, Align::Left, &text);
                line_y += 8.0 * MM;
            }
            // Three boxes to tick, one level each.
            let box_side = 7.0 * MM;
            let column = inner / LEVELS.len() as f32;
            let boxes_y = line_y + 1.0 * MM;
            for (k, level) in LEVELS.iter().enumerate() {
                let x = pad + k as f32 * column;
                c.frame(x, boxes_y, box_side, box_side, 1.2, INK);
                c.text(x + box_side + 3.0 * MM, boxes_y + box_side - 1.5 * MM, 14.0, INK, Align::Left, level);
            }
            let note =
                "请在一个方框内打“√”，交回社区党委或联系党员以外的工作人员。本表仅限本户、本评议期使用一次，涂改无效。";
            let size = c.fitting(note, 8.5, inner);
            c.text(pad, y + fh - pad, size, GREY, Align::Left, note);
        }
    }
    finish(document)
}

/// A member's yearly record (个人年度积分记录): who, the year, where the
/// total stands, and every entry by category, as the member's own page
/// shows it. Every value arrives as printed text; the application decides
/// what may be shown (household ratings withheld under three, say).
#[derive(Clone, Debug)]
pub struct MemberRecord {
    pub community: String,
    pub member: String,
    pub branch: String,
    pub year: i16,
    pub total: String,
    /// The stars and rank of a published year, or that the year is running.
    pub standing: String,
    /// The rulebook the points were priced by.
    pub rulebook: String,
    /// The date printed at the foot, e.g. 2026年7月1日.
    pub date: String,
    pub categories: Vec<RecordCategory>,
}

/// One category of the record: its points and what they came from.
#[derive(Clone, Debug)]
pub struct RecordCategory {
    pub name: String,
    pub points: String,
    pub windows: Vec<RecordWindow>,
    pub entries: Vec<RecordEntry>,
}

/// Household ratings in one rating window.
#[derive(Clone, Debug)]
pub struct RecordWindow {
    /// The window's dates.
    pub label: String,
    /// Satisfied, basically satisfied, not satisfied and the points; `None`
    /// where the window has too few ratings to show them.
    pub shown: Option<(i64, i64, i64, String)>,
}

/// One ledger entry as printed.
#[derive(Clone, Debug)]
pub struct RecordEntry {
    pub date: String,
    pub rule: String,
    pub reason: String,
    pub points: String,
    /// Where it came from, in words.
    pub source: String,
    /// A reversal, or reversed: said beside the source.
    pub marks: String,
}

/// One line of the record's body, before it is placed on a sheet.
enum RecordLine<'a> {
    Category(&'a RecordCategory),
    WindowHead,
    Window(&'a RecordWindow),
    EntryHead,
    Entry(&'a RecordEntry),
}

impl RecordLine<'_> {
    fn height(&self) -> f32 {
        match self {
            RecordLine::Category(_) => 12.0 * MM,
            RecordLine::Entry(_) => 10.0 * MM,
            _ => 7.0 * MM,
        }
    }
}

/// A member's yearly record, A4 portrait: the header and summary on the
/// first sheet, then each category with its household-rating windows and
/// its entries (date, rule, reason, source, points), continued on further
/// sheets with the member's name repeated, each sheet numbered.
pub fn member_record(font: &PrintFont, record: &MemberRecord) -> PrintResult<Vec<u8>> {
    let mut document = document(format!("{} {} {}年度积分记录", record.community, record.member, record.year));
    let (w, h) = A4;
    let margin = 16.0 * MM;
    let inner = w - 2.0 * margin;
    let bottom = h - 20.0 * MM;
    let mut lines = Vec::new();
    for category in &record.categories {
        lines.push(RecordLine::Category(category));
        if !category.windows.is_empty() {
            lines.push(RecordLine::WindowHead);
            lines.extend(category.windows.iter().map(RecordLine::Window));
        }
        if !category.entries.is_empty() {
            lines.push(RecordLine::EntryHead);
            lines.extend(category.entries.iter().map(RecordLine::Entry));
        }
    }
    // Lines to sheets: the first sheet starts below the summary.
    let mut sheets: Vec<Vec<RecordLine>> = vec![Vec::new()];
    let mut y = 74.0 * MM;
    for line in lines {
        if y + line.height() > bottom {
            sheets.push(Vec::new());
            y = 36.0 * MM;
        }
        y += line.height();
        sheets.last_mut().expect("a sheet").push(line);
    }
    let count = sheets.len();
    // Columns of an entry line: date, rule and reason, source, points.
    let (date_x, rule_x, source_x, points_x) = (margin, margin + 24.0 * MM, w - margin - 52.0 * MM, w - margin);
    for (index, sheet) in sheets.iter().enumerate() {
        let mut page = document.start_page_with(page_settings((w, h))?);
        let mut surface = page.surface();
        let mut c = Canvas { surface: &mut surface, font };
        let size = c.fitting(&record.community, 11.0, inner);
        c.text(margin, 16.0 * MM, size, GREY, Align::Left, &record.community);
        let mut y = if index == 0 {
            c.text(margin, 28.0 * MM, 20.0, RED, Align::Left, &format!("{}年度党员积分记录", record.year));
            let who = format!("{}　·　{}", record.member, record.branch);
            let size = c.fitting(&who, 15.0, inner);
            c.text(margin, 39.0 * MM, size, INK, Align::Left, &who);
            let total = format!("总积分 {}", record.total);
            c.text(margin, 52.0 * MM, 18.0, INK, Align::Left, &total);
            let size = c.fitting(&record.standing, 13.0, inner / 2.0);
            c.text(w - margin, 52.0 * MM, size, RED, Align::Right, &record.standing);
            let sums: Vec<String> = record.categories.iter().map(|k| format!("{} {}", k.name, k.points)).collect();
            let sums = sums.join("　");
            let size = c.fitting(&sums, 10.5, inner);
            c.text(margin, 60.0 * MM, size, INK, Align::Left, &sums);
            c.line((margin, 64.0 * MM), (w - margin, 64.0 * MM), 0.8, RED, false);
            74.0 * MM
        } else {
            let heading = format!("{}年度党员积分记录（续）　{}", record.year, record.member);
            let size = c.fitting(&heading, 14.0, inner);
            c.text(margin, 26.0 * MM, size, RED, Align::Left, &heading);
            36.0 * MM
        };
        for line in sheet {
            let baseline = y + line.height() - 3.0 * MM;
            match line {
                RecordLine::Category(category) => {
                    c.block(margin, baseline - 5.0 * MM, 2.5, 6.5 * MM, RED);
                    let size = c.fitting(&category.name, 14.0, inner - 40.0 * MM);
                    c.text(margin + 3.0 * MM, baseline, size, RED, Align::Left, &category.name);
                    c.text(points_x, baseline, 14.0, RED, Align::Right, &category.points);
                }
                RecordLine::WindowHead => {
                    c.text(rule_x, baseline, 9.0, GREY, Align::Left, "联系户评议（评议期 · 满意 / 基本满意 / 不满意）");
                    c.text(points_x, baseline, 9.0, GREY, Align::Right, "积分");
                }
                RecordLine::Window(window) => {
                    let size = c.fitting(&window.label, 10.0, source_x - rule_x);
                    c.text(rule_x, baseline, size, INK, Align::Left, &window.label);
                    match &window.shown {
                        Some((satisfied, basically, not, points)) => {
                            let counts = format!("{satisfied} / {basically} / {not}");
                            c.text(source_x, baseline, 10.0, INK, Align::Left, &counts);
                            c.text(points_x, baseline, 10.0, INK, Align::Right, points);
                        }
                        None => {
                            let note = "本期评议不足3条，不公开明细";
                            let size = c.fitting(note, 9.0, points_x - source_x - 14.0 * MM);
                            c.text(source_x, baseline, size, GREY, Align::Left, note);
                            c.text(points_x, baseline, 9.0, GREY, Align::Right, "未公开");
                        }
                    }
                }
                RecordLine::EntryHead => {
                    for (x, align, label) in [
                        (date_x, Align::Left, "日期"),
                        (rule_x, Align::Left, "规则 · 事由"),
                        (source_x, Align::Left, "来源"),
                        (points_x, Align::Right, "积分"),
                    ] {
                        c.text(x, baseline, 9.0, GREY, align, label);
                    }
                    c.line((margin, y + line.height()), (w - margin, y + line.height()), 0.4, GREY, false);
                }
                RecordLine::Entry(entry) => {
                    let top = baseline - 3.5 * MM;
                    c.text(date_x, top, 10.0, INK, Align::Left, &entry.date);
                    let size = c.fitting(&entry.rule, 10.0, source_x - rule_x - 3.0 * MM);
                    c.text(rule_x, top, size, INK, Align::Left, &entry.rule);
                    let size = c.fitting(&entry.reason, 8.0, source_x - rule_x - 3.0 * MM);
                    c.text(rule_x, baseline, size, GREY, Align::Left, &entry.reason);
                    c.text(source_x, top, 10.0, INK, Align::Left, &entry.source);
                    let size = c.fitting(&entry.marks, 8.0, points_x - source_x - 14.0 * MM);
                    c.text(source_x, baseline, size, GREY, Align::Left, &entry.marks);
                    c.text(points_x, top, 10.0, INK, Align::Right, &entry.points);
                    c.line((margin, y + line.height()), (w - margin, y + line.height()), 0.3, GREY, true);
                }
            }
            y += line.height();
        }
        if index + 1 == count {
            let foot = format!("规则 {} · 打印于 {}", record.rulebook, record.date);
            let size = c.fitting(&foot, 8.0, inner);
            c.text(margin, (y + 10.0 * MM).min(bottom + 6.0 * MM), size, GREY, Align::Left, &foot);
        }
        let footer = format!("{} · 第 {} 页，共 {} 页", record.member, index + 1, count);
        c.text(w / 2.0, h - 8.0 * MM, 8.0, GREY, Align::Centre, &footer);
    }
    finish(document)
}
