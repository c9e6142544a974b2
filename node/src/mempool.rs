//! The mempool: transactions admitted but not yet in a block, bounded, deduplicated by
//! hash, and ordered per signer by nonce.
//!
//! A transaction is admitted only if it would be accepted by the block after the current
//! state: the cheap checks first (size, duplicate, already committed, chain, nonce,
//! bounds), then the signature, then a dry run of the rules over the state with the
//! signer's earlier pending transactions applied first. A signer's pending nonces are
//! contiguous from its state nonce, so every pending transaction can go into the next
//! block in order; a gap is refused at the door rather than parked.
//!
//! Each signer's queue keeps the state writes of its transactions applied in order (its
//! "tip"), so admitting the next one costs one rules run, not one per pending
//! transaction. After a block, [`Mempool::update`] drops what the block committed and
//! rebuilds tips over the new state: one rules run per pending transaction (no
//! signature checks: those were done at admission).
//!
//! Rebuilding every tip after every block costs as much as executing a block of the
//! pool's size, which a full pool makes the node's largest cost (a 50,000-transaction
//! pool took over a second per block). So one update re-runs at most `recheck_txs_max`
//! transactions, signers taking turns in order of arrival, and only drops what is
//! committed or stale from the other queues. A queue not re-run is rebuilt before its
//! signer's next admission (its tip is then for an older height), and at its turn. Until
//! then a proposal may take a transaction that another signer's transaction has made
//! fail: the block records it as rejected, as it records any conflict between two
//! signers' pending transactions, which admission never sees either.

use std::collections::{HashMap, VecDeque};

use jcm_runtime::codec::{self, Hash32};
use jcm_runtime::crypto::PublicKey;
use jcm_runtime::error::Code;
use jcm_runtime::limits::TX_BYTES_MAX;
use jcm_runtime::protocol::Transaction;
use jcm_runtime::state::{Layered, Overlay, ReadStore, StateExt, WriteSet};
use jcm_runtime::tx::{self, BlockContext};
use jcm_runtime::verdict::Verdict;

use crate::home::config::MempoolConfig;

/// Why a transaction was not admitted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// A rule refuses it: its verdict names every failing rule's code (bad signature,
    /// wrong chain and a used nonce are reported this way too, as the runtime would).
    #[error("the transaction breaks the rules: {0}")]
    Rejected(Verdict),
    /// The same transaction is already waiting.
    #[error("transaction {hash} is already pending")]
    Duplicate {
        /// Its hash.
        hash: Hash32,
    },
    /// The same transaction is already recorded on the chain (R1).
    #[error("transaction {hash} was already recorded at height {height}")]
    AlreadyCommitted {
        /// Its hash.
        hash: Hash32,
        /// Where.
        height: u64,
    },
    /// Another pending transaction of the signer has this nonce.
    #[error(
        "nonce {given} is taken by pending transaction {pending}; the signer's next nonce is {expected}"
    )]
    NonceTaken {
        /// The nonce given.
        given: u64,
        /// The pending transaction with that nonce.
        pending: Hash32,
        /// The next free nonce.
        expected: u64,
    },
    /// The nonce skips ahead of the signer's next nonce.
    #[error("nonce {given} given, but the signer's next nonce is {expected}: submit the missing ones first")]
    NonceGap {
        /// The next nonce, counting pending transactions.
        expected: u64,
        /// The nonce given.
        given: u64,
    },
    /// The encoded transaction is too large.
    #[error("the transaction is {bytes} bytes, the limit is {max}")]
    TooLarge {
        /// Its size.
        bytes: usize,
        /// The limit.
        max: usize,
    },
    /// The signer has too many transactions waiting.
    #[error(
        "signer {signer} already has {pending} transactions pending, the limit is {max}: wait for a block"
    )]
    SignerFull {
        /// The signer.
        signer: PublicKey,
        /// Its pending transactions.
        pending: usize,
        /// The limit.
        max: usize,
    },
    /// The pool is full.
    #[error("the mempool is full ({txs} transactions, {bytes} bytes; limits {txs_max} and {bytes_max}): retry after the next block")]
    Full {
        /// Transactions held.
        txs: usize,
        /// Bytes held.
        bytes: usize,
        /// Transaction limit.
        txs_max: usize,
        /// Byte limit.
        bytes_max: usize,
    },
}

