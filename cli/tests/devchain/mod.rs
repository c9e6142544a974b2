//! A development chain built in-process, without the node: fixture F0, blocks executed
//! with the runtime, each certified by the validator set that decides it (R49: F0's
//! development validators `dev:validator-ind`, `dev:validator-jpn` until governance
//! changes the set), and a minimal HTTP server that answers the node's RPC routes the
//! audit, export and prove commands read, with the types of the RPC contract.
// Each test binary uses a part of this module.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::Arc;

use jcm_api::chain::{MempoolLoad, RawBlock, Status};
use jcm_api::query::ProofAnswer;
use jcm_cli::audit::bundle::{BundleWriter, HeightBytes};
use jcm_runtime::chain;
use jcm_runtime::codec::{self, Hash32};
use jcm_runtime::crypto::SecretKey;
use jcm_runtime::merkle;
use jcm_runtime::protocol;
use jcm_runtime::protocol::{
    payload_from_json, Block, ChainId, CommitCertificate, Header, Payload, Transaction, TxResult,
    ValidatorKey, ValidatorSet, PROTOCOL_VERSION,
};
use jcm_runtime::read;
use jcm_runtime::state::{apply_writes, MemStore, ReadStore};
use jcm_runtime::time::Timestamp;
use jcm_runtime::tx::gov::sets_after;
use jcm_runtime::tx::BlockContext;
use jcm_tests::builders;
use jcm_tests::fixture::{dev_certificate, Fixture, F0_VALIDATORS};
use serde_json::json;

/// The first block's time; each block is a minute after its parent.
pub const FIRST_BLOCK_TIME: &str = "2026-02-10";
/// A unit the small chain moves: issued at height 1, transferred at height 2.
pub const UNIT: &str = "CA0001-JPN01-IND-1-2025";

/// A chain and the state after its last block.
#[derive(Debug)]
pub struct DevChain {
    /// The fixture (genesis and officer keys).
    pub fixture: Fixture,
    /// The genesis document as a node serves it.
    pub genesis_json: String,
    chain_id: ChainId,
    /// The names whose development keys ([`SecretKey::dev`]) sign certificates: every
    /// member of the deciding set whose key is one of theirs signs. F0's validators; a
    /// test that adds a validator adds its name.
    pub signers: Vec<String>,
    /// The set that decided each height, by height - 1.
    pub deciding: Vec<ValidatorSet>,
    /// The state after the last block.
    pub state: MemStore,
    /// Every state-tree node written so far.
    pub tree: MemStore,
    /// Headers by height (0 is genesis).
    pub headers: Vec<Header>,
    /// Blocks by height - 1.
    pub blocks: Vec<Block>,
    /// Commit certificates by height - 1.
    pub commits: Vec<CommitCertificate>,
    /// The transactions' results, by height - 1.
    pub results: Vec<Vec<TxResult>>,
    nonces: BTreeMap<String, u64>,
}

impl DevChain {
    /// The genesis of F0, height 0.
    pub fn new() -> Self {
        Self::from_fixture(Fixture::f0())
    }

    /// The genesis of `fixture`, which must name F0's development validators.
    pub fn from_fixture(fixture: Fixture) -> Self {
        let (genesis_block, executed) = chain::genesis_block(&fixture.genesis).expect("a valid genesis");
        let (mut state, mut tree) = (MemStore::new(), MemStore::new());
        apply_writes(&mut state, executed.state_writes);
        apply_writes(&mut tree, executed.tree_writes);
        Self {
            genesis_json: fixture.genesis.to_json(),
            signers: F0_VALIDATORS.iter().map(|name| name.to_string()).collect(),
            deciding: Vec::new(),
            chain_id: ChainId::new(fixture.genesis.chain_id.as_str()).expect("valid chain id"),
            fixture,
            state,
            tree,
            headers: vec![genesis_block.header],
            blocks: Vec::new(),
            commits: Vec::new(),
            results: Vec::new(),
            nonces: BTreeMap::new(),
        }
    }

    /// The last header.
    pub fn head(&self) -> &Header {
        self.headers.last().expect("genesis at least")
    }

    /// A transaction of officer `who` (or of the development key `dev:NAME`) with its next
    /// nonce.
    pub fn tx(&mut self, who: &str, payload: Payload) -> Transaction {
        let key = self.fixture.signing_key(who).expect("an F0 officer, or dev:NAME");
        let nonce = self.nonces.entry(who.to_string()).or_insert(0);
        *nonce += 1;
        Transaction::sign(self.fixture.genesis.chain_id.as_str(), &key, *nonce - 1, payload)
    }

