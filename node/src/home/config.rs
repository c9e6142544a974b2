//! `config/node.toml`: the node's settings. [`NodeConfig::render`] writes the file with a
//! comment above every key; [`NodeConfig::load`] reads it back, refusing unknown keys (a
//! typo is an error, not a silently ignored setting) and values out of range. A key left
//! out takes its default, so a file written by an older version still loads.

use std::net::SocketAddr;
use std::path::Path;

use serde::{Deserialize, Serialize};

use jcm_runtime::limits::TX_BYTES_MAX;

use super::layout::{read_bounded, HomeError, NodeId};
use crate::limits::NODE_TOML_BYTES_MAX;
use crate::limits::{PEERS_LISTED_MAX, REQUEST_TIMEOUT_MS_DEFAULT, TIMEOUT_MS_MAX};

/// Default p2p listen address of `init`.
pub const P2P_LISTEN_DEFAULT: &str = "127.0.0.1:26656";
/// Default RPC listen address of `init`.
pub const RPC_LISTEN_DEFAULT: &str = "127.0.0.1:26657";

/// The whole file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeConfig {
    /// A name for logs and status; not part of consensus.
    pub moniker: String,
    /// Peer-to-peer networking.
    #[serde(default)]
    pub p2p: P2pConfig,
    /// The HTTP + JSON API.
    #[serde(default)]
    pub rpc: RpcConfig,
    /// The pool of transactions waiting for a block.
    #[serde(default)]
    pub mempool: MempoolConfig,
    /// Consensus timeouts.
    #[serde(default)]
    pub consensus: ConsensusConfig,
    /// Logging.
    #[serde(default)]
    pub log: LogConfig,
}

/// A peer to dial: `NODE_ID@HOST:PORT`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerAddress {
    /// Its node id.
    pub node_id: NodeId,
    /// `HOST:PORT`; the host may be an IP address or a DNS name.
    pub address: String,
}

impl std::fmt::Display for PeerAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}@{}", self.node_id, self.address)
    }
}

impl std::str::FromStr for PeerAddress {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let bad = |why: &str| format!("peer `{text}`: {why} (expected NODE_ID@HOST:PORT)");
        let (id, address) = text.split_once('@').ok_or_else(|| bad("no `@`"))?;
        let node_id = id.parse().map_err(|e: String| bad(&e))?;
        let (host, port) = address.rsplit_once(':').ok_or_else(|| bad("no port"))?;
        if host.is_empty() || host.contains(char::is_whitespace) {
            return Err(bad("empty or malformed host"));
        }
        match port.parse::<u16>() {
            Ok(p) if p > 0 => {}
            _ => return Err(bad("the port is not 1-65535")),
        }
        Ok(Self { node_id, address: address.to_owned() })
    }
}

impl Serialize for PeerAddress {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PeerAddress {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl Serialize for NodeId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for NodeId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// `[p2p]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct P2pConfig {
    /// Address the peer-to-peer listener binds.
    pub listen_address: SocketAddr,
    /// Peers to dial.
    pub peers: Vec<PeerAddress>,
    /// Non-validator nodes allowed to connect.
    pub observers: Vec<NodeId>,
    /// Most connected peers.
    pub peers_max: u32,
    /// Largest message accepted from a peer, bytes.
    pub message_bytes_max: u32,
    /// Time allowed for dialling a peer, ms.
    pub dial_timeout_ms: u64,
}

impl Default for P2pConfig {
    fn default() -> Self {
        Self {
            listen_address: P2P_LISTEN_DEFAULT.parse().expect("a valid address"),
            peers: Vec::new(),
            observers: Vec::new(),
            peers_max: 64,
            message_bytes_max: 16 * 1024 * 1024,
            dial_timeout_ms: 5_000,
        }
    }
}

/// `[rpc]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RpcConfig {
    /// Address the HTTP API binds.
    pub listen_address: SocketAddr,
    /// Largest request body, bytes.
    pub body_bytes_max: u32,
    /// Most items in one page of a query.
    pub page_items_max: u32,
    /// Time allowed for one request, ms.
    pub request_timeout_ms: u64,
}

