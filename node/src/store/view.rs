//! [`StateView`]: the runtime's [`ReadStore`] over one column family.
//!
//! A view only reads: it implements [`ReadStore`], not the runtime's writing
//! [`Store`](jcm_runtime::state::Store), so the type system keeps every write out of it.
//! The rules write into an [`Overlay`](jcm_runtime::state::Overlay) over the view, and the
//! writes reach the disk only in [`Db::commit_block`](super::Db::commit_block)'s batch.
//!
//! A failed read is a broken store (STYLE.md §5): the trait has no error channel, and
//! running the rules on a state that could not be read would diverge from the other
//! validators, so a read error stops the process with a message naming the column family.

use std::fmt;
use std::sync::Arc;

use jcm_runtime::state::{Entries, ReadStore};
use rocksdb::{ColumnFamily, Direction, IteratorMode, ReadOptions, DB};

use super::cache::NodeCache;

/// A [`ReadStore`] over one column family of the node's store; the view of the
/// `merkle` family has a [`NodeCache`].
pub struct StateView {
    db: Arc<DB>,
    cf: &'static str,
    nodes: Option<NodeCache>,
}

impl fmt::Debug for StateView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StateView").field("cf", &self.cf).finish()
    }
}

impl StateView {
    /// A view of column family `cf`, which [`Db::open`](super::Db::open) opened.
    pub(super) fn new(db: Arc<DB>, cf: &'static str) -> Self {
        Self { db, cf, nodes: None }
    }

    /// A view of the `merkle` column family caching up to `cache_entries` nodes.
    pub(super) fn with_node_cache(db: Arc<DB>, cf: &'static str, cache_entries: usize) -> Self {
        Self { db, cf, nodes: Some(NodeCache::new(cache_entries)) }
    }

    /// Caches the tree nodes a block wrote, once its batch is on disk
    /// ([`Db::commit_block`](super::Db::commit_block)).
    pub(super) fn committed<'a>(&self, nodes: impl IntoIterator<Item = (&'a [u8], &'a [u8])>) {
        if let Some(cache) = &self.nodes {
            cache.insert_all(nodes);
        }
    }

    /// The column family this view reads.
    pub fn column_family(&self) -> &'static str {
        self.cf
    }

    fn handle(&self) -> &ColumnFamily {
        self.db.cf_handle(self.cf).expect("Db::open opens every column family a view is made for")
    }
}

impl ReadStore for StateView {
    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        let Some(cache) = &self.nodes else {
            return match self.db.get_cf(self.handle(), key) {
                Ok(value) => value,
                Err(e) => panic!("store read failed in column family {}: {e}", self.cf),
            };
        };
        if let Some(node) = cache.get(key) {
            return Some(node);
        }
        match self.db.get_cf(self.handle(), key) {
            Ok(value) => {
                if let Some(node) = &value {
                    cache.insert_all([(key, node.as_slice())]);
                }
                value
            }
            Err(e) => panic!("store read failed in column family {}: {e}", self.cf),
        }
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
