//! Signing offline and genesis pinning through the real `jcm` binary, against a stand-in
//! node: a loopback HTTP server answering the routes `jcm tx broadcast` and the pin
//! check read (`/v1/status`, `/v1/genesis`, `/v1/nonce`, `/v1/tx`) with the types of the
//! RPC contract, which records what it is sent and commits every transaction it is given
//! as accepted. No `jcm-node` is
//! needed: the rules are not this file's subject (cli/tests/cluster.rs runs the same
//! flow against a real cluster), the bytes, checks and refusals are.

mod support;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use jcm_api::chain::{MempoolLoad, Status};
use jcm_api::tx::{DryRun, Nonce, TxRequest, TxStatus};
use jcm_api::{ErrorBody, ErrorDetail, VerdictView};
use jcm_runtime::codec::Hash32;
use jcm_runtime::protocol::{Genesis, Transaction};
use jcm_runtime::time::Timestamp;
use jcm_runtime::verdict;
use serde_json::{json, Value};
use support::{workspace, Jcm, Run};

/// The chain of config/testnet-4, whose officers `jcm keys import-testnet` imports.
const CHAIN: &str = "jcm-testnet-4";

/// What the stand-in node has been sent and holds.
#[derive(Debug, Default)]
struct Ledger {
    /// Every `POST /v1/tx` body's `tx` hex, in order.
    submitted: Vec<String>,
    /// Committed transactions by hash: their answer.
    committed: BTreeMap<String, TxStatus>,
    /// Next nonce by signer (hex); 0 when absent.
    nonces: BTreeMap<String, u64>,
}

/// A stand-in node of `chain_id` presenting `genesis_hash`.
#[derive(Debug)]
struct Node {
    url: String,
    ledger: Arc<Mutex<Ledger>>,
}

impl Node {
    /// A node serving config/testnet-4's genesis, presenting `genesis_hash` (the real
    /// hash of that genesis unless a test wants another chain under the same id).
    fn start(genesis_hash: Option<&str>) -> Self {
        let genesis =
            std::fs::read_to_string(workspace().join("config/testnet-4/genesis.json")).expect("genesis");
        let hash = match genesis_hash {
            Some(hash) => hash.to_string(),
            None => Genesis::from_json(&genesis).expect("a valid genesis").hash().to_hex(),
        };
        let ledger = Arc::new(Mutex::new(Ledger::default()));
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let url = format!("http://{}", listener.local_addr().expect("bound"));
        let shared = Arc::clone(&ledger);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let (method, path, body) = read_request(&mut stream);
                let (status, answer) = route(&shared, &genesis, &hash, &method, &path, &body);
                let response = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                    answer.len()
                );
                let _ = stream.write_all(response.as_bytes());
            }
        });
        Self { url, ledger }
    }

    fn submitted(&self) -> Vec<String> {
        self.ledger.lock().expect("the ledger").submitted.clone()
    }

    fn set_nonce(&self, signer: &str, next: u64) {
        self.ledger.lock().expect("the ledger").nonces.insert(signer.to_string(), next);
    }
}

fn read_request(stream: &mut std::net::TcpStream) -> (String, String, String) {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    let _ = reader.read_line(&mut line);
    let mut length = 0usize;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).map_or(true, |n| n == 0) || header == "\r\n" {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("GET").to_string();
    let path = parts.next().unwrap_or("/").to_string();
    (method, path, String::from_utf8_lossy(&body).into_owned())
}

fn accepted() -> VerdictView {
    VerdictView { status: verdict::Status::Accepted, rejections: vec![], warnings: vec![], original: None }
}

/// The stand-in's `/v1/status` at `height`.
fn status(hash: &str, height: u64) -> Status {
    Status {
        chain_id: CHAIN.to_string(),
        genesis_hash: Hash32::from_hex(hash).expect("a genesis hash"),
        moniker: "stand-in".to_string(),
        node_id: "stand-in".to_string(),
        validator: None,
        height,
        block_hash: Hash32([0; 32]),
        block_time: Timestamp::parse("2026-02-10").expect("a time"),
        state_root: Hash32([0; 32]),
        round: 0,
        peers: Vec::new(),
        best_known_height: height,
        catching_up: false,
        ready: true,
        mempool: MempoolLoad { txs: 0, bytes: 0 },
    }
}

/// The transaction of a submit or dry-run body.
fn transaction(body: &str) -> (String, Transaction) {
    let request: TxRequest = serde_json::from_str(body).expect("a submit body");
    let hex = request.tx.expect("a `tx`");
    let tx = Transaction::decode(&hex::decode(&hex).expect("hex")).expect("a transaction");
    (hex, tx)
}

