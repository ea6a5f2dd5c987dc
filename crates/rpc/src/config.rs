//! The server's settings and limits ([`ServerConfig`], also at
//! `padma_rpc::server::ServerConfig`), and how a configured count becomes a semaphore
//! size.

use crate::api_version::{FULL_NODE_V0, FULL_NODE_V1};
use std::time::Duration;
use tokio::sync::Semaphore;

/// Server settings and the limits that keep one client from starving the others.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Largest request accepted, in bytes: an HTTP body or a WebSocket message.
    pub max_request_bytes: usize,
    /// Most requests in one batch.
    pub max_batch: usize,
    /// Largest reply, in bytes (a batch's replies together).
    pub max_response_bytes: usize,
    /// Most connections open at once (further clients wait in the listen backlog).
    pub max_connections: usize,
    /// Most requests being read or run at once, over all connections.
    pub max_concurrent_requests: usize,
    /// Most requests in flight on one WebSocket connection.
    pub max_connection_requests: usize,
    /// Most reply bytes queued for one WebSocket client; a client that falls further
    /// behind is disconnected.
    pub max_send_buffer_bytes: usize,
    /// Time allowed to send a request's headers, and then its body.
    pub read_timeout: Duration,
    /// An HTTP connection with no request in flight and no traffic, or a WebSocket
    /// that sends nothing (not even a pong), is closed after this long.
    pub idle_timeout: Duration,
    /// `APIVersion` numbers reported for v0 and v1 by discovery.
    pub api_versions: (u32, u32),
    /// How long shutdown waits for in-flight requests.
    pub drain_timeout: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            max_request_bytes: 16 << 20,
            max_batch: 100,
            max_response_bytes: 256 << 20,
            max_connections: 1024,
            max_concurrent_requests: 256,
            max_connection_requests: 64,
            max_send_buffer_bytes: 32 << 20,
            read_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            api_versions: (FULL_NODE_V0, FULL_NODE_V1),
            drain_timeout: Duration::from_secs(10),
        }
    }
}

/// A semaphore size from a configured count: at least one, at most what tokio allows.
pub(crate) fn permits(n: usize) -> usize {
    n.clamp(1, Semaphore::MAX_PERMITS)
}
