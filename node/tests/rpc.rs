//! The RPC API in process: a real store opened on fixture F0's genesis, two blocks
//! executed and committed with certificates signed by F0's validators, then requests
//! through the router (and one server bound on 127.0.0.1).

mod common;

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use common::TempDir;
use jcm_node::actor::{self, DbChain};
use jcm_node::chain;
use jcm_node::engine::{Effect, Engine, EngineParts, Event, SystemClock};
use jcm_node::home::config::ConsensusConfig;
use jcm_node::home::config::{MempoolConfig, RpcConfig};
use jcm_node::home::NodeId;
use jcm_node::metrics::Metrics;
use jcm_node::rpc::{self, RpcError};
use jcm_node::shared::{Shared, Status, ToEngine};
use jcm_node::store::{Db, DbOptions};
use jcm_node::wire::{Message, Response};
use jcm_runtime::codec::{self, Hash32};
use jcm_runtime::crypto::SecretKey;
use jcm_runtime::merkle;
use jcm_runtime::model::{AccountStatus, Text};
use jcm_runtime::protocol;
use jcm_runtime::protocol::{
    Block, ChainId, CommitCertificate, GovChange, Header, Payload, Transaction, ValidatorSet,
};
use jcm_runtime::state::keys;
use jcm_runtime::time::Timestamp;
use jcm_tests::builders;
use jcm_tests::fixture::{dev_certificate, Fixture, F0_VALIDATORS};
use parking_lot::{Mutex, RwLock};

/// The node's real engine, as an observer (its key is in no validator set): it answers
/// the API's requests and commits the harness's blocks through its catch-up path.
type NodeEngine = Engine<DbChain, SystemClock>;
use serde_json::{json, Value};
use tokio::sync::{mpsc, watch};
use tower::ServiceExt;

struct Node {
    _dir: TempDir,
    fixture: Fixture,
    shared: Arc<Shared>,
    /// F0's genesis validators.
    validators: ValidatorSet,
    engine: Arc<Mutex<NodeEngine>>,
    relayed: mpsc::UnboundedReceiver<Vec<u8>>,
    config: RpcConfig,
}

impl Node {
    /// F0's genesis, then block 1 (issuance B1, and a status change by the wrong
    /// registry's administrator, rejected A6-2006) and block 2 (Japan uses 1,000 units).
    fn new(label: &str) -> Self {
        let dir = TempDir::new(label);
        let fixture = Fixture::f0();
        let genesis = fixture.genesis.clone();
        let mut db = Db::open(dir.join("data"), &DbOptions::new(genesis.hash())).expect("open the store");
        chain::open(&mut db, &genesis).expect("commit genesis");
        let validators = jcm_runtime::chain::genesis_validators(&genesis).expect("validators");
        let (to_engine, requests) = mpsc::channel(16);
        let (committed, _) = watch::channel(0);
        let shared = Arc::new(Shared {
            chain_id: ChainId::new(genesis.chain_id.as_str()).expect("chain id"),
            genesis_hash: genesis.hash(),
            genesis,
            moniker: "rpc-test".into(),
            node_id: NodeId(SecretKey::dev("node").public()),
            validator_key: jcm_consensus::Signer::public_key(&jcm_consensus::KeySigner::from_secret(
                &[7; 32],
            )),
            db: RwLock::new(db),
            status: RwLock::new(Status::default()),
            metrics: Metrics::new(),
            committed,
            to_engine,
            ready: RwLock::new(false),
        });
        let config = RpcConfig {
            listen_address: "127.0.0.1:0".parse().expect("address"),
            body_bytes_max: 128 * 1024,
            page_items_max: 2,
            request_timeout_ms: 5_000,
        };
        let head = chain::header(&shared.db.read(), 0).expect("genesis header");
        let (engine, _) = Engine::new(EngineParts {
            chain: DbChain::new(Arc::clone(&shared)),
            clock: SystemClock,
            chain_id: shared.chain_id.clone(),
            validator_secret: [7; 32],
            consensus: ConsensusConfig::default(),
            mempool: MempoolConfig::default(),
            head,
            records: Vec::new(),
        })
        .expect("an engine");
        let engine = Arc::new(Mutex::new(engine));
        let relayed = serve(Arc::clone(&engine), Arc::clone(&shared), requests);
        let node = Self { _dir: dir, fixture, shared, validators, engine, relayed, config };
        let b1 = node.sign("IND01-ADMIN", 0, builders::b1(&node.fixture));
        let wrong_registry = node.sign("JPN01-ADMIN", 0, status("IND01-H-GOV", AccountStatus::Suspended));
        node.commit("2026-02-10", vec![b1, wrong_registry]);
        let units = builders::range("JPN01", 1, 1000, 2025);
        let use_ndc = builders::movement("use_ndc", "JPN01-H-GOV", "JPN01-USE-NDC", units);
        node.commit("2026-03-01", vec![node.sign("MOEJ", 0, use_ndc)]);
        node
    }

    fn router(&self) -> Router {
        rpc::router(Arc::clone(&self.shared), &self.config)
    }

    fn sign(&self, officer: &str, nonce: u64, payload: Payload) -> Transaction {
        let key = self.fixture.key(officer).expect("F0 officer");
        Transaction::sign(self.fixture.genesis.chain_id.as_str(), key, nonce, payload)
    }

    /// Executes `txs` as the next block at `date`, certifies it with both validators'
    /// signatures, and hands it to the engine as a fetched block: it commits it, updates
    /// its mempool and wakes waiters, as in a node.
    fn commit(&self, date: &str, txs: Vec<Transaction>) -> Block {
        let shared = &self.shared;
        let db = shared.db.read();
        let last = db.last_committed().expect("genesis").height;
        let parent = chain::header(&db, last).expect("parent");
        let last_commit = chain::stored_commit(&db, last).expect("commit");
        // The set that decides the block, as the node takes it from the state (R49).
        let validators = jcm_runtime::tx::gov::sets_after(db.state(), last).next;
        let mut header = Header {
            chain_id: parent.chain_id.clone(),
            protocol_version: protocol::PROTOCOL_VERSION,
            height: last + 1,
            time: Timestamp::parse(date).expect("date"),
            previous_block_hash: parent.hash(),
            proposer: validators.validators()[0].key,
            txs_root: protocol::txs_root(&txs),
            results_root: Hash32::default(),
            state_root: Hash32::default(),
            validators_hash: protocol::validators_hash(&validators),
            last_commit_hash: protocol::last_commit_hash(last_commit.as_ref()),
        };
        let executed = chain::execute(&db, &parent, &header, &txs);
        header.results_root = protocol::results_root(&executed.results);
        header.state_root = executed.state_root;
        let block = Block { header, txs, last_commit };
        let executed = chain::validate(&db, &parent, &block).expect("a valid block");
        drop(executed);
        drop(db);
        let certificate = certify(&block, &shared.chain_id, &validators);
        let answer = Response::Block { block: block.encode(), commit: codec::encode(&certificate) }.encode();
        let peer = NodeId(SecretKey::dev("peer").public());
        let effects = self
            .engine
            .lock()
            .handle(Event::Fetched { peer, height: block.header.height, answer: Ok(answer) })
            .expect("the engine commits the block");
        let mut committed = false;
        for effect in effects {
            match effect {
                Effect::Committed(c) => {
                    committed = true;
                    actor::publish_head(shared, &c.header);
                }
                Effect::Progress(p) => actor::publish_progress(shared, &p),
                _ => {}
            }
        }
        assert!(committed, "the engine committed block {}", block.header.height);
        block
    }

