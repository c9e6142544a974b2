//! The ledger invariants of R41, as one function any test, node or audit can call:
//!
//! 1. every issued serial is in exactly one block, held by exactly one existing account,
//!    and the account index agrees with the blocks (conservation);
//! 2. first-transfer additions per (Party, vintage) equal the first-transferred units;
//! 3. NDC-use subtractions per (Party, year) equal the units in that Party's USE_NDC
//!    accounts for that use year;
//! 4. the action log's hash chain is intact, and the ledger equals what its events imply;
//! 5. reserved units belong to a pending external transfer.
//!
//! [`check`] scans the whole state; [`check_block`] checks only what one block's writes
//! touched, for a node to run before it commits each block.

mod incremental;

pub use incremental::check_block;

use std::collections::BTreeMap;

use crate::error::{Code, Rejection};
use crate::events::{chain_hash, Event, EventHead, EventKind};
use crate::ids::*;
use crate::model::{Account, AccountKind, Holder};
use crate::state::{keys, ExternalTransfer, LedgerTotals, ReadStore, StateExt, TransferStatus};
use crate::units::UnitBlock;

/// Checks every invariant; an empty result means the state is sound. Each violation
/// carries `A6-8001` and names the invariant.
pub fn check<S: ReadStore + ?Sized>(st: &S) -> Vec<Rejection> {
    let mut out = Vec::new();
    let mut fail = |message: String| out.push(Rejection { code: Code::LedgerInvariantViolation, message });
    let blocks: Vec<UnitBlock> = st.read_all(keys::prefix::UNITS);
    let accounts: BTreeMap<AccountId, Account> =
        st.read_all::<Account>(keys::prefix::ACCOUNT).into_iter().map(|a| (a.id.clone(), a)).collect();
    conservation(st, &blocks, &accounts, &mut fail);
    ledger_matches_units(st, &blocks, &accounts, &mut fail);
    event_chain(st, &mut fail);
    reservations(st, &blocks, &mut fail);
    out
}

fn conservation<S: ReadStore + ?Sized>(
    st: &S,
    blocks: &[UnitBlock],
    accounts: &BTreeMap<AccountId, Account>,
    fail: &mut impl FnMut(String),
) {
    for space in blocks.chunk_by(|a, b| a.ca == b.ca && a.ftp == b.ftp) {
        check_space(st, space, &|a| accounts.contains_key(a), fail);
    }
    let index_entries = st.scan_prefix(keys::prefix::ACCOUNT_UNITS).count();
    if index_entries != blocks.len() {
        fail(format!("the account index has {index_entries} entries for {} blocks", blocks.len()));
    }
}

/// Conservation within one serial space: `blocks` are all its blocks in key order; they
/// must tile `1..next_serial` exactly, each in an existing account and in its index.
pub(crate) fn check_space<S: ReadStore + ?Sized>(
    st: &S,
    blocks: &[UnitBlock],
    has_account: &dyn Fn(&AccountId) -> bool,
    fail: &mut impl FnMut(String),
) {
    let mut next = 1;
    for b in blocks {
        if b.first > b.last {
            fail(format!("block {} is empty", b.range_text()));
        }
        if b.first != next {
            fail(format!(
                "serials of {}/{} jump from {} to {}: a serial is missing or held twice",
                b.ca, b.ftp, next, b.first
            ));
        }
        next = b.last + 1;
        if !has_account(&b.attrs.account) {
            fail(format!("units {} are in unknown account {}", b.range_text(), b.attrs.account));
        }
        let indexed = st.get(&keys::account_units(&b.attrs.account, &b.ca, &b.ftp, b.last)).is_some();
        if !indexed {
            fail(format!("units {} are missing from {}'s index", b.range_text(), b.attrs.account));
        }
    }
    if let Some(b) = blocks.first() {
        let issued = st.next_serial(&b.ca, &b.ftp);
        if issued != next {
            fail(format!(
                "{}/{} issued serials up to {} but blocks cover up to {}",
                b.ca,
                b.ftp,
                issued - 1,
                next - 1
            ));
        }
    }
}

