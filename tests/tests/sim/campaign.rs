//! Running seeds: one seed, a CI seed set, or a campaign of any size, with the
//! expectation of each scenario kind and a failure report that replays the seed.

use crate::checks::Violation;
use crate::rng::Rng;
use crate::scenario::{Kind, Scenario};
use crate::world::{Outcome, World};

/// Validator counts the campaigns cover.
pub const SIZES: [usize; 4] = [1, 4, 7, 10];
/// Trace lines printed with a failure.
const TRACE_TAIL: usize = 80;

/// Runs one seed of one kind and size.
pub fn run(kind: Kind, n: usize, seed: u64, trace: bool) -> (Scenario, Outcome) {
    let mut rng = Rng::new(seed);
    let scenario = Scenario::generate(kind, n, &mut rng);
    let outcome = World::new(scenario.clone(), rng.next_u64(), trace).run();
    (scenario, outcome)
}

/// Judges an outcome against its kind's expectation: `Ok` with a note, or the failure.
pub fn judge(kind: Kind, outcome: &Outcome) -> Result<&'static str, String> {
    match (&outcome.violation, kind) {
        (None, Kind::BeyondTwins) => Ok("agreement held"),
        (None, Kind::BeyondCrash) => Ok("progress stopped, agreement held"),
        (None, _) => Ok("ok"),
        (Some(Violation::Agreement { .. }), Kind::BeyondTwins) => Ok("agreement broken (shown)"),
        (Some(v), _) => Err(v.to_string()),
    }
}

/// Runs one seed and returns a full failure report (with a replayed trace) on failure.
pub fn check(kind: Kind, n: usize, seed: u64) -> Result<&'static str, String> {
    let (_, outcome) = run(kind, n, seed, false);
    judge(kind, &outcome).map_err(|failure| report(kind, n, seed, &failure))
}

/// The report of a failed seed: the failure, how to replay it, and the trace tail.
pub fn report(kind: Kind, n: usize, seed: u64, failure: &str) -> String {
    let (scenario, outcome) = run(kind, n, seed, true);
    let tail = &outcome.trace[outcome.trace.len().saturating_sub(TRACE_TAIL)..];
    format!(
        "SIM FAILURE seed={seed} kind={kind:?} n={n}: {failure}\n\
         replay: JCM_SIM_SEED={seed} JCM_SIM_KIND={kind:?} JCM_SIM_N={n} \
         cargo test -p jcm-tests --test sim -- --ignored --nocapture replay\n\
         scenario: {scenario:?}\nlast {} trace lines:\n{}",
        tail.len(),
        tail.join("\n")
    )
}

/// Runs `seeds` of `kind` at every size that fits it; panics listing every failure.
pub fn ci(kind: Kind, seeds: std::ops::Range<u64>) -> Vec<(usize, u64, &'static str)> {
    ci_sizes(kind, &SIZES, seeds)
}

/// Runs `seeds` of `kind` at each of `sizes` that fits it; panics listing every failure.
pub fn ci_sizes(kind: Kind, sizes: &[usize], seeds: std::ops::Range<u64>) -> Vec<(usize, u64, &'static str)> {
    let mut notes = Vec::new();
    let mut failures = Vec::new();
    for n in sizes.iter().copied().filter(|&n| kind.fits(n)) {
        for seed in seeds.clone() {
            match check(kind, n, seed) {
                Ok(note) => notes.push((n, seed, note)),
                Err(report) => failures.push(report),
            }
        }
    }
    assert!(failures.is_empty(), "{} failing seed(s):\n{}", failures.len(), failures.join("\n\n"));
    notes
}

/// The kind and size a campaign seed runs: kinds in turn, sizes in turn per kind.
pub fn campaign_case(seed: u64) -> (Kind, usize) {
    let kinds = Kind::ALL.len() as u64;
    let kind = Kind::ALL[(seed % kinds) as usize];
    let start = ((seed / kinds) % SIZES.len() as u64) as usize;
    let n = (0..SIZES.len())
        .map(|i| SIZES[(start + i) % SIZES.len()])
        .find(|&n| kind.fits(n))
        .expect("every kind fits some size");
    (kind, n)
}
