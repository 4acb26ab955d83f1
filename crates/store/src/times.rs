//! How a query names a time on either backend.
//!
//! PostgreSQL keeps a time as `TIMESTAMPTZ`; SQLite keeps it as the
//! program hands it over: Unix seconds (an integer) for most columns, and
//! RFC 3339 text in UTC for the few that were text from the start (the
//! audit log's `at`, the creation and disabling stamps of organization
//! rows). sqlx's `Any` driver neither reads a `TIMESTAMPTZ` nor binds
//! one, so a query converts at the edge, in PostgreSQL's spelling:
//!
//! | a time kept as | bound as            | read as              |
//! |----------------|---------------------|----------------------|
//! | seconds        | `to_timestamp($n)`  | `unix_seconds(col)`  |
//! | RFC 3339 text  | `timestamptz($n)`   | `rfc3339(col)`       |
//!
//! `to_timestamp` is PostgreSQL's own and `timestamptz(…)` its cast;
//! `unix_seconds` and `rfc3339` are functions of the schema (migration
//! 0026). On SQLite, where the column already holds what is bound and
//! read, [`Location::sql`](crate::Location::sql) drops the four wrappers,
//! so one text serves both backends and reads as PostgreSQL runs it.
//! A comparison keeps the column bare (`expires_at > to_timestamp($2)`),
//! so PostgreSQL still uses the column's index.

use std::borrow::Cow;

/// The time columns SQLite keeps as RFC 3339 text; every other time is
/// kept there as seconds. A test holds both backends' schemas to it.
pub const TEXT_TIMES: &[(&str, &str)] = &[
    ("accounts", "created_at"),
    ("accounts", "disabled_at"),
    ("audit_log", "at"),
    ("communities", "created_at"),
    ("households", "created_at"),
    ("members", "created_at"),
    ("periods", "opened_at"),
    ("regions", "created_at"),
];

/// The wrappers SQLite goes without, each up to its opening parenthesis.
const WRAPPERS: [&str; 4] = ["to_timestamp(", "unix_seconds(", "timestamptz(", "rfc3339("];

/// `text` without the time wrappers: each wrapper's name, its opening
/// parenthesis and the parenthesis that closes it go; what it wrapped
/// stays. Quoted text (`'…'`) is left as it is. Every byte it looks for is
/// ASCII, so it walks bytes and copies the text between what it drops.
pub(crate) fn without_wrappers(text: &str) -> Cow<'_, str> {
    if !WRAPPERS.iter().any(|wrapper| text.contains(wrapper)) {
        return Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    // For each parenthesis open at this point, whether a wrapper opened it
    // (and its closing one is dropped with it).
    let mut open: Vec<bool> = Vec::new();
    let mut quoted = false;
    // Where the text not yet copied begins.
    let mut kept = 0;
    let mut at = 0;
    while at < bytes.len() {
        let byte = bytes[at];
        if quoted {
            quoted = byte != b'\'';
        } else if byte == b'\'' {
            quoted = true;
        } else if byte == b'(' {
            open.push(false);
        } else if byte == b')' {
            if open.pop() == Some(true) {
                out.push_str(&text[kept..at]);
                kept = at + 1;
            }
        } else if let Some(wrapper) = wrapper_at(bytes, at) {
            out.push_str(&text[kept..at]);
            open.push(true);
            at += wrapper.len();
            kept = at;
            continue;
        }
        at += 1;
    }
    out.push_str(&text[kept..]);
    Cow::Owned(out)
}

/// The wrapper that starts a word at `at`, if one does.
fn wrapper_at(bytes: &[u8], at: usize) -> Option<&'static str> {
    let starts_word = at == 0 || !(bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_');
    if !starts_word {
        return None;
    }
    WRAPPERS.iter().copied().find(|wrapper| bytes[at..].starts_with(wrapper.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::without_wrappers;

    #[test]
    fn sqlite_reads_and_binds_a_time_as_it_is_kept() {
        assert_eq!(
            without_wrappers(
                "SELECT unix_seconds(s.expires_at) AS expires_at FROM sessions s WHERE s.expires_at > to_timestamp($2)"
            ),
            "SELECT s.expires_at AS expires_at FROM sessions s WHERE s.expires_at > $2"
        );
        assert_eq!(
            without_wrappers("SELECT rfc3339(at) AS at FROM audit_log WHERE at < timestamptz($1)"),
            "SELECT at AS at FROM audit_log WHERE at < $1"
        );
    }

    #[test]
    fn what_a_wrapper_holds_keeps_its_own_parentheses_and_wrappers() {
        assert_eq!(
            without_wrappers("SELECT unix_seconds(MAX(COALESCE(a.locked_at, to_timestamp($3)))) FROM t a"),
            "SELECT MAX(COALESCE(a.locked_at, $3)) FROM t a"
        );
        assert_eq!(
            without_wrappers("CASE WHEN (n + 1) >= $2 THEN COALESCE(locked_at, to_timestamp($3)) ELSE locked_at END"),
            "CASE WHEN (n + 1) >= $2 THEN COALESCE(locked_at, $3) ELSE locked_at END"
        );
    }

    #[test]
    fn names_that_merely_contain_a_wrapper_and_quoted_text_stay() {
        let text = "SELECT my_rfc3339(x), 'to_timestamp(1)' FROM t WHERE y = 'it''s (' AND z = to_timestamp($1)";
        assert_eq!(
            without_wrappers(text),
            "SELECT my_rfc3339(x), 'to_timestamp(1)' FROM t WHERE y = 'it''s (' AND z = $1"
        );
    }

    proptest::proptest! {
        /// Any expression, wrapped or not and nested as deep as it likes,
        /// comes out as it was before it was wrapped.
        #[test]
        fn dropping_the_wrappers_gives_back_what_was_wrapped(
            parts in proptest::collection::vec(("[a-z_.$0-9]{1,12}", proptest::option::of(0usize..4), 0usize..3), 1..12)
        ) {
            let (mut wrapped, mut bare) = (Vec::new(), Vec::new());
            for (expression, wrapper, depth) in parts {
                let mut inner = format!("COALESCE({expression}, 'a (b')");
                bare.push(inner.clone());
                for _ in 0..depth {
                    if let Some(index) = wrapper {
                        inner = format!("{}{inner})", super::WRAPPERS[index]);
                    }
                }
                wrapped.push(inner);
            }
            let (wrapped, bare) = (wrapped.join(" < "), bare.join(" < "));
            proptest::prop_assert_eq!(without_wrappers(&wrapped), bare);
        }
    }

    #[test]
    fn a_query_without_times_is_not_copied() {
        let text = "SELECT id FROM members WHERE community_id = $1";
        assert!(matches!(without_wrappers(text), std::borrow::Cow::Borrowed(_)));
    }
}
