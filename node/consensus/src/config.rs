//! Configuration of a core: the chain, the node's own key and the timeouts.

use crate::limits::TIMEOUT_MS_MAX;
use crate::protocol::{ChainId, ValidatorKey};

/// A timeout that grows linearly with the round, so that after the network stabilises
/// some round is long enough for every correct validator to hear from every other.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct TimeoutRule {
    /// Duration in round 0, in milliseconds.
    pub base_ms: u64,
    /// Added per round, in milliseconds.
    pub per_round_ms: u64,
}

impl TimeoutRule {
    /// `base + round * per_round`, saturating at [`TIMEOUT_MS_MAX`].
    pub fn duration_ms(&self, round: u32) -> u64 {
        self.per_round_ms.saturating_mul(u64::from(round)).saturating_add(self.base_ms).min(TIMEOUT_MS_MAX)
    }
}

/// The three timeouts of the paper: `timeoutPropose`, `timeoutPrevote`,
/// `timeoutPrecommit`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Timeouts {
    /// Waiting for a proposal (line 21).
    pub propose: TimeoutRule,
    /// Waiting for prevotes once 2f+1 arrived (line 35).
    pub prevote: TimeoutRule,
    /// Waiting for precommits once 2f+1 arrived (line 48).
    pub precommit: TimeoutRule,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            propose: TimeoutRule { base_ms: 3000, per_round_ms: 500 },
            prevote: TimeoutRule { base_ms: 1000, per_round_ms: 500 },
            precommit: TimeoutRule { base_ms: 1000, per_round_ms: 500 },
        }
    }
}

/// What a core needs besides its inputs.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Config {
    /// The chain every message must name.
    pub chain_id: ChainId,
    /// This node's validator key. A node whose key is not in a height's validator set
    /// follows that height without voting.
    pub own_key: ValidatorKey,
    /// Round timeouts.
    pub timeouts: Timeouts,
}
