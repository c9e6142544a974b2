//! The consensus write-ahead record: `data/consensus.wal`.
//!
//! Everything one consensus event makes the node write (the core's state, the sign
//! guard's high-water mark, the messages it signed or accepted from peers, the blocks it
//! found valid, the certificate of a decided height) goes in one batch, appended and
//! fsynced *before* any message leaves the process. A restarted node replays the record:
//! it resumes its round, re-sends its own messages, remembers its peers', and its guard
//! refuses to sign anything that conflicts with what it signed before the crash.
//!
//! A batch is framed as `len:u32le ‖ sha256(payload)[..8] ‖ payload`. A crash in the
//! middle of an append leaves a torn tail; recovery keeps the whole frames, truncates the
//! rest, and says how many bytes it dropped. When a height is committed to the store the
//! record restarts (written to a temporary file, fsynced, renamed over the old one) with
//! only the guard's high-water mark, so it never grows beyond one height.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::limits::BATCH_BYTES_MAX;
use borsh::{BorshDeserialize, BorshSerialize};
use jcm_consensus::{CommitCertificate, SignRecord, SignedProposal, SignedVote, State};
use jcm_runtime::codec;
use jcm_runtime::protocol::Block;

/// File name of the record inside the data directory.
pub const WAL_FILE: &str = "consensus.wal";

/// One record.
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize)]
pub enum Record {
    /// The core's state.
    State(State),
    /// The sign guard's high-water mark.
    Mark(SignRecord),
    /// A proposal this node signed or accepted.
    Proposal(SignedProposal),
    /// A vote this node signed or accepted.
    Vote(SignedVote),
    /// A block this node proposed or found valid at the current height.
    Block(Block),
    /// The certificate of the current height's decision.
    Decided(CommitCertificate),
}

/// Why the record could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum WalError {
    /// An I/O error, with the file.
    #[error("consensus write-ahead record {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A frame before the last one is damaged: this is not a torn write, and dropping the
    /// frames after it could forget a signature. The node refuses to start.
    #[error(
        "consensus write-ahead record {path} is damaged at byte {at} of {len}, before its \
         last frame; move it aside only if this validator's key signs nowhere else until \
         the chain has passed the height in it"
    )]
    Damaged {
        /// The file.
        path: PathBuf,
        /// Offset of the damaged frame.
        at: usize,
        /// File length.
        len: usize,
    },
}

/// The open record.
#[derive(Debug)]
pub struct Wal {
    path: PathBuf,
    file: File,
}

/// What recovery found.
#[derive(Debug, Default)]
pub struct Recovered {
    /// The records of every whole batch, in order.
    pub records: Vec<Record>,
    /// Bytes of a torn tail that were dropped.
    pub torn_bytes: usize,
}

impl Wal {
    /// Opens (or creates) the record in `data_dir`, reads every whole batch and truncates
    /// a torn tail.
    pub fn open(data_dir: &Path) -> Result<(Self, Recovered), WalError> {
        let path = data_dir.join(WAL_FILE);
        let io = |source| WalError::Io { path: path.clone(), source };
        let mut file = OpenOptions::new().read(true).append(true).create(true).open(&path).map_err(io)?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(io)?;
        let mut recovered = Recovered::default();
        let mut at = 0;
        while let Some((batch, next)) = read_frame(&bytes, at) {
            recovered.records.extend(batch);
            at = next;
        }
        if !is_torn_tail(&bytes, at) {
            return Err(WalError::Damaged { path, at, len: bytes.len() });
        }
        recovered.torn_bytes = bytes.len() - at;
        if recovered.torn_bytes > 0 {
            file.set_len(at as u64).map_err(io)?;
            file.sync_all().map_err(io)?;
        }
        Ok((Self { path, file }, recovered))
    }

    /// Appends one batch and waits until it is on disk.
    pub fn append(&mut self, batch: &[Record]) -> Result<(), WalError> {
        if batch.is_empty() {
            return Ok(());
        }
        let frame = frame(batch);
        let io = |source| WalError::Io { path: self.path.clone(), source };
        self.file.write_all(&frame).map_err(io)?;
        self.file.sync_data().map_err(io)
    }

    /// Starts a new record holding only `batch` (the guard's mark at a new height).
    pub fn restart(&mut self, batch: &[Record]) -> Result<(), WalError> {
        let tmp = self.path.with_extension("wal.tmp");
        let io = |source| WalError::Io { path: tmp.clone(), source };
        {
            let mut file = File::create(&tmp).map_err(io)?;
            if !batch.is_empty() {
                file.write_all(&frame(batch)).map_err(io)?;
            }
            file.sync_all().map_err(io)?;
        }
        fs::rename(&tmp, &self.path).map_err(io)?;
        if let Some(dir) = self.path.parent() {
            File::open(dir).and_then(|d| d.sync_all()).map_err(io)?;
        }
        self.file = OpenOptions::new().append(true).open(&self.path).map_err(io)?;
        Ok(())
    }
}

