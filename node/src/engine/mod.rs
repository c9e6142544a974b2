//! The consensus engine: the node's whole consensus behaviour as a pure state machine.
//! It owns the consensus core, the sign guard, the mempool and the blocks in flight; it
//! takes [`Event`]s (a peer's message, a timer, an API request, a fetched block) and
//! returns [`Effect`]s (persist these records, send this, set a timer, fetch a block,
//! reply) in the order they must be carried out. It does no I/O of its own: the committed
//! chain and the clock come in through the narrow traits [`Chain`] and [`Clock`].
//!
//! The node's tokio actor ([`crate::actor`]) carries the effects out over RocksDB, libp2p
//! and the write-ahead file; the deterministic simulation (`tests/tests/sim`) carries them
//! out over memory, a simulated disk and a simulated network, so it tests this very code.
//!
//! **Order.** Every event is handled to the end before the next one. All the records an
//! event makes the node write (core state, sign-guard marks, messages signed or
//! accepted, valid blocks, a decision) form one [`Effect::Persist`], ahead of every
//! message the event sends, so nothing this node signs leaves before its mark is durable.
//! A decided block is written to the [`Chain`] within the event; the write-ahead record
//! then restarts ([`Effect::RestartWal`]) with only the guard's mark.
//!
//! **Validator sets.** The set that decides each height comes from the chain: after
//! every commit the engine reads, from the new state, the set that decides the next
//! height (governance changes, R49, take effect at a stated height), and keeps the set
//! that decided the head, against which the next block's last commit is verified. The
//! proposer of a round is computed from that set when its proposal arrives, so no
//! schedule kept beside the set can lag it. A node whose validator key is not in the set that
//! decides the next height is an observer: it runs no core, and follows the chain by
//! fetching committed blocks only; it becomes a validator at the height its key joins
//! the set, and an observer again at the height it leaves. Its sign guard outlives both,
//! so nothing it signed before is signed differently after.

mod blocks;
mod consensus;
mod io;
mod memory;
mod sync;

pub use io::{
    Chain, Clock, Committed, CommittedBytes, Effect, Event, Progress, Reply, Request, SystemClock, Timer,
};
pub use memory::MemChain;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use jcm_consensus::{
    ChainId, Config, Core, GuardStore, KeySigner, SignError, SignGuard, SignRecord, Signature, SignedVote,
    TimeoutRule, Timeouts, ValidatorSet, ValueId, VoteKind,
};
use jcm_runtime::chain::Executed;
use jcm_runtime::codec::Hash32;
use jcm_runtime::protocol::{Block, Header};
use jcm_runtime::tx::BlockContext;
use parking_lot::Mutex;

use crate::chain::ChainError;
use crate::home::config::{ConsensusConfig, MempoolConfig};
use crate::home::NodeId;
use crate::limits::{BLOCK_TIME_AHEAD_MAX_SECS, FUTURE_MSGS_MAX};
use crate::mempool::Mempool;
use crate::wal::Record;
use crate::wire::Message;

/// Why the engine stopped. Any of these stops the node: a validator that cannot write
/// its store must not go on voting.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The chain or store failed.
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// A block this node decided does not execute to the state root it validated, or
    /// the sign guard failed.
    #[error("{0}")]
    Fatal(String),
    /// The chain requires, from `height` on, a protocol version this release does not run
    /// (a governance upgrade plan, R51). Everything before `height` is committed.
    #[error(
        "protocol upgrade: from height {height} the chain requires protocol version {needed}, and this \
         release of jcm-node runs version {}; the validators' governance planned it (`jcm gov list`). \
         Install a release that supports version {needed} and start the node again: it resumes at height \
         {height}",
        jcm_runtime::protocol::PROTOCOL_VERSION
    )]
    Upgrade {
        /// The first height the release cannot execute.
        height: u64,
        /// The protocol version required from there.
        needed: u32,
    },
    /// The block decided at `height` would break a ledger invariant (R41); it was not
    /// committed.
    #[error(
        "R41: the block decided at height {height} breaks a ledger invariant (A6-8001), so this node \
         stopped before committing it: {}. Nothing of it was written; compare this node's release \
         with the other validators' and report the block",
        violations.join("; ")
    )]
    Invariant {
        /// The height of the block.
        height: u64,
        /// Each violation, naming its invariant.
        violations: Vec<String>,
    },
}

