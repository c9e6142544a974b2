//! The peer-to-peer layer over real sockets on 127.0.0.1: a full mesh carries broadcasts
//! and requests, a node that is not allowed or runs another genesis is refused, an
//! oversized frame is refused without hurting the connection, and a restarted node is
//! reconnected.
#![allow(clippy::disallowed_methods)] // tests wait for real sockets

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::Duration;

use jcm_node::home::NodeId;
use jcm_node::p2p::{self, Net, NetConfig, NetError, NetEvent, Refusal, RefusalReason};
use tokio::sync::mpsc::Receiver;
use tokio::time::{sleep, timeout, Instant};

const GENESIS: [u8; 32] = [0x11; 32];
const OTHER_GENESIS: [u8; 32] = [0x22; 32];
const CHAIN_ID: &str = "jcm-p2p-test";
/// Long enough for a loopback mesh to form on a loaded 2-core machine, short enough to
/// keep the file fast.
const WAIT: Duration = Duration::from_secs(10);

/// A free port on 127.0.0.1, below the ephemeral range ([`jcm_tests::ports`]).
fn free_addr() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], jcm_tests::ports::free_block(1, 2)))
}

fn secret(n: u8) -> [u8; 32] {
    [n; 32]
}

fn id(n: u8) -> NodeId {
    p2p::node_id_from_secret(secret(n))
}

/// A test node: its number (seed), address and who it dials and allows.
struct Spec {
    n: u8,
    addr: SocketAddr,
}

fn config(me: &Spec, dial: &[&Spec], allowed: &[&Spec], genesis: [u8; 32]) -> NetConfig {
    NetConfig {
        listen: me.addr,
        node_secret: secret(me.n),
        peers: dial.iter().map(|s| (id(s.n), s.addr)).collect(),
        allowed: allowed.iter().map(|s| id(s.n)).collect(),
        chain_id: CHAIN_ID.into(),
        genesis_hash: genesis,
        message_bytes_max: 64 * 1024,
        dial_timeout: Duration::from_secs(2),
    }
}

fn spec(n: u8) -> Spec {
    Spec { n, addr: free_addr() }
}

async fn start(config: NetConfig) -> (Net, Receiver<NetEvent>) {
    p2p::start(config).await.expect("start the network")
}

/// Takes events until one matches, failing the test after [`WAIT`]; returns it.
async fn next_matching(
    events: &mut Receiver<NetEvent>,
    what: &str,
    mut f: impl FnMut(&NetEvent) -> bool,
) -> NetEvent {
    let deadline = Instant::now() + WAIT;
    loop {
        match timeout(deadline.saturating_duration_since(Instant::now()), events.recv()).await {
            Ok(Some(event)) if f(&event) => return event,
            Ok(Some(_)) => {}
            Ok(None) => panic!("events closed while waiting for {what}"),
            Err(_) => panic!("no {what} within {WAIT:?}"),
        }
    }
}

/// Waits until the node has reported all of `peers` connected.
async fn connected_to(events: &mut Receiver<NetEvent>, peers: &[NodeId]) {
    let mut missing: BTreeSet<NodeId> = peers.iter().copied().collect();
    while !missing.is_empty() {
        let event = next_matching(events, "Connected", |e| matches!(e, NetEvent::Connected(_))).await;
        if let NetEvent::Connected(peer) = event {
            missing.remove(&peer);
        }
    }
}

async fn message_from(events: &mut Receiver<NetEvent>, from: NodeId) -> Vec<u8> {
    let event =
        next_matching(events, "a message", |e| matches!(e, NetEvent::Message { from: f, .. } if *f == from))
            .await;
    match event {
        NetEvent::Message { bytes, .. } => bytes,
        _ => unreachable!("matched a message"),
    }
}

/// Every event that arrives within `window`.
async fn events_within(events: &mut Receiver<NetEvent>, window: Duration) -> Vec<NetEvent> {
    let deadline = Instant::now() + window;
    let mut seen = Vec::new();
    while let Ok(Some(event)) =
        timeout(deadline.saturating_duration_since(Instant::now()), events.recv()).await
    {
        seen.push(event);
    }
    seen
}

