//! Authorizations: creating one (version 1), attaching it to mitigation outcomes
//! (AUTHORIZE), changing it (AUTH_CHANGE) and revoking it (AUTH_REVOKE). Every change
//! is a new immutable version (R24); units already first transferred stay bound to the
//! version in force at their first transfer (R25).

use crate::error::Code;
use crate::events::{EventKind, FirstTransferSubtype};
use crate::ids::*;
use crate::limits::SET_LEN_MAX;
use crate::model::*;
use crate::protocol::{Amendment, UnitsSpec};
use crate::state::{keys, AuthMeta, ReadStore, StateExt, Store};
use crate::tx::context::{Checks, Ctx};
use crate::tx::guards;
use crate::tx::movement::{self, Trigger};
use crate::tx::select::{self, Needs};
use crate::tx::transfer_external::first_transfer_checks;
use crate::units::{AuthBinding, UnitBlock};

/// R2: the terms are complete and consistent.
fn terms_well_formed(ck: &mut Checks, terms: &AuthorizationTerms) {
    ck.ensure(!terms.purposes.is_empty(), Code::InvalidMessage, || {
        "an authorization names at least one purpose".into()
    });
    let oimp = includes_oimp(&terms.purposes);
    ck.ensure(!oimp || terms.first_transfer.is_some(), Code::InvalidMessage, || {
        "an authorization for OIMP states its first-transfer definition".into()
    });
    ck.ensure(!terms.purposes.contains(&Purpose::IMP) || terms.oimp.is_some(), Code::InvalidMessage, || {
        "an authorization for IMP names the OIMP authorized (e.g. CORSIA)".into()
    });
    let sizes = [
        terms.sectors.len(),
        terms.activity_types.len(),
        terms.parties.as_ref().map_or(0, |s| s.len()),
        terms.entities.as_ref().map_or(0, |s| s.len()),
    ];
    ck.ensure(sizes.iter().all(|n| *n <= SET_LEN_MAX), Code::InvalidMessage, || {
        format!("sets hold at most {SET_LEN_MAX} elements")
    });
    for range in [terms.occurred, terms.use_period].into_iter().flatten() {
        ck.ensure(range.first <= range.last, Code::InvalidMessage, || format!("timeframe {range} is empty"));
    }
    if let Some(occurred) = terms.occurred {
        // R23: mitigation from 2021 onward.
        ck.ensure(occurred.first >= 2021, Code::VintageBefore2021, || {
            format!("the Occurred timeframe {occurred} starts before 2021")
        });
    }
}

/// The first transferring Party's designated authority creates an authorization.
pub fn create<S: Store + ?Sized>(st: &mut S, cx: &Ctx, ck: &mut Checks, terms: &AuthorizationTerms) {
    let party = cx.officer.as_ref().and_then(|o| {
        o.roles.iter().find_map(|r| match r {
            Role::DesignatedAuthority(p) => Some(p.clone()),
            _ => None,
        })
    });
    // R10: only a designated authority authorizes.
    let Some(party) = party else {
        ck.fail(Code::UnauthorizedSigner, format!("{} is no Party's designated authority", cx.who()));
        return;
    };
    terms_well_formed(ck, terms);
    ck.ensure(st.auth_meta(&terms.id).is_none(), Code::InvalidMessage, || {
        format!("authorization {} already exists", terms.id)
    });
    if let Some(ca) = guards::active_ca(st, ck, &terms.ca) {
        guards::party_in_ca(ck, &ca, &party, "authorizing");
        guards::party_eligible(st, ck, &ca, &party);
    }
    guards::year_open(st, cx, ck, &party);
    if !ck.ok() {
        return;
    }
    let auth =
        Authorization { party, version: 1, date: cx.time, status: AuthStatus::Active, terms: terms.clone() };
    store_version(st, cx, &auth, AuthMeta { latest: 1, ..AuthMeta::default() });
}

fn store_version<S: Store + ?Sized>(st: &mut S, cx: &Ctx, auth: &Authorization, meta: AuthMeta) {
    st.write(keys::auth(&auth.terms.id, auth.version), auth);
    st.write(keys::auth_meta(&auth.terms.id), &meta);
    let kind = EventKind::AuthorizationVersion {
        authorization: auth.terms.id.clone(),
        version: auth.version,
        status: auth.status,
    };
    movement::emit(st, cx, None, kind, None);
}

