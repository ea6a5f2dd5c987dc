//! Where API handlers run. Handlers that read state or the store do synchronous work,
//! so they run on executors of their own, never on the runtime that accepts
//! connections, answers cheap calls and mines. Callers without write permission (no
//! token, or a read-only one) get a smaller executor than trusted callers (the miner,
//! the operator), so anonymous load cannot hold up block production either. Each
//! executor's worker and blocking-thread counts bound how much such work runs at once.

use padma_rpc::method::{BoxFuture, CallResult, Offload};
use padma_rpc::{CallCtx, Permission, RpcError};
use std::sync::Arc;
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

/// The node's API executors, owned by the node (two nodes in one process have their
/// own). Dropping them stops their threads without waiting.
pub struct ApiExecutors {
    trusted: Option<Runtime>,
    untrusted: Option<Runtime>,
}

impl ApiExecutors {
    /// Starts executors sized to the machine's cores.
    pub fn start() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        ApiExecutors {
            trusted: build("padma-api", cores.max(2), 4 * cores),
            untrusted: build("padma-api-anon", (cores / 2).max(1), cores.max(2)),
        }
    }

    /// No executors: every handler runs where its request arrived (for tests that
    /// call handlers directly).
    pub fn inline() -> Self {
        ApiExecutors {
            trusted: None,
            untrusted: None,
        }
    }

    /// Where offloaded handlers run, as the method table wants it.
    pub fn offload(&self) -> Offload {
        let trusted = self.trusted.as_ref().map(|r| r.handle().clone());
        let untrusted = self.untrusted.as_ref().map(|r| r.handle().clone());
        Arc::new(move |c: &CallCtx, fut| {
            let handle = match Pool::of(c) {
                Pool::Trusted => trusted.clone(),
                Pool::Untrusted => untrusted.clone(),
            };
            offload_to(handle, fut)
        })
    }
}

impl Drop for ApiExecutors {
    fn drop(&mut self) {
        for rt in [self.trusted.take(), self.untrusted.take()]
            .into_iter()
            .flatten()
        {
            rt.shutdown_background();
        }
    }
}

/// Aborts the offloaded task when the caller stops waiting (client gone, cancelled).
struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs a handler's future on an executor (here when there is none) and waits for
/// it; a panic in it is passed on to the server, which answers with an error.
fn offload_to(handle: Option<Handle>, fut: BoxFuture<CallResult>) -> BoxFuture<CallResult> {
    Box::pin(async move {
        let Some(h) = handle else {
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
