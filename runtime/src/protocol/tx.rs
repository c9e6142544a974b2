//! The protocol's transaction types: the signed envelope and one payload variant per
//! Article 6.2 action (ARTICLE6.md §1.4). The payload enum is the whole interface of
//! the rules engine; its canonical encoding is pinned by golden vectors.
//!
//! Field names are what officers write in JSON (RPC, CLI) and TOML (scenario files).

use std::collections::BTreeSet;

use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

use super::GovChange;
use crate::codec::{self, DecodeError, Hash32};
use crate::crypto::{PublicKey, SecretKey, Signature, TAG_JC_NOTIFICATION, TAG_TX};
use crate::ids::*;
use crate::limits::TX_BYTES_MAX;
use crate::model::*;
use crate::time::Timestamp;

/// Units named in a request: either a serial range (`first`, `last` and its `quantity`,
/// R3, R4) or a quantity the runtime selects from the account (R13), optionally
/// restricted to a vintage and an authorization.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitsSpec {
    /// First unit identifier of the range.
    #[serde(default)]
    pub first: Option<Text>,
    /// Last unit identifier of the range.
    #[serde(default)]
    pub last: Option<Text>,
    /// Number of units.
    pub quantity: u64,
    /// For a quantity request: only units of this vintage.
    #[serde(default)]
    pub vintage: Option<u16>,
    /// For a quantity request: only units under this authorization.
    #[serde(default)]
    pub authorization: Option<AuthId>,
    /// For non-GHG cooperative approaches: the quantity in the metric (R4).
    #[serde(default)]
    pub metric_quantity: Option<u64>,
    /// For non-GHG cooperative approaches: t CO2 eq per metric unit, in millionths (R4).
    #[serde(default)]
    pub conversion_factor_ppm: Option<u64>,
}

/// One allocation line of a JC notification or of an issuance request.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(deny_unknown_fields)]
pub struct AllocationLine {
    /// The receiving account.
    pub account: AccountId,
    /// Units allocated.
    pub quantity: u64,
    /// The authorization the units are issued under, if any (R37b).
    #[serde(default)]
    pub authorization: Option<AuthId>,
}

/// Status of a JC notification.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NotificationStatus {
    /// The JC decided the issuance.
    Approved,
    /// Not (yet) decided.
    Pending,
    /// The JC declined the issuance.
    Rejected,
}

fn approved() -> NotificationStatus {
    NotificationStatus::Approved
}

/// A period of days, both ends included.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    /// First day.
    pub from: Timestamp,
    /// Last day.
    pub to: Timestamp,
}

impl Period {
    /// Whether two periods share a day.
    pub fn overlaps(&self, other: &Period) -> bool {
        self.from <= other.to && other.from <= self.to
    }
}

/// A JC decision to issue credits for a monitoring period (R35), as both sides sign it.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(deny_unknown_fields)]
pub struct Notification {
    /// Id, executed at most once.
    pub id: NotificationId,
    /// The Joint Committee.
    pub jc: JcId,
    /// The project.
    pub project: ProjectId,
    /// The monitoring period.
    pub monitoring_period: Period,
    /// The vintage of the credits.
    pub vintage: u16,
    /// The total issued across both registries.
    pub total: u64,
    /// Decision status.
    #[serde(default = "approved")]
    pub status: NotificationStatus,
    /// Allocation lines, including any OMGE and SOP deductions.
    pub lines: Vec<AllocationLine>,
}

/// A JC representative's signature on a notification.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(deny_unknown_fields)]
pub struct Endorsement {
    /// The representative's key.
    pub public_key: PublicKey,
    /// Signature over the notification (tag `JCM/jc-notification/v1`).
    pub signature: Signature,
}

/// A notification with the signatures of the JC representatives.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedNotification {
    /// The decision.
    pub body: Notification,
    /// Signatures, one per side.
    pub endorsements: Vec<Endorsement>,
}

impl SignedNotification {
    /// Adds `key`'s endorsement (prepared offline by each representative).
    pub fn endorse(&mut self, chain_id: &str, key: &SecretKey) {
        let signature = key.sign(TAG_JC_NOTIFICATION, chain_id, &codec::encode(&self.body));
        self.endorsements.push(Endorsement { public_key: key.public(), signature });
    }
}

