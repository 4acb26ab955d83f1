//! The branch review's secret ballot (民主评议党员). Each eligible voter
//! hands in one paper grading every graded member but themselves; the
//! papers are kept apart from who voted, and nobody sees a tally before the
//! ballot closes. The branch committee then proposes each member's grade,
//! weighing the tally with everyday conduct, within the rulebook's cap on
//! 优秀 — and never overriding the ballot about the proposer themselves.
//!
//! Collective means collective: a ballot closes only once the rulebook's
//! turnout is reached (below it a tally would show a few voters' papers),
//! and the grades follow the tally. A grade against it is an exception with
//! a reason, written only when a second branch-committee member — another
//! person, neither the graded member nor their relative — co-signs it.

use crate::integrity::{ReviewGrade, excellent_places};
use crate::org::MemberId;
use crate::rulebook::ReviewRules;
use std::collections::{BTreeMap, BTreeSet};

/// How the papers graded one member: votes per grade, in `ReviewGrade::ALL` order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub votes: [u32; 4],
}

impl Tally {
    pub fn add(&mut self, grade: ReviewGrade) {
        self.votes[grade_index(grade)] += 1;
    }

    pub fn count(&self, grade: ReviewGrade) -> u32 {
        self.votes[grade_index(grade)]
    }

    pub fn total(&self) -> u32 {
        self.votes.iter().sum()
    }

    /// The grade most papers gave; a tie goes to the lower grade, so that
    /// a split ballot never lifts anyone. None when no paper graded them.
    pub fn plurality(&self) -> Option<ReviewGrade> {
        let most = *self.votes.iter().max()?;
        if most == 0 {
            return None;
        }
        ReviewGrade::ALL.into_iter().rev().find(|grade| self.count(*grade) == most)
    }
}

fn grade_index(grade: ReviewGrade) -> usize {
    ReviewGrade::ALL.iter().position(|g| *g == grade).expect("every grade is in ALL")
}

/// Why a paper or a proposal is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BallotError {
    #[error("the paper must grade every member under review except the voter; member {0} is missing")]
    PaperIncomplete(MemberId),
    #[error("member {0} is not under review in this ballot (or is the voter)")]
    NotGraded(MemberId),
    #[error("a grade is missing for member {0}")]
    ProposalIncomplete(MemberId),
    #[error("{proposed} members proposed 优秀, but at most {places} of {graded} may be (the rulebook's cap)")]
    TooManyExcellent { proposed: usize, places: usize, graded: usize },
    #[error("the proposer's own grade is the ballot's ({ballot}); no one proposes a grade for themselves")]
    OwnGrade { ballot: &'static str },
    #[error(
        "{papers} of {eligible} voting members have handed in a paper; the ballot closes at {needed} \
         (the rulebook's turnout), and no tally exists before"
    )]
    TurnoutTooLow { papers: usize, needed: usize, eligible: usize },
    #[error(
        "the tally gives member {member} {tally}; a different grade is an exception: give its reason, \
         and a second branch-committee member co-signs it"
    )]
    ExceptionWithoutReason { member: MemberId, tally: &'static str },
    #[error("member {0} is a relative of the proposer: no one proposes a grade against the tally for a relative")]
    RelativeException(MemberId),
    #[error("the exceptions were proposed by the same person; a second branch-committee member co-signs them")]
    SamePerson,
    #[error("the co-signer is member {0} or their relative (回避): another branch-committee member co-signs")]
    CosignerRecused(MemberId),
}

