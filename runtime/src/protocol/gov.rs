//! The governance changes a proposal carries (R43–R51), as officers write them in JSON
//! and TOML, and the states a proposal goes through. `Payload::Propose` holds one
//! [`GovChange`]; a validator change is scheduled as a [`ValidatorChange`] at the height
//! it takes effect.

use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

use crate::crypto::PublicKey;
use crate::model::*;

/// The validator an admitted Party brings (R45): it joins the set two heights after the
/// admission is decided.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(deny_unknown_fields)]
pub struct NewValidator {
    /// Name.
    pub name: Text,
    /// Consensus public key.
    pub public_key: PublicKey,
    /// Voting power.
    pub power: u64,
    /// The libp2p node id of its node, for the peer allow list.
    #[serde(default)]
    pub node_id: Option<Text>,
}

impl NewValidator {
    /// The change an admission of `party` schedules for this validator (R45).
    pub fn joining(&self, party: &crate::ids::Party) -> ValidatorChange {
        let validator = Validator {
            name: self.name.clone(),
            public_key: self.public_key,
            power: self.power,
            party: party.clone(),
        };
        ValidatorChange::Add { validator, node_id: self.node_id.clone() }
    }
}

/// One change of the validator set (R49), applied in `begin_block` at its height.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
#[allow(missing_docs)]
pub enum ValidatorChange {
    /// A validator joins, with its node id if known.
    Add {
        validator: Validator,
        #[serde(default)]
        node_id: Option<Text>,
    },
    /// A validator leaves.
    Remove { key: PublicKey },
    /// A validator's voting power changes.
    SetPower { key: PublicKey, power: u64 },
    /// A validator signs with a new consensus key from then on.
    RotateKey { key: PublicKey, new_key: PublicKey },
    /// A validator's node answers under a new node id from then on.
    SetNode { key: PublicKey, node_id: Text },
}

impl ValidatorChange {
    /// The key of the validator it concerns (its key before the change).
    pub fn key(&self) -> &PublicKey {
        match self {
            ValidatorChange::Add { validator, .. } => &validator.public_key,
            ValidatorChange::Remove { key }
            | ValidatorChange::SetPower { key, .. }
            | ValidatorChange::RotateKey { key, .. }
            | ValidatorChange::SetNode { key, .. } => key,
        }
    }
}

/// What a governance proposal asks for.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[allow(missing_docs)]
pub enum GovChange {
    /// Admit a Party (R45): its record, registry, designated authority, further officers
    /// and optionally a validator.
    AdmitParty {
        party: PartyRecord,
        registry: Registry,
        authority: Officer,
        #[serde(default)]
        officers: Vec<Officer>,
        #[serde(default)]
        validator: Option<NewValidator>,
    },
    /// Create a cooperative approach between two Parties with its Joint Committee and the
    /// committee's representatives, new officers (R46).
    CreateApproach { approach: CooperativeApproach, committee: JointCommittee, members: Vec<Officer> },
    /// Change the validator set at `effective_height` (R49).
    ChangeValidators { change: ValidatorChange, effective_height: u64 },
    /// Require protocol `version` from `height` on (R51).
    PlanUpgrade { version: u32, height: u64 },
}

impl GovChange {
    /// The change's name as in JSON and TOML (`admit_party`).
    pub fn kind(&self) -> &'static str {
        match self {
            GovChange::AdmitParty { .. } => "admit_party",
            GovChange::CreateApproach { .. } => "create_approach",
            GovChange::ChangeValidators { .. } => "change_validators",
            GovChange::PlanUpgrade { .. } => "plan_upgrade",
        }
    }
}

/// The life of a proposal (R43).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposalState {
    /// Collecting approvals until its deadline.
    Open,
    /// Enough Parties approved; the change waits for the height at which it takes
    /// effect (validator changes, upgrades).
    Approved,
    /// Enough Parties rejected it that it can no longer pass.
    Rejected,
    /// Its deadline passed while open.
    Expired,
    /// Approved and applied: at once (admissions, approaches), or at its height.
    Executed,
}
