//! The scripted schedules of [`crate::plan::Kind::Trap`]: who plays which part, and what
//! the network does to each message of height 1 until it heals. The liar's own part is
//! [`crate::adversary::Adversary::spring`].
//!
//! Timings follow the simulation's timeouts (`parts::sim_consensus`: propose 300 ms,
//! prevote and precommit 150 ms, plus 50 ms a round) with one-way delays of 1 to 5 ms:
//! round 0 ends about 320 ms after it starts, so a prevote held back 400 ms arrives
//! after round 1 has its proposal and before round 2 has one.

use jcm_consensus::VoteKind;
use jcm_node::wire::Message;

/// The two scripts of [`Kind::Trap`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Trap {
    /// Round 0: a polka for `v` reaches every node only after it precommitted nil, so
    /// nobody locks. Round 1: a fresh `v'` is locked by the three honest nodes; only `a`
    /// gets the precommits and decides it. Round 2: the liar re-proposes `v` with valid
    /// round 0, which `b` and `c`, locked on `v'` since round 1, must refuse (L29).
    StalePolka,
    /// Round 0: the liar misses the proposal of `v`; the honest nodes lock `v` and only
    /// `a` decides it. Round 1: the liar proposes its own fresh block with valid round 0,
    /// in which nobody prevoted it: `b` and `c` must wait for a polka they never get (L28).
    FalseValidRound,
    /// Every round of every height, the liar's nil prevote reaches the honest nodes
    /// before anything else of that round (it signs it ahead of time): a node must not
    /// precommit nil on it alone, but only on 2f+1 nil prevotes (L44), or no round
    /// would ever decide.
    EarlyNil,
    /// Round 0: the liar is cut off, and each honest node gets one of the other two honest
    /// prevotes 200 ms late, after a prevote timeout started on the first prevote would
    /// have run out. The timeout must start only at 2f+1 prevotes (L34), when the polka
    /// is complete: the height then decides in round 0, and no honest node sends a
    /// message of a later round of height 1.
    LatePrevote,
    /// The same with precommits: the precommit timeout must start only at 2f+1
    /// precommits (L47), when the decision is there.
    LatePrecommit,
}

impl Trap {
    /// Whether the script's height 1 must decide in its first round.
    pub fn decides_in_round_0(self) -> bool {
        matches!(self, Trap::LatePrevote | Trap::LatePrecommit)
    }
}

/// Who plays which part in a trap (validator indices).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Roles {
    pub trap: Trap,
    /// The liar: the proposer of the round the trap springs in.
    pub liar: usize,
    /// The honest node that decides first.
    pub a: usize,
    /// The honest nodes left behind, locked.
    pub b: usize,
    pub c: usize,
}

impl Roles {
    /// The roles for `trap`, given the proposers of rounds 0, 1, 2 of height 1.
    pub fn of(trap: Trap, proposers: &[usize; 3]) -> Roles {
        let liar = match trap {
            // The proposers of rounds 0 and 1 are honest: a node that gives up round 0
            // too early shows in round 1's proposal.
            Trap::StalePolka | Trap::LatePrevote | Trap::LatePrecommit => proposers[2],
            Trap::FalseValidRound | Trap::EarlyNil => proposers[1],
        };
        let honest: Vec<usize> = (0..4).filter(|&v| v != liar).collect();
        Roles { trap, liar, a: honest[0], b: honest[1], c: honest[2] }
    }
}

/// The validators (by index) that propose rounds 0, 1 and 2 of height 1 among `n` of
/// equal power.
pub fn proposers_of_height_1(n: usize) -> [usize; 3] {
    let fixture = crate::parts::fixture(&vec![1; n]);
    let validators = jcm_runtime::chain::genesis_validators(&fixture.genesis).expect("validators");
    let schedule = jcm_consensus::ProposerSchedule::new(&validators);
    let keys = crate::parts::validator_keys(n);
    [0, 1, 2].map(|round| {
        let key = schedule.proposer(1, round);
        keys.iter().position(|k| *k == key).expect("the proposer is a validator")
    })
}

/// How late the late votes of [`Trap::LatePrevote`] and [`Trap::LatePrecommit`] arrive:
/// after round 0's 150 ms timeouts, had they started on the first vote.
const LATE_MS: u64 = 200;

/// What the network does with one message until the heal.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Route {
    Pass,
    Drop,
    /// Delivered this many ms later than it would be.
    Late(u64),
}

/// The height, round and vote kind (none for a proposal) of a consensus message.
pub fn slot(message: &Message) -> Option<(u64, u32, Option<VoteKind>)> {
    match message {
        Message::Vote(v) => Some((v.vote.height, v.vote.round, Some(v.vote.kind))),
        Message::Proposal { proposal, .. } => Some((proposal.proposal.height, proposal.proposal.round, None)),
        Message::Txs(_) | Message::Status { .. } => None,
    }
}

/// How the network treats `message` from validator `from` to validator `to` in a trap.
pub fn route(roles: &Roles, from: usize, to: usize, message: &Message) -> Route {
    let Some((height, round, kind)) = slot(message) else { return Route::Pass };
    if height != 1 {
        return Route::Pass;
    }
    let Roles { trap, liar, a, b, c } = *roles;
    let behind = to == b || to == c;
    match (trap, round, kind) {
        // Each honest node gets one of the other two honest prevotes late, after its
        // prevote timeout: the polka exists, but nobody locks on it.
        (Trap::StalePolka, 0, Some(VoteKind::Prevote))
            if (from == c && (to == a || to == b)) || (from == a && to == c) =>
        {
            Route::Late(400)
        }
        // The liar never sees round 1's proposal, so it neither locks on `v'` nor
        // decides it, and still holds `v` for round 2.
        (Trap::StalePolka, 1, None) if to == liar => Route::Drop,
        // Only `a` sees the precommits of `v'`.
        (Trap::StalePolka, 1, Some(VoteKind::Precommit)) if from == a && (behind || to == liar) => {
            Route::Drop
        }
        // The liar never sees round 0's proposal, so it has no valid value.
        (Trap::FalseValidRound, 0, None) if to == liar => Route::Drop,
        // Only `a` sees the precommits of `v`.
        (Trap::FalseValidRound, 0, Some(VoteKind::Precommit)) if from == a && to != a => Route::Drop,
        // The liar takes no part in height 1 (nor decides it, so nobody can fetch it from
        // the liar early), and each honest node gets one other honest vote of the kind
        // late: 2f+1 of them are in only when the late one arrives.
        (Trap::LatePrevote | Trap::LatePrecommit, _, _) if from == liar || to == liar => Route::Drop,
        (Trap::LatePrevote, 0, Some(VoteKind::Prevote))
        | (Trap::LatePrecommit, 0, Some(VoteKind::Precommit))
            if (from == c && (to == a || to == b)) || (from == a && to == c) =>
        {
            Route::Late(LATE_MS)
        }
        _ => Route::Pass,
    }
}