impl Default for RpcConfig {
    fn default() -> Self {
        Self {
            listen_address: RPC_LISTEN_DEFAULT.parse().expect("a valid address"),
            body_bytes_max: 1024 * 1024,
            page_items_max: 1_000,
            request_timeout_ms: REQUEST_TIMEOUT_MS_DEFAULT,
        }
    }
}

/// `[mempool]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MempoolConfig {
    /// Most transactions held.
    pub txs_max: u32,
    /// Most bytes of transactions held.
    pub bytes_max: u64,
    /// Most transactions held for one signer.
    pub txs_per_signer_max: u32,
    /// Most pending transactions whose rules are re-run after one block; the rest of the
    /// pool is re-run over the next blocks, in turn (see [`crate::mempool`]).
    pub recheck_txs_max: u32,
}

impl Default for MempoolConfig {
    fn default() -> Self {
        Self { txs_max: 10_000, bytes_max: 64 * 1024 * 1024, txs_per_signer_max: 256, recheck_txs_max: 4_000 }
    }
}

/// `[consensus]`: the Tendermint timeouts. Round `r` waits `base + r * delta`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConsensusConfig {
    /// Wait for a proposal, ms.
    pub timeout_propose_ms: u64,
    /// Added per round, ms.
    pub timeout_propose_delta_ms: u64,
    /// Wait for more prevotes after 2f+1 of any kind, ms.
    pub timeout_prevote_ms: u64,
    /// Added per round, ms.
    pub timeout_prevote_delta_ms: u64,
    /// Wait for more precommits after 2f+1 of any kind, ms.
    pub timeout_precommit_ms: u64,
    /// Added per round, ms.
    pub timeout_precommit_delta_ms: u64,
    /// Pause after a commit before the next height, ms.
    pub timeout_commit_ms: u64,
}

impl Default for ConsensusConfig {
    fn default() -> Self {
        Self {
            timeout_propose_ms: 3_000,
            timeout_propose_delta_ms: 500,
            timeout_prevote_ms: 1_000,
            timeout_prevote_delta_ms: 500,
            timeout_precommit_ms: 1_000,
            timeout_precommit_delta_ms: 500,
            timeout_commit_ms: 1_000,
        }
    }
}

/// Log output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log shippers.
    Json,
}

/// `[log]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// `text` or `json`.
    pub format: LogFormat,
    /// `error`, `warn`, `info`, `debug` or `trace`.
    pub level: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self { format: LogFormat::Text, level: "info".into() }
    }
}

/// The log levels accepted in `log.level`.
pub const LOG_LEVELS: &[&str] = &["error", "warn", "info", "debug", "trace"];

impl NodeConfig {
    /// Defaults, with `moniker`.
    pub fn new(moniker: &str) -> Self {
        Self {
            moniker: moniker.into(),
            p2p: P2pConfig::default(),
            rpc: RpcConfig::default(),
            mempool: MempoolConfig::default(),
            consensus: ConsensusConfig::default(),
            log: LogConfig::default(),
        }
    }

    /// Reads and checks `path`.
    pub fn load(path: &Path) -> Result<Self, HomeError> {
        let text = read_bounded(path, NODE_TOML_BYTES_MAX)?;
        Self::parse(&text).map_err(|reason| HomeError::Config { path: path.to_path_buf(), reason })
    }

    /// Parses and checks TOML text.
    pub fn parse(text: &str) -> Result<Self, String> {
        let config: NodeConfig = toml::from_str(text).map_err(|e| e.to_string())?;
        config.check()?;
        Ok(config)
    }

