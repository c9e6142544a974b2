//! The replay: the chain re-verified from the genesis document alone, one height at a
//! time, with the runtime's own functions (the ones the node runs), never the node's.
//!
//! For each height `h`, in this order:
//!
//! 1. the block's bytes decode canonically within the runtime's bounds;
//! 2. [`protocol::check_link`] against the header of `h - 1`: chain id, protocol version,
//!    height, previous-block hash, time, transactions root, validator-set hash,
//!    last-commit hash, proposer, and the last commit certificate (`h - 1`'s, carried
//!    in block `h`) verified against the set that decided `h - 1`;
//! 3. the block's own commit certificate decodes, names height `h` and the header's
//!    hash, and carries signatures of more than two thirds of the voting power of the
//!    set that decides `h`;
//! 4. [`chain::execute`] re-executes every transaction over the state of `h - 1`, and
//!    [`chain::check_execution`] compares the results root and the state root;
//! 5. the writes are applied; every `invariants_every` heights, and always at the end,
//!    [`invariants::check`] (ARTICLE6.md R41) runs over the whole state.
//!
//! The validator sets come from the replayed state, as the node takes them
//! ([`gov::sets_after`]): the genesis set, then each set governance decided (R49), from
//! the height it took effect. So a chain whose set changed verifies from the genesis
//! document alone, and a block certified by a set the chain never decided fails at its
//! height.
//!
//! The state is a [`MemStore`] (ordered: the rules scan ranges). The state tree's nodes
//! are a [`NodeStore`]: the tree only ever gets and puts nodes by hash, and millions of
//! them in an ordered map made the tree's lookups half the cost of a replay. Nodes that
//! no longer belong to the latest root are dropped whenever the store has doubled, so
//! memory follows the size of the state, not the length of the chain.

use jcm_runtime::chain;
use jcm_runtime::codec::{self, DecodeError, Hash32};
use jcm_runtime::invariants;
use jcm_runtime::merkle::{self, Node};
use jcm_runtime::protocol;
use jcm_runtime::protocol::{Block, ChainId, CommitCertificate, Genesis, Header, LinkError};
use std::collections::HashMap;

use jcm_runtime::state::{apply_writes, Entries, MemStore, ReadStore, Store};
use jcm_runtime::tx::{gov, BlockContext};

use super::bundle::{BundleError, HeightBytes, COMMIT_BYTES_MAX};

/// Fewest tree nodes before the replay prunes those of past roots.
const TREE_NODES_PRUNE_MIN: usize = 1 << 16;

/// Why an audit failed: the height, and which check.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The genesis document is invalid or not the one the auditor trusts.
    #[error("genesis: {0}")]
    Genesis(String),
    /// The bundle's structure or digests.
    #[error("{0}")]
    Bundle(#[from] BundleError),
    /// A block's bytes do not decode.
    #[error("the block bytes do not decode: {error}")]
    BlockDecode {
        /// The height.
        height: u64,
        /// Why.
        error: DecodeError,
    },
    /// The block does not follow its parent (a header field, or the last commit).
    #[error("the block does not follow height {}: {error}", height - 1)]
    Link {
        /// The height.
        height: u64,
        /// Which field or certificate.
        error: LinkError,
    },
    /// The block's own commit certificate.
    #[error("its commit certificate: {message}")]
    Commit {
        /// The height.
        height: u64,
        /// Why.
        message: String,
    },
    /// Re-execution gives another results root or state root than the header.
    #[error("re-executing its transactions: {error}")]
    Execution {
        /// The height.
        height: u64,
        /// Which root.
        error: LinkError,
    },
    /// The ledger invariants fail.
    #[error("the ledger invariants (R41) fail: {}", violations.join("; "))]
    Invariants {
        /// The height.
        height: u64,
        /// Every violation.
        violations: Vec<String>,
    },
}

impl AuditError {
    /// The height at which the audit failed.
    pub fn height(&self) -> u64 {
        match self {
            AuditError::Genesis(_) => 0,
            AuditError::Bundle(e) => e.expected.height().unwrap_or(0),
            AuditError::BlockDecode { height, .. }
            | AuditError::Link { height, .. }
            | AuditError::Commit { height, .. }
            | AuditError::Execution { height, .. }
            | AuditError::Invariants { height, .. } => *height,
        }
    }

    /// Which check failed, as a stable word for scripts.
    pub fn check(&self) -> &'static str {
        match self {
            AuditError::Genesis(_) => "genesis",
            AuditError::Bundle(_) => "bundle",
            AuditError::BlockDecode { .. } => "block_decode",
            AuditError::Link { .. } => "link",
            AuditError::Commit { .. } => "commit",
            AuditError::Execution { .. } => "execution",
            AuditError::Invariants { .. } => "invariants",
        }
    }
}

/// What a passed audit established.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Report {
    /// The genesis hash the chain was replayed from.
    pub genesis_hash: Hash32,
    /// The last height verified.
    pub height: u64,
    /// Its block hash.
    pub block_hash: Hash32,
    /// Transactions replayed (accepted and rejected alike: both are recorded).
    pub transactions: u64,
    /// Of which the rules accepted.
    pub accepted: u64,
    /// How many times the validator set changed (governance, R49).
    pub validator_set_changes: u64,
    /// The state root after the last height.
    pub state_root: Hash32,
}

