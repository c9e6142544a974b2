//! The HTTP + JSON API (axum): submit and dry-run transactions, their status, blocks,
//! the registry's read models (holdings, unit history, authorizations, the
//! corresponding-adjustment ledger, AEF reports), state proofs, and the operator's
//! `/status`, `/health`, `/ready` and Prometheus `/metrics`.
//!
//! Every answer is JSON except `/metrics` (Prometheus text) and an AEF report asked for
//! as CSV, built from the types of the RPC contract ([`jcm_api`]), whose OpenAPI
//! document this server serves at `/v1/openapi.json`. Hashes and keys are lowercase hex.
//! Every error, whatever the route, is `{"error": {"kind", "message", "codes"?,
//! "verdict"?}}` with a 4xx status when the request is at fault ([`ApiError`]). Bounds: `body_bytes_max` per request body (413), `page_items_max`
//! per page, `request_timeout_ms` per request (503).
//!
//! Handlers read the store in a blocking task under the store's read lock, held for the
//! length of one read and never across an await (see [`Api::read`]).
//!
//! | route | answer |
//! |---|---|
//! | `POST /v1/tx` `{"tx": hex}` or `{"tx_json": {...}}`, `?wait=commit&timeout_ms=` | 202 pending, 200 committed |
//! | `POST /v1/tx/dry-run` | the verdict, nothing submitted |
//! | `GET /v1/tx/{hash}` | committed, pending, or 404 |
//! | `GET /v1/nonce/{signer}` | state and next nonce |
//! | `GET /v1/blocks/{height}`, `/v1/blocks?from=&to=`, `/v1/blocks/{height}/raw` | blocks |
//! | `GET /v1/genesis`, `/v1/genesis/raw`, `/v1/status`, `/health`, `/ready`, `/metrics` | node |
//! | `GET /v1/units/{unit}/history`, `/v1/accounts/{id}/holdings`, `/v1/parties/{code}/holdings` | holdings |
//! | `GET /v1/accounts/{id}/events`, `/v1/parties/{code}/events` (`?after=&limit=`) | events |
//! | `GET /v1/authorizations/{id}`, `/v1/ledger/{party}`, `/v1/ledger/{party}/{year}` | authorizations, ledger |
//! | `GET /v1/aef/{party}/{year}?format=json\|csv`, `/v1/proof?key=&height=` | reports, proofs |
//! | `GET /v1/units/{unit}/proof?height=` | a unit's proof file, checkable offline from genesis |
//! | `GET /v1/projects/{id}/credited?from=&to=`, `/v1/a64/{a64_id}` | crediting (R37), A6.4ERs |
//! | `GET /v1/gov/proposals`, `/v1/gov/proposals/{id}`, `/v1/gov/validators` | governance |
//! | `GET /v1/evidence` | equivocations recorded on chain (R52) |
//! | `GET /v1/openapi.json` | the OpenAPI document of these routes |

mod chain;
mod error;
mod gov;
mod proof;
mod query;
mod tx;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use tokio::task::JoinHandle;

pub use error::ApiError;

use crate::home::config::RpcConfig;
use crate::limits::BLOCKS_PAGE_MAX;
use crate::shared::Shared;
use crate::store::Db;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum RpcError {
    /// The listen address could not be bound (taken, or not an address of this machine).
    #[error("cannot listen for RPC on {address}: {source} (is another node or program using it? set [rpc] listen_address in node.toml)")]
    Bind {
        /// The address.
        address: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

/// What every handler gets: the shared node state and the API's limits.
#[derive(Clone, Debug)]
pub struct Api {
    shared: Arc<Shared>,
    page_items_max: usize,
    request_timeout: Duration,
}

impl Api {
    /// Runs `read` on the store in a blocking task, under the read lock for its length.
    async fn read<T, F>(&self, read: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Shared, &Db) -> Result<T, ApiError> + Send + 'static,
    {
        let shared = Arc::clone(&self.shared);
        tokio::task::spawn_blocking(move || {
            let db = shared.db.read();
            read(&shared, &db)
        })
        .await
        .map_err(|e| ApiError::internal(format!("the store read failed: {e}")))?
    }

    /// Asks the consensus engine (the mempool's owner) and waits for its answer.
    async fn ask(&self, request: crate::engine::Request) -> Result<crate::engine::Reply, ApiError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let busy = || {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "the node's consensus engine has too many requests waiting: retry shortly",
            )
        };
        self.shared.to_engine.try_send(crate::shared::ToEngine { request, reply }).map_err(|error| {
            match error {
                tokio::sync::mpsc::error::TrySendError::Full(_) => busy(),
                tokio::sync::mpsc::error::TrySendError::Closed(_) => {
                    ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "stopping", "the node is stopping")
                }
            }
        })?;
        answer
            .await
            .map_err(|_| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "stopping", "the node is stopping"))
    }

    /// A page size: `limit` if given, at most `max`.
    fn page(&self, limit: Option<u64>, max: usize) -> Result<usize, ApiError> {
        let max = max.min(self.page_items_max).max(1);
        match limit {
            None => Ok(max),
            Some(0) => Err(ApiError::bad_request("malformed_query", "limit must be at least 1")),
            Some(n) => Ok(usize::try_from(n).unwrap_or(usize::MAX).min(max)),
        }
    }
}