impl Refusal {
    /// A stable machine name for the refusal.
    pub fn kind(&self) -> &'static str {
        match self {
            Refusal::Rejected(_) => "rejected",
            Refusal::Duplicate { .. } => "duplicate",
            Refusal::AlreadyCommitted { .. } => "already_committed",
            Refusal::NonceTaken { .. } => "nonce_taken",
            Refusal::NonceGap { .. } => "nonce_gap",
            Refusal::TooLarge { .. } => "too_large",
            Refusal::SignerFull { .. } => "signer_full",
            Refusal::Full { .. } => "mempool_full",
        }
    }

    /// The rule codes that refuse the transaction (empty for capacity refusals).
    pub fn codes(&self) -> Vec<Code> {
        match self {
            Refusal::Rejected(verdict) => verdict.codes(),
            Refusal::Duplicate { .. } | Refusal::AlreadyCommitted { .. } => {
                vec![Code::DuplicateTransactionId]
            }
            Refusal::NonceTaken { .. } | Refusal::NonceGap { .. } => vec![Code::BadNonce],
            Refusal::TooLarge { .. } | Refusal::SignerFull { .. } | Refusal::Full { .. } => Vec::new(),
        }
    }
}

/// One pending transaction.
#[derive(Debug)]
struct Entry {
    tx: Transaction,
    bytes: usize,
}

/// A signer's pending transactions, nonces contiguous from `first_nonce`.
#[derive(Debug)]
struct Queue {
    /// Order of arrival among signers, for fair reaping.
    arrival: u64,
    /// Nonce of `txs[0]`.
    first_nonce: u64,
    /// Hashes in nonce order.
    txs: VecDeque<Hash32>,
    /// The state writes of the block's time rules and of `txs` applied in order.
    tip: WriteSet,
    /// The height of the block context `tip` was computed for.
    checked_at: u64,
}

/// Transactions waiting for a block. See the module documentation.
pub struct Mempool {
    txs_max: usize,
    bytes_max: usize,
    txs_per_signer_max: usize,
    entries: HashMap<Hash32, Entry>,
    queues: HashMap<PublicKey, Queue>,
    bytes: usize,
    next_arrival: u64,
    /// Most transactions re-run per [`Mempool::update`].
    recheck_txs_max: usize,
    /// The arrival number of the queue whose turn to be re-run comes first.
    recheck_from: u64,
}

/// A transaction on its way to the mempool, with what admission needs of it worked out
/// once where it arrived: its canonical bytes, its id and whether its signature verifies
/// ([`Transaction::signature_valid`], the one check every path uses).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked {
    /// The transaction.
    pub tx: Transaction,
    /// Its canonical bytes (what is relayed).
    pub bytes: Vec<u8>,
    /// Its id, the hash of `bytes`.
    pub hash: Hash32,
    /// Whether its signature verifies for its signer's key.
    pub signature_valid: bool,
}

impl Checked {
    /// Encodes, hashes and checks the signature of `tx`.
    pub fn new(tx: Transaction) -> Self {
        let bytes = tx.encode();
        let hash = codec::sha256(&bytes);
        let signature_valid = tx.signature_valid();
        Self { tx, bytes, hash, signature_valid }
    }
}

fn bad_signature() -> Verdict {
    Verdict::reject(Code::BadSignature, "the signature does not verify for the signer's key")
}

impl std::fmt::Debug for Mempool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mempool")
            .field("txs", &self.entries.len())
            .field("bytes", &self.bytes)
            .field("signers", &self.queues.len())
            .field("txs_max", &self.txs_max)
            .field("bytes_max", &self.bytes_max)
            .field("txs_per_signer_max", &self.txs_per_signer_max)
            .finish()
    }
}

impl Mempool {
    /// An empty pool with `config`'s bounds.
    pub fn new(config: &MempoolConfig) -> Self {
        Self {
            txs_max: config.txs_max as usize,
            bytes_max: usize::try_from(config.bytes_max).unwrap_or(usize::MAX),
            txs_per_signer_max: config.txs_per_signer_max as usize,
            entries: HashMap::new(),
            queues: HashMap::new(),
            bytes: 0,
            next_arrival: 0,
            recheck_txs_max: (config.recheck_txs_max as usize).max(1),
            recheck_from: 0,
        }
    }

