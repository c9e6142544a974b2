//! The state's history: every value each state key held, by the height that wrote it,
//! so that a read can be answered as of any committed height ([`Db::state_at`]).
//!
//! ```text
//! column family  key                                   value
//! history        escaped state key ‖ 00 00 ‖ height    01 ‖ value (written), 00 (deleted)
//! ```
//!
//! The state key is escaped (`00` becomes `00 01`) and closed by `00 00`, which keeps
//! the state keys' byte order and makes no escaped key a prefix of another: the
//! versions of one key are adjacent, in height order (big-endian), and a scan of a
//! range of state keys is a scan of one range of this family. Each block's batch writes
//! one version per key it changes, in the same atomic batch as the state itself
//! ([`super::batch`]), so the history is exactly as durable as the state.
//!
//! A read as of height `h` takes, per key, the newest version at or below `h`. The
//! history is kept from genesis (a node prunes none; docs/operator.md).
//!
//! [`Db::state_at`]: super::Db::state_at

use std::fmt;
use std::sync::Arc;

use jcm_runtime::state::{Entries, ReadStore};
use rocksdb::{ColumnFamily, Direction, IteratorMode, ReadOptions, DB};

use super::{height_key, CF_HISTORY};

/// The history key of `key`'s version written at `height`.
pub(super) fn version_key(key: &[u8], height: u64) -> Vec<u8> {
    let mut out = closed(key);
    out.extend_from_slice(&height_key(height));
    out
}

/// `key` escaped and closed by `00 00`: the prefix every version of `key` starts with.
fn closed(key: &[u8]) -> Vec<u8> {
    let mut out = escaped(key);
    out.extend_from_slice(&[0, 0]);
    out
}

/// The history value of a write: `01 ‖ value`, or `00` for a deletion.
pub(super) fn version_value(value: Option<&[u8]>) -> Vec<u8> {
    match value {
        Some(value) => [&[1u8][..], value].concat(),
        None => vec![0],
    }
}

/// `key` with each `00` byte written `00 01`, without the closing `00 00`.
fn escaped(key: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(key.len() + 10);
    for &byte in key {
        out.push(byte);
        if byte == 0 {
            out.push(1);
        }
    }
    out
}

/// A history key split into its state key and height; `None` for bytes that are not one.
fn split(entry: &[u8]) -> Option<(Vec<u8>, u64)> {
    let (body, height) = entry.split_at_checked(entry.len().checked_sub(8)?)?;
    let height = u64::from_be_bytes(height.try_into().ok()?);
    let body = body.strip_suffix(&[0, 0])?;
    let mut key = Vec::with_capacity(body.len());
    let mut bytes = body.iter();
    while let Some(&byte) = bytes.next() {
        key.push(byte);
        if byte == 0 && bytes.next() != Some(&1) {
            return None;
        }
    }
    Some((key, height))
}

/// The runtime's state as it was after the block at one height: a [`ReadStore`] over
/// the `history` column family.
pub struct HistoryView {
    db: Arc<DB>,
    height: u64,
}

impl fmt::Debug for HistoryView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HistoryView").field("height", &self.height).finish()
    }
}

impl HistoryView {
    /// The state after the block at `height`, which the caller checked is committed.
    pub(super) fn new(db: Arc<DB>, height: u64) -> Self {
        Self { db, height }
    }

    /// The height this view reads the state at.
    pub fn height(&self) -> u64 {
        self.height
    }

    fn handle(&self) -> &ColumnFamily {
        self.db.cf_handle(CF_HISTORY).expect("Db::open opens the history column family")
    }
}

/// The state as of a committed height: the last one read from the `state` family, an
/// older one from the history ([`Db::state_as_of`](super::Db::state_as_of)).
#[derive(Debug)]
pub enum StateAt<'a> {
    /// The last committed height.
    Last(&'a super::StateView),
    /// An older height.
    Past(HistoryView),
}

impl ReadStore for StateAt<'_> {
    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        match self {
            Self::Last(view) => view.get(key),
            Self::Past(view) => view.get(key),
        }
    }

    fn range(&self, start: &[u8], end: Option<&[u8]>) -> Entries<'_> {
        match self {
            Self::Last(view) => view.range(start, end),
            Self::Past(view) => view.range(start, end),
        }
    }
}

/// A stored version's value: `Some(None)` for a deletion, `None` for a broken record.
fn decode(value: &[u8]) -> Option<Option<Vec<u8>>> {
    match value.split_first()? {
        (1, rest) => Some(Some(rest.to_vec())),
        (0, []) => Some(None),
        _ => None,
    }
}

