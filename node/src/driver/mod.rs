//! The consensus driver: the one task that owns the consensus core, the write-ahead
//! record and the right to write the store.
//!
//! It turns network messages, timers and its own requests into core inputs, acts on the
//! core's outputs in the documented order (persist, then send, then commit), builds and
//! validates blocks, commits decided blocks, and fetches committed blocks from peers when
//! it is behind. Every event is handled to the end before the next one: all writes it
//! causes go into one write-ahead batch, fsynced before any message leaves.
//!
//! A node whose validator key is not in the genesis set is an observer: it runs no core,
//! and follows the chain by fetching committed blocks only.

mod blocks;
mod consensus;
mod sync;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use jcm_consensus::{
    Config, Core, GuardStore, KeySigner, SignError, SignGuard, SignRecord, Signature, TimeoutRule, Timeouts,
    ValueId,
};
use jcm_runtime::block::{Block, Executed, Header};
use parking_lot::Mutex;
use tokio::sync::{mpsc, watch};

use crate::chain::ChainError;
use crate::home::config::ConsensusConfig;
use crate::home::NodeId;
use crate::p2p::{Net, NetEvent};
use crate::shared::{Shared, ToDriver};
use crate::wal::{Record, Wal, WalError};
use crate::wire::Message;

/// How often the node re-sends its own messages of the current height and its committed
/// height, so a peer that missed them (or restarted) still gets them.
pub const GOSSIP_INTERVAL: Duration = Duration::from_millis(1000);
/// How far in the future (by the local clock) a proposed block's time may be.
pub const BLOCK_TIME_AHEAD_MAX_SECS: u64 = 10;
/// Messages of the next height kept until the node gets there.
const FUTURE_MSGS_MAX: usize = 1024;
/// Time allowed for a peer to answer a block request.
const SYNC_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Why the driver stopped. Any of these stops the node: a validator that cannot write
/// its record or its store must not go on voting.
#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    /// The write-ahead record failed.
    #[error(transparent)]
    Wal(#[from] WalError),
    /// The chain or store failed.
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// The sign guard could not persist its mark.
    #[error("the sign guard failed: {0}")]
    Guard(SignError),
    /// A block this node decided does not execute to the state root it validated.
    #[error("{0}")]
    Fatal(String),
}

/// The guard's store: marks go into the batch being assembled, written before anything
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

/// Events the driver sends itself (timers, finished block requests).
#[derive(Debug)]
enum Internal {
    Timeout(jcm_consensus::Timeout),
    /// The commit pause is over: start the height after `height`.
    NextHeight(u64),
    /// A peer answered a block request (or failed to).
    Fetched {
        peer: NodeId,
        height: u64,
        answer: Result<Vec<u8>, String>,
    },
    /// The fetched block of the next height is waiting: commit it.
    CommitFetched,
}

/// The consensus part: absent on an observer.
struct Validator {
    core: Core,
    guard: SignGuard<KeySigner, Staging>,
}

impl std::fmt::Debug for Validator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Validator").field("state", &self.core.state()).finish_non_exhaustive()
    }
}

/// The driver.
#[derive(Debug)]
pub struct Driver {
    shared: Arc<Shared>,
    net: Net,
    wal: Wal,
    staging: Staging,
    validator: Option<Validator>,
    config: ConsensusConfig,
    /// The last committed header.
    head: Header,
    /// Blocks seen at the height being decided, by id.
    candidates: HashMap<ValueId, Candidate>,
    /// Own signed messages of the current height, re-sent by gossip.
    own: Vec<Message>,
    /// Signatures of consensus messages the core accepted at the current height.
    seen: HashSet<Signature>,
    /// Messages of the next height, replayed when the node gets there.
    future: Vec<Message>,
    /// Who proposes each round of each height.
    schedule: jcm_consensus::ProposerSchedule,
    /// The committed height each peer announced.
    peer_heights: BTreeMap<NodeId, u64>,
    /// Block requests in flight and fetched blocks waiting for their parent.
    sync: sync::Catchup,
    /// Relayed transactions, to the admission worker ([`blocks::relay_worker`]).
    relayed: std::sync::mpsc::SyncSender<Vec<Vec<u8>>>,
    /// How long this node takes to execute a transaction (sizes its proposals).
    execution_rate: blocks::ExecutionRate,
    /// Transactions admitted by RPC, relayed at the end of the event.
    relay: Vec<Vec<u8>>,
    internal_tx: mpsc::UnboundedSender<Internal>,
    internal_rx: Option<mpsc::UnboundedReceiver<Internal>>,
    last_commit_at: Instant,
    ticks: u64,
}

