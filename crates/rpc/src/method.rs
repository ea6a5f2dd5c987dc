//! The method table: one entry per API method, registered against its typed
//! definition ([`RpcMethod`]: name, permission, versions, parameters) with its
//! handler. It drives registration, permission checks and discovery.

use crate::auth::PermSet;
use crate::error::RpcError;
use crate::params::RpcParams;
pub use crate::rpc_method::ApiVersion;
use crate::rpc_method::{MethodInfo, RpcMethod};
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

/// A call handler bound to its method: decodes the parameters, runs, encodes.
pub type BoundCall<S> = Arc<dyn Fn(Arc<S>, CallCtx, Params) -> BoxFuture<CallResult> + Send + Sync>;
/// A channel handler bound to its method.
pub type BoundChannel<S> =
    Arc<dyn Fn(Arc<S>, CallCtx, Params) -> BoxFuture<ChannelResult> + Send + Sync>;

/// How a registered method runs.
pub enum Bound<S> {
    /// Returns one value.
    Call(BoundCall<S>),
    /// Returns a channel of values (WebSocket only).
    Channel(BoundChannel<S>),
    /// The discovery document, answered from the table itself.
    Discover,
}

/// A registered method: its facts and its handler.
pub struct Registered<S> {
    /// Name, permission, versions, parameters.
    pub info: MethodInfo,
    /// The implementation.
    pub handler: Bound<S>,
}

impl<S> Registered<S> {
    /// True for channel methods.
    pub fn is_channel(&self) -> bool {
        matches!(self.handler, Bound::Channel(_))
    }
}

/// Runs a handler's future somewhere other than where the request arrived (a server
/// may keep heavy work off the threads that accept connections).
pub type Offload =
    Arc<dyn Fn(&CallCtx, BoxFuture<CallResult>) -> BoxFuture<CallResult> + Send + Sync>;

/// The registered methods, looked up per API version by wire name or alias.
pub struct MethodTable<S> {
    title: &'static str,
    v0: HashMap<&'static str, Arc<Registered<S>>>,
    v1: HashMap<&'static str, Arc<Registered<S>>>,
    order: Vec<Arc<Registered<S>>>,
    offload: Option<Offload>,
    only: Option<ApiVersion>,
}

impl<S: Send + Sync + 'static> MethodTable<S> {
    /// An empty table; `title` names the API in discovery documents.
    pub fn empty(title: &'static str) -> Self {
        MethodTable {
            title,
            v0: HashMap::new(),
            v1: HashMap::new(),
            order: Vec::new(),
            offload: None,
            only: None,
        }
    }

    /// Sets where [`add_offloaded`](Self::add_offloaded) handlers run.
    pub fn with_offload(mut self, offload: Offload) -> Self {
        self.offload = Some(offload);
        self
    }

    /// Serves only `version`: later registrations are dropped from the other one.
    pub fn only(mut self, version: ApiVersion) -> Self {
        self.only = Some(version);
        self
    }

    /// Registers a method; panics when a version already serves its name (a
    /// programming error that every server's tests catch).
    pub fn push(&mut self, r: Registered<S>) {
        let r = Arc::new(r);
        let mut served = false;
        for (version, map) in [
            (ApiVersion::V0, &mut self.v0),
            (ApiVersion::V1, &mut self.v1),
        ] {
            if !r.info.versions.serves(version) || self.only.is_some_and(|v| v != version) {
                continue;
            }
            served = true;
            for name in std::iter::once(&r.info.name).chain(r.info.aliases) {
                assert!(
                    map.insert(name, r.clone()).is_none(),
                    "method {name} registered twice"
                );
            }
        }
        if served {
            self.order.push(r);
        }
    }

    /// Registers `M` with a handler that runs where the request arrived (for work
    /// that only reads memory).
    pub fn add<M, F, Fut>(&mut self, _method: M, f: F)
    where
        M: RpcMethod,
        F: Fn(Arc<S>, CallCtx, M::Params) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<M::Ok, RpcError>> + Send + 'static,
    {
        self.bind::<M, F, Fut>(f, None);
    }

    /// Registers `M` with a handler that runs through the table's offload (for work
    /// that touches the store or the state); inline when the table has none.
    pub fn add_offloaded<M, F, Fut>(&mut self, _method: M, f: F)
    where
        M: RpcMethod,
        F: Fn(Arc<S>, CallCtx, M::Params) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<M::Ok, RpcError>> + Send + 'static,
    {
        self.bind::<M, F, Fut>(f, self.offload.clone());
    }

    fn bind<M, F, Fut>(&mut self, f: F, offload: Option<Offload>)
    where
        M: RpcMethod,
        F: Fn(Arc<S>, CallCtx, M::Params) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<M::Ok, RpcError>> + Send + 'static,
    {
        let run: BoundCall<S> = Arc::new(move |s, c, p| {
            let params = <M::Params as RpcParams>::decode(M::NAME, &p.values);
            let fut: BoxFuture<CallResult> = match params {
                Ok(params) => {
                    let call = f(s, c.clone(), params);
                    Box::pin(async move { to_value(call.await?) })
                }
                Err(e) => Box::pin(async move { Err(e) }),
            };
            match &offload {
                Some(off) => off(&c, fut),
                None => fut,
            }
        });
        self.push(Registered {
            info: M::info(),
            handler: Bound::Call(run),
        });
    }

    /// Registers the channel method `M`: its handler returns a receiver of items.
    pub fn add_channel<M, F, Fut>(&mut self, _method: M, f: F)
    where
        M: RpcMethod,
        F: Fn(Arc<S>, CallCtx, M::Params) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<mpsc::Receiver<M::Ok>, RpcError>> + Send + 'static,
    {
        let run: BoundChannel<S> = Arc::new(move |s, c, p| match <M::Params as RpcParams>::decode(
            M::NAME,
            &p.values,
        ) {
            Ok(params) => {
                let call = f(s, c, params);
                Box::pin(async move { Ok(encode_items(call.await?)) })
            }
            Err(e) => Box::pin(async move { Err(e) }),
        });
        self.push(Registered {
            info: M::info(),
            handler: Bound::Channel(run),
        });
    }

    /// Registers the discovery method `M`, answered from this table.
    pub fn add_discover<M: RpcMethod>(&mut self, _method: M) {
        self.push(Registered {
            info: M::info(),
            handler: Bound::Discover,
        });
    }
}

