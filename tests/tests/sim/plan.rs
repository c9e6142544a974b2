//! Kinds of run and their fault plans, drawn from a seed, and what each kind expects.
//!
//! With `n = 3f + 1` validators of equal power (random powers in `Weighted`), a run
//! "within the bound" has at most `f` Byzantine validators (twins, liars) or validators
//! crashed for good; nodes that crash and restart from their chain and write-ahead disk
//! are honest. Those runs must keep agreement and validity throughout, and every honest
//! node that is up must commit the target height once the network heals. Runs beyond the
//! bound check what must still hold there, and that the checker sees what breaks.

use crate::rng::Rng;
use crate::trap::{Roles, Trap};
use crate::world::Violation;

/// The kinds of run.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    /// No faults.
    Clean,
    /// No faults; random voting powers.
    Weighted,
    /// Delays, drops and duplicates until the network heals.
    Lossy,
    /// Random partitions until the network heals.
    Partition,
    /// `f` twins or liars, and until the network heals most precommits and fetched blocks (with
    /// their commit certificates) are lost, so a few nodes commit while the rest go on
    /// to later rounds holding locks: only the lock rules keep them from deciding
    /// another value.
    Locks,
    /// Crashes between any two effects of an event, failed syncs, and `f` validators
    /// crashed for good.
    Crash,
    /// Crashes in the middle of a write-ahead sync, leaving part of the batch on disk.
    Torn,
    /// `f` Byzantine validators run as twins: two engines sharing one key, so they
    /// double-propose and double-vote.
    Twins,
    /// `f` Byzantine validators lie: conflicting and invalid proposals, blocks for
    /// another height, lying valid rounds, votes for unknown and invalid values,
    /// withheld and partial sends, replays, false heights, forged transactions and
    /// garbage block answers.
    Byzantine,
    /// All of the above at once, Byzantine validators and crashes within `f` together.
    Mixed,
    /// A scripted run (four validators, one liar, `crate::trap`) that reaches what only
    /// one rule refuses: at height 1, two honest nodes locked on a value another already
    /// decided get an old polka's value ([`Trap::StalePolka`], L29) or a fresh value with a
    /// valid round nobody prevoted it in ([`Trap::FalseValidRound`], L28); or in every
    /// round the liar's nil prevote arrives first ([`Trap::EarlyNil`], L44); or the
    /// 2f+1-th prevote or precommit of round 0 arrives late ([`Trap::LatePrevote`], L34;
    /// [`Trap::LatePrecommit`], L47). Sound rules hold; an engine without the rule decides
    /// a second value, never decides, or gives up a round that was deciding.
    Trap,
    /// Four validators and two observers go through a script of validator-set changes
    /// (`crate::membership`: one joins, one rotates its key to an observer's, a power
    /// changes, one leaves), decided by governance transactions, with a lossy network,
    /// partitions, crashes and maybe one liar until the heal. Agreement holds across every
    /// change, every change takes effect, and each node validates exactly while its key
    /// is in the set.
    Membership,
    /// Beyond the bound: `f + 1` validators crash for good. Progress stops (no height
    /// past the one in flight at the crash is committed); agreement still holds.
    BeyondCrash,
    /// Beyond the bound: `f + 1` twins with the network split so that each half holds a
    /// quorum of keys. Agreement can break, and the checker must say so.
    BeyondTwins,
}

impl Kind {
    pub const ALL: [Kind; 14] = [
        Kind::Clean,
        Kind::Weighted,
        Kind::Lossy,
        Kind::Partition,
        Kind::Locks,
        Kind::Crash,
        Kind::Torn,
        Kind::Twins,
        Kind::Byzantine,
        Kind::Mixed,
        Kind::Trap,
        Kind::Membership,
        Kind::BeyondCrash,
        Kind::BeyondTwins,
    ];

    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| format!("{k:?}").eq_ignore_ascii_case(name))
    }

    /// The kinds a size supports: a single validator tolerates no fault (`f = 0`).
    pub fn fits(self, n: usize) -> bool {
        match self {
            Kind::Twins | Kind::Byzantine | Kind::Mixed | Kind::Locks => n >= 4,
            Kind::BeyondCrash | Kind::BeyondTwins => n >= 4,
            Kind::Trap | Kind::Membership => n == crate::membership::GENESIS_VALIDATORS,
            _ => true,
        }
    }
}

