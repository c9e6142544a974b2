//! `jcm prove unit ID` and `jcm verify-proof FILE --genesis FILE`: one unit's history,
//! tied by Merkle proofs to a header that the genesis validators committed, checked
//! offline with nothing but the genesis file.
//!
//! A proof file (JSON, format [`FORMAT`]) holds, for one height `H`:
//!
//! - `header`: the canonical bytes of the header of `H` (hex), and `commit`: its commit
//!   certificate (hex). The certificate must verify against the genesis validators and
//!   certify the header's hash, so the header's `state_root` is the chain's state at `H`;
//! - `meta`: the chain-metadata state entry, which names the genesis hash: the proven
//!   state is this genesis's chain, not another with the same validators;
//! - `current`: the unit block (state key `u/…`) that holds the unit at `H`;
//! - `events`: every entry of the action log (`ev/<seq>`) that touched the unit.
//!
//! Each entry is `{key, value, proof}` (hex, hex, [`merkle::Proof`] JSON) and is checked
//! with [`merkle::verify`] against the header's state root; its value is decoded and must
//! concern the unit. What a proof does not show: that no event is missing. The events of
//! a unit are not under one provable prefix (the tree hashes its keys), so a node could
//! leave one out; the current block, which is what the unit is now, cannot be faked.
//! `jcm audit` is the complete check.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use jcm_runtime::block::{self, Block, Header};
use jcm_runtime::codec::{self, Hash32};
use jcm_runtime::consensus::{ChainId, CommitCertificate};
use jcm_runtime::events::Event;
use jcm_runtime::genesis::Genesis;
use jcm_runtime::merkle::{self, Proof};
use jcm_runtime::read;
use jcm_runtime::state::{keys, ChainMeta, Store};
use jcm_runtime::units::{UnitBlock, UnitId};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::bundle::COMMIT_BYTES_MAX;
use crate::audit::load_genesis;
use crate::audit::node::NodeClient;
pub use crate::audit::{Outcome, OutputFormat};

/// The proof file format and version.
pub const FORMAT: &str = "jcm-unit-proof/1";
/// Largest proof file read.
pub const PROOF_FILE_BYTES_MAX: u64 = 64 * 1024 * 1024;
/// Largest encoded header.
pub const HEADER_BYTES_MAX: usize = 4 * 1024;
/// Largest state value in a proof (an event or a unit block).
pub const VALUE_BYTES_MAX: usize = 1024 * 1024;
/// How many times `prove` starts over when the chain moves under it.
const PROVE_ATTEMPTS_MAX: usize = 5;

/// A unit's proof file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitProof {
    /// [`FORMAT`].
    pub format: String,
    /// The unit identifier.
    pub unit: String,
    /// The height whose state is proven.
    pub height: u64,
    /// The header of `height`, canonical bytes as hex.
    pub header: String,
    /// Its commit certificate, canonical bytes as hex.
    pub commit: String,
    /// The chain-metadata entry.
    pub meta: Entry,
    /// The unit block holding the unit.
    pub current: Entry,
    /// The action-log entries that touched the unit, oldest first.
    pub events: Vec<Entry>,
}

/// One state entry and its proof against the header's state root.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The state key, hex.
    pub key: String,
    /// The value, hex.
    pub value: String,
    /// The Merkle proof.
    pub proof: Proof,
}

impl Entry {
    fn new(key: &[u8], value: &[u8], proof: Proof) -> Self {
        Self { key: hex::encode(key), value: hex::encode(value), proof }
    }
}

/// What a valid proof establishes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Verified {
    /// The unit.
    pub unit: String,
    /// The height.
    pub height: u64,
    /// Its block hash (the certified value).
    pub block_hash: Hash32,
    /// Its state root.
    pub state_root: Hash32,
    /// The genesis the chain started from.
    pub genesis_hash: Hash32,
    /// The block holding the unit at that height.
    pub current: UnitBlock,
    /// The events proven, oldest first.
    pub events: Vec<Event>,
}

