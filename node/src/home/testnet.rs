//! `jcm-node testnet`: one genesis and a ready-to-run home per validator Party, on
//! loopback, with peers and ports filled in, plus the officers' key files.
//!
//! ```text
//! <out>/README.md            what this is, how it was made, and (for --dev) a warning
//! <out>/genesis.json         the genesis, identical to each home's config/genesis.json
//! <out>/<party>/             a node home (see the module `home`), e.g. <out>/jpn/
//! <out>/officers/<NAME>.json the officers' key files, for `jcm keys import`
//! ```
//!
//! Node `i` (in the order of `--validators`) listens for peers on `base_port + 10 i` and
//! for RPC on `base_port + 10 i + 1`, so no two nodes clash. With `--dev` every key file
//! is an unencrypted development key; otherwise all of them are sealed with the one
//! passphrase given (a local testnet has one operator).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use jcm_runtime::codec::Hash32;
use jcm_runtime::crypto::{PublicKey, SecretKey};
use jcm_runtime::ids::Party;
use jcm_runtime::protocol::Genesis;
use jcm_runtime::time::Timestamp;

use super::config::{NodeConfig, PeerAddress};
use super::init::{ensure_writable, HomeFiles};
use super::keys::{self, PassphraseSource, Protection, Purpose};
use super::parties::JAPAN;
use super::testnet_genesis::{GenesisPlan, OfficerSpec};
use super::{fault_tolerance, HomeError, HomePaths, NodeId, GENESIS_JSON};

/// Distance between the ports of consecutive nodes.
pub const PORT_STRIDE: u16 = 10;
/// Default first port.
pub const BASE_PORT_DEFAULT: u16 = 26600;
/// Lowest first port (below are privileged ports).
pub const BASE_PORT_MIN: u16 = 1024;
/// Directory of the officers' key files under the output.
pub const OFFICERS_DIR: &str = "officers";

/// What `testnet` is asked to do.
#[derive(Debug, Clone)]
pub struct TestnetOptions {
    /// All Parties, Japan among them.
    pub parties: Vec<Party>,
    /// The Parties that run a validator; all of them when absent.
    pub validators: Option<Vec<Party>>,
    /// Output directory.
    pub out: PathBuf,
    /// Unencrypted development keys.
    pub dev: bool,
    /// First port.
    pub base_port: u16,
    /// Chain id.
    pub chain_id: String,
    /// Genesis time; today (UTC midnight) when absent.
    pub genesis_time: Option<Timestamp>,
    /// Overwrite files in a non-empty output directory.
    pub force: bool,
    /// Where the passphrase comes from.
    pub passphrase: PassphraseSource,
    /// The command line, recorded in the README.
    pub command_line: String,
}

/// One node of the testnet.
#[derive(Debug, Clone)]
pub struct TestnetNode {
    /// Its Party.
    pub party: Party,
    /// Its home.
    pub home: PathBuf,
    /// Node id.
    pub node_id: NodeId,
    /// Validator key.
    pub validator_key: PublicKey,
    /// Its settings.
    pub config: NodeConfig,
}

/// What `testnet` wrote.
#[derive(Debug)]
pub struct TestnetReport {
    /// Output directory.
    pub out: PathBuf,
    /// The genesis.
    pub genesis: Genesis,
    /// Its hash.
    pub genesis_hash: Hash32,
    /// The nodes.
    pub nodes: Vec<TestnetNode>,
    /// Officer key files written.
    pub officers: Vec<(OfficerSpec, PathBuf)>,
    /// Whether the keys are unencrypted.
    pub dev: bool,
}

fn check_options(options: &TestnetOptions) -> Result<Vec<Party>, HomeError> {
    let invalid = |m: String| Err(HomeError::Invalid(m));
    let unique: BTreeSet<&Party> = options.parties.iter().collect();
    if unique.len() != options.parties.len() {
        return invalid("--parties lists a Party twice".into());
    }
    if !options.parties.iter().any(|p| p.as_str() == JAPAN) {
        return invalid(format!(
            "--parties must include {JAPAN}: every JCM cooperative approach is with Japan"
        ));
    }
    if options.parties.len() < 2 {
        return invalid("--parties needs Japan and at least one partner".into());
    }
    let validators = options.validators.clone().unwrap_or_else(|| options.parties.clone());
    if validators.is_empty() {
        return invalid("--validators is empty: a chain needs a validator".into());
    }
    let mut seen = BTreeSet::new();
    for v in &validators {
        if !unique.contains(v) {
            return invalid(format!("--validators names {v}, which is not in --parties"));
        }
        if !seen.insert(v) {
            return invalid(format!("--validators lists {v} twice"));
        }
    }
    if options.base_port < BASE_PORT_MIN {
        return invalid(format!("--base-port must be at least {BASE_PORT_MIN}"));
    }
    let last = u32::from(options.base_port)
        + u32::from(PORT_STRIDE) * u32::try_from(validators.len()).unwrap_or(u32::MAX);
    if last > u32::from(u16::MAX) {
        return invalid(format!(
            "--base-port {} leaves no room for {} nodes {PORT_STRIDE} ports apart",
            options.base_port,
            validators.len()
        ));
    }
    Ok(validators)
}

