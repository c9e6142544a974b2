//! The software upgrade plan (R51): "protocol version V from height H", decided by
//! proposal. [`upgrade_at`] and [`required_protocol_version`] let the node stop cleanly
//! before a height its software cannot execute.

use super::records::{self, GovState, UpgradePlan};
use crate::error::Code;
use crate::events::EventKind;
use crate::limits::GOV_EFFECT_DELAY_BLOCKS;
use crate::protocol::PROTOCOL_VERSION;
use crate::state::{keys, ReadStore, StateExt, Store};
use crate::tx::context::{BlockContext, Checks, Ctx};
use crate::tx::movement;

/// The planned upgrade: `(version, height)` from which `version` is required.
pub fn upgrade_at<S: ReadStore + ?Sized>(st: &S) -> Option<(u32, u64)> {
    st.upgrade_plan().map(|p| (p.version, p.height))
}

/// The protocol version required at `height`: the plan's version from its height on,
/// before it the version in force when it was decided; [`PROTOCOL_VERSION`] without a plan.
pub fn required_protocol_version<S: ReadStore + ?Sized>(st: &S, height: u64) -> u32 {
    match st.upgrade_plan() {
        Some(plan) if height >= plan.height => plan.version,
        Some(plan) => plan.previous,
        None => PROTOCOL_VERSION,
    }
}

/// R51: a later version, from a height at least two after the deadline, and no other
/// upgrade pending.
pub fn check<S: ReadStore + ?Sized>(
    st: &S,
    cx: &Ctx,
    ck: &mut Checks,
    version: u32,
    height: u64,
    deadline: u64,
) {
    let earliest = deadline.saturating_add(GOV_EFFECT_DELAY_BLOCKS);
    ck.ensure(height >= earliest, Code::EffectiveHeightTooEarly, || {
        format!(
            "upgrade height {height} is before {earliest} (deadline {deadline} + {GOV_EFFECT_DELAY_BLOCKS})"
        )
    });
    let current = required_protocol_version(st, cx.height);
    ck.ensure(version > current, Code::UpgradeInvalid, || {
        format!("protocol version {version} is not later than version {current} in force")
    });
    if let Some(plan) = st.upgrade_plan().filter(|p| p.height > cx.height) {
        ck.fail(
            Code::UpgradeInvalid,
            format!("the upgrade to version {} at height {} is still pending", plan.version, plan.height),
        );
    }
}

/// R51: records the decided plan.
pub fn plan<S: Store + ?Sized>(st: &mut S, cx: &Ctx, id: u64, version: u32, height: u64) {
    let previous = required_protocol_version(st, cx.height);
    st.write(keys::UPGRADE_PLAN.to_vec(), &UpgradePlan { version, height, previous, proposal: id });
    movement::emit(st, cx, None, EventKind::UpgradePlanned { version, height }, None);
}

/// R51: the block at the plan's height executes its proposal.
pub fn reach<S: Store + ?Sized>(st: &mut S, block: &BlockContext) {
    if let Some(plan) = st.upgrade_plan().filter(|p| p.height == block.height) {
        records::executed_at(st, block, plan.proposal);
    }
}
