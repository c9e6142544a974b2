//! [`Db`]: opening the store, committing a block, reading blocks, commits and indexes.
//!
//! [`Db::open`] refuses a store of another format or another chain, and checks on load
//! that the `last` record agrees with the newest block and commit on disk: one write
//! batch records all three, so any disagreement means the store was damaged outside
//! RocksDB's guarantees. The state root of the last height is returned by
//! [`Db::last_committed`]; the executor compares it with the root it computes from the
//! `merkle` column family before it runs the next block.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use jcm_runtime::codec::Hash32;
use rocksdb::{
    BlockBasedOptions, Cache, ColumnFamily, ColumnFamilyDescriptor, Direction, ErrorKind, IteratorMode,
    Options, ReadOptions, WriteBatch, WriteOptions, DB,
};

use super::meta::{self, LastCommitted, KEY_FORMAT, KEY_GENESIS, KEY_LAST};
use super::{
    height_key, CommittedBlock, DbOptions, HistoryView, IndexEntries, StateAt, StateView, StoreError,
    CF_BLOCKS, CF_COMMITS, CF_INDEX, CF_MERKLE, CF_META, CF_STATE, COLUMN_FAMILIES, FORMAT_VERSION,
};

/// The node's store, open in this process (and in no other: see [`StoreError::Locked`]).
pub struct Db {
    db: Arc<DB>,
    dir: PathBuf,
    genesis_hash: Hash32,
    last: Option<LastCommitted>,
    state: StateView,
    merkle: StateView,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("dir", &self.dir)
            .field("genesis_hash", &self.genesis_hash)
            .field("last", &self.last)
            .finish_non_exhaustive()
    }
}

impl Db {
    /// Opens the store in `dir`, creating it if it does not exist.
    pub fn open(dir: impl AsRef<Path>, options: &DbOptions) -> Result<Self, StoreError> {
        let dir = dir.as_ref().to_path_buf();
        let db = Arc::new(open_rocks(&dir, options)?);
        let mut store = Self {
            state: StateView::new(Arc::clone(&db), CF_STATE),
            merkle: StateView::with_node_cache(Arc::clone(&db), CF_MERKLE, options.merkle_cache_entries),
            db,
            dir,
            genesis_hash: options.genesis_hash,
            last: None,
        };
        store.check_identity(options)?;
        store.last = store.load_last()?;
        Ok(store)
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The genesis hash the store belongs to.
    pub fn genesis_hash(&self) -> Hash32 {
        self.genesis_hash
    }

    /// The last committed height and its state root; `None` before genesis is committed.
    pub fn last_committed(&self) -> Option<LastCommitted> {
        self.last
    }

    /// The height [`Db::commit_block`] accepts next.
    pub fn next_height(&self) -> u64 {
        match self.last {
            Some(last) => last.height.checked_add(1).expect("a chain does not reach height u64::MAX"),
            None => 0,
        }
    }

    /// The runtime's state as of the last committed height.
    pub fn state(&self) -> &StateView {
        &self.state
    }

    /// The runtime's state as it was after the block at `height`; `None` above the last
    /// committed height.
    pub fn state_at(&self, height: u64) -> Option<HistoryView> {
        (height <= self.last?.height).then(|| HistoryView::new(Arc::clone(&self.db), height))
    }

    /// The runtime's state after the block at `height` (`None`: the last committed
    /// height); `None` above the last committed height or before genesis.
    pub fn state_as_of(&self, height: Option<u64>) -> Option<StateAt<'_>> {
        let last = self.last?.height;
        match height {
            None => Some(StateAt::Last(&self.state)),
            Some(h) if h == last => Some(StateAt::Last(&self.state)),
            Some(h) => Some(StateAt::Past(self.state_at(h)?)),
        }
    }

    /// The authenticated-state nodes as of the last committed height.
    pub fn merkle(&self) -> &StateView {
        &self.merkle
    }

