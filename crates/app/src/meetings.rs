//! Meetings (三会一课, 主题党日): who manages one, who it invites, its
//! paper sign-in sheet, its attendance sheet (marked on the page, through
//! the API or imported from a 会议签到表), closing a meeting (which records
//! the attendance in the ledger), and the decision on a leave request
//! (请假), asked for by the member before the meeting; scheduling one; a
//! member's check-in by its QR.

use crate::AppResult;
use crate::claims::Verdict;
use crate::clock;
use crate::error::{AppError, Reason, invalid, refused};
use crate::print::chinese_date;
use crate::recording::{self, Event};
use starledger_domain::claims::ClaimStatus;
use starledger_domain::duty::{self, Refusal};
use starledger_domain::meetings::{Attendance, MEETING_RULES, check_in_open, may_decide_leave};
use starledger_domain::org::{Account, BranchId, LinkingDuty, Member, MemberId, PartyGroupId, Role, Year};
use starledger_print::{PrintFont, SignInSheet};
use starledger_store::{
    IntegrityQueries, Meeting, MeetingQueries, NewMeeting, OrgQueries, Period, PeriodStatus, StoreError, WriteTx,
};
use std::collections::{HashMap, HashSet};

/// The committee manages every meeting; a branch secretary their branch's.
pub fn may_manage(account: &Account, branch: BranchId) -> bool {
    account.role == Role::Committee || (account.role == Role::BranchSecretary && account.branch_id == Some(branch))
}

/// Who a meeting invites: its party group, the branch committee for a branch
/// committee meeting, or the whole branch; members on the roll that day.
pub fn invited(meeting: &Meeting, members: &[Member]) -> Vec<Member> {
    let day = meeting_day(meeting);
    members
        .iter()
        .filter(|m| m.branch_id == meeting.branch_id)
        .filter(|m| m.joined_on.is_none_or(|j| j <= day) && m.left_on.is_none_or(|l| l >= day))
        .filter(|m| match meeting.party_group_id {
            Some(group) => m.party_group_id == Some(group),
            None if meeting.rule_key == "meeting.branch_committee" => matches!(m.linking, LinkingDuty::HoldsPost(_)),
            None => true,
        })
        .cloned()
        .collect()
}

/// The meetings an account sees on the meetings list (and the API): the
/// committee and the auditor every branch's, a branch secretary their
/// branch's, a member those they are invited to. `None`: a member's
/// account that belongs to no branch, which sees none.
pub async fn visible<Q>(q: &mut Q, account: &Account) -> AppResult<Option<Visible>>
where
    Q: MeetingQueries + OrgQueries,
{
    let community = account.community_id;
    let own_branch = match account.role {
        Role::Committee | Role::Auditor => None,
        Role::BranchSecretary => account.branch_id,
        Role::Member => match account.member_id {
            Some(member) => Some(q.member(community, member).await?.branch_id),
            None => return Ok(None),
        },
    };
    let roll = q.members(community).await?;
    let me = account.member_id;
    let meetings = q
        .meetings(community, own_branch)
        .await?
        .into_iter()
        // A member sees the meetings they are invited to (not other groups').
        .filter(|m| account.role != Role::Member || invited(m, &roll).iter().any(|i| Some(i.id) == me))
        .collect();
    Ok(Some(Visible { branch: own_branch, meetings }))
}

/// The meetings an account sees, and the one branch it is limited to.
pub struct Visible {
    /// `None`: every branch (the committee, the auditor).
    pub branch: Option<BranchId>,
    pub meetings: Vec<Meeting>,
}

/// Who may read a meeting and its attendance sheet: whoever manages it,
/// the members it invites, and the auditor.
pub fn may_read(account: &Account, meeting: &Meeting, invited: &[Member]) -> bool {
    may_manage(account, meeting.branch_id)
        || account.role == Role::Auditor
        || account.member_id.is_some_and(|me| invited.iter().any(|i| i.id == me))
}