/// The faults of a run.
#[derive(Clone, Debug)]
pub struct Plan {
    pub n: usize,
    /// Voting power per validator.
    pub powers: Vec<u64>,
    /// Validators that run as two instances sharing a key (Byzantine).
    pub twins: Vec<usize>,
    /// Validators whose sends the adversary rewrites (Byzantine).
    pub liars: Vec<usize>,
    /// Nodes whose keys are in no set at genesis (validators `n..n + joiners`), for the
    /// membership script.
    pub joiners: usize,
    /// Run the membership script ([`Kind::Membership`]).
    pub membership: bool,
    /// The officer who approves the script's proposals (Japan's authority; another to
    /// show the checker a change that never passes).
    pub membership_approver: &'static str,
    /// Validators that crash for good at `crash_forever_at`.
    pub crash_forever: Vec<usize>,
    pub crash_forever_at: u64,
    /// One-way delay range, virtual ms.
    pub delay_ms: (u64, u64),
    pub drop_per_mille: u64,
    pub dup_per_mille: u64,
    /// Until the heal, the share of precommits and fetched blocks lost (locks).
    pub decisive_drop_per_mille: u64,
    /// Random partitions until the heal.
    pub partitions: bool,
    /// A partition held until the heal (group per instance).
    pub fixed_groups: Option<Vec<u32>>,
    /// Crash-and-restart events before the heal; each lands between two effects.
    pub crashes: usize,
    /// Chance that a crash during a write-ahead sync leaves part of the batch on disk.
    pub torn_per_mille: u64,
    /// Chance that a write-ahead sync fails (the node then stops, and restarts).
    pub sync_fail_per_mille: u64,
    /// Transactions submitted before the heal.
    pub txs: usize,
    pub heal_at: u64,
    /// Heights every honest node that is up must commit.
    pub target: u64,
    /// Whether the run is within the bound, so the honest nodes must reach the target.
    pub expect_progress: bool,
    pub deadline_ms: u64,
    /// The scripted schedule of [`Kind::Trap`], with the roles it gives the validators.
    pub trap: Option<Roles>,
    /// A faulty node: carry out sends before the persist they follow (signs before it
    /// persists). The checker must catch what that leads to.
    pub send_before_persist: bool,
    /// A faulty node: its write-ahead batches are written but not synced before what
    /// follows them is sent, so a crash loses the last of them.
    pub unsynced_wal: bool,
}

/// Virtual time allowed for progress after the network heals.
pub const PROGRESS_BOUND_MS: u64 = 90_000;

