//! Everything that can happen to a core: the one enum a caller feeds it.
//!
//! Messages arrive signed; the core checks the signature, the chain, the height and
//! that the sender is a member (or the round's proposer) before it counts them. A node
//! hears its own broadcasts too: the caller signs each [`crate::Output::Broadcast`] and
//! hands the signed message back as an input, exactly like a message from a peer.

use crate::protocol::{ProtocolError, SignedProposal, SignedVote, ValidatorSet, ValueId};
use crate::Timeout;

/// One input to [`crate::Core::handle`].
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Input {
    /// Start deciding `height` with this validator set (paper line 10 and line 54).
    /// Heights only move forward.
    StartHeight {
        /// The height to decide.
        height: u64,
        /// Its validators and their voting power.
        validators: ValidatorSet,
    },
    /// A proposal from a peer or from this node.
    Proposal(SignedProposal),
    /// A prevote or precommit from a peer or from this node.
    Vote(SignedVote),
    /// A timeout the core scheduled has elapsed (lines 57, 61, 65).
    TimeoutElapsed(Timeout),
    /// The value this node proposes, answering [`crate::Output::GetValue`] (line 18).
    /// The caller vouches that the value is valid.
    ProposeValue {
        /// Height of the request.
        height: u64,
        /// Round of the request.
        round: u32,
        /// The value to propose.
        value: ValueId,
    },
    /// The verdict of the validity predicate `valid(v)` on a value, answering
    /// [`crate::Output::Validate`]. It holds for the whole height.
    Validity {
        /// Height of the value.
        height: u64,
        /// The value judged.
        value: ValueId,
        /// True when the value may be decided.
        valid: bool,
    },
}

/// Why an input was refused. Nothing in the core changed; a caller may score the peer
/// that sent it, but none of these is a broken invariant.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
pub enum InputError {
    /// No height was started yet.
    #[error("no height started")]
    NotStarted,
    /// The input is for a height this node already left.
    #[error("height {height} is past (now at {current})")]
    PastHeight {
        /// Height of the input.
        height: u64,
        /// The core's height.
        current: u64,
    },
    /// The input is for a height this node has not reached: the caller may buffer it,
    /// or take it as a sign that it must catch up.
    #[error("height {height} is ahead (now at {current})")]
    FutureHeight {
        /// Height of the input.
        height: u64,
        /// The core's height.
        current: u64,
    },
    /// The message names another chain.
    #[error("message for another chain")]
    WrongChain,
    /// The round is more than [`crate::limits::ROUNDS_AHEAD_MAX`] ahead.
    #[error("round {round} is too far ahead of {current}")]
    RoundTooFar {
        /// Round of the input.
        round: u32,
        /// The core's round.
        current: u32,
    },
    /// The proposal is not from the proposer of its round.
    #[error("proposal from a validator that is not the round's proposer")]
    NotProposer,
    /// The proposal's valid round is not below its round.
    #[error("valid round must be below the proposal's round")]
    BadValidRound,
    /// The signer is unknown or the signature does not verify.
    #[error("signature: {0}")]
    Signature(#[from] ProtocolError),
    /// A further conflicting vote of a validator whose slot is full, for a value no
    /// better supported by the others than the votes kept: not stored (it may be sent
    /// again once its value has more support).
    #[error("a further conflicting vote, for a value with no more support than those kept")]
    Crowded,
}
