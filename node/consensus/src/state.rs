//! The state of the core at its current height: what the paper calls `h_p`, `round_p`,
//! `step_p`, the locked and valid value and round, and the decision.
//!
//! The whole of it is what the caller persists ([`crate::Output::Persist`]): a
//! validator that restarts from it keeps its lock, so it never prevotes against a value
//! it may already have helped commit.

use crate::protocol::ValueId;

/// The step of a round (paper line 4).
#[derive(
    Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, borsh::BorshSerialize, borsh::BorshDeserialize,
)]
pub enum Step {
    /// Waiting for the round's proposal.
    Propose,
    /// Prevoted; waiting for prevotes.
    Prevote,
    /// Precommitted; waiting for precommits.
    Precommit,
}

/// A value together with the round in which it was locked or seen valid.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, borsh::BorshSerialize, borsh::BorshDeserialize)]
pub struct RoundValue {
    /// The round (the paper's `lockedRound_p` / `validRound_p`).
    pub round: u32,
    /// The value (the paper's `lockedValue_p` / `validValue_p`).
    pub value: ValueId,
}

/// The core's state at its current height. `None` stands for the paper's nil and -1.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, borsh::BorshSerialize, borsh::BorshDeserialize)]
pub struct State {
    /// `h_p`.
    pub height: u64,
    /// `round_p`.
    pub round: u32,
    /// `step_p`.
    pub step: Step,
    /// `lockedValue_p` and `lockedRound_p`.
    pub locked: Option<RoundValue>,
    /// `validValue_p` and `validRound_p`.
    pub valid: Option<RoundValue>,
    /// `decision_p[h_p]`: the round and value decided at this height.
    pub decided: Option<RoundValue>,
}

impl State {
    /// The state at the start of a height, before round 0 starts (paper lines 2-9).
    pub fn initial(height: u64) -> Self {
        Self { height, round: 0, step: Step::Propose, locked: None, valid: None, decided: None }
    }
}