#[allow(clippy::disallowed_methods)] // a command's edge: a new testnet starts today
fn today() -> Timestamp {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    Timestamp(secs - secs % 86_400)
}

fn port(base: u16, index: usize, offset: u16) -> u16 {
    let index = u16::try_from(index).expect("node count checked against the port range");
    base + PORT_STRIDE * index + offset
}

/// The keys of a testnet: per validator Party its node and validator keys, and the
/// officers' keys.
struct TestnetKeys {
    nodes: Vec<(SecretKey, SecretKey)>,
    officers: Vec<(OfficerSpec, SecretKey)>,
}

impl TestnetKeys {
    fn new(validators: usize, parties: &[Party]) -> Result<Self, HomeError> {
        let mut nodes = Vec::new();
        for _ in 0..validators {
            nodes.push((keys::new_key()?, keys::new_key()?));
        }
        let mut officers = Vec::new();
        for spec in super::testnet_genesis::officers(parties)? {
            officers.push((spec, keys::new_key()?));
        }
        Ok(Self { nodes, officers })
    }

    fn genesis(&self, options: &TestnetOptions, parties: &[Party]) -> Result<Genesis, HomeError> {
        let officers: Vec<(OfficerSpec, PublicKey)> =
            self.officers.iter().map(|(s, k)| (s.clone(), k.public())).collect();
        let validators: Vec<(Party, PublicKey)> =
            parties.iter().zip(&self.nodes).map(|(p, (_, v))| (p.clone(), v.public())).collect();
        GenesisPlan {
            chain_id: &options.chain_id,
            genesis_time: options.genesis_time.unwrap_or_else(today),
            parties: &options.parties,
            officers: &officers,
            validators: &validators,
        }
        .build()
    }
}

/// Runs `testnet`: checks the options, draws the keys, builds and validates the genesis,
/// and only then writes files.
pub fn testnet(options: &TestnetOptions) -> Result<TestnetReport, HomeError> {
    let validator_parties = check_options(options)?;
    ensure_writable(&options.out, options.force, "the files it generates")?;
    let protection = if options.dev {
        Protection::Dev
    } else {
        Protection::Passphrase(options.passphrase.read(Purpose::Create)?)
    };
    let keys = TestnetKeys::new(validator_parties.len(), &options.parties)?;
    let genesis = keys.genesis(options, &validator_parties)?;
    let genesis_json = format!("{}\n", genesis.to_json());
    let nodes = plan_nodes(options, &validator_parties, &keys.nodes);

    keys::create_dir(&options.out)?;
    keys::write_file(&options.out.join(GENESIS_JSON), &genesis_json, false)?;
    for (node, (node_key, validator_key)) in nodes.iter().zip(&keys.nodes) {
        HomeFiles { config: &node.config, genesis_json: &genesis_json, node_key, validator_key }
            .write(&HomePaths::new(&node.home), &protection)?;
    }
    let officers_dir = options.out.join(OFFICERS_DIR);
    keys::create_dir(&officers_dir)?;
    let mut officers = Vec::new();
    for (spec, key) in &keys.officers {
        let path = officers_dir.join(format!("{}.json", spec.name));
        keys::write_key(&path, &spec.name, key, &protection)?;
        officers.push((spec.clone(), path));
    }
    let report = TestnetReport {
        out: options.out.clone(),
        genesis_hash: genesis.hash(),
        genesis,
        nodes,
        officers,
        dev: options.dev,
    };
    let readme = report.readme(&options.command_line);
    keys::write_file(&options.out.join("README.md"), &readme, false)?;
    // Chain data written by nodes run in place must not end up in version control.
    keys::write_file(&options.out.join(".gitignore"), "*/data/\n", false)?;
    Ok(report)
}

