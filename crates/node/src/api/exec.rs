//! Where API handlers run. Handlers that read state or the store do synchronous work,
//! so they run on executors of their own, never on the runtime that accepts
//! connections, answers cheap calls and mines. Callers without write permission (no
//! token, or a read-only one) get a smaller executor than trusted callers (the miner,
//! the operator), so anonymous load cannot hold up block production either. Each
//! executor's worker and blocking-thread counts bound how much such work runs at once.

use padma_rpc::method::{BoxFuture, CallResult};
use padma_rpc::{CallCtx, Permission, RpcError};
use std::sync::OnceLock;
use tokio::runtime::{Builder, Handle, Runtime};

/// Which executor a call runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pool {
    /// Callers holding the `write` permission.
    Trusted,
    /// Everyone else.
    Untrusted,
}

impl Pool {
    /// The pool for a caller.
    pub(crate) fn of(c: &CallCtx) -> Pool {
        if c.allow.contains(Permission::Write) {
            Pool::Trusted
        } else {
            Pool::Untrusted
        }
    }
}

fn build(name: &str, workers: usize, blocking: usize) -> Option<Runtime> {
    Builder::new_multi_thread()
        .worker_threads(workers)
        .max_blocking_threads(blocking)
        .thread_name(name)
        .enable_all()
        .build()
        .map_err(|e| tracing::warn!("cannot start the {name} executor: {e}"))
        .ok()
}

fn handle(pool: Pool) -> Option<Handle> {
    static TRUSTED: OnceLock<Option<Runtime>> = OnceLock::new();
    static UNTRUSTED: OnceLock<Option<Runtime>> = OnceLock::new();
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let rt = match pool {
        Pool::Trusted => TRUSTED.get_or_init(|| build("padma-api", cores.max(2), 4 * cores)),
        Pool::Untrusted => {
            UNTRUSTED.get_or_init(|| build("padma-api-anon", (cores / 2).max(1), cores.max(2)))
        }
    };
    rt.as_ref().map(|r| r.handle().clone())
}

/// Aborts the offloaded task when the caller stops waiting (client gone, cancelled).
struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs a handler's future on `pool`'s executor and waits for it; a panic in it is
/// passed on to the server, which answers with an error.
pub(crate) fn offload(pool: Pool, fut: BoxFuture<CallResult>) -> BoxFuture<CallResult> {
    Box::pin(async move {
        let Some(h) = handle(pool) else {
            return fut.await;
        };
        let task = h.spawn(fut);
        let _abort = AbortOnDrop(task.abort_handle());
        match task.await {
            Ok(r) => r,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => Err(RpcError::handler(format!("request aborted: {e}"))),
        }
    })
}
