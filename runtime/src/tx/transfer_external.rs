//! TRANSFER_EXTERNAL as the two-phase flow of R39: the proposal reserves the units
//! (R16) and is checked at once (`CHECKED_NO_DISCREPANCY`); the acquiring registry then
//! accepts (`COMPLETED`: the units move, the first transfer is classified (R28) and the
//! acquisition recorded) or rejects (`TERMINATED`, `A6-7002`); with no answer by the
//! deadline in block time the transfer terminates with `A6-7003`.

use crate::codec::Hash32;
use crate::error::Code;
use crate::events::{EventKind, FirstTransferSubtype};
use crate::model::{Account, AccountKind, Authorization, Role};
use crate::state::{keys, ExternalTransfer, ReadStore, StateExt, Store, TransferStatus};
use crate::time::Timestamp;
use crate::tx::context::{BlockContext, Checks, Ctx};
use crate::tx::guards;
use crate::tx::movement::{self, effective_authorization, Trigger};
use crate::tx::transfer::{self, Destination, Move};
use crate::units::UnitBlock;

/// Proposes an external transfer.
pub fn propose<S: Store + ?Sized>(st: &mut S, cx: &Ctx, ck: &mut Checks, m: &Move<'_>) {
    let kinds = [AccountKind::Holding];
    let Some(r) =
        transfer::resolve(st, cx, ck, m, &kinds, Destination::OtherRegistry, "an external transfer")
    else {
        return;
    };
    let head = r.selection.head().clone();
    let acquiring = r.to.registry.party();
    let ftp = head.ftp.clone();
    // R18: units not yet first transferred need an authorization in force to leave.
    let auth: Option<Authorization> = if head.attrs.first_transferred {
        head.attrs.authorization.as_ref().and_then(|b| effective_authorization(st, b))
    } else {
        transfer::required_authorization(st, cx, ck, &head, "an external transfer")
    };
    if let Some(auth) = &auth {
        // R22: the acquiring Party is authorized, or is the host itself.
        if let Some(parties) = &auth.terms.parties {
            ck.ensure(parties.contains(&acquiring) || acquiring == ftp, Code::PartyNotAuthorized, || {
                format!("authorization {} does not authorize Party {acquiring}", auth.terms.id)
            });
        }
        if !head.attrs.first_transferred && movement::triggers(auth, Trigger::International) {
            first_transfer_checks(st, ck, &r.ca, &head, &acquiring);
        }
    }
    if !ck.ok() {
        return;
    }
    let mut reserved = Vec::new();
    for piece in &r.selection.pieces {
        let mut attrs = piece.attrs.clone();
        attrs.reserved_by = Some(cx.tx);
        reserved.push(movement::rewrite(st, piece, attrs));
    }
    let deadline = Timestamp(cx.time.0.saturating_add(r.ca.transfer_timeout_secs));
    let record = ExternalTransfer {
        id: cx.tx,
        from: r.from.id.clone(),
        to: r.to.id.clone(),
        blocks: movement::coalesce(reserved),
        proposed_at: cx.time,
        deadline,
        status: TransferStatus::CheckedNoDiscrepancy,
        code: None,
    };
    st.write(keys::transfer(&cx.tx), &record);
    st.put(keys::transfer_deadline(deadline.0, &cx.tx), Vec::new());
    for block in &record.blocks {
        let kind =
            EventKind::TransferProposed { transfer: cx.tx, from: r.from.id.clone(), to: r.to.id.clone() };
        movement::emit(st, cx, Some(r.from.registry.clone()), kind, Some(block.clone()));
    }
}

/// R7 and R27a at a first transfer: the Parties are eligible and the vintage is inside
/// the first transferring Party's NDC periods.
pub fn first_transfer_checks<S: ReadStore + ?Sized>(
    st: &S,
    ck: &mut Checks,
    ca: &crate::model::CooperativeApproach,
    head: &UnitBlock,
    acquiring: &crate::ids::Party,
) {
    guards::party_eligible(st, ck, ca, &head.ftp);
    if acquiring != &head.ftp {
        guards::party_eligible(st, ck, ca, acquiring);
    }
    let vintage = head.attrs.vintage;
    let inside = st.party(&head.ftp).is_some_and(|p| p.in_ndc_period(vintage));
    ck.ensure(inside, Code::VintageOutsideNdcPeriod, || {
        format!("vintage {vintage} is outside {}'s registered NDC periods", head.ftp)
    });
}

