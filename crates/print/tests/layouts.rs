//! The layouts render real PDFs: page counts, and the Chinese text read back
//! with `pdftotext` (poppler-utils). Without pdftotext or a CJK font these
//! tests say so loudly and skip, unless STARLEDGER_PDF=require (CI).

use starledger_print::{Card, Certificate, HonourBranch, HonourRoll, Paper, PrintFont};
use std::process::Command;

fn required() -> bool {
    std::env::var("STARLEDGER_PDF").is_ok_and(|v| v == "require")
}

fn font() -> Option<PrintFont> {
    match PrintFont::load(None) {
        Ok(font) => Some(font),
        Err(e) if !required() => {
            eprintln!("\n!!! SKIPPED: {e}\n");
            None
        }
        Err(e) => panic!("STARLEDGER_PDF=require: {e}"),
    }
}

/// The text of a PDF, one string per page, or None when pdftotext is missing.
fn pdf_pages(pdf: &[u8]) -> Option<Vec<String>> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.pdf");
    std::fs::write(&path, pdf).unwrap();
    match Command::new("pdftotext").arg("-layout").arg(&path).arg("-").output() {
        Ok(out) => {
            assert!(out.status.success(), "pdftotext failed: {}", String::from_utf8_lossy(&out.stderr));
            let text = String::from_utf8(out.stdout).unwrap();
            let mut pages: Vec<String> = text.split('\u{c}').map(str::to_owned).collect();
            if pages.last().is_some_and(|p| p.trim().is_empty()) {
                pages.pop();
            }
            Some(pages)
        }
        Err(_) if !required() => {
            eprintln!("\n!!! SKIPPED: pdftotext not found; install poppler-utils (apt-get install poppler-utils)\n");
            None
        }
        Err(e) => panic!("STARLEDGER_PDF=require and pdftotext cannot run: {e}"),
    }
}

fn certificate(name: &str) -> Certificate {
    Certificate {
        name: name.into(),
        branch: "第一网格党支部".into(),
        year: 2025,
        community: "幸福里社区党委".into(),
        date: "2026年7月1日".into(),
        seal: "依据 2025 年度评星规则 v1 · 公示后确认".into(),
    }
}

#[test]
fn certificates_have_one_page_per_member_with_the_text_extractable() {
    let Some(font) = font() else { return };
    let pdf = starledger_print::certificates(&font, &[certificate("张建国"), certificate("欧阳明")]).unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    // The font is subset: the file stays small although the TTC is ~20 MB.
    assert!(pdf.len() < 300_000, "certificate file is {} bytes", pdf.len());
    let Some(pages) = pdf_pages(&pdf) else { return };
    assert_eq!(pages.len(), 2, "{pages:?}");
    for (page, name) in pages.iter().zip(["张建国", "欧阳明"]) {
        assert!(page.contains(name), "{page}");
        assert!(page.contains("五星级党员"), "{page}");
        assert!(page.contains("荣誉证书"), "{page}");
        assert!(page.contains("2025"), "{page}");
        assert!(page.contains("幸福里社区党委"), "{page}");
    }
}

#[test]
fn no_certificates_is_an_error_not_an_empty_file() {
    let Some(font) = font() else { return };
    assert!(matches!(starledger_print::certificates(&font, &[]), Err(starledger_print::PrintError::Empty(_))));
}

#[test]
fn honour_roll_lists_every_branch_and_continues_on_more_sheets() {
    let Some(font) = font() else { return };
    let many: Vec<(String, u32)> = (0..150).map(|i| (format!("党员{i:03}"), (i % 3) as u32)).collect();
    let roll = HonourRoll {
        community: "幸福里社区党委".into(),
        year: 2025,
        is_final: true,
        date: "2026年7月1日".into(),
        seal: "规则 v1 · 封存码 1a2b-3c4d-5e6f-7a8b".into(),
        seal_qr: Some(format!(
            "{{\"format\":1,\"community\":\"幸福里社区党委\",\"merkle_root\":\"{}\"}}",
            "ab".repeat(32)
        )),
        branches: vec![
            HonourBranch { name: "第一网格党支部".into(), members: vec![("张建国".into(), 3)] },
            HonourBranch { name: "第二网格党支部".into(), members: many },
        ],
    };
    for paper in [Paper::A4, Paper::A3] {
        let pdf = starledger_print::honour_roll(&font, &roll, paper).unwrap();
        let Some(pages) = pdf_pages(&pdf) else { return };
        let text = pages.join("\n");
        assert!(text.contains("2025年度五星级党员光荣榜"), "{text}");
        assert!(text.contains("第一网格党支部（1人）"), "{text}");
        assert!(text.contains("第二网格党支部（150人）"), "{text}");
        assert!(text.contains("连续3年"), "{text}");
        // The seal's short form on every sheet, its QR code's note on the first.
        assert!(pages.iter().all(|page| page.contains("1a2b-3c4d-5e6f-7a8b")), "{text}");
        assert!(pages[0].contains("扫码保存本年度结果封存信息"), "{}", pages[0]);
        for i in [0, 77, 149] {
            assert!(text.contains(&format!("党员{i:03}")), "{paper:?} lost 党员{i:03}");
        }
        if paper == Paper::A4 {
            assert!(pages.len() > 1, "150 names fit on one A4 sheet?");
        }
    }
}