fn frame(batch: &[Record]) -> Vec<u8> {
    let payload = codec::encode(&batch.to_vec());
    let mut out = Vec::with_capacity(payload.len() + 12);
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&codec::sha256(&payload).0[..8]);
    out.extend_from_slice(&payload);
    out
}

/// Whether the bytes from `at` on can be what a crash during the last append left: a
/// frame header cut short, or a frame that reaches the end of the file.
fn is_torn_tail(bytes: &[u8], at: usize) -> bool {
    let rest = &bytes[at..];
    if rest.len() < 12 {
        return true;
    }
    let len = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
    12usize.saturating_add(len) >= rest.len()
}

fn read_frame(bytes: &[u8], at: usize) -> Option<(Vec<Record>, usize)> {
    let header = bytes.get(at..at.checked_add(12)?)?;
    let len = u32::from_le_bytes(header[..4].try_into().ok()?) as usize;
    if len > BATCH_BYTES_MAX {
        return None;
    }
    let end = at.checked_add(12)?.checked_add(len)?;
    let payload = bytes.get(at + 12..end)?;
    if codec::sha256(payload).0[..8] != header[4..12] {
        return None;
    }
    let batch = codec::decode::<Vec<Record>>(payload, BATCH_BYTES_MAX).ok()?;
    Some((batch, end))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jcm_consensus::{SignStep, ValueId};

    fn dir(label: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("jcm-wal-{label}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("temp dir");
        dir
    }

    fn mark(height: u64) -> Record {
        Record::Mark(SignRecord { height, round: 0, step: SignStep::Prevote, value: Some(ValueId([1; 32])) })
    }

    #[test]
    fn batches_survive_a_reopen_and_a_torn_tail_is_dropped() {
        let dir = dir("torn");
        let (mut wal, recovered) = Wal::open(&dir).expect("open");
        assert!(recovered.records.is_empty());
        wal.append(&[mark(1), Record::State(State::initial(1))]).expect("append");
        wal.append(&[mark(2)]).expect("append");
        drop(wal);
        // Every cut inside the last frame keeps exactly the first batch.
        let path = dir.join(WAL_FILE);
        let whole = fs::read(&path).expect("read");
        let first = 12 + u32::from_le_bytes(whole[..4].try_into().expect("4 bytes")) as usize;
        for cut in first + 1..whole.len() {
            fs::write(&path, &whole[..cut]).expect("write");
            let (_, recovered) = Wal::open(&dir).expect("open");
            assert_eq!(recovered.records, [mark(1), Record::State(State::initial(1))]);
            assert_eq!(recovered.torn_bytes, cut - first);
            assert_eq!(fs::metadata(&path).expect("stat").len() as usize, first);
        }
        fs::write(&path, &whole).expect("write");
        let (mut wal, recovered) = Wal::open(&dir).expect("open");
        assert_eq!(recovered.records.len(), 3);
        wal.restart(&[mark(3)]).expect("restart");
        wal.append(&[mark(4)]).expect("append");
        drop(wal);
        let (_, recovered) = Wal::open(&dir).expect("open");
        assert_eq!(recovered.records, [mark(3), mark(4)]);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_damaged_frame_before_the_last_refuses_to_open() {
        let dir = dir("damaged");
        let (mut wal, _) = Wal::open(&dir).expect("open");
        wal.append(&[mark(1)]).expect("append");
        wal.append(&[mark(2)]).expect("append");
        drop(wal);
        let path = dir.join(WAL_FILE);
        let mut bytes = fs::read(&path).expect("read");
        bytes[14] ^= 1;
        fs::write(&path, &bytes).expect("write");
        let error = Wal::open(&dir).expect_err("a damaged first frame");
        assert!(matches!(error, WalError::Damaged { at: 0, .. }), "{error}");
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_flipped_byte_in_the_last_frame_drops_it() {
        let dir = dir("flip");
        let (mut wal, _) = Wal::open(&dir).expect("open");
        wal.append(&[mark(1)]).expect("append");
        wal.append(&[mark(2)]).expect("append");
        drop(wal);
        let path = dir.join(WAL_FILE);
        let mut bytes = fs::read(&path).expect("read");
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        fs::write(&path, &bytes).expect("write");
        let (_, recovered) = Wal::open(&dir).expect("open");
        assert_eq!(recovered.records, [mark(1)]);
        let _ = fs::remove_dir_all(&dir);
    }
}
