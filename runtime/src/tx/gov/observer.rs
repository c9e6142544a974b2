//! Observers (R50): nodes that are not validators but may connect (auditors' nodes,
//! read replicas). A Party's designated authority allows them directly, and alone may
//! remove the ones it allowed: an observer reads what every Party's node already serves,
//! so no other Party's approval is needed.

use super::records::{GovState, Observer};
use crate::error::Code;
use crate::events::EventKind;
use crate::ids::Party;
use crate::limits::{ID_LEN_MAX, OBSERVERS_MAX};
use crate::model::Text;
use crate::state::{keys, StateExt, Store};
use crate::tx::context::{Checks, Ctx};
use crate::tx::movement;

/// R50: the Party's designated authority allows observer `node_id`.
pub fn allow<S: Store + ?Sized>(
    st: &mut S,
    cx: &Ctx,
    ck: &mut Checks,
    party: &Party,
    node_id: &Text,
    name: &Text,
) {
    super::authority_of(cx, ck, party, "allowing an observer");
    let id = node_id.as_str();
    // R2: a node id is a short printable token.
    let well_formed =
        !id.is_empty() && id.len() <= ID_LEN_MAX && id.chars().all(|c| c.is_ascii_alphanumeric());
    ck.ensure(well_formed, Code::InvalidMessage, || {
        format!("node id `{id}` is not 1 to {ID_LEN_MAX} letters and digits")
    });
    if let Some(existing) = st.observer(id) {
        ck.fail(Code::ObserverConflict, format!("node {id} is already allowed by {}", existing.party));
    }
    ck.ensure(st.observers().len() < OBSERVERS_MAX, Code::ObserverConflict, || {
        format!("{OBSERVERS_MAX} observers are allowed already")
    });
    if !ck.ok() {
        return;
    }
    let record =
        Observer { node_id: node_id.clone(), name: name.clone(), party: party.clone(), height: cx.height };
    st.write(keys::observer(id), &record);
    movement::emit(
        st,
        cx,
        None,
        EventKind::ObserverChanged { node_id: node_id.clone(), allowed: true },
        None,
    );
}

/// R50: the Party that allowed observer `node_id` removes it.
pub fn remove<S: Store + ?Sized>(st: &mut S, cx: &Ctx, ck: &mut Checks, party: &Party, node_id: &Text) {
    super::authority_of(cx, ck, party, "removing an observer");
    let id = node_id.as_str();
    let ours = st.observer(id).is_some_and(|o| &o.party == party);
    ck.ensure(ours, Code::ObserverConflict, || format!("node {id} is not an observer allowed by {party}"));
    if !ck.ok() {
        return;
    }
    st.delete(&keys::observer(id));
    movement::emit(
        st,
        cx,
        None,
        EventKind::ObserverChanged { node_id: node_id.clone(), allowed: false },
        None,
    );
}
