//! Arguments of the actions that move or mark units: transfers (internal, external,
//! and the acquiring registry's answer), uses, cancellations, share of proceeds, holds.

use clap::Args;
use jcm_runtime::codec::Hash32;
use jcm_runtime::ids::*;
use jcm_runtime::model::Text;
use jcm_runtime::protocol::{OimpPurpose, Payload};

use super::parse::*;
use super::units::UnitsArgs;

/// Which movement a [`Move`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MoveKind {
    /// `transfer`.
    TransferInternal,
    /// `transfer-external`.
    TransferExternal,
    /// `cancel-voluntary`.
    CancelVoluntary,
    /// `cancel-omge`.
    CancelOmge,
    /// `transfer-sop`.
    TransferSop,
}

/// Units from one account to another.
#[derive(Clone, Debug, Args)]
#[group(skip)]
pub struct Move {
    /// The sending account.
    #[arg(long)]
    pub from: AccountId,
    /// The receiving account.
    #[arg(long)]
    pub to: AccountId,
    /// Cooperative approach [default: the range's].
    #[arg(long)]
    pub ca: Option<CaId>,
    #[command(flatten)]
    pub units: UnitsArgs,
}

impl Move {
    /// The payload of movement `kind`.
    pub fn payload(&self, kind: MoveKind) -> anyhow::Result<Payload> {
        let (ca, from, to, units) =
            (self.units.ca(&self.ca)?, self.from.clone(), self.to.clone(), self.units.spec()?);
        Ok(match kind {
            MoveKind::TransferInternal => Payload::TransferInternal { ca, from, to, units },
            MoveKind::TransferExternal => Payload::TransferExternal { ca, from, to, units },
            MoveKind::CancelVoluntary => Payload::CancelVoluntary { ca, from, to, units },
            MoveKind::CancelOmge => Payload::CancelOmge { ca, from, to, units },
            MoveKind::TransferSop => Payload::TransferSop { ca, from, to, units },
        })
    }
}

/// `use-ndc`.
#[derive(Clone, Debug, Args)]
#[group(skip)]
pub struct UseNdc {
    #[command(flatten)]
    pub movement: Move,
    /// The calendar year the units are used for (R32).
    #[arg(long, value_name = "YEAR")]
    pub use_year: u16,
}

impl UseNdc {
    /// The payload.
    pub fn payload(&self) -> anyhow::Result<Payload> {
        let m = &self.movement;
        Ok(Payload::UseNdc {
            ca: m.units.ca(&m.ca)?,
            from: m.from.clone(),
            to: m.to.clone(),
            units: m.units.spec()?,
            use_year: self.use_year,
        })
    }
}

/// `use-oimp`.
#[derive(Clone, Debug, Args)]
#[group(skip)]
pub struct UseOimp {
    #[command(flatten)]
    pub movement: Move,
    /// The purpose (R22).
    #[arg(long, value_parser = choice::<OimpPurpose>(OIMP_PURPOSES))]
    pub purpose: OimpPurpose,
    /// The scheme, e.g. CORSIA.
    #[arg(long, value_parser = text)]
    pub scheme: Text,
}

impl UseOimp {
    /// The payload.
    pub fn payload(&self) -> anyhow::Result<Payload> {
        let m = &self.movement;
        Ok(Payload::UseOimp {
            ca: m.units.ca(&m.ca)?,
            from: m.from.clone(),
            to: m.to.clone(),
            units: m.units.spec()?,
            purpose: self.purpose,
            scheme: self.scheme.clone(),
        })
    }
}

/// `accept-transfer` and `reject-transfer`.
#[derive(Clone, Debug, Args)]
#[group(skip)]
pub struct Answer {
    /// The pending external transfer: the hash of the transaction that proposed it.
    #[arg(long, value_parser = Hash32::from_hex)]
    pub transfer: Hash32,
    /// Why (recorded with a rejection).
    #[arg(long, default_value = "", value_parser = text)]
    pub reason: Text,
}

impl Answer {
    /// The payload: accept or reject.
    pub fn payload(&self, accept: bool) -> anyhow::Result<Payload> {
        Ok(if accept {
            Payload::AcceptTransfer { transfer: self.transfer }
        } else {
            Payload::RejectTransfer { transfer: self.transfer, reason: self.reason.clone() }
        })
    }
}

/// `hold` and `release`.
#[derive(Clone, Debug, Args)]
#[group(skip)]
pub struct HoldArgs {
    /// Cooperative approach [default: the range's].
    #[arg(long)]
    pub ca: Option<CaId>,
    #[command(flatten)]
    pub units: UnitsArgs,
    /// Why, for the log.
    #[arg(long, default_value = "", value_parser = text)]
    pub reason: Text,
}

impl HoldArgs {
    /// The payload: hold or release.
    pub fn payload(&self, hold: bool) -> anyhow::Result<Payload> {
        let (ca, units, reason) = (self.units.ca(&self.ca)?, self.units.spec()?, self.reason.clone());
        Ok(if hold { Payload::Hold { ca, units, reason } } else { Payload::Release { ca, units, reason } })
    }
}
