//! What stops the engine before it commits something it must not. A one-validator engine
//! over the memory chain decides its own blocks.
//!
//! - R41: the engine runs the ledger invariants over every block it is about to commit;
//!   a block whose writes break one stops the node before anything of it is written,
//!   with a message naming the invariant. A chain whose execution adds a write no rule
//!   made stands in for a defect in a release or a corrupted store.
//! - R51: once governance plans protocol version V from height H, a release that does
//!   not run V commits H - 1 and stops, naming the version it needs.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::Duration;

use jcm_consensus::{ChainId, CommitCertificate};
use jcm_node::chain::ChainError;
use jcm_node::engine::{
    Chain, Clock, CommittedBytes, Effect, Engine, EngineError, EngineParts, Event, MemChain, Request,
};
use jcm_node::home::config::{ConsensusConfig, MempoolConfig};
use jcm_node::mempool::Checked;
use jcm_runtime::chain::Executed;
use jcm_runtime::codec::{self, Hash32};
use jcm_runtime::crypto::SecretKey;
use jcm_runtime::ids::Party;
use jcm_runtime::protocol::{Block, GovChange, Header, Payload, Transaction};
use jcm_runtime::state::{keys, LedgerTotals, ReadStore};
use jcm_tests::fixture::{Fixture, Patch, F0_JSON};

/// Virtual time, in ms since the Unix epoch.
#[derive(Clone, Debug)]
struct TestClock(Rc<Cell<u64>>);

impl Clock for TestClock {
    fn now(&self) -> Duration {
        Duration::from_millis(self.0.get())
    }
}

/// The memory chain, except that executing the block at `tamper_at` adds a ledger entry
/// for Japan's 2026 that no transaction made (the state root still covers the honest
/// writes only, so the block validates: only the invariants can tell).
#[derive(Debug)]
struct Tampered {
    inner: MemChain,
    tamper_at: Option<u64>,
}

impl Chain for Tampered {
    fn execute(
        &self,
        parent: &Header,
        header: &Header,
        txs: &[Transaction],
        verified: &dyn Fn(&Hash32) -> bool,
    ) -> Executed {
        let mut executed = self.inner.execute(parent, header, txs, verified);
        if self.tamper_at == Some(header.height) {
            let jpn = Party::new("JPN").expect("party");
            let forged = LedgerTotals { additions: 7, ..LedgerTotals::default() };
            executed.state_writes.insert(keys::ledger(&jpn, 2026), Some(codec::encode(&forged)));
        }
        executed
    }

    fn certificate(&self, height: u64) -> Result<Option<CommitCertificate>, ChainError> {
        self.inner.certificate(height)
    }

    fn committed_bytes(&self, height: u64) -> Result<Option<CommittedBytes>, ChainError> {
        self.inner.committed_bytes(height)
    }

    fn commit(
        &mut self,
        block: &Block,
        certificate: &CommitCertificate,
        executed: Executed,
    ) -> Result<(), ChainError> {
        self.inner.commit(block, certificate, executed)
    }

    fn with_state<R>(&self, f: impl FnOnce(&dyn ReadStore) -> R) -> R {
        self.inner.with_state(f)
    }
}

/// A single validator's engine over `chain`, its clock, and the fixture (its officers'
/// keys sign what the tests submit).
fn engine(tamper_at: Option<u64>) -> (Engine<Tampered, TestClock>, Vec<Effect>, Rc<Cell<u64>>, Fixture) {
    let secret = SecretKey::dev("solo-validator");
    let validators = serde_json::json!([{
        "name": "solo", "public_key": "dev:solo-validator", "power": 1, "party": "JPN",
    }]);
    let patch = Patch { pointer: "/validators".into(), value: validators };
    let fixture = Fixture::from_json(F0_JSON, &[patch]).expect("F0 with one validator");
    let (inner, head) = MemChain::new(&fixture.genesis).expect("genesis");
    let now = Rc::new(Cell::new(fixture.genesis.genesis_time.0 * 1000 + 3_600_000));
    let parts = EngineParts {
        chain: Tampered { inner, tamper_at },
        clock: TestClock(Rc::clone(&now)),
        chain_id: ChainId::new(fixture.genesis.chain_id.as_str()).expect("chain id"),
        validator_secret: secret.seed(),
        consensus: ConsensusConfig { timeout_commit_ms: 10, ..ConsensusConfig::default() },
        mempool: MempoolConfig::default(),
        head,
        records: Vec::new(),
    };
    let (engine, effects) = Engine::new(parts).expect("the engine starts");
    (engine, effects, now, fixture)
}

