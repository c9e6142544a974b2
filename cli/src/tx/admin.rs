//! Arguments of the administrative actions: NDC periods, participation, projects,
//! entities, accounts, reporting years, reconciliation, and the never-permitted reversal.

use std::path::PathBuf;

use anyhow::bail;
use clap::Args;
use jcm_runtime::codec::Hash32;
use jcm_runtime::ids::*;
use jcm_runtime::model::*;
use jcm_runtime::protocol::{Payload, ReportedBlock, ReportedTotal};
use jcm_runtime::time::Timestamp;

use super::parse::*;
use super::read_json;

/// `register-ndc-period`.
#[derive(Clone, Debug, Args)]
#[group(skip)]
pub struct RegisterNdcPeriod {
    /// The Party (designated authority's own).
    #[arg(long)]
    pub party: Party,
    /// The years of the period, FIRST-LAST.
    #[arg(long, value_name = "FIRST-LAST", value_parser = year_range)]
    pub years: YearRange,
    /// Single- or multi-year NDC.
    #[arg(long, value_parser = choice::<NdcKind>(NDC_KINDS), default_value = "single-year")]
    pub kind: NdcKind,
}

impl RegisterNdcPeriod {
    /// The payload.
    pub fn payload(&self) -> anyhow::Result<Payload> {
        Ok(Payload::RegisterNdcPeriod {
            party: self.party.clone(),
            period: NdcPeriod { years: self.years, kind: self.kind },
        })
    }
}

/// `set-participation`.
#[derive(Clone, Debug, Args)]
#[group(skip)]
pub struct SetParticipation {
    /// The Party.
    #[arg(long)]
    pub party: Party,
    /// Its participation status (R7).
    #[arg(long, value_parser = choice::<Participation>(PARTICIPATIONS))]
    pub status: Participation,
}

impl SetParticipation {
    /// The payload.
    pub fn payload(&self) -> anyhow::Result<Payload> {
        Ok(Payload::SetParticipation { party: self.party.clone(), status: self.status })
    }
}

/// `register-project`.
#[derive(Clone, Debug, Args)]
#[group(skip)]
pub struct RegisterProject {
    /// The whole project as JSON (the `project` object of the payload) instead of flags.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["id", "host", "ca", "sector", "activity_type", "mitigation_type"])]
    pub project_file: Option<PathBuf>,
    /// Project id, e.g. INJ-002.
    #[arg(long, required_unless_present = "project_file")]
    pub id: Option<ProjectId>,
    /// Project name.
    #[arg(long, default_value = "", value_parser = text)]
    pub name: Text,
    /// The host Party (the first transferring Party of its units).
    #[arg(long, required_unless_present = "project_file")]
    pub host: Option<Party>,
    /// Cooperative approach.
    #[arg(long, required_unless_present = "project_file")]
    pub ca: Option<CaId>,
    /// Sector (nomenclature table 15(b)).
    #[arg(long, value_parser = choice::<Sector>(SECTORS), required_unless_present = "project_file")]
    pub sector: Option<Sector>,
    /// Activity type, e.g. Solar (nomenclature table 51(b)).
    #[arg(long, value_parser = text, required_unless_present = "project_file")]
    pub activity_type: Option<Text>,
    /// Reductions or removals.
    #[arg(long, value_parser = choice::<MitigationType>(MITIGATION_TYPES), default_value = "emission-reductions")]
    pub mitigation_type: MitigationType,
}

impl RegisterProject {
    /// The payload.
    pub fn payload(&self) -> anyhow::Result<Payload> {
        if let Some(path) = &self.project_file {
            return Ok(Payload::RegisterProject { project: read_json(path)? });
        }
        let (Some(id), Some(host), Some(ca), Some(sector), Some(activity_type)) =
            (&self.id, &self.host, &self.ca, self.sector, &self.activity_type)
        else {
            bail!("give --id, --host, --ca, --sector and --activity-type, or --project-file");
        };
        Ok(Payload::RegisterProject {
            project: Project {
                id: id.clone(),
                name: self.name.clone(),
                host: host.clone(),
                ca: ca.clone(),
                sector,
                activity_type: activity_type.clone(),
                mitigation_type: self.mitigation_type,
                other_crediting: Vec::new(),
            },
        })
    }
}