impl Plan {
    /// The plan of `kind` with `n` validators, its details drawn from `rng`.
    pub fn generate(kind: Kind, n: usize, rng: &mut Rng) -> Plan {
        let f = (n - 1) / 3;
        let mut validators: Vec<usize> = (0..n).collect();
        rng.shuffle(&mut validators);
        let heal_at =
            if kind == Kind::Clean || kind == Kind::Weighted { 0 } else { rng.range(3_000, 12_000) };
        let mut p = Plan {
            n,
            powers: vec![1; n],
            twins: Vec::new(),
            liars: Vec::new(),
            joiners: 0,
            membership: false,
            membership_approver: crate::membership::APPROVER,
            crash_forever: Vec::new(),
            crash_forever_at: 0,
            delay_ms: (1, 20),
            drop_per_mille: 0,
            dup_per_mille: 0,
            decisive_drop_per_mille: 0,
            partitions: false,
            fixed_groups: None,
            crashes: 0,
            torn_per_mille: 0,
            sync_fail_per_mille: 0,
            txs: rng.range(20, 60) as usize,
            heal_at,
            target: 6,
            expect_progress: true,
            deadline_ms: heal_at + PROGRESS_BOUND_MS,
            send_before_persist: false,
            unsynced_wal: false,
            trap: None,
        };
        match kind {
            Kind::Clean => {}
            Kind::Weighted => p.powers = (0..n).map(|_| rng.range(1, 10)).collect(),
            Kind::Lossy => p.lossy(rng),
            Kind::Partition => p.partitions = true,
            Kind::Locks => {
                p.lossy(rng);
                // Twins forget each other's locks; liars re-propose old polkas.
                if rng.chance(500) {
                    p.twins = validators[..f].to_vec();
                } else {
                    p.liars = validators[..f].to_vec();
                }
                p.decisive_drop_per_mille = rng.range(500, 950);
                p.partitions = rng.chance(500);
                p.heal_at = rng.range(15_000, 30_000);
                p.deadline_ms = p.heal_at + PROGRESS_BOUND_MS;
            }
            Kind::Crash => {
                p.crash_forever = validators[..f].to_vec();
                p.crash_forever_at = rng.below(heal_at);
                p.crashes = rng.range(2, 8) as usize;
                p.sync_fail_per_mille = 20;
            }
            Kind::Torn => {
                p.crashes = rng.range(2, 8) as usize;
                p.torn_per_mille = 700;
            }
            Kind::Twins => {
                p.lossy(rng);
                p.partitions = rng.chance(500);
                p.twins = validators[..f].to_vec();
            }
            Kind::Byzantine => {
                p.lossy(rng);
                p.partitions = rng.chance(300);
                p.liars = validators[..f].to_vec();
            }
            Kind::Mixed => {
                p.lossy(rng);
                p.partitions = true;
                let twins = rng.range(0, f as u64) as usize;
                let liars = rng.range(0, (f - twins) as u64) as usize;
                p.twins = validators[..twins].to_vec();
                p.liars = validators[twins..twins + liars].to_vec();
                p.crash_forever = validators[twins + liars..f].to_vec();
                p.crash_forever_at = rng.below(heal_at);
                p.crashes = rng.range(2, 8) as usize;
                p.sync_fail_per_mille = 20;
                p.torn_per_mille = 500;
            }
            Kind::Trap => {
                let traps = [
                    Trap::StalePolka,
                    Trap::FalseValidRound,
                    Trap::EarlyNil,
                    Trap::LatePrevote,
                    Trap::LatePrecommit,
                ];
                let trap = traps[rng.below(traps.len() as u64) as usize];
                let roles = Roles::of(trap, &crate::trap::proposers_of_height_1(n));
                p.liars = vec![roles.liar];
                p.delay_ms = (1, 5);
                // In the height-1 scripts fetched blocks (with their certificates) are lost
                // until the heal, so the nodes left behind cannot learn the decided value
                // from the one that decided it.
                p.decisive_drop_per_mille =
                    if matches!(trap, Trap::StalePolka | Trap::FalseValidRound) { 1000 } else { 0 };
                p.heal_at = 4_000;
                p.deadline_ms = p.heal_at + PROGRESS_BOUND_MS;
                p.trap = Some(roles);
            }
            Kind::Membership => {
                p.lossy(rng);
                p.partitions = rng.chance(500);
                p.crashes = rng.range(1, 5) as usize;
                // One liar at most (f = 1 in every set of the script), never validator 0,
                // whose power grows to 2 of 5.
                if rng.chance(500) {
                    p.liars = vec![rng.range(1, 3) as usize];
                }
                p.joiners = crate::membership::JOINERS;
                p.membership = true;
            }
            Kind::BeyondCrash => {
                p.lossy(rng);
                p.crash_forever = validators[..f + 1].to_vec();
                p.crash_forever_at = rng.below(heal_at);
                p.expect_progress = false;
                p.deadline_ms = heal_at + 20_000;
            }
            Kind::BeyondTwins => {
                p.twins = validators[..f + 1].to_vec();
                p.fixed_groups = Some(split_twins(&p.twins, &validators[f + 1..], n));
                p.expect_progress = false;
                p.deadline_ms = heal_at + 10_000;
            }
        }
        p
    }

    fn lossy(&mut self, rng: &mut Rng) {
        self.delay_ms = (1, 80);
        self.drop_per_mille = rng.range(50, 300);
        self.dup_per_mille = rng.range(20, 200);
    }

    /// Whether validator `v` is Byzantine (its commits and signatures are not checked).
    pub fn byzantine(&self, v: usize) -> bool {
        self.twins.contains(&v) || self.liars.contains(&v)
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

/// Judges a violation (or none) against what the kind expects: `Ok` with a note, or the
/// failure.
pub fn judge(kind: Kind, violation: Option<&Violation>) -> Result<&'static str, String> {
    match (violation, kind) {
        (None, Kind::BeyondTwins) => Ok("agreement held"),
        (None, Kind::BeyondCrash) => Ok("progress stopped, agreement held"),
        (None, _) => Ok("ok"),
        (Some(Violation::Agreement { .. }), Kind::BeyondTwins) => Ok("agreement broken (shown)"),
        (Some(v), _) => Err(format!("{v:?}")),
    }
}
