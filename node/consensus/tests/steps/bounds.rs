//! The core's bounds and accessors at their edges: how far ahead a message may be, how
//! many conflicting votes and proposals one validator can make it store, what it reports
//! of itself, and how its timeouts grow.

use crate::fixture::*;
use jcm_consensus::limits::{PROPOSALS_PER_ROUND_MAX, ROUNDS_AHEAD_MAX, TIMEOUT_MS_MAX, VOTES_PER_SLOT_MAX};
use jcm_consensus::*;

const C: ValueId = ValueId([0xc; 32]);

fn started(fx: &Fixture) -> Core {
    let mut core = Core::new(fx.config());
    core.handle(Input::StartHeight { height: H, validators: fx.validators.clone() }).unwrap();
    core
}

fn broadcasts_vote(outputs: &[Output], kind: VoteKind, value: Option<ValueId>) -> bool {
    outputs
        .iter()
        .any(|o| matches!(o, Output::Broadcast(Message::Vote(v)) if v.kind == kind && v.value == value))
}

#[test]
fn messages_up_to_the_rounds_ahead_bound_are_kept_and_further_ones_refused() {
    let fx = Fixture::four();
    let other = fx.others()[0];
    let mut core = started(&fx);
    assert_eq!(core.handle(fx.prevote(other, ROUNDS_AHEAD_MAX, None)).map(|_| ()), Ok(()));
    let too_far = core.handle(fx.prevote(other, ROUNDS_AHEAD_MAX + 1, None));
    assert_eq!(too_far, Err(InputError::RoundTooFar { round: ROUNDS_AHEAD_MAX + 1, current: 0 }));
}

/// A core at round 0's prevote step (its propose timeout ran out) with `C` proposed and
/// valid, and a liar's prevote slot full of votes for `A` and `B`, which nobody backs;
/// with the liar and the two other validators.
fn liars_slot_full(fx: &Fixture) -> (Core, [usize; 3]) {
    let others = fx.others();
    let (liar, a, b) = (others[0], others[1], others[2]);
    let mut core = started(fx);
    let mut given = vec![timeout_elapsed(0, TimeoutKind::Propose)];
    given.extend(fx.judged_proposal(0, C, None, true));
    given.extend([fx.prevote(liar, 0, Some(A)), fx.prevote(liar, 0, Some(B))]);
    for input in given {
        core.handle(input).unwrap();
    }
    (core, [liar, a, b])
}

/// An equivocator that fills its slot with votes for values nobody else voted for
/// cannot keep its vote for the value the others back from counting: that vote takes
/// the junk's place, and here completes the quorum (sim seed 214 of the membership kind
/// stalled for good when it could not).
#[test]
fn junk_votes_cannot_crowd_out_an_equivocators_vote_for_a_supported_value() {
    assert_eq!(VOTES_PER_SLOT_MAX, 2, "the table below equivocates once more than kept");
    let fx = Fixture::four();
    let (mut core, [liar, a, b]) = liars_slot_full(&fx);
    for input in [fx.prevote(a, 0, Some(C)), fx.prevote(b, 0, Some(C))] {
        let outputs = core.handle(input).unwrap();
        assert!(!broadcasts_vote(&outputs, VoteKind::Precommit, Some(C)), "no quorum yet: {outputs:?}");
    }
    let outputs = core.handle(fx.prevote(liar, 0, Some(C))).unwrap();
    assert!(broadcasts_vote(&outputs, VoteKind::Precommit, Some(C)), "{outputs:?}");
    assert_eq!(core.state().unwrap().locked, Some(RoundValue { round: 0, value: C }));
}

/// A validator's vote beyond [`VOTES_PER_SLOT_MAX`] for a value with no more support
/// than the votes kept is refused and carries no power; sent again once the others back
/// its value, it counts.
#[test]
fn a_crowded_vote_carries_no_power_until_its_value_is_supported() {
    let fx = Fixture::four();
    let (mut core, [liar, a, b]) = liars_slot_full(&fx);
    assert_eq!(core.handle(fx.prevote(liar, 0, Some(C))), Err(InputError::Crowded));
    for input in [fx.prevote(a, 0, Some(C)), fx.prevote(b, 0, Some(C))] {
        let outputs = core.handle(input).unwrap();
        assert!(
            !broadcasts_vote(&outputs, VoteKind::Precommit, Some(C)),
            "the refused vote counted: {outputs:?}"
        );
    }
    assert_eq!(core.state().unwrap().locked, None);
    let outputs = core.handle(fx.prevote(liar, 0, Some(C))).unwrap();
    assert!(broadcasts_vote(&outputs, VoteKind::Precommit, Some(C)), "{outputs:?}");
}

