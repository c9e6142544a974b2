//! The authenticated state: a sparse Merkle tree over the whole key-value state, whose
//! root goes into every block header (DESIGN.md: the header of block H carries the state
//! root *after* H).
//!
//! # Why
//!
//! An auditor must not have to trust the node it queries. With the root in a header that
//! 2f+1 validators signed, a node can answer "the value at key K is V" or "there is no
//! key K" with a short [`Proof`], and the auditor checks it with [`verify`], a pure
//! function that needs neither the store nor the node. Two validators that executed the
//! same block compare one hash instead of their whole state.
//!
//! # Shape
//!
//! Every state key `k` has a 256-bit *path* `sha256(k)`; bit 0 is the most significant
//! bit of the first byte, and at depth `d` a 0 bit goes left, a 1 bit right. Hashing
//! the key spreads keys evenly, so the tree stays about `log2(n)` deep whatever the key
//! layout, and nobody can choose a key to lengthen the path of another.
//!
//! The tree is *sparse* and *path-compressed*:
//!
//! - an empty subtree is not stored; its hash is the constant [`EMPTY_HASH`] (32 zero
//!   bytes, which no SHA-256 output is expected to equal). The empty tree's root is
//!   therefore [`EMPTY_ROOT`] = `0000…0000`;
//! - a subtree holding exactly one entry is that entry's leaf, placed at the depth where
//!   its path leaves every other path; it is not pushed down to depth 256;
//! - every other subtree is an internal node with two children, one of which may be
//!   empty (when two paths share a long prefix).
//!
//! These rules leave exactly one tree for each set of entries, so the root depends only
//! on the state, never on the order or the blocks in which it was written: incremental
//! updates ([`apply`]) and a rebuild from scratch ([`root_of`]) give the same root.
//!
//! # Hashing
//!
//! Domain-separated SHA-256, so a leaf can never be passed off as an internal node or the
//! reverse:
//!
//! ```text
//! leaf     = sha256(0x00 ‖ sha256(key) ‖ sha256(value))
//! internal = sha256(0x01 ‖ left ‖ right)
//! empty    = 0x00 × 32
//! ```
//!
//! A leaf's hash does not depend on its depth, so moving a leaf up or down (when a
//! neighbour arrives or leaves) costs no rehash of the leaf itself.
//!
//! # Storage
//!
//! Nodes are content-addressed: the store maps a node's hash (32 bytes) to its canonical
//! encoding, which is exactly the preimage of that hash (the borsh variant tag is the
//! domain byte). The node keeps them in their own RocksDB column family; tests use
//! [`crate::state::MemStore`]. [`apply`] only adds nodes, so every past root stays
//! provable for as long as its nodes are kept; pruning old nodes is a separate,
//! later concern of the node.
//!
//! # Example
//!
//! ```
//! use jcm_runtime::merkle::{self, EMPTY_ROOT};
//! use jcm_runtime::state::{MemStore, WriteSet};
//!
//! // The node keeps tree nodes in their own column family; here, in memory.
//! let mut nodes = MemStore::new();
//! let mut block = WriteSet::new();
//! block.insert(b"unit/1".to_vec(), Some(b"JPN01-H-GOV".to_vec()));
//! block.insert(b"unit/2".to_vec(), None); // deleting a missing key changes nothing
//! let root = merkle::apply(&mut nodes, EMPTY_ROOT, &block);
//!
//! // A node answers with proofs; an auditor checks them against a header's root.
//! let present = merkle::prove(&nodes, &root, b"unit/1")?;
//! merkle::verify(&root, b"unit/1", Some(b"JPN01-H-GOV"), &present)?;
//! let absent = merkle::prove(&nodes, &root, b"unit/2")?;
//! merkle::verify(&root, b"unit/2", None, &absent)?;
//! assert!(merkle::verify(&root, b"unit/1", Some(b"JPN01-H-EJP1"), &present).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod node;
mod proof;
mod tree;

pub use node::{internal_hash, key_hash, leaf_hash, value_hash, Node, NodeError};
pub use proof::{prove, verify, Proof, ProofError, ProofLeaf};
pub use tree::{apply, apply_split, get, root_of};

use crate::codec::Hash32;

/// Deepest level of the tree: paths are 256 bits, so a leaf sits at depth 256 at most
/// and an internal node at depth 255 at most.
pub const DEPTH_MAX: usize = 256;
/// Most sibling hashes in a proof: one per level above the leaf.
pub const PROOF_SIBLINGS_MAX: usize = DEPTH_MAX;
/// Largest encoded node: a variant tag and two hashes.
pub const NODE_BYTES_MAX: usize = 1 + 32 + 32;
/// Largest encoded proof: an optional leaf, a length prefix and the siblings.
pub const PROOF_BYTES_MAX: usize = 1 + 64 + 4 + 32 * PROOF_SIBLINGS_MAX;

const _: () = assert!(DEPTH_MAX == 8 * 32, "one level per bit of a SHA-256 path");
const _: () = assert!(PROOF_SIBLINGS_MAX <= DEPTH_MAX);
const _: () = assert!(PROOF_BYTES_MAX < crate::limits::TX_BYTES_MAX);

/// Hash of an empty subtree.
pub const EMPTY_HASH: Hash32 = Hash32([0; 32]);
/// Root of the empty tree (a state with no keys): 32 zero bytes.
pub const EMPTY_ROOT: Hash32 = EMPTY_HASH;

/// Bit `depth` of `path`, most significant bit of byte 0 first: `false` is left.
fn bit(path: &Hash32, depth: usize) -> bool {
    let byte = path.0[depth / 8];
    (byte >> (7 - depth % 8)) & 1 == 1
}

/// Length of the common prefix of two paths, in bits (256 if they are equal).
fn common_prefix_bits(a: &Hash32, b: &Hash32) -> usize {
    for (i, (x, y)) in a.0.iter().zip(b.0.iter()).enumerate() {
        let diff = x ^ y;
        if diff != 0 {
            return i * 8 + diff.leading_zeros() as usize;
        }
    }
    DEPTH_MAX
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_are_read_most_significant_first() {
        let mut path = Hash32([0; 32]);
        path.0[0] = 0b1000_0000;
        path.0[31] = 0b0000_0001;
        assert!(bit(&path, 0));
        assert!(!bit(&path, 1));
        assert!(!bit(&path, 254));
        assert!(bit(&path, 255));
    }

    #[test]
    fn common_prefix_counts_equal_leading_bits() {
        let a = Hash32([0; 32]);
        let mut b = a;
        assert_eq!(common_prefix_bits(&a, &b), 256);
        b.0[1] = 0b0010_0000;
        assert_eq!(common_prefix_bits(&a, &b), 10);
        b.0[0] = 0b1000_0000;
        assert_eq!(common_prefix_bits(&a, &b), 0);
    }
}
