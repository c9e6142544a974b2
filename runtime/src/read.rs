//! Read models: pure functions over the state that answer what officers and auditors ask:
//! holdings per account and Party, a unit's full history, an authorization's versions,
//! the corresponding-adjustment ledger per Party and year, and what of a project's period
//! is credited where (R37). Governance's read models are [`gov`].

pub use crate::tx::gov::read as gov;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::codec::Hash32;
use crate::events::{Event, EventKind};
use crate::ids::*;
use crate::model::{Account, Authorization, Text};
use crate::protocol::Period;
use crate::state::{keys, CreditingRecord, LedgerTotals, NotificationRecord, ReadStore, StateExt};
use crate::tx::movement::coalesce;
use crate::units::{UnitBlock, UnitId};

/// What an account holds.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Holding {
    /// The account.
    pub account: Account,
    /// Its blocks, adjacent equal blocks joined.
    pub blocks: Vec<UnitBlock>,
    /// Total units.
    pub quantity: u64,
}

/// The holdings of one account, or `None` if it does not exist.
pub fn holdings<S: ReadStore + ?Sized>(st: &S, account: &AccountId) -> Option<Holding> {
    let account = st.account(account)?;
    let blocks = coalesce(st.blocks_of_account(&account.id));
    let quantity = blocks.iter().map(UnitBlock::quantity).sum();
    Some(Holding { account, blocks, quantity })
}

/// The holdings of every account in the registries of `party`, by account id.
pub fn party_holdings<S: ReadStore + ?Sized>(st: &S, party: &Party) -> Vec<Holding> {
    st.read_all::<Account>(keys::prefix::ACCOUNT)
        .into_iter()
        .filter(|a| &a.registry.party() == party)
        .filter_map(|a| holdings(st, &a.id))
        .collect()
}

/// A unit's current block and every event that touched it, oldest first.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct UnitHistory {
    /// The unit identifier.
    pub unit: String,
    /// The block that holds it now.
    pub current: UnitBlock,
    /// Its history.
    pub events: Vec<Event>,
}

/// The history of the unit named by `unit` (`CA0001-JPN01-IND-1-2025`).
pub fn unit_history<S: ReadStore + ?Sized>(st: &S, unit: &str) -> Result<UnitHistory, String> {
    let id = UnitId::parse(unit)?;
    let current = st
        .blocks_in_range(&id.ca, &id.ftp, id.serial, id.serial)
        .into_iter()
        .find(|b| b.first <= id.serial && b.attrs.origin == id.registry && b.attrs.vintage == id.vintage)
        .ok_or_else(|| format!("unit {unit} does not exist"))?;
    let prefix = keys::events_in(&id.ca, &id.ftp);
    let events = st
        .scan_prefix(&prefix)
        .filter_map(|(k, _)| st.read::<Event>(&keys::event(keys::last_serial_of(&k))))
        .filter(|e| e.units.as_ref().is_some_and(|u| u.first <= id.serial && id.serial <= u.last))
        .collect();
    Ok(UnitHistory { unit: id.to_string(), current, events })
}

/// Every version of an authorization, oldest first.
pub fn authorization_versions<S: ReadStore + ?Sized>(st: &S, id: &AuthId) -> Vec<Authorization> {
    st.read_all(&keys::auth_versions(id))
}

/// A Party's corresponding-adjustment totals per year.
pub fn ledger<S: ReadStore + ?Sized>(st: &S, party: &Party) -> BTreeMap<u16, LedgerTotals> {
    st.scan_prefix(&keys::ledger_of(party))
        .map(|(k, v)| {
            let year = u16::from_be_bytes([k[k.len() - 2], k[k.len() - 1]]);
            (year, crate::codec::decode(&v, usize::MAX).expect("ledger totals decode"))
        })
        .collect()
}

/// One corresponding-adjustment entry (R29).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct LedgerEntry {
    /// The event that made it.
    pub event: u64,
    /// Its date.
    pub date: String,
    /// `+q` for a first transfer, `-q` for an NDC use.
    pub delta: i128,
    /// The units.
    pub units: String,
}

/// The entries of a Party's ledger for one year, from the action log.
pub fn ledger_entries<S: ReadStore + ?Sized>(st: &S, party: &Party, year: u16) -> Vec<LedgerEntry> {
    st.read_all::<Event>(keys::prefix::EVENT)
        .into_iter()
        .filter_map(|e| {
            let units = e.units.as_ref()?;
            let q = i128::from(units.quantity());
            let delta = match &e.kind {
                EventKind::FirstTransfer { .. } if &units.ftp == party && units.attrs.vintage == year => q,
                EventKind::UsedNdc { party: p, year: y, .. } if p == party && *y == year => -q,
                _ => return None,
            };
            Some(LedgerEntry {
                event: e.seq,
                date: e.time.date().to_string(),
                delta,
                units: units.range_text(),
            })
        })
        .collect()
}

/// What of a project's period has been credited where (R37): the JCM issuances whose
/// monitoring period overlaps it, and the periods declared credited by other programmes
/// (CCTS, Verra, ...) that overlap it. The chain refuses either once the other exists
/// (`A6-6006`, `A6-6007`), so a period shows in at most one of the two lists.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Credited {
    /// The project.
    pub project: ProjectId,
    /// The period asked about.
    pub period: Period,
    /// JCM issuances overlapping it, by monitoring period.
    pub jcm: Vec<JcmIssuance>,
    /// Declarations of crediting by other programmes overlapping it, by first day.
    pub elsewhere: Vec<CreditedElsewhere>,
}

