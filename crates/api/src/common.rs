//! The methods every padma API serves (Lotus's `Common` API): version, tokens,
//! session, shutdown, closing, discovery — defined once, implemented once over
//! [`CommonApi`] for the full node and the miner alike. `Version`'s answer,
//! [`VersionInfo`], is in `padma_types::json::version`, re-exported here.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use padma_rpc::{rpc_methods, ApiVersion, CallCtx, JwtAuth, MethodTable, RpcError};
pub use padma_types::json::version::VersionInfo;
use serde_json::Value;
use std::sync::Arc;
use tokio::sync::watch;

rpc_methods! {
    /// The common methods, in table order.
    pub fn common_methods;
    /// Build version, API version of the endpoint, block delay and agent.
    Version = "Filecoin.Version", Read, call () -> VersionInfo;
    /// A token granting the given permissions, as base64 of its text.
    AuthNew = "Filecoin.AuthNew", Admin, call (perms: Option<Vec<String>>) -> String;
    /// The permissions a token grants.
    AuthVerify = "Filecoin.AuthVerify", Read, call (token: String) -> Vec<String>;
    /// Stops the process.
    Shutdown = "Filecoin.Shutdown", Admin, call () -> ();
    /// The UUID of this run of the process.
    Session = "Filecoin.Session", Read, call () -> String;
    /// A channel that closes when the process shuts down; it carries no values.
    Closing = "Filecoin.Closing", Read, channel () -> ();
    /// The discovery document of the endpoint's API.
    Discover = "Filecoin.Discover", Read, call () -> Value, aliases = ["rpc.discover"];
}

/// What the common methods need of a server's state.
pub trait CommonApi: Send + Sync + 'static {
    /// Token issuer and verifier.
    fn auth(&self) -> &JwtAuth;
    /// This run's UUID.
    fn session(&self) -> &str;
    /// Set to true to stop the process.
    fn shutdown(&self) -> &watch::Sender<bool>;
    /// `Version`'s answer on `api`.
    fn version(&self, api: ApiVersion) -> VersionInfo;
}

/// `Version`'s answer from a padma program: this build's version text, the endpoint's
/// API version, the block delay in seconds and the program's name.
pub fn padma_version(api_version: u32, block_delay: u64, agent: &str) -> VersionInfo {
    VersionInfo {
        version: format!("{}+padma", env!("CARGO_PKG_VERSION")),
        api_version,
        block_delay,
        agent: agent.to_string(),
    }
}

/// Registers the common methods on `t`.
pub fn register_common<S: CommonApi>(t: &mut MethodTable<S>) {
    t.add(Version, |s: Arc<S>, c: CallCtx, ()| async move {
        Ok(s.version(c.version))
    });
    t.add(
        AuthNew,
        |s: Arc<S>, _c, (perms,): (Option<Vec<String>>,)| async move {
            let token = s.auth().issue(&perms.unwrap_or_default());
            Ok(B64.encode(token.as_bytes()))
        },
    );
    t.add(
        AuthVerify,
        |s: Arc<S>, _c, (token,): (String,)| async move {
            s.auth()
                .verify(&token)
                .map_err(|e| RpcError::handler(e.to_string()))
        },
    );
    t.add(Shutdown, |s: Arc<S>, _c, ()| async move {
        tracing::info!("shutdown requested over the API");
        let _ = s.shutdown().send(true);
        Ok(())
    });
    t.add(Session, |s: Arc<S>, _c, ()| async move {
        Ok(s.session().to_string())
    });
    t.add_channel(Closing, |s: Arc<S>, _c, ()| async move {
        let (tx, rx) = tokio::sync::mpsc::channel::<()>(1);
        let mut down = s.shutdown().subscribe();
        tokio::spawn(async move {
            tokio::select! {
                _ = down.wait_for(|d| *d) => {}
                _ = tx.closed() => {}
            }
            drop(tx);
        });
        Ok(rx)
    });
    t.add_discover(Discover);
}
