//! The audit bundle: one file that carries a whole chain to an auditor — the genesis
//! document, then every block with its commit certificate, in height order.
//!
//! ```text
//! bundle  = "JCMBNDL1" ‖ section* ‖ sha256(every byte before it)
//! section = kind:u8 ‖ height:u64le ‖ len:u32le ‖ payload[len] ‖ sha256(kind ‖ height ‖ len ‖ payload)
//! kinds   = 'G' genesis JSON (height 0, first), then for h = 1, 2, ...: 'B' block h
//!           (its canonical bytes) and 'C' commit certificate of h (canonical bytes),
//!           then 'E' end (height = last height, empty payload)
//! ```
//!
//! Why a digest per section as well as one over the file: a corrupted byte is then
//! located (which section, which height, which byte offset) before anything is decoded,
//! and the file digest still covers what the sections do not (the magic, the order).
//! Neither digest is a signature: someone who rewrites a bundle recomputes them, and the
//! audit's replay (header links, certificates, re-execution) is what catches that.
//!
//! The reader streams: it never holds more than one section, and refuses a length above
//! the limit of the section's kind before it allocates.

use std::fmt;
use std::io::{self, Read, Write};

use jcm_runtime::protocol::BLOCK_BYTES_MAX;
use sha2::{Digest, Sha256};

/// The first 8 bytes of every bundle; the digit is the format version.
pub const MAGIC: &[u8; 8] = b"JCMBNDL1";
/// Largest genesis section: genesis documents with many accounts stay far below.
pub const GENESIS_BYTES_MAX: usize = 16 * 1024 * 1024;
/// Largest commit certificate (the node's own read limit).
pub use jcm_runtime::protocol::COMMIT_BYTES_MAX;
/// Bytes of a section before its payload: kind, height, length.
const SECTION_HEAD_LEN: usize = 1 + 8 + 4;
/// Bytes of a SHA-256 digest.
const DIGEST_LEN: usize = 32;

const _: () = assert!(BLOCK_BYTES_MAX <= u32::MAX as usize);
const _: () = assert!(GENESIS_BYTES_MAX <= u32::MAX as usize);

/// The kinds of section.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    /// The genesis document (JSON).
    Genesis,
    /// A block's canonical bytes.
    Block,
    /// A commit certificate's canonical bytes.
    Commit,
    /// The end of the sections.
    End,
}

impl Kind {
    fn byte(self) -> u8 {
        match self {
            Kind::Genesis => b'G',
            Kind::Block => b'B',
            Kind::Commit => b'C',
            Kind::End => b'E',
        }
    }

    fn from_byte(byte: u8) -> Option<Self> {
        match byte {
            b'G' => Some(Kind::Genesis),
            b'B' => Some(Kind::Block),
            b'C' => Some(Kind::Commit),
            b'E' => Some(Kind::End),
            _ => None,
        }
    }

    fn max_len(self) -> usize {
        match self {
            Kind::Genesis => GENESIS_BYTES_MAX,
            Kind::Block => BLOCK_BYTES_MAX,
            Kind::Commit => COMMIT_BYTES_MAX,
            Kind::End => 0,
        }
    }
}

/// Where in a bundle the reader was when it stopped: what it expected next.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Expected {
    /// The magic bytes.
    Magic,
    /// The genesis section.
    Genesis,
    /// The block of this height, or the end section after the previous height.
    BlockOrEnd(u64),
    /// The commit certificate of this height.
    Commit(u64),
    /// The file digest after the end section.
    FileDigest,
}

impl Expected {
    /// The height the reader was at (0 before the first block).
    pub fn height(self) -> Option<u64> {
        match self {
            Expected::Magic | Expected::Genesis => Some(0),
            Expected::BlockOrEnd(h) | Expected::Commit(h) => Some(h),
            Expected::FileDigest => None,
        }
    }
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expected::Magic => f.write_str("the magic bytes JCMBNDL1"),
            Expected::Genesis => f.write_str("the genesis section"),
            Expected::BlockOrEnd(h) => write!(f, "the block section of height {h} (or the end section)"),
            Expected::Commit(h) => write!(f, "the commit section of height {h}"),
            Expected::FileDigest => f.write_str("the file digest"),
        }
    }
}

/// Why a bundle was refused, naming the byte offset and the section expected there.
#[derive(Debug, thiserror::Error)]
#[error("bundle byte {offset}, {expected}: {problem}")]
pub struct BundleError {
    /// Offset of the section (or field) in the file.
    pub offset: u64,
    /// What the reader expected there.
    pub expected: Expected,
    /// What is wrong.
    pub problem: String,
}

/// Writes a bundle section by section; [`BundleWriter::finish`] writes the end and the
/// file digest. A bundle left unfinished is refused by the reader.
#[derive(Debug)]
pub struct BundleWriter<W: Write> {
    out: W,
    file: Sha256,
    height: u64,
}

