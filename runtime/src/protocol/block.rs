//! Blocks: the header every validator signs for (through its hash, the consensus value),
//! the transactions, the previous height's commit certificate, and the check that a
//! block links to its parent. Executing a block is `crate::chain`'s.
//!
//! Execution is part of validation: the header of height H carries the state root and
//! the results root *after* executing H's transactions. A transaction that is well formed
//! and signed but fails a rule stays in its block with its verdict (the chain records
//! rejections too).

use borsh::{BorshDeserialize, BorshSerialize};

use super::{ChainId, CommitCertificate, Transaction, ValidatorKey, ValidatorSet, ValueId};
use crate::codec::{self, DecodeError, Hash32};
use crate::time::Timestamp;
use crate::verdict::Verdict;

/// Version of the block format and execution rules; a header of another version is refused.
pub const PROTOCOL_VERSION: u32 = 1;
/// Domain tag of a header's hash (the block id).
pub const HEADER_TAG: &[u8] = b"JCM/header/v1";
/// Domain tags of the list roots in a header.
pub const TXS_TAG: &[u8] = b"JCM/txs/v1";
/// See [`TXS_TAG`].
pub const RESULTS_TAG: &[u8] = b"JCM/results/v1";
/// See [`TXS_TAG`].
pub const VALIDATORS_TAG: &[u8] = b"JCM/validators/v1";
/// See [`TXS_TAG`].
pub const COMMIT_TAG: &[u8] = b"JCM/commit/v1";
/// Most transactions in one block.
pub const BLOCK_TXS_MAX: usize = 20_000;
/// Largest encoded block, in bytes. Below the node's default peer message limit (16 MiB)
/// with room for the message envelope.
pub const BLOCK_BYTES_MAX: usize = 12 * 1024 * 1024;

/// The header: what the consensus value (its hash) commits to.
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize)]
pub struct Header {
    /// The chain.
    pub chain_id: ChainId,
    /// [`PROTOCOL_VERSION`].
    pub protocol_version: u32,
    /// Height; the genesis header is height 0.
    pub height: u64,
    /// Block time (seconds), the action date of every transaction in the block. Never
    /// earlier than the parent's.
    pub time: Timestamp,
    /// Hash of the parent header (zero for genesis).
    pub previous_block_hash: Hash32,
    /// The validator that proposed the block (zero for genesis).
    pub proposer: ValidatorKey,
    /// [`txs_root`] of the block's transactions.
    pub txs_root: Hash32,
    /// [`results_root`] of the verdicts of the block's transactions.
    pub results_root: Hash32,
    /// Root of the state tree after executing the block.
    pub state_root: Hash32,
    /// [`validators_hash`] of the set that decides this height.
    pub validators_hash: Hash32,
    /// [`last_commit_hash`] of the block's `last_commit`.
    pub last_commit_hash: Hash32,
}

impl Header {
    /// The block id: `SHA-256(HEADER_TAG ‖ encode(header))`.
    pub fn hash(&self) -> Hash32 {
        let mut bytes = HEADER_TAG.to_vec();
        bytes.extend_from_slice(&codec::encode(self));
        codec::sha256(&bytes)
    }

    /// The consensus value of a block with this header.
    pub fn value_id(&self) -> ValueId {
        ValueId(self.hash().0)
    }
}

/// A block: its header, its transactions in execution order, and the commit certificate
/// of the parent (none for height 1, whose parent is genesis).
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize)]
pub struct Block {
    /// The header.
    pub header: Header,
    /// Transactions, executed in this order.
    pub txs: Vec<Transaction>,
    /// The parent's commit certificate.
    pub last_commit: Option<CommitCertificate>,
}

impl Block {
    /// Canonical bytes.
    pub fn encode(&self) -> Vec<u8> {
        codec::encode(self)
    }

