//! `jcm audit` and `jcm export`: verify the whole chain from the genesis document alone.
//!
//! An auditor trusts the genesis file and nothing else: not the node it reads, not the
//! bundle it was handed, not this tool's copy of the node's code (the CLI shares only
//! the runtime with the node). `jcm export` writes a chain to a single-file bundle
//! ([`bundle`]); `jcm audit` replays a bundle or a node's chain ([`replay`]) and prints
//! one verdict with the final state root. docs/audit.md describes the formats and checks.
//!
//! Exit codes: 0 the audit passed; 1 it failed (the verdict names the height and the
//! check); 2 a usage or I/O error (an unreadable file, an unreachable node).

pub mod bundle;
pub mod node;
pub mod progress;
pub mod replay;

use std::fs::File;
use std::io::{BufReader, BufWriter, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use jcm_runtime::codec::Hash32;
use jcm_runtime::protocol::Genesis;
use serde_json::json;

use bundle::{BundleReader, BundleWriter};
use node::NodeClient;
use progress::Progress;
pub use replay::{AuditError, Replay, Report};

/// How a command ended, when it ran to a verdict. Usage and I/O errors are the `Err` of
/// the commands' `run` functions (exit 2).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Outcome {
    /// The audit or verification passed (exit 0).
    Success,
    /// It failed (exit 1).
    Failed,
}

impl Outcome {
    /// The documented exit code.
    pub fn exit_code(self) -> ExitCode {
        match self {
            Outcome::Success => ExitCode::SUCCESS,
            Outcome::Failed => ExitCode::from(1),
        }
    }
}

impl From<Outcome> for ExitCode {
    fn from(outcome: Outcome) -> Self {
        outcome.exit_code()
    }
}

/// Text for people, or one JSON object for scripts.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, clap::ValueEnum)]
pub enum OutputFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object on stdout.
    Json,
}

/// `jcm audit`: replay and verify the chain from genesis, from a bundle or a node.
#[derive(Clone, Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    jcm audit --bundle chain.jcmb --genesis genesis.json\n  \
    jcm audit --node http://127.0.0.1:26657 --genesis genesis.json\n\n\
    Exit codes: 0 passed, 1 failed (the verdict names the height and the check), 2 usage or I/O error.")]
pub struct AuditArgs {
    /// Audit this bundle (written by `jcm export`) instead of a node.
    #[arg(long, value_name = "PATH")]
    pub bundle: Option<PathBuf>,
    /// The genesis file you trust; the source's genesis must have the same hash. Without
    /// it, the source's own genesis is used and its hash printed for you to compare.
    #[arg(long, value_name = "FILE")]
    pub genesis: Option<PathBuf>,
    /// With a node: stop at this height (default: the node's last committed height).
    #[arg(long, value_name = "HEIGHT")]
    pub to: Option<u64>,
    /// Also check the ledger invariants every N heights (0: only after the last).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub invariants_every: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub output: OutputFormat,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `jcm export`: write a node's chain to a bundle file for an offline audit.
#[derive(Clone, Debug, clap::Args)]
#[command(after_help = "Example:\n  jcm export --node http://127.0.0.1:26657 --out chain.jcmb\n\n\
    Exit codes: 0 written, 2 usage or I/O error.")]
pub struct ExportArgs {
    /// The bundle file to write (replaced if it exists, only once complete).
    #[arg(long, value_name = "BUNDLE")]
    pub out: PathBuf,
    /// Last height to export (default: the node's last committed height).
    #[arg(long, value_name = "HEIGHT")]
    pub to: Option<u64>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Where the genesis of an audit came from, and whether the auditor's file vouched for it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct GenesisCheck {
    /// The source's genesis hash.
    pub hash: Hash32,
    /// `bundle` or `node`.
    pub source: &'static str,
    /// The trusted file the hash was compared with, if any.
    pub compared_with: Option<PathBuf>,
    /// Whether the source's genesis is the trusted file's (`None` without a trusted file).
    pub matches: Option<bool>,
}

/// The result of an audit that ran: the genesis it started from and the verdict.
#[derive(Debug)]
pub struct Audit {
    /// The genesis, once read from the source (absent if it could not be).
    pub genesis: Option<GenesisCheck>,
    /// The verdict.
    pub verdict: Result<Report, AuditError>,
}

/// Options of an audit run.
#[derive(Clone, Debug, Default)]
pub struct AuditOptions {
    /// The genesis the auditor trusts, with its file name.
    pub trusted: Option<(Genesis, PathBuf)>,
    /// See [`AuditArgs::invariants_every`].
    pub invariants_every: u64,
    /// No progress bar.
    pub quiet: bool,
}

/// Runs `jcm audit`.
pub fn run(args: &AuditArgs, node: Option<&str>) -> anyhow::Result<Outcome> {
    let trusted = match &args.genesis {
        Some(path) => Some((load_genesis(path)?, path.clone())),
        None => None,
    };
    let options = AuditOptions { trusted, invariants_every: args.invariants_every, quiet: args.quiet };
    let audit = match (&args.bundle, node) {
        (Some(path), _) => {
            if args.to.is_some() {
                bail!("--to applies to a node; a bundle is audited whole");
            }
            audit_bundle_file(path, &options)?
        }
        (None, Some(url)) => audit_node(&NodeClient::new(url), args.to, &options)?,
        (None, None) => bail!("nothing to audit: give --bundle PATH, or --node URL"),
    };
    print_audit(&audit, args.output);
    Ok(if audit.verdict.is_ok() { Outcome::Success } else { Outcome::Failed })
}

/// Reads and validates a genesis file the auditor trusts (a bad one is a usage error).
pub fn load_genesis(path: &Path) -> anyhow::Result<Genesis> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    Genesis::from_json(&text).with_context(|| format!("{} is not a valid genesis document", path.display()))
}

