//! 学习强国 study weeks imported from a secretary's sheet: each qualifying
//! row (five days or more in the week) is recorded through the same use
//! case as an approved study claim ([`recording::record`], the rulebook's
//! `study.app_week` rule), so the importing person's duty and recusal are
//! checked per row: a secretary cannot import a week for themselves or a
//! relative, nor for another branch; such a row becomes a row problem. Each
//! member's week has one idempotency key, so importing the file again, or an
//! overlapping one, changes nothing. The entries are written into the
//! caller's transaction, which commits only a file with no problem.
//!
//! A week is recorded once, whichever way it came: a week already approved
//! as a study claim (its entry `claim:{id}`) is a row problem naming the
//! claim, and a claim for a week already imported is refused when it is
//! approved ([`claimed_week`], [`imported_week`]).

use crate::clock::now;
use crate::error::{AppError, AppResult};
use crate::recording::{self, Event};
use crate::roll_import::Preview;
use jiff::civil::Date;
use starledger_domain::claims::ClaimKind;
use starledger_domain::claims::ClaimStatus;
use starledger_domain::org::Account;
use starledger_domain::org::{CommunityId, MemberId};
use starledger_domain::roll_import::Problem;
use starledger_exchange::study::StudyRecord;
use starledger_store::{Appended, ClaimQueries, LedgerQueries, OrgQueries, WriteTx};
use std::collections::HashMap;

/// Days in a week that earn the week's study points.
pub const DAYS_FOR_A_WEEK: u8 = 5;

/// The ledger key of a member's study week imported from a sheet (named by its Monday).
pub fn week_key(member: MemberId, monday: Date) -> String {
    format!("study-week:{member}:{monday}")
}

/// The approved study claim whose entry (not reversed) records this member's week, if any.
pub async fn claimed_week(
    tx: &mut WriteTx,
    community: CommunityId,
    member: MemberId,
    monday: Date,
) -> AppResult<Option<i64>> {
    for claim in tx.member_claims(community, member).await? {
        if claim.kind != ClaimKind::StudyWeek || claim.status != ClaimStatus::Approved || claim.occurred_on != monday {
            continue;
        }
        let Some(entry) = claim.entry_id else { continue };
        if tx.reversal_of(community, entry).await?.is_none() {
            return Ok(Some(claim.id));
        }
    }
    Ok(None)
}

/// The imported entry (not reversed) that records this member's week, if any.
pub async fn imported_week(
    tx: &mut WriteTx,
    community: CommunityId,
    member: MemberId,
    monday: Date,
) -> AppResult<Option<i64>> {
    let Some(entry) = tx.entry_id_by_key(community, &week_key(member, monday)).await? else { return Ok(None) };
    Ok(tx.reversal_of(community, entry).await?.is_none().then_some(entry))
}

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
    let mut seen: HashMap<(MemberId, jiff::civil::Date), u32> = HashMap::new();
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
                    "花名册上没有此党员（或手机与姓名不符）",
                    "is not a member on the roll (or the phone is another's)",
                ));
                continue;
            }
            several => {
                preview.problems.push(Problem::new(
                    place,
                    Some("姓名"),
                    Some(record.name.as_str()),
                    format!("与 {} 名党员同名：请填写所属支部或手机", several.len()),
                    format!("matches {} members: fill in 所属支部 or 手机", several.len()),
                ));
                continue;
            }
        };
        if let Some(first) = seen.insert((member.id, record.week), place.row) {
            preview.problems.push(Problem::new(
                place,
                Some("周开始"),
                Some(&record.week.to_string()),
                format!("该周已在第 {first} 行：删去重复的行"),
                format!("this week is already on row {first}: remove the duplicate row"),
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
        if let Some(claim) = claimed_week(tx, community, member.id, record.week).await? {
            preview.problems.push(Problem::new(
                place,
                Some("周开始"),
                Some(&record.week.to_string()),
                format!("该周已由学习申报 #{claim} 审核记分，不能重复记录：请删去此行"),
                format!("this week is already recorded by study claim {claim} (approved): remove the row"),
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
                    reason.zh,
                    reason.en,
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
            idempotency_key: week_key(member.id, record.week),
        };
        match recording::record(tx, actor, member, &period, event, at).await {
            Ok(Appended::New(_)) => preview.added.push(line),
            Ok(Appended::Duplicate(_)) => preview.unchanged += 1,
            Err(AppError::Duty(refusal)) => preview.problems.push(Problem::new(
                place,
                Some("姓名"),
                Some(record.name.as_str()),
                "导入者无权为此党员记分（本人与亲属回避，支部书记只记本支部）",
                refusal.to_string(),
            )),
            Err(AppError::Refused(reason) | AppError::Invalid(reason)) => preview.problems.push(Problem::new(
                place,
                Some("周开始"),
                Some(&record.week.to_string()),
                reason.zh,
                reason.en,
            )),
            Err(other) => return Err(other),
        }
    }
    preview.written = write && preview.problems.is_empty();
    preview.problems.sort_by_key(|p| (p.place.sheet.clone(), p.place.row));
    Ok(preview)
}
