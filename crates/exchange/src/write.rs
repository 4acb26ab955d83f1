//! Writing `.xlsx` files: templates with Chinese headers and the exports.
//! Each sheet has a bold, frozen header row and columns wide enough to read.

use crate::roll::Kind;
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use std::path::Path;

/// One value of a written cell.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Text(String),
    Number(f64),
    Empty,
}

impl From<String> for Value {
    fn from(text: String) -> Value {
        Value::Text(text)
    }
}

impl From<&str> for Value {
    fn from(text: &str) -> Value {
        Value::Text(text.to_string())
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(value: Option<T>) -> Value {
        value.map(Into::into).unwrap_or(Value::Empty)
    }
}

/// A sheet to write: its name, (header, width) columns and rows.
pub struct Table {
    pub sheet: String,
    pub columns: Vec<(String, f64)>,
    pub rows: Vec<Vec<Value>>,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot write {file}: {reason}")]
pub struct WriteError {
    pub file: String,
    pub reason: String,
}

pub fn write(path: &Path, tables: &[Table]) -> Result<(), WriteError> {
    let file = path.display().to_string();
    let mut workbook = workbook(&file, tables)?;
    workbook.save(path).map_err(|e| WriteError { file, reason: e.to_string() })
}

/// The same workbook as bytes, for a download.
pub fn xlsx_bytes(file: &str, tables: &[Table]) -> Result<Vec<u8>, WriteError> {
    let mut workbook = workbook(file, tables)?;
    workbook.save_to_buffer().map_err(|e| WriteError { file: file.to_string(), reason: e.to_string() })
}

fn workbook(file: &str, tables: &[Table]) -> Result<Workbook, WriteError> {
    let failed = |e: XlsxError| WriteError { file: file.to_string(), reason: e.to_string() };
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    // Text, so that phone numbers keep every digit and dates read as typed.
    let text = Format::new().set_num_format("@");
    for table in tables {
        let sheet = workbook.add_worksheet();
        // Excel's limit on a sheet's name is 31 characters, without []:*?/\.
        let name: String =
            table.sheet.chars().filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\')).take(31).collect();
        sheet.set_name(&name).map_err(failed)?;
        for (col, (header, width)) in table.columns.iter().enumerate() {
            let col = col as u16;
            sheet.write_string_with_format(0, col, header, &bold).map_err(failed)?;
            sheet.set_column_width(col, *width).map_err(failed)?;
        }
        sheet.set_freeze_panes(1, 0).map_err(failed)?;
        for (r, row) in table.rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (col, value) in row.iter().enumerate() {
                let col = col as u16;
                match value {
                    Value::Text(t) => sheet.write_string_with_format(r, col, t, &text).map(|_| ()),
                    Value::Number(n) => sheet.write_number(r, col, *n).map(|_| ()),
                    Value::Empty => Ok(()),
                }
                .map_err(failed)?;
            }
        }
    }
    Ok(workbook)
}

/// A table as CSV in UTF-8 with a BOM, so that Excel on Chinese Windows
/// opens it as UTF-8 rather than guessing GBK; numbers as written
/// (`12.5`, `3`), empty cells empty.
pub fn csv_bytes(table: &Table) -> Vec<u8> {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    {
        let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(&mut bytes);
        let header: Vec<&str> = table.columns.iter().map(|(h, _)| h.as_str()).collect();
        // Writing into a Vec cannot fail.
        let _ = writer.write_record(&header);
        for row in &table.rows {
            let cells: Vec<String> = row
                .iter()
                .map(|value| match value {
                    Value::Text(t) => t.clone(),
                    Value::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
                    Value::Number(n) => n.to_string(),
                    Value::Empty => String::new(),
                })
                .collect();
            let _ = writer.write_record(&cells);
        }
        let _ = writer.flush();
    }
    bytes
}

/// Writes a table as CSV (see [`csv_bytes`]).
pub fn write_csv(path: &Path, table: &Table) -> Result<(), WriteError> {
    std::fs::write(path, csv_bytes(table))
        .map_err(|e| WriteError { file: path.display().to_string(), reason: e.to_string() })
}

/// The headers of a kind, required ones first as the template shows them.
pub fn columns(kind: Kind) -> Vec<(String, f64)> {
    kind.columns().iter().map(|c| (c.header.to_string(), c.width)).collect()
}

/// An empty template for a kind, with one example row a secretary overwrites.
pub fn template(path: &Path, kind: Kind) -> Result<(), WriteError> {
    write(path, &[Table { sheet: kind.sheet_name().into(), columns: columns(kind), rows: Vec::new() }])
}

/// The kinds a template is written for, as `starledger import template KIND`
/// and the import page name them.
pub const TEMPLATE_KINDS: &[&str] = &["members", "households", "links", "opening", "study", "attendance"];

/// The empty template of a kind named as in [`TEMPLATE_KINDS`]: its sheet
/// named as secretaries name it, the Chinese headers, a frozen header row.
pub fn template_table(kind: &str) -> Option<Table> {
    let other = |sheet: &str, columns: &[(&str, f64)]| Table {
        sheet: sheet.into(),
        columns: columns.iter().map(|(h, w)| (h.to_string(), *w)).collect(),
        rows: Vec::new(),
    };
    match kind {
        "opening" => Some(other("期初积分", crate::opening::TEMPLATE)),
        "study" => Some(other("学习强国", crate::study::TEMPLATE)),
        "attendance" => Some(other("会议签到表", crate::attendance::TEMPLATE)),
        _ => Kind::parse(kind).map(|kind| Table {
            sheet: kind.sheet_name().into(),
            columns: columns(kind),
            rows: Vec::new(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_has_a_bom_and_reads_back_as_written() {
        let table = Table {
            sheet: "积分".into(),
            columns: vec![("姓名".into(), 10.0), ("积分".into(), 8.0), ("手机".into(), 14.0)],
            rows: vec![
                vec!["梁小改".into(), Value::Number(12.5), "138****0001".into()],
                vec!["胡国杰, 二组".into(), Value::Number(3.0), Value::Empty],
            ],
        };
        let bytes = csv_bytes(&table);
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "a BOM first");
        let sheet = crate::read::read_csv(&bytes, "积分").unwrap();
        let text: Vec<Vec<Option<String>>> =
            sheet.rows.iter().map(|(_, cells)| cells.iter().map(|c| c.text()).collect()).collect();
        assert_eq!(text[0], [Some("姓名".to_string()), Some("积分".into()), Some("手机".into())]);
        assert_eq!(text[1], [Some("梁小改".to_string()), Some("12.5".into()), Some("138****0001".into())]);
        assert_eq!(text[2][0].as_deref(), Some("胡国杰, 二组"), "a comma is quoted");
        assert_eq!(text[2][1].as_deref(), Some("3"));
    }

    #[test]
    fn a_long_sheet_name_is_cut_to_what_excel_takes() {
        let table = Table { sheet: "名".repeat(40) + "[x]", columns: vec![("a".into(), 5.0)], rows: Vec::new() };
        let bytes = xlsx_bytes("t.xlsx", &[table]).unwrap();
        let sheets = crate::read::read_bytes("t.xlsx", &bytes).unwrap();
        assert_eq!(sheets[0].name.chars().count(), 31);
    }
}
