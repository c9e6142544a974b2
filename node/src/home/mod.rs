//! The node's home directory, as operators know it from CometBFT:
//!
//! ```text
//! <home>/config/node.toml           settings, every key commented (see [`config`])
//! <home>/config/genesis.json        the chain's genesis, identical on every node
//! <home>/config/node_key.json       the p2p identity; its public key is the node id
//! <home>/config/validator_key.json  the consensus key that signs votes
//! <home>/data/                      the store (created by `init`, filled by `start`)
//! ```
//!
//! Keys are [`KeyFile`]s: sealed with a passphrase, or in the clear on a development
//! chain. `init` ([`init`]) and `testnet` ([`testnet`]) write homes; [`Home::load`]
//! reads one back without decrypting anything, and [`Home::open_keys`] decrypts.

pub mod config;
pub mod init;
pub mod keys;
mod layout;
pub mod parties;
pub mod show;
pub mod testnet;
pub mod testnet_genesis;

use std::path::{Path, PathBuf};

use jcm_runtime::codec::Hash32;
use jcm_runtime::crypto::{PublicKey, SecretKey};
use jcm_runtime::keyfile::KeyFile;
use jcm_runtime::model::Validator;
use jcm_runtime::protocol::Genesis;

pub use self::layout::*;

use self::config::NodeConfig;
use crate::limits::GENESIS_BYTES_MAX;

/// A home read back from disk: settings, genesis and the key files, not yet decrypted.
#[derive(Debug)]
pub struct Home {
    /// Where it is.
    pub paths: HomePaths,
    /// `node.toml`.
    pub config: NodeConfig,
    /// The genesis, validated.
    pub genesis: Genesis,
    /// Its hash.
    pub genesis_hash: Hash32,
    /// The node key file.
    pub node_key: KeyFile,
    /// The validator key file.
    pub validator_key: KeyFile,
}

/// Reads and validates a genesis file.
pub fn read_genesis(path: &Path) -> Result<(String, Genesis), HomeError> {
    let text = read_bounded(path, GENESIS_BYTES_MAX)?;
    let genesis = Genesis::from_json(&text).map_err(|cause| HomeError::Genesis {
        path: path.to_path_buf(),
        cause,
        hint: if text.contains("\"dev:") {
            " (this looks like a test fixture, whose keys are written `dev:NAME`; \
             a node needs a genesis with hex public keys)"
        } else {
            ""
        },
    })?;
    Ok((text, genesis))
}

/// Reads a key file (without opening it).
pub fn read_key_file(path: &Path) -> Result<KeyFile, HomeError> {
    Ok(jcm_keystore::read_key_file(path)?)
}

impl Home {
    /// Reads the home at `root`: parses and checks `node.toml`, validates the genesis and
    /// the shape of both key files. Decrypts nothing and writes nothing.
    pub fn load(root: &Path) -> Result<Self, HomeError> {
        let paths = HomePaths::new(root);
        if !paths.config_dir().is_dir() {
            return Err(HomeError::Invalid(format!(
                "{} is not a node home: it has no {CONFIG_DIR}/ directory \
                 (create one with `jcm-node init --home {}`)",
                root.display(),
                root.display()
            )));
        }
        let config = NodeConfig::load(&paths.node_toml())?;
        let (_, genesis) = read_genesis(&paths.genesis())?;
        let node_key = read_key_file(&paths.node_key())?;
        let validator_key = read_key_file(&paths.validator_key())?;
        let node_id = NodeId(node_key.public_key);
        if config.p2p.peers.iter().any(|p| p.node_id == node_id) {
            return Err(HomeError::Config {
                path: paths.node_toml(),
                reason: format!("p2p.peers lists this node itself ({node_id})"),
            });
        }
        Ok(Self { genesis_hash: genesis.hash(), paths, config, genesis, node_key, validator_key })
    }

    /// This node's id.
    pub fn node_id(&self) -> NodeId {
        NodeId(self.node_key.public_key)
    }

    /// The genesis validator entry of this node's validator key, if any.
    pub fn validator(&self) -> Option<&Validator> {
        find_validator(&self.genesis, &self.validator_key.public_key)
    }

    /// Whether either key file is unencrypted.
    pub fn has_dev_keys(&self) -> bool {
        !self.node_key.encrypted || !self.validator_key.encrypted
    }

    /// Decrypts the node key and the validator key (in that order) with `passphrase`.
    pub fn open_keys(&self, passphrase: &[u8]) -> Result<(SecretKey, SecretKey), HomeError> {
        let open = |file: &KeyFile, path: PathBuf| {
            file.open(passphrase).map_err(|cause| HomeError::Key { path, cause })
        };
        Ok((
            open(&self.node_key, self.paths.node_key())?,
            open(&self.validator_key, self.paths.validator_key())?,
        ))
    }
}

/// The validator of `genesis` whose consensus key is `key`.
pub fn find_validator<'g>(genesis: &'g Genesis, key: &PublicKey) -> Option<&'g Validator> {
    genesis.validators.iter().find(|v| v.public_key == *key)
}

/// Total voting power and the number of faults it tolerates: `f` with `3f < total`.
pub fn fault_tolerance(genesis: &Genesis) -> (u64, u64) {
    let total: u64 = genesis.validators.iter().map(|v| v.power).sum();
    (total, total.saturating_sub(1) / 3)
}

/// Whether `dir` is absent or an empty directory.
pub fn is_absent_or_empty(dir: &Path) -> Result<bool, HomeError> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => Ok(entries.next().is_none()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(cause) => Err(HomeError::Io { path: dir.to_path_buf(), cause }),
    }
}
