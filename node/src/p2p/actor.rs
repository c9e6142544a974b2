//! The network task: owns the libp2p swarm and runs its event loop.
#![allow(clippy::disallowed_methods)] // the network actor is an I/O edge: redial backoff by the clock

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use futures::stream::FuturesUnordered;
use futures::{FutureExt, StreamExt};
use libp2p::allow_block_list::NotAllowed;
use libp2p::request_response::{
    self, Event as RrEvent, Message as RrMessage, OutboundFailure, OutboundRequestId, ResponseChannel,
};
use libp2p::swarm::dial_opts::{DialOpts, PeerCondition};
use libp2p::swarm::{ListenError, SwarmEvent};
use libp2p::{Multiaddr, PeerId, Swarm};
use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tracing::{debug, error, info, warn};

use super::hello::{Hello, HelloMismatch};
use super::ingress::{Command, Counters, Net, Reply, Shared};
use super::swarm::{libp2p_error_chain, multiaddr, Protocols, ProtocolsEvent};
use super::*;
/// A peer with at least one connection.
#[derive(Debug)]
struct Peer {
    id: NodeId,
    /// Its hello arrived and matched: its messages are accepted.
    hello_checked: bool,
    /// The answer to this node's hello arrived and matched: reported `Connected`.
    connected: bool,
    hello_attempts: u32,
    /// Unacknowledged one-way messages to it.
    messages: HashSet<OutboundRequestId>,
    /// One-way messages waiting for one of those to be acknowledged, and their bytes.
    outbox: VecDeque<Vec<u8>>,
    outbox_bytes: usize,
    /// Unanswered requests to it.
    requests: HashSet<OutboundRequestId>,
}

/// A configured peer to keep connected.
#[derive(Debug)]
struct Dial {
    addr: Multiaddr,
    backoff: Duration,
    next_at: Instant,
}

/// An answer the node is preparing for a peer's request.
type Answer = BoxFuture<'static, (ResponseChannel<Vec<u8>>, Option<Vec<u8>>)>;

struct Actor {
    swarm: Swarm<Protocols>,
    hello: Hello,
    hello_bytes: Vec<u8>,
    message_bytes_max: usize,
    shared: Arc<Shared>,
    commands: mpsc::Receiver<Command>,
    events: mpsc::Sender<NetEvent>,
    /// Events waiting for room in `events`, in order; only when connection events are
    /// among them (messages alone are dropped when the channel is full).
    backlog: VecDeque<NetEvent>,
    peers: HashMap<PeerId, Peer>,
    dials: HashMap<PeerId, Dial>,
    requests: HashMap<OutboundRequestId, (NodeId, Reply)>,
    answers: FuturesUnordered<Answer>,
    /// The last refusal of each peer, so that a peer refused again and again is logged once.
    refused: HashMap<PeerId, RefusalReason>,
}
/// Spawns the task that drives `swarm`, listening already, and returns its handle and events.
pub(crate) fn spawn(
    swarm: Swarm<Protocols>,
    config: &NetConfig,
    local_id: NodeId,
    shared: Arc<Shared>,
) -> Result<(Net, mpsc::Receiver<NetEvent>), NetError> {
    let dials = dials(config, local_id)?;
    let (commands_tx, commands) = mpsc::channel(COMMANDS_CAPACITY);
    let (events, events_rx) = mpsc::channel(EVENTS_CAPACITY);
    let hello = Hello { chain_id: config.chain_id.clone(), genesis_hash: config.genesis_hash };
    info!(node = %local_id, listen = %config.listen, peers = dials.len(), "p2p started");
    let actor = Actor {
        swarm,
        hello_bytes: hello.encode(),
        hello,
        message_bytes_max: config.message_bytes_max,
        shared: shared.clone(),
        commands,
        events,
        backlog: VecDeque::new(),
        peers: HashMap::new(),
        dials,
        requests: HashMap::new(),
        answers: FuturesUnordered::new(),
        refused: HashMap::new(),
    };
    tokio::spawn(actor.run());
    let net = Net { local_id, message_bytes_max: config.message_bytes_max, commands: commands_tx, shared };
    Ok((net, events_rx))
}

