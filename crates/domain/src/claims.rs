//! Claims: what a member submits for someone else to confirm — a visit to a
//! linked household (step 1) or a week of 学习强国 study with a screenshot.
//! Points land only when another account with the right role approves; the
//! claimant can cancel while the claim is pending, and a decided claim
//! stays as it was decided.

use crate::org::{Account, Role};
use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClaimKind {
    /// 走访: a visit to one of the member's linked households.
    Visit,
    /// 学习强国: a week with at least five days of study.
    StudyWeek,
}

impl ClaimKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimKind::Visit => "visit",
            ClaimKind::StudyWeek => "study_week",
        }
    }

    /// The rule of the default rulebook that prices an approved claim.
    pub fn rule_key(self) -> &'static str {
        match self {
            ClaimKind::Visit => "household.visit",
            ClaimKind::StudyWeek => "study.app_week",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ClaimKind::Visit => "入户走访",
            ClaimKind::StudyWeek => "学习强国",
        }
    }
}

impl FromStr for ClaimKind {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "visit" => Ok(ClaimKind::Visit),
            "study_week" => Ok(ClaimKind::StudyWeek),
            other => Err(format!("unknown claim kind \"{other}\"")),
        }
    }
}

/// Pending, approved, rejected and cancelled are kept apart, always.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClaimStatus {
    Pending,
    Approved,
    Rejected,
    Cancelled,
}

impl ClaimStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimStatus::Pending => "pending",
            ClaimStatus::Approved => "approved",
            ClaimStatus::Rejected => "rejected",
            ClaimStatus::Cancelled => "cancelled",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ClaimStatus::Pending => "待审核",
            ClaimStatus::Approved => "已通过",
            ClaimStatus::Rejected => "未通过",
            ClaimStatus::Cancelled => "已撤回",
        }
    }
}

impl FromStr for ClaimStatus {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        [ClaimStatus::Pending, ClaimStatus::Approved, ClaimStatus::Rejected, ClaimStatus::Cancelled]
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| format!("unknown claim status \"{text}\""))
    }
}

impl fmt::Display for ClaimStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClaimRefusal {
    #[error("the claim is already {0}; a decided claim is not changed")]
    AlreadyDecided(ClaimStatus),
    #[error("only the member who made the claim can withdraw it")]
    NotTheClaimant,
    #[error("only a member can make a claim, about their own work")]
    NotAMember,
}

impl ClaimRefusal {
    /// The refusal in Chinese, for the pages.
    pub fn zh(&self) -> String {
        match self {
            // The status reads as a whole: 已通过, 未通过, 已撤回.
            ClaimRefusal::AlreadyDecided(status) => {
                format!("该申报{}，已处理的申报不能更改。", status.label_zh())
            }
            ClaimRefusal::NotTheClaimant => "只有提出申报的党员本人可以撤回。".to_string(),
            ClaimRefusal::NotAMember => "只有党员可以申报，且只能申报自己的工作。".to_string(),
        }
    }
}

/// Only a pending claim can be decided or withdrawn.
pub fn must_be_pending(status: ClaimStatus) -> Result<(), ClaimRefusal> {
    if status == ClaimStatus::Pending { Ok(()) } else { Err(ClaimRefusal::AlreadyDecided(status)) }
}

/// The claimant alone withdraws a pending claim.
pub fn may_cancel(actor: &Account, claimant: crate::org::MemberId, status: ClaimStatus) -> Result<(), ClaimRefusal> {
    if actor.member_id != Some(claimant) {
        return Err(ClaimRefusal::NotTheClaimant);
    }
    must_be_pending(status)
}

/// A claim is made by a member account about its own member.
pub fn may_claim(actor: &Account) -> Result<crate::org::MemberId, ClaimRefusal> {
    match (actor.role, actor.member_id) {
        (Role::Auditor, _) | (_, None) => Err(ClaimRefusal::NotAMember),
        (_, Some(member)) => Ok(member),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::AccountId;
    use crate::org::CommunityId;
    use crate::org::MemberId;

    fn account(role: Role, member_id: Option<i64>) -> Account {
        let member_id = member_id.map(MemberId::new);
        Account {
            id: AccountId::new(1),
            community_id: CommunityId::new(1),
            login: "x".into(),
            name: "x".into(),
            role,
            member_id,
            branch_id: None,
        }
    }

    #[test]
    fn only_pending_claims_move_and_only_their_claimant_withdraws() {
        assert!(must_be_pending(ClaimStatus::Pending).is_ok());
        for status in [ClaimStatus::Approved, ClaimStatus::Rejected, ClaimStatus::Cancelled] {
            assert_eq!(must_be_pending(status), Err(ClaimRefusal::AlreadyDecided(status)));
        }
        assert!(may_cancel(&account(Role::Member, Some(4)), MemberId::new(4), ClaimStatus::Pending).is_ok());
        assert_eq!(
            may_cancel(&account(Role::Committee, Some(5)), MemberId::new(4), ClaimStatus::Pending),
            Err(ClaimRefusal::NotTheClaimant)
        );
        assert!(may_claim(&account(Role::Auditor, Some(4))).is_err());
        assert_eq!(may_claim(&account(Role::BranchSecretary, Some(4))), Ok(MemberId::new(4)));
        assert_eq!("study_week".parse::<ClaimKind>(), Ok(ClaimKind::StudyWeek));
        assert_eq!("approved".parse::<ClaimStatus>(), Ok(ClaimStatus::Approved));
    }

    #[test]
    fn an_already_decided_claim_is_named_by_its_status_once() {
        let said = ClaimRefusal::AlreadyDecided(ClaimStatus::Approved).zh();
        assert!(said.starts_with("该申报已通过，"), "{said}");
        assert!(!said.contains("已已"), "{said}");
        assert!(ClaimRefusal::AlreadyDecided(ClaimStatus::Rejected).zh().starts_with("该申报未通过，"));
    }
}
