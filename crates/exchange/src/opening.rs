//! Opening balances (期初积分): past years' points per member and category,
//! and their stars, as a community kept them on paper or in another system,
//! or as `starledger export standings` writes them. A header names each
//! column: 姓名 and 星级 are required; 所属支部, 手机, 年度, 总分 and 名次 are
//! known; every other header is a category as the old sheet named it.

use crate::read::{Cell, Sheet, normalize};
use starledger_domain::org::{PersonName, Phone};
use starledger_domain::points::Points;
use starledger_domain::roll_import::{Place, Problem};

/// One member's past year as a row states it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpeningRecord {
    pub place: Place,
    pub name: PersonName,
    pub branch: Option<String>,
    pub phone: Option<Phone>,
    /// The row's own year (a 年度 column), else the year the import is given.
    pub year: Option<i64>,
    pub stars: u8,
    /// The year's total as the sheet gives it (else the categories' sum).
    pub total: Option<Points>,
    /// (category as the header names it, points), in the sheet's order.
    pub categories: Vec<(String, Points)>,
}

const NAME: &[&str] = &["姓名", "党员姓名", "名字"];
const BRANCH: &[&str] = &["所属支部", "支部", "党支部", "所在支部"];
const PHONE: &[&str] = &["手机", "手机号", "手机号码", "联系电话", "电话"];
const YEAR: &[&str] = &["年度", "年份", "评定年度"];
const STARS: &[&str] = &["星级", "星级评定", "星数", "评定星级"];
const TOTAL: &[&str] = &["总分", "合计", "总积分", "积分合计"];
const IGNORED: &[&str] = &["名次", "排名", "序号", "备注"];

/// The template's columns: (header, width).
pub const TEMPLATE: &[(&str, f64)] = &[
    ("姓名", 10.0),
    ("所属支部", 16.0),
    ("手机", 14.0),
    ("年度", 8.0),
    ("学习教育", 10.0),
    ("联户服务", 10.0),
    ("志愿服务", 10.0),
    ("诚信品德", 10.0),
    ("总分", 8.0),
    ("星级", 6.0),
];

