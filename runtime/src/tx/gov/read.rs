//! Governance read models (also `jcm_runtime::read::gov`): proposals with their votes and
//! tally, the validator set in force with node ids, scheduled changes, observers, the
//! upgrade plan and retired keys. The JSON of [`ProposalView`] is what the node's
//! `/v1/gov/proposals` routes answer.

use serde::{Deserialize, Serialize};

use super::proposal::{approvers, party_power, tally, Approvers, Tally};
use super::records::{
    EvidenceRecord, GovState, Observer, Proposal, RetiredKey, ScheduledChange, UpgradePlan,
};
use crate::ids::Party;
use crate::model::{Text, Validator};
use crate::state::ReadStore;

/// A proposal, with what its votes amount to.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct ProposalView {
    /// The stored proposal (id, change, deadline, state, approvals, rejections, consent).
    #[serde(flatten)]
    pub proposal: Proposal,
    /// What passes it.
    pub needs: Needs,
    /// The Parties whose approval is needed, when `needs` is `"parties"`.
    pub parties: Vec<Party>,
    /// The voting power of the approving Parties now.
    pub approving_power: u64,
    /// The voting power in force now.
    pub total_power: u64,
    /// Whether the approvals so far would pass it now.
    pub passes: bool,
}

/// What a proposal needs to pass.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Needs {
    /// Approvals carrying more than 2/3 of the voting power.
    Power,
    /// The approval of every Party listed in `parties`.
    Parties,
}

fn view<S: ReadStore + ?Sized>(st: &S, proposal: Proposal) -> ProposalView {
    let (needs, parties) = match approvers(&proposal.change) {
        Approvers::Power => (Needs::Power, Vec::new()),
        Approvers::Parties(p) => (Needs::Parties, p.into_iter().collect()),
    };
    let approving: u128 = proposal.approvals.iter().map(|v| party_power(st, &v.party)).sum();
    let total: u128 = st.validators().iter().map(|v| u128::from(v.power)).sum();
    let passes = tally(st, &proposal) == Tally::Passes;
    ProposalView {
        proposal,
        needs,
        parties,
        approving_power: u64::try_from(approving).unwrap_or(u64::MAX),
        total_power: u64::try_from(total).unwrap_or(u64::MAX),
        passes,
    }
}

/// Every proposal, by id.
pub fn proposals<S: ReadStore + ?Sized>(st: &S) -> Vec<ProposalView> {
    st.proposals().into_iter().map(|p| view(st, p)).collect()
}

/// One proposal.
pub fn proposal<S: ReadStore + ?Sized>(st: &S, id: u64) -> Option<ProposalView> {
    st.proposal(id).map(|p| view(st, p))
}

/// A validator in force, with its node id.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct ValidatorView {
    /// The validator.
    #[serde(flatten)]
    pub validator: Validator,
    /// Its node id, if recorded.
    pub node_id: Option<Text>,
}

/// The validator set in force.
pub fn validator_set<S: ReadStore + ?Sized>(st: &S) -> Vec<ValidatorView> {
    st.validators()
        .into_iter()
        .map(|v| ValidatorView { node_id: st.validator_node(&v.public_key), validator: v })
        .collect()
}

/// Validator changes waiting for their height, in the order they apply.
pub fn scheduled<S: ReadStore + ?Sized>(st: &S) -> Vec<ScheduledChange> {
    st.scheduled_changes()
}

/// Allowed observer nodes.
pub fn observers<S: ReadStore + ?Sized>(st: &S) -> Vec<Observer> {
    st.observers()
}

/// The upgrade plan.
pub fn upgrade<S: ReadStore + ?Sized>(st: &S) -> Option<UpgradePlan> {
    st.upgrade_plan()
}

/// Keys rotated away or revoked.
pub fn retired_keys<S: ReadStore + ?Sized>(st: &S) -> Vec<RetiredKey> {
    st.retired_keys()
}

/// A recorded equivocation, with both votes spelled out.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct EvidenceView {
    /// The record (hash, the evidence's canonical encoding as hex, the validator and its
    /// name, the reporting key, the recording height and transaction).
    #[serde(flatten)]
    pub record: EvidenceRecord,
    /// The height, round and kind (`prevote`, `precommit`, `proposal`) both are for.
    pub vote_height: u64,
    /// The round.
    pub round: u32,
    /// The kind.
    pub kind: String,
    /// The two values voted for or proposed (hex block ids; `null` is a nil vote).
    pub values: [Option<String>; 2],
}

/// Every recorded equivocation (R52), by hash.
pub fn evidence<S: ReadStore + ?Sized>(st: &S) -> Vec<EvidenceView> {
    st.evidence_records()
        .into_iter()
        .map(|record| {
            let (vote_height, round, kind) = record.evidence.slot();
            let values = record.evidence.values().map(|v| v.map(|id| hex::encode(id.0)));
            EvidenceView { record, vote_height, round, kind: kind.to_owned(), values }
        })
        .collect()
}