/// A meeting's sign-in sheet as PDF, for whoever manages the meeting; the
/// check-in QR code leads to `public_url`'s check-in page.
pub async fn sign_in_pdf<Q>(
    q: &mut Q,
    account: &Account,
    meeting: i64,
    public_url: &str,
    font: &PrintFont,
) -> AppResult<Vec<u8>>
where
    Q: MeetingQueries + OrgQueries,
{
    let meeting = q.meeting(account.community_id, meeting).await?;
    if !may_manage(account, meeting.branch_id) {
        let login = account.login.clone();
        return Err(AppError::Duty(match account.role {
            Role::BranchSecretary => Refusal::OtherBranch { login },
            role => Refusal::CommitteeOnly { login, role, action: "print a meeting's sign-in sheet".into() },
        }));
    }
    let members = q.members(account.community_id).await?;
    let starts = jiff::Timestamp::from_second(meeting.starts_at)
        .map_err(|e| crate::error::invalid(format!("会议时间无效：{e}"), format!("meeting time: {e}")))?
        .to_zoned(clock::china());
    let sheet = SignInSheet {
        community: q.community(account.community_id).await?.name,
        title: meeting.title.clone(),
        branch: meeting.branch.clone(),
        when_where: format!("{} {} · {}", chinese_date(starts.date()), starts.strftime("%H:%M"), meeting.place),
        members: invited(&meeting, &members).into_iter().map(|m| m.name.to_string()).collect(),
        check_in_url: meeting.closed_at.is_none().then(|| format!("{public_url}/checkin/{}", meeting.checkin_token)),
    };
    Ok(starledger_print::sign_in_sheet(font, &sheet)?)
}

/// Approves or rejects a pending leave request. The person deciding is
/// neither the member who asked nor their relative (回避), and is the
/// committee or the secretary of the meeting's branch; an approval marks
/// the member excused. Once the meeting's attendance is in the ledger an
/// approval would change nothing, and is refused: a reversal corrects it.
/// A note, if given, is kept with the decision.
pub async fn decide_leave(
    tx: &mut WriteTx,
    actor: &Account,
    id: i64,
    verdict: Verdict,
    note: &str,
    now: i64,
) -> AppResult<ClaimStatus> {
    let community = actor.community_id;
    let request = tx.leave_request(community, id).await?;
    let meeting = tx.meeting(community, request.meeting_id).await?;
    // On the person: an account of no member cannot be checked for recusal.
    duty::acting_person(actor)?;
    let relatives = tx.relative_ids(request.member_id).await?;
    may_decide_leave(actor, request.member_id, meeting.branch_id, &relatives)
        .map_err(|e| AppError::Forbidden(Reason::new(e.zh(), e.to_string())))?;
    let status = match verdict {
        Verdict::Approve => ClaimStatus::Approved,
        Verdict::Reject => ClaimStatus::Rejected,
    };
    if status == ClaimStatus::Approved
        && tx.attendance(meeting.id).await?.iter().any(|a| a.member_id == request.member_id && a.ledgered)
    {
        return Err(refused(
            "该党员的出席情况已记入台账；如需更正，请冲销。",
            "this member's attendance is already in the ledger; correct it with a reversal",
        ));
    }
    let note = Some(note.trim()).filter(|n| !n.is_empty());
    if !tx.decide_leave(community, id, status, note, actor.id, now).await? {
        return Err(refused("该申请已由他人处理。", "the request was decided meanwhile"));
    }
    if status == ClaimStatus::Approved {
        tx.set_attendance(meeting.id, request.member_id, Attendance::Excused, "leave", actor.id, now).await?;
    }
    let detail = format!("leave {id} {}", status.as_str());
    tx.audit(Some(community), &crate::ledger::actor_label(actor), "leave.decide", &detail).await?;
    Ok(status)
}

/// The day a meeting is held, in China.
pub fn meeting_day(meeting: &Meeting) -> jiff::civil::Date {
    clock::day_of(meeting.starts_at).unwrap_or_else(clock::today)
}

/// A meeting the actor keeps: their branch's as its secretary, any as the
/// committee.
pub async fn managed(tx: &mut WriteTx, actor: &Account, id: i64) -> AppResult<Meeting> {
    let meeting = tx.meeting(actor.community_id, id).await?;
    refuse_unless_manager(actor, &meeting)?;
    Ok(meeting)
}

/// Who keeps a meeting's attendance sheet: the secretary of its branch or
/// the committee, in a year that is not finalized.
pub async fn may_keep_sheet(tx: &mut WriteTx, actor: &Account, meeting: &Meeting) -> AppResult<()> {
    refuse_unless_manager(actor, meeting)?;
    crate::recording::refuse_if_final(tx, meeting.community_id, Year::of(meeting_day(meeting))).await
}

