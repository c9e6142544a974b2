//! Governance: the validator set in force with the changes scheduled, the set that
//! decided a past height, and the equivocations recorded on chain. Proposals are the
//! runtime's [`ProposalView`](jcm_runtime::read::gov::ProposalView)s.

use jcm_runtime::model::Validator;
use jcm_runtime::read::gov::{EvidenceView, ValidatorView};
use jcm_runtime::tx::gov::{Observer, RetiredKey, ScheduledChange, UpgradePlan};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The validator set after the last committed block, with what is scheduled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Validators {
    /// The last committed height.
    pub height: u64,
    /// The set in force.
    #[schema(value_type = Vec<Object>)]
    pub validators: Vec<ValidatorView>,
    /// Changes scheduled for later heights.
    #[schema(value_type = Vec<Object>)]
    pub scheduled: Vec<ScheduledChange>,
    /// Nodes that follow the chain without voting.
    #[schema(value_type = Vec<Object>)]
    pub observers: Vec<Observer>,
    /// The protocol upgrade planned, if any.
    #[schema(value_type = Option<Object>)]
    pub upgrade: Option<UpgradePlan>,
    /// Keys retired by rotation, which may never sign again.
    #[schema(value_type = Vec<Object>)]
    pub retired_keys: Vec<RetiredKey>,
}

/// The validator set that decided a committed height.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ValidatorsAt {
    /// The height.
    pub height: u64,
    /// The set: keys, names, voting power, Parties.
    #[schema(value_type = Vec<Object>)]
    pub validators: Vec<Validator>,
}

/// Every equivocation recorded on chain (R52).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Evidence {
    /// The last committed height.
    pub height: u64,
    /// The records, by hash.
    #[schema(value_type = Vec<Object>)]
    pub evidence: Vec<EvidenceView>,
}
