//! The AEF annual report (ARTICLE6.md §9): the five tables of the agreed electronic
//! format for one Party and reported year, generated from the ledger and never typed by
//! hand. The same state gives the same tables, byte for byte.
//!
//! Table 4 (holdings) is the snapshot at the end of the reported year, rebuilt from the
//! action log ([`holdings`]), so a report computed later still shows 31 December.
//! Columns CARP fills are left blank.

use serde::{Deserialize, Serialize};

use crate::events::{Event, EventKind};
use crate::ids::*;
use crate::model::*;
use crate::protocol::OimpPurpose;
use crate::state::{keys, ReadStore, StateExt};
use crate::units::UnitBlock;

pub mod holdings;
pub mod template;
pub mod validate;

use template::{T1, T2, T3, T4, T5};

/// One table: its title, column names and rows of cells.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Table {
    /// The template's sheet name, e.g. `Table 3 Actions`.
    pub title: String,
    /// Column names.
    pub columns: Vec<String>,
    /// Rows, each as many cells as columns.
    pub rows: Vec<Vec<String>>,
}

/// The five tables of one submission.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct AefReport {
    /// Reporting Party.
    pub party: Party,
    /// Reported year.
    pub year: u16,
    /// Tables 1 to 5.
    pub tables: Vec<Table>,
}

/// Positions of the block columns in Table 3, merged when adjacent rows continue.
const T3_FIRST: usize = 7;
const T3_LAST: usize = 8;
const T3_UNDERLYING_FIRST: usize = 10;
const T3_UNDERLYING_LAST: usize = 11;
const T3_QUANTITY: usize = 15;

fn table(title: &str, columns: &[&str], rows: Vec<Vec<String>>) -> Table {
    Table { title: title.into(), columns: columns.iter().map(|c| c.to_string()).collect(), rows }
}

/// The AEF tables of `party` for `year`.
pub fn report<S: ReadStore + ?Sized>(st: &S, party: &Party, year: u16) -> AefReport {
    let auths: Vec<Authorization> = st
        .read_all::<Authorization>(keys::prefix::AUTH)
        .into_iter()
        .filter(|a| &a.party == party && a.date.year() == year)
        .collect();
    let tables = vec![
        table(template::TITLE_1, T1, vec![submission(st, party, year)]),
        table(template::TITLE_2, T2, auths.iter().map(|a| authorization_row(st, a)).collect()),
        table(template::TITLE_3, T3, actions(st, party, year)),
        table(template::TITLE_4, T4, holdings(st, party, year)),
        table(template::TITLE_5, T5, entities(st, &auths)),
    ];
    AefReport { party: party.clone(), year, tables }
}

fn submission<S: ReadStore + ?Sized>(st: &S, party: &Party, year: u16) -> Vec<String> {
    let record = st.party(party);
    let period = record.as_ref().and_then(|p| {
        p.ndc_periods.iter().find(|n| n.years.contains(year)).or(p.ndc_periods.first()).map(|n| n.years)
    });
    let (first, last) =
        period.map_or((String::new(), String::new()), |p| (p.first.to_string(), p.last.to_string()));
    // The latest submission; a year not yet submitted would be version 1.0.
    let submitted = st.submission(party, year);
    vec![
        party.to_string(),
        submitted.as_ref().map_or_else(|| "1.0".into(), |s| s.version()),
        year.to_string(),
        submitted.as_ref().map(|s| template::date(s.time.date())).unwrap_or_default(),
        String::new(),
        String::new(),
        first,
        last,
        String::new(),
        submitted.map(|s| s.explanation.to_string()).unwrap_or_default(),
    ]
}

fn json_name<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

fn metric_cells<S: ReadStore + ?Sized>(st: &S, ca: &CaId) -> (String, String) {
    match st.ca(ca).map(|c| c.metric) {
        Some(Metric::NonGhg(name)) => ("non-GHG".into(), name.to_string()),
        Some(Metric::Ghg) => ("GHG".into(), String::new()),
        None => (String::new(), String::new()),
    }
}

