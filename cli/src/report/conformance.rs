//! The written AEF files read back and checked against the official template
//! (`AEF-TEMPLATE.md`) as a tool checking a submission would: sheet names, header labels
//! in order, and every value's format, in the CSV files and in the workbook. The template
//! is spelled out here again, independently of the runtime's constants, so that a label
//! renamed in the runtime fails this test.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use jcm_runtime::time::{Date, Timestamp};

use super::tests::verified;
use super::*;

const SHEETS: [&str; 4] =
    ["Table 2 Authorizations", "Table 3 Actions", "Table 4 Holdings", "Table 5 Auth. entities"];

const T2: &str = "Authorization ID · Date of authorization · Cooperative approach ID · Version of the authorization · Authorized quantity · Metric · Applicable GWP value(s) · Applicable non-GHG metric · Sector(s) · Activity type(s) · Purposes for authorization · Authorized Party(ies) ID · Authorized entity(ies) ID · OIMP authorized by the Party · Authorized timeframe · Authorization terms and conditions · Authorization documentation · First transfer definition for OIMP · Additional explanatory information";
const T3: &str = "Action date · Action type · Action subtype · Cooperative approach ID · Authorization ID · First transferring participating Party ID · Party ITMO registry ID · First ID · Last ID · Underlying unit registry ID · First unit ID · Last unit ID · Metric · Applicable GWP value(s) · Applicable non-GHG metric · Quantity (t CO2 eq) · Quantity (in non-GHG metric) · Mitigation type · Vintage · Transferring participating Party ID · Acquiring participating Party ID · Purpose for which the ITMO has been used towards or cancelled for OIMP · Using/cancelling participating Party ID · Using/cancelling authorized entity ID · Calendar year for which the ITMOs are used towards the Party's NDC · Result of the consistency checks · Additional explanatory information";
const T4: &str = "Cooperative approach ID · Authorization ID · First transferring participating Party ID · Party ITMO registry ID · First ID · Last ID · Underlying unit registry ID · First unit ID · Last unit ID · Metric · Applicable GWP value(s) · Applicable non-GHG metric · Quantity (t CO2 eq) · Quantity (in non-GHG metric) · Mitigation type · Vintage";
const T5: &str = "Date of the authorization · Name · Country of incorporation · Identification number · Cooperative approach ID · Conditions · Change and revocation conditions · Additional explanatory information";

fn template_labels(sheet: &str) -> Vec<&'static str> {
    let text = match sheet {
        "Table 2 Authorizations" => T2,
        "Table 3 Actions" => T3,
        "Table 4 Holdings" => T4,
        _ => T5,
    };
    text.split(" · ").collect()
}

fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

fn alpha3(s: &str) -> bool {
    s.len() == 3 && s.bytes().all(|b| b.is_ascii_uppercase())
}

fn ca(s: &str) -> bool {
    s.strip_prefix("CA").is_some_and(|d| digits(d, 4))
}

fn registry(s: &str) -> bool {
    s.len() == 5 && alpha3(&s[..3]) && digits(&s[3..], 2)
}

fn unit_id(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    matches!(parts.as_slice(), [c, r, p, serial, y]
        if ca(c) && registry(r) && alpha3(p) && !serial.is_empty() && serial.bytes().all(|b| b.is_ascii_digit()) && digits(y, 4))
}

fn day(s: &str) -> bool {
    let p: Vec<&str> = s.split('/').collect();
    matches!(p.as_slice(), [d, m, y] if digits(d, 2) && digits(m, 2) && digits(y, 4))
}

/// `<d>` of a timeframe: `yyyy`, `mm/yyyy` or `dd/mm/yyyy`.
fn timeframe_date(s: &str) -> bool {
    let p: Vec<&str> = s.split('/').collect();
    match p.as_slice() {
        [y] => digits(y, 4),
        [m, y] => digits(m, 2) && digits(y, 4),
        _ => day(s),
    }
}

fn timeframe_part(s: &str, name: &str) -> bool {
    let Some(rest) = s.strip_prefix(name).and_then(|r| r.strip_prefix(": from ")) else {
        return false;
    };
    rest.split_once(" to ").is_some_and(|(a, b)| timeframe_date(a) && timeframe_date(b))
}

fn timeframe(s: &str) -> bool {
    s.is_empty()
        || timeframe_part(s, "Occurred")
        || timeframe_part(s, "Use")
        || s.split_once(". ").is_some_and(|(o, u)| timeframe_part(o, "Occurred") && timeframe_part(u, "Use"))
}

