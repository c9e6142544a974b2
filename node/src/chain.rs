//! The committed chain on top of the store: the genesis block, the checks a block passes
//! before it is committed, the one atomic batch per block, and the reads of committed
//! blocks, certificates and results.

use jcm_runtime::chain;
use jcm_runtime::chain::Executed;
use jcm_runtime::codec::{self, Hash32};
use jcm_runtime::events::Event;
use jcm_runtime::protocol;
use jcm_runtime::protocol::{Block, CommitCertificate, Genesis, Header, LinkError, TxResult};
use jcm_runtime::state::{keys, StateExt};
use jcm_runtime::tx::BlockContext;

use crate::index;
use crate::limits::COMMIT_BYTES_MAX;
use crate::store::{CommittedBlock, Db, StoreError};

/// Why the chain could not be opened or extended.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The genesis document cannot start a chain.
    #[error("the genesis document cannot start a chain: {0}")]
    Genesis(String),
    /// A block does not follow the chain.
    #[error("block {height} does not follow the chain: {error}")]
    Link {
        /// The block's height.
        height: u64,
        /// Why.
        error: LinkError,
    },
    /// The store's content contradicts itself or the genesis.
    #[error("the store is inconsistent: {0} (restore the data directory, or sync a fresh one)")]
    Inconsistent(String),
}

/// Commits the genesis block if the store is empty, then checks the stored chain's head:
/// its header decodes, its state root is the one recorded with it, and (a full scan)
/// the root of the stored state. Returns the head header.
pub fn open(db: &mut Db, genesis: &Genesis) -> Result<Header, ChainError> {
    let (genesis_block, executed) = chain::genesis_block(genesis).map_err(ChainError::Genesis)?;
    if db.next_height() == 0 {
        commit_unchecked(db, &genesis_block, None, executed, &[])?;
    } else {
        let stored = header(db, 0)?;
        if stored != genesis_block.header {
            return Err(ChainError::Inconsistent(format!(
                "the stored genesis header {} is not the genesis file's {}",
                stored.hash(),
                genesis_block.header.hash()
            )));
        }
    }
    let last = db.last_committed().ok_or_else(|| ChainError::Inconsistent("no committed height".into()))?;
    let head = header(db, last.height)?;
    if head.state_root != last.state_root {
        return Err(ChainError::Inconsistent(format!(
            "the head header at height {} has state root {}, the store recorded {}",
            last.height, head.state_root, last.state_root
        )));
    }
    let computed = jcm_runtime::merkle::root_of(db.state());
    if computed != head.state_root {
        return Err(ChainError::Inconsistent(format!(
            "the stored state has root {computed}, the header at height {} says {}",
            last.height, head.state_root
        )));
    }
    Ok(head)
}

/// The header at `height`.
pub fn header(db: &Db, height: u64) -> Result<Header, ChainError> {
    Ok(stored_block(db, height)?.header)
}

/// The block at `height`, decoded.
pub fn stored_block(db: &Db, height: u64) -> Result<Block, ChainError> {
    let bytes =
        db.block(height)?.ok_or_else(|| ChainError::Inconsistent(format!("no block at height {height}")))?;
    Block::decode(&bytes).map_err(|e| ChainError::Inconsistent(format!("block {height}: {e}")))
}

/// The commit certificate of `height` (none for genesis).
pub fn stored_commit(db: &Db, height: u64) -> Result<Option<CommitCertificate>, ChainError> {
    // Genesis is not decided by consensus: its commit record is empty.
    let bytes = match db.commit(height)? {
        Some(bytes) if !bytes.is_empty() => bytes,
        _ => return Ok(None),
    };
    codec::decode::<CommitCertificate>(&bytes, COMMIT_BYTES_MAX)
        .map(Some)
        .map_err(|e| ChainError::Inconsistent(format!("commit certificate {height}: {e}")))
}

/// The validator set in force at `height` (the one that decided it), from the index of
/// the heights where the set took effect; `None` for a store written before that index
/// (its chain never changed the set: the genesis set).
pub fn validators_at(db: &Db, height: u64) -> Result<Option<Vec<jcm_runtime::model::Validator>>, ChainError> {
    let entries = db.index_scan(index::VALIDATORS_PREFIX, crate::limits::VALIDATOR_SETS_INDEXED_MAX)?;
    let at = entries.into_iter().rev().find(|(key, _)| {
        key.get(1..9)
            .and_then(|b| <[u8; 8]>::try_from(b).ok())
            .is_some_and(|b| u64::from_be_bytes(b) <= height)
    });
    let Some((_, bytes)) = at else { return Ok(None) };
    codec::decode(&bytes, crate::limits::VALIDATOR_SET_BYTES_MAX).map(Some).map_err(|e| {
        ChainError::Inconsistent(format!("the validator set indexed at or before {height}: {e}"))
    })
}

