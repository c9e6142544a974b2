//! The JCM chain validator node: storage, networking, sync and RPC around the runtime and
//! the consensus core.
//!
//! Present so far: [`home`], the node's home directory (settings, genesis, key files)
//! and the `init`, `testnet` and `show` commands that write and check it; [`store`], the
//! RocksDB store of blocks, commits, state, authenticated-state nodes and indexes; [`p2p`],
//! the permissioned peer-to-peer network (libp2p) that carries the node's messages.
#![forbid(unsafe_code)]

pub mod chain;
pub mod driver;
pub mod home;
pub mod index;
pub mod mempool;
pub mod metrics;
pub mod p2p;
pub mod rpc;
pub mod shared;
pub mod start;
pub mod store;
pub mod wal;
pub mod wire;
