//! `jcm-node start`: opens the home, the store and the write-ahead record, starts the
//! network, the RPC server and the consensus actor, and stops them in order on SIGTERM
//! or SIGINT (RPC first, then the actor after the event in hand, then the network).

use std::collections::BTreeSet;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, Context};
use jcm_runtime::protocol::ChainId;
use parking_lot::RwLock;
use tokio::sync::{mpsc, watch};

use crate::actor::{Actor, ActorParts};
use crate::chain;
use crate::home::config::{LogConfig, LogFormat, PeerAddress};
use crate::home::keys::{PassphraseSource, Purpose};
use crate::home::{Home, NodeId};
use crate::limits::ENGINE_QUEUE;
use crate::metrics::Metrics;
use crate::p2p::{self, NetConfig};
use crate::shared::{Shared, Status};
use crate::store::{Db, DbOptions};
use crate::wal::Wal;

/// What `start` needs.
#[derive(Debug)]
pub struct StartOptions {
    /// The node home.
    pub home: PathBuf,
    /// Where the key passphrase comes from.
    pub passphrase: PassphraseSource,
}

/// Runs the node until a signal or a fatal error.
pub fn start(options: &StartOptions) -> anyhow::Result<()> {
    let home = Home::load(&options.home).context("cannot read the home")?;
    init_logging(&home.config.log)?;
    let passphrase = if home.node_key.encrypted || home.validator_key.encrypted {
        options.passphrase.read(Purpose::Open)?
    } else {
        tracing::warn!("this home has unencrypted development keys: never use them on a real chain");
        Default::default()
    };
    let (node_key, validator_key) = home.open_keys(passphrase.as_bytes())?;
    drop(passphrase);

    let data_dir = home.paths.data_dir();
    let mut db = Db::open(&data_dir, &DbOptions::new(home.genesis_hash))?;
    let head = chain::open(&mut db, &home.genesis).context("cannot open the chain")?;
    let wal = Wal::open(&data_dir)?;
    if wal.1.torn_bytes > 0 {
        tracing::warn!(
            bytes = wal.1.torn_bytes,
            "dropped the torn tail of the write-ahead record (a crash during a write)"
        );
    }
    tracing::info!(
        moniker = %home.config.moniker,
        chain = %home.genesis.chain_id.as_str(),
        genesis = %home.genesis_hash,
        height = head.height,
        state_root = %head.state_root,
        "store opened"
    );

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("jcm-node")
        .build()
        .context("cannot start the async runtime")?;
    let validator_secret = validator_key.seed();
    let node_secret = node_key.seed();
    runtime.block_on(run(home, db, wal, head, node_secret, validator_secret))
}

