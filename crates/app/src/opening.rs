//! Opening balances (期初积分) for a community that moves from paper or
//! another system: past years' points per member and category and their
//! stars, imported as records of those years. They are never points of a
//! year starledger rates: a year with a period (open or finalized) is
//! refused, as is the current year and any later one. The points are kept
//! in `opening_balances`, the stars in `honours` (imported), where the star
//! history and the honour roll read them. The committee imports them; a
//! preview lists every row's problem, and only a file with none is written,
//! in the caller's one transaction. Each row is one member's year, so the
//! same file imported again changes nothing.

use crate::clock::{now, today};
use crate::error::AppResult;
use crate::ledger::actor_label;
use crate::roll_import::Preview;
use starledger_domain::duty;
use starledger_domain::org::{Account, Member, MemberId, Year};
use starledger_domain::points::Points;
use starledger_domain::roll_import::Problem;
use starledger_exchange::opening::OpeningRecord;
use starledger_store::{ExportQueries, OPENING_TOTAL, OpeningBalance, OrgQueries, WriteTx};
use std::collections::{BTreeMap, HashMap};

/// One member's year as it would be written: (member, year, points by category, stars, note).
type Planned<'a> = (&'a Member, i64, BTreeMap<String, Points>, u8, String);

/// Plans `records` (for `year` where a row names none) and writes them
/// when `write` is set and nothing is wrong.
pub async fn import(
    tx: &mut WriteTx,
    actor: &Account,
    records: Vec<OpeningRecord>,
    parse_problems: Vec<Problem>,
    year: Option<Year>,
    write: bool,
) -> AppResult<Preview> {
    duty::may_administer(actor, "import opening balances")?;
    let community = actor.community_id;
    let this_year = Year::of(today());
    let periods = tx.period_years(community).await?;
    let members = tx.members(community).await?;
    let mut stored: HashMap<(MemberId, i64), BTreeMap<String, Points>> = HashMap::new();
    for balance in tx.opening_balances(community).await? {
        stored.entry((balance.member_id, balance.year)).or_default().insert(balance.category, balance.points);
    }
    let stars: HashMap<(MemberId, i64), i64> =
        tx.imported_honours(community).await?.into_iter().map(|(m, y, s)| ((m, y), s)).collect();
    let mut preview = Preview { problems: parse_problems, ..Preview::default() };
    let mut seen: HashMap<(MemberId, i64), u32> = HashMap::new();
    // (member, year, points by category, stars, note)
    let mut planned: Vec<Planned<'_>> = Vec::new();
    for record in &records {
        let place = &record.place;
        let problem = |column: &str, value: Option<&str>, zh: String, en: String| {
            Problem::new(place, Some(column), value, zh, en)
        };
        let Some(year) = record.year.or(year.map(|y| i64::from(y.get()))) else {
            preview.problems.push(problem(
                "年度",
                None,
                "未写年度：请填写“年度”列，或在导入时指定年度".into(),
                "no year: fill in 年度 or give the year (--year)".into(),
            ));
            continue;
        };
        let shown = year.to_string();
        match Year::new(year) {
            Err(e) => {
                preview.problems.push(problem("年度", Some(&shown), e.zh(), e.to_string()));
                continue;
            }
            Ok(y) if y >= this_year => {
                preview.problems.push(problem(
                    "年度",
                    Some(&shown),
                    format!("不是往年：期初积分只记 {this_year} 年以前的年度，本年度积分请逐条记录"),
                    format!(
                        "is not a past year: opening balances are for years before {this_year}; \
                         record this year's points as they happen"
                    ),
                ));
                continue;
            }
            Ok(y) if periods.contains(&y) => {
                preview.problems.push(problem(
                    "年度",
                    Some(&shown),
                    format!("{year} 年度已在系统中开放或确认，其积分以台账为准，不能导入"),
                    format!("{year} is a year starledger rates (open or finalized): its points come from the ledger"),
                ));
                continue;
            }
            Ok(_) => {}
        }
        // The member: the phone when it is given, else the name (and branch).
        let matches =
            crate::roll_import::named_members(&members, record.phone.as_ref(), &record.name, record.branch.as_ref());
        let member = match matches.as_slice() {
            [member] if member.name == record.name => *member,
            [member] => {
                preview.problems.push(problem(
                    "手机",
                    record.phone.as_ref().map(|p| p.as_str()),
                    format!("属于 {}，不是 {}：请更正手机或姓名", member.name, record.name),
                    format!("belongs to {}, not {}: correct the phone or the name", member.name, record.name),
                ));
                continue;
            }
            [] => {
                preview.problems.push(problem(
                    "姓名",
                    Some(record.name.as_str()),
                    "花名册上没有此党员：请先导入党员".into(),
                    "is not a member on the roll: import the members first".into(),
                ));
                continue;
            }
            several => {
                let branches: Vec<&str> = several.iter().map(|m| m.branch.as_str()).collect();
                preview.problems.push(problem(
                    "姓名",
                    Some(record.name.as_str()),
                    format!("与 {} 名党员同名（{}）：请填写所属支部或手机", several.len(), branches.join("、")),
                    format!("matches {} members ({}): fill in 所属支部 or 手机", several.len(), branches.join("、")),
                ));
                continue;
            }
        };
        if let Some(first) = seen.insert((member.id, year), place.row) {
            preview.problems.push(problem(
                "姓名",
                Some(record.name.as_str()),
                format!("{year} 年度已在第 {first} 行：删去重复的行"),
                format!("{year} is already on row {first}: remove the duplicate row"),
            ));
            continue;
        }
        let mut values: BTreeMap<String, Points> = record.categories.iter().cloned().collect();
        let sum = record.categories.iter().fold(Points::ZERO, |sum, (_, p)| sum + *p);
        values.insert(OPENING_TOTAL.to_string(), record.total.unwrap_or(sum));
        let note = format!("期初导入：{} 第 {} 行", place.file, place.row);
        planned.push((member, year, values, record.stars, note));
    }
    let label = actor_label(actor);
    let write = write && preview.problems.is_empty();
    let at = now();
    for (member, year, values, stars_now, note) in planned {
        let key = (member.id, year);
        let before = stored.get(&key);
        let stars_before = stars.get(&key).copied();
        let line = format!(
            "{} ({}) {year}年: {}星，总分 {}",
            member.name,
            member.branch,
            stars_now,
            values.get(OPENING_TOTAL).copied().unwrap_or(Points::ZERO)
        );
        let same_points = before.is_some_and(|b| values.iter().all(|(c, p)| b.get(c) == Some(p)));
        if same_points && stars_before == Some(i64::from(stars_now)) {
            preview.unchanged += 1;
            continue;
        }
        if write {
            for (category, points) in &values {
                let balance =
                    OpeningBalance { member_id: member.id, year, category: category.clone(), points: *points };
                tx.set_opening_balance(member.community_id, &balance, &note, at).await?;
            }
            tx.set_imported_honour(member.community_id, member.id, year, stars_now, &note).await?;
            let detail = format!("member {} year {year}: {stars_now} stars, {} categories", member.id, values.len());
            tx.audit(Some(member.community_id), &label, "import.opening", &detail).await?;
        }
        if before.is_some() || stars_before.is_some() { preview.changed.push(line) } else { preview.added.push(line) }
    }
    preview.written = write;
    preview.problems.sort_by_key(|p| (p.place.sheet.clone(), p.place.row));
    Ok(preview)
}
