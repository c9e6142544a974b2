//! Keys and signatures: ed25519 over `domain tag ‖ chain id ‖ canonical bytes`, one tag
//! per message kind so that a signature on one kind can never be replayed as another.

use borsh::{BorshDeserialize, BorshSerialize};
use ed25519_dalek::Signer;

use crate::codec::sha256;

/// Domain tag of signed transactions.
pub const TAG_TX: &[u8] = b"JCM/tx/v1";
/// Domain tag of Joint Committee endorsements of an issuance notification.
pub const TAG_JC_NOTIFICATION: &[u8] = b"JCM/jc-notification/v1";

/// An ed25519 public key (32 bytes), shown as hex.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, BorshSerialize, BorshDeserialize)]
pub struct PublicKey(pub [u8; 32]);

/// An ed25519 signature (64 bytes), shown as hex.
#[derive(Clone, Copy, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Signature(pub [u8; 64]);

/// A private signing key. Held by the CLI, the node and tests; never part of state.
#[derive(Clone)]
pub struct SecretKey(ed25519_dalek::SigningKey);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretKey({:?})", self.public())
    }
}

/// The bytes a signature covers: `tag ‖ len(chain_id) ‖ chain_id ‖ body`.
pub fn signing_bytes(tag: &[u8], chain_id: &str, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(tag.len() + 4 + chain_id.len() + body.len());
    out.extend_from_slice(tag);
    out.extend_from_slice(&(chain_id.len() as u32).to_le_bytes());
    out.extend_from_slice(chain_id.as_bytes());
    out.extend_from_slice(body);
    out
}

impl SecretKey {
    /// A key from its 32-byte seed.
    pub fn from_seed(seed: [u8; 32]) -> Self {
        Self(ed25519_dalek::SigningKey::from_bytes(&seed))
    }

    /// The well-known development key of `name`: derived from the name alone, so anyone
    /// can recompute it. For fixtures, scenarios and `--dev` chains only.
    pub fn dev(name: &str) -> Self {
        Self::from_seed(sha256(format!("jcm-dev-key:{name}").as_bytes()).0)
    }

    /// The 32-byte seed (for encrypted key files).
    pub fn seed(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// The public half.
    pub fn public(&self) -> PublicKey {
        PublicKey(self.0.verifying_key().to_bytes())
    }

    /// Signs `body` for `chain_id` under the domain `tag`.
    pub fn sign(&self, tag: &[u8], chain_id: &str, body: &[u8]) -> Signature {
        Signature(self.0.sign(&signing_bytes(tag, chain_id, body)).to_bytes())
    }
}

impl PublicKey {
    /// Verifies `signature` over `body` for `chain_id` under `tag`. Strict verification:
    /// rejects small-order keys and `R`, non-canonical `s`, and any `R` that is not the
    /// canonical encoding of `[s]B - [k]A` (cofactorless), so every node agrees.
    ///
    /// One `verify_strict` is the whole rule: it parses `s` and recomputes `R` exactly as
    /// the lenient `verify` does, then adds the small-order checks, so also calling
    /// `verify` (as this did before issue 6) doubled the cost without changing a verdict.
    /// `tests/tests/signatures.rs` pins the malformed vectors on every path.
    pub fn verify(&self, tag: &[u8], chain_id: &str, body: &[u8], signature: &Signature) -> bool {
        let Ok(key) = ed25519_dalek::VerifyingKey::from_bytes(&self.0) else {
            return false;
        };
        let signature = ed25519_dalek::Signature::from_bytes(&signature.0);
        let message = signing_bytes(tag, chain_id, body);
        key.verify_strict(&message, &signature).is_ok()
    }

    /// The key as hex.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

macro_rules! hex_bytes_serde {
    ($name:ident, $len:literal) => {
        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&hex::encode(self.0))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&hex::encode(self.0))
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(text: &str) -> Result<Self, String> {
                let bytes = hex::decode(text).map_err(|e| format!("not hex: {e}"))?;
                let array: [u8; $len] =
                    bytes.try_into().map_err(|_| format!("expected {} bytes of hex", $len))?;
                Ok(Self(array))
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&hex::encode(self.0))
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <String as serde::Deserialize>::deserialize(d)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

hex_bytes_serde!(PublicKey, 32);
hex_bytes_serde!(Signature, 64);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_bound_to_tag_chain_and_body() {
        let key = SecretKey::dev("NDAIAPA");
        let sig = key.sign(TAG_TX, "jcm-test", b"body");
        let public = key.public();
        assert!(public.verify(TAG_TX, "jcm-test", b"body", &sig));
        assert!(!public.verify(TAG_JC_NOTIFICATION, "jcm-test", b"body", &sig));
        assert!(!public.verify(TAG_TX, "jcm-other", b"body", &sig));
        assert!(!public.verify(TAG_TX, "jcm-test", b"bodz", &sig));
        assert!(!SecretKey::dev("other").public().verify(TAG_TX, "jcm-test", b"body", &sig));
    }

    #[test]
    fn dev_keys_are_stable() {
        assert_eq!(SecretKey::dev("a").public(), SecretKey::dev("a").public());
        assert_ne!(SecretKey::dev("a").public(), SecretKey::dev("b").public());
    }
}