/// Audits a bundle file. `Err` only if the file cannot be opened.
pub fn audit_bundle_file(path: &Path, options: &AuditOptions) -> anyhow::Result<Audit> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let progress = Progress::bytes(len, "auditing", options.quiet);
    let audit = audit_bundle(BufReader::with_capacity(1 << 20, file), options, &progress);
    progress.finish();
    Ok(audit)
}

/// Audits a bundle read from `input`.
pub fn audit_bundle<R: Read>(input: R, options: &AuditOptions, progress: &Progress) -> Audit {
    let (mut reader, genesis_text) = match BundleReader::open(input) {
        Ok(opened) => opened,
        Err(e) => return Audit { genesis: None, verdict: Err(e.into()) },
    };
    let (check, genesis) = resolve_genesis(&genesis_text, "bundle", options);
    let genesis = match genesis {
        Ok(genesis) => genesis,
        Err(e) => return Audit { genesis: check, verdict: Err(e) },
    };
    let verdict = (|| {
        let mut replay = Replay::new(&genesis, options.invariants_every)?;
        while let Some(height) = reader.next_height()? {
            replay.apply(&height)?;
            progress.set(reader.offset());
        }
        replay.finish()
    })();
    Audit { genesis: check, verdict }
}

/// Audits a node's chain up to `to` (default: its last height). `Err` when the node
/// cannot be read: that says nothing about the chain.
pub fn audit_node(client: &NodeClient, to: Option<u64>, options: &AuditOptions) -> anyhow::Result<Audit> {
    let genesis_text = client.genesis_text()?;
    let last = client.last_height()?;
    let to = checked_to(to, last)?;
    let (check, genesis) = resolve_genesis(genesis_text.as_bytes(), "node", options);
    let genesis = match genesis {
        Ok(genesis) => genesis,
        Err(e) => return Ok(Audit { genesis: check, verdict: Err(e) }),
    };
    let mut replay = match Replay::new(&genesis, options.invariants_every) {
        Ok(replay) => replay,
        Err(e) => return Ok(Audit { genesis: check, verdict: Err(e) }),
    };
    let progress = Progress::heights(to, "auditing", options.quiet);
    for fetched in client.stream_heights(1, to) {
        let height = fetched?;
        if let Err(e) = replay.apply(&height) {
            progress.finish();
            return Ok(Audit { genesis: check, verdict: Err(e) });
        }
        progress.set(height.height);
    }
    progress.finish();
    Ok(Audit { genesis: check, verdict: replay.finish() })
}

fn checked_to(to: Option<u64>, last: u64) -> anyhow::Result<u64> {
    match to {
        Some(to) if to > last => bail!("--to {to} is past the node's last committed height {last}"),
        Some(to) => Ok(to),
        None => Ok(last),
    }
}

/// Parses the source's genesis and compares it with the trusted one, if any. The check
/// is absent when the source's genesis does not parse.
fn resolve_genesis(
    text: &[u8],
    source: &'static str,
    options: &AuditOptions,
) -> (Option<GenesisCheck>, Result<Genesis, AuditError>) {
    let parsed = std::str::from_utf8(text)
        .map_err(|e| e.to_string())
        .and_then(|text| Genesis::from_json(text).map_err(|e| e.to_string()));
    let genesis = match parsed {
        Ok(genesis) => genesis,
        Err(e) => {
            let message = format!("the {source}'s genesis document is not valid: {e}");
            return (None, Err(AuditError::Genesis(message)));
        }
    };
    let hash = genesis.hash();
    let check = GenesisCheck {
        hash,
        source,
        compared_with: options.trusted.as_ref().map(|(_, path)| path.clone()),
        matches: options.trusted.as_ref().map(|(trusted, _)| trusted.hash() == hash),
    };
    if let Some((trusted, path)) = &options.trusted {
        let expected = trusted.hash();
        if expected != check.hash {
            let message = format!(
                "the {source}'s genesis hash is {}, the trusted file {} has hash {expected}: \
                 another chain, or an altered genesis",
                check.hash,
                path.display()
            );
            return (Some(check), Err(AuditError::Genesis(message)));
        }
    }
    (Some(check), Ok(genesis))
}

