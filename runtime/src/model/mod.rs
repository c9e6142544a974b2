//! The records of the registry: Parties and their NDC periods, registries, cooperative
//! approaches, Joint Committees, projects, entities, accounts (ARTICLE6.md §5.3),
//! officers and their roles, and authorizations (§1.3, AEF Table 2).
//!
//! Controlled values follow the UNFCCC nomenclature (§1.4) and are spelled in JSON and
//! TOML exactly as the AEF prints them.

use std::collections::BTreeSet;

use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

use crate::crypto::PublicKey;
use crate::ids::*;
use crate::limits::TEXT_LEN_MAX;
use crate::time::Timestamp;

mod authorization;
pub use authorization::*;

/// Bounded free text (names, terms, reasons): at most [`TEXT_LEN_MAX`] bytes.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Debug, Serialize, BorshSerialize)]
pub struct Text(String);

impl Text {
    /// Text, refused if longer than [`TEXT_LEN_MAX`] bytes.
    pub fn new(text: &str) -> Result<Self, String> {
        if text.len() > TEXT_LEN_MAX {
            return Err(format!("text of {} bytes exceeds {TEXT_LEN_MAX}", text.len()));
        }
        Ok(Self(text.to_owned()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <String as Deserialize>::deserialize(d)?;
        Text::new(&text).map_err(serde::de::Error::custom)
    }
}

impl BorshDeserialize for Text {
    fn deserialize_reader<R: std::io::Read>(r: &mut R) -> std::io::Result<Self> {
        Ok(Self(crate::codec::read_bounded_string(r, TEXT_LEN_MAX)?))
    }
}

/// A span of calendar years, both ends included (`2021 - 2030`).
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
#[serde(deny_unknown_fields)]
pub struct YearRange {
    /// First year.
    pub first: u16,
    /// Last year.
    pub last: u16,
}

impl YearRange {
    /// Whether `year` lies inside.
    pub fn contains(&self, year: u16) -> bool {
        self.first <= year && year <= self.last
    }
}

impl std::fmt::Display for YearRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} - {}", self.first, self.last)
    }
}

/// How a Party's NDC is expressed (2/CMA.3 para 7).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(rename_all = "snake_case")]
pub enum NdcKind {
    /// A single-year target.
    SingleYear,
    /// A multi-year target or budget.
    MultiYear,
}

/// An NDC implementation period of a Party.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(deny_unknown_fields)]
pub struct NdcPeriod {
    /// The years of the period.
    pub years: YearRange,
    /// Single- or multi-year NDC.
    pub kind: NdcKind,
}

/// A Party's participation status under 2/CMA.3 para 4 (R7).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Participation {
    /// Meets the participation requirements.
    Eligible,
    /// Participation suspended.
    Suspended,
    /// Does not (yet) meet the requirements.
    NotEligible,
}

/// A Party to the Paris Agreement taking part in the chain.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(deny_unknown_fields)]
pub struct PartyRecord {
    /// ISO alpha-3 code.
    pub code: Party,
    /// Name.
    pub name: Text,
    /// Registered NDC implementation periods (R27, R32).
    pub ndc_periods: Vec<NdcPeriod>,
    /// Participation status (R7).
    pub status: Participation,
}

impl PartyRecord {
    /// Whether `year` lies in one of the Party's registered NDC periods.
    pub fn in_ndc_period(&self, year: u16) -> bool {
        self.ndc_periods.iter().any(|p| p.years.contains(year))
    }
}

/// A Party ITMO registry.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(deny_unknown_fields)]
pub struct Registry {
    /// Registry id; its first three letters are the Party.
    pub id: RegistryId,
    /// Name.
    pub name: Text,
}

/// GHG or a non-GHG metric (2/CMA.3 para 22(d)).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// t CO2 eq.
    Ghg,
    /// A non-GHG metric set by the Parties; needs a quantity and conversion factor (R4).
    NonGhg(Text),
}

impl Metric {
    /// The AEF spelling.
    pub fn aef(&self) -> &'static str {
        match self {
            Metric::Ghg => "GHG",
            Metric::NonGhg(_) => "non-GHG",
        }
    }
}

/// Whether a failed participation check (R7) rejects or only warns.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(rename_all = "snake_case")]
pub enum Enforcement {
    /// Reject with `A6-2003`.
    Enforce,
    /// Accept, recording `A6-2003` as a warning.
    Warn,
}

