//! Transactions: submit (optionally waiting for the commit), dry-run, status, nonce.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use jcm_runtime::block::TxResult;
use jcm_runtime::codec::Hash32;
use jcm_runtime::crypto::PublicKey;
use jcm_runtime::state::StateExt;
use jcm_runtime::time::Timestamp;
use jcm_runtime::tx::{BlockContext, Transaction};
use serde::Deserialize;
use serde_json::{json, Value};

use super::views::verdict_json;
use super::{Api, ApiError};
use crate::chain;
use crate::index::TxLocation;
use crate::shared::ToDriver;
use crate::store::Db;

/// Longest wait for a commit when the request names none, ms.
pub const COMMIT_WAIT_MS_DEFAULT: u64 = 10_000;

/// The body of a submit or dry run: the canonical bytes as hex, or the JSON form.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TxBody {
    #[serde(default)]
    tx: Option<String>,
    #[serde(default)]
    tx_json: Option<Transaction>,
}

/// `?wait=commit&timeout_ms=`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SubmitQuery {
    #[serde(default)]
    wait: Option<String>,
    #[serde(default)]
    timeout_ms: Option<u64>,
}

/// Decodes a request body into a transaction (400 on anything malformed).
fn parse_tx(body: Result<Bytes, BytesRejection>) -> Result<Transaction, ApiError> {
    let body = body?;
    let request: TxBody = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(
            "malformed_json",
            format!("the body is not {{\"tx\": hex}} or {{\"tx_json\": ...}}: {e}"),
        )
    })?;
    match (request.tx, request.tx_json) {
        (Some(hex), None) => {
            let bytes = hex::decode(hex.trim())
                .map_err(|e| ApiError::bad_request("malformed_tx", format!("`tx` is not hex: {e}")))?;
            Transaction::decode(&bytes)
                .map_err(|e| ApiError::bad_request("malformed_tx", format!("`tx` is not a transaction: {e}")))
        }
        (None, Some(tx)) => Ok(tx),
        _ => Err(ApiError::bad_request("malformed_json", "give exactly one of `tx` (hex) and `tx_json`")),
    }
}

/// The system clock in whole seconds.
fn now() -> Timestamp {
    Timestamp(SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()))
}

/// The context of the next block: the height after the last committed one, now.
fn next_block(db: &Db) -> Result<BlockContext, ApiError> {
    let last = db.last_committed().ok_or_else(|| ApiError::internal("the store holds no committed block"))?;
    Ok(BlockContext { height: last.height.saturating_add(1), time: now() })
}

fn parse_hash(text: &str) -> Result<Hash32, ApiError> {
    Hash32::from_hex(text).map_err(|e| ApiError::bad_request("malformed_hash", e))
}

/// `POST /v1/tx`.
pub(super) async fn submit(
    State(api): State<Api>,
    query: Result<Query<SubmitQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query?;
    let wait = match query.wait.as_deref() {
        None => None,
        Some("commit") => {
            let ms = query.timeout_ms.unwrap_or(COMMIT_WAIT_MS_DEFAULT);
            Some(Duration::from_millis(ms).min(api.request_timeout.saturating_sub(Duration::from_millis(50))))
        }
        Some(other) => {
            return Err(ApiError::bad_request(
                "malformed_query",
                format!("wait={other}: the only wait is `commit`"),
            ))
        }
    };
    let tx = parse_tx(body)?;
    let bytes = tx.encode();
    let mut committed = api.shared.committed.subscribe();
    let hash = api
        .read(move |shared, db| {
            let ctx = next_block(db)?;
            let mut pool = shared.mempool.lock();
            let hash = pool.admit(db.state(), &ctx, tx)?;
            shared.metrics.set_mempool(pool.len(), pool.bytes());
            Ok(hash)
        })
        .await?;
    if let Err(e) = api.shared.to_driver.try_send(ToDriver::Relay(bytes)) {
        // The transaction is pending here; it reaches the others in this node's proposal.
        tracing::debug!(%hash, error = %e, "relay queue full: the transaction is not relayed");
    }
    let pending =
        || (StatusCode::ACCEPTED, Json(json!({ "hash": hash, "status": "pending" }))).into_response();
    let Some(wait) = wait else {
        return Ok(pending());
    };
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let found = api.read(move |_, db| find_committed(db, &hash)).await?;
        if let Some((location, result)) = found {
            return Ok(Json(committed_json(&location, &result)).into_response());
        }
        if !api.shared.mempool.lock().contains(&hash) {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "dropped",
                format!("transaction {hash} left the mempool without being committed: a block made it invalid; check its nonce and dry-run it again"),
            ));
        }
        match tokio::time::timeout_at(deadline, committed.changed()).await {
            Ok(Ok(())) => continue,
            Ok(Err(_)) | Err(_) => return Ok(pending()),
        }
    }
}

