//! Key files: an ed25519 seed at rest, sealed with a passphrase, in a JSON document the
//! node (node and validator keys) and the CLI (officer keys) both read and write.
//!
//! ```json
//! { "kind": "jcm-key", "version": 1, "name": "JPN-DA", "public_key": "<hex>",
//!   "encrypted": true,
//!   "kdf": { "algorithm": "argon2id", "memory_kib": 65536, "iterations": 3,
//!            "parallelism": 1, "salt": "<16 bytes hex>" },
//!   "cipher": { "algorithm": "xchacha20-poly1305", "nonce": "<24 bytes hex>" },
//!   "ciphertext": "<48 bytes hex: the 32-byte seed and the 16-byte tag>" }
//! ```
//!
//! The passphrase goes through argon2id (version 0x13) with the parameters stored in the
//! file, so files sealed under older parameters still open after the defaults change. The
//! derived 32-byte key encrypts the seed with XChaCha20-Poly1305; the associated data is
//! [`AAD`], which binds the ciphertext to this format. After decryption the seed's public
//! key must equal the `public_key` the file states, so a file whose stated key was edited
//! is refused instead of signing under a key nobody expects.
//!
//! A development key file instead says `"encrypted": false`, carries the seed in the
//! clear and a `warning`; it exists for `--dev` chains, tests and demos only.
//!
//! Pure: no randomness here. Callers draw the salt and nonce (the node and the CLI from
//! the OS) and pass them in, which also makes sealing reproducible in tests. Reading a
//! file is bounded: the KDF parameters a file may ask for are capped ([`MEMORY_KIB_MAX`],
//! [`ITERATIONS_MAX`], [`PARALLELISM_MAX`]) so a hostile file cannot exhaust memory.

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

use crate::crypto::{PublicKey, SecretKey};

/// The `kind` every key file declares.
pub const KIND: &str = "jcm-key";
/// The format version this code writes and reads.
pub const VERSION: u32 = 1;
/// The KDF algorithm name in the file.
pub const KDF_ARGON2ID: &str = "argon2id";
/// The cipher name in the file.
pub const CIPHER_XCHACHA20_POLY1305: &str = "xchacha20-poly1305";
/// Associated data of the encryption: the ciphertext only opens as a version-1 key file.
pub const AAD: &[u8] = b"jcm-key/v1";
/// The warning written into every unencrypted development key file.
pub const DEV_WARNING: &str = "UNENCRYPTED DEVELOPMENT KEY: anyone who can read this file can \
     sign as this key. For tests, demos and --dev chains only; never use it on a real chain.";

/// Salt length, bytes.
pub const SALT_LEN: usize = 16;
/// XChaCha20 nonce length, bytes.
pub const NONCE_LEN: usize = 24;
/// Seed length, bytes.
pub const SEED_LEN: usize = 32;
/// Poly1305 tag length, bytes.
pub const TAG_LEN: usize = 16;
/// Most memory a key file may ask argon2id for, KiB (1 GiB).
pub const MEMORY_KIB_MAX: u32 = 1024 * 1024;
/// Most argon2id passes a key file may ask for.
pub const ITERATIONS_MAX: u32 = 64;
/// Most argon2id lanes a key file may ask for.
pub const PARALLELISM_MAX: u32 = 16;
/// Largest key file accepted, bytes: a real one is under 1 KiB.
pub const FILE_BYTES_MAX: usize = 16 * 1024;

/// Why a key file could not be read or opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyFileError {
    /// Not a key file, or a field is missing, malformed or contradictory.
    #[error("malformed key file: {0}")]
    Malformed(String),
    /// A format version this build does not read.
    #[error("unsupported key file version {0} (this build reads version {VERSION})")]
    UnsupportedVersion(u32),
    /// The KDF parameters are invalid or exceed the bounds.
    #[error("key derivation parameters refused: {0}")]
    KdfParams(String),
    /// The ciphertext does not authenticate under the key derived from the passphrase.
    #[error("wrong passphrase (or the key file's ciphertext was altered): decryption failed")]
    WrongPassphrase,
    /// The decrypted seed belongs to another public key than the one the file states.
    #[error("the key file states public key {stated} but holds the key of {actual}")]
    PublicKeyMismatch {
        /// The key the file states.
        stated: PublicKey,
        /// The key of the seed inside.
        actual: PublicKey,
    },
}

