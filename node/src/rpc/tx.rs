//! Transactions: submit (optionally waiting for the commit), dry-run, status, nonce.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use jcm_api::tx::{DryRun, Nonce, TxRequest, TxStatus};
use jcm_api::VerdictView;
use jcm_runtime::codec::Hash32;
use jcm_runtime::crypto::PublicKey;
use jcm_runtime::protocol::{Transaction, TxResult};
use serde::Deserialize;

use super::{Api, ApiError};
use crate::chain;
use crate::engine::{Reply, Request};
use crate::index::TxLocation;
use crate::limits::COMMIT_WAIT_MS_DEFAULT;
use crate::mempool::Checked;
use crate::store::Db;

/// `?wait=commit&timeout_ms=`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SubmitQuery {
    #[serde(default)]
    wait: Option<String>,
    #[serde(default)]
    timeout_ms: Option<u64>,
}

/// Decodes a request body ([`TxRequest`]: the canonical bytes as hex, or the JSON form)
/// into a transaction. The transaction is decoded in a second step, so that a body of
/// the right shape holding no valid transaction is told apart (`A6-1002`, the decoder's
/// reason) from a body of the wrong shape (400 `malformed_json`).
fn parse_tx(body: Result<Bytes, BytesRejection>) -> Result<Transaction, ApiError> {
    let body = body?;
    let request: TxRequest = serde_json::from_slice(&body).map_err(|e| {
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
                .map_err(|e| ApiError::undecodable(format!("`tx` is not a transaction: {e}")))
        }
        (None, Some(json)) => serde_json::from_value(json)
            .map_err(|e| ApiError::undecodable(format!("`tx_json` is not a transaction: {e}"))),
        _ => Err(ApiError::bad_request("malformed_json", "give exactly one of `tx` (hex) and `tx_json`")),
    }
}

/// Decodes, hashes and checks the signature of a transaction off the async threads, so
/// the engine that admits it does none of that.
async fn check(tx: Transaction) -> Result<Checked, ApiError> {
    tokio::task::spawn_blocking(move || Checked::new(tx))
        .await
        .map_err(|e| ApiError::internal(format!("the signature check failed: {e}")))
}

fn unexpected(reply: &Reply) -> ApiError {
    ApiError::internal(format!("the consensus engine answered {reply:?}"))
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
    let checked = check(parse_tx(body)?).await?;
    let mut committed = api.shared.committed.subscribe();
    let hash = match api.ask(Request::Submit(Box::new(checked))).await? {
        Reply::Submitted(admitted) => admitted?,
        other => return Err(unexpected(&other)),
    };
    let pending = || (StatusCode::ACCEPTED, Json(TxStatus::pending(hash))).into_response();
    let Some(wait) = wait else {
        return Ok(pending());
    };
    #[allow(clippy::disallowed_methods)] // the RPC's edge: how long a client waits
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let found = api.read(move |_, db| find_committed(db, &hash)).await?;
        if let Some((location, result)) = found {
            return Ok(Json(committed_json(&location, &result)).into_response());
        }
        if !is_pending(&api, hash).await? {
            // The engine may have committed it between the two reads: the chain decides.
            if let Some((location, result)) = api.read(move |_, db| find_committed(db, &hash)).await? {
                return Ok(Json(committed_json(&location, &result)).into_response());
            }
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

/// Whether a transaction is in the mempool.
async fn is_pending(api: &Api, hash: Hash32) -> Result<bool, ApiError> {
    pending(api, hash).await.map(|tx| tx.is_some())
}

/// A pending transaction.
async fn pending(api: &Api, hash: Hash32) -> Result<Option<Box<Transaction>>, ApiError> {
    match api.ask(Request::Pending(hash)).await? {
        Reply::Pending(tx) => Ok(tx),
        other => Err(unexpected(&other)),
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

fn committed_json(location: &TxLocation, result: &TxResult) -> TxStatus {
    TxStatus::committed(result.tx, location.height, location.position, VerdictView::from(&result.verdict))
}

/// `POST /v1/tx/dry-run`: the verdict the next block would give, nothing submitted.
pub(super) async fn dry_run(
    State(api): State<Api>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<DryRun>, ApiError> {
    let checked = check(parse_tx(body)?).await?;
    let hash = checked.hash;
    match api.ask(Request::DryRun(Box::new(checked))).await? {
        Reply::DryRun { verdict, height } => Ok(Json(DryRun {
            hash,
            accepted: verdict.is_accepted(),
            height,
            verdict: VerdictView::from(&verdict),
        })),
        other => Err(unexpected(&other)),
    }
}

/// `GET /v1/tx/{hash}`.
pub(super) async fn status(
    State(api): State<Api>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<TxStatus>, ApiError> {
    let Path(text) = path?;
    let hash = parse_hash(&text)?;
    let committed = api
        .read(move |_, db| {
            let Some((location, result)) = find_committed(db, &hash)? else {
                return Ok(None);
            };
            let block = chain::stored_block(db, location.height)?;
            let tx = block.txs.get(location.position as usize).cloned();
            Ok(Some(TxStatus { tx, ..committed_json(&location, &result) }))
        })
        .await?;
    if let Some(answer) = committed {
        return Ok(Json(answer));
    }
    match pending(&api, hash).await? {
        Some(tx) => Ok(Json(TxStatus { tx: Some(*tx), ..TxStatus::pending(hash) })),
        // Committed between the two reads: answer from the chain.
        None => match api.read(move |_, db| find_committed(db, &hash)).await? {
            Some((location, result)) => Ok(Json(committed_json(&location, &result))),
            None => Err(ApiError::not_found(format!("transaction {hash} is neither committed nor pending"))),
        },
    }
}

/// `GET /v1/nonce/{signer}`: the nonce to sign the signer's next transaction with.
pub(super) async fn nonce(
    State(api): State<Api>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<Nonce>, ApiError> {
    let Path(text) = path?;
    let signer: PublicKey = text.parse().map_err(|e| {
        ApiError::bad_request("malformed_key", format!("signer `{text}`: {e} (64 hex digits)"))
    })?;
    match api.ask(Request::NextNonce(signer)).await? {
        Reply::NextNonce { state, next } => {
            Ok(Json(Nonce { signer, state_nonce: state, next_nonce: next, pending: next - state }))
        }
        other => Err(unexpected(&other)),
    }
}
