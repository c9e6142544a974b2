//! Everything a core asks its caller to do, and the order in which to do it.
//!
//! [`crate::Core::handle`] returns its outputs already sorted by [`Output::rank`]; the
//! caller acts on them front to back:
//!
//! 1. [`Output::Persist`]: write the state durably (at most one per call, the state
//!    after the whole input). Everything below depends on it surviving a crash.
//! 2. [`Output::Broadcast`]: sign (through a guarded [`crate::Signer`]), send to all
//!    peers, and hand the signed message back to this core as an input.
//! 3. [`Output::ScheduleTimeout`]: arm a timer; when it fires, input
//!    [`crate::Input::TimeoutElapsed`].
//! 4. [`Output::Decide`]: commit the value with its certificate, then start the next
//!    height with [`crate::Input::StartHeight`].
//! 5. [`Output::Evidence`]: store and gossip proof of a validator's equivocation.
//! 6. [`Output::GetValue`] and [`Output::Validate`]: requests to answer, now or later,
//!    with [`crate::Input::ProposeValue`] and [`crate::Input::Validity`].

use crate::protocol::Evidence;
use crate::protocol::{CommitCertificate, Proposal, ValueId, Vote};
use crate::state::State;

/// An unsigned message for the caller to sign and broadcast.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Message {
    /// `⟨PROPOSAL, h, round, v, validRound⟩`.
    Proposal(Proposal),
    /// `⟨PREVOTE, h, round, id(v)⟩` or `⟨PRECOMMIT, h, round, id(v)⟩`.
    Vote(Vote),
}

/// Which of the three timeouts.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum TimeoutKind {
    /// `timeoutPropose` (line 21).
    Propose,
    /// `timeoutPrevote` (line 35).
    Prevote,
    /// `timeoutPrecommit` (line 48).
    Precommit,
}

/// A timeout, named by the height and round it was scheduled for.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Timeout {
    /// Height at scheduling time.
    pub height: u64,
    /// Round at scheduling time.
    pub round: u32,
    /// Which timeout.
    pub kind: TimeoutKind,
}

/// A decided value, with the precommits that prove it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Decision {
    /// The decided height.
    pub height: u64,
    /// The round whose precommits decided it.
    pub round: u32,
    /// The decided value.
    pub value: ValueId,
    /// The 2f+1 precommit signatures for `(height, round, value)`.
    pub certificate: CommitCertificate,
}

/// One thing for the caller to do.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Output {
    /// Write this state durably before acting on anything after it.
    Persist(State),
    /// Sign and broadcast this message, then feed it back to this core.
    Broadcast(Message),
    /// Input `TimeoutElapsed(timeout)` after `after_ms` milliseconds.
    ScheduleTimeout {
        /// The timeout to report.
        timeout: Timeout,
        /// Delay in milliseconds; grows with the round.
        after_ms: u64,
    },
    /// The height is decided.
    Decide(Decision),
    /// A validator equivocated.
    Evidence(Box<Evidence>),
    /// This node proposes in `(height, round)`: answer with `Input::ProposeValue`.
    GetValue {
        /// Height to propose for.
        height: u64,
        /// Round to propose in.
        round: u32,
    },
    /// Judge a proposed value: answer with `Input::Validity`.
    Validate {
        /// Height of the proposal.
        height: u64,
        /// The value to judge.
        value: ValueId,
    },
}

impl Output {
    /// Position in the order the caller acts on outputs (lower first).
    pub fn rank(&self) -> u8 {
        match self {
            Output::Persist(_) => 0,
            Output::Broadcast(_) => 1,
            Output::ScheduleTimeout { .. } => 2,
            Output::Decide(_) => 3,
            Output::Evidence(_) => 4,
            Output::GetValue { .. } | Output::Validate { .. } => 5,
        }
    }
}
