//! Conformance scenarios: human-written TOML files, each a fixture (a genesis) and a
//! sequence of steps (a transaction by a named signer at a block time, with its expected
//! verdict, and optional expectations on holdings, units, the ledger, events, transfers,
//! authorizations and AEF rows). The format is documented in `docs/scenarios.md`.
//!
//! [`run_file`] executes a scenario with the real runtime, one block per step, checks
//! every expectation and the R41 invariants after every step, and reports each step.
//! [`fixture`] loads the genesis a scenario starts from.
//!
//! A product crate: `jcm scenario run` is a command of the CLI, and the workspace's
//! conformance tests run the same files through the same code.
#![forbid(unsafe_code)]

mod expect;
mod expect_gov;
pub mod fixture;
mod run;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::fixture::Patch;

pub use run::{ledger_digest, run_file, Outcome, StepReport};

/// A scenario file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Title, e.g. `S27 — Use towards NDC`.
    pub name: String,
    /// The genesis fixture, relative to the scenario file.
    #[serde(default)]
    pub genesis: Option<String>,
    /// A built-in fixture by name (`"f0"`, `"s3"`, `"s4"`, see [`fixture::BUILTIN`]),
    /// instead of a `genesis` path.
    #[serde(default)]
    pub fixture: Option<String>,
    /// Edits of the fixture before the chain starts.
    #[serde(default)]
    pub patch: Vec<Patch>,
    /// Scenario files whose steps run first (relative paths), e.g. the baseline B1.
    #[serde(default)]
    pub include: Vec<String>,
    /// Block time of a step that names none and follows no other step.
    #[serde(default)]
    pub clock: Option<toml::Value>,
    /// Reporting years whose AEF submission is already final when the chain starts (R38).
    /// Block time never goes back and a year can only be closed once it has ended, so a
    /// closed year can only be reached by an action if it was closed before genesis.
    #[serde(default)]
    pub closed_years: Vec<ClosedYear>,
    /// The steps.
    #[serde(default)]
    pub step: Vec<Step>,
}

/// A Party's reporting year that is final before the first step (R38).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClosedYear {
    /// The Party, e.g. `IND`.
    pub party: String,
    /// The reported year.
    pub year: u16,
}

/// The verdict a step expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Expect {
    /// The transaction is accepted.
    Accepted,
    /// The transaction is rejected (with `codes` or `codes_include`).
    Rejected,
}

/// One step: a block at a time, with at most one transaction.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// A name for reports and for `$tx:ID` references in later steps.
    #[serde(default)]
    pub id: Option<String>,
    /// What the step shows, for people.
    #[serde(default)]
    pub note: Option<String>,
    /// Block time (the action date): `YYYY-MM-DD` or RFC 3339 UTC.
    #[serde(default)]
    pub at: Option<toml::Value>,
    /// The officer who signs.
    #[serde(default)]
    pub signer: Option<String>,
    /// The transaction's payload, as in JSON (`action = "transfer_internal"`, ...).
    #[serde(default)]
    pub tx: Option<toml::Value>,
    /// Submit again the exact transaction of an earlier step (R1).
    #[serde(default)]
    pub resubmit: Option<String>,
    /// A nonce to sign with instead of the signer's next one.
    #[serde(default)]
    pub nonce: Option<u64>,
    /// The expected verdict; required with `tx` or `resubmit`.
    #[serde(default)]
    pub expect: Option<Expect>,
    /// The exact set of rejection codes.
    #[serde(default)]
    pub codes: Option<Vec<String>>,
    /// Codes that must be among the rejection codes (others may appear).
    #[serde(default)]
    pub codes_include: Option<Vec<String>>,
    /// The exact set of warning codes.
    #[serde(default)]
    pub warnings: Option<Vec<String>>,
    /// For a duplicate: the original verdict (`accepted` or `rejected`).
    #[serde(default)]
    pub original: Option<Expect>,
    /// Expected holdings after the step.
    #[serde(default)]
    pub holdings: Vec<expect::HoldingExpect>,
    /// Expected unit attributes after the step.
    #[serde(default)]
    pub units: Vec<expect::UnitsExpect>,
    /// Expected ledger totals by Party after the step.
    #[serde(default)]
    pub ledger: BTreeMap<String, expect::LedgerExpect>,
    /// Expected events recorded by the step.
    #[serde(default)]
    pub events: Vec<expect::EventExpect>,
    /// Expected external transfer states after the step.
    #[serde(default)]
    pub transfer: Vec<expect::TransferExpect>,
    /// Expected authorization versions after the step.
    #[serde(default)]
    pub authorization: Vec<expect::AuthorizationExpect>,
    /// Expected AEF rows after the step.
    #[serde(default)]
    pub aef: Vec<expect::AefExpect>,
    /// What of a project's period is credited where after the step (R37).
    #[serde(default)]
    pub credited: Vec<expect::CreditedExpect>,
    /// Governance proposals after the step (R43, R44).
    #[serde(default)]
    pub proposal: Vec<expect_gov::ProposalExpect>,
    /// The validator set after the step, or at a later height (R49).
    #[serde(default)]
    pub validators: Vec<expect_gov::ValidatorsExpect>,
    /// Officer keys after the step (R47, R48).
    #[serde(default)]
    pub officer: Vec<expect_gov::OfficerExpect>,
    /// Observers after the step (R50).
    #[serde(default)]
    pub observer: Vec<expect_gov::ObserverExpect>,
    /// The upgrade plan after the step (R51).
    #[serde(default)]
    pub upgrade: Option<expect_gov::UpgradeExpect>,
}

