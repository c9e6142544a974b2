//! The consensus actor: the tokio task that drives the [`Engine`] and does its I/O. It
//! turns network events, timers, fetched blocks and API requests into engine events, and
//! carries out the effects the engine returns, in their order: the write-ahead record
//! ([`Wal`]), the network ([`Net`]), timers, block requests, API replies, the live status
//! and the metrics. It decides nothing: every choice is the engine's.
//!
//! The engine runs on this task under `block_in_place`, since executing a block takes a
//! while. Relayed transactions are decoded and their signatures checked on a thread of
//! their own ([`relay_worker`]), so a peer's batch never keeps consensus messages waiting.

use std::collections::BTreeSet;
use std::sync::mpsc::{SyncSender, TrySendError};
use std::sync::Arc;

use jcm_consensus::CommitCertificate;
use jcm_runtime::chain::Executed;
use jcm_runtime::codec::Hash32;
use jcm_runtime::protocol::{Block, Header, Transaction};
use jcm_runtime::state::ReadStore;
use tokio::sync::{mpsc, oneshot, watch};

use crate::chain::{self, ChainError};
use crate::engine::{
    self, Chain, Committed, CommittedBytes, Effect, Engine, EngineError, EngineParts, Event, Progress, Reply,
    SystemClock, Timer,
};
use crate::home::config::{ConsensusConfig, MempoolConfig};
use crate::home::NodeId;
use crate::limits::{RELAYED_BATCHES_MAX, SYNC_REQUEST_TIMEOUT};
use crate::mempool::Checked;
use crate::p2p::{Net, NetEvent};
use crate::shared::{Shared, ToEngine};
use crate::wal::{Recovered, Wal, WalError};
use crate::wire::{Message, Request as PeerRequest};

/// Why the actor stopped. Any of these stops the node: a validator that cannot write
/// its record or its store must not go on voting.
#[derive(Debug, thiserror::Error)]
pub enum ActorError {
    /// The write-ahead record failed.
    #[error(transparent)]
    Wal(#[from] WalError),
    /// The engine stopped.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// A thread could not be started.
    #[error("cannot start the relay admission thread: {0}")]
    Thread(std::io::Error),
}

/// The node's committed chain for the engine: the RocksDB store under the shared lock.
#[derive(Debug)]
pub struct DbChain(Arc<Shared>);

impl DbChain {
    /// The chain of the store in `shared`.
    pub fn new(shared: Arc<Shared>) -> Self {
        Self(shared)
    }
}

impl Chain for DbChain {
    fn execute(
        &self,
        parent: &Header,
        header: &Header,
        txs: &[Transaction],
        verified: &dyn Fn(&Hash32) -> bool,
    ) -> Executed {
        chain::execute_with(&self.0.db.read(), parent, header, txs, verified)
    }

    fn certificate(&self, height: u64) -> Result<Option<CommitCertificate>, ChainError> {
        chain::stored_commit(&self.0.db.read(), height)
    }

    fn committed_bytes(&self, height: u64) -> Result<Option<CommittedBytes>, ChainError> {
        let db = self.0.db.read();
        match (db.block(height)?, db.commit(height)?) {
            (Some(block), Some(commit)) => Ok(Some((block, commit))),
            _ => Ok(None),
        }
    }

    fn commit(
        &mut self,
        block: &Block,
        certificate: &CommitCertificate,
        executed: Executed,
    ) -> Result<(), ChainError> {
        chain::commit(&mut self.0.db.write(), block, certificate, executed)
    }