fn answer<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("an answer serializes")
}

fn route(
    ledger: &Mutex<Ledger>,
    genesis: &str,
    hash: &str,
    method: &str,
    path: &str,
    body: &str,
) -> (&'static str, String) {
    let mut ledger = ledger.lock().expect("the ledger");
    let not_found = |message: &str| {
        let error =
            ErrorDetail { kind: "not_found".into(), message: message.into(), codes: vec![], verdict: None };
        ("404 Not Found", answer(&ErrorBody { error }))
    };
    let height = ledger.committed.len() as u64;
    match (method, path) {
        ("GET", "/v1/status") => ("200 OK", answer(&status(hash, height))),
        ("GET", "/v1/genesis") => ("200 OK", genesis.to_string()),
        ("GET", p) if p.starts_with("/v1/nonce/") => {
            let signer = &p["/v1/nonce/".len()..];
            let next = ledger.nonces.get(signer).copied().unwrap_or(0);
            let signer = signer.parse().expect("a signer's key");
            ("200 OK", answer(&Nonce { signer, state_nonce: next, next_nonce: next, pending: 0 }))
        }
        ("GET", p) if p.starts_with("/v1/tx/") => match ledger.committed.get(&p["/v1/tx/".len()..]) {
            Some(committed) => ("200 OK", answer(committed)),
            None => not_found("neither committed nor pending"),
        },
        ("POST", "/v1/tx/dry-run") => {
            let (_, tx) = transaction(body);
            (
                "200 OK",
                answer(&DryRun { hash: tx.hash(), accepted: true, height: height + 1, verdict: accepted() }),
            )
        }
        ("POST", p) if p.starts_with("/v1/tx") => {
            let (hex, tx) = transaction(body);
            let committed = TxStatus::committed(tx.hash(), height + 1, 0, accepted());
            ledger.submitted.push(hex);
            ledger.committed.insert(tx.hash().to_hex(), committed.clone());
            ledger.nonces.insert(tx.body.signer.to_hex(), tx.body.nonce + 1);
            ("200 OK", answer(&committed))
        }
        _ => not_found("no such route"),
    }
}

/// A `jcm` with config/testnet-4's officer keys, talking to `node` (or to nothing: an
/// address where nothing listens, so any attempt to reach a node fails).
fn officer(label: &str, node: Option<&Node>) -> Jcm {
    let mut jcm = Jcm::new(label);
    jcm.node = Some(node.map_or_else(|| "http://127.0.0.1:9".to_string(), |n| n.url.clone()));
    let testnet = workspace().join("config/testnet-4");
    jcm.run(&["keys", "import-testnet", testnet.to_str().expect("utf-8")]).expect_code(0);
    jcm
}

fn public_key(jcm: &Jcm, name: &str) -> String {
    let shown = jcm.run(&["--output", "json", "keys", "show", name]).expect_code(0).json();
    shown["public_key"].as_str().expect("a public key").to_string()
}

/// `jcm tx close-year --party IND --year 2026` with `extra`.
fn close_year(jcm: &Jcm, extra: &[&str]) -> Run {
    jcm.run(&[&["tx", "close-year", "--party", "IND", "--year", "2026"][..], extra].concat())
}

fn read(path: &std::path::Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("the file")).expect("JSON")
}

