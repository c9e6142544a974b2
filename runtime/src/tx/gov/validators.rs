//! Validator changes (R49): decided by proposal, scheduled under `vs/` at the height
//! they take effect, applied to `m/validators` in `begin_block` at exactly that height.
//! [`validators_at`] and [`changes_at`] tell the node which set decides a height;
//! [`sets_after`] gives a node, an auditor or a light client the consensus sets around a
//! committed state.

use super::records::{self, GovState, ScheduledChange};
use crate::error::Code;
use crate::events::EventKind;
use crate::limits::{GOV_EFFECT_DELAY_BLOCKS, SCHEDULED_CHANGES_MAX};
use crate::model::Validator;
use crate::protocol::{ProtocolError, ValidatorChange, ValidatorKey, ValidatorSet, VALIDATORS_MAX};
use crate::state::{keys, ReadStore, StateExt, Store};
use crate::tx::context::{BlockContext, Checks, Ctx};
use crate::tx::movement;

/// Applies one change to a set; the code and sentence of why it cannot apply.
pub fn apply_one(set: &mut Vec<Validator>, change: &ValidatorChange) -> Result<(), (Code, String)> {
    let key = *change.key();
    let position = set.iter().position(|v| v.public_key == key);
    let unknown = || (Code::UnknownValidator, format!("no validator has key {key} then"));
    match change {
        ValidatorChange::Add { validator, .. } => {
            if position.is_some() {
                return Err((
                    Code::ValidatorExists,
                    format!("validator key {key} is already in the set then"),
                ));
            }
            if validator.power == 0 {
                return Err((
                    Code::ValidatorSetInvalid,
                    format!("validator {} has no voting power", validator.name),
                ));
            }
            set.push(validator.clone());
        }
        ValidatorChange::Remove { .. } => {
            set.remove(position.ok_or_else(unknown)?);
        }
        ValidatorChange::SetPower { power, .. } => {
            if *power == 0 {
                return Err((
                    Code::ValidatorSetInvalid,
                    "a power of 0 would keep a silent validator: remove it".into(),
                ));
            }
            set[position.ok_or_else(unknown)?].power = *power;
        }
        ValidatorChange::RotateKey { new_key, .. } => {
            let at = position.ok_or_else(unknown)?;
            if set.iter().any(|v| &v.public_key == new_key) {
                return Err((
                    Code::ValidatorExists,
                    format!("validator key {new_key} is already in the set then"),
                ));
            }
            set[at].public_key = *new_key;
        }
        ValidatorChange::SetNode { .. } => {
            position.ok_or_else(unknown)?;
        }
    }
    let total = set.iter().try_fold(0u64, |sum, v| sum.checked_add(v.power));
    if set.is_empty() || total.unwrap_or(0) == 0 || set.len() > VALIDATORS_MAX {
        return Err((
            Code::ValidatorSetInvalid,
            format!("the set would hold {} validators with total power {total:?}", set.len()),
        ));
    }
    // The consensus must be able to run the set (keys on the curve, total power within
    // its bound): a decided change the core cannot take would halt the chain.
    consensus_set(set)
        .map_err(|e| (Code::ValidatorSetInvalid, format!("the set would not run consensus: {e}")))?;
    Ok(())
}

/// The consensus form of a validator list: each key with its power.
pub fn consensus_set(validators: &[Validator]) -> Result<ValidatorSet, ProtocolError> {
    let members: Vec<(ValidatorKey, u64)> =
        validators.iter().map(|v| (ValidatorKey(v.public_key.0), v.power)).collect();
    ValidatorSet::new(&members)
}

/// The validator sets around the state after block `height`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Sets {
    /// The set that decided block `height` (the set in force in its state: its
    /// `begin_block` applied the changes due at it). Its certificate verifies against it.
    pub decided: ValidatorSet,
    /// The set that decides block `height + 1`: `decided` with the changes scheduled
    /// for `height + 1` applied.
    pub next: ValidatorSet,
}

