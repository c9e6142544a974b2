//! The figures of a run: throughput, latency percentiles, blocks, and what each node
//! cost; as JSON (`--json FILE`) and as one summary line.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::plan::Plan;
use super::procs::{Proc, Reading};
use super::submit::Sent;
use super::watch::Watched;

/// Latency percentiles, milliseconds.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Latency {
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Largest.
    pub max: f64,
    /// Mean.
    pub mean: f64,
}

/// The `p`-th percentile (0..=100) of sorted `values`, nearest rank.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

impl Latency {
    /// Percentiles of `values` (milliseconds, any order).
    pub fn of(mut values: Vec<f64>) -> Self {
        values.sort_by(f64::total_cmp);
        let mean = if values.is_empty() { 0.0 } else { values.iter().sum::<f64>() / values.len() as f64 };
        Self {
            p50: percentile(&values, 50.0),
            p90: percentile(&values, 90.0),
            p99: percentile(&values, 99.0),
            max: values.last().copied().unwrap_or(0.0),
            mean,
        }
    }
}

/// What one process cost over the run.
#[derive(Clone, Debug, Serialize)]
pub struct ProcCost {
    /// Process id.
    pub pid: u32,
    /// The node's home (or `jcm-load`).
    pub label: String,
    /// CPU seconds (user + system) during the run.
    pub cpu_s: f64,
    /// `cpu_s` over the run's duration: 1.0 is one core fully busy.
    pub cores: f64,
    /// Peak resident memory since the process started, MiB.
    pub peak_rss_mib: f64,
}

/// Costs of `procs` between two readings.
pub fn costs(
    procs: &[Proc],
    before: &[Option<Reading>],
    after: &[Option<Reading>],
    seconds: f64,
) -> Vec<ProcCost> {
    procs
        .iter()
        .zip(before.iter().zip(after))
        .map(|(p, (b, a))| {
            let (b, a) = (b.unwrap_or_default(), a.unwrap_or_default());
            let cpu_s = (a.cpu_s - b.cpu_s).max(0.0);
            ProcCost {
                pid: p.pid,
                label: p.label.clone(),
                cpu_s,
                cores: if seconds > 0.0 { cpu_s / seconds } else { 0.0 },
                peak_rss_mib: a.peak_rss_mib,
            }
        })
        .collect()
}

/// The figures of a load run.
#[derive(Clone, Debug, Serialize)]
pub struct Figures {
    /// Transactions offered.
    pub offered: usize,
    /// Accepted into a mempool.
    pub accepted: usize,
    /// Refused at submission, by kind.
    pub refused: BTreeMap<String, usize>,
    /// Examples of refusals.
    pub refusal_examples: Vec<String>,
    /// Capacity refusals retried.
    pub busy_retries: usize,
    /// Accepted transactions seen in a committed block.
    pub committed: usize,
    /// Of which in each cooperative approach.
    pub committed_by_approach: BTreeMap<String, usize>,
    /// From the first send to the last commit, seconds.
    pub duration_s: f64,
    /// Committed transactions per second over `duration_s`.
    pub committed_tps: f64,
    /// Committed per second between the 10th and the 90th percentile of commits (the
    /// steady state, without ramp-up and drain).
    pub sustained_tps: f64,
    /// Accepted submissions per second (first to last send).
    pub submitted_tps: f64,
    /// Submission to commit, milliseconds.
    pub latency_ms: Latency,
    /// Blocks committed during the run.
    pub blocks: usize,
    /// Blocks per second.
    pub blocks_per_s: f64,
    /// Mean transactions per non-empty block.
    pub txs_per_block_mean: f64,
    /// Largest block.
    pub txs_per_block_max: usize,
    /// The largest delay behind the schedule, ms (fixed rate only).
    pub behind_schedule_max_ms: f64,
    /// Blocks of the run by the consensus round that committed them (a round above 0
    /// means round 0 failed: a late or invalid proposal, a timeout).
    pub commit_rounds: BTreeMap<u32, usize>,
    /// Seconds between consecutive blocks of the run: median and largest.
    pub block_interval_s: (f64, f64),
}

