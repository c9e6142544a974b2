//! The commit side of the measurement: one thread fetches every new block from one node
//! (`GET /v1/blocks/{h}/raw` until it stops answering 404) and notes when each planned
//! transaction first appeared in a committed block. The time of a commit is when the
//! watcher saw the block, so it is late by at most the polling interval plus one fetch.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use jcm_runtime::codec::Hash32;

use super::rpc::Client;
use super::LoadError;

/// Pause between polls for the next block.
pub const POLL_INTERVAL: Duration = Duration::from_millis(5);

/// A committed block as the watcher saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    /// Height.
    pub height: u64,
    /// Transactions in it.
    pub txs: usize,
    /// Of which planned by this run.
    pub ours: usize,
    /// When the watcher got it.
    pub at: Instant,
    /// The consensus round that committed the parent (from this block's last commit):
    /// above 0 when a round failed, e.g. a proposal that could not be validated in time.
    pub parent_round: Option<u32>,
}

/// What the watcher saw.
#[derive(Debug, Default)]
pub struct Watched {
    /// Per planned transaction (by position in the submitted list): the height and time
    /// of its commit.
    pub commits: Vec<Option<(u64, Instant)>>,
    /// Every block from the start height on.
    pub blocks: Vec<Seen>,
}

/// Shared with the submitting side.
#[derive(Debug, Default)]
pub struct Control {
    /// Planned transactions committed so far.
    pub committed: AtomicUsize,
    /// The number to wait for (known once submission ends; `usize::MAX` before).
    pub target: AtomicUsize,
    /// Stop now.
    pub stop: AtomicBool,
}

impl Control {
    /// A control waiting for an unknown number of commits.
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            committed: AtomicUsize::new(0),
            target: AtomicUsize::new(usize::MAX),
            stop: AtomicBool::new(false),
        })
    }
}

/// Watches `url` from `from_height` on until `control.target` transactions of `hashes`
/// committed, `control.stop`, or `idle` without a new commit of one of them once the
/// target is known.
pub fn watch(
    url: &str,
    hashes: &[Hash32],
    from_height: u64,
    control: &Control,
    idle: Duration,
) -> Result<Watched, LoadError> {
    let index: HashMap<Hash32, usize> = hashes.iter().enumerate().map(|(i, h)| (*h, i)).collect();
    let client = Client::new();
    let mut out = Watched { commits: vec![None; hashes.len()], blocks: Vec::new() };
    let mut next = from_height;
    let mut last_progress = Instant::now();
    let mut committed = 0usize;
    loop {
        if control.stop.load(Ordering::Relaxed) || committed >= control.target.load(Ordering::Relaxed) {
            return Ok(out);
        }
        match client.try_block(url, next)? {
            Some(block) => {
                let at = Instant::now();
                let mut ours = 0;
                for tx in &block.txs {
                    if let Some(&i) = index.get(&tx.hash()) {
                        if out.commits[i].is_none() {
                            out.commits[i] = Some((next, at));
                            ours += 1;
                        }
                    }
                }
                committed += ours;
                control.committed.store(committed, Ordering::Relaxed);
                let parent_round = block.last_commit.as_ref().map(|c| c.round);
                out.blocks.push(Seen { height: next, txs: block.txs.len(), ours, at, parent_round });
                next += 1;
                // Empty blocks are no progress: a cluster can commit them forever while
                // the planned transactions sit in a mempool whose proposer never gets a
                // block through.
                if ours > 0 {
                    last_progress = at;
                }
            }
            None => {
                let waiting = control.target.load(Ordering::Relaxed) != usize::MAX;
                if waiting && last_progress.elapsed() > idle {
                    return Ok(out);
                }
                std::thread::sleep(POLL_INTERVAL);
            }
        }
    }
}
