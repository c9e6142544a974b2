//! The world: N instances of the node's real consensus engine (`jcm_node::engine`), each
//! over its own in-memory chain, with a simulated disk for its write-ahead record, a
//! skewed and drifting clock, and one seeded network between them, driven by one ordered
//! event queue in virtual time.
//!
//! The world carries out each engine's effects in their order, as the node's actor does.
//! A crash can land between any two effects of an event (a write in progress is lost, or
//! part of its batch survives, as a torn tail does); a failed sync stops the node. The
//! sends of Byzantine liars go through the [`Adversary`]; twins are two engines sharing
//! one key. Transactions signed by the fixture's
//! officers are submitted to random nodes through the engine's API requests, relayed,
//! proposed, validated and executed by the real runtime, so state roots, nonces and the
//! mempool are exercised under the same faults as the votes.

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use jcm_consensus::{ChainId, ValidatorKey, VoteKind};
use jcm_node::engine::{Effect, Engine, EngineParts, Event, MemChain, Reply, Request, Timer};
use jcm_node::home::config::MempoolConfig;
use jcm_node::home::NodeId;
use jcm_node::mempool::Checked;
use jcm_node::wal::Record;
use jcm_node::wire::{Message, Request as PeerRequest};
use jcm_runtime::crypto::SecretKey;
use jcm_runtime::model::{AccountStatus, Text};
use jcm_runtime::protocol::{Payload, Transaction};
use jcm_tests::fixture::Fixture;

use crate::adversary::Adversary;
use crate::membership::Script;
use crate::parts::{brief, fixture, sim_consensus, validator_keys, validator_secret, SimClock};
use crate::plan::Plan;
use crate::rng::Rng;
use crate::trap::{self, Route};

/// Interval of the membership script's step, virtual ms.
const GOVERNANCE_MS: u64 = 400;
/// Interval of the gossip tick, virtual ms.
const GOSSIP_MS: u64 = 600;
/// Time after which an unanswered block request fails, virtual ms.
const FETCH_TIMEOUT_MS: u64 = 2_000;
/// Officers who submit transactions, and the account each one's registry administers.
const SIGNERS: [(&str, &str); 2] = [("IND01-ADMIN", "IND01-H-GOV"), ("JPN01-ADMIN", "JPN01-H-GOV")];

type SimEngine = Engine<MemChain, SimClock>;

/// A broken property.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Violation {
    /// Two honest nodes committed different blocks at one height.
    Agreement { height: u64, first: (usize, String), second: (usize, String) },
    /// Evidence names an honest validator: it signed two conflicting messages.
    HonestEquivocation { node: usize, culprit: String },
    /// An honest engine stopped with an error.
    Stopped { node: usize, error: String },
    /// An honest node committed a value the adversary invented (an invalid block).
    Validity { node: usize, height: u64, hash: String },
    /// The honest nodes did not all reach the target in time.
    Progress { at_ms: u64, heights: Vec<(usize, u64)>, target: u64 },
    /// Beyond the bound, with too few validators up for a quorum, a height past the one
    /// in flight at the crash was committed.
    BeyondBound { at_crash: u64, reached: u64 },
    /// Nothing submitted was ever committed.
    NoTransactions,
    /// In a trap whose height 1 decides in round 0 with sound timeouts, an honest node
    /// went on to a later round of it (a timeout started before its quorum, L34 or L47).
    LateRound { node: usize, round: u32 },
    /// A validator change of the membership script did not take effect in time, or a
    /// node validates while its key is out of the set (or observes while it is in).
    Membership { at_ms: u64, what: String },
}

