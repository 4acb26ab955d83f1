//! 三会一课 and 主题党日: meetings a branch holds, who attended, and what
//! attendance is worth. Members may check in by scanning the meeting's QR
//! only within a window around its start; a leave request (请假) is decided
//! by someone other than the requester, and an approved leave costs nothing.

use crate::org::{Account, Role};
use std::str::FromStr;

/// The rules a meeting can be priced by (source `attendance`).
pub const MEETING_RULES: [&str; 6] = [
    "meeting.branch_general",
    "meeting.branch_committee",
    "meeting.group",
    "meeting.lecture",
    "meeting.theme_day",
    "study.theory",
];

pub const LATE_RULE: &str = "meeting.late";
pub const ABSENT_RULE: &str = "meeting.absent";

/// Minutes before and after the start in which a QR check-in counts.
pub const CHECK_IN_MINUTES: i64 = 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Attendance {
    Present,
    Late,
    /// Absent without an approved leave.
    Absent,
    /// On approved leave (请假).
    Excused,
}

impl Attendance {
    pub const ALL: [Attendance; 4] = [Attendance::Present, Attendance::Late, Attendance::Absent, Attendance::Excused];

    pub fn as_str(self) -> &'static str {
        match self {
            Attendance::Present => "present",
            Attendance::Late => "late",
            Attendance::Absent => "absent",
            Attendance::Excused => "excused",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Attendance::Present => "出席",
            Attendance::Late => "迟到",
            Attendance::Absent => "缺席",
            Attendance::Excused => "请假",
        }
    }

    /// The rules an attendance is priced by, in order.
    pub fn rule_keys(self, meeting_rule: &str) -> Vec<String> {
        match self {
            Attendance::Present => vec![meeting_rule.to_string()],
            Attendance::Late => vec![meeting_rule.to_string(), LATE_RULE.to_string()],
            // A theory session is optional: missing it costs nothing.
            Attendance::Absent if meeting_rule == "study.theory" => Vec::new(),
            Attendance::Absent => vec![ABSENT_RULE.to_string()],
            Attendance::Excused => Vec::new(),
        }
    }
}

impl FromStr for Attendance {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Attendance::ALL.into_iter().find(|a| a.as_str() == text).ok_or_else(|| format!("unknown attendance \"{text}\""))
    }
}

/// Is a QR check-in at `now` (Unix seconds) within the window of a meeting
/// starting at `starts_at`?
pub fn check_in_open(starts_at: i64, now: i64) -> bool {
    (now - starts_at).abs() <= CHECK_IN_MINUTES * 60
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LeaveRefusal {
    #[error("a leave request is decided by someone other than the member who asked")]
    OwnRequest,
    #[error("a leave request is decided by someone who is not the member's relative (回避)")]
    Relative,
    #[error("only the branch's secretary or the committee decides leave requests")]
    NotTheirs,
}

impl LeaveRefusal {
    /// The refusal in Chinese, for the pages.
    pub fn zh(&self) -> &'static str {
        match self {
            LeaveRefusal::OwnRequest => "请假申请须由申请人以外的人审批。",
            LeaveRefusal::Relative => "请假申请须由非申请人亲属的人审批（回避）。",
            LeaveRefusal::NotTheirs => "只有本支部书记或社区党委可以审批请假申请。",
        }
    }
}

/// Who may decide a leave request of a member of `branch_id`.
pub fn may_decide_leave(
    actor: &Account,
    requester: crate::org::MemberId,
    branch_id: crate::org::BranchId,
    relatives: &[crate::org::MemberId],
) -> Result<(), LeaveRefusal> {
    if actor.member_id == Some(requester) {
        return Err(LeaveRefusal::OwnRequest);
    }
    if actor.member_id.is_some_and(|me| relatives.contains(&me)) {
        return Err(LeaveRefusal::Relative);
    }
    match actor.role {
        Role::Committee => Ok(()),
        Role::BranchSecretary if actor.branch_id == Some(branch_id) => Ok(()),
        _ => Err(LeaveRefusal::NotTheirs),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::CommunityId;
    use crate::org::{AccountId, BranchId, MemberId};

    #[test]
    fn attendance_is_priced_by_its_rules() {
        assert_eq!(Attendance::Present.rule_keys("meeting.group"), vec!["meeting.group"]);
        assert_eq!(Attendance::Late.rule_keys("meeting.group"), vec!["meeting.group", "meeting.late"]);
        assert_eq!(Attendance::Absent.rule_keys("meeting.group"), vec!["meeting.absent"]);
        assert!(Attendance::Absent.rule_keys("study.theory").is_empty());
        assert!(Attendance::Excused.rule_keys("meeting.group").is_empty());
        let rulebook = crate::rulebook::Rulebook::default_rulebook();
        for rule in MEETING_RULES.iter().chain([LATE_RULE, ABSENT_RULE].iter()) {
            assert_eq!(rulebook.rule(rule).map(|r| r.source), Some(crate::rulebook::RuleSource::Attendance), "{rule}");
        }
    }

    #[test]
    fn check_in_is_open_twenty_minutes_either_side() {
        let start = 1_800_000_000;
        assert!(check_in_open(start, start - 20 * 60));
        assert!(check_in_open(start, start + 20 * 60));
        assert!(!check_in_open(start, start + 20 * 60 + 1));
        assert!(!check_in_open(start, start - 3600));
    }

    #[test]
    fn leave_is_decided_by_someone_else() {
        let secretary = Account {
            id: AccountId::new(1),
            community_id: CommunityId::new(1),
            login: "s".into(),
            name: "s".into(),
            role: Role::BranchSecretary,
            member_id: Some(MemberId::new(3)),
            branch_id: Some(BranchId::new(2)),
        };
        assert!(may_decide_leave(&secretary, MemberId::new(7), BranchId::new(2), &[]).is_ok());
        assert_eq!(
            may_decide_leave(&secretary, MemberId::new(3), BranchId::new(2), &[]),
            Err(LeaveRefusal::OwnRequest)
        );
        assert_eq!(may_decide_leave(&secretary, MemberId::new(7), BranchId::new(5), &[]), Err(LeaveRefusal::NotTheirs));
    }
}