/// Whether a cooperative approach is active (R6).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CaStatus {
    /// Actions are allowed.
    Active,
    /// No action is allowed.
    Inactive,
}

fn default_timeout() -> u64 {
    crate::limits::TRANSFER_TIMEOUT_SECS_DEFAULT
}

/// A cooperative approach (e.g. `CA0001` "India–Japan JCM").
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(deny_unknown_fields)]
pub struct CooperativeApproach {
    /// CARP id.
    pub id: CaId,
    /// Name.
    pub name: Text,
    /// Participating Parties (R6).
    pub participants: BTreeSet<Party>,
    /// The underlying unit registry in the AEF (`JCM`).
    pub underlying_registry: Text,
    /// GHG or non-GHG.
    pub metric: Metric,
    /// Mandatory OMGE cancellation at issuance, in basis points (R36).
    #[serde(default)]
    pub omge_rate_bp: u16,
    /// Mandatory share of proceeds at issuance, in basis points (R36).
    #[serde(default)]
    pub sop_rate_bp: u16,
    /// Enforcement of participation status (R7).
    pub eligibility: Enforcement,
    /// Seconds an acquiring registry has to answer an external transfer (R39).
    #[serde(default = "default_timeout")]
    pub transfer_timeout_secs: u64,
    /// Active or not (R6).
    pub status: CaStatus,
}

/// A JCM Joint Committee: one per partner country, with a representative per side.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(deny_unknown_fields)]
pub struct JointCommittee {
    /// Id.
    pub id: JcId,
    /// The cooperative approach it governs.
    pub ca: CaId,
    /// The two sides.
    pub parties: BTreeSet<Party>,
}

/// Sector, from the UNFCCC nomenclature table 15(b).
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
pub enum Sector {
    Agriculture,
    #[serde(rename = "Building and construction")]
    BuildingAndConstruction,
    #[serde(rename = "Cross-sectoral mechanisms")]
    CrossSectoralMechanisms,
    #[serde(rename = "Energy generation")]
    EnergyGeneration,
    #[serde(rename = "Forestry and land use")]
    ForestryAndLandUse,
    #[serde(rename = "Industrial processes")]
    IndustrialProcesses,
    Transportation,
    #[serde(rename = "Urban development")]
    UrbanDevelopment,
    #[serde(rename = "Waste management")]
    WasteManagement,
}

/// Emission reductions or removals.
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
pub enum MitigationType {
    #[serde(rename = "Emission reductions")]
    EmissionReductions,
    Removals,
}

/// A period credited by another programme (R37: CCTS, Verra, Gold Standard, ...).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(deny_unknown_fields)]
pub struct OtherCrediting {
    /// The programme, e.g. `CCTS`.
    pub programme: Text,
    /// First day credited.
    pub from: Timestamp,
    /// Last day credited.
    pub to: Timestamp,
}

/// A period credited by another programme with that programme's own identifiers, as the
/// host declares it (R37). For India's CCTS offset mechanism: the project's registration
/// number in the Indian Carbon Market registry, and the carbon credit certificates
/// issued for the period.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(deny_unknown_fields)]
pub struct CreditingDeclaration {
    /// The programme, e.g. `CCTS offset mechanism`.
    pub programme: Text,
    /// First day credited.
    pub from: Timestamp,
    /// Last day credited.
    pub to: Timestamp,
    /// The programme's own identifier of the project (R2: required).
    pub programme_project: Text,
    /// The programme's identifiers of what it credited (certificate numbers or serial
    /// ranges), at most [`crate::limits::CREDITING_IDENTIFIERS_MAX`].
    #[serde(default)]
    pub identifiers: Vec<Text>,
}

impl CreditingDeclaration {
    /// The programme and period, as a project records it.
    pub fn crediting(&self) -> OtherCrediting {
        OtherCrediting { programme: self.programme.clone(), from: self.from, to: self.to }
    }
}

