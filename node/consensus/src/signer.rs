//! Signing behind a trait, and the sign guard that makes double-signing impossible for a
//! node that restarts from its own disk.
//!
//! The core never signs: it asks the caller to broadcast unsigned messages, and the
//! caller signs them through a [`Signer`]. Wrapping the key in a [`SignGuard`] adds the
//! rule that protects the validator from itself: it refuses to sign a message that
//! differs from one it already signed for the same `(height, round, step)`, and anything
//! older than its high-water mark. The guard writes its new high-water mark through a
//! [`GuardStore`] *before* it releases the signature, so after a crash the reloaded mark
//! covers every signature that ever left the process.

use crate::protocol::{Proposal, Signature, SignedProposal, SignedVote, ValidatorKey, ValueId};
use crate::protocol::{Vote, VoteKind};
use ed25519_dalek::{Signer as _, SigningKey};
use std::fmt;

/// Why a message was not signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    /// A different message was already signed for this height, round and step.
    #[error("already signed {signed:?}, refusing the conflicting {requested:?}")]
    Conflict {
        /// What was signed before.
        signed: SignRecord,
        /// What was asked for now.
        requested: SignRecord,
    },
    /// The message is for an older height, round or step than the high-water mark.
    #[error("refusing {requested:?}: older than the high-water mark {signed:?}")]
    Regression {
        /// The high-water mark.
        signed: SignRecord,
        /// What was asked for now.
        requested: SignRecord,
    },
    /// The message is not for this signer's key.
    #[error("message names validator {0:?}, not this signer")]
    WrongKey(ValidatorKey),
    /// The high-water mark could not be written: nothing was signed. The caller must stop
    /// (a failed write is a broken invariant, not a recoverable error).
    #[error("could not persist the sign record: {0}")]
    Store(String),
}

/// Signs protocol messages with one validator's key.
pub trait Signer {
    /// The key the signatures verify with.
    fn public_key(&self) -> ValidatorKey;
    /// Signs a vote; the vote must name [`Signer::public_key`].
    fn sign_vote(&mut self, vote: &Vote) -> Result<SignedVote, SignError>;
    /// Signs a proposal; the proposal must name [`Signer::public_key`].
    fn sign_proposal(&mut self, proposal: &Proposal) -> Result<SignedProposal, SignError>;
}

/// An in-process ed25519 key. Guard it with [`SignGuard`] before use in a validator.
pub struct KeySigner {
    key: SigningKey,
}

impl fmt::Debug for KeySigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the secret.
        write!(f, "KeySigner({:?})", self.public_key())
    }
}

impl KeySigner {
    /// A signer from a 32-byte ed25519 secret.
    pub fn from_secret(secret: &[u8; 32]) -> Self {
        Self { key: SigningKey::from_bytes(secret) }
    }

    fn sign_bytes(&self, bytes: &[u8]) -> Signature {
        Signature(self.key.sign(bytes).to_bytes())
    }
}

impl Signer for KeySigner {
    fn public_key(&self) -> ValidatorKey {
        ValidatorKey(self.key.verifying_key().to_bytes())
    }

    fn sign_vote(&mut self, vote: &Vote) -> Result<SignedVote, SignError> {
        if vote.validator != self.public_key() {
            return Err(SignError::WrongKey(vote.validator));
        }
        let signature = self.sign_bytes(&vote.sign_bytes());
        Ok(SignedVote { vote: vote.clone(), signature })
    }

    fn sign_proposal(&mut self, proposal: &Proposal) -> Result<SignedProposal, SignError> {
        if proposal.proposer != self.public_key() {
            return Err(SignError::WrongKey(proposal.proposer));
        }
        let signature = self.sign_bytes(&proposal.sign_bytes());
        Ok(SignedProposal { proposal: proposal.clone(), signature })
    }
}

/// The step a signature was for, in the order a round signs them.
#[derive(
    Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, borsh::BorshSerialize, borsh::BorshDeserialize,
)]
pub enum SignStep {
    /// A proposal.
    Propose,
    /// A prevote.
    Prevote,
    /// A precommit.
    Precommit,
}

/// The high-water mark of a validator's signatures: the last `(height, round, step)` it
/// signed and the value it signed there.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, borsh::BorshSerialize, borsh::BorshDeserialize)]
pub struct SignRecord {
    /// Height of the last signature.
    pub height: u64,
    /// Round of the last signature.
    pub round: u32,
    /// Step of the last signature.
    pub step: SignStep,
    /// Value signed (`None`: a nil vote).
    pub value: Option<ValueId>,
}