/// An equivocating proposer cannot make the core store more than
/// [`PROPOSALS_PER_ROUND_MAX`] proposals of a round, nor the same one twice.
#[test]
fn proposals_beyond_the_round_bound_are_dropped() {
    let fx = Fixture::four();
    let mut core = started(&fx);
    let values: Vec<ValueId> = (0..=PROPOSALS_PER_ROUND_MAX as u8).map(|i| ValueId([0x10 + i; 32])).collect();
    for &value in &values[..PROPOSALS_PER_ROUND_MAX] {
        let outputs = core.handle(fx.proposal(0, value, None)).unwrap();
        assert!(outputs.contains(&Output::Validate { height: H, value }), "{outputs:?}");
        let again = core.handle(fx.proposal(0, value, None)).unwrap();
        assert_eq!(again, vec![], "a proposal already stored is not judged again");
    }
    let extra = values[PROPOSALS_PER_ROUND_MAX];
    assert_eq!(core.handle(fx.proposal(0, extra, None)).unwrap(), vec![], "beyond the bound, dropped");
    let outputs = core.handle(verdict(extra, true)).unwrap();
    assert!(!broadcasts_vote(&outputs, VoteKind::Prevote, Some(extra)), "{outputs:?}");
}

#[test]
fn a_value_supplied_after_the_round_moved_on_or_before_it_was_asked_is_ignored() {
    let fx = Fixture::four();
    let me_round = 3;
    // Asked for round 3, then moved to round 4 before the value came.
    let (mut core, _) =
        Core::restore(fx.config(), fx.validators.clone(), state(me_round - 1, Step::Precommit));
    let asked = core.handle(timeout_elapsed(me_round - 1, TimeoutKind::Precommit)).unwrap();
    assert!(asked.contains(&Output::GetValue { height: H, round: me_round }), "{asked:?}");
    core.handle(timeout_elapsed(me_round, TimeoutKind::Propose)).unwrap();
    for i in fx.others() {
        core.handle(fx.precommit(i, me_round + 1, None)).unwrap();
    }
    assert!(core.state().unwrap().round > me_round);
    let late = core.handle(Input::ProposeValue { height: H, round: me_round, value: A }).unwrap();
    assert_eq!(late, vec![], "a value for a round that is over");
    // Never asked: a node that is not the proposer of round 0.
    assert_ne!(fx.proposer(0), fx.me);
    let mut core = started(&fx);
    let unasked = core.handle(Input::ProposeValue { height: H, round: 0, value: A }).unwrap();
    assert_eq!(unasked, vec![]);
}

#[test]
fn the_core_reports_its_validators_and_proposers() {
    let fx = Fixture::four();
    let fresh = Core::new(fx.config());
    assert_eq!((fresh.validators(), fresh.proposer(0)), (None, None), "no height started");
    let core = started(&fx);
    assert_eq!(core.validators(), Some(&fx.validators));
    for round in 0..8 {
        assert_eq!(core.proposer(round), Some(fx.key(fx.proposer(round))), "round {round}");
    }
}

#[test]
fn timeouts_grow_by_round_and_saturate() {
    let rule = TimeoutRule { base_ms: 1000, per_round_ms: 500 };
    assert_eq!([rule.duration_ms(0), rule.duration_ms(1), rule.duration_ms(6)], [1000, 1500, 4000]);
    assert_eq!(TIMEOUT_MS_MAX, 600_000, "ten minutes");
    assert_eq!(rule.duration_ms(u32::MAX), TIMEOUT_MS_MAX);
    assert_eq!(TimeoutRule { base_ms: 0, per_round_ms: 1000 }.duration_ms(599), 599_000);
    assert_eq!(TimeoutRule { base_ms: 0, per_round_ms: 1000 }.duration_ms(601), TIMEOUT_MS_MAX);
}

/// A height decided (here by a late commit of an earlier round) while the node waits for
/// its own value: the value, when it comes, is not proposed.
#[test]
fn a_value_supplied_after_the_height_is_decided_is_not_proposed() {
    let fx = Fixture::four();
    let me_round = 3;
    let (mut core, _) =
        Core::restore(fx.config(), fx.validators.clone(), state(me_round - 1, Step::Precommit));
    let asked = core.handle(timeout_elapsed(me_round - 1, TimeoutKind::Precommit)).unwrap();
    assert!(asked.contains(&Output::GetValue { height: H, round: me_round }), "{asked:?}");
    let mut decided = false;
    let late_commit = concat(vec![
        fx.judged_proposal(me_round - 1, B, None, true),
        fx.votes(VoteKind::Precommit, me_round - 1, Some(B), 3),
    ]);
    for input in late_commit {
        let outputs = core.handle(input).unwrap();
        decided |= outputs.iter().any(|o| matches!(o, Output::Decide(d) if d.value == B));
    }
    assert!(decided, "the late commit decides B");
    let outputs = core.handle(Input::ProposeValue { height: H, round: me_round, value: A }).unwrap();
    assert!(!outputs.iter().any(|o| matches!(o, Output::Broadcast(Message::Proposal(_)))), "{outputs:?}");
}
