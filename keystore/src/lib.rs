//! Key files at the edge, one implementation for the node (node and validator keys) and
//! the CLI (officer keys): where a passphrase comes from, new keys and salts from the
//! operating system's random number generator, sealing with the default parameters, and
//! reading and writing key files with their bounds and permissions.
//!
//! The format and its cryptography are the runtime's pure [`KeyFile`]; this crate only
//! supplies what the runtime may not touch (randomness, the terminal, the disk).
//!
//! A passphrase comes from, in order: a passphrase file (its first line), the environment
//! variable [`PASSPHRASE_ENV`], or a prompt on the terminal, asked twice when creating
//! keys ([`Purpose::Create`]) and once when opening them ([`Purpose::Open`]). Each
//! program words the errors for its own flags, so [`KeystoreError`] is data: the node
//! and the CLI turn it into their messages.
#![forbid(unsafe_code)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use jcm_runtime::crypto::SecretKey;
use jcm_runtime::keyfile::{KdfParams, KeyFile, KeyFileError, FILE_BYTES_MAX, NONCE_LEN, SALT_LEN};
use zeroize::Zeroizing;

/// The environment variable a passphrase may come from.
pub const PASSPHRASE_ENV: &str = "JCM_PASSPHRASE";
/// Shortest passphrase accepted for new keys, in characters.
pub const PASSPHRASE_CHARS_MIN: usize = 8;
/// Largest passphrase file read, bytes.
pub const PASSPHRASE_FILE_BYTES_MAX: u64 = 4096;

/// Whether a passphrase seals new keys (asked twice at a prompt, a minimum length) or
/// opens existing ones (asked once).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// Sealing new keys.
    Create,
    /// Opening keys.
    Open,
}

/// Why a passphrase, a key or a key file could not be had.
#[derive(Debug, thiserror::Error)]
pub enum KeystoreError {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// A file is larger than its bound.
    #[error("{}: {len} bytes exceed the {max}-byte limit", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size, or the bytes read before the bound stopped the reading.
        len: u64,
        /// The bound.
        max: u64,
    },
    /// A key file is malformed.
    #[error("{}: {cause}", path.display())]
    Key {
        /// The file.
        path: PathBuf,
        /// Cause.
        cause: KeyFileError,
    },
    /// A key could not be sealed.
    #[error("{name}: {cause}")]
    Seal {
        /// The key's name.
        name: String,
        /// Cause.
        cause: KeyFileError,
    },
    /// A passphrase for new keys is shorter than [`PASSPHRASE_CHARS_MIN`].
    #[error("a passphrase for new keys needs at least {PASSPHRASE_CHARS_MIN} characters")]
    PassphraseTooShort,
    /// A prompt is needed but standard input is not a terminal (a script whose input is
    /// redirected gets this error, never a prompt it cannot answer).
    #[error("standard input is not a terminal")]
    NotATerminal,
    /// The terminal prompt failed.
    #[error("{0}")]
    Prompt(std::io::Error),
    /// The passphrase and its repetition differ.
    #[error("the two passphrases differ; nothing was written")]
    PassphrasesDiffer,
    /// The operating system's random number generator failed.
    #[error("the operating system's random number generator failed: {0}")]
    Random(String),
}

impl KeystoreError {
    fn io(path: &Path) -> impl FnOnce(std::io::Error) -> KeystoreError + '_ {
        move |source| KeystoreError::Io { path: path.to_path_buf(), source }
    }
}

/// Reads a UTF-8 file of at most `max` bytes. The size is checked before reading, and
/// the reading itself stops after `max + 1` bytes, so a file that grows (or a pipe)
/// cannot make it allocate more.
pub fn read_bounded(path: &Path, max: u64) -> Result<String, KeystoreError> {
    let file = std::fs::File::open(path).map_err(KeystoreError::io(path))?;
    let len = file.metadata().map_err(KeystoreError::io(path))?.len();
    if len > max {
        return Err(KeystoreError::TooLarge { path: path.to_path_buf(), len, max });
    }
    let mut text = String::new();
    file.take(max + 1).read_to_string(&mut text).map_err(KeystoreError::io(path))?;
    if text.len() as u64 > max {
        return Err(KeystoreError::TooLarge { path: path.to_path_buf(), len: text.len() as u64, max });
    }
    Ok(text)
}

/// The passphrase from `file` (its first line), else [`PASSPHRASE_ENV`], else a prompt
/// showing `prompt`. For [`Purpose::Create`] the prompt asks twice and the passphrase
/// must have at least [`PASSPHRASE_CHARS_MIN`] characters, wherever it came from.
pub fn read_passphrase(
    file: Option<&Path>,
    purpose: Purpose,
    prompt: &str,
) -> Result<Zeroizing<String>, KeystoreError> {
    let passphrase = if let Some(path) = file {
        let text = Zeroizing::new(read_bounded(path, PASSPHRASE_FILE_BYTES_MAX)?);
        Zeroizing::new(text.lines().next().unwrap_or_default().to_owned())
    } else if let Ok(value) = std::env::var(PASSPHRASE_ENV) {
        Zeroizing::new(value)
    } else {
        ask(purpose, prompt)?
    };
    if purpose == Purpose::Create && passphrase.chars().count() < PASSPHRASE_CHARS_MIN {
        return Err(KeystoreError::PassphraseTooShort);
    }
    Ok(passphrase)
}

