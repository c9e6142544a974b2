//! The submitting side: `threads` threads, each owning a fixed set of signers (so every
//! signer's transactions leave in nonce order, one at a time) and sending each signer to
//! one node (so its relay order is that node's). With a rate, transaction `seq` is sent
//! at `start + seq / rate`; without one, as soon as the previous one of the thread was
//! accepted. A capacity refusal (signer or mempool full) is retried after a pause; any
//! other refusal ends that signer's sequence, since its later nonces cannot follow.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::plan::Planned;
use super::rpc::{Client, Submitted};

/// First pause after a capacity refusal; doubled up to [`BUSY_PAUSE_MAX`].
const BUSY_PAUSE: Duration = Duration::from_millis(5);
/// Longest pause after a capacity refusal.
const BUSY_PAUSE_MAX: Duration = Duration::from_millis(200);

/// How sending went.
#[derive(Debug, Default)]
pub struct Sent {
    /// Per transaction: when it was first sent, if it was accepted.
    pub accepted_at: Vec<Option<Instant>>,
    /// Refusals by kind (each refused transaction, and the later ones of its signer it
    /// made unsendable, counted as `skipped`).
    pub refused: BTreeMap<String, usize>,
    /// The first refusal messages, for the report.
    pub refusal_examples: Vec<String>,
    /// Capacity refusals that were retried.
    pub busy_retries: usize,
    /// The largest delay behind the schedule (fixed rate only).
    pub behind_max: Duration,
    /// When the last transaction was accepted.
    pub ended: Option<Instant>,
}

/// The node a signer's transactions go to (setup officers use the first node).
pub fn node_of(planned: &Planned, nodes: usize) -> usize {
    planned.signer.map_or(0, |s| s % nodes)
}

/// Sends `txs` (in `seq` order) to `urls`; `rate` in transactions per second from `start`.
pub fn send(txs: &[Planned], urls: &[String], threads: usize, rate: Option<f64>, start: Instant) -> Sent {
    let threads = threads.max(1);
    let mut lanes: Vec<Vec<usize>> = vec![Vec::new(); threads];
    for (i, planned) in txs.iter().enumerate() {
        // Setup officers all go to lane 0: one officer, one lane.
        lanes[planned.signer.map_or(0, |s| s % threads)].push(i);
    }
    let sent = Mutex::new(Sent { accepted_at: vec![None; txs.len()], ..Sent::default() });
    std::thread::scope(|scope| {
        for lane in lanes.iter().filter(|l| !l.is_empty()) {
            let sent = &sent;
            scope.spawn(move || send_lane(txs, lane, urls, rate, start, sent));
        }
    });
    sent.into_inner().expect("no sending thread panicked")
}

fn send_lane(
    txs: &[Planned],
    lane: &[usize],
    urls: &[String],
    rate: Option<f64>,
    start: Instant,
    sent: &Mutex<Sent>,
) {
    let client = Client::new();
    let mut broken: BTreeMap<Option<usize>, ()> = BTreeMap::new();
    let mut behind_max = Duration::ZERO;
    let mut busy_retries = 0;
    for &i in lane {
        let planned = &txs[i];
        if broken.contains_key(&planned.signer) {
            record_refusal(sent, "skipped", None);
            continue;
        }
        if let Some(rate) = rate {
            let due = start + Duration::from_secs_f64(planned.seq as f64 / rate);
            let now = Instant::now();
            if due > now {
                std::thread::sleep(due - now);
            } else {
                behind_max = behind_max.max(now - due);
            }
        }
        let url = &urls[node_of(planned, urls.len())];
        let first = Instant::now();
        let mut pause = BUSY_PAUSE;
        loop {
            match client.submit(url, &planned.body) {
                Submitted::Accepted => {
                    let mut s = sent.lock().expect("not poisoned");
                    s.accepted_at[i] = Some(first);
                    s.ended = Some(Instant::now());
                    break;
                }
                Submitted::Busy(_) => {
                    busy_retries += 1;
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(BUSY_PAUSE_MAX);
                }
                Submitted::Refused(message) => {
                    let kind = message.split(':').next().unwrap_or("refused").to_owned();
                    record_refusal(
                        sent,
                        &kind,
                        Some(format!("#{} ({}): {message}", planned.seq, planned.kind)),
                    );
                    broken.insert(planned.signer, ());
                    break;
                }
            }
        }
    }
    let mut s = sent.lock().expect("not poisoned");
    s.behind_max = s.behind_max.max(behind_max);
    s.busy_retries += busy_retries;
}

fn record_refusal(sent: &Mutex<Sent>, kind: &str, example: Option<String>) {
    let mut s = sent.lock().expect("not poisoned");
    *s.refused.entry(kind.to_owned()).or_insert(0) += 1;
    if let Some(example) = example {
        if s.refusal_examples.len() < 5 {
            s.refusal_examples.push(example);
        }
    }
}
