//! RECEIVE_A64_UNITS: A6.4ERs authorized by their host arrive from the Article 6.4
//! mechanism registry in a Party registry of the chain (issue 14, S4).
//!
//! The secretariat, which administers the mechanism registry, attests the receipt (R10).
//! The units join the serial space (approach, host) of an approach that tracks A6.4ERs
//! (`A6-2008` otherwise), each mapped to its A6.4ER identifier; an A6.4ER is received
//! once (`A6-3008`). They carry the host's authorization like an issuance line into the
//! same account (R18–R23, R27, R37b) and are classified for first transfer under it
//! (R28): into another Party's registry under an NDC authorization it is their first
//! transfer and that Party's acquisition. The mechanism took the share of proceeds and
//! the OMGE cancellation at 6.4 issuance, so no R36 deduction applies here.

use crate::a64::{self, A64Id, A64Receipt};
use crate::error::Code;
use crate::events::EventKind;
use crate::ids::*;
use crate::model::{AccountKind, CooperativeApproach, Project, Role, Text};
use crate::protocol::A64Units;
use crate::state::{keys, ReadStore, StateExt, Store};
use crate::tx::context::{Checks, Ctx};
use crate::tx::issue::lines::{self, Line};
use crate::tx::issue::{emit_first_transfer, mint_line};
use crate::tx::{guards, movement};

/// A receipt request.
#[derive(Debug)]
pub struct Request<'a> {
    /// The approach that tracks the units.
    pub ca: &'a CaId,
    /// The 6.4 activity, registered as a project of `ca`.
    pub activity: &'a ProjectId,
    /// Vintage.
    pub vintage: u16,
    /// The A6.4ERs.
    pub units: &'a A64Units,
    /// The receiving account.
    pub to: &'a AccountId,
    /// The host's authorization.
    pub authorization: &'a AuthId,
}

/// RECEIVE_A64_UNITS.
pub fn apply<S: Store + ?Sized>(st: &mut S, cx: &Ctx, ck: &mut Checks, req: &Request<'_>) {
    // R10: the mechanism registry's administrator, the secretariat, attests the receipt.
    guards::has_role(cx, ck, Role::Secretariat, "receiving A6.4ERs from the mechanism registry");
    let ca = guards::active_ca(st, ck, req.ca);
    if let Some(ca) = &ca {
        // R6: only an approach whose underlying unit registry is the mechanism's.
        ck.ensure(a64::is_mechanism_approach(ca), Code::NotAMechanismApproach, || {
            format!(
                "{} tracks units of {}, not A6.4ERs of the mechanism registry {}",
                ca.id,
                ca.underlying_registry,
                a64::MECHANISM_REGISTRY
            )
        });
    }
    let project = st.project(req.activity);
    ck.ensure(project.as_ref().is_some_and(|p| &p.ca == req.ca), Code::InvalidMessage, || {
        format!("activity {} is not registered under {}", req.activity, req.ca)
    });
    let range = identifiers(ck, req, project.as_ref());
    let (Some(ca), Some(project), Some((first, last))) = (ca, project, range) else {
        return;
    };
    if let Some(earlier) = a64::received_before(st, req.activity, req.vintage, first.serial, last.serial) {
        ck.fail(
            Code::A64AlreadyReceived,
            format!(
                "A6.4ERs {}..{} of {} were received by transaction {} at height {}",
                earlier.a64_id(earlier.first),
                earlier.a64_id(earlier.last),
                req.activity,
                earlier.tx,
                earlier.height
            ),
        );
    }
    let Some(line) = receiving_line(st, cx, ck, &ca, &project, req) else {
        return;
    };
    let lines = [line];
    lines::check_together(st, ck, &ca, &project, req.vintage, &lines);
    if !ck.ok() {
        return;
    }
    let [line] = lines;
    execute(st, cx, req, &project, &line, (&first, &last));
}

