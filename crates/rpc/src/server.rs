//! The server: its settings and limits, the method table and shared state, the
//! routes, and `serve` (the accept loop in `listen`, HTTP in `http`, WebSocket in
//! `ws`, the dispatch they share in `dispatch`).

use crate::api_version::{FULL_NODE_V0, FULL_NODE_V1};
use crate::auth::JwtAuth;
use crate::method::{ApiVersion, MethodTable};
use axum::routing::any;
use axum::Router;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};

/// Server settings and the limits that keep one client from starving the others.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Largest request accepted, in bytes: an HTTP body or a WebSocket message.
    pub max_request_bytes: usize,
    /// Most requests in one batch.
    pub max_batch: usize,
    /// Largest reply, in bytes (a batch's replies together).
    pub max_response_bytes: usize,
    /// Most connections open at once (further clients wait in the listen backlog).
    pub max_connections: usize,
    /// Most requests being read or run at once, over all connections.
    pub max_concurrent_requests: usize,
    /// Most requests in flight on one WebSocket connection.
    pub max_connection_requests: usize,
    /// Most reply bytes queued for one WebSocket client; a client that falls further
    /// behind is disconnected.
    pub max_send_buffer_bytes: usize,
    /// Time allowed to send a request's headers, and then its body.
    pub read_timeout: Duration,
    /// An HTTP connection with no request in flight and no traffic, or a WebSocket
    /// that sends nothing (not even a pong), is closed after this long.
    pub idle_timeout: Duration,
    /// `APIVersion` numbers reported for v0 and v1 by discovery.
    pub api_versions: (u32, u32),
    /// How long shutdown waits for in-flight requests.
    pub drain_timeout: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            max_request_bytes: 16 << 20,
            max_batch: 100,
            max_response_bytes: 256 << 20,
            max_connections: 1024,
            max_concurrent_requests: 256,
            max_connection_requests: 64,
            max_send_buffer_bytes: 32 << 20,
            read_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            api_versions: (FULL_NODE_V0, FULL_NODE_V1),
            drain_timeout: Duration::from_secs(10),
        }
    }
}

pub(crate) struct Inner<S> {
    pub(crate) state: Arc<S>,
    pub(crate) table: MethodTable<S>,
    pub(crate) auth: JwtAuth,
    pub(crate) config: ServerConfig,
    pub(crate) closing: watch::Receiver<bool>,
    /// Permits for requests being read or run, over all connections.
    pub(crate) requests: Arc<Semaphore>,
}

/// A JSON-RPC server over a method table and the state its handlers share.
pub struct RpcServer<S> {
    inner: Arc<Inner<S>>,
    closing_tx: watch::Sender<bool>,
}

impl<S: Send + Sync + 'static> RpcServer<S> {
    /// Creates a server.
    pub fn new(state: Arc<S>, table: MethodTable<S>, auth: JwtAuth, config: ServerConfig) -> Self {
        let (closing_tx, closing) = watch::channel(false);
        let requests = Arc::new(Semaphore::new(permits(config.max_concurrent_requests)));
        RpcServer {
            inner: Arc::new(Inner {
                state,
                table,
                auth,
                config,
                closing,
                requests,
            }),
            closing_tx,
        }
    }

    /// The axum router serving `/rpc/v0` and `/rpc/v1`.
    pub fn router(&self) -> Router {
        let v0 = self.inner.clone();
        let v1 = self.inner.clone();
        Router::new()
            .route(
                "/rpc/v0",
                any(crate::http::endpoint::<S>).with_state((v0, ApiVersion::V0)),
            )
            .route(
                "/rpc/v1",
                any(crate::http::endpoint::<S>).with_state((v1, ApiVersion::V1)),
            )
            .route("/health/livez", any(|| async { "ok" }))
    }

    /// Serves on `listener` until `shutdown` resolves, then stops accepting, closes
    /// WebSocket connections and waits (bounded) for in-flight requests to finish.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let router = self.router();
        let closing_tx = self.closing_tx;
        tokio::spawn(async move {
            shutdown.await;
            let _ = closing_tx.send(true);
        });
        crate::listen::serve(
            listener,
            router,
            &self.inner.config,
            self.inner.closing.clone(),
        )
        .await
    }
}

/// Resolves once `flag` is true (or its sender is gone), holding no borrow of it.
pub(crate) async fn until_set(flag: &mut watch::Receiver<bool>) {
    let _ = flag.wait_for(|set| *set).await;
}

/// A semaphore size from a configured count: at least one, at most what tokio allows.
pub(crate) fn permits(n: usize) -> usize {
    n.clamp(1, Semaphore::MAX_PERMITS)
}
