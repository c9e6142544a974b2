//! New keys and the passphrase that seals them, for the node's homes. The shared edge of
//! key files ([`jcm_keystore`]: the passphrase's sources, the OS random number generator,
//! private files) is the CLI's too; this module words its errors for the node's flags.
//!
//! A passphrase comes from, in order: `--passphrase-file FILE` (its first line), the
//! environment variable [`PASSPHRASE_ENV`], or a prompt on the terminal (asked twice when
//! creating keys, once when opening them). `--dev` skips it and writes unencrypted
//! development key files instead.

use std::path::{Path, PathBuf};

use jcm_keystore::KeystoreError;
use jcm_runtime::crypto::SecretKey;
use jcm_runtime::keyfile::KeyFile;
use zeroize::Zeroizing;

use super::HomeError;

pub use jcm_keystore::{Purpose, PASSPHRASE_CHARS_MIN, PASSPHRASE_ENV, PASSPHRASE_FILE_BYTES_MAX};

/// What the node's terminal prompt asks.
const PROMPT: &str = "Passphrase for the keys: ";

/// How keys are to be protected.
#[derive(Debug)]
pub enum Protection {
    /// Sealed with this passphrase.
    Passphrase(Zeroizing<String>),
    /// Unencrypted development keys.
    Dev,
}

/// Where a passphrase comes from.
#[derive(Clone, Debug, Default)]
pub struct PassphraseSource {
    /// `--passphrase-file`.
    pub file: Option<PathBuf>,
}

impl PassphraseSource {
    /// Reads the passphrase from the file, the environment or the terminal.
    pub fn read(&self, purpose: Purpose) -> Result<Zeroizing<String>, HomeError> {
        jcm_keystore::read_passphrase(self.file.as_deref(), purpose, PROMPT).map_err(HomeError::from)
    }
}

impl From<KeystoreError> for HomeError {
    fn from(error: KeystoreError) -> Self {
        match error {
            KeystoreError::Io { path, source } => HomeError::Io { path, cause: source },
            KeystoreError::Key { path, cause } => HomeError::Key { path, cause },
            KeystoreError::Seal { name, cause } => HomeError::Key { path: PathBuf::from(name), cause },
            KeystoreError::Random(cause) => HomeError::Random(cause),
            KeystoreError::TooLarge { .. } => HomeError::Invalid(error.to_string()),
            KeystoreError::NotATerminal | KeystoreError::Prompt(_) => HomeError::Passphrase(format!(
                "cannot prompt for it ({error}); pass --passphrase-file FILE, set {PASSPHRASE_ENV}, \
                 or use --dev for a development chain with unencrypted keys"
            )),
            KeystoreError::PassphraseTooShort | KeystoreError::PassphrasesDiffer => {
                HomeError::Passphrase(error.to_string())
            }
        }
    }
}

/// A new key from the OS random number generator.
pub fn new_key() -> Result<SecretKey, HomeError> {
    Ok(jcm_keystore::new_key()?)
}

/// The key file of `key` named `name`, protected as asked.
pub fn key_file(name: &str, key: &SecretKey, protection: &Protection) -> Result<KeyFile, HomeError> {
    match protection {
        Protection::Dev => Ok(KeyFile::dev(name, key)),
        Protection::Passphrase(passphrase) => Ok(jcm_keystore::seal(name, key, passphrase.as_bytes())?),
    }
}

/// Writes `text` to `path`, readable by its owner only when `private` (key files).
pub fn write_file(path: &Path, text: &str, private: bool) -> Result<(), HomeError> {
    Ok(jcm_keystore::write_file(path, text, private)?)
}

/// Writes the key file of `key` to `path`.
pub fn write_key(path: &Path, name: &str, key: &SecretKey, protection: &Protection) -> Result<(), HomeError> {
    write_file(path, &key_file(name, key, protection)?.to_json(), true)
}

/// Creates `dir` and its parents.
pub fn create_dir(dir: &Path) -> Result<(), HomeError> {
    std::fs::create_dir_all(dir).map_err(HomeError::io(dir))
}