    fn with_state<R>(&self, f: impl FnOnce(&dyn ReadStore) -> R) -> R {
        f(self.0.db.read().state())
    }
}

/// What the actor needs to start.
#[derive(Debug)]
pub struct ActorParts {
    /// Shared state.
    pub shared: Arc<Shared>,
    /// The network.
    pub net: Net,
    /// The opened write-ahead record and what it held.
    pub wal: (Wal, Recovered),
    /// The validator key's seed.
    pub validator_secret: [u8; 32],
    /// Consensus settings.
    pub consensus: ConsensusConfig,
    /// Mempool bounds.
    pub mempool: MempoolConfig,
    /// The committed head.
    pub head: Header,
    /// The node ids node.toml allows (`p2p.peers`, `p2p.observers`); the chain's are
    /// added ([`crate::allow`]).
    pub configured_allowed: BTreeSet<NodeId>,
}

/// Events the actor's own tasks deliver (timers, block requests, relays).
#[derive(Debug)]
enum Internal {
    Timer(Timer),
    Fetched { peer: NodeId, height: u64, answer: Result<Vec<u8>, String> },
}

/// The actor.
#[derive(Debug)]
pub struct Actor {
    engine: Engine<DbChain, SystemClock>,
    shared: Arc<Shared>,
    net: Net,
    wal: Wal,
    relay: SyncSender<Vec<Vec<u8>>>,
    relayed: Option<mpsc::Receiver<Vec<Checked>>>,
    internal_tx: mpsc::UnboundedSender<Internal>,
    internal_rx: Option<mpsc::UnboundedReceiver<Internal>>,
    configured_allowed: BTreeSet<NodeId>,
    /// The chain's node ids the network last took (none until the first take).
    chain_allowed: Option<BTreeSet<NodeId>>,
}

impl Actor {
    /// An actor with its engine resumed from the store's head and the write-ahead record;
    /// the effects of resuming are carried out before it returns.
    pub fn new(parts: ActorParts) -> Result<Self, ActorError> {
        let ActorParts {
            shared,
            net,
            wal: (wal, recovered),
            validator_secret,
            consensus,
            mempool,
            head,
            configured_allowed,
        } = parts;
        let (internal_tx, internal_rx) = mpsc::unbounded_channel();
        let (relayed_tx, relayed) = mpsc::channel(RELAYED_BATCHES_MAX);
        let relay = relay_worker(relayed_tx).map_err(ActorError::Thread)?;
        publish_head(&shared, &head);
        let (engine, effects) = Engine::new(EngineParts {
            chain: DbChain(Arc::clone(&shared)),
            clock: SystemClock,
            chain_id: shared.chain_id.clone(),
            validator_secret,
            consensus,
            mempool,
            head,
            records: recovered.records,
        })?;
        let mut actor = Self {
            engine,
            shared,
            net,
            wal,
            relay,
            relayed: Some(relayed),
            internal_tx,
            internal_rx: Some(internal_rx),
            configured_allowed,
            chain_allowed: None,
        };
        let chain = crate::allow::chain_node_ids(actor.shared.db.read().state());
        actor.follow_allow_list(chain);
        actor.perform(effects, None)?;
        Ok(actor)
    }