    fn pending(&self, tx: &Transaction) -> bool {
        self.engine.lock().mempool().contains(&tx.hash())
    }

    fn mempool_is_empty(&self) -> bool {
        self.engine.lock().mempool().is_empty()
    }
}

/// Answers the API's requests with the engine, as the node's actor does; returns what the
/// engine relays to peers.
fn serve(
    engine: Arc<Mutex<NodeEngine>>,
    shared: Arc<Shared>,
    mut requests: mpsc::Receiver<ToEngine>,
) -> mpsc::UnboundedReceiver<Vec<u8>> {
    let (relay, relayed) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(ToEngine { request, reply }) = requests.recv().await {
            let mut engine = engine.lock();
            let mut effects = engine.handle(Event::Rpc(request)).expect("an answer");
            effects.extend(engine.handle(Event::FlushRelay).expect("a relay"));
            drop(engine);
            let mut reply = Some(reply);
            for effect in effects {
                match effect {
                    Effect::Reply(answer) => {
                        if let Some(reply) = reply.take() {
                            let _ = reply.send(answer);
                        }
                    }
                    Effect::Progress(progress) => actor::publish_progress(&shared, &progress),
                    Effect::Broadcast(Message::Txs(batch)) => batch.into_iter().for_each(|tx| {
                        let _ = relay.send(tx);
                    }),
                    _ => {}
                }
            }
        }
    });
    relayed
}

/// A commit certificate for `block` signed by F0's validators.
fn certify(block: &Block, chain_id: &ChainId, validators: &ValidatorSet) -> CommitCertificate {
    let certificate = dev_certificate(&block.header, &F0_VALIDATORS);
    certificate.verify(chain_id, validators).expect("a valid certificate");
    certificate
}

fn status(account: &str, status: AccountStatus) -> Payload {
    Payload::SetAccountStatus {
        account: account.parse().expect("account"),
        status,
        reason: Text::new("test").expect("short"),
    }
}

struct Answer {
    status: StatusCode,
    content_type: String,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!("{} is not JSON ({e}): {}", self.status, String::from_utf8_lossy(&self.body))
        })
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The error's kind, checking the error shape.
    fn error_kind(&self) -> String {
        let body = self.json();
        let error = &body["error"];
        assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
        error["kind"].as_str().expect("kind").to_owned()
    }

    fn codes(&self) -> Vec<String> {
        let body = self.json();
        body["error"]["codes"]
            .as_array()
            .map_or(Vec::new(), |c| c.iter().map(|c| c.as_str().expect("code").to_owned()).collect())
    }
}

async fn call(router: &Router, method: &str, uri: &str, body: Option<Vec<u8>>) -> Answer {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .body(body.map_or_else(Body::empty, Body::from))
        .expect("request");
    let response = router.clone().oneshot(request).await.expect("the router answers");
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().expect("ascii").to_owned())
        .unwrap_or_default();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.expect("body").to_vec();
    Answer { status, content_type, body }
}

async fn get(router: &Router, uri: &str) -> Answer {
    call(router, "GET", uri, None).await
}

async fn post(router: &Router, uri: &str, body: Value) -> Answer {
    call(router, "POST", uri, Some(body.to_string().into_bytes())).await
}

fn tx_body(tx: &Transaction) -> Value {
    json!({ "tx": hex::encode(tx.encode()) })
}

#[tokio::test]
async fn submit_admits_relays_and_reports_pending() {
    let mut node = Node::new("rpc-submit");
    let router = node.router();
    let tx = node.sign("IND01-ADMIN", 1, status("IND01-H-GOV", AccountStatus::Active));
    let answer = post(&router, "/v1/tx", tx_body(&tx)).await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.text());
    let hash = tx.hash().to_hex();
    assert_eq!(answer.json(), json!({ "hash": hash, "status": "pending" }));
    assert!(node.pending(&tx));
    match node.relayed.try_recv() {
        Ok(bytes) => assert_eq!(bytes, tx.encode()),
        other => panic!("expected a relay, got {other:?}"),
    }

    let pending = get(&router, &format!("/v1/tx/{hash}")).await;
    assert_eq!(pending.status, StatusCode::OK);
    assert_eq!(pending.json()["status"], "pending");

    let signer = node.fixture.key("IND01-ADMIN").expect("key").public().to_hex();
    let nonce = get(&router, &format!("/v1/nonce/{signer}")).await.json();
    assert_eq!((nonce["state_nonce"].as_u64(), nonce["next_nonce"].as_u64()), (Some(1), Some(2)));

    // The JSON form of the next transaction.
    let next = node.sign("IND01-ADMIN", 2, status("IND01-H-GOV", AccountStatus::Active));
    let answer = post(&router, "/v1/tx", json!({ "tx_json": next })).await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.text());
    assert_eq!(answer.json()["hash"], next.hash().to_hex());

    // The same again: a conflict, not a rule failure.
    let again = post(&router, "/v1/tx", tx_body(&tx)).await;
    assert_eq!((again.status, again.error_kind().as_str()), (StatusCode::CONFLICT, "duplicate"));
    // A gap in the nonces names the code of R1's nonce check.
    let gap = post(
        &router,
        "/v1/tx",
        tx_body(&node.sign("IND01-ADMIN", 9, status("IND01-H-GOV", AccountStatus::Active))),
    )
    .await;
    assert_eq!(gap.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(gap.codes(), ["A6-1008"]);
    // Already on the chain.
    let b1 = node.sign("IND01-ADMIN", 0, builders::b1(&node.fixture));
    let committed = post(&router, "/v1/tx", tx_body(&b1)).await;
    assert_eq!(
        (committed.status, committed.error_kind().as_str()),
        (StatusCode::CONFLICT, "already_committed")
    );

    let metrics = get(&router, "/metrics").await;
    assert_eq!(metrics.status, StatusCode::OK);
    assert!(metrics.content_type.starts_with("text/plain"), "{}", metrics.content_type);
    assert!(metrics.text().lines().any(|l| l == "jcm_mempool_txs 2"), "{}", metrics.text());
}

