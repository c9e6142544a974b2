//! Genesis pinning: the chains this machine has talked to, each chain id with the genesis
//! hash its nodes presented the first time (`<home>/known-chains.json`). Every command
//! that talks to a node checks the node's `/v1/status` against the pin
//! ([`verify_node`], called from [`crate::context::Context::connect`], where every node
//! conversation starts) and refuses a node presenting another genesis under a pinned
//! chain id: a node of another chain, whatever it calls itself, signs and answers for
//! nothing here. `jcm chain` ([`crate::chain`]) lists, pins and forgets chains deliberately.
//!
//! ```json
//! { "format": "jcm-known-chains/1",
//!   "chains": { "jcm-testnet-4": { "genesis_hash": "9f2c…", "first_node": "http://127.0.0.1:26601" } } }
//! ```

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use jcm_api::chain::Status;
use jcm_runtime::codec::Hash32;
use serde::{Deserialize, Serialize};

/// The file's name in the CLI's home.
pub const FILE_NAME: &str = "known-chains.json";
/// The file's format and version.
pub const FORMAT: &str = "jcm-known-chains/1";
/// Largest pin file read.
const FILE_BYTES_MAX: u64 = 1024 * 1024;
/// Most chains pinned: a bound on the file, far above the chains one officer meets.
pub const CHAINS_MAX: usize = 1000;

/// One pinned chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pin {
    /// The hash of the chain's genesis document.
    pub genesis_hash: Hash32,
    /// The node the pin was first taken from (`null` when pinned by hand).
    #[serde(default)]
    pub first_node: Option<String>,
}

/// The pin store: chain id → pin.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnownChains {
    /// [`FORMAT`].
    pub format: String,
    /// The pins, by chain id.
    pub chains: BTreeMap<String, Pin>,
}

impl Default for KnownChains {
    fn default() -> Self {
        Self { format: FORMAT.into(), chains: BTreeMap::new() }
    }
}

/// What a check found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seen {
    /// The chain is not pinned yet: first contact.
    New,
    /// The chain is pinned to this genesis.
    Known,
}

/// A genesis other than the pinned one.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "{source_} presents chain `{chain_id}` with genesis hash\n    {presented}\n  \
     but this machine pinned `{chain_id}` to genesis hash\n    {pinned}\n  \
     (in {file}). It is another chain under the same name, or a misconfigured node: nothing was signed or sent.\n  \
     If the chain was deliberately started again from a new genesis, confirm its hash with the chain's operators, then \
     re-pin: `jcm chain forget {chain_id}` (the next contact pins the node's genesis) or \
     `jcm chain pin {chain_id} --genesis-hash {presented} --replace`"
)]
pub struct Mismatch {
    /// The chain id.
    pub chain_id: String,
    /// The pinned genesis hash.
    pub pinned: Hash32,
    /// The genesis hash presented.
    pub presented: Hash32,
    /// Who presented it: `the node at URL`, or a file.
    pub source_: String,
    /// The pin file.
    pub file: String,
}

impl KnownChains {
    /// `<home>/known-chains.json`.
    pub fn path(home: &Path) -> PathBuf {
        home.join(FILE_NAME)
    }

    /// Reads the pins; a missing file is no pins.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        if !path.exists() {
            return Ok(Self::default());
        }
        let text = jcm_keystore::read_bounded(path, FILE_BYTES_MAX).map_err(|e| anyhow::anyhow!("{e}"))?;
        let known: Self = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a pin file ({FORMAT})", path.display()))?;
        if known.format != FORMAT {
            bail!("{} has format `{}`; this jcm reads {FORMAT}", path.display(), known.format);
        }
        Ok(known)
    }

    /// Writes the pins atomically: a temporary file beside it, flushed to disk, then
    /// renamed over it, so a crash or a concurrent reader never sees half a file.
    pub fn save(&self, path: &Path) -> anyhow::Result<()> {
        let dir = path.parent().context("the pin file has a directory")?;
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let text = serde_json::to_string_pretty(self).expect("pins serialize") + "\n";
        // One temporary name per process: two commands pinning at once never write
        // into the same temporary file.
        let tmp = dir.join(format!(".{FILE_NAME}.{}.partial", std::process::id()));
        let write = || -> std::io::Result<()> {
            let mut file = std::fs::File::create(&tmp)?;
            file.write_all(text.as_bytes())?;
            file.sync_all()
        };
        write().with_context(|| format!("cannot write {}", tmp.display()))?;
        std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
    }

    /// Whether `genesis` is the pinned genesis of `chain_id` (pure).
    pub fn check(&self, chain_id: &str, genesis: &Hash32) -> Result<Seen, (Hash32, Hash32)> {
        match self.chains.get(chain_id) {
            None => Ok(Seen::New),
            Some(pin) if pin.genesis_hash == *genesis => Ok(Seen::Known),
            Some(pin) => Err((pin.genesis_hash, *genesis)),
        }
    }

    /// Pins `chain_id` to `genesis`, replacing any pin.
    pub fn pin(&mut self, chain_id: &str, genesis: Hash32, node: Option<&str>) -> anyhow::Result<()> {
        if !self.chains.contains_key(chain_id) && self.chains.len() >= CHAINS_MAX {
            bail!("{CHAINS_MAX} chains are pinned already: forget some with `jcm chain forget ID`");
        }
        self.chains
            .insert(chain_id.to_string(), Pin { genesis_hash: genesis, first_node: node.map(Into::into) });
        Ok(())
    }

    /// Forgets `chain_id`'s pin, returning it.
    pub fn forget(&mut self, chain_id: &str) -> Option<Pin> {
        self.chains.remove(chain_id)
    }
}

