//! The AEF annual report (ARTICLE6.md §9): the five tables of the agreed electronic
//! format for one Party and reported year, generated from the ledger and never typed by
//! hand. The same state gives the same tables, byte for byte.
//!
//! Table 4 (holdings) is the snapshot of the state it is computed from: callers pass the
//! state at the last block of the reported year. Columns CARP fills are left blank.

use serde::Serialize;

use crate::events::{CancellationSubtype, Event, EventKind};
use crate::ids::*;
use crate::model::*;
use crate::state::{keys, StateExt, Store};
use crate::tx::OimpPurpose;
use crate::units::UnitBlock;

/// One table: its title, column names and rows of cells.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Table {
    /// E.g. `Table 3: Actions`.
    pub title: String,
    /// Column names.
    pub columns: Vec<String>,
    /// Rows, each as many cells as columns.
    pub rows: Vec<Vec<String>>,
}

/// The five tables of one submission.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct AefReport {
    /// Reporting Party.
    pub party: Party,
    /// Reported year.
    pub year: u16,
    /// Tables 1 to 5.
    pub tables: Vec<Table>,
}

const T1: &[&str] = &[
    "Party",
    "Version",
    "Reported year",
    "Date of submission",
    "Review status of the initial report",
    "Result of the consistency check",
    "First year of the NDC implementation period",
    "Last year of the NDC implementation period",
    "Reference to the Article 6 technical expert review report",
];
const T2: &[&str] = &[
    "Authorization ID",
    "Date of authorization",
    "Cooperative approach ID",
    "Version",
    "Authorized quantity",
    "Metric",
    "Applicable GWP value(s)",
    "Non-GHG metric",
    "Sector(s)",
    "Activity type(s)",
    "Purposes for authorization",
    "Authorized Party(ies) ID",
    "Authorized entity(ies) ID",
    "OIMP authorized by the Party",
    "Authorized timeframe",
    "Terms and conditions",
    "Documentation",
    "First transfer definition for OIMP",
    "Additional information",
];
const T3: &[&str] = &[
    "Action date",
    "Action type",
    "Action subtype",
    "Cooperative approach ID",
    "Authorization ID",
    "First transferring Party ID",
    "Party ITMO registry ID",
    "First ID",
    "Last ID",
    "Underlying unit registry ID",
    "Underlying unit first ID",
    "Underlying unit last ID",
    "Metric",
    "Applicable GWP value(s)",
    "Non-GHG metric",
    "Quantity (t CO2 eq)",
    "Quantity (non-GHG metric)",
    "Mitigation type",
    "Vintage",
    "Sector(s)",
    "Activity type(s)",
    "Transferring Party ID",
    "Acquiring Party ID",
    "Purpose of OIMP use or cancellation",
    "Using or cancelling Party ID",
    "Using or cancelling authorized entity ID",
    "Calendar year for which used towards NDC",
    "Result of consistency checks",
    "Additional information",
];
const T4: &[&str] = &[
    "Cooperative approach ID",
    "Authorization ID",
    "First transferring Party ID",
    "Party ITMO registry ID",
    "First ID",
    "Last ID",
    "Underlying unit registry ID",
    "Underlying unit first ID",
    "Underlying unit last ID",
    "Metric",
    "Applicable GWP value(s)",
    "Non-GHG metric",
    "Quantity (t CO2 eq)",
    "Quantity (non-GHG metric)",
    "Mitigation type",
    "Vintage",
];
const T5: &[&str] = &[
    "Date of authorization",
    "Name",
    "Country of incorporation",
    "Identification number",
    "Cooperative approach ID",
    "Conditions",
    "Change and revocation conditions",
    "Additional information",
];

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
pub fn report<S: Store + ?Sized>(st: &S, party: &Party, year: u16) -> AefReport {
    let auths: Vec<Authorization> = st
        .read_all::<Authorization>(keys::prefix::AUTH)
        .into_iter()
        .filter(|a| &a.party == party && a.date.year() == year)
        .collect();
    let tables = vec![
        table("Table 1: Submission", T1, vec![submission(st, party, year)]),
        table("Table 2: Authorizations", T2, auths.iter().map(|a| authorization_row(st, a)).collect()),
        table("Table 3: Actions", T3, actions(st, party, year)),
        table("Table 4: Holdings", T4, holdings(st, party)),
        table("Table 5: Authorized entities", T5, entities(st, &auths)),
    ];
    AefReport { party: party.clone(), year, tables }
}

