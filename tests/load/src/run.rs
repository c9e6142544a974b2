//! One load run against a running testnet: plan, set up, send, watch, report.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use jcm_runtime::crypto::SecretKey;
use jcm_runtime::keyfile::KeyFile;
use jcm_runtime::protocol::Genesis;
use jcm_runtime::time::Timestamp;
use serde::Serialize;

use super::genesis::{self, Selection};
use super::plan::{self, Mix, Plan, PlanInput, Planned};
use super::procs::{self, Proc};
use super::report::{self, Figures, Machine, ProcCost};
use super::rpc::Client;
use super::{check, submit, watch, LoadError};

/// How long the watcher waits for a block once everything was sent.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// A run's settings.
#[derive(Clone, Debug)]
pub struct RunConfig {
    /// The testnet directory (`genesis.json`, `officers/`).
    pub testnet: PathBuf,
    /// RPC addresses of the nodes.
    pub urls: Vec<String>,
    /// Transactions of the mix.
    pub txs: usize,
    /// Offered rate, transactions per second; `None` for as fast as accepted.
    pub rate: Option<f64>,
    /// The mix.
    pub mix: Mix,
    /// The approaches to run in, among those the genesis's load signers work in.
    pub approaches: Selection,
    /// Load signers to use (at most those of `approaches` in the genesis); all when `None`.
    pub signers: Option<usize>,
    /// Sending threads.
    pub threads: usize,
    /// Plan seed.
    pub seed: u64,
    /// Run the plan through the runtime in memory first.
    pub check: bool,
    /// Node process ids; found by their `--home` under `testnet` when empty.
    pub pids: Vec<u32>,
}

/// The JSON report.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Settings.
    pub config: ReportConfig,
    /// The machine.
    pub machine: Machine,
    /// Setup: transactions and seconds.
    pub setup: SetupFigures,
    /// The load's figures.
    pub result: Figures,
    /// Transactions committed with a rejection during the run (node 0's metric).
    pub rejected_in_blocks: f64,
    /// Each node's cost.
    pub nodes: Vec<ProcCost>,
    /// The load generator's own cost (it shares the machine).
    pub loader: Option<ProcCost>,
    /// The summary line.
    pub summary: String,
}

/// Settings as reported.
#[derive(Clone, Debug, Serialize)]
pub struct ReportConfig {
    /// Transactions offered.
    pub txs: usize,
    /// `max` or a rate.
    pub rate: String,
    /// The mix, and the count of each kind.
    pub mix: String,
    /// Counts by kind.
    pub counts: BTreeMap<String, usize>,
    /// Counts by cooperative approach.
    pub approaches: BTreeMap<String, usize>,
    /// Load signers.
    pub signers: usize,
    /// Sending threads.
    pub threads: usize,
    /// Seed.
    pub seed: u64,
    /// RPC addresses.
    pub nodes: Vec<String>,
    /// Seconds spent signing the plan.
    pub signing_s: f64,
}

/// What the setup took.
#[derive(Clone, Debug, Serialize)]
pub struct SetupFigures {
    /// Transactions.
    pub txs: usize,
    /// Seconds.
    pub seconds: f64,
}

fn read_genesis(testnet: &Path) -> Result<Genesis, LoadError> {
    let path = testnet.join("genesis.json");
    let text = std::fs::read_to_string(&path).map_err(|e| LoadError::io(&path, e))?;
    Genesis::from_json(&text).map_err(|e| LoadError::Genesis(e.to_string()))
}

/// The unencrypted key of officer `name` from `<testnet>/officers/<name>.json`.
pub fn officer_key(testnet: &Path, name: &str) -> Result<SecretKey, LoadError> {
    let path = testnet.join("officers").join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).map_err(|e| LoadError::io(&path, e))?;
    let file =
        KeyFile::from_json(&text).map_err(|e| LoadError::Genesis(format!("{}: {e}", path.display())))?;
    file.open(b"").map_err(|e| {
        LoadError::Genesis(format!(
            "{}: {e} (the load needs a --dev testnet's unencrypted keys)",
            path.display()
        ))
    })
}