/// Argon2id parameters as stored in a file.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KdfParams {
    /// Memory, KiB.
    pub memory_kib: u32,
    /// Passes over memory.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl KdfParams {
    /// The parameters new files are sealed with: 64 MiB, 3 passes, 1 lane (the second
    /// recommendation of RFC 9106 §4 with one lane; about a quarter second on a server).
    pub const DEFAULT: Self = Self { memory_kib: 64 * 1024, iterations: 3, parallelism: 1 };

    /// Cheap parameters for unit tests only: they protect nothing.
    pub const INSECURE_FOR_TESTS: Self = Self { memory_kib: 64, iterations: 1, parallelism: 1 };

    fn check(self) -> Result<Params, KeyFileError> {
        let bad = |what: String| Err(KeyFileError::KdfParams(what));
        if self.memory_kib > MEMORY_KIB_MAX {
            return bad(format!("memory {} KiB exceeds {MEMORY_KIB_MAX} KiB", self.memory_kib));
        }
        if self.iterations > ITERATIONS_MAX {
            return bad(format!("{} iterations exceed {ITERATIONS_MAX}", self.iterations));
        }
        if self.parallelism > PARALLELISM_MAX {
            return bad(format!("parallelism {} exceeds {PARALLELISM_MAX}", self.parallelism));
        }
        Params::new(self.memory_kib, self.iterations, self.parallelism, Some(SEED_LEN))
            .map_err(|e| KeyFileError::KdfParams(e.to_string()))
    }

    /// Derives the 32-byte encryption key from `passphrase` and `salt`.
    fn derive(self, passphrase: &[u8], salt: &[u8; SALT_LEN]) -> Result<Zeroizing<[u8; 32]>, KeyFileError> {
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, self.check()?);
        let mut key = Zeroizing::new([0u8; 32]);
        argon
            .hash_password_into(passphrase, salt, key.as_mut())
            .map_err(|e| KeyFileError::KdfParams(e.to_string()))?;
        Ok(key)
    }
}

/// The `kdf` object of an encrypted file.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Kdf {
    /// Always [`KDF_ARGON2ID`].
    pub algorithm: String,
    /// Memory, KiB.
    pub memory_kib: u32,
    /// Passes over memory.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
    /// Salt, hex.
    #[serde(with = "hex_array")]
    pub salt: [u8; SALT_LEN],
}

/// The `cipher` object of an encrypted file.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cipher {
    /// Always [`CIPHER_XCHACHA20_POLY1305`].
    pub algorithm: String,
    /// Nonce, hex.
    #[serde(with = "hex_array")]
    pub nonce: [u8; NONCE_LEN],
}

/// A key file as it is on disk. Build one with [`KeyFile::seal`] or [`KeyFile::dev`],
/// read one with [`KeyFile::from_json`], get the key with [`KeyFile::open`].
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyFile {
    /// Always [`KIND`].
    pub kind: String,
    /// Format version.
    pub version: u32,
    /// Who or what the key is for (officer name, `node`, `validator`).
    pub name: String,
    /// The public key of the seed inside.
    pub public_key: PublicKey,
    /// False only for development keys.
    #[serde(default = "yes")]
    pub encrypted: bool,
    /// The loud warning of a development key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
    /// Key derivation (encrypted files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kdf: Option<Kdf>,
    /// Cipher (encrypted files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cipher: Option<Cipher>,
    /// Encrypted seed and tag, hex (encrypted files).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "optional_hex")]
    pub ciphertext: Option<Vec<u8>>,
    /// The seed in the clear, hex (development files).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "optional_hex")]
    pub seed: Option<Vec<u8>>,
}

fn yes() -> bool {
    true
}

impl std::fmt::Debug for KeyFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print a development seed, even in a debug dump.
        f.debug_struct("KeyFile")
            .field("name", &self.name)
            .field("public_key", &self.public_key)
            .field("encrypted", &self.encrypted)
            .finish_non_exhaustive()
    }
}

