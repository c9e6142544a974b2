//! Moving between rounds: the precommit timeout (lines 65-67), the f+1 round skip
//! (lines 55-56), and equivocation evidence.

use crate::fixture::*;
use jcm_consensus::*;
use VoteKind::Prevote;

#[test]
fn round_changes() {
    let fx = Fixture::four();
    let o = fx.others();
    let locked = State { locked: at(0, A), valid: at(0, A), ..state(0, Step::Precommit) };
    fx.run(vec![
        Case {
            name: "L65-67: precommit timeout starts the next round, keeping the lock",
            start: Some(locked),
            given: vec![],
            input: timeout_elapsed(0, TimeoutKind::Precommit),
            expect: vec![
                Output::Persist(State { round: 1, step: Step::Propose, ..locked }),
                fx.timeout(1, TimeoutKind::Propose),
            ],
            next: State { round: 1, step: Step::Propose, ..locked },
        },
        Case {
            name: "L66: precommit timeout of an earlier round does nothing",
            start: Some(state(1, Step::Prevote)),
            given: vec![],
            input: timeout_elapsed(0, TimeoutKind::Precommit),
            expect: vec![],
            next: state(1, Step::Prevote),
        },
        Case {
            name: "L55-56: f+1 messages of a higher round: jump to it",
            start: Some(state(0, Step::Prevote)),
            given: vec![fx.prevote(o[0], 2, None)],
            input: fx.precommit(o[1], 2, Some(A)),
            expect: vec![Output::Persist(state(2, Step::Propose)), fx.timeout(2, TimeoutKind::Propose)],
            next: state(2, Step::Propose),
        },
        Case {
            name: "L55: a proposal counts as a message of its round",
            start: Some(state(0, Step::Prevote)),
            given: vec![fx.proposal(2, B, None)],
            input: fx.prevote(o.iter().copied().find(|&i| i != fx.proposer(2)).unwrap(), 2, None),
            expect: vec![Output::Persist(state(2, Step::Propose)), fx.timeout(2, TimeoutKind::Propose)],
            next: state(2, Step::Propose),
        },
        Case {
            name: "L55: f messages of a higher round are not enough",
            start: Some(state(0, Step::Prevote)),
            given: vec![],
            input: fx.prevote(o[0], 2, None),
            expect: vec![],
            next: state(0, Step::Prevote),
        },
        Case {
            name: "L55: two votes of one validator count once",
            start: Some(state(0, Step::Prevote)),
            given: vec![fx.prevote(o[0], 2, None)],
            input: fx.precommit(o[0], 2, None),
            expect: vec![],
            next: state(0, Step::Prevote),
        },
        Case {
            name: "L55, L11-21: jumping into the round this node proposes asks for a value",
            start: Some(state(0, Step::Prevote)),
            given: vec![fx.prevote(o[0], 3, None)],
            input: fx.prevote(o[1], 3, None),
            expect: vec![
                Output::Persist(state(3, Step::Propose)),
                fx.timeout(3, TimeoutKind::Propose),
                Output::GetValue { height: H, round: 3 },
            ],
            next: state(3, Step::Propose),
        },
    ]);
}

#[test]
fn equivocation_yields_evidence() {
    let fx = Fixture::four();
    let o = fx.others();
    let first = fx.signed_vote(o[0], 0, Prevote, Some(A));
    let second = fx.signed_vote(o[0], 0, Prevote, Some(B));
    let third = fx.signed_vote(o[0], 0, Prevote, None);
    let evidence = Evidence::new(first.clone(), second.clone()).unwrap();
    fx.run(vec![
        Case {
            name: "two prevotes of one validator for different values: evidence",
            start: Some(state(0, Step::Prevote)),
            given: vec![Input::Vote(first.clone())],
            input: Input::Vote(second.clone()),
            expect: vec![Output::Evidence(Box::new(evidence.clone()))],
            next: state(0, Step::Prevote),
        },
        Case {
            name: "the same vote twice is a duplicate, not evidence",
            start: Some(state(0, Step::Prevote)),
            given: vec![Input::Vote(first.clone())],
            input: Input::Vote(first.clone()),
            expect: vec![],
            next: state(0, Step::Prevote),
        },
        Case {
            // The third vote is kept (another validator backs nil, nobody B), yet
            // reports nothing new.
            name: "one piece of evidence per validator and slot",
            start: Some(state(0, Step::Prevote)),
            given: vec![Input::Vote(first.clone()), Input::Vote(second), fx.prevote(o[1], 0, None)],
            input: Input::Vote(third),
            expect: vec![],
            next: state(0, Step::Prevote),
        },
    ]);
    assert_eq!(evidence.verify(), Ok(()));
}

#[test]
fn an_equivocator_counts_once_per_value_and_once_for_any() {
    // o[0] prevotes A and nil. The paper counts messages from distinct validators, so
    // its nil prevote counts towards nil, but o[0] counts once towards "any".
    let fx = Fixture::four();
    let o = fx.others();
    let both = vec![fx.prevote(o[0], 0, Some(A)), fx.prevote(o[0], 0, None)];
    fx.run(vec![
        Case {
            name: "L34: an equivocator and one more validator are not 2f+1 of any kind",
            start: Some(state(0, Step::Prevote)),
            given: both.clone(),
            input: fx.prevote(o[1], 0, None),
            expect: vec![],
            next: state(0, Step::Prevote),
        },
        Case {
            name: "L44: the equivocator's nil prevote and two more are 2f+1 nil",
            start: Some(state(0, Step::Prevote)),
            given: concat(vec![both.clone(), vec![fx.prevote(o[1], 0, None)]]),
            input: fx.prevote(o[2], 0, None),
            expect: vec![
                Output::Persist(state(0, Step::Precommit)),
                fx.my_vote(0, VoteKind::Precommit, None),
            ],
            next: state(0, Step::Precommit),
        },
    ]);
}