/// What a run produced.
#[derive(Debug)]
pub struct Outcome {
    pub violation: Option<Violation>,
    pub digest: u64,
    pub events: u64,
    pub end_ms: u64,
    pub committed_txs: usize,
    /// The lies the adversary told, by kind.
    pub lies: BTreeMap<&'static str, u64>,
    /// The validators whose equivocation the longest honest chain recorded (R52), with
    /// the kind of the two messages (`prevote`, `precommit`, `proposal`).
    pub evidence_against: Vec<(ValidatorKey, &'static str)>,
    pub trace: Vec<String>,
}

#[derive(Debug)]
enum Ev {
    Deliver {
        from: usize,
        to: usize,
        bytes: Vec<u8>,
    },
    Timer {
        node: usize,
        life: u32,
        timer: Timer,
    },
    Gossip {
        node: usize,
    },
    /// A block request reaches `peer`.
    Ask {
        node: usize,
        life: u32,
        peer: usize,
        height: u64,
    },
    /// The answer (or the failure) reaches `node`.
    Answer {
        node: usize,
        life: u32,
        peer: usize,
        height: u64,
        answer: Result<Vec<u8>, String>,
    },
    Submit,
    /// The membership script's next step ([`crate::membership`]).
    Governance,
    Crash {
        node: usize,
    },
    /// The validators of [`Plan::crash_forever`] crash and never restart.
    CrashForever,
    Restart {
        node: usize,
    },
    Repartition,
    Heal,
}

struct Node {
    validator: usize,
    node_id: NodeId,
    engine: Option<SimEngine>,
    /// The chain while the node is down (it survives a crash, as RocksDB's batches do).
    resting: Option<MemChain>,
    /// The write-ahead record: each synced batch.
    disk: Vec<Vec<Record>>,
    clock: SimClock,
    life: u32,
    /// Crash before this effect of the next event (a fraction, per mille of its effects).
    crash_within: Option<u64>,
    /// Down for good.
    gone: bool,
}

pub struct World {
    plan: Plan,
    now: Rc<Cell<u64>>,
    seq: u64,
    queue: BTreeMap<(u64, u64), Ev>,
    nodes: Vec<Node>,
    honest: Vec<bool>,
    honest_keys: BTreeSet<ValidatorKey>,
    /// Instances whose sends the adversary rewrites.
    liars: Vec<bool>,
    adversary: Adversary,
    /// Highest honest height when the validators of [`Plan::crash_forever`] went down.
    at_crash: Option<u64>,
    by_id: BTreeMap<NodeId, usize>,
    groups: Vec<u32>,
    healed: bool,
    rng: Rng,
    fixture: Fixture,
    chain_id: ChainId,
    secrets: Vec<[u8; 32]>,
    committed: BTreeMap<u64, (usize, String)>,
    script: Option<Script>,
    digest: u64,
    events: u64,
    trace: Option<Vec<String>>,
}

impl World {
    pub fn new(plan: Plan, seed: u64, trace: bool) -> Self {
        let mut rng = Rng::new(seed);
        let fixture = fixture(&plan.powers);
        let keyed = plan.n + plan.joiners;
        let secrets: Vec<[u8; 32]> = (0..keyed).map(validator_secret).collect();
        let chain_id = ChainId::new(fixture.genesis.chain_id.as_str()).expect("chain id");
        let keys = validator_keys(keyed);
        let honest_keys = (0..keyed).filter(|&v| !plan.byzantine(v)).map(|v| keys[v]).collect();
        let liars: Vec<[u8; 32]> = plan.liars.iter().map(|&v| secrets[v]).collect();
        let adversary = Adversary::new(&liars, plan.n, chain_id.clone());
        let mut instances: Vec<usize> = (0..plan.n).collect();
        instances.extend(plan.twins.iter().copied());
        // The membership script's joiners: nodes whose keys no genesis set holds.
        instances.extend(plan.n..keyed);
        let now = Rc::new(Cell::new(0));
        let epoch_ms = fixture.genesis.genesis_time.0 * 1000 + 3_600_000;
        let nodes: Vec<Node> = instances
            .iter()
            .enumerate()
            .map(|(i, &validator)| Node {
                validator,
                node_id: NodeId(SecretKey::dev(&format!("sim-node-{i}")).public()),
                engine: None,
                resting: Some(MemChain::new(&fixture.genesis).expect("genesis").0),
                disk: Vec::new(),
                clock: SimClock {
                    now: Rc::clone(&now),
                    epoch_ms,
                    skew_ms: rng.range(0, 3000) as i64 - 1500,
                    drift_ppm: rng.range(0, 4000) as i64 - 2000,
                },
                life: 0,
                crash_within: None,
                gone: false,
            })
            .collect();
        let honest = instances.iter().map(|&v| !plan.byzantine(v)).collect();
        let plan_script = plan.membership.then(|| Script::new(plan.membership_approver));
        let liars = instances.iter().map(|v| plan.liars.contains(v)).collect();
        let by_id = nodes.iter().enumerate().map(|(i, node)| (node.node_id, i)).collect();
        let groups = plan.fixed_groups.clone().unwrap_or_else(|| vec![0; nodes.len()]);
        Self {
            plan,
            now,
            seq: 0,
            queue: BTreeMap::new(),
            nodes,
            honest,
            honest_keys,
            liars,
            adversary,
            at_crash: None,
            by_id,
            groups,
            healed: false,
            rng,
            fixture,
            chain_id,
            secrets,
            committed: BTreeMap::new(),
            script: plan_script,
            digest: 0xcbf2_9ce4_8422_2325,
            events: 0,
            trace: trace.then(Vec::new),
        }
    }