/// R20 (scope), R23 (vintage floor), R27 (NDC period) for units of `project` and
/// `vintage` under `auth`.
pub fn scope_checks<S: ReadStore + ?Sized>(
    st: &S,
    ck: &mut Checks,
    auth: &Authorization,
    project: &Project,
    vintage: u16,
) {
    guards::in_scope(ck, auth, project, vintage);
    ck.ensure(vintage >= 2021, Code::VintageBefore2021, || format!("vintage {vintage} is before 2021"));
    let inside = st.party(&auth.party).is_some_and(|p| p.in_ndc_period(vintage));
    ck.ensure(inside, Code::VintageOutsideNdcPeriod, || {
        format!("vintage {vintage} is outside {}'s NDC periods", auth.party)
    });
}

/// R21: `extra` more units fit under the authorization's cap.
pub fn cap_check(ck: &mut Checks, auth: &Authorization, meta: &AuthMeta, extra: u64) {
    if let Some(cap) = auth.terms.quantity {
        let total = meta.attached.saturating_add(extra);
        ck.ensure(total <= cap, Code::AuthorizedQuantityExceeded, || {
            format!(
                "authorization {} caps {cap} units; {} attached, {extra} more requested",
                auth.terms.id, meta.attached
            )
        });
    }
}

/// R10, R19: the signer is the designated authority of the units' first transferring
/// Party, and the authorization is that Party's.
fn authorizer_checks(cx: &Ctx, ck: &mut Checks, auth: Option<&Authorization>, ftp: &Party) {
    let own = cx.has_role(&Role::DesignatedAuthority(ftp.clone()));
    ck.ensure(own, Code::UnauthorizedSigner, || {
        format!("{} is not the designated authority of {ftp}", cx.who())
    });
    let other_authority = cx
        .officer
        .as_ref()
        .is_some_and(|o| o.roles.iter().any(|r| matches!(r, Role::DesignatedAuthority(p) if p != ftp)));
    let wrong_party = auth.is_some_and(|a| &a.party != ftp);
    ck.ensure((own || !other_authority) && !wrong_party, Code::AuthorizerNotFtp, || {
        format!("only {ftp}, the first transferring Party, may authorize these units")
    });
}

/// AUTHORIZE: attach an authorization to unauthorized units held in `account`.
pub fn attach<S: Store + ?Sized>(
    st: &mut S,
    cx: &Ctx,
    ck: &mut Checks,
    ca_id: &CaId,
    account_id: &AccountId,
    units: &UnitsSpec,
    auth_id: &AuthId,
) {
    let ca = guards::active_ca(st, ck, ca_id);
    let account = guards::account(st, ck, account_id);
    if let Some(account) = &account {
        guards::account_active(ck, account);
        guards::can_send(ck, account);
    }
    let auth = st.authorization_latest(auth_id);
    ck.ensure(auth.is_some(), Code::InvalidMessage, || format!("authorization {auth_id} does not exist"));
    let metric = ca.as_ref().map(|c| &c.metric);
    let Some(selection) = select::select(st, ck, ca_id, metric, units, Needs::movement(account_id)) else {
        return;
    };
    let head: UnitBlock = selection.head().clone();
    authorizer_checks(cx, ck, auth.as_ref(), &head.ftp);
    guards::year_open(st, cx, ck, &head.ftp);
    ck.ensure(head.attrs.authorization.is_none(), Code::AuthChangeNotPermitted, || {
        let current = head.attrs.authorization.as_ref().map(|b| b.id.to_string()).unwrap_or_default();
        format!("units {} already carry authorization {current}", head.range_text())
    });
    let (Some(auth), Some(ca)) = (auth, ca) else {
        return;
    };
    ck.ensure(auth.status == AuthStatus::Active, Code::AuthorizationNotActive, || {
        format!("authorization {auth_id} is revoked")
    });
    guards::party_eligible(st, ck, &ca, &head.ftp);
    let project = st.project(&head.attrs.project).expect("units name registered projects");
    scope_checks(st, ck, &auth, &project, head.attrs.vintage);
    let mut meta = st.auth_meta(auth_id).expect("authorizations have metadata");
    cap_check(ck, &auth, &meta, selection.quantity());
    let first = movement::triggers(&auth, Trigger::Authorization);
    if first {
        first_transfer_checks(st, ck, &ca, &head, &head.ftp);
    }
    if !ck.ok() {
        return;
    }
    meta.attached += selection.quantity();
    st.write(keys::auth_meta(auth_id), &meta);
    let mut moved = Vec::new();
    for piece in &selection.pieces {
        let mut attrs = piece.attrs.clone();
        attrs.authorization = Some(AuthBinding { id: auth_id.clone(), bound_version: None });
        if first {
            movement::mark_first_transferred(st, &mut attrs);
        }
        moved.push(movement::rewrite(st, piece, attrs));
    }
    let registry = st.account(account_id).map(|a| a.registry);
    for block in movement::coalesce(moved) {
        let kind = EventKind::Authorized {
            authorization: auth_id.clone(),
            version: auth.version,
            account: account_id.clone(),
        };
        movement::emit(st, cx, registry.clone(), kind, Some(block.clone()));
        if first {
            let purpose = auth.terms.oimp.clone();
            let kind = EventKind::FirstTransfer {
                subtype: FirstTransferSubtype::Authorization,
                acquiring: None,
                user: None,
                purpose,
            };
            movement::emit(st, cx, registry.clone(), kind, Some(block));
        }
    }
}

