//! Protocol types that leave the node: votes, proposals, validator sets and commit
//! certificates, with their canonical signed bytes.
//!
//! Auditors verify these too, so they live in the runtime beside the other protocol
//! types; the consensus core (`jcm-consensus`) re-exports them as its `protocol` module.
//! The module depends only on `ed25519-dalek`, `borsh`, `thiserror` and `std`.
//! Every signed message is `domain tag ‖ chain_id ‖ encoding`,
//! where the encoding is fixed-width little-endian integers, one-byte tags for enums and
//! options, and a one-byte length before the chain id. The bytes are pinned by golden
//! vectors in the tests below: changing them is a deliberate, versioned act.
//!
//! Beside the signed bytes, the types have a borsh encoding for the wire and the store
//! (blocks carry a commit certificate; peers exchange signed votes and proposals). A
//! decoded chain id is checked like a constructed one.

use borsh::{BorshDeserialize, BorshSerialize};
use ed25519_dalek::{Signature as DalekSignature, Verifier as _, VerifyingKey};
use std::collections::BTreeSet;
use std::fmt;

/// Domain tag of a vote's signed bytes.
pub const VOTE_TAG: &[u8] = b"JCM/vote/v1";
/// Domain tag of a proposal's signed bytes.
pub const PROPOSAL_TAG: &[u8] = b"JCM/proposal/v1";
/// Longest chain id, in bytes (it is length-prefixed by one byte).
pub const CHAIN_ID_LEN_MAX: usize = 64;
/// Most validators a set may hold; bounds every per-validator table.
pub const VALIDATORS_MAX: usize = 256;
/// Largest encoded commit certificate anyone reads (store, bundle, proof file, RPC):
/// [`VALIDATORS_MAX`] signatures fit in a third of it.
pub const COMMIT_BYTES_MAX: usize = 64 * 1024;

/// Errors of the protocol types: construction and verification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    /// The chain id is empty or longer than [`CHAIN_ID_LEN_MAX`].
    #[error("chain id must be 1..={CHAIN_ID_LEN_MAX} bytes, got {0}")]
    ChainIdLength(usize),
    /// The validator set is empty or larger than [`VALIDATORS_MAX`].
    #[error("validator set must hold 1..={VALIDATORS_MAX} validators, got {0}")]
    ValidatorCount(usize),
    /// A validator appears twice in a set or a certificate.
    #[error("validator {0} appears twice")]
    DuplicateValidator(ValidatorKey),
    /// A validator has zero voting power.
    #[error("validator {0} has zero voting power")]
    ZeroPower(ValidatorKey),
    /// The total voting power does not fit the bound (u64::MAX / 4).
    #[error("total voting power overflows")]
    PowerOverflow,
    /// The bytes are not a valid ed25519 public key.
    #[error("validator {0} is not a valid ed25519 public key")]
    BadKey(ValidatorKey),
    /// A signer is not in the validator set.
    #[error("validator {0} is not in the validator set")]
    UnknownValidator(ValidatorKey),
    /// A signature does not verify.
    #[error("bad signature from {0}")]
    BadSignature(ValidatorKey),
    /// A certificate's signers hold no more than two thirds of the voting power.
    #[error("certificate carries {signed} of {total} voting power, needs more than two thirds")]
    InsufficientPower {
        /// Power of the distinct, valid signers.
        signed: u64,
        /// Total power of the set.
        total: u64,
    },
}

/// Identity of the chain; part of every signed message so a vote cannot be replayed on
/// another chain.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct ChainId(String);