    /// Checks every value and the relationships between them.
    pub fn check(&self) -> Result<(), String> {
        let positive = |name: &str, value: u64| {
            if value == 0 {
                Err(format!("{name} must be greater than 0"))
            } else {
                Ok(())
            }
        };
        let at_least_a_tx = |name: &str, value: u64| {
            if value < TX_BYTES_MAX as u64 {
                Err(format!("{name} = {value} is below the largest transaction ({TX_BYTES_MAX} bytes)"))
            } else {
                Ok(())
            }
        };
        if self.moniker.is_empty() || self.moniker.len() > 64 {
            return Err("moniker must be 1 to 64 characters".into());
        }
        positive("p2p.peers_max", self.p2p.peers_max.into())?;
        positive("p2p.dial_timeout_ms", self.p2p.dial_timeout_ms)?;
        at_least_a_tx("p2p.message_bytes_max", self.p2p.message_bytes_max.into())?;
        at_least_a_tx("rpc.body_bytes_max", self.rpc.body_bytes_max.into())?;
        positive("rpc.page_items_max", self.rpc.page_items_max.into())?;
        positive("rpc.request_timeout_ms", self.rpc.request_timeout_ms)?;
        positive("mempool.txs_max", self.mempool.txs_max.into())?;
        at_least_a_tx("mempool.bytes_max", self.mempool.bytes_max)?;
        positive("mempool.txs_per_signer_max", self.mempool.txs_per_signer_max.into())?;
        positive("mempool.recheck_txs_max", self.mempool.recheck_txs_max.into())?;
        if self.mempool.txs_per_signer_max > self.mempool.txs_max {
            return Err("mempool.txs_per_signer_max exceeds mempool.txs_max".into());
        }
        self.check_peers()?;
        self.check_timeouts()?;
        if !LOG_LEVELS.contains(&self.log.level.as_str()) {
            return Err(format!("log.level `{}` is not one of {}", self.log.level, LOG_LEVELS.join(", ")));
        }
        Ok(())
    }