/// Polls `f` until it is true, failing the test after [`WAIT`].
async fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !f() {
        assert!(Instant::now() < deadline, "not {what} within {WAIT:?}");
        sleep(Duration::from_millis(20)).await;
    }
}

fn sorted(mut ids: Vec<NodeId>) -> Vec<NodeId> {
    ids.sort();
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_mesh_broadcast_and_request() {
    let (a, b, c) = (spec(1), spec(2), spec(3));
    let all = [&a, &b, &c];
    // a dials both, b dials c, c dials nobody: every pair is still connected once.
    let (net_a, mut ev_a) = start(config(&a, &[&b, &c], &all, GENESIS)).await;
    let (net_b, mut ev_b) = start(config(&b, &[&c], &all, GENESIS)).await;
    let (net_c, mut ev_c) = start(config(&c, &[], &all, GENESIS)).await;
    assert_eq!(net_a.local_id(), id(1));

    connected_to(&mut ev_a, &[id(2), id(3)]).await;
    connected_to(&mut ev_b, &[id(1), id(3)]).await;
    connected_to(&mut ev_c, &[id(1), id(2)]).await;
    assert_eq!(net_a.peers(), sorted(vec![id(2), id(3)]));
    assert_eq!(net_b.peers(), sorted(vec![id(1), id(3)]));
    assert_eq!(net_c.peers(), sorted(vec![id(1), id(2)]));

    net_a.broadcast(b"block proposal".to_vec());
    assert_eq!(message_from(&mut ev_b, id(1)).await, b"block proposal");
    assert_eq!(message_from(&mut ev_c, id(1)).await, b"block proposal");

    net_c.send(id(2), b"vote".to_vec());
    assert_eq!(message_from(&mut ev_b, id(3)).await, b"vote");

    // b asks c; c answers with the question reversed.
    let ask = net_b.request(id(3), b"block 7?".to_vec(), WAIT);
    let answer = async {
        let event = next_matching(&mut ev_c, "a request", |e| matches!(e, NetEvent::Request { .. })).await;
        let NetEvent::Request { from, bytes, respond } = event else { unreachable!("matched a request") };
        assert_eq!(from, id(2));
        let reversed: Vec<u8> = bytes.iter().rev().copied().collect();
        respond.send(reversed).expect("the network waits for the answer");
    };
    let (answered, ()) = tokio::join!(ask, answer);
    assert_eq!(answered.expect("c answers"), b"?7 kcolb");

    // A request the node drops unanswered fails on the asking side instead of hanging.
    let ask = net_a.request(id(2), b"anything".to_vec(), WAIT);
    let drop_it = async {
        let event = next_matching(&mut ev_b, "a request", |e| matches!(e, NetEvent::Request { .. })).await;
        drop(event);
    };
    let (failed, ()) = tokio::join!(ask, drop_it);
    assert!(matches!(failed, Err(NetError::RequestFailed { .. })), "{failed:?}");

    // Asking a node that is not connected fails at once.
    let stranger = id(99);
    let not_connected = net_a.request(stranger, b"?".to_vec(), WAIT).await;
    assert!(
        matches!(not_connected, Err(NetError::NotConnected(peer)) if peer == stranger),
        "{not_connected:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_messages_all_arrive() {
    let (a, b) = (spec(1), spec(2));
    let (net_a, mut ev_a) = start(config(&a, &[&b], &[&a, &b], GENESIS)).await;
    let (_net_b, mut ev_b) = start(config(&b, &[&a], &[&a, &b], GENESIS)).await;
    connected_to(&mut ev_a, &[id(2)]).await;

    // Far more than the in-flight window, sent without pause: the outbox absorbs them.
    let count: u32 = 3_000;
    for i in 0..count {
        net_a.broadcast(i.to_be_bytes().to_vec());
    }
    let mut received = BTreeSet::new();
    while received.len() < count as usize {
        let bytes = message_from(&mut ev_b, id(1)).await;
        received.insert(u32::from_be_bytes(bytes.try_into().expect("4 bytes")));
    }
    assert_eq!(received, (0..count).collect());
    assert_eq!(net_a.stats().dropped_queue_full, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_that_is_not_allowed_is_refused() {
    let (a, b, intruder) = (spec(1), spec(2), spec(9));
    // a and b allow each other only; the intruder dials both and would accept them.
    let (net_a, mut ev_a) = start(config(&a, &[&b], &[&a, &b], GENESIS)).await;
    let (net_b, mut ev_b) = start(config(&b, &[], &[&a, &b], GENESIS)).await;
    let (net_x, mut ev_x) = start(config(&intruder, &[&a, &b], &[&a, &b], GENESIS)).await;
    connected_to(&mut ev_a, &[id(2)]).await;

    let refused = Refusal { peer: id(9), reason: RefusalReason::NotAllowed };
    eventually("refused by a", || net_a.refusals().contains(&refused)).await;
    eventually("refused by b", || net_b.refusals().contains(&refused)).await;
    // The intruder keeps trying, over its re-dials, while a and b watch.
    let watch = async {
        for _ in 0..30 {
            net_x.broadcast(b"let me in".to_vec());
            net_x.send(id(1), b"let me in".to_vec());
            sleep(Duration::from_millis(50)).await;
        }
    };
    let (seen_a, seen_b, seen_x, ()) = tokio::join!(
        events_within(&mut ev_a, Duration::from_millis(1_600)),
        events_within(&mut ev_b, Duration::from_millis(1_600)),
        events_within(&mut ev_x, Duration::from_millis(1_600)),
        watch,
    );
    for seen in [&seen_a, &seen_b] {
        let from_intruder = seen.iter().any(|e| match e {
            NetEvent::Connected(peer) | NetEvent::Disconnected(peer) => *peer == id(9),
            NetEvent::Message { from, .. } | NetEvent::Request { from, .. } => *from == id(9),
        });
        assert!(!from_intruder, "an event of the intruder got through: {seen:?}");
    }
    assert!(
        !seen_x.iter().any(|e| matches!(e, NetEvent::Connected(_))),
        "the intruder got connected: {seen_x:?}"
    );
    assert!(net_x.peers().is_empty());
    assert_eq!(net_a.peers(), vec![id(2)]);
    // Logged (and recorded) once, not once per attempt.
    assert_eq!(net_a.refusals().iter().filter(|r| **r == refused).count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_of_another_genesis_is_refused() {
    let (a, b, other) = (spec(1), spec(2), spec(3));
    let all = [&a, &b, &other];
    let (net_a, mut ev_a) = start(config(&a, &[&b, &other], &all, GENESIS)).await;
    let (_net_b, _ev_b) = start(config(&b, &[], &all, GENESIS)).await;
    let (net_o, mut ev_o) = start(config(&other, &[&a], &all, OTHER_GENESIS)).await;

    connected_to(&mut ev_a, &[id(2)]).await;
    eventually("a refuses the other chain", || net_a.refusals().iter().any(|r| r.peer == id(3))).await;
    let refusal = net_a.refusals().into_iter().find(|r| r.peer == id(3)).expect("found above");
    assert_eq!(
        refusal.reason,
        RefusalReason::OtherChain {
            chain_id_theirs: CHAIN_ID.into(),
            chain_id_ours: CHAIN_ID.into(),
            genesis_theirs: OTHER_GENESIS,
            genesis_ours: GENESIS,
        }
    );
    let said = refusal.to_string();
    assert!(said.contains(&hex::encode(OTHER_GENESIS)) && said.contains(&hex::encode(GENESIS)), "{said}");
    assert!(said.contains(&id(3).to_string()), "{said}");
    // The other side refuses too, naming the hashes the other way round.
    eventually("the other chain refuses a", || {
        net_o.refusals().iter().any(|r| {
            matches!(r.reason, RefusalReason::OtherChain { genesis_theirs, genesis_ours, .. }
                if genesis_theirs == GENESIS && genesis_ours == OTHER_GENESIS)
        })
    })
    .await;

    net_o.broadcast(b"from another chain".to_vec());
    let (seen_a, seen_o) = tokio::join!(
        events_within(&mut ev_a, Duration::from_millis(1_200)),
        events_within(&mut ev_o, Duration::from_millis(1_200)),
    );
    assert!(!seen_a.iter().any(|e| matches!(e, NetEvent::Connected(p) if *p == id(3))), "{seen_a:?}");
    assert!(!seen_a.iter().any(|e| matches!(e, NetEvent::Message { .. })), "{seen_a:?}");
    assert!(!seen_o.iter().any(|e| matches!(e, NetEvent::Connected(_))), "{seen_o:?}");
    assert_eq!(net_a.peers(), vec![id(2)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_message_is_refused_and_the_connection_survives() {
    let (big, small) = (spec(1), spec(2));
    let both = [&big, &small];
    let (net_big, mut ev_big) = start(config(&big, &[&small], &both, GENESIS)).await;
    let mut small_config = config(&small, &[], &both, GENESIS);
    small_config.message_bytes_max = 1024;
    let (net_small, mut ev_small) = start(small_config).await;
    connected_to(&mut ev_big, &[id(2)]).await;
    connected_to(&mut ev_small, &[id(1)]).await;

    // Within the sender's limit, over the receiver's.
    net_big.send(id(2), vec![0xee; 4096]);
    eventually("the oversized frame refused", || net_small.stats().refused_oversized == 1).await;
    net_big.send(id(2), b"small".to_vec());
    let seen =
        next_matching(&mut ev_small, "the small message", |e| matches!(e, NetEvent::Message { .. })).await;
    assert!(
        matches!(&seen, NetEvent::Message { from, bytes } if *from == id(1) && bytes == b"small"),
        "{seen:?}"
    );
    assert_eq!(net_small.peers(), vec![id(1)]);
    assert_eq!(net_big.peers(), vec![id(2)]);

    // Over the sender's own limit: never sent.
    net_big.broadcast(vec![0; 64 * 1024 + 1]);
    assert_eq!(net_big.stats().dropped_too_large, 1);
    let asked = net_big.request(id(2), vec![0; 64 * 1024 + 1], WAIT).await;
    assert!(matches!(asked, Err(NetError::TooLarge { .. })), "{asked:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_node_is_reconnected() {
    let (a, b) = (spec(1), spec(2));
    let both = [&a, &b];
    let (net_a, mut ev_a) = start(config(&a, &[&b], &both, GENESIS)).await;
    let (net_b, mut ev_b) = start(config(&b, &[&a], &both, GENESIS)).await;
    connected_to(&mut ev_a, &[id(2)]).await;
    connected_to(&mut ev_b, &[id(1)]).await;

    net_b.shutdown().await;
    next_matching(&mut ev_a, "b's disconnection", |e| matches!(e, NetEvent::Disconnected(p) if *p == id(2)))
        .await;
    assert!(net_a.peers().is_empty());
    // A handle of a stopped network fails cleanly.
    assert!(matches!(net_b.request(id(1), vec![], WAIT).await, Err(NetError::Stopped)));

    // Same key, same port: a re-dials it (b does not even need to dial a).
    let restarted = Instant::now();
    let (_net_b, mut ev_b) = start(config(&b, &[], &both, GENESIS)).await;
    connected_to(&mut ev_a, &[id(2)]).await;
    connected_to(&mut ev_b, &[id(1)]).await;
    assert!(restarted.elapsed() < Duration::from_secs(5), "reconnected after {:?}", restarted.elapsed());
    net_a.broadcast(b"after the restart".to_vec());
    assert_eq!(message_from(&mut ev_b, id(1)).await, b"after the restart");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_taken_port_is_a_clear_error() {
    let a = spec(1);
    let (_net, _events) = start(config(&a, &[], &[&a], GENESIS)).await;
    let error = p2p::start(config(&Spec { n: 2, addr: a.addr }, &[], &[&a], GENESIS)).await.err();
    match error {
        Some(NetError::Listen { addr, .. }) => assert_eq!(addr, a.addr),
        other => panic!("expected a listen error, got {other:?}"),
    }
}
