//! `jcm prove unit ID` and `jcm verify-proof FILE --genesis FILE`: the commands over
//! [`jcm_proof`], which holds the file format, the checks and what a valid proof
//! guarantees (its crate doc). This module adds the prover over a node's RPC
//! ([`prove_from_node`]) and the commands' arguments and output.

mod command;
mod prove;

pub use jcm_proof::*;

pub use self::command::{describe, run_prove, run_verify, ProveArgs, ProveWhat, VerifyProofArgs};
pub use self::prove::prove_from_node;
pub use crate::audit::{Outcome, OutputFormat};
