//! Creating a cooperative approach (R46): two Parties of the chain, a Joint Committee
//! that governs it, and the committee's representatives as new officers, approved by
//! both Parties' designated authorities.

use super::officer;
use crate::error::Code;
use crate::events::{EventKind, OfficerChange};
use crate::limits::GOV_OFFICERS_MAX;
use crate::model::{CooperativeApproach, JointCommittee, Officer, Role};
use crate::state::{keys, ReadStore, StateExt, Store};
use crate::tx::context::{Checks, Ctx};
use crate::tx::movement;

/// R46: the approach and committee are new, join two Parties of the chain, and each side
/// has a representative.
pub fn check<S: ReadStore + ?Sized>(
    st: &S,
    ck: &mut Checks,
    ca: &CooperativeApproach,
    jc: &JointCommittee,
    members: &[Officer],
) {
    ck.ensure(st.ca(&ca.id).is_none(), Code::ApproachConflict, || format!("{} exists already", ca.id));
    ck.ensure(st.jc(&jc.id).is_none(), Code::ApproachConflict, || format!("{} exists already", jc.id));
    ck.ensure(jc.ca == ca.id && jc.parties == ca.participants, Code::ApproachConflict, || {
        format!("{} must govern {} and have its participants as sides", jc.id, ca.id)
    });
    ck.ensure(ca.participants.len() == 2, Code::ApproachConflict, || {
        format!("{} must join exactly two Parties", ca.id)
    });
    for p in &ca.participants {
        ck.ensure(st.party(p).is_some(), Code::ApproachConflict, || {
            format!("{p} is not a Party of this chain")
        });
        let side = Role::JcRepresentative { jc: jc.id.clone(), party: p.clone() };
        ck.ensure(members.iter().any(|m| m.roles.contains(&side)), Code::ApproachConflict, || {
            format!("{} needs a representative of {p}", jc.id)
        });
    }
    // R2: deduction rates are basis points.
    ck.ensure(ca.omge_rate_bp <= 10_000 && ca.sop_rate_bp <= 10_000, Code::InvalidMessage, || {
        format!("{}: deduction rates are basis points (at most 10000)", ca.id)
    });
    ck.ensure(members.len() <= GOV_OFFICERS_MAX, Code::InvalidMessage, || {
        format!("a committee has at most {GOV_OFFICERS_MAX} representatives")
    });
    let own = |role: &Role| matches!(role, Role::JcRepresentative { jc: j, party } if j == &jc.id && ca.participants.contains(party));
    let all: Vec<&Officer> = members.iter().collect();
    officer::check_new_all(st, ck, &all, &own, jc.id.as_str());
}

/// R46: writes the approach, its committee and representatives.
pub fn create<S: Store + ?Sized>(
    st: &mut S,
    cx: &Ctx,
    ca: &CooperativeApproach,
    jc: &JointCommittee,
    members: &[Officer],
) {
    st.write(keys::ca(&ca.id), ca);
    st.write(keys::jc(&jc.id), jc);
    for m in members {
        st.write(keys::officer(&m.public_key), m);
        let party = officer::officer_party(st, m);
        let kind = EventKind::OfficerChanged { party, officer: m.name.clone(), change: OfficerChange::Added };
        movement::emit(st, cx, None, kind, None);
    }
    movement::emit(st, cx, None, EventKind::ApproachCreated { ca: ca.id.clone(), jc: jc.id.clone() }, None);
}