async fn run(
    home: Home,
    db: Db,
    wal: (Wal, crate::wal::Recovered),
    head: jcm_runtime::protocol::Header,
    node_secret: [u8; 32],
    validator_secret: [u8; 32],
) -> anyhow::Result<()> {
    let config = &home.config;
    let chain_id = ChainId::new(home.genesis.chain_id.as_str()).map_err(|e| anyhow!("chain id: {e}"))?;
    let allowed: BTreeSet<NodeId> =
        config.p2p.peers.iter().map(|p| p.node_id).chain(config.p2p.observers.iter().copied()).collect();
    let (net, net_events) = start_network(&home, &chain_id, node_secret, allowed.clone()).await?;

    let own_key =
        jcm_consensus::Signer::public_key(&jcm_consensus::KeySigner::from_secret(&validator_secret));
    let (to_engine, engine_requests) = mpsc::channel(ENGINE_QUEUE);
    let (committed, _) = watch::channel(head.height);
    let shared = Arc::new(Shared {
        chain_id,
        genesis: home.genesis.clone(),
        genesis_hash: home.genesis_hash,
        moniker: config.moniker.clone(),
        node_id: home.node_id(),
        validator_key: own_key,
        db: RwLock::new(db),
        status: RwLock::new(Status::default()),
        metrics: Metrics::new(),
        committed,
        to_engine,
        ready: RwLock::new(false),
    });

    let (stop_tx, stop_rx) = watch::channel(false);
    let mut rpc_stop = stop_rx.clone();
    let rpc_shutdown = async move {
        let _ = rpc_stop.wait_for(|stop| *stop).await;
    };
    let (rpc_address, rpc_task) = crate::rpc::serve(Arc::clone(&shared), config.rpc.clone(), rpc_shutdown)
        .await
        .context("cannot start the RPC server")?;
    tracing::info!(p2p = %config.p2p.listen_address, rpc = %rpc_address, node_id = %home.node_id(), "node started");

    let actor = Actor::new(ActorParts {
        shared: Arc::clone(&shared),
        net: net.clone(),
        wal,
        validator_secret,
        consensus: config.consensus.clone(),
        mempool: config.mempool.clone(),
        head,
        configured_allowed: allowed,
    })?;
    let mut actor_task = tokio::spawn(actor.run(net_events, engine_requests, stop_rx));

    let outcome = tokio::select! {
        signal = shutdown_signal() => {
            tracing::info!(signal, "shutting down: stopping RPC, finishing the event in hand");
            let _ = stop_tx.send(true);
            let _ = rpc_task.await;
            actor_task.await.map_err(|e| anyhow!("the consensus actor panicked: {e}"))?
        }
        result = &mut actor_task => {
            let _ = stop_tx.send(true);
            let _ = rpc_task.await;
            result.map_err(|e| anyhow!("the consensus actor panicked: {e}"))?
        }
    };
    net.shutdown().await;
    outcome.context("the consensus actor stopped")?;
    tracing::info!("stopped");
    Ok(())
}

/// Starts the peer-to-peer network: listening, dialing the configured peers, and
/// admitting only `allowed` (the peers and the observers).
async fn start_network(
    home: &Home,
    chain_id: &ChainId,
    node_secret: [u8; 32],
    allowed: BTreeSet<NodeId>,
) -> anyhow::Result<(p2p::Net, mpsc::Receiver<p2p::NetEvent>)> {
    let p2p = &home.config.p2p;
    p2p::start(NetConfig {
        listen: p2p.listen_address,
        node_secret,
        peers: resolve_peers(&p2p.peers)?,
        allowed,
        chain_id: chain_id.as_str().to_owned(),
        genesis_hash: home.genesis_hash.0,
        message_bytes_max: p2p.message_bytes_max as usize,
        dial_timeout: Duration::from_millis(p2p.dial_timeout_ms),
    })
    .await
    .context("cannot start the peer-to-peer network")
}

/// Resolves `NODE_ID@HOST:PORT` peers to socket addresses.
fn resolve_peers(peers: &[PeerAddress]) -> anyhow::Result<Vec<(NodeId, SocketAddr)>> {
    peers
        .iter()
        .map(|peer| {
            let address = peer
                .address
                .to_socket_addrs()
                .with_context(|| format!("cannot resolve peer address {}", peer.address))?
                .next()
                .ok_or_else(|| anyhow!("peer address {} resolves to nothing", peer.address))?;
            Ok((peer.node_id, address))
        })
        .collect()
}

/// Waits for SIGTERM or SIGINT; returns the signal's name.
async fn shutdown_signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let (Ok(mut term), Ok(mut int)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt()))
        else {
            std::future::pending::<()>().await;
            return "none";
        };
        tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = int.recv() => "SIGINT",
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "ctrl-c"
    }
}

/// Logs to stderr as text or JSON lines, at the configured level (`JCM_LOG` overrides it,
/// with `tracing` filter syntax, e.g. `JCM_LOG=jcm_node::engine=debug`).
fn init_logging(config: &LogConfig) -> anyhow::Result<()> {
    use tracing_subscriber::EnvFilter;
    let filter = match std::env::var("JCM_LOG") {
        Ok(spec) => {
            EnvFilter::try_new(&spec).with_context(|| format!("JCM_LOG=`{spec}` is not a log filter"))?
        }
        Err(_) => EnvFilter::try_new(format!("{},libp2p=warn", config.level))
            .map_err(|e| anyhow!("log level `{}`: {e}", config.level))?,
    };
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder =
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi);
    let result = match config.format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
    result.map_err(|e| anyhow!("cannot start logging: {e}"))
}
