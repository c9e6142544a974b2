//! Prevoting on a proposal (lines 22-33) and what 2f+1 prevotes cause (lines 34-46).

use crate::fixture::*;
use jcm_consensus::*;
use VoteKind::{Precommit, Prevote};

#[test]
fn prevote_on_a_fresh_proposal() {
    let fx = Fixture::four();
    let locked = |value| State { locked: at(0, value), valid: at(0, value), ..state(1, Step::Propose) };
    let prevoted = |state: State| State { step: Step::Prevote, ..state };
    fx.run(vec![
        Case {
            name: "L22-24, L27: a valid proposal, no lock: prevote for it",
            start: Some(state(0, Step::Propose)),
            given: vec![fx.proposal(0, A, None)],
            input: verdict(A, true),
            expect: vec![Output::Persist(state(0, Step::Prevote)), fx.my_vote(0, Prevote, Some(A))],
            next: state(0, Step::Prevote),
        },
        Case {
            name: "L22, L23, L26: an invalid proposal: prevote nil",
            start: Some(state(0, Step::Propose)),
            given: vec![fx.proposal(0, A, None)],
            input: verdict(A, false),
            expect: vec![Output::Persist(state(0, Step::Prevote)), fx.my_vote(0, Prevote, None)],
            next: state(0, Step::Prevote),
        },
        Case {
            name: "L22, L23, L26: locked on another value: prevote nil",
            start: Some(locked(B)),
            given: vec![fx.proposal(1, A, None)],
            input: verdict(A, true),
            expect: vec![Output::Persist(prevoted(locked(B))), fx.my_vote(1, Prevote, None)],
            next: prevoted(locked(B)),
        },
        Case {
            name: "L22, L23, L24: locked on the proposed value: prevote for it",
            start: Some(locked(A)),
            given: vec![fx.proposal(1, A, None)],
            input: verdict(A, true),
            expect: vec![Output::Persist(prevoted(locked(A))), fx.my_vote(1, Prevote, Some(A))],
            next: prevoted(locked(A)),
        },
        Case {
            name: "L22: no prevote before the verdict arrives",
            start: Some(state(0, Step::Propose)),
            given: vec![],
            input: fx.proposal(0, A, None),
            expect: vec![Output::Validate { height: H, value: A }],
            next: state(0, Step::Propose),
        },
    ]);
}

#[test]
fn prevote_on_a_reproposed_value() {
    let fx = Fixture::four();
    let locked_at =
        |round, value| State { locked: at(round, value), valid: at(round, value), ..state(2, Step::Propose) };
    let prevoted = |state: State| State { step: Step::Prevote, ..state };
    fx.run(vec![
        Case {
            name: "L28-30, L33: hidden lock: locked on B in round 0, a polka for A in round 1 \
                   that this node missed unlocks it: prevote A",
            start: Some(locked_at(0, B)),
            given: concat(vec![fx.votes(Prevote, 1, Some(A), 3), vec![fx.proposal(2, A, Some(1))]]),
            input: verdict(A, true),
            expect: vec![Output::Persist(prevoted(locked_at(0, B))), fx.my_vote(2, Prevote, Some(A))],
            next: prevoted(locked_at(0, B)),
        },
        Case {
            name: "L28, L29, L32: locked in a round after the proposal's valid round: prevote nil",
            start: Some(locked_at(1, B)),
            given: concat(vec![fx.votes(Prevote, 0, Some(A), 3), vec![fx.proposal(2, A, Some(0))]]),
            input: verdict(A, true),
            expect: vec![Output::Persist(prevoted(locked_at(1, B))), fx.my_vote(2, Prevote, None)],
            next: prevoted(locked_at(1, B)),
        },
        Case {
            name: "L28, L29, L30: locked on the same value in a later round: prevote for it",
            start: Some(locked_at(1, A)),
            given: concat(vec![fx.votes(Prevote, 0, Some(A), 3), vec![fx.proposal(2, A, Some(0))]]),
            input: verdict(A, true),
            expect: vec![Output::Persist(prevoted(locked_at(1, A))), fx.my_vote(2, Prevote, Some(A))],
            next: prevoted(locked_at(1, A)),
        },
        Case {
            name: "L28, L29, L32: a valid round with 2f+1 prevotes but an invalid value: prevote nil",
            start: Some(state(2, Step::Propose)),
            given: concat(vec![fx.votes(Prevote, 1, Some(A), 3), vec![fx.proposal(2, A, Some(1))]]),
            input: verdict(A, false),
            expect: vec![Output::Persist(state(2, Step::Prevote)), fx.my_vote(2, Prevote, None)],
            next: state(2, Step::Prevote),
        },
        Case {
            name: "L28: no 2f+1 prevotes in the valid round yet: wait",
            start: Some(locked_at(0, B)),
            given: concat(vec![fx.votes(Prevote, 1, Some(A), 2), vec![fx.proposal(2, A, Some(1))]]),
            input: verdict(A, true),
            expect: vec![],
            next: locked_at(0, B),
        },
        Case {
            name: "L28: the polka completes after the proposal: prevote then",
            start: Some(locked_at(0, B)),
            given: concat(vec![fx.votes(Prevote, 1, Some(A), 2), fx.judged_proposal(2, A, Some(1), true)]),
            input: fx.prevote(fx.others()[2], 1, Some(A)),
            expect: vec![Output::Persist(prevoted(locked_at(0, B))), fx.my_vote(2, Prevote, Some(A))],
            next: prevoted(locked_at(0, B)),
        },
    ]);
}