    /// Admits `tx` if it would be accepted in the block `ctx` after `state`; returns its
    /// hash. Nothing changes on a refusal. Checks the signature here; [`Mempool::admit_checked`]
    /// takes a transaction already checked where it arrived.
    pub fn admit<S: ReadStore + ?Sized>(
        &mut self,
        state: &S,
        ctx: &BlockContext,
        tx: Transaction,
    ) -> Result<Hash32, Refusal> {
        self.admit_checked(state, ctx, Checked::new(tx))
    }

    /// Admits a transaction whose encoding, hash and signature verdict were worked out
    /// where it arrived (an RPC handler, the relay thread), so the mempool's owner does
    /// none of that work again.
    pub fn admit_checked<S: ReadStore + ?Sized>(
        &mut self,
        state: &S,
        ctx: &BlockContext,
        checked: Checked,
    ) -> Result<Hash32, Refusal> {
        let Checked { tx, bytes: encoded, hash, signature_valid } = checked;
        let bytes = encoded.len();
        if bytes > TX_BYTES_MAX {
            return Err(Refusal::TooLarge { bytes, max: TX_BYTES_MAX });
        }
        if self.entries.contains_key(&hash) {
            return Err(Refusal::Duplicate { hash });
        }
        // R1: a transaction id is recorded once.
        if let Some(receipt) = state.receipt(&hash) {
            return Err(Refusal::AlreadyCommitted { hash, height: receipt.height });
        }
        let chain_id = state.meta().chain_id;
        // R2: signed for this chain.
        if tx.body.chain_id != chain_id {
            return Err(Refusal::Rejected(Verdict::reject(
                Code::WrongChain,
                format!("signed for chain `{}`, this chain is `{chain_id}`", tx.body.chain_id),
            )));
        }
        let signer = tx.body.signer;
        self.refresh_if_stale(state, ctx, &signer);
        let state_nonce = state.nonce(&signer);
        let pending = self.queues.get(&signer).map_or(0, |q| q.txs.len());
        self.check_nonce(&signer, state_nonce, tx.body.nonce)?;
        self.check_bounds(&signer, pending, bytes)?;
        // R10: the signature verifies for the signer's key.
        if !signature_valid {
            return Err(Refusal::Rejected(bad_signature()));
        }
        let writes = self.dry_run(state, ctx, &tx)?;
        self.insert(hash, tx, bytes, writes, state_nonce, ctx.height);
        Ok(hash)
    }

    /// R1: the nonce must be the signer's next one, counting pending transactions.
    fn check_nonce(&self, signer: &PublicKey, state_nonce: u64, given: u64) -> Result<(), Refusal> {
        let queue = self.queues.get(signer);
        let pending = queue.map_or(0, |q| q.txs.len() as u64);
        let expected = state_nonce.saturating_add(pending);
        if given < state_nonce {
            return Err(Refusal::Rejected(Verdict::reject(
                Code::BadNonce,
                format!("nonce {given} was already used, the signer's next nonce is {expected}"),
            )));
        }
        if given < expected {
            let queue = queue.expect("a nonce below the expected one means transactions are pending");
            let position = (given - queue.first_nonce) as usize;
            return Err(Refusal::NonceTaken { given, pending: queue.txs[position], expected });
        }
        if given > expected {
            return Err(Refusal::NonceGap { expected, given });
        }
        Ok(())
    }

    fn check_bounds(&self, signer: &PublicKey, pending: usize, bytes: usize) -> Result<(), Refusal> {
        if pending >= self.txs_per_signer_max {
            return Err(Refusal::SignerFull { signer: *signer, pending, max: self.txs_per_signer_max });
        }
        if self.entries.len() >= self.txs_max || self.bytes.saturating_add(bytes) > self.bytes_max {
            return Err(Refusal::Full {
                txs: self.entries.len(),
                bytes: self.bytes,
                txs_max: self.txs_max,
                bytes_max: self.bytes_max,
            });
        }
        Ok(())
    }

    /// Runs the rules on `tx` over the state with the signer's tip applied; returns the
    /// writes `tx` adds to the tip.
    fn dry_run<S: ReadStore + ?Sized>(
        &self,
        state: &S,
        ctx: &BlockContext,
        tx: &Transaction,
    ) -> Result<WriteSet, Refusal> {
        let empty = WriteSet::new();
        let fresh = !self.queues.contains_key(&tx.body.signer);
        let tip = self.queues.get(&tx.body.signer).map_or(&empty, |q| &q.tip);
        let layer = Layered::new(state, tip);
        let mut overlay = Overlay::new(&layer);
        if fresh {
            tx::begin_block(&mut overlay, ctx);
        }
        let verdict = tx::apply_verified(&mut overlay, ctx, tx);
        if !verdict.is_accepted() {
            return Err(Refusal::Rejected(verdict));
        }
        Ok(overlay.into_writes())
    }