/// The guard's store: marks go into the batch being assembled, persisted before anything
/// is sent, so a mark is durable before its signature leaves the node.
#[derive(Clone, Debug, Default)]
struct Staging(Arc<Mutex<Vec<Record>>>);

impl Staging {
    fn push(&self, record: Record) {
        self.0.lock().push(record);
    }

    fn take(&self) -> Vec<Record> {
        std::mem::take(&mut *self.0.lock())
    }
}

impl GuardStore for Staging {
    fn persist(&mut self, record: &SignRecord) -> Result<(), SignError> {
        self.push(Record::Mark(*record));
        Ok(())
    }
}

/// A block seen at the current height, and what validating it gave.
#[derive(Debug)]
struct Candidate {
    block: Block,
    /// `Some` when the block is valid: its execution, ready to commit.
    executed: Option<Executed>,
}

/// Transaction ids whose signatures this node checked (at admission), so block
/// validation does not check them again. Independent of what stays in the mempool: a
/// transaction evicted or re-checked away is still known to be correctly signed.
#[derive(Debug)]
struct Verified {
    ids: HashSet<Hash32>,
    max: usize,
}

impl Verified {
    fn insert(&mut self, id: Hash32) {
        // Only an optimisation: when full, forget everything rather than track ages.
        if self.ids.len() >= self.max {
            self.ids.clear();
        }
        self.ids.insert(id);
    }
}

/// What the engine needs to start.
#[derive(Debug)]
pub struct EngineParts<C, K> {
    /// The committed chain.
    pub chain: C,
    /// The clock.
    pub clock: K,
    /// The chain id.
    pub chain_id: ChainId,
    /// The validator key's seed.
    pub validator_secret: [u8; 32],
    /// Consensus settings.
    pub consensus: ConsensusConfig,
    /// Mempool bounds.
    pub mempool: MempoolConfig,
    /// The committed head.
    pub head: Header,
    /// The records of the write-ahead record, as recovered.
    pub records: Vec<Record>,
}

/// The engine.
#[derive(Debug)]
pub struct Engine<C, K> {
    chain: C,
    clock: K,
    chain_id: ChainId,
    /// The set that decides the height after the head.
    validators: ValidatorSet,
    /// The set that decided the head: the next block's last commit verifies against it.
    parent_validators: ValidatorSet,
    staging: Staging,
    /// The consensus core: absent on an observer (its key is not in `validators`).
    core: Option<Core>,
    /// The validator key as a transaction signer: it signs evidence reports (R52).
    reporter: jcm_runtime::crypto::SecretKey,
    /// Evidence this node reported (bounded: forgotten when full).
    evidence_reported: HashSet<Hash32>,
    /// The validator key behind its guard; kept on an observer, so a key that leaves the
    /// set and joins it again keeps its marks.
    guard: SignGuard<KeySigner, Staging>,
    config: ConsensusConfig,
    mempool: Mempool,
    verified: Verified,
    /// The last committed header.
    head: Header,
    /// The first proposal seen for each round of the height being decided (double
    /// proposals are evidence, R52).
    proposals_seen: HashMap<u32, jcm_consensus::SignedProposal>,
    /// Blocks seen at the height being decided, by id.
    candidates: HashMap<ValueId, Candidate>,
    /// Own signed messages of the current height, re-sent by gossip.
    own: Vec<Message>,
    /// Signatures of consensus messages the core accepted at the current height.
    seen: HashSet<Signature>,
    /// Peers' votes the core accepted at the current height: gossip relays the prevotes
    /// of the polka behind this node's valid value, so that a peer that missed some of
    /// them (their signer may have crashed since) can still accept its re-proposal.
    accepted: Vec<SignedVote>,
    /// Messages of the next height, replayed when the node gets there.
    future: Vec<(NodeId, Message)>,
    /// The committed height each peer announced.
    peer_heights: BTreeMap<NodeId, u64>,
    /// Connected peers.
    connected: BTreeSet<NodeId>,
    /// Block requests in flight and fetched blocks waiting for their parent.
    sync: sync::Catchup,
    /// How long this node takes to execute a transaction (sizes its proposals).
    execution_rate: blocks::ExecutionRate,
    /// Transactions admitted by the API, relayed on [`Event::FlushRelay`].
    relay: Vec<Vec<u8>>,
    /// When the last block was committed, by the clock.
    last_commit_at: Duration,
    ticks: u64,
    /// Effects of the event being handled.
    effects: Vec<Effect>,
    /// The status last reported (none yet at start).
    reported: Option<Progress>,
}