/// Rewrites `<testnet>/genesis.json` and every `<testnet>/*/config/genesis.json` with
/// `signers` load signers working in the approaches `selection` chooses. Only for a
/// testnet that never started: a node's store records the genesis hash it was created
/// with. Returns the files written and the approaches.
pub fn patch_testnet(
    testnet: &Path,
    signers: usize,
    selection: &Selection,
) -> Result<(Vec<PathBuf>, Vec<String>), LoadError> {
    let extended = genesis::extend(&read_genesis(testnet)?, signers, selection)?;
    let text = extended.to_json();
    let mut written = vec![testnet.join("genesis.json")];
    let entries = std::fs::read_dir(testnet).map_err(|e| LoadError::io(testnet, e))?;
    for entry in entries.flatten() {
        let home = entry.path();
        if home.join("config/genesis.json").is_file() {
            if home.join("data").read_dir().is_ok_and(|mut d| d.next().is_some()) {
                return Err(LoadError::Usage(format!(
                    "{} has already started (data/ is not empty): write a fresh testnet",
                    home.display()
                )));
            }
            written.push(home.join("config/genesis.json"));
        }
    }
    for path in &written {
        std::fs::write(path, &text).map_err(|e| LoadError::io(path, e))?;
    }
    let approaches = genesis::load_approaches(&extended).iter().map(ToString::to_string).collect();
    Ok((written, approaches))
}

/// Sends a setup phase and waits until it is committed, every transaction accepted.
fn run_phase(urls: &[String], phase: &[Planned]) -> Result<(), LoadError> {
    let client = Client::new();
    let from = client.height(&urls[0])? + 1;
    let control = watch::Control::new();
    let hashes: Vec<_> = phase.iter().map(|p| p.hash).collect();
    let watched = std::thread::scope(|scope| {
        let watcher = scope.spawn(|| watch::watch(&urls[0], &hashes, from, &control, IDLE_TIMEOUT));
        let sent = submit::send(phase, urls, 1, None, Instant::now());
        let accepted = sent.accepted_at.iter().filter(|a| a.is_some()).count();
        control.target.store(accepted, Ordering::Relaxed);
        if accepted < phase.len() {
            control.stop.store(true, Ordering::Relaxed);
        }
        let watched = watcher.join().expect("the watcher does not panic");
        if accepted < phase.len() {
            return Err(LoadError::Plan(format!("setup refused: {}", sent.refusal_examples.join("; "))));
        }
        watched
    })?;
    if watched.commits.iter().any(Option::is_none) {
        return Err(LoadError::Plan("setup transactions were not committed within the idle timeout".into()));
    }
    for planned in phase {
        let status = client.committed_status(&urls[0], &planned.hash.to_string())?;
        if !status.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("accepted")) {
            let answer = client.get_json(&urls[0], &format!("/v1/tx/{}", planned.hash))?;
            return Err(LoadError::Plan(format!(
                "setup transaction {} ({}): {answer}",
                planned.hash, planned.kind
            )));
        }
    }
    Ok(())
}

