//! Keys (R48): an officer rotates its own key, a Party's designated authority revokes a
//! compromised key of its officer. Either way the old key is retired for good: refused
//! as a signer from the next transaction on and never an officer's key again.

use super::officer;
use super::records::{GovState, RetiredKey, Retirement};
use crate::crypto::PublicKey;
use crate::error::Code;
use crate::events::{EventKind, OfficerChange};
use crate::ids::Party;
use crate::model::Text;
use crate::state::{keys, ReadStore, StateExt, Store};
use crate::tx::context::{Checks, Ctx};
use crate::tx::movement;

/// R48: refuses a signer whose key was retired; returns whether it was.
pub fn refuse_retired<S: ReadStore + ?Sized>(st: &S, cx: &Ctx, ck: &mut Checks) -> bool {
    let Some(retired) = st.retired(&cx.signer) else { return false };
    let why = match &retired.retirement {
        Retirement::Rotated { new_key } => format!("rotated to key {new_key}"),
        Retirement::Revoked { by, reason } => format!("revoked by {by} ({reason})"),
    };
    ck.fail(
        Code::KeyRevoked,
        format!("key {} of officer {} was {why} at height {}", cx.signer, retired.officer, retired.height),
    );
    true
}

fn retire<S: Store + ?Sized>(
    st: &mut S,
    cx: &Ctx,
    key: &PublicKey,
    officer: &crate::model::Officer,
    r: Retirement,
) {
    let record =
        RetiredKey { key: *key, officer: officer.name.clone(), retirement: r, height: cx.height, tx: cx.tx };
    st.write(keys::retired_key(key), &record);
    st.delete(&keys::officer(key));
}

/// R48: the signing officer moves to `new_key`. Nonces belong to keys: the new key
/// signs from its own next nonce (0 for a fresh key); the old key's is never used again.
pub fn rotate<S: Store + ?Sized>(st: &mut S, cx: &Ctx, ck: &mut Checks, new_key: &PublicKey) {
    let Some(mut officer) = cx.officer.clone() else { return }; // R10 refused it already
    ck.ensure(new_key != &cx.signer, Code::InvalidMessage, || "the new key is the key in use".into());
    ck.ensure(st.officer(new_key).is_none(), Code::OfficerExists, || {
        format!("key {new_key} is already an officer's key")
    });
    ck.ensure(st.retired(new_key).is_none(), Code::KeyRetired, || {
        format!("key {new_key} was retired and can never be an officer's key again")
    });
    if !ck.ok() {
        return;
    }
    retire(st, cx, &cx.signer, &officer, Retirement::Rotated { new_key: *new_key });
    officer.public_key = *new_key;
    st.write(keys::officer(new_key), &officer);
    let party = officer::officer_party(st, &officer);
    let kind =
        EventKind::OfficerChanged { party, officer: officer.name.clone(), change: OfficerChange::KeyRotated };
    movement::emit(st, cx, None, kind, None);
}

/// R48: the Party's designated authority revokes a key of one of its officers.
pub fn revoke<S: Store + ?Sized>(
    st: &mut S,
    cx: &Ctx,
    ck: &mut Checks,
    party: &Party,
    key: &PublicKey,
    reason: &Text,
) {
    super::authority_of(cx, ck, party, "revoking a key");
    let Some(target) = officer::of_party(st, ck, party, key) else { return };
    // R47: a Party keeps a designated authority.
    officer::keeps_authority(st, ck, party, key, &Default::default());
    if !ck.ok() {
        return;
    }
    let by = cx.officer.as_ref().map(|o| o.name.clone()).expect("the authority check passed");
    retire(st, cx, key, &target, Retirement::Revoked { by, reason: reason.clone() });
    let kind = EventKind::OfficerChanged {
        party: Some(party.clone()),
        officer: target.name.clone(),
        change: OfficerChange::KeyRevoked,
    };
    movement::emit(st, cx, None, kind, None);
}