fn ledger_matches_units<S: ReadStore + ?Sized>(
    st: &S,
    blocks: &[UnitBlock],
    accounts: &BTreeMap<AccountId, Account>,
    fail: &mut impl FnMut(String),
) {
    let mut additions: BTreeMap<(Party, u16), u64> = BTreeMap::new();
    let mut subtractions: BTreeMap<(Party, u16), u64> = BTreeMap::new();
    for b in blocks {
        if b.attrs.first_transferred {
            *additions.entry((b.ftp.clone(), b.attrs.vintage)).or_default() += b.quantity();
        }
        let account = accounts.get(&b.attrs.account);
        if let Some(Account { kind: AccountKind::UseNdc, holder: Some(Holder::Party(p)), .. }) = account {
            match b.attrs.use_year {
                Some(year) => *subtractions.entry((p.clone(), year)).or_default() += b.quantity(),
                None => fail(format!("units {} are in a USE_NDC account without a use year", b.range_text())),
            }
        }
    }
    let mut ledger: BTreeMap<(Party, u16), LedgerTotals> = BTreeMap::new();
    for (key, value) in st.scan_prefix(keys::prefix::LEDGER) {
        let party = Party::new(std::str::from_utf8(&key[3..6]).expect("ascii")).expect("valid Party");
        let year = u16::from_be_bytes([key[6], key[7]]);
        ledger.insert((party, year), crate::codec::decode(&value, usize::MAX).expect("ledger totals decode"));
    }
    let mut keys_all: Vec<(Party, u16)> =
        additions.keys().chain(subtractions.keys()).chain(ledger.keys()).cloned().collect();
    keys_all.sort();
    keys_all.dedup();
    for key in keys_all {
        let totals = ledger.get(&key).copied().unwrap_or_default();
        let added = additions.get(&key).copied().unwrap_or(0);
        let used = subtractions.get(&key).copied().unwrap_or(0);
        if totals.additions != added {
            fail(format!(
                "ledger {} {}: additions {} but {added} first-transferred units",
                key.0, key.1, totals.additions
            ));
        }
        if totals.subtractions != used {
            fail(format!(
                "ledger {} {}: subtractions {} but {used} units used towards the NDC",
                key.0, key.1, totals.subtractions
            ));
        }
    }
}

fn event_chain<S: ReadStore + ?Sized>(st: &S, fail: &mut impl FnMut(String)) {
    let head: EventHead = st.event_head();
    let mut prev = crate::codec::Hash32::default();
    let mut count = 0u64;
    let mut implied: BTreeMap<(Party, u16), LedgerTotals> = BTreeMap::new();
    for event in st.read_all::<Event>(keys::prefix::EVENT) {
        if event.seq != count || event.prev_hash != prev {
            fail(format!("the action log breaks at event {count}"));
            return;
        }
        if let Some(units) = &event.units {
            match &event.kind {
                EventKind::FirstTransfer { .. } => {
                    implied.entry((units.ftp.clone(), units.attrs.vintage)).or_default().additions +=
                        units.quantity()
                }
                EventKind::UsedNdc { party, year, .. } => {
                    implied.entry((party.clone(), *year)).or_default().subtractions += units.quantity()
                }
                _ => {}
            }
        }
        prev = chain_hash(&event);
        count += 1;
    }
    if head.count != count || head.hash != prev {
        fail(format!("the action log head says {} events, the log holds {count}", head.count));
    }
    for ((party, year), totals) in implied {
        if st.ledger_totals(&party, year) != totals {
            fail(format!("ledger {party} {year} differs from what the action log implies"));
        }
    }
}

fn reservations<S: ReadStore + ?Sized>(st: &S, blocks: &[UnitBlock], fail: &mut impl FnMut(String)) {
    for b in blocks {
        if let Some(id) = b.attrs.reserved_by {
            let pending = st.transfer(&id).is_some_and(|t| t.status == TransferStatus::CheckedNoDiscrepancy);
            if !pending {
                fail(format!(
                    "units {} are reserved by {id}, which is not a pending transfer",
                    b.range_text()
                ));
            }
        }
    }
    for t in st.read_all::<ExternalTransfer>(keys::prefix::TRANSFER) {
        if t.status != TransferStatus::CheckedNoDiscrepancy {
            continue;
        }
        let reserved: u64 =
            blocks.iter().filter(|b| b.attrs.reserved_by == Some(t.id)).map(UnitBlock::quantity).sum();
        let proposed: u64 = t.blocks.iter().map(UnitBlock::quantity).sum();
        if reserved != proposed {
            fail(format!("pending transfer {} proposed {proposed} units but {reserved} are reserved", t.id));
        }
    }
}
