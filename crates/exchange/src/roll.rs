//! The three roll sheets (党员花名册, 农户台账, 联户名单): their Chinese headers
//! with the usual variants, and rows turned into the domain's records, each
//! bad cell a problem that names file, sheet, row and column.

use crate::read::{Cell, Sheet, parse_date};
use starledger_domain::org::{PersonName, Phone};
use starledger_domain::roll_import::{HouseholdRecord, LinkRecord, MemberRecord, Place, Problem, Records};

/// What a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Members,
    Households,
    Links,
}

impl Kind {
    pub fn parse(text: &str) -> Option<Kind> {
        match text {
            "members" => Some(Kind::Members),
            "households" => Some(Kind::Households),
            "links" => Some(Kind::Links),
            _ => None,
        }
    }

    /// The kind as `starledger import KIND` and the page name it.
    pub fn key(self) -> &'static str {
        match self {
            Kind::Members => "members",
            Kind::Households => "households",
            Kind::Links => "links",
        }
    }

    pub fn sheet_name(self) -> &'static str {
        match self {
            Kind::Members => "党员",
            Kind::Households => "农户",
            Kind::Links => "联户",
        }
    }

    /// The columns, in template order: (header, variants, required).
    pub fn columns(self) -> &'static [Column] {
        match self {
            Kind::Members => MEMBER_COLUMNS,
            Kind::Households => HOUSEHOLD_COLUMNS,
            Kind::Links => LINK_COLUMNS,
        }
    }
}

pub struct Column {
    pub header: &'static str,
    pub variants: &'static [&'static str],
    pub required: bool,
    /// Width in characters in a written sheet.
    pub width: f64,
}

const fn column(header: &'static str, variants: &'static [&'static str], required: bool, width: f64) -> Column {
    Column { header, variants, required, width }
}

pub const MEMBER_COLUMNS: &[Column] = &[
    column("姓名", &["党员姓名", "名字"], true, 10.0),
    column("所属支部", &["支部", "党支部", "所在支部"], true, 16.0),
    column("党小组", &["所属党小组", "小组"], false, 12.0),
    column("手机", &["手机号", "手机号码", "联系电话", "电话"], false, 14.0),
    column("职务", &["党内职务", "职位"], false, 12.0),
    column("入党时间", &["入党日期", "入党年月"], false, 12.0),
    column("预备党员", &["是否预备党员", "预备"], false, 10.0),
    column("免于联户原因", &["免联户原因", "免于联户", "不联户原因"], false, 16.0),
];

pub const HOUSEHOLD_COLUMNS: &[Column] = &[
    column("地址", &["住址", "家庭住址", "门牌"], true, 28.0),
    column("户主", &["户主姓名", "姓名"], true, 10.0),
    column("电话", &["手机", "联系电话", "手机号"], false, 14.0),
];

pub const LINK_COLUMNS: &[Column] = &[
    column("地址", &["农户地址", "住址", "家庭住址"], true, 28.0),
    column("户主", &["户主姓名"], false, 10.0),
    column("党员姓名", &["联户党员", "党员", "姓名"], true, 10.0),
    column("所属支部", &["支部", "党支部"], false, 16.0),
];

/// The rows of one sheet under their headers.
struct Table<'a> {
    file: &'a str,
    sheet: &'a Sheet,
    /// Column index of each of the kind's columns, if present.
    index: Vec<Option<usize>>,
    header_row: usize,
}

fn header_matches(column: &Column, text: &str) -> bool {
    let text = text.replace(['*', '＊', ' '], "");
    text == column.header || column.variants.contains(&text.as_str())
}

/// Finds the header row: the first of the first ten rows holding every
/// required header (a title row above it, merged or not, is skipped).
fn table<'a>(file: &'a str, sheet: &'a Sheet, kind: Kind) -> Option<Table<'a>> {
    let columns = kind.columns();
    for (position, (_, cells)) in sheet.rows.iter().enumerate().take(10) {
        let texts: Vec<Option<String>> = cells.iter().map(Cell::text).collect();
        let index: Vec<Option<usize>> = columns
            .iter()
            .map(|c| texts.iter().position(|t| t.as_deref().is_some_and(|t| header_matches(c, t))))
            .collect();
        if columns.iter().zip(&index).all(|(c, i)| !c.required || i.is_some()) {
            return Some(Table { file, sheet, index, header_row: position });
        }
    }
    None
}