    /// A transaction of officer `who` with the payload `json` (the JSON of scenarios and
    /// `jcm tx`), its `"dev:NAME"` keys replaced by development public keys.
    pub fn tx_json(&mut self, who: &str, mut json: serde_json::Value) -> Transaction {
        jcm_scenario::fixture::replace_dev_keys_in(&mut json);
        self.tx(who, payload_from_json(json).expect("a valid payload"))
    }

    /// `n` empty blocks.
    pub fn push_empty(&mut self, n: u64) {
        for _ in 0..n {
            self.push(Vec::new());
        }
    }

    /// Executes `txs` as the next block and commits it with the precommits of the set
    /// that decides it (`sets_after` the parent's state).
    pub fn push(&mut self, txs: Vec<Transaction>) -> &Header {
        let parent = self.head().clone();
        let height = parent.height + 1;
        let validators = sets_after(&self.state, parent.height).next;
        let start = Timestamp::parse(FIRST_BLOCK_TIME).expect("a date");
        let time = Timestamp(start.0 + 60 * height);
        let ctx = BlockContext { height, time };
        let executed = chain::execute(&self.state, &self.tree, parent.state_root, &ctx, &txs);
        let last_commit = self.commits.last().cloned();
        // F0's alternation while its validator is in the set, so chains without
        // governance keep their bytes; a member of the set otherwise.
        let proposer_name = F0_VALIDATORS[height as usize % F0_VALIDATORS.len()];
        let mut proposer = ValidatorKey(SecretKey::dev(proposer_name).public().0);
        if validators.get(&proposer).is_none() {
            proposer = validators.validators()[height as usize % validators.validators().len()].key;
        }
        let header = Header {
            chain_id: self.chain_id.clone(),
            protocol_version: PROTOCOL_VERSION,
            height,
            time,
            previous_block_hash: parent.hash(),
            proposer,
            txs_root: protocol::txs_root(&txs),
            results_root: protocol::results_root(&executed.results),
            state_root: executed.state_root,
            validators_hash: protocol::validators_hash(&validators),
            last_commit_hash: protocol::last_commit_hash(last_commit.as_ref()),
        };
        apply_writes(&mut self.state, executed.state_writes);
        apply_writes(&mut self.tree, executed.tree_writes);
        self.deciding.push(validators);
        self.results.push(executed.results);
        self.commits.push(self.certify(&header));
        self.blocks.push(Block { header: header.clone(), txs, last_commit });
        self.headers.push(header);
        self.head()
    }

    /// A commit certificate of `header`, in round 0, signed by every member of the set
    /// that decided its height (of the set that decides the next height, for a header
    /// beyond the chain) that [`Self::signers`] holds the key of.
    pub fn certify(&self, header: &Header) -> CommitCertificate {
        let next = || sets_after(&self.state, self.head().height).next;
        let set = self.deciding.get((header.height as usize).wrapping_sub(1)).cloned().unwrap_or_else(next);
        let names: Vec<&str> = self
            .signers
            .iter()
            .map(String::as_str)
            .filter(|name| set.get(&ValidatorKey(SecretKey::dev(name).public().0)).is_some())
            .collect();
        dev_certificate(header, &names)
    }

    /// The header of `height` and its certificate, if the chain has it (`prove`'s
    /// `earlier`).
    pub fn certified(&self, height: u64) -> Option<(Header, CommitCertificate)> {
        let commit = self.commits.get((height as usize).checked_sub(1)?)?;
        Some((self.headers[height as usize].clone(), commit.clone()))
    }

    /// Every height's canonical bytes.
    pub fn heights(&self) -> Vec<HeightBytes> {
        self.blocks
            .iter()
            .zip(&self.commits)
            .map(|(b, c)| HeightBytes {
                height: b.header.height,
                block: b.encode(),
                commit: codec::encode(c),
            })
            .collect()
    }

    /// The chain as a bundle.
    pub fn bundle(&self) -> Vec<u8> {
        bundle_of(&self.genesis_json, &self.heights())
    }

    /// Transactions of the whole chain.
    pub fn transactions(&self) -> u64 {
        self.blocks.iter().map(|b| b.txs.len() as u64).sum()
    }

