//! Common methods: version, tokens, session, shutdown.

use super::NodeState;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use padma_rpc::api_version::{FULL_NODE_V0, FULL_NODE_V1};
use padma_rpc::method::{to_value, CallResult, ChannelResult};
use padma_rpc::{ApiVersion, CallCtx, Params, RpcError};
use serde_json::json;
use std::sync::Arc;

/// `Version`: build string, API version of the endpoint, block delay, agent.
pub async fn version(s: Arc<NodeState>, c: CallCtx, _p: Params) -> CallResult {
    let api = match c.version {
        ApiVersion::V0 => FULL_NODE_V0,
        ApiVersion::V1 => FULL_NODE_V1,
    };
    Ok(json!({
        "Version": format!("{}+padma", env!("CARGO_PKG_VERSION")),
        "APIVersion": api,
        "BlockDelay": s.block_delay,
        "Agent": "padma",
    }))
}

/// `AuthNew`: a token for the given permissions, as base64 of the JWT bytes.
pub async fn auth_new(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let perms: Vec<String> = p.get::<Option<Vec<String>>>(0)?.unwrap_or_default();
    let token = s.auth.issue(&perms);
    to_value(B64.encode(token.as_bytes()))
}

/// `AuthVerify`: the permissions a token grants.
pub async fn auth_verify(s: Arc<NodeState>, _c: CallCtx, p: Params) -> CallResult {
    let token: String = p.get(0)?;
    let allow = s
        .auth
        .verify(&token)
        .map_err(|e| RpcError::handler(e.to_string()))?;
    to_value(allow)
}

/// `Shutdown`: asks the daemon to stop.
pub async fn shutdown(s: Arc<NodeState>, _c: CallCtx, _p: Params) -> CallResult {
    tracing::info!("shutdown requested over the API");
    let _ = s.shutdown.send(true);
    Ok(serde_json::Value::Null)
}

/// `Session`: the UUID of this run of the node.
pub async fn session(s: Arc<NodeState>, _c: CallCtx, _p: Params) -> CallResult {
    to_value(&s.session)
}

/// `Closing`: a channel that closes when the node shuts down.
pub async fn closing(s: Arc<NodeState>, _c: CallCtx, _p: Params) -> ChannelResult {
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    let mut down = s.shutdown.subscribe();
    tokio::spawn(async move {
        tokio::select! {
            _ = down.wait_for(|d| *d) => {}
            _ = tx.closed() => {}
        }
        drop(tx);
    });
    Ok(rx)
}