    fn now(&self) -> u64 {
        self.now.get()
    }

    fn schedule(&mut self, at: u64, event: Ev) {
        self.seq += 1;
        self.queue.insert((at, self.seq), event);
    }

    fn note(&mut self, words: &[u64], line: impl FnOnce() -> String) {
        for &w in words {
            self.digest = (self.digest ^ w).wrapping_mul(0x0000_0100_0000_01b3);
        }
        if let Some(trace) = self.trace.as_mut() {
            trace.push(format!("t={:>6} {}", self.now.get(), line()));
        }
    }

    /// Runs the plan to its end.
    pub fn run(mut self) -> Outcome {
        self.schedule_plan();
        for id in 0..self.nodes.len() {
            if let Err(v) = self.start(id) {
                return self.finish(Some(v));
            }
        }
        while let Some(((at, _), event)) = self.queue.pop_first() {
            if at > self.plan.deadline_ms {
                break;
            }
            self.now.set(at);
            self.events += 1;
            if let Err(v) = self.step(event) {
                return self.finish(Some(v));
            }
            if self.done() {
                let violation = self.final_check(true);
                return self.finish(violation);
            }
        }
        let violation = self.final_check(false);
        self.finish(violation)
    }

    fn schedule_plan(&mut self) {
        for node in 0..self.nodes.len() {
            let phase = self.rng.below(GOSSIP_MS);
            self.schedule(phase, Ev::Gossip { node });
        }
        let heal = self.plan.heal_at;
        if self.plan.partitions {
            let mut t = 0;
            while t < heal {
                self.schedule(t, Ev::Repartition);
                t += self.rng.range(300, 3000);
            }
        }
        self.schedule(heal, Ev::Heal);
        for _ in 0..self.plan.txs {
            let at = self.rng.below(heal.max(1) + 5_000);
            self.schedule(at, Ev::Submit);
        }
        let restartable: Vec<usize> = (0..self.nodes.len()).filter(|&i| self.honest[i]).collect();
        for _ in 0..self.plan.crashes {
            let node = restartable[self.rng.below(restartable.len() as u64) as usize];
            let at = self.rng.below(heal.max(1));
            self.schedule(at, Ev::Crash { node });
        }
        if !self.plan.crash_forever.is_empty() {
            self.schedule(self.plan.crash_forever_at, Ev::CrashForever);
        }
        if self.script.is_some() {
            self.schedule(GOVERNANCE_MS, Ev::Governance);
        }
    }

