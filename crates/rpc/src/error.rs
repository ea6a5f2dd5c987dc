//! JSON-RPC errors with go-jsonrpc's codes and Lotus's typed error codes.

use serde_json::Value;

/// Parse error (malformed JSON, oversized body).
pub const PARSE_ERROR: i64 = -32700;
/// Invalid request (empty body, empty batch, not a request object).
pub const INVALID_REQUEST: i64 = -32600;
/// Unknown method, or a channel method over plain HTTP.
pub const METHOD_NOT_FOUND: i64 = -32601;
/// Wrong parameter count or undecodable parameters.
pub const INVALID_PARAMS: i64 = -32602;
/// Any ordinary error from a handler (go-jsonrpc's default).
pub const HANDLER_ERROR: i64 = 1;
/// Lotus `ErrOutOfGas`.
pub const OUT_OF_GAS: i64 = 2;
/// Lotus `ErrExecutionReverted`.
pub const EXECUTION_REVERTED: i64 = 3;
/// Lotus `ErrActorNotFound`.
pub const ACTOR_NOT_FOUND: i64 = 11;
/// Lotus `ErrNullRound`.
pub const NULL_ROUND: i64 = 12;

/// An error returned to a JSON-RPC caller.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message} (code {code})")]
pub struct RpcError {
    /// The JSON-RPC error code.
    pub code: i64,
    /// Human-readable message.
    pub message: String,
    /// Optional structured data.
    pub data: Option<Value>,
}

impl RpcError {
    /// An error with a code and message.
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        RpcError {
            code,
            message: message.into(),
            data: None,
        }
    }
    /// An ordinary handler error (code 1).
    pub fn handler(message: impl Into<String>) -> Self {
        Self::new(HANDLER_ERROR, message)
    }
    /// Invalid parameters (-32602).
    pub fn invalid_params(message: impl Into<String>) -> Self {
        Self::new(INVALID_PARAMS, message)
    }
    /// Lotus's "actor not found" (code 11).
    pub fn actor_not_found() -> Self {
        Self::new(ACTOR_NOT_FOUND, "actor not found")
    }
    /// The JSON `error` member.
    pub fn to_json(&self) -> Value {
        match &self.data {
            Some(d) => serde_json::json!({ "code": self.code, "message": self.message, "data": d }),
            None => serde_json::json!({ "code": self.code, "message": self.message }),
        }
    }
}

impl From<anyhow::Error> for RpcError {
    fn from(e: anyhow::Error) -> Self {
        RpcError::handler(format!("{e:#}"))
    }
}
