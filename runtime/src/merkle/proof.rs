//! State proofs: [`prove`] that a key holds a value, or that it is absent, under a root;
//! [`verify`] such a proof with nothing but the root, the key and the claimed value.
//!
//! A proof is the walk from the root along the key's path: the sibling hash at every
//! internal node passed (root first), and the node where the walk ended:
//!
//! - the key's own leaf: the key is present, with that value hash;
//! - another key's leaf: the key is absent, because a one-entry subtree is stored as its
//!   leaf, so the subtree on the key's path holds that other entry only;
//! - an empty subtree (`leaf` is `None`): the key is absent.
//!
//! The verifier rebuilds the root from the bottom up and compares. Collision resistance
//! of SHA-256 and the distinct domain bytes of leaves and internal nodes mean that a
//! proof which rebuilds the root shows the nodes actually in the tree.
//!
//! A proof has a canonical borsh encoding ([`Proof::to_bytes`], [`Proof::from_bytes`])
//! and a JSON form with hashes as hex, for proof files. Both decoders refuse more than
//! [`PROOF_SIBLINGS_MAX`] siblings before allocating them. The JSON form:
//!
//! ```text
//! {
//!   "leaf": { "key_hash": "<64 hex>", "value_hash": "<64 hex>" },   // or null
//!   "siblings": [ "<64 hex>", ... ]                                 // root first
//! }
//! ```

use std::io::Read;

use borsh::{BorshDeserialize, BorshSerialize};
use serde::de::{Error as _, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use super::node::{key_hash, leaf_hash, value_hash, NodeError};
use super::tree::walk;
use super::{bit, common_prefix_bits, EMPTY_HASH, PROOF_BYTES_MAX, PROOF_SIBLINGS_MAX};
use crate::codec::{self, DecodeError, Hash32};
use crate::state::ReadStore;

/// A proof that a key holds a value, or is absent, under one state root.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Proof {
    /// The leaf where the key's path ends: the key's own leaf (present), another key's
    /// leaf (absent), or `None` for an empty subtree (absent).
    pub leaf: Option<ProofLeaf>,
    /// The sibling hash at each internal node on the path, from the root down: entry `d`
    /// is the sibling at depth `d`.
    #[serde(deserialize_with = "bounded_siblings")]
    pub siblings: Vec<Hash32>,
}

/// The leaf that ends a proof's path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProofLeaf {
    /// `sha256(key)` of the leaf's entry.
    pub key_hash: Hash32,
    /// `sha256(value)` of the leaf's entry.
    pub value_hash: Hash32,
}

/// Why a proof does not show the claim it was checked against.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// More siblings than the tree has levels.
    #[error("the proof has {len} siblings; a path has at most {max}")]
    TooManySiblings {
        /// Siblings in the proof.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A value was claimed, but the proof ends in an empty subtree or another key's leaf.
    #[error("the proof shows the key absent, not holding the claimed value")]
    KeyAbsent,
    /// Absence was claimed, but the proof ends at the key's own leaf.
    #[error("the proof shows the key present, not absent")]
    KeyPresent,
    /// The proof ends at the key's leaf, with the hash of another value.
    #[error("the key holds another value: its value hash is {found}")]
    ValueMismatch {
        /// The value hash in the proof.
        found: Hash32,
    },
    /// The proof's leaf does not lie on the key's path at the proof's depth.
    #[error("the proof's leaf is not on the key's path")]
    LeafOffPath,
    /// The proof passes an internal node with an empty child next to a leaf or an empty
    /// subtree, which the tree never holds.
    #[error("the proof is not in canonical form: its last sibling is empty")]
    NonCanonical,
    /// The proof rebuilds another root.
    #[error("the proof rebuilds root {computed}, not {expected}")]
    RootMismatch {
        /// The root the proof was checked against.
        expected: Hash32,
        /// The root the proof rebuilds.
        computed: Hash32,
    },
}

impl Proof {
    /// The canonical encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        codec::encode(self)
    }

    /// Decodes a canonical encoding, refusing more than [`PROOF_BYTES_MAX`] bytes or
    /// [`PROOF_SIBLINGS_MAX`] siblings.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        codec::decode(bytes, PROOF_BYTES_MAX)
    }
}

impl BorshDeserialize for Proof {
    fn deserialize_reader<R: Read>(reader: &mut R) -> std::io::Result<Self> {
        let leaf = Option::<ProofLeaf>::deserialize_reader(reader)?;
        let len = u32::deserialize_reader(reader)? as usize;
        if len > PROOF_SIBLINGS_MAX {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{len} siblings exceed the limit of {PROOF_SIBLINGS_MAX}"),
            ));
        }
        let mut siblings = Vec::with_capacity(len);
        for _ in 0..len {
            siblings.push(Hash32::deserialize_reader(reader)?);
        }
        Ok(Self { leaf, siblings })
    }
}

/// Reads a JSON list of sibling hashes, refusing the element after the limit.
fn bounded_siblings<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Hash32>, D::Error> {
    struct Bounded;
    impl<'de> Visitor<'de> for Bounded {
        type Value = Vec<Hash32>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "a list of at most {PROOF_SIBLINGS_MAX} hex hashes")
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut siblings = Vec::new();
            while let Some(hash) = seq.next_element::<Hash32>()? {
                if siblings.len() >= PROOF_SIBLINGS_MAX {
                    return Err(A::Error::custom(format!("more than {PROOF_SIBLINGS_MAX} siblings")));
                }
                siblings.push(hash);
            }
            Ok(siblings)
        }
    }
    d.deserialize_seq(Bounded)
}

