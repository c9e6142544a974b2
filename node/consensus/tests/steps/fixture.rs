//! Shared fixture of the step tests: four validators of equal power (or a weighted set),
//! signed messages from any of them, and the runner of a table.

use jcm_consensus::*;

/// Value ids used in the tables.
pub const A: ValueId = ValueId([0xa; 32]);
pub const B: ValueId = ValueId([0xb; 32]);
/// The height every table runs at.
pub const H: u64 = 1;

/// One row of a step table.
pub struct Case {
    pub name: &'static str,
    /// State to restore the core to (`None`: a fresh core, not started).
    pub start: Option<State>,
    /// Inputs that arrived before; their outputs are not checked.
    pub given: Vec<Input>,
    pub input: Input,
    pub expect: Vec<Output>,
    pub next: State,
}

pub struct Fixture {
    secrets: Vec<[u8; 32]>,
    pub validators: ValidatorSet,
    /// Index of the node under test.
    pub me: usize,
    pub chain: ChainId,
}

impl Fixture {
    /// Four validators of power 1; the node under test proposes round 3 at height 1.
    pub fn four() -> Self {
        Self::with_powers(&[1, 1, 1, 1], 3)
    }

    /// Validators with these powers (in key order); the node under test is the proposer
    /// of `my_round` at height 1.
    pub fn with_powers(powers: &[u64], my_round: u32) -> Self {
        let mut secrets: Vec<[u8; 32]> = (1..=powers.len() as u8).map(|i| [i; 32]).collect();
        secrets.sort_by_key(|s| KeySigner::from_secret(s).public_key());
        let members: Vec<_> =
            secrets.iter().zip(powers).map(|(s, &p)| (KeySigner::from_secret(s).public_key(), p)).collect();
        let validators = ValidatorSet::new(&members).unwrap();
        let mut fixture = Self { secrets, validators, me: 0, chain: ChainId::new("jcm-steps").unwrap() };
        fixture.me = fixture.proposer(my_round);
        fixture
    }

    pub fn key(&self, i: usize) -> ValidatorKey {
        KeySigner::from_secret(&self.secrets[i]).public_key()
    }

    /// Index of the proposer of `round` at height `H`.
    pub fn proposer(&self, round: u32) -> usize {
        let key = ProposerSchedule::new(&self.validators).proposer(H, round);
        (0..self.secrets.len()).find(|&i| self.key(i) == key).unwrap()
    }

    /// Indices of validators other than the node under test, the proposer of `round`
    /// first when it is not the node under test.
    pub fn others(&self) -> Vec<usize> {
        (0..self.secrets.len()).filter(|&i| i != self.me).collect()
    }

    pub fn config(&self) -> Config {
        Config { chain_id: self.chain.clone(), own_key: self.key(self.me), timeouts: Timeouts::default() }
    }

    pub fn vote(&self, i: usize, round: u32, kind: VoteKind, value: Option<ValueId>) -> Vote {
        Vote { chain_id: self.chain.clone(), height: H, round, kind, value, validator: self.key(i) }
    }

    pub fn signed_vote(&self, i: usize, round: u32, kind: VoteKind, value: Option<ValueId>) -> SignedVote {
        let mut signer = KeySigner::from_secret(&self.secrets[i]);
        signer.sign_vote(&self.vote(i, round, kind, value)).unwrap()
    }

    pub fn prevote(&self, i: usize, round: u32, value: Option<ValueId>) -> Input {
        Input::Vote(self.signed_vote(i, round, VoteKind::Prevote, value))
    }

    pub fn precommit(&self, i: usize, round: u32, value: Option<ValueId>) -> Input {
        Input::Vote(self.signed_vote(i, round, VoteKind::Precommit, value))
    }

    pub fn proposal_msg(&self, round: u32, value: ValueId, valid_round: Option<u32>) -> Proposal {
        Proposal {
            chain_id: self.chain.clone(),
            height: H,
            round,
            value,
            valid_round,
            proposer: self.key(self.proposer(round)),
        }
    }

    /// A proposal signed by the proposer of `round`.
    pub fn proposal(&self, round: u32, value: ValueId, valid_round: Option<u32>) -> Input {
        let mut signer = KeySigner::from_secret(&self.secrets[self.proposer(round)]);
        Input::Proposal(signer.sign_proposal(&self.proposal_msg(round, value, valid_round)).unwrap())
    }

    /// The proposal of `round` followed by the verdict on its value.
    pub fn judged_proposal(&self, round: u32, value: ValueId, vr: Option<u32>, valid: bool) -> Vec<Input> {
        vec![self.proposal(round, value, vr), verdict(value, valid)]
    }

    /// Prevotes (or precommits) for `value` in `round` from the first `count` others.
    pub fn votes(&self, kind: VoteKind, round: u32, value: Option<ValueId>, count: usize) -> Vec<Input> {
        self.others()
            .into_iter()
            .take(count)
            .map(|i| Input::Vote(self.signed_vote(i, round, kind, value)))
            .collect()
    }

    /// `Broadcast` of the node's own vote.
    pub fn my_vote(&self, round: u32, kind: VoteKind, value: Option<ValueId>) -> Output {
        Output::Broadcast(Message::Vote(self.vote(self.me, round, kind, value)))
    }

    pub fn timeout(&self, round: u32, kind: TimeoutKind) -> Output {
        let rule = match kind {
            TimeoutKind::Propose => Timeouts::default().propose,
            TimeoutKind::Prevote => Timeouts::default().prevote,
            TimeoutKind::Precommit => Timeouts::default().precommit,
        };
        Output::ScheduleTimeout {
            timeout: Timeout { height: H, round, kind },
            after_ms: rule.duration_ms(round),
        }
    }

    /// Runs a table: every row from a fresh core.
    pub fn run(&self, cases: Vec<Case>) {
        for case in cases {
            let mut core = match case.start {
                Some(state) => Core::restore(self.config(), self.validators.clone(), state).0,
                None => Core::new(self.config()),
            };
            for (i, input) in case.given.into_iter().enumerate() {
                let result = core.handle(input);
                assert!(result.is_ok(), "{}: given input {i}: {result:?}", case.name);
            }
            let outputs = core.handle(case.input);
            assert_eq!(outputs.as_ref(), Ok(&case.expect), "{}: outputs", case.name);
            assert_eq!(core.state(), Some(&case.next), "{}: next state", case.name);
        }
    }
}

pub fn verdict(value: ValueId, valid: bool) -> Input {
    Input::Validity { height: H, value, valid }
}

pub fn timeout_elapsed(round: u32, kind: TimeoutKind) -> Input {
    Input::TimeoutElapsed(Timeout { height: H, round, kind })
}

/// A state at height `H`.
pub fn state(round: u32, step: Step) -> State {
    State { round, step, ..State::initial(H) }
}

pub fn at(round: u32, value: ValueId) -> Option<RoundValue> {
    Some(RoundValue { round, value })
}

pub fn concat(parts: Vec<Vec<Input>>) -> Vec<Input> {
    parts.into_iter().flatten().collect()
}
