//! The server, at the top of the transport layers: it assembles the shared state
//! (`shared`), the routes (HTTP with its WebSocket upgrade, `http` over `ws`, both
//! over `dispatch`) and the accept loop (`listen`). Settings and limits live in
//! `config`; imports only go down these layers.

use crate::auth::JwtAuth;
use crate::config::permits;
use crate::method::{ApiVersion, MethodTable};
use crate::shared::Inner;
use axum::routing::any;
use axum::Router;
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};

pub use crate::config::ServerConfig;

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