    /// Records a committed block: one atomic write batch, fsynced before this returns.
    ///
    /// # Panics
    /// If `block.height` is not [`Db::next_height`]: the executor commits heights in order.
    ///
    /// # Errors
    /// If RocksDB fails to write. The block may or may not be on disk, and RocksDB may
    /// refuse further writes: the caller must stop the process and restart from disk.
    pub fn commit_block(&mut self, block: CommittedBlock) -> Result<(), StoreError> {
        assert_eq!(block.height, self.next_height(), "blocks are committed in height order");
        let batch = block.to_batch(&self.db);
        self.write_synced(batch, "write a committed block")?;
        let new_nodes = block.merkle_writes.iter();
        self.merkle.committed(new_nodes.filter_map(|(key, node)| Some((key.as_slice(), node.as_deref()?))));
        self.last = Some(block.last_committed());
        Ok(())
    }

    /// The encoded block at `height`.
    pub fn block(&self, height: u64) -> Result<Option<Vec<u8>>, StoreError> {
        self.read(CF_BLOCKS, &height_key(height), "read a block")
    }

    /// The encoded commit certificate of the block at `height`.
    pub fn commit(&self, height: u64) -> Result<Option<Vec<u8>>, StoreError> {
        self.read(CF_COMMITS, &height_key(height), "read a commit certificate")
    }

    /// The index entry at `key`.
    pub fn index_get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        self.read(CF_INDEX, key, "read the index")
    }

    /// Up to `entries_max` index entries whose key starts with `prefix`, ascending.
    pub fn index_scan(&self, prefix: &[u8], entries_max: usize) -> Result<IndexEntries, StoreError> {
        let mut options = ReadOptions::default();
        if let Some(end) = jcm_runtime::state::prefix_end(prefix) {
            options.set_iterate_upper_bound(end);
        }
        let mode = IteratorMode::From(prefix, Direction::Forward);
        self.db
            .iterator_cf_opt(self.cf(CF_INDEX), options, mode)
            .take(entries_max)
            .map(|entry| {
                let (key, value) = entry.map_err(|e| self.rocks_error("scan the index", e))?;
                Ok((key.into_vec(), value.into_vec()))
            })
            .collect()
    }

    fn cf(&self, name: &str) -> &ColumnFamily {
        self.db.cf_handle(name).expect("Db::open opens every column family of COLUMN_FAMILIES")
    }

    fn read(&self, cf: &str, key: &[u8], action: &'static str) -> Result<Option<Vec<u8>>, StoreError> {
        self.db.get_cf(self.cf(cf), key).map_err(|e| self.rocks_error(action, e))
    }

    fn write_synced(&self, batch: WriteBatch, action: &'static str) -> Result<(), StoreError> {
        let mut options = WriteOptions::default();
        options.set_sync(true);
        self.db.write_opt(batch, &options).map_err(|e| self.rocks_error(action, e))
    }

    fn rocks_error(&self, action: &'static str, source: rocksdb::Error) -> StoreError {
        StoreError::Rocks { action, dir: self.dir.clone(), source }
    }

    fn corrupt(&self, what: String) -> StoreError {
        StoreError::Corrupt { dir: self.dir.clone(), what }
    }

    /// Checks the format version and genesis hash, recording them in a new store.
    fn check_identity(&self, options: &DbOptions) -> Result<(), StoreError> {
        let format = self.read(CF_META, KEY_FORMAT, "read the format version")?;
        let genesis = self.read(CF_META, KEY_GENESIS, "read the genesis hash")?;
        match (format, genesis) {
            (None, None) => self.initialize(options),
            (Some(format), Some(genesis)) => {
                let stored = meta::decode_format(&format)
                    .ok_or_else(|| self.corrupt(format!("format record of {} bytes", format.len())))?;
                if stored != FORMAT_VERSION {
                    return Err(StoreError::FormatMismatch {
                        dir: self.dir.clone(),
                        stored,
                        expected: FORMAT_VERSION,
                    });
                }
                let stored = meta::decode_genesis(&genesis)
                    .ok_or_else(|| self.corrupt(format!("genesis record of {} bytes", genesis.len())))?;
                if stored != options.genesis_hash {
                    return Err(StoreError::GenesisMismatch {
                        dir: self.dir.clone(),
                        stored,
                        expected: options.genesis_hash,
                    });
                }
                Ok(())
            }
            _ => Err(self.corrupt("only one of the format and genesis records is present".into())),
        }
    }

    /// Records format and genesis in a store that holds nothing yet.
    fn initialize(&self, options: &DbOptions) -> Result<(), StoreError> {
        let meta = self.cf(CF_META);
        if self.read(CF_META, KEY_LAST, "read the last committed height")?.is_some() {
            return Err(self.corrupt("blocks are recorded, but no genesis hash".into()));
        }
        let mut batch = WriteBatch::default();
        batch.put_cf(meta, KEY_FORMAT, FORMAT_VERSION.to_be_bytes());
        batch.put_cf(meta, KEY_GENESIS, options.genesis_hash.0);
        self.write_synced(batch, "record the format version and genesis hash")
    }

    /// Reads the `last` record and checks it against the newest block and commit.
    fn load_last(&self) -> Result<Option<LastCommitted>, StoreError> {
        let last = match self.read(CF_META, KEY_LAST, "read the last committed height")? {
            Some(bytes) => Some(
                LastCommitted::from_bytes(&bytes)
                    .ok_or_else(|| self.corrupt(format!("last-committed record of {} bytes", bytes.len())))?,
            ),
            None => None,
        };
        let expected = last.map(|last| last.height);
        for cf in [CF_BLOCKS, CF_COMMITS] {
            let newest = self.newest_height(cf)?;
            if newest != expected {
                return Err(self.corrupt(format!(
                    "the last committed height is {expected:?}, but the newest entry of \
                     column family {cf} is at height {newest:?}"
                )));
            }
        }
        Ok(last)
    }

    /// The highest height with an entry in `cf` (`blocks` or `commits`).
    fn newest_height(&self, cf: &str) -> Result<Option<u64>, StoreError> {
        let Some(entry) = self.db.iterator_cf(self.cf(cf), IteratorMode::End).next() else {
            return Ok(None);
        };
        let (key, _) = entry.map_err(|e| self.rocks_error("scan for the newest height", e))?;
        let height: [u8; 8] = key
            .as_ref()
            .try_into()
            .map_err(|_| self.corrupt(format!("a key of {} bytes in {cf}", key.len())))?;
        Ok(Some(u64::from_be_bytes(height)))
    }
}