/// The configured peers to keep connected, without this node and without peers that are
/// not allowed (a warning each: the allow list would refuse them anyway).
fn dials(config: &NetConfig, local_id: NodeId) -> Result<HashMap<PeerId, Dial>, NetError> {
    let mut dials = HashMap::new();
    for (node, addr) in &config.peers {
        if *node == local_id {
            continue;
        }
        if !config.allowed.contains(node) {
            warn!(peer = %node, %addr, "configured peer is not an allowed node id: not dialing it");
            continue;
        }
        let dial = Dial { addr: multiaddr(*addr), backoff: REDIAL_BACKOFF_MIN, next_at: Instant::now() };
        dials.insert(peer_id_of(*node)?, dial);
    }
    Ok(dials)
}

impl Actor {
    async fn run(mut self) {
        let mut redial = tokio::time::interval(REDIAL_TICK);
        redial.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        // A second sender, so that a reserved slot does not borrow `self`.
        let events = self.events.clone();
        let stopped = loop {
            tokio::select! {
                event = self.swarm.select_next_some() => self.on_swarm(event),
                command = self.commands.recv() => match command {
                    Some(Command::Shutdown(done)) => break Some(done),
                    Some(command) => self.on_command(command),
                    None => break None,
                },
                Some((channel, answer)) = self.answers.next(), if !self.answers.is_empty() => {
                    self.on_answer(channel, answer);
                }
                permit = events.reserve(), if !self.backlog.is_empty() => match permit {
                    Ok(permit) => permit.send(self.backlog.pop_front().expect("the branch runs only on a backlog")),
                    Err(_) => self.backlog.clear(),
                },
                _ = redial.tick() => self.redial(),
            }
        };
        self.shared.connected.write().clear();
        let local = *self.swarm.local_peer_id();
        // Closes the listener and every connection.
        drop(self.swarm);
        info!(node = ?node_id_of(&local), "p2p stopped");
        if let Some(done) = stopped {
            let _ = done.send(());
        }
    }

    fn on_swarm(&mut self, event: SwarmEvent<ProtocolsEvent>) {
        match event {
            SwarmEvent::Behaviour(ProtocolsEvent::Allowed(never)) => match never {},
            SwarmEvent::Behaviour(ProtocolsEvent::Hello(event)) => self.on_hello(event),
            SwarmEvent::Behaviour(ProtocolsEvent::Message(event)) => self.on_message(event),
            SwarmEvent::Behaviour(ProtocolsEvent::Request(event)) => self.on_request(event),
            SwarmEvent::ConnectionEstablished { peer_id, num_established, endpoint, .. } => {
                debug!(peer = %peer_id, address = %endpoint.get_remote_address(), "connection established");
                if num_established.get() == 1 {
                    self.on_first_connection(peer_id);
                }
            }
            SwarmEvent::ConnectionClosed { peer_id, num_established: 0, cause, .. } => {
                self.on_last_connection_closed(peer_id, cause.map(|c| c.to_string()));
            }
            SwarmEvent::IncomingConnectionError {
                peer_id: Some(peer),
                error: ListenError::Denied { cause },
                ..
            } if cause.downcast_ref::<NotAllowed>().is_some() => {
                self.refuse(peer, RefusalReason::NotAllowed);
            }
            SwarmEvent::IncomingConnectionError { send_back_addr, error, .. } => {
                debug!(address = %send_back_addr, error = %libp2p_error_chain(&error), "inbound connection failed");
            }
            SwarmEvent::OutgoingConnectionError { peer_id, error, .. } => {
                debug!(peer = ?peer_id, error = %libp2p_error_chain(&error), "dial failed");
            }
            SwarmEvent::NewListenAddr { address, .. } => info!(%address, "p2p listening"),
            SwarmEvent::ListenerError { error, .. } => warn!(%error, "p2p listener error"),
            _ => {}
        }
    }