fn pending<S: ReadStore + ?Sized>(st: &S, ck: &mut Checks, id: &Hash32) -> Option<ExternalTransfer> {
    let Some(record) = st.transfer(id) else {
        ck.fail(Code::InvalidMessage, format!("there is no external transfer {id}"));
        return None;
    };
    match record.status {
        TransferStatus::CheckedNoDiscrepancy => Some(record),
        TransferStatus::Completed => {
            ck.fail(Code::InvalidMessage, format!("external transfer {id} is already completed"));
            None
        }
        TransferStatus::Terminated => {
            let code = record.code.unwrap_or(Code::AcquiringRegistryTimeout);
            ck.fail(code, format!("external transfer {id} was terminated ({code})"));
            None
        }
    }
}

/// R10: only the acquiring side answers: the registry administrator or the holder of
/// the destination account.
fn acquiring_side<S: ReadStore + ?Sized>(
    st: &S,
    cx: &Ctx,
    ck: &mut Checks,
    record: &ExternalTransfer,
) -> Option<Account> {
    let to = st.account(&record.to).expect("transfer destinations exist");
    let admin = cx.has_role(&Role::RegistryAdmin(to.registry.clone()));
    let holder = to.holder.as_ref().is_some_and(|h| cx.has_role(&Role::AccountHolder(h.clone())));
    ck.ensure(admin || holder, Code::UnauthorizedSigner, || {
        format!("{} does not act for the acquiring registry {}", cx.who(), to.registry)
    })
    .then_some(to)
}

/// The checks repeated when the acquiring registry accepts, since the units move and any
/// first transfer happens only now: the cooperative approach and both Parties (R6), both
/// accounts (R9), both Parties' reporting years (R38), and for units this completion
/// first transfers, the authorization in force (R20, R26), eligibility (R7) and the
/// vintage (R27a).
fn completion_checks<S: ReadStore + ?Sized>(
    st: &S,
    cx: &Ctx,
    ck: &mut Checks,
    record: &ExternalTransfer,
    from: &Account,
    to: &Account,
) {
    let (transferring, acquiring) = (from.registry.party(), to.registry.party());
    // R6: the approach is still active and both Parties participate.
    let ca = record.blocks.first().and_then(|b| guards::active_ca(st, ck, &b.ca));
    if let Some(ca) = &ca {
        guards::party_in_ca(ck, ca, &transferring, "transferring");
        guards::party_in_ca(ck, ca, &acquiring, "acquiring");
    }
    // R9: a frozen or suspended account on either side stops the completion.
    guards::account_active(ck, from);
    guards::account_active(ck, to);
    // R38: the completion is dated now in both Parties' reports.
    guards::year_open(st, cx, ck, &acquiring);
    if transferring != acquiring {
        guards::year_open(st, cx, ck, &transferring);
    }
    let Some(ca) = ca else {
        return;
    };
    for block in &record.blocks {
        let auth = block.attrs.authorization.as_ref().and_then(|b| effective_authorization(st, b));
        if let Some(auth) =
            auth.filter(|a| !block.attrs.first_transferred && movement::triggers(a, Trigger::International))
        {
            // R20, R26, R7, R27a: the first transfer happens at completion.
            transfer::check_in_force(st, cx, ck, block, &auth);
            first_transfer_checks(st, ck, &ca, block, &acquiring);
        }
    }
}

