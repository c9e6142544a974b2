//! Expectations a step may state about the state after it, and their checks. Each check
//! returns the list of mismatches, in words a scenario author can act on.

use std::collections::BTreeMap;

use jcm_runtime::aef;
use jcm_runtime::codec::Hash32;
use jcm_runtime::events::Event;
use jcm_runtime::ids::{AccountId, AuthId, Party, ProjectId};
use jcm_runtime::protocol::Period;
use jcm_runtime::read;
use jcm_runtime::state::{ReadStore, StateExt};
use jcm_runtime::time::Timestamp;
use jcm_runtime::units::{UnitBlock, UnitId};
use serde::Deserialize;
use serde_json::Value;

/// What an account holds.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HoldingExpect {
    /// The account.
    pub account: String,
    /// Exactly these unit ranges (`FIRST..LAST` or one id), in any split.
    #[serde(default)]
    pub units: Option<Vec<String>>,
    /// Exactly this many units.
    #[serde(default)]
    pub quantity: Option<u64>,
}

/// Attributes every unit of a range has.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitsExpect {
    /// `FIRST..LAST` or one id.
    pub range: String,
    /// Holding account.
    #[serde(default)]
    pub account: Option<String>,
    /// First-transfer flag.
    #[serde(default)]
    pub first_transferred: Option<bool>,
    /// Authorization id, or `""` for none.
    #[serde(default)]
    pub authorization: Option<String>,
    /// The authorization version bound at first transfer.
    #[serde(default)]
    pub bound_version: Option<u32>,
    /// On hold.
    #[serde(default)]
    pub hold: Option<bool>,
    /// NDC use year.
    #[serde(default)]
    pub use_year: Option<u16>,
    /// Reserved by a pending transfer.
    #[serde(default)]
    pub reserved: Option<bool>,
}

/// A Party's ledger: exactly these non-zero totals per year.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LedgerExpect {
    /// First-transfer additions by vintage.
    #[serde(default)]
    pub additions: BTreeMap<String, u64>,
    /// NDC-use subtractions by use year.
    #[serde(default)]
    pub subtractions: BTreeMap<String, u64>,
}

/// Events the step recorded: `count` of them (default 1) match every given field.
#[derive(Debug, Clone, Deserialize)]
pub struct EventExpect {
    /// Fields to match: `kind`, the kind's own fields, `registry`, `quantity`, `first`,
    /// `last`, `account`.
    #[serde(flatten)]
    pub fields: BTreeMap<String, toml::Value>,
}

/// An external transfer's state.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferExpect {
    /// The proposing step's id.
    pub step: String,
    /// `CHECKED_NO_DISCREPANCY`, `COMPLETED` or `TERMINATED`.
    pub status: String,
    /// Why it terminated.
    #[serde(default)]
    pub code: Option<String>,
}

/// An authorization's latest version.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthorizationExpect {
    /// Id.
    pub id: String,
    /// Latest version.
    #[serde(default)]
    pub version: Option<u32>,
    /// Latest status: `ACTIVE` or `REVOKED`.
    #[serde(default)]
    pub status: Option<String>,
    /// Authorized entities of the latest version.
    #[serde(default)]
    pub entities: Option<Vec<String>>,
}

/// Rows of an AEF table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AefExpect {
    /// Reporting Party.
    pub party: String,
    /// Reported year.
    pub year: u16,
    /// Table number, 1 to 5.
    pub table: usize,
    /// Exactly this many rows.
    #[serde(default)]
    pub count: Option<usize>,
    /// Exactly these rows, in order; each lists the columns it checks.
    #[serde(default)]
    pub rows: Option<Vec<BTreeMap<String, toml::Value>>>,
}

/// What of a project's period is credited where (R37, `read::credited`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreditedExpect {
    /// The project.
    pub project: String,
    /// First day of the period asked about.
    pub from: String,
    /// Last day.
    pub to: String,
    /// Exactly these executed JC notifications overlap it, in any order.
    #[serde(default)]
    pub jcm: Option<Vec<String>>,
    /// Exactly these programmes declare an overlapping period (one entry per
    /// declaration), in any order.
    #[serde(default)]
    pub elsewhere: Option<Vec<String>>,
    /// Exactly these identifiers of the other programmes, over all overlapping
    /// declarations, in any order.
    #[serde(default)]
    pub identifiers: Option<Vec<String>>,
}