    fn on_first_connection(&mut self, peer: PeerId) {
        let Some(id) = node_id_of(&peer) else {
            // Unreachable with ed25519 noise keys and the allow list; refuse rather than trust it.
            let _ = self.swarm.disconnect_peer_id(peer);
            return;
        };
        if let Some(dial) = self.dials.get_mut(&peer) {
            dial.backoff = REDIAL_BACKOFF_MIN;
        }
        let state = Peer {
            id,
            hello_checked: false,
            connected: false,
            hello_attempts: 1,
            messages: HashSet::new(),
            outbox: VecDeque::new(),
            outbox_bytes: 0,
            requests: HashSet::new(),
        };
        self.peers.insert(peer, state);
        self.swarm.behaviour_mut().hello.send_request(&peer, self.hello_bytes.clone());
    }

    fn on_last_connection_closed(&mut self, peer: PeerId, cause: Option<String>) {
        if let Some(dial) = self.dials.get_mut(&peer) {
            dial.next_at = dial.next_at.max(Instant::now() + REDIAL_BACKOFF_MIN);
        }
        let Some(state) = self.peers.remove(&peer) else { return };
        // Pending requests fail through their `OutboundFailure`s, which follow.
        if state.connected {
            self.shared.connected.write().remove(&state.id);
            info!(peer = %state.id, cause = cause.as_deref().unwrap_or("closed"), "peer disconnected");
            self.deliver(NetEvent::Disconnected(state.id));
        }
    }

    /// Records, logs (once per peer and reason) and disconnects a refused peer.
    fn refuse(&mut self, peer: PeerId, reason: RefusalReason) {
        let _ = self.swarm.disconnect_peer_id(peer);
        if let Some(dial) = self.dials.get_mut(&peer) {
            // It will not change its mind soon.
            dial.backoff = REDIAL_BACKOFF_MAX;
        }
        let Some(id) = node_id_of(&peer) else { return };
        if self.refused.get(&peer) == Some(&reason) {
            debug!(peer = %id, "peer refused again");
            return;
        }
        if self.refused.len() >= REFUSED_PEERS_REMEMBERED_MAX {
            self.refused.clear();
        }
        self.refused.insert(peer, reason.clone());
        let refusal = Refusal { peer: id, reason };
        match refusal.reason {
            RefusalReason::NotAllowed => warn!(peer = %id, "refused connection: {refusal}"),
            _ => error!(peer = %id, "refused peer: {refusal}"),
        }
        self.shared.refuse(refusal);
    }

    fn hello_refusal(&self, mismatch: HelloMismatch) -> RefusalReason {
        match mismatch {
            HelloMismatch::Malformed(reason) => RefusalReason::BadHello(reason.to_owned()),
            HelloMismatch::OtherChain(theirs) => RefusalReason::OtherChain {
                chain_id_theirs: theirs.chain_id,
                chain_id_ours: self.hello.chain_id.clone(),
                genesis_theirs: theirs.genesis_hash,
                genesis_ours: self.hello.genesis_hash,
            },
        }
    }

    fn on_hello(&mut self, event: RrEvent<Vec<u8>, Vec<u8>>) {
        match event {
            RrEvent::Message { peer, message: RrMessage::Request { request, channel, .. }, .. } => {
                match self.hello.check(&request) {
                    Ok(()) => {
                        if let Some(state) = self.peers.get_mut(&peer) {
                            state.hello_checked = true;
                        }
                        let _ =
                            self.swarm.behaviour_mut().hello.send_response(channel, self.hello_bytes.clone());
                    }
                    Err(mismatch) => self.refuse(peer, self.hello_refusal(mismatch)),
                }
            }
            RrEvent::Message { peer, message: RrMessage::Response { response, .. }, .. } => {
                match self.hello.check(&response) {
                    Ok(()) => self.on_hello_done(peer),
                    Err(mismatch) => self.refuse(peer, self.hello_refusal(mismatch)),
                }
            }
            RrEvent::OutboundFailure { peer, error, .. } => self.on_hello_failed(peer, error),
            RrEvent::InboundFailure { peer, error, .. } => debug!(%peer, %error, "inbound hello failed"),
            RrEvent::ResponseSent { .. } => {}
        }
    }