    /// Decodes canonical bytes, bounded by [`BLOCK_BYTES_MAX`] and [`BLOCK_TXS_MAX`].
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let block: Self = codec::decode(bytes, BLOCK_BYTES_MAX)?;
        if block.txs.len() > BLOCK_TXS_MAX {
            return Err(DecodeError::Malformed(format!(
                "{} transactions in one block, the limit is {BLOCK_TXS_MAX}",
                block.txs.len()
            )));
        }
        Ok(block)
    }

    /// The block id.
    pub fn hash(&self) -> Hash32 {
        self.header.hash()
    }
}

/// The outcome of one transaction of a block.
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize)]
pub struct TxResult {
    /// The transaction id.
    pub tx: Hash32,
    /// Its verdict, with every failing rule's code and explanation.
    pub verdict: Verdict,
}

/// Root of a list: a binary Merkle tree over `SHA-256(tag ‖ 0x00 ‖ item)` leaves, inner
/// nodes `SHA-256(tag ‖ 0x01 ‖ left ‖ right)`, an odd node carried up unchanged; the
/// empty list has `SHA-256(tag)`.
pub fn list_root(tag: &[u8], items: impl IntoIterator<Item = Vec<u8>>) -> Hash32 {
    let hash = |prefix: u8, parts: &[&[u8]]| {
        let mut bytes = tag.to_vec();
        bytes.push(prefix);
        for part in parts {
            bytes.extend_from_slice(part);
        }
        codec::sha256(&bytes)
    };
    let mut level: Vec<Hash32> = items.into_iter().map(|item| hash(0, &[&item])).collect();
    if level.is_empty() {
        return codec::sha256(tag);
    }
    while level.len() > 1 {
        level = level
            .chunks(2)
            .map(|pair| match pair {
                [left, right] => hash(1, &[&left.0, &right.0]),
                [single] => *single,
                _ => unreachable!("chunks(2) yields one or two items"),
            })
            .collect();
    }
    level[0]
}

/// Root of a block's transactions (over their ids).
pub fn txs_root(txs: &[Transaction]) -> Hash32 {
    list_root(TXS_TAG, txs.iter().map(|tx| tx.hash().0.to_vec()))
}

/// Root of a block's results (over their canonical encodings).
pub fn results_root(results: &[TxResult]) -> Hash32 {
    list_root(RESULTS_TAG, results.iter().map(codec::encode))
}

/// Hash of a validator set: its members (sorted by key) with their power.
pub fn validators_hash(validators: &ValidatorSet) -> Hash32 {
    list_root(
        VALIDATORS_TAG,
        validators.validators().iter().map(|v| {
            let mut bytes = v.key.0.to_vec();
            bytes.extend_from_slice(&v.power.to_le_bytes());
            bytes
        }),
    )
}

/// Hash of a block's `last_commit` field.
pub fn last_commit_hash(commit: Option<&CommitCertificate>) -> Hash32 {
    let mut bytes = COMMIT_TAG.to_vec();
    bytes.extend_from_slice(&codec::encode(&commit));
    codec::sha256(&bytes)
}

/// The genesis header: height 0 at the genesis time, with the state root of the genesis
/// state. Every node and auditor derives it from the genesis file alone.
pub fn genesis_header(
    chain_id: ChainId,
    time: Timestamp,
    state_root: Hash32,
    validators: &ValidatorSet,
) -> Header {
    Header {
        chain_id,
        protocol_version: PROTOCOL_VERSION,
        height: 0,
        time,
        previous_block_hash: Hash32::default(),
        proposer: ValidatorKey([0; 32]),
        txs_root: txs_root(&[]),
        results_root: results_root(&[]),
        state_root,
        validators_hash: validators_hash(validators),
        last_commit_hash: last_commit_hash(None),
    }
}