#[test]
fn a_transaction_signed_offline_is_broadcast_as_its_bytes() {
    let node = Node::start(None);
    let air = officer("air-gapped", None);
    let file = air.home.join("close.json");
    let path = file.to_str().expect("utf-8");
    let offline = ["--key", "IND-DA", "--offline", "--chain-id", CHAIN, "--nonce", "0", "--out", path];
    let signed = close_year(&air, &[&offline[..], &["--yes"]].concat()).expect_code(0);
    assert!(signed.stdout.contains("jcm tx broadcast"), "says what comes next: {}", signed.stdout);
    assert!(!air.home.join("known-chains.json").exists(), "no node was contacted, nothing pinned");
    let doc = read(&file);
    assert_eq!((doc["format"].as_str(), doc["signed"].as_bool()), (Some("jcm-tx/1"), Some(true)));
    assert_eq!(doc["summary"], "close IND's reporting year 2026");
    assert_eq!(doc["body"]["chain_id"], CHAIN);
    assert_eq!(doc["signer"].as_str(), Some(public_key(&air, "IND-DA").as_str()));
    // Never overwritten silently.
    let again = close_year(&air, &[&offline[..], &["--yes"]].concat()).expect_code(2);
    assert!(again.stderr.contains("--force"), "{}", again.stderr);

    let online = officer("online", Some(&node));
    let dry = online.run(&["--output", "json", "tx", "broadcast", path, "--dry-run"]).expect_code(0).json();
    assert_eq!((dry["result"].as_str(), dry["accepted"].as_bool()), (Some("dry_run"), Some(true)), "{dry:#}");
    assert!(node.submitted().is_empty(), "a dry run submits nothing");
    let sent = online.run(&["--output", "json", "tx", "broadcast", path, "--yes"]).expect_code(0).json();
    assert_eq!(
        (sent["result"].as_str(), sent["accepted"].as_bool()),
        (Some("committed"), Some(true)),
        "{sent:#}"
    );
    assert_eq!(sent["hash"], doc["hash"]);
    assert_eq!(sent["officer"], "IND-DA (designated_authority IND, account_holder IND)", "{sent:#}");
    assert_eq!(node.submitted(), [doc["bytes"].as_str().expect("bytes")], "the file's bytes, unchanged");
    let pins = read(&online.home.join("known-chains.json"));
    assert!(pins["chains"][CHAIN]["genesis_hash"].is_string(), "pinned on first contact: {pins:#}");

    // Broadcast again (a wait cut short, say): reported as committed, not sent twice.
    let again = online.run(&["--output", "json", "tx", "broadcast", path, "--yes"]).expect_code(0).json();
    assert_eq!(again["result"], "committed");
    assert_eq!(node.submitted().len(), 1);
}

#[test]
fn an_unsigned_file_is_signed_by_its_signer_then_broadcast() {
    let node = Node::start(None);
    let preparer = officer("preparer", Some(&node));
    let signer = officer("signer", None);
    let ind_da = public_key(&signer, "IND-DA");
    let file = preparer.home.join("unsigned.json");
    let path = file.to_str().expect("utf-8");
    // Online: the chain id and the nonce come from the node.
    node.set_nonce(&ind_da, 4);
    close_year(&preparer, &["--signer", &ind_da, "--out", path]).expect_code(0);
    let doc = read(&file);
    assert_eq!((doc["signed"].as_bool(), doc["body"]["nonce"].as_u64()), (Some(false), Some(4)), "{doc:#}");
    assert!(doc["genesis_hash"].is_string(), "the node's genesis is recorded: {doc:#}");
    let unsigned = preparer.run(&["tx", "broadcast", path, "--yes"]).expect_code(2);
    assert!(
        unsigned.stderr.contains("not signed yet") && unsigned.stderr.contains("jcm tx sign"),
        "{}",
        unsigned.stderr
    );

    let wrong = signer.run(&["tx", "sign", path, "--key", "JPN-DA", "--yes"]).expect_code(2);
    assert!(wrong.stderr.contains(&ind_da), "names the expected signer: {}", wrong.stderr);
    signer.run(&["tx", "sign", path, "--key", "IND-DA"]).expect_code(2); // no terminal to confirm
    signer.run(&["tx", "sign", path, "--key", "IND-DA", "--yes"]).expect_code(0);
    let signed = read(&file);
    assert_eq!(signed["signed"], true);
    assert_eq!(signed["genesis_hash"], doc["genesis_hash"]);
    let same = signer.run(&["tx", "sign", path, "--key", "IND-DA", "--yes"]).expect_code(0);
    assert!(same.stdout.contains("already signed"), "{}", same.stdout);
    let other = signer.run(&["tx", "sign", path, "--key", "JPN-DA", "--yes"]).expect_code(2);
    assert!(other.stderr.contains("already signed"), "{}", other.stderr);

    let sent = preparer.run(&["tx", "broadcast", path, "--yes"]).expect_code(0);
    assert!(
        sent.stdout.contains("Signed transaction to submit: close IND's reporting year 2026"),
        "{}",
        sent.stdout
    );
    assert!(
        sent.stdout.contains("IND-DA (designated_authority IND, account_holder IND), signed elsewhere"),
        "{}",
        sent.stdout
    );
    assert!(sent.stdout.contains("Committed at height 1"), "{}", sent.stdout);
    assert_eq!(node.submitted(), [signed["bytes"].as_str().expect("bytes")]);
}

