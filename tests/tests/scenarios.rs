//! The conformance scenarios as a test: every `tests/scenarios/*.toml` passes, and the
//! runner is shown able to fail: a passing scenario with one expectation changed, for
//! each kind of expectation, does not pass.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use jcm_scenario::run_file;

fn scenario_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")
}

fn scenario_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(scenario_dir())
        .expect("tests/scenarios is readable")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .filter(|p| !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with(".tmp-")))
        .collect();
    files.sort();
    files
}

#[test]
fn every_scenario_passes() {
    let files = scenario_files();
    assert!(files.len() > 40, "the scenario files are missing");
    let mut failures = Vec::new();
    for file in &files {
        match run_file(file) {
            Ok(outcome) => {
                for step in outcome.steps.iter().filter(|s| !s.failures.is_empty()) {
                    failures.push(format!("{}:\n    {}", step.label, step.failures.join("\n    ")));
                }
            }
            Err(e) => failures.push(format!("{}: {e}", file.display())),
        }
    }
    assert!(failures.is_empty(), "{} failing step(s):\n{}", failures.len(), failures.join("\n"));
}

/// A copy of a scenario with one edit, written beside the original (so its relative
/// `include` and `genesis` paths still resolve) under a unique name, removed on drop.
struct Mutant {
    path: PathBuf,
}

impl Mutant {
    fn new(original: &str, from: &str, to: &str) -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let text = std::fs::read_to_string(scenario_dir().join(original))
            .expect("the original scenario is readable");
        assert_eq!(text.matches(from).count(), 1, "`{from}` occurs exactly once in {original}");
        let name = format!(".tmp-{}-{}-{original}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        let path = scenario_dir().join(name);
        std::fs::write(&path, text.replacen(from, to, 1)).expect("the copy is writable");
        Self { path }
    }

    fn passes(&self) -> bool {
        run_file(&self.path).expect("the changed scenario is still valid").passed()
    }
}

impl Drop for Mutant {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The original passes, and the edited copy does not.
fn fails_after(original: &str, from: &str, to: &str) {
    let copy = Mutant::new(original, "name = \"", "name = \"");
    assert!(copy.passes(), "{original} passes unchanged");
    let mutant = Mutant::new(original, from, to);
    assert!(!mutant.passes(), "{original} with `{from}` changed to `{to}` still passes");
}

#[test]
fn a_changed_verdict_fails() {
    fails_after("s17_units_not_held.toml", "expect = \"rejected\"", "expect = \"accepted\"");
}

#[test]
fn a_changed_code_fails() {
    fails_after("s17_units_not_held.toml", "codes = [\"A6-3002\"]", "codes = [\"A6-3001\"]");
}

#[test]
fn a_missing_extra_code_fails() {
    fails_after("s28_double_use.toml", "codes = [\"A6-3002\", \"A6-3005\"]", "codes = [\"A6-3002\"]");
}

#[test]
fn a_changed_holding_fails() {
    fails_after(
        "s16_partial_transfer_split.toml",
        "units = [\"CA0001-JPN01-IND-1-2025..CA0001-JPN01-IND-3800-2025\"]",
        "units = [\"CA0001-JPN01-IND-1-2025..CA0001-JPN01-IND-3799-2025\"]",
    );
}

#[test]
fn a_changed_unit_attribute_fails() {
    fails_after(
        "s23_authorize_india_share.toml",
        "range = \"CA0001-IND01-IND-9001-2025..CA0001-IND01-IND-10000-2025\"\nauthorization = \"\"",
        "range = \"CA0001-IND01-IND-9001-2025..CA0001-IND01-IND-10000-2025\"\nauthorization = \"AUTH-IND-002\"",
    );
}

#[test]
fn a_changed_ledger_total_fails() {
    fails_after("s27_use_ndc.toml", "subtractions = { 2030 = 1000 }", "subtractions = { 2030 = 999 }");
}

#[test]
fn a_changed_event_fails() {
    fails_after(
        "s37_oimp_first_transfer_at_use.toml",
        "subtype = \"UseOrCancellation\"",
        "subtype = \"Issuance\"",
    );
}

#[test]
fn a_changed_transfer_status_fails() {
    fails_after("s25_acquirer_timeout.toml", "status = \"TERMINATED\"", "status = \"COMPLETED\"");
}

#[test]
fn a_changed_authorization_fails() {
    fails_after(
        "s44_prospective_revocation.toml",
        "version = 2\nstatus = \"REVOKED\"\n\n[[step.events]]",
        "version = 2\nstatus = \"ACTIVE\"\n\n[[step.events]]",
    );
}

#[test]
fn a_changed_aef_row_fails() {
    fails_after(
        "s62_aef_export.toml",
        "\"Quantity (t CO2 eq)\" = \"6000\"",
        "\"Quantity (t CO2 eq)\" = \"6001\"",
    );
}

#[test]
fn a_changed_warning_fails() {
    fails_after("s58_party_not_eligible_warn.toml", "warnings = [\"A6-2003\"]", "warnings = []");
}

#[test]
fn a_changed_crediting_answer_fails() {
    fails_after("r37_ccts_before_jcm.toml", "jcm = [\"N-053\"]\nelsewhere = []", "jcm = []\nelsewhere = []");
}

/// A payload field its action does not have makes the file invalid (exit code 2), and
/// the error names the field; it is not an R2 rejection checked like the others.
#[test]
fn an_unknown_payload_field_is_a_format_error() {
    let file = scenario_dir().join("invalid").join("unknown_field.toml");
    match run_file(&file) {
        Err(e @ jcm_scenario::ScenarioError::Invalid { .. }) => {
            assert!(e.to_string().contains("`use_year`"), "the error names the field: {e}");
        }
        Err(e) => panic!("not a format error: {e}"),
        Ok(outcome) => panic!("ran {} step(s) instead of refusing the file", outcome.steps.len()),
    }
}