impl Drop for KeyFile {
    fn drop(&mut self) {
        if let Some(seed) = self.seed.as_mut() {
            seed.zeroize();
        }
    }
}

mod optional_hex {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match bytes {
            Some(bytes) => s.serialize_str(&hex::encode(bytes)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        let text = Option::<String>::deserialize(d)?;
        text.map(|t| hex::decode(t).map_err(serde::de::Error::custom)).transpose()
    }
}

mod hex_array {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer, const N: usize>(bytes: &[u8; N], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>, const N: usize>(d: D) -> Result<[u8; N], D::Error> {
        let text = String::deserialize(d)?;
        let bytes = hex::decode(text).map_err(serde::de::Error::custom)?;
        bytes.try_into().map_err(|_| serde::de::Error::custom(format!("expected {N} bytes of hex")))
    }
}

impl Kdf {
    /// The cost parameters.
    pub fn params(&self) -> KdfParams {
        KdfParams { memory_kib: self.memory_kib, iterations: self.iterations, parallelism: self.parallelism }
    }
}

impl KeyFile {
    /// Seals `key` under `passphrase`. `salt` and `nonce` must be fresh random bytes for
    /// every file (the caller draws them); `params` are usually [`KdfParams::DEFAULT`].
    pub fn seal(
        name: &str,
        key: &SecretKey,
        passphrase: &[u8],
        params: KdfParams,
        salt: [u8; SALT_LEN],
        nonce: [u8; NONCE_LEN],
    ) -> Result<Self, KeyFileError> {
        let derived = params.derive(passphrase, &salt)?;
        let cipher = XChaCha20Poly1305::new(&(*derived).into());
        let seed = Zeroizing::new(key.seed());
        let ciphertext = cipher
            .encrypt(&XNonce::from(nonce), Payload { msg: seed.as_ref(), aad: AAD })
            .map_err(|_| KeyFileError::Malformed("the seed could not be encrypted".into()))?;
        Ok(Self {
            kind: KIND.into(),
            version: VERSION,
            name: name.into(),
            public_key: key.public(),
            encrypted: true,
            warning: None,
            kdf: Some(Kdf {
                algorithm: KDF_ARGON2ID.into(),
                memory_kib: params.memory_kib,
                iterations: params.iterations,
                parallelism: params.parallelism,
                salt,
            }),
            cipher: Some(Cipher { algorithm: CIPHER_XCHACHA20_POLY1305.into(), nonce }),
            ciphertext: Some(ciphertext),
            seed: None,
        })
    }

    /// An unencrypted development key file, labelled with [`DEV_WARNING`].
    pub fn dev(name: &str, key: &SecretKey) -> Self {
        Self {
            kind: KIND.into(),
            version: VERSION,
            name: name.into(),
            public_key: key.public(),
            encrypted: false,
            warning: Some(DEV_WARNING.into()),
            kdf: None,
            cipher: None,
            ciphertext: None,
            seed: Some(key.seed().to_vec()),
        }
    }

    /// Parses a key file and checks its shape (not the passphrase: see [`KeyFile::open`]).
    pub fn from_json(text: &str) -> Result<Self, KeyFileError> {
        if text.len() > FILE_BYTES_MAX {
            return Err(KeyFileError::Malformed(format!(
                "{} bytes exceed the {FILE_BYTES_MAX}-byte limit of a key file",
                text.len()
            )));
        }
        let file: KeyFile = serde_json::from_str(text).map_err(|e| KeyFileError::Malformed(e.to_string()))?;
        file.check_shape()?;
        Ok(file)
    }

    /// The file as pretty JSON, ending with a newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a key file serializes");
        text.push('\n');
        text
    }

    /// The argon2id parameters of an encrypted file.
    pub fn kdf_params(&self) -> Option<KdfParams> {
        self.kdf.as_ref().map(Kdf::params)
    }

