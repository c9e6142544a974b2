//! The flags every `jcm tx <action>` shares: which key signs ([`TxOpts`]), how the
//! transaction is submitted ([`SubmitOpts`], also `jcm tx broadcast`'s) and whether it
//! goes to a transaction file instead ([`FileOpts`], read by [`super::offline`]).

use std::path::PathBuf;

use clap::Args;
use jcm_runtime::codec::Hash32;
use jcm_runtime::crypto::PublicKey;
use jcm_runtime::protocol::ChainId;

/// How to sign and submit: common to every `jcm tx` command.
#[derive(Clone, Debug, Args)]
#[group(skip)]
#[command(next_help_heading = "Signing and submission")]
pub struct TxOpts {
    /// The key that signs: a name in the keyring (`jcm keys list`).
    #[arg(long, short = 'k', value_name = "NAME", conflicts_with = "signer")]
    pub key: Option<String>,
    /// Sign with this nonce instead of the one the node says is next (required with
    /// --offline: the signer's next nonce, `jcm query nonce PUBLIC_KEY`).
    #[arg(long, value_name = "N")]
    pub nonce: Option<u64>,
    #[command(flatten)]
    pub submit: SubmitOpts,
    #[command(flatten)]
    pub file: FileOpts,
}

/// How a signed transaction is submitted: common to `jcm tx <action>` and
/// `jcm tx broadcast`.
#[derive(Clone, Debug, Args)]
#[group(skip)]
pub struct SubmitOpts {
    /// Only ask the node for its verdict: print each failing rule's code and
    /// explanation, submit nothing. Exit 1 if the rules would reject it.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation before signing or submitting.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Return once the node admits the transaction, without waiting for its block.
    #[arg(long)]
    pub no_wait: bool,
    /// How long to wait for the commit, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub wait_secs: u64,
}

/// The transaction-file flags of every `jcm tx <action>`.
#[derive(Clone, Debug, Default, Args)]
#[group(skip)]
#[command(next_help_heading = "Signing offline (a transaction file)")]
pub struct FileOpts {
    /// Write the transaction to FILE instead of submitting it; `jcm tx broadcast FILE`
    /// submits it later, from any machine that reaches the chain.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Contact no node (an air-gapped machine): sign for --chain-id with --nonce, into
    /// --out. All three are required.
    #[arg(long)]
    pub offline: bool,
    /// The chain to sign for (`jcm query status` shows it). Required with --offline;
    /// otherwise the node's chain must be this one.
    #[arg(long, value_name = "ID", value_parser = chain_id)]
    pub chain_id: Option<String>,
    /// The chain's genesis hash (`jcm query status --output json`), recorded in the file
    /// and checked when it is broadcast [default: this machine's pin of the chain, if any;
    /// the node's without --offline].
    #[arg(long, value_name = "HASH", value_parser = Hash32::from_hex)]
    pub genesis_hash: Option<Hash32>,
    /// Prepare the transaction unsigned for this public key (hex, `jcm keys show NAME`),
    /// whose key is on another machine: there `jcm tx sign FILE --key NAME` signs it.
    /// Needs --out.
    #[arg(long, value_name = "PUBLIC_KEY")]
    pub signer: Option<PublicKey>,
    /// Replace an existing --out file.
    #[arg(long)]
    pub force: bool,
}

fn chain_id(text: &str) -> Result<String, String> {
    ChainId::new(text).map(|c| c.as_str().to_string()).map_err(|e| e.to_string())
}
