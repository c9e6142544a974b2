//! Officers (R47): a Party's designated authority adds, removes and changes the roles of
//! its own officers, without a proposal. Also the checks every new officer passes, for
//! admissions (R45) and new approaches (R46) too.

use std::collections::BTreeSet;

use super::records::GovState;
use super::role_party;
use crate::crypto::PublicKey;
use crate::error::Code;
use crate::events::{EventKind, OfficerChange};
use crate::ids::{OfficerName, Party};
use crate::limits::OFFICER_ROLES_MAX;
use crate::model::{Officer, Role};
use crate::state::{keys, ReadStore, StateExt, Store};
use crate::tx::context::{Checks, Ctx};
use crate::tx::guards::role_text;
use crate::tx::movement;

/// The officer named `name`, if any.
pub fn by_name<S: ReadStore + ?Sized>(st: &S, name: &OfficerName) -> Option<Officer> {
    st.read_all::<Officer>(keys::prefix::OFFICER).into_iter().find(|o| &o.name == name)
}

/// The Party every role of the officer acts for, if they all act for one.
pub fn officer_party<S: ReadStore + ?Sized>(st: &S, officer: &Officer) -> Option<Party> {
    let parties: BTreeSet<Option<Party>> = officer.roles.iter().map(|r| role_party(st, r)).collect();
    match parties.into_iter().collect::<Vec<_>>().as_slice() {
        [Some(p)] => Some(p.clone()),
        _ => None,
    }
}

/// R47, R48: new officers: roles that `own` allows, at most [`OFFICER_ROLES_MAX`] each;
/// keys and names that no officer has (and distinct among them); no retired key.
pub fn check_new_all<S: ReadStore + ?Sized>(
    st: &S,
    ck: &mut Checks,
    officers: &[&Officer],
    own: &dyn Fn(&Role) -> bool,
    party: &str,
) {
    let mut keys_seen = BTreeSet::new();
    let mut names_seen = BTreeSet::new();
    for o in officers {
        ck.ensure(!o.roles.is_empty() && o.roles.len() <= OFFICER_ROLES_MAX, Code::InvalidMessage, || {
            format!("officer {} needs 1 to {OFFICER_ROLES_MAX} roles", o.name)
        });
        for role in &o.roles {
            // R47: a Party grants only roles of its own.
            ck.ensure(own(role), Code::RoleNotOfParty, || {
                format!("{party} cannot make officer {} {}", o.name, role_text(role))
            });
        }
        let fresh = keys_seen.insert(o.public_key) && names_seen.insert(o.name.clone());
        ck.ensure(fresh, Code::OfficerExists, || format!("officer {} or its key is listed twice", o.name));
        ck.ensure(st.officer(&o.public_key).is_none(), Code::OfficerExists, || {
            format!("key {} is already an officer's key", o.public_key)
        });
        ck.ensure(by_name(st, &o.name).is_none(), Code::OfficerExists, || {
            format!("an officer named {} exists", o.name)
        });
        // R48: a rotated-away or revoked key never comes back.
        ck.ensure(st.retired(&o.public_key).is_none(), Code::KeyRetired, || {
            format!("key {} of {} was retired and can never be an officer's key again", o.public_key, o.name)
        });
    }
}

/// R47: the officer with `key` exists and acts for `party` alone.
pub fn of_party<S: ReadStore + ?Sized>(
    st: &S,
    ck: &mut Checks,
    party: &Party,
    key: &PublicKey,
) -> Option<Officer> {
    let found = st.officer(key).filter(|o| officer_party(st, o).as_ref() == Some(party));
    ck.ensure(found.is_some(), Code::UnknownOfficer, || format!("key {key} is not an officer of {party}"));
    found
}

/// R47: after replacing `key`'s roles by `roles` (none: removed), `party` keeps a
/// designated authority.
pub fn keeps_authority<S: ReadStore + ?Sized>(
    st: &S,
    ck: &mut Checks,
    party: &Party,
    key: &PublicKey,
    roles: &BTreeSet<Role>,
) -> bool {
    let da = Role::DesignatedAuthority(party.clone());
    let others = st
        .read_all::<Officer>(keys::prefix::OFFICER)
        .into_iter()
        .any(|o| &o.public_key != key && o.roles.contains(&da));
    ck.ensure(others || roles.contains(&da), Code::LastAuthority, || {
        format!("{party} would be left without a designated authority")
    })
}

fn own_roles<'a, S: ReadStore + ?Sized>(st: &'a S, party: &'a Party) -> impl Fn(&Role) -> bool + 'a {
    move |role: &Role| role_party(st, role).as_ref() == Some(party)
}

fn emit<S: Store + ?Sized>(st: &mut S, cx: &Ctx, party: &Party, name: &OfficerName, change: OfficerChange) {
    let kind = EventKind::OfficerChanged { party: Some(party.clone()), officer: name.clone(), change };
    movement::emit(st, cx, None, kind, None);
}

/// R47: the Party's designated authority adds an officer with roles of the Party.
pub fn add<S: Store + ?Sized>(st: &mut S, cx: &Ctx, ck: &mut Checks, party: &Party, officer: &Officer) {
    super::authority_of(cx, ck, party, "adding an officer");
    check_new_all(st, ck, &[officer], &own_roles(st, party), party.as_str());
    if !ck.ok() {
        return;
    }
    st.write(keys::officer(&officer.public_key), officer);
    emit(st, cx, party, &officer.name, OfficerChange::Added);
}

/// R47: the Party's designated authority removes one of its officers.
pub fn remove<S: Store + ?Sized>(st: &mut S, cx: &Ctx, ck: &mut Checks, party: &Party, key: &PublicKey) {
    super::authority_of(cx, ck, party, "removing an officer");
    let Some(officer) = of_party(st, ck, party, key) else { return };
    keeps_authority(st, ck, party, key, &BTreeSet::new());
    if !ck.ok() {
        return;
    }
    st.delete(&keys::officer(key));
    emit(st, cx, party, &officer.name, OfficerChange::Removed);
}

/// R47: the Party's designated authority replaces an officer's roles.
pub fn set_roles<S: Store + ?Sized>(
    st: &mut S,
    cx: &Ctx,
    ck: &mut Checks,
    party: &Party,
    key: &PublicKey,
    roles: &BTreeSet<Role>,
) {
    super::authority_of(cx, ck, party, "changing an officer's roles");
    let Some(mut officer) = of_party(st, ck, party, key) else { return };
    ck.ensure(!roles.is_empty() && roles.len() <= OFFICER_ROLES_MAX, Code::InvalidMessage, || {
        format!("an officer needs 1 to {OFFICER_ROLES_MAX} roles; remove it instead")
    });
    for role in roles {
        ck.ensure(role_party(st, role).as_ref() == Some(party), Code::RoleNotOfParty, || {
            format!("{party} cannot make officer {} {}", officer.name, role_text(role))
        });
    }
    keeps_authority(st, ck, party, key, roles);
    if !ck.ok() {
        return;
    }
    officer.roles = roles.clone();
    st.write(keys::officer(key), &officer);
    emit(st, cx, party, &officer.name, OfficerChange::RolesChanged);
}