/// What the driver needs to start.
#[derive(Debug)]
pub struct DriverParts {
    /// Shared state.
    pub shared: Arc<Shared>,
    /// The network.
    pub net: Net,
    /// The opened write-ahead record and what it held.
    pub wal: (Wal, crate::wal::Recovered),
    /// The validator key's seed.
    pub validator_secret: [u8; 32],
    /// Consensus settings.
    pub config: ConsensusConfig,
    /// The committed head.
    pub head: Header,
}

impl Driver {
    /// A driver resumed from the store's head and the write-ahead record.
    pub fn new(parts: DriverParts) -> Result<Self, DriverError> {
        let DriverParts { shared, net, wal: (wal, recovered), validator_secret, config, head } = parts;
        let (internal_tx, internal_rx) = mpsc::unbounded_channel();
        let shared_validators = shared.validators.clone();
        let relayed = blocks::relay_worker(Arc::clone(&shared))
            .map_err(|e| DriverError::Fatal(format!("cannot start the relay admission thread: {e}")))?;
        let mut driver = Self {
            relayed,
            shared,
            net,
            wal,
            staging: Staging::default(),
            validator: None,
            config,
            head,
            candidates: HashMap::new(),
            own: Vec::new(),
            seen: HashSet::new(),
            future: Vec::new(),
            schedule: jcm_consensus::ProposerSchedule::new(&shared_validators),
            peer_heights: BTreeMap::new(),
            sync: sync::Catchup::default(),
            execution_rate: blocks::ExecutionRate::default(),
            relay: Vec::new(),
            internal_tx,
            internal_rx: Some(internal_rx),
            last_commit_at: Instant::now(),
            ticks: 0,
        };
        driver.publish_head();
        driver.resume(validator_secret, recovered.records)?;
        Ok(driver)
    }

