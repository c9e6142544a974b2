//! The simulated parts of a node: its clock (the world's virtual time, skewed and
//! drifting), its consensus timeouts, the fixture with the run's validators, and a
//! one-line summary of a message for the trace.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use jcm_consensus::{KeySigner, Signer as _, ValidatorKey};
use jcm_node::engine::Clock;
use jcm_node::home::config::ConsensusConfig;
use jcm_node::wire::Message;
use jcm_runtime::crypto::SecretKey;
use jcm_tests::fixture::{Fixture, Patch};

/// A node's clock: the world's virtual time, skewed and drifting.
#[derive(Clone, Debug)]
pub struct SimClock {
    pub now: Rc<Cell<u64>>,
    pub epoch_ms: u64,
    pub skew_ms: i64,
    pub drift_ppm: i64,
}

impl Clock for SimClock {
    fn now(&self) -> Duration {
        let t = self.now.get() as i64;
        let local = t + t * self.drift_ppm / 1_000_000 + self.skew_ms;
        Duration::from_millis(self.epoch_ms.saturating_add_signed(local))
    }
}

/// The simulation's consensus timeouts: short, in virtual ms.
pub fn sim_consensus() -> ConsensusConfig {
    ConsensusConfig {
        timeout_propose_ms: 300,
        timeout_propose_delta_ms: 100,
        timeout_prevote_ms: 150,
        timeout_prevote_delta_ms: 50,
        timeout_precommit_ms: 150,
        timeout_precommit_delta_ms: 50,
        timeout_commit_ms: 20,
    }
}

/// Fixture F0 with the run's validators, of these powers, in place of its own.
pub fn fixture(powers: &[u64]) -> Fixture {
    let validators: Vec<serde_json::Value> = (0..powers.len())
        .map(|i| {
            serde_json::json!({
                "name": format!("sim-validator-{i}"),
                "public_key": format!("dev:sim-validator-{i}"),
                "power": powers[i],
                "party": if i % 2 == 0 { "IND" } else { "JPN" },
            })
        })
        .collect();
    let patch = Patch { pointer: "/validators".into(), value: serde_json::Value::Array(validators) };
    Fixture::from_json(jcm_tests::fixture::F0_JSON, &[patch]).expect("F0 with the simulation's validators")
}

/// The validator keys of a run of `n`, by validator index.
pub fn validator_keys(n: usize) -> Vec<ValidatorKey> {
    (0..n).map(|i| KeySigner::from_secret(&validator_secret(i)).public_key()).collect()
}

/// The seed of validator `i`'s key.
pub fn validator_secret(i: usize) -> [u8; 32] {
    SecretKey::dev(&format!("sim-validator-{i}")).seed()
}

/// A message in a few words, for the trace.
pub fn brief(message: &Message) -> String {
    match message {
        Message::Proposal { proposal, block } => {
            let p = &proposal.proposal;
            format!("PROPOSAL h={} r={} txs={} vr={:?}", p.height, p.round, block.txs.len(), p.valid_round)
        }
        Message::Vote(v) => {
            let v = &v.vote;
            format!("{:?} h={} r={} {:?}", v.kind, v.height, v.round, v.value.map(|x| x.0[0]))
        }
        Message::Txs(txs) => format!("TXS {}", txs.len()),
        Message::Status { height } => format!("STATUS {height}"),
    }
}
