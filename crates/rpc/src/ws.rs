//! The WebSocket side: one JSON-RPC request or batch per text frame, go-jsonrpc's
//! channel protocol (`xrpc.ch.val`, `xrpc.ch.close`, `xrpc.cancel`) and pings.

use crate::error::{self, RpcError};
use crate::method::CallCtx;
use crate::server::{dispatch, error_response, Inner, Outcome};
use axum::extract::ws::{Message, Utf8Bytes, WebSocket};
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// How often the server pings the client.
const PING_INTERVAL: Duration = Duration::from_secs(5);
/// Bound on queued outgoing frames per connection.
const OUTBOX: usize = 1024;

/// Per-connection bookkeeping: in-flight requests that `xrpc.cancel` can stop.
struct Conn {
    out: mpsc::Sender<Message>,
    next_chan: AtomicU64,
    cancels: Mutex<HashMap<String, oneshot::Sender<()>>>,
}

impl Conn {
    async fn send(&self, v: Value) {
        let _ = self
            .out
            .send(Message::Text(Utf8Bytes::from(v.to_string())))
            .await;
    }

    fn register(&self, id: &Value) -> Option<oneshot::Receiver<()>> {
        if id.is_null() {
            return None;
        }
        let (tx, rx) = oneshot::channel();
        self.cancels.lock().ok()?.insert(id.to_string(), tx);
        Some(rx)
    }

    fn unregister(&self, id: &Value) {
        if let Ok(mut m) = self.cancels.lock() {
            m.remove(&id.to_string());
        }
    }

    fn cancel(&self, id: &Value) {
        let tx = self
            .cancels
            .lock()
            .ok()
            .and_then(|mut m| m.remove(&id.to_string()));
        if let Some(tx) = tx {
            let _ = tx.send(());
        }
    }
}

/// Serves one upgraded connection until the client leaves or the server closes.
pub(crate) async fn serve_socket<S: Send + Sync + 'static>(
    inner: Arc<Inner<S>>,
    ctx: CallCtx,
    socket: WebSocket,
) {
    let (mut sink, mut stream) = socket.split();
    let (out_tx, mut out_rx) = mpsc::channel::<Message>(OUTBOX);
    let writer = tokio::spawn(async move {
        let mut ping = tokio::time::interval(PING_INTERVAL);
        ping.tick().await;
        loop {
            tokio::select! {
                msg = out_rx.recv() => match msg {
                    Some(m) => if sink.send(m).await.is_err() { break },
                    None => break,
                },
                _ = ping.tick() => if sink.send(Message::Ping(Default::default())).await.is_err() { break },
            }
        }
        let _ = sink.send(Message::Close(None)).await;
    });
    let conn = Arc::new(Conn {
        out: out_tx,
        next_chan: AtomicU64::new(1),
        cancels: Mutex::new(HashMap::new()),
    });
    let mut closing = inner.closing.clone();
    loop {
        let frame = tokio::select! {
            f = stream.next() => f,
            _ = closing.wait_for(|c| *c) => break,
        };
        let text = match frame {
            Some(Ok(Message::Text(t))) => t.to_string(),
            Some(Ok(Message::Binary(b))) => String::from_utf8_lossy(&b).into_owned(),
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
            Some(Ok(_)) => continue,
        };
        if text.len() > inner.config.max_request_bytes {
            let e = RpcError::new(
                error::PARSE_ERROR,
                format!(
                    "request bigger than maximum {} allowed",
                    inner.config.max_request_bytes
                ),
            );
            conn.send(error_response(Value::Null, &e)).await;
            continue;
        }
        let parsed: Value = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(_) => {
                conn.send(error_response(
                    Value::Null,
                    &RpcError::new(error::PARSE_ERROR, "Parse error"),
                ))
                .await;
                continue;
            }
        };
        if parsed.get("method").and_then(Value::as_str) == Some("xrpc.cancel") {
            if let Some(id) = parsed.get("params").and_then(|p| p.get(0)) {
                conn.cancel(id);
            }
            continue;
        }
        tokio::spawn(handle_frame(
            inner.clone(),
            ctx.clone(),
            conn.clone(),
            parsed,
        ));
    }
    // Dropping the connection state closes the outbox; cancel whatever still runs.
    let pending: Vec<_> = conn
        .cancels
        .lock()
        .map(|mut m| m.drain().map(|(_, tx)| tx).collect())
        .unwrap_or_default();
    for tx in pending {
        let _ = tx.send(());
    }
    drop(conn);
    let _ = writer.await;
}

async fn handle_frame<S: Send + Sync + 'static>(
    inner: Arc<Inner<S>>,
    ctx: CallCtx,
    conn: Arc<Conn>,
    req: Value,
) {
    if let Value::Array(reqs) = req {
        if reqs.is_empty() {
            conn.send(error_response(
                Value::Null,
                &RpcError::new(error::INVALID_REQUEST, "Invalid request"),
            ))
            .await;
            return;
        }
        let mut out = Vec::new();
        for r in reqs {
            if let Outcome::Reply(_, v) = dispatch(&inner, &ctx, r, false).await {
                out.push(v);
            }
        }
        conn.send(Value::Array(out)).await;
        return;
    }
    let id = req.get("id").cloned().unwrap_or(Value::Null);
    let Some(mut cancelled) = conn.register(&id) else {
        // Notifications cannot be cancelled and get no answer.
        let _ = dispatch(&inner, &ctx, req, true).await;
        return;
    };
    let outcome = tokio::select! {
        o = dispatch(&inner, &ctx, req, true) => o,
        _ = &mut cancelled => {
            conn.unregister(&id);
            conn.send(error_response(id, &RpcError::handler("context canceled"))).await;
            return;
        }
    };
    match outcome {
        Outcome::Silent => conn.unregister(&id),
        Outcome::Reply(_, v) => {
            conn.unregister(&id);
            conn.send(v).await;
        }
        Outcome::Channel(id, mut rx) => {
            let chan = conn.next_chan.fetch_add(1, Ordering::Relaxed);
            conn.send(json!({ "jsonrpc": "2.0", "id": id, "result": chan }))
                .await;
            loop {
                tokio::select! {
                    v = rx.recv() => match v {
                        Some(v) => conn.send(json!({ "jsonrpc": "2.0", "method": "xrpc.ch.val", "params": [chan, v] })).await,
                        None => break,
                    },
                    _ = &mut cancelled => break,
                }
            }
            conn.unregister(&id);
            conn.send(json!({ "jsonrpc": "2.0", "method": "xrpc.ch.close", "params": [chan] }))
                .await;
        }
    }
}