impl ReadStore for HistoryView {
    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        let floor = closed(key);
        let target = [&floor[..], &height_key(self.height)].concat();
        let mut options = ReadOptions::default();
        options.set_iterate_lower_bound(floor);
        let mut entries =
            self.db.iterator_cf_opt(self.handle(), options, IteratorMode::From(&target, Direction::Reverse));
        match entries.next() {
            None => None,
            Some(Ok((_, value))) => {
                decode(&value).unwrap_or_else(|| panic!("a broken record in column family {CF_HISTORY}"))
            }
            Some(Err(e)) => panic!("store read failed in column family {CF_HISTORY}: {e}"),
        }
    }

    fn range(&self, start: &[u8], end: Option<&[u8]>) -> Entries<'_> {
        let mut options = ReadOptions::default();
        if let Some(end) = end {
            if end <= start {
                return Box::new(std::iter::empty());
            }
            options.set_iterate_upper_bound(escaped(end));
        }
        let from = escaped(start);
        let versions = self
            .db
            .iterator_cf_opt(self.handle(), options, IteratorMode::From(&from, Direction::Forward))
            .map(|entry| match entry {
                Ok((key, value)) => {
                    let (key, height) =
                        split(&key).unwrap_or_else(|| panic!("a broken key in column family {CF_HISTORY}"));
                    let value = decode(&value)
                        .unwrap_or_else(|| panic!("a broken record in column family {CF_HISTORY}"));
                    (key, height, value)
                }
                Err(e) => panic!("store scan failed in column family {CF_HISTORY}: {e}"),
            });
        Box::new(AsOf { versions: versions.peekable(), height: self.height })
    }
}

/// The newest version at or below `height` of each key, from versions in key order and,
/// within a key, in height order; keys deleted at that height are left out.
struct AsOf<I: Iterator<Item = (Vec<u8>, u64, Option<Vec<u8>>)>> {
    versions: std::iter::Peekable<I>,
    height: u64,
}

impl<I: Iterator<Item = (Vec<u8>, u64, Option<Vec<u8>>)>> Iterator for AsOf<I> {
    type Item = (Vec<u8>, Vec<u8>);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let (key, height, value) = self.versions.next()?;
            let mut newest = (height <= self.height).then_some(value);
            while let Some((next, h, _)) = self.versions.peek() {
                if *next != key {
                    break;
                }
                let at_or_below = *h <= self.height;
                let (_, _, value) = self.versions.next().expect("peeked");
                if at_or_below {
                    newest = Some(value);
                }
            }
            if let Some(Some(value)) = newest {
                return Some((key, value));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_keys_keep_the_order_and_split_back() {
        let keys: [&[u8]; 6] = [b"", b"\x00", b"\x00\x00", b"\x00\x01", b"a", b"a\x00b"];
        let mut encoded: Vec<Vec<u8>> = keys.iter().map(|k| version_key(k, 7)).collect();
        let in_order = encoded.clone();
        encoded.sort();
        assert_eq!(encoded, in_order, "the state keys' order is the history keys' order");
        for key in keys {
            assert_eq!(split(&version_key(key, 7)), Some((key.to_vec(), 7)));
        }
        assert!(
            version_key(b"a", u64::MAX) < version_key(b"a\x00", 0),
            "a key's versions come before a longer key's"
        );
        assert_eq!(split(b"short"), None);
        assert_eq!(split(&[0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]), None, "a lone 00 is no escaped key");
    }

    #[test]
    fn the_newest_version_at_or_below_the_height_is_read() {
        let versions = vec![
            (b"a".to_vec(), 1, Some(b"1".to_vec())),
            (b"a".to_vec(), 3, None),
            (b"a".to_vec(), 5, Some(b"5".to_vec())),
            (b"b".to_vec(), 4, Some(b"4".to_vec())),
        ];
        let at =
            |height| AsOf { versions: versions.clone().into_iter().peekable(), height }.collect::<Vec<_>>();
        assert_eq!(at(0), []);
        assert_eq!(at(2), [(b"a".to_vec(), b"1".to_vec())]);
        assert_eq!(at(3), [], "deleted at 3");
        assert_eq!(at(4), [(b"b".to_vec(), b"4".to_vec())]);
        assert_eq!(at(9), [(b"a".to_vec(), b"5".to_vec()), (b"b".to_vec(), b"4".to_vec())]);
    }
}
