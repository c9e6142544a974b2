//! Evidence of equivocation on chain (R52): a validator that signed two conflicting
//! votes is recorded, with both votes, so every Party and auditor can check it. What
//! happens to the offender is the Parties' decision (a `change_validators` proposal): the
//! chain applies no penalty of its own.

use super::records::{EvidenceRecord, GovState};
use crate::crypto::PublicKey;
use crate::error::Code;
use crate::events::EventKind;
use crate::protocol::{ChainId, Evidence, Payload, ValidatorKey};
use crate::state::{keys, ReadStore, StateExt, Store};
use crate::tx::context::{Checks, Ctx};
use crate::tx::movement;

/// R52: the signer of a `report_evidence` is a validator of the set in force, signing
/// with its consensus key (the exception to R10's "the signer is an officer").
pub fn reports_as_validator<S: ReadStore + ?Sized>(st: &S, payload: &Payload, signer: &PublicKey) -> bool {
    matches!(payload, Payload::ReportEvidence { .. }) && is_validator(st, signer)
}

fn is_validator<S: ReadStore + ?Sized>(st: &S, key: &PublicKey) -> bool {
    st.validators().iter().any(|v| v.public_key == *key)
}

/// R52: records the evidence once: both votes verify, for this chain, by a validator
/// of the set in force, at a height this chain has reached.
pub fn report<S: Store + ?Sized>(st: &mut S, cx: &Ctx, ck: &mut Checks, evidence: &Evidence) {
    ck.ensure(is_validator(st, &cx.signer), Code::UnauthorizedSigner, || {
        format!(
            "evidence is reported by a validator of the set in force, with its consensus key; {} is not one",
            cx.signer
        )
    });
    if let Err(error) = evidence.verify() {
        ck.fail(Code::EvidenceInvalid, format!("not evidence of equivocation: {error}"));
        return;
    }
    let chain = st.meta().chain_id;
    let theirs = evidence.chain_id();
    ck.ensure(ChainId::new(chain.as_str()).is_ok_and(|c| &c == theirs), Code::EvidenceInvalid, || {
        format!("the messages are for chain `{}`, this chain is `{chain}`", theirs.as_str())
    });
    let (height, round, _) = evidence.slot();
    ck.ensure(height <= cx.height, Code::EvidenceInvalid, || {
        format!("the messages are for height {height}, after this block's {}", cx.height)
    });
    let culprit = PublicKey(evidence.validator().0);
    let validator = st.validators().into_iter().find(|v| v.public_key == culprit);
    ck.ensure(validator.is_some(), Code::EvidenceInvalid, || {
        format!(
            "{} is not a validator of the set in force: its messages decide nothing here",
            ValidatorKey(culprit.0)
        )
    });
    let hash = evidence.hash();
    ck.ensure(st.evidence(&hash).is_none(), Code::EvidenceKnown, || {
        format!("evidence {hash} is recorded already")
    });
    let Some(validator) = validator else { return };
    if !ck.ok() {
        return;
    }
    let record = EvidenceRecord {
        hash,
        evidence: evidence.clone(),
        validator: culprit,
        name: validator.name,
        reporter: cx.signer,
        height: cx.height,
        tx: cx.tx,
    };
    st.write(keys::evidence(&hash), &record);
    let kind = EventKind::EvidenceRecorded { validator: culprit, height, round, evidence: hash };
    movement::emit(st, cx, None, kind, None);
}
