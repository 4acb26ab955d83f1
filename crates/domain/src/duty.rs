//! Who may do what to whom: "自己说了不算、书记说了不算" — neither the member
//! nor the secretary alone decides. These checks run on the server for every
//! write, whatever a client claims.

use crate::ledger::{Actor, Entry};
use crate::org::{Account, BranchId, MemberId, Role};
use crate::rulebook::{Rule, RuleSource};

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
    #[error("rule {rule} comes from {origin}: {how}")]
    NeedsSeveral { rule: String, origin: String, how: &'static str },
    #[error("{login} is recused (回避): they are the member concerned or marked as a relative")]
    Recused { login: String },
    #[error("the adjustment was made by {login}; a different committee member must check it")]
    SameMakerAndChecker { login: String },
    #[error(
        "{login} belongs to no member on the roll: an account that acts on points is one person's, \
         so link it to its member first (`starledger account link`)"
    )]
    NoPerson { login: String },
    #[error("{login} is not the overseer nearest above this community; that overseer decides its records")]
    NotDecidingOverseer { login: String },
    #[error(
        "{login} is the secretary of the rated member's branch: a paper form is entered by someone other than \
         the member, their relatives and their branch secretary"
    )]
    OwnBranchSecretary { login: String },
    #[error("{login} proposed this; a different committee member must agree to it")]
    SameProposer { login: String },
    #[error("entry {id} was decided by {origin}; one account cannot undo it: {how}")]
    CollectiveReversal { id: i64, origin: &'static str, how: &'static str },
}

