//! Tree nodes, their domain-separated hashes and their content-addressed storage.
//!
//! A node's canonical (borsh) encoding is exactly the preimage of its hash: the variant
//! tag is the domain byte (0x00 leaf, 0x01 internal) followed by two hashes. A node is
//! stored under its hash, and a loaded node is rehashed and compared with the hash it
//! was asked for, so a corrupt or substituted node is caught when read.

use borsh::{BorshDeserialize, BorshSerialize};

use super::{EMPTY_HASH, NODE_BYTES_MAX};
use crate::codec::{sha256, Hash32};
use crate::state::{ReadStore, Store};

/// Domain byte of a leaf hash.
const LEAF_TAG: u8 = 0x00;
/// Domain byte of an internal node hash.
const INTERNAL_TAG: u8 = 0x01;

/// A stored tree node. Empty subtrees are not nodes: they hash to [`EMPTY_HASH`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub enum Node {
    /// The only entry of its subtree.
    Leaf {
        /// `sha256(key)`: the entry's path.
        key_hash: Hash32,
        /// `sha256(value)`.
        value_hash: Hash32,
    },
    /// A subtree with at least two entries.
    Internal {
        /// Hash of the subtree whose paths have a 0 bit at this depth.
        left: Hash32,
        /// Hash of the subtree whose paths have a 1 bit at this depth.
        right: Hash32,
    },
}

/// Why a node could not be read from the node store.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NodeError {
    /// No node under this hash: the root is unknown, or its nodes were pruned.
    #[error("tree node {hash} is not in the node store (unknown or pruned root)")]
    Missing {
        /// The hash that was looked up.
        hash: Hash32,
    },
    /// The stored bytes are not a node, or not the node with this hash.
    #[error("tree node {hash} is corrupt: {reason}")]
    Corrupt {
        /// The hash that was looked up.
        hash: Hash32,
        /// What is wrong with the stored bytes.
        reason: String,
    },
}

impl Node {
    /// The canonical encoding, equal to `codec::encode(self)` without allocating.
    pub fn to_bytes(&self) -> [u8; NODE_BYTES_MAX] {
        let (tag, a, b) = match self {
            Node::Leaf { key_hash, value_hash } => (LEAF_TAG, key_hash, value_hash),
            Node::Internal { left, right } => (INTERNAL_TAG, left, right),
        };
        let mut bytes = [0u8; NODE_BYTES_MAX];
        bytes[0] = tag;
        bytes[1..33].copy_from_slice(&a.0);
        bytes[33..].copy_from_slice(&b.0);
        bytes
    }

    /// Decodes a canonical encoding: exactly [`NODE_BYTES_MAX`] bytes with a known tag.
    /// Equivalent to `codec::decode`, without its re-encoding check, because a fixed
    /// size and a two-valued tag leave no room for a non-canonical form.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let bytes: &[u8; NODE_BYTES_MAX] = bytes.try_into().ok()?;
        let mut a = Hash32::default();
        let mut b = Hash32::default();
        a.0.copy_from_slice(&bytes[1..33]);
        b.0.copy_from_slice(&bytes[33..]);
        match bytes[0] {
            LEAF_TAG => Some(Node::Leaf { key_hash: a, value_hash: b }),
            INTERNAL_TAG => Some(Node::Internal { left: a, right: b }),
            _ => None,
        }
    }

    /// The node's hash: SHA-256 of its canonical encoding.
    pub fn hash(&self) -> Hash32 {
        sha256(&self.to_bytes())
    }
}

/// The path of a state key: `sha256(key)`.
pub fn key_hash(key: &[u8]) -> Hash32 {
    sha256(key)
}

/// The hash committed for a state value: `sha256(value)`.
pub fn value_hash(value: &[u8]) -> Hash32 {
    sha256(value)
}

/// `sha256(0x00 ‖ key_hash ‖ value_hash)`.
pub fn leaf_hash(key_hash: &Hash32, value_hash: &Hash32) -> Hash32 {
    Node::Leaf { key_hash: *key_hash, value_hash: *value_hash }.hash()
}

