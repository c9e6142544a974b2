//! New keys and the passphrase that seals them. The OS random number generator supplies
//! seeds, salts and nonces here, at the edge; the runtime's [`KeyFile`] stays pure.
//!
//! A passphrase comes from, in order: `--passphrase-file FILE` (its first line), the
//! environment variable [`PASSPHRASE_ENV`], or a prompt on the terminal (asked twice when
//! creating keys, once when opening them). `--dev` skips it and writes unencrypted
//! development key files instead.

use std::io::Write;
use std::path::{Path, PathBuf};

use jcm_runtime::crypto::SecretKey;
use jcm_runtime::keyfile::{KdfParams, KeyFile, NONCE_LEN, SALT_LEN};
use zeroize::Zeroizing;

use super::{read_bounded, HomeError};

/// The environment variable a passphrase may come from.
pub const PASSPHRASE_ENV: &str = "JCM_PASSPHRASE";
/// Shortest passphrase accepted for new keys, in characters.
pub const PASSPHRASE_CHARS_MIN: usize = 8;
/// Largest passphrase file read, bytes.
pub const PASSPHRASE_FILE_BYTES_MAX: u64 = 4096;

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

/// Whether the passphrase is for keys being created (asked twice) or opened (once).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// New keys: confirm at the prompt, enforce the minimum length.
    Create,
    /// Existing keys.
    Open,
}

impl PassphraseSource {
    /// Reads the passphrase from the file, the environment or the terminal.
    pub fn read(&self, purpose: Purpose) -> Result<Zeroizing<String>, HomeError> {
        let passphrase = if let Some(path) = &self.file {
            let text = Zeroizing::new(read_bounded(path, PASSPHRASE_FILE_BYTES_MAX)?);
            Zeroizing::new(text.lines().next().unwrap_or_default().to_owned())
        } else if let Ok(value) = std::env::var(PASSPHRASE_ENV) {
            Zeroizing::new(value)
        } else {
            prompt(purpose)?
        };
        if purpose == Purpose::Create && passphrase.chars().count() < PASSPHRASE_CHARS_MIN {
            return Err(HomeError::Passphrase(format!(
                "a passphrase for new keys needs at least {PASSPHRASE_CHARS_MIN} characters"
            )));
        }
        Ok(passphrase)
    }
}

fn prompt(purpose: Purpose) -> Result<Zeroizing<String>, HomeError> {
    let no_terminal = |e: std::io::Error| {
        HomeError::Passphrase(format!(
            "cannot prompt for it ({e}); pass --passphrase-file FILE, set {PASSPHRASE_ENV}, \
             or use --dev for a development chain with unencrypted keys"
        ))
    };
    // A script whose input is redirected gets an error, never a prompt it cannot answer.
    if !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        return Err(no_terminal(std::io::Error::other("standard input is not a terminal")));
    }
    let first = Zeroizing::new(rpassword::prompt_password("Passphrase for the keys: ").map_err(no_terminal)?);
    if purpose == Purpose::Create {
        let again =
            Zeroizing::new(rpassword::prompt_password("Repeat the passphrase: ").map_err(no_terminal)?);
        if *again != *first {
            return Err(HomeError::Passphrase("the two passphrases differ; nothing was written".into()));
        }
    }
    Ok(first)
}

/// `N` bytes from the operating system's random number generator.
pub fn random<const N: usize>() -> Result<[u8; N], HomeError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| HomeError::Random(e.to_string()))?;
    Ok(bytes)
}

/// A new key from the OS random number generator.
pub fn new_key() -> Result<SecretKey, HomeError> {
    Ok(SecretKey::from_seed(*Zeroizing::new(random::<32>()?)))
}

/// The key file of `key` named `name`, protected as asked.
pub fn key_file(name: &str, key: &SecretKey, protection: &Protection) -> Result<KeyFile, HomeError> {
    match protection {
        Protection::Dev => Ok(KeyFile::dev(name, key)),
        Protection::Passphrase(passphrase) => KeyFile::seal(
            name,
            key,
            passphrase.as_bytes(),
            KdfParams::DEFAULT,
            random::<SALT_LEN>()?,
            random::<NONCE_LEN>()?,
        )
        .map_err(|cause| HomeError::Key { path: PathBuf::from(name), cause }),
    }
}

/// Writes `text` to `path`, readable by its owner only when `private` (key files).
pub fn write_file(path: &Path, text: &str, private: bool) -> Result<(), HomeError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(HomeError::io(path))?;
    #[cfg(unix)]
    if private {
        // `mode` only applies to a new file: tighten one that is being overwritten.
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600)).map_err(HomeError::io(path))?;
    }
    file.write_all(text.as_bytes()).and_then(|()| file.sync_all()).map_err(HomeError::io(path))
}

/// Writes the key file of `key` to `path`.
pub fn write_key(path: &Path, name: &str, key: &SecretKey, protection: &Protection) -> Result<(), HomeError> {
    write_file(path, &key_file(name, key, protection)?.to_json(), true)
}

/// Creates `dir` and its parents.
pub fn create_dir(dir: &Path) -> Result<(), HomeError> {
    std::fs::create_dir_all(dir).map_err(HomeError::io(dir))
}
