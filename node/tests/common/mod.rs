//! Helpers for the tests that run the real `jcm-node` binary: unique temporary
//! directories removed on drop, and a runner that captures the output.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};

static NEXT: AtomicU32 = AtomicU32::new(0);

/// A directory under the system temp dir, unique to this process and call, removed
/// with everything in it when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(label: &str) -> Self {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("jcm-node-test-{label}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create temp dir");
        Self(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn join(&self, rest: &str) -> PathBuf {
        self.0.join(rest)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What one run printed.
pub struct Run {
    pub ok: bool,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(out: Output) -> Self {
        Self {
            ok: out.status.success(),
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// The binary under test, with no passphrase in its environment and no terminal input.
pub fn jcm_node() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jcm-node"));
    cmd.env_remove("JCM_PASSPHRASE").stdin(std::process::Stdio::null());
    cmd
}

/// Runs `jcm-node ARGS`.
pub fn run(args: &[&str]) -> Run {
    jcm_node().args(args).output().expect("run jcm-node").into()
}

/// Runs `jcm-node ARGS` with `JCM_PASSPHRASE` set.
pub fn run_with_passphrase(passphrase: &str, args: &[&str]) -> Run {
    jcm_node().env("JCM_PASSPHRASE", passphrase).args(args).output().expect("run jcm-node").into()
}

/// Path as an argument.
pub fn arg(path: &Path) -> &str {
    path.to_str().expect("temp paths are UTF-8")
}

/// Writes a single-validator development testnet under `dir` and returns its genesis.
pub fn devnet(dir: &TempDir) -> PathBuf {
    let out = dir.join("devnet");
    let r = run(&["testnet", "--parties", "JPN,IND", "--validators", "JPN", "--dev", "--out", arg(&out)]);
    assert!(r.ok, "{}", r.stderr);
    out.join("genesis.json")
}
