//! The engine's interface: the events it takes, the effects it returns, and the two
//! narrow traits through which it reads the committed chain and the clock.
//!
//! A reader who opens this file has the whole contract between the engine and whatever
//! drives it: the node's tokio actor ([`crate::actor`]) or the deterministic simulation.

use std::time::Duration;

use jcm_consensus::{CommitCertificate, Timeout, ValidatorKey};
use jcm_runtime::chain::Executed;
use jcm_runtime::codec::Hash32;
use jcm_runtime::crypto::PublicKey;
use jcm_runtime::protocol::{Block, Header, Transaction};
use jcm_runtime::state::ReadStore;
use jcm_runtime::time::Timestamp;
use jcm_runtime::verdict::Verdict;

use crate::chain::ChainError;
use crate::home::NodeId;
use crate::mempool::{Checked, Refusal};
use crate::wal::Record;
use crate::wire::Message;

/// A committed block's canonical bytes and its certificate's, as peers are sent them.
pub type CommittedBytes = (Vec<u8>, Vec<u8>);

/// The committed chain, as the engine reads and extends it. The node implements it over
/// RocksDB; the simulation over memory ([`super::MemChain`]).
pub trait Chain {
    /// Executes `txs` as the block after `parent` with `header`'s height and time, over
    /// the committed state, skipping the signature check of the transactions `verified`
    /// names. Touches nothing.
    fn execute(
        &self,
        parent: &Header,
        header: &Header,
        txs: &[Transaction],
        verified: &dyn Fn(&Hash32) -> bool,
    ) -> Executed;
    /// The commit certificate stored with `height` (none for the genesis).
    fn certificate(&self, height: u64) -> Result<Option<CommitCertificate>, ChainError>;
    /// The canonical bytes of the committed block at `height` and of its certificate.
    fn committed_bytes(&self, height: u64) -> Result<Option<CommittedBytes>, ChainError>;
    /// Writes a validated block, its certificate and its execution, atomically and
    /// durably. An error stops the node.
    fn commit(
        &mut self,
        block: &Block,
        certificate: &CommitCertificate,
        executed: Executed,
    ) -> Result<(), ChainError>;
    /// Runs `f` over the committed runtime state (the mempool's admission and re-checks).
    fn with_state<R>(&self, f: impl FnOnce(&dyn ReadStore) -> R) -> R;
}

/// The local clock. Wall time since the Unix epoch; the simulation gives each node its
/// own skewed and drifting one.
pub trait Clock {
    /// Now.
    fn now(&self) -> Duration;

    /// Now, in the runtime's whole seconds.
    fn timestamp(&self) -> Timestamp {
        Timestamp(self.now().as_secs())
    }
}

/// The system clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the one clock the engine reads, at the actor's edge
    fn now(&self) -> Duration {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default()
    }
}

/// Something the engine asked to be told about later.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Timer {
    /// A consensus timeout.
    Consensus(Timeout),
    /// The commit pause after `height` is over: start the next height.
    NextHeight(u64),
    /// A fetched block of the next height is waiting: commit it (a separate event, so
    /// messages and requests are served between fetched blocks).
    CommitFetched,
}

/// What happens to the engine.
#[derive(Debug)]
pub enum Event {
    /// A peer connected.
    Connected(NodeId),
    /// A peer disconnected.
    Disconnected(NodeId),
    /// A peer's one-way message, decoded ([`Message::decode`]).
    Message {
        /// The sender.
        from: NodeId,
        /// The message.
        message: Message,
    },
    /// A timer the engine set went off.
    Timer(Timer),
    /// The periodic gossip tick: re-send own messages and the committed height.
    Gossip,
    /// A peer answered a block request ([`Effect::Fetch`]), or failed to.
    Fetched {
        /// The peer asked.
        peer: NodeId,
        /// The height asked for.
        height: u64,
        /// Its answer's bytes, or why there is none.
        answer: Result<Vec<u8>, String>,
    },
    /// Transactions a peer relayed, decoded and signature-checked off the engine's thread.
    Relayed(Vec<Checked>),
    /// A request of the node's API; its answer is the event's [`Effect::Reply`].
    Rpc(Request),
    /// The end of a batch of API requests: relay what they admitted to the peers.
    FlushRelay,
}