/// R3, R4 on the A6.4ER identifiers: well formed, of the named activity, host and
/// vintage, ordered, and as many as the quantity.
fn identifiers(ck: &mut Checks, req: &Request<'_>, project: Option<&Project>) -> Option<(A64Id, A64Id)> {
    let (first, last) = match (A64Id::parse(req.units.first.as_str()), A64Id::parse(req.units.last.as_str()))
    {
        (Ok(a), Ok(b)) => (a, b),
        (a, b) => {
            for err in [a.err(), b.err()].into_iter().flatten() {
                ck.fail(Code::InvalidUnitIdentifier, err);
            }
            return None;
        }
    };
    let mut ok = true;
    for id in [&first, &last] {
        let host_ok = project.is_none_or(|p| p.host == id.host);
        ok &= ck.ensure(
            &id.activity == req.activity && id.vintage == req.vintage && host_ok,
            Code::InvalidUnitIdentifier,
            || {
                format!(
                    "{id} is not an A6.4ER of activity {} vintage {} of its host",
                    req.activity, req.vintage
                )
            },
        );
    }
    ok &= ck.ensure(first.serial <= last.serial, Code::InvalidUnitIdentifier, || {
        format!("the first serial {} is after the last {}", first.serial, last.serial)
    });
    if ok {
        let size = last.serial - first.serial + 1;
        ok &= ck.ensure(req.units.quantity == size, Code::InvalidQuantity, || {
            format!("quantity {} given for {size} A6.4ERs ({first}..{last})", req.units.quantity)
        });
    }
    ok.then_some((first, last))
}

/// The receiving account (R8, R9, R11: a HOLDING account of a participant, R6) and the
/// authorization (R18–R23, R27 as for an issuance line), and the reporting years (R38).
fn receiving_line<S: ReadStore + ?Sized>(
    st: &S,
    cx: &Ctx,
    ck: &mut Checks,
    ca: &CooperativeApproach,
    project: &Project,
    req: &Request<'_>,
) -> Option<Line> {
    let account = guards::account(st, ck, req.to);
    if let Some(account) = &account {
        guards::account_active(ck, account);
        guards::account_kind(ck, account, &[AccountKind::Holding], "a receipt of A6.4ERs");
        guards::party_in_ca(ck, ca, &account.registry.party(), "receiving");
        guards::year_open(st, cx, ck, &account.registry.party());
    }
    guards::year_open(st, cx, ck, &project.host);
    let party = account.as_ref().map(|a| a.registry.party())?;
    let year = cx.time.year();
    let auth = lines::line_authorization(st, ck, ca, project, req.vintage, req.authorization, &party, year)?;
    Some(Line { account: account?, quantity: req.units.quantity, auth: Some(auth) })
}

/// Stores the units at the next serials of (approach, host), records the receipt, and
/// emits the receipt and any first transfer and acquisition.
fn execute<S: Store + ?Sized>(
    st: &mut S,
    cx: &Ctx,
    req: &Request<'_>,
    project: &Project,
    line: &Line,
    (first, last): (&A64Id, &A64Id),
) {
    let next = st.next_serial(req.ca, &project.host);
    let block = mint_line(st, req.ca, req.vintage, project, line, next);
    st.write(keys::next_serial(req.ca, &project.host), &(block.last + 1));
    let receipt = A64Receipt {
        ca: block.ca.clone(),
        ftp: block.ftp.clone(),
        first: block.first,
        last: block.last,
        activity: req.activity.clone(),
        vintage: req.vintage,
        mechanism_first: first.serial,
        tx: cx.tx,
        height: cx.height,
    };
    a64::record(st, &receipt);
    let kind = EventKind::Received {
        account: line.account.id.clone(),
        a64_first: Text::new(&first.to_string()).expect("identifiers are short"),
        a64_last: Text::new(&last.to_string()).expect("identifiers are short"),
    };
    let units = Some(block);
    movement::emit(st, cx, Some(line.account.registry.clone()), kind, units.clone());
    emit_first_transfer(st, cx, project, line, units);
}