fn plan_run(config: &RunConfig, genesis: &Genesis) -> Result<(Plan, usize, f64), LoadError> {
    let network = genesis::run_network(genesis, &config.approaches)?;
    let mut signers = genesis::signers_in(genesis, &network)?;
    if signers.is_empty() {
        return Err(LoadError::Usage("the genesis has no load signers in the approaches asked for".into()));
    }
    let count = config.signers.unwrap_or(signers.len()).clamp(1, signers.len());
    signers.truncate(count);
    let client = Client::new();
    let mut keys = BTreeMap::new();
    let mut nonces = BTreeMap::new();
    for name in network.setup_officers() {
        let key = officer_key(&config.testnet, &name)?;
        let (state, next) = client.nonce(&config.urls[0], &key.public())?;
        nonces.insert(name.clone(), state.max(next));
        keys.insert(name, key);
    }
    let (used, _) = client.nonce(&config.urls[0], &signers[0].key.public())?;
    let issued = network.approaches.iter().any(|a| nonces.get(&a.host_admin).copied().unwrap_or(0) > 0);
    if used > 0 || issued {
        return Err(LoadError::Usage(
            "this chain already ran a load (or issued units): the plan assumes a fresh testnet".into(),
        ));
    }
    let started = Instant::now();
    let input = PlanInput {
        chain_id: genesis.chain_id.as_str(),
        network: &network,
        signers: &signers,
        officer_keys: &keys,
        officer_nonces: &nonces,
        txs: config.txs,
        mix: &config.mix,
        seed: config.seed,
        threads: report::cpus(),
    };
    let plan = plan::build(&input)?;
    Ok((plan, count, started.elapsed().as_secs_f64()))
}

/// Sends the setup phase by phase, each committed before the next.
fn run_setup(urls: &[String], plan: &Plan) -> Result<SetupFigures, LoadError> {
    let started = Instant::now();
    for phase in &plan.setup {
        run_phase(urls, phase)?;
    }
    let setup =
        SetupFigures { txs: plan.setup.iter().map(Vec::len).sum(), seconds: started.elapsed().as_secs_f64() };
    eprintln!("jcm-load: setup committed ({} transactions, {:.1} s)", setup.txs, setup.seconds);
    Ok(setup)
}

/// The settings and the plan's counts, as reported.
fn report_config(
    config: &RunConfig,
    plan: &Plan,
    rate: String,
    signers: usize,
    signing_s: f64,
) -> ReportConfig {
    ReportConfig {
        txs: config.txs,
        rate,
        mix: config.mix.render(),
        counts: plan.counts.iter().map(|(k, n)| (k.name().to_owned(), *n)).collect(),
        approaches: plan
            .approaches
            .iter()
            .map(ToString::to_string)
            .zip(plan.approach_counts.iter().copied())
            .collect(),
        signers,
        threads: config.threads,
        seed: config.seed,
        nodes: config.urls.clone(),
        signing_s,
    }
}

/// Runs the load; returns the report.
pub fn run(config: &RunConfig) -> Result<Report, LoadError> {
    if config.urls.is_empty() {
        return Err(LoadError::Usage("give at least one --rpc address".into()));
    }
    let genesis = read_genesis(&config.testnet)?;
    let (plan, signers, signing_s) = plan_run(config, &genesis)?;
    eprintln!(
        "jcm-load: signed {} setup and {} load transactions in {signing_s:.1} s",
        plan.setup.iter().map(Vec::len).sum::<usize>(),
        plan.load.len()
    );
    if config.check {
        let now =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        check::check(&genesis, &plan, Timestamp(now))?;
        eprintln!("jcm-load: the plan executes in memory with every transaction accepted");
    }
    let setup = run_setup(&config.urls, &plan)?;
    let procs = find_procs(config);
    let me = Proc { pid: std::process::id(), label: "jcm-load".into() };
    let read_all =
        || -> Vec<_> { procs.iter().chain(std::iter::once(&me)).map(|p| procs::read(p.pid)).collect() };
    let client = Client::new();
    let rejected_before = client.metric(&config.urls[0], "jcm_txs_rejected_total").unwrap_or(0.0);
    let from = client.height(&config.urls[0])? + 1;
    let hashes: Vec<_> = plan.load.iter().map(|p| p.hash).collect();
    let control = watch::Control::new();
    let machine_before = report::loadavg();
    let before = read_all();
    let start = Instant::now();
    let (sent, watched) = std::thread::scope(|scope| {
        let watcher = scope.spawn(|| watch::watch(&config.urls[0], &hashes, from, &control, IDLE_TIMEOUT));
        let sent = submit::send(&plan.load, &config.urls, config.threads, config.rate, start);
        let accepted = sent.accepted_at.iter().filter(|a| a.is_some()).count();
        control.target.store(accepted, Ordering::Relaxed);
        (sent, watcher.join().expect("the watcher does not panic"))
    });
    let watched = watched?;
    let after = read_all();
    let mut figures = report::figures(start, &sent, &watched);
    figures.committed_by_approach = report::committed_by_approach(&plan, &watched);
    let all = report::costs(
        &procs.iter().chain(std::iter::once(&me)).cloned().collect::<Vec<_>>(),
        &before,
        &after,
        figures.duration_s,
    );
    let (nodes, loader) = (all[..procs.len()].to_vec(), all.last().cloned());
    let rejected = client.metric(&config.urls[0], "jcm_txs_rejected_total").unwrap_or(0.0) - rejected_before;
    let rate = config.rate.map_or_else(|| "max".to_owned(), |r| format!("{r} tx/s"));
    let summary = report::summary(&rate, &figures, &nodes, loader.as_ref());
    Ok(Report {
        config: report_config(config, &plan, rate, signers, signing_s),
        machine: Machine {
            cpus: report::cpus(),
            loadavg_before: machine_before,
            loadavg_after: report::loadavg(),
        },
        setup,
        result: figures,
        rejected_in_blocks: rejected,
        nodes,
        loader,
        summary,
    })
}

