//! Dispatch shared by HTTP and WebSocket: parsing a body (off the async workers when
//! it is large), permission and arity checks, running the handler, and writing the
//! reply text under the reply size limit, with the request id echoed exactly.

use crate::error::{self, RpcError};
use crate::method::{ApiVersion, Bound, CallCtx, ChannelResult, Params};
use crate::request::{parse_body, parse_request, Body, Id, Request};
use crate::shared::Inner;
use axum::body::Bytes;
use axum::http::StatusCode;
use futures::FutureExt;
use serde_json::Value;
use std::io::Write;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

/// Bodies larger than this are parsed on the blocking pool.
const PARSE_INLINE_MAX: usize = 256 << 10;

/// A request as parsed: well-formed, or the id to answer with and the error.
pub(crate) type Parsed = Result<Request, Box<(Id, RpcError)>>;

/// A body's requests, each owning its text, and whether they came as a batch.
pub(crate) struct Requests {
    pub(crate) batch: bool,
    pub(crate) reqs: Vec<Parsed>,
}

/// What dispatching one request produced.
pub(crate) enum Outcome {
    /// A notification: nothing to send.
    Silent,
    /// A response's JSON text and its HTTP status.
    Reply(StatusCode, String),
    /// A channel opened: the request id and the value stream.
    Channel(Id, tokio::sync::mpsc::Receiver<Value>),
}

fn parse_all(bytes: &[u8], max_batch: usize) -> Result<Requests, RpcError> {
    Ok(match parse_body(bytes, max_batch)? {
        Body::Single(r) => Requests {
            batch: false,
            reqs: vec![parse_request(r)],
        },
        Body::Batch(rs) => Requests {
            batch: true,
            reqs: rs.into_iter().map(parse_request).collect(),
        },
    })
}

/// Parses a body; a large one on the blocking pool, so it cannot stall the workers.
pub(crate) async fn parse_owned(bytes: Bytes, max_batch: usize) -> Result<Requests, RpcError> {
    if bytes.len() <= PARSE_INLINE_MAX {
        return parse_all(&bytes, max_batch);
    }
    tokio::task::spawn_blocking(move || parse_all(&bytes, max_batch))
        .await
        .unwrap_or_else(|e| Err(RpcError::handler(format!("parsing the request: {e}"))))
}

/// Handles a whole body (single request or batch) without channels. `None` means
/// send nothing.
pub(crate) async fn handle_body<S: Send + Sync + 'static>(
    inner: &Arc<Inner<S>>,
    ctx: &CallCtx,
    bytes: Bytes,
) -> Option<(StatusCode, String)> {
    match parse_owned(bytes, inner.config.max_batch).await {
        Err(e) => Some((status_for(e.code), error_text(&Id::NULL, &e))),
        Ok(r) => handle_requests(inner, ctx, r).await,
    }
}

/// Runs parsed requests; a batch's replies are joined in order, notifications skipped.
pub(crate) async fn handle_requests<S: Send + Sync + 'static>(
    inner: &Arc<Inner<S>>,
    ctx: &CallCtx,
    requests: Requests,
) -> Option<(StatusCode, String)> {
    let max = inner.config.max_response_bytes;
    if !requests.batch {
        let single = requests.reqs.into_iter().next()?;
        return match dispatch(inner, ctx, single, false, max).await {
            Outcome::Reply(status, text) => Some((status, text)),
            Outcome::Silent | Outcome::Channel(..) => None,
        };
    }
    let mut out = String::from("[");
    for r in requests.reqs {
        let room = max.saturating_sub(out.len());
        if let Outcome::Reply(_, text) = dispatch(inner, ctx, r, false, room).await {
            if out.len() > 1 {
                out.push(',');
            }
            out.push_str(&text);
        }
    }
    out.push(']');
    Some((StatusCode::OK, out))
}

/// The error for a request over the size limit, the same on HTTP and WebSocket.
pub(crate) fn too_big(limit: usize) -> RpcError {
    RpcError::new(
        error::PARSE_ERROR,
        format!("request bigger than maximum {limit} allowed"),
    )
}

/// A JSON-RPC error response.
pub(crate) fn error_text(id: &Id, e: &RpcError) -> String {
    format!(
        r#"{{"jsonrpc":"2.0","id":{},"error":{}}}"#,
        id.as_json(),
        e.to_json()
    )
}

