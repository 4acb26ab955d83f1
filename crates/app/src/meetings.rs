//! Meetings (三会一课, 主题党日): who manages one, who it invites, its
//! paper sign-in sheet, and the decision on a leave request (请假).
//! (Scheduling, attendance and closing are still written in the pages;
//! they move here next.)

use crate::AppResult;
use crate::claims::Verdict;
use crate::clock;
use crate::error::{AppError, Reason, refused};
use crate::print::chinese_date;
use starledger_domain::claims::ClaimStatus;
use starledger_domain::duty::{self, Refusal};
use starledger_domain::meetings::{Attendance, may_decide_leave};
use starledger_domain::org::{Account, BranchId, LinkingDuty, Member, Role};
use starledger_print::{PrintFont, SignInSheet};
use starledger_store::{IntegrityQueries, Meeting, MeetingQueries, OrgQueries, WriteTx};

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
    tx.audit(Some(community), &crate::ledger::actor_label(actor), "leave.decide", &detail).await?;
    Ok(status)
}