impl<C: Chain, K: Clock> Engine<C, K> {
    /// An engine resumed from the chain's head and the write-ahead record, with the
    /// effects of resuming (re-sent messages, timers, a restarted record).
    pub fn new(parts: EngineParts<C, K>) -> Result<(Self, Vec<Effect>), EngineError> {
        let EngineParts { chain, clock, chain_id, validator_secret, consensus, mempool, head, records } =
            parts;
        let last_commit_at = clock.now();
        let sets = chain.with_state(|state| jcm_runtime::tx::gov::sets_after(state, head.height));
        let staging = Staging::default();
        let mark = records.iter().rev().find_map(|r| match r {
            Record::Mark(mark) => Some(*mark),
            _ => None,
        });
        let mut engine = Self {
            chain,
            clock,
            chain_id,
            validators: sets.next,
            parent_validators: sets.decided,
            guard: SignGuard::new(KeySigner::from_secret(&validator_secret), staging.clone(), mark),
            reporter: jcm_runtime::crypto::SecretKey::from_seed(validator_secret),
            evidence_reported: HashSet::new(),
            staging,
            core: None,
            config: consensus,
            verified: Verified {
                ids: HashSet::new(),
                max: (mempool.txs_max as usize).saturating_mul(2).max(1),
            },
            mempool: Mempool::new(&mempool),
            head,
            candidates: HashMap::new(),
            proposals_seen: HashMap::new(),
            own: Vec::new(),
            seen: HashSet::new(),
            accepted: Vec::new(),
            future: Vec::new(),
            peer_heights: BTreeMap::new(),
            connected: BTreeSet::new(),
            sync: sync::Catchup::default(),
            execution_rate: blocks::ExecutionRate::default(),
            relay: Vec::new(),
            last_commit_at,
            ticks: 0,
            effects: Vec::new(),
            reported: None,
        };
        engine.check_protocol(engine.head.height + 1)?;
        engine.resume(records)?;
        let effects = engine.finish();
        Ok((engine, effects))
    }

    /// Handles one event to the end; returns what to do, in order.
    pub fn handle(&mut self, event: Event) -> Result<Vec<Effect>, EngineError> {
        let outcome = self.dispatch(event);
        let effects = self.finish();
        outcome.map(|()| effects)
    }

    fn dispatch(&mut self, event: Event) -> Result<(), EngineError> {
        match event {
            Event::Connected(peer) => {
                tracing::info!(%peer, "peer connected");
                self.connected.insert(peer);
                self.send(peer, Message::Status { height: self.head.height });
                for message in self.own.clone() {
                    self.send(peer, message);
                }
                Ok(())
            }
            Event::Disconnected(peer) => {
                tracing::info!(%peer, "peer disconnected");
                self.connected.remove(&peer);
                self.peer_heights.remove(&peer);
                self.sync.forget_peer(&peer);
                Ok(())
            }
            Event::Message { from, message } => self.on_message(from, message),
            Event::Timer(Timer::Consensus(timeout)) => self.on_timeout(timeout),
            Event::Timer(Timer::NextHeight(height)) => self.on_next_height(height),
            Event::Timer(Timer::CommitFetched) => self.commit_next_fetched(),
            Event::Gossip => {
                self.on_gossip();
                Ok(())
            }
            Event::Fetched { peer, height, answer } => self.on_fetched(peer, height, answer),
            Event::Relayed(txs) => {
                self.admit_relayed(txs);
                Ok(())
            }
            Event::Rpc(request) => {
                let reply = self.on_request(request);
                self.effects.push(Effect::Reply(reply));
                Ok(())
            }
            Event::FlushRelay => {
                self.flush_relay();
                Ok(())
            }
        }
    }

    /// The effects of the event just handled, with the status if it changed.
    fn finish(&mut self) -> Vec<Effect> {
        let progress = self.progress();
        if self.reported.as_ref() != Some(&progress) {
            self.reported = Some(progress.clone());
            self.effects.push(Effect::Progress(progress));
        }
        std::mem::take(&mut self.effects)
    }

    /// Answers a peer's request for a committed block. Reads only.
    pub fn answer(&self, bytes: &[u8]) -> Vec<u8> {
        blocks::answer(&self.chain, bytes)
    }

    /// The last committed header.
    pub fn head(&self) -> &Header {
        &self.head
    }

    /// The mempool (read-only: the engine is its one owner).
    pub fn mempool(&self) -> &Mempool {
        &self.mempool
    }