fn plan_nodes(
    options: &TestnetOptions,
    parties: &[Party],
    node_keys: &[(SecretKey, SecretKey)],
) -> Vec<TestnetNode> {
    let addresses: Vec<PeerAddress> = node_keys
        .iter()
        .enumerate()
        .map(|(i, (node_key, _))| PeerAddress {
            node_id: NodeId(node_key.public()),
            address: format!("127.0.0.1:{}", port(options.base_port, i, 0)),
        })
        .collect();
    parties
        .iter()
        .zip(node_keys)
        .enumerate()
        .map(|(i, (party, (node_key, validator_key)))| {
            let moniker = party.as_str().to_lowercase();
            let mut config = NodeConfig::new(&moniker);
            config.p2p.listen_address = ([127, 0, 0, 1], port(options.base_port, i, 0)).into();
            config.rpc.listen_address = ([127, 0, 0, 1], port(options.base_port, i, 1)).into();
            config.p2p.peers =
                addresses.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, a)| a.clone()).collect();
            TestnetNode {
                party: party.clone(),
                home: options.out.join(&moniker),
                node_id: NodeId(node_key.public()),
                validator_key: validator_key.public(),
                config,
            }
        })
        .collect()
}

fn relative<'a>(path: &'a Path, base: &Path) -> std::path::Display<'a> {
    path.strip_prefix(base).unwrap_or(path).display()
}

impl TestnetReport {
    fn tolerance_line(&self) -> String {
        let (total, f) = fault_tolerance(&self.genesis);
        format!(
            "{} validator(s), power 1 each: tolerates f = {f} faulty (commits need {} of {total})",
            self.nodes.len(),
            total - f
        )
    }

    fn keys_line(&self) -> &'static str {
        if self.dev {
            "UNENCRYPTED development keys (--dev): public, never for a real chain"
        } else {
            "every key file sealed with the passphrase given"
        }
    }

    fn readme(&self, command_line: &str) -> String {
        let mut text = format!(
            "# {chain}: a local JCM testnet\n\n\
             Generated by `{command_line}`.\n\n",
            chain = self.genesis.chain_id
        );
        if self.dev {
            text.push_str(
                "**WARNING: every key in this directory is an unencrypted development key.**\n\
                 These keys are public: anyone who reads this repository can sign as any \
                 validator or officer of this chain. Use them for tests, CI and demos on your \
                 own machine only, and never for a real chain.\n\n",
            );
        }
        text.push_str(&format!(
            "- genesis hash: `{}`\n- {}\n- keys: {}\n\n\
             | Party | home | node id | p2p | RPC |\n|---|---|---|---|---|\n",
            self.genesis_hash,
            self.tolerance_line(),
            self.keys_line()
        ));
        for n in &self.nodes {
            text.push_str(&format!(
                "| {} | `{}/` | `{}…` | {} | {} |\n",
                n.party,
                relative(&n.home, &self.out),
                &n.node_id.to_string()[..16],
                n.config.p2p.listen_address,
                n.config.rpc.listen_address
            ));
        }
        text.push_str("\nOfficer key files (`officers/`), for the `jcm` CLI to import:\n\n");
        for (spec, path) in &self.officers {
            text.push_str(&format!("- `{}`: {}\n", relative(path, &self.out), spec.description));
        }
        text.push_str("\nCheck a home with `jcm-node show --home <party>`. See docs/operator.md.\n");
        text
    }
}

impl std::fmt::Display for TestnetReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "Wrote a JCM testnet to {}", self.out.display())?;
        writeln!(f, "  chain id      {}", self.genesis.chain_id)?;
        writeln!(f, "  genesis hash  {}", self.genesis_hash)?;
        writeln!(f, "  validators    {}", self.tolerance_line())?;
        writeln!(f, "  keys          {}", self.keys_line())?;
        writeln!(f, "  PARTY  P2P              RPC              NODE ID           HOME")?;
        for n in &self.nodes {
            writeln!(
                f,
                "  {:<6} {:<16} {:<16} {}… {}",
                n.party.as_str(),
                n.config.p2p.listen_address.to_string(),
                n.config.rpc.listen_address.to_string(),
                &n.node_id.to_string()[..16],
                n.home.display()
            )?;
        }
        writeln!(
            f,
            "  officers      {} key files in {}",
            self.officers.len(),
            self.out.join(OFFICERS_DIR).display()
        )?;
        write!(
            f,
            "(`jcm-node start` is not implemented yet: it arrives with the store, consensus and networking.)"
        )
    }
}
