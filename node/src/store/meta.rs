//! The `meta` column family: the store's format version, the genesis it belongs to, and
//! the last committed height with its state root.

use jcm_runtime::codec::Hash32;

/// Key of the format version (u32, big-endian).
pub const KEY_FORMAT: &[u8] = b"format";
/// Key of the genesis hash (32 bytes).
pub const KEY_GENESIS: &[u8] = b"genesis";
/// Key of the last committed height (u64, big-endian) followed by its state root.
pub const KEY_LAST: &[u8] = b"last";

/// The last committed height and the state root after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LastCommitted {
    /// The height.
    pub height: u64,
    /// The state root after executing that height.
    pub state_root: Hash32,
}

impl LastCommitted {
    /// Encoded length: height then root.
    pub const BYTES: usize = 8 + 32;

    /// The value stored under [`KEY_LAST`].
    pub fn to_bytes(&self) -> [u8; Self::BYTES] {
        let mut bytes = [0u8; Self::BYTES];
        bytes[..8].copy_from_slice(&self.height.to_be_bytes());
        bytes[8..].copy_from_slice(&self.state_root.0);
        bytes
    }

    /// Decodes the value stored under [`KEY_LAST`]; `None` if its length is wrong.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let bytes: &[u8; Self::BYTES] = bytes.try_into().ok()?;
        let (height, root) = bytes.split_at(8);
        Some(Self {
            height: u64::from_be_bytes(height.try_into().ok()?),
            state_root: Hash32(root.try_into().ok()?),
        })
    }
}

/// Decodes a format version; `None` if its length is wrong.
pub fn decode_format(bytes: &[u8]) -> Option<u32> {
    Some(u32::from_be_bytes(bytes.try_into().ok()?))
}

/// Decodes a genesis hash; `None` if its length is wrong.
pub fn decode_genesis(bytes: &[u8]) -> Option<Hash32> {
    Some(Hash32(bytes.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_committed_round_trips_and_rejects_wrong_lengths() {
        let last = LastCommitted { height: 0x0102_0304_0506_0708, state_root: Hash32([9; 32]) };
        let bytes = last.to_bytes();
        assert_eq!(bytes[..8], [1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(LastCommitted::from_bytes(&bytes), Some(last));
        assert_eq!(LastCommitted::from_bytes(&bytes[1..]), None);
        assert_eq!(decode_format(&[0, 0, 0, 1]), Some(1));
        assert_eq!(decode_format(&[1]), None);
        assert_eq!(decode_genesis(&[0; 31]), None);
    }
}