#[test]
fn two_thirds_of_prevotes() {
    let fx = Fixture::four();
    let o = fx.others();
    let locked_a = State { locked: at(0, A), valid: at(0, A), ..state(0, Step::Precommit) };
    let proposal_and_two =
        concat(vec![fx.judged_proposal(0, A, None, true), fx.votes(Prevote, 0, Some(A), 2)]);
    fx.run(vec![
        Case {
            name: "L34-35: 2f+1 prevotes of mixed values in the prevote step: arm the prevote timeout",
            start: Some(state(0, Step::Prevote)),
            given: vec![fx.prevote(o[0], 0, Some(A)), fx.prevote(o[1], 0, Some(B))],
            input: fx.prevote(o[2], 0, None),
            expect: vec![fx.timeout(0, TimeoutKind::Prevote)],
            next: state(0, Step::Prevote),
        },
        Case {
            name: "L34: fewer than 2f+1 prevotes: nothing",
            start: Some(state(0, Step::Prevote)),
            given: vec![fx.prevote(o[0], 0, Some(A))],
            input: fx.prevote(o[1], 0, Some(B)),
            expect: vec![],
            next: state(0, Step::Prevote),
        },
        Case {
            name: "L36-43: the proposal and 2f+1 prevotes for it in the prevote step: lock, precommit",
            start: Some(state(0, Step::Prevote)),
            given: proposal_and_two.clone(),
            input: fx.prevote(o[2], 0, Some(A)),
            expect: vec![Output::Persist(locked_a), fx.my_vote(0, Precommit, Some(A))],
            next: locked_a,
        },
        Case {
            name: "L36, L42-43: already precommitted: only the valid value and round move",
            start: Some(state(0, Step::Precommit)),
            given: proposal_and_two.clone(),
            input: fx.prevote(o[2], 0, Some(A)),
            expect: vec![Output::Persist(State { valid: at(0, A), ..state(0, Step::Precommit) })],
            next: State { valid: at(0, A), ..state(0, Step::Precommit) },
        },
        Case {
            name: "L36: 2f+1 prevotes for a value judged invalid: no lock",
            start: Some(state(0, Step::Prevote)),
            given: concat(vec![fx.judged_proposal(0, A, None, false), fx.votes(Prevote, 0, Some(A), 2)]),
            input: fx.prevote(o[2], 0, Some(A)),
            expect: vec![fx.timeout(0, TimeoutKind::Prevote)],
            next: state(0, Step::Prevote),
        },
        Case {
            name: "L36: 2f+1 prevotes before the proposal: lock when it arrives",
            start: Some(state(0, Step::Prevote)),
            given: concat(vec![fx.votes(Prevote, 0, Some(A), 3), vec![fx.proposal(0, A, None)]]),
            input: verdict(A, true),
            expect: vec![Output::Persist(locked_a), fx.my_vote(0, Precommit, Some(A))],
            next: locked_a,
        },
        Case {
            name: "L44-46: 2f+1 nil prevotes in the prevote step: precommit nil",
            start: Some(state(0, Step::Prevote)),
            given: fx.votes(Prevote, 0, None, 2),
            input: fx.prevote(o[2], 0, None),
            expect: vec![Output::Persist(state(0, Step::Precommit)), fx.my_vote(0, Precommit, None)],
            next: state(0, Step::Precommit),
        },
        Case {
            name: "L44: 2f+1 nil prevotes after precommitting: nothing",
            start: Some(state(0, Step::Precommit)),
            given: fx.votes(Prevote, 0, None, 2),
            input: fx.prevote(o[2], 0, None),
            expect: vec![],
            next: state(0, Step::Precommit),
        },
    ]);
}

#[test]
fn voting_power_is_weighted() {
    // Powers in key order; the heavy validator (power 3 of 6) is the node under test's
    // peer. 3 + 1 = 4 is not more than two thirds of 6; 3 + 1 + 1 = 5 is.
    let fx = Fixture::with_powers(&[3, 1, 1, 1], 1);
    let heavy = 0;
    assert_ne!(fx.me, heavy, "fixture: the heavy validator is a peer");
    let light: Vec<usize> = fx.others().into_iter().filter(|&i| i != heavy).collect();
    let mut round_5_entry =
        vec![Output::Persist(state(5, Step::Propose)), fx.timeout(5, TimeoutKind::Propose)];
    if fx.proposer(5) == fx.me {
        round_5_entry.push(Output::GetValue { height: H, round: 5 });
    }
    fx.run(vec![
        Case {
            name: "L44: power 4 of 6 is not 2f+1",
            start: Some(state(0, Step::Prevote)),
            given: vec![fx.prevote(heavy, 0, None)],
            input: fx.prevote(light[0], 0, None),
            expect: vec![],
            next: state(0, Step::Prevote),
        },
        Case {
            name: "L44: power 5 of 6 is 2f+1",
            start: Some(state(0, Step::Prevote)),
            given: vec![fx.prevote(heavy, 0, None), fx.prevote(light[0], 0, None)],
            input: fx.prevote(light[1], 0, None),
            expect: vec![Output::Persist(state(0, Step::Precommit)), fx.my_vote(0, Precommit, None)],
            next: state(0, Step::Precommit),
        },
        Case {
            name: "L55: one light validator (1 of 6) is not f+1",
            start: Some(state(0, Step::Prevote)),
            given: vec![],
            input: fx.prevote(light[0], 5, None),
            expect: vec![],
            next: state(0, Step::Prevote),
        },
        Case {
            name: "L55: the heavy validator alone (3 of 6) is f+1: skip to its round",
            start: Some(state(0, Step::Prevote)),
            given: vec![],
            input: fx.prevote(heavy, 5, None),
            expect: round_5_entry,
            next: state(5, Step::Propose),
        },
    ]);
}
