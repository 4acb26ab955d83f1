//! Meeting attendance sheets (会议签到表) as a branch keeps them: the
//! meeting (会议日期 and 会议名称, or a meeting chosen when importing), the
//! member (姓名, with 所属支部 or 手机 where two share a name), and how they
//! attended (出席情况: 出席, 迟到, 请假 or 缺席, and the usual variants such
//! as 已到, √, 病假, 未到).

use crate::read::{Cell, Sheet, normalize, parse_date};
use jiff::civil::Date;
use starledger_domain::meetings::Attendance;
use starledger_domain::org::{PersonName, Phone};
use starledger_domain::roll_import::{Place, Problem};

/// One member's attendance at one meeting, as a row states it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttendanceRecord {
    pub place: Place,
    /// The meeting's day, where the sheet names it.
    pub meeting_on: Option<Date>,
    /// The meeting's title, where the sheet names it.
    pub meeting_title: Option<String>,
    pub name: PersonName,
    pub branch: Option<String>,
    pub phone: Option<Phone>,
    pub status: Attendance,
}

const DATE: &[&str] = &["会议日期", "日期", "开会日期", "会议时间", "时间"];
const TITLE: &[&str] = &["会议名称", "会议", "会议主题", "主题", "会议内容"];
const NAME: &[&str] = &["姓名", "党员姓名", "名字"];
const BRANCH: &[&str] = &["所属支部", "支部", "党支部", "所在支部"];
const PHONE: &[&str] = &["手机", "手机号", "手机号码", "联系电话", "电话"];
const STATUS: &[&str] = &["出席情况", "出勤情况", "考勤", "签到情况", "参会情况", "出席", "状态"];

/// The template's columns: (header, width).
pub const TEMPLATE: &[(&str, f64)] =
    &[("会议日期", 12.0), ("会议名称", 24.0), ("姓名", 10.0), ("所属支部", 16.0), ("出席情况", 10.0)];

/// How a cell of 出席情况 reads, tolerant of what secretaries write.
pub fn parse_status(text: &str) -> Option<Attendance> {
    let text = normalize(text).to_lowercase();
    let exact = match text.as_str() {
        "出席" | "参加" | "参会" | "到会" | "已到" | "到" | "签到" | "已签到" | "出勤" | "是" | "√" | "✓" | "✔"
        | "present" => Some(Attendance::Present),
        "迟到" | "late" => Some(Attendance::Late),
        "请假" | "已请假" | "事假" | "病假" | "公假" | "假" | "excused" | "leave" => {
            Some(Attendance::Excused)
        }
        "缺席" | "缺勤" | "未到" | "未参加" | "未出席" | "旷会" | "否" | "×" | "✗" | "✘" | "x" | "absent" => {
            Some(Attendance::Absent)
        }
        _ => None,
    };
    // 迟到10分钟, 请假（外出）, 缺席（未请假）: the first word decides.
    exact.or_else(|| {
        [
            ("迟到", Attendance::Late),
            ("请假", Attendance::Excused),
            ("事假", Attendance::Excused),
            ("病假", Attendance::Excused),
            ("缺席", Attendance::Absent),
            ("未到", Attendance::Absent),
            ("出席", Attendance::Present),
        ]
        .into_iter()
        .find(|(word, _)| text.starts_with(word))
        .map(|(_, status)| status)
    })
}

/// The rows of a file, each bad cell a problem naming file, sheet, row and
/// column in Chinese and English, and how many rows it had.
// `Err(bad(..))`: the problem is recorded, the cell is marked failed.
#[allow(clippy::unit_arg)]
pub fn parse(file: &str, sheets: &[Sheet]) -> (Vec<AttendanceRecord>, Vec<Problem>, usize) {
    let table = match crate::table::find(
        file,
        sheets,
        &[NAME, STATUS],
        (
            "找不到含“姓名”和“出席情况”的表头行：请从会议签到表的模板开始",
            "no header row with 姓名 and 出席情况: start from `starledger import template attendance`",
        ),
    ) {
        Ok(table) => table,
        Err((problems, rows)) => return (Vec::new(), problems, rows),
    };
    let (date_at, title_at, name_at, branch_at, phone_at, status_at) = (
        table.column(DATE),
        table.column(TITLE),
        table.column(NAME),
        table.column(BRANCH),
        table.column(PHONE),
        table.column(STATUS),
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
                Err(e) => {
                    bad("姓名", Some(&text), &e.zh(), &e.to_string());
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
        let date_cell = get(date_at);
        let meeting_on = parse_date(&date_cell).map_err(|_| {
            bad(
                "会议日期",
                date_cell.text().as_deref(),
                "不是日期：写作 2025-03-08",
                "is not a date: write it as 2025-03-08",
            )
        });
        let status = match get(status_at).text() {
            None => {
                Err(bad("出席情况", None, "为空：写出席、迟到、请假或缺席", "is empty: write 出席, 迟到, 请假 or 缺席"))
            }
            Some(text) => parse_status(&text).ok_or_else(|| {
                bad(
                    "出席情况",
                    Some(&text),
                    "无法识别：写出席、迟到、请假或缺席",
                    "is not an attendance: write 出席 (present), 迟到 (late), 请假 (on leave) or 缺席 (absent)",
                )
            }),
        };
        if let (Some(name), Ok(phone), Ok(meeting_on), Ok(status)) = (name, phone, meeting_on, status) {
            records.push(AttendanceRecord {
                place,
                meeting_on,
                meeting_title: get(title_at).text(),
                name,
                branch: get(branch_at).text(),
                phone,
                status,
            });
        }
    }
    (records, problems, table.rows.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::read_csv;

    #[test]
    fn the_usual_ways_of_writing_attendance_are_read() {
        for (text, status) in [
            ("出席", Attendance::Present),
            (" √ ", Attendance::Present),
            ("已到", Attendance::Present),
            ("迟到10分钟", Attendance::Late),
            ("病假", Attendance::Excused),
            ("请假（外出务工）", Attendance::Excused),
            ("未到", Attendance::Absent),
            ("缺席", Attendance::Absent),
            ("Absent", Attendance::Absent),
        ] {
            assert_eq!(parse_status(text), Some(status), "{text}");
        }
        assert_eq!(parse_status("睡觉"), None);
    }

    #[test]
    fn a_sheet_under_a_title_row_and_its_bad_cells() {
        let text = "第一党支部会议签到表,,,\n会议日期,会议名称,党员姓名,考勤\n2025年3月8日,三月主题党日,梁小改,√\n\
                    2025-03-08,三月主题党日,胡国杰,睡觉\n2025-13-08,三月主题党日,,出席\n";
        let (records, problems, rows) = parse("签到.csv", &[read_csv(text.as_bytes(), "签到").unwrap()]);
        assert_eq!(rows, 3);
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].meeting_on, Some(jiff::civil::date(2025, 3, 8)));
        assert_eq!(records[0].status, Attendance::Present);
        let zh: Vec<String> = problems.iter().map(Problem::to_zh).collect();
        assert_eq!(zh.len(), 3, "{zh:?}");
        assert!(zh[0].contains("第 4 行，出席情况：“睡觉” 无法识别"), "{zh:?}");
        assert!(problems[0].to_string().contains("row 4, 出席情况: \"睡觉\" is not an attendance"), "{problems:?}");
        assert!(zh.iter().any(|p| p.contains("第 5 行，会议日期")), "{zh:?}");
        assert!(zh.iter().any(|p| p.contains("第 5 行，姓名：为空")), "{zh:?}");
    }
}