/// A change to an authorization (R24): each present field is one kind of change.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(deny_unknown_fields)]
pub struct Amendment {
    /// New purposes.
    #[serde(default)]
    pub purposes: Option<BTreeSet<Purpose>>,
    /// Parties to add.
    #[serde(default)]
    pub add_parties: BTreeSet<Party>,
    /// Parties to remove.
    #[serde(default)]
    pub remove_parties: BTreeSet<Party>,
    /// Entities to add.
    #[serde(default)]
    pub add_entities: BTreeSet<EntityId>,
    /// Entities to remove.
    #[serde(default)]
    pub remove_entities: BTreeSet<EntityId>,
    /// New quantity cap.
    #[serde(default)]
    pub quantity: Option<u64>,
    /// New sectors.
    #[serde(default)]
    pub sectors: Option<BTreeSet<Sector>>,
    /// New activity types.
    #[serde(default)]
    pub activity_types: Option<BTreeSet<Text>>,
    /// New mitigation types.
    #[serde(default)]
    pub mitigation_types: Option<BTreeSet<MitigationType>>,
    /// New "Occurred" timeframe.
    #[serde(default)]
    pub occurred: Option<YearRange>,
    /// New "Use" timeframe.
    #[serde(default)]
    pub use_period: Option<YearRange>,
    /// New OIMP authorized.
    #[serde(default)]
    pub oimp: Option<Text>,
    /// New first-transfer definition.
    #[serde(default)]
    pub first_transfer: Option<FirstTransferDefinition>,
    /// New terms and conditions.
    #[serde(default)]
    pub terms: Option<Text>,
}

/// A registry's reported balance of one account (R42).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportedTotal {
    /// Account.
    pub account: AccountId,
    /// Units the registry's own database shows in it.
    pub quantity: u64,
}

/// A registry's reported unit block (R42).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportedBlock {
    /// Account.
    pub account: AccountId,
    /// First unit identifier.
    pub first: Text,
    /// Last unit identifier.
    pub last: Text,
}

/// The purpose of an OIMP use (R22): `IMP` (e.g. CORSIA), `OP`, or `OIMP`.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[allow(missing_docs)]
pub enum OimpPurpose {
    IMP,
    OP,
    OIMP,
}

/// A6.4ERs named by their identifiers in the Article 6.4 mechanism registry
/// (`A6.4ER-IND-PACM-IN-0001-2025-1`, [`crate::a64::A64Id`]): a range and its size.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(deny_unknown_fields)]
pub struct A64Units {
    /// First A6.4ER identifier.
    pub first: Text,
    /// Last A6.4ER identifier.
    pub last: Text,
    /// Number of A6.4ERs.
    pub quantity: u64,
}