/// The proof for `key` under `root`: of its value if present, of its absence otherwise.
/// Fails if a node of `root` is not in `nodes` (unknown or pruned root) or is corrupt.
pub fn prove<S: ReadStore + ?Sized>(nodes: &S, root: &Hash32, key: &[u8]) -> Result<Proof, NodeError> {
    let (siblings, leaf) = walk(nodes, root, &key_hash(key))?;
    Ok(Proof { leaf: leaf.map(|(key_hash, value_hash)| ProofLeaf { key_hash, value_hash }), siblings })
}

/// Checks that `proof` shows, under `root`, that `key` holds `value` (`Some`) or is
/// absent (`None`). Pure: needs no store, so an auditor runs it on a proof from an
/// untrusted node against a root from a committed header.
pub fn verify(root: &Hash32, key: &[u8], value: Option<&[u8]>, proof: &Proof) -> Result<(), ProofError> {
    let depth = proof.siblings.len();
    if depth > PROOF_SIBLINGS_MAX {
        return Err(ProofError::TooManySiblings { len: depth, max: PROOF_SIBLINGS_MAX });
    }
    let path = key_hash(key);
    let bottom = bottom_hash(&path, value, proof)?;
    if proof.siblings.last() == Some(&EMPTY_HASH) {
        return Err(ProofError::NonCanonical);
    }
    let mut hash = bottom;
    for (depth, sibling) in proof.siblings.iter().enumerate().rev() {
        hash = if bit(&path, depth) {
            super::internal_hash(sibling, &hash)
        } else {
            super::internal_hash(&hash, sibling)
        };
    }
    if hash != *root {
        return Err(ProofError::RootMismatch { expected: *root, computed: hash });
    }
    Ok(())
}

/// The hash at the bottom of the proof's path, once the proof's end is checked against
/// the claim.
fn bottom_hash(path: &Hash32, value: Option<&[u8]>, proof: &Proof) -> Result<Hash32, ProofError> {
    match (value, &proof.leaf) {
        (Some(_), None) => Err(ProofError::KeyAbsent),
        (None, None) => Ok(EMPTY_HASH),
        (Some(value), Some(leaf)) => {
            if leaf.key_hash != *path {
                return Err(ProofError::KeyAbsent);
            }
            if leaf.value_hash != value_hash(value) {
                return Err(ProofError::ValueMismatch { found: leaf.value_hash });
            }
            Ok(leaf_hash(&leaf.key_hash, &leaf.value_hash))
        }
        (None, Some(leaf)) => {
            if leaf.key_hash == *path {
                return Err(ProofError::KeyPresent);
            }
            if common_prefix_bits(&leaf.key_hash, path) < proof.siblings.len() {
                return Err(ProofError::LeafOffPath);
            }
            Ok(leaf_hash(&leaf.key_hash, &leaf.value_hash))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merkle::{apply, EMPTY_ROOT};
    use crate::state::{MemStore, WriteSet};

    fn tree(keys: &[&str]) -> (MemStore, Hash32) {
        let mut nodes = MemStore::new();
        let writes: WriteSet = keys
            .iter()
            .map(|k| (k.as_bytes().to_vec(), Some(format!("value of {k}").into_bytes())))
            .collect();
        let root = apply(&mut nodes, EMPTY_ROOT, &writes);
        (nodes, root)
    }

    #[test]
    fn the_empty_tree_proves_every_key_absent() {
        let nodes = MemStore::new();
        let proof = prove(&nodes, &EMPTY_ROOT, b"a").expect("empty root");
        assert_eq!(proof, Proof { leaf: None, siblings: vec![] });
        assert_eq!(verify(&EMPTY_ROOT, b"a", None, &proof), Ok(()));
        assert_eq!(verify(&EMPTY_ROOT, b"a", Some(b"1"), &proof), Err(ProofError::KeyAbsent));
    }

    #[test]
    fn members_and_absent_keys_verify() {
        let (nodes, root) = tree(&["a", "b", "c", "d", "e"]);
        for key in ["a", "b", "c", "d", "e"] {
            let proof = prove(&nodes, &root, key.as_bytes()).expect("known root");
            let value = format!("value of {key}");
            assert_eq!(verify(&root, key.as_bytes(), Some(value.as_bytes()), &proof), Ok(()));
            assert_eq!(verify(&root, key.as_bytes(), None, &proof), Err(ProofError::KeyPresent));
        }
        for key in ["f", "g", "h", "x", ""] {
            let proof = prove(&nodes, &root, key.as_bytes()).expect("known root");
            assert_eq!(verify(&root, key.as_bytes(), None, &proof), Ok(()), "{key}");
        }
    }

    #[test]
    fn an_empty_last_sibling_is_refused() {
        let (nodes, root) = tree(&["a", "b"]);
        let mut proof = prove(&nodes, &root, b"a").expect("known root");
        proof.siblings.push(EMPTY_HASH);
        assert_eq!(verify(&root, b"a", Some(b"value of a"), &proof), Err(ProofError::NonCanonical));
    }

    #[test]
    fn encoding_round_trips_and_refuses_too_many_siblings() {
        let (nodes, root) = tree(&["a", "b", "c"]);
        let proof = prove(&nodes, &root, b"zz").expect("known root");
        assert_eq!(Proof::from_bytes(&proof.to_bytes()), Ok(proof.clone()));
        let json = serde_json::to_string(&proof).expect("serializable");
        assert_eq!(serde_json::from_str::<Proof>(&json).expect("parses"), proof);

        let mut bytes = vec![0u8];
        bytes.extend_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(Proof::from_bytes(&bytes), Err(DecodeError::Malformed(_))));
    }
}
