//! A local cluster of real `jcm-node` processes on 127.0.0.1: written by
//! `jcm-node testnet`, started, killed with SIGKILL, restarted, and always cleaned up
//! (the processes die with the harness, even when a test fails).

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use jcm_runtime::crypto::SecretKey;
use jcm_runtime::protocol::{Payload, Transaction};
use serde_json::Value;

/// The Parties of the 4-validator test network (f = 1).
pub const PARTIES: [&str; 4] = ["JPN", "IND", "IDN", "VNM"];
/// Ports per node in `jcm-node testnet`'s layout (p2p at BASE+10i, RPC at BASE+10i+1).
const PORT_STRIDE: u16 = 10;

/// The `jcm-node` binary of this build (built by `cargo test --workspace`).
pub fn node_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    // target/<profile>/deps/cluster-<hash> -> target/<profile>/jcm-node
    let dir = exe.parent().and_then(Path::parent).expect("target/<profile>");
    let binary = dir.join(format!("jcm-node{}", std::env::consts::EXE_SUFFIX));
    assert!(
        binary.exists(),
        "{} is missing: build it first (`cargo build -p jcm-node`, which `cargo test --workspace` does)",
        binary.display()
    );
    binary
}

/// A base port whose whole block of ports is free now ([`jcm_tests::ports`]).
fn free_base_port(nodes: u16) -> u16 {
    jcm_tests::ports::free_block(nodes, PORT_STRIDE)
}

/// The node id (the node key's public key) of a home.
pub fn node_id(home: &Path) -> String {
    public_key(&home.join("config/node_key.json"))
}

/// The validator key's public key of a home.
pub fn validator_key(home: &Path) -> String {
    public_key(&home.join("config/validator_key.json"))
}

fn public_key(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let key: Value = serde_json::from_str(&text).expect("key file JSON");
    key["public_key"].as_str().expect("a public key").to_owned()
}

/// One node's process and where it lives.
#[derive(Debug)]
pub struct Node {
    pub party: String,
    pub home: PathBuf,
    pub rpc: String,
    child: Option<Child>,
}

/// A running cluster.
#[derive(Debug)]
pub struct Cluster {
    pub dir: PathBuf,
    pub nodes: Vec<Node>,
    pub chain_id: String,
    /// Whether this handle owns the processes and the directory (see [`Cluster::attach`]).
    owner: bool,
}

impl Cluster {
    /// Writes a testnet of `parties` (all validators) under a fresh directory and starts
    /// every node.
    pub fn start(label: &str, parties: &[&str]) -> Self {
        let mut cluster = Self::prepare(label, parties, 0);
        for i in 0..cluster.nodes.len() {
            cluster.start_node(i);
        }
        cluster
    }

    /// Writes a testnet of `parties` and `observers` more homes (not validators, allowed
    /// to connect to every validator), and starts nothing.
    pub fn prepare(label: &str, parties: &[&str], observers: usize) -> Self {
        Self::prepare_homes(label, parties, observers, None)
    }