impl ChainId {
    /// A chain id of 1..=[`CHAIN_ID_LEN_MAX`] bytes.
    pub fn new(id: &str) -> Result<Self, ProtocolError> {
        if id.is_empty() || id.len() > CHAIN_ID_LEN_MAX {
            return Err(ProtocolError::ChainIdLength(id.len()));
        }
        Ok(Self(id.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub(crate) fn encode_into(&self, out: &mut Vec<u8>) {
        // The constructor bounds the length to CHAIN_ID_LEN_MAX, which fits a u8.
        out.push(self.0.len() as u8);
        out.extend_from_slice(self.0.as_bytes());
    }
}

impl BorshSerialize for ChainId {
    fn serialize<W: std::io::Write>(&self, writer: &mut W) -> std::io::Result<()> {
        self.0.serialize(writer)
    }
}

impl BorshDeserialize for ChainId {
    fn deserialize_reader<R: std::io::Read>(reader: &mut R) -> std::io::Result<Self> {
        let text = crate::codec::read_bounded_string(reader, CHAIN_ID_LEN_MAX)?;
        Self::new(&text).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()))
    }
}

/// The opaque id of a proposed value (a block hash), supplied by the caller.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, BorshSerialize, BorshDeserialize)]
pub struct ValueId(pub [u8; 32]);

impl fmt::Debug for ValueId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "V:{}", short_hex(&self.0))
    }
}

/// A validator's ed25519 public key, as its 32 bytes.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, BorshSerialize, BorshDeserialize)]
pub struct ValidatorKey(pub [u8; 32]);

impl fmt::Debug for ValidatorKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "K:{}", short_hex(&self.0))
    }
}

impl fmt::Display for ValidatorKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl ValidatorKey {
    pub(super) fn verifying_key(&self) -> Result<VerifyingKey, ProtocolError> {
        VerifyingKey::from_bytes(&self.0).map_err(|_| ProtocolError::BadKey(*self))
    }
}

/// An ed25519 signature, as its 64 bytes.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, BorshSerialize, BorshDeserialize)]
pub struct Signature(pub [u8; 64]);

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "S:{}", short_hex(&self.0))
    }
}

fn short_hex(bytes: &[u8]) -> String {
    bytes.iter().take(4).map(|b| format!("{b:02x}")).collect()
}

fn verify_signature(
    key: &VerifyingKey,
    signer: ValidatorKey,
    message: &[u8],
    signature: &Signature,
) -> Result<(), ProtocolError> {
    let signature = DalekSignature::from_bytes(&signature.0);
    key.verify(message, &signature).map_err(|_| ProtocolError::BadSignature(signer))
}

/// The two kinds of vote of a Tendermint round.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, BorshSerialize, BorshDeserialize)]
pub enum VoteKind {
    /// First voting step of a round.
    Prevote,
    /// Second voting step; 2f+1 precommits for a value commit it.
    Precommit,
}

impl VoteKind {
    fn tag(self) -> u8 {
        match self {
            VoteKind::Prevote => 1,
            VoteKind::Precommit => 2,
        }
    }
}

/// A vote of one validator for a value (or nil) at a height, round and step.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, BorshSerialize, BorshDeserialize)]
pub struct Vote {
    /// Chain the vote belongs to.
    pub chain_id: ChainId,
    /// Height being decided.
    pub height: u64,
    /// Round within the height.
    pub round: u32,
    /// Prevote or precommit.
    pub kind: VoteKind,
    /// The value voted for; `None` is nil.
    pub value: Option<ValueId>,
    /// The voting validator.
    pub validator: ValidatorKey,
}

impl Vote {
    /// The canonical bytes a validator signs:
    /// `"JCM/vote/v1" ‖ len(chain_id):u8 ‖ chain_id ‖ height:u64le ‖ round:u32le ‖
    /// kind:u8 (1 prevote, 2 precommit) ‖ 0:u8 (nil) | 1:u8 ‖ value:32 ‖ validator:32`.
    pub fn sign_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(VOTE_TAG.len() + 1 + self.chain_id.0.len() + 80);
        out.extend_from_slice(VOTE_TAG);
        self.chain_id.encode_into(&mut out);
        out.extend_from_slice(&self.height.to_le_bytes());
        out.extend_from_slice(&self.round.to_le_bytes());
        out.push(self.kind.tag());
        match self.value {
            None => out.push(0),
            Some(value) => {
                out.push(1);
                out.extend_from_slice(&value.0);
            }
        }
        out.extend_from_slice(&self.validator.0);
        out
    }
}

