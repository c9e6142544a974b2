//! The effects of an accepted issuance: serials allocated in line order (R14), each
//! line's block stored with its first-transfer state, authorization counters (R21), and
//! the events the AEF reports (issuance, first transfer, acquisition, mandatory OMGE
//! cancellation, share of proceeds).

use crate::events::{CancellationSubtype, EventKind, FirstTransferSubtype};
use crate::ids::CaId;
use crate::model::{AccountKind, Project};
use crate::protocol::Period;
use crate::state::{keys, NotificationRecord, StateExt, Store};
use crate::tx::context::Ctx;
use crate::tx::movement;
use crate::units::UnitBlock;

use super::lines::{attrs_for, first_transfer_subtype, Line};
use super::Request;

/// Issues every line, then records the notification as executed and the monitoring
/// period as issued (R35, R37).
pub fn execute<S: Store + ?Sized>(
    st: &mut S,
    cx: &Ctx,
    req: &Request<'_>,
    project: &Project,
    lines: &[Line],
    mut next: u64,
    period: Period,
) {
    for line in lines {
        let block = issue_line(st, req, project, line, next);
        next += line.quantity;
        emit_line_events(st, cx, project, line, block);
    }
    st.write(keys::next_serial(req.ca, &project.host), &next);
    let notification = req.notification.expect("a checked issuance has a notification").body.id.clone();
    let record = NotificationRecord { tx: cx.tx, height: cx.height, project: project.id.clone(), period };
    st.write(keys::notification(&notification), &record);
    st.write(keys::monitoring(&project.id, period.from.0), &period);
}

/// Stores the line's block at serials `next..` and counts it against its authorization.
fn issue_line<S: Store + ?Sized>(
    st: &mut S,
    req: &Request<'_>,
    project: &Project,
    line: &Line,
    next: u64,
) -> UnitBlock {
    mint_line(st, req.ca, req.vintage, project, line, next)
}

/// Stores `line`'s units of `project` in `ca` at serials `next..`, marked first
/// transferred where the line's authorization says so (R28), and counts them against
/// the authorization (R21): shared by issuance and the receipt of A6.4ERs.
pub(crate) fn mint_line<S: Store + ?Sized>(
    st: &mut S,
    ca: &CaId,
    vintage: u16,
    project: &Project,
    line: &Line,
    next: u64,
) -> UnitBlock {
    let mut attrs = attrs_for(project, vintage, line);
    if first_transfer_subtype(line, &project.host).is_some() {
        movement::mark_first_transferred(st, &mut attrs);
    }
    let block = UnitBlock {
        ca: ca.clone(),
        ftp: project.host.clone(),
        first: next,
        last: next + line.quantity - 1,
        attrs,
    };
    movement::insert_merged(st, block.clone());
    count_against_authorization(st, line);
    block
}

/// R21: the line's units count against its authorization's cap from now on.
pub fn count_against_authorization<S: Store + ?Sized>(st: &mut S, line: &Line) {
    if let Some(auth) = &line.auth {
        let mut meta = st.auth_meta(&auth.terms.id).expect("authorizations have metadata");
        meta.attached += line.quantity;
        st.write(keys::auth_meta(&auth.terms.id), &meta);
    }
}

/// The first transfer of a line's units when they enter the chain, if they are first
/// transferred then (R28), and for the non-host share its acquisition.
pub fn emit_first_transfer<S: Store + ?Sized>(
    st: &mut S,
    cx: &Ctx,
    project: &Project,
    line: &Line,
    units: Option<UnitBlock>,
) {
    let Some(subtype) = first_transfer_subtype(line, &project.host) else {
        return;
    };
    let registry = Some(line.account.registry.clone());
    let international = subtype == FirstTransferSubtype::ToAnotherParty;
    let acquiring = international.then(|| line.account.registry.party());
    let purpose = line.auth.as_ref().filter(|_| !international).and_then(|a| a.terms.oimp.clone());
    let kind = EventKind::FirstTransfer { subtype, acquiring, user: None, purpose };
    movement::emit(st, cx, registry.clone(), kind, units.clone());
    if international {
        let kind = EventKind::Acquired { to: line.account.id.clone(), transferring: project.host.clone() };
        movement::emit(st, cx, registry, kind, units);
    }
}

/// The events of one line, in the order the AEF reads them.
fn emit_line_events<S: Store + ?Sized>(
    st: &mut S,
    cx: &Ctx,
    project: &Project,
    line: &Line,
    block: UnitBlock,
) {
    let registry = Some(line.account.registry.clone());
    let account = line.account.id.clone();
    let units = Some(block);
    movement::emit(st, cx, registry.clone(), EventKind::Issued { account: account.clone() }, units.clone());
    emit_first_transfer(st, cx, project, line, units.clone());
    let kind = match line.account.kind {
        AccountKind::CancelOmge => EventKind::Cancelled {
            subtype: CancellationSubtype::MandatoryOmge,
            from: account.clone(),
            to: account,
            canceller: None,
        },
        AccountKind::SopAdaptation => {
            EventKind::SopTransferred { from: account.clone(), to: account, mandatory: true }
        }
        _ => return,
    };
    movement::emit(st, cx, registry, kind, units);
}
