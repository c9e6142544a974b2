//! The R41 invariants checked over one block's writes only: what the block touched,
//! read from the state before it and its [`WriteSet`], at a cost that follows the block.
//!
//! The state before the block is taken as sound (the previous block passed this check,
//! or genesis passed [`super::check`]); each invariant then holds after the block when
//! it holds on the parts the block wrote, and the differences the block made agree:
//!
//! - conservation: every serial space with a written or deleted block, index entry or
//!   next serial is rescanned ([`super::check_space`]); every index entry written must
//!   point at a block of its account; an account deleted must hold nothing;
//! - ledger: for each (Party, year), the change of the ledger entry equals the change of
//!   the first-transferred and used units in the blocks written, and of what the events
//!   appended imply;
//! - action log: from the earliest event written to the head, the chain links;
//! - reservations: a block written with a reservation names a pending transfer; a
//!   transfer written has exactly its proposed units reserved while pending, none after.

use std::collections::{BTreeMap, BTreeSet};

use crate::codec::Hash32;
use crate::error::{Code, Rejection};
use crate::events::{chain_hash, Event, EventKind};
use crate::ids::*;
use crate::model::{Account, AccountKind, Holder};
use crate::state::{keys, ExternalTransfer, Overlay, ReadStore, StateExt, Store, TransferStatus, WriteSet};
use crate::units::UnitBlock;

/// Ledger differences per (Party, year): (additions, subtractions), signed.
type Deltas = BTreeMap<(Party, u16), (i128, i128)>;

/// Checks the invariants on what `writes` touch over `before`; an empty result means the
/// state after the block is sound wherever the block wrote (`before` being sound). Each
/// violation carries `A6-8001` and names the invariant, in the words of [`super::check`].
pub fn check_block<S: ReadStore + ?Sized>(before: &S, writes: &WriteSet) -> Vec<Rejection> {
    let mut after = Overlay::new(before);
    for (key, value) in writes {
        match value {
            Some(value) => after.put(key.clone(), value.clone()),
            None => after.delete(key),
        }
    }
    let mut out = Vec::new();
    let mut fail = |message: String| out.push(Rejection { code: Code::LedgerInvariantViolation, message });
    let touched = Touched::of(writes);
    conservation(&after, &touched, &mut fail);
    let mut deltas = unit_deltas(before, &after, &touched, &mut fail);
    let ledger = ledger_deltas(before, &after, &touched);
    compare(&deltas, &ledger, "", &mut fail);
    deltas.clear();
    if event_chain(before, &after, &touched, &mut deltas, &mut fail) {
        compare(&deltas, &ledger, "log", &mut fail);
    }
    reservations(before, &after, &touched, &mut fail);
    out
}

/// The records a block wrote, by kind.
#[derive(Default)]
struct Touched {
    spaces: BTreeSet<(CaId, Party)>,
    unit_keys: Vec<Vec<u8>>,
    index_puts: Vec<(AccountId, CaId, Party, u64)>,
    accounts_deleted: Vec<AccountId>,
    ledger: BTreeSet<(Party, u16)>,
    events: BTreeSet<u64>,
    transfers: Vec<Hash32>,
}

fn space_of(bytes: &[u8]) -> (CaId, Party) {
    let ca = CaId::new(std::str::from_utf8(&bytes[..6]).expect("ascii")).expect("valid CA id");
    let ftp = Party::new(std::str::from_utf8(&bytes[6..9]).expect("ascii")).expect("valid Party");
    (ca, ftp)
}

