//! [`ReadCache`]: a bounded in-memory cache of one column family's committed entries,
//! in front of RocksDB's point reads.
//!
//! # Why
//!
//! Executing a block reads the state keys its rules touch and, for the state-root
//! update, every tree node on the path to each written key: about `log2(state size)`
//! nodes per key, at random (the tree is keyed by hash). Each is a RocksDB point read:
//! a memtable search, then the level-0 files, then the levels below. The upper levels of
//! the tree are read by every block, so a cache of what was read lately saves most of
//! those reads that RocksDB's memtable (which holds the latest writes) does not answer.
//!
//! # Why it cannot go stale
//!
//! Only [`Db::commit_block`](super::Db::commit_block) writes the column families that
//! have a cache, and for the state it writes through: after the batch is on disk, every
//! key the batch put or deleted is set in the cache to its new value (a deletion as a
//! known absence).
//! Readers hold the store's read lock and the committer its write lock (the node's
//! `RwLock<Db>`), so no reader sees the cache between the batch and the write-through.
//! Tree nodes are content-addressed (a node's key is the hash of its value) and never
//! change, so their cache is right by construction as well.
//!
//! # Eviction
//!
//! Two generations: entries go into the *young* map; when it holds half the capacity it
//! becomes the *old* map and the previous old map is dropped. A hit in the old map moves
//! the entry back to the young one. Anything read or written within the last half
//! capacity of insertions stays, which is what a least-recently-used cache would keep,
//! at the cost of one hash-map operation per access.

use std::collections::HashMap;

use parking_lot::Mutex;

/// A cached value: `Some(bytes)`, or `None` for a key known to be absent.
type Cached = Option<Box<[u8]>>;
/// A generation: keys to values.
type Generation = HashMap<Box<[u8]>, Cached>;

/// A bounded cache of one column family's committed entries.
#[derive(Debug)]
pub(super) struct ReadCache {
    generations: Mutex<Generations>,
    /// Entries per generation: half the capacity.
    generation_max: usize,
}

#[derive(Debug, Default)]
struct Generations {
    young: Generation,
    old: Generation,
}

impl ReadCache {
    /// A cache of at most `entries_max` entries; 0 disables it.
    pub(super) fn new(entries_max: usize) -> Self {
        Self { generations: Mutex::new(Generations::default()), generation_max: entries_max / 2 }
    }

    /// The cached value of `key`: `Some(Some(bytes))` if present, `Some(None)` if known to
    /// be absent, `None` if not cached.
    pub(super) fn get(&self, key: &[u8]) -> Option<Option<Vec<u8>>> {
        if self.generation_max == 0 {
            return None;
        }
        let mut generations = self.generations.lock();
        if let Some(value) = generations.young.get(key) {
            return Some(value.as_deref().map(<[u8]>::to_vec));
        }
        let (key, value) = generations.old.remove_entry(key)?;
        let found = value.as_deref().map(<[u8]>::to_vec);
        self.insert_locked(&mut generations, key, value);
        Some(found)
    }

    /// Records the committed value of `key` (`None`: absent).
    pub(super) fn insert(&self, key: &[u8], value: Option<&[u8]>) {
        self.insert_all([(key, value)]);
    }

    /// Records the committed values of many keys under one lock.
    pub(super) fn insert_all<'a>(&self, entries: impl IntoIterator<Item = (&'a [u8], Option<&'a [u8]>)>) {
        if self.generation_max == 0 {
            return;
        }
        let mut generations = self.generations.lock();
        for (key, value) in entries {
            generations.old.remove(key);
            self.insert_locked(&mut generations, key.into(), value.map(Into::into));
        }
    }

    /// Entries held, both generations together.
    #[cfg(test)]
    fn len(&self) -> usize {
        let generations = self.generations.lock();
        generations.young.len() + generations.old.len()
    }

    fn insert_locked(&self, generations: &mut Generations, key: Box<[u8]>, value: Cached) {
        if generations.young.len() >= self.generation_max && !generations.young.contains_key(&key) {
            generations.old = std::mem::take(&mut generations.young);
        }
        generations.young.insert(key, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_values_and_absences() {
        let cache = ReadCache::new(8);
        assert_eq!(cache.get(b"a"), None);
        cache.insert(b"a", Some(b"1"));
        cache.insert(b"b", None);
        assert_eq!(cache.get(b"a"), Some(Some(b"1".to_vec())));
        assert_eq!(cache.get(b"b"), Some(None));
        cache.insert_all([(&b"a"[..], None), (&b"b"[..], Some(&b"2"[..]))]);
        assert_eq!(cache.get(b"a"), Some(None));
        assert_eq!(cache.get(b"b"), Some(Some(b"2".to_vec())));
    }

    #[test]
    fn a_cache_of_no_entries_keeps_nothing() {
        let cache = ReadCache::new(0);
        cache.insert(b"a", Some(b"1"));
        assert_eq!(cache.get(b"a"), None);
        assert_eq!(cache.len(), 0);
    }

    #[test]
    fn stays_bounded_and_keeps_what_was_used_lately() {
        let cache = ReadCache::new(100);
        for i in 0u32..10_000 {
            cache.insert(&i.to_be_bytes(), Some(b"v"));
            // Key 0 is read all along: it must survive every generation change.
            assert!(cache.get(&0u32.to_be_bytes()).is_some(), "key 0 evicted at {i}");
            assert!(cache.len() <= 100, "{} entries after {i} insertions", cache.len());
        }
        assert_eq!(cache.get(&1u32.to_be_bytes()), None, "an old, unused key is evicted");
        assert!(cache.get(&9_999u32.to_be_bytes()).is_some(), "the newest key is kept");
    }

    #[test]
    fn a_newer_value_replaces_an_older_one_in_either_generation() {
        let cache = ReadCache::new(4);
        cache.insert(b"k", Some(b"old"));
        cache.insert(b"x", None);
        cache.insert(b"y", None); // "k" is now in the old generation
        cache.insert_all([(&b"k"[..], Some(&b"new"[..]))]);
        assert_eq!(cache.get(b"k"), Some(Some(b"new".to_vec())));
    }
}
