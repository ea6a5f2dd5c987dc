//! A JSON-RPC client for the Lotus API over WebSocket: plain calls and go-jsonrpc's
//! channel protocol (the channel id answer, then `xrpc.ch.val` / `xrpc.ch.close`
//! notifications; `xrpc.cancel` when the caller stops listening).

use crate::client::{encode_params, ApiInfo};
use crate::error::RpcError;
use crate::rpc_method::RpcMethod;
use futures::{SinkExt, StreamExt};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;

/// Errors a WebSocket call can end with.
#[derive(Debug, thiserror::Error)]
pub enum WsError {
    /// The node could not be reached or the connection failed.
    #[error("cannot reach the node at {url}: {reason}")]
    Transport {
        /// The endpoint.
        url: String,
        /// The cause.
        reason: String,
    },
    /// The node refused the token (HTTP 401 on the upgrade).
    #[error("the node rejected the API token (HTTP 401)")]
    Unauthorized,
    /// The node answered with a JSON-RPC error.
    #[error("{0}")]
    Rpc(RpcError),
    /// The node's answer could not be read.
    #[error("bad response from the node: {0}")]
    BadResponse(String),
    /// The connection closed before the answer came.
    #[error("the connection to the node closed")]
    Closed,
}

/// What a pending request waits for.
enum Waiter {
    /// A plain call: its result.
    Call(oneshot::Sender<Result<Value, WsError>>),
    /// A channel call: the receiving end of the channel, registered before any value.
    Channel(oneshot::Sender<Result<mpsc::UnboundedReceiver<Value>, WsError>>),
}

#[derive(Default)]
struct Shared {
    pending: HashMap<u64, Waiter>,
    channels: HashMap<u64, mpsc::UnboundedSender<Value>>,
    closed: bool,
}

/// A client for one API endpoint over one WebSocket connection.
pub struct WsClient {
    url: String,
    out: mpsc::UnboundedSender<Message>,
    shared: Arc<Mutex<Shared>>,
    next_id: AtomicU64,
}

/// A stream of channel values from a channel method such as `MpoolSub` or `ChainNotify`.
/// Dropping it cancels the subscription on the server (`xrpc.cancel`).
pub struct Subscription {
    rx: mpsc::UnboundedReceiver<Value>,
    out: mpsc::UnboundedSender<Message>,
    req_id: u64,
}

impl Subscription {
    /// The next value; `None` once the server closed the channel or the connection ended.
    pub async fn next(&mut self) -> Option<Value> {
        self.rx.recv().await
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let cancel = json!({ "jsonrpc": "2.0", "method": "xrpc.cancel", "params": [self.req_id] });
        let _ = self.out.send(Message::Text(cancel.to_string().into()));
    }
}

/// The WebSocket URL for `info` on API version `version`: `ws://host:port/rpc/<version>`.
pub fn ws_url(info: &ApiInfo, version: &str) -> String {
    let base = if let Some(rest) = info.base_url.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = info.base_url.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        info.base_url.clone()
    };
    format!("{base}/rpc/{version}")
}

fn rpc_error(err: &Value) -> RpcError {
    let code = err.get("code").and_then(Value::as_i64).unwrap_or(1);
    let msg = err
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or("unknown error");
    RpcError::new(code, msg)
}

impl WsClient {
    /// Connects to `info` on API version `version` ("v0" or "v1"), sending the token
    /// as `Authorization: Bearer` on the upgrade request.
    pub async fn connect(info: &ApiInfo, version: &str) -> Result<WsClient, WsError> {
        let url = ws_url(info, version);
        let transport = |reason: String| WsError::Transport {
            url: url.clone(),
            reason,
        };
        let mut req = url
            .as_str()
            .into_client_request()
            .map_err(|e| transport(e.to_string()))?;
        if let Some(t) = &info.token {
            let v = HeaderValue::from_str(&format!("Bearer {t}")).map_err(|_| {
                WsError::BadResponse("the API token is not valid header text".into())
            })?;
            req.headers_mut().insert("Authorization", v);
        }
        let (socket, _) = match tokio_tungstenite::connect_async(req).await {
            Ok(ok) => ok,
            Err(tokio_tungstenite::tungstenite::Error::Http(resp)) if resp.status() == 401 => {
                return Err(WsError::Unauthorized)
            }
            Err(e) => return Err(transport(e.to_string())),
        };
        let (mut sink, mut stream) = socket.split();
        let (out, mut out_rx) = mpsc::unbounded_channel::<Message>();
        let shared = Arc::new(Mutex::new(Shared::default()));
        tokio::spawn(async move {
            while let Some(m) = out_rx.recv().await {
                if sink.send(m).await.is_err() {
                    break;
                }
            }
            let _ = sink.close().await;
        });
        let reader_shared = shared.clone();
        tokio::spawn(async move {
            while let Some(frame) = stream.next().await {
                let text = match frame {
                    Ok(Message::Text(t)) => t.to_string(),
                    Ok(Message::Binary(b)) => String::from_utf8_lossy(&b).into_owned(),
                    Ok(Message::Close(_)) | Err(_) => break,
                    Ok(_) => continue,
                };
                let Ok(v) = serde_json::from_str::<Value>(&text) else {
                    continue;
                };
                handle_frame(&reader_shared, v);
            }
            // The connection ended: fail whatever still waits, close every channel.
            if let Ok(mut s) = reader_shared.lock() {
                s.closed = true;
                for (_, w) in s.pending.drain() {
                    match w {
                        Waiter::Call(tx) => {
                            let _ = tx.send(Err(WsError::Closed));
                        }
                        Waiter::Channel(tx) => {
                            let _ = tx.send(Err(WsError::Closed));
                        }
                    }
                }
                s.channels.clear();
            }
        });
        Ok(WsClient {
            url,
            out,
            shared,
            next_id: AtomicU64::new(1),
        })
    }