fn print_audit(audit: &Audit, output: OutputFormat) {
    match output {
        OutputFormat::Text => {
            if let Some(check) = &audit.genesis {
                match (&check.compared_with, check.matches) {
                    (Some(path), Some(true)) => eprintln!(
                        "genesis {} (the {}'s) matches the trusted file {}",
                        check.hash,
                        check.source,
                        path.display()
                    ),
                    // The verdict line names both hashes.
                    (Some(_), _) => {}
                    (None, _) => eprintln!(
                        "genesis {} taken from the {} itself, not checked: compare this hash with one from \
                         a trusted channel, or pass --genesis FILE",
                        check.hash, check.source
                    ),
                }
            }
            println!("{}", verdict_line(&audit.verdict));
        }
        OutputFormat::Json => {
            let genesis = json!(audit.genesis);
            let value = match &audit.verdict {
                Ok(report) => json!({ "verdict": "passed", "report": report, "genesis": genesis }),
                Err(e) => json!({
                    "verdict": "failed",
                    "height": e.height(),
                    "check": e.check(),
                    "message": e.to_string(),
                    "genesis": genesis,
                }),
            };
            println!("{value}");
        }
    }
}

/// The one verdict line of an audit.
pub fn verdict_line(verdict: &Result<Report, AuditError>) -> String {
    match verdict {
        Ok(r) => {
            let changes = match r.validator_set_changes {
                0 => String::new(),
                1 => ", the validator set changed once".into(),
                n => format!(", the validator set changed {n} times"),
            };
            format!(
                "AUDIT PASSED at height {}: {} transactions{changes}, state root {}",
                r.height, r.transactions, r.state_root
            )
        }
        Err(e) => format!("AUDIT FAILED at height {}: {e}", e.height()),
    }
}

/// Runs `jcm export`.
pub fn run_export(args: &ExportArgs, node: Option<&str>) -> anyhow::Result<Outcome> {
    let Some(url) = node else { bail!("export reads a node: give --node URL") };
    let client = NodeClient::new(url);
    let written = export(&client, args.to, &args.out, args.quiet)?;
    eprintln!(
        "exported heights 0..={} from {} to {} ({} bytes); genesis hash {}",
        written.height,
        client.url(),
        args.out.display(),
        written.bytes,
        written
            .genesis_hash
            .map_or_else(|| "unknown (the node's genesis does not parse)".into(), |h| h.to_string()),
    );
    Ok(Outcome::Success)
}

/// What an export wrote.
#[derive(Clone, Debug)]
pub struct Exported {
    /// Last height.
    pub height: u64,
    /// File size.
    pub bytes: u64,
    /// The genesis hash, if the node's genesis parses.
    pub genesis_hash: Option<Hash32>,
}

/// Writes the node's chain up to `to` to a bundle at `out`, through a temporary file
/// renamed once complete, so an interrupted export leaves no partial bundle behind.
pub fn export(client: &NodeClient, to: Option<u64>, out: &Path, quiet: bool) -> anyhow::Result<Exported> {
    let genesis_text = client.genesis_text()?;
    let genesis_hash = Genesis::from_json(&genesis_text).ok().map(|g| g.hash());
    let to = checked_to(to, client.last_height()?)?;
    let partial = PathBuf::from(format!("{}.partial", out.display()));
    let file = File::create(&partial).with_context(|| format!("cannot create {}", partial.display()))?;
    let progress = Progress::heights(to, "exporting", quiet);
    let result = (|| -> anyhow::Result<u64> {
        let mut writer = BundleWriter::new(BufWriter::with_capacity(1 << 20, file), genesis_text.as_bytes())?;
        for fetched in client.stream_heights(1, to) {
            let height = fetched?;
            writer.push(&height.block, &height.commit)?;
            progress.set(height.height);
        }
        let file = writer.finish()?.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        Ok(file.metadata()?.len())
    })();
    progress.finish();
    let bytes = match result {
        Ok(bytes) => bytes,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e.context(format!("exporting to {}", out.display())));
        }
    };
    std::fs::rename(&partial, out)
        .with_context(|| format!("cannot rename {} to {}", partial.display(), out.display()))?;
    Ok(Exported { height: to, bytes, genesis_hash })
}