/// Checks [`CreditedExpect`].
pub fn credited<S: ReadStore + ?Sized>(st: &S, e: &CreditedExpect) -> Vec<String> {
    let (Ok(project), Ok(from), Ok(to)) =
        (ProjectId::new(&e.project), Timestamp::parse(&e.from), Timestamp::parse(&e.to))
    else {
        return vec![format!("`{}` {}..{} is not a project and period", e.project, e.from, e.to)];
    };
    let Some(got) = read::credited(st, &project, &Period { from, to }) else {
        return vec![format!("project {} does not exist", e.project)];
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    let mut out = Vec::new();
    let mut compare = |what: &str, want: &Option<Vec<String>>, got: Vec<String>| {
        if let Some(want) = want {
            let (want, got) = (sorted(want.clone()), sorted(got));
            if want != got {
                out.push(format!("{} {}..{}: {what} {got:?}, expected {want:?}", e.project, e.from, e.to));
            }
        }
    };
    compare("credited under JCM by", &e.jcm, got.jcm.iter().map(|i| i.notification.to_string()).collect());
    compare(
        "credited elsewhere by",
        &e.elsewhere,
        got.elsewhere.iter().map(|c| c.programme.to_string()).collect(),
    );
    let identifiers =
        got.elsewhere.iter().flat_map(|c| c.identifiers.iter().map(|i| i.to_string())).collect();
    compare("with identifiers", &e.identifiers, identifiers);
    out
}

/// Parses `FIRST..LAST` or a single unit id.
pub fn parse_range(text: &str) -> Result<(UnitId, UnitId), String> {
    let (a, b) = text.split_once("..").unwrap_or((text, text));
    Ok((UnitId::parse(a.trim())?, UnitId::parse(b.trim())?))
}

fn text(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn json_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Joins ranges (by serial space and registry) for comparison regardless of splits.
fn normalize(mut ranges: Vec<(String, u64, u64)>) -> Vec<(String, u64, u64)> {
    ranges.sort();
    let mut out: Vec<(String, u64, u64)> = Vec::new();
    for r in ranges {
        match out.last_mut() {
            Some(prev) if prev.0 == r.0 && prev.2 + 1 == r.1 => prev.2 = r.2,
            _ => out.push(r),
        }
    }
    out
}

/// Checks [`HoldingExpect`].
pub fn holdings<S: ReadStore + ?Sized>(st: &S, e: &HoldingExpect) -> Vec<String> {
    let mut out = Vec::new();
    let Ok(id) = AccountId::new(&e.account) else {
        return vec![format!("`{}` is not an account id", e.account)];
    };
    let Some(h) = read::holdings(st, &id) else {
        return vec![format!("account {} does not exist", e.account)];
    };
    if let Some(q) = e.quantity {
        if h.quantity != q {
            out.push(format!("{} holds {} units, expected {q}", e.account, h.quantity));
        }
    }
    if let Some(units) = &e.units {
        let mut want = Vec::new();
        for r in units {
            match parse_range(r) {
                Ok((a, b)) => want.push((
                    format!("{}-{}-{}-{}", a.ca, a.registry, a.ftp, a.vintage),
                    a.serial,
                    b.serial,
                )),
                Err(err) => out.push(err),
            }
        }
        let held: Vec<(String, u64, u64)> = h
            .blocks
            .iter()
            .map(|b| (format!("{}-{}-{}-{}", b.ca, b.attrs.origin, b.ftp, b.attrs.vintage), b.first, b.last))
            .collect();
        let (want, held) = (normalize(want), normalize(held));
        if want != held {
            let show = |v: &[(String, u64, u64)]| {
                v.iter().map(|(s, a, b)| format!("{s}:{a}-{b}")).collect::<Vec<_>>().join(", ")
            };
            out.push(format!("{} holds [{}], expected [{}]", e.account, show(&held), show(&want)));
        }
    }
    out
}

/// Checks [`UnitsExpect`].
pub fn units<S: ReadStore + ?Sized>(st: &S, e: &UnitsExpect) -> Vec<String> {
    let (a, b) = match parse_range(&e.range) {
        Ok(r) => r,
        Err(err) => return vec![err],
    };
    let blocks: Vec<UnitBlock> = st.blocks_in_range(&a.ca, &a.ftp, a.serial, b.serial);
    let covered: u64 = blocks.iter().map(|x| x.last.min(b.serial) - x.first.max(a.serial) + 1).sum();
    if covered != b.serial - a.serial + 1 {
        return vec![format!("units {} do not all exist", e.range)];
    }
    let mut out = Vec::new();
    for blk in &blocks {
        let at = blk.range_text();
        let mut check = |what: &str, ok: bool, got: String| {
            if !ok {
                out.push(format!("units {at}: {what} is {got}"));
            }
        };
        if let Some(acc) = &e.account {
            check("account", blk.attrs.account.as_str() == acc, blk.attrs.account.to_string());
        }
        if let Some(ft) = e.first_transferred {
            check(
                "first_transferred",
                blk.attrs.first_transferred == ft,
                blk.attrs.first_transferred.to_string(),
            );
        }
        if let Some(auth) = &e.authorization {
            let got = blk.attrs.authorization.as_ref().map(|x| x.id.to_string()).unwrap_or_default();
            check("authorization", &got == auth, format!("`{got}`"));
        }
        if let Some(v) = e.bound_version {
            let got = blk.attrs.authorization.as_ref().and_then(|x| x.bound_version);
            check("bound_version", got == Some(v), format!("{got:?}"));
        }
        if let Some(hold) = e.hold {
            check("hold", blk.attrs.hold == hold, blk.attrs.hold.to_string());
        }
        if let Some(y) = e.use_year {
            check("use_year", blk.attrs.use_year == Some(y), format!("{:?}", blk.attrs.use_year));
        }
        if let Some(r) = e.reserved {
            check("reserved", blk.attrs.reserved_by.is_some() == r, format!("{:?}", blk.attrs.reserved_by));
        }
    }
    out
}

/// Checks [`LedgerExpect`] for `party`.
pub fn ledger<S: ReadStore + ?Sized>(st: &S, party: &str, e: &LedgerExpect) -> Vec<String> {
    let Ok(p) = Party::new(party) else {
        return vec![format!("`{party}` is not a Party code")];
    };
    let totals = read::ledger(st, &p);
    let got_add: BTreeMap<String, u64> =
        totals.iter().filter(|(_, t)| t.additions > 0).map(|(y, t)| (y.to_string(), t.additions)).collect();
    let got_sub: BTreeMap<String, u64> = totals
        .iter()
        .filter(|(_, t)| t.subtractions > 0)
        .map(|(y, t)| (y.to_string(), t.subtractions))
        .collect();
    let mut out = Vec::new();
    if got_add != e.additions {
        out.push(format!("ledger {party} additions are {got_add:?}, expected {:?}", e.additions));
    }
    if got_sub != e.subtractions {
        out.push(format!("ledger {party} subtractions are {got_sub:?}, expected {:?}", e.subtractions));
    }
    out
}

/// The flat JSON view of an event that [`EventExpect`] fields match against.
pub fn event_view(event: &Event) -> serde_json::Map<String, Value> {
    let mut map = match serde_json::to_value(&event.kind) {
        Ok(Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    if let Some(r) = &event.registry {
        map.insert("registry".into(), Value::from(r.to_string()));
    }
    if let Some(u) = &event.units {
        map.insert("quantity".into(), Value::from(u.quantity()));
        map.insert("first".into(), Value::from(u.unit_id(u.first).to_string()));
        map.insert("last".into(), Value::from(u.unit_id(u.last).to_string()));
        map.insert("account".into(), Value::from(u.attrs.account.to_string()));
    }
    map
}

/// Checks [`EventExpect`] against the events a step recorded.
pub fn events(recorded: &[Event], e: &EventExpect) -> Vec<String> {
    let mut fields = e.fields.clone();
    let count = fields.remove("count").and_then(|v| v.as_integer()).unwrap_or(1) as usize;
    let matches = recorded
        .iter()
        .filter(|ev| {
            let view = event_view(ev);
            fields.iter().all(|(k, v)| view.get(k).is_some_and(|got| json_text(got) == text(v)))
        })
        .count();
    if matches == count {
        return Vec::new();
    }
    let shown: Vec<String> = recorded.iter().map(|ev| Value::Object(event_view(ev)).to_string()).collect();
    vec![format!(
        "{matches} recorded events match {fields:?}, expected {count}; recorded:\n      {}",
        shown.join("\n      ")
    )]
}

/// Checks [`TransferExpect`] for the transfer proposed by a step's transaction `id`.
pub fn transfer<S: ReadStore + ?Sized>(st: &S, id: &Hash32, e: &TransferExpect) -> Vec<String> {
    let Some(t) = st.transfer(id) else {
        return vec![format!("step {} proposed no external transfer", e.step)];
    };
    let status =
        serde_json::to_value(t.status).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
    let mut out = Vec::new();
    if status != e.status {
        out.push(format!("transfer of step {} is {status}, expected {}", e.step, e.status));
    }
    let code = t.code.map(|c| c.to_string());
    if e.code.is_some() && code != e.code {
        out.push(format!("transfer of step {} ended with {code:?}, expected {:?}", e.step, e.code));
    }
    out
}

/// Checks [`AuthorizationExpect`].
pub fn authorization<S: ReadStore + ?Sized>(st: &S, e: &AuthorizationExpect) -> Vec<String> {
    let Ok(id) = AuthId::new(&e.id) else {
        return vec![format!("`{}` is not an authorization id", e.id)];
    };
    let Some(auth) = st.authorization_latest(&id) else {
        return vec![format!("authorization {} does not exist", e.id)];
    };
    let mut out = Vec::new();
    if e.version.is_some_and(|v| v != auth.version) {
        out.push(format!("{} is at version {}, expected {:?}", e.id, auth.version, e.version));
    }
    let status = serde_json::to_value(auth.status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    if e.status.as_ref().is_some_and(|s| s != &status) {
        out.push(format!("{} is {status}, expected {:?}", e.id, e.status));
    }
    if let Some(want) = &e.entities {
        let got: Vec<String> = auth.terms.entities.iter().flatten().map(|x| x.to_string()).collect();
        let mut want = want.clone();
        want.sort();
        if got != want {
            out.push(format!("{} authorizes entities {got:?}, expected {want:?}", e.id));
        }
    }
    out
}

/// Checks [`AefExpect`].
pub fn aef_rows<S: ReadStore + ?Sized>(st: &S, e: &AefExpect) -> Vec<String> {
    let Ok(party) = Party::new(&e.party) else {
        return vec![format!("`{}` is not a Party code", e.party)];
    };
    let report = aef::report(st, &party, e.year);
    let Some(table) = e.table.checked_sub(1).and_then(|i| report.tables.get(i)) else {
        return vec![format!("there is no AEF table {}", e.table)];
    };
    let mut out = Vec::new();
    let shown = || table.rows.iter().map(|r| r.join(" | ")).collect::<Vec<_>>().join("\n      ");
    let want = e.rows.as_ref().map(Vec::len).or(e.count);
    if let Some(n) = want {
        if table.rows.len() != n {
            out.push(format!(
                "{} {} {}: {} rows, expected {n}:\n      {}",
                e.party,
                e.year,
                table.title,
                table.rows.len(),
                shown()
            ));
            return out;
        }
    }
    for (i, expected) in e.rows.iter().flatten().enumerate() {
        for (column, value) in expected {
            let Some(c) = table.columns.iter().position(|name| name == column) else {
                out.push(format!("{} has no column `{column}`", table.title));
                continue;
            };
            let got = &table.rows[i][c];
            if got != &text(value) {
                out.push(format!(
                    "{} {} {} row {}: `{column}` is `{got}`, expected `{}`",
                    e.party,
                    e.year,
                    table.title,
                    i + 1,
                    text(value)
                ));
            }
        }
    }
    out
}