fn whole(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Why a value does not follow the template, if it does not.
fn format_error(table: &str, label: &str, v: &str) -> Option<String> {
    let ok = match label {
        "Date of authorization" | "Action date" | "Date of the authorization" => day(v),
        "Cooperative approach ID" => ca(v),
        "Party ITMO registry ID" => registry(v),
        "First transferring participating Party ID" | "Country of incorporation" => alpha3(v),
        "Transferring participating Party ID"
        | "Acquiring participating Party ID"
        | "Using/cancelling participating Party ID" => v.is_empty() || alpha3(v),
        "Authorized Party(ies) ID" => v.is_empty() || v.split(", ").all(alpha3),
        "Authorized entity(ies) ID" => {
            v.is_empty() || v.split(", ").all(|e| !e.is_empty() && !e.contains(';'))
        }
        "First ID" | "Last ID" => unit_id(v),
        "Metric" => v == "GHG" || v == "non-GHG",
        "Quantity (t CO2 eq)" => whole(v),
        "Authorized quantity" | "Quantity (in non-GHG metric)" => {
            v.is_empty() || whole(v) || (table == "Table 4 Holdings" && v == "NA")
        }
        "Purposes for authorization" => {
            ["NDC", "OIMP", "IMP", "OP", "NDC and OIMP", "NDC and IMP", "NDC and OP"].contains(&v)
        }
        "Authorized timeframe" => timeframe(v),
        "First transfer definition for OIMP" => {
            ["", "NA", "Authorization", "Issuance", "Use or cancellation"].contains(&v)
        }
        "Action type" => ["Acquisition", "Transfer", "Use", "Cancellation", "First transfer"].contains(&v),
        "Vintage" | "Version of the authorization" => whole(v),
        _ => true,
    };
    (!ok).then(|| format!("{table}: `{label}` = `{v}` does not follow the template"))
}

/// One table as a checker reads it: its header and rows of text.
#[derive(Debug, PartialEq)]
struct Read {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

/// RFC 4180 records (quoted cells may hold commas, quotes and line breaks).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let (mut records, mut record, mut cell) = (Vec::new(), Vec::new(), String::new());
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut cell)),
            (false, '\r') => assert_eq!(chars.next(), Some('\n'), "records end with CRLF"),
            (false, '\n') => panic!("a bare LF ends a record"),
            (false, c) => cell.push(c),
        }
        if !quoted && c == '\r' {
            record.push(std::mem::take(&mut cell));
            records.push(std::mem::take(&mut record));
        }
    }
    assert!(cell.is_empty() && record.is_empty(), "the last record ends with CRLF");
    records
}

fn read_csv(path: &Path) -> Read {
    let mut records = parse_csv(&std::fs::read_to_string(path).expect("a CSV file"));
    let header = records.remove(0);
    Read { header, rows: records }
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The value of attribute `name` in the tag text `tag`.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    tag[start..].split('"').next()
}

/// Every element `<name ...>` or `<name .../>` of `xml`: its attribute text and content.
fn elements<'a>(xml: &'a str, name: &str) -> Vec<(&'a str, &'a str)> {
    let open = format!("<{name}");
    let close = format!("</{name}>");
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(i) = rest.find(&open) {
        rest = &rest[i + open.len()..];
        if !rest.starts_with([' ', '>', '/']) {
            continue;
        }
        let end = rest.find('>').expect("a closed tag");
        let tag = &rest[..end];
        if tag.ends_with('/') {
            out.push((tag, ""));
            rest = &rest[end + 1..];
        } else {
            let body_end = rest.find(&close).expect("a closing tag");
            out.push((tag, &rest[end + 1..body_end]));
            rest = &rest[body_end + close.len()..];
        }
    }
    out
}

/// A workbook cell as a checker reads it.
#[derive(Clone, Debug, PartialEq)]
enum Cell {
    Text(String),
    Number(f64),
    Date(Date),
}

/// A sheet's cells by (row, column), from 0.
type Cells = BTreeMap<(u32, u16), Cell>;

struct Workbook {
    sheets: Vec<(String, Cells)>,
}

fn column_index(reference: &str) -> (u32, u16) {
    let letters: String = reference.chars().take_while(char::is_ascii_uppercase).collect();
    let col = letters.bytes().fold(0u16, |n, b| n * 26 + u16::from(b - b'A' + 1)) - 1;
    (reference[letters.len()..].parse::<u32>().expect("a row number") - 1, col)
}

