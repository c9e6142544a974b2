//! Deterministic simulation of the node's real consensus engine (`jcm_node::engine`):
//! N engines over in-memory chains, a simulated write-ahead disk, skewed and drifting
//! clocks, a seeded faulty network and a Byzantine adversary, with transactions executed
//! by the real runtime. Checked on every run: no two honest nodes commit different
//! blocks at a height, no honest node commits a value the adversary invented, no honest
//! validator's signatures conflict, no honest engine stops, and once the network heals
//! every honest node that is up commits the target height with transactions in the chain;
//! in membership runs, every validator change takes effect and each node validates
//! exactly while its key is in the set.
//! See `docs/consensus.md` for the fault model.
//!
//! - `cargo test -p jcm-tests --test sim` runs the CI seed set;
//! - `JCM_SIM_SEEDS=100000 cargo test --release -p jcm-tests --test sim -- --ignored
//!   --nocapture campaign` runs a campaign (`JCM_SIM_SEED_START`, `JCM_SIM_THREADS`,
//!   `JCM_SIM_KIND` optional);
//! - a failure prints its seed and the `replay` command that reproduces it exactly.
#![allow(clippy::unwrap_used)]

mod adversary;
mod membership;
mod parts;
mod plan;
#[allow(dead_code)]
mod rng;
mod trap;
mod world;

use plan::{judge, Kind, Plan};
use rng::Rng;
use world::{Outcome, Violation, World};

/// Validator counts the campaigns cover.
const SIZES: [usize; 3] = [1, 4, 7];
/// Seeds per kind and size in CI.
const CI_SEEDS: u64 = 4;
/// Trace lines printed with a failure.
const TRACE_TAIL: usize = 60;

/// Runs one seed of one kind and size.
fn run(kind: Kind, n: usize, seed: u64, trace: bool) -> (Plan, Outcome) {
    let mut rng = Rng::new(seed);
    let plan = Plan::generate(kind, n, &mut rng);
    let outcome = World::new(plan.clone(), rng.next_u64(), trace).run();
    (plan, outcome)
}

/// One seed: `Ok` with the judge's note, or the failure with how to replay it and the
/// trace's tail.
fn check(kind: Kind, n: usize, seed: u64) -> Result<&'static str, String> {
    let (_, outcome) = run(kind, n, seed, false);
    judge(kind, outcome.violation.as_ref()).map_err(|failure| {
        let (plan, traced) = run(kind, n, seed, true);
        let tail = &traced.trace[traced.trace.len().saturating_sub(TRACE_TAIL)..];
        format!(
            "SIM FAILURE seed={seed} kind={kind:?} n={n}: {failure}\n\
             replay: JCM_SIM_SEED={seed} JCM_SIM_KIND={kind:?} JCM_SIM_N={n} \
             cargo test -p jcm-tests --test sim -- --ignored --nocapture replay\n\
             plan: {plan:?}\nlast {} trace lines:\n{}",
            tail.len(),
            tail.join("\n")
        )
    })
}

/// Runs `seeds` of `kind` at each size that fits it; panics listing every failure.
fn ci_sizes(kind: Kind, sizes: &[usize], seeds: std::ops::Range<u64>) -> Vec<&'static str> {
    let mut notes = Vec::new();
    let mut failures = Vec::new();
    for n in sizes.iter().copied().filter(|&n| kind.fits(n)) {
        for seed in seeds.clone() {
            match check(kind, n, seed) {
                Ok(note) => notes.push(note),
                Err(report) => failures.push(report),
            }
        }
    }
    assert!(failures.is_empty(), "{} failing seed(s):\n{}", failures.len(), failures.join("\n\n"));
    notes
}

fn ci(kind: Kind) -> Vec<&'static str> {
    ci_sizes(kind, &SIZES, 0..CI_SEEDS)
}

#[test]
fn ci_clean() {
    ci(Kind::Clean);
}

#[test]
fn ci_weighted() {
    ci(Kind::Weighted);
}

#[test]
fn ci_lossy() {
    ci(Kind::Lossy);
}