impl Sets {
    /// The sets after committing block `height`, given the set that decided it (the
    /// `next` of the sets after `height - 1`) and the state after `height`: the set of
    /// `height + 1` is read from the state only when a change takes effect there. The
    /// same as [`sets_after`], without rebuilding (and decoding every key of) a set that
    /// did not change: what a node and an auditor do after each block.
    pub fn after_commit<S: ReadStore + ?Sized>(decided: ValidatorSet, st: &S, height: u64) -> Sets {
        let next = if changes_at(st, height.saturating_add(1)) {
            consensus_set(&validators_at(st, height.saturating_add(1)))
                .unwrap_or_else(|e| panic!("state corrupt: a validator set: {e}"))
        } else {
            decided.clone()
        };
        Sets { decided, next }
    }
}

/// R49: the sets around the state after block `height` (see [`Sets`]). The state holds
/// only sets that R49 checked when it scheduled them, so a set that does not run
/// consensus means a corrupt state.
pub fn sets_after<S: ReadStore + ?Sized>(st: &S, height: u64) -> Sets {
    let corrupt = |e: ProtocolError| -> ValidatorSet { panic!("state corrupt: a validator set: {e}") };
    let decided = consensus_set(&st.validators()).unwrap_or_else(corrupt);
    let next = if changes_at(st, height.saturating_add(1)) {
        consensus_set(&validators_at(st, height.saturating_add(1))).unwrap_or_else(corrupt)
    } else {
        decided.clone()
    };
    Sets { decided, next }
}

/// The set in force at `height` as far as the state knows: the set now, with every
/// change scheduled at or before `height` applied. For the height after the state's last
/// block, this is the set that decides it (its `begin_block` applies those changes).
pub fn validators_at<S: ReadStore + ?Sized>(st: &S, height: u64) -> Vec<Validator> {
    let mut set = st.validators();
    for scheduled in st.scheduled_changes().iter().filter(|s| s.height <= height) {
        apply_one(&mut set, &scheduled.change).expect("scheduled changes were checked in order when decided");
    }
    set
}

/// Whether a validator change takes effect at exactly `height`.
pub fn changes_at<S: ReadStore + ?Sized>(st: &S, height: u64) -> bool {
    st.scheduled_changes().iter().any(|s| s.height == height)
}

/// Where a change sits in the schedule: by height, then proposal id (the `vs/` key order).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub struct Slot {
    /// The height at which it takes effect.
    pub height: u64,
    /// The proposal deciding it.
    pub proposal: u64,
}

/// R49: `change` can join the schedule at `at`: every scheduled change, this one in its
/// place, still applies in order and keeps a set with power. `new_party`: the
/// validator's Party is the one being admitted.
pub fn check_schedule<S: ReadStore + ?Sized>(
    st: &S,
    ck: &mut Checks,
    change: &ValidatorChange,
    at: Slot,
    new_party: bool,
) {
    if let ValidatorChange::Add { validator, .. } = change {
        ck.ensure(new_party || st.party(&validator.party).is_some(), Code::InvalidMessage, || {
            format!("validator {}: {} is not a Party of this chain", validator.name, validator.party)
        });
    }
    let mut schedule = st.scheduled_changes();
    ck.ensure(schedule.len() < SCHEDULED_CHANGES_MAX, Code::ValidatorSetInvalid, || {
        format!("{SCHEDULED_CHANGES_MAX} validator changes are scheduled already")
    });
    let slot = |s: &ScheduledChange| Slot { height: s.height, proposal: s.proposal };
    let position = schedule.partition_point(|s| slot(s) < at);
    let record = ScheduledChange { proposal: at.proposal, height: at.height, change: change.clone() };
    schedule.insert(position, record);
    let mut set = st.validators();
    for s in &schedule {
        if let Err((code, message)) = apply_one(&mut set, &s.change) {
            ck.fail(code, format!("at height {}: {message}", s.height));
            return;
        }
    }
}