    /// Both hellos are checked: the peer answered this node's only after checking it.
    fn on_hello_done(&mut self, peer: PeerId) {
        let Some(state) = self.peers.get_mut(&peer) else { return };
        state.hello_checked = true;
        if state.connected {
            return;
        }
        state.connected = true;
        let id = state.id;
        self.refused.remove(&peer);
        self.shared.connected.write().insert(id);
        info!(peer = %id, "peer connected");
        self.deliver(NetEvent::Connected(id));
    }

    fn on_hello_failed(&mut self, peer: PeerId, error: OutboundFailure) {
        let connected = self.swarm.is_connected(&peer);
        let Some(state) = self.peers.get_mut(&peer) else { return };
        if state.connected || !connected {
            return;
        }
        if state.hello_attempts < HELLO_ATTEMPTS_MAX {
            state.hello_attempts += 1;
            debug!(peer = %state.id, %error, "hello failed; trying again");
            self.swarm.behaviour_mut().hello.send_request(&peer, self.hello_bytes.clone());
        } else {
            warn!(peer = %state.id, %error, "peer never answered the hello; disconnecting it");
            let _ = self.swarm.disconnect_peer_id(peer);
        }
    }

    /// The sender of an inbound message or request, if its hello was checked.
    fn accepted_sender(&self, peer: &PeerId) -> Option<NodeId> {
        let sender = self.peers.get(peer).filter(|state| state.hello_checked).map(|state| state.id);
        if sender.is_none() {
            Counters::bump(&self.shared.counters.dropped_before_hello);
            debug!(%peer, "dropped a message from a peer before its hello");
        }
        sender
    }

    fn on_message(&mut self, event: RrEvent<Vec<u8>, Vec<u8>>) {
        match event {
            RrEvent::Message { peer, message: RrMessage::Request { request, channel, .. }, .. } => {
                if let Some(from) = self.accepted_sender(&peer) {
                    let _ = self.swarm.behaviour_mut().message.send_response(channel, Vec::new());
                    self.deliver(NetEvent::Message { from, bytes: request });
                }
            }
            RrEvent::Message { peer, message: RrMessage::Response { request_id, .. }, .. } => {
                self.on_message_done(peer, request_id);
            }
            RrEvent::OutboundFailure { peer, request_id, error, .. } => {
                Counters::bump(&self.shared.counters.send_failures);
                debug!(%peer, %error, "message not delivered");
                if matches!(error, OutboundFailure::Timeout) {
                    // The swarm acknowledges without waiting for the node, so a message
                    // unacknowledged this long means a dead connection (there is no ping):
                    // drop it and let the re-dial make a fresh one.
                    warn!(%peer, "a message timed out; disconnecting the peer to reconnect");
                    let _ = self.swarm.disconnect_peer_id(peer);
                }
                self.on_message_done(peer, request_id);
            }
            RrEvent::InboundFailure { peer, error, .. } => self.on_inbound_failure(peer, error),
            RrEvent::ResponseSent { .. } => {}
        }
    }

