//! The HTTP side of the server: routes, authentication, body limits, single and
//! batch requests, and the dispatch shared with the WebSocket side.

use crate::auth::{highest, JwtAuth, Permission};
use crate::error::{self, RpcError};
use crate::method::{ApiVersion, CallCtx, ChannelResult, Handler, MethodTable, Params};
use crate::request::{parse_body, parse_request, Body as RequestBody, Request};
use axum::body::{Body, Bytes};
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use futures::FutureExt;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// Server settings.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Largest request body accepted, in bytes.
    pub max_request_bytes: usize,
    /// `APIVersion` numbers reported for v0 and v1 by discovery.
    pub api_versions: (u32, u32),
    /// How long shutdown waits for in-flight requests.
    pub drain_timeout: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            max_request_bytes: 100 << 20,
            api_versions: (66816, 131840),
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
}

/// A JSON-RPC server over a method table and the state its handlers share.
pub struct RpcServer<S> {
    inner: Arc<Inner<S>>,
    closing_tx: watch::Sender<bool>,
}

/// What dispatching one request produced.
pub(crate) enum Outcome {
    /// A notification: nothing to send.
    Silent,
    /// A response object and its HTTP status.
    Reply(StatusCode, Value),
    /// A channel opened: the request id and the value stream.
    Channel(Value, tokio::sync::mpsc::Receiver<Value>),
}

impl<S: Send + Sync + 'static> RpcServer<S> {
    /// Creates a server.
    pub fn new(state: Arc<S>, table: MethodTable<S>, auth: JwtAuth, config: ServerConfig) -> Self {
        let (closing_tx, closing) = watch::channel(false);
        RpcServer {
            inner: Arc::new(Inner {
                state,
                table,
                auth,
                config,
                closing,
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
                any(endpoint::<S>).with_state((v0, ApiVersion::V0)),
            )
            .route(
                "/rpc/v1",
                any(endpoint::<S>).with_state((v1, ApiVersion::V1)),
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
        let drain = self.inner.config.drain_timeout;
        let (drain_tx, drain_rx) = tokio::sync::oneshot::channel::<()>();
        let graceful = async move {
            shutdown.await;
            let _ = closing_tx.send(true);
            let _ = drain_tx.send(());
        };
        let server = axum::serve(listener, router).with_graceful_shutdown(graceful);
        let server = std::future::IntoFuture::into_future(server);
        tokio::pin!(server);
        tokio::select! {
            res = &mut server => res,
            _ = async { let _ = drain_rx.await; tokio::time::sleep(drain).await } => {
                tracing::warn!("shutdown drain timed out after {drain:?}; closing remaining connections");
                Ok(())
            }
        }
    }
}

type EndpointState<S> = (Arc<Inner<S>>, ApiVersion);

async fn endpoint<S: Send + Sync + 'static>(
    State((inner, version)): State<EndpointState<S>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
    ws: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
    body: Body,
) -> Response {
    let perm = match authenticate(&inner.auth, &headers, &query) {
        Ok(p) => p,
        Err(msg) => return (StatusCode::UNAUTHORIZED, msg).into_response(),
    };
    if let Ok(upgrade) = ws {
        let ctx = CallCtx { version, perm };
        return upgrade
            .on_upgrade(move |socket| crate::ws::serve_socket(inner, ctx, socket))
            .into_response();
    }
    let limit = inner.config.max_request_bytes;
    let bytes: Bytes = match axum::body::to_bytes(body, limit).await {
        Ok(b) => b,
        Err(_) => {
            let e = RpcError::new(
                error::PARSE_ERROR,
                format!("request bigger than maximum {limit} allowed"),
            );
            return json_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                error_response(Value::Null, &e),
            );
        }
    };
    let ctx = CallCtx { version, perm };
    match handle_body(&inner, &ctx, &bytes).await {
        Some((status, v)) => json_response(status, v),
        None => json_response(StatusCode::OK, Value::Null).map(|_| Body::empty()),
    }
}

fn json_response(status: StatusCode, v: Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        v.to_string(),
    )
        .into_response()
}

/// Reads the caller's permission: `Authorization: Bearer <jwt>`, else `?token=`, else read.
fn authenticate(
    auth: &JwtAuth,
    headers: &HeaderMap,
    query: &HashMap<String, String>,
) -> Result<Permission, String> {
    let token = match headers.get(header::AUTHORIZATION) {
        Some(h) => {
            let h = h
                .to_str()
                .map_err(|_| "invalid Authorization header".to_string())?;
            match h.strip_prefix("Bearer ") {
                Some(t) => Some(t.to_string()),
                None => return Err("missing Bearer prefix in auth header".into()),
            }
        }
        None => query.get("token").cloned(),
    };
    match token {
        None => Ok(Permission::Read),
        Some(t) => {
            let allow = auth.verify(&t).map_err(|e| e.to_string())?;
            Ok(highest(&allow).unwrap_or(Permission::Read))
        }
    }
}

