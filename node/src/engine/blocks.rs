//! Building this node's proposals, admitting transactions into the mempool (the
//! engine's API requests and peers' relays), and answering peers' requests for committed
//! blocks.

use jcm_consensus::ValueId;
use jcm_runtime::codec::Hash32;
use jcm_runtime::protocol;
use jcm_runtime::protocol::{Block, Header, BLOCK_BYTES_MAX, BLOCK_TXS_MAX, PROTOCOL_VERSION};
use jcm_runtime::time::Timestamp;
use jcm_runtime::tx::BlockContext;

use super::{Candidate, Chain, Clock, Engine, Reply, Request};
use crate::limits::{BLOCK_OVERHEAD_BYTES, BLOCK_TXS_FLOOR, BLOCK_TXS_UNMEASURED, TIMED_TXS_MIN};
use crate::mempool::{Checked, Refusal};
use crate::wire::{Request as PeerRequest, Response};

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

impl<C: Chain, K: Clock> Engine<C, K> {
    /// Builds, executes and keeps a block for `height` from the mempool; returns its id.
    pub(super) fn build_block(&mut self, height: u64) -> Option<ValueId> {
        if height != self.head.height + 1 {
            return None;
        }
        let proposer = self.core.as_ref()?.config().own_key;
        let budget = std::time::Duration::from_millis(self.config.timeout_propose_ms) / 3;
        let txs_max = self.execution_rate.txs_within(budget);
        let txs = self.mempool.reap(txs_max, BLOCK_BYTES_MAX - BLOCK_OVERHEAD_BYTES);
        let last_commit = match self.chain.certificate(self.head.height) {
            Ok(commit) => commit,
            Err(error) => {
                tracing::error!(%error, "cannot read the last commit certificate");
                return None;
            }
        };
        let time = Timestamp(self.clock.timestamp().0.max(self.head.time.0));
        let mut header = Header {
            chain_id: self.chain_id.clone(),
            protocol_version: PROTOCOL_VERSION,
            height,
            time,
            previous_block_hash: self.head.hash(),
            proposer,
            txs_root: protocol::txs_root(&txs),
            results_root: protocol::results_root(&[]),
            state_root: self.head.state_root,
            validators_hash: protocol::validators_hash(&self.validators),
            last_commit_hash: protocol::last_commit_hash(last_commit.as_ref()),
        };
        let started = self.clock.now();
        // Every reaped transaction came out of the mempool, so it passed the signature
        // check at admission (the only way in): none is checked again.
        let executed = self.chain.execute(&self.head, &header, &txs, &|_| true);
        self.execution_rate.observe(txs.len(), self.clock.now().saturating_sub(started));
        header.results_root = protocol::results_root(&executed.results);
        header.state_root = executed.state_root;
        let block = Block { header, txs, last_commit };
        let value = block.header.value_id();
        tracing::debug!(height, txs = block.txs.len(), txs_max, "built a block to propose");
        self.staging.push(crate::wal::Record::Block(block.clone()));
        self.candidates.insert(value, Candidate { block, executed: Some(executed) });
        Some(value)
    }

    /// Admits transactions a peer relayed. Refusals are the submitter's business and were
    /// answered at the node that took the transaction.
    pub(super) fn admit_relayed(&mut self, txs: Vec<Checked>) {
        let ctx = self.next_block();
        for checked in txs {
            let _ = self.admit(&ctx, checked);
        }
    }

    /// Admits a checked transaction into the mempool. Admission refuses a bad signature,
    /// so an admitted transaction's id is known to be correctly signed and block
    /// validation does not check it again.
    pub(super) fn admit(&mut self, ctx: &BlockContext, checked: Checked) -> Result<Hash32, Refusal> {
        let mempool = &mut self.mempool;
        let admitted = self.chain.with_state(|state| mempool.admit_checked(state, ctx, checked));
        if let Ok(id) = admitted {
            self.verified.insert(id);
        }
        admitted
    }

    /// Answers an API request.
    pub(super) fn on_request(&mut self, request: Request) -> Reply {
        let ctx = self.next_block();
        match request {
            Request::Submit(checked) => {
                let bytes = checked.bytes.clone();
                let admitted = self.admit(&ctx, *checked);
                if admitted.is_ok() {
                    self.relay.push(bytes);
                }
                Reply::Submitted(admitted)
            }
            Request::DryRun(checked) => {
                let mempool = &self.mempool;
                let verdict = self.chain.with_state(|state| mempool.dry_run_verdict(state, &ctx, &checked));
                Reply::DryRun { verdict, height: ctx.height }
            }
            Request::Pending(id) => Reply::Pending(self.mempool.get(&id).cloned().map(Box::new)),
            Request::NextNonce(signer) => {
                let state = self.chain.with_state(|s| jcm_runtime::state::StateExt::nonce(s, &signer));
                Reply::NextNonce { state, next: self.mempool.next_nonce(&signer, state) }
            }
        }
    }
}

/// Answers a peer's request for a committed block from `chain`.
pub(super) fn answer(chain: &impl Chain, bytes: &[u8]) -> Vec<u8> {
    let response = match PeerRequest::decode(bytes) {
        Ok(PeerRequest::Block { height }) if height > 0 => match chain.committed_bytes(height) {
            Ok(Some((block, commit))) => Response::Block { block, commit },
            _ => Response::NotFound,
        },
        Ok(PeerRequest::Block { .. }) | Err(_) => Response::NotFound,
    };
    response.encode()
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
