//! `jcm`: the registry officer's and auditor's command-line tool.
//!
//! Exit codes: 0 success; 1 a rule rejection, a failed audit or a scenario mismatch;
//! 2 a usage or I/O error.
#![forbid(unsafe_code)]

mod scenario;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The JCM chain's command-line tool for registry officers and auditors.
#[derive(Debug, Parser)]
#[command(name = "jcm", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Conformance scenarios (docs/scenarios.md).
    #[command(subcommand)]
    Scenario(scenario::ScenarioCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Scenario(cmd) => scenario::run(cmd),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