/// Forwards typed channel items as JSON values until either side closes: when the
/// reader goes away the handler's receiver is dropped at once, so a handler waiting on
/// its sender's `closed()` stops without waiting for its next item.
fn encode_items<T: Serialize + Send + 'static>(mut rx: mpsc::Receiver<T>) -> mpsc::Receiver<Value> {
    let (tx, out) = mpsc::channel(1);
    tokio::spawn(async move {
        loop {
            let item = tokio::select! {
                item = rx.recv() => item,
                _ = tx.closed() => break,
            };
            let Some(item) = item else {
                break;
            };
            let Ok(v) = serde_json::to_value(item) else {
                break;
            };
            if tx.send(v).await.is_err() {
                break;
            }
        }
    });
    out
}

impl<S> MethodTable<S> {
    /// Finds the method `wire_name` (or an alias of it) served on `version`.
    pub fn get(&self, version: ApiVersion, wire_name: &str) -> Option<&Registered<S>> {
        let map = match version {
            ApiVersion::V0 => &self.v0,
            ApiVersion::V1 => &self.v1,
        };
        map.get(wire_name).map(|r| r.as_ref())
    }

    /// All registered methods in registration order.
    pub fn iter(&self) -> impl Iterator<Item = &Registered<S>> {
        self.order.iter().map(|r| r.as_ref())
    }

    /// The facts of every registered method, in registration order.
    pub fn infos(&self) -> Vec<MethodInfo> {
        self.iter().map(|r| r.info).collect()
    }

    /// A discovery document (OpenRPC-shaped) for one API version: every method served
    /// there with its parameters, permission and whether it is a channel.
    pub fn discover(&self, version: ApiVersion, api_version: u32) -> Value {
        let methods: Vec<Value> = self
            .iter()
            .filter(|m| {
                self.get(version, m.info.name)
                    .is_some_and(|served| std::ptr::eq(served, *m))
            })
            .map(|m| {
                serde_json::json!({
                    "name": m.info.name,
                    "paramStructure": "by-position",
                    "params": m.info.param_names.iter().enumerate().map(|(i, n)| serde_json::json!({
                        "name": n,
                        "required": i < m.info.required_params,
                    })).collect::<Vec<_>>(),
                    "x-permission": m.info.perm.as_str(),
                    "x-subscription": m.is_channel(),
                })
            })
            .collect();
        serde_json::json!({
            "openrpc": "1.2.6",
            "info": { "title": self.title, "version": api_version.to_string() },
            "methods": methods,
        })
    }
}

/// Serialises a handler's result into a JSON value.
pub fn to_value<T: Serialize>(v: T) -> CallResult {
    serde_json::to_value(v).map_err(|e| RpcError::handler(format!("encoding result: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn typed_channel_items_are_forwarded_and_a_gone_reader_closes_the_source() {
        let (tx, rx) = mpsc::channel::<u64>(4);
        let mut out = encode_items(rx);
        tx.send(7).await.expect("sent");
        assert_eq!(out.recv().await, Some(Value::from(7)));
        drop(out);
        tokio::time::timeout(Duration::from_secs(5), tx.closed())
            .await
            .expect("the handler's sender sees the reader go");
    }
}