    /// Runs until `shutdown` turns true or a fatal error. On shutdown the event in hand
    /// is finished (its batch written, its block committed) before returning.
    pub async fn run(
        mut self,
        mut net_events: mpsc::Receiver<NetEvent>,
        mut requests: mpsc::Receiver<ToDriver>,
        mut shutdown: watch::Receiver<bool>,
    ) -> Result<(), DriverError> {
        let mut internal = self.internal_rx.take().expect("run is called once");
        let mut gossip = tokio::time::interval(GOSSIP_INTERVAL);
        gossip.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                changed = shutdown.changed() => {
                    if changed.is_err() || *shutdown.borrow() {
                        break;
                    }
                }
                Some(event) = internal.recv() => self.on_internal(event)?,
                Some(event) = net_events.recv() => self.on_net(event)?,
                Some(request) = requests.recv() => {
                    self.on_request(request);
                    while let Ok(request) = requests.try_recv() {
                        self.on_request(request);
                    }
                    self.flush_relay();
                }
                _ = gossip.tick() => self.on_gossip(),
            }
        }
        tracing::info!(height = self.head.height, "consensus driver stopped");
        Ok(())
    }

    fn on_request(&mut self, request: ToDriver) {
        match request {
            ToDriver::Relay(bytes) => self.relay.push(bytes),
        }
    }

    fn flush_relay(&mut self) {
        while !self.relay.is_empty() {
            let take = self.relay.len().min(crate::wire::RELAY_TXS_MAX);
            let batch: Vec<Vec<u8>> = self.relay.drain(..take).collect();
            self.net.broadcast(Message::Txs(batch).encode());
        }
    }

    fn on_internal(&mut self, event: Internal) -> Result<(), DriverError> {
        match event {
            Internal::Timeout(timeout) => self.on_timeout(timeout),
            Internal::NextHeight(height) => self.on_next_height(height),
            Internal::Fetched { peer, height, answer } => self.on_fetched(peer, height, answer),
            Internal::CommitFetched => self.commit_next_fetched(),
        }
    }

    fn on_net(&mut self, event: NetEvent) -> Result<(), DriverError> {
        match event {
            NetEvent::Connected(peer) => {
                tracing::info!(%peer, "peer connected");
                self.net.send(peer, Message::Status { height: self.head.height }.encode());
                for message in &self.own {
                    self.net.send(peer, message.encode());
                }
                self.publish_peers();
                Ok(())
            }
            NetEvent::Disconnected(peer) => {
                tracing::info!(%peer, "peer disconnected");
                self.peer_heights.remove(&peer);
                self.sync.forget_peer(&peer);
                self.publish_peers();
                Ok(())
            }
            NetEvent::Message { from, bytes } => {
                let limit = self.shared_message_limit();
                match Message::decode(&bytes, limit) {
                    Ok(message) => self.on_message(from, message),
                    Err(error) => {
                        tracing::warn!(peer = %from, %error, "undecodable message from a peer, dropped");
                        Ok(())
                    }
                }
            }
            NetEvent::Request { from, bytes, respond } => {
                let answer = self.answer(&bytes);
                if respond.send(answer).is_err() {
                    tracing::debug!(peer = %from, "a peer's request was dropped before the answer");
                }
                Ok(())
            }
        }
    }

    fn on_message(&mut self, from: NodeId, message: Message) -> Result<(), DriverError> {
        match message {
            Message::Status { height } => {
                self.peer_heights.insert(from, height);
                self.maybe_fetch();
                Ok(())
            }
            Message::Txs(txs) => {
                self.admit_relayed(txs);
                Ok(())
            }
            Message::Proposal { .. } | Message::Vote(_) => self.on_consensus_message(from, message),
        }
    }

    fn on_gossip(&mut self) {
        self.ticks += 1;
        self.net.broadcast(Message::Status { height: self.head.height }.encode());
        for message in &self.own {
            // A proposal carries its block: re-send it less often than votes.
            if matches!(message, Message::Proposal { .. }) && self.ticks % 3 != 0 {
                continue;
            }
            self.net.broadcast(message.encode());
        }
        self.maybe_fetch();
        self.publish_peers();
    }

    fn shared_message_limit(&self) -> usize {
        jcm_runtime::block::BLOCK_BYTES_MAX + 1024 * 1024
    }

    /// Publishes the committed head in the shared status, metrics and the commit watch.
    fn publish_head(&self) {
        let mut status = self.shared.status.write();
        status.height = self.head.height;
        status.block_hash = self.head.hash();
        status.block_time = self.head.time;
        status.state_root = self.head.state_root;
        let best = self.peer_heights.values().copied().max().unwrap_or(0);
        status.best_known_height = best;
        status.catching_up = best > self.head.height + 1;
        drop(status);
        self.shared.metrics.set_height(self.head.height);
        self.shared.metrics.set_heights_behind(best.saturating_sub(self.head.height));
        self.shared.committed.send_replace(self.head.height);
    }

    fn publish_peers(&self) {
        let peers = self.net.peers();
        self.shared.metrics.set_peers(peers.len());
        let mut status = self.shared.status.write();
        status.peers = peers;
        let best = self.peer_heights.values().copied().max().unwrap_or(0);
        status.best_known_height = best;
        status.catching_up = best > self.head.height + 1;
        drop(status);
        *self.shared.ready.write() = best <= self.head.height + 1;
        self.shared.metrics.set_heights_behind(best.saturating_sub(self.head.height));
    }

    /// The consensus configuration for the core.
    fn core_config(&self, own_key: jcm_consensus::ValidatorKey) -> Config {
        let c = &self.config;
        let rule = |base_ms, per_round_ms| TimeoutRule { base_ms, per_round_ms };
        Config {
            chain_id: self.shared.chain_id.clone(),
            own_key,
            timeouts: Timeouts {
                propose: rule(c.timeout_propose_ms, c.timeout_propose_delta_ms),
                prevote: rule(c.timeout_prevote_ms, c.timeout_prevote_delta_ms),
                precommit: rule(c.timeout_precommit_ms, c.timeout_precommit_delta_ms),
            },
        }
    }
}