/// Why a proof file does not prove what it claims.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// Not a proof file of this format.
    #[error("not a {FORMAT} file: {0}")]
    Format(String),
    /// The header does not decode or does not belong to the genesis's chain.
    #[error("the header: {0}")]
    Header(String),
    /// The commit certificate does not certify the header.
    #[error("the commit certificate: {0}")]
    Commit(String),
    /// A state entry does not verify against the state root, or is not what it claims.
    #[error("{what}: {message}")]
    Entry {
        /// Which entry.
        what: String,
        /// Why.
        message: String,
    },
}

impl CheckError {
    /// Which check failed, as a stable word for scripts.
    pub fn check(&self) -> &'static str {
        match self {
            CheckError::Format(_) => "format",
            CheckError::Header(_) => "header",
            CheckError::Commit(_) => "commit",
            CheckError::Entry { .. } => "entry",
        }
    }
}

/// Verifies a proof file's bytes against the genesis, offline.
pub fn verify(bytes: &[u8], genesis: &Genesis) -> Result<Verified, CheckError> {
    let proof: UnitProof = serde_json::from_slice(bytes).map_err(|e| CheckError::Format(e.to_string()))?;
    verify_proof(&proof, genesis)
}

/// Verifies a parsed proof against the genesis.
pub fn verify_proof(proof: &UnitProof, genesis: &Genesis) -> Result<Verified, CheckError> {
    if proof.format != FORMAT {
        return Err(CheckError::Format(format!("the format is `{}`", proof.format)));
    }
    let unit = UnitId::parse(&proof.unit).map_err(CheckError::Format)?;
    let header = verify_header(proof, genesis)?;
    let root = header.state_root;
    let meta: ChainMeta = verify_entry(&root, &proof.meta, "the chain-metadata entry")?;
    let genesis_hash = genesis.hash();
    let what = |w: &str, message: String| CheckError::Entry { what: w.to_string(), message };
    if hex::decode(&proof.meta.key).ok().as_deref() != Some(keys::META) || meta.genesis_hash != genesis_hash {
        return Err(what(
            "the chain-metadata entry",
            format!(
                "the proven state is of genesis {}, not of the given genesis {genesis_hash}",
                meta.genesis_hash
            ),
        ));
    }
    let current: UnitBlock = verify_entry(&root, &proof.current, "the current-block entry")?;
    let holds = current.ca == unit.ca
        && current.ftp == unit.ftp
        && current.first <= unit.serial
        && unit.serial <= current.last
        && current.attrs.origin == unit.registry
        && current.attrs.vintage == unit.vintage;
    let key = keys::units(&current.ca, &current.ftp, current.last);
    if !holds || hex::encode(&key) != proof.current.key {
        return Err(what(
            "the current-block entry",
            format!("it is not the block holding {unit}: {}", current.range_text()),
        ));
    }
    let mut events: Vec<Event> = Vec::with_capacity(proof.events.len());
    for (i, entry) in proof.events.iter().enumerate() {
        let label = format!("event entry #{i}");
        let event: Event = verify_entry(&root, entry, &label)?;
        let touches = event.units.as_ref().is_some_and(|u| {
            u.ca == unit.ca && u.ftp == unit.ftp && u.first <= unit.serial && unit.serial <= u.last
        });
        if !touches || hex::encode(keys::event(event.seq)) != entry.key {
            return Err(what(&label, format!("event {} does not concern {unit}", event.seq)));
        }
        if events.last().is_some_and(|previous| previous.seq >= event.seq) {
            return Err(what(&label, format!("event {} is out of order", event.seq)));
        }
        events.push(event);
    }
    Ok(Verified {
        unit: unit.to_string(),
        height: header.height,
        block_hash: header.hash(),
        state_root: root,
        genesis_hash,
        current,
        events,
    })
}