/// A JSON-RPC result response, or an error once it would exceed `max` bytes.
pub(crate) fn result_text(id: &Id, v: &Value, max: usize) -> Result<String, RpcError> {
    let mut w = Capped {
        buf: Vec::new(),
        max,
    };
    let too_big = || RpcError::handler(format!("reply bigger than maximum {max} bytes allowed"));
    write!(w, r#"{{"jsonrpc":"2.0","id":{},"result":"#, id.as_json()).map_err(|_| too_big())?;
    serde_json::to_writer(&mut w, v).map_err(|_| too_big())?;
    w.write_all(b"}").map_err(|_| too_big())?;
    String::from_utf8(w.buf).map_err(|e| RpcError::handler(format!("encoding the reply: {e}")))
}

/// A writer that refuses to grow past `max` bytes.
struct Capped {
    buf: Vec<u8>,
    max: usize,
}

impl Write for Capped {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if self.buf.len().saturating_add(data.len()) > self.max {
            return Err(std::io::Error::other("reply too large"));
        }
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn status_for(code: i64) -> StatusCode {
    match code {
        error::INVALID_REQUEST => StatusCode::BAD_REQUEST,
        c if c < 0 => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::OK,
    }
}

fn reply(id: &Id, res: Result<Value, RpcError>, max: usize) -> Outcome {
    if id.is_null() {
        return Outcome::Silent;
    }
    match res.and_then(|v| result_text(id, &v, max)) {
        Ok(text) => Outcome::Reply(StatusCode::OK, text),
        Err(e) => Outcome::Reply(status_for(e.code), error_text(id, &e)),
    }
}

/// True for a result whose encoding may take a while (a long list, a big string).
fn looks_big(v: &Value) -> bool {
    match v {
        Value::Array(a) => a.len() > 256,
        Value::Object(o) => o.len() > 256,
        Value::String(t) => t.len() > 64 << 10,
        _ => false,
    }
}

/// Encodes a large result on the blocking pool, so it cannot stall the workers.
async fn reply_off_workers(id: Id, v: Value, max: usize) -> Outcome {
    let echo = id.clone();
    tokio::task::spawn_blocking(move || reply(&id, Ok(v), max))
        .await
        .unwrap_or_else(|e| {
            reply(
                &echo,
                Err(RpcError::handler(format!("encoding the reply: {e}"))),
                max,
            )
        })
}

/// Dispatches one request. Channel methods open only when `channels` is set; a reply
/// larger than `max` bytes becomes an error.
pub(crate) async fn dispatch<S: Send + Sync + 'static>(
    inner: &Arc<Inner<S>>,
    ctx: &CallCtx,
    req: Parsed,
    channels: bool,
    max: usize,
) -> Outcome {
    let Request { id, method, params } = match req {
        Ok(r) => r,
        Err(bad) => {
            let (id, e) = *bad;
            if id.is_null() && e.code != error::PARSE_ERROR && e.code != error::INVALID_REQUEST {
                return Outcome::Silent;
            }
            return Outcome::Reply(status_for(e.code), error_text(&id, &e));
        }
    };
    let fail = |e: RpcError| reply(&id, Err(e), max);
    let not_found = || {
        RpcError::new(
            error::METHOD_NOT_FOUND,
            format!("method '{method}' not found"),
        )
    };
    let Some(def) = inner.table.get(ctx.version, &method) else {
        return fail(not_found());
    };
    if def.is_channel() && !channels {
        return fail(RpcError::new(
            error::METHOD_NOT_FOUND,
            format!("method '{method}' not supported in this mode (no out channel support)"),
        ));
    }
    if !ctx.allow.contains(def.info.perm) {
        return fail(RpcError::handler(format!(
            "missing permission to invoke '{}' (need '{}')",
            short_name(def.info.name),
            def.info.perm
        )));
    }
    let (least, most) = (def.info.required_params, def.info.param_names.len());
    if params.len() < least || params.len() > most {
        let expected = if least == most {
            most.to_string()
        } else {
            format!("{least}..{most}")
        };
        return fail(RpcError::invalid_params(format!(
            "wrong param count (method '{method}'): {} != {expected}",
            params.len()
        )));
    }
    let p = Params::from_raw(def.info.name, params);
    let state = inner.state.clone();
    let panicked = || RpcError::handler(format!("panic in rpc method '{method}'"));
    match &def.handler {
        Bound::Discover => {
            let (v0, v1) = inner.config.api_versions;
            let n = if ctx.version == ApiVersion::V0 {
                v0
            } else {
                v1
            };
            reply(&id, Ok(inner.table.discover(ctx.version, n)), max)
        }
        Bound::Call(f) => {
            let res = AssertUnwindSafe(f(state, ctx.clone(), p))
                .catch_unwind()
                .await
                .unwrap_or_else(|_| Err(panicked()));
            match res {
                Ok(v) if looks_big(&v) => reply_off_workers(id, v, max).await,
                res => reply(&id, res, max),
            }
        }
        Bound::Channel(f) => {
            let res: ChannelResult = AssertUnwindSafe(f(state, ctx.clone(), p))
                .catch_unwind()
                .await
                .unwrap_or_else(|_| Err(panicked()));
            match res {
                Ok(rx) => Outcome::Channel(id, rx),
                Err(e) => reply(&id, Err(e), max),
            }
        }
    }
}

/// A method's name as Lotus words permission errors: without the `Filecoin.` namespace.
fn short_name(wire: &str) -> &str {
    wire.strip_prefix("Filecoin.").unwrap_or(wire)
}
