//! Meeting attendance sheets (会议签到表) imported from a spreadsheet. Each
//! row names a meeting (its day and title, or the meeting chosen for the
//! whole file) and a member it invites; the marks are written through the
//! meetings page's own use case ([`meetings::mark_sheet`]): whoever keeps
//! the meeting's sheet, never about themselves or a relative, never in a
//! finalized year. Every row that use case would refuse is a row problem,
//! found before anything is written. A row is one member at one meeting,
//! so the same sheet imported again changes nothing.

use crate::clock::now;
use crate::error::{AppError, AppResult};
use crate::meetings::{self, invited, may_keep_sheet, may_mark, meeting_day};
use crate::roll_import::Preview;
use starledger_domain::meetings::Attendance;
use starledger_domain::org::{Account, MemberId};
use starledger_domain::roll_import::{Problem, same_label};
use starledger_exchange::attendance::AttendanceRecord;
use starledger_store::{Meeting, MeetingQueries, OrgQueries, WriteTx};
use std::collections::{BTreeMap, HashMap};

/// Plans `records` (for `chosen`, the meeting of rows that name none) and
/// marks the sheets when `write` is set and no row has a problem.
pub async fn import(
    tx: &mut WriteTx,
    actor: &Account,
    records: Vec<AttendanceRecord>,
    parse_problems: Vec<Problem>,
    chosen: Option<i64>,
    write: bool,
) -> AppResult<Preview> {
    let community = actor.community_id;
    let chosen = match chosen {
        Some(id) => Some(tx.meeting(community, id).await?),
        None => None,
    };
    let all_meetings = tx.meetings(community, None).await?;
    let members = tx.members(community).await?;
    let recused = meetings::recused(tx, actor).await?;
    let mut preview = Preview { problems: parse_problems, ..Preview::default() };
    // Per meeting: whether the actor keeps its sheet, its invited, what its sheet holds (status, ledgered).
    let mut keeps: HashMap<i64, Result<(), (String, String)>> = HashMap::new();
    let mut held: HashMap<i64, HashMap<MemberId, (Attendance, bool)>> = HashMap::new();
    let mut seen: HashMap<(i64, MemberId), u32> = HashMap::new();
    let mut marks: BTreeMap<i64, Vec<(MemberId, Attendance)>> = BTreeMap::new();
    for record in &records {
        let place = &record.place;
        let problem = |column: &str, value: Option<&str>, zh: String, en: String| {
            Problem::new(place, Some(column), value, zh, en)
        };
        // The meeting: the chosen one, else the one held that day by that title.
        let meeting: &Meeting = match (&chosen, record.meeting_on) {
            (Some(meeting), _) => meeting,
            (None, None) => {
                preview.problems.push(problem(
                    "会议日期",
                    None,
                    "为空：请填写会议日期，或在导入时选定会议".into(),
                    "is empty: write the meeting's day, or choose the meeting when importing (--meeting)".into(),
                ));
                continue;
            }
            (None, Some(day)) => {
                let on_day: Vec<&Meeting> = all_meetings
                    .iter()
                    .filter(|m| meeting_day(m) == day)
                    .filter(|m| record.meeting_title.as_ref().is_none_or(|t| same_label(&m.title, t)))
                    .collect();
                match on_day.as_slice() {
                    [meeting] => meeting,
                    [] => {
                        let (zh, en) = match &record.meeting_title {
                            Some(title) => (
                                format!("当天没有名为“{title}”的会议：请先在“会议”页安排，或更正日期和名称"),
                                format!(
                                    "no meeting called \"{title}\" on that day: schedule it first, or correct the day and title"
                                ),
                            ),
                            None => (
                                "当天没有会议：请先在“会议”页安排，或更正日期".to_string(),
                                "no meeting on that day: schedule it first, or correct the day".to_string(),
                            ),
                        };
                        preview.problems.push(problem("会议日期", Some(&day.to_string()), zh, en));
                        continue;
                    }
                    several => {
                        preview.problems.push(problem(
                            "会议名称",
                            record.meeting_title.as_deref(),
                            format!("当天有 {} 个会议：请填写会议名称", several.len()),
                            format!("{} meetings on that day: fill in 会议名称", several.len()),
                        ));
                        continue;
                    }
                }
            }
        };
        // Whoever keeps the sheet, in a year not finalized.
        if let std::collections::hash_map::Entry::Vacant(slot) = keeps.entry(meeting.id) {
            let verdict = match may_keep_sheet(tx, actor, meeting).await {
                Ok(()) => Ok(()),
                Err(AppError::Forbidden(why) | AppError::Refused(why)) => Err((why.zh, why.en)),
                Err(AppError::Duty(refusal)) => Err(("您不能登记此会议的出席情况".into(), refusal.to_string())),
                Err(other) => return Err(other),
            };
            slot.insert(verdict);
            let rows = tx.attendance(meeting.id).await?;
            held.insert(meeting.id, rows.into_iter().map(|a| (a.member_id, (a.status, a.ledgered))).collect());
        }
        if let Some(Err((zh, en))) = keeps.get(&meeting.id) {
            let title = format!("{} {}", meeting_day(meeting), meeting.title);
            preview.problems.push(problem("会议名称", Some(&title), zh.clone(), en.clone()));
            continue;
        }
        // The member: one the meeting invites, by phone, or name and branch.
        let invited = invited(meeting, &members);
        let matches =
            crate::roll_import::named_members(&invited, record.phone.as_ref(), &record.name, record.branch.as_ref());
        let member = match matches.as_slice() {
            [member] if member.name == record.name => *member,
            [] | [_] => {
                preview.problems.push(problem(
                    "姓名",
                    Some(record.name.as_str()),
                    format!("不在“{}”的应到名单中（或手机与姓名不符）", meeting.title),
                    format!("is not invited to \"{}\" (or the phone is another's)", meeting.title),
                ));
                continue;
            }
            several => {
                preview.problems.push(problem(
                    "姓名",
                    Some(record.name.as_str()),
                    format!("与 {} 名应到党员同名：请填写所属支部或手机", several.len()),
                    format!("matches {} invited members: fill in 所属支部 or 手机", several.len()),
                ));
                continue;
            }
        };
        if let Err(AppError::Forbidden(why)) = may_mark(actor, &recused, member) {
            preview.problems.push(problem("姓名", Some(record.name.as_str()), why.zh, why.en));
            continue;
        }
        if let Some(first) = seen.insert((meeting.id, member.id), place.row) {
            preview.problems.push(problem(
                "姓名",
                Some(record.name.as_str()),
                format!("该党员在本次会议已在第 {first} 行：请删去重复的行"),
                format!("is already on row {first} for this meeting: remove the duplicate row"),
            ));
            continue;
        }
        let line = format!(
            "{} {} · {} ({})：{}",
            meeting_day(meeting),
            meeting.title,
            member.name,
            member.branch,
            record.status.label_zh()
        );
        match held.get(&meeting.id).and_then(|h| h.get(&member.id)) {
            Some((status, _)) if *status == record.status => preview.unchanged += 1,
            Some((status, true)) => preview.problems.push(problem(
                "出席情况",
                Some(record.status.label_zh()),
                format!("已按“{}”记入台账：如需更正，请冲销该条目", status.label_zh()),
                format!("is already in the ledger as {}: correct it with a reversal", status.as_str()),
            )),
            Some((status, false)) => {
                preview.changed.push(format!("{line}（原为{}）", status.label_zh()));
                marks.entry(meeting.id).or_default().push((member.id, record.status));
            }
            None => {
                preview.added.push(line);
                marks.entry(meeting.id).or_default().push((member.id, record.status));
            }
        }
    }
    let write = write && preview.problems.is_empty();
    if write {
        let at = now();
        for (id, marks) in &marks {
            let meeting = tx.meeting(community, *id).await?;
            meetings::mark_sheet(tx, actor, &meeting, marks, meetings::MarkedVia::Import.as_str(), at).await?;
        }
    }
    preview.written = write;
    preview.problems.sort_by_key(|p| (p.place.sheet.clone(), p.place.row));
    Ok(preview)
}
