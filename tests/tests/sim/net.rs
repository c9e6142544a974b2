//! The simulated network: messages, and a seeded fault model that delays, drops,
//! duplicates and reorders messages and partitions the nodes until the network heals
//! (the paper's global stabilisation time). After healing every message arrives within
//! the normal delay bound.

use crate::rng::Rng;
use jcm_consensus::{CommitCertificate, SignedProposal, SignedVote};

/// What travels between nodes.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum NetMsg {
    Proposal(SignedProposal),
    Vote(SignedVote),
    /// A decided height's certificate, sent to a peer seen lagging at that height.
    Commit(CommitCertificate),
}

/// Where a message goes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Dest {
    /// Every other node.
    All,
    /// One node.
    One(usize),
}

/// The fault model of a run.
#[derive(Clone, Debug)]
pub struct Faults {
    /// Normal one-way delay, in virtual ms.
    pub delay_ms: (u64, u64),
    /// Before healing: extra delay drawn for slow messages (reordering them), ms.
    pub slow_ms: u64,
    pub slow_per_mille: u64,
    pub drop_per_mille: u64,
    pub dup_per_mille: u64,
    /// Before healing: extra chance to drop the messages that end a height (precommits
    /// and commit certificates). An adversarial scheduler that lets a few nodes decide
    /// while the others move on to later rounds, where only their locks keep them from
    /// deciding something else.
    pub decisive_drop_per_mille: u64,
    /// Partitions change at random intervals before healing.
    pub partitions: bool,
    /// Virtual time at which all network faults stop.
    pub heal_at: u64,
}

impl Faults {
    pub fn none() -> Self {
        Self {
            delay_ms: (1, 20),
            slow_ms: 0,
            slow_per_mille: 0,
            drop_per_mille: 0,
            dup_per_mille: 0,
            decisive_drop_per_mille: 0,
            partitions: false,
            heal_at: 0,
        }
    }
}

/// The network's state: faults and the current partition.
#[derive(Debug)]
pub struct Network {
    pub faults: Faults,
    /// Group of each node; nodes in different groups cannot talk before healing.
    group: Vec<u32>,
    rng: Rng,
}

impl Network {
    pub fn new(faults: Faults, nodes: usize, rng: Rng) -> Self {
        Self { faults, group: vec![0; nodes], rng }
    }

    pub fn healed(&self, now: u64) -> bool {
        now >= self.faults.heal_at
    }

    /// Splits the nodes into random groups (or none).
    pub fn repartition(&mut self) {
        let groups = self.rng.range(1, 3) as u32;
        for g in self.group.iter_mut() {
            *g = self.rng.below(u64::from(groups)) as u32;
        }
    }

    /// Imposes a partition.
    pub fn set_groups(&mut self, groups: Vec<u32>) {
        self.group = groups;
    }

    pub fn heal(&mut self) {
        self.group.iter_mut().for_each(|g| *g = 0);
    }

    /// The delays after which copies of a message from `from` to `to` arrive (empty when
    /// dropped; two entries when duplicated).
    pub fn deliveries(&mut self, now: u64, from: usize, to: usize, msg: &NetMsg) -> Vec<u64> {
        let (lo, hi) = self.faults.delay_ms;
        let normal = self.rng.range(lo, hi);
        if self.healed(now) {
            return vec![normal];
        }
        if self.group[from] != self.group[to] || self.rng.chance(self.faults.drop_per_mille) {
            return Vec::new();
        }
        let decisive = match msg {
            NetMsg::Vote(v) => v.vote.kind == jcm_consensus::VoteKind::Precommit,
            NetMsg::Commit(_) => true,
            NetMsg::Proposal(_) => false,
        };
        if decisive && self.rng.chance(self.faults.decisive_drop_per_mille) {
            return Vec::new();
        }
        let mut delay = normal;
        if self.rng.chance(self.faults.slow_per_mille) {
            delay += self.rng.range(0, self.faults.slow_ms);
        }
        let mut out = vec![delay];
        if self.rng.chance(self.faults.dup_per_mille) {
            out.push(self.rng.range(lo, hi + self.faults.slow_ms));
        }
        out
    }
}
