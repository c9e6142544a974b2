//! The node's Prometheus metrics, kept in atomics and rendered by hand in the text
//! exposition format (version 0.0.4) for `GET /metrics`. Every name starts with `jcm_`.
//!
//! Floats appear only here, in what operators graph; nothing here is hashed or executed.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::Mutex;

use crate::limits::VALIDATOR_LABELS_MAX;

/// Upper bounds of the block interval histogram's buckets, seconds.
pub const BLOCK_INTERVAL_BUCKETS: [f64; 9] = [0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0, 60.0];

/// A float in an atomic, as its bits.
#[derive(Debug, Default)]
struct AtomicF64(AtomicU64);

impl AtomicF64 {
    fn get(&self) -> f64 {
        f64::from_bits(self.0.load(Ordering::Relaxed))
    }

    fn set(&self, value: f64) {
        self.0.store(value.to_bits(), Ordering::Relaxed);
    }

    fn add(&self, delta: f64) {
        let _ = self.0.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |bits| {
            Some((f64::from_bits(bits) + delta).to_bits())
        });
    }
}

/// The node's metrics. Cheap to update from any task; [`Metrics::render`] reads them all.
#[derive(Debug, Default)]
pub struct Metrics {
    height: AtomicU64,
    round: AtomicU64,
    blocks: AtomicU64,
    txs_committed: AtomicU64,
    txs_rejected: AtomicU64,
    block_txs_last: AtomicU64,
    interval_buckets: [AtomicU64; BLOCK_INTERVAL_BUCKETS.len()],
    interval_sum: AtomicF64,
    interval_last: AtomicF64,
    mempool_txs: AtomicU64,
    mempool_bytes: AtomicU64,
    peers: AtomicU64,
    heights_behind: AtomicU64,
    evidence_detected: AtomicU64,
    evidence_recorded: AtomicU64,
    missed_votes: Mutex<BTreeMap<String, u64>>,
}

impl Metrics {
    /// All zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// The last committed height.
    pub fn set_height(&self, height: u64) {
        self.height.store(height, Ordering::Relaxed);
    }

    /// The consensus round at the next height.
    pub fn set_round(&self, round: u32) {
        self.round.store(u64::from(round), Ordering::Relaxed);
    }

