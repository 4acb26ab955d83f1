//! Who may do what to whom: "自己说了不算、书记说了不算" — neither the member
//! nor the secretary alone decides. These checks run on the server for every
//! write, whatever a client claims.

use crate::ledger::{Actor, Entry};
use crate::org::{Account, BranchId, MemberId, Role};
use crate::rulebook::Rule;

/// The person an action is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Subject {
    pub member_id: MemberId,
    pub branch_id: BranchId,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("{login} is the member concerned: no one records, reverses or approves points about themselves")]
    AboutThemselves { login: String },
    #[error("rule {rule} comes from {origin}; no account can type it")]
    NotTypedByAnyone { rule: String, origin: String },
    #[error("a {role} may not record rule {rule} (allowed: {allowed})")]
    RoleMayNotRecord { role: Role, rule: String, allowed: String },
    #[error("{login} is secretary of another branch and may act only on their own branch's members")]
    OtherBranch { login: String },
    #[error("{login} is an auditor: auditors read everything and write nothing")]
    ReadOnly { login: String },
    #[error("only the community committee may {action}; {login} is a {role}")]
    CommitteeOnly { login: String, role: Role, action: String },
    #[error("entry {id} is itself a reversal; record the points again instead of reversing it")]
    ReversalOfReversal { id: i64 },
    #[error("entry {id} has already been reversed")]
    AlreadyReversed { id: i64 },
}

fn not_themselves(actor: &Account, subject: Subject) -> Result<(), Refusal> {
    if actor.member_id == Some(subject.member_id) {
        return Err(Refusal::AboutThemselves { login: actor.login.clone() });
    }
    Ok(())
}

fn within_branch(actor: &Account, subject: Subject) -> Result<(), Refusal> {
    if actor.role == Role::BranchSecretary && actor.branch_id != Some(subject.branch_id) {
        return Err(Refusal::OtherBranch { login: actor.login.clone() });
    }
    Ok(())
}

/// May `actor` record an entry priced by `rule` about `subject`?
pub fn may_record(actor: &Account, rule: &Rule, subject: Subject) -> Result<(), Refusal> {
    if actor.role == Role::Auditor {
        return Err(Refusal::ReadOnly { login: actor.login.clone() });
    }
    not_themselves(actor, subject)?;
    if rule.source.is_typed_by_no_one() {
        return Err(Refusal::NotTypedByAnyone { rule: rule.key.clone(), origin: rule.source.to_string() });
    }
    if !rule.recorded_by.contains(&actor.role) {
        let allowed: Vec<&str> = rule.recorded_by.iter().map(|r| r.as_str()).collect();
        return Err(Refusal::RoleMayNotRecord {
            role: actor.role,
            rule: rule.key.clone(),
            allowed: allowed.join(", "),
        });
    }
    within_branch(actor, subject)
}

/// May `actor` reverse `original`? The committee may, and the secretary of
/// the member's branch; never the member concerned.
pub fn may_reverse(actor: &Account, original: &Entry, subject: Subject, already_reversed: bool) -> Result<(), Refusal> {
    if actor.role == Role::Auditor {
        return Err(Refusal::ReadOnly { login: actor.login.clone() });
    }
    not_themselves(actor, subject)?;
    if !matches!(actor.role, Role::Committee | Role::BranchSecretary) {
        return Err(Refusal::CommitteeOnly {
            login: actor.login.clone(),
            role: actor.role,
            action: "reverse entries".into(),
        });
    }
    within_branch(actor, subject)?;
    if original.draft.reverses.is_some() {
        return Err(Refusal::ReversalOfReversal { id: original.id });
    }
    if already_reversed {
        return Err(Refusal::AlreadyReversed { id: original.id });
    }
    Ok(())
}

/// Roll, households, links and periods are kept by the committee.
pub fn may_administer(actor: &Account, action: &str) -> Result<(), Refusal> {
    if actor.role == Role::Committee {
        return Ok(());
    }
    if actor.role == Role::Auditor {
        return Err(Refusal::ReadOnly { login: actor.login.clone() });
    }
    Err(Refusal::CommitteeOnly { login: actor.login.clone(), role: actor.role, action: action.into() })
}

/// The inputs no account types: a household's rating must come from a
/// household linked to the member, a review grade from the member's branch.
pub fn may_input_directly(actor: Actor, rule: &Rule, subject: Subject, linked_member: Option<MemberId>) -> bool {
    use crate::rulebook::RuleSource;
    match (actor, rule.source) {
        (Actor::Household(_), RuleSource::Household) => linked_member == Some(subject.member_id),
        (Actor::BranchBallot(branch), RuleSource::Ballot) => branch == subject.branch_id,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rulebook::Rulebook;

    fn account(role: Role, member_id: Option<MemberId>, branch_id: Option<BranchId>) -> Account {
        Account { id: 1, community_id: 1, login: "someone".into(), name: "某某".into(), role, member_id, branch_id }
    }

    const SUBJECT: Subject = Subject { member_id: 10, branch_id: 2 };

    #[test]
    fn scenarios() {
        let rulebook = Rulebook::default_rulebook();
        let attendance = rulebook.rule("meeting.group").unwrap();
        let decision = rulebook.rule("moral.deduction").unwrap();
        let satisfied = rulebook.rule("household.satisfied").unwrap();
        let cases: Vec<(&str, Account, &Rule, bool)> = vec![
            ("committee records attendance", account(Role::Committee, Some(1), None), attendance, true),
            (
                "own branch secretary records attendance",
                account(Role::BranchSecretary, Some(3), Some(2)),
                attendance,
                true,
            ),
            ("other branch secretary refused", account(Role::BranchSecretary, Some(3), Some(5)), attendance, false),
            (
                "secretary about themselves refused",
                account(Role::BranchSecretary, Some(10), Some(2)),
                attendance,
                false,
            ),
            ("committee member about themselves refused", account(Role::Committee, Some(10), None), decision, false),
            (
                "branch secretary may not decide moral review",
                account(Role::BranchSecretary, Some(3), Some(2)),
                decision,
                false,
            ),
            ("member may not record", account(Role::Member, Some(4), Some(2)), attendance, false),
            ("auditor writes nothing", account(Role::Auditor, None, None), attendance, false),
            ("no one types a satisfaction score", account(Role::Committee, Some(1), None), satisfied, false),
        ];
        for (name, actor, rule, allowed) in cases {
            assert_eq!(may_record(&actor, rule, SUBJECT).is_ok(), allowed, "{name}");
        }
    }

    #[test]
    fn direct_inputs_come_only_from_their_rightful_source() {
        let rulebook = Rulebook::default_rulebook();
        let satisfied = rulebook.rule("household.satisfied").unwrap();
        let excellent = rulebook.rule("review.excellent").unwrap();
        assert!(may_input_directly(Actor::Household(5), satisfied, SUBJECT, Some(10)));
        assert!(!may_input_directly(Actor::Household(5), satisfied, SUBJECT, Some(11)));
        assert!(!may_input_directly(Actor::Account(1), satisfied, SUBJECT, Some(10)));
        assert!(may_input_directly(Actor::BranchBallot(2), excellent, SUBJECT, None));
        assert!(!may_input_directly(Actor::BranchBallot(3), excellent, SUBJECT, None));
        assert!(!may_input_directly(Actor::Household(5), excellent, SUBJECT, Some(10)));
    }
}