    fn prepare_homes(label: &str, parties: &[&str], observers: usize, newcomer: Option<&str>) -> Self {
        let dir = std::env::temp_dir().join(format!("jcm-cluster-{label}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let homes = parties.len() + observers + usize::from(newcomer.is_some());
        let base = free_base_port(homes as u16);
        let chain_id = format!("jcm-test-{label}");
        let output = Command::new(node_binary())
            .args(["testnet", "--dev", "--parties", &parties.join(","), "--chain-id", &chain_id])
            .args(["--base-port", &base.to_string(), "--out"])
            .arg(&dir)
            .output()
            .expect("run jcm-node testnet");
        assert!(output.status.success(), "testnet failed: {}", String::from_utf8_lossy(&output.stderr));
        let nodes = parties
            .iter()
            .enumerate()
            .map(|(i, party)| Node {
                party: party.to_string(),
                home: dir.join(party.to_lowercase()),
                rpc: format!("http://127.0.0.1:{}", base + i as u16 * PORT_STRIDE + 1),
                child: None,
            })
            .collect();
        let mut cluster = Self { dir, nodes, chain_id, owner: true };
        for k in 0..observers {
            cluster.add_home(&format!("obs{k}"), base + (parties.len() + k) as u16 * PORT_STRIDE, true);
        }
        if let Some(name) = newcomer {
            cluster.add_home(name, base + (homes - 1) as u16 * PORT_STRIDE, false);
        }
        cluster
    }

    /// [`Cluster::prepare`] with one more home, `name`, that no validator's node.toml
    /// lists: it dials every validator, which let it in only once the chain names its
    /// node id (a validator or observer admitted by governance).
    pub fn prepare_with_newcomer(label: &str, parties: &[&str], name: &str) -> Self {
        Self::prepare_homes(label, parties, 0, Some(name))
    }

    /// Creates home `name` listening at `port` (p2p) and `port + 1` (RPC) that dials every
    /// validator; `listed`: every validator lists it in `p2p.observers`.
    fn add_home(&mut self, name: &str, port: u16, listed: bool) {
        let home = self.dir.join(name);
        let output = Command::new(node_binary())
            .args(["init", "--dev", "--moniker", name, "--genesis"])
            .arg(self.dir.join("genesis.json"))
            .arg("--home")
            .arg(&home)
            .output()
            .expect("run jcm-node init");
        assert!(output.status.success(), "init failed: {}", String::from_utf8_lossy(&output.stderr));
        let observer_id = node_id(&home);
        let mut peers = Vec::new();
        for node in &self.nodes {
            let path = node.home.join("config/node.toml");
            let text = fs::read_to_string(&path).expect("node.toml");
            let listen = text
                .lines()
                .find_map(|l| l.strip_prefix("listen_address = \""))
                .and_then(|l| l.strip_suffix('"'))
                .expect("the p2p listen address comes first")
                .to_owned();
            peers.push(format!("\"{}@{listen}\"", node_id(&node.home)));
            if listed {
                let text = text.replacen("observers = []", &format!("observers = [\"{observer_id}\"]"), 1);
                fs::write(&path, text).expect("write node.toml");
            }
        }
        let path = home.join("config/node.toml");
        let text = fs::read_to_string(&path).expect("node.toml");
        let mut out = String::new();
        let mut section = String::new();
        for line in text.lines() {
            if line.starts_with('[') {
                section = line.to_owned();
            }
            let line = match (section.as_str(), line.split(" = ").next()) {
                ("[p2p]", Some("listen_address")) => format!("listen_address = \"127.0.0.1:{port}\""),
                ("[p2p]", Some("peers")) => format!("peers = [{}]", peers.join(", ")),
                ("[rpc]", Some("listen_address")) => format!("listen_address = \"127.0.0.1:{}\"", port + 1),
                _ => line.to_owned(),
            };
            out.push_str(&line);
            out.push('\n');
        }
        fs::write(&path, out).expect("write node.toml");
        self.nodes.push(Node {
            party: name.to_owned(),
            home,
            rpc: format!("http://127.0.0.1:{}", port + 1),
            child: None,
        });
    }

    /// A second handle on a running cluster for another thread: it reads and submits,
    /// but neither starts, kills nor cleans up anything.
    pub fn attach(other: &Cluster) -> Self {
        let nodes = other
            .nodes
            .iter()
            .map(|n| Node { party: n.party.clone(), home: n.home.clone(), rpc: n.rpc.clone(), child: None })
            .collect();
        Self { dir: other.dir.clone(), nodes, chain_id: other.chain_id.clone(), owner: false }
    }

    /// Starts node `i` (its log is appended to `<home>.log`).
    pub fn start_node(&mut self, i: usize) {
        let node = &mut self.nodes[i];
        assert!(node.child.is_none(), "node {} is already running", node.party);
        let log = File::options()
            .create(true)
            .append(true)
            .open(node.home.with_extension("log"))
            .expect("open the node's log");
        let child = Command::new(node_binary())
            .args(["start", "--home"])
            .arg(&node.home)
            .env("JCM_LOG", "info,jcm_node=debug,libp2p=warn")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log)
            .spawn()
            .expect("spawn jcm-node start");
        node.child = Some(child);
    }

    /// Kills node `i` with SIGKILL and waits for it to be gone.
    pub fn kill(&mut self, i: usize) {
        if let Some(mut child) = self.nodes[i].child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Stops node `i` with SIGTERM and waits (at most 20 s) for a clean exit.
    pub fn stop(&mut self, i: usize) -> Option<std::process::ExitStatus> {
        let mut child = self.nodes[i].child.take()?;
        let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        child.wait().ok()
    }

    /// Whether node `i`'s process is still running.
    pub fn is_running(&mut self, i: usize) -> bool {
        self.nodes[i].child.as_mut().is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// GET a JSON document from node `i`'s RPC.
    pub fn get(&self, i: usize, path: &str) -> Result<Value, String> {
        let url = format!("{}{path}", self.nodes[i].rpc);
        match ureq::get(&url).timeout(Duration::from_secs(5)).call() {
            Ok(response) => response.into_json().map_err(|e| e.to_string()),
            Err(ureq::Error::Status(code, response)) => {
                Err(format!("{code}: {}", response.into_string().unwrap_or_default()))
            }
            Err(e) => Err(e.to_string()),
        }
    }

    /// POST a transaction to node `i`; `wait` asks the node to answer once committed.
    pub fn submit(&self, i: usize, tx: &Transaction, wait: bool) -> Result<Value, String> {
        let url = format!("{}/v1/tx{}", self.nodes[i].rpc, if wait { "?wait=commit" } else { "" });
        let body = serde_json::json!({ "tx": hex::encode(tx.encode()) });
        match ureq::post(&url).timeout(Duration::from_secs(60)).send_json(body) {
            Ok(response) => response.into_json().map_err(|e| e.to_string()),
            Err(ureq::Error::Status(code, response)) => {
                Err(format!("{code}: {}", response.into_string().unwrap_or_default()))
            }
            Err(e) => Err(e.to_string()),
        }
    }

    /// Node `i`'s committed height (None if it does not answer).
    pub fn height(&self, i: usize) -> Option<u64> {
        self.get(i, "/v1/status").ok()?.get("height")?.as_u64()
    }

    /// The state root node `i` reports at a committed height.
    pub fn state_root_at(&self, i: usize, height: u64) -> Option<String> {
        let block = self.get(i, &format!("/v1/blocks/{height}")).ok()?;
        Some(block.pointer("/header/state_root")?.as_str()?.to_owned())
    }

    /// Waits until every node in `nodes` has committed `height`; panics with the logs'
    /// tails after `timeout`.
    pub fn wait_height(&self, nodes: &[usize], height: u64, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            let heights: Vec<Option<u64>> = nodes.iter().map(|&i| self.height(i)).collect();
            if heights.iter().all(|h| h.is_some_and(|h| h >= height)) {
                return;
            }
            if Instant::now() > deadline {
                panic!(
                    "nodes {nodes:?} did not reach height {height} (at {heights:?})\n{}",
                    self.log_tails()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The last lines of every node's log, for a failure message.
    pub fn log_tails(&self) -> String {
        let mut out = String::new();
        for node in &self.nodes {
            let log = fs::read_to_string(node.home.with_extension("log")).unwrap_or_default();
            let lines: Vec<&str> = log.lines().collect();
            out.push_str(&format!("--- {} ---\n", node.party));
            for line in &lines[lines.len().saturating_sub(25)..] {
                out.push_str(line);
                out.push('\n');
            }
        }
        out
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if !self.owner {
            return;
        }
        for i in 0..self.nodes.len() {
            self.kill(i);
        }
        if !std::thread::panicking() {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

impl Cluster {
    /// An officer's key, from the unencrypted key files `jcm-node testnet --dev` wrote.
    pub fn officer(&self, name: &str) -> SecretKey {
        let path = self.dir.join("officers").join(format!("{name}.json"));
        let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let file = jcm_runtime::keyfile::KeyFile::from_json(&text).expect("an officer key file");
        file.open(b"").expect("a development key opens without a passphrase")
    }

    /// A transaction opening a new holding account `<REG>-T<n>` in `party`'s registry,
    /// signed by that registry's administrator with `nonce`: valid, cheap and
    /// independent, for tests that need many committed transactions.
    pub fn open_account(&self, party: &str, n: u64, nonce: u64) -> Transaction {
        let registry = format!("{party}01");
        let account: jcm_runtime::model::Account = serde_json::from_value(serde_json::json!({
            "id": format!("{registry}-T{n}"),
            "registry": registry,
            "kind": "HOLDING",
            "holder": { "party": party },
        }))
        .expect("an account document");
        let key = self.officer(&format!("{registry}-ADMIN"));
        Transaction::sign(&self.chain_id, &key, nonce, Payload::OpenAccount { account })
    }
}