    /// A committed block: the time since the previous one, its transactions, and how
    /// many of those were rejected by the rules (recorded with their verdict).
    pub fn observe_block(&self, interval_seconds: f64, txs: usize, rejected: usize) {
        let interval = if interval_seconds.is_finite() { interval_seconds.max(0.0) } else { 0.0 };
        self.blocks.fetch_add(1, Ordering::Relaxed);
        self.txs_committed.fetch_add(txs as u64, Ordering::Relaxed);
        self.txs_rejected.fetch_add(rejected as u64, Ordering::Relaxed);
        self.block_txs_last.store(txs as u64, Ordering::Relaxed);
        for (bucket, bound) in self.interval_buckets.iter().zip(BLOCK_INTERVAL_BUCKETS) {
            if interval <= bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.interval_sum.add(interval);
        self.interval_last.set(interval);
    }

    /// The mempool's size.
    pub fn set_mempool(&self, txs: usize, bytes: usize) {
        self.mempool_txs.store(txs as u64, Ordering::Relaxed);
        self.mempool_bytes.store(bytes as u64, Ordering::Relaxed);
    }

    /// Connected peers.
    pub fn set_peers(&self, peers: usize) {
        self.peers.store(peers as u64, Ordering::Relaxed);
    }

    /// How far the best height a peer showed is ahead of this node's.
    pub fn set_heights_behind(&self, behind: u64) {
        self.heights_behind.store(behind, Ordering::Relaxed);
    }

    /// This node saw a validator sign two conflicting votes (R52).
    pub fn evidence_detected(&self) {
        self.evidence_detected.fetch_add(1, Ordering::Relaxed);
    }

    /// Equivocations recorded on chain (R52).
    pub fn set_evidence_recorded(&self, records: usize) {
        self.evidence_recorded.store(records as u64, Ordering::Relaxed);
    }

    /// A validator's precommit was missing from a commit certificate.
    pub fn missed_vote(&self, validator: &str) {
        let mut missed = self.missed_votes.lock();
        if let Some(count) = missed.get_mut(validator) {
            *count += 1;
        } else if missed.len() < VALIDATOR_LABELS_MAX {
            missed.insert(validator.to_owned(), 1);
        }
    }

    /// The text exposition of every metric.
    pub fn render(&self) -> String {
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let mut out = String::with_capacity(4096);
        let mut one = |name: &str, kind: &str, help: &str, value: String| {
            let _ = write!(out, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n");
        };
        one("jcm_height", "gauge", "Last committed height.", load(&self.height).to_string());
        one("jcm_round", "gauge", "Consensus round at the next height.", load(&self.round).to_string());
        one("jcm_blocks_total", "counter", "Blocks committed since start.", load(&self.blocks).to_string());
        one(
            "jcm_txs_committed_total",
            "counter",
            "Transactions committed in blocks since start, accepted or rejected.",
            load(&self.txs_committed).to_string(),
        );
        one(
            "jcm_txs_rejected_total",
            "counter",
            "Committed transactions whose verdict is REJECTED, since start.",
            load(&self.txs_rejected).to_string(),
        );
        one(
            "jcm_block_txs",
            "gauge",
            "Transactions in the last committed block.",
            load(&self.block_txs_last).to_string(),
        );
        one(
            "jcm_block_interval_last_seconds",
            "gauge",
            "Time between the last two committed blocks.",
            float(self.interval_last.get()),
        );
        one("jcm_mempool_txs", "gauge", "Transactions in the mempool.", load(&self.mempool_txs).to_string());
        one(
            "jcm_mempool_bytes",
            "gauge",
            "Bytes of transactions in the mempool.",
            load(&self.mempool_bytes).to_string(),
        );
        one("jcm_peers", "gauge", "Connected peers.", load(&self.peers).to_string());
        one(
            "jcm_heights_behind",
            "gauge",
            "Heights the best known peer is ahead of this node.",
            load(&self.heights_behind).to_string(),
        );
        one(
            "jcm_evidence_detected_total",
            "counter",
            "Equivocations (two conflicting votes of one validator) this node saw, since start.",
            load(&self.evidence_detected).to_string(),
        );
        one(
            "jcm_evidence_recorded",
            "gauge",
            "Equivocations recorded on chain (R52), after the last committed block.",
            load(&self.evidence_recorded).to_string(),
        );
        self.render_interval(&mut out);
        self.render_missed(&mut out);
        out
    }

    fn render_interval(&self, out: &mut String) {
        let name = "jcm_block_interval_seconds";
        let _ = write!(
            out,
            "# HELP {name} Time between consecutive committed blocks.\n# TYPE {name} histogram\n"
        );
        for (bucket, bound) in self.interval_buckets.iter().zip(BLOCK_INTERVAL_BUCKETS) {
            let _ =
                writeln!(out, "{name}_bucket{{le=\"{}\"}} {}", float(bound), bucket.load(Ordering::Relaxed));
        }
        let count = self.blocks.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
        let _ = writeln!(out, "{name}_sum {}", float(self.interval_sum.get()));
        let _ = writeln!(out, "{name}_count {count}");
    }

    fn render_missed(&self, out: &mut String) {
        let name = "jcm_missed_votes_total";
        let _ = write!(
            out,
            "# HELP {name} Commit certificates that lacked the validator's precommit.\n# TYPE {name} counter\n"
        );
        for (validator, count) in self.missed_votes.lock().iter() {
            let _ = writeln!(out, "{name}{{validator=\"{}\"}} {count}", escape_label(validator));
        }
    }
}

/// A sample value: Prometheus accepts Go's float syntax, which Rust's `Display` matches
/// for finite values.
fn float(value: f64) -> String {
    if value.is_finite() {
        format!("{value}")
    } else {
        "NaN".to_owned()
    }
}

/// Escapes a label value: backslash, double quote and newline.
fn escape_label(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses the exposition: every non-comment line is `name{labels} value`; returns
    /// (name with labels, value).
    fn samples(text: &str) -> Vec<(String, f64)> {
        let mut out = Vec::new();
        for line in text.lines() {
            if line.is_empty() {
                continue;
            }
            if let Some(rest) = line.strip_prefix("# ") {
                let mut words = rest.splitn(3, ' ');
                let kind = words.next().expect("comment keyword");
                assert!(kind == "HELP" || kind == "TYPE", "comment `{line}`");
                let name = words.next().expect("metric name");
                assert!(name.starts_with("jcm_"), "`{name}`");
                if kind == "TYPE" {
                    let t = words.next().expect("type");
                    assert!(["gauge", "counter", "histogram"].contains(&t), "type `{t}`");
                }
                continue;
            }
            let (series, value) = line.rsplit_once(' ').expect("sample has a value");
            let name_end = series.find('{').unwrap_or(series.len());
            let name = &series[..name_end];
            assert!(name.starts_with("jcm_"), "`{line}`");
            assert!(name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'), "`{line}`");
            if name_end < series.len() {
                assert!(series.ends_with('}'), "`{line}`");
                let labels = &series[name_end + 1..series.len() - 1];
                for pair in labels.split("\",").filter(|p| !p.is_empty()) {
                    let (key, value) = pair.split_once("=\"").expect("label `key=\"value\"`");
                    assert!(key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'), "`{line}`");
                    let _ = value;
                }
            }
            let value: f64 = value.parse().unwrap_or_else(|_| panic!("value in `{line}`"));
            out.push((series.to_owned(), value));
        }
        out
    }

    fn value(text: &str, series: &str) -> f64 {
        samples(text).into_iter().find(|(s, _)| s == series).unwrap_or_else(|| panic!("no {series}")).1
    }

    #[test]
    fn render_parses_and_reports_what_was_set() {
        let m = Metrics::new();
        m.set_height(42);
        m.set_round(3);
        m.observe_block(1.5, 10, 2);
        m.observe_block(0.4, 5, 0);
        m.set_mempool(7, 9000);
        m.set_peers(3);
        m.set_heights_behind(0);
        m.missed_vote("validator-ind");
        m.missed_vote("validator-ind");
        m.missed_vote("odd \"name\"\\");
        m.evidence_detected();
        m.set_evidence_recorded(4);
        let text = m.render();
        samples(&text);
        assert_eq!(value(&text, "jcm_height"), 42.0);
        assert_eq!(value(&text, "jcm_round"), 3.0);
        assert_eq!(value(&text, "jcm_blocks_total"), 2.0);
        assert_eq!(value(&text, "jcm_txs_committed_total"), 15.0);
        assert_eq!(value(&text, "jcm_txs_rejected_total"), 2.0);
        assert_eq!(value(&text, "jcm_block_txs"), 5.0);
        assert_eq!(value(&text, "jcm_block_interval_last_seconds"), 0.4);
        assert_eq!(value(&text, "jcm_block_interval_seconds_bucket{le=\"0.5\"}"), 1.0);
        assert_eq!(value(&text, "jcm_block_interval_seconds_bucket{le=\"2\"}"), 2.0);
        assert_eq!(value(&text, "jcm_block_interval_seconds_bucket{le=\"+Inf\"}"), 2.0);
        assert!((value(&text, "jcm_block_interval_seconds_sum") - 1.9).abs() < 1e-9);
        assert_eq!(value(&text, "jcm_block_interval_seconds_count"), 2.0);
        assert_eq!(value(&text, "jcm_mempool_txs"), 7.0);
        assert_eq!(value(&text, "jcm_mempool_bytes"), 9000.0);
        assert_eq!(value(&text, "jcm_peers"), 3.0);
        assert_eq!(value(&text, "jcm_evidence_detected_total"), 1.0);
        assert_eq!(value(&text, "jcm_evidence_recorded"), 4.0);
        assert_eq!(value(&text, "jcm_missed_votes_total{validator=\"validator-ind\"}"), 2.0);
        assert!(text.contains("validator=\"odd \\\"name\\\"\\\\\""), "{text}");
    }

    #[test]
    fn a_fresh_registry_renders_zeros_and_bad_intervals_are_clamped() {
        let m = Metrics::default();
        assert_eq!(value(&m.render(), "jcm_height"), 0.0);
        m.observe_block(f64::NAN, 0, 0);
        m.observe_block(-3.0, 0, 0);
        let text = m.render();
        assert_eq!(value(&text, "jcm_block_interval_seconds_sum"), 0.0);
        assert_eq!(value(&text, "jcm_block_interval_seconds_bucket{le=\"0.25\"}"), 2.0);
    }
}
