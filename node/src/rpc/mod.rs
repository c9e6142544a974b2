//! The HTTP + JSON API (axum).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use tokio::task::JoinHandle;

use crate::home::config::RpcConfig;
use crate::shared::Shared;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum RpcError {
    /// The listen address could not be bound.
    #[error("cannot listen for RPC on {address}: {source}")]
    Bind {
        /// The address.
        address: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

/// The API's routes over `shared`.
pub fn router(shared: Arc<Shared>, _config: &RpcConfig) -> Router {
    Router::new().route("/health", axum::routing::get(|| async { "ok" })).with_state(shared)
}

/// Binds `config.listen_address` and serves until `shutdown` completes.
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
    Ok((local, task))
}