fn find_procs(config: &RunConfig) -> Vec<Proc> {
    if config.pids.is_empty() {
        procs::find_nodes(&config.testnet)
    } else {
        config.pids.iter().map(|pid| Proc { pid: *pid, label: format!("pid {pid}") }).collect()
    }
}

/// The RPC addresses of the homes under `testnet` (each `*/config/node.toml`'s
/// `[rpc] listen_address`), in the order of their directory names.
pub fn rpc_urls(testnet: &Path) -> Result<Vec<String>, LoadError> {
    let mut homes: Vec<PathBuf> = std::fs::read_dir(testnet)
        .map_err(|e| LoadError::io(testnet, e))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("config/node.toml").is_file())
        .collect();
    homes.sort();
    let mut urls = Vec::new();
    for home in homes {
        let path = home.join("config/node.toml");
        let text = std::fs::read_to_string(&path).map_err(|e| LoadError::io(&path, e))?;
        let config: toml::Value =
            toml::from_str(&text).map_err(|e| LoadError::Genesis(format!("{}: {e}", path.display())))?;
        let listen = config
            .get("rpc")
            .and_then(|r| r.get("listen_address"))
            .and_then(toml::Value::as_str)
            .ok_or_else(|| LoadError::Genesis(format!("{}: no [rpc] listen_address", path.display())))?;
        urls.push(format!("http://{listen}"));
    }
    Ok(urls)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jcm_scenario::fixture::Fixture;

    #[test]
    fn the_genesis_command_rewrites_every_genesis_file_for_the_approaches_asked() {
        let dir = std::env::temp_dir().join(format!("jcm-load-patch-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("ind/config")).expect("a home");
        let text = Fixture::named("s3", &[]).expect("S3").genesis.to_json();
        std::fs::write(dir.join("genesis.json"), &text).expect("write");
        std::fs::write(dir.join("ind/config/genesis.json"), &text).expect("write");
        let (written, approaches) = patch_testnet(&dir, 12, &Selection::First(2)).expect("patched");
        assert_eq!(written.len(), 2);
        assert_eq!(approaches, ["CA0001", "CA0002"]);
        let home = read_genesis(&dir.join("ind/config")).expect("the home's genesis");
        assert_eq!(home.hash(), read_genesis(&dir).expect("the genesis").hash());
        assert_eq!(genesis::load_approaches(&home).len(), 2);
        // A second time: the genesis already has load signers.
        assert!(patch_testnet(&dir, 12, &Selection::All).is_err());
        std::fs::remove_dir_all(&dir).expect("clean up");
    }
}