    /// The small chain of the tests: an issuance, movements (one rejected), an empty
    /// block, more movements.
    pub fn small() -> Self {
        let mut chain = Self::new();
        chain.push_small_blocks();
        chain
    }

    /// Appends the small chain's four blocks.
    pub fn push_small_blocks(&mut self) {
        let issue = builders::issue(
            &self.fixture,
            "N-AUDIT",
            2025,
            vec![
                builders::line("JPN01-H-GOV", 5000, Some("AUTH-IND-001")),
                builders::line("IND01-H-GOV", 3000, None),
            ],
        );
        let tx = self.tx("IND01-ADMIN", issue);
        self.push(vec![tx]);
        let range = |first, last| builders::range("JPN01", first, last, 2025);
        let txs = vec![
            self.tx(
                "MOEJ",
                builders::movement("transfer_internal", "JPN01-H-GOV", "JPN01-H-EJP1", range(1, 10)),
            ),
            self.tx("MOEJ", builders::movement("use_ndc", "JPN01-H-GOV", "JPN01-USE-NDC", range(11, 20))),
            // Rejected: the units just left this account. Recorded all the same.
            self.tx(
                "MOEJ",
                builders::movement("transfer_internal", "JPN01-H-GOV", "JPN01-H-EJP1", range(1, 10)),
            ),
        ];
        self.push(txs);
        self.push(Vec::new());
        let txs = vec![
            self.tx(
                "MOEJ",
                builders::movement("cancel_voluntary", "JPN01-H-GOV", "JPN01-CXL-VOL", range(21, 30)),
            ),
            self.tx(
                "NDAIAPA",
                builders::movement(
                    "transfer_internal",
                    "IND01-H-GOV",
                    "IND01-H-EIN1",
                    builders::range("IND01", 5001, 5005, 2025),
                ),
            ),
        ];
        self.push(txs);
    }
}

impl Default for DevChain {
    fn default() -> Self {
        Self::new()
    }
}

/// A bundle of `heights` after `genesis_json`.
pub fn bundle_of(genesis_json: &str, heights: &[HeightBytes]) -> Vec<u8> {
    let mut writer = BundleWriter::new(Vec::new(), genesis_json.as_bytes()).expect("in memory");
    for h in heights {
        writer.push(&h.block, &h.commit).expect("in memory");
    }
    writer.finish().expect("in memory")
}

/// Starts of the bundle's sections, its magic (0) and its file digest, in order.
pub fn section_starts(bundle: &[u8]) -> Vec<usize> {
    let mut starts = vec![0];
    let mut at = 8;
    while at < bundle.len() - 32 {
        starts.push(at);
        let len = u32::from_le_bytes(bundle[at + 9..at + 13].try_into().expect("4 bytes")) as usize;
        at += 13 + len + 32;
    }
    starts.push(bundle.len() - 32);
    starts
}

/// What the fake node serves: the chain's bytes (possibly altered) and its final state.
#[derive(Debug)]
pub struct Served {
    /// The genesis JSON.
    pub genesis_json: String,
    /// Raw heights.
    pub heights: Vec<HeightBytes>,
    /// The state after the last height.
    pub state: MemStore,
    /// The state tree.
    pub tree: MemStore,
    /// The header of each height (0 is genesis): the tree holds every state root.
    pub headers: Vec<Header>,
    /// The chain id.
    pub chain_id: String,
    /// The genesis hash.
    pub genesis_hash: Hash32,
}

impl Served {
    /// What the node of `chain` serves.
    pub fn of(chain: &DevChain) -> Self {
        Self {
            genesis_json: chain.genesis_json.clone(),
            heights: chain.heights(),
            state: chain.state.clone(),
            tree: chain.tree.clone(),
            headers: chain.headers.clone(),
            chain_id: chain.chain_id.as_str().to_owned(),
            genesis_hash: chain.fixture.genesis.hash(),
        }
    }

    /// The node's `/v1/status`.
    fn status(&self) -> Status {
        let last = self.headers.last().expect("the genesis header at least");
        Status {
            chain_id: self.chain_id.clone(),
            genesis_hash: self.genesis_hash,
            moniker: "devchain".to_owned(),
            node_id: "devchain".to_owned(),
            validator: None,
            height: self.heights.len() as u64,
            block_hash: last.hash(),
            block_time: last.time,
            state_root: last.state_root,
            round: 0,
            peers: Vec::new(),
            best_known_height: self.heights.len() as u64,
            catching_up: false,
            ready: true,
            mempool: MempoolLoad { txs: 0, bytes: 0 },
        }
    }
}

