//! HOLD and RELEASE (R34): units flagged inconsistent by a CARP consistency check are
//! held until an administrator releases them; both are logged.

use crate::error::Code;
use crate::events::EventKind;
use crate::ids::CaId;
use crate::model::{Role, Text};
use crate::protocol::UnitsSpec;
use crate::state::{StateExt, Store};
use crate::tx::context::{Checks, Ctx};
use crate::tx::select::{self, Needs};
use crate::tx::{guards, movement};

/// Sets (`hold = true`) or clears the hold on a range of units.
pub fn set<S: Store + ?Sized>(
    st: &mut S,
    cx: &Ctx,
    ck: &mut Checks,
    ca: &CaId,
    units: &UnitsSpec,
    reason: &Text,
    hold: bool,
) {
    guards::required_text(ck, reason, "reason");
    let record = guards::active_ca(st, ck, ca);
    // R15, R16: used, cancelled or in-flight units are not touched; R34 itself is what
    // this action sets or clears, and R12 does not apply (no account acts).
    let needs = Needs { holder: None, not_terminal: true, not_reserved: true, not_on_hold: false };
    let metric = record.as_ref().map(|c| &c.metric);
    let Some(selection) = select::select(st, ck, ca, metric, units, needs) else {
        return;
    };
    // R10: the secretariat, or the administrator of the registry holding the units.
    for piece in &selection.pieces {
        let registry = st.account(&piece.attrs.account).map(|a| a.registry).expect("units are in accounts");
        let allowed = cx.has_role(&Role::Secretariat) || cx.has_role(&Role::RegistryAdmin(registry.clone()));
        ck.ensure(allowed, Code::UnauthorizedSigner, || {
            format!("{} administers neither {registry} nor the chain", cx.who())
        });
        // R38: the hold is an action of the registry holding the units.
        guards::year_open(st, cx, ck, &registry.party());
        ck.ensure(piece.attrs.hold != hold, Code::InvalidMessage, || {
            let state = if hold { "already on hold" } else { "not on hold" };
            format!("units {} are {state}", piece.range_text())
        });
    }
    if !ck.ok() {
        return;
    }
    let mut changed = Vec::new();
    for piece in &selection.pieces {
        let mut attrs = piece.attrs.clone();
        attrs.hold = hold;
        changed.push(movement::rewrite(st, piece, attrs));
    }
    for block in movement::coalesce(changed) {
        let registry = st.account(&block.attrs.account).map(|a| a.registry);
        let kind = if hold {
            EventKind::Held { reason: reason.clone() }
        } else {
            EventKind::Released { reason: reason.clone() }
        };
        movement::emit(st, cx, registry, kind, Some(block));
    }
}