/// The acquiring registry accepts: the units move and the transfer completes.
pub fn accept<S: Store + ?Sized>(st: &mut S, cx: &Ctx, ck: &mut Checks, id: &Hash32) {
    let Some(mut record) = pending(st, ck, id) else {
        return;
    };
    let Some(to) = acquiring_side(st, cx, ck, &record) else {
        return;
    };
    let from = st.account(&record.from).expect("transfer sources exist");
    completion_checks(st, cx, ck, &record, &from, &to);
    if !ck.ok() {
        return;
    }
    let (transferring, acquiring) = (from.registry.party(), to.registry.party());
    for proposed in &record.blocks {
        for piece in reserved_pieces(st, proposed, id) {
            let mut attrs = piece.attrs.clone();
            attrs.account = to.id.clone();
            attrs.reserved_by = None;
            let auth = attrs.authorization.as_ref().and_then(|b| effective_authorization(st, b));
            let first = !attrs.first_transferred
                && auth.is_some_and(|a| movement::triggers(&a, Trigger::International));
            if first {
                movement::mark_first_transferred(st, &mut attrs);
            }
            let moved = movement::rewrite(st, &piece, attrs);
            let kind = if first {
                EventKind::FirstTransfer {
                    subtype: FirstTransferSubtype::ToAnotherParty,
                    acquiring: Some(acquiring.clone()),
                    user: None,
                    purpose: None,
                }
            } else {
                EventKind::Transferred {
                    from: from.id.clone(),
                    to: to.id.clone(),
                    acquiring: acquiring.clone(),
                }
            };
            movement::emit(st, cx, Some(from.registry.clone()), kind, Some(moved.clone()));
            let kind = EventKind::Acquired { to: to.id.clone(), transferring: transferring.clone() };
            movement::emit(st, cx, Some(to.registry.clone()), kind, Some(moved));
        }
    }
    st.delete(&keys::transfer_deadline(record.deadline.0, id));
    record.status = TransferStatus::Completed;
    st.write(keys::transfer(id), &record);
}

/// The acquiring registry rejects: the reservation is released (`A6-7002`).
pub fn reject<S: Store + ?Sized>(st: &mut S, cx: &Ctx, ck: &mut Checks, id: &Hash32) {
    let Some(record) = pending(st, ck, id) else {
        return;
    };
    let Some(to) = acquiring_side(st, cx, ck, &record) else {
        return;
    };
    // R38: the rejection is an action of the acquiring registry.
    guards::year_open(st, cx, ck, &to.registry.party());
    if !ck.ok() {
        return;
    }
    terminate(st, cx.height, cx.time, cx.tx, record, Code::RejectedByAcquiringRegistry);
}

/// Terminates every pending transfer whose deadline has passed (R39, `A6-7003`).
pub fn expire<S: Store + ?Sized>(st: &mut S, block: &BlockContext) {
    // R39: a deadline at or before the block time has passed.
    let end = keys::transfer_deadline(block.time.0.saturating_add(1), &Hash32([0; 32]));
    let due: Vec<Hash32> = st
        .range(keys::prefix::TRANSFER_DEADLINE, Some(&end))
        .map(|(k, _)| Hash32(k[k.len() - 32..].try_into().expect("deadline keys end in a hash")))
        .collect();
    for id in due {
        let record = st.transfer(&id).expect("deadline index points at a transfer");
        terminate(st, block.height, block.time, Hash32::default(), record, Code::AcquiringRegistryTimeout);
    }
}

fn terminate<S: Store + ?Sized>(
    st: &mut S,
    height: u64,
    time: Timestamp,
    tx: Hash32,
    mut record: ExternalTransfer,
    code: Code,
) {
    let id = record.id;
    let registry = st.account(&record.from).map(|a| a.registry);
    for proposed in &record.blocks {
        for piece in reserved_pieces(st, proposed, &id) {
            let mut attrs = piece.attrs.clone();
            attrs.reserved_by = None;
            let released = movement::rewrite(st, &piece, attrs);
            let kind = EventKind::TransferTerminated { transfer: id, code };
            movement::emit_at(st, height, time, tx, registry.clone(), kind, Some(released));
        }
    }
    st.delete(&keys::transfer_deadline(record.deadline.0, &id));
    record.status = TransferStatus::Terminated;
    record.code = Some(code);
    st.write(keys::transfer(&id), &record);
}

/// The stored slices of a proposed block, which must all still be reserved by `id`.
fn reserved_pieces<S: ReadStore + ?Sized>(st: &S, proposed: &UnitBlock, id: &Hash32) -> Vec<UnitBlock> {
    let pieces: Vec<UnitBlock> = st
        .blocks_in_range(&proposed.ca, &proposed.ftp, proposed.first, proposed.last)
        .into_iter()
        .map(|b| b.slice(b.first.max(proposed.first), b.last.min(proposed.last)))
        .collect();
    let covered: u64 = pieces.iter().map(UnitBlock::quantity).sum();
    assert!(
        covered == proposed.quantity() && pieces.iter().all(|p| p.attrs.reserved_by == Some(*id)),
        "R16: units of pending transfer {id} stay reserved until it ends"
    );
    pieces
}