fn refuse_unless_manager(actor: &Account, meeting: &Meeting) -> AppResult<()> {
    if !may_manage(actor, meeting.branch_id) {
        return Err(AppError::Forbidden(Reason::new(
            "只有本支部书记或社区党委才能管理本支部的会议。",
            "only the branch's secretary or the committee keeps its meetings",
        )));
    }
    Ok(())
}

/// The members `actor` may not mark or record about: the person behind the
/// account and their relatives (回避).
pub async fn recused(tx: &mut WriteTx, actor: &Account) -> AppResult<Vec<MemberId>> {
    let Some(me) = actor.member_id else { return Ok(Vec::new()) };
    let mut recused = tx.relative_ids(me).await?;
    recused.push(me);
    Ok(recused)
}

/// What to do with a mark for a member the meeting does not invite: the
/// page's form ignores it (it lists the invited only); the API refuses it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Uninvited {
    Ignore,
    Refuse,
}

/// A mark's status: present, late, absent or excused.
pub fn parse_status(value: &str) -> AppResult<Attendance> {
    value.parse().map_err(|e: String| {
        invalid(
            format!("出席情况（status）“{value}”无效：应为 present、late、absent 或 excused。"),
            format!("status: {e}"),
        )
    })
}

/// Where a mark on a meeting's sheet came from, as the sheet keeps it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkedVia {
    /// The meeting page's form (kept as `secretary`, its name since the
    /// first release).
    Page,
    /// The API.
    Api,
    /// An imported sign-in sheet (会议签到表).
    Import,
}

impl MarkedVia {
    pub fn as_str(self) -> &'static str {
        match self {
            MarkedVia::Page => "secretary",
            MarkedVia::Api => "api",
            MarkedVia::Import => "import",
        }
    }
}

/// Saves marks on a meeting's sheet as the page's form and the API send
/// them (member, status as typed), through [`mark_sheet`]. A mark for a
/// member the meeting does not invite is ignored (the page lists the
/// invited only) or refused (the API). How many rows changed.
pub async fn mark_attendance(
    tx: &mut WriteTx,
    actor: &Account,
    id: i64,
    marks: &[(MemberId, String)],
    uninvited: Uninvited,
    via: MarkedVia,
    now: i64,
) -> AppResult<usize> {
    let meeting = managed(tx, actor, id).await?;
    let members = tx.members(meeting.community_id).await?;
    let invited = invited(&meeting, &members);
    let mut parsed = Vec::with_capacity(marks.len());
    for (member, value) in marks {
        if !invited.iter().any(|i| i.id == *member) {
            if uninvited == Uninvited::Refuse {
                return Err(invalid(
                    format!("member_id {member}：不是此会议应到的党员。"),
                    format!("member_id {member}: not a member this meeting invites"),
                ));
            }
            continue;
        }
        parsed.push((*member, parse_status(value)?));
    }
    mark_sheet(tx, actor, &meeting, &parsed, via.as_str(), now).await
}

/// What closing a meeting did, or why it did not.
pub enum Closing {
    /// Members nobody marked block the close until the closer says what
    /// they were; nothing was written.
    Unmarked { unmarked: Vec<Member>, absent: Vec<Member>, recused: Vec<Member> },
    /// Closed (if it was open) and every attendance the closer may record
    /// recorded.
    Closed { entries: usize, counted: HashMap<Attendance, usize>, absent: Vec<Member>, recused: Vec<Member> },
}

/// The refusal of a close that would leave members unmarked.
pub fn unmarked_refusal(unmarked: &[Member]) -> AppError {
    let count = unmarked.len();
    let listed = unmarked.iter().map(|m| m.name.to_string()).collect::<Vec<_>>().join("、");
    refused(
        format!("有 {count} 名党员尚未标记（{listed}）：请逐一标记，或选择全部出席、全部缺席。"),
        format!(
            "{count} members are not marked ({listed}): mark them, or choose that all of them were present, or all absent"
        ),
    )
}

