//! The load generator behind `jcm-load` (docs/performance.md): the cooperative
//! approaches it runs in ([`network`]), signers added to a testnet genesis
//! ([`genesis`]), a reproducible plan of pre-signed transactions ([`plan`]), checked in
//! memory first if asked ([`check`]), submitted to the nodes' RPC at a fixed rate or as
//! fast as they are accepted ([`submit`]), matched against the committed blocks
//! ([`watch`]), and reported with each node's CPU time and peak memory ([`procs`],
//! [`report`]).
//!
//! A crate of its own (`tests/load`, bin `jcm-load`): a tool that drives running nodes,
//! not a test, so the test crate stays test-only. The block benchmark of `jcm-tests`
//! reuses its planner.
#![allow(clippy::disallowed_methods)] // the load generator is an I/O edge: it paces and times requests
#![forbid(unsafe_code)]

pub mod check;
pub mod genesis;
pub mod network;
pub mod plan;
pub mod procs;
pub mod report;
pub mod rpc;
pub mod run;
pub mod submit;
pub mod watch;

/// Why the load generator stopped.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The command line asks for something impossible.
    #[error("{0}")]
    Usage(String),
    /// The genesis is not a testnet genesis the load can use.
    #[error("genesis: {0}")]
    Genesis(String),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// A node did not answer as expected.
    #[error("node {url}: {message}")]
    Node {
        /// The node's RPC address.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// The plan does not execute as planned (a bug of the planner, or a chain that is
    /// not fresh).
    #[error("plan: {0}")]
    Plan(String),
}

impl LoadError {
    /// An I/O error on `path`.
    pub fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        Self::Io { path: path.display().to_string(), source }
    }
}