    fn on_request(&mut self, event: RrEvent<Vec<u8>, Vec<u8>>) {
        match event {
            RrEvent::Message { peer, message: RrMessage::Request { request, channel, .. }, .. } => {
                if let Some(from) = self.accepted_sender(&peer) {
                    let (respond, answer) = oneshot::channel();
                    // Bounded in time like the asker's wait, so that an answer the node
                    // forgets (without dropping `respond`) does not hold memory forever.
                    let answer = tokio::time::timeout(REQUEST_TIMEOUT_MAX, answer);
                    self.answers
                        .push(async move { (channel, answer.await.ok().and_then(Result::ok)) }.boxed());
                    self.deliver(NetEvent::Request { from, bytes: request, respond });
                }
            }
            RrEvent::Message { peer, message: RrMessage::Response { request_id, response }, .. } => {
                if let Some(state) = self.peers.get_mut(&peer) {
                    state.requests.remove(&request_id);
                }
                if let Some((_, reply)) = self.requests.remove(&request_id) {
                    let _ = reply.send(Ok(response));
                }
            }
            RrEvent::OutboundFailure { peer, request_id, error, .. } => {
                if let Some(state) = self.peers.get_mut(&peer) {
                    state.requests.remove(&request_id);
                }
                let Some((id, reply)) = self.requests.remove(&request_id) else { return };
                let _ = reply.send(Err(match error {
                    OutboundFailure::Timeout => NetError::Timeout(id),
                    OutboundFailure::Io(e) => {
                        NetError::RequestFailed { peer: id, reason: libp2p_error_chain(&e) }
                    }
                    other => NetError::RequestFailed { peer: id, reason: other.to_string() },
                }));
            }
            RrEvent::InboundFailure { peer, error, .. } => self.on_inbound_failure(peer, error),
            RrEvent::ResponseSent { .. } => {}
        }
    }

    fn on_inbound_failure(&mut self, peer: PeerId, error: request_response::InboundFailure) {
        // Oversized frames never get here (see `FrameCodec`): libp2p drops requests that
        // fail to read without reporting them.
        debug!(%peer, %error, "inbound message failed");
    }

    fn on_answer(&mut self, channel: ResponseChannel<Vec<u8>>, answer: Option<Vec<u8>>) {
        // No answer (the node dropped `respond`): the channel drops and the asker's request fails.
        let Some(answer) = answer else { return };
        if answer.len() > self.message_bytes_max {
            warn!(len = answer.len(), max = self.message_bytes_max, "answer too large; not sent");
            return;
        }
        let _ = self.swarm.behaviour_mut().request.send_response(channel, answer);
    }

    fn on_command(&mut self, command: Command) {
        match command {
            Command::Broadcast(bytes) => {
                let targets: Vec<PeerId> =
                    self.peers.iter().filter(|(_, state)| state.connected).map(|(peer, _)| *peer).collect();
                for peer in targets {
                    self.send_message(peer, bytes.clone());
                }
            }
            Command::Send { to, bytes } => match self.connected_peer(to) {
                Some(peer) => self.send_message(peer, bytes),
                None => Counters::bump(&self.shared.counters.dropped_not_connected),
            },
            Command::Request { to, bytes, reply } => {
                let Some(peer) = self.connected_peer(to) else {
                    let _ = reply.send(Err(NetError::NotConnected(to)));
                    return;
                };
                let Some(state) = self.peers.get_mut(&peer) else { return };
                if state.requests.len() >= REQUESTS_IN_FLIGHT_PER_PEER_MAX {
                    let _ = reply.send(Err(NetError::QueueFull(to)));
                    return;
                }
                let request_id = self.swarm.behaviour_mut().request.send_request(&peer, bytes);
                state.requests.insert(request_id);
                self.requests.insert(request_id, (to, reply));
            }
            Command::SetAllowed(allowed) => self.set_allowed(&allowed),
            Command::Shutdown(_) => unreachable!("run() handles shutdown"),
        }
    }

