//! Arbitrary input thrown at the domain's parsers (issue 17): the rulebook,
//! names, phones, years, paper-form numbers, seals. None of them panics;
//! an error names what is wrong (a rulebook's line and field); what parses
//! is well formed and prints back to itself.

use proptest::prelude::*;
use starledger_domain::ledger::EntryHash;
use starledger_domain::org::{NameError, PersonName, Phone, Year, is_format};
use starledger_domain::paper_form::{DIGITS, FormNumber};
use starledger_domain::rulebook::{DEFAULT_RULEBOOK, Rulebook, RulebookError};
use starledger_domain::seal::{Seal, Sealed, Stage};

/// Text that is mostly printable, with the awkward characters a pasted
/// value brings: controls, full-width forms, CJK, quotes, brackets, NUL.
fn awkward_text(max: usize) -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        4 => any::<char>(),
        2 => prop::sample::select(vec![
            '\0', '\t', '\n', '\r', '\u{7f}', '\u{85}', '\u{2028}', '\u{202e}', '\u{3000}', '\u{feff}', '\u{200b}',
            '\u{200d}', '\u{2066}', '\u{ad}', '"', '\'',
            '[', ']', '=', '#', '\\', '.', '-', '1', '9', '０', '张', '三',
        ]),
    ];
    prop::collection::vec(pieces, 0..max).prop_map(|chars| chars.into_iter().collect())
}

/// A refusal must point somewhere a secretary can look.
fn assert_names_a_place(text: &str, error: &RulebookError) {
    let lines = text.lines().count();
    assert!(error.line <= lines + 1, "line {} of a {lines}-line text: {error}", error.line);
    assert!(!error.field.trim().is_empty(), "no field named: {error}");
    assert!(!error.message.trim().is_empty(), "no message: {error}");
}

/// Values a hand-edited rulebook may carry in place of the right one.
fn odd_value() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "nan",
            "inf",
            "-inf",
            "0",
            "-0.0",
            "0.25",
            "-3",
            "1e308",
            "-1e308",
            "9223372036854775807",
            "-9223372036854775808",
            "99999999999999999999",
            "true",
            "\"\"",
            "\"x\"",
            "[]",
            "[\"auditor\"]",
            "[\"nobody\"]",
            "{}",
            "1979-05-27",
            "\"\"\"",
            "'",
            "0x10",
        ])
        .prop_map(str::to_string),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|n| format!("{n:?}")),
        awkward_text(12).prop_map(|s| format!("{s:?}")),
    ]
}

