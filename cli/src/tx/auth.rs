//! Arguments of the authorization actions (AEF Table 2): create, attach to units,
//! change, revoke; and the client's first-transfer claim the runtime always refuses.

use std::collections::BTreeSet;
use std::path::PathBuf;

use anyhow::bail;
use clap::Args;
use jcm_runtime::ids::*;
use jcm_runtime::model::*;
use jcm_runtime::protocol::{Amendment, Payload};

use super::parse::*;
use super::read_json;
use super::units::UnitsArgs;

/// `create-authorization`.
#[derive(Clone, Debug, Args)]
#[group(skip)]
pub struct CreateAuthorization {
    /// The whole terms as JSON (the `terms` object of the payload) instead of flags.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["id", "ca", "purposes"])]
    pub terms_file: Option<PathBuf>,
    /// Authorization id, e.g. AUTH-IND-002.
    #[arg(long, required_unless_present = "terms_file")]
    pub id: Option<AuthId>,
    /// Cooperative approach.
    #[arg(long, required_unless_present = "terms_file")]
    pub ca: Option<CaId>,
    /// Purposes (repeatable or comma-separated).
    #[arg(long = "purpose", value_delimiter = ',', value_parser = choice::<Purpose>(PURPOSES), required_unless_present = "terms_file")]
    pub purposes: Vec<Purpose>,
    /// Authorized quantity cap [default: none].
    #[arg(long, value_name = "N")]
    pub quantity: Option<u64>,
    /// GWP values applied, e.g. AR5.
    #[arg(long, default_value = "", value_parser = text)]
    pub gwp: Text,
    /// Sectors in scope [default: any] (repeatable).
    #[arg(long = "sector", value_delimiter = ',', value_parser = choice::<Sector>(SECTORS))]
    pub sectors: Vec<Sector>,
    /// Activity types in scope [default: any] (repeatable).
    #[arg(long = "activity-type", value_parser = text)]
    pub activity_types: Vec<Text>,
    /// Mitigation types in scope [default: any] (repeatable).
    #[arg(long = "mitigation-type", value_delimiter = ',', value_parser = choice::<MitigationType>(MITIGATION_TYPES))]
    pub mitigation_types: Vec<MitigationType>,
    /// Authorized Parties [default: any] (repeatable or comma-separated).
    #[arg(long = "party", value_delimiter = ',')]
    pub parties: Vec<Party>,
    /// Authorized entities [default: any] (repeatable or comma-separated).
    #[arg(long = "entity", value_delimiter = ',')]
    pub entities: Vec<EntityId>,
    /// The OIMP authorized, e.g. CORSIA.
    #[arg(long, value_parser = text)]
    pub oimp: Option<Text>,
    /// Years in which the mitigation may have occurred, FIRST-LAST.
    #[arg(long, value_parser = year_range)]
    pub occurred: Option<YearRange>,
    /// Years in which the units may be used, FIRST-LAST.
    #[arg(long, value_parser = year_range)]
    pub use_period: Option<YearRange>,
    /// Terms and conditions.
    #[arg(long, default_value = "", value_parser = text)]
    pub terms: Text,
    /// First-transfer definition (for OIMP purposes).
    #[arg(long, value_parser = choice::<FirstTransferDefinition>(FIRST_TRANSFER_DEFINITIONS))]
    pub first_transfer: Option<FirstTransferDefinition>,
    /// Changes the conditions permit (repeatable or comma-separated).
    #[arg(long = "permit", value_delimiter = ',', value_parser = choice::<ChangeKind>(CHANGE_KINDS))]
    pub permitted: Vec<ChangeKind>,
    /// The published change and revocation conditions.
    #[arg(long, default_value = "", value_parser = text)]
    pub conditions: Text,
    /// Additional information.
    #[arg(long, default_value = "", value_parser = text)]
    pub info: Text,
}

fn set<T: Ord + Clone>(items: &[T]) -> BTreeSet<T> {
    items.iter().cloned().collect()
}

fn optional_set<T: Ord + Clone>(items: &[T]) -> Option<BTreeSet<T>> {
    (!items.is_empty()).then(|| set(items))
}

impl CreateAuthorization {
    /// The payload.
    pub fn payload(&self) -> anyhow::Result<Payload> {
        if let Some(path) = &self.terms_file {
            return Ok(Payload::CreateAuthorization { terms: read_json(path)? });
        }
        let (Some(id), Some(ca)) = (&self.id, &self.ca) else {
            bail!("give --id, --ca and --purpose, or --terms-file");
        };
        Ok(Payload::CreateAuthorization {
            terms: AuthorizationTerms {
                id: id.clone(),
                ca: ca.clone(),
                quantity: self.quantity,
                gwp: self.gwp.clone(),
                sectors: set(&self.sectors),
                activity_types: set(&self.activity_types),
                mitigation_types: set(&self.mitigation_types),
                purposes: set(&self.purposes),
                parties: optional_set(&self.parties),
                entities: optional_set(&self.entities),
                oimp: self.oimp.clone(),
                occurred: self.occurred,
                use_period: self.use_period,
                terms: self.terms.clone(),
                first_transfer: self.first_transfer,
                change_conditions: ChangeConditions {
                    text: self.conditions.clone(),
                    permitted: set(&self.permitted),
                },
                additional_information: self.info.clone(),
            },
        })
    }
}

/// `authorize`.
#[derive(Clone, Debug, Args)]
#[group(skip)]
pub struct Authorize {
    /// The authorization to attach.
    #[arg(long)]
    pub authorization: AuthId,
    /// The account holding the units.
    #[arg(long)]
    pub account: AccountId,
    /// Cooperative approach [default: the range's].
    #[arg(long)]
    pub ca: Option<CaId>,
    #[command(flatten)]
    pub units: UnitsArgs,
}

