//! What the server tracks of one connection: its places under the connection caps,
//! when bytes last moved, and how many of its requests are in flight (for the idle
//! timeout).

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::OwnedSemaphorePermit;

/// What the server knows about one connection; handlers reach it through a request
/// extension. Its permits return to the connection caps when the last clone is dropped.
pub(crate) struct ConnInfo {
    _permit: OwnedSemaphorePermit,
    _fd_permit: OwnedSemaphorePermit,
    started: Instant,
    /// Milliseconds after `started` of the last byte read or written.
    last_io_ms: AtomicU64,
    /// Requests whose reply is not yet produced.
    in_flight: AtomicUsize,
}

impl ConnInfo {
    /// A connection that just opened, holding its place under the server's cap
    /// (`permit`) and the process's file-handle budget (`fd_permit`).
    pub(crate) fn new(permit: OwnedSemaphorePermit, fd_permit: OwnedSemaphorePermit) -> Self {
        ConnInfo {
            _permit: permit,
            _fd_permit: fd_permit,
            started: Instant::now(),
            last_io_ms: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
        }
    }

    /// Records traffic now.
    pub(crate) fn touch(&self) {
        let ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_io_ms.store(ms, Ordering::Relaxed);
    }

    /// When the idle timeout of this connection runs out, from its last traffic.
    pub(crate) fn idle_deadline(&self, idle: Duration) -> tokio::time::Instant {
        let last = Duration::from_millis(self.last_io_ms.load(Ordering::Relaxed));
        tokio::time::Instant::from_std(self.started + last + idle)
    }

    /// Whether a request of this connection is still waiting for its reply.
    pub(crate) fn has_requests_in_flight(&self) -> bool {
        self.in_flight.load(Ordering::Relaxed) > 0
    }
}

/// Counts a request as in flight while alive.
pub(crate) struct InFlight(Arc<ConnInfo>);

impl InFlight {
    /// Marks a request on `conn` as in flight until the guard is dropped.
    pub(crate) fn start(conn: &Arc<ConnInfo>) -> InFlight {
        conn.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(conn.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
        self.0.touch();
    }
}
