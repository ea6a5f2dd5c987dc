//! The HTTP side: authentication, the WebSocket upgrade (with the same size limit as
//! HTTP), and plain requests with their body read under a size and time limit.

use crate::auth::{JwtAuth, PermSet, Permission};
use crate::conn::{ConnInfo, InFlight};
use crate::dispatch::{error_text, handle_body, too_big};
use crate::method::{ApiVersion, CallCtx};
use crate::request::Id;
use crate::shared::Inner;
use crate::ws::serve_socket;
use axum::body::Body;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use std::collections::HashMap;
use std::sync::Arc;

type EndpointState<S> = (Arc<Inner<S>>, ApiVersion);

/// `/rpc/v0` and `/rpc/v1`: a JSON-RPC request over HTTP, or a WebSocket upgrade.
pub(crate) async fn endpoint<S: Send + Sync + 'static>(
    State((inner, version)): State<EndpointState<S>>,
    conn: Option<Extension<Arc<ConnInfo>>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
    body: Body,
) -> Response {
    let allow = match authenticate(&inner.auth, &headers, &query) {
        Ok(p) => p,
        Err(msg) => return (StatusCode::UNAUTHORIZED, msg).into_response(),
    };
    let ctx = CallCtx { version, allow };
    let conn = conn.map(|Extension(c)| c);
    let limit = inner.config.max_request_bytes;
    if let Ok(upgrade) = ws {
        return upgrade
            .max_message_size(limit)
            .max_frame_size(limit)
            .on_upgrade(move |socket| serve_socket(inner, ctx, socket, conn))
            .into_response();
    }
    let _in_flight = conn.as_ref().map(InFlight::start);
    let Ok(_permit) = inner.requests.clone().acquire_owned().await else {
        return (StatusCode::SERVICE_UNAVAILABLE, "server closing").into_response();
    };
    let read = axum::body::to_bytes(body, limit);
    let bytes = match tokio::time::timeout(inner.config.read_timeout, read).await {
        Ok(Ok(b)) => b,
        Ok(Err(_)) => {
            let text = error_text(&Id::NULL, &too_big(limit));
            return json_response(StatusCode::INTERNAL_SERVER_ERROR, text);
        }
        Err(_) => return (StatusCode::REQUEST_TIMEOUT, "request body too slow").into_response(),
    };
    match handle_body(&inner, &ctx, bytes).await {
        Some((status, text)) => json_response(status, text),
        None => (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")]).into_response(),
    }
}

fn json_response(status: StatusCode, text: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], text).into_response()
}

/// Reads the caller's permissions: `Authorization: Bearer <jwt>`, else `?token=`,
/// else read only.
fn authenticate(
    auth: &JwtAuth,
    headers: &HeaderMap,
    query: &HashMap<String, String>,
) -> Result<PermSet, String> {
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
        None => Ok(PermSet::NONE.with(Permission::Read)),
        Some(t) => {
            let allow = auth.verify(&t).map_err(|e| e.to_string())?;
            Ok(PermSet::from_allow(&allow))
        }
    }
}