/// Closes a meeting and records every attendance the actor may record
/// through the rulebook. Members nobody marked block the close until the
/// closer says, in one explicit choice (`fill`: present or absent), what
/// they were: a meeting never marks forty people absent because nobody
/// ticked them. Run again by someone else, it records what remains (the
/// closer's own attendance and their relatives'). Each entry is keyed to
/// the meeting, member and rule, so nothing is recorded twice.
pub async fn close(
    tx: &mut WriteTx,
    actor: &Account,
    id: i64,
    fill: Option<Attendance>,
    now: i64,
) -> AppResult<Closing> {
    let community = actor.community_id;
    let meeting = managed(tx, actor, id).await?;
    if now < meeting.starts_at {
        return Err(refused("会议开始后才能结束。", "a meeting is closed after it has started"));
    }
    if fill.is_some_and(|f| !matches!(f, Attendance::Present | Attendance::Absent)) {
        return Err(invalid("unmarked：应为 present 或 absent。", "unmarked: is present or absent"));
    }
    let day = jiff::Timestamp::from_second(meeting.starts_at)
        .map_err(|e| invalid(format!("会议时间无效：{e}"), format!("meeting time: {e}")))?
        .to_zoned(clock::china())
        .date();
    let period = match tx.period(community, Year::of(day)).await? {
        Some(period) if period.status == PeriodStatus::Open => period,
        _ => {
            return Err(refused(format!("{} 年度未开放。", day.year()), format!("{} is not an open year", day.year())));
        }
    };
    let members = tx.members(community).await?;
    let invited = invited(&meeting, &members);
    let mut attendance: HashMap<MemberId, Attendance> =
        tx.attendance(id).await?.into_iter().map(|a| (a.member_id, a.status)).collect();
    // The closer's own attendance and their relatives' wait for another
    // account: nobody records about themselves or a relative (回避).
    let recused_ids = recused(tx, actor).await?;
    let recused: Vec<Member> = invited.iter().filter(|m| recused_ids.contains(&m.id)).cloned().collect();
    let unmarked: Vec<Member> = if meeting.closed_at.is_none() {
        invited.iter().filter(|m| !attendance.contains_key(&m.id) && !recused_ids.contains(&m.id)).cloned().collect()
    } else {
        Vec::new()
    };
    if !unmarked.is_empty() && fill.is_none() {
        let absent = invited.iter().filter(|m| attendance.get(&m.id) == Some(&Attendance::Absent)).cloned().collect();
        return Ok(Closing::Unmarked { unmarked, absent, recused });
    }
    if meeting.closed_at.is_none() {
        if let Some(fill) = fill {
            for member in &unmarked {
                tx.set_attendance(id, member.id, fill, "secretary", actor.id, now).await?;
                attendance.insert(member.id, fill);
            }
        }
        tx.close_meeting(id, now).await?;
    }
    let ledgered: HashSet<MemberId> =
        tx.attendance(id).await?.into_iter().filter(|a| a.ledgered).map(|a| a.member_id).collect();
    let mut entries = 0;
    let mut counted: HashMap<Attendance, usize> = HashMap::new();
    let mut absent = Vec::new();
    for member in invited.iter().filter(|m| !ledgered.contains(&m.id) && !recused_ids.contains(&m.id)) {
        let Some(status) = attendance.get(&member.id) else { continue };
        entries += ledger_attendance(tx, actor, member, &meeting, &period, *status, day, now).await?;
        tx.mark_attendance_ledgered(id, member.id).await?;
        *counted.entry(*status).or_default() += 1;
        if *status == Attendance::Absent {
            absent.push(member.clone());
        }
    }
    let detail = format!("meeting {id}: {entries} entries");
    tx.audit(Some(community), &crate::ledger::actor_label(actor), "meeting.close", &detail).await?;
    Ok(Closing::Closed { entries, counted, absent, recused })
}

/// The entries one member's attendance is worth; an entry past a cap is not
/// recorded (a secretary would not record it either).
#[allow(clippy::too_many_arguments)]
async fn ledger_attendance(
    tx: &mut WriteTx,
    actor: &Account,
    member: &Member,
    meeting: &Meeting,
    period: &Period,
    status: Attendance,
    day: jiff::civil::Date,
    now: i64,
) -> AppResult<usize> {
    let mut recorded = 0;
    for rule_key in status.rule_keys(&meeting.rule_key) {
        let event = Event {
            rule_key: &rule_key,
            on: day,
            source_ref: format!("meeting:{}", meeting.id),
            reason: Some(format!("{}（{}）", meeting.title, status.label_zh())),
            idempotency_key: format!("meeting:{}:{}:{rule_key}", meeting.id, member.id),
        };
        match recording::record(tx, actor, member, period, event, now).await {
            Ok(_) => recorded += 1,
            // Past a cap: not recorded, as a secretary would not record it.
            Err(AppError::Refused(_)) => {}
            Err(other) => return Err(other),
        }
    }
    Ok(recorded)
}

