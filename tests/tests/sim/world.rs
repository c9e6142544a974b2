//! The world: nodes, the network and virtual time, driven by one ordered event queue.
//!
//! Events at the same virtual time run in the order they were scheduled, and every
//! random draw comes from generators forked off the run's seed, so a seed replays a run
//! exactly. The run folds every event into a digest, which the determinism test compares.

use crate::checks::{Checker, Violation};
use crate::net::{Dest, NetMsg, Network};
use crate::node::{Effects, SimNode};
use crate::rng::Rng;
use crate::scenario::Scenario;
use jcm_consensus::{ChainId, Config, KeySigner, Signer, Timeout, TimeoutRule, Timeouts, ValidatorSet};
use std::collections::{BTreeMap, BTreeSet};

/// Interval of the gossip that re-sends a node's own messages, in virtual ms.
pub const GOSSIP_MS: u64 = 600;
/// Time a node takes to commit a decided block before it starts the next height.
pub const COMMIT_MS: u64 = 20;

#[derive(Clone, Debug)]
enum Event {
    Deliver { from: usize, to: usize, msg: NetMsg },
    Timer { node: usize, incarnation: u32, timeout: Timeout },
    Gossip { node: usize },
    NextHeight { node: usize, incarnation: u32, height: u64 },
    Crash { node: usize, torn: Option<u64> },
    Restart { node: usize },
    CrashForever { node: usize },
    Repartition,
    Heal,
}

/// What a run produced.
#[derive(Debug)]
pub struct Outcome {
    pub violation: Option<Violation>,
    pub digest: u64,
    pub events: u64,
    pub end_ms: u64,
    /// Highest height decided by an honest node, and that height when the nodes beyond
    /// the fault bound crashed.
    pub max_decided: u64,
    pub decided_at_crash: Option<u64>,
    pub evidence: usize,
    pub trace: Vec<String>,
}

pub struct World {
    now: u64,
    seq: u64,
    queue: BTreeMap<(u64, u64), Event>,
    nodes: Vec<SimNode>,
    honest: Vec<bool>,
    down_forever: Vec<bool>,
    net: Network,
    rng: Rng,
    checker: Checker,
    digest: u64,
    events: u64,
    trace: Option<Vec<String>>,
    decided_at_crash: Option<u64>,
    scenario: Scenario,
}

fn sim_timeouts() -> Timeouts {
    let rule = |base_ms, per_round_ms| TimeoutRule { base_ms, per_round_ms };
    Timeouts { propose: rule(300, 100), prevote: rule(150, 50), precommit: rule(150, 50) }
}

impl World {
    pub fn new(scenario: Scenario, seed: u64, trace: bool) -> Self {
        let mut rng = Rng::new(seed);
        let secrets: Vec<[u8; 32]> = (0..scenario.n).map(|_| rng.bytes32()).collect();
        let keys: Vec<_> = secrets.iter().map(|s| KeySigner::from_secret(s).public_key()).collect();
        let members: Vec<_> = keys.iter().copied().zip(scenario.powers.iter().copied()).collect();
        let validators = ValidatorSet::new(&members).expect("the scenario's validator set is valid");
        let chain_id = ChainId::new("jcm-sim").expect("valid chain id");
        let mut instances: Vec<usize> = (0..scenario.n).collect();
        instances.extend(scenario.twins.iter().copied());
        let mut nodes = Vec::new();
        for (id, &validator) in instances.iter().enumerate() {
            let config =
                Config { chain_id: chain_id.clone(), own_key: keys[validator], timeouts: sim_timeouts() };
            let mut node =
                SimNode::new(id, validator, secrets[validator], config, validators.clone(), rng.fork());
            if scenario.twins.contains(&validator) {
                node.invalid_per_mille = scenario.twin_invalid_per_mille;
            }
            nodes.push(node);
        }
        let honest: Vec<bool> = instances.iter().map(|v| !scenario.twins.contains(v)).collect();
        let honest_keys: BTreeSet<_> =
            (0..scenario.n).filter(|v| !scenario.twins.contains(v)).map(|v| keys[v]).collect();
        let net = Network::new(scenario.faults.clone(), nodes.len(), rng.fork());
        Self {
            now: 0,
            seq: 0,
            queue: BTreeMap::new(),
            down_forever: vec![false; nodes.len()],
            checker: Checker::new(honest.clone(), honest_keys),
            honest,
            nodes,
            net,
            rng,
            digest: 0xcbf2_9ce4_8422_2325,
            events: 0,
            trace: trace.then(Vec::new),
            decided_at_crash: None,
            scenario,
        }
    }

    fn schedule(&mut self, at: u64, event: Event) {
        self.seq += 1;
        self.queue.insert((at, self.seq), event);
    }