/// A vote with its validator's signature over [`Vote::sign_bytes`].
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, BorshSerialize, BorshDeserialize)]
pub struct SignedVote {
    /// The vote.
    pub vote: Vote,
    /// Signature by `vote.validator`.
    pub signature: Signature,
}

impl SignedVote {
    /// Checks the signature against the key named in the vote.
    pub fn verify(&self) -> Result<(), ProtocolError> {
        let key = self.vote.validator.verifying_key()?;
        self.verify_with(&key)
    }

    /// Checks the signature against an already decoded key (see [`ValidatorSet`]).
    pub fn verify_with(&self, key: &VerifyingKey) -> Result<(), ProtocolError> {
        let bytes = self.vote.sign_bytes();
        verify_signature(key, self.vote.validator, &bytes, &self.signature)
    }
}

/// A proposal of a value for a round by that round's proposer.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, BorshSerialize, BorshDeserialize)]
pub struct Proposal {
    /// Chain the proposal belongs to.
    pub chain_id: ChainId,
    /// Height being decided.
    pub height: u64,
    /// Round of the proposal.
    pub round: u32,
    /// The proposed value.
    pub value: ValueId,
    /// The round in which the proposer saw 2f+1 prevotes for `value` (its valid round),
    /// or `None` (the paper's -1).
    pub valid_round: Option<u32>,
    /// The proposing validator.
    pub proposer: ValidatorKey,
}

impl Proposal {
    /// The canonical bytes the proposer signs:
    /// `"JCM/proposal/v1" ‖ len(chain_id):u8 ‖ chain_id ‖ height:u64le ‖ round:u32le ‖
    /// value:32 ‖ 0:u8 (no valid round) | 1:u8 ‖ valid_round:u32le ‖ proposer:32`.
    pub fn sign_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(PROPOSAL_TAG.len() + 1 + self.chain_id.0.len() + 84);
        out.extend_from_slice(PROPOSAL_TAG);
        self.chain_id.encode_into(&mut out);
        out.extend_from_slice(&self.height.to_le_bytes());
        out.extend_from_slice(&self.round.to_le_bytes());
        out.extend_from_slice(&self.value.0);
        match self.valid_round {
            None => out.push(0),
            Some(round) => {
                out.push(1);
                out.extend_from_slice(&round.to_le_bytes());
            }
        }
        out.extend_from_slice(&self.proposer.0);
        out
    }
}

/// A proposal with its proposer's signature over [`Proposal::sign_bytes`].
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, BorshSerialize, BorshDeserialize)]
pub struct SignedProposal {
    /// The proposal.
    pub proposal: Proposal,
    /// Signature by `proposal.proposer`.
    pub signature: Signature,
}

impl SignedProposal {
    /// Checks the signature against an already decoded key (see [`ValidatorSet`]).
    pub fn verify_with(&self, key: &VerifyingKey) -> Result<(), ProtocolError> {
        let bytes = self.proposal.sign_bytes();
        verify_signature(key, self.proposal.proposer, &bytes, &self.signature)
    }
}

/// One validator: its key and its voting power.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Validator {
    /// Public key.
    pub key: ValidatorKey,
    /// Voting power, > 0.
    pub power: u64,
    verifying: VerifyingKey,
}

/// The validators of a height, sorted by key, with their voting power.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ValidatorSet {
    validators: Vec<Validator>,
    total_power: u64,
}