impl<W: Write> BundleWriter<W> {
    /// Starts a bundle with the magic and the genesis document's text.
    pub fn new(out: W, genesis_json: &[u8]) -> io::Result<Self> {
        let mut writer = Self { out, file: Sha256::new(), height: 0 };
        writer.write_all(MAGIC)?;
        writer.section(Kind::Genesis, 0, genesis_json)?;
        Ok(writer)
    }

    /// Appends the next height's block and commit certificate.
    pub fn push(&mut self, block: &[u8], commit: &[u8]) -> io::Result<()> {
        let height = self.height + 1;
        self.section(Kind::Block, height, block)?;
        self.section(Kind::Commit, height, commit)?;
        self.height = height;
        Ok(())
    }

    /// The last height written (0: genesis only).
    pub fn height(&self) -> u64 {
        self.height
    }

    /// Writes the end section and the file digest; returns the output, flushed.
    pub fn finish(mut self) -> io::Result<W> {
        self.section(Kind::End, self.height, &[])?;
        let digest: [u8; DIGEST_LEN] = self.file.clone().finalize().into();
        self.out.write_all(&digest)?;
        self.out.flush()?;
        Ok(self.out)
    }

    fn section(&mut self, kind: Kind, height: u64, payload: &[u8]) -> io::Result<()> {
        if payload.len() > kind.max_len() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "a {kind:?} section of {} bytes exceeds the limit of {}",
                    payload.len(),
                    kind.max_len()
                ),
            ));
        }
        let head = section_head(kind, height, payload.len());
        let digest = section_digest(&head, payload);
        self.write_all(&head)?;
        self.write_all(payload)?;
        self.write_all(&digest)
    }

    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.file.update(bytes);
        self.out.write_all(bytes)
    }
}

fn section_head(kind: Kind, height: u64, len: usize) -> [u8; SECTION_HEAD_LEN] {
    let mut head = [0u8; SECTION_HEAD_LEN];
    head[0] = kind.byte();
    head[1..9].copy_from_slice(&height.to_le_bytes());
    // Bounded by the kind's limit, which fits a u32 (asserted above).
    head[9..].copy_from_slice(&(len as u32).to_le_bytes());
    head
}

fn section_digest(head: &[u8], payload: &[u8]) -> [u8; DIGEST_LEN] {
    let mut hasher = Sha256::new();
    hasher.update(head);
    hasher.update(payload);
    hasher.finalize().into()
}

/// One height of a bundle.
#[derive(Clone, Debug)]
pub struct HeightBytes {
    /// The height.
    pub height: u64,
    /// The block's canonical bytes (not yet decoded).
    pub block: Vec<u8>,
    /// The commit certificate's canonical bytes (not yet decoded).
    pub commit: Vec<u8>,
}

/// Reads a bundle as a stream, checking every section's digest and place before handing
/// out its payload, and the file digest after the end section.
#[derive(Debug)]
pub struct BundleReader<R: Read> {
    input: R,
    file: Sha256,
    offset: u64,
    next_height: u64,
    done: bool,
}

impl<R: Read> BundleReader<R> {
    /// Reads the magic and the genesis section; returns the reader and the genesis text.
    pub fn open(input: R) -> Result<(Self, Vec<u8>), BundleError> {
        let mut reader = Self { input, file: Sha256::new(), offset: 0, next_height: 1, done: false };
        let mut magic = [0u8; MAGIC.len()];
        reader.read_exact(&mut magic, Expected::Magic, 0)?;
        if &magic != MAGIC {
            return Err(reader.error(
                0,
                Expected::Magic,
                "not a JCM bundle (the file does not start with JCMBNDL1)",
            ));
        }
        let genesis = reader.section(Expected::Genesis)?;
        Ok((reader, genesis.1))
    }

    /// Bytes read so far.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The next height's block and commit, or `None` once the end section and the file
    /// digest have been read and checked.
    pub fn next_height(&mut self) -> Result<Option<HeightBytes>, BundleError> {
        if self.done {
            return Ok(None);
        }
        let height = self.next_height;
        let (kind, block) = self.section(Expected::BlockOrEnd(height))?;
        if kind == Kind::End {
            self.check_file_digest()?;
            self.done = true;
            return Ok(None);
        }
        let (_, commit) = self.section(Expected::Commit(height))?;
        self.next_height += 1;
        Ok(Some(HeightBytes { height, block, commit }))
    }

