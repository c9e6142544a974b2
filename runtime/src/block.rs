//! Blocks: the header every validator signs for (through its hash, the consensus value),
//! the transactions, the previous height's commit certificate, and the pure functions
//! that execute a block and check that it links to its parent.
//!
//! The node and the auditor's tool share everything here, so a block the node accepted
//! is re-checked by exactly the same code in `jcm audit`.
//!
//! Execution is part of validation: the header of height H carries the state root and
//! the results root *after* executing H's transactions. A transaction that is well formed
//! and signed but fails a rule stays in its block with its verdict (the chain records
//! rejections too).

use borsh::{BorshDeserialize, BorshSerialize};

use crate::codec::{self, DecodeError, Hash32};
use crate::consensus::{ChainId, CommitCertificate, ValidatorKey, ValidatorSet, ValueId};
use crate::merkle;
use crate::state::{Overlay, Store, WriteSet};
use crate::time::Timestamp;
use crate::tx::{self, BlockContext, Transaction};
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

/// What executing a block's transactions produced.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Executed {
    /// One result per transaction, in block order.
    pub results: Vec<TxResult>,
    /// The state writes of the whole block.
    pub state_writes: WriteSet,
    /// The state tree's new nodes.
    pub tree_writes: WriteSet,
    /// The state root after the block.
    pub state_root: Hash32,
}

/// Executes transactions at `ctx` over `state` (left untouched: the writes are returned)
/// and updates the state tree rooted at `root` whose nodes are in `tree`, both halves of
/// the tree at once ([`merkle::apply_split`]). The block's time-driven rules run first
/// ([`tx::begin_block`]); every transaction's signature is checked
/// ([`signatures_valid`]), and a transaction whose signature fails gets the verdict
/// [`tx::apply`] gives it.
pub fn execute<S, T>(state: &S, tree: &T, root: Hash32, ctx: &BlockContext, txs: &[Transaction]) -> Executed
where
    S: Store + ?Sized,
    T: Store + Sync + ?Sized,
{
    execute_with(state, tree, root, ctx, txs, &|_| false)
}

/// [`execute`], told which transactions' signatures the caller already found valid with
/// [`Transaction::signature_valid`] (a node's mempool checked them at admission), so they
/// are not checked twice. A transaction id is the hash of the whole envelope, signature
/// included, so a known id means the very bytes that were checked, and the verdict is
/// the one a fresh check would give: which path checked a signature never changes
/// whether it is valid.
pub fn execute_with<S, T>(
    state: &S,
    tree: &T,
    root: Hash32,
    ctx: &BlockContext,
    txs: &[Transaction],
    verified: &dyn Fn(&Hash32) -> bool,
) -> Executed
where
    S: Store + ?Sized,
    T: Store + Sync + ?Sized,
{
    let ids: Vec<Hash32> = txs.iter().map(Transaction::hash).collect();
    let known: Vec<bool> = ids.iter().map(verified).collect();
    let unchecked: Vec<&Transaction> =
        txs.iter().zip(&known).filter(|(_, known)| !**known).map(|(tx, _)| tx).collect();
    let mut valid_unchecked = signatures_valid(&unchecked).into_iter();
    let mut overlay = Overlay::new(state);
    tx::begin_block(&mut overlay, ctx);
    let results = txs
        .iter()
        .zip(ids)
        .zip(known)
        .map(|((t, id), known)| {
            // `valid_unchecked` holds one answer per transaction not known, in order.
            let valid = known || valid_unchecked.next().unwrap_or(false);
            let verdict = if valid { tx::apply_verified(&mut overlay, ctx, t) } else { tx::bad_signature() };
            TxResult { tx: id, verdict }
        })
        .collect();
    let state_writes = overlay.into_writes();
    let (state_root, tree_writes) = merkle::apply_split(tree, root, &state_writes);
    Executed { results, state_writes, tree_writes, state_root }
}

/// Fewest signatures worth spreading over several threads.
const PARALLEL_SIGNATURES_MIN: usize = 64;

/// Whether each transaction's signature verifies, in order: [`Transaction::signature_valid`]
/// (one strict ed25519 verification, the rule every path uses) for each, spread over the
/// machine's cores when there are many. Every signature is checked on its own, never in
/// a batch, so the answer is the same on any machine and with any number of threads.
pub fn signatures_valid(txs: &[&Transaction]) -> Vec<bool> {
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    if threads < 2 || txs.len() < PARALLEL_SIGNATURES_MIN {
        return txs.iter().map(|tx| tx.signature_valid()).collect();
    }
    let chunk = txs.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let workers: Vec<_> = txs
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || part.iter().map(|tx| tx.signature_valid()).collect::<Vec<bool>>())
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| match worker.join() {
                Ok(valid) => valid,
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    })
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

/// Checks the execution results a header claims.
pub fn check_execution(header: &Header, executed: &Executed) -> Result<(), LinkError> {
    let results = results_root(&executed.results);
    if results != header.results_root {
        return Err(LinkError::Field {
            field: "results root",
            expected: results,
            found: header.results_root,
        });
    }
    if executed.state_root != header.state_root {
        return Err(LinkError::Field {
            field: "state root",
            expected: executed.state_root,
            found: header.state_root,
        });
    }
    Ok(())
}

/// The validator set a genesis document names.
pub fn genesis_validators(
    genesis: &crate::genesis::Genesis,
) -> Result<ValidatorSet, crate::consensus::ProtocolError> {
    crate::tx::gov::consensus_set(&genesis.validators)
}

/// The genesis block and the writes of the genesis state (with its tree), derived from
/// the genesis document alone.
pub fn genesis_block(genesis: &crate::genesis::Genesis) -> Result<(Block, Executed), String> {
    let chain_id = ChainId::new(genesis.chain_id.as_str()).map_err(|e| e.to_string())?;
    let validators = genesis_validators(genesis).map_err(|e| e.to_string())?;
    let mut state = crate::state::MemStore::new();
    genesis.init_state(&mut state);
    let state_writes: WriteSet = state.range(&[], None).map(|(k, v)| (k, Some(v))).collect();
    let mut nodes = crate::state::MemStore::new();
    let state_root = merkle::apply(&mut nodes, merkle::EMPTY_ROOT, &state_writes);
    let tree_writes = nodes.range(&[], None).map(|(k, v)| (k, Some(v))).collect();
    let header = genesis_header(chain_id, genesis.genesis_time, state_root, &validators);
    let block = Block { header, txs: Vec::new(), last_commit: None };
    Ok((block, Executed { results: Vec::new(), state_writes, tree_writes, state_root }))
}