/// `declare-other-crediting`.
#[derive(Clone, Debug, Args)]
#[group(skip)]
pub struct DeclareOtherCrediting {
    /// The project.
    #[arg(long)]
    pub project: ProjectId,
    /// The other programme, e.g. CCTS.
    #[arg(long, value_parser = text)]
    pub programme: Text,
    /// First day credited, YYYY-MM-DD.
    #[arg(long, value_parser = Timestamp::parse)]
    pub from: Timestamp,
    /// Last day credited, YYYY-MM-DD.
    #[arg(long, value_parser = Timestamp::parse)]
    pub to: Timestamp,
}

impl DeclareOtherCrediting {
    /// The payload.
    pub fn payload(&self) -> anyhow::Result<Payload> {
        Ok(Payload::DeclareOtherCrediting {
            project: self.project.clone(),
            crediting: OtherCrediting { programme: self.programme.clone(), from: self.from, to: self.to },
        })
    }
}

/// `declare-credited-elsewhere`: the period of `declare-other-crediting`, with the
/// programme's identifiers.
#[derive(Clone, Debug, Args)]
#[group(skip)]
pub struct DeclareCreditedElsewhere {
    #[command(flatten)]
    period: DeclareOtherCrediting,
    /// The programme's own identifier of the project (for CCTS, its registration).
    #[arg(long, value_parser = text)]
    pub programme_project: Text,
    /// An identifier of what the programme credited (certificate or serial range);
    /// repeat for several.
    #[arg(long = "identifier", value_parser = text)]
    pub identifiers: Vec<Text>,
}

impl DeclareCreditedElsewhere {
    /// The payload.
    pub fn payload(&self) -> anyhow::Result<Payload> {
        let period = &self.period;
        Ok(Payload::DeclareCreditedElsewhere {
            project: period.project.clone(),
            crediting: CreditingDeclaration {
                programme: period.programme.clone(),
                from: period.from,
                to: period.to,
                programme_project: self.programme_project.clone(),
                identifiers: self.identifiers.clone(),
            },
        })
    }
}

/// `register-entity`.
#[derive(Clone, Debug, Args)]
#[group(skip)]
pub struct RegisterEntity {
    /// Entity id, e.g. E-JP-2.
    #[arg(long)]
    pub id: EntityId,
    /// Name.
    #[arg(long, default_value = "", value_parser = text)]
    pub name: Text,
    /// Country of incorporation.
    #[arg(long)]
    pub country: Party,
    /// Identification number.
    #[arg(long, default_value = "", value_parser = text)]
    pub identification: Text,
}

impl RegisterEntity {
    /// The payload.
    pub fn payload(&self) -> anyhow::Result<Payload> {
        Ok(Payload::RegisterEntity {
            entity: Entity {
                id: self.id.clone(),
                name: self.name.clone(),
                country: self.country.clone(),
                identification: self.identification.clone(),
            },
        })
    }
}

/// `open-account`.
#[derive(Clone, Debug, Args)]
#[group(skip)]
pub struct OpenAccount {
    /// Account id, e.g. JPN01-H-EJP2.
    #[arg(long)]
    pub id: AccountId,
    /// The registry [default: the account id's first five characters, e.g. JPN01].
    #[arg(long)]
    pub registry: Option<RegistryId>,
    /// Account kind.
    #[arg(long, value_parser = choice::<AccountKind>(ACCOUNT_KINDS), default_value = "holding")]
    pub kind: AccountKind,
    /// Held by a Party's government.
    #[arg(long, value_name = "PARTY", conflicts_with = "holder_entity")]
    pub holder_party: Option<Party>,
    /// Held by an entity.
    #[arg(long, value_name = "ENTITY")]
    pub holder_entity: Option<EntityId>,
}