#[test]
fn an_issuance_by_an_endorsed_notification_is_signed_offline_too() {
    let jcm = officer("issuance", None);
    let notification = jcm.home.join("n-001.json");
    let notification = notification.to_str().expect("utf-8");
    #[rustfmt::skip]
    let prepare = [
        "tx", "issue", "--prepare", notification, "--id", "N-001", "--jc", "JC-JPN-IND", "--project", "INJ-001",
        "--vintage", "2025", "--from", "2025-01-01", "--to", "2025-12-31", "--line", "JPN01-H-GOV:5000",
        "--chain-id", CHAIN, "--ca", "CA0001",
    ];
    jcm.run(&prepare).expect_code(0);
    jcm.run(&prepare).expect_code(2); // --force, shared with --out, is still needed to replace it
    for side in ["IND-JC", "JPN-JC"] {
        jcm.run(&["tx", "endorse", notification, "--key", side, "--yes"]).expect_code(0);
    }
    let sign = jcm.run(&["tx", "sign", notification, "--key", "IND01-ADMIN", "--yes"]).expect_code(2);
    assert!(sign.stderr.contains("jcm tx endorse"), "{}", sign.stderr);
    let file = jcm.home.join("issue.json");
    let path = file.to_str().expect("utf-8");
    #[rustfmt::skip]
    let issue = [
        "tx", "issue", "--notification", notification, "--key", "IND01-ADMIN", "--offline", "--chain-id", CHAIN,
        "--nonce", "0", "--out", path, "--yes",
    ];
    jcm.run(&issue).expect_code(0);
    let doc = read(&file);
    assert_eq!(doc["action"], "issue", "{doc:#}");
    assert_eq!(doc["body"]["payload"]["notification"]["endorsements"].as_array().map(Vec::len), Some(2));
}

#[test]
fn offline_flags_are_usage_errors_naming_what_is_missing() {
    let jcm = officer("flags", None);
    let out = jcm.home.join("t.json");
    let out = out.to_str().expect("utf-8");
    for (args, flag) in [
        (&["--key", "IND-DA", "--offline", "--nonce", "0", "--out", out][..], "--chain-id"),
        (&["--key", "IND-DA", "--offline", "--chain-id", CHAIN, "--out", out], "--nonce"),
        (&["--key", "IND-DA", "--offline", "--chain-id", CHAIN, "--nonce", "0"], "--out"),
        (&["--signer", "ab", "--out", out], "--signer"),
    ] {
        let run = close_year(&jcm, args).expect_code(2);
        assert!(run.stderr.contains(flag), "{args:?}: {}", run.stderr);
    }
    let dry = close_year(&jcm, &["--key", "IND-DA", "--out", out, "--dry-run"]).expect_code(2);
    assert!(dry.stderr.contains("jcm tx broadcast FILE --dry-run"), "{}", dry.stderr);
    assert!(!jcm.home.join("t.json").exists(), "nothing written");
}