/// The person behind an account that writes: committee members and branch
/// secretaries act as the member of the roll they are, so every duty and
/// recusal check is about a person, whichever login they use.
pub fn acting_person(actor: &Account) -> Result<MemberId, Refusal> {
    match (actor.role, actor.member_id) {
        (Role::Auditor, _) => Err(Refusal::ReadOnly { login: actor.login.clone() }),
        (_, Some(member)) => Ok(member),
        (_, None) => Err(Refusal::NoPerson { login: actor.login.clone() }),
    }
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

/// May `actor` record an entry priced by `rule` about `subject`, whose
/// marked relatives are `relatives`? Nobody records about themselves or a
/// relative (回避), through any path.
pub fn may_record(actor: &Account, rule: &Rule, subject: Subject, relatives: &[MemberId]) -> Result<(), Refusal> {
    acting_person(actor)?;
    not_themselves(actor, subject)?;
    not_recused(actor, subject, relatives)?;
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
    if rule.source.needs_several() {
        let how = if rule.source == RuleSource::Decision {
            "file an integrity record for the committee to decide, with the member and relatives recused"
        } else {
            "make an adjustment, which a different committee member checks"
        };
        return Err(Refusal::NeedsSeveral { rule: rule.key.clone(), origin: rule.source.to_string(), how });
    }
    within_branch(actor, subject)
}

/// May `actor` reverse `original`? Undoing is deciding: a reversal passes
/// the same duty as the entry it cancels. An entry one account typed
/// (attendance, an approved claim, confirmed service) may be reversed by the
/// committee or the secretary of the member's branch, never by the member
/// concerned or a relative. What several decided — a household's rating, a
/// committee decision, a branch ballot, a checked adjustment — is never
/// undone by one account: each names the collective path that can.
pub fn may_reverse(
    actor: &Account,
    original: &Entry,
    subject: Subject,
    relatives: &[MemberId],
    already_reversed: bool,
) -> Result<(), Refusal> {
    acting_person(actor)?;
    not_themselves(actor, subject)?;
    not_recused(actor, subject, relatives)?;
    if let Some((origin, how)) = collective_origin(original) {
        return Err(Refusal::CollectiveReversal { id: original.id, origin, how });
    }
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

/// Who decided an entry, when more than one account did, and how its
/// reversal is decided instead.
fn collective_origin(original: &Entry) -> Option<(&'static str, &'static str)> {
    const BY_VOTE: &str = "file a reversal on the integrity page for the committee to vote on, \
                           with the member and relatives recused";
    match original.draft.recorded_by {
        Actor::Household(_) => Some((
            "a household's rating",
            "the household withdraws it through its own link, or the committee decides it by vote: \
             file a reversal on the integrity page",
        )),
        Actor::Decision(_) => Some(("a committee decision", BY_VOTE)),
        Actor::BranchBallot(_) => Some(("the branch's secret ballot", BY_VOTE)),
        Actor::Account(_) if original.draft.source_kind == RuleSource::Adjustment.as_str() => Some((
            "a maker and a checker",
            "make a counter-adjustment on the adjustments page, which a different committee member checks",
        )),
        Actor::Account(_) => None,
    }
}

fn committee_only(actor: &Account, action: &str) -> Result<(), Refusal> {
    match actor.role {
        Role::Committee => Ok(()),
        Role::Auditor => Err(Refusal::ReadOnly { login: actor.login.clone() }),
        role => Err(Refusal::CommitteeOnly { login: actor.login.clone(), role, action: action.into() }),
    }
}

/// May `actor` vote on a committee decision about `subject`? Only the
/// committee votes, and never about themselves or a relative (回避).
pub fn may_vote_on_decision(actor: &Account, subject: Subject, relatives: &[MemberId]) -> Result<(), Refusal> {
    committee_only(actor, "vote on integrity decisions")?;
    acting_person(actor)?;
    not_recused(actor, subject, relatives)
}

/// Neither the member concerned nor anyone marked as their relative (回避).
pub fn not_recused(actor: &Account, subject: Subject, relatives: &[MemberId]) -> Result<(), Refusal> {
    match actor.member_id {
        Some(me) if me == subject.member_id || relatives.contains(&me) => {
            Err(Refusal::Recused { login: actor.login.clone() })
        }
        _ => Ok(()),
    }
}

/// May `maker` propose an adjustment priced by `rule` about `subject`?
pub fn may_make_adjustment(
    maker: &Account,
    rule: &Rule,
    subject: Subject,
    relatives: &[MemberId],
) -> Result<(), Refusal> {
    committee_only(maker, "make adjustments")?;
    acting_person(maker)?;
    not_themselves(maker, subject)?;
    not_recused(maker, subject, relatives)?;
    if rule.source != RuleSource::Adjustment {
        return Err(Refusal::NeedsSeveral {
            rule: rule.key.clone(),
            origin: rule.source.to_string(),
            how: "only rules with source adjustment are adjusted by hand",
        });
    }
    Ok(())
}

/// May `checker` approve (or reject) an adjustment `maker` made? A
/// different committee member, who is not the member concerned.
pub fn may_check_adjustment(
    checker: &Account,
    maker: &Account,
    subject: Subject,
    relatives: &[MemberId],
) -> Result<(), Refusal> {
    committee_only(checker, "check adjustments")?;
    let person = acting_person(checker)?;
    not_themselves(checker, subject)?;
    not_recused(checker, subject, relatives)?;
    // Two people, not two logins: the checker is compared by the person.
    if checker.id == maker.id || maker.member_id == Some(person) {
        return Err(Refusal::SameMakerAndChecker { login: maker.login.clone() });
    }
    Ok(())
}

/// May `agreer` agree to what `proposer` proposed (reopening a year,
/// publishing it again)? A committee member who is another person: two
/// people, not two logins.
pub fn may_second(agreer: &Account, proposer: &Account) -> Result<(), Refusal> {
    committee_only(agreer, "agree to a committee motion")?;
    let person = acting_person(agreer)?;
    if agreer.id == proposer.id || proposer.member_id == Some(person) {
        return Err(Refusal::SameProposer { login: proposer.login.clone() });
    }
    Ok(())
}

/// May `actor` propose what another committee member must agree to? A
/// committee member who is a person on the roll.
pub fn may_propose(actor: &Account, action: &str) -> Result<(), Refusal> {
    committee_only(actor, action)?;
    acting_person(actor)?;
    Ok(())
}

/// Roll, households, links and periods are kept by the committee.
pub fn may_administer(actor: &Account, action: &str) -> Result<(), Refusal> {
    committee_only(actor, action)
}

/// Whether `actor` enters paper forms at all: the committee and branch
/// secretaries, as persons on the roll. Answers the person.
pub fn paper_form_enterer(actor: &Account) -> Result<MemberId, Refusal> {
    match actor.role {
        Role::Committee | Role::BranchSecretary => acting_person(actor),
        Role::Auditor => Err(Refusal::ReadOnly { login: actor.login.clone() }),
        role => Err(Refusal::CommitteeOnly {
            login: actor.login.clone(),
            role,
            action: "enter paper rating forms (the committee and branch secretaries do)".into(),
        }),
    }
}

/// May `actor` enter a household's returned paper form (纸质评议表) rating
/// `subject`? The committee or a branch secretary, who is a person on the
/// roll and neither the member rated, one of their relatives, nor (through
/// any of their accounts) the secretary of the member's branch: the
/// persons behind that branch's secretary accounts are `secretaries`. The
/// level typed is the household's, read off its paper; the entry counts as
/// the household's own rating.
pub fn may_enter_paper_form(
    actor: &Account,
    subject: Subject,
    relatives: &[MemberId],
    secretaries: &[MemberId],
) -> Result<(), Refusal> {
    let person = paper_form_enterer(actor)?;
    not_recused(actor, subject, relatives)?;
    if secretaries.contains(&person)
        || (actor.role == Role::BranchSecretary && actor.branch_id == Some(subject.branch_id))
    {
        return Err(Refusal::OwnBranchSecretary { login: actor.login.clone() });
    }
    Ok(())
}

/// The inputs no account types: a household's rating must come from a
/// household linked to the member, a review grade from the member's branch.
pub fn may_input_directly(actor: Actor, rule: &Rule, subject: Subject, linked_member: Option<MemberId>) -> bool {
    match (actor, rule.source) {
        (Actor::Household(_), RuleSource::Household) => linked_member == Some(subject.member_id),
        (Actor::BranchBallot(branch), RuleSource::Ballot) => branch == subject.branch_id,
        // The decision's votes were checked for recusal and quorum.
        (Actor::Decision(_), RuleSource::Decision) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::AccountId;
    use crate::org::CommunityId;
    use crate::rulebook::Rulebook;

    fn account(role: Role, member_id: Option<MemberId>, branch_id: Option<BranchId>) -> Account {
        Account {
            id: AccountId::new(1),
            community_id: CommunityId::new(1),
            login: "someone".into(),
            name: "某某".into(),
            role,
            member_id,
            branch_id,
        }
    }

    const SUBJECT: Subject = Subject { member_id: MemberId::new(10), branch_id: BranchId::new(2) };

    #[test]
    fn scenarios() {
        let rulebook = Rulebook::default_rulebook();
        let attendance = rulebook.rule("meeting.group").unwrap();
        let decision = rulebook.rule("moral.deduction").unwrap();
        let satisfied = rulebook.rule("household.satisfied").unwrap();
        let cases: Vec<(&str, Account, &Rule, bool)> = vec![
            ("committee records attendance", account(Role::Committee, Some(MemberId::new(1)), None), attendance, true),
            (
                "own branch secretary records attendance",
                account(Role::BranchSecretary, Some(MemberId::new(3)), Some(BranchId::new(2))),
                attendance,
                true,
            ),
            (
                "other branch secretary refused",
                account(Role::BranchSecretary, Some(MemberId::new(3)), Some(BranchId::new(5))),
                attendance,
                false,
            ),
            (
                "secretary about themselves refused",
                account(Role::BranchSecretary, Some(MemberId::new(10)), Some(BranchId::new(2))),
                attendance,
                false,
            ),
            (
                "committee member about themselves refused",
                account(Role::Committee, Some(MemberId::new(10)), None),
                decision,
                false,
            ),
            (
                "no one alone decides an integrity record",
                account(Role::Committee, Some(MemberId::new(1)), None),
                decision,
                false,
            ),
            (
                "branch secretary may not decide moral review",
                account(Role::BranchSecretary, Some(MemberId::new(3)), Some(BranchId::new(2))),
                decision,
                false,
            ),
            (
                "member may not record",
                account(Role::Member, Some(MemberId::new(4)), Some(BranchId::new(2))),
                attendance,
                false,
            ),
            ("auditor writes nothing", account(Role::Auditor, None, None), attendance, false),
            (
                "no one types a satisfaction score",
                account(Role::Committee, Some(MemberId::new(1)), None),
                satisfied,
                false,
            ),
        ];
        for (name, actor, rule, allowed) in cases {
            assert_eq!(may_record(&actor, rule, SUBJECT, &[]).is_ok(), allowed, "{name}");
        }
    }

    #[test]
    fn recusal_and_maker_checker() {
        let rulebook = Rulebook::default_rulebook();
        let committee = account(Role::Committee, Some(MemberId::new(1)), None);
        assert!(may_vote_on_decision(&committee, SUBJECT, &[]).is_ok());
        assert!(matches!(may_vote_on_decision(&committee, SUBJECT, &[MemberId::new(1)]), Err(Refusal::Recused { .. })));
        let subject_itself = account(Role::Committee, Some(MemberId::new(10)), None);
        assert!(matches!(may_vote_on_decision(&subject_itself, SUBJECT, &[]), Err(Refusal::Recused { .. })));
        let secretary = account(Role::BranchSecretary, Some(MemberId::new(3)), Some(BranchId::new(2)));
        assert!(matches!(may_vote_on_decision(&secretary, SUBJECT, &[]), Err(Refusal::CommitteeOnly { .. })));

        let adjustment = rulebook.rule("adjustment.ethics").unwrap();
        assert!(may_make_adjustment(&committee, adjustment, SUBJECT, &[]).is_ok());
        assert!(
            may_make_adjustment(&committee, adjustment, SUBJECT, &[MemberId::new(1)]).is_err(),
            "a relative is recused"
        );
        assert!(may_make_adjustment(&subject_itself, adjustment, SUBJECT, &[]).is_err());
        let checker = Account { id: AccountId::new(2), ..account(Role::Committee, Some(MemberId::new(5)), None) };
        assert!(may_check_adjustment(&checker, &committee, SUBJECT, &[]).is_ok());
        assert!(
            may_check_adjustment(&checker, &committee, SUBJECT, &[MemberId::new(5)]).is_err(),
            "a relative is recused"
        );
        assert!(matches!(
            may_check_adjustment(&committee, &committee, SUBJECT, &[]),
            Err(Refusal::SameMakerAndChecker { .. })
        ));
        assert!(
            may_check_adjustment(&Account { id: AccountId::new(3), ..subject_itself }, &committee, SUBJECT, &[])
                .is_err()
        );
        assert!(may_record(&committee, adjustment, SUBJECT, &[]).is_err(), "adjustments only through maker-checker");
        // The same person behind a second login is still the maker.
        let second_login = Account { id: AccountId::new(9), ..committee.clone() };
        assert!(matches!(
            may_check_adjustment(&second_login, &committee, SUBJECT, &[]),
            Err(Refusal::SameMakerAndChecker { .. })
        ));
    }

    #[test]
    fn relatives_are_recused_from_every_input() {
        let rulebook = Rulebook::default_rulebook();
        let secretary = account(Role::BranchSecretary, Some(MemberId::new(3)), Some(BranchId::new(2)));
        for key in ["meeting.group", "volunteer.straw_patrol", "study.app_week", "household.visit"] {
            let rule = rulebook.rule(key).unwrap();
            assert!(may_record(&secretary, rule, SUBJECT, &[]).is_ok(), "{key}: control");
            assert!(
                matches!(may_record(&secretary, rule, SUBJECT, &[MemberId::new(3)]), Err(Refusal::Recused { .. })),
                "{key}: the subject's relative is recused"
            );
        }
    }

    #[test]
    fn an_account_without_a_person_acts_on_no_points() {
        let rulebook = Rulebook::default_rulebook();
        let nobody = account(Role::Committee, None, None);
        let attendance = rulebook.rule("meeting.group").unwrap();
        assert!(matches!(may_record(&nobody, attendance, SUBJECT, &[]), Err(Refusal::NoPerson { .. })));
        assert!(matches!(may_vote_on_decision(&nobody, SUBJECT, &[]), Err(Refusal::NoPerson { .. })));
        let adjustment = rulebook.rule("adjustment.ethics").unwrap();
        assert!(matches!(may_make_adjustment(&nobody, adjustment, SUBJECT, &[]), Err(Refusal::NoPerson { .. })));
    }

    fn entry(by: Actor, source_kind: &str) -> Entry {
        let draft = crate::ledger::EntryDraft {
            community_id: CommunityId::new(1),
            year: 2025,
            member_id: SUBJECT.member_id,
            category: "household".into(),
            rule_key: "household.satisfied".into(),
            rulebook_version: "2025.1".into(),
            points: crate::Points::whole(1),
            reason: "x".into(),
            source_kind: source_kind.into(),
            source_ref: "x".into(),
            recorded_by: by,
            recorded_at: 0,
            occurred_on: jiff::civil::date(2025, 3, 1),
            idempotency_key: "k".into(),
            reverses: None,
        };
        crate::ledger::seal(7, draft, crate::ledger::EntryHash::GENESIS)
    }

    #[test]
    fn undoing_is_deciding() {
        let committee = account(Role::Committee, Some(MemberId::new(1)), None);
        let secretary = account(Role::BranchSecretary, Some(MemberId::new(3)), Some(BranchId::new(2)));
        for (by, source) in [
            (Actor::Household(4.into()), "household"),
            (Actor::Decision(5), "decision"),
            (Actor::BranchBallot(BranchId::new(2)), "ballot"),
            (Actor::Account(AccountId::new(8)), "adjustment"),
        ] {
            for actor in [&committee, &secretary] {
                assert!(
                    matches!(
                        may_reverse(actor, &entry(by, source), SUBJECT, &[], false),
                        Err(Refusal::CollectiveReversal { .. })
                    ),
                    "{by} {source} reversed by {}",
                    actor.role
                );
            }
        }
        let typed = entry(Actor::Account(AccountId::new(8)), "attendance");
        assert!(may_reverse(&secretary, &typed, SUBJECT, &[], false).is_ok(), "control: a typed entry");
        assert!(matches!(
            may_reverse(&secretary, &typed, SUBJECT, &[MemberId::new(3)], false),
            Err(Refusal::Recused { .. })
        ));
        assert!(matches!(may_reverse(&secretary, &typed, SUBJECT, &[], true), Err(Refusal::AlreadyReversed { .. })));
    }

    #[test]
    fn direct_inputs_come_only_from_their_rightful_source() {
        let rulebook = Rulebook::default_rulebook();
        let satisfied = rulebook.rule("household.satisfied").unwrap();
        let excellent = rulebook.rule("review.excellent").unwrap();
        assert!(may_input_directly(Actor::Household(5.into()), satisfied, SUBJECT, Some(MemberId::new(10))));
        assert!(!may_input_directly(Actor::Household(5.into()), satisfied, SUBJECT, Some(MemberId::new(11))));
        assert!(!may_input_directly(Actor::Account(AccountId::new(1)), satisfied, SUBJECT, Some(MemberId::new(10))));
        assert!(may_input_directly(Actor::BranchBallot(BranchId::new(2)), excellent, SUBJECT, None));
        assert!(!may_input_directly(Actor::BranchBallot(BranchId::new(3)), excellent, SUBJECT, None));
        assert!(!may_input_directly(Actor::Household(5.into()), excellent, SUBJECT, Some(MemberId::new(10))));
    }

    #[test]
    fn a_paper_form_is_entered_by_someone_unconcerned() {
        let committee = account(Role::Committee, Some(MemberId::new(1)), None);
        assert!(may_enter_paper_form(&committee, SUBJECT, &[], &[MemberId::new(3)]).is_ok(), "control: the committee");
        let other_secretary = account(Role::BranchSecretary, Some(MemberId::new(6)), Some(BranchId::new(5)));
        assert!(
            may_enter_paper_form(&other_secretary, SUBJECT, &[], &[MemberId::new(3)]).is_ok(),
            "control: another branch's"
        );
        let own_secretary = account(Role::BranchSecretary, Some(MemberId::new(3)), Some(BranchId::new(2)));
        assert!(matches!(
            may_enter_paper_form(&own_secretary, SUBJECT, &[], &[MemberId::new(3)]),
            Err(Refusal::OwnBranchSecretary { .. })
        ));
        // The same person at a committee login is still the branch's secretary.
        let secretary_on_the_committee = account(Role::Committee, Some(MemberId::new(3)), None);
        assert!(matches!(
            may_enter_paper_form(&secretary_on_the_committee, SUBJECT, &[], &[MemberId::new(3)]),
            Err(Refusal::OwnBranchSecretary { .. })
        ));
        let subject_itself = account(Role::Committee, Some(MemberId::new(10)), None);
        assert!(matches!(may_enter_paper_form(&subject_itself, SUBJECT, &[], &[]), Err(Refusal::Recused { .. })));
        assert!(matches!(
            may_enter_paper_form(&committee, SUBJECT, &[MemberId::new(1)], &[]),
            Err(Refusal::Recused { .. })
        ));
        let member = account(Role::Member, Some(MemberId::new(4)), Some(BranchId::new(2)));
        assert!(matches!(may_enter_paper_form(&member, SUBJECT, &[], &[]), Err(Refusal::CommitteeOnly { .. })));
        let auditor = account(Role::Auditor, None, None);
        assert!(matches!(may_enter_paper_form(&auditor, SUBJECT, &[], &[]), Err(Refusal::ReadOnly { .. })));
        let nobody = account(Role::Committee, None, None);
        assert!(matches!(may_enter_paper_form(&nobody, SUBJECT, &[], &[]), Err(Refusal::NoPerson { .. })));
    }

    #[test]
    fn a_motion_needs_a_second_person() {
        let proposer = account(Role::Committee, Some(MemberId::new(1)), None);
        let other = Account { id: AccountId::new(2), ..account(Role::Committee, Some(MemberId::new(5)), None) };
        assert!(may_second(&other, &proposer).is_ok(), "control: another committee member");
        assert!(matches!(may_second(&proposer, &proposer), Err(Refusal::SameProposer { .. })));
        let second_login = Account { id: AccountId::new(9), ..proposer.clone() };
        assert!(matches!(may_second(&second_login, &proposer), Err(Refusal::SameProposer { .. })));
        let secretary = Account {
            id: AccountId::new(3),
            ..account(Role::BranchSecretary, Some(MemberId::new(6)), Some(BranchId::new(2)))
        };
        assert!(matches!(may_second(&secretary, &proposer), Err(Refusal::CommitteeOnly { .. })));
        let nobody = Account { id: AccountId::new(4), ..account(Role::Committee, None, None) };
        assert!(matches!(may_second(&nobody, &proposer), Err(Refusal::NoPerson { .. })));
        assert!(matches!(may_propose(&nobody, "reopen a year"), Err(Refusal::NoPerson { .. })));
    }
}