impl SignRecord {
    /// The record a vote would leave.
    pub fn of_vote(vote: &Vote) -> Self {
        let step = match vote.kind {
            VoteKind::Prevote => SignStep::Prevote,
            VoteKind::Precommit => SignStep::Precommit,
        };
        Self { height: vote.height, round: vote.round, step, value: vote.value }
    }

    /// The record a proposal would leave.
    pub fn of_proposal(proposal: &Proposal) -> Self {
        Self {
            height: proposal.height,
            round: proposal.round,
            step: SignStep::Propose,
            value: Some(proposal.value),
        }
    }

    fn position(&self) -> (u64, u32, SignStep) {
        (self.height, self.round, self.step)
    }
}

/// Durable storage of the guard's high-water mark.
pub trait GuardStore {
    /// Makes `record` durable; returns only once it would survive a crash.
    fn persist(&mut self, record: &SignRecord) -> Result<(), SignError>;
}

/// A [`Signer`] that refuses to double-sign, with its high-water mark on durable storage.
#[derive(Debug)]
pub struct SignGuard<S, P> {
    signer: S,
    store: P,
    last: Option<SignRecord>,
}

impl<S: Signer, P: GuardStore> SignGuard<S, P> {
    /// A guard around `signer`, resuming from the mark `last` loaded from `store`
    /// (`None` for a validator that never signed).
    pub fn new(signer: S, store: P, last: Option<SignRecord>) -> Self {
        Self { signer, store, last }
    }

    /// The current high-water mark.
    pub fn last(&self) -> Option<SignRecord> {
        self.last
    }

    /// The store, for the caller that shares it with other records.
    pub fn store_mut(&mut self) -> &mut P {
        &mut self.store
    }

    /// Checks `requested` against the mark and persists it when it moves the mark on.
    /// `Ok(())` means the caller may sign.
    fn admit(&mut self, requested: SignRecord) -> Result<(), SignError> {
        if let Some(signed) = self.last {
            match requested.position().cmp(&signed.position()) {
                std::cmp::Ordering::Less => return Err(SignError::Regression { signed, requested }),
                std::cmp::Ordering::Equal if requested.value == signed.value => return Ok(()),
                std::cmp::Ordering::Equal => return Err(SignError::Conflict { signed, requested }),
                std::cmp::Ordering::Greater => {}
            }
        }
        self.store.persist(&requested)?;
        self.last = Some(requested);
        Ok(())
    }
}

impl<S: Signer, P: GuardStore> Signer for SignGuard<S, P> {
    fn public_key(&self) -> ValidatorKey {
        self.signer.public_key()
    }

    fn sign_vote(&mut self, vote: &Vote) -> Result<SignedVote, SignError> {
        if vote.validator != self.public_key() {
            return Err(SignError::WrongKey(vote.validator));
        }
        self.admit(SignRecord::of_vote(vote))?;
        self.signer.sign_vote(vote)
    }