/// Handles a whole HTTP body (single request or batch). `None` means send nothing.
pub(crate) async fn handle_body<S: Send + Sync + 'static>(
    inner: &Arc<Inner<S>>,
    ctx: &CallCtx,
    bytes: &[u8],
) -> Option<(StatusCode, Value)> {
    match parse_body(bytes) {
        Err(e) => Some((status_for(e.code), error_response(Value::Null, &e))),
        Ok(RequestBody::Batch(reqs)) => {
            let mut out = Vec::with_capacity(reqs.len());
            for r in reqs {
                if let Outcome::Reply(_, v) = dispatch(inner, ctx, r, false).await {
                    out.push(v);
                }
            }
            Some((StatusCode::OK, Value::Array(out)))
        }
        Ok(RequestBody::Single(single)) => match dispatch(inner, ctx, single, false).await {
            Outcome::Reply(status, v) => Some((status, v)),
            Outcome::Silent | Outcome::Channel(..) => None,
        },
    }
}

/// A JSON-RPC error response object.
pub(crate) fn error_response(id: Value, e: &RpcError) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "error": e.to_json() })
}

fn status_for(code: i64) -> StatusCode {
    match code {
        error::INVALID_REQUEST => StatusCode::BAD_REQUEST,
        c if c < 0 => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::OK,
    }
}

/// Dispatches one request object. Channel methods open only when `channels` is set.
pub(crate) async fn dispatch<S: Send + Sync + 'static>(
    inner: &Arc<Inner<S>>,
    ctx: &CallCtx,
    req: Value,
    channels: bool,
) -> Outcome {
    let Request { id, method, params } = match parse_request(req) {
        Ok(r) => r,
        Err(bad) => {
            let (id, e) = *bad;
            if id.is_null() && e.code != error::PARSE_ERROR && e.code != error::INVALID_REQUEST {
                return Outcome::Silent;
            }
            return Outcome::Reply(status_for(e.code), error_response(id, &e));
        }
    };
    let fail = |e: RpcError| {
        if id.is_null() {
            Outcome::Silent
        } else {
            Outcome::Reply(status_for(e.code), error_response(id.clone(), &e))
        }
    };
    let not_found = || {
        RpcError::new(
            error::METHOD_NOT_FOUND,
            format!("method '{method}' not found"),
        )
    };
    let Some(def) = inner.table.get(&method) else {
        return fail(not_found());
    };
    let Some(arity) = def.arity.for_version(ctx.version) else {
        return fail(not_found());
    };
    if def.is_channel() && !channels {
        return fail(RpcError::new(
            error::METHOD_NOT_FOUND,
            format!("method '{method}' not supported in this mode (no out channel support)"),
        ));
    }
    if ctx.perm < def.perm {
        return fail(RpcError::handler(format!(
            "missing permission to invoke '{}' (need '{}')",
            def.name, def.perm
        )));
    }
    if params.len() != arity {
        return fail(RpcError::invalid_params(format!(
            "wrong param count (method '{method}'): {} != {arity}",
            params.len()
        )));
    }
    let p = Params::new(def.name, params);
    let state = inner.state.clone();
    match &def.handler {
        Handler::Discover => {
            let (v0, v1) = inner.config.api_versions;
            let n = if ctx.version == ApiVersion::V0 {
                v0
            } else {
                v1
            };
            reply(id, Ok(inner.table.discover(ctx.version, n)))
        }
        Handler::Call(f) => {
            let res = AssertUnwindSafe(f(state, ctx.clone(), p))
                .catch_unwind()
                .await;
            let res = res.unwrap_or_else(|_| {
                Err(RpcError::handler(format!("panic in rpc method '{method}'")))
            });
            reply(id, res)
        }
        Handler::Channel(f) => {
            let res: ChannelResult = AssertUnwindSafe(f(state, ctx.clone(), p))
                .catch_unwind()
                .await
                .unwrap_or_else(|_| {
                    Err(RpcError::handler(format!("panic in rpc method '{method}'")))
                });
            match res {
                Ok(rx) => Outcome::Channel(id, rx),
                Err(e) => reply(id, Err(e)),
            }
        }
    }
}

fn reply(id: Value, res: Result<Value, RpcError>) -> Outcome {
    if id.is_null() {
        return Outcome::Silent;
    }
    match res {
        Ok(v) => Outcome::Reply(
            StatusCode::OK,
            json!({ "jsonrpc": "2.0", "id": id, "result": v }),
        ),
        Err(e) => Outcome::Reply(status_for(e.code), error_response(id, &e)),
    }
}