    fn check_shape(&self) -> Result<(), KeyFileError> {
        let malformed = |what: &str| Err(KeyFileError::Malformed(what.into()));
        if self.kind != KIND {
            return malformed(&format!("kind is `{}`, expected `{KIND}`", self.kind));
        }
        if self.version != VERSION {
            return Err(KeyFileError::UnsupportedVersion(self.version));
        }
        if !self.encrypted {
            if self.kdf.is_some() || self.cipher.is_some() || self.ciphertext.is_some() {
                return malformed("an unencrypted file carries kdf, cipher or ciphertext");
            }
            return match &self.seed {
                Some(seed) if seed.len() == SEED_LEN => Ok(()),
                Some(_) => malformed("the seed is not 32 bytes"),
                None => malformed("an unencrypted file has no seed"),
            };
        }
        if self.seed.is_some() {
            return malformed("an encrypted file also carries a seed in the clear");
        }
        let (Some(kdf), Some(cipher), Some(ciphertext)) = (&self.kdf, &self.cipher, &self.ciphertext) else {
            return malformed("an encrypted file needs kdf, cipher and ciphertext");
        };
        if kdf.algorithm != KDF_ARGON2ID {
            return malformed(&format!("unknown kdf `{}`", kdf.algorithm));
        }
        if cipher.algorithm != CIPHER_XCHACHA20_POLY1305 {
            return malformed(&format!("unknown cipher `{}`", cipher.algorithm));
        }
        if ciphertext.len() != SEED_LEN + TAG_LEN {
            return malformed("the ciphertext is not 48 bytes");
        }
        kdf.params().check().map(|_| ())
    }

