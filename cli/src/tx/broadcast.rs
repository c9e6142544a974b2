//! `jcm tx broadcast FILE`: submits a transaction signed elsewhere. The file is checked
//! (format, bytes, human part, signature: [`super::file`]), the node is checked against
//! the pins ([`crate::context::Context::connect`]) and against the file (the chain id it
//! is signed for, the genesis it was prepared for), its nonce against the signer's next
//! one; then it goes the way of every `jcm tx` ([`super::submit::deliver`]): shown,
//! dry-run or confirmed, submitted, followed to its block, with the same exit codes
//! (0 accepted, 1 rejected by the rules, 2 anything else) and `--output json`.
//!
//! A file the node already knows (committed or pending, as after a broadcast whose wait
//! was cut) is reported as it stands, not submitted again.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::bail;
use clap::Args;
use jcm_api::paths;
use jcm_api::tx::TxStatus;
use jcm_api::ErrorDetail;
use jcm_runtime::codec::Hash32;
use jcm_runtime::error::Code;
use serde_json::json;

use super::chain::{nonces, Chain};
use super::file::{TxData, TxFile};
use super::opts::SubmitOpts;
use super::submit::{deliver, follow, refused, rejected_here};
use crate::client::RpcError;
use crate::context::Context;

/// `broadcast`.
#[derive(Clone, Debug, Args)]
#[group(skip)]
pub struct Broadcast {
    /// The signed transaction file (`jcm tx <action> ... --out FILE`, or `jcm tx sign`).
    pub file: PathBuf,
    #[command(flatten)]
    pub submit: SubmitOpts,
}

/// A node of another chain than the file's.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChainMismatch {
    /// Another chain id.
    #[error(
        "it is signed for chain `{file}`, but the node serves chain `{node}`: nothing was sent (broadcast it to a \
         node of `{file}` with --node URL)"
    )]
    ChainId {
        /// The file's chain.
        file: String,
        /// The node's chain.
        node: String,
    },
    /// The same chain id, another genesis.
    #[error(
        "it was prepared for chain `{chain}` with genesis hash {file}, but the node serves `{chain}` with genesis \
         hash {node}: another chain under the same name; nothing was sent"
    )]
    Genesis {
        /// The chain id.
        chain: String,
        /// The file's genesis hash.
        file: Hash32,
        /// The node's.
        node: Hash32,
    },
}

/// Whether a node of `node_chain` with genesis `node_genesis` is the chain the file is
/// for (pure).
pub fn check_chain(
    file_chain: &str,
    file_genesis: Option<&Hash32>,
    node_chain: &str,
    node_genesis: &Hash32,
) -> Result<(), ChainMismatch> {
    if file_chain != node_chain {
        return Err(ChainMismatch::ChainId { file: file_chain.into(), node: node_chain.into() });
    }
    match file_genesis {
        Some(file) if file != node_genesis => {
            Err(ChainMismatch::Genesis { chain: file_chain.into(), file: *file, node: *node_genesis })
        }
        _ => Ok(()),
    }
}

/// A nonce the node would refuse (R1, `A6-1008`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NonceProblem {
    /// A committed transaction of the signer has it.
    #[error(
        "nonce {nonce} is used: the signer's transactions up to nonce {last} are committed, so this file can never \
         be accepted; prepare and sign the transaction again with --nonce {next}",
        last = committed - 1
    )]
    Used {
        /// The file's nonce.
        nonce: u64,
        /// The nonce after the committed transactions.
        committed: u64,
        /// The next free nonce.
        next: u64,
    },
    /// A pending transaction of the signer has it.
    #[error(
        "nonce {nonce} is taken by another pending transaction of the signer; its next nonce is {next}: if that one \
         commits, prepare and sign this one again with --nonce {next}"
    )]
    Pending {
        /// The file's nonce.
        nonce: u64,
        /// The next free nonce.
        next: u64,
    },
    /// Transactions with lower nonces are missing.
    #[error(
        "nonce {nonce} is ahead of the signer's next nonce {next}: broadcast the signer's transactions with nonces \
         {next} to {before} first",
        before = nonce - 1
    )]
    Ahead {
        /// The file's nonce.
        nonce: u64,
        /// The next free nonce.
        next: u64,
    },
}