/// Decodes the header and checks that the genesis validators committed it.
fn verify_header(proof: &UnitProof, genesis: &Genesis) -> Result<Header, CheckError> {
    let bad_genesis = |e: String| CheckError::Header(format!("the genesis cannot start a chain: {e}"));
    let chain_id = ChainId::new(genesis.chain_id.as_str()).map_err(|e| bad_genesis(e.to_string()))?;
    let validators = block::genesis_validators(genesis).map_err(|e| bad_genesis(e.to_string()))?;
    let bytes = hex::decode(&proof.header).map_err(|e| CheckError::Header(format!("not hex: {e}")))?;
    let header: Header = codec::decode(&bytes, HEADER_BYTES_MAX)
        .map_err(|e| CheckError::Header(format!("does not decode: {e}")))?;
    if header.chain_id != chain_id {
        return Err(CheckError::Header(format!(
            "it is of chain `{}`, not `{}`",
            header.chain_id.as_str(),
            chain_id.as_str()
        )));
    }
    if header.height != proof.height || header.height == 0 {
        return Err(CheckError::Header(format!(
            "its height is {}, the file says {}",
            header.height, proof.height
        )));
    }
    if header.validators_hash != block::validators_hash(&validators) {
        return Err(CheckError::Header(
            "its validator-set hash is not the genesis validators': the set changed since genesis \
             (governance, R49), and a unit proof is verified against the genesis set only; \
             `jcm audit` verifies the whole chain, across every change"
                .into(),
        ));
    }
    let bytes = hex::decode(&proof.commit).map_err(|e| CheckError::Commit(format!("not hex: {e}")))?;
    let commit: CommitCertificate = codec::decode(&bytes, COMMIT_BYTES_MAX)
        .map_err(|e| CheckError::Commit(format!("does not decode: {e}")))?;
    if commit.height != header.height || commit.value != header.value_id() {
        return Err(CheckError::Commit(format!(
            "it certifies height {} block {}, not the header (height {}, hash {})",
            commit.height,
            Hash32(commit.value.0),
            header.height,
            header.hash()
        )));
    }
    commit.verify(&chain_id, &validators).map_err(|e| CheckError::Commit(e.to_string()))?;
    Ok(header)
}

/// Checks an entry's proof against `root` and decodes its value.
fn verify_entry<T>(root: &Hash32, entry: &Entry, what: &str) -> Result<T, CheckError>
where
    T: borsh::BorshSerialize + borsh::BorshDeserialize,
{
    let fail = |message: String| CheckError::Entry { what: what.to_string(), message };
    let key = hex::decode(&entry.key).map_err(|e| fail(format!("the key is not hex: {e}")))?;
    let value = hex::decode(&entry.value).map_err(|e| fail(format!("the value is not hex: {e}")))?;
    merkle::verify(root, &key, Some(&value), &entry.proof)
        .map_err(|e| fail(format!("the Merkle proof fails: {e}")))?;
    codec::decode(&value, VALUE_BYTES_MAX).map_err(|e| fail(format!("the value does not decode: {e}")))
}

/// Builds a proof from a state and its tree at the height of `header`: the prover's core,
/// used in-process (tests, tools holding a replayed state).
pub fn prove_from_state<S, T>(
    state: &S,
    tree: &T,
    header: &Header,
    commit: &CommitCertificate,
    unit: &str,
) -> Result<UnitProof, String>
where
    S: Store + ?Sized,
    T: Store + ?Sized,
{
    let history = read::unit_history(state, unit)?;
    let entry = |key: Vec<u8>| -> Result<Entry, String> {
        let value = state.get(&key).ok_or_else(|| format!("no state entry at {}", hex::encode(&key)))?;
        let proof = merkle::prove(tree, &header.state_root, &key).map_err(|e| e.to_string())?;
        Ok(Entry::new(&key, &value, proof))
    };
    let current = &history.current;
    Ok(UnitProof {
        format: FORMAT.to_string(),
        unit: history.unit.clone(),
        height: header.height,
        header: hex::encode(codec::encode(header)),
        commit: hex::encode(codec::encode(commit)),
        meta: entry(keys::META.to_vec())?,
        current: entry(keys::units(&current.ca, &current.ftp, current.last))?,
        events: history.events.iter().map(|e| entry(keys::event(e.seq))).collect::<Result<_, _>>()?,
    })
}

