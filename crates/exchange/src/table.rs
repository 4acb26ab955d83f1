//! A sheet's header row and the data rows under it, as the kinds read row
//! by row (opening balances, 学习强国 study weeks, attendance sheets) find
//! them: the first sheet whose first ten rows hold a header row with every
//! required column, and its non-empty rows below, at most `MAX_ROWS`.

use crate::read::{Cell, Sheet};
use crate::roll::MAX_ROWS;
use starledger_domain::roll_import::{Place, Problem};

/// A header cell as compared with the known names: without the asterisks a
/// template marks required columns with, or spaces.
pub(crate) fn header(text: &str) -> String {
    text.replace(['*', '＊', ' '], "")
}

/// The sheet found, its headers and its non-empty data rows.
pub(crate) struct Table<'a> {
    pub sheet: &'a Sheet,
    pub headers: Vec<String>,
    pub rows: Vec<&'a (u32, Vec<Cell>)>,
}

impl Table<'_> {
    /// The column whose header is one of `names`.
    pub fn column(&self, names: &[&str]) -> Option<usize> {
        self.headers.iter().position(|h| names.contains(&h.as_str()))
    }

    /// Where a row of this table is, for its problems.
    pub fn place(&self, file: &str, row: u32) -> Place {
        Place { file: file.to_string(), sheet: self.sheet.name.clone(), row }
    }
}

/// The table of `sheets` with every one of `required` (each a column's
/// accepted names). `Err`: the problem that stops the file (no such
/// header row, said with `missing` in Chinese and English; or more rows
/// than `MAX_ROWS`) and how many rows were counted.
pub(crate) fn find<'a>(
    file: &str,
    sheets: &'a [Sheet],
    required: &[&[&str]],
    missing: (&str, &str),
) -> Result<Table<'a>, (Vec<Problem>, usize)> {
    let found = sheets.iter().find_map(|sheet| {
        sheet.rows.iter().take(10).enumerate().find_map(|(position, (_, cells))| {
            let headers: Vec<String> = cells.iter().map(|c| c.text().map(|t| header(&t)).unwrap_or_default()).collect();
            let has = |names: &[&str]| headers.iter().any(|h| names.contains(&h.as_str()));
            required.iter().all(|names| has(names)).then_some((sheet, position, headers))
        })
    });
    let Some((sheet, position, headers)) = found else {
        let sheet = sheets.first().map(|s| s.name.clone()).unwrap_or_default();
        let place = Place { file: file.to_string(), sheet, row: 1 };
        return Err((vec![Problem::new(&place, None, None, missing.0, missing.1)], 0));
    };
    let rows: Vec<&(u32, Vec<Cell>)> =
        sheet.rows[position + 1..].iter().filter(|(_, cells)| cells.iter().any(|c| c.text().is_some())).collect();
    let table = Table { sheet, headers, rows };
    let count = table.rows.len();
    if count > MAX_ROWS {
        return Err((
            vec![Problem::new(
                &table.place(file, table.rows[MAX_ROWS].0),
                None,
                None,
                format!("文件有 {count} 行，超过 {MAX_ROWS} 行：请拆分"),
                format!("the file has {count} rows, more than {MAX_ROWS}: split it"),
            )],
            count,
        ));
    }
    Ok(table)
}
