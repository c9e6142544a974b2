//! `jcm chain`: the chains this machine has pinned ([`crate::pin`]), listed, pinned by
//! hand (an air-gapped signer, or a deliberate re-pin) and forgotten.

use std::path::Path;
use std::process::ExitCode;

use anyhow::bail;
use clap::Subcommand;
use jcm_runtime::codec::Hash32;
use serde_json::json;

use crate::context::Context;
use crate::output::{print_json, Table};
use crate::pin::KnownChains;

/// The pinned chains: `jcm chain`.
#[derive(Debug, Subcommand)]
pub enum ChainCommand {
    /// List the chains this machine has pinned (chain id, genesis hash, first node).
    #[command(after_help = "Example:\n  jcm chain list")]
    List,
    /// Pin a chain id to a genesis hash by hand: on an air-gapped machine before signing
    /// offline, or to re-pin deliberately after a chain was started again.
    #[command(after_help = "Example:\n  jcm chain pin jcm-testnet-4 --genesis-hash 9f2c...41\n  \
        jcm chain pin jcm-testnet-4 --genesis-hash 07ab...e3 --replace")]
    Pin {
        /// The chain id (`jcm query status` on a node of the chain shows it).
        chain_id: String,
        /// The chain's genesis hash (`genesis_hash` of `jcm query status --output json`).
        #[arg(long, value_name = "HASH", value_parser = Hash32::from_hex)]
        genesis_hash: Hash32,
        /// Replace a pin to another genesis hash.
        #[arg(long)]
        replace: bool,
    },
    /// Forget a chain's pin: the next node contacted for it pins its genesis again.
    #[command(after_help = "Example:\n  jcm chain forget jcm-testnet-4")]
    Forget {
        /// The chain id.
        chain_id: String,
    },
}

/// Runs `jcm chain`.
pub fn run(cmd: &ChainCommand, ctx: &Context) -> anyhow::Result<ExitCode> {
    let path = KnownChains::path(&ctx.home);
    let mut known = KnownChains::load(&path)?;
    match cmd {
        ChainCommand::List => {
            if ctx.json() {
                print_json(&json!({ "file": path, "chains": known.chains }));
                return Ok(ExitCode::SUCCESS);
            }
            let mut table = Table::new(&["CHAIN", "GENESIS HASH", "FIRST NODE"]);
            for (id, pin) in &known.chains {
                let node = pin.first_node.clone().unwrap_or_else(|| "(pinned by hand)".into());
                table.row(vec![id.clone(), pin.genesis_hash.to_hex(), node]);
            }
            print!("{}", table.render());
        }
        ChainCommand::Pin { chain_id, genesis_hash, replace } => {
            if let Err((pinned, _)) = known.check(chain_id, genesis_hash) {
                if !replace {
                    bail!("`{chain_id}` is pinned to genesis hash {pinned}: pass --replace to pin it to {genesis_hash}");
                }
            }
            known.pin(chain_id, *genesis_hash, None)?;
            known.save(&path)?;
            report(ctx, "pinned", chain_id, &path);
        }
        ChainCommand::Forget { chain_id } => {
            if known.forget(chain_id).is_none() {
                bail!("`{chain_id}` is not pinned (see `jcm chain list`)");
            }
            known.save(&path)?;
            report(ctx, "forgotten", chain_id, &path);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn report(ctx: &Context, result: &str, chain_id: &str, path: &Path) {
    if ctx.json() {
        print_json(&json!({ "result": result, "chain_id": chain_id, "file": path }));
    } else {
        println!("`{chain_id}` {result} (in {}).", path.display());
    }
}
