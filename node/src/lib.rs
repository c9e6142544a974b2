//! The JCM chain validator node: storage, networking, sync and RPC around the runtime and
//! the consensus core. Filled by the node issue.
#![forbid(unsafe_code)]
