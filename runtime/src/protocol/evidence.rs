//! Evidence of equivocation: two signed votes from one validator for the same height,
//! round and kind, but different values; or two proposals of one round by its proposer
//! for different values.
//!
//! Evidence carries everything needed to check it: anyone holding the validator's public
//! key (which is in the votes) can call [`Evidence::verify`], without trusting the node
//! that reported it. The consensus core finds it; a validator reports it on chain in a
//! `report_evidence` transaction (R52, docs/governance.md), which every node and the
//! audit verify again.

use borsh::{BorshDeserialize, BorshSerialize};

use super::{ChainId, ProtocolError, SignedProposal, SignedVote, ValidatorKey, ValueId, VoteKind};
use crate::codec::{self, Hash32};

/// Tag of an evidence's hash (its identity on chain).
const EVIDENCE_TAG: &[u8] = b"JCM/evidence/v1";
/// Largest encoded evidence read from JSON: two votes and their signatures.
const EVIDENCE_BYTES_MAX: usize = 1024;

/// Why a pair of messages is not evidence of equivocation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvidenceError {
    /// The two messages are by different validators.
    #[error("the messages are by different validators")]
    DifferentValidators,
    /// The messages differ in chain, height, round or kind: they do not conflict.
    #[error("the messages are for different chains, heights, rounds or kinds")]
    DifferentSlots,
    /// The messages are for the same value: that is a repeat, not a conflict.
    #[error("the messages are for the same value")]
    SameValue,
    /// The pair is not in canonical order (the smaller first).
    #[error("the messages are not in canonical order (the smaller first)")]
    NotCanonical,
    /// A signature does not verify.
    #[error("signature: {0}")]
    Signature(#[from] ProtocolError),
}

/// Two conflicting signed messages by one validator: two votes of one height, round
/// and kind for different values, or two proposals of one height and round (by that
/// round's proposer) for different values.
///
/// Each pair is stored in a canonical order (the smaller first), so the same
/// equivocation reported by two nodes yields equal evidence, with one hash.
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize)]
pub enum Evidence {
    /// Two conflicting votes.
    Votes {
        /// The smaller vote.
        first: SignedVote,
        /// The other.
        second: SignedVote,
    },
    /// Two proposals of one round for different values.
    Proposals {
        /// The smaller proposal.
        first: SignedProposal,
        /// The other.
        second: SignedProposal,
    },
}

impl Evidence {
    /// Evidence from two votes, checked with [`Evidence::verify`].
    pub fn new(a: SignedVote, b: SignedVote) -> Result<Self, EvidenceError> {
        let (first, second) = if a <= b { (a, b) } else { (b, a) };
        let evidence = Self::Votes { first, second };
        evidence.verify()?;
        Ok(evidence)
    }

    /// Evidence from two proposals, checked with [`Evidence::verify`].
    pub fn proposals(a: SignedProposal, b: SignedProposal) -> Result<Self, EvidenceError> {
        let (first, second) = if a <= b { (a, b) } else { (b, a) };
        let evidence = Self::Proposals { first, second };
        evidence.verify()?;
        Ok(evidence)
    }

    /// The validator that signed both.
    pub fn validator(&self) -> ValidatorKey {
        match self {
            Evidence::Votes { first, .. } => first.vote.validator,
            Evidence::Proposals { first, .. } => first.proposal.proposer,
        }
    }

    /// The chain both are for.
    pub fn chain_id(&self) -> &ChainId {
        match self {
            Evidence::Votes { first, .. } => &first.vote.chain_id,
            Evidence::Proposals { first, .. } => &first.proposal.chain_id,
        }
    }

    /// The height, round and kind (`prevote`, `precommit`, `proposal`) both are for.
    pub fn slot(&self) -> (u64, u32, &'static str) {
        match self {
            Evidence::Votes { first, .. } => {
                let kind = match first.vote.kind {
                    VoteKind::Prevote => "prevote",
                    VoteKind::Precommit => "precommit",
                };
                (first.vote.height, first.vote.round, kind)
            }
            Evidence::Proposals { first, .. } => (first.proposal.height, first.proposal.round, "proposal"),
        }
    }

    /// The two values (a nil vote has none), in the pair's order.
    pub fn values(&self) -> [Option<ValueId>; 2] {
        match self {
            Evidence::Votes { first, second } => [first.vote.value, second.vote.value],
            Evidence::Proposals { first, second } => {
                [Some(first.proposal.value), Some(second.proposal.value)]
            }
        }
    }

