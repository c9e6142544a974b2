//! The R41 checker finds each class of broken state (issue 14 item 4): a sound state
//! from a public scenario gives no violation; the same state with one corruption,
//! written through the store's own API on a copy, gives an A6-8001 that names it.

mod corrupt;

use jcm_runtime::invariants;
use jcm_runtime::state::Store;

use corrupt::{naming, sound, Corruption, ALL};

fn finds(name: &str) {
    let Corruption { apply, message, .. } = ALL.iter().find(|c| c.name == name).expect("a known class");
    let sound = sound();
    assert_eq!(invariants::check(&sound), vec![], "the sound state is sound");
    let mut broken = sound.clone();
    apply(&mut broken as &mut dyn Store);
    assert_ne!(broken, sound, "{name}: the corruption changed the state");
    let found = invariants::check(&broken);
    assert!(
        !naming(&found, message).is_empty(),
        "{name}: expected a violation naming `{message}`, got {found:?}"
    );
}

#[test]
fn a_changed_ledger_addition_is_found() {
    finds("ledger addition changed");
}

#[test]
fn a_changed_ledger_subtraction_is_found() {
    finds("ledger subtraction changed");
}

#[test]
fn a_duplicated_serial_is_found() {
    finds("duplicated serial");
}

#[test]
fn a_removed_block_is_found() {
    finds("block removed");
}

#[test]
fn a_shrunk_block_is_found() {
    finds("block shrunk");
}

#[test]
fn a_holding_without_a_unit_is_found() {
    finds("holding without a unit");
}

#[test]
fn a_unit_in_an_unknown_account_is_found() {
    finds("unit in an unknown account");
}

#[test]
fn an_edited_action_log_is_found() {
    finds("action log edited");
}

#[test]
fn a_reservation_without_a_pending_transfer_is_found() {
    finds("reservation without a pending transfer");
}