fn authorization_row<S: ReadStore + ?Sized>(st: &S, a: &Authorization) -> Vec<String> {
    let t = &a.terms;
    let (metric, non_ghg) = metric_cells(st, &t.ca);
    let oimp = includes_oimp(&t.purposes);
    let timeframe = template::timeframe(t.occurred, t.use_period);
    vec![
        t.id.to_string(),
        template::date(a.date.date()),
        t.ca.to_string(),
        a.version.to_string(),
        t.quantity.map(|q| q.to_string()).unwrap_or_default(),
        metric,
        t.gwp.to_string(),
        non_ghg,
        template::list(t.sectors.iter().map(json_name)),
        template::list(&t.activity_types),
        purposes_aef(&t.purposes),
        t.parties.as_ref().map(template::list).unwrap_or_default(),
        t.entities.as_ref().map(template::list).unwrap_or_default(),
        if oimp { t.oimp.as_ref().map(|o| o.to_string()).unwrap_or_default() } else { String::new() },
        timeframe,
        t.terms.to_string(),
        String::new(),
        template::first_transfer_definition(oimp, t.first_transfer).to_string(),
        t.additional_information.to_string(),
    ]
}

/// The conditional cells of a Table 3 row.
#[derive(Default, Clone)]
struct Cond {
    transferring: Option<Party>,
    acquiring: Option<Party>,
    purpose: Option<String>,
    user: Option<Holder>,
    year: Option<u16>,
}

/// Which Party reports an event in Table 3, its type and subtype (§9.2).
fn classify(e: &Event, units: &UnitBlock) -> Option<(Party, &'static str, String, Cond)> {
    let registry_party = e.registry.as_ref().map(RegistryId::party)?;
    let row = match &e.kind {
        EventKind::FirstTransfer { subtype, acquiring, user, purpose } => {
            let cond = Cond {
                acquiring: acquiring.clone(),
                purpose: purpose.as_ref().map(|p| p.to_string()),
                user: user.clone(),
                ..Cond::default()
            };
            (units.ftp.clone(), "First transfer", subtype.aef().to_string(), cond)
        }
        EventKind::Transferred { acquiring, .. } => (
            registry_party,
            "Transfer",
            String::new(),
            Cond { acquiring: Some(acquiring.clone()), ..Cond::default() },
        ),
        EventKind::Acquired { transferring, .. } => (
            registry_party,
            "Acquisition",
            String::new(),
            Cond { transferring: Some(transferring.clone()), ..Cond::default() },
        ),
        EventKind::UsedNdc { party, year, .. } => {
            let cond =
                Cond { user: Some(Holder::Party(party.clone())), year: Some(*year), ..Cond::default() };
            (party.clone(), "Use", String::new(), cond)
        }
        EventKind::UsedOimp { user, purpose, scheme, .. } => {
            let action = if *purpose == OimpPurpose::OP { "Cancellation" } else { "Use" };
            let subtype = if *purpose == OimpPurpose::OP { "Other cancellations" } else { "" };
            let cond =
                Cond { purpose: Some(scheme.to_string()), user: Some(user.clone()), ..Cond::default() };
            (registry_party, action, subtype.to_string(), cond)
        }
        EventKind::Cancelled { subtype, canceller, .. } => (
            registry_party,
            "Cancellation",
            subtype.aef().to_string(),
            Cond { user: canceller.clone(), ..Cond::default() },
        ),
        EventKind::SopTransferred { mandatory, .. } => {
            let subtype = if *mandatory {
                "Mandatory transfer to the Adaptation Fund (A6.4 ERs)"
            } else {
                "Voluntary transfer to the Adaptation Fund (A6.4 ERs)"
            };
            (registry_party, "Transfer", subtype.to_string(), Cond::default())
        }
        _ => return None,
    };
    Some(row)
}