/// One JCM issuance of the project.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct JcmIssuance {
    /// The JC notification executed.
    pub notification: NotificationId,
    /// Its monitoring period.
    pub monitoring_period: Period,
    /// The days of the period asked about that it covers.
    pub overlap: Period,
    /// The vintage issued.
    pub vintage: Option<u16>,
    /// Units issued, across both registries.
    pub quantity: u64,
    /// Units issued per receiving registry.
    pub by_registry: BTreeMap<RegistryId, u64>,
    /// The issuing transaction.
    pub tx: Hash32,
    /// Its height.
    pub height: u64,
}

/// One period declared credited by another programme.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct CreditedElsewhere {
    /// The programme, e.g. `CCTS offset mechanism`.
    pub programme: Text,
    /// The declared period.
    pub period: Period,
    /// The days of the period asked about that it covers.
    pub overlap: Period,
    /// The programme's identifier of the project, when declared with
    /// `declare_credited_elsewhere`.
    pub programme_project: Option<Text>,
    /// The programme's identifiers of what it credited (certificates, serials).
    pub identifiers: Vec<Text>,
    /// The declaring transaction, when declared with `declare_credited_elsewhere`.
    pub tx: Option<Hash32>,
    /// Its height.
    pub height: Option<u64>,
}

fn overlap(a: &Period, b: &Period) -> Period {
    Period { from: a.from.max(b.from), to: a.to.min(b.to) }
}

/// What of `project`'s `period` has been credited where, or `None` if the project does
/// not exist.
pub fn credited<S: ReadStore + ?Sized>(st: &S, project: &ProjectId, period: &Period) -> Option<Credited> {
    let record = st.project(project)?;
    let jcm = jcm_issuances(st, &record, period);
    // Declarations with identifiers are recorded beside the project's periods; the others
    // (at registration, or by `declare_other_crediting`) have the period alone.
    let mut plain = record.other_crediting.clone();
    let mut elsewhere = Vec::new();
    for declared in st.read_all::<CreditingRecord>(&keys::crediting_of(project)) {
        let d = &declared.declaration;
        if let Some(at) = plain.iter().position(|c| *c == d.crediting()) {
            plain.remove(at);
        }
        elsewhere.push(CreditedElsewhere {
            programme: d.programme.clone(),
            period: Period { from: d.from, to: d.to },
            overlap: Period { from: d.from, to: d.to },
            programme_project: Some(d.programme_project.clone()),
            identifiers: d.identifiers.clone(),
            tx: Some(declared.tx),
            height: Some(declared.height),
        });
    }
    elsewhere.extend(plain.into_iter().map(|c| CreditedElsewhere {
        programme: c.programme,
        period: Period { from: c.from, to: c.to },
        overlap: Period { from: c.from, to: c.to },
        programme_project: None,
        identifiers: Vec::new(),
        tx: None,
        height: None,
    }));
    elsewhere.retain(|e| e.period.overlaps(period));
    for e in &mut elsewhere {
        e.overlap = overlap(&e.period, period);
    }
    elsewhere.sort_by_key(|e| (e.period.from, e.period.to));
    Some(Credited { project: project.clone(), period: *period, jcm, elsewhere })
}

/// The executed notifications of the project overlapping `period`, with what each issued
/// (from its `issued` events in the project's serial space).
fn jcm_issuances<S: ReadStore + ?Sized>(
    st: &S,
    project: &crate::model::Project,
    period: &Period,
) -> Vec<JcmIssuance> {
    let mut out: Vec<JcmIssuance> = st
        .scan_prefix(keys::prefix::NOTIFICATION)
        .filter_map(|(k, v)| {
            let record: NotificationRecord =
                crate::codec::decode(&v, usize::MAX).expect("notification records decode");
            if record.project != project.id || !record.period.overlaps(period) {
                return None;
            }
            let id = std::str::from_utf8(&k[keys::prefix::NOTIFICATION.len()..]).ok()?;
            Some(JcmIssuance {
                notification: NotificationId::new(id).ok()?,
                monitoring_period: record.period,
                overlap: overlap(&record.period, period),
                vintage: None,
                quantity: 0,
                by_registry: BTreeMap::new(),
                tx: record.tx,
                height: record.height,
            })
        })
        .collect();
    if out.is_empty() {
        return out;
    }
    for (k, _) in st.scan_prefix(&keys::events_in(&project.ca, &project.host)) {
        let Some(event) = st.read::<Event>(&keys::event(keys::last_serial_of(&k))) else { continue };
        let (EventKind::Issued { .. }, Some(units)) = (&event.kind, &event.units) else { continue };
        if let Some(issuance) = out.iter_mut().find(|i| i.tx == event.tx) {
            issuance.vintage = Some(units.attrs.vintage);
            issuance.quantity += units.quantity();
            let registry = event.registry.clone().unwrap_or_else(|| units.attrs.origin.clone());
            *issuance.by_registry.entry(registry).or_default() += units.quantity();
        }
    }
    out.sort_by_key(|i| (i.monitoring_period.from, i.monitoring_period.to));
    out
}
