//! The ledger's action log: every accepted action appends events, hash-chained
//! (`hash = SHA-256(prev_hash ‖ canonical event)`, R41), from which the unit histories,
//! the corresponding-adjustment ledger (R29) and the AEF tables (§9) are derived.

use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

use crate::codec::Hash32;
use crate::error::Code;
use crate::ids::*;
use crate::model::{AccountStatus, AuthStatus, Holder, Participation, Text};
use crate::protocol::{OimpPurpose, ProposalState};
use crate::time::Timestamp;
use crate::units::UnitBlock;

/// AEF "First transfer" subtypes (nomenclature table 26(b)).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[allow(missing_docs)]
pub enum FirstTransferSubtype {
    ToAnotherParty,
    Authorization,
    Issuance,
    UseOrCancellation,
    MandatoryOmge,
    VoluntaryOmge,
}

impl FirstTransferSubtype {
    /// The AEF spelling.
    pub fn aef(self) -> &'static str {
        match self {
            Self::ToAnotherParty => "First transfer to another Party",
            Self::Authorization => "Authorization",
            Self::Issuance => "Issuance",
            Self::UseOrCancellation => "Use or cancellation",
            Self::MandatoryOmge => "Mandatory cancellation to deliver OMGE",
            Self::VoluntaryOmge => "Voluntary cancellation to deliver OMGE",
        }
    }
}

/// AEF cancellation subtypes.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[allow(missing_docs)]
pub enum CancellationSubtype {
    MandatoryOmge,
    VoluntaryOmge,
    Other,
}

impl CancellationSubtype {
    /// The AEF spelling.
    pub fn aef(self) -> &'static str {
        match self {
            Self::MandatoryOmge => "Mandatory cancellation to deliver OMGE",
            Self::VoluntaryOmge => "Voluntary cancellation to deliver OMGE",
            Self::Other => "Other cancellations",
        }
    }
}

