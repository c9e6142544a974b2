//! Governance (issue 11): how the network changes. Parties, cooperative approaches,
//! officers, keys, validators, observers and the software upgrade plan are chain state;
//! these modules change them, each guard citing its rule (R43–R51, docs/governance.md)
//! and each rejection an `A6-9nnn` code.
//!
//! Changes that bind every Party (admitting a Party, a new approach, validator changes,
//! upgrades) go through a proposal ([`proposal`]); a Party's own officers and observers
//! are changed by its designated authority directly ([`officer`], [`rotation`],
//! [`observer`]).

mod approach;
pub mod evidence;
pub mod observer;
pub mod officer;
mod party;
pub mod proposal;
pub mod read;
mod records;
pub mod rotation;
pub mod upgrade;
pub mod validators;

pub use records::*;
pub use upgrade::{required_protocol_version, upgrade_at};
pub use validators::{changes_at, consensus_set, sets_after, validators_at, Sets};

use crate::ids::Party;
use crate::model::{Holder, Role};
use crate::state::{ReadStore, StateExt, Store};
use crate::tx::context::{BlockContext, Checks, Ctx};
use crate::tx::guards;

/// The Party a role acts for: a registry's Party, an entity's country of incorporation;
/// none for the secretariat.
pub fn role_party<S: ReadStore + ?Sized>(st: &S, role: &Role) -> Option<Party> {
    match role {
        Role::DesignatedAuthority(p) | Role::JcRepresentative { party: p, .. } => Some(p.clone()),
        Role::RegistryAdmin(r) => Some(r.party()),
        Role::AccountHolder(Holder::Party(p)) => Some(p.clone()),
        Role::AccountHolder(Holder::Entity(e)) => st.entity(e).map(|e| e.country),
        Role::Secretariat => None,
    }
}

/// R10, R44: the signer is a designated authority; the Party it acts for (the first in
/// order if it is the authority of several).
pub(crate) fn authority(cx: &Ctx, ck: &mut Checks, action: &str) -> Option<Party> {
    let party = cx.officer.as_ref().and_then(|o| {
        o.roles.iter().find_map(|r| match r {
            Role::DesignatedAuthority(p) => Some(p.clone()),
            _ => None,
        })
    });
    ck.ensure(party.is_some(), crate::error::Code::UnauthorizedSigner, || {
        format!("{action} needs a Party's designated authority; {} is not", cx.who())
    });
    party
}

/// R10, R47: the signer is the designated authority of `party`.
pub(crate) fn authority_of(cx: &Ctx, ck: &mut Checks, party: &Party, action: &str) -> bool {
    guards::has_role(cx, ck, Role::DesignatedAuthority(party.clone()), action)
}

/// Runs governance's block-time rules: proposals past their deadline expire (R43),
/// validator changes due at this height take effect (R49), an upgrade reaching its
/// height is executed (R51).
pub fn begin_block<S: Store + ?Sized>(st: &mut S, block: &BlockContext) {
    proposal::expire(st, block);
    validators::apply_due(st, block);
    upgrade::reach(st, block);
}

#[cfg(test)]
mod tests;
