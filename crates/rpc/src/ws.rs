//! The WebSocket side: one JSON-RPC request or batch per message, go-jsonrpc's
//! channel protocol (`xrpc.ch.val`, `xrpc.ch.close`, `xrpc.cancel`), pings that the
//! client must answer, a cap on requests in flight per connection, and a send buffer
//! measured in bytes: a client that does not read its replies is disconnected.

use crate::config::permits;
use crate::conn::ConnInfo;
use crate::dispatch::{
    dispatch, error_text, handle_requests, parse_owned, too_big, Outcome, Parsed,
};
use crate::error::RpcError;
use crate::method::CallCtx;
use crate::request::Id;
use crate::shared::{until_set, Inner};
use axum::body::Bytes;
use axum::extract::ws::{Message, Utf8Bytes, WebSocket};
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// How often the server pings the client (more often when the idle timeout is short).
const PING_INTERVAL: Duration = Duration::from_secs(5);

/// How long a connection that sent an oversized message is kept open after the error
/// reply and the close frame, so the client can read them.
const LINGER: Duration = Duration::from_secs(1);

/// Per-connection state: the outgoing queue and in-flight requests `xrpc.cancel` can stop.
struct Conn {
    out: mpsc::UnboundedSender<String>,
    /// Bytes queued and not yet written to the socket.
    queued: Arc<AtomicUsize>,
    max_queued: usize,
    /// Set when the client fell too far behind: the connection is dropped.
    dead: watch::Sender<bool>,
    next_chan: AtomicU64,
    cancels: Mutex<HashMap<String, oneshot::Sender<()>>>,
}

impl Conn {
    fn send_text(&self, text: String) {
        let n = text.len();
        let before = self.queued.fetch_add(n, Ordering::SeqCst);
        if before > 0 && before.saturating_add(n) > self.max_queued {
            self.queued.fetch_sub(n, Ordering::SeqCst);
            if !*self.dead.borrow() {
                tracing::info!("a WebSocket client is not reading its replies; disconnecting it");
            }
            self.dead.send_replace(true);
            return;
        }
        if self.out.send(text).is_err() {
            self.queued.fetch_sub(n, Ordering::SeqCst);
        }
    }

    fn send(&self, v: Value) {
        self.send_text(v.to_string());
    }

    fn register(&self, id: &Id) -> Option<oneshot::Receiver<()>> {
        if id.is_null() {
            return None;
        }
        let (tx, rx) = oneshot::channel();
        self.cancels
            .lock()
            .ok()?
            .insert(id.as_json().to_string(), tx);
        Some(rx)
    }

    fn unregister(&self, id: &Id) {
        if let Ok(mut m) = self.cancels.lock() {
            m.remove(id.as_json());
        }
    }

    fn cancel(&self, id: &str) {
        let tx = self.cancels.lock().ok().and_then(|mut m| m.remove(id));
        if let Some(tx) = tx {
            let _ = tx.send(());
        }
    }
}

/// Writes queued replies and pings until the queue closes or the client is dropped.
async fn write_loop(
    mut sink: futures::stream::SplitSink<WebSocket, Message>,
    mut out_rx: mpsc::UnboundedReceiver<String>,
    queued: Arc<AtomicUsize>,
    mut dead: watch::Receiver<bool>,
    every: Duration,
) {
    let mut ping = tokio::time::interval(every);
    ping.tick().await;
    loop {
        tokio::select! {
            msg = out_rx.recv() => match msg {
                Some(text) => {
                    let n = text.len();
                    let sent = sink.send(Message::Text(Utf8Bytes::from(text))).await;
                    queued.fetch_sub(n, Ordering::SeqCst);
                    if sent.is_err() { return }
                }
                None => break,
            },
            _ = ping.tick() => if sink.send(Message::Ping(Default::default())).await.is_err() { return },
            _ = kicked(&mut dead) => return,
        }
    }
    let _ = sink.send(Message::Close(None)).await;
}

