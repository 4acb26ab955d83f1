//! Reading a spreadsheet into rows of cells with their row numbers: `.xlsx`,
//! `.xls` and `.ods` through calamine, `.csv` in UTF-8 (with or without BOM)
//! or GBK/GB18030, as Excel on Chinese Windows saves it.

use calamine::{Data, Reader, open_workbook_auto_from_rs};
use jiff::civil::Date;
use std::path::Path;

/// One cell as the file holds it.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    Date(Date),
}

impl Cell {
    /// The cell as a secretary would read it: numbers without a trailing
    /// `.0` (phone numbers stored as numbers), text trimmed.
    pub fn text(&self) -> Option<String> {
        match self {
            Cell::Empty => None,
            Cell::Text(text) => {
                let text = normalize(text);
                if text.is_empty() { None } else { Some(text) }
            }
            Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => Some(format!("{}", *n as i64)),
            Cell::Number(n) => Some(n.to_string()),
            Cell::Date(d) => Some(d.to_string()),
        }
    }
}

/// Trims, turns full-width digits, letters and spaces into half-width, and
/// collapses the non-breaking space Excel users paste.
pub fn normalize(text: &str) -> String {
    let mapped: String = text.chars().map(starledger_domain::roll_import::fold_width).collect();
    mapped.trim().to_string()
}

/// A sheet: its name and its rows, each with its 1-based row number.
#[derive(Clone, Debug)]
pub struct Sheet {
    pub name: String,
    pub rows: Vec<(u32, Vec<Cell>)>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{file}: cannot read it: {reason}")]
    Unreadable { file: String, reason: String },
    #[error("{file}: \"{extension}\" files are not read; save it as .xlsx, .xls, .ods or .csv")]
    Kind { file: String, extension: String },
    #[error("{file}: {size} bytes is larger than the limit of {limit} bytes; split the file")]
    TooLarge { file: String, size: u64, limit: u64 },
}

impl ReadError {
    /// The refusal in Chinese, for the pages (the reason a file cannot be
    /// read is the reader's own, and stays as it is).
    pub fn zh(&self) -> String {
        match self {
            ReadError::Unreadable { file, reason } => format!("{file}：无法读取（{reason}）。"),
            ReadError::Kind { file, extension } => {
                format!("{file}：不读取“{extension}”文件；请另存为 .xlsx、.xls、.ods 或 .csv。")
            }
            ReadError::TooLarge { file, size, limit } => {
                format!("{file}：{size} 字节，超过 {limit} 字节的上限，请拆分文件。")
            }
        }
    }
}

/// The largest file read (a roll of thousands of rows is far smaller).
pub const MAX_FILE_BYTES: u64 = 10 * 1024 * 1024;

/// The file name a problem is reported under.
pub fn display_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string())
}

/// Every sheet of a workbook, or the one sheet of a CSV file (named after the file).
pub fn read_file(path: &Path) -> Result<Vec<Sheet>, ReadError> {
    let file = display_name(path);
    let size =
        std::fs::metadata(path).map_err(|e| ReadError::Unreadable { file: file.clone(), reason: e.to_string() })?.len();
    if size > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge { file, size, limit: MAX_FILE_BYTES });
    }
    let bytes = std::fs::read(path).map_err(|e| ReadError::Unreadable { file: file.clone(), reason: e.to_string() })?;
    read_bytes(&file, &bytes)
}

/// The same for a file's bytes (an upload), named `file`; its extension says what it is.
pub fn read_bytes(file: &str, bytes: &[u8]) -> Result<Vec<Sheet>, ReadError> {
    let file = file.to_string();
    let unreadable = |reason: String| ReadError::Unreadable { file: file.clone(), reason };
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge { file, size: bytes.len() as u64, limit: MAX_FILE_BYTES });
    }
    let path = Path::new(&file);
    let extension = path.extension().map(|e| e.to_string_lossy().to_lowercase()).unwrap_or_default();
    match extension.as_str() {
        "csv" => {
            let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            read_csv(bytes, &stem).map(|sheet| vec![sheet]).map_err(unreadable)
        }
        "xlsx" | "xlsm" | "xls" | "ods" => {
            let cursor = std::io::Cursor::new(bytes.to_vec());
            let mut workbook = open_workbook_auto_from_rs(cursor).map_err(|e| unreadable(e.to_string()))?;
            let mut sheets = Vec::new();
            for name in workbook.sheet_names() {
                let range = workbook.worksheet_range(&name).map_err(|e| unreadable(e.to_string()))?;
                let (top, left) = range.start().unwrap_or((0, 0));
                let rows = range
                    .rows()
                    .enumerate()
                    .map(|(i, row)| {
                        let mut cells = vec![Cell::Empty; left as usize];
                        cells.extend(row.iter().map(cell));
                        (top + i as u32 + 1, cells)
                    })
                    .collect();
                sheets.push(Sheet { name, rows });
            }
            Ok(sheets)
        }
        _ => Err(ReadError::Kind { file, extension }),
    }
}

