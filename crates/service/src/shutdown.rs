//! The one shutdown signal services of a process share.

use std::future::Future;
use tokio::sync::watch;

/// A shutdown flag: set once, seen by every clone and every waiter. Cloning shares it.
#[derive(Clone, Debug)]
pub struct Shutdown {
    flag: watch::Sender<bool>,
}

impl Default for Shutdown {
    fn default() -> Self {
        Shutdown::new()
    }
}

impl Shutdown {
    /// A flag not yet set.
    pub fn new() -> Self {
        Shutdown {
            flag: watch::Sender::new(false),
        }
    }

    /// Asks everything sharing this flag to stop (idempotent).
    pub fn request(&self) {
        self.flag.send_replace(true);
    }

    /// Whether a stop was asked for.
    pub fn is_requested(&self) -> bool {
        *self.flag.borrow()
    }

    /// Resolves once a stop is asked for (at once if it already was). The future owns
    /// what it needs, so it can be handed to a task or a server.
    pub fn requested(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut seen = self.flag.subscribe();
        async move {
            // An error means every sender is gone: nobody is left to run for.
            let _ = seen.wait_for(|stop| *stop).await;
        }
    }

    /// A receiver of the flag, for loops that watch a `watch::Receiver<bool>`.
    pub fn receiver(&self) -> watch::Receiver<bool> {
        self.flag.subscribe()
    }

    /// A sender of the flag, for an API whose `Shutdown` method sets a
    /// `watch::Sender<bool>`; sending `true` on it is the same as [`Shutdown::request`].
    pub fn sender(&self) -> watch::Sender<bool> {
        self.flag.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_request_reaches_every_clone_and_waiter() {
        let shutdown = Shutdown::new();
        let waiter = tokio::spawn(shutdown.requested());
        let via_api = shutdown.sender();
        assert!(!shutdown.clone().is_requested());
        via_api.send(true).expect("the flag has receivers");
        tokio::time::timeout(std::time::Duration::from_secs(5), waiter)
            .await
            .expect("the waiter saw the request")
            .expect("the waiter did not panic");
        assert!(shutdown.is_requested());
        // Already requested: resolves at once.
        shutdown.requested().await;
    }
}