#[test]
fn a_file_for_another_chain_or_edited_by_hand_is_refused() {
    let node = Node::start(None);
    let jcm = officer("refusals", Some(&node));
    let file = jcm.home.join("other.json");
    let path = file.to_str().expect("utf-8");
    let offline = ["--key", "IND-DA", "--offline", "--nonce", "0", "--out", path, "--yes", "--force"];
    close_year(&jcm, &[&offline[..], &["--chain-id", "jcm-elsewhere"]].concat()).expect_code(0);
    let other = jcm.run(&["tx", "broadcast", path, "--yes"]).expect_code(2);
    assert!(other.stderr.contains("signed for chain `jcm-elsewhere`"), "{}", other.stderr);
    assert!(other.stderr.contains(&format!("serves chain `{CHAIN}`")), "{}", other.stderr);

    // Prepared for another genesis under this chain's id: refused at signing where the
    // chain is pinned (the broadcast above pinned it), and at broadcast otherwise.
    let elsewhere = ["--chain-id", CHAIN, "--genesis-hash", &"ee".repeat(32)];
    let pinned = close_year(&jcm, &[&offline[..], &elsewhere].concat()).expect_code(2);
    assert!(pinned.stderr.contains(&"ee".repeat(32)), "{}", pinned.stderr);
    let unpinned = officer("refusals-unpinned", None);
    close_year(&unpinned, &[&offline[..], &elsewhere].concat()).expect_code(0);
    let genesis = jcm.run(&["tx", "broadcast", path, "--yes"]).expect_code(2);
    assert!(genesis.stderr.contains(&"ee".repeat(32)), "{}", genesis.stderr);

    // A hand-edited body: the human part no longer matches the bytes.
    close_year(&jcm, &[&offline[..], &["--chain-id", CHAIN]].concat()).expect_code(0);
    let mut doc = read(&file);
    doc["body"]["payload"]["year"] = json!(2027);
    std::fs::write(&file, serde_json::to_string_pretty(&doc).expect("json")).expect("written");
    let edited = jcm.run(&["tx", "broadcast", path, "--yes"]).expect_code(2);
    assert!(edited.stderr.contains("`body.payload.year` differs"), "{}", edited.stderr);
    assert!(node.submitted().is_empty(), "nothing was sent");

    // A notification of the issuance flow is endorsed, not signed.
    let notification = jcm.home.join("n.json");
    std::fs::write(&notification, r#"{"format": "jcm-notification/1"}"#).expect("written");
    let n = notification.to_str().expect("utf-8");
    let sign = jcm.run(&["tx", "sign", n, "--key", "IND-DA", "--yes"]).expect_code(2);
    assert!(sign.stderr.contains("jcm tx endorse"), "{}", sign.stderr);
}

#[test]
fn a_stale_nonce_is_refused_before_submission_as_a6_1008() {
    let node = Node::start(None);
    let jcm = officer("stale", Some(&node));
    let file = jcm.home.join("stale.json");
    let path = file.to_str().expect("utf-8");
    close_year(
        &jcm,
        &["--key", "IND-DA", "--offline", "--chain-id", CHAIN, "--nonce", "0", "--out", path, "--yes"],
    )
    .expect_code(0);
    node.set_nonce(&public_key(&jcm, "IND-DA"), 3);
    let stale = jcm.run(&["--output", "json", "tx", "broadcast", path, "--yes"]).expect_code(1).json();
    assert_eq!(stale["result"], "refused", "{stale:#}");
    assert_eq!(stale["error"]["codes"][0], "A6-1008", "{stale:#}");
    assert!(stale["error"]["message"].as_str().is_some_and(|m| m.contains("--nonce 3")), "{stale:#}");
    assert!(node.submitted().is_empty());
}

#[test]
fn a_pinned_chain_whose_node_presents_another_genesis_is_refused() {
    let real = Node::start(None);
    let impostor = Node::start(Some(&"ab".repeat(32)));
    let mut jcm = officer("pinning", Some(&real));
    jcm.run(&["query", "status"]).expect_code(0);
    let pins = jcm.run(&["--output", "json", "chain", "list"]).expect_code(0).json();
    let pinned = pins["chains"][CHAIN]["genesis_hash"].as_str().expect("pinned").to_string();
    assert_eq!(pins["chains"][CHAIN]["first_node"], real.url.as_str());

    jcm.node = Some(impostor.url.clone());
    for args in [
        &["query", "status"][..],
        &["tx", "close-year", "--party", "IND", "--year", "2026", "--key", "IND-DA", "--dry-run"],
    ] {
        let refused = jcm.run(args).expect_code(2);
        assert!(
            refused.stderr.contains(&pinned) && refused.stderr.contains(&"ab".repeat(32)),
            "{}",
            refused.stderr
        );
        assert!(refused.stderr.contains(&format!("jcm chain forget {CHAIN}")), "{}", refused.stderr);
    }
    // A signed file is refused by the impostor too, before anything is sent.
    let file = jcm.home.join("t.json");
    let path = file.to_str().expect("utf-8");
    close_year(
        &jcm,
        &["--key", "IND-DA", "--offline", "--chain-id", CHAIN, "--nonce", "0", "--out", path, "--yes"],
    )
    .expect_code(0);
    assert_eq!(read(&file)["genesis_hash"], pinned.as_str(), "the local pin is recorded in the file");
    jcm.run(&["tx", "broadcast", path, "--yes"]).expect_code(2);
    assert!(impostor.submitted().is_empty());

    // Re-pinning is deliberate: by hand, or by forgetting the pin.
    let hash = "ab".repeat(32);
    jcm.run(&["chain", "pin", CHAIN, "--genesis-hash", &hash]).expect_code(2); // needs --replace
    jcm.run(&["chain", "forget", CHAIN]).expect_code(0);
    jcm.run(&["chain", "forget", CHAIN]).expect_code(2);
    jcm.run(&["query", "status"]).expect_code(0);
    jcm.node = Some(real.url.clone());
    jcm.run(&["query", "status"]).expect_code(2);
    jcm.run(&["chain", "pin", CHAIN, "--genesis-hash", &pinned, "--replace"]).expect_code(0);
    jcm.run(&["query", "status"]).expect_code(0);
}