impl BallotError {
    /// The refusal in Chinese, for the pages (members are named by their
    /// roll number, as in the English text).
    pub fn zh(&self) -> String {
        match self {
            BallotError::PaperIncomplete(m) => format!("选票须为除投票人外每位被评议党员评定等次；缺少党员 {m}。"),
            BallotError::NotGraded(m) => format!("党员 {m} 不在本次评议之列（或为投票人本人）。"),
            BallotError::ProposalIncomplete(m) => format!("缺少党员 {m} 的等次。"),
            BallotError::TooManyExcellent { proposed, places, graded } => {
                format!("拟定优秀 {proposed} 人，但按规则 {graded} 人中至多 {places} 人可评为优秀。")
            }
            BallotError::OwnGrade { ballot } => {
                format!("提议人本人的等次以投票结果为准（{ballot}），任何人不为自己提议等次。")
            }
            BallotError::TurnoutTooLow { papers, needed, eligible } => format!(
                "{eligible} 名有表决权的党员中已交 {papers} 张选票；按规则须达 {needed} 张方可结束投票，此前没有计票结果。"
            ),
            BallotError::ExceptionWithoutReason { member, tally } => format!(
                "计票结果为党员 {member} 评定“{tally}”；评定不同等次属于例外，须写明理由，并由支委会另一名委员会签。"
            ),
            BallotError::RelativeException(m) => {
                format!("党员 {m} 是提议人的亲属：任何人不为亲属提议与计票结果不同的等次。")
            }
            BallotError::SamePerson => "例外等次由同一人提议；须由支委会另一名委员会签。".to_string(),
            BallotError::CosignerRecused(m) => {
                format!("会签人是党员 {m} 本人或其亲属（回避）：须由支委会另一名委员会签。")
            }
        }
    }
}

/// Papers a ballot needs before it closes: the rulebook's share of the
/// branch's voting members, rounded up, and never fewer than its minimum.
pub fn papers_needed(eligible: usize, rules: &ReviewRules) -> usize {
    let share = (eligible * rules.ballot_turnout_percent as usize).div_ceil(100);
    share.max(rules.ballot_min_papers as usize)
}

/// May a ballot with `papers` papers, of `eligible` voting members, close
/// (and its tally be shown)?
pub fn check_turnout(papers: usize, eligible: usize, rules: &ReviewRules) -> Result<(), BallotError> {
    let needed = papers_needed(eligible, rules);
    if papers < needed {
        return Err(BallotError::TurnoutTooLow { papers, needed, eligible });
    }
    Ok(())
}

/// The grade the votes give each graded member: the plurality (合格 for a
/// member no paper graded), within the cap on 优秀. When more members have
/// a plurality of 优秀 than the cap allows, those with the most 优秀 votes
/// keep it; members tied at the edge all fall to 合格, so that the cap is
/// never met by chance (a split never lifts anyone).
pub fn tally_grades(
    tallies: &BTreeMap<MemberId, Tally>,
    graded: &BTreeSet<MemberId>,
    rules: &ReviewRules,
) -> BTreeMap<MemberId, ReviewGrade> {
    let mut grades: BTreeMap<MemberId, ReviewGrade> = graded
        .iter()
        .map(|m| (*m, tallies.get(m).and_then(Tally::plurality).unwrap_or(ReviewGrade::Qualified)))
        .collect();
    let places = excellent_places(graded.len(), rules);
    let mut excellent: Vec<(u32, MemberId)> = grades
        .iter()
        .filter(|(_, g)| **g == ReviewGrade::Excellent)
        .map(|(m, _)| (tallies.get(m).map_or(0, |t| t.count(ReviewGrade::Excellent)), *m))
        .collect();
    if excellent.len() > places {
        excellent.sort_unstable_by_key(|e| std::cmp::Reverse(e.0));
        let edge = excellent[places].0;
        for (votes, member) in excellent {
            if votes <= edge {
                grades.insert(member, ReviewGrade::Qualified);
            }
        }
    }
    grades
}

/// A grade proposed against the tally, with its reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exception {
    pub grade: ReviewGrade,
    pub tally: ReviewGrade,
    pub reason: String,
}

/// May the person `cosigner` (with their marked relatives) co-sign the
/// exceptions `proposer` made (`None`: an account with no member behind it)?
/// Another person, and for every member an exception is about, neither that
/// member nor a relative.
pub fn check_cosign(
    cosigner: MemberId,
    cosigner_relatives: &[MemberId],
    proposer: Option<MemberId>,
    excepted: &BTreeSet<MemberId>,
) -> Result<(), BallotError> {
    if Some(cosigner) == proposer {
        return Err(BallotError::SamePerson);
    }
    if let Some(member) = excepted.iter().find(|m| **m == cosigner || cosigner_relatives.contains(m)) {
        return Err(BallotError::CosignerRecused(*member));
    }
    Ok(())
}