impl ValidatorSet {
    /// A set from `(key, power)` pairs in any order; keys must be distinct valid ed25519
    /// keys with non-zero power, at most [`VALIDATORS_MAX`] of them.
    pub fn new(members: &[(ValidatorKey, u64)]) -> Result<Self, ProtocolError> {
        if members.is_empty() || members.len() > VALIDATORS_MAX {
            return Err(ProtocolError::ValidatorCount(members.len()));
        }
        let mut validators = Vec::with_capacity(members.len());
        let mut total_power: u64 = 0;
        for &(key, power) in members {
            if power == 0 {
                return Err(ProtocolError::ZeroPower(key));
            }
            total_power = total_power
                .checked_add(power)
                .filter(|total| *total <= u64::MAX / 4)
                .ok_or(ProtocolError::PowerOverflow)?;
            let verifying = key.verifying_key()?;
            validators.push(Validator { key, power, verifying });
        }
        validators.sort_by_key(|v| v.key);
        if let Some(pair) = validators.windows(2).find(|w| w[0].key == w[1].key) {
            return Err(ProtocolError::DuplicateValidator(pair[0].key));
        }
        Ok(Self { validators, total_power })
    }

    /// The validators, sorted by key.
    pub fn validators(&self) -> &[Validator] {
        &self.validators
    }

    /// Sum of all voting power.
    pub fn total_power(&self) -> u64 {
        self.total_power
    }

    /// The validator with this key.
    pub fn get(&self, key: &ValidatorKey) -> Option<&Validator> {
        self.validators.binary_search_by_key(key, |v| v.key).ok().map(|index| &self.validators[index])
    }

    /// Voting power of a key (0 for a stranger).
    pub fn power_of(&self, key: &ValidatorKey) -> u64 {
        self.get(key).map_or(0, |v| v.power)
    }

    /// True when `power` is more than two thirds of the total (the paper's 2f+1).
    pub fn is_quorum(&self, power: u64) -> bool {
        u128::from(power) * 3 > u128::from(self.total_power) * 2
    }

    /// True when `power` is more than one third of the total (the paper's f+1): at least
    /// one correct validator is among them.
    pub fn is_one_third(&self, power: u64) -> bool {
        u128::from(power) * 3 > u128::from(self.total_power)
    }

    /// Verifies a vote's signature; the signer must be a member.
    pub fn verify_vote(&self, vote: &SignedVote) -> Result<(), ProtocolError> {
        let member =
            self.get(&vote.vote.validator).ok_or(ProtocolError::UnknownValidator(vote.vote.validator))?;
        vote.verify_with(&member.verifying)
    }

    /// Verifies a proposal's signature; the proposer must be a member.
    pub fn verify_proposal(&self, proposal: &SignedProposal) -> Result<(), ProtocolError> {
        let proposer = proposal.proposal.proposer;
        let member = self.get(&proposer).ok_or(ProtocolError::UnknownValidator(proposer))?;
        proposal.verify_with(&member.verifying)
    }
}

/// One precommit signature inside a [`CommitCertificate`].
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, BorshSerialize, BorshDeserialize)]
pub struct CommitSignature {
    /// The precommitting validator.
    pub validator: ValidatorKey,
    /// Its signature over the precommit for the certificate's value.
    pub signature: Signature,
}

/// Proof that a value was committed at a height: the precommit signatures of more than
/// two thirds of the voting power, all for the same round and value.
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize)]
pub struct CommitCertificate {
    /// Committed height.
    pub height: u64,
    /// Round whose precommits committed the value.
    pub round: u32,
    /// The committed value.
    pub value: ValueId,
    /// The precommit signatures, one per validator.
    pub signatures: Vec<CommitSignature>,
}

impl CommitCertificate {
    /// Checks that distinct members of `validators` holding more than two thirds of the
    /// voting power signed a precommit for `(chain_id, height, round, value)`.
    ///
    /// Any bad signature, stranger or repeated signer rejects the whole certificate:
    /// an honest node never builds one like that.
    pub fn verify(&self, chain_id: &ChainId, validators: &ValidatorSet) -> Result<(), ProtocolError> {
        if self.signatures.len() > validators.validators().len() {
            return Err(ProtocolError::ValidatorCount(self.signatures.len()));
        }
        let mut seen = BTreeSet::new();
        let mut signed: u64 = 0;
        for commit in &self.signatures {
            if !seen.insert(commit.validator) {
                return Err(ProtocolError::DuplicateValidator(commit.validator));
            }
            let precommit = SignedVote {
                vote: self.precommit_of(chain_id, commit.validator),
                signature: commit.signature,
            };
            validators.verify_vote(&precommit)?;
            // Bounded: the set's total power fits u64 / 4.
            signed += validators.power_of(&commit.validator);
        }
        if !validators.is_quorum(signed) {
            return Err(ProtocolError::InsufficientPower { signed, total: validators.total_power() });
        }
        Ok(())
    }

