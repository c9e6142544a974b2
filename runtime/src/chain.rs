//! Executing blocks: the pure functions that run a block's transactions over the state
//! and update its tree, check the roots a header claims, and derive the genesis block.
//!
//! The node and the auditor's tool share everything here, so a block the node accepted
//! is re-checked by exactly the same code in `jcm audit`.

use crate::codec::Hash32;
use crate::merkle;
use crate::protocol::{
    genesis_header, results_root, Block, ChainId, Genesis, Header, LinkError, ProtocolError, Transaction,
    TxResult, ValidatorSet,
};
use crate::state::{Overlay, ReadStore, WriteSet};
use crate::tx::{self, BlockContext};

/// What executing a block's transactions produced.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Executed {
    /// One result per transaction, in block order.
    pub results: Vec<TxResult>,
    /// The state writes of the whole block.
    pub state_writes: WriteSet,
    /// The state tree's new nodes.
    pub tree_writes: WriteSet,
    /// The state root after the block.
    pub state_root: Hash32,
}

/// Executes transactions at `ctx` over `state` (left untouched: the writes are returned)
/// and updates the state tree rooted at `root` whose nodes are in `tree`, both halves of
/// the tree at once ([`merkle::apply_split`]). The block's time-driven rules run first
/// ([`tx::begin_block`]); every transaction's signature is checked
/// ([`signatures_valid`]), and a transaction whose signature fails gets the verdict
/// [`tx::apply`] gives it.
pub fn execute<S, T>(state: &S, tree: &T, root: Hash32, ctx: &BlockContext, txs: &[Transaction]) -> Executed
where
    S: ReadStore + ?Sized,
    T: ReadStore + Sync + ?Sized,
{
    execute_with(state, tree, root, ctx, txs, &|_| false)
}

/// [`execute`], told which transactions' signatures the caller already found valid with
/// [`Transaction::signature_valid`] (a node's mempool checked them at admission), so they
/// are not checked twice. A transaction id is the hash of the whole envelope, signature
/// included, so a known id means the very bytes that were checked, and the verdict is
/// the one a fresh check would give: which path checked a signature never changes
/// whether it is valid.
pub fn execute_with<S, T>(
    state: &S,
    tree: &T,
    root: Hash32,
    ctx: &BlockContext,
    txs: &[Transaction],
    verified: &dyn Fn(&Hash32) -> bool,
) -> Executed
where
    S: ReadStore + ?Sized,
    T: ReadStore + Sync + ?Sized,
{
    let ids: Vec<Hash32> = txs.iter().map(Transaction::hash).collect();
    let known: Vec<bool> = ids.iter().map(verified).collect();
    let unchecked: Vec<&Transaction> =
        txs.iter().zip(&known).filter(|(_, known)| !**known).map(|(tx, _)| tx).collect();
    let mut valid_unchecked = signatures_valid(&unchecked).into_iter();
    let mut overlay = Overlay::new(state);
    tx::begin_block(&mut overlay, ctx);
    let results = txs
        .iter()
        .zip(ids)
        .zip(known)
        .map(|((t, id), known)| {
            // `valid_unchecked` holds one answer per transaction not known, in order.
            let valid = known || valid_unchecked.next().unwrap_or(false);
            let verdict = if valid { tx::apply_verified(&mut overlay, ctx, t) } else { tx::bad_signature() };
            TxResult { tx: id, verdict }
        })
        .collect();
    let state_writes = overlay.into_writes();
    let (state_root, tree_writes) = merkle::apply_split(tree, root, &state_writes);
    Executed { results, state_writes, tree_writes, state_root }
}

/// Fewest signatures worth spreading over several threads.
const PARALLEL_SIGNATURES_MIN: usize = 64;

/// Whether each transaction's signature verifies, in order: [`Transaction::signature_valid`]
/// (one strict ed25519 verification, the rule every path uses) for each, spread over the
/// machine's cores when there are many. Every signature is checked on its own, never in
/// a batch, so the answer is the same on any machine and with any number of threads.
pub fn signatures_valid(txs: &[&Transaction]) -> Vec<bool> {
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    if threads < 2 || txs.len() < PARALLEL_SIGNATURES_MIN {
        return txs.iter().map(|tx| tx.signature_valid()).collect();
    }
    let chunk = txs.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let workers: Vec<_> = txs
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || part.iter().map(|tx| tx.signature_valid()).collect::<Vec<bool>>())
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| match worker.join() {
                Ok(valid) => valid,
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    })
}

/// Checks the execution results a header claims.
pub fn check_execution(header: &Header, executed: &Executed) -> Result<(), LinkError> {
    let results = results_root(&executed.results);
    if results != header.results_root {
        return Err(LinkError::Field {
            field: "results root",
            expected: results,
            found: header.results_root,
        });
    }
    if executed.state_root != header.state_root {
        return Err(LinkError::Field {
            field: "state root",
            expected: executed.state_root,
            found: header.state_root,
        });
    }
    Ok(())
}

/// The validator set a genesis document names.
pub fn genesis_validators(genesis: &Genesis) -> Result<ValidatorSet, ProtocolError> {
    crate::tx::gov::consensus_set(&genesis.validators)
}

/// The genesis block and the writes of the genesis state (with its tree), derived from
/// the genesis document alone.
pub fn genesis_block(genesis: &Genesis) -> Result<(Block, Executed), String> {
    let chain_id = ChainId::new(genesis.chain_id.as_str()).map_err(|e| e.to_string())?;
    let validators = genesis_validators(genesis).map_err(|e| e.to_string())?;
    let mut state = crate::state::MemStore::new();
    genesis.init_state(&mut state);
    let state_writes: WriteSet = state.range(&[], None).map(|(k, v)| (k, Some(v))).collect();
    let mut nodes = crate::state::MemStore::new();
    let state_root = merkle::apply(&mut nodes, merkle::EMPTY_ROOT, &state_writes);
    let tree_writes = nodes.range(&[], None).map(|(k, v)| (k, Some(v))).collect();
    let header = genesis_header(chain_id, genesis.genesis_time, state_root, &validators);
    let block = Block { header, txs: Vec::new(), last_commit: None };
    Ok((block, Executed { results: Vec::new(), state_writes, tree_writes, state_root }))
}
