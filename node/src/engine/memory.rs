//! A committed chain in memory: the [`Chain`] the deterministic simulation gives each
//! engine, with the same execution and the same state tree as the node's RocksDB store.
//! A "crash" of a simulated node keeps it whole: a block commit is atomic and durable in
//! the node too.

use jcm_consensus::CommitCertificate;
use jcm_runtime::chain;
use jcm_runtime::chain::Executed;
use jcm_runtime::codec::{self, Hash32};
use jcm_runtime::protocol::{Block, Genesis, Header, Transaction, TxResult};
use jcm_runtime::state::{apply_writes, MemStore, ReadStore};
use jcm_runtime::tx::BlockContext;

use super::{Chain, CommittedBytes};
use crate::chain::ChainError;

/// A committed block as the memory chain keeps it.
#[derive(Clone, Debug)]
struct Stored {
    block: Block,
    certificate: Option<CommitCertificate>,
    results: Vec<TxResult>,
}

/// The committed chain, its state and its state tree, in memory.
#[derive(Clone, Debug)]
pub struct MemChain {
    state: MemStore,
    tree: MemStore,
    blocks: Vec<Stored>,
}

impl MemChain {
    /// A chain holding only the genesis block of `genesis`; with its header.
    pub fn new(genesis: &Genesis) -> Result<(Self, Header), String> {
        let (genesis_block, executed) = chain::genesis_block(genesis)?;
        let mut chain = Self { state: MemStore::new(), tree: MemStore::new(), blocks: Vec::new() };
        let header = genesis_block.header.clone();
        chain.write(genesis_block, None, executed);
        Ok((chain, header))
    }

    /// The last committed height.
    pub fn height(&self) -> u64 {
        self.blocks.len().saturating_sub(1) as u64
    }

    /// The committed block at `height`.
    pub fn block(&self, height: u64) -> Option<&Block> {
        self.stored(height).map(|s| &s.block)
    }

    /// The results of the committed block at `height`.
    pub fn results(&self, height: u64) -> Option<&[TxResult]> {
        self.stored(height).map(|s| s.results.as_slice())
    }

    /// The committed runtime state.
    pub fn state(&self) -> &MemStore {
        &self.state
    }

    /// The header of the last committed block.
    pub fn head(&self) -> &Header {
        &self.blocks.last().expect("a memory chain holds its genesis from the start").block.header
    }

    fn stored(&self, height: u64) -> Option<&Stored> {
        self.blocks.get(usize::try_from(height).ok()?)
    }

    fn write(&mut self, block: Block, certificate: Option<CommitCertificate>, executed: Executed) {
        apply_writes(&mut self.state, executed.state_writes);
        apply_writes(&mut self.tree, executed.tree_writes);
        self.blocks.push(Stored { block, certificate, results: executed.results });
    }
}

impl Chain for MemChain {
    fn execute(
        &self,
        parent: &Header,
        header: &Header,
        txs: &[Transaction],
        verified: &dyn Fn(&Hash32) -> bool,
    ) -> Executed {
        let ctx = BlockContext { height: header.height, time: header.time };
        chain::execute_with(&self.state, &self.tree, parent.state_root, &ctx, txs, verified)
    }

    fn certificate(&self, height: u64) -> Result<Option<CommitCertificate>, ChainError> {
        Ok(self.stored(height).and_then(|s| s.certificate.clone()))
    }

    fn committed_bytes(&self, height: u64) -> Result<Option<CommittedBytes>, ChainError> {
        Ok(self.stored(height).map(|s| {
            let commit = s.certificate.as_ref().map(codec::encode).unwrap_or_default();
            (s.block.encode(), commit)
        }))
    }

    fn commit(
        &mut self,
        block: &Block,
        certificate: &CommitCertificate,
        executed: Executed,
    ) -> Result<(), ChainError> {
        let expected = self.height() + 1;
        if block.header.height != expected {
            return Err(ChainError::Inconsistent(format!(
                "block {} committed after height {}",
                block.header.height,
                self.height()
            )));
        }
        self.write(block.clone(), Some(certificate.clone()), executed);
        Ok(())
    }

    fn with_state<R>(&self, f: impl FnOnce(&dyn ReadStore) -> R) -> R {
        f(&self.state)
    }
}
