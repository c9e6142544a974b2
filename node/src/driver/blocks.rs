//! Building this node's proposals, admitting relayed transactions, and answering peers'
//! requests for committed blocks.

use jcm_consensus::ValueId;
use jcm_runtime::block::{self, Block, Header, BLOCK_BYTES_MAX, BLOCK_TXS_MAX, PROTOCOL_VERSION};
use jcm_runtime::time::Timestamp;
use jcm_runtime::tx::{BlockContext, Transaction};

use std::sync::mpsc::{SyncSender, TrySendError};
use std::sync::Arc;

use super::{Candidate, Driver};
use crate::chain;
use crate::shared::Shared;
use crate::wire::{Request, Response};

/// The local clock, in the runtime's seconds.
pub(crate) fn now() -> Timestamp {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    Timestamp(secs)
}

/// Batches of relayed transactions waiting for admission; beyond it a batch is dropped.
pub(super) const RELAYED_BATCHES_MAX: usize = 256;

/// Starts the thread that admits transactions peers relay into the mempool, in the order
/// they arrive (a signer's transactions arrive in nonce order and must be admitted so).
///
/// Admission runs the signature check and the rules on each transaction, as an RPC
/// submission does beside the driver; doing it on the driver's task kept consensus
/// messages waiting behind every peer's batch. Refusals are the submitter's business and
/// were answered at the node that took the transaction. The thread ends when the driver
/// (the sender) is dropped.
pub(super) fn relay_worker(shared: Arc<Shared>) -> std::io::Result<SyncSender<Vec<Vec<u8>>>> {
    let (sender, batches) = std::sync::mpsc::sync_channel::<Vec<Vec<u8>>>(RELAYED_BATCHES_MAX);
    std::thread::Builder::new().name("relay-admission".into()).spawn(move || {
        for batch in batches {
            for bytes in batch {
                let tx = match Transaction::decode(&bytes) {
                    Ok(tx) => tx,
                    Err(error) => {
                        tracing::debug!(%error, "an undecodable relayed transaction, dropped");
                        continue;
                    }
                };
                let db = shared.db.read();
                let Some(last) = db.last_committed() else { continue };
                let ctx = BlockContext { height: last.height.saturating_add(1), time: now() };
                let mut mempool = shared.mempool.lock();
                let _ = mempool.admit(db.state(), &ctx, tx);
                shared.metrics.set_mempool(mempool.len(), mempool.bytes());
            }
        }
    })?;
    Ok(sender)
}

/// Room left in a block for its header and last commit.
const BLOCK_OVERHEAD_BYTES: usize = 256 * 1024;

/// Transactions a proposer takes before it has timed any block's execution.
const BLOCK_TXS_UNMEASURED: usize = 1_000;
/// Fewest transactions a proposer takes, however slow execution was measured.
const BLOCK_TXS_FLOOR: usize = 100;
/// Blocks with fewer transactions say too little about the cost of one to be timed.
const TIMED_TXS_MIN: usize = 32;

/// How long this node takes to execute a transaction, from the blocks it built,
/// validated or fetched: an exponentially weighted mean of the wall time per
/// transaction, so it follows the machine's load and the chain's growth.
///
/// # Why a proposer needs it
///
/// Every validator executes a proposal before it prevotes for it, within the propose
/// timeout. A proposer that takes everything in its mempool (up to
/// [`BLOCK_TXS_MAX`]) can propose a block that no validator finishes in time: the round
/// fails, the next proposer (whose pool may be empty) commits a small block, and the
/// large pool's transactions wait for ever. So a proposer takes only as many
/// transactions as it can execute in a third of the propose timeout, leaving the rest of
/// it for the block's transfer and the validators' own execution. This choice is the
/// proposer's alone: it changes which transactions go into a block, never whether a
/// block is valid.
#[derive(Debug, Default)]
pub(super) struct ExecutionRate {
    secs_per_tx: Option<f64>,
}

impl ExecutionRate {
    /// Weight of the newest block in the mean.
    const WEIGHT: f64 = 0.3;

    /// Records that `txs` transactions took `elapsed` to execute.
    pub(super) fn observe(&mut self, txs: usize, elapsed: std::time::Duration) {
        if txs < TIMED_TXS_MIN {
            return;
        }
        let sample = elapsed.as_secs_f64() / txs as f64;
        self.secs_per_tx = Some(match self.secs_per_tx {
            Some(mean) => mean + Self::WEIGHT * (sample - mean),
            None => sample,
        });
    }

