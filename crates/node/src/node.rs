//! A built full node ([`crate::builder::NodeBuilder`]): its services under one
//! supervisor, and how it closes — the datastore, the `api` file, the repo lock.

use crate::api::exec::ApiExecutors;
use crate::api::NodeState;
use crate::repo::Repo;
use anyhow::Result;
use padma_service::{Shutdown, Supervisor};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// How long, once the services stopped, the node waits for the last handlers to let go
/// of its state before closing the datastore anyway.
const STATE_RELEASE_TIMEOUT: Duration = Duration::from_secs(5);

/// The node's locked repo. Dropping it removes the `api` file and releases the lock,
/// however the node ends (a clean stop, a failed start, a dropped node).
pub(crate) struct HeldRepo(Repo);

impl HeldRepo {
    /// Holds `repo` (opened and locked) until dropped.
    pub(crate) fn new(repo: Repo) -> Self {
        HeldRepo(repo)
    }
}

impl std::ops::Deref for HeldRepo {
    type Target = Repo;
    fn deref(&self) -> &Repo {
        &self.0
    }
}

impl Drop for HeldRepo {
    fn drop(&mut self) {
        self.0.dir().remove_api();
    }
}

/// A full node, built and ready to run.
pub struct Node {
    repo: HeldRepo,
    state: Arc<NodeState>,
    executors: ApiExecutors,
    api_addr: SocketAddr,
    supervisor: Supervisor,
}

impl Node {
    /// A node of `repo` and `state` whose services `supervisor` holds.
    pub(crate) fn new(
        repo: HeldRepo,
        state: Arc<NodeState>,
        executors: ApiExecutors,
        api_addr: SocketAddr,
        supervisor: Supervisor,
    ) -> Self {
        Node {
            repo,
            state,
            executors,
            api_addr,
            supervisor,
        }
    }

    /// The address the API listens on (the system's pick for port 0).
    pub fn api_addr(&self) -> SocketAddr {
        self.api_addr
    }

    /// The node's handle on its libp2p host (none when it runs without the network or
    /// without a chain).
    pub fn net(&self) -> Option<&padma_net::NetHandle> {
        self.state.net.as_ref()
    }

    /// The node's shutdown: requesting it stops [`Node::run`], as the `Shutdown`
    /// method does.
    pub fn shutdown(&self) -> &Shutdown {
        self.supervisor.shutdown()
    }

    /// Adds a service to run with the node's own (see
    /// [`crate::builder::NodeBuilder::with_service`]).
    pub fn add_service(
        &mut self,
        name: impl Into<String>,
        service: impl Future<Output = Result<()>> + Send + 'static,
    ) {
        self.supervisor.add(name, service);
    }

    /// Runs the node's services until `until` resolves, the shutdown is requested or a
    /// service ends; then stops them all, closes the datastore, removes the `api` file
    /// and releases the repo lock. A failed service is the error, named.
    pub async fn run(self, until: impl Future<Output = ()> + Send) -> Result<()> {
        let Node {
            repo,
            state,
            executors,
            supervisor,
            ..
        } = self;
        let outcome = supervisor.run(until).await;
        release_state(state).await;
        drop(executors);
        drop(repo);
        outcome?;
        tracing::info!("graceful shutdown successful");
        Ok(())
    }
}

/// Drops the node's state, and with it the datastore, once the last handlers let go of
/// it (bounded by [`STATE_RELEASE_TIMEOUT`]).
async fn release_state(state: Arc<NodeState>) {
    let step = Duration::from_millis(100);
    let mut state = state;
    let mut waited = Duration::ZERO;
    loop {
        match Arc::try_unwrap(state) {
            Ok(s) => {
                drop(s);
                return;
            }
            Err(shared) if waited >= STATE_RELEASE_TIMEOUT => {
                tracing::warn!("some requests still hold the node state; closing anyway");
                drop(shared);
                return;
            }
            Err(shared) => {
                state = shared;
                tokio::time::sleep(step).await;
                waited += step;
            }
        }
    }
}