/// Where a transaction was committed and its verdict, or `None` if it is not committed.
fn find_committed(db: &Db, hash: &Hash32) -> Result<Option<(TxLocation, TxResult)>, ApiError> {
    let Some(location) = chain::tx_location(db, hash)? else {
        return Ok(None);
    };
    let results = chain::stored_results(db, location.height)?.ok_or_else(|| {
        ApiError::internal(format!("block {} is indexed without its results", location.height))
    })?;
    let result =
        results.into_iter().nth(location.position as usize).filter(|r| r.tx == *hash).ok_or_else(|| {
            ApiError::internal(format!(
                "the index places {hash} at a position of block {} that holds another transaction",
                location.height
            ))
        })?;
    Ok(Some((location, result)))
}

fn committed_json(location: &TxLocation, result: &TxResult) -> Value {
    json!({
        "hash": result.tx,
        "status": "committed",
        "height": location.height,
        "position": location.position,
        "verdict": verdict_json(&result.verdict),
    })
}

/// `POST /v1/tx/dry-run`: the verdict the next block would give, nothing submitted.
pub(super) async fn dry_run(
    State(api): State<Api>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let tx = parse_tx(body)?;
    api.read(move |shared, db| {
        let ctx = next_block(db)?;
        let verdict = shared.mempool.lock().dry_run_verdict(db.state(), &ctx, &tx);
        Ok(Json(json!({
            "hash": tx.hash(),
            "accepted": verdict.is_accepted(),
            "height": ctx.height,
            "verdict": verdict_json(&verdict),
        })))
    })
    .await
}

/// `GET /v1/tx/{hash}`.
pub(super) async fn status(
    State(api): State<Api>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    let Path(text) = path?;
    let hash = parse_hash(&text)?;
    api.read(move |shared, db| {
        if let Some((location, result)) = find_committed(db, &hash)? {
            let block = chain::stored_block(db, location.height)?;
            let mut answer = committed_json(&location, &result);
            answer["tx"] = json!(block.txs.get(location.position as usize));
            return Ok(Json(answer));
        }
        let pool = shared.mempool.lock();
        match pool.get(&hash) {
            Some(tx) => Ok(Json(json!({ "hash": hash, "status": "pending", "tx": tx }))),
            None => Err(ApiError::not_found(format!("transaction {hash} is neither committed nor pending"))),
        }
    })
    .await
}

/// `GET /v1/nonce/{signer}`: the nonce to sign the signer's next transaction with.
pub(super) async fn nonce(
    State(api): State<Api>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    let Path(text) = path?;
    let signer: PublicKey = text.parse().map_err(|e| {
        ApiError::bad_request("malformed_key", format!("signer `{text}`: {e} (64 hex digits)"))
    })?;
    api.read(move |shared, db| {
        let state_nonce = db.state().nonce(&signer);
        let next_nonce = shared.mempool.lock().next_nonce(&signer, state_nonce);
        Ok(Json(json!({
            "signer": signer,
            "state_nonce": state_nonce,
            "next_nonce": next_nonce,
            "pending": next_nonce - state_nonce,
        })))
    })
    .await
}