    /// Starts (or restarts) a node from its chain and its disk.
    fn start(&mut self, id: usize) -> Result<(), Violation> {
        let node = &mut self.nodes[id];
        let chain = node.resting.take().expect("a node down has its chain");
        let head = chain.head().clone();
        let records: Vec<Record> = node.disk.iter().flatten().cloned().collect();
        let parts = EngineParts {
            chain,
            clock: node.clock.clone(),
            chain_id: self.chain_id.clone(),
            validator_secret: self.secrets[node.validator],
            consensus: sim_consensus(),
            mempool: MempoolConfig::default(),
            head,
            records,
        };
        let (engine, effects) = match Engine::new(parts) {
            Ok(started) => started,
            Err(error) => return self.stopped(id, error.to_string()),
        };
        self.nodes[id].engine = Some(engine);
        self.apply(id, effects)?;
        // The network tells both sides of each link to a node that is up.
        for peer in 0..self.nodes.len() {
            if peer != id && self.nodes[peer].engine.is_some() {
                let (a, b) = (self.nodes[id].node_id, self.nodes[peer].node_id);
                self.handle(id, Event::Connected(b))?;
                self.handle(peer, Event::Connected(a))?;
            }
        }
        Ok(())
    }

    fn stopped(&mut self, id: usize, error: String) -> Result<(), Violation> {
        if self.honest[id] {
            return Err(Violation::Stopped { node: id, error });
        }
        self.crash(id);
        Ok(())
    }

    fn crash(&mut self, id: usize) {
        let node = &mut self.nodes[id];
        let Some(engine) = node.engine.take() else { return };
        node.resting = Some(engine.into_chain());
        if self.plan.unsynced_wal {
            // The batches since the last sync the system happened to do are lost.
            let lost = self.rng.range(1, 3) as usize;
            node.disk.truncate(node.disk.len().saturating_sub(lost));
        }
        node.life += 1;
        node.crash_within = None;
        let crashed = node.node_id;
        for peer in 0..self.nodes.len() {
            if peer != id && self.nodes[peer].engine.is_some() {
                // An honest peer's engine does not fail on a disconnection.
                let _ = self.handle(peer, Event::Disconnected(crashed));
            }
        }
        let downtime = self.rng.range(50, 3000);
        self.schedule(self.now() + downtime, Ev::Restart { node: id });
    }

    fn handle(&mut self, id: usize, event: Event) -> Result<(), Violation> {
        let Some(engine) = self.nodes[id].engine.as_mut() else { return Ok(()) };
        match engine.handle(event) {
            Ok(effects) => self.apply(id, effects),
            Err(error) => self.stopped(id, error.to_string()),
        }
    }

