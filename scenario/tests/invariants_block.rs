//! The incremental R41 check ([`invariants::check_block`]): silent on the real writes of
//! every block of every public scenario, and finding each class of broken state when
//! the corruption is part of a block's writes over a sound state, as the full check does.

mod corrupt;

use std::path::Path;

use jcm_runtime::invariants;
use jcm_runtime::state::{MemStore, Overlay, Store, WriteSet};

use corrupt::{naming, sound, ALL};

/// The runner checks every step's writes with `check_block`; each scenario must pass,
/// and scenarios with units must have been checked on non-trivial blocks.
#[test]
fn real_blocks_of_every_scenario_pass_the_block_check() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("the scenario directory")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(files.len() > 50, "the public scenarios");
    for file in files {
        let outcome = jcm_scenario::run_file(&file).expect("the scenario runs");
        let broken: Vec<&String> =
            outcome.steps.iter().flat_map(|s| &s.failures).filter(|f| f.contains("invariant")).collect();
        assert!(broken.is_empty(), "{}: {broken:?}", file.display());
    }
}

/// The writes of a block made of `corrupt` alone, over `base`.
fn block_of(base: &MemStore, corrupt: fn(&mut dyn Store)) -> WriteSet {
    let mut overlay = Overlay::new(base);
    corrupt(&mut overlay as &mut dyn Store);
    overlay.into_writes()
}

#[test]
fn each_corruption_in_a_block_is_found_by_the_block_check() {
    let sound = sound();
    assert_eq!(invariants::check(&sound), vec![]);
    assert_eq!(invariants::check_block(&sound, &WriteSet::new()), vec![], "an empty block is sound");
    for c in ALL {
        let writes = block_of(&sound, c.apply);
        assert!(!writes.is_empty(), "{}: the corruption writes", c.name);
        let found = invariants::check_block(&sound, &writes);
        assert!(!naming(&found, c.message).is_empty(), "{}: expected `{}`, got {found:?}", c.name, c.message);
    }
}

/// A small deterministic generator (no randomness crate in the runner's tests).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }
}

/// One random edit of a block, a ledger entry or an event, through the store's API.
fn random_edit(st: &mut dyn Store, rng: &mut Lcg) {
    use jcm_runtime::events::Event;
    use jcm_runtime::ids::AccountId;
    use jcm_runtime::state::{keys, LedgerTotals, StateExt};
    use jcm_runtime::units::UnitBlock;
    let blocks: Vec<UnitBlock> = st.read_all(keys::prefix::UNITS);
    let mut b = blocks[rng.below(blocks.len())].clone();
    match rng.below(9) {
        0 => b.attrs.first_transferred = !b.attrs.first_transferred,
        1 => b.attrs.use_year = [None, Some(2030), Some(2031)][rng.below(3)],
        2 => b.last = b.first + rng.below(3) as u64,
        3 => b.first += rng.below(2) as u64,
        4 => {
            st.delete_block(&b);
            b.attrs.account =
                AccountId::new(["JPN01-USE-NDC", "JPN01-H-GOV", "JPN01-X"][rng.below(3)]).expect("id");
        }
        5 => b.attrs.reserved_by = Some(jcm_runtime::codec::Hash32([rng.below(3) as u8; 32])),
        6 => return st.delete_block(&b),
        7 => {
            let key = keys::ledger(&b.ftp, b.attrs.vintage);
            let mut totals: LedgerTotals = st.read(&key).unwrap_or_default();
            totals.additions += rng.below(2) as u64;
            return st.write(key, &totals);
        }
        _ => {
            let seq = rng.below(st.event_head().count as usize) as u64;
            let mut event: Event = st.read(&keys::event(seq)).expect("an event");
            event.height += rng.below(2) as u64;
            return st.write(keys::event(seq), &event);
        }
    }
    st.put_block(&b);
}

/// On random edits of sound states, the block check finds a violation exactly when the
/// full check does (the state before being sound, every violation is in what was touched).
#[test]
fn the_block_check_agrees_with_the_full_check_on_random_edits() {
    let states = [
        "s27_use_ndc.toml",
        "s62_aef_export.toml",
        "r16_reservation.toml",
        "s16_partial_transfer_split.toml",
    ];
    let mut rng = Lcg(14);
    let (mut broken, mut sound_edits) = (0, 0);
    for file in states {
        let base = corrupt::scenario_state(file);
        assert_eq!(invariants::check(&base), vec![], "{file} is sound");
        for round in 0..150 {
            let mut overlay = Overlay::new(&base);
            for _ in 0..1 + rng.below(2) {
                random_edit(&mut overlay as &mut dyn Store, &mut rng);
            }
            let writes = overlay.into_writes();
            let mut after = base.clone();
            jcm_runtime::state::apply_writes(&mut after, writes.clone());
            let full = invariants::check(&after);
            let block = invariants::check_block(&base, &writes);
            assert_eq!(
                full.is_empty(),
                block.is_empty(),
                "{file} round {round}: full {full:?}, block {block:?}"
            );
            if full.is_empty() {
                sound_edits += 1;
            } else {
                broken += 1;
            }
        }
    }
    assert!(
        broken > 300 && sound_edits > 10,
        "both outcomes are exercised: {broken} broken, {sound_edits} sound"
    );
}
