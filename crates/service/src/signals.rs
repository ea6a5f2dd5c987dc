//! The process signals that stop a long-running binary.

use std::future::Future;
use tokio::signal::unix::{signal, SignalKind};

/// A future that resolves on the first SIGINT or SIGTERM received from now on (logging
/// which). Installing it replaces the signals' default action (ending the process).
pub fn termination() -> std::io::Result<impl Future<Output = ()> + Send + 'static> {
    let mut sigint = signal(SignalKind::interrupt())?;
    let mut sigterm = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = sigint.recv() => tracing::info!("SIGINT received, shutting down"),
            _ = sigterm.recv() => tracing::info!("SIGTERM received, shutting down"),
        }
    })
}
