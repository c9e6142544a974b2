//! Building this node's proposals, admitting relayed transactions, and answering peers'
//! requests for committed blocks.

use jcm_consensus::ValueId;
use jcm_runtime::block::{self, Block, Header, BLOCK_BYTES_MAX, BLOCK_TXS_MAX, PROTOCOL_VERSION};
use jcm_runtime::time::Timestamp;
use jcm_runtime::tx::{BlockContext, Transaction};

use super::{Candidate, Driver};
use crate::chain;
use crate::wire::{Request, Response};

/// The local clock, in the runtime's seconds.
pub(crate) fn now() -> Timestamp {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    Timestamp(secs)
}

/// Room left in a block for its header and last commit.
const BLOCK_OVERHEAD_BYTES: usize = 256 * 1024;

impl Driver {
    /// Builds, executes and keeps a block for `height` from the mempool; returns its id.
    pub(super) fn build_block(&mut self, height: u64) -> Option<ValueId> {
        if height != self.head.height + 1 {
            return None;
        }
        let proposer = self.validator.as_ref()?.core.config().own_key;
        let txs = self.shared.mempool.lock().reap(BLOCK_TXS_MAX, BLOCK_BYTES_MAX - BLOCK_OVERHEAD_BYTES);
        let db = self.shared.db.read();
        let last_commit = match chain::stored_commit(&db, self.head.height) {
            Ok(commit) => commit,
            Err(error) => {
                tracing::error!(%error, "cannot read the last commit certificate");
                return None;
            }
        };
        let time = Timestamp(now().0.max(self.head.time.0));
        let mut header = Header {
            chain_id: self.shared.chain_id.clone(),
            protocol_version: PROTOCOL_VERSION,
            height,
            time,
            previous_block_hash: self.head.hash(),
            proposer,
            txs_root: block::txs_root(&txs),
            results_root: block::results_root(&[]),
            state_root: self.head.state_root,
            validators_hash: block::validators_hash(&self.shared.validators),
            last_commit_hash: block::last_commit_hash(last_commit.as_ref()),
        };
        let executed = tokio::task::block_in_place(|| chain::execute(&db, &self.head, &header, &txs));
        drop(db);
        header.results_root = block::results_root(&executed.results);
        header.state_root = executed.state_root;
        let block = Block { header, txs, last_commit };
        let value = block.header.value_id();
        tracing::debug!(height, txs = block.txs.len(), "built a block to propose");
        self.staging.push(crate::wal::Record::Block(block.clone()));
        self.candidates.insert(value, Candidate { block, executed: Some(executed) });
        Some(value)
    }

    /// Admits transactions a peer relayed into the mempool (refusals are the peer's
    /// submitter's business and were answered there).
    pub(super) fn admit_relayed(&mut self, txs: Vec<Vec<u8>>) {
        let db = self.shared.db.read();
        let ctx = BlockContext { height: self.head.height + 1, time: now() };
        let mut mempool = self.shared.mempool.lock();
        for bytes in txs {
            match Transaction::decode(&bytes) {
                Ok(tx) => {
                    let _ = mempool.admit(db.state(), &ctx, tx);
                }
                Err(error) => tracing::debug!(%error, "an undecodable relayed transaction, dropped"),
            }
        }
        self.shared.metrics.set_mempool(mempool.len(), mempool.bytes());
    }

    /// Answers a peer's request.
    pub(super) fn answer(&self, bytes: &[u8]) -> Vec<u8> {
        let response = match Request::decode(bytes) {
            Ok(Request::Block { height }) => {
                let db = self.shared.db.read();
                match (db.block(height), db.commit(height)) {
                    (Ok(Some(block)), Ok(Some(commit))) if height > 0 => Response::Block { block, commit },
                    _ => Response::NotFound,
                }
            }
            Err(_) => Response::NotFound,
        };
        response.encode()
    }
}