impl Touched {
    fn of(writes: &WriteSet) -> Self {
        let mut t = Self::default();
        for (key, value) in writes {
            if let Some(rest) = key.strip_prefix(keys::prefix::UNITS) {
                t.spaces.insert(space_of(rest));
                t.unit_keys.push(key.clone());
            } else if let Some(rest) = key.strip_prefix(keys::prefix::NEXT_SERIAL) {
                t.spaces.insert(space_of(rest));
            } else if let Some(rest) = key.strip_prefix(keys::prefix::ACCOUNT_UNITS) {
                let sep = rest.iter().position(|b| *b == 0).expect("index keys separate the account");
                let account =
                    AccountId::new(std::str::from_utf8(&rest[..sep]).expect("ascii")).expect("valid");
                let (ca, ftp) = space_of(&rest[sep + 1..]);
                t.spaces.insert((ca.clone(), ftp.clone()));
                if value.is_some() {
                    t.index_puts.push((account, ca, ftp, keys::last_serial_of(key)));
                }
            } else if let Some(rest) = key.strip_prefix(keys::prefix::ACCOUNT) {
                if value.is_none() {
                    t.accounts_deleted
                        .push(AccountId::new(std::str::from_utf8(rest).expect("ascii")).expect("id"));
                }
            } else if let Some(rest) = key.strip_prefix(keys::prefix::LEDGER) {
                let party = Party::new(std::str::from_utf8(&rest[..3]).expect("ascii")).expect("valid Party");
                t.ledger.insert((party, u16::from_be_bytes([rest[3], rest[4]])));
            } else if let Some(rest) = key.strip_prefix(keys::prefix::EVENT) {
                t.events.insert(u64::from_be_bytes(rest.try_into().expect("event keys end in a u64")));
            } else if let Some(rest) = key.strip_prefix(keys::prefix::TRANSFER) {
                t.transfers.push(Hash32(rest.try_into().expect("transfer keys end in a hash")));
            }
        }
        t
    }
}

fn conservation<S: ReadStore + ?Sized>(after: &S, t: &Touched, fail: &mut impl FnMut(String)) {
    for (ca, ftp) in &t.spaces {
        let blocks: Vec<UnitBlock> = after.read_all(&keys::units_in(ca, ftp));
        super::check_space(after, &blocks, &|a| after.account(a).is_some(), fail);
    }
    for (account, ca, ftp, last) in &t.index_puts {
        let held = after
            .read::<UnitBlock>(&keys::units(ca, ftp, *last))
            .is_some_and(|b| &b.attrs.account == account);
        if !held {
            fail(format!(
                "the account index lists {ca}/{ftp} serial {last} under {account}, which holds no such block"
            ));
        }
    }
    for account in &t.accounts_deleted {
        if after.scan_prefix(&keys::account_units_of(account)).next().is_some() {
            fail(format!("account {account} is gone but still holds units"));
        }
    }
}

/// What a block contributes to the ledger: `+q` additions for (FTP, vintage) once first
/// transferred, `+q` subtractions for (Party, use year) while in the Party's USE_NDC account.
fn contribute<S: ReadStore + ?Sized>(
    st: &S,
    b: &UnitBlock,
    sign: i128,
    d: &mut Deltas,
    fail: &mut impl FnMut(String),
) {
    let q = i128::from(b.quantity());
    if b.attrs.first_transferred {
        d.entry((b.ftp.clone(), b.attrs.vintage)).or_default().0 += sign * q;
    }
    if let Some(Account { kind: AccountKind::UseNdc, holder: Some(Holder::Party(p)), .. }) =
        st.account(&b.attrs.account)
    {
        match b.attrs.use_year {
            Some(year) => d.entry((p, year)).or_default().1 += sign * q,
            None if sign > 0 => {
                fail(format!("units {} are in a USE_NDC account without a use year", b.range_text()))
            }
            None => {}
        }
    }
}

fn unit_deltas<S: ReadStore + ?Sized>(
    before: &S,
    after: &impl Store,
    t: &Touched,
    fail: &mut impl FnMut(String),
) -> Deltas {
    let mut d = Deltas::new();
    for key in &t.unit_keys {
        if let Some(b) = before.read::<UnitBlock>(key) {
            contribute(before, &b, -1, &mut d, fail);
        }
        if let Some(b) = after.read::<UnitBlock>(key) {
            contribute(after, &b, 1, &mut d, fail);
        }
    }
    d
}

fn ledger_deltas<S: ReadStore + ?Sized>(before: &S, after: &impl Store, t: &Touched) -> Deltas {
    let mut d = Deltas::new();
    for (party, year) in &t.ledger {
        let (b, a) = (before.ledger_totals(party, *year), after.ledger_totals(party, *year));
        let change = (
            i128::from(a.additions) - i128::from(b.additions),
            i128::from(a.subtractions) - i128::from(b.subtractions),
        );
        d.insert((party.clone(), *year), change);
    }
    d
}

