//! 学习强国 study weeks imported from a secretary's sheet: each qualifying
//! row (five days or more in the week) is recorded through the same use
//! case as an approved study claim ([`recording::record`], the rulebook's
//! `study.app_week` rule), so the importing person's duty and recusal are
//! checked per row: a secretary cannot import a week for themselves or a
//! relative, nor for another branch; such a row becomes a row problem. Each
//! member's week has one idempotency key, so importing the file again, or an
//! overlapping one, changes nothing. The entries are written into the
//! caller's transaction, which commits only a file with no problem.

use crate::clock::now;
use crate::error::{AppError, AppResult};
use crate::recording::{self, Event};
use crate::roll_import::Preview;
use starledger_domain::claims::ClaimKind;
use starledger_domain::org::Account;
use starledger_domain::roll_import::Problem;
use starledger_exchange::study::StudyRecord;
use starledger_store::{Appended, OrgQueries, WriteTx};
use std::collections::HashMap;

/// Days in a week that earn the week's study points.
pub const DAYS_FOR_A_WEEK: u8 = 5;

pub async fn import(
    tx: &mut WriteTx,
    actor: &Account,
    records: Vec<StudyRecord>,
    parse_problems: Vec<Problem>,
    write: bool,
) -> AppResult<Preview> {
    let community = actor.community_id;
    let members = tx.members(community).await?;
    let rule_key = ClaimKind::StudyWeek.rule_key();
    let mut preview = Preview { problems: parse_problems, ..Preview::default() };
    let mut seen: HashMap<(i64, jiff::civil::Date), u32> = HashMap::new();
    let at = now();
    for record in &records {
        let place = &record.place;
        let matches =
            crate::roll_import::named_members(&members, record.phone.as_ref(), &record.name, record.branch.as_ref());
        let member = match matches.as_slice() {
            [member] if member.name == record.name => *member,
            [] | [_] => {
                preview.problems.push(Problem::new(
                    place,
                    Some("姓名"),
                    Some(record.name.as_str()),
                    "花名册上没有此党员（或手机与姓名不符） / is not a member on the roll (or the phone is another's)",
                ));
                continue;
            }
            several => {
                preview.problems.push(Problem::new(
                    place,
                    Some("姓名"),
                    Some(record.name.as_str()),
                    format!(
                        "与 {0} 名党员同名：请填写所属支部或手机 / matches {0} members: fill in 所属支部 or 手机",
                        several.len()
                    ),
                ));
                continue;
            }
        };
        if let Some(first) = seen.insert((member.id, record.week), place.row) {
            preview.problems.push(Problem::new(
                place,
                Some("周开始"),
                Some(&record.week.to_string()),
                format!("该周已在第 {first} 行 / this week is already on row {first}"),
            ));
            continue;
        }
        let line = format!("{} ({}) {} 当周学习 {} 天", member.name, member.branch, record.week, record.days);
        if record.days < DAYS_FOR_A_WEEK {
            preview.notes.push(format!(
                "{} row {}: {line}，不足 {DAYS_FOR_A_WEEK} 天，不记分 / fewer than {DAYS_FOR_A_WEEK} days, no points",
                place.sheet, place.row
            ));
            continue;
        }
        let period = match recording::open_period_of(tx, community, record.week).await {
            Ok(period) => period,
            Err(AppError::Refused(reason)) => {
                preview.problems.push(Problem::new(
                    place,
                    Some("周开始"),
                    Some(&record.week.to_string()),
                    format!("{} / {}", reason.zh, reason.en),
                ));
                continue;
            }
            Err(other) => return Err(other),
        };
        let event = Event {
            rule_key,
            on: record.week,
            source_ref: format!("import:{}:{}", place.file, place.row),
            reason: Some(match record.points {
                Some(points) => {
                    format!("学习强国：{} 当周学习 {} 天，积分 {points}（表格导入）", record.week, record.days)
                }
                None => format!("学习强国：{} 当周学习 {} 天（表格导入）", record.week, record.days),
            }),
            idempotency_key: format!("study-week:{}:{}", member.id, record.week),
        };
        match recording::record(tx, actor, member, &period, event, at).await {
            Ok(Appended::New(_)) => preview.added.push(line),
            Ok(Appended::Duplicate(_)) => preview.unchanged += 1,
            Err(AppError::Duty(refusal)) => preview.problems.push(Problem::new(
                place,
                Some("姓名"),
                Some(record.name.as_str()),
                format!("导入者无权为此党员记分（本人与亲属回避，支部书记只记本支部） / {refusal}"),
            )),
            Err(AppError::Refused(reason) | AppError::Invalid(reason)) => preview.problems.push(Problem::new(
                place,
                Some("周开始"),
                Some(&record.week.to_string()),
                format!("{} / {}", reason.zh, reason.en),
            )),
            Err(other) => return Err(other),
        }
    }
    preview.written = write && preview.problems.is_empty();
    preview.problems.sort_by_key(|p| (p.place.sheet.clone(), p.place.row));
    Ok(preview)
}