#[test]
fn cards_are_eight_to_a_sheet() {
    let Some(font) = font() else { return };
    let cards: Vec<Card> = (0..10)
        .map(|i| Card {
            community: "幸福里社区党委".into(),
            address: format!("幸福里{i}号楼"),
            member_name: "张建国".into(),
            member_phone: "13800138000".into(),
            url: format!("https://example.org/r/token{i}"),
        })
        .collect();
    let pdf = starledger_print::cards(&font, &cards).unwrap();
    let Some(pages) = pdf_pages(&pdf) else { return };
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[0].matches("党员联户联系卡").count(), 8);
    assert_eq!(pages[1].matches("党员联户联系卡").count(), 2);
    assert!(pages[0].contains("13800138000"));
    assert!(pages[1].contains("幸福里9号楼"));
}

#[test]
fn a_missing_font_file_is_named_in_the_error() {
    let err = PrintFont::load(Some(std::path::Path::new("/nonexistent/font.ttc"))).err().unwrap();
    assert!(err.to_string().contains("/nonexistent/font.ttc"), "{err}");
}

#[test]
fn a_sign_in_sheet_continues_on_a_second_sheet_and_totals_on_the_last() {
    let Some(font) = font() else { return };
    let sheet = starledger_print::SignInSheet {
        community: "幸福里社区党委".into(),
        title: "七月主题党日".into(),
        branch: "第一网格党支部".into(),
        when_where: "2026年7月1日 09:00 · 党群服务中心".into(),
        members: (1..=25).map(|i| format!("党员{i:02}")).collect(),
        check_in_url: Some("https://dj.example.org/checkin/abc".into()),
    };
    let pdf = starledger_print::sign_in_sheet(&font, &sheet).unwrap();
    let Some(pages) = pdf_pages(&pdf) else { return };
    assert_eq!(pages.len(), 2, "20 names a sheet");
    assert!(pages[0].contains("七月主题党日 签到表") && pages[0].contains("有手机的扫码签到"), "{}", pages[0]);
    assert!(pages[1].contains("七月主题党日 签到表（续）") && !pages[1].contains("有手机的扫码签到"), "{}", pages[1]);
    assert!(pages[0].contains("党员01") && pages[0].contains("党员20") && pages[1].contains("党员25"));
    assert!(pages[1].contains("应到 25 人") && !pages[0].contains("应到"), "{}", pages[1]);
    let empty = starledger_print::SignInSheet { members: Vec::new(), ..sheet };
    assert!(starledger_print::sign_in_sheet(&font, &empty).is_err(), "no invitees, no sheet");
}

#[test]
fn a_members_record_continues_on_more_sheets_and_renders() {
    use starledger_print::{MemberRecord, RecordCategory, RecordEntry, RecordWindow};
    let Some(font) = font() else { return };
    let entries: Vec<RecordEntry> = (1..=40)
        .map(|i| RecordEntry {
            date: format!("2025-03-{:02}", i % 28 + 1),
            rule: "参加支部党员大会".into(),
            reason: format!("第{i}次会议"),
            points: "+2".into(),
            source: "考勤".into(),
            marks: String::new(),
        })
        .collect();
    let record = MemberRecord {
        community: "幸福里社区党委".into(),
        member: "欧阳明".into(),
        branch: "第一网格党支部".into(),
        year: 2025,
        total: "80".into(),
        standing: "年度进行中".into(),
        rulebook: "v1".into(),
        date: "2025年7月1日".into(),
        categories: vec![RecordCategory {
            name: "学习".into(),
            points: "80".into(),
            windows: vec![
                RecordWindow { label: "2025-01-01 — 2025-06-30".into(), shown: Some((3, 1, 0, "7".into())) },
                RecordWindow { label: "2025-07-01 — 2025-12-31".into(), shown: None },
            ],
            entries,
        }],
    };
    let pdf = starledger_print::member_record(&font, &record).unwrap();
    let Some(pages) = pdf_pages(&pdf) else { return };
    assert!(pages.len() >= 2, "40 entries fit on one sheet?");
    assert!(pages[0].contains("欧阳明") && pages[0].contains("2025年度党员积分记录"), "{}", pages[0]);
    assert!(pages[0].contains("总积分 80") && pages[0].contains("年度进行中"), "{}", pages[0]);
    assert!(pages[0].contains("本期评议不足3条"), "{}", pages[0]);
    assert!(pages[1].contains("（续）") && pages[1].contains("欧阳明"), "{}", pages[1]);
    let all = pages.concat();
    assert_eq!(all.matches("参加支部党员大会").count(), 40);
    assert!(all.contains("第40次会议"));
    // It renders as an image too (a broken font or page tree would not).
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("record.pdf");
    std::fs::write(&path, &pdf).unwrap();
    match Command::new("pdftoppm")
        .args(["-r", "30", "-png", "-f", "1", "-l", "1"])
        .arg(&path)
        .arg(dir.path().join("page"))
        .status()
    {
        Ok(status) => {
            assert!(status.success());
            let png = std::fs::read_dir(dir.path())
                .unwrap()
                .flatten()
                .any(|e| e.path().extension().is_some_and(|x| x == "png"));
            assert!(png, "pdftoppm wrote no image");
        }
        Err(e) if required() => panic!("STARLEDGER_PDF=require and pdftoppm cannot run: {e}"),
        Err(_) => eprintln!("\n!!! SKIPPED: pdftoppm not found\n"),
    }
}
