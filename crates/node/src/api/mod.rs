//! The FullNode API: the one table of methods padma serves (name, permission, arity
//! per API version, handler) and the state its handlers share.

mod actor_json;
mod call;
mod chain;
#[cfg(test)]
mod chain_api_tests;
mod chain_read;
pub mod chainstore;
pub mod exec;
mod gas;
mod miner;
mod miner_sectors;
mod miner_state;
mod mining;
mod mpool;
mod msgsearch;
mod msig;
mod msig_state;
mod net;
mod net_admin;
mod randomness;
mod readstate;
mod state;
mod sync;
#[cfg(test)]
mod table_tests;
mod wallet;

use crate::wallet::Wallet;
use padma_api::common::VersionInfo;
use padma_rpc::api_version;
use padma_rpc::{ApiVersion, JwtAuth, MethodTable};
use padma_store::Store;
use std::sync::Arc;
use tokio::sync::watch;

impl padma_api::common::CommonApi for NodeState {
    fn auth(&self) -> &JwtAuth {
        &self.auth
    }
    fn session(&self) -> &str {
        &self.session
    }
    fn shutdown(&self) -> &watch::Sender<bool> {
        &self.shutdown
    }
    fn version(&self, api: ApiVersion) -> VersionInfo {
        let api_version = match api {
            ApiVersion::V0 => api_version::FULL_NODE_V0,
            ApiVersion::V1 => api_version::FULL_NODE_V1,
        };
        padma_api::common::padma_version(api_version, self.block_delay, "padma")
    }
}

/// Everything the API handlers share.
pub struct NodeState {
    /// The wallet.
    pub wallet: Wallet,
    /// Token issuer and verifier.
    pub auth: JwtAuth,
    /// The node's datastore.
    pub store: Arc<Store>,
    /// Identifies this run of the node (`Session`).
    pub session: String,
    /// Seconds between epochs.
    pub block_delay: u64,
    /// Set to true to shut the node down.
    pub shutdown: watch::Sender<bool>,
    /// The chain (genesis and head), when the node has a genesis.
    pub chain: Option<chainstore::Chain>,
    /// `MpoolPushMessage`'s lock and remembered `MsgUuid`s.
    pub pushed: crate::pushed::PushedMessages,
    /// The libp2p host, when the node is on the network (the `Net*` methods say
    /// networking is disabled otherwise).
    pub net: Option<padma_net::NetHandle>,
}

/// The FullNode method table; store and state work runs on `executors`.
pub fn methods(executors: &exec::ApiExecutors) -> MethodTable<NodeState> {
    let mut t = MethodTable::empty("padma FullNode API").with_offload(executors.offload());
    padma_api::common::register_common(&mut t);
    wallet::register(&mut t);
    chain_read::register(&mut t);
    msgsearch::register(&mut t);
    state::register(&mut t);
    readstate::register(&mut t);
    gas::register(&mut t);
    chain::register(&mut t);
    randomness::register(&mut t);
    sync::register(&mut t);
    call::register(&mut t);
    miner::register(&mut t);
    miner_state::register(&mut t);
    miner_sectors::register(&mut t);
    mpool::register(&mut t);
    mining::register(&mut t);
    net::register(&mut t);
    msig::register(&mut t);
    t
}

/// Forwards a broadcast to a client's channel, each item converted by `convert`, until
/// the client goes, the node shuts down, or (with `close_when_behind`) the client falls
/// too far behind to be sent every item; `what` names the stream in the log.
pub(crate) fn forward_broadcast<T, U>(
    s: &NodeState,
    mut sub: tokio::sync::broadcast::Receiver<T>,
    what: &'static str,
    close_when_behind: bool,
    convert: impl Fn(T) -> U + Send + 'static,
) -> tokio::sync::mpsc::Receiver<U>
where
    T: Clone + Send + 'static,
    U: Send + 'static,
{
    use tokio::sync::broadcast::error::RecvError;
    let (tx, rx) = tokio::sync::mpsc::channel(256);
    let mut down = s.shutdown.subscribe();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = async { down.wait_for(|d| *d).await.map(|_| ()) } => break,
                _ = tx.closed() => break,
                ev = sub.recv() => match ev {
                    Ok(item) => {
                        if tx.send(convert(item)).await.is_err() {
                            break;
                        }
                    }
                    Err(RecvError::Lagged(n)) if close_when_behind => {
                        tracing::warn!(missed = n, "{what} subscriber fell behind; closing its channel");
                        break;
                    }
                    Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => break,
                },
            }
        }
    });
    rx
}
