//! The properties checked on every run, as events happen: agreement, validity, honest
//! validators never equivocating, and (at the end) progress.

use crate::node::is_valid;
use jcm_consensus::{Evidence, ValidatorKey, ValueId};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// A broken property.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Violation {
    /// Two honest nodes decided different values at one height.
    Agreement { height: u64, first: (usize, ValueId), second: (usize, ValueId) },
    /// One honest node decided two values at one height (across restarts too).
    Redecided { node: usize, height: u64, before: ValueId, after: ValueId },
    /// An honest node decided a value nobody proposed, or an invalid one.
    Validity { node: usize, height: u64, value: ValueId },
    /// Evidence that does not verify, or that names an honest validator.
    Evidence { node: usize, detail: String },
    /// The honest nodes did not all reach the target height in time.
    Progress { at_ms: u64, heights: Vec<(usize, u64)>, target: u64 },
    /// A bound on a beyond-the-fault-bound run was exceeded.
    Bound { detail: String },
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::Agreement { height, first, second } => write!(
                f,
                "AGREEMENT violated at height {height}: node {} decided {:?}, node {} decided {:?}",
                first.0, first.1, second.0, second.1
            ),
            Violation::Redecided { node, height, before, after } => {
                write!(f, "node {node} decided height {height} twice: {before:?} then {after:?}")
            }
            Violation::Validity { node, height, value } => {
                write!(f, "VALIDITY violated: node {node} decided {value:?} at height {height}")
            }
            Violation::Evidence { node, detail } => {
                write!(f, "bad evidence from node {node}: {detail}")
            }
            Violation::Progress { at_ms, heights, target } => {
                write!(f, "PROGRESS: at {at_ms} ms honest nodes are at heights {heights:?}, target {target}")
            }
            Violation::Bound { detail } => write!(f, "BOUND: {detail}"),
        }
    }
}

/// The running checker of one simulation.
#[derive(Debug)]
pub struct Checker {
    honest: Vec<bool>,
    honest_keys: BTreeSet<ValidatorKey>,
    /// First honest decision per height.
    decided: BTreeMap<u64, (usize, ValueId)>,
    /// Every node's decisions, kept across its crashes.
    per_node: Vec<BTreeMap<u64, ValueId>>,
    proposed: BTreeSet<ValueId>,
    pub evidence: usize,
}

impl Checker {
    pub fn new(honest: Vec<bool>, honest_keys: BTreeSet<ValidatorKey>) -> Self {
        let nodes = honest.len();
        Self {
            honest,
            honest_keys,
            decided: BTreeMap::new(),
            per_node: vec![BTreeMap::new(); nodes],
            proposed: BTreeSet::new(),
            evidence: 0,
        }
    }

    pub fn proposed(&mut self, value: ValueId) {
        self.proposed.insert(value);
    }

    pub fn decide(&mut self, node: usize, height: u64, value: ValueId) -> Result<(), Violation> {
        if let Some(&before) = self.per_node[node].get(&height) {
            if before != value && self.honest[node] {
                return Err(Violation::Redecided { node, height, before, after: value });
            }
        }
        self.per_node[node].insert(height, value);
        if !self.honest[node] {
            return Ok(());
        }
        if !is_valid(&value) || !self.proposed.contains(&value) {
            return Err(Violation::Validity { node, height, value });
        }
        match self.decided.get(&height) {
            Some(&first) if first.1 != value => {
                Err(Violation::Agreement { height, first, second: (node, value) })
            }
            Some(_) => Ok(()),
            None => {
                self.decided.insert(height, (node, value));
                Ok(())
            }
        }
    }

    pub fn evidence(&mut self, node: usize, evidence: &Evidence) -> Result<(), Violation> {
        self.evidence += 1;
        if let Err(error) = evidence.verify() {
            return Err(Violation::Evidence { node, detail: error.to_string() });
        }
        let culprit = evidence.first().vote.validator;
        if self.honest_keys.contains(&culprit) {
            return Err(Violation::Evidence {
                node,
                detail: format!("honest validator {culprit:?} equivocated"),
            });
        }
        Ok(())
    }

    /// Highest height decided by any honest node.
    pub fn max_decided(&self) -> u64 {
        self.decided.keys().max().copied().unwrap_or(0)
    }

    /// Heights decided by one node.
    pub fn decided_by(&self, node: usize) -> usize {
        self.per_node[node].len()
    }
}
