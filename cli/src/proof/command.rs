//! The `jcm prove` and `jcm verify-proof` commands: their arguments, the file I/O, and
//! the verdict for people.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use serde_json::json;

use super::{prove_from_node, verify, Verified, PROOF_FILE_BYTES_MAX};
use crate::audit::load_genesis;
use crate::audit::node::NodeClient;
use crate::audit::{Outcome, OutputFormat};

/// `jcm prove`: what to prove.
#[derive(Clone, Debug, clap::Args)]
#[command(
    after_help = "Example:\n  jcm prove unit CA0001-JPN01-IND-1-2025 --node http://127.0.0.1:26657 --out unit.proof.json\n\n\
    Exit codes: 0 written, 2 usage or I/O error."
)]
pub struct ProveArgs {
    /// The kind of proof.
    #[command(subcommand)]
    pub what: ProveWhat,
}

/// The kinds of proof.
#[derive(Clone, Debug, clap::Subcommand)]
pub enum ProveWhat {
    /// One unit's history, each step tied to a committed header by a Merkle proof.
    Unit {
        /// The unit identifier, e.g. CA0001-JPN01-IND-1-2025.
        unit: String,
        /// The proof file to write.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

/// `jcm verify-proof`: check a proof file offline against the genesis.
#[derive(Clone, Debug, clap::Args)]
#[command(after_help = "Example:\n  jcm verify-proof unit.proof.json --genesis genesis.json\n\n\
    Exit codes: 0 valid, 1 invalid (the verdict names the check), 2 usage or I/O error.")]
pub struct VerifyProofArgs {
    /// The proof file (written by `jcm prove`).
    pub file: PathBuf,
    /// The genesis file you trust.
    #[arg(long, value_name = "FILE")]
    pub genesis: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

/// Runs `jcm prove`.
pub fn run_prove(args: &ProveArgs, node: Option<&str>) -> anyhow::Result<Outcome> {
    let ProveWhat::Unit { unit, out } = &args.what;
    let Some(url) = node else { bail!("prove reads a node: give --node URL") };
    let proof = prove_from_node(&NodeClient::new(url), unit)?;
    let text = serde_json::to_string_pretty(&proof).expect("a proof serializes");
    std::fs::write(out, text + "\n").with_context(|| format!("cannot write {}", out.display()))?;
    eprintln!(
        "wrote the proof of {unit} at height {} ({} events, {} validator-set transitions) to {}",
        proof.height,
        proof.events.len(),
        proof.transitions.len(),
        out.display()
    );
    Ok(Outcome::Success)
}

/// Runs `jcm verify-proof` (offline: the node is not used).
pub fn run_verify(args: &VerifyProofArgs, _node: Option<&str>) -> anyhow::Result<Outcome> {
    let genesis = load_genesis(&args.genesis)?;
    let bytes = read_bounded(&args.file)?;
    let result = verify(&bytes, &genesis);
    match args.output {
        OutputFormat::Text => match &result {
            Ok(v) => print!("{}", describe(v)),
            Err(e) => println!("PROOF INVALID: {e}"),
        },
        OutputFormat::Json => {
            let value = match &result {
                Ok(v) => json!({ "verdict": "valid", "proof": v }),
                Err(e) => json!({ "verdict": "invalid", "check": e.check(), "message": e.to_string() }),
            };
            println!("{value}");
        }
    }
    Ok(if result.is_ok() { Outcome::Success } else { Outcome::Failed })
}

fn read_bounded(path: &Path) -> anyhow::Result<Vec<u8>> {
    let len = std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?.len();
    if len > PROOF_FILE_BYTES_MAX {
        bail!("{} is {len} bytes; a proof file is at most {PROOF_FILE_BYTES_MAX}", path.display());
    }
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// The verdict line and the proven history, for people.
pub fn describe(v: &Verified) -> String {
    let a = &v.current.attrs;
    let mut out = format!(
        "PROOF VALID: unit {} at height {} (block {}, state root {}, genesis {})\n",
        v.unit, v.height, v.block_hash, v.state_root, v.genesis_hash
    );
    out += &format!(
        "  held in account {} as part of {} (first transferred: {}, use year: {}, on hold: {})\n",
        a.account,
        v.current.range_text(),
        if a.first_transferred { "yes" } else { "no" },
        a.use_year.map_or_else(|| "none".to_string(), |y| y.to_string()),
        if a.hold { "yes" } else { "no" },
    );
    out += &certified_by(v);
    for e in &v.events {
        let kind = serde_json::to_value(&e.kind).ok().and_then(|k| k["kind"].as_str().map(str::to_string));
        out += &format!(
            "  event {:>6}  height {:>8}  {}  {:<22} tx {}\n",
            e.seq,
            e.height,
            e.time.date(),
            kind.unwrap_or_default(),
            e.tx
        );
    }
    out
}

/// The line naming the set that certified the header, and the changes that led to it.
fn certified_by(v: &Verified) -> String {
    let members: Vec<String> = v.validators.iter().map(|m| format!("{} ({})", m.name, m.power)).collect();
    let changes = if v.set_changes.is_empty() {
        "the genesis set".to_string()
    } else {
        let heights: std::collections::BTreeSet<u64> = v.set_changes.iter().map(|c| c.height).collect();
        let heights: Vec<String> = heights.iter().map(u64::to_string).collect();
        format!(
            "the genesis set after {} proven changes at heights {}",
            v.set_changes.len(),
            heights.join(", ")
        )
    };
    format!("  certified by {changes}: {}\n", members.join(", "))
}
