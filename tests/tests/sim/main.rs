//! Deterministic simulation of the consensus core: N validators in one thread, virtual
//! time, a seeded faulty network, crashing and restarting validators with a disk, and
//! Byzantine twins. See `docs/consensus.md` for the fault model and what each campaign
//! asserts.
//!
//! - `cargo test -p jcm-tests --test sim` runs the CI seed set (every fault kind at
//!   every size it fits);
//! - `JCM_SIM_SEEDS=10000 cargo test --release -p jcm-tests --test sim -- --ignored
//!   --nocapture campaign` runs a campaign (`JCM_SIM_SEED_START`, `JCM_SIM_THREADS`,
//!   `JCM_SIM_KIND` optional);
//! - a failure prints its seed and the `replay` command that reproduces it exactly.
#![allow(clippy::unwrap_used)]

mod campaign;
mod checks;
mod net;
mod node;
mod rng;
mod scenario;
mod wal;
mod world;

use campaign::{campaign_case, check, ci, ci_sizes, run};
use scenario::Kind;

/// Seeds per kind and size in CI.
const CI_SEEDS: u64 = 16;
/// Seeds per size of the lock campaign in CI.
const LOCK_SEEDS: u64 = 60;

#[test]
fn ci_clean() {
    ci(Kind::Clean, 0..CI_SEEDS);
}

#[test]
fn ci_weighted() {
    ci(Kind::Weighted, 0..CI_SEEDS);
}

#[test]
fn ci_lossy() {
    ci(Kind::Lossy, 0..CI_SEEDS);
}

#[test]
fn ci_partition() {
    ci(Kind::Partition, 0..CI_SEEDS);
}

/// Locks are what keep a height from deciding twice; the adversary that tests them
/// needs many seeds to line up a decision by few nodes with a re-proposal by a node
/// that never saw the polka, so this kind runs more seeds, at the sizes where it
/// happens most (4 and 7), plus the usual set at 1 and 10.
#[test]
fn ci_locks() {
    ci_sizes(Kind::Locks, &[4, 7], 0..LOCK_SEEDS);
    ci_sizes(Kind::Locks, &[1, 10], 0..CI_SEEDS);
}

#[test]
fn ci_crash_restart() {
    ci(Kind::Crash, 0..CI_SEEDS);
}

#[test]
fn ci_torn_tail() {
    ci(Kind::Torn, 0..CI_SEEDS);
}

#[test]
fn ci_twins() {
    ci(Kind::Twins, 0..CI_SEEDS);
}

#[test]
fn ci_mixed() {
    ci(Kind::Mixed, 0..CI_SEEDS);
}

/// f+1 validators crash for good: progress stops (no height beyond the one in flight
/// at the crash is decided) and no honest node decides two values.
#[test]
fn ci_beyond_bound_crash() {
    ci(Kind::BeyondCrash, 0..CI_SEEDS);
}

/// f+1 Byzantine twins with the network split into two quorums of keys: agreement
/// between honest nodes breaks, and the checker reports it. The run is expected to
/// show the violation, not to hide it.
#[test]
fn ci_beyond_bound_twins_break_agreement_and_are_caught() {
    let notes = ci(Kind::BeyondTwins, 0..CI_SEEDS);
    let broken = notes.iter().filter(|(_, _, note)| note.contains("broken")).count();
    assert!(broken > 0, "no seed broke agreement beyond the bound: {notes:?}");
    println!("{broken} of {} runs beyond the bound broke agreement, all caught", notes.len());
}

/// The same seed replays the same run, event for event.
#[test]
fn a_seed_reproduces_its_run_exactly() {
    for kind in [Kind::Mixed, Kind::Torn, Kind::Twins] {
        let (_, a) = run(kind, 7, 42, false);
        let (_, b) = run(kind, 7, 42, true);
        assert_eq!((a.digest, a.events, a.end_ms), (b.digest, b.events, b.end_ms), "{kind:?}");
        let (_, c) = run(kind, 7, 43, false);
        assert_ne!(a.digest, c.digest, "{kind:?}: different seeds, different runs");
    }
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A campaign of any size: `JCM_SIM_SEEDS` seeds from `JCM_SIM_SEED_START`, over
/// `JCM_SIM_THREADS` threads, each seed choosing its kind and size (or only
/// `JCM_SIM_KIND`).
#[test]
#[ignore = "campaign: run explicitly, see docs/consensus.md"]
fn campaign() {
    let seeds = env_u64("JCM_SIM_SEEDS", 1000);
    let start = env_u64("JCM_SIM_SEED_START", 0);
    let threads =
        env_u64("JCM_SIM_THREADS", std::thread::available_parallelism().map_or(1, |p| p.get() as u64));
    let only = std::env::var("JCM_SIM_KIND").ok().and_then(|k| Kind::parse(&k));
    let began = std::time::Instant::now();
    let results: Vec<_> = (0..threads)
        .map(|t| {
            std::thread::spawn(move || {
                let mut failures = Vec::new();
                let mut broken = 0;
                for seed in (start + t..start + seeds).step_by(threads as usize) {
                    let (kind, n) = campaign_case(seed);
                    let kind = only.unwrap_or(kind);
                    let n = if kind.fits(n) { n } else { 4 };
                    match check(kind, n, seed) {
                        Ok(note) if note.contains("broken") => broken += 1,
                        Ok(_) => {}
                        Err(report) => failures.push(report),
                    }
                }
                (failures, broken)
            })
        })
        .collect();
    let mut failures = Vec::new();
    let mut broken = 0;
    for handle in results {
        let (f, b) = handle.join().unwrap();
        failures.extend(f);
        broken += b;
    }
    println!(
        "campaign: {seeds} seeds from {start} in {:.1?}; {} failed; beyond-bound twins broke agreement (caught) in {broken} runs",
        began.elapsed(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Replays one seed with its full trace: `JCM_SIM_SEED`, `JCM_SIM_KIND`, `JCM_SIM_N`.
#[test]
#[ignore = "replay: run explicitly with JCM_SIM_SEED"]
fn replay() {
    let seed = env_u64("JCM_SIM_SEED", 0);
    let (default_kind, default_n) = campaign_case(seed);
    let kind = std::env::var("JCM_SIM_KIND").ok().and_then(|k| Kind::parse(&k)).unwrap_or(default_kind);
    let n = env_u64("JCM_SIM_N", default_n as u64) as usize;
    let (scenario, outcome) = run(kind, n, seed, true);
    println!("{:?} n={}: {scenario:?}", scenario.kind, scenario.n);
    for line in &outcome.trace {
        println!("{line}");
    }
    println!(
        "outcome: {:?} after {} events, {} ms; highest honest height {} \
         (at the f+1 crash: {:?}); {} evidence",
        outcome.violation,
        outcome.events,
        outcome.end_ms,
        outcome.max_decided,
        outcome.decided_at_crash,
        outcome.evidence
    );
    println!("verdict: {:?}", campaign::judge(kind, &outcome));
}