#[tokio::test]
async fn a_rule_violation_is_422_with_its_code_and_explanation() {
    let node = Node::new("rpc-reject");
    let router = node.router();
    // JPN01's administrator has used nonce 0 in block 1 (rejected, but recorded).
    let tx = node.sign("JPN01-ADMIN", 1, status("IND01-H-GOV", AccountStatus::Suspended));
    let answer = post(&router, "/v1/tx", tx_body(&tx)).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", answer.text());
    assert_eq!(answer.error_kind(), "rejected");
    assert_eq!(answer.codes(), ["A6-2006"]);
    let rejection = &answer.json()["error"]["verdict"]["rejections"][0];
    assert_eq!(rejection["mnemonic"], "UNAUTHORIZED_SIGNER");
    assert!(rejection["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert!(node.mempool_is_empty());

    let mut forged = node.sign("IND01-ADMIN", 1, status("IND01-H-GOV", AccountStatus::Active));
    forged.signature = jcm_runtime::crypto::Signature([3; 64]);
    let answer = post(&router, "/v1/tx", tx_body(&forged)).await;
    assert_eq!(
        (answer.status, answer.codes()),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["A6-1006".to_owned()])
    );
}

#[tokio::test]
async fn malformed_requests_are_4xx_json() {
    let node = Node::new("rpc-malformed");
    let router = node.router();
    let cases: Vec<(&str, &str, Vec<u8>, StatusCode, &str)> = vec![
        ("POST", "/v1/tx", br#"{"tx":"zz"}"#.to_vec(), StatusCode::BAD_REQUEST, "malformed_tx"),
        ("POST", "/v1/tx", br#"{"tx":"00ff"}"#.to_vec(), StatusCode::BAD_REQUEST, "malformed_tx"),
        ("POST", "/v1/tx", b"not json".to_vec(), StatusCode::BAD_REQUEST, "malformed_json"),
        (
            "POST",
            "/v1/tx",
            br#"{"tx":"00","tx_json":{}}"#.to_vec(),
            StatusCode::BAD_REQUEST,
            "malformed_json",
        ),
        ("POST", "/v1/tx", br#"{}"#.to_vec(), StatusCode::BAD_REQUEST, "malformed_json"),
        (
            "POST",
            "/v1/tx?wait=forever",
            br#"{"tx":"00"}"#.to_vec(),
            StatusCode::BAD_REQUEST,
            "malformed_query",
        ),
        ("POST", "/v1/tx/dry-run", b"[]".to_vec(), StatusCode::BAD_REQUEST, "malformed_json"),
        ("POST", "/v1/tx", vec![b'a'; 200 * 1024], StatusCode::PAYLOAD_TOO_LARGE, "body_too_large"),
        ("GET", "/v1/tx/1234", Vec::new(), StatusCode::BAD_REQUEST, "malformed_hash"),
        ("GET", "/v1/nonce/xyz", Vec::new(), StatusCode::BAD_REQUEST, "malformed_key"),
        ("GET", "/v1/blocks/abc", Vec::new(), StatusCode::BAD_REQUEST, "malformed_height"),
        ("GET", "/v1/blocks/99", Vec::new(), StatusCode::NOT_FOUND, "not_found"),
        ("GET", "/v1/blocks?from=2&to=1", Vec::new(), StatusCode::BAD_REQUEST, "malformed_query"),
        ("GET", "/v1/blocks?from=x", Vec::new(), StatusCode::BAD_REQUEST, "malformed_query"),
        ("GET", "/v1/accounts/bad%20id/holdings", Vec::new(), StatusCode::BAD_REQUEST, "malformed_account"),
        ("GET", "/v1/accounts/JPN01-NOPE/holdings", Vec::new(), StatusCode::NOT_FOUND, "not_found"),
        ("GET", "/v1/parties/XXX/holdings", Vec::new(), StatusCode::NOT_FOUND, "not_found"),
        ("GET", "/v1/parties/xx/holdings", Vec::new(), StatusCode::BAD_REQUEST, "malformed_party"),
        ("GET", "/v1/units/not-a-unit/history", Vec::new(), StatusCode::BAD_REQUEST, "malformed_unit"),
        (
            "GET",
            "/v1/units/CA0001-JPN01-IND-99999-2025/history",
            Vec::new(),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        ("GET", "/v1/ledger/IND/20x5", Vec::new(), StatusCode::BAD_REQUEST, "malformed_year"),
        ("GET", "/v1/aef/IND/2025?format=xml", Vec::new(), StatusCode::BAD_REQUEST, "malformed_query"),
        ("GET", "/v1/authorizations/AUTH-NONE", Vec::new(), StatusCode::NOT_FOUND, "not_found"),
        ("GET", "/v1/proof?key=zz", Vec::new(), StatusCode::BAD_REQUEST, "malformed_key"),
        ("GET", "/v1/proof", Vec::new(), StatusCode::BAD_REQUEST, "malformed_query"),
        ("GET", "/v1/proof?key=00&height=50", Vec::new(), StatusCode::NOT_FOUND, "not_found"),
        (
            "GET",
            "/v1/accounts/JPN01-H-GOV/events?limit=0",
            Vec::new(),
            StatusCode::BAD_REQUEST,
            "malformed_query",
        ),
        ("GET", "/v1/nowhere", Vec::new(), StatusCode::NOT_FOUND, "not_found"),
        ("DELETE", "/v1/status", Vec::new(), StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
        ("GET", "/ready", Vec::new(), StatusCode::SERVICE_UNAVAILABLE, "not_ready"),
    ];
    for (method, uri, body, status, kind) in cases {
        let body = if body.is_empty() { None } else { Some(body) };
        let answer = call(&router, method, uri, body).await;
        assert_eq!(answer.status, status, "{method} {uri}: {}", answer.text());
        assert!(
            answer.content_type.starts_with("application/json"),
            "{method} {uri}: {}",
            answer.content_type
        );
        assert_eq!(answer.error_kind(), kind, "{method} {uri}");
    }
}

#[tokio::test]
async fn credited_answers_what_of_a_period_the_jcm_issued() {
    let node = Node::new("rpc-credited");
    let router = node.router();
    // B1 issued INJ-001's 2025 monitoring period (N-001, 10,000 units).
    let answer = get(&router, "/v1/projects/INJ-001/credited?from=2025-06-01&to=2026-06-30").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let body = answer.json();
    assert_eq!(body["project"], "INJ-001");
    let jcm = body["jcm"].as_array().expect("a list of JCM issuances");
    assert_eq!(jcm.len(), 1, "{body}");
    assert_eq!((jcm[0]["notification"].as_str(), jcm[0]["quantity"].as_u64()), (Some("N-001"), Some(10_000)));
    assert_eq!(body["elsewhere"], json!([]));
    // The other project of F0 has nothing credited in that period.
    let other = get(&router, "/v1/projects/INJ-002/credited?from=2025-01-01&to=2025-12-31").await.json();
    assert_eq!((other["jcm"].clone(), other["elsewhere"].clone()), (json!([]), json!([])));
    // A period outside the issuance overlaps nothing.
    let later = get(&router, "/v1/projects/INJ-001/credited?from=2026-01-01&to=2026-12-31").await.json();
    assert_eq!(later["jcm"], json!([]));
    for (uri, status, kind) in [
        ("/v1/projects/INJ-404/credited?from=2025-01-01&to=2025-12-31", StatusCode::NOT_FOUND, "not_found"),
        (
            "/v1/projects/INJ-001/credited?from=2025-13-01&to=2025-12-31",
            StatusCode::BAD_REQUEST,
            "malformed_query",
        ),
        (
            "/v1/projects/INJ-001/credited?from=2025-12-31&to=2025-01-01",
            StatusCode::BAD_REQUEST,
            "malformed_query",
        ),
        ("/v1/projects/INJ-001/credited?from=2025-01-01", StatusCode::BAD_REQUEST, "malformed_query"),
        ("/v1/a64/A6.4ER-IND-PACM-IN-0001-2025-17", StatusCode::NOT_FOUND, "not_found"),
        ("/v1/a64/CA0001-JPN01-IND-1-2025", StatusCode::BAD_REQUEST, "malformed_unit"),
    ] {
        let answer = get(&router, uri).await;
        assert_eq!((answer.status, answer.error_kind().as_str()), (status, kind), "{uri}: {}", answer.text());
    }
}

#[tokio::test]
async fn governance_routes_show_proposals_and_the_validator_set() {
    let node = Node::new("rpc-gov");
    let router = node.router();
    assert_eq!(get(&router, "/v1/gov/proposals").await.json(), json!([]));
    // India's designated authority proposes an upgrade; it counts as India's approval.
    let change = GovChange::PlanUpgrade { version: protocol::PROTOCOL_VERSION + 1, height: 500 };
    let propose = node.sign("NDAIAPA", 0, Payload::Propose { change, deadline: 100 });
    node.commit("2026-03-02", vec![propose]);
    let list = get(&router, "/v1/gov/proposals").await.json();
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    let one = get(&router, "/v1/gov/proposals/1").await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.text());
    let one = one.json();
    assert_eq!((one["id"].as_u64(), one["state"].as_str()), (Some(1), Some("open")), "{one}");
    assert_eq!(one["approvals"][0]["party"], "IND", "{one}");
    assert_eq!(one["passes"], false, "Japan's power is still needed: {one}");
    let set = get(&router, "/v1/gov/validators").await.json();
    assert_eq!(set["validators"].as_array().map(Vec::len), Some(2), "{set}");
    assert_eq!((set["scheduled"].clone(), set["upgrade"].clone()), (json!([]), Value::Null), "{set}");
    for (uri, status, kind) in [
        ("/v1/gov/proposals/2", StatusCode::NOT_FOUND, "not_found"),
        ("/v1/gov/proposals/one", StatusCode::BAD_REQUEST, "malformed_proposal"),
    ] {
        let answer = get(&router, uri).await;
        assert_eq!((answer.status, answer.error_kind().as_str()), (status, kind), "{uri}: {}", answer.text());
    }
}

#[tokio::test]
async fn a_body_that_is_no_transaction_is_400_with_a6_1002_and_the_decoders_reason() {
    let node = Node::new("rpc-undecodable");
    let router = node.router();
    let tx = node.sign("IND01-ADMIN", 1, status("IND01-H-GOV", AccountStatus::Active));
    let mut tx_json = serde_json::to_value(&tx).expect("a transaction is JSON");
    let payload = tx_json["body"]["payload"].as_object_mut().expect("the payload is an object");
    payload.insert("colour".into(), json!("green"));
    for uri in ["/v1/tx/dry-run", "/v1/tx"] {
        let answer = post(&router, uri, json!({ "tx_json": tx_json })).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{uri}: {}", answer.text());
        assert_eq!(
            (answer.error_kind().as_str(), answer.codes()),
            ("malformed_tx", vec!["A6-1002".to_owned()])
        );
        let message = answer.json()["error"]["message"].as_str().unwrap_or_default().to_owned();
        assert!(message.contains("unknown field `colour`"), "{uri}: the reason names the field: {message}");
    }
    let mut bytes = tx.encode();
    bytes.truncate(bytes.len() - 1);
    let answer = post(&router, "/v1/tx/dry-run", json!({ "tx": hex::encode(bytes) })).await;
    assert_eq!((answer.status, answer.codes()), (StatusCode::BAD_REQUEST, vec!["A6-1002".to_owned()]));
    assert!(node.mempool_is_empty());
}

#[tokio::test]
async fn random_bodies_never_get_a_5xx() {
    let node = Node::new("rpc-fuzz");
    let router = node.router();
    // A small deterministic generator: the test needs variety, not a crate.
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let valid = node.sign("IND01-ADMIN", 1, status("IND01-H-GOV", AccountStatus::Active)).encode();
    for round in 0..300 {
        let len = (next() % 600) as usize;
        let mut bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        if round % 3 == 0 {
            // A valid transaction with some bytes flipped.
            bytes = valid.clone();
            for _ in 0..(1 + next() % 4) {
                let i = (next() as usize) % bytes.len();
                bytes[i] ^= 1 << (next() % 8);
            }
        }
        let bodies = [json!({ "tx": hex::encode(&bytes) }).to_string().into_bytes(), bytes];
        for (i, body) in bodies.into_iter().enumerate() {
            let uri = if i == 0 && round % 2 == 0 { "/v1/tx/dry-run" } else { "/v1/tx" };
            let answer = call(&router, "POST", uri, Some(body)).await;
            assert!(answer.status.as_u16() < 500, "round {round}: {} {}", answer.status, answer.text());
            if !answer.status.is_success() {
                answer.error_kind();
            }
        }
    }
}

#[tokio::test]
async fn dry_run_explains_without_submitting() {
    let node = Node::new("rpc-dry-run");
    let router = node.router();
    let good = node.sign("IND01-ADMIN", 1, status("IND01-H-GOV", AccountStatus::Active));
    let answer = post(&router, "/v1/tx/dry-run", tx_body(&good)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let body = answer.json();
    assert_eq!(
        (body["accepted"].as_bool(), body["verdict"]["status"].as_str()),
        (Some(true), Some("ACCEPTED"))
    );
    assert!(node.mempool_is_empty(), "nothing submitted");

    let bad = node.sign("JPN01-ADMIN", 1, status("IND01-H-GOV", AccountStatus::Suspended));
    let body = post(&router, "/v1/tx/dry-run", json!({ "tx_json": bad })).await.json();
    assert_eq!(body["accepted"], false);
    let rejection = &body["verdict"]["rejections"][0];
    assert_eq!((rejection["code"].as_str(), rejection["rule"].as_str()), (Some("A6-2006"), Some("R10")));
    assert!(rejection["rule_text"].as_str().is_some_and(|t| !t.is_empty()));
}

#[tokio::test]
async fn status_blocks_and_committed_transactions() {
    let node = Node::new("rpc-blocks");
    let router = node.router();
    let status = get(&router, "/v1/status").await.json();
    let head = chain::header(&node.shared.db.read(), 2).expect("head");
    assert_eq!(status["chain_id"], node.fixture.genesis.chain_id.as_str());
    assert_eq!(status["height"], 2);
    assert_eq!(status["block_hash"], head.hash().to_hex());
    assert_eq!(status["state_root"], head.state_root.to_hex());
    assert_eq!(status["genesis_hash"], node.fixture.genesis.hash().to_hex());
    assert_eq!(status["mempool"]["txs"], 0);

    let one = get(&router, "/v1/blocks/1").await.json();
    assert_eq!(one["height"], 1);
    assert_eq!(
        one["header"]["previous_block_hash"],
        chain::header(&node.shared.db.read(), 0).expect("genesis").hash().to_hex()
    );
    assert_eq!(one["txs"].as_array().map(Vec::len), Some(2));
    assert_eq!(one["results"][0]["verdict"]["status"], "ACCEPTED");
    assert_eq!(one["results"][1]["verdict"]["rejections"][0]["code"], "A6-2006");
    assert_eq!(one["last_commit"], Value::Null);
    assert_eq!(get(&router, "/v1/blocks/2").await.json()["last_commit"]["height"], 1);

    // page_items_max is 2 in these tests.
    let page = get(&router, "/v1/blocks?from=0&to=2").await.json();
    let heights: Vec<u64> =
        page["blocks"].as_array().expect("blocks").iter().filter_map(|b| b["height"].as_u64()).collect();
    assert_eq!((heights, page["next"].as_u64()), (vec![0, 1], Some(2)));
    let latest = get(&router, "/v1/blocks").await.json();
    assert_eq!((latest["from"].as_u64(), latest["to"].as_u64()), (Some(1), Some(2)));

    let raw = get(&router, "/v1/blocks/2/raw").await.json();
    let block =
        Block::decode(&hex::decode(raw["block"].as_str().expect("hex")).expect("hex")).expect("a block");
    assert_eq!(block.header, head);
    let commit: CommitCertificate =
        codec::decode(&hex::decode(raw["commit"].as_str().expect("hex")).expect("hex"), 1 << 16)
            .expect("a commit");
    commit.verify(&node.shared.chain_id, &node.validators).expect("the certificate verifies");
    assert_eq!(commit.value, head.value_id());
    assert_eq!(get(&router, "/v1/blocks/0/raw").await.json()["commit"], Value::Null);

    let rejected = &block_tx(&node, 1, 1);
    let answer = get(&router, &format!("/v1/tx/{}", rejected.hash())).await.json();
    assert_eq!(
        (answer["status"].as_str(), answer["height"].as_u64(), answer["position"].as_u64()),
        (Some("committed"), Some(1), Some(1))
    );
    assert_eq!(answer["verdict"]["status"], "REJECTED");
    assert_eq!(answer["tx"]["body"]["nonce"], 0);
    assert_eq!(get(&router, &format!("/v1/tx/{}", Hash32([9; 32]))).await.status, StatusCode::NOT_FOUND);

    let genesis = get(&router, "/v1/genesis").await;
    let parsed = jcm_runtime::protocol::Genesis::from_json(&genesis.text()).expect("genesis JSON");
    assert_eq!(parsed.hash(), node.fixture.genesis.hash());

    let health = get(&router, "/health").await;
    assert_eq!((health.status, health.json()["height"].as_u64()), (StatusCode::OK, Some(2)));
    *node.shared.ready.write() = true;
    assert_eq!(get(&router, "/ready").await.status, StatusCode::OK);
}

fn block_tx(node: &Node, height: u64, position: usize) -> Transaction {
    chain::stored_block(&node.shared.db.read(), height).expect("block").txs[position].clone()
}

#[tokio::test]
async fn registry_read_models() {
    let node = Node::new("rpc-reads");
    let router = node.router();
    let gov = get(&router, "/v1/accounts/JPN01-H-GOV/holdings").await.json();
    assert_eq!(gov["quantity"], 4000);
    let japan = get(&router, "/v1/parties/JPN/holdings").await.json();
    assert_eq!(japan["party"], "JPN");
    let history = get(&router, "/v1/units/CA0001-JPN01-IND-500-2025/history").await.json();
    assert_eq!(history["current"]["attrs"]["account"], "JPN01-USE-NDC");
    assert_eq!(history["events"].as_array().map(Vec::len), Some(4));
    let auth = get(&router, "/v1/authorizations/AUTH-IND-001").await.json();
    assert!(auth["versions"].as_array().is_some_and(|v| !v.is_empty()), "{auth}");

    let ledger = get(&router, "/v1/ledger/IND").await.json();
    assert_eq!(ledger["years"][0], json!({ "year": 2025, "additions": 7000, "subtractions": 0 }));
    let year = get(&router, "/v1/ledger/JPN/2030").await.json();
    assert_eq!(year["totals"]["subtractions"], 1000);
    assert_eq!(year["entries"][0]["delta"], -1000);

    let csv = get(&router, "/v1/aef/IND/2025?format=csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.content_type.starts_with("text/csv"), "{}", csv.content_type);
    assert!(csv.text().contains("Table 3"), "{}", csv.text());
    let json = get(&router, "/v1/aef/IND/2025").await.json();
    assert_eq!(json["tables"].as_array().map(Vec::len), Some(5));
}

#[tokio::test]
async fn events_page_through_the_index() {
    let node = Node::new("rpc-events");
    let router = node.router();
    let all = get(&router, "/v1/parties/JPN/events").await.json();
    // page_items_max is 2: walk the pages and compare with the log read directly.
    let mut seen = Vec::new();
    let mut uri = "/v1/accounts/JPN01-H-GOV/events?limit=1".to_owned();
    loop {
        let page = get(&router, &uri).await.json();
        let events = page["events"].as_array().expect("events").clone();
        seen.extend(events.iter().filter_map(|e| e["seq"].as_u64()));
        match page["next_after"].as_u64() {
            Some(after) => uri = format!("/v1/accounts/JPN01-H-GOV/events?limit=1&after={after}"),
            None => break,
        }
    }
    let account = "JPN01-H-GOV".parse().expect("account");
    let expected: Vec<u64> = node
        .shared
        .db
        .read()
        .index_scan(&jcm_node::index::account_prefix(&account), 1_000)
        .expect("scan")
        .iter()
        .filter_map(|(k, _)| jcm_node::index::event_seq_of(k))
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(seen, expected);
    let party_page = all["events"].as_array().map_or(0, Vec::len);
    assert!((1..=2).contains(&party_page), "one page of at most page_items_max: {all}");
    let far = get(&router, "/v1/parties/JPN/events?after=1000000").await.json();
    assert_eq!((far["events"].as_array().map(Vec::len), far["next_after"].clone()), (Some(0), Value::Null));
}

#[tokio::test]
async fn proofs_verify_against_the_header_root() {
    let node = Node::new("rpc-proof");
    let router = node.router();
    let signer = node.fixture.key("IND01-ADMIN").expect("key").public();
    let key = keys::nonce(&signer);
    let answer = get(&router, &format!("/v1/proof?key={}", hex::encode(&key))).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let body = answer.json();
    let head = chain::header(&node.shared.db.read(), 2).expect("head");
    assert_eq!(body["state_root"], head.state_root.to_hex());
    assert_eq!(body["header_hash"], head.hash().to_hex());
    let value = hex::decode(body["value"].as_str().expect("value")).expect("hex");
    assert_eq!(value, codec::encode(&1u64));
    let proof =
        merkle::Proof::from_bytes(&hex::decode(body["proof_bytes"].as_str().expect("hex")).expect("hex"))
            .expect("a proof");
    merkle::verify(&head.state_root, &key, Some(&value), &proof).expect("the proof verifies");
    let from_json: merkle::Proof = serde_json::from_value(body["proof"].clone()).expect("proof JSON");
    assert_eq!(from_json, proof);

    // At height 1, against that header's root.
    let old = get(&router, &format!("/v1/proof?key={}&height=1", hex::encode(&key))).await.json();
    let root1 = chain::header(&node.shared.db.read(), 1).expect("header 1").state_root;
    assert_eq!(
        (old["state_root"].as_str(), old["value"].as_str()),
        (Some(root1.to_hex().as_str()), Some(hex::encode(codec::encode(&1u64)).as_str())),
        "the value the key held at height 1"
    );
    let proof: merkle::Proof = serde_json::from_value(old["proof"].clone()).expect("proof");
    merkle::verify(&root1, &key, Some(&codec::encode(&1u64)), &proof).expect("verifies at height 1");

    // An absent key.
    let absent = get(&router, "/v1/proof?key=00ff00").await.json();
    assert_eq!((absent["present"].as_bool(), absent["value"].clone()), (Some(false), Value::Null));
    let proof: merkle::Proof = serde_json::from_value(absent["proof"].clone()).expect("proof");
    merkle::verify(&head.state_root, &[0, 0xff, 0], None, &proof).expect("absence verifies");
}

#[tokio::test]
async fn wait_for_commit_answers_with_the_verdict() {
    let node = Arc::new(Node::new("rpc-wait"));
    let router = node.router();
    let tx = node.sign("IND01-ADMIN", 1, status("IND01-H-GOV", AccountStatus::Active));
    let waiter = {
        let router = router.clone();
        let body = tx_body(&tx);
        tokio::spawn(async move { post(&router, "/v1/tx?wait=commit&timeout_ms=4000", body).await })
    };
    // A proposer's part: reap the transaction once it is pending, commit it.
    let mut reaped = Vec::new();
    for _ in 0..200 {
        reaped = node.engine.lock().mempool().reap(100, usize::MAX);
        if !reaped.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(reaped, std::slice::from_ref(&tx));
    let committer = Arc::clone(&node);
    tokio::task::spawn_blocking(move || committer.commit("2026-03-02", reaped)).await.expect("commit");
    let answer = waiter.await.expect("the waiter");
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let body = answer.json();
    assert_eq!(
        (body["status"].as_str(), body["height"].as_u64(), body["position"].as_u64()),
        (Some("committed"), Some(3), Some(0))
    );
    assert_eq!(body["verdict"]["status"], "ACCEPTED");
    assert!(node.mempool_is_empty(), "update removed it");

    // Nothing commits it: the wait ends with "pending".
    let next = node.sign("IND01-ADMIN", 2, status("IND01-H-GOV", AccountStatus::Active));
    let answer = post(&router, "/v1/tx?wait=commit&timeout_ms=50", tx_body(&next)).await;
    assert_eq!((answer.status, answer.json()["status"].as_str()), (StatusCode::ACCEPTED, Some("pending")));
}

#[tokio::test]
async fn serve_binds_answers_and_shuts_down() {
    let node = Node::new("rpc-serve");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let shutdown = async move {
        let _ = stopped.await;
    };
    let (address, task) =
        rpc::serve(Arc::clone(&node.shared), node.config.clone(), shutdown).await.expect("bind");
    assert!(address.ip().is_loopback() && address.port() != 0);

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(address).await.expect("connect");
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
        .await
        .expect("write");
    let mut reply = String::new();
    stream.read_to_string(&mut reply).await.expect("read");
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(reply.contains("\"status\":\"ok\""), "{reply}");

    let taken = RpcConfig { listen_address: address, ..node.config.clone() };
    match rpc::serve(Arc::clone(&node.shared), taken, std::future::pending()).await {
        Err(error @ RpcError::Bind { .. }) => {
            assert!(error.to_string().contains(&address.to_string()), "{error}")
        }
        Ok(_) => panic!("bound an address in use"),
    }

    stop.send(()).expect("the server waits for shutdown");
    tokio::time::timeout(Duration::from_secs(5), task).await.expect("stops in time").expect("no panic");
}

/// Two conflicting precommits of `signer` at `height`.
fn equivocation(signer: &str, chain_id: &ChainId, height: u64) -> jcm_runtime::protocol::Evidence {
    use jcm_consensus::{KeySigner, Signer as _, ValidatorKey, ValueId, Vote, VoteKind};
    let mut key = KeySigner::from_secret(&SecretKey::dev(signer).seed());
    let validator: ValidatorKey = key.public_key();
    let vote = |value| Vote {
        chain_id: chain_id.clone(),
        height,
        round: 0,
        kind: VoteKind::Precommit,
        value,
        validator,
    };
    let a = key.sign_vote(&vote(Some(ValueId([1; 32])))).expect("signs");
    let b = key.sign_vote(&vote(None)).expect("signs");
    jcm_runtime::protocol::Evidence::new(a, b).expect("conflicting votes")
}

#[tokio::test]
async fn recorded_evidence_is_served_with_both_votes() {
    let node = Node::new("evidence");
    let router = node.router();
    let empty = get(&router, "/v1/evidence").await.json();
    assert_eq!(empty["evidence"], json!([]), "{empty}");
    // India's validator reports Japan's two precommits at height 1, with its consensus key.
    let evidence = equivocation("validator-jpn", &node.shared.chain_id, 1);
    let reporter = SecretKey::dev("validator-ind");
    let report = Transaction::sign(
        node.fixture.genesis.chain_id.as_str(),
        &reporter,
        0,
        Payload::ReportEvidence { evidence: evidence.clone() },
    );
    node.commit("2026-03-02", vec![report]);
    let answer = get(&router, "/v1/evidence").await.json();
    let records = answer["evidence"].as_array().expect("a list");
    assert_eq!(records.len(), 1, "{answer}");
    let record = &records[0];
    assert_eq!(record["name"], "validator-jpn", "{record}");
    assert_eq!((record["vote_height"].as_u64(), record["kind"].as_str()), (Some(1), Some("precommit")));
    // Canonical order: the smaller vote (nil) first.
    assert_eq!(record["values"], json!([null, hex::encode([1u8; 32])]), "{record}");
    assert_eq!(record["reporter"], reporter.public().to_hex(), "{record}");
    assert_eq!(record["height"].as_u64(), Some(3), "recorded in block 3: {record}");
    assert_eq!(record["hash"], json!(evidence.hash()), "{record}");
}

#[tokio::test]
async fn the_validator_set_is_served_at_any_committed_height() {
    use jcm_runtime::protocol::ValidatorChange;
    let node = Node::new("rpc-sets");
    let router = node.router();
    // India proposes Japan's validator's power 3 from height 7; Japan approves (both are
    // needed: one power each).
    let key = SecretKey::dev("validator-jpn").public();
    let change = GovChange::ChangeValidators {
        change: ValidatorChange::SetPower { key, power: 3 },
        effective_height: 7,
    };
    node.commit("2026-03-02", vec![node.sign("NDAIAPA", 0, Payload::Propose { change, deadline: 5 })]);
    node.commit("2026-03-03", vec![node.sign("MOEJ", 1, Payload::ApproveProposal { proposal: 1 })]);
    for day in 4..=8 {
        // Heights 5..=9: the change takes effect at 7, and the blocks from there are
        // certified by the new set.
        node.commit(&format!("2026-03-0{day}"), Vec::new());
    }
    let powers = |answer: &Value| -> Vec<(String, u64)> {
        let list = answer["validators"].as_array().cloned().unwrap_or_default();
        list.iter()
            .map(|v| (v["name"].as_str().unwrap_or("?").to_owned(), v["power"].as_u64().unwrap_or(0)))
            .collect()
    };
    let expect = |jpn: u64| vec![("validator-ind".to_owned(), 1), ("validator-jpn".to_owned(), jpn)];
    for (height, jpn) in [(0, 1), (6, 1), (7, 3), (9, 3)] {
        let answer = get(&router, &format!("/v1/gov/validators?height={height}")).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
        let answer = answer.json();
        assert_eq!((answer["height"].as_u64(), powers(&answer)), (Some(height), expect(jpn)), "{answer}");
    }
    assert_eq!(powers(&get(&router, "/v1/gov/validators").await.json()), expect(3));
    for (uri, status, kind) in [
        ("/v1/gov/validators?height=99", StatusCode::NOT_FOUND, "not_found"),
        ("/v1/gov/validators?height=seven", StatusCode::BAD_REQUEST, "malformed_query"),
    ] {
        let answer = get(&router, uri).await;
        assert_eq!((answer.status, answer.error_kind().as_str()), (status, kind), "{uri}: {}", answer.text());
    }
}

#[tokio::test]
async fn the_openapi_document_is_served_and_names_only_routes_that_exist() {
    let node = Node::new("rpc-openapi");
    let router = node.router();
    let served = get(&router, "/v1/openapi.json").await;
    assert_eq!((served.status, served.content_type.as_str()), (StatusCode::OK, "application/json"));
    assert_eq!(served.text(), jcm_api::openapi::document_json(), "the node serves the contract's document");
    for route in jcm_api::openapi::ROUTES {
        // Every path parameter is `1`: the handler may refuse it (400, 404), but the
        // router must know the route.
        let path: String = route
            .path
            .split('/')
            .map(|s| if s.starts_with('{') { "1" } else { s })
            .collect::<Vec<_>>()
            .join("/");
        let answer =
            if route.post { post(&router, &path, json!({})).await } else { get(&router, &path).await };
        assert_ne!(answer.status, StatusCode::METHOD_NOT_ALLOWED, "{path}");
        if answer.status == StatusCode::NOT_FOUND {
            let body = answer.json();
            let message = body["error"]["message"].as_str().unwrap_or_default().to_owned();
            assert!(
                !message.starts_with("no route"),
                "the document names {path}, which the node does not serve"
            );
        }
    }
    let unknown = get(&router, "/v1/no-such-route").await;
    assert_eq!(unknown.error_kind(), "not_found", "the check above can tell a missing route");
    assert!(unknown.json()["error"]["message"].as_str().is_some_and(|m| m.starts_with("no route")));
}

#[tokio::test]
async fn reads_answer_as_of_any_committed_height() {
    let node = Node::new("rpc-history");
    let router = node.router();
    // Block 1 issues to JPN01-H-GOV; block 2 uses 1,000 of those units for Japan's NDC.
    let gov = |h: u64| format!("/v1/accounts/JPN01-H-GOV/holdings?height={h}");
    let quantities = [
        get(&router, &gov(0)).await.json()["quantity"].clone(),
        get(&router, &gov(1)).await.json()["quantity"].clone(),
        get(&router, &gov(2)).await.json()["quantity"].clone(),
    ];
    assert_eq!(quantities, [json!(0), json!(5000), json!(4000)]);
    assert_eq!(
        get(&router, "/v1/accounts/JPN01-H-GOV/holdings").await.json(),
        get(&router, &gov(2)).await.json(),
        "no height is the last"
    );
    let used = |h: u64| format!("/v1/ledger/JPN/2030?height={h}");
    assert_eq!(get(&router, &used(1)).await.json()["totals"]["subtractions"], 0);
    assert_eq!(get(&router, &used(2)).await.json()["totals"]["subtractions"], 1000);

    let unit = "/v1/units/CA0001-JPN01-IND-500-2025/history";
    let at1 = get(&router, &format!("{unit}?height=1")).await.json();
    assert_eq!(at1["current"]["attrs"]["account"], "JPN01-H-GOV", "{at1}");
    let at2 = get(&router, &format!("{unit}?height=2")).await.json();
    assert_eq!(at2["current"]["attrs"]["account"], "JPN01-USE-NDC");
    assert_eq!(
        get(&router, &format!("{unit}?height=0")).await.status,
        StatusCode::NOT_FOUND,
        "not issued yet"
    );

    let aef1 = get(&router, "/v1/aef/JPN/2030?format=csv&height=1").await.text();
    let aef2 = get(&router, "/v1/aef/JPN/2030?format=csv&height=2").await.text();
    assert_ne!(aef1, aef2, "the use shows in the AEF from height 2 only");

    // The proof at height 1 carries the value the key held then.
    let signer = node.fixture.key("MOEJ").expect("key").public();
    let key = hex::encode(keys::nonce(&signer));
    let proof1 = get(&router, &format!("/v1/proof?key={key}&height=1")).await.json();
    assert_eq!(proof1["present"], false, "MOEJ signs first in block 2");
    let proof2 = get(&router, &format!("/v1/proof?key={key}&height=2")).await.json();
    assert_eq!(proof2["value"], hex::encode(codec::encode(&1u64)));

    for (uri, status) in [
        ("/v1/accounts/JPN01-H-GOV/holdings?height=3", StatusCode::NOT_FOUND),
        ("/v1/parties/JPN/holdings?height=x", StatusCode::BAD_REQUEST),
        ("/v1/ledger/JPN?height=1&color=red", StatusCode::BAD_REQUEST),
        ("/v1/authorizations/AUTH-IND-001?height=99", StatusCode::NOT_FOUND),
    ] {
        let answer = get(&router, uri).await;
        assert_eq!(answer.status, status, "{uri}: {}", answer.text());
        assert!(answer.json()["error"]["message"].is_string(), "{uri}");
    }
    let missing = get(&router, "/v1/accounts/JPN01-H-GOV/holdings?height=3").await.json();
    assert_eq!(missing["error"]["message"], "height 3 is not committed; the last is 2");
}

#[tokio::test]
async fn unit_proofs_are_assembled_at_any_height_and_verify_against_the_genesis_bytes() {
    let node = Node::new("rpc-unit-proof");
    let router = node.router();
    // The genesis bytes are what the proofs name: a light client hashes them itself.
    let raw = get(&router, "/v1/genesis/raw").await.json();
    let bytes = hex::decode(raw["genesis"].as_str().expect("hex")).expect("hex");
    let genesis: protocol::Genesis = codec::decode(&bytes, bytes.len()).expect("canonical genesis");
    assert_eq!(genesis, node.fixture.genesis);
    assert_eq!(raw["hash"], codec::sha256(&bytes).to_string());

    let unit = "CA0001-JPN01-IND-500-2025";
    let proof_at = |height: Option<u64>| {
        let at = height.map(|h| format!("?height={h}")).unwrap_or_default();
        format!("/v1/units/{unit}/proof{at}")
    };
    let mut events = Vec::new();
    for (height, holder) in [(Some(1), "JPN01-H-GOV"), (Some(2), "JPN01-USE-NDC"), (None, "JPN01-USE-NDC")] {
        let answer = get(&router, &proof_at(height)).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
        let file: jcm_proof::UnitProof = serde_json::from_value(answer.json()).expect("a proof file");
        assert_eq!(file.format, jcm_proof::FORMAT);
        let verified = jcm_proof::verify_proof(&file, &genesis).expect("verifies offline");
        assert_eq!(verified.height, height.unwrap_or(2));
        assert_eq!(verified.current.attrs.account.as_str(), holder, "at {height:?}");
        events.push(verified.events.iter().map(|e| e.seq).collect::<Vec<_>>());
    }
    assert!(events[1].starts_with(&events[0]) && events[1].len() > events[0].len(), "{events:?}");
    assert_eq!(events[1], events[2], "no height is the last");

    for (uri, status, kind) in [
        (proof_at(Some(0)), StatusCode::BAD_REQUEST, "malformed_query"),
        (proof_at(Some(3)), StatusCode::NOT_FOUND, "not_found"),
        ("/v1/units/CA0001-JPN01-IND-99999-2025/proof".to_string(), StatusCode::NOT_FOUND, "not_found"),
        ("/v1/units/not-a-unit/proof".to_string(), StatusCode::BAD_REQUEST, "malformed_unit"),
        (format!("{}?height=x", proof_at(None)), StatusCode::BAD_REQUEST, "malformed_query"),
    ] {
        let answer = get(&router, &uri).await;
        assert_eq!(
            (answer.status, answer.error_kind()),
            (status, kind.to_string()),
            "{uri}: {}",
            answer.text()
        );
    }
}