/// Whether `actor` may mark `member`'s attendance: never their own, never a relative's.
pub fn may_mark(actor: &Account, recused: &[MemberId], member: &Member) -> AppResult<()> {
    if Some(member.id) == actor.member_id {
        return Err(AppError::Forbidden(Reason::new(
            "任何人不能记录自己的出席情况。",
            "nobody records their own attendance",
        )));
    }
    if recused.contains(&member.id) {
        return Err(AppError::Forbidden(Reason::new(
            format!("{}是您的亲属，其考勤由其他人登记（回避）。", member.name),
            format!("{} is your relative: another account records their attendance", member.name),
        )));
    }
    Ok(())
}

/// Marks a meeting's attendance sheet, the page's and an imported sheet's
/// one use case: whoever keeps the sheet ([`may_keep_sheet`]), for members
/// the meeting invites, never about themselves or a relative ([`may_mark`]).
/// A mark the sheet already holds writes nothing, and one already in the
/// ledger stays (a correction is a reversal). One audit row; returns how
/// many marks changed. Any refusal refuses the whole sheet: the caller
/// drops the transaction.
pub async fn mark_sheet(
    tx: &mut WriteTx,
    actor: &Account,
    meeting: &Meeting,
    marks: &[(MemberId, Attendance)],
    via: &str,
    now: i64,
) -> AppResult<usize> {
    may_keep_sheet(tx, actor, meeting).await?;
    let community = meeting.community_id;
    let members = tx.members(community).await?;
    let invited = invited(meeting, &members);
    let recused = recused(tx, actor).await?;
    let held: HashMap<MemberId, Attendance> =
        tx.attendance(meeting.id).await?.into_iter().map(|a| (a.member_id, a.status)).collect();
    let mut saved = 0;
    for (member_id, status) in marks {
        let Some(member) = invited.iter().find(|m| m.id == *member_id) else {
            return Err(crate::error::invalid(
                format!("编号为 {member_id} 的党员不在本次会议的应到名单中。"),
                format!("member {member_id} is not invited to meeting {}", meeting.id),
            ));
        };
        may_mark(actor, &recused, member)?;
        if held.get(member_id) == Some(status) {
            continue;
        }
        if tx.set_attendance(meeting.id, member.id, *status, via, actor.id, now).await? {
            saved += 1;
        }
    }
    let detail = format!("meeting {}: {saved} rows ({via})", meeting.id);
    tx.audit(Some(community), &crate::ledger::actor_label(actor), "meeting.attendance", &detail).await?;
    Ok(saved)
}

/// A meeting as its manager schedules it.
#[derive(Clone, Debug)]
pub struct Draft<'a> {
    pub branch: BranchId,
    /// A party group's meeting (党小组会) names its group, of the branch.
    pub group: Option<PartyGroupId>,
    /// One of [`MEETING_RULES`].
    pub rule: &'a str,
    pub title: &'a str,
    pub place: &'a str,
    /// When it starts, in China.
    pub starts: jiff::civil::DateTime,
}

