//! The storage interface of the runtime: an ordered key-value map, read through
//! [`ReadStore`] and written through [`Store`]. The same rules run over [`MemStore`] in
//! tests and audits and over RocksDB in the node, whose committed state is read-only.
//!
//! [`Overlay`] buffers the writes of one transaction over a read-only base, so a
//! rejected transaction is dropped without touching the base (R1: a rejection changes
//! nothing). [`Layered`] reads a base with a set of writes over it, without copying
//! either (the node's mempool reads each signer's pending writes so).

use std::collections::BTreeMap;
use std::ops::Bound;

/// Entries yielded by a range scan, in ascending key order.
pub type Entries<'a> = Box<dyn Iterator<Item = (Vec<u8>, Vec<u8>)> + 'a>;

/// An ordered key-value map, read.
pub trait ReadStore {
    /// The value at `key`.
    fn get(&self, key: &[u8]) -> Option<Vec<u8>>;
    /// Entries with `start <= key < end` (`end = None`: no upper bound), ascending; none
    /// when `end <= start`.
    fn range(&self, start: &[u8], end: Option<&[u8]>) -> Entries<'_>;

    /// Entries whose key starts with `prefix`, ascending.
    fn scan_prefix(&self, prefix: &[u8]) -> Entries<'_> {
        match prefix_end(prefix) {
            Some(end) => self.range(prefix, Some(&end)),
            None => self.range(prefix, None),
        }
    }
}

/// An ordered key-value map, read and written.
pub trait Store: ReadStore {
    /// Sets `key` to `value`.
    fn put(&mut self, key: Vec<u8>, value: Vec<u8>);
    /// Removes `key`.
    fn delete(&mut self, key: &[u8]);
}

/// The exclusive upper bound of `start..end`, or `None` when the range is empty (a
/// `BTreeMap` range with `end < start` would panic).
fn upper_bound(start: &[u8], end: Option<&[u8]>) -> Option<Bound<Vec<u8>>> {
    match end {
        Some(end) if end <= start => None,
        Some(end) => Some(Bound::Excluded(end.to_vec())),
        None => Some(Bound::Unbounded),
    }
}

/// The smallest key greater than every key starting with `prefix`.
pub fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

/// An in-memory store.
#[derive(Clone, Default, Debug, PartialEq, Eq)]
pub struct MemStore {
    map: BTreeMap<Vec<u8>, Vec<u8>>,
}

impl MemStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

impl ReadStore for MemStore {
    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.map.get(key).cloned()
    }

    fn range(&self, start: &[u8], end: Option<&[u8]>) -> Entries<'_> {
        let Some(upper) = upper_bound(start, end) else {
            return Box::new(std::iter::empty());
        };
        Box::new(
            self.map.range((Bound::Included(start.to_vec()), upper)).map(|(k, v)| (k.clone(), v.clone())),
        )
    }
}

impl Store for MemStore {
    fn put(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.map.insert(key, value);
    }

    fn delete(&mut self, key: &[u8]) {
        self.map.remove(key);
    }
}

/// Writes buffered over a base store: `Some(value)` is a put, `None` a delete.
pub type WriteSet = BTreeMap<Vec<u8>, Option<Vec<u8>>>;

/// A store that buffers writes over a read-only `base` until [`Overlay::into_writes`].
#[derive(Debug)]
pub struct Overlay<'a, S: ReadStore + ?Sized> {
    base: &'a S,
    writes: WriteSet,
}

impl<'a, S: ReadStore + ?Sized> Overlay<'a, S> {
    /// An empty overlay over `base`.
    pub fn new(base: &'a S) -> Self {
        Self { base, writes: WriteSet::new() }
    }

    /// The buffered writes, to apply to the base with [`apply_writes`].
    pub fn into_writes(self) -> WriteSet {
        self.writes
    }
}

/// Applies `writes` to `store`.
pub fn apply_writes<S: Store + ?Sized>(store: &mut S, writes: WriteSet) {
    for (key, value) in writes {
        match value {
            Some(value) => store.put(key, value),
            None => store.delete(&key),
        }
    }
}

impl<S: ReadStore + ?Sized> ReadStore for Overlay<'_, S> {
    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        read_through(self.base, &self.writes, key)
    }

    fn range(&self, start: &[u8], end: Option<&[u8]>) -> Entries<'_> {
        merged_range(self.base, &self.writes, start, end)
    }
}

impl<S: ReadStore + ?Sized> Store for Overlay<'_, S> {
    fn put(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.writes.insert(key, Some(value));
    }

    fn delete(&mut self, key: &[u8]) {
        self.writes.insert(key.to_vec(), None);
    }
}

/// A read-only view of `base` with `writes` over it: what an [`Overlay`] holding those
/// writes reads, without owning or copying them.
#[derive(Debug)]
pub struct Layered<'a, S: ReadStore + ?Sized> {
    base: &'a S,
    writes: &'a WriteSet,
}

impl<'a, S: ReadStore + ?Sized> Layered<'a, S> {
    /// `base` as it reads once `writes` are applied to it.
    pub fn new(base: &'a S, writes: &'a WriteSet) -> Self {
        Self { base, writes }
    }
}

impl<S: ReadStore + ?Sized> ReadStore for Layered<'_, S> {
    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        read_through(self.base, self.writes, key)
    }

    fn range(&self, start: &[u8], end: Option<&[u8]>) -> Entries<'_> {
        merged_range(self.base, self.writes, start, end)
    }
}