/// One Article 6.2 action. Serialized with an `action` tag in JSON and TOML.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
#[allow(missing_docs)]
pub enum Payload {
    /// A Party's designated authority registers an NDC implementation period (R27).
    RegisterNdcPeriod { party: Party, period: NdcPeriod },
    /// The secretariat records a Party's participation status (R7).
    SetParticipation { party: Party, status: Participation },
    /// The host's designated authority registers a project.
    RegisterProject { project: Project },
    /// The host declares a period credited by another programme (R37).
    DeclareOtherCrediting { project: ProjectId, crediting: OtherCrediting },
    /// A registry administrator registers an entity.
    RegisterEntity { entity: Entity },
    /// A registry administrator opens an account.
    OpenAccount { account: Account },
    /// A registry administrator suspends, closes, freezes or reactivates an account.
    SetAccountStatus {
        account: AccountId,
        status: AccountStatus,
        #[serde(default)]
        reason: Text,
    },
    /// JCM issuance by a JC notification (R35–R37b).
    Issue {
        ca: CaId,
        project: ProjectId,
        vintage: u16,
        #[serde(default)]
        notification: Option<SignedNotification>,
        lines: Vec<AllocationLine>,
        /// A client-chosen first serial, accepted only if it is the next free one (R14).
        #[serde(default)]
        first_serial: Option<u64>,
    },
    /// The first transferring Party's designated authority issues a new authorization (v1).
    CreateAuthorization { terms: AuthorizationTerms },
    /// Attach an authorization to mitigation outcomes held in `account` (AUTHORIZE).
    Authorize { ca: CaId, account: AccountId, units: UnitsSpec, authorization: AuthId },
    /// A new version of an authorization (AUTH_CHANGE, R24, R25).
    ChangeAuthorization {
        id: AuthId,
        amendment: Amendment,
        #[serde(default)]
        retroactive: bool,
    },
    /// Revoke an authorization, prospectively (AUTH_REVOKE, R24–R26).
    RevokeAuthorization {
        id: AuthId,
        #[serde(default)]
        retroactive: bool,
        #[serde(default)]
        reason: Text,
    },
    /// Between accounts of one registry.
    TransferInternal { ca: CaId, from: AccountId, to: AccountId, units: UnitsSpec },
    /// To another Party's registry; completes when the acquiring registry accepts (R39).
    TransferExternal { ca: CaId, from: AccountId, to: AccountId, units: UnitsSpec },
    /// The acquiring registry accepts a pending external transfer (R39).
    AcceptTransfer { transfer: Hash32 },
    /// The acquiring registry rejects a pending external transfer (R39, `A6-7002`).
    RejectTransfer {
        transfer: Hash32,
        #[serde(default)]
        reason: Text,
    },
    /// Use towards the holder Party's NDC, for a calendar year (R32, R33).
    UseNdc { ca: CaId, from: AccountId, to: AccountId, units: UnitsSpec, use_year: u16 },
    /// Use for other international mitigation purposes (R22, R33).
    UseOimp { ca: CaId, from: AccountId, to: AccountId, units: UnitsSpec, purpose: OimpPurpose, scheme: Text },
    /// Voluntary cancellation.
    CancelVoluntary { ca: CaId, from: AccountId, to: AccountId, units: UnitsSpec },
    /// Voluntary cancellation to deliver OMGE (R28d).
    CancelOmge { ca: CaId, from: AccountId, to: AccountId, units: UnitsSpec },
    /// Transfer to an adaptation (share of proceeds) account.
    TransferSop { ca: CaId, from: AccountId, to: AccountId, units: UnitsSpec },
    /// Put units on hold after a CARP inconsistency (R34).
    Hold {
        ca: CaId,
        units: UnitsSpec,
        #[serde(default)]
        reason: Text,
    },
    /// Release a hold (administrative, logged).
    Release {
        ca: CaId,
        units: UnitsSpec,
        #[serde(default)]
        reason: Text,
    },
    /// The designated authority makes a reporting year's AEF submission final (R38).
    CloseReportingYear { party: Party, year: u16 },
    /// A registry reports its own totals and unit blocks for reconciliation (R42).
    Reconcile {
        registry: RegistryId,
        totals: Vec<ReportedTotal>,
        #[serde(default)]
        blocks: Option<Vec<ReportedBlock>>,
    },
    /// A request to undo a completed action: never permitted (R40).
    Reverse {
        transaction: Hash32,
        #[serde(default)]
        reason: Text,
    },
    /// A client's explicit claim that units are first transferred. The runtime alone
    /// classifies first transfers (R28), so this is always refused: with `A6-5002` when
    /// the units already are, with `A6-1002` otherwise.
    DeclareFirstTransfer { ca: CaId, account: AccountId, units: UnitsSpec },
    /// The host declares a period of a project credited by another programme, with that
    /// programme's identifiers (R37).
    DeclareCreditedElsewhere { project: ProjectId, crediting: CreditingDeclaration },
    /// The designated authority submits a corrected version (`1.1`, `1.2`, ...) of a
    /// reporting year's final AEF submission, saying what it corrects (R38, §9.4). Appended
    /// after every earlier variant, so that they keep their encodings.
    ResubmitReportingYear { party: Party, year: u16, explanation: Text },
    /// The secretariat records A6.4ERs that their host authorized as received from the
    /// Article 6.4 mechanism registry into `to`, under the approach `ca` that tracks them
    /// (issue 14, S4). They become units of (`ca`, host) mapped one to one to their
    /// A6.4ER identifiers, classified for first transfer under `authorization` (R28).
    /// Last of the enum, so that every earlier variant keeps its encoding.
    ReceiveA64Units {
        ca: CaId,
        activity: ProjectId,
        vintage: u16,
        units: A64Units,
        to: AccountId,
        authorization: AuthId,
    },
    /// A Party's designated authority proposes a governance change, open until the
    /// height `deadline` (R43). The governance variants follow every earlier variant,
    /// so that those keep their encodings.
    Propose { change: GovChange, deadline: u64 },
    /// A Party's designated authority approves an open proposal for its Party (R44).
    ApproveProposal { proposal: u64 },
    /// A Party's designated authority rejects an open proposal for its Party (R44).
    RejectProposal {
        proposal: u64,
        #[serde(default)]
        reason: Text,
    },
    /// The admitted Party's own authority key consents to its admission (R45).
    ConsentToAdmission { proposal: u64 },
    /// A Party's designated authority adds an officer with roles of its Party (R47).
    AddOfficer { party: Party, officer: Officer },
    /// A Party's designated authority removes one of its officers (R47).
    RemoveOfficer { party: Party, key: PublicKey },
    /// A Party's designated authority replaces the roles of one of its officers (R47).
    SetOfficerRoles { party: Party, key: PublicKey, roles: BTreeSet<Role> },
    /// An officer moves to a new key, signing with the old one (R48).
    RotateKey { new_key: PublicKey },
    /// A Party's designated authority revokes a compromised key of its officer (R48).
    RevokeKey {
        party: Party,
        key: PublicKey,
        #[serde(default)]
        reason: Text,
    },
    /// A Party's designated authority allows an observer node (R50).
    AllowObserver {
        party: Party,
        node_id: Text,
        #[serde(default)]
        name: Text,
    },
    /// The Party that allowed an observer node removes it (R50).
    RemoveObserver { party: Party, node_id: Text },
    /// A validator, signing with its consensus key, reports another's equivocation: two
    /// conflicting votes (R52). Last of the enum, so that every earlier variant keeps its
    /// encoding.
    ReportEvidence { evidence: super::Evidence },
}

