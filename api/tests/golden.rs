//! Golden JSON of the RPC contract: each answer the node builds, as the bytes a client
//! receives, pinned in `tests/golden/`. A renamed, retyped or dropped field fails here,
//! and so does an answer the client cannot read back into the same value. After a
//! deliberate change, `JCM_BLESS=1 cargo test -p jcm-api` rewrites the files; the diff is
//! the change to review (and to announce to the registries' own clients).

use std::path::PathBuf;

use jcm_api::chain::{BlockView, BlocksPage, Health, MempoolLoad, RawBlock, Ready, Status};
use jcm_api::error::{ErrorBody, ErrorDetail, VerdictView};
use jcm_api::tx::{DryRun, Nonce, TxRequest, TxStatus};
use jcm_runtime::codec::Hash32;
use jcm_runtime::crypto::SecretKey;
use jcm_runtime::error::{Code, Rejection};
use jcm_runtime::ids::{AccountId, CaId};
use jcm_runtime::model::Text;
use jcm_runtime::protocol::{
    Block, ChainId, CommitCertificate, CommitSignature, Header, Payload, Signature, Transaction, TxResult,
    UnitsSpec, ValidatorKey, ValueId,
};
use jcm_runtime::time::Timestamp;
use jcm_runtime::verdict::Verdict;
use serde::de::DeserializeOwned;
use serde::Serialize;

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// Compares `value`'s JSON with `tests/golden/{name}.json` (or rewrites it under
/// `JCM_BLESS=1`), then reads the file back and expects `value` again.
fn check<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(name: &str, value: &T) {
    let path = golden_dir().join(format!("{name}.json"));
    let mut text = serde_json::to_string_pretty(value).expect("serializes");
    text.push('\n');
    if std::env::var_os("JCM_BLESS").is_some() {
        std::fs::write(&path, &text).expect("write the golden file");
    }
    let golden = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (JCM_BLESS=1 writes it)", path.display()));
    assert_eq!(
        text, golden,
        "the JSON of {name} changed; JCM_BLESS=1 rewrites tests/golden after a deliberate change"
    );
    let back: T =
        serde_json::from_str(&golden).unwrap_or_else(|e| panic!("{name}: a client cannot read it: {e}"));
    assert_eq!(&back, value, "{name} does not read back into the value it was written from");
}

fn transfer() -> Transaction {
    let payload = Payload::TransferInternal {
        ca: CaId::new("CA0001").expect("valid"),
        from: AccountId::new("JPN01-H-EJP1").expect("valid"),
        to: AccountId::new("JPN01-H-GOV").expect("valid"),
        units: UnitsSpec {
            first: Some(Text::new("CA0001-JPN01-IND-5001-2025").expect("short")),
            last: Some(Text::new("CA0001-JPN01-IND-5500-2025").expect("short")),
            quantity: 500,
            ..UnitsSpec::default()
        },
    };
    Transaction::sign("jcm-golden", &SecretKey::dev("E-JP-1"), 7, payload)
}

fn rejected() -> Verdict {
    Verdict::rejected(vec![Rejection {
        code: Code::InvalidMessage,
        message: "`units.quantity` is zero".to_owned(),
    }])
}

fn hash(byte: u8) -> Hash32 {
    Hash32([byte; 32])
}

fn time() -> Timestamp {
    Timestamp::parse("2026-04-01").expect("a day")
}

fn block() -> (Block, Vec<TxResult>, CommitCertificate) {
    let tx = transfer();
    let header = Header {
        chain_id: ChainId::new("jcm-golden").expect("valid"),
        protocol_version: 1,
        height: 12,
        time: time(),
        previous_block_hash: hash(1),
        proposer: ValidatorKey([2; 32]),
        txs_root: hash(3),
        results_root: hash(4),
        state_root: hash(5),
        validators_hash: hash(6),
        last_commit_hash: hash(7),
    };
    let commit = |height| CommitCertificate {
        height,
        round: 0,
        value: ValueId([8; 32]),
        signatures: vec![CommitSignature { validator: ValidatorKey([2; 32]), signature: Signature([9; 64]) }],
    };
    let results = vec![TxResult { tx: tx.hash(), verdict: Verdict::accepted(Vec::new()) }];
    (Block { header, txs: vec![tx], last_commit: Some(commit(11)) }, results, commit(12))
}

#[test]
fn a_verdict_names_each_failed_rule_with_its_code_rule_and_meaning() {
    let view = VerdictView::from(&rejected());
    assert_eq!((view.codes(), view.is_accepted()), (vec!["A6-1002"], false));
    check("verdict_rejected", &view);
}

#[test]
fn an_error_carries_its_kind_codes_and_verdict() {
    let rejected = ErrorBody {
        error: ErrorDetail {
            kind: "rejected".to_owned(),
            message: "the transaction breaks a rule".to_owned(),
            codes: vec!["A6-1002".to_owned()],
            verdict: Some(VerdictView::from(&rejected())),
        },
    };
    check("error_rejected", &rejected);
    let plain = ErrorBody {
        error: ErrorDetail {
            kind: "not_found".to_owned(),
            message: "account JPN01-H-X does not exist".to_owned(),
            codes: Vec::new(),
            verdict: None,
        },
    };
    check("error_not_found", &plain);
}

#[test]
fn transaction_answers_are_pinned() {
    let tx = transfer();
    check("tx_request", &TxRequest::hex(&tx.encode()));
    check("tx_pending", &TxStatus::pending(tx.hash()));
    let verdict = VerdictView::from(&Verdict::accepted(Vec::new()));
    check("tx_committed", &TxStatus::committed(tx.hash(), 12, 0, verdict.clone()));
    let with_tx = TxStatus { tx: Some(tx.clone()), ..TxStatus::committed(tx.hash(), 12, 0, verdict.clone()) };
    check("tx_status", &with_tx);
    check("dry_run", &DryRun { hash: tx.hash(), accepted: true, height: 13, verdict });
    check("nonce", &Nonce { signer: tx.body.signer, state_nonce: 7, next_nonce: 9, pending: 2 });
}

#[test]
fn block_answers_are_pinned() {
    let (block, results, commit) = block();
    let view = BlockView::new(&block, Some(&results), Some(&commit));
    assert_eq!(view.hash, block.hash());
    check("block", &view);
    check(
        "blocks_page",
        &BlocksPage { from: 12, to: 12, last_height: 20, next: Some(13), blocks: vec![view] },
    );
    check("raw_block", &RawBlock { height: 12, block: "00ff".to_owned(), commit: None });
}

#[test]
fn operator_answers_are_pinned() {
    let status = Status {
        chain_id: "jcm-golden".to_owned(),
        genesis_hash: hash(1),
        moniker: "jpn-1".to_owned(),
        node_id: "12D3KooWExample".to_owned(),
        validator: Some(ValidatorKey([2; 32]).to_string()),
        height: 12,
        block_hash: hash(2),
        block_time: time(),
        state_root: hash(3),
        round: 0,
        peers: vec!["12D3KooWPeer".to_owned()],
        best_known_height: 12,
        catching_up: false,
        ready: true,
        mempool: MempoolLoad { txs: 3, bytes: 1200 },
    };
    check("status", &status);
    check("health", &Health { status: "ok".to_owned(), height: 12 });
    check("ready", &Ready { ready: true });
}