/// The value at `key` once `writes` are applied to `base`.
fn read_through<S: ReadStore + ?Sized>(base: &S, writes: &WriteSet, key: &[u8]) -> Option<Vec<u8>> {
    match writes.get(key) {
        Some(value) => value.clone(),
        None => base.get(key),
    }
}

/// The entries of `start..end` once `writes` are applied to `base`.
fn merged_range<'a, S: ReadStore + ?Sized>(
    base: &'a S,
    writes: &'a WriteSet,
    start: &[u8],
    end: Option<&[u8]>,
) -> Entries<'a> {
    let Some(upper) = upper_bound(start, end) else {
        return Box::new(std::iter::empty());
    };
    let local = writes.range((Bound::Included(start.to_vec()), upper)).map(|(k, v)| (k.clone(), v.clone()));
    Box::new(Merge { base: base.range(start, end).peekable(), local: local.peekable() })
}

/// Merges base entries with buffered writes; a buffered write shadows the base entry.
struct Merge<B: Iterator<Item = (Vec<u8>, Vec<u8>)>, L: Iterator<Item = (Vec<u8>, Option<Vec<u8>>)>> {
    base: std::iter::Peekable<B>,
    local: std::iter::Peekable<L>,
}

impl<B, L> Iterator for Merge<B, L>
where
    B: Iterator<Item = (Vec<u8>, Vec<u8>)>,
    L: Iterator<Item = (Vec<u8>, Option<Vec<u8>>)>,
{
    type Item = (Vec<u8>, Vec<u8>);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let (take_local, shadowed) = match (self.base.peek(), self.local.peek()) {
                (None, None) => return None,
                (Some(_), None) => (false, false),
                (None, Some(_)) => (true, false),
                (Some((bk, _)), Some((lk, _))) => (lk <= bk, lk == bk),
            };
            if shadowed {
                self.base.next();
            }
            if take_local {
                let (key, value) = self.local.next().expect("peeked");
                if let Some(value) = value {
                    return Some((key, value));
                }
            } else {
                return self.base.next();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(entries: Entries<'_>) -> Vec<(u8, u8)> {
        entries.map(|(k, v)| (k[0], v[0])).collect()
    }

    #[test]
    fn overlay_reads_its_writes_and_shadows_the_base() {
        let mut base = MemStore::new();
        for k in [1u8, 3, 5, 7] {
            base.put(vec![k], vec![k]);
        }
        let mut overlay = Overlay::new(&base);
        overlay.put(vec![2], vec![20]);
        overlay.put(vec![5], vec![50]);
        overlay.delete(&[3]);
        overlay.put(vec![9], vec![90]);
        assert_eq!(overlay.get(&[3]), None);
        assert_eq!(overlay.get(&[5]), Some(vec![50]));
        assert_eq!(keys(overlay.range(&[0], None)), [(1, 1), (2, 20), (5, 50), (7, 7), (9, 90)]);
        assert_eq!(keys(overlay.range(&[2], Some(&[7]))), [(2, 20), (5, 50)]);
        let writes = overlay.into_writes();
        assert_eq!(base.get(&[2]), None, "the base is untouched until the writes are applied");
        apply_writes(&mut base, writes);
        assert_eq!(keys(base.range(&[0], None)), [(1, 1), (2, 20), (5, 50), (7, 7), (9, 90)]);
    }

    #[test]
    fn a_layered_view_reads_as_the_base_with_the_writes_applied() {
        let mut base = MemStore::new();
        for k in [1u8, 3, 5, 7] {
            base.put(vec![k], vec![k]);
        }
        let writes: WriteSet = [(vec![3], None), (vec![4], Some(vec![40])), (vec![7], Some(vec![70]))].into();
        let layered = Layered::new(&base, &writes);
        let mut applied = base.clone();
        apply_writes(&mut applied, writes.clone());
        for k in 0u8..9 {
            assert_eq!(layered.get(&[k]), applied.get(&[k]), "key {k}");
        }
        assert_eq!(keys(layered.range(&[0], None)), keys(applied.range(&[0], None)));
        assert_eq!(keys(layered.range(&[3], Some(&[7]))), [(4, 40), (5, 5)]);
        assert_eq!(keys(layered.range(&[7], Some(&[3]))), [], "an empty range");
        // An overlay over the view stacks a transaction's writes on the pending ones.
        let mut overlay = Overlay::new(&layered);
        overlay.put(vec![5], vec![50]);
        assert_eq!(keys(overlay.range(&[0], None)), [(1, 1), (4, 40), (5, 50), (7, 70)]);
    }

    #[test]
    fn empty_and_inverted_ranges_yield_nothing() {
        let mut base = MemStore::new();
        base.put(vec![5], vec![5]);
        assert_eq!(base.range(&[6], Some(&[2])).count(), 0);
        assert_eq!(base.range(&[5], Some(&[5])).count(), 0);
        let overlay = Overlay::new(&base);
        assert_eq!(overlay.range(&[6], Some(&[2])).count(), 0);
        assert_eq!(overlay.range(&[5], Some(&[6])).count(), 1);
    }

    #[test]
    fn prefix_scan_stops_at_the_prefix_end() {
        let mut store = MemStore::new();
        for key in [&b"a/1"[..], b"a/2", b"a0", b"b/1", b"a\xff\xff"] {
            store.put(key.to_vec(), vec![0]);
        }
        let found: Vec<Vec<u8>> = store.scan_prefix(b"a/").map(|(k, _)| k).collect();
        assert_eq!(found, [b"a/1".to_vec(), b"a/2".to_vec()]);
        assert_eq!(prefix_end(b"a\xff"), Some(b"b".to_vec()));
        assert_eq!(prefix_end(b"\xff"), None);
    }
}
