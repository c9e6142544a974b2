//! Precommits: the prevote timeout (lines 61-64), 2f+1 precommits of any kind (lines
//! 47-48) and deciding (lines 49-54).

use crate::fixture::*;
use jcm_consensus::*;
use VoteKind::Precommit;

fn certificate(fx: &Fixture, round: u32, value: ValueId, signers: &[usize]) -> CommitCertificate {
    let mut signatures: Vec<CommitSignature> = signers
        .iter()
        .map(|&i| CommitSignature {
            validator: fx.key(i),
            signature: fx.signed_vote(i, round, Precommit, Some(value)).signature,
        })
        .collect();
    signatures.sort();
    CommitCertificate { height: H, round, value, signatures }
}

fn decision(fx: &Fixture, round: u32, value: ValueId, signers: &[usize]) -> Output {
    Output::Decide(Decision { height: H, round, value, certificate: certificate(fx, round, value, signers) })
}

#[test]
fn prevote_timeout() {
    let fx = Fixture::four();
    fx.run(vec![
        Case {
            name: "L61-64: prevote timeout in the prevote step precommits nil",
            start: Some(state(0, Step::Prevote)),
            given: vec![],
            input: timeout_elapsed(0, TimeoutKind::Prevote),
            expect: vec![Output::Persist(state(0, Step::Precommit)), fx.my_vote(0, Precommit, None)],
            next: state(0, Step::Precommit),
        },
        Case {
            name: "L62: prevote timeout after precommitting does nothing",
            start: Some(state(0, Step::Precommit)),
            given: vec![],
            input: timeout_elapsed(0, TimeoutKind::Prevote),
            expect: vec![],
            next: state(0, Step::Precommit),
        },
        Case {
            name: "L62: prevote timeout of an earlier round does nothing",
            start: Some(state(1, Step::Prevote)),
            given: vec![],
            input: timeout_elapsed(0, TimeoutKind::Prevote),
            expect: vec![],
            next: state(1, Step::Prevote),
        },
    ]);
}

#[test]
fn two_thirds_of_precommits() {
    let fx = Fixture::four();
    let o = fx.others();
    let decided = |round| State { decided: at(round, A), ..state(2, Step::Precommit) };
    fx.run(vec![
        Case {
            name: "L47-48: 2f+1 precommits of mixed values: arm the precommit timeout",
            start: Some(state(0, Step::Precommit)),
            given: vec![fx.precommit(o[0], 0, Some(A)), fx.precommit(o[1], 0, None)],
            input: fx.precommit(o[2], 0, Some(B)),
            expect: vec![fx.timeout(0, TimeoutKind::Precommit)],
            next: state(0, Step::Precommit),
        },
        Case {
            name: "L47: also in the propose step",
            start: Some(state(0, Step::Propose)),
            given: vec![fx.precommit(o[0], 0, Some(A)), fx.precommit(o[1], 0, None)],
            input: fx.precommit(o[2], 0, Some(B)),
            expect: vec![fx.timeout(0, TimeoutKind::Precommit)],
            next: state(0, Step::Propose),
        },
        Case {
            name: "L49-51: the proposal and 2f+1 precommits for it: decide with a certificate",
            start: Some(state(2, Step::Precommit)),
            given: concat(vec![fx.judged_proposal(2, A, None, true), fx.votes(Precommit, 2, Some(A), 2)]),
            input: fx.precommit(o[2], 2, Some(A)),
            expect: vec![Output::Persist(decided(2)), decision(&fx, 2, A, &o)],
            next: decided(2),
        },
        Case {
            name: "L49: decide for a past round, whatever the current round and step",
            start: Some(state(2, Step::Precommit)),
            given: concat(vec![fx.votes(Precommit, 0, Some(A), 3), vec![fx.proposal(0, A, None)]]),
            input: verdict(A, true),
            expect: vec![Output::Persist(decided(0)), decision(&fx, 0, A, &o)],
            next: decided(0),
        },
        Case {
            name: "L49: 2f+1 precommits without the proposal: no decision yet",
            start: Some(state(2, Step::Precommit)),
            given: fx.votes(Precommit, 0, Some(A), 2),
            input: fx.precommit(o[2], 0, Some(A)),
            expect: vec![],
            next: state(2, Step::Precommit),
        },
        Case {
            name: "L50: a value judged invalid is never decided",
            start: Some(state(2, Step::Precommit)),
            given: concat(vec![fx.votes(Precommit, 0, Some(A), 3), vec![fx.proposal(0, A, None)]]),
            input: verdict(A, false),
            expect: vec![],
            next: state(2, Step::Precommit),
        },
        Case {
            name: "L49: once decided, further messages change nothing",
            start: Some(state(2, Step::Precommit)),
            given: concat(vec![fx.judged_proposal(2, A, None, true), fx.votes(Precommit, 2, Some(A), 3)]),
            input: timeout_elapsed(2, TimeoutKind::Precommit),
            expect: vec![],
            next: decided(2),
        },
    ]);
}

#[test]
fn a_decided_height_hands_over_to_the_next() {
    let fx = Fixture::four();
    let (mut core, _) = Core::restore(fx.config(), fx.validators.clone(), state(0, Step::Precommit));
    for input in concat(vec![fx.judged_proposal(0, A, None, true), fx.votes(Precommit, 0, Some(A), 3)]) {
        core.handle(input).unwrap();
    }
    assert_eq!(core.state().unwrap().decided, at(0, A));
    // L52-54: the caller starts the next height, with fresh lock and valid values.
    let outputs =
        core.handle(Input::StartHeight { height: H + 1, validators: fx.validators.clone() }).unwrap();
    assert_eq!(outputs[0], Output::Persist(State::initial(H + 1)));
    assert_eq!(
        core.handle(Input::StartHeight { height: H, validators: fx.validators.clone() }),
        Err(InputError::PastHeight { height: H, current: H + 1 })
    );
    let late = fx.prevote(0, 0, Some(A));
    assert!(matches!(core.handle(late), Err(InputError::PastHeight { .. })));
}
