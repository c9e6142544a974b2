//! `jcm scenario run FILE...`: runs conformance scenarios and prints every step.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use jcm_tests::scenario::{run_file, Outcome};

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
    },
}

/// Runs a scenario command.
pub fn run(cmd: ScenarioCommand) -> anyhow::Result<ExitCode> {
    let ScenarioCommand::Run { files, quiet } = cmd;
    let (mut passed, mut failed) = (0usize, 0usize);
    for file in &files {
        let outcome = run_file(file)?;
        print_outcome(&outcome, quiet);
        if outcome.passed() {
            passed += 1;
        } else {
            failed += 1;
        }
    }
    println!("\n{passed} scenario(s) passed, {failed} failed");
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn print_outcome(outcome: &Outcome, quiet: bool) {
    let mark = if outcome.passed() { "PASS" } else { "FAIL" };
    println!("{mark} {} ({})", outcome.name, outcome.file.display());
    for step in &outcome.steps {
        if quiet && step.failures.is_empty() {
            continue;
        }
        let mark = if step.failures.is_empty() {
            "ok  "
        } else {
            "FAIL"
        };
        let action = step
            .action
            .clone()
            .unwrap_or_else(|| "(no transaction)".into());
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
