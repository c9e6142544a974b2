//! The handle to the network task: [`Net`], the commands it sends and the state the task
//! shares with it (connected peers, counters, refusals).

use std::collections::{BTreeSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::{Mutex, RwLock};
use tokio::sync::{mpsc, oneshot};

use super::{NetError, Refusal, REFUSALS_KEPT_MAX, REQUEST_TIMEOUT_MAX};
use crate::home::NodeId;

/// Where the answer to one of this node's requests goes.
pub(crate) type Reply = oneshot::Sender<Result<Vec<u8>, NetError>>;

/// What a [`Net`] handle asks of the network task.
#[derive(Debug)]
pub(crate) enum Command {
    Broadcast(Vec<u8>),
    Send { to: NodeId, bytes: Vec<u8> },
    Request { to: NodeId, bytes: Vec<u8>, reply: Reply },
    SetAllowed(BTreeSet<NodeId>),
    Shutdown(oneshot::Sender<()>),
}

/// Counters of what the network dropped or refused, since it started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NetStats {
    /// Outbound messages dropped because the task's queue or a peer's outbox was full.
    pub dropped_queue_full: u64,
    /// Outbound messages not sent because they exceed `message_bytes_max`.
    pub dropped_too_large: u64,
    /// Messages sent to a peer that is not connected (or whose hello is not done).
    pub dropped_not_connected: u64,
    /// One-way messages whose delivery failed (connection lost, stream reset, timeout).
    pub send_failures: u64,
    /// Inbound frames refused because they exceed `message_bytes_max`.
    pub refused_oversized: u64,
    /// Inbound messages and requests dropped because the peer's hello was not checked.
    pub dropped_before_hello: u64,
    /// Inbound messages and requests dropped because the node's event channel was full.
    pub dropped_events_full: u64,
}

/// The counters behind [`NetStats`].
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub dropped_queue_full: AtomicU64,
    pub dropped_too_large: AtomicU64,
    pub dropped_not_connected: AtomicU64,
    pub send_failures: AtomicU64,
    pub refused_oversized: AtomicU64,
    pub dropped_before_hello: AtomicU64,
    pub dropped_events_full: AtomicU64,
}

impl Counters {
    pub(crate) fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// State the task writes and the handles read.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    /// Peers connected with their hello done.
    pub connected: RwLock<BTreeSet<NodeId>>,
    pub counters: Counters,
    /// The most recent refusals, oldest first.
    pub refusals: Mutex<VecDeque<Refusal>>,
}

impl Shared {
    pub(crate) fn refuse(&self, refusal: Refusal) {
        let mut refusals = self.refusals.lock();
        if refusals.len() == REFUSALS_KEPT_MAX {
            refusals.pop_front();
        }
        refusals.push_back(refusal);
    }
}

/// A handle to the running network; cheap to clone. The network stops on
/// [`Net::shutdown`] or when the last handle is dropped.
#[derive(Clone, Debug)]
pub struct Net {
    pub(crate) local_id: NodeId,
    pub(crate) message_bytes_max: usize,
    pub(crate) commands: mpsc::Sender<Command>,
    pub(crate) shared: Arc<Shared>,
}

impl Net {
    /// Sends `bytes` to every connected peer. Never blocks: if the task's queue or a
    /// peer's outbox is full, the message is dropped (for that peer) and counted.
    pub fn broadcast(&self, bytes: Vec<u8>) {
        if self.fits(&bytes) {
            self.enqueue(Command::Broadcast(bytes));
        }
    }

    /// Replaces the allow list: ids newly in it may connect, and connections to ids no
    /// longer in it are closed (and no longer re-dialed). False if the task's queue is
    /// full, so the caller tries again.
    pub fn set_allowed(&self, allowed: BTreeSet<NodeId>) -> bool {
        self.commands.try_send(Command::SetAllowed(allowed)).is_ok()
    }

    /// Sends `bytes` to one peer, like [`Net::broadcast`]; dropped if it is not connected.
    pub fn send(&self, to: NodeId, bytes: Vec<u8>) {
        if self.fits(&bytes) {
            self.enqueue(Command::Send { to, bytes });
        }
    }

    /// Asks `to` and waits for its answer, at most `timeout` (and at most
    /// [`REQUEST_TIMEOUT_MAX`](super::REQUEST_TIMEOUT_MAX)).
    pub async fn request(&self, to: NodeId, bytes: Vec<u8>, timeout: Duration) -> Result<Vec<u8>, NetError> {
        if bytes.len() > self.message_bytes_max {
            return Err(NetError::TooLarge { len: bytes.len(), max: self.message_bytes_max });
        }
        let timeout = timeout.min(REQUEST_TIMEOUT_MAX);
        let (reply, answer) = oneshot::channel();
        self.commands.try_send(Command::Request { to, bytes, reply }).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => NetError::QueueFull(to),
            mpsc::error::TrySendError::Closed(_) => NetError::Stopped,
        })?;
        match tokio::time::timeout(timeout, answer).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(NetError::Stopped),
            Err(_) => Err(NetError::Timeout(to)),
        }
    }

    /// The peers connected now, their hello done.
    pub fn peers(&self) -> Vec<NodeId> {
        self.shared.connected.read().iter().copied().collect()
    }

    /// This node's id.
    pub fn local_id(&self) -> NodeId {
        self.local_id
    }

    /// What was dropped or refused so far.
    pub fn stats(&self) -> NetStats {
        let c = &self.shared.counters;
        let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        NetStats {
            dropped_queue_full: read(&c.dropped_queue_full),
            dropped_too_large: read(&c.dropped_too_large),
            dropped_not_connected: read(&c.dropped_not_connected),
            send_failures: read(&c.send_failures),
            refused_oversized: read(&c.refused_oversized),
            dropped_before_hello: read(&c.dropped_before_hello),
            dropped_events_full: read(&c.dropped_events_full),
        }
    }

    /// The most recent refused peers (at most [`REFUSALS_KEPT_MAX`]), oldest first.
    pub fn refusals(&self) -> Vec<Refusal> {
        self.shared.refusals.lock().iter().cloned().collect()
    }

    /// Stops the network: closes every connection and the listener, and returns once
    /// the port is free. Other handles then fail with [`NetError::Stopped`] or drop.
    pub async fn shutdown(&self) {
        let (done, stopped) = oneshot::channel();
        if self.commands.send(Command::Shutdown(done)).await.is_ok() {
            // An error means the task is already gone, which is what was asked.
            let _ = stopped.await;
        }
    }

    fn fits(&self, bytes: &[u8]) -> bool {
        let fits = bytes.len() <= self.message_bytes_max;
        if !fits {
            Counters::bump(&self.shared.counters.dropped_too_large);
        }
        fits
    }

    fn enqueue(&self, command: Command) {
        if let Err(mpsc::error::TrySendError::Full(_)) = self.commands.try_send(command) {
            Counters::bump(&self.shared.counters.dropped_queue_full);
        }
    }
}