    /// The endpoint URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    fn send_request(
        &self,
        method: &str,
        params: Vec<Value>,
        waiter: Waiter,
    ) -> Result<u64, WsError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        {
            let mut s = self.shared.lock().map_err(|_| WsError::Closed)?;
            if s.closed {
                return Err(WsError::Closed);
            }
            s.pending.insert(id, waiter);
        }
        let body = json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params });
        self.out
            .send(Message::Text(body.to_string().into()))
            .map_err(|_| WsError::Closed)?;
        Ok(id)
    }

    /// Calls `Filecoin.<method>` with positional params and returns the raw result.
    pub async fn call_raw(&self, method: &str, params: Vec<Value>) -> Result<Value, WsError> {
        let (tx, rx) = oneshot::channel();
        self.send_request(&format!("Filecoin.{method}"), params, Waiter::Call(tx))?;
        rx.await.map_err(|_| WsError::Closed)?
    }

    /// Calls a method and decodes its result.
    pub async fn call<T: DeserializeOwned>(
        &self,
        method: &str,
        params: Vec<Value>,
    ) -> Result<T, WsError> {
        let v = self.call_raw(method, params).await?;
        serde_json::from_value(v).map_err(|e| WsError::BadResponse(format!("{method}: {e}")))
    }

    /// Calls a channel method and returns the stream of its values.
    pub async fn subscribe(
        &self,
        method: &str,
        params: Vec<Value>,
    ) -> Result<Subscription, WsError> {
        let (tx, rx) = oneshot::channel();
        let req_id =
            self.send_request(&format!("Filecoin.{method}"), params, Waiter::Channel(tx))?;
        let rx = rx.await.map_err(|_| WsError::Closed)??;
        Ok(Subscription {
            rx,
            out: self.out.clone(),
            req_id,
        })
    }
}

impl WsClient {
    /// Calls the typed method `M`.
    pub async fn request<M: RpcMethod>(&self, params: M::Params) -> Result<M::Ok, WsError> {
        let values = encode_params::<M>(&params).map_err(WsError::BadResponse)?;
        let (tx, rx) = oneshot::channel();
        self.send_request(M::NAME, values, Waiter::Call(tx))?;
        let v = rx.await.map_err(|_| WsError::Closed)??;
        serde_json::from_value(v).map_err(|e| WsError::BadResponse(format!("{}: {e}", M::NAME)))
    }

    /// Calls the typed channel method `M` and returns the stream of its items.
    pub async fn subscribe_to<M: RpcMethod>(
        &self,
        params: M::Params,
    ) -> Result<TypedSubscription<M::Ok>, WsError> {
        let values = encode_params::<M>(&params).map_err(WsError::BadResponse)?;
        let (tx, rx) = oneshot::channel();
        let req_id = self.send_request(M::NAME, values, Waiter::Channel(tx))?;
        let rx = rx.await.map_err(|_| WsError::Closed)??;
        Ok(TypedSubscription {
            inner: Subscription {
                rx,
                out: self.out.clone(),
                req_id,
            },
            method: M::NAME,
            item: PhantomData,
        })
    }
}