/// The API's routes over `shared`, with its limits from `config`.
pub fn router(shared: Arc<Shared>, config: &RpcConfig) -> Router {
    let api = Api {
        shared,
        page_items_max: (config.page_items_max as usize).max(1),
        request_timeout: Duration::from_millis(config.request_timeout_ms.max(1)),
    };
    Router::new()
        .route("/v1/tx", post(tx::submit))
        .route("/v1/tx/dry-run", post(tx::dry_run))
        .route("/v1/tx/{hash}", get(tx::status))
        .route("/v1/nonce/{signer}", get(tx::nonce))
        .route("/v1/blocks", get(chain::blocks))
        .route("/v1/blocks/{height}", get(chain::block))
        .route("/v1/blocks/{height}/raw", get(chain::raw_block))
        .route("/v1/genesis", get(chain::genesis))
        .route("/v1/genesis/raw", get(proof::raw_genesis))
        .route("/v1/status", get(chain::status))
        .route("/health", get(chain::health))
        .route("/ready", get(chain::ready))
        .route("/metrics", get(chain::metrics))
        .route("/v1/units/{unit}/history", get(query::unit_history))
        .route("/v1/units/{unit}/proof", get(proof::unit_proof))
        .route("/v1/accounts/{id}/holdings", get(query::account_holdings))
        .route("/v1/parties/{code}/holdings", get(query::party_holdings))
        .route("/v1/accounts/{id}/events", get(query::account_events))
        .route("/v1/parties/{code}/events", get(query::party_events))
        .route("/v1/authorizations/{id}", get(query::authorization))
        .route("/v1/ledger/{party}", get(query::ledger))
        .route("/v1/ledger/{party}/{year}", get(query::ledger_year))
        .route("/v1/aef/{party}/{year}", get(query::aef))
        .route("/v1/projects/{id}/credited", get(query::credited))
        .route("/v1/a64/{id}", get(query::a64_unit))
        .route("/v1/gov/proposals", get(gov::proposals))
        .route("/v1/gov/proposals/{id}", get(gov::proposal))
        .route("/v1/gov/validators", get(gov::validators))
        .route("/v1/evidence", get(gov::evidence))
        .route("/v1/proof", get(query::proof))
        .route("/v1/openapi.json", get(chain::openapi))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(api.clone(), deadline))
        .layer(DefaultBodyLimit::max(config.body_bytes_max as usize))
        .with_state(api)
}

/// Binds `config.listen_address` and serves until `shutdown` completes, then finishes
/// the requests in hand. Returns the bound address (useful with port 0) and the task.
pub async fn serve(
    shared: Arc<Shared>,
    config: RpcConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(SocketAddr, JoinHandle<()>), RpcError> {
    let address = config.listen_address;
    let listener =
        tokio::net::TcpListener::bind(address).await.map_err(|source| RpcError::Bind { address, source })?;
    let local = listener.local_addr().map_err(|source| RpcError::Bind { address, source })?;
    let app = router(shared, &config);
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).with_graceful_shutdown(shutdown).await {
            tracing::error!(error = %e, "the RPC server stopped");
        }
    });
    tracing::info!(address = %local, "RPC listening");
    Ok((local, task))
}

/// Cuts a request that takes longer than `request_timeout_ms`.
async fn deadline(State(api): State<Api>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(api.request_timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            format!("the request took longer than {} ms", api.request_timeout.as_millis()),
        )
        .into_response(),
    }
}

async fn not_found(request: Request) -> ApiError {
    ApiError::not_found(format!("no route {} {}", request.method(), request.uri().path()))
}

async fn method_not_allowed(request: Request) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("{} is not allowed on {}", request.method(), request.uri().path()),
    )
}