    /// Runs until `shutdown` turns true or a fatal error. On shutdown the event in hand
    /// is finished (its effects carried out, its block committed) before returning.
    pub async fn run(
        mut self,
        mut net_events: mpsc::Receiver<NetEvent>,
        mut requests: mpsc::Receiver<ToEngine>,
        mut shutdown: watch::Receiver<bool>,
    ) -> Result<(), ActorError> {
        let mut internal = self.internal_rx.take().expect("run is called once");
        let mut relayed = self.relayed.take().expect("run is called once");
        let mut gossip = tokio::time::interval(crate::limits::GOSSIP_INTERVAL);
        gossip.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                changed = shutdown.changed() => {
                    if changed.is_err() || *shutdown.borrow() {
                        break;
                    }
                }
                Some(event) = internal.recv() => {
                    let event = match event {
                        Internal::Timer(timer) => Event::Timer(timer),
                        Internal::Fetched { peer, height, answer } => Event::Fetched { peer, height, answer },
                    };
                    self.handle(event, None)?;
                }
                Some(txs) = relayed.recv() => self.handle(Event::Relayed(txs), None)?,
                Some(event) = net_events.recv() => self.on_net(event)?,
                Some(request) = requests.recv() => {
                    self.handle(Event::Rpc(request.request), Some(request.reply))?;
                    while let Ok(request) = requests.try_recv() {
                        self.handle(Event::Rpc(request.request), Some(request.reply))?;
                    }
                    self.handle(Event::FlushRelay, None)?;
                }
                _ = gossip.tick() => self.handle(Event::Gossip, None)?,
            }
        }
        tracing::info!(height = self.engine.head().height, "consensus actor stopped");
        Ok(())
    }

    fn on_net(&mut self, event: NetEvent) -> Result<(), ActorError> {
        match event {
            NetEvent::Connected(peer) => self.handle(Event::Connected(peer), None),
            NetEvent::Disconnected(peer) => self.handle(Event::Disconnected(peer), None),
            NetEvent::Message { from, bytes } => match Message::decode(&bytes, engine::message_bytes_max()) {
                Ok(Message::Txs(txs)) => {
                    self.relay_checked(txs);
                    Ok(())
                }
                Ok(message) => self.handle(Event::Message { from, message }, None),
                Err(error) => {
                    tracing::warn!(peer = %from, %error, "undecodable message from a peer, dropped");
                    Ok(())
                }
            },
            NetEvent::Request { from, bytes, respond } => {
                let answer = tokio::task::block_in_place(|| self.engine.answer(&bytes));
                if respond.send(answer).is_err() {
                    tracing::debug!(peer = %from, "a peer's request was dropped before the answer");
                }
                Ok(())
            }
        }
    }

    /// Hands relayed transactions to the checking thread ([`relay_worker`]).
    fn relay_checked(&self, txs: Vec<Vec<u8>>) {
        match self.relay.try_send(txs) {
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

    fn handle(&mut self, event: Event, reply: Option<oneshot::Sender<Reply>>) -> Result<(), ActorError> {
        let effects = tokio::task::block_in_place(|| self.engine.handle(event))?;
        self.perform(effects, reply)
    }

    /// Carries out effects in order; a failed write stops the node.
    fn perform(
        &mut self,
        effects: Vec<Effect>,
        mut reply: Option<oneshot::Sender<Reply>>,
    ) -> Result<(), ActorError> {
        for effect in effects {
            match effect {
                Effect::Persist(records) => tokio::task::block_in_place(|| self.wal.append(&records))?,
                Effect::RestartWal(records) => tokio::task::block_in_place(|| self.wal.restart(&records))?,
                Effect::Send { to, message } => self.net.send(to, message.encode()),
                Effect::Broadcast(message) => self.net.broadcast(message.encode()),
                Effect::SetTimer { after, timer } => {
                    let internal = self.internal_tx.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep(after).await;
                        let _ = internal.send(Internal::Timer(timer));
                    });
                }
                Effect::Fetch { peer, height } => {
                    let net = self.net.clone();
                    let internal = self.internal_tx.clone();
                    let request = PeerRequest::Block { height }.encode();
                    tokio::spawn(async move {
                        let answer =
                            net.request(peer, request, SYNC_REQUEST_TIMEOUT).await.map_err(|e| e.to_string());
                        let _ = internal.send(Internal::Fetched { peer, height, answer });
                    });
                }
                Effect::Reply(answer) => {
                    if let Some(reply) = reply.take() {
                        // The caller may have timed out and gone: nothing to answer then.
                        let _ = reply.send(answer);
                    }
                }
                Effect::Committed(committed) => self.on_committed(&committed),
                Effect::Progress(progress) => publish_progress(&self.shared, &progress),
                Effect::Evidence(_) => self.shared.metrics.evidence_detected(),
            }
        }
        Ok(())
    }

    fn on_committed(&mut self, committed: &Committed) {
        let metrics = &self.shared.metrics;
        metrics.observe_block(committed.interval.as_secs_f64(), committed.txs, committed.rejected);
        // What the new state says, read once: the validators' names (governance adds and
        // renames them), the equivocations recorded, the node ids the chain allows.
        let (validators, recorded, chain) = {
            use jcm_runtime::tx::gov::GovState as _;
            let db = self.shared.db.read();
            let state = db.state();
            let validators = if committed.missed.is_empty() { Vec::new() } else { state.validators() };
            let recorded = state.scan_prefix(jcm_runtime::state::keys::prefix::EVIDENCE).count();
            (validators, recorded, crate::allow::chain_node_ids(state))
        };
        for key in &committed.missed {
            let name = validators.iter().find(|v| v.public_key.0 == key.0);
            let label = name.map_or_else(|| key.to_string(), |v| v.name.as_str().to_owned());
            metrics.missed_vote(&label);
        }
        publish_head(&self.shared, &committed.header);
        metrics.set_evidence_recorded(recorded);
        self.follow_allow_list(chain);
    }

    /// Hands the network node.toml's ids and the chain's (`chain`), when the chain's
    /// changed.
    fn follow_allow_list(&mut self, chain: BTreeSet<NodeId>) {
        if self.chain_allowed.as_ref() == Some(&chain) {
            return;
        }
        let allowed = self.configured_allowed.union(&chain).copied().collect();
        if self.net.set_allowed(allowed) {
            if !chain.is_empty() || self.chain_allowed.is_some() {
                tracing::info!(
                    chain = chain.len(),
                    configured = self.configured_allowed.len(),
                    "peer allow list follows the chain"
                );
            }
            self.chain_allowed = Some(chain);
        }
    }
}

