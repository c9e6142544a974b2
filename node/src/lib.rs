//! The JCM chain validator node: storage, networking, sync and RPC around the runtime and
//! the consensus core.
//!
//! - [`home`]: the node's home directory (settings, genesis, key files) and the `init`,
//!   `testnet` and `show` commands that write and check it; [`start`]: `jcm-node start`.
//! - [`store`]: RocksDB (blocks, commits, state, tree nodes, indexes); [`chain`]: the
//!   committed chain on it; [`index`]: the index layout.
//! - [`engine`]: the consensus engine, a pure state machine (core, sign guard, mempool,
//!   block building and validation, commits, catch-up): events in, effects out;
//!   [`actor`]: the tokio task that drives it and does its I/O (the write-ahead record
//!   [`wal`], the network, timers); [`wire`]: what nodes say to each other.
//! - [`p2p`]: the permissioned libp2p network; [`mempool`]; [`rpc`]: the HTTP + JSON API;
//!   [`metrics`]; [`shared`]: what the tasks share.
#![forbid(unsafe_code)]

pub mod actor;
pub mod allow;
pub mod chain;
pub mod engine;
pub mod home;
pub mod index;
pub mod limits;
pub mod mempool;
pub mod metrics;
pub mod p2p;
pub mod rpc;
pub mod shared;
pub mod start;
pub mod store;
pub mod wal;
pub mod wire;
