//! What the officer tests share: the real `jcm` binary run in a fresh home, and a local
//! cluster of real `jcm-node` processes written by `jcm-node testnet --dev` (the
//! process management of tests/tests/cluster/harness.rs, cut to what these tests use).
//! Processes die with the test, even when it fails.
#![allow(clippy::disallowed_methods)] // tests wait for real processes

// Each test binary uses a part of this module.
#![allow(dead_code)]

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Ports per node in `jcm-node testnet`'s layout (p2p at BASE+10i, RPC at BASE+10i+1).
const PORT_STRIDE: u16 = 10;

/// A scratch directory removed when dropped.
#[derive(Debug)]
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// A fresh directory named after `label` and the process.
    pub fn new(label: &str) -> Self {
        static N: AtomicU16 = AtomicU16::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("jcm-cli-{label}-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("a temp dir");
        Self(dir)
    }

    /// A path inside.
    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = fs::remove_dir_all(&self.0);
        }
    }
}

/// The result of one `jcm` run.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(output: Output) -> Self {
        Self {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Stdout as JSON (the run must have used `--output json`).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!("stdout is not JSON ({e}):\n{}\nstderr:\n{}", self.stdout, self.stderr)
        })
    }

    /// Panics with the output unless the exit code is `code`.
    pub fn expect_code(self, code: i32) -> Self {
        assert_eq!(self.code, code, "exit code\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self
    }
}

/// The `jcm` binary in a home of its own, with no passphrase or node from the
/// environment of whoever runs the tests.
#[derive(Debug)]
pub struct Jcm {
    pub home: TempDir,
    pub node: Option<String>,
    pub passphrase: Option<String>,
}

impl Jcm {
    /// A `jcm` with an empty home.
    pub fn new(label: &str) -> Self {
        Self { home: TempDir::new(label), node: None, passphrase: None }
    }

    /// Runs `jcm args...` with standard input closed (no terminal: prompts fail).
    pub fn run(&self, args: &[&str]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_jcm"));
        cmd.args(args)
            .env("JCM_HOME", &self.home.0)
            .env_remove("JCM_NODE")
            .env_remove("JCM_PASSPHRASE")
            .stdin(Stdio::null());
        if let Some(node) = &self.node {
            cmd.env("JCM_NODE", node);
        }
        if let Some(passphrase) = &self.passphrase {
            cmd.env("JCM_PASSPHRASE", passphrase);
        }
        Run::from(cmd.output().expect("run jcm"))
    }
}

/// The workspace's root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("cli/ is in the workspace").to_path_buf()
}

/// The `jcm-node` binary of this build, built first if `cargo test -p jcm-cli` ran
/// without it (`cargo test --workspace` builds it).
pub fn node_binary() -> PathBuf {
    let jcm = PathBuf::from(env!("CARGO_BIN_EXE_jcm"));
    let dir = jcm.parent().expect("target/<profile>");
    let binary = dir.join(format!("jcm-node{}", std::env::consts::EXE_SUFFIX));
    if !binary.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut build = Command::new(cargo);
        build.args(["build", "-p", "jcm-node", "--bin", "jcm-node"]).current_dir(workspace());
        if dir.file_name().is_some_and(|p| p == "release") {
            build.arg("--release");
        }
        let status = build.status().expect("run cargo build -p jcm-node");
        assert!(status.success() && binary.exists(), "cannot build {}", binary.display());
    }
    binary
}

/// A base port whose whole block of ports is free now ([`jcm_tests::ports`]).
fn free_base_port(nodes: u16) -> u16 {
    jcm_tests::ports::free_block(nodes, PORT_STRIDE)
}

/// A running local network.
#[derive(Debug)]
pub struct Cluster {
    pub dir: PathBuf,
    pub rpc: Vec<String>,
    pub chain_id: String,
    homes: Vec<PathBuf>,
    children: Vec<Child>,
}

impl Cluster {
    /// Writes a `--dev` testnet of `parties` (all validators) and starts every node.
    pub fn start(label: &str, parties: &[&str]) -> Self {
        let dir = std::env::temp_dir().join(format!("jcm-cli-cluster-{label}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let base = free_base_port(parties.len() as u16);
        let chain_id = format!("jcm-cli-{label}");
        let output = Command::new(node_binary())
            .args(["testnet", "--dev", "--parties", &parties.join(","), "--chain-id", &chain_id])
            .args(["--base-port", &base.to_string(), "--out"])
            .arg(&dir)
            .output()
            .expect("run jcm-node testnet");
        assert!(output.status.success(), "testnet failed: {}", String::from_utf8_lossy(&output.stderr));
        let homes: Vec<PathBuf> = parties.iter().map(|p| dir.join(p.to_lowercase())).collect();
        let rpc = (0..parties.len())
            .map(|i| format!("http://127.0.0.1:{}", base + i as u16 * PORT_STRIDE + 1))
            .collect();
        let mut cluster = Self { dir, rpc, chain_id, homes, children: Vec::new() };
        for home in cluster.homes.clone() {
            let log = File::options()
                .create(true)
                .append(true)
                .open(home.with_extension("log"))
                .expect("open the node's log");
            let child = Command::new(node_binary())
                .args(["start", "--home"])
                .arg(&home)
                .env("JCM_LOG", "info,libp2p=warn")
                .stdin(Stdio::null())
                .stdout(log.try_clone().expect("log handle"))
                .stderr(log)
                .spawn()
                .expect("spawn jcm-node start");
            cluster.children.push(child);
        }
        cluster
    }

    /// Node `i`'s committed height, if it answers.
    pub fn height(&self, i: usize) -> Option<u64> {
        let url = format!("{}/v1/status", self.rpc[i]);
        let status: Value = ureq::get(&url).timeout(Duration::from_secs(2)).call().ok()?.into_json().ok()?;
        status["height"].as_u64()
    }

    /// Waits until every node has committed `height`; panics with the logs' tails.
    pub fn wait_height(&self, height: u64, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            let heights: Vec<Option<u64>> = (0..self.rpc.len()).map(|i| self.height(i)).collect();
            if heights.iter().all(|h| h.is_some_and(|h| h >= height)) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the nodes did not reach height {height} (at {heights:?})\n{}",
                self.log_tails()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The last lines of every node's log.
    pub fn log_tails(&self) -> String {
        let mut out = String::new();
        for home in &self.homes {
            let log = fs::read_to_string(home.with_extension("log")).unwrap_or_default();
            let lines: Vec<&str> = log.lines().collect();
            out.push_str(&format!("--- {} ---\n", home.display()));
            for line in &lines[lines.len().saturating_sub(20)..] {
                out.push_str(line);
                out.push('\n');
            }
        }
        out
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
        if !std::thread::panicking() {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}
