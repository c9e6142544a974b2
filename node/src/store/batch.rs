//! [`CommittedBlock`]: everything one committed block changes in the store, and the one
//! RocksDB write batch that records it.

use jcm_runtime::codec::Hash32;
use jcm_runtime::state::WriteSet;
use rocksdb::{WriteBatch, DB};

use super::history::{version_key, version_value};
use super::meta::{LastCommitted, KEY_LAST};
use super::{
    height_key, IndexEntries, CF_BLOCKS, CF_COMMITS, CF_HISTORY, CF_INDEX, CF_MERKLE, CF_META, CF_STATE,
};

/// A block the validators committed, executed, with what it changes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommittedBlock {
    /// The block's height: the store's last committed height plus one (0 for genesis).
    pub height: u64,
    /// The encoded block.
    pub block: Vec<u8>,
    /// The encoded commit certificate (2f+1 precommits); empty for genesis.
    pub commit: Vec<u8>,
    /// The block's writes to the runtime state.
    pub state_writes: WriteSet,
    /// The block's writes to the authenticated-state nodes.
    pub merkle_writes: WriteSet,
    /// The block's index entries (transactions by hash, events by unit, account, Party).
    pub index_writes: IndexEntries,
    /// The state root after the block, as its header carries it.
    pub state_root: Hash32,
}

impl CommittedBlock {
    /// The record of the block in the `meta` column family.
    pub fn last_committed(&self) -> LastCommitted {
        LastCommitted { height: self.height, state_root: self.state_root }
    }

    /// The write batch recording the block, its `last` record included.
    pub(super) fn to_batch(&self, db: &DB) -> WriteBatch {
        let cf = |name: &str| db.cf_handle(name).expect("Db::open opens every column family a batch writes");
        let mut batch = WriteBatch::default();
        let height = height_key(self.height);
        batch.put_cf(cf(CF_BLOCKS), height, &self.block);
        batch.put_cf(cf(CF_COMMITS), height, &self.commit);
        for (name, writes) in [(CF_STATE, &self.state_writes), (CF_MERKLE, &self.merkle_writes)] {
            let handle = cf(name);
            for (key, value) in writes {
                match value {
                    Some(value) => batch.put_cf(handle, key, value),
                    None => batch.delete_cf(handle, key),
                }
            }
        }
        let history = cf(CF_HISTORY);
        for (key, value) in &self.state_writes {
            batch.put_cf(history, version_key(key, self.height), version_value(value.as_deref()));
        }
        let index = cf(CF_INDEX);
        for (key, value) in &self.index_writes {
            batch.put_cf(index, key, value);
        }
        batch.put_cf(cf(CF_META), KEY_LAST, self.last_committed().to_bytes());
        batch
    }
}