#[test]
fn ci_partition() {
    ci(Kind::Partition);
}

/// Locks are what keep a height from deciding twice; lining up a commit by few nodes
/// with a re-proposal by a node that never saw the polka takes more seeds.
#[test]
fn ci_locks() {
    ci_sizes(Kind::Locks, &[4, 7], 0..3 * CI_SEEDS);
}

#[test]
fn ci_crash_between_effects() {
    ci(Kind::Crash);
}

#[test]
fn ci_torn_syncs() {
    ci(Kind::Torn);
}

#[test]
fn ci_twins() {
    ci(Kind::Twins);
}

#[test]
fn ci_byzantine_liars() {
    ci(Kind::Byzantine);
}

#[test]
fn ci_mixed() {
    ci(Kind::Mixed);
}

/// `f + 1` validators crash for good: no height past the one in flight is committed,
/// and no two honest nodes commit different blocks.
#[test]
fn ci_beyond_bound_crash() {
    ci(Kind::BeyondCrash);
}

/// `f + 1` twins with the network split into two quorums of keys: agreement between
/// honest nodes breaks, and the checker reports it. The run is expected to show the
/// violation, not to hide it.
#[test]
fn ci_beyond_bound_twins_break_agreement_and_are_caught() {
    let notes = ci(Kind::BeyondTwins);
    let broken = notes.iter().filter(|note| note.contains("broken")).count();
    assert!(broken > 0, "no seed broke agreement beyond the bound: {notes:?}");
}

/// The adversary really lies: over a few runs it tells every kind of lie, and the
/// honest nodes still agree and commit.
#[test]
fn the_adversary_tells_every_kind_of_lie() {
    let mut told = std::collections::BTreeMap::new();
    for seed in 0..12 {
        let (_, outcome) = run(Kind::Byzantine, 4, seed, false);
        assert_eq!(outcome.violation, None, "seed {seed}");
        for (lie, count) in outcome.lies {
            *told.entry(lie).or_insert(0) += count;
        }
    }
    for lie in [
        "withheld",
        "sent to some peers only",
        "replayed",
        "false height",
        "vote for nil instead",
        "vote for an unknown value",
        "vote for an invalid block",
        "proposal of a block with a wrong state root",
        "proposal of a block for another height",
        "proposal of a block with a wrong parent",
        "proposal with a valid round nobody prevoted",
        "proposal for a round the liar does not propose",
        "garbage block answer",
    ] {
        assert!(told.get(lie).copied().unwrap_or(0) > 0, "never told: {lie}; told {told:?}");
    }
}

/// The traps spring: in each script the liar gets to make the proposal only L28 or L29
/// refuse, to nodes locked on a value another node decided, or to send the nil prevote
/// only L44's quorum ignores, and the honest nodes still agree and commit; or the last
/// vote of round 0's quorum arrives late, and only L34's and L47's quorums keep the round
/// from being given up. (An engine without any of these checks breaks agreement, never
/// decides or leaves a deciding round here: docs/consensus.md, seeded faults.)
#[test]
fn ci_traps_for_the_lock_rules() {
    let mut sprung = std::collections::BTreeSet::new();
    for seed in 0..3 * CI_SEEDS {
        let (plan, outcome) = run(Kind::Trap, 4, seed, false);
        if outcome.violation.is_some() {
            panic!("{}", check(Kind::Trap, 4, seed).expect_err("the violation replays"));
        }
        let trap = plan.trap.expect("a trap plan").trap;
        for lie in outcome.lies.keys().filter(|lie| lie.starts_with("trap: ")) {
            sprung.insert((format!("{trap:?}"), *lie));
        }
    }
    for expected in [
        ("StalePolka", "trap: re-proposal of an old polka"),
        ("FalseValidRound", "trap: fresh value with a valid round nobody prevoted it in"),
        ("EarlyNil", "trap: early nil prevotes"),
        ("LatePrevote", "trap: cut off at height 1"),
        ("LatePrecommit", "trap: cut off at height 1"),
    ] {
        let expected = (expected.0.to_string(), expected.1);
        assert!(sprung.contains(&expected), "never sprung: {expected:?}; sprung {sprung:?}");
    }
}