impl Authorize {
    /// The payload.
    pub fn payload(&self) -> anyhow::Result<Payload> {
        Ok(Payload::Authorize {
            ca: self.units.ca(&self.ca)?,
            account: self.account.clone(),
            units: self.units.spec()?,
            authorization: self.authorization.clone(),
        })
    }
}

/// `change-authorization`.
#[derive(Clone, Debug, Args)]
#[group(skip)]
pub struct ChangeAuthorization {
    /// The authorization.
    #[arg(long)]
    pub id: AuthId,
    /// The whole amendment as JSON instead of flags.
    #[arg(long, value_name = "FILE")]
    pub amendment_file: Option<PathBuf>,
    /// New purposes (repeatable or comma-separated).
    #[arg(long = "purpose", value_delimiter = ',', value_parser = choice::<Purpose>(PURPOSES))]
    pub purposes: Vec<Purpose>,
    /// Parties to add.
    #[arg(long = "add-party", value_delimiter = ',')]
    pub add_parties: Vec<Party>,
    /// Parties to remove.
    #[arg(long = "remove-party", value_delimiter = ',')]
    pub remove_parties: Vec<Party>,
    /// Entities to add.
    #[arg(long = "add-entity", value_delimiter = ',')]
    pub add_entities: Vec<EntityId>,
    /// Entities to remove.
    #[arg(long = "remove-entity", value_delimiter = ',')]
    pub remove_entities: Vec<EntityId>,
    /// New quantity cap.
    #[arg(long, value_name = "N")]
    pub quantity: Option<u64>,
    /// New sectors.
    #[arg(long = "sector", value_delimiter = ',', value_parser = choice::<Sector>(SECTORS))]
    pub sectors: Vec<Sector>,
    /// New activity types.
    #[arg(long = "activity-type", value_parser = text)]
    pub activity_types: Vec<Text>,
    /// New mitigation types.
    #[arg(long = "mitigation-type", value_delimiter = ',', value_parser = choice::<MitigationType>(MITIGATION_TYPES))]
    pub mitigation_types: Vec<MitigationType>,
    /// New "occurred" years, FIRST-LAST.
    #[arg(long, value_parser = year_range)]
    pub occurred: Option<YearRange>,
    /// New "use" years, FIRST-LAST.
    #[arg(long, value_parser = year_range)]
    pub use_period: Option<YearRange>,
    /// New OIMP.
    #[arg(long, value_parser = text)]
    pub oimp: Option<Text>,
    /// New first-transfer definition.
    #[arg(long, value_parser = choice::<FirstTransferDefinition>(FIRST_TRANSFER_DEFINITIONS))]
    pub first_transfer: Option<FirstTransferDefinition>,
    /// New terms and conditions.
    #[arg(long, value_parser = text)]
    pub terms: Option<Text>,
    /// Apply to units already first transferred too (R25).
    #[arg(long)]
    pub retroactive: bool,
}

impl ChangeAuthorization {
    /// The payload.
    pub fn payload(&self) -> anyhow::Result<Payload> {
        let amendment = match &self.amendment_file {
            Some(path) => read_json(path)?,
            None => Amendment {
                purposes: optional_set(&self.purposes),
                add_parties: set(&self.add_parties),
                remove_parties: set(&self.remove_parties),
                add_entities: set(&self.add_entities),
                remove_entities: set(&self.remove_entities),
                quantity: self.quantity,
                sectors: optional_set(&self.sectors),
                activity_types: optional_set(&self.activity_types),
                mitigation_types: optional_set(&self.mitigation_types),
                occurred: self.occurred,
                use_period: self.use_period,
                oimp: self.oimp.clone(),
                first_transfer: self.first_transfer,
                terms: self.terms.clone(),
            },
        };
        if amendment == Amendment::default() {
            bail!("the amendment changes nothing: give at least one change (see --help) or --amendment-file");
        }
        Ok(Payload::ChangeAuthorization { id: self.id.clone(), amendment, retroactive: self.retroactive })
    }
}

/// `revoke-authorization`.
#[derive(Clone, Debug, Args)]
#[group(skip)]
pub struct RevokeAuthorization {
    /// The authorization.
    #[arg(long)]
    pub id: AuthId,
    /// Revoke for units already first transferred too (R26).
    #[arg(long)]
    pub retroactive: bool,
    /// Why.
    #[arg(long, default_value = "", value_parser = text)]
    pub reason: Text,
}

impl RevokeAuthorization {
    /// The payload.
    pub fn payload(&self) -> anyhow::Result<Payload> {
        Ok(Payload::RevokeAuthorization {
            id: self.id.clone(),
            retroactive: self.retroactive,
            reason: self.reason.clone(),
        })
    }
}

/// `declare-first-transfer`.
#[derive(Clone, Debug, Args)]
#[group(skip)]
pub struct DeclareFirstTransfer {
    /// The account holding the units.
    #[arg(long)]
    pub account: AccountId,
    /// Cooperative approach [default: the range's].
    #[arg(long)]
    pub ca: Option<CaId>,
    #[command(flatten)]
    pub units: UnitsArgs,
}

impl DeclareFirstTransfer {
    /// The payload.
    pub fn payload(&self) -> anyhow::Result<Payload> {
        Ok(Payload::DeclareFirstTransfer {
            ca: self.units.ca(&self.ca)?,
            account: self.account.clone(),
            units: self.units.spec()?,
        })
    }
}