/// The authorization and its metadata, if the signer is its Party's designated
/// authority (R10, R24).
fn own_authorization<S: ReadStore + ?Sized>(
    st: &S,
    cx: &Ctx,
    ck: &mut Checks,
    id: &AuthId,
) -> Option<(Authorization, AuthMeta)> {
    let Some(auth) = st.authorization_latest(id) else {
        ck.fail(Code::InvalidMessage, format!("authorization {id} does not exist"));
        return None;
    };
    guards::has_role(cx, ck, Role::DesignatedAuthority(auth.party.clone()), "changing an authorization");
    guards::year_open(st, cx, ck, &auth.party);
    // R6: the authorization's cooperative approach is known and active.
    guards::active_ca(st, ck, &auth.terms.ca);
    ck.ensure(auth.status == AuthStatus::Active, Code::AuthChangeNotPermitted, || {
        format!("authorization {id} is revoked; it cannot change")
    });
    let meta = st.auth_meta(id).expect("authorizations have metadata");
    Some((auth, meta))
}

/// R25: no change acts retroactively on units already first transferred.
fn prospective_only(ck: &mut Checks, id: &AuthId, retroactive: bool, meta: &AuthMeta) {
    ck.ensure(!retroactive, Code::AuthChangeAffectsFirstTransferred, || {
        format!("changes to {id} apply only to units not yet first transferred ({} are); retroactive changes are refused", meta.first_transferred)
    });
}

/// The change kinds an amendment makes, and the terms it results in.
fn amend(terms: &AuthorizationTerms, a: &Amendment) -> (Vec<ChangeKind>, AuthorizationTerms) {
    let mut kinds = Vec::new();
    let mut new = terms.clone();
    if let Some(p) = &a.purposes {
        kinds.push(ChangeKind::Purposes);
        new.purposes = p.clone();
    }
    let mut edit_set = |add: &std::collections::BTreeSet<_>,
                        remove: &std::collections::BTreeSet<_>,
                        set: &mut Option<std::collections::BTreeSet<_>>,
                        k_add,
                        k_remove| {
        if !add.is_empty() {
            kinds.push(k_add);
            set.get_or_insert_with(Default::default).extend(add.iter().cloned());
        }
        if !remove.is_empty() {
            kinds.push(k_remove);
            if let Some(s) = set.as_mut() {
                s.retain(|x| !remove.contains(x));
            }
        }
    };
    edit_set(
        &a.add_parties,
        &a.remove_parties,
        &mut new.parties,
        ChangeKind::AddParties,
        ChangeKind::RemoveParties,
    );
    let mut entity_kinds = Vec::new();
    if !a.add_entities.is_empty() {
        entity_kinds.push(ChangeKind::AddEntities);
        new.entities.get_or_insert_with(Default::default).extend(a.add_entities.iter().cloned());
    }
    if !a.remove_entities.is_empty() {
        entity_kinds.push(ChangeKind::RemoveEntities);
        if let Some(s) = new.entities.as_mut() {
            s.retain(|x| !a.remove_entities.contains(x));
        }
    }
    kinds.extend(entity_kinds);
    if let Some(q) = a.quantity {
        kinds.push(ChangeKind::Quantity);
        new.quantity = Some(q);
    }
    if a.sectors.is_some() || a.activity_types.is_some() || a.mitigation_types.is_some() {
        kinds.push(ChangeKind::Scope);
        new.sectors = a.sectors.clone().unwrap_or(new.sectors);
        new.activity_types = a.activity_types.clone().unwrap_or(new.activity_types);
        new.mitigation_types = a.mitigation_types.clone().unwrap_or(new.mitigation_types);
    }
    if a.occurred.is_some() || a.use_period.is_some() {
        kinds.push(ChangeKind::Timeframe);
        new.occurred = a.occurred.or(new.occurred);
        new.use_period = a.use_period.or(new.use_period);
    }
    if let Some(o) = &a.oimp {
        kinds.push(ChangeKind::Oimp);
        new.oimp = Some(o.clone());
    }
    if let Some(f) = a.first_transfer {
        kinds.push(ChangeKind::FirstTransferDefinition);
        new.first_transfer = Some(f);
    }
    if let Some(t) = &a.terms {
        kinds.push(ChangeKind::Terms);
        new.terms = t.clone();
    }
    (kinds, new)
}

