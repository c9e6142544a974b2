//! The proof file: what `jcm prove` writes and `jcm verify-proof` reads (JSON, hex for
//! bytes, [`Proof`] JSON for Merkle proofs). The module doc of [`super`] says what each
//! part proves.

use jcm_runtime::merkle::Proof;
use serde::{Deserialize, Serialize};

/// A unit's proof file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitProof {
    /// [`super::FORMAT`] (or [`super::FORMAT_V1`] for a file of the first version).
    pub format: String,
    /// The unit identifier.
    pub unit: String,
    /// The height whose state is proven.
    pub height: u64,
    /// The header of `height`, canonical bytes as hex.
    pub header: String,
    /// Its commit certificate, canonical bytes as hex.
    pub commit: String,
    /// The chain-metadata entry.
    pub meta: Entry,
    /// The unit block holding the unit.
    pub current: Entry,
    /// The action-log entries that touched the unit, oldest first.
    pub events: Vec<Entry>,
    /// Every height up to `height` at which the validator set changed, in increasing
    /// order, with what shows the change (format 2; a file of format 1 has none, and
    /// lacks the field).
    #[serde(default)]
    pub transitions: Vec<Transition>,
}

/// One state entry and its proof against the header's state root.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The state key, hex.
    pub key: String,
    /// The value, hex.
    pub value: String,
    /// The Merkle proof.
    pub proof: Proof,
}

impl Entry {
    /// The entry of `key` holding `value`, with its proof.
    pub fn new(key: &[u8], value: &[u8], proof: Proof) -> Self {
        Self { key: hex::encode(key), value: hex::encode(value), proof }
    }
}

/// A state key that holds a value or is absent, with the Merkle proof of which.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lookup {
    /// The state key, hex.
    pub key: String,
    /// The value, hex; `null` for an absent key.
    pub value: Option<String>,
    /// The Merkle proof of the value, or of the absence.
    pub proof: Proof,
}

impl Lookup {
    /// The lookup of `key`, holding `value` or absent, with its proof.
    pub fn new(key: &[u8], value: Option<&[u8]>, proof: Proof) -> Self {
        Self { key: hex::encode(key), value: value.map(hex::encode), proof }
    }
}

/// The validator set changing at `height` (`E`, R49): the changes that take effect at
/// `E` are the schedule entries `vs/<E><p>` of the state of `E - 1`, and that state is
/// certified by the set in force before the change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transition {
    /// The height `E` at which the changes take effect.
    pub height: u64,
    /// The header of `E - 1`, canonical bytes as hex.
    pub header: String,
    /// Its commit certificate, canonical bytes as hex.
    pub commit: String,
    /// The Merkle proof, in the state of `E - 1`, of the chain-metadata entry (the value
    /// of the file's `meta`): that state is of the genesis's chain.
    pub meta: Proof,
    /// The proposal counter `gn` in the state of `E - 1` (absent before the first
    /// proposal, which means 1).
    pub next_proposal: Lookup,
    /// For each proposal `p` from 1 up to the counter, in order: `vs/<E><p>` in the state
    /// of `E - 1`, present with its scheduled change (borsh) or absent.
    pub changes: Vec<Lookup>,
}