/// The rows of a file for one kind, as (place, cells by column).
fn rows<'a>(file: &'a str, sheets: &'a [Sheet], kind: Kind, problems: &mut Vec<Problem>) -> Vec<(Place, Vec<Cell>)> {
    let Some(table) = sheets.iter().find_map(|sheet| table(file, sheet, kind)) else {
        let required: Vec<&str> = kind.columns().iter().filter(|c| c.required).map(|c| c.header).collect();
        let sheet = sheets.first().map(|s| s.name.clone()).unwrap_or_default();
        problems.push(Problem::new(
            &Place { file: file.to_string(), sheet, row: 1 },
            None,
            None,
            format!("找不到含{}各列的表头行：请从“{}”模板开始", required.join("、"), kind.sheet_name()),
            format!(
                "no header row with the columns {}: start from `starledger import template {}`",
                required.join("、"),
                kind.key()
            ),
        ));
        return Vec::new();
    };
    table.sheet.rows[table.header_row + 1..]
        .iter()
        .filter(|(_, cells)| cells.iter().any(|c| c.text().is_some()))
        .map(|(row, cells)| {
            let place = Place { file: table.file.to_string(), sheet: table.sheet.name.clone(), row: *row };
            let picked = table.index.iter().map(|i| i.and_then(|i| cells.get(i).cloned()).unwrap_or(Cell::Empty));
            (place, picked.collect())
        })
        .collect()
}

/// Reads one column's cell of a row, with its header for problems.
struct Row<'a> {
    place: &'a Place,
    cells: &'a [Cell],
    columns: &'static [Column],
    problems: Vec<Problem>,
}

impl<'a> Row<'a> {
    fn cell(&self, header: &str) -> (&'static str, &'a Cell) {
        let i = self.columns.iter().position(|c| c.header == header).expect("a known column");
        (self.columns[i].header, &self.cells[i])
    }

    fn text(&mut self, header: &str) -> Option<String> {
        self.cell(header).1.text()
    }

    fn required(&mut self, header: &str) -> Option<String> {
        let value = self.text(header);
        if value.is_none() {
            let (column, _) = self.cell(header);
            self.problems.push(Problem::new(
                self.place,
                Some(column),
                None,
                "为空：此列必填",
                "is empty: this column is required",
            ));
        }
        value
    }

    fn name(&mut self, header: &str) -> Option<PersonName> {
        let value = self.required(header)?;
        match PersonName::parse(&value) {
            Ok(name) => Some(name),
            Err(e) => {
                self.problems.push(Problem::new(self.place, Some(header), Some(&value), e.zh(), e.to_string()));
                None
            }
        }
    }

    fn phone(&mut self, header: &str) -> Result<Option<Phone>, ()> {
        let Some(value) = self.text(header) else { return Ok(None) };
        // A masked number (138****5678, as exports show it) says nothing new.
        if value.contains('*') {
            return Ok(None);
        }
        match Phone::parse(&value) {
            Ok(phone) => Ok(Some(phone)),
            Err(_) => {
                self.problems.push(Problem::new(
                    self.place,
                    Some(header),
                    Some(&value),
                    "不是手机号：以 1 开头的 11 位数字",
                    "is not a mobile number: 11 digits starting with 1",
                ));
                Err(())
            }
        }
    }

    fn flag(&mut self, header: &str) -> Result<bool, ()> {
        match self.text(header).as_deref() {
            None | Some("否" | "N" | "n" | "no" | "0" | "正式" | "正式党员") => Ok(false),
            Some("是" | "Y" | "y" | "yes" | "1" | "预备" | "预备党员") => Ok(true),
            Some(other) => {
                self.problems.push(Problem::new(
                    self.place,
                    Some(header),
                    Some(other),
                    "请填写“是”或“否”",
                    "write 是 or 否",
                ));
                Err(())
            }
        }
    }
}

/// What a date cell that is not one says to a Chinese reader.
pub const DATE_ZH: &str = "不是日期：写作 2023-09-01";

/// Parsed rows of a kind, and every problem found in the cells.
pub struct Parsed<R> {
    pub records: Vec<R>,
    pub problems: Vec<Problem>,
    /// Rows read, good or bad.
    pub rows: usize,
}

/// The largest number of rows in one file.
pub const MAX_ROWS: usize = 20_000;

fn too_many(file: &str, count: usize, problems: &mut Vec<Problem>) -> bool {
    if count > MAX_ROWS {
        let place = Place { file: file.to_string(), sheet: String::new(), row: (MAX_ROWS + 1) as u32 };
        problems.push(Problem::new(
            &place,
            None,
            None,
            format!("文件有 {count} 行，超过 {MAX_ROWS} 行：请拆分"),
            format!("the file has {count} rows, more than {MAX_ROWS}: split it"),
        ));
        return true;
    }
    false
}

/// A file's rows of one kind as records, the problems of its cells, and how many rows it had.
pub fn parse(kind: Kind, file: &str, sheets: &[Sheet]) -> (Records, Vec<Problem>, usize) {
    match kind {
        Kind::Members => {
            let parsed = members(file, sheets);
            (Records::Members(parsed.records), parsed.problems, parsed.rows)
        }
        Kind::Households => {
            let parsed = households(file, sheets);
            (Records::Households(parsed.records), parsed.problems, parsed.rows)
        }
        Kind::Links => {
            let parsed = links(file, sheets);
            (Records::Links(parsed.records), parsed.problems, parsed.rows)
        }
    }
}