/// Validators join, rotate their key, change power and leave, by governance, under
/// faults: agreement holds across every change, each takes effect, and the nodes follow
/// (a joiner validates, a rotated-away or removed node observes).
#[test]
fn ci_membership_changes_under_faults() {
    let mut liars = 0;
    for seed in 0..2 * CI_SEEDS {
        let (plan, outcome) = run(Kind::Membership, 4, seed, false);
        if outcome.violation.is_some() {
            panic!("{}", check(Kind::Membership, 4, seed).expect_err("the violation replays"));
        }
        liars += plan.liars.len();
    }
    assert!(liars > 0, "some seed of the set runs a liar through the changes");
}

/// Seeds of the long campaigns that once failed, each with what it found. A change to
/// the plans or the world gives a seed another run, so the core's step tests hold the
/// lasting regression; these stay as cheap extra schedules.
#[test]
fn ci_seeds_that_once_failed() {
    // Membership 214: a liar filled its prevote slot with junk before the relayed polka
    // arrived, so two honest validators never counted the value the other two locked on.
    for (kind, n, seed) in [(Kind::Membership, 4, 214)] {
        if let Err(report) = check(kind, n, seed) {
            panic!("{report}");
        }
    }
}

/// The membership checker sees a change that never takes effect: here Singapore's
/// authority, whose Party holds no voting power, is the one approving.
#[test]
fn the_checker_catches_validator_changes_that_never_take_effect() {
    let mut rng = Rng::new(1);
    let mut plan = Plan::generate(Kind::Membership, 4, &mut rng);
    plan.membership_approver = "SGP-GOV";
    plan.deadline_ms = plan.heal_at + 30_000;
    let outcome = World::new(plan, rng.next_u64(), false).run();
    match outcome.violation {
        Some(Violation::Membership { what, .. }) => {
            assert!(what.contains("validator change 1 of the script did not take effect"), "{what}")
        }
        other => panic!("expected a membership violation, got {other:?}"),
    }
}

/// Twins sign conflicting votes and proposals; the honest validators that see them
/// report the evidence (R52), and it ends up in a block: recorded against twins, never
/// an honest key.
#[test]
fn twins_equivocation_is_recorded_on_chain() {
    let mut kinds = std::collections::BTreeSet::new();
    for seed in 0..CI_SEEDS {
        let (plan, outcome) = run(Kind::Twins, 4, seed, false);
        assert_eq!(outcome.violation, None, "seed {seed}");
        let twins: Vec<_> = plan.twins.iter().map(|&v| parts::validator_keys(plan.n)[v]).collect();
        for (culprit, kind) in &outcome.evidence_against {
            assert!(twins.contains(culprit), "seed {seed}: evidence against an honest key {culprit}");
            kinds.insert(*kind);
        }
    }
    // Twins double-vote and, in their turn as proposer, double-propose.
    assert!(kinds.contains("proposal"), "no double proposal recorded: {kinds:?}");
    assert!(kinds.contains("prevote") || kinds.contains("precommit"), "no double vote recorded: {kinds:?}");
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
    for kind in [Kind::Mixed, Kind::Byzantine] {
        let (_, a) = run(kind, 4, 11, false);
        let (_, b) = run(kind, 4, 11, true);
        assert_eq!((a.digest, a.events, a.end_ms), (b.digest, b.events, b.end_ms), "{kind:?}");
        let (_, c) = run(kind, 4, 12, false);
        assert_ne!(a.digest, c.digest, "{kind:?}: different seeds, different runs");
    }
}

/// A plan of four validators with many crashes between effects (none torn), and the
/// seed of its world: where a faulty node's write-ahead order shows.
fn crash_prone_plan(seed: u64) -> (Plan, u64) {
    let mut rng = Rng::new(seed);
    let mut plan = Plan::generate(Kind::Torn, 4, &mut rng);
    plan.crashes = 12;
    plan.torn_per_mille = 0;
    (plan, rng.next_u64())
}