/// The default rulebook with one line changed: its value replaced, the
/// line replaced by arbitrary text, removed, or repeated.
fn mutated_rulebook() -> impl Strategy<Value = String> {
    let lines: Vec<&'static str> = DEFAULT_RULEBOOK.lines().collect();
    let count = lines.len();
    (0..count, 0u8..4, odd_value(), awkward_text(40)).prop_map(move |(at, how, value, junk)| {
        let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        match how {
            0 => {
                if let Some((key, _)) = out[at].split_once('=') {
                    out[at] = format!("{key}= {value}");
                } else {
                    out[at] = junk;
                }
            }
            1 => out[at] = junk,
            2 => {
                out.remove(at);
            }
            _ => {
                let line = out[at].clone();
                out.insert(at, line);
            }
        }
        out.join("\n")
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_text_as_a_rulebook_is_refused_with_a_place(text in awkward_text(200)) {
        match Rulebook::parse(&text) {
            Ok(rulebook) => prop_assert!(!rulebook.version.is_empty()),
            Err(error) => assert_names_a_place(&text, &error),
        }
    }

    #[test]
    fn a_changed_line_of_the_default_rulebook_is_refused_with_a_place(text in mutated_rulebook()) {
        match Rulebook::parse(&text) {
            // Some changes are harmless (a title, a repeated comment).
            Ok(rulebook) => prop_assert!(!rulebook.rules.is_empty()),
            Err(error) => {
                assert_names_a_place(&text, &error);
                prop_assert!(error.line >= 1, "a change to a line is located: {error}");
            }
        }
    }

    #[test]
    fn a_name_parses_to_itself_or_is_refused(raw in awkward_text(60)) {
        match PersonName::parse(&raw) {
            Ok(name) => {
                let text = name.as_str();
                prop_assert_eq!(text, text.trim());
                prop_assert!(!text.is_empty());
                prop_assert!(text.chars().count() <= PersonName::MAX_CHARS);
                prop_assert!(!text.chars().any(char::is_control));
                prop_assert!(!text.chars().any(is_format), "an invisible format character kept: {:?}", text);
                prop_assert_eq!(PersonName::parse(&name.to_string()), Ok(name.clone()));
            }
            Err(error) => prop_assert!(!error.to_string().is_empty() && !error.zh().is_empty()),
        }
    }

    #[test]
    fn a_name_with_a_format_character_anywhere_is_refused_by_it(
        before in "[张王李梁小改a-z]{0,10}",
        after in "[张王李梁小改a-z]{1,10}",
        format in prop::sample::select(vec!['\u{202e}', '\u{202d}', '\u{200b}', '\u{200c}', '\u{200d}', '\u{200e}',
            '\u{2060}', '\u{2066}', '\u{2069}', '\u{feff}', '\u{ad}', '\u{61c}', '\u{e0001}', '\u{e007f}']),
    ) {
        let raw = format!("{before}{format}{after}");
        prop_assert_eq!(PersonName::parse(&raw), Err(NameError::Format { code: u32::from(format) }));
    }

    #[test]
    fn a_phone_is_eleven_digits_or_is_refused(raw in prop_oneof![
        awkward_text(20),
        "1[0-9 -]{10,14}",
        "[0-9０-９]{11}",
    ]) {
        match Phone::parse(&raw) {
            Ok(phone) => {
                let digits = phone.as_str();
                prop_assert_eq!(digits.len(), 11);
                prop_assert!(digits.starts_with('1') && digits.bytes().all(|b| b.is_ascii_digit()));
                prop_assert_eq!(phone.masked().len(), 11);
                prop_assert!(!phone.masked().contains(&digits[3..7]) || digits[3..7] == digits[7..]);
                prop_assert_eq!(Phone::parse(digits), Ok(phone.clone()));
            }
            Err(error) => prop_assert_eq!(error.0, raw),
        }
    }

    #[test]
    fn a_year_is_in_range_or_is_refused(raw in prop_oneof![
        awkward_text(8),
        any::<i64>().prop_map(|n| n.to_string()),
        (1990i64..2110).prop_map(|n| format!(" {n} ")),
    ]) {
        match raw.parse::<Year>() {
            Ok(year) => {
                prop_assert!((2000..=2100).contains(&year.get()));
                prop_assert_eq!(year.to_string().parse::<Year>(), Ok(year));
                prop_assert_eq!(year.first_day().year(), year.get());
            }
            Err(error) => prop_assert!(!error.zh().is_empty()),
        }
    }

    #[test]
    fn a_form_number_checks_itself(random in any::<u64>(), at in 0..DIGITS, by in 1u8..10) {
        let number = FormNumber::from_random(random);
        prop_assert_eq!(FormNumber::parse(number.as_str()), Ok(number.clone()));
        prop_assert_eq!(FormNumber::parse(&number.grouped()), Ok(number.clone()));
        // Any one digit typed wrong is caught.
        let mut digits: Vec<u8> = number.as_str().bytes().collect();
        digits[at] = b'0' + (digits[at] - b'0' + by) % 10;
        let typo = String::from_utf8(digits).unwrap();
        prop_assert!(FormNumber::parse(&typo).is_err(), "{} accepted for {}", typo, number);
    }

    #[test]
    fn any_text_as_a_form_number_is_ten_digits_or_refused(raw in prop_oneof![
        awkward_text(24),
        "[0-9 -]{8,14}",
    ]) {
        if let Ok(number) = FormNumber::parse(&raw) {
            prop_assert_eq!(number.as_str().len(), DIGITS);
            prop_assert!(number.as_str().bytes().all(|b| b.is_ascii_digit()));
            prop_assert_eq!(FormNumber::parse(&number.to_string()), Ok(number.clone()));
        }
    }

    #[test]
    fn a_seal_reads_back_as_itself(seal in seal()) {
        prop_assert_eq!(Seal::from_json(&seal.to_json()), Ok(seal.clone()));
        // The compact form (a QR code's) is still a seal document.
        let compact = Seal::from_json(&seal.compact().to_json()).expect("a compact seal reads as a seal");
        prop_assert_eq!(compact.checkpoints.len(), 0);
        prop_assert_eq!(Seal { checkpoints: seal.checkpoints.clone(), ..compact }, seal.clone());
        prop_assert_eq!(seal.short().len(), 19);
    }

    #[test]
    fn any_text_as_a_seal_is_refused_by_name(text in prop_oneof![
        awkward_text(120),
        (seal(), 0usize..400, awkward_text(6)).prop_map(|(seal, at, junk)| {
            // A kept seal with a few characters changed or cut off.
            let json = seal.to_json();
            let cut = json.char_indices().map(|(i, _)| i).nth(at).unwrap_or(json.len());
            format!("{}{junk}", &json[..cut])
        }),
    ]) {
        match Seal::from_json(&text) {
            Ok(seal) => prop_assert_eq!(Seal::from_json(&seal.to_json()), Ok(seal.clone())),
            Err(error) => prop_assert!(error.starts_with("not a starledger seal"), "{}", error),
        }
    }
}

fn sealed() -> impl Strategy<Value = Sealed> {
    (any::<i64>(), any::<[u8; 32]>()).prop_map(|(id, hash)| Sealed { id, hash: EntryHash(hash) })
}

fn seal() -> impl Strategy<Value = Seal> {
    (
        (any::<u32>(), awkward_text(16), any::<i16>(), any::<i64>(), any::<bool>(), any::<usize>()),
        ("[0-9a-f]{64}", prop::option::of(sealed()), "[0-9a-f]{64}", awkward_text(8)),
        prop::collection::vec(sealed(), 0..6),
    )
        .prop_map(
            |(
                (format, community, year, round, finalized, entries),
                (merkle_root, chain_head, rulebook, rating),
                checkpoints,
            )| Seal {
                format,
                community,
                year,
                round,
                stage: if finalized { Stage::Finalized } else { Stage::Published },
                entries,
                merkle_root,
                chain_head,
                rulebook_sha256: rulebook,
                rating_sha256: rating,
                checkpoints,
            },
        )
}

/// Regressions (issue 17): names that once passed with an invisible format
/// character: a right-to-left override that shows 梁小改 as 改小梁, a
/// zero-width space that makes a second 梁小改 on the roll, a byte-order
/// mark pasted from a spreadsheet's first cell.
#[test]
fn names_once_accepted_with_format_characters_are_refused() {
    for (raw, code) in [("梁\u{202e}小改", 0x202E), ("梁小\u{200b}改", 0x200B), ("\u{feff}梁小改", 0xFEFF)] {
        let error = PersonName::parse(raw).unwrap_err();
        assert_eq!(error, NameError::Format { code }, "{raw:?}");
        assert!(error.zh().contains(&format!("U+{code:04X}")), "{}", error.zh());
    }
}

/// Found by `a_changed_line_of_the_default_rulebook_is_refused_with_a_place`:
/// a line turned into a bare `[` (or `[[]]`) named an empty field.
#[test]
fn a_bare_bracket_line_is_refused_with_a_field_named() {
    for broken in ["[", "[[]]", "[ ]"] {
        let text = DEFAULT_RULEBOOK.replacen("version = ", &format!("{broken}\nversion = "), 1);
        let error = Rulebook::parse(&text).expect_err("a bare bracket is not TOML");
        assert_names_a_place(&text, &error);
        let first = format!("{broken}\n{}", DEFAULT_RULEBOOK);
        assert_names_a_place(&first, &Rulebook::parse(&first).expect_err("nor on the first line"));
    }
}
