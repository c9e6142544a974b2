//! The message log of one height: proposals and votes per round, with their voting power
//! tallied as they arrive, and the "for the first time" marks of the rules.
//!
//! The paper counts messages from distinct validators: "2f+1 ⟨PREVOTE, h, r, id(v)⟩"
//! is votes for `v` from validators holding more than two thirds of the power, and
//! "2f+1 ⟨PREVOTE, h, r, ∗⟩" is votes of any value from such validators. A validator
//! that equivocates therefore counts once towards "any", and once towards each value
//! it signed. Counting only its first vote would let an equivocator hide a real polka
//! from some correct validators forever (they would never see 2f+1 for the value that
//! the others locked on), which stalls the height. A second, different vote is also
//! returned to the caller as evidence. Each validator has at most
//! [`VOTES_PER_SLOT_MAX`] votes kept per round and kind, which bounds the log.
//!
//! The bound must not let an equivocator choose which of its votes are kept: one that
//! sends a vote for an unknown value to every validator before its vote for the value
//! the others locked on would fill the slot with junk, and the relayed polka could then
//! never be counted (seen: a five-validator height that stalled for good, sim seed 214
//! of the membership kind). So when the slot is full, a further vote replaces the kept
//! conflicting vote whose value has the least support from the other validators, if its
//! own value has strictly more. Counting a validator's vote for one value more than its
//! first is safe, as above; which one is kept only decides liveness, and the value that
//! can reach a quorum is the best supported one.

use crate::limits::{PROPOSALS_PER_ROUND_MAX, VOTES_PER_SLOT_MAX};
use crate::protocol::{CommitSignature, SignedProposal, SignedVote, ValidatorKey, ValueId};
use crate::protocol::{ValidatorSet, VoteKind};
use std::collections::{BTreeMap, BTreeSet};

/// What adding a vote did.
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) enum Added {
    /// The vote was new and is now counted.
    New,
    /// The very same vote was already counted.
    Duplicate,
    /// The validator already cast a different vote here: its first one, and whether
    /// this one is kept and counted.
    Conflict {
        /// The validator's first vote in the slot.
        first: SignedVote,
        /// Whether this vote was stored (it may be crowded out, see the module docs).
        kept: bool,
    },
}

/// The votes of one kind in one round.
#[derive(Clone, Default, Debug)]
pub(crate) struct Tally {
    /// Each validator's votes, first one first.
    votes: BTreeMap<ValidatorKey, Vec<SignedVote>>,
    power: BTreeMap<Option<ValueId>, u64>,
    power_any: u64,
}

impl Tally {
    fn add(&mut self, vote: SignedVote, power: u64) -> Added {
        let value = vote.vote.value;
        let Some(cast) = self.votes.get_mut(&vote.vote.validator) else {
            // Bounded: each validator adds its power once per value, the total fits u64 / 4
            // and VOTES_PER_SLOT_MAX is small.
            *self.power.entry(value).or_insert(0) += power;
            self.power_any += power;
            self.votes.insert(vote.vote.validator, vec![vote]);
            return Added::New;
        };
        if cast.iter().any(|v| v.vote.value == value) {
            return Added::Duplicate;
        }
        let first = cast[0].clone();
        let powers = &mut self.power;
        // What the other validators' votes give a value: this validator has no vote for
        // `value` yet, and one for each value it has a kept vote for.
        let others = |powers: &BTreeMap<Option<ValueId>, u64>, v: Option<ValueId>, own: u64| {
            powers.get(&v).copied().unwrap_or(0).saturating_sub(own)
        };
        let kept = if cast.len() < VOTES_PER_SLOT_MAX {
            cast.push(vote);
            true
        } else {
            // The first vote stays: it is what "any" counted, and one half of the evidence.
            let weakest =
                cast.iter().enumerate().skip(1).map(|(i, v)| (others(powers, v.vote.value, power), i)).min();
            match weakest {
                Some((support, i)) if others(powers, value, 0) > support => {
                    let out = std::mem::replace(&mut cast[i], vote);
                    if let Some(p) = powers.get_mut(&out.vote.value) {
                        *p = p.saturating_sub(power);
                    }
                    true
                }
                _ => false,
            }
        };
        if kept {
            *powers.entry(value).or_insert(0) += power;
        }
        Added::Conflict { first, kept }
    }

    /// Power of the votes for `value` (`None`: nil).
    pub(crate) fn power_for(&self, value: Option<ValueId>) -> u64 {
        self.power.get(&value).copied().unwrap_or(0)
    }

