//! The node's peer-to-peer layer: a permissioned, fully meshed network of a few (4–10)
//! known nodes over libp2p (TCP, noise, yamux, tokio).
//!
//! The higher layers hand it opaque byte messages and get [`NetEvent`]s back; it never
//! interprets them. There is no gossip: [`Net::broadcast`] sends a message directly to
//! every connected peer.
//!
//! - **Identity.** A node's libp2p key is its node key (an ed25519 seed); its
//!   [`NodeId`] and its libp2p `PeerId` map one-to-one ([`peer_id_of`], [`node_id_of`]).
//! - **Permissioning.** Only the ids in [`NetConfig::allowed`] may stay connected, in
//!   either direction: libp2p's allow list denies any other connection as soon as the
//!   noise handshake has named the peer, and the refusal is logged once per peer id.
//!   [`Net::set_allowed`] replaces the list while the node runs (the node hands it the
//!   chain's validator and observer node ids after each commit, [`crate::allow`]): a
//!   newly allowed id may connect, and an id taken out is disconnected and not re-dialed.
//! - **Hello.** Right after the first connection to a peer, each side sends its chain id
//!   and genesis hash (see `hello.rs`). A peer of another chain is refused, logged with
//!   both genesis hashes, and disconnected; it is never reported [`NetEvent::Connected`].
//!   Messages from a peer whose hello has not been checked are dropped.
//! - **Messages.** Each message is one request-response exchange on its own yamux
//!   stream: `/jcm/msg/1` for one-way messages (answered by an empty acknowledgement),
//!   `/jcm/req/1` for requests the node answers. Frames are length-prefixed and larger
//!   ones than [`NetConfig::message_bytes_max`] are refused before they are read; the
//!   connection survives. Messages from one peer may be delivered out of order.
//! - **Dialing.** The configured [`NetConfig::peers`] are dialed, and re-dialed with
//!   exponential backoff (capped at [`REDIAL_BACKOFF_MAX`]) while disconnected; both
//!   sides may dial each other and duplicate connections are fine.
//! - **Bounds.** Every queue has a named limit below; outbound messages beyond one are
//!   dropped and counted in [`NetStats`], never waited for. Each peer has an in-flight
//!   window of one-way messages and, behind it, an outbox that absorbs bursts.
//!
//! The layer is one task (`actor.rs`) that drives the swarm (`swarm.rs`), through the
//! [`Net`] handle (`ingress.rs`).

mod actor;
mod codec;
mod hello;
mod ingress;
mod swarm;

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use libp2p::identity;
use libp2p::PeerId;
use tokio::sync::{mpsc, oneshot};

use crate::home::NodeId;

use ingress::Shared;
use jcm_runtime::crypto::PublicKey;

use crate::limits::{
    CHAIN_ID_BYTES_MAX, COMMANDS_CAPACITY, EVENTS_CAPACITY, HELLO_ATTEMPTS_MAX,
    MESSAGES_IN_FLIGHT_PER_PEER_MAX, MESSAGE_TIMEOUT, OUTBOX_BYTES_MAX, OUTBOX_MESSAGES_MAX,
    REDIAL_BACKOFF_MAX, REDIAL_BACKOFF_MIN, REDIAL_TICK, REFUSALS_KEPT_MAX, REFUSED_PEERS_REMEMBERED_MAX,
    REQUESTS_IN_FLIGHT_PER_PEER_MAX, REQUEST_TIMEOUT_MAX, STREAMS_PER_CONNECTION_MAX,
};
pub use ingress::{Net, NetStats};

/// How to run the network.
#[derive(Clone)]
pub struct NetConfig {
    /// The TCP address to listen on.
    pub listen: SocketAddr,
    /// The ed25519 seed of the node key; the libp2p identity derives from it.
    pub node_secret: [u8; 32],
    /// Peers to dial, and to keep re-dialing while they are disconnected.
    pub peers: Vec<(NodeId, SocketAddr)>,
    /// The only node ids that may stay connected, inbound or outbound.
    pub allowed: BTreeSet<NodeId>,
    /// The chain's id; peers must say the same in their hello.
    pub chain_id: String,
    /// The chain's genesis hash; peers must say the same in their hello.
    pub genesis_hash: [u8; 32],
    /// Inbound frames longer than this are refused unread; outbound ones are not sent.
    pub message_bytes_max: usize,
    /// The longest a dial (TCP connect, noise and yamux) may take.
    pub dial_timeout: Duration,
}

impl std::fmt::Debug for NetConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never prints the secret.
        f.debug_struct("NetConfig")
            .field("listen", &self.listen)
            .field("peers", &self.peers)
            .field("allowed", &self.allowed)
            .field("chain_id", &self.chain_id)
            .field("genesis_hash", &hex::encode(self.genesis_hash))
            .field("message_bytes_max", &self.message_bytes_max)
            .field("dial_timeout", &self.dial_timeout)
            .finish_non_exhaustive()
    }
}

/// What the network tells the node.
#[derive(Debug)]
pub enum NetEvent {
    /// A peer is connected and its hello matched; messages to and from it flow.
    Connected(NodeId),
    /// A connected peer's last connection closed.
    Disconnected(NodeId),
    /// A one-way message from a peer.
    Message { from: NodeId, bytes: Vec<u8> },
    /// A peer asks; the node answers through `respond` (dropping it answers nothing, and
    /// the asking peer's request fails).
    Request { from: NodeId, bytes: Vec<u8>, respond: oneshot::Sender<Vec<u8>> },
}