/// Serves `served` over HTTP on a loopback port until the test process ends; returns
/// the base URL.
pub fn serve(served: Served) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let url = format!("http://{}", listener.local_addr().expect("bound"));
    let served = Arc::new(served);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let served = Arc::clone(&served);
            std::thread::spawn(move || {
                let mut line = String::new();
                let mut reader = BufReader::new(&mut stream);
                if reader.read_line(&mut line).is_err() {
                    return;
                }
                loop {
                    let mut header = String::new();
                    if reader.read_line(&mut header).map_or(true, |n| n == 0) || header == "\r\n" {
                        break;
                    }
                }
                let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
                let (status, body) = route(&served, &path);
                let response = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes());
            });
        }
    });
    url
}

fn route(served: &Served, path: &str) -> (&'static str, String) {
    let not_found =
        |message: String| ("404 Not Found", json!({ "error": { "message": message } }).to_string());
    if path == "/v1/genesis" {
        return ("200 OK", served.genesis_json.clone());
    }
    if path == "/v1/status" {
        return ("200 OK", json!(served.status()).to_string());
    }
    if let Some(rest) = path.strip_prefix("/v1/blocks/").and_then(|p| p.strip_suffix("/raw")) {
        let height: u64 = rest.parse().unwrap_or(0);
        return match served.heights.get((height as usize).wrapping_sub(1)) {
            Some(h) => {
                let raw =
                    RawBlock { height, block: hex::encode(&h.block), commit: Some(hex::encode(&h.commit)) };
                ("200 OK", json!(raw).to_string())
            }
            None => not_found(format!("height {height}")),
        };
    }
    let (route_path, height) = match path.split_once("?height=") {
        Some((route_path, h)) => (route_path, Some(h.parse::<u64>().expect("a height"))),
        None => (path, None),
    };
    if let Some(unit) = route_path.strip_prefix("/v1/units/").and_then(|p| p.strip_suffix("/history")) {
        // This stand-in keeps the last state only; the node answers every height.
        if height.is_some_and(|h| h != served.heights.len() as u64) {
            return not_found(format!("height {height:?}: this stand-in keeps the last state only"));
        }
        return match read::unit_history(&served.state, unit) {
            Ok(history) => ("200 OK", json!(history).to_string()),
            Err(e) => not_found(e),
        };
    }
    if let Some(query) = path.strip_prefix("/v1/proof?") {
        return proof_route(served, query);
    }
    if path == "/v1/gov/proposals" {
        return ("200 OK", json!(read::gov::proposals(&served.state)).to_string());
    }
    not_found(format!("no route {path}"))
}

/// `/v1/proof?key=HEX&height=H` as the node answers it, but with the value at the last
/// height only (this stand-in keeps the last state; the node gives it at every height):
/// `present` and `value_hash` at every height.
fn proof_route(served: &Served, query: &str) -> (&'static str, String) {
    let last = served.heights.len() as u64;
    let param = |name: &str| {
        query.split('&').find_map(|pair| pair.strip_prefix(name).and_then(|rest| rest.strip_prefix('=')))
    };
    let key = hex::decode(param("key").expect("a key")).expect("hex keys in tests");
    let height = param("height").map_or(last, |h| h.parse().expect("a height"));
    let Some(header) = served.headers.get(height as usize) else {
        return ("404 Not Found", json!({ "error": { "message": format!("height {height}") } }).to_string());
    };
    let root = header.state_root;
    let proof = merkle::prove(&served.tree, &root, &key).expect("the tree of every height");
    let present = proof.leaf.is_some_and(|leaf| leaf.key_hash == merkle::key_hash(&key));
    let value = if height == last { served.state.get(&key) } else { None };
    let answer = ProofAnswer {
        key: hex::encode(&key),
        height,
        header_hash: header.hash(),
        state_root: root,
        present,
        value: value.map(hex::encode),
        value_hash: proof.leaf.filter(|_| present).map(|leaf| leaf.value_hash),
        proof_bytes: hex::encode(proof.to_bytes()),
        proof,
    };
    ("200 OK", json!(answer).to_string())
}

/// A fresh temporary directory for one test.
pub fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("jcm-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    dir
}