/// Why a block does not follow its parent.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
pub enum LinkError {
    /// The header names another chain.
    #[error("the block is for chain `{found}`, this chain is `{expected}`")]
    ChainId {
        /// This chain.
        expected: String,
        /// The block's.
        found: String,
    },
    /// The header has another protocol version.
    #[error("protocol version {found}, this node runs version {PROTOCOL_VERSION}")]
    Version {
        /// The block's.
        found: u32,
    },
    /// The height is not the parent's plus one.
    #[error("height {found} does not follow the parent's height {parent}")]
    Height {
        /// The parent's.
        parent: u64,
        /// The block's.
        found: u64,
    },
    /// The previous-block hash is not the parent's hash.
    #[error("previous block hash {found} is not the parent's hash {expected}")]
    Previous {
        /// The parent's hash.
        expected: Hash32,
        /// The block's field.
        found: Hash32,
    },
    /// Block time went backwards.
    #[error("block time {found} is before the parent's time {parent}")]
    Time {
        /// The parent's.
        parent: Timestamp,
        /// The block's.
        found: Timestamp,
    },
    /// A header field does not match the block's content or the validator set.
    #[error("the header's {field} is {found}, the block's content gives {expected}")]
    Field {
        /// Which field.
        field: &'static str,
        /// What the content gives.
        expected: Hash32,
        /// What the header says.
        found: Hash32,
    },
    /// The proposer is not a validator.
    #[error("the proposer {0} is not a validator of this height")]
    Proposer(ValidatorKey),
    /// The last commit is missing, present where it must not be, or for another block.
    #[error("last commit: {0}")]
    LastCommit(String),
    /// Too many transactions.
    #[error("{0} transactions, the limit is {BLOCK_TXS_MAX}")]
    TooManyTxs(usize),
}

/// Checks everything about `block` that does not need execution: that it follows
/// `parent`, that its header matches its transactions and last commit, that its proposer
/// belongs to `validators`, and that its last commit certifies the parent (verified
/// against `parent_validators`, the set that decided the parent).
pub fn check_link(
    parent: &Header,
    block: &Block,
    validators: &ValidatorSet,
    parent_validators: &ValidatorSet,
) -> Result<(), LinkError> {
    let header = &block.header;
    if header.chain_id != parent.chain_id {
        return Err(LinkError::ChainId {
            expected: parent.chain_id.as_str().to_owned(),
            found: header.chain_id.as_str().to_owned(),
        });
    }
    if header.protocol_version != PROTOCOL_VERSION {
        return Err(LinkError::Version { found: header.protocol_version });
    }
    if Some(header.height) != parent.height.checked_add(1) {
        return Err(LinkError::Height { parent: parent.height, found: header.height });
    }
    let parent_hash = parent.hash();
    if header.previous_block_hash != parent_hash {
        return Err(LinkError::Previous { expected: parent_hash, found: header.previous_block_hash });
    }
    if header.time < parent.time {
        return Err(LinkError::Time { parent: parent.time, found: header.time });
    }
    if block.txs.len() > BLOCK_TXS_MAX {
        return Err(LinkError::TooManyTxs(block.txs.len()));
    }
    let field = |field, expected: Hash32, found: Hash32| {
        if expected == found {
            Ok(())
        } else {
            Err(LinkError::Field { field, expected, found })
        }
    };
    field("transactions root", txs_root(&block.txs), header.txs_root)?;
    field("validator-set hash", validators_hash(validators), header.validators_hash)?;
    field("last-commit hash", last_commit_hash(block.last_commit.as_ref()), header.last_commit_hash)?;
    if validators.get(&header.proposer).is_none() {
        return Err(LinkError::Proposer(header.proposer));
    }
    match (&block.last_commit, parent.height) {
        (None, 0) => Ok(()),
        (Some(_), 0) => Err(LinkError::LastCommit("genesis has no commit, but one is given".into())),
        (None, _) => Err(LinkError::LastCommit(format!("missing the commit of height {}", parent.height))),
        (Some(commit), _) => {
            if commit.height != parent.height || commit.value != parent.value_id() {
                return Err(LinkError::LastCommit(format!(
                    "it certifies {:?} at height {}, not the parent {:?} at height {}",
                    commit.value,
                    commit.height,
                    parent.value_id(),
                    parent.height
                )));
            }
            commit
                .verify(&parent.chain_id, parent_validators)
                .map_err(|e| LinkError::LastCommit(e.to_string()))
        }
    }
}
