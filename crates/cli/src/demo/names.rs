//! Names and addresses for the demo community: common surnames of the
//! Yuzhou area weighted towards the families of the article, and given
//! names of the generations that make up a village party organization.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeSet;

const SURNAMES: &[(&str, u32)] = &[
    ("胡", 14),
    ("梁", 10),
    ("王", 9),
    ("李", 9),
    ("张", 8),
    ("刘", 6),
    ("陈", 5),
    ("杨", 4),
    ("赵", 4),
    ("彭", 4),
    ("郭", 3),
    ("马", 3),
    ("孙", 3),
    ("周", 2),
    ("吴", 2),
    ("徐", 2),
    ("朱", 2),
    ("高", 2),
    ("许", 2),
    ("冯", 1),
];

const GIVEN_MALE: &[&str] = &[
    "建国", "建军", "国庆", "卫东", "志强", "军", "伟", "海涛", "振华", "红旗", "保国", "长林", "新民", "德明", "广才",
    "永刚", "俊杰", "宏伟", "晓东", "鹏", "磊", "浩然", "子豪", "明", "春生", "金山", "留柱", "拴柱", "铁蛋", "满仓",
    "书贤", "文斌", "世杰", "家兴", "耀武",
];

const GIVEN_FEMALE: &[&str] = &[
    "秀兰", "桂英", "玉珍", "凤霞", "淑芬", "丽娟", "红梅", "春燕", "晓丽", "丹", "静", "雪", "婷", "慧敏", "雅琴",
    "彩霞", "金花", "爱莲", "素芳", "巧云", "美玲", "梦瑶", "欣怡", "小燕", "翠萍",
];

/// Names already given out; the demo gives no two people the same name.
#[derive(Default)]
pub struct NameBook {
    taken: BTreeSet<String>,
}

impl NameBook {
    pub fn reserve(&mut self, name: &str) {
        self.taken.insert(name.to_string());
    }

    pub fn fresh(&mut self, rng: &mut ChaCha8Rng) -> String {
        loop {
            let surname = weighted(rng, SURNAMES);
            let given = if rng.random_bool(0.7) { GIVEN_MALE } else { GIVEN_FEMALE };
            let name = format!("{surname}{}", given[rng.random_range(0..given.len())]);
            if self.taken.insert(name.clone()) {
                return name;
            }
        }
    }
}

fn weighted<'a>(rng: &mut ChaCha8Rng, table: &[(&'a str, u32)]) -> &'a str {
    let total: u32 = table.iter().map(|(_, w)| w).sum();
    let mut pick = rng.random_range(0..total);
    for (item, weight) in table {
        if pick < *weight {
            return item;
        }
        pick -= weight;
    }
    table[0].0
}

/// The streets of 十里社区 and the numbering of its houses.
pub const STREETS: &[&str] = &["东街", "西街", "南街", "北街", "新区", "十里铺"];

pub fn phone(rng: &mut ChaCha8Rng) -> String {
    let prefixes = ["138", "139", "137", "150", "152", "158", "186", "187", "133", "177"];
    format!("{}{:08}", prefixes[rng.random_range(0..prefixes.len())], rng.random_range(0..100_000_000u32))
}

impl NameBook {
    /// A name that may repeat one already given: household heads are many.
    pub fn fresh_any(&mut self, rng: &mut ChaCha8Rng) -> String {
        let surname = weighted(rng, SURNAMES);
        let given = if rng.random_bool(0.6) { GIVEN_MALE } else { GIVEN_FEMALE };
        format!("{surname}{}", given[rng.random_range(0..given.len())])
    }
}
