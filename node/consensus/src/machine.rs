//! The machine of one height: admission of inputs into the log. The rules that act on the
//! log live in `rules.rs`.
//!
//! Admission is where a message is checked (chain, height, round window, proposer,
//! signature) and where equivocation is detected. Nothing the paper's rules read is
//! changed by a refused input.

use crate::config::Config;
use crate::input::InputError;
use crate::limits::ROUNDS_AHEAD_MAX;
use crate::output::{Message, Output, Timeout, TimeoutKind};
use crate::proposer::ProposerSchedule;
use crate::protocol::Evidence;
use crate::protocol::{ChainId, SignedProposal, SignedVote, ValidatorKey, ValidatorSet, ValueId};
use crate::protocol::{Proposal, Vote, VoteKind};
use crate::state::State;
use crate::votes::{Added, HeightLog};
use std::collections::{BTreeMap, BTreeSet};

/// The core at one height.
#[derive(Clone, Debug)]
pub(crate) struct HeightMachine {
    pub(crate) validators: ValidatorSet,
    pub(crate) schedule: ProposerSchedule,
    pub(crate) state: State,
    pub(crate) log: HeightLog,
    /// Verdicts of `valid(v)` for this height.
    pub(crate) verdicts: BTreeMap<ValueId, bool>,
    /// Values whose verdict was asked for, so each is asked once.
    requested: BTreeSet<ValueId>,
    /// The round in which this node asked for a value to propose.
    pub(crate) awaiting_value: Option<u32>,
    /// (validator, round, kind) already reported as equivocating, so each slot yields
    /// one piece of evidence however many conflicting votes arrive.
    reported: BTreeSet<(ValidatorKey, u32, VoteKind)>,
    is_validator: bool,
}

impl HeightMachine {
    /// A machine in `state`, before any message of its height arrived.
    pub(crate) fn new(config: &Config, validators: ValidatorSet, state: State) -> Self {
        Self {
            schedule: ProposerSchedule::new(&validators),
            is_validator: validators.get(&config.own_key).is_some(),
            validators,
            state,
            log: HeightLog::default(),
            verdicts: BTreeMap::new(),
            requested: BTreeSet::new(),
            awaiting_value: None,
            reported: BTreeSet::new(),
        }
    }

    fn check_slot(
        &self,
        chain_id: &ChainId,
        height: u64,
        round: u32,
        config: &Config,
    ) -> Result<(), InputError> {
        if *chain_id != config.chain_id {
            return Err(InputError::WrongChain);
        }
        self.check_height(height)?;
        if round > self.state.round.saturating_add(ROUNDS_AHEAD_MAX) {
            return Err(InputError::RoundTooFar { round, current: self.state.round });
        }
        Ok(())
    }

    pub(crate) fn check_height(&self, height: u64) -> Result<(), InputError> {
        let current = self.state.height;
        match height.cmp(&current) {
            std::cmp::Ordering::Less => Err(InputError::PastHeight { height, current }),
            std::cmp::Ordering::Greater => Err(InputError::FutureHeight { height, current }),
            std::cmp::Ordering::Equal => Ok(()),
        }
    }

    /// Admits a vote; a conflicting second vote from the same validator yields evidence.
    pub(crate) fn on_vote(
        &mut self,
        config: &Config,
        vote: SignedVote,
        out: &mut Vec<Output>,
    ) -> Result<(), InputError> {
        let v = &vote.vote;
        self.check_slot(&v.chain_id, v.height, v.round, config)?;
        if self.log.contains_vote(&vote) {
            return Ok(());
        }
        self.validators.verify_vote(&vote)?;
        let slot = (v.validator, v.round, v.kind);
        if let Added::Conflict { first: counted, kept } = self.log.add_vote(vote.clone(), &self.validators) {
            // A slot is full only after its first conflict, which was reported then
            // (VOTES_PER_SLOT_MAX >= 2), so refusing a crowded vote withholds no evidence.
            if !kept {
                return Err(InputError::Crowded);
            }
            if self.reported.insert(slot) {
                // Both votes verified and share a slot with different values, so this
                // cannot fail; a failure would only withhold the evidence.
                if let Ok(evidence) = Evidence::new(counted, vote) {
                    out.push(Output::Evidence(Box::new(evidence)));
                }
            }
        }
        Ok(())
    }

    /// Admits a proposal from the round's proposer and asks for its value's verdict.
    pub(crate) fn on_proposal(
        &mut self,
        config: &Config,
        proposal: SignedProposal,
        out: &mut Vec<Output>,
    ) -> Result<(), InputError> {
        let p = &proposal.proposal;
        self.check_slot(&p.chain_id, p.height, p.round, config)?;
        if p.valid_round.is_some_and(|vr| vr >= p.round) {
            return Err(InputError::BadValidRound);
        }
        if p.proposer != self.schedule.proposer(p.height, p.round) {
            return Err(InputError::NotProposer);
        }
        if self.log.contains_proposal(&proposal) {
            return Ok(());
        }
        self.validators.verify_proposal(&proposal)?;
        let value = p.value;
        if self.log.add_proposal(proposal)
            && !self.verdicts.contains_key(&value)
            && self.requested.insert(value)
        {
            out.push(Output::Validate { height: self.state.height, value });
        }
        Ok(())
    }

    /// Records a verdict that was asked for; others are ignored, which bounds the table.
    pub(crate) fn on_validity(&mut self, height: u64, value: ValueId, valid: bool) -> Result<(), InputError> {
        self.check_height(height)?;
        if self.requested.contains(&value) {
            self.verdicts.insert(value, valid);
        }
        Ok(())
    }

    /// Answers this node's own `GetValue`: proposes the value (line 19).
    pub(crate) fn on_propose_value(
        &mut self,
        config: &Config,
        height: u64,
        round: u32,
        value: ValueId,
        out: &mut Vec<Output>,
    ) -> Result<(), InputError> {
        self.check_height(height)?;
        if self.awaiting_value != Some(round) || self.state.round != round || self.state.decided.is_some() {
            return Ok(());
        }
        self.awaiting_value = None;
        // The caller vouches for the values it supplies.
        self.verdicts.insert(value, true);
        self.broadcast_proposal(config, value, None, out);
        Ok(())
    }

    pub(crate) fn broadcast_vote(
        &self,
        config: &Config,
        kind: VoteKind,
        value: Option<ValueId>,
        out: &mut Vec<Output>,
    ) {
        if !self.is_validator {
            return;
        }
        out.push(Output::Broadcast(Message::Vote(Vote {
            chain_id: config.chain_id.clone(),
            height: self.state.height,
            round: self.state.round,
            kind,
            value,
            validator: config.own_key,
        })));
    }

    pub(crate) fn broadcast_proposal(
        &self,
        config: &Config,
        value: ValueId,
        valid_round: Option<u32>,
        out: &mut Vec<Output>,
    ) {
        out.push(Output::Broadcast(Message::Proposal(Proposal {
            chain_id: config.chain_id.clone(),
            height: self.state.height,
            round: self.state.round,
            value,
            valid_round,
            proposer: config.own_key,
        })));
    }

    pub(crate) fn schedule(&self, config: &Config, kind: TimeoutKind, out: &mut Vec<Output>) {
        let rule = match kind {
            TimeoutKind::Propose => config.timeouts.propose,
            TimeoutKind::Prevote => config.timeouts.prevote,
            TimeoutKind::Precommit => config.timeouts.precommit,
        };
        out.push(Output::ScheduleTimeout {
            timeout: Timeout { height: self.state.height, round: self.state.round, kind },
            after_ms: rule.duration_ms(self.state.round),
        });
    }
}
