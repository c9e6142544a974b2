//! Blocks, genesis, the operator's routes (status, health, readiness, metrics) and the
//! OpenAPI document.

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use jcm_api::chain::{BlockView, BlocksPage, Health, MempoolLoad, RawBlock, Ready, Status};
use serde::Deserialize;

use super::{Api, ApiError, BLOCKS_PAGE_MAX};
use crate::chain;
use crate::store::Db;

/// `?from=&to=` of `/v1/blocks`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Range {
    #[serde(default)]
    from: Option<u64>,
    #[serde(default)]
    to: Option<u64>,
}

fn parse_height(text: &str) -> Result<u64, ApiError> {
    text.parse().map_err(|_| ApiError::bad_request("malformed_height", format!("`{text}` is not a height")))
}

/// The last committed height.
pub(super) fn last_height(db: &Db) -> Result<u64, ApiError> {
    db.last_committed()
        .map(|l| l.height)
        .ok_or_else(|| ApiError::internal("the store holds no committed block"))
}

/// 404 unless `height` is committed.
pub(super) fn check_committed(db: &Db, height: u64) -> Result<u64, ApiError> {
    let last = last_height(db)?;
    if height > last {
        return Err(ApiError::not_found(format!("height {height} is not committed; the last is {last}")));
    }
    Ok(last)
}

fn block_at(db: &Db, height: u64) -> Result<BlockView, ApiError> {
    let block = chain::stored_block(db, height)?;
    let results = chain::stored_results(db, height)?;
    let commit = chain::stored_commit(db, height)?;
    Ok(BlockView::new(&block, results.as_deref(), commit.as_ref()))
}

/// `GET /v1/blocks/{height}`.
pub(super) async fn block(
    State(api): State<Api>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<BlockView>, ApiError> {
    let Path(text) = path?;
    let height = parse_height(&text)?;
    api.read(move |_, db| {
        check_committed(db, height)?;
        Ok(Json(block_at(db, height)?))
    })
    .await
}

/// `GET /v1/blocks?from=&to=`: both ends included; `to` defaults to the last height,
/// `from` to a full page before `to`; a longer range is cut to one page, and `next`
/// says where the following page starts.
pub(super) async fn blocks(
    State(api): State<Api>,
    query: Result<Query<Range>, QueryRejection>,
) -> Result<Json<BlocksPage>, ApiError> {
    let Query(range) = query?;
    let page = api.page(None, BLOCKS_PAGE_MAX)? as u64;
    api.read(move |_, db| {
        let last = last_height(db)?;
        let to = range.to.unwrap_or(last).min(last);
        let from = range.from.unwrap_or_else(|| to.saturating_sub(page - 1));
        if from > to {
            return Err(ApiError::bad_request("malformed_query", format!("from {from} is after to {to}")));
        }
        let end = to.min(from.saturating_add(page - 1));
        let blocks = (from..=end).map(|h| block_at(db, h)).collect::<Result<Vec<_>, _>>()?;
        let next = (end < to).then(|| end + 1);
        Ok(Json(BlocksPage { from, to: end, last_height: last, next, blocks }))
    })
    .await
}

/// `GET /v1/blocks/{height}/raw`: the canonical bytes of the block and of its commit
/// certificate, for tools that verify them themselves.
pub(super) async fn raw_block(
    State(api): State<Api>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<RawBlock>, ApiError> {
    let Path(text) = path?;
    let height = parse_height(&text)?;
    api.read(move |_, db| {
        check_committed(db, height)?;
        let block =
            db.block(height)?.ok_or_else(|| ApiError::internal(format!("no block at height {height}")))?;
        let commit = db.commit(height)?.filter(|c| !c.is_empty()).map(hex::encode);
        Ok(Json(RawBlock { height, block: hex::encode(block), commit }))
    })
    .await
}

/// `GET /v1/genesis`: the genesis document.
pub(super) async fn genesis(State(api): State<Api>) -> Response {
    let text = api.shared.genesis.to_json();
    ([(header::CONTENT_TYPE, "application/json")], text).into_response()
}

/// `GET /v1/status`.
pub(super) async fn status(State(api): State<Api>) -> Result<Json<Status>, ApiError> {
    api.read(|shared, db| {
        let height = last_height(db)?;
        let head = chain::header(db, height)?;
        let status = shared.status.read().clone();
        let (txs, bytes) = status.mempool;
        let peers: Vec<String> = status.peers.iter().map(ToString::to_string).collect();
        Ok(Json(Status {
            chain_id: shared.chain_id.as_str().to_owned(),
            genesis_hash: shared.genesis_hash,
            moniker: shared.moniker.clone(),
            node_id: shared.node_id.to_string(),
            validator: status.validating.then(|| shared.validator_key.to_string()),
            height,
            block_hash: head.hash(),
            block_time: head.time,
            state_root: head.state_root,
            round: status.round,
            peers,
            best_known_height: status.best_known_height,
            catching_up: status.catching_up,
            ready: *shared.ready.read(),
            mempool: MempoolLoad { txs, bytes },
        }))
    })
    .await
}

/// `GET /health`: 200 if the store answers a read of the last block.
pub(super) async fn health(State(api): State<Api>) -> Result<Json<Health>, ApiError> {
    api.read(|_, db| {
        let height = last_height(db)?;
        match db.block(height) {
            Ok(Some(_)) => Ok(Json(Health { status: "ok".to_owned(), height })),
            Ok(None) => Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unhealthy",
                format!("the store has no block at its last height {height}"),
            )),
            Err(e) => Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unhealthy", e.to_string())),
        }
    })
    .await
}

/// `GET /ready`: 200 once the node has caught up and serves, 503 before.
pub(super) async fn ready(State(api): State<Api>) -> Result<Json<Ready>, ApiError> {
    if *api.shared.ready.read() {
        Ok(Json(Ready { ready: true }))
    } else {
        Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_ready",
            "the node is starting or catching up",
        ))
    }
}

/// `GET /metrics`: Prometheus text.
pub(super) async fn metrics(State(api): State<Api>) -> Response {
    let shared = &api.shared;
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], shared.metrics.render())
        .into_response()
}

/// `GET /v1/openapi.json`: the OpenAPI document of the RPC ([`jcm_api::openapi`]).
pub(super) async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], jcm_api::openapi::document_json()).into_response()
}
