//! The branch review's secret ballot (民主评议党员). Each eligible voter
//! hands in one paper grading every graded member but themselves; the
//! papers are kept apart from who voted, and nobody sees a tally before the
//! ballot closes. The branch committee then proposes each member's grade,
//! weighing the tally with everyday conduct, within the rulebook's cap on
//! 优秀 — and never overriding the ballot about the proposer themselves.

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

/// Checks the branch committee's proposed grades against the closed tally.
pub fn check_proposal(
    proposal: &BTreeMap<MemberId, ReviewGrade>,
    tallies: &BTreeMap<MemberId, Tally>,
    graded: &BTreeSet<MemberId>,
    proposer: Option<MemberId>,
    rules: &ReviewRules,
) -> Result<(), BallotError> {
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
    if let Some(me) = proposer.filter(|me| graded.contains(me)) {
        // A proposer no paper graded (nobody else voted) stands at 合格.
        let ballot = tallies.get(&me).and_then(Tally::plurality).unwrap_or(ReviewGrade::Qualified);
        if Some(ballot) != proposal.get(&me).copied() {
            return Err(BallotError::OwnGrade { ballot: ballot.label_zh() });
        }
    }
    Ok(())
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
        let graded: BTreeSet<MemberId> = [1, 2, 3].into();
        let paper: BTreeMap<MemberId, ReviewGrade> = [(2, ReviewGrade::Excellent), (3, ReviewGrade::Qualified)].into();
        assert_eq!(check_paper(&paper, &graded, 1), Ok(()));
        assert_eq!(check_paper(&paper, &graded, 4), Err(BallotError::PaperIncomplete(1)));
        let with_self: BTreeMap<MemberId, ReviewGrade> = [(1, ReviewGrade::Excellent)].into();
        assert_eq!(check_paper(&with_self, &graded, 1), Err(BallotError::NotGraded(1)));
    }

    #[test]
    fn proposals_respect_the_cap_and_the_proposers_own_ballot() {
        let rules = Rulebook::default_rulebook().review;
        let graded: BTreeSet<MemberId> = (1..=6).collect();
        let tallies: BTreeMap<MemberId, Tally> = (1..=6).map(|m| (m, tally([1, 4, 0, 0]))).collect();
        let mut proposal: BTreeMap<MemberId, ReviewGrade> = (1..=6).map(|m| (m, ReviewGrade::Qualified)).collect();
        assert_eq!(check_proposal(&proposal, &tallies, &graded, Some(1), &rules), Ok(()));
        proposal.insert(2, ReviewGrade::Excellent);
        assert_eq!(check_proposal(&proposal, &tallies, &graded, Some(1), &rules), Ok(()));
        proposal.insert(3, ReviewGrade::Excellent);
        assert!(matches!(
            check_proposal(&proposal, &tallies, &graded, Some(1), &rules),
            Err(BallotError::TooManyExcellent { proposed: 2, places: 1, graded: 6 })
        ));
        proposal.insert(3, ReviewGrade::Qualified);
        proposal.insert(1, ReviewGrade::Excellent);
        proposal.insert(2, ReviewGrade::Qualified);
        assert!(matches!(
            check_proposal(&proposal, &tallies, &graded, Some(1), &rules),
            Err(BallotError::OwnGrade { .. })
        ));
        // A proposer with no votes at all stands at 合格, and can still propose.
        let unvoted: BTreeMap<MemberId, Tally> = BTreeMap::new();
        proposal.insert(1, ReviewGrade::Qualified);
        assert_eq!(check_proposal(&proposal, &unvoted, &graded, Some(1), &rules), Ok(()));
        proposal.insert(1, ReviewGrade::Excellent);
        proposal.insert(2, ReviewGrade::Qualified);
        assert!(check_proposal(&proposal, &unvoted, &graded, Some(1), &rules).is_err());
        proposal.remove(&6);
        assert_eq!(check_proposal(&proposal, &tallies, &graded, None, &rules), Err(BallotError::ProposalIncomplete(6)));
    }
}
