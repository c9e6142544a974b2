//! Evidence of equivocation: two signed votes from one validator for the same height,
//! round and kind, but different values.
//!
//! Evidence carries everything needed to check it: anyone holding the validator's public
//! key (which is in the votes) can call [`Evidence::verify`], without trusting the node
//! that reported it. The consensus core finds it; a validator reports it on chain in a
//! `report_evidence` transaction (R52, docs/governance.md), which every node and the
//! audit verify again.

use borsh::{BorshDeserialize, BorshSerialize};

use super::{ProtocolError, SignedVote, ValidatorKey, VoteKind};
use crate::codec::{self, Hash32};

/// Tag of an evidence's hash (its identity on chain).
const EVIDENCE_TAG: &[u8] = b"JCM/evidence/v1";
/// Largest encoded evidence read from JSON: two votes and their signatures.
const EVIDENCE_BYTES_MAX: usize = 1024;

/// Why a pair of votes is not evidence of equivocation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvidenceError {
    /// The two votes are by different validators.
    #[error("the votes are by different validators")]
    DifferentValidators,
    /// The votes differ in chain, height, round or kind: they do not conflict.
    #[error("the votes are for different chains, heights, rounds or kinds")]
    DifferentSlots,
    /// The votes are for the same value: that is a repeat, not a conflict.
    #[error("the votes are for the same value")]
    SameValue,
    /// The pair is not in canonical order (the smaller vote first).
    #[error("the votes are not in canonical order (the smaller first)")]
    NotCanonical,
    /// A signature does not verify.
    #[error("signature: {0}")]
    Signature(#[from] ProtocolError),
}

/// Two conflicting signed votes by one validator.
///
/// The pair is stored in a canonical order (the smaller vote first), so the same
/// equivocation reported by two nodes yields equal evidence, with one hash.
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize)]
pub struct Evidence {
    first: SignedVote,
    second: SignedVote,
}

impl Evidence {
    /// Evidence from two votes, checked with [`Evidence::verify`].
    pub fn new(a: SignedVote, b: SignedVote) -> Result<Self, EvidenceError> {
        let (first, second) = if a <= b { (a, b) } else { (b, a) };
        let evidence = Self { first, second };
        evidence.verify()?;
        Ok(evidence)
    }

    /// The first vote of the canonical pair.
    pub fn first(&self) -> &SignedVote {
        &self.first
    }

    /// The second vote of the canonical pair.
    pub fn second(&self) -> &SignedVote {
        &self.second
    }

    /// The validator that signed both votes.
    pub fn validator(&self) -> ValidatorKey {
        self.first.vote.validator
    }

    /// The height, round and kind both votes are for.
    pub fn slot(&self) -> (u64, u32, VoteKind) {
        let v = &self.first.vote;
        (v.height, v.round, v.kind)
    }

    /// Its identity: the hash of its canonical encoding.
    pub fn hash(&self) -> Hash32 {
        let mut bytes = EVIDENCE_TAG.to_vec();
        bytes.extend_from_slice(&codec::encode(self));
        codec::sha256(&bytes)
    }

    /// Checks that the pair is canonical, that the two votes are by the same validator,
    /// for the same chain, height, round and kind, for different values, and that both
    /// signatures verify against the validator's public key.
    pub fn verify(&self) -> Result<(), EvidenceError> {
        let (a, b) = (&self.first.vote, &self.second.vote);
        if a.validator != b.validator {
            return Err(EvidenceError::DifferentValidators);
        }
        let same_slot =
            a.chain_id == b.chain_id && a.height == b.height && a.round == b.round && a.kind == b.kind;
        if !same_slot {
            return Err(EvidenceError::DifferentSlots);
        }
        if a.value == b.value {
            return Err(EvidenceError::SameValue);
        }
        if self.first > self.second {
            return Err(EvidenceError::NotCanonical);
        }
        self.first.verify()?;
        self.second.verify()?;
        Ok(())
    }
}

/// In JSON, evidence is the hex of its canonical encoding (what a node reports and the
/// chain stores); the read models show its parts.
impl serde::Serialize for Evidence {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(codec::encode(self)))
    }
}

impl<'de> serde::Deserialize<'de> for Evidence {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <String as serde::Deserialize>::deserialize(d)?;
        let bytes = hex::decode(text.trim())
            .map_err(|e| serde::de::Error::custom(format!("evidence is not hex: {e}")))?;
        codec::decode(&bytes, EVIDENCE_BYTES_MAX)
            .map_err(|e| serde::de::Error::custom(format!("evidence does not decode: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consensus::{ChainId, Signature, ValueId, Vote};
    use ed25519_dalek::{Signer as _, SigningKey};

    fn signed(seed: u8, round: u32, value: Option<u8>) -> SignedVote {
        let key = SigningKey::from_bytes(&[seed; 32]);
        let vote = Vote {
            chain_id: ChainId::new("jcm-test").expect("valid chain id"),
            height: 5,
            round,
            kind: VoteKind::Prevote,
            value: value.map(|v| ValueId([v; 32])),
            validator: ValidatorKey(key.verifying_key().to_bytes()),
        };
        let signature = Signature(key.sign(&vote.sign_bytes()).to_bytes());
        SignedVote { vote, signature }
    }

    #[test]
    fn conflicting_votes_are_evidence_in_either_order() {
        let a = signed(1, 0, Some(1));
        let b = signed(1, 0, None);
        let ab = Evidence::new(a.clone(), b.clone()).expect("conflicting votes");
        let ba = Evidence::new(b, a).expect("conflicting votes");
        assert_eq!(ab, ba);
        assert_eq!(ab.hash(), ba.hash());
        assert_eq!(ab.verify(), Ok(()));
    }

    #[test]
    fn non_conflicts_are_rejected() {
        let cases = [
            ("same value", signed(1, 0, Some(1)), EvidenceError::SameValue),
            ("other round", signed(1, 1, Some(2)), EvidenceError::DifferentSlots),
            ("other validator", signed(2, 0, Some(2)), EvidenceError::DifferentValidators),
        ];
        for (description, other, expected) in cases {
            let result = Evidence::new(signed(1, 0, Some(1)), other);
            assert_eq!(result, Err(expected), "{description}");
        }
    }

    #[test]
    fn forged_signature_is_rejected() {
        let mut b = signed(1, 0, Some(2));
        b.signature = signed(1, 0, Some(3)).signature;
        let result = Evidence::new(signed(1, 0, Some(1)), b);
        assert!(matches!(result, Err(EvidenceError::Signature(_))));
    }

    #[test]
    fn a_pair_out_of_order_is_not_canonical_and_json_round_trips() {
        let evidence = Evidence::new(signed(1, 0, Some(1)), signed(1, 0, Some(2))).expect("evidence");
        let swapped = Evidence { first: evidence.second.clone(), second: evidence.first.clone() };
        assert_eq!(swapped.verify(), Err(EvidenceError::NotCanonical));
        let json = serde_json::to_string(&evidence).expect("json");
        let back: Evidence = serde_json::from_str(&json).expect("parses");
        assert_eq!(back, evidence);
        assert!(serde_json::from_str::<Evidence>("\"00ff\"").is_err());
    }
}