/// Resolves only when the client was marked too slow (not when the connection state is
/// merely dropped: queued replies are still written then).
async fn kicked(dead: &mut watch::Receiver<bool>) {
    if dead.wait_for(|d| *d).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// True when a read error is a message or frame over the size limit.
fn is_too_big(e: axum::Error) -> bool {
    let inner = e.into_inner();
    matches!(
        inner.downcast_ref::<tokio_tungstenite::tungstenite::Error>(),
        Some(tokio_tungstenite::tungstenite::Error::Capacity(_))
    )
}

/// Serves one upgraded connection until the client leaves, stops answering pings,
/// falls behind, or the server closes. `conn_slot` keeps its connection counted.
pub(crate) async fn serve_socket<S: Send + Sync + 'static>(
    inner: Arc<Inner<S>>,
    ctx: CallCtx,
    socket: WebSocket,
    conn_slot: Option<Arc<ConnInfo>>,
) {
    let (sink, mut stream) = socket.split();
    let (out_tx, out_rx) = mpsc::unbounded_channel::<String>();
    let queued = Arc::new(AtomicUsize::new(0));
    let (dead, dead_rx) = watch::channel(false);
    let idle = inner.config.idle_timeout;
    let every = PING_INTERVAL.min(idle / 3).max(Duration::from_millis(100));
    let writer = tokio::spawn(write_loop(
        sink,
        out_rx,
        queued.clone(),
        dead_rx.clone(),
        every,
    ));
    let conn = Arc::new(Conn {
        out: out_tx,
        queued,
        max_queued: inner.config.max_send_buffer_bytes,
        dead,
        next_chan: AtomicU64::new(1),
        cancels: Mutex::new(HashMap::new()),
    });
    let per_conn = Arc::new(Semaphore::new(permits(
        inner.config.max_connection_requests,
    )));
    let mut closing = inner.closing.clone();
    let mut dead_rx = dead_rx;
    let mut last_seen = Instant::now();
    let mut linger = false;
    loop {
        let frame = tokio::select! {
            f = stream.next() => f,
            _ = until_set(&mut closing) => break,
            _ = until_set(&mut dead_rx) => break,
            _ = tokio::time::sleep_until(last_seen + idle) => {
                tracing::debug!("closing a WebSocket that stopped answering pings");
                break;
            }
        };
        last_seen = Instant::now();
        let bytes = match frame {
            Some(Ok(Message::Text(t))) => Bytes::from(t),
            Some(Ok(Message::Binary(b))) => b,
            Some(Ok(Message::Close(_))) | None => break,
            Some(Err(e)) => {
                if is_too_big(e) {
                    let limit = inner.config.max_request_bytes;
                    conn.send_text(error_text(&Id::NULL, &too_big(limit)));
                    linger = true;
                }
                break;
            }
            Some(Ok(_)) => continue,
        };
        // Back-pressure: no more reading while this connection has too many requests.
        let permits = tokio::select! {
            p = per_conn.clone().acquire_owned() => p,
            _ = until_set(&mut closing) => break,
            _ = until_set(&mut dead_rx) => break,
        };
        let global = tokio::select! {
            p = inner.requests.clone().acquire_owned() => p,
            _ = until_set(&mut closing) => break,
            _ = until_set(&mut dead_rx) => break,
        };
        let (Ok(permit), Ok(global)) = (permits, global) else {
            break;
        };
        let held = Held {
            _per_conn: permit,
            _overall: global,
        };
        tokio::spawn(handle_frame(
            inner.clone(),
            ctx.clone(),
            conn.clone(),
            bytes,
            held,
        ));
    }
    // Cancel whatever still runs; dropping the connection state closes the outbox.
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
    if linger {
        // The rest of the oversized message is still unread: closing the socket now
        // would reset it and could destroy the error reply before the client reads
        // it. Give the client a moment to read the error and the close frame.
        let _ = tokio::time::timeout(LINGER, until_set(&mut closing)).await;
    }
    drop(stream);
    drop(conn_slot);
}

/// The per-connection and overall request permits of one message, held until its
/// reply is ready (not while a channel it opened streams).
struct Held {
    _per_conn: OwnedSemaphorePermit,
    _overall: OwnedSemaphorePermit,
}

async fn handle_frame<S: Send + Sync + 'static>(
    inner: Arc<Inner<S>>,
    ctx: CallCtx,
    conn: Arc<Conn>,
    bytes: Bytes,
    held: Held,
) {
    let requests = match parse_owned(bytes, inner.config.max_batch).await {
        Ok(r) => r,
        Err(e) => return conn.send_text(error_text(&Id::NULL, &e)),
    };
    if requests.batch {
        if let Some((_, text)) = handle_requests(&inner, &ctx, requests).await {
            conn.send_text(text);
        }
        return;
    }
    let Some(req) = requests.reqs.into_iter().next() else {
        return;
    };
    run_single(inner, ctx, conn, req, held).await;
}

async fn run_single<S: Send + Sync + 'static>(
    inner: Arc<Inner<S>>,
    ctx: CallCtx,
    conn: Arc<Conn>,
    req: Parsed,
    held: Held,
) {
    if let Ok(r) = &req {
        if r.method == "xrpc.cancel" {
            if let Some(id) = r.params.first() {
                conn.cancel(id.get());
            }
            return;
        }
    }
    let id = req.as_ref().map_or(Id::NULL, |r| r.id.clone());
    let max = inner.config.max_response_bytes;
    let Some(mut cancelled) = conn.register(&id) else {
        // Notifications and unreadable requests cannot be cancelled.
        if let Outcome::Reply(_, text) = dispatch(&inner, &ctx, req, true, max).await {
            conn.send_text(text);
        }
        return;
    };
    let outcome = tokio::select! {
        o = dispatch(&inner, &ctx, req, true, max) => o,
        _ = &mut cancelled => {
            conn.unregister(&id);
            conn.send_text(error_text(&id, &RpcError::handler("context canceled")));
            return;
        }
    };
    drop(held);
    match outcome {
        Outcome::Silent => conn.unregister(&id),
        Outcome::Reply(_, text) => {
            conn.unregister(&id);
            conn.send_text(text);
        }
        Outcome::Channel(id, mut rx) => {
            let chan = conn.next_chan.fetch_add(1, Ordering::Relaxed);
            conn.send_text(format!(
                r#"{{"jsonrpc":"2.0","id":{},"result":{chan}}}"#,
                id.as_json()
            ));
            loop {
                tokio::select! {
                    v = rx.recv() => match v {
                        Some(v) => conn.send(json!({ "jsonrpc": "2.0", "method": "xrpc.ch.val", "params": [chan, v] })),
                        None => break,
                    },
                    _ = &mut cancelled => break,
                }
            }
            conn.unregister(&id);
            conn.send(json!({ "jsonrpc": "2.0", "method": "xrpc.ch.close", "params": [chan] }));
        }
    }
}