fn actions<S: ReadStore + ?Sized>(st: &S, party: &Party, year: u16) -> Vec<Vec<String>> {
    let mut rows: Vec<(Vec<String>, u64, crate::codec::Hash32)> = Vec::new();
    for e in st.read_all::<Event>(keys::prefix::EVENT) {
        if e.time.year() != year {
            continue;
        }
        let Some(units) = &e.units else { continue };
        let Some((reporter, action, subtype, cond)) = classify(&e, units) else {
            continue;
        };
        if &reporter != party {
            continue;
        }
        // One row per run of underlying units (A6.4ERs of one receipt, or JCM credits).
        for piece in crate::a64::pieces(st, units) {
            let row = action_row(st, &e, &piece, action, subtype.clone(), cond.clone());
            // Adjacent rows of one transaction continuing the same block are one row (§9.5).
            if let Some((prev, prev_last, prev_tx)) = rows.last_mut() {
                let same = *prev_tx == e.tx
                    && *prev_last + 1 == piece.first
                    && crate::a64::underlying_continues(&prev[T3_UNDERLYING_LAST], &row[T3_UNDERLYING_FIRST])
                    && same_except_block(prev, &row);
                if same {
                    prev[T3_LAST] = row[T3_LAST].clone();
                    prev[T3_UNDERLYING_LAST] = row[T3_UNDERLYING_LAST].clone();
                    let q: u64 = prev[T3_QUANTITY].parse::<u64>().unwrap_or(0) + piece.quantity();
                    prev[T3_QUANTITY] = q.to_string();
                    *prev_last = piece.last;
                    continue;
                }
            }
            rows.push((row, piece.last, e.tx));
        }
    }
    rows.into_iter().map(|(row, _, _)| row).collect()
}

fn same_except_block(a: &[String], b: &[String]) -> bool {
    let block = [T3_FIRST, T3_LAST, T3_UNDERLYING_FIRST, T3_UNDERLYING_LAST, T3_QUANTITY];
    a.iter().zip(b).enumerate().all(|(i, (x, y))| block.contains(&i) || x == y)
}

fn project_cells<S: ReadStore + ?Sized>(st: &S, units: &UnitBlock) -> (String, String, String) {
    match st.project(&units.attrs.project) {
        Some(p) => (json_name(&p.mitigation_type), json_name(&p.sector), p.activity_type.to_string()),
        None => Default::default(),
    }
}

fn action_row<S: ReadStore + ?Sized>(
    st: &S,
    e: &Event,
    units: &UnitBlock,
    action: &str,
    subtype: String,
    cond: Cond,
) -> Vec<String> {
    let (metric, non_ghg) = metric_cells(st, &units.ca);
    let (mitigation, sector, activity) = project_cells(st, units);
    let underlying = st.ca(&units.ca).map(|c| c.underlying_registry.to_string()).unwrap_or_default();
    let (underlying_first, underlying_last) = crate::a64::underlying_ids(st, units);
    let gwp = units
        .attrs
        .authorization
        .as_ref()
        .and_then(|b| st.authorization_latest(&b.id))
        .map(|a| a.terms.gwp.to_string())
        .unwrap_or_default();
    let (user_party, user_entity) = match &cond.user {
        Some(Holder::Party(p)) => (p.to_string(), String::new()),
        Some(Holder::Entity(en)) => (String::new(), en.to_string()),
        None => (String::new(), String::new()),
    };
    let opt = |p: &Option<Party>| p.as_ref().map(|p| p.to_string()).unwrap_or_default();
    vec![
        template::date(e.time.date()),
        action.into(),
        subtype,
        units.ca.to_string(),
        units.attrs.authorization.as_ref().map(|b| b.id.to_string()).unwrap_or_default(),
        units.ftp.to_string(),
        units.attrs.origin.to_string(),
        units.unit_id(units.first).to_string(),
        units.unit_id(units.last).to_string(),
        underlying,
        underlying_first,
        underlying_last,
        metric,
        gwp,
        non_ghg,
        units.quantity().to_string(),
        String::new(),
        mitigation,
        units.attrs.vintage.to_string(),
        opt(&cond.transferring),
        opt(&cond.acquiring),
        cond.purpose.unwrap_or_default(),
        user_party,
        user_entity,
        cond.year.map(|y| y.to_string()).unwrap_or_default(),
        String::new(),
        String::new(),
        sector,
        activity,
    ]
}