/// R49: a proposed change takes effect at least two heights after its deadline.
pub fn check<S: ReadStore + ?Sized>(
    st: &S,
    ck: &mut Checks,
    change: &ValidatorChange,
    at: Slot,
    deadline: u64,
) {
    let effective_height = at.height;
    let earliest = deadline.saturating_add(GOV_EFFECT_DELAY_BLOCKS);
    let timely = ck.ensure(effective_height >= earliest, Code::EffectiveHeightTooEarly, || {
        format!("effective height {effective_height} is before {earliest} (deadline {deadline} + {GOV_EFFECT_DELAY_BLOCKS})")
    });
    if timely {
        check_schedule(st, ck, change, at, false);
    }
}

/// The change a decided proposal scheduled, as its decision wrote it under
/// `vs/<height><proposal>`: a `change_validators` at its effective height, an admission's
/// validator (R45) `GOV_EFFECT_DELAY_BLOCKS` after the admission was executed. For one
/// who reads the proposals after the schedule entry is gone (a proof of a past change).
pub fn scheduled_by(p: &super::records::Proposal) -> Option<ScheduledChange> {
    use crate::protocol::{GovChange, ProposalState};
    match &p.change {
        GovChange::ChangeValidators { change, effective_height }
            if matches!(p.state, ProposalState::Approved | ProposalState::Executed) =>
        {
            Some(ScheduledChange { proposal: p.id, height: *effective_height, change: change.clone() })
        }
        GovChange::AdmitParty { party, validator: Some(v), .. } if p.state == ProposalState::Executed => {
            Some(ScheduledChange {
                proposal: p.id,
                height: p.closed_at?.checked_add(GOV_EFFECT_DELAY_BLOCKS)?,
                change: v.joining(&party.code),
            })
        }
        _ => None,
    }
}

/// R49: records a decided change for `height`.
pub fn schedule<S: Store + ?Sized>(
    st: &mut S,
    cx: &Ctx,
    proposal: u64,
    height: u64,
    change: &ValidatorChange,
) {
    let record = ScheduledChange { proposal, height, change: change.clone() };
    st.write(keys::scheduled_validators(height, proposal), &record);
    movement::emit(st, cx, None, EventKind::ValidatorsScheduled { proposal, height }, None);
}

/// R49: at the start of block `height`, the changes scheduled for it take effect.
pub fn apply_due<S: Store + ?Sized>(st: &mut S, block: &BlockContext) {
    let end = keys::scheduled_validators(block.height.saturating_add(1), 0);
    let due: Vec<(Vec<u8>, ScheduledChange)> = st
        .range(keys::prefix::SCHEDULED_VALIDATORS, Some(&end))
        .map(|(k, v)| (k, crate::codec::decode(&v, usize::MAX).expect("state corrupt: a scheduled change")))
        .collect();
    for (key, scheduled) in due {
        let mut set = st.validators();
        apply_one(&mut set, &scheduled.change).expect("scheduled changes were checked in order when decided");
        st.write(keys::VALIDATORS.to_vec(), &set);
        move_node(st, &scheduled.change);
        st.delete(&key);
        let kind = EventKind::ValidatorSetChanged { proposal: scheduled.proposal };
        movement::emit_at(st, block.height, block.time, Default::default(), None, kind, None);
        records::executed_at(st, block, scheduled.proposal);
    }
}

/// Keeps the node ids (`vn/`) in step with the set.
fn move_node<S: Store + ?Sized>(st: &mut S, change: &ValidatorChange) {
    match change {
        ValidatorChange::Add { validator, node_id: Some(node) } => {
            st.write(keys::validator_node(&validator.public_key), node)
        }
        ValidatorChange::Add { .. } | ValidatorChange::SetPower { .. } => {}
        ValidatorChange::Remove { key } => st.delete(&keys::validator_node(key)),
        ValidatorChange::RotateKey { key, new_key } => {
            if let Some(node) = st.validator_node(key) {
                st.delete(&keys::validator_node(key));
                st.write(keys::validator_node(new_key), &node);
            }
        }
        ValidatorChange::SetNode { key, node_id } => st.write(keys::validator_node(key), node_id),
    }
}