/// Publishes the committed head in the shared status, the metrics and the commit watch.
pub fn publish_head(shared: &Shared, head: &Header) {
    {
        let mut status = shared.status.write();
        status.height = head.height;
        status.block_hash = head.hash();
        status.block_time = head.time;
        status.state_root = head.state_root;
    }
    shared.metrics.set_height(head.height);
    shared.committed.send_replace(head.height);
}

/// Publishes the engine's live status in the shared status and the metrics.
pub fn publish_progress(shared: &Shared, progress: &Progress) {
    {
        let mut status = shared.status.write();
        status.round = progress.round;
        status.peers.clone_from(&progress.peers);
        status.best_known_height = progress.best_known_height;
        status.catching_up = progress.catching_up();
        status.mempool = progress.mempool;
        status.validating = progress.validating;
    }
    *shared.ready.write() = progress.ready;
    let metrics = &shared.metrics;
    metrics.set_round(progress.round);
    metrics.set_peers(progress.peers.len());
    metrics.set_heights_behind(progress.best_known_height.saturating_sub(progress.height));
    metrics.set_mempool(progress.mempool.0, progress.mempool.1);
}

/// Starts the thread that decodes transactions peers relay and checks their signatures,
/// in the order they arrive (a signer's transactions arrive in nonce order and must be
/// admitted so), then hands them to the engine, which admits them. The thread ends when
/// the actor (the sender) is dropped.
fn relay_worker(engine: mpsc::Sender<Vec<Checked>>) -> std::io::Result<SyncSender<Vec<Vec<u8>>>> {
    let (sender, batches) = std::sync::mpsc::sync_channel::<Vec<Vec<u8>>>(RELAYED_BATCHES_MAX);
    std::thread::Builder::new().name("relay-admission".into()).spawn(move || {
        for batch in batches {
            let checked: Vec<Checked> = batch
                .into_iter()
                .filter_map(|bytes| match Transaction::decode(&bytes) {
                    Ok(tx) => Some(Checked::new(tx)),
                    Err(error) => {
                        tracing::debug!(%error, "an undecodable relayed transaction, dropped");
                        None
                    }
                })
                .collect();
            // Waits while the engine is behind, so the bounded queue above fills and drops.
            if engine.blocking_send(checked).is_err() {
                break;
            }
        }
    })?;
    Ok(sender)
}