    /// The verdict `tx` would get in the block `ctx` after `state` and the signer's
    /// pending transactions, without admitting it (signature checked, no bounds).
    pub fn dry_run_verdict<S: ReadStore + ?Sized>(
        &self,
        state: &S,
        ctx: &BlockContext,
        checked: &Checked,
    ) -> Verdict {
        if !checked.signature_valid {
            return bad_signature();
        }
        let tx = &checked.tx;
        let mut overlay = Overlay::new(state);
        tx::begin_block(&mut overlay, ctx);
        if let Some(queue) = self.queues.get(&tx.body.signer) {
            // Replayed rather than read from the tip: the tip may be of an older state.
            for entry in queue.txs.iter().filter_map(|h| self.entries.get(h)) {
                tx::apply_verified(&mut overlay, ctx, &entry.tx);
            }
        }
        tx::apply_verified(&mut overlay, ctx, tx)
    }

    fn insert(
        &mut self,
        hash: Hash32,
        tx: Transaction,
        bytes: usize,
        writes: WriteSet,
        nonce: u64,
        height: u64,
    ) {
        let signer = tx.body.signer;
        let arrival = self.next_arrival;
        let queue = self.queues.entry(signer).or_insert_with(|| Queue {
            arrival,
            first_nonce: nonce,
            txs: VecDeque::new(),
            tip: WriteSet::new(),
            checked_at: height,
        });
        if queue.arrival == arrival {
            self.next_arrival += 1;
        }
        queue.txs.push_back(hash);
        queue.tip.extend(writes);
        self.bytes += bytes;
        self.entries.insert(hash, Entry { tx, bytes });
        debug_assert!(self.entries.len() <= self.txs_max && self.bytes <= self.bytes_max);
    }

    /// Up to `txs_max` transactions of at most `bytes_max` bytes in all, for a proposal:
    /// each signer's in nonce order, signers taking turns in their order of arrival.
    pub fn reap(&self, txs_max: usize, bytes_max: usize) -> Vec<Transaction> {
        let mut queues: Vec<&Queue> = self.queues.values().collect();
        queues.sort_by_key(|q| q.arrival);
        let mut taken = vec![0usize; queues.len()];
        let mut open = vec![true; queues.len()];
        let mut out = Vec::new();
        let mut bytes = 0usize;
        let mut progress = true;
        while progress && out.len() < txs_max {
            progress = false;
            for (i, queue) in queues.iter().enumerate() {
                if !open[i] || out.len() >= txs_max {
                    continue;
                }
                let Some(entry) = queue.txs.get(taken[i]).and_then(|h| self.entries.get(h)) else {
                    open[i] = false;
                    continue;
                };
                // A signer's later transactions cannot go before this one: the signer is done.
                if bytes.saturating_add(entry.bytes) > bytes_max {
                    open[i] = false;
                    continue;
                }
                bytes += entry.bytes;
                taken[i] += 1;
                out.push(entry.tx.clone());
                progress = true;
            }
        }
        out
    }

    /// After a block: drops the `committed` transactions and every transaction whose
    /// nonce the state has passed, then re-runs the rules over `state` for the block `ctx`
    /// on up to `recheck_txs_max` pending transactions (whole queues, signers in turn),
    /// dropping a transaction that now fails and its signer's later ones.
    pub fn update<S: ReadStore + ?Sized>(&mut self, state: &S, ctx: &BlockContext, committed: &[Hash32]) {
        for hash in committed {
            if let Some(entry) = self.entries.remove(hash) {
                self.bytes -= entry.bytes;
            }
        }
        let mut turns: Vec<(u64, PublicKey)> = self.queues.iter().map(|(s, q)| (q.arrival, *s)).collect();
        turns.sort_unstable_by_key(|&(arrival, _)| (arrival < self.recheck_from, arrival));
        let mut rechecked = 0usize;
        for (arrival, signer) in turns {
            if rechecked < self.recheck_txs_max {
                rechecked += self.queues.get(&signer).map_or(0, |q| q.txs.len());
                self.revalidate(state, ctx, &signer);
                self.recheck_from = arrival + 1;
            } else {
                self.trim(state, ctx, &signer);
            }
        }
    }