fn ask(purpose: Purpose, prompt: &str) -> Result<Zeroizing<String>, KeystoreError> {
    if !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        return Err(KeystoreError::NotATerminal);
    }
    let read =
        |text: &str| rpassword::prompt_password(text).map(Zeroizing::new).map_err(KeystoreError::Prompt);
    let first = read(prompt)?;
    if purpose == Purpose::Create {
        let again = read("Repeat the passphrase: ")?;
        if *again != *first {
            return Err(KeystoreError::PassphrasesDiffer);
        }
    }
    Ok(first)
}

/// `N` bytes from the operating system's random number generator.
pub fn random<const N: usize>() -> Result<[u8; N], KeystoreError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| KeystoreError::Random(e.to_string()))?;
    Ok(bytes)
}

/// A new key from the operating system's random number generator.
pub fn new_key() -> Result<SecretKey, KeystoreError> {
    Ok(SecretKey::from_seed(*Zeroizing::new(random::<32>()?)))
}

/// `key` sealed under `passphrase` as the key file of `name`, with
/// [`KdfParams::DEFAULT`] and a fresh salt and nonce.
pub fn seal(name: &str, key: &SecretKey, passphrase: &[u8]) -> Result<KeyFile, KeystoreError> {
    seal_with(name, key, passphrase, KdfParams::DEFAULT)
}

fn seal_with(
    name: &str,
    key: &SecretKey,
    passphrase: &[u8],
    params: KdfParams,
) -> Result<KeyFile, KeystoreError> {
    KeyFile::seal(name, key, passphrase, params, random::<SALT_LEN>()?, random::<NONCE_LEN>()?)
        .map_err(|cause| KeystoreError::Seal { name: name.to_string(), cause })
}

/// Reads and checks a key file (its shape, not its passphrase), bounded by
/// [`FILE_BYTES_MAX`].
pub fn read_key_file(path: &Path) -> Result<KeyFile, KeystoreError> {
    let text = read_bounded(path, FILE_BYTES_MAX as u64)?;
    KeyFile::from_json(&text).map_err(|cause| KeystoreError::Key { path: path.to_path_buf(), cause })
}

/// Writes `text` to `path` and syncs it; readable by its owner only when `private` (key
/// files).
pub fn write_file(path: &Path, text: &str, private: bool) -> Result<(), KeystoreError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(KeystoreError::io(path))?;
    #[cfg(unix)]
    if private {
        // `mode` only applies to a new file: tighten one that is being overwritten.
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600)).map_err(KeystoreError::io(path))?;
    }
    file.write_all(text.as_bytes()).and_then(|()| file.sync_all()).map_err(KeystoreError::io(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("jcm-keystore-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir
    }

    #[test]
    fn a_passphrase_file_gives_its_first_line() {
        let dir = temp_dir("first-line");
        let path = dir.join("pass.txt");
        std::fs::write(&path, "correct horse\nsecond line\n").expect("write");
        let passphrase = read_passphrase(Some(&path), Purpose::Create, "unused: ").expect("read");
        assert_eq!(passphrase.as_str(), "correct horse");
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn new_keys_need_a_long_enough_passphrase() {
        let dir = temp_dir("short");
        let path = dir.join("pass.txt");
        std::fs::write(&path, "short\n").expect("write");
        assert!(matches!(
            read_passphrase(Some(&path), Purpose::Create, "unused: "),
            Err(KeystoreError::PassphraseTooShort)
        ));
        assert_eq!(read_passphrase(Some(&path), Purpose::Open, "unused: ").expect("open").as_str(), "short");
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn files_over_their_bound_are_refused() {
        let dir = temp_dir("bound");
        let path = dir.join("big.txt");
        std::fs::write(&path, "x".repeat(PASSPHRASE_FILE_BYTES_MAX as usize + 1)).expect("write");
        assert!(matches!(
            read_passphrase(Some(&path), Purpose::Open, "unused: "),
            Err(KeystoreError::TooLarge { len, max: PASSPHRASE_FILE_BYTES_MAX, .. })
                if len == PASSPHRASE_FILE_BYTES_MAX + 1
        ));
        assert!(matches!(read_bounded(&dir.join("absent"), 10), Err(KeystoreError::Io { .. })));
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn sealed_keys_are_written_privately_and_open_again() {
        let dir = temp_dir("seal");
        let path = dir.join("alice.json");
        let key = new_key().expect("key");
        let file = seal_with("alice", &key, b"correct horse", KdfParams::INSECURE_FOR_TESTS).expect("seal");
        write_file(&path, &file.to_json(), true).expect("write");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("metadata").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let back = read_key_file(&path).expect("read");
        assert_eq!(back.open(b"correct horse").expect("open").public(), key.public());
        std::fs::write(&path, "{}").expect("write");
        assert!(matches!(read_key_file(&path), Err(KeystoreError::Key { .. })));
        std::fs::remove_dir_all(dir).ok();
    }
}