    fn note(&mut self, words: &[u64], line: impl FnOnce() -> String) {
        for &w in words {
            self.digest = (self.digest ^ w).wrapping_mul(0x0000_0100_0000_01b3);
        }
        if let Some(trace) = self.trace.as_mut() {
            trace.push(format!("t={:>6} {}", self.now, line()));
        }
    }

    /// Runs the scenario to its end and reports what happened.
    pub fn run(mut self) -> Outcome {
        self.plan();
        for id in 0..self.nodes.len() {
            let fx = self.nodes[id].start(0);
            if let Err(v) = self.apply(id, fx) {
                return self.finish(Some(v));
            }
        }
        while let Some(((at, _), event)) = self.queue.pop_first() {
            if at > self.scenario.deadline_ms {
                break;
            }
            self.now = at;
            self.events += 1;
            if let Err(v) = self.step(event) {
                return self.finish(Some(v));
            }
            if self.done() {
                return self.finish(None);
            }
        }
        let violation = self.final_check();
        self.finish(violation)
    }

    /// Schedules the faults of the scenario.
    fn plan(&mut self) {
        let s = self.scenario.clone();
        for node in 0..self.nodes.len() {
            let phase = self.rng.below(GOSSIP_MS);
            self.schedule(phase, Event::Gossip { node });
        }
        if s.faults.partitions {
            let mut t = 0;
            while t < s.faults.heal_at {
                self.schedule(t, Event::Repartition);
                t += self.rng.range(300, 3000);
            }
        }
        if let Some(groups) = s.fixed_groups.clone() {
            self.net.set_groups(groups);
        }
        self.schedule(s.faults.heal_at, Event::Heal);
        let restartable: Vec<usize> = (0..self.nodes.len())
            .filter(|&i| self.honest[i] && !s.crash_forever.contains(&self.nodes[i].validator))
            .collect();
        for _ in 0..s.restarts {
            if restartable.is_empty() || s.faults.heal_at == 0 {
                break;
            }
            let node = restartable[self.rng.below(restartable.len() as u64) as usize];
            let at = self.rng.below(s.faults.heal_at);
            let torn = self.rng.chance(s.torn_per_mille).then(|| self.rng.range(0, 999));
            self.schedule(at, Event::Crash { node, torn });
        }
        for node in 0..self.nodes.len() {
            if s.crash_forever.contains(&self.nodes[node].validator) {
                self.schedule(s.crash_forever_at, Event::CrashForever { node });
            }
        }
    }

    fn step(&mut self, event: Event) -> Result<(), Violation> {
        match event {
            Event::Deliver { from, to, msg } => {
                self.note(&[1, from as u64, to as u64, msg.height()], || {
                    format!("{from} -> {to} {}", brief(&msg))
                });
                if !self.nodes[to].is_up() {
                    return Ok(());
                }
                let fx = self.nodes[to].on_message(self.now, from, msg);
                self.apply(to, fx)
            }
            Event::Timer { node, incarnation, timeout } => {
                if self.nodes[node].incarnation != incarnation || !self.nodes[node].is_up() {
                    return Ok(());
                }
                self.note(&[2, node as u64, timeout.round as u64], || format!("{node} timeout {timeout:?}"));
                let fx = self.nodes[node].on_timer(self.now, timeout);
                self.apply(node, fx)
            }
            Event::NextHeight { node, incarnation, height } => {
                if self.nodes[node].incarnation != incarnation || !self.nodes[node].is_up() {
                    return Ok(());
                }
                let fx = self.nodes[node].on_next_height(self.now, height);
                self.apply(node, fx)
            }
            Event::Gossip { node } => {
                self.schedule(self.now + GOSSIP_MS, Event::Gossip { node });
                if self.nodes[node].is_up() {
                    let peers = self.nodes.len();
                    let fx = self.nodes[node].on_gossip(peers);
                    return self.apply(node, fx);
                }
                Ok(())
            }
            Event::Crash { node, torn } => self.crash(node, torn),
            Event::Restart { node } => {
                if self.down_forever[node] || self.nodes[node].is_up() {
                    return Ok(());
                }
                self.note(&[4, node as u64], || format!("{node} restarts"));
                let fx = self.nodes[node].start(self.now);
                self.apply(node, fx)
            }
            Event::CrashForever { node } => {
                self.note(&[5, node as u64], || format!("{node} crashes for good"));
                self.decided_at_crash.get_or_insert(self.checker.max_decided());
                self.down_forever[node] = true;
                self.nodes[node].crash();
                Ok(())
            }
            Event::Repartition => {
                self.net.repartition();
                self.note(&[6], || "repartition".into());
                Ok(())
            }
            Event::Heal => {
                self.net.heal();
                self.note(&[7], || "network heals".into());
                Ok(())
            }
        }
    }

