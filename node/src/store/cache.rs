//! [`NodeCache`]: a bounded in-memory cache of authenticated-state (Merkle) nodes, in
//! front of RocksDB's point reads of the `merkle` column family.
//!
//! # Why
//!
//! The state-root update of every block reads every tree node on the path to each key
//! the block wrote: about `log2(state size)` nodes per key, at random, since the tree is
//! keyed by hash. Each is a RocksDB point read: a search of the memtable's skip list
//! (where the latest blocks' nodes are), then of the files below. Profiled while a node
//! caught up with a chain of 110,000 transactions, those reads were a third of its CPU
//! time and most of the state-root update, itself more than half. The nodes a block
//! reads are mostly those the last blocks wrote or read (the upper levels of the tree),
//! so a cache of recent nodes answers most reads with one hash-map lookup.
//!
//! # Why it cannot go stale
//!
//! A node's key is the hash of its bytes: a key never names two different values, and
//! nodes are never deleted while their root is current. Whatever the cache holds is
//! what RocksDB holds. [`Db::commit_block`](super::Db::commit_block) adds a block's new
//! nodes only after its batch is on disk, so the cache never answers for a node the
//! store does not have.
//!
//! # Shape and eviction
//!
//! A node is at most [`NODE_BYTES_MAX`] bytes, so entries are stored inline, keys and
//! values, with no allocation per entry. Two generations: entries go into the *young*
//! map; when it holds half the capacity it becomes the *old* map and the previous old map
//! is dropped. A hit in the old map moves the entry back to the young one. What was read
//! or written within the last half capacity of insertions stays, as a least-recently-used
//! cache would keep it, at the cost of one hash-map operation per access.

use std::collections::HashMap;

use jcm_runtime::merkle::NODE_BYTES_MAX;
use parking_lot::Mutex;

/// A node's key: the SHA-256 of its encoding.
type Key = [u8; 32];

/// A node's encoding, inline.
#[derive(Clone, Copy, Debug)]
struct NodeBytes {
    len: u8,
    bytes: [u8; NODE_BYTES_MAX],
}

const _: () = assert!(NODE_BYTES_MAX <= u8::MAX as usize);

impl NodeBytes {
    fn new(value: &[u8]) -> Option<Self> {
        let len = u8::try_from(value.len()).ok().filter(|&len| usize::from(len) <= NODE_BYTES_MAX)?;
        let mut bytes = [0; NODE_BYTES_MAX];
        bytes[..value.len()].copy_from_slice(value);
        Some(Self { len, bytes })
    }

    fn as_slice(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

/// Shards of the cache, each behind its own lock, chosen by the key's first byte: the
/// state-root update reads from two threads ([`jcm_runtime::merkle::apply_split`]).
const SHARDS: usize = 16;

/// A bounded cache of Merkle nodes by hash.
#[derive(Debug)]
pub(super) struct NodeCache {
    shards: Vec<Mutex<Generations>>,
    /// Entries per generation of one shard: half its capacity; 0 disables the cache.
    generation_max: usize,
}

#[derive(Debug, Default)]
struct Generations {
    young: HashMap<Key, NodeBytes>,
    old: HashMap<Key, NodeBytes>,
}

impl NodeCache {
    /// A cache of at most `entries_max` nodes (about 100 bytes each); 0 disables it.
    pub(super) fn new(entries_max: usize) -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::new(Generations::default())).collect(),
            generation_max: entries_max / SHARDS / 2,
        }
    }

    fn shard(&self, key: &Key) -> &Mutex<Generations> {
        &self.shards[usize::from(key[0]) % SHARDS]
    }

    /// The node stored under `key`, if cached.
    pub(super) fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        let key: Key = key.try_into().ok()?;
        if self.generation_max == 0 {
            return None;
        }
        let mut generations = self.shard(&key).lock();
        if let Some(node) = generations.young.get(&key) {
            return Some(node.as_slice().to_vec());
        }
        let node = generations.old.remove(&key)?;
        self.insert_locked(&mut generations, key, node);
        Some(node.as_slice().to_vec())
    }

    /// Caches nodes read from or written to the store. A key that is not a hash or a value
    /// longer than a node is not cached (the store's reads check nodes, not this cache).
    pub(super) fn insert_all<'a>(&self, nodes: impl IntoIterator<Item = (&'a [u8], &'a [u8])>) {
        if self.generation_max == 0 {
            return;
        }
        for (key, value) in nodes {
            if let (Ok(key), Some(node)) = (Key::try_from(key), NodeBytes::new(value)) {
                self.insert_locked(&mut self.shard(&key).lock(), key, node);
            }
        }
    }

    /// Nodes held, both generations together.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.shards.iter().map(|shard| shard.lock()).map(|g| g.young.len() + g.old.len()).sum()
    }

    fn insert_locked(&self, generations: &mut Generations, key: Key, node: NodeBytes) {
        if generations.young.len() >= self.generation_max && !generations.young.contains_key(&key) {
            generations.old = std::mem::take(&mut generations.young);
        }
        generations.young.insert(key, node);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A key in shard 0 (as every key of these tests): bounds are per shard.
    fn key(i: u32) -> [u8; 32] {
        let mut key = [0; 32];
        key[1..5].copy_from_slice(&i.to_be_bytes());
        key
    }

    #[test]
    fn returns_what_was_inserted_and_nothing_else() {
        let cache = NodeCache::new(64 * SHARDS);
        assert_eq!(cache.get(&key(1)), None);
        let node = [7u8; NODE_BYTES_MAX];
        cache.insert_all([(&key(1)[..], &node[..]), (&key(2)[..], &b"\x00short"[..])]);
        assert_eq!(cache.get(&key(1)), Some(node.to_vec()));
        assert_eq!(cache.get(&key(2)), Some(b"\x00short".to_vec()));
        // Keys of every shard.
        for first in 0..=u8::MAX {
            cache.insert_all([(&[first; 32][..], &[first][..])]);
        }
        assert!((0..=u8::MAX).all(|first| cache.get(&[first; 32]) == Some(vec![first])));
        // Not a hash, or not a node: never cached.
        cache.insert_all([(&b"short key"[..], &b"x"[..]), (&key(3)[..], &[0u8; NODE_BYTES_MAX + 1][..])]);
        assert_eq!(cache.get(b"short key"), None);
        assert_eq!(cache.get(&key(3)), None);
        assert_eq!(cache.len(), 2 + 256);
    }

    #[test]
    fn stays_bounded_and_keeps_what_was_used_lately() {
        let cache = NodeCache::new(100 * SHARDS);
        for i in 0u32..10_000 {
            cache.insert_all([(&key(i)[..], &b"node"[..])]);
            // Key 0 is read all along: it must survive every generation change.
            assert!(cache.get(&key(0)).is_some(), "key 0 evicted at {i}");
            assert!(cache.len() <= 100, "{} entries after {i} insertions", cache.len());
        }
        assert_eq!(cache.get(&key(1)), None, "an old, unused key is evicted");
        assert!(cache.get(&key(9_999)).is_some(), "the newest key is kept");
    }

    #[test]
    fn a_cache_of_no_entries_keeps_nothing() {
        let cache = NodeCache::new(0);
        cache.insert_all([(&key(1)[..], &b"node"[..])]);
        assert_eq!(cache.get(&key(1)), None);
        assert_eq!(cache.len(), 0);
    }
}