fn excel_date(serial: f64) -> Date {
    let days = serial as u64 - 25_569; // 1970-01-01 in Excel's day count.
    Timestamp(days * 86_400).date()
}

fn read_xlsx(path: &Path) -> Workbook {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).expect("a workbook")).expect("a zip");
    let mut part = |name: &str| {
        let mut text = String::new();
        zip.by_name(name)
            .unwrap_or_else(|_| panic!("{name} in the workbook"))
            .read_to_string(&mut text)
            .expect("utf-8");
        text
    };
    let (book, rels, strings, styles) = (
        part("xl/workbook.xml"),
        part("xl/_rels/workbook.xml.rels"),
        part("xl/sharedStrings.xml"),
        part("xl/styles.xml"),
    );
    let shared: Vec<String> = elements(&strings, "si")
        .iter()
        .map(|(_, si)| elements(si, "t").iter().map(|(_, t)| unescape(t)).collect())
        .collect();
    let formats: BTreeMap<&str, &str> = elements(&styles, "numFmt")
        .iter()
        .map(|(t, _)| (attr(t, "numFmtId").expect("an id"), attr(t, "formatCode").expect("a code")))
        .collect();
    let xfs = elements(&styles, "cellXfs").first().map(|(_, b)| elements(b, "xf")).unwrap_or_default();
    let is_day = |s: usize| {
        let id = xfs.get(s).and_then(|(t, _)| attr(t, "numFmtId")).unwrap_or("0");
        formats.get(id) == Some(&"dd/mm/yyyy")
    };
    let mut sheets = Vec::new();
    for (tag, _) in elements(&book, "sheet") {
        let name = unescape(attr(tag, "name").expect("a sheet name"));
        let rid = attr(tag, "r:id").expect("a relationship");
        let target = elements(&rels, "Relationship")
            .into_iter()
            .find(|(t, _)| attr(t, "Id") == Some(rid))
            .and_then(|(t, _)| attr(t, "Target"))
            .expect("the sheet's part");
        let xml = part(&format!("xl/{target}"));
        let mut cells = BTreeMap::new();
        for (tag, body) in elements(&xml, "c") {
            let at = column_index(attr(tag, "r").expect("a cell reference"));
            let value = elements(body, "v").first().map(|(_, v)| v.to_string()).unwrap_or_default();
            let cell = match attr(tag, "t") {
                Some("s") => Cell::Text(shared[value.parse::<usize>().expect("an index")].clone()),
                Some(other) => panic!("cell type {other}"),
                None if attr(tag, "s").and_then(|s| s.parse().ok()).is_some_and(is_day) => {
                    Cell::Date(excel_date(value.parse().expect("a day number")))
                }
                None => Cell::Number(value.parse().expect("a number")),
            };
            cells.insert(at, cell);
        }
        sheets.push((name, cells));
    }
    Workbook { sheets }
}

/// Checks one table's header and values; returns what does not follow the template.
fn check_table(sheet: &str, read: &Read) -> Vec<String> {
    let labels = template_labels(sheet);
    let mut errors = Vec::new();
    if read.header.len() < labels.len() || read.header[..labels.len()] != labels[..] {
        errors.push(format!("{sheet}: header {:?} does not start with the template's labels", read.header));
    }
    for row in &read.rows {
        assert_eq!(row.len(), read.header.len(), "{sheet}: a row as wide as the header");
        for (label, value) in read.header.iter().zip(row) {
            errors.extend(format_error(sheet, label, value));
        }
    }
    errors
}

fn write_files(v: &Verified, party: &str, year: u16, format: ReportFormat, out: &Path) -> Vec<PathBuf> {
    let args = AefArgs {
        party: party.parse().expect("a Party"),
        year,
        format,
        height: None,
        out: out.into(),
        quiet: true,
    };
    std::fs::create_dir_all(out).expect("a temp dir");
    write(v, &args).expect("written").into_iter().map(|(p, _)| p).collect()
}

