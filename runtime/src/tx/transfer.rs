//! TRANSFER_INTERNAL, and the checks every movement of units shares: the cooperative
//! approach (R6), both accounts (R8, R9, R11), the signer (R10), the units (R3–R4,
//! R12–R17, R34) and the reporting year (R38).

use crate::error::Code;
use crate::events::EventKind;
use crate::ids::*;
use crate::model::{Account, AccountKind, Authorization, CooperativeApproach};
use crate::protocol::UnitsSpec;
use crate::state::{ReadStore, StateExt, Store};
use crate::tx::context::{Checks, Ctx};
use crate::tx::guards;
use crate::tx::movement::{self, effective_authorization};
use crate::tx::select::{self, Needs, Selection};
use crate::units::UnitBlock;

/// The fields every movement payload carries.
#[derive(Debug)]
pub struct Move<'a> {
    /// Cooperative approach named by the message.
    pub ca: &'a CaId,
    /// Source account.
    pub from: &'a AccountId,
    /// Destination account.
    pub to: &'a AccountId,
    /// The units.
    pub units: &'a UnitsSpec,
}

/// What the shared movement checks resolved.
#[derive(Debug)]
pub struct Resolved {
    /// The cooperative approach.
    pub ca: CooperativeApproach,
    /// Source account.
    pub from: Account,
    /// Destination account.
    pub to: Account,
    /// The units.
    pub selection: Selection,
}

/// Where the destination must be, relative to the source's registry (R11).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Destination {
    /// The same registry.
    SameRegistry,
    /// Another Party's registry.
    OtherRegistry,
}

/// The checks shared by every movement. Returns `None` if any prerequisite is missing;
/// failures are in `ck` either way.
pub fn resolve<S: ReadStore + ?Sized>(
    st: &S,
    cx: &Ctx,
    ck: &mut Checks,
    m: &Move<'_>,
    kinds: &[AccountKind],
    destination: Destination,
    action: &str,
) -> Option<Resolved> {
    let ca = guards::active_ca(st, ck, m.ca);
    let from = guards::account(st, ck, m.from);
    let to = guards::account(st, ck, m.to);
    if let Some(from) = &from {
        guards::account_active(ck, from);
        guards::may_operate(cx, ck, from);
        guards::can_send(ck, from);
        if let Some(ca) = &ca {
            guards::party_in_ca(ck, ca, &from.registry.party(), "transferring");
        }
        guards::year_open(st, cx, ck, &from.registry.party());
    }
    if let Some(to) = &to {
        guards::account_active(ck, to);
        guards::account_kind(ck, to, kinds, action);
        if let Some(ca) = &ca {
            guards::party_in_ca(ck, ca, &to.registry.party(), "receiving");
        }
    }
    if let (Some(from), Some(to)) = (&from, &to) {
        // R11: a registry's accounts are written only by actions of that registry.
        let same = from.registry == to.registry;
        let ok = match destination {
            Destination::SameRegistry => same,
            Destination::OtherRegistry => !same,
        };
        ck.ensure(ok, Code::AccountKindNotPermitted, || match destination {
            Destination::SameRegistry => format!(
                "{action} needs both accounts in one registry: {} is in {}, {} in {}",
                from.id, from.registry, to.id, to.registry
            ),
            Destination::OtherRegistry => format!(
                "{action} goes to another Party's registry; {} and {} are both in {}",
                from.id, to.id, from.registry
            ),
        });
        ck.ensure(from.id != to.id, Code::AccountKindNotPermitted, || {
            "the source and destination are the same account".into()
        });
    }
    let metric = ca.as_ref().map(|c| &c.metric);
    let selection = select::select(st, ck, m.ca, metric, m.units, Needs::movement(m.from));
    Some(Resolved { ca: ca?, from: from?, to: to?, selection: selection? })
}

/// R18, R20 (use timeframe) and R26: the authorization governing the selected units, if
/// the action needs one. Units already first transferred are never blocked by a later
/// revocation (R25).
pub fn required_authorization<S: ReadStore + ?Sized>(
    st: &S,
    cx: &Ctx,
    ck: &mut Checks,
    head: &UnitBlock,
    action: &str,
) -> Option<Authorization> {
    let Some(binding) = &head.attrs.authorization else {
        ck.fail(
            Code::NotAuthorized,
            format!("units {} carry no authorization; {action} needs one", head.range_text()),
        );
        return None;
    };
    let auth = effective_authorization(st, binding).expect("bound authorizations exist");
    check_in_force(st, cx, ck, head, &auth);
    Some(auth)
}

/// R20 and R26 on an authorization the units rely on. Units not yet first transferred
/// rely on the latest version, which a change may have narrowed since they were
/// attached, so its scope is checked again; first-transferred units keep their version.
pub fn check_in_force<S: ReadStore + ?Sized>(
    st: &S,
    cx: &Ctx,
    ck: &mut Checks,
    head: &UnitBlock,
    auth: &Authorization,
) {
    let year = cx.time.year();
    let id = &auth.terms.id;
    if !head.attrs.first_transferred {
        // R20: the units are still inside the version in force.
        let project = st.project(&head.attrs.project).expect("units name registered projects");
        guards::in_scope(ck, auth, &project, head.attrs.vintage);
        // R26: not revoked.
        ck.ensure(auth.status == crate::model::AuthStatus::Active, Code::AuthorizationNotActive, || {
            format!("authorization {id} was revoked in version {} on {}", auth.version, auth.date.date())
        });
    }
    if let Some(period) = auth.terms.use_period {
        let expired = year > period.last && !head.attrs.first_transferred;
        let code = if expired { Code::AuthorizationNotActive } else { Code::OutsideAuthorizationScope };
        ck.ensure(period.contains(year), code, || {
            format!("authorization {id} allows use in {period}; the action is dated {year}")
        });
    }
}

/// TRANSFER_INTERNAL: between accounts of one registry. Not an AEF action; the first
/// transfer state travels with the units (R31).
pub fn internal<S: Store + ?Sized>(st: &mut S, cx: &Ctx, ck: &mut Checks, m: &Move<'_>) {
    // R11: TRANSFER_* lands in a HOLDING account; PENDING receives issuance only.
    let kinds = [AccountKind::Holding];
    let Some(r) = resolve(st, cx, ck, m, &kinds, Destination::SameRegistry, "an internal transfer") else {
        return;
    };
    if !ck.ok() {
        return;
    }
    let mut moved = Vec::new();
    for piece in &r.selection.pieces {
        let mut attrs = piece.attrs.clone();
        attrs.account = r.to.id.clone();
        moved.push(movement::rewrite(st, piece, attrs));
    }
    for block in movement::coalesce(moved) {
        let kind = EventKind::TransferredInternal { from: r.from.id.clone(), to: r.to.id.clone() };
        movement::emit(st, cx, Some(r.from.registry.clone()), kind, Some(block));
    }
}
