//! The JCM chain validator node: storage, networking, sync and RPC around the runtime and
//! the consensus core.
//!
//! Present so far: [`home`], the node's home directory (settings, genesis, key files)
//! and the `init`, `testnet` and `show` commands that write and check it.
#![forbid(unsafe_code)]

pub mod home;