/// The replay in progress: the state after the last verified height.
#[derive(Debug)]
pub struct Replay {
    chain_id: ChainId,
    /// The set that decided the parent and the one that decides the next height.
    sets: gov::Sets,
    validator_set_changes: u64,
    genesis_hash: Hash32,
    state: MemStore,
    tree: NodeStore,
    tree_len_pruned: usize,
    parent: Header,
    transactions: u64,
    accepted: u64,
    invariants_every: u64,
}

impl Replay {
    /// Starts from the genesis state, derived from `genesis` alone. `invariants_every`:
    /// check the invariants every that many heights too (0: only at the end).
    pub fn new(genesis: &Genesis, invariants_every: u64) -> Result<Self, AuditError> {
        let bad = |e: String| AuditError::Genesis(format!("the genesis document cannot start a chain: {e}"));
        let chain_id = ChainId::new(genesis.chain_id.as_str()).map_err(|e| bad(e.to_string()))?;
        // The genesis set must run consensus before the state is trusted to hold it.
        chain::genesis_validators(genesis).map_err(|e| bad(e.to_string()))?;
        let (genesis_block, executed) = chain::genesis_block(genesis).map_err(bad)?;
        let (mut state, mut tree) = (MemStore::new(), NodeStore::default());
        apply_writes(&mut state, executed.state_writes);
        apply_writes(&mut tree, executed.tree_writes);
        let sets = gov::sets_after(&state, 0);
        Ok(Self {
            chain_id,
            sets,
            validator_set_changes: 0,
            genesis_hash: genesis.hash(),
            state,
            tree_len_pruned: tree.len(),
            tree,
            parent: genesis_block.header,
            transactions: 0,
            accepted: 0,
            invariants_every,
        })
    }

    /// The header of the last verified height.
    pub fn head(&self) -> &Header {
        &self.parent
    }

    /// The state after the last verified height.
    pub fn state(&self) -> &MemStore {
        &self.state
    }

    /// The state tree's nodes: all of the last root's, and maybe some of older roots'.
    pub fn tree(&self) -> &NodeStore {
        &self.tree
    }

    /// Verifies and applies the next height.
    pub fn apply(&mut self, bytes: &HeightBytes) -> Result<(), AuditError> {
        let height = bytes.height;
        let block = Block::decode(&bytes.block).map_err(|error| AuditError::BlockDecode { height, error })?;
        protocol::check_link(&self.parent, &block, &self.sets.next, &self.sets.decided)
            .map_err(|error| AuditError::Link { height, error })?;
        self.check_commit(&block.header, &bytes.commit)?;
        let ctx = BlockContext { height, time: block.header.time };
        let executed = chain::execute(&self.state, &self.tree, self.parent.state_root, &ctx, &block.txs);
        chain::check_execution(&block.header, &executed)
            .map_err(|error| AuditError::Execution { height, error })?;
        self.transactions += block.txs.len() as u64;
        self.accepted += executed.results.iter().filter(|r| r.verdict.is_accepted()).count() as u64;
        apply_writes(&mut self.state, executed.state_writes);
        apply_writes(&mut self.tree, executed.tree_writes);
        if self.tree.len() > self.tree_len_pruned.saturating_mul(2).max(TREE_NODES_PRUNE_MIN) {
            self.tree.retain_reachable(&block.header.state_root);
            self.tree_len_pruned = self.tree.len();
        }
        self.parent = block.header;
        let sets = gov::Sets::after_commit(self.sets.next.clone(), &self.state, height);
        if sets.decided != self.sets.decided {
            self.validator_set_changes += 1;
        }
        self.sets = sets;
        if self.invariants_every > 0 && height % self.invariants_every == 0 {
            self.check_invariants()?;
        }
        Ok(())
    }

    /// Checks the invariants over the final state and reports.
    pub fn finish(self) -> Result<Report, AuditError> {
        self.check_invariants()?;
        Ok(Report {
            genesis_hash: self.genesis_hash,
            height: self.parent.height,
            block_hash: self.parent.hash(),
            transactions: self.transactions,
            accepted: self.accepted,
            validator_set_changes: self.validator_set_changes,
            state_root: self.parent.state_root,
        })
    }

    fn check_commit(&self, header: &Header, bytes: &[u8]) -> Result<(), AuditError> {
        let height = header.height;
        let fail = |message: String| AuditError::Commit { height, message };
        if bytes.is_empty() {
            return Err(fail("missing".into()));
        }
        let commit: CommitCertificate =
            codec::decode(bytes, COMMIT_BYTES_MAX).map_err(|e| fail(format!("does not decode: {e}")))?;
        if commit.height != height {
            return Err(fail(format!("it is for height {}", commit.height)));
        }
        if commit.value != header.value_id() {
            return Err(fail(format!(
                "it certifies block {}, the header's hash is {}",
                Hash32(commit.value.0),
                header.hash()
            )));
        }
        commit.verify(&self.chain_id, &self.sets.next).map_err(|e| fail(e.to_string()))
    }

