//! Scenarios: which faults a run injects, drawn from its seed, and what it expects.
//!
//! With `n = 3f + 1` validators of equal power (weighted power in `Weighted`), a
//! scenario "within the bound" has at most `f` Byzantine (twin) or permanently crashed
//! validators; nodes that crash and restart from their disk are honest. Those runs must
//! keep agreement and validity throughout, and every honest node that is up must decide
//! the target number of heights within the progress bound after the network heals.

use crate::net::Faults;
use crate::rng::Rng;

/// The kinds of run.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    /// No faults.
    Clean,
    /// No faults; random voting powers.
    Weighted,
    /// Delays, drops, duplicates and reordering until the network heals.
    Lossy,
    /// Random partitions (and some loss) until the network heals.
    Partition,
    /// `f` twins, and until healing the network drops most precommits and commit
    /// certificates, so a few nodes decide while the rest go on to later rounds holding
    /// locks: only the lock rules (L22, L28) keep them from deciding another value.
    Locks,
    /// `f` validators crash for good; others crash and restart from their disk.
    Crash,
    /// Crashes in the middle of a write, leaving a torn tail on the disk.
    Torn,
    /// `f` Byzantine validators run as twins: two honest nodes sharing one key, so
    /// they double-propose, double-vote and forget each other's locks.
    Twins,
    /// Everything at once, with twins and permanent crashes within `f` together.
    Mixed,
    /// Beyond the bound: `f + 1` validators crash for good. Progress stops; agreement
    /// must still hold and no height past the one in flight may be decided.
    BeyondCrash,
    /// Beyond the bound: `f + 1` twins with the network split so that each half holds a
    /// quorum of keys. Agreement can break, and the checker must say so.
    BeyondTwins,
}

impl Kind {
    pub const ALL: [Kind; 11] = [
        Kind::Clean,
        Kind::Weighted,
        Kind::Lossy,
        Kind::Partition,
        Kind::Locks,
        Kind::Crash,
        Kind::Torn,
        Kind::Twins,
        Kind::Mixed,
        Kind::BeyondCrash,
        Kind::BeyondTwins,
    ];

    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| format!("{k:?}").eq_ignore_ascii_case(name))
    }

    /// The kinds a size supports: a single validator tolerates no fault (`f = 0`).
    pub fn fits(self, n: usize) -> bool {
        let f = (n - 1) / 3;
        match self {
            Kind::Twins | Kind::Mixed => f >= 1,
            Kind::BeyondCrash | Kind::BeyondTwins => n >= 4,
            _ => true,
        }
    }
}

/// One run's fault plan.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub kind: Kind,
    pub n: usize,
    pub powers: Vec<u64>,
    /// Validators that run as two instances sharing a key.
    pub twins: Vec<usize>,
    pub twin_invalid_per_mille: u64,
    /// Validators that crash for good at `crash_forever_at`.
    pub crash_forever: Vec<usize>,
    pub crash_forever_at: u64,
    /// Crash-and-restart events before the network heals.
    pub restarts: usize,
    /// Chance that such a crash tears the write in progress.
    pub torn_per_mille: u64,
    pub faults: Faults,
    /// A partition imposed until the network heals (group per instance).
    pub fixed_groups: Option<Vec<u32>>,
    /// Heights each honest node must decide.
    pub target: u64,
    pub expect_progress: bool,
    /// Virtual time at which the run stops.
    pub deadline_ms: u64,
}

/// Virtual time allowed for progress after the network heals.
pub const PROGRESS_BOUND_MS: u64 = 60_000;

fn lossy(rng: &mut Rng, heal_at: u64) -> Faults {
    Faults {
        delay_ms: (1, 30),
        slow_ms: rng.range(100, 2000),
        slow_per_mille: rng.range(50, 300),
        drop_per_mille: rng.range(50, 400),
        dup_per_mille: rng.range(20, 200),
        decisive_drop_per_mille: 0,
        partitions: false,
        heal_at,
    }
}