/// Computes the figures of a run that started at `start`.
pub fn figures(start: Instant, sent: &Sent, watched: &Watched) -> Figures {
    let accepted = sent.accepted_at.iter().filter(|a| a.is_some()).count();
    let mut latencies = Vec::with_capacity(accepted);
    let mut commit_times: Vec<Instant> = Vec::with_capacity(accepted);
    for (sent_at, commit) in sent.accepted_at.iter().zip(&watched.commits) {
        if let (Some(s), Some((_, c))) = (sent_at, commit) {
            latencies.push(c.saturating_duration_since(*s).as_secs_f64() * 1e3);
            commit_times.push(*c);
        }
    }
    commit_times.sort();
    let committed = commit_times.len();
    let end = commit_times.last().copied().unwrap_or(start);
    let duration = end.saturating_duration_since(start).as_secs_f64();
    let rate = |n: usize, d: f64| if d > 0.0 { n as f64 / d } else { 0.0 };
    let sustained = if committed >= 10 {
        let (lo, hi) = (committed / 10, committed * 9 / 10);
        rate(hi - lo, commit_times[hi].saturating_duration_since(commit_times[lo]).as_secs_f64())
    } else {
        0.0
    };
    let first_sent = sent.accepted_at.iter().flatten().min().copied().unwrap_or(start);
    let last_sent = sent.ended.unwrap_or(start);
    let blocks: Vec<_> = watched.blocks.iter().filter(|b| b.at <= end).collect();
    let mut commit_rounds = BTreeMap::new();
    // Block h carries the certificate of h - 1: the rounds of the run's blocks but the last.
    for pair in watched.blocks.windows(2).filter(|w| w[0].at <= end) {
        if let Some(round) = pair[1].parent_round {
            *commit_rounds.entry(round).or_insert(0) += 1;
        }
    }
    let mut intervals: Vec<f64> =
        blocks.windows(2).map(|w| w[1].at.saturating_duration_since(w[0].at).as_secs_f64()).collect();
    intervals.sort_by(f64::total_cmp);
    let nonempty: Vec<_> = blocks.iter().filter(|b| b.txs > 0).collect();
    Figures {
        offered: sent.accepted_at.len(),
        accepted,
        refused: sent.refused.clone(),
        refusal_examples: sent.refusal_examples.clone(),
        busy_retries: sent.busy_retries,
        committed,
        committed_by_approach: BTreeMap::new(),
        duration_s: duration,
        committed_tps: rate(committed, duration),
        sustained_tps: sustained,
        submitted_tps: rate(accepted, last_sent.saturating_duration_since(first_sent).as_secs_f64()),
        latency_ms: Latency::of(latencies),
        blocks: blocks.len(),
        blocks_per_s: rate(blocks.len(), duration),
        txs_per_block_mean: if nonempty.is_empty() {
            0.0
        } else {
            nonempty.iter().map(|b| b.txs).sum::<usize>() as f64 / nonempty.len() as f64
        },
        txs_per_block_max: blocks.iter().map(|b| b.txs).max().unwrap_or(0),
        behind_schedule_max_ms: sent.behind_max.as_secs_f64() * 1e3,
        commit_rounds,
        block_interval_s: (percentile(&intervals, 50.0), intervals.last().copied().unwrap_or(0.0)),
    }
}

/// The committed transactions of `plan`'s load in each of its approaches.
pub fn committed_by_approach(plan: &Plan, watched: &Watched) -> BTreeMap<String, usize> {
    let mut counts = vec![0usize; plan.approaches.len()];
    for (planned, commit) in plan.load.iter().zip(&watched.commits) {
        if commit.is_some() {
            counts[planned.approach] += 1;
        }
    }
    plan.approaches.iter().map(ToString::to_string).zip(counts).collect()
}

/// Seconds as milliseconds with no decimals, for the summary.
fn ms(d: f64) -> String {
    format!("{d:.0} ms")
}

/// The one-line summary.
pub fn summary(rate: &str, f: &Figures, nodes: &[ProcCost], loader: Option<&ProcCost>) -> String {
    let node_cpu: f64 = nodes.iter().map(|n| n.cpu_s).sum();
    let rss = nodes.iter().map(|n| n.peak_rss_mib).fold(0.0, f64::max);
    let refused: usize = f.refused.values().sum();
    let by_approach: Vec<String> =
        f.committed_by_approach.iter().map(|(ca, n)| format!("{ca} {n}")).collect();
    format!(
        "jcm-load: {} txs at {rate}: committed {}/{} ({}) in {:.1} s = {:.0} tx/s (steady {:.0}); latency p50 {} p90 {} p99 {}; \
         {:.2} blocks/s, {:.0} txs/block (max {}), rounds {:?}; nodes {:.1} CPU-s ({:.2} cores), peak RSS {:.0} MiB; loader {:.1} CPU-s; refused {refused}",
        f.offered,
        f.committed,
        f.accepted,
        by_approach.join(", "),
        f.duration_s,
        f.committed_tps,
        f.sustained_tps,
        ms(f.latency_ms.p50),
        ms(f.latency_ms.p90),
        ms(f.latency_ms.p99),
        f.blocks_per_s,
        f.txs_per_block_mean,
        f.txs_per_block_max,
        f.commit_rounds,
        node_cpu,
        if f.duration_s > 0.0 { node_cpu / f.duration_s } else { 0.0 },
        rss,
        loader.map_or(0.0, |l| l.cpu_s),
    )
}

/// Machine facts worth a note beside the figures: cores and load averages.
#[derive(Clone, Debug, Serialize)]
pub struct Machine {
    /// Logical CPUs.
    pub cpus: usize,
    /// `/proc/loadavg` before the run.
    pub loadavg_before: String,
    /// `/proc/loadavg` after the run.
    pub loadavg_after: String,
}

/// The load averages now.
pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg").map(|s| s.trim().to_owned()).unwrap_or_default()
}

/// Cores available.
pub fn cpus() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Duration as seconds, for JSON.
pub fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}
