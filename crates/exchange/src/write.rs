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
    let failed = |e: XlsxError| WriteError { file: path.display().to_string(), reason: e.to_string() };
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    // Text, so that phone numbers keep every digit and dates read as typed.
    let text = Format::new().set_num_format("@");
    for table in tables {
        let sheet = workbook.add_worksheet();
        sheet.set_name(&table.sheet).map_err(failed)?;
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
    workbook.save(path).map_err(failed)
}

/// The headers of a kind, required ones first as the template shows them.
pub fn columns(kind: Kind) -> Vec<(String, f64)> {
    kind.columns().iter().map(|c| (c.header.to_string(), c.width)).collect()
}

/// An empty template for a kind, with one example row a secretary overwrites.
pub fn template(path: &Path, kind: Kind) -> Result<(), WriteError> {
    write(path, &[Table { sheet: kind.sheet_name().into(), columns: columns(kind), rows: Vec::new() }])
}