    /// Power of all votes, whatever their value (the paper's `∗`).
    pub(crate) fn power_any(&self) -> u64 {
        self.power_any
    }

    fn contains(&self, vote: &SignedVote) -> bool {
        self.votes.get(&vote.vote.validator).is_some_and(|cast| cast.contains(vote))
    }

    /// The signatures of the votes for `value`, in key order.
    pub(crate) fn signatures_for(&self, value: ValueId) -> Vec<CommitSignature> {
        self.votes
            .values()
            .flatten()
            .filter(|v| v.vote.value == Some(value))
            .map(|v| CommitSignature { validator: v.vote.validator, signature: v.signature })
            .collect()
    }
}

/// "For the first time" marks of the rules of one round.
#[derive(Clone, Copy, Default, Debug)]
pub(crate) struct Fired {
    /// Line 34: prevote timeout scheduled.
    pub(crate) l34: bool,
    /// Line 36: 2f+1 prevotes for the proposal seen.
    pub(crate) l36: bool,
    /// Line 47: precommit timeout scheduled.
    pub(crate) l47: bool,
}

/// Everything received for one round.
#[derive(Clone, Default, Debug)]
pub(crate) struct RoundLog {
    pub(crate) prevotes: Tally,
    pub(crate) precommits: Tally,
    /// Proposals from the round's proposer, in arrival order (more than one only if it
    /// equivocates).
    pub(crate) proposals: Vec<SignedProposal>,
    /// Validators that sent any message in this round (line 55).
    senders: BTreeSet<ValidatorKey>,
    pub(crate) fired: Fired,
}

impl RoundLog {
    /// The tally of `kind`.
    pub(crate) fn tally(&self, kind: VoteKind) -> &Tally {
        match kind {
            VoteKind::Prevote => &self.prevotes,
            VoteKind::Precommit => &self.precommits,
        }
    }
}

/// The log of the current height.
#[derive(Clone, Default, Debug)]
pub(crate) struct HeightLog {
    rounds: BTreeMap<u32, RoundLog>,
}

impl HeightLog {
    /// The log of `round`, if anything arrived for it.
    pub(crate) fn round(&self, round: u32) -> Option<&RoundLog> {
        self.rounds.get(&round)
    }

    /// Mutable log of `round`, created empty.
    pub(crate) fn round_mut(&mut self, round: u32) -> &mut RoundLog {
        self.rounds.entry(round).or_default()
    }

    /// Rounds with a log, ascending.
    pub(crate) fn rounds(&self) -> impl Iterator<Item = (&u32, &RoundLog)> {
        self.rounds.iter()
    }

    /// True when this exact vote is already counted (so its signature need not be
    /// checked again).
    pub(crate) fn contains_vote(&self, vote: &SignedVote) -> bool {
        self.rounds.get(&vote.vote.round).is_some_and(|r| r.tally(vote.vote.kind).contains(vote))
    }

    /// True when this exact proposal is already stored.
    pub(crate) fn contains_proposal(&self, proposal: &SignedProposal) -> bool {
        self.rounds.get(&proposal.proposal.round).is_some_and(|r| r.proposals.contains(proposal))
    }

    /// Counts a verified vote from a member.
    pub(crate) fn add_vote(&mut self, vote: SignedVote, validators: &ValidatorSet) -> Added {
        let power = validators.power_of(&vote.vote.validator);
        let round = self.round_mut(vote.vote.round);
        round.senders.insert(vote.vote.validator);
        match vote.vote.kind {
            VoteKind::Prevote => round.prevotes.add(vote, power),
            VoteKind::Precommit => round.precommits.add(vote, power),
        }
    }

    /// Stores a verified proposal from the round's proposer; false when the round already
    /// holds [`PROPOSALS_PER_ROUND_MAX`] proposals or this one.
    pub(crate) fn add_proposal(&mut self, proposal: SignedProposal) -> bool {
        let round = self.round_mut(proposal.proposal.round);
        round.senders.insert(proposal.proposal.proposer);
        if round.proposals.len() >= PROPOSALS_PER_ROUND_MAX || round.proposals.contains(&proposal) {
            return false;
        }
        round.proposals.push(proposal);
        true
    }

    /// The highest round above `current` in which validators holding more than a third
    /// of the power sent some message (line 55).
    pub(crate) fn skip_target(&self, current: u32, validators: &ValidatorSet) -> Option<u32> {
        self.rounds
            .range(current.saturating_add(1)..)
            .rev()
            .find(|(_, log)| {
                let power = log.senders.iter().map(|k| validators.power_of(k)).sum();
                validators.is_one_third(power)
            })
            .map(|(&round, _)| round)
    }
}
