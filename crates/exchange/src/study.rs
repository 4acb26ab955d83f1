//! 学习强国 study weeks as a secretary types them or copies them out of the
//! app: 姓名 (or 手机), the week (its first day, or any day in it), and the
//! days studied that week (天数) with the app's points (积分) if known.

use crate::read::{Cell, Sheet, normalize, parse_date};
use jiff::civil::Date;
use starledger_domain::org::{PersonName, Phone};
use starledger_domain::roll_import::{Place, Problem};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StudyRecord {
    pub place: Place,
    pub name: PersonName,
    pub branch: Option<String>,
    pub phone: Option<Phone>,
    /// The Monday of the week.
    pub week: Date,
    pub days: u8,
    pub points: Option<u32>,
}

const NAME: &[&str] = &["姓名", "党员姓名", "名字"];
const BRANCH: &[&str] = &["所属支部", "支部", "党支部"];
const PHONE: &[&str] = &["手机", "手机号", "手机号码", "联系电话", "电话"];
const WEEK: &[&str] = &["周开始", "周开始日期", "周一", "日期", "学习日期", "周"];
const DAYS: &[&str] = &["天数", "学习天数", "本周学习天数"];
const POINTS: &[&str] = &["积分", "学习积分", "强国积分", "本周积分"];

/// The template's columns: (header, width).
pub const TEMPLATE: &[(&str, f64)] =
    &[("姓名", 10.0), ("所属支部", 16.0), ("手机", 14.0), ("周开始", 12.0), ("天数", 6.0), ("积分", 8.0)];

/// The Monday of the week holding `day`.
pub fn monday_of(day: Date) -> Date {
    let back = i64::from(day.weekday().to_monday_zero_offset());
    day.checked_sub(jiff::Span::new().days(back)).unwrap_or(day)
}

// `Err(bad(..))`: the problem is recorded, the cell is marked failed.
#[allow(clippy::unit_arg)]
pub fn parse(file: &str, sheets: &[Sheet]) -> (Vec<StudyRecord>, Vec<Problem>, usize) {
    let table = match crate::table::find(
        file,
        sheets,
        &[NAME, WEEK, DAYS],
        (
            "找不到含“姓名”“周开始”“天数”的表头行：请从学习强国的模板开始",
            "no header row with 姓名, 周开始 and 天数: start from `starledger import template study`",
        ),
    ) {
        Ok(table) => table,
        Err((problems, rows)) => return (Vec::new(), problems, rows),
    };
    let (name_at, branch_at, phone_at, week_at, days_at, points_at) = (
        table.column(NAME),
        table.column(BRANCH),
        table.column(PHONE),
        table.column(WEEK),
        table.column(DAYS),
        table.column(POINTS),
    );
    let mut problems = Vec::new();
    let mut records = Vec::new();
    for (row, cells) in &table.rows {
        let place = table.place(file, *row);
        let get = |at: Option<usize>| at.and_then(|i| cells.get(i)).cloned().unwrap_or(Cell::Empty);
        let mut bad = |column: &str, value: Option<&str>, zh: &str, en: &str| {
            problems.push(Problem::new(&place, Some(column), value, zh, en));
        };
        let name = match get(name_at).text() {
            None => {
                bad("姓名", None, "为空：此列必填", "is empty: this column is required");
                None
            }
            Some(text) => match PersonName::parse(&text) {
                Ok(name) => Some(name),
                Err(_) => {
                    bad("姓名", Some(&text), "不是有效的姓名", "is not a name");
                    None
                }
            },
        };
        let phone = match get(phone_at).text() {
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
        let week_cell = get(week_at);
        let week = match parse_date(&week_cell) {
            Ok(Some(day)) => Ok(monday_of(day)),
            Ok(None) => {
                Err(bad("周开始", None, "为空：写该周任一天，如 2025-03-03", "is empty: write a day of the week"))
            }
            Err(_) => Err(bad(
                "周开始",
                week_cell.text().as_deref(),
                "不是日期：写作 2025-03-03",
                "is not a date: write it as 2025-03-03",
            )),
        };
        let days = match get(days_at).text().map(|t| (normalize(&t).trim_end_matches('天').parse::<u8>(), t)) {
            Some((Ok(n), _)) if n <= 7 => Ok(n),
            Some((_, text)) => {
                Err(bad("天数", Some(&text), "不是 0 到 7 的天数", "is not a number of days from 0 to 7"))
            }
            None => Err(bad("天数", None, "为空：写本周学习的天数", "is empty: write the days studied that week")),
        };
        let points = match get(points_at).text() {
            None => Ok(None),
            Some(text) => normalize(&text)
                .parse::<u32>()
                .map(Some)
                .map_err(|_| bad("积分", Some(&text), "不是整数积分", "is not a whole number of points")),
        };
        if let (Some(name), Ok(phone), Ok(week), Ok(days), Ok(points)) = (name, phone, week, days, points) {
            records.push(StudyRecord { place, name, branch: get(branch_at).text(), phone, week, days, points });
        }
    }
    (records, problems, table.rows.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::read_csv;
    use jiff::civil::Weekday;

    #[test]
    fn any_day_names_its_week_and_bad_cells_are_named() {
        assert_eq!(monday_of(jiff::civil::date(2025, 3, 9)), jiff::civil::date(2025, 3, 3));
        assert_eq!(jiff::civil::date(2025, 3, 3).weekday(), Weekday::Monday);
        let text = "姓名,周开始,天数,积分\n梁小改,2025年3月5日,6,120\n胡国杰,下周,8,\n";
        let (records, problems, rows) = parse("study.csv", &[read_csv(text.as_bytes(), "学习").unwrap()]);
        assert_eq!(rows, 2);
        assert_eq!(records[0].week, jiff::civil::date(2025, 3, 3));
        assert_eq!((records[0].days, records[0].points), (6, Some(120)));
        let shown: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(shown.len(), 2, "{shown:?}");
        assert!(shown[0].contains("row 3, 周开始: \"下周\" is not a date"), "{shown:?}");
        assert!(problems[0].to_zh().contains("第 3 行，周开始：“下周” 不是日期"), "{:?}", problems[0]);
        assert!(shown[1].contains("row 3, 天数: \"8\""), "{shown:?}");
    }
}