/// Builds a proof from a node: its unit history, then a proof of every entry at the same
/// (last) height, that height's header and certificate. The result is verified against
/// the node's genesis before it is returned; if the chain moved between the requests,
/// it starts over.
pub fn prove_from_node(client: &NodeClient, unit: &str) -> anyhow::Result<UnitProof> {
    let id = UnitId::parse(unit).map_err(anyhow::Error::msg)?;
    let genesis = Genesis::from_json(&client.genesis_text()?).context("the node's genesis is not valid")?;
    let mut last_error = None;
    for _ in 0..PROVE_ATTEMPTS_MAX {
        match prove_once(client, &id) {
            Ok(Some(proof)) => match verify_proof(&proof, &genesis) {
                Ok(_) => return Ok(proof),
                Err(e) => last_error = Some(e.to_string()),
            },
            Ok(None) => last_error = Some("the chain moved during the requests".to_string()),
            Err(e) => return Err(e),
        }
    }
    bail!(
        "could not assemble a valid proof in {PROVE_ATTEMPTS_MAX} attempts: {}",
        last_error.unwrap_or_default()
    )
}

/// One attempt; `None` if the entries came from different heights.
fn prove_once(client: &NodeClient, unit: &UnitId) -> anyhow::Result<Option<UnitProof>> {
    let path = format!("/v1/units/{unit}/history");
    let history = client.get_json(&path)?;
    let current: UnitBlock = serde_json::from_value(history["current"].clone())
        .map_err(|e| client.malformed(&path, &format!("`current`: {e}")))?;
    let seqs: Vec<u64> = history["events"]
        .as_array()
        .ok_or_else(|| client.malformed(&path, "no `events`"))?
        .iter()
        .map(|e| e["seq"].as_u64().ok_or_else(|| client.malformed(&path, "an event without `seq`")))
        .collect::<Result<_, _>>()?;
    let mut keys_wanted = vec![keys::META.to_vec(), keys::units(&current.ca, &current.ftp, current.last)];
    keys_wanted.extend(seqs.iter().map(|seq| keys::event(*seq)));
    let mut height = None;
    let mut entries = Vec::with_capacity(keys_wanted.len());
    for key in &keys_wanted {
        let path = format!("/v1/proof?key={}", hex::encode(key));
        let answer = client.get_json(&path)?;
        let at = answer["height"].as_u64().ok_or_else(|| client.malformed(&path, "no `height`"))?;
        if *height.get_or_insert(at) != at || answer["value"].is_null() {
            return Ok(None);
        }
        let value = client.hex_field(&path, &answer, "value")?;
        let proof: Proof = serde_json::from_value(answer["proof"].clone())
            .map_err(|e| client.malformed(&path, &format!("`proof`: {e}")))?;
        entries.push(Entry::new(key, &value, proof));
    }
    let height = height.expect("at least the metadata key was asked for");
    let raw = client.raw_height(height)?;
    let block =
        Block::decode(&raw.block).with_context(|| format!("the node's block {height} does not decode"))?;
    let mut entries = entries.into_iter();
    let (meta, current) = (entries.next().expect("meta asked"), entries.next().expect("block asked"));
    Ok(Some(UnitProof {
        format: FORMAT.to_string(),
        unit: unit.to_string(),
        height,
        header: hex::encode(codec::encode(&block.header)),
        commit: hex::encode(&raw.commit),
        meta,
        current,
        events: entries.collect(),
    }))
}

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
        "wrote the proof of {unit} at height {} ({} events) to {}",
        proof.height,
        proof.events.len(),
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