/// The results of the block at `height`.
pub fn stored_results(db: &Db, height: u64) -> Result<Option<Vec<TxResult>>, ChainError> {
    let Some(bytes) = db.index_get(&index::results_key(height))? else {
        return Ok(None);
    };
    codec::decode(&bytes, protocol::BLOCK_BYTES_MAX)
        .map(Some)
        .map_err(|e| ChainError::Inconsistent(format!("results of block {height}: {e}")))
}

/// Checks that `block` follows `parent` (the committed head) and executes it over the
/// committed state, checking the results and state root its header claims, with the
/// validator sets the committed state names (R49). Touches nothing.
pub fn validate(db: &Db, parent: &Header, block: &Block) -> Result<Executed, ChainError> {
    let height = block.header.height;
    let link = |error| ChainError::Link { height, error };
    let sets = jcm_runtime::tx::gov::sets_after(db.state(), parent.height);
    protocol::check_link(parent, block, &sets.next, &sets.decided).map_err(link)?;
    let executed = execute(db, parent, &block.header, &block.txs);
    chain::check_execution(&block.header, &executed).map_err(link)?;
    Ok(executed)
}

/// Executes transactions as the block after `parent` with `header`'s height and time.
pub fn execute(
    db: &Db,
    parent: &Header,
    header: &Header,
    txs: &[jcm_runtime::protocol::Transaction],
) -> Executed {
    execute_with(db, parent, header, txs, &|_| false)
}

/// [`execute`], skipping the signature check of the transactions `verified` names.
pub fn execute_with(
    db: &Db,
    parent: &Header,
    header: &Header,
    txs: &[jcm_runtime::protocol::Transaction],
    verified: &dyn Fn(&Hash32) -> bool,
) -> Executed {
    let ctx = BlockContext { height: header.height, time: header.time };
    chain::execute_with(db.state(), db.merkle(), parent.state_root, &ctx, txs, verified)
}

/// Commits a validated block with its certificate in one atomic, fsynced batch, with
/// its indexes.
pub fn commit(
    db: &mut Db,
    block: &Block,
    certificate: &CommitCertificate,
    executed: Executed,
) -> Result<(), ChainError> {
    let events = new_events(db, &executed);
    commit_unchecked(db, block, Some(certificate), executed, &events)
}

fn commit_unchecked(
    db: &mut Db,
    block: &Block,
    certificate: Option<&CommitCertificate>,
    executed: Executed,
    events: &[Event],
) -> Result<(), ChainError> {
    let height = block.header.height;
    let mut index_writes = index::block_entries(height, &executed.results, events);
    if let Some(Some(set)) = executed.state_writes.get(keys::VALIDATORS) {
        index_writes.push((index::validators_key(height), set.clone()));
    }
    db.commit_block(CommittedBlock {
        height,
        block: block.encode(),
        commit: certificate.map(codec::encode).unwrap_or_default(),
        state_writes: executed.state_writes,
        merkle_writes: executed.tree_writes,
        index_writes,
        state_root: executed.state_root,
    })?;
    Ok(())
}

/// The events a block appended to the log: those in its writes at sequence numbers from
/// the committed head onwards.
fn new_events(db: &Db, executed: &Executed) -> Vec<Event> {
    let from = db.state().event_head().count;
    let mut events = Vec::new();
    for seq in from.. {
        match executed.state_writes.get(&keys::event(seq)) {
            Some(Some(bytes)) => match codec::decode::<Event>(bytes, protocol::BLOCK_BYTES_MAX) {
                Ok(event) => events.push(event),
                Err(_) => break,
            },
            _ => break,
        }
    }
    events
}

/// The id of the block at `height`.
pub fn block_hash(db: &Db, height: u64) -> Result<Hash32, ChainError> {
    Ok(header(db, height)?.hash())
}

/// Reads a committed transaction's location.
pub fn tx_location(db: &Db, tx: &Hash32) -> Result<Option<index::TxLocation>, ChainError> {
    let Some(bytes) = db.index_get(&index::tx_key(tx))? else {
        return Ok(None);
    };
    codec::decode(&bytes, 64)
        .map(Some)
        .map_err(|e| ChainError::Inconsistent(format!("location of transaction {tx}: {e}")))
}