    fn step(&mut self, event: Ev) -> Result<(), Violation> {
        match event {
            Ev::Deliver { from, to, bytes } => {
                let Ok(message) = Message::decode(&bytes, jcm_node::engine::message_bytes_max()) else {
                    return Ok(());
                };
                self.note(&[1, from as u64, to as u64, bytes.len() as u64], || {
                    format!("{from} -> {to} {}", brief(&message))
                });
                let from = self.nodes[from].node_id;
                self.handle(to, Event::Message { from, message })
            }
            Ev::Timer { node, life, timer } => {
                if self.nodes[node].life != life {
                    return Ok(());
                }
                self.note(&[2, node as u64], || format!("{node} timer {timer:?}"));
                self.handle(node, Event::Timer(timer))
            }
            Ev::Gossip { node } => {
                self.schedule(self.now() + GOSSIP_MS, Ev::Gossip { node });
                self.handle(node, Event::Gossip)
            }
            Ev::Ask { node, life, peer, height } => {
                let lost = !self.healed && self.rng.chance(self.plan.decisive_drop_per_mille);
                let mut answer = match &self.nodes[peer].engine {
                    Some(engine) if self.linked(node, peer) && !lost => {
                        Ok(engine.answer(&PeerRequest::Block { height }.encode()))
                    }
                    _ => Err("the request timed out".to_owned()),
                };
                if self.liars[peer] {
                    answer = answer.map(|honest| self.adversary.answer(&mut self.rng, honest));
                }
                let delay = if answer.is_ok() { self.delay() } else { FETCH_TIMEOUT_MS };
                self.schedule(self.now() + delay, Ev::Answer { node, life, peer, height, answer });
                Ok(())
            }
            Ev::Answer { node, life, peer, height, answer } => {
                if self.nodes[node].life != life {
                    return Ok(());
                }
                self.note(&[3, node as u64, peer as u64, height], || {
                    format!("{node} fetched h={height} from {peer}")
                });
                let peer = self.nodes[peer].node_id;
                self.handle(node, Event::Fetched { peer, height, answer })
            }
            Ev::Submit => self.submit(),
            Ev::Governance => {
                self.schedule(self.now() + GOVERNANCE_MS, Ev::Governance);
                self.governance()
            }
            Ev::Crash { node } => {
                // Lands between two effects of the node's next event.
                let within = self.rng.below(1000);
                self.note(&[4, node as u64, within], || format!("{node} will crash within its next event"));
                self.nodes[node].crash_within = Some(within);
                Ok(())
            }
            Ev::CrashForever => {
                let at_crash = self.highest_honest();
                let gone = self.plan.crash_forever.clone();
                self.note(&[12, at_crash], || format!("{gone:?} crash for good at h={at_crash}"));
                self.at_crash = Some(at_crash);
                for v in gone {
                    self.nodes[v].gone = true;
                    self.crash(v);
                }
                Ok(())
            }
            Ev::Restart { node } => {
                if self.nodes[node].engine.is_some() || self.nodes[node].gone {
                    return Ok(());
                }
                self.note(&[5, node as u64], || format!("{node} restarts"));
                self.start(node)
            }
            Ev::Repartition if self.plan.fixed_groups.is_some() => Ok(()),
            Ev::Repartition => {
                let groups = 1 + self.rng.below(3) as u32;
                self.groups =
                    (0..self.nodes.len()).map(|_| self.rng.below(u64::from(groups)) as u32).collect();
                self.note(&[6], || "repartition".into());
                Ok(())
            }
            Ev::Heal => {
                self.healed = true;
                self.groups = vec![0; self.nodes.len()];
                self.note(&[7], || "network heals".into());
                Ok(())
            }
        }
    }

    /// Signs a status change by a random officer and submits it to a random node that is
    /// up.
    fn submit(&mut self) -> Result<(), Violation> {
        let (officer, account) = SIGNERS[self.rng.below(SIGNERS.len() as u64) as usize];
        let status = if self.rng.chance(500) { AccountStatus::Active } else { AccountStatus::Suspended };
        let payload = Payload::SetAccountStatus {
            account: account.parse().expect("a fixture account"),
            status,
            reason: Text::new("simulation").expect("short"),
        };
        self.submit_payload(officer, payload)
    }

    /// The membership script's next transaction, judged from the committed state of the
    /// highest honest node that is up.
    fn governance(&mut self) -> Result<(), Violation> {
        let reference = (0..self.nodes.len())
            .filter(|&i| self.honest[i] && self.nodes[i].engine.is_some())
            .max_by_key(|&i| self.height_of(i));
        let (Some(reference), Some(script)) = (reference, self.script.as_mut()) else { return Ok(()) };
        let engine = self.nodes[reference].engine.as_ref().expect("up");
        let (height, now) = (engine.head().height, self.now.get());
        let step = script.step();
        let action = {
            use jcm_node::engine::Chain as _;
            engine.chain().with_state(|state| script.next(state, height, now))
        };
        if script.step() != step {
            let took = script.took_effect.clone();
            self.note(&[14, took.len() as u64], || format!("validator changes took effect at {took:?}"));
        }
        let Some(action) = action else { return Ok(()) };
        self.note(&[15, height], || format!("governance at h={height}: {}", action.note));
        self.submit_payload(action.officer, action.payload)
    }

