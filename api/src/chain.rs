//! The chain itself: blocks with their transactions, verdicts and commit certificates,
//! the raw bytes of a block, and the operator's routes (status, health, readiness).

use jcm_runtime::codec::Hash32;
use jcm_runtime::protocol::{Block, CommitCertificate, Header, Transaction, TxResult};
use jcm_runtime::time::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::VerdictView;

/// A block header, every field; hashes and keys as lowercase hex.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HeaderView {
    /// The chain.
    pub chain_id: String,
    /// The protocol version the block was made under.
    pub protocol_version: u32,
    /// Height; the genesis header is height 0.
    pub height: u64,
    /// Block time, the action date of every transaction in the block.
    #[schema(value_type = String)]
    pub time: Timestamp,
    /// Hash of the parent header.
    #[schema(value_type = String)]
    pub previous_block_hash: Hash32,
    /// The validator that proposed the block.
    pub proposer: String,
    /// Root of the block's transactions.
    #[schema(value_type = String)]
    pub txs_root: Hash32,
    /// Root of the verdicts of the block's transactions.
    #[schema(value_type = String)]
    pub results_root: Hash32,
    /// Root of the state after the block.
    #[schema(value_type = String)]
    pub state_root: Hash32,
    /// Hash of the validator set that decided the block.
    #[schema(value_type = String)]
    pub validators_hash: Hash32,
    /// Hash of the certificate that committed the parent.
    #[schema(value_type = String)]
    pub last_commit_hash: Hash32,
}

impl From<&Header> for HeaderView {
    fn from(h: &Header) -> Self {
        Self {
            chain_id: h.chain_id.as_str().to_owned(),
            protocol_version: h.protocol_version,
            height: h.height,
            time: h.time,
            previous_block_hash: h.previous_block_hash,
            proposer: h.proposer.to_string(),
            txs_root: h.txs_root,
            results_root: h.results_root,
            state_root: h.state_root,
            validators_hash: h.validators_hash,
            last_commit_hash: h.last_commit_hash,
        }
    }
}

/// One precommit signature of a commit certificate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SignatureView {
    /// The validator's key, hex.
    pub validator: String,
    /// Its signature over the precommit, hex.
    pub signature: String,
}

/// A commit certificate: the precommits of more than two thirds of the voting power.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CommitView {
    /// The committed height.
    pub height: u64,
    /// The round whose precommits committed it.
    pub round: u32,
    /// The committed value (the block hash), hex.
    pub value: String,
    /// The precommit signatures, one per validator.
    pub signatures: Vec<SignatureView>,
}

impl From<&CommitCertificate> for CommitView {
    fn from(c: &CommitCertificate) -> Self {
        let signatures = c
            .signatures
            .iter()
            .map(|s| SignatureView {
                validator: s.validator.to_string(),
                signature: hex::encode(s.signature.0),
            })
            .collect();
        Self { height: c.height, round: c.round, value: hex::encode(c.value.0), signatures }
    }
}

/// A transaction of a block, with its id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BlockTx {
    /// The transaction id.
    #[schema(value_type = String)]
    pub hash: Hash32,
    /// The signed transaction (docs/api.md, "Transactions").
    #[schema(value_type = Object)]
    pub tx: Transaction,
}

/// A transaction's verdict in its block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ResultView {
    /// The transaction id.
    #[schema(value_type = String)]
    pub tx: Hash32,
    /// Its verdict.
    pub verdict: VerdictView,
}

/// A committed block with its results and its own commit certificate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BlockView {
    /// Its height.
    pub height: u64,
    /// Its hash (the header's).
    #[schema(value_type = String)]
    pub hash: Hash32,
    /// Its header.
    pub header: HeaderView,
    /// Its transactions, in order.
    pub txs: Vec<BlockTx>,
    /// Their verdicts, in the same order (absent for the genesis block).
    pub results: Option<Vec<ResultView>>,
    /// The certificate that committed the parent, carried in this block.
    pub last_commit: Option<CommitView>,
    /// The certificate that committed this block (absent until the node holds it).
    pub commit: Option<CommitView>,
}

impl BlockView {
    /// The view of `block` with its verdicts and its commit certificate.
    pub fn new(block: &Block, results: Option<&[TxResult]>, commit: Option<&CommitCertificate>) -> Self {
        Self {
            height: block.header.height,
            hash: block.hash(),
            header: HeaderView::from(&block.header),
            txs: block.txs.iter().map(|tx| BlockTx { hash: tx.hash(), tx: tx.clone() }).collect(),
            results: results.map(|results| {
                results
                    .iter()
                    .map(|r| ResultView { tx: r.tx, verdict: VerdictView::from(&r.verdict) })
                    .collect()
            }),
            last_commit: block.last_commit.as_ref().map(CommitView::from),
            commit: commit.map(CommitView::from),
        }
    }
}

/// A page of blocks, `from..=to`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BlocksPage {
    /// The first height of the page.
    pub from: u64,
    /// The last height of the page.
    pub to: u64,
    /// The node's last committed height.
    pub last_height: u64,
    /// Where the next page starts, if the range asked for goes on.
    pub next: Option<u64>,
    /// The blocks, oldest first.
    pub blocks: Vec<BlockView>,
}

/// The canonical bytes of a block and of its commit certificate, hex.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RawBlock {
    /// The block's height.
    pub height: u64,
    /// The block's canonical bytes.
    pub block: String,
    /// The commit certificate's canonical bytes (absent until the node holds it).
    pub commit: Option<String>,
}

/// The genesis document's canonical bytes, whose SHA-256 is the genesis hash every
/// proof names: a light client (the explorer) hashes them itself and takes the genesis
/// validators from them, trusting the hash it compares, not the node.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RawGenesis {
    /// The genesis hash, as the node computes it.
    #[schema(value_type = String)]
    pub hash: Hash32,
    /// The canonical (borsh) encoding of the genesis document, hex.
    pub genesis: String,
}

/// The node's view of the chain and of itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Status {
    /// The chain.
    pub chain_id: String,
    /// Hash of the genesis document.
    #[schema(value_type = String)]
    pub genesis_hash: Hash32,
    /// The operator's name for the node.
    pub moniker: String,
    /// The node's network identity.
    pub node_id: String,
    /// Its validator key, while it is in the set that decides the next height.
    pub validator: Option<String>,
    /// The last committed height.
    pub height: u64,
    /// Its block hash.
    #[schema(value_type = String)]
    pub block_hash: Hash32,
    /// Its block time.
    #[schema(value_type = String)]
    pub block_time: Timestamp,
    /// The state root after it.
    #[schema(value_type = String)]
    pub state_root: Hash32,
    /// The consensus round at the next height.
    pub round: u32,
    /// Node ids of the connected peers.
    pub peers: Vec<String>,
    /// The highest height a peer has shown this node.
    pub best_known_height: u64,
    /// Whether the node fetches committed blocks instead of voting.
    pub catching_up: bool,
    /// Whether the node has caught up and serves.
    pub ready: bool,
    /// What waits in the mempool.
    pub mempool: MempoolLoad,
}

/// Transactions and bytes in the mempool.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MempoolLoad {
    /// Pending transactions.
    pub txs: usize,
    /// Their encoded bytes.
    pub bytes: usize,
}

/// `GET /health`: the store answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: String,
    /// The last committed height, read back from the store.
    pub height: u64,
}

/// `GET /ready`: the node serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Ready {
    /// Always true in a 200 answer.
    pub ready: bool,
}