fn submission<S: Store + ?Sized>(st: &S, party: &Party, year: u16) -> Vec<String> {
    let record = st.party(party);
    let period = record.as_ref().and_then(|p| {
        p.ndc_periods.iter().find(|n| n.years.contains(year)).or(p.ndc_periods.first()).map(|n| n.years)
    });
    let (first, last) =
        period.map_or((String::new(), String::new()), |p| (p.first.to_string(), p.last.to_string()));
    vec![
        party.to_string(),
        "1.0".into(),
        year.to_string(),
        String::new(),
        String::new(),
        String::new(),
        first,
        last,
        String::new(),
    ]
}

fn join<T: std::fmt::Display>(items: impl IntoIterator<Item = T>) -> String {
    items.into_iter().map(|i| i.to_string()).collect::<Vec<_>>().join("; ")
}

fn json_name<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

fn metric_cells<S: Store + ?Sized>(st: &S, ca: &CaId) -> (String, String) {
    match st.ca(ca).map(|c| c.metric) {
        Some(Metric::NonGhg(name)) => ("non-GHG".into(), name.to_string()),
        Some(Metric::Ghg) => ("GHG".into(), String::new()),
        None => (String::new(), String::new()),
    }
}

fn authorization_row<S: Store + ?Sized>(st: &S, a: &Authorization) -> Vec<String> {
    let t = &a.terms;
    let (metric, non_ghg) = metric_cells(st, &t.ca);
    let oimp = includes_oimp(&t.purposes);
    let timeframe = match (t.occurred, t.use_period) {
        (Some(o), None) => o.to_string(),
        (None, None) => String::new(),
        (o, u) => {
            let mut parts = Vec::new();
            if let Some(o) = o {
                parts.push(format!("Occurred: {o}"));
            }
            if let Some(u) = u {
                parts.push(format!("Use: {u}"));
            }
            parts.join("; ")
        }
    };
    vec![
        t.id.to_string(),
        a.date.date().to_string(),
        t.ca.to_string(),
        a.version.to_string(),
        t.quantity.map(|q| q.to_string()).unwrap_or_default(),
        metric,
        t.gwp.to_string(),
        non_ghg,
        join(t.sectors.iter().map(json_name)),
        join(&t.activity_types),
        purposes_aef(&t.purposes),
        t.parties.as_ref().map(join).unwrap_or_default(),
        t.entities.as_ref().map(join).unwrap_or_default(),
        if oimp { t.oimp.as_ref().map(|o| o.to_string()).unwrap_or_default() } else { String::new() },
        timeframe,
        t.terms.to_string(),
        String::new(),
        if oimp { t.first_transfer.map(|f| f.aef().to_string()).unwrap_or_default() } else { String::new() },
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
        EventKind::Cancelled { subtype, canceller, .. } => {
            let action = if *subtype == CancellationSubtype::Other {
                "Voluntary Cancellation"
            } else {
                "Cancellation"
            };
            (
                registry_party,
                action,
                subtype.aef().to_string(),
                Cond { user: canceller.clone(), ..Cond::default() },
            )
        }
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

fn actions<S: Store + ?Sized>(st: &S, party: &Party, year: u16) -> Vec<Vec<String>> {
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

fn project_cells<S: Store + ?Sized>(st: &S, units: &UnitBlock) -> (String, String, String) {
    match st.project(&units.attrs.project) {
        Some(p) => (json_name(&p.mitigation_type), json_name(&p.sector), p.activity_type.to_string()),
        None => Default::default(),
    }
}

fn action_row<S: Store + ?Sized>(
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
        e.time.date().to_string(),
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
        sector,
        activity,
        opt(&cond.transferring),
        opt(&cond.acquiring),
        cond.purpose.unwrap_or_default(),
        user_party,
        user_entity,
        cond.year.map(|y| y.to_string()).unwrap_or_default(),
        String::new(),
        String::new(),
    ]
}

fn holdings<S: Store + ?Sized>(st: &S, party: &Party) -> Vec<Vec<String>> {
    let mut rows: Vec<(Vec<String>, UnitBlock)> = Vec::new();
    let blocks = st.read_all::<UnitBlock>(keys::prefix::UNITS);
    for b in blocks.iter().flat_map(|b| crate::a64::pieces(st, b)) {
        let Some(account) = st.account(&b.attrs.account) else {
            continue;
        };
        // ITMOs only: first transferred, in this Party's registries, not in a terminal account.
        if &account.registry.party() != party || !b.attrs.first_transferred || account.kind.is_terminal() {
            continue;
        }
        let (underlying_first, underlying_last) = crate::a64::underlying_ids(st, &b);
        let (metric, non_ghg) = metric_cells(st, &b.ca);
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
            String::new(),
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

fn entities<S: Store + ?Sized>(st: &S, auths: &[Authorization]) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for a in auths {
        for id in a.terms.entities.iter().flatten() {
            let entity = st.entity(id);
            rows.push(vec![
                a.date.date().to_string(),
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