    /// Signs `payload` as `officer` at the nonce a random node that is up expects, and
    /// submits it there.
    fn submit_payload(&mut self, officer: &str, payload: Payload) -> Result<(), Violation> {
        let up: Vec<usize> = (0..self.nodes.len()).filter(|&i| self.nodes[i].engine.is_some()).collect();
        if up.is_empty() {
            return Ok(());
        }
        let node = up[self.rng.below(up.len() as u64) as usize];
        let key = self.fixture.key(officer).expect("a fixture officer").clone();
        let engine = self.nodes[node].engine.as_mut().expect("up");
        let nonce = match engine.handle(Event::Rpc(Request::NextNonce(key.public()))) {
            Ok(effects) => effects
                .into_iter()
                .find_map(|e| match e {
                    Effect::Reply(Reply::NextNonce { next, .. }) => Some(next),
                    _ => None,
                })
                .expect("a nonce reply"),
            Err(error) => return self.stopped(node, error.to_string()),
        };
        let tx = Transaction::sign(self.chain_id.as_str(), &key, nonce, payload);
        self.note(&[8, node as u64, nonce], || format!("submit {officer} nonce {nonce} to {node}"));
        self.handle(node, Event::Rpc(Request::Submit(Box::new(Checked::new(tx)))))?;
        self.handle(node, Event::FlushRelay)
    }

    fn linked(&self, a: usize, b: usize) -> bool {
        self.groups[a] == self.groups[b]
    }

    fn delay(&mut self) -> u64 {
        let (lo, hi) = self.plan.delay_ms;
        self.rng.range(lo, hi)
    }

    fn deliver(&mut self, from: usize, to: usize, message: &Message) {
        if !self.linked(from, to) {
            return;
        }
        let faulty = !self.healed;
        if faulty && self.rng.chance(self.plan.drop_per_mille) {
            return;
        }
        let mut late = 0;
        if let (Some(roles), true) = (&self.plan.trap, faulty) {
            match trap::route(roles, self.nodes[from].validator, self.nodes[to].validator, message) {
                Route::Drop => return,
                Route::Late(ms) => late = ms,
                Route::Pass => {}
            }
        }
        let precommit = matches!(message, Message::Vote(v) if v.vote.kind == VoteKind::Precommit);
        // A trap's script decides which precommits are lost (its decisive drops are of
        // fetched blocks only).
        let scripted = self.plan.trap.is_some();
        if faulty && precommit && !scripted && self.rng.chance(self.plan.decisive_drop_per_mille) {
            return;
        }
        if !self.plan.liars.is_empty() {
            self.adversary.overhear(message);
        }
        let copies = if faulty && self.rng.chance(self.plan.dup_per_mille) { 2 } else { 1 };
        let bytes = message.encode();
        for _ in 0..copies {
            let delay = self.delay() + late;
            self.schedule(self.now() + delay, Ev::Deliver { from, to, bytes: bytes.clone() });
        }
    }

    /// [`Violation::LateRound`]: a message of a later round of height 1 from an honest
    /// node, in a trap that decides height 1 in round 0.
    fn check_round(&self, id: usize, message: &Message) -> Result<(), Violation> {
        let Some(roles) = self.plan.trap.filter(|r| r.trap.decides_in_round_0()) else { return Ok(()) };
        match trap::slot(message) {
            Some((1, round, _)) if round > 0 && self.nodes[id].validator != roles.liar => {
                Err(Violation::LateRound { node: id, round })
            }
            _ => Ok(()),
        }
    }

    /// Sends `message` from `id` to `peers`, through the adversary if `id` is a liar.
    fn send(&mut self, id: usize, peers: &[usize], message: Message) {
        if !self.liars[id] {
            for &to in peers {
                self.deliver(id, to, &message);
            }
            return;
        }
        if let Some(roles) = self.plan.trap {
            for message in self.adversary.spring(&roles, message) {
                for &to in peers {
                    self.deliver(id, to, &message);
                }
            }
            return;
        }
        for (to, message) in self.adversary.rewrite(&mut self.rng, message, peers) {
            self.deliver(id, to, &message);
        }
    }

