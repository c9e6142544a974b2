//! Crash consistency of the node's store: a child process commits blocks as fast as it
//! can and is killed with SIGKILL at seeded random moments; after each kill the store
//! opens, and its last height, block, commit, state, Merkle nodes and index agree with
//! exactly the blocks up to that height, none of which the child acknowledged and lost.
//!
//! The child is this test binary again, running the ignored test [`crash_child`] with
//! [`CHILD_DIR_ENV`] naming the data directory. A failure prints the seed.
#![allow(clippy::disallowed_methods)] // tests time real processes

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::TempDir;
use jcm_node::store::{CommittedBlock, Db, DbOptions, StoreError};
use jcm_runtime::codec::Hash32;
use jcm_runtime::state::{apply_writes, MemStore, ReadStore, WriteSet};

/// The variable that puts this binary in child mode: the data directory to commit into.
const CHILD_DIR_ENV: &str = "JCM_STORE_CRASH_CHILD_DIR";
const GENESIS: Hash32 = Hash32([3; 32]);
const SEED: u64 = 0x4a43_4d5f_5354_4f52;
const KILLS: usize = 12;
/// How long a child may live if its parent never kills it (the parent died, say).
const CHILD_LIFETIME_MAX: Duration = Duration::from_secs(30);

/// The block at `height`: it writes state keys derived from its height, overwrites one
/// shared key and deletes a key an earlier block wrote, so that the state after height
/// `h` is exactly the replay of blocks `0..=h`.
fn block_at(height: u64) -> CommittedBlock {
    let key = |h: u64| format!("unit/{h:08}").into_bytes();
    let mut state_writes = WriteSet::new();
    state_writes.insert(key(height), Some(height.to_be_bytes().to_vec()));
    state_writes.insert(b"latest".to_vec(), Some(height.to_be_bytes().to_vec()));
    if let Some(old) = height.checked_sub(3) {
        state_writes.insert(key(old), None);
    }
    let mut merkle_writes = WriteSet::new();
    merkle_writes.insert(format!("node/{height:08}").into_bytes(), Some(vec![1; 64]));
    let mut root = [0u8; 32];
    for chunk in root.chunks_mut(8) {
        chunk.copy_from_slice(&height.to_be_bytes());
    }
    CommittedBlock {
        height,
        // Big enough that a batch spans more than one small write.
        block: [format!("block {height} ").into_bytes(), vec![height as u8; 4096]].concat(),
        commit: format!("commit {height}").into_bytes(),
        state_writes,
        merkle_writes,
        index_writes: vec![(format!("tx/{height:08}").into_bytes(), height.to_be_bytes().to_vec())],
        state_root: Hash32(root),
    }
}

/// The state and Merkle nodes after blocks `0..=last`.
fn replay(last: u64) -> (MemStore, MemStore) {
    let (mut state, mut merkle) = (MemStore::new(), MemStore::new());
    for height in 0..=last {
        let block = block_at(height);
        apply_writes(&mut state, block.state_writes);
        apply_writes(&mut merkle, block.merkle_writes);
    }
    (state, merkle)
}

fn all(store: &dyn ReadStore) -> Vec<(Vec<u8>, Vec<u8>)> {
    store.range(&[], None).collect()
}

/// Child mode: commit blocks until killed, printing each height once it is committed.
#[test]
#[ignore = "the child process of kill_at_random_moments_and_reopen"]
fn crash_child() {
    let Some(dir) = std::env::var_os(CHILD_DIR_ENV) else {
        return;
    };
    let mut db = Db::open(&dir, &DbOptions::new(GENESIS)).expect("child opens the store");
    let started = Instant::now();
    while started.elapsed() < CHILD_LIFETIME_MAX {
        let height = db.next_height();
        db.commit_block(block_at(height)).expect("child commits");
        println!("committed {height}");
    }
}

/// A seeded generator (splitmix64): the kill moments replay from the seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, bound: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)) % bound
    }
}

/// Starts the child on `dir`; its acknowledged heights arrive on the receiver.
fn spawn_child(dir: &Path) -> (Child, mpsc::Receiver<u64>) {
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut child = Command::new(exe)
        .args(["crash_child", "--exact", "--ignored", "--nocapture", "--test-threads=1"])
        .env(CHILD_DIR_ENV, dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn the child");
    let stdout = child.stdout.take().expect("piped stdout");
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(height) = line.strip_prefix("committed ") {
                let height = height.parse().expect("the child prints heights");
                if sender.send(height).is_err() {
                    break;
                }
            }
        }
    });
    (child, receiver)
}

/// Kills the child if a check fails before the parent does.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Reopens the store and checks it against the replay of its last height.
fn check_store(dir: &Path, acknowledged: Option<u64>, seed: u64) -> Option<u64> {
    let db = Db::open(dir, &DbOptions::new(GENESIS))
        .unwrap_or_else(|e| panic!("seed {seed:#x}: the store does not open after a kill: {e}"));
    let Some(last) = db.last_committed() else {
        assert_eq!(acknowledged, None, "seed {seed:#x}: an acknowledged block was lost");
        return None;
    };
    let height = last.height;
    assert!(
        acknowledged <= Some(height),
        "seed {seed:#x}: height {acknowledged:?} was acknowledged, the store has {height}"
    );
    let expected = block_at(height);
    assert_eq!(last.state_root, expected.state_root, "seed {seed:#x}: root at {height}");
    assert_eq!(db.block(height).expect("read"), Some(expected.block), "seed {seed:#x}");
    assert_eq!(db.commit(height).expect("read"), Some(expected.commit), "seed {seed:#x}");
    assert_eq!(db.block(height + 1).expect("read"), None, "seed {seed:#x}");
    let tx = format!("tx/{height:08}").into_bytes();
    assert!(db.index_get(&tx).expect("read").is_some(), "seed {seed:#x}");
    let (state, merkle) = replay(height);
    assert_eq!(all(db.state()), all(&state), "seed {seed:#x}: state at {height}");
    assert_eq!(all(db.merkle()), all(&merkle), "seed {seed:#x}: nodes at {height}");
    Some(height)
}

#[test]
fn kill_at_random_moments_and_reopen() {
    let dir = TempDir::new("store-crash");
    let data = dir.join("data");
    let mut rng = Rng(SEED);
    let mut last = None;
    for kill in 0..KILLS {
        let (child, heights) = spawn_child(&data);
        let mut child = KillOnDrop(child);
        let mut first = None;
        if kill == 0 {
            // Once the child has committed, it holds the directory: a second opener is
            // refused, naming it.
            first = Some(heights.recv_timeout(Duration::from_secs(10)).expect("the child commits a block"));
            match Db::open(&data, &DbOptions::new(GENESIS)) {
                Err(StoreError::Locked { dir }) => assert_eq!(dir, data),
                other => panic!("expected the child's lock to refuse us, got {other:?}"),
            }
        }
        let delay_ms = rng.below(400);
        std::thread::sleep(Duration::from_millis(delay_ms));
        child.0.kill().expect("SIGKILL the child");
        child.0.wait().expect("reap the child");
        let acknowledged = heights.iter().max().or(first).or(last);
        last = check_store(&data, acknowledged, SEED);
        eprintln!("kill {kill} after {delay_ms} ms: acknowledged {acknowledged:?}, store at {last:?}");
    }
    let last = last.expect("the children committed blocks");
    assert!(last >= KILLS as u64, "the children made progress (last height {last})");
}
