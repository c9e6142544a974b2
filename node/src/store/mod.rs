//! The node's store: committed blocks, their commit certificates, the runtime's state,
//! the authenticated-state nodes and the query indexes, in one RocksDB database under
//! `<home>/data/`.
//!
//! ```text
//! column family  key                         value
//! blocks         height (u64, big-endian)    the encoded block (opaque here)
//! commits        height (u64, big-endian)    the encoded commit certificate (opaque)
//! state          runtime state key           runtime state value
//! merkle         authenticated-state node    node bytes (opaque)
//! history        state key ‖ height          each value a key held, by height ([`history`])
//! index          tx hash, event keys         (height, index, verdict), event refs (opaque)
//! meta           b"format"                   format version (u32, big-endian)
//!                b"genesis"                  genesis hash (32 bytes)
//!                b"last"                     last committed height ‖ its state root
//! ```
//!
//! Heights are big-endian so that RocksDB's byte order is height order. Height 0 is the
//! genesis: its "block" is whatever the executor records for the genesis state (the
//! genesis encoding, say) and its commit is empty; blocks follow from height 1.
//!
//! **Atomicity.** [`Db::commit_block`] writes everything one block changes — block,
//! commit, state, its history, Merkle nodes, indexes and the `last` record — in one RocksDB write
//! batch, fsynced before it returns. RocksDB applies a batch entirely or not at all,
//! also across column families and across a crash, so a kill at any instant leaves the
//! store at some committed height `h` with exactly the state of blocks `0..=h`.
//! [`Db::open`] checks what it can of that on load (see [`db`]).
//!
//! **Reads.** [`Db::state`] and [`Db::merkle`] lend a [`StateView`], the runtime's
//! [`Store`](jcm_runtime::state::Store) over one column family. The executor runs a
//! block in an [`Overlay`](jcm_runtime::state::Overlay) over the view and hands the
//! overlay's writes to [`Db::commit_block`]; the view itself is never written. The view
//! of the tree nodes keeps the nodes read and committed lately in memory ([`cache`]).
//!
//! **One process.** RocksDB's `LOCK` file refuses a second opener of the directory;
//! [`Db::open`] reports that as [`StoreError::Locked`] naming the directory.

pub mod batch;
mod cache;
pub mod db;
pub mod history;
pub mod meta;
pub mod view;

use std::path::PathBuf;

use jcm_runtime::codec::Hash32;

pub use batch::CommittedBlock;
pub use db::Db;
pub use history::{HistoryView, StateAt};
pub use view::StateView;

/// The on-disk format this code reads and writes. Bump it with any change to the
/// column families or to how keys and values are laid out in them.
///
/// 2: the `history` column family (reads as of a past height).
pub const FORMAT_VERSION: u32 = 2;

/// Column family of the encoded blocks, by height.
pub const CF_BLOCKS: &str = "blocks";
/// Column family of the commit certificates, by height.
pub const CF_COMMITS: &str = "commits";
/// Column family of the runtime's state.
pub const CF_STATE: &str = "state";
/// Column family of the authenticated-state (Merkle) nodes.
pub const CF_MERKLE: &str = "merkle";
/// Column family of every value each state key held, by height.
pub const CF_HISTORY: &str = "history";
/// Column family of the query indexes.
pub const CF_INDEX: &str = "index";
/// Column family of the store's own records (format, genesis, last committed height).
pub const CF_META: &str = "meta";
/// Every column family the store opens.
pub const COLUMN_FAMILIES: [&str; 7] =
    [CF_BLOCKS, CF_COMMITS, CF_STATE, CF_MERKLE, CF_HISTORY, CF_INDEX, CF_META];

/// How to open a store.
#[derive(Clone, Debug)]
pub struct DbOptions {
    /// The hash of the chain's genesis: a new store records it, an existing one must
    /// hold the same.
    pub genesis_hash: Hash32,
    /// RocksDB's own info logs kept in the data directory (`LOG`, `LOG.old.*`).
    pub info_log_files_max: usize,
    /// Size at which RocksDB starts a new info log, in bytes.
    pub info_log_file_bytes_max: usize,
    /// RocksDB's block cache, shared by the `state` and `merkle` column families, in bytes.
    pub block_cache_bytes: usize,
    /// Authenticated-state nodes kept in memory ([`cache::NodeCache`], about 100 bytes
    /// each); 0 disables the cache.
    pub merkle_cache_entries: usize,
}

impl DbOptions {
    /// Default options for a store of the chain with this genesis.
    pub fn new(genesis_hash: Hash32) -> Self {
        Self {
            genesis_hash,
            info_log_files_max: 4,
            info_log_file_bytes_max: 8 << 20,
            block_cache_bytes: 128 << 20,
            merkle_cache_entries: 1 << 20,
        }
    }
}

/// Why the store could not be opened, read or written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another process has the data directory open.
    #[error(
        "another jcm-node process holds the data directory {dir} (RocksDB's LOCK file is \
         taken): stop that process, or give this one another home"
    )]
    Locked {
        /// The data directory.
        dir: PathBuf,
    },
    /// The store was written for another chain.
    #[error(
        "the store in {dir} belongs to the chain with genesis hash {stored}, but this \
         node's genesis hash is {expected}: use the right genesis, or another data directory"
    )]
    GenesisMismatch {
        /// The data directory.
        dir: PathBuf,
        /// The genesis hash recorded in the store.
        stored: Hash32,
        /// The genesis hash of the node's configuration.
        expected: Hash32,
    },
    /// The store was written in another on-disk format.
    #[error(
        "the store in {dir} has format version {stored}, but this jcm-node reads format \
         version {expected}: run a jcm-node release that reads version {stored}, or move the \
         directory aside and let this one sync the chain from its peers"
    )]
    FormatMismatch {
        /// The data directory.
        dir: PathBuf,
        /// The format version recorded in the store.
        stored: u32,
        /// The format version of this code ([`FORMAT_VERSION`]).
        expected: u32,
    },
    /// The store's records contradict each other.
    #[error("the store in {dir} is corrupt: {what}")]
    Corrupt {
        /// The data directory.
        dir: PathBuf,
        /// What is wrong.
        what: String,
    },
    /// The data directory could not be created.
    #[error("could not create the data directory {dir}: {source}")]
    CreateDir {
        /// The data directory.
        dir: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// RocksDB failed.
    #[error("RocksDB could not {action} in {dir}: {source}")]
    Rocks {
        /// What the store was doing.
        action: &'static str,
        /// The data directory.
        dir: PathBuf,
        /// RocksDB's error.
        source: rocksdb::Error,
    },
}

/// Index entries, key and value, as a block writes them or a scan returns them.
pub type IndexEntries = Vec<(Vec<u8>, Vec<u8>)>;

/// The key of `height` in the `blocks` and `commits` column families.
pub fn height_key(height: u64) -> [u8; 8] {
    height.to_be_bytes()
}