/// Checks `chain_id` and `genesis`, presented by `source_`, against the pins in `home`,
/// pinning them on first contact when `record` (nodes) and only checking otherwise.
fn check_and_pin(
    home: &Path,
    chain_id: &str,
    genesis: &Hash32,
    source_: &str,
    record: Option<&str>,
) -> anyhow::Result<Seen> {
    let path = KnownChains::path(home);
    let mut known = KnownChains::load(&path)?;
    match known.check(chain_id, genesis) {
        Ok(Seen::New) => {
            if record.is_some() {
                known.pin(chain_id, *genesis, record)?;
                known.save(&path)?;
            }
            Ok(Seen::New)
        }
        Ok(Seen::Known) => Ok(Seen::Known),
        Err((pinned, presented)) => Err(Mismatch {
            chain_id: chain_id.to_string(),
            pinned,
            presented,
            source_: source_.to_string(),
            file: path.display().to_string(),
        }
        .into()),
    }
}

/// The check every conversation with a node starts with: the chain id and genesis hash
/// of the node's `/v1/status` against the pins, pinning the chain on first contact. (A
/// status without either is no [`Status`]: the client refuses it as malformed first.)
pub fn verify_node(home: &Path, node: &str, status: &Status) -> anyhow::Result<Seen> {
    if status.chain_id.is_empty() {
        bail!("the node at {node} does not say its chain id (/v1/status has an empty chain_id)");
    }
    check_and_pin(home, &status.chain_id, &status.genesis_hash, &format!("the node at {node}"), Some(node))
}