    /// How many transactions fit in `budget` at the measured rate, between
    /// [`BLOCK_TXS_FLOOR`] and [`BLOCK_TXS_MAX`].
    pub(super) fn txs_within(&self, budget: std::time::Duration) -> usize {
        let Some(secs_per_tx) = self.secs_per_tx.filter(|s| *s > 0.0) else {
            return BLOCK_TXS_UNMEASURED;
        };
        let fits = budget.as_secs_f64() / secs_per_tx;
        if fits >= BLOCK_TXS_MAX as f64 {
            BLOCK_TXS_MAX
        } else {
            // Truncation is the intent: a whole number of transactions that fit.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let fits = fits as usize;
            fits.max(BLOCK_TXS_FLOOR)
        }
    }
}

impl Driver {
    /// Builds, executes and keeps a block for `height` from the mempool; returns its id.
    pub(super) fn build_block(&mut self, height: u64) -> Option<ValueId> {
        if height != self.head.height + 1 {
            return None;
        }
        let proposer = self.validator.as_ref()?.core.config().own_key;
        let budget = std::time::Duration::from_millis(self.config.timeout_propose_ms) / 3;
        let txs_max = self.execution_rate.txs_within(budget);
        let txs = self.shared.mempool.lock().reap(txs_max, BLOCK_BYTES_MAX - BLOCK_OVERHEAD_BYTES);
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
        let started = std::time::Instant::now();
        // Every reaped transaction came out of the mempool, so it passed the signature
        // check at admission (the only way in): none is checked again.
        let executed =
            tokio::task::block_in_place(|| chain::execute_with(&db, &self.head, &header, &txs, &|_| true));
        self.execution_rate.observe(txs.len(), started.elapsed());
        drop(db);
        header.results_root = block::results_root(&executed.results);
        header.state_root = executed.state_root;
        let block = Block { header, txs, last_commit };
        let value = block.header.value_id();
        tracing::debug!(height, txs = block.txs.len(), txs_max, "built a block to propose");
        self.staging.push(crate::wal::Record::Block(block.clone()));
        self.candidates.insert(value, Candidate { block, executed: Some(executed) });
        Some(value)
    }

    /// The ids of those of `txs` that are in the mempool, whose signatures were checked
    /// when they were admitted ([`chain::execute_with`]).
    pub(super) fn admitted(
        &self,
        txs: &[Transaction],
    ) -> std::collections::HashSet<jcm_runtime::codec::Hash32> {
        let mempool = self.shared.mempool.lock();
        txs.iter().map(Transaction::hash).filter(|id| mempool.contains(id)).collect()
    }

    /// Hands transactions a peer relayed to the admission worker ([`relay_worker`]).
    pub(super) fn admit_relayed(&mut self, txs: Vec<Vec<u8>>) {
        match self.relayed.try_send(txs) {
            Ok(()) => {}
            // Still pending at the peer; it reaches this node in the peer's proposal.
            Err(TrySendError::Full(_)) => {
                tracing::debug!("relay admission queue full: a batch of relayed transactions is dropped");
            }
            Err(TrySendError::Disconnected(_)) => {
                tracing::error!("the relay admission thread has stopped: relayed transactions are dropped");
            }
        }
    }

    /// Answers a peer's request.    /// Answers a peer's request.
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn an_unmeasured_node_takes_a_modest_block() {
        assert_eq!(ExecutionRate::default().txs_within(Duration::from_secs(1)), BLOCK_TXS_UNMEASURED);
    }

    #[test]
    fn a_block_fits_the_budget_at_the_measured_rate() {
        let mut rate = ExecutionRate::default();
        rate.observe(1_000, Duration::from_millis(300)); // 300 µs each
        assert_eq!(rate.txs_within(Duration::from_secs(1)), 3_333);
        // Small blocks are not timed: their fixed costs would dominate.
        rate.observe(TIMED_TXS_MIN - 1, Duration::from_secs(10));
        assert_eq!(rate.txs_within(Duration::from_secs(1)), 3_333);
    }

    #[test]
    fn the_rate_follows_a_slower_machine_and_stays_within_bounds() {
        let mut rate = ExecutionRate::default();
        rate.observe(1_000, Duration::from_millis(100));
        let fast = rate.txs_within(Duration::from_secs(1));
        for _ in 0..20 {
            rate.observe(1_000, Duration::from_millis(1_000));
        }
        let slow = rate.txs_within(Duration::from_secs(1));
        assert!(slow < fast / 5, "{slow} transactions after slow blocks, {fast} before");
        assert!((1_000..1_100).contains(&slow), "converges to 1 ms each: {slow}");
        rate.observe(1_000, Duration::from_secs(1_000));
        assert_eq!(rate.txs_within(Duration::from_millis(1)), BLOCK_TXS_FLOOR);
        let mut fast = ExecutionRate::default();
        fast.observe(1_000, Duration::from_micros(1));
        assert_eq!(fast.txs_within(Duration::from_secs(3)), BLOCK_TXS_MAX);
    }
}
