//! `jcm-node`: the validator process of the JCM chain, and the tools that prepare its
//! home directory.
//!
//! Exit codes: 0 success; 1 the command failed (bad genesis, existing home, wrong
//! passphrase, unreadable file: the message names the file and the reason); 2 the
//! command line is malformed (clap's usage error).
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use jcm_node::home::init::{init, InitOptions};
use jcm_node::home::keys::PassphraseSource;
use jcm_node::home::show::{check_keys, summary};
use jcm_node::home::testnet::{testnet, TestnetOptions, BASE_PORT_DEFAULT};
use jcm_node::home::Home;
use jcm_node::start::{start, StartOptions};
use jcm_runtime::ids::Party;
use jcm_runtime::time::Timestamp;

/// The validator node of the JCM chain, the shared Article 6.2 registry of Japan's
/// Joint Crediting Mechanism.
#[derive(Debug, Parser)]
#[command(name = "jcm-node", version, about, long_about = None)]
#[command(after_help = "\
Exit codes: 0 success, 1 the command failed (the message says why), 2 usage error.
Documentation: docs/operator.md")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a node home: config/{node.toml, genesis.json, node_key.json,
    /// validator_key.json} and data/.
    #[command(after_help = "\
Examples:
  jcm-node init --home /var/lib/jcm --genesis genesis.json --moniker moej-1
  jcm-node init --home ./dev --genesis config/fixtures/genesis.json --dev
  JCM_PASSPHRASE=... jcm-node init --home ./n1 --genesis genesis.json")]
    Init(InitArgs),
    /// Write one genesis and a ready-to-run home per validator Party for a local testnet.
    #[command(after_help = "\
Examples:
  jcm-node testnet --parties JPN,IND,IDN,VNM --out ./testnet --dev
  jcm-node testnet --parties JPN,IND --validators JPN --out ./devnet --dev --chain-id jcm-devnet-1
  jcm-node testnet --parties JPN,IND,IDN,VNM --out ./tn --passphrase-file pass.txt --base-port 30000")]
    Testnet(TestnetArgs),
    /// Print what a home holds: node id, validator key, genesis hash, chain id, settings.
    #[command(after_help = "\
Examples:
  jcm-node show --home config/testnet-4/jpn
  jcm-node show --home /var/lib/jcm --check-keys --passphrase-file pass.txt")]
    Show(ShowArgs),
    /// Run the node: join the network, take part in consensus (a validator) or follow
    /// the chain (an observer), and serve the RPC API. Stop it with SIGTERM or Ctrl-C.
    #[command(after_help = "\
Examples:
  jcm-node start --home config/testnet-4/jpn
  jcm-node start --home /var/lib/jcm --passphrase-file /etc/jcm/passphrase
  JCM_LOG=jcm_node=debug jcm-node start --home ./dev

Logs go to stderr (text, or JSON lines with [log] format = \"json\"). The node exits 1
if its store, write-ahead record or keys cannot be used; the message says why.")]
    Start(StartArgs),
}

#[derive(Debug, Args)]
struct StartArgs {
    /// The home directory.
    #[arg(long, value_name = "DIR")]
    home: PathBuf,
    #[command(flatten)]
    passphrase: PassphraseArgs,
}

#[derive(Debug, Args)]
struct PassphraseArgs {
    /// Read the key passphrase from the first line of FILE. Without it, the passphrase
    /// comes from the environment variable JCM_PASSPHRASE, else from a prompt.
    #[arg(long, value_name = "FILE")]
    passphrase_file: Option<PathBuf>,
}

impl PassphraseArgs {
    fn source(&self) -> PassphraseSource {
        PassphraseSource { file: self.passphrase_file.clone() }
    }
}

#[derive(Debug, Args)]
struct InitArgs {
    /// The home directory to create.
    #[arg(long, value_name = "DIR")]
    home: PathBuf,
    /// The chain's genesis file; it is validated and copied to config/genesis.json.
    #[arg(long, value_name = "FILE")]
    genesis: PathBuf,
    /// Write unencrypted development keys (no passphrase). Never for a real chain.
    #[arg(long)]
    dev: bool,
    /// A name for this node in logs and status [default: the home's directory name].
    #[arg(long, value_name = "NAME")]
    moniker: Option<String>,
    /// Rewrite config/ of an existing home, with NEW keys; data/ is kept.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    passphrase: PassphraseArgs,
}

#[derive(Debug, Args)]
struct TestnetArgs {
    /// The Parties, ISO 3166-1 alpha-3, Japan among them; the first partner after
    /// Japan gets cooperative approach CA0001.
    #[arg(long, value_delimiter = ',', required = true, value_name = "CODES")]
    parties: Vec<Party>,
    /// The Parties that run a validator (power 1 each) and get a home [default: all].
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    validators: Option<Vec<Party>>,
    /// The directory to write.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Write unencrypted development keys (no passphrase). Never for a real chain.
    #[arg(long)]
    dev: bool,
    /// First port: node i listens on BASE+10i (p2p) and BASE+10i+1 (RPC).
    #[arg(long, value_name = "N", default_value_t = BASE_PORT_DEFAULT)]
    base_port: u16,
    /// The chain id.
    #[arg(long, value_name = "ID", default_value = "jcm-testnet")]
    chain_id: String,
    /// Genesis time, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ [default: today, 00:00 UTC].
    #[arg(long, value_name = "TIME", value_parser = Timestamp::parse)]
    genesis_time: Option<Timestamp>,
    /// Overwrite the generated files in a non-empty DIR.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    passphrase: PassphraseArgs,
}

#[derive(Debug, Args)]
struct ShowArgs {
    /// The home directory.
    #[arg(long, value_name = "DIR")]
    home: PathBuf,
    /// Also decrypt both keys, to check the passphrase.
    #[arg(long)]
    check_keys: bool,
    #[command(flatten)]
    passphrase: PassphraseArgs,
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Init(a) => {
            let report = init(&InitOptions {
                home: a.home,
                genesis: a.genesis,
                dev: a.dev,
                moniker: a.moniker,
                force: a.force,
                passphrase: a.passphrase.source(),
            })
            .context("init failed")?;
            println!("{report}");
        }
        Command::Testnet(a) => {
            let command_line = command_line();
            let report = testnet(&TestnetOptions {
                parties: a.parties,
                validators: a.validators,
                out: a.out,
                dev: a.dev,
                base_port: a.base_port,
                chain_id: a.chain_id,
                genesis_time: a.genesis_time,
                force: a.force,
                passphrase: a.passphrase.source(),
                command_line,
            })
            .context("testnet failed")?;
            println!("{report}");
        }
        Command::Start(a) => {
            start(&StartOptions { home: a.home, passphrase: a.passphrase.source() })?;
        }
        Command::Show(a) => {
            let home = Home::load(&a.home).context("cannot read the home")?;
            print!("{}", summary(&home));
            if a.check_keys {
                check_keys(&home, &a.passphrase.source()).context("key check failed")?;
                println!("{:<14}both open with the passphrase given", "key check");
            }
        }
    }
    Ok(())
}

/// The command line as typed, for the testnet README (the passphrase never is an
/// argument, so nothing secret is recorded).
fn command_line() -> String {
    let args: Vec<String> = std::env::args().skip(1).collect();
    format!("jcm-node {}", args.join(" "))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
