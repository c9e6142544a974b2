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
