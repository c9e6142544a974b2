//! Pre-export validation (ARTICLE6.md §9.4): what closing a reporting year (R38) checks of
//! the year's AEF tables before the submission becomes final. Required fields are
//! present and dates and quantities follow the template (`A6-7005`); the Table 3 totals
//! reconcile with the ledger entries of the year (`A6-7006`).

use crate::error::Code;
use crate::events::{Event, EventKind};
use crate::ids::Party;
use crate::state::{keys, ReadStore, StateExt};

use super::template::{self, ColumnKind};
use super::{AefReport, Table};

/// Fields every row of a table must fill.
fn required(title: &str) -> &'static [&'static str] {
    match title {
        template::TITLE_2 => &[
            "Authorization ID",
            "Date of authorization",
            "Cooperative approach ID",
            "Version of the authorization",
            "Metric",
            "Purposes for authorization",
        ],
        template::TITLE_3 => &[
            "Action date",
            "Action type",
            "Cooperative approach ID",
            "First transferring participating Party ID",
            "Party ITMO registry ID",
            "First ID",
            "Last ID",
            "Underlying unit registry ID",
            "First unit ID",
            "Last unit ID",
            "Metric",
            "Quantity (t CO2 eq)",
            "Mitigation type",
            "Vintage",
        ],
        template::TITLE_4 => &[
            "Cooperative approach ID",
            "Authorization ID",
            "First transferring participating Party ID",
            "Party ITMO registry ID",
            "First ID",
            "Last ID",
            "Metric",
            "Quantity (t CO2 eq)",
            "Vintage",
        ],
        template::TITLE_5 => &[
            "Date of the authorization",
            "Name",
            "Country of incorporation",
            "Identification number",
            "Cooperative approach ID",
        ],
        _ => &[],
    }
}

/// The cell of `row` under `label` (empty when the table has no such column).
fn cell<'a>(table: &'a Table, row: &'a [String], label: &str) -> &'a str {
    table.columns.iter().position(|c| c == label).map_or("", |c| row[c].as_str())
}

/// Fields a row must fill given its other cells (the AEF's conditional fields).
fn conditional(table: &Table, row: &[String]) -> Vec<&'static str> {
    let cell = |label: &str| cell(table, row, label).to_string();
    let mut out = Vec::new();
    match table.title.as_str() {
        template::TITLE_2 => {
            let metric = cell("Metric");
            out.push(if metric == "GHG" { "Applicable GWP value(s)" } else { "Applicable non-GHG metric" });
            if cell("Purposes for authorization") != "NDC" {
                out.push("First transfer definition for OIMP");
            }
        }
        template::TITLE_3 => match (cell("Action type").as_str(), cell("Action subtype").as_str()) {
            ("First transfer", subtype) => {
                out.push("Authorization ID");
                if subtype == "First transfer to another Party" {
                    out.push("Acquiring participating Party ID");
                }
            }
            ("Transfer", "") => out.push("Acquiring participating Party ID"),
            ("Acquisition", _) => out.push("Transferring participating Party ID"),
            _ => {}
        },
        _ => {}
    }
    out
}

/// What of one table's rows is missing or malformed.
fn fields(table: &Table) -> Vec<String> {
    let mut out = Vec::new();
    for (i, row) in table.rows.iter().enumerate() {
        let mut needed: Vec<&str> = required(&table.title).to_vec();
        needed.extend(conditional(table, row));
        let what = row.first().map_or(String::new(), |id| format!(" ({id})"));
        for label in needed {
            if cell(table, row, label).trim().is_empty() {
                out.push(format!("{} row {}{what}: `{label}` is empty", table.title, i + 1));
            }
        }
        for (label, value) in table.columns.iter().zip(row) {
            let ok = value.is_empty()
                || match template::column_kind(label) {
                    ColumnKind::Date => template::parse_date(value).is_some(),
                    ColumnKind::Whole => value == "NA" || value.parse::<u64>().is_ok(),
                    ColumnKind::Text => true,
                };
            if !ok {
                out.push(format!(
                    "{} row {}{what}: `{label}` = `{value}` is not in the template's format",
                    table.title,
                    i + 1
                ));
            }
        }
    }
    out
}

