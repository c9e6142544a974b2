//! `jcm`: the registry officer's and auditor's command-line tool.
//!
//! Arguments are parsed and validated into typed commands (identifiers, amounts,
//! controlled values) before any handler runs; each handler returns the exit code.
//!
//! Exit codes:
//! - 0 success;
//! - 1 a rule rejection (a dry run, a refusal at admission, or a transaction recorded as
//!   rejected in its block), a failed audit or proof, a scenario mismatch;
//! - 2 a usage or I/O error: bad arguments, an unreadable file, a wrong passphrase, an
//!   unreachable node (named with its URL).
#![forbid(unsafe_code)]

mod chain;
mod client;
mod config;
mod context;
mod gov;
mod keys;
mod output;
mod pin;
mod query;
mod report;
mod scenario;
mod tx;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use jcm_cli::audit::{self, OutputFormat};
use jcm_cli::proof;

use crate::context::Context;

/// The JCM chain's command-line tool for registry officers and auditors: keys,
/// transactions, queries, AEF reports, audits and proofs.
#[derive(Debug, Parser)]
#[command(
    name = "jcm",
    version,
    about,
    long_about = None,
    after_help = AFTER_HELP,
)]
struct Cli {
    /// The node's RPC address [default: `jcm config set node`, else http://127.0.0.1:26601].
    #[arg(long, global = true, value_name = "URL", env = "JCM_NODE")]
    node: Option<String>,
    /// Output: text (tables for people) or json (one document for scripts).
    #[arg(long, global = true, value_enum, default_value_t)]
    output: OutputFormat,
    /// The CLI's home: keys in DIR/keys, settings in DIR/config.toml [default: ~/.jcm].
    #[arg(long, global = true, value_name = "DIR", env = "JCM_HOME")]
    home: Option<PathBuf>,
    /// Read key passphrases from the first line of FILE [default: JCM_PASSPHRASE, else a
    /// prompt].
    #[arg(long, global = true, value_name = "FILE")]
    passphrase_file: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

/// The top-level help's epilogue: a first session, then the exit codes.
const AFTER_HELP: &str =
    "Example (a local testnet written by `jcm-node testnet --dev --out target/demo`):\n  \
     jcm keys import-testnet target/demo\n  \
     jcm config set node http://127.0.0.1:26601\n  \
     jcm tx open-account --id IND01-H-E1 --holder-party IND --key IND01-ADMIN --dry-run\n  \
     jcm query holdings --party IND\n\n\
     Exit codes:\n  \
     0  success\n  \
     1  a rule rejection (dry run, admission or block), a failed audit or proof, a scenario mismatch\n  \
     2  a usage or I/O error: bad arguments, unreadable file, wrong passphrase, unreachable node";

// One command is parsed per process: the size of its largest variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
enum Command {
    /// The keyring: create, list, show, import, export and delete signing keys.
    #[command(subcommand, after_help = "Example:\n  jcm keys new JPN01-ADMIN\n  jcm keys list")]
    Keys(keys::KeysCommand),
    /// Settings: the node to talk to.
    #[command(
        subcommand,
        after_help = "Example:\n  jcm config set node http://127.0.0.1:26601\n  jcm config show"
    )]
    Config(config::ConfigCommand),
    /// The chains this machine has pinned: chain id and genesis hash, taken on first
    /// contact and checked on every later one.
    #[command(subcommand, after_help = "Example:\n  jcm chain list\n  jcm chain forget jcm-testnet-4")]
    Chain(chain::ChainCommand),
    /// Sign and submit a transaction: one command per Article 6.2 action.
    #[command(
        subcommand,
        after_help = "Example:\n  jcm tx transfer-external --from IND01-H-GOV --to JPN01-H-GOV --ca CA0001 \\\n    \
        --quantity 500 --key IND-DA --dry-run"
    )]
    Tx(tx::TxCommand),
    /// Governance: propose, approve, reject and consent (R43-R51), show and list proposals.
    #[command(
        subcommand,
        after_help = "Example:\n  jcm gov list\n  jcm gov approve 3 --key JPN-DA --dry-run"
    )]
    Gov(gov::GovCommand),
    /// Ask the node: holdings, unit history, authorizations, ledger, events, blocks,
    /// transactions, status.
    #[command(
        subcommand,
        after_help = "Example:\n  jcm query holdings --account JPN01-H-GOV\n  jcm query status --output json"
    )]
    Query(query::QueryCommand),
    /// Reports from the verified chain: the AEF annual tables.
    #[command(subcommand, after_help = "Example:\n  jcm report aef --party IND --year 2026 --format xlsx")]
    Report(report::ReportCommand),
    /// Replay and verify the whole chain from genesis (a node's, or a bundle's) and print
    /// one verdict with the final state root.
    Audit(audit::AuditArgs),
    /// Write a node's chain (genesis, blocks, commits) to a bundle for an offline audit.
    Export(audit::ExportArgs),
    /// Write a unit's history with the proofs that tie it to a committed header.
    Prove(proof::ProveArgs),
    /// Check a unit proof offline against a genesis file.
    #[command(name = "verify-proof")]
    VerifyProof(proof::VerifyProofArgs),
    /// Conformance scenarios (docs/scenarios.md).
    #[command(subcommand, after_help = "Example:\n  jcm scenario run tests/scenarios/*.toml")]
    Scenario(scenario::ScenarioCommand),
    /// Print a shell completion script.
    #[command(after_help = "Example:\n  jcm completions bash > /etc/bash_completion.d/jcm\n  \
        jcm completions zsh > \"${fpath[1]}/_jcm\"\n  jcm completions fish > ~/.config/fish/completions/jcm.fish")]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    // `audit` and `verify-proof` have their own `--output`, which shadows the global one
    // after the subcommand; `jcm --output json audit` must mean JSON too.
    let json = cli.output == OutputFormat::Json;
    let ctx = Context::new(cli.home, cli.node, cli.output, cli.passphrase_file)?;
    // Each node is checked against the pinned genesis of its chain before it is read.
    let node = || ctx.pinned_node();
    match cli.command {
        Command::Keys(cmd) => keys::run(&cmd, &ctx),
        Command::Config(cmd) => config::run(&cmd, &ctx),
        Command::Chain(cmd) => chain::run(&cmd, &ctx),
        Command::Tx(cmd) => tx::run(&cmd, &ctx),
        Command::Gov(cmd) => gov::run(&cmd, &ctx),
        Command::Query(cmd) => query::run(&cmd, &ctx),
        Command::Report(cmd) => report::run(&cmd, &ctx),
        Command::Audit(mut args) => {
            if json {
                args.output = OutputFormat::Json;
            }
            // A bundle is audited without a node.
            let node = if args.bundle.is_some() { None } else { Some(node()?) };
            Ok(audit::run(&args, node.as_deref())?.into())
        }
        Command::Export(args) => Ok(audit::run_export(&args, Some(&node()?))?.into()),
        Command::Prove(args) => Ok(proof::run_prove(&args, Some(&node()?))?.into()),
        Command::VerifyProof(mut args) => {
            if json {
                args.output = OutputFormat::Json;
            }
            Ok(proof::run_verify(&args, None)?.into())
        }
        Command::Scenario(cmd) => scenario::run(cmd),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut command(), "jcm", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The command tree: the derived one, with an example added to any nested command of
/// the auditor's modules that has none (each module owns its commands' texts).
fn command() -> clap::Command {
    Cli::command().mut_subcommand("prove", |prove| {
        prove.mut_subcommand("unit", |unit| match unit.get_after_help() {
            Some(_) => unit,
            None => unit.after_help(
                "Example:\n  jcm prove unit CA0001-JPN01-IND-1-2025 --out unit.proof.json\n  \
                 jcm verify-proof unit.proof.json --genesis genesis.json",
            ),
        })
    })
}

fn main() -> ExitCode {
    // clap exits 2 on a usage error and 0 for --help and --version.
    let matches = command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_tree_is_consistent() {
        command().debug_assert();
    }

    /// Every command, leaf or group, shows an example in its long help.
    #[test]
    fn every_command_has_an_example() {
        fn walk(cmd: &mut clap::Command, path: &str, missing: &mut Vec<String>) {
            let path = format!("{path} {}", cmd.get_name());
            let help = cmd.render_long_help().to_string();
            if !help.contains("Example") {
                missing.push(path.clone());
            }
            for sub in cmd.get_subcommands_mut() {
                if sub.get_name() != "help" {
                    walk(sub, &path, missing);
                }
            }
        }
        let mut root = command();
        root.build();
        let mut missing = Vec::new();
        walk(&mut root, "", &mut missing);
        assert!(missing.is_empty(), "commands without an example: {missing:?}");
    }
}
