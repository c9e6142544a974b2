//! Authorizations (ARTICLE6.md §1.3, AEF Table 2): their purposes, the definition of
//! first transfer, the conditions under which they may change, and their versions.

use std::collections::BTreeSet;

use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

use super::{MitigationType, Sector, Text, YearRange};
use crate::ids::{AuthId, CaId, EntityId, Party};
use crate::time::Timestamp;

/// Purposes of an authorization (AEF Table 2). A set, so `NDC and OIMP` is representable.
#[derive(
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Debug,
    Serialize,
    Deserialize,
    BorshSerialize,
    BorshDeserialize,
)]
#[allow(missing_docs)]
pub enum Purpose {
    NDC,
    OIMP,
    IMP,
    OP,
}

/// `NDC`, `OIMP`, `NDC and IMP`, ...: the AEF spelling of a purpose set.
pub fn purposes_aef(purposes: &BTreeSet<Purpose>) -> String {
    let names: Vec<&str> = purposes
        .iter()
        .map(|p| match p {
            Purpose::NDC => "NDC",
            Purpose::OIMP => "OIMP",
            Purpose::IMP => "IMP",
            Purpose::OP => "OP",
        })
        .collect();
    names.join(" and ")
}

/// Whether a purpose set includes some OIMP purpose.
pub fn includes_oimp(purposes: &BTreeSet<Purpose>) -> bool {
    purposes.iter().any(|p| *p != Purpose::NDC)
}

/// The first-transfer definition of an OIMP authorization (2/CMA.3 para 2(b)).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[allow(missing_docs)]
pub enum FirstTransferDefinition {
    #[serde(rename = "First international transfer")]
    FirstInternationalTransfer,
    Authorisation,
    Issuance,
    #[serde(rename = "Use or Cancellation")]
    UseOrCancellation,
}

impl FirstTransferDefinition {
    /// The AEF spelling.
    pub fn aef(self) -> &'static str {
        match self {
            Self::FirstInternationalTransfer => "First international transfer",
            Self::Authorisation => "Authorisation",
            Self::Issuance => "Issuance",
            Self::UseOrCancellation => "Use or Cancellation",
        }
    }
}

/// A kind of change an authorization's conditions may permit (R24).
#[derive(
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Debug,
    Serialize,
    Deserialize,
    BorshSerialize,
    BorshDeserialize,
)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum ChangeKind {
    Revoke,
    AddParties,
    RemoveParties,
    AddEntities,
    RemoveEntities,
    Purposes,
    Quantity,
    Scope,
    Timeframe,
    Oimp,
    FirstTransferDefinition,
    Terms,
}

/// The change and revocation conditions of an authorization (AEF Table 5): the text as
/// published, and the changes it permits as data the runtime enforces (R24).
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeConditions {
    /// The published text.
    #[serde(default)]
    pub text: Text,
    /// The changes permitted.
    #[serde(default)]
    pub permitted: BTreeSet<ChangeKind>,
}

/// Status of an authorization version.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AuthStatus {
    /// In force.
    Active,
    /// Revoked prospectively from the version's date.
    Revoked,
}

/// The terms of an authorization: everything of AEF Table 2 a Party decides.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthorizationTerms {
    /// Id.
    pub id: AuthId,
    /// Cooperative approach.
    pub ca: CaId,
    /// Authorized quantity cap (R21); none means no cap.
    #[serde(default)]
    pub quantity: Option<u64>,
    /// GWP values applied, e.g. `AR5`.
    #[serde(default)]
    pub gwp: Text,
    /// Sectors in scope (R20); empty means any.
    #[serde(default)]
    pub sectors: BTreeSet<Sector>,
    /// Activity types in scope (R20); empty means any.
    #[serde(default)]
    pub activity_types: BTreeSet<Text>,
    /// Mitigation types in scope (R20); empty means any.
    #[serde(default)]
    pub mitigation_types: BTreeSet<MitigationType>,
    /// Purposes.
    pub purposes: BTreeSet<Purpose>,
    /// Authorized Parties; none means any (R22).
    #[serde(default)]
    pub parties: Option<BTreeSet<Party>>,
    /// Authorized entities; none means any (R22).
    #[serde(default)]
    pub entities: Option<BTreeSet<EntityId>>,
    /// The OIMP authorized, e.g. `CORSIA` (R22).
    #[serde(default)]
    pub oimp: Option<Text>,
    /// Years in which the mitigation may have occurred (R20).
    #[serde(default)]
    pub occurred: Option<YearRange>,
    /// Years in which the units may be used (R20, R26).
    #[serde(default)]
    pub use_period: Option<YearRange>,
    /// Terms and conditions.
    #[serde(default)]
    pub terms: Text,
    /// First-transfer definition for OIMP (R28).
    #[serde(default)]
    pub first_transfer: Option<FirstTransferDefinition>,
    /// Change and revocation conditions (R24).
    #[serde(default)]
    pub change_conditions: ChangeConditions,
    /// Additional information.
    #[serde(default)]
    pub additional_information: Text,
}

/// One immutable version of an authorization.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(deny_unknown_fields)]
pub struct Authorization {
    /// The authorizing Party (the first transferring Party, R19).
    pub party: Party,
    /// Version, from 1.
    pub version: u32,
    /// Date of this version.
    pub date: Timestamp,
    /// Active or revoked.
    pub status: AuthStatus,
    /// The terms.
    pub terms: AuthorizationTerms,
}
