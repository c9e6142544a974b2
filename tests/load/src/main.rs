//! `jcm-load`: the JCM chain's load generator (docs/performance.md).
//!
//! Exit codes: 0 the run completed (its figures may still show refusals); 1 the run
//! failed (a node did not answer, the setup was refused, a file is unreadable: the
//! message says which); 2 the command line is malformed.
#![allow(clippy::disallowed_methods)] // the load generator is an I/O edge: it paces and times requests
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use jcm_load::genesis::Selection;
use jcm_load::plan::Mix;
use jcm_load::run::{self, RunConfig};

/// Load generator for a local JCM testnet: adds load signers to its genesis, sets up
/// units for them, submits a realistic mix of pre-signed transactions through the
/// nodes' RPC, and reports committed transactions per second, latency percentiles,
/// blocks and each node's CPU time and peak memory.
#[derive(Debug, Parser)]
#[command(name = "jcm-load", version, about, long_about = None)]
#[command(after_help = "\
Exit codes: 0 done, 1 the run failed (the message says why), 2 usage error.
The whole procedure (build, testnet, start, load, stop) is scripts/load; see docs/performance.md.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Add load signers (officers, entities, accounts) to a testnet's genesis, before
    /// its nodes first start.
    #[command(after_help = "\
Example:
  jcm-node testnet --dev --parties JPN,IND,IDN,VNM --out target/load/testnet
  jcm-load genesis --testnet target/load/testnet --signers 512")]
    Genesis {
        /// The directory `jcm-node testnet --dev` wrote.
        #[arg(long, value_name = "DIR")]
        testnet: PathBuf,
        /// Load signers to add (three in four entity signers, one in four Japanese
        /// government signers), spread over the approaches.
        #[arg(long, default_value_t = 512)]
        signers: usize,
        /// The cooperative approaches of Japan to spread the signers over: `all`, the
        /// first N in genesis order (`1`: CA0001 alone), or ids (`CA0001,CA0003`).
        #[arg(long, default_value = "all", value_name = "all|N|IDS", value_parser = selection)]
        approaches: Selection,
    },
    /// Count the transactions a node has committed (for catch-up and audit rates).
    #[command(after_help = "\
Example:
  jcm-load count --rpc http://127.0.0.1:27601")]
    Count {
        /// The node's RPC address.
        #[arg(long, value_name = "URL")]
        rpc: String,
        /// Last height to count [default: the node's height].
        #[arg(long)]
        to: Option<u64>,
    },
    /// Set up and run the load against the running testnet, and report.
    #[command(after_help = "\
Examples:
  jcm-load run --testnet target/load/testnet --txs 20000 --rate max --json load.json
  jcm-load run --testnet target/load/testnet --txs 30000 --rate 1000
  jcm-load run --testnet tn --rpc http://127.0.0.1:26601,http://127.0.0.1:26611 --mix range=1,quantity=1")]
    Run(RunArgs),
}

#[derive(Debug, clap::Args)]
struct RunArgs {
    /// The testnet directory (genesis.json, officers/, the homes).
    #[arg(long, value_name = "DIR")]
    testnet: PathBuf,
    /// Node RPC addresses, comma-separated [default: every home's [rpc] listen_address].
    #[arg(long, value_delimiter = ',', value_name = "URLS")]
    rpc: Vec<String>,
    /// Transactions of the mix to submit.
    #[arg(long, default_value_t = 20_000)]
    txs: usize,
    /// Offered rate in transactions per second, or `max` (as fast as accepted).
    #[arg(long, default_value = "max")]
    rate: String,
    /// Weights of the mix: range, quantity (internal transfers), use (NDC), open
    /// (accounts), issue.
    #[arg(long, default_value = "range=45,quantity=30,use=10,open=10,issue=5")]
    mix: String,
    /// The approaches to run in, among those the genesis's load signers work in: `all`,
    /// the first N (`1`: CA0001 alone), or ids (`CA0001,CA0003`). Entity signers of
    /// other approaches stay idle; government signers are dealt over these.
    #[arg(long, default_value = "all", value_name = "all|N|IDS", value_parser = selection)]
    approaches: Selection,
    /// Load signers to use [default: all in the genesis, of those approaches].
    #[arg(long)]
    signers: Option<usize>,
    /// Sending threads (each owns a share of the signers).
    #[arg(long, default_value_t = 32)]
    threads: usize,
    /// Seed of the plan (same seed, same transactions).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Run the whole plan through the runtime in memory before sending.
    #[arg(long)]
    check: bool,
    /// Node process ids [default: the `jcm-node start --home` processes under --testnet].
    #[arg(long, value_delimiter = ',')]
    pids: Vec<u32>,
    /// Write the report as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
}

/// `--approaches`, validated by clap so a malformed one is a usage error (exit 2).
fn selection(text: &str) -> Result<Selection, String> {
    Selection::parse(text).map_err(|e| e.to_string())
}

fn run_command(args: RunArgs) -> anyhow::Result<()> {
    let rate = match args.rate.as_str() {
        "max" => None,
        text => {
            let rate: f64 = text
                .parse()
                .ok()
                .filter(|r: &f64| *r > 0.0)
                .context("--rate is a positive number or `max`")?;
            Some(rate)
        }
    };
    let urls = if args.rpc.is_empty() { run::rpc_urls(&args.testnet)? } else { args.rpc };
    let config = RunConfig {
        testnet: args.testnet,
        urls,
        txs: args.txs,
        rate,
        mix: Mix::parse(&args.mix)?,
        approaches: args.approaches,
        signers: args.signers,
        threads: args.threads,
        seed: args.seed,
        check: args.check,
        pids: args.pids,
    };
    let report = run::run(&config)?;
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&report).context("serialize the report")?;
        std::fs::write(path, text + "\n").with_context(|| format!("write {}", path.display()))?;
    }
    for example in &report.result.refusal_examples {
        eprintln!("refused: {example}");
    }
    println!("{}", report.summary);
    Ok(())
}

fn count(url: &str, to: Option<u64>) -> anyhow::Result<()> {
    let client = jcm_load::rpc::Client::new();
    let last = match to {
        Some(h) => h,
        None => client.height(url)?,
    };
    let mut txs = 0usize;
    for height in 1..=last {
        txs += client.block(url, height)?.txs.len();
    }
    println!("{{\"height\": {last}, \"txs\": {txs}}}");
    Ok(())
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    let result = match cli.command {
        Command::Genesis { testnet, signers, approaches } => {
            run::patch_testnet(&testnet, signers, &approaches)
                .map(|(written, cas)| {
                    println!(
                        "added {signers} load signers in {} to {} genesis files under {}",
                        cas.join(", "),
                        written.len(),
                        testnet.display()
                    );
                })
                .map_err(anyhow::Error::from)
        }
        Command::Run(args) => run_command(args),
        Command::Count { rpc, to } => count(&rpc, to),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("jcm-load: {e:#}");
            ExitCode::FAILURE
        }
    }
}
