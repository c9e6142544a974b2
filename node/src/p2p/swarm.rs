//! How the swarm is put together: transport (TCP, noise, yamux), the allow list and
//! the three request-response protocols, and the listener.

use std::net::SocketAddr;
use std::sync::Arc;

use libp2p::allow_block_list::{self, AllowedPeers};
use libp2p::core::transport::Transport as _;
use libp2p::core::upgrade::Version;
use libp2p::multiaddr::Protocol;
use libp2p::request_response::{self, ProtocolSupport};
use libp2p::swarm::NetworkBehaviour;
use libp2p::{identity, noise, tcp, yamux, Multiaddr, StreamProtocol, Swarm};

use super::codec::FrameCodec;
use super::hello::HELLO_BYTES_MAX;
use super::ingress::Shared;
use super::{
    peer_id_of, NetConfig, NetError, MESSAGES_IN_FLIGHT_PER_PEER_MAX, MESSAGE_TIMEOUT,
    REQUESTS_IN_FLIGHT_PER_PEER_MAX, REQUEST_TIMEOUT_MAX, STREAMS_PER_CONNECTION_MAX,
};
use crate::limits::{HELLO_TIMEOUT, IDLE_CONNECTION_TIMEOUT};

/// The hello protocol (see `hello.rs`).
const PROTOCOL_HELLO: StreamProtocol = StreamProtocol::new("/jcm/hello/1");
/// One-way messages, acknowledged by an empty frame.
const PROTOCOL_MESSAGE: StreamProtocol = StreamProtocol::new("/jcm/msg/1");
/// Requests answered by the node.
const PROTOCOL_REQUEST: StreamProtocol = StreamProtocol::new("/jcm/req/1");

/// The swarm's behaviours. The allow list comes first so that a refused peer never
/// reaches the others.
#[derive(NetworkBehaviour)]
pub(crate) struct Protocols {
    pub allowed: allow_block_list::Behaviour<AllowedPeers>,
    pub hello: request_response::Behaviour<FrameCodec>,
    pub message: request_response::Behaviour<FrameCodec>,
    pub request: request_response::Behaviour<FrameCodec>,
}

/// The swarm of this node: its key, the allow list of `config.allowed`, the protocols.
pub(crate) fn build(
    config: &NetConfig,
    keypair: identity::Keypair,
    shared: &Arc<Shared>,
) -> Result<Swarm<Protocols>, NetError> {
    let mut allowed = allow_block_list::Behaviour::<AllowedPeers>::default();
    for node in &config.allowed {
        allowed.allow_peer(peer_id_of(*node)?);
    }

    let noise = noise::Config::new(&keypair).map_err(|e| NetError::Config(format!("noise: {e}")))?;
    let transport = tcp::tokio::Transport::new(tcp::Config::default().nodelay(true))
        .upgrade(Version::V1Lazy)
        .authenticate(noise)
        .multiplex(yamux::Config::default())
        .timeout(config.dial_timeout)
        .boxed();
    let protocol = |name, frame_bytes_max, timeout, in_flight_max: usize| {
        let config = request_response::Config::default()
            .with_request_timeout(timeout)
            // Ours and the peer's at the same time.
            .with_max_concurrent_streams(2 * in_flight_max);
        let protocols = [(name, ProtocolSupport::Full)];
        request_response::Behaviour::with_codec(
            FrameCodec::new(frame_bytes_max, shared.clone()),
            protocols,
            config,
        )
    };
    let max = config.message_bytes_max;
    let behaviour = Protocols {
        allowed,
        hello: protocol(PROTOCOL_HELLO, HELLO_BYTES_MAX, HELLO_TIMEOUT, 1),
        message: protocol(PROTOCOL_MESSAGE, max, MESSAGE_TIMEOUT, MESSAGES_IN_FLIGHT_PER_PEER_MAX),
        request: protocol(PROTOCOL_REQUEST, max, REQUEST_TIMEOUT_MAX, REQUESTS_IN_FLIGHT_PER_PEER_MAX),
    };
    let swarm_config = libp2p::swarm::Config::with_tokio_executor()
        // Connections stay up while idle: the peers are few and always wanted.
        .with_idle_connection_timeout(IDLE_CONNECTION_TIMEOUT)
        .with_max_negotiating_inbound_streams(STREAMS_PER_CONNECTION_MAX);
    let local_peer = keypair.public().to_peer_id();
    Ok(Swarm::new(transport, behaviour, local_peer, swarm_config))
}

/// Starts listening on `addr`, failing at once if it is taken.
pub(crate) fn listen(swarm: &mut Swarm<Protocols>, addr: SocketAddr) -> Result<(), NetError> {
    probe(addr)?;
    swarm
        .listen_on(multiaddr(addr))
        .map(drop)
        .map_err(|e| NetError::Listen { addr, reason: libp2p_error_chain(&e) })
}

/// Fails if `addr` is taken. libp2p binds its listener with `SO_REUSEPORT`, so a second
/// node on a port would otherwise bind it too and silently share its connections; a
/// plain bind fails when any socket, libp2p's included, already listens there.
fn probe(addr: SocketAddr) -> Result<(), NetError> {
    std::net::TcpListener::bind(addr)
        .map(drop)
        .map_err(|e| NetError::Listen { addr, reason: format!("{e} (is another node running on it?)") })
}

pub(crate) fn multiaddr(addr: SocketAddr) -> Multiaddr {
    Multiaddr::empty().with(Protocol::from(addr.ip())).with(Protocol::Tcp(addr.port()))
}

/// An error and its causes, on one line (libp2p's errors keep the OS error in a source).
pub(crate) fn libp2p_error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text = format!("{text}: {cause}");
        source = cause.source();
    }
    text
}
