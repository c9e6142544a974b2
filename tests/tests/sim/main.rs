//! Deterministic simulation of the node's real consensus engine (`jcm_node::engine`):
//! N engines over in-memory chains, a simulated write-ahead disk, skewed and drifting
//! clocks and a seeded faulty network, with transactions executed by the real runtime.
//! Checked on every run: no two honest nodes commit different blocks at a height, no
//! honest validator's signatures conflict, no honest engine stops, and once the network
//! heals every honest node commits the target height with transactions in the chain.
//!
//! - `cargo test -p jcm-tests --test engine_sim` runs the CI seed set;
//! - `JCM_SIM_SEEDS=10000 cargo test --release -p jcm-tests --test engine_sim -- --ignored
//!   --nocapture campaign` runs a campaign (`JCM_SIM_SEED_START` optional);
//! - a failure prints its seed and the `replay` command that reproduces it exactly.
#![allow(clippy::unwrap_used)]

#[path = "../sim/rng.rs"]
#[allow(dead_code)]
mod rng;
mod world;

use rng::Rng;
use world::{Outcome, Plan, Violation, World};

/// The kinds of run.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// No faults.
    Clean,
    /// Delays, drops and duplicates until the network heals.
    Lossy,
    /// Random partitions until the network heals.
    Partition,
    /// Crashes between any two effects of an event, and failed syncs, with restarts from
    /// the chain and the write-ahead disk.
    Crash,
    /// `f` Byzantine validators run as twins: two engines sharing one key, so they
    /// double-propose and double-vote.
    Twins,
    /// All of the above at once.
    Mixed,
}

const KINDS: [Kind; 6] = [Kind::Clean, Kind::Lossy, Kind::Partition, Kind::Crash, Kind::Twins, Kind::Mixed];
const SIZES: [usize; 3] = [1, 4, 7];
/// Seeds per kind and size in CI.
const CI_SEEDS: u64 = 6;
/// Trace lines printed with a failure.
const TRACE_TAIL: usize = 60;

impl Kind {
    fn parse(name: &str) -> Option<Kind> {
        KINDS.into_iter().find(|k| format!("{k:?}").eq_ignore_ascii_case(name))
    }

    fn fits(self, n: usize) -> bool {
        !matches!(self, Kind::Twins | Kind::Mixed) || n >= 4
    }
}

fn plan(kind: Kind, n: usize, rng: &mut Rng) -> Plan {
    let f = (n - 1) / 3;
    let faulty = !matches!(kind, Kind::Clean);
    let heal_at = if faulty { rng.range(3_000, 12_000) } else { 0 };
    let lossy = matches!(kind, Kind::Lossy | Kind::Mixed);
    let mut twins = Vec::new();
    if matches!(kind, Kind::Twins | Kind::Mixed) {
        let mut validators: Vec<usize> = (0..n).collect();
        rng.shuffle(&mut validators);
        twins = validators[..f].to_vec();
    }
    let crashes = matches!(kind, Kind::Crash | Kind::Mixed);
    Plan {
        n,
        twins,
        delay_ms: if lossy { (1, 80) } else { (1, 20) },
        drop_per_mille: if lossy { rng.range(50, 300) } else { 0 },
        dup_per_mille: if lossy { rng.range(20, 200) } else { 0 },
        partitions: matches!(kind, Kind::Partition | Kind::Mixed),
        crashes: if crashes { rng.range(2, 8) as usize } else { 0 },
        sync_fail_per_mille: if crashes { 20 } else { 0 },
        txs: rng.range(20, 60) as usize,
        heal_at,
        target: 6,
        deadline_ms: heal_at + 90_000,
        send_before_persist: false,
    }
}

fn run_plan(plan: Plan, seed: u64, trace: bool) -> Outcome {
    World::new(plan, seed, trace).run()
}

/// Runs one seed of one kind and size.
fn run(kind: Kind, n: usize, seed: u64, trace: bool) -> (Plan, Outcome) {
    let mut rng = Rng::new(seed);
    let plan = plan(kind, n, &mut rng);
    let outcome = run_plan(plan.clone(), rng.next_u64(), trace);
    (plan, outcome)
}

/// One seed: `Ok`, or the failure with how to replay it and the trace's tail.
fn check(kind: Kind, n: usize, seed: u64) -> Result<(), String> {
    let (_, outcome) = run(kind, n, seed, false);
    let Some(violation) = outcome.violation else { return Ok(()) };
    let (plan, traced) = run(kind, n, seed, true);
    let tail = &traced.trace[traced.trace.len().saturating_sub(TRACE_TAIL)..];
    Err(format!(
        "ENGINE SIM FAILURE seed={seed} kind={kind:?} n={n}: {violation:?}\n\
         replay: JCM_SIM_SEED={seed} JCM_SIM_KIND={kind:?} JCM_SIM_N={n} \
         cargo test -p jcm-tests --test engine_sim -- --ignored --nocapture replay\n\
         plan: {plan:?}\nlast {} trace lines:\n{}",
        tail.len(),
        tail.join("\n")
    ))
}

