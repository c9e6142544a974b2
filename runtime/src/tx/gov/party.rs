//! Admitting a Party (R45): its record, registry, designated authority and officers, and
//! optionally a validator that joins the set two heights after the decision.

use super::officer;
use super::validators;
use crate::error::Code;
use crate::events::{EventKind, OfficerChange};
use crate::limits::{GOV_EFFECT_DELAY_BLOCKS, GOV_OFFICERS_MAX};
use crate::model::{Holder, Officer, Role};
use crate::protocol::GovChange;
use crate::state::{keys, ReadStore, StateExt, Store};
use crate::tx::context::{Checks, Ctx};
use crate::tx::movement;

/// R45: the admission is well formed and names nothing that exists; its validator, if
/// any, can join two heights after this block (proposal `id`).
pub fn check<S: ReadStore + ?Sized>(st: &S, cx: &Ctx, ck: &mut Checks, id: u64, change: &GovChange) {
    let GovChange::AdmitParty { party, registry, authority, officers, validator } = change else { return };
    let code = &party.code;
    ck.ensure(st.party(code).is_none(), Code::PartyAlreadyAdmitted, || format!("{code} is already a Party"));
    ck.ensure(st.registry(&registry.id).is_none(), Code::PartyAlreadyAdmitted, || {
        format!("registry {} already exists", registry.id)
    });
    // R2: the registry is the Party's, the NDC periods are years from 2021.
    ck.ensure(&registry.id.party() == code, Code::InvalidMessage, || {
        format!("registry {} is not a registry of {code}", registry.id)
    });
    for period in &party.ndc_periods {
        ck.ensure(
            period.years.first <= period.years.last && period.years.first >= 2021,
            Code::InvalidMessage,
            || format!("NDC period {} is empty or starts before 2021", period.years),
        );
    }
    ck.ensure(officers.len() < GOV_OFFICERS_MAX, Code::InvalidMessage, || {
        format!("an admission brings at most {GOV_OFFICERS_MAX} officers")
    });
    // R45: the authority is the new Party's designated authority.
    ck.ensure(
        authority.roles.contains(&Role::DesignatedAuthority(code.clone())),
        Code::RoleNotOfParty,
        || format!("the admitted authority {} is not designated authority of {code}", authority.name),
    );
    let own = |role: &Role| match role {
        Role::DesignatedAuthority(p) | Role::AccountHolder(Holder::Party(p)) => p == code,
        Role::RegistryAdmin(r) => r == &registry.id,
        _ => false,
    };
    let all: Vec<&Officer> = std::iter::once(authority).chain(officers).collect();
    officer::check_new_all(st, ck, &all, &own, code.as_str());
    if let Some(v) = validator {
        let add = v.joining(code);
        let at = validators::Slot { height: cx.height + GOV_EFFECT_DELAY_BLOCKS, proposal: id };
        validators::check_schedule(st, ck, &add, at, true);
    }
}

/// R45: writes the admitted Party, its registry and officers; schedules its validator.
pub fn admit<S: Store + ?Sized>(st: &mut S, cx: &Ctx, id: u64, change: &GovChange) {
    let GovChange::AdmitParty { party, registry, authority, officers, validator } = change else { return };
    st.write(keys::party(&party.code), party);
    st.write(keys::registry(&registry.id), registry);
    for o in std::iter::once(authority).chain(officers) {
        st.write(keys::officer(&o.public_key), o);
        let kind = EventKind::OfficerChanged {
            party: Some(party.code.clone()),
            officer: o.name.clone(),
            change: OfficerChange::Added,
        };
        movement::emit(st, cx, None, kind, None);
    }
    movement::emit(st, cx, None, EventKind::PartyAdmitted { party: party.code.clone() }, None);
    if let Some(v) = validator {
        validators::schedule(st, cx, id, cx.height + GOV_EFFECT_DELAY_BLOCKS, &v.joining(&party.code));
    }
}
