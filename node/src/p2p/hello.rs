//! The hello handshake: the first request on every new peer, so that a node never mixes
//! messages with a node of another chain.
//!
//! Each side sends its [`Hello`] as a request on `/jcm/hello/1` as soon as the first
//! connection to a peer is up. The receiver checks it against its own and answers with
//! its own hello only if they match; otherwise it refuses the peer and disconnects. A
//! side reports the peer `Connected` when the answer to its own hello arrives and
//! matches: by then both sides have checked both hellos.
//!
//! Encoding (fixed, so it can never depend on a serializer's version):
//! `"JCMH" ‖ version (1 byte) ‖ genesis hash (32 bytes) ‖ chain id length (u16 BE) ‖
//! chain id (UTF-8)`, nothing after it.

use crate::limits::CHAIN_ID_BYTES_MAX;

/// The hello's magic bytes.
const MAGIC: &[u8; 4] = b"JCMH";
/// The hello format's version.
const VERSION: u8 = 1;
/// The longest encoded hello: the frame limit of the hello protocol.
pub(crate) const HELLO_BYTES_MAX: usize = MAGIC.len() + 1 + 32 + 2 + CHAIN_ID_BYTES_MAX;

/// What a node says about itself before anything else.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Hello {
    pub chain_id: String,
    pub genesis_hash: [u8; 32],
}

/// Why a received hello is not acceptable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum HelloMismatch {
    /// The bytes are not a hello.
    Malformed(&'static str),
    /// A well-formed hello of another chain.
    OtherChain(Hello),
}

impl Hello {
    /// The encoded hello. The chain id was checked by `start` to fit.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let chain_id = self.chain_id.as_bytes();
        assert!(chain_id.len() <= CHAIN_ID_BYTES_MAX, "start() checks the chain id length");
        let mut out = Vec::with_capacity(HELLO_BYTES_MAX);
        out.extend_from_slice(MAGIC);
        out.push(VERSION);
        out.extend_from_slice(&self.genesis_hash);
        out.extend_from_slice(&(chain_id.len() as u16).to_be_bytes());
        out.extend_from_slice(chain_id);
        out
    }

    /// Decodes a hello; any deviation from the format is an error, never a panic.
    pub(crate) fn decode(bytes: &[u8]) -> Result<Hello, &'static str> {
        let rest = bytes.strip_prefix(MAGIC.as_slice()).ok_or("not a hello (bad magic bytes)")?;
        let (&version, rest) = rest.split_first().ok_or("truncated hello")?;
        if version != VERSION {
            return Err("unsupported hello version");
        }
        let (genesis, rest) = rest.split_first_chunk::<32>().ok_or("truncated hello")?;
        let (len, rest) = rest.split_first_chunk::<2>().ok_or("truncated hello")?;
        let len = usize::from(u16::from_be_bytes(*len));
        if len > CHAIN_ID_BYTES_MAX || rest.len() != len {
            return Err("hello chain id length does not match");
        }
        let chain_id = std::str::from_utf8(rest).map_err(|_| "hello chain id is not UTF-8")?;
        Ok(Hello { chain_id: chain_id.to_owned(), genesis_hash: *genesis })
    }

    /// Checks a peer's encoded hello against this node's.
    pub(crate) fn check(&self, theirs: &[u8]) -> Result<(), HelloMismatch> {
        let theirs = Hello::decode(theirs).map_err(HelloMismatch::Malformed)?;
        if theirs == *self {
            Ok(())
        } else {
            Err(HelloMismatch::OtherChain(theirs))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hello() -> Hello {
        Hello { chain_id: "jcm-test".into(), genesis_hash: [7; 32] }
    }

    #[test]
    fn encoding_is_pinned() {
        let mut expected = b"JCMH\x01".to_vec();
        expected.extend_from_slice(&[7; 32]);
        expected.extend_from_slice(&[0, 8]);
        expected.extend_from_slice(b"jcm-test");
        assert_eq!(hello().encode(), expected);
    }

    #[test]
    fn round_trips_and_matches_itself() {
        assert_eq!(Hello::decode(&hello().encode()), Ok(hello()));
        assert_eq!(hello().check(&hello().encode()), Ok(()));
    }

    #[test]
    fn other_chain_is_a_mismatch() {
        let other = Hello { genesis_hash: [8; 32], ..hello() };
        assert_eq!(hello().check(&other.encode()), Err(HelloMismatch::OtherChain(other)));
        let other = Hello { chain_id: "jcm-main".into(), ..hello() };
        assert_eq!(hello().check(&other.encode()), Err(HelloMismatch::OtherChain(other)));
    }

    #[test]
    fn malformed_hellos_are_errors() {
        let good = hello().encode();
        // Every truncation, one extra byte, a bad version and bad UTF-8.
        for len in 0..good.len() {
            assert!(Hello::decode(&good[..len]).is_err(), "truncated to {len}");
        }
        let mut longer = good.clone();
        longer.push(0);
        assert!(Hello::decode(&longer).is_err());
        let mut version = good.clone();
        version[4] = 2;
        assert!(Hello::decode(&version).is_err());
        let mut utf8 = good;
        let last = utf8.len() - 1;
        utf8[last] = 0xff;
        assert!(Hello::decode(&utf8).is_err());
    }
}