/// Runs the engine on its own timers until it has committed `height` or stopped, with the
/// transactions `submit` makes from the fixture submitted first.
fn run_to(
    height: u64,
    tamper_at: Option<u64>,
    submit: impl FnOnce(&Fixture) -> Vec<Transaction>,
) -> (Engine<Tampered, TestClock>, Result<(), EngineError>) {
    let (mut engine, mut effects, now, fixture) = engine(tamper_at);
    for tx in submit(&fixture) {
        let admitted = engine.handle(Event::Rpc(Request::Submit(Box::new(Checked::new(tx)))));
        effects.extend(admitted.expect("the engine admits a transaction"));
    }
    let mut timers = BTreeMap::new();
    let mut seq = 0u64;
    let mut pending = effects;
    for _ in 0..10_000 {
        for effect in pending.drain(..) {
            if let Effect::SetTimer { after, timer } = effect {
                seq += 1;
                timers.insert((now.get() + after.as_millis() as u64, seq), timer);
            }
        }
        if engine.head().height >= height {
            return (engine, Ok(()));
        }
        let Some(((at, _), timer)) = timers.pop_first() else { break };
        now.set(now.get().max(at));
        match engine.handle(Event::Timer(timer)) {
            Ok(effects) => pending = effects,
            Err(error) => return (engine, Err(error)),
        }
    }
    panic!("the engine neither reached height {height} nor stopped (head {})", engine.head().height);
}

#[test]
fn sound_blocks_pass_the_invariants_and_commit() {
    let (engine, outcome) = run_to(3, None, |_| Vec::new());
    outcome.expect("no invariant is broken by the runtime's own writes");
    assert_eq!(engine.head().height, 3);
}

#[test]
fn a_block_that_breaks_an_invariant_stops_the_node_before_it_commits() {
    let (engine, outcome) = run_to(3, Some(2), |_| Vec::new());
    let error = outcome.expect_err("the forged ledger entry is caught");
    match &error {
        EngineError::Invariant { height, violations } => {
            assert_eq!(*height, 2);
            assert!(
                violations.iter().any(|v| v.contains("ledger JPN 2026")),
                "the violation names the ledger entry: {violations:?}"
            );
        }
        other => panic!("expected an invariant violation, got {other}"),
    }
    assert_eq!(engine.head().height, 1, "the block that broke the invariant was not committed");
    let message = error.to_string();
    assert!(message.contains("R41") && message.contains("A6-8001"), "{message}");
}

#[test]
fn a_release_that_does_not_run_the_planned_protocol_stops_before_its_height() {
    let next = jcm_runtime::protocol::PROTOCOL_VERSION + 1;
    // Japan holds all the voting power here, so its authority's proposal passes at once.
    let (engine, outcome) = run_to(10, None, |fixture| {
        let key = fixture.key("MOEJ").expect("Japan's designated authority");
        let change = GovChange::PlanUpgrade { version: next, height: 6 };
        let propose = Payload::Propose { change, deadline: 3 };
        vec![Transaction::sign(fixture.genesis.chain_id.as_str(), key, 0, propose)]
    });
    match outcome.expect_err("the node stops at the upgrade height") {
        EngineError::Upgrade { height, needed } => assert_eq!((height, needed), (6, next)),
        other => panic!("expected the upgrade stop, got {other}"),
    }
    assert_eq!(engine.head().height, 5, "every height before the upgrade is committed");
}