/// Σ of a Table 3 column over the rows `keep` selects.
fn sum(table: &Table, keep: impl Fn(&[String]) -> bool) -> u64 {
    table
        .rows
        .iter()
        .filter(|row| keep(row))
        .map(|row| cell(table, row, "Quantity (t CO2 eq)").parse::<u64>().unwrap_or(0))
        .sum()
}

/// The ledger entries (R29) of `party` made by actions dated in `year`: additions by its
/// first transfers, subtractions by its NDC uses.
fn ledger_of_year<S: ReadStore + ?Sized>(st: &S, party: &Party, year: u16) -> (u64, u64) {
    let (mut additions, mut subtractions) = (0u64, 0u64);
    for e in st.read_all::<Event>(keys::prefix::EVENT) {
        let Some(units) = e.units.as_ref().filter(|_| e.time.year() == year) else {
            continue;
        };
        match &e.kind {
            EventKind::FirstTransfer { .. } if &units.ftp == party => additions += units.quantity(),
            EventKind::UsedNdc { party: p, .. } if p == party => subtractions += units.quantity(),
            _ => {}
        }
    }
    (additions, subtractions)
}

/// Every failure of the report's pre-export validation, with its code.
pub fn check<S: ReadStore + ?Sized>(st: &S, report: &AefReport) -> Vec<(Code, String)> {
    let mut out: Vec<(Code, String)> =
        report.tables.iter().flat_map(fields).map(|m| (Code::AefFieldMissing, m)).collect();
    let Some(actions) = report.tables.iter().find(|t| t.title == template::TITLE_3) else {
        return out;
    };
    let (additions, subtractions) = ledger_of_year(st, &report.party, report.year);
    let first_transfers = sum(actions, |row| cell(actions, row, "Action type") == "First transfer");
    let uses = sum(actions, |row| {
        cell(actions, row, "Action type") == "Use"
            && !cell(actions, row, "Calendar year for which the ITMOs are used towards the Party's NDC")
                .is_empty()
    });
    if first_transfers != additions {
        out.push((
            Code::AefTotalsMismatch,
            format!(
            "Table 3 reports {first_transfers} first transferred in {}, the ledger records {additions} added",
            report.year
        ),
        ));
    }
    if uses != subtractions {
        out.push((
            Code::AefTotalsMismatch,
            format!(
            "Table 3 reports {uses} used towards the NDC in {}, the ledger records {subtractions} subtracted",
            report.year
        ),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::MemStore;

    fn report(tables: Vec<Table>) -> AefReport {
        AefReport { party: "IND".parse().expect("a Party"), year: 2026, tables }
    }

    fn t(title: &str, columns: &[&str], rows: Vec<Vec<&str>>) -> Table {
        Table {
            title: title.into(),
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows: rows.into_iter().map(|r| r.into_iter().map(String::from).collect()).collect(),
        }
    }

    #[test]
    fn an_entity_without_country_or_number_is_named() {
        let row = vec!["15/01/2026", "E-X", "", "", "CA0001", "", "", ""];
        let got = check(&MemStore::default(), &report(vec![t(template::TITLE_5, template::T5, vec![row])]));
        let codes: Vec<Code> = got.iter().map(|(c, _)| *c).collect();
        assert_eq!(codes, [Code::AefFieldMissing, Code::AefFieldMissing], "{got:?}");
        assert!(got[0].1.contains("Country of incorporation"), "{got:?}");
    }

    #[test]
    fn table_3_totals_must_match_the_ledger_of_the_year() {
        let mut row = vec![""; template::T3.len()];
        let set = |row: &mut Vec<&str>, label: &str, v: &'static str| {
            row[template::T3.iter().position(|c| *c == label).expect("a label")] = v;
        };
        for (label, v) in [
            ("Action date", "10/02/2026"),
            ("Action type", "First transfer"),
            ("Action subtype", "Issuance"),
            ("Quantity (t CO2 eq)", "7000"),
        ] {
            set(&mut row, label, v);
        }
        // An empty log records nothing: 7,000 reported first transferred do not reconcile.
        let got = check(&MemStore::default(), &report(vec![t(template::TITLE_3, template::T3, vec![row])]));
        assert!(got.iter().any(|(c, m)| *c == Code::AefTotalsMismatch && m.contains("7000")), "{got:?}");
        assert!(
            got.iter().any(|(c, m)| *c == Code::AefFieldMissing && m.contains("Authorization ID")),
            "{got:?}"
        );
    }
}