    fn sign_proposal(&mut self, proposal: &Proposal) -> Result<SignedProposal, SignError> {
        if proposal.proposer != self.public_key() {
            return Err(SignError::WrongKey(proposal.proposer));
        }
        self.admit(SignRecord::of_proposal(proposal))?;
        self.signer.sign_proposal(proposal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::ChainId;

    #[derive(Default)]
    struct MemoryStore {
        records: Vec<SignRecord>,
        fail: bool,
    }

    impl GuardStore for &mut MemoryStore {
        fn persist(&mut self, record: &SignRecord) -> Result<(), SignError> {
            if self.fail {
                return Err(SignError::Store("disk full".into()));
            }
            self.records.push(*record);
            Ok(())
        }
    }

    fn vote(signer: &KeySigner, round: u32, kind: VoteKind, value: Option<u8>) -> Vote {
        Vote {
            chain_id: ChainId::new("jcm-test").expect("valid chain id"),
            height: 3,
            round,
            kind,
            value: value.map(|v| ValueId([v; 32])),
            validator: signer.public_key(),
        }
    }

    #[test]
    fn guard_table() {
        use VoteKind::{Precommit, Prevote};
        let key = KeySigner::from_secret(&[1; 32]);
        // (description, vote to sign after prevote(r1, v1), expected to be signed)
        let cases = [
            ("same vote again is re-signed", vote(&key, 1, Prevote, Some(1)), true),
            ("other value, same step", vote(&key, 1, Prevote, Some(2)), false),
            ("nil, same step", vote(&key, 1, Prevote, None), false),
            ("precommit of the round", vote(&key, 1, Precommit, Some(1)), true),
            ("a later round", vote(&key, 2, Prevote, Some(2)), true),
            ("an earlier round", vote(&key, 0, Precommit, Some(1)), false),
        ];
        for (description, next, expected) in cases {
            let mut store = MemoryStore::default();
            let mut guard = SignGuard::new(KeySigner::from_secret(&[1; 32]), &mut store, None);
            let first = vote(&key, 1, Prevote, Some(1));
            let signed = guard.sign_vote(&first).expect("first vote");
            let result = guard.sign_vote(&next);
            assert_eq!(result.is_ok(), expected, "{description}: {result:?}");
            if next == first {
                assert_eq!(result, Ok(signed), "{description}");
            }
        }
    }

    #[test]
    fn resumed_guard_refuses_what_it_signed_before_a_crash() {
        let key = KeySigner::from_secret(&[1; 32]);
        let mut store = MemoryStore::default();
        let mut guard = SignGuard::new(KeySigner::from_secret(&[1; 32]), &mut store, None);
        guard.sign_vote(&vote(&key, 4, VoteKind::Precommit, Some(1))).expect("first precommit");
        let mark = store.records.last().copied();
        let mut store = MemoryStore::default();
        let mut restarted = SignGuard::new(KeySigner::from_secret(&[1; 32]), &mut store, mark);
        let conflicting = restarted.sign_vote(&vote(&key, 4, VoteKind::Precommit, None));
        assert!(matches!(conflicting, Err(SignError::Conflict { .. })));
        let older = restarted.sign_vote(&vote(&key, 4, VoteKind::Prevote, Some(1)));
        assert!(matches!(older, Err(SignError::Regression { .. })));
    }

    #[test]
    fn nothing_is_signed_when_the_mark_cannot_be_stored() {
        let key = KeySigner::from_secret(&[1; 32]);
        let mut store = MemoryStore { fail: true, ..MemoryStore::default() };
        let mut guard = SignGuard::new(KeySigner::from_secret(&[1; 32]), &mut store, None);
        let result = guard.sign_vote(&vote(&key, 0, VoteKind::Prevote, None));
        assert!(matches!(result, Err(SignError::Store(_))));
        assert_eq!(guard.last(), None);
    }

    fn proposal(signer: &KeySigner, round: u32, value: u8) -> Proposal {
        Proposal {
            chain_id: ChainId::new("jcm-test").expect("valid chain id"),
            height: 3,
            round,
            value: ValueId([value; 32]),
            valid_round: None,
            proposer: signer.public_key(),
        }
    }

    #[test]
    fn the_guard_signs_its_own_proposal_once_per_round_and_keeps_the_mark() {
        let key = KeySigner::from_secret(&[1; 32]);
        let mut store = MemoryStore::default();
        let mut guard = SignGuard::new(KeySigner::from_secret(&[1; 32]), &mut store, None);
        let first = proposal(&key, 2, 7);
        let signed = guard.sign_proposal(&first).expect("own proposal");
        let set = crate::protocol::ValidatorSet::new(&[(key.public_key(), 1)]).expect("a set");
        assert_eq!(set.verify_proposal(&signed), Ok(()));
        assert_eq!(guard.last(), Some(SignRecord::of_proposal(&first)));
        let other = guard.sign_proposal(&proposal(&key, 2, 8));
        assert!(matches!(other, Err(SignError::Conflict { .. })), "{other:?}");
        let stranger = KeySigner::from_secret(&[2; 32]);
        let refused = guard.sign_proposal(&proposal(&stranger, 3, 7));
        assert_eq!(refused, Err(SignError::WrongKey(stranger.public_key())));
        assert_eq!(guard.last(), Some(SignRecord::of_proposal(&first)), "a refusal leaves the mark");
        assert_eq!(store.records, vec![SignRecord::of_proposal(&first)]);
    }

    #[test]
    fn a_signer_prints_its_public_key_never_its_secret() {
        let key = KeySigner::from_secret(&[0x5a; 32]);
        let printed = format!("{key:?}");
        assert_eq!(printed, format!("KeySigner({:?})", key.public_key()));
        assert!(!printed.contains(&hex::encode([0x5a; 32])), "{printed}");
    }

    #[test]
    fn a_stranger_key_is_refused() {
        let other = KeySigner::from_secret(&[2; 32]);
        let mut store = MemoryStore::default();
        let mut guard = SignGuard::new(KeySigner::from_secret(&[1; 32]), &mut store, None);
        let result = guard.sign_vote(&vote(&other, 0, VoteKind::Prevote, None));
        assert_eq!(result, Err(SignError::WrongKey(other.public_key())));
    }
}