    /// The key inside. `passphrase` is ignored for an unencrypted development file.
    pub fn open(&self, passphrase: &[u8]) -> Result<SecretKey, KeyFileError> {
        self.check_shape()?;
        let seed = match (&self.kdf, &self.cipher, &self.ciphertext, &self.seed) {
            (Some(kdf), Some(cipher), Some(ciphertext), None) => {
                let derived = kdf.params().derive(passphrase, &kdf.salt)?;
                let aead = XChaCha20Poly1305::new(&(*derived).into());
                let plain = Zeroizing::new(
                    aead.decrypt(&XNonce::from(cipher.nonce), Payload { msg: ciphertext, aad: AAD })
                        .map_err(|_| KeyFileError::WrongPassphrase)?,
                );
                seed_array(&plain)?
            }
            (None, None, None, Some(seed)) => seed_array(seed)?,
            _ => return Err(KeyFileError::Malformed("inconsistent fields".into())),
        };
        let key = SecretKey::from_seed(*seed);
        if key.public() != self.public_key {
            return Err(KeyFileError::PublicKeyMismatch { stated: self.public_key, actual: key.public() });
        }
        Ok(key)
    }
}

fn seed_array(bytes: &[u8]) -> Result<Zeroizing<[u8; SEED_LEN]>, KeyFileError> {
    let mut seed = Zeroizing::new([0u8; SEED_LEN]);
    if bytes.len() != SEED_LEN {
        return Err(KeyFileError::Malformed("the seed is not 32 bytes".into()));
    }
    seed.copy_from_slice(bytes);
    Ok(seed)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SALT: [u8; SALT_LEN] = [7; SALT_LEN];
    const NONCE: [u8; NONCE_LEN] = [9; NONCE_LEN];

    fn sealed(passphrase: &str) -> KeyFile {
        KeyFile::seal(
            "JPN-DA",
            &SecretKey::dev("JPN-DA"),
            passphrase.as_bytes(),
            KdfParams::INSECURE_FOR_TESTS,
            SALT,
            NONCE,
        )
        .expect("seal")
    }

    #[test]
    fn sealed_files_round_trip_through_json() {
        let file = sealed("correct horse");
        let text = file.to_json();
        assert!(text.contains("\"kind\": \"jcm-key\""));
        assert!(text.contains("\"algorithm\": \"argon2id\""));
        assert!(!text.contains("seed"));
        let back = KeyFile::from_json(&text).expect("parse");
        assert_eq!(back, file);
        let key = back.open(b"correct horse").expect("open");
        assert_eq!(key.public(), SecretKey::dev("JPN-DA").public());
        assert_eq!(back.kdf_params(), Some(KdfParams::INSECURE_FOR_TESTS));
    }

    #[test]
    fn default_parameters_are_within_the_bounds() {
        assert!(KdfParams::DEFAULT.check().is_ok());
    }

    #[test]
    fn a_wrong_passphrase_is_refused() {
        let file = sealed("correct horse");
        assert_eq!(file.open(b"battery staple").err(), Some(KeyFileError::WrongPassphrase));
        assert_eq!(file.open(b"").err(), Some(KeyFileError::WrongPassphrase));
    }

    #[test]
    fn tampered_ciphertext_salt_or_nonce_is_refused() {
        let mut file = sealed("pw");
        if let Some(c) = file.ciphertext.as_mut() {
            c[3] ^= 1;
        }
        assert_eq!(file.open(b"pw").err(), Some(KeyFileError::WrongPassphrase));
        let mut file = sealed("pw");
        if let Some(k) = file.kdf.as_mut() {
            k.salt[0] ^= 1;
        }
        assert_eq!(file.open(b"pw").err(), Some(KeyFileError::WrongPassphrase));
        let mut file = sealed("pw");
        if let Some(c) = file.cipher.as_mut() {
            c.nonce[0] ^= 1;
        }
        assert_eq!(file.open(b"pw").err(), Some(KeyFileError::WrongPassphrase));
    }

    #[test]
    fn a_stated_public_key_that_does_not_match_is_refused() {
        let mut file = sealed("pw");
        file.public_key = SecretKey::dev("someone else").public();
        assert!(matches!(file.open(b"pw"), Err(KeyFileError::PublicKeyMismatch { .. })));
        let mut dev = KeyFile::dev("x", &SecretKey::dev("x"));
        dev.public_key = SecretKey::dev("y").public();
        assert!(matches!(dev.open(b""), Err(KeyFileError::PublicKeyMismatch { .. })));
    }

    #[test]
    fn development_files_are_labelled_and_open_without_a_passphrase() {
        let file = KeyFile::dev("validator", &SecretKey::dev("v"));
        let text = file.to_json();
        assert!(text.contains("\"encrypted\": false"));
        assert!(text.contains("UNENCRYPTED DEVELOPMENT KEY"));
        let back = KeyFile::from_json(&text).expect("parse");
        assert_eq!(back.open(b"anything").expect("open").public(), SecretKey::dev("v").public());
        assert!(!format!("{back:?}").contains(&hex::encode(SecretKey::dev("v").seed())));
    }

    #[test]
    fn malformed_files_are_refused_with_a_reason() {
        let good = sealed("pw").to_json();
        let cases: &[(&str, &str)] = &[
            ("\"kind\": \"jcm-key\"", "\"kind\": \"other\""),
            ("\"algorithm\": \"argon2id\"", "\"algorithm\": \"scrypt\""),
            ("\"memory_kib\": 64", "\"memory_kib\": 4294967295"),
            ("\"iterations\": 1", "\"iterations\": 1000"),
            ("\"encrypted\": true", "\"encrypted\": false"),
        ];
        for (from, to) in cases {
            assert!(good.contains(from), "{from}");
            let bad = good.replace(from, to);
            assert!(
                matches!(
                    KeyFile::from_json(&bad),
                    Err(KeyFileError::Malformed(_) | KeyFileError::KdfParams(_))
                ),
                "{to}"
            );
        }
        let future = good.replace("\"version\": 1", "\"version\": 2");
        assert_eq!(KeyFile::from_json(&future).err(), Some(KeyFileError::UnsupportedVersion(2)));
        assert!(KeyFile::from_json("not json").is_err());
        assert!(KeyFile::from_json("{}").is_err());
        let long = " ".repeat(FILE_BYTES_MAX + 1);
        assert!(matches!(KeyFile::from_json(&long), Err(KeyFileError::Malformed(_))));
    }

    #[test]
    fn sealing_is_deterministic_given_salt_and_nonce() {
        assert_eq!(sealed("pw").to_json(), sealed("pw").to_json());
        let other = KeyFile::seal(
            "JPN-DA",
            &SecretKey::dev("JPN-DA"),
            b"pw",
            KdfParams::INSECURE_FOR_TESTS,
            [8; SALT_LEN],
            NONCE,
        )
        .expect("seal");
        assert_ne!(other.ciphertext, sealed("pw").ciphertext);
    }
}
