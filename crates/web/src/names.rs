//! Sorting and finding people the way Chinese users expect: by pinyin, and
//! by the initials of a name's syllables (梁小改 → lxg). Surnames with a
//! reading of their own are corrected (曾 is zeng as a surname, not ceng).

use pinyin::ToPinyin;

const SURNAME_READINGS: &[(char, &str)] = &[
    ('曾', "zeng"),
    ('单', "shan"),
    ('解', "xie"),
    ('仇', "qiu"),
    ('区', "ou"),
    ('朴', "piao"),
    ('查', "zha"),
    ('盖', "ge"),
    ('尉', "yu"),
    ('乐', "yue"),
    ('缪', "miao"),
    ('翟', "zhai"),
    ('覃', "qin"),
    ('万', "wan"),
];

/// The syllables of a name, lower case without tones; characters without a
/// reading are kept as they are.
pub fn syllables(name: &str) -> Vec<String> {
    name.chars()
        .zip(name.to_pinyin())
        .enumerate()
        .map(|(index, (ch, reading))| {
            let surname = (index == 0).then(|| SURNAME_READINGS.iter().find(|(c, _)| *c == ch)).flatten();
            match (surname, reading) {
                (Some((_, fixed)), _) => fixed.to_string(),
                (None, Some(reading)) => reading.plain().to_string(),
                (None, None) => ch.to_lowercase().to_string(),
            }
        })
        .collect()
}

/// A key that sorts names in pinyin order.
pub fn sort_key(name: &str) -> String {
    syllables(name).join(" ")
}

pub fn initials(name: &str) -> String {
    syllables(name).iter().filter_map(|s| s.chars().next()).collect()
}

/// Does `query` find `name`? By characters, by initials, or by full pinyin.
pub fn matches(name: &str, query: &str) -> bool {
    let query = query.trim().to_lowercase();
    if query.is_empty() || name.contains(&query) {
        return true;
    }
    initials(name).starts_with(&query) || syllables(name).concat().starts_with(&query)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinyin_for_sorting_and_search() {
        assert_eq!(initials("梁小改"), "lxg");
        assert_eq!(sort_key("曾国藩"), "zeng guo fan");
        assert!(sort_key("胡国强") < sort_key("梁小改"));
        assert!(matches("彭雅丽", "pyl"));
        assert!(matches("彭雅丽", "pengya"));
        assert!(matches("彭雅丽", "雅丽"));
        assert!(!matches("彭雅丽", "lxg"));
    }
}
