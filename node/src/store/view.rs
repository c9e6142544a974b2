//! [`StateView`]: the runtime's [`Store`] over one column family, for reading only.
//!
//! The runtime's trait has `put` and `delete`, because the rules write through it. A
//! view is only ever lent as `&StateView` (by [`Db::state`](super::Db::state) and
//! [`Db::merkle`](super::Db::merkle)); it has no public constructor and is not `Clone`,
//! so no caller can hold the `&mut StateView` those two methods need. Writes go into an
//! [`Overlay`](jcm_runtime::state::Overlay) over the view and reach the disk only in
//! [`Db::commit_block`](super::Db::commit_block)'s batch.
//!
//! A failed read is a broken store (STYLE.md §5): the trait has no error channel, and
//! running the rules on a state that could not be read would diverge from the other
//! validators, so a read error stops the process with a message naming the column family.

use std::fmt;
use std::sync::Arc;

use jcm_runtime::state::{Entries, Store};
use rocksdb::{ColumnFamily, Direction, IteratorMode, ReadOptions, DB};

use super::cache::ReadCache;

/// A read-only [`Store`] over one column family of the node's store, with a cache of
/// its point reads ([`ReadCache`]).
pub struct StateView {
    db: Arc<DB>,
    cf: &'static str,
    cache: ReadCache,
}

impl fmt::Debug for StateView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StateView").field("cf", &self.cf).finish()
    }
}

impl StateView {
    /// A view of column family `cf`, which [`Db::open`](super::Db::open) opened, caching
    /// up to `cache_entries` point reads.
    pub(super) fn new(db: Arc<DB>, cf: &'static str, cache_entries: usize) -> Self {
        Self { db, cf, cache: ReadCache::new(cache_entries) }
    }

    /// Records what a committed batch wrote to this column family, so the cache never
    /// answers with a value older than the store's. Called by
    /// [`Db::commit_block`](super::Db::commit_block) under the store's write lock,
    /// after the batch is on disk.
    pub(super) fn committed<'a>(&self, writes: impl IntoIterator<Item = (&'a [u8], Option<&'a [u8]>)>) {
        self.cache.insert_all(writes);
    }

    /// The column family this view reads.
    pub fn column_family(&self) -> &'static str {
        self.cf
    }

    fn handle(&self) -> &ColumnFamily {
        self.db.cf_handle(self.cf).expect("Db::open opens every column family a view is made for")
    }
}

impl Store for StateView {
    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        if let Some(cached) = self.cache.get(key) {
            return cached;
        }
        match self.db.get_cf(self.handle(), key) {
            Ok(value) => {
                self.cache.insert(key, value.as_deref());
                value
            }
            Err(e) => panic!("store read failed in column family {}: {e}", self.cf),
        }
    }

    fn put(&mut self, _key: Vec<u8>, _value: Vec<u8>) {
        unreachable!("a StateView is only lent as &StateView; writes go through an Overlay")
    }

    fn delete(&mut self, _key: &[u8]) {
        unreachable!("a StateView is only lent as &StateView; writes go through an Overlay")
    }

    fn range(&self, start: &[u8], end: Option<&[u8]>) -> Entries<'_> {
        let mut options = ReadOptions::default();
        if let Some(end) = end {
            if end <= start {
                return Box::new(std::iter::empty());
            }
            options.set_iterate_upper_bound(end.to_vec());
        }
        let cf = self.cf;
        let entries = self
            .db
            .iterator_cf_opt(self.handle(), options, IteratorMode::From(start, Direction::Forward))
            .map(move |entry| match entry {
                Ok((key, value)) => (key.into_vec(), value.into_vec()),
                Err(e) => panic!("store scan failed in column family {cf}: {e}"),
            });
        Box::new(entries)
    }
}