    /// Its identity: the hash of its canonical encoding.
    pub fn hash(&self) -> Hash32 {
        let mut bytes = EVIDENCE_TAG.to_vec();
        bytes.extend_from_slice(&codec::encode(self));
        codec::sha256(&bytes)
    }

    /// Checks that the pair is canonical, by one validator, for one chain, height, round
    /// (and kind, for votes), for different values, and that both signatures verify
    /// against the validator's public key.
    pub fn verify(&self) -> Result<(), EvidenceError> {
        match self {
            Evidence::Votes { first, second } => {
                let (a, b) = (&first.vote, &second.vote);
                check_pair(
                    a.validator == b.validator,
                    a.chain_id == b.chain_id
                        && a.height == b.height
                        && a.round == b.round
                        && a.kind == b.kind,
                    a.value == b.value,
                    first <= second,
                )?;
                first.verify()?;
                second.verify()?;
            }
            Evidence::Proposals { first, second } => {
                let (a, b) = (&first.proposal, &second.proposal);
                check_pair(
                    a.proposer == b.proposer,
                    a.chain_id == b.chain_id && a.height == b.height && a.round == b.round,
                    a.value == b.value,
                    first <= second,
                )?;
                let key = a.proposer.verifying_key()?;
                first.verify_with(&key)?;
                second.verify_with(&key)?;
            }
        }
        Ok(())
    }
}

fn check_pair(
    same_signer: bool,
    same_slot: bool,
    same_value: bool,
    canonical: bool,
) -> Result<(), EvidenceError> {
    if !same_signer {
        return Err(EvidenceError::DifferentValidators);
    }
    if !same_slot {
        return Err(EvidenceError::DifferentSlots);
    }
    if same_value {
        return Err(EvidenceError::SameValue);
    }
    if !canonical {
        return Err(EvidenceError::NotCanonical);
    }
    Ok(())
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
    use crate::protocol::{Proposal, Signature, Vote};
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

    fn proposed(seed: u8, round: u32, value: u8) -> SignedProposal {
        let key = SigningKey::from_bytes(&[seed; 32]);
        let proposal = Proposal {
            chain_id: ChainId::new("jcm-test").expect("valid chain id"),
            height: 5,
            round,
            value: ValueId([value; 32]),
            valid_round: None,
            proposer: ValidatorKey(key.verifying_key().to_bytes()),
        };
        let signature = Signature(key.sign(&proposal.sign_bytes()).to_bytes());
        SignedProposal { proposal, signature }
    }

    #[test]
    fn two_proposals_of_one_round_are_evidence_and_other_pairs_are_not() {
        let evidence = Evidence::proposals(proposed(1, 0, 1), proposed(1, 0, 2)).expect("a double proposal");
        assert_eq!(evidence.slot(), (5, 0, "proposal"));
        assert_eq!(
            evidence,
            Evidence::proposals(proposed(1, 0, 2), proposed(1, 0, 1)).expect("either order")
        );
        let cases = [
            ("same value", proposed(1, 0, 1), EvidenceError::SameValue),
            ("other round", proposed(1, 1, 2), EvidenceError::DifferentSlots),
            ("other proposer", proposed(2, 0, 2), EvidenceError::DifferentValidators),
        ];
        for (description, other, expected) in cases {
            assert_eq!(Evidence::proposals(proposed(1, 0, 1), other), Err(expected), "{description}");
        }
        let mut forged = proposed(1, 0, 2);
        forged.signature = proposed(1, 0, 3).signature;
        assert!(matches!(Evidence::proposals(proposed(1, 0, 1), forged), Err(EvidenceError::Signature(_))));
    }

    #[test]
    fn a_pair_out_of_order_is_not_canonical_and_json_round_trips() {
        let evidence = Evidence::new(signed(1, 0, Some(1)), signed(1, 0, Some(2))).expect("evidence");
        let Evidence::Votes { first, second } = &evidence else { panic!("votes") };
        let swapped = Evidence::Votes { first: second.clone(), second: first.clone() };
        assert_eq!(swapped.verify(), Err(EvidenceError::NotCanonical));
        let json = serde_json::to_string(&evidence).expect("json");
        let back: Evidence = serde_json::from_str(&json).expect("parses");
        assert_eq!(back, evidence);
        assert!(serde_json::from_str::<Evidence>("\"00ff\"").is_err());
    }
}
