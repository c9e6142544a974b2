//! Starting a height and a round, proposing, and the propose timeout
//! (lines 10-21, 57-60).

use crate::fixture::*;
use jcm_consensus::*;

#[test]
fn start_round_and_propose() {
    let fx = Fixture::four();
    let me_round = 3;
    let locked_b = State { locked: at(1, B), valid: at(1, B), ..state(2, Step::Precommit) };
    fx.run(vec![
        Case {
            name: "L10, L11-13, L21: a non-proposer starts round 0 and arms the propose timeout",
            start: None,
            given: vec![],
            input: Input::StartHeight {
                height: H,
                validators: fx.validators.clone(),
            },
            expect: vec![
                Output::Persist(state(0, Step::Propose)),
                fx.timeout(0, TimeoutKind::Propose),
            ],
            next: state(0, Step::Propose),
        },
        Case {
            name: "L14, L18, L21: the proposer with no valid value asks for one (and arms the propose timeout too)",
            start: Some(state(me_round - 1, Step::Precommit)),
            given: vec![],
            input: timeout_elapsed(me_round - 1, TimeoutKind::Precommit),
            expect: vec![
                Output::Persist(state(me_round, Step::Propose)),
                fx.timeout(me_round, TimeoutKind::Propose),
                Output::GetValue {
                    height: H,
                    round: me_round,
                },
            ],
            next: state(me_round, Step::Propose),
        },
        Case {
            name: "L19: the value supplied is proposed with valid round -1",
            start: Some(state(me_round, Step::Propose)),
            given: vec![],
            input: Input::ProposeValue {
                height: H,
                round: me_round,
                value: A,
            },
            expect: vec![Output::Broadcast(Message::Proposal(
                fx.proposal_msg(me_round, A, None),
            ))],
            next: state(me_round, Step::Propose),
        },
        Case {
            name: "L19: a value for another round is ignored",
            start: Some(state(me_round, Step::Propose)),
            given: vec![],
            input: Input::ProposeValue {
                height: H,
                round: me_round - 1,
                value: A,
            },
            expect: vec![],
            next: state(me_round, Step::Propose),
        },
        Case {
            name: "L15-16, L19: the proposer re-proposes its valid value with its valid round",
            start: Some(locked_b),
            given: vec![],
            input: timeout_elapsed(me_round - 1, TimeoutKind::Precommit),
            expect: vec![
                Output::Persist(State {
                    round: me_round,
                    step: Step::Propose,
                    ..locked_b
                }),
                Output::Broadcast(Message::Proposal(fx.proposal_msg(me_round, B, Some(1)))),
                fx.timeout(me_round, TimeoutKind::Propose),
            ],
            next: State {
                round: me_round,
                step: Step::Propose,
                ..locked_b
            },
        },
        Case {
            name: "L22 (wait): a proposal is kept and its value sent for validation",
            start: Some(state(0, Step::Propose)),
            given: vec![],
            input: fx.proposal(0, A, None),
            expect: vec![Output::Validate {
                height: H,
                value: A,
            }],
            next: state(0, Step::Propose),
        },
    ]);
}

#[test]
fn propose_timeout() {
    let fx = Fixture::four();
    fx.run(vec![
        Case {
            name: "L57-60: propose timeout in the propose step prevotes nil",
            start: Some(state(0, Step::Propose)),
            given: vec![],
            input: timeout_elapsed(0, TimeoutKind::Propose),
            expect: vec![Output::Persist(state(0, Step::Prevote)), fx.my_vote(0, VoteKind::Prevote, None)],
            next: state(0, Step::Prevote),
        },
        Case {
            name: "L58: a propose timeout of an earlier round does nothing",
            start: Some(state(1, Step::Propose)),
            given: vec![],
            input: timeout_elapsed(0, TimeoutKind::Propose),
            expect: vec![],
            next: state(1, Step::Propose),
        },
        Case {
            name: "L58: a propose timeout after prevoting does nothing",
            start: Some(state(0, Step::Prevote)),
            given: vec![],
            input: timeout_elapsed(0, TimeoutKind::Propose),
            expect: vec![],
            next: state(0, Step::Prevote),
        },
    ]);
}

/// Recognises the expected error of a row.
type IsExpected = fn(&InputError) -> bool;

#[test]
fn refused_inputs_change_nothing() {
    let fx = Fixture::four();
    let config = fx.config();
    let (mut core, _) = Core::restore(config, fx.validators.clone(), state(0, Step::Propose));
    let not_proposer = {
        let mut signer = KeySigner::from_secret(&[9; 32]);
        let mut p = fx.proposal_msg(0, A, None);
        p.proposer = signer.public_key();
        Input::Proposal(signer.sign_proposal(&p).unwrap())
    };
    let mut forged = fx.signed_vote(fx.others()[0], 0, VoteKind::Prevote, Some(A));
    forged.vote.value = Some(B);
    let stranger = {
        let mut signer = KeySigner::from_secret(&[9; 32]);
        let mut vote = fx.vote(0, 0, VoteKind::Prevote, None);
        vote.validator = signer.public_key();
        Input::Vote(signer.sign_vote(&vote).unwrap())
    };
    let mut far = fx.signed_vote(0, 0, VoteKind::Prevote, None);
    far.vote.height = H + 1;
    let cases: Vec<(&str, Input, IsExpected)> = vec![
        ("proposal from a non-proposer", not_proposer, |e| *e == InputError::NotProposer),
        ("valid round not below the round", fx.proposal(0, A, Some(0)), |e| *e == InputError::BadValidRound),
        ("forged vote", Input::Vote(forged), |e| matches!(e, InputError::Signature(_))),
        ("vote from a stranger", stranger, |e| matches!(e, InputError::Signature(_))),
        ("vote for a future height", Input::Vote(far), |e| matches!(e, InputError::FutureHeight { .. })),
        ("vote too many rounds ahead", fx.prevote(0, 1000, None), |e| {
            matches!(e, InputError::RoundTooFar { .. })
        }),
    ];
    for (name, input, expected) in cases {
        let error = core.handle(input).expect_err(name);
        assert!(expected(&error), "{name}: {error:?}");
        assert_eq!(core.state(), Some(&state(0, Step::Propose)), "{name}");
    }
}