impl Scenario {
    /// The scenario of `kind` with `n` validators, its details drawn from `rng`.
    pub fn generate(kind: Kind, n: usize, rng: &mut Rng) -> Scenario {
        let f = (n - 1) / 3;
        let mut validators: Vec<usize> = (0..n).collect();
        rng.shuffle(&mut validators);
        let heal_at = rng.range(2_000, 10_000);
        let mut s = Scenario {
            kind,
            n,
            powers: vec![1; n],
            twins: Vec::new(),
            twin_invalid_per_mille: 0,
            crash_forever: Vec::new(),
            crash_forever_at: 0,
            restarts: 0,
            torn_per_mille: 0,
            faults: Faults::none(),
            fixed_groups: None,
            target: 4,
            expect_progress: true,
            deadline_ms: heal_at + PROGRESS_BOUND_MS,
        };
        match kind {
            Kind::Clean => s.deadline_ms = PROGRESS_BOUND_MS,
            Kind::Weighted => {
                s.powers = (0..n).map(|_| rng.range(1, 10)).collect();
                s.deadline_ms = PROGRESS_BOUND_MS;
            }
            Kind::Lossy => s.faults = lossy(rng, heal_at),
            Kind::Partition => {
                s.faults = lossy(rng, heal_at);
                s.faults.drop_per_mille /= 4;
                s.faults.partitions = true;
            }
            Kind::Locks => {
                s.faults = lossy(rng, heal_at);
                s.faults.decisive_drop_per_mille = rng.range(500, 950);
                // Twins forget each other's locks and split their precommits, which is
                // what lets one node decide while the others carry on.
                s.twins = validators[..f].to_vec();
                s.faults.heal_at = rng.range(20_000, 40_000);
                s.faults.partitions = rng.chance(500);
                s.deadline_ms = s.faults.heal_at + PROGRESS_BOUND_MS;
            }
            Kind::Crash => {
                s.faults = lossy(rng, heal_at);
                s.crash_forever = validators[..f].to_vec();
                s.crash_forever_at = rng.below(heal_at);
                s.restarts = rng.range(1, 2 * n as u64) as usize;
            }
            Kind::Torn => {
                s.faults = lossy(rng, heal_at);
                s.restarts = rng.range(1, 2 * n as u64) as usize;
                s.torn_per_mille = 700;
            }
            Kind::Twins => {
                s.faults = lossy(rng, heal_at);
                s.faults.partitions = rng.chance(500);
                s.twins = validators[..f].to_vec();
                s.twin_invalid_per_mille = rng.range(0, 500);
            }
            Kind::Mixed => {
                s.faults = lossy(rng, heal_at);
                s.faults.partitions = true;
                let twins = rng.range(0, f as u64) as usize;
                s.twins = validators[..twins].to_vec();
                s.twin_invalid_per_mille = 300;
                s.crash_forever = validators[twins..f].to_vec();
                s.crash_forever_at = rng.below(heal_at);
                s.restarts = rng.range(1, n as u64) as usize;
                s.torn_per_mille = 500;
            }
            Kind::BeyondCrash => {
                s.faults = lossy(rng, heal_at);
                s.crash_forever = validators[..f + 1].to_vec();
                s.crash_forever_at = rng.below(heal_at);
                s.expect_progress = false;
                s.deadline_ms = heal_at + 20_000;
            }
            Kind::BeyondTwins => {
                s.twins = validators[..f + 1].to_vec();
                s.fixed_groups = Some(split_twins(&s.twins, &validators[f + 1..], n));
                s.faults.heal_at = heal_at;
                s.expect_progress = false;
                s.deadline_ms = heal_at + 10_000;
            }
        }
        s
    }
}

/// Two groups, each with one instance of every twin and half of the honest validators:
/// with `f + 1` twins and `f` honest validators per half, each group holds `2f + 1` keys.
fn split_twins(twins: &[usize], honest: &[usize], n: usize) -> Vec<u32> {
    // Instances 0..n are the validators themselves; instance n + i is twin i's second.
    let mut groups = vec![0u32; n + twins.len()];
    for (i, &v) in honest.iter().enumerate() {
        groups[v] = u32::from(i >= honest.len() / 2);
    }
    for (i, &v) in twins.iter().enumerate() {
        groups[v] = 0;
        groups[n + i] = 1;
    }
    groups
}
