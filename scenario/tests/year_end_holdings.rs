//! AEF Table 4 is rebuilt from the action log (`aef::holdings`); this checks, on the state
//! every public scenario leaves, that the rebuilt blocks after the last action are
//! exactly the blocks the state holds, so a report of an earlier year rebuilds what the
//! state held then.

use std::path::Path;

use jcm_runtime::aef::holdings;
use jcm_runtime::state::{keys, StateExt};
use jcm_runtime::units::UnitBlock;

#[test]
fn the_log_rebuilds_the_holdings_of_every_scenario() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("the scenario directory")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(files.len() > 50, "the public scenarios");
    let mut blocks_seen = 0;
    for file in files {
        let outcome = jcm_scenario::run_file(&file).expect("the scenario runs");
        let state: Vec<UnitBlock> = outcome.state.read_all::<UnitBlock>(keys::prefix::UNITS);
        let rebuilt = holdings::at_end_of(&outcome.state, 9998);
        assert_eq!(rebuilt, state, "{}", file.display());
        blocks_seen += state.len();
    }
    assert!(blocks_seen > 100, "the scenarios hold units: {blocks_seen}");
}
