//! Catching up: a node behind its peers fetches committed blocks, checks each block's
//! certificate (against the set deciding its height) and link, executes it, commits it, and rejoins consensus at the next
//! height, with no operator step.
//!
//! Fetching runs ahead of execution: up to [`SYNC_AHEAD_MAX`] heights are requested at
//! once, spread over the peers that announced them, and a block whose certificate is
//! for it waits in order until its parent is committed. So the round trip to a peer
//! overlaps the execution of the block before, and a node far behind is bound by how
//! fast it executes, not by the network's latency. A certificate is verified when its
//! block's turn comes, since the set that decides a height is known only from the state
//! before it (validator changes, R49). One block is executed per engine
//! event, so consensus messages and requests are still served between blocks.

use std::collections::BTreeMap;

use jcm_runtime::codec;
use jcm_runtime::protocol::{Block, CommitCertificate};

use super::{Chain, Clock, Effect, Engine, EngineError, Timer};
use crate::home::NodeId;
use crate::limits::COMMIT_BYTES_MAX;
use crate::wire::Response;

/// Most heights requested or held ahead of the committed head. Blocks are at most
/// 12 MiB, so this bounds what a syncing node holds in memory to about 100 MiB.
pub(super) const SYNC_AHEAD_MAX: u64 = 8;

/// The catch-up state: requests in flight and certified blocks waiting for their parent.
#[derive(Debug, Default)]
pub(super) struct Catchup {
    /// Block requests in flight: height → the peer asked.
    in_flight: BTreeMap<u64, NodeId>,
    /// Fetched blocks with a certificate for them, waiting for their turn: height → block,
    /// certificate, and the peer that sent them.
    ready: BTreeMap<u64, (Block, CommitCertificate, NodeId)>,
}

impl Catchup {
    /// Forgets the requests to `peer` (disconnected), so their heights are asked again.
    pub(super) fn forget_peer(&mut self, peer: &NodeId) {
        self.in_flight.retain(|_, asked| asked != peer);
    }
}

impl<C: Chain, K: Clock> Engine<C, K> {
    /// Requests the heights after the head that peers have committed, up to
    /// [`SYNC_AHEAD_MAX`] ahead, each from one of the peers that announced it.
    pub(super) fn maybe_fetch(&mut self) {
        let next = self.head.height + 1;
        self.sync.in_flight.retain(|&height, _| height >= next);
        self.sync.ready.retain(|&height, _| height >= next);
        for height in next..next.saturating_add(SYNC_AHEAD_MAX) {
            if self.sync.in_flight.contains_key(&height) || self.sync.ready.contains_key(&height) {
                continue;
            }
            let holders: Vec<NodeId> =
                self.peer_heights.iter().filter(|(_, &h)| h >= height).map(|(&peer, _)| peer).collect();
            if holders.is_empty() {
                break;
            }
            // Spread consecutive heights over the peers that have them.
            let index = usize::try_from(height % holders.len() as u64).unwrap_or(0);
            let peer = holders[index];
            self.sync.in_flight.insert(height, peer);
            self.effects.push(Effect::Fetch { peer, height });
        }
    }

    /// A peer's answer to a block request: check that its certificate is for it, keep it
    /// until its parent is committed, commit the next height if it is ready, and ask for more.
    pub(super) fn on_fetched(
        &mut self,
        peer: NodeId,
        height: u64,
        answer: Result<Vec<u8>, String>,
    ) -> Result<(), EngineError> {
        if self.sync.in_flight.get(&height) == Some(&peer) {
            self.sync.in_flight.remove(&height);
        }
        if height > self.head.height {
            match self.verify_fetched(height, answer) {
                Ok((block, certificate)) => {
                    self.sync.ready.insert(height, (block, certificate, peer));
                }
                Err(error) => {
                    tracing::warn!(height, %peer, %error, "block request failed");
                    self.stop_asking(&peer);
                }
            }
        }
        self.commit_next_fetched()
    }

    /// Validates and commits the fetched block of the next height, if it is here; then
    /// asks for more, and comes back (as a new event) while the next one is waiting.
    pub(super) fn commit_next_fetched(&mut self) -> Result<(), EngineError> {
        let next = self.head.height + 1;
        if let Some((block, certificate, peer)) = self.sync.ready.remove(&next) {
            let started = self.clock.now();
            // Verified now, against the set that decides this height: the set of a later
            // height is known only once the blocks before it are committed.
            let validated = certificate
                .verify(&self.chain_id, &self.validators)
                .map_err(|e| format!("certificate: {e}"))
                .and_then(|()| self.validate(&block).map_err(|e| e.to_string()));
            self.execution_rate.observe(block.txs.len(), self.clock.now().saturating_sub(started));
            match validated {
                Ok(executed) => {
                    tracing::info!(height = next, %peer, "fetched a committed block");
                    self.commit_block(block, certificate, executed)?;
                    // Rejoin consensus at once: the pause after a commit is for
                    // gathering transactions, not for a node catching up.
                    self.on_next_height(next)?;
                }
                Err(error) => {
                    tracing::warn!(height = next, %peer, %error, "a peer sent a committed block that does not check");
                    self.stop_asking(&peer);
                }
            }
        }
        self.maybe_fetch();
        if self.sync.ready.contains_key(&(self.head.height + 1)) {
            self.set_timer(std::time::Duration::ZERO, Timer::CommitFetched);
        }
        Ok(())
    }

    /// Asks other peers for what `peer` was asked; it is asked again once it announces
    /// its height.
    fn stop_asking(&mut self, peer: &NodeId) {
        self.peer_heights.remove(peer);
        self.sync.forget_peer(peer);
    }

    fn verify_fetched(
        &self,
        height: u64,
        answer: Result<Vec<u8>, String>,
    ) -> Result<(Block, CommitCertificate), String> {
        let bytes = answer?;
        let response =
            Response::decode(&bytes, jcm_runtime::protocol::BLOCK_BYTES_MAX + COMMIT_BYTES_MAX + 64)
                .map_err(|e| format!("undecodable answer: {e}"))?;
        let Response::Block { block, commit } = response else {
            return Err("the peer does not have the block".into());
        };
        let block = Block::decode(&block).map_err(|e| format!("block: {e}"))?;
        if block.header.height != height {
            return Err(format!("asked for height {height}, the peer sent height {}", block.header.height));
        }
        let certificate: CommitCertificate =
            codec::decode(&commit, COMMIT_BYTES_MAX).map_err(|e| format!("commit certificate: {e}"))?;
        if certificate.height != block.header.height || certificate.value != block.header.value_id() {
            return Err("the certificate is for another block".into());
        }
        Ok((block, certificate))
    }
}