/// Table 4: the ITMOs held in `party`'s registries at the end of `year` (§9.2).
fn holdings<S: ReadStore + ?Sized>(st: &S, party: &Party, year: u16) -> Vec<Vec<String>> {
    let mut rows: Vec<(Vec<String>, UnitBlock)> = Vec::new();
    for b in holdings::at_end_of(st, year).iter().flat_map(|b| crate::a64::pieces(st, b)) {
        let Some(account) = st.account(&b.attrs.account) else {
            continue;
        };
        // ITMOs only: first transferred, in this Party's registries, not in a terminal account.
        if &account.registry.party() != party || !b.attrs.first_transferred || account.kind.is_terminal() {
            continue;
        }
        let (underlying_first, underlying_last) = crate::a64::underlying_ids(st, &b);
        let (metric, non_ghg) = metric_cells(st, &b.ca);
        // The template's `NA`: a GHG approach has no quantity in another metric.
        let non_ghg_quantity = if metric == "GHG" { "NA".to_string() } else { String::new() };
        let (mitigation, _, _) = project_cells(st, &b);
        let underlying = st.ca(&b.ca).map(|c| c.underlying_registry.to_string()).unwrap_or_default();
        let auth = b.attrs.authorization.as_ref().map(|a| a.id.to_string()).unwrap_or_default();
        let gwp = b
            .attrs
            .authorization
            .as_ref()
            .and_then(|a| st.authorization_latest(&a.id))
            .map(|a| a.terms.gwp.to_string())
            .unwrap_or_default();
        let row = vec![
            b.ca.to_string(),
            auth,
            b.ftp.to_string(),
            b.attrs.origin.to_string(),
            b.unit_id(b.first).to_string(),
            b.unit_id(b.last).to_string(),
            underlying,
            underlying_first,
            underlying_last,
            metric,
            gwp,
            non_ghg,
            b.quantity().to_string(),
            non_ghg_quantity,
            mitigation,
            b.attrs.vintage.to_string(),
        ];
        // Holder-level splits of one homogeneous block are one row (§9.5).
        if let Some((prev, prev_block)) = rows.last_mut() {
            let continues =
                prev_block.ca == b.ca && prev_block.ftp == b.ftp && prev_block.last + 1 == b.first;
            let same = [0, 1, 2, 3, 6, 9, 10, 11, 13, 14, 15].iter().all(|i| prev[*i] == row[*i]);
            let underlying = crate::a64::underlying_continues(&prev[8], &row[7]);
            if continues && same && underlying {
                prev[5] = row[5].clone();
                prev[8] = row[8].clone();
                prev[12] = (prev[12].parse::<u64>().unwrap_or(0) + b.quantity()).to_string();
                prev_block.last = b.last;
                continue;
            }
        }
        rows.push((row, b));
    }
    rows.into_iter().map(|(row, _)| row).collect()
}

fn entities<S: ReadStore + ?Sized>(st: &S, auths: &[Authorization]) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for a in auths {
        for id in a.terms.entities.iter().flatten() {
            let entity = st.entity(id);
            rows.push(vec![
                template::date(a.date.date()),
                entity
                    .as_ref()
                    .map(|e| e.name.to_string())
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| id.to_string()),
                entity.as_ref().map(|e| e.country.to_string()).unwrap_or_default(),
                entity.as_ref().map(|e| e.identification.to_string()).unwrap_or_default(),
                a.terms.ca.to_string(),
                a.terms.terms.to_string(),
                a.terms.change_conditions.text.to_string(),
                a.terms.additional_information.to_string(),
            ]);
        }
    }
    rows
}

impl AefReport {
    /// The five tables stacked as CSV under their titles, one blank line between tables;
    /// empty tables still print their header (§9.1).
    pub fn to_csv(&self) -> String {
        let mut out = String::new();
        for (i, t) in self.tables.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(&crate::csv::line(std::slice::from_ref(&t.title)));
            out.push_str(&crate::csv::line(&t.columns));
            for row in &t.rows {
                out.push_str(&crate::csv::line(row));
            }
        }
        out
    }
}