    fn crash(&mut self, node: usize, torn: Option<u64>) -> Result<(), Violation> {
        if !self.nodes[node].is_up() {
            return Ok(());
        }
        match torn {
            // The crash lands in the middle of the node's next write.
            Some(per_mille) => {
                self.note(&[3, node as u64, per_mille], || format!("{node} will crash mid-write"));
                self.nodes[node].tear_next = Some(per_mille);
            }
            None => {
                self.note(&[3, node as u64], || format!("{node} crashes"));
                self.nodes[node].crash();
                let downtime = self.rng.range(50, 3000);
                self.schedule(self.now + downtime, Event::Restart { node });
            }
        }
        Ok(())
    }

    /// Carries out a node's effects and checks its decisions and evidence.
    fn apply(&mut self, id: usize, fx: Effects) -> Result<(), Violation> {
        if fx.torn {
            self.note(&[8, id as u64], || format!("{id} crashed mid-write; torn tail"));
            let downtime = self.rng.range(50, 1000);
            self.schedule(self.now + downtime, Event::Restart { node: id });
            return Ok(());
        }
        for value in fx.proposed {
            self.checker.proposed(value);
        }
        for (height, value) in fx.decisions {
            self.note(&[9, id as u64, height], || format!("{id} DECIDES h={height} {value:?}"));
            self.checker.decide(id, height, value)?;
        }
        for evidence in &fx.evidence {
            self.checker.evidence(id, evidence)?;
        }
        if !fx.refused.is_empty() && self.honest[id] {
            self.note(&[10, id as u64], || format!("{id} guard refused {:?}", fx.refused));
        }
        let incarnation = self.nodes[id].incarnation;
        if let Some(height) = fx.next_height {
            self.schedule(self.now + COMMIT_MS, Event::NextHeight { node: id, incarnation, height });
        }
        for (after, timeout) in fx.timers {
            self.schedule(self.now + after, Event::Timer { node: id, incarnation, timeout });
        }
        for (dest, msg) in fx.sends {
            let targets: Vec<usize> = match dest {
                Dest::All => (0..self.nodes.len()).filter(|&t| t != id).collect(),
                Dest::One(t) => vec![t],
            };
            for to in targets {
                for delay in self.net.deliveries(self.now, id, to, &msg) {
                    self.schedule(self.now + delay, Event::Deliver { from: id, to, msg: msg.clone() });
                }
            }
        }
        Ok(())
    }

    /// Honest nodes expected to make progress.
    fn expected(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.nodes.len()).filter(|&i| self.honest[i] && !self.down_forever[i])
    }

    fn done(&self) -> bool {
        let target = self.scenario.target;
        self.scenario.expect_progress
            && self.now >= self.scenario.faults.heal_at
            && self.expected().all(|i| self.checker.decided_by(i) as u64 >= target)
    }

    fn final_check(&self) -> Option<Violation> {
        if self.scenario.expect_progress {
            let heights = self.expected().map(|i| (i, self.checker.decided_by(i) as u64)).collect();
            return Some(Violation::Progress { at_ms: self.now, heights, target: self.scenario.target });
        }
        if let Some(at_crash) = self.decided_at_crash {
            // With f+1 validators gone, no quorum exists for a height none of them
            // reached, so at most the height in flight at the crash can still be decided.
            let max = self.checker.max_decided();
            if max > at_crash + 1 {
                let detail = format!("decided height {max} after f+1 crashed at height {at_crash}");
                return Some(Violation::Bound { detail });
            }
        }
        None
    }

    fn finish(self, violation: Option<Violation>) -> Outcome {
        let trace = self.trace.unwrap_or_default();
        Outcome {
            violation,
            digest: self.digest,
            events: self.events,
            end_ms: self.now,
            max_decided: self.checker.max_decided(),
            decided_at_crash: self.decided_at_crash,
            evidence: self.checker.evidence,
            trace,
        }
    }
}

fn brief(msg: &NetMsg) -> String {
    match msg {
        NetMsg::Proposal(p) => {
            let p = &p.proposal;
            format!("PROPOSAL h={} r={} {:?} vr={:?}", p.height, p.round, p.value, p.valid_round)
        }
        NetMsg::Vote(v) => {
            let v = &v.vote;
            format!("{:?} h={} r={} {:?} by {:?}", v.kind, v.height, v.round, v.value, v.validator)
        }
        NetMsg::Commit(c) => format!("COMMIT h={} r={} {:?}", c.height, c.round, c.value),
    }
}
