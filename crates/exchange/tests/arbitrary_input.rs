//! Arbitrary files thrown at the import readers (issue 17): any bytes under
//! any name, CSV text in UTF-8 or GBK with any cells, damaged workbooks.
//! Nothing panics; a file that cannot be read is refused under its name;
//! every problem of a row names its row and its column; a date is read as
//! written or refused, never turned into another date.

use jiff::civil::Date;
use proptest::prelude::*;
use starledger_domain::roll_import::Records;
use starledger_exchange::read::{Cell, parse_date};
use starledger_exchange::roll::{self, Kind};
use starledger_exchange::{ReadError, read_bytes};

/// What a secretary's cell may hold: headers, names, phones, dates, flags,
/// and the odd characters pasted from elsewhere.
fn cell_text() -> impl Strategy<Value = String> {
    let known: Vec<String> = [Kind::Members, Kind::Households, Kind::Links]
        .iter()
        .flat_map(|k| k.columns().iter().flat_map(|c| std::iter::once(c.header).chain(c.variants.iter().copied())))
        .chain([
            "张三",
            "第一党支部",
            "13800000001",
            "138****0001",
            "2023-09-01",
            "2023年9月1日",
            "20230901",
            "2023-257-01",
            "2023/2/30",
            "45000",
            "是",
            "否",
            "maybe",
            "东街1号",
            "",
            " ",
            "\u{3000}",
            "１３８００００００１",
        ])
        .map(str::to_string)
        .collect();
    prop_oneof![
        3 => prop::sample::select(known),
        1 => ".{0,12}",
        1 => "[\"',\r\n\u{0}-\u{1f}]{0,4}",
        1 => "假{41,45}",
    ]
}

fn kind() -> impl Strategy<Value = Kind> {
    prop::sample::select(vec![Kind::Members, Kind::Households, Kind::Links])
}