/// The tables of S62 (a first transfer, an acquisition, a use, OIMP authorizations with
/// entities, holdings), written as CSV and xlsx and checked as a submission.
#[test]
fn the_written_files_follow_the_official_template() {
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/scenarios/s62_aef_export.toml");
    let outcome = jcm_scenario::run_file(Path::new(scenario)).expect("S62 runs");
    assert!(outcome.passed(), "S62 passes");
    let base = std::env::temp_dir().join(format!("jcm-cli-aef-template-{}", std::process::id()));
    let mut rows_seen = BTreeMap::new();
    for (party, year) in [("IND", 2025), ("IND", 2026), ("JPN", 2026)] {
        let mut v = verified();
        v.report = aef::report(&outcome.state, &party.parse().expect("a Party"), year);
        let dir = base.join(format!("{party}-{year}"));
        let csvs = write_files(&v, party, year, ReportFormat::Csv, &dir);
        let book = read_xlsx(&write_files(&v, party, year, ReportFormat::Xlsx, &dir)[0]);
        let names: Vec<&str> = book.sheets.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names[1..], SHEETS, "sheet names");
        for (i, sheet) in SHEETS.iter().enumerate() {
            let csv = read_csv(&csvs[i + 1]);
            assert_eq!(check_table(sheet, &csv), Vec::<String>::new(), "{party} {year} CSV");
            let cells = &book.sheets[i + 1].1;
            let header: Vec<String> = (0..csv.header.len() as u16)
                .map(|c| match cells.get(&(0, c)) {
                    Some(Cell::Text(t)) => t.clone(),
                    other => panic!("{sheet} header cell {c}: {other:?}"),
                })
                .collect();
            assert_eq!(header, csv.header, "{sheet}: the workbook's header is the CSV's");
            for (r, row) in csv.rows.iter().enumerate() {
                for (c, value) in row.iter().enumerate() {
                    let label = &csv.header[c];
                    let cell = cells.get(&(r as u32 + 1, c as u16));
                    match (cell, value.as_str()) {
                        (None, "") => {}
                        (Some(Cell::Date(d)), v) => {
                            assert_eq!(jcm_runtime::aef::template::date(*d), v, "{label}")
                        }
                        (Some(Cell::Number(n)), v) => assert_eq!(n.to_string(), v, "{label}"),
                        (Some(Cell::Text(t)), v) => assert_eq!(t, v, "{label}"),
                        (None, v) => panic!("{sheet} {label}: `{v}` missing from the workbook"),
                    }
                    let date_label = ["Date of authorization", "Action date", "Date of the authorization"];
                    if date_label.contains(&label.as_str()) {
                        assert!(matches!(cell, Some(Cell::Date(_))), "{sheet} {label}: a date cell");
                    }
                    if label == "Quantity (t CO2 eq)" {
                        assert!(matches!(cell, Some(Cell::Number(_))), "{sheet} {label}: a number cell");
                    }
                }
            }
            *rows_seen.entry(*sheet).or_insert(0) += csv.rows.len();
        }
    }
    // Every table was checked on some rows, not only on its header.
    assert!(SHEETS.iter().all(|s| rows_seen.get(s).copied().unwrap_or(0) > 0), "{rows_seen:?}");
    let _ = std::fs::remove_dir_all(&base);
}

#[test]
fn the_checker_refuses_our_old_words() {
    let read = Read {
        header: template_labels("Table 2 Authorizations").iter().map(|s| s.to_string()).collect(),
        rows: vec![],
    };
    assert!(check_table("Table 2 Authorizations", &read).is_empty());
    let mut old = read;
    old.header[3] = "Version".into();
    assert_eq!(check_table("Table 2 Authorizations", &old).len(), 1);
    for (label, bad) in [
        ("Action date", "2026-02-10"),
        ("Authorized timeframe", "Use: 2026 - 2030"),
        ("Authorized timeframe", "2021 - 2030"),
        ("Authorized Party(ies) ID", "JPN; IDN"),
        ("Action type", "Voluntary Cancellation"),
        ("First transfer definition for OIMP", "Authorisation"),
        ("Quantity (in non-GHG metric)", "NA"),
    ] {
        assert!(format_error("Table 3 Actions", label, bad).is_some(), "{label} = {bad}");
    }
    assert!(format_error("Table 4 Holdings", "Quantity (in non-GHG metric)", "NA").is_none());
    assert!(format_error(
        "Table 2 Authorizations",
        "Authorized timeframe",
        "Occurred: from 01/2021 to 31/12/2030"
    )
    .is_none());
    assert_eq!(
        parse_csv("a,\"b,\"\"c\"\r\n\r\n"),
        vec![vec!["a".to_string(), "b,\"c".into()], vec![String::new()]]
    );
}