/// Reports every (Party, year) where `derived` and the ledger changed differently; `from`
/// is empty for the units, `log` for the action log.
fn compare(derived: &Deltas, ledger: &Deltas, from: &str, fail: &mut impl FnMut(String)) {
    let all: BTreeSet<&(Party, u16)> = derived.keys().chain(ledger.keys()).collect();
    for key @ (party, year) in all {
        let (da, ds) = derived.get(key).copied().unwrap_or_default();
        let (la, ls) = ledger.get(key).copied().unwrap_or_default();
        if from == "log" {
            if (da, ds) != (la, ls) {
                fail(format!("ledger {party} {year} differs from what the action log implies"));
            }
            continue;
        }
        if da != la {
            fail(format!(
                "ledger {party} {year}: additions changed by {la} but first-transferred units by {da}"
            ));
        }
        if ds != ls {
            fail(format!(
                "ledger {party} {year}: subtractions changed by {ls} but units used towards the NDC by {ds}"
            ));
        }
    }
}

/// Walks the log from the earliest event written (or the old head) to the new head;
/// returns whether it links, with what the appended events imply in `implied`.
fn event_chain<S: ReadStore + ?Sized>(
    before: &S,
    after: &impl Store,
    t: &Touched,
    implied: &mut Deltas,
    fail: &mut impl FnMut(String),
) -> bool {
    let old = before.event_head();
    let head = after.event_head();
    let start = t.events.first().copied().unwrap_or(old.count).min(old.count);
    let mut prev = match start.checked_sub(1) {
        Some(seq) => after.read::<Event>(&keys::event(seq)).map(|e| chain_hash(&e)).unwrap_or_default(),
        None => Hash32::default(),
    };
    let mut seq = start;
    while let Some(event) = after.read::<Event>(&keys::event(seq)) {
        if event.seq != seq || event.prev_hash != prev {
            fail(format!("the action log breaks at event {seq}"));
            return false;
        }
        if let (Some(units), true) = (&event.units, seq >= old.count) {
            match &event.kind {
                EventKind::FirstTransfer { .. } => {
                    implied.entry((units.ftp.clone(), units.attrs.vintage)).or_default().0 +=
                        i128::from(units.quantity())
                }
                EventKind::UsedNdc { party, year, .. } => {
                    implied.entry((party.clone(), *year)).or_default().1 += i128::from(units.quantity())
                }
                _ => {}
            }
        }
        prev = chain_hash(&event);
        seq += 1;
    }
    if head.count != seq || head.hash != prev {
        fail(format!("the action log head says {} events, the log holds {seq}", head.count));
        return false;
    }
    true
}

fn reservations<S: ReadStore + ?Sized>(
    before: &S,
    after: &impl Store,
    t: &Touched,
    fail: &mut impl FnMut(String),
) {
    let pending =
        |id: &Hash32| after.transfer(id).is_some_and(|x| x.status == TransferStatus::CheckedNoDiscrepancy);
    let mut ids: BTreeSet<Hash32> = t.transfers.iter().copied().collect();
    for key in &t.unit_keys {
        let Some(b) = after.read::<UnitBlock>(key) else { continue };
        if let Some(id) = b.attrs.reserved_by {
            if !pending(&id) {
                fail(format!(
                    "units {} are reserved by {id}, which is not a pending transfer",
                    b.range_text()
                ));
            }
            ids.insert(id);
        }
    }
    for id in ids {
        let Some(x) = after.transfer(&id).or_else(|| before.transfer(&id)) else { continue };
        let reserved: u64 = reserved_in(after, &x).map(|b| b.quantity()).sum();
        let proposed: u64 = x.blocks.iter().map(UnitBlock::quantity).sum();
        let expected = if pending(&id) { proposed } else { 0 };
        if reserved != expected && pending(&id) {
            fail(format!("pending transfer {id} proposed {proposed} units but {reserved} are reserved"));
        } else if reserved != expected {
            fail(format!("units are reserved by {id}, which is not a pending transfer"));
        }
    }
}

/// The blocks within the transfer's proposed ranges that it reserves.
fn reserved_in<'a>(st: &'a impl Store, x: &'a ExternalTransfer) -> impl Iterator<Item = UnitBlock> + 'a {
    x.blocks
        .iter()
        .flat_map(|p| st.blocks_in_range(&p.ca, &p.ftp, p.first, p.last))
        .filter(move |b| b.attrs.reserved_by == Some(x.id))
}