    /// The committed chain.
    pub fn chain(&self) -> &C {
        &self.chain
    }

    /// The committed chain, the engine gone (a node that stops keeps its store).
    pub fn into_chain(self) -> C {
        self.chain
    }

    /// The node's live status now.
    pub fn progress(&self) -> Progress {
        let best_known_height = self.peer_heights.values().copied().max().unwrap_or(0);
        let heard = self.ticks > 0 || !self.connected.is_empty();
        Progress {
            height: self.head.height,
            round: self.core.as_ref().and_then(Core::state).map_or(0, |s| s.round),
            peers: self.connected.iter().copied().collect(),
            best_known_height,
            mempool: (self.mempool.len(), self.mempool.bytes()),
            validating: self.core.is_some(),
            ready: heard && best_known_height <= self.head.height + 1,
        }
    }

    fn send(&mut self, to: NodeId, message: Message) {
        self.effects.push(Effect::Send { to, message });
    }

    fn broadcast(&mut self, message: Message) {
        self.effects.push(Effect::Broadcast(message));
    }

    fn set_timer(&mut self, after: Duration, timer: Timer) {
        self.effects.push(Effect::SetTimer { after, timer });
    }

    fn on_message(&mut self, from: NodeId, message: Message) -> Result<(), EngineError> {
        match message {
            Message::Status { height } => {
                self.peer_heights.insert(from, height);
                self.maybe_fetch();
                Ok(())
            }
            Message::Txs(txs) => {
                // The node's actor hands relayed transactions to a thread of their own
                // and delivers them checked ([`Event::Relayed`]); checked here otherwise.
                let checked = txs
                    .into_iter()
                    .filter_map(|bytes| jcm_runtime::protocol::Transaction::decode(&bytes).ok())
                    .map(crate::mempool::Checked::new)
                    .collect();
                self.admit_relayed(checked);
                Ok(())
            }
            Message::Proposal { .. } | Message::Vote(_) => self.on_consensus_message(from, message),
        }
    }

    fn on_gossip(&mut self) {
        self.ticks += 1;
        self.broadcast(Message::Status { height: self.head.height });
        for message in self.own.clone() {
            // A proposal carries its block: re-send it less often than votes.
            if matches!(message, Message::Proposal { .. }) && self.ticks % 3 != 0 {
                continue;
            }
            self.broadcast(message);
        }
        for vote in self.polka_of_valid_value() {
            self.broadcast(Message::Vote(vote));
        }
        self.maybe_fetch();
    }

    /// The peers' prevotes, accepted at this height, for this node's valid value in its
    /// valid round (the paper's gossip assumption: what a correct node received reaches
    /// every correct node).
    fn polka_of_valid_value(&self) -> Vec<SignedVote> {
        let valid = self.core.as_ref().and_then(Core::state).and_then(|s| s.valid);
        let Some(valid) = valid else { return Vec::new() };
        self.accepted
            .iter()
            .filter(|v| {
                v.vote.kind == VoteKind::Prevote
                    && v.vote.round == valid.round
                    && v.vote.value == Some(valid.value)
            })
            .cloned()
            .collect()
    }

    fn flush_relay(&mut self) {
        while !self.relay.is_empty() {
            let take = self.relay.len().min(crate::limits::RELAY_TXS_MAX);
            let batch: Vec<Vec<u8>> = self.relay.drain(..take).collect();
            self.broadcast(Message::Txs(batch));
        }
    }

    /// The context of the block after the head, by this node's clock.
    fn next_block(&self) -> BlockContext {
        BlockContext { height: self.head.height.saturating_add(1), time: self.clock.timestamp() }
    }

    /// The consensus configuration for the core.
    fn core_config(&self, own_key: jcm_consensus::ValidatorKey) -> Config {
        let c = &self.config;
        let rule = |base_ms, per_round_ms| TimeoutRule { base_ms, per_round_ms };
        Config {
            chain_id: self.chain_id.clone(),
            own_key,
            timeouts: Timeouts {
                propose: rule(c.timeout_propose_ms, c.timeout_propose_delta_ms),
                prevote: rule(c.timeout_prevote_ms, c.timeout_prevote_delta_ms),
                precommit: rule(c.timeout_precommit_ms, c.timeout_precommit_delta_ms),
            },
        }
    }
}

/// Largest message taken from a peer: a block and its proposal.
pub fn message_bytes_max() -> usize {
    jcm_runtime::protocol::BLOCK_BYTES_MAX + 1024 * 1024
}