/// An API request the engine answers (it owns the mempool).
#[derive(Debug)]
pub enum Request {
    /// Admit a submitted transaction.
    Submit(Box<Checked>),
    /// The verdict the next block would give a transaction, after the signer's pending ones.
    DryRun(Box<Checked>),
    /// A pending transaction.
    Pending(Hash32),
    /// The nonce to sign a signer's next transaction with.
    NextNonce(PublicKey),
}

/// The answer to a [`Request`].
#[derive(Debug)]
pub enum Reply {
    /// The submitted transaction was admitted (its hash) or refused.
    Submitted(Result<Hash32, Refusal>),
    /// The dry run's verdict, for the block at `height`.
    DryRun {
        /// The verdict.
        verdict: Verdict,
        /// The height of the block it is for.
        height: u64,
    },
    /// The pending transaction, if it is.
    Pending(Option<Box<Transaction>>),
    /// The signer's nonce in the state, and its next one counting pending transactions.
    NextNonce {
        /// In the committed state.
        state: u64,
        /// Counting pending transactions.
        next: u64,
    },
}

/// What the engine tells the node to do, in order. Whoever carries them out must do so
/// in the order given, each to the end before the next: a [`Effect::Persist`] is on disk
/// before any message after it leaves.
#[derive(Debug)]
pub enum Effect {
    /// Append these records to the write-ahead record and sync it.
    Persist(Vec<Record>),
    /// Start a new write-ahead record holding only these (the guard's mark, after a commit).
    RestartWal(Vec<Record>),
    /// Send a message to one peer.
    Send {
        /// The peer.
        to: NodeId,
        /// The message.
        message: Message,
    },
    /// Send a message to every connected peer.
    Broadcast(Message),
    /// Deliver [`Event::Timer`] after a delay.
    SetTimer {
        /// The delay.
        after: Duration,
        /// What to deliver.
        timer: Timer,
    },
    /// Ask a peer for the committed block at a height; deliver [`Event::Fetched`].
    Fetch {
        /// The peer.
        peer: NodeId,
        /// The height.
        height: u64,
    },
    /// The answer to the event's [`Request`].
    Reply(Reply),
    /// A block was committed (already written to the [`Chain`]): for logs and metrics.
    Committed(Committed),
    /// The node's live status changed.
    Progress(Progress),
    /// A validator signed two conflicting messages.
    Evidence(Box<jcm_consensus::Evidence>),
}

/// A committed block, as the metrics see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Committed {
    /// Its header.
    pub header: Header,
    /// Its transactions.
    pub txs: usize,
    /// Those rejected by a rule.
    pub rejected: usize,
    /// Time since the previous commit, by the engine's clock.
    pub interval: Duration,
    /// Validators whose precommit is not in the certificate.
    pub missed: Vec<ValidatorKey>,
}

/// The node's live status.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Progress {
    /// The last committed header's height.
    pub height: u64,
    /// The round consensus is in at `height + 1`.
    pub round: u32,
    /// Connected peers.
    pub peers: Vec<NodeId>,
    /// The highest height a peer has announced (0 when none).
    pub best_known_height: u64,
    /// Transactions and bytes in the mempool.
    pub mempool: (usize, usize),
    /// This node's validator key is in the set that decides `height + 1`.
    pub validating: bool,
    /// Ready to serve: the node has heard from the network (a peer, or its first gossip
    /// tick) and is at most one height behind what its peers announced.
    pub ready: bool,
}

impl Progress {
    /// True while the node is more than one height behind what its peers announced.
    pub fn catching_up(&self) -> bool {
        self.best_known_height > self.height + 1
    }
}