/// Checks one voter's paper: every graded member except the voter, once.
pub fn check_paper(
    paper: &BTreeMap<MemberId, ReviewGrade>,
    graded: &BTreeSet<MemberId>,
    voter: MemberId,
) -> Result<(), BallotError> {
    if let Some(stray) = paper.keys().find(|m| !graded.contains(m) || **m == voter) {
        return Err(BallotError::NotGraded(*stray));
    }
    if let Some(missing) = graded.iter().find(|m| **m != voter && !paper.contains_key(m)) {
        return Err(BallotError::PaperIncomplete(*missing));
    }
    Ok(())
}

/// Checks the branch committee's proposed grades against the closed tally,
/// and returns the exceptions: the grades that depart from the tally, each
/// with its reason, which wait for a second member's co-sign. `reasons`
/// holds what the proposer wrote beside each member (empty is none);
/// `proposer_relatives` are the members marked as the proposer's relatives.
pub fn check_proposal(
    proposal: &BTreeMap<MemberId, ReviewGrade>,
    reasons: &BTreeMap<MemberId, String>,
    tallies: &BTreeMap<MemberId, Tally>,
    graded: &BTreeSet<MemberId>,
    proposer: Option<MemberId>,
    proposer_relatives: &[MemberId],
    rules: &ReviewRules,
) -> Result<BTreeMap<MemberId, Exception>, BallotError> {
    if let Some(stray) = proposal.keys().find(|m| !graded.contains(m)) {
        return Err(BallotError::NotGraded(*stray));
    }
    if let Some(missing) = graded.iter().find(|m| !proposal.contains_key(m)) {
        return Err(BallotError::ProposalIncomplete(*missing));
    }
    let proposed = proposal.values().filter(|g| **g == ReviewGrade::Excellent).count();
    let places = excellent_places(graded.len(), rules);
    if proposed > places {
        return Err(BallotError::TooManyExcellent { proposed, places, graded: graded.len() });
    }
    let by_tally = tally_grades(tallies, graded, rules);
    if let Some(me) = proposer.filter(|me| graded.contains(me)) {
        let ballot = by_tally[&me];
        if Some(ballot) != proposal.get(&me).copied() {
            return Err(BallotError::OwnGrade { ballot: ballot.label_zh() });
        }
    }
    let mut exceptions = BTreeMap::new();
    for (member, grade) in proposal {
        let tally = by_tally[member];
        if *grade == tally {
            continue;
        }
        if proposer_relatives.contains(member) {
            return Err(BallotError::RelativeException(*member));
        }
        let reason = reasons.get(member).map(|r| r.trim()).unwrap_or_default();
        if reason.is_empty() {
            return Err(BallotError::ExceptionWithoutReason { member: *member, tally: tally.label_zh() });
        }
        exceptions.insert(*member, Exception { grade: *grade, tally, reason: reason.to_string() });
    }
    Ok(exceptions)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rulebook::Rulebook;

    fn tally(votes: [u32; 4]) -> Tally {
        Tally { votes }
    }

    #[test]
    fn plurality_ties_go_to_the_lower_grade() {
        assert_eq!(tally([3, 1, 0, 0]).plurality(), Some(ReviewGrade::Excellent));
        assert_eq!(tally([2, 2, 0, 0]).plurality(), Some(ReviewGrade::Qualified));
        assert_eq!(tally([0, 0, 0, 0]).plurality(), None);
    }

    #[test]
    fn papers_grade_everyone_but_the_voter() {
        let graded: BTreeSet<MemberId> = [1, 2, 3].map(MemberId::new).into();
        let paper: BTreeMap<MemberId, ReviewGrade> =
            [(MemberId::new(2), ReviewGrade::Excellent), (MemberId::new(3), ReviewGrade::Qualified)].into();
        assert_eq!(check_paper(&paper, &graded, MemberId::new(1)), Ok(()));
        assert_eq!(check_paper(&paper, &graded, MemberId::new(4)), Err(BallotError::PaperIncomplete(MemberId::new(1))));
        let with_self: BTreeMap<MemberId, ReviewGrade> = [(MemberId::new(1), ReviewGrade::Excellent)].into();
        assert_eq!(check_paper(&with_self, &graded, MemberId::new(1)), Err(BallotError::NotGraded(MemberId::new(1))));
    }

    fn check(
        proposal: &BTreeMap<MemberId, ReviewGrade>,
        tallies: &BTreeMap<MemberId, Tally>,
        graded: &BTreeSet<MemberId>,
        proposer: Option<MemberId>,
        rules: &ReviewRules,
    ) -> Result<(), BallotError> {
        check_proposal(proposal, &BTreeMap::new(), tallies, graded, proposer, &[], rules).map(|_| ())
    }

    #[test]
    fn proposals_respect_the_cap_and_the_proposers_own_ballot() {
        let rules = Rulebook::default_rulebook().review;
        let check_proposal = check;
        let graded: BTreeSet<MemberId> = (1..=6).map(MemberId::new).collect();
        let tallies: BTreeMap<MemberId, Tally> = (1..=6).map(|m| (MemberId::new(m), tally([1, 4, 0, 0]))).collect();
        let mut proposal: BTreeMap<MemberId, ReviewGrade> =
            (1..=6).map(|m| (MemberId::new(m), ReviewGrade::Qualified)).collect();
        assert_eq!(check_proposal(&proposal, &tallies, &graded, Some(MemberId::new(1)), &rules), Ok(()));
        proposal.insert(MemberId::new(2), ReviewGrade::Excellent);
        // Against the tally (合格) without a reason: refused.
        assert!(matches!(
            check_proposal(&proposal, &tallies, &graded, Some(MemberId::new(1)), &rules),
            Err(BallotError::ExceptionWithoutReason { member, .. }) if member == MemberId::new(2)
        ));
        proposal.insert(MemberId::new(3), ReviewGrade::Excellent);
        assert!(matches!(
            check_proposal(&proposal, &tallies, &graded, Some(MemberId::new(1)), &rules),
            Err(BallotError::TooManyExcellent { proposed: 2, places: 1, graded: 6 })
        ));
        proposal.insert(MemberId::new(3), ReviewGrade::Qualified);
        proposal.insert(MemberId::new(1), ReviewGrade::Excellent);
        proposal.insert(MemberId::new(2), ReviewGrade::Qualified);
        assert!(matches!(
            check_proposal(&proposal, &tallies, &graded, Some(MemberId::new(1)), &rules),
            Err(BallotError::OwnGrade { .. })
        ));
        // A proposer with no votes at all stands at 合格, and can still propose.
        let unvoted: BTreeMap<MemberId, Tally> = BTreeMap::new();
        proposal.insert(MemberId::new(1), ReviewGrade::Qualified);
        assert_eq!(check_proposal(&proposal, &unvoted, &graded, Some(MemberId::new(1)), &rules), Ok(()));
        proposal.insert(MemberId::new(1), ReviewGrade::Excellent);
        assert!(check_proposal(&proposal, &unvoted, &graded, Some(MemberId::new(1)), &rules).is_err());
        proposal.insert(MemberId::new(1), ReviewGrade::Qualified);
        proposal.remove(&MemberId::new(6));
        assert_eq!(
            check_proposal(&proposal, &tallies, &graded, None, &rules),
            Err(BallotError::ProposalIncomplete(MemberId::new(6)))
        );
    }

    #[test]
    fn a_ballot_closes_at_the_turnout_and_never_on_a_handful_of_papers() {
        let rules = Rulebook::default_rulebook().review;
        assert_eq!(papers_needed(42, &rules), 29, "two thirds of 42, rounded up, at 67%");
        assert_eq!(papers_needed(7, &rules), 5);
        assert_eq!(papers_needed(3, &rules), 3, "never fewer than three papers");
        assert_eq!(
            check_turnout(1, 42, &rules),
            Err(BallotError::TurnoutTooLow { papers: 1, needed: 29, eligible: 42 })
        );
        assert!(check_turnout(28, 42, &rules).is_err(), "28 of 42 is short of two thirds");
        assert_eq!(check_turnout(29, 42, &rules), Ok(()));
    }

    #[test]
    fn the_tally_gives_the_grades_within_the_cap() {
        let rules = Rulebook::default_rulebook().review;
        let graded: BTreeSet<MemberId> = (1..=6).map(MemberId::new).collect();
        // One place for 优秀 among six; members 1 and 2 have a plurality of it.
        let mut tallies: BTreeMap<MemberId, Tally> = (1..=6).map(|m| (MemberId::new(m), tally([0, 5, 0, 0]))).collect();
        tallies.insert(MemberId::new(1), tally([4, 1, 0, 0]));
        tallies.insert(MemberId::new(2), tally([3, 2, 0, 0]));
        tallies.insert(MemberId::new(3), tally([0, 1, 1, 3]));
        let grades = tally_grades(&tallies, &graded, &rules);
        assert_eq!(grades[&MemberId::new(1)], ReviewGrade::Excellent, "the most 优秀 votes keep the place");
        assert_eq!(grades[&MemberId::new(2)], ReviewGrade::Qualified, "beyond the cap: 合格");
        assert_eq!(grades[&MemberId::new(3)], ReviewGrade::Unqualified);
        assert_eq!(grades[&MemberId::new(4)], ReviewGrade::Qualified);
        // Tied at the edge: nobody is lifted by chance.
        tallies.insert(MemberId::new(2), tally([4, 1, 0, 0]));
        let grades = tally_grades(&tallies, &graded, &rules);
        assert_eq!(
            (grades[&MemberId::new(1)], grades[&MemberId::new(2)]),
            (ReviewGrade::Qualified, ReviewGrade::Qualified)
        );
        // A member no paper graded stands at 合格.
        assert_eq!(tally_grades(&BTreeMap::new(), &graded, &rules)[&MemberId::new(5)], ReviewGrade::Qualified);
    }

    #[test]
    fn grades_against_the_tally_need_a_reason_and_another_person_s_co_sign() {
        let rules = Rulebook::default_rulebook().review;
        let graded: BTreeSet<MemberId> = (1..=6).map(MemberId::new).collect();
        let tallies: BTreeMap<MemberId, Tally> = (1..=6).map(|m| (MemberId::new(m), tally([0, 5, 0, 0]))).collect();
        let mut proposal: BTreeMap<MemberId, ReviewGrade> =
            (1..=6).map(|m| (MemberId::new(m), ReviewGrade::Qualified)).collect();
        proposal.insert(MemberId::new(4), ReviewGrade::Unqualified);
        let mut reasons = BTreeMap::new();
        let none = check_proposal(&proposal, &reasons, &tallies, &graded, Some(MemberId::new(1)), &[], &rules);
        assert!(
            matches!(none, Err(BallotError::ExceptionWithoutReason { member, tally: "合格" }) if member == MemberId::new(4))
        );
        reasons.insert(MemberId::new(4), "  ".to_string());
        assert!(check_proposal(&proposal, &reasons, &tallies, &graded, Some(MemberId::new(1)), &[], &rules).is_err());
        reasons.insert(MemberId::new(4), "全年未参加组织生活".to_string());
        let exceptions =
            check_proposal(&proposal, &reasons, &tallies, &graded, Some(MemberId::new(1)), &[], &rules).unwrap();
        assert_eq!(exceptions.len(), 1);
        assert_eq!(exceptions[&MemberId::new(4)].grade, ReviewGrade::Unqualified);
        assert_eq!(exceptions[&MemberId::new(4)].tally, ReviewGrade::Qualified);
        // Not about the proposer's relative.
        let relative =
            check_proposal(&proposal, &reasons, &tallies, &graded, Some(MemberId::new(1)), &[MemberId::new(4)], &rules);
        assert_eq!(relative, Err(BallotError::RelativeException(MemberId::new(4))));
        // The co-signer: another person, not the member, not a relative.
        let excepted: BTreeSet<MemberId> = [MemberId::new(4)].into();
        assert_eq!(
            check_cosign(MemberId::new(1), &[], Some(MemberId::new(1)), &excepted),
            Err(BallotError::SamePerson),
            "a second login of one person"
        );
        assert_eq!(
            check_cosign(MemberId::new(4), &[], Some(MemberId::new(1)), &excepted),
            Err(BallotError::CosignerRecused(MemberId::new(4)))
        );
        assert_eq!(
            check_cosign(MemberId::new(5), &[MemberId::new(4)], Some(MemberId::new(1)), &excepted),
            Err(BallotError::CosignerRecused(MemberId::new(4)))
        );
        assert_eq!(check_cosign(MemberId::new(5), &[], Some(MemberId::new(1)), &excepted), Ok(()));
    }
}