impl OpenAccount {
    /// The payload.
    pub fn payload(&self) -> anyhow::Result<Payload> {
        let registry = match &self.registry {
            Some(r) => r.clone(),
            None => match self.id.as_str().get(..5).map(RegistryId::new) {
                Some(Ok(r)) => r,
                _ => bail!("cannot tell the registry from account id {}: give --registry PPPNN", self.id),
            },
        };
        let holder = match (&self.holder_party, &self.holder_entity) {
            (Some(p), _) => Some(Holder::Party(p.clone())),
            (None, Some(e)) => Some(Holder::Entity(e.clone())),
            (None, None) => None,
        };
        Ok(Payload::OpenAccount {
            account: Account {
                id: self.id.clone(),
                registry,
                kind: self.kind,
                holder,
                status: AccountStatus::Active,
            },
        })
    }
}

/// `set-account-status`.
#[derive(Clone, Debug, Args)]
#[group(skip)]
pub struct SetAccountStatus {
    /// The account.
    #[arg(long)]
    pub account: AccountId,
    /// Its new status.
    #[arg(long, value_parser = choice::<AccountStatus>(ACCOUNT_STATUSES))]
    pub status: AccountStatus,
    /// Why, for the log.
    #[arg(long, default_value = "", value_parser = text)]
    pub reason: Text,
}

impl SetAccountStatus {
    /// The payload.
    pub fn payload(&self) -> anyhow::Result<Payload> {
        Ok(Payload::SetAccountStatus {
            account: self.account.clone(),
            status: self.status,
            reason: self.reason.clone(),
        })
    }
}

/// `close-year`.
#[derive(Clone, Debug, Args)]
#[group(skip)]
pub struct CloseYear {
    /// The reporting Party.
    #[arg(long)]
    pub party: Party,
    /// The reporting year made final (R38).
    #[arg(long)]
    pub year: u16,
}

impl CloseYear {
    /// The payload.
    pub fn payload(&self) -> anyhow::Result<Payload> {
        Ok(Payload::CloseReportingYear { party: self.party.clone(), year: self.year })
    }
}

/// `reconcile`.
#[derive(Clone, Debug, Args)]
#[group(skip)]
pub struct Reconcile {
    /// The reporting registry.
    #[arg(long)]
    pub registry: RegistryId,
    /// A balance the registry's own database shows, ACCOUNT:QUANTITY (repeatable).
    #[arg(long = "total", value_name = "ACCOUNT:QUANTITY", value_parser = reported_total, required = true)]
    pub totals: Vec<ReportedTotal>,
    /// A unit block the registry's database shows, ACCOUNT:FIRST_UNIT:LAST_UNIT (repeatable).
    #[arg(long = "block", value_name = "ACCOUNT:FIRST:LAST", value_parser = reported_block)]
    pub blocks: Vec<ReportedBlock>,
}

impl Reconcile {
    /// The payload.
    pub fn payload(&self) -> anyhow::Result<Payload> {
        Ok(Payload::Reconcile {
            registry: self.registry.clone(),
            totals: self.totals.clone(),
            blocks: (!self.blocks.is_empty()).then(|| self.blocks.clone()),
        })
    }
}

/// `reverse`.
#[derive(Clone, Debug, Args)]
#[group(skip)]
pub struct Reverse {
    /// The transaction to undo (hex hash).
    #[arg(long, value_parser = Hash32::from_hex)]
    pub transaction: Hash32,
    /// Why.
    #[arg(long, default_value = "", value_parser = text)]
    pub reason: Text,
}

impl Reverse {
    /// The payload.
    pub fn payload(&self) -> anyhow::Result<Payload> {
        Ok(Payload::Reverse { transaction: self.transaction, reason: self.reason.clone() })
    }
}