    /// Reads one section where `expected` belongs; returns its kind and payload.
    fn section(&mut self, expected: Expected) -> Result<(Kind, Vec<u8>), BundleError> {
        let start = self.offset;
        let mut head = [0u8; SECTION_HEAD_LEN];
        self.read_exact(&mut head, expected, start)?;
        let kind = Kind::from_byte(head[0]).ok_or_else(|| {
            self.error(
                start,
                expected,
                format!("unknown section kind 0x{:02x}: the file is corrupt", head[0]),
            )
        })?;
        let height = u64::from_le_bytes(head[1..9].try_into().expect("8 bytes"));
        let len = u32::from_le_bytes(head[9..].try_into().expect("4 bytes")) as usize;
        if len > kind.max_len() {
            return Err(self.error(
                start,
                expected,
                format!(
                    "a {kind:?} section of {len} bytes exceeds the limit of {}: the file is corrupt",
                    kind.max_len()
                ),
            ));
        }
        let mut payload = vec![0u8; len];
        self.read_exact(&mut payload, expected, start)?;
        let mut digest = [0u8; DIGEST_LEN];
        self.read_exact(&mut digest, expected, start)?;
        if digest != section_digest(&head, &payload) {
            return Err(self.error(
                start,
                expected,
                "the section's digest does not match its bytes: the file is corrupt or altered",
            ));
        }
        let (want_kind, want_height) = match expected {
            Expected::Genesis => (Kind::Genesis, 0),
            Expected::Commit(h) => (Kind::Commit, h),
            Expected::BlockOrEnd(h) if kind == Kind::End => (Kind::End, h - 1),
            Expected::BlockOrEnd(h) => (Kind::Block, h),
            Expected::Magic | Expected::FileDigest => unreachable!("not a section"),
        };
        if kind != want_kind || height != want_height {
            return Err(self.error(
                start,
                expected,
                format!("found a {kind:?} section of height {height}: sections are missing or out of order"),
            ));
        }
        Ok((kind, payload))
    }

    fn check_file_digest(&mut self) -> Result<(), BundleError> {
        let start = self.offset;
        let computed: [u8; DIGEST_LEN] = self.file.clone().finalize().into();
        let mut digest = [0u8; DIGEST_LEN];
        self.read_exact(&mut digest, Expected::FileDigest, start)?;
        if digest != computed {
            return Err(self.error(
                start,
                Expected::FileDigest,
                "the file digest does not match the bundle's bytes",
            ));
        }
        let mut extra = [0u8; 1];
        match self.input.read(&mut extra) {
            Ok(0) => Ok(()),
            Ok(_) => Err(self.error(self.offset, Expected::FileDigest, "bytes follow the file digest")),
            Err(e) => Err(self.error(self.offset, Expected::FileDigest, format!("read error: {e}"))),
        }
    }

    /// Reads `buf` of the section or field that starts at `at` (named in errors).
    fn read_exact(&mut self, buf: &mut [u8], expected: Expected, at: u64) -> Result<(), BundleError> {
        self.input.read_exact(buf).map_err(|e| {
            let problem = if e.kind() == io::ErrorKind::UnexpectedEof {
                "the file ends inside it: it is truncated".to_string()
            } else {
                format!("read error: {e}")
            };
            self.error(at, expected, problem)
        })?;
        self.file.update(&*buf);
        self.offset += buf.len() as u64;
        Ok(())
    }

    fn error(&self, offset: u64, expected: Expected, problem: impl Into<String>) -> BundleError {
        BundleError { offset, expected, problem: problem.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundle(heights: u64) -> Vec<u8> {
        let mut writer = BundleWriter::new(Vec::new(), b"{\"genesis\":1}").expect("in memory");
        for h in 1..=heights {
            writer.push(&h.to_le_bytes(), &[h as u8; 3]).expect("in memory");
        }
        writer.finish().expect("in memory")
    }

    fn read_all(bytes: &[u8]) -> Result<Vec<HeightBytes>, BundleError> {
        let (mut reader, genesis) = BundleReader::open(bytes)?;
        assert_eq!(genesis, b"{\"genesis\":1}");
        let mut out = Vec::new();
        while let Some(h) = reader.next_height()? {
            out.push(h);
        }
        Ok(out)
    }

    #[test]
    fn round_trips() {
        let heights = read_all(&bundle(3)).expect("valid bundle");
        assert_eq!(heights.len(), 3);
        assert_eq!(heights[2].height, 3);
        assert_eq!(heights[2].block, 3u64.to_le_bytes());
        assert_eq!(heights[2].commit, [3; 3]);
    }

    #[test]
    fn every_changed_byte_and_every_truncation_is_refused() {
        let good = bundle(2);
        for i in 0..good.len() {
            let mut bad = good.clone();
            bad[i] ^= 0x01;
            assert!(read_all(&bad).is_err(), "flip at {i}");
            assert!(read_all(&good[..i]).is_err(), "truncation at {i}");
        }
        let mut longer = good.clone();
        longer.push(0);
        assert!(read_all(&longer).is_err());
    }

    #[test]
    fn an_oversized_length_is_refused_before_allocating() {
        let mut bad = bundle(1);
        // The genesis section's length field: after the magic, the kind and the height.
        bad[8 + 9..8 + 13].copy_from_slice(&u32::MAX.to_le_bytes());
        let err = read_all(&bad).expect_err("refused");
        assert!(err.problem.contains("exceeds the limit"), "{err}");
        assert_eq!(err.expected, Expected::Genesis);
    }
}
