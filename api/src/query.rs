//! The registry's read models: holdings, a unit's history, pages of the action log,
//! authorizations, the corresponding-adjustment ledger, what a project had credited,
//! where an A6.4ER is, and state proofs. The records inside (accounts, unit blocks,
//! events, authorization versions) are the runtime's own JSON forms, described in
//! docs/api.md.

use jcm_runtime::a64::A64Receipt;
use jcm_runtime::codec::Hash32;
use jcm_runtime::events::Event;
use jcm_runtime::ids::{AccountId, AuthId, CaId, Party};
use jcm_runtime::merkle::Proof;
use jcm_runtime::model::Authorization;
use jcm_runtime::read::{Holding, LedgerEntry};
use jcm_runtime::state::{AuthMeta, LedgerTotals};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Every account in a Party's registries, with the units each holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PartyHoldings {
    /// The Party.
    #[schema(value_type = String, example = "JPN")]
    pub party: Party,
    /// Units held in all the accounts listed.
    pub quantity: u64,
    /// Whether the list was cut to one page.
    pub truncated: bool,
    /// The accounts, each with its unit blocks.
    #[schema(value_type = Vec<Object>)]
    pub accounts: Vec<Holding>,
}

/// A page of the action log of an account or a Party, oldest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EventsPage {
    /// The account, for `/v1/accounts/{id}/events`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub account: Option<AccountId>,
    /// The Party, for `/v1/parties/{code}/events`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub party: Option<Party>,
    /// The events.
    #[schema(value_type = Vec<Object>)]
    pub events: Vec<Event>,
    /// The `after` of the next page, when this one is full.
    pub next_after: Option<u64>,
}

/// Every version of an authorization, oldest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuthorizationView {
    /// The authorization id.
    #[schema(value_type = String)]
    pub id: AuthId,
    /// Its latest version, the units attached, whether any was first transferred.
    #[schema(value_type = Object)]
    pub meta: AuthMeta,
    /// The versions.
    #[schema(value_type = Vec<Object>)]
    pub versions: Vec<Authorization>,
}

/// A Party's corresponding adjustments, totals per year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Ledger {
    /// The Party.
    #[schema(value_type = String)]
    pub party: Party,
    /// One line per year with an entry, in order.
    pub years: Vec<LedgerYearTotals>,
}

/// A year's corresponding-adjustment totals (R29).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LedgerYearTotals {
    /// The year.
    pub year: u16,
    /// First-transfer additions, for year = vintage.
    pub additions: u64,
    /// NDC-use subtractions, for year = use year.
    pub subtractions: u64,
}

/// One year of a Party's ledger: its totals and every entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LedgerYear {
    /// The Party.
    #[schema(value_type = String)]
    pub party: Party,
    /// The year.
    pub year: u16,
    /// Whether the Party has closed the year.
    pub closed: bool,
    /// The totals.
    #[schema(value_type = Object)]
    pub totals: LedgerTotals,
    /// The entries, in order.
    #[schema(value_type = Vec<Object>)]
    pub entries: Vec<LedgerEntry>,
}

/// Where an A6.4ER is on the chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct A64Location {
    /// The A6.4ER identifier.
    pub a64_id: String,
    /// The cooperative approach it is tracked under.
    #[schema(value_type = String)]
    pub ca: CaId,
    /// The host, its first transferring Party.
    #[schema(value_type = String)]
    pub first_transferring_party: Party,
    /// Its ITMO serial.
    pub serial: u64,
    /// The receipt that brought it from the mechanism registry.
    #[schema(value_type = Object)]
    pub receipt: A64Receipt,
}

/// A Merkle proof of a key's value, or of its absence, under a header's state root.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProofAnswer {
    /// The key, hex.
    pub key: String,
    /// The height whose state root the proof is against.
    pub height: u64,
    /// That header's hash.
    #[schema(value_type = String)]
    pub header_hash: Hash32,
    /// That header's state root.
    #[schema(value_type = String)]
    pub state_root: Hash32,
    /// Whether the key holds a value.
    pub present: bool,
    /// The value at that height, hex.
    pub value: Option<String>,
    /// The value's hash, which the proof carries.
    #[schema(value_type = Option<String>)]
    pub value_hash: Option<Hash32>,
    /// The proof: the leaf and the siblings from the root down.
    #[schema(value_type = Object)]
    pub proof: Proof,
    /// The proof's canonical bytes, hex.
    pub proof_bytes: String,
}
