//! Catching up: a node behind its peers fetches committed blocks one height at a time,
//! checks each block's certificate and link, executes it, commits it, and rejoins
//! consensus at the next height, with no operator step.

use jcm_runtime::block::Block;
use jcm_runtime::codec;
use jcm_runtime::consensus::CommitCertificate;

use super::{Driver, DriverError, Internal, SYNC_REQUEST_TIMEOUT};
use crate::chain::{self, COMMIT_BYTES_MAX};
use crate::home::NodeId;
use crate::wire::{Request, Response};

impl Driver {
    /// Requests the next height from a peer that has committed it, unless a request is
    /// in flight.
    pub(super) fn maybe_fetch(&mut self) {
        if self.fetching.is_some() {
            return;
        }
        let next = self.head.height + 1;
        let Some((&peer, _)) = self.peer_heights.iter().filter(|(_, &h)| h >= next).max_by_key(|(_, &h)| h)
        else {
            return;
        };
        self.fetching = Some((peer, next));
        let net = self.net.clone();
        let internal = self.internal_tx.clone();
        let request = Request::Block { height: next }.encode();
        tokio::spawn(async move {
            let answer = net.request(peer, request, SYNC_REQUEST_TIMEOUT).await.map_err(|e| e.to_string());
            let _ = internal.send(Internal::Fetched { peer, height: next, answer });
        });
    }

    /// A peer's answer to a block request: verify, execute, commit, and ask for more.
    pub(super) fn on_fetched(
        &mut self,
        peer: NodeId,
        height: u64,
        answer: Result<Vec<u8>, String>,
    ) -> Result<(), DriverError> {
        if self.fetching == Some((peer, height)) {
            self.fetching = None;
        }
        if height != self.head.height + 1 {
            self.maybe_fetch();
            return Ok(());
        }
        match self.verify_fetched(answer) {
            Ok((block, certificate)) => {
                let db = self.shared.db.read();
                let validated = tokio::task::block_in_place(|| {
                    chain::validate(&db, &self.head, &block, &self.shared.validators)
                });
                drop(db);
                match validated {
                    Ok(executed) => {
                        tracing::info!(height, %peer, "fetched a committed block");
                        self.commit_block(block, certificate, executed)?;
                        // Rejoin consensus at once: the pause after a commit is for
                        // gathering transactions, not for a node catching up.
                        self.on_next_height(height)?;
                    }
                    Err(error) => {
                        tracing::warn!(height, %peer, %error, "a peer sent a committed block that does not check")
                    }
                }
            }
            Err(error) => {
                tracing::warn!(height, %peer, %error, "block request failed");
                // Ask another peer; this one is asked again once it announces its height.
                self.peer_heights.remove(&peer);
            }
        }
        self.maybe_fetch();
        Ok(())
    }

    fn verify_fetched(&self, answer: Result<Vec<u8>, String>) -> Result<(Block, CommitCertificate), String> {
        let bytes = answer?;
        let response = Response::decode(&bytes, jcm_runtime::block::BLOCK_BYTES_MAX + COMMIT_BYTES_MAX + 64)
            .map_err(|e| format!("undecodable answer: {e}"))?;
        let Response::Block { block, commit } = response else {
            return Err("the peer does not have the block".into());
        };
        let block = Block::decode(&block).map_err(|e| format!("block: {e}"))?;
        let certificate: CommitCertificate =
            codec::decode(&commit, COMMIT_BYTES_MAX).map_err(|e| format!("commit certificate: {e}"))?;
        if certificate.height != block.header.height || certificate.value != block.header.value_id() {
            return Err("the certificate is for another block".into());
        }
        certificate
            .verify(&self.shared.chain_id, &self.shared.validators)
            .map_err(|e| format!("certificate: {e}"))?;
        Ok((block, certificate))
    }
}
