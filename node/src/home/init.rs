//! `jcm-node init`: a new home for one node, from an existing genesis.
//!
//! Refuses a home that already holds files unless `--force`, which rewrites `config/`
//! (new keys: the old node id and validator key are gone) and leaves `data/` alone.
//! Everything that can fail without side effects (the genesis, the passphrase) is
//! checked before the first file is written.

use std::path::{Path, PathBuf};

use jcm_runtime::codec::Hash32;
use jcm_runtime::crypto::{PublicKey, SecretKey};
use jcm_runtime::model::Validator;

use super::config::NodeConfig;
use super::keys::{self, PassphraseSource, Protection, Purpose};
use super::{find_validator, is_absent_or_empty, read_genesis, HomeError, HomePaths, NodeId};

/// What `init` is asked to do.
#[derive(Debug, Clone)]
pub struct InitOptions {
    /// The home to create.
    pub home: PathBuf,
    /// The genesis to copy in.
    pub genesis: PathBuf,
    /// Unencrypted development keys.
    pub dev: bool,
    /// The moniker; the home directory's name when absent.
    pub moniker: Option<String>,
    /// Rewrite the config of an existing home.
    pub force: bool,
    /// Where the passphrase comes from.
    pub passphrase: PassphraseSource,
}

/// What `init` did.
#[derive(Debug)]
pub struct InitReport {
    /// The home.
    pub home: PathBuf,
    /// Chain id.
    pub chain_id: String,
    /// Genesis hash.
    pub genesis_hash: Hash32,
    /// Node id.
    pub node_id: NodeId,
    /// Validator public key.
    pub validator_key: PublicKey,
    /// The genesis validator entry of that key, if any.
    pub validator: Option<Validator>,
    /// Whether the keys are unencrypted.
    pub dev: bool,
}

/// The moniker of a home: its directory name, or `node`.
pub fn default_moniker(home: &Path) -> String {
    home.file_name()
        .map(|n| n.to_string_lossy().chars().take(64).collect::<String>())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "node".into())
}

/// Refuses a non-empty directory unless `force`.
pub fn ensure_writable(dir: &Path, force: bool, what: &'static str) -> Result<(), HomeError> {
    if force || is_absent_or_empty(dir)? {
        Ok(())
    } else {
        Err(HomeError::Exists { path: dir.to_path_buf(), what })
    }
}

/// The files of one home, ready to be written.
#[derive(Debug)]
pub struct HomeFiles<'a> {
    /// Settings.
    pub config: &'a NodeConfig,
    /// Genesis text, written as given.
    pub genesis_json: &'a str,
    /// Node key.
    pub node_key: &'a SecretKey,
    /// Validator key.
    pub validator_key: &'a SecretKey,
}

impl HomeFiles<'_> {
    /// Writes `config/` and creates `data/` under `paths`.
    pub fn write(&self, paths: &HomePaths, protection: &Protection) -> Result<(), HomeError> {
        keys::create_dir(&paths.config_dir())?;
        keys::create_dir(&paths.data_dir())?;
        keys::write_file(&paths.genesis(), self.genesis_json, false)?;
        keys::write_file(&paths.node_toml(), &self.config.render(), false)?;
        keys::write_key(&paths.node_key(), "node", self.node_key, protection)?;
        keys::write_key(&paths.validator_key(), "validator", self.validator_key, protection)
    }
}

/// Runs `init`.
pub fn init(options: &InitOptions) -> Result<InitReport, HomeError> {
    ensure_writable(&options.home, options.force, "its config/ with new keys; data/ is kept")?;
    let (genesis_json, genesis) = read_genesis(&options.genesis)?;
    let moniker = options.moniker.clone().unwrap_or_else(|| default_moniker(&options.home));
    let config = NodeConfig::new(&moniker);
    config.check().map_err(HomeError::Invalid)?;
    let protection = if options.dev {
        Protection::Dev
    } else {
        Protection::Passphrase(options.passphrase.read(Purpose::Create)?)
    };
    let node_key = keys::new_key()?;
    let validator_key = keys::new_key()?;
    let paths = HomePaths::new(&options.home);
    HomeFiles {
        config: &config,
        genesis_json: &genesis_json,
        node_key: &node_key,
        validator_key: &validator_key,
    }
    .write(&paths, &protection)?;
    Ok(InitReport {
        home: options.home.clone(),
        chain_id: genesis.chain_id.to_string(),
        genesis_hash: genesis.hash(),
        node_id: NodeId(node_key.public()),
        validator_key: validator_key.public(),
        validator: find_validator(&genesis, &validator_key.public()).cloned(),
        dev: options.dev,
    })
}

impl std::fmt::Display for InitReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "Initialized node home {}", self.home.display())?;
        writeln!(f, "  chain id       {}", self.chain_id)?;
        writeln!(f, "  genesis hash   {}", self.genesis_hash)?;
        writeln!(f, "  node id        {}", self.node_id)?;
        writeln!(f, "  validator key  {}", self.validator_key)?;
        match &self.validator {
            Some(v) => writeln!(
                f,
                "                 in the genesis validator set as {} ({}, power {})",
                v.name, v.party, v.power
            )?,
            None => writeln!(
                f,
                "                 NOT in the genesis validator set: this node can only \
                 observe until a genesis lists this key"
            )?,
        }
        if self.dev {
            writeln!(
                f,
                "  keys           UNENCRYPTED development keys (--dev): never use them on a real chain"
            )?;
        } else {
            writeln!(f, "  keys           encrypted with your passphrase (argon2id + XChaCha20-Poly1305)")?;
        }
        writeln!(
            f,
            "Next: add peers to {}/config/node.toml ([p2p] peers = [\"NODE_ID@HOST:PORT\"]).",
            self.home.display()
        )?;
        write!(
            f,
            "(`jcm-node start` is not implemented yet: it arrives with the store, consensus and networking.)"
        )
    }
}
