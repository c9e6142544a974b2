//! Broken states for the R41 checker's negative tests: a sound state left by a public
//! scenario, and one corruption per class of ARTICLE6.md §6 that R41 guards against,
//! each written through the store's own write API and named by what the checker must
//! say about it.

use std::path::Path;

use jcm_runtime::codec::Hash32;
use jcm_runtime::error::{Code, Rejection};
use jcm_runtime::events::Event;
use jcm_runtime::ids::{AccountId, Party};
use jcm_runtime::state::{keys, LedgerTotals, MemStore, StateExt, Store};
use jcm_runtime::units::UnitBlock;

/// One class of broken state: its name, how to break a sound state, and words the
/// checker's message must contain.
pub struct Corruption {
    pub name: &'static str,
    pub apply: fn(&mut dyn Store),
    pub message: &'static str,
}

/// The state a public scenario leaves; the scenario must pass.
pub fn scenario_state(file: &str) -> MemStore {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/scenarios").join(file);
    let outcome = jcm_scenario::run_file(&path).expect("the scenario runs");
    assert!(outcome.passed(), "{file} passes: {:?}", outcome.steps);
    outcome.state
}

/// A sound state with units issued, first transferred (IND's additions for 2025) and
/// used towards Japan's NDC for 2030, in several blocks and accounts.
pub fn sound() -> MemStore {
    let st = scenario_state("s27_use_ndc.toml");
    let blocks: Vec<UnitBlock> = st.read_all(keys::prefix::UNITS);
    assert!(blocks.len() >= 3, "several blocks: {blocks:?}");
    assert!(blocks.iter().any(|b| b.attrs.first_transferred), "first-transferred units");
    assert!(blocks.iter().any(|b| b.attrs.use_year.is_some()), "used units");
    st
}

/// The violations among `found` whose message contains `words`; each must carry A6-8001.
pub fn naming<'a>(found: &'a [Rejection], words: &str) -> Vec<&'a Rejection> {
    assert!(found.iter().all(|r| r.code == Code::LedgerInvariantViolation), "{found:?}");
    found.iter().filter(|r| r.message.contains(words)).collect()
}

fn blocks(st: &dyn Store) -> Vec<UnitBlock> {
    st.read_all(keys::prefix::UNITS)
}

/// A block of `st` with more than one unit, not the last of its space.
fn inner_block(st: &dyn Store) -> UnitBlock {
    let all = blocks(st);
    let next = |b: &UnitBlock| st.next_serial(&b.ca, &b.ftp);
    all.iter().find(|b| b.quantity() > 1 && b.last + 1 < next(b)).cloned().expect("an inner block")
}

fn ledger_plus_one(st: &mut dyn Store) {
    let ind = Party::new("IND").expect("party");
    let mut totals: LedgerTotals = st.ledger_totals(&ind, 2025);
    assert!(totals.additions > 0, "IND has first-transfer additions for 2025");
    totals.additions += 1;
    st.write(keys::ledger(&ind, 2025), &totals);
}

fn ledger_use_minus_one(st: &mut dyn Store) {
    let jpn = Party::new("JPN").expect("party");
    let mut totals: LedgerTotals = st.ledger_totals(&jpn, 2030);
    assert!(totals.subtractions > 0, "JPN has NDC-use subtractions for 2030");
    totals.subtractions -= 1;
    st.write(keys::ledger(&jpn, 2030), &totals);
}

fn duplicate_serial(st: &mut dyn Store) {
    let block = inner_block(st);
    // A second block holding the first serial of `block` alone, in another key.
    let twin = UnitBlock { last: block.first, ..block };
    st.put_block(&twin);
}

fn remove_block(st: &mut dyn Store) {
    let block = inner_block(st);
    st.delete_block(&block);
}

fn shrink_block(st: &mut dyn Store) {
    let mut block = inner_block(st);
    block.first += 1;
    st.put_block(&block);
}

fn index_without_block(st: &mut dyn Store) {
    let block = inner_block(st);
    let nowhere = st.next_serial(&block.ca, &block.ftp) + 10;
    st.put(keys::account_units(&block.attrs.account, &block.ca, &block.ftp, nowhere), Vec::new());
}

fn unknown_account(st: &mut dyn Store) {
    let mut block = inner_block(st);
    st.delete_block(&block);
    block.attrs.account = AccountId::new("JPN01-NOWHERE").expect("account id");
    st.put_block(&block);
}

fn broken_chain(st: &mut dyn Store) {
    let mut event: Event = st.read(&keys::event(1)).expect("a second event");
    event.time.0 += 1; // an edit in place, as F14 forbids
    st.write(keys::event(1), &event);
}

fn reservation_without_transfer(st: &mut dyn Store) {
    let mut block = inner_block(st);
    block.attrs.reserved_by = Some(Hash32([7; 32]));
    st.put_block(&block);
}

/// Every class, with the words naming it.
pub const ALL: &[Corruption] = &[
    Corruption {
        name: "ledger addition changed",
        apply: ledger_plus_one,
        message: "ledger IND 2025: additions",
    },
    Corruption {
        name: "ledger subtraction changed",
        apply: ledger_use_minus_one,
        message: "ledger JPN 2030: subtractions",
    },
    Corruption { name: "duplicated serial", apply: duplicate_serial, message: "held twice" },
    Corruption { name: "block removed", apply: remove_block, message: "a serial is missing" },
    Corruption { name: "block shrunk", apply: shrink_block, message: "a serial is missing" },
    Corruption { name: "holding without a unit", apply: index_without_block, message: "account index" },
    Corruption {
        name: "unit in an unknown account",
        apply: unknown_account,
        message: "unknown account JPN01-NOWHERE",
    },
    Corruption {
        name: "action log edited",
        apply: broken_chain,
        message: "the action log breaks at event 2",
    },
    Corruption {
        name: "reservation without a pending transfer",
        apply: reservation_without_transfer,
        message: "which is not a pending transfer",
    },
];