/// A stream of typed items from a channel method; dropping it cancels the
/// subscription.
pub struct TypedSubscription<T> {
    inner: Subscription,
    method: &'static str,
    item: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> TypedSubscription<T> {
    /// The next item; `None` once the channel or the connection closed.
    pub async fn next(&mut self) -> Option<Result<T, WsError>> {
        let v = self.inner.next().await?;
        Some(
            serde_json::from_value(v)
                .map_err(|e| WsError::BadResponse(format!("{}: {e}", self.method))),
        )
    }
}

/// Routes one frame from the server: a response to a pending request, or a channel
/// notification.
fn handle_frame(shared: &Mutex<Shared>, v: Value) {
    let Ok(mut s) = shared.lock() else {
        return;
    };
    match v.get("method").and_then(Value::as_str) {
        Some("xrpc.ch.val") => {
            let chan = v.pointer("/params/0").and_then(Value::as_u64);
            let val = v.pointer("/params/1").cloned().unwrap_or(Value::Null);
            if let Some(tx) = chan.and_then(|c| s.channels.get(&c)) {
                if tx.send(val).is_err() {
                    // Nobody listens any more; the Subscription's drop cancels it.
                    if let Some(c) = chan {
                        s.channels.remove(&c);
                    }
                }
            }
            return;
        }
        Some("xrpc.ch.close") => {
            if let Some(c) = v.pointer("/params/0").and_then(Value::as_u64) {
                s.channels.remove(&c);
            }
            return;
        }
        Some(_) => return,
        None => {}
    }
    let Some(id) = v.get("id").and_then(Value::as_u64) else {
        return;
    };
    let Some(waiter) = s.pending.remove(&id) else {
        return;
    };
    let result = match v.get("error") {
        Some(err) if !err.is_null() => Err(WsError::Rpc(rpc_error(err))),
        _ => Ok(v.get("result").cloned().unwrap_or(Value::Null)),
    };
    match waiter {
        Waiter::Call(tx) => {
            let _ = tx.send(result);
        }
        Waiter::Channel(tx) => {
            let answer = result.and_then(|r| {
                let chan = r.as_u64().ok_or_else(|| {
                    WsError::BadResponse(format!("expected a channel id, got {r}"))
                })?;
                let (ctx, crx) = mpsc::unbounded_channel();
                s.channels.insert(chan, ctx);
                Ok(crx)
            });
            let _ = tx.send(answer);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{rpc_methods, JwtAuth, MethodTable, RpcServer, ServerConfig};
    use std::time::Duration;

    rpc_methods! {
        /// The test API.
        fn test_api;
        /// Streams `{"n": 0}` … `{"n": count - 1}`, then closes.
        Count = "Filecoin.Count", Read, channel (count: u64) -> Value;
        /// Answers with its parameter; needs write.
        Echo = "Filecoin.Echo", Write, call (v: Value) -> Value;
    }

    struct State;

    async fn start() -> (ApiInfo, JwtAuth, oneshot::Sender<()>) {
        assert_eq!(test_api().len(), 2);
        let mut table = MethodTable::empty("client test API");
        table.add_channel(Count, |_s: Arc<State>, _c, (count,): (u64,)| async move {
            let (tx, rx) = mpsc::channel(4);
            tokio::spawn(async move {
                for i in 0..count {
                    if tx.send(json!({ "n": i })).await.is_err() {
                        return;
                    }
                }
            });
            Ok(rx)
        });
        table.add(
            Echo,
            |_s: Arc<State>, _c, (v,): (Value,)| async move { Ok(v) },
        );
        let auth = JwtAuth::new(&[3; 32]);
        let server = RpcServer::new(
            Arc::new(State),
            table,
            JwtAuth::new(&[3; 32]),
            ServerConfig::default(),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(server.serve(listener, async move {
            let _ = rx.await;
        }));
        let info = ApiInfo {
            base_url: format!("http://127.0.0.1:{port}"),
            token: None,
        };
        (info, auth, tx)
    }

    #[tokio::test]
    async fn calls_and_streams_channels() {
        let (info, auth, _stop) = start().await;
        let c = WsClient::connect(&info, "v1").await.unwrap();
        // Without a token, Echo (write) is refused with go-jsonrpc's code 1.
        match c.call_raw("Echo", vec![json!("hi")]).await {
            Err(WsError::Rpc(e)) => assert!(e.to_string().contains("missing permission")),
            other => panic!("expected a permission error, got {other:?}"),
        }
        match c.call_raw("Nope", vec![]).await {
            Err(WsError::Rpc(e)) => assert!(e.to_string().contains("not found"), "{e}"),
            other => panic!("expected method not found, got {other:?}"),
        }
        let mut sub = c.subscribe("Count", vec![json!(3)]).await.unwrap();
        for i in 0..3 {
            let v = tokio::time::timeout(Duration::from_secs(10), sub.next())
                .await
                .unwrap();
            assert_eq!(v, Some(json!({ "n": i })));
        }
        let end = tokio::time::timeout(Duration::from_secs(10), sub.next())
            .await
            .unwrap();
        assert_eq!(end, None, "xrpc.ch.close ends the stream");

        let token = auth.issue(&["read".to_string(), "write".to_string()]);
        let authed = ApiInfo {
            token: Some(token),
            ..info.clone()
        };
        let c = WsClient::connect(&authed, "v1").await.unwrap();
        let v: String = c.call("Echo", vec![json!("hi")]).await.unwrap();
        assert_eq!(v, "hi");

        let bad = ApiInfo {
            token: Some("not.a.jwt".into()),
            ..info
        };
        assert!(matches!(
            WsClient::connect(&bad, "v1").await,
            Err(WsError::Unauthorized)
        ));
    }

    #[test]
    fn ws_urls() {
        let i = ApiInfo {
            base_url: "http://127.0.0.1:1234".into(),
            token: None,
        };
        assert_eq!(ws_url(&i, "v1"), "ws://127.0.0.1:1234/rpc/v1");
        let i = ApiInfo {
            base_url: "https://node:443".into(),
            token: None,
        };
        assert_eq!(ws_url(&i, "v0"), "wss://node:443/rpc/v0");
    }
}
