//! Meetings (三会一课, 主题党日): who manages one, who it invites, its
//! paper sign-in sheet, its attendance sheet (marked on the page or
//! imported from a 会议签到表), and the decision on a leave request (请假).
//! (Scheduling and closing are still written in the pages; they move here
//! next.)

use crate::AppResult;
use crate::claims::Verdict;
use crate::clock;
use crate::error::{AppError, Reason, refused};
use crate::print::chinese_date;
use starledger_domain::claims::ClaimStatus;
use starledger_domain::duty::{self, Refusal};
use starledger_domain::ledger::Actor;
use starledger_domain::meetings::{Attendance, may_decide_leave};
use starledger_domain::org::{Account, BranchId, LinkingDuty, Member, MemberId, Role, Year};
use starledger_print::{PrintFont, SignInSheet};
use starledger_store::{IntegrityQueries, Meeting, MeetingQueries, OrgQueries, WriteTx};
use std::collections::HashMap;

/// The committee manages every meeting; a branch secretary their branch's.
pub fn may_manage(account: &Account, branch: BranchId) -> bool {
    account.role == Role::Committee || (account.role == Role::BranchSecretary && account.branch_id == Some(branch))
}

/// Who a meeting invites: its party group, the branch committee for a branch
/// committee meeting, or the whole branch; members on the roll that day.
pub fn invited(meeting: &Meeting, members: &[Member]) -> Vec<Member> {
    let day = jiff::Timestamp::from_second(meeting.starts_at)
        .map(|t| t.to_zoned(clock::china()).date())
        .unwrap_or_else(|_| clock::today());
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
pub async fn decide_leave(
    tx: &mut WriteTx,
    actor: &Account,
    id: i64,
    verdict: Verdict,
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
    if !tx.decide_leave(community, id, status, actor.id, now).await? {
        return Err(refused("该申请已由他人处理。", "the request was decided meanwhile"));
    }
    if status == ClaimStatus::Approved {
        tx.set_attendance(meeting.id, request.member_id, Attendance::Excused, "leave", actor.id, now).await?;
    }
    let detail = format!("leave {id} {}", status.as_str());
    tx.audit(Some(community), &Actor::Account(actor.id).to_string(), "leave.decide", &detail).await?;
    Ok(status)
}

/// The day a meeting is held, in China.
pub fn meeting_day(meeting: &Meeting) -> jiff::civil::Date {
    jiff::Timestamp::from_second(meeting.starts_at)
        .map(|t| t.to_zoned(clock::china()).date())
        .unwrap_or_else(|_| clock::today())
}

/// Who keeps a meeting's attendance sheet: the secretary of its branch or
/// the committee, in a year that is not finalized.
pub async fn may_keep_sheet(tx: &mut WriteTx, actor: &Account, meeting: &Meeting) -> AppResult<()> {
    if !may_manage(actor, meeting.branch_id) {
        return Err(AppError::Forbidden(Reason::new(
            "只有本支部书记或社区党委才能管理本支部的会议。",
            "only the branch's secretary or the committee keeps its meetings",
        )));
    }
    crate::recording::refuse_if_final(tx, meeting.community_id, Year::of(meeting_day(meeting))).await
}

/// The members `actor` may not mark: the person behind the account and
/// their relatives (回避).
pub async fn recused(tx: &mut WriteTx, actor: &Account) -> AppResult<Vec<MemberId>> {
    let Some(me) = actor.member_id else { return Ok(Vec::new()) };
    let mut recused = tx.relative_ids(me).await?;
    recused.push(me);
    Ok(recused)
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
    tx.audit(Some(community), &Actor::Account(actor.id).to_string(), "meeting.attendance", &detail).await?;
    Ok(saved)
}