/// The branch's secretary or the committee schedules a meeting of the
/// branch in an open, unfinalized year; its id.
pub async fn schedule(
    tx: &mut WriteTx,
    actor: &Account,
    draft: &Draft<'_>,
    checkin_token: String,
    now: i64,
) -> AppResult<i64> {
    if !may_manage(actor, draft.branch) {
        return Err(AppError::Forbidden(Reason::new(
            "只有本支部书记或社区党委可以安排本支部的会议。",
            "only the branch's secretary or the committee schedules its meetings",
        )));
    }
    if !MEETING_RULES.contains(&draft.rule) {
        return Err(invalid(
            format!("会议类型“{}”无效。", draft.rule),
            format!("unknown meeting kind \"{}\"", draft.rule),
        ));
    }
    let (title, place) = (draft.title.trim(), draft.place.trim());
    if title.is_empty() || place.is_empty() {
        return Err(invalid("标题和地点必须填写。", "title and place are required"));
    }
    let starts_at = draft
        .starts
        .to_zoned(clock::china())
        .map_err(|e| invalid("时间无效。", e.to_string()))?
        .timestamp()
        .as_second();
    let community = actor.community_id;
    // A committee may schedule for any branch, but only of its own community.
    if !tx.has_branch(community, draft.branch).await? {
        return Err(AppError::Store(StoreError::not_found("branch", draft.branch)));
    }
    let day = draft.starts.date();
    recording::open_period_of(tx, community, day).await?;
    recording::refuse_if_final(tx, community, Year::of(day)).await?;
    if let Some(group) = draft.group {
        let groups = tx.party_groups(community).await?;
        if !groups.iter().any(|(id, branch, _)| *id == group && *branch == draft.branch) {
            return Err(invalid("该党小组不属于所选支部。", "the party group is not in that branch"));
        }
    }
    let id = tx
        .add_meeting(&NewMeeting {
            community_id: community,
            branch_id: draft.branch,
            party_group_id: draft.group,
            rule_key: draft.rule.to_string(),
            title: title.to_string(),
            place: place.to_string(),
            starts_at,
            checkin_token,
            created_by: actor.id,
            created_at: now,
        })
        .await?;
    let label = crate::ledger::actor_label(actor);
    tx.audit(Some(community), &label, "meeting.add", &format!("meeting {id} {}", draft.rule)).await?;
    Ok(id)
}

/// The meeting of the actor's community whose QR carries `token`.
pub async fn by_check_in_code(tx: &mut WriteTx, actor: &Account, token: &str) -> AppResult<Meeting> {
    tx.meeting_by_token(token)
        .await?
        .filter(|m| m.community_id == actor.community_id)
        .ok_or_else(|| AppError::Store(StoreError::not_found("meeting", "its check-in code")))
}

/// The meeting's QR ([`by_check_in_code`]): the member behind the account,
/// invited, checks in while check-in is open. A check-in says the member
/// was there; the points still come when the meeting is closed, and a mark
/// the keeper made (late, excused ...) stands. Refused
/// ([`AppError::Refused`]) when check-in is closed, forbidden
/// ([`AppError::Forbidden`]) to a member the meeting does not invite.
pub async fn check_in(tx: &mut WriteTx, actor: &Account, meeting: &Meeting, now: i64) -> AppResult<()> {
    let community = actor.community_id;
    let member = actor
        .member_id
        .ok_or_else(|| AppError::Forbidden(Reason::new("只有党员可以签到。", "only members check in")))?;
    if !check_in_open(meeting.starts_at, now) || meeting.closed_at.is_some() {
        return Err(refused("签到已结束或尚未开始。", "check-in is not open for this meeting"));
    }
    let members = tx.members(community).await?;
    if !invited(meeting, &members).iter().any(|m| m.id == member) {
        return Err(AppError::Forbidden(Reason::new("这不是您需要参加的会议。", "this meeting is not yours")));
    }
    tx.check_in(meeting.id, member, actor.id, now).await?;
    let label = crate::ledger::actor_label(actor);
    tx.audit(Some(community), &label, "meeting.checkin", &format!("meeting {}", meeting.id)).await?;
    Ok(())
}

/// The member behind the account asks for leave (请假) from a meeting that
/// invites them, before it starts, with a reason; the request's id.
pub async fn ask_leave(tx: &mut WriteTx, actor: &Account, id: i64, reason: &str, now: i64) -> AppResult<i64> {
    let member = actor
        .member_id
        .ok_or_else(|| AppError::Forbidden(Reason::new("只有党员可以请假。", "only members ask for leave")))?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(invalid("理由：请写明原因。", "reason: say why"));
    }
    let community = actor.community_id;
    let meeting = tx.meeting(community, id).await?;
    let members = tx.members(community).await?;
    if !invited(&meeting, &members).iter().any(|m| m.id == member) {
        return Err(AppError::Forbidden(Reason::new("这不是您需要参加的会议。", "this meeting is not yours")));
    }
    if now >= meeting.starts_at || meeting.closed_at.is_some() {
        return Err(refused("请假须在会议开始前提出。", "leave is asked for before the meeting starts"));
    }
    let request = tx.add_leave_request(community, id, member, reason, now).await?;
    let label = crate::ledger::actor_label(actor);
    tx.audit(Some(community), &label, "leave.ask", &format!("leave {request} meeting {id}")).await?;
    Ok(request)
}
