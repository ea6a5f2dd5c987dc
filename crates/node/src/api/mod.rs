//! The FullNode API: the one table of methods padma serves (name, permission, arity
//! per API version, handler) and the state its handlers share.

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
pub mod mining_json;
mod mpool;
mod msgsearch;
mod randomness;
mod readstate;
mod state;
mod supply;
mod sync;
#[cfg(test)]
mod table_tests;
mod wallet;

use crate::wallet::Wallet;
use padma_api::common::VersionInfo;
use padma_api::versions;
use padma_rpc::{ApiVersion, Arity, Handler, JwtAuth, MethodDef, MethodTable, Permission};
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
        VersionInfo {
            version: format!("{}+padma", env!("CARGO_PKG_VERSION")),
            api_version: match api {
                ApiVersion::V0 => versions::FULL_NODE_V0,
                ApiVersion::V1 => versions::FULL_NODE_V1,
            },
            block_delay: self.block_delay,
            agent: "padma".into(),
        }
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
}

fn row(
    name: &'static str,
    perm: Permission,
    arity: Arity,
    handler: Handler<NodeState>,
) -> MethodDef<NodeState> {
    MethodDef {
        name,
        perm,
        arity,
        handler,
    }
}

fn call(
    name: &'static str,
    perm: Permission,
    arity: Arity,
    f: Handler<NodeState>,
) -> MethodDef<NodeState> {
    row(name, perm, arity, f)
}

/// A handler that may do synchronous state or store work: it runs on an API executor
/// chosen by the caller's permissions (see `exec`).
macro_rules! h {
    ($f:path) => {
        Handler::Heavy(|s, c, p| Box::pin($f(s, c, p)))
    };
}

/// The FullNode method table; store and state work runs on `executors`.
pub fn methods(executors: &exec::ApiExecutors) -> MethodTable<NodeState> {
    let mut t = MethodTable::empty("padma FullNode API").with_offload(executors.offload());
    padma_api::common::register_common(&mut t);
    wallet::register(&mut t);
    chain::register(&mut t);
    randomness::register(&mut t);
    sync::register(&mut t);
    call::register(&mut t);
    miner::register(&mut t);
    miner_state::register(&mut t);
    miner_sectors::register(&mut t);
    mpool::register(&mut t);
    mining::register(&mut t);
    t.extend_untyped(untyped_methods());
    t
}

/// The methods not yet bound to typed definitions.
fn untyped_methods() -> Vec<MethodDef<NodeState>> {
    use Permission::*;
    let one = Arity::both(1);
    let none = Arity::both(0);
    let two = Arity::both(2);
    let three = Arity::both(3);
    let v1_only = |n| Arity {
        v0: None,
        v1: Some(n),
    };
    vec![
        // Chain: tipsets, messages, receipts, paths, weights, head changes.
        call(
            "ChainGetTipSet",
            Read,
            one,
            h!(chain_read::chain_get_tipset),
        ),
        call(
            "ChainGetTipSetByHeight",
            Read,
            two,
            h!(chain_read::chain_get_tipset_by_height),
        ),
        call(
            "ChainGetTipSetAfterHeight",
            Read,
            v1_only(2),
            h!(chain_read::chain_get_tipset_after_height),
        ),
        call(
            "ChainGetBlockMessages",
            Read,
            one,
            h!(chain_read::chain_get_block_messages),
        ),
        call(
            "ChainGetParentMessages",
            Read,
            one,
            h!(chain_read::chain_get_parent_messages),
        ),
        call(
            "ChainGetParentReceipts",
            Read,
            one,
            h!(chain_read::chain_get_parent_receipts),
        ),
        call(
            "ChainGetMessage",
            Read,
            one,
            h!(chain_read::chain_get_message),
        ),
        call(
            "ChainGetMessagesInTipset",
            Read,
            one,
            h!(chain_read::chain_get_messages_in_tipset),
        ),
        call("ChainGetPath", Read, two, h!(chain_read::chain_get_path)),
        call(
            "ChainTipSetWeight",
            Read,
            one,
            h!(chain_read::chain_tipset_weight),
        ),
        row(
            "ChainNotify",
            Read,
            none,
            Handler::Channel(|s, c, p| Box::pin(chain_read::chain_notify(s, c, p))),
        ),
        // Message search and replay.
        call(
            "StateSearchMsg",
            Read,
            Arity::split(1, 4),
            h!(msgsearch::state_search_msg),
        ),
        call(
            "StateSearchMsgLimited",
            Read,
            Arity {
                v0: Some(2),
                v1: None,
            },
            h!(msgsearch::state_search_msg_limited),
        ),
        call(
            "StateWaitMsg",
            Read,
            Arity::split(2, 4),
            h!(msgsearch::state_wait_msg),
        ),
        call(
            "StateWaitMsgLimited",
            Read,
            Arity {
                v0: Some(3),
                v1: None,
            },
            h!(msgsearch::state_wait_msg_limited),
        ),
        call("StateReplay", Read, two, h!(msgsearch::state_replay)),
        // State.
        call("StateGetActor", Read, two, h!(state::state_get_actor)),
        call("StateReadState", Read, two, h!(state::state_read_state)),
        call("StateLookupID", Read, two, h!(state::state_lookup_id)),
        call(
            "StateLookupRobustAddress",
            Read,
            v1_only(2),
            h!(state::state_lookup_robust_address),
        ),
        call("StateAccountKey", Read, two, h!(state::state_account_key)),
        call("StateListActors", Read, one, h!(state::state_list_actors)),
        call(
            "StateNetworkName",
            Read,
            none,
            h!(state::state_network_name),
        ),
        call(
            "StateNetworkVersion",
            Read,
            one,
            h!(state::state_network_version),
        ),
        call(
            "StateCirculatingSupply",
            Read,
            one,
            h!(state::state_circulating_supply),
        ),
        call(
            "StateMarketBalance",
            Read,
            two,
            h!(state::state_market_balance),
        ),
        // Gas estimation.
        call(
            "GasEstimateMessageGas",
            Read,
            three,
            h!(gas::gas_estimate_message_gas),
        ),
        call(
            "GasEstimateGasLimit",
            Read,
            two,
            h!(gas::gas_estimate_gas_limit),
        ),
        call(
            "GasEstimateFeeCap",
            Read,
            three,
            h!(gas::gas_estimate_fee_cap),
        ),
        call(
            "GasEstimateGasPremium",
            Read,
            Arity::both(4),
            h!(gas::gas_estimate_gas_premium),
        ),
    ]
}
