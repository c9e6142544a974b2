//! The layout of a home: the names and paths of its files, the node id, the error every
//! home operation returns, and the bounded read of a settings file.

use std::path::{Path, PathBuf};

use jcm_runtime::crypto::PublicKey;
use jcm_runtime::keyfile::KeyFileError;
use jcm_runtime::protocol::GenesisError;

/// Directory of the configuration files, under the home.
pub const CONFIG_DIR: &str = "config";
/// Directory of the store, under the home.
pub const DATA_DIR: &str = "data";
/// The settings file, under `config/`.
pub const NODE_TOML: &str = "node.toml";
/// The genesis, under `config/`.
pub const GENESIS_JSON: &str = "genesis.json";
/// The node (p2p identity) key file, under `config/`.
pub const NODE_KEY: &str = "node_key.json";
/// The validator (consensus) key file, under `config/`.
pub const VALIDATOR_KEY: &str = "validator_key.json";

/// Why a home could not be written, read or opened. Every message names the file.
#[derive(Debug, thiserror::Error)]
pub enum HomeError {
    /// A file or directory could not be read or written.
    #[error("{path}: {cause}")]
    Io {
        /// The path.
        path: PathBuf,
        /// Cause.
        cause: std::io::Error,
    },
    /// The target already holds files.
    #[error(
        "{path} already exists and is not empty; refusing to overwrite it \
         (choose another directory, or pass --force to overwrite {what})"
    )]
    Exists {
        /// The directory.
        path: PathBuf,
        /// What `--force` would overwrite.
        what: &'static str,
    },
    /// `node.toml` does not parse or a value is out of range.
    #[error("{path}: {reason}")]
    Config {
        /// The file.
        path: PathBuf,
        /// What is wrong, with a hint.
        reason: String,
    },
    /// The genesis is refused.
    #[error("{path}: {cause}{hint}")]
    Genesis {
        /// The file.
        path: PathBuf,
        /// Cause.
        cause: GenesisError,
        /// A hint for a likely mistake, or empty.
        hint: &'static str,
    },
    /// A key file is malformed or does not open.
    #[error("{path}: {cause}")]
    Key {
        /// The file.
        path: PathBuf,
        /// Cause.
        cause: KeyFileError,
    },
    /// No usable passphrase.
    #[error("passphrase: {0}")]
    Passphrase(String),
    /// The OS random number generator failed.
    #[error("the operating system's random number generator failed: {0}")]
    Random(String),
    /// The arguments ask for something impossible.
    #[error("{0}")]
    Invalid(String),
}

impl HomeError {
    pub(crate) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> HomeError + '_ {
        move |cause| HomeError::Io { path: path.to_path_buf(), cause }
    }
}

/// The id other nodes know this node by: for now the hex ed25519 public key of the node
/// key. (The networking part may map it to a libp2p peer id; that mapping is one-to-one.)
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct NodeId(pub PublicKey);

impl std::fmt::Display for NodeId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.to_hex())
    }
}

impl std::str::FromStr for NodeId {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        text.parse::<PublicKey>().map(NodeId).map_err(|e| format!("node id `{text}`: {e} (64 hex digits)"))
    }
}

/// The paths of a home.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HomePaths {
    /// The home directory.
    pub root: PathBuf,
}

impl HomePaths {
    /// The paths under `root`.
    pub fn new(root: &Path) -> Self {
        Self { root: root.to_path_buf() }
    }
    /// `config/`.
    pub fn config_dir(&self) -> PathBuf {
        self.root.join(CONFIG_DIR)
    }
    /// `data/`.
    pub fn data_dir(&self) -> PathBuf {
        self.root.join(DATA_DIR)
    }
    /// `config/node.toml`.
    pub fn node_toml(&self) -> PathBuf {
        self.config_dir().join(NODE_TOML)
    }
    /// `config/genesis.json`.
    pub fn genesis(&self) -> PathBuf {
        self.config_dir().join(GENESIS_JSON)
    }
    /// `config/node_key.json`.
    pub fn node_key(&self) -> PathBuf {
        self.config_dir().join(NODE_KEY)
    }
    /// `config/validator_key.json`.
    pub fn validator_key(&self) -> PathBuf {
        self.config_dir().join(VALIDATOR_KEY)
    }
}

/// Reads a UTF-8 file of at most `max` bytes.
pub fn read_bounded(path: &Path, max: u64) -> Result<String, HomeError> {
    Ok(jcm_keystore::read_bounded(path, max)?)
}