/// The network's errors.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    /// The listening address cannot be bound (typically: the port is taken).
    #[error("cannot listen on {addr}: {reason}")]
    Listen { addr: SocketAddr, reason: String },
    /// The configuration cannot work.
    #[error("invalid p2p configuration: {0}")]
    Config(String),
    /// The peer is not connected (or its hello is not done).
    #[error("peer {0} is not connected")]
    NotConnected(NodeId),
    /// Too many requests to this peer are waiting for answers, or the task's queue is full.
    #[error("too many requests waiting for peer {0}")]
    QueueFull(NodeId),
    /// The message is longer than `message_bytes_max`.
    #[error("message of {len} bytes exceeds the limit of {max} bytes")]
    TooLarge { len: usize, max: usize },
    /// No answer within the timeout.
    #[error("peer {0} did not answer in time")]
    Timeout(NodeId),
    /// The request failed on the way (connection lost, stream reset, answer refused).
    #[error("request to peer {peer} failed: {reason}")]
    RequestFailed { peer: NodeId, reason: String },
    /// The network task has stopped.
    #[error("the network has shut down")]
    Stopped,
}

/// A peer this node refused, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The refused peer.
    pub peer: NodeId,
    /// Why.
    pub reason: RefusalReason,
}

/// Why a peer was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefusalReason {
    /// Its id is not in [`NetConfig::allowed`].
    NotAllowed,
    /// Its hello names another chain.
    OtherChain {
        chain_id_theirs: String,
        chain_id_ours: String,
        genesis_theirs: [u8; 32],
        genesis_ours: [u8; 32],
    },
    /// Its hello is not a hello.
    BadHello(String),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let peer = &self.peer;
        match &self.reason {
            RefusalReason::NotAllowed => write!(f, "peer {peer} is not an allowed node id"),
            RefusalReason::OtherChain { chain_id_theirs, chain_id_ours, genesis_theirs, genesis_ours } => write!(
                f,
                "peer {peer} runs chain `{chain_id_theirs}` genesis {}, this node runs chain `{chain_id_ours}` \
                 genesis {}: it is not on this chain",
                hex::encode(genesis_theirs),
                hex::encode(genesis_ours)
            ),
            RefusalReason::BadHello(reason) => write!(f, "peer {peer} sent a malformed hello: {reason}"),
        }
    }
}

/// The libp2p peer id of a node id.
pub fn peer_id_of(node: NodeId) -> Result<PeerId, NetError> {
    let key = identity::ed25519::PublicKey::try_from_bytes(&node.0 .0)
        .map_err(|e| NetError::Config(format!("node id {node} is not an ed25519 public key: {e}")))?;
    Ok(PeerId::from_public_key(&identity::PublicKey::from(key)))
}

/// The node id of a libp2p peer id, if the peer id holds an ed25519 key (every peer id
/// that passed a noise handshake with this layer does).
pub fn node_id_of(peer: &PeerId) -> Option<NodeId> {
    // An ed25519 peer id is the identity multihash (code 0) of the protobuf-encoded key.
    let multihash = peer.as_ref();
    if multihash.code() != 0 {
        return None;
    }
    let key = identity::PublicKey::try_decode_protobuf(multihash.digest()).ok()?;
    let key = key.try_into_ed25519().ok()?;
    Some(NodeId(PublicKey(key.to_bytes())))
}

/// The node id of a node key seed.
pub fn node_id_from_secret(node_secret: [u8; 32]) -> NodeId {
    NodeId(jcm_runtime::crypto::SecretKey::from_seed(node_secret).public())
}

/// Binds the listening address, spawns the network task on the current tokio runtime
/// and returns its handle and its events.
pub async fn start(config: NetConfig) -> Result<(Net, mpsc::Receiver<NetEvent>), NetError> {
    check(&config)?;
    let secret = identity::ed25519::SecretKey::try_from_bytes(config.node_secret)
        .map_err(|e| NetError::Config(format!("node secret: {e}")))?;
    let keypair = identity::Keypair::from(identity::ed25519::Keypair::from(secret));
    let local_id =
        node_id_of(&keypair.public().to_peer_id()).expect("the peer id of an ed25519 key holds the key");
    let shared = Arc::new(Shared::default());
    let mut swarm = swarm::build(&config, keypair, &shared)?;
    swarm::listen(&mut swarm, config.listen)?;
    actor::spawn(swarm, &config, local_id, shared)
}

fn check(config: &NetConfig) -> Result<(), NetError> {
    let invalid = |reason: String| Err(NetError::Config(reason));
    if config.chain_id.len() > CHAIN_ID_BYTES_MAX {
        return invalid(format!("the chain id is longer than {CHAIN_ID_BYTES_MAX} bytes"));
    }
    if u32::try_from(config.message_bytes_max).is_err() {
        return invalid(format!("message_bytes_max {} does not fit in 32 bits", config.message_bytes_max));
    }
    if config.dial_timeout.is_zero() {
        return invalid("dial_timeout is zero".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_and_peer_ids_map_one_to_one() {
        for seed in [[0u8; 32], [1; 32], [0xab; 32]] {
            let node = node_id_from_secret(seed);
            let peer = peer_id_of(node).expect("a real public key");
            assert_eq!(node_id_of(&peer), Some(node));
            let secret = identity::ed25519::SecretKey::try_from_bytes(seed).expect("32 bytes");
            let keypair = identity::Keypair::from(identity::ed25519::Keypair::from(secret));
            assert_eq!(keypair.public().to_peer_id(), peer, "libp2p derives the same key from the seed");
        }
    }

    #[test]
    fn a_non_ed25519_peer_id_has_no_node_id() {
        assert_eq!(node_id_of(&PeerId::random()), None);
    }
}