/// Rows of cells as CSV text (quoted where needed, as Excel writes it).
fn csv_text(rows: &[Vec<String>]) -> String {
    let mut out = String::new();
    for row in rows {
        let cells: Vec<String> =
            row.iter()
                .map(|c| {
                    if c.contains([',', '"', '\n', '\r']) {
                        format!("\"{}\"", c.replace('"', "\"\""))
                    } else {
                        c.clone()
                    }
                })
                .collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

/// Parses `bytes` as `kind` from a file named `name` and checks that every
/// problem names a place in it.
fn check_parse(kind: Kind, name: &str, bytes: &[u8]) -> Result<(), TestCaseError> {
    let sheets = match read_bytes(name, bytes) {
        Ok(sheets) => sheets,
        Err(error) => {
            prop_assert!(error.to_string().starts_with(name), "{}", error);
            return Ok(());
        }
    };
    let last_row = sheets.iter().flat_map(|s| s.rows.iter().map(|(row, _)| *row)).max().unwrap_or(1);
    let (records, problems, rows) = roll::parse(kind, name, &sheets);
    let headers: Vec<&str> = kind.columns().iter().map(|c| c.header).collect();
    for problem in &problems {
        prop_assert_eq!(&problem.place.file, name);
        prop_assert!(problem.place.row >= 1 && problem.place.row <= last_row.max(1), "{}", problem);
        if let Some(column) = &problem.column {
            prop_assert!(headers.contains(&column.as_str()), "{} names no column of {:?}", problem, headers);
        }
        let row = format!("row {}", problem.place.row);
        prop_assert!(problem.to_string().contains(&row), "{}", problem);
    }
    let taken = match records {
        Records::Members(r) => r.len(),
        Records::Households(r) => r.len(),
        Records::Links(r) => r.len(),
    };
    prop_assert!(taken <= rows, "{} records from {} rows", taken, rows);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_bytes_under_any_name_are_read_or_refused_by_name(
        name in prop_oneof![
            "[a-z]{1,8}\\.(csv|CSV|xlsx|xls|xlsm|ods|txt|pdf)",
            ".{0,16}",
            Just(String::new()),
            Just(".csv".to_string()),
        ],
        bytes in prop::collection::vec(any::<u8>(), 0..300),
    ) {
        match read_bytes(&name, &bytes) {
            Ok(sheets) => prop_assert!(!sheets.is_empty()),
            Err(ReadError::Kind { file, .. } | ReadError::Unreadable { file, .. } | ReadError::TooLarge { file, .. }) => {
                prop_assert_eq!(file, name)
            }
        }
    }

    #[test]
    fn a_damaged_workbook_is_refused_not_a_panic(
        kind in kind(),
        extension in prop::sample::select(vec!["xlsx", "ods", "xls"]),
        damage in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        cut in any::<prop::sample::Index>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("template.xlsx");
        starledger_exchange::write::template(&path, kind).unwrap();
        let mut bytes = std::fs::read(&path).unwrap();
        for (at, byte) in damage {
            let at = at.index(bytes.len());
            bytes[at] = byte;
        }
        bytes.truncate(cut.index(bytes.len()) + 1);
        check_parse(kind, &format!("roll.{extension}"), &bytes)?;
    }

    #[test]
    fn any_cells_in_csv_name_their_row_and_column(
        kind in kind(),
        rows in prop::collection::vec(prop::collection::vec(cell_text(), 0..9), 0..14),
        gbk in any::<bool>(),
        bom in any::<bool>(),
    ) {
        let text = csv_text(&rows);
        let mut bytes = if gbk {
            encoding_rs::GBK.encode(&text).0.into_owned()
        } else {
            text.into_bytes()
        };
        if bom && !gbk {
            bytes.splice(0..0, *b"\xEF\xBB\xBF");
        }
        check_parse(kind, "roll.csv", &bytes)?;
    }

    #[test]
    fn a_member_row_reads_back_in_either_encoding(
        name in "[张王李赵][一-龥]{1,3}",
        phone in "1[3-9][0-9]{9}",
        (year, month, day) in (1950i16..2026, 1i8..13, 1i8..29),
        gbk in any::<bool>(),
    ) {
        let joined = format!("{year}年{month}月{day}日");
        let text = csv_text(&[
            vec!["姓名".into(), "所属支部".into(), "手机".into(), "入党时间".into()],
            vec![format!(" {name} "), "第一党支部".into(), phone.clone(), joined],
        ]);
        let bytes = if gbk { encoding_rs::GBK.encode(&text).0.into_owned() } else { text.into_bytes() };
        let sheets = read_bytes("roll.csv", &bytes).unwrap();
        let parsed = roll::members("roll.csv", &sheets);
        prop_assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        let record = &parsed.records[0];
        prop_assert_eq!(record.name.as_str(), name.as_str());
        prop_assert_eq!(record.phone.as_ref().map(|p| p.as_str()), Some(phone.as_str()));
        prop_assert_eq!(record.joined_on, Some(Date::new(year, month, day).unwrap()));
        prop_assert_eq!(record.place.row, 2);
    }

    #[test]
    fn a_date_is_read_as_written_or_refused(
        year in prop_oneof![1890i64..2110, any::<i32>().prop_map(i64::from)],
        month in prop_oneof![0i64..14, any::<i16>().prop_map(i64::from)],
        day in prop_oneof![0i64..33, any::<i16>().prop_map(i64::from)],
        style in 0u8..4,
    ) {
        let text = match style {
            0 => format!("{year}-{month}-{day}"),
            1 => format!("{year}/{month}/{day}"),
            2 => format!("{year}年{month}月{day}日"),
            _ => format!("{year}.{month}.{day}"),
        };
        match parse_date(&Cell::Text(text.clone())) {
            Ok(Some(date)) => {
                prop_assert_eq!(
                    (i64::from(date.year()), i64::from(date.month()), i64::from(date.day())),
                    (year, month, day),
                    "{} read as {}", text, date
                );
            }
            Ok(None) => prop_assert!(false, "{} read as no date", text),
            Err(message) => prop_assert!(message.contains("not a date"), "{}", message),
        }
    }

    #[test]
    fn any_cell_as_a_date_is_a_date_in_range_or_refused(cell in prop_oneof![
        any::<f64>().prop_map(Cell::Number),
        (-1e6f64..1e7).prop_map(Cell::Number),
        ".{0,14}".prop_map(Cell::Text),
        "[0-9]{6,10}".prop_map(Cell::Text),
    ]) {
        if let Ok(Some(date)) = parse_date(&cell) {
            prop_assert!((1900..=2100).contains(&date.year()) || matches!(cell, Cell::Number(_)), "{:?} read as {}", cell, date);
        }
    }
}
