//! The method table: one entry per API method with its name, permission, arity per
//! API version and handler. It drives registration, permission checks and discovery.

use crate::auth::{PermSet, Permission};
use crate::error::RpcError;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::Value;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use tokio::sync::mpsc;

/// A boxed, sendable future.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// Which API version a request came in on (`/rpc/v0` or `/rpc/v1`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiVersion {
    /// The v0 (1.5.0) API.
    V0,
    /// The v1 (2.3.0) API.
    V1,
}

/// What a handler knows about its caller.
#[derive(Clone, Debug)]
pub struct CallCtx {
    /// The API version of the endpoint.
    pub version: ApiVersion,
    /// The permissions the caller's token allows (`read` only without a token).
    pub allow: PermSet,
}

/// Positional parameters of a call, already checked against the method's arity. Each
/// is kept as its JSON text and decoded straight into the handler's type, so a large
/// parameter never becomes a tree of values first.
#[derive(Debug)]
pub struct Params {
    method: &'static str,
    values: Vec<Box<RawValue>>,
}

impl Params {
    /// Wraps positional values for `method`.
    pub fn new(method: &'static str, values: Vec<Value>) -> Self {
        let values = values
            .iter()
            .filter_map(|v| serde_json::value::to_raw_value(v).ok())
            .collect();
        Params { method, values }
    }

    /// Wraps positional parameters for `method` as they came on the wire.
    pub fn from_raw(method: &'static str, values: Vec<Box<RawValue>>) -> Self {
        Params { method, values }
    }

    /// Number of parameters.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Decodes parameter `i`; a decode failure is an invalid-params error naming the method.
    pub fn get<T: DeserializeOwned>(&self, i: usize) -> Result<T, RpcError> {
        let text = self.values.get(i).map_or("null", |v| v.get());
        serde_json::from_str(text).map_err(|e| {
            RpcError::invalid_params(format!(
                "unmarshaling params for '{}' (param {i}): {e}",
                self.method
            ))
        })
    }
}

/// Result of a plain call.
pub type CallResult = Result<Value, RpcError>;
/// Result of a channel call: a stream of values, closed when the sender drops.
pub type ChannelResult = Result<mpsc::Receiver<Value>, RpcError>;

/// How a method runs.
pub enum Handler<S> {
    /// Returns one value.
    Call(fn(Arc<S>, CallCtx, Params) -> BoxFuture<CallResult>),
    /// Returns a channel of values (WebSocket only).
    Channel(fn(Arc<S>, CallCtx, Params) -> BoxFuture<ChannelResult>),
    /// Answered by the server from the table itself: the discovery document.
    Discover,
}

/// Number of positional parameters per API version; `None` means not served there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arity {
    /// Parameter count on `/rpc/v0`.
    pub v0: Option<usize>,
    /// Parameter count on `/rpc/v1`.
    pub v1: Option<usize>,
}

impl Arity {
    /// The same count on both versions.
    pub const fn both(n: usize) -> Self {
        Arity {
            v0: Some(n),
            v1: Some(n),
        }
    }
    /// Different counts on v0 and v1.
    pub const fn split(v0: usize, v1: usize) -> Self {
        Arity {
            v0: Some(v0),
            v1: Some(v1),
        }
    }
    /// The count for `version`.
    pub fn for_version(self, version: ApiVersion) -> Option<usize> {
        match version {
            ApiVersion::V0 => self.v0,
            ApiVersion::V1 => self.v1,
        }
    }
}

/// One row of the method table.
pub struct MethodDef<S> {
    /// Go method name, without the `Filecoin.` namespace.
    pub name: &'static str,
    /// Permission needed to call it.
    pub perm: Permission,
    /// Positional parameter counts.
    pub arity: Arity,
    /// The implementation.
    pub handler: Handler<S>,
}

impl<S> MethodDef<S> {
    /// True for channel methods.
    pub fn is_channel(&self) -> bool {
        matches!(self.handler, Handler::Channel(_))
    }
}

/// The registered methods, looked up by their `Filecoin.<Name>` wire name.
pub struct MethodTable<S> {
    by_name: HashMap<String, MethodDef<S>>,
    order: Vec<String>,
}

impl<S> MethodTable<S> {
    /// Builds the table from its rows; panics on a duplicate name (a programming error).
    pub fn new(defs: Vec<MethodDef<S>>) -> Self {
        let mut by_name = HashMap::new();
        let mut order = Vec::new();
        for d in defs {
            let wire = format!("Filecoin.{}", d.name);
            order.push(wire.clone());
            assert!(by_name.insert(wire, d).is_none(), "duplicate RPC method");
        }
        MethodTable { by_name, order }
    }

    /// Finds a method by wire name (`rpc.discover` aliases `Filecoin.Discover`).
    pub fn get(&self, wire_name: &str) -> Option<&MethodDef<S>> {
        let name = if wire_name == "rpc.discover" {
            "Filecoin.Discover"
        } else {
            wire_name
        };
        self.by_name.get(name)
    }

    /// All methods in table order.
    pub fn iter(&self) -> impl Iterator<Item = &MethodDef<S>> {
        self.order.iter().filter_map(|n| self.by_name.get(n))
    }

    /// A discovery document (OpenRPC-shaped) for one API version: every method served
    /// there with its permission, parameter count and whether it is a channel.
    pub fn discover(&self, version: ApiVersion, api_version: u32) -> Value {
        let methods: Vec<Value> = self
            .iter()
            .filter_map(|m| {
                let n = m.arity.for_version(version)?;
                Some(serde_json::json!({
                    "name": format!("Filecoin.{}", m.name),
                    "paramStructure": "by-position",
                    "params": (0..n).map(|i| serde_json::json!({"name": format!("p{}", i + 1)})).collect::<Vec<_>>(),
                    "x-permission": m.perm.as_str(),
                    "x-subscription": m.is_channel(),
                }))
            })
            .collect();
        serde_json::json!({
            "openrpc": "1.2.6",
            "info": { "title": "padma FullNode API", "version": api_version.to_string() },
            "methods": methods,
        })
    }
}

/// Serialises a handler's result into a JSON value.
pub fn to_value<T: Serialize>(v: T) -> CallResult {
    serde_json::to_value(v).map_err(|e| RpcError::handler(format!("encoding result: {e}")))
}