    /// The precommit a signer of this certificate signed.
    pub fn precommit_of(&self, chain_id: &ChainId, validator: ValidatorKey) -> Vote {
        Vote {
            chain_id: chain_id.clone(),
            height: self.height,
            round: self.round,
            kind: VoteKind::Precommit,
            value: Some(self.value),
            validator,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer as _, SigningKey};

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn pk(seed: u8) -> ValidatorKey {
        ValidatorKey(key(seed).verifying_key().to_bytes())
    }

    fn chain() -> ChainId {
        ChainId::new("jcm-test").expect("valid chain id")
    }

    fn vote(kind: VoteKind, value: Option<ValueId>, seed: u8) -> Vote {
        Vote { chain_id: chain(), height: 7, round: 2, kind, value, validator: pk(seed) }
    }

    fn sign(vote: Vote, seed: u8) -> SignedVote {
        let signature = Signature(key(seed).sign(&vote.sign_bytes()).to_bytes());
        SignedVote { vote, signature }
    }

    #[test]
    fn golden_vote_sign_bytes_are_pinned() {
        let nil_prevote = Vote {
            chain_id: chain(),
            height: 0x0102_0304_0506_0708,
            round: 0x0a0b_0c0d,
            kind: VoteKind::Prevote,
            value: None,
            validator: ValidatorKey([0x11; 32]),
        };
        assert_eq!(
            hex::encode(nil_prevote.sign_bytes()),
            concat!(
                "4a434d2f766f74652f7631", // "JCM/vote/v1"
                "08",
                "6a636d2d74657374", // len, "jcm-test"
                "0807060504030201", // height LE
                "0d0c0b0a",         // round LE
                "01",               // prevote
                "00",               // nil
                "1111111111111111111111111111111111111111111111111111111111111111",
            )
        );
        let precommit = Vote {
            kind: VoteKind::Precommit,
            value: Some(ValueId([0xab; 32])),
            height: 1,
            round: 0,
            ..nil_prevote
        };
        assert_eq!(
            hex::encode(precommit.sign_bytes()),
            concat!(
                "4a434d2f766f74652f7631",
                "08",
                "6a636d2d74657374",
                "0100000000000000",
                "00000000",
                "02",
                "01",
                "abababababababababababababababababababababababababababababababab",
                "1111111111111111111111111111111111111111111111111111111111111111",
            )
        );
    }

    #[test]
    fn golden_vote_signature_is_pinned() {
        // ed25519 is deterministic: the same key and bytes give the same signature.
        let signed = sign(vote(VoteKind::Precommit, Some(ValueId([7; 32])), 1), 1);
        assert_eq!(hex::encode(pk(1).0), "8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c");
        assert_eq!(hex::encode(signed.signature.0), GOLDEN_SIGNATURE);
        assert_eq!(signed.verify(), Ok(()));
    }

    const GOLDEN_SIGNATURE: &str = concat!(
        "93d33e756f713e3cad88438c2eef92b9c19b3a9df862235ee1d78b8e7a7eeeb4",
        "ce9700af8c08784e3098596c0cc31840bba00db6fa562503e92d029648657303",
    );

    #[test]
    fn golden_proposal_sign_bytes_are_pinned() {
        let proposal = Proposal {
            chain_id: chain(),
            height: 3,
            round: 1,
            value: ValueId([0xcd; 32]),
            valid_round: Some(0),
            proposer: ValidatorKey([0x22; 32]),
        };
        assert_eq!(
            hex::encode(proposal.sign_bytes()),
            concat!(
                "4a434d2f70726f706f73616c2f7631", // "JCM/proposal/v1"
                "08",
                "6a636d2d74657374",
                "0300000000000000",
                "01000000",
                "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
                "01",
                "00000000",
                "2222222222222222222222222222222222222222222222222222222222222222",
            )
        );
    }

    #[test]
    fn tampered_vote_fails_verification() {
        let mut signed = sign(vote(VoteKind::Prevote, None, 1), 1);
        signed.vote.round += 1;
        assert_eq!(signed.verify(), Err(ProtocolError::BadSignature(pk(1))));
    }

    #[test]
    fn chain_id_is_bounded() {
        assert!(ChainId::new("").is_err());
        assert!(ChainId::new(&"x".repeat(CHAIN_ID_LEN_MAX)).is_ok());
        assert!(ChainId::new(&"x".repeat(CHAIN_ID_LEN_MAX + 1)).is_err());
    }

    fn set(powers: &[(u8, u64)]) -> ValidatorSet {
        let members: Vec<_> = powers.iter().map(|&(s, p)| (pk(s), p)).collect();
        ValidatorSet::new(&members).expect("valid set")
    }

    #[test]
    fn validator_set_rejects_bad_members() {
        assert_eq!(ValidatorSet::new(&[]), Err(ProtocolError::ValidatorCount(0)));
        assert_eq!(
            ValidatorSet::new(&[(pk(1), 1), (pk(1), 2)]),
            Err(ProtocolError::DuplicateValidator(pk(1)))
        );
        assert_eq!(ValidatorSet::new(&[(pk(1), 0)]), Err(ProtocolError::ZeroPower(pk(1))));
        assert_eq!(ValidatorSet::new(&[(pk(1), u64::MAX / 2)]), Err(ProtocolError::PowerOverflow));
    }

    #[test]
    fn quorum_thresholds_are_strict() {
        let validators = set(&[(1, 1), (2, 1), (3, 1), (4, 1)]);
        assert!(!validators.is_quorum(2));
        assert!(validators.is_quorum(3));
        assert!(!validators.is_one_third(1));
        assert!(validators.is_one_third(2));
    }

    fn certificate(signers: &[u8], value: ValueId) -> CommitCertificate {
        let signatures = signers
            .iter()
            .map(|&s| {
                let signed = sign(vote(VoteKind::Precommit, Some(value), s), s);
                CommitSignature { validator: pk(s), signature: signed.signature }
            })
            .collect();
        CommitCertificate { height: 7, round: 2, value, signatures }
    }

    #[test]
    fn certificate_needs_more_than_two_thirds_of_power() {
        let validators = set(&[(1, 1), (2, 1), (3, 1), (4, 3)]);
        let value = ValueId([9; 32]);
        assert_eq!(certificate(&[1, 2, 4], value).verify(&chain(), &validators), Ok(()));
        assert_eq!(
            certificate(&[1, 4], value).verify(&chain(), &validators),
            Err(ProtocolError::InsufficientPower { signed: 4, total: 6 })
        );
    }

    #[test]
    fn certificate_rejects_repeats_strangers_and_forgeries() {
        let validators = set(&[(1, 1), (2, 1), (3, 1), (4, 1)]);
        let value = ValueId([9; 32]);
        let repeated = certificate(&[1, 2, 2, 3], value);
        assert_eq!(repeated.verify(&chain(), &validators), Err(ProtocolError::DuplicateValidator(pk(2))));
        let stranger = certificate(&[1, 2, 9], value);
        assert_eq!(stranger.verify(&chain(), &validators), Err(ProtocolError::UnknownValidator(pk(9))));
        let mut forged = certificate(&[1, 2, 3], value);
        forged.value = ValueId([8; 32]);
        assert!(matches!(forged.verify(&chain(), &validators), Err(ProtocolError::BadSignature(_))));
        let other_chain = ChainId::new("other").expect("valid chain id");
        assert!(certificate(&[1, 2, 3], value).verify(&other_chain, &validators).is_err());
    }
}
