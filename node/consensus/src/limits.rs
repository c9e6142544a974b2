//! Every bound of the consensus core in one place, with their relationships asserted.
//!
//! The core keeps messages of one height only; these limits bound what a faulty or
//! hostile peer can make it store there.

/// Rounds ahead of the current round whose messages are kept. Messages further ahead
/// are refused (`InputError::RoundTooFar`); correct validators cannot be that far ahead
/// while this node is needed for their quorum, because a round only ends after 2f+1
/// validators took part in it (paper lines 34, 47, 65).
pub const ROUNDS_AHEAD_MAX: u32 = 64;

/// Distinct proposals kept per round. A correct proposer sends one; an equivocating
/// proposer may send more, and those beyond this bound are dropped.
pub const PROPOSALS_PER_ROUND_MAX: usize = 4;

/// Votes kept per validator, round and kind: its first and one conflicting vote, which
/// is what evidence needs and what a pair of equivocating twins produces. A further
/// conflicting vote takes the conflicting one's place only when its value has more
/// support from the other validators (see `votes.rs`); otherwise it is not stored.
pub const VOTES_PER_SLOT_MAX: usize = 2;

/// Longest timeout the core schedules, in milliseconds: round growth saturates here.
pub const TIMEOUT_MS_MAX: u64 = 10 * 60 * 1000;

/// Times the rules are re-evaluated after one input before the core gives up on
/// reaching a fixpoint; each pass that fires moves the step, the round or the height
/// forward, so a handful suffices, and hitting this bound is a bug.
pub const RULE_PASSES_MAX: usize = 64;

const _: () = assert!(ROUNDS_AHEAD_MAX >= 1);
const _: () = assert!(PROPOSALS_PER_ROUND_MAX >= 1);
const _: () = assert!(VOTES_PER_SLOT_MAX >= 2, "room for the evidence pair");
const _: () = assert!(RULE_PASSES_MAX >= 8, "one input can fire each rule once");
