//! The one canonical binary encoding of the chain: borsh (borsh.io), with two extra
//! guarantees enforced here:
//!
//! - **bounded**: a decoder never allocates more than the input can hold, and every
//!   string has a length limit checked before it is read;
//! - **canonical**: [`decode`] accepts only the bytes [`encode`] would produce for the
//!   decoded value (no trailing bytes, no unsorted or duplicated set elements), so one
//!   value has exactly one encoding and one hash.
//!
//! Everything that is hashed or signed goes through this module; golden vectors in
//! `tests/golden.rs` pin the format.

use std::io::Read;

use borsh::{BorshDeserialize, BorshSerialize};
use sha2::{Digest, Sha256};

/// Why bytes were refused by the decoder.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The input is longer than the limit for this kind of value.
    #[error("input of {len} bytes exceeds the limit of {max} bytes")]
    TooLong {
        /// Input length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The bytes do not decode as the expected value.
    #[error("malformed encoding: {0}")]
    Malformed(String),
    /// The bytes decode, but are not the canonical encoding of the value.
    #[error("non-canonical encoding: re-encoding the value gives different bytes")]
    NonCanonical,
}

/// A SHA-256 digest: block, transaction, state and event hashes.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, BorshSerialize, BorshDeserialize)]
pub struct Hash32(pub [u8; 32]);

impl Hash32 {
    /// The hash as lowercase hex.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Parses 64 hex digits.
    pub fn from_hex(text: &str) -> Result<Self, String> {
        let bytes = hex::decode(text).map_err(|e| format!("`{text}` is not hex: {e}"))?;
        let array: [u8; 32] = bytes.try_into().map_err(|_| format!("`{text}` is not 32 bytes of hex"))?;
        Ok(Self(array))
    }
}

impl std::fmt::Debug for Hash32 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.to_hex())
    }
}

impl std::fmt::Display for Hash32 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl serde::Serialize for Hash32 {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> serde::Deserialize<'de> for Hash32 {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <String as serde::Deserialize>::deserialize(d)?;
        Self::from_hex(&text).map_err(serde::de::Error::custom)
    }
}

/// Canonical bytes of `value`.
pub fn encode<T: BorshSerialize>(value: &T) -> Vec<u8> {
    borsh::to_vec(value).expect("encoding into a Vec cannot fail")
}

/// Decodes `bytes`, refusing inputs longer than `max`, malformed inputs, and inputs
/// that are not the canonical encoding of the value they decode to.
pub fn decode<T: BorshSerialize + BorshDeserialize>(bytes: &[u8], max: usize) -> Result<T, DecodeError> {
    if bytes.len() > max {
        return Err(DecodeError::TooLong { len: bytes.len(), max });
    }
    let value: T = borsh::from_slice(bytes).map_err(|e| DecodeError::Malformed(e.to_string()))?;
    if encode(&value) != bytes {
        return Err(DecodeError::NonCanonical);
    }
    Ok(value)
}

/// SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> Hash32 {
    Hash32(Sha256::digest(bytes).into())
}

/// SHA-256 of the canonical encoding of `value`.
pub fn hash_of<T: BorshSerialize>(value: &T) -> Hash32 {
    let mut hasher = Sha256::new();
    value.serialize(&mut HashWriter(&mut hasher)).expect("hashing cannot fail");
    Hash32(hasher.finalize().into())
}

struct HashWriter<'a>(&'a mut Sha256);

impl std::io::Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Reads a borsh string, refusing one longer than `max` bytes before allocating it.
pub fn read_bounded_string<R: Read>(r: &mut R, max: usize) -> std::io::Result<String> {
    let len = u32::deserialize_reader(r)? as usize;
    if len > max {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("string of {len} bytes exceeds the limit of {max}"),
        ));
    }
    let mut bytes = vec![0u8; len];
    r.read_exact(&mut bytes)?;
    String::from_utf8(bytes).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn decode_refuses_trailing_bytes_and_oversize_input() {
        let mut bytes = encode(&7u32);
        assert_eq!(decode::<u32>(&bytes, 16), Ok(7));
        bytes.push(0);
        assert!(matches!(decode::<u32>(&bytes, 16), Err(DecodeError::Malformed(_))));
        assert!(matches!(decode::<u32>(&[0; 32], 16), Err(DecodeError::TooLong { .. })));
    }

    #[test]
    fn decode_refuses_unsorted_sets() {
        // A set of two u8 encoded in descending order: valid borsh shape, not canonical.
        let bytes = [2u8, 0, 0, 0, 9, 3];
        let result = decode::<BTreeSet<u8>>(&bytes, 16);
        assert!(result.is_err(), "{result:?}");
    }

    #[test]
    fn hash_of_equals_hash_of_encoding() {
        let value = (1u64, "JCM".to_string());
        assert_eq!(hash_of(&value), sha256(&encode(&value)));
    }

    #[test]
    fn bounded_string_refuses_long_length_prefix_before_allocating() {
        let bytes = [0xff, 0xff, 0xff, 0x7f];
        let err = read_bounded_string(&mut &bytes[..], 64).expect_err("must refuse");
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
    }
}
