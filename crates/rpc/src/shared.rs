//! The state every connection of a server shares: the handlers' state, the method
//! table, the token verifier, the settings, the closing flag and the request permits.

use crate::auth::JwtAuth;
use crate::config::ServerConfig;
use crate::method::MethodTable;
use std::sync::Arc;
use tokio::sync::{watch, Semaphore};

/// What the transports and dispatch of one server share.
pub(crate) struct Inner<S> {
    /// The state the handlers share.
    pub(crate) state: Arc<S>,
    /// The methods served.
    pub(crate) table: MethodTable<S>,
    /// Verifies the callers' tokens.
    pub(crate) auth: JwtAuth,
    /// Settings and limits.
    pub(crate) config: ServerConfig,
    /// Turns true when the server starts closing.
    pub(crate) closing: watch::Receiver<bool>,
    /// Permits for requests being read or run, over all connections.
    pub(crate) requests: Arc<Semaphore>,
}

/// Resolves once `flag` is true (or its sender is gone), holding no borrow of it.
pub(crate) async fn until_set(flag: &mut watch::Receiver<bool>) {
    let _ = flag.wait_for(|set| *set).await;
}