impl Payload {
    /// The action's name as in JSON and TOML (`transfer_internal`).
    pub fn action(&self) -> &'static str {
        match self {
            Payload::RegisterNdcPeriod { .. } => "register_ndc_period",
            Payload::SetParticipation { .. } => "set_participation",
            Payload::RegisterProject { .. } => "register_project",
            Payload::DeclareOtherCrediting { .. } => "declare_other_crediting",
            Payload::RegisterEntity { .. } => "register_entity",
            Payload::OpenAccount { .. } => "open_account",
            Payload::SetAccountStatus { .. } => "set_account_status",
            Payload::Issue { .. } => "issue",
            Payload::CreateAuthorization { .. } => "create_authorization",
            Payload::Authorize { .. } => "authorize",
            Payload::ChangeAuthorization { .. } => "change_authorization",
            Payload::RevokeAuthorization { .. } => "revoke_authorization",
            Payload::TransferInternal { .. } => "transfer_internal",
            Payload::TransferExternal { .. } => "transfer_external",
            Payload::AcceptTransfer { .. } => "accept_transfer",
            Payload::RejectTransfer { .. } => "reject_transfer",
            Payload::UseNdc { .. } => "use_ndc",
            Payload::UseOimp { .. } => "use_oimp",
            Payload::CancelVoluntary { .. } => "cancel_voluntary",
            Payload::CancelOmge { .. } => "cancel_omge",
            Payload::TransferSop { .. } => "transfer_sop",
            Payload::Hold { .. } => "hold",
            Payload::Release { .. } => "release",
            Payload::CloseReportingYear { .. } => "close_reporting_year",
            Payload::Reconcile { .. } => "reconcile",
            Payload::Reverse { .. } => "reverse",
            Payload::DeclareFirstTransfer { .. } => "declare_first_transfer",
            Payload::DeclareCreditedElsewhere { .. } => "declare_credited_elsewhere",
            Payload::ResubmitReportingYear { .. } => "resubmit_reporting_year",
            Payload::ReceiveA64Units { .. } => "receive_a64_units",
            Payload::Propose { .. } => "propose",
            Payload::ApproveProposal { .. } => "approve_proposal",
            Payload::RejectProposal { .. } => "reject_proposal",
            Payload::ConsentToAdmission { .. } => "consent_to_admission",
            Payload::AddOfficer { .. } => "add_officer",
            Payload::RemoveOfficer { .. } => "remove_officer",
            Payload::SetOfficerRoles { .. } => "set_officer_roles",
            Payload::RotateKey { .. } => "rotate_key",
            Payload::RevokeKey { .. } => "revoke_key",
            Payload::AllowObserver { .. } => "allow_observer",
            Payload::RemoveObserver { .. } => "remove_observer",
            Payload::ReportEvidence { .. } => "report_evidence",
        }
    }
}

/// What the signer signs: everything of the envelope but the signature.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(deny_unknown_fields)]
pub struct TxBody {
    /// The chain the transaction is for.
    pub chain_id: Text,
    /// The signer's public key.
    pub signer: PublicKey,
    /// The signer's next nonce, from 0.
    pub nonce: u64,
    /// The action.
    pub payload: Payload,
}

/// A signed transaction: the body and an ed25519 signature over
/// `JCM/tx/v1 ‖ chain id ‖ encode(body)`.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(deny_unknown_fields)]
pub struct Transaction {
    /// The signed content.
    pub body: TxBody,
    /// The signature.
    pub signature: Signature,
}

impl Transaction {
    /// Signs `payload` as `key` with `nonce` for `chain_id`.
    pub fn sign(chain_id: &str, key: &SecretKey, nonce: u64, payload: Payload) -> Self {
        let chain_id = Text::new(chain_id).expect("chain ids are short");
        let body = TxBody { chain_id, signer: key.public(), nonce, payload };
        let signature = key.sign(TAG_TX, body.chain_id.as_str(), &codec::encode(&body));
        Self { body, signature }
    }

    /// The transaction id (R1): SHA-256 of the canonical encoding of the envelope.
    pub fn hash(&self) -> Hash32 {
        codec::hash_of(self)
    }

    /// Whether the signature verifies for the signer's key.
    pub fn signature_valid(&self) -> bool {
        let body = codec::encode(&self.body);
        self.body.signer.verify(TAG_TX, self.body.chain_id.as_str(), &body, &self.signature)
    }

    /// Canonical bytes.
    pub fn encode(&self) -> Vec<u8> {
        codec::encode(self)
    }

    /// Decodes canonical bytes, bounded by [`TX_BYTES_MAX`].
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        codec::decode(bytes, TX_BYTES_MAX)
    }
}
