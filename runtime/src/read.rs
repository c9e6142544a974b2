//! Read models: pure functions over the state that answer what officers and auditors ask:
//! holdings per account and Party, a unit's full history, an authorization's versions,
//! and the corresponding-adjustment ledger per Party and year.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::events::{Event, EventKind};
use crate::ids::*;
use crate::model::{Account, Authorization};
use crate::state::{keys, LedgerTotals, StateExt, Store};
use crate::tx::movement::coalesce;
use crate::units::{UnitBlock, UnitId};

/// What an account holds.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Holding {
    /// The account.
    pub account: Account,
    /// Its blocks, adjacent equal blocks joined.
    pub blocks: Vec<UnitBlock>,
    /// Total units.
    pub quantity: u64,
}

/// The holdings of one account, or `None` if it does not exist.
pub fn holdings<S: Store + ?Sized>(st: &S, account: &AccountId) -> Option<Holding> {
    let account = st.account(account)?;
    let blocks = coalesce(st.blocks_of_account(&account.id));
    let quantity = blocks.iter().map(UnitBlock::quantity).sum();
    Some(Holding { account, blocks, quantity })
}

/// The holdings of every account in the registries of `party`, by account id.
pub fn party_holdings<S: Store + ?Sized>(st: &S, party: &Party) -> Vec<Holding> {
    st.read_all::<Account>(keys::prefix::ACCOUNT)
        .into_iter()
        .filter(|a| &a.registry.party() == party)
        .filter_map(|a| holdings(st, &a.id))
        .collect()
}

/// A unit's current block and every event that touched it, oldest first.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct UnitHistory {
    /// The unit identifier.
    pub unit: String,
    /// The block that holds it now.
    pub current: UnitBlock,
    /// Its history.
    pub events: Vec<Event>,
}

/// The history of the unit named by `unit` (`CA0001-JPN01-IND-1-2025`).
pub fn unit_history<S: Store + ?Sized>(st: &S, unit: &str) -> Result<UnitHistory, String> {
    let id = UnitId::parse(unit)?;
    let current = st
        .blocks_in_range(&id.ca, &id.ftp, id.serial, id.serial)
        .into_iter()
        .find(|b| b.first <= id.serial && b.attrs.origin == id.registry && b.attrs.vintage == id.vintage)
        .ok_or_else(|| format!("unit {unit} does not exist"))?;
    let prefix = keys::events_in(&id.ca, &id.ftp);
    let events = st
        .scan_prefix(&prefix)
        .filter_map(|(k, _)| st.read::<Event>(&keys::event(keys::last_serial_of(&k))))
        .filter(|e| e.units.as_ref().is_some_and(|u| u.first <= id.serial && id.serial <= u.last))
        .collect();
    Ok(UnitHistory { unit: id.to_string(), current, events })
}

/// Every version of an authorization, oldest first.
pub fn authorization_versions<S: Store + ?Sized>(st: &S, id: &AuthId) -> Vec<Authorization> {
    st.read_all(&keys::auth_versions(id))
}

/// A Party's corresponding-adjustment totals per year.
pub fn ledger<S: Store + ?Sized>(st: &S, party: &Party) -> BTreeMap<u16, LedgerTotals> {
    st.scan_prefix(&keys::ledger_of(party))
        .map(|(k, v)| {
            let year = u16::from_be_bytes([k[k.len() - 2], k[k.len() - 1]]);
            (year, crate::codec::decode(&v, usize::MAX).expect("ledger totals decode"))
        })
        .collect()
}

/// One corresponding-adjustment entry (R29).
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct LedgerEntry {
    /// The event that made it.
    pub event: u64,
    /// Its date.
    pub date: String,
    /// `+q` for a first transfer, `-q` for an NDC use.
    pub delta: i128,
    /// The units.
    pub units: String,
}

/// The entries of a Party's ledger for one year, from the action log.
pub fn ledger_entries<S: Store + ?Sized>(st: &S, party: &Party, year: u16) -> Vec<LedgerEntry> {
    st.read_all::<Event>(keys::prefix::EVENT)
        .into_iter()
        .filter_map(|e| {
            let units = e.units.as_ref()?;
            let q = i128::from(units.quantity());
            let delta = match &e.kind {
                EventKind::FirstTransfer { .. } if &units.ftp == party && units.attrs.vintage == year => q,
                EventKind::UsedNdc { party: p, year: y, .. } if p == party && *y == year => -q,
                _ => return None,
            };
            Some(LedgerEntry {
                event: e.seq,
                date: e.time.date().to_string(),
                delta,
                units: units.range_text(),
            })
        })
        .collect()
}