/// The rows of a file, each bad cell a problem naming file, sheet, row and
/// column in Chinese and English.
// `Err(bad(..))`: the problem is recorded, the cell is marked failed.
#[allow(clippy::unit_arg)]
pub fn parse(file: &str, sheets: &[Sheet]) -> (Vec<OpeningRecord>, Vec<Problem>, usize) {
    let table = match crate::table::find(
        file,
        sheets,
        &[NAME, STARS],
        (
            "找不到含“姓名”和“星级”的表头行：请从期初积分的模板开始",
            "no header row with 姓名 and 星级: start from `starledger import template opening`",
        ),
    ) {
        Ok(table) => table,
        Err((problems, rows)) => return (Vec::new(), problems, rows),
    };
    let (name_at, branch_at, phone_at, year_at, stars_at, total_at) = (
        table.column(NAME),
        table.column(BRANCH),
        table.column(PHONE),
        table.column(YEAR),
        table.column(STARS),
        table.column(TOTAL),
    );
    let known = [NAME, BRANCH, PHONE, YEAR, STARS, TOTAL, IGNORED];
    let category_columns: Vec<(usize, String)> = table
        .headers
        .iter()
        .enumerate()
        .filter(|(_, h)| !h.is_empty() && !known.iter().any(|names| names.contains(&h.as_str())))
        .map(|(i, h)| (i, h.clone()))
        .collect();
    let mut problems = Vec::new();
    let mut records = Vec::new();
    for (row, cells) in &table.rows {
        let place = table.place(file, *row);
        let cell = |at: Option<usize>| at.and_then(|i| cells.get(i)).and_then(Cell::text);
        let mut bad = |column: &str, value: Option<&str>, zh: &str, en: &str| {
            problems.push(Problem::new(&place, Some(column), value, zh, en));
        };
        let name = match cell(name_at).map(|n| PersonName::parse(&n).map_err(|e| (n, e))) {
            Some(Ok(name)) => Some(name),
            Some(Err((value, e))) => {
                bad("姓名", Some(&value), &e.zh(), &e.to_string());
                None
            }
            None => {
                bad("姓名", None, "为空：此列必填", "is empty: this column is required");
                None
            }
        };
        let phone = match cell(phone_at) {
            // A masked number (as exports show it) says nothing.
            Some(p) if p.contains('*') => Ok(None),
            Some(p) => Phone::parse(&p).map(Some).map_err(|_| {
                bad(
                    "手机",
                    Some(&p),
                    "不是手机号：以 1 开头的 11 位数字",
                    "is not a mobile number: 11 digits starting with 1",
                )
            }),
            None => Ok(None),
        };
        let year = match cell(year_at) {
            None => Ok(None),
            Some(text) => {
                let digits = normalize(&text).trim_end_matches('年').to_string();
                digits
                    .parse::<i64>()
                    .map(Some)
                    .map_err(|_| bad("年度", Some(&text), "不是年份：写作 2023", "is not a year: write it as 2023"))
            }
        };
        let stars = match cell(stars_at) {
            None => Err(bad("星级", None, "为空：此列必填（0 到 5）", "is empty: write 0 to 5")),
            Some(text) => {
                let count = normalize(&text).trim_end_matches('星').trim_end_matches("星级").to_string();
                let star_marks = text.chars().filter(|c| *c == '★').count();
                match count.parse::<u8>() {
                    Ok(n) if n <= 5 => Ok(n),
                    _ if star_marks > 0 && star_marks <= 5 && text.chars().all(|c| c == '★' || c == '☆') => {
                        Ok(star_marks as u8)
                    }
                    _ => Err(bad("星级", Some(&text), "不是 0 到 5 的星数", "is not a number of stars from 0 to 5")),
                }
            }
        };
        let mut points = |column: &str, text: Option<String>| -> Result<Option<Points>, ()> {
            let Some(text) = text else { return Ok(None) };
            normalize(&text).parse::<Points>().map(Some).map_err(|_| {
                bad(
                    column,
                    Some(&text),
                    "不是积分：写作数字，至多一位小数，如 12.5",
                    "is not points: a number with at most one decimal, like 12.5",
                )
            })
        };
        let total = points("总分", cell(total_at));
        let mut categories = Vec::new();
        let mut categories_ok = true;
        for (at, category) in &category_columns {
            if category.chars().count() > 40 {
                continue;
            }
            match points(category, cell(Some(*at))) {
                Ok(Some(value)) => categories.push((category.clone(), value)),
                Ok(None) => {}
                Err(()) => categories_ok = false,
            }
        }
        if let (Some(name), Ok(phone), Ok(year), Ok(stars), Ok(total), true) =
            (name, phone, year, stars, total, categories_ok)
        {
            records.push(OpeningRecord { place, name, branch: cell(branch_at), phone, year, stars, total, categories });
        }
    }
    (records, problems, table.rows.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::read_csv;

    #[test]
    fn an_exported_standings_sheet_reads_as_opening_balances() {
        let text = "名次,姓名,所属支部,学习教育,联户服务,总分,星级\n1,梁小改,第一党支部,30.5,20,50.5,5\n,胡国强,第一党支部,0,0,0,0\n";
        let sheet = read_csv(text.as_bytes(), "2023年星级评定").unwrap();
        let (records, problems, rows) = parse("2023.csv", &[sheet]);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(rows, 2);
        assert_eq!(records[0].stars, 5);
        assert_eq!(records[0].total, Some(Points::from_tenths(505)));
        assert_eq!(
            records[0].categories,
            [("学习教育".to_string(), Points::from_tenths(305)), ("联户服务".into(), Points::whole(20))]
        );
    }

    #[test]
    fn each_bad_cell_names_its_column_in_both_languages() {
        let text = "姓名,年度,星级,学习教育\n梁小改,去年,6,十分\n,2022,3,1\n";
        let sheet = read_csv(text.as_bytes(), "期初").unwrap();
        let (records, problems, _) = parse("old.csv", &[sheet]);
        assert!(records.is_empty());
        let shown: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(shown.len(), 4, "{shown:?}");
        assert!(shown[0].starts_with("old.csv 期初 row 2, 年度: \"去年\" is not a year"), "{shown:?}");
        assert!(shown.iter().any(|s| s.contains("星级: \"6\"") && s.contains("from 0 to 5")));
        let zh: Vec<String> = problems.iter().map(Problem::to_zh).collect();
        assert!(zh[0].starts_with("old.csv 期初 第 2 行，年度：“去年” 不是年份"), "{zh:?}");
        assert!(zh.iter().any(|s| s.contains("学习教育：“十分” 不是积分")), "{zh:?}");
        assert!(zh.iter().any(|s| s.contains("第 3 行，姓名：为空")), "{zh:?}");
    }
}