/// For a transaction file made or signed without a node: the genesis hash it pins,
/// checked against this machine's pin of `chain_id`. A file that names none takes the
/// local pin, if there is one.
pub fn for_file(
    home: &Path,
    chain_id: &str,
    given: Option<Hash32>,
    source_: &str,
) -> anyhow::Result<Option<Hash32>> {
    match given {
        Some(genesis) => {
            check_and_pin(home, chain_id, &genesis, source_, None)?;
            Ok(Some(genesis))
        }
        None => Ok(KnownChains::load(&KnownChains::path(home))?.chains.get(chain_id).map(|p| p.genesis_hash)),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn home(label: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("jcm-cli-pin-{label}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a temp dir");
        dir
    }

    fn status(chain: &str, genesis: &Hash32) -> Status {
        serde_json::from_value(json!({
            "chain_id": chain, "genesis_hash": genesis.to_hex(), "moniker": "jpn", "node_id": "12D3KooW",
            "validator": null, "height": 3, "block_hash": Hash32([3; 32]), "block_time": "2026-02-10T00:00:00Z",
            "state_root": Hash32([4; 32]), "round": 0, "peers": [], "best_known_height": 3,
            "catching_up": false, "ready": true, "mempool": { "txs": 0, "bytes": 0 },
        }))
        .expect("a status")
    }

    const NODE: &str = "http://127.0.0.1:26601";

    #[test]
    fn first_contact_pins_a_match_passes_and_another_genesis_is_refused() {
        let home = home("node");
        let (a, b) = (Hash32([1; 32]), Hash32([2; 32]));
        assert_eq!(verify_node(&home, NODE, &status("jcm-x", &a)).expect("first contact"), Seen::New);
        let known = KnownChains::load(&KnownChains::path(&home)).expect("written");
        assert_eq!(known.chains["jcm-x"], Pin { genesis_hash: a, first_node: Some(NODE.into()) });
        assert_eq!(verify_node(&home, NODE, &status("jcm-x", &a)).expect("the pinned genesis"), Seen::Known);
        let err = verify_node(&home, "http://127.0.0.1:26611", &status("jcm-x", &b)).expect_err("another");
        let mismatch = err.downcast_ref::<Mismatch>().expect("a mismatch");
        assert_eq!((mismatch.pinned, mismatch.presented), (a, b));
        let text = err.to_string();
        assert!(text.contains(&a.to_hex()) && text.contains(&b.to_hex()), "both hashes: {text}");
        assert!(text.contains("jcm chain forget jcm-x"), "how to re-pin: {text}");
        // The refusal changed nothing; another chain id is a chain of its own.
        assert_eq!(KnownChains::load(&KnownChains::path(&home)).expect("read"), known);
        assert_eq!(verify_node(&home, NODE, &status("jcm-y", &b)).expect("a new chain"), Seen::New);
        let _ = std::fs::remove_dir_all(home);
    }

    #[test]
    fn forgetting_a_pin_lets_the_next_contact_pin_again() {
        let home = home("forget");
        let path = KnownChains::path(&home);
        let (a, b) = (Hash32([1; 32]), Hash32([2; 32]));
        verify_node(&home, NODE, &status("jcm-x", &a)).expect("pinned");
        let mut known = KnownChains::load(&path).expect("read");
        assert_eq!(known.forget("jcm-x").map(|p| p.genesis_hash), Some(a));
        assert_eq!(known.forget("jcm-x"), None);
        known.save(&path).expect("saved");
        assert_eq!(verify_node(&home, NODE, &status("jcm-x", &b)).expect("pinned anew"), Seen::New);
        assert_eq!(KnownChains::load(&path).expect("read").chains["jcm-x"].genesis_hash, b);
        let _ = std::fs::remove_dir_all(home);
    }

    #[test]
    fn the_file_is_written_whole_through_a_temporary_file() {
        let home = home("atomic");
        let path = KnownChains::path(&home);
        let mut known = KnownChains::default();
        for i in 0..50u8 {
            known.pin(&format!("jcm-{i}"), Hash32([i; 32]), Some(NODE)).expect("room");
        }
        known.save(&path).expect("saved");
        let names: Vec<String> = std::fs::read_dir(&home)
            .expect("listed")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, [FILE_NAME], "no temporary file is left behind");
        assert_eq!(KnownChains::load(&path).expect("read"), known);
        // A file that is not a pin file is an error, never an empty store to overwrite.
        std::fs::write(&path, "{\"format\": \"jcm-known-chains/1\", \"chains\": ").expect("written");
        assert!(KnownChains::load(&path).is_err());
        let _ = std::fs::remove_dir_all(home);
    }

    #[test]
    fn a_node_that_does_not_say_its_chain_or_genesis_is_refused() {
        let home = home("silent");
        // Without either field the answer is no status at all (the client's malformed answer).
        let mut silent = serde_json::to_value(status("jcm-x", &Hash32([1; 32]))).expect("serializes");
        silent.as_object_mut().expect("an object").remove("genesis_hash");
        assert!(serde_json::from_value::<Status>(silent).is_err());
        assert!(verify_node(&home, NODE, &status("", &Hash32([1; 32]))).is_err());
        assert!(!KnownChains::path(&home).exists(), "nothing pinned");
        let _ = std::fs::remove_dir_all(home);
    }

    #[test]
    fn a_file_is_checked_against_the_pin_without_pinning() {
        let home = home("file");
        let (a, b) = (Hash32([1; 32]), Hash32([2; 32]));
        assert_eq!(for_file(&home, "jcm-x", None, "tx.json").expect("no pin"), None);
        assert_eq!(for_file(&home, "jcm-x", Some(a), "tx.json").expect("no pin"), Some(a));
        assert!(!KnownChains::path(&home).exists(), "a file pins nothing");
        verify_node(&home, NODE, &status("jcm-x", &a)).expect("pinned");
        assert_eq!(for_file(&home, "jcm-x", None, "tx.json").expect("the pin"), Some(a));
        let err = for_file(&home, "jcm-x", Some(b), "tx.json").expect_err("another genesis");
        assert!(err.to_string().starts_with("tx.json presents chain `jcm-x`"), "{err}");
        let _ = std::fs::remove_dir_all(home);
    }
}
