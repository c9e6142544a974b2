//! JSON views of the chain's binary types: hashes and keys as lowercase hex, times as
//! ISO 8601 UTC, every rejection with its code, mnemonic, rule and explanation.

use jcm_runtime::error::Rejection;
use jcm_runtime::protocol::{Block, CommitCertificate, Header, TxResult};
use jcm_runtime::verdict::Verdict;
use serde_json::{json, Value};

/// One failed check.
pub fn rejection_json(r: &Rejection) -> Value {
    json!({
        "code": r.code.to_string(),
        "mnemonic": r.code.mnemonic(),
        "rule": r.code.rule(),
        "rule_text": r.code.meaning(),
        "message": r.message,
    })
}

/// A verdict: status, rejections, warnings and, for a duplicate, the original.
pub fn verdict_json(v: &Verdict) -> Value {
    let mut out = json!({
        "status": v.status,
        "rejections": v.rejections.iter().map(rejection_json).collect::<Vec<_>>(),
        "warnings": v.warnings.iter().map(rejection_json).collect::<Vec<_>>(),
    });
    if let Some(original) = &v.original {
        out["original"] = json!(original);
    }
    out
}

/// A header, every field.
pub fn header_json(h: &Header) -> Value {
    json!({
        "chain_id": h.chain_id.as_str(),
        "protocol_version": h.protocol_version,
        "height": h.height,
        "time": h.time,
        "previous_block_hash": h.previous_block_hash,
        "proposer": h.proposer.to_string(),
        "txs_root": h.txs_root,
        "results_root": h.results_root,
        "state_root": h.state_root,
        "validators_hash": h.validators_hash,
        "last_commit_hash": h.last_commit_hash,
    })
}

/// A commit certificate.
pub fn commit_json(c: &CommitCertificate) -> Value {
    let signatures: Vec<Value> = c
        .signatures
        .iter()
        .map(|s| json!({ "validator": s.validator.to_string(), "signature": hex::encode(s.signature.0) }))
        .collect();
    json!({ "height": c.height, "round": c.round, "value": hex::encode(c.value.0), "signatures": signatures })
}

/// A committed block with its results and its own commit certificate.
pub fn block_json(block: &Block, results: Option<&[TxResult]>, commit: Option<&CommitCertificate>) -> Value {
    let txs: Vec<Value> = block.txs.iter().map(|tx| json!({ "hash": tx.hash(), "tx": tx })).collect();
    let results: Option<Vec<Value>> = results.map(|results| {
        results.iter().map(|r| json!({ "tx": r.tx, "verdict": verdict_json(&r.verdict) })).collect()
    });
    json!({
        "height": block.header.height,
        "hash": block.hash(),
        "header": header_json(&block.header),
        "txs": txs,
        "results": results,
        "last_commit": block.last_commit.as_ref().map(commit_json),
        "commit": commit.map(commit_json),
    })
}