/// AUTH_CHANGE: a new version within the authorization's change conditions.
pub fn change<S: Store + ?Sized>(
    st: &mut S,
    cx: &Ctx,
    ck: &mut Checks,
    id: &AuthId,
    amendment: &Amendment,
    retroactive: bool,
) {
    let Some((auth, mut meta)) = own_authorization(st, cx, ck, id) else {
        return;
    };
    let (kinds, terms) = amend(&auth.terms, amendment);
    ck.ensure(!kinds.is_empty(), Code::InvalidMessage, || "the amendment changes nothing".into());
    // R24: every change is permitted by the recorded conditions.
    for kind in &kinds {
        ck.ensure(
            auth.terms.change_conditions.permitted.contains(kind),
            Code::AuthChangeNotPermitted,
            || {
                format!(
                    "the change conditions of {id} (\"{}\") do not permit the change {}",
                    auth.terms.change_conditions.text,
                    guards::named(kind)
                )
            },
        );
    }
    prospective_only(ck, id, retroactive, &meta);
    terms_well_formed(ck, &terms);
    if let Some(cap) = terms.quantity {
        ck.ensure(cap >= meta.attached, Code::AuthorizedQuantityExceeded, || {
            format!("the new cap {cap} is below the {} units already attached", meta.attached)
        });
    }
    if !ck.ok() {
        return;
    }
    meta.latest += 1;
    let next = Authorization {
        party: auth.party,
        version: meta.latest,
        date: cx.time,
        status: AuthStatus::Active,
        terms,
    };
    store_version(st, cx, &next, meta);
}

/// AUTH_REVOKE: a new version with status REVOKED, effective from the action date, for
/// units not yet first transferred only (R25, R26).
pub fn revoke<S: Store + ?Sized>(st: &mut S, cx: &Ctx, ck: &mut Checks, id: &AuthId, retroactive: bool) {
    let Some((auth, mut meta)) = own_authorization(st, cx, ck, id) else {
        return;
    };
    ck.ensure(
        auth.terms.change_conditions.permitted.contains(&ChangeKind::Revoke),
        Code::AuthChangeNotPermitted,
        || {
            format!(
                "the change conditions of {id} (\"{}\") do not permit revocation",
                auth.terms.change_conditions.text
            )
        },
    );
    prospective_only(ck, id, retroactive, &meta);
    if !ck.ok() {
        return;
    }
    meta.latest += 1;
    let next = Authorization { version: meta.latest, date: cx.time, status: AuthStatus::Revoked, ..auth };
    store_version(st, cx, &next, meta);
}

/// R28: a client never classifies a first transfer. A declaration on units already first
/// transferred is refused with `A6-5002`; on other units it is an invalid message.
pub fn declare_first_transfer<S: ReadStore + ?Sized>(
    st: &S,
    ck: &mut Checks,
    ca: &CaId,
    account: &AccountId,
    units: &UnitsSpec,
) {
    // R6: the named cooperative approach is known and active.
    let metric = guards::active_ca(st, ck, ca).map(|c| c.metric);
    let needs = Needs { holder: Some(account), not_terminal: false, not_reserved: false, not_on_hold: false };
    let Some(selection) = select::select(st, ck, ca, metric.as_ref(), units, needs) else {
        return;
    };
    if selection.pieces.iter().any(|p| p.attrs.first_transferred) {
        ck.fail(
            Code::FirstTransferAlreadyRecorded,
            format!(
                "units {} are already first transferred; a first transfer is recorded once (R30)",
                selection.head().range_text()
            ),
        );
    } else {
        ck.fail(
            Code::InvalidMessage,
            "first transfers are classified by the runtime from the action that causes them (R28); submit that action",
        );
    }
}
