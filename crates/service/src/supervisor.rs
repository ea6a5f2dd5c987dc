//! The supervisor: starts named services, waits for a stop or for one of them to end,
//! stops the rest (bounded) and reports the first failure.

use crate::Shutdown;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;
use tokio::task::{Id, JoinError, JoinSet};

/// How long services get to stop once asked, unless [`Supervisor::stop_timeout`] says.
pub const DEFAULT_STOP_TIMEOUT: Duration = Duration::from_secs(30);

/// A service's future, boxed.
type ServiceFuture = Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send + 'static>>;

/// A service that failed: returned an error, or panicked. Its source is the cause, so
/// `{:#}` prints `service "rpc" failed: <cause>`.
#[derive(Debug)]
pub struct ServiceFailure {
    service: String,
    cause: anyhow::Error,
}

impl ServiceFailure {
    /// The name of the service that failed.
    pub fn service(&self) -> &str {
        &self.service
    }

    /// Why it failed.
    pub fn cause(&self) -> &anyhow::Error {
        &self.cause
    }
}

impl std::fmt::Display for ServiceFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "service \"{}\" failed", self.service)
    }
}

impl std::error::Error for ServiceFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(self.cause.as_ref())
    }
}

/// Named services run together under one [`Shutdown`].
///
/// Services are expected to run until the shutdown is requested; each watches it
/// itself (a clone of the supervisor's [`Shutdown`]). One that returns `Ok` before
/// that ends the run as a stop request would (logged); one that returns an error or
/// panics ends it with that failure.
pub struct Supervisor {
    shutdown: Shutdown,
    services: Vec<(String, ServiceFuture)>,
    stop_timeout: Duration,
}

impl Supervisor {
    /// A supervisor with no services yet, stopping them through `shutdown`.
    pub fn new(shutdown: Shutdown) -> Self {
        Supervisor {
            shutdown,
            services: Vec::new(),
            stop_timeout: DEFAULT_STOP_TIMEOUT,
        }
    }

    /// How long services get to stop once asked; those still running after it are
    /// abandoned (aborted, with a warning).
    pub fn stop_timeout(mut self, timeout: Duration) -> Self {
        self.stop_timeout = timeout;
        self
    }

    /// The shutdown its services watch.
    pub fn shutdown(&self) -> &Shutdown {
        &self.shutdown
    }

    /// Adds a service; it starts when [`Supervisor::run`] does.
    pub fn add(
        &mut self,
        name: impl Into<String>,
        service: impl Future<Output = anyhow::Result<()>> + Send + 'static,
    ) {
        self.services.push((name.into(), Box::pin(service)));
    }

    /// Runs every service until `until` resolves, the shutdown is requested, or a
    /// service ends; then requests the shutdown, waits (bounded) for the services to
    /// stop, and returns the first failure.
    pub async fn run(self, until: impl Future<Output = ()> + Send) -> Result<(), ServiceFailure> {
        let Supervisor {
            shutdown,
            services,
            stop_timeout,
        } = self;
        let mut running = Running::default();
        for (name, service) in services {
            running.start(name, service);
        }
        let requested = shutdown.requested();
        tokio::pin!(until, requested);
        tokio::select! {
            _ = &mut until => tracing::info!("stopping"),
            _ = &mut requested => tracing::info!("shutdown requested"),
            Some(ended) = running.tasks.join_next_with_id() => {
                running.record(ended, &shutdown);
            }
        }
        shutdown.request();
        let stopped = tokio::time::timeout(stop_timeout, async {
            while let Some(ended) = running.tasks.join_next_with_id().await {
                running.record(ended, &shutdown);
            }
        })
        .await;
        if stopped.is_err() {
            for name in running.names.values() {
                tracing::warn!(
                    "service \"{name}\" did not stop within {} s; abandoning it",
                    stop_timeout.as_secs_f64()
                );
            }
            running.tasks.abort_all();
        }
        match running.first_failure {
            Some(failure) => Err(failure),
            None => Ok(()),
        }
    }
}

/// The services started and what became of them.
#[derive(Default)]
struct Running {
    tasks: JoinSet<anyhow::Result<()>>,
    /// Names of the services still running, by task.
    names: HashMap<Id, String>,
    first_failure: Option<ServiceFailure>,
}

impl Running {
    fn start(&mut self, name: String, service: ServiceFuture) {
        let id = self.tasks.spawn(service).id();
        tracing::debug!("service \"{name}\" started");
        self.names.insert(id, name);
    }

    /// Notes how a service ended.
    fn record(&mut self, ended: Result<(Id, anyhow::Result<()>), JoinError>, shutdown: &Shutdown) {
        let (id, outcome) = match ended {
            Ok((id, outcome)) => (id, outcome),
            Err(e) => (e.id(), Err(join_failure(e))),
        };
        let service = self
            .names
            .remove(&id)
            .unwrap_or_else(|| format!("task {id}"));
        match outcome {
            Ok(()) if shutdown.is_requested() => {
                tracing::debug!("service \"{service}\" stopped");
            }
            Ok(()) => {
                tracing::warn!("service \"{service}\" ended by itself; stopping the others");
            }
            Err(cause) => {
                tracing::error!("service \"{service}\" failed: {cause:#}");
                if self.first_failure.is_none() {
                    self.first_failure = Some(ServiceFailure { service, cause });
                }
            }
        }
    }
}

/// Why a service's task ended without a result: its panic (with the message it
/// carried) or its cancellation.
fn join_failure(e: JoinError) -> anyhow::Error {
    if !e.is_panic() {
        return anyhow::anyhow!("cancelled");
    }
    let payload = e.into_panic();
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_string());
    anyhow::anyhow!("panicked: {message}")
}

#[cfg(test)]
mod tests;
