//! Validator-set changes under faults ([`crate::plan::Kind::Membership`]): a script of
//! governance proposals that the world submits, as a Party's designated authority would,
//! through the engines' API, while the network drops, delays and partitions messages,
//! nodes crash and restart, and a liar rewrites its sends.
//!
//! Four genesis validators (India's 0 and 2, Japan's 1 and 3, power 1 each) and two nodes
//! whose keys are in no set at genesis (4 and 5, observers) go through, one change after
//! the other, each decided by India's authority proposing and Japan's approving (each
//! Party holds half the power, so both are needed):
//!
//! 1. validator 4 joins (India's, power 1): its node starts validating;
//! 2. validator 1 rotates its key to key 5: node 5 validates in its place, node 1 observes;
//! 3. validator 0's power becomes 2;
//! 4. validator 2 leaves: its node observes.
//!
//! A proposal that expires (its approval lost in a partition) is proposed again. The
//! world checks agreement and validity throughout, as in every kind; at the end every
//! change must have taken effect, every node must have committed past the last one, and
//! every node up must be validating exactly when its key is in the set the chain names.

use jcm_consensus::ValidatorKey;
use jcm_node::engine::Chain as _;
use jcm_runtime::crypto::PublicKey;
use jcm_runtime::model::{Text, Validator};
use jcm_runtime::protocol::{GovChange, Payload, ProposalState, ValidatorChange};
use jcm_runtime::state::ReadStore;
use jcm_runtime::tx::gov::GovState as _;

use crate::parts::validator_keys;

/// Genesis validators of the script.
pub const GENESIS_VALIDATORS: usize = 4;
/// Nodes with no key in the genesis set.
pub const JOINERS: usize = 2;
/// Heights between a proposal and its deadline.
const DEADLINE_BLOCKS: u64 = 6;
/// Virtual ms to wait for a submitted transaction before submitting it again.
const RESUBMIT_MS: u64 = 3_000;
/// The proposing authority (India's) and the approving one (Japan's).
pub const PROPOSER: &str = "NDAIAPA";
pub const APPROVER: &str = "MOEJ";

/// The script's progress.
#[derive(Debug)]
pub struct Script {
    steps: Vec<ValidatorChange>,
    approver: &'static str,
    step: usize,
    /// What was last submitted for the step in progress, and when.
    submitted: Option<(Submitted, u64)>,
    /// The height each step took effect at.
    pub took_effect: Vec<u64>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Submitted {
    Proposal,
    Approval(u64),
}

/// A transaction the world should sign and submit.
#[derive(Debug)]
pub struct Action {
    pub officer: &'static str,
    pub payload: Payload,
    pub note: String,
}

fn key(k: ValidatorKey) -> PublicKey {
    PublicKey(k.0)
}

impl Script {
    pub fn new(approver: &'static str) -> Self {
        let keys = validator_keys(GENESIS_VALIDATORS + JOINERS);
        let steps = vec![
            ValidatorChange::Add {
                validator: Validator {
                    name: Text::new("sim-validator-4").expect("short"),
                    public_key: key(keys[4]),
                    power: 1,
                    party: "IND".parse().expect("a Party"),
                },
                node_id: None,
            },
            ValidatorChange::RotateKey { key: key(keys[1]), new_key: key(keys[5]) },
            ValidatorChange::SetPower { key: key(keys[0]), power: 2 },
            ValidatorChange::Remove { key: key(keys[2]) },
        ];
        Self { steps, approver, step: 0, submitted: None, took_effect: Vec::new() }
    }

    /// Every change took effect.
    pub fn finished(&self) -> bool {
        self.step == self.steps.len()
    }

    /// The step in progress (for a report).
    pub fn step(&self) -> usize {
        self.step
    }

    /// The next transaction to submit, judged from a committed state at height
    /// `height`, at virtual time `now`; none while the last one may still be on its way.
    pub fn next(&mut self, state: &dyn ReadStore, height: u64, now: u64) -> Option<Action> {
        while !self.finished() {
            let change = &self.steps[self.step];
            // Every proposal of this change: a resubmission may have proposed it twice,
            // and the one that passes is not always the latest.
            let proposals: Vec<_> = state
                .proposals()
                .into_iter()
                .filter(|p| matches!(&p.change, GovChange::ChangeValidators { change: c, .. } if c == change))
                .collect();
            let decided = proposals
                .iter()
                .find(|p| p.state == ProposalState::Executed)
                .or_else(|| proposals.iter().find(|p| p.state == ProposalState::Approved));
            match decided.or(proposals.last()).cloned() {
                Some(p) if p.state == ProposalState::Executed => {
                    self.took_effect.push(p.closed_at.unwrap_or(height));
                    self.step += 1;
                    self.submitted = None;
                }
                // Approved: scheduled, waiting for its height.
                Some(p) if p.state == ProposalState::Approved => return None,
                Some(p) if p.state == ProposalState::Open && height <= p.deadline => {
                    let officer = self.approver;
                    return self.submit(Submitted::Approval(p.id), now, || Action {
                        officer,
                        payload: Payload::ApproveProposal { proposal: p.id },
                        note: format!("approve proposal {}", p.id),
                    });
                }
                // None yet, or expired or rejected: propose it (again).
                _ => {
                    let deadline = height + DEADLINE_BLOCKS;
                    let effective_height = deadline + jcm_runtime::limits::GOV_EFFECT_DELAY_BLOCKS;
                    let step = self.step;
                    let change = change.clone();
                    return self.submit(Submitted::Proposal, now, || Action {
                        officer: PROPOSER,
                        payload: Payload::Propose {
                            change: GovChange::ChangeValidators { change, effective_height },
                            deadline,
                        },
                        note: format!("propose step {step}, effective at {effective_height}"),
                    });
                }
            }
        }
        None
    }

    fn submit(&mut self, what: Submitted, now: u64, action: impl FnOnce() -> Action) -> Option<Action> {
        if let Some((last, at)) = self.submitted {
            if last == what && now < at + RESUBMIT_MS {
                return None;
            }
        }
        self.submitted = Some((what, now));
        Some(action())
    }
}

/// Whether `key` is in the set that decides the height after the state's block.
pub fn in_next_set(chain: &jcm_node::engine::MemChain, key: ValidatorKey) -> bool {
    let height = chain.height();
    chain.with_state(|state| jcm_runtime::tx::gov::sets_after(state, height).next.get(&key).is_some())
}