/// A registered JCM project.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(deny_unknown_fields)]
pub struct Project {
    /// Id.
    pub id: ProjectId,
    /// Name.
    #[serde(default)]
    pub name: Text,
    /// The host Party: the first transferring Party of its units.
    pub host: Party,
    /// Cooperative approach.
    pub ca: CaId,
    /// Sector.
    pub sector: Sector,
    /// Activity type (nomenclature table 51(b), or a CA-specific list).
    pub activity_type: Text,
    /// Reductions or removals.
    pub mitigation_type: MitigationType,
    /// Periods declared as credited by other programmes (R37).
    #[serde(default)]
    pub other_crediting: Vec<OtherCrediting>,
}

/// An entity (company, project participant).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(deny_unknown_fields)]
pub struct Entity {
    /// Id.
    pub id: EntityId,
    /// Name.
    #[serde(default)]
    pub name: Text,
    /// Country of incorporation (AEF Table 5).
    pub country: Party,
    /// Identification number (AEF Table 5).
    #[serde(default)]
    pub identification: Text,
}

/// Account kinds (ARTICLE6.md §5.3).
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
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AccountKind {
    /// Where issuance may land before allocation.
    Pending,
    /// Holding account of a Party or entity.
    Holding,
    /// Use towards the holder Party's NDC (JCM retirement). Terminal.
    UseNdc,
    /// Use for other international mitigation purposes. Terminal.
    UseOimp,
    /// Voluntary cancellation. Terminal.
    CancelVoluntary,
    /// Cancellation to deliver OMGE. Terminal.
    CancelOmge,
    /// Share of proceeds for adaptation.
    SopAdaptation,
}

impl AccountKind {
    /// Terminal accounts never send (R11, R15).
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::UseNdc | Self::UseOimp | Self::CancelVoluntary | Self::CancelOmge)
    }

    /// Accounts whose units may be sent (R11).
    pub fn can_send(self) -> bool {
        matches!(self, Self::Pending | Self::Holding | Self::SopAdaptation)
    }
}

/// Who holds an account: a Party's government or an entity.
#[derive(
    Clone,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Debug,
    Serialize,
    Deserialize,
    BorshSerialize,
    BorshDeserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Holder {
    /// A Party's government.
    Party(Party),
    /// An entity.
    Entity(EntityId),
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Holder::Party(p) => write!(f, "{p} government"),
            Holder::Entity(e) => write!(f, "entity {e}"),
        }
    }
}

/// Account status (R9, R42).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AccountStatus {
    /// Usable.
    Active,
    /// Suspended by the registry administrator.
    Suspended,
    /// Closed; never reopened.
    Closed,
    /// Frozen by a reconciliation mismatch (R42) until an administrator releases it.
    Frozen,
}

/// An account in a registry.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// Id.
    pub id: AccountId,
    /// The registry it belongs to.
    pub registry: RegistryId,
    /// Kind.
    pub kind: AccountKind,
    /// Holder; registry-held accounts (cancellation, OIMP use, pending) have none.
    #[serde(default)]
    pub holder: Option<Holder>,
    /// Status.
    #[serde(default = "active")]
    pub status: AccountStatus,
}

fn active() -> AccountStatus {
    AccountStatus::Active
}

/// What an officer's key may sign for (R10).
#[derive(
    Clone, PartialEq, Eq, PartialOrd, Ord, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Administers a registry: issuance, accounts, holds, reconciliation.
    RegistryAdmin(RegistryId),
    /// A Party's designated authority: authorizations, NDC periods, projects, year closure.
    DesignatedAuthority(Party),
    /// Represents one side of a Joint Committee.
    JcRepresentative {
        /// The committee.
        jc: JcId,
        /// The side.
        party: Party,
    },
    /// Operates the accounts of a holder.
    AccountHolder(Holder),
    /// The chain's liaison to the UNFCCC (CARP results, participation status).
    Secretariat,
}

/// A key holder of the registry.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(deny_unknown_fields)]
pub struct Officer {
    /// Name (for people and scenario files).
    pub name: OfficerName,
    /// The key that signs for this officer.
    pub public_key: PublicKey,
    /// What the officer may sign for.
    pub roles: BTreeSet<Role>,
}

/// A validator of the chain (consensus key, voting power, Party).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(deny_unknown_fields)]
pub struct Validator {
    /// Name.
    pub name: Text,
    /// Consensus public key.
    pub public_key: PublicKey,
    /// Voting power.
    pub power: u64,
    /// The Party whose designated authority runs it.
    pub party: Party,
}