    fn check_invariants(&self) -> Result<(), AuditError> {
        let violations = invariants::check(&self.state);
        if violations.is_empty() {
            return Ok(());
        }
        Err(AuditError::Invariants {
            height: self.parent.height,
            violations: violations.iter().map(ToString::to_string).collect(),
        })
    }
}

/// The state tree's nodes, by hash, unordered. The tree ([`jcm_runtime::merkle`]) only
/// gets and puts nodes; a range scan, which nothing on the replay's path asks for, sorts
/// the matching entries so that its order stays deterministic.
#[derive(Clone, Debug, Default)]
pub struct NodeStore {
    nodes: HashMap<[u8; 32], Box<[u8]>>,
}

impl NodeStore {
    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Keeps only the nodes of the tree rooted at `root`.
    ///
    /// Panics if one of them is missing or corrupt: the replay built them, so that is a
    /// broken invariant of this process, not a fault of the audited chain.
    pub fn retain_reachable(&mut self, root: &Hash32) {
        let mut kept = HashMap::with_capacity(self.nodes.len() / 2);
        let mut pending = vec![*root];
        while let Some(hash) = pending.pop() {
            if hash == merkle::EMPTY_HASH || kept.contains_key(&hash.0) {
                continue;
            }
            let bytes = self.nodes.remove(&hash.0).expect("every node of the replay's own tree is stored");
            let node = Node::from_bytes(&bytes).expect("the replay's tree nodes decode");
            if let Node::Internal { left, right } = node {
                pending.extend([left, right]);
            }
            kept.insert(hash.0, bytes);
        }
        self.nodes = kept;
    }
}

impl ReadStore for NodeStore {
    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        let key: &[u8; 32] = key.try_into().ok()?;
        self.nodes.get(key).map(|node| node.to_vec())
    }

    fn range(&self, start: &[u8], end: Option<&[u8]>) -> Entries<'_> {
        let mut entries: Vec<(Vec<u8>, Vec<u8>)> = self
            .nodes
            .iter()
            .filter(|(k, _)| k.as_slice() >= start && end.is_none_or(|end| k.as_slice() < end))
            .map(|(k, v)| (k.to_vec(), v.to_vec()))
            .collect();
        entries.sort();
        Box::new(entries.into_iter())
    }
}

impl Store for NodeStore {
    /// # Panics
    ///
    /// If `key` is not 32 bytes: the tree names every node by its SHA-256.
    fn put(&mut self, key: Vec<u8>, value: Vec<u8>) {
        let key: [u8; 32] = key.try_into().expect("tree nodes are stored by their 32-byte hash");
        self.nodes.insert(key, value.into_boxed_slice());
    }

    fn delete(&mut self, key: &[u8]) {
        if let Ok(key) = <&[u8; 32]>::try_from(key) {
            self.nodes.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_store_ranges_are_ordered_and_bounded() {
        let mut nodes = NodeStore::default();
        for k in [5u8, 1, 9, 3, 7] {
            nodes.put(vec![k; 32], vec![k]);
        }
        let keys = |entries: Entries<'_>| entries.map(|(k, _)| k[0]).collect::<Vec<u8>>();
        assert_eq!(keys(nodes.range(&[2], Some(&[8]))), [3, 5, 7]);
        assert_eq!(keys(nodes.range(&[], None)), [1, 3, 5, 7, 9]);
        nodes.delete(&[5; 32]);
        nodes.delete(b"not a hash");
        assert_eq!((nodes.get(&[5; 32]), nodes.get(&[7; 32]), nodes.len()), (None, Some(vec![7]), 4));
        assert_eq!(nodes.get(&[7]), None, "a key that is not a hash names no node");
    }

    #[test]
    fn pruning_keeps_exactly_the_latest_roots_tree() {
        let mut nodes = NodeStore::default();
        let mut writes = jcm_runtime::state::WriteSet::new();
        for i in 0..50u32 {
            writes.insert(i.to_be_bytes().to_vec(), Some(vec![1]));
        }
        let first = merkle::apply(&mut nodes, merkle::EMPTY_ROOT, &writes);
        writes.clear();
        for i in 0..10u32 {
            writes.insert(i.to_be_bytes().to_vec(), Some(vec![2]));
        }
        let second = merkle::apply(&mut nodes, first, &writes);
        let before = nodes.len();
        nodes.retain_reachable(&second);
        assert!(nodes.len() < before);
        for i in 0..50u32 {
            let value = if i < 10 { 2 } else { 1 };
            let proof = merkle::prove(&nodes, &second, &i.to_be_bytes()).expect("the latest root is whole");
            assert_eq!(merkle::verify(&second, &i.to_be_bytes(), Some(&[value]), &proof), Ok(()));
        }
        assert!(merkle::prove(&nodes, &first, &0u32.to_be_bytes()).is_err(), "the older root is gone");
    }
}