    /// Drops a queue's committed and stale transactions from its front without re-running
    /// the rest, so it still starts at the signer's next nonce; re-runs it if it does not.
    fn trim<S: ReadStore + ?Sized>(&mut self, state: &S, ctx: &BlockContext, signer: &PublicKey) {
        let Some(queue) = self.queues.get_mut(signer) else {
            return;
        };
        let state_nonce = state.nonce(signer);
        while let Some(hash) = queue.txs.front() {
            match self.entries.get(hash) {
                Some(entry) if entry.tx.body.nonce >= state_nonce => break,
                Some(_) => {
                    let entry = self.entries.remove(hash).expect("looked up above");
                    self.bytes -= entry.bytes;
                }
                None => {}
            }
            queue.txs.pop_front();
            queue.first_nonce += 1;
        }
        let starts_right = queue.txs.front().and_then(|h| self.entries.get(h)).map(|e| e.tx.body.nonce);
        match starts_right {
            None => {
                self.queues.remove(signer);
            }
            Some(nonce) if nonce == state_nonce && queue.first_nonce == nonce => {}
            // Something other than a committed prefix went: rebuild the queue now.
            Some(_) => self.revalidate(state, ctx, signer),
        }
    }

    /// Rebuilds a signer's queue if it was checked against an older state (an admission
    /// that arrives between a commit and the driver's [`Mempool::update`]).
    fn refresh_if_stale<S: ReadStore + ?Sized>(&mut self, state: &S, ctx: &BlockContext, signer: &PublicKey) {
        if self.queues.get(signer).is_some_and(|q| q.checked_at != ctx.height) {
            self.revalidate(state, ctx, signer);
        }
    }

    /// Re-runs admission on a signer's queue over `state`, keeping the longest valid prefix.
    fn revalidate<S: ReadStore + ?Sized>(&mut self, state: &S, ctx: &BlockContext, signer: &PublicKey) {
        let Some(mut queue) = self.queues.remove(signer) else {
            return;
        };
        let state_nonce = state.nonce(signer);
        let mut overlay = Overlay::new(state);
        tx::begin_block(&mut overlay, ctx);
        let mut kept = VecDeque::with_capacity(queue.txs.len());
        let mut broken = false;
        for hash in queue.txs.drain(..) {
            let Some(entry) = self.entries.get(&hash) else {
                continue; // committed
            };
            let nonce = entry.tx.body.nonce;
            let keep = !broken && nonce >= state_nonce && {
                let expected = state_nonce + kept.len() as u64;
                nonce == expected && tx::apply_verified(&mut overlay, ctx, &entry.tx).is_accepted()
            };
            if keep {
                kept.push_back(hash);
            } else {
                // A stale nonce is simply gone; a failure also drops the successors,
                // whose nonces can no longer follow.
                broken |= nonce >= state_nonce;
                let entry = self.entries.remove(&hash).expect("looked up above");
                self.bytes -= entry.bytes;
            }
        }
        if kept.is_empty() {
            return;
        }
        queue.first_nonce = state_nonce;
        queue.txs = kept;
        queue.tip = overlay.into_writes();
        queue.checked_at = ctx.height;
        self.queues.insert(*signer, queue);
    }

    /// Whether `tx` is pending. A pending transaction's signature was found valid
    /// ([`Transaction::signature_valid`]) when it was admitted, the only way in; block
    /// execution relies on this to skip a second check ([`crate::chain::execute_with`]).
    pub fn contains(&self, tx: &Hash32) -> bool {
        self.entries.contains_key(tx)
    }

    /// The pending transaction `tx`.
    pub fn get(&self, tx: &Hash32) -> Option<&Transaction> {
        self.entries.get(tx).map(|e| &e.tx)
    }

    /// The signer's next nonce given its `state_nonce`, counting its pending transactions.
    pub fn next_nonce(&self, signer: &PublicKey, state_nonce: u64) -> u64 {
        match self.queues.get(signer) {
            Some(q) => state_nonce.max(q.first_nonce + q.txs.len() as u64),
            None => state_nonce,
        }
    }

    /// Number of pending transactions.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Bytes of the pending transactions, encoded.
    pub fn bytes(&self) -> usize {
        self.bytes
    }
}

#[cfg(test)]
mod tests;
