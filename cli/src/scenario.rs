//! `jcm scenario run FILE...`: runs conformance scenarios and prints every step.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use jcm_runtime::ids::Party;
use jcm_scenario::{run_file, Outcome};

fn parse_aef(text: &str) -> Result<(Party, u16), String> {
    let (party, year) = text.split_once(':').ok_or("expected PARTY:YEAR, e.g. IND:2026")?;
    let party = Party::new(party).map_err(|e| e.to_string())?;
    let year = year.parse().map_err(|_| format!("`{year}` is not a year"))?;
    Ok((party, year))
}

/// Scenario commands.
#[derive(Debug, Subcommand)]
pub enum ScenarioCommand {
    /// Run scenario files; exit 1 if any expectation fails.
    ///
    /// Example: jcm scenario run tests/scenarios/*.toml
    Run {
        /// Scenario files (TOML).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print only failing steps and the summary.
        #[arg(long, short)]
        quiet: bool,
        /// After each scenario, print the AEF tables of PARTY for YEAR as CSV
        /// (repeatable), e.g. --aef IND:2026.
        #[arg(long, value_name = "PARTY:YEAR", value_parser = parse_aef)]
        aef: Vec<(Party, u16)>,
    },
}

/// Runs a scenario command.
pub fn run(cmd: ScenarioCommand) -> anyhow::Result<ExitCode> {
    let ScenarioCommand::Run { files, quiet, aef } = cmd;
    let (mut passed, mut failed) = (0usize, 0usize);
    for file in &files {
        let outcome = run_file(file)?;
        print_outcome(&outcome, quiet);
        for (party, year) in &aef {
            let report = jcm_runtime::aef::report(&outcome.state, party, *year);
            println!("\n  AEF {party} {year} after {}:\n", outcome.file.display());
            print!("{}", report.to_csv().replace("\r\n", "\n"));
        }
        if outcome.passed() {
            passed += 1;
        } else {
            failed += 1;
        }
    }
    println!("\n{passed} scenario(s) passed, {failed} failed");
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn print_outcome(outcome: &Outcome, quiet: bool) {
    let mark = if outcome.passed() { "PASS" } else { "FAIL" };
    println!("{mark} {} ({})", outcome.name, outcome.file.display());
    for step in &outcome.steps {
        if quiet && step.failures.is_empty() {
            continue;
        }
        let mark = if step.failures.is_empty() { "ok  " } else { "FAIL" };
        let action = step.action.clone().unwrap_or_else(|| "(no transaction)".into());
        println!("  {mark} {} at {}: {action}", step.label, step.at);
        if let Some(verdict) = &step.verdict {
            for line in verdict.to_string().lines() {
                println!("         {line}");
            }
        }
        for failure in &step.failures {
            println!("       ✗ {failure}");
        }
    }
}