    /// Carries out a node's effects in order (or, for the faulty node of
    /// [`Plan::send_before_persist`], sends first); a planned crash stops it midway.
    fn apply(&mut self, id: usize, mut effects: Vec<Effect>) -> Result<(), Violation> {
        if self.plan.send_before_persist {
            effects.sort_by_key(|e| matches!(e, Effect::Persist(_)));
        }
        let crash_at = self.nodes[id].crash_within.take().map(|w| (w as usize * effects.len()) / 1000);
        for (index, effect) in effects.into_iter().enumerate() {
            if crash_at == Some(index) {
                self.note(&[9, id as u64, index as u64], || format!("{id} CRASHES before effect {index}"));
                self.crash(id);
                return Ok(());
            }
            match effect {
                Effect::Persist(records) => {
                    if crash_at == Some(index + 1) && self.rng.chance(self.plan.torn_per_mille) {
                        // The crash lands during this sync: part of the batch is on disk.
                        let kept = self.rng.below(records.len() as u64 + 1) as usize;
                        self.note(&[13, id as u64, kept as u64], || {
                            format!("{id} CRASHES during a sync: {kept} of {} records kept", records.len())
                        });
                        self.nodes[id].disk.push(records[..kept].to_vec());
                        self.crash(id);
                        return Ok(());
                    }
                    if !self.healed && self.rng.chance(self.plan.sync_fail_per_mille) {
                        self.note(&[10, id as u64], || format!("{id} sync fails: the node stops"));
                        self.crash(id);
                        return Ok(());
                    }
                    self.nodes[id].disk.push(records);
                }
                Effect::RestartWal(records) => self.nodes[id].disk = vec![records],
                Effect::Send { to, message } => {
                    self.check_round(id, &message)?;
                    if let Some(&to) = self.by_id.get(&to) {
                        self.send(id, &[to], message);
                    }
                }
                Effect::Broadcast(message) => {
                    self.check_round(id, &message)?;
                    let peers: Vec<usize> = (0..self.nodes.len()).filter(|&t| t != id).collect();
                    self.send(id, &peers, message);
                }
                Effect::SetTimer { after, timer } => {
                    let life = self.nodes[id].life;
                    let at = self.now() + u64::try_from(after.as_millis()).unwrap_or(u64::MAX / 2);
                    self.schedule(at, Ev::Timer { node: id, life, timer });
                }
                Effect::Fetch { peer, height } => {
                    let Some(&peer) = self.by_id.get(&peer) else { continue };
                    let life = self.nodes[id].life;
                    let delay = self.delay();
                    self.schedule(self.now() + delay, Ev::Ask { node: id, life, peer, height });
                }
                Effect::Committed(committed) => self.committed(id, &committed.header)?,
                Effect::Evidence(evidence) => {
                    let culprit = evidence.validator();
                    if self.honest_keys.contains(&culprit) {
                        return Err(Violation::HonestEquivocation { node: id, culprit: culprit.to_string() });
                    }
                }
                Effect::Reply(_) | Effect::Progress(_) => {}
            }
        }
        Ok(())
    }

    fn committed(&mut self, id: usize, header: &jcm_runtime::protocol::Header) -> Result<(), Violation> {
        let height = header.height;
        let hash = header.hash().to_hex();
        self.note(&[11, id as u64, height], || format!("{id} COMMITS h={height} {}", &hash[..12]));
        if !self.honest[id] {
            return Ok(());
        }
        if self.adversary.forged.contains(&header.value_id()) {
            return Err(Violation::Validity { node: id, height, hash });
        }
        match self.committed.get(&height) {
            Some((first, seen)) if *seen != hash => {
                Err(Violation::Agreement { height, first: (*first, seen.clone()), second: (id, hash) })
            }
            Some(_) => Ok(()),
            None => {
                self.committed.insert(height, (id, hash));
                Ok(())
            }
        }
    }

    fn height_of(&self, id: usize) -> u64 {
        let node = &self.nodes[id];
        match (&node.engine, &node.resting) {
            (Some(engine), _) => engine.head().height,
            (None, Some(chain)) => chain.height(),
            (None, None) => 0,
        }
    }

    /// Honest nodes that are not down for good.
    fn live(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.nodes.len()).filter(|&i| self.honest[i] && !self.nodes[i].gone)
    }

    fn highest_honest(&self) -> u64 {
        (0..self.nodes.len()).filter(|&i| self.honest[i]).map(|i| self.height_of(i)).max().unwrap_or(0)
    }