/// Why a scenario could not run (as opposed to a step that did not meet expectations).
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// A file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// Path.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// The scenario file is malformed.
    #[error("{path}: {message}")]
    Invalid {
        /// Path.
        path: String,
        /// What is wrong.
        message: String,
    },
}

/// A step with the file it came from.
#[derive(Debug, Clone)]
pub struct LoadedStep {
    /// The scenario file.
    pub file: PathBuf,
    /// Its position in that file, from 1.
    pub index: usize,
    /// The step.
    pub step: Step,
}

/// A scenario with its includes resolved.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The scenario's own name.
    pub name: String,
    /// The fixture (from the scenario or the first include naming one); F0 if none.
    pub genesis: Option<FixtureSource>,
    /// Fixture patches (includes first).
    pub patches: Vec<Patch>,
    /// Default clock.
    pub clock: Option<toml::Value>,
    /// Years final before the first step (includes first).
    pub closed_years: Vec<ClosedYear>,
    /// Every step, includes first.
    pub steps: Vec<LoadedStep>,
}

/// Where a scenario's fixture comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FixtureSource {
    /// A genesis file (the `genesis` key, resolved against the scenario's directory).
    Path(PathBuf),
    /// A built-in fixture by name (the `fixture` key).
    Named(String),
}

/// Reads a scenario and, recursively, its includes (each file at most once per chain).
pub fn load(path: &Path) -> Result<Loaded, ScenarioError> {
    let mut stack = Vec::new();
    load_inner(path, &mut stack)
}

fn load_inner(path: &Path, stack: &mut Vec<PathBuf>) -> Result<Loaded, ScenarioError> {
    let invalid = |message: String| ScenarioError::Invalid { path: path.display().to_string(), message };
    if stack.iter().any(|p| p == path) || stack.len() > 16 {
        return Err(invalid("includes form a cycle or nest deeper than 16".into()));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|source| ScenarioError::Io { path: path.display().to_string(), source })?;
    let scenario: Scenario = toml::from_str(&text).map_err(|e| invalid(e.to_string()))?;
    let dir = path.parent().unwrap_or(Path::new("."));
    stack.push(path.to_path_buf());
    let mut loaded = Loaded {
        name: scenario.name.clone(),
        genesis: None,
        patches: Vec::new(),
        clock: None,
        closed_years: Vec::new(),
        steps: Vec::new(),
    };
    for include in &scenario.include {
        let inner = load_inner(&dir.join(include), stack)?;
        loaded.genesis = loaded.genesis.or(inner.genesis);
        loaded.patches.extend(inner.patches);
        loaded.clock = loaded.clock.or(inner.clock);
        loaded.closed_years.extend(inner.closed_years);
        loaded.steps.extend(inner.steps);
    }
    stack.pop();
    match (&scenario.genesis, &scenario.fixture) {
        (Some(_), Some(_)) => {
            return Err(invalid("give `genesis` (a path) or `fixture` (a name), not both".into()))
        }
        (Some(genesis), None) => loaded.genesis = Some(FixtureSource::Path(dir.join(genesis))),
        (None, Some(name)) => {
            if fixture::builtin(name).is_none() {
                return Err(invalid(format!(
                    "`fixture = \"{name}\"` names no built-in fixture (known: {})",
                    fixture::BUILTIN.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
                )));
            }
            loaded.genesis = Some(FixtureSource::Named(name.clone()));
        }
        (None, None) => {}
    }
    loaded.patches.extend(scenario.patch);
    loaded.clock = scenario.clock.or(loaded.clock);
    loaded.closed_years.extend(scenario.closed_years);
    for (i, step) in scenario.step.into_iter().enumerate() {
        if step.tx.is_some() && step.resubmit.is_some() {
            return Err(invalid(format!("step {}: give `tx` or `resubmit`, not both", i + 1)));
        }
        let has_tx = step.tx.is_some() || step.resubmit.is_some();
        if has_tx && (step.expect.is_none() || step.signer.is_none() && step.tx.is_some()) {
            return Err(invalid(format!("step {}: a transaction step needs `signer` and `expect`", i + 1)));
        }
        loaded.steps.push(LoadedStep { file: path.to_path_buf(), index: i + 1, step });
    }
    Ok(loaded)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, text: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("jcm-scenario-fixture-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write");
        path
    }

    #[test]
    fn a_scenario_names_a_builtin_fixture_and_includes_pass_it_on() {
        let base = write("base.toml", "name = \"base\"\nfixture = \"s3\"\n");
        assert_eq!(load(&base).expect("loads").genesis, Some(FixtureSource::Named("s3".into())));
        let child = write("child.toml", "name = \"child\"\ninclude = [\"base.toml\"]\n");
        assert_eq!(load(&child).expect("loads").genesis, Some(FixtureSource::Named("s3".into())));
        let outcome = run_file(&child).expect("runs");
        use jcm_runtime::state::StateExt;
        assert_eq!(outcome.state.meta().chain_id.as_str(), "jcm-s3");
    }

    #[test]
    fn an_unknown_fixture_or_both_keys_are_invalid_files() {
        let unknown = write("unknown.toml", "name = \"x\"\nfixture = \"f9\"\n");
        assert!(matches!(load(&unknown), Err(ScenarioError::Invalid { .. })));
        let both = write("both.toml", "name = \"x\"\nfixture = \"s3\"\ngenesis = \"g.json\"\n");
        assert!(matches!(load(&both), Err(ScenarioError::Invalid { .. })));
    }
}