/// A node that sends its signed votes before the write-ahead record holding its sign
/// guard's mark is synced can sign twice for one step after a crash: the checker must
/// see the conflicting signatures of an honest validator, or the split they cause.
#[test]
fn the_checker_catches_an_engine_that_signs_before_it_persists() {
    let mut runs = 0;
    for seed in 0..40 {
        let (mut plan, world_seed) = crash_prone_plan(seed);
        plan.send_before_persist = true;
        let outcome = World::new(plan.clone(), world_seed, false).run();
        runs += 1;
        let caught = matches!(
            outcome.violation,
            Some(Violation::HonestEquivocation { .. } | Violation::Agreement { .. })
        );
        // The same plan with the effects in their order holds.
        plan.send_before_persist = false;
        let sound = World::new(plan, world_seed, false).run();
        assert_eq!(sound.violation, None, "seed {seed}");
        if caught {
            return;
        }
    }
    panic!("{runs} runs of a node that signs before it persists, none caught");
}

/// A node whose write-ahead batches are not synced before its votes leave loses its
/// sign guard's mark and its locks at a crash, and can then sign twice for one step: the
/// checker must see it.
#[test]
fn the_checker_catches_a_write_ahead_record_not_synced_before_a_vote_leaves() {
    for seed in 0..40 {
        let (mut plan, world_seed) = crash_prone_plan(seed);
        plan.unsynced_wal = true;
        let outcome = World::new(plan, world_seed, false).run();
        if matches!(
            outcome.violation,
            Some(Violation::HonestEquivocation { .. } | Violation::Agreement { .. })
        ) {
            return;
        }
    }
    panic!("40 runs of a node that does not sync its write-ahead record, none caught");
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The kind and size a campaign seed runs: kinds in turn, sizes in turn per kind.
fn campaign_case(seed: u64) -> (Kind, usize) {
    let kinds = Kind::ALL.len() as u64;
    let kind = Kind::ALL[(seed % kinds) as usize];
    let n = SIZES[((seed / kinds) % SIZES.len() as u64) as usize];
    (kind, if kind.fits(n) { n } else { 4 })
}

/// A campaign of any size: `JCM_SIM_SEEDS` seeds from `JCM_SIM_SEED_START` over
/// `JCM_SIM_THREADS` threads (every core by default), each seed choosing its kind and
/// size (or only `JCM_SIM_KIND`).
#[test]
#[ignore = "campaign: run explicitly, see docs/consensus.md"]
fn campaign() {
    let seeds = env_u64("JCM_SIM_SEEDS", 1000);
    let start = env_u64("JCM_SIM_SEED_START", 0);
    let threads =
        env_u64("JCM_SIM_THREADS", std::thread::available_parallelism().map_or(1, |p| p.get() as u64));
    let only = std::env::var("JCM_SIM_KIND").ok().and_then(|k| Kind::parse(&k));
    #[allow(clippy::disallowed_methods)] // the campaign reports its own wall time
    let began = std::time::Instant::now();
    let results: Vec<(Vec<String>, u64)> = (0..threads)
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
        .collect::<Vec<_>>()
        .into_iter()
        .map(|h| h.join().unwrap())
        .collect();
    let broken: u64 = results.iter().map(|(_, b)| b).sum();
    let failures: Vec<String> = results.into_iter().flat_map(|(f, _)| f).collect();
    let secs = began.elapsed().as_secs_f64();
    println!(
        "campaign: {seeds} seeds from {start} in {secs:.1} s ({:.1} seeds/s, {threads} threads); \
         {} failed; beyond-bound twins broke agreement (caught) in {broken} runs",
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
        "outcome: {:?} after {} events, {} ms; {} transactions committed; lies {:?}",
        outcome.violation, outcome.events, outcome.end_ms, outcome.committed_txs, outcome.lies
    );
    println!("verdict: {:?}", judge(kind, outcome.violation.as_ref()));
}