    /// The height every live node must reach: the plan's target, and past the last
    /// validator change of the membership script.
    fn target(&self) -> u64 {
        let last_change = self.script.as_ref().and_then(|s| s.took_effect.last().copied()).unwrap_or(0);
        self.plan.target.max(last_change + 2)
    }

    fn done(&self) -> bool {
        self.plan.expect_progress
            && self.healed
            && self.now() >= self.plan.heal_at + 5_000
            && self.script.as_ref().is_none_or(Script::finished)
            && self.live().all(|i| self.height_of(i) >= self.target())
    }

    /// Every node up validates exactly while its key is in the set that decides its next
    /// height.
    fn check_membership(&self) -> Option<Violation> {
        let keys = validator_keys(self.secrets.len());
        for i in self.live() {
            let Some(engine) = &self.nodes[i].engine else { continue };
            let key = keys[self.nodes[i].validator];
            let member = crate::membership::in_next_set(engine.chain(), key);
            let validating = engine.progress().validating;
            if member != validating {
                return Some(Violation::Membership {
                    at_ms: self.now(),
                    what: format!(
                        "node {i} at height {}: its key is {}in the set, but it is {}validating",
                        engine.head().height,
                        if member { "" } else { "not " },
                        if validating { "" } else { "not " },
                    ),
                });
            }
        }
        None
    }

    fn final_check(&self, reached: bool) -> Option<Violation> {
        if !self.plan.expect_progress {
            let reached = self.highest_honest();
            return match self.at_crash {
                Some(at_crash) if reached > at_crash + 1 => {
                    Some(Violation::BeyondBound { at_crash, reached })
                }
                _ => None,
            };
        }
        if let Some(script) = self.script.as_ref().filter(|s| !s.finished()) {
            return Some(Violation::Membership {
                at_ms: self.now(),
                what: format!(
                    "validator change {} of the script did not take effect (the earlier ones at {:?})",
                    script.step() + 1,
                    script.took_effect
                ),
            });
        }
        if !reached {
            let heights = self.live().map(|i| (i, self.height_of(i))).collect();
            return Some(Violation::Progress { at_ms: self.now(), heights, target: self.target() });
        }
        if let Some(violation) = self.script.as_ref().and_then(|_| self.check_membership()) {
            return Some(violation);
        }
        if self.plan.txs > 0 && self.committed_txs() == 0 {
            return Some(Violation::NoTransactions);
        }
        None
    }

    /// The longest honest chain.
    fn longest_chain(&self) -> Option<&MemChain> {
        let longest = (0..self.nodes.len()).filter(|&i| self.honest[i]).max_by_key(|&i| self.height_of(i));
        let node = &self.nodes[longest?];
        match (&node.engine, &node.resting) {
            (Some(engine), _) => Some(engine.chain()),
            (None, Some(chain)) => Some(chain),
            (None, None) => None,
        }
    }

    /// The validators whose equivocation the longest honest chain recorded.
    fn evidence_against(&self) -> Vec<(ValidatorKey, &'static str)> {
        use jcm_node::engine::Chain as _;
        use jcm_runtime::tx::gov::GovState as _;
        let Some(chain) = self.longest_chain() else { return Vec::new() };
        chain.with_state(|state| {
            state
                .evidence_records()
                .iter()
                .map(|r| (ValidatorKey(r.validator.0), r.evidence.slot().2))
                .collect()
        })
    }

    /// Accepted transactions on the longest honest chain.
    fn committed_txs(&self) -> usize {
        let Some(chain) = self.longest_chain() else { return 0 };
        (1..=chain.height())
            .filter_map(|h| chain.results(h))
            .map(|results| results.iter().filter(|r| r.verdict.is_accepted()).count())
            .sum()
    }

    fn finish(self, violation: Option<Violation>) -> Outcome {
        let committed_txs = self.committed_txs();
        let evidence_against = self.evidence_against();
        Outcome {
            evidence_against,
            violation,
            digest: self.digest,
            events: self.events,
            end_ms: self.now(),
            committed_txs,
            lies: self.adversary.told.clone(),
            trace: self.trace.unwrap_or_default(),
        }
    }
}