    /// Replaces the allow list (the chain admitted or removed a node): a newly allowed id
    /// may connect; a connection to an id no longer allowed is closed by the allow list
    /// behaviour, and the id is no longer re-dialed.
    fn set_allowed(&mut self, allowed: &BTreeSet<NodeId>) {
        let local = *self.swarm.local_peer_id();
        let mut wanted = HashMap::new();
        for node in allowed {
            match peer_id_of(*node) {
                Ok(peer) if peer != local => {
                    wanted.insert(peer, *node);
                }
                Ok(_) => {}
                Err(error) => warn!(peer = %node, %error, "an allowed node id has no peer id"),
            }
        }
        let list = &mut self.swarm.behaviour_mut().allowed;
        let before: Vec<PeerId> = list.allowed_peers().iter().copied().collect();
        for (peer, node) in &wanted {
            if list.allow_peer(*peer) {
                info!(peer = %node, "allowed to connect (the chain names it)");
            }
        }
        for peer in before.into_iter().filter(|peer| !wanted.contains_key(peer)) {
            list.disallow_peer(peer);
            self.dials.remove(&peer);
            info!(peer = ?node_id_of(&peer), "no longer allowed: disconnecting it");
        }
    }

    fn connected_peer(&self, id: NodeId) -> Option<PeerId> {
        self.peers.iter().find(|(_, state)| state.connected && state.id == id).map(|(peer, _)| *peer)
    }

    /// Sends a one-way message now if the peer's in-flight window has room, else queues it
    /// in the peer's outbox, else drops it.
    fn send_message(&mut self, peer: PeerId, bytes: Vec<u8>) {
        let Some(state) = self.peers.get_mut(&peer) else { return };
        if state.messages.len() < MESSAGES_IN_FLIGHT_PER_PEER_MAX && state.outbox.is_empty() {
            let request_id = self.swarm.behaviour_mut().message.send_request(&peer, bytes);
            state.messages.insert(request_id);
        } else if state.outbox.len() < OUTBOX_MESSAGES_MAX
            && state.outbox_bytes.saturating_add(bytes.len()) <= OUTBOX_BYTES_MAX
        {
            state.outbox_bytes += bytes.len();
            state.outbox.push_back(bytes);
        } else {
            Counters::bump(&self.shared.counters.dropped_queue_full);
        }
    }

    /// A one-way message left the in-flight window: the next queued one takes its place.
    fn on_message_done(&mut self, peer: PeerId, request_id: OutboundRequestId) {
        let Some(state) = self.peers.get_mut(&peer) else { return };
        state.messages.remove(&request_id);
        while state.messages.len() < MESSAGES_IN_FLIGHT_PER_PEER_MAX {
            let Some(bytes) = state.outbox.pop_front() else { break };
            state.outbox_bytes -= bytes.len();
            let request_id = self.swarm.behaviour_mut().message.send_request(&peer, bytes);
            state.messages.insert(request_id);
        }
    }

    /// Hands an event to the node without ever waiting: connection events queue in order
    /// when the channel is full; messages and requests are dropped then.
    fn deliver(&mut self, event: NetEvent) {
        let lifecycle = matches!(event, NetEvent::Connected(_) | NetEvent::Disconnected(_));
        let event = if self.backlog.is_empty() {
            match self.events.try_send(event) {
                Ok(()) | Err(TrySendError::Closed(_)) => return,
                Err(TrySendError::Full(event)) => event,
            }
        } else {
            event
        };
        if lifecycle || (!self.backlog.is_empty() && self.backlog.len() < EVENTS_CAPACITY) {
            self.backlog.push_back(event);
        } else {
            Counters::bump(&self.shared.counters.dropped_events_full);
        }
    }

    /// Dials the configured peers that are down and due, and forgets requests whose
    /// callers stopped waiting.
    fn redial(&mut self) {
        let now = Instant::now();
        for (peer, dial) in &mut self.dials {
            if now < dial.next_at || self.swarm.is_connected(peer) {
                continue;
            }
            let opts = DialOpts::peer_id(*peer)
                .addresses(vec![dial.addr.clone()])
                .condition(PeerCondition::DisconnectedAndNotDialing)
                .build();
            if let Err(error) = self.swarm.dial(opts) {
                debug!(%peer, %error, "not dialing");
            }
            dial.next_at = now + dial.backoff;
            dial.backoff = (dial.backoff * 2).min(REDIAL_BACKOFF_MAX);
        }
        self.requests.retain(|_, (_, reply)| !reply.is_closed());
    }
}