/// What happened.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum EventKind {
    /// Units recorded in a registry (ISSUE).
    Issued { account: AccountId },
    /// Units attached to an authorization (AUTHORIZE).
    Authorized { authorization: AuthId, version: u32, account: AccountId },
    /// A new version of an authorization (Table 2 row).
    AuthorizationVersion { authorization: AuthId, version: u32, status: AuthStatus },
    /// The first transfer (R28); adds `+q` to the FTP's ledger for the vintage (R29).
    FirstTransfer {
        subtype: FirstTransferSubtype,
        acquiring: Option<Party>,
        user: Option<Holder>,
        purpose: Option<Text>,
    },
    /// A later external transfer (AEF "Transfer").
    Transferred { from: AccountId, to: AccountId, acquiring: Party },
    /// Receipt of an external transfer or non-host issuance (AEF "Acquisition").
    Acquired { to: AccountId, transferring: Party },
    /// Between accounts of one registry (not in the AEF).
    TransferredInternal { from: AccountId, to: AccountId },
    /// An external transfer awaits the acquiring registry (R39).
    TransferProposed { transfer: Hash32, from: AccountId, to: AccountId },
    /// An external transfer ended without moving anything (R39).
    TransferTerminated { transfer: Hash32, code: Code },
    /// Use towards an NDC; adds `-q` to the user's ledger for the use year (R29).
    UsedNdc { from: AccountId, to: AccountId, party: Party, year: u16 },
    /// Use for OIMP.
    UsedOimp { from: AccountId, to: AccountId, user: Holder, purpose: OimpPurpose, scheme: Text },
    /// Cancellation (voluntary, or to deliver OMGE).
    Cancelled { subtype: CancellationSubtype, from: AccountId, to: AccountId, canceller: Option<Holder> },
    /// Transfer to an adaptation account (share of proceeds).
    SopTransferred { from: AccountId, to: AccountId, mandatory: bool },
    /// Units put on hold (R34).
    Held { reason: Text },
    /// A hold released.
    Released { reason: Text },
    /// An account's status changed (R9, R42).
    AccountStatusChanged { account: AccountId, status: AccountStatus, code: Option<Code>, reason: Text },
    /// A Party's participation status changed (R7).
    ParticipationChanged { party: Party, status: Participation },
    /// A reporting year's AEF submission became final (R38).
    ReportingYearClosed { party: Party, year: u16 },
    /// A corrected version of a final AEF submission (R38, §9.4). Appended after every
    /// earlier variant, so that they keep their encodings.
    ReportingYearResubmitted { party: Party, year: u16, version: Text },
    /// A6.4ERs received from the Article 6.4 mechanism registry into `account`, with
    /// their first and last A6.4ER identifiers (not in the AEF on its own). Last of the
    /// enum, so that every earlier event keeps its encoding.
    Received { account: AccountId, a64_first: Text, a64_last: Text },
    /// A governance proposal was opened (R43). The governance events follow every
    /// earlier event, so that those keep their encodings.
    ProposalSubmitted { proposal: u64, change: Text, deadline: u64 },
    /// A Party approved or rejected a proposal, or an admitted Party consented (R44, R45).
    ProposalVoted { proposal: u64, party: Party, approve: bool },
    /// A proposal left the open state: approved, executed, rejected or expired (R43).
    ProposalClosed { proposal: u64, state: ProposalState },
    /// A Party was admitted with its registry and officers (R45).
    PartyAdmitted { party: Party },
    /// A cooperative approach and its Joint Committee were created (R46).
    ApproachCreated { ca: CaId, jc: JcId },
    /// An officer was added, removed, given new roles, or its key rotated or revoked
    /// (R47, R48).
    OfficerChanged { party: Option<Party>, officer: OfficerName, change: OfficerChange },
    /// A validator change was scheduled for `height` (R49).
    ValidatorsScheduled { proposal: u64, height: u64 },
    /// A scheduled validator change took effect at the start of this block (R49).
    ValidatorSetChanged { proposal: u64 },
    /// An observer node was allowed or removed (R50).
    ObserverChanged { node_id: Text, allowed: bool },
    /// A protocol upgrade was planned (R51).
    UpgradePlanned { version: u32, height: u64 },
    /// A validator's equivocation was recorded (R52): two conflicting votes at `height`,
    /// `round`.
    EvidenceRecorded { validator: crate::crypto::PublicKey, height: u64, round: u32, evidence: Hash32 },
}

/// What happened to an officer (R47, R48).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum OfficerChange {
    Added,
    Removed,
    RolesChanged,
    KeyRotated,
    KeyRevoked,
}

/// One entry of the action log.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
pub struct Event {
    /// Position in the log, from 0.
    pub seq: u64,
    /// Block height.
    pub height: u64,
    /// Action date (block time).
    pub time: Timestamp,
    /// The transaction that caused it (zero for block-level events such as timeouts).
    pub tx: Hash32,
    /// The registry where the action is recorded.
    pub registry: Option<RegistryId>,
    /// What happened.
    pub kind: EventKind,
    /// The units it concerns, with their attributes after the action.
    pub units: Option<UnitBlock>,
    /// Hash of the previous event (zero for the first).
    pub prev_hash: Hash32,
}

/// The head of the log: how many events, and the hash of the last.
#[derive(
    Clone, Copy, PartialEq, Eq, Debug, Default, Serialize, Deserialize, BorshSerialize, BorshDeserialize,
)]
pub struct EventHead {
    /// Number of events.
    pub count: u64,
    /// Hash of the last event.
    pub hash: Hash32,
}

/// The chained hash of an event: `SHA-256(prev_hash ‖ encode(event))`.
pub fn chain_hash(event: &Event) -> Hash32 {
    let mut bytes = event.prev_hash.0.to_vec();
    bytes.extend_from_slice(&crate::codec::encode(event));
    crate::codec::sha256(&bytes)
}