/// Whether `nonce` is the signer's next, given the nonce after its committed
/// transactions and after its pending ones (pure).
pub fn check_nonce(nonce: u64, committed: u64, next: u64) -> Result<(), NonceProblem> {
    if nonce < committed {
        Err(NonceProblem::Used { nonce, committed, next })
    } else if nonce < next {
        Err(NonceProblem::Pending { nonce, next })
    } else if nonce > next {
        Err(NonceProblem::Ahead { nonce, next })
    } else {
        Ok(())
    }
}

/// Runs `jcm tx broadcast`.
pub fn run(args: &Broadcast, ctx: &Context) -> anyhow::Result<ExitCode> {
    let source = args.file.display().to_string();
    let file = TxFile::read(&args.file)?;
    let TxData::Signed(tx) = &file.data else {
        bail!(
            "{source} is not signed yet: sign it on the machine that holds the key of {}, with \
             `jcm tx sign {source} --key NAME`",
            file.data.body().signer
        );
    };
    let (rpc, status) = ctx.connect()?;
    check_chain(
        tx.body.chain_id.as_str(),
        file.genesis_hash.as_ref(),
        &status.chain_id,
        &status.genesis_hash,
    )
    .map_err(|e| anyhow::anyhow!("{source}: {e} (node {})", rpc.base()))?;
    let chain = Chain::read(&rpc, &status, None)?;
    let mut doc = chain.describe(&rpc, tx, None);
    doc["file"] = json!(args.file);
    #[allow(clippy::disallowed_methods)] // the CLI's edge: how long the officer waits
    let deadline = Instant::now() + Duration::from_secs(args.submit.wait_secs);
    match rpc.get::<TxStatus>(&paths::tx(&tx.hash())) {
        Ok(known) => {
            if !ctx.json() {
                println!(
                    "The node already has this transaction ({}); it is not submitted again.",
                    json!(known.status)
                );
            }
            return follow(ctx, &rpc, doc, known, &args.submit, deadline);
        }
        Err(RpcError::Api { status: 404, .. }) => {}
        Err(e) => return Err(e.into()),
    }
    let (committed, next) = nonces(&rpc, &tx.body.signer)?;
    if let Err(problem) = check_nonce(tx.body.nonce, committed, next) {
        let code = Code::BadNonce;
        let message = problem.to_string();
        let error = ErrorDetail {
            kind: "bad_nonce".to_string(),
            codes: vec![code.to_string()],
            verdict: Some(rejected_here(code, &message)),
            message,
        };
        return refused(ctx, doc, None, &error);
    }
    deliver(ctx, &rpc, &args.submit, tx, doc, "Submit this signed transaction?")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_of_another_chain_is_refused() {
        let (a, b) = (Hash32([1; 32]), Hash32([2; 32]));
        assert_eq!(check_chain("jcm-x", Some(&a), "jcm-x", &a), Ok(()));
        assert_eq!(check_chain("jcm-x", None, "jcm-x", &b), Ok(()), "a file that names no genesis");
        assert_eq!(
            check_chain("jcm-x", None, "jcm-y", &a),
            Err(ChainMismatch::ChainId { file: "jcm-x".into(), node: "jcm-y".into() })
        );
        let err = check_chain("jcm-x", Some(&a), "jcm-x", &b).expect_err("another genesis");
        assert_eq!(err, ChainMismatch::Genesis { chain: "jcm-x".into(), file: a, node: b });
        assert!(err.to_string().contains(&a.to_hex()) && err.to_string().contains(&b.to_hex()), "{err}");
    }

    #[test]
    fn only_the_signers_next_nonce_is_broadcast() {
        assert_eq!(check_nonce(5, 5, 5), Ok(()));
        assert_eq!(check_nonce(3, 5, 5), Err(NonceProblem::Used { nonce: 3, committed: 5, next: 5 }));
        assert_eq!(check_nonce(5, 5, 7), Err(NonceProblem::Pending { nonce: 5, next: 7 }));
        assert_eq!(check_nonce(9, 5, 7), Err(NonceProblem::Ahead { nonce: 9, next: 7 }));
        let used = check_nonce(3, 5, 5).expect_err("used").to_string();
        assert!(used.contains("up to nonce 4") && used.contains("--nonce 5"), "{used}");
        let ahead = check_nonce(9, 5, 7).expect_err("ahead").to_string();
        assert!(ahead.contains("nonces 7 to 8"), "{ahead}");
    }
}