/// `sha256(0x01 ‖ left ‖ right)`.
pub fn internal_hash(left: &Hash32, right: &Hash32) -> Hash32 {
    Node::Internal { left: *left, right: *right }.hash()
}

/// Writes `node` under its hash and returns the hash.
pub(super) fn store_node<S: Store + ?Sized>(nodes: &mut S, node: &Node) -> Hash32 {
    let bytes = node.to_bytes();
    let hash = sha256(&bytes);
    nodes.put(hash.0.to_vec(), bytes.to_vec());
    hash
}

/// Reads the node stored under `hash` (which must not be [`EMPTY_HASH`]) and checks that
/// it is the node with that hash.
pub(super) fn load<S: ReadStore + ?Sized>(nodes: &S, hash: &Hash32) -> Result<Node, NodeError> {
    debug_assert_ne!(*hash, EMPTY_HASH, "empty subtrees are not stored");
    let bytes = nodes.get(&hash.0).ok_or(NodeError::Missing { hash: *hash })?;
    let node = Node::from_bytes(&bytes).ok_or_else(|| NodeError::Corrupt {
        hash: *hash,
        reason: format!("{} bytes that are not a node encoding", bytes.len()),
    })?;
    if sha256(&bytes) != *hash {
        return Err(NodeError::Corrupt {
            hash: *hash,
            reason: "the stored node hashes to another value".to_string(),
        });
    }
    Ok(node)
}

/// Like [`load`], for the update path, where the store is the node's own and a missing
/// or corrupt node is a broken invariant (STYLE.md convention 5): the process stops and
/// restarts from disk rather than commit a wrong root.
pub(super) fn load_or_crash<S: ReadStore + ?Sized>(nodes: &S, hash: &Hash32) -> Node {
    match load(nodes, hash) {
        Ok(node) => node,
        Err(e) => {
            panic!("invariant broken: the node store holds every node of the current root: {e}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec;
    use crate::state::MemStore;

    #[test]
    fn encoding_is_the_borsh_encoding_and_the_hash_preimage() {
        let leaf = Node::Leaf { key_hash: Hash32([1; 32]), value_hash: Hash32([2; 32]) };
        let internal = Node::Internal { left: Hash32([3; 32]), right: Hash32([4; 32]) };
        for node in [leaf, internal] {
            assert_eq!(codec::encode(&node), node.to_bytes().to_vec());
            assert_eq!(Node::from_bytes(&node.to_bytes()), Some(node));
            assert_eq!(codec::decode::<Node>(&node.to_bytes(), NODE_BYTES_MAX), Ok(node));
            assert_eq!(node.hash(), sha256(&node.to_bytes()));
        }
        assert_eq!(leaf.to_bytes()[0], 0x00);
        assert_eq!(Node::from_bytes(&[2; NODE_BYTES_MAX]), None);
        assert_eq!(Node::from_bytes(&leaf.to_bytes()[1..]), None);
        assert_eq!(internal.to_bytes()[0], 0x01);
    }

    #[test]
    fn leaf_and_internal_with_equal_children_hash_differently() {
        let (a, b) = (Hash32([5; 32]), Hash32([6; 32]));
        assert_ne!(leaf_hash(&a, &b), internal_hash(&a, &b));
    }

    #[test]
    fn load_refuses_missing_malformed_and_substituted_nodes() {
        let mut nodes = MemStore::new();
        let node = Node::Internal { left: Hash32([7; 32]), right: Hash32([8; 32]) };
        let hash = store_node(&mut nodes, &node);
        assert_eq!(load(&nodes, &hash), Ok(node));
        let other = Hash32([9; 32]);
        assert_eq!(load(&nodes, &other), Err(NodeError::Missing { hash: other }));
        nodes.put(other.0.to_vec(), node.to_bytes().to_vec());
        assert!(matches!(load(&nodes, &other), Err(NodeError::Corrupt { .. })));
        nodes.put(other.0.to_vec(), vec![2; NODE_BYTES_MAX]);
        assert!(matches!(load(&nodes, &other), Err(NodeError::Corrupt { .. })));
    }
}