fn ci(kind: Kind) {
    let failures: Vec<String> = SIZES
        .into_iter()
        .filter(|&n| kind.fits(n))
        .flat_map(|n| (0..CI_SEEDS).filter_map(move |seed| check(kind, n, seed).err()))
        .collect();
    assert!(failures.is_empty(), "{} failing seed(s):\n{}", failures.len(), failures.join("\n\n"));
}

#[test]
fn ci_clean() {
    ci(Kind::Clean);
}

#[test]
fn ci_lossy() {
    ci(Kind::Lossy);
}

#[test]
fn ci_partition() {
    ci(Kind::Partition);
}

#[test]
fn ci_crash_between_effects() {
    ci(Kind::Crash);
}

#[test]
fn ci_twins() {
    ci(Kind::Twins);
}

#[test]
fn ci_mixed() {
    ci(Kind::Mixed);
}

/// Transactions reach the chain through the real mempool, proposals and runtime.
#[test]
fn transactions_are_committed_and_nodes_agree() {
    let (_, outcome) = run(Kind::Clean, 4, 3, false);
    assert_eq!(outcome.violation, None);
    assert!(outcome.committed_txs > 0, "{outcome:?}");
}

/// The same seed replays the same run, event for event.
#[test]
fn a_seed_reproduces_its_run_exactly() {
    let (_, a) = run(Kind::Mixed, 4, 11, false);
    let (_, b) = run(Kind::Mixed, 4, 11, true);
    assert_eq!((a.digest, a.events, a.end_ms), (b.digest, b.events, b.end_ms));
    let (_, c) = run(Kind::Mixed, 4, 12, false);
    assert_ne!(a.digest, c.digest, "different seeds, different runs");
}

/// A node that sends its signed votes before the write-ahead record holding its sign
/// guard's mark is synced can sign twice for one step after a crash: the checker must
/// see the conflicting signatures of an honest validator, or the split they cause.
#[test]
fn the_checker_catches_an_engine_that_signs_before_it_persists() {
    let mut caught = 0;
    let mut runs = 0;
    for seed in 0..40 {
        let mut rng = Rng::new(seed);
        let mut plan = plan(Kind::Crash, 4, &mut rng);
        plan.crashes = 12;
        plan.sync_fail_per_mille = 0;
        plan.send_before_persist = true;
        let world_seed = rng.next_u64();
        let outcome = run_plan(plan.clone(), world_seed, false);
        runs += 1;
        if matches!(
            outcome.violation,
            Some(Violation::HonestEquivocation { .. } | Violation::Agreement { .. })
        ) {
            caught += 1;
        }
        // The same plan with the effects in their order holds.
        plan.send_before_persist = false;
        let sound = run_plan(plan, world_seed, false);
        assert!(
            !matches!(
                sound.violation,
                Some(Violation::HonestEquivocation { .. } | Violation::Agreement { .. })
            ),
            "seed {seed}: {:?}",
            sound.violation
        );
        if caught >= 1 {
            break;
        }
    }
    assert!(caught > 0, "{runs} runs of a node that signs before it persists, none caught");
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The kind and size a campaign seed runs.
fn campaign_case(seed: u64) -> (Kind, usize) {
    let kind = KINDS[(seed % KINDS.len() as u64) as usize];
    let n = SIZES[((seed / KINDS.len() as u64) % SIZES.len() as u64) as usize];
    (kind, if kind.fits(n) { n } else { 4 })
}

/// A campaign: `JCM_SIM_SEEDS` seeds from `JCM_SIM_SEED_START` over every core.
#[test]
#[ignore = "campaign: run explicitly"]
fn campaign() {
    let seeds = env_u64("JCM_SIM_SEEDS", 1000);
    let start = env_u64("JCM_SIM_SEED_START", 0);
    let threads = std::thread::available_parallelism().map_or(1, |p| p.get() as u64);
    let began = std::time::Instant::now();
    let failures: Vec<String> = (0..threads)
        .map(|t| {
            std::thread::spawn(move || {
                (start + t..start + seeds)
                    .step_by(threads as usize)
                    .filter_map(|seed| {
                        let (kind, n) = campaign_case(seed);
                        check(kind, n, seed).err()
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    let secs = began.elapsed().as_secs_f64();
    println!(
        "engine campaign: {seeds} seeds from {start} in {secs:.1} s ({:.1} seeds/s); {} failed",
        seeds as f64 / secs,
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Replays one seed with its trace: `JCM_SIM_SEED`, `JCM_SIM_KIND`, `JCM_SIM_N`.
#[test]
#[ignore = "replay: run explicitly with JCM_SIM_SEED"]
fn replay() {
    let seed = env_u64("JCM_SIM_SEED", 0);
    let (default_kind, default_n) = campaign_case(seed);
    let kind = std::env::var("JCM_SIM_KIND").ok().and_then(|k| Kind::parse(&k)).unwrap_or(default_kind);
    let n = env_u64("JCM_SIM_N", default_n as u64) as usize;
    let (plan, outcome) = run(kind, n, seed, true);
    println!("{kind:?} n={n}: {plan:?}");
    for line in &outcome.trace {
        println!("{line}");
    }
    println!(
        "outcome: {:?} after {} events, {} ms; {} transactions committed",
        outcome.violation, outcome.events, outcome.end_ms, outcome.committed_txs
    );
}