/// Opens RocksDB with every column family, telling a held lock from other failures.
fn open_rocks(dir: &Path, options: &DbOptions) -> Result<DB, StoreError> {
    let rocks_error = |action, source| StoreError::Rocks { action, dir: dir.to_path_buf(), source };
    std::fs::create_dir_all(dir)
        .map_err(|source| StoreError::CreateDir { dir: dir.to_path_buf(), source })?;
    let mut db_options = Options::default();
    db_options.create_if_missing(true);
    db_options.create_missing_column_families(true);
    db_options.set_keep_log_file_num(options.info_log_files_max);
    db_options.set_max_log_file_size(options.info_log_file_bytes_max);
    let cache = Cache::new_lru_cache(options.block_cache_bytes);
    let families =
        COLUMN_FAMILIES.iter().map(|name| ColumnFamilyDescriptor::new(*name, family_options(name, &cache)));
    DB::open_cf_descriptors(&db_options, dir, families).map_err(|e| {
        if is_lock_held(&e) {
            StoreError::Locked { dir: dir.to_path_buf() }
        } else {
            rocks_error("open the store", e)
        }
    })
}

/// The options of one column family. The `state` and `merkle` families are read by
/// point lookups of random keys during every block's execution (tree nodes are keyed by
/// hash): Bloom filters in their tables and memtables let a lookup skip the memtable and
/// every file that cannot hold the key, instead of searching each; their blocks share
/// one LRU cache. Filters change only the tables' metadata, not the data's format.
fn family_options(name: &str, cache: &Cache) -> Options {
    let mut options = Options::default();
    if name == CF_STATE || name == CF_MERKLE {
        let mut table = BlockBasedOptions::default();
        table.set_bloom_filter(10.0, false);
        table.set_whole_key_filtering(true);
        table.set_block_cache(cache);
        options.set_block_based_table_factory(&table);
        options.set_memtable_prefix_bloom_ratio(0.1);
        options.set_memtable_whole_key_filtering(true);
    }
    options
}

/// Whether RocksDB failed to open because another opener holds its `LOCK` file. RocksDB
/// reports this only as an I/O error whose message names the file.
fn is_lock_held(error: &rocksdb::Error) -> bool {
    error.kind() == ErrorKind::IOError && error.to_string().contains("/LOCK")
}