    fn check_peers(&self) -> Result<(), String> {
        if self.p2p.peers.len() + self.p2p.observers.len() > PEERS_LISTED_MAX {
            return Err(format!("more than {PEERS_LISTED_MAX} peers and observers listed"));
        }
        let mut seen = std::collections::BTreeSet::new();
        for peer in &self.p2p.peers {
            if !seen.insert(peer.node_id) {
                return Err(format!("p2p.peers lists node {} twice", peer.node_id));
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        for observer in &self.p2p.observers {
            if !seen.insert(*observer) {
                return Err(format!("p2p.observers lists node {observer} twice"));
            }
        }
        Ok(())
    }

    fn check_timeouts(&self) -> Result<(), String> {
        let c = &self.consensus;
        for (name, value, may_be_zero) in [
            ("timeout_propose_ms", c.timeout_propose_ms, false),
            ("timeout_propose_delta_ms", c.timeout_propose_delta_ms, true),
            ("timeout_prevote_ms", c.timeout_prevote_ms, false),
            ("timeout_prevote_delta_ms", c.timeout_prevote_delta_ms, true),
            ("timeout_precommit_ms", c.timeout_precommit_ms, false),
            ("timeout_precommit_delta_ms", c.timeout_precommit_delta_ms, true),
            ("timeout_commit_ms", c.timeout_commit_ms, true),
        ] {
            if value == 0 && !may_be_zero {
                return Err(format!("consensus.{name} must be greater than 0"));
            }
            if value > TIMEOUT_MS_MAX {
                return Err(format!("consensus.{name} = {value} exceeds {TIMEOUT_MS_MAX} ms"));
            }
        }
        Ok(())
    }
}

fn quoted(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

fn list<T: std::fmt::Display>(items: &[T]) -> String {
    if items.is_empty() {
        return "[]".into();
    }
    let lines: Vec<String> = items.iter().map(|i| format!("  {},", quoted(&i.to_string()))).collect();
    format!("[\n{}\n]", lines.join("\n"))
}

impl NodeConfig {
    /// The file's text: every key with a comment saying what it does.
    pub fn render(&self) -> String {
        let (p, r, m, c, l) = (&self.p2p, &self.rpc, &self.mempool, &self.consensus, &self.log);
        let format = match l.format {
            LogFormat::Text => "text",
            LogFormat::Json => "json",
        };
        format!(
            include_str!("node.toml.in"),
            moniker = quoted(&self.moniker),
            p2p_listen = quoted(&p.listen_address.to_string()),
            peers = list(&p.peers),
            observers = list(&p.observers),
            peers_max = p.peers_max,
            message_bytes_max = p.message_bytes_max,
            dial_timeout_ms = p.dial_timeout_ms,
            rpc_listen = quoted(&r.listen_address.to_string()),
            body_bytes_max = r.body_bytes_max,
            page_items_max = r.page_items_max,
            request_timeout_ms = r.request_timeout_ms,
            txs_max = m.txs_max,
            mempool_bytes_max = m.bytes_max,
            txs_per_signer_max = m.txs_per_signer_max,
            recheck_txs_max = m.recheck_txs_max,
            propose = c.timeout_propose_ms,
            propose_delta = c.timeout_propose_delta_ms,
            prevote = c.timeout_prevote_ms,
            prevote_delta = c.timeout_prevote_delta_ms,
            precommit = c.timeout_precommit_ms,
            precommit_delta = c.timeout_precommit_delta_ms,
            commit = c.timeout_commit_ms,
            log_format = quoted(format),
            log_level = quoted(&l.level),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jcm_runtime::crypto::SecretKey;

    fn peer(name: &str, port: u16) -> PeerAddress {
        PeerAddress { node_id: NodeId(SecretKey::dev(name).public()), address: format!("127.0.0.1:{port}") }
    }

    fn sample() -> NodeConfig {
        let mut config = NodeConfig::new("jpn \"main\"");
        config.p2p.peers = vec![peer("a", 26610), peer("b", 26620)];
        config.p2p.observers = vec![NodeId(SecretKey::dev("o").public())];
        config.log.format = LogFormat::Json;
        config
    }

    #[test]
    fn the_rendered_file_loads_back_unchanged() {
        for config in [NodeConfig::new("node"), sample()] {
            let text = config.render();
            assert_eq!(NodeConfig::parse(&text), Ok(config), "{text}");
        }
    }

    #[test]
    fn every_key_has_a_comment_above_it() {
        let text = sample().render();
        let lines: Vec<&str> = text.lines().collect();
        let mut keys = 0;
        for (i, line) in lines.iter().enumerate() {
            let is_key =
                line.split_once(" = ").is_some_and(|(k, _)| !k.starts_with('#') && !k.starts_with(' '));
            if is_key {
                keys += 1;
                assert!(i > 0 && lines[i - 1].starts_with('#'), "no comment above `{line}`");
            }
        }
        assert_eq!(keys, 24);
    }

    #[test]
    fn missing_keys_take_defaults_and_unknown_keys_are_refused() {
        assert_eq!(NodeConfig::parse("moniker = \"x\"\n"), Ok(NodeConfig::new("x")));
        assert!(NodeConfig::parse("moniker = \"x\"\n[p2p]\nlisten_adress = \"1.2.3.4:1\"\n")
            .is_err_and(|e| e.contains("listen_adress")));
    }

    #[test]
    fn values_out_of_range_are_refused() {
        type Edit = Box<dyn Fn(&mut NodeConfig)>;
        let cases: Vec<(&str, Edit)> = vec![
            ("mempool.txs_max", Box::new(|c| c.mempool.txs_max = 0)),
            ("rpc.body_bytes_max", Box::new(|c| c.rpc.body_bytes_max = 10)),
            ("timeout_propose_ms", Box::new(|c| c.consensus.timeout_propose_ms = TIMEOUT_MS_MAX + 1)),
            ("log.level", Box::new(|c| c.log.level = "loud".into())),
            ("twice", Box::new(|c| c.p2p.peers.push(c.p2p.peers[0].clone()))),
            ("txs_per_signer_max", Box::new(|c| c.mempool.txs_per_signer_max = c.mempool.txs_max + 1)),
            ("mempool.recheck_txs_max", Box::new(|c| c.mempool.recheck_txs_max = 0)),
        ];
        for (needle, edit) in cases {
            let mut config = sample();
            edit(&mut config);
            let err = config.check().expect_err(needle);
            assert!(err.contains(needle), "{err}");
        }
    }

    #[test]
    fn peer_addresses_parse_and_refuse_malformed_text() {
        let good = peer("a", 1);
        assert_eq!(good.to_string().parse(), Ok(good.clone()));
        let id = good.node_id;
        assert!(format!("{id}@node.example.org:26656").parse::<PeerAddress>().is_ok());
        for bad in [
            format!("{id}"),
            format!("{id}@127.0.0.1"),
            format!("{id}@:1"),
            format!("{id}@127.0.0.1:0"),
            format!("{id}@127.0.0.1:70000"),
            "abc@127.0.0.1:1".to_string(),
        ] {
            assert!(bad.parse::<PeerAddress>().is_err(), "{bad}");
        }
    }
}
