//! What the node's tasks share: the store, the live status, the metrics, and the way to
//! the consensus engine (which owns the mempool).
//!
//! One task writes the store (the consensus actor, when its engine commits a block,
//! under the write lock for the length of one batch); the RPC handlers read it under the
//! read lock.

use jcm_runtime::codec::Hash32;
use jcm_runtime::protocol::{ChainId, Genesis, ValidatorKey};
use jcm_runtime::time::Timestamp;
use parking_lot::RwLock;
use tokio::sync::{mpsc, oneshot, watch};

use crate::engine::{Reply, Request};
use crate::home::NodeId;
use crate::metrics::Metrics;
use crate::store::Db;

/// The live status of the node, as `/status` shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Status {
    /// Last committed height.
    pub height: u64,
    /// Its block id.
    pub block_hash: Hash32,
    /// Its time.
    pub block_time: Timestamp,
    /// The state root after it.
    pub state_root: Hash32,
    /// The round consensus is in at `height + 1`.
    pub round: u32,
    /// Node ids of connected peers.
    pub peers: Vec<NodeId>,
    /// The highest height a peer has shown this node (0 when none).
    pub best_known_height: u64,
    /// True while the node fetches committed blocks instead of voting.
    pub catching_up: bool,
    /// True while its validator key is in the set that decides `height + 1`.
    pub validating: bool,
    /// Transactions and bytes in the mempool.
    pub mempool: (usize, usize),
}

/// State shared between the consensus driver, the network handlers and the RPC server.
#[derive(Debug)]
pub struct Shared {
    /// The chain id.
    pub chain_id: ChainId,
    /// The genesis document.
    pub genesis: Genesis,
    /// Its hash.
    pub genesis_hash: Hash32,
    /// This node's name in logs and status.
    pub moniker: String,
    /// This node's network id.
    pub node_id: NodeId,
    /// This node's validator key (it validates while the key is in the set:
    /// [`Status::validating`]).
    pub validator_key: ValidatorKey,
    /// The store.
    pub db: RwLock<Db>,
    /// Live status.
    pub status: RwLock<Status>,
    /// Prometheus metrics.
    pub metrics: Metrics,
    /// The last committed height, for waiters (a submit that waits for its commit).
    pub committed: watch::Sender<u64>,
    /// Requests to the consensus engine (it owns the mempool).
    pub to_engine: mpsc::Sender<ToEngine>,
    /// False until the node has caught up and is ready to serve (`/ready`).
    pub ready: RwLock<bool>,
}

/// An API request to the engine, with where its answer goes.
#[derive(Debug)]
pub struct ToEngine {
    /// The request.
    pub request: Request,
    /// Its answer.
    pub reply: oneshot::Sender<Reply>,
}
