//! The accept loop: a cap on open connections, HTTP/1.1 with upgrades served by
//! hyper, a read timeout for request headers, an idle timeout, and a bounded drain on
//! shutdown. Each connection's permit is held until its WebSocket (if any) ends too.

use crate::config::{permits, ServerConfig};
use crate::conn::ConnInfo;
use crate::shared::until_set;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};

/// File handles kept for the process's own work (datastore, keystore, sector files,
/// logs) when the connection budget is derived from the file-handle limit.
pub const FD_RESERVE: u64 = 256;

/// Raises the soft limit on open files to the hard limit; returns the new soft limit.
pub fn raise_fd_limit() -> io::Result<u64> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed to them.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return Err(io::Error::last_os_error());
    }
    if lim.rlim_cur < lim.rlim_max {
        let raised = libc::rlimit {
            rlim_cur: lim.rlim_max,
            rlim_max: lim.rlim_max,
        };
        // SAFETY: as above.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            lim = raised;
        }
    }
    Ok(lim.rlim_cur)
}

/// How many connections the file-handle limit leaves room for, over every server in
/// the process: the soft limit less [`FD_RESERVE`] (at least 8).
pub fn fd_connection_budget() -> usize {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes the struct passed to it.
    let soft = if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } == 0 {
        lim.rlim_cur
    } else {
        1024
    };
    let room = soft.saturating_sub(FD_RESERVE).max(8);
    usize::try_from(room)
        .unwrap_or(usize::MAX)
        .min(Semaphore::MAX_PERMITS)
}

/// The process-wide connection budget shared by all servers, sized on first use.
fn fd_slots() -> Arc<Semaphore> {
    static SLOTS: OnceLock<Arc<Semaphore>> = OnceLock::new();
    SLOTS
        .get_or_init(|| Arc::new(Semaphore::new(fd_connection_budget())))
        .clone()
}

/// A TCP stream that records when bytes last moved.
struct Tracked {
    tcp: TcpStream,
    info: Arc<ConnInfo>,
}

impl AsyncRead for Tracked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let res = Pin::new(&mut self.tcp).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.info.touch();
        }
        res
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let res = Pin::new(&mut self.tcp).poll_write(cx, data);
        if matches!(res, Poll::Ready(Ok(n)) if n > 0) {
            self.info.touch();
        }
        res
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_shutdown(cx)
    }
}

/// Accepts connections until `closing` turns true, then waits (at most the drain
/// timeout) for every connection, WebSockets included, to finish.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    config: &ServerConfig,
    mut closing: watch::Receiver<bool>,
) -> io::Result<()> {
    let cap = permits(config.max_connections);
    let slots = Arc::new(Semaphore::new(cap));
    let fd_slots = fd_slots();
    loop {
        let permit = tokio::select! {
            p = slots.clone().acquire_owned() => p.map_err(io::Error::other)?,
            _ = until_set(&mut closing) => break,
        };
        let fd_permit = tokio::select! {
            p = fd_slots.clone().acquire_owned() => p.map_err(io::Error::other)?,
            _ = until_set(&mut closing) => break,
        };
        let tcp = tokio::select! {
            r = listener.accept() => match r {
                Ok((tcp, _)) => tcp,
                Err(e) => {
                    // Out of file handles or similar: back off instead of spinning.
                    tracing::warn!("accepting an API connection failed: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = until_set(&mut closing) => break,
        };
        let _ = tcp.set_nodelay(true);
        let info = Arc::new(ConnInfo::new(permit, fd_permit));
        tokio::spawn(connection(
            tcp,
            info,
            router.clone(),
            config.clone(),
            closing.clone(),
        ));
    }
    drop(listener);
    tracing::debug!(
        open = cap - slots.available_permits(),
        "draining API connections"
    );
    let all = u32::try_from(cap).unwrap_or(u32::MAX);
    let drained = tokio::time::timeout(config.drain_timeout, slots.acquire_many(all)).await;
    if drained.is_err() {
        tracing::warn!(
            "shutdown drain timed out after {:?}; closing remaining connections",
            config.drain_timeout
        );
    }
    Ok(())
}

async fn connection(
    tcp: TcpStream,
    info: Arc<ConnInfo>,
    router: Router,
    config: ServerConfig,
    mut closing: watch::Receiver<bool>,
) {
    let io = TokioIo::new(Tracked {
        tcp,
        info: info.clone(),
    });
    let service = TowerToHyperService::new(router.layer(axum::Extension(info.clone())));
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(config.read_timeout);
    let conn = builder.serve_connection(io, service).with_upgrades();
    tokio::pin!(conn);
    let mut draining = false;
    loop {
        let idle_at = info.idle_deadline(config.idle_timeout);
        tokio::select! {
            _ = conn.as_mut() => break,
            _ = until_set(&mut closing), if !draining => {
                draining = true;
                conn.as_mut().graceful_shutdown();
            }
            _ = tokio::time::sleep_until(idle_at) => {
                let quiet = info.idle_deadline(config.idle_timeout) <= tokio::time::Instant::now();
                if quiet && !info.has_requests_in_flight() {
                    tracing::debug!("closing an idle API connection");
                    break;
                }
                if quiet {
                    // A request is running: wait for it, not for traffic.
                    info.touch();
                }
            }
        }
    }
}