pub fn members(file: &str, sheets: &[Sheet]) -> Parsed<MemberRecord> {
    let mut problems = Vec::new();
    let rows = rows(file, sheets, Kind::Members, &mut problems);
    let mut records = Vec::new();
    if too_many(file, rows.len(), &mut problems) {
        return Parsed { records, problems, rows: rows.len() };
    }
    for (place, cells) in &rows {
        let mut row = Row { place, cells, columns: MEMBER_COLUMNS, problems: Vec::new() };
        let name = row.name("姓名");
        let branch = row.required("所属支部");
        let party_group = row.text("党小组");
        let phone = row.phone("手机");
        let post = row.text("职务").filter(|p| !matches!(p.as_str(), "无" | "-" | "—"));
        let exempt_reason = row.text("免于联户原因").filter(|p| !matches!(p.as_str(), "无" | "-" | "—"));
        let (column, cell) = row.cell("入党时间");
        let joined_on = match parse_date(cell) {
            Ok(date) => Ok(date),
            Err(message) => {
                let value = cell.text();
                row.problems.push(Problem::new(place, Some(column), value.as_deref(), DATE_ZH, message));
                Err(())
            }
        };
        let probationary = row.flag("预备党员");
        problems.append(&mut row.problems);
        if let (Some(name), Some(branch), Ok(phone), Ok(joined_on), Ok(probationary)) =
            (name, branch, phone, joined_on, probationary)
        {
            records.push(MemberRecord {
                place: place.clone(),
                name,
                branch,
                party_group,
                phone,
                post,
                exempt_reason,
                joined_on,
                probationary,
            });
        }
    }
    Parsed { records, problems, rows: rows.len() }
}

pub fn households(file: &str, sheets: &[Sheet]) -> Parsed<HouseholdRecord> {
    let mut problems = Vec::new();
    let rows = rows(file, sheets, Kind::Households, &mut problems);
    let mut records = Vec::new();
    if too_many(file, rows.len(), &mut problems) {
        return Parsed { records, problems, rows: rows.len() };
    }
    for (place, cells) in &rows {
        let mut row = Row { place, cells, columns: HOUSEHOLD_COLUMNS, problems: Vec::new() };
        let address = row.required("地址");
        let head = row.name("户主");
        let phone = row.phone("电话");
        problems.append(&mut row.problems);
        if let (Some(address), Some(head), Ok(phone)) = (address, head, phone) {
            records.push(HouseholdRecord { place: place.clone(), address, head: Some(head.to_string()), phone });
        }
    }
    Parsed { records, problems, rows: rows.len() }
}

pub fn links(file: &str, sheets: &[Sheet]) -> Parsed<LinkRecord> {
    let mut problems = Vec::new();
    let rows = rows(file, sheets, Kind::Links, &mut problems);
    let mut records = Vec::new();
    if too_many(file, rows.len(), &mut problems) {
        return Parsed { records, problems, rows: rows.len() };
    }
    for (place, cells) in &rows {
        let mut row = Row { place, cells, columns: LINK_COLUMNS, problems: Vec::new() };
        let address = row.required("地址");
        let member = row.name("党员姓名");
        let branch = row.text("所属支部");
        problems.append(&mut row.problems);
        if let (Some(address), Some(member)) = (address, member) {
            records.push(LinkRecord { place: place.clone(), address, member, branch });
        }
    }
    Parsed { records, problems, rows: rows.len() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::read_csv;

    #[test]
    fn headers_under_a_title_row_with_variants() {
        let text = "十里社区党员花名册,,,\n,,,\n党员姓名,支部,联系电话,入党日期\n梁小改 ,第一党支部,13800000001,2023年9月1日\n";
        let sheet = read_csv(text.as_bytes(), "roll").unwrap();
        let parsed = members("roll.csv", &[sheet]);
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        let record = &parsed.records[0];
        assert_eq!(record.place.row, 4);
        assert_eq!(record.name.as_str(), "梁小改");
        assert_eq!(record.joined_on, Some(jiff::civil::date(2023, 9, 1)));
    }

    #[test]
    fn each_bad_cell_is_named() {
        let text = "姓名,所属支部,入党时间,手机\n,第一党支部,2023-01-01,\n张三,第一党支部,2023/13/01,123\n";
        let sheet = read_csv(text.as_bytes(), "roll").unwrap();
        let parsed = members("roll.csv", &[sheet]);
        let shown: Vec<String> = parsed.problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(shown.len(), 3, "{shown:?}");
        assert!(shown[0].starts_with("roll.csv roll row 2, 姓名: is empty"));
        assert!(shown.iter().any(|s| s.starts_with("roll.csv roll row 3, 手机: \"123\"")));
        assert!(shown.iter().any(|s| s.starts_with("roll.csv roll row 3, 入党时间: \"2023/13/01\" is not a date")));
        assert!(parsed.records.is_empty());
    }
}