fn cell(data: &Data) -> Cell {
    match data {
        Data::Empty | Data::Error(_) => Cell::Empty,
        Data::String(text) => Cell::Text(text.clone()),
        Data::Int(n) => Cell::Number(*n as f64),
        Data::Float(n) => Cell::Number(*n),
        Data::Bool(b) => Cell::Text(if *b { "是" } else { "否" }.into()),
        Data::DateTime(dt) => serial_date(dt.as_f64()).map(Cell::Date).unwrap_or(Cell::Number(dt.as_f64())),
        Data::DateTimeIso(text) => {
            text.get(..10).and_then(|d| d.parse().ok()).map(Cell::Date).unwrap_or_else(|| Cell::Text(text.clone()))
        }
        Data::DurationIso(text) => Cell::Text(text.clone()),
    }
}

/// An Excel day number (1900 system) as a date.
pub fn serial_date(serial: f64) -> Option<Date> {
    if !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    // Day 0 is 1899-12-30 once Excel's phantom 29 February 1900 is passed.
    let epoch = jiff::civil::date(1899, 12, 30);
    epoch.checked_add(jiff::Span::new().days(serial.trunc() as i64)).ok()
}

/// A CSV file's text: UTF-8 (a BOM is dropped), else GB18030, GBK's superset.
pub fn decode_csv(bytes: &[u8]) -> Result<String, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_string());
    }
    let (text, _, had_errors) = encoding_rs::GB18030.decode(bytes);
    if had_errors {
        return Err("the file is neither UTF-8 nor GBK text; save it again as CSV".into());
    }
    Ok(text.into_owned())
}

pub fn read_csv(bytes: &[u8], name: &str) -> Result<Sheet, String> {
    let text = decode_csv(bytes)?;
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| e.to_string())?;
        let line = record.position().map(|p| p.line() as u32).unwrap_or(rows.len() as u32 + 1);
        let cells = record.iter().map(|f| if f.trim().is_empty() { Cell::Empty } else { Cell::Text(f.to_string()) });
        rows.push((line, cells.collect()));
    }
    Ok(Sheet { name: name.to_string(), rows })
}

/// A date as secretaries type it: 2023-09-01, 2023/9/1, 2023.9.1,
/// 2023年9月1日, 20230901, or an Excel day number.
pub fn parse_date(cell: &Cell) -> Result<Option<Date>, String> {
    let text = match cell {
        Cell::Empty => return Ok(None),
        Cell::Date(date) => return Ok(Some(*date)),
        Cell::Number(n) if (10_000.0..100_000.0).contains(n) => {
            return serial_date(*n).map(Some).ok_or_else(|| "is not a date".to_string());
        }
        other => match other.text() {
            Some(text) => text,
            None => return Ok(None),
        },
    };
    let cleaned: String = text.replace(['年', '月', '/', '.'], "-").replace('日', "");
    let parts: Vec<&str> = cleaned.split('-').map(str::trim).collect();
    let numbers: Option<Vec<i32>> = match parts.as_slice() {
        [only] if only.len() == 8 && only.bytes().all(|b| b.is_ascii_digit()) => {
            [&only[..4], &only[4..6], &only[6..]].iter().map(|p| p.parse().ok()).collect()
        }
        [y, m, d] => [y, m, d].iter().map(|p| p.parse().ok()).collect(),
        _ => None,
    };
    let invalid = || "is not a date: write it as 2023-09-01".to_string();
    let [year, month, day] = numbers.ok_or_else(invalid)?.try_into().map_err(|_| invalid())?;
    if !(1900..=2100).contains(&year) {
        return Err(invalid());
    }
    // Checked, not cast: `as i8` would wrap a month of 257 round to 1.
    let (Ok(month), Ok(day)) = (i8::try_from(month), i8::try_from(day)) else { return Err(invalid()) };
    Date::new(year as i16, month, day).map(Some).map_err(|_| invalid())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_the_forms_secretaries_type() {
        let date = |text: &str| parse_date(&Cell::Text(text.into()));
        let expected = Ok(Some(jiff::civil::date(2023, 9, 1)));
        for text in ["2023-09-01", "2023/9/1", "2023.9.1", "2023年9月1日", "20230901", " 2023-9-1 ", "２０２３-９-１"]
        {
            assert_eq!(date(text), expected, "{text}");
        }
        assert_eq!(parse_date(&Cell::Number(45170.0)), expected);
        assert!(date("2023/13/01").is_err());
        assert!(date("去年").is_err());
    }

    /// Found by tests/arbitrary_input.rs: a month or day past 255 wrapped
    /// round into range (1900-1-12545 was read as 1 January 1900).
    #[test]
    fn a_month_or_day_out_of_range_is_refused_not_wrapped() {
        let date = |text: &str| parse_date(&Cell::Text(text.into()));
        for text in ["1900-1-12545", "2023-257-01", "2023年9月257日", "2023/-255/1", "2023.9.65537"] {
            assert!(date(text).is_err(), "{text} read as {:?}", date(text));
        }
    }

    #[test]
    fn gbk_and_bom_csv_read_alike() {
        let text = "姓名,所属支部\n梁小改,第一党支部\n";
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(text.as_bytes());
        for bytes in [gbk.as_ref(), bom.as_slice(), text.as_bytes()] {
            let sheet = read_csv(bytes, "roll").unwrap();
            assert_eq!(sheet.rows[1].0, 2);
            assert_eq!(sheet.rows[1].1[0].text().as_deref(), Some("梁小改"));
        }
    }

    #[test]
    fn phone_numbers_stored_as_numbers_keep_their_digits() {
        assert_eq!(Cell::Number(13800000000.0).text().as_deref(), Some("13800000000"));
    }
}
