//! Reconciliation (R42): a registry reports the totals and unit blocks its own database
//! shows; every account that differs from the chain is FROZEN (`A6-8002` for totals,
//! `A6-8003` for unit blocks) until an administrator releases it. The report itself is
//! accepted; the mismatches come back as warnings and are logged as events.

use std::collections::BTreeMap;

use crate::error::Code;
use crate::events::EventKind;
use crate::ids::*;
use crate::limits::RECONCILIATION_LINES_MAX;
use crate::model::{AccountStatus, Role, Text};
use crate::protocol::{ReportedBlock, ReportedTotal};
use crate::state::{keys, ReadStore, StateExt, Store};
use crate::tx::context::{Checks, Ctx};
use crate::tx::guards;
use crate::tx::movement::{self, coalesce};
use crate::units::UnitId;

/// RECONCILE.
pub fn apply<S: Store + ?Sized>(
    st: &mut S,
    cx: &Ctx,
    ck: &mut Checks,
    registry: &RegistryId,
    totals: &[ReportedTotal],
    blocks: Option<&[ReportedBlock]>,
) {
    guards::has_role(cx, ck, Role::RegistryAdmin(registry.clone()), "reconciliation");
    // R38: an action of the reporting registry.
    guards::year_open(st, cx, ck, &registry.party());
    let lines = totals.len() + blocks.map_or(0, <[_]>::len);
    ck.ensure(lines <= RECONCILIATION_LINES_MAX, Code::InvalidMessage, || {
        format!("a report has at most {RECONCILIATION_LINES_MAX} lines")
    });
    let accounts: Vec<crate::model::Account> = st
        .read_all::<crate::model::Account>(keys::prefix::ACCOUNT)
        .into_iter()
        .filter(|a| &a.registry == registry)
        .collect();
    for t in totals {
        ck.ensure(accounts.iter().any(|a| a.id == t.account), Code::AccountNotFound, || {
            format!("account {} is not in registry {registry}", t.account)
        });
    }
    if !ck.ok() {
        return;
    }
    let reported: BTreeMap<&AccountId, u64> = totals.iter().map(|t| (&t.account, t.quantity)).collect();
    let mut mismatches: Vec<(AccountId, Code, String)> = Vec::new();
    for account in &accounts {
        let said = reported.get(&account.id).copied().unwrap_or(0);
        if let Some((code, message)) = mismatch(st, ck, &account.id, said, blocks) {
            mismatches.push((account.id.clone(), code, message));
        }
    }
    if !ck.ok() {
        return;
    }
    for (id, code, message) in mismatches {
        let mut account = st.account(&id).expect("listed above");
        account.status = AccountStatus::Frozen;
        st.write(keys::account(&id), &account);
        ck.warn(code, message.clone());
        let reason = Text::new(&message).unwrap_or_default();
        let kind = EventKind::AccountStatusChanged {
            account: id,
            status: AccountStatus::Frozen,
            code: Some(code),
            reason,
        };
        movement::emit(st, cx, Some(registry.clone()), kind, None);
    }
}

/// How `account`'s report (its total `said`, and its unit blocks if the report lists
/// them) differs from what the chain holds for it, if it does. A reported block that is
/// not a unit range fails the check.
fn mismatch<S: ReadStore + ?Sized>(
    st: &S,
    ck: &mut Checks,
    account: &AccountId,
    said: u64,
    blocks: Option<&[ReportedBlock]>,
) -> Option<(Code, String)> {
    let held: Vec<_> = coalesce(st.blocks_of_account(account));
    let on_chain: u64 = held.iter().map(|b| b.quantity()).sum();
    if said != on_chain {
        return Some((
            Code::ReconciliationTotalsMismatch,
            format!("{account} reports {said}, the chain holds {on_chain}"),
        ));
    }
    let blocks = blocks?;
    let mut said: Vec<(u64, u64, String)> = Vec::new();
    for b in blocks.iter().filter(|b| b.account == *account) {
        match (UnitId::parse(b.first.as_str()), UnitId::parse(b.last.as_str())) {
            (Ok(f), Ok(l)) => said.push((f.serial, l.serial, format!("{}{}", f.ca, f.ftp))),
            _ => ck.fail(
                Code::InvalidUnitIdentifier,
                format!("reported block {}..{} is not a unit range", b.first, b.last),
            ),
        }
    }
    let chain: Vec<(u64, u64, String)> =
        held.iter().map(|b| (b.first, b.last, format!("{}{}", b.ca, b.ftp))).collect();
    // R42 compares which serials an account holds: the chain splits blocks by
    // attributes (hold, authorization) that a registry's ranges do not show.
    (contiguous(said) != contiguous(chain)).then(|| {
        (
            Code::ReconciliationUnitBlockMismatch,
            format!("the unit blocks reported for {account} differ from the chain"),
        )
    })
}

/// Sorts ranges and joins those that continue each other in one serial space.
fn contiguous(mut ranges: Vec<(u64, u64, String)>) -> Vec<(u64, u64, String)> {
    ranges.sort_by(|a, b| (&a.2, a.0, a.1).cmp(&(&b.2, b.0, b.1)));
    let mut out: Vec<(u64, u64, String)> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match out.last_mut() {
            Some(prev) if prev.2 == r.2 && prev.1.checked_add(1) == Some(r.0) => prev.1 = r.1,
            _ => out.push(r),
        }
    }
    out
}
