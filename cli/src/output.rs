//! Output for people: aligned tables and key-value blocks; and for scripts, one JSON
//! document per command on stdout.

use serde::Serialize;
use serde_json::Value;

/// A table with a header row, printed with columns aligned.
#[derive(Debug, Default)]
pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column names.
    pub fn new(headers: &[&str]) -> Self {
        Self { headers: headers.iter().map(|h| h.to_string()).collect(), rows: Vec::new() }
    }

    /// Adds a row (as many cells as columns).
    pub fn row(&mut self, cells: Vec<String>) {
        debug_assert_eq!(cells.len(), self.headers.len(), "a row has a cell per column");
        self.rows.push(cells);
    }

    /// Whether it has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The table as text, each line ending with a newline; trailing spaces trimmed.
    pub fn render(&self) -> String {
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let line = |cells: &[String]| {
            let mut out = String::new();
            for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
                if i > 0 {
                    out.push_str("  ");
                }
                out.push_str(cell);
                out.extend(std::iter::repeat_n(' ', w - cell.chars().count()));
            }
            format!("{}\n", out.trim_end())
        };
        let mut out = line(&self.headers);
        for row in &self.rows {
            out.push_str(&line(row));
        }
        out
    }

    /// Prints the table, or `empty` when it has no rows.
    pub fn print_or(&self, empty: &str) {
        if self.is_empty() {
            println!("{empty}");
        } else {
            print!("{}", self.render());
        }
    }
}

/// Prints `label: value` lines with the values aligned.
pub fn print_fields(fields: &[(&str, String)]) {
    let width = fields.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    for (key, value) in fields {
        println!("{key:<width$}  {value}");
    }
}

/// Prints a JSON document, pretty, for scripts.
pub fn print_json(value: &Value) {
    println!("{}", serde_json::to_string_pretty(value).expect("a JSON value serializes"));
}

/// A JSON scalar as a cell: strings bare, null as `-`, others as JSON.
pub fn cell(value: &Value) -> String {
    match value {
        Value::Null => "-".to_string(),
        Value::String(s) => s.clone(),
        Value::Bool(true) => "yes".to_string(),
        Value::Bool(false) => "no".to_string(),
        other => other.to_string(),
    }
}

/// A typed value as a cell: what [`cell`] shows of its JSON form (an enum as its JSON
/// name, `ACTIVE`; `None` as `-`; `true` as `yes`).
pub fn text<T: Serialize + ?Sized>(value: &T) -> String {
    cell(&serde_json::to_value(value).expect("a value of the RPC contract serializes"))
}

/// The first 16 hex digits of a hash, for tables.
pub fn short(hash: &str) -> String {
    hash.chars().take(16).collect()
}

/// An object's fields as `key=value` pairs, skipping `skip`; nested values as JSON.
pub fn pairs(value: &Value, skip: &[&str]) -> String {
    let Some(object) = value.as_object() else {
        return cell(value);
    };
    object
        .iter()
        .filter(|(k, v)| !skip.contains(&k.as_str()) && !v.is_null())
        .map(|(k, v)| match v {
            Value::Object(_) | Value::Array(_) => format!("{k}={v}"),
            other => format!("{k}={}", cell(other)),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tables_align_their_columns() {
        let mut t = Table::new(&["A", "LONGER"]);
        t.row(vec!["xyz".into(), "1".into()]);
        t.row(vec!["u".into(), "22".into()]);
        assert_eq!(t.render(), "A    LONGER\nxyz  1\nu    22\n");
    }

    #[test]
    fn cells_and_pairs_read_well() {
        assert_eq!(cell(&json!(null)), "-");
        assert_eq!(cell(&json!("x")), "x");
        assert_eq!(cell(&json!(true)), "yes");
        assert_eq!(pairs(&json!({"kind": "issued", "account": "A", "n": null}), &["kind"]), "account=A");
        assert_eq!(text(&jcm_runtime::model::AccountStatus::Active), "ACTIVE");
        assert_eq!(
            (text(&None::<u64>), text(&Some(7u64)), text(&false)),
            ("-".into(), "7".into(), "no".into())
        );
    }
}
